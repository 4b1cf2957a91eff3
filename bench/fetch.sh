#!/bin/sh
# bench/fetch.sh — `feedd --once` cold and warm against nginx on loopback,
# next to `newsboat -x reload` and `sfeed_update` on the same corpus.
#
# Usage: bench/fetch.sh [N...]        (default: 1000 5000 feeds)
# Env:   FEEDD_BIN (default: build/bench, build/dev or build/test feedd),
#        JOBS (concurrency for all three, 64), ITEMS (items per feed, 20),
#        CLIENTS ("feedd newsboat sfeed"; add "daemon" for the running
#        daemon, bench/daemon_poll.py: a new feed fetched every 100 ms,
#        N/10 s, then INTERVAL more for the warm poll, N/10 + 20 s by
#        default, so not in the default set),
#        KEEP=1 keeps the work folder,
#        PAGE_SIZE (feedd's new store is made with these SQLite pages
#        instead of feedd's own choice, to compare page sizes),
#        FEEDD_BINS ("LABEL=PATH ...": feedd builds to compare on the
#        same corpus and server, each row prefixed with its LABEL) and
#        ROUNDS (with FEEDD_BINS, this many rounds of a cold and a warm
#        run by each, a new store each time, the order reversed every
#        other round; 1).
#
# Generates N RSS documents, serves them from nginx (ETag on, gzip on,
# access log off) on 127.0.0.1, and for each client prints wall time, CPU
# time (user+sys), peak RSS, feeds/s, items/s, the counts of 200, 304
# and errors as the server saw them (its status log), and what the client
# wrote (/proc/PID/io of it and its children): write_bytes (pages it
# dirtied in the page cache, what reaches the disk) and wchar (bytes handed
# to write calls), in MiB and per new item. May apt-get install
# nginx, newsboat and sfeed (as root); the tests never do.
set -eu
cd "$(dirname "$0")/.."
src=$(pwd)
JOBS=${JOBS:-64}
ITEMS=${ITEMS:-20}
SIZES=${*:-1000 5000}
CLIENTS=${CLIENTS:-feedd newsboat sfeed}
INTERVAL=${INTERVAL:-}
want() { case " $CLIENTS " in *" $1 "*) return 0 ;; esac; return 1; }

need=""
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || need="$need nginx"
command -v newsboat >/dev/null 2>&1 || need="$need newsboat"
command -v sfeed_update >/dev/null 2>&1 || need="$need sfeed"
if [ -n "$need" ]; then
	if [ "$(id -u)" != 0 ]; then
		echo "bench/fetch.sh: needs$need (run as root to install)" >&2
		exit 1
	fi
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq >/dev/null
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $need >/dev/null
fi
NGINX=$(command -v nginx || echo /usr/sbin/nginx)

FEEDD=${FEEDD_BIN:-}
if [ -z "$FEEDD" ]; then
	for b in build/bench/feedd build/dev/feedd build/test/feedd; do
		[ -x "$b" ] && FEEDD="$src/$b" && break
	done
fi
if [ -z "$FEEDD" ]; then
	cmake -S . -B build/bench -DCMAKE_BUILD_TYPE=Release >/dev/null
	cmake --build build/bench -j"$(nproc)" --target feedd >/dev/null
	FEEDD="$src/build/bench/feedd"
fi

