/* store.c — the store interface's dispatcher: picks the backend named by
 * the store spec at open and forwards every call to the domain file that
 * owns its rule (over the backend's primitives) or to the backend's own
 * entry (backend.h), so that nothing outside store/ knows which backend
 * runs. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/storespec.h"
#include "store/backend.h"

struct store {
	const struct store_ops *ops;
	void *b;                 /* the backend's handle */
};

const struct store_ops *store_ops_of(struct store *s, void **b)
{
	*b = s->b;
	return s->ops;
}

char *fmt_err(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *m = NULL;
	if (vasprintf(&m, fmt, ap) < 0)
		m = NULL;
	va_end(ap);
	return m;
}

static bool is_pg_spec(const char *spec)
{
	return storespec_kind(spec) == STORESPEC_PG;
}

bool store_spec_shared(const char *spec)
{
	return is_pg_spec(spec);
}

char *store_file(const char *spec, const char *state_dir)
{
	return storespec_file(spec, state_dir);
}

const char *store_pg_spec_problem(const char *uri, char *buf, size_t buflen)
{
#ifdef FEEDD_HAVE_PG
	return pg_spec_problem(uri, buf, buflen);
#else
	(void)uri;
	(void)buf;
	(void)buflen;
	return "this feedd was built without the PostgreSQL backend (libpq); use store = sqlite";
#endif
}

int store_open(const char *spec, const char *state_dir, struct store **out, char **err)
{
	*out = NULL;
	*err = NULL;
	struct store *s = calloc(1, sizeof *s);
	if (!s)
		return -ENOMEM;
	int r;
	if (is_pg_spec(spec)) {
#ifdef FEEDD_HAVE_PG
		s->ops = &pg_store_ops;
		r = pg_backend_open(spec, &s->b, err);
#else
		/* Never echo the spec: it may carry credentials. */
		if (asprintf(err, "store: this feedd was built without the PostgreSQL "
			     "backend (libpq); use store = sqlite") < 0)
			*err = NULL;
		r = -EINVAL;
#endif
	} else {
		s->ops = &sqlite_store_ops;
		r = sqlite_backend_open(spec, state_dir, &s->b, err);
	}
	if (r < 0) {
		free(s);
		return r;
	}
	*out = s;
	return 0;
}

int store_open_reader(struct store *s, struct store **out)
{
	*out = NULL;
	if (!s->ops->open_reader)
		return -ENOTSUP;
	struct store *r = calloc(1, sizeof *r);
	if (!r)
		return -ENOMEM;
	r->ops = s->ops;
	int rc = s->ops->open_reader(s->b, &r->b);
	if (rc < 0) {
		free(r);
		return rc;
	}
	*out = r;
	return 0;
}

int store_reopen(struct store *s, struct store **out, char **err)
{
	*out = NULL;
	*err = NULL;
	struct store *n = calloc(1, sizeof *n);
	if (!n)
		return -ENOMEM;
	n->ops = s->ops;
	int r = s->ops->reopen(s->b, &n->b, err);
	if (r < 0) {
		free(n);
		return r;
	}
	*out = n;
	return 0;
}

void store_close(struct store *s)
{
	if (!s)
		return;
	s->ops->close(s->b);
	free(s);
}

int store_feeds_sync(struct store *s, const struct config *c)
{
	return feeds_sync(s->ops->prims, s->b, c, NULL, NULL);
}

int store_feeds_sync_rename(struct store *s, const struct config *c, const char *from,
			    const char *to)
{
	return feeds_sync(s->ops->prims, s->b, c, from, to);
}

int store_feed_load(struct store *s, const char *name, struct feed_state *out)
{
	return feed_load(s->ops->prims, s->b, name, out);
}

int store_feeds_load(struct store *s, int (*fn)(struct feed_state *st, void *ud), void *ud)
{
	return feeds_load(s->ops->prims, s->b, fn, ud);
}

int store_commit_fetch(struct store *s, const struct feed_state *st,
		       const struct doc *doc, unsigned feed_events, bool hook,
		       struct store_news *news)
{
	return commit_fetch(s->ops->prims, s->b, st, doc, feed_events, hook, news);
}

int store_commit_batch(struct store *s, struct store_commit *c, size_t n)
{
	return commit_batch(s->ops->prims, s->b, c, n);
}

int store_feeds_touch(struct store *s, const struct feed_state *st, size_t n)
{
	return commit_touch(s->ops->prims, s->b, st, n);
}

static int collect_item(const struct item_row *row, void *ud)
{
	json_t *j = item_row_to_json(row);
	if (!j || json_array_append_new(ud, j) < 0)
		return -ENOMEM;
	return 0;
}

int store_items(struct store *s, const struct item_query *q, json_t **items, int64_t *next)
{
	*items = NULL;
	json_t *arr = json_array();
	if (!arr)
		return -ENOMEM;
	int r = items_each(s->ops, s->b, q, collect_item, arr, next);
	if (r < 0) {
		json_decref(arr);
		return r;
	}
	*items = arr;
	return 0;
}

int store_items_each(struct store *s, const struct item_query *q, store_item_fn fn, void *ud,
		     int64_t *next)
{
	return items_each(s->ops, s->b, q, fn, ud, next);
}

