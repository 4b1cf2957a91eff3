/* storeq.c — the store thread: one connection, one job (or one batch of
 * commits) at a time, results handed back to the loop through an async
 * handle. */
#include "daemon/storeq.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

struct jobs {
	struct storeq_job *head, *tail;
};

struct storeq {
	struct store *s;          /* the thread's connection */
	uv_thread_t thread;
	uv_async_t async;         /* finished jobs to hand back */
	uv_mutex_t lock;
	uv_cond_t has_work;       /* the thread waits on it */
	uv_cond_t progress;       /* storeq_drain waits on it */
	/* Under LOCK: */
	struct jobs todo;         /* not started */
	struct jobs finished;     /* worked, DONE not run yet */
	size_t busy;              /* in todo or being worked */
	bool quit;
	size_t batch_max;         /* jobs in a batch, at most */
	/* Loop side only: */
	size_t pending;           /* submitted, DONE not run yet */
	bool started;
	storeq_done_fn idle_fn;   /* storeq_when_idle's waiter */
	void *idle_arg;
};

static void jobs_push(struct jobs *l, struct storeq_job *j)
{
	j->next = NULL;
	if (l->tail)
		l->tail->next = j;
	else
		l->head = j;
	l->tail = j;
}

/* Under LOCK: the next job off the queue, and when it is batched, the
 * jobs of its batch queued right behind it, within the bounds. */
static size_t take(struct storeq *q, struct storeq_job **out)
{
	size_t n = 0, weight = 0;
	struct storeq_job *j;
	while ((j = q->todo.head) && n < q->batch_max) {
		if (n && (j->batch != out[0]->batch || weight + j->weight > STOREQ_BATCH_WEIGHT))
			break;
		q->todo.head = j->next;
		if (!q->todo.head)
			q->todo.tail = NULL;
		out[n++] = j;
		weight += j->weight;
		if (!j->batch)
			break;
	}
	return n;
}

static void thread_main(void *arg)
{
	struct storeq *q = arg;
	uv_mutex_lock(&q->lock);
	for (;;) {
		while (!q->todo.head && !q->quit)
			uv_cond_wait(&q->has_work, &q->lock);
		struct storeq_job *batch[STOREQ_BATCH_CAP];
		size_t n = take(q, batch);
		if (!n)
			break;   /* quit, and nothing left to do */
		uv_mutex_unlock(&q->lock);
		if (batch[0]->batch)
			batch[0]->batch(q->s, batch, n);
		else
			batch[0]->work(q->s, batch[0]->arg);
		uv_mutex_lock(&q->lock);
		for (size_t i = 0; i < n; i++)
			jobs_push(&q->finished, batch[i]);
		q->busy -= n;
		uv_cond_broadcast(&q->progress);
		uv_async_send(&q->async);
	}
	uv_mutex_unlock(&q->lock);
}

/* Runs the DONE callbacks of the finished jobs, oldest first. */
static void run_finished(struct storeq *q)
{
	uv_mutex_lock(&q->lock);
	struct storeq_job *j = q->finished.head;
	q->finished.head = q->finished.tail = NULL;
	uv_mutex_unlock(&q->lock);
	while (j) {
		struct storeq_job *next = j->next;
		q->pending--;
		if (j->done)
			j->done(j->arg);   /* frees J's owner */
		j = next;
	}
	if (q->pending == 0)
		uv_unref((uv_handle_t *)&q->async);   /* nothing owed: let the loop end */
	if (q->pending == 0 && q->idle_fn) {
		storeq_done_fn fn = q->idle_fn;
		q->idle_fn = NULL;
		fn(q->idle_arg);
	}
}

void storeq_when_idle(struct storeq *q, storeq_done_fn fn, void *arg)
{
	if (q->pending == 0) {
		fn(arg);
		return;
	}
	q->idle_fn = fn;
	q->idle_arg = arg;
}

static void on_uv_async(uv_async_t *h)
{
	run_finished(h->data);
}

int storeq_start(uv_loop_t *loop, struct store *main, struct storeq **out, char **err)
{
	*out = NULL;
	*err = NULL;
	struct storeq *q = calloc(1, sizeof *q);
	if (!q)
		return -ENOMEM;
	int r = store_reopen(main, &q->s, err);
	if (r < 0) {
		free(q);
		return r;
	}
	q->batch_max = STOREQ_BATCH_MAX;
	const char *env = getenv("FEEDD_STORE_BATCH");
	if (env && atoi(env) >= 1)
		q->batch_max = atoi(env) < STOREQ_BATCH_CAP ? (size_t)atoi(env) : STOREQ_BATCH_CAP;
	uv_mutex_init(&q->lock);
	uv_cond_init(&q->has_work);
	uv_cond_init(&q->progress);
	uv_async_init(loop, &q->async, on_uv_async);
	q->async.data = q;
	uv_unref((uv_handle_t *)&q->async);
	if ((r = uv_thread_create(&q->thread, thread_main, q)) < 0) {
		if (asprintf(err, "store thread: %s", uv_strerror(r)) < 0)
			*err = NULL;
		storeq_stop(q);
		return r;
	}
	q->started = true;
	*out = q;
	return 0;
}

static void enqueue(struct storeq *q, struct storeq_job *j)
{
	if (q->pending++ == 0)
		uv_ref((uv_handle_t *)&q->async);   /* the loop waits for the DONE */
	uv_mutex_lock(&q->lock);
	jobs_push(&q->todo, j);
	q->busy++;
	uv_cond_signal(&q->has_work);
	uv_mutex_unlock(&q->lock);
}

void storeq_submit(struct storeq *q, struct storeq_job *j, storeq_work_fn work,
		   storeq_done_fn done, void *arg)
{
	*j = (struct storeq_job){.work = work, .done = done, .arg = arg};
	enqueue(q, j);
}

void storeq_submit_batched(struct storeq *q, struct storeq_job *j, storeq_batch_fn batch,
			   size_t weight, storeq_done_fn done, void *arg)
{
	*j = (struct storeq_job){.batch = batch, .weight = weight, .done = done, .arg = arg};
	enqueue(q, j);
}

size_t storeq_pending(const struct storeq *q)
{
	return q ? q->pending : 0;
}

void storeq_drain(struct storeq *q)
{
	if (!q)
		return;
	/* DONE callbacks may submit more (a commit's completion starts the
	 * next fetch, which may fail at once and commit that): go on until
	 * nothing is left. */
	while (q->pending) {
		uv_mutex_lock(&q->lock);
		while (q->busy && q->started)
			uv_cond_wait(&q->progress, &q->lock);
		uv_mutex_unlock(&q->lock);
		run_finished(q);
		if (!q->started)
			break;
	}
}

static void on_uv_close(uv_handle_t *h)
{
	free(h->data);
}

void storeq_stop(struct storeq *q)
{
	if (!q)
		return;
	storeq_drain(q);
	if (q->started) {
		uv_mutex_lock(&q->lock);
		q->quit = true;
		uv_cond_signal(&q->has_work);
		uv_mutex_unlock(&q->lock);
		uv_thread_join(&q->thread);
	}
	store_close(q->s);
	q->s = NULL;
	uv_cond_destroy(&q->progress);
	uv_cond_destroy(&q->has_work);
	uv_mutex_destroy(&q->lock);
	uv_close((uv_handle_t *)&q->async, on_uv_close);
}
