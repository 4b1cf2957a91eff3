/* store.h — the whole interface the daemon sees of the store.
 *
 * Every item is kept once and announced once (DESIGN.md, "Dedup"). One
 * fetched document is one transaction: its items, the feed's HTTP state
 * (validators, counters, next due) and the events they cause are written
 * together or not at all. No backend type leaks out of here: the SQLite
 * backend lives in store/sqlite/sqlite.c, a PostgreSQL one can follow behind the
 * same functions.
 *
 * Conventions: functions return 0 or a negative errno; on failure they log
 * the backend's own message. JSON results are new jansson references the
 * caller owns (json_decref). Strings in struct feed_state are heap copies
 * owned by the struct (feed_state_clear frees them). A struct store is
 * used from one thread at a time; store_open_reader gives another thread
 * its own handle on the same store. */
#ifndef FEEDD_STORE_H
#define FEEDD_STORE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/config.h"
#include "core/item.h"
#include "core/itemq.h"

struct store;

/* Opens (creating, migrating, checking) the store. SPEC is "sqlite" or NULL
 * for STATE_DIR/feedd.db, or a path ending in ".db". On error returns a
 * negative errno and a message in *err (caller frees). */
int store_open(const char *spec, const char *state_dir, struct store **out, char **err);
void store_close(struct store *s);
/* Another connection to the store S opened, for another thread (the
 * daemon's store thread): the same data and, on a shared store, the same
 * instance (leases S takes, it may end). No migration or check: S did
 * them. Each connection is used by one thread at a time; close it with
 * store_close before S. */
int store_reopen(struct store *s, struct store **out, char **err);

/* A second, read-only handle on the store S opened, for another thread:
 * the queries below (items, events, last ids, feeds, consumers' cursors,
 * figures) work on it and see what S committed; writes fail. Close it with
 * store_close, before or after S. -ENOTSUP when the backend has none (the
 * caller then queries through S on S's thread). */
int store_open_reader(struct store *s, struct store **out);

/* What the store remembers about a feed between fetches and restarts. */
struct feed_state {
	char *name;              /* config name: the identity */
	char *url;               /* configured URL */
	char *effective_url;     /* after a 301/308, else NULL */
	char *title;             /* from the document */
	char *site_url;          /* the document's link */
	char *etag;              /* validators, byte for byte as received */
	char *last_modified;
	int64_t last_fetch;      /* epoch seconds, 0 = never */
	int64_t last_success;
	int64_t next_due;        /* epoch seconds, 0 = now */
	char *next_reason;       /* "interval", "cache-control max-age", ... */
	int last_status;         /* HTTP status, 0 = none / network error */
	char *last_error;        /* NULL when the last fetch succeeded */
	char *last_warning;      /* the caps the last document read hit: what was
				  * cut and where; NULL when none (kept by a 304 or
				  * a failure, replaced by the next 200) */
	int64_t failures;        /* consecutive failed fetches */
	bool gone;               /* 410: not polled until config change/refresh */
	bool link_identity;      /* guids unusable: items identified by link */
	int64_t n_requests, n_conditional, n_200, n_304;
	int64_t n_err_net, n_err_http, n_err_parse;
	int64_t n_truncated;     /* 2xx bodies cut short (state "truncated") */
	int64_t bytes_wire, bytes_decoded;
	int64_t n_items;         /* read-only: items stored for the feed (store_feed_load;
				  * -1 from store_feeds_load, which does not count) */
	/* The lease this process's claim took (store_claim_feed at NOW with
	 * LEASE: NOW + LEASE), the commit's fence on a shared store: it is
	 * written only while this process still holds that very lease, else
	 * dropped whole (-ESTALE). 0: not leased, not fenced. Never stored. */
	int64_t lease_until;
};
void feed_state_clear(struct feed_state *st);
/* A deep copy of SRC into DST (cleared with feed_state_clear); -ENOMEM
 * leaves DST empty. */
int feed_state_copy(struct feed_state *dst, const struct feed_state *src);

