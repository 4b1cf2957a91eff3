/* reader_gr_stream.c — the Google Reader API's read calls, on a read-only
 * store handle (or the store thread, for mark-all-as-read's walk): a
 * stream's items walked through the store (gr_walk: the stream, xt, it,
 * c, r, ot, nt), their JSON in FreshRSS's shapes written straight from
 * the rows, and the subscription, tag and unread lists.
 *
 * Ids: an item's is its store id (long form in hex, short form decimal);
 * a feed's stream is "feed/" and its URL; a feed's tags are its labels
 * (user/-/label/TAG) and every item's of it, beside the item's own labels
 * (store/labels.c). Times: timestampUsec is the
 * time feedd first saw the item, in microseconds, with the id's last six
 * decimal digits in place of the sub-second part, so that ts= of
 * mark-all-as-read names exactly the items a client saw (reader_gr_write.c
 * reads a ts that is an item's as an id bound: where ids pass a multiple
 * of a million within one second, the timestamps go back). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/apifmt.h"
#include "core/config.h"
#include "core/date.h"
#include "daemon/reader_content.h"
#include "daemon/reader_gr_int.h"
#include "store/store.h"

#define SCAN_BATCH 1000
/* Rows one request looks at before it answers with a continuation. */
#define SCAN_MAX 20000
#define STATE "user/-/state/com.google/"

int64_t gr_usec(const struct item_row *row)
{
	int64_t t = row->first_seen > 0 ? row->first_seen : row->date > 0 ? row->date : 0;
	return t * 1000000 + row->id % 1000000;
}

json_t *gr_feed_of(json_t *feeds, const struct gr_stream *st)
{
	size_t i;
	json_t *f;
	/* feed/URL: the configured URL (the stream id), or the one of now
	 * (after a permanent redirect: what an older client may hold). */
	json_array_foreach(feeds, i, f)
		if (!strcmp(gr_str(f, "url", ""), st->arg))
			return f;
	json_array_foreach(feeds, i, f)
		if (!strcmp(gr_str(f, "effective_url", ""), st->arg))
			return f;
	/* feed/NUMBER: the feed's store id, as FreshRSS names them. */
	char *end;
	long long id = strtoll(st->arg, &end, 10);
	if (*end || end == st->arg)
		return NULL;
	json_array_foreach(feeds, i, f)
		if (json_integer_value(json_object_get(f, "id")) == id)
			return f;
	return NULL;
}

const char *gr_feed_stream(const json_t *feed, char *buf, size_t size)
{
	snprintf(buf, size, "feed/%s", gr_str(feed, "url", ""));
	return buf;
}

static bool has_tag(const json_t *feed, const char *tag)
{
	size_t i;
	json_t *t;
	json_array_foreach(json_object_get(feed, "tags"), i, t)
		if (!strcmp(json_string_value(t), tag))
			return true;
	return false;
}

/* Whether item ITEM has LABEL of its own (store/labels.c). */
struct has_label {
	const char *label;
	bool has;
};

static int label_is(int64_t item, const char *label, void *ud)
{
	struct has_label *h = ud;
	(void)item;
	h->has = h->has || !strcmp(label, h->label);
	return 0;
}

static bool item_has_label(struct store *s, int64_t item, const char *label)
{
	struct has_label h = {label, false};
	return store_items_labels(s, &item, 1, label_is, &h) == 0 && h.has;
}

/* Whether ROW (of FEED) is in ST, as far as the store query did not say;
 * FEED_ID the store id of ST's feed when it is a feed/ stream (0: none).
 * A label's: its feeds' items and the items labelled so (S asked, item by
 * item: xt= or it= a label is rare). */
static bool in_stream(struct store *s, const struct item_row *row, const json_t *feed,
		      const struct gr_stream *st, int64_t feed_id)
{
	switch (st->kind) {
	case GRS_READING_LIST:
		return true;
	case GRS_STARRED:
		return row->starred;
	case GRS_READ:
		return row->read;
	case GRS_KEPT_UNREAD:
		return !row->read;
	case GRS_LABEL:
		return (feed && has_tag(feed, st->tag)) || item_has_label(s, row->id, st->arg);
	case GRS_FEED:
		return feed_id && row->feed_id == feed_id;
	default:
		return false;
	}
}

