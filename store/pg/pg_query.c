/* pg_query.c — reading the PostgreSQL store for the API: items with
 * filters, events, consumers' cursors, hook deliveries and retention. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/date.h"
#include "core/log.h"
#include "store/pg/pg_int.h"

static int64_t col_date(const PGresult *r, int row, int i)
{
	return PQgetisnull(r, row, i) ? DATE_NONE : pg_int(r, row, i);
}

static void pg_item_row(const PGresult *r, int row, int c, struct item_row *out)
{
	/* The strings stay libpq's, valid until PQclear. */
	*out = (struct item_row){
		.id = pg_int(r, row, c),
		.feed = pg_str(r, row, c + 1),
		.guid = pg_str(r, row, c + 2),
		.url = pg_str(r, row, c + 3),
		.title = pg_str(r, row, c + 4),
		.author = pg_str(r, row, c + 5),
		.summary = pg_str(r, row, c + 6),
		.content = pg_str(r, row, c + 7),
		.published = col_date(r, row, c + 8),
		.updated = col_date(r, row, c + 9),
		.categories = pg_str(r, row, c + 10),
		.enclosures = pg_str(r, row, c + 11),
		.first_seen = pg_int(r, row, c + 12),
		.updated_seen = pg_int(r, row, c + 13),
		.identity = pg_str(r, row, c + 14),
		.has_duplicate = !PQgetisnull(r, row, c + 15),
		.duplicate_of = PQgetisnull(r, row, c + 15) ? 0 : pg_int(r, row, c + 15),
		.date = pg_int(r, row, c + 16),
		.skipped = pg_bool(r, row, c + 17),
		.read = pg_bool(r, row, c + 18),
		.starred = pg_bool(r, row, c + 19),
		.feed_id = pg_int(r, row, c + 20),
	};
}

json_t *pg_item_json(const PGresult *r, int row, int c)
{
	struct item_row ir;
	pg_item_row(r, row, c, &ir);
	return item_row_to_json(&ir);
}

/* Parameter types of every items query shape: after, before, feeds (text[]),
 * tag, text query, since, limit, offset. Declared, so a shape need not use
 * all. */
static const Oid iq_types[12] = {20, 20, 1009, 25, 25, 20, 23, 20, 20, 20, 20, 25};

/* The items query for one combination of filters, prepared on first use on
 * this connection and kept: the shapes are few, the calls many. */
static int items_stmt(struct pg *s, unsigned shape, char name[16])
{
	snprintf(name, 16, "iq%u", shape);
	int r = pg_ready(s);
	if (r < 0 || (s->iq[shape / 64] >> (shape % 64) & 1))
		return r;
	char sql[1536];
	if (items_sql(sql, sizeof sql, shape, '$', " AND f.name = ANY ($3)",
		      " AND i.fts @@ plainto_tsquery('simple', $5)",
		      (const char *const[2]){"false", "true"}) < 0)
		return -EINVAL;
	PGresult *res = PQprepare(s->conn, name, sql, 12, iq_types);
	r = PQresultStatus(res) == PGRES_COMMAND_OK ? 0 : pg_fail(s, res, "items query");
	PQclear(res);
	if (!r)
		s->iq[shape / 64] |= UINT64_C(1) << (shape % 64);
	return r;
}

int pg_op_items_rows(void *b, const struct items_args *a, store_item_fn fn, void *ud)
{
	struct pg *s = b;
	bool fts = a->q && a->q[strspn(a->q, " \t\r\n")];
	unsigned shape = items_shape(a, fts);
	char name[16];
	int r = items_stmt(s, shape, name);
	if (r < 0)
		return r;
	char *feeds = a->nfeeds ? pg_text_array(a->feeds, a->nfeeds) : NULL;
	if (a->nfeeds && !feeds)
		return -ENOMEM;
	struct pgp p = {0};
	pgp_int(&p, a->after);
	pgp_int(&p, a->before);
	pgp_text(&p, feeds);
	pgp_text(&p, a->tag);
	pgp_text(&p, fts ? a->q : NULL);
	pgp_date(&p, a->since);
	pgp_int(&p, a->limit);
	pgp_int(&p, a->offset);
	int64_t bounds[3];
	items_bounds(a, bounds);
	for (int i = 0; i < 3; i++)
		pgp_int(&p, bounds[i]);
	pgp_text(&p, a->label);
	PGresult *res = PQexecPrepared(s->conn, name, p.n, p.v, NULL, NULL, 0);
	free(feeds);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		r = pg_fail(s, res, "items");
		PQclear(res);
		return r;
	}
	for (int i = 0; i < PQntuples(res) && r >= 0; i++) {
		struct item_row row;
		pg_item_row(res, i, 0, &row);
		r = fn(&row, ud);
	}
	PQclear(res);
	return r < 0 ? r : 0;
}

