/* pg.c — the PostgreSQL store: connecting, migrating, the prepared
 * statements, transactions, figures, and the backend's entry table. */
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
#include "store/pg_int.h"

/* The advisory lock every write transaction holds (see pg_int.h), and the
 * one migrations hold: arbitrary constants, "feedd" and "feedd+1". */
#define PG_WRITE_LOCK "7378420460"
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

/* --- errors and running statements --- */

static int errno_of(const PGresult *res, PGconn *conn)
{
	if (PQstatus(conn) != CONNECTION_OK)
		return -ECONNRESET;
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	/* libpq's own errors (no SQLSTATE) are the connection's: "server
	 * closed the connection unexpectedly" may come before the status
	 * says so (an immediate shutdown). */
	if (!state)
		return -ECONNRESET;
	/* Connection exceptions, and the server shutting down or starting
	 * up: the store is away, as when the connection drops. */
	if (strncmp(state, "08", 2) == 0 || strncmp(state, "57P", 3) == 0)
		return -ECONNRESET;
	if (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0 ||
	    strcmp(state, "55P03") == 0)
		return -EBUSY;
	if (strncmp(state, "23", 2) == 0 || strncmp(state, "22", 2) == 0)
		return -EINVAL;
	if (strcmp(state, "53100") == 0)
		return -ENOSPC;
	if (strncmp(state, "53", 2) == 0)
		return -ENOMEM;
	if (strncmp(state, "42", 2) == 0 && strcmp(state, "42501") == 0)
		return -EACCES;
	return -EIO;
}

int pg_fail(struct pg *s, const PGresult *res, const char *what)
{
	const char *msg = res ? PQresultErrorMessage(res) : NULL;
	if (!msg || !*msg)
		msg = PQerrorMessage(s->conn);
	/* libpq's messages end with a newline: one event, one line. */
	int len = (int)strcspn(msg, "\n");
	int e = errno_of(res, s->conn);
	if (e == -ECONNRESET) {
		/* The connection is gone: the reconnect says whether the store
		 * is away (store_health_down, once), not every query that
		 * finds out, on every connection. */
		log_debug("store %s: %s: %.*s", s->label, what, len, msg);
	} else {
		log_err("store %s: %s: %.*s", s->label, what, len, msg);
	}
	return e;
}

static int prepare_all(struct pg *s)
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

/* What every session needs: UTC and UTF-8 whatever the role's defaults
 * are, and a reader's transactions read-only (a write through it fails, as
 * with SQLite's read-only readers). */
static int pg_session(struct pg *s)
{
	return pg_sql(s, s->readonly ? "SET client_encoding = 'UTF8'; SET TIME ZONE 'UTC';"
				       " SET default_transaction_read_only = on"
				     : "SET client_encoding = 'UTF8'; SET TIME ZONE 'UTC'", "session");
}

/* Bounds for a server that stops answering over TCP without closing (a
 * partition): a connect or reconnect gives up after 10 s, and an idle or
 * unacknowledged connection is found dead within a minute, rather than
 * blocking its thread for the kernel's minutes. The URI's own settings
 * (the last value) come after them, and win. */
static const char *const conn_keys[] = {"connect_timeout", "keepalives_idle",
					"keepalives_interval", "keepalives_count",
					"tcp_user_timeout", "dbname", NULL};
#define CONN_VALS(spec) {"10", "30", "10", "3", "30000", (spec), NULL}

/* Milliseconds a reconnect attempt may take: the connection's
 * connect_timeout (libpq's rule: 0 or none is no limit, less than 2 s is
 * 2 s). */
static int64_t connect_timeout_ms(PGconn *conn)
{
	int64_t t = conn ? 0 : 10;
	PQconninfoOption *opts = conn ? PQconninfo(conn) : NULL;
	for (PQconninfoOption *o = opts; o && o->keyword; o++)
		if (strcmp(o->keyword, "connect_timeout") == 0 && o->val)
			t = atoll(o->val);
	PQconninfoFree(opts);
	if (t <= 0)
		return INT64_MAX / 2;
	return (t < 2 ? 2 : t) * 1000;
}