struct walk {
	struct store *s;
	const struct gr_params *p;
	const struct gr_stream *xt, *it;
	int64_t xt_feed, it_feed;   /* their feed's id, when feed/ streams */
	struct gr_feeds *fs;
	bool mark;
	int n;
	gr_row_fn fn;
	void *ud;
	int got;
	size_t batch, scanned;
	int64_t last_scanned, last_handed;
	bool more;
	int fn_rc;
};

static int on_row(const struct item_row *row, void *ud)
{
	struct walk *w = ud;
	w->batch++;
	w->scanned++;
	w->last_scanned = row->id;
	int rc = 0;
	const json_t *feed = gr_feeds_get(w->fs, row->feed_id, &rc);
	if (rc < 0) {
		w->fn_rc = rc;
		return rc;
	}
	const struct gr_params *p = w->p;
	if (w->xt && in_stream(w->s, row, feed, w->xt, w->xt_feed))
		return 0;
	if (w->it && !in_stream(w->s, row, feed, w->it, w->it_feed))
		return 0;
	if ((p->ot && row->first_seen < p->ot) || (p->nt && row->first_seen >= p->nt))
		return 0;
	if (w->mark && p->ts && gr_usec(row) > p->ts)
		return 0;
	if (w->got == w->n) {
		w->more = true;
		return -ECANCELED;
	}
	w->got++;
	w->last_handed = row->id;
	rc = w->fn(row, feed, w->ud);
	if (rc < 0) {
		w->fn_rc = rc;
		return rc;
	}
	return 0;
}

/* The store id of the feed of ST when it is a feed/ stream, else 0;
 * -errno when the store failed. */
static int64_t stream_feed_id(struct gr_feeds *fs, const struct gr_stream *st)
{
	int rc = 0;
	const json_t *f = st->kind == GRS_FEED ? gr_feeds_of_stream(fs, st, &rc) : NULL;
	return rc < 0 ? rc : f ? json_integer_value(json_object_get(f, "id")) : 0;
}

int gr_walk(struct store *s, const struct gr_params *p, const struct gr_stream *st,
	    struct gr_feeds *fs, int n, bool mark, gr_row_fn fn, void *ud, int64_t *cont)
{
	*cont = 0;
	/* An unsubscribed feed's items went with it (live). */
	struct item_query q = {.since = DATE_NONE, .desc = !p->oldest_first, .limit = SCAN_BATCH,
			       .live = true};
	const char *name = NULL;
	int rc = 0;
	switch (st->kind) {
	case GRS_NONE:
	case GRS_READING_LIST:
		break;
	case GRS_STARRED:
		q.starred = true;
		break;
	case GRS_READ:
		q.status = ITEMQ_READ;
		break;
	case GRS_KEPT_UNREAD:
		q.status = ITEMQ_UNREAD;
		break;
	case GRS_LABEL:
		/* The feeds with the tag it names (whatever the ASCII case a
		 * client gave), and the items labelled so (case kept). */
		q.tag = st->tag;
		q.label = st->arg;
		break;
	case GRS_FEED: {
		const json_t *f = gr_feeds_of_stream(fs, st, &rc);
		if (rc < 0)
			return rc;
		if (!f)
			return -ENOENT;
		name = gr_str(f, "name", "");
		q.feeds = &name;
		q.nfeeds = 1;
		break;
	}
	default:
		return 0;               /* a state feedd does not keep: nothing in it */
	}
	struct walk w = {.s = s, .p = p, .fs = fs, .mark = mark, .n = n, .fn = fn, .ud = ud};
	/* xt/it the store query can say itself, else each row is tested. */
	if (p->xt.kind == GRS_READ && q.status != ITEMQ_READ)
		q.status = ITEMQ_UNREAD;
	else if (p->xt.kind == GRS_READ)
		return 0;
	else if (p->xt.kind != GRS_NONE)
		w.xt = &p->xt;
	if (p->it.kind == GRS_READ && q.status == ITEMQ_ANY)
		q.status = ITEMQ_READ;
	else if (p->it.kind == GRS_STARRED)
		q.starred = true;
	else if (p->it.kind != GRS_NONE)
		w.it = &p->it;
	if ((w.xt && (w.xt_feed = stream_feed_id(fs, w.xt)) < 0) ||
	    (w.it && (w.it_feed = stream_feed_id(fs, w.it)) < 0))
		return (int)(w.xt_feed < 0 ? w.xt_feed : w.it_feed);
	if (p->c) {
		if (q.desc)
			q.before = p->c;
		else
			q.after = p->c;
	}
	for (;;) {
		w.batch = 0;
		rc = store_items_each(s, &q, on_row, &w, NULL);
		if (rc == -ECANCELED && !w.fn_rc) {
			*cont = w.last_handed;
			rc = 0;
			break;
		}
		if (rc < 0 || w.batch < (size_t)q.limit)
			break;              /* failed, or the store has no more */
		if (w.scanned >= SCAN_MAX) {
			/* Enough looked at: the client goes on from here. */
			*cont = w.last_scanned;
			break;
		}
		if (q.desc)
			q.before = w.last_scanned;
		else
			q.after = w.last_scanned;
	}
	return rc < 0 ? rc : 0;
}

