/* apireq.c — routes a socket-API request and validates its parameters. */
#include "core/apireq.h"

#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"
#include "core/date.h"
#include "core/item.h"
#include "core/log.h"

#define MAX_NAME 256

static const char *const format_names[FMT__COUNT] = {
	[FMT_JSON] = "json", [FMT_NDJSON] = "ndjson", [FMT_TSV] = "tsv", [FMT_ATOM] = "atom",
};

const char *api_format_name(enum api_format f)
{
	return (unsigned)f < FMT__COUNT ? format_names[f] : "json";
}

/* Which parameters each route takes (bit per parameter). */
enum param {
	P_AFTER, P_BEFORE, P_FEED, P_TAG, P_Q, P_SINCE, P_DISTINCT, P_ORDER, P_LIMIT,
	P_WAIT, P_FORMAT, P_FROM_NOW, P_UPTO, P_LEVEL, P_SKIPPED, P_STATUS, P_STARRED, P__COUNT
};
static const char *const param_names[P__COUNT] = {
	[P_AFTER] = "after", [P_BEFORE] = "before", [P_FEED] = "feed", [P_TAG] = "tag",
	[P_Q] = "q", [P_SINCE] = "since", [P_DISTINCT] = "distinct", [P_ORDER] = "order",
	[P_LIMIT] = "limit", [P_WAIT] = "wait", [P_FORMAT] = "format",
	[P_FROM_NOW] = "from_now", [P_UPTO] = "upto", [P_LEVEL] = "level", [P_SKIPPED] = "skipped",
	[P_STATUS] = "status", [P_STARRED] = "starred",
};
#define B(p) (1u << (p))
#define ITEM_PARAMS (B(P_AFTER) | B(P_BEFORE) | B(P_FEED) | B(P_TAG) | B(P_Q) | B(P_SINCE) | \
		     B(P_DISTINCT) | B(P_ORDER) | B(P_LIMIT) | B(P_WAIT) | B(P_FORMAT) | \
		     B(P_SKIPPED) | B(P_STATUS) | B(P_STARRED))

/* Each route's request grammar, one row a route: its method, its path
 * ({feed} and {consumer} stand for one segment, a name checked as such),
 * the parameters it takes and the formats it offers. What the daemon does
 * with a request is daemon/api_endpoints.c's table, by the same route. */
static const struct route_info {
	const char *allow;       /* the one method the route takes */
	const char *path;        /* pattern, decoded segments */
	unsigned params;
	unsigned formats;        /* bit per enum api_format */
} routes[ROUTE__COUNT] = {
	[ROUTE_ITEMS] = { "GET", "/v1/items", ITEM_PARAMS, 0xF },
	[ROUTE_EVENTS] = { "GET", "/v1/events", B(P_AFTER) | B(P_LIMIT) | B(P_WAIT) | B(P_FORMAT),
			   1u << FMT_JSON | 1u << FMT_NDJSON },
	[ROUTE_CONSUMERS] = { "GET", "/v1/consumers", B(P_FORMAT), 1u << FMT_JSON },
	[ROUTE_CONSUMER] = { "GET", "/v1/consumers/{consumer}", B(P_FORMAT), 1u << FMT_JSON },
	[ROUTE_CONSUMER_ITEMS] = { "GET", "/v1/consumers/{consumer}/items",
				   ITEM_PARAMS | B(P_FROM_NOW), 0xF },
	[ROUTE_CONSUMER_ACK] = { "POST", "/v1/consumers/{consumer}/ack", B(P_UPTO),
				 1u << FMT_JSON },
	[ROUTE_CONSUMER_DELETE] = { "DELETE", "/v1/consumers/{consumer}", 0, 1u << FMT_JSON },
	[ROUTE_FEEDS] = { "GET", "/v1/feeds", B(P_FORMAT), 1u << FMT_JSON | 1u << FMT_NDJSON },
	[ROUTE_FEED] = { "GET", "/v1/feeds/{feed}", B(P_FORMAT), 1u << FMT_JSON },
	[ROUTE_FEED_ITEMS] = { "GET", "/v1/feeds/{feed}/items", ITEM_PARAMS & ~B(P_FEED), 0xF },
	[ROUTE_FEED_REFRESH] = { "POST", "/v1/feeds/{feed}/refresh", 0, 1u << FMT_JSON },
	[ROUTE_FEED_RENAME] = { "POST", "/v1/feeds/{feed}/rename", 0, 1u << FMT_JSON },
	[ROUTE_RELOAD] = { "POST", "/v1/reload", 0, 1u << FMT_JSON },
	[ROUTE_STATUS] = { "GET", "/v1/status", B(P_FORMAT), 1u << FMT_JSON },
	[ROUTE_LOG_LEVEL] = { "POST", "/v1/log-level", B(P_LEVEL), 1u << FMT_JSON },
	[ROUTE_HOOKS] = { "GET", "/v1/hooks", B(P_FEED) | B(P_FORMAT), 1u << FMT_JSON },
	[ROUTE_HOOKS_RETRY] = { "POST", "/v1/hooks/retry", B(P_FEED), 1u << FMT_JSON },
	[ROUTE_ITEMS_STATE] = { "POST", "/v1/items/state", 0, 1u << FMT_JSON },
	[ROUTE_READER_TOKENS] = { "GET", "/v1/reader/tokens", B(P_FORMAT), 1u << FMT_JSON },
	/* {id}: one segment, checked as a feed name; the endpoint wants digits. */
	[ROUTE_READER_TOKEN_REVOKE] = { "DELETE", "/v1/reader/tokens/{id}", 0, 1u << FMT_JSON },
};

