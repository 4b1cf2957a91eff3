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
#include <string.h>

#include "core/item.h"

struct buf {
	char *data;
	size_t len, cap;
	bool oom;                /* an append failed; the content is incomplete */
};

/* Grows B for N more bytes and a NUL; false (B->oom) when it cannot. */
bool buf_grow(struct buf *b, size_t n);

/* Inline: the reader API's listings append a few thousand short pieces
 * an answer, mostly literals whose length the compiler knows. */
static inline void buf_append(struct buf *b, const void *s, size_t n)
{
	if (b->oom || n == 0 || (b->len + n + 1 > b->cap && !buf_grow(b, n)))
		return;
	memcpy(b->data + b->len, s, n);
	b->len += n;
	b->data[b->len] = '\0';
}

static inline void buf_puts(struct buf *b, const char *s)
{
	buf_append(b, s, strlen(s));
}
void buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_free(struct buf *b);

/* JSON tokens written straight (for other shapes of the same rows: the
 * reader API's): S as a quoted string, its invalid UTF-8 as U+FFFD (NULL:
 * null); T as RFC 3339 in UTC, quoted (DATE_NONE: null); an integer. */
void apifmt_put_lossy(struct buf *b, const char *s);
void apifmt_put_date(struct buf *b, int64_t t);
void apifmt_put_int(struct buf *b, json_int_t v);

/* One compact JSON value and a newline. */
void apifmt_json(struct buf *b, const json_t *j);
/* One JSON value per line. */
void apifmt_ndjson(struct buf *b, const json_t *array);
/* sfeed(5): timestamp, title, link, content, content-type, id, author,
 * enclosure, category — TAB-separated, one item per line. */
void apifmt_tsv(struct buf *b, const json_t *items);
/* The namespace of the Atom output's extension elements (feedd:guid, the
 * publisher's guid as written). */
#define APIFMT_ATOM_NS "urn:feedd:atom"

/* An Atom 1.0 document of ITEMS; TITLE names the selection, NOW is used
 * for <updated> when no item has a date. Entry ids are
 * tag:feedd,2026:FEED/ID (FEED %-escaped): unique and stable. */
void apifmt_atom(struct buf *b, const json_t *items, const char *title, int64_t now);

/* --- item rows as the store lends them (store_items_each), rendered
 * without building a JSON tree; the bytes are those of the functions above
 * applied to item_row_to_json(ROW). --- */
/* One item's JSON object, no newline. */
void apifmt_row_json(struct buf *b, const struct item_row *row);
/* One item's sfeed(5) line. */
void apifmt_row_tsv(struct buf *b, const struct item_row *row);
/* One item's Atom <entry>; returns the date it contributes to the feed's
 * <updated> (DATE_NONE when it has none). */
int64_t apifmt_row_atom(struct buf *b, const struct item_row *row, int64_t now);
/* The Atom document around ENTRIES (apifmt_row_atom's output): NEWEST is
 * the latest date they returned, or DATE_NONE. */
void apifmt_atom_doc(struct buf *b, const char *title, int64_t newest, int64_t now,
		     const char *entries, size_t len);

/* --- the item model (a parsed struct doc), as `feedd --parse` prints it:
 * the bytes of json_dumps(doc_to_json(D), JSON_COMPACT |
 * JSON_PRESERVE_ORDER), written straight, without the tree. --- */
/* item_to_json(IT)'s bytes, no newline. */
void apifmt_item_json(struct buf *b, const struct item *it);
/* feed_info_to_json(F)'s bytes, no newline. */
void apifmt_feed_json(struct buf *b, const struct feed_info *f);
/* doc_to_json(D)'s bytes, no newline. When FLUSH is not NULL it is called
 * with ARG whenever B holds APIFMT_FLUSH_BYTES or more after an item, and
 * once at the end; it is to write B's bytes out and empty it (len = 0), so
 * that B stays small however many items D has. */
#define APIFMT_FLUSH_BYTES (256u * 1024)
void apifmt_doc_json(struct buf *b, const struct doc *d,
		     void (*flush)(struct buf *b, void *arg), void *arg);
/* The same bytes in parts, for items that come one at a time: the head
 * (the feed, up to the items' '['), then each item's apifmt_item_json with
 * a ',' before all but the first, then the tail. */
void apifmt_doc_json_head(struct buf *b, const struct feed_info *f);
void apifmt_doc_json_tail(struct buf *b);

#endif