/* --- the JSON of an item --- */

static json_t *str_usec(int64_t v)
{
	char buf[24];
	snprintf(buf, sizeof buf, "%" PRId64, v);
	return json_string(buf);
}

/* --- the JSON of an item, written straight from its row ---
 *
 * A page's items go into one buffer as the walk meets them, each in two
 * parts: up to its categories' last (its states and its feed's tags),
 * then the rest; its own labels, known once the walk is over (one query
 * for the page), go between the two when the page is put together. */

struct page_item {
	size_t from, mid, to;       /* in the page's HEADS */
	int64_t id;
	const json_t *feed;         /* borrowed from the request's gr_feeds */
};

struct page {
	struct buf heads;
	struct page_item *it;
	size_t n, cap;
	struct buf labels;          /* each label row: ITEM (8 bytes), NAME, NUL */
};

static void page_free(struct page *pg)
{
	buf_free(&pg->heads);
	buf_free(&pg->labels);
	free(pg->it);
}

static void put_str(struct buf *b, const char *s)
{
	apifmt_put_lossy(b, s ? s : "");
}

/* "N": Google Reader's numbers as strings. */
static void put_num_str(struct buf *b, int64_t v)
{
	buf_printf(b, "\"%" PRId64 "\"", v);
}

static void put_label(struct buf *b, const char *name)
{
	char lab[STORE_LABEL_MAX + 600];
	snprintf(lab, sizeof lab, "user/-/label/%s", name);
	buf_puts(b, ",");
	apifmt_put_lossy(b, lab);
}

static void put_enclosures(struct buf *b, const char *stored)
{
	buf_puts(b, "[");
	if (stored && strcmp(stored, "[]")) {
		json_t *encs = json_loads_or(stored, json_array());
		size_t i;
		json_t *e;
		json_array_foreach(encs, i, e) {
			buf_puts(b, i ? ",{\"href\":" : "{\"href\":");
			apifmt_put_lossy(b, json_string_value(json_object_get(e, "url")));
			buf_puts(b, ",\"type\":");
			apifmt_put_lossy(b, json_string_value(json_object_get(e, "type")));
			json_t *len = json_object_get(e, "length");
			if (json_is_integer(len)) {
				buf_puts(b, ",\"length\":");
				put_num_str(b, json_integer_value(len));
			}
			buf_puts(b, "}");
		}
		json_decref(encs);
	}
	buf_puts(b, "]");
}

