/* http_int.h — what the HTTP server's own files share (internal to
 * daemon/http*.c): the server and connection structures and the few
 * connection operations the acceptor needs.
 *
 *   http.c         a connection's life: the idle list, the queue for a
 *                  slot, reading and parsing, writing (whole or streamed),
 *                  its one timer, closing
 *   http_accept.c  how connections arrive: the listeners (a Unix socket
 *                  we bind, one from systemd, TCP for the reader API), the
 *                  acceptor thread per listener, opening a connection at
 *                  max_conns, starting and closing the server
 *
 * Ownership: nothing here allocates. A struct http_server is allocated by
 * http_accept.c (server_new) and freed by http_server_unref once its
 * listener, its async handle and every connection are closed; a struct
 * http_conn is allocated by http_accept.c (conn_open) and freed by
 * http_on_conn_handle_closed after its last handle closed. */
#ifndef FEEDD_HTTP_INT_H
#define FEEDD_HTTP_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "daemon/http.h"
#include "daemon/httpreq.h"

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
	/* A head or idle deadline found the client's bytes already waiting
	 * (the loop was late, not the client): one short grace per request. */
	bool graced;
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

/* Frees the server once nothing refers to it (listener, async, conns);
 * tells the handler's on_closed first. */
void http_server_unref(struct http_server *s);
/* The close callback of a connection's two handles: after the last, tells
 * on_abort if the handler held the request, and frees the connection. */
void http_on_conn_handle_closed(uv_handle_t *h);
/* Closes at once: unsent answers are dropped; memory goes in the close
 * callbacks. */
void http_conn_close(struct http_conn *c);
/* Sets the one timer a connection needs for what it is doing now. */
void http_conn_arm(struct http_conn *c);
/* Starts reading the connection's socket. */
void http_read_start(struct http_conn *c);
/* Whether C's socket holds bytes the loop has not read yet. */
bool http_conn_bytes_waiting(struct http_conn *c);

#endif
