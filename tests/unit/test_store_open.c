/* test_store_open.c — opening the store file: creation in WAL mode, the
 * upgrade from the previous schema version (tests/data/store_v1.sql), and
 * refusing a newer, damaged or foreign file with a clear error. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <sqlite3.h>

#include "store/backend.h"
#include "store/sqlite/sqlite_int.h"
#include "store_fixture.h"

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *buf = malloc((size_t)n + 1);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

/* Runs SQL on the file directly, as another program would. */
static void raw_exec(const char *path, const char *sql)
{
	sqlite3 *db = NULL;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	char *msg = NULL;
	int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
	if (rc != SQLITE_OK)
		fail_msg("%s", msg);
	sqlite3_close(db);
}

static char *raw_text(const char *path, const char *sql)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	char *out = strdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	sqlite3_close(db);
	return out;
}

/* items.rule's CHECK as comparisons (migration 4), still enforced. */
static void assert_rule_check_is_comparisons(const char *path)
{
	char *sql = raw_text(path, "SELECT sql FROM sqlite_schema WHERE name = 'items'");
	assert_non_null(strstr(sql, "CHECK (rule = 'guid' OR rule = 'link' OR rule = 'hash')"));
	assert_null(strstr(sql, "rule IN"));
	free(sql);
	sqlite3 *db = NULL;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "INSERT INTO items(feed, ikey, rule, chash, first_seen,"
				      " last_seen, sort_date) VALUES (1, 'k', 'bogus', '', 0, 0, 0)",
				      NULL, NULL, NULL) & 0xff, SQLITE_CONSTRAINT);
	sqlite3_close(db);
}

static void test_fresh_store_is_wal_and_current(void **state)
{
	struct tdb t;
	tdb_open(&t);
	store_close(t.s);
	t.s = NULL;
	char *mode = raw_text(t.path, "PRAGMA journal_mode");
	assert_string_equal(mode, "wal");
	free(mode);
	char *v = raw_text(t.path, "PRAGMA user_version");
	assert_string_equal(v, "16");
	free(v);
	/* A new store hashes with XXH3 (docs/store.md, "Key versions"). */
	v = raw_text(t.path, "SELECT value FROM store_meta WHERE key = 'key_hash'");
	assert_string_equal(v, "2");
	free(v);
	v = raw_text(t.path, "PRAGMA page_size");   /* a new file's pages */
	assert_string_equal(v, "8192");
	free(v);
	assert_rule_check_is_comparisons(t.path);
	/* The default place: STATE_DIR/feedd.db. */
	struct store *s = NULL;
	char *err = NULL;
	assert_int_equal(store_open("sqlite", t.dir, &s, &err), 0);
	assert_null(err);
	store_close(s);
	assert_int_equal(store_open(NULL, t.dir, &s, &err), 0);
	store_close(s);
	/* A password inline in a postgresql:// URI is refused (a password file
	 * holds it), and never repeated in the message. */
	assert_int_equal(store_open("postgresql://feedd:s3cret@db.invalid/feedd", t.dir, &s, &err),
			 -EINVAL);
	assert_null(s);
	assert_non_null(strcasestr(err, "postgresql"));
	assert_null(strstr(err, "s3cret"));
	free(err);
	tdb_close(&t);
}

/* The plan SQLite makes of the items query of SHAPE (the backend's
 * conditions, sqlite_query.c), every step's detail joined. */
static char *items_plan(const char *path, unsigned shape)
{
	char sql[1536], ex[1600];
	assert_int_equal(items_sql(sql, sizeof sql, shape, '?',
				   " AND f.name IN (SELECT value FROM json_each(?3))", "",
				   (const char *const[2]){"0", "1"}), 0);
	snprintf(ex, sizeof ex, "EXPLAIN QUERY PLAN %s", sql);
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, ex, -1, &st, NULL), SQLITE_OK);
	char *out = calloc(1, 4096);
	while (sqlite3_step(st) == SQLITE_ROW) {
		strncat(out, (const char *)sqlite3_column_text(st, 3), 4096 - strlen(out) - 2);
		strcat(out, ";");
	}
	sqlite3_finalize(st);
	sqlite3_close(db);
	return out;
}

