/* http.c — a connection's life in the HTTP server (DESIGN.md, "Limits on
 * the socket"): the idle list and the queue for a request slot, reading and
 * parsing requests one at a time, writing answers whole or streamed with
 * their bounds, the one timer each connection holds (head, idle, stalled
 * write, queue), and closing. How connections arrive is http_accept.c's.
 *
 * Ownership: a connection is freed in http_on_conn_handle_closed once both
 * its handles are closed; its read buffer (pend) is its own and freed when
 * it idles; the bytes of a write are copied into a struct wreq freed in
 * on_write. The server's read buffer is shared by every connection. */
#include "daemon/http_int.h"

#include <errno.h>
#include <sys/ioctl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"

/* Below this many unsent bytes a stream is asked for more. */
#define STREAM_LOW_WATER (256u * 1024)

struct wreq {
	uv_write_t req;
	size_t len;
	char data[];
};

static void conn_process(struct http_conn *c);
static void on_timer(uv_timer_t *t);
static void queue_pump(struct http_server *s);

const char *http_status_text(int status)
{
	switch (status) {
	case 200: return "OK";
	case 202: return "Accepted";
	case 204: return "No Content";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 408: return "Request Timeout";
	case 409: return "Conflict";
	case 413: return "Content Too Large";
	case 414: return "URI Too Long";
	case 422: return "Unprocessable Content";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 501: return "Not Implemented";
	case 503: return "Service Unavailable";
	default: return "Unknown";
	}
}

/* --- life cycle --- */

void http_server_unref(struct http_server *s)
{
	if (--s->refs == 0) {
		if (s->h.on_closed)
			s->h.on_closed(s->h.ud);
		free(s->path);
		free(s);
	}
}

void http_on_conn_handle_closed(uv_handle_t *h)
{
	struct http_conn *c = h->data;
	if (--c->handles > 0)
		return;
	struct http_server *s = c->srv;
	/* Told here, never from inside the handler's own call stack. */
	if (c->abort_due && s->h.on_abort)
		s->h.on_abort(c, c->ctx, s->h.ud);
	httpreq_free(&c->rq);
	free(c->pend);
	free(c);
	http_server_unref(s);
}

/* --- the idle list and the queue for a slot --- */

static void idle_remove(struct http_conn *c)
{
	struct http_server *s = c->srv;
	if (!c->idle)
		return;
	if (c->iprev)
		c->iprev->inext = c->inext;
	else
		s->idle_head = c->inext;
	if (c->inext)
		c->inext->iprev = c->iprev;
	else
		s->idle_tail = c->iprev;
	c->iprev = c->inext = NULL;
	c->idle = false;
}

/* Keeps C on the idle list exactly while nothing of a request is there;
 * the position is when it became idle, so the head has idled longest. */
static void idle_update(struct http_conn *c)
{
	struct http_server *s = c->srv;
	bool want = !c->closing && !c->reject && !c->in_request && !c->queued && !c->slot &&
		    !c->close_after && !httpreq_started(&c->rq) && c->pend_len == 0;
	if (want == c->idle)
		return;
	if (!want) {
		idle_remove(c);
		return;
	}
	c->idle = true;
	c->iprev = s->idle_tail;
	c->inext = NULL;
	if (s->idle_tail)
		s->idle_tail->inext = c;
	else
		s->idle_head = c;
	s->idle_tail = c;
	if (c->pend_cap) {
		/* An idle connection keeps no buffer. */
		free(c->pend);
		c->pend = NULL;
		c->pend_cap = 0;
	}
}

static void queue_push(struct http_conn *c)
{
	struct http_server *s = c->srv;
	c->queued = true;
	s->queued++;
	c->qprev = s->queue_tail;
	c->qnext = NULL;
	if (s->queue_tail)
		s->queue_tail->qnext = c;
	else
		s->queue_head = c;
	s->queue_tail = c;
}

static void queue_remove(struct http_conn *c)
{
	struct http_server *s = c->srv;
	if (!c->queued)
		return;
	if (c->qprev)
		c->qprev->qnext = c->qnext;
	else
		s->queue_head = c->qnext;
	if (c->qnext)
		c->qnext->qprev = c->qprev;
	else
		s->queue_tail = c->qprev;
	c->qprev = c->qnext = NULL;
	c->queued = false;
	s->queued--;
}

