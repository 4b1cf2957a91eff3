/* api.c — the socket API's endpoints (docs/API.md) on top of http.c:
 * routing, store queries, output formats and held long-polls. */
#include "daemon/api.h"
#include "daemon/storeq.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <systemd/sd-daemon.h>
#include <time.h>

#include "core/apifmt.h"
#include "core/apireq.h"
#include "core/feedstate.h"
#include "core/log.h"
#include "daemon/apiquery.h"
#include "daemon/hooks.h"
#include "daemon/http.h"
#include "daemon/sched.h"

/* Answers up to this size go out whole with Content-Length; longer ones are
 * streamed in chunks so a slow reader holds at most a slice in the queue. */
#define WHOLE_MAX (256u * 1024)
#define SLICE (64u * 1024)
/* Reader handles, one per item query running off the loop at once: the
 * size of libuv's default thread pool, so a slow query (a full-text search
 * over everything) leaves others a thread. */
#define API_READERS 4
/* /v1/status waits this long for the store's figures, then answers with
 * the last ones it had, marked stale: a slow store never holds the
 * daemon's own figures back. */
#define STATUS_STORE_WAIT_MS 1000

enum ctx_kind { CTX_JOB, CTX_STREAM, CTX_RELOAD };

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
	int running;                /* jobs on a worker thread */
	int64_t woke_item, woke_event;  /* the newest ids api_wake was told */
	bool closing, srv_closed;
	/* The store's figures of the last /v1/status that got them. */
	struct status_store last;
	json_t *last_instances;
	int64_t last_at;            /* epoch s; 0 = none yet */
	int status_late;            /* status queries past their wait, not back */
};

/* One items or events request, from its arrival until it is answered: run
 * by a worker (or on the loop), parked while a long-poll waits, run again
 * on a wake-up. Only the loop thread touches it, except REQ, RD and ANS
 * while a worker runs it (the loop then leaves them alone). */
struct job {
	enum ctx_kind kind;
	struct api *api;
	struct http_conn *conn;     /* NULL once the client is gone */
	struct apireq req;
	uv_work_t work;
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
	int rc;                     /* the store's answer */
	json_t *json;               /* feeds, consumers, a consumer, instances */
	struct status_store st;
	int64_t cursor;
};

/* The rest of a long answer being streamed. */
struct stream {
	enum ctx_kind kind;
	struct buf body;
	size_t off;
};

static const char *const ctypes[FMT__COUNT] = {
	[FMT_JSON] = "application/json",
	[FMT_NDJSON] = "application/x-ndjson",
	[FMT_TSV] = "text/tab-separated-values; charset=utf-8",
	[FMT_ATOM] = "application/atom+xml; charset=utf-8",
};

/* --- sending --- */

/* Answers are rendered into buffers kept from request to request: a large
 * buffer freed per answer makes malloc consolidate its heap every time
 * (measured: a third of the loop's time under load). This one is the
 * loop's; each reader keeps its own. */
#define SCRATCH_KEEP (1u << 20)
static struct buf scratch;

static struct buf buf_take(struct buf *keep)
{
	struct buf b = *keep;
	memset(keep, 0, sizeof *keep);
	b.len = 0;
	b.oom = false;
	if (b.data)
		b.data[0] = '\0';
	return b;
}

/* Gives B back to KEEP when it is small enough and KEEP is free. */
static void buf_give(struct buf *keep, struct buf *b)
{
	if (b->data && b->cap <= SCRATCH_KEEP && !keep->data)
		*keep = *b;
	else
		buf_free(b);
	memset(b, 0, sizeof *b);
}

static struct buf scratch_take(void) { return buf_take(&scratch); }
static void scratch_give(struct buf *b) { buf_give(&scratch, b); }

static void stream_pull(struct http_conn *c, void *ctx)
{
	struct stream *st = ctx;
	size_t n = st->body.len - st->off;
	if (n > SLICE)
		n = SLICE;
	if (n && http_stream_write(c, st->body.data + st->off, n) < 0)
		return;  /* gone: on_abort frees ST */
	st->off += n;
	if (st->off == st->body.len && http_stream_end(c) == 0) {
		buf_free(&st->body);
		free(st);
	}
}

/* Sends BODY whole or streamed. A streamed body is taken over (BODY is
 * left empty); a whole one stays the caller's, to keep or free. */
static void send_body(struct http_conn *c, int status, enum api_format f, const char *headers,
		      struct buf *body)
{
	if (body->oom) {
		static const char oom[] = "{\"error\":\"out of memory\",\"detail\":null}\n";
		http_reply(c, 500, ctypes[FMT_JSON], NULL, oom, sizeof oom - 1);
		return;
	}
	if (body->len <= WHOLE_MAX) {
		http_reply(c, status, ctypes[f], headers, body->data, body->len);
		return;
	}
	struct stream *st = calloc(1, sizeof *st);
	if (!st) {
		http_reply(c, 500, ctypes[FMT_JSON], NULL, "{\"error\":\"out of memory\"}\n", 26);
		return;
	}
	st->kind = CTX_STREAM;
	st->body = *body;
	memset(body, 0, sizeof *body);
	http_conn_set_ctx(c, st);
	http_stream_begin(c, status, ctypes[f], headers, stream_pull);
}

/* Sends BODY (taken over) whole or streamed. */
static void send_buf(struct http_conn *c, int status, enum api_format f, const char *headers,
		     struct buf *body)
{
	send_body(c, status, f, headers, body);
	if (body->data)
		scratch_give(body);
}