static int add_item(const struct item_row *r, const json_t *feed, void *ud)
{
	struct page *pg = ud;
	if (pg->n == pg->cap) {
		size_t cap = pg->cap ? 2 * pg->cap : 64;
		struct page_item *it = realloc(pg->it, cap * sizeof *it);
		if (!it)
			return -ENOMEM;
		pg->it = it;
		pg->cap = cap;
	}
	struct buf *b = &pg->heads;
	struct page_item *pi = &pg->it[pg->n++];
	pi->id = r->id;
	pi->feed = feed;
	pi->from = b->len;
	char id[64], fs[1100];
	gr_item_id_format(r->id, id, sizeof id);
	int64_t pub = r->date > 0 ? r->date : r->first_seen;
	int64_t upd = r->updated_seen > 0 ? r->updated_seen : pub;
	const char *url = r->url ? r->url : "";
	buf_puts(b, "{\"id\":\"");
	buf_puts(b, id);
	buf_puts(b, "\",\"crawlTimeMsec\":");
	put_num_str(b, r->first_seen * 1000);
	buf_puts(b, ",\"timestampUsec\":");
	put_num_str(b, gr_usec(r));
	buf_printf(b, ",\"published\":%" PRId64 ",\"updated\":%" PRId64 ",\"title\":", pub, upd);
	put_str(b, r->title);
	buf_puts(b, ",\"summary\":{\"direction\":\"ltr\",\"content\":");
	char *content = reader_entry_content(r);   /* sanitized */
	put_str(b, content);
	free(content);
	buf_puts(b, "},\"canonical\":[{\"href\":");
	put_str(b, url);
	buf_puts(b, "}],\"alternate\":[{\"href\":");
	put_str(b, url);
	buf_puts(b, ",\"type\":\"text/html\"}],\"categories\":[\"" STATE "reading-list\"");
	buf_puts(b, r->read ? ",\"" STATE "read\"" : ",\"" STATE "fresh\"");
	if (r->starred)
		buf_puts(b, ",\"" STATE "starred\"");
	size_t i;
	json_t *t;
	json_array_foreach(json_object_get(feed, "tags"), i, t)
		put_label(b, json_string_value(t));
	pi->mid = b->len;
	buf_puts(b, "],\"origin\":{\"streamId\":");
	put_str(b, feed ? gr_feed_stream(feed, fs, sizeof fs) : "feed/");
	buf_puts(b, ",\"title\":");
	put_str(b, feed ? gr_str(feed, "title", gr_str(feed, "name", "")) : "");
	buf_puts(b, ",\"htmlUrl\":");
	put_str(b, feed ? gr_str(feed, "site_url", "") : "");
	buf_puts(b, "},\"author\":");
	put_str(b, r->author);
	buf_puts(b, ",\"enclosure\":");
	put_enclosures(b, r->enclosures);
	buf_puts(b, "}");
	pi->to = b->len;
	return b->oom ? -ENOMEM : 0;
}

static int keep_label(int64_t item, const char *label, void *ud)
{
	struct page *pg = ud;
	buf_append(&pg->labels, &item, sizeof item);
	buf_append(&pg->labels, label, strlen(label) + 1);
	return pg->labels.oom ? -ENOMEM : 0;
}

/* The page's items' own labels (one query for the page). */
static int page_labels(struct store *s, struct page *pg)
{
	if (!pg->n)
		return 0;
	int64_t *ids = malloc(pg->n * sizeof *ids);
	if (!ids)
		return -ENOMEM;
	for (size_t i = 0; i < pg->n; i++)
		ids[i] = pg->it[i].id;
	int rc = store_items_labels(s, ids, pg->n, keep_label, pg);
	free(ids);
	return rc;
}

/* The page's items into B, comma-separated, each with its own labels
 * among its categories (a feed's tag of the same name once). */
static void page_put(struct buf *b, const struct page *pg)
{
	for (size_t i = 0; i < pg->n; i++) {
		const struct page_item *pi = &pg->it[i];
		if (i)
			buf_puts(b, ",");
		buf_append(b, pg->heads.data + pi->from, pi->mid - pi->from);
		for (size_t o = 0; o < pg->labels.len;) {
			int64_t item;
			memcpy(&item, pg->labels.data + o, sizeof item);
			const char *label = pg->labels.data + o + sizeof item;
			o += sizeof item + strlen(label) + 1;
			if (item == pi->id && !(pi->feed && has_tag(pi->feed, label)))
				put_label(b, label);
		}
		buf_append(b, pg->heads.data + pi->mid, pi->to - pi->mid);
	}
}

static int add_ref(const struct item_row *row, const json_t *feed, void *ud)
{
	(void)feed;
	char id[24];
	snprintf(id, sizeof id, "%" PRId64, row->id);
	json_array_append_new(ud, json_pack("{s:s,s:[],s:o}", "id", id, "directStreamIds",
					    "timestampUsec", str_usec(gr_usec(row))));
	return 0;
}

