/* reader_int.h — what the reader API's files share (internal to
 * daemon/reader*.c):
 *
 *   reader.c       the listener, the credentials gate, failures' delays
 *   reader_auth.c  the credentials file and the comparison
 *   reader_mf.c    the Miniflux v1 routes, their store work and answers
 *   reader_gr*.c   the Google Reader API (reader_gr_int.h)
 *
 * Ownership: struct reader_api is reader.c's (freed when its server has
 * closed). A route's store job (reader_mf.c) is the connection's context
 * until it is answered; reader_mf_abort forgets the connection. */
#ifndef FEEDD_READER_INT_H
#define FEEDD_READER_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "daemon/http.h"
#include "daemon/reader.h"

#define READER_FAIL_SLOTS 256

/* What a connection's context is, for on_abort: each kind starts with it. */
enum reader_ctx_kind { RCTX_DENY, RCTX_JOB, RCTX_GR };

struct fail_slot {
	char addr[48];
	int count;
	uint64_t last;              /* loop ms */
};

struct reader_api {
	struct feedd *d;
	struct http_server *srv;
	struct reader_auth *auth;
	struct fail_slot fails[READER_FAIL_SLOTS];
	char gr_secret[65];         /* the Google Reader API's T tokens' (reader_gr_auth.c) */
};

/* An authenticated request (USER: the name that matched, "" for a token). */
void reader_mf_request(struct reader_api *r, struct http_conn *c,
		       const struct http_request *hr, const char *user);
/* The client of the job CTX went away. */
void reader_mf_abort(void *ctx);

/* A Google Reader API request (reader_gr.c): it checks its own credentials. */
void reader_gr_request(struct reader_api *r, struct http_conn *c,
		       const struct http_request *hr);
/* The client of the Google Reader API job CTX went away. */
void reader_gr_abort(void *ctx);
/* Whether PATH is the Google Reader API's (reader_gr_ids.c). */
bool gr_is_path(const char *path);
/* A request with wrong credentials from C's address: 401 after the
 * growing delay; GR: a Google Reader API one (text body). */
void reader_deny(struct reader_api *r, struct http_conn *c, bool gr);
/* {"error_message": MSG} with STATUS; HEADERS extra lines or NULL. */
void reader_send_error(struct http_conn *c, int status, const char *msg, const char *headers);

#endif
