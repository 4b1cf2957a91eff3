/* hooks.c — runs feeds' exec hooks for new items, with libuv's process API. */
#include "daemon/hooks.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "core/cmdline.h"
#include "core/hookenv.h"
#include "core/log.h"
#include "daemon/storeq.h"

#define HOOKS_TICK_MS   5000
#define HOOKS_KILL_MS   5000
/* After the hook exits: how long what it already wrote to stderr is still
 * read. A child it left behind may hold the pipe open for ever; the
 * delivery, its slot and a shutdown do not wait for that. */
#define HOOKS_DRAIN_MS  100
/* What of a hook's stderr is logged, per delivery: the first lines, each
 * cut, then one line counting the bytes left out (read and dropped). A
 * hook writing megabytes must not flood the log. */
#define HOOKS_LOG_LINES 10
#define HOOKS_MAX_LINE  512        /* bytes of one line logged */

extern char **environ;

struct job;

struct hooks {
	struct feedd *d;
	uv_timer_t tick;
	/* The earliest retry this process recorded: a feed's later
	 * deliveries wait for it, so it runs on time, not at the next tick. */
	uv_timer_t retry;
	uint64_t retry_at;         /* loop ms it fires at, 0 when stopped */
	struct job *running;       /* list of jobs in flight */
	int nrunning;
	int handles;               /* open handles, the tick included */
	bool closing;
	/* The store work runs on the store thread (when there is one), in
	 * order: a delivery's outcome is written before the next look for
	 * due deliveries, which therefore never hands a delivered item out
	 * again. */
	int inflight;              /* store jobs whose DONE has not run */
	bool due_inflight;         /* a look for due deliveries is on its way */
	bool due_again;            /* ... and another was asked for meanwhile */
	int64_t *recording;        /* items whose outcome is on its way */
	size_t nrecording, caprecording;
	/* Outcomes the store could not take (an outage): kept, still
	 * "recording", and written again at each tick until it takes them —
	 * a hook that ran is not run again because its result was lost. */
	struct result_job *waiting;
};

/* One hook process. Freed when its process, pipes and timer have closed. */
struct job {
	struct hooks *h;
	struct job *next;
	int64_t item_id;
	int attempts;
	char *feed;
	char *input;               /* the item JSON, written to stdin */
	uv_process_t proc;
	uv_pipe_t in, err;
	uv_write_t wr;
	uv_timer_t timer;
	int open;                  /* handles still open */
	bool exited, timed_out, killed;
	bool err_eof;              /* stderr closed by every writer */
	int64_t status;
	int term_signal;
	char line[HOOKS_MAX_LINE]; /* stderr, assembled into lines */
	size_t linelen;
	int nlogged;               /* lines of stderr logged */
	uint64_t dropped;          /* bytes of stderr not logged */
	bool io_closed;
	char **envp;
	char spawn_error[192];     /* why uv_spawn failed, "" when it did not */
	bool never;                /* ... and retrying cannot help: parked at once */
};

static void schedule(struct hooks *h);
static void release(struct hooks *h, const int64_t *ids, size_t n);
static void retry_at(struct hooks *h, int64_t seconds);

static void job_free(struct job *j)
{
	hookenv_free(j->envp);
	free(j->feed);
	free(j->input);
	free(j);
}

static void job_unlink(struct job *j)
{
	struct hooks *h = j->h;
	for (struct job **p = &h->running; *p; p = &(*p)->next) {
		if (*p == j) {
			*p = j->next;
			break;
		}
	}
	h->nrunning--;
}

static void waiting_free(struct hooks *h);

static void hooks_maybe_free(struct hooks *h)
{
	if (h->closing && h->handles == 0 && !h->running && h->inflight == 0) {
		waiting_free(h);
		free(h->recording);
		free(h);
	}
}

static bool is_recording(const struct hooks *h, int64_t item_id)
{
	for (size_t i = 0; i < h->nrecording; i++)
		if (h->recording[i] == item_id)
			return true;
	return false;
}

/* A delivery's outcome, for the store thread. */
struct result_job {
	struct storeq_job sq;
	struct result_job *next;   /* in hooks' waiting list */
	struct hooks *h;
	int64_t item_id;
	bool ok, wake;
	int64_t next_try;
	char *error;
	int err;                   /* the store's answer */
	int64_t waiting_since;     /* the store could not take it: since then */
};

