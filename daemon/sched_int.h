/* sched_int.h — what the scheduler's files share (daemon/sched.h is the
 * outside's view): the scheduler, its feeds and hosts, and the calls one
 * room makes on another.
 *
 *   sched.c          life cycle: start, reload, rename, pause, close; the
 *                    feeds by name; live state and counts for the API
 *   sched_due.c      the due-time heap, the one timer, dispatch (due feeds
 *                    to their host's queue, queued feeds to a claim or a
 *                    fetch), start-up spreading
 *   sched_host.c     host pacing: per-host queues, per_host and host_gap,
 *                    429 push-back (shared over instances), outage
 *   sched_claim.c    a shared store's claims (PostgreSQL instances)
 *   sched_fetch.c    the fetch pipeline: request, parse, the outcome
 *   sched_commit.c   an outcome into the feed's state and next due time
 *                    (retries, backoff), its commit on the store thread,
 *                    and the news it makes
 *   sched_once.c     one-shot runs: --once, and a refresh
 *
 * Ownership: struct sched owns its feeds (feed_rt, freed by sched_close),
 * its hosts (sched_hosts_free) and its heap; a feed owns its state, its
 * fetch and its parser. A job on the store thread (claim, commit, 429
 * accounting, a refresh's load) owns copies of what it needs and is freed
 * by its DONE on the loop; sched_close drains the store thread first, so
 * no DONE comes after the feeds are gone. */
#ifndef FEEDD_SCHED_INT_H
#define FEEDD_SCHED_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "core/config.h"
#include "core/parse.h"
#include "core/schedule.h"
#include "daemon/feedd.h"
#include "daemon/fetch.h"
#include "store/store.h"

#define HOST_BUCKETS 4096

/* RT_CLAIMING: its claim is on the store thread (shared store), holding
 * a slot of its host; RT_STORING: the fetch is over, its commit is on the
 * store thread; RT_LOADING: refreshed, its stored state is being read on
 * the store thread. */
enum rt_state { RT_IDLE, RT_WAITING, RT_QUEUED, RT_CLAIMING, RT_FETCHING, RT_STORING,
		RT_LOADING };

struct host {
	struct host *hnext;          /* bucket chain */
	char *name;
	int active;
	int64_t next_ok_ms;          /* host_gap after the last start */
	int64_t pushed_until_ms;     /* repeated 429s */
	int n429;
	struct feed_rt *qhead, *qtail;   /* due feeds waiting for this host */
	struct host *wprev, *wnext;  /* in the list of hosts with waiting feeds */
	bool waiting;
	int64_t last_net_fail_ms;
};

struct feed_rt {
	struct sched *s;
	const struct feed_conf *fc;  /* into the running config; re-pointed on reload */
	struct feed_state st;
	struct feed_hints hints;     /* from the last parsed document (memory only) */
	bool have_hints;
	struct host *host;
	enum rt_state state;
	int64_t due_ms;
	size_t heap_idx;             /* SIZE_MAX when not in the heap */
	struct feed_rt *qnext;       /* host queue */
	struct fetch *fx;
	struct parser *parser;
	bool keep;                   /* sched_reload's mark */
	bool host_429;               /* the claim saw the host's shared 429 run */
	bool refresh;                /* asked for while fetching or storing: fetch again */
	int64_t retries;             /* transient errors in a row (the retry schedule) */
	bool validator_warned;       /* said once: the server's validator cannot be sent back */
	bool unsaved;                /* st's times and counters are newer than the
				      * store's row (an unchanged 304's: written by
				      * sched_flush, sched_commit.c) */
	bool store_refused;          /* the last commit was refused by the store */
	bool store_stale;            /* ... and its record too: the row says ok/new */
	bool stale_new;              /* the row says new (else ok) */
	bool once_done;
	int once_status;
	char *once_line;
	/* The last fetch this process finished, whole: what `live.last_fetch`
	 * shows, so that a client waiting for a refresh reads the status, the
	 * error and the new items of one and the same fetch. */
	struct {
		int64_t request;     /* counters.requests after it; 0: none yet */
		int status;          /* 0: none */
		char *error;         /* NULL when it worked */
		int64_t new_items;
	} last;
};

