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

/* commit.c: a link that changes only in the tracking parameters the
 * canonical link drops (a publisher rotating utm_campaign on every fetch)
 * is no edit: no item.updated, the stored link kept; with a guid or
 * without. A link to another page is an edit; so is any other field
 * changed along with the tracking noise. */
static void test_commit_link_noise_is_no_edit(void **state)
{
	(void)state;
	struct tdb t;
	struct store *s = tdb_open(&t);
	struct doc *d = doc_new();
	doc_add(d, "g1", "https://ex.com/a?utm_source=rss&utm_campaign=1", "A");
	doc_add(d, NULL, "https://ex.com/b?id=7&utm_campaign=1", "B");
	struct store_news n;
	assert_int_equal(commit_doc(s, "f", d, &n), 0);
	assert_int_equal(n.nnew, 2);
	int64_t a = n.new_ids[0], seq = n.last_event_seq;
	store_news_clear(&n);

	item_set(&d->items[0].url, "https://ex.com/a?utm_source=rss&utm_campaign=2");
	item_set(&d->items[1].url, "https://ex.com/b?utm_campaign=2&id=7");
	assert_int_equal(commit_doc(s, "f", d, &n), 0);
	assert_int_equal(n.nnew, 0);
	assert_int_equal(n.nupdated, 0);
	store_news_clear(&n);
	json_t *ev = events_after(s, seq);
	assert_int_equal(json_array_size(ev), 0);
	json_decref(ev);
	struct item_query q = {.after = a - 1, .since = DATE_NONE, .limit = 1};
	json_t *items = NULL;
	int64_t next;
	assert_int_equal(store_items(s, &q, &items, &next), 0);
	assert_string_equal(jstr(json_array_get(items, 0), "url"),
			    "https://ex.com/a?utm_source=rss&utm_campaign=1");
	json_decref(items);

	/* Noise and a new title: an edit, written with the new link. */
	item_set(&d->items[0].url, "https://ex.com/a?utm_source=rss&utm_campaign=3");
	item_set(&d->items[0].title, "A, edited");
	/* Another page (id=8): an edit of the guid-less item? No: its
	 * identity is its link, so it is a new item. */
	item_set(&d->items[1].url, "https://ex.com/b?id=8&utm_campaign=3");
	assert_int_equal(commit_doc(s, "f", d, &n), 0);
	assert_int_equal(n.nupdated, 1);
	assert_int_equal(n.nnew, 1);
	store_news_clear(&n);
	assert_int_equal(store_items(s, &q, &items, &next), 0);
	assert_string_equal(jstr(json_array_get(items, 0), "url"),
			    "https://ex.com/a?utm_source=rss&utm_campaign=3");
	assert_string_equal(jstr(json_array_get(items, 0), "title"), "A, edited");
	json_decref(items);

	/* The guid's item moved to another page: an edit. */
	item_set(&d->items[0].url, "https://ex.com/a2");
	assert_int_equal(commit_doc(s, "f", d, &n), 0);
	assert_int_equal(n.nupdated, 1);
	store_news_clear(&n);
	doc_free(d);
	tdb_close(&t);
}

/* Commits D to FEED and returns how many items were new (NEWS cleared). */
static size_t commit_news(struct store *s, const char *feed, const struct doc *d)
{
	struct store_news n;
	assert_int_equal(commit_doc(s, feed, d, &n), 0);
	size_t k = n.nnew;
	store_news_clear(&n);
	return k;
}

/* dedup.c with commit.c's answers: an item that gains a guid while
 * another item kept its own is the same item (not a new one at its
 * link), unless it differs (a live blog's new entry at the same link);
 * on a feed keyed by link, an item that loses its link, and gets it back,
 * is the one stored with its guid. Each was announced twice before. */
