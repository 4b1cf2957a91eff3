/* pg.c — the PostgreSQL store: its prepared statements (the SQL of each,
 * prepared on every connection), parameters and results, opening the
 * store (the URI checked, migrations under a lock), figures and upkeep,
 * and the backend's entry table. The connections themselves — running
 * statements, transactions, reconnecting, the readers' connections and the
 * news from other instances — are store/pg/pg_conn.c's.
 *
 * Ownership: a struct pg made by pg_backend_open (or pg_conn.c's
 * reopen and reader opens) belongs to the store until pg_op_close frees it
 * with its connections; pg_dup and pg_id_array return what the caller
 * frees. */
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

/* The advisory lock migrations hold: an arbitrary constant, "feedd+1"
 * (pg_conn.c's PG_WRITE_LOCK is "feedd"). */
#define PG_MIGRATE_LOCK "7378420461"

/* Seconds a claimed hook delivery is this instance's: ten times the
 * default exec_timeout (docs/operations.md says to stay under it).
 * FEEDD_HOOK_CLAIM_S sets another, for the tests (a killed instance's
 * delivery taken over within seconds). */
#define PG_HOOK_CLAIM_S 600

/* The newest item id and event seq ever handed out (0 before the first). */
#define LAST_ITEM_SQL "(SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM items_id_seq)"
#define LAST_EVENT_SQL "(SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM events_seq_seq)"

/* Prunable: not in the latest document, no hook delivery pending, not
 * starred, and too
 * old or beyond the cap. $1 feed name, $2 retention, $3 cut-off, $4 cap,
 * $5 batch. */
#define PRUNE_SELECT \
	"SELECT i.id FROM items i JOIN feeds f ON i.feed = f.id WHERE f.name = $1" \
	" AND i.id <> ALL (f.listed)" \
	" AND NOT EXISTS (SELECT 1 FROM hook_deliveries h WHERE h.item_id = i.id)" \
	" AND NOT i.starred" \
	" AND (($2::bigint > 0 AND i.first_seen < $3::bigint)" \
	" OR ($4::bigint > 0 AND i.id < coalesce((SELECT id FROM items WHERE feed = f.id" \
	" ORDER BY id DESC LIMIT 1 OFFSET greatest($4::bigint - 1, 0)), 0)))" \
	" ORDER BY i.id LIMIT $5::int"

/* A reader's feeds (backend.h, READER_FEEDS_SQL). */
#define READER_TAGS "coalesce((SELECT json_agg(tag ORDER BY" \
	" tag) FROM feed_tags WHERE feed = f.id), '[]')::text"
#define READER_IDS " AND f.id = ANY ($1::bigint[])"
#define READER_COUNTS "(SELECT count(*) FROM items WHERE feed = f.id AND NOT read" \
	" AND NOT skipped), (SELECT count(*) FROM items WHERE feed = f.id AND read AND NOT skipped)," \
	" coalesce((SELECT first_seen * 1000000 + id % 1000000 FROM items" \
	" WHERE feed = f.id AND NOT skipped ORDER BY id DESC LIMIT 1), 0)"