/* Makes the feed rows match the config: new feeds are added (feed.added),
 * feeds no longer configured are marked removed (feed.removed, history
 * kept), URL/tag changes recorded; a changed URL clears validators and the
 * gone flag. A removed feed comes back with its history when the config
 * names it again at the same URL; at another URL its row is renamed aside
 * (NAME.removed-ID, feed.renamed) and the configured feed starts afresh.
 * A name the store lacks at the URL of a running feed whose name the
 * config no longer has (one such feed, not two) is that feed renamed:
 * its row takes the new name (feed.renamed), history kept, so that the
 * store follows the file whichever step of a rename was lost. */
int store_feeds_sync(struct store *s, const struct config *c);
/* store_feed_rename (FROM to TO) and store_feeds_sync (C, which names the
 * feed TO) in one transaction: both, or neither (the errors of both). */
int store_feeds_sync_rename(struct store *s, const struct config *c, const char *from,
			    const char *to);

/* Loads the state of feed NAME; -ENOENT if unknown. */
int store_feed_load(struct store *s, const char *name, struct feed_state *out);

/* Every feed's state, in no order, in one statement: FN gets each (and
 * takes what it holds: feed_state_clear it, or keep it); a negative
 * return from FN stops the walk and is returned. Items are not counted
 * (n_items is -1): that would read every item. */
int store_feeds_load(struct store *s, int (*fn)(struct feed_state *st, void *ud), void *ud);

/* Feed events the fetcher asks the commit to record (bit set). */
enum {
	STORE_EV_MOVED     = 1 << 0,   /* feed.moved: 301/308 */
	STORE_EV_GONE      = 1 << 1,   /* feed.gone: 410 */
	STORE_EV_FAILING   = 1 << 2,   /* feed.failing */
	STORE_EV_RECOVERED = 1 << 3,   /* feed.recovered */
};

/* What one commit changed, for waking long-polls and hooks. */
struct store_news {
	int64_t *new_ids;        /* ids of items announced as new */
	size_t nnew;
	size_t nupdated;
	int64_t last_item_id;    /* highest item id in the store afterwards */
	int64_t last_event_seq;  /* highest event seq afterwards */
};
void store_news_clear(struct store_news *n);

/* One transaction: writes ST (validators, counters, next due, status) and,
 * when DOC is not NULL, dedups and stores its items (and records which of
 * the feed's items the document lists, for retention). When HOOK is true,
 * a pending hook delivery is queued for every new item in the same
 * transaction. NEWS may be NULL. On a shared store, ST->lease_until set:
 * -ESTALE, nothing written, when this process no longer holds that lease
 * (it ran out and another instance took the feed). */
int store_commit_fetch(struct store *s, const struct feed_state *st,
		       const struct doc *doc, unsigned feed_events, bool hook,
		       struct store_news *news);

/* One fetch's commit in a batch (store_commit_batch): the arguments of
 * store_commit_fetch, and its result. */
struct store_commit {
	const struct feed_state *st;
	const struct doc *doc;       /* NULL: the state only */
	unsigned events;             /* STORE_EV_* */
	bool hook;
	int err;                     /* out: 0, or why this fetch is not stored */
	struct store_news news;      /* out (store_news_clear it) */
};

/* The N fetches of C in one transaction, each as store_commit_fetch would
 * commit it: a fetch the store refuses (C[i].err < 0: a constraint,
 * -ESTALE when fenced off) is rolled back alone, the others are committed
 * (each in a savepoint; on SQLite only when one fails: the batch is
 * then made again that way). Each fetch's validators go with its
 * items or not at all. When the transaction itself is lost (its COMMIT
 * fails, a full disk rolled it back, the connection broke), every C[i].err
 * says so and nothing of the batch is stored; unless the connection broke
 * (then every fetch of the batch stays not stored), each fetch is then
 * tried again in a transaction of its own, so that one fetch that fills
 * the disk does not cost the others theirs. The news of each fetch is its own, with the
 * last ids after the batch. 0, or the batch's error. */