static void send_json(struct http_conn *c, int status, const char *headers, json_t *j)
{
	if (!j) {
		/* json_pack failed: only out of memory can do that here. */
		static const char oom[] = "{\"error\":\"out of memory\",\"detail\":null}\n";
		http_reply(c, 500, ctypes[FMT_JSON], NULL, oom, sizeof oom - 1);
		return;
	}
	struct buf b = scratch_take();
	apifmt_json(&b, j);
	json_decref(j);
	send_buf(c, status, FMT_JSON, headers, &b);
}

static void send_error(struct http_conn *c, int status, const char *error, const char *detail,
		       const char *allow)
{
	char headers[64] = "";
	if (allow)
		snprintf(headers, sizeof headers, "Allow: %s\r\n", allow);
	send_json(c, status, allow ? headers : NULL,
		  json_pack("{s:s,s:o}", "error", error, "detail",
			    detail ? json_string_lossy(detail) : json_null()));
}

/* 503 with Retry-After when the store cannot be reached (an outage of the
 * database server), else 500. */
static void send_store_error(struct http_conn *c, int r)
{
	if (r != -ECONNRESET) {
		send_error(c, 500, "store error", strerror(-r), NULL);
		return;
	}
	char detail[512], headers[64];
	apiquery_unavailable(detail, sizeof detail);
	snprintf(headers, sizeof headers, "Retry-After: %d\r\n", APIQUERY_RETRY_AFTER_S);
	send_json(c, 503, headers, json_pack("{s:s,s:o}", "error", "store unavailable", "detail",
					     json_string_lossy(detail)));
}

/* --- requests with store work: jobs --- */

static void job_dispatch(struct job *j);
static void job_answer(struct job *j);
static void status_keep(struct api *a, struct job *j);
static void answer_status(struct api *a, struct http_conn *c, const struct status_store *ss,
			  json_t *instances, bool stale, int64_t as_of);
static void on_status_late(uv_timer_t *t);

static bool is_items_route(enum api_route r)
{
	return r == ROUTE_ITEMS || r == ROUTE_FEED_ITEMS || r == ROUTE_CONSUMER_ITEMS ||
	       r == ROUTE_EVENTS;
}

/* Work for the store thread's writable connection: an ack, a consumer's
 * creation, and a search (which indexes first, and readers cannot). */
static bool job_writes(const struct job *j)
{
	return j->req.route == ROUTE_CONSUMER_ACK || j->req.route == ROUTE_HOOKS_RETRY ||
	       j->need_create || (j->req.q && *j->req.q);
}

static void job_release(struct job *j)
{
	apireq_free(&j->req);
	buf_free(&j->ans.body);
	json_decref(j->json);
	for (size_t i = 0; i < j->ndisabled; i++)
		free(j->disabled[i]);
	free(j->disabled);
	free(j);
}

static void on_job_closed(uv_handle_t *h)
{
	job_release(h->data);
}

static void job_free(struct job *j)
{
	if (j->timer_init) {
		uv_close((uv_handle_t *)&j->timer, on_job_closed);
		return;
	}
	job_release(j);
}

static void list_remove(struct job **head, struct job *j)
{
	if (j->prev)
		j->prev->next = j->next;
	else
		*head = j->next;
	if (j->next)
		j->next->prev = j->prev;
	j->prev = j->next = NULL;
}

static void unpark(struct job *j)
{
	if (!j->parked)
		return;
	list_remove(&j->api->waiters, j);
	j->parked = false;
	uv_timer_stop(&j->timer);
}

static void on_job_timeout(uv_timer_t *t)
{
	struct job *j = t->data;
	/* The wait is over: whatever the query gives now is the answer. */
	unpark(j);
	j->final = true;
	job_dispatch(j);
}

/* Holds J until a wake-up passes its mark or its deadline comes. */
static void job_park(struct job *j)
{
	struct api *a = j->api;
	if (!j->timer_init) {
		if (http_conn_park(j->conn) < 0) {
			send_error(j->conn, 503, "too many waiting clients", "try again later", NULL);
			job_free(j);
			return;
		}
		uv_timer_init(a->d->loop, &j->timer);
		j->timer.data = j;
		j->timer_init = true;
	}
	uint64_t now = uv_now(a->d->loop);
	uv_timer_start(&j->timer, on_job_timeout, j->deadline > now ? j->deadline - now : 0, 0);
	j->parked = true;
	j->next = a->waiters;
	if (a->waiters)
		a->waiters->prev = j;
	a->waiters = j;
}

/* J's query ran (ANS holds the answer, rendered into a buffer taken from
 * KEEP): answer it, or park it. The buffer goes back to KEEP either way. */
static void job_finish(struct job *j, struct buf *keep)
{
	struct api *a = j->api;
	struct api_answer *ans = &j->ans;
	status_keep(a, j);
	if (j->late) {
		j->late = false;
		a->status_late--;
	}
	if (!j->conn) {
		buf_give(keep, &ans->body);
		job_free(j);
		return;
	}
	if (j->need_create) {
		/* A reader found no such consumer: the store thread creates it
		 * and answers. */
		buf_give(keep, &ans->body);
		job_dispatch(j);
		return;
	}
	if (!is_items_route(j->req.route)) {
		buf_give(keep, &ans->body);
		job_answer(j);
		job_free(j);
		return;
	}
	if (ans->status == 200 && ans->empty && !ans->body.oom && j->req.wait > 0 &&
	    !j->final && !a->closing) {
		/* Filters may exclude the new items: only an answer that has
		 * something ends the wait. */
		buf_give(keep, &ans->body);
		j->mark = ans->mark;
		int64_t woke = j->req.route == ROUTE_EVENTS ? a->woke_event : a->woke_item;
		if (woke > j->mark)
			job_dispatch(j);  /* news came while it ran */
		else
			job_park(j);
		return;
	}
	char headers[64] = "";
	if (ans->status == 200)
		snprintf(headers, sizeof headers, "Feedd-Next: %lld\r\n", (long long)ans->next);
	else if (ans->status == 503)
		snprintf(headers, sizeof headers, "Retry-After: %d\r\n", APIQUERY_RETRY_AFTER_S);
	/* The answer completes the request: J must not pass for a stream's
	 * state afterwards. */
	http_conn_set_ctx(j->conn, NULL);
	send_body(j->conn, ans->status, ans->format, *headers ? headers : NULL, &ans->body);
	buf_give(keep, &ans->body);
	job_free(j);
}