static const char *stream_name(const struct gr_stream *st, char *buf, size_t size)
{
	switch (st->kind) {
	case GRS_STARRED: return STATE "starred";
	case GRS_READ: return STATE "read";
	case GRS_KEPT_UNREAD: return STATE "kept-unread";
	case GRS_LABEL: snprintf(buf, size, "user/-/label/%s", st->arg); return buf;
	case GRS_FEED: snprintf(buf, size, "feed/%s", st->arg); return buf;
	default: return STATE "reading-list";
	}
}

static void stream_contents(struct store *s, struct gr_job *j, struct gr_feeds *fs, bool ids)
{
	json_t *items = ids ? json_array() : NULL;
	struct page pg = {0};
	int64_t cont = 0;
	int n = j->p.n ? j->p.n : GR_DEFAULT_N;
	int rc = gr_walk(s, &j->p, &j->p.s, fs, n, false, ids ? add_ref : add_item,
			 ids ? (void *)items : &pg, &cont);
	if (rc == 0 && !ids)
		rc = page_labels(s, &pg);
	if (rc == 0 && pg.heads.oom)
		rc = -ENOMEM;
	if (rc < 0) {
		json_decref(items);
		page_free(&pg);
		if (rc == -ENOENT)
			gr_fail(j, 404, "no such stream");
		else
			gr_store_failed(j, rc);
		return;
	}
	char c[24] = "";
	if (cont)
		snprintf(c, sizeof c, "%" PRId64, cont);
	if (ids) {
		j->json = json_pack("{s:o}", "itemRefs", items);
		if (j->json && cont)
			json_object_set_new(j->json, "continuation", json_string(c));
		return;
	}
	char buf[1100];
	const char *sid = stream_name(&j->p.s, buf, sizeof buf);
	const json_t *f = j->p.s.kind == GRS_FEED ? gr_feeds_of_stream(fs, &j->p.s, &rc) : NULL;
	struct buf *b = &j->body;
	buf_puts(b, "{\"id\":");
	put_str(b, sid);
	buf_puts(b, ",\"direction\":\"ltr\",\"title\":");
	put_str(b, f ? gr_str(f, "title", gr_str(f, "name", "")) : sid);
	buf_printf(b, ",\"updated\":%lld", (long long)time(NULL));
	if (f) {
		buf_puts(b, ",\"alternate\":[{\"href\":");
		put_str(b, gr_str(f, "site_url", ""));
		buf_puts(b, ",\"type\":\"text/html\"}]");
	}
	buf_puts(b, ",\"items\":[");
	page_put(b, &pg);
	buf_puts(b, "]");
	if (cont) {
		buf_puts(b, ",\"continuation\":\"");
		buf_puts(b, c);
		buf_puts(b, "\"");
	}
	buf_puts(b, "}");
	page_free(&pg);
}

/* stream/items/contents: the items I= in their order, each once (the ones
 * not stored left out). */
static void items_contents(struct store *s, struct gr_job *j, struct gr_feeds *fs)
{
	/* An id named again, in any spelling, is the same item: Google Reader
	 * and FreshRSS answer it once, where it was first asked for. */
	if (gr_item_ids_unique(j->p.ids, &j->p.nids) < 0) {
		gr_fail(j, 500, "out of memory");
		return;
	}
	struct page pg = {0};
	int rc = 0;
	for (size_t i = 0; i < j->p.nids && rc == 0; i++) {
		int64_t id = j->p.ids[i];
		struct gr_params none = {0};
		struct item_query q = {.after = id - 1, .before = id + 1, .since = DATE_NONE,
				       .limit = 1, .live = true};
		struct walk w = {.s = s, .p = &none, .fs = fs, .n = 1, .fn = add_item, .ud = &pg};
		rc = store_items_each(s, &q, on_row, &w, NULL);
		if (rc == -ECANCELED)
			rc = 0;
	}
	if (rc == 0)
		rc = page_labels(s, &pg);
	if (rc < 0) {
		page_free(&pg);
		gr_store_failed(j, rc);
		return;
	}
	struct buf *b = &j->body;
	buf_puts(b, "{\"id\":\"" STATE "reading-list\",\"direction\":\"ltr\",\"updated\":");
	apifmt_put_int(b, (json_int_t)time(NULL));
	buf_puts(b, ",\"items\":[");
	page_put(b, &pg);
	buf_puts(b, "]}");
	page_free(&pg);
}

