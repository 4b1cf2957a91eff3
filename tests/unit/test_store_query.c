/* test_store_query.c — what the API reads from the store: items with every
 * filter, events, feeds and their tags, consumers, hook deliveries,
 * retention by age and count, figures. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/config.h"
#include "store_fixture.h"

/* Three feeds: news (tags world, daily), tech (tags tech, daily), blog. */
static void sync_feeds(struct store *s, bool with_blog)
{
	char *news_tags[] = {"world", "daily", NULL};
	char *tech_tags[] = {"tech", "daily", NULL};
	struct feed_conf feeds[3] = {
		{.name = "news", .url = "https://news.example/rss", .tags = news_tags},
		{.name = "tech", .url = "https://tech.example/atom", .tags = tech_tags},
		{.name = "blog", .url = "https://blog.example/feed"},
	};
	struct config c = {.feeds = feeds, .nfeeds = with_blog ? 3 : 2};
	assert_int_equal(store_feeds_sync(s, &c), 0);
}

/* 10 items per feed, interleaved: ids 1..30, news=1,4,7.. tech=2,5.. blog=3,6.. */
static void fill(struct store *s)
{
	const char *names[3] = {"news", "tech", "blog"};
	struct doc *d[3] = {doc_new(), doc_new(), doc_new()};
	char guid[32], url[64], title[64];
	for (int i = 0; i < 10; i++) {
		for (int f = 0; f < 3; f++) {
			snprintf(guid, sizeof guid, "%s-%d", names[f], i);
			snprintf(url, sizeof url, "https://%s.example/%d", names[f], i);
			snprintf(title, sizeof title, "%s item %d %s", names[f], i,
				 i == 3 ? "volcano eruption" : "");
			struct item *it = doc_add(d[f], guid, url, title);
			it->published = 1600000000 + i * 86400;
			struct doc one = {.items = it, .nitems = 1};
			assert_int_equal(commit_count(s, names[f], &one, NULL), 1);
		}
	}
	for (int f = 0; f < 3; f++) {
		/* The whole listing once more: nothing new, all listed. */
		assert_int_equal(commit_count(s, names[f], d[f], NULL), 0);
		doc_free(d[f]);
	}
}

static json_t *query(struct store *s, struct item_query *q, int64_t *next)
{
	json_t *items = NULL;
	int64_t n;
	assert_int_equal(store_items(s, q, &items, next ? next : &n), 0);
	return items;
}

static int64_t id_at(json_t *items, size_t i)
{
	return json_integer_value(json_object_get(json_array_get(items, i), "id"));
}

static void test_items_filters(void **state)
{
	struct tdb t;
	struct store *s = tdb_open(&t);
	sync_feeds(s, true);
	fill(s);
	int64_t next = -1;
	struct item_query q = {.since = DATE_NONE, .limit = 100};
	json_t *items = query(s, &q, &next);
	assert_int_equal(json_array_size(items), 30);
	assert_int_equal(id_at(items, 0), 1);
	assert_int_equal(next, 30);
	json_decref(items);

	/* after + limit: the cursor walks forward. */
	q.after = 10;
	q.limit = 5;
	items = query(s, &q, &next);
	assert_int_equal(json_array_size(items), 5);
	assert_int_equal(id_at(items, 0), 11);
	assert_int_equal(next, 15);
	json_decref(items);
	q.after = 30;
	items = query(s, &q, &next);
	assert_int_equal(json_array_size(items), 0);
	assert_int_equal(next, 30);
	json_decref(items);

	/* before, desc. */
	q = (struct item_query){.since = DATE_NONE, .limit = 3, .before = 10, .desc = true};
	items = query(s, &q, &next);
	assert_int_equal(json_array_size(items), 3);
	assert_int_equal(id_at(items, 0), 9);
	assert_int_equal(id_at(items, 2), 7);
	assert_int_equal(next, 9);
	json_decref(items);

	/* offset: the first matches left out, in the query's order; the
	 * cursor is the highest id handed out. */
	q = (struct item_query){.since = DATE_NONE, .limit = 4, .after = 5, .offset = 20};
	items = query(s, &q, &next);
	assert_int_equal(json_array_size(items), 4);
	assert_int_equal(id_at(items, 0), 26);
	assert_int_equal(next, 29);
	json_decref(items);
	q = (struct item_query){.since = DATE_NONE, .limit = 4, .desc = true, .offset = 28};
	items = query(s, &q, NULL);
	assert_int_equal(json_array_size(items), 2);
	assert_int_equal(id_at(items, 0), 2);
	json_decref(items);
	q.offset = 30;
	items = query(s, &q, NULL);
	assert_int_equal(json_array_size(items), 0);
	json_decref(items);

	/* feeds (several). */
	const char *two[] = {"tech", "blog"};
	q = (struct item_query){.since = DATE_NONE, .limit = 100, .feeds = two, .nfeeds = 2};
	items = query(s, &q, NULL);
	assert_int_equal(json_array_size(items), 20);
	for (size_t i = 0; i < 20; i++)
		assert_string_not_equal(jstr(json_array_get(items, i), "feed"), "news");
	json_decref(items);

	/* tag. */
	q = (struct item_query){.since = DATE_NONE, .limit = 100, .tag = "world"};
	items = query(s, &q, NULL);
	assert_int_equal(json_array_size(items), 10);
	assert_string_equal(jstr(json_array_get(items, 0), "feed"), "news");
	json_decref(items);
	q.tag = "daily";
	items = query(s, &q, NULL);
	assert_int_equal(json_array_size(items), 20);
	json_decref(items);
	q.tag = "nope";
	items = query(s, &q, NULL);
	assert_int_equal(json_array_size(items), 0);
	json_decref(items);

	/* full text, with input that would be FTS5 syntax. */
	q = (struct item_query){.since = DATE_NONE, .limit = 100, .q = "Volcano"};
	items = query(s, &q, NULL);
	assert_int_equal(json_array_size(items), 3);
	json_decref(items);
	q.q = "volcano eruption";
	q.feeds = two;
	q.nfeeds = 1;
	items = query(s, &q, NULL);
	assert_int_equal(json_array_size(items), 1);
	assert_string_equal(jstr(json_array_get(items, 0), "title"), "tech item 3 volcano eruption");
	json_decref(items);
	q = (struct item_query){.since = DATE_NONE, .limit = 100, .q = "\"unbalanced AND ( NOT"};
	items = query(s, &q, NULL);
	assert_int_equal(json_array_size(items), 0);
	json_decref(items);

	/* since: the sort date (published here). */
	q = (struct item_query){.since = 1600000000 + 8 * 86400, .limit = 100};
	items = query(s, &q, NULL);
	assert_int_equal(json_array_size(items), 6);
	json_decref(items);

	/* until (sort date before it), with since; changed bounds on the
	 * first seen time (no item was updated). */
	q = (struct item_query){.since = 1600000000 + 2 * 86400,
				.until = 1600000000 + 5 * 86400, .limit = 100};
	items = query(s, &q, NULL);
	assert_int_equal(json_array_size(items), 9);
	assert_int_equal(id_at(items, 0), 7);
	assert_int_equal(id_at(items, 8), 15);
	json_decref(items);
	int64_t now = time(NULL);
	q = (struct item_query){.since = DATE_NONE, .changed_after = now - 3600,
				.changed_before = now + 3600, .limit = 100};
	items = query(s, &q, NULL);
	assert_int_equal(json_array_size(items), 30);
	json_decref(items);
	q.changed_before = now - 3600;
	items = query(s, &q, NULL);
	assert_int_equal(json_array_size(items), 0);
	json_decref(items);
	q = (struct item_query){.since = DATE_NONE, .changed_after = now + 3600, .limit = 100};
	items = query(s, &q, NULL);
	assert_int_equal(json_array_size(items), 0);
	json_decref(items);

	/* limit is clamped to 1..1001 (a page and one more). */
	q = (struct item_query){.since = DATE_NONE, .limit = 0};
	items = query(s, &q, NULL);
	assert_int_equal(json_array_size(items), 1);
	json_decref(items);
	tdb_close(&t);
}

/* More query shapes than a connection keeps prepared (SQLite: IQ_KEPT),
 * each asked again after others took its place: the same answer each
 * time, which the filters' own arithmetic also says (30 items, ids 1..30,
 * every third one a feed's). */