#define PG_RETRY_MIN_MS 250
#define PG_RETRY_MAX_MS 10000

/* The longest one attempt keeps the others from trying (store_health_try),
 * when connect_timeout sets no limit. */
#define PG_TRY_MAX_MS 60000

static int64_t min_ms(int64_t a, int64_t b)
{
	return a < b ? a : b;
}

static int64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int pg_ready(struct pg *s)
{
	/* The news connection in the middle of its own reconnect, or found
	 * broken by its watcher: replaced here (a use other than the news: at
	 * start-up or shutdown). */
	bool news_gone = s->news_connecting || s->news_lost;
	if (PQstatus(s->conn) == CONNECTION_OK && s->prepared && !news_gone)
		return 0;
	if (s->in_tx)
		return -ECONNRESET;   /* the transaction is lost: the caller rolls back */
	if (PQstatus(s->conn) != CONNECTION_OK || news_gone) {
		s->prepared = false;
		/* Attempts back off (250 ms doubling to 10 s): in between, the
		 * caller hears at once that the store is unavailable. */
		int64_t now = mono_ms();
		if (now < s->retry_at_ms)
			return -ECONNRESET;
		/* Another connection is finding out: not this one too. */
		if (!store_health_try(!s->readonly, min_ms(connect_timeout_ms(s->conn),
							   PG_TRY_MAX_MS)))
			return -ECONNRESET;
		log_debug("store %s: connection lost, reconnecting", s->label);
		s->news_connecting = false;
		s->news_listening = false;
		s->news_lost = false;
		if (s->conn) {
			PQreset(s->conn);
			PQsetnonblocking(s->conn, 0);
		} else {
			const char *vals[] = CONN_VALS(s->spec);
			s->conn = PQconnectdbParams(conn_keys, vals, 1);
		}
		if (PQstatus(s->conn) != CONNECTION_OK) {
			s->retry_ms = s->retry_ms ? 2 * s->retry_ms : PG_RETRY_MIN_MS;
			if (s->retry_ms > PG_RETRY_MAX_MS)
				s->retry_ms = PG_RETRY_MAX_MS;
			s->retry_at_ms = mono_ms() + s->retry_ms;
			store_health_down(s->label, PQerrorMessage(s->conn));
			return pg_fail(s, NULL, "reconnect");
		}
		s->retry_ms = 0;
		s->retry_at_ms = 0;
		store_health_up(s->label);
		log_debug("store %s: reconnected", s->label);
		/* A new session: its settings again. */
		int r = pg_session(s);
		if (r == 0 && s->listen) {
			r = pg_sql(s, "LISTEN " PG_NEWS_CHANNEL, "listen");
			s->renewed = true;   /* a new descriptor: the watcher moves */
		}
		if (r < 0)
			return r;
	}
	return prepare_all(s);
}

PGresult *pg_exec(struct pg *s, enum pst id, const struct pgp *p, const char *what, int *err)
{
	int r = pg_ready(s);
	if (r < 0) {
		if (err)
			*err = r;
		return NULL;
	}
	char name[16];
	snprintf(name, sizeof name, "s%d", (int)id);
	PGresult *res = PQexecPrepared(s->conn, name, p ? p->n : 0, p ? p->v : NULL,
				       NULL, NULL, 0);
	ExecStatusType st = PQresultStatus(res);
	if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK)
		return res;
	r = pg_fail(s, res, what);
	PQclear(res);
	if (err)
		*err = r;
	return NULL;
}

int pg_run(struct pg *s, enum pst id, const struct pgp *p, const char *what)
{
	int r = 0;
	PGresult *res = pg_exec(s, id, p, what, &r);
	PQclear(res);
	return res ? 0 : r;
}

int pg_sql(struct pg *s, const char *sql, const char *what)
{
	PGresult *res = PQexec(s->conn, sql);
	int r = PQresultStatus(res) == PGRES_COMMAND_OK ||
		PQresultStatus(res) == PGRES_TUPLES_OK ? 0 : pg_fail(s, res, what);
	PQclear(res);
	return r;
}

