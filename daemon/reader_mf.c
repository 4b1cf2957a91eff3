/* reader_mf.c — the Miniflux v1 routes of the reader API
 * (docs/reader-api.md), once reader.c let a request in: the route and its
 * parameters are read on the loop, the store work runs on the store thread
 * (daemon/storeq.h) and builds the answer there, and the loop sends it.
 *
 * Miniflux's shapes: integer ids (a feed's is its store row's id, stable;
 * a category's is 1 for "All", else a hash of the tag's name, stable
 * too), RFC 3339 times, a feed's category its first tag (alphabetical),
 * an entry's status "read" or "unread". */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/apireq.h"
#include "core/date.h"
#include "core/item.h"
#include "core/log.h"
#include "daemon/api_send.h"
#include "daemon/feedd.h"
#include "daemon/reader_int.h"
#include "daemon/storeq.h"

#define MF_MAX_ENTRIES 1000     /* entries one listing looks at */
#define MF_DEFAULT_LIMIT 100

enum mf_route {
	MF_CATEGORIES, MF_FEEDS, MF_FEED, MF_COUNTERS, MF_FEED_ENTRIES, MF_ENTRIES, MF_ENTRY,
	MF_MARK, MF_BOOKMARK, MF_FEED_READ,
};

/* One request with store work: the connection's context until answered. */
struct mf_job {
	enum reader_ctx_kind kind;  /* RCTX_JOB */
	struct storeq_job sq;
	struct http_conn *conn;     /* NULL once the client is gone */
	enum mf_route route;
	int64_t id;                 /* the path's feed or entry id */
	/* entries */
	int status;                 /* ITEMQ_* */
	bool starred, desc;
	int64_t after, before, category;
	int limit, offset;
	/* marks */
	int64_t *ids;
	size_t nids;
	bool read;
	/* the answer, built on the store thread */
	int code;                   /* HTTP status */
	json_t *out;                /* NULL: no body (204) or an error */
	const char *error;          /* the error_message when no OUT */
};

static void job_free(struct mf_job *j)
{
	json_decref(j->out);
	free(j->ids);
	free(j);
}

/* --- shapes --- */

static int64_t category_id(const char *tag)
{
	/* FNV-1a, folded into 2..2^31-1: Miniflux's ids are ints. */
	uint32_t h = 2166136261u;
	for (const unsigned char *p = (const unsigned char *)tag; *p; p++)
		h = (h ^ *p) * 16777619u;
	h &= 0x7fffffffu;
	return h < 2 ? h + 2 : h;
}

static json_t *category_json(const json_t *feed)
{
	const char *tag = json_string_value(json_array_get(json_object_get(feed, "tags"), 0));
	return json_pack("{s:I,s:s,s:i}", "id", (json_int_t)(tag ? category_id(tag) : 1),
			 "title", tag ? tag : "All", "user_id", 1);
}

static json_t *time_json(int64_t t)
{
	char buf[40];
	if (t <= 0)
		t = 0;
	date_format_rfc3339(t, buf, sizeof buf);
	return json_string(buf);
}

static const char *str_or(const json_t *o, const char *key, const char *dflt)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s ? s : dflt;
}

static json_t *feed_json(const json_t *f)
{
	const char *title = str_or(f, "title", NULL);
	json_t *j = json_pack("{s:O,s:i,s:s,s:s,s:s,s:o,s:o,s:n,s:b,s:i,s:s}",
		"id", json_object_get(f, "id"), "user_id", 1,
		"feed_url", str_or(f, "url", ""), "site_url", str_or(f, "site_url", ""),
		"title", title ? title : str_or(f, "name", ""),
		"checked_at", time_json(json_integer_value(json_object_get(f, "last_fetch"))),
		"category", category_json(f), "icon",
		"disabled", 0,
		"parsing_error_count", str_or(f, "last_error", NULL) ? 1 : 0,
		"parsing_error_message", str_or(f, "last_error", ""));
	return j;
}

/* FEEDS' entry of ID, or NULL. */
static json_t *feed_by_id(json_t *feeds, int64_t id)
{
	size_t i;
	json_t *f;
	json_array_foreach(feeds, i, f)
		if (json_integer_value(json_object_get(f, "id")) == id)
			return f;
	return NULL;
}

static json_t *feed_by_name(json_t *feeds, const char *name)
{
	size_t i;
	json_t *f;
	json_array_foreach(feeds, i, f)
		if (!strcmp(str_or(f, "name", ""), name))
			return f;
	return NULL;
}

