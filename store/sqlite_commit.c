/* sqlite_commit.c — one fetched document, one transaction: the feed's state,
 * its items deduplicated (DESIGN.md, "Dedup") and the events they cause. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/date.h"
#include "core/log.h"
#include "core/url.h"
#include "store/dedup.h"
#include "store/strtab.h"
#include "store/sqlite_int.h"

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
	/* Edited items, rewritten after the document's inserts (their FTS
	 * trigger would otherwise slow every later statement). */
	struct edit { int64_t id; const struct dedup_item *p; } *edits;
	size_t nedits, edits_cap;
};

/* A stored row found for an item: its id, content hash and last_seen. */

static size_t set_slot(const struct commit_acc *acc, int64_t id)
{
	size_t i = (size_t)((uint64_t)id * 0x9E3779B97F4A7C15ULL) & (acc->set_cap - 1);
	while (acc->set[i] && acc->set[i] != id)
		i = (i + 1) & (acc->set_cap - 1);
	return i;
}

/* Whether this document already listed stored item ID. */
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

/* feeds.listed: the JSON array of the ids this document lists. */
static char *listed_json(const struct commit_acc *acc)
{
	char *out = malloc(acc->nlisted * 21 + 3);
	if (!out)
		return NULL;
	size_t o = 0;
	out[o++] = '[';
	for (size_t i = 0; i < acc->nlisted; i++)
		o += (size_t)sprintf(out + o, i ? ",%lld" : "%lld", (long long)acc->listed[i]);
	out[o++] = ']';
	out[o] = '\0';
	return out;
}

static int lookup(struct store *s, enum stmt id, int64_t feed, const char *arg,
		  struct dedup_found *f)
{
	sqlite3_stmt *st = store_stmt(s, id);
	sqlite3_bind_int64(st, 1, feed);
	sqlite3_bind_text(st, 2, arg, -1, SQLITE_STATIC);
	memset(f, 0, sizeof *f);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (!f->rows++) {
			f->id = sqlite3_column_int64(st, 0);
			if (sqlite3_column_count(st) > 1) {
				const unsigned char *h = sqlite3_column_text(st, 1);
				snprintf(f->chash, sizeof f->chash, "%s", h ? (const char *)h : "");
				f->last_seen = sqlite3_column_int64(st, 2);
			}
		}
	}
	store_done(st);
	return rc == SQLITE_DONE ? 0 : store_fail(s, rc, "item lookup");
}

/* last_seen is kept to within a day: rewriting every listed row at every
 * fetch would make an unchanged document cost a page write per item. */
#define LAST_SEEN_GRAIN 86400

static int item_seen(struct store *s, const struct dedup_found *f, int64_t now)
{
	if (now - f->last_seen < LAST_SEEN_GRAIN)
		return 0;
	sqlite3_stmt *st = store_stmt(s, ST_ITEM_SEEN);
	sqlite3_bind_int64(st, 1, f->id);
	sqlite3_bind_int64(st, 2, now);
	int rc = sqlite3_step(st);
	store_done(st);
	return rc == SQLITE_DONE ? 0 : store_fail(s, rc, "item seen");
}

static int item_update(struct store *s, int64_t id, const struct dedup_item *p, int64_t now)
{
	const struct item *it = p->it;
	sqlite3_stmt *st = store_stmt(s, ST_ITEM_UPDATE);
	sqlite3_bind_int64(st, 1, id);
	store_bind_text(st, 2, it->guid);
	store_bind_text(st, 3, it->url);
	store_bind_text(st, 4, p->canon);
	store_bind_text(st, 5, it->title);
	store_bind_text(st, 6, it->author);
	store_bind_text(st, 7, it->summary);
	store_bind_text(st, 8, it->content);
	store_bind_date(st, 9, it->published);
	store_bind_date(st, 10, it->updated);
	store_bind_text(st, 11, p->categories);
	store_bind_text(st, 12, p->enclosures);
	store_bind_text(st, 13, p->chash);
	sqlite3_bind_int64(st, 14, now);
	int rc = sqlite3_step(st);
	store_done(st);
	return rc == SQLITE_DONE ? 0 : store_fail(s, rc, "item update");
}

