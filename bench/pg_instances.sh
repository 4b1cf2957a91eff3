#!/bin/sh
# bench/pg_instances.sh — fetch throughput of 1, 2 and 3 feedd instances
# sharing one PostgreSQL store, on N feeds (default 5000) served by nginx on
# loopback.
#
# Usage: bench/pg_instances.sh [N]
# Env:   FEEDD_BIN (default: build/bench, build/dev or build/test feedd),
#        INSTANCES ("1 2 3"), JOBS (max_fetches per instance, 64),
#        ITEMS (items per feed, 20), KEEP=1 keeps the work folder.
#
# A throw-away cluster (tests/pg_cluster.sh) and nginx (as bench/fetch.sh
# sets it up) are started and stopped here. For each instance count, a
# fresh database gets the N feed rows all due at one instant 15 s ahead (so
# that no start-up spread paces them), the instances are started,
# and the time from that instant until every feed has been fetched is
# measured: a cold round (200s, every item new), then the same again warm
# (304s). Prints wall time, feeds/s and the instances' CPU time (user+sys,
# from /proc), with the load average: the machine may be shared.
set -eu
cd "$(dirname "$0")/.."
src=$(pwd)
N=${1:-5000}
INSTANCES=${INSTANCES:-1 2 3}
JOBS=${JOBS:-64}
ITEMS=${ITEMS:-20}
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
[ -x "$NGINX" ] || { echo "bench/pg_instances.sh: needs nginx" >&2; exit 1; }

FEEDD=${FEEDD_BIN:-}
if [ -z "$FEEDD" ]; then
	for b in build/bench/feedd build/dev/feedd build/test/feedd; do
		[ -x "$b" ] && FEEDD="$src/$b" && break
	done
fi
[ -n "$FEEDD" ] || { echo "bench/pg_instances.sh: build feedd first" >&2; exit 1; }

work=$(mktemp -d /tmp/feedd-pgi-XXXXXX)
chmod 755 "$work"   # nginx workers and the cluster's owner reach it
pids=""
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null || true; done
	[ -f "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null || true
	"$src/tests/pg_cluster.sh" stop "$work/pg" >/dev/null 2>&1 || true
	[ "${KEEP:-0}" = 1 ] || rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

uri=$("$src/tests/pg_cluster.sh" start "$work/pg")
q() { psql -X -q -At -v ON_ERROR_STOP=1 "$1" -c "$2"; }
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')

# --- the corpus and nginx (as bench/fetch.sh) ---
python3 bench/feed_corpus.py "$work/www" "$N" "$ITEMS"
mkdir -p "$work/nginx/logs" "$work/nginx/tmp"
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
	keepalive_requests 100000;
	gzip on;
	gzip_types application/rss+xml;
	etag on;
	server {
		listen 127.0.0.1:$port;
		root $work/www;
	}
}
EOF
"$NGINX" -p "$work/nginx" -c "$work/nginx.conf"

# cpu PID: user+sys clock ticks of a live process.
cpu() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }

start() {
	k=$1
	pids=""
	j=1
	while [ $j -le "$k" ]; do
		rm -f "$work/s$k-$j.sock"
		"$FEEDD" -c "$work/feeds$k.conf" --state-dir "$work/s$k-$j" \
			--socket "$work/s$k-$j.sock" 2>>"$work/feedd$k-$j.log" &
		pids="$pids $!"
		j=$((j + 1))
	done
	for j in $(seq 1 "$k"); do
		until [ -S "$work/s$k-$j.sock" ]; do
			kill -0 "$(echo $pids | cut -d' ' -f"$j")" 2>/dev/null ||
				{ cat "$work/feedd$k-$j.log" >&2; exit 1; }
			sleep 0.2
		done
	done
}

stop() {
	for p in $pids; do kill "$p"; wait "$p" || true; done
	pids=""
}

# round DB K LABEL: every feed due at one instant, 15 s ahead (the
# instances start meanwhile and load it); prints one row once all are fetched.
round() {
	db=$1 k=$2 label=$3
	due=$(( $(date +%s) + 15 ))
	q "$db" "UPDATE feeds SET next_due = $due, last_fetch = 0"
	start "$k"
	c0=0
	for p in $pids; do c0=$((c0 + $(cpu "$p"))); done
	while [ "$(q "$db" "SELECT count(*) FROM feeds WHERE last_fetch = 0")" != 0 ]; do
		sleep 0.2
	done
	end=$(date +%s.%N)
	c1=0
	for p in $pids; do c1=$((c1 + $(cpu "$p"))); done
	stop
	python3 -c "
import os
n, k, wall, ticks = $N, $k, $end - $due, $c1 - $c0
hz = os.sysconf('SC_CLK_TCK')
print('%-5s %9d %6d %8.2f %9.0f %8.2f  %s' % ('$label', k, n, wall, n / wall, ticks / hz,
      open('/proc/loadavg').read().split()[0]))"
}

printf "%-5s %9s %6s %8s %9s %8s  %s\n" round instances feeds wall_s feeds/s cpu_s load
for k in $INSTANCES; do
	db="$uri&dbname=bench$k"
	q "$uri" "CREATE DATABASE bench$k"
	{
		printf '[daemon]\nstore = %s\nmax_fetches = %s\nper_host = 100\nhost_gap = 0s\n' \
			"$db" "$JOBS"
		printf '[defaults]\ninterval = 1d\nallow_private = yes\n'
	} > "$work/empty.conf"
	cp "$work/empty.conf" "$work/feeds$k.conf"
	i=0
	while [ $i -lt "$N" ]; do
		printf '[feed f%d]\nurl = http://127.0.0.1:%s/f%d.xml\n' $i "$port" $i
		i=$((i + 1))
	done >> "$work/feeds$k.conf"
	# The schema and the feed rows, due far ahead, before any instance
	# loads them: an instance on an empty config makes the schema.
	"$FEEDD" -c "$work/empty.conf" --state-dir "$work/s$k-0" --socket "$work/s$k-0.sock" \
		2>"$work/init$k.log" &
	p=$!
	until [ -S "$work/s$k-0.sock" ]; do
		kill -0 "$p" 2>/dev/null || { cat "$work/init$k.log" >&2; exit 1; }
		sleep 0.2
	done
	kill "$p"
	wait "$p" || true
	q "$db" "INSERT INTO feeds(name, url, created, next_due)
		SELECT 'f' || i, 'http://127.0.0.1:$port/f' || i || '.xml', 0,
		extract(epoch FROM now())::bigint + 86400 FROM generate_series(0, $N - 1) i"
	round "$db" "$k" cold
	round "$db" "$k" warm
done
