/* reader.c — the reader API's listener and its gate: parses reader_listen,
 * opens the TCP listener on http.c, checks every request's credentials
 * (reader_auth.c), delays and answers the failures, and hands the rest to
 * the Miniflux routes (reader_mf.c) or, by path, to the Google Reader API
 * (reader_gr.c), which checks its own tokens. */
#include "daemon/reader.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include "core/log.h"
#include "core/netaddr.h"
#include "daemon/api_send.h"
#include "daemon/feedd.h"
#include "daemon/http.h"
#include "daemon/reader_auth.h"
#include "daemon/reader_int.h"

/* Failures remembered per address (READER_FAIL_SLOTS of them), the oldest
 * replaced. */
#define FAIL_SLOTS READER_FAIL_SLOTS
#define FAIL_FORGET_MS (10 * 60 * 1000)
#define FAIL_BASE_MS 100
#define FAIL_MAX_SHIFT 5        /* 100 ms << 5 = 3.2 s */

/* A 401 waiting out its delay: the connection's context meanwhile. */
struct deny {
	enum reader_ctx_kind kind;  /* RCTX_DENY */
	struct http_conn *conn;     /* NULL once the client is gone */
	bool gr;                    /* a Google Reader API call: its 401 */
	uv_timer_t timer;
};

static struct fail_slot *fail_find(struct reader_api *r, const char *addr, bool add)
{
	for (int i = 0; i < FAIL_SLOTS; i++)
		if (r->fails[i].count && !strcmp(r->fails[i].addr, addr))
			return &r->fails[i];
	if (!add)
		return NULL;
	/* An empty slot, else the one whose last failure is oldest. */
	struct fail_slot *oldest = &r->fails[0];
	for (int i = 0; i < FAIL_SLOTS && oldest->count; i++)
		if (!r->fails[i].count || r->fails[i].last < oldest->last)
			oldest = &r->fails[i];
	memset(oldest, 0, sizeof *oldest);
	snprintf(oldest->addr, sizeof oldest->addr, "%s", addr);
	return oldest;
}

static void on_deny_closed(uv_handle_t *h)
{
	free(h->data);
}

static void on_deny_timer(uv_timer_t *t)
{
	struct deny *d = t->data;
	if (d->conn && d->gr) {
		static const char body[] = "Error=BadAuthentication\n";
		http_conn_set_ctx(d->conn, NULL);
		http_reply(d->conn, 401, "text/plain; charset=utf-8",
			   "WWW-Authenticate: GoogleLogin realm=\"feedd\"\r\n", body,
			   sizeof body - 1);
	} else if (d->conn) {
		http_conn_set_ctx(d->conn, NULL);
		reader_send_error(d->conn, 401, "access unauthorized",
				  "WWW-Authenticate: Basic realm=\"feedd\"\r\n");
	}
	uv_close((uv_handle_t *)&d->timer, on_deny_closed);
}

/* A request without a good credential from C's address: answered 401
 * once its delay has passed. */
void reader_deny(struct reader_api *r, struct http_conn *c, bool gr)
{
	uint64_t now = uv_now(r->d->loop);
	const char *addr = http_conn_peer(c);
	struct fail_slot *f = fail_find(r, addr, true);
	if (f->count && now - f->last > FAIL_FORGET_MS)
		f->count = 0;
	f->count++;
	f->last = now;
	int shift = f->count - 1 < FAIL_MAX_SHIFT ? f->count - 1 : FAIL_MAX_SHIFT;
	uint64_t ms = (uint64_t)FAIL_BASE_MS << shift;
	log_notice("reader: %s: bad or missing credentials (%d in a row); answering in %llu ms",
		   addr, f->count, (unsigned long long)ms);
	/* A refusal waiting out its delay holds no request slot: guessers do
	 * not keep readers out. Over the cap of waiting ones, no answer is
	 * worth the wait. */
	if (http_conn_park(c) < 0) {
		reader_send_error(c, 503, "busy", "Retry-After: 5\r\n");
		return;
	}
	struct deny *d = calloc(1, sizeof *d);
	if (!d) {
		reader_send_error(c, 401, "access unauthorized", NULL);
		return;
	}
	d->kind = RCTX_DENY;
	d->conn = c;
	d->gr = gr;
	uv_timer_init(r->d->loop, &d->timer);
	d->timer.data = d;
	http_conn_set_ctx(c, d);
	uv_timer_start(&d->timer, on_deny_timer, ms, 0);
}

static void on_request(struct http_conn *c, const struct http_request *hr, void *ud)
{
	struct reader_api *r = ud;
	const char *user = NULL;
	char path[1024];
	size_t plen = strcspn(hr->target, "?");
	if (plen < sizeof path) {
		memcpy(path, hr->target, plen);
		path[plen] = '\0';
		if (gr_is_path(path)) {
			/* The Google Reader API checks its own credentials. */
			reader_gr_request(r, c, hr);
			return;
		}
	}
	if (!reader_auth_check(r->auth, hr->authorization, hr->auth_token, &user)) {
		reader_deny(r, c, false);
		return;
	}
	struct fail_slot *f = fail_find(r, http_conn_peer(c), false);
	if (f)
		f->count = 0;
	reader_mf_request(r, c, hr, user);
}