static int item_rekey(struct store *s, int64_t id, const struct dedup_item *p)
{
	sqlite3_stmt *st = store_stmt(s, ST_ITEM_REKEY);
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, p->key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, p->rule, -1, SQLITE_STATIC);
	store_bind_text(st, 4, p->it->guid);
	int rc = sqlite3_step(st);
	store_done(st);
	return rc == SQLITE_DONE ? 0 : store_fail(s, rc, "item rekey");
}

/* A known item listed again: refreshed now, rewritten later if edited. */
static int item_known(struct store *s, const struct dedup_found *f, const struct dedup_item *p,
		      int64_t now, struct commit_acc *acc)
{
	listed_add(acc, f->id);
	int r = item_seen(s, f, now);
	if (r < 0 || strcmp(f->chash, p->chash) == 0)
		return r;
	if (acc->nedits == acc->edits_cap) {
		size_t cap = acc->edits_cap ? acc->edits_cap * 2 : 8;
		struct edit *e = realloc(acc->edits, cap * sizeof *e);
		if (!e)
			return -ENOMEM;
		acc->edits = e;
		acc->edits_cap = cap;
	}
	acc->edits[acc->nedits++] = (struct edit){f->id, p};
	return 0;
}

static int apply_edits(struct store *s, const char *feed_name, int64_t now,
		       struct commit_acc *acc)
{
	for (size_t i = 0; i < acc->nedits; i++) {
		int r = item_update(s, acc->edits[i].id, acc->edits[i].p, now);
		int skipped = r == 0 ? sqlite_item_skipped(s, acc->edits[i].id) : 0;
		if (skipped < 0)
			r = skipped;
		if (r == 0 && skipped)
			continue;                /* a skipped item's edits are not news */
		if (r == 0)
			r = store_event(s, "item.updated", now, feed_name, acc->edits[i].id, NULL);
		if (r < 0)
			return r;
		acc->nupdated++;
	}
	return 0;
}

static int item_insert(struct store *s, int64_t feed, const struct dedup_item *p, int64_t dup,
		       int64_t now, struct commit_acc *acc)
{
	const struct item *it = p->it;
	int64_t sdate = item_date(it, now);
	sqlite3_stmt *st = store_stmt(s, ST_ITEM_INSERT);
	sqlite3_bind_int64(st, 1, feed);
	sqlite3_bind_text(st, 2, p->key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, p->rule, -1, SQLITE_STATIC);
	store_bind_text(st, 4, it->guid);
	store_bind_text(st, 5, it->url);
	store_bind_text(st, 6, p->canon);
	store_bind_text(st, 7, it->title);
	store_bind_text(st, 8, it->author);
	store_bind_text(st, 9, it->summary);
	store_bind_text(st, 10, it->content);
	store_bind_date(st, 11, it->published);
	store_bind_date(st, 12, it->updated);
	store_bind_text(st, 13, p->categories);
	store_bind_text(st, 14, p->enclosures);
	store_bind_text(st, 15, p->chash);
	sqlite3_bind_int64(st, 16, now);
	sqlite3_bind_int64(st, 17, sdate);
	if (dup)
		sqlite3_bind_int64(st, 18, dup);
	sqlite3_bind_int(st, 19, it->skipped);
	int rc = sqlite3_step(st);
	store_done(st);
	if (rc != SQLITE_DONE)
		return store_fail(s, rc, "item insert");
	int64_t id = sqlite3_last_insert_rowid(s->db);
	listed_add(acc, id);
	if (it->skipped)
		return 0;                /* stored, never announced */
	if (acc->nnew == acc->cap) {
		size_t cap = acc->cap ? acc->cap * 2 : 16;
		int64_t *n = realloc(acc->new_ids, cap * sizeof *n);
		if (!n)
			return -ENOMEM;
		acc->new_ids = n;
		acc->cap = cap;
	}
	acc->new_ids[acc->nnew++] = id;
	return 0;
}

