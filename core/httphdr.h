/* httphdr.h — one HTTP response's header lines as libcurl hands them over,
 * one line at a time (redirects and 1xx interim responses included): the
 * status line, and the headers feedd reads, trimmed. Pure: no libcurl, no
 * loop, so that the daemon's fetcher and the fuzzers run the same code.
 *
 * Repeated Cache-Control lines are one comma-separated list (RFC 9111);
 * for any other header the last line wins. Joining is amortised linear, so
 * that curl's 300 KB header cap cannot buy quadratic time.
 *
 * Ownership: struct httphdr owns its values; httphdr_reset frees them (and
 * starts a new response), httphdr_free at the end. Values returned by
 * httphdr_get live until the next reset. */
#ifndef FEEDD_HTTPHDR_H
#define FEEDD_HTTPHDR_H

#include <stdbool.h>
#include <stddef.h>

enum httphdr_name {
	HTTPHDR_ETAG, HTTPHDR_LAST_MODIFIED, HTTPHDR_CACHE_CONTROL, HTTPHDR_EXPIRES,
	HTTPHDR_RETRY_AFTER, HTTPHDR_DATE, HTTPHDR_CONTENT_TYPE, HTTPHDR_CONTENT_LOCATION,
	HTTPHDR_CONTENT_LANGUAGE, HTTPHDR_CONTENT_ENCODING, HTTPHDR_LOCATION, HTTPHDR__COUNT
};

struct httphdr {
	char *v[HTTPHDR__COUNT];      /* NUL-terminated, or NULL when absent */
	size_t len[HTTPHDR__COUNT], cap[HTTPHDR__COUNT];
	bool oom;                     /* a value was dropped for want of memory */
};

/* The lower-case name of a header. */
const char *httphdr_name(enum httphdr_name which);

/* Takes one header line of LEN bytes (its CR LF may be there or not).
 * Returns 1 for a status line ("HTTP/..."), with *STATUS its three-digit
 * code (0 when it has none); the caller decides whether a new response
 * begins (httphdr_reset). Returns 0 for any other line: a header feedd
 * reads is stored, the rest ignored. */
int httphdr_line(struct httphdr *h, const char *line, size_t len, int *status);

/* The value of WHICH in the current response, or NULL. */
const char *httphdr_get(const struct httphdr *h, enum httphdr_name which);

/* Forgets every value (a new response begins). */
void httphdr_reset(struct httphdr *h);
void httphdr_free(struct httphdr *h);

#endif
