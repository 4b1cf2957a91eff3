/* commit.c — a fetched document's commit, for every backend: the feed's
 * state, its items deduplicated (DESIGN.md, "Dedup", the rules of dedup.c)
 * and the events they cause, in one transaction of its own
 * (commit_fetch) or with the other fetches of a batch, each in its own
 * savepoint (commit_batch: the store thread's group commit). The
 * algorithm lives here once; the backend (store/backend.h) supplies the
 * statements.
 *
 * The order of the writes: the feed's state (which says what the dedup
 * needs of its row); the document's lookups (a backend answers them in one
 * go or item by item when asked); the decisions, item by item in document
 * order; the rewritten identities (before any lookup that one of them may
 * answer differently, and at the end), the refreshed last_seen, the new
 * items with their item.new events, hook deliveries and what the document
 * lists, the edited items with their item.updated events (and
 * duplicate_of again where an edit moved an item's canonical link); the
 * feed's own events; the commit. Deciding before inserting changes
 * nothing: a new row of this document could only answer a later item
 * with the same identity (a repeat) or the same link under another
 * identity (then the link rule is off for both), and duplicates are
 * looked for in other feeds only (so this document's edits, all of one
 * feed, change no duplicate_of of its new items either). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/log.h"
#include "core/url.h"
#include "store/backend.h"

/* last_seen is kept to within a day: rewriting every listed row at every
 * fetch would make an unchanged document cost a write per item. */
#define LAST_SEEN_GRAIN 86400

struct commit_acc {
	const struct store_prims *ops;
	void *b;
	struct commit_doc d;
	/* Per item: its known row went to an earlier item under a new
	 * identity, so what was fetched with the document does not answer
	 * for it: ask now. */
	bool *ask_now;
	/* Ids of the stored items this document lists: an open-addressing set
	 * (0 = empty slot) and the same ids in order, for feeds.listed. */
	int64_t *set;
	size_t set_cap;
	int64_t *listed;
	size_t nlisted;
	/* Writes decided item by item, made after the decisions. */
	int64_t *seen;
	size_t nseen;
	struct commit_ref *rekeys, *edits;
	size_t nrekeys, nedits;
	size_t *news;                  /* items to insert, in document order */
	size_t nnews;
	int64_t *new_ids;
	size_t nnew, nupdated;
};

static size_t set_slot(const struct commit_acc *acc, int64_t id)
{
	size_t i = (size_t)((uint64_t)id * 0x9E3779B97F4A7C15ULL) & (acc->set_cap - 1);
	while (acc->set[i] && acc->set[i] != id)
		i = (i + 1) & (acc->set_cap - 1);
	return i;
}

/* Whether this document already listed stored item ID. */
static bool listed_has(void *ud, int64_t id)
{
	const struct commit_acc *acc = ud;
	return acc->set && acc->set[set_slot(acc, id)] == id;
}

static void listed_add(struct commit_acc *acc, int64_t id)
{
	size_t i = set_slot(acc, id);
	if (acc->set[i] != id) {
		acc->set[i] = id;
		acc->listed[acc->nlisted++] = id;
	}
}

static void acc_free(struct commit_acc *acc)
{
	struct commit_doc *d = &acc->d;
	free(d->known);
	free(d->alt);
	free(d->by_link);
	free(d->tomb_key);
	free(d->tomb_link);
	free(d->tomb_alt);
	free(acc->ask_now);
	free(acc->set);
	free(acc->listed);
	free(acc->seen);
	free(acc->rekeys);
	free(acc->edits);
	free(acc->news);
	free(acc->new_ids);
}

