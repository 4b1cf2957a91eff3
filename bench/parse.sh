#!/bin/sh
# parse.sh — parser throughput against sfeed 1.7 on the same generated corpus,
# in the same run. Usage: bench/parse.sh [BUILD_DIR]  (default build/rel; build it
# with -DCMAKE_BUILD_TYPE=Release). Installs Debian's sfeed if it is missing.
# With a second build directory (bench/parse.sh build/rel build/base, e.g.
# main built in its own tree), that build's two figures are measured in the
# same rounds, in turn with the others, and printed after them.
#
# Figures are CPU seconds (user + system) per run, the best of ROUNDS rounds
# of REPEAT runs in a row (default 5 and 4),
# the three commands taking turns so that load from elsewhere on a shared
# machine falls on all of them alike:
#   sfeed < all.xml            reads, parses, writes its TSV
#   bench_parse --read corpus  reads each file and parses it into the item
#                              model (dates, URLs resolved), as `feedd --parse`
#   feedd --parse corpus/*     the same plus the JSON of every document
# and the last line gives the two feedd figures as ratios to sfeed's.
set -eu
build=${1:-build/rel}
base=${2:-}
rounds=${ROUNDS:-5}
bench=$build/bench/bench_parse
feedd=$build/feedd
[ -x "$bench" ] || { echo "parse.sh: $bench not built" >&2; exit 2; }
if ! command -v sfeed >/dev/null 2>&1; then
	apt-get install -y sfeed >/dev/null
fi
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT INT TERM
"$bench" --write "$dir/corpus" > "$dir/gen.txt"
bytes=$(cat "$dir"/corpus/*.xml | wc -c)
cat "$dir"/corpus/*.xml > "$dir/all.xml"

# CPU seconds of one run of a command: the command is run REPEAT times in a
# row and the total divided, since /usr/bin/time counts in 10 ms steps (4 %
# of one run here).
repeat=${REPEAT:-4}
cpu() {
	/usr/bin/time -o "$dir/time" -f '%U %S' sh -c \
		'n=$1; shift; while [ "$n" -gt 0 ]; do "$@"; n=$((n - 1)); done' \
		- "$repeat" "$@" > /dev/null 2>&1
	awk -v r="$repeat" '{print ($1 + $2) / r}' "$dir/time"
}
min() { awk -v a="$1" -v b="$2" 'BEGIN { print (a == "" || b < a) ? b : a }'; }
t_sfeed= t_bench= t_feedd= b_bench= b_feedd=
for _ in $(seq "$rounds"); do
	t_sfeed=$(min "$t_sfeed" "$(cpu sh -c "sfeed < '$dir/all.xml'")")
	t_bench=$(min "$t_bench" "$(cpu "$bench" --read "$dir/corpus")")
	if [ -n "$base" ]; then
		b_bench=$(min "$b_bench" "$(cpu "$base/bench/bench_parse" --read "$dir/corpus")")
	fi
	if [ -x "$feedd" ]; then
		t_feedd=$(min "$t_feedd" "$(cpu sh -c "'$feedd' --parse '$dir'/corpus/*.xml")")
	fi
	if [ -n "$base" ]; then
		b_feedd=$(min "$b_feedd" "$(cpu sh -c "'$base/feedd' --parse '$dir'/corpus/*.xml")")
	fi
done
head -1 "$dir/gen.txt"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) (CPU seconds, best of $rounds rounds of $repeat runs)"
awk -v b="$bytes" -v s="$t_sfeed" -v f="$t_bench" -v j="$t_feedd" 'BEGIN {
	printf "sfeed 1.7:              %6.1f MB/s (%.3f s CPU)\n", b / 1e6 / s, s;
	printf "feedd parser:           %6.1f MB/s (%.3f s CPU, reading and the item model)\n", b / 1e6 / f, f;
	if (j != "")
		printf "feedd --parse (+JSON):  %6.1f MB/s (%.3f s CPU)\n", b / 1e6 / j, j;
	printf "speed against sfeed:    parser %.2fx", s / f;
	if (j != "")
		printf ", feedd --parse with its output %.2fx", s / j;
	printf " (sfeed = 1.00x; the same corpus, rounds interleaved)\n";
}'
if [ -n "$base" ]; then
	awk -v b="$bytes" -v s="$t_sfeed" -v f="$b_bench" -v j="$b_feedd" -v d="$base" 'BEGIN {
		printf "%s parser:  %6.1f MB/s (%.3f s CPU)\n", d, b / 1e6 / f, f;
		printf "%s --parse: %6.1f MB/s (%.3f s CPU)\n", d, b / 1e6 / j, j;
		printf "%s against sfeed: parser %.2fx, feedd --parse with its output %.2fx\n", d, s / f, s / j;
	}'
fi
"$bench" --read "$dir/corpus" | tail -1