static json_t *entry_json(const struct item_row *r, json_t *feeds)
{
	json_t *f = feed_by_name(feeds, r->feed ? r->feed : "");
	const char *content = r->content ? r->content : r->summary;
	json_t *e = json_pack("{s:I,s:i,s:I,s:s,s:s,s:s,s:s,s:s,s:o,s:o,s:o,s:s,s:s,s:b,s:i,s:o}",
		"id", (json_int_t)r->id, "user_id", 1,
		"feed_id", (json_int_t)(f ? json_integer_value(json_object_get(f, "id")) : 0),
		"status", r->read ? "read" : "unread",
		"hash", r->guid ? r->guid : "",
		"title", r->title ? r->title : "",
		"url", r->url ? r->url : "",
		"comments_url", "",
		"published_at", time_json(r->date),
		"created_at", time_json(r->first_seen),
		"changed_at", time_json(r->updated_seen ? r->updated_seen : r->first_seen),
		"content", content ? content : "",
		"author", r->author ? r->author : "",
		"starred", r->starred,
		"reading_time", 0,
		"tags", json_array());
	if (e && f)
		json_object_set_new(e, "feed", feed_json(f));
	return e;
}

/* --- store work (on the store thread) --- */

/* The entries FROM .. FROM + N - 1 of a walk become JSON; SEEN counts
 * them all. */
struct collect {
	json_t *arr, *feeds;
	size_t seen, from, n;
};

static int collect_entry(const struct item_row *row, void *ud)
{
	struct collect *c = ud;
	size_t i = c->seen++;
	if (i < c->from || i - c->from >= c->n)
		return 0;
	json_t *e = entry_json(row, c->feeds);
	if (!e)
		return -ENOMEM;
	json_array_append_new(c->arr, e);
	return 0;
}

static void fail(struct mf_job *j, int code, const char *msg)
{
	j->code = code;
	j->error = msg;
	json_decref(j->out);
	j->out = NULL;
}

static void store_failed(struct mf_job *j, int rc)
{
	fail(j, rc == -ECONNRESET ? 503 : 500, rc == -ECONNRESET ? "store unavailable"
								 : "store error");
}

static void entries(struct store *s, struct mf_job *j, json_t *feeds)
{
	struct item_query q = {
		.after = j->after, .before = j->before, .since = DATE_NONE,
		.desc = j->desc, .status = j->status, .starred = j->starred,
		/* The page and one more: whether more follow. */
		.limit = j->offset + j->limit + 1,
	};
	const char *name = NULL, *tag = NULL;
	if (j->route == MF_FEED_ENTRIES) {
		json_t *f = feed_by_id(feeds, j->id);
		if (!f) {
			fail(j, 404, "feed not found");
			return;
		}
		name = str_or(f, "name", "");
		q.feeds = &name;
		q.nfeeds = 1;
	}
	if (j->category) {
		/* The category's tag; "All" (1) is every feed. */
		size_t i;
		json_t *f;
		json_array_foreach(feeds, i, f) {
			size_t k;
			json_t *t;
			json_array_foreach(json_object_get(f, "tags"), k, t)
				if (category_id(json_string_value(t)) == j->category)
					tag = json_string_value(t);
		}
		if (!tag && j->category != 1) {
			fail(j, 404, "category not found");
			return;
		}
		q.tag = tag;
	}
	/* Only the page becomes JSON. Counting every match would read them
	 * all: "total" says how many there are up to the page's end, plus
	 * one when more follow, so that a client paging by offset goes on. */
	struct collect c = {json_array(), feeds, 0, (size_t)j->offset, (size_t)j->limit};
	int rc = store_items_each(s, &q, collect_entry, &c, NULL);
	if (rc < 0) {
		json_decref(c.arr);
		store_failed(j, rc);
		return;
	}
	j->out = json_pack("{s:I,s:o}", "total", (json_int_t)c.seen, "entries", c.arr);
}

/* The stored item ID as an entry (JSON), or NULL; *STARRED its star. */
static json_t *entry_by_id(struct store *s, int64_t id, json_t *feeds, bool *starred, int *rc)
{
	struct item_query q = {.after = id - 1, .before = id + 1, .since = DATE_NONE, .limit = 1};
	struct collect c = {json_array(), feeds, 0, 0, 1};
	*rc = id > 0 ? store_items_each(s, &q, collect_entry, &c, NULL) : 0;
	json_t *e = json_array_size(c.arr) ? json_incref(json_array_get(c.arr, 0)) : NULL;
	json_decref(c.arr);
	if (e && starred)
		*starred = json_is_true(json_object_get(e, "starred"));
	return e;
}

