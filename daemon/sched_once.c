/* sched_once.c — one-shot runs: feedd --once (every enabled feed fetched
 * once, a line each, totals, the exit code) and a refresh (a feed due now,
 * from its stored state, read on the store thread; a fetch under way is
 * followed by another).
 *
 * A refresh's load job owns the feed's name and the state read; its DONE
 * frees them. --once owns its scheduler: sched_close frees it. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "daemon/sched.h"
#include "daemon/sched_int.h"
#include "daemon/storeq.h"

void sched_once_line(struct sched *s, struct feed_rt *rt, const char *text, bool ok)
{
	if (!s->once || rt->once_done)
		return;
	rt->once_done = true;
	rt->once_status = ok ? 0 : 1;
	sched_set_str(&rt->once_line, text);
	/* Flushed by sched_once after each turn of the loop, before it waits
	 * again: a script reading the lines sees each as soon as it is
	 * known, and a turn that finishes many feeds writes them at once. */
	printf("%s: %s\n", rt->st.name, text);
	if (s->once_left)
		s->once_left--;
}

int sched_refresh(struct sched *s, const char *name)
{
	struct feed_rt *rt = sched_find(s, name);
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
	sched_refresh_now(s, rt);
	sched_dispatch(s);
	return 0;
}

/* RT is due now, from the stored state FRESH when not NULL (taken over). */
static void refresh_from(struct sched *s, struct feed_rt *rt, struct feed_state *fresh)
{
	if (fresh)
		sched_take_state(rt, fresh);
	rt->st.gone = false;
	sched_schedule_at(s, rt, sched_now_ms());
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
		sched_dispatch(s);
	}
	feed_state_clear(&j->fresh);
	free(j->name);
	free(j);
}

void sched_refresh_now(struct sched *s, struct feed_rt *rt)
{
	int64_t now = sched_now_ms();
	/* The publisher's Retry-After still stands. */
	if (rt->st.next_reason && strcmp(rt->st.next_reason, "retry-after") == 0 &&
	    rt->st.next_due * 1000 > now)
		return;
	/* On a shared store another instance may have fetched it since: start
	 * from the stored state, so that the claim matches it. The state is
	 * read on the store thread (the feed waits, out of the heap, as
	 * "queued"); without memory for that, from the state held here. */
	if (rt->unsaved) {
		/* Its times and counters are newer here than in the row (one
		 * process per store: nobody else fetched it). */
		refresh_from(s, rt, NULL);
		return;
	}
	struct load_job *j = calloc(1, sizeof *j);
	if (!j || !(j->name = strdup(rt->fc->name))) {
		free(j);
		refresh_from(s, rt, NULL);
		return;
	}
	j->s = s;
	j->rt = rt;
	storeq_submit(s->storeq, &j->sq, load_work, load_done, j);
	sched_heap_remove(s, rt);
	rt->state = RT_LOADING;
}

int sched_once(struct feedd *d)
{
	struct sched *s;
	int64_t t0 = sched_now_ms();
	int e = sched_new(d, true, &s);
	if (e < 0) {
		log_err("--once: %s", strerror(-e));
		sched_close(s);
		uv_run(d->loop, UV_RUN_NOWAIT);
		return 1;
	}
	s->once_left = s->nfeeds;
	for (size_t i = 0; i < s->nfeeds; i++) {
		struct feed_rt *rt = s->feeds[i];
		if (rt->st.gone)
			sched_once_line(s, rt, "gone (HTTP 410), skipped", false);
	}
	sched_dispatch(s);
	fflush(stdout);
	while (s->once_left > 0 && uv_run(d->loop, UV_RUN_ONCE))
		fflush(stdout);
	/* A gone feed (a 410 now, or before and skipped) answered neither
	 * 200 nor 304: not ok, and not a failure to retry either. */
	size_t ok = 0, gone = 0, failed = 0;
	for (size_t i = 0; i < s->nfeeds; i++) {
		const struct feed_rt *rt = s->feeds[i];
		if (rt->once_done && rt->st.gone)
			gone++;
		else if (!rt->once_done || rt->once_status)
			failed++;
		else
			ok++;
	}
	int64_t ms = sched_now_ms() - t0;
	printf("total: %zu feed%s, %zu ok (%lld 200, %lld 304), %zu gone, %zu failed, "
	       "%lld new item%s, %lld bytes in %lld.%03llds\n",
	       s->nfeeds, s->nfeeds == 1 ? "" : "s", ok, (long long)d->totals.ok200, (long long)d->totals.not_modified,
	       gone, failed, (long long)d->totals.items_new, d->totals.items_new == 1 ? "" : "s",
	       (long long)d->totals.bytes_wire,
	       (long long)(ms / 1000), (long long)(ms % 1000));
	fflush(stdout);
	sched_close(s);
	/* Let the close callbacks run; the caller's own handles (signals) may
	 * keep the loop alive, so never wait for it to empty. */
	uv_run(d->loop, UV_RUN_NOWAIT);
	uv_run(d->loop, UV_RUN_NOWAIT);
	return failed || gone ? 1 : 0;
}
