/* test_store_manage.c — the store's edits a person asks for (store.h,
 * store_consumer_delete and store_feed_rename), on SQLite and, as
 * pg.store_manage, on PostgreSQL: a deleted consumer starts afresh; a
 * renamed feed keeps its items, ids, events, hook deliveries and its
 * dedup, and a name already taken is refused. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "store_fixture.h"

static void test_consumer_delete(void **state)
{
	(void)state;
	struct tdb t = {0};
	struct store *s = tdb_open(&t);
	struct doc *d = doc_new();
	doc_add(d, "g1", "https://example.com/1", "one");
	doc_add(d, "g2", "https://example.com/2", "two");
	assert_int_equal(commit_count(s, "a", d, NULL), 2);
	int64_t cur = -1;
	assert_int_equal(store_consumer_get(s, "mail", true, false, &cur), 0);
	assert_int_equal(store_consumer_ack(s, "mail", 2), 0);
	assert_int_equal(store_consumer_get(s, "mail", false, false, &cur), 0);
	assert_int_equal(cur, 2);

	assert_int_equal(store_consumer_delete(s, "mail"), 0);
	assert_int_equal(store_consumer_get(s, "mail", false, false, &cur), -ENOENT);
	assert_int_equal(store_consumer_delete(s, "mail"), -ENOENT);
	json_t *all = NULL;
	assert_int_equal(store_consumers_json(s, &all), 0);
	assert_int_equal(json_array_size(all), 0);
	json_decref(all);
	/* The next read under the name starts afresh, at 0. */
	assert_int_equal(store_consumer_get(s, "mail", true, false, &cur), 0);
	assert_int_equal(cur, 0);
	doc_free(d);
	tdb_close(&t);
}

static void test_feed_rename(void **state)
{
	(void)state;
	struct tdb t = {0};
	struct store *s = tdb_open(&t);
	struct doc *d = doc_new();
	doc_add(d, "g1", "https://example.com/1", "one");
	doc_add(d, "g2", "https://example.com/2", "two");
	struct feed_state st = {0};
	st.name = (char *)"old";
	st.url = (char *)"https://example.com/feed";
	st.last_status = 200;
	st.etag = (char *)"\"v1\"";
	st.next_due = 4000000000;
	struct store_news n;
	assert_int_equal(store_commit_fetch(s, &st, d, 0, true, &n), 0);
	assert_int_equal(n.nnew, 2);
	int64_t id1 = n.new_ids[0], id2 = n.new_ids[1];
	store_news_clear(&n);
	assert_int_equal(commit_count(s, "other", d, NULL), 2);

	assert_int_equal(store_feed_rename(s, "old", "new"), 0);
	struct feed_state got = {0};
	assert_int_equal(store_feed_load(s, "old", &got), -ENOENT);
	assert_int_equal(store_feed_load(s, "new", &got), 0);
	assert_string_equal(got.etag, "\"v1\"");
	assert_int_equal(got.next_due, 4000000000);
	assert_int_equal(got.n_items, 2);
	feed_state_clear(&got);
	/* Its items, with their ids, under the new name. */
	json_t *items = all_items(s, "new");
	assert_int_equal(json_array_size(items), 2);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(items, 0), "id")), id1);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(items, 1), "id")), id2);
	assert_string_equal(jstr(json_array_get(items, 0), "feed"), "new");
	json_decref(items);
	/* Its pending hook deliveries too. */
	struct hook_job *jobs = NULL;
	size_t njobs = 0;
	assert_int_equal(store_hook_due(s, 4000000000, 10, &jobs, &njobs), 0);
	assert_int_equal(njobs, 1);            /* a feed's, one at a time */
	assert_int_equal(jobs[0].item_id, id1);
	assert_string_equal(jobs[0].feed, "new");
	store_hook_jobs_free(jobs, njobs);
	/* Its history, and the rename in it. */
	json_t *ev = NULL;
	int64_t next = 0;
	assert_int_equal(store_events(s, 0, 1000, &ev, &next), 0);
	size_t i;
	json_t *e;
	bool renamed = false;
	json_array_foreach(ev, i, e) {
		assert_string_not_equal(jstr(e, "feed") ? jstr(e, "feed") : "", "old");
		if (!strcmp(jstr(e, "type"), "feed.renamed")) {
			assert_string_equal(jstr(e, "feed"), "new");
			assert_string_equal(jstr(e, "from"), "old");
			renamed = true;
		}
	}
	assert_true(renamed);
	json_decref(ev);
	/* The same document again: nothing new (its dedup kept). */
	assert_int_equal(commit_count(s, "new", d, NULL), 0);

	/* A name taken, and a feed that is not there. */
	assert_int_equal(store_feed_rename(s, "new", "other"), -EEXIST);
	assert_int_equal(store_feed_rename(s, "nosuch", "x"), -ENOENT);
	items = all_items(s, "new");
	assert_int_equal(json_array_size(items), 2);
	json_decref(items);
	doc_free(d);
	tdb_close(&t);
}