static void result_free(struct result_job *r)
{
	free(r->error);
	free(r);
}

/* At exit: a result still waiting is lost; its delivery runs again once
 * its claim ends (at-least-once). */
static void waiting_free(struct hooks *h)
{
	while (h->waiting) {
		struct result_job *r = h->waiting;
		h->waiting = r->next;
		log_warn("hook: item %lld: its result could not be written before the exit; "
			 "the hook will run again", (long long)r->item_id);
		result_free(r);
	}
}

static void result_work(struct store *s, void *arg)
{
	struct result_job *r = arg;
	r->err = store_hook_result(s, r->item_id, r->ok, r->next_try, r->error);
}

static void result_done(void *arg)
{
	struct result_job *r = arg;
	struct hooks *h = r->h;
	if (r->err < 0 && r->err != -ENOENT) {
		/* Not written (the store is away): kept, and written again at
		 * the next tick (at exit: lost, waiting_free says so). The item
		 * stays "recording": not run again. */
		if (!r->waiting_since) {
			r->waiting_since = (int64_t)time(NULL);
			log_warn("hook: item %lld: its result waits for the store (%s); "
				 "written once the store is back", (long long)r->item_id,
				 strerror(-r->err));
		}
		r->next = h->waiting;
		h->waiting = r;
		h->inflight--;
		if (h->closing)
			hooks_maybe_free(h);
		return;
	}
	if (r->waiting_since && r->err == 0)
		log_notice("hook: item %lld: its result is written, %llds late", (long long)r->item_id,
			   (long long)((int64_t)time(NULL) - r->waiting_since));
	for (size_t i = 0; i < h->nrecording; i++) {
		if (h->recording[i] == r->item_id) {
			h->recording[i] = h->recording[--h->nrecording];
			break;
		}
	}
	h->inflight--;
	if (r->wake && !h->d->stopping)
		feedd_wake(h->d);    /* hook.failed is an event clients wait for */
	result_free(r);
	if (h->closing)
		hooks_maybe_free(h);
	else
		schedule(h);    /* a look that skipped the item may have come back */
}

/* Records a delivery's outcome on the store thread (the item counts as
 * in progress until it is written). WAKE: an event was recorded
 * (hook.failed). Without memory for that, the outcome is lost: the
 * delivery runs again once its claim ends (at-least-once). */
static void result_record(struct hooks *h, int64_t item_id, bool ok, int64_t next_try,
			  const char *error, bool wake)
{
	struct result_job *r = calloc(1, sizeof *r);
	if (r && h->nrecording == h->caprecording) {
		size_t cap = h->caprecording ? 2 * h->caprecording : 8;
		int64_t *n = realloc(h->recording, cap * sizeof *n);
		if (n) {
			h->recording = n;
			h->caprecording = cap;
		}
	}
	if (r && h->nrecording < h->caprecording && (!error || (r->error = strdup(error)))) {
		r->h = h;
		r->item_id = item_id;
		r->ok = ok;
		r->wake = wake;
		r->next_try = next_try;
		storeq_submit(h->d->storeq, &r->sq, result_work, result_done, r);
		h->recording[h->nrecording++] = item_id;
		h->inflight++;
		return;
	}
	if (r)
		free(r->error);
	free(r);
	log_err("hook: item %lld: its result is lost (%s); the hook will run again",
		(long long)item_id, strerror(ENOMEM));
}

static void on_job_handle_close(uv_handle_t *handle)
{
	struct job *j = handle->data;
	if (--j->open > 0)
		return;
	struct hooks *h = j->h;
	job_unlink(j);
	job_free(j);
	if (h->closing)
		hooks_maybe_free(h);
	else
		schedule(h);
}

static void close_job_handle(struct job *j, uv_handle_t *handle)
{
	if (!uv_is_closing(handle))
		uv_close(handle, on_job_handle_close);
}

static void flush_line(struct job *j)
{
	if (!j->linelen)
		return;
	/* Made safe here, not by log_msg: "%.*s" would stop at a NUL. */
	char clean[4 * HOOKS_MAX_LINE + 1];
	log_sanitize(j->line, j->linelen, clean, sizeof clean);
	log_warn("hook %s: %s", j->feed, clean);
	j->linelen = 0;
	j->nlogged++;
}