/* A consumer's entry in the list, with its counts; NULL if absent. */
static json_t *consumer_find(struct store *s, const char *name)
{
	json_t *all = NULL, *found = NULL;
	if (store_consumers_json(s, &all) == 0) {
		size_t i;
		json_t *v;
		json_array_foreach(all, i, v) {
			const char *n = json_string_value(json_object_get(v, "name"));
			if (n && !strcmp(n, name)) {
				found = json_incref(v);
				break;
			}
		}
	}
	json_decref(all);
	return found;
}

/* -ENOENT unknown consumer, -ERANGE beyond the newest item. */
static int consumer_ack(struct store *s, const struct apireq *r, int64_t *cursor)
{
	int rc = store_consumer_get(s, r->name, false, false, cursor);
	if (rc < 0)
		return rc;
	int64_t last_item = 0;
	if ((rc = store_last_ids(s, &last_item, NULL)) < 0)
		return rc;
	if (r->upto > last_item)
		return -ERANGE;
	if ((rc = store_consumer_ack(s, r->name, r->upto)) < 0)
		return rc;
	return store_consumer_get(s, r->name, false, false, cursor);
}

/* J's store work on S, on whichever thread holds S (a reader's worker,
 * the store thread, or the loop): only J's request and results are
 * touched. WRITABLE: S may write (the store thread's or the loop's). */
static void job_work(struct store *s, struct job *j, bool writable)
{
	const struct apireq *r = &j->req;
	int64_t now = (int64_t)time(NULL);
	switch (r->route) {
	case ROUTE_FEEDS:
	case ROUTE_FEED:
		j->rc = store_feeds_json(s, r->name, &j->json);
		return;
	case ROUTE_STATUS:
		if ((j->rc = store_figures(s, &j->st.fig)) < 0)
			return;
		j->st.counts_rc = store_feed_counts(s, (const char *const *)j->disabled,
						    j->ndisabled, &j->st.counts);
		store_last_ids(s, &j->st.last_item, &j->st.last_event);
		/* A shared store (PostgreSQL): the instances and their leases. */
		if (store_instances_json(s, now, &j->json) < 0)
			j->json = NULL;
		return;
	case ROUTE_CONSUMERS:
		j->rc = store_consumers_json(s, &j->json);
		return;
	case ROUTE_CONSUMER:
		j->rc = store_consumer_get(s, r->name, false, false, &j->cursor);
		if (j->rc == 0)
			j->json = consumer_find(s, r->name);
		return;
	case ROUTE_CONSUMER_ACK:
		j->rc = consumer_ack(s, r, &j->cursor);
		return;
	case ROUTE_HOOKS:
		j->rc = store_hook_parked_json(s, r->nfeeds ? r->feeds[0] : NULL, &j->json);
		return;
	case ROUTE_HOOKS_RETRY:
		j->rc = store_hook_retry(s, r->nfeeds ? r->feeds[0] : NULL, now, &j->cursor);
		return;
	case ROUTE_CONSUMER_ITEMS: {
		/* Reading creates the consumer: a write. A reader only looks;
		 * the writer creates it (FROM_NOW: at the newest item) and
		 * queries on. */
		int64_t cur = 0;
		int rc = store_consumer_get(s, r->name, writable, r->from_now, &cur);
		j->need_create = !writable && rc == -ENOENT;
		if (j->need_create)
			return;
		if (rc < 0) {
			j->ans.empty = false;
			apiquery_store_error(&j->ans, rc);
			return;
		}
		break;
	}
	default:
		break;
	}
	apiquery_run(s, r, now, &j->ans);
}

/* Runs J's query on the loop: when no reader handle exists, or at
 * shutdown. */
static void job_run_here(struct job *j)
{
	j->ans.body = scratch_take();
	job_work(j->api->d->store, j, true);
	job_finish(j, &scratch);
}

static void on_work(uv_work_t *w)
{
	/* Worker thread: only J's request, answer and reader. */
	struct job *j = w->data;
	job_work(j->rd->store, j, false);
}

static void api_free(struct api *a)
{
	for (int i = 0; i < a->nreaders; i++) {
		store_close(a->readers[i].store);
		buf_free(&a->readers[i].keep);
	}
	buf_free(&scratch);
	json_decref(a->last_instances);
	free(a);
}

static void pending_next(struct api *a);

static void on_work_done(uv_work_t *w, int status)
{
	struct job *j = w->data;
	struct api *a = j->api;
	struct reader *rd = j->rd;
	(void)status;
	a->running--;
	j->rd = NULL;
	/* RD stays busy until J is done with its buffer: a re-run J starts on
	 * another reader. */
	job_finish(j, &rd->keep);
	rd->busy = false;
	pending_next(a);
	if (a->srv_closed && a->running == 0)
		api_free(a);
}