static void test_many_shapes_again(void **state)
{
	(void)state;
	struct tdb t;
	struct store *s = tdb_open(&t);
	sync_feeds(s, true);
	fill(s);
	size_t first[64];
	for (int round = 0; round < 2; round++)
		for (unsigned m = 0; m < 64; m++) {
			const char *news[] = {"news"};
			struct item_query q = {
				.since = DATE_NONE, .limit = 100, .before = m & 1 ? 20 : 0,
				.desc = m & 2, .by_date = m & 4, .distinct = m & 8,
				.skipped = m & 16, .live = m & 32,
				.feeds = m & 1 ? news : NULL, .nfeeds = m & 1 ? 1 : 0,
			};
			int64_t next;
			json_t *items = query(s, &q, &next);
			size_t n = json_array_size(items);
			/* before=20 with the news feed: ids 1, 4 .. 19. */
			assert_int_equal(n, m & 1 ? 7 : 30);
			if (round == 0)
				first[m] = n;
			else
				assert_int_equal(n, first[m]);
			if (n && !(m & 4))
				assert_int_equal(id_at(items, 0), m & 2 ? (m & 1 ? 19 : 30) : 1);
			json_decref(items);
		}
	tdb_close(&t);
}

static void test_feeds_sync_and_json(void **state)
{
	struct tdb t;
	struct store *s = tdb_open(&t);
	sync_feeds(s, true);
	fill(s);
	json_t *feeds = NULL;
	assert_int_equal(store_feeds_json(s, NULL, &feeds), 0);
	assert_int_equal(json_array_size(feeds), 3);
	json_decref(feeds);
	assert_int_equal(store_reader_feeds(s, false, &feeds), 0);
	assert_int_equal(json_array_size(feeds), 3);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(feeds, 0), "unread")), 0);
	json_decref(feeds);
	json_t *f = NULL;
	assert_int_equal(store_feeds_json(s, "news", &f), 0);
	assert_string_equal(jstr(f, "url"), "https://example.com/feed");
	assert_int_equal(json_integer_value(json_object_get(f, "items")), 10);
	assert_int_equal(json_array_size(json_object_get(f, "tags")), 2);
	assert_string_equal(jstr(f, "identity"), "guid");
	assert_false(json_is_true(json_object_get(f, "removed")));
	json_decref(f);
	assert_int_equal(store_feeds_json(s, "nope", &f), -ENOENT);

	/* blog leaves the config: kept, marked removed, one event. */
	sync_feeds(s, false);
	assert_int_equal(store_feeds_json(s, "blog", &f), 0);
	assert_true(json_is_true(json_object_get(f, "removed")));
	assert_int_equal(json_integer_value(json_object_get(f, "items")), 10);
	json_decref(f);
	sync_feeds(s, true);
	json_t *ev = NULL;
	int64_t next;
	assert_int_equal(store_events(s, 0, 1000, &ev, &next), 0);
	size_t added = 0, removed = 0;
	for (size_t i = 0; i < json_array_size(ev); i++) {
		const char *type = jstr(json_array_get(ev, i), "type");
		added += strcmp(type, "feed.added") == 0;
		removed += strcmp(type, "feed.removed") == 0;
	}
	assert_int_equal(added, 4);
	assert_int_equal(removed, 1);
	json_decref(ev);
	tdb_close(&t);
}

static void test_feed_state_round_trip(void **state)
{
	struct tdb t;
	struct store *s = tdb_open(&t);
	struct feed_state st = {
		.name = "f", .url = "https://ex.com/rss", .effective_url = "https://ex.com/new",
		.etag = "W/\"abc\"", .last_modified = "Sun, 06 Nov 1994 08:49:37 GMT",
		.last_fetch = 100, .last_success = 90, .next_due = 2000,
		.next_reason = "cache-control max-age", .last_status = 503,
		.last_error = "HTTP 503", .failures = 2, .n_requests = 5, .n_conditional = 4,
		.n_200 = 1, .n_304 = 2, .n_err_http = 2, .bytes_wire = 1000, .bytes_decoded = 3000,
	};
	struct store_news news;
	assert_int_equal(store_commit_fetch(s, &st, NULL, STORE_EV_MOVED | STORE_EV_FAILING,
					    false, &news), 0);
	assert_int_equal(news.nnew, 0);
	assert_int_equal(news.last_event_seq, 2);
	store_news_clear(&news);
	struct feed_state got;
	assert_int_equal(store_feed_load(s, "f", &got), 0);
	assert_string_equal(got.etag, st.etag);
	assert_string_equal(got.last_modified, st.last_modified);
	assert_string_equal(got.effective_url, st.effective_url);
	assert_string_equal(got.next_reason, st.next_reason);
	assert_string_equal(got.last_error, st.last_error);
	assert_int_equal(got.next_due, 2000);
	assert_int_equal(got.last_status, 503);
	assert_int_equal(got.failures, 2);
	assert_int_equal(got.n_304, 2);
	assert_int_equal(got.bytes_decoded, 3000);
	assert_null(got.title);
	feed_state_clear(&got);
	assert_int_equal(store_feed_load(s, "unknown", &got), -ENOENT);

	/* The document's title and link land on the feed. */
	struct doc *d = doc_new();
	d->feed.title = strdup("The Feed");
	d->feed.link = strdup("https://ex.com/");
	st.last_error = NULL;
	st.last_status = 200;
	assert_int_equal(store_commit_fetch(s, &st, d, STORE_EV_RECOVERED, false, NULL), 0);
	assert_int_equal(store_feed_load(s, "f", &got), 0);
	assert_string_equal(got.title, "The Feed");
	assert_string_equal(got.site_url, "https://ex.com/");
	assert_null(got.last_error);
	feed_state_clear(&got);
	doc_free(d);

	json_t *ev = NULL;
	int64_t next = 0;
	assert_int_equal(store_events(s, 0, 100, &ev, &next), 0);
	assert_int_equal(json_array_size(ev), 3);
	assert_string_equal(jstr(json_array_get(ev, 0), "type"), "feed.moved");
	assert_string_equal(jstr(json_array_get(ev, 0), "url"), "https://ex.com/new");
	assert_string_equal(jstr(json_array_get(ev, 1), "type"), "feed.failing");
	assert_string_equal(jstr(json_array_get(ev, 2), "type"), "feed.recovered");
	assert_string_equal(jstr(json_array_get(ev, 2), "feed"), "f");
	assert_int_equal(next, 3);
	json_decref(ev);
	assert_int_equal(store_events(s, 2, 100, &ev, &next), 0);
	assert_int_equal(json_array_size(ev), 1);
	json_decref(ev);
	tdb_close(&t);
}

/* A feed's state as the API names it, from its JSON (daemon/api_endpoints.c). */
static const char *state_of(json_t *f)
{
	if (json_is_true(json_object_get(f, "removed")))
		return "removed";
	if (json_is_true(json_object_get(f, "gone")))
		return "gone";
	if (json_integer_value(json_object_get(f, "failures")) > 0 ||
	    json_string_value(json_object_get(f, "last_error")))
		return "failing";
	if (json_is_null(json_object_get(f, "last_success")))
		return "new";
	return "ok";
}

static void fetched(struct store *s, const char *name, int64_t failures, bool gone)
{
	/* A failure leaves an error; only a success sets last_success. */
	struct feed_state st = { .name = (char *)name, .url = NULL,  /* keep the configured one */
				 .last_fetch = 1000, .last_status = gone ? 410 : 200,
				 .last_success = failures || gone ? 0 : 1000,
				 .last_error = failures || gone ? (char *)"HTTP 500" : NULL,
				 .failures = failures, .gone = gone };
	assert_int_equal(store_commit_fetch(s, &st, NULL, 0, false, NULL), 0);
}