static void mf_work(struct store *s, void *arg)
{
	struct mf_job *j = arg;
	json_t *feeds = NULL;
	/* Counting reads every item: only the counters ask for it. */
	int rc = store_reader_feeds(s, j->route == MF_COUNTERS, &feeds);
	if (rc < 0) {
		store_failed(j, rc);
		return;
	}
	j->code = 200;
	switch (j->route) {
	case MF_CATEGORIES: {
		json_t *all = json_array(), *seen = json_object();
		json_array_append_new(all, json_pack("{s:i,s:s,s:i}", "id", 1, "title", "All",
						     "user_id", 1));
		size_t i;
		json_t *f;
		json_array_foreach(feeds, i, f) {
			size_t k;
			json_t *t;
			json_array_foreach(json_object_get(f, "tags"), k, t) {
				const char *tag = json_string_value(t);
				if (!tag || json_object_get(seen, tag))
					continue;
				json_object_set_new(seen, tag, json_true());
				json_array_append_new(all, json_pack("{s:I,s:s,s:i}", "id",
					(json_int_t)category_id(tag), "title", tag, "user_id", 1));
			}
		}
		json_decref(seen);
		j->out = all;
		break;
	}
	case MF_FEEDS: {
		json_t *all = json_array();
		size_t i;
		json_t *f;
		json_array_foreach(feeds, i, f)
			json_array_append_new(all, feed_json(f));
		j->out = all;
		break;
	}
	case MF_FEED: {
		json_t *f = feed_by_id(feeds, j->id);
		if (f)
			j->out = feed_json(f);
		else
			fail(j, 404, "feed not found");
		break;
	}
	case MF_COUNTERS: {
		json_t *reads = json_object(), *unreads = json_object();
		size_t i;
		json_t *f;
		json_array_foreach(feeds, i, f) {
			char id[24];
			snprintf(id, sizeof id, "%lld",
				 (long long)json_integer_value(json_object_get(f, "id")));
			json_object_set(reads, id, json_object_get(f, "read"));
			json_object_set(unreads, id, json_object_get(f, "unread"));
		}
		j->out = json_pack("{s:o,s:o}", "reads", reads, "unreads", unreads);
		break;
	}
	case MF_FEED_ENTRIES:
	case MF_ENTRIES:
		entries(s, j, feeds);
		break;
	case MF_ENTRY: {
		json_t *e = entry_by_id(s, j->id, feeds, NULL, &rc);
		if (rc < 0)
			store_failed(j, rc);
		else if (!e)
			fail(j, 404, "entry not found");
		else
			j->out = e;
		break;
	}
	case MF_MARK: {
		int64_t missing = 0;
		rc = store_items_mark(s, j->ids, j->nids, j->read, -1, &missing);
		if (rc == -ENOENT)
			fail(j, 404, "entry not found");
		else if (rc < 0)
			store_failed(j, rc);
		else
			j->code = 204;
		break;
	}
	case MF_BOOKMARK: {
		bool starred = false;
		json_t *e = entry_by_id(s, j->id, feeds, &starred, &rc);
		if (rc < 0) {
			store_failed(j, rc);
		} else if (!e) {
			fail(j, 404, "entry not found");
		} else {
			rc = store_items_mark(s, &j->id, 1, -1, !starred, NULL);
			if (rc < 0)
				store_failed(j, rc);
			else
				j->code = 204;
		}
		json_decref(e);
		break;
	}
	case MF_FEED_READ: {
		json_t *f = feed_by_id(feeds, j->id);
		if (!f) {
			fail(j, 404, "feed not found");
			break;
		}
		rc = store_feed_mark_read(s, str_or(f, "name", ""), 0, NULL);
		if (rc < 0)
			store_failed(j, rc);
		else
			j->code = 204;
		break;
	}
	}
	json_decref(feeds);
}

static void mf_done(void *arg)
{
	struct mf_job *j = arg;
	struct http_conn *c = j->conn;
	if (c) {
		http_conn_set_ctx(c, NULL);
		if (j->code == 204)
			http_reply(c, 204, NULL, NULL, NULL, 0);
		else if (j->out)
			api_send_json(c, j->code, NULL, json_incref(j->out));
		else
			reader_send_error(c, j->code ? j->code : 500, j->error ? j->error : "error",
					  NULL);
	}
	job_free(j);
}

void reader_mf_abort(void *ctx)
{
	((struct mf_job *)ctx)->conn = NULL;   /* mf_done frees it */
}

/* --- requests (on the loop) --- */

