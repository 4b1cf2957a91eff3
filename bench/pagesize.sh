#!/bin/sh
# bench/pagesize.sh — SQLite page sizes for a new store: a cold and a warm
# `feedd --once` of N loopback feeds (bench/fetch.sh, nginx), the store
# made with each PAGE_SIZE in turn, interleaved ROUNDS times; medians of
# CPU seconds, peak RSS and bytes written per new item (/proc/PID/io:
# write_bytes, the pages dirtied; wchar, the bytes handed to write calls).
#
# Usage: bench/pagesize.sh [N...]     (default 1000 5000 feeds)
# Env:   ROUNDS (3), PAGES ("4096 16384"), FEEDD_BIN and ITEMS (as bench/fetch.sh).
set -eu
cd "$(dirname "$0")/.."
SIZES=${*:-1000 5000}
ROUNDS=${ROUNDS:-3}
PAGES=${PAGES:-4096 16384}
ITEMS=${ITEMS:-20}
export ITEMS
out=$(mktemp /tmp/feedd-pagesize-XXXXXX)
trap 'rm -f "$out"' EXIT INT TERM
r=1
while [ "$r" -le "$ROUNDS" ]; do
	for p in $PAGES; do
		echo "== round $r: page_size $p" >&2
		# shellcheck disable=SC2086
		PAGE_SIZE=$p CLIENTS=feedd sh bench/fetch.sh $SIZES |
			grep "^feedd --once" | sed "s/^/$p /" | tee -a "$out" >&2
	done
	r=$((r + 1))
done
echo "feedd --once, $ROUNDS interleaved rounds, medians" \
	"($(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg))"
python3 - "$out" "$ITEMS" <<'PY'
import statistics, sys
rows = {}
for line in open(sys.argv[1]):
    f = line.split()
    # page, "feedd", "--once", cold|warm, feeds, wall_s, cpu_s, rss_MiB,
    # feeds/s, items/s, 200, 304, errors, wr_MiB, wchar_MiB, wr_B/item, wchar_B/item
    rows.setdefault((int(f[4]), f[3], int(f[0])), []).append(
        (float(f[5]), float(f[6]), float(f[7]), float(f[13]), float(f[14])))
print()
print("| feeds | run | page size | wall s | CPU s | CPU ms/feed | peak RSS MiB"
      " | write_bytes MiB | wchar MiB | write_bytes B/item | wchar B/item |")
print("|---|---|---|---|---|---|---|---|---|---|---|")
for (n, run, page), v in sorted(rows.items()):
    wall, cpu, rss, wb, wc = (statistics.median(c) for c in zip(*v))
    per = lambda m: "%.0f" % (m * 1048576 / (n * int(sys.argv[2]))) if run == "cold" else "-"
    print("| %d | %s | %d | %.2f | %.2f | %.3f | %.1f | %.1f | %.1f | %s | %s |" % (
        n, run, page, wall, cpu, cpu / n * 1e3, rss, wb, wc, per(wb), per(wc)))
PY
