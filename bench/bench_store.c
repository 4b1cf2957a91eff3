/* bench_store.c — store throughput: inserts in per-document transactions,
 * bytes per item on disk, a dedup pass over a known document, the
 * latency of "100 items after id N", and the hooks' look for due
 * deliveries behind a backlog. Prints figures; asserts nothing.
 *
 * Usage: [FEEDD_BENCH_STORE=postgresql://…] bench_store [DIR] [FEEDS] [ITEMS_PER_FEED]
 *   FEEDD_BENCH_PAGE_SIZE=N makes the SQLite file with N-byte pages
 *   instead of the store's own choice (to compare page sizes);
 *   DIR defaults to a fresh directory under $TMPDIR (removed afterwards);
 *   1,000,000 items = 10,000 feeds x 100 items, one document per feed. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "core/item.h"
#include "store/store.h"

#ifdef FEEDD_HAVE_PG
#include <libpq-fe.h>
#endif

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* CPU seconds of this process: a fairer figure on a shared machine. */
static double cpu_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* CPU seconds of the calling thread alone (the committing one). */
static double thread_cpu_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Seconds this thread has spent runnable but not running: the CPU taken
 * by other processes (Linux schedstat; 0 where it is missing). */
static double run_delay_s(void)
{
	FILE *f = fopen("/proc/thread-self/schedstat", "r");
	unsigned long long run = 0, wait = 0;
	if (f) {
		if (fscanf(f, "%llu %llu", &run, &wait) != 2)
			wait = 0;
		fclose(f);
	}
	return (double)wait / 1e9;
}

/* Bytes this process has handed to write system calls (/proc/self/io). */
static long long bytes_written(void)
{
	FILE *f = fopen("/proc/self/io", "r");
	char line[128];
	long long v = 0;
	while (f && fgets(line, sizeof line, f))
		if (sscanf(line, "wchar: %lld", &v) == 1)
			break;
	if (f)
		fclose(f);
	return v;
}

/* The database server's side of a PostgreSQL store, when the server runs
 * on this machine: the CPU time of the store's server processes, which the
 * bench's own CPU time does not include. */
static int srv_pid[8];
static int nsrv;

static void server_find(const char *uri)
{
#ifdef FEEDD_HAVE_PG
	PGconn *c = PQconnectdb(uri);
	if (PQstatus(c) == CONNECTION_OK) {
		PGresult *r = PQexec(c, "SELECT pid FROM pg_stat_activity WHERE datname ="
				     " current_database() AND pid <> pg_backend_pid()"
				     " AND backend_type = 'client backend'");
		for (int i = 0; PQresultStatus(r) == PGRES_TUPLES_OK && i < PQntuples(r) &&
				nsrv < 8; i++)
			srv_pid[nsrv++] = atoi(PQgetvalue(r, i, 0));
		PQclear(r);
	}
	PQfinish(c);
#else
	(void)uri;
#endif
}

/* Their user+system CPU seconds so far, or -1 when they cannot be read. */
static double server_cpu_s(void)
{
	double total = -1;
	for (int i = 0; i < nsrv; i++) {
		char path[64], buf[1024];
		snprintf(path, sizeof path, "/proc/%d/stat", srv_pid[i]);
		FILE *f = fopen(path, "r");
		if (!f)
			continue;
		size_t n = fread(buf, 1, sizeof buf - 1, f);
		fclose(f);
		buf[n] = '\0';
		/* Fields 14 and 15 (utime, stime), counted after the command. */
		char *p = strrchr(buf, ')');
		unsigned long long ut, st;
		if (p && sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu",
				&ut, &st) == 2)
			total = (total < 0 ? 0 : total) + (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
	}
	return total;
}

static const char lorem[] =
	"Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod "
	"tempor incididunt ut labore et dolore magna aliqua. Ut enim ad minim veniam, "
	"quis nostrud exercitation ullamco laboris nisi ut aliquip ex ea commodo "
	"consequat. Duis aute irure dolor in reprehenderit in voluptate velit esse.";