struct sched {
	struct feedd *d;             /* for feedd_news and the module pointers only */
	const struct config *conf;
	struct store *store;         /* the loop's connection: start-up and reload reads */
	struct storeq *storeq;       /* the daemon's store thread (feedd.h): store work runs there */
	struct feedd_totals *totals; /* the daemon's counters */
	struct fetcher *fetcher;
	bool own_fetcher;
	bool shared;                 /* claims ask the database: two steps */
	uv_timer_t timer;
	struct feed_rt **feeds;      /* sorted by name */
	size_t nfeeds;
	struct feed_rt **heap;
	size_t nheap, capheap;
	struct host *hosts[HOST_BUCKETS];
	struct host *whead, *wtail;  /* hosts with waiting feeds */
	int active;
	int64_t storing;             /* parsed documents waiting for the store thread */
	uint64_t rng;
	bool closing;
	bool paused;                 /* a reload waits: start nothing */
	uv_timer_t flush_timer;      /* writes the unsaved feeds (sched_flush) */
	bool flush_armed;
	int handles;                 /* timers not closed yet: the last frees S */
	/* outage detection */
	int64_t last_heard_ms;
	/* clock steps (sched_due.c): the wall clock and the boot clock at the
	 * last look; 0: not looked yet */
	int64_t clock_wall_ms, clock_boot_ms;
	int64_t clock_steps;         /* the steps seen so far, summed (ms): a due time
				      * planned before one, placed after it, moves by
				      * the difference */
	/* --once */
	bool once;
	size_t once_left;
};

/* The record of one finished fetch, before it is written. */
struct outcome {
	int64_t now;             /* epoch seconds: last_fetch and the schedule's base */
	enum schedule_outcome sched;
	unsigned events;
	bool ok;                 /* 200/304: --once success */
	bool count_failure;
	bool unchanged;          /* a 304 that brought no new validator */
	const struct feed_hints *hints;
	char msg[512];
};

/* sched.c */
/* A scheduler over D's config, store and store thread, its feeds loaded
 * and placed; ONCE: for --once. On error *OUT is still set, for
 * sched_close. */
int sched_new(struct feedd *d, bool once, struct sched **out);
int64_t sched_now_ms(void);
void sched_set_str(char **dst, const char *v);   /* a copy of V (NULL: none) */
const char *sched_feed_url(const struct feed_rt *rt);
struct feed_rt *sched_find(struct sched *s, const char *name);
/* RT's state becomes FRESH (taken over), under RT's own name. */
void sched_take_state(struct feed_rt *rt, struct feed_state *fresh);

/* sched_due.c */
void sched_dispatch(struct sched *s);
void sched_schedule_at(struct sched *s, struct feed_rt *rt, int64_t due_ms);
void sched_heap_remove(struct sched *s, struct feed_rt *rt);
/* RT into the heap at its stored due time, or spread over the start-up
 * window when overdue (*OVERDUE counts them). */
void sched_place(struct sched *s, struct feed_rt *rt, int64_t now, size_t *overdue);
void sched_log_spread(size_t overdue);

/* sched_host.c */
struct host *sched_host_get(struct sched *s, const char *url);   /* NULL: no memory */
void sched_host_enqueue(struct sched *s, struct feed_rt *rt);
void sched_host_enqueue_front(struct sched *s, struct feed_rt *rt);
void sched_host_dequeue(struct sched *s, struct feed_rt *rt);
bool sched_outage(struct sched *s, struct feed_rt *rt, int64_t now);
void sched_host_throttled(struct sched *s, struct feed_rt *rt, const struct fetch_result *r,
			  int64_t now);
void sched_hosts_free(struct sched *s);

/* sched_claim.c: false when RT cannot be claimed now (it went back to the
 * heap to be tried later); true: the claim is on the store thread, and RT
 * holds a slot of its host until the answer. */
bool sched_claim(struct sched *s, struct feed_rt *rt, int64_t now, int64_t per_host,
		 int64_t gap);

/* sched_fetch.c */
void sched_fetch_start(struct sched *s, struct feed_rt *rt);

/* sched_commit.c: records O (and DOC, taken) for RT on the store thread;
 * R: the answer, NULL when the fetch could not start. */
void sched_commit(struct sched *s, struct feed_rt *rt, struct doc *doc, struct outcome *o,
		  const struct fetch_result *r);

/* sched_once.c */
void sched_once_line(struct sched *s, struct feed_rt *rt, const char *text, bool ok);
void sched_refresh_now(struct sched *s, struct feed_rt *rt);

#endif
