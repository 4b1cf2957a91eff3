/* sqlite_manage.c — the SQLite backend's edits a person asks for through
 * the API, apart from fetching: deleting a consumer (store.h,
 * store_consumer_delete; a feed's rename is store/feeds.c's rule over
 * sqlite_feeds.c's statements). Rare, so their statements are prepared
 * when used, not kept. */
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