/* Strict decimal in [MIN, MAX]. */
static bool num(const char *s, int64_t min, int64_t max, int64_t *out)
{
	if (!s || !*s || strlen(s) > 18)
		return false;
	char *end;
	long long v = strtoll(s, &end, 10);
	if (*end || v < min || v > max)
		return false;
	*out = v;
	return true;
}

/* The query's parameters of the entries listings; an error message, or NULL. */
static const char *entries_params(struct mf_job *j, const char *query)
{
	j->limit = MF_DEFAULT_LIMIT;
	j->desc = false;
	char *copy = strdup(query ? query : "");
	if (!copy)
		return "out of memory";
	const char *err = NULL;
	char *save = NULL;
	for (char *kv = strtok_r(copy, "&", &save); kv && !err; kv = strtok_r(NULL, "&", &save)) {
		char *eq = strchr(kv, '=');
		char *k = apireq_decode(kv, eq ? (size_t)(eq - kv) : strlen(kv), true);
		char *v = eq ? apireq_decode(eq + 1, strlen(eq + 1), true) : strdup("");
		int64_t n;
		if (!k || !v)
			err = "malformed query";
		else if (!strcmp(k, "status")) {
			if (!strcmp(v, "unread"))
				j->status = ITEMQ_UNREAD;
			else if (!strcmp(v, "read"))
				j->status = ITEMQ_READ;
			else if (strcmp(v, "removed") == 0)
				j->status = ITEMQ_ANY, j->limit = 0;   /* feedd removes nothing */
			else
				err = "status: expected read or unread";
		} else if (!strcmp(k, "starred")) {
			if (!strcmp(v, "true") || !strcmp(v, "1"))
				j->starred = true;
			else if (strcmp(v, "false") && strcmp(v, "0"))
				err = "starred: expected true or false";
		} else if (!strcmp(k, "limit")) {
			if (!num(v, 0, MF_MAX_ENTRIES, &n))
				err = "limit: expected 0 to 1000";
			else
				j->limit = n ? (int)n : MF_DEFAULT_LIMIT;
		} else if (!strcmp(k, "offset")) {
			if (!num(v, 0, MF_MAX_ENTRIES, &n))
				err = "offset: expected 0 to 1000";
			else
				j->offset = (int)n;
		} else if (!strcmp(k, "order")) {
			/* Entries are kept in id order, which is the order feedd
			 * first saw them: published_at is served as id. */
			if (strcmp(v, "id") && strcmp(v, "published_at") && strcmp(v, "created_at"))
				err = "order: expected id or published_at";
		} else if (!strcmp(k, "direction")) {
			if (!strcmp(v, "desc"))
				j->desc = true;
			else if (strcmp(v, "asc"))
				err = "direction: expected asc or desc";
		} else if (!strcmp(k, "after_entry_id")) {
			if (!num(v, 0, INT64_MAX / 2, &j->after))
				err = "after_entry_id: expected an entry id";
		} else if (!strcmp(k, "before_entry_id")) {
			if (!num(v, 1, INT64_MAX / 2, &j->before))
				err = "before_entry_id: expected an entry id";
		} else if (!strcmp(k, "category_id")) {
			if (!num(v, 1, INT64_MAX / 2, &j->category))
				err = "category_id: expected a category id";
		}
		/* Other parameters (search, after, before ...) are not filtered on. */
		free(k);
		free(v);
	}
	free(copy);
	if (!err && j->before && j->before <= j->after + 1)
		j->limit = 0;
	return err;
}

/* {"entry_ids": [ID, ...], "status": "read"|"unread"}. */
static const char *mark_body(struct mf_job *j, const struct http_request *hr)
{
	json_error_t jerr;
	json_t *b = json_loadb(hr->body ? hr->body : "", hr->body_len, 0, &jerr);
	json_t *ids = json_object_get(b, "entry_ids");
	const char *st = json_string_value(json_object_get(b, "status"));
	size_t n = json_array_size(ids);
	const char *err = NULL;
	if (!json_is_object(b) || !json_is_array(ids) || n < 1 || n > STORE_MARK_MAX || !st ||
	    (strcmp(st, "read") && strcmp(st, "unread")))
		err = "the body must be {\"entry_ids\": [ID, ...], \"status\": \"read\"|\"unread\"}";
	if (!err && !(j->ids = calloc(n, sizeof *j->ids)))
		err = "out of memory";
	for (size_t i = 0; !err && i < n; i++) {
		json_t *v = json_array_get(ids, i);
		if (!json_is_integer(v) || json_integer_value(v) < 1)
			err = "entry_ids: integers >= 1";
		else
			j->ids[j->nids++] = json_integer_value(v);
	}
	if (!err)
		j->read = !strcmp(st, "read");
	json_decref(b);
	return err;
}

