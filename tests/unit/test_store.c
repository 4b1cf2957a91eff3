/* test_store.c — the dedup promise on a real SQLite file: every rule of
 * DESIGN.md "Dedup", one test each. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "store/dedup.h"
#include "store_fixture.h"

static void test_guid_identity(void **state)
{
	struct tdb t;
	struct store *s = tdb_open(&t);
	struct doc *d = doc_new();
	doc_add(d, "g1", "https://ex.com/1", "one");
	doc_add(d, "g2", "https://ex.com/2", "two");
	doc_add(d, "g3", NULL, "three");
	assert_int_equal(commit_count(s, "f", d, NULL), 3);
	size_t upd = 9;
	assert_int_equal(commit_count(s, "f", d, &upd), 0);
	assert_int_equal(upd, 0);
	/* Same guid, different link: still the same item (guid wins). */
	item_set(&d->items[0].url, "https://ex.com/moved");
	assert_int_equal(commit_count(s, "f", d, &upd), 0);
	json_t *items = all_items(s, "f");
	assert_int_equal(json_array_size(items), 3);
	for (size_t i = 0; i < 3; i++)
		assert_string_equal(jstr(json_array_get(items, i), "identity"), "guid");
	json_decref(items);
	doc_free(d);
	tdb_close(&t);
}

static void test_missing_guids(void **state)
{
	struct tdb t;
	struct store *s = tdb_open(&t);
	struct doc *d = doc_new();
	doc_add(d, NULL, "https://ex.com/a", "a");
	doc_add(d, NULL, "https://ex.com/b", "b");
	struct item *h = doc_add(d, NULL, NULL, "no link at all");
	h->published = 1600000000;
	assert_int_equal(commit_count(s, "f", d, NULL), 3);
	assert_int_equal(commit_count(s, "f", d, NULL), 0);
	json_t *items = all_items(s, "f");
	assert_int_equal(json_array_size(items), 3);
	assert_string_equal(jstr(json_array_get(items, 0), "identity"), "link");
	assert_string_equal(jstr(json_array_get(items, 1), "identity"), "link");
	assert_string_equal(jstr(json_array_get(items, 2), "identity"), "hash");
	json_decref(items);
	/* Mostly missing guids: the feed now identifies its items by link. */
	struct feed_state st;
	assert_int_equal(store_feed_load(s, "f", &st), 0);
	assert_true(st.link_identity);
	assert_int_equal(st.n_items, 3);
	feed_state_clear(&st);
	json_t *f = NULL;
	assert_int_equal(store_feeds_json(s, "f", &f), 0);
	assert_string_equal(jstr(f, "identity"), "link");
	json_decref(f);
	/* Once on links, a guid that appears later does not make a new item. */
	item_set(&d->items[0].guid, "late-guid");
	assert_int_equal(commit_count(s, "f", d, NULL), 0);
	/* A changed hash input (another date) is a different item. */
	d->items[2].published = 1600000001;
	assert_int_equal(commit_count(s, "f", d, NULL), 1);
	doc_free(d);
	tdb_close(&t);
}

static void test_duplicate_guids_in_document(void **state)
{
	struct tdb t;
	struct store *s = tdb_open(&t);
	struct doc *d = doc_new();
	doc_add(d, "same", "https://ex.com/1", "one");
	doc_add(d, "same", "https://ex.com/2", "two");
	doc_add(d, "u3", "https://ex.com/3", "three");
	doc_add(d, "u4", "https://ex.com/4", "four");
	doc_add(d, "u5", "https://ex.com/5", "five");
	assert_int_equal(commit_count(s, "f", d, NULL), 5);
	assert_int_equal(commit_count(s, "f", d, NULL), 0);
	json_t *items = all_items(s, "f");
	assert_int_equal(json_array_size(items), 5);
	assert_string_equal(jstr(json_array_get(items, 0), "identity"), "link");
	assert_string_equal(jstr(json_array_get(items, 1), "identity"), "link");
	assert_string_equal(jstr(json_array_get(items, 2), "identity"), "guid");
	json_decref(items);
	struct feed_state st;
	assert_int_equal(store_feed_load(s, "f", &st), 0);
	assert_false(st.link_identity);   /* 2 of 5 repeated: not "mostly" */
	feed_state_clear(&st);
	doc_free(d);
	tdb_close(&t);
}

static void test_same_identity_twice_in_document(void **state)
{
	struct tdb t;
	struct store *s = tdb_open(&t);
	struct doc *d = doc_new();
	/* The same entry twice is one item; two entries that share a link
	 * but differ are two (issue 16: items that differ never merge). */
	doc_add(d, NULL, "https://ex.com/x", "first");
	doc_add(d, NULL, "https://ex.com/x", "first");
	doc_add(d, NULL, "https://ex.com/x", "second copy");
	doc_add(d, "g", "https://ex.com/y", "y");
	assert_int_equal(commit_count(s, "f", d, NULL), 3);
	json_t *items = all_items(s, "f");
	assert_int_equal(json_array_size(items), 3);
	assert_string_equal(jstr(json_array_get(items, 0), "title"), "first");
	assert_string_equal(jstr(json_array_get(items, 0), "identity"), "hash");
	json_decref(items);
	/* Fetched again: nothing new. */
	assert_int_equal(commit_count(s, "f", d, NULL), 0);
	doc_free(d);
	tdb_close(&t);
}

/* A guid that named one item and is later carried by a new one too (a
 * podcast's episode copied with its predecessor's guid, no links): the
 * stored item keeps its place under its content and is not announced
 * again; the newcomer is new. Once the older entry leaves the window the
 * guid is the newcomer's alone, and the older item keeps its content. */
static void test_guid_later_shared(void **state)
{
	struct tdb t;
	struct store *s = tdb_open(&t);
	struct doc *d = doc_new();
	doc_add(d, "g3", NULL, "Episode 3")->published = 1600000300;
	doc_add(d, "g2", NULL, "Episode 2")->published = 1600000200;
	doc_add(d, "g1", NULL, "Episode 1")->published = 1600000100;
	assert_int_equal(commit_count(s, "f", d, NULL), 3);
	doc_free(d);

	d = doc_new();
	doc_add(d, "g3", NULL, "Episode 4")->published = 1600000400;
	doc_add(d, "g3", NULL, "Episode 3")->published = 1600000300;
	doc_add(d, "g2", NULL, "Episode 2")->published = 1600000200;
	size_t upd = 9;
	assert_int_equal(commit_count(s, "f", d, &upd), 1);
	assert_int_equal(upd, 0);
	assert_int_equal(commit_count(s, "f", d, &upd), 0);
	doc_free(d);

	d = doc_new();
	doc_add(d, "g5", NULL, "Episode 5")->published = 1600000500;
	doc_add(d, "g3", NULL, "Episode 4")->published = 1600000400;
	assert_int_equal(commit_count(s, "f", d, &upd), 1);
	assert_int_equal(upd, 0);
	doc_free(d);

	json_t *items = all_items(s, "f");
	const char *want[] = {"Episode 3", "Episode 2", "Episode 1", "Episode 4", "Episode 5"};
	assert_int_equal(json_array_size(items), 5);
	for (size_t i = 0; i < 5; i++)
		assert_string_equal(jstr(json_array_get(items, i), "title"), want[i]);
	json_decref(items);
	tdb_close(&t);
}