int pg_begin(struct pg *s)
{
	int r = pg_ready(s);
	if (r < 0)
		return r;
	if ((r = pg_sql(s, "BEGIN; SELECT pg_advisory_xact_lock(" PG_WRITE_LOCK ")",
			"begin")) < 0) {
		pg_sql(s, "ROLLBACK", "rollback");
		return r;
	}
	s->in_tx = true;
	return 0;
}

int pg_commit(struct pg *s)
{
	int r = pg_sql(s, "COMMIT", "commit");
	s->in_tx = false;
	return r;
}

void pg_rollback(struct pg *s)
{
	if (s->in_tx && PQstatus(s->conn) == CONNECTION_OK)
		pg_sql(s, "ROLLBACK", "rollback");
	s->in_tx = false;
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

/* Server notices ("text-search query contains no lexemes"...) are not
 * errors: debug lines, not stderr noise. */
static void on_pq_notice(void *arg, const char *msg)
{
	struct pg *s = arg;
	log_debug("store %s: %.*s", s->label, (int)strcspn(msg, "\n"), msg);
}

/* The lease owner's name: readable (host and pid) and unique over restarts. */
static void pg_instance_name(struct pg *s)
{
	char host[64] = "";
	gethostname(host, sizeof host - 1);
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	unsigned tag = (unsigned)(ts.tv_nsec ^ (ts.tv_sec << 10) ^ getpid());
	snprintf(s->instance, sizeof s->instance, "%s:%ld:%08x", host, (long)getpid(), tag);
}

/* Shown by GET /v1/status until this process closes the store (a killed
 * one stays, its last_seen growing old). */
static int register_instance(struct pg *s)
{
	char host[64] = "";
	gethostname(host, sizeof host - 1);
	struct pgp p = {0};
	s->started = time(NULL);
	pgp_text(&p, s->instance);
	pgp_text(&p, host);
	pgp_int(&p, getpid());
	pgp_int(&p, s->started);
	int r = pg_run(s, PS_INSTANCE_ADD, &p, "instance");
	s->registered = r == 0;
	return r;
}

static void pg_close(void *b)
{
	struct pg *s = b;
	if (!s)
		return;
	if (s->conn && s->registered && PQstatus(s->conn) == CONNECTION_OK) {
		struct pgp p = {0};
		pgp_text(&p, s->instance);
		pg_run(s, PS_INSTANCE_GONE, &p, "instance");
	}
	if (s->conn)
		PQfinish(s->conn);
	free(s->label);
	free(s->spec);
	free(s);
}

/* Connects with the session settings every connection needs. */
static int pg_connect(struct pg *s, const char *spec, char **err)
{
	const char *vals[] = CONN_VALS(spec);
	s->conn = PQconnectdbParams(conn_keys, vals, 1);
	if (!s->conn)
		return -ENOMEM;
	if (PQstatus(s->conn) != CONNECTION_OK) {
		const char *m = PQerrorMessage(s->conn);
		*err = fmt_err("store %s: cannot connect: %.*s", s->label,
			       (int)strcspn(m, "\n"), m);
		return -ECONNREFUSED;
	}
	PQsetNoticeProcessor(s->conn, on_pq_notice, s);
	return pg_session(s);
}

/* Another connection of this instance (same lease owner), without the
 * migration and without LISTEN: news arrive on the first one. */
static int pg_open_again(struct pg *orig, bool readonly, void **out, char **err)
{
	*out = NULL;
	*err = NULL;
	struct pg *s = calloc(1, sizeof *s);
	if (!s)
		return -ENOMEM;
	int r = -ENOMEM;
	s->label = strdup(orig->label);
	s->spec = strdup(orig->spec);
	s->readonly = readonly;
	if (!s->label || !s->spec)
		goto fail;
	memcpy(s->instance, orig->instance, sizeof s->instance);
	s->started = orig->started;
	s->stale_s = orig->stale_s;
	s->hook_claim_s = orig->hook_claim_s;
	if ((r = pg_connect(s, s->spec, err)) < 0 || (r = prepare_all(s)) < 0)
		goto fail;
	*out = s;
	return 0;
fail:
	if (!*err)
		*err = fmt_err("store %s: cannot open another connection", s->label ? s->label : "postgresql");
	pg_close(s);
	return r;
}

static int pg_reopen(void *b, void **out, char **err)
{
	return pg_open_again(b, false, out, err);
}

/* An API reader's connection: the item and event queries run there, on a
 * worker thread, instead of on the loop's connection. */
static int pg_open_reader(void *b, void **out)
{
	char *err = NULL;
	int r = pg_open_again(b, true, out, &err);
	if (r < 0)
		log_err("%s", err ? err : "store: cannot open a reader");
	free(err);
	return r;
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
	    (r = migrate(s, err)) < 0 || (r = prepare_all(s)) < 0 ||
	    (r = pg_sql(s, "LISTEN " PG_NEWS_CHANNEL, "listen")) < 0 ||
	    (r = register_instance(s)) < 0)
		goto fail;
	*out = s;
	return 0;
fail:
	if (!*err)
		*err = fmt_err("store %s: cannot open", s->label ? s->label : "postgresql");
	pg_close(s);
	return r;
}