static void slot_release(struct http_conn *c)
{
	if (!c->slot)
		return;
	c->slot = false;
	c->srv->active--;
	queue_pump(c->srv);
}

/* Hands free slots to the oldest waiting requests. They are dispatched
 * from their own timer on the next loop turn, never from inside the call
 * that freed the slot (a handler's reply). */
static void queue_pump(struct http_server *s)
{
	while (!s->closing && s->active < s->lim.max_active && s->queue_head) {
		struct http_conn *c = s->queue_head;
		queue_remove(c);
		c->slot = true;
		s->active++;
		c->tmode = T_RESUME;
		uv_timer_start(&c->timer, on_timer, 0, 0);
	}
}

static void conn_unlink(struct http_conn *c)
{
	struct http_server *s = c->srv;
	if (c->prev)
		c->prev->next = c->next;
	else
		s->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	c->prev = c->next = NULL;
	idle_remove(c);
	queue_remove(c);
	if (c->reject)
		s->rejecting--;
	else
		s->nconns--;
	if (c->parked) {
		c->parked = false;
		s->parked--;
	}
	slot_release(c);
}

/* Closes at once: unsent answers are dropped. Memory goes in the close
 * callbacks; until then C stays readable, so callers up the stack can check
 * c->closing. */
void http_conn_close(struct http_conn *c)
{
	if (c->closing)
		return;
	c->closing = true;
	c->abort_due = c->handed;
	conn_unlink(c);
	uv_close((uv_handle_t *)&c->io, http_on_conn_handle_closed);
	uv_close((uv_handle_t *)&c->timer, http_on_conn_handle_closed);
}

static size_t conn_unsent(const struct http_conn *c)
{
	return uv_stream_get_write_queue_size((const uv_stream_t *)&c->io);
}

/* Closes once what is queued has gone out. */
static void conn_close_soon(struct http_conn *c)
{
	c->close_after = true;
	if (c->reading) {
		uv_read_stop((uv_stream_t *)&c->io);
		c->reading = false;
	}
	if (c->writes == 0)
		http_conn_close(c);
}

/* --- writing --- */

static void on_write(uv_write_t *req, int status)
{
	struct wreq *w = (struct wreq *)req;
	struct http_conn *c = req->data;
	free(w);
	c->writes--;
	if (c->closing)
		return;
	if (status < 0) {
		/* EPIPE/ECONNRESET: the client left; SIGPIPE is ignored. */
		log_debug("api: client write failed: %s", uv_strerror(status));
		http_conn_close(c);
		return;
	}
	if (c->close_after && c->writes == 0) {
		http_conn_close(c);
		return;
	}
	if (c->streaming && !c->in_pull && conn_unsent(c) < STREAM_LOW_WATER) {
		c->in_pull = true;
		while (!c->closing && c->streaming && conn_unsent(c) < STREAM_LOW_WATER) {
			size_t before = c->stream_out;
			c->pull(c, c->ctx);
			if (c->streaming && c->stream_out == before)
				break;  /* the producer has nothing right now */
		}
		c->in_pull = false;
	}
	if (!c->closing) {
		/* Progress: a stalled-write timer starts over. */
		if (c->tmode == T_WRITE)
			c->tmode = T_NONE;
		http_conn_arm(c);
	}
}

/* Sends bytes: as many as the socket takes at once go out directly, the
 * rest is copied into a write request. Returns -EPIPE when the client is or
 * gets dropped. */
