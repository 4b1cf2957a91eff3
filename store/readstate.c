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
 * does the SQL (store_ops' items_mark and feed_mark_read: sqlite_readstate.c,
 * pg_readstate.c). */
#include <errno.h>

#include "store/backend.h"

int store_items_mark(struct store *s, const int64_t *ids, size_t n, int read, int starred,
		     int64_t *missing)
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
	int r = ops->items_mark(b, ids, n, read, starred, &miss);
	if (missing)
		*missing = miss;
	return r;
}

int store_reader_feeds(struct store *s, bool counts, json_t **out)
{
	*out = NULL;
	void *b;
	const struct store_ops *ops = store_ops_of(s, &b);
	return ops->reader_feeds(b, counts, out);
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