/* A document of N items for feed F, items numbered from FIRST. */
static struct doc *make_doc(int f, int first, int n)
{
	struct doc *d = calloc(1, sizeof *d);
	d->items = calloc((size_t)n, sizeof *d->items);
	d->nitems = d->cap = (size_t)n;
	d->feed.updated = DATE_NONE;
	for (int i = 0; i < n; i++) {
		struct item *it = &d->items[i];
		int k = first + i;
		if (asprintf(&it->guid, "https://site%d.example/?p=%d", f, k) < 0 ||
		    asprintf(&it->url, "https://site%d.example/%d/some-article-title-%d", f, k, k) < 0 ||
		    asprintf(&it->title, "Article %d of feed %d: a headline of usual length", k, f) < 0)
			abort();
		it->summary = strdup(lorem);
		it->author = strdup("A. Writer");
		it->published = 1700000000 + (int64_t)k * 3600;
		it->updated = DATE_NONE;
	}
	return d;
}

static int commit(struct store *s, const char *name, const struct doc *d)
{
	struct feed_state st = {.name = (char *)name, .url = (char *)"https://x.example/feed",
				.last_status = 200, .n_requests = 1, .n_200 = 1};
	return store_commit_fetch(s, &st, d, 0, false, NULL);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	char dir[256];
	bool own_dir = argc < 2 || !*argv[1];
	if (own_dir) {
		const char *tmp = getenv("TMPDIR");
		snprintf(dir, sizeof dir, "%s/feedd-bench-XXXXXX", tmp && *tmp ? tmp : "/tmp");
		if (!mkdtemp(dir))
			return perror("mkdtemp"), 1;
	} else {
		snprintf(dir, sizeof dir, "%s", argv[1]);
	}
	int nfeeds = argc > 2 ? atoi(argv[2]) : 10000;
	int per_feed = argc > 3 ? atoi(argv[3]) : 100;
	char path[300];
	snprintf(path, sizeof path, "%s/bench.db", dir);
	unlink(path);
	/* FEEDD_BENCH_STORE=postgresql://… measures that store instead (an
	 * empty database: the bench does not clear it). */
	const char *spec = getenv("FEEDD_BENCH_STORE");
	if (spec && *spec)
		snprintf(path, sizeof path, "%s", spec);
	const char *page = getenv("FEEDD_BENCH_PAGE_SIZE");
	if (page && *page && !(spec && *spec)) {
		/* The header, written by the journal mode, fixes the size. */
		sqlite3 *db = NULL;
		char sql[64];
		snprintf(sql, sizeof sql, "PRAGMA page_size=%d; PRAGMA journal_mode=WAL;", atoi(page));
		if (sqlite3_open(path, &db) != SQLITE_OK ||
		    sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
			return fprintf(stderr, "bench_store: %s\n", sqlite3_errmsg(db)), 1;
		sqlite3_close(db);
	}
	struct store *s = NULL;
	char *err = NULL;
	if (store_open(path, NULL, &s, &err) < 0) {
		fprintf(stderr, "bench_store: %s\n", err);
		return 1;
	}
	if (spec && *spec)
		server_find(spec);

	/* 1. Inserts: one document per feed, one transaction per document. */
	double t_build = 0, t_store = 0, c_build = 0, c_start = cpu_s(), sv_start = server_cpu_s();
	double w_start = now_s(), tc_start = thread_cpu_s(), rd_start = run_delay_s();
	long long wb_start = bytes_written();
	char name[32];
	for (int f = 0; f < nfeeds; f++) {
		double a = now_s(), ca = cpu_s();
		struct doc *d = make_doc(f, 0, per_feed);
		double b = now_s();
		c_build += cpu_s() - ca;
		snprintf(name, sizeof name, "feed%05d", f);
		if (commit(s, name, d) < 0)
			return fprintf(stderr, "commit failed\n"), 1;
		t_store += now_s() - b;
		t_build += b - a;
		doc_free(d);
	}
	int64_t total = (int64_t)nfeeds * per_feed;
	double c_store = cpu_s() - c_start - c_build;
	double tc_store = thread_cpu_s() - tc_start - c_build;
	double rd = run_delay_s() - rd_start;
	double blocked = now_s() - w_start - (thread_cpu_s() - tc_start) - rd;
	long long wb = bytes_written() - wb_start;
	printf("insert: %lld items in %d documents of %d: %.2f s, %.0f items/s"
	       " (%.2f ms per document; building the documents took %.2f s more)\n",
	       (long long)total, nfeeds, per_feed, t_store, (double)total / t_store,
	       t_store * 1000 / nfeeds, t_build);
	printf("insert: %.2f CPU s, %.0f items per CPU second (the rate if the disk never made it wait)\n",
	       c_store, (double)total / c_store);
	printf("insert: %.2f CPU s in the committing thread (%.0f items per CPU second),"
	       " %.2f CPU s in the store's other threads (checkpoints)\n",
	       tc_store, (double)total / tc_store, c_store - tc_store);
	printf("insert: the committing thread waited %.2f s for a CPU (other processes) and"
	       " %.2f s blocked (disk, locks): %.0f items/s had no other process run"
	       " (its CPU time plus the blocked time)\n",
	       rd, blocked, (double)total / (tc_store + blocked));
	printf("insert: %.0f bytes written per item (WAL and checkpoints, system calls)\n",
	       (double)wb / (double)total);
	if (sv_start >= 0) {
		double sv = server_cpu_s() - sv_start;
		printf("insert: the database server's process: %.2f CPU s (%.0f us per item);"
		       " with the bench's: %.0f items per CPU second\n",
		       sv, sv * 1e6 / (double)total, (double)total / (c_store + sv));
	}

	/* The upkeep: SQLite indexes the new items for search here, after
	 * their documents' transactions (store/sqlite/sqlite_fts.c). */
	double a0 = now_s(), c0 = cpu_s();
	store_checkpoint(s);
	printf("upkeep: search index and checkpoint after the inserts: %.2f s, %.2f CPU s"
	       " (%.0f items per CPU second)\n", now_s() - a0, cpu_s() - c0,
	       (double)total / (cpu_s() - c0));
	struct store_figures fig;
	store_figures(s, &fig);
	printf("disk: %lld bytes file + %lld bytes WAL = %.0f bytes per item, %.0f in the file"
	       " (title ~50 B, summary %zu B, guid+link ~90 B, FTS index included)\n",
	       (long long)fig.file_bytes, (long long)fig.wal_bytes,
	       (double)(fig.file_bytes + fig.wal_bytes) / (double)fig.items,
	       (double)fig.file_bytes / (double)fig.items, strlen(lorem));

	/* 2. Dedup pass: a 200-item document whose items are all known. */
	struct doc *known = make_doc(nfeeds, 0, 200);
	commit(s, "known200", known);
	enum { REPS = 200 };
	double times[REPS], kc0 = cpu_s(), ks0 = server_cpu_s();
	for (int r = 0; r < REPS; r++) {
		double a = now_s();
		struct store_news news;
		struct feed_state st = {.name = (char *)"known200", .last_status = 200};
		if (store_commit_fetch(s, &st, known, 0, false, &news) < 0 || news.nnew || news.nupdated)
			return fprintf(stderr, "dedup pass found news\n"), 1;
		store_news_clear(&news);
		times[r] = (now_s() - a) * 1000;
	}
	qsort(times, REPS, sizeof *times, cmp_double);
	double kc = cpu_s() - kc0, ks = ks0 >= 0 ? server_cpu_s() - ks0 : -1;
	printf("dedup: known 200-item document, whole commit: median %.3f ms, max %.3f ms"
	       " (%d passes); CPU per pass: %.3f ms here", times[REPS / 2], times[REPS - 1], REPS,
	       kc * 1000 / REPS);
	if (ks >= 0)
		printf(", %.3f ms in the database server", ks * 1000 / REPS);
	printf("\n");
	doc_free(known);

	/* 2b. A feed polled as usual: each pass, the 200-item document has
	 * moved on by 5 entries (5 new items, 195 known). */
	enum { MOVES = 100, STEP = 5 };
	double mv[MOVES], mc0 = cpu_s(), ms0 = server_cpu_s();
	for (int r = 0; r < MOVES; r++) {
		struct doc *d = make_doc(nfeeds, STEP * (r + 1), 200);
		double a = now_s();
		struct store_news news;
		struct feed_state st = {.name = (char *)"known200", .last_status = 200};
		if (store_commit_fetch(s, &st, d, 0, false, &news) < 0 || news.nnew != STEP)
			return fprintf(stderr, "moved document: wrong news\n"), 1;
		store_news_clear(&news);
		mv[r] = (now_s() - a) * 1000;
		doc_free(d);
	}
	double mc = cpu_s() - mc0, ms = ms0 >= 0 ? server_cpu_s() - ms0 : -1;
	qsort(mv, MOVES, sizeof *mv, cmp_double);
	printf("dedup: 200-item document with %d new items, whole commit: median %.3f ms, max %.3f ms"
	       " (%d passes); CPU per pass: %.3f ms here", STEP, mv[MOVES / 2], mv[MOVES - 1],
	       MOVES, mc * 1000 / MOVES);
	if (ms >= 0)
		printf(", %.3f ms in the database server", ms * 1000 / MOVES);
	printf("\n");

	/* 2c. Edits: each pass, 20 more items of a 200-item document have a
	 * new title (their links as they were: the common edit), or a new
	 * link too (which moves their canonical link). Another feed has the
	 * same links, so that the items are duplicates. */
	enum { EDITS = 100, NEDIT = 20 };
	struct doc *cross = make_doc(nfeeds + 1, 0, 200);
	commit(s, "edit200-copy", cross);
	doc_free(cross);
	for (int relink = 0; relink < 2; relink++) {
		const char *feed = relink ? "relink200" : "edit200";
		struct doc *d = make_doc(nfeeds + 1, 0, 200);
		commit(s, feed, d);
		double ed[EDITS], ec0 = cpu_s(), es0 = server_cpu_s();
		for (int r = 0; r < EDITS; r++) {
			for (int k = 0; k < NEDIT; k++) {
				struct item *it = &d->items[(r * NEDIT + k) % 200];
				free(it->title);
				free(relink ? it->url : NULL);
				if (asprintf(&it->title, "Edited headline, pass %d", r) < 0 ||
				    (relink && asprintf(&it->url, "https://moved.example/%d/%d", r, k) < 0))
					abort();
			}
			double a = now_s();
			struct store_news news;
			struct feed_state st = {.name = (char *)feed, .last_status = 200};
			if (store_commit_fetch(s, &st, d, 0, false, &news) < 0 || news.nnew ||
			    news.nupdated != NEDIT)
				return fprintf(stderr, "edited document: wrong news\n"), 1;
			store_news_clear(&news);
			ed[r] = (now_s() - a) * 1000;
		}
		doc_free(d);
		double ec = cpu_s() - ec0, es = es0 >= 0 ? server_cpu_s() - es0 : -1;
		qsort(ed, EDITS, sizeof *ed, cmp_double);
		printf("edit: 200-item document with %d items %s, whole commit: median %.3f ms,"
		       " max %.3f ms (%d passes); CPU per pass: %.3f ms here", NEDIT,
		       relink ? "retitled and relinked" : "retitled (links unchanged)", ed[EDITS / 2],
		       ed[EDITS - 1], EDITS, ec * 1000 / EDITS);
		if (es >= 0)
			printf(", %.3f ms in the database server", es * 1000 / EDITS);
		printf("\n");
	}

	/* 3. "100 items after id N" on the full store, as JSON. */
	enum { QUERIES = 1000 };
	double *lat = calloc(QUERIES, sizeof *lat);
	srand(42);
	for (int i = 0; i < QUERIES; i++) {
		struct item_query q = {.after = rand() % (total > 100 ? total - 100 : 1),
				       .since = DATE_NONE, .limit = 100};
		json_t *items = NULL;
		int64_t next;
		double a = now_s();
		if (store_items(s, &q, &items, &next) < 0 || json_array_size(items) != 100)
			return fprintf(stderr, "query failed\n"), 1;
		lat[i] = (now_s() - a) * 1000;
		json_decref(items);
	}
	qsort(lat, QUERIES, sizeof *lat, cmp_double);
	printf("query: 100 items after a random id (JSON built): median %.3f ms,"
	       " p99 %.3f ms (%d queries)\n", lat[QUERIES / 2], lat[QUERIES * 99 / 100], QUERIES);
	free(lat);

	/* 4. The hooks' due look with a backlog, as after a cold refresh with
	 * an exec hook: HFEEDS feeds of HITEMS new items, each awaiting its
	 * hook; then, DUES times, a look for the 4 next deliveries (one per
	 * feed, each feed's oldest) and their results, as the hook runner
	 * does with exec_jobs = 4. */
	enum { HFEEDS = 1000, HITEMS = 20, DUES = 200 };
	for (int f = 0; f < HFEEDS; f++) {
		char hname[32];
		snprintf(hname, sizeof hname, "hook%04d", f);
		struct doc *d = make_doc(nfeeds + 1 + f, 0, HITEMS);
		struct feed_state st = {.name = hname, .url = (char *)"https://x.example/feed",
					.last_status = 200};
		int r = store_commit_fetch(s, &st, d, 0, true, NULL);
		doc_free(d);
		if (r < 0)
			return fprintf(stderr, "hook backlog: commit failed\n"), 1;
	}
	double due[DUES], dc0 = cpu_s();
	int64_t now = (int64_t)time(NULL);
	for (int r = 0; r < DUES; r++) {
		struct hook_job *jobs = NULL;
		size_t n = 0;
		double a = now_s();
		if (store_hook_due(s, now, 4, &jobs, &n) < 0 || n != 4)
			return fprintf(stderr, "hook backlog: due look failed\n"), 1;
		due[r] = (now_s() - a) * 1000;
		for (size_t i = 0; i < n; i++)
			store_hook_result(s, jobs[i].item_id, true, 0, NULL);
		store_hook_jobs_free(jobs, n);
	}
	qsort(due, DUES, sizeof *due, cmp_double);
	printf("hooks: due look for 4 of %d pending deliveries (%d feeds): median %.3f ms,"
	       " p99 %.3f ms; CPU per look and its 4 results: %.3f ms\n", HFEEDS * HITEMS,
	       HFEEDS, due[DUES / 2], due[DUES * 99 / 100], (cpu_s() - dc0) * 1000 / DUES);

	store_close(s);
	/* Opening after a clean close trusts the file; after a crash (no
	 * clean-close mark) it runs quick_check over the whole file. */
	const char *how[2] = {"after a clean close", "after a crash (quick_check)"};
	for (int k = 0; k < 2; k++) {
		if (k == 1 && !(spec && *spec)) {
			char mark[320];
			snprintf(mark, sizeof mark, "%s-clean", path);
			unlink(mark);
		}
		double a = now_s();
		if (store_open(path, NULL, &s, &err) < 0) {
			fprintf(stderr, "bench_store: reopen: %s\n", err);
			return 1;
		}
		printf("open: %.2f s to open the %lld-byte store %s\n",
		       now_s() - a, (long long)fig.file_bytes, how[k]);
		store_close(s);
	}
	if (own_dir) {
		char p[400];
		const char *sfx[] = {"", "-wal", "-shm", "-clean"};
		for (int i = 0; i < 4; i++) {
			snprintf(p, sizeof p, "%s%s", path, sfx[i]);
			unlink(p);
		}
		rmdir(dir);
	}
	return 0;
}
