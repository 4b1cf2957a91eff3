/* api_endpoints.c — the socket API's endpoints (docs/API.md): the table
 * at the end of this file says, for each, its method and path, where its
 * store work runs and which functions do its parts; above it, each
 * endpoint's own code, in the table's order. docs/architecture.md, "Where
 * a new endpoint goes", is the recipe. */
#include <errno.h>
#include <stdio.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/feedstate.h"
#include "core/log.h"
#include "daemon/api_int.h"
#include "daemon/api_send.h"
#include "daemon/hooks.h"
#include "daemon/sched.h"

/* /v1/status waits this long for the store's figures, then answers with
 * the last ones it had, marked stale: a slow store never holds the
 * daemon's own figures back. */
#define STATUS_STORE_WAIT_MS 1000

/* --- items and events: GET /v1/items, /v1/feeds/NAME/items,
 * /v1/consumers/NAME/items, /v1/events (long-polls; apiquery.c renders) --- */

static void items_work(struct store *s, struct job *j, bool writable)
{
	apiquery_run(s, &j->req, (int64_t)time(NULL), &j->ans);
}

static void consumer_items_work(struct store *s, struct job *j, bool writable)
{
	const struct apireq *r = &j->req;
	/* A request that fails makes no consumer: the feeds it names are
	 * checked before (apireq_parse checked the rest). */
	if (!j->consumer_seen && apiquery_check_feeds(s, r, &j->ans) < 0) {
		j->need_create = false;
		return;
	}
	/* Reading creates the consumer: a write. A reader only looks; the
	 * writer creates it (FROM_NOW: at the newest item) and queries on. */
	int64_t cur = 0;
	int rc = store_consumer_get(s, r->name, writable && !j->consumer_seen, r->from_now, &cur);
	j->need_create = !writable && rc == -ENOENT && !j->consumer_seen;
	if (j->need_create)
		return;
	if (rc == 0)
		j->consumer_seen = true;
	/* -ENOENT: deleted while this long-poll waited; the query says 404
	 * rather than making it anew at the start. */
	if (rc < 0 && rc != -ENOENT) {
		j->ans.empty = false;
		apiquery_store_error(&j->ans, rc);
		return;
	}
	apiquery_run(s, r, (int64_t)time(NULL), &j->ans);
}

/* --- consumers: GET /v1/consumers, GET /v1/consumers/NAME,
 * POST /v1/consumers/NAME/ack, DELETE /v1/consumers/NAME --- */

static void consumers_work(struct store *s, struct job *j, bool writable)
{
	j->rc = store_consumers_json(s, &j->json);
}

static void consumers_answer(struct job *j)
{
	if (j->rc < 0)
		api_send_store_error(j->conn, j->rc);
	else
		api_send_json(j->conn, 200, NULL, json_pack("{s:O}", "consumers", j->json));
}

/* A consumer's entry in the list, with its counts; NULL if absent. */
static json_t *consumer_find(struct store *s, const char *name)
{
	json_t *all = NULL, *found = NULL;
	if (store_consumers_json(s, &all) == 0) {
		size_t i;
		json_t *v;
		json_array_foreach(all, i, v) {
			const char *n = json_string_value(json_object_get(v, "name"));
			if (n && !strcmp(n, name)) {
				found = json_incref(v);
				break;
			}
		}
	}
	json_decref(all);
	return found;
}

/* -ENOENT unknown consumer, -ERANGE beyond the newest item. */
static int consumer_ack(struct store *s, const struct apireq *r, int64_t *cursor)
{
	int rc = store_consumer_get(s, r->name, false, false, cursor);
	if (rc < 0)
		return rc;
	int64_t last_item = 0;
	if ((rc = store_last_ids(s, &last_item, NULL)) < 0)
		return rc;
	if (r->upto > last_item)
		return -ERANGE;
	if ((rc = store_consumer_ack(s, r->name, r->upto)) < 0)
		return rc;
	return store_consumer_get(s, r->name, false, false, cursor);
}

static void consumer_work(struct store *s, struct job *j, bool writable)
{
	j->rc = store_consumer_get(s, j->req.name, false, false, &j->cursor);
	if (j->rc == 0)
		j->json = consumer_find(s, j->req.name);
}

static void ack_work(struct store *s, struct job *j, bool writable)
{
	j->rc = consumer_ack(s, &j->req, &j->cursor);
}

