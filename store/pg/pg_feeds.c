/* pg_feeds.c — the PostgreSQL statements of the feed rows (store/feeds.c
 * has the rules, store/feed_state.c the counts), and the claims, host
 * manners and instances of a shared store. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/log.h"
#include "store/pg/pg_int.h"

static int feed_rename(void *b, const char *from, const char *to)
{
	struct pg *s = b;
	const char *v[2] = {from, to};
	PGresult *res = PQexecParams(s->conn,
		"WITH f AS (UPDATE feeds SET name = $2 WHERE name = $1 RETURNING 1),"
		" e AS (UPDATE events SET feed = $2 WHERE feed = $1)"
		" SELECT count(*) FROM f", 2, NULL, v, NULL, NULL, 0);
	int r = PQresultStatus(res) != PGRES_TUPLES_OK ? pg_fail(s, res, "feed rename")
		: pg_int(res, 0, 0) ? 0 : -ENOENT;
	PQclear(res);
	return r;
}

static int feed_set_tags(void *b, int64_t feed, char *const *tags)
{
	struct pg *s = b;
	struct pgp p = {0};
	pgp_int(&p, feed);
	int r = pg_run(s, PS_TAGS_CLEAR, &p, "tags");
	for (size_t i = 0; !r && tags && tags[i]; i++) {
		p.n = 1;
		pgp_text(&p, tags[i]);
		r = pg_run(s, PS_TAG_ADD, &p, "tags");
	}
	return r;
}

static int feed_set_removed(void *b, int64_t feed, bool removed)
{
	struct pg *s = b;
	struct pgp p = {0};
	pgp_int(&p, feed);
	pgp_bool(&p, removed);
	return pg_run(s, PS_FEED_REMOVED, &p, "feed removed");
}

static int feed_find(void *b, const char *name, int64_t *id, char **url, bool *removed)
{
	struct pg *s = b;
	struct pgp p = {0};
	pgp_text(&p, name);
	int r = 0;
	PGresult *res = pg_exec(s, PS_FEED_ID, &p, "feeds", &r);
	if (!res)
		return r;
	bool known = PQntuples(res) > 0;
	if (known) {
		*id = pg_int(res, 0, 0);
		*url = pg_dup(res, 0, 3);
		*removed = pg_bool(res, 0, 4);
	}
	PQclear(res);
	return known ? 0 : -ENOENT;
}

static int feed_add(void *b, const char *name, const char *url, int64_t now, int64_t *id)
{
	return pg_feed_id(b, name, url, true, now, id);
}

static int feed_set_url(void *b, int64_t id, const char *url)
{
	struct pgp p = {0};
	pgp_int(&p, id);
	pgp_text(&p, url);
	return pg_run(b, PS_FEED_SYNC_URL, &p, "feed url");
}

static int feeds_each(void *b, feed_each_fn fn, void *ud)
{
	int r = 0;
	PGresult *res = pg_exec(b, PS_FEED_ALL, NULL, "feeds", &r);
	for (int i = 0; res && i < PQntuples(res) && !r; i++)
		r = fn(pg_int(res, i, 0), PQgetvalue(res, i, 1), pg_str(res, i, 2), pg_bool(res, i, 3),
		       ud);
	PQclear(res);
	return r;
}

static int tags_each(void *b, tag_each_fn fn, void *ud)
{
	int r = 0;
	PGresult *res = pg_exec(b, PS_TAGS_ALL, NULL, "tags", &r);
	for (int i = 0; res && i < PQntuples(res) && !r; i++)
		r = fn(pg_int(res, i, 0), PQgetvalue(res, i, 1), ud);
	PQclear(res);
	return r;
}

static const char *row_text(const struct store_row *r, int col)
{
	return pg_str(r->res, r->row, col);
}

static int64_t row_num(const struct store_row *r, int col)
{
	return pg_int(r->res, r->row, col);
}

static bool row_flag(const struct store_row *r, int col)
{
	return pg_bool(r->res, r->row, col);
}

int pg_rows(struct pg *s, enum pst id, const struct pgp *p, store_row_fn fn, void *ud,
	    int *n, const char *what)
{
	int r = 0;
	*n = 0;
	PGresult *res = pg_exec(s, id, p, what, &r);
	if (!res)
		return r;
	struct store_row row = {row_text, row_num, row_flag, res, 0};
	for (; row.row < PQntuples(res) && r == 0; row.row++)
		r = fn(&row, ud);
	*n = PQntuples(res);
	PQclear(res);
	return r;
}

static int feed_row(void *b, const char *name, store_row_fn fn, void *ud)
{
	struct pgp p = {0};
	int n;
	if (!name)
		return pg_rows(b, PS_FEED_LOAD_ALL, NULL, fn, ud, &n, "feed load");
	pgp_text(&p, name);
	int r = pg_rows(b, PS_FEED_LOAD, &p, fn, ud, &n, "feed load");
	return r == 0 && !n ? -ENOENT : r;
}

static int feeds_rows(void *b, const char *name, store_row_fn fn, void *ud)
{
	struct pgp p = {0};
	pgp_text(&p, name);
	int n;
	return pg_rows(b, PS_FEEDS_JSON, &p, fn, ud, &n, "feeds json");
}

static int feeds_facts_each(void *b, const char *const *disabled, size_t ndisabled,
			    feed_facts_fn fn, void *ud)
{
	struct pg *s = b;
	int r = pg_ready(s);
	if (r < 0)
		return r;
	char *names = pg_text_array(disabled, ndisabled);
	if (!names)
		return -ENOMEM;
	const char *const params[1] = { names };
	/* Not a prepared statement: asked once per GET /v1/status. */
	PGresult *res = PQexecParams(s->conn,
		"SELECT removed, gone, name = ANY ($1::text[]), substr(last_error, 1, 9),"
		" failures > 0, coalesce(last_success, 0) <> 0, count(*)"
		" FROM feeds GROUP BY 1, 2, 3, 4, 5, 6",
		1, NULL, params, NULL, NULL, 0);
	free(names);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		r = pg_fail(s, res, "feed counts");
		PQclear(res);
		return r;
	}
	for (int i = 0; i < PQntuples(res) && r == 0; i++) {
		struct feedstate_facts f = {
			.removed = pg_bool(res, i, 0),
			.gone = pg_bool(res, i, 1),
			.disabled = pg_bool(res, i, 2),
			.last_error = pg_str(res, i, 3),
			.failures = pg_bool(res, i, 4),
			.succeeded = pg_bool(res, i, 5),
		};
		r = fn(&f, pg_int(res, i, 6), ud);
	}
	PQclear(res);
	return r;
}

