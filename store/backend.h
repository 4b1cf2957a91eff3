/* backend.h — the layers under store/store.h (internal to store/).
 *
 * store.c dispatches each call of store.h either to a domain file, where
 * a rule is written once for every backend — commit.c (a fetch's commit),
 * feeds.c (feed rows following the config, a feed's state, the feeds as
 * JSON), feed_state.c (the state counts, by core/feedstate.c), query.c
 * (the items query), hooks.c (a delivery's outcome), retention.c
 * (pruning), dedup.c (item identities) — or to an entry of the backend's
 * struct store_ops that is one or two statements with no rule of its own
 * (events, consumers, due hooks, figures, upkeep, connections; claims,
 * hosts and instances on PostgreSQL).
 *
 * The domain files ask the backend only for storage primitives (struct
 * store_prims, struct feed_prims): a transaction, one statement or one
 * batch of them, a walk over rows (struct store_row). A backend
 * (sqlite*.c, pg*.c) is its SQL, its connection handling and these
 * primitives; a new store feature is its rule in a domain file plus one
 * primitive here and one function with its SQL in each backend.
 *
 * B is the backend's own handle, made by its open function and freed by
 * its close entry. */
#ifndef FEEDD_STORE_BACKEND_H
#define FEEDD_STORE_BACKEND_H

#include "core/feedstate.h"
#include "store/dedup.h"
#include "store/store.h"

/* --- what query.c hands the backends --- */

/* Shapes of the items query: one bit per optional filter. */
enum {
	IQ_BEFORE = 1 << 0,
	IQ_FEEDS = 1 << 1,
	IQ_TAG = 1 << 2,
	IQ_FTS = 1 << 3,
	IQ_SINCE = 1 << 4,
	IQ_DISTINCT = 1 << 5,
	IQ_DESC = 1 << 6,
	IQ_SKIPPED = 1 << 7,         /* the items the filter rules skipped too */
	IQ_STATUS = 1 << 8,          /* by the read mark: unread ones ... */
	IQ_READ = 1 << 9,            /* ... or, with IQ_STATUS, read ones */
	IQ_STARRED = 1 << 10,
	IQ_BY_DATE = 1 << 11,        /* in date order (sort_date, id), not id order */
	IQ_LABELS = 1 << 12,         /* with IQ_TAG: the items with label 12 too */
	IQ_NO_NAME = 1 << 13,        /* the feed's name NULL: no join with the feeds */
	IQ_LIVE = 1 << 14,           /* not the items of removed feeds */
	IQ_UNSTARRED = 1 << 15,      /* not starred */
	IQ_BOUNDS = 1 << 16,         /* sort date before, changed after, changed before */
	IQ__SHAPES = 1 << 17
};

/* One items query: store.h's struct item_query with the consumer's
 * cursor applied to AFTER and LIMIT within 1..1000. */
struct items_args {
	int64_t after, before;
	const char *const *feeds;
	size_t nfeeds;
	const char *tag;
	const char *label;           /* with TAG: items labelled so too (store/labels.c) */
	const char *q;               /* the user's text query, or NULL */
	int64_t since;
	bool distinct, desc;
	bool skipped;                /* the items the filter rules skipped too */
	int status;                  /* ITEMQ_ANY, ITEMQ_UNREAD or ITEMQ_READ */
	bool starred;                /* starred items only */
	bool unstarred;              /* not starred only */
	bool by_date;                /* in date order */
	bool no_feed_name;           /* the rows' feed name NULL (not with feeds) */
	bool live;                   /* not the items of removed feeds */
	int limit;
	int64_t offset;              /* matches left out before the first row */
	/* Sort date < until; changed (updated_seen, else first_seen) >
	 * changed_after and < changed_before. DATE_NONE or 0: no bound. */
	int64_t until, changed_after, changed_before;
};
/* The shape of A's statement; FTS: the backend has a text query to match. */
unsigned items_shape(const struct items_args *a, bool fts);
/* IQ_BOUNDS's parameters 9, 10 and 11 of A, an absent one as an extreme. */
void items_bounds(const struct items_args *a, int64_t out[3]);

