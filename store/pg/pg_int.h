/* pg_int.h — what the PostgreSQL backend's files share (internal to store/;
 * the only header that includes libpq-fe.h).
 *
 * Calls are synchronous libpq on the caller's thread, as the store interface
 * is synchronous today (docs/operations.md, "PostgreSQL", says what that
 * costs). Several feedd instances may share one database: every write
 * transaction first takes one transaction-scoped advisory lock, so writers
 * commit one after another and item ids and event seqs become visible in
 * increasing order — a reader's "id > cursor" never skips a row that a
 * slower transaction committed later. */
#ifndef FEEDD_STORE_PG_INT_H
#define FEEDD_STORE_PG_INT_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stdint.h>

#include "store/backend.h"

/* Every fixed statement, prepared once per connection (named "s<N>"). */
enum pst {
	PS_FEED_ID,
	PS_FEED_INSERT,
	PS_FEED_LOAD,
	PS_FEED_LOAD_ALL,
	PS_FEED_DOC,
	PS_FEED_ALL,
	PS_FEED_SYNC_URL,
	PS_FEED_REMOVED,
	PS_TAGS_CLEAR,
	PS_TAG_ADD,
	PS_TAGS_ALL,
	PS_ITEM_BY_CANON,
	PS_ITEM_BY_CANON_LISTED,
	PS_ITEM_BY_GUID,
	PS_ITEM_BY_KEY,
	PS_TOMB_BY_KEY,
	PS_TOMB_BY_CANON,
	PS_EVENT_ADD,
	PS_LAST_IDS,
	PS_EVENTS,
	PS_CONSUMER_GET,
	PS_CONSUMER_ADD,
	PS_CONSUMER_ACK,
	PS_CONSUMERS,
	PS_HOOK_DUE,
	PS_HOOK_DONE,
	PS_HOOK_RETRY,
	PS_HOOK_GIVE_UP,
	PS_HOOK_RELEASE,
	PS_HOOK_PARKED,
	PS_HOOK_UNPARK,
	PS_PRUNE_TOMB,
	PS_PRUNE_DELETE,
	PS_FIGURES,
	PS_FEEDS_JSON,
	PS_FEED_CLAIM,
	PS_HOST_ANSWER,
	PS_HOST_PUSH,
	PS_INSTANCE_ADD,
	PS_INSTANCE_SEEN,
	PS_INSTANCE_GONE,
	PS_INSTANCES,
	PS_READER_FEEDS,         /* these four in this order: pg_readstate.c */
	PS_READER_FEEDS_IDS,
	PS_READER_COUNTS,
	PS_READER_COUNTS_IDS,
	PS_READER_FEED_URL,
	PS_LABEL_ADD,            /* an item's labels: pg_labels.c */
	PS_LABEL_REMOVE,
	PS_LABELS_OF,
	PS_LABELS,
	PS__COUNT
};

struct pg {
	PGconn *conn;
	char *label;             /* database and host for messages: never the URI */
	char *spec;              /* the URI, for store_reopen: never logged */
	bool prepared;           /* the fixed statements exist on this connection */
	int commit_pid;          /* the server session pg_commit.c's statements were prepared on */
	uint64_t iq[IQ__SHAPES / 64];   /* items query shapes prepared on this connection, a bit each */
	bool in_tx;
	bool registered;         /* in the instances table */
	bool listen;             /* the connection news arrive on (not a reopened one) */
	bool renewed;            /* ... reconnected since store_news_read last looked */
	bool news_lost;          /* ... its descriptor reported an error: replace it */
	bool news_connecting;    /* ... a reconnect under way without blocking */
	bool news_listening;     /* ... connected, its LISTEN sent, answer awaited */
	int64_t news_deadline_ms; /* ... when that attempt gives up (monotonic) */
	int64_t retry_at_ms;     /* lost: no reconnect attempt before this (monotonic) */
	int64_t retry_ms;        /* the back-off after the last failed attempt */
	bool readonly;           /* an API reader's: every transaction read-only */
	char instance[96];       /* this process: host:pid:random, the lease owner */
	int64_t started;         /* when this instance registered (epoch s) */
	int64_t stale_s;         /* a heartbeat older than this: stale (three periods) */
	int64_t hook_claim_s;    /* how long a claimed hook delivery is this instance's */
	enum dedup_hash key_hash; /* the store's (read after the migrations) */
};

/* Commits with news notify this channel; every instance listens to it. */
#define PG_NEWS_CHANNEL "feedd_news"

/* Parameters of one statement, as text (libpq's text format). */
#define PGP_MAX 32
struct pgp {
	int n;
	const char *v[PGP_MAX];
	char num[PGP_MAX][24];
};
/* Parameters and, below, column readers (pg_util.c). */
void pgp_text(struct pgp *p, const char *s);      /* NULL binds SQL NULL */
void pgp_int(struct pgp *p, int64_t x);
void pgp_date(struct pgp *p, int64_t t);          /* DATE_NONE binds NULL */
void pgp_bool(struct pgp *p, bool b);
/* IDS as a bigint[] literal ("{1,2}"), in a string the caller frees after
 * the statement; NULL on -ENOMEM. */
char *pg_id_array(const int64_t *ids, size_t n);
/* N strings (NULL as "") as a text[] literal, every element quoted, \ and
 * " escaped; the caller frees it. NULL on -ENOMEM. */
char *pg_text_array(const char *const *strs, size_t n);

/* Runs statement ID; the result (caller PQclears) or NULL after logging
 * the server's message, with *ERR (may be NULL) set to a negative errno. */
