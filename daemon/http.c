/* http.c — the HTTP/1.1 server on a Unix socket, bounded against slow and
 * hostile clients (DESIGN.md, "Limits on the socket"). */
#include "daemon/http.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "core/log.h"

/* Below this many unsent bytes a stream is asked for more. */
#define STREAM_LOW_WATER (256u * 1024)
/* Refused connections (max_conns open, none idle) whose request is read
 * to answer it 503; beyond, a newcomer is closed at once. */
#define MAX_REJECTING 1024
/* One read buffer for the whole server: libuv calls the read callback
 * right after the allocation, and the bytes are copied out before the
 * next read; so an idle connection owns no buffer at all. */
#define READ_BUF 16384
/* The listen queue's length (the kernel caps it at net.core.somaxconn). */
#define LISTEN_BACKLOG 4096
/* Accepting runs on a thread of its own, which empties the listen queue
 * whenever it is readable, whatever the loop is busy with: a queue left
 * full keeps out every client whose connect does not wait (a non-blocking
 * connect on a Unix socket fails with EAGAIN at once), and a client
 * reconnecting in a loop refills it as fast as it is emptied. The
 * accepted connections wait for the loop in a hand-off queue of this many;
 * when the loop does not take them, the thread stops accepting. */
#define HANDOFF_MAX LISTEN_BACKLOG

enum timer_mode { T_NONE, T_HEAD, T_IDLE, T_WRITE, T_RESUME, T_QUEUE };

/* A Unix socket's or a TCP socket's handle: the stream code is the same. */
union http_io {
	uv_handle_t handle;
	uv_stream_t stream;
	uv_pipe_t pipe;
	uv_tcp_t tcp;
};

struct http_server {
	uv_loop_t *loop;
	union http_io listener;
	bool tcp;                    /* a TCP listener (the reader API) */
	int lfd;                     /* the listening socket (the listener's) */
	uv_thread_t acceptor;        /* accepts into the hand-off queue */
	bool acceptor_started;
	int stop_pipe[2];            /* written to stop the acceptor */
	uv_async_t accepted;         /* the acceptor handed connections over */
	uv_mutex_t handoff_lock;     /* guards the three below */
	int handoff[HANDOFF_MAX];    /* accepted descriptors, oldest first */
	int nhandoff;
	int accept_errno;            /* the acceptor's last error, 0 once said */
	struct http_limits lim;
	struct http_handler h;
	struct http_conn *conns;     /* every open connection */
	/* Idle connections (nothing received, nothing in progress), the one
	 * idle longest first: closed in that order when max_conns is reached. */
	struct http_conn *idle_head, *idle_tail;
	/* Complete requests waiting for a slot, first come first served. */
	struct http_conn *queue_head, *queue_tail;
	char *path;                  /* socket file we created, unlinked at close */
	int refs;                    /* listener + connections not yet freed */
	int nconns;                  /* open connections, refused ones apart */
	int active;                  /* slots taken: requests in progress (max_active) */
	int parked, rejecting, queued;
	uint64_t last_accept_log;    /* loop ms of the last accept error logged */
	uint64_t last_refuse_log;    /* loop ms of the last refusal logged */
	bool closing;
	char rbuf[READ_BUF];
};

struct http_conn {
	union http_io io;
	uv_timer_t timer;
	struct http_server *srv;
	struct http_conn *prev, *next;
	struct http_conn *iprev, *inext;  /* the idle list */
	struct http_conn *qprev, *qnext;  /* the queue for a slot */
	int handles;                 /* handles not yet closed */
	int writes;                  /* uv_write requests in flight */
	enum timer_mode tmode;
	bool closing, reject, close_after, in_request, dispatching;
	bool parked, streaming, http10, chunked, served, reading, abort_due;
	bool idle, queued, slot, handed;  /* handed: the handler has the request */
	http_pull_cb pull;
	bool in_pull;
	size_t stream_out;           /* bytes the current stream wrote */
	void *ctx;
	uid_t uid;
	pid_t pid;
	char peer[48];               /* TCP: the client's address; "" on a Unix socket */
	struct httpreq rq;
	char *pend;                  /* received, not yet parsed; freed when idle */
	size_t pend_len, pend_cap;
};

