/* feedstate.h — the one rule that names a feed's state, for the API's
 * feed objects, the store's counts of GET /v1/status and feedctl (which
 * applies it only to a daemon too old to say). Pure: no I/O, no store. */
#ifndef FEEDD_FEEDSTATE_H
#define FEEDD_FEEDSTATE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

/* The states, in the order the rule tries them. */
enum feedstate {
	FEEDSTATE_REMOVED,       /* no longer in the config */
	FEEDSTATE_GONE,          /* 410 */
	FEEDSTATE_DISABLED,      /* the config turns it off */
	FEEDSTATE_TRUNCATED,     /* the last 2xx body came cut short */
	FEEDSTATE_FAILING,       /* the last attempt went wrong */
	FEEDSTATE_NEW,           /* no success yet */
	FEEDSTATE_OK,
	FEEDSTATE__COUNT
};

/* What the rule looks at. */
struct feedstate_facts {
	bool removed, gone, disabled;
	const char *last_error;  /* NULL when the last fetch succeeded */
	int64_t failures;        /* consecutive failed fetches */
	bool succeeded;          /* ever fetched successfully */
};

/* What is so, in this order: removed, gone, disabled; truncated while the
 * last error says the last 2xx body came cut short (daemon/sched_fetch.c,
 * body_cut); failing while the last attempt went wrong (an error not
 * counted as a failure, an outage or a refused commit, included); new
 * until the first success; then ok. */
enum feedstate feedstate_of(const struct feedstate_facts *f);
/* Its name in the API: "removed", "gone", "disabled", "truncated",
 * "failing", "new", "ok". */
const char *feedstate_name(enum feedstate s);
/* The state of an API feed object F: its "state" when it has a non-empty
 * one, else the rule over its removed, gone, config.enabled, last_error,
 * failures and last_success (null, absent or 0: never). */
const char *feedstate_json(const json_t *f);

#endif
