/* reader_int.h — what the reader API's files share (internal to
 * daemon/reader*.c):
 *
 *   reader.c       the listener, the credentials gate, failures' delays
 *   reader_auth.c  the credentials file and the comparison
 *   reader_mf.c    the Miniflux v1 routes, their store work and answers
 *
 * Ownership: struct reader_api is reader.c's (freed when its server has
 * closed). A route's store job (reader_mf.c) is the connection's context
 * until it is answered; reader_mf_abort forgets the connection. */
#ifndef FEEDD_READER_INT_H
#define FEEDD_READER_INT_H

#include <stdint.h>

#include "daemon/http.h"
#include "daemon/reader.h"

#define READER_FAIL_SLOTS 256

/* What a connection's context is, for on_abort: each kind starts with it. */
enum reader_ctx_kind { RCTX_DENY, RCTX_JOB };

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
};

/* An authenticated request (USER: the name that matched, "" for a token). */
void reader_mf_request(struct reader_api *r, struct http_conn *c,
		       const struct http_request *hr, const char *user);
/* The client of the job CTX went away. */
void reader_mf_abort(void *ctx);

/* {"error_message": MSG} with STATUS; HEADERS extra lines or NULL. */
void reader_send_error(struct http_conn *c, int status, const char *msg, const char *headers);

#endif