static void test_identity_changes_announce_nothing(void **state)
{
	(void)state;
	struct tdb t;
	struct store *s = tdb_open(&t);
	struct doc *d = doc_new();
	doc_add(d, "gA", "https://ex.com/a", "Alpha");
	doc_add(d, NULL, "https://ex.com/b", "Beta");
	assert_int_equal(commit_news(s, "one", d), 2);
	item_set(&d->items[1].guid, "gB");
	assert_int_equal(commit_news(s, "one", d), 0);
	/* A new entry with a guid of its own at a stored item's link. */
	struct item *live = doc_add(d, "gL1", "https://ex.com/live", "Live, 9:00");
	assert_int_equal(commit_news(s, "one", d), 1);
	item_set(&live->guid, "gL2");
	item_set(&live->title, "Live, 10:00");
	assert_int_equal(commit_news(s, "one", d), 1);
	doc_free(d);

	d = doc_new();
	doc_add(d, NULL, "https://ex.com/x", "X");
	doc_add(d, NULL, "https://ex.com/y", "Y");
	assert_int_equal(commit_news(s, "two", d), 2);   /* keyed by link from now on */
	struct item *c = doc_add(d, "gC", "https://ex.com/c", "Gamma");
	assert_int_equal(commit_news(s, "two", d), 1);
	item_set(&c->url, NULL);
	assert_int_equal(commit_news(s, "two", d), 0);
	item_set(&c->url, "https://ex.com/c");
	assert_int_equal(commit_news(s, "two", d), 0);
	/* Another item with that guid but other content is new. */
	item_set(&c->url, NULL);
	assert_int_equal(commit_news(s, "two", d), 0);
	doc_add(d, "gD", NULL, "Delta");
	assert_int_equal(commit_news(s, "two", d), 1);
	doc_free(d);
	tdb_close(&t);
}

/* dedup.c with commit.c's guids_kept: hnrss's shape (guid the discussion,
 * link the article). The same article submitted again under a new guid,
 * after the first submission left the page, while another item's points
 * moved: a new item, not the first one re-keyed (which lost it). A page
 * of positional guids (each now at another link) still proves nothing. */
static void test_aggregator_resubmission_is_new(void **state)
{
	(void)state;
	struct tdb t;
	struct store *s = tdb_open(&t);
	struct doc *d = doc_new();
	struct item *a = doc_add(d, "https://news.ycombinator.com/item?id=1",
				 "https://x.example/article", "Show HN: X");
	item_set(&a->summary, "Points: 10");
	struct item *b = doc_add(d, "https://news.ycombinator.com/item?id=2",
				 "https://y.example/post", "Y thing");
	item_set(&b->summary, "Points: 5");
	assert_int_equal(commit_news(s, "hn", d), 2);
	doc_free(d);

	d = doc_new();
	b = doc_add(d, "https://news.ycombinator.com/item?id=2", "https://y.example/post", "Y thing");
	item_set(&b->summary, "Points: 8");
	struct item *c = doc_add(d, "https://news.ycombinator.com/item?id=3",
				 "https://x.example/article", "X (2026)");
	item_set(&c->summary, "Points: 1");
	struct store_news n;
	assert_int_equal(commit_doc(s, "hn", d, &n), 0);
	assert_int_equal(n.nnew, 1);
	assert_int_equal(n.nupdated, 1);
	store_news_clear(&n);
	doc_free(d);
	json_t *items = all_items(s, "hn");
	assert_int_equal(json_array_size(items), 3);
	assert_string_equal(jstr(json_array_get(items, 0), "title"), "Show HN: X");
	assert_string_equal(jstr(json_array_get(items, 2), "title"), "X (2026)");
	json_decref(items);

	/* Positional guids: item-1 and item-2 now name other stories (one
	 * at the link item-1 had): edits of the positions, as before. */
	d = doc_new();
	doc_add(d, "item-1", "https://news.example/a/100", "Story A");
	doc_add(d, "item-2", "https://news.example/a/99", "Story B");
	assert_int_equal(commit_news(s, "pos", d), 2);
	item_set(&d->items[0].url, "https://news.example/a/101");
	item_set(&d->items[0].title, "Story C");
	item_set(&d->items[1].url, "https://news.example/a/100");
	item_set(&d->items[1].title, "Story A");
	assert_int_equal(commit_doc(s, "pos", d, &n), 0);
	assert_int_equal(n.nnew, 0);
	assert_int_equal(n.nupdated, 2);
	store_news_clear(&n);
	doc_free(d);
	tdb_close(&t);
}