/* --- news from other instances --- */

/* The news connection's reconnect never blocks the loop that asks for it
 * (a partition would freeze the loop for connect_timeout per attempt):
 * PQconnectStartParams, then one PQconnectPoll per call as the socket
 * becomes ready, then the session's settings and LISTEN sent without
 * waiting, and their answers read as they come. The attempt gives up at
 * the URI's connect_timeout, checked on each call. Failed attempts back
 * off as pg_ready's do, and share its health reports. (A host name in the
 * URI is still looked up by PQconnectStartParams itself: hostaddr= avoids
 * that.) */

static int news_failed(struct pg *s, const char *why)
{
	s->news_connecting = false;
	s->news_listening = false;
	s->retry_ms = s->retry_ms ? 2 * s->retry_ms : PG_RETRY_MIN_MS;
	if (s->retry_ms > PG_RETRY_MAX_MS)
		s->retry_ms = PG_RETRY_MAX_MS;
	s->retry_at_ms = mono_ms() + s->retry_ms;
	if (!why || !*why)
		why = "connection failed";
	log_debug("store %s: reconnect (news): %.*s", s->label, (int)strcspn(why, "\n"), why);
	store_health_down(s->label, why);
	return -ECONNRESET;
}

static int news_done(struct pg *s)
{
	PQsetnonblocking(s->conn, 0);
	s->news_connecting = false;
	s->news_listening = false;
	s->retry_ms = 0;
	s->retry_at_ms = 0;
	s->renewed = false;
	store_health_up(s->label);
	log_debug("store %s: reconnected (news)", s->label);
	return PQsocket(s->conn);
}

