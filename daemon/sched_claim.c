/* sched_claim.c — a shared store's claims (several instances on one
 * PostgreSQL): before a due feed is fetched, the store thread claims it
 * for this instance under a lease, and takes a slot of its host over all
 * instances. The answer says fetch now, wait for the host, or leave it:
 * another instance fetched it (its state is taken over) or holds it.
 *
 * A claim job owns a copy of the feed's state and its host's name; its
 * DONE frees it. A store of one process (SQLite) is never asked. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "daemon/sched_int.h"
#include "daemon/storeq.h"

/* Several instances on one store: a fetch runs under a lease this long
 * unless [daemon] lease says otherwise (it outlives the slowest fetch,
 * parse and commit), and a feed another instance holds is tried again
 * after CLAIM_RETRY_MS, or half a lease when that is shorter. */
#define LEASE_S 300
#define CLAIM_RETRY_MS (15 * 1000)

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
	/* The lease starts when the store takes the claim, not when the loop
	 * queued it: a claim that waited behind a slow commit longer than a
	 * lease was granted one already over, and another instance fetched
	 * the feed too. */
	j->now_ms = sched_now_ms();
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
		int64_t now = sched_now_ms();
		if (j->err == 0)
			rt->st.lease_until = j->now_ms / 1000 + j->lease;   /* the commit's fence */
		if (claimed(s, rt, now, j->err, &j->sh, &j->fresh, j->fresh_err))
			sched_fetch_start(s, rt);
	}
	feed_state_clear(&j->st);
	free(j->host);
	free(j);
	if (!s->closing)
		sched_dispatch(s);
}

/* Starts RT's claim on the store thread; false when it cannot (out of
 * memory: then RT is tried again later, as after a failed claim). */
bool sched_claim(struct sched *s, struct feed_rt *rt, int64_t now, int64_t per_host,
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
		sched_host_enqueue_front(s, rt);
		if (h->next_ok_ms < now + sh->wait_ms)
			h->next_ok_ms = now + sh->wait_ms;
		return false;
	}
	if (e == -EAGAIN) {
		if (fresh_err < 0)
			return true;   /* no row to claim: nobody else has it either */
		sched_take_state(rt, fresh);
		log_debug("sched %s: fetched by another instance, next due %lld",
			  rt->fc->name, (long long)rt->st.next_due);
		size_t overdue = 0;
		sched_place(s, rt, now, &overdue);
		return false;
	}
	/* An unavailable store is said once, by the store (store_health). */
	if (e != -EBUSY && e != -ECONNRESET)
		log_warn("sched %s: cannot claim the feed in the store, trying again later",
			 rt->fc->name);
	sched_schedule_at(s, rt, now + (lease * 500 < CLAIM_RETRY_MS ? lease * 500 : CLAIM_RETRY_MS));
	return false;
}