const char *apireq_route_method(enum api_route rt)
{
	return (unsigned)rt < ROUTE__COUNT ? routes[rt].allow : NULL;
}

const char *apireq_route_path(enum api_route rt)
{
	return (unsigned)rt < ROUTE__COUNT ? routes[rt].path : NULL;
}

static int fail(struct apireq *r, int status, const char *error, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int fail(struct apireq *r, int status, const char *error, const char *fmt, ...)
{
	if (r->status)
		return r->status;  /* the first error is the one reported */
	r->status = status;
	r->error = strdup(error);
	if (fmt) {
		va_list ap;
		va_start(ap, fmt);
		if (vasprintf(&r->detail, fmt, ap) < 0)
			r->detail = NULL;
		va_end(ap);
	}
	return status;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9') return c - '0';
	if (c >= 'a' && c <= 'f') return c - 'a' + 10;
	if (c >= 'A' && c <= 'F') return c - 'A' + 10;
	return -1;
}

char *apireq_decode(const char *s, size_t len, bool form)
{
	char *out = malloc(len + 1);
	if (!out)
		return NULL;
	size_t o = 0;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		if (c == '%') {
			int hi = i + 1 < len ? hexval(s[i + 1]) : -1;
			int lo = i + 2 < len ? hexval(s[i + 2]) : -1;
			if (hi < 0 || lo < 0 || (hi == 0 && lo == 0)) {
				free(out);
				return NULL;
			}
			out[o++] = (char)(hi << 4 | lo);
			i += 2;
		} else if (c == '\0') {
			free(out);
			return NULL;
		} else {
			out[o++] = (form && c == '+') ? ' ' : c;
		}
	}
	out[o] = '\0';
	return out;
}

/* Strict decimal in [min, max] (min >= 0). */
static bool parse_int(const char *s, int64_t min, int64_t max, int64_t *out)
{
	if (!*s || strlen(s) > 19)
		return false;
	int64_t v = 0;
	for (const char *p = s; *p; p++) {
		if (*p < '0' || *p > '9')
			return false;
		/* 19 digits can pass INT64_MAX: refuse instead of overflowing. */
		if (v > (INT64_MAX - (*p - '0')) / 10)
			return false;
		v = v * 10 + (*p - '0');
	}
	if (v < min || v > max)
		return false;
	*out = v;
	return true;
}

bool apireq_valid_name(const char *s, bool consumer)
{
	size_t n = strlen(s);
	if (n == 0 || n > MAX_NAME)
		return false;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p < 0x20 || *p == 0x7f || *p == '/')
			return false;
		if (consumer && !((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
				  (*p >= '0' && *p <= '9') || *p == '-' || *p == '_' || *p == '.' ||
				  *p == '@'))
			return false;
	}
	return true;
}