/* Events and hook deliveries for the document's new items (ids above
 * LAST): two statements, not two per item. The full-text index follows
 * later (sqlite_fts.c). */
static int finish_new(struct store *s, const char *feed_name, int64_t last, int64_t now,
		      bool hook)
{
	enum stmt ids[2] = {ST_EVENTS_NEW, ST_HOOKS_NEW};
	for (int i = 0; i < 2; i++) {
		if (ids[i] == ST_HOOKS_NEW && !hook)
			continue;
		sqlite3_stmt *st = store_stmt(s, ids[i]);
		sqlite3_bind_int64(st, 1, last);
		sqlite3_bind_int64(st, 2, now);
		if (ids[i] == ST_EVENTS_NEW)
			sqlite3_bind_text(st, 3, feed_name, -1, SQLITE_STATIC);
		int rc = sqlite3_step(st);
		store_done(st);
		if (rc != SQLITE_DONE)
			return store_fail(s, rc, "new items");
	}
	return 0;
}

/* --- a document's lookups, a statement each for all its items ---
 *
 * A statement per item and rule (identity, tombstones, link, duplicates in
 * other feeds) cost more in binding, stepping and resetting than in the
 * B-tree probes themselves. The known rows come in one statement for the
 * whole document; a feed without tombstones (most) or without items (a
 * first fetch) skips those probes; the duplicates of the new items come in
 * one more. The decisions are those of DESIGN.md, item by item in document
 * order: what the document's own earlier items did is tracked here. */

/* The table's strings as a JSON array for json_each(): quotes, backslashes
 * and control bytes escaped, every other byte as it is, so that SQLite
 * hands back exactly the bytes that were stored. */
static char *strtab_json(const struct strtab *t)
{
	size_t len = 3;
	for (size_t i = 0; i < t->cap; i++)
		if (t->str[i])
			len += strlen(t->str[i]) * 6 + 3;
	char *out = malloc(len), *o = out;
	if (!out)
		return NULL;
	*o++ = '[';
	for (size_t i = 0; i < t->cap; i++) {
		if (!t->str[i])
			continue;
		if (o > out + 1)
			*o++ = ',';
		*o++ = '"';
		for (const unsigned char *c = (const unsigned char *)t->str[i]; *c; c++) {
			if (*c == '"' || *c == '\\') {
				*o++ = '\\';
				*o++ = (char)*c;
			} else if (*c < 0x20) {
				o += sprintf(o, "\\u%04x", *c);
			} else {
				*o++ = (char)*c;
			}
		}
		*o++ = '"';
	}
	*o++ = ']';
	*o = '\0';
	return out;
}

/* What the document's lookups found. */
struct doc_work {
	struct dedup_item *p;
	size_t n;
	bool feed_has_items, feed_has_tombs;
	struct dedup_found *known;   /* per item: the stored row with its identity */
	struct dedup_found *alt;     /* per item: the stored row with its other identity */
	int64_t *dup;          /* per item to insert: duplicate_of, or 0 */
	size_t *news;          /* the items to insert, in document order */
	size_t nnews;
};

static void work_free(struct doc_work *w)
{
	free(w->known);
	free(w->alt);
	free(w->dup);
	free(w->news);
}

static int feed_facts(struct store *s, int64_t feed, struct doc_work *w)
{
	sqlite3_stmt *st = store_stmt(s, ST_FEED_FACTS);
	sqlite3_bind_int64(st, 1, feed);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		w->feed_has_items = sqlite3_column_int(st, 0) != 0;
		w->feed_has_tombs = sqlite3_column_int(st, 1) != 0;
		rc = SQLITE_DONE;
	}
	store_done(st);
	return rc == SQLITE_DONE ? 0 : store_fail(s, rc, "feed facts");
}

