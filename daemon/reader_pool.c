/* reader_pool.c — the reader APIs' read-only store handles and the queue of
 * reads waiting for one, shared by the Miniflux routes (reader_mf.c) and
 * the Google Reader ones (reader_gr.c): one queue in arrival order, served
 * by READER_HANDLES workers.
 *
 * The queue, R->pending, is shared with the workers (R->qlock): a worker
 * that finishes a task takes the next one itself and hands the finished
 * one to the loop through R->done and R->done_async, so under load no
 * task waits for the loop to start it, and no worker sleeps and wakes
 * between two tasks (a thread-pool round trip each cost more than the
 * rest of a small page). A slot's runner (its uv_work_t) runs while there
 * are tasks; the loop starts one per idle slot when tasks wait. When no
 * runner can start and none runs, the waiting tasks go to their fallback
 * (the store thread).
 *
 * Ownership: a task is its API's (embedded in its job); the pool only
 * links it while it waits or is done, and calls work on a worker, then
 * done on the loop. The handles are the pool's (reader_pool_close). */
#include <errno.h>
#include <string.h>

#include "core/log.h"
#include "daemon/feedd.h"
#include "daemon/reader_int.h"

static struct reader_task *pending_pop(struct reader_api *r)
{
	struct reader_task *t = r->pending;
	if (!t)
		return NULL;
	r->pending = t->next;
	if (r->pending)
		r->pending->prev = NULL;
	else
		r->pending_tail = NULL;
	t->prev = t->next = NULL;
	t->queued = false;
	return t;
}

static void on_run(uv_work_t *w)
{
	/* Worker thread: the slot's handle and the tasks it takes. */
	struct reader_slot *slot = w->data;
	struct reader_api *r = slot->r;
	for (;;) {
		uv_mutex_lock(&r->qlock);
		struct reader_task *t = pending_pop(r);
		uv_mutex_unlock(&r->qlock);
		if (!t)
			return;
		t->work(slot->store, t);
		uv_mutex_lock(&r->qlock);
		t->next = NULL;
		if (r->done_tail)
			r->done_tail->next = t;
		else
			r->done = t;
		r->done_tail = t;
		uv_mutex_unlock(&r->qlock);
		uv_async_send(&r->done_async);
	}
}

/* The tasks the workers finished, answered on the loop. */
static void answer_done(struct reader_api *r)
{
	uv_mutex_lock(&r->qlock);
	struct reader_task *t = r->done;
	r->done = r->done_tail = NULL;
	uv_mutex_unlock(&r->qlock);
	while (t) {
		struct reader_task *next = t->next;
		t->next = NULL;
		t->done(t);
		t = next;
	}
}

static void on_done_async(uv_async_t *a)
{
	answer_done(a->data);
}

static void runners_start(struct reader_api *r);

static void on_run_done(uv_work_t *w, int status)
{
	struct reader_slot *slot = w->data;
	struct reader_api *r = slot->r;
	(void)status;
	slot->busy = false;
	r->running--;
	answer_done(r);
	runners_start(r);   /* a task queued as the runner found none */
	reader_release(r);
}

/* A runner on each idle slot while tasks wait (on the loop). */
static void runners_start(struct reader_api *r)
{
	if (r->srv_closed)
		return;
	uv_mutex_lock(&r->qlock);
	size_t waiting = 0;
	for (struct reader_task *t = r->pending; t && waiting < (size_t)r->nslots; t = t->next)
		waiting++;
	uv_mutex_unlock(&r->qlock);
	for (int i = 0; i < r->nslots && waiting > 0; i++) {
		struct reader_slot *slot = &r->slots[i];
		if (slot->busy)
			continue;
		slot->busy = true;
		slot->work.data = slot;
		r->running++;
		if (uv_queue_work(r->d->loop, &slot->work, on_run, on_run_done) < 0) {
			slot->busy = false;
			r->running--;
			break;
		}
		waiting--;
	}
	if (r->running)
		return;
	uv_mutex_lock(&r->qlock);
	struct reader_task *t = r->pending;
	r->pending = r->pending_tail = NULL;
	uv_mutex_unlock(&r->qlock);
	while (t) {
		struct reader_task *next = t->next;
		t->prev = t->next = NULL;
		t->queued = false;
		t->fallback(t);
		t = next;
	}
}

bool reader_pool_submit(struct reader_api *r, struct reader_task *t)
{
	if (!r->nslots)
		return false;
	uv_mutex_lock(&r->qlock);
	t->queued = true;
	t->next = NULL;
	t->prev = r->pending_tail;
	if (r->pending_tail)
		r->pending_tail->next = t;
	else
		r->pending = t;
	r->pending_tail = t;
	uv_mutex_unlock(&r->qlock);
	runners_start(r);
	return true;
}

bool reader_pool_cancel(struct reader_api *r, struct reader_task *t)
{
	uv_mutex_lock(&r->qlock);
	bool queued = t->queued;
	if (queued) {
		/* Not started: no worker will take it now. */
		if (t->prev)
			t->prev->next = t->next;
		else
			r->pending = t->next;
		if (t->next)
			t->next->prev = t->prev;
		else
			r->pending_tail = t->prev;
		t->prev = t->next = NULL;
		t->queued = false;
	}
	uv_mutex_unlock(&r->qlock);
	return queued;
}

void reader_pool_open(struct reader_api *r)
{
	uv_mutex_init(&r->qlock);
	if (uv_async_init(r->d->loop, &r->done_async, on_done_async) == 0) {
		r->done_async.data = r;
		uv_unref((uv_handle_t *)&r->done_async);   /* the runners keep the loop up */
		r->async_open = true;
	}
	for (int i = 0; i < READER_HANDLES && r->d->store && r->async_open; i++) {
		r->slots[i].r = r;
		int rc = store_open_reader(r->d->store, &r->slots[i].store);
		if (rc < 0) {
			if (rc != -ENOTSUP || i > 0)
				log_warn("reader: read-only store handle %d: %s", i, strerror(-rc));
			break;
		}
		r->nslots++;
	}
	if (!r->nslots)
		log_info("reader: every route runs on the store thread (no read-only handles)");
}

void reader_pool_close(struct reader_api *r)
{
	for (int i = 0; i < r->nslots; i++)
		store_close(r->slots[i].store);
	r->nslots = 0;
}