static json_t *labels_of(const json_t *feed)
{
	json_t *cats = json_array();
	size_t i;
	json_t *t;
	json_array_foreach(json_object_get(feed, "tags"), i, t) {
		char lab[600];
		snprintf(lab, sizeof lab, "user/-/label/%s", json_string_value(t));
		json_array_append_new(cats, json_pack("{s:o,s:O}", "id", json_string_lossy(lab),
						      "label", t));
	}
	return cats;
}

static void sub_list(struct gr_job *j, json_t *feeds)
{
	json_t *subs = json_array();
	size_t i;
	json_t *f;
	json_array_foreach(feeds, i, f) {
		char sid[1100];
		json_array_append_new(subs, json_pack("{s:o,s:o,s:o,s:o,s:o,s:s,s:s}",
			"id", json_string_lossy(gr_feed_stream(f, sid, sizeof sid)),
			"title", json_string_lossy(gr_str(f, "title", gr_str(f, "name", ""))),
			"categories", labels_of(f),
			"url", json_string_lossy(gr_str(f, "url", "")),
			"htmlUrl", json_string_lossy(gr_str(f, "site_url", "")),
			"iconUrl", "", "firstitemmsec", "0"));
	}
	j->json = json_pack("{s:o}", "subscriptions", subs);
}

/* Each tag once, with the unread count of its feeds (FEEDS with counts). */
static json_t *tag_counts(json_t *feeds)
{
	json_t *tags = json_object();
	size_t i;
	json_t *f;
	json_array_foreach(feeds, i, f) {
		size_t k;
		json_t *t;
		json_array_foreach(json_object_get(f, "tags"), k, t) {
			const char *tag = json_string_value(t);
			json_int_t n = json_integer_value(json_object_get(tags, tag));
			json_object_set_new(tags, tag, json_integer(
				n + json_integer_value(json_object_get(f, "unread"))));
		}
	}
	return tags;
}

/* The lists' streams of labels (tag/list, unread-count): each feed's tag
 * with what its feeds count (TAGS, NEWEST: from the feeds alone), then
 * each label of items with what its stream holds: its tag's feeds (the
 * label as feeds.conf folds a tag: "Reading" has the feeds of tag
 * "reading") and its own unread items outside them (store_labels_each),
 * each item counted once. A label spelt as its tag is one entry. */
struct label_counts {
	const json_t *feed_counts, *feed_newest;   /* by tag, the feeds' own */
	json_t *tags, *newest;                     /* by name, the answer's */
};

static int label_count(int64_t unread, int64_t newest, const char *label, void *ud)
{
	struct label_counts *lc = ud;
	char *tag = strdup(label);
	if (!tag)
		return -ENOMEM;
	const char *t = config_fold_tag(tag);
	json_int_t n = json_integer_value(json_object_get(lc->feed_counts, t));
	json_int_t u = json_integer_value(json_object_get(lc->feed_newest, t));
	free(tag);
	json_object_set_new(lc->tags, label, json_integer(n + unread));
	if (lc->newest)
		json_object_set_new(lc->newest, label, json_integer(newest > u ? newest : u));
	return 0;
}

static void tag_list(struct store *s, struct gr_job *j, json_t *feeds)
{
	json_t *out = json_array();
	json_array_append_new(out, json_pack("{s:s}", "id", STATE "starred"));
	json_t *fc = tag_counts(feeds);
	json_t *tags = json_copy(fc);
	struct label_counts lc = {fc, NULL, tags, NULL};
	int rc = tags ? store_labels_each(s, label_count, &lc) : -ENOMEM;
	json_decref(fc);
	if (rc < 0) {
		json_decref(tags);
		json_decref(out);
		gr_store_failed(j, rc);
		return;
	}
	const char *tag;
	json_t *n;
	json_object_foreach(tags, tag, n) {
		char lab[600];
		snprintf(lab, sizeof lab, "user/-/label/%s", tag);
		json_array_append_new(out, json_pack("{s:o,s:s,s:O}", "id", json_string_lossy(lab),
						     "type", "folder", "unread_count", n));
	}
	json_decref(tags);
	j->json = json_pack("{s:o}", "tags", out);
}