/* A reader's listings use the partial indexes rather than walking every
 * read item: the marks are literals in the query (a bound parameter
 * never matches an index's condition); the unread ones in date order walk
 * items_unread too and sort them (schema 11 dropped their own index). */
static void test_reader_listings_use_indexes(void **state)
{
	struct tdb t;
	tdb_open(&t);
	store_close(t.s);
	t.s = NULL;
	static const struct {
		unsigned shape;
		const char *index;
	} cases[] = {
		{IQ_STATUS, "USING INDEX items_unread (id>?)"},
		{IQ_STATUS | IQ_DESC, "USING INDEX items_unread (id>?)"},
		{IQ_STATUS | IQ_BY_DATE, "USING INDEX items_unread (id>?)"},
		{IQ_STATUS | IQ_BY_DATE | IQ_DESC, "USING INDEX items_unread (id>?)"},
		{IQ_STARRED, "USING INDEX items_starred (id>?)"},
		{IQ_STATUS | IQ_FEEDS, "items_feed_id (feed=? AND id>?)"},
		{IQ_STATUS | IQ_NO_NAME, "USING INDEX items_unread (id>?)"},
		{IQ_STATUS | IQ_NO_NAME | IQ_DESC, "USING INDEX items_unread (id>?)"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		char *plan = items_plan(t.path, cases[i].shape);
		if (!strstr(plan, cases[i].index) ||
		    (!(cases[i].shape & (IQ_FEEDS | IQ_BY_DATE)) && strstr(plan, "TEMP B-TREE")) ||
		    /* Without the feed's name, no join with the feeds. */
		    (cases[i].shape & IQ_NO_NAME && strstr(plan, "SEARCH f ")))
			fail_msg("shape %#x: %s", cases[i].shape, plan);
		free(plan);
	}
	tdb_close(&t);
}

static void test_upgrade_from_v1(void **state)
{
	struct tdb t;
	tdb_dir(&t);
	char path[512];
	const char *data = getenv("FEEDD_TEST_DATA");
	if (data)
		snprintf(path, sizeof path, "%s/store_v1.sql", data);
	else   /* run by hand: next to this file */
		snprintf(path, sizeof path, "%.*s../data/store_v1.sql",
			 (int)(strrchr(__FILE__, '/') + 1 - __FILE__), __FILE__);
	char *sql = read_file(path);
	raw_exec(t.path, sql);
	free(sql);
	char *v = raw_text(t.path, "PRAGMA user_version");
	assert_string_equal(v, "1");
	free(v);

	char *err = NULL;
	assert_int_equal(tdb_reopen(&t, &err), 0);
	struct store *s = t.s;
	/* Migration 3 puts the search watermark past the items migration 2
	 * indexed: nothing to catch up, nothing indexed twice. */
	char *upto = raw_text(t.path, "SELECT value FROM store_meta WHERE key = 'fts_upto'");
	assert_string_equal(upto, "3");
	free(upto);
	/* Old items are searchable: migration 2 indexed them. */
	struct item_query q = {.since = DATE_NONE, .limit = 10, .q = "volcanoes"};
	json_t *items = NULL;
	int64_t next;
	assert_int_equal(store_items(s, &q, &items, &next), 0);
	assert_int_equal(json_array_size(items), 1);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(items, 0), "id")), 3);
	/* Migration 5: an item with only an updated date is dated by it. */
	assert_string_equal(jstr(json_array_get(items, 0), "date"), "2021-11-30T19:20:00Z");
	json_decref(items);
	q.q = "session";
	assert_int_equal(store_items(s, &q, &items, &next), 0);
	assert_int_equal(json_array_size(items), 1);
	json_decref(items);
	/* State, tags, consumers and tombstones came through. */
	struct feed_state st;
	assert_int_equal(store_feed_load(s, "mehr", &st), 0);
	assert_string_equal(st.etag, "\"v1-etag\"");
	assert_int_equal(st.n_items, 2);
	assert_int_equal(st.n_requests, 3);
	feed_state_clear(&st);
	q = (struct item_query){.since = DATE_NONE, .limit = 10, .tag = "iran"};
	assert_int_equal(store_items(s, &q, &items, &next), 0);
	assert_int_equal(json_array_size(items), 2);
	json_decref(items);
	int pruned = -1;   /* the v1 feed's latest document still protects its items */
	assert_int_equal(store_prune(s, "mehr", time(NULL), 0, 1, 10, &pruned), 0);
	assert_int_equal(pruned, 0);
	int64_t cur;
	assert_int_equal(store_consumer_get(s, "mail", false, false, &cur), 0);
	assert_int_equal(cur, 1);
	struct doc *d = doc_new();
	doc_add(d, "https://en.mehrnews.com/news/0", "https://en.mehrnews.com/news/0", "pruned");
	doc_add(d, "https://en.mehrnews.com/news/3", "https://en.mehrnews.com/news/3", "Fresh news");
	struct store_news news;
	assert_int_equal(commit_doc(s, "mehr", d, &news), 0);
	assert_int_equal(news.nnew, 1);
	assert_int_equal(news.new_ids[0], 4);   /* ids continue, never reused */
	assert_int_equal(news.last_event_seq, 4);
	store_news_clear(&news);
	doc_free(d);
	/* New items are indexed by the triggers. */
	q = (struct item_query){.since = DATE_NONE, .limit = 10, .q = "fresh"};
	assert_int_equal(store_items(s, &q, &items, &next), 0);
	assert_int_equal(json_array_size(items), 1);
	json_decref(items);
	store_close(s);
	t.s = NULL;
	v = raw_text(t.path, "PRAGMA user_version");
	assert_string_equal(v, "16");
	free(v);
	/* A store with rows keeps the hash they were made with: FNV. */
	v = raw_text(t.path, "SELECT value FROM store_meta WHERE key = 'key_hash'");
	assert_string_equal(v, "1");
	free(v);
	assert_rule_check_is_comparisons(t.path);
	char *ok = raw_text(t.path, "PRAGMA integrity_check");
	assert_string_equal(ok, "ok");
	free(ok);
	raw_exec(t.path, "INSERT INTO items_fts(items_fts, rank) VALUES ('integrity-check', 1)");
	tdb_close(&t);
}

