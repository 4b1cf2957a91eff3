/* pg_spec.c — a postgresql:// store URI as libpq reads it: what feedd
 * refuses in it (a password however written, a query parameter libpq does
 * not take), said without quoting the URI. The config reader checks
 * feeds.conf's `store` with it (store_pg_spec_problem, handed to
 * core/storespec.c by feedd's main) and pg.c again at open, so that
 * --check-config refuses what the open would. Calls nothing else of the
 * store. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/storespec.h"
#include "store/pg/pg_int.h"

/* The longest query key a message quotes. */
#define KEY_SHOWN 40

/* Whether libpq parses "postgresql://?" followed by the LEN bytes at PAIR
 * and then TAIL: one query parameter alone. *PW (if PW) is set to whether
 * it sets a non-empty password. */
static bool pair_parses(const char *pair, size_t len, const char *tail, bool *pw)
{
	static const char head[] = "postgresql://?";
	size_t tl = strlen(tail);
	char *uri = malloc(sizeof head + len + tl);
	if (!uri)
		return true;            /* nothing to blame; the caller's message stands */
	memcpy(uri, head, sizeof head - 1);
	memcpy(uri + sizeof head - 1, pair, len);
	memcpy(uri + sizeof head - 1 + len, tail, tl + 1);
	char *perr = NULL;
	PQconninfoOption *opts = PQconninfoParse(uri, &perr);
	PQfreemem(perr);
	free(uri);
	if (pw)
		*pw = false;
	if (!opts)
		return false;
	for (PQconninfoOption *o = opts; pw && o->keyword; o++)
		if (strcmp(o->keyword, "password") == 0 && o->val && *o->val)
			*pw = true;
	PQconninfoFree(opts);
	return true;
}

/* The URI's query ("k=v&..."), where libpq finds it: after the userinfo
 * (up to the first '@' before the first '/'), the first '?'; or NULL. */
static const char *uri_query(const char *uri)
{
	const char *a = strstr(uri, "://");
	a = a ? a + 3 : uri;
	const char *at = a + strcspn(a, "@/");
	if (*at == '@')
		a = at + 1;
	const char *q = strchr(a, '?');
	return q ? q + 1 : NULL;
}

/* KEY (LEN bytes) for a message: at most KEY_SHOWN bytes, anything but
 * printable ASCII (and '"') as '?'. */
static void show_key(char *out, const char *key, size_t len)
{
	size_t n = len < KEY_SHOWN ? len : KEY_SHOWN;
	for (size_t i = 0; i < n; i++)
		out[i] = key[i] > ' ' && key[i] < 0x7f && key[i] != '"' ? key[i] : '?';
	memcpy(out + n, len > n ? "..." : "", len > n ? 4 : 1);
}

/* Why libpq does not parse the query parameter PAIR (LEN bytes), or NULL
 * when it does. */
static const char *pair_problem(const char *pair, size_t len, char *buf, size_t buflen)
{
	if (pair_parses(pair, len, "", NULL))
		return NULL;
	const char *eq = memchr(pair, '=', len);
	if (!eq)
		/* Not quoted: a stray password may be all there is. */
		return "a parameter in the URI's query has no \"=\" (libpq reads KEY=VALUE "
		       "pairs, joined by &)";
	char key[KEY_SHOWN + 4];
	show_key(key, pair, (size_t)(eq - pair));
	/* "true": a value libpq takes for every key ("ssl" takes no other). */
	if (!pair_parses(pair, (size_t)(eq - pair), "=true", NULL))
		snprintf(buf, buflen, "unknown key \"%s\" in the URI's query: libpq has no such "
			 "connection parameter", key);
	else
		snprintf(buf, buflen, "the value of \"%s\" in the URI's query is not one libpq "
			 "takes (not quoted: it may be a secret)", key);
	return buf;
}

/* The query parameter (not spelt "password") that libpq reads as a
 * password, for the message; *LEN its key's length. NULL: none. */
static const char *password_key(const char *q, size_t *len)
{
	for (const char *p = q; p; p = strchr(p, '&') ? strchr(p, '&') + 1 : NULL) {
		size_t n = strcspn(p, "&");
		size_t kl = strcspn(p, "=&");
		bool pw = false;
		if (!(kl == 8 && strncmp(p, "password", 8) == 0) && pair_parses(p, n, "", &pw) &&
		    pw) {
			*len = kl;
			return p;
		}
	}
	return NULL;
}

const char *pg_spec_problem(const char *uri, char *buf, size_t buflen)
{
	const char *q = uri_query(uri);
	char *perr = NULL;
	PQconninfoOption *opts = PQconninfoParse(uri, &perr);
	/* libpq's message may quote the URI: it is not passed on. */
	PQfreemem(perr);
	if (!opts) {
		for (const char *p = q; p; p = strchr(p, '&') ? strchr(p, '&') + 1 : NULL) {
			const char *e = pair_problem(p, strcspn(p, "&"), buf, buflen);
			if (e)
				return e;
		}
		return "libpq cannot parse the URI (its user, host, port or database part; "
		       "not quoted: it may hold a password)";
	}
	bool pw = false;
	for (PQconninfoOption *o = opts; o->keyword; o++)
		if (strcmp(o->keyword, "password") == 0 && o->val && *o->val)
			pw = true;
	PQconninfoFree(opts);
	if (!pw)
		return NULL;
	size_t kl;
	const char *k = q ? password_key(q, &kl) : NULL;
	if (!k)
		return STORESPEC_PASSWORD_REFUSED;
	char key[KEY_SHOWN + 4];
	show_key(key, k, kl);
	snprintf(buf, buflen, "\"%s\" in the URI's query is libpq's password (percent-encoded): "
		 STORESPEC_PASSWORD_REFUSED, key);
	return buf;
}