static const char *const pst_sql[PS__COUNT] = {
	[PS_FEED_ID] = "SELECT id, link_identity, site_url, url, removed FROM feeds WHERE name = $1",
	[PS_FEED_INSERT] =
		"INSERT INTO feeds(name, url, created) VALUES ($1, $2, $3)"
		" ON CONFLICT (name) DO NOTHING RETURNING id",
	[PS_FEED_LOAD] =
		"SELECT name, url, effective_url, title, site_url, etag, last_modified,"
		" last_fetch, last_success, next_due, next_reason, last_status, last_error,"
		" failures, gone, link_identity, n_requests, n_conditional, n_200, n_304,"
		" n_err_net, n_err_http, n_err_parse, bytes_wire, bytes_decoded,"
		" (SELECT count(*) FROM items WHERE feed = feeds.id), last_warning, n_truncated"
		" FROM feeds WHERE name = $1",
	[PS_FEED_DOC] = "UPDATE feeds SET link_identity = $2, listed = $3 WHERE id = $1",
	[PS_FEED_ALL] = "SELECT id, name, url, removed FROM feeds",
	[PS_FEED_SYNC_URL] =
		"UPDATE feeds SET url = $2, effective_url = NULL, etag = NULL,"
		" last_modified = NULL, gone = false WHERE id = $1",
	[PS_FEED_REMOVED] = "UPDATE feeds SET removed = $2 WHERE id = $1",
	[PS_TAGS_CLEAR] = "DELETE FROM feed_tags WHERE feed = $1",
	[PS_TAG_ADD] = "INSERT INTO feed_tags(tag, feed) VALUES ($2, $1) ON CONFLICT DO NOTHING",
	[PS_ITEM_BY_CANON] =
		"SELECT id, chash, last_seen FROM items WHERE feed = $1 AND canon_url = $2 LIMIT 2",
	[PS_TOMB_BY_KEY] = "SELECT 1 FROM tombstones WHERE feed = $1 AND ikey = $2",
	[PS_TOMB_BY_CANON] = "SELECT 1 FROM tombstones WHERE feed = $1 AND canon_url = $2 LIMIT 1",
	[PS_EVENT_ADD] =
		"INSERT INTO events(type, time, feed, item_id, data) VALUES ($1, $2, $3, $4, $5)",
	[PS_LAST_IDS] = "SELECT " LAST_ITEM_SQL ", " LAST_EVENT_SQL,
	[PS_EVENTS] =
		"SELECT e.seq, e.type, e.time, e.feed, e.item_id, e.data, i.title, i.url"
		" FROM events e LEFT JOIN items i ON i.id = e.item_id WHERE e.seq > $1"
		" ORDER BY e.seq LIMIT $2",
	[PS_CONSUMER_GET] = "SELECT cursor FROM consumers WHERE name = $1",
	[PS_CONSUMER_ADD] =
		"INSERT INTO consumers(name, cursor, created) VALUES ($1, $2, $3)"
		" ON CONFLICT (name) DO NOTHING",
	/* Never backwards, and never past the newest id ever handed out. */
	[PS_CONSUMER_ACK] =
		"UPDATE consumers SET acked = $3, cursor = greatest(cursor, least($2::bigint, "
		LAST_ITEM_SQL ")) WHERE name = $1",
	[PS_CONSUMERS] =
		"SELECT name, cursor, created, acked,"
		" (SELECT count(*) FROM items WHERE id > consumers.cursor) FROM consumers ORDER BY name",
	/* Due deliveries are claimed: their next try moves past the longest a
	 * hook may run, so that another instance does not run them too; the
	 * result (or, if this instance dies, that time) ends the claim. One
	 * at a time per feed, in item order: only each feed's oldest pending
	 * delivery (claimed, retrying or due) may be handed out; a parked one
	 * no longer holds the rest back. */
	[PS_HOOK_DUE] =
		"WITH c AS (UPDATE hook_deliveries SET next_try = $1::bigint + $4::bigint"
		" WHERE item_id IN (SELECT item_id FROM hook_deliveries WHERE NOT given_up"
		" AND next_try <= $1::bigint AND item_id <> ALL ($3::bigint[])"
		" AND item_id IN (SELECT min(item_id) FROM hook_deliveries WHERE NOT given_up"
		" GROUP BY feed)"
		" ORDER BY next_try, item_id LIMIT $2"
		" FOR UPDATE SKIP LOCKED) RETURNING item_id, attempts)"
		" SELECT c.attempts, " STORE_ITEM_COLS " FROM c"
		" JOIN items i ON i.id = c.item_id JOIN feeds f ON f.id = i.feed ORDER BY i.id",
	/* Claims ended without a result (not started after all, or stopped
	 * by a clean exit): due at once, for any instance. */
	[PS_HOOK_RELEASE] =
		"UPDATE hook_deliveries SET next_try = $2 WHERE item_id = ANY ($1::bigint[])"
		" AND NOT given_up AND next_try > $2",
	[PS_HOOK_DONE] = "DELETE FROM hook_deliveries WHERE item_id = $1",
	[PS_HOOK_RETRY] =
		"UPDATE hook_deliveries SET attempts = attempts + 1, next_try = $2,"
		" last_error = $3 WHERE item_id = $1",
	[PS_HOOK_GIVE_UP] =
		"UPDATE hook_deliveries SET attempts = attempts + 1, given_up = true,"
		" last_error = $3 WHERE item_id = $1 AND $2::bigint = 0"
		" RETURNING (SELECT name FROM feeds WHERE id = hook_deliveries.feed)",
	[PS_HOOK_PARKED] =
		"SELECT f.name, h.item_id, i.title, h.attempts, h.last_error FROM hook_deliveries h"
		" JOIN feeds f ON f.id = h.feed JOIN items i ON i.id = h.item_id"
		" WHERE h.given_up AND ($1::text IS NULL OR f.name = $1::text)"
		" ORDER BY f.name, h.item_id LIMIT $2::int",
	/* Retried in item order: the same next try, and due ones are taken
	 * by next try, then item. */
	[PS_HOOK_UNPARK] =
		"UPDATE hook_deliveries SET given_up = false, attempts = 0, next_try = $2::bigint"
		" WHERE given_up AND ($1::text IS NULL"
		" OR feed = (SELECT id FROM feeds WHERE name = $1::text))",
	[PS_PRUNE_TOMB] =
		"INSERT INTO tombstones(feed, ikey, canon_url, pruned)"
		" SELECT feed, ikey, canon_url, $6 FROM items WHERE id IN (" PRUNE_SELECT ")"
		" ON CONFLICT DO NOTHING",
	[PS_PRUNE_DELETE] = "DELETE FROM items WHERE id IN (" PRUNE_SELECT ")",
	[PS_FIGURES] =
		"SELECT (SELECT count(*) FROM items), (SELECT count(*) FROM feeds WHERE NOT removed),"
		" (SELECT count(*) FROM tombstones), (SELECT count(*) FROM events),"
		" (SELECT count(*) FROM consumers),"
		" (SELECT count(*) FROM hook_deliveries WHERE NOT given_up),"
		" pg_database_size(current_database())",
	[PS_FEEDS_JSON] =
		"SELECT name, url, effective_url, title, site_url, etag, last_modified,"
		" last_fetch, last_success, next_due, next_reason, last_status, last_error,"
		" failures, gone, link_identity, removed, n_requests, n_conditional, n_200,"
		" n_304, n_err_net, n_err_http, n_err_parse, bytes_wire, bytes_decoded,"
		" (SELECT count(*) FROM items WHERE feed = f.id),"
		" (SELECT coalesce(json_agg(tag ORDER BY tag), '[]'::json) FROM feed_tags"
		"  WHERE feed = f.id)::text,"
		" (SELECT count(*) FROM hook_deliveries WHERE feed = f.id AND NOT given_up),"
		" (SELECT count(*) FROM hook_deliveries WHERE feed = f.id AND given_up),"
		" last_warning, n_truncated"
		" FROM feeds f WHERE $1::text IS NULL OR name = $1 ORDER BY name",
	/* A due feed claimed with a lease: skipped while another instance holds
	 * the row or a live lease, refused when its state moved on since the
	 * caller loaded it ($5, $6). */
	[PS_FEED_CLAIM] =
		"SELECT status, wait_ms, n429 FROM feedd_claim($1, $2, $3, $4, $5, $6, $7, $8, $9)",
	/* Consecutive 429s from a host, over every instance: $2 true counts
	 * one more, false ends the run. */
	[PS_HOST_ANSWER] =
		"INSERT INTO hosts(name, n429) VALUES ($1, CASE WHEN $2::boolean THEN 1 ELSE 0 END)"
		" ON CONFLICT (name) DO UPDATE SET n429 = CASE WHEN $2::boolean"
		" THEN hosts.n429 + 1 ELSE 0 END RETURNING n429",
	/* On the server's clock, as feedd_claim() reads it. */
	[PS_HOST_PUSH] =
		"UPDATE hosts SET pushed_until_ms = greatest(pushed_until_ms,"
		" (extract(epoch FROM clock_timestamp()) * 1000)::bigint + $2::bigint)"
		" WHERE name = $1",
	[PS_INSTANCE_ADD] =
		"INSERT INTO instances(id, host, pid, started, last_seen) VALUES ($1, $2, $3, $4, $4)"
		" ON CONFLICT (id) DO UPDATE SET last_seen = $4",
	/* The heartbeat: this instance's row (back, if another dropped it
	 * while this one was stuck), and the rows of instances whose own
	 * heartbeat stopped more than $6 s ago and which hold no live lease
	 * dropped (killed: a clean exit takes its own row away). */
	[PS_INSTANCE_SEEN] =
		"WITH gone AS (DELETE FROM instances i WHERE i.id <> $1"
		"  AND i.last_seen < $2::bigint - $6::bigint AND NOT EXISTS (SELECT 1 FROM feeds f"
		"  WHERE f.lease_owner = i.id AND f.lease_until > $2::bigint))"
		" INSERT INTO instances(id, host, pid, started, last_seen) VALUES ($1, $3, $4, $5, $2)"
		" ON CONFLICT (id) DO UPDATE SET last_seen = $2",
	/* A clean exit hands its leases back at once. */
	[PS_INSTANCE_GONE] =
		"WITH l AS (UPDATE feeds SET lease_owner = NULL, lease_until = 0, lease_host = NULL"
		" WHERE lease_owner = $1) DELETE FROM instances WHERE id = $1",
	/* A reader's feeds (pg_readstate.c). */
	READER_FEEDS_STMTS(PS_, READER_TAGS, "NOT f.removed", READER_COUNTS, READER_IDS),
	[PS_INSTANCES] =
		"SELECT i.id, i.host, i.pid, i.started, i.last_seen,"
		" (SELECT count(*) FROM feeds f WHERE f.lease_owner = i.id"
		"  AND f.lease_until > $1::bigint),"
		" (SELECT coalesce(json_agg(f.name ORDER BY f.name), '[]'::json) FROM feeds f"
		"  WHERE f.lease_owner = i.id AND f.lease_until > $1::bigint)::text,"
		" i.last_seen < $1::bigint - $2::bigint"
		" FROM instances i ORDER BY i.started, i.id",
};

