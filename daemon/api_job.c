/* api_job.c — the socket API's job plumbing (see api_int.h): a request
 * with store work runs on a free reader's worker (queued in arrival order
 * while all four are busy), on the store thread when it writes (or
 * searches), or on the loop when there is no reader — and a short page of
 * items on the loop with its own SQLite reader (job_short); its answer is rendered
 * by its endpoint on the loop when the work is back; a long-poll is
 * parked until a wake-up passes its mark or its deadline comes. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/date.h"
#include "core/itemq.h"
#include "core/log.h"
#include "daemon/api_int.h"
#include "daemon/api_send.h"
#include "daemon/storeq.h"

/* Work for the store thread's writable connection: what its endpoint
 * writes (an ack, a retry), a consumer's creation, and a search (which
 * indexes first, and readers cannot). */
static bool job_writes(const struct job *j)
{
	return j->ep->runs == RUNS_STORE || j->need_create || (j->req.q && *j->req.q);
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

void api_job_free(struct job *j)
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

void api_job_unpark(struct job *j)
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
	api_job_unpark(j);
	j->final = true;
	api_job_dispatch(j);
}

/* Holds J until a wake-up passes its mark or its deadline comes. */
static void job_park(struct job *j)
{
	struct api *a = j->api;
	if (!j->timer_init) {
		if (http_conn_park(j->conn) < 0) {
			api_send_error(j->conn, 503, "too many waiting clients", "try again later", NULL);
			api_job_free(j);
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
	if (j->ep->back)
		j->ep->back(j);
	if (j->late) {
		j->late = false;
		a->status_late--;
	}
	if (!j->conn) {
		api_buf_give(keep, &ans->body);
		api_job_free(j);
		return;
	}
	if (j->need_create) {
		/* A reader found no such consumer: the store thread creates it
		 * and answers. */
		api_buf_give(keep, &ans->body);
		api_job_dispatch(j);
		return;
	}
	if (!j->ep->poll) {
		/* Its endpoint answers, with what only the loop knows (the live
		 * schedule, the config, the counters). The answer completes the
		 * request: J must not pass for a stream's state afterwards. */
		api_buf_give(keep, &ans->body);
		http_conn_set_ctx(j->conn, NULL);
		j->ep->answer(j);
		api_job_free(j);
		return;
	}
	if (ans->status == 200 && ans->empty && !ans->body.oom && j->req.wait > 0 &&
	    !j->final && !a->closing) {
		/* Filters may exclude the new items: only an answer that has
		 * something ends the wait. */
		api_buf_give(keep, &ans->body);
		j->mark = ans->mark;
		int64_t woke = j->req.route == ROUTE_EVENTS ? a->woke_event : a->woke_item;
		if (woke > j->mark)
			api_job_dispatch(j);  /* news came while it ran */
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
	api_send_body(j->conn, ans->status, ans->format, *headers ? headers : NULL, &ans->body);
	api_buf_give(keep, &ans->body);
	api_job_free(j);
}

void api_job_run_here(struct job *j)
{
	j->ans.body = api_scratch_take();
	j->ep->work(j->api->d->store, j, true);
	job_finish(j, api_scratch());
}

static void on_work(uv_work_t *w)
{
	/* Worker thread: only J's request, answer and reader. */
	struct job *j = w->data;
	j->ep->work(j->rd->store, j, false);
}

void api_job_api_free(struct api *a)
{
	for (int i = 0; i < a->nreaders; i++) {
		store_close(a->readers[i].store);
		buf_free(&a->readers[i].keep);
	}
	store_close(a->loop_reader);
	api_scratch_free();
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
		api_job_api_free(a);
}

static void job_start(struct job *j, struct reader *rd)
{
	struct api *a = j->api;
	rd->busy = true;
	j->rd = rd;
	j->ans.body = api_buf_take(&rd->keep);
	j->work.data = j;
	a->running++;
	if (uv_queue_work(a->d->loop, &j->work, on_work, on_work_done) < 0) {
		a->running--;
		api_buf_give(&rd->keep, &j->ans.body);
		rd->busy = false;
		j->rd = NULL;
		api_job_run_here(j);
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
			api_job_free(j);
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
	struct job *j = arg;
	j->ep->work(s, j, true);
}

static void writer_done(void *arg)
{
	struct job *j = arg;
	struct api *a = j->api;
	a->running--;
	job_finish(j, api_scratch());
	if (a->srv_closed && a->running == 0)
		api_job_api_free(a);
}

/* A plain page of items by id (no search, no filter that may scan, at
 * most 100): a few index reads and the rendering, about 0.1 ms. Handing
 * it to a worker and back (a condition variable, two thread switches, an
 * async wake of the loop) cost a fifth of its CPU (bench/RESULTS.md), so
 * the loop answers it itself, with its own reader handle. */
static bool job_short(const struct job *j)
{
	const struct apireq *r = &j->req;
	return j->ep->runs == RUNS_READER && r->route == ROUTE_ITEMS && !(r->q && *r->q) &&
	       !r->tag && !r->nfeeds && r->since == DATE_NONE && !r->distinct &&
	       r->status_filter == ITEMQ_ANY && !r->starred && r->limit <= 100;
}

/* Runs J's store work on a free reader's worker, or queues it for the
 * next free one (in arrival order); writes and full-text searches on the
 * store thread, after the work submitted there before them; reads on the
 * loop now when there are no readers, or the API is closing. */
void api_job_dispatch(struct job *j)
{
	struct api *a = j->api;
	/* The long-poll's mark, from memory rather than a query per request
	 * (store_last_ids): the newest ids api_wake was told, which it is
	 * told after each commit of this daemon and, with PostgreSQL, after
	 * another instance's (its LISTEN wake-up, feedd_wake). Those commits
	 * are visible to any query that starts after, so the mark is never
	 * above what the query sees; it may be below (before the first
	 * wake-up, a notification lost with its connection), which costs a
	 * wake-up that runs the query again for nothing, never a missed one. */
	j->ans.mark = j->req.route == ROUTE_EVENTS ? a->woke_event : a->woke_item;
	if (job_writes(j)) {
		memset(&j->ans.body, 0, sizeof j->ans.body);
		a->running++;
		storeq_submit(a->d->storeq, &j->sq, writer_work, writer_done, j);
		return;
	}
	if (a->loop_reader && job_short(j) && !a->closing) {
		j->ans.body = api_scratch_take();
		j->ep->work(a->loop_reader, j, false);
		job_finish(j, api_scratch());
		return;
	}
	if (a->nreaders == 0 || a->closing) {
		api_job_run_here(j);
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

void api_job_begin(struct api *a, struct http_conn *c, struct apireq *r)
{
	struct job *j = calloc(1, sizeof *j);
	if (!j) {
		apireq_free(r);
		api_send_error(c, 500, "out of memory", NULL, NULL);
		return;
	}
	j->kind = CTX_JOB;
	j->api = a;
	j->ep = api_endpoint_of(r->route);
	j->conn = c;
	j->req = *r;
	memset(r, 0, sizeof *r);
	j->deadline = uv_now(a->d->loop) + (uint64_t)j->req.wait * 1000;
	http_conn_set_ctx(c, j);
	if (j->ep->start)
		j->ep->start(j);
	api_job_dispatch(j);
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
		api_job_unpark(j);
		api_job_dispatch(j);
	}
}

void api_wake_consumer(struct api *a, const char *name)
{
	struct job *next;
	for (struct job *j = a->waiters; j; j = next) {
		next = j->next;
		if (j->req.route != ROUTE_CONSUMER_ITEMS || !j->req.name ||
		    strcmp(j->req.name, name) != 0)
			continue;
		api_job_unpark(j);
		api_job_dispatch(j);
	}
}

/* Reader handles for the workers; none (queries on the loop) when the
 * backend has no such thing or the first one fails. */
void api_job_readers_open(struct api *a)
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
	/* The loop's own, for short pages: SQLite only, whose reads never
	 * wait on a network or a lock (WAL); a PostgreSQL query would hold
	 * the loop for a round trip. */
	bool local = !store_is_shared(a->d->store);
	if (a->nreaders && local && store_open_reader(a->d->store, &a->loop_reader) < 0)
		a->loop_reader = NULL;
	if (a->nreaders)
		log_debug("api: %d reader threads", a->nreaders);
	else
		log_info("api: item queries run on the loop (no reader handles)");
}
