/* pg_commit.c — one fetched document, one PostgreSQL transaction: the
 * feed's state, its items deduplicated (DESIGN.md, "Dedup", the same rules
 * as sqlite_commit.c through dedup.c) and the events they cause. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/date.h"
#include "core/log.h"
#include "core/url.h"
#include "store/dedup.h"
#include "store/pg_int.h"

/* The running totals of one commit. */
struct commit_acc {
	int64_t *new_ids;
	size_t nnew, cap;
	size_t nupdated;
	/* Ids of the stored items this document lists: an open-addressing set
	 * (0 = empty slot) and the same ids in order, for feeds.listed. */
	int64_t *set;
	size_t set_cap;
	int64_t *listed;
	size_t nlisted;
	/* Edited items, rewritten after the document's inserts, so that the
	 * events come in the same order as from the SQLite store. */
	struct edit { int64_t id; const struct dedup_item *p; } *edits;
	size_t nedits, edits_cap;
};

/* A stored row found for an item: its id, content hash and last_seen. */
struct found {
	int64_t id;
	char chash[33];
	int64_t last_seen;
	int rows;
};

static size_t set_slot(const struct commit_acc *acc, int64_t id)
{
	size_t i = (size_t)((uint64_t)id * 0x9E3779B97F4A7C15ULL) & (acc->set_cap - 1);
	while (acc->set[i] && acc->set[i] != id)
		i = (i + 1) & (acc->set_cap - 1);
	return i;
}

static bool listed_has(const struct commit_acc *acc, int64_t id)
{
	return acc->set[set_slot(acc, id)] == id;
}

static void listed_add(struct commit_acc *acc, int64_t id)
{
	size_t i = set_slot(acc, id);
	if (acc->set[i] != id) {
		acc->set[i] = id;
		acc->listed[acc->nlisted++] = id;
	}
}

/* feeds.listed: the ids this document lists, as an array literal. */
static char *listed_array(const struct commit_acc *acc)
{
	char *out = malloc(acc->nlisted * 21 + 3);
	if (!out)
		return NULL;
	size_t o = 0;
	out[o++] = '{';
	for (size_t i = 0; i < acc->nlisted; i++)
		o += (size_t)sprintf(out + o, i ? ",%" PRId64 : "%" PRId64, acc->listed[i]);
	out[o++] = '}';
	out[o] = '\0';
	return out;
}

static int lookup(struct pg *s, enum pst id, int64_t feed, const char *arg, struct found *f)
{
	struct pgp p = {0};
	pgp_int(&p, feed);
	pgp_text(&p, arg);
	memset(f, 0, sizeof *f);
	int r = 0;
	PGresult *res = pg_exec(s, id, &p, "item lookup", &r);
	if (!res)
		return r;
	f->rows = PQntuples(res);
	if (f->rows) {
		f->id = pg_int(res, 0, 0);
		if (PQnfields(res) > 1) {
			snprintf(f->chash, sizeof f->chash, "%s", PQgetvalue(res, 0, 1));
			f->last_seen = pg_int(res, 0, 2);
		}
	}
	PQclear(res);
	return 0;
}

/* last_seen is kept to within a day, as in the SQLite store: rewriting
 * every listed row at every fetch would cost a row version per item. */
#define LAST_SEEN_GRAIN 86400

static int item_seen(struct pg *s, const struct found *f, int64_t now)
{
	if (now - f->last_seen < LAST_SEEN_GRAIN)
		return 0;
	struct pgp p = {0};
	pgp_int(&p, f->id);
	pgp_int(&p, now);
	return pg_run(s, PS_ITEM_SEEN, &p, "item seen");
}

/* The item's stored fields, in the order both the insert and the update
 * take them (guid … content hash). */