static void on_abort(struct http_conn *c, void *ctx, void *ud)
{
	(void)c;
	(void)ud;
	if (!ctx)
		return;
	if (api_send_is_stream(ctx)) {
		api_send_stream_free(ctx);   /* a long answer cut short */
		return;
	}
	enum reader_ctx_kind k = *(enum reader_ctx_kind *)ctx;
	if (k == RCTX_DENY)
		((struct deny *)ctx)->conn = NULL;    /* the timer frees it */
	else if (k == RCTX_GR)
		reader_gr_abort(ctx);
	else
		reader_mf_abort(ctx);
}

static void on_async_closed(uv_handle_t *h)
{
	struct reader_api *r = h->data;
	uv_mutex_destroy(&r->qlock);
	free(r);
}

void reader_release(struct reader_api *r)
{
	if (!r->srv_closed || r->running)
		return;
	reader_pool_close(r);
	reader_auth_free(r->auth);
	r->auth = NULL;
	json_decref(r->titles);
	r->titles = NULL;
	if (r->async_open) {
		r->async_open = false;
		uv_close((uv_handle_t *)&r->done_async, on_async_closed);
		return;
	}
	uv_mutex_destroy(&r->qlock);
	free(r);
}

static void on_closed(void *ud)
{
	struct reader_api *r = ud;
	r->srv_closed = true;
	reader_release(r);
}

int reader_start(struct feedd *d, struct reader_api **out)
{
	*out = NULL;
	const struct daemon_conf *dc = &d->conf->daemon;
	if (!dc->reader_listen)
		return 0;
	struct sockaddr_storage sa;
	/* The config reader refused both already (core/config.c): for a
	 * caller that did not go through it. */
	if (netaddr_parse_listen(dc->reader_listen, &sa) < 0) {
		log_err("reader: reader_listen = %s: " NETADDR_LISTEN_EXPECTED, dc->reader_listen);
		return -EINVAL;
	}
	if (!dc->reader_auth) {
		log_err("reader: reader_listen is set but reader_auth is not: "
			"the reader API never runs without credentials");
		return -EINVAL;
	}
	struct reader_api *r = calloc(1, sizeof *r);
	if (!r)
		return -ENOMEM;
	r->d = d;
	int rc = reader_auth_load(dc->reader_auth, &r->auth, NULL, 0);
	if (rc < 0) {
		free(r);
		return rc;
	}
	if (netaddr_classify((struct sockaddr *)&sa, sizeof sa) != NETADDR_LOOPBACK)
		log_warn("reader: listening on %s, not a loopback address: credentials and items "
			 "cross the network in clear unless a TLS proxy is in front "
			 "(docs/operations.md)", dc->reader_listen);
	struct http_limits lim = HTTP_LIMITS_DEFAULT;
	lim.max_conns = 256;        /* people's readers, not scripts */
	lim.max_waiting = 256;      /* refusals waiting out their delay */
	struct http_handler h = {
		.on_request = on_request, .on_abort = on_abort, .on_closed = on_closed, .ud = r,
	};
	rc = http_server_start_tcp(d->loop, (struct sockaddr *)&sa, &lim, &h, &r->srv);
	if (rc < 0) {
		log_err("reader: listen on %s: %s", dc->reader_listen, uv_strerror(rc));
		reader_auth_free(r->auth);
		free(r);
		return rc;
	}
	reader_pool_open(r);
	log_info("reader: the reader API listens on %s", dc->reader_listen);
	*out = r;
	return 0;
}

int reader_reload_read(struct reader_api *r, const struct config *c, struct reader_auth **out,
		       char *why, size_t wsize)
{
	*out = NULL;
	/* No reader_auth: no reader_listen either (the config reader wants
	 * both); the listener runs until the next start, on what it has. */
	if (!r || !c->daemon.reader_auth)
		return 0;
	return reader_auth_load(c->daemon.reader_auth, out, why, wsize);
}

void reader_reload_apply(struct reader_api *r, struct reader_auth *a)
{
	if (!r || !a) {
		reader_auth_free(a);
		return;
	}
	/* A job on a worker holds its own reference to the old ones. */
	reader_auth_free(r->auth);
	r->auth = a;
	log_info("reader: credentials re-read from %s", r->d->conf->daemon.reader_auth);
}

void reader_close(struct reader_api *r)
{
	if (r)
		http_server_close(r->srv);
}

void reader_send_error(struct http_conn *c, int status, const char *msg, const char *headers)
{
	api_send_json(c, status, headers, json_pack("{s:s}", "error_message", msg));
}

static json_t *reader_titles(const struct config *c)
{
	json_t *o = NULL;
	for (size_t i = 0; c && i < c->nfeeds; i++) {
		if (!c->feeds[i].title)
			continue;
		if (!o && !(o = json_object()))
			return NULL;
		json_object_set_new(o, c->feeds[i].name, json_string_lossy(c->feeds[i].title));
	}
	return o;
}

json_t *reader_titles_shared(struct reader_api *r)
{
	/* Walking every feed of the config per request cost 6 % of a
	 * listing's CPU with 10 000 feeds. */
	if (!r->titles_made || r->titles_gen != r->d->conf_gen) {
		json_decref(r->titles);
		r->titles = reader_titles(r->d->conf);
		r->titles_gen = r->d->conf_gen;
		r->titles_made = true;
	}
	return json_incref(r->titles);
}
