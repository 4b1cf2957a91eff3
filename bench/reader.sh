#!/bin/sh
# bench/reader.sh — the reader API under load (issue 19's target: GET
# /v1/entries?status=unread&limit=100 on a store of 1 M items, p99 under
# 5 ms with 16 keep-alive clients, HTTP Basic auth), this tree against a
# base revision built in the same run.
#
# Usage: bench/reader.sh [BASE_REV]   (default: where this branch left main)
# Env:   FEEDS, PER_FEED (the store: 10000 x 100 = 1 M items),
#        CLIENTS (16), SECONDS (per round, 5), ROUNDS (3),
#        TARGET (the request, "/v1/entries?status=unread&limit=100"),
#        UNREAD=N marks every item read but the newest N (both copies),
#        the store of a person who keeps up (default: none read),
#        HTML=N gives the first N items by id, the last N, and the first
#        N unread of UNREAD a realistic HTML body (~5 KB, a WordPress
#        post: figures, srcset, links, a script and styles the sanitiser
#        removes) in place of the generator's 295-byte plain summary,
#        COLD=1 (with HTML) moves the Miniflux target's window over those
#        N items request by request (after_entry_id, bench_reader's
#        "{k}") so that no answer repeats: the figure with every content
#        cache missing,
#        GREADER=1 measures the Google Reader target instead (TARGET
#        default /reader/api/0/stream/contents/user/-/state/com.google/
#        reading-list?xt=user/-/state/com.google/read&n=100, a GoogleLogin
#        token from /accounts/ClientLogin per daemon; BASE_REV must serve
#        it),
#        NEW_FEEDD=, BENCH_READER= binaries built before (this tree's
#        are not built then: the sources may change during a long run),
#        KEEP=1 keeps the work folder, WORK=DIR reuses one kept (its
#        built base and store).
#
# Builds this tree (build/bench, Release) and BASE_REV (exported with git
# archive into the work folder, Release): feedd, and the base's
# bench_store, which makes the store (schema as of BASE_REV; this tree's
# feedd upgrades its own copy on start). Each feedd runs on its copy with
# reader_listen on 127.0.0.1 and every feed of the store configured but
# disabled (nothing is fetched). The rounds alternate base and this tree;
# each prints req/s, p50/p99/max latency and the daemon's CPU per request
# (bench/bench_reader.c): on a shared machine the CPU figure is the
# steadier one.
set -eu
cd "$(dirname "$0")/.."
src=$(pwd)
BASE=${1:-$(git merge-base HEAD main)}
FEEDS=${FEEDS:-10000}
PER_FEED=${PER_FEED:-100}
CLIENTS=${CLIENTS:-16}
SECONDS_=${SECONDS:-5}
ROUNDS=${ROUNDS:-3}
GREADER=${GREADER:-}
HTML=${HTML:-}
COLD=${COLD:-}
if [ -n "$GREADER" ]; then
	TARGET=${TARGET:-/reader/api/0/stream/contents/user/-/state/com.google/reading-list?xt=user/-/state/com.google/read&n=100}
else
	TARGET=${TARGET:-/v1/entries?status=unread&limit=100}
fi
JOBS=${JOBS:-2}

UNREAD=${UNREAD:-}
if [ -n "${WORK:-}" ]; then
	work=$WORK
	KEEP=1
else
	work=$(mktemp -d /tmp/feedd-reader-bench-XXXXXX)
fi
pids=""
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null || true; done
	for p in $pids; do wait "$p" 2>/dev/null || true; done
	[ "${KEEP:-0}" = 1 ] && echo "kept $work" >&2 || rm -rf "$work"
}
trap cleanup EXIT INT TERM

build() {  # build dir, source dir, targets...
	b=$1 s=$2
	shift 2
	cmake -S "$s" -B "$b" -DCMAKE_BUILD_TYPE=Release >/dev/null
	cmake --build "$b" -j"$JOBS" --target "$@" >/dev/null
}

echo "== building this tree ($(git rev-parse --short HEAD)) and $BASE ($(git rev-parse --short "$BASE"))"
if [ -z "${NEW_FEEDD:-}" ]; then
	build "$src/build/bench" "$src" feedd bench_reader
fi
if [ ! -x "$work/base-build/feedd" ]; then
	rm -rf "$work/base-src"
	mkdir -p "$work/base-src"
	git archive "$BASE" | tar -x -C "$work/base-src"
	build "$work/base-build" "$work/base-src" feedd bench_store
fi
NEW=${NEW_FEEDD:-$src/build/bench/feedd}
OLD=$work/base-build/feedd
LOAD=${BENCH_READER:-$src/build/bench/bench/bench_reader}

echo "== the store: $FEEDS feeds x $PER_FEED items (base's bench_store)"
if [ ! -s "$work/store/bench.db" ]; then
	mkdir -p "$work/store"
	"$work/base-build/bench/bench_store" "$work/store" "$FEEDS" "$PER_FEED" |
		grep '^insert: .* items/s' || true