static int conn_write(struct http_conn *c, const void *a, size_t alen, const void *b, size_t blen,
		      const void *z, size_t zlen)
{
	if (c->closing)
		return -EPIPE;
	const char *part[3] = { a, b, z };
	size_t plen[3] = { alen, blen, zlen };
	if (c->writes == 0) {
		/* Nothing queued: the common case needs no copy at all. */
		uv_buf_t bufs[3];
		unsigned nb = 0;
		for (int i = 0; i < 3; i++)
			if (plen[i])
				bufs[nb++] = uv_buf_init((char *)part[i], (unsigned)plen[i]);
		int n = nb ? uv_try_write((uv_stream_t *)&c->io, bufs, nb) : 0;
		if (n < 0 && n != UV_EAGAIN) {
			log_debug("api: client write failed: %s", uv_strerror(n));
			http_conn_close(c);
			return -EPIPE;
		}
		size_t skip = n > 0 ? (size_t)n : 0;
		for (int i = 0; i < 3; i++) {
			size_t k = skip < plen[i] ? skip : plen[i];
			if (k)
				part[i] = (const char *)part[i] + k;
			plen[i] -= k;
			skip -= k;
		}
	}
	size_t len = plen[0] + plen[1] + plen[2];
	if (len == 0) {
		if (c->close_after)
			http_conn_close(c);
		return c->closing ? -EPIPE : 0;
	}
	struct wreq *w = malloc(sizeof *w + len);
	if (!w) {
		http_conn_close(c);
		return -EPIPE;
	}
	size_t off = 0;
	for (int i = 0; i < 3; i++) {
		if (plen[i])
			memcpy(w->data + off, part[i], plen[i]);
		off += plen[i];
	}
	w->len = len;
	w->req.data = c;
	uv_buf_t buf = uv_buf_init(w->data, (unsigned)len);
	int r = uv_write(&w->req, (uv_stream_t *)&c->io, &buf, 1, on_write);
	if (r < 0) {
		free(w);
		http_conn_close(c);
		return -EPIPE;
	}
	c->writes++;
	if (conn_unsent(c) > c->srv->lim.max_wqueue) {
		log_notice("api: client (uid %d) dropped: %zu bytes unread", (int)c->uid,
			   conn_unsent(c));
		http_conn_close(c);
		return -EPIPE;
	}
	if (conn_unsent(c) > 0 && c->tmode != T_WRITE)
		http_conn_arm(c);
	return 0;
}

static int head_format(struct http_conn *c, char *buf, size_t size, int status, const char *ctype,
		       const char *headers, const char *framing, bool close)
{
	int n = snprintf(buf, size,
			 "HTTP/1.1 %d %s\r\n"
			 "Content-Type: %s\r\n"
			 "%s"
			 "%s"
			 "Connection: %s\r\n\r\n",
			 status, http_status_text(status), ctype ? ctype : "application/octet-stream",
			 headers ? headers : "", framing, close ? "close" : "keep-alive");
	return n < 0 || (size_t)n >= size ? -EINVAL : n;
}

/* The current request is answered (all of it queued): go on to the next. */
static void request_done(struct http_conn *c)
{
	bool keep = c->rq.req.keep_alive;
	c->in_request = false;
	c->handed = false;
	c->streaming = false;
	c->pull = NULL;
	c->ctx = NULL;
	if (c->parked) {
		c->parked = false;
		c->srv->parked--;
	}
	slot_release(c);
	httpreq_next(&c->rq);
	c->served = true;
	if (!keep || c->srv->closing) {
		conn_close_soon(c);
		return;
	}
	if (!c->dispatching) {
		/* Parse what is pending on the next loop turn, not from inside
		 * the caller's stack (a wake-up walking its list of waiters). */
		c->tmode = T_RESUME;
		uv_timer_start(&c->timer, on_timer, 0, 0);
		http_conn_arm(c);
	}
}

int http_reply(struct http_conn *c, int status, const char *ctype, const char *headers,
	       const void *body, size_t len)
{
	if (c->closing)
		return -EPIPE;
	bool close = !c->rq.req.keep_alive || c->srv->closing || !c->in_request;
	char framing[64];
	snprintf(framing, sizeof framing, "Content-Length: %zu\r\n", len);
	char head[2048];
	int n = head_format(c, head, sizeof head, status, ctype, headers, framing, close);
	if (n < 0)
		return -EINVAL;
	/* The answer to HEAD has the headers GET would have, no body
	 * (RFC 9110, 9.3.2): a client pipelining would read it as the
	 * next answer. */
	bool head_only = c->in_request && c->rq.req.method == HTTP_HEAD;
	int r = conn_write(c, head, (size_t)n, head_only ? NULL : body, head_only ? 0 : len,
			   NULL, 0);
	if (r < 0)
		return r;
	if (c->in_request)
		request_done(c);
	else
		conn_close_soon(c);
	return 0;
}

