/* test_store_domain.c — the store's domain files through store.h, on
 * SQLite and (as pg.store_domain) on PostgreSQL: one source, two backends,
 * so that the rules written once (commit.c, feeds.c, feed_state.c,
 * query.c) hold over both sets of primitives. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/config.h"
#include "core/feedstate.h"
#include "store_fixture.h"

static json_t *events_after(struct store *s, int64_t after)
{
	json_t *ev = NULL;
	int64_t next;
	assert_int_equal(store_events(s, after, 1000, &ev, &next), 0);
	return ev;
}

/* commit.c: what NEWS says, the item events in order (new before updated),
 * the feed's own events after them, all in the one transaction. */
static void test_commit_news_and_events(void **state)
{
	(void)state;
	struct tdb t;
	struct store *s = tdb_open(&t);
	struct doc *d = doc_new();
	doc_add(d, "a", "https://ex.com/a", "A");
	doc_add(d, "b", "https://ex.com/b", "B");
	struct store_news n;
	assert_int_equal(commit_doc(s, "f", d, &n), 0);
	assert_int_equal(n.nnew, 2);
	assert_true(n.new_ids[0] < n.new_ids[1]);
	assert_int_equal(n.last_item_id, n.new_ids[1]);
	int64_t seq = n.last_event_seq;
	store_news_clear(&n);

	item_set(&d->items[1].title, "B, edited");
	doc_add(d, "c", "https://ex.com/c", "C");
	struct feed_state st = {.name = (char *)"f", .url = (char *)"https://example.com/feed",
				.last_status = 200, .failures = 0};
	assert_int_equal(store_commit_fetch(s, &st, d, STORE_EV_RECOVERED, false, &n), 0);
	assert_int_equal(n.nnew, 1);
	assert_int_equal(n.nupdated, 1);
	json_t *ev = events_after(s, seq);
	assert_int_equal(json_array_size(ev), 3);
	assert_string_equal(jstr(json_array_get(ev, 0), "type"), "item.new");
	assert_int_equal(json_integer_value(json_object_get(json_array_get(ev, 0), "item")),
			 n.new_ids[0]);
	assert_string_equal(jstr(json_array_get(ev, 1), "type"), "item.updated");
	assert_string_equal(jstr(json_array_get(ev, 2), "type"), "feed.recovered");
	assert_int_equal(n.last_event_seq,
			 json_integer_value(json_object_get(json_array_get(ev, 2), "seq")));
	json_decref(ev);
	store_news_clear(&n);
	doc_free(d);
	tdb_close(&t);
}

/* commit.c: a fetch without a document writes the state alone, and its
 * failing event carries the error and the count. */
static void test_commit_state_only(void **state)
{
	(void)state;
	struct tdb t;
	struct store *s = tdb_open(&t);
	struct feed_state st = {.name = (char *)"f", .url = (char *)"https://ex.com/feed",
				.etag = (char *)"\"v1\"", .last_fetch = 1000, .next_due = 2000,
				.last_status = 503, .last_error = (char *)"HTTP 503",
				.failures = 3, .n_requests = 4, .n_err_http = 3};
	struct store_news n;
	assert_int_equal(store_commit_fetch(s, &st, NULL, STORE_EV_FAILING, false, &n), 0);
	assert_int_equal(n.nnew, 0);
	json_t *ev = events_after(s, 0);
	assert_int_equal(json_array_size(ev), 1);
	json_t *e = json_array_get(ev, 0);
	assert_string_equal(jstr(e, "type"), "feed.failing");
	assert_string_equal(jstr(e, "error"), "HTTP 503");
	assert_int_equal(json_integer_value(json_object_get(e, "failures")), 3);
	json_decref(ev);
	struct feed_state back;
	assert_int_equal(store_feed_load(s, "f", &back), 0);
	assert_string_equal(back.etag, "\"v1\"");
	assert_int_equal(back.next_due, 2000);
	assert_int_equal(back.failures, 3);
	assert_int_equal(back.n_err_http, 3);
	assert_int_equal(back.n_items, 0);
	feed_state_clear(&back);
	tdb_close(&t);
}

/* feeds.c: added, renamed URL (validators and 410 cleared), removed and
 * re-added, each with its event; tags follow the config. */
static void test_feeds_follow_the_config(void **state)
{
	(void)state;
	struct tdb t;
	struct store *s = tdb_open(&t);
	char *tags[] = {"news", NULL};
	struct feed_conf fc[2] = {
		{.name = "a", .url = "https://a.example/feed", .tags = tags},
		{.name = "b", .url = "https://b.example/feed"},
	};
	struct config c = {.feeds = fc, .nfeeds = 2};
	assert_int_equal(store_feeds_sync(s, &c), 0);
	struct feed_state st = {.name = (char *)"a", .url = fc[0].url, .etag = (char *)"e",
				.last_status = 410, .gone = true};
	assert_int_equal(store_commit_fetch(s, &st, NULL, 0, false, NULL), 0);
	fc[0].url = "https://a.example/new";
	c.nfeeds = 1;
	assert_int_equal(store_feeds_sync(s, &c), 0);
	struct feed_state back;
	assert_int_equal(store_feed_load(s, "a", &back), 0);
	assert_string_equal(back.url, "https://a.example/new");
	assert_null(back.etag);
	assert_false(back.gone);
	feed_state_clear(&back);
	json_t *b = NULL;
	assert_int_equal(store_feeds_json(s, "b", &b), 0);
	assert_true(json_is_true(json_object_get(b, "removed")));
	json_decref(b);
	json_t *a = NULL;
	assert_int_equal(store_feeds_json(s, "a", &a), 0);
	assert_string_equal(json_string_value(json_array_get(json_object_get(a, "tags"), 0)),
			    "news");
	/* Gone no more (a new URL), and never fetched successfully. */
	assert_string_equal(feedstate_json(a), "new");
	json_decref(a);
	assert_int_equal(store_feeds_json(s, "nope", &a), -ENOENT);
	c.nfeeds = 2;
	assert_int_equal(store_feeds_sync(s, &c), 0);
	json_t *ev = events_after(s, 0);
	const char *want[] = {"feed.added", "feed.added", "feed.removed", "feed.added"};
	assert_int_equal(json_array_size(ev), 4);
	for (size_t i = 0; i < 4; i++)
		assert_string_equal(jstr(json_array_get(ev, i), "type"), want[i]);
	assert_string_equal(jstr(json_array_get(ev, 3), "feed"), "b");
	json_decref(ev);
	json_t *all = NULL;
	assert_int_equal(store_feeds_json(s, NULL, &all), 0);
	assert_int_equal(json_array_size(all), 2);
	assert_string_equal(jstr(json_array_get(all, 0), "name"), "a");
	json_decref(all);
	tdb_close(&t);
}

