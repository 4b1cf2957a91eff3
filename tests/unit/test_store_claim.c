/* test_store_claim.c — claiming fetches on a store several instances share
 * (store_claim_fetch): a feed's lease, its host's per_host slots, host_gap
 * and 429 push-back, seen from two handles on one store, as two instances
 * see them; and the instances list. On SQLite (one process) every claim
 * succeeds and the host calls answer -ENOTSUP; as pg.store_claim the same
 * source runs on PostgreSQL. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "store_fixture.h"

static bool shared(void)
{
	const char *pg = getenv("FEEDD_TEST_STORE");
	return pg && strncmp(pg, "postgresql://", 13) == 0;
}

/* Feed NAME in the store, as a commit leaves it; ST its loaded state. */
static void feed(struct store *s, const char *name, struct feed_state *st)
{
	assert_int_equal(commit_doc(s, name, NULL, NULL), 0);
	assert_int_equal(store_feed_load(s, name, st), 0);
}

static struct store *second(struct tdb *t)
{
	struct store *b = NULL;
	char *err = NULL;
	assert_int_equal(store_open(t->path, NULL, &b, &err), 0);
	return b;
}

static void test_per_host_over_instances(void **state)
{
	(void)state;
	struct tdb t;
	struct store *a = tdb_open(&t), *b = second(&t);
	struct feed_state f[4], g = {0};
	const char *names[] = {"f0", "f1", "f2", "f3"};
	for (int i = 0; i < 4; i++)
		feed(a, names[i], &f[i]);
	int64_t now = time(NULL);
	struct store_host h = { .name = "example.org", .per_host = 2, .gap_ms = 0 };
	assert_int_equal(store_claim_fetch(a, &f[0], now, 60, &h), 0);
	assert_int_equal(store_claim_fetch(b, &f[1], now, 60, &h), 0);
	int e = store_claim_fetch(a, &f[2], now, 60, &h);
	if (!shared()) {
		/* One process: the scheduler's own count is the whole truth. */
		assert_int_equal(e, 0);
		assert_int_equal(h.wait_ms, 0);
		int64_t n = 0;
		assert_int_equal(store_host_answer(a, "example.org", true, &n), -ENOTSUP);
		json_t *j = NULL;
		assert_int_equal(store_instances_json(a, now, &j), -ENOTSUP);
		goto out;
	}
	/* Two fetches in flight to the host, one from each instance: full for
	 * both, whatever each one counts on its own. */
	assert_int_equal(e, -EBUSY);
	assert_true(h.wait_ms > 0);
	assert_int_equal(store_claim_fetch(b, &f[2], now, 60, &h), -EBUSY);
	/* Another host is free. */
	struct store_host other = { .name = "example.net", .per_host = 2 };
	assert_int_equal(store_claim_fetch(b, &f[3], now, 60, &other), 0);
	/* A commit frees its slot. */
	f[0].last_fetch = now;
	assert_int_equal(store_commit_fetch(a, &f[0], NULL, 0, false, NULL), 0);
	assert_int_equal(store_claim_fetch(b, &f[2], now, 60, &h), 0);
	/* So does a lease's expiry (an instance that died mid-fetch): f1's and
	 * f2's leases end at now+60. */
	feed(a, "g", &g);
	assert_int_equal(store_claim_fetch(a, &g, now, 60, &h), -EBUSY);
	assert_int_equal(store_claim_fetch(a, &g, now + 61, 60, &h), 0);
	/* The instances, with their leases. */
	json_t *j = NULL;
	assert_int_equal(store_instances_json(a, now, &j), 0);
	assert_int_equal(json_array_size(j), 2);
	json_int_t leases = 0;
	size_t i;
	json_t *o;
	json_array_foreach(j, i, o)
		leases += json_integer_value(json_object_get(o, "leases"));
	assert_int_equal(leases, 4);   /* f1, f2, f3 (b) and g (a) */
	json_decref(j);
out:
	for (int k = 0; k < 4; k++)
		feed_state_clear(&f[k]);
	feed_state_clear(&g);
	store_close(b);
	tdb_close(&t);
}

/* An instance whose heartbeat is older than three periods is marked
 * stale (killed or stuck); one that beats is not. */
static void test_instances_stale(void **state)
{
	(void)state;
	struct tdb t;
	struct store *a = tdb_open(&t), *b = second(&t);
	store_set_heartbeat(a, 2000);    /* stale after 6 s without a beat */
	int64_t now = time(NULL);
	json_t *j = NULL;
	if (!shared()) {
		assert_int_equal(store_instances_json(a, now, &j), -ENOTSUP);
		goto out;
	}
	assert_int_equal(store_checkpoint(b), 0);    /* b's heartbeat */
	assert_int_equal(store_instances_json(a, now, &j), 0);
	assert_int_equal(json_array_size(j), 2);
	size_t i;
	json_t *o;
	json_array_foreach(j, i, o)
		assert_true(json_is_false(json_object_get(o, "stale")));
	json_decref(j);
	/* Seven seconds on, neither has beaten since. */
	assert_int_equal(store_instances_json(a, now + 7, &j), 0);
	assert_int_equal(json_array_size(j), 2);
	json_array_foreach(j, i, o)
		assert_true(json_is_true(json_object_get(o, "stale")));
	json_decref(j);
out:
	store_close(b);
	tdb_close(&t);
}

static void test_host_gap_and_push_back(void **state)
{
	(void)state;
	if (!shared()) {
		skip();
		return;
	}
	struct tdb t;
	struct store *a = tdb_open(&t), *b = second(&t);
	struct feed_state f[3];
	const char *names[] = {"p0", "p1", "p2"};
	for (int i = 0; i < 3; i++)
		feed(a, names[i], &f[i]);
	int64_t now = time(NULL);
	/* host_gap: the second start waits, from the other instance too. */
	struct store_host h = { .name = "slow.example", .per_host = 10, .gap_ms = 60000 };
	assert_int_equal(store_claim_fetch(a, &f[0], now, 60, &h), 0);
	assert_int_equal(store_claim_fetch(b, &f[1], now, 60, &h), -EBUSY);
	assert_true(h.wait_ms > 50000 && h.wait_ms <= 60000);
	/* 429s: counted over both instances; the run ends with another answer. */
	int64_t n = 0;
	assert_int_equal(store_host_answer(a, "busy.example", true, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(store_host_answer(b, "busy.example", true, &n), 0);
	assert_int_equal(n, 2);
	struct store_host busy = { .name = "busy.example", .per_host = 10 };
	assert_int_equal(store_claim_fetch(a, &f[2], now, 60, &busy), 0);
	assert_int_equal(busy.n429, 2);   /* tells the scheduler to report its answer */
	assert_int_equal(store_host_answer(a, "busy.example", false, &n), 0);
	assert_int_equal(n, 0);
	/* A push-back holds for every instance. */
	assert_int_equal(store_host_push(a, "busy.example", 60000), 0);
	f[2].last_fetch = now;
	assert_int_equal(store_commit_fetch(a, &f[2], NULL, 0, false, NULL), 0);
	feed_state_clear(&f[2]);
	assert_int_equal(store_feed_load(b, "p2", &f[2]), 0);
	assert_int_equal(store_claim_fetch(b, &f[2], now, 60, &busy), -EBUSY);
	assert_true(busy.wait_ms > 50000);
	for (int k = 0; k < 3; k++)
		feed_state_clear(&f[k]);
	store_close(b);
	tdb_close(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_per_host_over_instances),
		cmocka_unit_test(test_instances_stale),
		cmocka_unit_test(test_host_gap_and_push_back),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