/* The columns of an item row, in the order of struct item_row's readers
 * (items i JOIN feeds f). */
#define STORE_ITEM_COLS_OF(feed) \
	"i.id, " feed ", i.guid, i.url, i.title, i.author, i.summary, i.content," \
	" i.published, i.updated, i.categories, i.enclosures, i.first_seen," \
	" i.updated_seen, i.rule, i.duplicate_of, i.sort_date, i.skipped, i.read, i.starred," \
	" i.feed"
#define STORE_ITEM_COLS STORE_ITEM_COLS_OF("f.name")
#define STORE_ITEM_NCOLS 21

/* The items statement of SHAPE, in SQL (SIZE bytes): its parameters are
 * MARK and a number (1 after, 2 before, 3 feeds, 4 tag, 5 text query,
 * 6 since, 7 limit, 8 offset, 9 until,
 * 10 changed after, 11 changed before: with IQ_BOUNDS all three, an absent
 * one bound as an extreme, items_bounds(); 12 label, with IQ_LABELS);
 * FEEDS and FTS are the backend's conditions on 3 and
 * 5. The read and starred marks are compared with literals, the
 * backend's spellings of false and true (BOOLS[0], BOOLS[1]), so that the
 * partial indexes on them (items_unread, items_starred) serve: a bound
 * parameter would not match their conditions. -EINVAL when it does not
 * fit. */
int items_sql(char *sql, size_t size, unsigned shape, char mark, const char *feeds,
	      const char *fts, const char *const bools[2]);

/* --- what commit.c hands the backends and gets back --- */

/* The feed's row as the state write left it: what the dedup needs. */
struct commit_feed {
	int64_t id;
	bool link_identity;
	char *site_url;              /* heap copy (commit.c frees it), or NULL */
	bool has_items, has_tombs;   /* the feed has items / tombstones */
};

/* One document's dedup work (commit.c owns every array: N entries each,
 * zeroed). The backend's doc_lookup fills KNOWN (the stored row with each
 * item's identity; the first of repeats only) and ALT (for the items whose
 * identity is not stored: the row with their other one); a backend that
 * answers everything in the same go also fills BY_LINK and the TOMB_*
 * answers of those items and sets PREFETCHED. Otherwise commit.c asks
 * doc_probe item by item, only when the rules need it. */
struct commit_doc {
	int64_t feed;
	const char *feed_name;
	const struct dedup_item *p;
	size_t n;
	const char *site_canon;      /* the feed's canonical home page, or NULL */
	bool has_items, has_tombs;   /* from struct commit_feed */
	struct dedup_found *known, *alt, *by_link;
	bool *tomb_key, *tomb_link, *tomb_alt;
	bool prefetched;
};

/* A single lookup doc_probe makes for an item (ARG its key or link). */
enum commit_probe {
	PROBE_TOMB_KEY,              /* the identity ARG is in the feed's tombstones */
	PROBE_TOMB_LINK,             /* the canonical link ARG is in them */
	PROBE_BY_LINK,               /* the feed's items with link ARG (2: "more than one") */
	PROBE_BY_KEY,                /* the feed's item with identity ARG */
	PROBE_BY_GUID,               /* the feed's items with the guid ARG, whatever their
				      * identity (2: "more than one") */
	PROBE_BY_LINK_LISTED,        /* the feed's items with link ARG that its latest
				      * document before this one listed (feeds.listed;
				      * 2: "more than one") */
};

/* A stored item ID and the plan entry I that rewrites it. */
struct commit_ref {
	int64_t id;
	size_t i;
};

/* One result row, read by column (from 0): TEXT NULL for SQL NULL, NUM 0
 * for it; lent until the callback it is handed to returns. */
struct store_row {
	const char *(*text)(const struct store_row *r, int col);
	int64_t (*num)(const struct store_row *r, int col);
	bool (*flag)(const struct store_row *r, int col);
	const void *res;             /* the backend's statement or result */
	int row;
};
typedef int (*store_row_fn)(const struct store_row *row, void *ud);
/* Column COL of ROW, epoch seconds, as the API's RFC 3339 string (JSON null
 * for 0) (feeds.c). */
