/* feeds.c — feed rows for every backend: following the config (added,
 * re-added, URL and tag changes, removed), a feed's state loaded for the
 * scheduler, the feeds as JSON for the API, and a feed renamed. The backend (backend.h)
 * supplies the statements and reads their rows; the column order of its
 * feed_row and feeds_rows queries is the one below. */
#include <errno.h>
#include <stdio.h>
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

/* The feed rows as the store has them, read in two statements (every row,
 * every tag) rather than two per configured feed: a start with 5 000 feeds
 * wrote their tags again and looked each row up by name. */
struct known_feed {
	char *name, *url;
	int64_t id;
	bool removed, seen;
	bool named;                  /* the config has a feed of this name */
	char **tags;                 /* sorted */
	size_t ntags, captags;
};

struct known_feeds {
	struct known_feed *f;        /* by name once read */
	size_t n, cap;
	struct known_feed **by_id;
	struct known_feed **orphans; /* running (not removed), and the config lacks the name */
	size_t norphans;
};

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int cmp_known_name(const void *a, const void *b)
{
	return strcmp(((const struct known_feed *)a)->name, ((const struct known_feed *)b)->name);
}

static int cmp_known_id(const void *a, const void *b)
{
	int64_t x = (*(struct known_feed *const *)a)->id, y = (*(struct known_feed *const *)b)->id;
	return (x > y) - (x < y);
}

static int collect_feed(int64_t id, const char *name, const char *url, bool removed, void *ud)
{
	struct known_feeds *k = ud;
	if (k->n == k->cap) {
		size_t cap = k->cap ? k->cap * 2 : 64;
		struct known_feed *f = realloc(k->f, cap * sizeof *f);
		if (!f)
			return -ENOMEM;
		k->f = f;
		k->cap = cap;
	}
	struct known_feed *f = &k->f[k->n];
	*f = (struct known_feed){.id = id, .removed = removed, .name = strdup(name ? name : "")};
	if (!f->name || (url && !(f->url = strdup(url)))) {
		free(f->name);
		return -ENOMEM;
	}
	k->n++;
	return 0;
}

static int collect_tag(int64_t feed, const char *tag, void *ud)
{
	struct known_feeds *k = ud;
	struct known_feed key = {.id = feed}, *pk = &key;
	struct known_feed **hit = k->n ? bsearch(&pk, k->by_id, k->n, sizeof *k->by_id,
						 cmp_known_id) : NULL;
	if (!hit || !tag)
		return 0;
	struct known_feed *f = *hit;
	if (f->ntags == f->captags) {
		size_t cap = f->captags ? f->captags * 2 : 4;
		char **t = realloc(f->tags, cap * sizeof *t);
		if (!t)
			return -ENOMEM;
		f->tags = t;
		f->captags = cap;
	}
	if (!(f->tags[f->ntags] = strdup(tag)))
		return -ENOMEM;
	f->ntags++;
	return 0;
}

static void known_free(struct known_feeds *k)
{
	for (size_t i = 0; i < k->n; i++) {
		free(k->f[i].name);
		free(k->f[i].url);
		for (size_t j = 0; j < k->f[i].ntags; j++)
			free(k->f[i].tags[j]);
		free(k->f[i].tags);
	}
	free(k->f);
	free(k->by_id);
	free(k->orphans);
}

static int known_read(const struct store_prims *ops, void *b, struct known_feeds *k)
{
	int r = ops->feeds->feeds_each(b, collect_feed, k);
	if (r < 0)
		return r;
	if (!(k->by_id = malloc((k->n ? k->n : 1) * sizeof *k->by_id)))
		return -ENOMEM;
	for (size_t i = 0; i < k->n; i++)
		k->by_id[i] = &k->f[i];
	if (k->n > 1)
		qsort(k->by_id, k->n, sizeof *k->by_id, cmp_known_id);
	if ((r = ops->feeds->tags_each(b, collect_tag, k)) < 0)
		return r;
	/* by_id points into f: sort the tags now, the feeds by name last. */
	for (size_t i = 0; i < k->n; i++)
		if (k->f[i].ntags > 1)
			qsort(k->f[i].tags, k->f[i].ntags, sizeof *k->f[i].tags, cmp_str);
	if (k->n > 1)
		qsort(k->f, k->n, sizeof *k->f, cmp_known_name);
	free(k->by_id);
	k->by_id = NULL;
	return 0;
}

/* Whether the config's TAGS (NULL-terminated, maybe repeated) are the
 * stored ones of F. */