#undef PRUNE_SELECT

/* --- parameters and results --- */

void pgp_text(struct pgp *p, const char *s)
{
	if (p->n < PGP_MAX)
		p->v[p->n++] = s;
}

void pgp_int(struct pgp *p, int64_t x)
{
	if (p->n < PGP_MAX) {
		snprintf(p->num[p->n], sizeof p->num[p->n], "%" PRId64, x);
		p->v[p->n] = p->num[p->n];
		p->n++;
	}
}

void pgp_date(struct pgp *p, int64_t t)
{
	if (t == DATE_NONE)
		pgp_text(p, NULL);
	else
		pgp_int(p, t);
}

void pgp_bool(struct pgp *p, bool b)
{
	pgp_text(p, b ? "t" : "f");
}

char *pg_id_array(const int64_t *ids, size_t n)
{
	char *out = malloc(3 + n * 21);   /* braces, NUL; 20 digits and a comma each */
	if (!out)
		return NULL;
	size_t k = 0;
	out[k++] = '{';
	for (size_t i = 0; i < n; i++)
		k += (size_t)sprintf(out + k, "%s%" PRId64, i ? "," : "", ids[i]);
	out[k++] = '}';
	out[k] = '\0';
	return out;
}

int64_t pg_int(const PGresult *r, int row, int col)
{
	if (PQgetisnull(r, row, col))
		return 0;
	return strtoll(PQgetvalue(r, row, col), NULL, 10);
}

