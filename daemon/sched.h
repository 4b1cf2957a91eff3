/* sched.h — decides when each feed is due and drives its fetches: the
 * pipeline sched → fetch → parse → store → feedd_news().
 *
 * One timer (over a heap of due times) drives every feed; queued feeds wait
 * without holding sockets; max_fetches, per_host and host_gap are enforced
 * here. Feed state lives in the store and is loaded at start; store work
 * goes through the daemon's store thread (d->storeq, which must run).
 * The files it is made of, and what they share: sched_int.h.
 *
 * Ownership: sched_start allocates; sched_close drains the store thread,
 * stops the timer and abandons in-flight fetches cleanly; the struct is
 * freed in the timer's close callback (the loop must run after
 * sched_close). */
#ifndef FEEDD_SCHED_H
#define FEEDD_SCHED_H

#include <jansson.h>

#include "core/config.h"
#include "daemon/feedd.h"

/* The store must hold the config's feed set already (store_feeds_sync):
 * the caller records it before starting or reloading the scheduler. */
int sched_start(struct feedd *d, struct sched **out);
/* The config was replaced: added feeds start, removed ones stop, changed
 * ones keep their state (a changed URL starts afresh with validators). */
int sched_reload(struct sched *s, const struct config *c);
/* While paused no due feed is claimed or fetched (those under way go on):
 * a reload waits so for the store thread to have nothing on its way. */
void sched_pause(struct sched *s, bool paused);
/* Feed FROM is called TO from now on (feedd_rename_start): its state,
 * its schedule and a fetch under way carry over, and every commit made
 * for it from now on is TO's. The next sched_reload finds it by TO.
 * -ENOENT: no feed FROM; -EEXIST: a feed TO already. */
int sched_rename(struct sched *s, const char *from, const char *to);
/* Fetch NAME now (Retry-After and host limits still apply); -ENOENT if no
 * such feed. */
int sched_refresh(struct sched *s, const char *name);
/* Live state the store does not hold ("fetching", "queued", "waiting"),
 * as a new JSON object, or NULL for an unknown feed. */
json_t *sched_feed_live(struct sched *s, const char *name);
/* The store's feed counts C, corrected for the feeds whose stored row is
 * behind: the store refused their last commit and the record of it too
 * (a full disk), so the row still says ok or new while the feed fails. */
struct store_feed_counts;
void sched_fix_counts(struct sched *s, struct store_feed_counts *c);
/* The times and counters of unchanged 304s, kept in memory
 * (sched_commit.c), to the store thread now, in one job; the scheduler
 * does it itself within a few seconds of the first, at reload and at
 * sched_close. */
void sched_flush(struct sched *s);
/* When NAME's times and counters are newer than the store's row: they
 * replace the row's in FEED (its /v1/feeds JSON). */
void sched_feed_unsaved(struct sched *s, const char *name, json_t *feed);
/* When NAME has no due time stored yet (never fetched, or its URL just
 * changed) and is placed for its first fetch: the time that fetch was
 * planned for, with reason "new", in FEED until its result is stored;
 * when the store refused its last commit (a full disk: the row still says
 * what it said before): that retry's time, reason "retry". */
void sched_feed_planned(struct sched *s, const char *name, json_t *feed);
void sched_close(struct sched *s);

/* --once: fetch every enabled feed once (honouring concurrency and host
 * limits, not due times), store, print one line per feed and totals; runs
 * the loop itself. Returns the exit code: 0 if every feed answered 200/304,
 * 1 otherwise. */
int sched_once(struct feedd *d);

#endif