json_t *store_row_time(const struct store_row *row, int col);
/* T, epoch seconds, the same way (feeds.c); the caller owns the result. */
json_t *store_json_time(int64_t t);
typedef int (*feed_each_fn)(int64_t id, const char *name, const char *url, bool removed,
			    void *ud);
typedef int (*tag_each_fn)(int64_t feed, const char *tag, void *ud);

typedef int (*feed_facts_fn)(const struct feedstate_facts *f, int64_t count, void *ud);

/* What feeds.c and feed_state.c ask a backend for. */
struct feed_prims {
	/* The feeds grouped by what the state rule looks at (core/feedstate.h),
	 * in one aggregate query: FN for each group with its COUNT. A group's
	 * LAST_ERROR is the errors' first nine characters (all the rule reads),
	 * FAILURES 1 for any, DISABLED whether the name is one of the
	 * NDISABLED DISABLED. A negative return from FN stops the walk. */
	int (*feeds_facts_each)(void *b, const char *const *disabled, size_t ndisabled,
				feed_facts_fn fn, void *ud);
	/* The feed NAME's id, its configured url (a heap
	 * copy, or NULL) and whether it is marked removed; -ENOENT: no row. */
	int (*feed_find)(void *b, const char *name, int64_t *id, char **url, bool *removed);
	/* A new row for NAME at URL (on a shared store, the one another
	 * instance inserted meanwhile). */
	int (*feed_add)(void *b, const char *name, const char *url, int64_t now, int64_t *id);
	int (*feed_set_removed)(void *b, int64_t id, bool removed);
	/* A new URL: validators, effective_url and gone cleared. */
	int (*feed_set_url)(void *b, int64_t id, const char *url);
	/* The feed's tags become TAGS (NULL-terminated; NULL: none). */
	int (*feed_set_tags)(void *b, int64_t id, char *const *tags);
	/* The row FROM becomes TO, and so do the events naming it; -ENOENT:
	 * no row FROM. */
	int (*feed_rename)(void *b, const char *from, const char *to);
	/* Every feed row: FN each; a negative return stops the walk. */
	int (*feeds_each)(void *b, feed_each_fn fn, void *ud);
	/* Every feed's tags, a row each, in no order; the same. */
	int (*tags_each)(void *b, tag_each_fn fn, void *ud);
	/* Feed NAME's row in the columns of feeds.c, load_row; -ENOENT: none.
	 * NAME NULL: every feed's row, in no order (none: 0). */
	int (*feed_row)(void *b, const char *name, store_row_fn fn, void *ud);
	/* Every feed's row (NAME's only, when not NULL), by name, in the
	 * columns of feeds.c, feed_row_json. */
	int (*feeds_rows)(void *b, const char *name, store_row_fn fn, void *ud);
};

/* What items_insert writes: the plan entries NEWS (in order), each with
 * the first item of another feed with its canonical link as duplicate_of,
 * their item.new events and, when HOOK, their hook deliveries; and what
 * the document lists (the LISTED stored items, then the new ones) with
 * LINK_IDENTITY, in the feed's row. NEW_IDS (room for NNEWS) gets the new
 * ids, NNEW how many. */
struct commit_insert {
	const size_t *news;
	size_t nnews;
	const int64_t *listed;
	size_t nlisted;
	bool link_identity, hook;
	int64_t now;
	int64_t *new_ids;
	size_t nnew;
};

/* An edited item whose stored canonical link the edit changed (items_edit
 * reports them, dups_resolve takes them): ID, its canonical link before
 * (WAS, heap: commit.c frees it) and now (NOW, the plan entry's, lent);
 * either NULL for none. */
struct commit_move {
	int64_t id;
	char *was;
	const char *now;
};

/* The storage primitives: what the domain files (commit.c ...) ask a
 * backend for. Each is a statement or a few (the SQL is the backend's, the
 * rule is not): 0 or a negative errno, the backend's message logged. */
