/* sqlite_readtokens.c — the SQLite statements of the Google Reader API's
 * tokens (store/readtokens.c has the rules). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "store/sqlite/sqlite_int.h"   /* first: its names for store.h's functions */
#include "store/backend.h"

static sqlite3_stmt *prep(struct sqlite_store *s, const char *sql)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL);
	if (rc != SQLITE_OK) {
		store_fail(s, rc, "reader tokens");
		return NULL;
	}
	return st;
}

/* One statement on the tokens: SQL with ?1 the hash or the user (TEXT;
 * NULL: none), ?2 A and, when it has it, ?3 B. */
static int token_step(struct sqlite_store *s, const char *sql, const char *text, int64_t a,
		      int64_t b, const char *what)
{
	sqlite3_stmt *st = prep(s, sql);
	if (!st)
		return -EIO;
	if (text)
		sqlite3_bind_text(st, 1, text, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, a);
	if (sqlite3_bind_parameter_count(st) >= 3)
		sqlite3_bind_int64(st, 3, b);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : store_fail(s, rc, what);
}

int sqlite_op_token_add(void *b, const char *hash, const char *stamp, const char *user,
			int64_t now, int keep, int64_t idle_before, int64_t *id)
{
	struct sqlite_store *s = b;
	int r = store_begin(s);
	sqlite3_stmt *st = r ? NULL : prep(s, "INSERT INTO reader_tokens(hash, user, created,"
						 " stamp) VALUES (?1, ?2, ?3, ?4)");
	if (!r && !st)
		r = -EIO;
	if (!r) {
		sqlite3_bind_text(st, 1, hash, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, user, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 3, now);
		sqlite3_bind_text(st, 4, stamp, -1, SQLITE_STATIC);
		int rc = sqlite3_step(st);
		sqlite3_finalize(st);
		if (rc != SQLITE_DONE)
			r = store_fail(s, rc, "add a reader token");
		else
			*id = sqlite3_last_insert_rowid(s->db);
	}
	/* The user's least recently used beyond KEEP, then the idle ones. */
	if (!r)
		r = token_step(s, "DELETE FROM reader_tokens WHERE user = ?1 AND id NOT IN"
				  " (SELECT id FROM reader_tokens WHERE user = ?1"
				  "  ORDER BY max(created, last_used) DESC, id DESC LIMIT ?2)",
			       user, keep, 0, "drop a user's oldest reader tokens");
	if (!r)
		r = token_step(s, "DELETE FROM reader_tokens WHERE max(created, last_used) < ?2",
			       NULL, idle_before, 0, "drop idle reader tokens");
	if (!r)
		r = store_commit(s);
	if (r < 0) {
		store_rollback(s);
		*id = 0;
	}
	return r;
}

int sqlite_op_token_find(void *b, const char *hash, char **user, int64_t *created,
			 int64_t *last_used, char stamp[65])
{
	struct sqlite_store *s = b;
	sqlite3_stmt *st = prep(s, "SELECT user, created, last_used, stamp FROM reader_tokens"
				   " WHERE hash = ?1");
	if (!st)
		return -EIO;
	sqlite3_bind_text(st, 1, hash, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	int r = 0;
	if (rc == SQLITE_ROW) {
		*user = strdup((const char *)sqlite3_column_text(st, 0));
		*created = sqlite3_column_int64(st, 1);
		*last_used = sqlite3_column_int64(st, 2);
		const char *sp = (const char *)sqlite3_column_text(st, 3);
		snprintf(stamp, 65, "%s", sp ? sp : "");
		r = *user ? 0 : -ENOMEM;
	} else {
		r = rc == SQLITE_DONE ? -ENOENT : store_fail(s, rc, "find a reader token");
	}
	sqlite3_finalize(st);
	return r;
}

int sqlite_op_token_touch(void *b, const char *hash, int64_t now, int64_t before)
{
	struct sqlite_store *s = b;
	/* A reader's handle only looks: the store thread records. */
	if (sqlite3_db_readonly(s->db, "main") == 1)
		return -EROFS;
	return token_step(s, "UPDATE reader_tokens SET last_used = ?2"
			     " WHERE hash = ?1 AND last_used < ?3",
			  hash, now, before, "use a reader token");
}

int sqlite_op_tokens_json(void *b, json_t **out)
{
	struct sqlite_store *s = b;
	sqlite3_stmt *st = prep(s, "SELECT id, user, created, last_used FROM reader_tokens"
				   " ORDER BY id");
	if (!st)
		return -EIO;
	json_t *arr = json_array();
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		json_array_append_new(arr, json_pack("{s:I,s:o,s:I,s:I}",
			"id", (json_int_t)sqlite3_column_int64(st, 0),
			"user", json_string_lossy((const char *)sqlite3_column_text(st, 1)),
			"created", (json_int_t)sqlite3_column_int64(st, 2),
			"last_used", (json_int_t)sqlite3_column_int64(st, 3)));
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		json_decref(arr);
		return store_fail(s, rc, "list reader tokens");
	}
	*out = arr;
	return 0;
}

int sqlite_op_token_revoke(void *b, int64_t id)
{
	struct sqlite_store *s = b;
	sqlite3_stmt *st = prep(s, "DELETE FROM reader_tokens WHERE id = ?1");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, id);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return store_fail(s, rc, "revoke a reader token");
	return sqlite3_changes(s->db) ? 0 : -ENOENT;
}