static void job_start(struct job *j, struct reader *rd)
{
	struct api *a = j->api;
	rd->busy = true;
	j->rd = rd;
	j->ans.body = buf_take(&rd->keep);
	j->work.data = j;
	a->running++;
	if (uv_queue_work(a->d->loop, &j->work, on_work, on_work_done) < 0) {
		a->running--;
		buf_give(&rd->keep, &j->ans.body);
		rd->busy = false;
		j->rd = NULL;
		job_run_here(j);
	}
}

static void pending_next(struct api *a)
{
	while (a->pending) {
		struct reader *rd = NULL;
		for (int i = 0; i < a->nreaders && !rd; i++)
			if (!a->readers[i].busy)
				rd = &a->readers[i];
		if (!rd)
			return;
		struct job *j = a->pending;
		list_remove(&a->pending, j);
		if (!a->pending)
			a->pending_tail = NULL;
		j->queued = false;
		if (!j->conn) {
			if (j->late)
				a->status_late--;
			job_free(j);
		}
		else
			job_start(j, rd);
	}
}

/* Store thread: an ack, a consumer's creation, or a search's query on the
 * writer's connection, which first indexes what the commits left to the
 * upkeep (readers cannot). */
static void writer_work(struct store *s, void *arg)
{
	job_work(s, arg, true);
}

static void writer_done(void *arg)
{
	struct job *j = arg;
	struct api *a = j->api;
	a->running--;
	job_finish(j, &scratch);
	if (a->srv_closed && a->running == 0)
		api_free(a);
}

/* Runs J's store work on a free reader's worker, or queues it for the
 * next free one (in arrival order); writes and full-text searches on the
 * store thread, after the work submitted there before them; without
 * either, on the loop now (a search then on a reader, which searches what
 * was indexed last). */
static void job_dispatch(struct job *j)
{
	struct api *a = j->api;
	bool writes = job_writes(j);
	if (writes && a->d->storeq && !a->closing) {
		memset(&j->ans.body, 0, sizeof j->ans.body);
		a->running++;
		if (storeq_submit(a->d->storeq, writer_work, writer_done, j) == 0)
			return;
		a->running--;
	}
	bool must_write = j->req.route == ROUTE_CONSUMER_ACK ||
			  j->req.route == ROUTE_HOOKS_RETRY || j->need_create;
	if (must_write || a->nreaders == 0 || a->closing) {
		job_run_here(j);
		return;
	}
	j->queued = true;
	j->prev = a->pending_tail;
	j->next = NULL;
	if (a->pending_tail)
		a->pending_tail->next = j;
	else
		a->pending = j;
	a->pending_tail = j;
	pending_next(a);
}

/* R is taken over. */
static void job_begin(struct api *a, struct http_conn *c, struct apireq *r)
{
	if (r->route == ROUTE_STATUS && a->status_late > 0) {
		/* The store has not answered the last status query yet: no
		 * other reader is held for one more. */
		apireq_free(r);
		answer_status(a, c, &a->last, a->last_instances, true, a->last_at);
		return;
	}
	struct job *j = calloc(1, sizeof *j);
	if (!j) {
		apireq_free(r);
		send_error(c, 500, "out of memory", NULL, NULL);
		return;
	}
	j->kind = CTX_JOB;
	j->api = a;
	j->conn = c;
	j->req = *r;
	memset(r, 0, sizeof *r);
	j->deadline = uv_now(a->d->loop) + (uint64_t)j->req.wait * 1000;
	const struct config *conf = a->d->conf;
	if (j->req.route == ROUTE_STATUS && conf && conf->nfeeds) {
		/* The store counts the feeds the config disables: their names
		 * go with the job, the config may be replaced meanwhile. */
		j->disabled = calloc(conf->nfeeds, sizeof *j->disabled);
		for (size_t i = 0; j->disabled && i < conf->nfeeds; i++)
			if (!conf->feeds[i].enabled &&
			    (j->disabled[j->ndisabled] = strdup(conf->feeds[i].name)))
				j->ndisabled++;
	}
	http_conn_set_ctx(c, j);
	if (j->req.route == ROUTE_STATUS && a->nreaders > 0 && !a->closing) {
		uv_timer_init(a->d->loop, &j->timer);
		j->timer.data = j;
		j->timer_init = true;
		uv_timer_start(&j->timer, on_status_late, STATUS_STORE_WAIT_MS, 0);
	}
	job_dispatch(j);
}

void api_wake(struct api *a, int64_t last_item_id, int64_t last_event_seq)
{
	if (!a || a->closing)
		return;
	if (last_item_id > a->woke_item)
		a->woke_item = last_item_id;
	if (last_event_seq > a->woke_event)
		a->woke_event = last_event_seq;
	struct job *next;
	for (struct job *j = a->waiters; j; j = next) {
		next = j->next;
		int64_t now = j->req.route == ROUTE_EVENTS ? last_event_seq : last_item_id;
		if (now <= j->mark)
			continue;
		unpark(j);
		job_dispatch(j);
	}
}

/* --- the other endpoints --- */

