#!/bin/sh
# bench/pg_faults.sh — issue 27's fault timeline on three feedd instances
# sharing one PostgreSQL database: steady, a fast restart of the server,
# the server down, one instance partitioned from the server over TCP (a
# loopback proxy that stops forwarding without closing), an instance
# stopped past its lease, an instance killed with -9. Prints items
# published / stored / duplicated, hooks run once / twice / never, hook
# delay p50/p99, long-poll wake p50/p99 and the partitioned instance's
# /v1/status availability and latency per phase (bench/pg_faults.py says
# how).
#
# Usage: bench/pg_faults.sh
# Env:   FEEDD_BIN (default: build/bench, build/dev or build/test feedd),
#        FEEDS (15), PERIOD (an item per feed every 6 s), PHASE (30 s),
#        DOWN (15 s the server is stopped, and the partition lasts),
#        PHASES (a comma list of steady,restart,down,partition,sigstop,
#        kill9: only these, in that order; default all). About 4.5 minutes
#        by default.
set -eu
cd "$(dirname "$0")/.."
src=$(pwd)
FEEDD=${FEEDD_BIN:-}
if [ -z "$FEEDD" ]; then
	for b in build/bench/feedd build/dev/feedd build/test/feedd; do
		[ -x "$b" ] && FEEDD="$src/$b" && break
	done
fi
[ -n "$FEEDD" ] || { echo "bench/pg_faults.sh: build feedd first" >&2; exit 1; }
export FEEDD_BIN="$FEEDD"

work=$(mktemp -d /tmp/feedd-pgf-XXXXXX)
chmod 755 "$work"
cleanup() {
	"$src/tests/pg_cluster.sh" stop "$work/pg" >/dev/null 2>&1 || true
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
uri=$("$src/tests/pg_cluster.sh" start "$work/pg")
psql -X -q -At "$uri" -c "CREATE DATABASE faults"
python3 bench/pg_faults.py "$uri&dbname=faults" "$work/pg"