int pg_op_events_rows(void *b, int64_t after, int limit, store_row_fn fn, void *ud)
{
	struct pgp p = {0};
	pgp_int(&p, after);
	pgp_int(&p, limit);
	int n;
	return pg_rows(b, PS_EVENTS, &p, fn, ud, &n, "events");
}

/* --- consumers --- */

int pg_op_consumer_get(void *b, const char *name, bool create, bool from_now,
		       int64_t *cursor)
{
	struct pg *s = b;
	for (int attempt = 0; attempt < 2; attempt++) {
		struct pgp p = {0};
		pgp_text(&p, name);
		int r = 0;
		PGresult *res = pg_exec(s, PS_CONSUMER_GET, &p, "consumer", &r);
		if (!res)
			return r;
		bool found = PQntuples(res) > 0;
		if (found)
			*cursor = pg_int(res, 0, 0);
		PQclear(res);
		if (found)
			return 0;
		if (!create)
			return -ENOENT;
		int64_t start = 0;
		if (from_now && (r = pg_op_last_ids(s, &start, NULL)) < 0)
			return r;
		pgp_int(&p, start);
		pgp_int(&p, time(NULL));
		if (!(res = pg_exec(s, PS_CONSUMER_ADD, &p, "consumer create", &r)))
			return r;
		found = strcmp(PQcmdTuples(res), "1") == 0;
		PQclear(res);
		if (found) {
			*cursor = start;
			return 0;
		}
		/* Created by another instance meanwhile: read it. */
	}
	return -EIO;
}

int pg_op_consumer_ack(void *b, const char *name, int64_t upto)
{
	struct pg *s = b;
	int64_t cursor;
	int r = pg_op_consumer_get(s, name, true, false, &cursor);
	if (r < 0)
		return r;
	/* Durable when it returns: the server's synchronous_commit (on by
	 * default) waits for the WAL flush of this one statement. */
	struct pgp p = {0};
	pgp_text(&p, name);
	pgp_int(&p, upto);
	pgp_int(&p, time(NULL));
	return pg_run(s, PS_CONSUMER_ACK, &p, "consumer ack");
}

int pg_op_consumers_json(void *b, json_t **out)
{
	struct pg *s = b;
	*out = NULL;
	int r = 0;
	PGresult *res = pg_exec(s, PS_CONSUMERS, NULL, "consumers", &r);
	if (!res)
		return r;
	json_t *arr = json_array();
	for (int i = 0; i < PQntuples(res); i++)
		json_array_append_new(arr, json_pack("{s:o,s:I,s:o,s:o,s:I}",
			"name", json_string_lossy(pg_str(res, i, 0)),
			"cursor", (json_int_t)pg_int(res, i, 1),
			"created", store_json_time(pg_int(res, i, 2)),
			"acked", store_json_time(pg_int(res, i, 3)),
			"lag", (json_int_t)pg_int(res, i, 4)));
	PQclear(res);
	*out = arr;
	return 0;
}

/* --- hook deliveries --- */

int pg_op_hook_due(void *b, int64_t now, int max, const int64_t *skip, size_t nskip,
		   struct hook_job **jobs, size_t *n)
{
	struct pg *s = b;
	*jobs = NULL;
	*n = 0;
	if (max < 1)
		return 0;
	char *arr = pg_id_array(skip, nskip);
	if (!arr)
		return -ENOMEM;
	struct pgp p = {0};
	pgp_int(&p, now);
	pgp_int(&p, max);
	pgp_text(&p, arr);
	pgp_int(&p, s->hook_claim_s);
	int r = 0;
	PGresult *res = pg_exec(s, PS_HOOK_DUE, &p, "hook due", &r);
	free(arr);
	if (!res)
		return r;
	size_t k = (size_t)PQntuples(res);
	if (k > (size_t)max)
		k = (size_t)max;
	struct hook_job *v = calloc(k ? k : 1, sizeof *v);
	if (!v) {
		PQclear(res);
		return -ENOMEM;
	}
	for (size_t i = 0; i < k; i++) {
		v[i].attempts = (int)pg_int(res, (int)i, 0);
		v[i].item_id = pg_int(res, (int)i, 1);
		v[i].feed = pg_dup(res, (int)i, 2);
		v[i].item = pg_item_json(res, (int)i, 1);
	}
	PQclear(res);
	*jobs = v;
	*n = k;
	return 0;
}