/* One aggregate query gives what counting every feed's JSON gave. */
static void test_feed_counts(void **state)
{
	(void)state;
	struct tdb t;
	struct store *s = tdb_open(&t);
	struct feed_conf feeds[7] = {
		{.name = "ok1", .url = "https://a.example/"}, {.name = "ok2", .url = "https://b.example/"},
		{.name = "failing", .url = "https://c.example/"}, {.name = "gone", .url = "https://d.example/"},
		{.name = "fresh", .url = "https://e.example/"}, {.name = "fresh2", .url = "https://f.example/"},
		{.name = "dropped", .url = "https://g.example/"},
	};
	struct config c = {.feeds = feeds, .nfeeds = 7};
	assert_int_equal(store_feeds_sync(s, &c), 0);
	struct store_feed_counts n;
	assert_int_equal(store_feed_counts(s, NULL, 0, &n), 0);
	assert_int_equal(n.fresh, 7);
	assert_int_equal(n.ok + n.failing + n.gone + n.removed + n.disabled, 0);

	fetched(s, "ok1", 0, false);
	fetched(s, "ok2", 0, false);
	fetched(s, "failing", 3, false);
	fetched(s, "gone", 1, true);
	fetched(s, "dropped", 2, true);
	/* An error not counted (an outage) is failing all the same; fetched
	 * without a success yet is new, never ok. */
	struct feed_state outage = { .name = (char *)"fresh2", .last_fetch = 1000,
				     .last_error = (char *)"connect: refused (network outage)" };
	assert_int_equal(store_commit_fetch(s, &outage, NULL, 0, false, NULL), 0);
	assert_int_equal(store_feed_counts(s, NULL, 0, &n), 0);
	assert_int_equal(n.failing, 2);
	assert_int_equal(n.fresh, 1);
	outage.last_error = NULL;
	assert_int_equal(store_commit_fetch(s, &outage, NULL, 0, false, NULL), 0);
	c.nfeeds = 6;  /* "dropped" leaves the config: removed wins over gone */
	assert_int_equal(store_feeds_sync(s, &c), 0);
	assert_int_equal(store_feed_counts(s, NULL, 0, &n), 0);
	assert_int_equal(n.ok, 2);
	assert_int_equal(n.failing, 1);
	assert_int_equal(n.gone, 1);
	assert_int_equal(n.fresh, 2);
	assert_int_equal(n.removed, 1);
	assert_int_equal(n.disabled, 0);
	/* Turned off in the config: disabled, unless removed or gone first;
	 * an unknown name counts nothing. */
	const char *off[] = { "ok2", "fresh2", "gone", "dropped", "no such \"feed\"" };
	assert_int_equal(store_feed_counts(s, off, 5, &n), 0);
	assert_int_equal(n.disabled, 2);
	assert_int_equal(n.ok, 1);
	assert_int_equal(n.fresh, 1);
	assert_int_equal(n.gone, 1);
	assert_int_equal(n.removed, 1);
	assert_int_equal(n.failing, 1);
	assert_int_equal(store_feed_counts(s, NULL, 0, &n), 0);

	json_t *all = NULL;
	assert_int_equal(store_feeds_json(s, NULL, &all), 0);
	int64_t want[5] = { 0 };
	const char *names[5] = { "ok", "new", "failing", "gone", "removed" };
	for (size_t i = 0; i < json_array_size(all); i++)
		for (int k = 0; k < 5; k++)
			want[k] += strcmp(state_of(json_array_get(all, i)), names[k]) == 0;
	json_decref(all);
	assert_int_equal(want[0], n.ok);
	assert_int_equal(want[1], n.fresh);
	assert_int_equal(want[2], n.failing);
	assert_int_equal(want[3], n.gone);
	assert_int_equal(want[4], n.removed);
	tdb_close(&t);
}

static int count_row(const struct item_row *row, void *ud)
{
	int64_t *last = ud;
	assert_true(row->id > *last);
	assert_non_null(row->feed);
	assert_non_null(row->identity);
	*last = row->id;
	return 0;
}

static int stop_at_two(const struct item_row *row, void *ud)
{
	(void)row;
	return ++*(int *)ud == 2 ? -ECANCELED : 0;
}

/* Rows lent one by one, on the store and on a reader handle that sees
 * what the store commits after it opened; a callback's error stops it. */
static void test_items_each_and_reader(void **state)
{
	(void)state;
	struct tdb t;
	struct store *s = tdb_open(&t);
	sync_feeds(s, true);
	struct store *r = NULL;
	int rc = store_open_reader(s, &r);
	if (rc == -ENOTSUP) {
		/* A backend without readers: the API queries on the loop. */
		assert_null(r);
	} else {
		assert_int_equal(rc, 0);
		assert_non_null(r);
	}
	fill(s);
	struct item_query q = {.since = DATE_NONE, .limit = 100};
	int64_t last = 0, next = 0;
	assert_int_equal(store_items_each(s, &q, count_row, &last, &next), 0);
	assert_int_equal(last, 30);
	assert_int_equal(next, 30);
	int calls = 0;
	assert_int_equal(store_items_each(s, &q, stop_at_two, &calls, &next), -ECANCELED);
	assert_int_equal(calls, 2);
	if (r) {
		last = 0;
		q.after = 10;
		assert_int_equal(store_items_each(r, &q, count_row, &last, &next), 0);
		assert_int_equal(last, 30);
		int64_t item = 0, event = 0;
		assert_int_equal(store_last_ids(r, &item, &event), 0);
		assert_int_equal(item, 30);
		json_t *items = NULL;
		assert_int_equal(store_items(r, &q, &items, &next), 0);
		assert_int_equal(json_array_size(items), 20);
		json_decref(items);
		/* Read-only: a write through it fails, the store is unharmed. */
		assert_true(store_consumer_ack(r, "nobody", 5) < 0);
		store_close(r);
	}
	tdb_close(&t);
}

/* Each row's feed name is its guid's prefix ("tech" renamed "gadgets"
 * once N[1] is set); N[0] counts the rows. */
static int names_match(const struct item_row *row, void *ud)
{
	int *n = ud;
	char want[32];
	size_t len = strcspn(row->guid, "-");
	assert_true(len < sizeof want);
	memcpy(want, row->guid, len);
	want[len] = '\0';
	if (n[1] && !strcmp(want, "tech"))
		strcpy(want, "gadgets");
	assert_non_null(row->feed);
	assert_string_equal(row->feed, want);
	n[0]++;
	return 0;
}

/* A reader names rows' feeds from a cache (SQLite): a rename on the
 * writer shows at the reader's next query, and after the reader's memory
 * was released; every row is named after its own feed. */
static void test_reader_names_follow_renames(void **state)
{
	(void)state;
	struct tdb t;
	struct store *s = tdb_open(&t);
	sync_feeds(s, true);
	fill(s);
	struct store *r = NULL;
	if (store_open_reader(s, &r) == -ENOTSUP)
		r = s;   /* a backend without readers: the store answers */
	assert_non_null(r);
	struct item_query q = {.since = DATE_NONE, .limit = 100};
	int64_t next;
	int n[2] = {0, 0};   /* rows seen, renamed yet */
	assert_int_equal(store_items_each(r, &q, names_match, n, &next), 0);
	assert_int_equal(n[0], 30);
	assert_int_equal(store_feed_rename(s, "tech", "gadgets"), 0);
	n[0] = 0;
	n[1] = 1;
	assert_int_equal(store_items_each(r, &q, names_match, n, &next), 0);
	assert_int_equal(n[0], 30);
	assert_int_equal(store_release_memory(r), 0);
	n[0] = 0;
	assert_int_equal(store_items_each(r, &q, names_match, n, &next), 0);
	assert_int_equal(n[0], 30);
	/* A page in the middle, after a commit elsewhere. */
	struct doc *d = doc_new();
	doc_add(d, "blog-new", "https://blog.example/new", "new");
	assert_int_equal(commit_count(s, "blog", d, NULL), 1);
	doc_free(d);
	q.after = 13;
	q.limit = 5;
	n[0] = 0;
	assert_int_equal(store_items_each(r, &q, names_match, n, &next), 0);
	assert_int_equal(n[0], 5);
	if (r != s)
		store_close(r);
	tdb_close(&t);
}

static void test_events_persist_and_order(void **state)
{
	struct tdb t;
	struct store *s = tdb_open(&t);
	struct doc *d = doc_new();
	doc_add(d, "a", "https://ex.com/a", "A");
	doc_add(d, "b", "https://ex.com/b", "B");
	struct store_news news;
	assert_int_equal(commit_doc(s, "f", d, &news), 0);
	assert_int_equal(news.nnew, 2);
	assert_int_equal(news.new_ids[0], 1);
	assert_int_equal(news.new_ids[1], 2);
	assert_int_equal(news.last_item_id, 2);
	assert_int_equal(news.last_event_seq, 2);
	store_news_clear(&news);
	char *err = NULL;
	assert_int_equal(tdb_reopen(&t, &err), 0);
	int64_t li = 0, le = 0;
	assert_int_equal(store_last_ids(t.s, &li, &le), 0);
	assert_int_equal(li, 2);
	assert_int_equal(le, 2);
	json_t *ev = NULL;
	int64_t next;
	assert_int_equal(store_events(t.s, 1, 10, &ev, &next), 0);
	assert_int_equal(json_array_size(ev), 1);
	json_t *e = json_array_get(ev, 0);
	assert_int_equal(json_integer_value(json_object_get(e, "seq")), 2);
	assert_string_equal(jstr(e, "type"), "item.new");
	assert_int_equal(json_integer_value(json_object_get(e, "item")), 2);
	assert_string_equal(jstr(e, "title"), "B");
	assert_non_null(jstr(e, "time"));
	json_decref(ev);
	doc_free(d);
	tdb_close(&t);
}