/* The stored rows of the document's identities (ALT: of the other
 * identities of the items whose own one is not stored), in one statement. */
static int load_known(struct store *s, int64_t feed, struct doc_work *w, bool alt)
{
	if (!w->feed_has_items)
		return 0;
	struct strtab keys;
	int r = strtab_init(&keys, w->n);
	bool any = false;
	for (size_t i = 0; i < w->n && r == 0; i++) {
		const char *k = alt ? (w->known[i].rows || w->p[i].repeat ? NULL : w->p[i].alt)
				    : w->p[i].key;
		if (k)
			any |= strtab_add(&keys, k, i);   /* the first of repeats */
	}
	char *json = r == 0 && any ? strtab_json(&keys) : NULL;
	if (r < 0 || !any || !json) {
		strtab_free(&keys);
		return r < 0 || !any ? r : -ENOMEM;
	}
	struct dedup_found *out = alt ? w->alt : w->known;
	sqlite3_stmt *st = store_stmt(s, ST_ITEMS_BY_KEYS);
	sqlite3_bind_int64(st, 1, feed);
	sqlite3_bind_text(st, 2, json, -1, SQLITE_STATIC);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *k = (const char *)sqlite3_column_text(st, 0);
		size_t slot = k ? strtab_slot(&keys, k) : 0;
		if (!k || !keys.str[slot])
			continue;
		struct dedup_found *f = &out[keys.item[slot]];
		f->rows = 1;
		f->id = sqlite3_column_int64(st, 1);
		const unsigned char *h = sqlite3_column_text(st, 2);
		snprintf(f->chash, sizeof f->chash, "%s", h ? (const char *)h : "");
		f->last_seen = sqlite3_column_int64(st, 3);
	}
	store_done(st);
	free(json);
	/* Several items may share an other identity: each gets the row. */
	for (size_t i = 0; alt && rc == SQLITE_DONE && i < w->n; i++)
		if (w->p[i].alt && !w->known[i].rows && !w->p[i].repeat)
			w->alt[i] = w->alt[keys.item[strtab_slot(&keys, w->p[i].alt)]];
	strtab_free(&keys);
	return rc == SQLITE_DONE ? 0 : store_fail(s, rc, "item lookup");
}

/* duplicate_of for the items to insert: the first item of another feed
 * with the same canonical link, in one statement. */
static int find_dups(struct store *s, int64_t feed, struct doc_work *w)
{
	struct strtab canons;
	int r = strtab_init(&canons, w->nnews);
	bool any = false;
	for (size_t k = 0; k < w->nnews && r == 0; k++)
		if (w->p[w->news[k]].canon)
			any |= strtab_add(&canons, w->p[w->news[k]].canon, k);
	char *json = r == 0 && any ? strtab_json(&canons) : NULL;
	if (r < 0 || !any || !json) {
		strtab_free(&canons);
		return r < 0 || !any ? r : -ENOMEM;
	}
	sqlite3_stmt *st = store_stmt(s, ST_DUPS_FIND);
	sqlite3_bind_int64(st, 1, feed);
	sqlite3_bind_text(st, 2, json, -1, SQLITE_STATIC);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *c = (const char *)sqlite3_column_text(st, 0);
		size_t slot = c ? strtab_slot(&canons, c) : 0;
		if (c && canons.str[slot])
			w->dup[canons.item[slot]] = sqlite3_column_int64(st, 1);
	}
	store_done(st);
	free(json);
	/* Every new item with that link, not only the first. */
	for (size_t k = 0; k < w->nnews && rc == SQLITE_DONE; k++) {
		const char *c = w->p[w->news[k]].canon;
		if (c)
			w->dup[k] = w->dup[canons.item[strtab_slot(&canons, c)]];
	}
	strtab_free(&canons);
	return rc == SQLITE_DONE ? 0 : store_fail(s, rc, "duplicate lookup");
}

