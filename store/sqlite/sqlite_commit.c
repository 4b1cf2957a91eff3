/* sqlite_commit.c — the SQLite statements of a commit (store/commit.c has
 * the algorithm, store/backend.h the primitives): the feed's state, the
 * document's lookups, the item writes and the transaction.
 *
 * A statement per item and rule cost more in binding, stepping and
 * resetting than in the B-tree probes themselves: the known rows come in
 * one statement for the whole document, the duplicates of the new items in
 * one more; the rest are asked item by item, only when the rules need them
 * (commit.c skips them for a feed without tombstones or items). */
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
#include "store/sqlite/sqlite_int.h"

static int lookup(struct sqlite_store *s, enum stmt id, int64_t feed, const char *arg,
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

/* Rewrites item ID; 1 when it is stored as skipped (its edits are not
 * news), 0 when not, a negative errno on failure. */
static int item_update(struct sqlite_store *s, int64_t id, const struct dedup_item *p, int64_t now)
{
	const struct item *it = p->it;
	sqlite3_stmt *st = store_stmt(s, ST_ITEM_UPDATE);
	sqlite3_bind_int64(st, 1, id);
	store_bind_text(st, 2, it->guid);
	store_bind_text(st, 3, it->url);
	store_bind_text(st, 4, dedup_stored_canon(p));
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
	int skipped = rc == SQLITE_ROW && sqlite3_column_int(st, 0) != 0;
	if (rc == SQLITE_ROW)
		rc = sqlite3_step(st);
	store_done(st);
	return rc == SQLITE_DONE ? skipped : store_fail(s, rc, "item update");
}

static int item_rekey(struct sqlite_store *s, int64_t id, const struct dedup_item *p)
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

/* Events and hook deliveries for the document's new items (ids above
 * LAST): two statements, not two per item. The full-text index follows
 * later (sqlite_fts.c). */
static int finish_new(struct sqlite_store *s, const char *feed_name, int64_t last, int64_t now,
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

/* The stored rows of the document's identities (ALT: of the other
 * identities of the items whose own one is not stored), in one statement. */
static int load_known(struct sqlite_store *s, struct commit_doc *w, bool alt)
{
	if (!w->has_items)
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
	sqlite3_bind_int64(st, 1, w->feed);
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

static int write_state(struct sqlite_store *s, int64_t feed, const struct feed_state *fs,
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

/* --- the primitives of store/backend.h --- */

static int tx_begin(void *b)
{
	return store_begin(b);
}

static void tx_rollback(void *b)
{
	store_rollback(b);
}

/* One process writes the store: nobody to notify. */
static int tx_commit(void *b, bool notify, struct store_news *news)
{
	(void)notify;
	struct sqlite_store *s = b;
	int r = store_commit(s);
	if (r == 0 && news)
		sqlite_store_last_ids(s, &news->last_item_id, &news->last_event_seq);
	return r;
}

static int sp_begin(void *b)
{
	return store_exec_stmt(b, ST_SAVEPOINT, "savepoint");
}

static int sp_release(void *b)
{
	return store_exec_stmt(b, ST_RELEASE, "release savepoint");
}

/* After a full disk or an I/O error SQLite may have rolled the whole
 * transaction back: then there is no savepoint to go back to, and this
 * fails. */
static int sp_rollback(void *b)
{
	struct sqlite_store *s = b;
	if (sqlite3_get_autocommit(s->db))
		return -EIO;
	int r = store_exec_stmt(s, ST_ROLLBACK_TO, "rollback to savepoint");
	return r < 0 ? r : store_exec_stmt(s, ST_RELEASE, "release savepoint");
}

static int feed_counters_write(void *b, const struct feed_state *fs)
{
	struct sqlite_store *s = b;
	sqlite3_stmt *st = store_stmt(s, ST_FEED_COUNTERS);
	sqlite3_bind_text(st, 1, fs->name, -1, SQLITE_STATIC);
	int64_t v[] = {fs->last_fetch, fs->last_success, fs->next_due};
	for (int i = 0; i < 3; i++)
		sqlite3_bind_int64(st, 2 + i, v[i]);
	store_bind_text(st, 5, fs->next_reason);
	sqlite3_bind_int(st, 6, fs->last_status);
	int64_t counters[] = {fs->n_requests, fs->n_conditional, fs->n_200, fs->n_304,
			      fs->n_err_net, fs->n_err_http, fs->n_err_parse,
			      fs->bytes_wire, fs->bytes_decoded, fs->n_truncated};
	for (int i = 0; i < 10; i++)
		sqlite3_bind_int64(st, 7 + i, counters[i]);
	int rc = sqlite3_step(st);
	store_done(st);
	return rc == SQLITE_DONE ? 0 : store_fail(s, rc, "feed counters");
}

static int event_add(void *b, const char *type, int64_t now, const char *feed,
			int64_t item_id, json_t *data)
{
	return store_event(b, type, now, feed, item_id, data);
}

/* The row's identity rule and home page, and whether the feed has items
 * or tombstones. */
static int feed_row(struct sqlite_store *s, const char *name, struct commit_feed *fr)
{
	sqlite3_stmt *st = store_stmt(s, ST_FEED_ID);
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		store_done(st);
		return store_fail(s, rc, "feed lookup");
	}
	fr->link_identity = sqlite3_column_int(st, 1) != 0;
	fr->site_url = store_col_dup(st, 3);
	bool oom = !fr->site_url && sqlite3_column_type(st, 3) != SQLITE_NULL;
	store_done(st);
	if (oom)
		return -ENOMEM;
	st = store_stmt(s, ST_FEED_FACTS);
	sqlite3_bind_int64(st, 1, fr->id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		fr->has_items = sqlite3_column_int(st, 0) != 0;
		fr->has_tombs = sqlite3_column_int(st, 1) != 0;
		rc = SQLITE_DONE;
	}
	store_done(st);
	return rc == SQLITE_DONE ? 0 : store_fail(s, rc, "feed facts");
}

/* One process writes the store: nothing is leased, nothing fenced. */
static int feed_state_write(void *b, const struct feed_state *st, const struct doc *doc,
			       int64_t now, struct commit_feed *fr)
{
	struct sqlite_store *s = b;
	int64_t feed;
	int r = store_feed_id(s, st->name, st->url, true, now, &feed);
	if (r == 0)
		r = write_state(s, feed, st, doc);
	if (r == 0 && fr) {
		fr->id = feed;
		r = feed_row(s, st->name, fr);
	}
	return r;
}

static enum dedup_hash key_hash(void *b)
{
	return ((struct sqlite_store *)b)->key_hash;
}

/* The known rows and those of the other identities; the rest is asked
 * item by item (not prefetched). */
static int doc_lookup(void *b, struct commit_doc *d)
{
	int r = load_known(b, d, false);
	return r < 0 ? r : load_known(b, d, true);
}

static int doc_probe(void *b, int64_t feed, enum commit_probe what, const char *arg,
			struct dedup_found *f)
{
	enum stmt id = what == PROBE_TOMB_KEY ? ST_TOMB_BY_KEY :
		       what == PROBE_TOMB_LINK ? ST_TOMB_BY_CANON :
		       what == PROBE_BY_KEY ? ST_ITEM_BY_KEY :
		       what == PROBE_BY_GUID ? ST_ITEM_BY_GUID :
		       what == PROBE_BY_LINK_LISTED ? ST_ITEM_BY_CANON_LISTED : ST_ITEM_BY_CANON;
	return lookup(b, id, feed, arg, f);
}

static int items_rekey(void *b, const struct commit_doc *d, const struct commit_ref *ref,
			  size_t n)
{
	int r = 0;
	for (size_t k = 0; k < n && r == 0; k++)
		r = item_rekey(b, ref[k].id, &d->p[ref[k].i]);
	return r;
}

static int items_seen(void *b, const int64_t *ids, size_t n, int64_t now)
{
	struct sqlite_store *s = b;
	for (size_t k = 0; k < n; k++) {
		sqlite3_stmt *st = store_stmt(s, ST_ITEM_SEEN);
		sqlite3_bind_int64(st, 1, ids[k]);
		sqlite3_bind_int64(st, 2, now);
		int rc = sqlite3_step(st);
		store_done(st);
		if (rc != SQLITE_DONE)
			return store_fail(s, rc, "item seen");
	}
	return 0;
}

static int item_stored(void *b, int64_t id, struct item_stored *out)
{
	struct sqlite_store *s = b;
	sqlite3_stmt *st = store_stmt(s, ST_ITEM_STORED);
	sqlite3_bind_int64(st, 1, id);
	*out = (struct item_stored){0};
	char **f[4] = {&out->url, &out->canon, &out->categories, &out->enclosures};
	int rc = sqlite3_step(st), r = 0;
	if (rc == SQLITE_ROW) {
		for (int i = 0; i < 4; i++)
			if (!(*f[i] = store_col_dup(st, i)) && sqlite3_column_type(st, i) != SQLITE_NULL)
				r = -ENOMEM;
	} else {
		r = rc == SQLITE_DONE ? -ENOENT : store_fail(s, rc, "item stored");
	}
	store_done(st);
	if (r < 0)
		item_stored_free(out);
	return r;
}

/* duplicate_of for the items to insert (DUP, per entry of NEWS): the first
 * item of another feed with the same canonical link, in one statement. */
static int find_dups(struct sqlite_store *s, const struct commit_doc *d, const size_t *news,
		     size_t nnews, int64_t *dup)
{
	struct strtab canons;
	int r = strtab_init(&canons, nnews);
	bool any = false;
	for (size_t k = 0; k < nnews && r == 0; k++)
		if (dedup_stored_canon(&d->p[news[k]]))
			any |= strtab_add(&canons, dedup_stored_canon(&d->p[news[k]]), k);
	char *json = r == 0 && any ? strtab_json(&canons) : NULL;
	if (r < 0 || !any || !json) {
		strtab_free(&canons);
		return r < 0 || !any ? r : -ENOMEM;
	}
	sqlite3_stmt *st = store_stmt(s, ST_DUPS_FIND);
	sqlite3_bind_int64(st, 1, d->feed);
	sqlite3_bind_text(st, 2, json, -1, SQLITE_STATIC);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *c = (const char *)sqlite3_column_text(st, 0);
		size_t slot = c ? strtab_slot(&canons, c) : 0;
		if (c && canons.str[slot])
			dup[canons.item[slot]] = sqlite3_column_int64(st, 1);
	}
	store_done(st);
	free(json);
	/* Every new item with that link, not only the first. */
	for (size_t k = 0; k < nnews && rc == SQLITE_DONE; k++) {
		const char *c = dedup_stored_canon(&d->p[news[k]]);
		if (c)
			dup[k] = dup[canons.item[strtab_slot(&canons, c)]];
	}
	strtab_free(&canons);
	return rc == SQLITE_DONE ? 0 : store_fail(s, rc, "duplicate lookup");
}

static int item_insert(struct sqlite_store *s, int64_t feed, const struct dedup_item *p, int64_t dup,
		       int64_t now, int64_t *id)
{
	const struct item *it = p->it;
	int64_t sdate = item_date(it, now);
	sqlite3_stmt *st = store_stmt(s, ST_ITEM_INSERT);
	sqlite3_bind_int64(st, 1, feed);
	sqlite3_bind_text(st, 2, p->key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, p->rule, -1, SQLITE_STATIC);
	store_bind_text(st, 4, it->guid);
	store_bind_text(st, 5, it->url);
	store_bind_text(st, 6, dedup_stored_canon(p));
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
	*id = sqlite3_last_insert_rowid(s->db);
	return 0;
}

/* feeds.listed: the JSON array of the ids the document lists. */
static char *listed_json(const int64_t *a, size_t na, const int64_t *b, size_t nb)
{
	char *out = malloc((na + nb) * 21 + 3);
	if (!out)
		return NULL;
	size_t o = 0;
	out[o++] = '[';
	for (size_t i = 0; i < na + nb; i++)
		o += (size_t)sprintf(out + o, i ? ",%lld" : "%lld",
				     (long long)(i < na ? a[i] : b[i - na]));
	out[o++] = ']';
	out[o] = '\0';
	return out;
}

/* A statement an item, then the events and hook deliveries of them all
 * (ids above the last before: two statements, not two per item), then the
 * feed's row. The full-text index follows later (sqlite_fts.c). */
static int items_insert(void *b, const struct commit_doc *d, struct commit_insert *w)
{
	struct sqlite_store *s = b;
	w->nnew = 0;
	int64_t last_id = 0;
	size_t nins = 0;
	int64_t *dup = calloc(w->nnews ? w->nnews : 1, sizeof *dup);
	int64_t *ids = calloc(w->nnews ? w->nnews : 1, sizeof *ids);
	int r = dup && ids ? 0 : -ENOMEM;
	if (r == 0 && w->nnews && (r = sqlite_store_last_ids(s, &last_id, NULL)) == 0)
		r = find_dups(s, d, w->news, w->nnews, dup);
	for (size_t k = 0; k < w->nnews && r == 0; k++) {
		const struct dedup_item *p = &d->p[w->news[k]];
		if ((r = item_insert(s, d->feed, p, dup[k], w->now, &ids[nins])) < 0)
			break;
		/* An item the filter rules skipped is stored (listed, never
		 * new again) but never announced: no event, no delivery
		 * (finish_new's statements pass it over), not in NEW_IDS. */
		if (!p->it->skipped)
			w->new_ids[w->nnew++] = ids[nins];
		nins++;
	}
	free(dup);
	if (r == 0 && w->nnews)
		r = finish_new(s, d->feed_name, last_id, w->now, w->hook);
	/* What this document lists is what retention must leave alone. */
	char *json = r == 0 ? listed_json(w->listed, w->nlisted, ids, nins) : NULL;
	free(ids);
	if (r < 0 || !json)
		return r < 0 ? r : -ENOMEM;
	sqlite3_stmt *st = store_stmt(s, ST_FEED_DOC);
	sqlite3_bind_int64(st, 1, d->feed);
	sqlite3_bind_int(st, 2, w->link_identity);
	sqlite3_bind_text(st, 3, json, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	store_done(st);
	free(json);
	return rc == SQLITE_DONE ? 0 : store_fail(s, rc, "feed document");
}

/* Whether item ID's stored canonical link is not NOW (*CHANGED), and
 * then that link in *WAS (a heap copy, or NULL for none). */
static int canon_changed(struct sqlite_store *s, int64_t id, const char *now, bool *changed,
			 char **was)
{
	sqlite3_stmt *st = store_stmt(s, ST_ITEM_CANON);
	sqlite3_bind_int64(st, 1, id);
	int rc = sqlite3_step(st), r = 0;
	*changed = false;
	*was = NULL;
	if (rc == SQLITE_ROW) {
		const char *c = (const char *)sqlite3_column_text(st, 0);
		*changed = c && now ? strcmp(c, now) != 0 : c != now;
		if (*changed && c && !(*was = strdup(c)))
			r = -ENOMEM;
	} else if (rc != SQLITE_DONE) {
		r = store_fail(s, rc, "item canonical link");
	}
	store_done(st);
	return r;
}

/* Edited items, rewritten after the document's inserts (their FTS trigger
 * would otherwise slow every later statement); an item.updated event for
 * each but the items stored as skipped. The canonical link each had is
 * read first, from the row about to be written. */
static int items_edit(void *b, const struct commit_doc *d, const struct commit_ref *ref,
			 size_t n, int64_t now, struct commit_move *moves, size_t *nmoves)
{
	int r = 0;
	*nmoves = 0;
	for (size_t k = 0; k < n && r == 0; k++) {
		const char *canon = dedup_stored_canon(&d->p[ref[k].i]);
		bool changed;
		char *was;
		if ((r = canon_changed(b, ref[k].id, canon, &changed, &was)) < 0)
			break;
		if (changed)
			moves[(*nmoves)++] = (struct commit_move){ref[k].id, was, canon};
		r = item_update(b, ref[k].id, &d->p[ref[k].i], now);
		/* A skipped item's edits are not news either. */
		if (r == 0)
			r = store_event(b, "item.updated", now, d->feed_name, ref[k].id, NULL);
		else if (r > 0)
			r = 0;
	}
	return r;
}

/* A statement a move (rare: an edit seldom changes a link), after all the
 * document's edits: each re-resolves its items against the rows as the
 * edits left them. */
static int dups_resolve(void *b, int64_t feed, const struct commit_move *moves, size_t n)
{
	struct sqlite_store *s = b;
	for (size_t k = 0; k < n; k++) {
		sqlite3_stmt *st = store_stmt(s, ST_DUPS_RESOLVE);
		sqlite3_bind_int64(st, 1, moves[k].id);
		store_bind_text(st, 2, moves[k].was);
		store_bind_text(st, 3, moves[k].now);
		sqlite3_bind_int64(st, 4, feed);
		int rc = sqlite3_step(st);
		store_done(st);
		if (rc != SQLITE_DONE)
			return store_fail(s, rc, "duplicates of a moved item");
	}
	return 0;
}

const struct store_prims sqlite_prims = STORE_PRIMS(sqlite_feed_prims, sqlite_items_rows, sqlite_hook_outcome,
						     sqlite_items_prune, sqlite_events_rows, true);