/* A live blog: a new entry with a guid of its own links where the one
 * that just left the window did, while the other entries kept their
 * guids. It is new, announced, and the older entry keeps its content;
 * the link rule is for publishers that rewrote every guid. */
static void test_new_guid_on_an_old_link(void **state)
{
	struct tdb t;
	struct store *s = tdb_open(&t);
	struct doc *d = doc_new();
	doc_add(d, "g1", "https://ex.com/live", "Live: day 1");
	doc_add(d, "gx", "https://ex.com/x", "X");
	doc_add(d, "gy", "https://ex.com/y", "Y");
	assert_int_equal(commit_count(s, "f", d, NULL), 3);
	doc_free(d);
	d = doc_new();
	doc_add(d, "g2", "https://ex.com/live", "Live: day 2");
	doc_add(d, "gx", "https://ex.com/x", "X");
	doc_add(d, "gy", "https://ex.com/y", "Y");
	size_t upd = 9;
	assert_int_equal(commit_count(s, "f", d, &upd), 1);
	assert_int_equal(upd, 0);
	assert_int_equal(commit_count(s, "f", d, &upd), 0);
	doc_free(d);
	json_t *items = all_items(s, "f");
	assert_int_equal(json_array_size(items), 4);
	assert_string_equal(jstr(json_array_get(items, 0), "title"), "Live: day 1");
	assert_string_equal(jstr(json_array_get(items, 0), "guid"), "g1");
	assert_string_equal(jstr(json_array_get(items, 3), "title"), "Live: day 2");
	json_decref(items);
	tdb_close(&t);
}

/* A site moves to https: its guids are its links (permalinks), or it has
 * links only, and both change scheme. Every item is the one stored on
 * http, re-keyed, none announced again. */
static void test_site_moves_to_https(void **state)
{
	struct tdb t;
	struct store *s = tdb_open(&t);
	for (int guids = 0; guids < 2; guids++) {
		const char *feed = guids ? "perma" : "links";
		struct doc *d = doc_new();
		char guid[64], url[64];
		for (int i = 0; i < 4; i++) {
			snprintf(url, sizeof url, "http://site.example/post/%d", i);
			snprintf(guid, sizeof guid, "%s", url);
			doc_add(d, guids ? guid : NULL, url, "post");
		}
		assert_int_equal(commit_count(s, feed, d, NULL), 4);
		doc_free(d);
		d = doc_new();
		for (int i = 0; i < 4; i++) {
			snprintf(url, sizeof url, "https://site.example/post/%d", i);
			snprintf(guid, sizeof guid, "%s", url);
			doc_add(d, guids ? guid : NULL, url, "post");
		}
		assert_int_equal(commit_count(s, feed, d, NULL), 0);
		assert_int_equal(commit_count(s, feed, d, NULL), 0);
		doc_free(d);
		json_t *items = all_items(s, feed);
		assert_int_equal(json_array_size(items), 4);
		assert_string_equal(jstr(json_array_get(items, 2), "url"),
				    "https://site.example/post/2");
		json_decref(items);
	}
	tdb_close(&t);
}

static void test_guids_rewritten_http_to_https(void **state)
{
	struct tdb t;
	struct store *s = tdb_open(&t);
	struct doc *d = doc_new();
	char guid[64], url[64];
	for (int i = 0; i < 20; i++) {
		snprintf(guid, sizeof guid, "http://ex.com/?p=%d", i);
		snprintf(url, sizeof url, "https://ex.com/post/%d", i);
		doc_add(d, guid, url, "post");
	}
	assert_int_equal(commit_count(s, "f", d, NULL), 20);
	for (int i = 0; i < 20; i++) {
		snprintf(guid, sizeof guid, "https://ex.com/?p=%d", i);
		item_set(&d->items[i].guid, guid);
	}
	size_t upd = 9;
	assert_int_equal(commit_count(s, "f", d, &upd), 0);
	assert_int_equal(upd, 0);
	assert_int_equal(commit_count(s, "f", d, &upd), 0);
	json_t *items = all_items(s, "f");
	assert_int_equal(json_array_size(items), 20);
	/* The identity follows the publisher's new guid. */
	assert_string_equal(jstr(json_array_get(items, 0), "guid"), "https://ex.com/?p=0");
	assert_string_equal(jstr(json_array_get(items, 0), "identity"), "guid");
	json_decref(items);
	doc_free(d);
	tdb_close(&t);
}

static void test_identity_freed_by_a_rewrite_in_the_same_document(void **state)
{
	/* The first entry takes stored item X under a new guid (same link);
	 * the next one carries X's old guid with another item's link: it is
	 * judged against what the store holds after the first rewrite (here
	 * the link names Y, which takes that guid), not before it. */
	struct tdb t;
	struct store *s = tdb_open(&t);
	struct doc *d = doc_new();
	doc_add(d, "a", "https://ex.com/1", "one");
	doc_add(d, "b", "https://ex.com/2", "two");
	assert_int_equal(commit_count(s, "f", d, NULL), 2);
	struct doc *e = doc_new();
	doc_add(e, "a2", "https://ex.com/1", "one");
	doc_add(e, "a", "https://ex.com/2", "two");
	doc_add(e, "c", "https://ex.com/3", "three");
	size_t upd = 9;
	assert_int_equal(commit_count(s, "f", e, &upd), 1);
	assert_int_equal(upd, 0);
	assert_int_equal(commit_count(s, "f", e, &upd), 0);
	json_t *items = all_items(s, "f");
	assert_int_equal(json_array_size(items), 3);
	assert_string_equal(jstr(json_array_get(items, 0), "guid"), "a2");
	assert_string_equal(jstr(json_array_get(items, 1), "guid"), "a");
	assert_string_equal(jstr(json_array_get(items, 1), "title"), "two");
	assert_string_equal(jstr(json_array_get(items, 2), "guid"), "c");
	json_decref(items);
	/* X's old guid on a link nothing holds: a new item. */
	struct doc *g = doc_new();
	doc_add(g, "a3", "https://ex.com/1", "one");
	doc_add(g, "a2", "https://ex.com/4", "four");
	assert_int_equal(commit_count(s, "f", g, NULL), 1);
	items = all_items(s, "f");
	assert_int_equal(json_array_size(items), 4);
	assert_string_equal(jstr(json_array_get(items, 0), "guid"), "a3");
	assert_string_equal(jstr(json_array_get(items, 3), "guid"), "a2");
	assert_string_equal(jstr(json_array_get(items, 3), "title"), "four");
	json_decref(items);
	doc_free(g);
	doc_free(e);
	doc_free(d);
	tdb_close(&t);
}

