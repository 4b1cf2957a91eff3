/* api.c — the socket API's endpoints (docs/API.md) on top of http.c:
 * routing, store queries, output formats and held long-polls. */
#include "daemon/api.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <systemd/sd-daemon.h>
#include <time.h>

#include "core/apifmt.h"
#include "core/apireq.h"
#include "core/log.h"
#include "daemon/http.h"
#include "daemon/sched.h"

/* Answers up to this size go out whole with Content-Length; longer ones are
 * streamed in chunks so a slow reader holds at most a slice in the queue. */
#define WHOLE_MAX (256u * 1024)
#define SLICE (64u * 1024)

enum ctx_kind { CTX_WAIT, CTX_STREAM };

struct api {
	struct feedd *d;
	struct http_server *srv;
	struct waiter *waiters;
	bool closing;
};

/* A held long-poll; freed in its timer's close callback. */
struct waiter {
	enum ctx_kind kind;
	uv_timer_t timer;
	struct api *api;
	struct http_conn *conn;     /* NULL once the client is gone */
	struct apireq req;
	int64_t mark;               /* last item id / event seq seen when parked */
	struct waiter *prev, *next;
};

/* The rest of a long answer being streamed. */
struct stream {
	enum ctx_kind kind;
	struct buf body;
	size_t off;
};

static const char *const ctypes[FMT__COUNT] = {
	[FMT_JSON] = "application/json",
	[FMT_NDJSON] = "application/x-ndjson",
	[FMT_TSV] = "text/tab-separated-values; charset=utf-8",
	[FMT_ATOM] = "application/atom+xml; charset=utf-8",
};

/* --- sending --- */

/* Answers are rendered into one buffer kept from request to request: a
 * large buffer freed per answer makes malloc consolidate its heap every
 * time (measured: a third of the loop's time under load). Loop thread only. */
#define SCRATCH_KEEP (1u << 20)
static struct buf scratch;

static struct buf scratch_take(void)
{
	struct buf b = scratch;
	memset(&scratch, 0, sizeof scratch);
	b.len = 0;
	b.oom = false;
	if (b.data)
		b.data[0] = '\0';
	return b;
}

static void scratch_give(struct buf *b)
{
	if (b->data && b->cap <= SCRATCH_KEEP && !scratch.data)
		scratch = *b;
	else
		buf_free(b);
	memset(b, 0, sizeof *b);
}

static void stream_pull(struct http_conn *c, void *ctx)
{
	struct stream *st = ctx;
	size_t n = st->body.len - st->off;
	if (n > SLICE)
		n = SLICE;
	if (n && http_stream_write(c, st->body.data + st->off, n) < 0)
		return;  /* gone: on_abort frees ST */
	st->off += n;
	if (st->off == st->body.len && http_stream_end(c) == 0) {
		buf_free(&st->body);
		free(st);
	}
}

/* Sends BODY (taken over) whole or streamed. */
static void send_buf(struct http_conn *c, int status, enum api_format f, const char *headers,
		     struct buf *body)
{
	if (body->oom) {
		static const char oom[] = "{\"error\":\"out of memory\",\"detail\":null}\n";
		scratch_give(body);
		http_reply(c, 500, ctypes[FMT_JSON], NULL, oom, sizeof oom - 1);
		return;
	}
	if (body->len <= WHOLE_MAX) {
		http_reply(c, status, ctypes[f], headers, body->data, body->len);
		scratch_give(body);
		return;
	}
	struct stream *st = calloc(1, sizeof *st);
	if (!st) {
		buf_free(body);
		http_reply(c, 500, ctypes[FMT_JSON], NULL, "{\"error\":\"out of memory\"}\n", 26);
		return;
	}
	st->kind = CTX_STREAM;
	st->body = *body;
	memset(body, 0, sizeof *body);
	http_conn_set_ctx(c, st);
	http_stream_begin(c, status, ctypes[f], headers, stream_pull);
}

static void send_json(struct http_conn *c, int status, const char *headers, json_t *j)
{
	if (!j) {
		/* json_pack failed: only out of memory can do that here. */
		static const char oom[] = "{\"error\":\"out of memory\",\"detail\":null}\n";
		http_reply(c, 500, ctypes[FMT_JSON], NULL, oom, sizeof oom - 1);
		return;
	}
	struct buf b = scratch_take();
	apifmt_json(&b, j);
	json_decref(j);
	send_buf(c, status, FMT_JSON, headers, &b);
}

