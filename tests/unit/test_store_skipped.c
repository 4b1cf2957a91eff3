/* test_store_skipped.c — items the filter rules skipped (struct item's
 * skipped, feeds.conf's skip/keep), on SQLite and, as pg.store_skipped, on
 * PostgreSQL: stored, never announced (no item.new, no news id, no hook
 * delivery), listed only when the query asks for them, and neither new nor
 * announced as updated when they come again, edited. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "store_fixture.h"

static size_t count_events(struct store *s, const char *type)
{
	json_t *ev = NULL;
	int64_t next = 0;
	assert_int_equal(store_events(s, 0, 1000, &ev, &next), 0);
	size_t n = 0, i;
	json_t *e;
	json_array_foreach(ev, i, e)
		n += !strcmp(jstr(e, "type"), type);
	json_decref(ev);
	return n;
}

static void test_skipped(void **state)
{
	(void)state;
	struct tdb t = {0};
	struct store *s = tdb_open(&t);
	struct doc *d = doc_new();
	doc_add(d, "g1", "https://example.com/1", "one");
	doc_add(d, "g2", "https://example.com/2", "sponsored")->skipped = true;
	doc_add(d, "g3", "https://example.com/3", "three");
	struct feed_state st = {0};
	st.name = (char *)"a";
	st.url = (char *)"https://example.com/feed";
	st.last_status = 200;
	struct store_news n;
	assert_int_equal(store_commit_fetch(s, &st, d, 0, true, &n), 0);
	assert_int_equal(n.nnew, 2);
	store_news_clear(&n);
	assert_int_equal(count_events(s, "item.new"), 2);
	struct hook_job *jobs = NULL;
	size_t njobs = 0;
	/* A feed's deliveries come one at a time, in item order: "one",
	 * then "three", never "sponsored". */
	const char *want[] = {"one", "three"};
	for (int k = 0; k < 2; k++) {
		assert_int_equal(store_hook_due(s, 4000000000, 10, &jobs, &njobs), 0);
		assert_int_equal(njobs, 1);
		assert_string_equal(jstr(jobs[0].item, "title"), want[k]);
		assert_int_equal(store_hook_result(s, jobs[0].item_id, true, 0, NULL), 0);
		store_hook_jobs_free(jobs, njobs);
	}
	assert_int_equal(store_hook_due(s, 4000000000, 10, &jobs, &njobs), 0);
	assert_int_equal(njobs, 0);
	store_hook_jobs_free(jobs, njobs);
	/* Listed only when asked for. */
	json_t *items = all_items(s, "a");
	assert_int_equal(json_array_size(items), 2);
	assert_string_equal(jstr(json_array_get(items, 1), "title"), "three");
	json_decref(items);
	struct item_query q = {.since = DATE_NONE, .limit = 100, .skipped = true};
	int64_t next;
	assert_int_equal(store_items(s, &q, &items, &next), 0);
	assert_int_equal(json_array_size(items), 3);
	assert_string_equal(jstr(json_array_get(items, 1), "title"), "sponsored");
	json_decref(items);
	/* A consumer's lag is what its next read gives: the skipped item is
	 * not counted. */
	int64_t cur;
	assert_int_equal(store_consumer_get(s, "me2", true, false, &cur), 0);
	struct item_query cq = {.since = DATE_NONE, .limit = 100, .consumer = "me2"};
	assert_int_equal(store_items(s, &cq, &items, &next), 0);
	size_t nread = json_array_size(items);
	assert_int_equal(nread, 2);
	json_decref(items);
	json_t *cons = NULL;
	assert_int_equal(store_consumers_json(s, &cons), 0);
	assert_int_equal(json_array_size(cons), 1);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(cons, 0), "lag")), nread);
	json_decref(cons);
	/* Again, the skipped one edited and no longer matching any rule: it
	 * is not new, and its edit is not news. */
	d->items[1].skipped = false;
	item_set(&d->items[1].title, "sponsored, edited");
	size_t upd = 9;
	assert_int_equal(commit_count(s, "a", d, &upd), 0);
	assert_int_equal(count_events(s, "item.updated"), 0);
	assert_int_equal(count_events(s, "item.new"), 2);
	items = all_items(s, "a");
	assert_int_equal(json_array_size(items), 2);
	json_decref(items);
	doc_free(d);
	tdb_close(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_skipped),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
