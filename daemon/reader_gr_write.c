/* reader_gr_write.c — the Google Reader API's writes, on the store
 * thread: edit-tag (read, kept-unread, starred on items by id, and
 * labels, user/-/label/NAME, through store/labels.c) and
 * mark-all-as-read (a stream's unread items, up to ts= or to the newest
 * item when the call came), through store/readstate.c: the same read and
 * starred state the Miniflux and socket APIs show. Consumers' cursors are
 * untouched. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/reader_gr_int.h"
#include "store/store.h"

/* Items mark-all-as-read collects and marks at a time: one store
 * transaction each, short enough not to hold the store thread. */
#define GR_MARK_BATCH 1000

/* Marks IDS (N, any number) READ / STARRED, in batches; ids no longer
 * stored (pruned since the client saw them) are left out rather than
 * failing the rest. */
static int mark(struct store *s, int64_t *ids, size_t n, int read, int starred)
{
	while (n) {
		size_t k = n < STORE_MARK_MAX ? n : STORE_MARK_MAX;
		int64_t missing = 0;
		int rc = store_reader_items_mark(s, ids, k, read, starred, &missing);
		if (rc == -ENOENT) {
			/* Drop MISSING from the batch and try again. */
			size_t w = 0;
			for (size_t i = 0; i < k; i++)
				if (ids[i] != missing)
					ids[w++] = ids[i];
			if (w == k)
				return rc;
			memmove(ids + w, ids + k, (n - k) * sizeof *ids);
			n -= k - w;
			continue;
		}
		if (rc < 0)
			return rc;
		ids += k;
		n -= k;
	}
	return 0;
}

static const char *tag_effect(const struct gr_stream *t, bool add, int *read, int *starred)
{
	switch (t->kind) {
	case GRS_READ:
		*read = add;
		return NULL;
	case GRS_KEPT_UNREAD:
		if (add)
			*read = 0;
		return NULL;
	case GRS_STARRED:
		*starred = add;
		return NULL;
	case GRS_OTHER_STATE:       /* tracking-kept-unread, broadcast ...: not kept */
		return NULL;
	case GRS_LABEL:             /* labels(): store/labels.c */
		return store_label_valid(t->arg) ? NULL
			: "a=/r=: a label is 1 to 200 bytes of UTF-8 without control characters";
	default:
		return "a=/r=: expected a state (user/-/state/com.google/...)";
	}
}

/* The labels among TAGS (N) into OUT (their strings borrowed). */
static size_t labels(const struct gr_stream *tags, size_t n, const char **out)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (tags[i].kind == GRS_LABEL)
			out[k++] = tags[i].arg;
	return k;
}

/* Labels ADD and REM on IDS (N, any number), in batches; ids no longer
 * stored are left out, as FreshRSS does. */