static int set_param(struct apireq *r, enum param p, const char *v, unsigned *seen)
{
	const char *name = param_names[p];
	if (p != P_FEED && (*seen & B(p)))
		return fail(r, 400, "bad parameter", "%s: given more than once", name);
	*seen |= B(p);
	int64_t n;
	switch (p) {
	case P_AFTER:
		if (!parse_int(v, 0, INT64_MAX, &r->after))
			return fail(r, 400, "bad parameter", "after: expected an item id (integer >= 0)");
		break;
	case P_BEFORE:
		/* 1 at least: no item has an id below 1, and 0 would read
		 * as no bound at all. */
		if (!parse_int(v, 1, INT64_MAX, &r->before))
			return fail(r, 400, "bad parameter", "before: expected an item id (integer >= 1)");
		break;
	case P_FEED:
		if (r->nfeeds >= APIREQ_MAX_FEEDS)
			return fail(r, 400, "bad parameter", "feed: at most %d feeds", APIREQ_MAX_FEEDS);
		if (!apireq_valid_name(v, false))
			return fail(r, 400, "bad parameter", "feed: not a feed name");
		r->feeds[r->nfeeds++] = strdup(v);
		break;
	case P_TAG: {
		if (!*v || strlen(v) > MAX_NAME)
			return fail(r, 400, "bad parameter", "tag: empty or too long");
		/* Folded as feeds.conf folds its tags: tag=News finds `tags = News`. */
		if (!(r->tag = strdup(v)))
			return fail(r, 500, "out of memory", NULL);
		const char *t = config_fold_tag(r->tag);
		memmove(r->tag, t, strlen(t) + 1);
		if (!*r->tag)
			return fail(r, 400, "bad parameter", "tag: empty or too long");
		break;
	}
	case P_Q:
		/* No input is an error: a q without a word (empty or blank)
		 * filters nothing, as the store reads it. */
		if (strlen(v) > 1024)
			return fail(r, 400, "bad parameter", "q: longer than 1024 bytes");
		if (v[strspn(v, " \t\r\n")])
			r->q = strdup(v);
		break;
	case P_SINCE:
		/* An offset is required: without one, a local time would be
		 * read as UTC and the answer off by hours, silently. */
		if (date_parse_rfc3339(v, &r->since) < 0)
			return fail(r, 400, "bad parameter",
				    "since: expected an RFC 3339 date with seconds and an offset "
				    "(2024-01-31T12:00:00Z, or +01:00 sent as %%2B01:00)");
		break;
	case P_STATUS:
		if (!strcmp(v, "unread"))
			r->status_filter = ITEMQ_UNREAD;
		else if (!strcmp(v, "read"))
			r->status_filter = ITEMQ_READ;
		else if (!strcmp(v, "all"))
			r->status_filter = ITEMQ_ANY;
		else
			return fail(r, 400, "bad parameter", "status: expected unread, read or all");
		break;
	case P_STARRED:
	case P_DISTINCT:
	case P_SKIPPED:
	case P_FROM_NOW: {
		bool b;
		if (!strcmp(v, "1") || !strcmp(v, "true") || !strcmp(v, "yes"))
			b = true;
		else if (!strcmp(v, "0") || !strcmp(v, "false") || !strcmp(v, "no"))
			b = false;
		else
			return fail(r, 400, "bad parameter", "%s: expected 1 or 0 (true or false, yes or no)", name);
		if (p == P_STARRED)
			r->starred = b;
		else if (p == P_DISTINCT)
			r->distinct = b;
		else if (p == P_SKIPPED)
			r->skipped = b;
		else
			r->from_now = b;
		break;
	}
	case P_ORDER:
		if (!strcmp(v, "asc"))
			r->desc = false;
		else if (!strcmp(v, "desc"))
			r->desc = true;
		else
			return fail(r, 400, "bad parameter", "order: expected asc or desc");
		break;
	case P_LIMIT:
		if (!parse_int(v, 1, APIREQ_MAX_LIMIT, &n))
			return fail(r, 400, "bad parameter", "limit: expected 1 to %d", APIREQ_MAX_LIMIT);
		r->limit = (int)n;
		break;
	case P_WAIT:
		if (!parse_int(v, 0, APIREQ_MAX_WAIT, &n))
			return fail(r, 400, "bad parameter", "wait: expected 0 to %d seconds",
				    APIREQ_MAX_WAIT);
		r->wait = (int)n;
		break;
	case P_FORMAT: {
		int f;
		for (f = 0; f < FMT__COUNT; f++)
			if (!strcmp(v, format_names[f]))
				break;
		if (f == FMT__COUNT || !(routes[r->route].formats & (1u << f)))
			return fail(r, 400, "bad parameter", "format: \"%.32s\" is not offered here", v);
		r->format = (enum api_format)f;
		break;
	}
	case P_UPTO:
		if (!parse_int(v, 0, INT64_MAX, &r->upto))
			return fail(r, 400, "bad parameter", "upto: expected an item id (integer >= 0)");
		r->has_upto = true;
		break;
	case P_LEVEL:
		if ((r->level = log_level_from_name(v)) < 0)
			return fail(r, 400, "bad parameter", "level: expected one of " LOG_LEVEL_NAMES);
		break;
	case P__COUNT:
		break;
	}
	return 0;
}