static void pgp_item(struct pgp *p, const struct dedup_item *d)
{
	const struct item *it = d->it;
	pgp_text(p, it->guid);
	pgp_text(p, it->url);
	pgp_text(p, d->canon);
	pgp_text(p, it->title);
	pgp_text(p, it->author);
	pgp_text(p, it->summary);
	pgp_text(p, it->content);
	pgp_date(p, it->published);
	pgp_date(p, it->updated);
	pgp_text(p, d->categories);
	pgp_text(p, d->enclosures);
	pgp_text(p, d->chash);
}

static int item_update(struct pg *s, int64_t id, const struct dedup_item *d, int64_t now)
{
	struct pgp p = {0};
	pgp_int(&p, id);
	pgp_item(&p, d);
	pgp_int(&p, now);
	return pg_run(s, PS_ITEM_UPDATE, &p, "item update");
}

static int item_rekey(struct pg *s, int64_t id, const struct dedup_item *d)
{
	struct pgp p = {0};
	pgp_int(&p, id);
	pgp_text(&p, d->key);
	pgp_text(&p, d->rule);
	pgp_text(&p, d->it->guid);
	return pg_run(s, PS_ITEM_REKEY, &p, "item rekey");
}

/* A known item listed again: refreshed now, rewritten later if edited. */
static int item_known(struct pg *s, const struct found *f, const struct dedup_item *d,
		      int64_t now, struct commit_acc *acc)
{
	listed_add(acc, f->id);
	int r = item_seen(s, f, now);
	if (r < 0 || strcmp(f->chash, d->chash) == 0)
		return r;
	if (acc->nedits == acc->edits_cap) {
		size_t cap = acc->edits_cap ? acc->edits_cap * 2 : 8;
		struct edit *e = realloc(acc->edits, cap * sizeof *e);
		if (!e)
			return -ENOMEM;
		acc->edits = e;
		acc->edits_cap = cap;
	}
	acc->edits[acc->nedits++] = (struct edit){f->id, d};
	return 0;
}

static int apply_edits(struct pg *s, const char *feed_name, int64_t now,
		       struct commit_acc *acc)
{
	for (size_t i = 0; i < acc->nedits; i++) {
		int r = item_update(s, acc->edits[i].id, acc->edits[i].p, now);
		if (r == 0)
			r = pg_event(s, "item.updated", now, feed_name, acc->edits[i].id, NULL);
		if (r < 0)
			return r;
		acc->nupdated++;
	}
	return 0;
}

static int item_insert(struct pg *s, int64_t feed, const char *feed_name,
		       const struct dedup_item *d, int64_t now, bool hook,
		       struct commit_acc *acc)
{
	const struct item *it = d->it;
	int64_t dup = 0;
	if (d->canon) {
		struct found f;
		int r = lookup(s, PS_DUP_FIND, feed, d->canon, &f);
		if (r < 0)
			return r;
		dup = f.rows ? f.id : 0;
	}
	/* Undated and future items sort by when we first saw them. */
	int64_t sdate = it->published != DATE_NONE && it->published <= now ? it->published : now;
	struct pgp p = {0};
	pgp_int(&p, feed);
	pgp_text(&p, d->key);
	pgp_text(&p, d->rule);
	pgp_item(&p, d);
	pgp_int(&p, now);
	pgp_int(&p, sdate);
	if (dup)
		pgp_int(&p, dup);
	else
		pgp_text(&p, NULL);
	int r = 0;
	PGresult *res = pg_exec(s, PS_ITEM_INSERT, &p, "item insert", &r);
	if (!res)
		return r;
	int64_t id = pg_int(res, 0, 0);
	PQclear(res);
	listed_add(acc, id);
	if (acc->nnew == acc->cap) {
		size_t cap = acc->cap ? acc->cap * 2 : 16;
		int64_t *n = realloc(acc->new_ids, cap * sizeof *n);
		if (!n)
			return -ENOMEM;
		acc->new_ids = n;
		acc->cap = cap;
	}
	acc->new_ids[acc->nnew++] = id;
	if (hook) {
		p.n = 0;
		pgp_int(&p, id);
		pgp_int(&p, feed);
		pgp_int(&p, now);
		if ((r = pg_run(s, PS_HOOK_ADD, &p, "hook queue")) < 0)
			return r;
	}
	/* The item's title and link join in when events are read. */
	return pg_event(s, "item.new", now, feed_name, id, NULL);
}

