/* reader_gr_ids.c — the Google Reader API's parsing (reader_gr_int.h):
 * which call a path is, the parameters of a query and a form body, stream
 * ids and item ids. Plain functions over strings, fuzzed by
 * fuzz/fuzz_reader_gr.c. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/apireq.h"
#include "core/config.h"
#include "daemon/reader_gr_int.h"

#define ITEM_PREFIX "tag:google.com,2005:reader/item/"
#define STATE "state/com.google/"

void gr_params_free(struct gr_params *p)
{
	free(p->s.arg);
	free(p->xt.arg);
	free(p->it.arg);
	free(p->ids);
	for (size_t i = 0; i < p->nadd; i++)
		free(p->add[i].arg);
	for (size_t i = 0; i < p->nrem; i++)
		free(p->rem[i].arg);
	free(p->T);
	if (p->passwd)
		explicit_bzero(p->passwd, strlen(p->passwd));
	free(p->email);
	free(p->passwd);
	free(p->ac);
	free(p->title);
	free(p->quickadd);
	memset(p, 0, sizeof *p);
}

bool gr_stream_parse(const char *s, struct gr_stream *out)
{
	memset(out, 0, sizeof *out);
	if (!strncmp(s, "feed/", 5)) {
		if (!s[5])
			return false;
		out->kind = GRS_FEED;
		out->arg = strdup(s + 5);
		return out->arg != NULL;
	}
	/* user/-/... or user/USERID/... */
	if (strncmp(s, "user/", 5))
		return false;
	const char *p = strchr(s + 5, '/');
	if (!p || p == s + 5)
		return false;
	p++;
	if (!strncmp(p, "label/", 6)) {
		if (!p[6])
			return false;
		/* The name, then the tag it names (folded as feeds.conf folds
		 * one) in the same allocation: freed with the name. */
		size_t n = strlen(p + 6);
		out->kind = GRS_LABEL;
		if (!(out->arg = malloc(2 * n + 2)))
			return false;
		memcpy(out->arg, p + 6, n + 1);
		memcpy(out->arg + n + 1, p + 6, n + 1);
		out->tag = config_fold_tag(out->arg + n + 1);
		return true;
	}
	if (strncmp(p, STATE, strlen(STATE)))
		return false;
	p += strlen(STATE);
	static const struct { const char *name; enum gr_stream_kind kind; } states[] = {
		{"reading-list", GRS_READING_LIST}, {"starred", GRS_STARRED}, {"read", GRS_READ},
		{"kept-unread", GRS_KEPT_UNREAD},
	};
	for (size_t i = 0; i < sizeof states / sizeof states[0]; i++)
		if (!strcmp(p, states[i].name)) {
			out->kind = states[i].kind;
			return true;
		}
	if (!*p || strchr(p, '/'))
		return false;
	out->kind = GRS_OTHER_STATE;
	return true;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

bool gr_item_id_parse(const char *s, int64_t *id)
{
	*id = 0;
	if (!strncmp(s, ITEM_PREFIX, strlen(ITEM_PREFIX))) {
		s += strlen(ITEM_PREFIX);
		if (strlen(s) != 16)
			return false;
		uint64_t v = 0;
		for (int i = 0; i < 16; i++) {
			int h = hexval(s[i]);
			if (h < 0)
				return false;
			v = v << 4 | (uint64_t)h;
		}
		if (v < 1 || v > INT64_MAX)
			return false;
		*id = (int64_t)v;
		return true;
	}
	/* The short form: decimal, signed in Google's (a feedd id is positive). */
	if (!*s || strlen(s) > 20)
		return false;
	const char *p = s[0] == '-' ? s + 1 : s;
	if (!*p)
		return false;
	for (const char *q = p; *q; q++)
		if (*q < '0' || *q > '9')
			return false;
	errno = 0;
	char *end;
	long long v = strtoll(s, &end, 10);
	if (errno || *end || v < 1)
		return false;
	*id = v;
	return true;
}

void gr_item_id_format(int64_t id, char *buf, size_t size)
{
	snprintf(buf, size, ITEM_PREFIX "%016" PRIx64, (uint64_t)id);
}

/* An id and where it was asked for. */
struct id_at {
	int64_t id;
	size_t at;
};

