/* pg_query.c — reading the PostgreSQL store for the API: items with
 * filters, events, consumers' cursors, hook deliveries and retention. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/date.h"
#include "core/log.h"
#include "store/pg_int.h"

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
		.read = pg_bool(r, row, c + 17),
		.starred = pg_bool(r, row, c + 18),
	};
}

json_t *pg_item_json(const PGresult *r, int row, int c)
{
	struct item_row ir;
	pg_item_row(r, row, c, &ir);
	return item_row_to_json(&ir);
}

/* Parameter types of every items query shape: after, before, feeds (text[]),
 * tag, text query, since, limit. Declared, so a shape need not use all. */
static const Oid iq_types[8] = {20, 20, 1009, 25, 25, 20, 23, 16};

/* The items query for one combination of filters, prepared on first use on
 * this connection and kept: the shapes are few, the calls many. */
static int items_stmt(struct pg *s, unsigned shape, char name[16])
{
	snprintf(name, 16, "iq%u", shape);
	int r = pg_ready(s);
	if (r < 0 || s->iq[shape])
		return r;
	char sql[1536];
	int n = snprintf(sql, sizeof sql,
		"SELECT " PG_ITEM_COLS " FROM items i JOIN feeds f ON f.id = i.feed"
		" WHERE i.id > $1%s%s%s%s%s%s%s%s ORDER BY i.id%s LIMIT $7",
		shape & PQ_BEFORE ? " AND i.id < $2" : "",
		shape & PQ_FEEDS ? " AND f.name = ANY ($3)" : "",
		shape & PQ_TAG ? " AND i.feed IN (SELECT feed FROM feed_tags WHERE tag = $4)" : "",
		shape & PQ_FTS ? " AND i.fts @@ plainto_tsquery('simple', $5)" : "",
		shape & PQ_SINCE ? " AND i.sort_date >= $6" : "",
		shape & PQ_DISTINCT ? " AND (i.duplicate_of IS NULL OR NOT EXISTS"
				      " (SELECT 1 FROM items o WHERE o.id = i.duplicate_of))" : "",
		shape & PQ_STATUS ? " AND i.read = $8" : "",
		shape & PQ_STARRED ? " AND i.starred" : "",
		shape & PQ_DESC ? " DESC" : "");
	if (n < 0 || (size_t)n >= sizeof sql)
		return -EINVAL;
	PGresult *res = PQprepare(s->conn, name, sql, 8, iq_types);
	r = PQresultStatus(res) == PGRES_COMMAND_OK ? 0 : pg_fail(s, res, "items query");
	PQclear(res);
	if (!r)
		s->iq[shape] = true;
	return r;
}

/* Feed names as a text[] literal: every element quoted, \ and " escaped. */
static char *feeds_array(const char *const *feeds, size_t n)
{
	size_t len = 3;
	for (size_t i = 0; i < n; i++)
		len += 2 * strlen(feeds[i] ? feeds[i] : "") + 3;
	char *out = malloc(len);
	if (!out)
		return NULL;
	size_t o = 0;
	out[o++] = '{';
	for (size_t i = 0; i < n; i++) {
		if (i)
			out[o++] = ',';
		out[o++] = '"';
		for (const char *c = feeds[i] ? feeds[i] : ""; *c; c++) {
			if (*c == '"' || *c == '\\')
				out[o++] = '\\';
			out[o++] = *c;
		}
		out[o++] = '"';
	}
	out[o++] = '}';
	out[o] = '\0';
	return out;
}

int pg_op_items_each(void *b, const struct item_query *q, store_item_fn fn, void *ud,
		     int64_t *next)
{
	struct pg *s = b;
	int64_t after = q->after > 0 ? q->after : 0;
	if (next)
		*next = after;
	if (q->consumer) {
		int64_t cursor;
		int r = pg_op_consumer_get(s, q->consumer, false, false, &cursor);
		if (r < 0)
			return r;
		if (cursor > after)
			after = cursor;
		if (next)
			*next = after;
	}
	bool fts = q->q && q->q[strspn(q->q, " \t\r\n")];
	unsigned shape = (q->before > 0 ? PQ_BEFORE : 0) | (q->nfeeds ? PQ_FEEDS : 0) |
			 (q->tag ? PQ_TAG : 0) | (fts ? PQ_FTS : 0) |
			 (q->since != DATE_NONE ? PQ_SINCE : 0) |
			 (q->distinct ? PQ_DISTINCT : 0) | (q->desc ? PQ_DESC : 0) |
			 (q->status != ITEMQ_ANY ? PQ_STATUS : 0) | (q->starred ? PQ_STARRED : 0);
	char name[16];
	int r = items_stmt(s, shape, name);
	if (r < 0)
		return r;
	char *feeds = q->nfeeds ? feeds_array(q->feeds, q->nfeeds) : NULL;
	if (q->nfeeds && !feeds)
		return -ENOMEM;
	int limit = q->limit < 1 ? 1 : q->limit > 1000 ? 1000 : q->limit;
	struct pgp p = {0};
	pgp_int(&p, after);
	pgp_int(&p, q->before);
	pgp_text(&p, feeds);
	pgp_text(&p, q->tag);
	pgp_text(&p, fts ? q->q : NULL);
	pgp_date(&p, q->since);
	pgp_int(&p, limit);
	pgp_bool(&p, q->status == ITEMQ_READ);
	PGresult *res = PQexecPrepared(s->conn, name, p.n, p.v, NULL, NULL, 0);
	free(feeds);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		r = pg_fail(s, res, "items");
		PQclear(res);
		return r;
	}
	int64_t top = after;
	for (int i = 0; i < PQntuples(res) && r >= 0; i++) {
		struct item_row row;
		pg_item_row(res, i, 0, &row);
		if (row.id > top)
			top = row.id;
		r = fn(&row, ud);
	}
	PQclear(res);
	if (r < 0)
		return r;
	/* Newest first or not, the cursor is the highest id handed out. */
	if (next)
		*next = top;
	return 0;
}

