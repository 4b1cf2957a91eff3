/* sqlite_int.h — what the SQLite backend's files share (internal to store/;
 * the only header that includes sqlite3.h). */
#ifndef FEEDD_STORE_SQLITE_INT_H
#define FEEDD_STORE_SQLITE_INT_H

#include <sqlite3.h>
#include <stdint.h>

#include "store/backend.h"

/* Every fixed statement, kept from its first use until close: the
 * transaction statements (up to ST_ROLLBACK_TO) are prepared at open, so
 * that a rollback never waits on a prepare; the others at their first use
 * (store_stmt), since a connection uses few of them (an API reader a
 * handful) and each costs about 5 KB. */
enum stmt {
	ST_BEGIN,
	ST_COMMIT,
	ST_ROLLBACK,
	ST_SAVEPOINT,
	ST_RELEASE,
	ST_ROLLBACK_TO,
	ST_SYNC_FULL,
	ST_SYNC_NORMAL,
	ST_FEED_ID,
	ST_FEED_INSERT,
	ST_FEED_LOAD,
	ST_FEED_LOAD_ALL,
	ST_FEED_STATE,
	ST_FEED_COUNTERS,
	ST_FEED_DOC,
	ST_FEED_ALL,
	ST_FEED_SYNC_URL,
	ST_FEED_REMOVED,
	ST_TAGS_CLEAR,
	ST_TAG_ADD,
	ST_TAGS_ALL,
	ST_FEED_FACTS,
	ST_ITEMS_BY_KEYS,
	ST_ITEM_BY_CANON,
	ST_ITEM_BY_CANON_LISTED,
	ST_ITEM_BY_GUID,
	ST_ITEM_BY_KEY,
	ST_TOMB_BY_KEY,
	ST_TOMB_BY_CANON,
	ST_ITEM_SEEN,
	ST_ITEM_STORED,
	ST_ITEM_REKEY,
	ST_ITEM_UPDATE,
	ST_ITEM_INSERT,
	ST_DUPS_FIND,
	ST_ITEM_CANON,
	ST_DUPS_RESOLVE,
	ST_FTS_ADD,
	ST_FTS_UPTO,
	ST_FTS_PENDING,
	ST_FTS_BATCH_END,
	ST_FTS_SET,
	ST_EVENT_ADD,
	ST_EVENTS_NEW,
	ST_HOOKS_NEW,
	ST_LAST_ITEM,
	ST_FEED_NAME,
	ST_LAST_EVENT,
	ST_EVENTS,
	ST_CONSUMER_GET,
	ST_CONSUMER_ADD,
	ST_CONSUMER_ACK,
	ST_CONSUMERS,
	ST_HOOK_DUE,
	ST_HOOK_DONE,
	ST_HOOK_RETRY,
	ST_HOOK_GIVE_UP,
	ST_HOOK_PARKED,
	ST_HOOK_UNPARK,
	ST_PRUNE_TOMB,
	ST_PRUNE_DELETE,
	ST_FIGURES,
	ST_EVENTS_EXPIRE,
	ST_READER_FEEDS,         /* these four in this order: sqlite_readstate.c */
	ST_READER_FEEDS_IDS,
	ST_READER_COUNTS,
	ST_READER_COUNTS_IDS,
	ST_READER_FEED_URL,
	ST_LABEL_ADD,            /* an item's labels: sqlite_labels.c */
	ST_LABEL_REMOVE,
	ST_LABELS_OF,
	ST_LABELS,
	ST__COUNT
};

/* Items query shapes kept prepared per connection: a client uses a few
 * (a handful of filter combinations); past this many, the least recently
 * prepared one makes room. */
#define IQ_KEPT 32

