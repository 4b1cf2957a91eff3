/* store_fixture.h — what the store tests share: a store in a fresh temporary
 * directory, and documents built by hand (the parser's job in the daemon). */
#ifndef FEEDD_TEST_STORE_FIXTURE_H
#define FEEDD_TEST_STORE_FIXTURE_H

#include <dirent.h>
#include <stdbool.h>
#include <sys/stat.h>
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

struct tdb {
	char dir[256];
	char path[600];          /* the store spec: a file, or a postgresql:// URI */
	char pgdb[64];           /* the test's own database, when on PostgreSQL */
	struct store *s;
};

#ifdef FEEDD_HAVE_PG
/* One statement on the PostgreSQL of FEEDD_TEST_STORE (its admin database).
 * A test's database left by a failed assertion goes with the cluster. */
static inline void tdb_pg_admin(const char *sql)
{
	PGconn *c = PQconnectdb(getenv("FEEDD_TEST_STORE"));
	PGresult *r = PQstatus(c) == CONNECTION_OK ? PQexec(c, sql) : NULL;
	if (PQresultStatus(r) != PGRES_COMMAND_OK) {
		fprintf(stderr, "%s: %s\n", sql, PQerrorMessage(c));
		abort();
	}
	PQclear(r);
	PQfinish(c);
}
#endif

static inline void tdb_rm(const char *dir)
{
	DIR *d = opendir(dir);
	if (d) {
		struct dirent *e;
		char p[600];
		while ((e = readdir(d))) {
			if (e->d_name[0] == '.')
				continue;
			snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
			unlink(p);
		}
		closedir(d);
	}
	rmdir(dir);
}

/* Directories not yet removed: a failed assertion jumps past tdb_close, so
 * whatever is left goes at exit. */
static char tdb_left[64][256];

static void tdb_atexit(void)
{
	for (size_t i = 0; i < 64; i++)
		if (tdb_left[i][0])
			tdb_rm(tdb_left[i]);
}

static inline void tdb_track(const char *dir, bool add)
{
	static bool registered;
	if (!registered) {
		atexit(tdb_atexit);
		registered = true;
	}
	for (size_t i = 0; i < 64; i++) {
		if (add && !tdb_left[i][0]) {
			snprintf(tdb_left[i], sizeof tdb_left[i], "%s", dir);
			return;
		}
		if (!add && strcmp(tdb_left[i], dir) == 0) {
			tdb_left[i][0] = '\0';
			return;
		}
	}
}

/* Creates the directory (the store file is DIR/feedd.db, not yet opened).
 * With FEEDD_TEST_STORE set to a postgresql:// URI (tests/CMakeLists.txt
 * does, for the pg.* tests), the store is a fresh database on that server
 * instead: the same test source runs against both backends. */
static inline void tdb_dir(struct tdb *t)
{
	const char *tmp = getenv("TMPDIR");
	snprintf(t->dir, sizeof t->dir, "%s/feedd-store-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(t->dir)) {
		perror("mkdtemp");
		abort();
	}
	snprintf(t->path, sizeof t->path, "%s/feedd.db", t->dir);
	t->pgdb[0] = '\0';
	t->s = NULL;
	tdb_track(t->dir, true);
	const char *pg = getenv("FEEDD_TEST_STORE");
	if (pg && strncmp(pg, "postgresql://", 13) == 0) {
#ifdef FEEDD_HAVE_PG
		static unsigned seq;
		snprintf(t->pgdb, sizeof t->pgdb, "feedd_test_%ld_%u", (long)getpid(), seq++);
		char sql[128];
		snprintf(sql, sizeof sql, "CREATE DATABASE %s", t->pgdb);
		tdb_pg_admin(sql);
		snprintf(t->path, sizeof t->path, "%s%cdbname=%s", pg,
			 strchr(pg, '?') ? '&' : '?', t->pgdb);
#else
		fprintf(stderr, "FEEDD_TEST_STORE: built without PostgreSQL\n");
		abort();
#endif
	}
}

static inline int tdb_reopen(struct tdb *t, char **err)
{
	if (t->s)
		store_close(t->s);
	t->s = NULL;
	return store_open(t->path, NULL, &t->s, err);
}

static inline struct store *tdb_open(struct tdb *t)
{
	tdb_dir(t);
	char *err = NULL;
	if (tdb_reopen(t, &err) < 0) {
		fprintf(stderr, "store_open: %s\n", err ? err : "?");
		abort();
	}
	return t->s;
}

/* Runs SQL on the test's store behind the store's back (a store written by
 * an older version, say): 0 or -1. */