static bool same_tags(const struct known_feed *f, char *const *tags)
{
	size_t n = 0;
	while (tags && tags[n])
		n++;
	const char **t = malloc((n ? n : 1) * sizeof *t);
	if (!t)
		return false;   /* written again, then */
	if (n)
		memcpy(t, tags, n * sizeof *t);
	if (n > 1)
		qsort(t, n, sizeof *t, cmp_str);
	size_t u = 0;
	for (size_t i = 0; i < n; i++)
		if (!u || strcmp(t[u - 1], t[i]) != 0)
			t[u++] = t[i];
	bool same = u == f->ntags;
	for (size_t i = 0; same && i < u; i++)
		same = strcmp(t[i], f->tags[i]) == 0;
	free(t);
	return same;
}

static struct known_feed *known_find(const struct known_feeds *k, const char *name)
{
	struct known_feed key = {.name = (char *)name};
	return k->n ? bsearch(&key, k->f, k->n, sizeof *k->f, cmp_known_name) : NULL;
}

/* The running rows whose names the config no longer has: the ones a new
 * name in it at the same URL is a rename of (renamed_row). */
static int known_orphans(struct known_feeds *k, const struct config *c)
{
	for (size_t i = 0; i < c->nfeeds; i++) {
		struct known_feed *f = known_find(k, c->feeds[i].name);
		if (f)
			f->named = true;
	}
	if (!(k->orphans = malloc((k->n ? k->n : 1) * sizeof *k->orphans)))
		return -ENOMEM;
	for (size_t i = 0; i < k->n; i++)
		if (!k->f[i].named && !k->f[i].removed)
			k->orphans[k->norphans++] = &k->f[i];
	return 0;
}

/* The row that configured feed FC, which the store lacks by name, is
 * the same feed as: the one running row at FC's URL whose name the
 * config no longer has. The config renamed it, so its history is FC's:
 * by hand, or feedctl rename's edit whose store step had not happened,
 * or had happened with the file put back (a timeout, a crash between
 * the two). The file wins either way and the store follows it, instead
 * of a new feed that announces every item again. NULL: none, or two (no
 * guessing which). */
static struct known_feed *renamed_row(struct known_feeds *k, const struct feed_conf *fc)
{
	struct known_feed *hit = NULL;
	for (size_t i = 0; fc->url && i < k->norphans; i++) {
		struct known_feed *f = k->orphans[i];
		if (f->seen || !f->url || strcmp(f->url, fc->url) != 0)
			continue;
		if (hit)
			return NULL;
		hit = f;
	}
	return hit;
}

/* Row F (named FROM) is called TO from now on, its events too, with a
 * feed.renamed event; TO is no row's name. */
static int rename_row(const struct store_prims *ops, void *b, const char *from, const char *to,
		      int64_t now)
{
	int r = ops->feeds->feed_rename(b, from, to);
	if (r == 0)
		r = ops->event_add(b, "feed.renamed", now, to, 0, json_pack("{s:s}", "from", from));
	return r;
}

/* A removed feed F whose name the config gives to another URL: that is
 * another site, not this feed coming back, so its history (items, ids,
 * tombstones, events) is moved aside under NAME.removed-ID, a name no
 * row and no configured feed has, and the configured feed starts afresh.
 * Otherwise its identities would count the new site's items as updates of
 * the old one's and never announce them. */
static int set_aside(const struct store_prims *ops, void *b, const struct known_feeds *k,
		     const struct config *c, const struct known_feed *f, int64_t now)
{
	char aside[160];   /* a name is at most 100 bytes (core/config.c) */
	for (int64_t n = f->id;; n++) {
		int w = snprintf(aside, sizeof aside, "%s.removed-%lld", f->name, (long long)n);
		if (w < 0 || (size_t)w >= sizeof aside || !config_valid_feed_name(aside))
			snprintf(aside, sizeof aside, "removed-%lld", (long long)n);
		if (!known_find(k, aside) && !config_find_feed(c, aside))
			break;
	}
	int r = rename_row(ops, b, f->name, aside, now);
	if (r == 0)
		log_info("feed %s: a removed feed of that name had another url (%s): its "
			 "history is kept as %s", f->name, f->url, aside);
	return r;
}