static void test_newer_database_refused(void **state)
{
	struct tdb t;
	tdb_open(&t);
	store_close(t.s);
	t.s = NULL;
	raw_exec(t.path, "PRAGMA user_version=99");
	char *err = NULL;
	assert_int_equal(tdb_reopen(&t, &err), -EPROTO);
	assert_null(t.s);
	assert_non_null(err);
	assert_non_null(strstr(err, "newer"));
	assert_non_null(strstr(err, "99"));
	free(err);
	/* Refused, not touched. */
	char *v = raw_text(t.path, "PRAGMA user_version");
	assert_string_equal(v, "99");
	free(v);
	tdb_close(&t);
}

static void test_damaged_file_refused(void **state)
{
	struct tdb t;
	struct store *s = tdb_open(&t);
	struct doc *d = doc_new();
	char g[32], body[512];
	memset(body, 'x', sizeof body - 1);
	body[sizeof body - 1] = '\0';
	for (int i = 0; i < 200; i++) {
		snprintf(g, sizeof g, "item-%d", i);
		struct item *it = doc_add(d, g, NULL, g);
		it->content = strdup(body);
	}
	assert_int_equal(commit_count(s, "f", d, NULL), 200);
	doc_free(d);
	store_close(s);   /* last connection: checkpointed into the main file */
	t.s = NULL;
	struct stat sb;
	assert_int_equal(stat(t.path, &sb), 0);
	assert_true(sb.st_size > 20 * 4096);
	/* Scribble over pages in the middle, as a bad disk would. */
	int fd = open(t.path, O_WRONLY);
	assert_true(fd >= 0);
	char junk[4096];
	for (size_t i = 0; i < sizeof junk; i++)
		junk[i] = (char)(i * 7 + 3);
	for (int page = 3; page < 12; page++)
		assert_int_equal(pwrite(fd, junk, sizeof junk, (off_t)page * 4096), (ssize_t)sizeof junk);
	close(fd);
	char *err = NULL;
	assert_true(tdb_reopen(&t, &err) < 0);
	assert_null(t.s);
	assert_non_null(err);
	assert_non_null(strstr(err, "damaged"));
	assert_non_null(strstr(err, t.path));
	free(err);
	tdb_close(&t);
}

