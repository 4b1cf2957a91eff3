/* test_store_wal.c — the SQLite store's WAL stays bounded while documents
 * are committed back to back (checkpoints run on the store's own thread,
 * and past the bound the writer finishes one itself), also with a second
 * writer connection and after a reader held an old snapshot; closing the
 * last connection still removes the WAL; what the store's VFS writes
 * (each frame in one write) reads back through SQLite's default VFS, as
 * another program would see it. SQLite only: it is about files. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <sqlite3.h>

#include "store_fixture.h"

/* A small bound, so that a few hundred small documents cross it many
 * times: 1 MiB, the thread's passes every 64 KiB (8 pages of 8 KiB). */
#define LIMIT (1 << 20)
/* What the WAL may reach: the writer waits for the thread at a quarter
 * past the bound, then one more document's frames are written before the
 * WAL starts afresh. A document here writes well under 1 MiB. */
#define MAX_WAL (LIMIT + LIMIT / 4 + (1 << 20))

static long long file_size(const char *path, const char *suffix)
{
	char p[700];
	snprintf(p, sizeof p, "%s%s", path, suffix);
	struct stat sb;
	return stat(p, &sb) == 0 ? (long long)sb.st_size : -1;
}

/* A document of N items for FEED, numbered from FIRST; long summaries make
 * each item about 1 KiB, as a real one. */
static struct doc *make_doc(int feed, int first, int n)
{
	struct doc *d = doc_new();
	char guid[96], url[96], title[96], summary[1024];
	memset(summary, 'x', sizeof summary - 1);
	summary[sizeof summary - 1] = '\0';
	for (int i = first; i < first + n; i++) {
		snprintf(guid, sizeof guid, "https://s%d.example/?p=%d", feed, i);
		snprintf(url, sizeof url, "https://s%d.example/post/%d", feed, i);
		snprintf(title, sizeof title, "Post %d of site %d", i, feed);
		struct item *it = doc_add(d, guid, url, title);
		it->summary = strdup(summary);
	}
	return d;
}

static void commit_many(struct store *s, const char *path, int from, int to, long long *max)
{
	char name[32];
	for (int f = from; f < to; f++) {
		struct doc *d = make_doc(f, 0, 20);
		snprintf(name, sizeof name, "feed%d", f);
		assert_int_equal(commit_count(s, name, d, NULL), 20);
		doc_free(d);
		long long w = file_size(path, "-wal");
		if (w > *max)
			*max = w;
	}
}

/* Items counted by a connection of SQLite's default VFS, reading the WAL
 * frames the store's connections wrote. */
static long long raw_count(const char *path)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT count(*) FROM items", -1, &st, NULL),
			 SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	long long n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return n;
}

static int64_t count_items(struct store *s)
{
	struct store_figures fig;
	assert_int_equal(store_figures(s, &fig), 0);
	return fig.items;
}

/* 300 documents of 20 items (~6 MiB of rows, ~30 MiB of WAL frames):
 * the WAL never grows past its bound, and every item is there. */
static void test_wal_bounded(void **state)
{
	(void)state;
	struct tdb t;
	struct store *s = tdb_open(&t);
	long long max = 0;
	commit_many(s, t.path, 0, 300, &max);
	assert_true(max > 0);
	assert_true(max <= MAX_WAL);
	assert_int_equal(count_items(s), 300 * 20);
	assert_true(file_size(t.path, "-wal") > 0);
	assert_int_equal(raw_count(t.path), 300 * 20);
	/* The upkeep's checkpoint still works beside the thread, and with
	 * no reader in the way it empties the WAL. */
	assert_int_equal(store_checkpoint(s), 0);
	assert_int_equal(file_size(t.path, "-wal"), 0);
	struct doc *d = make_doc(1000, 0, 5);
	assert_int_equal(commit_count(s, "after", d, NULL), 5);
	doc_free(d);
	assert_true(file_size(t.path, "-wal") > 0);
	assert_int_equal(raw_count(t.path), 300 * 20 + 5);
	tdb_close(&t);
}

/* Two writer connections (the daemon's loop and store thread) share the
 * checkpointer, which outlives the first to close; whichever closes last
 * still removes the WAL. */
