#!/bin/sh
# bench/fetch_compare.sh — a cold and a warm `feedd --once` of N loopback
# feeds (bench/fetch.sh: nginx, 20 items a feed) by this tree and by an
# earlier commit, measured in the same run: the two builds alternate on
# one corpus and one server (bench/fetch.sh with FEEDD_BINS), ROUNDS
# times for each size, the order reversed every other round, and the
# medians are printed side by side with their ratio. On a shared machine
# single figures follow the load; the interleaving and the medians are
# what make the two comparable, and
# CPU time (user + sys) is the figure to read, wall time the one to doubt.
#
# Usage: bench/fetch_compare.sh [BASE [N...]]   (default: f2277c9, 1000 5000)
# Env:   ROUNDS (3), BUILD (this tree's Release build, build/bench),
#        DAEMON_N (empty: none) adds, at that many feeds, a cold and a
#        warm poll by the running daemon (bench/daemon_poll.py: feeds
#        fetched 100 ms apart, so N/5 + 20 s or more a run),
#        BASE_BUILD (where BASE is unpacked and built,
#        /tmp/feedd-fetch-base-REV; kept for the next run), ITEMS and JOBS
#        as bench/fetch.sh.
#
# f2277c9 is the code before issue 23's work (a transaction per document,
# a write per 304, 16 KiB pages, one malloc arena).
set -eu
cd "$(dirname "$0")/.."
src=$(pwd)
BASE=${1:-f2277c9}
[ $# -gt 0 ] && shift
SIZES=${*:-1000 5000}
ROUNDS=${ROUNDS:-3}
BUILD=${BUILD:-build/bench}
rev=$(git rev-parse --short "$BASE")
head=$(git rev-parse --short HEAD)
BASE_BUILD=${BASE_BUILD:-/tmp/feedd-fetch-base-$rev}

if [ ! -x "$BASE_BUILD/build/feedd" ]; then
	mkdir -p "$BASE_BUILD"
	git archive "$rev" | tar -x -C "$BASE_BUILD"
	cmake -S "$BASE_BUILD" -B "$BASE_BUILD/build" -DCMAKE_BUILD_TYPE=Release >/dev/null
	cmake --build "$BASE_BUILD/build" -j"$(nproc)" --target feedd >/dev/null
fi
cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$BUILD" -j"$(nproc)" --target feedd >/dev/null

out=$(mktemp /tmp/feedd-fetch-compare-XXXXXX)
trap 'rm -f "$out"' EXIT INT TERM
# One corpus and one server for both builds: the rounds alternate on it.
FEEDD_BINS="base=$BASE_BUILD/build/feedd head=$src/$BUILD/feedd" ROUNDS=$ROUNDS \
	CLIENTS=feedd sh bench/fetch.sh $SIZES | grep -E "^(base|head) feedd --once" |
	tee -a "$out" >&2
if [ -n "${DAEMON_N:-}" ]; then
	r=1
	while [ "$r" -le "$ROUNDS" ]; do
		for who in base head; do
			if [ "$who" = base ]; then bin=$BASE_BUILD/build/feedd; else bin=$src/$BUILD/feedd; fi
			echo "== daemon, $DAEMON_N feeds, round $r: $who" >&2
			FEEDD_BIN=$bin CLIENTS=daemon sh bench/fetch.sh "$DAEMON_N" |
				grep "^feedd daemon" | sed "s/^/$who /" | tee -a "$out" >&2
		done
		r=$((r + 1))
	done
fi

echo "feedd --once of N loopback feeds${DAEMON_N:+ (daemon: the running daemon, $DAEMON_N feeds)}," \
	"$ROUNDS interleaved rounds, medians;" \
	"base $rev, head $head ($(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg))"
python3 - "$out" "$rev" "$head" <<'PY'
import statistics, sys
rows = {}
for line in open(sys.argv[1]):
    f = line.split()
    # who feedd --once|daemon cold|warm N wall cpu rss feeds/s items/s 200 304 errors wr wchar
    # wr/item wchar/item
    who, kind, n = f[0], ("daemon " if f[2] == "daemon" else "") + f[3], int(f[4])
    rows.setdefault((n, kind, who), []).append(
        (float(f[6]) / n * 1e3, float(f[5]), float(f[7]), float(f[13]) * 1048576, f[15]))
base, head = sys.argv[2], sys.argv[3]
med = lambda xs: statistics.median(xs)
print()
print("| feeds | run | CPU ms/feed, base %s | head %s | head/base | wall s base / head |"
      " peak RSS MiB base / head | written base / head |" % (base, head))
print("|---|---|---|---|---|---|---|---|")
for n in sorted({k[0] for k in rows}):
    for kind in ("cold", "warm", "daemon cold", "daemon warm"):
        b, h = rows.get((n, kind, "base")), rows.get((n, kind, "head"))
        if not b or not h:
            continue
        cb, ch = med([x[0] for x in b]), med([x[0] for x in h])
        # written: per new item for a cold run, per feed for a warm one
        if kind.endswith("cold"):
            wb, wh = med([float(x[4]) for x in b]), med([float(x[4]) for x in h])
            wr = "%.1f / %.1f KB per item" % (wb / 1e3, wh / 1e3)
        else:
            wb, wh = med([x[3] for x in b]) / n, med([x[3] for x in h]) / n
            wr = "%.1f / %.1f KB per feed" % (wb / 1e3, wh / 1e3)
        print("| %d | %s | %.3f | %.3f | %.2f | %.2f / %.2f | %.1f / %.1f | %s |" % (
            n, kind, cb, ch, ch / cb if cb else 0, med([x[1] for x in b]),
            med([x[1] for x in h]), med([x[2] for x in b]), med([x[2] for x in h]), wr))
PY