/* The mark a clean close leaves, as store_close writes it. */
static void write_mark(const char *path)
{
	struct stat sb;
	assert_int_equal(stat(path, &sb), 0);
	char m[700];
	snprintf(m, sizeof m, "%s-clean", path);
	FILE *f = fopen(m, "w");
	assert_non_null(f);
	fprintf(f, "%llu %llu %lld %lld.%09ld\n", (unsigned long long)sb.st_dev,
		(unsigned long long)sb.st_ino, (long long)sb.st_size,
		(long long)sb.st_mtim.tv_sec, sb.st_mtim.tv_nsec);
	fclose(f);
}

static bool mark_exists(const char *path)
{
	char m[700];
	snprintf(m, sizeof m, "%s-clean", path);
	return access(m, F_OK) == 0;
}

/* quick_check is skipped only after a clean close of an unchanged file:
 * shown by a file damaged behind the store's back and a mark forged to
 * match it (opens), then the same file without the mark (refused). */
static void test_quick_check_only_after_unclean_close(void **state)
{
	struct tdb t;
	struct store *s = tdb_open(&t);
	assert_false(mark_exists(t.path));
	struct doc *d = doc_new();
	char g[32], body[2048];
	memset(body, 'x', sizeof body - 1);
	body[sizeof body - 1] = '\0';
	for (int i = 0; i < 200; i++) {
		snprintf(g, sizeof g, "item-%d", i);
		struct item *it = doc_add(d, g, NULL, g);
		it->content = strdup(body);
	}
	assert_int_equal(commit_count(s, "f", d, NULL), 200);
	doc_free(d);
	store_close(s);
	t.s = NULL;
	assert_true(mark_exists(t.path));
	/* Open: the mark is taken, so a crash from here means a check. */
	char *err = NULL;
	assert_int_equal(tdb_reopen(&t, &err), 0);
	assert_false(mark_exists(t.path));
	store_close(t.s);
	t.s = NULL;
	assert_true(mark_exists(t.path));
	/* Leaf pages of the items table, which an open never reads,
	 * scribbled over (wherever they are for the file's page size). */
	char *v = raw_text(t.path, "PRAGMA page_size");
	long psize = atol(v);
	free(v);
	char junk[65536];
	assert_true(psize >= 512 && psize <= (long)sizeof junk);
	for (size_t i = 0; i < sizeof junk; i++)
		junk[i] = (char)(i * 7 + 3);
	char *pages = raw_text(t.path, "SELECT group_concat(pageno) FROM (SELECT pageno FROM dbstat"
			       " WHERE name = 'items' AND pagetype = 'leaf' ORDER BY pageno"
			       " LIMIT 6 OFFSET 4)");
	int fd = open(t.path, O_WRONLY);
	assert_true(fd >= 0);
	int n = 0;
	for (char *p = pages, *e; *p; p = *e ? e + 1 : e, n++) {
		long pg = strtol(p, &e, 10);
		assert_true(pg > 1);
		assert_int_equal(pwrite(fd, junk, (size_t)psize, (off_t)(pg - 1) * psize), psize);
	}
	assert_int_equal(n, 6);
	free(pages);
	close(fd);
	write_mark(t.path);
	assert_int_equal(tdb_reopen(&t, &err), 0);   /* trusted the mark */
	store_close(t.s);
	t.s = NULL;
	char m[700];
	snprintf(m, sizeof m, "%s-clean", t.path);
	unlink(m);
	assert_true(tdb_reopen(&t, &err) < 0);
	assert_non_null(err);
	assert_non_null(strstr(err, "damaged"));
	free(err);
	tdb_close(&t);
}

/* The upkeep expires events older than 30 days, oldest first; the rest
 * and the items stay. */