static void send_error(struct http_conn *c, int status, const char *error, const char *detail,
		       const char *allow)
{
	char headers[64] = "";
	if (allow)
		snprintf(headers, sizeof headers, "Allow: %s\r\n", allow);
	send_json(c, status, allow ? headers : NULL,
		  json_pack("{s:s,s:o}", "error", error, "detail",
			    detail ? json_string_lossy(detail) : json_null()));
}

static void send_store_error(struct http_conn *c, int r)
{
	send_error(c, 500, "store error", strerror(-r), NULL);
}

/* --- items --- */

/* 0 when every named feed exists; else answers 404 and returns -ENOENT. */
static int check_feeds(struct api *a, struct http_conn *c, const char *const *names, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct feed_state st = { 0 };
		int r = store_feed_load(a->d->store, names[i], &st);
		feed_state_clear(&st);
		if (r == -ENOENT) {
			char detail[300];
			snprintf(detail, sizeof detail, "no feed named \"%s\"", names[i]);
			send_error(c, 404, "unknown feed", detail, NULL);
			return r;
		}
	}
	return 0;
}

static void render_items(struct api *a, struct http_conn *c, const struct apireq *r,
			 json_t *items, int64_t next)
{
	struct buf b = scratch_take();
	char headers[64];
	snprintf(headers, sizeof headers, "Feedd-Next: %lld\r\n", (long long)next);
	switch (r->format) {
	case FMT_JSON: {
		json_t *j = json_pack("{s:O,s:I}", "items", items, "next", (json_int_t)next);
		apifmt_json(&b, j);
		json_decref(j);
		break;
	}
	case FMT_NDJSON:
		apifmt_ndjson(&b, items);
		break;
	case FMT_TSV:
		apifmt_tsv(&b, items);
		break;
	case FMT_ATOM: {
		char title[300];
		if (r->route == ROUTE_FEED_ITEMS)
			snprintf(title, sizeof title, "feedd: %s", r->name);
		else if (r->route == ROUTE_CONSUMER_ITEMS)
			snprintf(title, sizeof title, "feedd: new for %s", r->name);
		else
			snprintf(title, sizeof title, "feedd: items");
		apifmt_atom(&b, items, title, (int64_t)time(NULL));
		break;
	}
	case FMT__COUNT:
		break;
	}
	(void)a;
	send_buf(c, 200, r->format, headers, &b);
}

/* Runs the query. Answers unless it came back empty and WAIT is allowed:
 * then returns 0 without answering. 1 = answered. */
static int items_try(struct api *a, struct http_conn *c, const struct apireq *r, bool may_wait)
{
	struct item_query q;
	apireq_item_query(r, &q);
	json_t *items = NULL;
	int64_t next = 0;
	int rc = store_items(a->d->store, &q, &items, &next);
	if (rc < 0) {
		send_store_error(c, rc);
		return 1;
	}
	if (may_wait && r->wait > 0 && json_array_size(items) == 0) {
		json_decref(items);
		return 0;
	}
	render_items(a, c, r, items, next);
	json_decref(items);
	return 1;
}

static int events_try(struct api *a, struct http_conn *c, const struct apireq *r, bool may_wait)
{
	json_t *events = NULL;
	int64_t next = 0;
	int rc = store_events(a->d->store, r->after, r->limit, &events, &next);
	if (rc < 0) {
		send_store_error(c, rc);
		return 1;
	}
	if (may_wait && r->wait > 0 && json_array_size(events) == 0) {
		json_decref(events);
		return 0;
	}
	struct buf b = scratch_take();
	char headers[64];
	snprintf(headers, sizeof headers, "Feedd-Next: %lld\r\n", (long long)next);
	if (r->format == FMT_NDJSON) {
		apifmt_ndjson(&b, events);
	} else {
		json_t *j = json_pack("{s:O,s:I}", "events", events, "next", (json_int_t)next);
		apifmt_json(&b, j);
		json_decref(j);
	}
	json_decref(events);
	send_buf(c, 200, r->format, headers, &b);
	return 1;
}

static int request_try(struct api *a, struct http_conn *c, const struct apireq *r, bool may_wait)
{
	return r->route == ROUTE_EVENTS ? events_try(a, c, r, may_wait)
					: items_try(a, c, r, may_wait);
}

/* --- long-polls --- */

