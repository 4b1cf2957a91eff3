/* sqlite_feeds.c — feed rows: following the config, loading a feed's state,
 * and the feeds as JSON for the API. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/log.h"
#include "store/sqlite_int.h"

void feed_state_clear(struct feed_state *st)
{
	if (!st)
		return;
	free(st->name);
	free(st->url);
	free(st->effective_url);
	free(st->title);
	free(st->site_url);
	free(st->etag);
	free(st->last_modified);
	free(st->next_reason);
	free(st->last_error);
	free(st->last_warning);
	memset(st, 0, sizeof *st);
}

int feed_state_copy(struct feed_state *dst, const struct feed_state *src)
{
	*dst = *src;
	char **strs[] = {&dst->name, &dst->url, &dst->effective_url, &dst->title,
			 &dst->site_url, &dst->etag, &dst->last_modified, &dst->next_reason,
			 &dst->last_error, &dst->last_warning};
	bool ok = true;
	for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++) {
		if (*strs[i] && !(*strs[i] = strdup(*strs[i])))
			ok = false;
	}
	if (ok)
		return 0;
	feed_state_clear(dst);   /* free(NULL) for the ones that failed */
	return -ENOMEM;
}

static int set_tags(struct sqlite_store *s, int64_t feed, char *const *tags)
{
	sqlite3_stmt *st = store_stmt(s, ST_TAGS_CLEAR);
	sqlite3_bind_int64(st, 1, feed);
	int rc = sqlite3_step(st);
	store_done(st);
	if (rc != SQLITE_DONE)
		return store_fail(s, rc, "tags");
	for (size_t i = 0; tags && tags[i]; i++) {
		st = store_stmt(s, ST_TAG_ADD);
		sqlite3_bind_int64(st, 1, feed);
		sqlite3_bind_text(st, 2, tags[i], -1, SQLITE_STATIC);
		rc = sqlite3_step(st);
		store_done(st);
		if (rc != SQLITE_DONE)
			return store_fail(s, rc, "tags");
	}
	return 0;
}

static int set_removed(struct sqlite_store *s, int64_t feed, bool removed)
{
	sqlite3_stmt *st = store_stmt(s, ST_FEED_REMOVED);
	sqlite3_bind_int64(st, 1, feed);
	sqlite3_bind_int(st, 2, removed);
	int rc = sqlite3_step(st);
	store_done(st);
	return rc == SQLITE_DONE ? 0 : store_fail(s, rc, "feed removed");
}