/* PostgreSQL only: the server drops the store's connection between two
 * documents. The commit that finds out fails whole; the next one connects
 * again, prepares its statements in the new session and finds the stored
 * items as before. */
static void test_commit_after_a_lost_connection(void **state)
{
#ifdef FEEDD_HAVE_PG
	struct tdb t;
	struct store *s = tdb_open(&t);
	if (!t.pgdb[0]) {
		tdb_close(&t);
		skip();
	}
	struct doc *d = doc_new();
	doc_add(d, "g1", "https://ex.com/1", "one");
	doc_add(d, "g2", "https://ex.com/2", "two");
	assert_int_equal(commit_count(s, "f", d, NULL), 2);
	PGconn *c = PQconnectdb(getenv("FEEDD_TEST_STORE"));
	assert_int_equal(PQstatus(c), CONNECTION_OK);
	char sql[256];
	snprintf(sql, sizeof sql, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
		 " WHERE datname = '%s'", t.pgdb);
	PQclear(PQexec(c, sql));
	/* Gone once the server says so (the signal is asynchronous). */
	snprintf(sql, sizeof sql, "SELECT count(*) FROM pg_stat_activity WHERE datname = '%s'",
		 t.pgdb);
	for (int i = 0; i < 500; i++) {
		PGresult *r = PQexec(c, sql);
		bool gone = PQresultStatus(r) == PGRES_TUPLES_OK && atoi(PQgetvalue(r, 0, 0)) == 0;
		PQclear(r);
		if (gone)
			break;
		usleep(10000);
	}
	PQfinish(c);
	doc_add(d, "g3", "https://ex.com/3", "three");
	long n = commit_count(s, "f", d, NULL);
	if (n < 0)
		n = commit_count(s, "f", d, NULL);
	assert_int_equal(n, 1);
	assert_int_equal(commit_count(s, "f", d, NULL), 0);
	json_t *items = all_items(s, "f");
	assert_int_equal(json_array_size(items), 3);
	json_decref(items);
	doc_free(d);
	tdb_close(&t);
#else
	(void)state;
	skip();
#endif
}

static void test_guids_dropped_with_repeated_links(void **state)
{
	/* The publisher drops its guids and lists one entry twice: the feed
	 * moves to link identity and nothing is announced again. */
	struct tdb t;
	struct store *s = tdb_open(&t);
	struct doc *d = doc_new();
	char g[16], u[64];
	for (int i = 0; i < 4; i++) {
		snprintf(g, sizeof g, "g%d", i);
		snprintf(u, sizeof u, "https://ex.com/%d", i);
		doc_add(d, g, u, g);
	}
	assert_int_equal(commit_count(s, "f", d, NULL), 4);
	struct doc *e = doc_new();
	for (int i = 0; i < 4; i++) {
		snprintf(g, sizeof g, "g%d", i);
		snprintf(u, sizeof u, "https://ex.com/%d", i);
		doc_add(e, NULL, u, g);
	}
	doc_add(e, NULL, "https://ex.com/0", "g0");
	assert_int_equal(commit_count(s, "f", e, NULL), 0);
	json_t *items = all_items(s, "f");
	assert_int_equal(json_array_size(items), 4);
	assert_string_equal(jstr(json_array_get(items, 0), "identity"), "link");
	json_decref(items);
	/* A guid and a guid-less entry sharing a link stay two items. */
	struct doc *m = doc_new();
	doc_add(m, "x1", "https://ex.com/shared", "one");
	doc_add(m, NULL, "https://ex.com/shared", "two");
	doc_add(m, "x3", "https://ex.com/x3", "three");
	assert_int_equal(commit_count(s, "g", m, NULL), 3);
	assert_int_equal(commit_count(s, "g", m, NULL), 0);
	doc_free(m);
	doc_free(e);
	doc_free(d);
	tdb_close(&t);
}

static void test_front_page_links_do_not_merge(void **state)
{
	/* Every item links to the site's front page: the link names no article,
	 * so new guids are new items. */
	struct tdb t;
	struct store *s = tdb_open(&t);
	struct doc *d = doc_new();
	d->feed.link = strdup("https://ex.com/");
	doc_add(d, "a", "https://ex.com/", "a");
	assert_int_equal(commit_count(s, "f", d, NULL), 1);
	item_set(&d->items[0].guid, "b");
	item_set(&d->items[0].title, "b");
	assert_int_equal(commit_count(s, "f", d, NULL), 1);
	doc_free(d);
	tdb_close(&t);
}

static void test_guidless_announcements_linking_home_are_items(void **state)
{
	/* A town hall's feed: one guid-less announcement at a time, each
	 * linking to the front page. The link names no article, so the next
	 * announcement is a new item, not an edit of the one before. */
	struct tdb t;
	struct store *s = tdb_open(&t);
	struct doc *d = doc_new();
	d->feed.link = strdup("https://gov.example/");
	doc_add(d, NULL, "https://gov.example/", "Office closed on Friday");
	assert_int_equal(commit_count(s, "f", d, NULL), 1);
	size_t upd = 9;
	assert_int_equal(commit_count(s, "f", d, &upd), 0);
	assert_int_equal(upd, 0);
	item_set(&d->items[0].title, "New opening hours from January");
	assert_int_equal(commit_count(s, "f", d, &upd), 1);
	assert_int_equal(upd, 0);
	json_t *items = all_items(s, "f");
	assert_int_equal(json_array_size(items), 2);
	assert_string_equal(jstr(json_array_get(items, 0), "title"), "Office closed on Friday");
	assert_string_equal(jstr(json_array_get(items, 1), "identity"), "hash");
	json_decref(items);
	/* The front page however spelt (https, www., /index.html, an anchor
	 * on it), or any site's root: the same. */
	const char *homes[] = {"https://gov.example/", "http://www.gov.example/index.html",
			       "http://gov.example/#news", "https://other.example"};
	for (size_t k = 0; k < sizeof homes / sizeof *homes; k++) {
		char title[32];
		item_set(&d->items[0].url, homes[k]);
		snprintf(title, sizeof title, "Announcement %zu", k);
		item_set(&d->items[0].title, title);
		assert_int_equal(commit_count(s, "f", d, &upd), 1);
		assert_int_equal(upd, 0);
		item_set(&d->items[0].title, "Another one");
		snprintf(title, sizeof title, "Another %zu", k);
		item_set(&d->items[0].title, title);
		assert_int_equal(commit_count(s, "f", d, &upd), 1);
		assert_int_equal(upd, 0);
	}
	/* Known by its content, the site moving to https: the same item. */
	struct doc *h = doc_new();
	h->feed.link = strdup("http://town2.example/");
	doc_add(h, NULL, "http://town2.example/", "Town hall");
	assert_int_equal(commit_count(s, "h", h, NULL), 1);
	item_set(&h->feed.link, "https://town2.example/");
	item_set(&h->items[0].url, "https://town2.example/");
	assert_int_equal(commit_count(s, "h", h, NULL), 0);
	items = all_items(s, "h");
	assert_int_equal(json_array_size(items), 1);
	json_decref(items);
	doc_free(h);
	/* Another feed's announcement linking the same front page is no
	 * duplicate of these: the page names no article. */
	struct doc *f2 = doc_new();
	doc_add(f2, NULL, "https://gov.example/", "Mirror of an announcement");
	assert_int_equal(commit_count(s, "f2", f2, NULL), 1);
	items = all_items(s, "f2");
	assert_true(json_is_null(json_object_get(json_array_get(items, 0), "duplicate_of")));
	json_decref(items);
	doc_free(f2);
	doc_free(d);
	tdb_close(&t);
}