static void on_err_alloc(uv_handle_t *handle, size_t suggested, uv_buf_t *buf)
{
	(void)handle;
	(void)suggested;
	static char scratch[4096];   /* the loop is single-threaded */
	*buf = uv_buf_init(scratch, sizeof scratch);
}

/* The hook has exited and its stderr is read (or its time is up): the
 * pipes and the timer close, and with them the job and its slot. */
static void job_close_io(struct job *j)
{
	if (j->io_closed)
		return;
	j->io_closed = true;
	flush_line(j);
	if (j->dropped)
		log_warn("hook %s: item %lld: %llu more bytes of stderr not logged", j->feed,
			 (long long)j->item_id, (unsigned long long)j->dropped);
	close_job_handle(j, (uv_handle_t *)&j->in);
	close_job_handle(j, (uv_handle_t *)&j->err);
	close_job_handle(j, (uv_handle_t *)&j->timer);
}

static void on_drain_timer(uv_timer_t *t)
{
	job_close_io(t->data);
}

static void on_err_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
	struct job *j = s->data;
	if (n < 0) {
		flush_line(j);
		j->err_eof = true;
		close_job_handle(j, (uv_handle_t *)&j->err);
		if (j->exited)
			job_close_io(j);
		return;
	}
	for (ssize_t i = 0; i < n; i++) {
		if (j->nlogged >= HOOKS_LOG_LINES) {
			j->dropped += (uint64_t)(n - i);
			break;
		}
		char c = buf->base[i];
		if (c == '\n')
			flush_line(j);
		else if (j->linelen == sizeof j->line)
			j->dropped++;      /* the rest of a long line */
		else
			j->line[j->linelen++] = c;
	}
}

static void on_stdin_written(uv_write_t *w, int status)
{
	struct job *j = w->data;
	if (status < 0 && status != UV_EPIPE && status != UV_ECANCELED)
		log_debug("hook %s: item %lld: stdin: %s", j->feed, (long long)j->item_id,
			  uv_strerror(status));
	close_job_handle(j, (uv_handle_t *)&j->in);
}

static int64_t backoff(int64_t base, int attempts)
{
	int64_t s = base;
	for (int i = 1; i < attempts && s < HOOKS_RETRY_MAX; i++)
		s *= 2;
	return s < HOOKS_RETRY_MAX ? s : HOOKS_RETRY_MAX;
}

static void record(struct job *j)
{
	struct hooks *h = j->h;
	bool ok = j->exited && j->status == 0 && j->term_signal == 0 && !j->timed_out;
	char why[192];
	if (ok) {
		log_debug("hook %s: item %lld delivered", j->feed, (long long)j->item_id);
		result_record(h, j->item_id, true, 0, NULL, false);
		return;
	}
	if (j->spawn_error[0])
		snprintf(why, sizeof why, "%s", j->spawn_error);
	else if (j->timed_out)
		snprintf(why, sizeof why, "timed out, killed");
	else if (j->term_signal)
		snprintf(why, sizeof why, "killed by signal %d", j->term_signal);
	else
		snprintf(why, sizeof why, "exited with status %lld", (long long)j->status);
	int attempt = j->attempts + 1;
	if (j->never) {
		log_err("hook %s: item %lld: %s; parked (fix it, then feedctl hooks retry %s)",
			j->feed, (long long)j->item_id, why, j->feed);
		result_record(h, j->item_id, false, 0, why, true);
		return;
	}
	if (attempt >= HOOKS_MAX_ATTEMPTS) {
		log_err("hook %s: item %lld: %s; given up after %d attempts", j->feed,
			(long long)j->item_id, why, attempt);
		result_record(h, j->item_id, false, 0, why, true);
		return;
	}
	int64_t wait = backoff(h->d->conf->daemon.exec_retry, attempt);
	log_warn("hook %s: item %lld: %s; retry %d in %llds", j->feed, (long long)j->item_id,
		 why, attempt, (long long)wait);
	result_record(h, j->item_id, false, (int64_t)time(NULL) + wait, why, false);
	retry_at(h, wait);
}

