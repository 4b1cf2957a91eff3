/* test_http.c — the HTTP server's bounds on a real loop and a real socket:
 * 431, 413, idle connections that cost no slot (the one idle longest
 * closed for a newcomer), a readable 503 when none is idle, requests
 * queued for a slot, slow-loris, a client that never reads, keep-alive and
 * pipelining in order. */
#include <errno.h>
#include <grp.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/log.h"
#include "daemon/http.h"

/* --- the server under test, on its own thread --- */

struct srv {
	uv_thread_t thread;
	uv_sem_t ready;
	uv_loop_t loop;
	uv_async_t stop;
	struct http_server *http;
	struct http_limits lim;
	char dir[64];
	char path[128];
	int start_rc;
	int aborts;              /* requests the server abandoned (loop thread) */
};

struct delay {
	uv_timer_t timer;
	struct http_conn *conn;
};

struct big {
	size_t left;
};

static char chunk[65536];

static void on_delay_closed(uv_handle_t *h) { free(h->data); }

static void on_delay(uv_timer_t *t)
{
	struct delay *d = t->data;
	http_reply(d->conn, 200, "text/plain", NULL, "delayed\n", 8);
	uv_close((uv_handle_t *)&d->timer, on_delay_closed);
}

static void big_pull(struct http_conn *c, void *ctx)
{
	struct big *b = ctx;
	size_t n = b->left < sizeof chunk ? b->left : sizeof chunk;
	if (http_stream_write(c, chunk, n) < 0)
		return;
	b->left -= n;
	if (b->left == 0 && http_stream_end(c) == 0)
		free(b);
}

static void on_request(struct http_conn *c, const struct http_request *req, void *ud)
{
	struct srv *s = ud;
	const char *t = req->target;
	if (!strcmp(t, "/hello")) {
		http_reply(c, 200, "text/plain", NULL, "hello\n", 6);
	} else if (!strcmp(t, "/echo")) {
		http_reply(c, 200, "text/plain", NULL, req->body, req->body_len);
	} else if (!strncmp(t, "/delay", 6)) {
		struct delay *d = calloc(1, sizeof *d);
		d->conn = c;
		uv_timer_init(&s->loop, &d->timer);
		d->timer.data = d;
		uv_timer_start(&d->timer, on_delay, t[6] == '?' ? strtoul(t + 7, NULL, 10) : 50, 0);
	} else if (!strncmp(t, "/big?n=", 7)) {
		struct big *b = calloc(1, sizeof *b);
		b->left = strtoul(t + 7, NULL, 10);
		http_conn_set_ctx(c, b);
		http_stream_begin(c, 200, "application/octet-stream", NULL, big_pull);
	} else if (!strncmp(t, "/whole?n=", 9)) {
		size_t n = strtoul(t + 9, NULL, 10);
		char *body = calloc(1, n);
		http_reply(c, 200, "application/octet-stream", NULL, body, n);
		free(body);
	} else if (!strcmp(t, "/count")) {
		int clients, waiting;
		char body[64];
		http_server_counts(s->http, &clients, &waiting);
		int n = snprintf(body, sizeof body, "%d %d %d\n", clients, waiting, s->aborts);
		http_reply(c, 200, "text/plain", NULL, body, (size_t)n);
	} else {
		http_reply(c, 404, "text/plain", NULL, "no\n", 3);
	}
}

static void on_abort(struct http_conn *c, void *ctx, void *ud)
{
	struct srv *s = ud;
	s->aborts++;
	free(ctx);  /* only /big sets a context */
}

static void on_stop(uv_async_t *a)
{
	struct srv *s = a->data;
	http_server_close(s->http);
	uv_close((uv_handle_t *)a, NULL);
}

