/* feeds.c — feed rows for every backend: following the config (added,
 * re-added, URL and tag changes, removed), a feed's state loaded for the
 * scheduler, the feeds as JSON for the API, and a feed renamed. The backend (backend.h)
 * supplies the statements and reads their rows; the column order of its
 * feed_row and feeds_rows queries is the one below. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/date.h"
#include "core/log.h"
#include "store/backend.h"

void feed_state_clear(struct feed_state *st)
{
	if (!st)
		return;
	free(st->name);
	free(st->url);
	free(st->effective_url);
	free(st->title);
	free(st->site_url);
	free(st->etag);
	free(st->last_modified);
	free(st->next_reason);
	free(st->last_error);
	free(st->last_warning);
	memset(st, 0, sizeof *st);
}

int feed_state_copy(struct feed_state *dst, const struct feed_state *src)
{
	*dst = *src;
	char **strs[] = {&dst->name, &dst->url, &dst->effective_url, &dst->title,
			 &dst->site_url, &dst->etag, &dst->last_modified, &dst->next_reason,
			 &dst->last_error, &dst->last_warning};
	bool ok = true;
	for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++) {
		if (*strs[i] && !(*strs[i] = strdup(*strs[i])))
			ok = false;
	}
	if (ok)
		return 0;
	feed_state_clear(dst);   /* free(NULL) for the ones that failed */
	return -ENOMEM;
}

/* --- following the config --- */

