/* sched.c — decides when each feed is due next and drives its fetches:
 * sched → fetch → parse → store → feedd_news(). */
#include "daemon/sched.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/filter.h"
#include "core/log.h"
#include "core/parse.h"
#include "core/schedule.h"
#include "core/url.h"
#include "daemon/fetch.h"
#include "daemon/storeq.h"

/* Overdue feeds at start-up are spread this far apart, over at most
 * SPREAD_MAX_MS, so that a restart does not burst. */
#define SPREAD_STEP_MS 100
#define SPREAD_MAX_MS (5 * 60 * 1000)
/* Outage: network-level failures from this many hosts within the window,
 * and no server heard in it. */
#define OUTAGE_WINDOW_MS (60 * 1000)
#define OUTAGE_HOSTS 2
/* A feed is reported failing (feed.failing) at this many failures. */
#define FAILING_AFTER 3
/* Consecutive 429s from one host before the whole host is pushed back. */
#define HOST_429_LIMIT SCHEDULE_HOST_429_LIMIT
/* Several instances on one store: a fetch runs under a lease this long
 * unless [daemon] lease says otherwise (it outlives the slowest fetch,
 * parse and commit), and a feed another instance holds is tried again
 * after CLAIM_RETRY_MS, or half a lease when that is shorter. */
#define LEASE_S 300
#define CLAIM_RETRY_MS (15 * 1000)
#define HOST_BUCKETS 4096

/* RT_CLAIMING: its claim is on the store thread (shared store), holding
 * a slot of its host; RT_STORING: the fetch is over, its commit is on the
 * store thread; RT_LOADING: refreshed, its stored state is being read on
 * the store thread. */
enum rt_state { RT_IDLE, RT_WAITING, RT_QUEUED, RT_CLAIMING, RT_FETCHING, RT_STORING,
		RT_LOADING };

struct host {
	struct host *hnext;          /* bucket chain */
	char *name;
	int active;
	int64_t next_ok_ms;          /* host_gap after the last start */
	int64_t pushed_until_ms;     /* repeated 429s */
	int n429;
	struct feed_rt *qhead, *qtail;   /* due feeds waiting for this host */
	struct host *wprev, *wnext;  /* in the list of hosts with waiting feeds */
	bool waiting;
	int64_t last_net_fail_ms;
};

struct feed_rt {
	struct sched *s;
	const struct feed_conf *fc;  /* into the running config; re-pointed on reload */
	struct feed_state st;
	struct feed_hints hints;     /* from the last parsed document (memory only) */
	bool have_hints;
	struct host *host;
	enum rt_state state;
	int64_t due_ms;
	size_t heap_idx;             /* SIZE_MAX when not in the heap */
	struct feed_rt *qnext;       /* host queue */
	struct fetch *fx;
	struct parser *parser;
	bool keep;                   /* sched_reload's mark */
	bool host_429;               /* the claim saw the host's shared 429 run */
	bool refresh;                /* asked for while fetching or storing: fetch again */
	int64_t retries;             /* transient errors in a row (the retry schedule) */
	bool store_refused;          /* the last commit was refused by the store */
	bool validator_warned;       /* said once: the server's validator cannot be sent back */
	bool store_stale;            /* ... and its record too: the row says ok/new */
	bool stale_new;              /* the row says new (else ok) */
	bool once_done;
	int once_status;
	char *once_line;
};

struct sched {
	struct feedd *d;
	const struct config *conf;
	struct fetcher *fetcher;
	bool own_fetcher;
	struct storeq *storeq;       /* the daemon's store thread (feedd.h): store work runs there */
	bool shared;                 /* claims ask the database: two steps */
	uv_timer_t timer;
	struct feed_rt **feeds;      /* sorted by name */
	size_t nfeeds;
	struct feed_rt **heap;
	size_t nheap, capheap;
	struct host *hosts[HOST_BUCKETS];
	struct host *whead, *wtail;  /* hosts with waiting feeds */
	int active;
	int64_t storing;             /* parsed documents waiting for the store thread */
	uint64_t rng;
	bool closing;
	bool paused;                 /* a reload waits: start nothing */
	/* outage detection */
	int64_t last_heard_ms;
	/* --once */
	bool once;
	size_t once_left;
};

static bool parse_inited;

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static char *xstrdup(const char *s)
{
	return s ? strdup(s) : NULL;
}

static void set_str(char **dst, const char *v)
{
	char *n = xstrdup(v);
	free(*dst);
	*dst = n;
}

/* --- the heap of due times --- */

static void heap_swap(struct sched *s, size_t a, size_t b)
{
	struct feed_rt *t = s->heap[a];
	s->heap[a] = s->heap[b];
	s->heap[b] = t;
	s->heap[a]->heap_idx = a;
	s->heap[b]->heap_idx = b;
}

static void heap_up(struct sched *s, size_t i)
{
	while (i > 0) {
		size_t p = (i - 1) / 2;
		if (s->heap[p]->due_ms <= s->heap[i]->due_ms)
			break;
		heap_swap(s, i, p);
		i = p;
	}
}

static void heap_down(struct sched *s, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;
		if (l < s->nheap && s->heap[l]->due_ms < s->heap[m]->due_ms)
			m = l;
		if (r < s->nheap && s->heap[r]->due_ms < s->heap[m]->due_ms)
			m = r;
		if (m == i)
			break;
		heap_swap(s, i, m);
		i = m;
	}
}

static int heap_push(struct sched *s, struct feed_rt *rt)
{
	if (s->nheap == s->capheap) {
		size_t cap = s->capheap ? s->capheap * 2 : 64;
		struct feed_rt **h = realloc(s->heap, cap * sizeof *h);
		if (!h)
			return -ENOMEM;
		s->heap = h;
		s->capheap = cap;
	}
	rt->heap_idx = s->nheap;
	s->heap[s->nheap++] = rt;
	heap_up(s, rt->heap_idx);
	return 0;
}

static void heap_remove(struct sched *s, struct feed_rt *rt)
{
	size_t i = rt->heap_idx;
	if (i == SIZE_MAX)
		return;
	rt->heap_idx = SIZE_MAX;
	s->nheap--;
	if (i == s->nheap)
		return;
	s->heap[i] = s->heap[s->nheap];
	s->heap[i]->heap_idx = i;
	heap_down(s, i);
	heap_up(s, s->heap[i]->heap_idx);
}

/* --- hosts --- */

static struct host *host_get(struct sched *s, const char *url)
{
	/* Paced by host, lower-cased (core/url.c); a URL without one, or one
	 * that does not parse, shares the "" host. */
	char *name = url_host(url);
	if (!name)
		name = strdup("");
	if (!name)
		return NULL;
	uint32_t hash = 2166136261u;
	for (const char *p = name; *p; p++)
		hash = (hash ^ (uint8_t)*p) * 16777619u;
	struct host **b = &s->hosts[hash % HOST_BUCKETS];
	for (struct host *h = *b; h; h = h->hnext) {
		if (strcmp(h->name, name) == 0) {
			free(name);
			return h;
		}
	}
	struct host *h = calloc(1, sizeof *h);
	if (!h) {
		free(name);
		return NULL;
	}
	h->name = name;
	h->hnext = *b;
	*b = h;
	return h;
}

static void waiting_add(struct sched *s, struct host *h)
{
	if (h->waiting)
		return;
	h->waiting = true;
	h->wnext = NULL;
	h->wprev = s->wtail;
	if (s->wtail)
		s->wtail->wnext = h;
	else
		s->whead = h;
	s->wtail = h;
}

static void waiting_remove(struct sched *s, struct host *h)
{
	if (!h->waiting)
		return;
	h->waiting = false;
	if (h->wprev)
		h->wprev->wnext = h->wnext;
	else
		s->whead = h->wnext;
	if (h->wnext)
		h->wnext->wprev = h->wprev;
	else
		s->wtail = h->wprev;
	h->wprev = h->wnext = NULL;
}