static void test_items_that_shared_a_link_stay_apart(void **state)
{
	/* Two guid-less submissions of one URL (Hacker News), then each
	 * listed alone: the link, unique in each document, names neither of
	 * them while both are stored, so neither overwrites the other. */
	struct tdb t;
	struct store *s = tdb_open(&t);
	struct doc *both = doc_new(), *first = doc_new(), *second = doc_new();
	doc_add(both, NULL, "https://foo.dev/", "Show HN: Foo");
	doc_add(both, NULL, "https://foo.dev/", "Foo is great");
	doc_add(first, NULL, "https://foo.dev/", "Show HN: Foo");
	doc_add(second, NULL, "https://foo.dev/", "Foo is great");
	assert_int_equal(commit_count(s, "f", both, NULL), 2);
	size_t upd = 9;
	assert_int_equal(commit_count(s, "f", first, &upd), 0);
	assert_int_equal(upd, 0);
	assert_int_equal(commit_count(s, "f", second, &upd), 0);
	assert_int_equal(upd, 0);
	assert_int_equal(commit_count(s, "f", both, &upd), 0);
	assert_int_equal(upd, 0);
	assert_int_equal(commit_count(s, "f", second, &upd), 0);
	assert_int_equal(upd, 0);
	json_t *items = all_items(s, "f");
	assert_int_equal(json_array_size(items), 2);
	assert_string_equal(jstr(json_array_get(items, 0), "title"), "Show HN: Foo");
	assert_string_equal(jstr(json_array_get(items, 1), "title"), "Foo is great");
	json_decref(items);
	doc_free(both);
	doc_free(first);
	doc_free(second);
	tdb_close(&t);
}

static void test_title_edit_updates_in_place(void **state)
{
	struct tdb t;
	struct store *s = tdb_open(&t);
	struct doc *d = doc_new();
	doc_add(d, "g1", "https://ex.com/1", "Original title");
	doc_add(d, "g2", "https://ex.com/2", "Other");
	assert_int_equal(commit_count(s, "f", d, NULL), 2);
	json_t *items = all_items(s, "f");
	assert_true(json_is_null(json_object_get(json_array_get(items, 0), "updated_seen")));
	json_decref(items);
	item_set(&d->items[0].title, "Corrected title");
	size_t upd = 0;
	assert_int_equal(commit_count(s, "f", d, &upd), 0);
	assert_int_equal(upd, 1);
	items = all_items(s, "f");
	assert_int_equal(json_array_size(items), 2);
	json_t *it = json_array_get(items, 0);
	assert_string_equal(jstr(it, "title"), "Corrected title");
	assert_non_null(jstr(it, "updated_seen"));
	json_decref(items);
	/* Search follows the edit. */
	struct item_query q = {.since = DATE_NONE, .limit = 10, .q = "corrected"};
	int64_t cur;
	assert_int_equal(store_items(s, &q, &items, &cur), 0);
	assert_int_equal(json_array_size(items), 1);
	json_decref(items);
	q.q = "original";
	assert_int_equal(store_items(s, &q, &items, &cur), 0);
	assert_int_equal(json_array_size(items), 0);
	json_decref(items);
	/* Content edits count too; an unchanged document is quiet again. */
	item_set(&d->items[1].content, "<p>new body</p>");
	assert_int_equal(commit_count(s, "f", d, &upd), 0);
	assert_int_equal(upd, 1);
	assert_int_equal(commit_count(s, "f", d, &upd), 0);
	assert_int_equal(upd, 0);
	json_t *ev = NULL;
	int64_t next;
	assert_int_equal(store_events(s, 0, 100, &ev, &next), 0);
	size_t nupd = 0, nnew = 0;
	for (size_t i = 0; i < json_array_size(ev); i++) {
		const char *type = jstr(json_array_get(ev, i), "type");
		nupd += strcmp(type, "item.updated") == 0;
		nnew += strcmp(type, "item.new") == 0;
	}
	assert_int_equal(nnew, 2);
	assert_int_equal(nupd, 2);
	json_decref(ev);
	doc_free(d);
	tdb_close(&t);
}