int store_commit_batch(struct store *s, struct store_commit *c, size_t n);

/* Writes, in one transaction, what a fetch that changed nothing but the
 * feed's times and counters changed (last_fetch, last_success, next_due,
 * next_reason, last_status, the counters) for the N feeds of ST (by
 * name): never a validator, an item or an event. The daemon keeps these
 * in memory and writes them every few seconds (sched_commit.c). */
int store_feeds_touch(struct store *s, const struct feed_state *st, size_t n);

/* --- queries for the API --- */
/* struct item_query: core/itemq.h. */

/* Items in the JSON shape of DESIGN.md plus id, feed, first_seen,
 * updated_seen, identity, duplicate_of. *next is the cursor to pass as
 * `after` next time (the last id returned, or q->after when none). */
int store_items(struct store *s, const struct item_query *q, json_t **items, int64_t *next);

/* The same items, handed to FN one row at a time, in order, with no JSON
 * built: ROW and its strings are lent until FN returns. A negative return
 * from FN stops the walk and is returned. *next as for store_items. */
typedef int (*store_item_fn)(const struct item_row *row, void *ud);
int store_items_each(struct store *s, const struct item_query *q, store_item_fn fn, void *ud,
		     int64_t *next);

/* --- a reader's state of each item (store/readstate.c) --- */
/* The N items IDS (1..STORE_MARK_MAX of them) marked read or unread (READ
 * 1 or 0; -1: left as it is) and starred or not (STARRED likewise; at
 * least one of the two given), in one transaction: -ENOENT, with
 * *MISSING (may be NULL) an id that is not stored, and nothing changed
 * when one is not; -EINVAL for a bad call. A starred item is never
 * pruned. Consumers' cursors are untouched. */
#define STORE_MARK_MAX 10000
#define STORE_MARK_MAX_TEXT "10000"
int store_items_mark(struct store *s, const int64_t *ids, size_t n, int read, int starred,
		     int64_t *missing);
/* The same for the reader APIs, for which the items of a feed removed
 * from feeds.conf went with it: such an id is missing too. */
int store_reader_items_mark(struct store *s, const int64_t *ids, size_t n, int read,
			    int starred, int64_t *missing);
/* Every unread item of FEED with an id at most UPTO (0: every one) marked
 * read; *N (may be NULL) how many. -ENOENT: no such feed. */
int store_feed_mark_read(struct store *s, const char *feed, int64_t upto, int64_t *n);

/* A feed as a reader shows it (lent to the callback, strings NULL when
 * absent): URL the effective one, CONF_URL the configured one (stable
 * across redirects), LAST_FETCH epoch s (0: never), TAGS a JSON array of
 * its tags, sorted (never NULL), UNREAD and READ its item counts and
 * NEWEST_USEC its newest item's Google Reader timestamp (first_seen in
 * microseconds plus the id's last six digits; 0: none) (when asked for;
 * else 0: counting reads every item). */
struct reader_feed {
	int64_t id;
	const char *name, *title, *url, *site_url;
	int64_t last_fetch;
	const char *last_error;
	const json_t *tags;
	int64_t unread, read;
	int64_t newest_usec;
	const char *conf_url;
};
typedef int (*reader_feed_fn)(const struct reader_feed *f, void *ud);
/* FN for each feed a reader shows (not removed from the config), by id:
 * the NIDS feeds IDS only (ids not shown are left out), or every one when
 * IDS is NULL. A negative return from FN stops the walk and is returned. */
int store_reader_feeds_each(struct store *s, bool counts, const int64_t *ids, size_t nids,
			    reader_feed_fn fn, void *ud);
/* The same feeds, all of them, as [{"id", "name", "title", "url" (the
 * configured one), "effective_url", "site_url", "last_fetch", "last_error",
 * "tags", "unread", "read", "newest_usec"}]. */
