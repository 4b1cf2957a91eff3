/* sqlite_ops.c — the SQLite backend's entries for the dispatcher (store.c):
 * each one hands the backend's handle back to the function of store.h that
 * sqlite*.c implement (compiled as sqlite_store_*, see sqlite_int.h). */
#include "store/sqlite_int.h"   /* first: its names for store.h's functions */
#include "store/backend.h"

int sqlite_backend_open(const char *spec, const char *state_dir, void **out, char **err)
{
	struct store *s = NULL;
	int r = store_open(spec, state_dir, &s, err);
	*out = s;
	return r;
}

static void op_close(void *b) { store_close(b); }

static int op_reopen(void *b, void **out, char **err)
{
	struct store *s = NULL;
	int r = store_reopen(b, &s, err);
	*out = s;
	return r;
}

static int op_feeds_sync(void *b, const struct config *c) { return store_feeds_sync(b, c); }

static int op_feed_load(void *b, const char *name, struct feed_state *out)
{
	return store_feed_load(b, name, out);
}

static int op_commit_fetch(void *b, const struct feed_state *st, const struct doc *doc,
			   unsigned ev, bool hook, struct store_news *news)
{
	return store_commit_fetch(b, st, doc, ev, hook, news);
}

static int op_items_each(void *b, const struct item_query *q, store_item_fn fn, void *ud,
			 int64_t *next)
{
	return store_items_each(b, q, fn, ud, next);
}

static int op_open_reader(void *b, void **out)
{
	struct store *r = NULL;
	int rc = store_open_reader(b, &r);
	*out = r;
	return rc;
}

static int op_feed_counts(void *b, const char *const *disabled, size_t ndisabled,
			  struct store_feed_counts *out)
{
	return store_feed_counts(b, disabled, ndisabled, out);
}

static int op_events(void *b, int64_t after, int limit, json_t **events, int64_t *next)
{
	return store_events(b, after, limit, events, next);
}

static int op_last_ids(void *b, int64_t *item, int64_t *event)
{
	return store_last_ids(b, item, event);
}

static int op_feeds_json(void *b, const char *name, json_t **out)
{
	return store_feeds_json(b, name, out);
}

static int op_consumer_get(void *b, const char *name, bool create, bool from_now,
			   int64_t *cursor)
{
	return store_consumer_get(b, name, create, from_now, cursor);
}

static int op_consumer_ack(void *b, const char *name, int64_t upto)
{
	return store_consumer_ack(b, name, upto);
}

static int op_consumers_json(void *b, json_t **out) { return store_consumers_json(b, out); }

static int op_prune(void *b, const char *feed, int64_t now, int64_t retention,
		    int64_t max_items, int batch, int *pruned)
{
	return store_prune(b, feed, now, retention, max_items, batch, pruned);
}

/* Nothing is claimed here: asks for NSKIP more and leaves SKIP out. */
static int op_hook_due(void *b, int64_t now, int max, const int64_t *skip, size_t nskip,
		       struct hook_job **jobs, size_t *n)
{
	int r = store_hook_due(b, now, max + (int)nskip, jobs, n);
	if (r < 0 || !nskip)
		return r;
	size_t k = 0;
	for (size_t i = 0; i < *n; i++) {
		bool skipped = false;
		for (size_t j = 0; j < nskip && !skipped; j++)
			skipped = (*jobs)[i].item_id == skip[j];
		if (skipped || k == (size_t)max) {
			free((*jobs)[i].feed);
			json_decref((*jobs)[i].item);
			continue;
		}
		(*jobs)[k++] = (*jobs)[i];
	}
	*n = k;
	return 0;
}

static int op_hook_parked_json(void *b, const char *feed, json_t **out)
{
	return store_hook_parked_json(b, feed, out);
}

static int op_hook_retry(void *b, const char *feed, int64_t now, int64_t *n)
{
	return store_hook_retry(b, feed, now, n);
}

static int op_hook_result(void *b, int64_t item_id, bool ok, int64_t next_try,
			  const char *error)
{
	return store_hook_result(b, item_id, ok, next_try, error);
}

static int op_figures(void *b, struct store_figures *f) { return store_figures(b, f); }

static int op_checkpoint(void *b) { return store_checkpoint(b); }
static int op_release_memory(void *b) { return store_release_memory(b); }

const struct store_ops sqlite_store_ops = {
	.name = "sqlite",
	.close = op_close,
	.reopen = op_reopen,
	.feeds_sync = op_feeds_sync,
	.feed_load = op_feed_load,
	.commit_fetch = op_commit_fetch,
	.items_each = op_items_each,
	.events = op_events,
	.last_ids = op_last_ids,
	.feeds_json = op_feeds_json,
	.feed_counts = op_feed_counts,
	.consumer_get = op_consumer_get,
	.consumer_ack = op_consumer_ack,
	.consumers_json = op_consumers_json,
	.prune = op_prune,
	.hook_due = op_hook_due,
	.hook_result = op_hook_result,
	.hook_parked_json = op_hook_parked_json,
	.hook_retry = op_hook_retry,
	.figures = op_figures,
	.checkpoint = op_checkpoint,
	.release_memory = op_release_memory,
	.open_reader = op_open_reader,
	.items_mark = sqlite_items_mark,
	.feed_mark_read = sqlite_feed_mark_read,
	.reader_feeds = sqlite_reader_feeds,
};