bool pg_bool(const PGresult *r, int row, int col)
{
	const char *v = PQgetvalue(r, row, col);
	return v[0] == 't' || v[0] == '1';
}

const char *pg_str(const PGresult *r, int row, int col)
{
	return PQgetisnull(r, row, col) ? NULL : PQgetvalue(r, row, col);
}

char *pg_dup(const PGresult *r, int row, int col)
{
	const char *v = pg_str(r, row, col);
	return v ? strdup(v) : NULL;
}

json_t *pg_json_time(int64_t t)
{
	if (!t)
		return json_null();
	char buf[32];
	date_format_rfc3339(t, buf, sizeof buf);
	return json_string(buf);
}

int pg_prepare_all(struct pg *s)
{
	for (int i = 0; i < PS__COUNT; i++) {
		char name[16];
		snprintf(name, sizeof name, "s%d", i);
		PGresult *res = PQprepare(s->conn, name, pst_sql[i], 0, NULL);
		int r = PQresultStatus(res) == PGRES_COMMAND_OK ? 0 : pg_fail(s, res, name);
		PQclear(res);
		if (r < 0)
			return r;
	}
	memset(s->iq, 0, sizeof s->iq);
	s->prepared = true;
	return 0;
}


/* --- opening --- */

/* Checks the URI and names it for messages without its secrets. A password
 * in the URI is refused: it would end up in process listings, configs
 * under version control and logs. It belongs in a password file. */
