/* sqlite_fts.c — the full-text index trails the items: new items are indexed
 * after their document's transaction, in large batches, up to a watermark.
 *
 * Indexing inside every document's transaction made FTS5 write and merge a
 * small segment per document, over half of an insert's cost. Here one
 * transaction indexes up to FTS_BATCH items and moves the
 * watermark store_meta.fts_upto with them, so a kill leaves either both or
 * neither. sqlite_store_checkpoint() (the daemon's upkeep timer) and every text
 * search (store_items with q) catch up first, so a search sees every item
 * committed before it. */
#include <errno.h>
#include <stdlib.h>

#include "store/sqlite/sqlite_int.h"

/* Items per indexing transaction. Larger batches mean fewer segments to
 * merge: a million items took 15.6 CPU s in batches of 5,000 and 11.8 in
 * batches of 50,000, FTS5's memory bounded either way (it flushes its
 * pending terms at a fixed size). A batch holds the write lock ~0.6 s; the
 * daemon is the only writer. FEEDD_STORE_FTS_BATCH overrides it, so that
 * the tests can cross batch seams with few items. */
#define FTS_BATCH 50000

static int64_t fts_batch_size(void)
{
	const char *e = getenv("FEEDD_STORE_FTS_BATCH");
	long long v = e ? atoll(e) : 0;
	return v > 0 ? v : FTS_BATCH;
}

static int one_int(struct sqlite_store *s, enum stmt id, int64_t a, int64_t b, int nbind,
		   int64_t *out, const char *what)
{
	sqlite3_stmt *st = store_stmt(s, id);
	if (nbind > 0)
		sqlite3_bind_int64(st, 1, a);
	if (nbind > 1)
		sqlite3_bind_int64(st, 2, b);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*out = sqlite3_column_type(st, 0) == SQLITE_NULL ? -1 : sqlite3_column_int64(st, 0);
		rc = SQLITE_DONE;
	}
	store_done(st);
	return rc == SQLITE_DONE ? 0 : store_fail(s, rc, what);
}

/* One batch in its own transaction; *DONE when nothing was left. */
static int fts_batch(struct sqlite_store *s, int64_t *indexed, bool *done)
{
	int r = store_begin(s);
	if (r < 0)
		return r;
	int64_t upto = 0, end = -1, batch = fts_batch_size();
	if ((r = one_int(s, ST_FTS_UPTO, 0, 0, 0, &upto, "index watermark")) < 0 ||
	    (r = one_int(s, ST_FTS_BATCH_END, upto, batch, 2, &end, "index batch")) < 0)
		goto fail;
	if (end < 0) {
		*done = true;
		store_rollback(s);
		return 0;
	}
	sqlite3_stmt *st = store_stmt(s, ST_FTS_ADD);
	sqlite3_bind_int64(st, 1, upto);
	sqlite3_bind_int64(st, 2, end);
	int rc = sqlite3_step(st);
	int n = sqlite3_changes(s->db);
	store_done(st);
	if (rc != SQLITE_DONE) {
		r = store_fail(s, rc, "index items");
		goto fail;
	}
	st = store_stmt(s, ST_FTS_SET);
	sqlite3_bind_int64(st, 1, end);
	rc = sqlite3_step(st);
	store_done(st);
	if (rc != SQLITE_DONE) {
		r = store_fail(s, rc, "index watermark");
		goto fail;
	}
	if ((r = store_commit(s)) < 0)
		goto fail;
	*indexed += n;
	*done = n < batch;
	return 0;
fail:
	store_rollback(s);
	return r;
}

int store_fts_catch_up(struct sqlite_store *s, int64_t *indexed)
{
	int64_t n = 0, pending = 0;
	if (indexed)
		*indexed = 0;
	/* A reader cannot write the index: it searches what the writer has
	 * indexed (the daemon runs searches on its store thread instead). */
	if (sqlite3_db_readonly(s->db, "main") == 1)
		return 0;
	int r = one_int(s, ST_FTS_PENDING, 0, 0, 0, &pending, "index pending");
	for (bool done = r < 0 || pending <= 0; !done && r == 0;)
		r = fts_batch(s, &n, &done);
	if (indexed)
		*indexed = n;
	return r;
}