/* One configured feed: added, re-added, or its URL or tags changed. */
static int sync_feed(const struct store_prims *ops, void *b, struct known_feeds *k,
		     const struct config *c, const struct feed_conf *fc, int64_t now)
{
	struct known_feed *f = known_find(k, fc->name);
	int64_t id = 0;
	int r = 0;
	if (f && f->removed && f->url && fc->url && strcmp(f->url, fc->url) != 0) {
		if ((r = set_aside(ops, b, k, c, f, now)) < 0)
			return r;
		f->seen = true;   /* it stays removed, under its new name */
		f = NULL;
	}
	if (!f && (f = renamed_row(k, fc))) {
		/* Its entry keeps the old name: renaming it would unsort K. */
		if ((r = rename_row(ops, b, f->name, fc->name, now)) < 0)
			return r;
		log_notice("feed %s renamed %s (the config names it so, at the same url): "
			   "its items and history kept", f->name, fc->name);
	}
	if (!f) {
		if ((r = ops->feeds->feed_add(b, fc->name, fc->url, now, &id)) == 0)
			r = ops->event_add(b, "feed.added", now, fc->name, 0,
					   json_pack("{s:o}", "url", json_string_lossy(fc->url)));
	} else {
		f->seen = true;
		id = f->id;
		if (f->removed && (r = ops->feeds->feed_set_removed(b, id, false)) == 0)
			r = ops->event_add(b, "feed.added", now, fc->name, 0,
					   json_pack("{s:o}", "url", json_string_lossy(fc->url)));
		if (!r && fc->url && (!f->url || strcmp(f->url, fc->url) != 0)) {
			/* A new URL is a new resource: old validators and 410 do not apply. */
			if ((r = ops->feeds->feed_set_url(b, id, fc->url)) == 0)
				log_info("feed %s: url changed to %s", fc->name, fc->url);
		}
	}
	if (!r && (!f || !same_tags(f, fc->tags)))
		r = ops->feeds->feed_set_tags(b, id, fc->tags);
	return r;
}

/* The feeds in the store the config no longer names (every row not seen
 * by sync_feed): marked removed, their history kept. */
static int sync_removed(const struct store_prims *ops, void *b, const struct known_feeds *k,
			int64_t now)
{
	int r = 0;
	for (size_t i = 0; i < k->n && !r; i++) {
		const struct known_feed *f = &k->f[i];
		if (f->seen || f->removed)
			continue;
		if ((r = ops->feeds->feed_set_removed(b, f->id, true)) == 0)
			r = ops->event_add(b, "feed.removed", now, f->name, 0, NULL);
	}
	return r;
}

/* FROM renamed TO, without a transaction of its own. */
static int rename_checked(const struct store_prims *ops, void *b, const char *from,
			  const char *to, int64_t now)
{
	int64_t id;
	char *url = NULL;
	bool removed;
	int r = ops->feeds->feed_find(b, to, &id, &url, &removed);
	free(url);
	if (r == 0)
		return -EEXIST;
	return r == -ENOENT ? rename_row(ops, b, from, to, now) : r;
}

int feeds_sync(const struct store_prims *ops, void *b, const struct config *c,
	       const char *from, const char *to)
{
	int64_t now = time(NULL);
	struct known_feeds k = {0};
	int r = ops->tx_begin(b);
	if (r < 0)
		return r;
	/* A rename and the feed set that follows from it commit together:
	 * the store never keeps one without the other. */
	if (from)
		r = rename_checked(ops, b, from, to, now);
	if (!r)
		r = known_read(ops, b, &k);
	if (!r)
		r = known_orphans(&k, c);
	/* A config names a feed once (config.c refuses a repeated name). */
	for (size_t i = 0; i < c->nfeeds && !r; i++)
		r = sync_feed(ops, b, &k, c, &c->feeds[i], now);
	if (!r)
		r = sync_removed(ops, b, &k, now);
	if (!r)
		r = ops->tx_commit(b, false, NULL);
	if (r < 0)
		ops->tx_rollback(b);
	known_free(&k);
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

struct load_all {
	int (*fn)(struct feed_state *st, void *ud);
	void *ud;
};

static int load_each(const struct store_row *row, void *ud)
{
	struct load_all *la = ud;
	struct feed_state st = {0};
	load_row(row, &st);
	if (!st.name) {
		feed_state_clear(&st);
		return -ENOMEM;
	}
	return la->fn(&st, la->ud);
}

int feeds_load(const struct store_prims *ops, void *b,
	       int (*fn)(struct feed_state *st, void *ud), void *ud)
{
	struct load_all la = {fn, ud};
	return ops->feeds->feed_row(b, NULL, load_each, &la);
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
	r = rename_checked(ops, b, from, to, (int64_t)time(NULL));
	if (r == 0)
		return ops->tx_commit(b, false, NULL);
	ops->tx_rollback(b);
	return r;
}
