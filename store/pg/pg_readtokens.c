/* pg_readtokens.c — the PostgreSQL statements of the Google Reader API's
 * tokens (store/readtokens.c has the rules). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/backend.h"
#include "store/pg/pg_int.h"

/* One statement on the tokens with N (1 to 4) parameters V: 0, or the
 * backend's error for WHAT. RES: its result when wanted (caller clears). */
static int token_exec(struct pg *s, const char *sql, int n, const char *const *v,
		      const char *what, PGresult **res)
{
	PGresult *r = PQexecParams(s->conn, sql, n, NULL, v, NULL, NULL, 0);
	ExecStatusType st = PQresultStatus(r);
	int rc = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK ? 0 : pg_fail(s, r, what);
	if (res && !rc)
		*res = r;
	else
		PQclear(r);
	return rc;
}

int pg_op_token_add(void *b, const char *hash, const char *stamp, const char *user,
		    int64_t now, int keep, int64_t idle_before, int64_t *id)
{
	struct pg *s = b;
	int r = pg_ready(s);
	if (r < 0)
		return r;
	char t[24], k[24], idle[24];
	snprintf(t, sizeof t, "%lld", (long long)now);
	snprintf(k, sizeof k, "%d", keep);
	snprintf(idle, sizeof idle, "%lld", (long long)idle_before);
	PGresult *res = NULL;
	r = pg_begin(s);
	if (!r)
		r = token_exec(s, "INSERT INTO reader_tokens(hash, \"user\", created, stamp)"
				  " VALUES ($1, $2, $3::bigint, $4) RETURNING id",
			       4, (const char *[]){hash, user, t, stamp}, "add a reader token",
			       &res);
	if (!r) {
		*id = pg_int(res, 0, 0);
		PQclear(res);
		/* The user's least recently used beyond KEEP, then the idle ones. */
		r = token_exec(s, "DELETE FROM reader_tokens WHERE \"user\" = $1 AND id NOT IN"
				  " (SELECT id FROM reader_tokens WHERE \"user\" = $1"
				  "  ORDER BY greatest(created, last_used) DESC, id DESC"
				  "  LIMIT $2::bigint)",
			       2, (const char *[]){user, k}, "drop a user's oldest reader tokens",
			       NULL);
	}
	if (!r)
		r = token_exec(s, "DELETE FROM reader_tokens"
				  " WHERE greatest(created, last_used) < $1::bigint",
			       1, (const char *[]){idle}, "drop idle reader tokens", NULL);
	if (!r)
		r = pg_commit(s);
	else
		pg_rollback(s);
	if (r < 0)
		*id = 0;
	return r;
}

int pg_op_token_find(void *b, const char *hash, char **user, int64_t *created,
		     int64_t *last_used, char stamp[65])
{
	struct pg *s = b;
	int r = pg_ready(s);
	if (r < 0)
		return r;
	PGresult *res = NULL;
	r = token_exec(s, "SELECT \"user\", created, last_used, stamp FROM reader_tokens"
			  " WHERE hash = $1", 1, (const char *[]){hash}, "find a reader token",
		       &res);
	if (r < 0)
		return r;
	if (PQntuples(res) == 0) {
		r = -ENOENT;
	} else {
		*user = strdup(PQgetvalue(res, 0, 0));
		*created = pg_int(res, 0, 1);
		*last_used = pg_int(res, 0, 2);
		snprintf(stamp, 65, "%s", PQgetvalue(res, 0, 3));
		r = *user ? 0 : -ENOMEM;
	}
	PQclear(res);
	return r;
}

int pg_op_token_touch(void *b, const char *hash, int64_t now, int64_t before)
{
	struct pg *s = b;
	/* A reader's connection is read-only and only looks (as SQLite's). */
	if (s->readonly)
		return -EROFS;
	int r = pg_ready(s);
	if (r < 0)
		return r;
	char t[24], bf[24];
	snprintf(t, sizeof t, "%lld", (long long)now);
	snprintf(bf, sizeof bf, "%lld", (long long)before);
	return token_exec(s, "UPDATE reader_tokens SET last_used = $2::bigint"
			     " WHERE hash = $1 AND last_used < $3::bigint",
			  3, (const char *[]){hash, t, bf}, "use a reader token", NULL);
}

int pg_op_tokens_json(void *b, json_t **out)
{
	struct pg *s = b;
	int r = pg_ready(s);
	if (r < 0)
		return r;
	PGresult *res = PQexec(s->conn, "SELECT id, \"user\", created, last_used"
				      " FROM reader_tokens ORDER BY id");
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		r = pg_fail(s, res, "list reader tokens");
		PQclear(res);
		return r;
	}
	json_t *arr = json_array();
	for (int i = 0; i < PQntuples(res); i++)
		json_array_append_new(arr, json_pack("{s:I,s:o,s:I,s:I}",
			"id", (json_int_t)pg_int(res, i, 0),
			"user", json_string_lossy(pg_str(res, i, 1)),
			"created", (json_int_t)pg_int(res, i, 2),
			"last_used", (json_int_t)pg_int(res, i, 3)));
	PQclear(res);
	*out = arr;
	return 0;
}

int pg_op_token_revoke(void *b, int64_t id)
{
	struct pg *s = b;
	int r = pg_ready(s);
	if (r < 0)
		return r;
	char t[24];
	snprintf(t, sizeof t, "%lld", (long long)id);
	const char *v[1] = {t};
	PGresult *res = PQexecParams(s->conn, "DELETE FROM reader_tokens WHERE id = $1::bigint",
				     1, NULL, v, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_COMMAND_OK)
		r = pg_fail(s, res, "revoke a reader token");
	else if (!strcmp(PQcmdTuples(res), "0"))
		r = -ENOENT;
	PQclear(res);
	return r;
}