const struct feed_prims pg_feed_prims = FEED_PRIMS;

int pg_op_claim_feed(void *b, const struct feed_state *st, int64_t now, int64_t lease,
		     struct store_host *host)
{
	struct pg *s = b;
	struct pgp p = {0};
	pgp_text(&p, st->name);
	pgp_text(&p, s->instance);
	pgp_int(&p, now);
	pgp_int(&p, lease);
	pgp_int(&p, st->next_due);
	pgp_int(&p, st->last_fetch);
	pgp_text(&p, host ? host->name : NULL);
	pgp_int(&p, host ? host->per_host : 0);
	pgp_int(&p, host ? host->gap_ms : 0);
	int r = 0;
	PGresult *res = pg_exec(s, PS_FEED_CLAIM, &p, "feed claim", &r);
	if (!res)
		return r;
	int status = PQntuples(res) > 0 ? (int)pg_int(res, 0, 0) : -1;
	if (host) {
		host->wait_ms = status == -3 ? pg_int(res, 0, 1) : 0;
		host->n429 = pg_int(res, 0, 2);
	}
	PQclear(res);
	switch (status) {
	case 0:
		return 0;
	case -1:
		return -EAGAIN;
	default:
		return -EBUSY;
	}
}

int pg_op_host_answer(void *b, const char *host, bool is429, int64_t *n429)
{
	struct pg *s = b;
	struct pgp p = {0};
	pgp_text(&p, host);
	pgp_bool(&p, is429);
	int r = 0;
	PGresult *res = pg_exec(s, PS_HOST_ANSWER, &p, "host answer", &r);
	if (!res)
		return r;
	*n429 = PQntuples(res) > 0 ? pg_int(res, 0, 0) : 0;
	PQclear(res);
	return 0;
}

int pg_op_host_push(void *b, const char *host, int64_t ms)
{
	struct pg *s = b;
	struct pgp p = {0};
	pgp_text(&p, host);
	pgp_int(&p, ms);
	return pg_run(s, PS_HOST_PUSH, &p, "host push-back");
}

static json_t *col_str(const PGresult *r, int row, int i)
{
	return json_string_lossy(pg_str(r, row, i));
}

int pg_op_instances_json(void *b, int64_t now, json_t **out)
{
	struct pg *s = b;
	struct pgp p = {0};
	pgp_int(&p, now);
	pgp_int(&p, s->stale_s);
	int r = 0;
	PGresult *res = pg_exec(s, PS_INSTANCES, &p, "instances", &r);
	if (!res)
		return r;
	json_t *arr = json_array();
	for (int i = 0; i < PQntuples(res); i++) {
		const char *feeds = pg_str(res, i, 6);
		json_t *jf = feeds ? json_loads(feeds, 0, NULL) : NULL;
		json_array_append_new(arr, json_pack("{s:o,s:o,s:I,s:o,s:o,s:b,s:b,s:I,s:o}",
			"id", col_str(res, i, 0),
			"host", col_str(res, i, 1),
			"pid", (json_int_t)pg_int(res, i, 2),
			"started", store_json_time(pg_int(res, i, 3)),
			"last_seen", store_json_time(pg_int(res, i, 4)),
			"self", strcmp(PQgetvalue(res, i, 0), s->instance) == 0,
			"stale", strcmp(PQgetvalue(res, i, 7), "t") == 0,
			"leases", (json_int_t)pg_int(res, i, 5),
			"feeds", jf ? jf : json_array()));
	}
	PQclear(res);
	*out = arr;
	return 0;
}
