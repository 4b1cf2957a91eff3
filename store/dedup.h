/* dedup.h — the backend-independent half of dedup (DESIGN.md, "Dedup"):
 * the identity of every item of a document, worked out before any row is
 * touched (internal to store/). Both backends use it, so they identify
 * items by the same rules. */
#ifndef FEEDD_STORE_DEDUP_H
#define FEEDD_STORE_DEDUP_H

#include <stdbool.h>
#include <stddef.h>

#include "core/item.h"

/* What dedup works out for one item of the document. Strings are owned by
 * the array (dedup_free). */
struct dedup_item {
	const struct item *it;
	char *canon;           /* canonical link, or NULL */
	char *key;             /* "g:guid", "l:canonical link" or "h:hash" */
	const char *rule;      /* "guid", "link", "hash" */
	char *categories;      /* JSON text */
	char *enclosures;      /* JSON text */
	char chash[33];        /* content hash, hex */
	bool guid_unique;
	bool canon_unique;
};

/* Identities for the whole document (DOC->nitems entries in *OUT); sets
 * *LINK_IDENTITY when the feed's guids are mostly missing or repeated. */
int dedup_plan(const struct doc *doc, bool *link_identity, struct dedup_item **out);
void dedup_free(struct dedup_item *p, size_t n);

/* Whether the link rule may match P (SITE_CANON: the feed's canonical home
 * page, or NULL). */
bool dedup_link_usable(const struct dedup_item *p, const char *site_canon);

#endif
