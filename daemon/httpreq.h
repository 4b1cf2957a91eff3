/* httpreq.h — turns the bytes of one connection into bounded HTTP/1.1
 * requests with llhttp; no loop, so the fuzzer and tests drive it directly.
 *
 * Ownership: struct httpreq is embedded by its user (httpreq_init /
 * httpreq_free). A completed request (httpreq_feed returned HTTPREQ_DONE)
 * belongs to the httpreq until the next httpreq_next() or httpreq_free();
 * its strings are NUL-terminated heap copies. */
#ifndef FEEDD_HTTPREQ_H
#define FEEDD_HTTPREQ_H

#include <llhttp.h>
#include <stdbool.h>
#include <stddef.h>

struct http_request {
	int method;              /* llhttp_method_t */
	const char *method_name; /* "GET", static */
	char *target;            /* request-target: path and query, raw */
	char *body;              /* NUL-terminated, body_len bytes (may hold NULs) */
	size_t body_len;
	bool keep_alive;         /* the client allows another request after this */
	/* The credentials headers the reader API reads (daemon/reader_auth.c),
	 * NULL when absent; the last one when repeated. */
	char *authorization;     /* Authorization */
	char *auth_token;        /* X-Auth-Token (Miniflux) */
};

enum httpreq_state {
	HTTPREQ_MORE,            /* all bytes taken, no complete request yet */
	HTTPREQ_DONE,            /* a request is complete; *used bytes taken */
	HTTPREQ_ERROR,           /* malformed or too large: answer status, close */
};

struct httpreq {
	llhttp_t parser;         /* its settings are one static table */
	size_t max_head, max_body;
	size_t head_bytes;       /* bytes of request line and headers so far */
	bool begun;              /* the current request has started */
	bool in_body;            /* its head is complete, its body is not */
	bool done;               /* parser paused after a complete request */
	int status;              /* HTTP status of the error when HTTPREQ_ERROR */
	const char *reason;      /* what was wrong, for the error body */
	struct http_request req;
	size_t target_cap, body_cap;
	/* The header being read: its name's first bytes, lower case, and
	 * which credentials header it is (0: none). */
	char field[16];
	size_t field_len;
	int which;
	size_t value_len;
};

void httpreq_init(struct httpreq *p, size_t max_head, size_t max_body);
void httpreq_free(struct httpreq *p);
/* Parses up to LEN bytes; stops after one complete request. *USED says how
 * many bytes were taken (the rest belongs to the next request). */
enum httpreq_state httpreq_feed(struct httpreq *p, const char *data, size_t len, size_t *used);
/* Forgets the completed request and readies the parser for the next one. */
void httpreq_next(struct httpreq *p);
/* The request has started arriving (some bytes of it were seen). */
static inline bool httpreq_started(const struct httpreq *p) { return p->begun; }
/* The head is complete and the body is still arriving. */
static inline bool httpreq_in_body(const struct httpreq *p) { return p->in_body && !p->done; }

#endif
