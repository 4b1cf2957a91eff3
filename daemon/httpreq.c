/* httpreq.c — bounded request assembly on top of llhttp. */
#include "daemon/httpreq.h"

#include <stdlib.h>
#include <string.h>

/* Each header line costs its bytes plus ": " and CRLF on the wire. */
#define HEADER_OVERHEAD 4

static struct httpreq *ctx(llhttp_t *l) { return l->data; }

static int fail(struct httpreq *p, int status, const char *reason)
{
	p->status = status;
	p->reason = reason;
	return -1;
}

static int count_head(struct httpreq *p, size_t n)
{
	p->head_bytes += n;
	if (p->head_bytes > p->max_head)
		return fail(p, 431, "request head too large");
	return 0;
}

static int append(char **buf, size_t *len, size_t *cap, const char *at, size_t n)
{
	if (*len + n + 1 > *cap) {
		size_t c = *cap ? *cap : 256;
		while (c < *len + n + 1)
			c *= 2;
		char *b = realloc(*buf, c);
		if (!b)
			return -1;
		*buf = b;
		*cap = c;
	}
	memcpy(*buf + *len, at, n);
	*len += n;
	(*buf)[*len] = '\0';
	return 0;
}

static int on_message_begin(llhttp_t *l)
{
	ctx(l)->begun = true;
	return 0;
}

static int on_url(llhttp_t *l, const char *at, size_t n)
{
	struct httpreq *p = ctx(l);
	if (count_head(p, n))
		return -1;
	size_t len = p->req.target ? strlen(p->req.target) : 0;
	if (append(&p->req.target, &len, &p->target_cap, at, n))
		return fail(p, 500, "out of memory");
	return 0;
}

static int on_head_data(llhttp_t *l, const char *at, size_t n)
{
	(void)at;
	return count_head(ctx(l), n);
}

static int on_header_field(llhttp_t *l, const char *at, size_t n)
{
	struct httpreq *p = ctx(l);
	for (size_t i = 0; i < n && p->field_len < sizeof p->field; i++) {
		char c = at[i];
		p->field[p->field_len++] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
	}
	return count_head(p, n);
}

static int on_header_field_complete(llhttp_t *l)
{
	struct httpreq *p = ctx(l);
	size_t n = p->field_len;
	p->which = n == 13 && !memcmp(p->field, "authorization", 13) ? 1
		 : n == 12 && !memcmp(p->field, "x-auth-token", 12) ? 2 : 0;
	if (p->which) {
		char **v = p->which == 1 ? &p->req.authorization : &p->req.auth_token;
		free(*v);
		*v = NULL;
		p->value_len = 0;
	}
	return 0;
}

static int on_header_value(llhttp_t *l, const char *at, size_t n)
{
	struct httpreq *p = ctx(l);
	if (p->which) {
		size_t cap = p->value_len ? p->value_len + 1 : 0;
		char **v = p->which == 1 ? &p->req.authorization : &p->req.auth_token;
		if (append(v, &p->value_len, &cap, at, n))
			return fail(p, 500, "out of memory");
	}
	return count_head(p, n);
}

static int on_header_value_complete(llhttp_t *l)
{
	struct httpreq *p = ctx(l);
	p->field_len = 0;
	p->which = 0;
	return count_head(p, HEADER_OVERHEAD);
}

static int on_headers_complete(llhttp_t *l)
{
	struct httpreq *p = ctx(l);
	/* llhttp takes "GET /path" with no version as HTTP/0.9, which has
	 * no headers, no keep-alive and no status line to answer with. */
	if (llhttp_get_http_major(l) != 1)
		return fail(p, 400, llhttp_get_http_major(l) == 0
			    ? "request line without HTTP/1.x version" : "only HTTP/1.x is spoken here");
	p->in_body = true;
	/* Refuse a declared body before it is sent, not after reading it. */
	if ((l->flags & F_CONTENT_LENGTH) && l->content_length > p->max_body)
		return fail(p, 413, "request body too large");
	p->req.method = llhttp_get_method(l);
	p->req.method_name = llhttp_method_name((llhttp_method_t)p->req.method);
	return 0;
}

static int on_body(llhttp_t *l, const char *at, size_t n)
{
	struct httpreq *p = ctx(l);
	if (p->req.body_len + n > p->max_body)
		return fail(p, 413, "request body too large");
	if (append(&p->req.body, &p->req.body_len, &p->body_cap, at, n))
		return fail(p, 500, "out of memory");
	return 0;
}

static int on_message_complete(llhttp_t *l)
{
	struct httpreq *p = ctx(l);
	p->req.keep_alive = llhttp_should_keep_alive(l);
	p->done = true;
	/* Stop here: the next pipelined request waits until this one is
	 * answered, which is what keeps answers in order. */
	return HPE_PAUSED;
}

/* One table for every connection: an idle connection costs its parser's
 * state, not a copy of the callbacks. */
static const llhttp_settings_t settings = {
	.on_message_begin = on_message_begin,
	.on_url = on_url,
	.on_method = on_head_data,
	.on_version = on_head_data,
	.on_header_field = on_header_field,
	.on_header_field_complete = on_header_field_complete,
	.on_header_value = on_header_value,
	.on_header_value_complete = on_header_value_complete,
	.on_headers_complete = on_headers_complete,
	.on_body = on_body,
	.on_message_complete = on_message_complete,
};

void httpreq_init(struct httpreq *p, size_t max_head, size_t max_body)
{
	memset(p, 0, sizeof *p);
	llhttp_init(&p->parser, HTTP_REQUEST, &settings);
	p->parser.data = p;
	p->max_head = max_head;
	p->max_body = max_body;
}

static void request_clear(struct httpreq *p)
{
	free(p->req.target);
	free(p->req.body);
	free(p->req.authorization);
	free(p->req.auth_token);
	memset(&p->req, 0, sizeof p->req);
	p->field_len = 0;
	p->which = 0;
	p->target_cap = p->body_cap = 0;
}

void httpreq_free(struct httpreq *p)
{
	request_clear(p);
}

void httpreq_next(struct httpreq *p)
{
	request_clear(p);
	p->head_bytes = 0;
	p->begun = false;
	p->in_body = false;
	if (p->done) {
		p->done = false;
		llhttp_resume(&p->parser);
	}
}

enum httpreq_state httpreq_feed(struct httpreq *p, const char *data, size_t len, size_t *used)
{
	*used = 0;
	if (p->status)
		return HTTPREQ_ERROR;
	if (p->done)
		return HTTPREQ_DONE;
	llhttp_errno_t e = llhttp_execute(&p->parser, data, len);
	if (e == HPE_OK) {
		*used = len;
		return HTTPREQ_MORE;
	}
	if ((e == HPE_PAUSED || e == HPE_PAUSED_UPGRADE) && p->done) {
		const char *pos = llhttp_get_error_pos(&p->parser);
		*used = pos && pos >= data && pos <= data + len ? (size_t)(pos - data) : len;
		if (e == HPE_PAUSED_UPGRADE) {
			/* We speak no other protocol: answer this one, then close. */
			p->req.keep_alive = false;
		}
		if (!p->req.target || !p->req.method_name)
			return fail(p, 400, "malformed request"), HTTPREQ_ERROR;
		return HTTPREQ_DONE;
	}
	if (!p->status) {
		p->status = 400;
		p->reason = llhttp_get_error_reason(&p->parser);
		if (!p->reason)
			p->reason = "malformed request";
	}
	return HTTPREQ_ERROR;
}