static void on_exit_cb(uv_process_t *p, int64_t status, int term_signal)
{
	struct job *j = p->data;
	/* A hook we stopped (its time up, or our shutdown): what it started
	 * goes too, now, though a child ignoring SIGTERM would outlive it and
	 * the SIGKILL of the group would never come. Its group's id cannot
	 * be reused while members are left (nor a reaped pid while its
	 * group has any). */
	if (j->timed_out && kill(-p->pid, SIGKILL) < 0 && errno != ESRCH)
		log_debug("hook %s: item %lld: kill of its group: %s", j->feed,
			  (long long)j->item_id, strerror(errno));
	j->exited = true;
	j->status = status;
	j->term_signal = term_signal;
	uv_timer_stop(&j->timer);
	/* Stopped by our own shutdown: the delivery stays pending as it was,
	 * and is given back (another instance of a shared store runs it at
	 * once; else it runs after the next start). */
	if (!j->h->closing)
		record(j);
	else
		release(j->h, &j->item_id, 1);
	close_job_handle(j, (uv_handle_t *)&j->proc);
	/* Its exit decides: what it wrote before is read for HOOKS_DRAIN_MS
	 * at most, not until the pipe's last writer (a child it left behind)
	 * goes. */
	if (j->err_eof)
		job_close_io(j);
	else
		uv_timer_start(&j->timer, on_drain_timer, HOOKS_DRAIN_MS, 0);
}

/* Signals the hook's process group (it leads one, UV_PROCESS_DETACHED):
 * the hook and what it started, which might otherwise outlive it and
 * hold its pipes. Only while the hook has not been reaped, so that its
 * pid is still its own. */
static void job_kill(struct job *j, int sig)
{
	if (j->exited)
		return;
	if (kill(-j->proc.pid, sig) < 0)
		uv_process_kill(&j->proc, sig);
}

static void on_job_timer(uv_timer_t *t)
{
	struct job *j = t->data;
	if (!j->timed_out) {
		j->timed_out = true;
		log_warn("hook %s: item %lld: still running after %llds: SIGTERM", j->feed,
			 (long long)j->item_id, (long long)j->h->d->conf->daemon.exec_timeout);
		job_kill(j, SIGTERM);
		uv_timer_start(&j->timer, on_job_timer, HOOKS_KILL_MS, 0);
	} else if (!j->killed) {
		j->killed = true;
		job_kill(j, SIGKILL);
	}
}

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

/* Marks every descriptor from 3 up close-on-exec, so that a hook gets its
 * stdin, stdout and stderr and nothing of the daemon's: uv_spawn closes
 * nothing, and not every library opens with O_CLOEXEC (libcurl's
 * socketpair does not). The daemon never execs itself or passes a
 * descriptor on, so the flag costs it nothing. Another thread could open
 * one without the flag between this and the fork; the other threads'
 * descriptors (SQLite's, libpq's, libuv's) are opened with the flag. */
static void cloexec_from_3(void)
{
#ifdef SYS_close_range
	/* Linux 5.11 and later: one call. */
	if (syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC) == 0)
		return;
#endif
	DIR *dir = opendir("/proc/self/fd");
	if (dir) {
		int self = dirfd(dir);
		struct dirent *e;
		while ((e = readdir(dir))) {
			char *end;
			long fd = strtol(e->d_name, &end, 10);
			if (*end || end == e->d_name || fd < 3 || fd == self)
				continue;
			int fl = fcntl((int)fd, F_GETFD);
			if (fl >= 0 && !(fl & FD_CLOEXEC))
				fcntl((int)fd, F_SETFD, fl | FD_CLOEXEC);
		}
		closedir(dir);
		return;
	}
	/* No /proc: every number the limit allows. */
	struct rlimit rl;
	int max = getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
			  rl.rlim_cur < 1048576 ? (int)rl.rlim_cur : 1048576;
	for (int fd = 3; fd < max; fd++) {
		int fl = fcntl(fd, F_GETFD);
		if (fl >= 0 && !(fl & FD_CLOEXEC))
			fcntl(fd, F_SETFD, fl | FD_CLOEXEC);
	}
}

static bool is_running(const struct hooks *h, int64_t item_id)
{
	for (const struct job *j = h->running; j; j = j->next)
		if (j->item_id == item_id)
			return true;
	return false;
}

/* Does this process run a delivery of FEED? (One that has exited but
 * whose stderr is still being read counts: it is about to end.) */