static void on_waiter_closed(uv_handle_t *h)
{
	struct waiter *w = h->data;
	apireq_free(&w->req);
	free(w);
}

static void waiter_release(struct waiter *w)
{
	struct api *a = w->api;
	if (w->prev)
		w->prev->next = w->next;
	else
		a->waiters = w->next;
	if (w->next)
		w->next->prev = w->prev;
	w->prev = w->next = NULL;
	w->conn = NULL;
	uv_timer_stop(&w->timer);
	uv_close((uv_handle_t *)&w->timer, on_waiter_closed);
}

/* Answers W with whatever the query gives now (maybe nothing). */
static void waiter_answer(struct waiter *w)
{
	struct http_conn *c = w->conn;
	struct api *a = w->api;
	/* The conn's context is cleared first: the answer completes the
	 * request, and W must not be mistaken for a stream's state. */
	http_conn_set_ctx(c, NULL);
	request_try(a, c, &w->req, false);
	waiter_release(w);
}

static void on_waiter_timeout(uv_timer_t *t)
{
	waiter_answer(t->data);
}

static void current_marks(struct api *a, int64_t *item, int64_t *event)
{
	*item = *event = 0;
	store_last_ids(a->d->store, item, event);
}

/* Holds the request until a wake-up satisfies it or WAIT seconds pass.
 * R is taken over. */
static void park(struct api *a, struct http_conn *c, struct apireq *r)
{
	if (http_conn_park(c) < 0) {
		apireq_free(r);
		send_error(c, 503, "too many waiting clients", "try again later", NULL);
		return;
	}
	struct waiter *w = calloc(1, sizeof *w);
	if (!w) {
		apireq_free(r);
		send_error(c, 500, "out of memory", NULL, NULL);
		return;
	}
	w->kind = CTX_WAIT;
	w->api = a;
	w->conn = c;
	w->req = *r;
	memset(r, 0, sizeof *r);
	int64_t item, event;
	current_marks(a, &item, &event);
	w->mark = w->req.route == ROUTE_EVENTS ? event : item;
	uv_timer_init(a->d->loop, &w->timer);
	w->timer.data = w;
	uv_timer_start(&w->timer, on_waiter_timeout, (uint64_t)w->req.wait * 1000, 0);
	w->next = a->waiters;
	if (a->waiters)
		a->waiters->prev = w;
	a->waiters = w;
	http_conn_set_ctx(c, w);
}

void api_wake(struct api *a, int64_t last_item_id, int64_t last_event_seq)
{
	if (!a || a->closing)
		return;
	struct waiter *next;
	for (struct waiter *w = a->waiters; w; w = next) {
		next = w->next;
		int64_t now = w->req.route == ROUTE_EVENTS ? last_event_seq : last_item_id;
		if (now <= w->mark || !w->conn)
			continue;
		w->mark = now;
		/* Filters may still exclude the new items: only an answer
		 * that has something ends the wait. */
		http_conn_set_ctx(w->conn, NULL);
		if (request_try(a, w->conn, &w->req, true))
			waiter_release(w);
		else
			http_conn_set_ctx(w->conn, w);
	}
}

/* --- the other endpoints --- */

static json_t *feed_config_json(const struct feed_conf *fc)
{
	json_t *tags = json_array();
	for (char **t = fc->tags; t && *t; t++)
		json_array_append_new(tags, json_string_lossy(*t));
	return json_pack("{s:o,s:I,s:I,s:I,s:I,s:I,s:o,s:b,s:b,s:b}",
			 "url", json_string_lossy(fc->url),
			 "interval", (json_int_t)fc->interval,
			 "min_interval", (json_int_t)fc->min_interval,
			 "max_interval", (json_int_t)fc->max_interval,
			 "retention", (json_int_t)fc->retention,
			 "max_items", (json_int_t)fc->max_items,
			 "tags", tags,
			 "enabled", fc->enabled,
			 "allow_private", fc->allow_private,
			 "hook", fc->exec != NULL);
}

static const char *feed_state_of(const json_t *f)
{
	const char *s = json_string_value(json_object_get(f, "state"));
	if (s)
		return s;
	if (json_is_true(json_object_get(f, "removed")))
		return "removed";
	if (json_is_true(json_object_get(f, "gone")))
		return "gone";
	if (json_is_false(json_object_get(json_object_get(f, "config"), "enabled")))
		return "disabled";
	if (json_integer_value(json_object_get(f, "failures")) > 0)
		return "failing";
	json_t *lf = json_object_get(f, "last_fetch");
	if (!lf || json_is_null(lf) || (json_is_integer(lf) && json_integer_value(lf) == 0))
		return "new";
	return "ok";
}

