/* test_storeq.c — the store thread: jobs run in order on their own thread
 * and connection, their completions come back on the loop in order, the
 * loop keeps running while a job is slow, nothing submitted is lost at
 * drain or stop, and the queue holds the loop only while a job is owed.
 * Runs on SQLite, and on PostgreSQL as pg.storeq. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <uv.h>

#include "daemon/storeq.h"
#include "store_fixture.h"

struct env {
	struct tdb t;
	uv_loop_t loop;
	struct storeq *q;
	pthread_t loop_thread;
	int order[256];
	int norder;
	int done_order[256];
	int ndone;
	bool wrong_thread;
	uv_sem_t gate;           /* a slow job waits on it */
	int ticks;
	size_t batches[16];      /* sizes of the batches worked, in order */
	int nbatches;
};

struct job {
	struct storeq_job sq;
	struct env *e;
	int n;
	bool slow;
	bool resubmit;
	bool batched, worked;
	int err;
	size_t nnew;
};

static void job_work(struct store *s, void *arg)
{
	struct job *j = arg;
	struct env *e = j->e;
	if (pthread_equal(pthread_self(), e->loop_thread))
		e->wrong_thread = true;
	if (j->slow)
		uv_sem_wait(&e->gate);
	e->order[e->norder++] = j->n;
	/* A real commit on the thread's connection. */
	char feed[32], guid[32];
	snprintf(feed, sizeof feed, "f%d", j->n % 3);
	snprintf(guid, sizeof guid, "g%d", j->n);
	struct doc *d = doc_new();
	doc_add(d, guid, NULL, "title");
	struct store_news news;
	j->err = commit_doc(s, feed, d, &news);
	j->nnew = j->err == 0 ? news.nnew : 0;
	if (j->err == 0)
		store_news_clear(&news);
	doc_free(d);
}

static void job_done(void *arg);

static void submit(struct storeq *q, struct job *j)
{
	storeq_submit(q, &j->sq, job_work, job_done, j);
}

static struct job *job_new(struct env *e, int n)
{
	struct job *j = calloc(1, sizeof *j);
	j->e = e;
	j->n = n;
	return j;
}

static void job_done(void *arg)
{
	struct job *j = arg;
	struct env *e = j->e;
	/* A batch's completions come after the whole batch was worked. */
	if (j->batched)
		assert_true(j->worked);
	if (!pthread_equal(pthread_self(), e->loop_thread))
		e->wrong_thread = true;
	assert_int_equal(j->err, 0);
	assert_int_equal(j->nnew, 1);
	e->done_order[e->ndone++] = j->n;
	if (j->resubmit)
		submit(e->q, job_new(e, 100 + j->n));
	free(j);
}

static void env_start(struct env *e)
{
	memset(e, 0, sizeof *e);
	tdb_open(&e->t);
	assert_int_equal(uv_loop_init(&e->loop), 0);
	e->loop_thread = pthread_self();
	assert_int_equal(uv_sem_init(&e->gate, 0), 0);
	char *err = NULL;
	assert_int_equal(storeq_start(&e->loop, e->t.s, &e->q, &err), 0);
	assert_null(err);
}

static void env_stop(struct env *e)
{
	storeq_stop(e->q);
	uv_run(&e->loop, UV_RUN_DEFAULT);
	assert_int_equal(uv_loop_close(&e->loop), 0);
	uv_sem_destroy(&e->gate);
	tdb_close(&e->t);
}

static size_t items_stored(struct store *s)
{
	json_t *items = all_items(s, NULL);
	size_t n = json_array_size(items);
	json_decref(items);
	return n;
}

static void test_order_and_threads(void **state)
{
	struct env e;
	env_start(&e);
	for (int i = 0; i < 20; i++)
		submit(e.q, job_new(&e, i));
	assert_int_equal(storeq_pending(e.q), 20);
	while (e.ndone < 20)
		uv_run(&e.loop, UV_RUN_ONCE);
	assert_false(e.wrong_thread);
	for (int i = 0; i < 20; i++) {
		assert_int_equal(e.order[i], i);
		assert_int_equal(e.done_order[i], i);
	}
	assert_int_equal(storeq_pending(e.q), 0);
	/* Written through the thread's connection, read through the first. */
	assert_int_equal(items_stored(e.t.s), 20);
	env_stop(&e);
}

static void on_tick(uv_timer_t *t)
{
	struct env *e = t->data;
	/* The loop runs while the job waits: let it go after a few ticks. */
	if (++e->ticks == 3)
		uv_sem_post(&e->gate);
}