static int acc_init(struct commit_acc *acc, size_t n)
{
	struct commit_doc *d = &acc->d;
	d->n = n;
	size_t cap = 16;
	while (cap < n * 2)
		cap *= 2;
	acc->set_cap = cap;
	acc->set = calloc(cap, sizeof *acc->set);
	d->known = calloc(n, sizeof *d->known);
	d->alt = calloc(n, sizeof *d->alt);
	d->by_link = calloc(n, sizeof *d->by_link);
	d->tomb_key = calloc(n, sizeof *d->tomb_key);
	d->tomb_link = calloc(n, sizeof *d->tomb_link);
	d->tomb_alt = calloc(n, sizeof *d->tomb_alt);
	acc->ask_now = calloc(n, sizeof *acc->ask_now);
	acc->listed = calloc(n, sizeof *acc->listed);
	acc->seen = calloc(n, sizeof *acc->seen);
	acc->rekeys = calloc(n, sizeof *acc->rekeys);
	acc->edits = calloc(n, sizeof *acc->edits);
	acc->news = calloc(n, sizeof *acc->news);
	acc->new_ids = calloc(n, sizeof *acc->new_ids);
	return acc->set && d->known && d->alt && d->by_link && d->tomb_key && d->tomb_link &&
	       d->tomb_alt && acc->ask_now && acc->listed && acc->seen && acc->rekeys &&
	       acc->edits && acc->news && acc->new_ids ? 0 : -ENOMEM;
}

/* Rewritten identities, one batch (also before any lookup of an identity
 * that one of them freed, so that it finds what is stored). */
static int flush_rekeys(struct commit_acc *acc)
{
	if (!acc->nrekeys)
		return 0;
	int r = acc->ops->items_rekey(acc->b, &acc->d, acc->rekeys, acc->nrekeys);
	acc->nrekeys = 0;
	return r;
}

/* Asks the backend now: after the pending rewrites, and only where the
 * feed has rows of that kind at all (NEED). */
static int probe(struct commit_acc *acc, bool need, enum commit_probe what, const char *arg,
		 struct dedup_found *f)
{
	memset(f, 0, sizeof *f);
	if (!need)
		return 0;
	int r = flush_rekeys(acc);
	return r < 0 ? r : acc->ops->doc_probe(acc->b, acc->d.feed, what, arg, f);
}

static int probe_has(struct commit_acc *acc, bool need, enum commit_probe what,
		     const char *arg, bool *has)
{
	struct dedup_found f;
	int r = probe(acc, need, what, arg, &f);
	*has = r == 0 && f.rows > 0;
	return r;
}

/* The answers dedup_decide() asks for: from the document's lookup, or
 * asked now. */
static bool fetched(const struct commit_acc *acc, size_t i)
{
	return acc->d.prefetched && !acc->ask_now[i];
}

static int ask_tomb_key(void *ud, size_t i, bool *has)
{
	struct commit_acc *acc = ud;
	if (fetched(acc, i)) {
		*has = acc->d.tomb_key[i];
		return 0;
	}
	return probe_has(acc, acc->d.has_tombs, PROBE_TOMB_KEY, acc->d.p[i].key, has);
}

static int ask_tomb_link(void *ud, size_t i, bool *has)
{
	struct commit_acc *acc = ud;
	if (fetched(acc, i)) {
		*has = acc->d.tomb_link[i];
		return 0;
	}
	return probe_has(acc, acc->d.has_tombs, PROBE_TOMB_LINK, acc->d.p[i].canon, has);
}

static int ask_by_link(void *ud, size_t i, struct dedup_found *f)
{
	struct commit_acc *acc = ud;
	if (fetched(acc, i)) {
		*f = acc->d.by_link[i];
		return 0;
	}
	return probe(acc, acc->d.has_items, PROBE_BY_LINK, acc->d.p[i].canon, f);
}

static int ask_by_link_listed(void *ud, size_t i, struct dedup_found *f)
{
	struct commit_acc *acc = ud;
	return probe(acc, acc->d.has_items, PROBE_BY_LINK_LISTED, acc->d.p[i].canon, f);
}

static int ask_by_alt(void *ud, size_t i, struct dedup_found *f)
{
	*f = ((struct commit_acc *)ud)->d.alt[i];
	return 0;
}

static int ask_by_key(void *ud, const char *key, struct dedup_found *f)
{
	struct commit_acc *acc = ud;
	return probe(acc, acc->d.has_items, PROBE_BY_KEY, key, f);
}

static int ask_by_guid(void *ud, size_t i, struct dedup_found *f)
{
	struct commit_acc *acc = ud;
	return probe(acc, acc->d.has_items, PROBE_BY_GUID, acc->d.p[i].it->guid, f);
}

void item_stored_free(struct item_stored *st)
{
	free(st->url);
	free(st->canon);
	free(st->categories);
	free(st->enclosures);
	*st = (struct item_stored){0};
}

