#!/bin/sh
# parse.sh — parser throughput against sfeed 1.7 on the same generated input,
# in the same run. Usage: bench/parse.sh [BUILD_DIR [BASE_BUILD_DIR]]
# (default build/rel; build it with -DCMAKE_BUILD_TYPE=Release). Installs
# Debian's sfeed if it is missing. With a second build directory (e.g. main
# built in its own tree), that build's two figures are measured in the same
# rounds, in turn with the others, and printed after them.
#
# Two inputs: the corpus (300 generated feeds, RSS 2.0 / Atom / RSS 1.0,
# 62.6 MB) and one 60 MB RSS 2.0 file (9 000 items in one channel), as the
# issue names it. For each, three commands, all without a base URL (sfeed
# resolves no link without one; feedd --parse without --url neither, so
# relative links stay as written on both sides):
#   sfeed < FILE               reads, parses (entities, dates), writes its TSV
#   bench_parse --read INPUT   reads each file and parses it into the item
#                              model (UTF-8 checked and repaired, entities,
#                              dates, HTML content), the items handed out one
#                              at a time as `feedd --parse` takes them
#   feedd --parse INPUT        the same plus the JSON of every document
#                              (--max-size lifts the 32 MiB cap for the big
#                              file; sfeed has none)
# The corpus goes to sfeed as one concatenated stream (sfeed reads any
# number of channels from stdin), to feedd as its 300 files.
#
# Figures are CPU seconds (user + system) per run, the best of ROUNDS rounds
# of REPEAT runs in a row (default 5 and 4), the commands taking turns so
# that load from elsewhere on a shared machine falls on all of them alike;
# the ratios are sfeed's time over feedd's (above 1: feedd is faster).
set -eu
build=${1:-build/rel}
base=${2:-}
rounds=${ROUNDS:-5}
bench=$build/bench/bench_parse
feedd=$build/feedd
[ -x "$bench" ] || { echo "parse.sh: $bench not built" >&2; exit 2; }
[ -x "$feedd" ] || { echo "parse.sh: $feedd not built" >&2; exit 2; }
if ! command -v sfeed >/dev/null 2>&1; then
	apt-get install -y sfeed >/dev/null
fi
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT INT TERM
"$bench" --write "$dir/corpus" > "$dir/gen.txt"
"$bench" --big "$dir/big.xml" > "$dir/big.txt"
cat "$dir"/corpus/*.xml > "$dir/all.xml"

# CPU seconds of one run of a command: the command is run REPEAT times in a
# row and the total divided, since /usr/bin/time counts in 10 ms steps.
repeat=${REPEAT:-4}
cpu() {
	/usr/bin/time -o "$dir/time" -f '%U %S' sh -c \
		'n=$1; shift; while [ "$n" -gt 0 ]; do "$@"; n=$((n - 1)); done' \
		- "$repeat" "$@" > /dev/null 2>&1
	awk -v r="$repeat" '{print ($1 + $2) / r}' "$dir/time"
}
min() { awk -v a="$1" -v b="$2" 'BEGIN { print (a == "" || b < a) ? b : a }'; }

# One input: NAME, sfeed's stdin, bench_parse's argument, feedd's arguments.
measure() {
	name=$1 sin=$2 bin=$3 fargs=$4
	bytes=$(wc -c < "$sin")
	t_sfeed= t_bench= t_feedd= b_bench= b_feedd=
	for _ in $(seq "$rounds"); do
		t_sfeed=$(min "$t_sfeed" "$(cpu sh -c "sfeed < '$sin'")")
		t_bench=$(min "$t_bench" "$(cpu "$bench" --read "$bin")")
		if [ -n "$base" ]; then
			b_bench=$(min "$b_bench" "$(cpu "$base/bench/bench_parse" --read "$bin")")
		fi
		t_feedd=$(min "$t_feedd" "$(cpu sh -c "'$feedd' --parse $fargs")")
		if [ -n "$base" ]; then
			b_feedd=$(min "$b_feedd" "$(cpu sh -c "'$base/feedd' --parse $fargs")")
		fi
	done
	echo "== $name"
	awk -v b="$bytes" -v s="$t_sfeed" -v f="$t_bench" -v j="$t_feedd" 'BEGIN {
		printf "sfeed 1.7:              %6.1f MB/s (%.3f s CPU)\n", b / 1e6 / s, s;
		printf "feedd parser:           %6.1f MB/s (%.3f s CPU, reading and the item model)\n", b / 1e6 / f, f;
		printf "feedd --parse (+JSON):  %6.1f MB/s (%.3f s CPU)\n", b / 1e6 / j, j;
		printf "speed against sfeed:    parser %.2fx, feedd --parse with its output %.2fx\n", s / f, s / j;
	}'
	if [ -n "$base" ]; then
		awk -v b="$bytes" -v s="$t_sfeed" -v f="$b_bench" -v j="$b_feedd" -v d="$base" 'BEGIN {
			printf "%s parser:  %6.1f MB/s (%.3f s CPU)\n", d, b / 1e6 / f, f;
			printf "%s --parse: %6.1f MB/s (%.3f s CPU)\n", d, b / 1e6 / j, j;
			printf "%s against sfeed: parser %.2fx, feedd --parse with its output %.2fx\n", d, s / f, s / j;
		}'
	fi
}

head -1 "$dir/gen.txt"
cat "$dir/big.txt"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg) (CPU seconds, best of $rounds rounds of $repeat runs)"
measure "corpus, 300 files" "$dir/all.xml" "$dir/corpus" "'$dir'/corpus/*.xml"
measure "one 60 MB RSS file" "$dir/big.xml" "$dir/big.xml" "--max-size 100000000 '$dir/big.xml'"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