int store_reader_feeds(struct store *s, bool counts, json_t **out);
/* FN for each feed a reader shows whose configured or effective URL is
 * URL (without the counts): a stream named by its feed's URL. */
int store_reader_feeds_url(struct store *s, const char *url, reader_feed_fn fn, void *ud);

/* --- a reader's labels on items (store/labels.c) --- */
/* A label is 1..STORE_LABEL_MAX bytes of valid UTF-8 without control
 * characters (C0, DEL, C1). */
#define STORE_LABEL_MAX 200
bool store_label_valid(const char *label);
/* The N items IDS (1..STORE_MARK_MAX) get the NADD labels ADD and lose
 * the NREM labels REM (at least one of either), in one transaction; ids
 * not stored are left out. -EINVAL: a bad label or call. An item with a
 * label is never pruned; its labels go when it does. */
int store_items_label(struct store *s, const int64_t *ids, size_t n, const char *const *add,
		      size_t nadd, const char *const *rem, size_t nrem);
/* FN(ITEM, LABEL) for each label of the N items IDS, by item then label.
 * A negative return from FN stops the walk and is returned. */
typedef int (*store_label_fn)(int64_t item, const char *label, void *ud);
int store_items_labels(struct store *s, const int64_t *ids, size_t n, store_label_fn fn,
		       void *ud);
/* FN(UNREAD, NEWEST, LABEL) for each label some item has, by label:
 * UNREAD how many of its items are unread (and not skipped) and not in a
 * feed that has the label's name as a tag, as feeds.conf folds a tag
 * (trimmed, ASCII lower-cased: "Reading" is tag "reading"): the label's
 * count is that plus the tag's feeds' unread items, each item counted
 * once. NEWEST: the
 * reader APIs' timestampUsec (first_seen * 1000000 + id % 1000000) of
 * its newest item that is not skipped, read or not, 0 for none. */
typedef int (*store_label_count_fn)(int64_t unread, int64_t newest, const char *label,
				    void *ud);
int store_labels_each(struct store *s, store_label_count_fn fn, void *ud);

/* --- the Google Reader API's tokens (store/readtokens.c) ---
 * Bounded: a login keeps its user's STORE_READER_TOKENS_KEPT most recently
 * used tokens (its own among them) and drops the others; a token unused
 * for STORE_READER_TOKEN_IDLE seconds is refused, and dropped at the next
 * login of anyone. A token's last use is recorded when the one recorded
 * is more than STORE_READER_TOKEN_TOUCH seconds old: at most one write an
 * hour per token. Ids are never reused, a revoked one included. */
#define STORE_READER_TOKENS_KEPT 20
#define STORE_READER_TOKEN_IDLE (90 * 86400)
#define STORE_READER_TOKEN_TOUCH 3600

/* A token as store_reader_token_find saw it. */
struct store_reader_token {
	char *user;              /* heap: store_reader_token_clear */
	char stamp[65];          /* the login's stamp (daemon/reader_auth.h):
				  * 64 hex digits, "" for a token without */
	int64_t created, last_used;   /* epoch seconds; last_used 0: never */
	bool unrecorded;         /* this use is due to be recorded, and the
				  * handle could not (a read-only one):
				  * store_reader_token_touch on a writable one */
};

/* A token ClientLogin handed to USER at NOW is kept as HASH (its SHA-256,
 * 64 lowercase hex digits; never the token) with STAMP (as many digits:
 * what ties it to USER's credentials, daemon/reader_auth.h): *ID its
 * number. The bounds above are applied in the same transaction. */
int store_reader_token_add(struct store *s, const char *hash, const char *stamp,
			   const char *user, int64_t now, int64_t *id);
/* The token whose hash is HASH, used at NOW, into *T (cleared first; free
 * it with store_reader_token_clear); its use recorded when due (or
 * T->unrecorded). -ENOENT when there is none (revoked, dropped, never
 * given) or it has been unused too long. */
int store_reader_token_find(struct store *s, const char *hash, int64_t now,
			    struct store_reader_token *t);
