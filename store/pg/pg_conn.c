/* pg_conn.c — the PostgreSQL store's connections: running statements and
 * telling a lost connection from a failed statement, transactions under
 * the writers' advisory lock, reconnecting with backoff (pg_ready), the
 * session settings, this instance's lease name and registration, the
 * readers' and reopened connections, and the news connection (LISTEN)
 * whose reconnect never blocks the loop.
 *
 * Ownership: pg_op_close frees a struct pg with its connections and results;
 * PGresults are cleared where they are read. */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/log.h"
#include "store/backend.h"
#include "store/health.h"
#include "store/pg/pg_int.h"

/* The advisory lock every write transaction holds (see pg_int.h): an
 * arbitrary constant, "feedd" (pg.c's PG_MIGRATE_LOCK is "feedd+1"). */
#define PG_WRITE_LOCK "7378420460"

/* --- preparing --- */

int pg_prepare_all(struct pg *s)
{
	for (int i = 0; i < PS__COUNT; i++) {
		char name[16];
		snprintf(name, sizeof name, "s%d", i);
		PGresult *res = PQprepare(s->conn, name, pg_stmt_sql[i], 0, NULL);
		int r = PQresultStatus(res) == PGRES_COMMAND_OK ? 0 : pg_fail(s, res, name);
		PQclear(res);
		if (r < 0)
			return r;
	}
	memset(s->iq, 0, sizeof s->iq);
	s->prepared = true;
	return 0;
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

/* What every session needs: UTC and UTF-8 whatever the role's defaults
 * are, and a reader's transactions read-only (a write through it fails, as
 * with SQLite's read-only readers). feedd's transactions send their
 * statements back to back: one idle for 30 s is an instance paused or
 * stuck, whose locks (the commit's advisory lock) held every other
 * instance of the store up until it went on; the server ends it instead,
 * and the instance reconnects and does that work again. A limit the
 * operator set (on the role, the database, the URI's options) is kept:
 * 30 s only where there is none. */
#define PG_SESSION "SET client_encoding = 'UTF8'; SET TIME ZONE 'UTC';" \
	" SELECT set_config('idle_in_transaction_session_timeout', '30s', false)" \
	" WHERE current_setting('idle_in_transaction_session_timeout') = '0'"
static int pg_session(struct pg *s)
{
	return pg_sql(s, s->readonly ? PG_SESSION "; SET default_transaction_read_only = on"
				     : PG_SESSION, "session");
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

/* Whether CONN, idle, was closed by the server: an idle connection has
 * nothing to read but what the server sends unasked, a notice or its
 * closing (a restart: "terminating connection due to administrator
 * command", then the end of the stream). What is there is read (notices
 * go to their processor) while there is more; reading the end makes the
 * status CONNECTION_BAD. */
static bool idle_closed(PGconn *conn)
{
	for (int i = 0; i < 4; i++) {
		struct pollfd p = {.fd = PQsocket(conn), .events = POLLIN};
		if (p.fd < 0 || poll(&p, 1, 0) <= 0)
			return false;
		if (!PQconsumeInput(conn) || PQstatus(conn) != CONNECTION_OK)
			return true;
	}
	return false;
}

int pg_ready(struct pg *s)
{
	/* The news connection in the middle of its own reconnect, or found
	 * broken by its watcher: replaced here (a use other than the news: at
	 * start-up or shutdown). */
	bool news_gone = s->news_connecting || s->news_lost;
	/* A reader (a request waits on it) whose own connection has not
	 * failed yet may still sit on a socket the network cut: while another
	 * connection has found the store unavailable, it answers at once
	 * rather than wait out a timeout of its own, and is used again once a
	 * writer's reconnect has found the store back. */
	if (s->readonly && !s->in_tx && store_health_unavailable())
		return -ECONNRESET;
	/* A connection the server closed while it sat idle (the server
	 * restarted) is reconnected now, below, rather than failing the
	 * statement it was about to run: a reader's first request after an
	 * outage was answered 503 while the status already said the store
	 * was available. Not the connection that LISTENs: what it has to
	 * read is the news watcher's. */
	if (!s->in_tx && !s->listen && PQstatus(s->conn) == CONNECTION_OK && !news_gone &&
	    idle_closed(s->conn))
		log_debug("store %s: the server closed the idle connection", s->label);
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
	return pg_prepare_all(s);
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

/* --- connections --- */

/* Server notices ("text-search query contains no lexemes"...) are not
 * errors: debug lines, not stderr noise. */
static void on_pq_notice(void *arg, const char *msg)
{
	struct pg *s = arg;
	log_debug("store %s: %.*s", s->label, (int)strcspn(msg, "\n"), msg);
}

/* The lease owner's name: readable (host and pid) and unique over restarts. */
void pg_instance_name(struct pg *s)
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
int pg_register_instance(struct pg *s)
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

void pg_op_close(void *b)
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
int pg_connect(struct pg *s, const char *spec, char **err)
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

int pg_open_failed(struct pg *s, int r, const char *what, char **err)
{
	if (!*err)
		*err = fmt_err("store %s: %s", s->label ? s->label : "postgresql", what);
	pg_op_close(s);
	return r;
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
	s->key_hash = orig->key_hash;
	if ((r = pg_connect(s, s->spec, err)) < 0 || (r = pg_prepare_all(s)) < 0)
		goto fail;
	*out = s;
	return 0;
fail:
	return pg_open_failed(s, r, "cannot open another connection", err);
}

int pg_op_reopen(void *b, void **out, char **err)
{
	return pg_open_again(b, false, out, err);
}

/* An API reader's connection: the item and event queries run there, on a
 * worker thread, instead of on the loop's connection. */
int pg_op_open_reader(void *b, void **out)
{
	char *err = NULL;
	int r = pg_open_again(b, true, out, &err);
	if (r < 0)
		log_err("%s", err ? err : "store: cannot open a reader");
	free(err);
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

int pg_op_news_fd(void *b, bool *connecting, bool *write)
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

void pg_op_news_lost(void *b)
{
	struct pg *s = b;
	if (s->news_connecting)
		return;
	/* libpq reads the socket's error, and the connection is bad; if it
	 * still passes for good, it is replaced all the same. */
	PQconsumeInput(s->conn);
	s->news_lost = true;
}

int pg_op_news_read(void *b, bool *any)
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
