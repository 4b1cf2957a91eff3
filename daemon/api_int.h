/* api_int.h — what the socket API's own files share (internal to
 * daemon/api*.c): the API's state, one job per request with store work,
 * the reader handles, and the table of endpoints.
 *
 *   api.c            the listener: api_start/api_close, a request to its
 *                    endpoint, clients that leave
 *   api_endpoints.c  the table of endpoints (method, path, where the store
 *                    work runs, handlers) and every endpoint's own code
 *   api_job.c        the job plumbing: readers, the store thread's round
 *                    trip, queueing, long-poll parking and wake-ups
 *   api_send.c       the answer writers (whole or streamed, JSON, errors)
 *
 * Ownership: struct api is api.c's (freed by api_job_api_free once the
 * server is closed and no job runs); a struct job belongs to the loop from
 * api_job_begin until api_job_free, but for its REQ, RD, ANS and results
 * while a worker or the store thread runs it. */
#ifndef FEEDD_API_INT_H
#define FEEDD_API_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "core/apireq.h"
#include "daemon/api.h"
#include "daemon/apiquery.h"
#include "daemon/http.h"
#include "daemon/storeq.h"
#include "store/store.h"

/* Reader handles, one per item query running off the loop at once: the
 * size of libuv's default thread pool, so a slow query (a full-text search
 * over everything) leaves others a thread. */
#define API_READERS 4

/* What a connection's context is, for on_abort: each kind starts with it. */
enum api_ctx_kind { CTX_JOB, CTX_STREAM, CTX_RELOAD };

/* What /v1/status shows of the store. */
struct status_store {
	struct store_figures fig;
	struct store_feed_counts counts;
	int counts_rc;
	int64_t last_item, last_event;
};

/* A read-only store handle and the answer buffer it renders into, lent to
 * one job at a time; only that job's worker thread touches them while it
 * runs (the loop hands them over through uv_queue_work). */
struct reader {
	struct store *store;
	struct buf keep;         /* a rendered-into buffer kept for the next job */
	bool busy;
};

struct api {
	struct feedd *d;
	struct http_server *srv;
	struct job *waiters;        /* parked long-polls */
	struct job *pending, *pending_tail;  /* waiting for a reader */
	struct reader readers[API_READERS];
	int nreaders;               /* 0: queries run on the loop (no reader handles) */
	struct store *loop_reader;  /* SQLite: short pages answered on the loop */
	int running;                /* jobs on a worker thread */
	int64_t woke_item, woke_event;  /* the newest ids api_wake was told */
	bool closing, srv_closed;
	/* The store's figures of the last /v1/status that got them. */
	struct status_store last;
	json_t *last_instances;
	int64_t last_at;            /* epoch s; 0 = none yet */
	int status_late;            /* status queries past their wait, not back */
};

struct api_endpoint;

/* One request with store work, from its arrival until it is answered: run
 * by a worker (or on the loop, or on the store thread), parked while a
 * long-poll waits, run again on a wake-up. Only the loop thread touches
 * it, except REQ, RD, ANS and the results while a worker runs it (the
 * loop then leaves them alone). */
struct job {
	enum api_ctx_kind kind;
	struct api *api;
	const struct api_endpoint *ep;
	struct http_conn *conn;     /* NULL once the client is gone */
	struct apireq req;
	uv_work_t work;
	struct storeq_job sq;       /* while on the store thread */
	struct reader *rd;          /* while on a worker */
	struct api_answer ans;
	uv_timer_t timer;           /* the long-poll's deadline, while parked */
	bool timer_init;            /* TIMER must be closed before the job is freed */
	bool parked, queued, final;
	bool late;                  /* status: answered without the store's figures */
	uint64_t deadline;          /* loop ms: the wait ends */
	int64_t mark;               /* what a wake-up must pass to run it again */
	struct job *prev, *next;    /* in api->waiters or api->pending */
	/* The other routes' store parts, rendered on the loop (with what only
	 * the loop knows) when they come back. */
	char **disabled;            /* status: the config's disabled feeds, copied */
	size_t ndisabled;
	bool need_create;           /* consumer items: unknown to a reader; the
				     * store thread creates it, then queries */
	bool consumer_seen;         /* consumer items: it existed at a run of
				     * this request; gone at a later one (a
				     * long-poll's), it was deleted: 404 */
	int rc;                     /* the store's answer */
	json_t *json;               /* feeds, consumers, a consumer, instances */
	struct status_store st;
	int64_t cursor;
};

/* A reload under way (POST /v1/reload), answered when it is over; the
 * connection's context until then. */
struct api_reload_wait {
	enum api_ctx_kind kind;
	struct http_conn *conn;     /* NULL once the client is gone */
	char *from, *to;            /* a rename's names (heap), else NULL */
};

/* --- the table of endpoints (api_endpoints.c) --- */

/* Where an endpoint's store work runs. */
enum api_runs {
	RUNS_LOOP,      /* no store work: HANDLE answers on the loop */
	RUNS_READER,    /* a reader handle on a worker (the loop without readers) */
	RUNS_STORE,     /* the store thread's writable connection, in order */
};

struct api_endpoint {
	enum api_route route;
	const char *method;         /* the one it takes (405 otherwise) */
	const char *path;           /* {feed}, {consumer}: one segment, a name */
	enum api_runs runs;
	bool poll;                  /* a long-poll (wait=): parked until news or
				     * its deadline; answered by apiquery */
	size_t max_body;            /* request body, bytes (0: none taken) */
	/* RUNS_LOOP: the whole answer. */
	void (*handle)(struct api *a, struct http_conn *c, const struct apireq *r);
	/* Before a job is made: false when it answered already. */
	bool (*admit)(struct api *a, struct http_conn *c, const struct apireq *r);
	/* The job was made (on the loop): what it must carry off the loop. */
	void (*start)(struct job *j);
	/* The store work, on whichever thread holds S (WRITABLE: S may write):
	 * touches only J's request and results. */
	void (*work)(struct store *s, struct job *j, bool writable);
	/* The store work is back, answered or not (the client may be gone). */
	void (*back)(struct job *j);
	/* The answer, on the loop (not for POLL endpoints: apiquery's). */
	void (*answer)(struct job *j);
};

/* The endpoint of ROUTE (every route has one). */
const struct api_endpoint *api_endpoint_of(enum api_route route);

/* --- the job plumbing (api_job.c) --- */

/* Makes R's job (R is taken over) and runs its store work where its
 * endpoint says. */
void api_job_begin(struct api *a, struct http_conn *c, struct apireq *r);
/* Runs J's store work again (a wake-up, a timeout). */
void api_job_dispatch(struct job *j);
/* Runs J's store work on the loop now, and answers (shutdown). */
void api_job_run_here(struct job *j);
/* A parked long-poll leaves the waiters. */
void api_job_unpark(struct job *j);
/* The long-polls waiting on consumer NAME's items run again now (it was
 * deleted: they end with 404 at once, not when their wait runs out). */
void api_wake_consumer(struct api *a, const char *name);
void api_job_free(struct job *j);
/* Opens the reader handles (none when the backend has none). */
void api_job_readers_open(struct api *a);
/* Frees A once the server is closed and no job runs. */
void api_job_api_free(struct api *a);

#endif