void store_reader_token_clear(struct store_reader_token *t);
/* Records a use at NOW of the token whose hash is HASH, when the one
 * recorded is due (more than STORE_READER_TOKEN_TOUCH seconds old).
 * -EROFS on a read-only handle. */
int store_reader_token_touch(struct store *s, const char *hash, int64_t now);
/* [{"id", "user", "created", "last_used"}] oldest first: no hashes. */
int store_reader_tokens_json(struct store *s, json_t **out);
/* Forgets token ID: -ENOENT when there is none. */
int store_reader_token_revoke(struct store *s, int64_t id);

/* Events with seq > after, oldest first: {"seq","type","time","feed",...}. */
int store_events(struct store *s, int64_t after, int limit, json_t **events, int64_t *next);
int store_last_ids(struct store *s, int64_t *last_item_id, int64_t *last_event_seq);

/* Feeds with their state and counts, as JSON objects (one when NAME). */
int store_feeds_json(struct store *s, const char *name, json_t **out);

/* How many feed rows are in each state GET /v1/feeds shows, by the rule
 * of core/feedstate.h over one aggregate query: removed (from the config),
 * gone (410), disabled, truncated (last_error says the last body was cut
 * short), failing (a failure or a last_error), new (no success yet), ok —
 * the first that applies. DISABLED
 * names the NDISABLED feeds the config turns off (the store does not
 * know the config). */
struct store_feed_counts {
	int64_t ok, fresh, failing, gone, removed, disabled;   /* fresh: "new" */
	int64_t truncated;
};
int store_feed_counts(struct store *s, const char *const *disabled, size_t ndisabled,
		      struct store_feed_counts *out);

/* --- consumers (named cursors) --- */
/* -ENOENT when unknown and !CREATE. A consumer created here starts at 0, or
 * at the newest item when FROM_NOW. */
int store_consumer_get(struct store *s, const char *name, bool create, bool from_now,
		       int64_t *cursor);
/* Durable before it returns (an ack is never lost). Never moves backwards. */
int store_consumer_ack(struct store *s, const char *name, int64_t upto);
int store_consumers_json(struct store *s, json_t **out);
/* Forgets consumer NAME and its position: the next read under that name
 * creates it afresh. -ENOENT when unknown. */
int store_consumer_delete(struct store *s, const char *name);

/* --- renaming a feed --- */
/* The feed FROM is called TO from now on, in one transaction: its row
 * (and with it its items, ids, state, tombstones and pending hook
 * deliveries, which hang on the row) and its events take the new name,
 * and a feed.renamed event {"from": FROM} is recorded. -ENOENT: no feed
 * FROM; -EEXIST: the store has a feed TO already (a removed one keeps its
 * name with its history). */
int store_feed_rename(struct store *s, const char *from, const char *to);

/* --- retention --- */
/* Prunes up to BATCH items of FEED older than NOW-RETENTION or beyond
 * MAX_ITEMS (0 = no such rule), never one listed in the feed's latest
 * document; leaves tombstones. *pruned = how many went. */
int store_prune(struct store *s, const char *feed, int64_t now, int64_t retention,
		int64_t max_items, int batch, int *pruned);

/* --- exec hook deliveries (at-least-once, durable) --- */
struct hook_job {
	int64_t item_id;
	char *feed;
	int attempts;
	json_t *item;            /* the item JSON */
};
/* Up to MAX deliveries due at NOW; caller frees with store_hook_jobs_free. */
int store_hook_due(struct store *s, int64_t now, int max, struct hook_job **jobs, size_t *n);
/* store_hook_due, leaving out the NSKIP items SKIP (deliveries this process
 * runs or is recording). A shared store (PostgreSQL) claims what it hands
 * out: no other instance runs it until its result, or until a claim of
 * ten minutes ends. The caller starts every job it is handed at once, or
 * gives the rest back with store_hook_release. */
int store_hook_claim(struct store *s, int64_t now, int max, const int64_t *skip,
		     size_t nskip, struct hook_job **jobs, size_t *n);