static void me(struct http_conn *c, const char *user)
{
	api_send_json(c, 200, NULL, json_pack("{s:i,s:s,s:b,s:s,s:s,s:s,s:s,s:n}",
		"id", 1, "username", *user ? user : "reader", "is_admin", 0,
		"theme", "system_serif", "language", "en_US", "timezone", "UTC",
		"entry_sorting_direction", "desc", "last_login_at"));
}

/* PATH's segments after /v1/ (at most 4), decoded in place in BUF. */
static int split(const char *path, size_t len, char *buf, size_t size, char **seg)
{
	if (len < 4 || strncmp(path, "/v1/", 4) || len >= size)
		return -1;
	memcpy(buf, path + 4, len - 4);
	buf[len - 4] = '\0';
	int n = 0;
	for (char *p = buf; n < 4;) {
		seg[n++] = p;
		char *slash = strchr(p, '/');
		if (!slash)
			return n;
		*slash = '\0';
		p = slash + 1;
	}
	return -1;
}

void reader_mf_request(struct reader_api *r, struct http_conn *c,
		       const struct http_request *hr, const char *user)
{
	const char *target = hr->target;
	size_t plen = strcspn(target, "?");
	const char *query = target[plen] ? target + plen + 1 : NULL;
	char buf[512];
	char *seg[4];
	int n = split(target, plen, buf, sizeof buf, seg);
	bool get = !strcmp(hr->method_name, "GET"), put = !strcmp(hr->method_name, "PUT");
	int64_t id = 0;
	bool has_id = n >= 2 && num(seg[1], 1, INT64_MAX / 2, &id);
	enum mf_route route;
	const char *allow = "GET";
	if (n == 1 && !strcmp(seg[0], "me")) {
		if (get) {
			me(c, user);
			return;
		}
		route = MF_CATEGORIES, n = -2;
	} else if (n == 1 && !strcmp(seg[0], "categories")) {
		route = MF_CATEGORIES;
	} else if (n == 1 && !strcmp(seg[0], "feeds")) {
		route = MF_FEEDS;
	} else if (n == 2 && !strcmp(seg[0], "feeds") && !strcmp(seg[1], "counters")) {
		route = MF_COUNTERS;
	} else if (n == 2 && !strcmp(seg[0], "feeds") && has_id) {
		route = MF_FEED;
	} else if (n == 3 && !strcmp(seg[0], "feeds") && has_id && !strcmp(seg[2], "entries")) {
		route = MF_FEED_ENTRIES;
	} else if (n == 3 && !strcmp(seg[0], "feeds") && has_id &&
		   !strcmp(seg[2], "mark-all-as-read")) {
		route = MF_FEED_READ, allow = "PUT";
	} else if (n == 1 && !strcmp(seg[0], "entries")) {
		route = put ? MF_MARK : MF_ENTRIES, allow = "GET, PUT";
	} else if (n == 2 && !strcmp(seg[0], "entries") && has_id) {
		route = MF_ENTRY;
	} else if (n == 3 && !strcmp(seg[0], "entries") && has_id && !strcmp(seg[2], "bookmark")) {
		route = MF_BOOKMARK, allow = "PUT";
	} else {
		reader_send_error(c, 404, "not found", NULL);
		return;
	}
	bool want_put = route == MF_MARK || route == MF_FEED_READ || route == MF_BOOKMARK;
	if (n == -2 || (want_put ? !put : !get)) {
		char h[64];
		snprintf(h, sizeof h, "Allow: %s\r\n", n == -2 ? "GET" : allow);
		reader_send_error(c, 405, "method not allowed", h);
		return;
	}
	struct mf_job *j = calloc(1, sizeof *j);
	if (!j) {
		reader_send_error(c, 500, "out of memory", NULL);
		return;
	}
	j->kind = RCTX_JOB;
	j->conn = c;
	j->route = route;
	j->id = id;
	const char *err = NULL;
	if (route == MF_ENTRIES || route == MF_FEED_ENTRIES)
		err = entries_params(j, query);
	else if (route == MF_MARK)
		err = mark_body(j, hr);
	if (err) {
		reader_send_error(c, 400, err, NULL);
		job_free(j);
		return;
	}
	if (put)
		log_info("reader: %s %s by %s", hr->method_name, target, *user ? user : "a token");
	storeq_submit(r->d->storeq, &j->sq, mf_work, mf_done, j);
	http_conn_set_ctx(c, j);
}
