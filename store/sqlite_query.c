/* sqlite_query.c — reading the store for the API: items with filters, events,
 * consumers' cursors, hook deliveries and retention. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/date.h"
#include "core/log.h"
#include "store/sqlite_int.h"

static int64_t col_date(sqlite3_stmt *st, int i)
{
	return sqlite3_column_type(st, i) == SQLITE_NULL ? DATE_NONE : sqlite3_column_int64(st, i);
}

void item_row_read(sqlite3_stmt *st, int c, struct item_row *row)
{
	/* The text pointers stay valid until the statement steps again: no
	 * column is read both as a number and as text. */
	*row = (struct item_row){
		.id = sqlite3_column_int64(st, c),
		.published = col_date(st, c + 8),
		.updated = col_date(st, c + 9),
		.first_seen = sqlite3_column_int64(st, c + 12),
		.updated_seen = sqlite3_column_int64(st, c + 13),
		.has_duplicate = sqlite3_column_type(st, c + 15) != SQLITE_NULL,
		.duplicate_of = sqlite3_column_int64(st, c + 15),
		.date = sqlite3_column_int64(st, c + 16),
		.read = sqlite3_column_int(st, c + 17) != 0,
		.starred = sqlite3_column_int(st, c + 18) != 0,
	};
	row->feed = (const char *)sqlite3_column_text(st, c + 1);
	row->guid = (const char *)sqlite3_column_text(st, c + 2);
	row->url = (const char *)sqlite3_column_text(st, c + 3);
	row->title = (const char *)sqlite3_column_text(st, c + 4);
	row->author = (const char *)sqlite3_column_text(st, c + 5);
	row->summary = (const char *)sqlite3_column_text(st, c + 6);
	row->content = (const char *)sqlite3_column_text(st, c + 7);
	row->categories = (const char *)sqlite3_column_text(st, c + 10);
	row->enclosures = (const char *)sqlite3_column_text(st, c + 11);
	row->identity = (const char *)sqlite3_column_text(st, c + 14);
}

json_t *item_row_json(sqlite3_stmt *st, int c)
{
	struct item_row row;
	item_row_read(st, c, &row);
	return item_row_to_json(&row);
}

/* The items query for one combination of filters, prepared on first use and
 * kept: the shapes are few, the calls many. */
static sqlite3_stmt *items_stmt(struct store *s, unsigned shape)
{
	if (s->iq[shape])
		return s->iq[shape];
	char sql[1536];
	int n = snprintf(sql, sizeof sql,
		"SELECT " STORE_ITEM_COLS " FROM items i JOIN feeds f ON f.id = i.feed"
		" WHERE i.id > ?1%s%s%s%s%s%s%s%s ORDER BY i.id%s LIMIT ?7",
		shape & IQ_BEFORE ? " AND i.id < ?2" : "",
		shape & IQ_FEEDS ? " AND f.name IN (SELECT value FROM json_each(?3))" : "",
		shape & IQ_TAG ? " AND i.feed IN (SELECT feed FROM feed_tags WHERE tag = ?4)" : "",
		shape & IQ_FTS ? " AND i.id IN (SELECT rowid FROM items_fts WHERE items_fts MATCH ?5)" : "",
		shape & IQ_SINCE ? " AND i.sort_date >= ?6" : "",
		shape & IQ_DISTINCT ? " AND (i.duplicate_of IS NULL OR NOT EXISTS"
				      " (SELECT 1 FROM items o WHERE o.id = i.duplicate_of))" : "",
		shape & IQ_STATUS ? " AND i.read = ?8" : "",
		shape & IQ_STARRED ? " AND i.starred = 1" : "",
		shape & IQ_DESC ? " DESC" : "");
	if (n < 0 || (size_t)n >= sizeof sql)
		return NULL;
	int rc = sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &s->iq[shape], NULL);
	if (rc != SQLITE_OK) {
		store_fail(s, rc, "items query");
		return NULL;
	}
	return s->iq[shape];
}

/* User text as an FTS5 query: every word a quoted term, all required, so
 * that no input is a syntax error. */
static char *fts_query(const char *q)
{
	size_t len = strlen(q);
	char *out = malloc(len * 2 + 3 * len + 3);
	if (!out)
		return NULL;
	size_t o = 0;
	const char *p = q;
	while (*p) {
		while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
			p++;
		if (!*p)
			break;
		if (o)
			out[o++] = ' ';
		out[o++] = '"';
		while (*p && *p != ' ' && *p != '\t' && *p != '\n' && *p != '\r') {
			if (*p == '"')
				out[o++] = '"';
			out[o++] = *p++;
		}
		out[o++] = '"';
	}
	out[o] = '\0';
	return out;
}

