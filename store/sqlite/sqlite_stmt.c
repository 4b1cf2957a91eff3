/* sqlite_stmt.c — running the SQLite backend's kept statements: one by its
 * id, reset and unbound after use, a statement with no row run at once,
 * the transaction statements, binds that take NULL and DATE_NONE, column
 * copies, and SQLite's errors logged and mapped to errno.
 * Every other file of the backend (sqlite.c and sqlite_fts.c among them)
 * calls these; they call none of them.
 *
 * Ownership: the statements are the store's (prepared, store_stmt, and
 * finalised by sqlite.c); store_col_dup returns what the caller
 * frees. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/date.h"
#include "core/log.h"
#include "store/sqlite/sqlite_int.h"

int store_fail(struct sqlite_store *s, int rc, const char *what)
{
	/* A full disk fails every write until room is made: said once a
	 * minute, not at every attempt. */
	bool quiet = false;
	if (s && (rc & 0xff) == SQLITE_FULL) {
		int64_t now = (int64_t)time(NULL);
		quiet = s->full && now - s->full_logged < 60;
		if (!quiet)
			s->full_logged = now;
		s->full = true;
	}
	if (!quiet)
		log_err("store %s: %s: %s", s && s->path ? s->path : "", what,
			s && s->db ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc));
	switch (rc & 0xff) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED: return -EBUSY;
	case SQLITE_NOMEM: return -ENOMEM;
	case SQLITE_FULL: return -ENOSPC;
	case SQLITE_READONLY:
	case SQLITE_PERM: return -EACCES;
	case SQLITE_CONSTRAINT:
	case SQLITE_MISMATCH:
	case SQLITE_RANGE: return -EINVAL;
	default: return -EIO;
	}
}

int store_prepare(struct sqlite_store *s, enum stmt id, char **err)
{
	if (s->st[id])
		return 0;
	int rc = sqlite3_prepare_v3(s->db, s->sql[id], -1, SQLITE_PREPARE_PERSISTENT, &s->st[id],
				    NULL);
	if (rc == SQLITE_OK)
		return 0;
	*err = fmt_err("store %s: preparing statement %d: %s", s->path ? s->path : "", (int)id,
		       sqlite3_errmsg(s->db));
	return -EIO;
}

int sqlite_store_prepare_all(struct sqlite_store *s, char **err)
{
	for (int i = 0; i < ST__COUNT; i++)
		if (store_prepare(s, (enum stmt)i, err) < 0)
			return -EIO;
	return 0;
}

sqlite3_stmt *store_stmt(struct sqlite_store *s, enum stmt id)
{
	char *err = NULL;
	if (!s->st[id] && store_prepare(s, id, &err) < 0) {
		log_err("%s", err ? err : "store: cannot prepare a statement");
		free(err);
	}
	return s->st[id];
}

void store_done(sqlite3_stmt *st)
{
	if (!st)
		return;
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
}

int store_exec_stmt(struct sqlite_store *s, enum stmt id, const char *what)
{
	sqlite3_stmt *st = store_stmt(s, id);
	int rc = sqlite3_step(st);
	store_done(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return store_fail(s, rc, what);
	return 0;
}

/* After a write failed for want of room: the WAL's frames copied into the
 * store and the WAL emptied, before another transaction makes it longer.
 * Without it the room a user frees went to the WAL of the attempts that
 * followed, the disk filled again before the minute's upkeep, and the
 * store stayed stuck with its data in a WAL it could no longer copy. */
static void reclaim_wal(struct sqlite_store *s)
{
	int log = 0, done = 0;
	sqlite3_busy_timeout(s->db, 0);
	int rc = sqlite_ckpt_now(s->ckpt, s->db, &log, &done);
	if (rc == SQLITE_OK && done == log)
		rc = s->ckpt ? sqlite_ckpt_truncate(s->ckpt, s->db)
			     : sqlite3_wal_checkpoint_v2(s->db, NULL, SQLITE_CHECKPOINT_TRUNCATE,
							 NULL, NULL);
	sqlite3_busy_timeout(s->db, s->busy_ms);
	if (rc == SQLITE_OK && done == log) {
		s->full = false;
		log_notice("store %s: room again: %d WAL frames copied into the store", s->path,
			   done);
	}
}

int store_begin(struct sqlite_store *s)
{
	if (s->full && sqlite3_get_autocommit(s->db))
		reclaim_wal(s);
	return store_exec_stmt(s, ST_BEGIN, "begin");
}
int store_commit(struct sqlite_store *s) { return store_exec_stmt(s, ST_COMMIT, "commit"); }

void store_rollback(struct sqlite_store *s)
{
	if (!sqlite3_get_autocommit(s->db)) {
		sqlite3_stmt *st = store_stmt(s, ST_ROLLBACK);
		sqlite3_step(st);
		store_done(st);
	}
}

int store_bind_text(sqlite3_stmt *st, int i, const char *v)
{
	return v ? sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC) : sqlite3_bind_null(st, i);
}

int store_bind_date(sqlite3_stmt *st, int i, int64_t t)
{
	return t == DATE_NONE ? sqlite3_bind_null(st, i) : sqlite3_bind_int64(st, i, t);
}

char *store_col_dup(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);
	return t ? strdup((const char *)t) : NULL;
}