/* dedup.c: a planet lists one post twice, under two categories (one guid,
 * one link, the same text): one item, announced once, and the feed keeps
 * its guids (2 of 3 entries sharing a guid had switched it to link
 * identity for good, and a later edit with a new slug was a new item). */
static void test_post_listed_twice_is_one(void **state)
{
	(void)state;
	struct tdb t;
	struct store *s = tdb_open(&t);
	struct doc *d = doc_new();
	struct item *a = doc_add(d, "https://alice.example/?p=5", "https://alice.example/p5",
				 "Alice: Rust");
	item_set(&a->summary, "Why I like Rust");
	a->categories = calloc(1, sizeof *a->categories);
	a->categories[0] = strdup("rust");
	a->ncategories = 1;
	doc_add(d, "bob-1", "https://bob.example/other", "Bob: Other");
	assert_int_equal(commit_news(s, "planet", d), 2);

	struct item *again = doc_add(d, "https://alice.example/?p=5", "https://alice.example/p5",
				     "Alice: Rust");
	item_set(&again->summary, "Why I like Rust");
	again->categories = calloc(1, sizeof *again->categories);
	again->categories[0] = strdup("linux");
	again->ncategories = 1;
	struct store_news n;
	assert_int_equal(commit_doc(s, "planet", d, &n), 0);
	assert_int_equal(n.nnew + n.nupdated, 0);
	store_news_clear(&n);
	struct feed_state st;
	assert_int_equal(store_feed_load(s, "planet", &st), 0);
	assert_false(st.link_identity);
	feed_state_clear(&st);

	/* Bob's title edited, and the slug with it: an edit of bob-1. */
	item_set(&d->items[1].title, "Bob: Other, renamed");
	item_set(&d->items[1].url, "https://bob.example/other-renamed");
	assert_int_equal(commit_doc(s, "planet", d, &n), 0);
	assert_int_equal(n.nnew, 0);
	assert_int_equal(n.nupdated, 1);
	store_news_clear(&n);
	json_t *items = all_items(s, "planet");
	assert_int_equal(json_array_size(items), 2);
	json_decref(items);
	doc_free(d);
	tdb_close(&t);
}

/* dedup.c: a guid-less aggregator (Hacker News's own feed) lists an
 * article's link twice (a resubmission), then the first submission
 * leaves the page, then a moderator edits the second's title: an edit
 * of the second, not a new item. */