struct wreq {
	uv_write_t req;
	size_t len;
	char data[];
};

static void conn_process(struct http_conn *c);
static void conn_arm(struct http_conn *c);
static void on_timer(uv_timer_t *t);
static void read_start(struct http_conn *c);
static void queue_pump(struct http_server *s);

const char *http_status_text(int status)
{
	switch (status) {
	case 200: return "OK";
	case 202: return "Accepted";
	case 204: return "No Content";
	case 400: return "Bad Request";
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

static void server_unref(struct http_server *s)
{
	if (--s->refs == 0) {
		if (s->h.on_closed)
			s->h.on_closed(s->h.ud);
		free(s->path);
		free(s);
	}
}

static void on_conn_handle_closed(uv_handle_t *h)
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
	server_unref(s);
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
static void conn_close(struct http_conn *c)
{
	if (c->closing)
		return;
	c->closing = true;
	c->abort_due = c->handed;
	conn_unlink(c);
	uv_close((uv_handle_t *)&c->io, on_conn_handle_closed);
	uv_close((uv_handle_t *)&c->timer, on_conn_handle_closed);
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
		conn_close(c);
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
		conn_close(c);
		return;
	}
	if (c->close_after && c->writes == 0) {
		conn_close(c);
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
		conn_arm(c);
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
			conn_close(c);
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
			conn_close(c);
		return c->closing ? -EPIPE : 0;
	}
	struct wreq *w = malloc(sizeof *w + len);
	if (!w) {
		conn_close(c);
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
		conn_close(c);
		return -EPIPE;
	}
	c->writes++;
	if (conn_unsent(c) > c->srv->lim.max_wqueue) {
		log_notice("api: client (uid %d) dropped: %zu bytes unread", (int)c->uid,
			   conn_unsent(c));
		conn_close(c);
		return -EPIPE;
	}
	if (conn_unsent(c) > 0 && c->tmode != T_WRITE)
		conn_arm(c);
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
		conn_arm(c);
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
	int r = conn_write(c, head, (size_t)n, body, len, NULL, 0);
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
	conn_arm(c);
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
	int n = snprintf(body, sizeof body, "{\"error\":\"too many clients\",\"detail\":\"%s\"}\n",
			 detail);
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

static void on_timer(uv_timer_t *t)
{
	struct http_conn *c = t->data;
	enum timer_mode m = c->tmode;
	c->tmode = T_NONE;
	switch (m) {
	case T_RESUME:
		conn_process(c);
		if (!c->closing)
			conn_arm(c);
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
			conn_close(c);
		}
		break;
	case T_QUEUE:
		queue_remove(c);
		refuse(c, "every request slot stayed busy; try again later");
		break;
	case T_IDLE:
		log_debug("api: idle client (uid %d) closed", (int)c->uid);
		conn_close(c);
		break;
	case T_WRITE:
		log_notice("api: client (uid %d) dropped: stopped reading", (int)c->uid);
		conn_close(c);
		break;
	case T_NONE:
		break;
	}
}

/* Sets the one timer a connection needs for what it is doing now. */
static void conn_arm(struct http_conn *c)
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
	int n = snprintf(body, sizeof body, "{\"error\":\"%s\",\"detail\":\"%s\"}\n",
			 status == 431 ? "request head too large"
			 : status == 413 ? "request body too large" : "bad request",
			 clean);
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
		read_start(c);
	}
	if (c->pend_len == 0 && c->pend_cap) {
		/* All parsed: a slow client sending a byte at a time holds
		 * no buffer between its bytes. */
		free(c->pend);
		c->pend = NULL;
		c->pend_cap = 0;
	}
	if (!c->closing)
		conn_arm(c);
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
			conn_close(c);
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
			conn_close(c);
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

