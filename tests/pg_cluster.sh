#!/bin/sh
# pg_cluster.sh — a throw-away PostgreSQL cluster for the tests: initdb and
# pg_ctl in DIR, listening on a Unix socket in DIR only (no TCP), trust
# authentication for the superuser "feedd". Run as root, the cluster belongs
# to the "postgres" system user (the server refuses to run as root).
# Usage: tests/pg_cluster.sh start DIR | stop DIR
#   start prints the connection URI of the "postgres" database and also
#   writes it to DIR/uri; stop stops the server and removes DIR.
set -eu

cmd=${1:-}
dir=${2:-}
[ -n "$cmd" ] && [ -n "$dir" ] || { echo "usage: $0 start|stop DIR" >&2; exit 2; }

bindir=$(pg_config --bindir 2>/dev/null || true)
for d in "$bindir" /usr/lib/postgresql/*/bin; do
	if [ -n "$d" ] && [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ]; then
		bindir=$d
		break
	fi
done
[ -x "$bindir/initdb" ] || { echo "$0: initdb not found (tools/deps test installs postgresql)" >&2; exit 1; }

# as_owner CMD...: runs CMD as the cluster's owner.
as_owner() {
	if [ "$(id -u)" = 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

case $cmd in
start)
	if [ -f "$dir/data/postmaster.pid" ]; then
		# A cluster left by an interrupted run: replace it.
		as_owner "$bindir/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
	fi
	rm -rf "$dir"
	mkdir -p "$dir"
	dir=$(cd "$dir" && pwd)
	# The socket path must fit in sun_path (107 bytes).
	if [ ${#dir} -gt 80 ]; then
		echo "$0: $dir is too long for a Unix socket path" >&2
		exit 1
	fi
	if [ "$(id -u)" = 0 ]; then
		chown postgres: "$dir"
		if ! runuser -u postgres -- test -w "$dir"; then
			echo "$0: user postgres cannot reach $dir (a directory above is closed)" >&2
			exit 1
		fi
	fi
	as_owner "$bindir/initdb" -D "$dir/data" -U feedd --auth=trust \
		-E UTF8 --locale=C.UTF-8 --no-sync >"$dir/initdb.log" 2>&1 || {
		cat "$dir/initdb.log" >&2
		exit 1
	}
	# Test-only settings: no TCP, no fsync (a crashed test cluster is thrown
	# away anyway), small and fast.
	cat >>"$dir/data/postgresql.conf" <<CONF
listen_addresses = ''
unix_socket_directories = '$dir'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 60
shared_buffers = 32MB
CONF
	as_owner "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start >/dev/null || {
		cat "$dir/server.log" >&2
		exit 1
	}
	uri="postgresql://feedd@/postgres?host=$dir"
	echo "$uri" >"$dir/uri"
	chmod 0644 "$dir/uri"
	echo "$uri"
	;;
stop)
	if [ -d "$dir/data" ]; then
		as_owner "$bindir/pg_ctl" -D "$dir/data" -m fast -w -t 60 stop >/dev/null 2>&1 || \
			as_owner "$bindir/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
	fi
	rm -rf "$dir"
	;;
*)
	echo "usage: $0 start|stop DIR" >&2
	exit 2
	;;
esac