/* The fields of a stored item an edit check compares (commit.c). */
struct item_stored {
	char *url, *canon;
	char *categories, *enclosures;   /* JSON text, as stored */
};
void item_stored_free(struct item_stored *st);

struct store_prims {
	/* A write transaction (PostgreSQL: holding the writers' lock). */
	int (*tx_begin)(void *b);
	void (*tx_rollback)(void *b);
	/* Commits; NOTIFY: other instances are told of news (where there are
	 * any). NEWS (may be NULL): its last item id and event seq afterwards. */
	int (*tx_commit)(void *b, bool notify, struct store_news *news);
	/* One fetch of a batch inside the write transaction (commit.c,
	 * commit_batch): a savepoint, then released (its writes kept) or
	 * rolled back to and released (its writes undone, the transaction's
	 * other fetches kept). A failure of sp_rollback means the transaction
	 * itself is lost (a broken connection; SQLite rolled it back after a
	 * full disk): the caller rolls the whole batch back. */
	int (*sp_begin)(void *b);
	int (*sp_release)(void *b);
	int (*sp_rollback)(void *b);
	/* A batch is first written without savepoints, and made again with
	 * them only if one of its fetches fails (commit.c, commit_batch): for
	 * a backend where a savepoint costs more than the rare redo (SQLite
	 * copies every page a fetch touches that an earlier one dirtied).
	 * Not PostgreSQL's: a rolled-back attempt's rows keep their room until
	 * a vacuum, so on a full disk the redo would refuse the fetches that
	 * fitted the first time. */
	bool plain_first;
	/* Writes only what an unchanged document's fetch changes of ST's row
	 * (last_fetch, last_success, next_due, next_reason, last_status, the
	 * counters), found by ST->name; never the validators. No row: 0. */
	int (*feed_counters_write)(void *b, const struct feed_state *st);
	/* Records an event; DATA (may be NULL) is stolen. */
	int (*event_add)(void *b, const char *type, int64_t now, const char *feed,
			 int64_t item_id, json_t *data);
	/* Writes ST's HTTP state (title and home page from DOC when it has
	 * them), creating the feed's row when missing. Fenced on a shared
	 * store: ST->lease_until set and this instance no longer holding that
	 * very lease: -ESTALE, nothing written. FEED (may be NULL): the row. */
	int (*feed_state_write)(void *b, const struct feed_state *st, const struct doc *doc,
				int64_t now, struct commit_feed *feed);
	/* The function the store's content hashes and content keys are made
	 * with (store_meta's key_hash, read when the store was opened: it
	 * never changes under an open store). */
	enum dedup_hash (*key_hash)(void *b);
	int (*doc_lookup)(void *b, struct commit_doc *d);
	int (*doc_probe)(void *b, int64_t feed, enum commit_probe what, const char *arg,
			 struct dedup_found *f);
	/* New identities (plan entry I's key, rule, guid) for stored items. */
	int (*items_rekey)(void *b, const struct commit_doc *d, const struct commit_ref *r,
			   size_t n);
	/* last_seen = NOW for the N items IDS. */
	int (*items_seen)(void *b, const int64_t *ids, size_t n, int64_t now);
	/* Stored item ID's link, canonical link, categories and enclosures
	 * (heap copies, NULL for none: item_stored_free); -ENOENT: no such
	 * item. */
	int (*item_stored)(void *b, int64_t id, struct item_stored *out);
	/* Inserts W's new items (backend.h, struct commit_insert). */
	int (*items_insert)(void *b, const struct commit_doc *d, struct commit_insert *w);
	/* Edited items rewritten in place (from plan entry I), each with its
	 * item.updated event, in order. MOVES (room for N) gets the items
	 * whose canonical link changed, *NMOVES how many: the old one is read
	 * with the write (no statement more for an edit that keeps it). */
	int (*items_edit)(void *b, const struct commit_doc *d, const struct commit_ref *r,
			  size_t n, int64_t now, struct commit_move *moves, size_t *nmoves);
	/* duplicate_of made again, by items_insert's rule (the first item of
	 * another feed with the same canonical link; of the items before it,
	 * as an insert sees them), for the items the N MOVES of FEED's items
	 * may have changed it for (commit.c says which): each moved item;
	 * the items at its old link that were its duplicates (found by the
	 * link, items_canon: there is no index on duplicate_of); the items of
	 * other feeds at its new link after it. Rows whose duplicate_of stays
	 * are not written. */
	int (*dups_resolve)(void *b, int64_t feed, const struct commit_move *moves, size_t n);
	/* The items of A (query.c) in its order, handed to FN one row at a
	 * time; a negative return from FN stops the walk and is returned. */
	int (*items_rows)(void *b, const struct items_args *a, store_item_fn fn, void *ud);
	/* The events with seq > AFTER, oldest first, at most LIMIT (events.c):
	 * FN each with seq, type, time, feed, item id (0: none), data (JSON
	 * text or NULL), the item's title and url (NULL once pruned). */
	int (*events_rows)(void *b, int64_t after, int limit, store_row_fn fn, void *ud);
	/* A hook delivery's outcome (hooks.c): OK: its row removed; else due
	 * again at NEXT_TRY, or given up when NEXT_TRY is 0 (ERROR kept).
	 * *FOUND: there was a row; *GIVEN_UP_FEED: when given up, the
	 * feed's name (heap, the caller frees), else NULL. */
	int (*hook_outcome)(void *b, int64_t item_id, bool ok, int64_t next_try,
			    const char *error, bool *found, char **given_up_feed);
	/* Retention (retention.c): tombstones for, then deletes, up to BATCH of
	 * FEED's items prunable at NOW (older than RETENTION, beyond MAX_ITEMS,
	 * neither listed by the latest document nor awaiting a hook);
	 * *DELETED how many went. */
	int (*items_prune)(void *b, const char *feed, int64_t now, int64_t retention,
			   int64_t max_items, int batch, int *deleted);
	/* The feed rows' primitives (feeds.c, feed_state.c). */
	const struct feed_prims *feeds;
};

