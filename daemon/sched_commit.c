/* sched_commit.c — a finished fetch's outcome made into the feed's state
 * (failures, the failing and recovered events, the next due time on the
 * retry or backoff schedule), committed with its document on the store
 * thread, together with the other fetches queued meanwhile (the group
 * commit: one transaction, a savepoint each); then, on the loop, once the
 * batch is committed, the news it made (feedd_news: long-polls and hooks),
 * the log line, and the feed back in the heap. A commit the store refuses
 * is a failure, recorded as such. An unchanged 304 writes nothing at
 * once: its times and counters are written with the others' every few
 * seconds (sched_flush) and at reload and shutdown.
 *
 * A commit job owns a copy of the feed's state and the document; its DONE
 * frees both. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/filter.h"
#include "core/log.h"
#include "core/schedule.h"
#include "daemon/sched.h"
#include "daemon/sched_int.h"
#include "daemon/storeq.h"

/* An unchanged 304's times and counters reach the store within this
 * long (docs/store.md: what a crash loses). */
#define SCHED_FLUSH_MS 5000

/* A feed is reported failing (feed.failing) at this many failures. */
#define FAILING_AFTER 3

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
	int64_t clock_steps;     /* the scheduler's, when NOW was read */
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
	sched_set_str(&st->last_error, msg);
	sched_set_str(&st->etag, NULL);
	sched_set_str(&st->last_modified, NULL);
	st->last_success = j->prev_success;
	st->failures = j->prev_failures + 1;
	st->next_due = j->retry_due;
	sched_set_str(&st->next_reason, "retry");
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

/* On the store thread: the commits queued together (storeq.h), in one
 * transaction, each in its own savepoint (store_commit_batch); then the
 * refusals themselves, in one smaller transaction (which a nearly full
 * disk may take). */
static void commit_work(struct store *store, struct storeq_job **jobs, size_t n)
{
	struct store_commit c[STOREQ_BATCH_CAP];
	for (size_t i = 0; i < n; i++) {
		struct commit_job *j = jobs[i]->arg;
		c[i] = (struct store_commit){.st = &j->st, .doc = j->doc, .events = j->events,
					     .hook = j->hook};
	}
	store_commit_batch(store, c, n);
	size_t nref = 0;
	for (size_t i = 0; i < n; i++) {
		struct commit_job *j = jobs[i]->arg;
		j->err = c[i].err;
		j->news = c[i].news;
		if (j->err == -ESTALE) {
			/* Fenced off (another instance holds the lease now): its
			 * state is the newer one, read it for the loop; no refusal
			 * to record. */
			j->fresh_err = store_feed_load(store, j->st.name, &j->fresh);
		} else if (j->err < 0) {
			store_news_clear(&j->news);
			commit_refused_state(j);
			c[nref++] = (struct store_commit){.st = &j->st};
		}
	}
	if (!nref)
		return;
	store_commit_batch(store, c, nref);
	for (size_t i = 0, k = 0; i < n; i++) {
		struct commit_job *j = jobs[i]->arg;
		if (j->err < 0 && j->err != -ESTALE) {
			j->record_err = c[k].err;
			store_news_clear(&c[k++].news);
		}
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
	sched_set_str(&st->last_error, j->st.last_error);
	sched_set_str(&st->etag, NULL);
	sched_set_str(&st->last_modified, NULL);
	sched_set_str(&st->next_reason, j->st.next_reason);
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
	struct feedd_totals *t = s->totals;
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
			sched_take_state(rt, &j->fresh);
		j->ok = false;
		snprintf(j->msg, sizeof j->msg, "fenced off, another instance fetched it");
	} else if (j->err < 0) {
		commit_refused(j);
	} else {
		rt->store_refused = false;
		rt->store_stale = false;
		s->totals->items_new += (int64_t)j->news.nnew;
		s->totals->items_updated += (int64_t)j->news.nupdated;
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
		if (st->gone)   /* not polled again: no next time to give */
			log_fields(LOG_LVL_WARNING, f, sizeof f / sizeof f[0],
				   "fetch %s: %s; not polled again until a refresh or a reload",
				   st->name, line);
		else
			log_fields(j->ok ? LOG_LVL_INFO : LOG_LVL_WARNING, f, sizeof f / sizeof f[0],
				   "fetch %s: %s; next in %llds (%s)", st->name, line,
				   (long long)in_s, st->next_reason);
	}
	sched_once_line(s, rt, line, j->ok);
	rt->last.request = st->n_requests;
	rt->last.status = j->status;
	sched_set_str(&rt->last.error, j->ok ? NULL : j->msg);
	rt->last.new_items = j->ok ? (int64_t)j->news.nnew : 0;

	rt->state = RT_IDLE;
	/* A clock step seen while the commit was on the store thread moves
	 * its due time as it moved the others (sched_due.c). */
	if (!st->gone && !s->once && !s->closing && rt->fc->enabled)
		sched_schedule_at(s, rt, st->next_due * 1000 + s->clock_steps - j->clock_steps);
	if (rt->refresh && !s->closing) {
		rt->refresh = false;
		sched_refresh_now(s, rt);
	}
	s->storing--;
	store_news_clear(&j->news);
	feed_state_clear(&j->st);
	feed_state_clear(&j->fresh);
	doc_free(j->doc);
	free(j);
	/* The feed is back in the heap: re-arm. */
	if (!s->closing)
		sched_dispatch(s);
}

