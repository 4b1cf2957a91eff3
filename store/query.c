/* query.c — the items query for every backend: the consumer's cursor, the
 * bounds, the shape of the statement, and the cursor handed back. The
 * backend (backend.h, items_rows) has the statement of each shape. */
#include <errno.h>
#include <stdio.h>

#include "core/date.h"
#include "store/backend.h"

int items_sql(char *sql, size_t size, unsigned shape, char m, const char *feeds,
	      const char *fts, const char *const bools[2])
{
	char before[16] = "", since[32] = "", tag[200] = "", status[24] = "", starred[32] = "";
	char live[64] = "", bounds[160] = "";
	if (shape & IQ_BOUNDS)
		snprintf(bounds, sizeof bounds, " AND i.sort_date < %c9"
			 " AND COALESCE(i.updated_seen, i.first_seen) > %c10"
			 " AND COALESCE(i.updated_seen, i.first_seen) < %c11", m, m, m);
	if (shape & IQ_LIVE)
		snprintf(live, sizeof live, " AND i.feed NOT IN (SELECT id FROM feeds WHERE removed = %s)",
			 bools[1]);
	if (shape & IQ_BEFORE)
		snprintf(before, sizeof before, " AND i.id < %c2", m);
	if (shape & IQ_SINCE)
		snprintf(since, sizeof since, " AND i.sort_date >= %c6", m);
	if (shape & IQ_STATUS)
		snprintf(status, sizeof status, " AND i.read = %s", bools[!!(shape & IQ_READ)]);
	if (shape & IQ_STARRED)
		snprintf(starred, sizeof starred, " AND i.starred = %s", bools[1]);
	else if (shape & IQ_UNSTARRED)
		snprintf(starred, sizeof starred, " AND i.starred = %s", bools[0]);
	if ((shape & IQ_TAG) && (shape & IQ_LABELS))
		snprintf(tag, sizeof tag,
			 " AND (i.feed IN (SELECT feed FROM feed_tags WHERE tag = %c4)"
			 " OR i.id IN (SELECT item_id FROM item_labels WHERE label = %c12))", m, m);
	else if (shape & IQ_TAG)
		snprintf(tag, sizeof tag,
			 " AND i.feed IN (SELECT feed FROM feed_tags WHERE tag = %c4)", m);
	int n = snprintf(sql, size,
		"SELECT %s WHERE i.id > %c1%s%s%s%s%s%s%s%s%s%s%s ORDER BY %s LIMIT %c7 OFFSET %c8",
		/* The feed's name, or no join at all when it is not wanted. */
		shape & IQ_NO_NAME ? STORE_ITEM_COLS_OF("NULL") " FROM items i"
				   : STORE_ITEM_COLS " FROM items i JOIN feeds f ON f.id = i.feed",
		/* The filter rules' skipped items (0/1 in SQLite, a boolean in
		 * PostgreSQL: NOT reads both) only when asked for. */
		m, shape & IQ_SKIPPED ? "" : " AND NOT i.skipped", before, shape & IQ_FEEDS ? feeds : "", tag, shape & IQ_FTS ? fts : "", since,
		shape & IQ_DISTINCT ? " AND (i.duplicate_of IS NULL OR NOT EXISTS"
				      " (SELECT 1 FROM items o WHERE o.id = i.duplicate_of))" : "",
		status, starred, live, bounds,
		shape & IQ_BY_DATE ? (shape & IQ_DESC ? "i.sort_date DESC, i.id DESC"
						      : "i.sort_date, i.id")
				   : (shape & IQ_DESC ? "i.id DESC" : "i.id"), m, m);
	return n < 0 || (size_t)n >= size ? -EINVAL : 0;
}

/* Whether T is a date bound: DATE_NONE and a zeroed struct's 0 are none. */
static bool bound(int64_t t)
{
	return t && t != DATE_NONE;
}

unsigned items_shape(const struct items_args *a, bool fts)
{
	return (a->before > 0 ? IQ_BEFORE : 0) | (a->nfeeds ? IQ_FEEDS : 0) |
	       (a->tag ? IQ_TAG : 0) | (fts ? IQ_FTS : 0) |
	       (a->since != DATE_NONE ? IQ_SINCE : 0) |
	       (a->distinct ? IQ_DISTINCT : 0) | (a->desc ? IQ_DESC : 0) |
	       (a->skipped ? IQ_SKIPPED : 0) |
	       (a->status != ITEMQ_ANY ? IQ_STATUS : 0) |
	       (a->status == ITEMQ_READ ? IQ_READ : 0) | (a->starred ? IQ_STARRED : 0) |
	       (a->unstarred && !a->starred ? IQ_UNSTARRED : 0) |
	       (a->by_date ? IQ_BY_DATE : 0) | (a->tag && a->label ? IQ_LABELS : 0) |
	       (a->no_feed_name && !a->nfeeds ? IQ_NO_NAME : 0) | (a->live ? IQ_LIVE : 0) |
	       (bound(a->until) || bound(a->changed_after) || bound(a->changed_before)
			? IQ_BOUNDS : 0);
}

void items_bounds(const struct items_args *a, int64_t out[3])
{
	out[0] = bound(a->until) ? a->until : INT64_MAX;
	out[1] = bound(a->changed_after) ? a->changed_after : INT64_MIN;
	out[2] = bound(a->changed_before) ? a->changed_before : INT64_MAX;
}

/* The caller's FN, and the highest id it was handed. */
struct walk {
	store_item_fn fn;
	void *ud;
	int64_t top;
};

static int walk_row(const struct item_row *row, void *ud)
{
	struct walk *w = ud;
	if (row->id > w->top)
		w->top = row->id;
	return w->fn(row, w->ud);
}

int items_each(const struct store_ops *ops, void *b, const struct item_query *q,
	       store_item_fn fn, void *ud, int64_t *next)
{
	int64_t after = q->after > 0 ? q->after : 0;
	if (next)
		*next = after;
	if (q->consumer) {
		int64_t cursor;
		int r = ops->consumer_get(b, q->consumer, false, false, &cursor);
		if (r < 0)
			return r;
		if (cursor > after)
			after = cursor;
		if (next)
			*next = after;
	}
	struct items_args a = {
		.after = after, .before = q->before, .feeds = q->feeds, .nfeeds = q->nfeeds,
		.tag = q->tag, .label = q->label, .q = q->q, .since = q->since, .distinct = q->distinct,
		.desc = q->desc, .skipped = q->skipped, .status = q->status, .starred = q->starred,
		.unstarred = q->unstarred,
		.by_date = q->by_date, .no_feed_name = q->no_feed_name, .live = q->live,
		/* A page of 1000 at most, and one more that says whether more
		 * follow (the Miniflux listings' total). */
		.limit = q->limit < 1 ? 1 : q->limit > 1001 ? 1001 : q->limit,
		.offset = q->offset > 0 ? q->offset : 0,
		.until = q->until, .changed_after = q->changed_after,
		.changed_before = q->changed_before,
	};
	struct walk w = {fn, ud, after};
	int r = ops->prims->items_rows(b, &a, walk_row, &w);
	if (r < 0)
		return r;
	/* Newest first or not, the cursor is the highest id handed out. */
	if (next)
		*next = w.top;
	return 0;
}
