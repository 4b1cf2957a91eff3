/* api_send.h — the socket API's answer writers: a body whole (with
 * Content-Length) or streamed in slices, a JSON value, an error
 * ({"error", "detail"}), a store error (503 with Retry-After when the
 * store cannot be reached). Loop thread only.
 *
 * Ownership: answers are rendered into buffers kept from request to
 * request; api_scratch_take lends the loop's, api_scratch_give takes it
 * back (or frees a large one). The sending calls take over what they
 * are given (JSON values are decref'd, buffers kept or freed), except
 * api_send_body, which leaves a whole body to the caller. A streamed body
 * belongs to its connection's context until sent or api_send_stream_free. */
#ifndef FEEDD_API_SEND_H
#define FEEDD_API_SEND_H

#include <jansson.h>

#include "core/apifmt.h"
#include "core/apireq.h"
#include "daemon/http.h"

/* The buffer kept in KEEP, emptied, for an answer (KEEP left empty). */
struct buf api_buf_take(struct buf *keep);
/* Gives B back to KEEP when it is small enough and KEEP is free; else
 * frees it. B is left empty. */
void api_buf_give(struct buf *keep, struct buf *b);
/* The loop's kept buffer. */
struct buf *api_scratch(void);
struct buf api_scratch_take(void);
void api_scratch_give(struct buf *b);
void api_scratch_free(void);

/* Sends BODY whole or streamed. A streamed body is taken over (BODY is
 * left empty); a whole one stays the caller's, to keep or free. */
void api_send_body(struct http_conn *c, int status, enum api_format f, const char *headers,
		   struct buf *body);
/* Sends BODY (taken over) whole or streamed. */
void api_send_buf(struct http_conn *c, int status, enum api_format f, const char *headers,
		  struct buf *body);
/* J (taken over; NULL: out of memory, a 500) as the answer. */
void api_send_json(struct http_conn *c, int status, const char *headers, json_t *j);
/* {"error": ERROR, "detail": DETAIL or null}; ALLOW: a 405's Allow. */
void api_send_error(struct http_conn *c, int status, const char *error, const char *detail,
		    const char *allow);
/* 503 with Retry-After when the store cannot be reached (-ECONNRESET),
 * else 500 "store error". */
void api_send_store_error(struct http_conn *c, int r);
/* A connection with a stream under way went away: its context freed. */
void api_send_stream_free(void *ctx);
/* Whether a connection's context CTX is such a stream (for a handler
 * whose own contexts are numbered apart from daemon/api_int.h's kinds). */
bool api_send_is_stream(const void *ctx);

#endif
