/* sched_due.c — when each feed is due: the heap of due times, the one
 * timer over it, and dispatch, which moves due feeds to their host's queue
 * and starts queued ones (claim or fetch) within max_fetches, per_host,
 * host_gap and the store thread's back-pressure. Overdue feeds at start-up
 * are spread out.
 *
 * Owns nothing but the heap's array (struct sched's, freed by sched_close);
 * the feeds in it are sched.c's. */
#include <errno.h>
#include <stdlib.h>
#include <time.h>

#include "core/log.h"
#include "core/schedule.h"
#include "daemon/sched_int.h"

/* Overdue feeds at start-up are spread this far apart, over at most
 * SPREAD_MAX_MS, so that a restart does not burst. */
#define SPREAD_STEP_MS 100
#define SPREAD_MAX_MS (5 * 60 * 1000)

/* Due times are wall-clock (they are stored, and must mean the same after
 * a restart), the timer is not: the one timer never sleeps longer than
 * this, so that a step of the wall clock is seen within it. A step of more
 * than CLOCK_STEP_MS between two looks moves every planned time with it. */
#define SLEEP_MAX_MS (60 * 1000)
#define CLOCK_STEP_MS 2000

/* The clock the wall clock is held against: it counts a suspend, as the
 * wall clock does (CLOCK_MONOTONIC does not), and is never stepped. */
static int64_t boot_ms(void)
{
	struct timespec ts;
#ifdef CLOCK_BOOTTIME
	if (clock_gettime(CLOCK_BOOTTIME, &ts) == 0)
		return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
#endif
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Compares the wall clock's advance since the last look with the boot
 * clock's: a difference is a step (an operator, NTP at boot, a VM
 * restored), and every planned time in memory moves by it, so that a feed
 * due in 3 s is still due in 3 s, whichever way the clock went. What is
 * already stored moves at the feed's next commit. Returns NOW. */
static int64_t clock_check(struct sched *s, int64_t now)
{
	int64_t boot = boot_ms();
	int64_t step = 0;
	if (s->clock_wall_ms)
		step = (now - s->clock_wall_ms) - (boot - s->clock_boot_ms);
	s->clock_wall_ms = now;
	s->clock_boot_ms = boot;
	if (step > -CLOCK_STEP_MS && step < CLOCK_STEP_MS)
		return now;
	log_warn("sched: the wall clock stepped %s by %llds; due times moved with it",
		 step < 0 ? "back" : "forward", ((long long)(step < 0 ? -step : step) + 500) / 1000);
	s->clock_steps += step;
	for (size_t i = 0; i < s->nheap; i++)
		s->heap[i]->due_ms += step;   /* all by the same: the heap holds */
	for (size_t b = 0; b < HOST_BUCKETS; b++) {
		for (struct host *h = s->hosts[b]; h; h = h->hnext) {
			if (h->next_ok_ms)
				h->next_ok_ms += step;
			if (h->pushed_until_ms)
				h->pushed_until_ms += step;
			if (h->last_net_fail_ms)
				h->last_net_fail_ms += step;
		}
	}
	if (s->last_heard_ms)
		s->last_heard_ms += step;
	return now;
}

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

void sched_heap_remove(struct sched *s, struct feed_rt *rt)
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

static void on_uv_timer(uv_timer_t *t)
{
	sched_dispatch(t->data);
}

static void arm(struct sched *s, int64_t wake_ms)
{
	if (s->closing)
		return;
	if (wake_ms == INT64_MAX) {
		uv_timer_stop(&s->timer);
		return;
	}
	int64_t delay = wake_ms - sched_now_ms();
	if (delay > SLEEP_MAX_MS)
		delay = SLEEP_MAX_MS;
	uv_timer_start(&s->timer, on_uv_timer, delay > 0 ? (uint64_t)delay : 0, 0);
}

void sched_schedule_at(struct sched *s, struct feed_rt *rt, int64_t due_ms)
{
	sched_heap_remove(s, rt);
	rt->due_ms = due_ms;
	rt->state = RT_WAITING;
	heap_push(s, rt);
}

/* Puts RT in the heap at its persisted due time, or spread over the
 * start-up window when overdue (the Nth overdue feed). */
void sched_place(struct sched *s, struct feed_rt *rt, int64_t now, size_t *overdue)
{
	if (!rt->fc->enabled || rt->st.gone) {
		rt->state = RT_IDLE;
		return;
	}
	int64_t due = rt->st.next_due * 1000;
	/* No schedule plans a feed further ahead than its stored reason allows
	 * (max_interval at most, a Retry-After included): a due time beyond
	 * that was written under a clock that ran ahead, and would leave the
	 * feed unpolled for as long. */
	struct schedule_in in = {.interval = rt->fc->interval,
				 .min_interval = rt->fc->min_interval,
				 .max_interval = rt->fc->max_interval, .failures = rt->st.failures};
	int64_t ceil = schedule_ceiling(&in, rt->st.next_reason);
	if (ceil < INT64_MAX)
		ceil++;   /* a due time counts from the fetch's end, rounded up to the second */
	if (ceil < (INT64_MAX - now) / 1000 && due > now + ceil * 1000) {
		log_info("sched %s: stored due time %llds ahead, beyond its schedule (%s, %llds; "
			 "written under a clock that ran ahead?): due in %llds", rt->fc->name,
			 (long long)(due - now) / 1000,
			 rt->st.next_reason ? rt->st.next_reason : "none", (long long)ceil,
			 (long long)ceil);
		due = now + ceil * 1000;
	}
	if (s->once || due <= now) {
		int64_t off = s->once ? 0 : (int64_t)(*overdue)++ * SPREAD_STEP_MS;
		if (off > SPREAD_MAX_MS)
			off = (int64_t)(schedule_rand(&s->rng) % SPREAD_MAX_MS);
		due = now + off;
	}
	sched_schedule_at(s, rt, due);
}

void sched_dispatch(struct sched *s)
{
	if (s->closing || s->paused)
		return;
	int64_t now = clock_check(s, sched_now_ms());
	/* Due feeds join their host's queue: they wait there without sockets. */
	while (s->nheap && s->heap[0]->due_ms <= now) {
		struct feed_rt *rt = s->heap[0];
		sched_heap_remove(s, rt);
		sched_host_enqueue(s, rt);
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
			sched_host_dequeue(s, rt);
			if (s->shared) {
				if (sched_claim(s, rt, now, per_host, gap))
					h->next_ok_ms = now + gap;
				continue;
			}
			/* One process on its store always gets the feed. */
			h->next_ok_ms = now + gap;
			sched_fetch_start(s, rt);
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

void sched_log_spread(size_t overdue)
{
	if (overdue > 1) {
		size_t ms = (overdue - 1) * SPREAD_STEP_MS;   /* the first goes now */
		if (ms > SPREAD_MAX_MS)
			ms = SPREAD_MAX_MS;
		log_info("sched: %zu feeds overdue, spread over %zu.%zus", overdue, ms / 1000,
			 ms % 1000 / 100);
	}
}
