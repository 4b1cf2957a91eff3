/* pg.c — opening the PostgreSQL store (the URI checked, migrations under
 * a lock, statements prepared, the instance registered), figures and
 * upkeep, events, and a feed's row id. The statements' SQL is pg_sql.c's,
 * parameters and results pg_util.c's, the connections themselves — running
 * statements, transactions, reconnecting, the readers' connections and the
 * news from other instances — pg_conn.c's, and the backend's entry table
 * pg_ops.c's.
 *
 * Ownership: a struct pg made by pg_open (or pg_conn.c's reopen and
 * reader opens) belongs to the store until pg_op_close frees it with its
 * connections. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/date.h"
#include "core/log.h"
#include "store/backend.h"
#include "store/health.h"
#include "store/manage.h"
#include "store/pg/pg_int.h"
#include "store/sql_common.h"

/* The advisory lock migrations hold: an arbitrary constant, "feedd+1"
 * (pg_conn.c's PG_WRITE_LOCK is "feedd"). */
#define PG_MIGRATE_LOCK "7378420461"

/* Seconds a claimed hook delivery is this instance's: ten times the
 * default exec_timeout (docs/operations.md says to stay under it).
 * FEEDD_HOOK_CLAIM_S sets another, for the tests (a killed instance's
 * delivery taken over within seconds). */
#define PG_HOOK_CLAIM_S 600

/* --- opening --- */

/* Checks the URI and names it for messages without its secrets. A password
 * in the URI is refused: it would end up in process listings, configs
 * under version control and logs. It belongs in a password file. */
static int check_uri(const char *uri, char **label, char **err)
{
	/* The config reader refused it already, with the same function
	 * (feedd hands it over: core/storespec.h); a caller that did not
	 * read feeds.conf (--migrate-store) gets it here. */
	char why[320];
	const char *e = pg_spec_problem(uri, why, sizeof why);
	if (e) {
		*err = fmt_err("store: %s", e);
		return -EINVAL;
	}
	char *perr = NULL;
	PQconninfoOption *opts = PQconninfoParse(uri, &perr);
	if (!opts) {
		PQfreemem(perr);
		*err = fmt_err("store: the postgresql:// URI does not parse");
		return -EINVAL;
	}
	const char *db = NULL, *host = NULL;
	int r = 0;
	for (PQconninfoOption *o = opts; o->keyword; o++) {
		if (!o->val || !*o->val)
			continue;
		if (strcmp(o->keyword, "dbname") == 0) {
			db = o->val;
		} else if (strcmp(o->keyword, "host") == 0) {
			host = o->val;
		}
	}
	if (!r && asprintf(label, "postgresql %s@%s", db ? db : "(default)",
			   host ? host : "(default)") < 0) {
		*label = NULL;
		r = -ENOMEM;
	}
	PQconninfoFree(opts);
	return r;
}

/* Applies every pending migration in one transaction, under a lock so that
 * instances starting together migrate once. */
static int migrate(struct pg *s, char **err)
{
	PGresult *res = PQexec(s->conn,
		"BEGIN; SELECT pg_advisory_xact_lock(" PG_MIGRATE_LOCK ");"
		" CREATE TABLE IF NOT EXISTS schema_version (version integer NOT NULL);"
		" SELECT coalesce(max(version), 0) FROM schema_version");
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		*err = fmt_err("store %s: %s", s->label, PQerrorMessage(s->conn));
		PQclear(res);
		pg_sql(s, "ROLLBACK", "rollback");
		return -EIO;
	}
	int version = (int)pg_int(res, 0, 0);
	PQclear(res);
	if (version > pg_schema_version) {
		pg_sql(s, "ROLLBACK", "rollback");
		*err = fmt_err("store %s has schema version %d, newer than this feedd "
			       "understands (%d): refusing to open it; run a newer feedd",
			       s->label, version, pg_schema_version);
		return -EPROTO;
	}
	for (int i = version; i < pg_schema_version; i++) {
		res = PQexec(s->conn, pg_migrations[i]);
		if (PQresultStatus(res) != PGRES_COMMAND_OK) {
			*err = fmt_err("store %s: migration to version %d failed: %s", s->label,
				       i + 1, PQresultErrorMessage(res));
			PQclear(res);
			pg_sql(s, "ROLLBACK", "rollback");
			return -EIO;
		}
		PQclear(res);
	}
	char sql[128];
	snprintf(sql, sizeof sql, "DELETE FROM schema_version;"
		 " INSERT INTO schema_version VALUES (%d); COMMIT", pg_schema_version);
	res = PQexec(s->conn, version < pg_schema_version ? sql : "COMMIT");
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		*err = fmt_err("store %s: %s", s->label, PQresultErrorMessage(res));
		PQclear(res);
		pg_sql(s, "ROLLBACK", "rollback");
		return -EIO;
	}
	PQclear(res);
	if (version && version < pg_schema_version)
		log_notice("store %s: upgraded schema %d -> %d", s->label, version,
			   pg_schema_version);
	return 0;
}

/* Which hash the store's content hashes and keys use (the migrations
 * recorded it). */
static int load_key_hash(struct pg *s, char **err)
{
	PGresult *res = PQexec(s->conn, SQL_KEY_HASH);
	int ok = PQresultStatus(res) == PGRES_TUPLES_OK;
	int h = ok && PQntuples(res) == 1 ? (int)pg_int(res, 0, 0) : 0;
	if (h != DEDUP_HASH_FNV && h != DEDUP_HASH_XXH3) {
		*err = fmt_err("store %s: %s", s->label, !ok ? PQresultErrorMessage(res) :
			       "no key hash this feedd knows (store_meta key_hash)");
		PQclear(res);
		return ok ? -EPROTO : -EIO;
	}
	PQclear(res);
	s->key_hash = (enum dedup_hash)h;
	return 0;
}

