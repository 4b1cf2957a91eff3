/* feedd.c — the daemon's life cycle: start-up chain (the store thread
 * before the modules), signals, watchdog, upkeep, news from other
 * instances, and teardown in the order STYLE.md gives. The reload is
 * reload.c's. */
#include "daemon/feedd.h"

#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <malloc.h>
#include <signal.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "core/log.h"
#include "core/parse.h"
#include "core/paths.h"
#include "daemon/api.h"
#include "daemon/hooks.h"
#include "daemon/notify.h"
#include "daemon/run.h"
#include "daemon/sched.h"
#include "daemon/reader.h"
#include "daemon/reload.h"
#include "daemon/storeq.h"

/* Everything the loop owns besides the modules. */
struct life {
	struct feedd d;
	uv_loop_t loop;
	uv_signal_t sigterm, sigint, sighup;
	uv_timer_t watchdog;
	bool have_watchdog;
	uv_timer_t upkeep;          /* WAL checkpoint and retention, off the hot path */
	uv_poll_t *news;            /* other instances' commits (a shared store) */
	int news_fd;                /* the descriptor it watches */
	uv_timer_t news_check;      /* looks after it: a lost connection comes back */
	bool have_news_check;
	bool news_lost;             /* logged as lost, not back yet */
	bool news_connecting;       /* the store reconnects it; NEWS watches that socket */
	uint64_t news_retry_ms;     /* the next look while lost (backs off) */
	size_t prune_next;          /* feed the next retention batch starts at */
	int exit_code;
	int store_fd;               /* a local store's file, flocked (-1: a shared store) */
	char *store_path;
};

static void apply_overrides(struct config *c, const struct run_opts *o)
{
	if (o->state_dir) {
		free(c->daemon.state_dir);
		c->daemon.state_dir = strdup(o->state_dir);
	}
	if (o->socket) {
		free(c->daemon.socket);
		c->daemon.socket = strdup(o->socket);
	}
	struct paths p;
	(void)paths_daemon(&p);   /* a field it could not fill keeps the system path */
	if (!c->daemon.state_dir)
		c->daemon.state_dir = strdup(p.state_dir);
	if (!c->daemon.socket)
		c->daemon.socket = strdup(p.socket);
}

void run_apply_log_level(const struct run_opts *o, const struct config *old,
			 const struct config *c)
{
	if (o->log_level >= 0)
		return;
	const char *was = old ? old->daemon.log_level : NULL, *now = c->daemon.log_level;
	if (old && (was == now || (was && now && strcmp(was, now) == 0)))
		return;
	int lvl = now ? log_level_from_name(now) : LOG_LVL_INFO;
	if (lvl < 0 || lvl == (int)log_get_level())
		return;
	log_set_level((enum log_level)lvl);
	log_notice("log level %s (%s)", log_level_name((enum log_level)lvl),
		   now ? "[daemon] log_level" : "the default");
}

void run_log_config_errors(const struct config_errors *errs, enum log_level lvl)
{
	for (size_t i = 0; i < errs->n; i++)
		log_msg(lvl, "%s", errs->msgs[i]);
}

int run_load_config(const struct run_opts *o, struct config **out, struct config_errors *errs)
{
	/* A person's first start, before any `feedctl add`: no feeds yet
	 * (though a drop-in may bring some). */
	struct paths p;
	bool optional = o->config_default && paths_daemon(&p) == 0 && p.user;
	int r = config_load(o->config_path, optional ? CONFIG_MAIN_OPTIONAL : 0, out, errs);
	if (r < 0)
		return r;
	apply_overrides(*out, o);
	return 0;
}

struct wake_job {
	struct storeq_job sq;
	struct feedd *d;
	int64_t last_item, last_event;
	int rc;
};

static void wake_work(struct store *s, void *arg)
{
	struct wake_job *j = arg;
	j->rc = store_last_ids(s, &j->last_item, &j->last_event);
}

