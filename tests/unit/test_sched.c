/* test_sched.c — the scheduler on a real loop, a real SQLite store and the
 * loopback fixture server: conditional GET across restarts, due times kept,
 * Retry-After, 301 vs 302, 410, backoff, host pacing, start-up spreading,
 * outage, --once. Assertions are on what the server saw and what the store
 * recorded; time is only ever a lower bound ("not before"). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <ftw.h>
#include <time.h>

#include "core/config.h"
#include "daemon/feedd.h"
#include "daemon/sched.h"
#include "daemon/storeq.h"
#include "store/store.h"
#include "fixture.h"

/* A fresh state directory per test; one daemon-like environment. */
struct env {
	uv_loop_t loop;
	uv_timer_t tick;
	struct feedd d;
	char dir[64];
};

static char *conf_text(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *conf_text(const char *fmt, ...)
{
	static char buf[8192];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	return buf;
}

static void on_tick(uv_timer_t *t)
{
	(void)t;
}

static void env_start(struct env *e, const char *text, bool start_sched)
{
	struct config_errors errs = { 0 };
	if (config_parse_buffer("test.conf", text, strlen(text), &e->d.conf, &errs) < 0) {
		for (size_t i = 0; i < errs.n; i++)
			fprintf(stderr, "%s\n", errs.msgs[i]);
		config_errors_free(&errs);
		fail_msg("bad test config");
	}
	assert_int_equal(uv_loop_init(&e->loop), 0);
	e->d.loop = &e->loop;
	char *err = NULL;
	if (store_open(NULL, e->dir, &e->d.store, &err) < 0)
		fail_msg("store_open: %s", err);
	assert_int_equal(store_feeds_sync(e->d.store, e->d.conf), 0);
	/* The store thread is the daemon's (feedd.c): started before the
	 * scheduler, stopped after it. */
	if (storeq_start(&e->loop, e->d.store, &e->d.storeq, &err) < 0)
		fail_msg("storeq_start: %s", err);
	/* the tick makes UV_RUN_ONCE return regularly so predicates are re-checked */
	uv_timer_init(&e->loop, &e->tick);
	uv_timer_start(&e->tick, on_tick, 20, 20);
	if (start_sched)
		assert_int_equal(sched_start(&e->d, &e->d.sched), 0);
}

static void env_stop(struct env *e)
{
	if (e->d.sched)
		sched_close(e->d.sched);
	uv_close((uv_handle_t *)&e->tick, NULL);
	uv_run(&e->loop, UV_RUN_DEFAULT);
	storeq_stop(e->d.storeq);
	uv_run(&e->loop, UV_RUN_DEFAULT);
	assert_int_equal(uv_loop_close(&e->loop), 0);
	store_close(e->d.store);
	config_free(e->d.conf);
	memset(&e->d, 0, sizeof e->d);
}

static int rm_cb(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(p);
}

static void env_init(struct env *e)
{
	memset(e, 0, sizeof *e);
	strcpy(e->dir, "/tmp/feedd-test-sched-XXXXXX");
	assert_non_null(mkdtemp(e->dir));
}

static void env_cleanup(struct env *e)
{
	nftw(e->dir, rm_cb, 8, FTW_DEPTH | FTW_PHYS);
}

static double wall(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Runs the loop until the server has seen N requests under PREFIX (or the
 * guard expires: a failure, not a timing assertion). */
static void run_until_requests(struct env *e, const char *prefix, size_t n, double guard)
{
	double end = wall() + guard;
	for (;;) {
		json_t *log = side("/_log", NULL);
		size_t k = count(log, prefix);
		json_decref(log);
		if (k >= n)
			return;
		if (wall() > end)
			fail_msg("waited %.0fs for %zu requests to %s, saw %zu", guard, n, prefix, k);
		for (int i = 0; i < 5; i++)
			uv_run(&e->loop, UV_RUN_ONCE);
	}
}

/* Runs until feed NAME has made N requests according to the store, and
 * the loop has taken in every commit the store thread finished (the
 * daemon's counters and schedule follow the store a moment later). */
static void run_until_fetched(struct env *e, const char *name, int64_t n, double guard)
{
	double end = wall() + guard;
	for (;;) {
		struct feed_state st = { 0 };
		int64_t got = 0;
		/* An unchanged 304's counters are written within seconds, not at
		 * once (sched_commit.c): now, for the store to say. */
		if (e->d.sched && e->d.storeq) {
			sched_flush(e->d.sched);
			storeq_drain(e->d.storeq);
		}
		if (store_feed_load(e->d.store, name, &st) == 0)
			got = st.n_requests;
		feed_state_clear(&st);
		if (got >= n) {
			while (e->d.storeq && storeq_pending(e->d.storeq) && wall() < end)
				uv_run(&e->loop, UV_RUN_ONCE);
			return;
		}
		if (wall() > end)
			fail_msg("waited %.0fs for %s to fetch %lld times", guard, name, (long long)n);
		uv_run(&e->loop, UV_RUN_ONCE);
	}
}

static void load(struct env *e, const char *name, struct feed_state *st)
{
	memset(st, 0, sizeof *st);
	if (e->d.sched && e->d.storeq) {
		sched_flush(e->d.sched);
		storeq_drain(e->d.storeq);
	}
	assert_int_equal(store_feed_load(e->d.store, name, st), 0);
}

static void control(const char *json)
{
	json_t *j = side("/control", json);
	json_decref(j);
}

#define DAEMON "[daemon]\nhost_gap = 0s\nper_host = 8\n"
#define DEFAULTS_NOINT "[defaults]\nallow_private = yes\nmin_interval = 1s\n" \
	"max_interval = 8s\ntimeout = 10s\n"
#define DEFAULTS DEFAULTS_NOINT "interval = 2s\n"

/* --- tests --- */

static void test_conditional_across_restart(void **state)
{
	(void)state;
	struct env e;
	env_init(&e);
	control("{\"feed\": \"c1\", \"items\": [{\"guid\": \"1\", \"title\": \"one\"}]}");
	const char *text = conf_text(DAEMON DEFAULTS "[feed c1]\nurl = %s\n", url("/feed/c1"));
	env_start(&e, text, true);
	run_until_fetched(&e, "c1", 2, 20);

	struct feed_state st;
	load(&e, "c1", &st);
	assert_int_equal(st.n_requests, 2);
	assert_int_equal(st.n_conditional, 1);
	assert_int_equal(st.n_200, 1);
	assert_int_equal(st.n_304, 1);
	assert_int_equal(st.last_status, 304);
	assert_non_null(st.etag);
	assert_non_null(st.last_modified);
	assert_string_equal(st.next_reason, "interval");
	assert_string_equal(st.title, "c1");
	char *etag = strdup(st.etag), *lm = strdup(st.last_modified);
	env_stop(&e);
	int64_t due = st.next_due;
	feed_state_clear(&st);

	/* the feed changes while feedd is down */
	control("{\"feed\": \"c1\", \"add_items\": [{\"guid\": \"2\", \"title\": \"two\"}]}");
	env_start(&e, text, true);
	run_until_requests(&e, "/feed/c1", 3, 20);
	run_until_fetched(&e, "c1", 3, 20);
	double t_restart_req[4];
	json_t *log = side("/_log", NULL);
	assert_int_equal(times_of(log, "/feed/c1", t_restart_req, 4), 3);
	/* not before the persisted due time, and conditional with the same bytes */
	assert_true(t_restart_req[2] >= (double)due - 0.05);
	json_t *h0 = seen(log, "/feed/c1", 0), *h1 = seen(log, "/feed/c1", 1),
	       *h2 = seen(log, "/feed/c1", 2);
	assert_null(hdr(h0, "if-none-match"));
	assert_null(hdr(h0, "if-modified-since"));
	assert_string_equal(hdr(h1, "if-none-match"), etag);
	assert_string_equal(hdr(h2, "if-none-match"), etag);
	assert_string_equal(hdr(h2, "if-modified-since"), lm);
	json_decref(log);
	load(&e, "c1", &st);
	assert_int_equal(st.n_200, 2);
	assert_int_equal(st.n_conditional, 2);
	assert_int_equal(st.n_items, 2);
	assert_true(e.d.totals.items_new >= 1);
	assert_string_not_equal(st.etag, etag);
	feed_state_clear(&st);
	env_stop(&e);
	free(etag);
	free(lm);
	env_cleanup(&e);
}

static void test_statuses(void **state)
{
	(void)state;
	struct env e;
	env_init(&e);
	clear_log();
	control("[{\"feed\": \"m1b\", \"items\": [{\"guid\": \"a\"}]},"
		" {\"feed\": \"t1b\", \"items\": [{\"guid\": \"b\"}]},"
		" {\"feed\": \"g1\", \"status\": 410},"
		" {\"feed\": \"b1\", \"status\": 404},"
		" {\"feed\": \"r1\", \"items\": [{\"guid\": \"c\"}],"
		"  \"script\": [{\"status\": 429, \"headers\": {\"Retry-After\": \"3\"}}]}]");
	const char *text = conf_text(DAEMON DEFAULTS
		"[feed moved]\nurl = %s\n[feed temp]\nurl = %s\n[feed gone]\nurl = %s\n"
		"[feed broken]\nurl = %s\ninterval = 1s\n[feed retry]\nurl = %s\n",
		url("/redirect/301?to=/feed/m1b"), url("/redirect/302?to=/feed/t1b"),
		url("/feed/g1"), url("/feed/b1"), url("/feed/r1"));
	env_start(&e, text, true);
	run_until_fetched(&e, "retry", 2, 20);
	run_until_fetched(&e, "broken", 3, 20);
	run_until_fetched(&e, "moved", 2, 20);
	run_until_fetched(&e, "temp", 2, 20);

	struct feed_state st;
	json_t *log = side("/_log", NULL);

	/* 301: the second request goes straight to the new URL, kept in the store */
	load(&e, "moved", &st);
	assert_string_equal(st.effective_url, url("/feed/m1b"));
	assert_int_equal(count(log, "/redirect/301"), 1);
	assert_true(count(log, "/feed/m1b") >= 2);
	feed_state_clear(&st);
	/* 302: not moved */
	load(&e, "temp", &st);
	assert_null(st.effective_url);
	assert_true(count(log, "/redirect/302") >= 2);
	feed_state_clear(&st);

	/* 429 + Retry-After: 3 s: the next request waits for it */
	double rt[2];
	assert_int_equal(times_of(log, "/feed/r1", rt, 2), 2);
	assert_true(rt[1] - rt[0] >= 2.0);   /* due = whole seconds: >= 3 s minus rounding */
	load(&e, "retry", &st);
	assert_int_equal(st.failures, 0);
	assert_int_equal(st.n_200, 1);             /* the retry got the feed */
	assert_int_equal(st.n_err_http, 1);
	feed_state_clear(&st);

	/* other errors (not transient: a 404) back off x2 per failure:
	 * 1 s interval -> 2, 4, 8 */
	load(&e, "broken", &st);
	assert_true(st.failures >= 3);
	assert_string_equal(st.next_reason, "backoff");
	int64_t want = 1;
	for (int64_t i = 0; i < st.failures && want < 8; i++)
		want *= 2;
	/* last_fetch is the second the fetch ended in; the due time counts
	 * from that instant rounded up, so it is never early. */
	assert_in_range(st.next_due - st.last_fetch, want, want + 1);
	assert_int_equal(st.last_status, 404);
	assert_non_null(strstr(st.last_error, "404"));
	double bt[3];
	assert_int_equal(times_of(log, "/feed/b1", bt, 3), 3);
	assert_true(bt[2] - bt[1] >= 3.0);   /* the second wait is 4 s */
	feed_state_clear(&st);

	/* 410: once, then never again */
	assert_int_equal(count(log, "/feed/g1"), 1);
	load(&e, "gone", &st);
	assert_true(st.gone);
	assert_string_equal(st.next_reason, "gone");
	assert_non_null(strstr(st.last_error, "410"));
	feed_state_clear(&st);
	json_decref(log);

	/* a refresh resumes a gone feed */
	control("{\"feed\": \"g1\", \"status\": null, \"items\": [{\"guid\": \"g\"}]}");
	assert_int_equal(sched_refresh(e.d.sched, "gone"), 0);
	assert_int_equal(sched_refresh(e.d.sched, "nosuch"), -ENOENT);
	run_until_fetched(&e, "gone", 2, 10);
	load(&e, "gone", &st);
	assert_false(st.gone);
	assert_int_equal(st.last_status, 200);
	feed_state_clear(&st);
	json_t *live = sched_feed_live(e.d.sched, "gone");
	assert_non_null(live);
	json_decref(live);
	assert_true(e.d.totals.fetches >= 10);
	assert_true(e.d.totals.errors_http >= 4);
	env_stop(&e);
	env_cleanup(&e);
}

static void test_pacing_and_spread(void **state)
{
	(void)state;
	struct env e;
	env_init(&e);
	clear_log();
	/* per_host = 1 with a 300 ms gap: requests to one host are serial and apart */
	char text[4096];
	int n = snprintf(text, sizeof text, "[daemon]\nhost_gap = 300ms\nper_host = 1\n"
			 DEFAULTS_NOINT "interval = 8s\n");
	for (int i = 0; i < 4; i++)
		n += snprintf(text + n, sizeof text - (size_t)n, "[feed p%d]\nurl = %s\n", i,
			      url("/static"));
	env_start(&e, text, true);
	run_until_requests(&e, "/static", 4, 20);
	run_until_fetched(&e, "p3", 1, 20);
	json_t *log = side("/_log", NULL);
	double t[4];
	assert_int_equal(times_of(log, "/static", t, 4), 4);
	/* three gaps of 300 ms between starts; arrival times at the server
	 * wobble by a connect or so, hence the slack */
	assert_true(t[3] - t[0] >= 0.75);
	for (int i = 1; i < 4; i++)
		assert_true(t[i] > t[i - 1]);
	json_decref(log);
	struct feed_state st;
	load(&e, "p0", &st);
	assert_int_equal(st.n_200, 1);
	feed_state_clear(&st);
	env_stop(&e);
	env_cleanup(&e);

	/* no gap, high per_host: overdue feeds at start-up are still spread */
	env_init(&e);
	clear_log();
	n = snprintf(text, sizeof text, DAEMON DEFAULTS_NOINT "interval = 8s\n");
	for (int i = 0; i < 5; i++)
		n += snprintf(text + n, sizeof text - (size_t)n, "[feed s%d]\nurl = %s\n", i,
			      url("/static"));
	env_start(&e, text, true);
	run_until_requests(&e, "/static", 5, 20);
	log = side("/_log", NULL);
	double u[5];
	assert_int_equal(times_of(log, "/static", u, 5), 5);
	assert_true(u[4] - u[0] >= 0.3);    /* 4 steps of 100 ms, minus arrival wobble */
	json_decref(log);
	env_stop(&e);
	env_cleanup(&e);
}

static void test_host_429_pushback(void **state)
{
	(void)state;
	struct env e;
	env_init(&e);
	clear_log();
	/* two feeds of one host answer 429 + Retry-After: 3; a third feed of
	 * the same host, due every second, must wait for the host too */
	control("[{\"feed\": \"h1\", \"items\": [{\"guid\": \"1\"}],"
		"  \"script\": [{\"status\": 429, \"headers\": {\"Retry-After\": \"3\"}}]},"
		" {\"feed\": \"h2\", \"items\": [{\"guid\": \"2\"}],"
		"  \"script\": [{\"status\": 429, \"headers\": {\"Retry-After\": \"3\"}}]},"
		" {\"feed\": \"h3\", \"items\": [{\"guid\": \"3\"}]}]");
	const char *text = conf_text(DAEMON DEFAULTS_NOINT "interval = 1s\n"
		"[feed a1]\nurl = %s\n[feed a2]\nurl = %s\n[feed a3]\nurl = %s\n",
		url("/feed/h1"), url("/feed/h2"), url("/feed/h3"));
	env_start(&e, text, true);
	run_until_fetched(&e, "a3", 2, 30);
	json_t *log = side("/_log", NULL);
	double t1[1], t2[1], t3[2];
	assert_int_equal(times_of(log, "/feed/h1", t1, 1), 1);
	assert_int_equal(times_of(log, "/feed/h2", t2, 1), 1);
	assert_int_equal(times_of(log, "/feed/h3", t3, 2), 2);
	double last429 = t1[0] > t2[0] ? t1[0] : t2[0];
	/* without the host pause a3 would come back after ~1 s */
	assert_true(t3[1] - last429 >= 2.5);
	json_decref(log);
	env_stop(&e);
	env_cleanup(&e);
}

/* A Retry-After near the top of what it may say (~9.2e15 s) pushes the host
 * back for the longest push, not for a wrapped-around second (issue 28:
 * the seconds times 1000 overflowed). */
static void test_host_429_huge_retry_after(void **state)
{
	(void)state;
	struct env e;
	env_init(&e);
	clear_log();
	control("[{\"feed\": \"g1\", \"items\": [{\"guid\": \"1\"}],"
		"  \"script\": [{\"status\": 429, \"headers\": {\"Retry-After\": \"9223372036854776\"}}]},"
		" {\"feed\": \"g2\", \"items\": [{\"guid\": \"2\"}],"
		"  \"script\": [{\"status\": 429, \"headers\": {\"Retry-After\": \"9223372036854776\"}}]},"
		" {\"feed\": \"g3\", \"items\": [{\"guid\": \"3\"}]}]");
	const char *text = conf_text(DAEMON DEFAULTS_NOINT "interval = 1s\n"
		"[feed b1]\nurl = %s\n[feed b2]\nurl = %s\n[feed b3]\nurl = %s\n",
		url("/feed/g1"), url("/feed/g2"), url("/feed/g3"));
	env_start(&e, text, true);
	run_until_fetched(&e, "b1", 1, 30);
	run_until_fetched(&e, "b2", 1, 30);
	double end = wall() + 4;
	while (wall() < end)
		uv_run(&e.loop, UV_RUN_ONCE);
	json_t *log = side("/_log", NULL);
	double t1[4], t2[4], t3[8];
	assert_int_equal(times_of(log, "/feed/g1", t1, 4), 1);
	assert_int_equal(times_of(log, "/feed/g2", t2, 4), 1);
	size_t n3 = times_of(log, "/feed/g3", t3, 8);
	double last429 = t1[0] > t2[0] ? t1[0] : t2[0];
	/* g3 is due every second: without the push it is back within ~1 s */
	for (size_t i = 0; i < n3; i++)
		if (t3[i] > last429 + 0.5)
			fail_msg("g3 fetched %.1fs after the second 429", t3[i] - last429);
	json_decref(log);
	env_stop(&e);
	env_cleanup(&e);
}

static void test_outage(void **state)
{
	(void)state;
	struct env e;
	env_init(&e);
	/* nothing listens on port 9 of these loopback addresses: connection
	 * refused everywhere, the shape of an outage */
	const char *text = DAEMON DEFAULTS_NOINT "interval = 1s\n"
		"[feed o1]\nurl = http://127.0.0.2:9/a\n"
		"[feed o2]\nurl = http://127.0.0.3:9/b\n"
		"[feed o3]\nurl = http://127.0.0.4:9/c\n";
	env_start(&e, text, true);
	for (int i = 1; i <= 3; i++) {
		char name[8];
		snprintf(name, sizeof name, "o%d", i);
		run_until_fetched(&e, name, 2, 20);
	}
	int64_t failures = 0;
	int outage = 0;
	for (int i = 1; i <= 3; i++) {
		char name[8];
		snprintf(name, sizeof name, "o%d", i);
		struct feed_state st;
		load(&e, name, &st);
		failures += st.failures;
		outage += strcmp(st.next_reason, "outage") == 0;
		assert_int_equal(st.last_status, 0);
		assert_true(st.n_err_net >= 2);
		assert_non_null(strstr(st.last_error, "connect"));
		feed_state_clear(&st);
	}
	/* only the first failure, before the outage was evident, counted */
	assert_true(failures <= 1);
	assert_true(outage >= 2);
	env_stop(&e);
	env_cleanup(&e);
}

static void test_address_policy(void **state)
{
	(void)state;
	struct env e;
	env_init(&e);
	clear_log();
	const char *text = conf_text(DAEMON "[feed p]\nurl = %s\n", url("/static"));
	env_start(&e, text, true);
	run_until_fetched(&e, "p", 1, 20);
	struct feed_state st;
	load(&e, "p", &st);
	assert_non_null(strstr(st.last_error, "allow_private"));
	assert_non_null(strstr(st.last_error, "127.0.0.1"));
	assert_int_equal(st.failures, 1);
	feed_state_clear(&st);
	json_t *log = side("/_log", NULL);
	assert_int_equal(count(log, "/static"), 0);
	json_decref(log);
	env_stop(&e);
	env_cleanup(&e);
}

static void test_once(void **state)
{
	(void)state;
	struct env e;
	env_init(&e);
	clear_log();
	const char *text = conf_text("[daemon]\nhost_gap = 0s\n" DEFAULTS
		"[feed a]\nurl = %s\n[feed b]\nurl = %s\n[feed off]\nurl = %s\nenabled = no\n",
		url("/static"), url("/gzip"), url("/feed/never"));
	env_start(&e, text, false);
	assert_int_equal(sched_once(&e.d), 0);
	assert_int_equal(e.d.totals.ok200, 2);
	env_stop(&e);
	/* warm: all 304, nothing parsed, still 0 */
	env_start(&e, text, false);
	assert_int_equal(sched_once(&e.d), 0);
	assert_int_equal(e.d.totals.not_modified, 1);   /* /gzip has an ETag but no 304 */
	assert_int_equal(e.d.totals.ok200, 1);
	env_stop(&e);
	json_t *log = side("/_log", NULL);
	assert_int_equal(count(log, "/feed/never"), 0);
	assert_non_null(hdr(seen(log, "/static", 1), "if-none-match"));
	json_decref(log);

	/* a failing feed makes the exit code 1 */
	text = conf_text(DEFAULTS "[feed a]\nurl = %s\n[feed bad]\nurl = %s\n", url("/static"),
			 url("/status/500"));
	env_start(&e, text, false);
	assert_int_equal(sched_once(&e.d), 1);
	env_stop(&e);
	env_cleanup(&e);
}

static void test_reload(void **state)
{
	(void)state;
	struct env e;
	env_init(&e);
	clear_log();
	control("[{\"feed\": \"x1\", \"items\": [{\"guid\": \"1\"}]},"
		" {\"feed\": \"x2\", \"items\": [{\"guid\": \"2\"}]}]");
	const char *t1 = conf_text(DAEMON DEFAULTS_NOINT "interval = 1s\n[feed x1]\nurl = %s\n",
				   url("/feed/x1"));
	env_start(&e, t1, true);
	run_until_fetched(&e, "x1", 1, 10);
	/* x1 removed, x2 added */
	struct config *c2;
	struct config_errors errs = { 0 };
	const char *t2 = conf_text(DAEMON DEFAULTS_NOINT "interval = 1s\n[feed x2]\nurl = %s\n",
				   url("/feed/x2"));
	assert_int_equal(config_parse_buffer("t2", t2, strlen(t2), &c2, &errs), 0);
	assert_int_equal(store_feeds_sync(e.d.store, c2), 0);
	assert_int_equal(sched_reload(e.d.sched, c2), 0);
	config_free(e.d.conf);
	e.d.conf = c2;
	json_t *log = side("/_log", NULL);
	size_t before = count(log, "/feed/x1");
	json_decref(log);
	run_until_fetched(&e, "x2", 2, 10);
	log = side("/_log", NULL);
	assert_true(count(log, "/feed/x1") <= before + 1);   /* at most one in flight */
	json_decref(log);
	assert_null(sched_feed_live(e.d.sched, "x1"));
	env_stop(&e);
	env_cleanup(&e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_conditional_across_restart),
		cmocka_unit_test(test_statuses),
		cmocka_unit_test(test_pacing_and_spread),
		cmocka_unit_test(test_host_429_pushback),
		cmocka_unit_test(test_host_429_huge_retry_after),
		cmocka_unit_test(test_outage),
		cmocka_unit_test(test_address_policy),
		cmocka_unit_test(test_once),
		cmocka_unit_test(test_reload),
	};
	return cmocka_run_group_tests(tests, server_start, server_stop);
}