static void test_consumers(void **state)
{
	struct tdb t;
	struct store *s = tdb_open(&t);
	struct doc *d = doc_new();
	for (int i = 0; i < 5; i++) {
		char g[8];
		snprintf(g, sizeof g, "%d", i);
		doc_add(d, g, NULL, g);
	}
	assert_int_equal(commit_count(s, "f", d, NULL), 5);
	int64_t cur = -1;
	assert_int_equal(store_consumer_get(s, "mail", false, false, &cur), -ENOENT);
	assert_int_equal(store_consumer_get(s, "mail", true, false, &cur), 0);
	assert_int_equal(cur, 0);
	assert_int_equal(store_consumer_get(s, "late", true, true, &cur), 0);
	assert_int_equal(cur, 5);
	/* A consumer query starts after its cursor. */
	struct item_query q = {.since = DATE_NONE, .limit = 2, .consumer = "mail"};
	json_t *items = NULL;
	int64_t next;
	assert_int_equal(store_items(s, &q, &items, &next), 0);
	assert_int_equal(json_array_size(items), 2);
	assert_int_equal(next, 2);
	json_decref(items);
	/* Not acked: the same items again (at-least-once). */
	assert_int_equal(store_items(s, &q, &items, &next), 0);
	assert_int_equal(id_at(items, 0), 1);
	json_decref(items);
	assert_int_equal(store_consumer_ack(s, "mail", 2), 0);
	assert_int_equal(store_items(s, &q, &items, &next), 0);
	assert_int_equal(id_at(items, 0), 3);
	json_decref(items);
	/* Never backwards; never past the newest id. */
	assert_int_equal(store_consumer_ack(s, "mail", 1), 0);
	assert_int_equal(store_consumer_get(s, "mail", false, false, &cur), 0);
	assert_int_equal(cur, 2);
	assert_int_equal(store_consumer_ack(s, "mail", 1000), 0);
	assert_int_equal(store_consumer_get(s, "mail", false, false, &cur), 0);
	assert_int_equal(cur, 5);
	/* Durable across a reopen; ack creates an unknown consumer. */
	assert_int_equal(store_consumer_ack(s, "new", 3), 0);
	char *err = NULL;
	assert_int_equal(tdb_reopen(&t, &err), 0);
	s = t.s;
	assert_int_equal(store_consumer_get(s, "new", false, false, &cur), 0);
	assert_int_equal(cur, 3);
	q.consumer = "ghost";
	assert_int_equal(store_items(s, &q, &items, &next), -ENOENT);
	json_t *list = NULL;
	assert_int_equal(store_consumers_json(s, &list), 0);
	assert_int_equal(json_array_size(list), 3);
	json_t *c0 = json_array_get(list, 0);
	assert_string_equal(jstr(c0, "name"), "late");
	assert_int_equal(json_integer_value(json_object_get(c0, "lag")), 0);
	json_t *c2 = json_array_get(list, 2);
	assert_string_equal(jstr(c2, "name"), "new");
	assert_int_equal(json_integer_value(json_object_get(c2, "lag")), 2);
	json_decref(list);
	doc_free(d);
	tdb_close(&t);
}

/* Deliveries of one feed run one at a time in item order: a later one
 * waits behind a retrying one, even when due, until it is parked;
 * another feed's does not wait. */