int store_events(struct store *s, int64_t after, int limit, json_t **events, int64_t *next)
{
	return events_json(s->ops->prims, s->b, after, limit, events, next);
}

int store_last_ids(struct store *s, int64_t *last_item_id, int64_t *last_event_seq)
{
	return s->ops->last_ids(s->b, last_item_id, last_event_seq);
}

int store_feeds_json(struct store *s, const char *name, json_t **out)
{
	return feeds_json(s->ops->prims, s->b, name, out);
}

int store_feed_counts(struct store *s, const char *const *disabled, size_t ndisabled,
		      struct store_feed_counts *out)
{
	return feed_state_counts(s->ops->prims, s->b, disabled, ndisabled, out);
}

int store_consumer_get(struct store *s, const char *name, bool create, bool from_now,
		       int64_t *cursor)
{
	return s->ops->consumer_get(s->b, name, create, from_now, cursor);
}

int store_consumer_ack(struct store *s, const char *name, int64_t upto)
{
	return s->ops->consumer_ack(s->b, name, upto);
}

int store_consumers_json(struct store *s, json_t **out)
{
	return s->ops->consumers_json(s->b, out);
}

int store_consumer_delete(struct store *s, const char *name)
{
	return s->ops->consumer_delete(s->b, name);
}

int store_feed_rename(struct store *s, const char *from, const char *to)
{
	return feeds_rename(s->ops->prims, s->b, from, to);
}

int store_prune(struct store *s, const char *feed, int64_t now, int64_t retention,
		int64_t max_items, int batch, int *pruned)
{
	return retention_prune(s->ops->prims, s->b, feed, now, retention, max_items, batch, pruned);
}

int store_hook_due(struct store *s, int64_t now, int max, struct hook_job **jobs, size_t *n)
{
	return s->ops->hook_due(s->b, now, max, NULL, 0, jobs, n);
}

int store_hook_claim(struct store *s, int64_t now, int max, const int64_t *skip,
		     size_t nskip, struct hook_job **jobs, size_t *n)
{
	return s->ops->hook_due(s->b, now, max, skip, nskip, jobs, n);
}

int store_hook_release(struct store *s, const int64_t *ids, size_t n, int64_t now)
{
	return n && s->ops->hook_release ? s->ops->hook_release(s->b, ids, n, now) : 0;
}

int store_hook_parked_json(struct store *s, const char *feed, json_t **out)
{
	return s->ops->hook_parked_json(s->b, feed, out);
}

int store_hook_retry(struct store *s, const char *feed, int64_t now, int64_t *n)
{
	return s->ops->hook_retry(s->b, feed, now, n);
}

int store_hook_result(struct store *s, int64_t item_id, bool ok, int64_t next_try,
		      const char *error)
{
	return hook_result(s->ops->prims, s->b, item_id, ok, next_try, error);
}

int store_figures(struct store *s, struct store_figures *f)
{
	return s->ops->figures(s->b, f);
}

int store_checkpoint(struct store *s)
{
	return s->ops->checkpoint(s->b);
}

int store_release_memory(struct store *s)
{
	return s->ops->release_memory ? s->ops->release_memory(s->b) : 0;
}

int store_claim_feed(struct store *s, const struct feed_state *st, int64_t now,
		     int64_t lease)
{
	return store_claim_fetch(s, st, now, lease, NULL);
}

int store_claim_fetch(struct store *s, const struct feed_state *st, int64_t now,
		      int64_t lease, struct store_host *host)
{
	if (host) {
		host->wait_ms = 0;
		host->n429 = 0;
	}
	return s->ops->claim_feed ? s->ops->claim_feed(s->b, st, now, lease, host) : 0;
}

bool store_is_shared(const struct store *s)
{
	return s->ops->claim_feed != NULL;
}

int store_host_answer(struct store *s, const char *host, bool is429, int64_t *n429)
{
	return s->ops->host_answer ? s->ops->host_answer(s->b, host, is429, n429) : -ENOTSUP;
}

int store_host_push(struct store *s, const char *host, int64_t ms)
{
	return s->ops->host_push ? s->ops->host_push(s->b, host, ms) : -ENOTSUP;
}

int store_instances_json(struct store *s, int64_t now, json_t **out)
{
	*out = NULL;
	return s->ops->instances_json ? s->ops->instances_json(s->b, now, out) : -ENOTSUP;
}

void store_set_heartbeat(struct store *s, int64_t period_ms)
{
	if (s->ops->set_heartbeat)
		s->ops->set_heartbeat(s->b, period_ms);
}

int store_news_fd(struct store *s, bool *connecting, bool *write)
{
	*connecting = *write = false;
	return s->ops->news_fd ? s->ops->news_fd(s->b, connecting, write) : -ENOTSUP;
}

void store_news_lost(struct store *s)
{
	if (s->ops->news_lost)
		s->ops->news_lost(s->b);
}

int store_news_read(struct store *s, bool *any)
{
	*any = false;
	return s->ops->news_read ? s->ops->news_read(s->b, any) : -ENOTSUP;
}