static json_t *feed_config_json(const struct feed_conf *fc)
{
	json_t *tags = json_array();
	for (char **t = fc->tags; t && *t; t++)
		json_array_append_new(tags, json_string_lossy(*t));
	return json_pack("{s:o,s:I,s:I,s:I,s:I,s:I,s:o,s:b,s:b,s:b}",
			 "url", json_string_lossy(fc->url),
			 "interval", (json_int_t)fc->interval,
			 "min_interval", (json_int_t)fc->min_interval,
			 "max_interval", (json_int_t)fc->max_interval,
			 "retention", (json_int_t)fc->retention,
			 "max_items", (json_int_t)fc->max_items,
			 "tags", tags,
			 "enabled", fc->enabled,
			 "allow_private", fc->allow_private,
			 "hook", fc->exec != NULL);
}


/* Adds what only the running daemon knows to a feed's stored state. */
static void feed_decorate(struct api *a, json_t *feed)
{
	const char *name = json_string_value(json_object_get(feed, "name"));
	if (!name)
		return;
	if (a->d->sched) {
		json_t *live = sched_feed_live(a->d->sched, name);
		/* The store refused this feed's last commit, and maybe also the
		 * record of that: what the store holds is not the whole truth. */
		json_t *se = live ? json_object_get(live, "store_error") : NULL;
		if (se && !json_string_value(json_object_get(feed, "last_error"))) {
			json_object_set(feed, "last_error", se);
			if (json_integer_value(json_object_get(feed, "failures")) < 1)
				json_object_set_new(feed, "failures", json_integer(1));
		}
		if (live)
			json_object_set_new(feed, "live", live);
	}
	const struct feed_conf *fc = a->d->conf ? config_find_feed(a->d->conf, name) : NULL;
	if (fc && !json_object_get(feed, "config"))
		json_object_set_new(feed, "config", feed_config_json(fc));
	if (!json_object_get(feed, "state"))
		json_object_set_new(feed, "state", json_string(feedstate_json(feed)));
	/* Nothing is fetched for a feed that left the config or is switched
	 * off (a gone feed's due time is already none): no next fetch. */
	const char *state = json_string_value(json_object_get(feed, "state"));
	if (state && (!strcmp(state, "removed") || !strcmp(state, "disabled"))) {
		json_object_set_new(feed, "next_due", json_null());
		json_object_set_new(feed, "next_reason", json_string(state));
	}
}

/* FEEDS (taken over): the store's rows, with what the loop knows. */
static void answer_feeds(struct api *a, struct http_conn *c, const struct apireq *r, int rc,
			 json_t *feeds)
{
	if (rc == -ENOENT) {
		send_error(c, 404, "unknown feed", r->name, NULL);
		return;
	}
	if (rc < 0) {
		send_store_error(c, rc);
		return;
	}
	if (r->name) {
		feed_decorate(a, feeds);
		send_json(c, 200, NULL, feeds);
		return;
	}
	size_t i;
	json_t *f;
	json_array_foreach(feeds, i, f)
		feed_decorate(a, f);
	if (r->format == FMT_NDJSON) {
		struct buf b = scratch_take();
		apifmt_ndjson(&b, feeds);
		json_decref(feeds);
		send_buf(c, 200, FMT_NDJSON, NULL, &b);
		return;
	}
	send_json(c, 200, NULL, json_pack("{s:o}", "feeds", feeds));
}

/* The store's figures SS (and INSTANCES, borrowed) with the daemon's own,
 * from memory. AS_OF: when SS is not this request's (the store was slow):
 * the time the figures were read, 0 for never. */