work=$(mktemp -d /tmp/feedd-bench-XXXXXX)
chmod 755 "$work"   # nginx workers run as www-data
cleanup() {
	[ -f "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null || true
	[ "${KEEP:-0}" = 1 ] || rm -rf "$work"
}
trap cleanup EXIT INT TERM

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')

# --- the corpus ---
python3 bench/feed_corpus.py "$work/www" "$(echo "$SIZES" | tr ' ' '\n' | sort -n | tail -1)" "$ITEMS"

# --- nginx ---
mkdir -p "$work/nginx/logs" "$work/nginx/tmp"
cat > "$work/nginx.conf" <<EOF
daemon on;
worker_processes 2;
pid $work/nginx.pid;
error_log $work/nginx/logs/error.log;
events { worker_connections 4096; }
http {
	log_format status '\$status';
	access_log $work/nginx/logs/access.log status;
	client_body_temp_path $work/nginx/tmp;
	proxy_temp_path $work/nginx/tmp;
	fastcgi_temp_path $work/nginx/tmp;
	uwsgi_temp_path $work/nginx/tmp;
	scgi_temp_path $work/nginx/tmp;
	types { application/rss+xml xml; }
	keepalive_requests 100000;
	gzip on;
	gzip_types application/rss+xml;
	gzip_min_length 256;
	etag on;
	server {
		listen 127.0.0.1:$port;
		root $work/www;
	}
}
EOF
"$NGINX" -p "$work/nginx" -c "$work/nginx.conf"
sleep 0.5

access="$work/nginx/logs/access.log"
statuses() {
	# counts since the last mark: 200 304 other
	tail -n +"$(( $(cat "$work/mark") + 1 ))" "$access" |
		awk '{c[$1]++} END {o=0; for (k in c) if (k!=200 && k!=304) o+=c[k];
			printf "%d %d %d", c[200]+0, c[304]+0, o}'
}
mark() { wc -l < "$access" > "$work/mark"; }

# run NAME N ITEMS CMD... : runs CMD and prints a row
run() {
	r_name=$1 r_n=$2 r_items=$3
	shift 3
	mark
	# The client's rusage from wait4 (CPU to the microsecond: time(1)'s
	# hundredths were a tenth of a warm 1 000-feed run), and its I/O: a
	# reaped child's counts are added to its parent's /proc/self/io.
	python3 -c 'import os, subprocess, sys, time
t0 = time.monotonic()
p = subprocess.Popen(sys.argv[3:])
_, status, ru = os.wait4(p.pid, 0)
wall = time.monotonic() - t0
io = dict(l.split(": ") for l in open("/proc/self/io").read().splitlines())
open(sys.argv[1], "w").write("%s %s\n" % (io["write_bytes"], io["wchar"]))
open(sys.argv[2], "w").write("%.3f %.6f %.6f %d\n" % (wall, ru.ru_utime, ru.ru_stime, ru.ru_maxrss))
sys.exit(os.waitstatus_to_exitcode(status))' "$work/io" "$work/time" \
		"$@" >"$work/out" 2>"$work/err" || true
	read -r wbytes wchar < "$work/io"
	read -r wall user sys rss < "$work/time"
	set -- $(statuses)
	python3 - "$r_name" "$r_n" "$r_items" "$wall" "$user" "$sys" "$rss" "$1" "$2" "$3" \
		"$wbytes" "$wchar" <<'EOF'
import sys
name, n, items, wall, user, sys_, rss, s200, s304, oth, wb, wc = sys.argv[1:]
n, items, wall, cpu = int(n), int(items), float(wall), float(user) + float(sys_)
wb, wc = int(wb), int(wc)
w = max(wall, 1e-3)
per = lambda b: "%.0f" % (b / items) if items else "-"
print("%-24s %6d %8.2f %8.3f %9.1f %9.0f %10.0f %6s %6s %6s %8.1f %9.1f %9s %12s" % (
    name, n, wall, cpu, int(rss) / 1024, n / w, items / w, s200, s304, oth,
    wb / 1048576, wc / 1048576, per(wb), per(wc)))
EOF
}