static void consumer_delete_work(struct store *s, struct job *j, bool writable)
{
	j->rc = store_consumer_delete(s, j->req.name);
}

/* A consumer, or its cursor after an ack, or that it is gone. */
static void consumer_answer(struct job *j)
{
	struct http_conn *c = j->conn;
	const struct apireq *r = &j->req;
	if (j->rc == -ENOENT) {
		api_send_error(c, 404, "unknown consumer", r->name, NULL);
		return;
	}
	if (j->rc == -ERANGE) {
		api_send_error(c, 400, "bad parameter", "upto: beyond the newest item id", NULL);
		return;
	}
	if (j->rc < 0) {
		api_send_store_error(c, j->rc);
		return;
	}
	if (r->route == ROUTE_CONSUMER_DELETE) {
		log_notice("consumer %s deleted through the API", r->name);
		api_wake_consumer(j->api, r->name);
		api_send_json(c, 200, NULL, json_pack("{s:o,s:b}", "consumer",
						      json_string_lossy(r->name), "deleted", 1));
		return;
	}
	if (r->route == ROUTE_CONSUMER_ACK) {
		api_send_json(c, 200, NULL, json_pack("{s:o,s:I}", "consumer", json_string_lossy(r->name),
						  "cursor", (json_int_t)j->cursor));
		return;
	}
	json_t *found = j->json;
	j->json = NULL;
	if (!found)
		found = json_pack("{s:o,s:I}", "name", json_string_lossy(r->name), "cursor",
				  (json_int_t)j->cursor);
	api_send_json(c, 200, NULL, found);
}

/* --- feeds: GET /v1/feeds, GET /v1/feeds/NAME --- */

static void feeds_work(struct store *s, struct job *j, bool writable)
{
	j->rc = store_feeds_json(s, j->req.name, &j->json);
}