static void server_thread(void *arg)
{
	struct srv *s = arg;
	uv_loop_init(&s->loop);
	uv_async_init(&s->loop, &s->stop, on_stop);
	s->stop.data = s;
	struct http_handler h = { .on_request = on_request, .on_abort = on_abort, .ud = s };
	s->start_rc = http_server_start(&s->loop, s->path, NULL, -1, &s->lim, &h, &s->http);
	uv_sem_post(&s->ready);
	if (s->start_rc < 0)
		uv_close((uv_handle_t *)&s->stop, NULL);
	uv_run(&s->loop, UV_RUN_DEFAULT);
	uv_loop_close(&s->loop);
}

/* MAX_CONNS, MAX_ACTIVE: 0 for the defaults. */
static struct srv *server_start_lim(int max_conns, int max_active)
{
	struct srv *s = calloc(1, sizeof *s);
	struct http_limits lim = HTTP_LIMITS_DEFAULT;
	/* Short timeouts so the test does not sit for 10 s. */
	lim.head_timeout_ms = 300;
	lim.idle_timeout_ms = 600;
	lim.queue_timeout_ms = 300;
	if (max_conns)
		lim.max_conns = max_conns;
	if (max_active)
		lim.max_active = max_active;
	s->lim = lim;
	strcpy(s->dir, "/tmp/feedd-test-http-XXXXXX");
	assert_non_null(mkdtemp(s->dir));
	snprintf(s->path, sizeof s->path, "%s/sock", s->dir);
	uv_sem_init(&s->ready, 0);
	uv_thread_create(&s->thread, server_thread, s);
	uv_sem_wait(&s->ready);
	assert_int_equal(s->start_rc, 0);
	return s;
}

static struct srv *server_start(void) { return server_start_lim(0, 0); }

static void server_stop(struct srv *s)
{
	uv_async_send(&s->stop);
	uv_thread_join(&s->thread);
	uv_sem_destroy(&s->ready);
	unlink(s->path);
	rmdir(s->dir);
	free(s);
}

/* --- a blocking client --- */

static int client(const struct srv *s)
{
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	strcpy(sa.sun_path, s->path);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0);
	/* A safety net against a hang, not a timing assertion. */
	struct timeval tv = { .tv_sec = 20 };
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	return fd;
}

static void send_all(int fd, const char *data, size_t len)
{
	while (len) {
		ssize_t n = send(fd, data, len, MSG_NOSIGNAL);
		if (n <= 0)
			fprintf(stderr, "send: %s\n", strerror(errno));
		assert_true(n > 0);
		data += n;
		len -= (size_t)n;
	}
}

static void send_str(int fd, const char *s) { send_all(fd, s, strlen(s)); }

struct resp {
	int status;
	char *body;
	size_t len;
	bool close;
};

/* Reads exactly one response (Content-Length or chunked); status 0 on EOF. */
static struct resp read_response(int fd)
{
	struct resp r = { 0 };
	char head[8192];
	size_t h = 0;
	while (h < sizeof head - 1) {
		ssize_t n = recv(fd, head + h, 1, 0);
		if (n <= 0)
			return r;
		h++;
		if (h >= 4 && !memcmp(head + h - 4, "\r\n\r\n", 4))
			break;
	}
	head[h] = '\0';
	sscanf(head, "HTTP/1.1 %d", &r.status);
	r.close = strstr(head, "Connection: close") != NULL;
	const char *cl = strstr(head, "Content-Length: ");
	if (cl) {
		r.len = strtoul(cl + 16, NULL, 10);
		r.body = malloc(r.len + 1);
		size_t got = 0;
		while (got < r.len) {
			ssize_t n = recv(fd, r.body + got, r.len - got, 0);
			assert_true(n > 0);
			got += (size_t)n;
		}
		r.body[r.len] = '\0';
		return r;
	}
	assert_non_null(strstr(head, "Transfer-Encoding: chunked"));
	for (;;) {
		char line[32];
		size_t l = 0;
		while (l < sizeof line - 1) {
			assert_int_equal(recv(fd, line + l, 1, 0), 1);
			if (line[l++] == '\n')
				break;
		}
		line[l] = '\0';
		size_t n = strtoul(line, NULL, 16);
		r.body = realloc(r.body, r.len + n + 3);
		size_t got = 0;
		while (got < n + 2) {
			ssize_t k = recv(fd, r.body + r.len + got, n + 2 - got, 0);
			assert_true(k > 0);
			got += (size_t)k;
		}
		r.len += n;
		r.body[r.len] = '\0';
		if (n == 0)
			return r;
	}
}

