/* pg_readtokens.c — the PostgreSQL statements of the Google Reader API's
 * tokens (store/readtokens.c has the rules). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/backend.h"
#include "store/pg/pg_int.h"

int pg_op_token_add(void *b, const char *hash, const char *user, int64_t now, int64_t *id)
{
	struct pg *s = b;
	int r = pg_ready(s);
	if (r < 0)
		return r;
	char t[24];
	snprintf(t, sizeof t, "%lld", (long long)now);
	const char *v[3] = {hash, user, t};
	PGresult *res = PQexecParams(s->conn,
		"INSERT INTO reader_tokens(hash, \"user\", created) VALUES ($1, $2, $3::bigint)"
		" RETURNING id", 3, NULL, v, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
		r = pg_fail(s, res, "add a reader token");
	else
		*id = pg_int(res, 0, 0);
	PQclear(res);
	return r;
}

int pg_op_token_find(void *b, const char *hash, int64_t now, char **user)
{
	struct pg *s = b;
	int r = pg_ready(s);
	if (r < 0)
		return r;
	char t[24];
	snprintf(t, sizeof t, "%lld", (long long)now);
	const char *v[2] = {hash, t};
	/* The last use kept to the minute (as SQLite's); a reader's
	 * connection is read-only and only looks (as SQLite's readers). */
	PGresult *res = PQexecParams(s->conn, s->readonly
		? "SELECT \"user\" FROM reader_tokens WHERE hash = $1 AND $2::bigint > 0"
		: "WITH u AS (UPDATE reader_tokens SET last_used = $2::bigint"
		  " WHERE hash = $1 AND last_used < $2::bigint - 60)"
		  " SELECT \"user\" FROM reader_tokens WHERE hash = $1", 2, NULL, v, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		r = pg_fail(s, res, "find a reader token");
	} else if (PQntuples(res) == 0) {
		r = -ENOENT;
	} else {
		*user = strdup(PQgetvalue(res, 0, 0));
		r = *user ? 0 : -ENOMEM;
	}
	PQclear(res);
	return r;
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