# once LABEL BIN: a cold and a warm `feedd --once` by BIN on a new store in
# $d/feedd, of the loop's $n feeds ($items new items)
once() {
	rm -rf "$d/feedd"
	mkdir -p "$d/feedd"
	[ -n "${PAGE_SIZE:-}" ] && python3 -c 'import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.execute("PRAGMA page_size=%d" % int(sys.argv[2]))
db.execute("PRAGMA journal_mode=WAL")   # writes the header: the size holds
db.close()' "$d/feedd/feedd.db" "$PAGE_SIZE"
	run "$1feedd --once cold" "$n" "$items" "$2" --once -c "$d/feeds.conf" --state-dir "$d/feedd"
	tail -1 "$work/out" | sed 's/^/    /'
	run "$1feedd --once warm" "$n" 0 "$2" --once -c "$d/feeds.conf" --state-dir "$d/feedd"
	tail -1 "$work/out" | sed 's/^/    /'
}

printf "%-24s %6s %8s %8s %9s %9s %10s %6s %6s %6s %8s %9s %9s %12s\n" client feeds wall_s \
	cpu_s rss_MiB feeds/s items/s 200 304 errors wr_MiB wchar_MiB wr_B/item wchar_B/item
for n in $SIZES; do
	d="$work/run$n"
	mkdir -p "$d/feedd" "$d/newsboat" "$d/sfeed"
	items=$((n * ITEMS))

	# feedd
	{
		printf '[daemon]\nmax_fetches = %s\nper_host = 100\nhost_gap = 0s\n' "$JOBS"
		printf '[defaults]\nallow_private = yes\n'
		i=0
		while [ $i -lt "$n" ]; do
			printf '[feed f%d]\nurl = http://127.0.0.1:%s/f%d.xml\n' $i "$port" $i
			i=$((i + 1))
		done
	} > "$d/feeds.conf"
	if want feedd && [ -n "${FEEDD_BINS:-}" ]; then
		r=1
		while [ "$r" -le "${ROUNDS:-1}" ]; do
			bins=$FEEDD_BINS
			# Every other round the other order: neither build always
			# runs first, after the same neighbour.
			[ $((r % 2)) = 0 ] && bins=$(printf '%s\n' $FEEDD_BINS | tac | tr '\n' ' ')
			for lb in $bins; do
				once "${lb%%=*} " "${lb#*=}"
			done
			r=$((r + 1))
		done
	elif want feedd; then
		once "" "$FEEDD"
	fi

	# feedd running: a cold and a warm poll without the process's start
	want daemon && mkdir -p "$d/daemon" &&
		python3 bench/daemon_poll.py "$FEEDD" "$d/daemon" "$port" "$n" "$ITEMS" "$JOBS" \
			"$access" "$INTERVAL"

	# newsboat
	i=0
	: > "$d/urls"
	while [ $i -lt "$n" ]; do
		echo "http://127.0.0.1:$port/f$i.xml" >> "$d/urls"
		i=$((i + 1))
	done
	printf 'reload-threads %s\n' "$JOBS" > "$d/newsboat.conf"
	want newsboat && run "newsboat -x reload cold" "$n" "$items" env HOME="$d/newsboat" \
		newsboat -x reload -u "$d/urls" -c "$d/newsboat/cache.db" -C "$d/newsboat.conf"
	want newsboat && run "newsboat -x reload warm" "$n" 0 env HOME="$d/newsboat" \
		newsboat -x reload -u "$d/urls" -c "$d/newsboat/cache.db" -C "$d/newsboat.conf"

	# sfeed
	{
		printf 'sfeedpath="%s/sfeed/feeds"\nmaxjobs=%s\nfeeds() {\n' "$d" "$JOBS"
		i=0
		while [ $i -lt "$n" ]; do
			printf '\tfeed "f%d" "http://127.0.0.1:%s/f%d.xml"\n' $i "$port" $i
			i=$((i + 1))
		done
		printf '}\n'
	} > "$d/sfeedrc"
	want sfeed && run "sfeed_update cold" "$n" "$items" sfeed_update "$d/sfeedrc"
	want sfeed && run "sfeed_update warm" "$n" 0 sfeed_update "$d/sfeedrc"
done
# The loop ends on a `want … &&` line: without CLIENTS containing sfeed,
# its status (1) would become the script's.
exit 0