/* True when the server closed (EOF or reset) after whatever it sent. */
static bool reads_to_eof(int fd, size_t *total)
{
	char buf[65536];
	*total = 0;
	for (;;) {
		ssize_t n = recv(fd, buf, sizeof buf, 0);
		if (n == 0 || (n < 0 && errno == ECONNRESET))
			return true;
		if (n < 0)
			return false;  /* timeout: the server kept it open */
		*total += (size_t)n;
	}
}

/* --- tests --- */

static void test_keepalive_and_pipelining(void **state)
{
	struct srv *s = server_start();
	int fd = client(s);
	/* The first answer comes late: the others still follow it, in order. */
	send_str(fd, "GET /delay HTTP/1.1\r\nHost: x\r\n\r\n"
		     "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nabcde"
		     "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
	struct resp r = read_response(fd);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.body, "delayed\n");
	free(r.body);
	r = read_response(fd);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.body, "abcde");
	free(r.body);
	r = read_response(fd);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.body, "hello\n");
	assert_false(r.close);
	free(r.body);
	/* Same connection, one more; then a streamed answer. */
	send_str(fd, "GET /big?n=300000 HTTP/1.1\r\nHost: x\r\n\r\n");
	r = read_response(fd);
	assert_int_equal(r.status, 200);
	assert_int_equal(r.len, 300000);
	free(r.body);
	send_str(fd, "GET /nope HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
	r = read_response(fd);
	assert_int_equal(r.status, 404);
	assert_true(r.close);
	free(r.body);
	size_t n;
	assert_true(reads_to_eof(fd, &n));
	close(fd);
	server_stop(s);
}

static void test_head_too_large(void **state)
{
	struct srv *s = server_start();
	int fd = client(s);
	size_t big = 16 * 1024;
	char *req = malloc(big + 100);
	strcpy(req, "GET /hello HTTP/1.1\r\nX-Fill: ");
	size_t l = strlen(req);
	memset(req + l, 'a', big);
	strcpy(req + l + big, "\r\n\r\n");
	/* The server may close before reading it all: ignore send errors. */
	send(fd, req, strlen(req), MSG_NOSIGNAL);
	free(req);
	struct resp r = read_response(fd);
	assert_int_equal(r.status, 431);
	assert_non_null(strstr(r.body, "\"error\""));
	free(r.body);
	close(fd);
	server_stop(s);
}

static void test_body_too_large(void **state)
{
	struct srv *s = server_start();
	int fd = client(s);
	send_str(fd, "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n");
	struct resp r = read_response(fd);
	assert_int_equal(r.status, 413);
	assert_true(r.close);
	free(r.body);
	close(fd);
	/* 64 KiB exactly is fine. */
	fd = client(s);
	char *body = malloc(65536);
	memset(body, 'b', 65536);
	send_str(fd, "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 65536\r\n\r\n");
	send_all(fd, body, 65536);
	r = read_response(fd);
	assert_int_equal(r.status, 200);
	assert_int_equal(r.len, 65536);
	free(r.body);
	free(body);
	close(fd);
	/* Garbage is a 400, not a crash. */
	fd = client(s);
	send_str(fd, "GET /hello HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n");
	r = read_response(fd);
	assert_int_equal(r.status, 400);
	free(r.body);
	close(fd);
	server_stop(s);
}

static int get(int fd, const char *target, struct resp *out)
{
	char req[256];
	snprintf(req, sizeof req, "GET %s HTTP/1.1\r\nHost: x\r\n\r\n", target);
	send_str(fd, req);
	*out = read_response(fd);
	return out->status;
}

