#!/bin/sh
# bench/api_compare.sh — daemon CPU per GET /v1/items?limit=100 and p50/p99
# with 16 clients, per format (json, atom, tsv), of this tree and of an
# earlier commit, measured in the same run: bench_api of each build run in
# turn, ROUNDS times (interleaved), medians printed side by side. On a
# shared machine single figures follow the load; the interleaving and the
# medians are what make the two comparable.
#
# Usage: bench/api_compare.sh [BASE]     (default: main)
# Env:   ITEMS (store size, 100000), SECONDS (per format and run, 3),
#        ROUNDS (3), FORMATS (json,atom,tsv), BUILD (this tree's build,
#        build/dev; bench_api is built there), BASE_BUILD (where BASE is
#        unpacked and built, /tmp/feedd-api-base-REV; kept for the next run).
#
# BASE is built from `git archive` with this tree's bench/bench_api.c (the
# harness must be the same; only the code it measures differs). Each build
# gets its own store (BENCH_DIR), made by its first run and reused.
set -eu
cd "$(dirname "$0")/.."
src=$(pwd)
BASE=${1:-main}
ITEMS=${ITEMS:-100000}
SECONDS_EACH=${SECONDS:-3}
ROUNDS=${ROUNDS:-3}
FORMATS=${FORMATS:-json,atom,tsv}
BUILD=${BUILD:-build/dev}
rev=$(git rev-parse --short "$BASE")
head=$(git rev-parse --short HEAD)
BASE_BUILD=${BASE_BUILD:-/tmp/feedd-api-base-$rev}

if [ ! -x "$BASE_BUILD/build/bench/bench_api" ] ||
   ! cmp -s bench/bench_api.c "$BASE_BUILD/bench/bench_api.c"; then
	mkdir -p "$BASE_BUILD"
	git archive "$rev" | tar -x -C "$BASE_BUILD"
	cp bench/bench_api.c "$BASE_BUILD/bench/bench_api.c"
	cmake -S "$BASE_BUILD" -B "$BASE_BUILD/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	cmake --build "$BASE_BUILD/build" -j2 --target bench_api >/dev/null
fi
cmake --build "$BUILD" -j2 --target bench_api >/dev/null

logs=$(mktemp -d /tmp/feedd-api-compare-XXXXXX)
trap 'rm -rf "$logs"' EXIT INT TERM
store_base=$BASE_BUILD/bench-store
store_head=$logs/store-head
if [ -n "${HEAD_STORE:-}" ]; then store_head=$HEAD_STORE; fi
i=1
while [ "$i" -le "$ROUNDS" ]; do
	for who in base head; do
		if [ "$who" = base ]; then
			bin=$BASE_BUILD/build/bench/bench_api dir=$store_base
		else
			bin=$src/$BUILD/bench/bench_api dir=$store_head
		fi
		echo "== round $i: $who" >&2
		BENCH_DIR=$dir BENCH_FORMATS=$FORMATS "$bin" "$ITEMS" "$SECONDS_EACH" \
			>"$logs/$who.$i.txt"
		grep '^format ' "$logs/$who.$i.txt" | sed "s/^/$who /" >>"$logs/all.txt"
	done
	i=$((i + 1))
done

echo "GET /v1/items?limit=100, 16 clients, $ITEMS items, $ROUNDS interleaved rounds of" \
	"$SECONDS_EACH s per format, medians; base $rev, head $head ($(nproc) cores," \
	"load $(cut -d' ' -f1-3 /proc/loadavg))"
python3 - "$logs/all.txt" "$rev" "$head" <<'PY'
import re, statistics, sys
rows = {}
for line in open(sys.argv[1]):
    m = re.match(r"(\w+) format (\w+): daemon ([\d.]+) ms CPU per request, p50 ([\d.]+) ms, "
                 r"p99 ([\d.]+) ms", line)
    if m:
        rows.setdefault((m[2], m[1]), []).append(tuple(float(x) for x in m.group(3, 4, 5)))
print()
print("| format | daemon CPU/request, base %s | head %s | p50 base | p50 head | p99 base | p99 head |"
      % (sys.argv[2], sys.argv[3]))
print("|---|---|---|---|---|---|---|")
for fmt in dict.fromkeys(k[0] for k in rows):
    med = {who: [statistics.median(c) for c in zip(*rows.get((fmt, who), [(0, 0, 0)]))]
           for who in ("base", "head")}
    print("| %s | %.3f ms | %.3f ms | %.2f ms | %.2f ms | %.2f ms | %.2f ms |" % (
        fmt, med["base"][0], med["head"][0], med["base"][1], med["head"][1],
        med["base"][2], med["head"][2]))
PY
