/* httphdr.c — reads an HTTP response's header lines into the values feedd uses. */
#include "core/httphdr.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const names[HTTPHDR__COUNT] = {
	[HTTPHDR_ETAG] = "etag",
	[HTTPHDR_LAST_MODIFIED] = "last-modified",
	[HTTPHDR_CACHE_CONTROL] = "cache-control",
	[HTTPHDR_EXPIRES] = "expires",
	[HTTPHDR_RETRY_AFTER] = "retry-after",
	[HTTPHDR_DATE] = "date",
	[HTTPHDR_CONTENT_TYPE] = "content-type",
	[HTTPHDR_CONTENT_LOCATION] = "content-location",
	[HTTPHDR_CONTENT_LANGUAGE] = "content-language",
	[HTTPHDR_CONTENT_ENCODING] = "content-encoding",
	[HTTPHDR_LOCATION] = "location",
};

const char *httphdr_name(enum httphdr_name which)
{
	return (unsigned)which < HTTPHDR__COUNT ? names[which] : "";
}

const char *httphdr_get(const struct httphdr *h, enum httphdr_name which)
{
	return (unsigned)which < HTTPHDR__COUNT ? h->v[which] : NULL;
}

void httphdr_reset(struct httphdr *h)
{
	for (int i = 0; i < HTTPHDR__COUNT; i++) {
		free(h->v[i]);
		h->v[i] = NULL;
		h->len[i] = h->cap[i] = 0;
	}
}

void httphdr_free(struct httphdr *h)
{
	httphdr_reset(h);
}

/* Appends N bytes of V to value I (SEP first when it is not empty). */
static void append(struct httphdr *h, int i, const char *sep, const char *v, size_t n)
{
	size_t sl = h->v[i] ? strlen(sep) : 0;
	size_t need = h->len[i] + sl + n + 1;
	if (need > h->cap[i]) {
		size_t cap = h->cap[i] ? h->cap[i] : 64;
		while (cap < need)
			cap *= 2;
		char *s = realloc(h->v[i], cap);
		if (!s) {
			h->oom = true;
			return;
		}
		h->v[i] = s;
		h->cap[i] = cap;
	}
	memcpy(h->v[i] + h->len[i], sep, sl);
	memcpy(h->v[i] + h->len[i] + sl, v, n);
	h->len[i] += sl + n;
	h->v[i][h->len[i]] = '\0';
}

static void set(struct httphdr *h, int i, const char *v, size_t n)
{
	n = strnlen(v, n);    /* a value is a C string: it ends at a NUL */
	if (i != HTTPHDR_CACHE_CONTROL) {
		free(h->v[i]);
		h->v[i] = NULL;
		h->len[i] = h->cap[i] = 0;
	}
	append(h, i, ", ", v, n);
}

static int status_code(const char *line, size_t n)
{
	const char *sp = memchr(line, ' ', n);
	if (!sp || (size_t)(sp - line) + 4 > n)
		return 0;
	int code = 0;
	for (int k = 1; k <= 3; k++) {
		if (sp[k] < '0' || sp[k] > '9')
			return 0;
		code = code * 10 + (sp[k] - '0');
	}
	return code;
}

int httphdr_line(struct httphdr *h, const char *line, size_t len, int *status)
{
	size_t n = len;
	while (n && (line[n - 1] == '\r' || line[n - 1] == '\n'))
		n--;
	if (n >= 5 && memcmp(line, "HTTP/", 5) == 0) {
		*status = status_code(line, n);
		return 1;
	}
	const char *colon = memchr(line, ':', n);
	if (!colon)
		return 0;
	size_t nl = (size_t)(colon - line);
	const char *v = colon + 1;
	const char *end = line + n;
	while (v < end && (*v == ' ' || *v == '\t'))
		v++;
	while (end > v && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	for (int i = 0; i < HTTPHDR__COUNT; i++) {
		if (strlen(names[i]) == nl && strncasecmp(line, names[i], nl) == 0) {
			set(h, i, v, (size_t)(end - v));
			break;
		}
	}
	return 0;
}