struct sqlite_store {
	sqlite3 *db;
	struct sqlite_ckpt *ckpt;       /* writers only: shared checkpointer */
	int busy_ms;                    /* its busy timeout */
	/* A write failed for want of room (SQLITE_FULL): the next write
	 * transaction first checkpoints and empties the WAL (store_begin),
	 * so that room freed goes to the store, not to more WAL. FULL_LOGGED:
	 * when that was last said (one line a minute, not one a failure). */
	bool full;
	int64_t full_logged;
	char *path;
	bool opened;                    /* open succeeded: a clean close is marked */
	bool mapped;                    /* a reader: reads through a mapping (sqlite.c) */
	/* A reader's feed names by feed id, for item rows read without the
	 * join (sqlite_query.c): NAME[id] a heap copy or NULL, N slots,
	 * valid for the file's data version VERSION only. SPILL: the last
	 * name of an id past the slots. Freed by sqlite_store_close. */
	struct {
		char **name;
		uint32_t n, version;
		bool valid;
		char *spill;
	} names;
	enum dedup_hash key_hash;       /* the store's (read after the migrations) */
	const char *const *sql;         /* each statement's text (sqlite.c) */
	sqlite3_stmt *st[ST__COUNT];
	/* Items queries, prepared on first use and kept (sqlite_query.c,
	 * items_stmt): NIQ slots in use, NEXT the one to reuse when all
	 * are. A list, not an array by shape: 2^15 shapes would be 256 KiB
	 * a connection. */
	struct {
		uint32_t shape;
		sqlite3_stmt *st;
	} iq[IQ_KEPT];
	unsigned niq, iq_next;
};

/* Running the kept statements (sqlite_stmt.c). */
/* The statement for ID, reset and unbound, ready to bind. */
/* Statement ID of S, prepared at its first use; NULL (logged) when it
 * cannot be: the sqlite3_ calls the backend makes on it then fail with
 * SQLITE_MISUSE, and store_done does nothing. */
sqlite3_stmt *store_stmt(struct sqlite_store *s, enum stmt id);
/* Prepares statement ID of S if it is not yet: 0, or -EIO with *ERR (to
 * free) saying which and why. */
int store_prepare(struct sqlite_store *s, enum stmt id, char **err);
/* Prepares every statement of S that is not yet: 0, or -EIO with *ERR
 * saying which failed (the tests check that every text prepares). */
int sqlite_store_prepare_all(struct sqlite_store *s, char **err);
/* Resets and unbinds a statement after use. */
void store_done(sqlite3_stmt *st);
/* Logs SQLite's message for RC and returns the matching negative errno. */
int store_fail(struct sqlite_store *s, int rc, const char *what);
/* Runs a statement that returns no row; 0 or negative errno. */
int store_exec_stmt(struct sqlite_store *s, enum stmt id, const char *what);

int store_begin(struct sqlite_store *s);
int store_commit(struct sqlite_store *s);
void store_rollback(struct sqlite_store *s);

/* Binding helpers: NULL strings and DATE_NONE dates bind SQL NULL. */
int store_bind_text(sqlite3_stmt *st, int i, const char *v);
int store_bind_date(sqlite3_stmt *st, int i, int64_t t);
/* A heap copy of a text column, or NULL. */
char *store_col_dup(sqlite3_stmt *st, int i);

/* An item row (STORE_ITEM_COLS starting at column FIRST), lent by the
 * statement until its next step, and as API JSON. */
void item_row_read(sqlite3_stmt *st, int first, struct item_row *row);
json_t *item_row_json(sqlite3_stmt *st, int first);

/* Records an event; DATA (may be NULL) is stolen. */
int store_event(struct sqlite_store *s, const char *type, int64_t now, const char *feed,
		int64_t item_id, json_t *data);

/* Indexes every item above the full-text watermark, in transactions of a
 * bounded batch each (sqlite_fts.c); *INDEXED (may be NULL) counts them. */
int store_fts_catch_up(struct sqlite_store *s, int64_t *indexed);

/* The checkpointer (sqlite_ckpt.c) shared by a store's writer connections:
 * a thread with its own connection runs PASSIVE checkpoints as the WAL
 * grows, and past a bound the committing connection finishes one itself
 * so that the WAL starts afresh. sqlite_ckpt_new() holds one reference,
 * sqlite_ckpt_ref() adds one, the last sqlite_ckpt_release() stops the
 * thread and closes its connection (call it before closing the writer's
 * own, so that the last close still removes the WAL). */
struct sqlite_ckpt;
struct sqlite_ckpt *sqlite_ckpt_new(const char *path, int page_size);
struct sqlite_ckpt *sqlite_ckpt_ref(struct sqlite_ckpt *c);
void sqlite_ckpt_release(struct sqlite_ckpt *c);
/* Hooks DB's commits to C, in place of SQLite's auto-checkpoint. */
void sqlite_ckpt_attach(struct sqlite_ckpt *c, sqlite3 *db);
/* A PASSIVE checkpoint on DB now (C may be NULL): SQLite's result code,
 * the frames in the WAL and those copied. */