int http_stream_begin(struct http_conn *c, int status, const char *ctype, const char *headers,
		      http_pull_cb pull)
{
	if (c->closing)
		return -EPIPE;
	c->chunked = !c->http10;
	if (!c->chunked)
		c->rq.req.keep_alive = false;  /* the end of the body is the close */
	bool close = !c->rq.req.keep_alive || c->srv->closing;
	char head[2048];
	int n = head_format(c, head, sizeof head, status, ctype, headers,
			    c->chunked ? "Transfer-Encoding: chunked\r\n" : "", close);
	if (n < 0)
		return -EINVAL;
	int r = conn_write(c, head, (size_t)n, NULL, 0, NULL, 0);
	if (r < 0)
		return r;
	c->streaming = true;
	c->pull = pull;
	c->stream_out = 0;
	c->in_pull = true;
	while (!c->closing && c->streaming && conn_unsent(c) < STREAM_LOW_WATER) {
		size_t before = c->stream_out;
		pull(c, c->ctx);
		if (c->streaming && c->stream_out == before)
			break;
	}
	c->in_pull = false;
	return c->closing ? -EPIPE : 0;
}

int http_stream_write(struct http_conn *c, const void *data, size_t len)
{
	if (c->closing)
		return -EPIPE;
	if (len == 0)
		return 0;
	c->stream_out += len;
	if (!c->chunked)
		return conn_write(c, data, len, NULL, 0, NULL, 0);
	char size[24];
	int n = snprintf(size, sizeof size, "%zx\r\n", len);
	return conn_write(c, size, (size_t)n, data, len, "\r\n", 2);
}

int http_stream_end(struct http_conn *c)
{
	if (c->closing || !c->streaming)
		return -EPIPE;
	if (c->chunked && conn_write(c, "0\r\n\r\n", 5, NULL, 0, NULL, 0) < 0)
		return -EPIPE;
	request_done(c);
	return 0;
}

int http_conn_park(struct http_conn *c)
{
	if (c->parked)
		return 0;
	if (c->srv->parked >= c->srv->lim.max_waiting)
		return -EBUSY;
	c->parked = true;
	c->srv->parked++;
	slot_release(c);
	http_conn_arm(c);
	return 0;
}

void http_conn_set_ctx(struct http_conn *c, void *ctx) { c->ctx = ctx; }
void *http_conn_ctx(const struct http_conn *c) { return c->ctx; }
uid_t http_conn_uid(const struct http_conn *c) { return c->uid; }
const char *http_conn_peer(const struct http_conn *c) { return c->peer; }
pid_t http_conn_pid(const struct http_conn *c) { return c->pid; }
uv_loop_t *http_conn_loop(const struct http_conn *c) { return c->srv->loop; }

void http_server_counts(const struct http_server *s, int *clients, int *waiting)
{
	if (clients)
		*clients = s->nconns;
	if (waiting)
		*waiting = s->parked;
}

/* --- timers --- */

/* Answers the request read on C with 503 and closes: too many clients.
 * The request was read whole, so the client reads this answer rather than
 * a reset. */
static void refuse(struct http_conn *c, const char *detail)
{
	struct http_server *s = c->srv;
	char body[160];
	/* The reader API's clients read Miniflux's error shape. */
	int n = snprintf(body, sizeof body, s->tcp ? "{\"error_message\":\"too many clients: %s\"}\n"
				: "{\"error\":\"too many clients\",\"detail\":\"%s\"}\n", detail);
	uint64_t now = uv_now(s->loop);
	if (now - s->last_refuse_log >= 1000 || !s->last_refuse_log) {
		s->last_refuse_log = now ? now : 1;
		log_notice("api: client (uid %d) refused (503): %s; %d connections, %d requests "
			   "in progress, %d waiting for a slot", (int)c->uid, detail, s->nconns,
			   s->active, s->queued);
	}
	c->rq.req.keep_alive = false;
	c->in_request = true;  /* so http_reply completes and closes */
	http_reply(c, 503, "application/json", "Retry-After: 1\r\n", body, (size_t)n);
}

bool http_conn_bytes_waiting(struct http_conn *c)
{
	uv_os_fd_t fd;
	int n = 0;
	return uv_fileno(&c->io.handle, &fd) == 0 && ioctl(fd, FIONREAD, &n) == 0 && n > 0;
}

