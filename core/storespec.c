/* storespec.c — what feeds.conf's `store` names (core/storespec.h). */
#include "core/storespec.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static storespec_check_fn *pg_check;

void storespec_set_pg_check(storespec_check_fn *check)
{
	pg_check = check;
}

enum storespec_kind storespec_kind(const char *spec)
{
	if (!spec || strcmp(spec, "sqlite") == 0)
		return STORESPEC_SQLITE;
	if (strncmp(spec, "postgresql://", 13) == 0 || strncmp(spec, "postgres://", 11) == 0)
		return STORESPEC_PG;
	size_t n = strlen(spec);
	if (n > 3 && strcmp(spec + n - 3, ".db") == 0)
		return STORESPEC_SQLITE_PATH;
	return STORESPEC_BAD;
}

/* Whether the query part Q ("a=b&c=d", no '?') sets a non-empty
 * password. */
static bool query_has_password(const char *q)
{
	for (const char *p = q; p; p = strchr(p, '&') ? strchr(p, '&') + 1 : NULL)
		if (strncmp(p, "password=", 9) == 0 && p[9] && p[9] != '&')
			return true;
	return false;
}

/* libpq's URI: postgresql://[user[:password]@][host][:port][,...][/dbname][?k=v&...].
 * A password is in the userinfo (a ':' before the last '@' of the
 * authority) or a password= parameter; an empty one is none, as for
 * libpq. Only when no backend check was handed over: libpq's own reading
 * (store/pg/pg_spec.c) also sees a percent-encoded key. */
static bool uri_has_password(const char *uri)
{
	const char *auth = strstr(uri, "://") + 3;
	size_t alen = strcspn(auth, "/?");
	const char *at = NULL;
	for (const char *c = auth; c < auth + alen; c++)
		if (*c == '@')
			at = c;
	if (at) {
		const char *colon = memchr(auth, ':', (size_t)(at - auth));
		if (colon && colon + 1 < at)
			return true;
	}
	const char *q = strchr(auth, '?');
	return q && query_has_password(q + 1);
}

const char *storespec_problem(const char *spec, char *buf, size_t buflen)
{
	switch (storespec_kind(spec)) {
	case STORESPEC_SQLITE:
	case STORESPEC_SQLITE_PATH:
		return NULL;
	case STORESPEC_PG:
#ifndef FEEDD_HAVE_PG
		return "this feedd was built without the PostgreSQL backend (libpq); "
		       "use store = sqlite";
#endif
		if (pg_check)
			return pg_check(spec, buf, buflen);
		return uri_has_password(spec) ? STORESPEC_PASSWORD_REFUSED : NULL;
	case STORESPEC_BAD:
		break;
	}
	if (strstr(spec, "://"))
		return "the URI is not a postgresql:// one (a store is \"sqlite\", a path "
		       "ending in .db or a postgresql:// URI)";
	/* libpq's other form ("host=db password=..."): not taken, and not
	 * quoted, for the same reason as a URI. */
	if (strchr(spec, '='))
		return "a libpq KEY=VALUE connection string is not a store: write it as a "
		       "postgresql:// URI (postgresql://USER@HOST/DATABASE?KEY=VALUE&...)";
	snprintf(buf, buflen, "\"%.80s\" is not \"sqlite\", a path ending in .db or a "
		 "postgresql:// URI", spec);
	return buf;
}

char *storespec_file(const char *spec, const char *state_dir)
{
	char *p = NULL;
	switch (storespec_kind(spec)) {
	case STORESPEC_SQLITE:
		if (asprintf(&p, "%s/feedd.db", state_dir ? state_dir : ".") < 0)
			return NULL;
		return p;
	case STORESPEC_SQLITE_PATH:
		return strdup(spec);
	default:
		return NULL;
	}
}