static void test_anchors_of_one_page_are_items(void **state)
{
	/* A changelog's feed lists its latest release alone, each linking
	 * to its anchor on one page: two anchors are two items, the next
	 * release is new, not an edit of the last one. A fragment written as
	 * parameters (a tracker's, rotated) names nothing. */
	struct tdb t;
	struct store *s = tdb_open(&t);
	struct doc *d = doc_new();
	struct item *it = doc_add(d, NULL, "https://app.example/changelog#v1-3", "Version 1.3");
	assert_int_equal(commit_count(s, "f", d, NULL), 1);
	size_t upd = 9;
	item_set(&it->url, "https://app.example/changelog#v1-4");
	item_set(&it->title, "Version 1.4");
	assert_int_equal(commit_count(s, "f", d, &upd), 1);
	assert_int_equal(upd, 0);
	json_t *items = all_items(s, "f");
	assert_int_equal(json_array_size(items), 2);
	assert_string_equal(jstr(json_array_get(items, 0), "title"), "Version 1.3");
	json_decref(items);
	/* Nor is another feed's 1.3 a duplicate of this 1.4 (the distinct
	 * listing would hide it); its own 1.4 is. */
	struct doc *other = doc_new();
	doc_add(other, NULL, "https://app.example/changelog#v1-3", "v1.3 (mirror)");
	doc_add(other, NULL, "https://app.example/changelog#v1-4", "v1.4 (mirror)");
	assert_int_equal(commit_count(s, "mirror", other, NULL), 2);
	items = all_items(s, "mirror");
	json_t *m3 = json_array_get(items, 0), *m4 = json_array_get(items, 1);
	json_t *fi = all_items(s, "f");
	assert_int_equal(json_integer_value(json_object_get(m3, "duplicate_of")),
			 json_integer_value(json_object_get(json_array_get(fi, 0), "id")));
	assert_int_equal(json_integer_value(json_object_get(m4, "duplicate_of")),
			 json_integer_value(json_object_get(json_array_get(fi, 1), "id")));
	json_decref(fi);
	json_decref(items);
	doc_free(other);
	/* The same with guids of their own: the link rule, which goes by the
	 * page, does not take 1.4 for 1.3 with a rewritten guid. */
	struct doc *g = doc_new();
	struct item *gi = doc_add(g, "rel-1.3", "https://proj.example/changelog#v1-3", "Release 1.3");
	assert_int_equal(commit_count(s, "m", g, NULL), 1);
	item_set(&gi->guid, "rel-1.4");
	item_set(&gi->url, "https://proj.example/changelog#v1-4");
	item_set(&gi->title, "Release 1.4");
	assert_int_equal(commit_count(s, "m", g, &upd), 1);
	assert_int_equal(upd, 0);
	doc_free(g);
	struct doc *e = doc_new();
	struct item *x = doc_add(e, NULL, "https://news.example/p?id=7#xtor=RSS-1", "Story");
	assert_int_equal(commit_count(s, "g", e, NULL), 1);
	item_set(&x->url, "https://news.example/p?id=7#xtor=RSS-2");
	assert_int_equal(commit_count(s, "g", e, &upd), 0);
	assert_int_equal(upd, 0);
	/* A store of a version that dropped every fragment: the item under
	 * the page's link is found with its content, re-keyed, not new. */
	struct doc *o = doc_new();
	doc_add(o, NULL, "https://old.example/q#sec", "Old one");
	assert_int_equal(commit_count(s, "h", o, NULL), 1);
	assert_int_equal(tdb_exec(&t, "UPDATE items SET ikey = 'l:https://old.example/q',"
				      " canon_url = 'https://old.example/q'"
				      " WHERE ikey = 'l:https://old.example/q#sec'"), 0);
	assert_int_equal(commit_count(s, "h", o, &upd), 0);
	assert_int_equal(upd, 0);
	char *key = tdb_text(&t, "SELECT ikey FROM items WHERE title = 'Old one'");
	assert_string_equal(key, "l:https://old.example/q#sec");
	free(key);
	doc_free(o);
	doc_free(e);
	doc_free(d);
	tdb_close(&t);
}

static void set_cats(struct item *it, const char *a, const char *b, const char *c)
{
	for (size_t k = 0; k < it->ncategories; k++)
		free(it->categories[k]);
	free(it->categories);
	it->ncategories = 3;
	it->categories = calloc(3, sizeof *it->categories);
	it->categories[0] = strdup(a);
	it->categories[1] = strdup(b);
	it->categories[2] = strdup(c);
}

static void set_enclosure(struct item *it, const char *url)
{
	if (!it->nenclosures) {
		it->nenclosures = 1;
		it->enclosures = calloc(1, sizeof *it->enclosures);
		it->enclosures[0].type = strdup("audio/mpeg");
		it->enclosures[0].length = 123;
	}
	free(it->enclosures[0].url);
	it->enclosures[0].url = strdup(url);
}

static void test_noise_is_no_edit(void **state)
{
	/* A podcast host rotating tracking parameters in an enclosure URL,
	 * categories listed in another order: nothing was edited, nothing is
	 * announced, the stored values stay. A real edit still is one. */
	struct tdb t;
	struct store *s = tdb_open(&t);
	struct doc *d = doc_new();
	struct item *it = doc_add(d, "ep-2", "https://pod.example/ep2", "Ep 2");
	set_enclosure(it, "https://dts.example/ep2.mp3?utm_source=Podcast&utm_campaign=t1");
	set_cats(it, "Politics", "Europe", "Economy");
	assert_int_equal(commit_count(s, "f", d, NULL), 1);
	size_t upd = 9;
	set_enclosure(it, "https://dts.example/ep2.mp3?utm_source=Podcast&utm_campaign=t2");
	assert_int_equal(commit_count(s, "f", d, &upd), 0);
	assert_int_equal(upd, 0);
	set_cats(it, "Economy", "Politics", "Europe");
	assert_int_equal(commit_count(s, "f", d, &upd), 0);
	assert_int_equal(upd, 0);
	json_t *items = all_items(s, "f");
	json_t *enc = json_array_get(json_object_get(json_array_get(items, 0), "enclosures"), 0);
	assert_string_equal(jstr(enc, "url"),
			    "https://dts.example/ep2.mp3?utm_source=Podcast&utm_campaign=t1");
	json_decref(items);
	/* Another file, another category, a new length: edits. */
	set_enclosure(it, "https://dts.example/ep2-fixed.mp3");
	assert_int_equal(commit_count(s, "f", d, &upd), 0);
	assert_int_equal(upd, 1);
	set_cats(it, "Economy", "Politics", "World");
	assert_int_equal(commit_count(s, "f", d, &upd), 0);
	assert_int_equal(upd, 1);
	it->enclosures[0].length = 456;
	assert_int_equal(commit_count(s, "f", d, &upd), 0);
	assert_int_equal(upd, 1);
	doc_free(d);
	tdb_close(&t);
}

static void test_relisted_after_pruning(void **state)
{
	struct tdb t;
	struct store *s = tdb_open(&t);
	struct doc *old = doc_new();
	doc_add(old, "old-1", "https://ex.com/o1", "old one");
	doc_add(old, "old-2", "https://ex.com/o2", "old two");
	assert_int_equal(commit_count(s, "f", old, NULL), 2);
	struct doc *cur = doc_new();
	doc_add(cur, "new-1", "https://ex.com/n1", "new one");
	assert_int_equal(commit_count(s, "f", cur, NULL), 1);
	int pruned = -1;
	/* Keep 1: the two old ones go; the listed one stays whatever the cap. */
	assert_int_equal(store_prune(s, "f", time(NULL), 0, 1, 100, &pruned), 0);
	assert_int_equal(pruned, 2);
	json_t *items = all_items(s, "f");
	assert_int_equal(json_array_size(items), 1);
	json_decref(items);
	struct store_figures fig;
	assert_int_equal(store_figures(s, &fig), 0);
	assert_int_equal(fig.tombstones, 2);
	/* The publisher lists the old ones again: nothing new. */
	assert_int_equal(commit_count(s, "f", old, NULL), 0);
	/* Even under a rewritten guid: the link is remembered too. */
	item_set(&old->items[0].guid, "https://ex.com/?p=o1");
	assert_int_equal(commit_count(s, "f", old, NULL), 0);
	items = all_items(s, "f");
	assert_int_equal(json_array_size(items), 1);
	json_decref(items);
	doc_free(old);
	doc_free(cur);
	tdb_close(&t);
}

