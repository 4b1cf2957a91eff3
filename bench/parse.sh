#!/bin/sh
# parse.sh — parser throughput against sfeed 1.7 on the same generated corpus,
# in the same run. Usage: bench/parse.sh [BUILD_DIR]  (default build/rel; build it
# with -DCMAKE_BUILD_TYPE=Release). Installs Debian's sfeed if it is missing.
set -eu
build=${1:-build/rel}
bench=$build/bench/bench_parse
[ -x "$bench" ] || { echo "parse.sh: $bench not built" >&2; exit 2; }
if ! command -v sfeed >/dev/null 2>&1; then
	apt-get install -y sfeed >/dev/null
fi
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT INT TERM
"$bench" --write "$dir/corpus" > "$dir/gen.txt"
bytes=$(cat "$dir"/corpus/*.xml | wc -c)
cat "$dir"/corpus/*.xml > "$dir/all.xml"

# CPU seconds of a command, best of three (the machine is shared).
cpu() {
	best=
	for _ in 1 2 3; do
		t=$( { /usr/bin/time -f '%U %S' "$@" > /dev/null; } 2>&1 | tail -1 | awk '{print $1 + $2}')
		if [ -z "$best" ] || awk "BEGIN{exit !($t < $best)}"; then best=$t; fi
	done
	echo "$best"
}
sfeed_run() { sfeed < "$dir/all.xml"; }
t_sfeed=$(cpu sh -c "sfeed < '$dir/all.xml'")
t_feedd=$(cpu "$bench" --read "$dir/corpus")
head -1 "$dir/gen.txt"
awk -v b="$bytes" -v s="$t_sfeed" -v f="$t_feedd" 'BEGIN {
	printf "sfeed 1.7:     %.1f MB/s (%.2f s CPU)\n", b / 1e6 / s, s;
	printf "feedd parser:  %.1f MB/s (%.2f s CPU, whole process incl. reading the files)\n", b / 1e6 / f, f;
}'
"$bench" --read "$dir/corpus" | tail -1
