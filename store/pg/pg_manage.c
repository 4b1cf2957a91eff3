/* pg_manage.c — the PostgreSQL backend's edits a person asks for through
 * the API, apart from fetching: deleting a consumer (store.h,
 * store_consumer_delete; a feed's rename is store/feeds.c's rule over
 * pg_feeds.c's statement). Rare, so their
 * statements are not among the prepared ones. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store/manage.h"
#include "store/pg/pg_int.h"

/* Runs SQL with the text parameters $1 = A and $2 = B (B NULL: one
 * parameter); *ROWS (may be NULL): the rows it changed or returned. */
static int run2(struct pg *s, const char *sql, const char *a, const char *b, int *rows,
		const char *what)
{
	const char *v[2] = { a, b };
	PGresult *res = PQexecParams(s->conn, sql, b ? 2 : 1, NULL, v, NULL, NULL, 0);
	ExecStatusType st = PQresultStatus(res);
	int r = 0;
	if (st == PGRES_TUPLES_OK) {
		if (rows)
			*rows = PQntuples(res);
	} else if (st == PGRES_COMMAND_OK) {
		if (rows)
			*rows = atoi(PQcmdTuples(res));
	} else {
		r = pg_fail(s, res, what);
	}
	PQclear(res);
	return r;
}

int pg_op_consumer_delete(void *b, const char *name)
{
	struct pg *s = b;
	int r = pg_ready(s);
	if (r < 0)
		return r;
	int n = 0;
	if ((r = run2(s, "DELETE FROM consumers WHERE name = $1", name, NULL, &n,
		      "consumer delete")) < 0)
		return r;
	return n ? 0 : -ENOENT;
}