static void wake_done(void *arg)
{
	struct wake_job *j = arg;
	struct feedd *d = j->d;
	d->waking = false;
	if (j->rc == 0 && d->api)
		api_wake(d->api, j->last_item, j->last_event);
	free(j);
	if (d->wake_again) {
		d->wake_again = false;
		feedd_wake(d);
	}
}

void feedd_wake(struct feedd *d)
{
	if (!d->api || d->stopping)
		return;
	if (d->waking) {
		d->wake_again = true;
		return;
	}
	struct wake_job *j = calloc(1, sizeof *j);
	if (!j)
		return;
	j->d = d;
	d->waking = true;
	storeq_submit(d->storeq, &j->sq, wake_work, wake_done, j);
}

void feedd_news(struct feedd *d, const struct store_news *news)
{
	if (d->api)
		api_wake(d->api, news->last_item_id, news->last_event_seq);
	if (d->hooks && news->nnew)
		hooks_kick(d->hooks);
}

/* --- signals and timers --- */

static void news_unwatch(struct life *l);

static void stop(struct life *l, int code)
{
	if (l->d.stopping)
		return;
	l->d.stopping = true;
	l->exit_code = code;
	notify_stopping();
	log_notice("stopping");
	uv_close((uv_handle_t *)&l->sigterm, NULL);
	uv_close((uv_handle_t *)&l->sigint, NULL);
	uv_close((uv_handle_t *)&l->sighup, NULL);
	if (l->have_watchdog)
		uv_close((uv_handle_t *)&l->watchdog, NULL);
	uv_close((uv_handle_t *)&l->upkeep, NULL);
	news_unwatch(l);
	if (l->have_news_check) {
		l->have_news_check = false;
		uv_close((uv_handle_t *)&l->news_check, NULL);
	}
	if (l->d.sched)
		sched_close(l->d.sched);
	if (l->d.api)
		api_close(l->d.api);
	l->d.api = NULL;   /* freed once its last worker is back */
	reader_close(l->d.reader);
	l->d.reader = NULL;
	if (l->d.hooks)
		hooks_close(l->d.hooks);
}

static void on_uv_signal(uv_signal_t *h, int signum)
{
	struct life *l = h->data;
	if (signum == SIGHUP) {
		reload_sighup(&l->d);
		return;
	}
	log_notice("%s received", signum == SIGTERM ? "SIGTERM" : "SIGINT");
	stop(l, 0);
}

static void on_uv_watchdog(uv_timer_t *t)
{
	(void)t;
	notify_watchdog();
}

/* Every minute: a passive checkpoint keeps the WAL bounded, and one small
 * retention batch per feed for a few feeds at a time keeps pruning off the
 * fetch path. */
#define UPKEEP_MS         60000
#define UPKEEP_FEEDS      50
#define UPKEEP_BATCH      500

/* One upkeep's retention batch: copies of the feeds' rules, for the store
 * thread. */
struct prune_job {
	struct storeq_job sq;
	size_t n;
	struct {
		char *name;
		int64_t retention, max_items;
		int pruned;
	} f[UPKEEP_FEEDS];
	int64_t now;
};

static void prune_job_free(struct prune_job *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n; i++)
		free(p->f[i].name);
	free(p);
}

/* Store thread: retention, the search index's backlog, the WAL checkpoint
 * and the expiry of old events (seconds after a burst: never on the loop),
 * then that connection's cache handed back. */
static void upkeep_work(struct store *s, void *arg)
{
	struct prune_job *p = arg;
	for (size_t i = 0; i < p->n; i++)
		store_prune(s, p->f[i].name, p->now, p->f[i].retention, p->f[i].max_items,
			    UPKEEP_BATCH, &p->f[i].pruned);
	store_checkpoint(s);
	store_release_memory(s);
}

