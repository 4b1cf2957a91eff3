#!/bin/sh
# bench/arena.sh — feedd's malloc arenas: a cold and a warm `feedd --once`
# of N loopback feeds (bench/fetch.sh, nginx) with MALLOC_ARENA_MAX=1 (what
# feedd sets when the variable is unset) and with 2, interleaved ROUNDS
# times; medians of CPU seconds and peak RSS for each.
#
# Usage: bench/arena.sh [N]           (default 1000 feeds)
# Env:   ROUNDS (3), ARENAS ("1 2"), FEEDD_BIN (as bench/fetch.sh).
set -eu
cd "$(dirname "$0")/.."
N=${1:-1000}
ROUNDS=${ROUNDS:-3}
ARENAS=${ARENAS:-1 2}
out=$(mktemp /tmp/feedd-arena-XXXXXX)
trap 'rm -f "$out"' EXIT INT TERM
r=1
while [ "$r" -le "$ROUNDS" ]; do
	for a in $ARENAS; do
		echo "== round $r: MALLOC_ARENA_MAX=$a" >&2
		MALLOC_ARENA_MAX=$a CLIENTS=feedd sh bench/fetch.sh "$N" |
			grep "^feedd --once" | sed "s/^/$a /" | tee -a "$out" >&2
	done
	r=$((r + 1))
done
echo "feedd --once, $N loopback feeds, $ROUNDS interleaved rounds, medians" \
	"($(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg))"
python3 - "$out" "$N" <<'PY'
import statistics, sys
rows = {}
for line in open(sys.argv[1]):
    f = line.split()
    # arena, "feedd", "--once", cold|warm, feeds, wall_s, cpu_s, rss_MiB, ...
    rows.setdefault((f[3], f[0]), []).append((float(f[5]), float(f[6]), float(f[7])))
print()
print("| run | MALLOC_ARENA_MAX | wall s | CPU s | CPU ms/feed | peak RSS MiB |")
print("|---|---|---|---|---|---|")
n = int(sys.argv[2]) if len(sys.argv) > 2 else 0
for (run, arena), v in sorted(rows.items()):
    wall, cpu, rss = (statistics.median(c) for c in zip(*v))
    print("| %s | %s | %.2f | %.2f | %.3f | %.1f |" % (run, arena, wall, cpu,
          cpu / n * 1e3, rss))
PY
