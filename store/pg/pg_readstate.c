/* pg_readstate.c — the PostgreSQL statements of a reader's state
 * (store/readstate.c has the rules; backend.h, items_mark,
 * feed_mark_read and reader_feed_rows). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "store/backend.h"
#include "store/pg/pg_int.h"

int pg_op_items_mark(void *b, const int64_t *ids, size_t n, int read, int starred, bool live,
		     int64_t *missing)
{
	struct pg *s = b;
	*missing = 0;
	char *arr = pg_id_array(ids, n);
	if (!arr)
		return -ENOMEM;
	const char *v[3] = {arr, read < 0 ? NULL : read ? "t" : "f",
			    starred < 0 ? NULL : starred ? "t" : "f"};
	int r = pg_begin(s);
	if (r < 0) {
		free(arr);
		return r;
	}
	/* The ids not stored, if any: then nothing changes. */
	PGresult *res = PQexecParams(s->conn, live
		? "SELECT x FROM unnest($1::bigint[]) x WHERE NOT EXISTS"
		  " (SELECT 1 FROM items WHERE id = x AND feed NOT IN"
		  " (SELECT id FROM feeds WHERE removed)) LIMIT 1"
		: "SELECT x FROM unnest($1::bigint[]) x WHERE NOT EXISTS"
		  " (SELECT 1 FROM items WHERE id = x) LIMIT 1", 1, NULL, v, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
		r = pg_fail(s, res, "mark items");
	else if (PQntuples(res) > 0) {
		*missing = pg_int(res, 0, 0);
		r = -ENOENT;
	}
	PQclear(res);
	if (r == 0) {
		res = PQexecParams(s->conn,
			"UPDATE items SET read = coalesce($2::boolean, read),"
			" starred = coalesce($3::boolean, starred) WHERE id = ANY ($1::bigint[])",
			3, NULL, v, NULL, NULL, 0);
		if (PQresultStatus(res) != PGRES_COMMAND_OK)
			r = pg_fail(s, res, "mark items");
		PQclear(res);
	}
	free(arr);
	if (r == 0)
		r = pg_commit(s);
	else
		pg_rollback(s);
	return r;
}

int pg_op_feed_mark_read(void *b, const char *feed, int64_t upto, int64_t *n)
{
	struct pg *s = b;
	*n = 0;
	int r = pg_ready(s);
	if (r < 0)
		return r;
	char num[24];
	snprintf(num, sizeof num, "%lld", (long long)upto);
	const char *v[2] = {feed, num};
	PGresult *res = PQexecParams(s->conn,
		"WITH f AS (SELECT id FROM feeds WHERE name = $1),"
		" u AS (UPDATE items SET read = true WHERE feed = (SELECT id FROM f)"
		" AND NOT read AND id <= $2::bigint RETURNING 1)"
		" SELECT (SELECT count(*) FROM f), (SELECT count(*) FROM u)",
		2, NULL, v, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		r = pg_fail(s, res, "mark feed read");
	} else if (pg_int(res, 0, 0) == 0) {
		r = -ENOENT;
	} else {
		*n = pg_int(res, 0, 1);
	}
	PQclear(res);
	return r;
}

int pg_op_reader_feed_rows(void *b, bool counts, const int64_t *ids, size_t nids,
			   store_row_fn fn, void *ud)
{
	char *arr = ids ? pg_id_array(ids, nids) : NULL;
	if (ids && !arr)
		return -ENOMEM;
	struct pgp p = {0};
	if (arr)
		pgp_text(&p, arr);
	int n;
	int r = pg_rows(b, PS_READER_FEEDS + 2 * counts + (ids != NULL), &p, fn, ud, &n,
			"reader feeds");
	free(arr);
	return r;
}

int pg_op_reader_feed_url_rows(void *b, const char *url, store_row_fn fn, void *ud)
{
	struct pgp p = {0};
	pgp_text(&p, url);
	int n;
	return pg_rows(b, PS_READER_FEED_URL, &p, fn, ud, &n, "reader feeds by url");
}