static int ask_same_but_link(void *ud, size_t i, const struct dedup_found *f, bool *same)
{
	/* Whether stored item F is plan entry I but for its link: I's
	 * content hash made with F's link is F's. */
	struct commit_acc *acc = ud;
	const struct dedup_item *p = &acc->d.p[i];
	struct item_stored st;
	char h[33];
	*same = false;
	int r = acc->ops->item_stored(acc->b, f->id, &st);
	if (r == 0 && (r = dedup_chash_with_url(p, acc->ops->key_hash(acc->b), st.url, h)) == 0)
		*same = strcmp(h, f->chash) == 0;
	item_stored_free(&st);
	return r == -ENOENT ? 0 : r;
}

static int ask_tomb_alt(void *ud, size_t i, bool *has)
{
	struct commit_acc *acc = ud;
	if (fetched(acc, i)) {
		*has = acc->d.tomb_alt[i];
		return 0;
	}
	return probe_has(acc, acc->d.has_tombs, PROBE_TOMB_KEY, acc->d.p[i].alt, has);
}

/* Whether stored item F differs from plan entry I only in noise, the
 * stored value kept then and nothing announced: a link that differs only
 * in what the canonical link drops (a publisher rotating utm_* on every
 * fetch), categories in another order, enclosure URLs that differ only
 * in tracking parameters (a podcast host's). Looked up only for an item
 * whose content hash changed. */
static bool only_noise(struct commit_acc *acc, const struct dedup_found *f, size_t i)
{
	const struct dedup_item *p = &acc->d.p[i];
	struct item_stored st;
	if (acc->ops->item_stored(acc->b, f->id, &st) < 0)
		return false;
	const char *url = p->it->url, *cats = p->categories, *encs = p->enclosures;
	const char *canon = dedup_stored_canon(p);
	if (canon && st.url && st.canon && strcmp(st.canon, canon) == 0)
		url = st.url;
	if (st.categories && dedup_same_categories(st.categories, cats))
		cats = st.categories;
	if (st.enclosures && dedup_same_enclosures(st.enclosures, encs))
		encs = st.enclosures;
	char h[33];
	bool noise = (url != p->it->url || cats != p->categories || encs != p->enclosures) &&
		     dedup_chash_with(p, acc->ops->key_hash(acc->b), url, cats, encs, h) == 0 &&
		     strcmp(h, f->chash) == 0;
	item_stored_free(&st);
	return noise;
}

/* A known item listed again: refreshed, and rewritten if edited. */
static void item_known(struct commit_acc *acc, const struct dedup_found *f, size_t i,
		       int64_t now)
{
	listed_add(acc, f->id);
	if (now - f->last_seen >= LAST_SEEN_GRAIN)
		acc->seen[acc->nseen++] = f->id;
	if (strcmp(f->chash, acc->d.p[i].chash) != 0 && !only_noise(acc, f, i))
		acc->edits[acc->nedits++] = (struct commit_ref){f->id, i};
}

/* Whether the publisher kept its guids: an item of the document found
 * under its own guid with the content it was stored with, or at the link
 * it was stored with (a counter in its text moved: an aggregator's points
 * and comments). A guid that now names another article, at another link,
 * proves nothing (guids that number the positions of a page). */
static int guids_kept(struct commit_acc *acc, bool *kept)
{
	const struct commit_doc *d = &acc->d;
	*kept = false;
	for (size_t i = 0; i < d->n && !*kept; i++)
		*kept = d->known[i].rows && d->p[i].key[0] == 'g' &&
			strcmp(d->known[i].chash, d->p[i].chash) == 0;
	/* Asked of the backend one item at a time, until one answers. */
	for (size_t i = 0; i < d->n && !*kept; i++) {
		const char *canon = dedup_stored_canon(&d->p[i]);
		if (!d->known[i].rows || d->p[i].key[0] != 'g' || !canon)
			continue;
		struct item_stored st;
		int r = acc->ops->item_stored(acc->b, d->known[i].id, &st);
		if (r == -ENOENT)
			continue;
		if (r < 0)
			return r;
		*kept = st.canon && strcmp(st.canon, canon) == 0;
		item_stored_free(&st);
	}
	return 0;
}

