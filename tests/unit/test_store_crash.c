/* test_store_crash.c — a process killed at any instant loses nothing it
 * committed and leaves no half-stored document: a child stores documents in
 * a loop and reports each commit through a pipe; the parent SIGKILLs it at
 * random moments, 100 times, then checks the file. */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <sqlite3.h>
#include <sys/wait.h>

#include "store_fixture.h"

#define ROUNDS 100
#define ITEMS_PER_DOC 10
#define NFEEDS 7

/* Document K: ITEMS_PER_DOC new items for feed "f<K % NFEEDS>"; the feed's
 * request counter is K + 1, so state and items can be checked together. */
static void child_run(const char *path, int64_t k, int wfd)
{
	struct store *s = NULL;
	char *err = NULL;
	if (store_open(path, NULL, &s, &err) < 0)
		_exit(3);
	int64_t ready = -1;   /* opened: the parent starts its clock */
	if (write(wfd, &ready, sizeof ready) != (ssize_t)sizeof ready)
		_exit(5);
	char body[300];
	memset(body, 'z', sizeof body - 1);
	body[sizeof body - 1] = '\0';
	for (;; k++) {
		struct doc *d = doc_new();
		char g[64], u[64], feed[16];
		for (int j = 0; j < ITEMS_PER_DOC; j++) {
			snprintf(g, sizeof g, "d%lld-%d", (long long)k, j);
			snprintf(u, sizeof u, "https://ex.com/%lld/%d", (long long)k, j);
			struct item *it = doc_add(d, g, u, g);
			it->content = strdup(body);
		}
		snprintf(feed, sizeof feed, "f%lld", (long long)(k % NFEEDS));
		struct feed_state st = {.name = feed, .url = "https://ex.com/rss",
					.n_requests = k + 1, .last_status = 200};
		if (store_commit_fetch(s, &st, d, 0, true, NULL) < 0)
			_exit(4);
		doc_free(d);
		/* Now and then the upkeep's indexing batch, so that kills also
		 * land while the full-text index catches up. */
		if (k % 3 == 0 && store_checkpoint(s) < 0)
			_exit(6);
		if (write(wfd, &k, sizeof k) != (ssize_t)sizeof k)
			_exit(5);
	}
}

static int64_t query_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st = NULL;
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	int64_t v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

static void test_sigkill_loses_nothing(void **state)
{
	struct tdb t;
	tdb_dir(&t);
	unsigned seed = (unsigned)time(NULL);
	if (getenv("FEEDD_CRASH_SEED"))
		seed = (unsigned)atoi(getenv("FEEDD_CRASH_SEED"));
	print_message("crash test seed %u (FEEDD_CRASH_SEED)\n", seed);
	srand(seed);
	/* Sanitizers make each commit several times slower: give them longer. */
	const char *san = getenv("FEEDD_SANITIZE");
	unsigned scale = san && strcmp(san, "1") == 0 ? 2 : 1;
	size_t cap = 1 << 16;
	bool *reported = calloc(cap, sizeof *reported);
	int64_t next_k = 0, nreported = 0;
	for (int round = 0; round < ROUNDS; round++) {
		int p[2];
		assert_int_equal(pipe(p), 0);
		pid_t pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			close(p[0]);
			child_run(t.path, next_k, p[1]);
		}
		close(p[1]);
		/* Mostly mid-stream, counted from when the store is open (a slow,
		 * sanitized or busy machine still commits something); one round
		 * in four anywhere, opening and migrating included. */
		bool early = rand() % 4 == 0;
		useconds_t delay = early ? (useconds_t)(rand() % 2000)
					 : (useconds_t)(rand() % 50000) * scale;
		int64_t k;
		if (!early && read(p[0], &k, sizeof k) != (ssize_t)sizeof k)
			fail_msg("child died before opening the store");
		usleep(delay);
		kill(pid, SIGKILL);
		int status = 0;
		assert_int_equal(waitpid(pid, &status, 0), pid);
		/* Killed by us, never failed on its own. */
		assert_true(WIFSIGNALED(status) || WEXITSTATUS(status) == 0);
		while (read(p[0], &k, sizeof k) == (ssize_t)sizeof k) {
			if (k < 0)
				continue;   /* the ready mark */
			assert_true((size_t)k < cap);
			reported[k] = true;
			nreported++;
			if (k >= next_k)
				next_k = k + 1;
		}
		close(p[0]);
	}
	print_message("%lld documents reported committed\n", (long long)nreported);
	assert_true(nreported > 0);

	/* The store still opens (recovery) ... */
	char *err = NULL;
	assert_int_equal(tdb_reopen(&t, &err), 0);
	/* ... a search indexes what the index had not caught up with ... */
	struct item_query q = {.since = DATE_NONE, .limit = 1, .q = "zzz"};
	json_t *found = NULL;
	int64_t next = 0;
	assert_int_equal(store_items(t.s, &q, &found, &next), 0);
	json_decref(found);
	store_close(t.s);
	t.s = NULL;
	sqlite3 *db = NULL;
	assert_int_equal(sqlite3_open(t.path, &db), SQLITE_OK);
	sqlite3_stmt *st = NULL;
	assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(st, 0), "ok");
	sqlite3_finalize(st);
	/* ... no item twice, one item.new event and one hook job per item ... */
	int64_t nitems = query_int(db, "SELECT count(*) FROM items");
	assert_int_equal(query_int(db, "SELECT count(DISTINCT guid) FROM items"), nitems);
	assert_int_equal(query_int(db, "SELECT count(*) FROM events WHERE type = 'item.new'"), nitems);
	assert_int_equal(query_int(db, "SELECT count(*) FROM hook_deliveries"), nitems);
	assert_int_equal(query_int(db, "SELECT count(*) FROM items_fts WHERE items_fts MATCH 'd0'") > 0 ||
			 nitems == 0, 1);
	/* ... the full-text index agrees with the items ... */
	assert_int_equal(sqlite3_exec(db, "INSERT INTO items_fts(items_fts, rank)"
				      " VALUES ('integrity-check', 1)", NULL, NULL, NULL), SQLITE_OK);
	/* ... every document whole or absent, every reported one present ... */
	bool *present = calloc(cap, sizeof *present);
	assert_int_equal(sqlite3_prepare_v2(db,
		"SELECT CAST(substr(guid, 2, instr(guid, '-') - 2) AS INTEGER), count(*)"
		" FROM items GROUP BY 1", -1, &st, NULL), SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW) {
		int64_t k = sqlite3_column_int64(st, 0);
		assert_int_equal(sqlite3_column_int(st, 1), ITEMS_PER_DOC);
		assert_true(k >= 0 && (size_t)k < cap);
		present[k] = true;
	}
	sqlite3_finalize(st);
	for (size_t k = 0; k < cap; k++)
		if (reported[k] && !present[k])
			fail_msg("document %zu was reported committed but is missing", k);
	/* ... and each feed's state is from its newest stored document. */
	assert_int_equal(sqlite3_prepare_v2(db,
		"SELECT f.n_requests - 1, (SELECT max(CAST(substr(guid, 2, instr(guid, '-') - 2)"
		" AS INTEGER)) FROM items WHERE feed = f.id) FROM feeds f", -1, &st, NULL), SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW)
		assert_int_equal(sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 1));
	sqlite3_finalize(st);
	sqlite3_close(db);
	free(present);
	free(reported);
	tdb_close(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sigkill_loses_nothing),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