static void test_idle_connections_cost_no_slot(void **state)
{
	/* Twice as many kept-alive idle clients as request slots: a newcomer
	 * is served, and so is each of them again. */
	struct srv *s = server_start_lim(0, 4);
	int fds[8];
	struct resp r;
	for (int i = 0; i < 8; i++) {
		fds[i] = client(s);
		assert_int_equal(get(fds[i], "/hello", &r), 200);
		free(r.body);
	}
	int extra = client(s);
	assert_int_equal(get(extra, "/count", &r), 200);
	assert_int_equal(atoi(r.body), 9);
	free(r.body);
	for (int i = 0; i < 8; i++) {
		assert_int_equal(get(fds[i], "/hello", &r), 200);
		free(r.body);
		close(fds[i]);
	}
	close(extra);
	server_stop(s);
}

static void test_oldest_idle_closed_for_a_newcomer(void **state)
{
	struct srv *s = server_start_lim(4, 0);
	int fds[4];
	struct resp r;
	for (int i = 0; i < 4; i++) {
		fds[i] = client(s);
		assert_int_equal(get(fds[i], "/hello", &r), 200);
		free(r.body);
	}
	/* The fifth is served; the first (idle longest) is closed for it. */
	int extra = client(s);
	assert_int_equal(get(extra, "/hello", &r), 200);
	free(r.body);
	size_t n;
	assert_true(reads_to_eof(fds[0], &n));
	assert_int_equal(n, 0);
	assert_int_equal(get(fds[1], "/count", &r), 200);
	assert_int_equal(atoi(r.body), 4);
	free(r.body);
	for (int i = 0; i < 4; i++)
		close(fds[i]);
	close(extra);
	server_stop(s);
}