static bool feed_busy(const struct hooks *h, const char *feed)
{
	for (const struct job *j = h->running; j; j = j->next)
		if (j->feed && strcmp(j->feed, feed) == 0)
			return true;
	return false;
}

static void give_up_now(struct hooks *h, const struct hook_job *hj, const char *why)
{
	log_err("hook %s: item %lld: %s", hj->feed, (long long)hj->item_id, why);
	result_record(h, hj->item_id, false, 0, why, true);
}

static void start_job(struct hooks *h, const struct hook_job *hj)
{
	const struct feed_conf *fc = config_find_feed(h->d->conf, hj->feed);
	if (!fc || !fc->exec) {
		/* The hook was removed from the config since the item arrived. */
		give_up_now(h, hj, "the feed no longer has an exec hook");
		return;
	}
	/* The daemon's environment plus the item's FEEDD_* variables. */
	char **envp = hookenv_build(environ, hj->feed, hj->item_id,
				    json_string_value(json_object_get(hj->item, "title")),
				    json_string_value(json_object_get(hj->item, "url")));
	if (!envp)
		return;      /* out of memory: the delivery stays due for the next look */
	/* Split like a shell, never run one; $FEEDD_X take the item's values
	 * from ENVP. The config was checked with the same splitter when it
	 * was loaded: this fails only if the environment changed under a
	 * $VAR, or out of memory. */
	char **argv;
	char split_why[256];
	if (cmdline_split(fc->exec, envp, &argv, split_why, sizeof split_why) < 0) {
		char why[300];
		snprintf(why, sizeof why, "exec: %s", split_why);
		hookenv_free(envp);
		give_up_now(h, hj, why);
		return;
	}
	struct job *j = calloc(1, sizeof *j);
	if (!j) {
		/* Out of memory: the delivery stays due for the next look. */
		hookenv_free(envp);
		cmdline_free(argv);
		return;
	}
	j->h = h;
	j->item_id = hj->item_id;
	j->attempts = hj->attempts;
	j->feed = strdup(hj->feed);
	j->input = json_dumps(hj->item, JSON_COMPACT);
	j->envp = envp;
	uv_loop_t *loop = h->d->loop;
	uv_pipe_init(loop, &j->in, 0);
	uv_pipe_init(loop, &j->err, 0);
	uv_timer_init(loop, &j->timer);
	j->in.data = j->err.data = j->timer.data = j->proc.data = j->wr.data = j;
	uv_stdio_container_t stdio[3] = {
		{.flags = UV_CREATE_PIPE | UV_READABLE_PIPE, .data.stream = (uv_stream_t *)&j->in},
		{.flags = UV_IGNORE},
		{.flags = UV_CREATE_PIPE | UV_WRITABLE_PIPE, .data.stream = (uv_stream_t *)&j->err},
	};
	uv_process_options_t opts = {
		.exit_cb = on_exit_cb,
		/* Its own session and process group, which job_kill signals
		 * whole. It is still our child: its exit is reaped as before. */
		.flags = UV_PROCESS_DETACHED,
		.file = argv[0],
		.args = argv,
		.env = j->envp,
		.stdio_count = 3,
		.stdio = stdio,
	};
	j->next = h->running;
	h->running = j;
	h->nrunning++;
	cloexec_from_3();
	int r = uv_spawn(loop, &j->proc, &opts);
	if (r < 0) {
		char *why = j->spawn_error;
		/* A program that is not there, not executable or not a program
		 * will not become one by retrying: parked at once, for
		 * `feedctl hooks retry` once the operator has fixed it. */
		j->never = r == UV_ENOENT || r == UV_EACCES || r == UV_ENOTDIR ||
			   r == -ENOEXEC || r == UV_ELOOP;
		/* E2BIG is the arguments and the environment together; the
		 * item's values are capped (hookenv.h), so it is the rest. */
		if (r == UV_E2BIG)
			snprintf(why, sizeof j->spawn_error, "cannot run %.80s: %s", fc->exec,
				 "the hook's environment is too large (E2BIG)");
		else
			snprintf(why, sizeof j->spawn_error, "cannot run %.120s: %s (%s)", argv[0],
				 uv_strerror(r), uv_err_name(r));
		cmdline_free(argv);
		j->exited = true;
		j->status = 127;
		record(j);
		/* uv_spawn failed: the process handle still needs closing. */
		j->open = 4;
		uv_close((uv_handle_t *)&j->proc, on_job_handle_close);
		uv_close((uv_handle_t *)&j->in, on_job_handle_close);
		uv_close((uv_handle_t *)&j->err, on_job_handle_close);
		uv_close((uv_handle_t *)&j->timer, on_job_handle_close);
		return;
	}
	cmdline_free(argv);
	j->open = 4;
	uv_read_start((uv_stream_t *)&j->err, on_err_alloc, on_err_read);
	uv_buf_t b = uv_buf_init(j->input ? j->input : (char *)"{}",
				 j->input ? (unsigned)strlen(j->input) : 2);
	if (uv_write(&j->wr, (uv_stream_t *)&j->in, &b, 1, on_stdin_written) < 0)
		close_job_handle(j, (uv_handle_t *)&j->in);
	uint64_t ms = (uint64_t)h->d->conf->daemon.exec_timeout * 1000;
	uv_timer_start(&j->timer, on_job_timer, ms, 0);
}