static void answer_status(struct api *a, struct http_conn *c, const struct status_store *ss,
			  json_t *instances, bool stale, int64_t as_of)
{
	const struct store_figures *fig = &ss->fig;
	/* Counted by the store in one query: building every feed's JSON to
	 * count them cost memory in proportion to the feeds. Only the states
	 * some feed is in are named, as before. */
	json_t *by_state = json_object();
	if (ss->counts_rc == 0) {
		struct store_feed_counts fixed = ss->counts;
		if (a->d->sched)
			sched_fix_counts(a->d->sched, &fixed);
		const struct store_feed_counts *fc = &fixed;
		const struct { const char *name; int64_t n; } states[] = {
			{ "ok", fc->ok }, { "new", fc->fresh }, { "failing", fc->failing },
			{ "gone", fc->gone }, { "disabled", fc->disabled }, { "removed", fc->removed },
			{ "truncated", fc->truncated },
		};
		for (size_t i = 0; i < sizeof states / sizeof states[0]; i++)
			if (states[i].n > 0)
				json_object_set_new(by_state, states[i].name,
						    json_integer(states[i].n));
	}
	int clients = 0, waiting = 0;
	api_clients(a, &clients, &waiting);
	const struct feedd_totals *t = &a->d->totals;
	int64_t now = (int64_t)time(NULL);
	json_t *out = json_pack(
		"{s:s,s:I,s:I,s:{s:I,s:o},"
		"s:{s:I,s:I,s:I,s:I,s:I,s:I},s:{s:I,s:I},"
		"s:{s:I,s:I,s:I,s:I,s:I},s:{s:I,s:I},"
		"s:{s:I,s:I,s:I,s:I},s:{s:i,s:i}}",
		"version", FEEDD_VERSION,
		"started", (json_int_t)a->d->started,
		"uptime", (json_int_t)(a->d->started ? now - a->d->started : 0),
		"feeds", "total", (json_int_t)fig->feeds, "by_state", by_state,
		"fetches", "total", (json_int_t)t->fetches, "ok", (json_int_t)t->ok200,
		"not_modified", (json_int_t)t->not_modified,
		"errors_net", (json_int_t)t->errors_net, "errors_http", (json_int_t)t->errors_http,
		"errors_parse", (json_int_t)t->errors_parse,
		"bytes", "wire", (json_int_t)t->bytes_wire, "decoded", (json_int_t)t->bytes_decoded,
		"items", "stored", (json_int_t)fig->items, "last_id", (json_int_t)ss->last_item,
		"new", (json_int_t)t->items_new, "updated", (json_int_t)t->items_updated,
		"tombstones", (json_int_t)fig->tombstones,
		"events", "stored", (json_int_t)fig->events, "last_seq", (json_int_t)ss->last_event,
		"store", "file_bytes", (json_int_t)fig->file_bytes, "wal_bytes", (json_int_t)fig->wal_bytes,
		"consumers", (json_int_t)fig->consumers, "hooks_pending", (json_int_t)fig->hooks_pending,
		"api", "clients", clients, "waiting", waiting);
	if (out) {
		/* Bodies cut short, and the fetches each cap cut (DOC_CAP_*). */
		json_object_set_new(json_object_get(out, "fetches"), "truncated",
				    json_integer(t->truncated));
		json_object_set_new(out, "caps", json_pack("{s:I,s:I,s:I,s:I,s:I}",
			"items", (json_int_t)t->caps[0], "document", (json_int_t)t->caps[1],
			"field", (json_int_t)t->caps[2], "item", (json_int_t)t->caps[3],
			"max_size", (json_int_t)t->caps[DOC_CAP__COUNT]));
	}
	if (out)
		json_object_set_new(out, "log_level", json_string(log_level_name(log_get_level())));
	if (out && instances)
		json_object_set(out, "instances", instances);
	/* Whether the store can be reached now (a database server), and
	 * whether it refuses commits (a full disk). last_error is the outage's
	 * while the store is unavailable, else the last refused commit's. */
	struct store_health sh;
	store_health_get(&sh);
	json_t *so = out ? json_object_get(out, "store") : NULL;
	if (so) {
		json_object_set_new(so, "state", json_string(sh.unavailable ? "unavailable"
									    : "available"));
		json_object_set_new(so, "commits_refused", json_integer(t->commits_refused));
		json_object_set_new(so, "last_error", t->commits_refused ?
				    json_string_lossy(t->commit_error) : json_null());
		json_object_set_new(so, "last_error_at", t->commits_refused ?
				    json_integer(t->commit_refused_at) : json_null());
		if (sh.unavailable) {
			json_object_set_new(so, "since", json_integer(sh.since));
			json_object_set_new(so, "last_error", json_string_lossy(sh.last_error));
		}
	}
	if (out && stale) {
		json_object_set_new(out, "store_stale", json_true());
		json_object_set_new(out, "store_as_of",
				    as_of ? json_integer(as_of) : json_null());
	}
	send_json(c, 200, NULL, out);
}

/* J's status figures came from the store: kept for an answer that cannot
 * wait for the next ones. */
static void status_keep(struct api *a, struct job *j)
{
	if (j->req.route != ROUTE_STATUS || j->rc < 0)
		return;
	a->last = j->st;
	json_decref(a->last_instances);
	a->last_instances = json_incref(j->json);
	a->last_at = (int64_t)time(NULL);
}

/* The store's figures are late: the daemon's own go out now with the last
 * store figures, marked stale; the job ends when its reader is done. */
static void on_status_late(uv_timer_t *t)
{
	struct job *j = t->data;
	if (!j->conn)
		return;
	struct api *a = j->api;
	struct http_conn *c = j->conn;
	j->conn = NULL;
	j->late = true;
	a->status_late++;
	http_conn_set_ctx(c, NULL);
	log_debug("api: /v1/status: the store's figures are late; answering with the last ones");
	answer_status(a, c, &a->last, a->last_instances, true, a->last_at);
}

static void answer_consumer(struct http_conn *c, struct job *j)
{
	const struct apireq *r = &j->req;
	if (j->rc == -ENOENT) {
		send_error(c, 404, "unknown consumer", r->name, NULL);
		return;
	}
	if (j->rc == -ERANGE) {
		send_error(c, 400, "bad parameter", "upto: beyond the newest item id", NULL);
		return;
	}
	if (j->rc < 0) {
		send_store_error(c, j->rc);
		return;
	}
	if (r->route == ROUTE_CONSUMER_ACK) {
		send_json(c, 200, NULL, json_pack("{s:o,s:I}", "consumer", json_string_lossy(r->name),
						  "cursor", (json_int_t)j->cursor));
		return;
	}
	json_t *found = j->json;
	j->json = NULL;
	if (!found)
		found = json_pack("{s:o,s:I}", "name", json_string_lossy(r->name), "cursor",
				  (json_int_t)j->cursor);
	send_json(c, 200, NULL, found);
}

/* J's store work came back for a request other than items and events:
 * its answer, with what only the loop knows (the live schedule, the
 * config, the counters) added now. */
