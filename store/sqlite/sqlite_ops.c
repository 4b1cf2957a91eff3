/* sqlite_ops.c — the SQLite backend's entries for the dispatcher (store.c):
 * each one hands the backend's handle to the sqlite_store_* function of
 * sqlite*.c that implements that function of store.h (sqlite_int.h); the
 * table names the entries of other files too (manage.h, backend.h). */
#include "store/sqlite/sqlite_int.h"
#include "store/manage.h"

int sqlite_backend_open(const char *spec, const char *state_dir, void **out, char **err)
{
	struct sqlite_store *s = NULL;
	int r = sqlite_store_open(spec, state_dir, &s, err);
	*out = s;
	return r;
}

static void sqlite_op_close(void *b) { sqlite_store_close(b); }

static int sqlite_op_reopen(void *b, void **out, char **err)
{
	struct sqlite_store *s = NULL;
	int r = sqlite_store_reopen(b, &s, err);
	*out = s;
	return r;
}

static int sqlite_op_open_reader(void *b, void **out)
{
	struct sqlite_store *r = NULL;
	int rc = sqlite_store_open_reader(b, &r);
	*out = r;
	return rc;
}

static int sqlite_op_last_ids(void *b, int64_t *item, int64_t *event)
{
	return sqlite_store_last_ids(b, item, event);
}

static int sqlite_op_consumer_get(void *b, const char *name, bool create, bool from_now,
			   int64_t *cursor)
{
	return sqlite_store_consumer_get(b, name, create, from_now, cursor);
}

static int sqlite_op_consumer_ack(void *b, const char *name, int64_t upto)
{
	return sqlite_store_consumer_ack(b, name, upto);
}

static int sqlite_op_consumers_json(void *b, json_t **out) { return sqlite_store_consumers_json(b, out); }

/* Nothing is claimed here: asks for NSKIP more and leaves SKIP out. */
static int sqlite_op_hook_due(void *b, int64_t now, int max, const int64_t *skip, size_t nskip,
		       struct hook_job **jobs, size_t *n)
{
	int r = sqlite_store_hook_due(b, now, max + (int)nskip, jobs, n);
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

static int sqlite_op_hook_parked_json(void *b, const char *feed, json_t **out)
{
	return sqlite_store_hook_parked_json(b, feed, out);
}

static int sqlite_op_hook_retry(void *b, const char *feed, int64_t now, int64_t *n)
{
	return sqlite_store_hook_retry(b, feed, now, n);
}

static int sqlite_op_figures(void *b, struct store_figures *f) { return sqlite_store_figures(b, f); }

static int sqlite_op_checkpoint(void *b) { return sqlite_store_checkpoint(b); }
static int sqlite_op_release_memory(void *b) { return sqlite_store_release_memory(b); }

const struct store_ops sqlite_store_ops = {
	.prims = &sqlite_prims,
	.name = "sqlite",
	STORE_OPS_COMMON(sqlite_op_),
	.release_memory = sqlite_op_release_memory,
};