int pg_open(const char *spec, struct pg **out, char **err)
{
	*out = NULL;
	*err = NULL;
	struct pg *s = calloc(1, sizeof *s);
	if (!s)
		return -ENOMEM;
	s->stale_s = 3 * 60;    /* the daemon's upkeep, unless told otherwise */
	const char *claim = getenv("FEEDD_HOOK_CLAIM_S");
	s->hook_claim_s = claim && atoll(claim) > 0 ? atoll(claim) : PG_HOOK_CLAIM_S;
	int r = check_uri(spec, &s->label, err);
	if (r < 0)
		goto fail;
	s->spec = strdup(spec);
	if (!s->spec) {
		r = -ENOMEM;
		goto fail;
	}
	pg_instance_name(s);
	s->listen = true;
	if ((r = pg_connect(s, spec, err)) < 0 ||
	    (r = migrate(s, err)) < 0 || (r = load_key_hash(s, err)) < 0 ||
	    (r = pg_prepare_all(s)) < 0 ||
	    (r = pg_sql(s, "LISTEN " PG_NEWS_CHANNEL, "listen")) < 0 ||
	    (r = pg_register_instance(s)) < 0)
		goto fail;
	*out = s;
	return 0;
fail:
	return pg_open_failed(s, r, "cannot open", err);
}

/* --- figures, upkeep, shared pieces --- */

int pg_op_last_ids(void *b, int64_t *last_item_id, int64_t *last_event_seq)
{
	struct pg *s = b;
	int r = 0;
	PGresult *res = pg_exec(s, PS_LAST_IDS, NULL, "last ids", &r);
	if (!res)
		return r;
	if (last_item_id)
		*last_item_id = pg_int(res, 0, 0);
	if (last_event_seq)
		*last_event_seq = pg_int(res, 0, 1);
	PQclear(res);
	return 0;
}

int pg_op_figures(void *b, struct store_figures *f)
{
	struct pg *s = b;
	memset(f, 0, sizeof *f);
	int r = 0;
	PGresult *res = pg_exec(s, PS_FIGURES, NULL, "figures", &r);
	if (!res)
		return r;
	f->items = pg_int(res, 0, 0);
	f->feeds = pg_int(res, 0, 1);
	f->tombstones = pg_int(res, 0, 2);
	f->events = pg_int(res, 0, 3);
	f->consumers = pg_int(res, 0, 4);
	f->hooks_pending = pg_int(res, 0, 5);
	f->file_bytes = pg_int(res, 0, 6);
	PQclear(res);
	/* The server's WAL, when the role may see it (pg_monitor). A refusal is
	 * not an error: the figure stays 0. */
	res = PQexec(s->conn, "SELECT coalesce(sum(size), 0) FROM pg_ls_waldir()");
	if (PQresultStatus(res) == PGRES_TUPLES_OK)
		f->wal_bytes = pg_int(res, 0, 0);
	PQclear(res);
	return 0;
}

/* The server checkpoints and vacuums on its own; this only notices a
 * dropped connection early, between fetches. */
int pg_op_checkpoint(void *b)
{
	struct pg *s = b;
	char host[64] = "";
	gethostname(host, sizeof host - 1);
	struct pgp p = {0};
	pgp_text(&p, s->instance);
	pgp_int(&p, time(NULL));
	pgp_text(&p, host);
	pgp_int(&p, getpid());
	pgp_int(&p, s->started ? s->started : time(NULL));
	pgp_int(&p, s->stale_s);
	return pg_run(s, PS_INSTANCE_SEEN, &p, "instance");
}

/* Three periods: one late heartbeat (a busy store thread) is not enough. */
void pg_op_set_heartbeat(void *b, int64_t period_ms)
{
	struct pg *s = b;
	int64_t period_s = period_ms > 0 ? (period_ms + 999) / 1000 : 60;
	s->stale_s = 3 * period_s;
}

int pg_event(struct pg *s, const char *type, int64_t now, const char *feed,
	     int64_t item_id, json_t *data)
{
	char *text = data ? json_dumps(data, JSON_COMPACT) : NULL;
	json_decref(data);
	struct pgp p = {0};
	pgp_text(&p, type);
	pgp_int(&p, now);
	pgp_text(&p, feed);
	if (item_id > 0)
		pgp_int(&p, item_id);
	else
		pgp_text(&p, NULL);
	pgp_text(&p, text);
	int r = pg_run(s, PS_EVENT_ADD, &p, "event");
	free(text);
	return r;
}

int pg_feed_id(struct pg *s, const char *name, const char *url, bool create,
	       int64_t now, int64_t *id)
{
	for (int attempt = 0; attempt < 2; attempt++) {
		struct pgp p = {0};
		pgp_text(&p, name);
		int r = 0;
		PGresult *res = pg_exec(s, PS_FEED_ID, &p, "feed lookup", &r);
		if (!res)
			return r;
		bool found = PQntuples(res) > 0;
		if (found)
			*id = pg_int(res, 0, 0);
		PQclear(res);
		if (found)
			return 0;
		if (!create)
			return -ENOENT;
		pgp_text(&p, url);
		pgp_int(&p, now);
		if (!(res = pg_exec(s, PS_FEED_INSERT, &p, "feed insert", &r)))
			return r;
		found = PQntuples(res) > 0;
		if (found)
			*id = pg_int(res, 0, 0);
		PQclear(res);
		if (found)
			return 0;
		/* Another instance inserted it meanwhile: look again. */
	}
	return -EIO;
}