static int pg_op_news_fd(void *b, bool *connecting, bool *write)
{
	struct pg *s = b;
	int64_t now = mono_ms();
	if (!s->news_connecting) {
		if (PQstatus(s->conn) == CONNECTION_OK && !s->news_lost && !s->in_tx) {
			s->renewed = false;
			int fd = PQsocket(s->conn);
			return fd >= 0 ? fd : -ENOTCONN;
		}
		if (s->in_tx || now < s->retry_at_ms ||
		    !store_health_try(true, min_ms(connect_timeout_ms(s->conn), PG_TRY_MAX_MS)))
			return -ECONNRESET;
		log_debug("store %s: connection lost, reconnecting (news, in the background)",
			  s->label);
		const char *vals[] = CONN_VALS(s->spec);
		PQfinish(s->conn);
		s->conn = PQconnectStartParams(conn_keys, vals, 1);
		s->prepared = false;
		s->news_lost = false;
		if (!s->conn)
			return news_failed(s, "out of memory");
		if (PQstatus(s->conn) == CONNECTION_BAD)
			return news_failed(s, PQerrorMessage(s->conn));
		PQsetNoticeProcessor(s->conn, on_pq_notice, s);
		s->news_connecting = true;
		s->news_deadline_ms = now + connect_timeout_ms(s->conn);
	}
	if (now >= s->news_deadline_ms)
		return news_failed(s, "timeout expired");
	*connecting = true;
	if (!s->news_listening) {
		PostgresPollingStatusType st = PQconnectPoll(s->conn);
		if (st == PGRES_POLLING_FAILED)
			return news_failed(s, PQerrorMessage(s->conn));
		if (st != PGRES_POLLING_OK) {
			*write = st == PGRES_POLLING_WRITING;
			return PQsocket(s->conn);
		}
		if (PQsetnonblocking(s->conn, 1) < 0 ||
		    !PQsendQuery(s->conn, "SET client_encoding = 'UTF8'; SET TIME ZONE 'UTC';"
				 " LISTEN " PG_NEWS_CHANNEL))
			return news_failed(s, PQerrorMessage(s->conn));
		s->news_listening = true;
	}
	int f = PQflush(s->conn);
	if (f < 0)
		return news_failed(s, PQerrorMessage(s->conn));
	if (f == 1) {
		*write = true;
		return PQsocket(s->conn);
	}
	if (!PQconsumeInput(s->conn))
		return news_failed(s, PQerrorMessage(s->conn));
	while (!PQisBusy(s->conn)) {
		PGresult *res = PQgetResult(s->conn);
		if (!res) {
			*connecting = false;
			return news_done(s);
		}
		bool ok = PQresultStatus(res) == PGRES_COMMAND_OK;
		char msg[256];
		snprintf(msg, sizeof msg, "%s", PQresultErrorMessage(res));
		PQclear(res);
		if (!ok) {
			s->news_lost = true;   /* the next call starts afresh */
			return news_failed(s, msg);
		}
	}
	return PQsocket(s->conn);
}

static void pg_op_news_lost(void *b)
{
	struct pg *s = b;
	if (s->news_connecting)
		return;
	/* libpq reads the socket's error, and the connection is bad; if it
	 * still passes for good, it is replaced all the same. */
	PQconsumeInput(s->conn);
	s->news_lost = true;
}

static int pg_op_news_read(void *b, bool *any)
{
	struct pg *s = b;
	if (s->renewed || s->news_connecting || s->news_lost)
		return -ECONNRESET;   /* store_news_fd: the descriptor is another one */
	if (!PQconsumeInput(s->conn))
		return pg_fail(s, NULL, "notifications");
	PGnotify *n;
	while ((n = PQnotifies(s->conn))) {
		*any = true;
		PQfreemem(n);
	}
	return 0;
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
	.close = pg_close,
	.reopen = pg_reopen,
	.open_reader = pg_open_reader,
	.last_ids = pg_op_last_ids,
	.consumer_get = pg_op_consumer_get,
	.consumer_ack = pg_op_consumer_ack,
	.consumers_json = pg_op_consumers_json,
	.consumer_delete = pg_op_consumer_delete,
	.feed_rename = pg_op_feed_rename,
	.hook_due = pg_op_hook_due,
	.hook_release = pg_op_hook_release,
	.hook_parked_json = pg_op_hook_parked_json,
	.hook_retry = pg_op_hook_retry,
	.figures = pg_op_figures,
	.checkpoint = pg_op_checkpoint,
	.claim_feed = pg_op_claim_feed,
	.host_answer = pg_op_host_answer,
	.host_push = pg_op_host_push,
	.instances_json = pg_op_instances_json,
	.set_heartbeat = pg_op_set_heartbeat,
	.news_fd = pg_op_news_fd,
	.news_read = pg_op_news_read,
	.news_lost = pg_op_news_lost,
	.items_mark = pg_items_mark,
	.feed_mark_read = pg_feed_mark_read,
	.reader_feeds = pg_reader_feeds,
};
