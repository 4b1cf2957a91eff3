/* http.h — the HTTP/1.1 server on a Unix socket (or TCP, for the reader
 * API): listener, connections,
 * keep-alive, pipelining in order, bounds and timeouts. It knows nothing of
 * feeds; api.c routes the requests it hands over.
 *
 * One request per connection is in progress at a time: the next pipelined
 * request is parsed only when the previous answer is complete (queued), so
 * answers go out in order.
 *
 * Connections are cheap (a few hundred bytes while idle or sending a head;
 * the read buffer is the server's): the cap that keeps clients out is on
 * requests in progress (max_active), and a complete request over it waits
 * its turn, first come first served, for queue_timeout_ms before a 503.
 * Held long-polls are not in progress. When max_conns connections are
 * open, the one idle longest (kept alive or never used) is closed for the
 * newcomer; with none idle, the newcomer's request is read and answered
 * 503 with Retry-After, so it is never a reset. A thread of the server's
 * own accepts: it empties the listen queue whenever it is readable, even
 * while the loop is busy, closes at once a client that hung up before it
 * was accepted, and hands the others to the loop (up to 4096 waiting), so
 * a client reconnecting in a loop does not keep the queue full for those
 * whose connect does not wait. The handler answers at once (http_reply), later
 * (long-poll: keep the struct http_conn, answer from a timer or a wake-up),
 * or as a stream (http_stream_begin + a pull callback).
 *
 * Ownership: http_server_start allocates the server; http_server_close
 * closes the listener and every connection, and memory is freed in the
 * close callbacks (run the loop afterwards). A struct http_conn stays valid
 * until the handler completes its answer (http_reply or http_stream_end
 * returned 0) or the server calls on_abort for it. The handler's per-request
 * context (http_conn_set_ctx) is the handler's to free: after a completing
 * call that returned 0, or in on_abort — which comes from a close callback,
 * never from inside the handler's own calls. When a call returns -EPIPE the
 * client is gone and on_abort follows. */
#ifndef FEEDD_HTTP_H
#define FEEDD_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <uv.h>

#include "daemon/httpreq.h"

struct http_limits {
	int max_conns;            /* connections open at once: memory, descriptors */
	int max_active;           /* requests in progress at once (long-polls apart) */
	int max_waiting;          /* parked long-polls */
	size_t max_head;          /* request line + headers, bytes (431 beyond) */
	size_t max_body;          /* request body, bytes (413 beyond) */
	uint64_t head_timeout_ms; /* to send a whole request once it started */
	uint64_t idle_timeout_ms; /* keep-alive idle; also a stalled write */
	uint64_t queue_timeout_ms;/* a complete request waiting for a slot (503) */
	size_t max_wqueue;        /* unsent bytes before a client is dropped */
};

/* The bounds of DESIGN.md, "Limits on the socket". */
#define HTTP_LIMITS_DEFAULT { .max_conns = 8192, .max_active = 64, .max_waiting = 4096, \
	.max_head = 8192, .max_body = 65536, .head_timeout_ms = 10000, \
	.idle_timeout_ms = 30000, .queue_timeout_ms = 10000, .max_wqueue = 4u << 20 }

struct http_server;
struct http_conn;

struct http_handler {
	/* A complete request. REQ is valid until the answer is complete. */
	void (*on_request)(struct http_conn *c, const struct http_request *req, void *ud);
	/* The client went away (or was dropped) before the answer completed;
	 * CTX is what the handler set with http_conn_set_ctx. */
	void (*on_abort)(struct http_conn *c, void *ctx, void *ud);
	/* The server and every connection are gone (after http_server_close). */
	void (*on_closed)(void *ud);
	void *ud;
};

/* Listens on PATH (mode 0660, owned by GROUP when not NULL; a stale socket
 * file replaced, a live one refused with -EADDRINUSE), or on FD when
 * FD >= 0 (socket activation). */
int http_server_start(uv_loop_t *loop, const char *path, const char *group, int fd,
		      const struct http_limits *lim, const struct http_handler *h,
		      struct http_server **out);
/* Listens on TCP at ADDR (the reader API): the same server, limits and
 * handler; a connection's peer is its address (http_conn_peer), it has
 * no credentials. -errno (libuv's) when the address cannot be bound. */
int http_server_start_tcp(uv_loop_t *loop, const struct sockaddr *addr,
			  const struct http_limits *lim, const struct http_handler *h,
			  struct http_server **out);
void http_server_close(struct http_server *s);
/* Connections open (waiting ones included, refused ones not) and parked
 * long-polls. */
void http_server_counts(const struct http_server *s, int *clients, int *waiting);

/* --- answering --- */
/* A whole answer with Content-Length. HEADERS: extra "Name: value\r\n"
 * lines or NULL. Completes the request. Returns 0, or -EPIPE when the
 * client was dropped meanwhile (the conn must not be used again). */
int http_reply(struct http_conn *c, int status, const char *ctype, const char *headers,
	       const void *body, size_t len);

/* Streaming (chunked): PULL is called whenever the client's unsent queue is
 * small, until it calls http_stream_end. PULL writes a bounded amount each
 * time with http_stream_write. */
typedef void (*http_pull_cb)(struct http_conn *c, void *ctx);
int http_stream_begin(struct http_conn *c, int status, const char *ctype,
		      const char *headers, http_pull_cb pull);
int http_stream_write(struct http_conn *c, const void *data, size_t len);
/* Completes the request; the handler must not touch C afterwards. */
int http_stream_end(struct http_conn *c);

/* Long-poll bookkeeping: a parked request is not counted against
 * max_active. Returns -EBUSY when max_waiting are parked already. */
int http_conn_park(struct http_conn *c);
void http_conn_set_ctx(struct http_conn *c, void *ctx);
void *http_conn_ctx(const struct http_conn *c);
/* The peer's credentials (SO_PEERCRED), -1 when unknown. */
uid_t http_conn_uid(const struct http_conn *c);
/* A TCP connection's peer address ("127.0.0.1", "::1"); "" on a Unix socket. */
const char *http_conn_peer(const struct http_conn *c);
pid_t http_conn_pid(const struct http_conn *c);
uv_loop_t *http_conn_loop(const struct http_conn *c);

const char *http_status_text(int status);

#endif