static void upkeep_done(void *arg)
{
	struct prune_job *p = arg;
	for (size_t i = 0; i < p->n; i++)
		if (p->f[i].pruned)
			log_info("retention: %s: %d items pruned", p->f[i].name, p->f[i].pruned);
	prune_job_free(p);
	malloc_trim(0);
}

/* Whether the local store's file is no longer the one open (WHY says
 * how): deleted (an rm of feedd.db*), or its path now another file or
 * none (a mv, a restore over it, an unmount under it). */
static bool store_file_gone(const struct life *l, char *why, size_t len)
{
	struct stat held, now;
	if (l->store_fd < 0 || fstat(l->store_fd, &held) < 0)
		return false;
	if (stat(l->store_path, &now) < 0) {
		if (errno != ENOENT && errno != ENOTDIR)
			return false;   /* EACCES, EIO: not known to be gone */
		snprintf(why, len, held.st_nlink == 0 ? "deleted" : "moved away");
		return true;
	}
	if (now.st_dev == held.st_dev && now.st_ino == held.st_ino && held.st_nlink > 0)
		return false;
	snprintf(why, len, "replaced by another file");
	return true;
}

static void on_uv_upkeep(uv_timer_t *t)
{
	struct life *l = t->data;
	struct feedd *d = &l->d;
	char why[96];
	if (store_file_gone(l, why, sizeof why)) {
		/* Going on would keep no promise: whatever is committed from
		 * now on goes with the process, and the next start makes a new
		 * store whose ids start again at 1 and that announces (and
		 * hooks) every item again. Exit 3: the unit does not restart. */
		log_err("store %s was %s while feedd ran: nothing committed from now on "
			"would outlast this process, and a start without it makes a new store "
			"and announces every item again; stopping (exit 3). Put the store file "
			"back before starting feedd again", l->store_path, why);
		stop(l, RUN_EXIT_STORE_GONE);
		return;
	}
	const struct config *c = d->conf;
	struct prune_job *p = calloc(1, sizeof *p);
	if (!p)
		return;   /* the next minute's upkeep does it */
	p->now = (int64_t)time(NULL);
	for (size_t k = 0; k < UPKEEP_FEEDS && k < c->nfeeds; k++) {
		if (l->prune_next >= c->nfeeds)
			l->prune_next = 0;
		const struct feed_conf *f = &c->feeds[l->prune_next++];
		if (!f->retention && !f->max_items)
			continue;
		if (!(p->f[p->n].name = strdup(f->name)))
			break;
		p->f[p->n].retention = f->retention;
		p->f[p->n].max_items = f->max_items;
		p->n++;
	}
	/* The store's page caches and the free heap pages bursts leave (a
	 * start-up round of fetches, a large API answer) go back to the
	 * system, so that an idle daemon is small again; the caches refill
	 * from the file as queries need them. The store thread's connection
	 * releases its own, in turn; the heap is trimmed after both. */
	store_release_memory(d->store);
	if (d->api)
		api_release_memory(d->api);
	storeq_submit(d->storeq, &p->sq, upkeep_work, upkeep_done, p);
}

/* Another instance on the shared store committed news: wake this one's
 * long-polls and watchers as if the fetch had been ours. (Hooks are not
 * kicked: the instance that fetched the item runs its hook.)
 *
 * The notifications arrive on the loop's connection. When it is lost (a
 * restart of the server, an outage, a partition), the watcher goes and the
 * store reconnects it without blocking the loop: each step of the connect
 * and of its LISTEN runs when the socket is ready (the watcher then
 * watches the connecting socket) or when the timer looks, every
 * STORE_NEWS_STEP_MS, at the attempt's time limit. A failed attempt is
 * tried again backing off to NEWS_RETRY_MAX_MS; once the store listens
 * again, a new watcher takes the new descriptor, and the long-polls are
 * woken once for what other instances committed meanwhile. The timer also
 * looks every NEWS_CHECK_MS while all is well: a reconnect made by another
 * use of that connection changes the descriptor under the watcher. */