static void host_enqueue(struct sched *s, struct feed_rt *rt)
{
	struct host *h = rt->host;
	rt->qnext = NULL;
	if (h->qtail)
		h->qtail->qnext = rt;
	else
		h->qhead = rt;
	h->qtail = rt;
	rt->state = RT_QUEUED;
	waiting_add(s, h);
}

/* Back at the head: its turn came, but the host is busy elsewhere. */
static void host_enqueue_front(struct sched *s, struct feed_rt *rt)
{
	struct host *h = rt->host;
	rt->qnext = h->qhead;
	h->qhead = rt;
	if (!h->qtail)
		h->qtail = rt;
	rt->state = RT_QUEUED;
	waiting_add(s, h);
}

static void host_dequeue(struct sched *s, struct feed_rt *rt)
{
	struct host *h = rt->host;
	struct feed_rt **pp = &h->qhead, *prev = NULL;
	while (*pp && *pp != rt) {
		prev = *pp;
		pp = &(*pp)->qnext;
	}
	if (!*pp)
		return;
	*pp = rt->qnext;
	if (h->qtail == rt)
		h->qtail = prev;
	rt->qnext = NULL;
	if (!h->qhead)
		waiting_remove(s, h);
}

/* --- feeds by name --- */

/* RT's state becomes FRESH (taken over, read from the store), under RT's
 * own name: a rename (sched_rename) may have come while FRESH was read
 * under the old one. */
static void take_state(struct feed_rt *rt, struct feed_state *fresh)
{
	char *name = rt->st.name;
	rt->st.name = NULL;
	feed_state_clear(&rt->st);
	rt->st = *fresh;
	memset(fresh, 0, sizeof *fresh);
	if (name) {
		free(rt->st.name);
		rt->st.name = name;
	}
}

static int cmp_rt(const void *a, const void *b)
{
	const struct feed_rt *x = *(struct feed_rt *const *)a, *y = *(struct feed_rt *const *)b;
	return strcmp(x->st.name, y->st.name);
}

