/* sqlite_ckpt.c — WAL checkpoints off the committing thread: a checkpointer
 * thread with its own connection, woken by the writers' WAL hook, and the
 * bound that keeps the WAL from growing without end.
 *
 * SQLite's auto-checkpoint runs inside the commit that crosses its
 * threshold: the page copies and both fsyncs (the WAL's, then the
 * database's) stalled a document's commit every ~50 documents: 5.9-6.4 s
 * of the bench's 15-25 s of inserts. Here the writer's hook only counts frames: every
 * STEP of new WAL it wakes the thread, which runs a PASSIVE checkpoint on
 * its own connection while the writer goes on. A PASSIVE checkpoint never
 * resets the WAL while a writer keeps appending (a reset needs a moment
 * when every frame is copied and a write transaction begins), so past
 * LIMIT the writer copies what is left itself, after its commit, once the
 * thread is idle: a pass of the frames written since the thread's last
 * one, after which its next transaction starts the WAL afresh. Readers
 * holding old snapshots can still pin the WAL past LIMIT (a PASSIVE
 * checkpoint copies only what no reader needs); it is retried every STEP
 * of growth, and shrinks once they move on.
 *
 * One checkpointer serves every writable connection of a store (store_open
 * and store_reopen share it); the last of them to close stops the thread
 * and closes its connection before closing its own, so that the close
 * still checkpoints and removes the WAL. The thread starts on the first
 * wake-up, so a store that writes little never has one. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "store/sqlite/sqlite_int.h"

/* 128 MiB of WAL at most while readers let it reset; the thread's passes
 * every 8 MiB. Each time the WAL reaches the bound, the committing thread
 * pays for a pass and its two fsyncs (the write-back of the dirty pages is
 * done by the fsync's caller: CPU, not only waiting): at 64 MiB the bench
 * made 29 such fsyncs per 2,000 documents, at 256 MiB 7. Passes every
 * 4 MiB copied 18% more pages than every 16 MiB (a page rewritten by
 * every document is copied once per pass) with three times the fsyncs.
 * FEEDD_STORE_WAL_LIMIT=BYTES sets another bound (the tests use a small
 * one), the step being a sixteenth of it. */
#define WAL_LIMIT_DEFAULT (128 << 20)

struct sqlite_ckpt {
	pthread_mutex_t mu;        /* guards everything below but db */
	pthread_cond_t cv;
	pthread_mutex_t run;       /* held while either side checkpoints */
	int refs;
	bool started, stop, want, failed;
	int step, limit;           /* in frames */
	int seen;                  /* the WAL's frames at the last commit */
	int copied;                /* frames the last complete-or-not pass copied */
	int tried;                 /* frames when the writer last tried itself */
	char *path;
	sqlite3 *db;               /* the thread's connection, opened by it */
	pthread_t thread;
};

int sqlite_ckpt_limit_bytes(void)
{
	const char *e = getenv("FEEDD_STORE_WAL_LIMIT");
	long v = e && *e ? strtol(e, NULL, 10) : 0;
	return v >= 65536 && v <= (1L << 30) ? (int)v : WAL_LIMIT_DEFAULT;
}

struct sqlite_ckpt *sqlite_ckpt_new(const char *path, int page_size)
{
	struct sqlite_ckpt *c = calloc(1, sizeof *c);
	if (!c || !(c->path = strdup(path))) {
		free(c);
		return NULL;
	}
	int page = page_size > 0 ? page_size : 4096;
	c->limit = sqlite_ckpt_limit_bytes() / page;
	c->step = c->limit / 16 > 0 ? c->limit / 16 : 1;
	c->refs = 1;
	pthread_mutex_init(&c->mu, NULL);
	pthread_mutex_init(&c->run, NULL);
	pthread_cond_init(&c->cv, NULL);
	return c;
}

struct sqlite_ckpt *sqlite_ckpt_ref(struct sqlite_ckpt *c)
{
	if (c) {
		pthread_mutex_lock(&c->mu);
		c->refs++;
		pthread_mutex_unlock(&c->mu);
	}
	return c;
}

/* A PASSIVE checkpoint on DB, serialised with the other side's; the
 * frames it left in the WAL and those it copied. */
static int ckpt_pass(struct sqlite_ckpt *c, sqlite3 *db, int *log, int *done)
{
	*log = *done = 0;
	pthread_mutex_lock(&c->run);
	int rc = sqlite3_wal_checkpoint_v2(db, NULL, SQLITE_CHECKPOINT_PASSIVE, log, done);
	pthread_mutex_unlock(&c->run);
	return rc;
}

static int ckpt_open(struct sqlite_ckpt *c)
{
	int rc = sqlite3_open_v2(c->path, &c->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX,
				 NULL);
	if (rc == SQLITE_OK)
		/* Checkpoints sync as the writers' NORMAL does: the WAL before
		 * its frames are copied, the database before the WAL may be
		 * reused. No auto-checkpoint: this connection never commits.
		 * Asking for WAL (which the file is in) opens it. */
		rc = sqlite3_exec(c->db, "PRAGMA synchronous=NORMAL; PRAGMA wal_autocheckpoint=0;"
				  " PRAGMA cache_size=-512; PRAGMA journal_mode=WAL", NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		log_err("store %s: checkpointer: cannot open a connection: %s; the writers"
			" checkpoint themselves", c->path,
			c->db ? sqlite3_errmsg(c->db) : sqlite3_errstr(rc));
		sqlite3_close(c->db);
		c->db = NULL;
		return -EIO;
	}
	return 0;
}