static int tomb_has(struct store *s, enum stmt id, int64_t feed, const char *arg, bool *has)
{
	struct dedup_found f;
	int r = lookup(s, id, feed, arg, &f);
	*has = f.rows > 0;
	return r;
}

/* What dedup_decide() asks, answered one statement each (only for items
 * whose identity is unknown, of feeds that have items or tombstones). */
struct ask_ctx {
	struct store *s;
	int64_t feed;
	struct doc_work *w;
	struct commit_acc *acc;
};

static int ask_tomb_key(void *ud, size_t i, bool *has)
{
	struct ask_ctx *c = ud;
	*has = false;
	return c->w->feed_has_tombs ? tomb_has(c->s, ST_TOMB_BY_KEY, c->feed, c->w->p[i].key, has) : 0;
}

static int ask_by_link(void *ud, size_t i, struct dedup_found *f)
{
	struct ask_ctx *c = ud;
	memset(f, 0, sizeof *f);
	return c->w->feed_has_items ? lookup(c->s, ST_ITEM_BY_CANON, c->feed, c->w->p[i].canon, f) : 0;
}

static int ask_tomb_link(void *ud, size_t i, bool *has)
{
	struct ask_ctx *c = ud;
	*has = false;
	return c->w->feed_has_tombs ? tomb_has(c->s, ST_TOMB_BY_CANON, c->feed, c->w->p[i].canon, has) : 0;
}

static int ask_by_alt(void *ud, size_t i, struct dedup_found *f)
{
	struct ask_ctx *c = ud;
	*f = c->w->alt[i];
	return 0;
}

static int ask_tomb_alt(void *ud, size_t i, bool *has)
{
	struct ask_ctx *c = ud;
	*has = false;
	return c->w->feed_has_tombs ? tomb_has(c->s, ST_TOMB_BY_KEY, c->feed, c->w->p[i].alt, has) : 0;
}

static bool ask_listed(void *ud, int64_t id)
{
	return listed_has(((struct ask_ctx *)ud)->acc, id);
}

/* Item I of the document, by the rules of dedup.c: known (refreshed,
 * maybe edited), dropped, or queued in W->news to be inserted. */
static int decide_item(struct store *s, int64_t feed, struct doc_work *w, size_t i,
		       const char *site_canon, int64_t now, struct commit_acc *acc)
{
	const struct dedup_item *p = &w->p[i];
	struct ask_ctx c = {.s = s, .feed = feed, .w = w, .acc = acc};
	const struct dedup_ask ask = {.tomb_key = ask_tomb_key, .by_link = ask_by_link,
				      .tomb_link = ask_tomb_link, .listed = ask_listed,
				      .by_alt = ask_by_alt, .tomb_alt = ask_tomb_alt, .ud = &c};
	struct dedup_found f;
	enum dedup_verdict v;
	int r = dedup_decide(p, i, &w->known[i], site_canon, &ask, &f, &v);
	if (r < 0)
		return r;
	switch (v) {
	case DEDUP_SKIP:
		return 0;
	case DEDUP_REKEY:
		/* Same item, new identity: a later item with the old one no
		 * longer finds it. */
		if ((r = item_rekey(s, f.id, p)) < 0)
			return r;
		for (size_t j = i + 1; j < w->n; j++)
			if (w->known[j].rows && w->known[j].id == f.id)
				w->known[j].rows = 0;
		return item_known(s, &f, p, now, acc);
	case DEDUP_KNOWN:
		return item_known(s, &f, p, now, acc);
	case DEDUP_NEW:
		break;
	}
	w->news[w->nnews++] = i;
	return 0;
}

/* Every item of the document: decided in order, then the new ones
 * inserted in order. Deciding before inserting changes nothing: a new row
 * of this document could only answer a later item with the same identity
 * (a repeat) or the same link under another identity (then the link rule
 * is off for both), and duplicates are looked for in other feeds only. */
