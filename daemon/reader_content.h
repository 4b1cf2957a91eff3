/* reader_content.h — an entry's HTML as the reader APIs (Miniflux,
 * Google Reader) hand it to a client: the item's content, else its
 * summary, through core/sanitize.h, relative links resolved against the
 * entry's URL. The store keeps the HTML as the feed had it; this is the
 * one place it is made safe to render (docs/reader-api.md, "Entry
 * content").
 *
 * Sanitizing costs about half a millisecond for a 5 KB post and clients
 * fetch the same entries again and again, so the result is kept in one
 * cache the reader workers share (a mutex), keyed by the item's id, its
 * updated_seen and a 64-bit hash of the raw HTML and URL: an edited item
 * is sanitized again, never served stale. The cache holds at most
 * READER_CONTENT_CACHE_BYTES (sanitized bytes plus a fixed overhead per
 * entry), least recently used out first; a body over a sixteenth of it
 * is not kept.
 *
 * The cache keeps, per entry, the sanitized HTML and/or its JSON string
 * (both count against the budget), each made on its first use.
 *
 * Ownership: a new heap string the caller frees; "" when the item has
 * neither; NULL when memory ran out. The cache owns its copies. */
#ifndef FEEDD_READER_CONTENT_H
#define FEEDD_READER_CONTENT_H

#include <stddef.h>
#include <stdint.h>

#include "core/apifmt.h"
#include "core/item.h"

#define READER_CONTENT_CACHE_BYTES ((size_t)8 << 20)   /* 8 MiB */

char *reader_entry_content(const struct item_row *r);
/* The same as a JSON string (apifmt_put_lossy's bytes) appended to B,
 * from the cache's copy of that string when it has one: a hit is one
 * copy, no sanitiser, no escaping, no allocation (the Miniflux API). */
void reader_put_entry_content(struct buf *b, const struct item_row *r);

struct reader_content_stats {
	size_t bytes, entries;      /* held now, against the budget */
	uint64_t hits, misses;      /* since start */
};
void reader_content_cache_stats(struct reader_content_stats *st);

#endif