/* A backend's feed_prims: its static functions of these very names. */
#define FEED_PRIMS { \
	.feeds_facts_each = feeds_facts_each, \
	.feed_find = feed_find, \
	.feed_add = feed_add, \
	.feed_set_removed = feed_set_removed, \
	.feed_set_url = feed_set_url, \
	.feed_set_tags = feed_set_tags, \
	.feed_rename = feed_rename, \
	.feeds_each = feeds_each, \
	.tags_each = tags_each, \
	.feed_row = feed_row, \
	.feeds_rows = feeds_rows, \
}

/* A backend's store_prims: its static functions of these very names, its
 * feed_prims FEEDS_ and its items_rows, hook_outcome, items_prune and
 * events_rows. */
#define STORE_PRIMS(feeds_, items_, hook_, prune_, events_, plain_first_) { \
	.tx_begin = tx_begin, \
	.tx_rollback = tx_rollback, \
	.tx_commit = tx_commit, \
	.sp_begin = sp_begin, \
	.sp_release = sp_release, \
	.sp_rollback = sp_rollback, \
	.plain_first = (plain_first_), \
	.feed_counters_write = feed_counters_write, \
	.event_add = event_add, \
	.feed_state_write = feed_state_write, \
	.key_hash = key_hash, \
	.doc_lookup = doc_lookup, \
	.doc_probe = doc_probe, \
	.items_rekey = items_rekey, \
	.items_seen = items_seen, \
	.item_stored = item_stored, \
	.items_insert = items_insert, \
	.items_edit = items_edit, \
	.dups_resolve = dups_resolve, \
	.items_rows = (items_), \
	.hook_outcome = (hook_), \
	.items_prune = (prune_), \
	.events_rows = (events_), \
	.feeds = &(feeds_), \
}