/* Grace after a late loop: timers run before the loop reads its sockets,
 * so after a long iteration (a big answer rendered on a loaded machine) a
 * head or idle deadline can fire while the client's request already waits
 * unread. Once per request, it gets GRACE_MS for the loop to read it; a
 * client that drips bytes gains at most that. */
#define GRACE_MS 200

static void on_timer(uv_timer_t *t)
{
	struct http_conn *c = t->data;
	enum timer_mode m = c->tmode;
	if ((m == T_HEAD || m == T_IDLE) && !c->graced && http_conn_bytes_waiting(c)) {
		c->graced = true;
		uv_timer_start(&c->timer, on_timer, GRACE_MS, 0);
		return;
	}
	c->tmode = T_NONE;
	switch (m) {
	case T_RESUME:
		conn_process(c);
		if (!c->closing)
			http_conn_arm(c);
		break;
	case T_HEAD:
		log_debug("api: client (uid %d) too slow to send a request", (int)c->uid);
		if (httpreq_started(&c->rq) && !c->in_request) {
			static const char head[] =
				"{\"error\":\"request timeout\",\"detail\":\"the request head took too long\"}\n";
			static const char body[] =
				"{\"error\":\"request timeout\",\"detail\":\"the request body took too long\"}\n";
			bool in_body = httpreq_in_body(&c->rq);
			c->rq.req.keep_alive = false;
			http_reply(c, 408, "application/json", NULL, in_body ? body : head,
				   in_body ? sizeof body - 1 : sizeof head - 1);
			conn_close_soon(c);
		} else {
			http_conn_close(c);
		}
		break;
	case T_QUEUE:
		queue_remove(c);
		refuse(c, "every request slot stayed busy; try again later");
		break;
	case T_IDLE:
		log_debug("api: idle client (uid %d) closed", (int)c->uid);
		http_conn_close(c);
		break;
	case T_WRITE:
		log_notice("api: client (uid %d) dropped: stopped reading", (int)c->uid);
		http_conn_close(c);
		break;
	case T_NONE:
		break;
	}
}

/* Sets the one timer a connection needs for what it is doing now. */
void http_conn_arm(struct http_conn *c)
{
	const struct http_limits *l = &c->srv->lim;
	enum timer_mode want;
	uint64_t ms = 0;
	idle_update(c);
	if (c->closing || c->tmode == T_RESUME)
		return;
	if (c->writes > 0 && conn_unsent(c) > 0) {
		want = T_WRITE;
		ms = l->idle_timeout_ms;
	} else if (c->in_request) {
		want = T_NONE;  /* the handler's business (long-poll has its own) */
	} else if (c->queued) {
		want = T_QUEUE;
		ms = l->queue_timeout_ms;
	} else if (httpreq_started(&c->rq) || !c->served) {
		want = T_HEAD;
		ms = l->head_timeout_ms;
	} else {
		want = T_IDLE;
		ms = l->idle_timeout_ms;
	}
	if (want == c->tmode && want != T_IDLE)
		return;  /* a head, queue or write deadline does not move */
	c->tmode = want;
	if (want == T_NONE) {
		c->graced = false;   /* a request is in: the next one may be graced */
		uv_timer_stop(&c->timer);
		return;
	}
	/* The loop's clock is cached at the start of an iteration; after a
	 * long one (a big answer rendered) a deadline from it would be short. */
	uv_update_time(c->srv->loop);
	uv_timer_start(&c->timer, on_timer, ms, 0);
}

/* --- reading --- */

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	struct http_conn *c = h->data;
	(void)suggested;
	*buf = uv_buf_init(c->srv->rbuf, sizeof c->srv->rbuf);
}