static void test_hook_order_per_feed(void **state)
{
	(void)state;
	struct tdb t;
	struct store *s = tdb_open(&t);
	struct doc *d = doc_new();
	doc_add(d, "a", "https://ex.com/a", "A");
	doc_add(d, "b", "https://ex.com/b", "B");
	doc_add(d, "c", "https://ex.com/c", "C");
	struct feed_state st = {.name = "f", .url = "https://ex.com/rss"};
	assert_int_equal(store_commit_fetch(s, &st, d, 0, true, NULL), 0);
	doc_free(d);
	struct doc *dg = doc_new();
	doc_add(dg, "g1", "https://ex.com/g1", "G1");
	doc_add(dg, "g2", "https://ex.com/g2", "G2");
	struct feed_state sg = {.name = "g", .url = "https://ex.com/g"};
	assert_int_equal(store_commit_fetch(s, &sg, dg, 0, true, NULL), 0);
	doc_free(dg);
	struct hook_job *jobs = NULL;
	size_t n = 0;
	int64_t now = time(NULL);
	/* The first of each feed. */
	assert_int_equal(store_hook_due(s, now, 10, &jobs, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(jstr(jobs[0].item, "title"), "A");
	assert_string_equal(jstr(jobs[1].item, "title"), "G1");
	int64_t a = jobs[0].item_id, g1 = jobs[1].item_id;
	store_hook_jobs_free(jobs, n);
	/* Running (left out by the caller): nothing else of either feed. */
	int64_t running[] = {a, g1};
	assert_int_equal(store_hook_claim(s, now, 10, running, 2, &jobs, &n), 0);
	assert_int_equal(n, 0);
	store_hook_jobs_free(jobs, n);
	/* A fails and is retried later; G1 delivered: G2 goes, B waits. */
	assert_int_equal(store_hook_result(s, a, false, now + 60, "exit 1"), 0);
	assert_int_equal(store_hook_result(s, g1, true, 0, NULL), 0);
	assert_int_equal(store_hook_due(s, now, 10, &jobs, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(jstr(jobs[0].item, "title"), "G2");
	store_hook_jobs_free(jobs, n);
	/* At its retry time, A again — not B (and G2 unless a shared store
	 * claimed it above). */
	assert_int_equal(store_hook_due(s, now + 60, 10, &jobs, &n), 0);
	assert_true(n >= 1);
	assert_int_equal(jobs[n - 1].item_id, a);
	store_hook_jobs_free(jobs, n);
	/* A parked: B is next, then C; A is listed until retried. */
	assert_int_equal(store_hook_result(s, a, false, 0, "exit 2"), 0);
	assert_int_equal(store_hook_due(s, now, 1, &jobs, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(jstr(jobs[0].item, "title"), "B");
	int64_t b = jobs[0].item_id;
	store_hook_jobs_free(jobs, n);
	assert_int_equal(store_hook_result(s, b, true, 0, NULL), 0);
	json_t *parked = NULL;
	assert_int_equal(store_hook_parked_json(s, "f", &parked), 0);
	assert_int_equal(json_array_size(parked), 1);
	json_decref(parked);
	/* Retried while C is pending: A is the oldest again, and goes first. */
	int64_t retried = 0;
	assert_int_equal(store_hook_retry(s, "f", now, &retried), 0);
	assert_int_equal(retried, 1);
	assert_int_equal(store_hook_due(s, now, 10, &jobs, &n), 0);
	bool has_a = false;
	for (size_t i = 0; i < n; i++) {
		has_a = has_a || jobs[i].item_id == a;
		assert_string_not_equal(jstr(jobs[i].item, "title"), "C");
	}
	assert_true(has_a);
	store_hook_jobs_free(jobs, n);
	tdb_close(&t);
}

/* The due query over many feeds with several pending deliveries each:
 * every feed's oldest one not given up, and only those (the walk along
 * hook_deliveries_pending), with feeds without any left out. */
static void test_hook_heads_many_feeds(void **state)
{
	(void)state;
	struct tdb t;
	struct store *s = tdb_open(&t);
	enum { FEEDS = 40, EACH = 3 };
	int64_t first[FEEDS];
	for (int f = 0; f < FEEDS; f++) {
		char name[16], url[64];
		snprintf(name, sizeof name, "h%02d", f);
		snprintf(url, sizeof url, "https://ex.com/%s.xml", name);
		struct doc *d = doc_numbered(name, EACH);
		struct feed_state st = {.name = name, .url = url};
		/* every third feed has no hook: nothing pending */
		assert_int_equal(store_commit_fetch(s, &st, d, 0, f % 3 != 2, NULL), 0);
		doc_free(d);
		first[f] = 0;
	}
	struct hook_job *jobs = NULL;
	size_t n = 0;
	int64_t now = time(NULL);
	assert_int_equal(store_hook_due(s, now, 1000, &jobs, &n), 0);
	size_t want = 0;
	for (int f = 0; f < FEEDS; f++)
		want += f % 3 != 2;
	assert_int_equal(n, want);
	for (size_t i = 0; i < n; i++) {
		int f = atoi(jobs[i].feed + 1);
		assert_true(f % 3 != 2);
		assert_int_equal(first[f], 0);   /* one per feed */
		first[f] = jobs[i].item_id;
		char g[16];
		snprintf(g, sizeof g, "h%02d0", f);
		assert_string_equal(jstr(jobs[i].item, "guid"), g);
	}
	store_hook_jobs_free(jobs, n);
	/* The heads of the even feeds parked, the odd ones' delivered (a
	 * shared store claimed them above: not due again until a result):
	 * every feed's second item is next. */
	for (int f = 0; f < FEEDS; f++)
		if (first[f])
			assert_int_equal(store_hook_result(s, first[f], f % 2 != 0, 0,
							   f % 2 ? NULL : "exit 2"), 0);
	assert_int_equal(store_hook_due(s, now, 1000, &jobs, &n), 0);
	assert_int_equal(n, want);
	for (size_t i = 0; i < n; i++) {
		int f = atoi(jobs[i].feed + 1);
		char g[16];
		snprintf(g, sizeof g, "h%02d1", f);
		assert_string_equal(jstr(jobs[i].item, "guid"), g);
	}
	store_hook_jobs_free(jobs, n);
	tdb_close(&t);
}

static void test_hook_deliveries(void **state)
{
	struct tdb t;
	struct store *s = tdb_open(&t);
	struct doc *d = doc_new();
	doc_add(d, "a", "https://ex.com/a", "A");
	doc_add(d, "b", "https://ex.com/b", "B");
	struct feed_state st = {.name = "f", .url = "https://ex.com/rss"};
	assert_int_equal(store_commit_fetch(s, &st, d, 0, true, NULL), 0);
	/* Known items are not queued again. */
	assert_int_equal(store_commit_fetch(s, &st, d, 0, true, NULL), 0);
	struct hook_job *jobs = NULL;
	size_t n = 0;
	int64_t now = time(NULL);
	/* One at a time per feed, in item order: only the first. */
	assert_int_equal(store_hook_due(s, now, 10, &jobs, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(jobs[0].item_id, 1);
	assert_string_equal(jobs[0].feed, "f");
	assert_int_equal(jobs[0].attempts, 0);
	assert_string_equal(jstr(jobs[0].item, "title"), "A");
	store_hook_jobs_free(jobs, n);
	/* Given back (a shared store claimed them), then asked for again
	 * leaving out the one this process runs: not the next of its feed,
	 * which waits for it. */
	int64_t both[] = {1, 2};
	assert_int_equal(store_hook_release(s, both, 2, now), 0);
	assert_int_equal(store_hook_claim(s, now, 10, both, 1, &jobs, &n), 0);
	assert_int_equal(n, 0);
	store_hook_jobs_free(jobs, n);
	/* Retention waits for pending deliveries. */
	struct doc *other = doc_new();
	doc_add(other, "c", "https://ex.com/c", "C");
	assert_int_equal(store_commit_fetch(s, &st, other, 0, false, NULL), 0);
	doc_free(other);
	int pruned = -1;
	assert_int_equal(store_prune(s, "f", now, 0, 1, 100, &pruned), 0);
	assert_int_equal(pruned, 0);
	/* 1 delivered; 2 failed, retried later. */
	assert_int_equal(store_hook_result(s, 1, true, 0, NULL), 0);
	assert_int_equal(store_hook_result(s, 2, false, now + 60, "exit 1"), 0);
	assert_int_equal(store_hook_due(s, now, 10, &jobs, &n), 0);
	assert_int_equal(n, 0);
	store_hook_jobs_free(jobs, n);
	char *err = NULL;
	assert_int_equal(tdb_reopen(&t, &err), 0);   /* durable across restarts */
	s = t.s;
	assert_int_equal(store_hook_due(s, now + 60, 10, &jobs, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(jobs[0].item_id, 2);
	assert_int_equal(jobs[0].attempts, 1);
	store_hook_jobs_free(jobs, n);
	struct store_figures fig;
	assert_int_equal(store_figures(s, &fig), 0);
	assert_int_equal(fig.hooks_pending, 1);
	/* Given up: out of the queue, recorded on the feed and as an event. */
	assert_int_equal(store_hook_result(s, 2, false, 0, "exit 2"), 0);
	assert_int_equal(store_hook_due(s, now + 1000000, 10, &jobs, &n), 0);
	assert_int_equal(n, 0);
	store_hook_jobs_free(jobs, n);
	json_t *f = NULL;
	assert_int_equal(store_feeds_json(s, "f", &f), 0);
	assert_int_equal(json_integer_value(json_object_get(f, "hooks_failed")), 1);
	json_decref(f);
	json_t *ev = NULL;
	int64_t next;
	assert_int_equal(store_events(s, 0, 100, &ev, &next), 0);
	json_t *last = json_array_get(ev, json_array_size(ev) - 1);
	assert_string_equal(jstr(last, "type"), "hook.failed");
	assert_string_equal(jstr(last, "error"), "exit 2");
	json_decref(ev);
	assert_int_equal(store_hook_result(s, 99, true, 0, NULL), -ENOENT);
	/* Delivered: it may go. Given up: parked, and kept with its item. */
	assert_int_equal(store_prune(s, "f", now, 0, 1, 100, &pruned), 0);
	assert_int_equal(pruned, 1);
	json_t *parked = NULL;
	assert_int_equal(store_hook_parked_json(s, NULL, &parked), 0);
	assert_int_equal(json_array_size(parked), 1);
	json_t *p0 = json_array_get(parked, 0);
	assert_string_equal(jstr(p0, "feed"), "f");
	assert_int_equal(json_integer_value(json_object_get(p0, "item")), 2);
	assert_string_equal(jstr(p0, "title"), "B");
	assert_int_equal(json_integer_value(json_object_get(p0, "attempts")), 2);
	assert_string_equal(jstr(p0, "error"), "exit 2");
	json_decref(parked);
	assert_int_equal(store_hook_parked_json(s, "other", &parked), 0);
	assert_int_equal(json_array_size(parked), 0);
	json_decref(parked);
	/* Retried: due again at once, with no attempts counted. */
	int64_t retried = -1;
	assert_int_equal(store_hook_retry(s, "other", now, &retried), 0);
	assert_int_equal(retried, 0);
	assert_int_equal(store_hook_retry(s, "f", now, &retried), 0);
	assert_int_equal(retried, 1);
	assert_int_equal(store_hook_due(s, now, 10, &jobs, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(jobs[0].item_id, 2);
	assert_int_equal(jobs[0].attempts, 0);
	store_hook_jobs_free(jobs, n);
	assert_int_equal(store_hook_parked_json(s, NULL, &parked), 0);
	assert_int_equal(json_array_size(parked), 0);
	json_decref(parked);
	assert_int_equal(store_hook_result(s, 2, true, 0, NULL), 0);
	assert_int_equal(store_hook_retry(s, NULL, now, &retried), 0);
	assert_int_equal(retried, 0);
	assert_int_equal(store_prune(s, "f", now, 0, 1, 100, &pruned), 0);
	assert_int_equal(pruned, 1);
	doc_free(d);
	tdb_close(&t);
}

static void test_retention(void **state)
{
	struct tdb t;
	struct store *s = tdb_open(&t);
	struct doc *d = doc_numbered("old-", 30);
	assert_int_equal(commit_count(s, "f", d, NULL), 30);
	struct doc *cur = doc_new();
	doc_add(cur, "fresh", NULL, "fresh");
	doc_add(cur, "old-0", NULL, "old-0");   /* still listed: protected */
	assert_int_equal(commit_count(s, "f", cur, NULL), 1);
	int64_t now = time(NULL);
	int pruned = -1;
	/* Nothing is older than a day yet. */
	assert_int_equal(store_prune(s, "f", now, 86400, 0, 10, &pruned), 0);
	assert_int_equal(pruned, 0);
	/* Two days later, in batches of 10. */
	int total = 0;
	do {
		assert_int_equal(store_prune(s, "f", now + 2 * 86400, 86400, 0, 10, &pruned), 0);
		assert_true(pruned <= 10);
		total += pruned;
	} while (pruned);
	assert_int_equal(total, 29);
	json_t *items = all_items(s, "f");
	assert_int_equal(json_array_size(items), 2);
	json_decref(items);
	/* No rule, no pruning; unknown feed prunes nothing. */
	assert_int_equal(store_prune(s, "f", now, 0, 0, 10, &pruned), 0);
	assert_int_equal(pruned, 0);
	assert_int_equal(store_prune(s, "ghost", now, 1, 1, 10, &pruned), 0);
	assert_int_equal(pruned, 0);
	/* Pruned items never return, and the ids are never reused. */
	assert_int_equal(commit_count(s, "f", d, NULL), 0);
	doc_add(cur, "newer", NULL, "newer");
	struct store_news news;
	assert_int_equal(commit_doc(s, "f", cur, &news), 0);
	assert_int_equal(news.nnew, 1);
	assert_int_equal(news.new_ids[0], 32);
	store_news_clear(&news);
	/* Full-text search forgets pruned items (the delete trigger). */
	struct item_query q = {.since = DATE_NONE, .limit = 100, .q = "old"};
	json_t *found = NULL;
	int64_t next;
	assert_int_equal(store_items(s, &q, &found, &next), 0);
	assert_int_equal(json_array_size(found), 1);
	json_decref(found);
	struct store_figures fig;
	assert_int_equal(store_figures(s, &fig), 0);
	assert_int_equal(fig.items, 3);
	assert_int_equal(fig.tombstones, 29);
	assert_int_equal(fig.feeds, 1);
	assert_true(fig.file_bytes > 0);
	assert_true(fig.wal_bytes > 0);
	assert_int_equal(store_checkpoint(s), 0);
	doc_free(d);
	doc_free(cur);
	tdb_close(&t);
}

/* Ids and event seqs are cursors (consumers, long polls): deleting the
 * newest rows (retention here, the events behind the store's back as any
 * expiry would) and reopening the store never hands them out again. */
static void test_newest_ids_never_reused(void **state)
{
	struct tdb t;
	struct store *s = tdb_open(&t);
	struct doc *a = doc_new(), *b = doc_new(), *b2 = doc_new(), *b3 = doc_new();
	doc_add(a, "a0", NULL, "a0");
	doc_add(a, "a1", NULL, "a1");
	doc_add(b, "b0", NULL, "b0");
	doc_add(b, "b1", NULL, "b1");
	doc_add(b, "b2", NULL, "b2");
	doc_add(b2, "b0", NULL, "b0");   /* b1, b2 (the newest ids) no longer listed */
	doc_add(b3, "b3", NULL, "b3");
	assert_int_equal(commit_count(s, "a", a, NULL), 2);
	struct store_news news;
	assert_int_equal(commit_doc(s, "b", b, &news), 0);
	assert_int_equal(news.nnew, 3);
	assert_int_equal(news.new_ids[2], 5);
	store_news_clear(&news);
	assert_int_equal(commit_count(s, "b", b2, NULL), 0);
	int pruned = -1;
	assert_int_equal(store_prune(s, "b", time(NULL) + 2 * 86400, 86400, 0, 10, &pruned), 0);
	assert_int_equal(pruned, 2);
	int64_t last_item = 0, last_event = 0;
	assert_int_equal(store_last_ids(s, &last_item, &last_event), 0);
	assert_int_equal(last_item, 5);
	assert_true(last_event >= 5);
	/* The newest events go; one is left below them. */
	assert_int_equal(tdb_exec(&t, "DELETE FROM events WHERE seq > 1"), 0);
	char *err = NULL;
	assert_int_equal(tdb_reopen(&t, &err), 0);
	s = t.s;
	int64_t item2 = 0, event2 = 0;
	assert_int_equal(store_last_ids(s, &item2, &event2), 0);
	assert_int_equal(item2, last_item);
	assert_int_equal(event2, last_event);
	assert_int_equal(commit_doc(s, "b", b3, &news), 0);
	assert_int_equal(news.nnew, 1);
	assert_int_equal(news.new_ids[0], last_item + 1);
	assert_int_equal(news.last_event_seq, last_event + 1);
	store_news_clear(&news);
	json_t *ev = NULL;
	int64_t next = 0;
	assert_int_equal(store_events(s, 1, 100, &ev, &next), 0);
	assert_int_equal(json_array_size(ev), 1);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(ev, 0), "seq")),
			 last_event + 1);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(ev, 0), "item")),
			 last_item + 1);
	json_decref(ev);
	doc_free(a);
	doc_free(b);
	doc_free(b2);
	doc_free(b3);
	tdb_close(&t);
}

static size_t count_items(struct store *s, int status, bool starred)
{
	struct item_query q = {.since = DATE_NONE, .limit = 1000, .status = status,
			       .starred = starred};
	json_t *items = query(s, &q, NULL);
	size_t n = json_array_size(items);
	json_decref(items);
	return n;
}

static bool item_flag(struct store *s, int64_t id, const char *key)
{
	struct item_query q = {.since = DATE_NONE, .limit = 1, .after = id - 1};
	json_t *items = query(s, &q, NULL);
	assert_int_equal(id_at(items, 0), id);
	json_t *v = json_object_get(json_array_get(items, 0), key);
	assert_true(json_is_boolean(v));
	bool b = json_is_true(v);
	json_decref(items);
	return b;
}

/* A reader's read and starred marks (issue 19): set by id in one
 * transaction, filtered on, kept across a reopen, apart from cursors. */
static int row_feed_id(const struct item_row *row, void *ud)
{
	*(int64_t *)ud = row->feed_id;
	return 0;
}

/* Date order (a reader's order=published_at): by the item's date, then
 * id, both ways, with the read filter; item rows name their feed's id. */
static void test_items_in_date_order(void **state)
{
	struct tdb t;
	struct store *s = tdb_open(&t);
	sync_feeds(s, false);
	/* Ids 1..4 dated 4, 3, 3, 1 days after the epoch's second day. */
	struct doc *d = doc_new();
	const int day[4] = {4, 3, 3, 1};
	for (int i = 0; i < 4; i++) {
		char guid[16];
		snprintf(guid, sizeof guid, "g%d", i);
		doc_add(d, guid, NULL, guid)->published = 86400 * (1 + day[i]);
	}
	for (int i = 0; i < 4; i++) {
		struct doc one = {.items = &d->items[i], .nitems = 1};
		assert_int_equal(commit_count(s, "news", &one, NULL), 1);
	}
	doc_free(d);
	struct item_query q = {.since = DATE_NONE, .limit = 10, .by_date = true};
	json_t *items = query(s, &q, NULL);
	assert_int_equal(json_array_size(items), 4);
	const int64_t asc[4] = {4, 2, 3, 1};
	for (int i = 0; i < 4; i++)
		assert_int_equal(id_at(items, (size_t)i), asc[i]);
	json_decref(items);
	q.desc = true;
	items = query(s, &q, NULL);
	for (int i = 0; i < 4; i++)
		assert_int_equal(id_at(items, (size_t)i), asc[3 - i]);
	json_decref(items);
	int64_t two = 2;
	assert_int_equal(store_items_mark(s, &two, 1, 1, -1, NULL), 0);
	q.status = ITEMQ_UNREAD;
	items = query(s, &q, NULL);
	assert_int_equal(json_array_size(items), 3);
	assert_int_equal(id_at(items, 0), 1);
	assert_int_equal(id_at(items, 1), 3);
	assert_int_equal(id_at(items, 2), 4);
	json_decref(items);
	q.status = ITEMQ_READ;
	items = query(s, &q, NULL);
	assert_int_equal(json_array_size(items), 1);
	assert_int_equal(id_at(items, 0), 2);
	json_decref(items);
	/* The feed's id, as the reader's feeds have it. */
	json_t *feeds = NULL;
	assert_int_equal(store_reader_feeds(s, false, &feeds), 0);
	int64_t news = json_integer_value(json_object_get(json_array_get(feeds, 0), "id"));
	json_decref(feeds);
	q = (struct item_query){.since = DATE_NONE, .limit = 1};
	assert_int_equal(store_items_each(s, &q, row_feed_id, &two, NULL), 0);
	assert_int_equal(two, news);
	tdb_close(&t);
}

static void test_read_state(void **state)
{
	struct tdb t;
	struct store *s = tdb_open(&t);
	sync_feeds(s, true);
	fill(s);
	int64_t cursor = -1;
	assert_int_equal(store_consumer_get(s, "script", true, false, &cursor), 0);
	assert_int_equal(count_items(s, ITEMQ_UNREAD, false), 30);
	assert_int_equal(count_items(s, ITEMQ_READ, false), 0);
	assert_int_equal(count_items(s, ITEMQ_ANY, true), 0);
	assert_false(item_flag(s, 2, "read"));
	assert_false(item_flag(s, 2, "starred"));

	int64_t ids[] = {1, 2, 3}, missing = -1;
	assert_int_equal(store_items_mark(s, ids, 3, 1, -1, &missing), 0);
	assert_int_equal(count_items(s, ITEMQ_READ, false), 3);
	assert_int_equal(count_items(s, ITEMQ_UNREAD, false), 27);
	assert_true(item_flag(s, 2, "read"));
	/* Starred alone leaves the read state as it is. */
	int64_t four = 4;
	assert_int_equal(store_items_mark(s, &four, 1, -1, 1, NULL), 0);
	assert_true(item_flag(s, 4, "starred"));
	assert_false(item_flag(s, 4, "read"));
	assert_int_equal(count_items(s, ITEMQ_ANY, true), 1);
	assert_int_equal(count_items(s, ITEMQ_UNREAD, true), 1);
	assert_int_equal(count_items(s, ITEMQ_READ, true), 0);
	/* The others: not starred (Miniflux's starred=false). */
	struct item_query q = {.since = DATE_NONE, .limit = 1000, .unstarred = true};
	json_t *items = query(s, &q, NULL);
	assert_int_equal(json_array_size(items), 29);
	for (size_t i = 0; i < json_array_size(items); i++)
		assert_int_not_equal(id_at(items, i), 4);
	json_decref(items);
	/* One unknown id: nothing changes. */
	int64_t some[] = {5, 9999};
	assert_int_equal(store_items_mark(s, some, 2, 1, -1, &missing), -ENOENT);
	assert_int_equal(missing, 9999);
	assert_false(item_flag(s, 5, "read"));
	assert_int_equal(store_items_mark(s, some, 1, -1, -1, NULL), -EINVAL);
	assert_int_equal(store_items_mark(s, some, 0, 1, -1, NULL), -EINVAL);
	/* Unread again. */
	assert_int_equal(store_items_mark(s, ids, 1, 0, -1, NULL), 0);
	assert_false(item_flag(s, 1, "read"));

	/* A feed up to an id: news is 1, 4, 7, 10, ...; 2 and 3 are others'. */
	int64_t n = -1;
	assert_int_equal(store_feed_mark_read(s, "news", 10, &n), 0);
	assert_int_equal(n, 4);
	assert_int_equal(store_feed_mark_read(s, "news", 10, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(store_feed_mark_read(s, "ghost", 0, &n), -ENOENT);
	assert_int_equal(count_items(s, ITEMQ_READ, false), 6);   /* 1 4 7 10, 2 3 */

	/* The feeds a reader lists: ids, tags (sorted), counts. */
	json_t *feeds = NULL;
	assert_int_equal(store_reader_feeds(s, true, &feeds), 0);
	assert_int_equal(json_array_size(feeds), 3);
	json_t *news = json_array_get(feeds, 0);
	assert_string_equal(json_string_value(json_object_get(news, "name")), "news");
	assert_true(json_integer_value(json_object_get(news, "id")) > 0);
	assert_int_equal(json_integer_value(json_object_get(news, "read")), 4);
	assert_int_equal(json_integer_value(json_object_get(news, "unread")), 6);
	json_t *tags = json_object_get(news, "tags");
	assert_int_equal(json_array_size(tags), 2);
	assert_string_equal(json_string_value(json_array_get(tags, 0)), "daily");
	assert_string_equal(json_string_value(json_array_get(tags, 1)), "world");
	json_t *blog = json_array_get(feeds, 2);
	assert_string_equal(json_string_value(json_object_get(blog, "name")), "blog");
	assert_int_equal(json_array_size(json_object_get(blog, "tags")), 0);
	assert_int_equal(json_integer_value(json_object_get(blog, "unread")), 9);   /* 3 is read */
	json_decref(feeds);

	/* Kept across a reopen; the consumer's cursor never moved. */
	char *err = NULL;
	assert_int_equal(tdb_reopen(&t, &err), 0);
	s = t.s;
	assert_int_equal(count_items(s, ITEMQ_READ, false), 6);
	assert_int_equal(count_items(s, ITEMQ_ANY, true), 1);
	assert_int_equal(store_consumer_get(s, "script", false, false, &cursor), 0);
	assert_int_equal(cursor, 0);
	tdb_close(&t);
}

/* Retention never removes a starred item. */
static void test_starred_never_pruned(void **state)
{
	struct tdb t;
	struct store *s = tdb_open(&t);
	struct doc *d = doc_numbered("old-", 10);
	assert_int_equal(commit_count(s, "f", d, NULL), 10);
	struct doc *cur = doc_new();
	doc_add(cur, "fresh", NULL, "fresh");
	assert_int_equal(commit_count(s, "f", cur, NULL), 1);
	int64_t star[] = {3, 7};
	assert_int_equal(store_items_mark(s, star, 2, -1, 1, NULL), 0);
	int64_t now = time(NULL);
	int pruned = -1, total = 0;
	do {
		assert_int_equal(store_prune(s, "f", now + 2 * 86400, 86400, 1, 100, &pruned), 0);
		total += pruned;
	} while (pruned);
	assert_int_equal(total, 8);
	json_t *items = all_items(s, "f");
	assert_int_equal(json_array_size(items), 3);
	assert_int_equal(id_at(items, 0), 3);
	assert_int_equal(id_at(items, 1), 7);
	json_decref(items);
	doc_free(d);
	doc_free(cur);
	tdb_close(&t);
}

/* A reader's labels on items (store/labels.c, the Google Reader API's
 * user/-/label/NAME on an item): added and taken off in batches, the ids
 * not stored left out, names checked, listed by item and by label with
 * the unread count, a label's items found by the items query (beside the
 * feeds with that tag), and a labelled item never pruned. */
struct label_rows {
	char buf[512];
	int64_t newest;      /* the highest NEWEST store_labels_each gave */
};

static int collect_label(int64_t item, const char *label, void *ud)
{
	struct label_rows *r = ud;
	size_t n = strlen(r->buf);
	snprintf(r->buf + n, sizeof r->buf - n, "%s%lld:%s", n ? " " : "", (long long)item, label);
	return 0;
}

static int collect_label_count(int64_t unread, int64_t newest, const char *label, void *ud)
{
	struct label_rows *r = ud;
	size_t n = strlen(r->buf);
	snprintf(r->buf + n, sizeof r->buf - n, "%s%lld:%s", n ? " " : "", (long long)unread,
		 label);
	if (newest > r->newest)
		r->newest = newest;
	return 0;
}

static const char *labels_of(struct store *s, const int64_t *ids, size_t n,
			     struct label_rows *r)
{
	r->buf[0] = '\0';
	assert_int_equal(store_items_labels(s, ids, n, collect_label, r), 0);
	return r->buf;
}

static void test_item_labels(void **state)
{
	(void)state;
	struct tdb t;
	struct store *s = tdb_open(&t);
	struct doc *d = doc_numbered("old-", 10);
	assert_int_equal(commit_count(s, "f", d, NULL), 10);
	struct label_rows r;
	const char *later[] = {"Later"}, *both[] = {"Later", "x y"}, *x[] = {"x y"};
	/* 999 is not stored: left out, the rest labelled. */
	int64_t ids[] = {3, 7, 999};
	assert_int_equal(store_items_label(s, ids, 3, both, 2, NULL, 0), 0);
	int64_t ask[] = {7, 5, 3, 999};
	assert_string_equal(labels_of(s, ask, 4, &r), "3:Later 3:x y 7:Later 7:x y");
	/* Taken off one item; added again: no duplicate. */
	assert_int_equal(store_items_label(s, &ids[1], 1, later, 1, x, 1), 0);
	assert_string_equal(labels_of(s, ask, 4, &r), "3:Later 3:x y 7:Later");
	/* Every label, with its unread items. */
	assert_int_equal(store_items_mark(s, &ids[0], 1, 1, -1, NULL), 0);
	r.buf[0] = '\0';
	r.newest = 0;
	assert_int_equal(store_labels_each(s, collect_label_count, &r), 0);
	assert_string_equal(r.buf, "1:Later 0:x y");
	/* The newest labelled item, read or not: 7, as timestampUsec. */
	assert_int_equal(r.newest % 1000000, 7);
	assert_true(r.newest / 1000000 > 1600000000);
	/* Names: 1..STORE_LABEL_MAX bytes of UTF-8, no control characters. */
	char longest[STORE_LABEL_MAX + 2];
	memset(longest, 'a', sizeof longest);
	longest[STORE_LABEL_MAX] = '\0';
	assert_true(store_label_valid(longest));
	assert_true(store_label_valid("caf\xc3\xa9 / news"));
	longest[STORE_LABEL_MAX] = 'a';
	longest[STORE_LABEL_MAX + 1] = '\0';
	const char *bad[] = {"", "a\x01" "b", "tab\there", "del\x7f", "c1\xc2\x85", "\xc3",
			     "\xed\xa0\x80", longest};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_false(store_label_valid(bad[i]));
		assert_int_equal(store_items_label(s, ids, 1, &bad[i], 1, NULL, 0), -EINVAL);
	}
	assert_int_equal(store_items_label(s, ids, 1, NULL, 0, NULL, 0), -EINVAL);
	/* The items query: a label's items with LABEL (its exact bytes; the
	 * tag is the caller's folding), not as a feed tag. */
	struct item_query q = {.since = DATE_NONE, .limit = 100, .tag = "later",
			       .label = "Later"};
	json_t *items = query(s, &q, NULL);
	assert_int_equal(json_array_size(items), 2);
	assert_int_equal(id_at(items, 0), 3);
	assert_int_equal(id_at(items, 1), 7);
	json_decref(items);
	q.label = "later";
	items = query(s, &q, NULL);
	assert_int_equal(json_array_size(items), 0);
	json_decref(items);
	q.label = NULL;
	items = query(s, &q, NULL);
	assert_int_equal(json_array_size(items), 0);
	json_decref(items);
	/* Retention keeps the labelled items, as the starred ones. */
	struct doc *cur = doc_new();
	doc_add(cur, "fresh", NULL, "fresh");
	assert_int_equal(commit_count(s, "f", cur, NULL), 1);
	int64_t now = time(NULL);
	int pruned = -1, total = 0;
	do {
		assert_int_equal(store_prune(s, "f", now + 2 * 86400, 86400, 1, 100, &pruned), 0);
		total += pruned;
	} while (pruned);
	assert_int_equal(total, 8);
	items = all_items(s, "f");
	assert_int_equal(json_array_size(items), 3);
	assert_int_equal(id_at(items, 0), 3);
	assert_int_equal(id_at(items, 1), 7);
	json_decref(items);
	doc_free(d);
	doc_free(cur);
	tdb_close(&t);
}

static void test_label_counts_beside_tags(void **state)
{
	/* A label named as a feed's tag: its stream is the tag's feeds and the
	 * labelled items, so store_labels_each counts only the labelled unread
	 * items outside those feeds (the caller adds the tag's own). Named as
	 * feeds.conf folds a tag: " Tech" is tag "tech"; a label keeps its
	 * case, so they are two labels. */
	(void)state;
	struct tdb t;
	struct store *s = tdb_open(&t);
	sync_feeds(s, true);
	fill(s);
	/* news 1,4,7..  tech 2,5,..  blog 3,6,.. ; "tech" is tech's tag */
	const char *tech[] = {"tech"}, *later[] = {"Later"}, *caps[] = {" Tech"};
	int64_t tagged[] = {2, 3, 6, 4}, two[] = {1, 2}, six = 6, capped[] = {5, 9, 10};
	assert_int_equal(store_items_label(s, tagged, 4, tech, 1, NULL, 0), 0);
	assert_int_equal(store_items_label(s, capped, 3, caps, 1, NULL, 0), 0);
	assert_int_equal(store_items_label(s, two, 2, later, 1, NULL, 0), 0);
	assert_int_equal(store_items_mark(s, &six, 1, 1, -1, NULL), 0);
	struct label_rows r;
	r.buf[0] = '\0';
	assert_int_equal(store_labels_each(s, collect_label_count, &r), 0);
	/* tech: 3 and 4 (2 is the tag's, 6 is read); Later: 1 and 2; " Tech":
	 * 9 and 10 (5 is the tag's) */
	assert_string_equal(r.buf, "2: Tech 2:Later 2:tech");
	tdb_close(&t);
}

/* Beyond ASCII a label's letters are its tag's as written: feeds.conf
 * folds ASCII letters only, and so does the label count's tag (lower()
 * under PostgreSQL's "C" collation, SQLite's without ICU): label "Ünï"
 * is not tag "ünï", label "ünï" is. */
static void test_label_counts_fold_ascii_only(void **state)
{
	(void)state;
	struct tdb t;
	struct store *s = tdb_open(&t);
	char *tags[] = {"\xc3\xbcn\xc3\xaf", NULL};     /* ünï */
	struct feed_conf feeds[1] = {{.name = "u", .url = "https://u.example/rss", .tags = tags}};
	struct config c = {.feeds = feeds, .nfeeds = 1};
	assert_int_equal(store_feeds_sync(s, &c), 0);
	struct doc *d = doc_numbered("u-", 2);
	assert_int_equal(commit_count(s, "u", d, NULL), 2);
	const char *upper[] = {"\xc3\x9cn\xc3\xaf"}, *lower[] = {"\xc3\xbcn\xc3\xaf"};
	int64_t ids[] = {1, 2};
	assert_int_equal(store_items_label(s, ids, 2, upper, 1, NULL, 0), 0);
	assert_int_equal(store_items_label(s, ids, 1, lower, 1, NULL, 0), 0);
	struct label_rows r;
	r.buf[0] = '\0';
	assert_int_equal(store_labels_each(s, collect_label_count, &r), 0);
	assert_string_equal(r.buf, "2:\xc3\x9cn\xc3\xaf 0:\xc3\xbcn\xc3\xaf");
	doc_free(d);
	tdb_close(&t);
}

/* What the caps cut (last_warning) and how many bodies came cut short
 * (n_truncated) are kept, served, and a feed failing on a cut-off body is
 * counted apart ("truncated"), on both backends (issue 22). */
static void test_warning_and_truncated(void **state)
{
	(void)state;
	struct tdb t;
	struct store *s = tdb_open(&t);
	struct feed_state st = {
		.name = "w", .url = "https://w.example/rss", .last_fetch = 100, .last_status = 200,
		.last_warning = "items cap: more than 10000 items, the rest not read",
		.n_truncated = 2, .n_200 = 1,
	};
	assert_int_equal(store_commit_fetch(s, &st, NULL, 0, false, NULL), 0);
	struct feed_state got;
	assert_int_equal(store_feed_load(s, "w", &got), 0);
	assert_string_equal(got.last_warning, st.last_warning);
	assert_int_equal(got.n_truncated, 2);
	struct feed_state copy;
	assert_int_equal(feed_state_copy(&copy, &got), 0);
	assert_string_equal(copy.last_warning, st.last_warning);
	feed_state_clear(&copy);
	feed_state_clear(&got);
	json_t *f = NULL;
	assert_int_equal(store_feeds_json(s, "w", &f), 0);
	assert_string_equal(jstr(f, "last_warning"), st.last_warning);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(f, "counters"),
							    "truncated")), 2);
	json_decref(f);

	/* Cleared by a clean document; a cut-off body makes the feed "truncated". */
	st.last_warning = NULL;
	st.failures = 1;
	st.n_truncated = 3;
	st.last_error = "truncated: the document ends inside item 3; 2 complete items kept";
	assert_int_equal(store_commit_fetch(s, &st, NULL, 0, false, NULL), 0);
	assert_int_equal(store_feeds_json(s, "w", &f), 0);
	assert_true(json_is_null(json_object_get(f, "last_warning")));
	json_decref(f);
	struct store_feed_counts n;
	assert_int_equal(store_feed_counts(s, NULL, 0, &n), 0);
	assert_int_equal(n.truncated, 1);
	assert_int_equal(n.failing, 0);
	st.last_error = "HTTP 500";
	assert_int_equal(store_commit_fetch(s, &st, NULL, 0, false, NULL), 0);
	assert_int_equal(store_feed_counts(s, NULL, 0, &n), 0);
	assert_int_equal(n.truncated, 0);
	assert_int_equal(n.failing, 1);
	tdb_close(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_items_filters),
		cmocka_unit_test(test_many_shapes_again),
		cmocka_unit_test(test_feeds_sync_and_json),
		cmocka_unit_test(test_feed_state_round_trip),
		cmocka_unit_test(test_feed_counts),
		cmocka_unit_test(test_items_each_and_reader),
		cmocka_unit_test(test_reader_names_follow_renames),
		cmocka_unit_test(test_events_persist_and_order),
		cmocka_unit_test(test_consumers),
		cmocka_unit_test(test_hook_deliveries),
		cmocka_unit_test(test_hook_heads_many_feeds),
		cmocka_unit_test(test_hook_order_per_feed),
		cmocka_unit_test(test_retention),
		cmocka_unit_test(test_newest_ids_never_reused),
		cmocka_unit_test(test_items_in_date_order),
		cmocka_unit_test(test_read_state),
		cmocka_unit_test(test_starred_never_pruned),
		cmocka_unit_test(test_item_labels),
		cmocka_unit_test(test_label_counts_beside_tags),
		cmocka_unit_test(test_label_counts_fold_ascii_only),
		cmocka_unit_test(test_warning_and_truncated),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
