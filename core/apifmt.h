/* apifmt.h — renders the socket API's item lists as JSON, NDJSON, sfeed's
 * TSV and Atom 1.0. Pure: items in, bytes out.
 *
 * Ownership: struct buf owns its bytes (buf_free). The json_t arguments are
 * borrowed. */
#ifndef FEEDD_APIFMT_H
#define FEEDD_APIFMT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct buf {
	char *data;
	size_t len, cap;
	bool oom;                /* an append failed; the content is incomplete */
};

void buf_append(struct buf *b, const void *s, size_t n);
void buf_puts(struct buf *b, const char *s);
void buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_free(struct buf *b);

/* One compact JSON value and a newline. */
void apifmt_json(struct buf *b, const json_t *j);
/* One JSON value per line. */
void apifmt_ndjson(struct buf *b, const json_t *array);
/* sfeed(5): timestamp, title, link, content, content-type, id, author,
 * enclosure, category — TAB-separated, one item per line. */
void apifmt_tsv(struct buf *b, const json_t *items);
/* An Atom 1.0 document of ITEMS; TITLE names the selection, NOW is used
 * for <updated> when no item has a date. */
void apifmt_atom(struct buf *b, const json_t *items, const char *title, int64_t now);

#endif
