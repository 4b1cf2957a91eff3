/* sqlite_readstate.c — the SQLite statements of a reader's state
 * (store/readstate.c has the rules; backend.h, items_mark and
 * feed_mark_read). */
#include <errno.h>

#include "store/sqlite/sqlite_int.h"   /* first: its names for store.h's functions */
#include "store/backend.h"

/* A statement for this one call (marks are rare next to reads). */
static sqlite3_stmt *prep(struct sqlite_store *s, const char *sql)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL);
	if (rc != SQLITE_OK) {
		store_fail(s, rc, "reader state");
		return NULL;
	}
	return st;
}

int sqlite_items_mark(void *b, const int64_t *ids, size_t n, int read, int starred,
		      int64_t *missing)
{
	struct sqlite_store *s = b;
	*missing = 0;
	sqlite3_stmt *st = prep(s, "UPDATE items SET read = coalesce(?2, read),"
				   " starred = coalesce(?3, starred) WHERE id = ?1");
	if (!st)
		return -EIO;
	int r = store_begin(s);
	for (size_t i = 0; i < n && r == 0; i++) {
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, ids[i]);
		if (read >= 0)
			sqlite3_bind_int(st, 2, read);
		else
			sqlite3_bind_null(st, 2);
		if (starred >= 0)
			sqlite3_bind_int(st, 3, starred);
		else
			sqlite3_bind_null(st, 3);
		int rc = sqlite3_step(st);
		if (rc != SQLITE_DONE)
			r = store_fail(s, rc, "mark items");
		else if (sqlite3_changes(s->db) == 0) {
			*missing = ids[i];
			r = -ENOENT;
		}
	}
	sqlite3_finalize(st);
	if (r == 0)
		r = store_commit(s);
	if (r < 0)
		store_rollback(s);
	return r;
}

int sqlite_feed_mark_read(void *b, const char *feed, int64_t upto, int64_t *n)
{
	struct sqlite_store *s = b;
	*n = 0;
	sqlite3_stmt *st = prep(s, "SELECT id FROM feeds WHERE name = ?1");
	if (!st)
		return -EIO;
	sqlite3_bind_text(st, 1, feed, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	int64_t id = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_finalize(st);
	if (rc == SQLITE_DONE)
		return -ENOENT;
	if (rc != SQLITE_ROW)
		return store_fail(s, rc, "mark feed read");
	if (!(st = prep(s, "UPDATE items SET read = 1 WHERE feed = ?1 AND read = 0 AND id <= ?2")))
		return -EIO;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, upto);
	rc = sqlite3_step(st);
	*n = sqlite3_changes(s->db);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : store_fail(s, rc, "mark feed read");
}

#define READER_FEEDS(counts) \
	"SELECT f.id, f.name, f.title, coalesce(f.effective_url, f.url), f.site_url," \
	" f.last_fetch, f.last_error," \
	" (SELECT json_group_array(tag) FROM (SELECT tag FROM feed_tags WHERE feed = f.id" \
	" ORDER BY tag))," counts " FROM feeds f WHERE f.removed = 0 ORDER BY f.id"

int sqlite_reader_feeds(void *b, bool counts, json_t **out)
{
	struct sqlite_store *s = b;
	*out = NULL;
	sqlite3_stmt *st = prep(s, counts ? READER_FEEDS(
		" (SELECT count(*) FROM items WHERE feed = f.id AND read = 0 AND skipped = 0),"
		" (SELECT count(*) FROM items WHERE feed = f.id AND read = 1 AND skipped = 0)")
		: READER_FEEDS(" 0, 0"));
	if (!st)
		return -EIO;
	json_t *arr = json_array();
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *tags = (const char *)sqlite3_column_text(st, 7);
		json_t *jt = tags ? json_loads(tags, 0, NULL) : NULL;
		json_array_append_new(arr, json_pack("{s:I,s:o,s:o,s:o,s:o,s:I,s:o,s:o,s:I,s:I}",
			"id", (json_int_t)sqlite3_column_int64(st, 0),
			"name", json_string_lossy((const char *)sqlite3_column_text(st, 1)),
			"title", json_string_lossy((const char *)sqlite3_column_text(st, 2)),
			"url", json_string_lossy((const char *)sqlite3_column_text(st, 3)),
			"site_url", json_string_lossy((const char *)sqlite3_column_text(st, 4)),
			"last_fetch", (json_int_t)sqlite3_column_int64(st, 5),
			"last_error", json_string_lossy((const char *)sqlite3_column_text(st, 6)),
			"tags", jt ? jt : json_array(),
			"unread", (json_int_t)sqlite3_column_int64(st, 8),
			"read", (json_int_t)sqlite3_column_int64(st, 9)));
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		json_decref(arr);
		return store_fail(s, rc, "reader feeds");
	}
	*out = arr;
	return 0;
}