static void unread_count(struct store *s, struct gr_job *j, json_t *feeds)
{
	/* Each stream's newestItemTimestampUsec (FreshRSS's): its newest
	 * item's timestampUsec, of a label the newest of its feeds' and of
	 * its labelled items' ("0" for an empty stream). The labels are
	 * tag/list's: feeds' tags and items' labels. */
	json_t *out = json_array(), *newest = json_object();
	json_int_t total = 0, all = 0;
	size_t i;
	json_t *f;
	json_array_foreach(feeds, i, f) {
		char sid[1100];
		json_int_t n = json_integer_value(json_object_get(f, "unread"));
		json_int_t u = json_integer_value(json_object_get(f, "newest_usec"));
		total += n;
		all = u > all ? u : all;
		json_array_append_new(out, json_pack("{s:o,s:I,s:o}",
			"id", json_string_lossy(gr_feed_stream(f, sid, sizeof sid)), "count", n,
			"newestItemTimestampUsec", str_usec(u)));
		size_t k;
		json_t *t;
		json_array_foreach(json_object_get(f, "tags"), k, t) {
			const char *tag = json_string_value(t);
			if (tag && u > json_integer_value(json_object_get(newest, tag)))
				json_object_set_new(newest, tag, json_integer(u));
		}
	}
	json_t *fc = tag_counts(feeds), *fn = newest;
	json_t *tags = json_copy(fc);
	newest = json_copy(fn);
	struct label_counts lc = {fc, fn, tags, newest};
	int rc = tags && newest ? store_labels_each(s, label_count, &lc) : -ENOMEM;
	json_decref(fc);
	json_decref(fn);
	if (rc < 0) {
		json_decref(tags);
		json_decref(newest);
		json_decref(out);
		gr_store_failed(j, rc);
		return;
	}
	const char *tag;
	json_t *n;
	json_object_foreach(tags, tag, n) {
		char lab[600];
		snprintf(lab, sizeof lab, "user/-/label/%s", tag);
		json_array_append_new(out, json_pack("{s:o,s:O,s:o}", "id", json_string_lossy(lab),
			"count", n, "newestItemTimestampUsec",
			str_usec(json_integer_value(json_object_get(newest, tag)))));
	}
	json_decref(tags);
	json_decref(newest);
	json_array_append_new(out, json_pack("{s:s,s:I,s:o}", "id", STATE "reading-list",
					     "count", total, "newestItemTimestampUsec", str_usec(all)));
	j->json = json_pack("{s:I,s:o}", "max", total, "unreadcounts", out);
}

void gr_read_work(struct store *s, struct gr_job *j, struct gr_feeds *fs)
{
	json_t *feeds = NULL;
	int rc = 0;
	switch (j->route) {
	case GR_SUB_LIST:
	case GR_TAG_LIST:
	case GR_UNREAD_COUNT:
		/* The listings: every feed (the counts for the last two). */
		rc = gr_feeds_all(fs, j->route != GR_SUB_LIST, &feeds);
		if (rc < 0) {
			gr_store_failed(j, rc);
			return;
		}
		break;
	default:
		break;
	}
	switch (j->route) {
	case GR_SUB_LIST:
		sub_list(j, feeds);
		break;
	case GR_TAG_LIST:
		tag_list(s, j, feeds);
		break;
	case GR_UNREAD_COUNT:
		unread_count(s, j, feeds);
		break;
	case GR_STREAM_CONTENTS:
		stream_contents(s, j, fs, false);
		break;
	case GR_ITEM_IDS:
		stream_contents(s, j, fs, true);
		break;
	case GR_ITEM_CONTENTS:
		items_contents(s, j, fs);
		break;
	default:
		gr_fail(j, 404, "not found");
	}
	if (j->code == 200 && (j->body.len ? j->body.oom : !j->json))
		gr_fail(j, 500, "out of memory");
}