struct store_ops {
	const char *name;
	void (*close)(void *b);
	int (*reopen)(void *b, void **out, char **err);
	int (*last_ids)(void *b, int64_t *last_item_id, int64_t *last_event_seq);
	int (*consumer_get)(void *b, const char *name, bool create, bool from_now,
			    int64_t *cursor);
	int (*consumer_ack)(void *b, const char *name, int64_t upto);
	int (*consumers_json)(void *b, json_t **out);
	int (*consumer_delete)(void *b, const char *name);
	int (*hook_due)(void *b, int64_t now, int max, const int64_t *skip, size_t nskip,
			struct hook_job **jobs, size_t *n);
	/* NULL: nothing is ever claimed. */
	int (*hook_release)(void *b, const int64_t *ids, size_t n, int64_t now);
	int (*hook_parked_json)(void *b, const char *feed, json_t **out);
	int (*hook_retry)(void *b, const char *feed, int64_t now, int64_t *n);
	int (*figures)(void *b, struct store_figures *f);
	int (*checkpoint)(void *b);
	/* NULL: nothing to hand back. */
	int (*release_memory)(void *b);
	/* NULL: no reader handles (store_open_reader says -ENOTSUP). */
	int (*open_reader)(void *b, void **out);
	/* NULL: one process per store, every claim succeeds. */
	int (*claim_feed)(void *b, const struct feed_state *st, int64_t now, int64_t lease,
			  struct store_host *host);
	/* NULL: one process per store (-ENOTSUP). */
	int (*host_answer)(void *b, const char *host, bool is429, int64_t *n429);
	int (*host_push)(void *b, const char *host, int64_t ms);
	int (*instances_json)(void *b, int64_t now, json_t **out);
	/* NULL: no heartbeat to judge (one process per store). */
	void (*set_heartbeat)(void *b, int64_t period_ms);
	/* NULL: no other process writes the store. */
	int (*news_fd)(void *b, bool *connecting, bool *write);
	int (*news_read)(void *b, bool *any);
	void (*news_lost)(void *b);
	/* A reader's state (readstate.c): the N items IDS (all stored, and
	 * with LIVE of feeds not removed, else -ENOENT with *MISSING one that
	 * is not, nothing changed) get READ and STARRED (1 or 0; -1:
	 * unchanged), in one transaction. */
	int (*items_mark)(void *b, const int64_t *ids, size_t n, int read, int starred, bool live,
			  int64_t *missing);
	/* FEED's unread items with an id at most UPTO become read; *N how
	 * many. -ENOENT: no such feed. */
	int (*feed_mark_read)(void *b, const char *feed, int64_t upto, int64_t *n);
	/* The feeds not removed, by id (the NIDS IDS only, unless IDS is
	 * NULL), FN each with the columns id, name, title, effective (else
	 * configured) url, site_url, last_fetch, last_error, the tags as a
	 * sorted JSON array, and when COUNTS the unread and read items not
	 * skipped (else 0, 0). */
	int (*reader_feed_rows)(void *b, bool counts, const int64_t *ids, size_t nids,
				store_row_fn fn, void *ud);
	/* The same rows (without the counts) of the feeds whose configured
	 * or effective URL is URL. */
	int (*reader_feed_url_rows)(void *b, const char *url, store_row_fn fn, void *ud);
	/* A reader's labels on items (labels.c): the N items IDS that are
	 * stored get the labels ADD and lose REM, in one transaction; the
	 * rows (item_id, label) of the N items IDS, by item then label; the
	 * rows (unread items, label) of every label, by label. */
	int (*items_label)(void *b, const int64_t *ids, size_t n, const char *const *add,
			   size_t nadd, const char *const *rem, size_t nrem);
	int (*item_label_rows)(void *b, const int64_t *ids, size_t n, store_row_fn fn, void *ud);
	int (*label_rows)(void *b, store_row_fn fn, void *ud);
	/* The Google Reader API's tokens (readtokens.c): HASH is the
	 * token's SHA-256 in hex. token_add: in one transaction, the token
	 * added, then USER's tokens but the KEEP most recently used (the
	 * later of created and last_used, then the newer id) dropped, and
	 * every token not used since IDLE_BEFORE. token_find: the token's
	 * row (*USER on the heap), nothing written. token_touch: last_used
	 * set to NOW where it is before BEFORE; -EROFS on a read-only
	 * handle. */
	int (*token_add)(void *b, const char *hash, const char *stamp, const char *user,
			 int64_t now, int keep, int64_t idle_before, int64_t *id);
	int (*token_find)(void *b, const char *hash, char **user, int64_t *created,
			  int64_t *last_used, char stamp[65]);
	int (*token_touch)(void *b, const char *hash, int64_t now, int64_t before);
	int (*tokens_json)(void *b, json_t **out);
	int (*token_revoke)(void *b, int64_t id);