int pg_op_events(void *b, int64_t after, int limit, json_t **events, int64_t *next)
{
	struct pg *s = b;
	*events = NULL;
	if (next)
		*next = after;
	struct pgp p = {0};
	pgp_int(&p, after);
	pgp_int(&p, limit < 1 ? 1 : limit > 1000 ? 1000 : limit);
	int r = 0;
	PGresult *res = pg_exec(s, PS_EVENTS, &p, "events", &r);
	if (!res)
		return r;
	json_t *arr = json_array();
	for (int i = 0; i < PQntuples(res); i++) {
		int64_t seq = pg_int(res, i, 0);
		json_t *e = json_loads_or(pg_str(res, i, 5), json_object());
		if (!json_is_object(e)) {
			json_decref(e);
			e = json_object();
		}
		json_object_set_new(e, "seq", json_integer(seq));
		json_object_set_new(e, "type", json_string(pg_str(res, i, 1)));
		json_object_set_new(e, "time", pg_json_time(pg_int(res, i, 2)));
		json_object_set_new(e, "feed", json_string_lossy(pg_str(res, i, 3)));
		if (!PQgetisnull(res, i, 4)) {
			json_object_set_new(e, "item", json_integer(pg_int(res, i, 4)));
			/* NULL once the item was pruned. */
			json_object_set_new(e, "title", json_string_lossy(pg_str(res, i, 6)));
			json_object_set_new(e, "url", json_string_lossy(pg_str(res, i, 7)));
		}
		json_array_append_new(arr, e);
		if (next)
			*next = seq;
	}
	PQclear(res);
	*events = arr;
	return 0;
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
			"created", pg_json_time(pg_int(res, i, 2)),
			"acked", pg_json_time(pg_int(res, i, 3)),
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

int pg_op_hook_result(void *b, int64_t item_id, bool ok, int64_t next_try,
		      const char *error)
{
	struct pg *s = b;
	enum pst id = ok ? PS_HOOK_DONE : next_try ? PS_HOOK_RETRY : PS_HOOK_GIVE_UP;
	int r = pg_begin(s);
	if (r < 0)
		return r;
	struct pgp p = {0};
	pgp_int(&p, item_id);
	if (!ok) {
		pgp_int(&p, next_try);
		pgp_text(&p, error);
	}
	PGresult *res = pg_exec(s, id, &p, "hook result", &r);
	if (res) {
		bool found = strcmp(PQcmdTuples(res), "0") != 0;
		char *feed = id == PS_HOOK_GIVE_UP && PQntuples(res) > 0 ? pg_dup(res, 0, 0) : NULL;
		PQclear(res);
		if (!found)
			r = -ENOENT;
		else if (feed)
			/* Given up: say so where the feed's owner looks. */
			r = pg_event(s, "hook.failed", time(NULL), feed, item_id,
				     json_pack("{s:o}", "error", json_string_lossy(error)));
		free(feed);
	}
	if (!r)
		r = pg_commit(s);
	if (r < 0)
		pg_rollback(s);
	return r;
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

int pg_op_prune(void *b, const char *feed, int64_t now, int64_t retention,
		int64_t max_items, int batch, int *pruned)
{
	struct pg *s = b;
	if (pruned)
		*pruned = 0;
	if ((retention <= 0 && max_items <= 0) || batch < 1)
		return 0;
	int r = pg_begin(s);
	if (r < 0)
		return r;
	enum pst ids[2] = {PS_PRUNE_TOMB, PS_PRUNE_DELETE};
	int deleted = 0;
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
			deleted = atoi(PQcmdTuples(res));
		PQclear(res);
	}
	if (!r)
		r = pg_commit(s);
	if (r < 0) {
		pg_rollback(s);
		return r;
	}
	if (pruned)
		*pruned = deleted;
	return 0;
}

/* The API's feed states (daemon/api.c, feed_state_of) counted in one
 * aggregate query rather than one JSON object per feed. */
int pg_op_feed_counts(void *b, const char *const *disabled, size_t ndisabled,
		      struct store_feed_counts *out)
{
	struct pg *s = b;
	int r = pg_ready(s);
	if (r < 0)
		return r;
	char *names = feeds_array(disabled, ndisabled);
	if (!names)
		return -ENOMEM;
	const char *const params[1] = { names };
	PGresult *res = PQexecParams(s->conn,
		"SELECT CASE WHEN removed THEN 0 WHEN gone THEN 1 WHEN name = ANY ($1::text[])"
		" THEN 2 WHEN last_error LIKE 'truncated%' THEN 6"
		" WHEN failures > 0 OR last_error IS NOT NULL THEN 3"
		" WHEN coalesce(last_success, 0) = 0 THEN 4"
		" ELSE 5 END AS st, count(*) FROM feeds GROUP BY st",
		1, NULL, params, NULL, NULL, 0);
	free(names);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		r = pg_fail(s, res, "feed counts");
		PQclear(res);
		return r;
	}
	int64_t *slot[7] = { &out->removed, &out->gone, &out->disabled, &out->failing,
			     &out->fresh, &out->ok, &out->truncated };
	for (int i = 0; i < PQntuples(res); i++) {
		int64_t k = pg_int(res, i, 0);
		if (k >= 0 && k < 7)
			*slot[k] = pg_int(res, i, 1);
	}
	PQclear(res);
	return 0;
}