int pg_op_hook_release(void *b, const int64_t *ids, size_t n, int64_t now)
{
	struct pg *s = b;
	char *arr = pg_id_array(ids, n);
	if (!arr)
		return -ENOMEM;
	struct pgp p = {0};
	pgp_text(&p, arr);
	pgp_int(&p, now);
	int r = pg_run(s, PS_HOOK_RELEASE, &p, "hook release");
	free(arr);
	return r;
}

int pg_op_hook_outcome(void *b, int64_t item_id, bool ok, int64_t next_try,
		       const char *error, bool *found, char **feed)
{
	struct pg *s = b;
	enum pst id = ok ? PS_HOOK_DONE : next_try ? PS_HOOK_RETRY : PS_HOOK_GIVE_UP;
	struct pgp p = {0};
	pgp_int(&p, item_id);
	if (!ok) {
		pgp_int(&p, next_try);
		pgp_text(&p, error);
	}
	int r = 0;
	PGresult *res = pg_exec(s, id, &p, "hook result", &r);
	if (!res)
		return r;
	*found = strcmp(PQcmdTuples(res), "0") != 0;
	*feed = id == PS_HOOK_GIVE_UP && PQntuples(res) > 0 ? pg_dup(res, 0, 0) : NULL;
	PQclear(res);
	return 0;
}

int pg_op_hook_parked_json(void *b, const char *feed, json_t **out)
{
	struct pg *s = b;
	*out = NULL;
	struct pgp p = {0};
	pgp_text(&p, feed);
	pgp_int(&p, STORE_HOOK_PARKED_MAX + 1);
	int r = 0;
	PGresult *res = pg_exec(s, PS_HOOK_PARKED, &p, "parked hook deliveries", &r);
	if (!res)
		return r;
	json_t *arr = json_array();
	for (int i = 0; i < PQntuples(res); i++)
		json_array_append_new(arr, json_pack("{s:o,s:I,s:o,s:I,s:o}",
			"feed", json_string_lossy(PQgetvalue(res, i, 0)),
			"item", (json_int_t)pg_int(res, i, 1),
			"title", PQgetisnull(res, i, 2) ? json_null()
							: json_string_lossy(PQgetvalue(res, i, 2)),
			"attempts", (json_int_t)pg_int(res, i, 3),
			"error", PQgetisnull(res, i, 4) ? json_null()
							: json_string_lossy(PQgetvalue(res, i, 4))));
	PQclear(res);
	*out = arr;
	return 0;
}

int pg_op_hook_retry(void *b, const char *feed, int64_t now, int64_t *n)
{
	struct pg *s = b;
	*n = 0;
	struct pgp p = {0};
	pgp_text(&p, feed);
	pgp_int(&p, now);
	int r = 0;
	PGresult *res = pg_exec(s, PS_HOOK_UNPARK, &p, "hook retry", &r);
	if (!res)
		return r;
	*n = strtoll(PQcmdTuples(res), NULL, 10);
	PQclear(res);
	return 0;
}

/* --- retention --- */

int pg_op_items_prune(void *b, const char *feed, int64_t now, int64_t retention,
		      int64_t max_items, int batch, int *deleted)
{
	struct pg *s = b;
	enum pst ids[2] = {PS_PRUNE_TOMB, PS_PRUNE_DELETE};
	int r = 0;
	for (int i = 0; i < 2 && !r; i++) {
		struct pgp p = {0};
		pgp_text(&p, feed);
		pgp_int(&p, retention);
		pgp_int(&p, now - retention);
		pgp_int(&p, max_items);
		pgp_int(&p, batch);
		if (i == 0)
			pgp_int(&p, now);
		PGresult *res = pg_exec(s, ids[i], &p, "prune", &r);
		if (res && i == 1)
			*deleted = atoi(PQcmdTuples(res));
		PQclear(res);
	}
	return r;
}

