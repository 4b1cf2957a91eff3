/* test_store_batch.c — a batch whose transaction SQLite itself rolls back
 * (as after a full disk or an I/O error inside it: store/commit.c finds no
 * savepoint to go back to): nothing of the batch is kept, then each
 * document is committed alone, so that only the one at fault is refused.
 * SQLite only: a PostgreSQL trigger cannot end its transaction (a lost
 * connection there is the lost batch, without the retry: pg.faults).
 * And a batch that no fetch fails, written without savepoints. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "store_fixture.h"

static struct feed_state state_of(const char *name, const char *etag)
{
	return (struct feed_state){.name = (char *)name, .url = (char *)"https://example.com/feed",
				   .etag = (char *)etag, .last_status = 200, .n_200 = 1};
}

static void test_lost_transaction_retried_alone(void **state)
{
	(void)state;
	struct tdb t;
	struct store *s = tdb_open(&t);
	/* The document with an item titled "boom" ends the whole transaction. */
	assert_int_equal(tdb_exec(&t, "CREATE TRIGGER boom BEFORE INSERT ON items"
				      " WHEN NEW.title = 'boom' BEGIN SELECT RAISE(ROLLBACK, 'boom'); END"),
			 0);
	struct doc *d[3] = {doc_new(), doc_new(), doc_new()};
	doc_add(d[0], "a1", "https://ex.com/a1", "A1");
	doc_add(d[1], "b1", "https://ex.com/b1", "boom");
	doc_add(d[2], "c1", "https://ex.com/c1", "C1");
	doc_add(d[2], "c2", "https://ex.com/c2", "C2");
	struct feed_state st[3] = {state_of("a", "\"a1\""), state_of("b", "\"b1\""),
				   state_of("c", "\"c1\"")};
	struct store_commit c[3];
	for (int i = 0; i < 3; i++)
		c[i] = (struct store_commit){.st = &st[i], .doc = d[i]};
	/* The batch is lost, and says so; the retries store a and c. */
	assert_true(store_commit_batch(s, c, 3) < 0);
	assert_int_equal(c[0].err, 0);
	assert_true(c[1].err < 0);
	assert_int_equal(c[2].err, 0);
	assert_int_equal(c[0].news.nnew, 1);
	assert_int_equal(c[2].news.nnew, 2);
	struct feed_state got = {0};
	assert_int_equal(store_feed_load(s, "c", &got), 0);
	assert_string_equal(got.etag, "\"c1\"");
	feed_state_clear(&got);
	/* b's row was never written: no validators ahead of items. */
	int r = store_feed_load(s, "b", &got);
	assert_true(r == -ENOENT || got.etag == NULL);
	feed_state_clear(&got);
	json_t *items = all_items(s, NULL);
	assert_int_equal(json_array_size(items), 3);
	json_decref(items);
	for (int i = 0; i < 3; i++) {
		store_news_clear(&c[i].news);
		doc_free(d[i]);
	}
	tdb_close(&t);
}

/* What this process has handed to write() so far. */
static long long wchar_now(void)
{
	FILE *f = fopen("/proc/self/io", "r");
	assert_non_null(f);
	char line[128];
	long long v = -1;
	while (fgets(line, sizeof line, f))
		if (sscanf(line, "wchar: %lld", &v) == 1)
			break;
	fclose(f);
	assert_true(v >= 0);
	return v;
}

/* A batch that no fetch fails is written without savepoints. With one per
 * fetch, SQLite copied every page a fetch touched that an earlier fetch of
 * the batch had dirtied into a statement journal, which goes to a
 * temporary file past 64 KiB: several KB written per item on top of the
 * WAL's (bench/RESULTS.md, "Group commit"). */
static void test_batch_writes_no_statement_journal(void **state)
{
	(void)state;
	enum { N = 24, ITEMS = 40 };
	struct tdb t;
	struct store *s = tdb_open(&t);
	char body[801];
	memset(body, 'x', sizeof body - 1);
	body[sizeof body - 1] = '\0';
	struct doc *d[N];
	struct feed_state st[N];
	struct store_commit c[N];
	char names[N][16], guid[32], link[64];
	for (int i = 0; i < N; i++) {
		d[i] = doc_new();
		for (int k = 0; k < ITEMS; k++) {
			snprintf(guid, sizeof guid, "f%d-%d", i, k);
			snprintf(link, sizeof link, "https://ex.com/%d/%d", k, i);
			item_set(&doc_add(d[i], guid, link, guid)->summary, body);
		}
		snprintf(names[i], sizeof names[i], "f%02d", i);
		st[i] = state_of(names[i], "\"e\"");
		c[i] = (struct store_commit){.st = &st[i], .doc = d[i]};
	}
	long long before = wchar_now();
	assert_int_equal(store_commit_batch(s, c, N), 0);
	long long per_item = (wchar_now() - before) / (N * ITEMS);
	print_message("written per item: %lld bytes\n", per_item);
	/* The WAL's frames of the rows and their index entries: about 1.1 KB
	 * of row and the pages' slack. */
	assert_true(per_item < 3000);
	for (int i = 0; i < N; i++) {
		assert_int_equal(c[i].err, 0);
		assert_int_equal(c[i].news.nnew, ITEMS);
		store_news_clear(&c[i].news);
		doc_free(d[i]);
	}
	json_t *items = all_items(s, NULL);
	assert_int_equal(json_array_size(items), N * ITEMS);
	json_decref(items);
	tdb_close(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lost_transaction_retried_alone),
		cmocka_unit_test(test_batch_writes_no_statement_journal),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