static char *feeds_array(const char *const *feeds, size_t n)
{
	json_t *a = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, json_string_lossy(feeds[i]));
	char *t = json_dumps(a, JSON_COMPACT);
	json_decref(a);
	return t;
}

int store_items_each(struct store *s, const struct item_query *q, store_item_fn fn, void *ud,
		     int64_t *next)
{
	int64_t after = q->after > 0 ? q->after : 0;
	if (next)
		*next = after;
	if (q->consumer) {
		int64_t cursor;
		int r = store_consumer_get(s, q->consumer, false, false, &cursor);
		if (r < 0)
			return r;
		if (cursor > after)
			after = cursor;
		if (next)
			*next = after;
	}
	char *fts = NULL;
	if (q->q && *q->q) {
		/* The index trails the items (sqlite_fts.c): a search first
		 * indexes what is pending, so that it sees every item. */
		int r = store_fts_catch_up(s, NULL);
		if (r < 0)
			return r;
		fts = fts_query(q->q);
		if (!fts)
			return -ENOMEM;
		if (!*fts) {
			free(fts);
			fts = NULL;
		}
	}
	unsigned shape = (q->before > 0 ? IQ_BEFORE : 0) | (q->nfeeds ? IQ_FEEDS : 0) |
			 (q->tag ? IQ_TAG : 0) | (fts ? IQ_FTS : 0) |
			 (q->since != DATE_NONE ? IQ_SINCE : 0) |
			 (q->distinct ? IQ_DISTINCT : 0) | (q->desc ? IQ_DESC : 0) |
			 (q->status != ITEMQ_ANY ? IQ_STATUS : 0) | (q->starred ? IQ_STARRED : 0);
	sqlite3_stmt *st = items_stmt(s, shape);
	if (!st) {
		free(fts);
		return -EIO;
	}
	char *feeds = q->nfeeds ? feeds_array(q->feeds, q->nfeeds) : NULL;
	int limit = q->limit < 1 ? 1 : q->limit > 1000 ? 1000 : q->limit;
	sqlite3_bind_int64(st, 1, after);
	if (shape & IQ_BEFORE)
		sqlite3_bind_int64(st, 2, q->before);
	if (shape & IQ_FEEDS)
		store_bind_text(st, 3, feeds);
	if (shape & IQ_TAG)
		store_bind_text(st, 4, q->tag);
	if (shape & IQ_FTS)
		store_bind_text(st, 5, fts);
	if (shape & IQ_SINCE)
		sqlite3_bind_int64(st, 6, q->since);
	sqlite3_bind_int(st, 7, limit);
	if (shape & IQ_STATUS)
		sqlite3_bind_int(st, 8, q->status == ITEMQ_READ);
	int64_t top = after;
	int rc, r = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct item_row row;
		item_row_read(st, 0, &row);
		if (row.id > top)
			top = row.id;
		if ((r = fn(&row, ud)) < 0)
			break;
	}
	store_done(st);
	free(fts);
	free(feeds);
	if (r < 0)
		return r;
	if (rc != SQLITE_DONE)
		return store_fail(s, rc, "items");
	/* Newest first or not, the cursor is the highest id handed out. */
	if (next)
		*next = top;
	return 0;
}

int store_events(struct store *s, int64_t after, int limit, json_t **events, int64_t *next)
{
	*events = NULL;
	if (next)
		*next = after;
	sqlite3_stmt *st = store_stmt(s, ST_EVENTS);
	sqlite3_bind_int64(st, 1, after);
	sqlite3_bind_int(st, 2, limit < 1 ? 1 : limit > 1000 ? 1000 : limit);
	json_t *arr = json_array();
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t seq = sqlite3_column_int64(st, 0);
		json_t *e = json_loads_or((const char *)sqlite3_column_text(st, 5), json_object());
		if (!json_is_object(e)) {
			json_decref(e);
			e = json_object();
		}
		json_object_set_new(e, "seq", json_integer(seq));
		json_object_set_new(e, "type", json_string((const char *)sqlite3_column_text(st, 1)));
		json_object_set_new(e, "time", store_json_time(sqlite3_column_int64(st, 2)));
		json_object_set_new(e, "feed", json_string_lossy((const char *)sqlite3_column_text(st, 3)));
		if (sqlite3_column_type(st, 4) != SQLITE_NULL) {
			json_object_set_new(e, "item", json_integer(sqlite3_column_int64(st, 4)));
			/* NULL once the item was pruned. */
			json_object_set_new(e, "title", json_string_lossy((const char *)sqlite3_column_text(st, 6)));
			json_object_set_new(e, "url", json_string_lossy((const char *)sqlite3_column_text(st, 7)));
		}
		json_array_append_new(arr, e);
		if (next)
			*next = seq;
	}
	store_done(st);
	if (rc != SQLITE_DONE) {
		json_decref(arr);
		return store_fail(s, rc, "events");
	}
	*events = arr;
	return 0;
}