#define NEWS_CHECK_MS       2000
#define NEWS_RETRY_MIN_MS   250
#define NEWS_RETRY_MAX_MS   15000

static void news_unwatch(struct life *l)
{
	if (!l->news)
		return;
	uv_close((uv_handle_t *)l->news, (uv_close_cb)free);
	l->news = NULL;
	l->news_fd = -1;
}

static bool news_watch(struct life *l, int fd, int events, uv_poll_cb cb)
{
	uv_poll_t *p = calloc(1, sizeof *p);
	if (!p)
		return false;
	if (uv_poll_init(l->d.loop, p, fd) < 0) {
		free(p);
		return false;
	}
	p->data = l;
	l->news = p;
	l->news_fd = fd;
	uv_poll_start(p, events, cb);
	return true;
}

static void news_lost(struct life *l, const char *why)
{
	news_unwatch(l);
	if (!l->news_lost) {
		log_warn("store: no news from other instances for now (%s); reconnecting", why);
		l->news_lost = true;
		l->news_retry_ms = NEWS_RETRY_MIN_MS;
	}
}

static void on_news_check(uv_timer_t *t);

static void news_arm(struct life *l)
{
	if (!l->have_news_check || l->d.stopping)
		return;
	uint64_t ms = l->news_connecting ? STORE_NEWS_STEP_MS :
		      l->news_lost ? l->news_retry_ms : NEWS_CHECK_MS;
	uv_timer_start(&l->news_check, on_news_check, ms, 0);
}

static void on_uv_news(uv_poll_t *h, int status, int events);
static void on_uv_news_step(uv_poll_t *h, int status, int events);

/* One step of watching the store's news descriptor again, never blocking:
 * the store starts or advances its reconnect (and LISTEN); the watcher
 * watches whichever socket it answers. */
static void news_connect(struct life *l)
{
	/* The store may close the descriptor watched now and open another
	 * (often under the same number): the watcher goes first. */
	news_unwatch(l);
	bool connecting = false, wr = false;
	int fd = store_news_fd(l->d.store, &connecting, &wr);
	l->news_connecting = fd >= 0 && connecting;
	if (l->news_connecting &&
	    news_watch(l, fd, wr ? UV_WRITABLE : UV_READABLE, on_uv_news_step))
		return;
	l->news_connecting = false;
	if (fd < 0 || connecting || !news_watch(l, fd, UV_READABLE, on_uv_news)) {
		if (!l->news_lost)
			news_lost(l, "no descriptor");
		if (l->news_retry_ms < NEWS_RETRY_MAX_MS)
			l->news_retry_ms *= 2;
		if (l->news_retry_ms > NEWS_RETRY_MAX_MS)
			l->news_retry_ms = NEWS_RETRY_MAX_MS;
		return;
	}
	if (l->news_lost) {
		log_notice("store: news from other instances again");
		l->news_lost = false;
	}
	/* Whatever other instances committed while nobody listened. */
	feedd_wake(&l->d);
}

/* Watches the store's news descriptor again if it changed or was lost. */
static void news_look(struct life *l)
{
	bool any = false;
	if (l->news && !l->news_connecting && store_news_read(l->d.store, &any) == 0) {
		if (any)
			feedd_wake(&l->d);
		return;
	}
	if (l->news && !l->news_connecting)
		news_lost(l, "connection renewed");
	news_connect(l);
}

static void on_news_check(uv_timer_t *t)
{
	struct life *l = t->data;
	news_look(l);
	news_arm(l);
}

/* The connecting socket is ready: the reconnect's next step. */
static void on_uv_news_step(uv_poll_t *h, int status, int events)
{
	(void)status;
	(void)events;
	struct life *l = h->data;
	news_connect(l);
	news_arm(l);
}