static void read_start(struct http_conn *c)
{
	if (uv_read_start((uv_stream_t *)&c->io, on_alloc, on_read) == 0)
		c->reading = true;
}

/* --- accepting --- */

static void conn_peercred(struct http_conn *c)
{
	uv_os_fd_t fd;
	struct ucred cred;
	socklen_t len = sizeof cred;
	c->uid = (uid_t)-1;
	c->pid = -1;
	if (uv_fileno((uv_handle_t *)&c->io, &fd) == 0 &&
	    getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0) {
		c->uid = cred.uid;
		c->pid = cred.pid;
	}
}

static void conn_peeraddr(struct http_conn *c)
{
	struct sockaddr_storage sa;
	int len = sizeof sa;
	c->uid = (uid_t)-1;
	c->pid = -1;
	c->peer[0] = '\0';
	if (uv_tcp_getpeername(&c->io.tcp, (struct sockaddr *)&sa, &len) < 0)
		return;
	if (sa.ss_family == AF_INET)
		uv_ip4_name((struct sockaddr_in *)&sa, c->peer, sizeof c->peer);
	else if (sa.ss_family == AF_INET6)
		uv_ip6_name((struct sockaddr_in6 *)&sa, c->peer, sizeof c->peer);
}

/* A client that has hung up both ways before it was accepted (a client
 * connecting, writing and leaving in a loop) has nobody to read an answer:
 * when what it sent is nothing or a GET or HEAD (an answer, no effect), it
 * is closed at once, before it costs the loop anything. That keeps the
 * cost of such a loop below the client's own, so the listen queue
 * empties. A request with an effect (a POST fired and forgotten) is still
 * carried out; a client that only shut down its sending side still reads,
 * and is served. Runs on the acceptor thread. */
static bool peer_gone(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	if (poll(&p, 1, 0) != 1 || !(p.revents & POLLHUP))
		return false;
	char head[5];
	ssize_t n = recv(fd, head, sizeof head, MSG_PEEK | MSG_DONTWAIT);
	if (n <= 0)
		return true;
	const char *safe[] = { "GET ", "HEAD " };
	for (size_t i = 0; i < sizeof safe / sizeof *safe; i++) {
		size_t len = strlen(safe[i]) < (size_t)n ? strlen(safe[i]) : (size_t)n;
		if (memcmp(head, safe[i], len) == 0)
			return true;
	}
	return false;
}

/* The acceptor thread: waits for the listener (or the stop pipe), accepts
 * until EAGAIN, closes the clients already gone, hands the others to the
 * loop. It touches no libuv handle but the async one (uv_async_send is
 * thread-safe) and logs nothing: errors are told by the loop. */