static void test_wal_two_writers(void **state)
{
	(void)state;
	struct tdb t;
	struct store *s = tdb_open(&t);
	struct store *s2 = NULL;
	char *err = NULL;
	assert_int_equal(store_reopen(s, &s2, &err), 0);
	long long max = 0;
	commit_many(s2, t.path, 0, 150, &max);
	commit_many(s, t.path, 150, 200, &max);
	commit_many(s2, t.path, 200, 300, &max);
	assert_true(max <= MAX_WAL);
	store_close(s);   /* the first connection first: the thread lives on */
	t.s = NULL;
	commit_many(s2, t.path, 300, 350, &max);
	assert_true(max <= MAX_WAL);
	assert_int_equal(count_items(s2), 350 * 20);
	store_close(s2);
	assert_int_equal(file_size(t.path, "-wal"), -1);
	assert_int_equal(tdb_reopen(&t, &err), 0);
	assert_int_equal(count_items(t.s), 350 * 20);
	tdb_close(&t);
}

struct pin {
	struct store *s;
	const char *path;
	long long max;
	int calls;
};

/* In the middle of a reader's walk: the writer commits on, and the WAL
 * grows past its bound, since a checkpoint cannot copy past the snapshot
 * the reader holds. Nothing waits for the reader. */
static int commit_while_reading(const struct item_row *row, void *ud)
{
	(void)row;
	struct pin *p = ud;
	if (p->calls++ == 0)
		commit_many(p->s, p->path, 100, 250, &p->max);
	return 0;
}

/* Once the reader lets go, the WAL starts afresh and is cut back to twice
 * the bound (journal_size_limit), and stays bounded again. */
static void test_wal_reader_pins(void **state)
{
	(void)state;
	struct tdb t;
	struct store *s = tdb_open(&t);
	long long max = 0;
	commit_many(s, t.path, 0, 100, &max);
	struct store *r = NULL;
	assert_int_equal(store_open_reader(s, &r), 0);
	struct pin p = {.s = s, .path = t.path};
	struct item_query q = {.since = DATE_NONE, .limit = 10};
	int64_t next = 0;
	assert_int_equal(store_items_each(r, &q, commit_while_reading, &p, &next), 0);
	assert_int_equal(p.calls, 10);
	assert_true(p.max > 2LL * LIMIT);
	/* The reader saw its snapshot; now it sees everything. */
	int64_t item = 0;
	assert_int_equal(store_last_ids(r, &item, NULL), 0);
	assert_int_equal(item, 250 * 20);
	store_close(r);
	max = 0;
	commit_many(s, t.path, 250, 400, &max);
	long long now = file_size(t.path, "-wal");
	assert_true(now <= 2LL * LIMIT + (1 << 20));
	assert_int_equal(count_items(s), 400 * 20);
	tdb_close(&t);
}

/* Whether the store file PATH itself (not its -wal or -shm) is mapped. */
static bool file_mapped(const char *path)
{
	FILE *f = fopen("/proc/self/maps", "r");
	assert_non_null(f);
	char line[1024];
	bool found = false;
	size_t n = strlen(path);
	while (fgets(line, sizeof line, f)) {
		const char *p = strstr(line, path);
		if (p && (p[n] == '\n' || p[n] == '\0'))
			found = true;
	}
	fclose(f);
	return found;
}

/* A reader reads the file through a mapping; releasing its memory (the
 * daemon's upkeep) drops the mapping, and the next query maps the file
 * again and reads the same. */
static void test_reader_mapping_released(void **state)
{
	(void)state;
	struct tdb t;
	struct store *s = tdb_open(&t);
	long long max = 0;
	commit_many(s, t.path, 0, 20, &max);
	struct store *r = NULL;
	assert_int_equal(store_open_reader(s, &r), 0);
	struct item_query q = {.since = DATE_NONE, .limit = 10};
	json_t *items = NULL;
	int64_t next = 0;
	assert_int_equal(store_items(r, &q, &items, &next), 0);
	assert_int_equal(json_array_size(items), 10);
	assert_true(file_mapped(t.path));
	assert_int_equal(store_release_memory(r), 0);
	assert_false(file_mapped(t.path));
	json_t *again = NULL;
	assert_int_equal(store_items(r, &q, &again, &next), 0);
	assert_true(json_equal(items, again));
	assert_true(file_mapped(t.path));
	json_decref(items);
	json_decref(again);
	store_close(r);
	tdb_close(&t);
}

int main(void)
{
	setenv("FEEDD_STORE_WAL_LIMIT", "1048576", 1);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_wal_bounded),
		cmocka_unit_test(test_wal_two_writers),
		cmocka_unit_test(test_wal_reader_pins),
		cmocka_unit_test(test_reader_mapping_released),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