static void on_uv_news(uv_poll_t *h, int status, int events)
{
	(void)events;
	struct life *l = h->data;
	bool any = false;
	/* An error on the socket (a reset; keepalives that ran out) comes
	 * as UV_EBADF, without a read: the store is told the connection
	 * is gone, or the next look would watch the same dead socket. */
	if (status < 0)
		store_news_lost(l->d.store);
	if (status < 0 || store_news_read(l->d.store, &any) < 0) {
		news_lost(l, status < 0 ? uv_strerror(status) : "connection lost");
		news_arm(l);
		return;
	}
	if (any)
		feedd_wake(&l->d);
}

static void news_start(struct life *l)
{
	l->news_fd = -1;
	bool connecting = false, wr = false;
	int fd = store_news_fd(l->d.store, &connecting, &wr);
	if (fd == -ENOTSUP)
		return;   /* nobody else writes this store */
	uv_timer_init(l->d.loop, &l->news_check);
	l->news_check.data = l;
	l->have_news_check = true;
	if (fd >= 0 && !connecting)
		news_watch(l, fd, UV_READABLE, on_uv_news);
	if (!l->news)
		news_connect(l);
	news_arm(l);
}

static int make_state_dir(const char *dir)
{
	struct paths p;
	/* A person's ~/.local/state may not exist yet; /var/lib must. */
	int r = paths_daemon(&p) == 0 && p.user ? paths_mkdirs(dir, 0700) :
		mkdir(dir, 0700) < 0 && errno != EEXIST ? -errno : 0;
	if (r < 0) {
		log_err("state directory %s: %s", dir, strerror(-r));
		return r;
	}
	struct stat st;
	if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
		log_err("state directory %s: not a directory", dir);
		return -ENOTDIR;
	}
	return 0;
}

/* The state directory of a store kept there must be writable by this
 * user before anything is made in it: the lock file, the SQLite store and
 * the -wal and -shm files SQLite makes beside it. A read-only one failed
 * at the lock with a bare "Permission denied" or, its files made before
 * (by an earlier run, before a chmod or a change of user), at the store's
 * open, as "damaged or not a feedd database". Returns 0, or a negative
 * errno after saying so, naming the directory. */
static int check_state_dir(const char *dir)
{
	if (faccessat(AT_FDCWD, dir, W_OK | X_OK, AT_EACCESS) == 0)
		return 0;
	int e = errno;
	struct stat st;
	if (e == EROFS)
		log_err("state directory %s is on a read-only file system: feedd keeps its lock "
			"and its store there; set state_dir (or --state-dir) to a writable "
			"directory", dir);
	else if ((e == EACCES || e == EPERM) && stat(dir, &st) == 0)
		log_err("state directory %s is not writable by this user (uid %ld; the "
			"directory's mode %04o, owner uid %ld): feedd keeps its lock and its store "
			"there; make it writable for the user feedd runs as, or set state_dir (or "
			"--state-dir) to a directory that is", dir, (long)geteuid(),
			(unsigned)(st.st_mode & 07777), (long)st.st_uid);
	else
		log_err("state directory %s: %s", dir, strerror(e));
	return -e;
}

/* One daemon per state directory: a second one on the same SQLite store
 * would fetch every feed again and run each new item's hooks twice. An
 * flock on DIR/feedd.lock, held until the process ends (the kernel lets go
 * of it however the process dies, so a crash leaves nothing stale). The
 * holder's pid is written in the file to name it. Returns the descriptor,
 * or a negative errno after saying why. */