/* name=value&name=value, form-decoded. */
static int parse_pairs(struct apireq *r, const char *s, size_t len, unsigned *seen)
{
	const char *end = s + len;
	while (s < end && !r->status) {
		const char *amp = memchr(s, '&', (size_t)(end - s));
		const char *e = amp ? amp : end;
		if (e > s) {
			const char *eq = memchr(s, '=', (size_t)(e - s));
			char *k = apireq_decode(s, (size_t)((eq ? eq : e) - s), true);
			char *v = eq ? apireq_decode(eq + 1, (size_t)(e - eq - 1), true) : strdup("");
			if (!k || !v) {
				fail(r, 400, "bad parameter", "malformed percent-encoding in the query");
			} else {
				int p;
				for (p = 0; p < P__COUNT; p++)
					if (!strcmp(k, param_names[p]))
						break;
				if (p == P__COUNT || !(routes[r->route].params & B(p)))
					fail(r, 400, "bad parameter", "%.64s: unknown parameter here", k);
				else
					set_param(r, (enum param)p, v, seen);
			}
			free(k);
			free(v);
		}
		s = e + 1;
	}
	return r->status;
}

/* The route whose path pattern SEGS (N decoded segments, "v1" first)
 * match, or -1; *NAME points to the segment a {feed} or {consumer} took,
 * *CONSUMER tells which. */
static int match(char *const *segs, size_t n, const char **name, bool *consumer)
{
	for (int rt = 0; rt < ROUTE__COUNT; rt++) {
		const char *p = routes[rt].path + 1;
		const char *nm = NULL;
		bool cons = false;
		size_t i = 0;
		for (; i < n && *p; i++) {
			const char *slash = strchr(p, '/');
			size_t plen = slash ? (size_t)(slash - p) : strlen(p);
			if (p[0] == '{') {
				nm = segs[i];
				cons = !strncmp(p, "{consumer}", plen);
			} else if (strlen(segs[i]) != plen || strncmp(segs[i], p, plen) != 0) {
				break;
			}
			p += plen + (slash ? 1 : 0);
			if (!slash)
				p = "";
		}
		if (i == n && !*p) {
			*name = nm;
			*consumer = cons;
			return rt;
		}
	}
	return -1;
}

/* Every method the route pattern PATH takes, for a 405's Allow. */
static const char *path_methods(const char *path)
{
	if (!strcmp(path, "/v1/consumers/{consumer}"))
		return "GET, DELETE";
	for (int rt = 0; rt < ROUTE__COUNT; rt++)
		if (!strcmp(routes[rt].path, path))
			return routes[rt].allow;
	return "GET";
}

/* Splits PATH (without the query) into the route and the name. */
static int route(struct apireq *r, const char *path, size_t len)
{
	char *segs[4] = { 0 };
	size_t n = 0;
	int status = 0;
	bool too_many = false;
	if (len == 0 || path[0] != '/')
		return fail(r, 400, "bad request", "the request target must be a path");
	const char *p = path + 1, *end = path + len;
	for (;;) {
		const char *slash = memchr(p, '/', (size_t)(end - p));
		const char *e = slash ? slash : end;
		if (n == 4) {
			too_many = true;
			break;
		}
		/* A trailing slash makes an empty last segment: not a route. */
		segs[n] = apireq_decode(p, (size_t)(e - p), false);
		if (!segs[n]) {
			status = fail(r, 400, "bad request", "malformed percent-encoding in the path");
			goto out;
		}
		n++;
		if (!slash)
			break;
		p = slash + 1;
	}
	if (too_many || n < 2 || strcmp(segs[0], "v1") != 0) {
		status = fail(r, 404, "not found", "no such path; the API lives under /v1");
		goto out;
	}
	const char *name = NULL;
	bool consumer = false;
	int rt = match(segs, n, &name, &consumer);
	if (rt < 0) {
		status = fail(r, 404, "not found", "no such path");
		goto out;
	}
	r->route = (enum api_route)rt;
	if (name) {
		if (!apireq_valid_name(name, consumer)) {
			status = fail(r, 400, "bad parameter",
				      consumer ? "name: " APIREQ_CONSUMER_NAME_RULE
					       : "name: not a feed name");
			goto out;
		}
		r->name = strdup(name);
	}
out:
	for (size_t i = 0; i < n; i++)
		free(segs[i]);
	return status;
}