static void acceptor_main(void *arg)
{
	struct http_server *s = arg;
	for (;;) {
		uv_mutex_lock(&s->handoff_lock);
		bool full = s->nhandoff >= HANDOFF_MAX;
		uv_mutex_unlock(&s->handoff_lock);
		struct pollfd p[2] = { { .fd = s->stop_pipe[0], .events = POLLIN },
				       { .fd = s->lfd, .events = POLLIN } };
		/* Full: the loop is behind; look again in 10 ms. */
		int n = poll(p, full ? 1 : 2, full ? 10 : -1);
		if (n < 0 && errno != EINTR)
			return;
		if (p[0].revents)
			return;
		if (full || n <= 0)
			continue;
		bool handed = false;
		for (;;) {
			uv_mutex_lock(&s->handoff_lock);
			full = s->nhandoff >= HANDOFF_MAX;
			uv_mutex_unlock(&s->handoff_lock);
			if (full)
				break;
			int fd = accept4(s->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
			if (fd < 0) {
				int e = errno;
				if (e == EINTR || e == ECONNABORTED)
					continue;
				if (e != EAGAIN && e != EWOULDBLOCK) {
					/* Out of descriptors, most likely: the
					 * loop says so; wait a little. */
					uv_mutex_lock(&s->handoff_lock);
					s->accept_errno = e;
					uv_mutex_unlock(&s->handoff_lock);
					uv_async_send(&s->accepted);
					poll(p, 1, 50);
				}
				break;
			}
			if (peer_gone(fd)) {
				close(fd);
				continue;
			}
			uv_mutex_lock(&s->handoff_lock);
			s->handoff[s->nhandoff++] = fd;
			uv_mutex_unlock(&s->handoff_lock);
			handed = true;
		}
		if (handed)
			uv_async_send(&s->accepted);
	}
}

/* Closes a connection that was never counted nor linked. */
static void conn_discard(struct http_conn *c)
{
	c->closing = true;
	uv_close((uv_handle_t *)&c->io, on_conn_handle_closed);
	uv_close((uv_handle_t *)&c->timer, on_conn_handle_closed);
}

/* A connection the acceptor handed over. */
static void conn_open(struct http_server *s, int fd)
{
	struct http_conn *c = calloc(1, sizeof *c);
	if (!c) {
		close(fd);
		return;
	}
	c->srv = s;
	if (s->tcp)
		uv_tcp_init(s->loop, &c->io.tcp);
	else
		uv_pipe_init(s->loop, &c->io.pipe, 0);
	uv_timer_init(s->loop, &c->timer);
	c->io.handle.data = c->timer.data = c;
	c->handles = 2;
	s->refs++;
	httpreq_init(&c->rq, s->lim.max_head, s->lim.max_body);
	if ((s->tcp ? uv_tcp_open(&c->io.tcp, fd) : uv_pipe_open(&c->io.pipe, fd)) < 0) {
		close(fd);
		conn_discard(c);
		return;
	}
	/* Room for the newcomer: the connection idle longest goes, as nginx
	 * reuses its keep-alive connections. Refused only when none is idle. */
	if (s->nconns >= s->lim.max_conns) {
		struct http_conn *old = s->idle_head;
		while (old && old->writes > 0)
			old = old->inext;
		if (old) {
			log_debug("api: %d connections: closing the one idle longest (uid %d)",
				  s->nconns, (int)old->uid);
			conn_close(old);
		} else {
			c->reject = true;
		}
	}
	c->next = s->conns;
	if (s->conns)
		s->conns->prev = c;
	s->conns = c;
	if (c->reject)
		s->rejecting++;
	else
		s->nconns++;
	if (s->tcp)
		conn_peeraddr(c);
	else
		conn_peercred(c);
	if (c->reject && s->rejecting > MAX_REJECTING) {
		conn_close(c);
		return;
	}
	/* A refused client's request is read (within the head timeout) and
	 * answered 503: closing before it is sent would make it a reset. */
	read_start(c);
	conn_arm(c);
}

static void on_accepted(uv_async_t *a)
{
	struct http_server *s = a->data;
	static int fds[HANDOFF_MAX];   /* the loop is single-threaded */
	uv_mutex_lock(&s->handoff_lock);
	int n = s->nhandoff;
	memcpy(fds, s->handoff, (size_t)n * sizeof *fds);
	s->nhandoff = 0;
	int e = s->accept_errno;
	s->accept_errno = 0;
	uv_mutex_unlock(&s->handoff_lock);
	if (e) {
		/* Out of descriptors under a flood: say so, but not per attempt. */
		uint64_t now = uv_now(s->loop);
		if (now - s->last_accept_log >= 1000 || !s->last_accept_log) {
			s->last_accept_log = now ? now : 1;
			log_warn("api: accept: %s", strerror(e));
		}
	}
	for (int i = 0; i < n; i++) {
		if (s->closing)
			close(fds[i]);
		else
			conn_open(s, fds[i]);
	}
}

/* Stops the acceptor and closes what it handed over and nobody took. */
static void acceptor_stop(struct http_server *s)
{
	if (s->acceptor_started) {
		ssize_t w;
		do
			w = write(s->stop_pipe[1], "x", 1);
		while (w < 0 && errno == EINTR);
		uv_thread_join(&s->acceptor);
		s->acceptor_started = false;
	}
	for (int i = 0; i < s->nhandoff; i++)
		close(s->handoff[i]);
	s->nhandoff = 0;
	for (int i = 0; i < 2; i++) {
		if (s->stop_pipe[i] >= 0)
			close(s->stop_pipe[i]);
		s->stop_pipe[i] = -1;
	}
}

static void on_async_closed(uv_handle_t *h)
{
	struct http_server *s = h->data;
	uv_mutex_destroy(&s->handoff_lock);
	server_unref(s);
}

/* --- the listener --- */

/* A socket file left by a crash is replaced; one somebody answers on is
 * not (two daemons on one store would be worse than not starting). */
static int clear_stale(const char *path)
{
	struct stat st;
	if (lstat(path, &st) < 0) {
		if (errno == ENOENT)
			return 0;
		/* A symlink loop in the path, a folder we may not search ...:
		 * say so, or the daemon exits 1 without a word. */
		int e = errno;
		log_err("api: socket %s: %s", path, strerror(e));
		return -e;
	}
	if (!S_ISSOCK(st.st_mode)) {
		log_err("api: %s exists and is not a socket; not replacing it", path);
		return -EEXIST;
	}
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	if (strlen(path) >= sizeof sa.sun_path) {
		log_err("api: socket %s: path longer than %zu bytes", path, sizeof sa.sun_path - 1);
		return -ENAMETOOLONG;
	}
	strcpy(sa.sun_path, path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	int r = connect(fd, (struct sockaddr *)&sa, sizeof sa);
	int e = errno;
	close(fd);
	if (r == 0) {
		log_err("api: %s: another feedd is already listening there", path);
		return -EADDRINUSE;
	}
	if (e != ECONNREFUSED) {
		log_err("api: %s: cannot check the existing socket: %s", path, strerror(e));
		return -e;
	}
	log_notice("api: replacing stale socket %s", path);
	if (unlink(path) < 0 && errno != ENOENT)
		return -errno;
	return 0;
}

static int listen_path(struct http_server *s, const char *path, const char *group)
{
	gid_t gid = (gid_t)-1;
	if (group && *group) {
		struct group gr, *res = NULL;
		char buf[4096];
		if (getgrnam_r(group, &gr, buf, sizeof buf, &res) != 0 || !res) {
			log_err("api: unknown socket group \"%s\"", group);
			return -EINVAL;
		}
		gid = gr.gr_gid;
	}
	int r = clear_stale(path);
	if (r < 0)
		return r;
	/* The socket must never exist with wider permissions, even briefly. */
	mode_t old = umask(0117);
	r = uv_pipe_bind(&s->listener.pipe, path);
	umask(old);
	if (r < 0) {
		log_err("api: bind %s: %s", path, uv_strerror(r));
		return r;
	}
	s->path = strdup(path);
	if (chmod(path, 0660) < 0 || (gid != (gid_t)-1 && chown(path, (uid_t)-1, gid) < 0)) {
		r = -errno;
		log_err("api: %s: setting mode/group: %s", path, strerror(errno));
		return r;
	}
	return 0;
}

static void on_listener_closed(uv_handle_t *h)
{
	server_unref(h->data);
}

static struct http_server *server_new(uv_loop_t *loop, bool tcp, const struct http_limits *lim,
				      const struct http_handler *h)
{
	struct http_server *s = calloc(1, sizeof *s);
	if (!s)
		return NULL;
	s->loop = loop;
	s->lim = *lim;
	s->h = *h;
	s->tcp = tcp;
	s->refs = 2;  /* the listener and the hand-off's async */
	s->stop_pipe[0] = s->stop_pipe[1] = -1;
	if (tcp)
		uv_tcp_init(loop, &s->listener.tcp);
	else
		uv_pipe_init(loop, &s->listener.pipe, 0);
	s->listener.handle.data = s;
	uv_mutex_init(&s->handoff_lock);
	uv_async_init(loop, &s->accepted, on_accepted);
	s->accepted.data = s;
	return s;
}

/* Listens on the bound listener and starts the acceptor thread (R: what
 * binding it gave); on failure, closes the server and returns the error.
 * WHAT names the listener in the log. */
static int server_go(struct http_server *s, int r, const char *what, struct http_server **out)
{
	if (r == 0) {
		/* libuv does not watch the listener: the acceptor does. */
		uv_os_fd_t lfd;
		r = uv_fileno(&s->listener.handle, &lfd);
		if (r == 0) {
			s->lfd = lfd;
			int fl = fcntl(lfd, F_GETFL);
			if (listen(lfd, LISTEN_BACKLOG) < 0 || fl < 0 ||
			    fcntl(lfd, F_SETFL, fl | O_NONBLOCK) < 0)
				r = -errno;
		}
		if (r == 0 && pipe2(s->stop_pipe, O_CLOEXEC) < 0)
			r = -errno;
		if (r == 0) {
			r = uv_thread_create(&s->acceptor, acceptor_main, s);
			s->acceptor_started = r == 0;
		}
		if (r < 0)
			log_err("api: listen %s: %s", what, uv_strerror(r));
	}
	if (r < 0) {
		if (s->path)
			unlink(s->path);
		s->h.on_closed = NULL;  /* the caller still owns what it passed */
		acceptor_stop(s);
		uv_close((uv_handle_t *)&s->accepted, on_async_closed);
		uv_close(&s->listener.handle, on_listener_closed);
		return r;
	}
	log_debug("api: up to %d connections (%zu bytes each while idle), %d requests in "
		  "progress, %d held long-polls", s->lim.max_conns, sizeof(struct http_conn),
		  s->lim.max_active, s->lim.max_waiting);
	*out = s;
	return 0;
}

/* Binds the TCP listener itself: uv_tcp_bind defers EADDRINUSE to
 * uv_listen, which the acceptor's listen() would never see (it would bind
 * an ephemeral port instead). */
static int tcp_bind(struct http_server *s, const struct sockaddr *addr)
{
	socklen_t len = addr->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6)
						    : sizeof(struct sockaddr_in);
	int fd = socket(addr->sa_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	int on = 1;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) < 0 ||
	    bind(fd, addr, len) < 0) {
		int e = errno;
		close(fd);
		return -e;
	}
	int r = uv_tcp_open(&s->listener.tcp, fd);
	if (r < 0)
		close(fd);
	return r;
}

