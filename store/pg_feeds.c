/* pg_feeds.c — feed rows on PostgreSQL: following the config, loading a
 * feed's state, and the feeds as JSON for the API. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/log.h"
#include "store/pg_int.h"

static int set_tags(struct pg *s, int64_t feed, char *const *tags)
{
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

static int set_removed(struct pg *s, int64_t feed, bool removed)
{
	struct pgp p = {0};
	pgp_int(&p, feed);
	pgp_bool(&p, removed);
	return pg_run(s, PS_FEED_REMOVED, &p, "feed removed");
}

/* One configured feed: added, re-added, or its URL changed. */
static int sync_feed(struct pg *s, const struct feed_conf *fc, int64_t now)
{
	struct pgp p = {0};
	pgp_text(&p, fc->name);
	int r = 0;
	PGresult *res = pg_exec(s, PS_FEED_ID, &p, "feeds", &r);
	if (!res)
		return r;
	bool known = PQntuples(res) > 0;
	int64_t id = known ? pg_int(res, 0, 0) : 0;
	char *url = known ? pg_dup(res, 0, 3) : NULL;
	bool removed = known && pg_bool(res, 0, 4);
	PQclear(res);
	if (!known) {
		if ((r = pg_feed_id(s, fc->name, fc->url, true, now, &id)) == 0)
			r = pg_event(s, "feed.added", now, fc->name, 0,
				     json_pack("{s:o}", "url", json_string_lossy(fc->url)));
	} else {
		if (removed && (r = set_removed(s, id, false)) == 0)
			r = pg_event(s, "feed.added", now, fc->name, 0,
				     json_pack("{s:o}", "url", json_string_lossy(fc->url)));
		if (!r && fc->url && (!url || strcmp(url, fc->url) != 0)) {
			/* A new URL is a new resource: old validators and 410 do not apply. */
			p.n = 0;
			pgp_int(&p, id);
			pgp_text(&p, fc->url);
			if ((r = pg_run(s, PS_FEED_SYNC_URL, &p, "feed url")) == 0)
				log_info("feed %s: url changed to %s", fc->name, fc->url);
		}
	}
	free(url);
	if (!r)
		r = set_tags(s, id, fc->tags);
	return r;
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Feeds in the store that the config no longer names. */
static int sync_removed(struct pg *s, const struct config *c, int64_t now)
{
	const char **conf = malloc((c->nfeeds ? c->nfeeds : 1) * sizeof *conf);
	if (!conf)
		return -ENOMEM;
	for (size_t i = 0; i < c->nfeeds; i++)
		conf[i] = c->feeds[i].name;
	qsort(conf, c->nfeeds, sizeof *conf, cmp_name);
	int r = 0;
	PGresult *res = pg_exec(s, PS_FEED_ALL, NULL, "feeds", &r);
	for (int i = 0; res && i < PQntuples(res) && !r; i++) {
		const char *name = PQgetvalue(res, i, 1);
		if (pg_bool(res, i, 3) || bsearch(&name, conf, c->nfeeds, sizeof *conf, cmp_name))
			continue;
		if ((r = set_removed(s, pg_int(res, i, 0), true)) == 0)
			r = pg_event(s, "feed.removed", now, name, 0, NULL);
	}
	PQclear(res);
	free(conf);
	return r;
}

int pg_op_feeds_sync(void *b, const struct config *c)
{
	struct pg *s = b;
	int64_t now = time(NULL);
	int r = pg_begin(s);
	if (r < 0)
		return r;
	for (size_t i = 0; i < c->nfeeds && !r; i++)
		r = sync_feed(s, &c->feeds[i], now);
	if (!r)
		r = sync_removed(s, c, now);
	if (!r)
		r = pg_commit(s);
	if (r < 0)
		pg_rollback(s);
	return r;
}

int pg_op_feed_load(void *b, const char *name, struct feed_state *out)
{
	struct pg *s = b;
	memset(out, 0, sizeof *out);
	struct pgp p = {0};
	pgp_text(&p, name);
	int r = 0;
	PGresult *res = pg_exec(s, PS_FEED_LOAD, &p, "feed load", &r);
	if (!res)
		return r;
	if (PQntuples(res) < 1) {
		PQclear(res);
		return -ENOENT;
	}
	char **strs[] = {&out->name, &out->url, &out->effective_url, &out->title,
			 &out->site_url, &out->etag, &out->last_modified};
	for (int i = 0; i < 7; i++)
		*strs[i] = pg_dup(res, 0, i);
	out->last_fetch = pg_int(res, 0, 7);
	out->last_success = pg_int(res, 0, 8);
	out->next_due = pg_int(res, 0, 9);
	out->next_reason = pg_dup(res, 0, 10);
	out->last_status = (int)pg_int(res, 0, 11);
	out->last_error = pg_dup(res, 0, 12);
	out->failures = pg_int(res, 0, 13);
	out->gone = pg_bool(res, 0, 14);
	out->link_identity = pg_bool(res, 0, 15);
	int64_t *counters[] = {&out->n_requests, &out->n_conditional, &out->n_200,
			       &out->n_304, &out->n_err_net, &out->n_err_http,
			       &out->n_err_parse, &out->bytes_wire, &out->bytes_decoded,
			       &out->n_items};
	for (int i = 0; i < 10; i++)
		*counters[i] = pg_int(res, 0, 16 + i);
	out->last_warning = pg_dup(res, 0, 26);
	out->n_truncated = pg_int(res, 0, 27);
	PQclear(res);
	return 0;
}

static json_t *col_str(const PGresult *r, int row, int i)
{
	return json_string_lossy(pg_str(r, row, i));
}

static json_t *feed_row_json(const PGresult *r, int row)
{
	json_t *counters = json_pack("{s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I}",
		"requests", (json_int_t)pg_int(r, row, 17),
		"truncated", (json_int_t)pg_int(r, row, 31),
		"conditional", (json_int_t)pg_int(r, row, 18),
		"ok", (json_int_t)pg_int(r, row, 19),
		"not_modified", (json_int_t)pg_int(r, row, 20),
		"errors_net", (json_int_t)pg_int(r, row, 21),
		"errors_http", (json_int_t)pg_int(r, row, 22),
		"errors_parse", (json_int_t)pg_int(r, row, 23),
		"bytes_wire", (json_int_t)pg_int(r, row, 24),
		"bytes_decoded", (json_int_t)pg_int(r, row, 25));
	const char *tags = pg_str(r, row, 27);
	json_t *jt = tags ? json_loads(tags, 0, NULL) : NULL;
	int status = (int)pg_int(r, row, 11);
	return json_pack("{s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:I,"
			 "s:o,s:b,s:b,s:s,s:o,s:I,s:o,s:I,s:I}",
		"name", col_str(r, row, 0),
		"url", col_str(r, row, 1),
		"effective_url", col_str(r, row, 2),
		"title", col_str(r, row, 3),
		"site_url", col_str(r, row, 4),
		"etag", col_str(r, row, 5),
		"last_modified", col_str(r, row, 6),
		"last_fetch", pg_json_time(pg_int(r, row, 7)),
		"last_success", pg_json_time(pg_int(r, row, 8)),
		"next_due", pg_json_time(pg_int(r, row, 9)),
		"next_reason", col_str(r, row, 10),
		"last_status", status ? json_integer(status) : json_null(),
		"last_error", col_str(r, row, 12),
		"failures", (json_int_t)pg_int(r, row, 13),
		"last_warning", col_str(r, row, 30),
		"gone", pg_bool(r, row, 14),
		"removed", pg_bool(r, row, 16),
		"identity", pg_bool(r, row, 15) ? "link" : "guid",
		"tags", jt ? jt : json_array(),
		"items", (json_int_t)pg_int(r, row, 26),
		"counters", counters,
		"hooks_pending", (json_int_t)pg_int(r, row, 28),
		"hooks_failed", (json_int_t)pg_int(r, row, 29));
}

int pg_op_feeds_json(void *b, const char *name, json_t **out)
{
	struct pg *s = b;
	*out = NULL;
	struct pgp p = {0};
	pgp_text(&p, name);
	int r = 0;
	PGresult *res = pg_exec(s, PS_FEEDS_JSON, &p, "feeds json", &r);
	if (!res)
		return r;
	int n = PQntuples(res);
	if (name) {
		if (n < 1) {
			PQclear(res);
			return -ENOENT;
		}
		*out = feed_row_json(res, 0);
	} else {
		json_t *arr = json_array();
		for (int i = 0; i < n; i++)
			json_array_append_new(arr, feed_row_json(res, i));
		*out = arr;
	}
	PQclear(res);
	return 0;
}

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
			"started", pg_json_time(pg_int(res, i, 3)),
			"last_seen", pg_json_time(pg_int(res, i, 4)),
			"self", strcmp(PQgetvalue(res, i, 0), s->instance) == 0,
			"stale", strcmp(PQgetvalue(res, i, 7), "t") == 0,
			"leases", (json_int_t)pg_int(res, i, 5),
			"feeds", jf ? jf : json_array()));
	}
	PQclear(res);
	*out = arr;
	return 0;
}