static int lock_state_dir(const char *dir)
{
	char path[4096];
	if (snprintf(path, sizeof path, "%s/feedd.lock", dir) >= (int)sizeof path) {
		log_err("state directory %s: path too long", dir);
		return -ENAMETOOLONG;
	}
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		int e = errno;
		log_err("state directory lock %s: %s", path, strerror(e));
		return -e;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		int e = errno;
		if (e == EWOULDBLOCK) {
			char buf[32] = "";
			ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
			long pid = n > 0 ? strtol(buf, NULL, 10) : 0;
			if (pid > 0)
				log_err("state directory %s is in use by another feedd (pid %ld, "
					"lock %s); not starting a second one on the same store",
					dir, pid, path);
			else
				log_err("state directory %s is in use by another feedd (lock %s); "
					"not starting a second one on the same store", dir, path);
			e = EBUSY;
		} else {
			log_err("state directory lock %s: %s", path, strerror(e));
		}
		close(fd);
		return -e;
	}
	char pid[32];
	int n = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) < 0 || pwrite(fd, pid, (size_t)n, 0) != n)
		log_warn("state directory lock %s: cannot record the pid: %s", path, strerror(errno));
	return fd;
}

/* The pid of the process holding an flock on the file FD is open on, from
 * /proc/locks ("1: FLOCK ADVISORY WRITE PID MAJ:MIN:INODE 0 EOF"), or 0. */
static long flock_holder(int fd)
{
	struct stat st;
	FILE *f = fstat(fd, &st) == 0 ? fopen("/proc/locks", "re") : NULL;
	if (!f)
		return 0;
	char line[256], want[64];
	snprintf(want, sizeof want, "%02x:%02x:%llu", major(st.st_dev), minor(st.st_dev),
		 (unsigned long long)st.st_ino);
	long pid = 0;
	while (!pid && fgets(line, sizeof line, f)) {
		char kind[16], dev[64];
		long p;
		if (sscanf(line, "%*s %15s %*s %*s %ld %63s", kind, &p, dev) == 3 &&
		    !strcmp(kind, "FLOCK") && !strcmp(dev, want) && p != (long)getpid())
			pid = p;
	}
	fclose(f);
	return pid;
}

/* One daemon per SQLite store, whichever state_dir or `store = PATH`
 * brought each to it: a second one would fetch every feed again and run
 * each new item's hooks twice. An flock on the database file itself, held
 * until the process ends: it goes with the file (no lock file to delete
 * or to find elsewhere), the kernel drops it however the process dies,
 * and it is apart from the POSIX (fcntl) locks SQLite takes on the same
 * file. The descriptor is the daemon's until it exits; *CREATED when
 * there was no file (SQLite then makes a new store in it). Returns the
 * descriptor, or a negative errno after saying why. */
#define STORE_UNLOCKED INT_MAX   /* not opened: the store's own open says why */
static int lock_store(const char *path, bool *created)
{
	struct stat st;
	*created = stat(path, &st) != 0 && errno == ENOENT;
	/* Read-only is enough for flock, and leaves saying why a store
	 * cannot be written (a read-only file, a read-only directory) to the
	 * store's open, which says it better: no lock is then needed. */
	int fd = open(path, O_RDONLY | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0 && (errno == EACCES || errno == EPERM || errno == EROFS))
		fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 && (errno == EACCES || errno == EPERM || errno == EROFS || errno == ENOENT)) {
		*created = false;
		return STORE_UNLOCKED;
	}
	if (fd < 0) {
		int e = errno;
		log_err("store %s: cannot open: %s", path, strerror(e));
		return -e;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) == 0)
		return fd;
	int e = errno;
	if (e == EWOULDBLOCK) {
		long pid = flock_holder(fd);
		if (pid > 0)
			log_err("store %s is in use by another feedd (pid %ld); not starting a "
				"second one on it", path, pid);
		else
			log_err("store %s is in use by another feedd; not starting a second "
				"one on it", path);
		e = EBUSY;
	} else {
		log_err("store %s: cannot lock: %s", path, strerror(e));
	}
	close(fd);
	return -e;
}

/* In per-user mode, $XDG_RUNTIME_DIR/feedd (0700: the API is the user's
 * alone). Root's /run/feedd is the socket unit's, or the administrator's. */
