/* sched.c — the scheduler's life cycle (daemon/sched.h): start, reload,
 * rename, pause and close; its feeds, sorted by name; their live state and
 * the counts the API corrects with it. The rooms it is made of are listed
 * in sched_int.h.
 *
 * Owns the feeds (feed_rt: their state, fetch and parser), the hosts and
 * the heap; sched_close frees them after draining the store thread, and
 * the struct itself in the timer's close callback. */
#include "daemon/sched.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/date.h"
#include "core/log.h"
#include "core/parse.h"
#include "core/schedule.h"
#include "daemon/fetch.h"
#include "daemon/sched_int.h"
#include "daemon/storeq.h"

static bool parse_inited;

int64_t sched_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void sched_set_str(char **dst, const char *v)
{
	char *n = v ? strdup(v) : NULL;
	free(*dst);
	*dst = n;
}

/* RT's state becomes FRESH (taken over, read from the store), under RT's
 * own name: a rename (sched_rename) may have come while FRESH was read
 * under the old one. */
void sched_take_state(struct feed_rt *rt, struct feed_state *fresh)
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

struct feed_rt *sched_find(struct sched *s, const char *name)
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

const char *sched_feed_url(const struct feed_rt *rt)
{
	return rt->st.effective_url ? rt->st.effective_url : rt->fc->url;
}

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
		sched_host_dequeue(s, rt);
	sched_heap_remove(s, rt);
	feed_state_clear(&rt->st);
	free(rt->once_line);
	free(rt->last.error);
	free(rt);
}

/* A fresh state for configured feed FC: its name and URL. */
static void state_fresh(const struct feed_conf *fc, struct feed_state *st)
{
	feed_state_clear(st);
	st->name = strdup(fc->name);
	st->url = strdup(fc->url);
}

/* Configured feed FC's stored state into ST, or a fresh one when the store
 * has none or cannot say. */
static void state_load(struct sched *s, const struct feed_conf *fc, struct feed_state *st)
{
	if (store_feed_load(s->store, fc->name, st) < 0)
		state_fresh(fc, st);
}

/* The runtime of configured feed FC, with ST (taken) as its state. */
static struct feed_rt *rt_new(struct sched *s, const struct feed_conf *fc, struct feed_state *st)
{
	struct feed_rt *rt = calloc(1, sizeof *rt);
	if (!rt) {
		feed_state_clear(st);
		return NULL;
	}
	rt->s = s;
	rt->fc = fc;
	rt->heap_idx = SIZE_MAX;
	rt->st = *st;
	/* After a restart a feed on the retry schedule goes on where it was. */
	const char *why = rt->st.next_reason;
	if (why && (!strcmp(why, "retry") || !strcmp(why, "outage")))
		rt->retries = rt->st.failures > 0 ? rt->st.failures : 1;
	rt->host = sched_host_get(s, sched_feed_url(rt));
	if (!rt->st.name || !rt->host) {
		feed_state_clear(&rt->st);
		free(rt);
		return NULL;
	}
	return rt;
}

/* Every stored feed's state, read in one statement at start (one lookup a
 * feed cost a statement and, on SQLite, a read transaction each). */
struct states {
	struct feed_state *st;       /* sorted by name once read */
	size_t n, cap;
	bool *taken;                 /* handed to rt_new (which owns it then) */
};

static int take_state(struct feed_state *st, void *ud)
{
	struct states *k = ud;
	if (k->n == k->cap) {
		size_t cap = k->cap ? k->cap * 2 : 64;
		struct feed_state *a = realloc(k->st, cap * sizeof *a);
		if (!a) {
			feed_state_clear(st);
			return -ENOMEM;
		}
		k->st = a;
		k->cap = cap;
	}
	k->st[k->n++] = *st;
	return 0;
}

static int cmp_state(const void *a, const void *b)
{
	return strcmp(((const struct feed_state *)a)->name, ((const struct feed_state *)b)->name);
}

static void states_free(struct states *k)
{
	for (size_t i = 0; i < k->n; i++)
		if (!k->taken || !k->taken[i])
			feed_state_clear(&k->st[i]);
	free(k->st);
	free(k->taken);
}