static int decide_all(struct commit_acc *acc, bool link_identity, int64_t now)
{
	struct commit_doc *d = &acc->d;
	struct dedup_ask ask = {
		.tomb_key = ask_tomb_key, .by_link = ask_by_link,
		.by_link_listed = ask_by_link_listed, .tomb_link = ask_tomb_link,
		.listed = listed_has, .by_alt = ask_by_alt, .tomb_alt = ask_tomb_alt,
		.by_key = ask_by_key, .by_guid = ask_by_guid, .same_but_link = ask_same_but_link,
		.ud = acc, .link_identity = link_identity,
	};
	int r = guids_kept(acc, &ask.guids_kept);
	if (r < 0)
		return r;
	for (size_t i = 0; i < d->n; i++) {
		struct dedup_found f;
		enum dedup_verdict v;
		r = dedup_decide(&d->p[i], i, &d->known[i], d->site_canon, &ask, &f, &v);
		if (r < 0)
			return r;
		if (v == DEDUP_REKEY) {
			acc->rekeys[acc->nrekeys++] = (struct commit_ref){f.id, i};
			/* A later item with the old identity no longer finds it. */
			for (size_t j = i + 1; j < d->n; j++)
				if (d->known[j].rows && d->known[j].id == f.id) {
					d->known[j].rows = 0;
					acc->ask_now[j] = true;
				}
		}
		if (v == DEDUP_KNOWN || v == DEDUP_REKEY)
			item_known(acc, &f, i, now);
		else if (v == DEDUP_NEW)
			acc->news[acc->nnews++] = i;
	}
	return 0;
}

/* The edits, then duplicate_of where one moved an item's canonical link.
 * An item's duplicate_of is the first item of another feed at its link,
 * of those before it (items_insert's rule). An item X that moves from
 * link A to link B changes it for X itself, for the items at A whose
 * first X was (X no longer is: the next one of another feed, or none),
 * and for the items of other feeds at B after X (X may now be their
 * first); for no other item. An edit that keeps the link costs nothing
 * more: the backend reads the old link with the write. */
static int edit_items(struct commit_acc *acc, int64_t now)
{
	struct commit_move *moves = calloc(acc->nedits, sizeof *moves);
	size_t nmoves = 0;
	if (!moves)
		return -ENOMEM;
	int r = acc->ops->items_edit(acc->b, &acc->d, acc->edits, acc->nedits, now, moves,
				     &nmoves);
	if (r == 0 && nmoves)
		r = acc->ops->dups_resolve(acc->b, acc->d.feed, moves, nmoves);
	for (size_t k = 0; k < nmoves; k++)
		free(moves[k].was);
	free(moves);
	return r;
}

static int store_doc(struct commit_acc *acc, const struct commit_feed *fr,
		     const char *feed_name, const struct doc *doc, int64_t now, bool hook)
{
	const struct store_prims *ops = acc->ops;
	struct commit_doc *d = &acc->d;
	char *site_canon = url_canonical(doc->feed.link ? doc->feed.link : fr->site_url);
	bool link_identity = fr->link_identity;
	struct dedup_item *p = NULL;
	d->feed = fr->id;
	d->feed_name = feed_name;
	d->site_canon = site_canon;
	d->has_items = fr->has_items;
	d->has_tombs = fr->has_tombs;
	int r = acc_init(acc, doc->nitems);
	if (r < 0 || (r = dedup_plan(doc, ops->key_hash(acc->b), site_canon, &link_identity, &p)) < 0)
		goto out;
	d->p = p;
	if (link_identity && !fr->link_identity)
		log_notice("feed %s: guids mostly missing or repeated, identifying items by link",
			   feed_name);
	/* A feed with neither items nor tombstones (a first fetch) has
	 * nothing to look up. */
	if ((fr->has_items || fr->has_tombs) && (r = ops->doc_lookup(acc->b, d)) < 0)
		goto out;
	if ((r = decide_all(acc, link_identity, now)) < 0 || (r = flush_rekeys(acc)) < 0)
		goto out;
	if (acc->nseen && (r = ops->items_seen(acc->b, acc->seen, acc->nseen, now)) < 0)
		goto out;
	struct commit_insert w = {
		.news = acc->news, .nnews = acc->nnews, .listed = acc->listed,
		.nlisted = acc->nlisted, .link_identity = link_identity, .hook = hook,
		.now = now, .new_ids = acc->new_ids,
	};
	r = ops->items_insert(acc->b, d, &w);
	acc->nnew = w.nnew;
	if (r < 0)
		goto out;
	if (acc->nedits && (r = edit_items(acc, now)) == 0)
		acc->nupdated = acc->nedits;
out:
	if (p)
		dedup_free(p, doc->nitems);
	d->p = NULL;
	d->site_canon = NULL;
	free(site_canon);
	return r;
}

