/* test_schedule.c — next due times with exact expected values: interval,
 * every server hint, clamps, backoff, Retry-After, skipHours/Days, jitter. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "core/schedule.h"

/* Tue, 14 Nov 2023 22:13:20 GMT */
#define NOW 1700000000

static struct schedule_in base(void)
{
	struct schedule_in in = {
		.now = NOW, .interval = 1800, .min_interval = 300, .max_interval = 86400,
		.outcome = SCHEDULE_OK,
	};
	return in;
}

static void expect(const struct schedule_in *in, int64_t delay, const char *reason)
{
	struct schedule_out out;
	schedule_next(in, &out);
	assert_int_equal(out.next_due - NOW, delay);
	assert_string_equal(out.reason, reason);
}

static void test_interval_and_clamps(void **state)
{
	(void)state;
	struct schedule_in in = base();
	expect(&in, 1800, "interval");
	in.interval = 10;
	expect(&in, 300, "interval");               /* min_interval */
	in.interval = 200000;
	expect(&in, 86400, "interval");             /* max_interval */
}

static void test_cache_control(void **state)
{
	(void)state;
	struct schedule_in in = base();
	in.cache_control = "max-age=3600";
	expect(&in, 3600, "cache-control max-age");
	in.cache_control = "public, s-maxage=10, max-age=\"7200\"";
	expect(&in, 7200, "cache-control max-age");
	in.cache_control = "max-age=60";            /* never shortens the interval */
	expect(&in, 1800, "interval");
	in.cache_control = "no-store, max-age=7200";
	expect(&in, 1800, "interval");
	in.cache_control = "max-age=99999999999999999999999";
	expect(&in, 86400, "cache-control max-age");
	/* max-age takes precedence over Expires */
	in.cache_control = "max-age=2000";
	in.expires = "Wed, 15 Nov 2023 01:13:20 GMT";
	expect(&in, 2000, "cache-control max-age");
}

static void test_expires(void **state)
{
	(void)state;
	struct schedule_in in = base();
	in.expires = "Tue, 14 Nov 2023 23:13:20 GMT";
	expect(&in, 3600, "expires");
	/* the server's clock is an hour behind: Expires - Date is what counts */
	in.date = "Tue, 14 Nov 2023 21:13:20 GMT";
	in.expires = "Tue, 14 Nov 2023 22:33:20 GMT";
	expect(&in, 4800, "expires");
	in.expires = "0";                          /* invalid: ignored */
	expect(&in, 1800, "interval");
}

static void test_document_hints(void **state)
{
	(void)state;
	struct feed_hints h = { .ttl = 7200 };
	struct schedule_in in = base();
	in.hints = &h;
	expect(&in, 7200, "ttl");
	h.sy_period = 43200;
	expect(&in, 43200, "sy:updatePeriod");
	h.ttl = 200000;
	expect(&in, 86400, "ttl");
	/* hints are not read from a failed fetch */
	in.outcome = SCHEDULE_FAILED;
	in.failures = 1;
	expect(&in, 3600, "backoff");
}

static void test_skip(void **state)
{
	(void)state;
	struct feed_hints h = { .skip_hours = 1u << 22 | 1u << 23 };
	struct schedule_in in = base();
	in.hints = &h;
	in.max_interval = 7 * 86400;
	/* due 22:43 falls in a skipped hour: the next allowed hour is 00:00 */
	expect(&in, 1700006400 - NOW, "skip-hours");
	h.skip_days = 1u << 3;                      /* Wednesday */
	expect(&in, 1700092800 - NOW, "skip-days");
	/* but never beyond max_interval */
	in.max_interval = 86400;
	expect(&in, 86400, "skip-days");
	/* skipping every hour is ignored */
	h.skip_hours = 0xffffff;
	h.skip_days = 0;
	expect(&in, 1800, "interval");
}