static int by_id_then_at(const void *a, const void *b)
{
	const struct id_at *x = a, *y = b;
	if (x->id != y->id)
		return x->id < y->id ? -1 : 1;
	return x->at < y->at ? -1 : x->at > y->at;
}

int gr_item_ids_unique(int64_t *ids, size_t *n)
{
	if (*n < 2)
		return 0;
	struct id_at *s = malloc(*n * sizeof *s);
	if (!s)
		return -ENOMEM;
	for (size_t i = 0; i < *n; i++)
		s[i] = (struct id_at){ids[i], i};
	/* Sorted, each id's first place comes first among its own: every
	 * other place is a repeat, marked 0 (no item's id). */
	qsort(s, *n, sizeof *s, by_id_then_at);
	for (size_t k = 1; k < *n; k++)
		if (s[k].id == s[k - 1].id)
			ids[s[k].at] = 0;
	free(s);
	size_t w = 0;
	for (size_t i = 0; i < *n; i++)
		if (ids[i])
			ids[w++] = ids[i];
	*n = w;
	return 0;
}

/* Strict decimal in [MIN, MAX]. */
static bool num(const char *s, int64_t min, int64_t max, int64_t *out)
{
	if (!*s || strlen(s) > 19)
		return false;
	for (const char *q = s; *q; q++)
		if (*q < '0' || *q > '9')
			return false;
	long long v = strtoll(s, NULL, 10);
	if (v < min || v > max)
		return false;
	*out = v;
	return true;
}

static char *trimmed(const char *v)
{
	size_t n = strlen(v);
	while (n && (v[n - 1] == '\n' || v[n - 1] == '\r' || v[n - 1] == ' '))
		n--;
	return strndup(v, n);
}

/* Replaces *DST with a copy of V (the last one given wins). */
static const char *set_str(char **dst, const char *v)
{
	free(*dst);
	*dst = strdup(v);
	return *dst ? NULL : "out of memory";
}

static const char *one(struct gr_params *p, const char *k, const char *v)
{
	int64_t n;
	if (!strcmp(k, "s")) {
		free(p->s.arg);
		p->has_s = true;
		return gr_stream_parse(v, &p->s) ? NULL : "s: not a stream id";
	}
	if (!strcmp(k, "xt") || !strcmp(k, "it")) {
		struct gr_stream *st = k[0] == 'x' ? &p->xt : &p->it;
		free(st->arg);
		return gr_stream_parse(v, st) ? NULL : "xt/it: not a stream id";
	}
	if (!strcmp(k, "n")) {
		if (!num(v, 1, INT32_MAX, &n))
			return "n: expected a count";
		p->n = n > GR_MAX_N ? GR_MAX_N : (int)n;
		return NULL;
	}
	if (!strcmp(k, "c")) {
		if (!*v)
			return NULL;
		return num(v, 1, INT64_MAX, &p->c) ? NULL : "c: not a continuation";
	}
	if (!strcmp(k, "r")) {
		/* r=o is oldest first; r=user/... is edit-tag's removal. */
		if (!strcmp(v, "o") || !strcmp(v, "n") || !strcmp(v, "d")) {
			p->oldest_first = !strcmp(v, "o");
			return NULL;
		}
		if (p->nrem == GR_MAX_TAGS)
			return "r: too many";
		return gr_stream_parse(v, &p->rem[p->nrem++]) ? NULL : "r: not a stream id";
	}
	if (!strcmp(k, "a")) {
		if (p->nadd == GR_MAX_TAGS)
			return "a: too many";
		return gr_stream_parse(v, &p->add[p->nadd++]) ? NULL : "a: not a stream id";
	}
	if (!strcmp(k, "ot") || !strcmp(k, "nt")) {
		if (!num(v, 0, INT64_MAX / 1000000, &n))
			return "ot/nt: expected seconds";
		*(k[0] == 'o' ? &p->ot : &p->nt) = n;
		return NULL;
	}
	if (!strcmp(k, "ts")) {
		if (!num(v, 0, INT64_MAX, &p->ts))
			return "ts: expected microseconds";
		return NULL;
	}
	if (!strcmp(k, "i")) {
		if (p->nids == GR_MAX_IDS)
			return "i: too many";
		if (!p->ids && !(p->ids = calloc(GR_MAX_IDS, sizeof *p->ids)))
			return "out of memory";
		return gr_item_id_parse(v, &p->ids[p->nids++]) ? NULL : "i: not an item id";
	}
	if (!strcmp(k, "T")) {
		free(p->T);
		p->T = trimmed(v);
		return p->T ? NULL : "out of memory";
	}
	if (!strcmp(k, "Email"))
		return set_str(&p->email, v);
	if (!strcmp(k, "Passwd")) {
		if (p->passwd)
			explicit_bzero(p->passwd, strlen(p->passwd));
		return set_str(&p->passwd, v);
	}
	if (!strcmp(k, "ac"))
		return set_str(&p->ac, v);
	if (!strcmp(k, "t"))
		return set_str(&p->title, v);
	if (!strcmp(k, "quickadd"))
		return set_str(&p->quickadd, v);
	return NULL;                /* output=json, client=..., ck=...: no effect */
}

