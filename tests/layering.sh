#!/bin/sh
# layering.sh SOURCE_DIR LIBFEEDCORE [LIB...] — the core stays pure
# (docs/architecture.md, "Rooms"): no file under core/ includes anything of
# store/, daemon/ or cli/, nor the loop, the database or (but for the writer
# of feeds.conf, conf_edit and conf_names, its own library) libcurl; and the
# feedcore library neither defines nor calls anything of theirs. No two
# files of feedcore, nor of each LIB, call each other both ways (a circle),
# the PostgreSQL backend's pg*.c included. Prints each
# offence; exits 1 when there is one.
set -u
src=$1
lib=$2
shift 2
bad=0

# Pairs of a library's members (object files) that each call the other.
circles() {
	nm -A "$1" 2>/dev/null | awk '
	{
		f = $1
		sub(/^.*\.a:/, "", f)
		m = f
		sub(/:.*$/, "", m)
		if ($2 ~ /^[TDBR]$/)
			def[$3] = m
		else if ($2 == "U")
			use[m, $3] = 1
	}
	END {
		for (k in use) {
			split(k, p, SUBSEP)
			d = def[p[2]]
			if (d != "" && d != p[1])
				edge[p[1], d] = edge[p[1], d] " " p[2]
		}
		for (e in edge) {
			split(e, p, SUBSEP)
			if (p[1] < p[2] && ((p[2], p[1]) in edge))
				printf "  %s <-> %s:%s /%s\n", p[1], p[2], edge[e], edge[p[2], p[1]]
		}
	}'
}

# Includes, as written in the sources.
hits=$(grep -nE '^[[:space:]]*#[[:space:]]*include[[:space:]]*[<"](store|daemon|cli)/' \
	"$src"/core/*.c "$src"/core/*.h)
if [ -n "$hits" ]; then
	printf 'core includes a room above it:\n%s\n' "$hits"
	bad=1
fi
hits=$(grep -nE '^[[:space:]]*#[[:space:]]*include[[:space:]]*<(uv\.h|sqlite3\.h|libpq-fe\.h|systemd/)' \
	"$src"/core/*.c "$src"/core/*.h)
if [ -n "$hits" ]; then
	printf 'core includes the loop, a database or systemd:\n%s\n' "$hits"
	bad=1
fi
hits=$(grep -nE '^[[:space:]]*#[[:space:]]*include[[:space:]]*<curl/' "$src"/core/*.c \
	"$src"/core/*.h | grep -vE '^[^:]*/conf_(edit|names)\.[ch]:')
if [ -n "$hits" ]; then
	printf 'core (but conf_edit, conf_names) includes libcurl:\n%s\n' "$hits"
	bad=1
fi

# The library as built: what it defines and what it needs from elsewhere.
if ! syms=$(nm -A "$lib" 2>/dev/null); then
	echo "cannot read $lib"
	exit 1
fi
hits=$(printf '%s\n' "$syms" | grep -E ' [TDBR] (store_|storeq_|sqlite_|pg_|sched_|feedd_|fetch_|hooks_|api_start|api_wake)')
if [ -n "$hits" ]; then
	printf 'feedcore defines symbols of the store or the daemon:\n%s\n' "$hits"
	bad=1
fi
hits=$(printf '%s\n' "$syms" | grep -E ' U (store_|storeq_|sqlite3_|PQ|uv_|curl_|sd_|sched_|feedd_|fetch_|hooks_|http_server|http_conn)')
if [ -n "$hits" ]; then
	printf 'feedcore calls into a room above it:\n%s\n' "$hits"
	bad=1
fi
for l in "$lib" "$@"; do
	hits=$(circles "$l")
	if [ -n "$hits" ]; then
		printf '%s: files that call each other both ways:\n%s\n' "$l" "$hits"
		bad=1
	fi
done
[ $bad -eq 0 ] && echo "core is pure: $(ls "$src"/core/*.[ch] | wc -l) files, $lib"
exit $bad