static int store_one(struct pg *s, int64_t feed, const char *feed_name,
		     const struct dedup_item *d, const char *site_canon, int64_t now,
		     bool hook, struct commit_acc *acc)
{
	struct found f;
	int r = lookup(s, PS_ITEM_BY_KEY, feed, d->key, &f);
	if (r < 0)
		return r;
	if (f.rows) {
		/* A second item with the same identity in one document: the first wins. */
		if (listed_has(acc, f.id))
			return 0;
		return item_known(s, &f, d, now, acc);
	}
	if ((r = lookup(s, PS_TOMB_BY_KEY, feed, d->key, &f)) < 0)
		return r;
	if (f.rows)
		return 0;   /* pruned once: never new again */
	if (dedup_link_usable(d, site_canon)) {
		if ((r = lookup(s, PS_ITEM_BY_CANON, feed, d->canon, &f)) < 0)
			return r;
		if (f.rows == 1 && !listed_has(acc, f.id)) {
			/* The publisher rewrote the identifier: same item, new identity. */
			if ((r = item_rekey(s, f.id, d)) < 0)
				return r;
			return item_known(s, &f, d, now, acc);
		}
		if ((r = lookup(s, PS_TOMB_BY_CANON, feed, d->canon, &f)) < 0)
			return r;
		if (f.rows)
			return 0;
	}
	return item_insert(s, feed, feed_name, d, now, hook, acc);
}

static int store_doc(struct pg *s, int64_t feed, const char *feed_name,
		     const struct doc *doc, int64_t now, bool hook, struct commit_acc *acc)
{
	struct pgp p = {0};
	pgp_text(&p, feed_name);
	int r = 0;
	PGresult *res = pg_exec(s, PS_FEED_ID, &p, "feed lookup", &r);
	if (!res)
		return r;
	if (PQntuples(res) < 1) {
		PQclear(res);
		return -ENOENT;
	}
	bool link_identity = pg_bool(res, 0, 1);
	char *site_canon = url_canonical(doc->feed.link ? doc->feed.link : pg_str(res, 0, 2));
	PQclear(res);

	bool was_link = link_identity;
	struct dedup_item *d = NULL;
	r = -ENOMEM;
	size_t cap = 16;
	while (cap < doc->nitems * 2)
		cap *= 2;
	acc->set = calloc(cap, sizeof *acc->set);
	acc->set_cap = cap;
	acc->listed = malloc(doc->nitems * sizeof *acc->listed);
	if (!acc->set || !acc->listed || (r = dedup_plan(doc, &link_identity, &d)) < 0)
		goto out;
	if (link_identity && !was_link)
		log_notice("feed %s: guids mostly missing or repeated, identifying items by link",
			   feed_name);
	for (size_t i = 0; i < doc->nitems && r == 0; i++)
		r = store_one(s, feed, feed_name, &d[i], site_canon, now, hook, acc);
	if (r < 0 || (r = apply_edits(s, feed_name, now, acc)) < 0)
		goto out;
	/* What this document lists is what retention must leave alone. */
	char *listed = listed_array(acc);
	if (!listed) {
		r = -ENOMEM;
		goto out;
	}
	p.n = 0;
	pgp_int(&p, feed);
	pgp_bool(&p, link_identity);
	pgp_text(&p, listed);
	r = pg_run(s, PS_FEED_DOC, &p, "feed document");
	free(listed);
out:
	if (d)
		dedup_free(d, doc->nitems);
	free(site_canon);
	return r;
}

static void acc_free(struct commit_acc *acc)
{
	free(acc->new_ids);
	free(acc->edits);
	free(acc->set);
	free(acc->listed);
}