/* --- consumers --- */

int store_consumer_get(struct store *s, const char *name, bool create, bool from_now,
		       int64_t *cursor)
{
	sqlite3_stmt *st = store_stmt(s, ST_CONSUMER_GET);
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*cursor = sqlite3_column_int64(st, 0);
	store_done(st);
	if (rc == SQLITE_ROW)
		return 0;
	if (rc != SQLITE_DONE)
		return store_fail(s, rc, "consumer");
	if (!create)
		return -ENOENT;
	int64_t start = 0;
	if (from_now) {
		int r = store_last_ids(s, &start, NULL);
		if (r < 0)
			return r;
	}
	st = store_stmt(s, ST_CONSUMER_ADD);
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, start);
	sqlite3_bind_int64(st, 3, time(NULL));
	rc = sqlite3_step(st);
	store_done(st);
	if (rc != SQLITE_DONE)
		return store_fail(s, rc, "consumer create");
	*cursor = start;
	return 0;
}

int store_consumer_ack(struct store *s, const char *name, int64_t upto)
{
	int64_t cursor;
	int r = store_consumer_get(s, name, true, false, &cursor);
	if (r < 0)
		return r;
	/* An ack must survive a power cut: this one commit waits for the disk. */
	if ((r = store_exec_stmt(s, ST_SYNC_FULL, "synchronous")) < 0)
		return r;
	sqlite3_stmt *st = store_stmt(s, ST_CONSUMER_ACK);
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, upto);
	sqlite3_bind_int64(st, 3, time(NULL));
	int rc = sqlite3_step(st);
	store_done(st);
	if (rc != SQLITE_DONE)
		r = store_fail(s, rc, "consumer ack");
	int r2 = store_exec_stmt(s, ST_SYNC_NORMAL, "synchronous");
	return r < 0 ? r : r2;
}

int store_consumers_json(struct store *s, json_t **out)
{
	*out = NULL;
	sqlite3_stmt *st = store_stmt(s, ST_CONSUMERS);
	json_t *arr = json_array();
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		json_array_append_new(arr, json_pack("{s:o,s:I,s:o,s:o,s:I}",
			"name", json_string_lossy((const char *)sqlite3_column_text(st, 0)),
			"cursor", (json_int_t)sqlite3_column_int64(st, 1),
			"created", store_json_time(sqlite3_column_int64(st, 2)),
			"acked", store_json_time(sqlite3_column_int64(st, 3)),
			"lag", (json_int_t)sqlite3_column_int64(st, 4)));
	store_done(st);
	if (rc != SQLITE_DONE) {
		json_decref(arr);
		return store_fail(s, rc, "consumers");
	}
	*out = arr;
	return 0;
}

/* --- hook deliveries --- */

int store_hook_due(struct store *s, int64_t now, int max, struct hook_job **jobs, size_t *n)
{
	*jobs = NULL;
	*n = 0;
	if (max < 1)
		return 0;
	struct hook_job *v = calloc((size_t)max, sizeof *v);
	if (!v)
		return -ENOMEM;
	sqlite3_stmt *st = store_stmt(s, ST_HOOK_DUE);
	sqlite3_bind_int64(st, 1, now);
	sqlite3_bind_int(st, 2, max);
	size_t k = 0;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && k < (size_t)max) {
		v[k].attempts = sqlite3_column_int(st, 0);
		v[k].item_id = sqlite3_column_int64(st, 1);
		v[k].feed = store_col_dup(st, 2);
		v[k].item = item_row_json(st, 1);
		k++;
	}
	store_done(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		store_hook_jobs_free(v, k);
		return store_fail(s, rc, "hook due");
	}
	*jobs = v;
	*n = k;
	return 0;
}

void store_hook_jobs_free(struct hook_job *jobs, size_t n)
{
	for (size_t i = 0; jobs && i < n; i++) {
		free(jobs[i].feed);
		json_decref(jobs[i].item);
	}
	free(jobs);
}