/* A document's identities and links travel to SQLite as one JSON array
 * (sqlite_commit.c): quotes, backslashes, control bytes and non-ASCII text
 * must come back byte for byte, or known items would look new. */
static void test_awkward_identities_are_found_again(void **state)
{
	struct tdb t;
	struct store *s = tdb_open(&t);
	const char *guids[] = {"q\"uote", "back\\slash", "tab\there", "ctl\x01x",
			       "caf\xc3\xa9-\xc3\xbc", "[\"a\",\"b\"]"};
	struct doc *d = doc_new();
	char url[64];
	for (size_t i = 0; i < sizeof guids / sizeof *guids; i++) {
		snprintf(url, sizeof url, "https://ex.com/%zu/\"x\\y\"", i);
		doc_add(d, guids[i], url, guids[i]);
	}
	assert_int_equal(commit_count(s, "f", d, NULL), 6);
	assert_int_equal(commit_count(s, "f", d, NULL), 0);
	/* The same links in another feed are duplicates of these. */
	struct doc *e = doc_new();
	for (size_t i = 0; i < sizeof guids / sizeof *guids; i++) {
		snprintf(url, sizeof url, "https://ex.com/%zu/\"x\\y\"", i);
		doc_add(e, "other", url, "via e");
		item_set(&e->items[i].guid, guids[i]);
	}
	assert_int_equal(commit_count(s, "e", e, NULL), 6);
	json_t *items = all_items(s, "e");
	assert_int_equal(json_array_size(items), 6);
	for (size_t i = 0; i < 6; i++)
		assert_int_equal(json_integer_value(json_object_get(json_array_get(items, i),
								    "duplicate_of")), (json_int_t)i + 1);
	json_decref(items);
	doc_free(d);
	doc_free(e);
	tdb_close(&t);
}

static void test_same_article_in_two_feeds(void **state)
{
	struct tdb t;
	struct store *s = tdb_open(&t);
	struct doc *a = doc_new();
	doc_add(a, "a1", "https://News.example.com/story?utm_source=rss&id=7", "Story");
	doc_add(a, "a2", "https://news.example.com/other", "Other");
	assert_int_equal(commit_count(s, "alpha", a, NULL), 2);
	struct doc *b = doc_new();
	doc_add(b, "b1", "https://news.example.com:443/story?id=7#comments", "Story (via b)");
	assert_int_equal(commit_count(s, "beta", b, NULL), 1);
	struct doc *c = doc_new();
	doc_add(c, "c1", "https://news.example.com/story?id=7&fbclid=x", "Story (via c)");
	assert_int_equal(commit_count(s, "gamma", c, NULL), 1);
	json_t *items = all_items(s, NULL);
	assert_int_equal(json_array_size(items), 4);
	json_int_t first = json_integer_value(json_object_get(json_array_get(items, 0), "id"));
	assert_true(json_is_null(json_object_get(json_array_get(items, 0), "duplicate_of")));
	assert_int_equal(json_integer_value(json_object_get(json_array_get(items, 2), "duplicate_of")), first);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(items, 3), "duplicate_of")), first);
	json_decref(items);
	struct item_query q = {.since = DATE_NONE, .limit = 100, .distinct = true};
	int64_t next;
	assert_int_equal(store_items(s, &q, &items, &next), 0);
	assert_int_equal(json_array_size(items), 2);
	json_decref(items);
	doc_free(a);
	doc_free(b);
	doc_free(c);
	tdb_close(&t);
}

/* Items 1..N in id order, each with the duplicate_of WANT[i] (0: none). */
static void expect_dups(struct store *s, const json_int_t *want, size_t n)
{
	json_t *items = all_items(s, NULL);
	assert_int_equal(json_array_size(items), n);
	for (size_t i = 0; i < n; i++) {
		json_t *it = json_array_get(items, i);
		assert_int_equal(json_integer_value(json_object_get(it, "id")), (json_int_t)i + 1);
		json_t *dup = json_object_get(it, "duplicate_of");
		if (json_integer_value(dup) != want[i] || (!want[i] && !json_is_null(dup)))
			fail_msg("item %zu: duplicate_of %lld, not %lld", i + 1,
				 (long long)json_integer_value(dup), (long long)want[i]);
	}
	json_decref(items);
}

/* The ids of a distinct=1 query, as a string "1 2 ...". */
static void expect_distinct(struct store *s, const char *want)
{
	struct item_query q = {.since = DATE_NONE, .limit = 100, .distinct = true};
	json_t *items = NULL;
	int64_t next;
	assert_int_equal(store_items(s, &q, &items, &next), 0);
	char got[256] = "";
	for (size_t i = 0; i < json_array_size(items); i++)
		snprintf(got + strlen(got), sizeof got - strlen(got), "%s%lld", i ? " " : "",
			 (long long)json_integer_value(json_object_get(json_array_get(items, i), "id")));
	json_decref(items);
	assert_string_equal(got, want);
}

/* One document of FEED: the items GUID@LINK, given as pairs, NULL-ended. */
static long commit_links(struct store *s, const char *feed, size_t *upd, ...)
{
	struct doc *d = doc_new();
	va_list ap;
	va_start(ap, upd);
	const char *guid, *link;
	char url[64];
	while ((guid = va_arg(ap, const char *)) && (link = va_arg(ap, const char *))) {
		snprintf(url, sizeof url, "https://news.example/%s", link);
		doc_add(d, guid, url, guid);
	}
	va_end(ap);
	long n = commit_count(s, feed, d, upd);
	doc_free(d);
	return n;
}

/* duplicate_of is the first item of another feed at the same canonical
 * link, of those before it; an edit that moves an item's link makes it
 * again for the items it concerns, as if they had been inserted so. */
