/* pg_migrate.c — copies a SQLite store into PostgreSQL in resumable,
 * verified batches (feedd --migrate-store; see store/pg/migrate.h). */
#include "store/pg/migrate.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "store/backend.h"
#include "store/pg/pg_int.h"
#include "store/sql_common.h"

#define MIG_BATCH 1000
#define MIG_MAXCOLS 32

/* One table. Its columns are not listed here but read from both schemas
 * (store_migrate's plan): every column of the source is copied to the
 * column of the same name on the target, and a source column the target
 * lacks makes the copy refuse, rather than drop it (a store of a newer
 * schema than this feedd's PostgreSQL one). Rows are read in key order
 * (KEY, then KEY2 when the key is a pair) from just after the last key
 * recorded on the target. */
struct mtable {
	const char *name;
	const char *key;          /* integer key column, or text when TEXT_KEY */
	const char *key2;         /* second (text) key column, or NULL */
	bool text_key;
};

/* Parents first: items name feeds, hook deliveries name items. */
static const struct mtable tables[] = {
	{ "feeds", "id", NULL, false },
	{ "feed_tags", "feed", "tag", false },
	{ "items", "id", NULL, false },
	{ "item_labels", "item_id", "label", false },
	{ "tombstones", "feed", "ikey", false },
	{ "consumers", "name", NULL, true },
	{ "events", "seq", NULL, false },
	{ "hook_deliveries", "item_id", NULL, false },
};
#define NTABLES (sizeof tables / sizeof tables[0])

/* What is copied of one table: the select list (keys first) and the
 * INSERT's VALUES. */
struct mcols {
	char cols[2048];
	char values[4096];
	int ncols;
};

struct mig {
	struct mcols plan[NTABLES];
	sqlite3 *src;
	struct pg *dst;
	char *source;             /* the source's real path: its identity */
	int batch;
	FILE *out;
	char **err;
};

