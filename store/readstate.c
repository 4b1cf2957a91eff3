/* readstate.c — a reader's state of each item: read and starred.
 *
 * The rules, written once for every backend: an item is marked by its id;
 * a mark names the read state, the starred state or both, and leaves the
 * other as it is; a batch of ids is one transaction that changes nothing
 * when one id is not stored; a feed marked read is every item of it up to
 * a given id (one the client saw), so that an item arriving meanwhile
 * stays unread. A starred item is never pruned (the backends' retention
 * statements). The state is the person's, apart from consumers' cursors:
 * marking changes no cursor, and no cursor changes a mark. The backend
 * does the SQL (store_ops' items_mark, feed_mark_read and
 * reader_feed_rows: sqlite_readstate.c, pg_readstate.c); the feeds a
 * reader shows are made from its rows here. */
#include <errno.h>

#include "core/item.h"
#include "store/backend.h"

static int items_mark(struct store *s, const int64_t *ids, size_t n, int read, int starred,
		      bool live, int64_t *missing)
{
	if (missing)
		*missing = 0;
	if (n < 1 || n > STORE_MARK_MAX || read < -1 || read > 1 || starred < -1 ||
	    starred > 1 || (read < 0 && starred < 0))
		return -EINVAL;
	for (size_t i = 0; i < n; i++)
		if (ids[i] < 1) {
			if (missing)
				*missing = ids[i];
			return -ENOENT;
		}
	void *b;
	const struct store_ops *ops = store_ops_of(s, &b);
	int64_t miss = 0;
	int r = ops->items_mark(b, ids, n, read, starred, live, &miss);
	if (missing)
		*missing = miss;
	return r;
}

int store_items_mark(struct store *s, const int64_t *ids, size_t n, int read, int starred,
		     int64_t *missing)
{
	return items_mark(s, ids, n, read, starred, false, missing);
}

int store_reader_items_mark(struct store *s, const int64_t *ids, size_t n, int read,
			    int starred, int64_t *missing)
{
	return items_mark(s, ids, n, read, starred, true, missing);
}

/* The caller's FN, for each row of reader_feed_rows. */
struct feed_walk {
	reader_feed_fn fn;
	void *ud;
};

static int feed_row(const struct store_row *row, void *ud)
{
	struct feed_walk *w = ud;
	const char *tags = row->text(row, 7);
	json_t *jt = tags ? json_loads(tags, 0, NULL) : NULL;
	if (!json_is_array(jt)) {
		json_decref(jt);
		jt = json_array();
	}
	if (!jt)
		return -ENOMEM;
	struct reader_feed f = {
		.id = row->num(row, 0),
		.name = row->text(row, 1),
		.title = row->text(row, 2),
		.url = row->text(row, 3),
		.site_url = row->text(row, 4),
		.last_fetch = row->num(row, 5),
		.last_error = row->text(row, 6),
		.tags = jt,
		.unread = row->num(row, 8),
		.read = row->num(row, 9),
		.newest_usec = row->num(row, 10),
		.conf_url = row->text(row, 11),
	};
	int r = w->fn(&f, w->ud);
	json_decref(jt);
	return r;
}

int store_reader_feeds_each(struct store *s, bool counts, const int64_t *ids, size_t nids,
			    reader_feed_fn fn, void *ud)
{
	void *b;
	const struct store_ops *ops = store_ops_of(s, &b);
	if (ids && !nids)
		return 0;
	struct feed_walk w = {fn, ud};
	return ops->reader_feed_rows(b, counts, ids, nids, feed_row, &w);
}

int store_reader_feeds_url(struct store *s, const char *url, reader_feed_fn fn, void *ud)
{
	if (!url)
		return -EINVAL;
	void *b;
	const struct store_ops *ops = store_ops_of(s, &b);
	struct feed_walk w = {fn, ud};
	return ops->reader_feed_url_rows(b, url, feed_row, &w);
}

static int feed_json(const struct reader_feed *f, void *ud)
{
	json_t *o = json_pack("{s:I,s:o,s:o,s:o,s:o,s:o,s:I,s:o,s:O,s:I,s:I,s:I}",
		"id", (json_int_t)f->id, "name", json_string_lossy(f->name),
		"title", json_string_lossy(f->title),
		"url", json_string_lossy(f->conf_url ? f->conf_url : f->url),
		"effective_url", json_string_lossy(f->url),
		"site_url", json_string_lossy(f->site_url), "last_fetch", (json_int_t)f->last_fetch,
		"last_error", json_string_lossy(f->last_error), "tags", f->tags,
		"unread", (json_int_t)f->unread, "read", (json_int_t)f->read,
		"newest_usec", (json_int_t)f->newest_usec);
	return o && json_array_append_new(ud, o) == 0 ? 0 : -ENOMEM;
}

int store_reader_feeds(struct store *s, bool counts, json_t **out)
{
	*out = json_array();
	if (!*out)
		return -ENOMEM;
	int r = store_reader_feeds_each(s, counts, NULL, 0, feed_json, *out);
	if (r < 0) {
		json_decref(*out);
		*out = NULL;
	}
	return r;
}

int store_feed_mark_read(struct store *s, const char *feed, int64_t upto, int64_t *n)
{
	if (n)
		*n = 0;
	if (!feed || upto < 0)
		return -EINVAL;
	void *b;
	const struct store_ops *ops = store_ops_of(s, &b);
	int64_t k = 0;
	int r = ops->feed_mark_read(b, feed, upto ? upto : INT64_MAX, &k);
	if (n)
		*n = k;
	return r;
}
