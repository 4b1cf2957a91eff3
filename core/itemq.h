/* itemq.h — the item query: which items an API request or a caller asks
 * for (bounds, feeds, tag, full text, order, limit, a consumer's cursor).
 * Plain data shared by the request parser (core/apireq.c), which fills it,
 * and the store (store/store.h), which runs it: it lives in core so that
 * the core needs nothing from above it.
 *
 * Ownership: every pointer is borrowed from whoever filled the struct
 * (apireq_item_query points into its struct apireq); nothing is freed. */
#ifndef FEEDD_ITEMQ_H
#define FEEDD_ITEMQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* struct item_query's status: which items by their read state. */
enum { ITEMQ_ANY, ITEMQ_UNREAD, ITEMQ_READ };

struct item_query {
	int64_t after;           /* id > after */
	int64_t before;          /* id < before; 0 = no bound */
	const char *const *feeds;/* feed names, nfeeds of them; 0 = all */
	size_t nfeeds;
	const char *tag;         /* NULL = any; compared as it is: the caller
				  * folds it as feeds.conf does (config_fold_tag) */
	const char *label;       /* with tag: the items with this label too, by
				  * its exact bytes (the Google Reader API's label
				  * streams: a label keeps its case, a tag not) */
	const char *q;           /* full-text query, NULL = none */
	int64_t since;           /* sort date >= since; DATE_NONE = no bound */
	bool distinct;           /* skip cross-feed duplicates */
	bool desc;               /* newest first */
	bool by_date;            /* in date order (then id), not id order */
	int status;              /* ITEMQ_ANY, ITEMQ_UNREAD or ITEMQ_READ */
	bool starred;            /* starred items only */
	bool unstarred;          /* items not starred only (not with starred) */
	int limit;               /* 1..1001: a page of at most 1000, and one
				  * more to tell whether more follow */
	int64_t offset;          /* the first OFFSET matches left out (the Miniflux
				  * API's paging); 0 = none */
	/* The Miniflux API's date filters, DATE_NONE = no bound (only a
	 * zeroed struct's 0 is none too): sort date < until; changed (the
	 * last update seen, else first seen) > changed_after, < changed_before. */
	int64_t until, changed_after, changed_before;
	const char *consumer;    /* when set, after = max(after, its cursor) */
	bool skipped;            /* the items feeds.conf's rules skipped too */
	bool no_feed_name;       /* the rows' feed name is not wanted (NULL, feed_id
				  * only): no join with the feeds; ignored with feeds */
	bool live;               /* only the items of feeds still in feeds.conf (the
				  * reader APIs': a feed unsubscribed takes its
				  * entries along; the socket API keeps its history) */
};

#endif