static void parse_ack_body(struct apireq *r, const char *body, size_t len, unsigned *seen)
{
	size_t i = 0;
	while (i < len && (body[i] == ' ' || body[i] == '\n' || body[i] == '\r' || body[i] == '\t'))
		i++;
	if (i == len)
		return;
	if (body[i] != '{') {
		parse_pairs(r, body + i, len - i, seen);
		return;
	}
	json_error_t jerr;
	json_t *j = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
	json_t *u = j ? json_object_get(j, "upto") : NULL;
	if (!json_is_object(j) || !json_is_integer(u) || json_integer_value(u) < 0 ||
	    json_object_size(j) != 1) {
		fail(r, 400, "bad parameter", "upto: the body must be {\"upto\": ID} or upto=ID");
	} else if (*seen & B(P_UPTO)) {
		fail(r, 400, "bad parameter", "upto: given more than once");
	} else {
		r->upto = json_integer_value(u);
		r->has_upto = true;
	}
	json_decref(j);
}

/* {"name": NEW}: the new name of a feed, one config_valid_feed_name takes. */
static void parse_rename_body(struct apireq *r, const char *body, size_t len)
{
	json_error_t jerr;
	json_t *j = len ? json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr) : NULL;
	json_t *n = j ? json_object_get(j, "name") : NULL;
	const char *v = json_string_value(n);
	if (!json_is_object(j) || !v || json_object_size(j) != 1)
		fail(r, 400, "bad parameter", "name: the body must be {\"name\": NEW}");
	else if (strlen(v) != json_string_length(n) || !config_valid_feed_name(v))
		fail(r, 400, "bad parameter", "name: not a feed name (letters, digits, - _ . and "
		     "non-ASCII letters, at most 100 bytes)");
	else if (!(r->to = strdup(v)))
		fail(r, 500, "out of memory", NULL);
	json_decref(j);
}

/* {"ids": [ID, ...], "read": BOOL, "starred": BOOL}: the ids (1 to
 * APIREQ_MAX_MARK) and at least one of the two states. */