static void test_edited_link_moves_duplicates(void **state)
{
	struct tdb t;
	struct store *s = tdb_open(&t);
	size_t upd;
	assert_int_equal(commit_links(s, "a", NULL, "a1", "x1", NULL), 1);              /* 1 */
	assert_int_equal(commit_links(s, "b", NULL, "b1", "x1", NULL), 1);              /* 2 */
	assert_int_equal(commit_links(s, "c", NULL, "c1", "x1", NULL), 1);              /* 3 */
	assert_int_equal(commit_links(s, "b", NULL, "b1", "x1", "b2", "x9", NULL), 1);  /* 4 */
	expect_dups(s, (json_int_t[]){0, 1, 1, 0}, 4);
	expect_distinct(s, "1 4");

	/* 1 moves to x9: 2 is no one's duplicate any more, 3 is 2's (the
	 * first other feed's at x1 now), 4 is 1's (1 comes before it); 1
	 * itself is no one's (4 comes after it). */
	assert_int_equal(commit_links(s, "a", &upd, "a1", "x9", NULL), 0);
	assert_int_equal(upd, 1);
	expect_dups(s, (json_int_t[]){0, 0, 2, 1}, 4);
	expect_distinct(s, "1 2");
	/* New items see the same. */
	assert_int_equal(commit_links(s, "b", NULL, "b1", "x1", "b2", "x9", "b3", "x9", NULL),
			 1);                                                            /* 5 */
	assert_int_equal(commit_links(s, "c", NULL, "c1", "x1", "c2", "x1", NULL), 1);  /* 6 */
	expect_dups(s, (json_int_t[]){0, 0, 2, 1, 1, 2}, 6);

	/* A duplicate moves away: it is no one's duplicate, and the others
	 * at its old link keep theirs. */
	assert_int_equal(commit_links(s, "c", &upd, "c1", "x7", "c2", "x1", NULL), 0);
	assert_int_equal(upd, 1);
	expect_dups(s, (json_int_t[]){0, 0, 0, 1, 1, 2}, 6);

	/* 1 moves back to x1: the first there again. */
	assert_int_equal(commit_links(s, "a", &upd, "a1", "x1", NULL), 0);
	assert_int_equal(upd, 1);
	expect_dups(s, (json_int_t[]){0, 1, 0, 0, 0, 1}, 6);
	expect_distinct(s, "1 3 4 5");

	/* Two moves in one document (b's 2 and 4 swap their links). */
	assert_int_equal(commit_links(s, "b", &upd, "b1", "x9", "b2", "x1", "b3", "x9", NULL), 0);
	assert_int_equal(upd, 2);
	expect_dups(s, (json_int_t[]){0, 0, 0, 1, 0, 1}, 6);
	expect_distinct(s, "1 2 3 5");

	/* An edit that keeps the link changes no duplicate_of. */
	struct doc *d = doc_new();
	doc_add(d, "a1", "https://news.example/x1", "a1, retitled");
	assert_int_equal(commit_count(s, "a", d, &upd), 0);
	assert_int_equal(upd, 1);
	doc_free(d);
	expect_dups(s, (json_int_t[]){0, 0, 0, 1, 0, 1}, 6);
	tdb_close(&t);
}

static void test_empty_document_removes_nothing(void **state)
{
	struct tdb t;
	struct store *s = tdb_open(&t);
	struct doc *d = doc_new();
	doc_add(d, "1", "https://ex.com/1", "1");
	doc_add(d, "2", "https://ex.com/2", "2");
	doc_add(d, "3", "https://ex.com/3", "3");
	assert_int_equal(commit_count(s, "f", d, NULL), 3);
	struct doc *empty = doc_new();
	assert_int_equal(commit_count(s, "f", empty, NULL), 0);
	json_t *items = all_items(s, "f");
	assert_int_equal(json_array_size(items), 3);
	json_decref(items);
	/* The last real document still protects its items from the cap. */
	int pruned = -1;
	assert_int_equal(store_prune(s, "f", time(NULL), 0, 1, 100, &pruned), 0);
	assert_int_equal(pruned, 0);
	/* And a fetch without a document (304) changes no item either. */
	assert_int_equal(commit_doc(s, "f", NULL, NULL), 0);
	items = all_items(s, "f");
	assert_int_equal(json_array_size(items), 3);
	json_decref(items);
	assert_int_equal(commit_count(s, "f", d, NULL), 0);
	doc_free(empty);
	doc_free(d);
	tdb_close(&t);
}

static void test_item_json_shape(void **state)
{
	struct tdb t;
	struct store *s = tdb_open(&t);
	struct doc *d = doc_new();
	struct item *it = doc_add(d, "g", "https://ex.com/1", "Title");
	it->published = 1639123200;   /* 2021-12-10T08:00:00Z */
	it->author = strdup("Ann");
	it->summary = strdup("<b>sum</b>");
	it->ncategories = 2;
	it->categories = calloc(2, sizeof *it->categories);
	it->categories[0] = strdup("c1");
	it->categories[1] = strdup("bad \xff byte");
	it->nenclosures = 1;
	it->enclosures = calloc(1, sizeof *it->enclosures);
	it->enclosures[0].url = strdup("https://ex.com/a.mp3");
	it->enclosures[0].type = strdup("audio/mpeg");
	it->enclosures[0].length = 1234;
	struct item *fut = doc_add(d, "future", "https://ex.com/2", "From the future");
	fut->published = time(NULL) + 365 * 86400;
	doc_add(d, "undated", "https://ex.com/3", "No date");
	assert_int_equal(commit_count(s, "f", d, NULL), 3);
	json_t *items = all_items(s, "f");
	json_t *j = json_array_get(items, 0);
	assert_string_equal(jstr(j, "published"), "2021-12-10T08:00:00Z");
	assert_string_equal(jstr(j, "date"), "2021-12-10T08:00:00Z");
	assert_string_equal(jstr(j, "feed"), "f");
	assert_string_equal(jstr(j, "author"), "Ann");
	assert_string_equal(jstr(j, "summary"), "<b>sum</b>");
	assert_true(json_is_null(json_object_get(j, "content")));
	assert_true(json_is_null(json_object_get(j, "updated")));
	assert_non_null(jstr(j, "first_seen"));
	assert_int_equal(json_array_size(json_object_get(j, "categories")), 2);
	assert_string_equal(json_string_value(json_array_get(json_object_get(j, "categories"), 1)),
			    "bad \xef\xbf\xbd byte");
	json_t *e = json_array_get(json_object_get(j, "enclosures"), 0);
	assert_string_equal(jstr(e, "type"), "audio/mpeg");
	assert_int_equal(json_integer_value(json_object_get(e, "length")), 1234);
	/* Future and undated items sort by when they were first seen. */
	json_t *f = json_array_get(items, 1);
	assert_string_equal(jstr(f, "date"), jstr(f, "first_seen"));
	assert_string_not_equal(jstr(f, "published"), jstr(f, "date"));
	json_t *u = json_array_get(items, 2);
	assert_string_equal(jstr(u, "date"), jstr(u, "first_seen"));
	assert_true(json_is_null(json_object_get(u, "published")));
	json_decref(items);
	doc_free(d);
	tdb_close(&t);
}