static int make_socket_dir(const char *sock)
{
	struct paths p;
	if (paths_daemon(&p) < 0 || !p.user)
		return 0;
	char dir[4096];
	snprintf(dir, sizeof dir, "%s", sock);
	char *slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return 0;
	*slash = '\0';
	int r = paths_mkdirs(dir, 0700);
	if (r < 0)
		log_err("api: socket directory %s: %s%s", dir, strerror(-r),
			strcmp(sock, PATHS_SYSTEM_SOCKET) == 0
				? " (the system daemon's: without $XDG_RUNTIME_DIR or a "
				  PATHS_USER_RUNTIME "/UID of yours, set XDG_RUNTIME_DIR or "
				  "give --socket PATH)" : "");
	return r;
}

int run_daemon(const struct run_opts *o)
{
	/* Two malloc arenas, unless MALLOC_ARENA_MAX says otherwise: the
	 * loop (parsing) and the store thread (SQLite) both allocate at full
	 * speed in a cold refresh, and with one arena they queued for its lock
	 * (futex waits and wake-ups: a quarter of a quiet machine's cold CPU,
	 * bench/RESULTS.md, "Two malloc arenas"). The other threads (the
	 * checkpointer, the API's readers) share those two: an arena each kept
	 * what their bursts had left (idle, 10 000 feeds: 30.9 MiB with an
	 * arena each; 28.5 with one against 28.8-29.4 with two). */
	if (!getenv("MALLOC_ARENA_MAX"))
		mallopt(M_ARENA_MAX, 2);
	struct life *l = calloc(1, sizeof *l);
	if (!l)
		return RUN_EXIT_FAILURE;
	struct config_errors errs = {0};
	int code = RUN_EXIT_FAILURE;
	if (run_load_config(o, &l->d.conf, &errs) < 0) {
		run_log_config_errors(&errs, LOG_LVL_ERR);
		config_errors_free(&errs);
		free(l);
		return RUN_EXIT_CONFIG;
	}
	struct feedd *d = &l->d;
	run_apply_log_level(o, NULL, d->conf);
	d->config_path = o->config_path;
	d->opts = o;
	d->started = (int64_t)time(NULL);
	signal(SIGPIPE, SIG_IGN);

	int lock_fd = -1;
	l->store_fd = -1;
	if (make_state_dir(d->conf->daemon.state_dir) < 0)
		goto out_conf;
	/* Before anything else touches the store. A shared store (PostgreSQL)
	 * keeps nothing in state_dir and is made for several instances. */
	if (!store_spec_shared(d->conf->daemon.store)) {
		if (check_state_dir(d->conf->daemon.state_dir) < 0)
			goto out_conf;
		lock_fd = lock_state_dir(d->conf->daemon.state_dir);
		if (lock_fd < 0)
			goto out_conf;
		bool created;
		l->store_path = store_file(d->conf->daemon.store, d->conf->daemon.state_dir);
		if (!l->store_path ||
		    (l->store_fd = lock_store(l->store_path, &created)) < 0)
			goto out_conf;
		if (l->store_fd == STORE_UNLOCKED)
			l->store_fd = -1;
		if (created)
			log_notice("created a new store at %s", l->store_path);
	}
	parse_global_init();
	char *err = NULL;
	if (store_open(d->conf->daemon.store, d->conf->daemon.state_dir, &d->store, &err) < 0) {
		log_err("store: %s", err ? err : "cannot open");
		free(err);
		goto out_parse;
	}
	/* FEEDD_UPKEEP_MS: a shorter period for the tests (retention seen
	 * through the daemon without waiting minutes, a killed instance
	 * judged stale within seconds). The upkeep is the heartbeat of a
	 * shared store: the store judges the instances by it. */
	const char *ums = getenv("FEEDD_UPKEEP_MS");
	uint64_t upkeep_ms = ums && atoll(ums) >= 100 ? (uint64_t)atoll(ums) : UPKEEP_MS;
	store_set_heartbeat(d->store, (int64_t)upkeep_ms);
	if (store_feeds_sync(d->store, d->conf) < 0) {
		log_err("store: cannot record the configured feeds");
		goto out_store;
	}
	if (uv_loop_init(&l->loop) < 0)
		goto out_store;
	d->loop = &l->loop;
	/* The store thread, before every module that submits to it; stopped
	 * after them, once the loop has run out. */
	if (storeq_start(d->loop, d->store, &d->storeq, &err) < 0) {
		log_err("%s", err ? err : "store thread: cannot start");
		free(err);
		uv_run(d->loop, UV_RUN_DEFAULT);
		uv_loop_close(d->loop);
		goto out_store;
	}
	uv_timer_init(d->loop, &l->upkeep);
	l->upkeep.data = l;
	uv_timer_start(&l->upkeep, on_uv_upkeep, upkeep_ms, upkeep_ms);
	if (!o->once)
		news_start(l);

	uv_signal_init(d->loop, &l->sigterm);
	uv_signal_init(d->loop, &l->sigint);
	uv_signal_init(d->loop, &l->sighup);
	l->sigterm.data = l->sigint.data = l->sighup.data = l;
	uv_signal_start(&l->sigterm, on_uv_signal, SIGTERM);
	uv_signal_start(&l->sigint, on_uv_signal, SIGINT);
	uv_signal_start(&l->sighup, on_uv_signal, SIGHUP);

	uint64_t wd = notify_watchdog_usec();
	if (wd) {
		uv_timer_init(d->loop, &l->watchdog);
		l->watchdog.data = l;
		uint64_t ms = wd / 2000;
		uv_timer_start(&l->watchdog, on_uv_watchdog, 0, ms ? ms : 1);
		l->have_watchdog = true;
	}

	if (o->once) {
		/* Cron mode: every enabled feed once, then out. */
		code = sched_once(d);
		stop(l, code);
	} else {
		if (make_socket_dir(d->conf->daemon.socket) < 0 ||
		    api_start(d, d->conf->daemon.socket, &d->api) < 0) {
			stop(l, RUN_EXIT_FAILURE);
		} else if (reader_start(d, &d->reader) < 0) {
			stop(l, RUN_EXIT_FAILURE);
		} else if (hooks_start(d, &d->hooks) < 0 || sched_start(d, &d->sched) < 0) {
			log_err("scheduler: cannot start");
			stop(l, RUN_EXIT_FAILURE);
		} else {
			char also[64];
			log_notice("feedd %s: %zu feed%s from %s%s, state in %s, socket %s",
				   FEEDD_VERSION, d->conf->nfeeds,
				   d->conf->nfeeds == 1 ? "" : "s", d->config_path,
				   reload_dropins_note(d->conf, also, sizeof also),
				   d->conf->daemon.state_dir,
				   d->conf->daemon.socket);
			notify_ready();
		}
		uv_run(d->loop, UV_RUN_DEFAULT);
		code = l->exit_code;
	}

	/* Whatever is still open (a module that closes late, store work its
	 * close left) gets a last pass; the store thread goes after them. */
	uv_run(d->loop, UV_RUN_DEFAULT);
	storeq_stop(d->storeq);
	d->storeq = NULL;
	uv_run(d->loop, UV_RUN_DEFAULT);
	if (uv_loop_close(d->loop) != 0)
		log_warn("loop closed with handles still open");
out_store:
	store_close(d->store);
out_parse:
	parse_global_cleanup();
	if (d->stopping)
		log_notice("stopped");
out_conf:
	if (lock_fd >= 0)
		close(lock_fd);   /* the file stays: unlinking it would race a starter */
	if (l->store_fd >= 0)
		close(l->store_fd);   /* after the store's close: its POSIX locks are gone */
	free(l->store_path);
	config_free(d->conf);
	free(l);
	return code;
}