static void reject_request(struct http_conn *c, int status, const char *reason)
{
	char clean[128];
	size_t o = 0;
	/* REASON is ours or llhttp's; keep it a safe JSON string anyway. */
	for (const char *r = reason ? reason : ""; *r && o < sizeof clean - 1; r++)
		clean[o++] = (*r == '"' || *r == '\\' || (unsigned char)*r < 0x20 ||
			      (unsigned char)*r >= 0x7f) ? '?' : *r;
	clean[o] = '\0';
	char body[256];
	const char *what = status == 431 ? "request head too large"
			   : status == 413 ? "request body too large" : "bad request";
	/* The reader API's clients read Miniflux's error shape. */
	/* The reason alone when it says as much (ours do). */
	bool same = !strcmp(what, clean) || !*clean;
	int n = same && c->srv->tcp ? snprintf(body, sizeof body, "{\"error_message\":\"%s\"}\n", what)
		: snprintf(body, sizeof body, c->srv->tcp ? "{\"error_message\":\"%s: %s\"}\n"
			   : "{\"error\":\"%s\",\"detail\":\"%s\"}\n", what, clean);
	c->rq.req.keep_alive = false;
	c->in_request = true;  /* so http_reply completes and closes */
	http_reply(c, status, "application/json", NULL, body, (size_t)n);
	conn_close_soon(c);
}

/* Parses pending bytes and dispatches complete requests, one at a time. */
static void conn_process(struct http_conn *c)
{
	struct http_server *s = c->srv;
	while (!c->closing && !c->in_request && !c->queued && !c->close_after &&
	       (c->pend_len > 0 || c->rq.done)) {
		size_t used = 0;
		enum httpreq_state st = httpreq_feed(&c->rq, c->pend, c->pend_len, &used);
		if (used) {
			memmove(c->pend, c->pend + used, c->pend_len - used);
			c->pend_len -= used;
		}
		if (st == HTTPREQ_MORE)
			break;
		if (st == HTTPREQ_ERROR) {
			log_debug("api: bad request (%d): %s", c->rq.status, c->rq.reason);
			reject_request(c, c->rq.status, c->rq.reason);
			return;
		}
		if (c->reject) {
			refuse(c, "too many connections; try again later");
			return;
		}
		if (!c->slot) {
			if (s->active >= s->lim.max_active || s->queue_head) {
				queue_push(c);  /* its turn comes in queue_pump */
				break;
			}
			c->slot = true;
			s->active++;
		}
		c->in_request = true;
		c->handed = true;
		c->http10 = llhttp_get_http_major(&c->rq.parser) == 1 &&
			    llhttp_get_http_minor(&c->rq.parser) == 0;
		c->dispatching = true;
		s->h.on_request(c, &c->rq.req, s->h.ud);
		c->dispatching = false;
	}
	if (!c->closing && !c->reading && !c->close_after &&
	    c->pend_len < s->lim.max_head + s->lim.max_body) {
		/* restart reading after backpressure (see on_read) */
		http_read_start(c);
	}
	if (c->pend_len == 0 && c->pend_cap) {
		/* All parsed: a slow client sending a byte at a time holds
		 * no buffer between its bytes. */
		free(c->pend);
		c->pend = NULL;
		c->pend_cap = 0;
	}
	if (!c->closing)
		http_conn_arm(c);
}

static void on_read(uv_stream_t *st, ssize_t nread, const uv_buf_t *buf)
{
	struct http_conn *c = st->data;
	struct http_server *s = c->srv;
	(void)buf;
	if (c->closing || nread == 0)
		return;
	if (nread < 0) {
		/* EOF or error: a held request has nobody to answer; an idle
		 * connection just ends; queued answers still go out. */
		if (c->in_request)
			http_conn_close(c);
		else
			conn_close_soon(c);
		return;
	}
	if (c->pend_len + (size_t)nread > c->pend_cap) {
		size_t cap = c->pend_cap ? c->pend_cap : 4096;
		while (cap < c->pend_len + (size_t)nread)
			cap *= 2;
		char *p = realloc(c->pend, cap);
		if (!p) {
			http_conn_close(c);
			return;
		}
		c->pend = p;
		c->pend_cap = cap;
	}
	memcpy(c->pend + c->pend_len, s->rbuf, (size_t)nread);
	c->pend_len += (size_t)nread;
	conn_process(c);
	if (!c->closing && c->reading && c->pend_len >= s->lim.max_head + s->lim.max_body) {
		/* Pipelining ahead of the answers (a request in progress, one
		 * waiting for a slot, or the next one not parsed yet): stop
		 * reading, the kernel buffer pushes back on the client;
		 * conn_process reads again once this is parsed. */
		uv_read_stop(st);
		c->reading = false;
	}
}

void http_read_start(struct http_conn *c)
{
	if (uv_read_start((uv_stream_t *)&c->io, on_alloc, on_read) == 0)
		c->reading = true;
}