static void *ckpt_main(void *arg)
{
	struct sqlite_ckpt *c = arg;
	pthread_mutex_lock(&c->mu);
	for (;;) {
		while (!c->stop && !c->want)
			pthread_cond_wait(&c->cv, &c->mu);
		if (c->stop)
			break;
		c->want = false;
		pthread_mutex_unlock(&c->mu);
		int log = 0, done = 0, rc = SQLITE_OK;
		if (!c->db && ckpt_open(c) < 0) {
			pthread_mutex_lock(&c->mu);
			c->failed = true;
			break;
		}
		rc = ckpt_pass(c, c->db, &log, &done);
		if (rc != SQLITE_OK && rc != SQLITE_BUSY)
			log_err("store %s: checkpoint: %s", c->path, sqlite3_errmsg(c->db));
		pthread_mutex_lock(&c->mu);
		if (rc == SQLITE_OK && done > c->copied)
			c->copied = done;
	}
	pthread_mutex_unlock(&c->mu);
	return NULL;
}

/* After every commit of a writer connection (sqlite3_wal_hook): NFRAMES
 * is the WAL's length. Returns SQLITE_OK whatever happens: the commit is
 * done, and a checkpoint that fails is tried again later. */
static int ckpt_hook(void *arg, sqlite3 *db, const char *name, int nframes)
{
	(void)name;
	struct sqlite_ckpt *c = arg;
	bool self = false;
	pthread_mutex_lock(&c->mu);
	if (nframes < c->seen)
		c->copied = c->tried = 0;   /* the WAL was started afresh */
	c->seen = nframes;
	if (nframes >= c->limit || c->failed) {
		/* Past the bound: copy the rest here, unless the thread is in
		 * a pass (then at a later commit: it starts no new one while
		 * the WAL is over the bound), or a try since the last step of
		 * growth found readers in the way. */
		self = nframes - c->tried >= c->step;
	} else if (nframes - c->copied >= c->step && !c->want) {
		if (!c->started) {
			c->started = pthread_create(&c->thread, NULL, ckpt_main, c) == 0;
			if (!c->started) {
				log_err("store %s: cannot start the checkpointer: the writers"
					" checkpoint themselves", c->path);
				c->failed = true;
			}
		}
		c->want = c->started;
		pthread_cond_signal(&c->cv);
	}
	/* A quarter past the bound, wait for the thread's pass to end: a slow
	 * pass (an fsync on a busy disk) must not let the WAL run on. */
	bool wait = nframes >= c->limit + c->limit / 4;
	pthread_mutex_unlock(&c->mu);
	if (!self || (wait ? pthread_mutex_lock(&c->run) : pthread_mutex_trylock(&c->run)) != 0)
		return SQLITE_OK;
	int log = 0, done = 0;
	int rc = sqlite3_wal_checkpoint_v2(db, NULL, SQLITE_CHECKPOINT_PASSIVE, &log, &done);
	pthread_mutex_unlock(&c->run);
	pthread_mutex_lock(&c->mu);
	c->tried = nframes;
	if (rc == SQLITE_OK && done > c->copied)
		c->copied = done;
	pthread_mutex_unlock(&c->mu);
	if (rc == SQLITE_OK && done < log)
		log_debug("store %s: WAL past its bound (%d frames), %d held by readers",
			  c->path, log, log - done);
	return SQLITE_OK;
}

void sqlite_ckpt_attach(struct sqlite_ckpt *c, sqlite3 *db)
{
	/* Replaces SQLite's auto-checkpoint (the same hook slot). */
	sqlite3_wal_hook(db, ckpt_hook, c);
}

int sqlite_ckpt_now(struct sqlite_ckpt *c, sqlite3 *db, int *log, int *done)
{
	int rc = c ? ckpt_pass(c, db, log, done)
		   : sqlite3_wal_checkpoint_v2(db, NULL, SQLITE_CHECKPOINT_PASSIVE, log, done);
	if (c && rc == SQLITE_OK) {
		pthread_mutex_lock(&c->mu);
		if (*done > c->copied)
			c->copied = *done;
		pthread_mutex_unlock(&c->mu);
	}
	return rc;
}

int sqlite_ckpt_truncate(struct sqlite_ckpt *c, sqlite3 *db)
{
	pthread_mutex_lock(&c->run);
	int rc = sqlite3_wal_checkpoint_v2(db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
	pthread_mutex_unlock(&c->run);
	if (rc == SQLITE_OK) {
		pthread_mutex_lock(&c->mu);
		c->seen = c->copied = c->tried = 0;
		pthread_mutex_unlock(&c->mu);
	}
	return rc;
}

void sqlite_ckpt_release(struct sqlite_ckpt *c)
{
	if (!c)
		return;
	pthread_mutex_lock(&c->mu);
	bool last = --c->refs == 0;
	if (last) {
		c->stop = true;
		pthread_cond_signal(&c->cv);
	}
	pthread_mutex_unlock(&c->mu);
	if (!last)
		return;
	if (c->started)
		pthread_join(c->thread, NULL);
	if (c->db && sqlite3_close(c->db) != SQLITE_OK)
		log_err("store %s: checkpointer: close: %s", c->path, sqlite3_errmsg(c->db));
	pthread_cond_destroy(&c->cv);
	pthread_mutex_destroy(&c->run);
	pthread_mutex_destroy(&c->mu);
	free(c->path);
	free(c);
}