static const char *pairs(struct gr_params *p, const char *s, size_t len)
{
	const char *end = s + len;
	while (s < end) {
		const char *amp = memchr(s, '&', (size_t)(end - s));
		const char *stop = amp ? amp : end;
		if (stop > s) {
			const char *eq = memchr(s, '=', (size_t)(stop - s));
			const char *kend = eq ? eq : stop;
			char *k = apireq_decode(s, (size_t)(kend - s), true);
			char *v = eq ? apireq_decode(eq + 1, (size_t)(stop - eq - 1), true) : strdup("");
			const char *err = !k || !v ? "malformed parameters" : one(p, k, v);
			free(k);
			if (v)
				explicit_bzero(v, strlen(v));
			free(v);
			if (err)
				return err;
		}
		s = stop + 1;
	}
	return NULL;
}

const char *gr_params_parse(struct gr_params *p, const char *query, const char *body,
			    size_t blen)
{
	const char *err = query ? pairs(p, query, strlen(query)) : NULL;
	if (!err && body && blen)
		err = pairs(p, body, blen);
	return err;
}

static const char *skip(const char *p)
{
	while (*p == '/')
		p++;
	return p;
}

/* P past ROUTE's segments ("reader/api/0/token"), any runs of slashes
 * before and between them; NULL when P does not start with them. */
static const char *match(const char *p, const char *route)
{
	for (;;) {
		p = skip(p);
		size_t n = strcspn(route, "/");
		if (strncmp(p, route, n) || (p[n] && p[n] != '/'))
			return NULL;
		p += n;
		route += n;
		if (!*route)
			return p;
		route++;
	}
}

static const char *unprefixed(const char *path)
{
	const char *q = match(path, "api/greader.php");
	return q ? q : path;
}

bool gr_is_path(const char *path)
{
	path = unprefixed(path);
	return match(path, "accounts") || match(path, "reader");
}

int gr_route(const char *path, enum gr_route *route, char **stream)
{
	static const struct { const char *path; enum gr_route route; bool tail; } routes[] = {
		{"accounts/ClientLogin", GR_LOGIN, false},
		{"reader/api/0/token", GR_TOKEN, false},
		{"reader/api/0/user-info", GR_USER_INFO, false},
		{"reader/api/0/subscription/list", GR_SUB_LIST, false},
		{"reader/api/0/subscription/quickadd", GR_QUICKADD, false},
		{"reader/api/0/subscription/edit", GR_SUB_EDIT, false},
		{"reader/api/0/tag/list", GR_TAG_LIST, false},
		{"reader/api/0/unread-count", GR_UNREAD_COUNT, false},
		{"reader/api/0/stream/contents", GR_STREAM_CONTENTS, true},
		{"reader/api/0/stream/items/ids", GR_ITEM_IDS, false},
		{"reader/api/0/stream/items/contents", GR_ITEM_CONTENTS, false},
		{"reader/api/0/edit-tag", GR_EDIT_TAG, false},
		{"reader/api/0/mark-all-as-read", GR_MARK_ALL, false},
		{"reader/atom", GR_ATOM, true},
	};
	*stream = NULL;
	path = unprefixed(path);
	for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++) {
		const char *rest = match(path, routes[i].path);
		if (!rest)
			continue;
		rest = skip(rest);
		if (*rest && !routes[i].tail)
			return -ENOENT;
		if (*rest && !(*stream = apireq_decode(rest, strlen(rest), false)))
			return -EINVAL;
		*route = routes[i].route;
		return 0;
	}
	return -ENOENT;
}
