/* client.h — feedctl's HTTP/1.1 client over the daemon's Unix socket.
 * Responses are parsed with llhttp (chunked bodies decoded), one request
 * per connection. The caller frees a response with client_resp_clear. */
#ifndef FEEDCTL_CLIENT_H
#define FEEDCTL_CLIENT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

struct client_resp {
	int status;
	char *body;          /* NUL-terminated */
	size_t len;
	char *content_type;
	bool sent;           /* the request went out, whole or in part: the daemon
			      * may act on it even when no answer came (kept when
			      * client_request fails) */
};

/* 0, or a negative errno: -ENOENT/-ECONNREFUSED (no daemon), -EACCES,
 * -ETIMEDOUT, -ECONNRESET (the connection closed or was reset before any
 * byte of an answer), -EPROTO (not HTTP). TIMEOUT_MS bounds the whole
 * exchange. */
int client_request(const char *socket_path, const char *method, const char *target,
		   const char *body, size_t body_len, int timeout_ms, struct client_resp *out);
void client_resp_clear(struct client_resp *r);

/* The "error" of a JSON error body, or the body itself, or the status. */
const char *client_error_text(const struct client_resp *r, char *buf, size_t len);

#endif
