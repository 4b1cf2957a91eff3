/* sqlite_readstate.c — the SQLite statements of a reader's state
 * (store/readstate.c has the rules; backend.h, items_mark,
 * feed_mark_read and reader_feed_rows). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

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

int sqlite_op_items_mark(void *b, const int64_t *ids, size_t n, int read, int starred,
			 bool live, int64_t *missing)
{
	struct sqlite_store *s = b;
	*missing = 0;
	sqlite3_stmt *st = prep(s, live ? "UPDATE items SET read = coalesce(?2, read),"
					  " starred = coalesce(?3, starred) WHERE id = ?1 AND feed NOT IN"
					  " (SELECT id FROM feeds WHERE removed = 1)"
					: "UPDATE items SET read = coalesce(?2, read),"
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

int sqlite_op_feed_mark_read(void *b, const char *feed, int64_t upto, int64_t *n)
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

int sqlite_op_reader_feed_rows(void *b, bool counts, const int64_t *ids, size_t nids,
			       store_row_fn fn, void *ud)
{
	struct sqlite_store *s = b;
	/* The ids as a JSON array for json_each. */
	char *list = NULL;
	if (ids) {
		size_t cap = nids * 21 + 3, o = 0;
		if (!(list = malloc(cap)))
			return -ENOMEM;
		list[o++] = '[';
		for (size_t i = 0; i < nids; i++)
			o += (size_t)snprintf(list + o, cap - o, "%s%" PRId64, i ? "," : "", ids[i]);
		snprintf(list + o, cap - o, "]");
	}
	sqlite3_stmt *st = store_stmt(s, ST_READER_FEEDS + 2 * counts + (ids != NULL));
	if (list)
		store_bind_text(st, 1, list);
	int n;
	int r = sqlite_rows(s, st, fn, ud, &n, "reader feeds");
	store_done(st);
	free(list);
	return r;
}

int sqlite_op_reader_feed_url_rows(void *b, const char *url, store_row_fn fn, void *ud)
{
	struct sqlite_store *s = b;
	sqlite3_stmt *st = store_stmt(s, ST_READER_FEED_URL);
	store_bind_text(st, 1, url);
	int n;
	int r = sqlite_rows(s, st, fn, ud, &n, "reader feeds by url");
	store_done(st);
	return r;
}