static void test_refused_client_reads_503(void **state)
{
	/* Every connection busy with a request in progress: nothing idle or
	 * slow to close. */
	struct srv *s = server_start_lim(4, 0);
	int fds[4];
	for (int i = 0; i < 4; i++) {
		fds[i] = client(s);
		send_str(fds[i], "GET /delay?1000 HTTP/1.1\r\nHost: x\r\n\r\n");
	}
	/* Let the server read those requests (else they count as idle). */
	struct pollfd p = { .fd = -1 };
	poll(&p, 0, 200);
	int extra = client(s);
	/* Sending never fails (the request is read), the answer is a 503. */
	send_str(extra, "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
	struct resp r = read_response(extra);
	assert_int_equal(r.status, 503);
	assert_true(r.close);
	assert_non_null(strstr(r.body, "too many"));
	free(r.body);
	size_t n;
	assert_true(reads_to_eof(extra, &n));
	close(extra);
	/* The requests in progress are answered (the handler's delayed reply
	 * needs its connection open until then). */
	for (int i = 0; i < 4; i++) {
		r = read_response(fds[i]);
		assert_int_equal(r.status, 200);
		free(r.body);
		close(fds[i]);
	}
	server_stop(s);
}

static void test_slowest_head_closed_for_a_newcomer(void **state)
{
	/* Every connection trickling its head (a slow-loris flood) and none
	 * idle: past a quarter of the head timeout, the one sending the
	 * longest is closed and the newcomer is served. */
	struct srv *s = server_start_lim(4, 0);
	int fds[4];
	struct pollfd p = { .fd = -1 };
	for (int i = 0; i < 4; i++) {
		fds[i] = client(s);
		send_str(fds[i], "GET /hello HTTP/1.1\r\nHo");
		poll(&p, 0, 10);
	}
	poll(&p, 0, 150);
	int extra = client(s);
	send_str(extra, "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
	struct resp r = read_response(extra);
	assert_int_equal(r.status, 200);
	free(r.body);
	size_t n;
	assert_true(reads_to_eof(fds[0], &n));   /* the oldest head made room */
	close(extra);
	for (int i = 0; i < 4; i++)
		close(fds[i]);
	server_stop(s);
}

static void test_requests_wait_for_a_slot(void **state)
{
	/* One slot: a second request waits for the first, then is served. */
	struct srv *s = server_start_lim(0, 1);
	int a = client(s), b = client(s);
	send_str(a, "GET /delay?100 HTTP/1.1\r\nHost: x\r\n\r\n");
	send_str(b, "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
	struct resp r = read_response(b);
	assert_int_equal(r.status, 200);
	free(r.body);
	r = read_response(a);
	assert_int_equal(r.status, 200);
	free(r.body);
	/* A slot held past the queue bound (300 ms here): 503, readable. */
	send_str(a, "GET /delay?2000 HTTP/1.1\r\nHost: x\r\n\r\n");
	struct pollfd p = { .fd = -1 };
	poll(&p, 0, 50);
	assert_int_equal(get(b, "/hello", &r), 503);
	assert_non_null(strstr(r.body, "slot"));
	free(r.body);
	r = read_response(a);
	assert_int_equal(r.status, 200);
	free(r.body);
	close(a);
	close(b);
	server_stop(s);
}

static void test_slow_loris(void **state)
{
	struct srv *s = server_start();
	int slow = client(s);
	send_str(slow, "GET /hello HTTP/1.1\r\nHo");
	/* Another client is served meanwhile. */
	int fd = client(s);
	send_str(fd, "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
	struct resp r = read_response(fd);
	assert_int_equal(r.status, 200);
	free(r.body);
	/* The slow one gets 408 and the close once the head timeout passes. */
	r = read_response(slow);
	assert_int_equal(r.status, 408);
	free(r.body);
	size_t n;
	assert_true(reads_to_eof(slow, &n));
	close(slow);
	/* A client that connects and says nothing is closed too. */
	int mute = client(s);
	assert_true(reads_to_eof(mute, &n));
	assert_int_equal(n, 0);
	close(mute);
	close(fd);
	server_stop(s);
}

static void test_never_reads(void **state)
{
	struct srv *s = server_start();
	/* Streamed: the producer waits for the reader; a reader that never
	 * comes is dropped when the write stalls. */
	int lazy = client(s);
	int rcv = 4096;
	setsockopt(lazy, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof rcv);
	send_str(lazy, "GET /big?n=52428800 HTTP/1.1\r\nHost: x\r\n\r\n");
	/* Whole: 50 MB queued at once passes the 4 MiB bound at once. */
	int lazy2 = client(s);
	send_str(lazy2, "GET /whole?n=52428800 HTTP/1.1\r\nHost: x\r\n\r\n");
	int fd = client(s);
	/* Wait until the server has let both go (it counts itself). */
	for (;;) {
		send_str(fd, "GET /count HTTP/1.1\r\nHost: x\r\n\r\n");
		struct resp r = read_response(fd);
		assert_int_equal(r.status, 200);
		int clients = atoi(r.body);
		free(r.body);
		if (clients == 1)
			break;
		struct pollfd p = { .fd = -1 };
		poll(&p, 0, 50);
	}
	size_t n;
	assert_true(reads_to_eof(lazy, &n));
	assert_true(n < 52428800);
	assert_true(reads_to_eof(lazy2, &n));
	assert_true(n < 52428800);
	close(lazy);
	close(lazy2);
	close(fd);
	server_stop(s);
}

static void test_socket_file(void **state)
{
	struct srv *s = server_start();
	struct stat st;
	assert_int_equal(stat(s->path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0660);
	/* A second server on a live socket is refused. */
	uv_loop_t loop;
	uv_loop_init(&loop);
	struct http_limits lim = HTTP_LIMITS_DEFAULT;
	struct http_handler h = { .on_request = on_request, .ud = s };
	struct http_server *other = NULL;
	assert_int_equal(http_server_start(&loop, s->path, NULL, -1, &lim, &h, &other),
			 -EADDRINUSE);
	uv_run(&loop, UV_RUN_DEFAULT);
	server_stop(s);
	/* A stale socket file (nobody listening) is replaced. */
	char dir[] = "/tmp/feedd-test-http-XXXXXX", path[128];
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/sock", dir);
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	strcpy(sa.sun_path, path);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);
	close(fd);
	assert_int_equal(http_server_start(&loop, path, NULL, -1, &lim, &h, &other), 0);
	http_server_close(other);
	uv_run(&loop, UV_RUN_DEFAULT);
	/* The group: one we are in is set on the file; an unknown one is an error. */
	struct group *gr = getgrgid(getgid());
	assert_non_null(gr);
	char group[64];
	snprintf(group, sizeof group, "%s", gr->gr_name);
	assert_int_equal(http_server_start(&loop, path, group, -1, &lim, &h, &other), 0);
	struct stat gst;
	assert_int_equal(stat(path, &gst), 0);
	assert_int_equal(gst.st_gid, getgid());
	assert_int_equal(gst.st_mode & 0777, 0660);
	http_server_close(other);
	uv_run(&loop, UV_RUN_DEFAULT);
	assert_int_equal(http_server_start(&loop, path, "no-such-group-feedd", -1, &lim, &h, &other),
			 -EINVAL);
	uv_run(&loop, UV_RUN_DEFAULT);
	/* A file that is not a socket is left alone. */
	FILE *f = fopen(path, "w");
	fclose(f);
	assert_int_equal(http_server_start(&loop, path, NULL, -1, &lim, &h, &other), -EEXIST);
	uv_run(&loop, UV_RUN_DEFAULT);
	uv_loop_close(&loop);
	unlink(path);
	rmdir(dir);
}

/* Socket activation: systemd hands over a bound, listening socket. */
static void test_inherited_fd(void **state)
{
	char dir[] = "/tmp/feedd-test-http-XXXXXX", path[128];
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/sock", dir);
	int lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	strcpy(sa.sun_path, path);
	assert_int_equal(bind(lfd, (struct sockaddr *)&sa, sizeof sa), 0);
	assert_int_equal(listen(lfd, 16), 0);
	uv_loop_t loop;
	uv_loop_init(&loop);
	struct srv s = { .lim = HTTP_LIMITS_DEFAULT };
	struct http_handler h = { .on_request = on_request, .ud = &s };
	struct http_server *srv = NULL;
	assert_int_equal(http_server_start(&loop, NULL, NULL, lfd, &s.lim, &h, &srv), 0);
	s.http = srv;
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0);
	send_str(fd, "GET /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
	/* One thread: turn the loop until the answer is out and closed. The
	 * acceptor thread hands the connection over when it gets to it: turn
	 * until the answer is readable (at most 10 s), then to the close. */
	for (int i = 0; i < 2000; i++) {
		uv_run(&loop, UV_RUN_NOWAIT);
		struct pollfd p = { .fd = fd, .events = POLLIN };
		if (poll(&p, 1, 5) == 1)
			break;
	}
	for (int i = 0; i < 50; i++)
		uv_run(&loop, UV_RUN_NOWAIT);
	struct resp r = read_response(fd);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.body, "hello\n");
	free(r.body);
	close(fd);
	http_server_close(srv);
	uv_run(&loop, UV_RUN_DEFAULT);
	uv_loop_close(&loop);
	/* The socket file is systemd's: left in place. */
	assert_int_equal(access(path, F_OK), 0);
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	log_set_verbose(getenv("TEST_VERBOSE") != NULL);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keepalive_and_pipelining),
		cmocka_unit_test(test_head_too_large),
		cmocka_unit_test(test_body_too_large),
		cmocka_unit_test(test_idle_connections_cost_no_slot),
		cmocka_unit_test(test_oldest_idle_closed_for_a_newcomer),
		cmocka_unit_test(test_refused_client_reads_503),
		cmocka_unit_test(test_requests_wait_for_a_slot),
		cmocka_unit_test(test_slowest_head_closed_for_a_newcomer),
		cmocka_unit_test(test_slow_loris),
		cmocka_unit_test(test_never_reads),
		cmocka_unit_test(test_socket_file),
		cmocka_unit_test(test_inherited_fd),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