static void job_answer(struct job *j)
{
	struct api *a = j->api;
	struct http_conn *c = j->conn;
	/* The answer completes the request: J must not pass for a stream's
	 * state afterwards. */
	http_conn_set_ctx(c, NULL);
	switch (j->req.route) {
	case ROUTE_FEEDS:
	case ROUTE_FEED: {
		json_t *feeds = j->json;
		j->json = NULL;
		answer_feeds(a, c, &j->req, j->rc, feeds);
		break;
	}
	case ROUTE_STATUS:
		if (j->rc == -ECONNRESET)   /* the store is away: from memory */
			answer_status(a, c, &a->last, a->last_instances, true, a->last_at);
		else if (j->rc < 0)
			send_store_error(c, j->rc);
		else
			answer_status(a, c, &j->st, j->json, false, 0);
		break;
	case ROUTE_CONSUMERS:
		if (j->rc < 0) {
			send_store_error(c, j->rc);
		} else {
			send_json(c, 200, NULL, json_pack("{s:O}", "consumers", j->json));
		}
		break;
	case ROUTE_CONSUMER:
	case ROUTE_CONSUMER_ACK:
		answer_consumer(c, j);
		break;
	case ROUTE_HOOKS: {
		if (j->rc < 0) {
			send_store_error(c, j->rc);
			break;
		}
		/* The store gives one more than it shows: there are more. */
		bool more = json_array_size(j->json) > STORE_HOOK_PARKED_MAX;
		if (more)
			json_array_remove(j->json, STORE_HOOK_PARKED_MAX);
		send_json(c, 200, NULL, json_pack("{s:O,s:b}", "failed", j->json, "more", more));
		break;
	}
	case ROUTE_HOOKS_RETRY:
		if (j->rc < 0) {
			send_store_error(c, j->rc);
			break;
		}
		if (a->d->hooks)
			hooks_kick(a->d->hooks);    /* due now, not at the next tick */
		log_notice("hooks: %lld parked deliveries of %s due again", (long long)j->cursor,
			   j->req.nfeeds ? j->req.feeds[0] : "every feed");
		send_json(c, 200, NULL, json_pack("{s:o,s:I}", "feed",
			  j->req.nfeeds ? json_string_lossy(j->req.feeds[0]) : json_null(),
			  "retried", (json_int_t)j->cursor));
		break;
	default:
		send_error(c, 500, "internal error", "no answer for this route", NULL);
		break;
	}
}

static void handle_refresh(struct api *a, struct http_conn *c, const struct apireq *r)
{
	if (!a->d->sched) {
		send_error(c, 503, "not fetching", "the scheduler is not running", NULL);
		return;
	}
	int rc = sched_refresh(a->d->sched, r->name);
	if (rc == -ENOENT) {
		send_error(c, 404, "unknown feed", r->name, NULL);
		return;
	}
	if (rc < 0) {
		send_error(c, 500, "refresh failed", strerror(-rc), NULL);
		return;
	}
	send_json(c, 202, NULL, json_pack("{s:o,s:s}", "feed", json_string_lossy(r->name), "refresh", "queued"));
}

/* A reload under way, answered when it is over. */
struct reload_wait {
	enum ctx_kind kind;
	struct http_conn *conn;     /* NULL once the client is gone */
};

static void on_reloaded(struct feedd *d, int rc, void *ud)
{
	struct reload_wait *w = ud;
	struct http_conn *c = w->conn;
	free(w);
	if (!c)
		return;
	http_conn_set_ctx(c, NULL);
	if (rc == 0)
		send_json(c, 200, NULL, json_pack("{s:b,s:I}", "reloaded", 1, "feeds",
						  (json_int_t)(d->conf ? d->conf->nfeeds : 0)));
	else if (rc == -ECANCELED)
		send_error(c, 503, "stopping", "the daemon is stopping; the running set is kept",
			   NULL);
	else
		send_error(c, 500, "the store could not take the new feed set; the running set is kept",
			   strerror(-rc), NULL);
}

static void handle_reload(struct api *a, struct http_conn *c)
{
	struct config_errors errs = { 0 };
	struct reload_wait *w = calloc(1, sizeof *w);
	if (!w) {
		send_error(c, 500, "out of memory", NULL, NULL);
		return;
	}
	w->kind = CTX_RELOAD;
	w->conn = c;
	/* The store records the new feed set on the store thread: the answer
	 * comes from on_reloaded. */
	http_conn_set_ctx(c, w);
	int rc = feedd_reload_start(a->d, &errs, on_reloaded, w);
	if (rc == 0) {
		config_errors_free(&errs);
		return;
	}
	http_conn_set_ctx(c, NULL);
	free(w);
	if (rc == -EBUSY) {
		config_errors_free(&errs);
		send_error(c, 409, "a reload is under way", "try again when it is over", NULL);
		return;
	}
	json_t *list = json_array();
	for (size_t i = 0; i < errs.n; i++)
		json_array_append_new(list, json_string_lossy(errs.msgs[i]));
	config_errors_free(&errs);
	send_json(c, rc == -EINVAL ? 422 : 500, NULL,
		  json_pack("{s:s,s:o}", "error",
			    rc == -EINVAL ? "invalid config; the running set is kept"
					  : "cannot read the config file",
			    "detail", list));
}