fi

printf 'bench:%s\n' "pw-$$" > "$work/reader.auth"
chmod 600 "$work/reader.auth"
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

start() {  # name, binary: starts feedd on its copy of the store
	d="$work/$1"
	rm -rf "$d"
	mkdir -p "$d/state"
	cp "$work/store/bench.db" "$d/bench.db"
	if [ -n "$UNREAD" ]; then
		python3 - "$d/bench.db" "$UNREAD" <<-'EOF'
		import sqlite3, sys
		db = sqlite3.connect(sys.argv[1])
		top = db.execute("SELECT max(id) FROM items").fetchone()[0]
		db.execute("UPDATE items SET read = (id <= ?)", (top - int(sys.argv[2]),))
		db.commit()
		EOF
	fi
	if [ -n "$HTML" ]; then
		python3 "$src/bench/wp_post.py" "$d/bench.db" "$HTML" "${UNREAD:-0}"
	fi
	p=$(port)
	echo "$p" > "$d/port"
	{
		printf '[daemon]\nstore = %s/bench.db\nreader_listen = 127.0.0.1:%s\nreader_auth = %s\n\n' \
			"$d" "$p" "$work/reader.auth"
		printf '[defaults]\nenabled = no\ninterval = 1d\n\n'
		awk -v n="$FEEDS" 'BEGIN {
			for (i = 0; i < n; i++)
				printf "[feed feed%05d]\nurl = http://127.0.0.1:9/feed%05d.xml\n\n", i, i }'
	} > "$d/feeds.conf"
	"$2" -c "$d/feeds.conf" --state-dir "$d/state" --socket "$d/feedd.sock" > "$d/log" 2>&1 &
	echo $! > "$d/pid"
	pids="$pids $!"
	for _ in $(seq 1 600); do
		curl -sf -u "bench:pw-$$" "http://127.0.0.1:$p/v1/me" >/dev/null 2>&1 && return 0
		sleep 0.2
	done
	echo "reader.sh: $1 did not start:" >&2
	tail -5 "$d/log" >&2
	exit 1
}
start base "$OLD"
start new "$NEW"

cred() {  # name: bench_reader's credentials for that daemon
	if [ -n "$GREADER" ]; then
		[ -s "$work/$1/token" ] ||
			curl -sf -d Email=bench -d "Passwd=pw-$$" \
				"http://127.0.0.1:$(cat "$work/$1/port")/accounts/ClientLogin" |
				sed -n 's/^Auth=/auth=/p' > "$work/$1/token"
		cat "$work/$1/token"
	else
		echo "bench:pw-$$"
	fi
}
if [ -n "$COLD" ]; then
	[ -n "$HTML" ] && [ -z "$GREADER" ] || { echo "reader.sh: COLD=1 needs HTML=N, Miniflux" >&2; exit 2; }
	top=$(python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("SELECT max(id) FROM items").fetchone()[0])' "$work/new/bench.db")
	BENCH_K0=$(( ${UNREAD:+$top - $UNREAD + }0 ))
	BENCH_KMOD=$(( HTML / 100 ))
	BENCH_KSTEP=100
	export BENCH_K0 BENCH_KMOD BENCH_KSTEP
	TARGET="$TARGET&after_entry_id={k}"
fi

load() {  # name, clients, seconds
	d="$work/$1"
	"$LOAD" "127.0.0.1:$(cat "$d/port")" "$(cred "$1")" "$2" "$3" "$TARGET" "$(cat "$d/pid")"
}

probe=$(echo "$TARGET" | sed 's/{k}/'"${BENCH_K0:-0}"'/')
if [ -n "$GREADER" ]; then
	n=$(curl -sf -H "Authorization: GoogleLogin $(cred new)" \
		"http://127.0.0.1:$(cat "$work/new/port")$probe&output=json" |
		python3 -c 'import json,sys; print(len(json.load(sys.stdin)["items"]))')
else
	n=$(curl -sf -u "bench:pw-$$" "http://127.0.0.1:$(cat "$work/new/port")$probe" |
		python3 -c 'import json,sys; print(len(json.load(sys.stdin)["entries"]))')
fi
echo "== $TARGET: $n entries an answer${UNREAD:+ (all read but the newest $UNREAD)}${HTML:+, HTML bodies}${COLD:+, cold window}; $CLIENTS clients, $ROUNDS rounds of $SECONDS_ s, alternating"
for name in base new; do load "$name" 2 1 >/dev/null; done   # warm
r=1
while [ "$r" -le "$ROUNDS" ]; do
	for name in base new; do
		printf '%-4s round %d: ' "$name" "$r"
		load "$name" "$CLIENTS" "$SECONDS_"
	done
	r=$((r + 1))
done
for name in base new; do
	printf '%-4s 1 client:  ' "$name"
	load "$name" 1 "$SECONDS_"
done