/* Ends this process's claim on the N deliveries IDS without a result: due
 * again at NOW, for any instance. A no-op where nothing is claimed (SQLite). */
int store_hook_release(struct store *s, const int64_t *ids, size_t n, int64_t now);
void store_hook_jobs_free(struct hook_job *jobs, size_t n);
/* OK: delivered (row removed). Else retried at NEXT_TRY, or given up when
 * NEXT_TRY is 0 (recorded with ERROR). */
int store_hook_result(struct store *s, int64_t item_id, bool ok, int64_t next_try,
		      const char *error);

/* Parked deliveries: given up (HOOKS_MAX_ATTEMPTS failures, or one that
 * could not run at all), kept with their last error until retried —
 * never pruned with their item. */
#define STORE_HOOK_PARKED_MAX 1000
/* FEED's (NULL: every feed's), by feed then item, at most
 * STORE_HOOK_PARKED_MAX + 1 (the last says there are more):
 * [{"feed", "item", "title", "attempts", "error"}]. */
int store_hook_parked_json(struct store *s, const char *feed, json_t **out);
/* FEED's (NULL: every feed's) parked deliveries due again at NOW, with no
 * attempts counted; *N how many. */
int store_hook_retry(struct store *s, const char *feed, int64_t now, int64_t *n);

/* --- figures --- */
struct store_figures {
	int64_t items, feeds, tombstones, events, consumers, hooks_pending;
	int64_t file_bytes, wal_bytes;
};
int store_figures(struct store *s, struct store_figures *f);

/* Periodic upkeep off the hot path: indexes for search the items stored
 * since the last call (SQLite; a search does it too when needed), expires
 * events past their keep (SQLite: 30 days, the last million), then a
 * passive WAL checkpoint. */
int store_checkpoint(struct store *s);
/* Hands back the memory this connection's caches hold (SQLite's page
 * cache refills from the file as queries need it): an idle daemon stays
 * small. */
int store_release_memory(struct store *s);

/* --- several instances on one store (PostgreSQL) --- */
/* Takes this instance's lease on feed ST->name until NOW+LEASE (seconds)
 * before fetching it, if the feed is still as ST describes it — no other
 * instance fetched it since (same next_due and last_fetch) — and no other
 * live instance holds it. 0: fetch it; -EAGAIN: another instance fetched
 * it, reload its state (store_feed_load) and reschedule; -EBUSY: another
 * instance holds the lease now, try again later. The lease ends with the
 * feed's next store_commit_fetch, or at its expiry if this instance dies.
 * A store only one process uses (SQLite) always answers 0. */
int store_claim_feed(struct store *s, const struct feed_state *st, int64_t now,
		     int64_t lease);

/* Per-host manners over every instance of a shared store (PostgreSQL).
 * The claim of a fetch also takes one of its host's per_host slots (held
 * by the lease: freed by the commit, or at the lease's expiry) and starts
 * its host_gap, in the same statement. */
struct store_host {
	const char *name;        /* the host the fetch goes to, lower case */
	int64_t per_host;        /* fetches to it at once over all instances; 0 = no cap */
	int64_t gap_ms;          /* between the starts of two fetches to it */
	int64_t wait_ms;         /* out: -EBUSY because of the host: try again in this */
	int64_t n429;            /* out: the host's run of 429s over all instances */
};
/* store_claim_feed, and HOST's slot and pacing when HOST is not NULL:
 * -EBUSY with HOST->wait_ms > 0 when the host is paced, pushed back or
 * full. A store only one process uses answers 0 with wait_ms 0: the
 * scheduler's own per-host accounting is the whole truth there. */
int store_claim_fetch(struct store *s, const struct feed_state *st, int64_t now,
		      int64_t lease, struct store_host *host);
/* Whether other processes share the store (claims ask the database). */
bool store_is_shared(const struct store *s);
/* Whether SPEC (feeds.conf's `store`) names a store several instances may
 * share (PostgreSQL), before it is opened. */