/* One configured feed: added, re-added, or its URL changed. */
static int sync_feed(struct sqlite_store *s, const struct feed_conf *fc, int64_t now)
{
	int64_t id = 0;
	bool known = false, removed = false;
	char *url = NULL;
	sqlite3_stmt *st = store_stmt(s, ST_FEED_ID);
	sqlite3_bind_text(st, 1, fc->name, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		known = true;
		id = sqlite3_column_int64(st, 0);
		url = store_col_dup(st, 4);
		removed = sqlite3_column_int(st, 5) != 0;
	}
	store_done(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return store_fail(s, rc, "feeds");
	int r = 0;
	if (!known) {
		if ((r = store_feed_id(s, fc->name, fc->url, true, now, &id)) == 0)
			r = store_event(s, "feed.added", now, fc->name, 0,
					json_pack("{s:o}", "url", json_string_lossy(fc->url)));
	} else {
		if (removed && (r = set_removed(s, id, false)) == 0)
			r = store_event(s, "feed.added", now, fc->name, 0,
					json_pack("{s:o}", "url", json_string_lossy(fc->url)));
		if (!r && fc->url && (!url || strcmp(url, fc->url) != 0)) {
			/* A new URL is a new resource: old validators and 410 do not apply. */
			st = store_stmt(s, ST_FEED_SYNC_URL);
			sqlite3_bind_int64(st, 1, id);
			sqlite3_bind_text(st, 2, fc->url, -1, SQLITE_STATIC);
			rc = sqlite3_step(st);
			store_done(st);
			if (rc != SQLITE_DONE)
				r = store_fail(s, rc, "feed url");
			else
				log_info("feed %s: url changed to %s", fc->name, fc->url);
		}
	}
	free(url);
	if (!r)
		r = set_tags(s, id, fc->tags);
	return r;
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Feeds in the store that the config no longer names. */
static int sync_removed(struct sqlite_store *s, const struct config *c, int64_t now)
{
	const char **conf = malloc((c->nfeeds ? c->nfeeds : 1) * sizeof *conf);
	if (!conf)
		return -ENOMEM;
	for (size_t i = 0; i < c->nfeeds; i++)
		conf[i] = c->feeds[i].name;
	qsort(conf, c->nfeeds, sizeof *conf, cmp_name);
	sqlite3_stmt *st = store_stmt(s, ST_FEED_ALL);
	int64_t *gone = NULL;
	char **names = NULL;
	size_t n = 0;
	int rc, r = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(st, 1);
		if (sqlite3_column_int(st, 3) ||
		    bsearch(&name, conf, c->nfeeds, sizeof *conf, cmp_name))
			continue;
		int64_t *g = realloc(gone, (n + 1) * sizeof *g);
		char **nm = g ? realloc(names, (n + 1) * sizeof *nm) : NULL;
		if (g)
			gone = g;
		if (nm)
			names = nm;
		if (!g || !nm) {
			r = -ENOMEM;
			break;
		}
		gone[n] = sqlite3_column_int64(st, 0);
		names[n++] = strdup(name);
	}
	store_done(st);
	if (!r && rc != SQLITE_DONE)
		r = store_fail(s, rc, "feeds");
	for (size_t i = 0; i < n && !r; i++)
		if ((r = set_removed(s, gone[i], true)) == 0)
			r = store_event(s, "feed.removed", now, names[i], 0, NULL);
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	free(gone);
	free(conf);
	return r;
}

int sqlite_store_feeds_sync(struct sqlite_store *s, const struct config *c)
{
	int64_t now = time(NULL);
	int r = store_begin(s);
	if (r < 0)
		return r;
	for (size_t i = 0; i < c->nfeeds && !r; i++)
		r = sync_feed(s, &c->feeds[i], now);
	if (!r)
		r = sync_removed(s, c, now);
	if (!r)
		r = store_commit(s);
	if (r < 0)
		store_rollback(s);
	return r;
}

int sqlite_store_feed_load(struct sqlite_store *s, const char *name, struct feed_state *out)
{
	memset(out, 0, sizeof *out);
	sqlite3_stmt *st = store_stmt(s, ST_FEED_LOAD);
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		store_done(st);
		return rc == SQLITE_DONE ? -ENOENT : store_fail(s, rc, "feed load");
	}
	char **strs[] = {&out->name, &out->url, &out->effective_url, &out->title,
			 &out->site_url, &out->etag, &out->last_modified};
	for (int i = 0; i < 7; i++)
		*strs[i] = store_col_dup(st, i);
	out->last_fetch = sqlite3_column_int64(st, 7);
	out->last_success = sqlite3_column_int64(st, 8);
	out->next_due = sqlite3_column_int64(st, 9);
	out->next_reason = store_col_dup(st, 10);
	out->last_status = sqlite3_column_int(st, 11);
	out->last_error = store_col_dup(st, 12);
	out->failures = sqlite3_column_int64(st, 13);
	out->gone = sqlite3_column_int(st, 14) != 0;
	out->link_identity = sqlite3_column_int(st, 15) != 0;
	int64_t *counters[] = {&out->n_requests, &out->n_conditional, &out->n_200,
			       &out->n_304, &out->n_err_net, &out->n_err_http,
			       &out->n_err_parse, &out->bytes_wire, &out->bytes_decoded,
			       &out->n_items};
	for (int i = 0; i < 10; i++)
		*counters[i] = sqlite3_column_int64(st, 16 + i);
	out->last_warning = store_col_dup(st, 26);
	out->n_truncated = sqlite3_column_int64(st, 27);
	store_done(st);
	return 0;
}

static const char feeds_json_sql[] =
	"SELECT name, url, effective_url, title, site_url, etag, last_modified,"
	" last_fetch, last_success, next_due, next_reason, last_status, last_error,"
	" failures, gone, link_identity, removed, n_requests, n_conditional, n_200,"
	" n_304, n_err_net, n_err_http, n_err_parse, bytes_wire, bytes_decoded,"
	" (SELECT count(*) FROM items WHERE feed = f.id),"
	" (SELECT json_group_array(tag) FROM (SELECT tag FROM feed_tags WHERE feed = f.id ORDER BY tag)),"
	" (SELECT count(*) FROM hook_deliveries WHERE feed = f.id AND given_up = 0),"
	" (SELECT count(*) FROM hook_deliveries WHERE feed = f.id AND given_up = 1),"
	" last_warning, n_truncated"
	" FROM feeds f WHERE ?1 IS NULL OR name = ?1 ORDER BY name";

static json_t *col_str(sqlite3_stmt *st, int i)
{
	return json_string_lossy((const char *)sqlite3_column_text(st, i));
}