static void test_backoff(void **state)
{
	(void)state;
	struct schedule_in in = base();
	in.outcome = SCHEDULE_FAILED;
	in.cache_control = "max-age=7200";          /* not a success: ignored */
	int64_t want[] = { 3600, 7200, 14400, 28800, 57600, 86400, 86400 };
	for (int i = 0; i < 7; i++) {
		in.failures = i + 1;
		expect(&in, want[i], "backoff");
	}
	in.failures = 1000000;
	expect(&in, 86400, "backoff");
	in.outcome = SCHEDULE_OUTAGE;
	in.failures = 5;
	expect(&in, 300 * 16, "outage");            /* the retry schedule, not counted */
}

/* Transient errors: min_interval first, doubling to max_interval, however
 * long the interval; jitter only shortens, never below min_interval. */
static void test_retry(void **state)
{
	(void)state;
	struct schedule_in in = base();
	in.outcome = SCHEDULE_RETRY;
	in.interval = 3600;
	int64_t want[] = { 300, 600, 1200, 2400, 4800, 9600, 19200, 38400, 76800, 86400, 86400 };
	for (int i = 0; i < 11; i++) {
		in.failures = i + 1;
		expect(&in, want[i], "retry");
	}
	in.failures = 0;                            /* treated as the first */
	expect(&in, 300, "retry");
	in.failures = 1000000;
	expect(&in, 86400, "retry");
	uint64_t rng = 7;
	in.rng = &rng;
	for (int i = 0; i < 200; i++) {
		struct schedule_out out;
		in.failures = 1 + i % 12;
		int64_t top = want[in.failures - 1 < 11 ? in.failures - 1 : 10];
		schedule_next(&in, &out);
		int64_t d = out.next_due - NOW;
		assert_true(d <= top);
		assert_true(d >= 300);
		assert_true(d >= top - top / 10);
	}
	in.rng = NULL;
	in.failures = 1;
	in.min_interval = 5;
	expect(&in, 5, "retry");
}

static void test_retry_after(void **state)
{
	(void)state;
	struct schedule_in in = base();
	in.outcome = SCHEDULE_THROTTLED;
	in.failures = 3;                            /* backoff: 1800 x 2^3 = 14400 */
	/* A hint only ever lengthens the wait: shorter than the backoff, it
	 * gives way to it. */
	in.retry_after = "120";
	expect(&in, 14400, "backoff");
	in.retry_after = "Tue, 14 Nov 2023 22:23:20 GMT";   /* 600 s ahead */
	expect(&in, 14400, "backoff");
	in.retry_after = "999999999";
	expect(&in, 86400, "retry-after");          /* longer: it wins, clamped */
	in.retry_after = "soon";                    /* unusable: backoff */
	expect(&in, 14400, "backoff");
	in.retry_after = NULL;
	expect(&in, 14400, "backoff");
	in.failures = 1;                            /* backoff 3600 */
	in.retry_after = "7200";
	expect(&in, 7200, "retry-after");
	in.retry_after = "Tue, 14 Nov 2023 23:13:20 GMT";   /* 3600 s ahead: a tie */
	expect(&in, 3600, "retry-after");
	in.min_interval = 60;
	in.interval = 30;                           /* backoff 60 */
	in.retry_after = "120";
	expect(&in, 120, "retry-after");

	/* 0 or a date in the past is no reason to come back sooner: a feed
	 * polled daily that answers 503 keeps backing off (issue 22). */
	in = base();
	in.outcome = SCHEDULE_THROTTLED;
	in.interval = 86400;
	in.max_interval = 7 * 86400;
	const char *now_or_past[] = {"0", "Thu, 01 Jan 1970 00:00:00 GMT",
				     "Tue, 14 Nov 2023 20:00:00 GMT", " 0 "};
	for (size_t i = 0; i < sizeof now_or_past / sizeof now_or_past[0]; i++) {
		in.retry_after = now_or_past[i];
		in.failures = 1;
		expect(&in, 2 * 86400, "backoff");
		in.failures = 140;
		expect(&in, 7 * 86400, "backoff");
	}
	/* ... with jitter too: never sooner than 90 % of the backoff. */
	uint64_t rng = 42;
	in.rng = &rng;
	in.failures = 1;
	in.retry_after = "0";
	for (int i = 0; i < 100; i++) {
		struct schedule_out out;
		schedule_next(&in, &out);
		assert_in_range(out.next_due - NOW, 2 * 86400 - 2 * 8640, 2 * 86400 + 2 * 8640);
		assert_string_equal(out.reason, "backoff");
	}
	in.rng = NULL;

	int64_t s;
	assert_int_equal(schedule_retry_after("  30 ", NOW, &s), 0);
	assert_int_equal(s, 30);
	assert_int_equal(schedule_retry_after("-5", NOW, &s), -EINVAL);
	assert_int_equal(schedule_retry_after(NULL, NOW, &s), -EINVAL);
}

