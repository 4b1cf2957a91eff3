/* apiquery.h — answering the socket API's item and event requests from a
 * store handle: the query and the rendering, with no loop, so that it runs
 * on a worker thread (its own reader handle) as well as on the loop.
 *
 * Ownership: the caller provides OUT->body (empty or a kept buffer to
 * reuse) and frees it (buf_free) when done with the answer. */
#ifndef FEEDD_APIQUERY_H
#define FEEDD_APIQUERY_H

#include <stdbool.h>
#include <stdint.h>

#include "core/apifmt.h"
#include "core/apireq.h"
#include "store/store.h"

struct api_answer {
	int status;              /* HTTP status of the body */
	enum api_format format;  /* of the body: errors are JSON */
	int64_t next;            /* the cursor (Feedd-Next) when status is 200 */
	bool empty;              /* 200 with no item or event: a long-poll waits */
	/* What a wake-up must pass: the newest item id (event seq for
	 * events) the caller knew of before the query ran, never one the
	 * query may not see. Set by the caller (the loop: api_wake's last
	 * ids); apiquery_run leaves it. */
	int64_t mark;
	struct buf body;
};

/* Answers R (ROUTE_ITEMS, ROUTE_FEED_ITEMS, ROUTE_CONSUMER_ITEMS or
 * ROUTE_EVENTS) from S into OUT, appending to OUT->body: the items or
 * events in R's format, or a JSON error (404 unknown feed or consumer,
 * 500 store error). NOW dates an Atom document without dated items. */
void apiquery_run(struct store *s, const struct apireq *r, int64_t now, struct api_answer *out);

/* -ENOENT, with the 404 "unknown feed" answer in OUT, when a feed R names
 * (feed=, or the path's for ROUTE_FEED_ITEMS) is not in the store; else 0
 * and OUT untouched. apiquery_run checks first; a consumer's read checks
 * before it makes the consumer, so that a 404 makes none. */
int apiquery_check_feeds(struct store *s, const struct apireq *r, struct api_answer *out);

/* An error answer's body: {"error": ERROR, "detail": DETAIL or null}. */
void apiquery_error(struct buf *b, const char *error, const char *detail);
/* The answer to the store's error RC: 503 "store unavailable" (with
 * apiquery_unavailable's detail; the sender adds Retry-After) when the
 * store cannot be reached (-ECONNRESET), else 500 "store error". */
void apiquery_store_error(struct api_answer *out, int rc);
/* Which store is unavailable, since when and why, for an error's detail. */
void apiquery_unavailable(char *detail, size_t size);
/* Seconds an answer 503 for an unavailable store asks the client to wait. */
#define APIQUERY_RETRY_AFTER_S 5

#endif