static int load_feeds(struct sched *s, const struct config *c)
{
	int64_t now = sched_now_ms();
	size_t overdue = 0;
	s->feeds = calloc(c->nfeeds ? c->nfeeds : 1, sizeof *s->feeds);
	if (!s->feeds)
		return -ENOMEM;
	/* Without the bulk read (an error), each feed looks its own row up. */
	struct states k = {0};
	bool bulk = store_feeds_load(s->store, take_state, &k) == 0 &&
		    (k.taken = calloc(k.n ? k.n : 1, sizeof *k.taken));
	if (k.n > 1)
		qsort(k.st, k.n, sizeof *k.st, cmp_state);
	for (size_t i = 0; i < c->nfeeds; i++) {
		if (s->once && !c->feeds[i].enabled)
			continue;
		const struct feed_conf *fc = &c->feeds[i];
		struct feed_state key = {.name = fc->name}, one = {0};
		struct feed_state *hit = bulk && k.n ? bsearch(&key, k.st, k.n, sizeof *k.st,
								cmp_state) : NULL;
		if (hit) {
			k.taken[hit - k.st] = true;
			one = *hit;
		} else if (bulk) {
			state_fresh(fc, &one);   /* not stored yet: no need to ask */
		} else {
			state_load(s, fc, &one);
		}
		struct feed_rt *rt = rt_new(s, fc, &one);
		if (!rt) {
			states_free(&k);
			return -ENOMEM;
		}
		s->feeds[s->nfeeds++] = rt;
	}
	states_free(&k);
	qsort(s->feeds, s->nfeeds, sizeof *s->feeds, cmp_rt);
	for (size_t i = 0; i < s->nfeeds; i++)
		sched_place(s, s->feeds[i], now, &overdue);
	sched_log_spread(overdue);
	return 0;
}

int sched_new(struct feedd *d, bool once, struct sched **out)
{
	if (!parse_inited) {
		parse_global_init();
		parse_inited = true;
	}
	*out = NULL;
	struct sched *s = calloc(1, sizeof *s);
	if (!s)
		return -ENOMEM;   /* sched_close(NULL) does nothing */
	s->d = d;
	s->conf = d->conf;
	s->store = d->store;
	s->storeq = d->storeq;
	s->totals = &d->totals;
	s->shared = store_is_shared(d->store);
	s->once = once;
	s->rng = (uint64_t)sched_now_ms() ^ ((uint64_t)getpid() << 32);
	uv_timer_init(d->loop, &s->timer);
	s->timer.data = s;
	uv_timer_init(d->loop, &s->flush_timer);
	s->flush_timer.data = s;
	s->handles = 2;
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
	log_info("sched: %zu feed%s, max_fetches %lld, per_host %lld, host_gap %lldms", s->nfeeds,
		 s->nfeeds == 1 ? "" : "s",
		 (long long)d->conf->daemon.max_fetches, (long long)d->conf->daemon.per_host,
		 (long long)d->conf->daemon.host_gap);
	*out = s;
	d->sched = s;
	sched_dispatch(s);
	return 0;
}

int sched_reload(struct sched *s, const struct config *c)
{
	/* A feed may go below: none may have a commit on its way, nor
	 * counters in memory only. */
	sched_flush(s);
	storeq_drain(s->storeq);
	struct feed_rt **nf = calloc(c->nfeeds ? c->nfeeds : 1, sizeof *nf);
	if (!nf)
		return -ENOMEM;
	int64_t now = sched_now_ms();
	size_t n = 0, overdue = 0;
	for (size_t i = 0; i < c->nfeeds; i++) {
		const struct feed_conf *fc = &c->feeds[i];
		struct feed_rt *rt = sched_find(s, fc->name);
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
					sched_host_dequeue(s, rt);
				sched_heap_remove(s, rt);
				feed_state_clear(&rt->st);
				state_load(s, fc, &rt->st);
				rt->have_hints = false;
				rt->host = sched_host_get(s, sched_feed_url(rt));
				rt->st.next_due = 0;
				sched_place(s, rt, now, &overdue);
			} else if (!fc->enabled && rt->state == RT_WAITING) {
				sched_heap_remove(s, rt);
				rt->state = RT_IDLE;
			} else if (fc->enabled && !was_enabled && rt->state == RT_IDLE) {
				if (rt->st.gone) {
					rt->st.gone = false;   /* a config change resumes a gone feed */
				}
				sched_place(s, rt, now, &overdue);
			}
		} else {
			struct feed_state st = {0};
			state_load(s, fc, &st);
			rt = rt_new(s, fc, &st);
			if (!rt)
				continue;
			rt->keep = true;
			sched_place(s, rt, now, &overdue);
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
	sched_dispatch(s);
	return 0;
}

int sched_rename(struct sched *s, const char *from, const char *to)
{
	struct feed_rt *rt = sched_find(s, from);
	if (!rt)
		return -ENOENT;
	if (sched_find(s, to))
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
		sched_dispatch(s);
}

