/* reader_int.h — what the reader API's files share (internal to
 * daemon/reader*.c):
 *
 *   reader.c       the listener, the credentials gate, failures' delays
 *   reader_auth.c  the credentials file and the comparison
 *   reader_pool.c  the read-only store handles and the queue of reads
 *                  waiting for one, shared by both APIs
 *   reader_mf.c    the Miniflux v1 routes, their store work (read-only
 *                  routes on the pool's workers, writes on the store
 *                  thread) and answers
 *   reader_mf_json.c  Miniflux's shapes written straight from store rows
 *   reader_gr*.c   the Google Reader API (reader_gr_int.h)
 *
 * Ownership: struct reader_api is reader.c's (freed once its server has
 * closed and no job runs on a worker: reader_release). A route's store job
 * (reader_mf.c) is the connection's context until it is answered;
 * reader_mf_abort forgets the connection. */
#ifndef FEEDD_READER_INT_H
#define FEEDD_READER_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "core/apifmt.h"
#include "daemon/http.h"
#include "daemon/reader.h"
#include "store/store.h"

#define READER_FAIL_SLOTS 256
/* Read-only store handles, one per route running off the loop at once
 * (as the socket API's, daemon/api_int.h: libuv's pool is four threads). */
#define READER_HANDLES 4

/* What a connection's context is, for on_abort: each kind starts with it.
 * A long answer's context is api_send's stream (api_send_is_stream), so
 * these are numbered apart from daemon/api_int.h's kinds. */
enum reader_ctx_kind { RCTX_DENY = 100, RCTX_JOB, RCTX_GR };

struct fail_slot {
	char addr[48];
	int count;
	uint64_t last;              /* loop ms */
};

/* A read-only store handle and its runner (reader_pool.c): while busy, a
 * worker takes queued tasks one after the other on it; only that worker
 * touches the handle. */
struct reader_slot {
	struct store *store;
	struct reader_api *r;
	uv_work_t work;
	bool busy;                  /* its runner queued or running (the loop's) */
};

/* A read of either API for the pool (reader_pool.c), embedded in its job.
 * The API sets the three functions; the pool owns the links. */
struct reader_task {
	void (*work)(struct store *s, struct reader_task *t);  /* a worker's */
	void (*done)(struct reader_task *t);      /* the loop's: answer, free */
	void (*fallback)(struct reader_task *t);  /* the loop's: no worker will
						     run it (the store thread) */
	bool queued;                /* in r->pending (under r->qlock) */
	struct reader_task *prev, *next;  /* in r->pending, then in r->done */
};

struct reader_api {
	struct feedd *d;
	struct http_server *srv;
	struct reader_auth *auth;
	struct fail_slot fails[READER_FAIL_SLOTS];
	char gr_secret[65];         /* the Google Reader API's T tokens' (reader_gr_auth.c) */
	struct reader_slot slots[READER_HANDLES];
	int nslots;                 /* 0: every route on the store thread */
	/* Both APIs' reads waiting for a worker, and those a worker finished
	 * for the loop to answer: both under qlock, shared with the workers
	 * (reader_pool.c). */
	uv_mutex_t qlock;
	struct reader_task *pending, *pending_tail;
	struct reader_task *done, *done_tail;
	uv_async_t done_async;      /* a worker finished a task */
	bool async_open;
	int running;                /* runners queued or on a worker */
	json_t *titles;             /* reader_titles of the config of titles_gen */
	uint64_t titles_gen;        /* d->conf_gen when titles was made */
	bool titles_made;
	bool srv_closed;
};

/* Frees R once its server has closed and no job runs on a worker. */
void reader_release(struct reader_api *r);
/* The read-only handles (none when the backend has none: every read then
 * runs on the store thread), the queue and its wake-up (reader_pool.c). */
void reader_pool_open(struct reader_api *r);
void reader_pool_close(struct reader_api *r);
/* T to a worker, in arrival order; false when there are no handles. */
bool reader_pool_submit(struct reader_api *r, struct reader_task *t);
/* Whether T was still waiting: then it is unlinked and no worker will
 * take it (the caller frees it); else it runs or has run, and done will
 * be called. */
bool reader_pool_cancel(struct reader_api *r, struct reader_task *t);

/* An authenticated request (USER: the name that matched, "" for a token). */
void reader_mf_request(struct reader_api *r, struct http_conn *c,
		       const struct http_request *hr, const char *user);
/* The client of the job CTX went away. */
void reader_mf_abort(void *ctx);

/* A Google Reader API request (reader_gr.c): it checks its own credentials. */
void reader_gr_request(struct reader_api *r, struct http_conn *c,
		       const struct http_request *hr);
/* The client of the Google Reader API job CTX went away. */
void reader_gr_abort(void *ctx);
/* Whether PATH is the Google Reader API's (reader_gr_ids.c). */
bool gr_is_path(const char *path);
/* A request with wrong credentials from C's address: 401 after the
 * growing delay; GR: a Google Reader API one (text body). */
void reader_deny(struct reader_api *r, struct http_conn *c, bool gr);
/* --- Miniflux's shapes (reader_mf_json.c) --- */
/* A tag's category id (2..2^31-1, stable); "All" is 1. */
int64_t mf_category_id(const char *tag);
/* {"id", "title", "user_id"} of TAG, or of "All" when NULL. */
void mf_put_category(struct buf *b, const char *tag);
/* F with its title: TITLES's (reader_titles_shared) when it has F's, else the
 * publisher's, else F's name. */
void mf_put_feed(struct buf *b, const struct reader_feed *f, const json_t *titles);

/* The titles feeds.conf gives (title = ...) as {NAME: TITLE}, for a job
 * to carry to a worker or the store thread (which never read the
 * config); NULL when no feed has one. Made once per config (a reload
 * makes it again): a new reference to R's copy, which nobody changes. On
 * the loop. */
json_t *reader_titles_shared(struct reader_api *r);
/* An entry but its "feed" and closing brace, which the caller adds. */
void mf_put_entry_head(struct buf *b, const struct item_row *r);

/* {"error_message": MSG} with STATUS; HEADERS extra lines or NULL. */
void reader_send_error(struct http_conn *c, int status, const char *msg, const char *headers);

#endif