static int label(struct store *s, const int64_t *ids, size_t n, const char **add, size_t nadd,
		 const char **rem, size_t nrem)
{
	for (size_t i = 0; i < n; i += STORE_MARK_MAX) {
		size_t k = n - i < STORE_MARK_MAX ? n - i : STORE_MARK_MAX;
		int rc = store_items_label(s, ids + i, k, add, nadd, rem, nrem);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static void edit_tag(struct store *s, struct gr_job *j)
{
	int read = -1, starred = -1;
	const char *err = j->p.nids ? NULL : "i: expected item ids";
	for (size_t i = 0; i < j->p.nrem && !err; i++)
		err = tag_effect(&j->p.rem[i], false, &read, &starred);
	/* Additions win over removals of the same state. */
	for (size_t i = 0; i < j->p.nadd && !err; i++)
		err = tag_effect(&j->p.add[i], true, &read, &starred);
	if (err) {
		gr_fail(j, 400, err);
		return;
	}
	if (read >= 0 || starred >= 0) {
		int rc = mark(s, j->p.ids, j->p.nids, read, starred);
		if (rc < 0) {
			gr_store_failed(j, rc);
			return;
		}
	}
	const char *add[GR_MAX_TAGS], *rem[GR_MAX_TAGS];
	size_t nadd = labels(j->p.add, j->p.nadd, add), nrem = labels(j->p.rem, j->p.nrem, rem);
	if (nadd || nrem) {
		int rc = label(s, j->p.ids, j->p.nids, add, nadd, rem, nrem);
		if (rc < 0) {
			gr_store_failed(j, rc);
			return;
		}
	}
	j->code = 200;
	j->text = strdup("OK");
	j->tlen = 2;
	j->ctype = "text/plain; charset=utf-8";
}

struct ids {
	int64_t *v;
	size_t n;
};

static int collect(const struct item_row *row, const json_t *feed, void *ud)
{
	(void)feed;
	struct ids *ids = ud;
	ids->v[ids->n++] = row->id;
	return 0;
}

/* The item whose timestampUsec TS is, among the items up to LAST: its id,
 * or 0 when TS names none (a time a client made up). Candidates are the
 * ids with TS's last six digits (gr_usec), one per million, the newest
 * first: items a million ids apart seen in one second share a
 * timestampUsec, and the newer one covers the older. */
struct usec_probe {
	int64_t ts, id;
};

static int usec_match(const struct item_row *row, void *ud)
{
	struct usec_probe *p = ud;
	if (gr_usec(row) == p->ts)
		p->id = row->id;
	return 0;
}

static int64_t item_of_usec(struct store *s, int64_t ts, int64_t last)
{
	struct usec_probe p = {ts, 0};
	int64_t low = ts % 1000000;
	if (last < low)
		return 0;
	for (int64_t id = low + (last - low) / 1000000 * 1000000; id >= low && !p.id;
	     id -= 1000000) {
		if (id < 1)
			break;
		struct item_query q = {.after = id - 1, .before = id + 1, .since = DATE_NONE,
				       .limit = 1, .skipped = true, .no_feed_name = true};
		if (store_items_each(s, &q, usec_match, &p, NULL) < 0)
			return 0;
	}
	return p.id;
}

static void mark_all(struct store *s, struct gr_job *j, struct gr_feeds *fs)
{
	if (!j->p.has_s || j->p.s.kind == GRS_OTHER_STATE) {
		gr_fail(j, 400, "s: expected a stream");
		return;
	}
	int64_t last = 0, seq;
	int rc = store_last_ids(s, &last, &seq);
	struct gr_params q = {.xt = {.kind = GRS_READ}, .ts = j->p.ts, .c = last + 1};
	/* A ts that is an item's timestampUsec (a client's newest item)
	 * means every item up to that one in the streams' order, the id's:
	 * the timestamps themselves go back where the id passes a multiple
	 * of a million within one second. */
	int64_t upto = rc == 0 && q.ts > 0 ? item_of_usec(s, q.ts, last) : 0;
	if (upto) {
		q.ts = 0;
		q.c = upto + 1;
	}
	struct ids ids = {calloc(GR_MARK_BATCH, sizeof(int64_t)), 0};
	if (!ids.v)
		rc = -ENOMEM;
	/* Newest first from the newest item when the call came: one that
	 * arrives meanwhile stays unread. */
	while (rc == 0) {
		int64_t cont = 0;
		ids.n = 0;
		rc = gr_walk(s, &q, &j->p.s, fs, GR_MARK_BATCH, true, collect, &ids, &cont);
		if (rc == 0 && ids.n)
			rc = mark(s, ids.v, ids.n, 1, -1);
		if (!cont)
			break;
		q.c = cont;
	}
	free(ids.v);
	if (rc == -ENOENT) {
		gr_fail(j, 404, "no such stream");
		return;
	}
	if (rc < 0) {
		gr_store_failed(j, rc);
		return;
	}
	j->code = 200;
	j->text = strdup("OK");
	j->tlen = 2;
	j->ctype = "text/plain; charset=utf-8";
}

void gr_write_work(struct store *s, struct gr_job *j, struct gr_feeds *fs)
{
	switch (j->route) {
	case GR_EDIT_TAG:
		edit_tag(s, j);
		break;
	case GR_MARK_ALL:
		mark_all(s, j, fs);
		break;
	default:
		gr_fail(j, 501, "not served yet");
	}
	if (j->code == 200 && !j->text && !j->json)
		gr_fail(j, 500, "out of memory");
}
