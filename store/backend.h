/* backend.h — what a store backend provides to the dispatcher in store.c
 * (internal to store/). Every function of store/store.h that depends on
 * the backend is one entry; the shared helpers (feed_state_clear,
 * store_news_clear, store_hook_jobs_free) are not. B is the backend's own
 * handle, made by its open function and freed by its close entry. */
#ifndef FEEDD_STORE_BACKEND_H
#define FEEDD_STORE_BACKEND_H

#include "store/store.h"

struct store_ops {
	const char *name;
	void (*close)(void *b);
	int (*reopen)(void *b, void **out, char **err);
	int (*feeds_sync)(void *b, const struct config *c);
	int (*feed_load)(void *b, const char *name, struct feed_state *out);
	int (*commit_fetch)(void *b, const struct feed_state *st, const struct doc *doc,
			    unsigned feed_events, bool hook, struct store_news *news);
	int (*items_each)(void *b, const struct item_query *q, store_item_fn fn, void *ud,
			  int64_t *next);
	int (*events)(void *b, int64_t after, int limit, json_t **events, int64_t *next);
	int (*last_ids)(void *b, int64_t *last_item_id, int64_t *last_event_seq);
	int (*feeds_json)(void *b, const char *name, json_t **out);
	int (*feed_counts)(void *b, const char *const *disabled, size_t ndisabled,
			   struct store_feed_counts *out);
	int (*consumer_get)(void *b, const char *name, bool create, bool from_now,
			    int64_t *cursor);
	int (*consumer_ack)(void *b, const char *name, int64_t upto);
	int (*consumers_json)(void *b, json_t **out);
	int (*prune)(void *b, const char *feed, int64_t now, int64_t retention,
		     int64_t max_items, int batch, int *pruned);
	int (*hook_due)(void *b, int64_t now, int max, const int64_t *skip, size_t nskip,
			struct hook_job **jobs, size_t *n);
	/* NULL: nothing is ever claimed. */
	int (*hook_release)(void *b, const int64_t *ids, size_t n, int64_t now);
	int (*hook_result)(void *b, int64_t item_id, bool ok, int64_t next_try,
			   const char *error);
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
	/* A reader's state (readstate.c): the N items IDS (all stored, else
	 * -ENOENT with *MISSING one that is not, nothing changed) get READ and
	 * STARRED (1 or 0; -1: unchanged), in one transaction. */
	int (*items_mark)(void *b, const int64_t *ids, size_t n, int read, int starred,
			  int64_t *missing);
	/* FEED's unread items with an id at most UPTO become read; *N how
	 * many. -ENOENT: no such feed. */
	int (*feed_mark_read)(void *b, const char *feed, int64_t upto, int64_t *n);
	/* store_reader_feeds. */
	int (*reader_feeds)(void *b, bool counts, json_t **out);
};

/* S's backend and its handle *B (store.c), for the domain files. */
const struct store_ops *store_ops_of(struct store *s, void **b);

/* The backends' reader-state entries (sqlite_readstate.c, pg_readstate.c). */
int sqlite_items_mark(void *b, const int64_t *ids, size_t n, int read, int starred,
		      int64_t *missing);
int sqlite_feed_mark_read(void *b, const char *feed, int64_t upto, int64_t *n);
int sqlite_reader_feeds(void *b, bool counts, json_t **out);
#ifdef FEEDD_HAVE_PG
int pg_items_mark(void *b, const int64_t *ids, size_t n, int read, int starred,
		  int64_t *missing);
int pg_feed_mark_read(void *b, const char *feed, int64_t upto, int64_t *n);
int pg_reader_feeds(void *b, bool counts, json_t **out);
#endif

/* The SQLite backend (store/sqlite*.c): SPEC "sqlite", NULL or a *.db path. */
extern const struct store_ops sqlite_store_ops;
int sqlite_backend_open(const char *spec, const char *state_dir, void **out, char **err);

#ifdef FEEDD_HAVE_PG
/* The PostgreSQL backend (store/pg*.c): SPEC a postgresql:// URI. */
extern const struct store_ops pg_store_ops;
int pg_backend_open(const char *spec, void **out, char **err);
#endif

#endif