/* The events the fetcher asked for (STORE_EV_*). */
static int feed_events(const struct store_prims *ops, void *b, const struct feed_state *fs,
		       unsigned ev, int64_t now)
{
	int r = 0;
	if (!r && (ev & STORE_EV_MOVED))
		r = ops->event_add(b, "feed.moved", now, fs->name, 0,
				   json_pack("{s:o}", "url", json_string_lossy(fs->effective_url)));
	if (!r && (ev & STORE_EV_GONE))
		r = ops->event_add(b, "feed.gone", now, fs->name, 0,
				   json_pack("{s:i}", "status", fs->last_status));
	if (!r && (ev & STORE_EV_FAILING))
		r = ops->event_add(b, "feed.failing", now, fs->name, 0,
				   json_pack("{s:o,s:I}", "error", json_string_lossy(fs->last_error),
					     "failures", (json_int_t)fs->failures));
	if (!r && (ev & STORE_EV_RECOVERED))
		r = ops->event_add(b, "feed.recovered", now, fs->name, 0, NULL);
	return r;
}

/* One fetch's writes inside the open transaction; ACC gets its news. */
static int commit_one(const struct store_prims *ops, void *b, const struct feed_state *st,
		      const struct doc *doc, unsigned feed_events_mask, bool hook, int64_t now,
		      struct commit_acc *acc)
{
	struct commit_feed fr = {0};
	/* An empty document says nothing about which items are still listed. */
	bool items = doc && doc->nitems;
	int r = ops->feed_state_write(b, st, doc, now, items ? &fr : NULL);
	if (r == 0 && items)
		r = store_doc(acc, &fr, st->name, doc, now, hook);
	if (r == 0)
		r = feed_events(ops, b, st, feed_events_mask, now);
	free(fr.site_url);
	return r;
}

/* ACC's news into NEWS (which takes the new ids). */
static void take_news(struct commit_acc *acc, struct store_news *news)
{
	if (!news)
		return;
	news->new_ids = acc->new_ids;
	news->nnew = acc->nnew;
	news->nupdated = acc->nupdated;
	acc->new_ids = NULL;
}

int commit_fetch(const struct store_prims *ops, void *b, const struct feed_state *st,
		 const struct doc *doc, unsigned feed_events_mask, bool hook,
		 struct store_news *news)
{
	if (news)
		memset(news, 0, sizeof *news);
	if (!st || !st->name)
		return -EINVAL;
	struct commit_acc acc = {.ops = ops, .b = b};
	int r = ops->tx_begin(b);
	if (r < 0)
		return r;
	if ((r = commit_one(ops, b, st, doc, feed_events_mask, hook, time(NULL), &acc)) < 0 ||
	    (r = ops->tx_commit(b, acc.nnew || acc.nupdated || feed_events_mask, news)) < 0) {
		ops->tx_rollback(b);
		acc_free(&acc);
		return r;
	}
	take_news(&acc, news);
	acc_free(&acc);
	return 0;
}

/* One fetch of a batch, in its own savepoint when SP: its error in
 * C->err. A negative return: the transaction is lost (SP), or a fetch
 * failed without a savepoint to undo it alone (-EAGAIN: the batch is to be
 * made again with savepoints). */
static int batch_one(const struct store_prims *ops, void *b, struct store_commit *c,
		     int64_t now, bool sp)
{
	memset(&c->news, 0, sizeof c->news);
	if (!c->st || !c->st->name) {
		c->err = -EINVAL;
		return sp ? 0 : -EAGAIN;
	}
	struct commit_acc acc = {.ops = ops, .b = b};
	int r = sp ? ops->sp_begin(b) : 0;
	if (r < 0)
		return r;
	c->err = commit_one(ops, b, c->st, c->doc, c->events, c->hook, now, &acc);
	if (c->err == 0 && (!sp || (r = ops->sp_release(b)) == 0))
		take_news(&acc, &c->news);
	else if (c->err < 0)
		r = sp ? ops->sp_rollback(b) : -EAGAIN;
	acc_free(&acc);
	return r;
}