static int write_state(struct pg *s, int64_t feed, const struct feed_state *fs,
		       const struct doc *doc)
{
	struct pgp p = {0};
	pgp_int(&p, feed);
	pgp_text(&p, fs->url);
	pgp_text(&p, fs->effective_url);
	pgp_text(&p, doc && doc->feed.title ? doc->feed.title : fs->title);
	pgp_text(&p, doc && doc->feed.link ? doc->feed.link : fs->site_url);
	pgp_text(&p, fs->etag);
	pgp_text(&p, fs->last_modified);
	pgp_int(&p, fs->last_fetch);
	pgp_int(&p, fs->last_success);
	pgp_int(&p, fs->next_due);
	pgp_text(&p, fs->next_reason);
	pgp_int(&p, fs->last_status);
	pgp_text(&p, fs->last_error);
	pgp_int(&p, fs->failures);
	pgp_bool(&p, fs->gone);
	int64_t counters[] = {fs->n_requests, fs->n_conditional, fs->n_200, fs->n_304,
			      fs->n_err_net, fs->n_err_http, fs->n_err_parse,
			      fs->bytes_wire, fs->bytes_decoded};
	for (int i = 0; i < 9; i++)
		pgp_int(&p, counters[i]);
	return pg_run(s, PS_FEED_STATE, &p, "feed state");
}

static int feed_events(struct pg *s, const struct feed_state *fs, unsigned ev, int64_t now)
{
	int r = 0;
	if (!r && (ev & STORE_EV_MOVED))
		r = pg_event(s, "feed.moved", now, fs->name, 0,
			     json_pack("{s:o}", "url", json_string_lossy(fs->effective_url)));
	if (!r && (ev & STORE_EV_GONE))
		r = pg_event(s, "feed.gone", now, fs->name, 0,
			     json_pack("{s:i}", "status", fs->last_status));
	if (!r && (ev & STORE_EV_FAILING))
		r = pg_event(s, "feed.failing", now, fs->name, 0,
			     json_pack("{s:o,s:I}", "error", json_string_lossy(fs->last_error),
				       "failures", (json_int_t)fs->failures));
	if (!r && (ev & STORE_EV_RECOVERED))
		r = pg_event(s, "feed.recovered", now, fs->name, 0, NULL);
	return r;
}

int pg_op_commit_fetch(void *b, const struct feed_state *st, const struct doc *doc,
		       unsigned feed_events_mask, bool hook, struct store_news *news)
{
	struct pg *s = b;
	if (news)
		memset(news, 0, sizeof *news);
	if (!st || !st->name)
		return -EINVAL;
	int64_t now = time(NULL);
	struct commit_acc acc = {0};
	int64_t feed;
	int r = pg_begin(s);
	if (r < 0)
		return r;
	if ((r = pg_feed_id(s, st->name, st->url, true, now, &feed)) < 0 ||
	    (r = write_state(s, feed, st, doc)) < 0)
		goto fail;
	/* An empty document says nothing about which items are still listed. */
	if (doc && doc->nitems && (r = store_doc(s, feed, st->name, doc, now, hook, &acc)) < 0)
		goto fail;
	if ((r = feed_events(s, st, feed_events_mask, now)) < 0)
		goto fail;
	/* Delivered at commit, to every instance: their long-polls wake too. */
	if ((acc.nnew || acc.nupdated || feed_events_mask) &&
	    (r = pg_sql(s, "NOTIFY " PG_NEWS_CHANNEL, "notify")) < 0)
		goto fail;
	if ((r = pg_commit(s)) < 0)
		goto fail;
	if (news) {
		news->new_ids = acc.new_ids;
		news->nnew = acc.nnew;
		news->nupdated = acc.nupdated;
		acc.new_ids = NULL;
		pg_op_last_ids(s, &news->last_item_id, &news->last_event_seq);
	}
	acc_free(&acc);
	return 0;
fail:
	pg_rollback(s);
	acc_free(&acc);
	return r;
}