/* A rename and the feed set after it commit together: a sync that fails
 * (a trigger refuses the new feed "boom") leaves the feed unrenamed. */
static void test_feed_rename_with_sync_is_one_transaction(void **state)
{
	(void)state;
	struct tdb t = {0};
	struct store *s = tdb_open(&t);
	struct doc *d = doc_new();
	doc_add(d, "g1", "https://example.com/1", "one");
	assert_int_equal(commit_count(s, "old", d, NULL), 1);
	assert_int_equal(tdb_exec(&t, t.pgdb[0] ?
		"CREATE FUNCTION boom() RETURNS trigger LANGUAGE plpgsql AS "
		"$$BEGIN RAISE EXCEPTION 'boom'; END$$; "
		"CREATE TRIGGER boom BEFORE INSERT ON feeds FOR EACH ROW "
		"WHEN (NEW.name = 'boom') EXECUTE FUNCTION boom()" :
		"CREATE TRIGGER boom BEFORE INSERT ON feeds WHEN NEW.name = 'boom' "
		"BEGIN SELECT RAISE(ABORT, 'boom'); END"), 0);
	struct feed_conf fc[2] = {
		{.name = "new", .url = "https://example.com/feed"},
		{.name = "boom", .url = "https://b.example/feed"},
	};
	struct config c = {.feeds = fc, .nfeeds = 2};
	assert_true(store_feeds_sync_rename(s, &c, "old", "new") < 0);
	struct feed_state got = {0};
	assert_int_equal(store_feed_load(s, "new", &got), -ENOENT);
	assert_int_equal(store_feed_load(s, "old", &got), 0);
	feed_state_clear(&got);
	/* Without the feed refused: both. */
	c.nfeeds = 1;
	assert_int_equal(store_feeds_sync_rename(s, &c, "old", "new"), 0);
	assert_int_equal(store_feed_load(s, "new", &got), 0);
	assert_int_equal(got.n_items, 1);
	feed_state_clear(&got);
	doc_free(d);
	tdb_close(&t);
}

/* The config renames a running feed that the store has under its old
 * name (a section renamed by hand, a rename's store step lost): the sync
 * renames the row, history kept, rather than add a new feed. Not when two
 * dropped feeds share the URL, nor for a removed one. */
static void test_sync_takes_a_new_name_at_a_dropped_url_for_a_rename(void **state)
{
	(void)state;
	struct tdb t = {0};
	struct store *s = tdb_open(&t);
	struct feed_conf fc[3] = {
		{.name = "old", .url = "https://example.com/feed"},   /* commit_doc's */
		{.name = "x", .url = "https://b.example/feed"},
		{.name = "y", .url = "https://b.example/feed"},
	};
	struct config c = {.feeds = fc, .nfeeds = 3};
	assert_int_equal(store_feeds_sync(s, &c), 0);
	struct doc *d = doc_new();
	doc_add(d, "g1", "https://example.com/1", "one");
	assert_int_equal(commit_count(s, "old", d, NULL), 1);

	fc[0].name = "new";
	fc[1].name = "z";   /* x and y at one URL: which one z is, is not known */
	c.nfeeds = 2;
	assert_int_equal(store_feeds_sync(s, &c), 0);
	struct feed_state got = {0};
	assert_int_equal(store_feed_load(s, "old", &got), -ENOENT);
	assert_int_equal(store_feed_load(s, "new", &got), 0);
	assert_int_equal(got.n_items, 1);
	feed_state_clear(&got);
	assert_int_equal(commit_count(s, "new", d, NULL), 0);
	json_t *f = NULL;
	assert_int_equal(store_feeds_json(s, "x", &f), 0);
	assert_true(json_is_true(json_object_get(f, "removed")));
	json_decref(f);
	assert_int_equal(store_feeds_json(s, "z", &f), 0);
	assert_false(json_is_true(json_object_get(f, "removed")));
	json_decref(f);

	/* Removed, then named anew at its URL: a new feed, as before. */
	c.nfeeds = 1;
	fc[0].name = "other";
	fc[0].url = "https://c.example/feed";
	assert_int_equal(store_feeds_sync(s, &c), 0);
	fc[0].name = "later";
	fc[0].url = "https://example.com/feed";
	assert_int_equal(store_feeds_sync(s, &c), 0);
	assert_int_equal(store_feed_load(s, "later", &got), 0);
	assert_int_equal(got.n_items, 0);
	feed_state_clear(&got);
	doc_free(d);
	tdb_close(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_consumer_delete),
		cmocka_unit_test(test_feed_rename),
		cmocka_unit_test(test_feed_rename_with_sync_is_one_transaction),
		cmocka_unit_test(test_sync_takes_a_new_name_at_a_dropped_url_for_a_rename),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
