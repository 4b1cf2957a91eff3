/* api_send.c — the socket API's answer writers (see api_send.h). */
#include "daemon/api_send.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/item.h"
#include "daemon/api_int.h"
#include "daemon/apiquery.h"

/* Answers up to this size go out whole with Content-Length; longer ones are
 * streamed in chunks so a slow reader holds at most a slice in the queue. */
#define WHOLE_MAX (256u * 1024)
#define SLICE (64u * 1024)

/* The rest of a long answer being streamed. */
struct stream {
	enum api_ctx_kind kind;
	struct buf body;
	size_t off;
};

static const char *const ctypes[FMT__COUNT] = {
	[FMT_JSON] = "application/json",
	[FMT_NDJSON] = "application/x-ndjson",
	[FMT_TSV] = "text/tab-separated-values; charset=utf-8",
	[FMT_ATOM] = "application/atom+xml; charset=utf-8",
};

/* Answers are rendered into buffers kept from request to request: a large
 * buffer freed per answer makes malloc consolidate its heap every time
 * (measured: a third of the loop's time under load). This one is the
 * loop's; each reader keeps its own. */
#define SCRATCH_KEEP (1u << 20)
static struct buf scratch;

struct buf api_buf_take(struct buf *keep)
{
	struct buf b = *keep;
	memset(keep, 0, sizeof *keep);
	b.len = 0;
	b.oom = false;
	if (b.data)
		b.data[0] = '\0';
	return b;
}

void api_buf_give(struct buf *keep, struct buf *b)
{
	if (b->data && b->cap <= SCRATCH_KEEP && !keep->data)
		*keep = *b;
	else
		buf_free(b);
	memset(b, 0, sizeof *b);
}

struct buf *api_scratch(void) { return &scratch; }
struct buf api_scratch_take(void) { return api_buf_take(&scratch); }
void api_scratch_give(struct buf *b) { api_buf_give(&scratch, b); }
void api_scratch_free(void) { buf_free(&scratch); }

static void stream_pull(struct http_conn *c, void *ctx)
{
	struct stream *st = ctx;
	size_t n = st->body.len - st->off;
	if (n > SLICE)
		n = SLICE;
	if (n && http_stream_write(c, st->body.data + st->off, n) < 0)
		return;  /* gone: on_abort frees ST */
	st->off += n;
	if (st->off == st->body.len && http_stream_end(c) == 0) {
		buf_free(&st->body);
		free(st);
	}
}

void api_send_stream_free(void *ctx)
{
	struct stream *st = ctx;
	buf_free(&st->body);
	free(st);
}

bool api_send_is_stream(const void *ctx)
{
	return *(const enum api_ctx_kind *)ctx == CTX_STREAM;
}

void api_send_body(struct http_conn *c, int status, enum api_format f, const char *headers,
		   struct buf *body)
{
	if (body->oom) {
		static const char oom[] = "{\"error\":\"out of memory\",\"detail\":null}\n";
		http_reply(c, 500, ctypes[FMT_JSON], NULL, oom, sizeof oom - 1);
		return;
	}
	if (body->len <= WHOLE_MAX) {
		http_reply(c, status, ctypes[f], headers, body->data, body->len);
		return;
	}
	struct stream *st = calloc(1, sizeof *st);
	if (!st) {
		http_reply(c, 500, ctypes[FMT_JSON], NULL, "{\"error\":\"out of memory\"}\n", 26);
		return;
	}
	st->kind = CTX_STREAM;
	st->body = *body;
	memset(body, 0, sizeof *body);
	http_conn_set_ctx(c, st);
	http_stream_begin(c, status, ctypes[f], headers, stream_pull);
}

void api_send_buf(struct http_conn *c, int status, enum api_format f, const char *headers,
		  struct buf *body)
{
	api_send_body(c, status, f, headers, body);
	if (body->data)
		api_scratch_give(body);
}

void api_send_json(struct http_conn *c, int status, const char *headers, json_t *j)
{
	if (!j) {
		/* json_pack failed: only out of memory can do that here. */
		static const char oom[] = "{\"error\":\"out of memory\",\"detail\":null}\n";
		http_reply(c, 500, ctypes[FMT_JSON], NULL, oom, sizeof oom - 1);
		return;
	}
	struct buf b = api_scratch_take();
	apifmt_json(&b, j);
	json_decref(j);
	api_send_buf(c, status, FMT_JSON, headers, &b);
}

void api_send_error(struct http_conn *c, int status, const char *error, const char *detail,
		    const char *allow)
{
	char headers[64] = "";
	if (allow)
		snprintf(headers, sizeof headers, "Allow: %s\r\n", allow);
	api_send_json(c, status, allow ? headers : NULL,
		      json_pack("{s:s,s:o}", "error", error, "detail",
				detail ? json_string_lossy(detail) : json_null()));
}

void api_send_store_error(struct http_conn *c, int r)
{
	if (r != -ECONNRESET) {
		api_send_error(c, 500, "store error", strerror(-r), NULL);
		return;
	}
	char detail[512], headers[64];
	apiquery_unavailable(detail, sizeof detail);
	snprintf(headers, sizeof headers, "Retry-After: %d\r\n", APIQUERY_RETRY_AFTER_S);
	api_send_json(c, 503, headers, json_pack("{s:s,s:o}", "error", "store unavailable", "detail",
						 json_string_lossy(detail)));
}