json_t *sched_feed_live(struct sched *s, const char *name)
{
	struct feed_rt *rt = sched_find(s, name);
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
	int64_t now = sched_now_ms();
	if (rt->state == RT_WAITING)
		json_object_set_new(o, "due_in_ms", json_integer(rt->due_ms - now));
	/* Due, but its host is paused after repeated 429s: say so, and how
	 * long, rather than leave an overdue interval unexplained. */
	const struct host *h = rt->host;
	if (rt->state == RT_QUEUED && h && h->pushed_until_ms > now) {
		char why[320];
		snprintf(why, sizeof why, "host %s paused after %d consecutive 429s", h->name,
			 h->n429);
		json_object_set_new(o, "held", json_string_lossy(why));
		json_object_set_new(o, "held_for_ms", json_integer(h->pushed_until_ms - now));
	}
	if (rt->store_refused && rt->st.last_error)
		json_object_set_new(o, "store_error", json_string(rt->st.last_error));
	if (rt->last.request)
		json_object_set_new(o, "last_fetch", json_pack("{s:I,s:o,s:o,s:I}",
			"request", (json_int_t)rt->last.request,
			"status", rt->last.status ? json_integer(rt->last.status) : json_null(),
			"error", rt->last.error ? json_string_lossy(rt->last.error) : json_null(),
			"new_items", (json_int_t)rt->last.new_items));
	json_object_set_new(o, "url", json_string(sched_feed_url(rt)));
	return o;
}

static json_t *time_json(int64_t t)
{
	if (!t)
		return json_null();
	char buf[32];
	date_format_rfc3339(t, buf, sizeof buf);
	return json_string(buf);
}

void sched_feed_unsaved(struct sched *s, const char *name, json_t *feed)
{
	const struct feed_rt *rt = s ? sched_find(s, name) : NULL;
	if (!rt || !rt->unsaved)
		return;
	const struct feed_state *st = &rt->st;
	json_object_set_new(feed, "last_fetch", time_json(st->last_fetch));
	json_object_set_new(feed, "last_success", time_json(st->last_success));
	json_object_set_new(feed, "next_due", time_json(st->next_due));
	json_object_set_new(feed, "next_reason", st->next_reason ? json_string_lossy(st->next_reason)
								  : json_null());
	json_object_set_new(feed, "last_status",
			    st->last_status ? json_integer(st->last_status) : json_null());
	json_t *c = json_object_get(feed, "counters");
	if (!json_is_object(c))
		return;
	const struct { const char *key; int64_t v; } n[] = {
		{"requests", st->n_requests}, {"truncated", st->n_truncated},
		{"conditional", st->n_conditional}, {"ok", st->n_200},
		{"not_modified", st->n_304}, {"errors_net", st->n_err_net},
		{"errors_http", st->n_err_http}, {"errors_parse", st->n_err_parse},
		{"bytes_wire", st->bytes_wire}, {"bytes_decoded", st->bytes_decoded},
	};
	for (size_t i = 0; i < sizeof n / sizeof n[0]; i++)
		json_object_set_new(c, n[i].key, json_integer(n[i].v));
}

void sched_feed_planned(struct sched *s, const char *name, json_t *feed)
{
	const struct feed_rt *rt = s ? sched_find(s, name) : NULL;
	/* Not the persisted due time: a claim on a shared store compares
	 * that with the row's, so the plan lives in due_ms alone. A feed
	 * whose commit the store refused (a full disk) has no row with its
	 * retry either. */
	if (!rt || rt->state == RT_IDLE || rt->due_ms <= 0)
		return;
	bool unset = json_is_null(json_object_get(feed, "next_due"));
	const char *why = rt->store_refused ? "retry" : unset && !rt->st.next_due ? "new" : NULL;
	if (!why)
		return;
	json_object_set_new(feed, "next_due", time_json(rt->due_ms / 1000));
	json_object_set_new(feed, "next_reason", json_string(why));
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
	struct sched *s = h->data;
	if (--s->handles == 0)
		free(s);
}

void sched_close(struct sched *s)
{
	if (!s)
		return;
	/* The unsaved counters go with the commits on their way. */
	sched_flush(s);
	s->closing = true;
	uv_timer_stop(&s->timer);
	/* Commits (and claims, state reads) on their way are written and
	 * accounted before the feeds go. */
	storeq_drain(s->storeq);
	for (size_t i = 0; i < s->nfeeds; i++)
		rt_free(s, s->feeds[i]);
	free(s->feeds);
	free(s->heap);
	sched_hosts_free(s);
	if (s->own_fetcher) {
		fetcher_close(s->fetcher);
		if (s->d->fetcher == s->fetcher)
			s->d->fetcher = NULL;
	}
	if (s->d->sched == s)
		s->d->sched = NULL;
	uv_close((uv_handle_t *)&s->timer, on_timer_close);
	uv_close((uv_handle_t *)&s->flush_timer, on_timer_close);
}