static void test_loop_runs_during_a_slow_job(void **state)
{
	struct env e;
	env_start(&e);
	uv_timer_t tick;
	uv_timer_init(&e.loop, &tick);
	tick.data = &e;
	uv_timer_start(&tick, on_tick, 5, 5);
	struct job *j = job_new(&e, 1);
	j->slow = true;
	submit(e.q, j);
	while (e.ndone < 1)
		uv_run(&e.loop, UV_RUN_ONCE);
	/* Had the job run on the loop, the timer could never have released it. */
	assert_true(e.ticks >= 3);
	assert_int_equal(e.done_order[0], 1);
	uv_close((uv_handle_t *)&tick, NULL);
	env_stop(&e);
}

static void test_drain_and_stop_lose_nothing(void **state)
{
	struct env e;
	env_start(&e);
	for (int i = 0; i < 10; i++) {
		struct job *j = job_new(&e, i);
		j->resubmit = i % 2 == 0;   /* completions that submit more */
		submit(e.q, j);
	}
	/* No loop iteration: drain waits for the thread and runs every
	 * completion, and the ones they submitted, here. */
	storeq_drain(e.q);
	assert_int_equal(e.ndone, 15);
	assert_int_equal(storeq_pending(e.q), 0);
	assert_int_equal(items_stored(e.t.s), 15);
	/* Stop drains too. */
	for (int i = 20; i < 25; i++)
		submit(e.q, job_new(&e, i));
	storeq_stop(e.q);
	e.q = NULL;
	assert_int_equal(e.ndone, 20);
	assert_int_equal(items_stored(e.t.s), 20);
	assert_false(e.wrong_thread);
	env_stop(&e);
}

/* The daemon stops the store thread once its loop has run out: the queue
 * keeps the loop alive exactly while a DONE is owed, and not otherwise. */
static void test_loop_lives_while_jobs_are_owed(void **state)
{
	struct env e;
	env_start(&e);
	/* Nothing owed: the loop ends at once (the thread does not hold it). */
	assert_int_equal(uv_run(&e.loop, UV_RUN_DEFAULT), 0);
	for (int i = 0; i < 4; i++) {
		struct job *j = job_new(&e, i);
		j->resubmit = i == 3;   /* a completion that submits more */
		submit(e.q, j);
	}
	/* Owed: the loop runs until every DONE, the late one's too, has run. */
	assert_int_equal(uv_run(&e.loop, UV_RUN_DEFAULT), 0);
	assert_int_equal(e.ndone, 5);
	assert_int_equal(storeq_pending(e.q), 0);
	env_stop(&e);
}

static void batch_work(struct store *s, struct storeq_job **jobs, size_t n)
{
	struct job *first = jobs[0]->arg;
	first->e->batches[first->e->nbatches++] = n;
	for (size_t i = 0; i < n; i++)
		job_work(s, jobs[i]->arg);
	for (size_t i = 0; i < n; i++)
		((struct job *)jobs[i]->arg)->worked = true;
}

static void submit_batched(struct env *e, int n, size_t weight)
{
	struct job *j = job_new(e, n);
	j->batched = true;
	storeq_submit_batched(e->q, &j->sq, batch_work, weight, job_done, j);
}

/* Batched jobs queued one behind the other are worked together, within
 * the bounds (jobs, weight); another kind of job ends a batch; the order
 * of work and of completions stays the order of submission. */
static void test_batches(void **state)
{
	struct env e;
	env_start(&e);
	struct job *slow = job_new(&e, 0);
	slow->slow = true;
	submit(e.q, slow);   /* the thread waits: everything below queues */
	int n = 1;
	for (int i = 0; i < 30; i++)
		submit_batched(&e, n++, 1);
	submit(e.q, job_new(&e, n++));
	for (int i = 0; i < 100; i++)
		submit_batched(&e, n++, 1);
	submit(e.q, job_new(&e, n++));
	for (int i = 0; i < 10; i++)
		submit_batched(&e, n++, 1000);
	uv_sem_post(&e.gate);
	while (e.ndone < n)
		uv_run(&e.loop, UV_RUN_ONCE);
	const size_t want[] = {30, STOREQ_BATCH_MAX, 100 - STOREQ_BATCH_MAX, 4, 4, 2};
	assert_int_equal(e.nbatches, 6);
	for (int i = 0; i < 6; i++)
		assert_int_equal(e.batches[i], want[i]);
	for (int i = 0; i < n; i++) {
		assert_int_equal(e.order[i], i);
		assert_int_equal(e.done_order[i], i);
	}
	assert_false(e.wrong_thread);
	env_stop(&e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_order_and_threads),
		cmocka_unit_test(test_loop_runs_during_a_slow_job),
		cmocka_unit_test(test_drain_and_stop_lose_nothing),
		cmocka_unit_test(test_loop_lives_while_jobs_are_owed),
		cmocka_unit_test(test_batches),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