bool store_spec_shared(const char *spec);
/* The file a local store (SPEC, under STATE_DIR) keeps, on the heap, for
 * the daemon's one-per-store lock; NULL for a shared store or when out of
 * memory. */
char *store_file(const char *spec, const char *state_dir);
/* Why the PostgreSQL backend would refuse URI (a postgresql:// store) at
 * open, by libpq's own reading of it, or NULL: a password however written
 * (percent-encoded keys included), a query parameter libpq does not take,
 * a URI it cannot parse. URI is never quoted; BUF (BUFLEN bytes) may hold
 * the message. feedd hands it to the config reader
 * (core/storespec.h: storespec_set_pg_check). */
const char *store_pg_spec_problem(const char *uri, char *buf, size_t buflen);
/* Counts a 429 (IS429) or ends the run of 429s from HOST over every
 * instance; *n429 is the run's length afterwards. -ENOTSUP when one process
 * uses the store. */
int store_host_answer(struct store *s, const char *host, bool is429, int64_t *n429);
/* No fetch to HOST is claimed by any instance for the next MS
 * milliseconds (repeated 429s). -ENOTSUP when one process uses the store. */
int store_host_push(struct store *s, const char *host, int64_t ms);
/* The instances sharing the store: [{"id","host","pid","started",
 * "last_seen","stale","leases","feeds":[..]}], leases live at NOW; "stale":
 * its heartbeat is older than three periods (store_set_heartbeat): killed
 * or stuck. -ENOTSUP when one process uses the store. */
int store_instances_json(struct store *s, int64_t now, json_t **out);
/* The daemon's heartbeat on a shared store is its store_checkpoint, every
 * PERIOD_MS (60 s unless set). An instance whose heartbeat is older than
 * three periods is stale, and the heartbeat of another instance drops it
 * from the list once it holds no live lease. Set on the first handle
 * before store_reopen and store_open_reader, which inherit it. No effect
 * when one process uses the store. */
void store_set_heartbeat(struct store *s, int64_t period_ms);

/* Whether this process reaches its store now (a database server; a store
 * in a file is always available): when UNAVAILABLE, SINCE when and the
 * LAST_ERROR of the latest attempt. Its operations fail with -ECONNRESET
 * meanwhile, at once between reconnect attempts (which back off). Any
 * thread. */
struct store_health {
	bool unavailable;
	int64_t since;
	char label[128];         /* which store: "postgresql DB@HOST", never a URI */
	char last_error[256];
};
void store_health_get(struct store_health *out);

/* News committed by other instances (PostgreSQL LISTEN/NOTIFY): a
 * descriptor that turns readable when some may have arrived, or -ENOTSUP
 * when no other process writes the store. store_news_read reads what
 * arrived without blocking: *any is true when another instance (or this
 * one) committed news since the last call. */
/* The connection news arrive on never blocks its caller (the loop): when
 * it was lost, store_news_fd starts a reconnect (and LISTEN) and each later
 * call takes it one step further. It answers the descriptor to watch: with
 * *CONNECTING false, news arrive on it; with *CONNECTING true, a reconnect
 * is under way: call again once it is writable (*WRITE) or readable, and
 * at least every STORE_NEWS_STEP_MS (the attempt's time limit,
 * connect_timeout, is checked then). A negative errno while it cannot
 * (-ECONNRESET: the attempt failed, try later; -ENOTSUP: no other process
 * writes this store). store_news_read answers -ECONNRESET once the
 * connection was renewed since it last looked (by any use of it): ask
 * store_news_fd for the new descriptor, and look for what other instances
 * committed meanwhile. store_news_lost: the descriptor reported an error
 * (a reset, a keepalive that ran out); the next store_news_fd reconnects. */
#define STORE_NEWS_STEP_MS 500
int store_news_fd(struct store *s, bool *connecting, bool *write);
void store_news_lost(struct store *s);
int store_news_read(struct store *s, bool *any);

#endif
