/* reader_content.h — an entry's HTML as the reader APIs (Miniflux,
 * Google Reader) hand it to a client: the item's content, else its
 * summary, through core/sanitize.h, relative links resolved against the
 * entry's URL. The store keeps the HTML as the feed had it; this is the
 * one place it is made safe to render (docs/reader-api.md, "Entry
 * content").
 *
 * Ownership: a new heap string the caller frees; "" when the item has
 * neither; NULL when memory ran out. */
#ifndef FEEDD_READER_CONTENT_H
#define FEEDD_READER_CONTENT_H

#include "core/item.h"

char *reader_entry_content(const struct item_row *r);

#endif