/* Adds what only the running daemon knows to a feed's stored state. */
static void feed_decorate(struct api *a, json_t *feed)
{
	const char *name = json_string_value(json_object_get(feed, "name"));
	if (!name)
		return;
	if (a->d->sched) {
		json_t *live = sched_feed_live(a->d->sched, name);
		if (live)
			json_object_set_new(feed, "live", live);
	}
	const struct feed_conf *fc = a->d->conf ? config_find_feed(a->d->conf, name) : NULL;
	if (fc && !json_object_get(feed, "config"))
		json_object_set_new(feed, "config", feed_config_json(fc));
	if (!json_object_get(feed, "state"))
		json_object_set_new(feed, "state", json_string(feed_state_of(feed)));
}

static void handle_feeds(struct api *a, struct http_conn *c, const struct apireq *r)
{
	json_t *feeds = NULL;
	int rc = store_feeds_json(a->d->store, r->name, &feeds);
	if (rc == -ENOENT) {
		send_error(c, 404, "unknown feed", r->name, NULL);
		return;
	}
	if (rc < 0) {
		send_store_error(c, rc);
		return;
	}
	if (r->name) {
		feed_decorate(a, feeds);
		send_json(c, 200, NULL, feeds);
		return;
	}
	size_t i;
	json_t *f;
	json_array_foreach(feeds, i, f)
		feed_decorate(a, f);
	if (r->format == FMT_NDJSON) {
		struct buf b = scratch_take();
		apifmt_ndjson(&b, feeds);
		json_decref(feeds);
		send_buf(c, 200, FMT_NDJSON, NULL, &b);
		return;
	}
	send_json(c, 200, NULL, json_pack("{s:o}", "feeds", feeds));
}

static void handle_status(struct api *a, struct http_conn *c)
{
	struct store_figures fig = { 0 };
	int rc = store_figures(a->d->store, &fig);
	if (rc < 0) {
		send_store_error(c, rc);
		return;
	}
	json_t *by_state = json_object();
	json_t *feeds = NULL;
	if (store_feeds_json(a->d->store, NULL, &feeds) == 0) {
		size_t i;
		json_t *f;
		json_array_foreach(feeds, i, f) {
			const char *st = feed_state_of(f);
			json_object_set_new(by_state, st,
					    json_integer(json_integer_value(json_object_get(by_state, st)) + 1));
		}
	}
	json_decref(feeds);
	int clients = 0, waiting = 0;
	api_clients(a, &clients, &waiting);
	int64_t last_item = 0, last_event = 0;
	store_last_ids(a->d->store, &last_item, &last_event);
	const struct feedd_totals *t = &a->d->totals;
	int64_t now = (int64_t)time(NULL);
	json_t *j = json_pack(
		"{s:s,s:I,s:I,s:{s:I,s:o},"
		"s:{s:I,s:I,s:I,s:I,s:I,s:I},s:{s:I,s:I},"
		"s:{s:I,s:I,s:I,s:I,s:I},s:{s:I,s:I},"
		"s:{s:I,s:I,s:I,s:I},s:{s:i,s:i}}",
		"version", FEEDD_VERSION,
		"started", (json_int_t)a->d->started,
		"uptime", (json_int_t)(a->d->started ? now - a->d->started : 0),
		"feeds", "total", (json_int_t)fig.feeds, "by_state", by_state,
		"fetches", "total", (json_int_t)t->fetches, "ok", (json_int_t)t->ok200,
		"not_modified", (json_int_t)t->not_modified,
		"errors_net", (json_int_t)t->errors_net, "errors_http", (json_int_t)t->errors_http,
		"errors_parse", (json_int_t)t->errors_parse,
		"bytes", "wire", (json_int_t)t->bytes_wire, "decoded", (json_int_t)t->bytes_decoded,
		"items", "stored", (json_int_t)fig.items, "last_id", (json_int_t)last_item,
		"new", (json_int_t)t->items_new, "updated", (json_int_t)t->items_updated,
		"tombstones", (json_int_t)fig.tombstones,
		"events", "stored", (json_int_t)fig.events, "last_seq", (json_int_t)last_event,
		"store", "file_bytes", (json_int_t)fig.file_bytes, "wal_bytes", (json_int_t)fig.wal_bytes,
		"consumers", (json_int_t)fig.consumers, "hooks_pending", (json_int_t)fig.hooks_pending,
		"api", "clients", clients, "waiting", waiting);
	/* A shared store (PostgreSQL): the instances and their leases. */
	json_t *instances = NULL;
	if (store_instances_json(a->d->store, now, &instances) == 0)
		json_object_set_new(j, "instances", instances);
	send_json(c, 200, NULL, j);
}