/* A give-back of claimed deliveries this process does not run (see
 * store_hook_claim), for the store thread. */
struct release_job {
	struct storeq_job sq;
	struct hooks *h;
	int64_t now;
	size_t n;
	int64_t ids[];
};

static void release_work(struct store *s, void *arg)
{
	struct release_job *r = arg;
	store_hook_release(s, r->ids, r->n, r->now);
}

static void release_done(void *arg)
{
	struct release_job *r = arg;
	struct hooks *h = r->h;
	h->inflight--;
	free(r);
	if (h->closing)
		hooks_maybe_free(h);
}

/* Gives the N claimed deliveries IDS back at once: due again for any
 * instance, instead of waiting out the claim (which they do when there is
 * no memory to give them back). */
static void release(struct hooks *h, const int64_t *ids, size_t n)
{
	if (!n)
		return;
	struct release_job *r = malloc(sizeof *r + n * sizeof *ids);
	if (!r)
		return;
	r->h = h;
	r->now = (int64_t)time(NULL);
	r->n = n;
	memcpy(r->ids, ids, n * sizeof *ids);
	storeq_submit(h->d->storeq, &r->sq, release_work, release_done, r);
	h->inflight++;
}

/* Starts the due deliveries JOBS (freed here), claimed for this process
 * and fewer than the free slots when they were asked for; what is not
 * started after all (shutting down, exec_jobs lowered by a reload) is
 * given back at once rather than left claimed. Jobs this process already
 * runs or records are neither started nor given back. Nor is one of a
 * feed whose delivery runs here: a store that claims nothing (SQLite)
 * hands out an older delivery `feedctl hooks retry` unparked under the
 * running one, which waits for it to end (one at a time per feed). */
static void start_due(struct hooks *h, struct hook_job *jobs, size_t n)
{
	int limit = (int)h->d->conf->daemon.exec_jobs;
	int64_t *back = n ? calloc(n, sizeof *back) : NULL;
	size_t nback = 0;
	for (size_t i = 0; i < n; i++) {
		if (is_running(h, jobs[i].item_id) || is_recording(h, jobs[i].item_id))
			continue;
		if (h->nrunning < limit && !h->closing && !h->d->stopping &&
		    !feed_busy(h, jobs[i].feed))
			start_job(h, &jobs[i]);
		else if (back)
			back[nback++] = jobs[i].item_id;
	}
	if (nback)
		log_debug("hooks: %zu claimed deliveries given back", nback);
	release(h, back, nback);
	free(back);
	store_hook_jobs_free(jobs, n);
}

/* A look for due deliveries, for the store thread. */
struct due_job {
	struct storeq_job sq;
	struct hooks *h;
	int64_t now;
	int max;
	struct hook_job *jobs;
	size_t n;
	size_t nskip;
	int64_t skip[];
};

static void due_work(struct store *s, void *arg)
{
	struct due_job *q = arg;
	if (store_hook_claim(s, q->now, q->max, q->skip, q->nskip, &q->jobs, &q->n) < 0) {
		q->jobs = NULL;
		q->n = 0;
	}
}

static void due_done(void *arg)
{
	struct due_job *q = arg;
	struct hooks *h = q->h;
	h->inflight--;
	h->due_inflight = false;
	start_due(h, q->jobs, q->n);
	free(q);
	if (h->closing) {
		hooks_maybe_free(h);
		return;
	}
	if (h->due_again) {
		h->due_again = false;
		schedule(h);
	}
}