/* The N fetches of C in the open transaction, each in its own savepoint
 * when SP (batch_one); *NOTIFY set when one has news. 0, or batch_one's
 * negative return (the later fetches not tried). */
static int batch_run(const struct store_prims *ops, void *b, struct store_commit *c, size_t n,
		     int64_t now, bool sp, bool *notify)
{
	int r = 0;
	for (size_t i = 0; i < n && r == 0; i++) {
		r = batch_one(ops, b, &c[i], now, sp);
		*notify |= c[i].err == 0 && (c[i].news.nnew || c[i].news.nupdated || c[i].events);
	}
	return r;
}

/* The batch is lost: nothing of it is stored. */
static void batch_lost(struct store_commit *c, size_t n, int r)
{
	for (size_t i = 0; i < n; i++) {
		store_news_clear(&c[i].news);
		c[i].err = r;
	}
}

int commit_batch(const struct store_prims *ops, void *b, struct store_commit *c, size_t n)
{
	/* Alone, a document is its transaction: no savepoint to pay for. */
	if (n == 1) {
		c[0].err = commit_fetch(ops, b, c[0].st, c[0].doc, c[0].events, c[0].hook,
					&c[0].news);
		return c[0].err;
	}
	int64_t now = time(NULL);
	bool notify = false;
	int r = ops->tx_begin(b);
	if (r < 0) {
		/* No document's doing (the store is away, or busy for a minute):
		 * none is tried again alone. */
		batch_lost(c, n, r);
		return r;
	}
	/* Where the backend says so (SQLite), optimistic first: the fetches
	 * one after the other without savepoints, since a savepoint makes
	 * SQLite copy every page a fetch touches that an earlier one dirtied
	 * (a statement journal past 64 KiB goes to a temporary file: 7 KB per
	 * item, a sixth of a cold refresh's CPU). Should one fetch fail, the
	 * batch is made again with a savepoint each. */
	r = batch_run(ops, b, c, n, now, !ops->plain_first, &notify);
	if (ops->plain_first && r == -EAGAIN) {
		ops->tx_rollback(b);
		batch_lost(c, n, 0);
		notify = false;
		if ((r = ops->tx_begin(b)) < 0) {
			batch_lost(c, n, r);
			return r;
		}
		r = batch_run(ops, b, c, n, now, true, &notify);
	}
	struct store_news last = {0};
	if (r == 0 && (r = ops->tx_commit(b, notify, &last)) == 0) {
		for (size_t i = 0; i < n; i++) {
			c[i].news.last_item_id = last.last_item_id;
			c[i].news.last_event_seq = last.last_event_seq;
		}
		return 0;
	}
	ops->tx_rollback(b);
	batch_lost(c, n, r);
	/* A broken connection: the store is away, and every fetch of the batch
	 * is not stored (the next attempt reconnects). Anything else (a full
	 * disk, say) may be one fetch's doing: each alone, then. */
	if (r == -ECONNRESET || r == -EBUSY)
		return r;
	log_warn("store: a batch of %zu fetches failed (%s): committing them one by one", n,
		 strerror(-r));
	for (size_t i = 0; i < n; i++)
		c[i].err = commit_fetch(ops, b, c[i].st, c[i].doc, c[i].events, c[i].hook,
					&c[i].news);
	return r;
}

int commit_touch(const struct store_prims *ops, void *b, const struct feed_state *st, size_t n)
{
	int r = ops->tx_begin(b);
	for (size_t i = 0; i < n && r == 0; i++)
		r = ops->feed_counters_write(b, &st[i]);
	if (r == 0 && (r = ops->tx_commit(b, false, NULL)) == 0)
		return 0;
	ops->tx_rollback(b);
	return r;
}

void store_news_clear(struct store_news *n)
{
	if (!n)
		return;
	free(n->new_ids);
	memset(n, 0, sizeof *n);
}
