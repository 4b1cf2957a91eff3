/* schedule.h — when a feed is due next, and why: the pure arithmetic of
 * DESIGN.md "Fetching and scheduling" (interval, server hints, clamps,
 * jitter, backoff), kept apart from the loop so that it is tested exactly.
 *
 * Hints only ever lengthen the configured interval (a publisher may ask us
 * to come back later, never to poll more often than the config says); the
 * result is clamped to [min_interval, max_interval]. A transient error
 * (RETRY, OUTAGE) is retried soon whatever the interval: min_interval, then
 * doubling per error in a row up to max_interval, jittered only downwards
 * (at most 10 %, never below min_interval), so the first retry comes no
 * later than min_interval. Nothing is allocated: reasons are static
 * strings. */
#ifndef FEEDD_SCHEDULE_H
#define FEEDD_SCHEDULE_H

#include <stdbool.h>
#include <stdint.h>

#include "core/item.h"

enum schedule_outcome {
	SCHEDULE_OK = 0,         /* 2xx or 304 */
	SCHEDULE_THROTTLED,      /* 429 / 503: Retry-After applies */
	SCHEDULE_FAILED,         /* any other failure: back off */
	SCHEDULE_OUTAGE,         /* network outage: retry soon (as RETRY), not counted */
	SCHEDULE_RETRY,          /* transient: refused, DNS, timeout, 5xx: retry soon */
};

struct schedule_in {
	int64_t now;                  /* epoch seconds */
	int64_t interval, min_interval, max_interval;
	enum schedule_outcome outcome;
	int64_t failures;             /* consecutive failures, this one included;
				       * RETRY/OUTAGE: transient errors in a row */
	const char *cache_control;    /* response headers, NULL when absent */
	const char *expires;
	const char *date;             /* the server's Date, for Expires */
	const char *retry_after;
	const struct feed_hints *hints; /* from the document, NULL when none */
	uint64_t *rng;                /* jitter state; NULL = no jitter */
};

struct schedule_out {
	int64_t next_due;
	const char *reason;           /* "interval", "cache-control max-age", ... */
};

void schedule_next(const struct schedule_in *in, struct schedule_out *out);

/* The longest wait (seconds) schedule_next can have planned from IN's
 * interval, bounds and failures when it gave REASON (its out->reason; NULL
 * or unknown: any, up to max_interval); INT64_MAX when unbounded. IN's
 * other fields are not read. */
int64_t schedule_ceiling(const struct schedule_in *in, const char *reason);

/* Retry-After: delta seconds or an HTTP date, as seconds from NOW (>= 0).
 * Returns 0 and *secs, or -EINVAL. */
int schedule_retry_after(const char *value, int64_t now, int64_t *secs);

/* Consecutive 429s from one host before the whole host is pushed back,
 * and the longest push. */
#define SCHEDULE_HOST_429_LIMIT 2
#define SCHEDULE_HOST_PUSH_MAX_MS (3600 * 1000)

/* How long N429 consecutive 429s push a host back (ms): the Retry-After
 * (SECS, any value schedule_retry_after gives), doubled for every 429
 * past the limit, within [1 s, SCHEDULE_HOST_PUSH_MAX_MS]. */
int64_t schedule_host_push_ms(int64_t secs, int n429);

/* Expires, as seconds from the server's DATE (from NOW when DATE is NULL
 * or not a date; may be negative). Returns 0 and *secs, or -EINVAL. */
int schedule_expires(const char *expires, const char *date, int64_t now, int64_t *secs);

/* Cache-Control max-age (s-maxage is for shared caches): 0 and *secs, or
 * -ENOENT when absent. *no_store is set for no-store / no-cache. */
int schedule_max_age(const char *cache_control, int64_t *secs, bool *no_store);

/* The jitter generator (splitmix64), seedable for tests. */
uint64_t schedule_rand(uint64_t *state);

#endif