/* The idle daemon hands its caches back: nothing stored may go with them. */
static void test_release_memory_keeps_everything(void **state)
{
	struct tdb t;
	struct store *s = tdb_open(&t);
	struct doc *d = doc_new();
	for (int i = 0; i < 50; i++) {
		char g[16];
		snprintf(g, sizeof g, "g%d", i);
		doc_add(d, g, NULL, "an item");
	}
	assert_int_equal(commit_count(s, "f", d, NULL), 50);
	assert_int_equal(store_release_memory(s), 0);
	json_t *items = all_items(s, "f");
	assert_int_equal(json_array_size(items), 50);
	json_decref(items);
	assert_int_equal(commit_count(s, "f", d, NULL), 0);
	assert_int_equal(store_release_memory(s), 0);
	doc_free(d);
	tdb_close(&t);
}

/* A store written before the content key holds hash identities over
 * title, date and first enclosure ("h:" keys), and of items those merged
 * only the first. Without a migration: the stored items are found under
 * their old identities and re-keyed (nothing announced again), the item
 * that was merged away is announced now, and a tombstone under an old
 * identity keeps its item away unless that identity was made of nothing. */
static void set_old_identities(struct tdb *t, const char *feed, const struct doc *d)
{
	bool link = false;
	struct dedup_item *p = NULL;
	assert_int_equal(dedup_plan(d, DEDUP_HASH_XXH3, NULL, &link, &p), 0);
	for (size_t i = 0; i < d->nitems; i++) {
		assert_true(p[i].alt_legacy);
		char sql[512];
		snprintf(sql, sizeof sql, "UPDATE items SET ikey = '%s' WHERE ikey = '%s'"
			 " AND feed = (SELECT id FROM feeds WHERE name = '%s')",
			 p[i].alt, p[i].key, feed);
		assert_int_equal(tdb_exec(t, sql), 0);
	}
	dedup_free(p, d->nitems);
}

static struct item *add_hashed(struct doc *d, const char *title, const char *summary)
{
	struct item *it = doc_add(d, NULL, NULL, title);
	it->summary = xdup(summary);
	return it;
}

static void test_older_hash_identities_are_rekeyed(void **state)
{
	struct tdb t;
	struct store *s = tdb_open(&t);
	struct doc *d = doc_new();
	add_hashed(d, "a", "alpha");
	add_hashed(d, "b", "beta");
	add_hashed(d, NULL, "first body");
	add_hashed(d, NULL, "second body");
	/* What the older version stored: three items, the fourth merged. */
	struct doc *was = doc_new();
	add_hashed(was, "a", "alpha");
	add_hashed(was, "b", "beta");
	add_hashed(was, NULL, "first body");
	assert_int_equal(commit_count(s, "f", was, NULL), 3);
	set_old_identities(&t, "f", was);
	size_t upd = 9;
	assert_int_equal(commit_count(s, "f", d, &upd), 1);
	assert_int_equal(upd, 0);
	assert_int_equal(commit_count(s, "f", d, &upd), 0);
	assert_int_equal(upd, 0);
	json_t *items = all_items(s, "f");
	assert_int_equal(json_array_size(items), 4);
	assert_string_equal(jstr(json_array_get(items, 3), "summary"), "second body");
	json_decref(items);

	/* Pruned under an old identity: still pruned. */
	struct doc *e = doc_new(), *f = doc_new(), *ef = doc_new();
	add_hashed(e, "e", "epsilon");
	add_hashed(f, "f", "phi");
	add_hashed(ef, "e", "epsilon");
	add_hashed(ef, "f", "phi");
	assert_int_equal(commit_count(s, "g", e, NULL), 1);
	set_old_identities(&t, "g", e);
	assert_int_equal(commit_count(s, "g", f, NULL), 1);
	int pruned = -1;
	assert_int_equal(store_prune(s, "g", time(NULL), 0, 1, 100, &pruned), 0);
	assert_int_equal(pruned, 1);
	assert_int_equal(commit_count(s, "g", ef, NULL), 0);

	/* An old identity of empty fields stood for every untitled, undated
	 * item: its tombstone keeps none of them away. */
	struct doc *g1 = doc_new(), *g2 = doc_new();
	add_hashed(g1, NULL, "one body");
	add_hashed(g2, NULL, "another body");
	add_hashed(g2, "f", "phi");
	assert_int_equal(commit_count(s, "h", g1, NULL), 1);
	set_old_identities(&t, "h", g1);
	assert_int_equal(commit_count(s, "h", f, NULL), 1);
	assert_int_equal(store_prune(s, "h", time(NULL), 0, 1, 100, &pruned), 0);
	assert_int_equal(pruned, 1);
	assert_int_equal(commit_count(s, "h", g2, NULL), 1);

	doc_free(d);
	doc_free(was);
	doc_free(e);
	doc_free(f);
	doc_free(ef);
	doc_free(g1);
	doc_free(g2);
	tdb_close(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_guid_identity),
		cmocka_unit_test(test_missing_guids),
		cmocka_unit_test(test_duplicate_guids_in_document),
		cmocka_unit_test(test_same_identity_twice_in_document),
		cmocka_unit_test(test_guid_later_shared),
		cmocka_unit_test(test_new_guid_on_an_old_link),
		cmocka_unit_test(test_site_moves_to_https),
		cmocka_unit_test(test_guids_rewritten_http_to_https),
		cmocka_unit_test(test_identity_freed_by_a_rewrite_in_the_same_document),
		cmocka_unit_test(test_commit_after_a_lost_connection),
		cmocka_unit_test(test_guids_dropped_with_repeated_links),
		cmocka_unit_test(test_front_page_links_do_not_merge),
		cmocka_unit_test(test_guidless_announcements_linking_home_are_items),
		cmocka_unit_test(test_items_that_shared_a_link_stay_apart),
		cmocka_unit_test(test_noise_is_no_edit),
		cmocka_unit_test(test_anchors_of_one_page_are_items),
		cmocka_unit_test(test_title_edit_updates_in_place),
		cmocka_unit_test(test_relisted_after_pruning),
		cmocka_unit_test(test_older_hash_identities_are_rekeyed),
		cmocka_unit_test(test_same_article_in_two_feeds),
		cmocka_unit_test(test_awkward_identities_are_found_again),
		cmocka_unit_test(test_edited_link_moves_duplicates),
		cmocka_unit_test(test_empty_document_removes_nothing),
		cmocka_unit_test(test_item_json_shape),
		cmocka_unit_test(test_release_memory_keeps_everything),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