static void test_old_events_expire(void **state)
{
	struct tdb t;
	struct store *s = tdb_open(&t);
	struct doc *d = doc_new();
	for (int i = 0; i < 5; i++) {
		char g[16];
		snprintf(g, sizeof g, "e%d", i);
		doc_add(d, g, NULL, g);
	}
	assert_int_equal(commit_count(s, "f", d, NULL), 5);
	doc_free(d);
	/* Events 1-3 happened long ago. */
	raw_exec(t.path, "UPDATE events SET time = 1000 WHERE seq <= 3");
	assert_int_equal(store_checkpoint(s), 0);
	json_t *ev = NULL;
	int64_t next = 0;
	assert_int_equal(store_events(s, 0, 100, &ev, &next), 0);
	assert_int_equal(json_array_size(ev), 2);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(ev, 0), "seq")), 4);
	json_decref(ev);
	json_t *items = all_items(s, "f");
	assert_int_equal(json_array_size(items), 5);
	json_decref(items);
	/* Seqs are never reused: the next event continues after 5. */
	int64_t last_event = 0;
	assert_int_equal(store_last_ids(s, NULL, &last_event), 0);
	assert_int_equal(last_event, 5);
	tdb_close(&t);
}

static void test_foreign_file_refused(void **state)
{
	struct tdb t;
	tdb_dir(&t);
	FILE *f = fopen(t.path, "w");
	assert_non_null(f);
	for (int i = 0; i < 200; i++)
		fputs("this is not a database, it is a text file\n", f);
	fclose(f);
	char *err = NULL;
	assert_true(tdb_reopen(&t, &err) < 0);
	assert_non_null(err);
	assert_non_null(strstr(err, "not a feedd database"));
	free(err);
	tdb_close(&t);
}

/* Every statement of the backend prepares against the schema: they are
 * prepared at their first use, not at open, so this is where a bad text
 * shows before a rare path meets it. */
static void test_every_statement_prepares(void **state)
{
	(void)state;
	struct tdb t;
	struct store *s = tdb_open(&t);
	void *b;
	const struct store_ops *ops = store_ops_of(s, &b);
	assert_string_equal(ops->name, "sqlite");
	char *err = NULL;
	int r = sqlite_store_prepare_all(b, &err);
	if (r < 0)
		fail_msg("%s", err);
	tdb_close(&t);
}

static int count_row(const struct item_row *row, void *ud)
{
	(void)row;
	++*(int *)ud;
	return 0;
}

/* The close finalizes every items query shape the connection keeps (a
 * few, or IQ_KEPT once more shapes than that were asked and the oldest
 * made room): a statement left would make sqlite3_close fail, and then
 * the clean-close mark is not left. */
static void test_item_query_shapes_finalized(void **state)
{
	(void)state;
	for (int many = 0; many < 2; many++) {
		struct tdb t;
		struct store *s = tdb_open(&t);
		struct doc *d = doc_new();
		doc_add(d, "g1", NULL, "one");
		assert_int_equal(commit_count(s, "f", d, NULL), 1);
		doc_free(d);
		void *b;
		store_ops_of(s, &b);
		struct sqlite_store *ss = b;
		int rows = 0;
		for (unsigned k = 0; k < (many ? 512u : 6u); k++) {
			struct items_args a = {
				.after = 0, .limit = 10,
				.desc = k & 1, .before = k & 2 ? 1000 : 0,
				.since = k & 4 ? 1 : DATE_NONE, .distinct = k & 8,
				.skipped = k & 16, .starred = k & 32, .by_date = k & 64,
				.no_feed_name = k & 128, .status = (int)(k >> 8) % 3,
			};
			assert_int_equal(sqlite_items_rows(b, &a, count_row, &rows), 0);
		}
		assert_true(rows > 0);
		if (many)
			assert_true(ss->niq == IQ_KEPT && ss->iq_next > 0);
		else
			assert_true(ss->niq > 0 && ss->niq < IQ_KEPT);
		store_close(s);
		t.s = NULL;
		assert_true(mark_exists(t.path));
		tdb_close(&t);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fresh_store_is_wal_and_current),
		cmocka_unit_test(test_reader_listings_use_indexes),
		cmocka_unit_test(test_upgrade_from_v1),
		cmocka_unit_test(test_newer_database_refused),
		cmocka_unit_test(test_damaged_file_refused),
		cmocka_unit_test(test_old_events_expire),
		cmocka_unit_test(test_quick_check_only_after_unclean_close),
		cmocka_unit_test(test_foreign_file_refused),
		cmocka_unit_test(test_every_statement_prepares),
		cmocka_unit_test(test_item_query_shapes_finalized),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
