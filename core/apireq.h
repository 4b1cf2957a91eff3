/* apireq.h — the socket API's requests as plain data: the route, the
 * decoded path names and the validated query parameters. Pure (no loop, no
 * store), so the fuzzer drives it and tests need no socket.
 *
 * Ownership: apireq_parse fills a caller-provided struct apireq whose
 * strings are heap copies it owns; apireq_free releases them. On error the
 * struct holds the status, the error and the detail (also owned). */
#ifndef FEEDD_APIREQ_H
#define FEEDD_APIREQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/itemq.h"

enum api_route {
	ROUTE_ITEMS,             /* GET  /v1/items */
	ROUTE_EVENTS,            /* GET  /v1/events */
	ROUTE_CONSUMERS,         /* GET  /v1/consumers */
	ROUTE_CONSUMER,          /* GET  /v1/consumers/NAME */
	ROUTE_CONSUMER_ITEMS,    /* GET  /v1/consumers/NAME/items */
	ROUTE_CONSUMER_ACK,      /* POST /v1/consumers/NAME/ack */
	ROUTE_CONSUMER_DELETE,   /* DELETE /v1/consumers/NAME */
	ROUTE_FEEDS,             /* GET  /v1/feeds */
	ROUTE_FEED,              /* GET  /v1/feeds/NAME */
	ROUTE_FEED_ITEMS,        /* GET  /v1/feeds/NAME/items */
	ROUTE_FEED_REFRESH,      /* POST /v1/feeds/NAME/refresh */
	ROUTE_FEED_RENAME,       /* POST /v1/feeds/NAME/rename {"name": NEW} */
	ROUTE_RELOAD,            /* POST /v1/reload */
	ROUTE_STATUS,            /* GET  /v1/status */
	ROUTE_LOG_LEVEL,         /* POST /v1/log-level?level=LEVEL */
	ROUTE_HOOKS,             /* GET  /v1/hooks[?feed=NAME] */
	ROUTE_HOOKS_RETRY,       /* POST /v1/hooks/retry[?feed=NAME] */
	ROUTE_ITEMS_STATE,       /* POST /v1/items/state {"ids":[..],"read":B,"starred":B} */
	ROUTE_READER_TOKENS,     /* GET  /v1/reader/tokens */
	ROUTE_READER_TOKEN_REVOKE, /* DELETE /v1/reader/tokens/ID */
	ROUTE__COUNT
};

enum api_format { FMT_JSON, FMT_NDJSON, FMT_TSV, FMT_ATOM, FMT__COUNT };

#define APIREQ_MAX_FEEDS 64
#define APIREQ_MAX_LIMIT 1000
#define APIREQ_DEFAULT_LIMIT 100
#define APIREQ_MAX_WAIT 300
#define APIREQ_MAX_MARK 1000     /* ids in one POST /v1/items/state */

struct apireq {
	enum api_route route;
	bool is_get;             /* GET or HEAD */
	char *name;              /* feed or consumer name from the path */
	enum api_format format;
	/* item filters */
	int64_t after, before;
	char *feeds[APIREQ_MAX_FEEDS];
	size_t nfeeds;
	char *tag;
	char *q;
	int64_t since;           /* DATE_NONE when absent */
	bool distinct, desc;
	bool skipped;            /* the items feeds.conf's rules skipped too */
	int status_filter;       /* status=: ITEMQ_ANY, ITEMQ_UNREAD, ITEMQ_READ */
	bool starred;            /* starred=1 */
	int limit;
	int wait;                /* seconds, 0 = answer now */
	bool from_now;           /* consumers: a new one starts at the newest item */
	int64_t upto;            /* ack */
	bool has_upto;
	int level;               /* log-level: an enum log_level */
	char *to;                /* rename: the feed's new name */
	int64_t *mark_ids;       /* items/state: the ids (heap), NMARK of them */
	size_t nmark;
	int mark_read, mark_starred;   /* 1, 0, or -1: unchanged */
	/* error */
	int status;              /* 0 = valid; else the HTTP status to answer */
	char *error;             /* short message */
	char *detail;            /* names the parameter, or the Allow list (405) */
	const char *allow;       /* 405: the methods this path takes */
};

/* Routes and validates METHOD TARGET (path?query) and the body (for ack:
 * "upto=N" form or {"upto": N} JSON; for rename {"name": NEW}, NEW a feed
 * name by config_valid_feed_name). Returns 0, or the HTTP status of the
 * error (also in r->status) with r->error and r->detail set. */
int apireq_parse(const char *method, const char *target, const char *body, size_t body_len,
		 struct apireq *r);
void apireq_free(struct apireq *r);

/* Whether S is a valid name in a path: a feed's (1-MAX_NAME bytes, no
 * control byte or '/') or, with CONSUMER, a consumer's, whose rule
 * APIREQ_CONSUMER_NAME_RULE says (feedctl checks it before asking). */
#define APIREQ_CONSUMER_NAME_RULE "a consumer name is 1-256 of A-Z a-z 0-9 - _ . @"
bool apireq_valid_name(const char *s, bool consumer);

/* Fills a store query from the request (pointers into R). */
void apireq_item_query(const struct apireq *r, struct item_query *q);

/* Percent-decodes (and '+' → space when FORM) LEN bytes of S into a new
 * string; NULL for a bad escape or an encoded NUL. */
char *apireq_decode(const char *s, size_t len, bool form);

const char *api_format_name(enum api_format f);

/* A route's method and path pattern ("/v1/feeds/{feed}/items"), as
 * core/apireq.c's table has them; NULL for no route. */
const char *apireq_route_method(enum api_route rt);
const char *apireq_route_path(enum api_route rt);

#endif
