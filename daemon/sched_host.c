/* sched_host.c — host pacing: the hosts by name, the queue of due feeds
 * each one holds (they wait there without sockets), the list of hosts with
 * waiting feeds; repeated 429s that push a whole host back (counted over
 * every instance on a shared store, on the store thread); and the outage
 * rule (network failures from several hosts, no server heard).
 *
 * The hosts live until sched_close (sched_hosts_free), after the store
 * thread's drain: a 429 job's DONE may still name one until then. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/schedule.h"
#include "core/url.h"
#include "daemon/sched_int.h"
#include "daemon/storeq.h"

/* Outage: network-level failures from this many hosts within the window,
 * and no server heard in it. */
#define OUTAGE_WINDOW_MS (60 * 1000)
#define OUTAGE_HOSTS 2
/* Consecutive 429s from one host before the whole host is pushed back. */
#define HOST_429_LIMIT SCHEDULE_HOST_429_LIMIT

struct host *sched_host_get(struct sched *s, const char *url)
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

void sched_host_enqueue(struct sched *s, struct feed_rt *rt)
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
void sched_host_enqueue_front(struct sched *s, struct feed_rt *rt)
{
	struct host *h = rt->host;
	rt->qnext = h->qhead;
	h->qhead = rt;
	if (!h->qtail)
		h->qtail = rt;
	rt->state = RT_QUEUED;
	waiting_add(s, h);
}

void sched_host_dequeue(struct sched *s, struct feed_rt *rt)
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

bool sched_outage(struct sched *s, struct feed_rt *rt, int64_t now)
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
void sched_host_throttled(struct sched *s, struct feed_rt *rt, const struct fetch_result *r,
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

void sched_hosts_free(struct sched *s)
{
	for (size_t i = 0; i < HOST_BUCKETS; i++) {
		for (struct host *h = s->hosts[i], *n; h; h = n) {
			n = h->hnext;
			free(h->name);
			free(h);
		}
		s->hosts[i] = NULL;
	}
	s->whead = s->wtail = NULL;
}