/* feed_state.c over core/feedstate.c: the store's counts and the API's
 * word for each feed come from the one rule. */
static void test_counts_match_the_rule(void **state)
{
	(void)state;
	struct tdb t;
	struct store *s = tdb_open(&t);
	struct feed_conf fc[4] = {
		{.name = "ok", .url = "https://a.example/"},
		{.name = "cut", .url = "https://b.example/"},
		{.name = "new", .url = "https://c.example/"},
		{.name = "off", .url = "https://d.example/"},
	};
	struct config c = {.feeds = fc, .nfeeds = 4};
	assert_int_equal(store_feeds_sync(s, &c), 0);
	struct feed_state ok = {.name = (char *)"ok", .last_success = 100, .last_fetch = 100};
	struct feed_state cut = {.name = (char *)"cut", .last_success = 100,
				 .last_error = (char *)"truncated: body cut at 10 MiB"};
	assert_int_equal(store_commit_fetch(s, &ok, NULL, 0, false, NULL), 0);
	assert_int_equal(store_commit_fetch(s, &cut, NULL, 0, false, NULL), 0);
	const char *off[] = {"off"};
	struct store_feed_counts n;
	assert_int_equal(store_feed_counts(s, off, 1, &n), 0);
	assert_int_equal(n.ok, 1);
	assert_int_equal(n.truncated, 1);
	assert_int_equal(n.fresh, 1);
	assert_int_equal(n.disabled, 1);
	json_t *all = NULL;
	assert_int_equal(store_feeds_json(s, NULL, &all), 0);
	int64_t by_rule[FEEDSTATE__COUNT] = {0};
	size_t i;
	json_t *f;
	json_array_foreach(all, i, f) {
		if (!strcmp(jstr(f, "name"), "off"))
			json_object_set_new(f, "config", json_pack("{s:b}", "enabled", 0));
		const char *name = feedstate_json(f);
		for (int k = 0; k < FEEDSTATE__COUNT; k++)
			by_rule[k] += !strcmp(name, feedstate_name(k));
	}
	json_decref(all);
	assert_int_equal(by_rule[FEEDSTATE_OK], n.ok);
	assert_int_equal(by_rule[FEEDSTATE_TRUNCATED], n.truncated);
	assert_int_equal(by_rule[FEEDSTATE_NEW], n.fresh);
	assert_int_equal(by_rule[FEEDSTATE_DISABLED], n.disabled);
	tdb_close(&t);
}

/* query.c: the cursor is the highest id handed out, newest first or not;
 * a consumer's cursor raises AFTER; the limit is held to 1..1000. */
static void test_query_cursor_and_bounds(void **state)
{
	(void)state;
	struct tdb t;
	struct store *s = tdb_open(&t);
	struct doc *d = doc_new();
	char g[8];
	for (int i = 0; i < 5; i++) {
		snprintf(g, sizeof g, "g%d", i);
		doc_add(d, g, NULL, g);
	}
	assert_int_equal(commit_count(s, "f", d, NULL), 5);
	json_t *items = NULL;
	int64_t next = -1;
	struct item_query q = {.since = DATE_NONE, .limit = 2, .desc = true};
	assert_int_equal(store_items(s, &q, &items, &next), 0);
	assert_int_equal(json_array_size(items), 2);
	int64_t first = json_integer_value(json_object_get(json_array_get(items, 0), "id"));
	assert_int_equal(next, first);
	json_decref(items);
	q = (struct item_query){.since = DATE_NONE, .limit = 0};
	assert_int_equal(store_items(s, &q, &items, &next), 0);
	assert_int_equal(json_array_size(items), 1);
	json_decref(items);
	int64_t cursor;
	assert_int_equal(store_consumer_get(s, "reader", true, false, &cursor), 0);
	assert_int_equal(store_consumer_ack(s, "reader", first - 1), 0);
	q = (struct item_query){.since = DATE_NONE, .limit = 5000, .consumer = "reader"};
	assert_int_equal(store_items(s, &q, &items, &next), 0);
	assert_int_equal(json_array_size(items), 1);
	assert_int_equal(next, first);
	json_decref(items);
	q.after = first;
	assert_int_equal(store_items(s, &q, &items, &next), 0);
	assert_int_equal(json_array_size(items), 0);
	assert_int_equal(next, first);
	json_decref(items);
	doc_free(d);
	tdb_close(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_commit_news_and_events),
		cmocka_unit_test(test_commit_state_only),
		cmocka_unit_test(test_feeds_follow_the_config),
		cmocka_unit_test(test_counts_match_the_rule),
		cmocka_unit_test(test_query_cursor_and_bounds),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