static int store_items_of(struct store *s, int64_t feed, struct dedup_item *p, size_t n,
			  const char *site_canon, int64_t now, struct commit_acc *acc)
{
	struct doc_work w = {.p = p, .n = n};
	w.known = calloc(n, sizeof *w.known);
	w.alt = calloc(n, sizeof *w.alt);
	w.dup = calloc(n, sizeof *w.dup);
	w.news = calloc(n, sizeof *w.news);
	int r = -ENOMEM;
	if (!w.known || !w.alt || !w.dup || !w.news)
		goto out;
	if ((r = feed_facts(s, feed, &w)) < 0 || (r = load_known(s, feed, &w, false)) < 0 ||
	    (r = load_known(s, feed, &w, true)) < 0)
		goto out;
	for (size_t i = 0; i < n && r == 0; i++)
		r = decide_item(s, feed, &w, i, site_canon, now, acc);
	if (r < 0 || (r = find_dups(s, feed, &w)) < 0)
		goto out;
	for (size_t k = 0; k < w.nnews && r == 0; k++)
		r = item_insert(s, feed, &p[w.news[k]], w.dup[k], now, acc);
out:
	work_free(&w);
	return r;
}

static int store_doc(struct store *s, int64_t feed, const char *feed_name,
		     const struct doc *doc, int64_t now, bool hook, struct commit_acc *acc)
{
	sqlite3_stmt *st = store_stmt(s, ST_FEED_ID);
	sqlite3_bind_text(st, 1, feed_name, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		store_done(st);
		return store_fail(s, rc, "feed lookup");
	}
	bool link_identity = sqlite3_column_int(st, 1) != 0;
	char *site_canon = url_canonical(doc->feed.link ? doc->feed.link :
					 (const char *)sqlite3_column_text(st, 3));
	store_done(st);

	bool was_link = link_identity;
	struct dedup_item *p = NULL;
	int r = -ENOMEM;
	size_t cap = 16;
	while (cap < doc->nitems * 2)
		cap *= 2;
	acc->set = calloc(cap, sizeof *acc->set);
	acc->set_cap = cap;
	acc->listed = malloc(doc->nitems * sizeof *acc->listed);
	if (!acc->set || !acc->listed || (r = dedup_plan(doc, &link_identity, &p)) < 0)
		goto out;
	if (link_identity && !was_link)
		log_notice("feed %s: guids mostly missing or repeated, identifying items by link",
			   feed_name);
	int64_t last_id = 0;
	if ((r = store_last_ids(s, &last_id, NULL)) < 0)
		goto out;
	r = store_items_of(s, feed, p, doc->nitems, site_canon, now, acc);
	if (r < 0 || (acc->nnew && (r = finish_new(s, feed_name, last_id, now, hook)) < 0) ||
	    (r = apply_edits(s, feed_name, now, acc)) < 0)
		goto out;
	/* What this document lists is what retention must leave alone. */
	char *listed = listed_json(acc);
	if (!listed) {
		r = -ENOMEM;
		goto out;
	}
	st = store_stmt(s, ST_FEED_DOC);
	sqlite3_bind_int64(st, 1, feed);
	sqlite3_bind_int(st, 2, link_identity);
	sqlite3_bind_text(st, 3, listed, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	store_done(st);
	free(listed);
	if (rc != SQLITE_DONE)
		r = store_fail(s, rc, "feed document");
out:
	if (p)
		dedup_free(p, doc->nitems);
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

static int write_state(struct store *s, int64_t feed, const struct feed_state *fs,
		       const struct doc *doc)
{
	sqlite3_stmt *st = store_stmt(s, ST_FEED_STATE);
	sqlite3_bind_int64(st, 1, feed);
	store_bind_text(st, 2, fs->url);
	store_bind_text(st, 3, fs->effective_url);
	store_bind_text(st, 4, doc && doc->feed.title ? doc->feed.title : fs->title);
	store_bind_text(st, 5, doc && doc->feed.link ? doc->feed.link : fs->site_url);
	store_bind_text(st, 6, fs->etag);
	store_bind_text(st, 7, fs->last_modified);
	sqlite3_bind_int64(st, 8, fs->last_fetch);
	sqlite3_bind_int64(st, 9, fs->last_success);
	sqlite3_bind_int64(st, 10, fs->next_due);
	store_bind_text(st, 11, fs->next_reason);
	sqlite3_bind_int(st, 12, fs->last_status);
	store_bind_text(st, 13, fs->last_error);
	sqlite3_bind_int64(st, 14, fs->failures);
	sqlite3_bind_int(st, 15, fs->gone);
	int64_t counters[] = {fs->n_requests, fs->n_conditional, fs->n_200, fs->n_304,
			      fs->n_err_net, fs->n_err_http, fs->n_err_parse,
			      fs->bytes_wire, fs->bytes_decoded};
	for (int i = 0; i < 9; i++)
		sqlite3_bind_int64(st, 16 + i, counters[i]);
	store_bind_text(st, 25, fs->last_warning);
	sqlite3_bind_int64(st, 26, fs->n_truncated);
	int rc = sqlite3_step(st);
	store_done(st);
	return rc == SQLITE_DONE ? 0 : store_fail(s, rc, "feed state");
}

static int feed_events(struct store *s, const struct feed_state *fs, unsigned ev, int64_t now)
{
	int r = 0;
	if (!r && (ev & STORE_EV_MOVED))
		r = store_event(s, "feed.moved", now, fs->name, 0,
				json_pack("{s:o}", "url", json_string_lossy(fs->effective_url)));
	if (!r && (ev & STORE_EV_GONE))
		r = store_event(s, "feed.gone", now, fs->name, 0,
				json_pack("{s:i}", "status", fs->last_status));
	if (!r && (ev & STORE_EV_FAILING))
		r = store_event(s, "feed.failing", now, fs->name, 0,
				json_pack("{s:o,s:I}", "error", json_string_lossy(fs->last_error),
					  "failures", (json_int_t)fs->failures));
	if (!r && (ev & STORE_EV_RECOVERED))
		r = store_event(s, "feed.recovered", now, fs->name, 0, NULL);
	return r;
}

int store_commit_fetch(struct store *s, const struct feed_state *st,
		       const struct doc *doc, unsigned feed_events_mask, bool hook,
		       struct store_news *news)
{
	if (news)
		memset(news, 0, sizeof *news);
	if (!st || !st->name)
		return -EINVAL;
	int64_t now = time(NULL);
	struct commit_acc acc = {0};
	int64_t feed;
	int r = store_begin(s);
	if (r < 0)
		return r;
	if ((r = store_feed_id(s, st->name, st->url, true, now, &feed)) < 0 ||
	    (r = write_state(s, feed, st, doc)) < 0)
		goto fail;
	/* An empty document says nothing about which items are still listed. */
	if (doc && doc->nitems && (r = store_doc(s, feed, st->name, doc, now, hook, &acc)) < 0)
		goto fail;
	if ((r = feed_events(s, st, feed_events_mask, now)) < 0 || (r = store_commit(s)) < 0)
		goto fail;
	if (news) {
		news->new_ids = acc.new_ids;
		news->nnew = acc.nnew;
		news->nupdated = acc.nupdated;
		acc.new_ids = NULL;
		store_last_ids(s, &news->last_item_id, &news->last_event_seq);
	}
	acc_free(&acc);
	return 0;
fail:
	store_rollback(s);
	acc_free(&acc);
	return r;
}

void store_news_clear(struct store_news *n)
{
	if (!n)
		return;
	free(n->new_ids);
	memset(n, 0, sizeof *n);
}
