/* sqlite_query.c — reading the store for the API: items with filters, events,
 * consumers' cursors, hook deliveries and retention. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/date.h"
#include "core/log.h"
#include "store/sqlite/sqlite_int.h"

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
		.skipped = sqlite3_column_int(st, c + 17) != 0,
		.read = sqlite3_column_int(st, c + 18) != 0,
		.starred = sqlite3_column_int(st, c + 19) != 0,
		.feed_id = sqlite3_column_int64(st, c + 20),
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
static sqlite3_stmt *items_stmt(struct sqlite_store *s, unsigned shape)
{
	for (unsigned i = 0; i < s->niq; i++)
		if (s->iq[i].shape == shape)
			return s->iq[i].st;
	char sql[1536];
	if (items_sql(sql, sizeof sql, shape, '?', " AND f.name IN (SELECT value FROM json_each(?3))",
		      " AND i.id IN (SELECT rowid FROM items_fts WHERE items_fts MATCH ?5)",
		      (const char *const[2]){"0", "1"}) < 0)
		return NULL;
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL);
	if (rc != SQLITE_OK) {
		store_fail(s, rc, "items query");
		return NULL;
	}
	/* A free slot, or the one prepared longest ago that no walk is
	 * stepping (a row callback may ask another query). */
	unsigned k = s->niq;
	if (k < IQ_KEPT) {
		s->niq++;
	} else {
		for (unsigned tries = 0; tries < IQ_KEPT; tries++) {
			k = s->iq_next++ % IQ_KEPT;
			if (!sqlite3_stmt_busy(s->iq[k].st))
				break;
		}
		if (sqlite3_stmt_busy(s->iq[k].st)) {
			sqlite3_finalize(st);
			return NULL;
		}
		sqlite3_finalize(s->iq[k].st);
	}
	s->iq[k].shape = shape;
	s->iq[k].st = st;
	return st;
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

int sqlite_items_rows(void *b, const struct items_args *a, store_item_fn fn, void *ud)
{
	struct sqlite_store *s = b;
	char *fts = NULL;
	if (a->q && *a->q) {
		/* The index trails the items (sqlite_fts.c): a search first
		 * indexes what is pending, so that it sees every item. */
		int r = store_fts_catch_up(s, NULL);
		if (r < 0)
			return r;
		fts = fts_query(a->q);
		if (!fts)
			return -ENOMEM;
		if (!*fts) {
			free(fts);
			fts = NULL;
		}
	}
	unsigned shape = items_shape(a, fts != NULL);
	/* A reader names the rows' feeds from its cache, unless the feeds
	 * are filtered by name (the join is there anyway) or not wanted. */
	bool cached = s->mapped && !(shape & (IQ_FEEDS | IQ_NO_NAME));
	if (cached)
		shape |= IQ_NO_NAME;
	sqlite3_stmt *st = items_stmt(s, shape);
	if (!st) {
		free(fts);
		return -EIO;
	}
	char *feeds = a->nfeeds ? feeds_array(a->feeds, a->nfeeds) : NULL;
	sqlite3_bind_int64(st, 1, a->after);
	if (shape & IQ_BEFORE)
		sqlite3_bind_int64(st, 2, a->before);
	if (shape & IQ_FEEDS)
		store_bind_text(st, 3, feeds);
	if (shape & IQ_TAG)
		store_bind_text(st, 4, a->tag);
	if (shape & IQ_LABELS)
		store_bind_text(st, 12, a->label);
	if (shape & IQ_FTS)
		store_bind_text(st, 5, fts);
	if (shape & IQ_SINCE)
		sqlite3_bind_int64(st, 6, a->since);
	sqlite3_bind_int(st, 7, a->limit);
	sqlite3_bind_int64(st, 8, a->offset);
	if (shape & IQ_BOUNDS) {
		int64_t bounds[3];
		items_bounds(a, bounds);
		for (int i = 0; i < 3; i++)
			sqlite3_bind_int64(st, 9 + i, bounds[i]);
	}
	int rc, r = 0;
	bool first = true;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct item_row row;
		item_row_read(st, 0, &row);
		if (cached) {
			if (first)
				sqlite_names_check(s);
			first = false;
			if ((r = sqlite_names_get(s, row.feed_id, &row.feed)) < 0)
				break;
		}
		if ((r = fn(&row, ud)) < 0)
			break;
	}
	store_done(st);
	free(fts);
	free(feeds);
	if (r < 0)
		return r;
	return rc == SQLITE_DONE ? 0 : store_fail(s, rc, "items");
}

int sqlite_events_rows(void *b, int64_t after, int limit, store_row_fn fn, void *ud)
{
	struct sqlite_store *s = b;
	sqlite3_stmt *st = store_stmt(s, ST_EVENTS);
	sqlite3_bind_int64(st, 1, after);
	sqlite3_bind_int(st, 2, limit);
	int n;
	int r = sqlite_rows(s, st, fn, ud, &n, "events");
	store_done(st);
	return r;
}

/* --- consumers --- */

int sqlite_store_consumer_get(struct sqlite_store *s, const char *name, bool create, bool from_now,
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
		int r = sqlite_store_last_ids(s, &start, NULL);
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

int sqlite_store_consumer_ack(struct sqlite_store *s, const char *name, int64_t upto)
{
	int64_t cursor;
	int r = sqlite_store_consumer_get(s, name, true, false, &cursor);
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

int sqlite_store_consumers_json(struct sqlite_store *s, json_t **out)
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

int sqlite_store_hook_due(struct sqlite_store *s, int64_t now, int max, struct hook_job **jobs, size_t *n)
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

int sqlite_hook_outcome(void *b, int64_t item_id, bool ok, int64_t next_try,
			const char *error, bool *found, char **feed)
{
	struct sqlite_store *s = b;
	enum stmt id = ok ? ST_HOOK_DONE : next_try ? ST_HOOK_RETRY : ST_HOOK_GIVE_UP;
	sqlite3_stmt *st = store_stmt(s, id);
	sqlite3_bind_int64(st, 1, item_id);
	if (!ok) {
		sqlite3_bind_int64(st, 2, next_try);
		store_bind_text(st, 3, error);
	}
	int rc = sqlite3_step(st);
	*feed = (id == ST_HOOK_GIVE_UP && rc == SQLITE_ROW) ? store_col_dup(st, 0) : NULL;
	*found = sqlite3_changes(s->db) > 0 || rc == SQLITE_ROW;
	if (rc == SQLITE_ROW)
		rc = sqlite3_step(st);
	store_done(st);
	return rc == SQLITE_DONE ? 0 : store_fail(s, rc, "hook result");
}

int sqlite_store_hook_parked_json(struct sqlite_store *s, const char *feed, json_t **out)
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

int sqlite_store_hook_retry(struct sqlite_store *s, const char *feed, int64_t now, int64_t *n)
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

int sqlite_items_prune(void *b, const char *feed, int64_t now, int64_t retention,
		       int64_t max_items, int batch, int *deleted)
{
	struct sqlite_store *s = b;
	enum stmt ids[2] = {ST_PRUNE_TOMB, ST_PRUNE_DELETE};
	for (int i = 0; i < 2; i++) {
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
			return store_fail(s, rc, "prune");
		if (i == 1)
			*deleted = sqlite3_changes(s->db);
	}
	return 0;
}