/* One configured feed: added, re-added, or its URL changed. */
static int sync_feed(const struct store_prims *ops, void *b, const struct feed_conf *fc,
		     int64_t now)
{
	int64_t id = 0;
	bool removed = false;
	char *url = NULL;
	int r = ops->feeds->feed_find(b, fc->name, &id, &url, &removed);
	if (r == -ENOENT) {
		if ((r = ops->feeds->feed_add(b, fc->name, fc->url, now, &id)) == 0)
			r = ops->event_add(b, "feed.added", now, fc->name, 0,
					   json_pack("{s:o}", "url", json_string_lossy(fc->url)));
	} else if (r == 0) {
		if (removed && (r = ops->feeds->feed_set_removed(b, id, false)) == 0)
			r = ops->event_add(b, "feed.added", now, fc->name, 0,
					   json_pack("{s:o}", "url", json_string_lossy(fc->url)));
		if (!r && fc->url && (!url || strcmp(url, fc->url) != 0)) {
			/* A new URL is a new resource: old validators and 410 do not apply. */
			if ((r = ops->feeds->feed_set_url(b, id, fc->url)) == 0)
				log_info("feed %s: url changed to %s", fc->name, fc->url);
		}
	}
	free(url);
	if (!r)
		r = ops->feeds->feed_set_tags(b, id, fc->tags);
	return r;
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The feeds in the store the config no longer names (collected first:
 * a backend may not write the table it is walking). */
struct gone_feeds {
	const char **conf;
	size_t nconf;
	int64_t *id;
	char **name;
	size_t n, cap;
};

static int collect_gone(int64_t id, const char *name, bool removed, void *ud)
{
	struct gone_feeds *g = ud;
	if (removed || bsearch(&name, g->conf, g->nconf, sizeof *g->conf, cmp_name))
		return 0;
	if (g->n == g->cap) {
		size_t cap = g->cap ? g->cap * 2 : 8;
		int64_t *ids = realloc(g->id, cap * sizeof *ids);
		if (ids)
			g->id = ids;
		char **names = ids ? realloc(g->name, cap * sizeof *names) : NULL;
		if (!names)
			return -ENOMEM;
		g->name = names;
		g->cap = cap;
	}
	if (!(g->name[g->n] = strdup(name)))
		return -ENOMEM;
	g->id[g->n++] = id;
	return 0;
}

static int sync_removed(const struct store_prims *ops, void *b, const struct config *c,
			int64_t now)
{
	struct gone_feeds g = {.nconf = c->nfeeds};
	g.conf = malloc((c->nfeeds ? c->nfeeds : 1) * sizeof *g.conf);
	if (!g.conf)
		return -ENOMEM;
	for (size_t i = 0; i < c->nfeeds; i++)
		g.conf[i] = c->feeds[i].name;
	qsort(g.conf, c->nfeeds, sizeof *g.conf, cmp_name);
	int r = ops->feeds->feeds_each(b, collect_gone, &g);
	for (size_t i = 0; i < g.n && !r; i++)
		if ((r = ops->feeds->feed_set_removed(b, g.id[i], true)) == 0)
			r = ops->event_add(b, "feed.removed", now, g.name[i], 0, NULL);
	for (size_t i = 0; i < g.n; i++)
		free(g.name[i]);
	free(g.name);
	free(g.id);
	free(g.conf);
	return r;
}

int feeds_sync(const struct store_prims *ops, void *b, const struct config *c)
{
	int64_t now = time(NULL);
	int r = ops->tx_begin(b);
	if (r < 0)
		return r;
	for (size_t i = 0; i < c->nfeeds && !r; i++)
		r = sync_feed(ops, b, &c->feeds[i], now);
	if (!r)
		r = sync_removed(ops, b, c, now);
	if (!r)
		r = ops->tx_commit(b, false, NULL);
	if (r < 0)
		ops->tx_rollback(b);
	return r;
}

/* --- a feed's state --- */

static char *dup_col(const struct store_row *row, int col)
{
	const char *v = row->text(row, col);
	return v ? strdup(v) : NULL;
}

/* The columns: name, url, effective_url, title, site_url, etag,
 * last_modified, last_fetch, last_success, next_due, next_reason,
 * last_status, last_error, failures, gone, link_identity, the nine
 * counters, the item count, last_warning, n_truncated. */
static int load_row(const struct store_row *row, void *ud)
{
	struct feed_state *out = ud;
	char **strs[] = {&out->name, &out->url, &out->effective_url, &out->title,
			 &out->site_url, &out->etag, &out->last_modified};
	for (int i = 0; i < 7; i++)
		*strs[i] = dup_col(row, i);
	out->last_fetch = row->num(row, 7);
	out->last_success = row->num(row, 8);
	out->next_due = row->num(row, 9);
	out->next_reason = dup_col(row, 10);
	out->last_status = (int)row->num(row, 11);
	out->last_error = dup_col(row, 12);
	out->failures = row->num(row, 13);
	out->gone = row->flag(row, 14);
	out->link_identity = row->flag(row, 15);
	int64_t *counters[] = {&out->n_requests, &out->n_conditional, &out->n_200,
			       &out->n_304, &out->n_err_net, &out->n_err_http,
			       &out->n_err_parse, &out->bytes_wire, &out->bytes_decoded,
			       &out->n_items};
	for (int i = 0; i < 10; i++)
		*counters[i] = row->num(row, 16 + i);
	out->last_warning = dup_col(row, 26);
	out->n_truncated = row->num(row, 27);
	return 0;
}

int feed_load(const struct store_prims *ops, void *b, const char *name, struct feed_state *out)
{
	memset(out, 0, sizeof *out);
	return ops->feeds->feed_row(b, name, load_row, out);
}

/* --- the feeds as JSON --- */

static json_t *col_str(const struct store_row *row, int col)
{
	return json_string_lossy(row->text(row, col));
}

json_t *store_json_time(int64_t t)
{
	if (!t)
		return json_null();
	char buf[32];
	date_format_rfc3339(t, buf, sizeof buf);
	return json_string(buf);
}

json_t *store_row_time(const struct store_row *row, int col)
{
	return store_json_time(row->num(row, col));
}

/* The columns of load_row up to link_identity, then removed, the nine
 * counters, the item count, the tags (a JSON array), the pending and the
 * given-up hook deliveries, last_warning, n_truncated. */
static json_t *feed_row_json(const struct store_row *row)
{
	json_t *counters = json_pack("{s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I}",
		"requests", (json_int_t)row->num(row, 17),
		"truncated", (json_int_t)row->num(row, 31),
		"conditional", (json_int_t)row->num(row, 18),
		"ok", (json_int_t)row->num(row, 19),
		"not_modified", (json_int_t)row->num(row, 20),
		"errors_net", (json_int_t)row->num(row, 21),
		"errors_http", (json_int_t)row->num(row, 22),
		"errors_parse", (json_int_t)row->num(row, 23),
		"bytes_wire", (json_int_t)row->num(row, 24),
		"bytes_decoded", (json_int_t)row->num(row, 25));
	const char *tags = row->text(row, 27);
	json_t *jt = tags ? json_loads(tags, 0, NULL) : NULL;
	int status = (int)row->num(row, 11);
	return json_pack("{s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:I,"
			 "s:o,s:b,s:b,s:s,s:o,s:I,s:o,s:I,s:I}",
		"name", col_str(row, 0),
		"url", col_str(row, 1),
		"effective_url", col_str(row, 2),
		"title", col_str(row, 3),
		"site_url", col_str(row, 4),
		"etag", col_str(row, 5),
		"last_modified", col_str(row, 6),
		"last_fetch", store_row_time(row, 7),
		"last_success", store_row_time(row, 8),
		"next_due", store_row_time(row, 9),
		"next_reason", col_str(row, 10),
		"last_status", status ? json_integer(status) : json_null(),
		"last_error", col_str(row, 12),
		"failures", (json_int_t)row->num(row, 13),
		"last_warning", col_str(row, 30),
		"gone", row->flag(row, 14),
		"removed", row->flag(row, 16),
		"identity", row->flag(row, 15) ? "link" : "guid",
		"tags", jt ? jt : json_array(),
		"items", (json_int_t)row->num(row, 26),
		"counters", counters,
		"hooks_pending", (json_int_t)row->num(row, 28),
		"hooks_failed", (json_int_t)row->num(row, 29));
}

static int json_row(const struct store_row *row, void *ud)
{
	json_t *j = feed_row_json(row);
	return j && json_array_append_new(ud, j) == 0 ? 0 : -ENOMEM;
}

int feeds_json(const struct store_prims *ops, void *b, const char *name, json_t **out)
{
	*out = NULL;
	json_t *arr = json_array();
	if (!arr)
		return -ENOMEM;
	int r = ops->feeds->feeds_rows(b, name, json_row, arr);
	if (r == 0 && name) {
		json_t *one = json_array_get(arr, 0);
		*out = one ? json_incref(one) : NULL;
		json_decref(arr);
		return one ? 0 : -ENOENT;
	}
	if (r < 0) {
		json_decref(arr);
		return r;
	}
	*out = arr;
	return 0;
}

int feeds_rename(const struct store_prims *ops, void *b, const char *from, const char *to)
{
	/* One transaction: the name TO free, the row and its events renamed,
	 * a feed.renamed event (data: the old name). */
	int r = ops->tx_begin(b);
	if (r < 0)
		return r;
	int64_t id;
	char *url = NULL;
	bool removed;
	r = ops->feeds->feed_find(b, to, &id, &url, &removed);
	free(url);
	if (r == 0)
		r = -EEXIST;
	else if (r == -ENOENT)
		r = ops->feeds->feed_rename(b, from, to);
	if (r == 0)
		r = ops->event_add(b, "feed.renamed", (int64_t)time(NULL), to, 0,
				   json_pack("{s:s}", "from", from));
	if (r == 0)
		return ops->tx_commit(b, false, NULL);
	ops->tx_rollback(b);
	return r;
}
