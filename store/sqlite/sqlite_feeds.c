/* sqlite_feeds.c — the SQLite statements of the feed rows (store/feeds.c
 * has the rules, store/feed_state.c the counts): finding, adding, marking
 * and listing feeds, and reading their rows. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "store/sqlite/sqlite_int.h"

static int feed_rename(void *b, const char *from, const char *to)
{
	struct sqlite_store *s = b;
	static const char *const sql[2] = {
		"UPDATE feeds SET name = ?2 WHERE name = ?1",
		"UPDATE events SET feed = ?2 WHERE feed = ?1",
	};
	for (int i = 0; i < 2; i++) {
		sqlite3_stmt *st = NULL;
		int rc = sqlite3_prepare_v2(s->db, sql[i], -1, &st, NULL);
		if (rc == SQLITE_OK) {
			sqlite3_bind_text(st, 1, from, -1, SQLITE_STATIC);
			sqlite3_bind_text(st, 2, to, -1, SQLITE_STATIC);
			rc = sqlite3_step(st);
		}
		sqlite3_finalize(st);
		if (rc != SQLITE_DONE)
			return store_fail(s, rc, "feed rename");
		if (i == 0 && sqlite3_changes(s->db) == 0)
			return -ENOENT;
	}
	return 0;
}

static int feed_set_tags(void *b, int64_t feed, char *const *tags)
{
	struct sqlite_store *s = b;
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

static int feed_set_removed(void *b, int64_t feed, bool removed)
{
	struct sqlite_store *s = b;
	sqlite3_stmt *st = store_stmt(s, ST_FEED_REMOVED);
	sqlite3_bind_int64(st, 1, feed);
	sqlite3_bind_int(st, 2, removed);
	int rc = sqlite3_step(st);
	store_done(st);
	return rc == SQLITE_DONE ? 0 : store_fail(s, rc, "feed removed");
}

static int feed_find(void *b, const char *name, int64_t *id, char **url, bool *removed)
{
	struct sqlite_store *s = b;
	sqlite3_stmt *st = store_stmt(s, ST_FEED_ID);
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*id = sqlite3_column_int64(st, 0);
		*url = store_col_dup(st, 4);
		*removed = sqlite3_column_int(st, 5) != 0;
	}
	store_done(st);
	if (rc == SQLITE_ROW)
		return 0;
	return rc == SQLITE_DONE ? -ENOENT : store_fail(s, rc, "feeds");
}

static int feed_add(void *b, const char *name, const char *url, int64_t now, int64_t *id)
{
	return store_feed_id(b, name, url, true, now, id);
}

static int feed_set_url(void *b, int64_t id, const char *url)
{
	struct sqlite_store *s = b;
	sqlite3_stmt *st = store_stmt(s, ST_FEED_SYNC_URL);
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, url, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	store_done(st);
	return rc == SQLITE_DONE ? 0 : store_fail(s, rc, "feed url");
}

static int feeds_each(void *b, feed_each_fn fn, void *ud)
{
	struct sqlite_store *s = b;
	sqlite3_stmt *st = store_stmt(s, ST_FEED_ALL);
	int rc, r = 0;
	while (r == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW)
		r = fn(sqlite3_column_int64(st, 0), (const char *)sqlite3_column_text(st, 1),
		       (const char *)sqlite3_column_text(st, 2), sqlite3_column_int(st, 3) != 0, ud);
	store_done(st);
	if (r < 0)
		return r;
	return rc == SQLITE_DONE ? 0 : store_fail(s, rc, "feeds");
}

static int tags_each(void *b, tag_each_fn fn, void *ud)
{
	struct sqlite_store *s = b;
	sqlite3_stmt *st = store_stmt(s, ST_TAGS_ALL);
	int rc, r = 0;
	while (r == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW)
		r = fn(sqlite3_column_int64(st, 0), (const char *)sqlite3_column_text(st, 1), ud);
	store_done(st);
	if (r < 0)
		return r;
	return rc == SQLITE_DONE ? 0 : store_fail(s, rc, "tags");
}

static const char *row_text(const struct store_row *r, int col)
{
	return (const char *)sqlite3_column_text((sqlite3_stmt *)r->res, col);
}

static int64_t row_num(const struct store_row *r, int col)
{
	return sqlite3_column_int64((sqlite3_stmt *)r->res, col);
}

static bool row_flag(const struct store_row *r, int col)
{
	return sqlite3_column_int((sqlite3_stmt *)r->res, col) != 0;
}

int sqlite_rows(struct sqlite_store *s, sqlite3_stmt *st, store_row_fn fn, void *ud, int *n,
		const char *what)
{
	struct store_row row = {row_text, row_num, row_flag, st, 0};
	int rc, r = 0;
	*n = 0;
	while (r == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		r = fn(&row, ud);
		(*n)++;
	}
	if (r < 0)
		return r;
	return rc == SQLITE_DONE ? 0 : store_fail(s, rc, what);
}

static int feed_row(void *b, const char *name, store_row_fn fn, void *ud)
{
	struct sqlite_store *s = b;
	sqlite3_stmt *st = store_stmt(s, name ? ST_FEED_LOAD : ST_FEED_LOAD_ALL);
	if (name)
		sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	int n;
	int r = sqlite_rows(s, st, fn, ud, &n, "feed load");
	store_done(st);
	return r == 0 && !n && name ? -ENOENT : r;
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

static int feeds_rows(void *b, const char *name, store_row_fn fn, void *ud)
{
	struct sqlite_store *s = b;
	sqlite3_stmt *st = NULL;
	/* Not a kept statement: listing feeds is rare and not on the hot path. */
	int rc = sqlite3_prepare_v2(s->db, feeds_json_sql, -1, &st, NULL);
	if (rc != SQLITE_OK)
		return store_fail(s, rc, "feeds json");
	store_bind_text(st, 1, name);
	int n;
	int r = sqlite_rows(s, st, fn, ud, &n, "feeds json");
	sqlite3_finalize(st);
	return r;
}

