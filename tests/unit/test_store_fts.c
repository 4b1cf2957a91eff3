/* test_store_fts.c — the SQLite full-text index trails the items (indexed
 * by store_checkpoint or by the next search): searches still see every
 * item, edits and prunes of items not yet indexed leave the index true,
 * and the index agrees with the items afterwards (FTS5 integrity-check). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <sqlite3.h>

#include "store_fixture.h"

/* One integer from the file, read as another program would. */
static int64_t raw_int(const char *path, const char *sql)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	int64_t v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

/* FTS5's own check that the index holds exactly the items' text. */
static void assert_index_agrees(const char *path)
{
	sqlite3 *db = NULL;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	char *msg = NULL;
	int rc = sqlite3_exec(db, "INSERT INTO items_fts(items_fts, rank)"
			      " VALUES ('integrity-check', 1)", NULL, NULL, &msg);
	if (rc != SQLITE_OK)
		fail_msg("integrity-check: %s", msg);
	sqlite3_close(db);
}

static size_t hits(struct store *s, const char *words)
{
	struct item_query q = {.since = DATE_NONE, .limit = 100, .q = words};
	json_t *items = NULL;
	int64_t next;
	assert_int_equal(store_items(s, &q, &items, &next), 0);
	size_t n = json_array_size(items);
	json_decref(items);
	return n;
}

#define UPTO "SELECT value FROM store_meta WHERE key = 'fts_upto'"

static void test_commit_leaves_indexing_to_upkeep(void **state)
{
	struct tdb t;
	struct store *s = tdb_open(&t);
	struct doc *d = doc_new();
	doc_add(d, "g1", "https://ex.com/1", "Lava reaches the sea");
	doc_add(d, "g2", "https://ex.com/2", "Quiet day");
	assert_int_equal(commit_count(s, "f", d, NULL), 2);
	/* Committed, not yet indexed: the commit did not pay for the index. */
	assert_int_equal(raw_int(t.path, UPTO), 0);
	assert_int_equal(store_checkpoint(s), 0);
	assert_int_equal(raw_int(t.path, UPTO), 2);
	assert_index_agrees(t.path);
	assert_int_equal(hits(s, "lava"), 1);
	/* A search indexes what is pending before it looks. */
	struct doc *e = doc_new();
	doc_add(e, "g3", "https://ex.com/3", "More lava tonight");
	assert_int_equal(commit_count(s, "f", e, NULL), 1);
	assert_int_equal(raw_int(t.path, UPTO), 2);
	assert_int_equal(hits(s, "lava"), 2);
	assert_int_equal(raw_int(t.path, UPTO), 3);
	assert_index_agrees(t.path);
	doc_free(d);
	doc_free(e);
	tdb_close(&t);
}

static void test_edits_on_both_sides_of_the_watermark(void **state)
{
	struct tdb t;
	struct store *s = tdb_open(&t);
	struct doc *d = doc_new();
	doc_add(d, "g1", "https://ex.com/1", "Indexed original");
	assert_int_equal(commit_count(s, "f", d, NULL), 1);
	assert_int_equal(store_checkpoint(s), 0);
	/* An indexed item edited: the trigger replaces its index entry. */
	item_set(&d->items[0].title, "Indexed corrected");
	doc_add(d, "g2", "https://ex.com/2", "Pending original");
	size_t upd = 0;
	assert_int_equal(commit_count(s, "f", d, &upd), 1);
	assert_int_equal(upd, 1);
	/* A pending item edited: indexed later, as it is then. */
	item_set(&d->items[1].title, "Pending corrected");
	assert_int_equal(commit_count(s, "f", d, &upd), 0);
	assert_int_equal(upd, 1);
	assert_int_equal(raw_int(t.path, UPTO), 1);
	assert_int_equal(hits(s, "original"), 0);
	assert_int_equal(hits(s, "corrected"), 2);
	assert_int_equal(hits(s, "pending corrected"), 1);
	assert_index_agrees(t.path);
	doc_free(d);
	tdb_close(&t);
}

static void test_pruned_before_indexing(void **state)
{
	struct tdb t;
	struct store *s = tdb_open(&t);
	struct doc *old = doc_new();
	doc_add(old, "o1", "https://ex.com/o1", "Ancient eruption");
	doc_add(old, "o2", "https://ex.com/o2", "Ancient flood");
	assert_int_equal(commit_count(s, "f", old, NULL), 2);
	assert_int_equal(store_checkpoint(s), 0);   /* o1, o2 indexed */
	struct doc *mid = doc_new();
	doc_add(mid, "m1", "https://ex.com/m1", "Ancient quake");
	assert_int_equal(commit_count(s, "f", mid, NULL), 1);
	struct doc *cur = doc_new();
	doc_add(cur, "n1", "https://ex.com/n1", "Today");
	assert_int_equal(commit_count(s, "f", cur, NULL), 1);
	/* Keep 1: o1, o2 (indexed) and m1 (pending) go. */
	int pruned = -1;
	assert_int_equal(store_prune(s, "f", time(NULL), 0, 1, 100, &pruned), 0);
	assert_int_equal(pruned, 3);
	assert_int_equal(hits(s, "ancient"), 0);
	assert_int_equal(hits(s, "today"), 1);
	assert_index_agrees(t.path);
	doc_free(old);
	doc_free(mid);
	doc_free(cur);
	tdb_close(&t);
}

/* More items than one indexing transaction takes (made 1,000 here):
 * several batches, and nothing skipped at their seams. */
static void test_backlog_in_batches(void **state)
{
	struct tdb t;
	struct store *s = tdb_open(&t);
	enum { DOCS = 30, PER = 200 };
	setenv("FEEDD_STORE_FTS_BATCH", "1000", 1);
	char g[32], u[48], title[64];
	for (int k = 0; k < DOCS; k++) {
		struct doc *d = doc_new();
		for (int j = 0; j < PER; j++) {
			snprintf(g, sizeof g, "g%d-%d", k, j);
			snprintf(u, sizeof u, "https://ex.com/%d/%d", k, j);
			snprintf(title, sizeof title, "item%d common", k * PER + j);
			doc_add(d, g, u, title);
		}
		char feed[16];
		snprintf(feed, sizeof feed, "f%d", k % 5);
		assert_int_equal(commit_count(s, feed, d, NULL), PER);
		doc_free(d);
	}
	assert_int_equal(store_checkpoint(s), 0);
	assert_int_equal(raw_int(t.path, UPTO), DOCS * PER);
	assert_int_equal(raw_int(t.path, "SELECT count(*) FROM items_fts WHERE items_fts MATCH 'common'"),
			 DOCS * PER);
	unsetenv("FEEDD_STORE_FTS_BATCH");
	assert_int_equal(hits(s, "item0"), 1);
	assert_int_equal(hits(s, "item999"), 1);
	assert_int_equal(hits(s, "item1000"), 1);
	assert_int_equal(hits(s, "item5999"), 1);
	assert_index_agrees(t.path);
	tdb_close(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_commit_leaves_indexing_to_upkeep),
		cmocka_unit_test(test_edits_on_both_sides_of_the_watermark),
		cmocka_unit_test(test_pruned_before_indexing),
		cmocka_unit_test(test_backlog_in_batches),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
