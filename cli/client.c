/* client.c — one HTTP request over a Unix socket, the answer parsed by llhttp. */
#include "cli/client.h"

#include <errno.h>
#include <fcntl.h>
#include <llhttp.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

struct rx {
	struct client_resp *r;
	size_t cap;
	char field[64];
	bool in_ctype;
	bool done;
};

static int on_body(llhttp_t *p, const char *at, size_t len)
{
	struct rx *rx = p->data;
	struct client_resp *r = rx->r;
	if (r->len + len + 1 > rx->cap) {
		size_t cap = (r->len + len + 1) * 2;
		char *b = realloc(r->body, cap);
		if (!b)
			return -1;
		r->body = b;
		rx->cap = cap;
	}
	memcpy(r->body + r->len, at, len);
	r->len += len;
	r->body[r->len] = '\0';
	return 0;
}

static int on_header_field(llhttp_t *p, const char *at, size_t len)
{
	struct rx *rx = p->data;
	rx->in_ctype = len == 12 && strncasecmp(at, "content-type", 12) == 0;
	return 0;
}

static int on_header_value(llhttp_t *p, const char *at, size_t len)
{
	struct rx *rx = p->data;
	if (rx->in_ctype && !rx->r->content_type)
		rx->r->content_type = strndup(at, len);
	return 0;
}

static int on_message_complete(llhttp_t *p)
{
	struct rx *rx = p->data;
	rx->done = true;
	return HPE_PAUSED;
}

static long ms_left(const struct timespec *deadline)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	long ms = (deadline->tv_sec - now.tv_sec) * 1000 + (deadline->tv_nsec - now.tv_nsec) / 1000000;
	return ms < 0 ? 0 : ms;
}

static int wait_fd(int fd, short ev, const struct timespec *deadline)
{
	struct pollfd pfd = {.fd = fd, .events = ev};
	for (;;) {
		int n = poll(&pfd, 1, (int)ms_left(deadline));
		if (n > 0)
			return 0;
		if (n == 0)
			return -ETIMEDOUT;
		if (errno != EINTR)
			return -errno;
	}
}

int client_request(const char *socket_path, const char *method, const char *target,
		   const char *body, size_t body_len, int timeout_ms, struct client_resp *out)
{
	memset(out, 0, sizeof *out);
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	if (strlen(socket_path) >= sizeof sa.sun_path)
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, socket_path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	struct timespec deadline;
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += timeout_ms / 1000;
	deadline.tv_nsec += (long)(timeout_ms % 1000) * 1000000;
	if (deadline.tv_nsec >= 1000000000) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000;
	}
	/* The connect waits for room in the daemon's listen queue, up to the
	 * timeout: the kernel lets waiting clients in one per accept, in
	 * turn, so a client reconnecting in a loop cannot keep this one out
	 * the way it keeps out a connect that does not wait (EAGAIN at once).
	 * Past the timeout the kernel's EAGAIN is a timeout. */
	struct timeval tv = {.tv_sec = timeout_ms / 1000, .tv_usec = (timeout_ms % 1000) * 1000};
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
	int rc;
	while ((rc = connect(fd, (struct sockaddr *)&sa, sizeof sa)) < 0 && errno == EINTR &&
	       ms_left(&deadline) > 0)
		;
	if (rc < 0) {
		int e = errno == EAGAIN || errno == EINTR ? ETIMEDOUT : errno;
		close(fd);
		return -e;
	}
	/* From here on the deadline bounds each wait (wait_fd). */
	int fl = fcntl(fd, F_GETFL);
	if (fl >= 0)
		fcntl(fd, F_SETFL, fl | O_NONBLOCK);
	char *head = NULL;
	int hl = asprintf(&head, "%s %s HTTP/1.1\r\nHost: feedd\r\nUser-Agent: feedctl/%s\r\n"
			  "Accept: application/json\r\nConnection: close\r\n"
			  "Content-Length: %zu\r\n%s\r\n",
			  method, target, FEEDD_VERSION, body_len,
			  body_len ? "Content-Type: application/json\r\n" : "");
	if (hl < 0) {
		close(fd);
		return -ENOMEM;
	}
	int err = 0;
	out->sent = true;   /* from the first byte on, as far as we can tell */
	bool hung_up = false;   /* the peer closed while we sent: read what it said */
	const char *parts[2] = {head, body};
	size_t lens[2] = {(size_t)hl, body_len};
	for (int i = 0; i < 2 && !err && !hung_up; i++) {
		size_t off = 0;
		while (off < lens[i] && !err && !hung_up) {
			ssize_t w = send(fd, parts[i] + off, lens[i] - off, MSG_NOSIGNAL);
			if (w < 0) {
				if (errno == EINTR)
					continue;
				if (errno == EAGAIN) {
					err = wait_fd(fd, POLLOUT, &deadline);
					continue;
				}
				if (errno == EPIPE || errno == ECONNRESET)
					hung_up = true;
				else
					err = -errno;
				break;
			}
			off += (size_t)w;
		}
	}
	free(head);

	llhttp_settings_t settings;
	llhttp_settings_init(&settings);
	settings.on_body = on_body;
	settings.on_header_field = on_header_field;
	settings.on_header_value = on_header_value;
	settings.on_message_complete = on_message_complete;
	llhttp_t parser;
	llhttp_init(&parser, HTTP_RESPONSE, &settings);
	struct rx rx = {.r = out};
	parser.data = &rx;
	char buf[65536];
	size_t got = 0;         /* bytes of the answer */
	while (!err && !rx.done) {
		if ((err = wait_fd(fd, POLLIN, &deadline)) < 0)
			break;
		ssize_t n = recv(fd, buf, sizeof buf, 0);
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			err = -errno;
			break;
		}
		got += (size_t)n;
		llhttp_errno_t pe = n == 0 ? llhttp_finish(&parser)
					   : llhttp_execute(&parser, buf, (size_t)n);
		if (pe != HPE_OK && pe != HPE_PAUSED) {
			err = -EPROTO;
			break;
		}
		if (n == 0 && !rx.done) {
			err = -EPROTO;
			break;
		}
	}
	/* Closed or reset before a byte of an answer: the daemon went away
	 * (under socket activation, one that exited at start). */
	if (!got && (err == -EPROTO || err == -ECONNRESET || err == -EPIPE))
		err = -ECONNRESET;
	close(fd);
	out->status = parser.status_code;
	if (!err && !out->body)
		out->body = strdup("");
	if (err) {
		client_resp_clear(out);
		out->sent = true;
	}
	return err;
}

void client_resp_clear(struct client_resp *r)
{
	free(r->body);
	free(r->content_type);
	memset(r, 0, sizeof *r);
}

const char *client_error_text(const struct client_resp *r, char *buf, size_t len)
{
	json_t *j = r->body ? json_loads(r->body, 0, NULL) : NULL;
	const char *e = j ? json_string_value(json_object_get(j, "error")) : NULL;
	if (e)
		snprintf(buf, len, "%s", e);
	else if (r->body && *r->body)
		snprintf(buf, len, "%.*s", (int)strcspn(r->body, "\n"), r->body);
	else
		snprintf(buf, len, "HTTP %d", r->status);
	json_decref(j);
	return buf;
}