static void test_jitter(void **state)
{
	(void)state;
	uint64_t rng = 42;
	struct schedule_in in = base();
	in.rng = &rng;
	struct schedule_out out;
	schedule_next(&in, &out);
	/* splitmix64(42) % 361 - 180 */
	assert_int_equal(out.next_due - NOW, 1800 + 38);
	assert_string_equal(out.reason, "interval");

	/* over many draws: within ±10 %, and both ends reached */
	int64_t lo = INT64_MAX, hi = 0;
	for (int i = 0; i < 2000; i++) {
		schedule_next(&in, &out);
		int64_t d = out.next_due - NOW;
		assert_in_range(d, 1620, 1980);
		lo = d < lo ? d : lo;
		hi = d > hi ? d : hi;
	}
	assert_true(lo < 1640);
	assert_true(hi > 1960);

	/* the same seed gives the same schedule */
	uint64_t a = 7, b = 7;
	in.rng = &a;
	struct schedule_out o1, o2;
	schedule_next(&in, &o1);
	in.rng = &b;
	schedule_next(&in, &o2);
	assert_int_equal(o1.next_due, o2.next_due);
}

/* The longest wait schedule_next plans for each reason: what a stored due
 * time is capped at when loaded (sched_place). */
static void test_ceiling(void **state)
{
	(void)state;
	struct schedule_in in = base();          /* 30m, 5m..1d */
	assert_int_equal(schedule_ceiling(&in, "interval"), 1800 + 180);
	in.interval = 3;
	in.min_interval = 1;
	assert_int_equal(schedule_ceiling(&in, "interval"), 3);   /* not jittered */
	in = base();
	in.failures = 3;
	assert_int_equal(schedule_ceiling(&in, "retry"), 1200);
	assert_int_equal(schedule_ceiling(&in, "backoff"), 14400);
	in.failures = 40;
	assert_int_equal(schedule_ceiling(&in, "backoff"), 86400);
	assert_int_equal(schedule_ceiling(&in, "retry-after"), 86400);
	assert_int_equal(schedule_ceiling(&in, "cache-control max-age"), 86400);
	assert_int_equal(schedule_ceiling(&in, NULL), 86400);
	/* Whatever it planned, it stays under its ceiling. */
	uint64_t rng = 7;
	in = base();
	in.rng = &rng;
	for (int i = 0; i < 200; i++) {
		struct schedule_out out;
		schedule_next(&in, &out);
		assert_true(out.next_due - in.now <= schedule_ceiling(&in, out.reason));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_interval_and_clamps),
		cmocka_unit_test(test_cache_control),
		cmocka_unit_test(test_expires),
		cmocka_unit_test(test_document_hints),
		cmocka_unit_test(test_skip),
		cmocka_unit_test(test_backoff),
		cmocka_unit_test(test_retry),
		cmocka_unit_test(test_retry_after),
		cmocka_unit_test(test_jitter),
		cmocka_unit_test(test_ceiling),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