	/* The storage primitives the domain files (commit.c ...) run on. */
	const struct store_prims *prims;
};

/* S's backend and its handle *B (store.c), for readstate.c. */
const struct store_ops *store_ops_of(struct store *s, void **b);

/* The backends' reader-state entries (sqlite_readstate.c, pg_readstate.c). */
int sqlite_op_items_mark(void *b, const int64_t *ids, size_t n, int read, int starred,
			 bool live, int64_t *missing);
int sqlite_op_feed_mark_read(void *b, const char *feed, int64_t upto, int64_t *n);
int sqlite_op_reader_feed_rows(void *b, bool counts, const int64_t *ids, size_t nids,
			       store_row_fn fn, void *ud);
int sqlite_op_reader_feed_url_rows(void *b, const char *url, store_row_fn fn, void *ud);
int sqlite_op_items_label(void *b, const int64_t *ids, size_t n, const char *const *add,
			  size_t nadd, const char *const *rem, size_t nrem);
int sqlite_op_item_label_rows(void *b, const int64_t *ids, size_t n, store_row_fn fn,
			      void *ud);
int sqlite_op_label_rows(void *b, store_row_fn fn, void *ud);
int sqlite_op_token_add(void *b, const char *hash, const char *stamp, const char *user,
			int64_t now, int keep, int64_t idle_before, int64_t *id);
int sqlite_op_token_find(void *b, const char *hash, char **user, int64_t *created,
			 int64_t *last_used, char stamp[65]);
int sqlite_op_token_touch(void *b, const char *hash, int64_t now, int64_t before);
int sqlite_op_tokens_json(void *b, json_t **out);
int sqlite_op_token_revoke(void *b, int64_t id);
#ifdef FEEDD_HAVE_PG
int pg_op_items_mark(void *b, const int64_t *ids, size_t n, int read, int starred, bool live,
		     int64_t *missing);
int pg_op_feed_mark_read(void *b, const char *feed, int64_t upto, int64_t *n);
int pg_op_reader_feed_rows(void *b, bool counts, const int64_t *ids, size_t nids,
			   store_row_fn fn, void *ud);
int pg_op_reader_feed_url_rows(void *b, const char *url, store_row_fn fn, void *ud);
int pg_op_items_label(void *b, const int64_t *ids, size_t n, const char *const *add,
		      size_t nadd, const char *const *rem, size_t nrem);
int pg_op_item_label_rows(void *b, const int64_t *ids, size_t n, store_row_fn fn, void *ud);
int pg_op_label_rows(void *b, store_row_fn fn, void *ud);
int pg_op_token_add(void *b, const char *hash, const char *stamp, const char *user,
		    int64_t now, int keep, int64_t idle_before, int64_t *id);
int pg_op_token_find(void *b, const char *hash, char **user, int64_t *created,
		     int64_t *last_used, char stamp[65]);
int pg_op_token_touch(void *b, const char *hash, int64_t now, int64_t before);
int pg_op_tokens_json(void *b, json_t **out);
int pg_op_token_revoke(void *b, int64_t id);
#endif

/* The entries every backend fills, from functions named P followed by the
 * entry's name (SQLite: sqlite_op_close ...; PostgreSQL: pg_op_close ...).
 * A backend's table adds .name, .prims and the entries only some backends
 * have. */