static void on_request(struct http_conn *c, const struct http_request *hr, void *ud)
{
	struct api *a = ud;
	struct apireq r;
	if (apireq_parse(hr->method_name, hr->target, hr->body, hr->body_len, &r)) {
		send_error(c, r.status, r.error, r.detail, r.allow);
		apireq_free(&r);
		return;
	}
	if (!r.is_get)
		log_info("api: %s %s by uid %d (pid %d)", hr->method_name, hr->target,
			 (int)http_conn_uid(c), (int)http_conn_pid(c));
	switch (r.route) {
	case ROUTE_ITEMS:
	case ROUTE_FEED_ITEMS:
	case ROUTE_CONSUMER_ITEMS:
	case ROUTE_EVENTS:
	case ROUTE_CONSUMERS:
	case ROUTE_CONSUMER:
	case ROUTE_CONSUMER_ACK:
	case ROUTE_FEEDS:
	case ROUTE_FEED:
	case ROUTE_STATUS:
		/* Their store work runs off the loop (job_dispatch). */
		job_begin(a, c, &r);
		return;
	case ROUTE_HOOKS:
	case ROUTE_HOOKS_RETRY:
		if (r.nfeeds && !(a->d->conf && config_find_feed(a->d->conf, r.feeds[0]))) {
			send_error(c, 404, "unknown feed", r.feeds[0], NULL);
			break;
		}
		job_begin(a, c, &r);
		return;
	case ROUTE_FEED_REFRESH:
		handle_refresh(a, c, &r);
		break;
	case ROUTE_RELOAD:
		handle_reload(a, c);
		break;
	case ROUTE_LOG_LEVEL: {
		/* Until the next start, or until feeds.conf's log_level changes. */
		enum log_level was = log_get_level();
		log_set_level((enum log_level)r.level);
		log_notice("log level %s (was %s), set through the API",
			   log_level_name((enum log_level)r.level), log_level_name(was));
		send_json(c, 200, NULL, json_pack("{s:s,s:s}", "log_level",
						  log_level_name((enum log_level)r.level),
						  "was", log_level_name(was)));
		break;
	}
	case ROUTE__COUNT:
		send_error(c, 404, "not found", NULL, NULL);
		break;
	}
	apireq_free(&r);
}

static void on_abort(struct http_conn *c, void *ctx, void *ud)
{
	(void)c;
	(void)ud;
	if (!ctx)
		return;
	if (*(enum ctx_kind *)ctx == CTX_RELOAD) {
		/* Answered by on_reloaded, which frees it: nobody to answer. */
		((struct reload_wait *)ctx)->conn = NULL;
		return;
	}
	if (*(enum ctx_kind *)ctx == CTX_JOB) {
		/* Parked: freed now. Queued or on a worker: freed when its
		 * turn comes or its worker is done. */
		struct job *j = ctx;
		j->conn = NULL;
		if (j->parked) {
			unpark(j);
			job_free(j);
		}
	} else {
		struct stream *st = ctx;
		buf_free(&st->body);
		free(st);
	}
}

static void on_server_closed(void *ud)
{
	struct api *a = ud;
	/* Workers still running hold readers: the last one frees A. */
	a->srv_closed = true;
	if (a->running == 0)
		api_free(a);
}

/* Reader handles for the workers; none (queries on the loop) when the
 * backend has no such thing or the first one fails. */
static void readers_open(struct api *a)
{
	for (int i = 0; i < API_READERS && a->d->store; i++) {
		int r = store_open_reader(a->d->store, &a->readers[i].store);
		if (r < 0) {
			if (r != -ENOTSUP || i > 0)
				log_warn("api: reader %d: %s", i, strerror(-r));
			break;
		}
		a->nreaders++;
	}
	if (a->nreaders)
		log_debug("api: %d reader threads", a->nreaders);
	else
		log_info("api: item queries run on the loop (no reader handles)");
}

int api_start(struct feedd *d, const char *path, struct api **out)
{
	struct api *a = calloc(1, sizeof *a);
	if (!a)
		return -ENOMEM;
	a->d = d;
	int fd = -1;
	int n = sd_listen_fds(1);
	if (n > 0) {
		fd = SD_LISTEN_FDS_START;
		if (n > 1)
			log_warn("api: %d sockets passed by systemd; using the first", n);
		log_info("api: listening on the socket systemd passed");
	}
	struct http_limits lim = HTTP_LIMITS_DEFAULT;
	/* Held long-polls are descriptors: the soft limit (often 1024) would
	 * cap them before max_waiting does. Nothing here uses select(). */
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rlim_t want = rl.rlim_max < 65536 ? rl.rlim_max : 65536;
		if (want > rl.rlim_cur) {
			rl.rlim_cur = want;
			if (setrlimit(RLIMIT_NOFILE, &rl) == 0)
				log_debug("api: open files limit raised to %llu", (unsigned long long)want);
		}
	}
	/* Every connection is a descriptor: keep room for the fetches, the
	 * store and the hooks, so that a newcomer is accepted and answered
	 * (503 at worst) rather than dropped by accept(). */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY) {
		long long reserve = 256 + (d->conf ? d->conf->daemon.max_fetches : 64);
		long long room = (long long)rl.rlim_cur - reserve;
		if (room < lim.max_conns)
			lim.max_conns = room < 128 ? 128 : (int)room;
	}
	struct http_handler h = {
		.on_request = on_request, .on_abort = on_abort, .on_closed = on_server_closed,
		.ud = a,
	};
	const char *group = d->conf ? d->conf->daemon.socket_group : NULL;
	int r = http_server_start(d->loop, path, group, fd, &lim, &h, &a->srv);
	if (r < 0) {
		free(a);
		return r;
	}
	readers_open(a);
	if (fd < 0)
		log_info("api: listening on %s", path);
	*out = a;
	return 0;
}

int api_clients(const struct api *a, int *clients, int *waiting)
{
	http_server_counts(a->srv, clients, waiting);
	return 0;
}

void api_release_memory(struct api *a)
{
	for (int i = 0; i < a->nreaders; i++) {
		struct reader *rd = &a->readers[i];
		if (rd->busy)
			continue;
		store_release_memory(rd->store);
		buf_free(&rd->keep);
	}
}

void api_close(struct api *a)
{
	if (!a || a->closing)
		return;
	/* Held long-polls get their (empty) answer rather than a reset, from
	 * the loop's own handle: the server closes right after. */
	a->closing = true;
	while (a->waiters) {
		struct job *j = a->waiters;
		unpark(j);
		j->final = true;
		job_run_here(j);
	}
	http_server_close(a->srv);
}