int http_server_start_tcp(uv_loop_t *loop, const struct sockaddr *addr,
			  const struct http_limits *lim, const struct http_handler *h,
			  struct http_server **out)
{
	struct http_server *s = server_new(loop, true, lim, h);
	if (!s)
		return -ENOMEM;
	return server_go(s, tcp_bind(s, addr), "(reader TCP)", out);
}

int http_server_start(uv_loop_t *loop, const char *path, const char *group, int fd,
		      const struct http_limits *lim, const struct http_handler *h,
		      struct http_server **out)
{
	struct http_server *s = server_new(loop, false, lim, h);
	if (!s)
		return -ENOMEM;
	int r;
	if (fd >= 0) {
		r = uv_pipe_open(&s->listener.pipe, fd);
		if (r < 0)
			log_err("api: socket from systemd (fd %d): %s", fd, uv_strerror(r));
	} else {
		r = listen_path(s, path, group);
	}
	return server_go(s, r, path ? path : "(systemd socket)", out);
}

void http_server_close(struct http_server *s)
{
	if (!s || s->closing)
		return;
	s->closing = true;
	if (s->path)
		unlink(s->path);
	while (s->conns)
		conn_close(s->conns);
	acceptor_stop(s);
	uv_close((uv_handle_t *)&s->accepted, on_async_closed);
	uv_close(&s->listener.handle, on_listener_closed);
}