#define STORE_OPS_COMMON(p) \
	.close = p##close, \
	.reopen = p##reopen, \
	.open_reader = p##open_reader, \
	.last_ids = p##last_ids, \
	.consumer_get = p##consumer_get, \
	.consumer_ack = p##consumer_ack, \
	.consumers_json = p##consumers_json, \
	.consumer_delete = p##consumer_delete, \
	.hook_due = p##hook_due, \
	.hook_parked_json = p##hook_parked_json, \
	.hook_retry = p##hook_retry, \
	.figures = p##figures, \
	.checkpoint = p##checkpoint, \
	.items_mark = p##items_mark, \
	.feed_mark_read = p##feed_mark_read, \
	.reader_feed_rows = p##reader_feed_rows, \
	.reader_feed_url_rows = p##reader_feed_url_rows, \
	.items_label = p##items_label, \
	.item_label_rows = p##item_label_rows, \
	.label_rows = p##label_rows, \
	.token_add = p##token_add, \
	.token_find = p##token_find, \
	.token_touch = p##token_touch, \
	.tokens_json = p##tokens_json, \
	.token_revoke = p##token_revoke

/* A message for an open's *ERR (store.c): heap, or NULL when memory ran
 * out. */
char *fmt_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The commit of one fetched document (commit.c), over OPS's primitives. */
int commit_fetch(const struct store_prims *ops, void *b, const struct feed_state *st,
		 const struct doc *doc, unsigned feed_events, bool hook,
		 struct store_news *news);

/* store_commit_batch and store_feeds_touch (commit.c). */
int commit_batch(const struct store_prims *ops, void *b, struct store_commit *c, size_t n);
int commit_touch(const struct store_prims *ops, void *b, const struct feed_state *st, size_t n);

/* store_items_each (query.c). */
int items_each(const struct store_ops *ops, void *b, const struct item_query *q,
	       store_item_fn fn, void *ud, int64_t *next);

/* store_events (events.c). */
int events_json(const struct store_prims *ops, void *b, int64_t after, int limit,
		json_t **events, int64_t *next);

/* store_prune (retention.c). */
int retention_prune(const struct store_prims *ops, void *b, const char *feed, int64_t now,
		    int64_t retention, int64_t max_items, int batch, int *pruned);

/* store_hook_result (hooks.c). */
int hook_result(const struct store_prims *ops, void *b, int64_t item_id, bool ok,
		int64_t next_try, const char *error);

/* store_feeds_sync (FROM NULL) and store_feeds_sync_rename, store_feed_load,
 * store_feeds_json, store_feed_rename (feeds.c). */
int feeds_sync(const struct store_prims *ops, void *b, const struct config *c,
	       const char *from, const char *to);
int feed_load(const struct store_prims *ops, void *b, const char *name, struct feed_state *out);
int feeds_load(const struct store_prims *ops, void *b,
	       int (*fn)(struct feed_state *st, void *ud), void *ud);
int feeds_json(const struct store_prims *ops, void *b, const char *name, json_t **out);
int feeds_rename(const struct store_prims *ops, void *b, const char *from, const char *to);

/* store_feed_counts (feed_state.c), over OPS's primitives. */
int feed_state_counts(const struct store_prims *ops, void *b, const char *const *disabled,
		      size_t ndisabled, struct store_feed_counts *out);

/* The SQLite backend (store/sqlite*.c): SPEC "sqlite", NULL or a *.db path. */
extern const struct store_ops sqlite_store_ops;
extern const struct store_prims sqlite_prims;
int sqlite_backend_open(const char *spec, const char *state_dir, void **out, char **err);

#ifdef FEEDD_HAVE_PG
/* The PostgreSQL backend (store/pg*.c): SPEC a postgresql:// URI. */
extern const struct store_ops pg_store_ops;
extern const struct store_prims pg_prims;
int pg_backend_open(const char *spec, void **out, char **err);
/* Why the backend refuses SPEC by libpq's reading of it, or NULL
 * (pg_spec.c; store.h's store_pg_spec_problem). */
const char *pg_spec_problem(const char *uri, char *buf, size_t buflen);
#endif

#endif
