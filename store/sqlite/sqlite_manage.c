/* sqlite_manage.c — the SQLite backend's edits a person asks for through
 * the API, apart from fetching: deleting a consumer and renaming a feed
 * (store.h, store_consumer_delete and store_feed_rename). Rare, so their
 * statements are prepared when used, not kept. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store/sqlite/sqlite_int.h"
#include "store/manage.h"

/* Runs SQL with the text parameters ?1 = A and ?2 = B (B may be NULL);
 * *CHANGES (may be NULL): the rows it changed. */
static int run2(struct sqlite_store *s, const char *sql, const char *a, const char *b,
		int *changes, const char *what)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL);
	if (rc != SQLITE_OK)
		return store_fail(s, rc, what);
	sqlite3_bind_text(st, 1, a, -1, SQLITE_STATIC);
	if (b)
		sqlite3_bind_text(st, 2, b, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return store_fail(s, rc, what);
	if (changes)
		*changes = sqlite3_changes(s->db);
	return 0;
}

int sqlite_op_consumer_delete(void *b, const char *name)
{
	struct sqlite_store *s = b;
	int n = 0;
	int r = run2(s, "DELETE FROM consumers WHERE name = ?1", name, NULL, &n,
		     "consumer delete");
	if (r < 0)
		return r;
	return n ? 0 : -ENOENT;
}

/* A row named NAME: 1, none: 0, or a negative errno. */
static int feed_exists(struct sqlite_store *s, const char *name)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(s->db, "SELECT 1 FROM feeds WHERE name = ?1", -1, &st, NULL);
	if (rc != SQLITE_OK)
		return store_fail(s, rc, "feed rename");
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc == SQLITE_ROW)
		return 1;
	return rc == SQLITE_DONE ? 0 : store_fail(s, rc, "feed rename");
}

int sqlite_op_feed_rename(void *b, const char *from, const char *to)
{
	struct sqlite_store *s = b;
	int r = store_begin(s);
	if (r < 0)
		return r;
	int n = 0;
	if ((r = feed_exists(s, to)) != 0) {
		r = r > 0 ? -EEXIST : r;
		goto fail;
	}
	if ((r = run2(s, "UPDATE feeds SET name = ?2 WHERE name = ?1", from, to, &n,
		      "feed rename")) < 0)
		goto fail;
	if (!n) {
		r = -ENOENT;
		goto fail;
	}
	if ((r = run2(s, "UPDATE events SET feed = ?2 WHERE feed = ?1", from, to, NULL,
		      "feed rename")) < 0)
		goto fail;
	if ((r = store_event(s, "feed.renamed", (int64_t)time(NULL), to, 0,
			     json_pack("{s:s}", "from", from))) < 0)
		goto fail;
	if ((r = store_commit(s)) < 0)
		goto fail;
	return 0;
fail:
	store_rollback(s);
	return r;
}