/* Claims and starts what is due, up to exec_jobs in flight: no more than
 * the free slots, leaving out what runs or is being recorded here (a
 * shared store claims what it hands out: what is not started at once
 * would wait out the claim, ten minutes). */
static void schedule(struct hooks *h)
{
	if (h->closing || h->d->stopping)
		return;
	int limit = (int)h->d->conf->daemon.exec_jobs;
	if (h->nrunning >= limit)
		return;
	if (h->due_inflight) {
		h->due_again = true;
		return;
	}
	int max = limit - h->nrunning;
	size_t nskip = (size_t)h->nrunning + h->nrecording;
	int64_t now = (int64_t)time(NULL);
	struct due_job *q = calloc(1, sizeof *q + nskip * sizeof q->skip[0]);
	if (!q)
		return;
	q->h = h;
	q->now = now;
	q->max = max;
	for (const struct job *j = h->running; j; j = j->next)
		q->skip[q->nskip++] = j->item_id;
	for (size_t i = 0; i < h->nrecording; i++)
		q->skip[q->nskip++] = h->recording[i];
	storeq_submit(h->d->storeq, &q->sq, due_work, due_done, q);
	h->inflight++;
	h->due_inflight = true;
}

/* The results the store could not take, offered again. */
static void retry_waiting(struct hooks *h)
{
	struct result_job *w = h->waiting;
	h->waiting = NULL;
	while (w) {
		struct result_job *next = w->next;
		w->next = NULL;
		storeq_submit(h->d->storeq, &w->sq, result_work, result_done, w);
		h->inflight++;
		w = next;
	}
}

static void on_tick(uv_timer_t *t)
{
	struct hooks *h = t->data;
	retry_waiting(h);
	schedule(h);
}

static void on_retry(uv_timer_t *t)
{
	struct hooks *h = t->data;
	h->retry_at = 0;
	schedule(h);
}

/* Looks for due deliveries SECONDS from now (a second late: due times are
 * whole seconds), unless an earlier look is set already. */
static void retry_at(struct hooks *h, int64_t seconds)
{
	if (h->closing)
		return;
	uint64_t at = uv_now(h->d->loop) + (uint64_t)seconds * 1000 + 1000;
	if (h->retry_at && h->retry_at <= at)
		return;
	h->retry_at = at;
	uv_timer_start(&h->retry, on_retry, (uint64_t)seconds * 1000 + 1000, 0);
}

static void on_tick_close(uv_handle_t *handle)
{
	struct hooks *h = handle->data;
	h->handles--;
	hooks_maybe_free(h);
}

int hooks_start(struct feedd *d, struct hooks **out)
{
	struct hooks *h = calloc(1, sizeof *h);
	if (!h)
		return -ENOMEM;
	h->d = d;
	uv_timer_init(d->loop, &h->tick);
	h->tick.data = h;
	uv_timer_init(d->loop, &h->retry);
	h->retry.data = h;
	h->handles = 2;
	/* Pending deliveries from before a restart start at once. */
	uv_timer_start(&h->tick, on_tick, 0, HOOKS_TICK_MS);
	*out = h;
	return 0;
}

void hooks_kick(struct hooks *h)
{
	schedule(h);
}

int hooks_running(const struct hooks *h)
{
	return h ? h->nrunning : 0;
}

void hooks_close(struct hooks *h)
{
	h->closing = true;
	/* Results still waiting for the store: a last try (what fails then
	 * is lost, result_done). */
	retry_waiting(h);
	if (h->d->hooks == h)
		h->d->hooks = NULL;
	uv_close((uv_handle_t *)&h->tick, on_tick_close);
	uv_close((uv_handle_t *)&h->retry, on_tick_close);
	/* Shutting down must not wait for exec_timeout: running hooks get
	 * SIGTERM (SIGKILL 5 s later) and their deliveries stay pending. */
	for (struct job *j = h->running; j; j = j->next) {
		if (j->exited)
			continue;
		j->timed_out = true;
		job_kill(j, SIGTERM);
		uv_timer_start(&j->timer, on_job_timer, HOOKS_KILL_MS, 0);
	}
}