static int check_uri(const char *uri, char **label, char **err)
{
	char *perr = NULL;
	PQconninfoOption *opts = PQconninfoParse(uri, &perr);
	if (!opts) {
		/* libpq's message may quote the URI: do not pass it on. */
		PQfreemem(perr);
		*err = fmt_err("store: the postgresql:// URI does not parse");
		return -EINVAL;
	}
	const char *db = NULL, *host = NULL;
	int r = 0;
	for (PQconninfoOption *o = opts; o->keyword; o++) {
		if (!o->val || !*o->val)
			continue;
		if (strcmp(o->keyword, "password") == 0) {
			*err = fmt_err("store: a password in the postgresql:// URI is refused; "
				       "put it in a password file (passfile=PATH in the URI, "
				       "or PGPASSFILE)");
			r = -EINVAL;
		} else if (strcmp(o->keyword, "dbname") == 0) {
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

int pg_backend_open(const char *spec, void **out, char **err)
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
	    (r = migrate(s, err)) < 0 || (r = pg_prepare_all(s)) < 0 ||
	    (r = pg_sql(s, "LISTEN " PG_NEWS_CHANNEL, "listen")) < 0 ||
	    (r = pg_register_instance(s)) < 0)
		goto fail;
	*out = s;
	return 0;
fail:
	if (!*err)
		*err = fmt_err("store %s: cannot open", s->label ? s->label : "postgresql");
	pg_op_close(s);
	return r;
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

static int pg_op_figures(void *b, struct store_figures *f)
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
static int pg_op_checkpoint(void *b)
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
static void pg_op_set_heartbeat(void *b, int64_t period_ms)
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

const struct store_ops pg_store_ops = {
	.prims = &pg_prims,
	.name = "postgresql",
	STORE_OPS_COMMON(pg_op_),
	.hook_release = pg_op_hook_release,
	.claim_feed = pg_op_claim_feed,
	.host_answer = pg_op_host_answer,
	.host_push = pg_op_host_push,
	.instances_json = pg_op_instances_json,
	.set_heartbeat = pg_op_set_heartbeat,
	.news_fd = pg_op_news_fd,
	.news_read = pg_op_news_read,
	.news_lost = pg_op_news_lost,
};