int store_hook_result(struct store *s, int64_t item_id, bool ok, int64_t next_try,
		      const char *error)
{
	enum stmt id = ok ? ST_HOOK_DONE : next_try ? ST_HOOK_RETRY : ST_HOOK_GIVE_UP;
	int r = store_begin(s);
	if (r < 0)
		return r;
	sqlite3_stmt *st = store_stmt(s, id);
	sqlite3_bind_int64(st, 1, item_id);
	if (!ok) {
		sqlite3_bind_int64(st, 2, next_try);
		store_bind_text(st, 3, error);
	}
	int rc = sqlite3_step(st);
	char *feed = (id == ST_HOOK_GIVE_UP && rc == SQLITE_ROW) ? store_col_dup(st, 0) : NULL;
	bool found = sqlite3_changes(s->db) > 0 || rc == SQLITE_ROW;
	if (rc == SQLITE_ROW)
		rc = sqlite3_step(st);
	store_done(st);
	if (rc != SQLITE_DONE)
		r = store_fail(s, rc, "hook result");
	else if (!found)
		r = -ENOENT;
	else if (feed)
		/* Given up: say so where the feed's owner looks. */
		r = store_event(s, "hook.failed", time(NULL), feed, item_id,
				json_pack("{s:o}", "error", json_string_lossy(error)));
	free(feed);
	if (!r)
		r = store_commit(s);
	if (r < 0)
		store_rollback(s);
	return r;
}

int store_hook_parked_json(struct store *s, const char *feed, json_t **out)
{
	*out = NULL;
	sqlite3_stmt *st = store_stmt(s, ST_HOOK_PARKED);
	store_bind_text(st, 1, feed);
	sqlite3_bind_int(st, 2, STORE_HOOK_PARKED_MAX + 1);
	json_t *arr = json_array();
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *title = (const char *)sqlite3_column_text(st, 2);
		const char *error = (const char *)sqlite3_column_text(st, 4);
		json_array_append_new(arr, json_pack("{s:o,s:I,s:o,s:I,s:o}",
			"feed", json_string_lossy((const char *)sqlite3_column_text(st, 0)),
			"item", (json_int_t)sqlite3_column_int64(st, 1),
			"title", title ? json_string_lossy(title) : json_null(),
			"attempts", (json_int_t)sqlite3_column_int64(st, 3),
			"error", error ? json_string_lossy(error) : json_null()));
	}
	store_done(st);
	if (rc != SQLITE_DONE) {
		json_decref(arr);
		return store_fail(s, rc, "parked hook deliveries");
	}
	*out = arr;
	return 0;
}

int store_hook_retry(struct store *s, const char *feed, int64_t now, int64_t *n)
{
	*n = 0;
	int r = store_begin(s);
	if (r < 0)
		return r;
	sqlite3_stmt *st = store_stmt(s, ST_HOOK_UNPARK);
	store_bind_text(st, 1, feed);
	sqlite3_bind_int64(st, 2, now);
	int rc = sqlite3_step(st);
	store_done(st);
	if (rc != SQLITE_DONE) {
		store_rollback(s);
		return store_fail(s, rc, "hook retry");
	}
	*n = sqlite3_changes(s->db);
	if ((r = store_commit(s)) < 0)
		store_rollback(s);
	return r;
}

/* --- retention --- */

int store_prune(struct store *s, const char *feed, int64_t now, int64_t retention,
		int64_t max_items, int batch, int *pruned)
{
	if (pruned)
		*pruned = 0;
	if ((retention <= 0 && max_items <= 0) || batch < 1)
		return 0;
	int r = store_begin(s);
	if (r < 0)
		return r;
	enum stmt ids[2] = {ST_PRUNE_TOMB, ST_PRUNE_DELETE};
	int deleted = 0;
	for (int i = 0; i < 2 && !r; i++) {
		sqlite3_stmt *st = store_stmt(s, ids[i]);
		sqlite3_bind_text(st, 1, feed, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, retention);
		sqlite3_bind_int64(st, 3, now - retention);
		sqlite3_bind_int64(st, 4, max_items);
		sqlite3_bind_int(st, 5, batch);
		if (i == 0)
			sqlite3_bind_int64(st, 6, now);
		int rc = sqlite3_step(st);
		store_done(st);
		if (rc != SQLITE_DONE)
			r = store_fail(s, rc, "prune");
		else if (i == 1)
			deleted = sqlite3_changes(s->db);
	}
	if (!r)
		r = store_commit(s);
	if (r < 0) {
		store_rollback(s);
		return r;
	}
	if (pruned)
		*pruned = deleted;
	return 0;
}
