#!/bin/sh
# bench/idle.sh — resident memory of an idle feedd with N feeds configured
# (targets: under 30 MB with 10 000, under 150 MB with 100 000).
#
# Usage: bench/idle.sh [N...]        (default: 10000 100000)
# Env:   FEEDD_BIN (default build/bench, build/dev or build/test feedd),
#        SETTLE (seconds to wait for start-up to settle, default 360),
#        IDLE (seconds idle before the figure, default 70).
#
# nginx on 127.0.0.1 serves one small RSS document (ETag on) under every
# feed's URL; the config gives each feed its own URL and host-free pacing,
# a one-day interval. feedd starts with an empty state, so start-up spreads
# the first fetch of every feed (100 ms apart, over at most 5 minutes); the
# figure is taken once every feed was fetched (or SETTLE passed) and the
# daemon sat idle for IDLE seconds (default 70: one upkeep period, 60 s,
# in which it hands its caches and free heap pages back). Prints RSS right after READY, the peak, and the
# idle figure. May apt-get install nginx (as root); the tests never do.
set -eu
cd "$(dirname "$0")/.."
src=$(pwd)
SIZES=${*:-10000 100000}
SETTLE=${SETTLE:-360}

FEEDD=${FEEDD_BIN:-}
if [ -z "$FEEDD" ]; then
	for b in build/bench/feedd build/dev/feedd build/test/feedd; do
		[ -x "$b" ] && FEEDD="$src/$b" && break
	done
fi
[ -n "$FEEDD" ] || { echo "idle.sh: no feedd built (set FEEDD_BIN)" >&2; exit 2; }
if ! command -v nginx >/dev/null 2>&1 && [ ! -x /usr/sbin/nginx ]; then
	[ "$(id -u)" = 0 ] || { echo "idle.sh: needs nginx (run as root to install)" >&2; exit 1; }
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nginx >/dev/null
fi
NGINX=$(command -v nginx || echo /usr/sbin/nginx)

work=$(mktemp -d /tmp/feedd-idle-XXXXXX)
chmod 755 "$work"
pids=""
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null || true; done
	[ -f "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT INT TERM

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mkdir -p "$work/www" "$work/nginx/logs" "$work/nginx/tmp"
cat > "$work/www/feed.xml" <<'EOF'
<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>idle</title><link>http://example.org/</link>
<description>one document for every feed</description>
<item><title>one</title><link>http://example.org/1</link><guid>urn:idle:1</guid></item>
<item><title>two</title><link>http://example.org/2</link><guid>urn:idle:2</guid></item>
</channel></rss>
EOF
cat > "$work/nginx.conf" <<EOF
daemon on;
worker_processes 1;
pid $work/nginx.pid;
error_log $work/nginx/logs/error.log;
events { worker_connections 4096; }
http {
	access_log off;
	client_body_temp_path $work/nginx/tmp;
	proxy_temp_path $work/nginx/tmp;
	fastcgi_temp_path $work/nginx/tmp;
	uwsgi_temp_path $work/nginx/tmp;
	scgi_temp_path $work/nginx/tmp;
	types { application/rss+xml xml; }
	default_type application/rss+xml;
	keepalive_requests 1000000;
	etag on;
	server {
		listen 127.0.0.1:$port;
		root $work/www;
		location / { try_files /feed.xml =404; }
	}
}
EOF
"$NGINX" -c "$work/nginx.conf" -p "$work/nginx" 2>/dev/null

rss() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
hwm() { awk '/^VmHWM:/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
fetches() {
	curl -s --unix-socket "$1" http://feedd/v1/status 2>/dev/null |
		python3 -c 'import json,sys; print(json.load(sys.stdin)["fetches"]["total"])' 2>/dev/null || echo 0
}

# Every size at once: the daemons are idle most of the time.
for n in $SIZES; do
	d="$work/n$n"
	mkdir -p "$d"
	{
		printf '[daemon]\nmax_fetches = 64\nper_host = 64\nhost_gap = 0s\n\n'
		printf '[defaults]\ninterval = 1d\nallow_private = yes\n\n'
		awk -v n="$n" -v port="$port" 'BEGIN {
			for (i = 0; i < n; i++)
				printf "[feed f%d]\nurl = http://127.0.0.1:%d/f%d.xml\n\n", i, port, i }'
	} > "$d/feeds.conf"
	start=$(date +%s.%N)
	"$FEEDD" -c "$d/feeds.conf" --state-dir "$d/state" --socket "$d/feedd.sock" \
		> "$d/log" 2>&1 &
	echo $! > "$d/pid"
	echo "$start" > "$d/start"
	pids="$pids $!"
done
for n in $SIZES; do
	d="$work/n$n"
	pid=$(cat "$d/pid")
	i=0
	while [ ! -S "$d/feedd.sock" ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done
	echo "$(rss "$pid")" > "$d/rss_ready"
done
t0=$(date +%s)
for n in $SIZES; do
	d="$work/n$n"
	pid=$(cat "$d/pid")
	while :; do
		f=$(fetches "$d/feedd.sock")
		[ "$f" -ge "$n" ] && break
		[ $(($(date +%s) - t0)) -ge "$SETTLE" ] && break
		sleep 2
	done
	echo "$f" > "$d/fetched"
done
sleep "${IDLE:-70}"
printf "%-8s %12s %12s %12s %14s\n" feeds ready_MiB peak_MiB idle_MiB fetched
for n in $SIZES; do
	d="$work/n$n"
	pid=$(cat "$d/pid")
	awk -v n="$n" -v r="$(cat "$d/rss_ready")" -v p="$(hwm "$pid")" -v i="$(rss "$pid")" \
		-v f="$(cat "$d/fetched")" 'BEGIN {
		printf "%-8d %12.1f %12.1f %12.1f %14s\n", n, r / 1024, p / 1024, i / 1024, f "/" n }'
done
