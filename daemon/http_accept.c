/* http_accept.c — how connections reach the HTTP server: the listening
 * socket (a Unix socket path we bind, with a stale one replaced; one
 * inherited from systemd; or TCP for the reader API), the acceptor thread
 * each listener has, which empties the listen queue into a hand-off queue,
 * the loop's side that opens the handed-over connections (the peer's
 * credentials on a Unix socket, its address on TCP; refusing or making room
 * at max_conns), and starting and closing the server.
 *
 * Ownership: the acceptor thread owns a descriptor until it is in the
 * hand-off queue; then the loop does (on_accepted opens or closes it).
 * acceptor_stop joins the thread and closes what nobody took. server_new
 * allocates the server and conn_open each connection; http.c frees them
 * (http_server_unref, http_on_conn_handle_closed) once their handles are
 * closed. An inherited descriptor becomes the listener's and is closed
 * with it; the socket file we bound is unlinked at close. */
#include "daemon/http_int.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "core/log.h"
#include "core/paths.h"

/* Refused connections (max_conns open, none idle) whose request is read
 * to answer it 503; beyond, a newcomer is closed at once. */
#define MAX_REJECTING 1024

/* A request head sent for this long is a slow client's: it may be closed
 * to make room (at most a quarter of the head timeout). */
#define SLOW_HEAD_MS 1000

/* --- accepting --- */

/* The connection that has been sending its request head the longest, if
 * for SLOW_HEAD_MS at least, or NULL: with every slot held by clients
 * trickling their heads (a slow-loris flood) and none idle, it makes room
 * for a newcomer, as an idle one would. Its head deadline tells its age.
 * One whose request waits unread in its socket is not slow: passed over,
 * by asking the socket (an ioctl) of each only when the first choice has
 * such bytes, so that a flood at the cap costs one ioctl an accept. */
static struct http_conn *slowest_head_of(struct http_server *s, bool ask_sockets)
{
	struct http_conn *pick = NULL;
	uint64_t least = UINT64_MAX;
	for (struct http_conn *c = s->conns; c; c = c->next) {
		if (c->tmode != T_HEAD || c->in_request || c->reject || c->closing ||
		    c->writes > 0 || c->queued || (ask_sockets && http_conn_bytes_waiting(c)))
			continue;
		uint64_t due = uv_timer_get_due_in(&c->timer);
		if (due <= least) {   /* the list is newest first: ties go to the oldest */
			least = due;
			pick = c;
		}
	}
	uint64_t limit = s->lim.head_timeout_ms;
	uint64_t slow = limit / 4 < SLOW_HEAD_MS ? limit / 4 : SLOW_HEAD_MS;
	return pick && least <= limit && limit - least >= slow ? pick : NULL;
}

static struct http_conn *slowest_head(struct http_server *s)
{
	struct http_conn *pick = slowest_head_of(s, false);
	return pick && http_conn_bytes_waiting(pick) ? slowest_head_of(s, true) : pick;
}

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
	uv_close((uv_handle_t *)&c->io, http_on_conn_handle_closed);
	uv_close((uv_handle_t *)&c->timer, http_on_conn_handle_closed);
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
	 * reuses its keep-alive connections, else the one sending its head
	 * the longest. Refused only when none is idle or slow. */
	if (s->nconns >= s->lim.max_conns) {
		/* Not one whose request waits unread in its socket (the loop
		 * has not read it yet): closed, it would be reset and its
		 * request lost. */
		struct http_conn *old = s->idle_head;
		while (old && (old->writes > 0 || http_conn_bytes_waiting(old)))
			old = old->inext;
		struct http_conn *slow = old ? NULL : slowest_head(s);
		if (old) {
			log_debug("api: %d connections: closing the one idle longest (uid %d)",
				  s->nconns, (int)old->uid);
			http_conn_close(old);
		} else if (slow) {
			log_debug("api: %d connections: closing the one slowest to send its "
				  "request (uid %d)", s->nconns, (int)slow->uid);
			http_conn_close(slow);
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
		http_conn_close(c);
		return;
	}
	/* A refused client's request is read (within the head timeout) and
	 * answered 503: closing before it is sent would make it a reset. */
	http_read_start(c);
	http_conn_arm(c);
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
	http_server_unref(s);
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

/* The directory PATH is to be made in must be there: libuv's bind turns
 * ENOENT into "permission denied" (Windows' word for it), which sends
 * the administrator after the wrong cause. */
static int socket_dir_check(const char *path)
{
	char dir[4096];
	snprintf(dir, sizeof dir, "%s", path);
	char *slash = strrchr(dir, '/');
	if (!slash)
		return 0;
	if (slash == dir)
		slash[1] = '\0';   /* "/f.sock": the root */
	else
		*slash = '\0';
	struct stat st;
	if (stat(dir, &st) < 0) {
		int e = errno;
		if (e == ENOENT)
			log_err("api: socket %s: directory %s does not exist", path, dir);
		else
			log_err("api: socket %s: directory %s: %s", path, dir, strerror(e));
		return -e;
	}
	if (!S_ISDIR(st.st_mode)) {
		log_err("api: socket %s: %s is not a directory", path, dir);
		return -ENOTDIR;
	}
	return 0;
}

static int listen_path(struct http_server *s, const char *path, const char *group)
{
	gid_t gid = (gid_t)-1;
	/* The config reader looked the group up already (core/config.c):
	 * it may have gone since. */
	if (group && *group) {
		int r = paths_group_gid(group, &gid);
		if (r == -ENOENT) {
			log_err("api: unknown socket group \"%s\"", group);
			return -EINVAL;
		}
		if (r < 0) {
			log_err("api: socket group \"%s\": %s", group, strerror(-r));
			return r;
		}
	}
	int r = clear_stale(path);
	if (r < 0 || (r = socket_dir_check(path)) < 0)
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
	http_server_unref(h->data);
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
		http_conn_close(s->conns);
	acceptor_stop(s);
	uv_close((uv_handle_t *)&s->accepted, on_async_closed);
	uv_close(&s->listener.handle, on_listener_closed);
}