static int fail(struct mig *m, int r, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(struct mig *m, int r, const char *fmt, ...)
{
	if (!*m->err) {
		va_list ap;
		va_start(ap, fmt);
		if (vasprintf(m->err, fmt, ap) < 0)
			*m->err = NULL;
		va_end(ap);
	}
	return r;
}

static int pg_failed(struct mig *m, PGresult *res, const char *what)
{
	const char *msg = res ? PQresultErrorMessage(res) : PQerrorMessage(m->dst->conn);
	int r = fail(m, -EIO, "target: %s: %.*s", what, (int)strcspn(msg, "\n"), msg);
	PQclear(res);
	return r;
}

/* Runs SQL with text parameters on the target; the result when it has
 * rows, else NULL (and NULL with *r < 0 on failure). */
static PGresult *tq(struct mig *m, const char *sql, int n, const char *const *v,
		    const char *what, int *r)
{
	*r = 0;
	PGresult *res = PQexecParams(m->dst->conn, sql, n, NULL, v, NULL, NULL, 0);
	ExecStatusType st = PQresultStatus(res);
	if (st == PGRES_TUPLES_OK)
		return res;
	if (st == PGRES_COMMAND_OK) {
		PQclear(res);
		return NULL;
	}
	*r = pg_failed(m, res, what);
	return NULL;
}

static int tx(struct mig *m, const char *sql)
{
	int r;
	PGresult *res = tq(m, sql, 0, NULL, sql, &r);
	PQclear(res);
	return r;
}

static int64_t src_count(struct mig *m, const char *table)
{
	char sql[128];
	snprintf(sql, sizeof sql, "SELECT count(*) FROM %s", table);
	sqlite3_stmt *st = NULL;
	int64_t n = -1;
	if (sqlite3_prepare_v2(m->src, sql, -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

static int64_t dst_count(struct mig *m, const char *table)
{
	char sql[128];
	snprintf(sql, sizeof sql, "SELECT count(*) FROM %s", table);
	int r;
	PGresult *res = tq(m, sql, 0, NULL, "count", &r);
	int64_t n = res ? pg_int(res, 0, 0) : -1;
	PQclear(res);
	return n;
}

/* The target is empty and becomes FROM's copy, or is FROM's copy already
 * (an earlier run); anything else is refused. */
static int claim_target(struct mig *m)
{
	int r = tx(m, "CREATE TABLE IF NOT EXISTS feedd_migration ("
		      " tbl text PRIMARY KEY, key1 text, key2 text, rows bigint NOT NULL DEFAULT 0)");
	if (r < 0)
		return r;
	PGresult *res = tq(m, "SELECT key1 FROM feedd_migration WHERE tbl = '*'", 0, NULL,
			   "migration", &r);
	if (r < 0)
		return r;
	if (res && PQntuples(res) > 0) {
		bool same = strcmp(PQgetvalue(res, 0, 0), m->source) == 0;
		char *was = same ? NULL : strdup(PQgetvalue(res, 0, 0));
		PQclear(res);
		if (!same) {
			r = fail(m, -EEXIST, "target holds a copy of another store (%s): refusing",
				 was ? was : "?");
			free(was);
			return r;
		}
		fprintf(m->out, "resuming the copy of %s\n", m->source);
		return 0;
	}
	PQclear(res);
	static const char *const any[] = {"feeds", "items", "tombstones", "consumers", "events"};
	for (size_t i = 0; i < sizeof any / sizeof any[0]; i++) {
		int64_t n = dst_count(m, any[i]);
		if (n != 0)
			return fail(m, -EEXIST, "target already holds data (%s: %" PRId64 " rows):"
				    " refusing to mix stores; use an empty database", any[i], n);
	}
	const char *v[] = {m->source};
	PQclear(tq(m, "INSERT INTO feedd_migration(tbl, key1) VALUES ('*', $1)", 1, v,
		   "migration", &r));
	return r;
}

/* The target hashes as the source did (store/dedup.h): the content hashes
 * and keys copied were made with the source's function, which a source
 * from before the record (no key_hash) had to be FNV. */
static int copy_key_hash(struct mig *m)
{
	sqlite3_stmt *st = NULL;
	int h = DEDUP_HASH_FNV;
	if (sqlite3_prepare_v2(m->src, SQL_KEY_HASH, -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		h = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	if (h != DEDUP_HASH_FNV && h != DEDUP_HASH_XXH3)
		return fail(m, -EPROTO, "source %s: unknown key hash %d", m->source, h);
	char v[12];
	snprintf(v, sizeof v, "%d", h);
	const char *p[] = {v};
	int r;
	PQclear(tq(m, "UPDATE store_meta SET value = $1::bigint WHERE key = 'key_hash'", 1, p,
		   "key hash", &r));
	return r;
}

/* Where the copy of T stands: the last key copied (text), if any. */
static int progress(struct mig *m, const struct mtable *t, char **k1, char **k2, int64_t *rows)
{
	*k1 = *k2 = NULL;
	*rows = 0;
	const char *v[] = {t->name};
	int r;
	PGresult *res = tq(m, "SELECT key1, key2, rows FROM feedd_migration WHERE tbl = $1", 1, v,
			   "migration", &r);
	if (res && PQntuples(res) > 0) {
		*k1 = pg_dup(res, 0, 0);
		*k2 = pg_dup(res, 0, 1);
		*rows = pg_int(res, 0, 2);
	}
	PQclear(res);
	return r;
}

static void bind_key(sqlite3_stmt *st, int i, const struct mtable *t, const char *k, bool text)
{
	if (text || t->text_key)
		sqlite3_bind_text(st, i, k ? k : "", -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_int64(st, i, k ? strtoll(k, NULL, 10) : INT64_MIN);
}

/* Copies the next batch of T; *copied = rows in it (0: T is done). */
static int copy_batch(struct mig *m, const struct mtable *t, const struct mcols *c,
		      sqlite3_stmt *sel, const char *ins, int *copied)
{
	*copied = 0;
	char *k1 = NULL, *k2 = NULL;
	int64_t rows = 0;
	int r = progress(m, t, &k1, &k2, &rows);
	if (r < 0)
		return r;
	sqlite3_reset(sel);
	bind_key(sel, 1, t, k1, false);
	sqlite3_bind_int(sel, 2, m->batch);
	if (t->key2)
		bind_key(sel, 3, t, k1 ? k2 : NULL, true);
	free(k1);
	free(k2);
	if ((r = tx(m, "BEGIN")) < 0)
		return r;
	char *last1 = NULL, *last2 = NULL;
	int rc;
	while ((rc = sqlite3_step(sel)) == SQLITE_ROW) {
		const char *v[MIG_MAXCOLS];
		for (int i = 0; i < c->ncols; i++)
			v[i] = (const char *)sqlite3_column_text(sel, i);
		PQclear(tq(m, ins, c->ncols, v, t->name, &r));
		if (r < 0)
			break;
		free(last1);
		free(last2);
		/* The key columns lead the select list. */
		last1 = v[0] ? strdup(v[0]) : NULL;
		last2 = t->key2 && v[1] ? strdup(v[1]) : NULL;
		(*copied)++;
	}
	if (!r && rc != SQLITE_DONE)
		r = fail(m, -EIO, "source: %s: %s", t->name, sqlite3_errmsg(m->src));
	if (!r && *copied) {
		char nrows[24];
		snprintf(nrows, sizeof nrows, "%" PRId64, rows + *copied);
		const char *v[] = {t->name, last1, last2, nrows};
		PQclear(tq(m, "INSERT INTO feedd_migration(tbl, key1, key2, rows)"
			   " VALUES ($1, $2, $3, $4) ON CONFLICT (tbl) DO UPDATE SET"
			   " key1 = $2, key2 = $3, rows = $4", 4, v, "migration", &r));
	}
	free(last1);
	free(last2);
	if (r < 0) {
		tx(m, "ROLLBACK");
		return r;
	}
	if ((r = tx(m, "COMMIT")) == 0 && *copied)
		fprintf(m->out, "%s: %" PRId64 " rows copied\n", t->name, rows + *copied);
	fflush(m->out);
	return r;
}

/* The index of NAME among the N names of LIST, or -1. */
static int name_index(const char *const *list, int n, const char *name)
{
	for (int i = 0; i < n; i++)
		if (strcmp(list[i], name) == 0)
			return i;
	return -1;
}

/* Appends the copy of column NAME to C; TYPE is its target type when an
 * array (udt name, "_int8"), which SQLite keeps as a JSON array. */
static int plan_add(struct mig *m, const struct mtable *t, struct mcols *c, const char *name,
		    const char *array_udt)
{
	if (c->ncols == MIG_MAXCOLS)
		return fail(m, -E2BIG, "%s: more than %d columns", t->name, MIG_MAXCOLS);
	size_t lc = strlen(c->cols), lv = strlen(c->values);
	int n = c->ncols + 1;
	int a = snprintf(c->cols + lc, sizeof c->cols - lc, "%s\"%s\"", lc ? ", " : "", name);
	int b = array_udt && *array_udt == '_'
		? snprintf(c->values + lv, sizeof c->values - lv,
			   "%stranslate($%d, '[]', '{}')::%s[]", lv ? ", " : "", n, array_udt + 1)
		: snprintf(c->values + lv, sizeof c->values - lv, "%s$%d", lv ? ", " : "", n);
	if (a < 0 || b < 0 || (size_t)a >= sizeof c->cols - lc || (size_t)b >= sizeof c->values - lv)
		return fail(m, -E2BIG, "%s: column list too long", t->name);
	c->ncols = n;
	return 0;
}

/* What of T is copied: every source column, keys first, each to the
 * target column of its name; refused when the target lacks one. */
static int plan_table(struct mig *m, const struct mtable *t, struct mcols *c)
{
	memset(c, 0, sizeof *c);
	char sql[128];
	snprintf(sql, sizeof sql, "PRAGMA table_info(\"%s\")", t->name);
	sqlite3_stmt *st = NULL;
	char *src[MIG_MAXCOLS * 2];
	int nsrc = 0, r = 0;
	if (sqlite3_prepare_v2(m->src, sql, -1, &st, NULL) != SQLITE_OK)
		return fail(m, -EIO, "source: %s: %s", t->name, sqlite3_errmsg(m->src));
	while (sqlite3_step(st) == SQLITE_ROW && nsrc < MIG_MAXCOLS * 2) {
		const char *name = (const char *)sqlite3_column_text(st, 1);
		if (name && !(src[nsrc++] = strdup(name)))
			r = -ENOMEM;
	}
	sqlite3_finalize(st);
	const char *v[] = {t->name};
	PGresult *res = NULL;
	if (!r && nsrc == 0)
		r = fail(m, -EINVAL, "source: no table %s", t->name);
	if (!r)
		res = tq(m, "SELECT column_name, CASE WHEN data_type = 'ARRAY' THEN udt_name END"
			 " FROM information_schema.columns WHERE table_schema = current_schema()"
			 " AND table_name = $1 ORDER BY ordinal_position", 1, v, "columns", &r);
	int ndst = res ? PQntuples(res) : 0;
	if (!r && ndst == 0)
		r = fail(m, -EINVAL, "target: no table %s", t->name);
	const char *dst[MIG_MAXCOLS * 2];
	for (int i = 0; i < ndst && i < MIG_MAXCOLS * 2; i++)
		dst[i] = PQgetvalue(res, i, 0);
	if (ndst > MIG_MAXCOLS * 2)
		ndst = MIG_MAXCOLS * 2;
	/* Keys first: the progress record reads them from the row's head. */
	const char *order[MIG_MAXCOLS * 2];
	int norder = 0;
	order[norder++] = t->key;
	if (t->key2)
		order[norder++] = t->key2;
	for (int i = 0; i < nsrc; i++)
		if (strcmp(src[i], t->key) && (!t->key2 || strcmp(src[i], t->key2)))
			order[norder++] = src[i];
	for (int i = 0; !r && i < norder; i++) {
		int d = name_index(dst, ndst, order[i]);
		if (name_index((const char *const *)src, nsrc, order[i]) < 0)
			r = fail(m, -EINVAL, "source: %s has no column %s", t->name, order[i]);
		else if (d < 0)
			r = fail(m, -EPROTO, "source column %s.%s has no place in the target:"
				 " the copy would drop it (a store newer than this feedd?); refusing",
				 t->name, order[i]);
		else
			r = plan_add(m, t, c, order[i],
				     PQgetisnull(res, d, 1) ? NULL : PQgetvalue(res, d, 1));
	}
	/* Target columns the source has not (PostgreSQL's own: leases, the
	 * search vector) keep their defaults. */
	PQclear(res);
	for (int i = 0; i < nsrc; i++)
		free(src[i]);
	return r;
}

static int copy_table(struct mig *m, const struct mtable *t, const struct mcols *c)
{
	char sql[3072], ins[8192];
	if (t->key2)
		snprintf(sql, sizeof sql, "SELECT %s FROM %s WHERE (%s, %s) > (?1, ?3)"
			 " ORDER BY %s, %s LIMIT ?2", c->cols, t->name, t->key, t->key2,
			 t->key, t->key2);
	else
		snprintf(sql, sizeof sql, "SELECT %s FROM %s WHERE %s > ?1 ORDER BY %s LIMIT ?2",
			 c->cols, t->name, t->key, t->key);
	snprintf(ins, sizeof ins, "INSERT INTO %s(%s) VALUES (%s)", t->name, c->cols, c->values);
	sqlite3_stmt *sel = NULL;
	if (sqlite3_prepare_v2(m->src, sql, -1, &sel, NULL) != SQLITE_OK)
		return fail(m, -EIO, "source: %s: %s", t->name, sqlite3_errmsg(m->src));
	int r, n;
	while ((r = copy_batch(m, t, c, sel, ins, &n)) == 0 && n > 0)
		;
	sqlite3_finalize(sel);
	return r;
}

/* Ids never reused: each sequence moves past the highest id the source
 * ever handed out (sqlite_sequence keeps it after deletions). */
static int move_sequences(struct mig *m)
{
	static const char *const seqs[][3] = {
		{"feeds", "id", "feeds_id_seq"},
		{"items", "id", "items_id_seq"},
		{"events", "seq", "events_seq_seq"},
	};
	for (size_t i = 0; i < sizeof seqs / sizeof seqs[0]; i++) {
		char sql[256];
		snprintf(sql, sizeof sql, "SELECT max(coalesce((SELECT seq FROM sqlite_sequence"
			 " WHERE name = '%s'), 0), coalesce((SELECT max(%s) FROM %s), 0))",
			 seqs[i][0], seqs[i][1], seqs[i][0]);
		sqlite3_stmt *st = NULL;
		int64_t v = 0;
		if (sqlite3_prepare_v2(m->src, sql, -1, &st, NULL) != SQLITE_OK) {
			/* No AUTOINCREMENT table (feeds): no sqlite_sequence row needed. */
			sqlite3_finalize(st);
			snprintf(sql, sizeof sql, "SELECT coalesce(max(%s), 0) FROM %s", seqs[i][1],
				 seqs[i][0]);
			if (sqlite3_prepare_v2(m->src, sql, -1, &st, NULL) != SQLITE_OK)
				return fail(m, -EIO, "source: %s", sqlite3_errmsg(m->src));
		}
		if (sqlite3_step(st) == SQLITE_ROW)
			v = sqlite3_column_int64(st, 0);
		sqlite3_finalize(st);
		if (v <= 0)
			continue;
		char val[24];
		snprintf(val, sizeof val, "%" PRId64, v);
		const char *p[] = {seqs[i][2], val};
		int r;
		PQclear(tq(m, "SELECT setval($1::text::regclass, greatest($2::bigint,"
			   " (SELECT last_value FROM pg_sequences WHERE sequencename = $1::text)))",
			   2, p, "sequence", &r));
		if (r < 0)
			return r;
	}
	return 0;
}

static int verify(struct mig *m)
{
	int bad = 0;
	fprintf(m->out, "%-16s %12s %12s\n", "table", "source", "target");
	for (size_t i = 0; i < NTABLES; i++) {
		int64_t a = src_count(m, tables[i].name), b = dst_count(m, tables[i].name);
		fprintf(m->out, "%-16s %12" PRId64 " %12" PRId64 "%s\n", tables[i].name, a, b,
			a == b ? "" : "  MISMATCH");
		bad += a != b || a < 0;
	}
	fflush(m->out);
	if (bad)
		return fail(m, -EPROTO, "%d table%s differ: the copy is not complete", bad,
			    bad == 1 ? "" : "s");
	return 0;
}

static int open_source(struct mig *m, const char *from)
{
	struct stat sb;
	char path[PATH_MAX];
	if (stat(from, &sb) == 0 && S_ISDIR(sb.st_mode))
		snprintf(path, sizeof path, "%s/feedd.db", from);   /* a state directory */
	else
		snprintf(path, sizeof path, "%s", from);
	if (!(m->source = realpath(path, NULL)))
		return fail(m, -errno, "source %s: %s", path, strerror(errno));
	if (sqlite3_open_v2(m->source, &m->src, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
		return fail(m, -EIO, "source %s: %s", m->source, sqlite3_errmsg(m->src));
	sqlite3_busy_timeout(m->src, 5000);
	/* One snapshot for the whole copy, and a store it understands. */
	sqlite3_stmt *st = NULL;
	int v = -1;
	if (sqlite3_prepare_v2(m->src, "PRAGMA user_version", -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	if (v < 1 || src_count(m, "items") < 0)
		return fail(m, -EINVAL, "source %s is not a feedd SQLite store", m->source);
	if (sqlite3_exec(m->src, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
		return fail(m, -EIO, "source %s: %s", m->source, sqlite3_errmsg(m->src));
	return 0;
}

int store_migrate(const char *from, const char *to, int batch, FILE *out, char **err)
{
	*err = NULL;
	struct mig m = { .batch = batch > 0 ? batch : MIG_BATCH, .out = out, .err = err };
	if (strncmp(to, "postgresql://", 13) != 0 && strncmp(to, "postgres://", 11) != 0)
		return fail(&m, -EINVAL, "the target must be a postgresql:// URI");
	int r = open_source(&m, from);
	void *b = NULL;
	if (!r && (r = pg_backend_open(to, &b, err)) == 0)
		m.dst = b;
	/* Every table's columns are matched before anything is written: a
	 * refusal leaves the target as it was. */
	for (size_t i = 0; !r && i < NTABLES; i++)
		r = plan_table(&m, &tables[i], &m.plan[i]);
	if (!r)
		r = claim_target(&m);
	if (!r)
		r = copy_key_hash(&m);
	for (size_t i = 0; !r && i < NTABLES; i++)
		r = copy_table(&m, &tables[i], &m.plan[i]);
	if (!r)
		r = move_sequences(&m);
	if (!r)
		r = verify(&m);
	if (m.src) {
		sqlite3_exec(m.src, "ROLLBACK", NULL, NULL, NULL);
		sqlite3_close(m.src);
	}
	if (b)
		pg_store_ops.close(b);
	free(m.source);
	return r;
}