static void handle_consumer(struct api *a, struct http_conn *c, const struct apireq *r)
{
	int64_t cursor = 0;
	int rc = store_consumer_get(a->d->store, r->name, false, false, &cursor);
	if (rc == -ENOENT) {
		send_error(c, 404, "unknown consumer", r->name, NULL);
		return;
	}
	if (rc < 0) {
		send_store_error(c, rc);
		return;
	}
	if (r->route == ROUTE_CONSUMER) {
		json_t *all = NULL, *found = NULL;
		if (store_consumers_json(a->d->store, &all) == 0) {
			size_t i;
			json_t *v;
			json_array_foreach(all, i, v) {
				const char *n = json_string_value(json_object_get(v, "name"));
				if (n && !strcmp(n, r->name)) {
					found = json_incref(v);
					break;
				}
			}
		}
		json_decref(all);
		if (!found)
			found = json_pack("{s:o,s:I}", "name", json_string_lossy(r->name), "cursor", (json_int_t)cursor);
		send_json(c, 200, NULL, found);
		return;
	}
	/* ack */
	int64_t last_item = 0, last_event = 0;
	store_last_ids(a->d->store, &last_item, &last_event);
	if (r->upto > last_item) {
		send_error(c, 400, "bad parameter", "upto: beyond the newest item id", NULL);
		return;
	}
	rc = store_consumer_ack(a->d->store, r->name, r->upto);
	if (rc < 0) {
		send_store_error(c, rc);
		return;
	}
	store_consumer_get(a->d->store, r->name, false, false, &cursor);
	send_json(c, 200, NULL, json_pack("{s:o,s:I}", "consumer", json_string_lossy(r->name),
					  "cursor", (json_int_t)cursor));
}

static void handle_refresh(struct api *a, struct http_conn *c, const struct apireq *r)
{
	if (!a->d->sched) {
		send_error(c, 503, "not fetching", "the scheduler is not running", NULL);
		return;
	}
	int rc = sched_refresh(a->d->sched, r->name);
	if (rc == -ENOENT) {
		send_error(c, 404, "unknown feed", r->name, NULL);
		return;
	}
	if (rc < 0) {
		send_error(c, 500, "refresh failed", strerror(-rc), NULL);
		return;
	}
	send_json(c, 202, NULL, json_pack("{s:o,s:s}", "feed", json_string_lossy(r->name), "refresh", "queued"));
}

static void handle_reload(struct api *a, struct http_conn *c)
{
	struct config_errors errs = { 0 };
	int rc = feedd_reload(a->d, &errs);
	if (rc == 0) {
		config_errors_free(&errs);
		send_json(c, 200, NULL, json_pack("{s:b,s:I}", "reloaded", 1, "feeds",
						  (json_int_t)(a->d->conf ? a->d->conf->nfeeds : 0)));
		return;
	}
	json_t *list = json_array();
	for (size_t i = 0; i < errs.n; i++)
		json_array_append_new(list, json_string_lossy(errs.msgs[i]));
	config_errors_free(&errs);
	send_json(c, rc == -EINVAL ? 422 : 500, NULL,
		  json_pack("{s:s,s:o}", "error",
			    rc == -EINVAL ? "invalid config; the running set is kept"
					  : "cannot read the config file",
			    "detail", list));
}