/* ?1 is a JSON array of the disabled feeds' names. */
static const char feeds_facts_sql[] =
	"SELECT removed, gone, name IN (SELECT value FROM json_each(?1)),"
	" substr(last_error, 1, 9), failures > 0, coalesce(last_success, 0) <> 0, count(*)"
	" FROM feeds GROUP BY 1, 2, 3, 4, 5, 6";

static int feeds_facts_each(void *b, const char *const *disabled, size_t ndisabled,
			    feed_facts_fn fn, void *ud)
{
	struct sqlite_store *s = b;
	json_t *names = json_array();
	for (size_t i = 0; i < ndisabled; i++)
		json_array_append_new(names, json_string_lossy(disabled[i]));
	char *text = json_dumps(names, JSON_COMPACT);
	json_decref(names);
	if (!text)
		return -ENOMEM;
	sqlite3_stmt *st = NULL;
	/* Not a kept statement: asked once per GET /v1/status. */
	int rc = sqlite3_prepare_v2(s->db, feeds_facts_sql, -1, &st, NULL);
	if (rc != SQLITE_OK) {
		free(text);
		return store_fail(s, rc, "feed counts");
	}
	sqlite3_bind_text(st, 1, text, -1, SQLITE_STATIC);
	int r = 0;
	while (r == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct feedstate_facts f = {
			.removed = sqlite3_column_int(st, 0) != 0,
			.gone = sqlite3_column_int(st, 1) != 0,
			.disabled = sqlite3_column_int(st, 2) != 0,
			.last_error = (const char *)sqlite3_column_text(st, 3),
			.failures = sqlite3_column_int(st, 4),
			.succeeded = sqlite3_column_int(st, 5) != 0,
		};
		r = fn(&f, sqlite3_column_int64(st, 6), ud);
	}
	sqlite3_finalize(st);
	free(text);
	if (r < 0)
		return r;
	return rc == SQLITE_DONE ? 0 : store_fail(s, rc, "feed counts");
}

const struct feed_prims sqlite_feed_prims = FEED_PRIMS;