static struct feed_rt *find_feed(struct sched *s, const char *name)
{
	size_t lo = 0, hi = s->nfeeds;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(name, s->feeds[mid]->st.name);
		if (c == 0)
			return s->feeds[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

static const char *feed_url(const struct feed_rt *rt)
{
	return rt->st.effective_url ? rt->st.effective_url : rt->fc->url;
}

/* --- dispatch --- */

static void dispatch(struct sched *s);
static void start_fetch(struct sched *s, struct feed_rt *rt);

static void on_uv_timer(uv_timer_t *t)
{
	dispatch(t->data);
}

static void arm(struct sched *s, int64_t wake_ms)
{
	if (s->closing)
		return;
	if (wake_ms == INT64_MAX) {
		uv_timer_stop(&s->timer);
		return;
	}
	int64_t delay = wake_ms - now_ms();
	uv_timer_start(&s->timer, on_uv_timer, delay > 0 ? (uint64_t)delay : 0, 0);
}

static void schedule_at(struct sched *s, struct feed_rt *rt, int64_t due_ms)
{
	heap_remove(s, rt);
	rt->due_ms = due_ms;
	rt->state = RT_WAITING;
	heap_push(s, rt);
}

static void place(struct sched *s, struct feed_rt *rt, int64_t now, size_t *overdue);

/* Several instances on one store: a due feed is fetched only under this
 * instance's lease, and only if no other instance fetched it since its
 * state was loaded. Otherwise it goes back to the heap: at its new due time
 * when another instance fetched it, a little later when one holds it now.
 * The same claim takes a slot of the feed's host over all instances
 * (per_host, host_gap, 429 push-back): when the host is not free, the feed
 * goes back to the head of its host's queue and the host waits.
 * One process on its store (SQLite) always gets the feed. */
static bool claimed(struct sched *s, struct feed_rt *rt, int64_t now, int e,
		    const struct store_host *sh, struct feed_state *fresh, int fresh_err);

/* A shared store's claim on the store thread: the loop goes on meanwhile;
 * the feed holds a slot of its host (as a fetch would) until the answer. */
struct claim_job {
	struct storeq_job sq;
	struct sched *s;
	struct feed_rt *rt;
	struct feed_state st;    /* a copy: what the claim compares */
	char *host;
	struct store_host sh;
	int64_t now_ms, lease;
	int err;
	struct feed_state fresh; /* after -EAGAIN */
	int fresh_err;
};

static void claim_work(struct store *store, void *arg)
{
	struct claim_job *j = arg;
	j->sh.name = j->host;
	j->err = store_claim_fetch(store, &j->st, j->now_ms / 1000, j->lease, &j->sh);
	if (j->err == -EAGAIN)
		j->fresh_err = store_feed_load(store, j->st.name, &j->fresh);
}

static void claim_done(void *arg)
{
	struct claim_job *j = arg;
	struct sched *s = j->s;
	struct feed_rt *rt = j->rt;
	rt->host->active--;
	s->active--;
	rt->state = RT_IDLE;
	if (s->closing) {
		feed_state_clear(&j->fresh);
	} else {
		/* The slot and the gap were the claim's: the fetch starts now. */
		int64_t now = now_ms();
		if (j->err == 0)
			rt->st.lease_until = j->now_ms / 1000 + j->lease;   /* the commit's fence */
		if (claimed(s, rt, now, j->err, &j->sh, &j->fresh, j->fresh_err))
			start_fetch(s, rt);
	}
	feed_state_clear(&j->st);
	free(j->host);
	free(j);
	if (!s->closing)
		dispatch(s);
}

/* Starts RT's claim on the store thread; false when it cannot (out of
 * memory: then RT is tried again later, as after a failed claim). */
static bool claim_async(struct sched *s, struct feed_rt *rt, int64_t now, int64_t per_host,
			int64_t gap)
{
	struct store_host none = { 0 };
	struct claim_job *j = calloc(1, sizeof *j);
	if (!j) {
		claimed(s, rt, now, -ENOMEM, &none, NULL, 0);
		return false;
	}
	j->s = s;
	j->rt = rt;
	j->now_ms = now;
	j->lease = s->conf->daemon.lease > 0 ? s->conf->daemon.lease : LEASE_S;
	j->sh.per_host = per_host;
	j->sh.gap_ms = gap;
	j->host = strdup(rt->host->name);
	if (!j->host || feed_state_copy(&j->st, &rt->st) < 0) {
		free(j->host);
		free(j);
		claimed(s, rt, now, -ENOMEM, &none, NULL, 0);
		return false;
	}
	rt->state = RT_CLAIMING;
	rt->host->active++;
	s->active++;
	storeq_submit(s->storeq, &j->sq, claim_work, claim_done, j);
	return true;
}

/* What a claim's answer E means for RT: true when RT may be fetched now;
 * otherwise RT went back to its host's queue or the heap. FRESH (after
 * -EAGAIN) is taken over. */
static bool claimed(struct sched *s, struct feed_rt *rt, int64_t now, int e,
		    const struct store_host *sh, struct feed_state *fresh, int fresh_err)
{
	int64_t lease = s->conf->daemon.lease > 0 ? s->conf->daemon.lease : LEASE_S;
	rt->host_429 = sh->n429 > 0;
	if (e == 0)
		return true;
	if (e == -EBUSY && sh->wait_ms > 0) {
		struct host *h = rt->host;
		host_enqueue_front(s, rt);
		if (h->next_ok_ms < now + sh->wait_ms)
			h->next_ok_ms = now + sh->wait_ms;
		return false;
	}
	if (e == -EAGAIN) {
		if (fresh_err < 0)
			return true;   /* no row to claim: nobody else has it either */
		take_state(rt, fresh);
		log_debug("sched %s: fetched by another instance, next due %lld",
			  rt->fc->name, (long long)rt->st.next_due);
		size_t overdue = 0;
		place(s, rt, now, &overdue);
		return false;
	}
	/* An unavailable store is said once, by the store (store_health). */
	if (e != -EBUSY && e != -ECONNRESET)
		log_warn("sched %s: cannot claim the feed in the store, trying again later",
			 rt->fc->name);
	schedule_at(s, rt, now + (lease * 500 < CLAIM_RETRY_MS ? lease * 500 : CLAIM_RETRY_MS));
	return false;
}

static void dispatch(struct sched *s)
{
	if (s->closing || s->paused)
		return;
	int64_t now = now_ms();
	/* Due feeds join their host's queue: they wait there without sockets. */
	while (s->nheap && s->heap[0]->due_ms <= now) {
		struct feed_rt *rt = s->heap[0];
		heap_remove(s, rt);
		host_enqueue(s, rt);
	}
	const struct daemon_conf *dc = &s->conf->daemon;
	int64_t max_fetches = dc->max_fetches > 0 ? dc->max_fetches : CONF_DEFAULT_MAX_FETCHES;
	int64_t per_host = dc->per_host > 0 ? dc->per_host : CONF_DEFAULT_PER_HOST;
	int64_t gap = dc->host_gap >= 0 ? dc->host_gap : CONF_DEFAULT_HOST_GAP_MS;
	int64_t wake = s->nheap ? s->heap[0]->due_ms : INT64_MAX;

	/* Back-pressure: while as many parsed documents wait for the store
	 * thread as fetches may run, no fetch starts (a commit's completion
	 * dispatches again), so that memory stays bounded when the store is
	 * slower than the network. */
	struct host *h = s->storing < max_fetches ? s->whead : NULL;
	while (h && s->active < max_fetches && s->storing < max_fetches) {
		struct host *next = h->wnext;
		while (h->qhead && s->active < max_fetches && s->storing < max_fetches &&
		       h->active < per_host &&
		       h->next_ok_ms <= now && h->pushed_until_ms <= now) {
			struct feed_rt *rt = h->qhead;
			host_dequeue(s, rt);
			if (s->shared) {
				if (claim_async(s, rt, now, per_host, gap))
					h->next_ok_ms = now + gap;
				continue;
			}
			/* One process on its store always gets the feed. */
			h->next_ok_ms = now + gap;
			start_fetch(s, rt);
		}
		if (h->qhead && h->active < per_host) {
			int64_t t = h->next_ok_ms > h->pushed_until_ms ? h->next_ok_ms : h->pushed_until_ms;
			if (t > now && t < wake)
				wake = t;
		}
		h = next;
	}
	/* A feed another instance held went back to the heap above. */
	if (s->nheap && s->heap[0]->due_ms < wake)
		wake = s->heap[0]->due_ms;
	arm(s, wake);
}

/* --- the pipeline --- */

static int read_auth(const char *path, char *buf, size_t len)
{
	/* Read on the loop: a FIFO or a device here would block every feed,
	 * so only a regular file is read (O_NONBLOCK keeps open() from waiting). */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	struct stat st;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return -ENOTSUP;
	}
	ssize_t n = read(fd, buf, len - 1);
	int e = errno;
	close(fd);
	if (n < 0)
		return -e;
	buf[n] = '\0';
	buf[strcspn(buf, "\r\n")] = '\0';
	return strchr(buf, ':') ? 0 : -EINVAL;
}

static int on_fetch_head(void *ud, const struct fetch_result *r)
{
	struct feed_rt *rt = ud;
	struct parse_opts o = {
		.url = r->url,
		.content_type = r->content_type,
		.content_location = r->content_location,
		.content_language = r->content_language,
		.max_doc_bytes = rt->fc->max_size > 0 ? (size_t)rt->fc->max_size : 0,
	};
	rt->parser = parse_new(&o);
	return rt->parser ? 0 : -ENOMEM;
}

static int on_fetch_body(void *ud, const char *buf, size_t len)
{
	struct feed_rt *rt = ud;
	return parse_chunk(rt->parser, buf, len);
}

static void on_fetch_done(void *ud, const struct fetch_result *r);

static void fail_now(struct sched *s, struct feed_rt *rt, const char *msg);

/* The last document was cut at a max_size smaller than today's: its
 * validators describe a document of which only a part was read, and would
 * be answered 304 until it changes. (The cap is read back from the warning
 * that said it: doc_capped writes it.) */
static bool cut_below_max_size(const struct feed_rt *rt)
{
	long long was;
	const char *w = rt->st.last_warning;
	return w && sscanf(w, "max_size: body larger than %lld bytes", &was) == 1 &&
	       was < rt->fc->max_size;
}

static void start_fetch(struct sched *s, struct feed_rt *rt)
{
	const struct feed_conf *fc = rt->fc;
	char auth[1024];
	bool whole = cut_below_max_size(rt);
	struct fetch_request req = {
		.url = feed_url(rt),
		.etag = whole ? NULL : rt->st.etag,
		.last_modified = whole ? NULL : rt->st.last_modified,
		.user_agent = fc->user_agent ? fc->user_agent : s->conf->daemon.user_agent,
		.headers = (const char *const *)fc->headers,
		.proxy = fc->proxy,
		.timeout = fc->timeout,
		.max_size = fc->max_size,
		.allow_private = fc->allow_private,
	};
	if (fc->auth_file) {
		int e = read_auth(fc->auth_file, auth, sizeof auth);
		if (e < 0) {
			char msg[512];
			snprintf(msg, sizeof msg, "auth_file %s: %s", fc->auth_file,
				 e == -EINVAL ? "no \"user:password\" line" :
				 e == -ENOTSUP ? "not a regular file" : strerror(-e));
			fail_now(s, rt, msg);
			return;
		}
		req.userpwd = auth;
	}
	static const struct fetch_callbacks cb = { on_fetch_head, on_fetch_body, on_fetch_done };
	rt->state = RT_FETCHING;
	rt->host->active++;
	s->active++;
	int e = fetch_start(s->fetcher, &req, &cb, rt, &rt->fx);
	if (fc->auth_file)
		memset(auth, 0, sizeof auth);   /* no password left on the stack */
	if (e < 0) {
		rt->host->active--;
		s->active--;
		fail_now(s, rt, strerror(-e));
	}
}

/* The record of one finished fetch, before it is written. */
struct outcome {
	int64_t now;             /* epoch seconds: last_fetch and the schedule's base */
	enum schedule_outcome sched;
	unsigned events;
	bool ok;                 /* 200/304: --once success */
	bool count_failure;
	const struct feed_hints *hints;
	char msg[512];
};

static void once_line(struct sched *s, struct feed_rt *rt, const char *text, bool ok)
{
	if (!s->once || rt->once_done)
		return;
	rt->once_done = true;
	rt->once_status = ok ? 0 : 1;
	free(rt->once_line);
	rt->once_line = xstrdup(text);
	printf("%s: %s\n", rt->st.name, text);
	fflush(stdout);
	if (s->once_left)
		s->once_left--;
}

static void refresh_now(struct sched *s, struct feed_rt *rt);

/* A fetch's commit on its way through the store thread: copies of what
 * the store needs (the loop may change RT meanwhile), and what the loop
 * does with the result. */
struct commit_job {
	struct storeq_job sq;
	struct sched *s;
	struct feed_rt *rt;
	struct feed_state st;    /* a copy, written by the thread */
	struct doc *doc;         /* owned; NULL when nothing was parsed */
	unsigned events;
	bool hook;
	bool ok;
	int64_t now;
	int status;
	int64_t bytes_decoded;
	char msg[512];
	/* when the store refuses the commit: the state recorded instead */
	int64_t prev_success, prev_failures, retry_due, retries;
	bool prev_error;
	/* results */
	int err;
	int record_err;          /* of the state-only write after a refusal */
	struct store_news news;
	struct feed_state fresh; /* after -ESTALE: the state another instance wrote */
	int fresh_err;
};

/* The fetch did not reach the store (a full disk, a broken database): it
 * is a failure, nothing of it counts as stored. The validators go, so that
 * the next request is unconditional and brings the document again, and
 * the feed is retried soon. */
static void commit_refused_state(struct commit_job *j)
{
	struct feed_state *st = &j->st;
	char msg[300];
	snprintf(msg, sizeof msg, "store refused the commit: %s", strerror(-j->err));
	set_str(&st->last_error, msg);
	set_str(&st->etag, NULL);
	set_str(&st->last_modified, NULL);
	st->last_success = j->prev_success;
	st->failures = j->prev_failures + 1;
	st->next_due = j->retry_due;
	set_str(&st->next_reason, "retry");
}

/* feeds.conf's skip and keep rules (core/filter.h): the items of DOC they
 * drop are marked, for the store to keep them as skipped. The rules were
 * checked with the config; they are compiled here, per document. */
static void mark_skipped(const struct feed_conf *fc, struct doc *doc)
{
	if (!doc || (!fc->skip && !fc->keep))
		return;
	struct filter *f = NULL;
	char err[320];
	if (filter_new(fc->skip, fc->keep, &f, err, sizeof err) < 0) {
		log_err("fetch %s: filter rules: %s; nothing skipped", fc->name, err);
		return;
	}
	size_t n = 0;
	for (size_t i = 0; i < doc->nitems; i++)
		n += doc->items[i].skipped = filter_skips(f, &doc->items[i]);
	filter_free(f);
	if (n)
		log_debug("fetch %s: %zu of %zu items skipped by the filter rules", fc->name, n,
			  doc->nitems);
}

/* On the store thread: one transaction; when the store refuses it, the
 * refusal itself, in a smaller one (which a nearly full disk may take). */
static void commit_work(struct store *store, void *arg)
{
	struct commit_job *j = arg;
	j->err = store_commit_fetch(store, &j->st, j->doc, j->events, j->hook, &j->news);
	if (j->err == -ESTALE) {
		/* Fenced off (another instance holds the lease now): its state is
		 * the newer one, read it for the loop; no refusal to record. */
		j->fresh_err = store_feed_load(store, j->st.name, &j->fresh);
	} else if (j->err < 0) {
		store_news_clear(&j->news);
		commit_refused_state(j);
		j->record_err = store_commit_fetch(store, &j->st, NULL, 0, false, NULL);
	}
}

/* Back on the loop after a refused commit: the loop's copy says the same. */
static void commit_refused(struct commit_job *j)
{
	struct sched *s = j->s;
	struct feed_rt *rt = j->rt;
	struct feed_state *st = &rt->st;
	log_err("fetch %s: %s%s", st->name, j->st.last_error,
		j->record_err < 0 ? " (nor could it record the failure)" : "");
	set_str(&st->last_error, j->st.last_error);
	set_str(&st->etag, NULL);
	set_str(&st->last_modified, NULL);
	set_str(&st->next_reason, j->st.next_reason);
	st->last_success = j->st.last_success;
	st->failures = j->st.failures;
	st->next_due = j->st.next_due;
	rt->retries = j->retries;
	rt->store_refused = true;
	if (j->record_err == 0) {
		rt->store_stale = false;
	} else if (!rt->store_stale && !j->prev_failures && !j->prev_error && !st->gone) {
		rt->store_stale = true;
		rt->stale_new = j->prev_success == 0;
	}
	struct feedd_totals *t = &s->d->totals;
	t->commits_refused++;
	t->commit_refused_at = j->now;
	snprintf(t->commit_error, sizeof t->commit_error, "%s", j->st.last_error);
	j->ok = false;
	snprintf(j->msg, sizeof j->msg, "%s", j->st.last_error);
}

/* Back on the loop: wake the API, log, reschedule. */
static void commit_done(void *arg)
{
	struct commit_job *j = arg;
	struct sched *s = j->s;
	struct feed_rt *rt = j->rt;
	struct feedd *d = s->d;
	struct feed_state *st = &rt->st;
	st->lease_until = 0;    /* the commit ended the lease */
	if (j->err == -ESTALE) {
		/* Fenced off: this instance's lease ran out (it was stopped, or
		 * its store was slow) and another instance fetched the feed since.
		 * Its state is the newer one: take it over, drop this fetch's. */
		log_warn("fetch %s: dropped: the lease ran out and another instance "
			 "fetched the feed meanwhile", st->name);
		if (j->fresh_err == 0)
			take_state(rt, &j->fresh);
		j->ok = false;
		snprintf(j->msg, sizeof j->msg, "fenced off, another instance fetched it");
	} else if (j->err < 0) {
		commit_refused(j);
	} else {
		rt->store_refused = false;
		rt->store_stale = false;
		d->totals.items_new += (int64_t)j->news.nnew;
		d->totals.items_updated += (int64_t)j->news.nupdated;
		/* --once has no listeners: hooks are queued in the store and run
		 * by the daemon later. */
		if (!s->once && (j->news.nnew || j->news.nupdated || j->events))
			feedd_news(d, &j->news);
	}

	char line[768];
	if (j->ok && j->status == 304)
		snprintf(line, sizeof line, "304 not modified");
	else if (j->ok)
		snprintf(line, sizeof line, "%d, %zu items, %zu new, %lld bytes",
			 j->status ? j->status : 200, j->doc ? j->doc->nitems : 0, j->news.nnew,
			 (long long)j->bytes_decoded);
	else
		snprintf(line, sizeof line, "error: %s", j->msg);
	int64_t in_s = st->next_due > j->now ? st->next_due - j->now : 0;
	if (s->once)
		log_debug("fetch %s: %s", st->name, line);   /* stdout has the line */
	else {
		/* Under journald, one feed's history: journalctl -u feedd FEED=NAME. */
		char status[16] = "", nnew[24];
		if (j->status)
			snprintf(status, sizeof status, "%d", j->status);
		snprintf(nnew, sizeof nnew, "%zu", j->ok ? j->news.nnew : 0);
		const struct log_field f[] = {
			{"FEED", st->name}, {"URL", st->url},
			{"HTTP_STATUS", *status ? status : NULL}, {"ITEMS_NEW", nnew},
		};
		log_fields(j->ok ? LOG_LVL_INFO : LOG_LVL_WARNING, f, sizeof f / sizeof f[0],
			   "fetch %s: %s; next in %llds (%s)", st->name, line, (long long)in_s,
			   st->next_reason);
	}
	once_line(s, rt, line, j->ok);

	rt->state = RT_IDLE;
	if (!st->gone && !s->once && !s->closing && rt->fc->enabled)
		schedule_at(s, rt, st->next_due * 1000);
	if (rt->refresh && !s->closing) {
		rt->refresh = false;
		refresh_now(s, rt);
	}
	s->storing--;
	store_news_clear(&j->news);
	feed_state_clear(&j->st);
	feed_state_clear(&j->fresh);
	doc_free(j->doc);
	free(j);
	/* The feed is back in the heap: re-arm. */
	if (!s->closing)
		dispatch(s);
}

/* Writes ST and DOC (which it takes) in one transaction on the store
 * thread; the loop then wakes the API and reschedules (commit_done). */
static void commit(struct sched *s, struct feed_rt *rt, struct doc *doc, struct outcome *o,
		   const struct fetch_result *r)
{
	int64_t now = o->now;
	const struct feed_conf *fc = rt->fc;
	struct feed_state *st = &rt->st;

	int64_t prev_failures = st->failures;
	int64_t prev_success = st->last_success;
	bool prev_error = st->last_error != NULL;
	if (o->ok) {
		if (prev_failures >= FAILING_AFTER)
			o->events |= STORE_EV_RECOVERED;
		st->failures = 0;
		set_str(&st->last_error, NULL);
		st->last_success = now;
	} else if (o->count_failure) {
		st->failures++;
		if (st->failures == FAILING_AFTER)
			o->events |= STORE_EV_FAILING;
		set_str(&st->last_error, o->msg);
	} else {
		set_str(&st->last_error, o->msg);
	}

	bool transient = o->sched == SCHEDULE_RETRY || o->sched == SCHEDULE_OUTAGE;
	int64_t prev_retries = rt->retries;
	rt->retries = transient ? rt->retries + 1 : 0;
	if (st->gone) {
		st->next_due = 0;
		set_str(&st->next_reason, "gone");
	} else {
		struct schedule_in in = {
			.now = now,
			.interval = fc->interval,
			.min_interval = fc->min_interval,
			.max_interval = fc->max_interval,
			.outcome = o->sched,
			.failures = transient ? rt->retries : st->failures,
			.cache_control = r ? r->cache_control : NULL,
			.expires = r ? r->expires : NULL,
			.date = r ? r->date : NULL,
			.retry_after = r ? r->retry_after : NULL,
			.hints = o->hints,
			.rng = s->once ? NULL : &s->rng,
		};
		struct schedule_out out;
		schedule_next(&in, &out);
		st->next_due = out.next_due;
		set_str(&st->next_reason, out.reason);
	}

	mark_skipped(fc, doc);
	struct commit_job *j = calloc(1, sizeof *j);
	if (!j || feed_state_copy(&j->st, st) < 0) {
		free(j);
		log_err("fetch %s: store: %s", st->name, strerror(ENOMEM));
		doc_free(doc);
		rt->state = RT_IDLE;
		rt->refresh = false;
		if (!st->gone && !s->once && fc->enabled)
			schedule_at(s, rt, st->next_due * 1000);
		return;
	}
	j->s = s;
	j->rt = rt;
	j->doc = doc;
	j->prev_success = prev_success;
	j->prev_failures = prev_failures;
	j->prev_error = prev_error;
	/* Refused commits in a row are transient errors in a row too. */
	j->retries = transient ? rt->retries : (rt->store_refused ? prev_retries : 0) + 1;
	{
		struct schedule_in in = {
			.now = now, .interval = fc->interval, .min_interval = fc->min_interval,
			.max_interval = fc->max_interval, .outcome = SCHEDULE_RETRY,
			.failures = j->retries, .rng = s->once ? NULL : &s->rng,
		};
		struct schedule_out out;
		schedule_next(&in, &out);
		j->retry_due = st->gone ? 0 : out.next_due;
	}
	j->events = o->events;
	j->hook = fc->exec != NULL;
	j->ok = o->ok;
	j->now = now;
	j->status = r ? r->status : 0;
	j->bytes_decoded = r ? r->bytes_decoded : 0;
	snprintf(j->msg, sizeof j->msg, "%s", o->msg);
	rt->state = RT_STORING;
	s->storing++;
	storeq_submit(s->storeq, &j->sq, commit_work, commit_done, j);
}

/* A fetch that could not even start (auth file, out of memory). */
static void fail_now(struct sched *s, struct feed_rt *rt, const char *msg)
{
	struct outcome o = { .sched = SCHEDULE_FAILED, .count_failure = true,
			     .now = (int64_t)time(NULL) };
	snprintf(o.msg, sizeof o.msg, "%s", msg);
	rt->st.n_err_net++;
	s->d->totals.errors_net++;
	commit(s, rt, NULL, &o, NULL);
}

static bool outage(struct sched *s, struct feed_rt *rt, int64_t now)
{
	rt->host->last_net_fail_ms = now;
	if (s->last_heard_ms > now - OUTAGE_WINDOW_MS)
		return false;
	int hosts = 0;
	for (size_t i = 0; i < HOST_BUCKETS && hosts < OUTAGE_HOSTS; i++)
		for (struct host *h = s->hosts[i]; h; h = h->hnext)
			if (h->last_net_fail_ms > now - OUTAGE_WINDOW_MS)
				hosts++;
	return hosts >= OUTAGE_HOSTS;
}

/* H's run of 429s is N429 after a 429: the host is pushed back here once
 * the run reaches the limit, for PUSH ms (0: worked out from SECS). */
static void host_count_429(struct host *h, int n429, int64_t secs, int64_t now, int64_t push)
{
	h->n429 = n429;
	if (h->n429 < HOST_429_LIMIT)
		return;
	if (push <= 0)
		push = schedule_host_push_ms(secs, h->n429);
	if (h->pushed_until_ms < now + push)
		h->pushed_until_ms = now + push;
	log_warn("host %s: %d consecutive 429s, pausing the host for %llds", h->name, h->n429,
		 (long long)(push / 1000));
}

/* A shared store's 429 accounting on the store thread: the run of 429s
 * over every instance, and the push-back for all of them, written there;
 * the loop learns the run's length when the answer comes. Claims queue
 * behind it, so a claim made afterwards sees the push-back. */
struct host_job {
	struct storeq_job sq;
	struct sched *s;
	struct host *h;          /* hosts live until sched_close, after the drain */
	char *name;
	bool is429;
	int64_t secs, now;       /* the Retry-After (s); when the answer came (ms) */
	int err;
	int64_t n429, push;
};

static void host_work(struct store *store, void *arg)
{
	struct host_job *j = arg;
	j->err = store_host_answer(store, j->name, j->is429, &j->n429);
	if (j->err == 0 && j->is429 && j->n429 >= HOST_429_LIMIT) {
		j->push = schedule_host_push_ms(j->secs, (int)j->n429);
		store_host_push(store, j->name, j->push);
	}
}

static void host_done(void *arg)
{
	struct host_job *j = arg;
	if (j->is429 && !j->s->closing)
		host_count_429(j->h, j->err == 0 ? (int)j->n429 : j->h->n429 + 1, j->secs, j->now,
			       j->err == 0 ? j->push : 0);
	free(j->name);
	free(j);
}

static bool host_answer_async(struct sched *s, struct host *h, bool is429, int64_t secs,
			      int64_t now)
{
	struct host_job *j = calloc(1, sizeof *j);
	if (!j || !(j->name = strdup(h->name))) {
		free(j);
		return false;
	}
	j->s = s;
	j->h = h;
	j->is429 = is429;
	j->secs = secs;
	j->now = now;
	storeq_submit(s->storeq, &j->sq, host_work, host_done, j);
	return true;
}

/* Repeated 429s from one host push the whole host back. On a shared store
 * the run of 429s is counted over every instance and the push-back holds
 * for all of them (written on the store thread); a store of one process
 * (or a shared one when there is no memory for the job) counts here only. */
static void host_throttled(struct sched *s, struct feed_rt *rt, const struct fetch_result *r,
			   int64_t now)
{
	struct host *h = rt->host;
	bool is429 = r->status == 429;
	bool ask = is429 || h->n429 > 0 || rt->host_429;
	rt->host_429 = false;
	int64_t secs = 60, ra;
	/* A Retry-After of 0 or in the past is no hint: the default pause. */
	if (is429 && schedule_retry_after(r->retry_after, now / 1000, &ra) == 0 && ra > 0)
		secs = ra;
	else if (!is429)
		h->n429 = 0;
	if (ask && s->shared && host_answer_async(s, h, is429, secs, now))
		return;
	if (is429)
		host_count_429(h, h->n429 + 1, secs, now, 0);
}


/* A validator with a control character cannot be sent back in a request
 * header: it is not kept (the next request is unconditional), and the
 * publisher's mistake is said once per feed, not at every fetch. */
static const char *sendable_validator(struct feed_rt *rt, const char *what, const char *v)
{
	for (const unsigned char *c = (const unsigned char *)v; c && *c; c++) {
		if ((*c < 0x20 && *c != '\t') || *c == 0x7f) {
			if (!rt->validator_warned)
				log_warn("fetch %s: the server's %s holds a control character; "
					 "not used for conditional requests", rt->st.name, what);
			rt->validator_warned = true;
			return NULL;
		}
	}
	return v;
}

/* A 2xx body that ended inside its root element, or whose transfer broke
 * (BROKE): the fetch failed ("truncated"), the complete items before the
 * cut are stored, and the validators are not, so that the next request
 * fetches the whole document again. */
static void body_cut(struct feed_rt *rt, const struct fetch_result *r, const struct doc *doc,
		     bool broke, struct outcome *o)
{
	char how[320] = "";
	if (doc->cut)
		snprintf(how, sizeof how, "the document ends %s", doc->cut);
	if (broke)
		snprintf(how + strlen(how), sizeof how - strlen(how), "%s%s%s%s",
			 doc->cut ? " (" : "",
			 r->error == FETCH_ERR_PARTIAL ? "" : fetch_error_name(r->error),
			 r->error == FETCH_ERR_PARTIAL ? "" : ": ", r->error_msg ? r->error_msg : "");
	if (broke && doc->cut)
		snprintf(how + strlen(how), sizeof how - strlen(how), ")");
	snprintf(o->msg, sizeof o->msg,
		 "truncated: %s; %zu complete item%s kept, the next fetch asks for the whole document",
		 how, doc->nitems, doc->nitems == 1 ? "" : "s");
	rt->st.n_truncated++;
	rt->s->d->totals.truncated++;
}

/* A document read whole but for the caps it hit: the feed's last_warning
 * says what was cut and where (NULL when nothing was), and the daemon's
 * totals count each cap. OVER_SIZE: max_size stopped the body. */
static void doc_capped(struct feed_rt *rt, const struct doc *doc, bool over_size)
{
	struct feedd_totals *t = &rt->s->d->totals;
	char w[1024] = "";
	if (over_size) {
		t->caps[DOC_CAP__COUNT]++;
		snprintf(w, sizeof w, "max_size: body larger than %lld bytes, the rest not read "
			 "(%zu complete item%s kept)", (long long)rt->fc->max_size, doc->nitems,
			 doc->nitems == 1 ? "" : "s");
	}
	for (int i = 0; i < DOC_CAP__COUNT; i++)
		if (doc->caps & (1u << i))
			t->caps[i]++;
	if (doc->capped)
		snprintf(w + strlen(w), sizeof w - strlen(w), "%s%s", *w ? "; " : "", doc->capped);
	set_str(&rt->st.last_warning, *w ? w : NULL);
	if (*w)
		log_warn("fetch %s: capped: %s", rt->st.name, w);
}

static void on_fetch_done(void *ud, const struct fetch_result *r)
{
	struct feed_rt *rt = ud;
	struct sched *s = rt->s;
	struct feedd *d = s->d;
	struct feed_state *st = &rt->st;
	int64_t now = now_ms();
	struct doc *doc = NULL;
	/* Due times are whole seconds: round the base up, or the next request
	 * could come up to a second before the interval has passed. */
	struct outcome o = { .sched = SCHEDULE_FAILED, .count_failure = true,
			     .now = (now + 999) / 1000 };

	rt->fx = NULL;
	rt->host->active--;
	s->active--;

	st->last_fetch = now / 1000;
	st->n_requests++;
	if (r->conditional)
		st->n_conditional++;
	st->bytes_wire += r->bytes_wire;
	st->bytes_decoded += r->bytes_decoded;
	st->last_status = r->status;
	d->totals.fetches++;
	d->totals.bytes_wire += r->bytes_wire;
	d->totals.bytes_decoded += r->bytes_decoded;
	if (r->status > 0)
		s->last_heard_ms = now;
	if (r->error == FETCH_OK || r->status > 0)
		host_throttled(s, rt, r, now);

	/* A permanent redirect moves the feed, whatever came after it. */
	if (r->moved_url && r->error == FETCH_OK &&
	    ((r->status >= 200 && r->status < 300) || r->status == 304) &&
	    strcmp(r->moved_url, feed_url(rt)) != 0) {
		log_notice("feed %s moved permanently: %s -> %s", st->name, feed_url(rt),
			   r->moved_url);
		set_str(&st->effective_url, strcmp(r->moved_url, rt->fc->url) ? r->moved_url : NULL);
		o.events |= STORE_EV_MOVED;
	}

	bool body_error = r->error == FETCH_ERR_BODY;
	/* max_size reached in a 2xx body: a cap, like the parser's own. */
	bool over_size = r->error == FETCH_ERR_TOO_BIG && rt->parser;
	/* The transfer broke after a 2xx body began (closed before its
	 * length, reset, timed out): whatever parses is cut short. */
	bool broke = rt->parser && r->error != FETCH_OK && !body_error && !over_size;
	struct doc *pdoc = NULL;
	char *perr = NULL;
	int pe = 1;              /* 1: no body to parse */
	if ((r->error == FETCH_OK && r->status >= 200 && r->status < 300) || body_error ||
	    over_size || broke) {
		if (!rt->parser)
			on_fetch_head(rt, r);
		pe = rt->parser ? parse_finish(rt->parser, &pdoc, &perr) : -ENOMEM;
		parse_free(rt->parser);
		rt->parser = NULL;
	}
	if (pe == 0 && (broke || (pdoc->cut && !over_size))) {
		body_cut(rt, r, pdoc, broke, &o);
		doc = pdoc;
	} else if (pe == 0) {
		doc = pdoc;
		st->n_200++;
		d->totals.ok200++;
		/* The document's validators, replacing the old ones (absent = none). */
		set_str(&st->etag, sendable_validator(rt, "ETag", r->etag));
		set_str(&st->last_modified,
			sendable_validator(rt, "Last-Modified", r->last_modified));
		if (doc->feed.title)
			set_str(&st->title, doc->feed.title);
		if (doc->feed.link)
			set_str(&st->site_url, doc->feed.link);
		rt->hints = doc->feed.hints;
		rt->have_hints = true;
		st->gone = false;
		o.ok = true;
		o.sched = SCHEDULE_OK;
		o.hints = &rt->hints;
		doc_capped(rt, doc, over_size);
	} else if (pe != 1 && !broke && !over_size) {
		st->n_err_parse++;
		d->totals.errors_parse++;
		snprintf(o.msg, sizeof o.msg, "not a usable feed: %s",
			 perr ? perr : strerror(-pe));
	} else if (r->error == FETCH_OK && r->status == 304) {
		st->n_304++;
		d->totals.not_modified++;
		/* A 304 may refresh the validators; keep the ones it does not send. */
		if (r->etag)
			set_str(&st->etag, sendable_validator(rt, "ETag", r->etag));
		if (r->last_modified)
			set_str(&st->last_modified,
				sendable_validator(rt, "Last-Modified", r->last_modified));
		o.ok = true;
		o.sched = SCHEDULE_OK;
		o.hints = rt->have_hints ? &rt->hints : NULL;
	} else if (r->error == FETCH_OK && r->status == 410) {
		st->n_err_http++;
		d->totals.errors_http++;
		if (!st->gone)
			o.events |= STORE_EV_GONE;
		st->gone = true;
		o.count_failure = false;
		snprintf(o.msg, sizeof o.msg,
			 "HTTP 410 Gone: polling stopped (change the feed's config or refresh it to resume)");
	} else if (r->error == FETCH_OK) {
		st->n_err_http++;
		d->totals.errors_http++;
		/* 429, and a 503 that says when: Retry-After. Any other 5xx is
		 * the server's passing trouble: the retry schedule. A Retry-After
		 * of 0 or a past date says nothing (it would only lengthen the
		 * wait, core/schedule.c): such a 503 retries like one without. */
		int64_t ra;
		bool says_when = schedule_retry_after(r->retry_after, now / 1000, &ra) == 0 &&
				 ra > 0;
		if (r->status == 429 || (r->status == 503 && says_when))
			o.sched = SCHEDULE_THROTTLED;
		else if (r->status >= 500 && r->status <= 599)
			o.sched = SCHEDULE_RETRY;
		snprintf(o.msg, sizeof o.msg, "HTTP %d%s%s", r->status,
			 r->retry_after ? ", Retry-After: " : "", r->retry_after ? r->retry_after : "");
	} else {
		bool net = fetch_error_is_network(r->error) ||
			   (r->error == FETCH_ERR_TIMEOUT && r->status == 0);
		st->n_err_net++;
		d->totals.errors_net++;
		snprintf(o.msg, sizeof o.msg, "%s: %s", fetch_error_name(r->error),
			 r->error_msg ? r->error_msg : "");
		/* Refused, unresolved, timed out: likely to pass, retry soon. */
		if (net || r->error == FETCH_ERR_TIMEOUT)
			o.sched = SCHEDULE_RETRY;
		if (net && outage(s, rt, now)) {
			/* Everyone is failing at once: the network, not the feed. */
			o.sched = SCHEDULE_OUTAGE;
			o.count_failure = false;
			snprintf(o.msg, sizeof o.msg, "%s: %s (network outage: not counted)",
				 fetch_error_name(r->error), r->error_msg ? r->error_msg : "");
		}
	}
	if (rt->parser) {
		parse_free(rt->parser);
		rt->parser = NULL;
	}
	free(perr);
	commit(s, rt, doc, &o, r);
	dispatch(s);
}

/* --- life cycle --- */

static void rt_free(struct sched *s, struct feed_rt *rt)
{
	if (rt->state == RT_FETCHING) {
		if (rt->fx)
			fetch_cancel(rt->fx);
		rt->host->active--;
		s->active--;
	}
	if (rt->parser)
		parse_free(rt->parser);
	if (rt->state == RT_QUEUED)
		host_dequeue(s, rt);
	heap_remove(s, rt);
	feed_state_clear(&rt->st);
	free(rt->once_line);
	free(rt);
}

/* Puts RT in the heap at its persisted due time, or spread over the
 * start-up window when overdue (the Nth overdue feed). */
static void place(struct sched *s, struct feed_rt *rt, int64_t now, size_t *overdue)
{
	if (!rt->fc->enabled || rt->st.gone) {
		rt->state = RT_IDLE;
		return;
	}
	int64_t due = rt->st.next_due * 1000;
	if (s->once || due <= now) {
		int64_t off = s->once ? 0 : (int64_t)(*overdue)++ * SPREAD_STEP_MS;
		if (off > SPREAD_MAX_MS)
			off = (int64_t)(schedule_rand(&s->rng) % SPREAD_MAX_MS);
		due = now + off;
	}
	schedule_at(s, rt, due);
}

static struct feed_rt *rt_new(struct sched *s, const struct feed_conf *fc)
{
	struct feed_rt *rt = calloc(1, sizeof *rt);
	if (!rt)
		return NULL;
	rt->s = s;
	rt->fc = fc;
	rt->heap_idx = SIZE_MAX;
	if (store_feed_load(s->d->store, fc->name, &rt->st) < 0) {
		memset(&rt->st, 0, sizeof rt->st);
		rt->st.name = strdup(fc->name);
		rt->st.url = strdup(fc->url);
	}
	/* After a restart a feed on the retry schedule goes on where it was. */
	const char *why = rt->st.next_reason;
	if (why && (!strcmp(why, "retry") || !strcmp(why, "outage")))
		rt->retries = rt->st.failures > 0 ? rt->st.failures : 1;
	rt->host = host_get(s, feed_url(rt));
	if (!rt->st.name || !rt->host) {
		feed_state_clear(&rt->st);
		free(rt);
		return NULL;
	}
	return rt;
}

static int load_feeds(struct sched *s, const struct config *c)
{
	int64_t now = now_ms();
	size_t overdue = 0;
	s->feeds = calloc(c->nfeeds ? c->nfeeds : 1, sizeof *s->feeds);
	if (!s->feeds)
		return -ENOMEM;
	for (size_t i = 0; i < c->nfeeds; i++) {
		if (s->once && !c->feeds[i].enabled)
			continue;
		struct feed_rt *rt = rt_new(s, &c->feeds[i]);
		if (!rt)
			return -ENOMEM;
		s->feeds[s->nfeeds++] = rt;
	}
	qsort(s->feeds, s->nfeeds, sizeof *s->feeds, cmp_rt);
	for (size_t i = 0; i < s->nfeeds; i++)
		place(s, s->feeds[i], now, &overdue);
	if (overdue > 1)
		log_info("sched: %zu feeds overdue, spread over %llds", overdue,
			 (long long)((overdue * SPREAD_STEP_MS < SPREAD_MAX_MS ?
				      overdue * SPREAD_STEP_MS : SPREAD_MAX_MS) / 1000));
	return 0;
}

static int sched_new(struct feedd *d, bool once, struct sched **out)
{
	if (!parse_inited) {
		parse_global_init();
		parse_inited = true;
	}
	struct sched *s = calloc(1, sizeof *s);
	if (!s)
		return -ENOMEM;
	s->d = d;
	s->conf = d->conf;
	s->once = once;
	s->rng = (uint64_t)now_ms() ^ ((uint64_t)getpid() << 32);
	uv_timer_init(d->loop, &s->timer);
	s->timer.data = s;
	int e = 0;
	if (d->fetcher) {
		s->fetcher = d->fetcher;
	} else {
		e = fetcher_init(d->loop, &s->fetcher);
		if (e == 0) {
			s->own_fetcher = true;
			d->fetcher = s->fetcher;
		}
	}
	if (e == 0)
		e = load_feeds(s, d->conf);
	s->storeq = d->storeq;
	s->shared = store_is_shared(d->store);
	*out = s;
	return e;
}

int sched_start(struct feedd *d, struct sched **out)
{
	struct sched *s;
	int e = sched_new(d, false, &s);
	if (e < 0) {
		sched_close(s);
		return e;
	}
	log_info("sched: %zu feeds, max_fetches %lld, per_host %lld, host_gap %lldms", s->nfeeds,
		 (long long)d->conf->daemon.max_fetches, (long long)d->conf->daemon.per_host,
		 (long long)d->conf->daemon.host_gap);
	*out = s;
	d->sched = s;
	dispatch(s);
	return 0;
}

int sched_reload(struct sched *s, const struct config *c)
{
	/* A feed may go below: none may have a commit on its way. */
	storeq_drain(s->storeq);
	struct feed_rt **nf = calloc(c->nfeeds ? c->nfeeds : 1, sizeof *nf);
	if (!nf)
		return -ENOMEM;
	int64_t now = now_ms();
	size_t n = 0, overdue = 0;
	for (size_t i = 0; i < c->nfeeds; i++) {
		const struct feed_conf *fc = &c->feeds[i];
		struct feed_rt *rt = find_feed(s, fc->name);
		if (rt) {
			/* Keep it: same feed, new settings. */
			bool url_changed = strcmp(rt->fc->url, fc->url) != 0;
			bool was_enabled = rt->fc->enabled;
			rt->fc = fc;
			rt->keep = true;
			if (url_changed) {
				/* The store cleared validators and gone: start afresh. */
				if (rt->fx) {
					fetch_cancel(rt->fx);
					rt->fx = NULL;
					rt->host->active--;
					s->active--;
				}
				if (rt->parser) {
					parse_free(rt->parser);
					rt->parser = NULL;
				}
				if (rt->state == RT_QUEUED)
					host_dequeue(s, rt);
				heap_remove(s, rt);
				feed_state_clear(&rt->st);
				if (store_feed_load(s->d->store, fc->name, &rt->st) < 0) {
					rt->st.name = strdup(fc->name);
					rt->st.url = strdup(fc->url);
				}
				rt->have_hints = false;
				rt->host = host_get(s, feed_url(rt));
				rt->st.next_due = 0;
				place(s, rt, now, &overdue);
			} else if (!fc->enabled && rt->state == RT_WAITING) {
				heap_remove(s, rt);
				rt->state = RT_IDLE;
			} else if (fc->enabled && !was_enabled && rt->state == RT_IDLE) {
				if (rt->st.gone) {
					rt->st.gone = false;   /* a config change resumes a gone feed */
				}
				place(s, rt, now, &overdue);
			}
		} else {
			rt = rt_new(s, fc);
			if (!rt)
				continue;
			rt->keep = true;
			place(s, rt, now, &overdue);
		}
		nf[n++] = rt;
	}
	/* Feeds no longer configured stop (their history stays in the store). */
	for (size_t i = 0; i < s->nfeeds; i++) {
		struct feed_rt *rt = s->feeds[i];
		if (!rt->keep)
			rt_free(s, rt);
	}
	for (size_t i = 0; i < n; i++)
		nf[i]->keep = false;
	free(s->feeds);
	s->feeds = nf;
	s->nfeeds = n;
	qsort(s->feeds, s->nfeeds, sizeof *s->feeds, cmp_rt);
	s->conf = c;
	dispatch(s);
	return 0;
}

int sched_rename(struct sched *s, const char *from, const char *to)
{
	struct feed_rt *rt = find_feed(s, from);
	if (!rt)
		return -ENOENT;
	if (find_feed(s, to))
		return -EEXIST;
	char *n = strdup(to);
	if (!n)
		return -ENOMEM;
	free(rt->st.name);
	rt->st.name = n;
	qsort(s->feeds, s->nfeeds, sizeof *s->feeds, cmp_rt);
	return 0;
}

void sched_pause(struct sched *s, bool paused)
{
	s->paused = paused;
	if (!paused)
		dispatch(s);
}

int sched_refresh(struct sched *s, const char *name)
{
	struct feed_rt *rt = find_feed(s, name);
	if (!rt)
		return -ENOENT;
	/* Not asked yet: the coming fetch is the refresh. */
	if (rt->state == RT_QUEUED || rt->state == RT_CLAIMING || rt->state == RT_LOADING)
		return 0;
	if (rt->state == RT_FETCHING || rt->state == RT_STORING) {
		/* The request may have gone out before what the refresh is
		 * for was published: another fetch follows this one, from
		 * the state its commit leaves (a 410 just seen, say). */
		rt->refresh = true;
		return 0;
	}
	refresh_now(s, rt);
	dispatch(s);
	return 0;
}

/* RT is due now, from the stored state FRESH when not NULL (taken over). */
static void refresh_from(struct sched *s, struct feed_rt *rt, struct feed_state *fresh)
{
	if (fresh)
		take_state(rt, fresh);
	rt->st.gone = false;
	schedule_at(s, rt, now_ms());
}

/* A refresh's look at the stored state, on the store thread. */
struct load_job {
	struct storeq_job sq;
	struct sched *s;
	struct feed_rt *rt;      /* RT_LOADING until DONE: kept by sched_reload's drain */
	char *name;
	struct feed_state fresh;
	int err;
};

static void load_work(struct store *store, void *arg)
{
	struct load_job *j = arg;
	j->err = store_feed_load(store, j->name, &j->fresh);
}

static void load_done(void *arg)
{
	struct load_job *j = arg;
	struct sched *s = j->s;
	if (!s->closing) {
		j->rt->state = RT_IDLE;
		refresh_from(s, j->rt, j->err == 0 ? &j->fresh : NULL);
		dispatch(s);
	}
	feed_state_clear(&j->fresh);
	free(j->name);
	free(j);
}

static void refresh_now(struct sched *s, struct feed_rt *rt)
{
	int64_t now = now_ms();
	/* The publisher's Retry-After still stands. */
	if (rt->st.next_reason && strcmp(rt->st.next_reason, "retry-after") == 0 &&
	    rt->st.next_due * 1000 > now)
		return;
	/* On a shared store another instance may have fetched it since: start
	 * from the stored state, so that the claim matches it. The state is
	 * read on the store thread (the feed waits, out of the heap, as
	 * "queued"); without memory for that, from the state held here. */
	struct load_job *j = calloc(1, sizeof *j);
	if (!j || !(j->name = strdup(rt->fc->name))) {
		free(j);
		refresh_from(s, rt, NULL);
		return;
	}
	j->s = s;
	j->rt = rt;
	storeq_submit(s->storeq, &j->sq, load_work, load_done, j);
	heap_remove(s, rt);
	rt->state = RT_LOADING;
}

json_t *sched_feed_live(struct sched *s, const char *name)
{
	struct feed_rt *rt = find_feed(s, name);
	if (!rt)
		return NULL;
	static const char *const names[] = {
		[RT_IDLE] = "idle", [RT_WAITING] = "waiting", [RT_QUEUED] = "queued",
		[RT_CLAIMING] = "queued", [RT_FETCHING] = "fetching", [RT_STORING] = "fetching",
		[RT_LOADING] = "queued",
	};
	const char *state = names[rt->state];
	if (rt->state == RT_IDLE && rt->st.gone)
		state = "gone";
	else if (rt->state == RT_IDLE && !rt->fc->enabled)
		state = "disabled";
	json_t *o = json_object();
	json_object_set_new(o, "state", json_string(state));
	if (rt->state == RT_WAITING)
		json_object_set_new(o, "due_in_ms", json_integer(rt->due_ms - now_ms()));
	if (rt->store_refused && rt->st.last_error)
		json_object_set_new(o, "store_error", json_string(rt->st.last_error));
	json_object_set_new(o, "url", json_string(feed_url(rt)));
	return o;
}

void sched_fix_counts(struct sched *s, struct store_feed_counts *c)
{
	for (size_t i = 0; s && i < s->nfeeds; i++) {
		const struct feed_rt *rt = s->feeds[i];
		if (!rt->store_stale || !rt->fc->enabled)
			continue;
		int64_t *from = rt->stale_new ? &c->fresh : &c->ok;
		if (*from > 0) {
			(*from)--;
			c->failing++;
		}
	}
}

static void on_timer_close(uv_handle_t *h)
{
	free(h->data);
}

void sched_close(struct sched *s)
{
	if (!s)
		return;
	s->closing = true;
	uv_timer_stop(&s->timer);
	/* Commits (and claims, state reads) on their way are written and
	 * accounted before the feeds go. */
	storeq_drain(s->storeq);
	for (size_t i = 0; i < s->nfeeds; i++)
		rt_free(s, s->feeds[i]);
	free(s->feeds);
	free(s->heap);
	for (size_t i = 0; i < HOST_BUCKETS; i++) {
		for (struct host *h = s->hosts[i], *n; h; h = n) {
			n = h->hnext;
			free(h->name);
			free(h);
		}
	}
	if (s->own_fetcher) {
		fetcher_close(s->fetcher);
		if (s->d->fetcher == s->fetcher)
			s->d->fetcher = NULL;
	}
	if (s->d->sched == s)
		s->d->sched = NULL;
	uv_close((uv_handle_t *)&s->timer, on_timer_close);
}

/* --- feedd --once --- */

int sched_once(struct feedd *d)
{
	struct sched *s;
	int64_t t0 = now_ms();
	int e = sched_new(d, true, &s);
	if (e < 0) {
		log_err("--once: %s", strerror(-e));
		sched_close(s);
		uv_run(d->loop, UV_RUN_NOWAIT);
		return 1;
	}
	s->once_left = s->nfeeds;
	size_t skipped = 0;
	for (size_t i = 0; i < s->nfeeds; i++) {
		struct feed_rt *rt = s->feeds[i];
		if (rt->st.gone) {
			once_line(s, rt, "gone (HTTP 410), skipped", true);
			skipped++;
		}
	}
	dispatch(s);
	while (s->once_left > 0 && uv_run(d->loop, UV_RUN_ONCE))
		;
	int failed = 0;
	size_t ok = 0;
	for (size_t i = 0; i < s->nfeeds; i++) {
		if (!s->feeds[i]->once_done || s->feeds[i]->once_status)
			failed++;
		else
			ok++;
	}
	int64_t ms = now_ms() - t0;
	printf("total: %zu feeds, %zu ok (%lld 200, %lld 304, %zu gone), %d failed, "
	       "%lld new items, %lld bytes in %lld.%03llds\n",
	       s->nfeeds, ok, (long long)d->totals.ok200, (long long)d->totals.not_modified,
	       skipped, failed, (long long)d->totals.items_new, (long long)d->totals.bytes_wire,
	       (long long)(ms / 1000), (long long)(ms % 1000));
	fflush(stdout);
	sched_close(s);
	/* Let the close callbacks run; the caller's own handles (signals) may
	 * keep the loop alive, so never wait for it to empty. */
	uv_run(d->loop, UV_RUN_NOWAIT);
	uv_run(d->loop, UV_RUN_NOWAIT);
	return failed ? 1 : 0;
}