static json_t *feed_config_json(const struct feed_conf *fc)
{
	json_t *tags = json_array(), *skip = json_array(), *keep = json_array();
	for (char **t = fc->tags; t && *t; t++)
		json_array_append_new(tags, json_string_lossy(*t));
	for (char **t = fc->skip; t && *t; t++)
		json_array_append_new(skip, json_string_lossy(*t));
	for (char **t = fc->keep; t && *t; t++)
		json_array_append_new(keep, json_string_lossy(*t));
	json_t *o = json_pack("{s:o,s:I,s:I,s:I,s:I,s:I,s:o,s:b,s:b,s:b}",
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
	/* feeds.conf's filter rules, as written. */
	json_object_set_new(o, "skip", skip);
	json_object_set_new(o, "keep", keep);
	/* feeds.conf's title key (feedctl export carries it), or null. */
	json_object_set_new(o, "title", fc->title ? json_string_lossy(fc->title) : json_null());
	return o;
}

/* Adds what only the running daemon knows to a feed's stored state. */
static void feed_decorate(struct api *a, json_t *feed)
{
	const char *name = json_string_value(json_object_get(feed, "name"));
	if (!name)
		return;
	if (a->d->sched) {
		json_t *live = sched_feed_live(a->d->sched, name);
		/* The store refused this feed's last commit, and maybe also the
		 * record of that: what the store holds is not the whole truth. */
		json_t *se = live ? json_object_get(live, "store_error") : NULL;
		if (se && !json_string_value(json_object_get(feed, "last_error"))) {
			json_object_set(feed, "last_error", se);
			if (json_integer_value(json_object_get(feed, "failures")) < 1)
				json_object_set_new(feed, "failures", json_integer(1));
		}
		if (live)
			json_object_set_new(feed, "live", live);
		/* An unchanged 304's times and counters not written yet. */
		sched_feed_unsaved(a->d->sched, name, feed);
		/* A first fetch planned, not yet stored. */
		sched_feed_planned(a->d->sched, name, feed);
	}
	const struct feed_conf *fc = a->d->conf ? config_find_feed(a->d->conf, name) : NULL;
	if (fc && !json_object_get(feed, "config"))
		json_object_set_new(feed, "config", feed_config_json(fc));
	if (!json_object_get(feed, "state"))
		json_object_set_new(feed, "state", json_string(feedstate_json(feed)));
	/* Nothing is fetched for a feed that left the config or is switched
	 * off (a gone feed's due time is already none): no next fetch. */
	const char *state = json_string_value(json_object_get(feed, "state"));
	if (state && (!strcmp(state, "removed") || !strcmp(state, "disabled"))) {
		json_object_set_new(feed, "next_due", json_null());
		json_object_set_new(feed, "next_reason", json_string(state));
	}
}

/* FEEDS (taken over): the store's rows, with what the loop knows. */
static void answer_feeds(struct api *a, struct http_conn *c, const struct apireq *r, int rc,
			 json_t *feeds)
{
	if (rc == -ENOENT) {
		api_send_error(c, 404, "unknown feed", r->name, NULL);
		return;
	}
	if (rc < 0) {
		api_send_store_error(c, rc);
		return;
	}
	if (r->name) {
		feed_decorate(a, feeds);
		api_send_json(c, 200, NULL, feeds);
		return;
	}
	size_t i;
	json_t *f;
	json_array_foreach(feeds, i, f)
		feed_decorate(a, f);
	if (r->format == FMT_NDJSON) {
		struct buf b = api_scratch_take();
		apifmt_ndjson(&b, feeds);
		json_decref(feeds);
		api_send_buf(c, 200, FMT_NDJSON, NULL, &b);
		return;
	}
	api_send_json(c, 200, NULL, json_pack("{s:o}", "feeds", feeds));
}

static void feeds_answer(struct job *j)
{
	json_t *feeds = j->json;
	j->json = NULL;
	answer_feeds(j->api, j->conn, &j->req, j->rc, feeds);
}

/* --- POST /v1/feeds/NAME/refresh (no store work) --- */

static void handle_refresh(struct api *a, struct http_conn *c, const struct apireq *r)
{
	if (!a->d->sched) {
		api_send_error(c, 503, "not fetching", "the scheduler is not running", NULL);
		return;
	}
	int rc = sched_refresh(a->d->sched, r->name);
	if (rc == -ENOENT) {
		api_send_error(c, 404, "unknown feed", r->name, NULL);
		return;
	}
	if (rc < 0) {
		api_send_error(c, 500, "refresh failed", strerror(-rc), NULL);
		return;
	}
	api_send_json(c, 202, NULL, json_pack("{s:o,s:s}", "feed", json_string_lossy(r->name), "refresh", "queued"));
}

/* --- POST /v1/feeds/NAME/rename {"name": NEW} (no store work here: the
 * rename's is feedd.c's, a reload's) --- */

static void on_renamed(struct feedd *d, int rc, void *ud)
{
	struct api_reload_wait *w = ud;
	struct http_conn *c = w->conn;
	char *from = w->from, *to = w->to;
	free(w);
	if (c) {
		http_conn_set_ctx(c, NULL);
		if (rc == 0)
			api_send_json(c, 200, NULL, json_pack("{s:o,s:o,s:b}", "feed",
				      json_string_lossy(to), "from", json_string_lossy(from),
				      "renamed", 1));
		else if (rc == -EEXIST)
			api_send_error(c, 409, "name taken in the store", to, NULL);
		else if (rc == -ECANCELED)
			api_send_error(c, 503, "stopping", "the daemon is stopping; nothing renamed",
				       NULL);
		else
			api_send_error(c, 500, "the store could not rename the feed; nothing renamed",
				       strerror(-rc), NULL);
	}
	free(from);
	free(to);
}

static void handle_rename(struct api *a, struct http_conn *c, const struct apireq *r)
{
	struct config_errors errs = { 0 };
	struct api_reload_wait *w = calloc(1, sizeof *w);
	if (!w || !(w->from = strdup(r->name)) || !(w->to = strdup(r->to))) {
		if (w)
			free(w->from);
		free(w);
		api_send_error(c, 500, "out of memory", NULL, NULL);
		return;
	}
	w->kind = CTX_RELOAD;
	w->conn = c;
	http_conn_set_ctx(c, w);
	int rc = feedd_rename_start(a->d, r->name, r->to, &errs, on_renamed, w);
	if (rc == 0) {
		config_errors_free(&errs);
		return;
	}
	http_conn_set_ctx(c, NULL);
	free(w->from);
	free(w->to);
	free(w);
	if (rc == -EBUSY)
		api_send_error(c, 409, "a reload is under way", "try again when it is over", NULL);
	else if (rc == -ENOENT)
		api_send_error(c, 404, "unknown feed", r->name, NULL);
	else if (rc == -EEXIST)
		api_send_error(c, 409, "name taken", r->to, NULL);
	else if (rc == -ESRCH)
		api_send_error(c, 409, "the config file does not rename the feed",
			       "rename its [feed] section first (feedctl rename does both)", NULL);
	else if (rc == -EINVAL) {
		json_t *list = json_array();
		for (size_t i = 0; i < errs.n; i++)
			json_array_append_new(list, json_string_lossy(errs.msgs[i]));
		api_send_json(c, 422, NULL, json_pack("{s:s,s:o}", "error",
			      "invalid config; nothing renamed", "detail", list));
	} else
		api_send_error(c, 500, "cannot read the config file", strerror(-rc), NULL);
	config_errors_free(&errs);
}

/* --- GET /v1/status --- */

static void answer_status(struct api *a, struct http_conn *c, const struct status_store *ss,
			  json_t *instances, bool stale, int64_t as_of);

/* The store has not answered the last status query yet: no other reader
 * is held for one more. */
static bool status_admit(struct api *a, struct http_conn *c, const struct apireq *r)
{
	if (a->status_late <= 0)
		return true;
	answer_status(a, c, &a->last, a->last_instances, true, a->last_at);
	return false;
}

/* The store's figures are late: the daemon's own go out now with the last
 * store figures, marked stale; the job ends when its reader is done. */
static void on_status_late(uv_timer_t *t)
{
	struct job *j = t->data;
	if (!j->conn)
		return;
	struct api *a = j->api;
	struct http_conn *c = j->conn;
	j->conn = NULL;
	j->late = true;
	a->status_late++;
	http_conn_set_ctx(c, NULL);
	log_debug("api: /v1/status: the store's figures are late; answering with the last ones");
	answer_status(a, c, &a->last, a->last_instances, true, a->last_at);
}

static void status_start(struct job *j)
{
	struct api *a = j->api;
	const struct config *conf = a->d->conf;
	if (conf && conf->nfeeds) {
		/* The store counts the feeds the config disables: their names
		 * go with the job, the config may be replaced meanwhile. */
		j->disabled = calloc(conf->nfeeds, sizeof *j->disabled);
		for (size_t i = 0; j->disabled && i < conf->nfeeds; i++)
			if (!conf->feeds[i].enabled &&
			    (j->disabled[j->ndisabled] = strdup(conf->feeds[i].name)))
				j->ndisabled++;
	}
	if (a->nreaders > 0 && !a->closing) {
		uv_timer_init(a->d->loop, &j->timer);
		j->timer.data = j;
		j->timer_init = true;
		uv_timer_start(&j->timer, on_status_late, STATUS_STORE_WAIT_MS, 0);
	}
}

static void status_work(struct store *s, struct job *j, bool writable)
{
	int64_t now = (int64_t)time(NULL);
	if ((j->rc = store_figures(s, &j->st.fig)) < 0)
		return;
	j->st.counts_rc = store_feed_counts(s, (const char *const *)j->disabled, j->ndisabled,
					    &j->st.counts);
	store_last_ids(s, &j->st.last_item, &j->st.last_event);
	/* A shared store (PostgreSQL): the instances and their leases. */
	if (store_instances_json(s, now, &j->json) < 0)
		j->json = NULL;
}

/* J's status figures came from the store: kept for an answer that cannot
 * wait for the next ones. */
static void status_back(struct job *j)
{
	struct api *a = j->api;
	if (j->rc < 0)
		return;
	a->last = j->st;
	json_decref(a->last_instances);
	a->last_instances = json_incref(j->json);
	a->last_at = (int64_t)time(NULL);
}

static void status_answer(struct job *j)
{
	struct api *a = j->api;
	if (j->rc == -ECONNRESET)   /* the store is away: from memory */
		answer_status(a, j->conn, &a->last, a->last_instances, true, a->last_at);
	else if (j->rc < 0)
		api_send_store_error(j->conn, j->rc);
	else
		answer_status(a, j->conn, &j->st, j->json, false, 0);
}

/* The store's figures SS (and INSTANCES, borrowed) with the daemon's own,
 * from memory. AS_OF: when SS is not this request's (the store was slow):
 * the time the figures were read, 0 for never. */
static void answer_status(struct api *a, struct http_conn *c, const struct status_store *ss,
			  json_t *instances, bool stale, int64_t as_of)
{
	const struct store_figures *fig = &ss->fig;
	/* Counted by the store in one query: building every feed's JSON to
	 * count them cost memory in proportion to the feeds. Only the states
	 * some feed is in are named, as before. */
	json_t *by_state = json_object();
	if (ss->counts_rc == 0) {
		struct store_feed_counts fixed = ss->counts;
		if (a->d->sched)
			sched_fix_counts(a->d->sched, &fixed);
		const struct store_feed_counts *fc = &fixed;
		const struct { const char *name; int64_t n; } states[] = {
			{ "ok", fc->ok }, { "new", fc->fresh }, { "failing", fc->failing },
			{ "gone", fc->gone }, { "disabled", fc->disabled }, { "removed", fc->removed },
			{ "truncated", fc->truncated },
		};
		for (size_t i = 0; i < sizeof states / sizeof states[0]; i++)
			if (states[i].n > 0)
				json_object_set_new(by_state, states[i].name,
						    json_integer(states[i].n));
	}
	int clients = 0, waiting = 0;
	api_clients(a, &clients, &waiting);
	const struct feedd_totals *t = &a->d->totals;
	int64_t now = (int64_t)time(NULL);
	json_t *out = json_pack(
		"{s:s,s:I,s:I,s:{s:I,s:o},"
		"s:{s:I,s:I,s:I,s:I,s:I,s:I},s:{s:I,s:I},"
		"s:{s:I,s:I,s:I,s:I,s:I},s:{s:I,s:I},"
		"s:{s:I,s:I,s:I,s:I},s:{s:i,s:i}}",
		"version", FEEDD_VERSION,
		"started", (json_int_t)a->d->started,
		"uptime", (json_int_t)(a->d->started ? now - a->d->started : 0),
		"feeds", "total", (json_int_t)fig->feeds, "by_state", by_state,
		"fetches", "total", (json_int_t)t->fetches, "ok", (json_int_t)t->ok200,
		"not_modified", (json_int_t)t->not_modified,
		"errors_net", (json_int_t)t->errors_net, "errors_http", (json_int_t)t->errors_http,
		"errors_parse", (json_int_t)t->errors_parse,
		"bytes", "wire", (json_int_t)t->bytes_wire, "decoded", (json_int_t)t->bytes_decoded,
		"items", "stored", (json_int_t)fig->items, "last_id", (json_int_t)ss->last_item,
		"new", (json_int_t)t->items_new, "updated", (json_int_t)t->items_updated,
		"tombstones", (json_int_t)fig->tombstones,
		"events", "stored", (json_int_t)fig->events, "last_seq", (json_int_t)ss->last_event,
		"store", "file_bytes", (json_int_t)fig->file_bytes, "wal_bytes", (json_int_t)fig->wal_bytes,
		"consumers", (json_int_t)fig->consumers, "hooks_pending", (json_int_t)fig->hooks_pending,
		"api", "clients", clients, "waiting", waiting);
	if (out) {
		/* Bodies cut short, and the fetches each cap cut (DOC_CAP_*). */
		json_object_set_new(json_object_get(out, "fetches"), "truncated",
				    json_integer(t->truncated));
		json_object_set_new(out, "caps", json_pack("{s:I,s:I,s:I,s:I,s:I}",
			"items", (json_int_t)t->caps[0], "document", (json_int_t)t->caps[1],
			"field", (json_int_t)t->caps[2], "item", (json_int_t)t->caps[3],
			"max_size", (json_int_t)t->caps[DOC_CAP__COUNT]));
		/* The configuration in force: the main file, then its drop-ins,
		 * as absolute paths (a client compares them with its own). */
		json_t *files = json_array();
		for (size_t i = 0; a->d->conf && i < a->d->conf->nfiles; i++) {
			char abs[PATH_MAX];
			const char *f = a->d->conf->files[i];
			json_array_append_new(files, json_string_lossy(realpath(f, abs) ? abs : f));
		}
		json_object_set_new(out, "config_files", files);
	}
	if (out)
		json_object_set_new(out, "log_level", json_string(log_level_name(log_get_level())));
	if (out && instances)
		json_object_set(out, "instances", instances);
	/* Whether the store can be reached now (a database server), and
	 * whether it refuses commits (a full disk). last_error is the outage's
	 * while the store is unavailable, else the last refused commit's. */
	struct store_health sh;
	store_health_get(&sh);
	json_t *so = out ? json_object_get(out, "store") : NULL;
	if (so) {
		json_object_set_new(so, "state", json_string(sh.unavailable ? "unavailable"
									    : "available"));
		json_object_set_new(so, "commits_refused", json_integer(t->commits_refused));
		json_object_set_new(so, "last_error", t->commits_refused ?
				    json_string_lossy(t->commit_error) : json_null());
		json_object_set_new(so, "last_error_at", t->commits_refused ?
				    json_integer(t->commit_refused_at) : json_null());
		if (sh.unavailable) {
			json_object_set_new(so, "since", json_integer(sh.since));
			json_object_set_new(so, "last_error", json_string_lossy(sh.last_error));
		}
	}
	if (out && stale) {
		json_object_set_new(out, "store_stale", json_true());
		json_object_set_new(out, "store_as_of",
				    as_of ? json_integer(as_of) : json_null());
	}
	api_send_json(c, 200, NULL, out);
}

/* --- POST /v1/reload (no store work here: the reload's is feedd.c's) --- */

static void on_reloaded(struct feedd *d, int rc, void *ud)
{
	struct api_reload_wait *w = ud;
	struct http_conn *c = w->conn;
	free(w);
	if (!c)
		return;
	http_conn_set_ctx(c, NULL);
	if (rc == 0)
		api_send_json(c, 200, NULL, json_pack("{s:b,s:I}", "reloaded", 1, "feeds",
						  (json_int_t)(d->conf ? d->conf->nfeeds : 0)));
	else if (rc == -ECANCELED)
		api_send_error(c, 503, "stopping", "the daemon is stopping; the running set is kept",
			   NULL);
	else
		api_send_error(c, 500, "the store could not take the new feed set; the running set is kept",
			   strerror(-rc), NULL);
}

static void handle_reload(struct api *a, struct http_conn *c, const struct apireq *r)
{
	struct config_errors errs = { 0 };
	struct api_reload_wait *w = calloc(1, sizeof *w);
	if (!w) {
		api_send_error(c, 500, "out of memory", NULL, NULL);
		return;
	}
	w->kind = CTX_RELOAD;
	w->conn = c;
	/* The store records the new feed set on the store thread: the answer
	 * comes from on_reloaded. */
	http_conn_set_ctx(c, w);
	int rc = feedd_reload_start(a->d, &errs, on_reloaded, w);
	if (rc == 0) {
		config_errors_free(&errs);
		return;
	}
	http_conn_set_ctx(c, NULL);
	free(w);
	if (rc == -EBUSY) {
		config_errors_free(&errs);
		api_send_error(c, 409, "a reload is under way", "try again when it is over", NULL);
		return;
	}
	json_t *list = json_array();
	for (size_t i = 0; i < errs.n; i++)
		json_array_append_new(list, json_string_lossy(errs.msgs[i]));
	config_errors_free(&errs);
	api_send_json(c, rc == -EINVAL ? 422 : 500, NULL,
		  json_pack("{s:s,s:o}", "error",
			    rc == -EINVAL ? "invalid config; the running set is kept"
					  : "cannot read the config file",
			    "detail", list));
}

/* --- POST /v1/log-level --- */

static void handle_log_level(struct api *a, struct http_conn *c, const struct apireq *r)
{
	/* Until the next start, or until feeds.conf's log_level changes. */
	enum log_level was = log_get_level();
	log_set_level((enum log_level)r->level);
	log_notice("log level %s (was %s), set through the API",
		   log_level_name((enum log_level)r->level), log_level_name(was));
	api_send_json(c, 200, NULL, json_pack("{s:s,s:s}", "log_level",
					      log_level_name((enum log_level)r->level),
					      "was", log_level_name(was)));
}

/* --- hooks: GET /v1/hooks, POST /v1/hooks/retry --- */

/* ?feed= names a feed of the config, or none. */
static bool hooks_admit(struct api *a, struct http_conn *c, const struct apireq *r)
{
	if (r->nfeeds && !(a->d->conf && config_find_feed(a->d->conf, r->feeds[0]))) {
		api_send_error(c, 404, "unknown feed", r->feeds[0], NULL);
		return false;
	}
	return true;
}

static void hooks_work(struct store *s, struct job *j, bool writable)
{
	const struct apireq *r = &j->req;
	j->rc = store_hook_parked_json(s, r->nfeeds ? r->feeds[0] : NULL, &j->json);
}

static void hooks_answer(struct job *j)
{
	if (j->rc < 0) {
		api_send_store_error(j->conn, j->rc);
		return;
	}
	/* The store gives one more than it shows: there are more. */
	bool more = json_array_size(j->json) > STORE_HOOK_PARKED_MAX;
	if (more)
		json_array_remove(j->json, STORE_HOOK_PARKED_MAX);
	api_send_json(j->conn, 200, NULL, json_pack("{s:O,s:b}", "failed", j->json, "more", more));
}

static void hooks_retry_work(struct store *s, struct job *j, bool writable)
{
	const struct apireq *r = &j->req;
	j->rc = store_hook_retry(s, r->nfeeds ? r->feeds[0] : NULL, (int64_t)time(NULL), &j->cursor);
}

static void hooks_retry_answer(struct job *j)
{
	struct api *a = j->api;
	if (j->rc < 0) {
		api_send_store_error(j->conn, j->rc);
		return;
	}
	if (a->d->hooks)
		hooks_kick(a->d->hooks);    /* due now, not at the next tick */
	log_notice("hooks: %lld parked deliveries of %s due again", (long long)j->cursor,
		   j->req.nfeeds ? j->req.feeds[0] : "every feed");
	api_send_json(j->conn, 200, NULL, json_pack("{s:o,s:I}", "feed",
		      j->req.nfeeds ? json_string_lossy(j->req.feeds[0]) : json_null(),
		      "retried", (json_int_t)j->cursor));
}

/* --- POST /v1/items/state: a reader's read and starred marks --- */

static void items_state_work(struct store *s, struct job *j, bool writable)
{
	const struct apireq *r = &j->req;
	j->rc = store_items_mark(s, r->mark_ids, r->nmark, r->mark_read, r->mark_starred,
				 &j->cursor);
}

static void items_state_answer(struct job *j)
{
	const struct apireq *r = &j->req;
	if (j->rc == -ENOENT) {
		char id[24];
		snprintf(id, sizeof id, "%lld", (long long)j->cursor);
		api_send_error(j->conn, 404, "unknown item", id, NULL);
		return;
	}
	if (j->rc < 0) {
		api_send_store_error(j->conn, j->rc);
		return;
	}
	json_t *out = json_pack("{s:I}", "marked", (json_int_t)r->nmark);
	if (out && r->mark_read >= 0)
		json_object_set_new(out, "read", json_boolean(r->mark_read));
	if (out && r->mark_starred >= 0)
		json_object_set_new(out, "starred", json_boolean(r->mark_starred));
	api_send_json(j->conn, 200, NULL, out);
}

/* --- the Google Reader API's tokens: GET /v1/reader/tokens,
 * DELETE /v1/reader/tokens/ID (feedctl reader tokens) --- */

static void reader_tokens_work(struct store *s, struct job *j, bool writable)
{
	(void)writable;
	j->rc = store_reader_tokens_json(s, &j->json);
}

static void reader_token_revoke_work(struct store *s, struct job *j, bool writable)
{
	(void)writable;
	char *end;
	long long id = strtoll(j->req.name, &end, 10);
	j->rc = *end || end == j->req.name ? -ENOENT : store_reader_token_revoke(s, id);
	j->cursor = id;
}

static void reader_tokens_answer(struct job *j)
{
	struct http_conn *c = j->conn;
	if (j->rc == -ENOENT) {
		api_send_error(c, 404, "unknown token", j->req.name, NULL);
	} else if (j->rc < 0) {
		api_send_store_error(c, j->rc);
	} else if (j->req.route == ROUTE_READER_TOKEN_REVOKE) {
		log_notice("reader token %lld revoked through the API", (long long)j->cursor);
		api_send_json(c, 200, NULL, json_pack("{s:I,s:b}", "token", (json_int_t)j->cursor,
						      "revoked", 1));
	} else {
		api_send_json(c, 200, NULL, json_pack("{s:O}", "tokens", j->json));
	}
}

/* --- the table --- */

/* Request bodies: http.c refuses one over its max_body (64 KiB, 413) for
 * every path; an endpoint that takes none refuses any (apireq.c, 400). */
#define BODY_ANY (64u * 1024)

static const struct api_endpoint endpoints[ROUTE__COUNT] = {
	[ROUTE_ITEMS] = { ROUTE_ITEMS, "GET", "/v1/items", RUNS_READER, .poll = true,
			  .work = items_work },
	[ROUTE_FEED_ITEMS] = { ROUTE_FEED_ITEMS, "GET", "/v1/feeds/{feed}/items", RUNS_READER,
			       .poll = true, .work = items_work },
	[ROUTE_CONSUMER_ITEMS] = { ROUTE_CONSUMER_ITEMS, "GET", "/v1/consumers/{consumer}/items",
				   RUNS_READER, .poll = true, .work = consumer_items_work },
	[ROUTE_EVENTS] = { ROUTE_EVENTS, "GET", "/v1/events", RUNS_READER, .poll = true,
			   .work = items_work },
	[ROUTE_CONSUMERS] = { ROUTE_CONSUMERS, "GET", "/v1/consumers", RUNS_READER,
			      .work = consumers_work, .answer = consumers_answer },
	[ROUTE_CONSUMER] = { ROUTE_CONSUMER, "GET", "/v1/consumers/{consumer}", RUNS_READER,
			     .work = consumer_work, .answer = consumer_answer },
	[ROUTE_CONSUMER_ACK] = { ROUTE_CONSUMER_ACK, "POST", "/v1/consumers/{consumer}/ack",
				 RUNS_STORE, .max_body = BODY_ANY,
				 .work = ack_work, .answer = consumer_answer },
	[ROUTE_CONSUMER_DELETE] = { ROUTE_CONSUMER_DELETE, "DELETE", "/v1/consumers/{consumer}",
				    RUNS_STORE, .work = consumer_delete_work,
				    .answer = consumer_answer },
	[ROUTE_FEEDS] = { ROUTE_FEEDS, "GET", "/v1/feeds", RUNS_READER,
			  .work = feeds_work, .answer = feeds_answer },
	[ROUTE_FEED] = { ROUTE_FEED, "GET", "/v1/feeds/{feed}", RUNS_READER,
			 .work = feeds_work, .answer = feeds_answer },
	[ROUTE_FEED_REFRESH] = { ROUTE_FEED_REFRESH, "POST", "/v1/feeds/{feed}/refresh", RUNS_LOOP,
				 .handle = handle_refresh },
	[ROUTE_FEED_RENAME] = { ROUTE_FEED_RENAME, "POST", "/v1/feeds/{feed}/rename", RUNS_LOOP,
				.max_body = BODY_ANY, .handle = handle_rename },
	[ROUTE_RELOAD] = { ROUTE_RELOAD, "POST", "/v1/reload", RUNS_LOOP,
			   .handle = handle_reload },
	[ROUTE_STATUS] = { ROUTE_STATUS, "GET", "/v1/status", RUNS_READER,
			   .admit = status_admit, .start = status_start, .work = status_work,
			   .back = status_back, .answer = status_answer },
	[ROUTE_LOG_LEVEL] = { ROUTE_LOG_LEVEL, "POST", "/v1/log-level", RUNS_LOOP,
			      .handle = handle_log_level },
	[ROUTE_HOOKS] = { ROUTE_HOOKS, "GET", "/v1/hooks", RUNS_READER,
			  .admit = hooks_admit, .work = hooks_work, .answer = hooks_answer },
	[ROUTE_HOOKS_RETRY] = { ROUTE_HOOKS_RETRY, "POST", "/v1/hooks/retry", RUNS_STORE,
				.admit = hooks_admit, .work = hooks_retry_work,
				.answer = hooks_retry_answer },
	[ROUTE_ITEMS_STATE] = { ROUTE_ITEMS_STATE, "POST", "/v1/items/state", RUNS_STORE,
				.max_body = BODY_ANY, .work = items_state_work,
				.answer = items_state_answer },
	[ROUTE_READER_TOKENS] = { ROUTE_READER_TOKENS, "GET", "/v1/reader/tokens", RUNS_STORE,
				  .work = reader_tokens_work, .answer = reader_tokens_answer },
	[ROUTE_READER_TOKEN_REVOKE] = { ROUTE_READER_TOKEN_REVOKE, "DELETE",
					"/v1/reader/tokens/{id}", RUNS_STORE,
					.work = reader_token_revoke_work,
					.answer = reader_tokens_answer },
};

const struct api_endpoint *api_endpoint_of(enum api_route route)
{
	return (unsigned)route < ROUTE__COUNT ? &endpoints[route] : NULL;
}