int sqlite_ckpt_now(struct sqlite_ckpt *c, sqlite3 *db, int *log, int *done);
/* A TRUNCATE checkpoint on DB (the WAL emptied), serialised with the
 * thread's passes; SQLITE_BUSY at once if the caller set no busy handler
 * and a writer or reader is active. */
int sqlite_ckpt_truncate(struct sqlite_ckpt *c, sqlite3 *db);
/* The WAL's bound in bytes: 64 MiB, or FEEDD_STORE_WAL_LIMIT. */
int sqlite_ckpt_limit_bytes(void);

/* The name of the VFS that writes each WAL frame in one system call
 * (sqlite_vfs.c), registered on first use; NULL (the default VFS) if it
 * could not be. For the writer connections; call after SQLite's global
 * configuration (store_open). */
const char *sqlite_vfs_name(void);

/* The feed's row id, creating the row if CREATE. -ENOENT when unknown. */
int store_feed_id(struct sqlite_store *s, const char *name, const char *url, bool create,
		  int64_t now, int64_t *id);

/* The functions of store.h this backend implements, on its own handle
 * (sqlite.c, sqlite_feeds.c, sqlite_query.c); sqlite_ops.c hands them to
 * the dispatcher (store.c). */
int sqlite_store_consumer_get(struct sqlite_store *s, const char *name, bool create, bool from_now,
		int64_t *cursor);
int sqlite_store_consumer_ack(struct sqlite_store *s, const char *name, int64_t upto);
int sqlite_store_consumers_json(struct sqlite_store *s, json_t **out);
int sqlite_store_hook_due(struct sqlite_store *s, int64_t now, int max, struct hook_job **jobs, size_t *n);
int sqlite_store_hook_parked_json(struct sqlite_store *s, const char *feed, json_t **out);
int sqlite_store_hook_retry(struct sqlite_store *s, const char *feed, int64_t now, int64_t *n);
int sqlite_store_open(const char *spec, const char *state_dir, struct sqlite_store **out, char **err);
void sqlite_store_close(struct sqlite_store *s);
int sqlite_store_reopen(struct sqlite_store *orig, struct sqlite_store **out, char **err);
int sqlite_store_open_reader(struct sqlite_store *s, struct sqlite_store **out);
int sqlite_store_last_ids(struct sqlite_store *s, int64_t *last_item_id, int64_t *last_event_seq);
int sqlite_store_figures(struct sqlite_store *s, struct store_figures *f);
int sqlite_store_checkpoint(struct sqlite_store *s);
int sqlite_store_release_memory(struct sqlite_store *s);

/* The items query's, the hook outcome's and retention's primitives
 * (sqlite_query.c). */
int sqlite_items_rows(void *b, const struct items_args *a, store_item_fn fn, void *ud);
/* A reader's feed names (sqlite_names.c). Empties S's cache and frees
 * its slots: */
void sqlite_names_free(struct sqlite_store *s);
/* With the query's read transaction open: empties it if the file changed
 * since it was filled. */
void sqlite_names_check(struct sqlite_store *s);
/* Feed ID's name in *NAME (NULL for no such feed), lent until the cache
 * is emptied: 0 or a negative errno. */
int sqlite_names_get(struct sqlite_store *s, int64_t id, const char **name);
int sqlite_hook_outcome(void *b, int64_t item_id, bool ok, int64_t next_try,
			const char *error, bool *found, char **feed);
int sqlite_items_prune(void *b, const char *feed, int64_t now, int64_t retention,
		       int64_t max_items, int batch, int *deleted);
int sqlite_events_rows(void *b, int64_t after, int limit, store_row_fn fn, void *ud);

/* FN for each row ST steps to, as a struct store_row; *N how many; 0, FN's
 * negative return, or a failure (logged as WHAT) (sqlite_feeds.c). */
int sqlite_rows(struct sqlite_store *s, sqlite3_stmt *st, store_row_fn fn, void *ud, int *n,
		const char *what);

/* The feed rows' primitives (sqlite_feeds.c). */
extern const struct feed_prims sqlite_feed_prims;

#endif