static void on_request(struct http_conn *c, const struct http_request *hr, void *ud)
{
	struct api *a = ud;
	struct apireq r;
	if (apireq_parse(hr->method_name, hr->target, hr->body, hr->body_len, &r)) {
		send_error(c, r.status, r.error, r.detail, r.allow);
		apireq_free(&r);
		return;
	}
	if (!r.is_get)
		log_info("api: %s %s by uid %d (pid %d)", hr->method_name, hr->target,
			 (int)http_conn_uid(c), (int)http_conn_pid(c));
	switch (r.route) {
	case ROUTE_ITEMS:
	case ROUTE_FEED_ITEMS:
	case ROUTE_CONSUMER_ITEMS: {
		const char *const *names = (const char *const *)r.feeds;
		size_t n = r.nfeeds;
		if (r.route == ROUTE_FEED_ITEMS) {
			names = (const char *const *)&r.name;
			n = 1;
		}
		if (check_feeds(a, c, names, n) < 0)
			break;
		if (r.route == ROUTE_CONSUMER_ITEMS) {
			int64_t cur;
			int rc = store_consumer_get(a->d->store, r.name, true, r.from_now, &cur);
			if (rc < 0) {
				send_store_error(c, rc);
				break;
			}
		}
		if (!items_try(a, c, &r, true)) {
			park(a, c, &r);
			return;
		}
		break;
	}
	case ROUTE_EVENTS:
		if (!events_try(a, c, &r, true)) {
			park(a, c, &r);
			return;
		}
		break;
	case ROUTE_CONSUMERS: {
		json_t *list = NULL;
		int rc = store_consumers_json(a->d->store, &list);
		if (rc < 0)
			send_store_error(c, rc);
		else
			send_json(c, 200, NULL, json_pack("{s:o}", "consumers", list));
		break;
	}
	case ROUTE_CONSUMER:
	case ROUTE_CONSUMER_ACK:
		handle_consumer(a, c, &r);
		break;
	case ROUTE_FEEDS:
	case ROUTE_FEED:
		handle_feeds(a, c, &r);
		break;
	case ROUTE_FEED_REFRESH:
		handle_refresh(a, c, &r);
		break;
	case ROUTE_RELOAD:
		handle_reload(a, c);
		break;
	case ROUTE_STATUS:
		handle_status(a, c);
		break;
	case ROUTE__COUNT:
		send_error(c, 404, "not found", NULL, NULL);
		break;
	}
	apireq_free(&r);
}

static void on_abort(struct http_conn *c, void *ctx, void *ud)
{
	(void)c;
	(void)ud;
	if (!ctx)
		return;
	if (*(enum ctx_kind *)ctx == CTX_WAIT) {
		waiter_release(ctx);
	} else {
		struct stream *st = ctx;
		buf_free(&st->body);
		free(st);
	}
}

static void on_server_closed(void *ud)
{
	buf_free(&scratch);
	free(ud);
}

int api_start(struct feedd *d, const char *path, struct api **out)
{
	struct api *a = calloc(1, sizeof *a);
	if (!a)
		return -ENOMEM;
	a->d = d;
	int fd = -1;
	int n = sd_listen_fds(1);
	if (n > 0) {
		fd = SD_LISTEN_FDS_START;
		if (n > 1)
			log_warn("api: %d sockets passed by systemd; using the first", n);
		log_info("api: listening on the socket systemd passed");
	}
	struct http_limits lim = HTTP_LIMITS_DEFAULT;
	/* Held long-polls are descriptors: the soft limit (often 1024) would
	 * cap them before max_waiting does. Nothing here uses select(). */
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rlim_t want = rl.rlim_max < 65536 ? rl.rlim_max : 65536;
		if (want > rl.rlim_cur) {
			rl.rlim_cur = want;
			if (setrlimit(RLIMIT_NOFILE, &rl) == 0)
				log_debug("api: open files limit raised to %llu", (unsigned long long)want);
		}
	}
	struct http_handler h = {
		.on_request = on_request, .on_abort = on_abort, .on_closed = on_server_closed,
		.ud = a,
	};
	const char *group = d->conf ? d->conf->daemon.socket_group : NULL;
	int r = http_server_start(d->loop, path, group, fd, &lim, &h, &a->srv);
	if (r < 0) {
		free(a);
		return r;
	}
	if (fd < 0)
		log_info("api: listening on %s", path);
	*out = a;
	return 0;
}

int api_clients(const struct api *a, int *clients, int *waiting)
{
	http_server_counts(a->srv, clients, waiting);
	return 0;
}

void api_close(struct api *a)
{
	if (!a || a->closing)
		return;
	/* Held long-polls get their (empty) answer rather than a reset. */
	while (a->waiters && a->waiters->conn)
		waiter_answer(a->waiters);
	a->closing = true;
	http_server_close(a->srv);
}