/* --- the unsaved feeds' times and counters --- */

struct flush_job {
	struct storeq_job sq;
	struct feed_state *st;
	size_t n;
	int err;
};

static void flush_arm(struct sched *s);

static void flush_work(struct store *store, void *arg)
{
	struct flush_job *f = arg;
	f->err = store_feeds_touch(store, f->st, f->n);
}

static void flush_done(void *arg)
{
	struct flush_job *f = arg;
	if (f->err < 0)
		log_warn("store: the counters of %zu unchanged feeds not written: %s", f->n,
			 strerror(-f->err));
	for (size_t i = 0; i < f->n; i++)
		feed_state_clear(&f->st[i]);
	free(f->st);
	free(f);
}

void sched_flush(struct sched *s)
{
	if (!s)
		return;
	s->flush_armed = false;
	uv_timer_stop(&s->flush_timer);
	size_t n = 0;
	for (size_t i = 0; i < s->nfeeds; i++)
		n += s->feeds[i]->unsaved;
	if (!n)
		return;
	struct flush_job *f = calloc(1, sizeof *f);
	if (f)
		f->st = calloc(n, sizeof *f->st);
	for (size_t i = 0; f && f->st && i < s->nfeeds; i++) {
		struct feed_rt *rt = s->feeds[i];
		if (rt->unsaved && feed_state_copy(&f->st[f->n], &rt->st) == 0) {
			f->n++;
			rt->unsaved = false;
		}
	}
	if (!f || f->n < n) {
		/* What could not be copied stays marked: the timer tries again. */
		log_err("store: counters of unchanged feeds: %s", strerror(ENOMEM));
		flush_arm(s);
	}
	if (f && f->n)
		storeq_submit(s->storeq, &f->sq, flush_work, flush_done, f);
	else if (f)
		flush_done(f);
}

static void on_flush_timer(uv_timer_t *t)
{
	sched_flush(t->data);
}

static void flush_arm(struct sched *s)
{
	if (s->flush_armed || s->closing)
		return;
	s->flush_armed = true;
	uv_timer_start(&s->flush_timer, on_flush_timer, SCHED_FLUSH_MS, 0);
}

/* Writes ST and DOC (which it takes) in one transaction on the store
 * thread, with the other commits queued meanwhile (commit_work); the loop
 * then wakes the API and reschedules (commit_done). An unchanged 304 is
 * not written now (sched_flush). */
void sched_commit(struct sched *s, struct feed_rt *rt, struct doc *doc, struct outcome *o,
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
		sched_set_str(&st->last_error, NULL);
		st->last_success = now;
	} else if (o->count_failure) {
		st->failures++;
		if (st->failures == FAILING_AFTER)
			o->events |= STORE_EV_FAILING;
		sched_set_str(&st->last_error, o->msg);
	} else {
		sched_set_str(&st->last_error, o->msg);
	}

	bool transient = o->sched == SCHEDULE_RETRY || o->sched == SCHEDULE_OUTAGE;
	int64_t prev_retries = rt->retries;
	rt->retries = transient ? rt->retries + 1 : 0;
	if (st->gone) {
		st->next_due = 0;
		sched_set_str(&st->next_reason, "gone");
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
		sched_set_str(&st->next_reason, out.reason);
	}

	/* An unchanged 304 of a feed whose row already says it is well: only
	 * its times and counters change, kept in memory and written with the
	 * others' every SCHED_FLUSH_MS (sched_flush). One process per store
	 * only: on a shared store the commit also ends the claim's lease. */
	bool unsaved = o->ok && o->unchanged && !doc && !o->events && !prev_failures &&
		       !prev_error && !st->gone && !rt->store_refused && !rt->store_stale &&
		       !s->shared;

	mark_skipped(fc, doc);
	struct commit_job *j = calloc(1, sizeof *j);
	if (!j || feed_state_copy(&j->st, st) < 0) {
		free(j);
		log_err("fetch %s: store: %s", st->name, strerror(ENOMEM));
		doc_free(doc);
		rt->state = RT_IDLE;
		rt->refresh = false;
		if (!st->gone && !s->once && fc->enabled)
			sched_schedule_at(s, rt, st->next_due * 1000);
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
	j->clock_steps = s->clock_steps;
	j->status = r ? r->status : 0;
	j->bytes_decoded = r ? r->bytes_decoded : 0;
	snprintf(j->msg, sizeof j->msg, "%s", o->msg);
	rt->state = RT_STORING;
	s->storing++;
	if (unsaved) {
		/* Nothing to store now: done at once, on the loop. */
		rt->unsaved = true;
		flush_arm(s);
		commit_done(j);
		return;
	}
	rt->unsaved = false;   /* the commit writes every counter */
	storeq_submit_batched(s->storeq, &j->sq, commit_work, 1 + (doc ? doc->nitems : 0),
			      commit_done, j);
}