static void test_resubmitted_link_edit_is_an_edit(void **state)
{
	(void)state;
	struct tdb t;
	struct store *s = tdb_open(&t);
	struct doc *d = doc_new();
	doc_add(d, NULL, "https://x.example/article", "Show HN: X");
	doc_add(d, NULL, "https://o.example/other", "Other");
	assert_int_equal(commit_news(s, "hn", d), 2);
	doc_free(d);
	d = doc_new();
	doc_add(d, NULL, "https://x.example/article", "Show HN: X");
	doc_add(d, NULL, "https://x.example/article", "X article (resubmitted)");
	doc_add(d, NULL, "https://o.example/other", "Other");
	assert_int_equal(commit_news(s, "hn", d), 1);
	doc_free(d);
	d = doc_new();
	doc_add(d, NULL, "https://x.example/article", "X article (resubmitted)");
	doc_add(d, NULL, "https://o.example/other", "Other");
	assert_int_equal(commit_news(s, "hn", d), 0);
	item_set(&d->items[0].title, "X article");
	struct store_news n;
	assert_int_equal(commit_doc(s, "hn", d, &n), 0);
	assert_int_equal(n.nnew, 0);
	assert_int_equal(n.nupdated, 1);
	store_news_clear(&n);
	json_t *items = all_items(s, "hn");
	assert_int_equal(json_array_size(items), 3);
	assert_string_equal(jstr(json_array_get(items, 0), "title"), "Show HN: X");
	assert_string_equal(jstr(json_array_get(items, 2), "title"), "X article");
	json_decref(items);
	/* Listed again as it is now: nothing. */
	assert_int_equal(commit_news(s, "hn", d), 0);
	assert_int_equal(commit_doc(s, "hn", d, &n), 0);
	assert_int_equal(n.nnew + n.nupdated, 0);
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

/* The tags of feed NAME as the API lists them, joined by commas. */
static void tags_are(struct store *s, const char *name, const char *want)
{
	json_t *f = NULL;
	assert_int_equal(store_feeds_json(s, name, &f), 0);
	json_t *tags = json_object_get(f, "tags");
	char got[256] = "";
	for (size_t i = 0; i < json_array_size(tags); i++) {
		if (i)
			strcat(got, ",");
		strcat(got, json_string_value(json_array_get(tags, i)));
	}
	assert_string_equal(got, want);
	json_decref(f);
}

/* feeds.c reads the stored tags once and writes a feed's only when the
 * config's set differs (in any order, a tag repeated or not). */
static void test_tags_follow_the_config(void **state)
{
	(void)state;
	struct tdb t;
	struct store *s = tdb_open(&t);
	char *ba[] = {"b", "a", NULL}, *aba[] = {"a", "b", "a", NULL}, *c1[] = {"c", NULL};
	struct feed_conf fc[2] = {
		{.name = "x", .url = "https://x.example/feed", .tags = ba},
		{.name = "y", .url = "https://y.example/feed", .tags = c1},
	};
	struct config c = {.feeds = fc, .nfeeds = 2};
	assert_int_equal(store_feeds_sync(s, &c), 0);
	tags_are(s, "x", "a,b");
	tags_are(s, "y", "c");
	fc[0].tags = aba;
	assert_int_equal(store_feeds_sync(s, &c), 0);
	tags_are(s, "x", "a,b");
	fc[0].tags = c1;
	fc[1].tags = NULL;
	assert_int_equal(store_feeds_sync(s, &c), 0);
	tags_are(s, "x", "c");
	tags_are(s, "y", "");
	fc[1].tags = ba;
	assert_int_equal(store_feeds_sync(s, &c), 0);
	tags_are(s, "y", "a,b");
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
	struct doc *d = doc_numbered("g", 5);
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

/* A store refusal for the items titled "boom" only, behind the store's
 * back: a constraint of the test's own, in each backend's dialect. */
static void refuse_boom(const struct tdb *t)
{
	if (t->pgdb[0])
		assert_int_equal(tdb_exec(t,
			"CREATE FUNCTION boom() RETURNS trigger LANGUAGE plpgsql AS"
			" $$BEGIN IF NEW.title = 'boom' THEN RAISE EXCEPTION 'boom'; END IF;"
			" RETURN NEW; END$$;"
			" CREATE TRIGGER boom BEFORE INSERT ON items FOR EACH ROW"
			" EXECUTE FUNCTION boom()"), 0);
	else
		assert_int_equal(tdb_exec(t,
			"CREATE TRIGGER boom BEFORE INSERT ON items WHEN NEW.title = 'boom'"
			" BEGIN SELECT RAISE(ABORT, 'boom'); END"), 0);
}

static struct feed_state batch_state(const char *name, const char *etag)
{
	return (struct feed_state){.name = (char *)name, .url = (char *)"https://example.com/feed",
				   .etag = (char *)etag, .last_status = 200, .n_200 = 1};
}

/* commit.c, commit_batch: three fetches in one transaction, the middle one
 * refused by the store. The others are stored with their validators and
 * events; the refused one is rolled back alone: its old validators and
 * items stay, none of its new items is stored or announced. */
static void test_commit_batch_one_fails(void **state)
{
	(void)state;
	struct tdb t;
	struct store *s = tdb_open(&t);
	struct doc *old = doc_new();
	doc_add(old, "b0", "https://ex.com/b0", "B0");
	struct feed_state b0 = batch_state("b", "\"b-old\"");
	assert_int_equal(store_commit_fetch(s, &b0, old, 0, false, NULL), 0);
	json_t *ev = events_after(s, 0);
	int64_t seq = json_integer_value(json_object_get(json_array_get(ev, json_array_size(ev) - 1),
							 "seq"));
	json_decref(ev);
	refuse_boom(&t);

	struct doc *da = doc_new(), *db = doc_new(), *dc = doc_new();
	doc_add(da, "a1", "https://ex.com/a1", "A1");
	doc_add(da, "a2", "https://ex.com/a2", "A2");
	doc_add(db, "b0", "https://ex.com/b0", "B0");
	doc_add(db, "b1", "https://ex.com/b1", "B1");
	doc_add(db, "b2", "https://ex.com/b2", "boom");
	doc_add(dc, "c1", "https://ex.com/c1", "C1");
	struct feed_state sa = batch_state("a", "\"a1\""), sb = batch_state("b", "\"b-new\""),
			  sc = batch_state("c", "\"c1\"");
	struct store_commit c[3] = {
		{.st = &sa, .doc = da}, {.st = &sb, .doc = db, .events = STORE_EV_RECOVERED},
		{.st = &sc, .doc = dc},
	};
	assert_int_equal(store_commit_batch(s, c, 3), 0);
	assert_int_equal(c[0].err, 0);
	assert_true(c[1].err < 0);
	assert_int_equal(c[2].err, 0);
	assert_int_equal(c[0].news.nnew, 2);
	assert_int_equal(c[1].news.nnew, 0);
	assert_int_equal(c[2].news.nnew, 1);
	/* The batch's last ids, the same for each. */
	assert_int_equal(c[0].news.last_item_id, c[2].news.new_ids[0]);
	assert_int_equal(c[1].news.last_item_id, c[2].news.last_item_id);

	struct feed_state got = {0};
	assert_int_equal(store_feed_load(s, "a", &got), 0);
	assert_string_equal(got.etag, "\"a1\"");
	feed_state_clear(&got);
	assert_int_equal(store_feed_load(s, "c", &got), 0);
	assert_string_equal(got.etag, "\"c1\"");
	feed_state_clear(&got);
	assert_int_equal(store_feed_load(s, "b", &got), 0);
	assert_string_equal(got.etag, "\"b-old\"");   /* not advanced */
	feed_state_clear(&got);
	json_t *items = all_items(s, "b");
	assert_int_equal(json_array_size(items), 1);
	json_decref(items);
	items = all_items(s, NULL);
	assert_int_equal(json_array_size(items), 4);
	json_decref(items);
	/* Announced: a1, a2, c1; nothing of b (not even its feed.recovered). */
	ev = events_after(s, seq);
	size_t n = 0;
	for (size_t i = 0; i < json_array_size(ev); i++) {
		const char *feed = jstr(json_array_get(ev, i), "feed");
		assert_true(feed && strcmp(feed, "b") != 0);
		n += strcmp(jstr(json_array_get(ev, i), "type"), "item.new") == 0;
	}
	assert_int_equal(n, 3);
	json_decref(ev);
	for (int i = 0; i < 3; i++)
		store_news_clear(&c[i].news);
	doc_free(old);
	doc_free(da);
	doc_free(db);
	doc_free(dc);
	tdb_close(&t);
}

/* commit.c, commit_touch: an unchanged 304's times and counters, never
 * its validators. */
static void test_feeds_touch(void **state)
{
	(void)state;
	struct tdb t;
	struct store *s = tdb_open(&t);
	struct feed_state st = batch_state("a", "\"e1\"");
	assert_int_equal(store_commit_fetch(s, &st, NULL, 0, false, NULL), 0);
	st.etag = (char *)"\"not-this\"";
	st.n_304 = 7;
	st.n_requests = 8;
	st.last_fetch = 1700000000;
	st.next_due = 1700000600;
	st.next_reason = (char *)"interval";
	st.last_status = 304;
	assert_int_equal(store_feeds_touch(s, &st, 1), 0);
	struct feed_state got = {0};
	assert_int_equal(store_feed_load(s, "a", &got), 0);
	assert_string_equal(got.etag, "\"e1\"");
	assert_int_equal(got.n_304, 7);
	assert_int_equal(got.n_requests, 8);
	assert_int_equal(got.last_fetch, 1700000000);
	assert_int_equal(got.next_due, 1700000600);
	assert_int_equal(got.last_status, 304);
	feed_state_clear(&got);
	tdb_close(&t);
}

/* store_feeds_load: every feed's state in one statement, the same as
 * store_feed_load gives a feed at a time. */
struct loaded {
	struct feed_state st[4];
	size_t n;
};

static int keep_state(struct feed_state *st, void *ud)
{
	struct loaded *l = ud;
	assert_true(l->n < 4);
	l->st[l->n++] = *st;
	return 0;
}

static void test_feeds_load_all(void **state)
{
	(void)state;
	struct tdb t;
	struct store *s = tdb_open(&t);
	struct loaded l = {0};
	assert_int_equal(store_feeds_load(s, keep_state, &l), 0);
	assert_int_equal(l.n, 0);
	struct doc *d = doc_new();
	doc_add(d, "r1", "https://ex.com/r1", "R1");
	struct feed_state a = batch_state("a", "\"a1\""), b = batch_state("b", "\"b1\"");
	b.failures = 2;
	b.last_error = (char *)"timeout";
	assert_int_equal(store_commit_fetch(s, &a, d, 0, false, NULL), 0);
	assert_int_equal(store_commit_fetch(s, &b, NULL, 0, false, NULL), 0);
	assert_int_equal(store_feeds_load(s, keep_state, &l), 0);
	assert_int_equal(l.n, 2);
	for (size_t i = 0; i < l.n; i++) {
		struct feed_state one = {0};
		assert_int_equal(store_feed_load(s, l.st[i].name, &one), 0);
		assert_string_equal(l.st[i].etag, one.etag);
		assert_int_equal(l.st[i].n_items, -1);   /* not counted in bulk */
		assert_int_equal(l.st[i].failures, one.failures);
		assert_int_equal(l.st[i].n_200, one.n_200);
		if (one.last_error)
			assert_string_equal(l.st[i].last_error, one.last_error);
		else
			assert_null(l.st[i].last_error);
		assert_int_equal(one.n_items, strcmp(one.name, "a") == 0 ? 1 : 0);
		feed_state_clear(&one);
		feed_state_clear(&l.st[i]);
	}
	doc_free(d);
	tdb_close(&t);
}

/* readtokens.c: a token's hash and stamp, found while used; ids never reused, a
 * revoked highest one included; a login keeps its user's
 * STORE_READER_TOKENS_KEPT most recently used tokens; one unused for
 * STORE_READER_TOKEN_IDLE is refused, and the next login drops it; the
 * last use recorded once an hour at most, by a writable handle only. */
static const char *tok_hash(int i)
{
	static char h[65];
	snprintf(h, sizeof h, "%064x", i);
	return h;
}

#define STAMP "5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a"

static int64_t tok_count(struct store *s, const char *user)
{
	json_t *a;
	assert_int_equal(store_reader_tokens_json(s, &a), 0);
	int64_t n = 0;
	size_t i;
	json_t *o;
	json_array_foreach(a, i, o)
		n += !strcmp(jstr(o, "user"), user);
	json_decref(a);
	return n;
}

static void test_reader_tokens(void **state)
{
	(void)state;
	struct tdb t;
	struct store *s = tdb_open(&t);
	const int64_t now = 1700000000;
	int64_t id1, id2, id3, id;
	assert_int_equal(store_reader_token_add(s, tok_hash(1), STAMP, "alice", now, &id1), 0);
	assert_int_equal(store_reader_token_add(s, tok_hash(2), STAMP, "alice", now, &id2), 0);
	assert_true(id2 > id1);
	assert_int_equal(store_reader_token_revoke(s, id2), 0);
	assert_int_equal(store_reader_token_add(s, tok_hash(3), STAMP, "alice", now, &id3), 0);
	assert_true(id3 > id2);
	/* A stamp is 64 hex digits, as a hash. */
	assert_int_equal(store_reader_token_add(s, tok_hash(4), "", "alice", now, &id), -EINVAL);
	assert_int_equal(store_reader_token_add(s, tok_hash(4), NULL, "alice", now, &id), -EINVAL);

	struct store_reader_token tk;
	assert_int_equal(store_reader_token_find(s, tok_hash(2), now, &tk), -ENOENT);
	assert_null(tk.user);
	assert_int_equal(store_reader_token_find(s, tok_hash(1), now + 10, &tk), 0);
	assert_string_equal(tk.user, "alice");
	assert_string_equal(tk.stamp, STAMP);
	assert_int_equal(tk.created, now);
	assert_int_equal(tk.last_used, now + 10);   /* the first use: recorded */
	assert_false(tk.unrecorded);
	store_reader_token_clear(&tk);
	/* Within the hour: not written again. */
	assert_int_equal(store_reader_token_find(s, tok_hash(1), now + 100, &tk), 0);
	assert_int_equal(tk.last_used, now + 10);
	store_reader_token_clear(&tk);

	/* A read-only handle looks and says the use is due; the writable
	 * one records it. */
	struct store *ro = NULL;
	if (store_open_reader(s, &ro) == 0) {
		int64_t later = now + 10 + STORE_READER_TOKEN_TOUCH + 1;
		assert_int_equal(store_reader_token_find(ro, tok_hash(1), later, &tk), 0);
		assert_true(tk.unrecorded);
		assert_int_equal(tk.last_used, now + 10);
		store_reader_token_clear(&tk);
		assert_int_equal(store_reader_token_touch(ro, tok_hash(1), later), -EROFS);
		assert_int_equal(store_reader_token_touch(s, tok_hash(1), later), 0);
		assert_int_equal(store_reader_token_find(ro, tok_hash(1), later, &tk), 0);
		assert_false(tk.unrecorded);
		assert_int_equal(tk.last_used, later);
		store_reader_token_clear(&tk);
		store_close(ro);
	}

	/* Logins beyond the bound drop alice's least recently used (token
	 * 3, never used), not token 1, used since; bob's stay. */
	assert_int_equal(store_reader_token_add(s, tok_hash(100), STAMP, "bob", now, &id), 0);
	for (int i = 0; i < STORE_READER_TOKENS_KEPT - 1; i++)
		assert_int_equal(store_reader_token_add(s, tok_hash(10 + i), STAMP, "alice",
							now + 20, &id), 0);
	assert_int_equal(tok_count(s, "alice"), STORE_READER_TOKENS_KEPT);
	assert_int_equal(store_reader_token_find(s, tok_hash(3), now + 30, &tk), -ENOENT);
	assert_int_equal(store_reader_token_find(s, tok_hash(1), now + 30, &tk), 0);
	store_reader_token_clear(&tk);
	assert_int_equal(tok_count(s, "bob"), 1);

	assert_int_equal(store_reader_token_find(s, tok_hash(1), now + 5000, &tk), 0);
	store_reader_token_clear(&tk);

	/* Unused for too long: refused, then gone with the next login. */
	int64_t idle = now + 20 + STORE_READER_TOKEN_IDLE + 1;
	assert_int_equal(store_reader_token_find(s, tok_hash(100), idle, &tk), -ENOENT);
	assert_int_equal(tok_count(s, "bob"), 1);
	assert_int_equal(store_reader_token_add(s, tok_hash(200), STAMP, "carol", idle, &id), 0);
	assert_int_equal(tok_count(s, "bob"), 0);
	assert_int_equal(tok_count(s, "alice"), 1);     /* token 1, used latest */
	assert_int_equal(tok_count(s, "carol"), 1);
	tdb_close(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_commit_news_and_events),
		cmocka_unit_test(test_commit_state_only),
		cmocka_unit_test(test_commit_link_noise_is_no_edit),
		cmocka_unit_test(test_identity_changes_announce_nothing),
		cmocka_unit_test(test_aggregator_resubmission_is_new),
		cmocka_unit_test(test_post_listed_twice_is_one),
		cmocka_unit_test(test_resubmitted_link_edit_is_an_edit),
		cmocka_unit_test(test_feeds_follow_the_config),
		cmocka_unit_test(test_counts_match_the_rule),
		cmocka_unit_test(test_query_cursor_and_bounds),
		cmocka_unit_test(test_commit_batch_one_fails),
		cmocka_unit_test(test_feeds_load_all),
		cmocka_unit_test(test_tags_follow_the_config),
		cmocka_unit_test(test_feeds_touch),
		cmocka_unit_test(test_reader_tokens),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
