/* storespec.h — feeds.conf's `store` value: which store it names, and why
 * it names none. Pure string rules, no database: the config reader refuses
 * a bad value with them (file, line, key), and the store's backends pick
 * and check the spec at open with the same ones.
 *
 * Nothing is allocated; messages are static or in the caller's buffer. */
#ifndef FEEDD_STORESPEC_H
#define FEEDD_STORESPEC_H

#include <stddef.h>

enum storespec_kind {
	STORESPEC_SQLITE,        /* NULL or "sqlite": STATE_DIR/feedd.db */
	STORESPEC_SQLITE_PATH,   /* a path ending in ".db" */
	STORESPEC_PG,            /* postgresql:// or postgres:// URI */
	STORESPEC_BAD,
};

/* What SPEC names; its syntax only (a URI's password is not looked at). */
enum storespec_kind storespec_kind(const char *spec);

/* The database file of a file store (SQLite: STATE_DIR/feedd.db, or the
 * path SPEC is), on the heap; NULL for any other SPEC or out of memory. */
char *storespec_file(const char *spec, const char *state_dir);

/* Why SPEC cannot be a store, or NULL: neither "sqlite", nor a path
 * ending in .db, nor a postgresql:// URI; or a URI the PostgreSQL backend
 * refuses (the check storespec_set_pg_check handed over; without one, a
 * password in the URI's userinfo or a password= parameter). The message
 * quotes SPEC only when it is neither a URI nor a libpq KEY=VALUE string
 * (either may carry credentials). BUF (BUFLEN bytes) holds a message
 * built. */
const char *storespec_problem(const char *spec, char *buf, size_t buflen);

/* Why the PostgreSQL backend refuses a postgresql:// URI, by libpq's own
 * reading of it, or NULL (store.h's store_pg_spec_problem). */
typedef const char *storespec_check_fn(const char *uri, char *buf, size_t buflen);

/* Hands storespec_problem the backend's CHECK of postgresql:// URIs: the
 * core links no libpq (docs/architecture.md, "Rooms"), so feedd's main
 * sets it once at start, before any config is read, and the config reader
 * (--check-config, a start, a reload) then refuses what the store would
 * refuse at open. Programs that do not (feedctl, the fuzzers) keep the
 * syntax check alone. */
void storespec_set_pg_check(storespec_check_fn *check);

/* The refusal of a password in a postgresql:// URI, as every place says it. */
#define STORESPEC_PASSWORD_REFUSED \
	"a password in the postgresql:// URI is refused; put it in a password file " \
	"(passfile=PATH in the URI, or PGPASSFILE)"

#endif
