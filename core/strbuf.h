/* strbuf.h — a growing NUL-terminated string, for command-line paths
 * (feedctl, feeds.conf edits). Running out of memory aborts: the daemon's
 * own code does not use it.
 *
 * Ownership: the caller frees b->s. A zeroed struct is an empty buffer. */
#ifndef FEEDD_STRBUF_H
#define FEEDD_STRBUF_H

#include <stddef.h>

struct strbuf {
	char *s;
	size_t len, cap;
};

void strbuf_put(struct strbuf *b, const char *s, size_t n);
void strbuf_puts(struct strbuf *b, const char *s);
void strbuf_putc(struct strbuf *b, char c);
void strbuf_printf(struct strbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