static inline int tdb_exec(const struct tdb *t, const char *sql)
{
#ifdef FEEDD_HAVE_PG
	if (t->pgdb[0]) {
		PGconn *c = PQconnectdb(t->path);
		PGresult *r = PQstatus(c) == CONNECTION_OK ? PQexec(c, sql) : NULL;
		int ok = r && PQresultStatus(r) == PGRES_COMMAND_OK;
		if (!ok)
			fprintf(stderr, "tdb_exec: %s\n", PQerrorMessage(c));
		PQclear(r);
		PQfinish(c);
		return ok ? 0 : -1;
	}
#endif
	sqlite3 *db = NULL;
	int rc = sqlite3_open_v2(t->path, &db, SQLITE_OPEN_READWRITE, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_busy_timeout(db, 5000);
		rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
	}
	if (rc != SQLITE_OK)
		fprintf(stderr, "tdb_exec: %s\n", sqlite3_errmsg(db));
	sqlite3_close(db);
	return rc == SQLITE_OK ? 0 : -1;
}

/* The first column of the first row SQL gives on the test's store, behind
 * the store's back (heap, the caller frees), or NULL when no row or NULL. */
static inline char *tdb_text(const struct tdb *t, const char *sql)
{
	char *out = NULL;
#ifdef FEEDD_HAVE_PG
	if (t->pgdb[0]) {
		PGconn *c = PQconnectdb(t->path);
		PGresult *r = PQstatus(c) == CONNECTION_OK ? PQexec(c, sql) : NULL;
		if (r && PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) > 0 &&
		    !PQgetisnull(r, 0, 0))
			out = strdup(PQgetvalue(r, 0, 0));
		PQclear(r);
		PQfinish(c);
		return out;
	}
#endif
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	if (sqlite3_open_v2(t->path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
	    sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
		out = strdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	sqlite3_close(db);
	return out;
}

/* Closes the store and removes the directory with everything in it. */
static inline void tdb_close(struct tdb *t)
{
	if (t->s)
		store_close(t->s);
	t->s = NULL;
	tdb_rm(t->dir);
	tdb_track(t->dir, false);
#ifdef FEEDD_HAVE_PG
	if (t->pgdb[0]) {
		char sql[128];
		snprintf(sql, sizeof sql, "DROP DATABASE %s WITH (FORCE)", t->pgdb);
		tdb_pg_admin(sql);
	}
#endif
}

static inline char *xdup(const char *s)
{
	return s ? strdup(s) : NULL;
}

static inline struct doc *doc_new(void)
{
	struct doc *d = calloc(1, sizeof *d);
	d->feed.updated = DATE_NONE;
	return d;
}

static inline struct item *doc_add(struct doc *d, const char *guid, const char *url,
				   const char *title)
{
	if (d->nitems == d->cap) {
		d->cap = d->cap ? d->cap * 2 : 8;
		d->items = realloc(d->items, d->cap * sizeof *d->items);
	}
	struct item *it = &d->items[d->nitems++];
	memset(it, 0, sizeof *it);
	it->guid = xdup(guid);
	it->url = xdup(url);
	it->title = xdup(title);
	it->published = it->updated = DATE_NONE;
	return it;
}

static inline void item_set(char **field, const char *v)
{
	free(*field);
	*field = xdup(v);
}

/* Commits DOC for FEED with a minimal successful-fetch state. */
static inline int commit_doc(struct store *s, const char *feed, const struct doc *d,
			     struct store_news *news)
{
	struct feed_state st = {0};
	st.name = (char *)feed;
	st.url = (char *)"https://example.com/feed";
	st.last_status = 200;
	return store_commit_fetch(s, &st, d, 0, false, news);
}

/* Commits and returns how many items were new (-1 on error); *upd = updated. */
/* A document of N items PREFIX0, PREFIX1, ...: each name its guid and its
 * title, no link. */
static inline struct doc *doc_numbered(const char *prefix, int n)
{
	struct doc *d = doc_new();
	char g[64];
	for (int i = 0; i < n; i++) {
		snprintf(g, sizeof g, "%s%d", prefix, i);
		doc_add(d, g, NULL, g);
	}
	return d;
}

static inline long commit_count(struct store *s, const char *feed, const struct doc *d,
				size_t *upd)
{
	struct store_news n;
	if (commit_doc(s, feed, d, &n) < 0)
		return -1;
	long nnew = (long)n.nnew;
	if (upd)
		*upd = n.nupdated;
	store_news_clear(&n);
	return nnew;
}

/* All items (oldest first) of FEED, or of every feed when NULL. */
static inline json_t *all_items(struct store *s, const char *feed)
{
	const char *feeds[1] = {feed};
	struct item_query q = {.since = DATE_NONE, .limit = 1000,
			       .feeds = feed ? feeds : NULL, .nfeeds = feed ? 1 : 0};
	json_t *items = NULL;
	int64_t next;
	if (store_items(s, &q, &items, &next) < 0)
		return NULL;
	return items;
}

static inline const char *jstr(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

#endif