static int cmp_id(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

static void parse_state_body(struct apireq *r, const char *body, size_t len)
{
	json_error_t jerr;
	json_t *j = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
	json_t *ids = j ? json_object_get(j, "ids") : NULL;
	json_t *rd = j ? json_object_get(j, "read") : NULL;
	json_t *st = j ? json_object_get(j, "starred") : NULL;
	size_t n = json_array_size(ids);
	if (!json_is_object(j) || !json_is_array(ids) || n < 1 || n > APIREQ_MAX_MARK ||
	    (rd && !json_is_boolean(rd)) || (st && !json_is_boolean(st)) || (!rd && !st) ||
	    json_object_size(j) != 1u + (rd != NULL) + (st != NULL)) {
		fail(r, 400, "bad request", "the body must be {\"ids\": [ID, ...], \"read\": true|false,"
		     " \"starred\": true|false} with 1 to %d ids and one state or both",
		     APIREQ_MAX_MARK);
		json_decref(j);
		return;
	}
	r->mark_ids = calloc(n, sizeof *r->mark_ids);
	if (!r->mark_ids) {
		fail(r, 500, "out of memory", NULL);
		json_decref(j);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		json_t *v = json_array_get(ids, i);
		if (!json_is_integer(v) || json_integer_value(v) < 1) {
			fail(r, 400, "bad request", "ids: item ids are integers >= 1");
			break;
		}
		r->mark_ids[i] = json_integer_value(v);
	}
	/* An id listed twice is one item marked: "marked" counts items. */
	qsort(r->mark_ids, n, sizeof *r->mark_ids, cmp_id);
	size_t u = 0;
	for (size_t i = 0; i < n; i++)
		if (!u || r->mark_ids[u - 1] != r->mark_ids[i])
			r->mark_ids[u++] = r->mark_ids[i];
	r->nmark = u;
	r->mark_read = rd ? json_is_true(rd) : -1;
	r->mark_starred = st ? json_is_true(st) : -1;
	json_decref(j);
}

int apireq_parse(const char *method, const char *target, const char *body, size_t body_len,
		 struct apireq *r)
{
	memset(r, 0, sizeof *r);
	r->since = DATE_NONE;
	r->limit = APIREQ_DEFAULT_LIMIT;
	if (!target)
		return fail(r, 400, "bad request", "no request target");
	size_t len = strlen(target);
	if (len > 4096)
		return fail(r, 414, "request target too long", "at most 4096 bytes");
	const char *qm = memchr(target, '?', len);
	size_t plen = qm ? (size_t)(qm - target) : len;
	if (route(r, target, plen))
		return r->status;
	/* A path some routes share (GET and DELETE /v1/consumers/NAME): the
	 * one that takes METHOD; 405 names every method the path takes. */
	const struct route_info *ri = &routes[r->route];
	for (int rt = 0; strcmp(method, ri->allow) && rt < ROUTE__COUNT; rt++)
		if (!strcmp(routes[rt].path, ri->path) && !strcmp(routes[rt].allow, method)) {
			r->route = (enum api_route)rt;
			ri = &routes[rt];
		}
	r->is_get = !strcmp(method, "GET");
	if (strcmp(method, ri->allow) != 0) {
		r->allow = path_methods(ri->path);
		return fail(r, 405, "method not allowed", "%s takes %s", target, r->allow);
	}
	unsigned seen = 0;
	if (qm && parse_pairs(r, qm + 1, len - plen - 1, &seen))
		return r->status;
	if (r->route == ROUTE_CONSUMER_ACK) {
		if (body_len)
			parse_ack_body(r, body, body_len, &seen);
		if (!r->status && !r->has_upto)
			fail(r, 400, "bad parameter", "upto: required (the last item id processed)");
	} else if (r->route == ROUTE_FEED_RENAME) {
		if (!r->status)
			parse_rename_body(r, body, body_len);
	} else if (r->route == ROUTE_ITEMS_STATE) {
		if (!r->status)
			parse_state_body(r, body, body_len);
	} else if (body_len && !r->status) {
		fail(r, 400, "bad request", "this request takes no body");
	}
	if (!r->status && r->route == ROUTE_LOG_LEVEL && !(seen & B(P_LEVEL)))
		fail(r, 400, "bad parameter", "level: required (" LOG_LEVEL_NAMES ")");
	if (!r->status && (r->route == ROUTE_HOOKS || r->route == ROUTE_HOOKS_RETRY) &&
	    r->nfeeds > 1)
		fail(r, 400, "bad parameter", "feed: one feed, or none for every feed");
	if (!r->status && r->before && r->before <= r->after)
		fail(r, 400, "bad parameter", "before: must be greater than after");
	/* A consumer's next is the highest id answered, and its ack passes
	 * every id below: newest first, the older items would never come. */
	if (!r->status && r->route == ROUTE_CONSUMER_ITEMS && r->desc)
		fail(r, 400, "bad parameter", "order: a consumer reads oldest first (asc): an ack "
		     "of next, the highest id answered, moves the cursor past every older item, "
		     "so newest first would skip them");
	return r->status;
}

void apireq_free(struct apireq *r)
{
	free(r->name);
	for (size_t i = 0; i < r->nfeeds; i++)
		free(r->feeds[i]);
	free(r->tag);
	free(r->q);
	free(r->to);
	free(r->mark_ids);
	free(r->error);
	free(r->detail);
	memset(r, 0, sizeof *r);
}

void apireq_item_query(const struct apireq *r, struct item_query *q)
{
	memset(q, 0, sizeof *q);
	q->after = r->after;
	q->before = r->before;
	if (r->route == ROUTE_FEED_ITEMS) {
		q->feeds = (const char *const *)&r->name;
		q->nfeeds = 1;
	} else {
		q->feeds = (const char *const *)r->feeds;
		q->nfeeds = r->nfeeds;
	}
	q->tag = r->tag;
	q->q = r->q;
	q->since = r->since;
	q->distinct = r->distinct;
	q->skipped = r->skipped;
	q->desc = r->desc;
	q->status = r->status_filter;
	q->starred = r->starred;
	q->limit = r->limit;
	q->consumer = r->route == ROUTE_CONSUMER_ITEMS ? r->name : NULL;
}