static json_t *feed_row_json(sqlite3_stmt *st)
{
	json_t *counters = json_pack("{s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I}",
		"requests", (json_int_t)sqlite3_column_int64(st, 17),
		"truncated", (json_int_t)sqlite3_column_int64(st, 31),
		"conditional", (json_int_t)sqlite3_column_int64(st, 18),
		"ok", (json_int_t)sqlite3_column_int64(st, 19),
		"not_modified", (json_int_t)sqlite3_column_int64(st, 20),
		"errors_net", (json_int_t)sqlite3_column_int64(st, 21),
		"errors_http", (json_int_t)sqlite3_column_int64(st, 22),
		"errors_parse", (json_int_t)sqlite3_column_int64(st, 23),
		"bytes_wire", (json_int_t)sqlite3_column_int64(st, 24),
		"bytes_decoded", (json_int_t)sqlite3_column_int64(st, 25));
	const char *tags = (const char *)sqlite3_column_text(st, 27);
	json_t *jt = tags ? json_loads(tags, 0, NULL) : NULL;
	int status = sqlite3_column_int(st, 11);
	return json_pack("{s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:I,"
			 "s:o,s:b,s:b,s:s,s:o,s:I,s:o,s:I,s:I}",
		"name", col_str(st, 0),
		"url", col_str(st, 1),
		"effective_url", col_str(st, 2),
		"title", col_str(st, 3),
		"site_url", col_str(st, 4),
		"etag", col_str(st, 5),
		"last_modified", col_str(st, 6),
		"last_fetch", store_json_time(sqlite3_column_int64(st, 7)),
		"last_success", store_json_time(sqlite3_column_int64(st, 8)),
		"next_due", store_json_time(sqlite3_column_int64(st, 9)),
		"next_reason", col_str(st, 10),
		"last_status", status ? json_integer(status) : json_null(),
		"last_error", col_str(st, 12),
		"failures", (json_int_t)sqlite3_column_int64(st, 13),
		"last_warning", col_str(st, 30),
		"gone", sqlite3_column_int(st, 14),
		"removed", sqlite3_column_int(st, 16),
		"identity", sqlite3_column_int(st, 15) ? "link" : "guid",
		"tags", jt ? jt : json_array(),
		"items", (json_int_t)sqlite3_column_int64(st, 26),
		"counters", counters,
		"hooks_pending", (json_int_t)sqlite3_column_int64(st, 28),
		"hooks_failed", (json_int_t)sqlite3_column_int64(st, 29));
}

int sqlite_store_feeds_json(struct sqlite_store *s, const char *name, json_t **out)
{
	*out = NULL;
	sqlite3_stmt *st = NULL;
	/* Not a kept statement: listing feeds is rare and not on the hot path. */
	int rc = sqlite3_prepare_v2(s->db, feeds_json_sql, -1, &st, NULL);
	if (rc != SQLITE_OK)
		return store_fail(s, rc, "feeds json");
	store_bind_text(st, 1, name);
	json_t *arr = json_array();
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		json_array_append_new(arr, feed_row_json(st));
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		json_decref(arr);
		return store_fail(s, rc, "feeds json");
	}
	if (name) {
		json_t *one = json_array_get(arr, 0);
		if (!one) {
			json_decref(arr);
			return -ENOENT;
		}
		*out = json_incref(one);
		json_decref(arr);
		return 0;
	}
	*out = arr;
	return 0;
}

/* Not a kept statement: asked once per GET /v1/status. */
static const char feeds_facts_sql[] =
	"SELECT name, removed, gone, last_error, failures, coalesce(last_success, 0) FROM feeds";

int sqlite_op_feeds_facts_each(void *b, feed_facts_fn fn, void *ud)
{
	struct sqlite_store *s = b;
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(s->db, feeds_facts_sql, -1, &st, NULL);
	if (rc != SQLITE_OK)
		return store_fail(s, rc, "feed facts");
	int r = 0;
	while (r == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct feedstate_facts f = {
			.removed = sqlite3_column_int(st, 1) != 0,
			.gone = sqlite3_column_int(st, 2) != 0,
			.last_error = (const char *)sqlite3_column_text(st, 3),
			.failures = sqlite3_column_int64(st, 4),
			.succeeded = sqlite3_column_int64(st, 5) != 0,
		};
		r = fn((const char *)sqlite3_column_text(st, 0), &f, ud);
	}
	sqlite3_finalize(st);
	if (r < 0)
		return r;
	return rc == SQLITE_DONE ? 0 : store_fail(s, rc, "feed facts");
}