PGresult *pg_exec(struct pg *s, enum pst id, const struct pgp *p, const char *what, int *err);
/* Runs statement ID when no rows matter; 0 or negative errno. */
int pg_run(struct pg *s, enum pst id, const struct pgp *p, const char *what);
/* Runs SQL without parameters and without result; 0 or negative errno. */
int pg_sql(struct pg *s, const char *sql, const char *what);
/* Logs a failed result and returns the matching negative errno. */
int pg_fail(struct pg *s, const PGresult *res, const char *what);
/* Makes sure the connection is up (reconnecting and re-preparing when it
 * dropped outside a transaction); 0 or negative errno. */
int pg_ready(struct pg *s);

/* A write transaction, holding the writers' advisory lock. */
int pg_begin(struct pg *s);
int pg_commit(struct pg *s);
void pg_rollback(struct pg *s);

/* The SQL of each fixed statement (pg_sql.c). */
extern const char *const pg_stmt_sql[PS__COUNT];

/* Connections (pg_conn.c) and opening (pg.c). */
/* Prepares every fixed statement on S's connection. */
int pg_prepare_all(struct pg *s);
/* Opens the store of the postgresql:// URI SPEC: checked, migrated,
 * prepared and registered (pg.c; pg_ops.c's pg_backend_open). */
int pg_open(const char *spec, struct pg **out, char **err);
/* Connects S with the session settings every connection needs. */
int pg_connect(struct pg *s, const char *spec, char **err);
/* S's lease owner name: host and pid, unique over restarts. */
void pg_instance_name(struct pg *s);
/* Shows this process in GET /v1/status until it closes the store. */
int pg_register_instance(struct pg *s);
/* An open of S that failed with R: *ERR says "store LABEL: WHAT" unless
 * set already, S is closed and freed; returns R. */
int pg_open_failed(struct pg *s, int r, const char *what, char **err);
/* The backend's close, reopen and reader entries (B is a struct pg). */
void pg_op_close(void *b);
int pg_op_reopen(void *b, void **out, char **err);
int pg_op_open_reader(void *b, void **out);
/* The news connection (LISTEN): the backend's news entries. */
int pg_op_news_fd(void *b, bool *connecting, bool *write);
void pg_op_news_lost(void *b);
int pg_op_news_read(void *b, bool *any);

/* Column readers: 0 / NULL for SQL NULL. */
int64_t pg_int(const PGresult *r, int row, int col);
bool pg_bool(const PGresult *r, int row, int col);
char *pg_dup(const PGresult *r, int row, int col);
const char *pg_str(const PGresult *r, int row, int col);

/* An item row (STORE_ITEM_COLS starting at column FIRST) as API JSON. */
json_t *pg_item_json(const PGresult *r, int row, int first);

/* Records an event; DATA (may be NULL) is stolen. */
int pg_event(struct pg *s, const char *type, int64_t now, const char *feed,
	     int64_t item_id, json_t *data);
/* The feed's row id, creating the row if CREATE. -ENOENT when unknown. */
int pg_feed_id(struct pg *s, const char *name, const char *url, bool create,
	       int64_t now, int64_t *id);

/* The schema's migrations for PostgreSQL (pg_schema.c). */
extern const char *const pg_migrations[];
extern const int pg_schema_version;

/* FN for each row of statement ID with P, as a struct store_row; *N how
 * many; 0, FN's negative return, or a failure (pg_feeds.c). */
int pg_rows(struct pg *s, enum pst id, const struct pgp *p, store_row_fn fn, void *ud,
	    int *n, const char *what);

/* The feed rows' primitives (pg_feeds.c). */
extern const struct feed_prims pg_feed_prims;

/* The entries of pg_store_ops, by file. */
/* Figures and upkeep (pg.c). */
int pg_op_figures(void *b, struct store_figures *f);
int pg_op_checkpoint(void *b);
void pg_op_set_heartbeat(void *b, int64_t period_ms);
int pg_op_items_rows(void *b, const struct items_args *a, store_item_fn fn, void *ud);
int pg_op_events_rows(void *b, int64_t after, int limit, store_row_fn fn, void *ud);
int pg_op_last_ids(void *b, int64_t *last_item_id, int64_t *last_event_seq);
int pg_op_consumer_get(void *b, const char *name, bool create, bool from_now,
		       int64_t *cursor);
int pg_op_consumer_ack(void *b, const char *name, int64_t upto);
int pg_op_consumers_json(void *b, json_t **out);
int pg_op_items_prune(void *b, const char *feed, int64_t now, int64_t retention,
		      int64_t max_items, int batch, int *deleted);
int pg_op_hook_due(void *b, int64_t now, int max, const int64_t *skip, size_t nskip,
		   struct hook_job **jobs, size_t *n);
int pg_op_hook_release(void *b, const int64_t *ids, size_t n, int64_t now);
int pg_op_hook_outcome(void *b, int64_t item_id, bool ok, int64_t next_try,
		       const char *error, bool *found, char **feed);
int pg_op_hook_parked_json(void *b, const char *feed, json_t **out);
int pg_op_hook_retry(void *b, const char *feed, int64_t now, int64_t *n);
int pg_op_claim_feed(void *b, const struct feed_state *st, int64_t now, int64_t lease,
		     struct store_host *host);
int pg_op_host_answer(void *b, const char *host, bool is429, int64_t *n429);
int pg_op_host_push(void *b, const char *host, int64_t ms);
int pg_op_instances_json(void *b, int64_t now, json_t **out);
#endif
