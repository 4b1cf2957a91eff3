/* storeq.h — the store thread: the loop's store work (a fetched
 * document's commit, a claim, a reload's feed set, a hook's result, the
 * upkeep) runs there, on a connection of its own, so that a slow database
 * delays the completion of that work but never the loop: the socket API,
 * the timers and the fetches go on meanwhile. There is no other way: the
 * loop-side modules never run such work on the loop.
 *
 * Jobs run one at a time (but for a batch of commits, taken together:
 * storeq_submit_batched), in the order they were submitted. WORK runs on
 * the store thread with the thread's connection (store_reopen of the
 * daemon's store); DONE then runs on the loop with the same ARG, which the
 * submitter owns: DONE frees it. WORK must touch nothing the loop may touch
 * meanwhile — give it copies. The queue's link is a struct storeq_job the
 * submitter embeds in its own job, so that submitting takes no memory and
 * cannot fail; it must stay put until DONE runs.
 *
 * Owned by the daemon's life cycle (feedd.c): started after the store is
 * opened and before the scheduler, the API, the hooks and the reader;
 * stopped after the loop has run out, when they are all gone. While jobs
 * are pending the queue keeps the loop alive (its async handle is
 * referenced only then). storeq_drain runs every submitted job to its end
 * (a commit is never dropped; the scheduler drains before it frees its
 * feeds), storeq_stop drains and then ends the thread and closes the
 * connection. */
#ifndef FEEDD_STOREQ_H
#define FEEDD_STOREQ_H

#include <stddef.h>
#include <uv.h>

#include "store/store.h"

struct storeq;

typedef void (*storeq_work_fn)(struct store *s, void *arg);
typedef void (*storeq_done_fn)(void *arg);
struct storeq_job;
/* Works the N jobs JOBS at once (their ARGs: JOBS[i]->arg). */
typedef void (*storeq_batch_fn)(struct store *s, struct storeq_job **jobs, size_t n);

/* A batch's bounds: jobs, and their summed weights (a commit's: its
 * items). The thread takes what is queued when it gets to the first job
 * of the batch, and waits for nothing more. FEEDD_STORE_BATCH=N in the
 * environment sets another bound on jobs, 1 to STOREQ_BATCH_CAP (for the
 * benchmarks: bench/RESULTS.md). */
#define STOREQ_BATCH_MAX 64
#define STOREQ_BATCH_CAP 256
#define STOREQ_BATCH_WEIGHT 4096

/* One job's place in the queue, inside the submitter's own struct. */
struct storeq_job {
	struct storeq_job *next;
	storeq_work_fn work;
	storeq_batch_fn batch;
	size_t weight;
	storeq_done_fn done;
	void *arg;
};

/* Opens the thread's connection to MAIN's store and starts the thread. On
 * error a negative errno and a message in *err (caller frees). */
int storeq_start(uv_loop_t *loop, struct store *main, struct storeq **out, char **err);

/* Queues one job, linked through JOB (embedded in what ARG points to). */
void storeq_submit(struct storeq *q, struct storeq_job *job, storeq_work_fn work,
		   storeq_done_fn done, void *arg);

/* Queues one job that may be worked together with the jobs of the same
 * BATCH queued right behind it (the group commit: sched_commit.c): when
 * the thread gets to it, it takes those too, up to STOREQ_BATCH_MAX jobs
 * or STOREQ_BATCH_WEIGHT, and hands them to BATCH in one call; their DONE
 * callbacks then run in order, none before BATCH has returned. A job of
 * another kind ends the batch: the order of submission stays the order of
 * work. */
void storeq_submit_batched(struct storeq *q, struct storeq_job *job, storeq_batch_fn batch,
			   size_t weight, storeq_done_fn done, void *arg);

/* Jobs submitted whose DONE has not run yet. */
size_t storeq_pending(const struct storeq *q);

/* FN(ARG) runs on the loop once no submitted job is left (their DONE
 * callbacks run): now when none is, else after the DONE that empties the
 * queue. One waiter at a time. */
void storeq_when_idle(struct storeq *q, storeq_done_fn fn, void *arg);

/* Waits (blocking the loop) until every submitted job has run, and runs
 * their DONE callbacks here, in order. */
void storeq_drain(struct storeq *q);

/* Drains, ends the thread, closes its connection; the struct is freed once
 * the loop has run the close callback of its async handle. */
void storeq_stop(struct storeq *q);

#endif
