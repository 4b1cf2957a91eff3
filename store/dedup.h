/* dedup.h — the backend-independent half of dedup (DESIGN.md, "Dedup"):
 * the identity of every item of a document, worked out before any row is
 * touched (internal to store/). Both backends use it, so they identify
 * items by the same rules. */
#ifndef FEEDD_STORE_DEDUP_H
#define FEEDD_STORE_DEDUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/item.h"

/* The function a store's content hashes (chash) and content keys ("c:")
 * are made with: the store records it (docs/store.md, "Key versions"),
 * and a store keeps the one its rows were made with. The "h:" keys of
 * versions before the content key are FNV in every store. */
enum dedup_hash {
	DEDUP_HASH_FNV = 1,     /* 128-bit FNV-1a: stores with rows before the record */
	DEDUP_HASH_XXH3 = 2,    /* xxHash's XXH3, 128 bits: stores made since */
};

/* What dedup works out for one item of the document. Strings are owned by
 * the array (dedup_free). */
struct dedup_item {
	const struct item *it;
	char *canon;           /* canonical link, or NULL */
	char *key;             /* "g:guid", "l:canonical link" or "c:content hash" */
	const char *rule;      /* "guid", "link", "hash" */
	/* Another identity the same item may be stored under, or NULL: the
	 * one versions before the content hash gave it (ALT_LEGACY; "h:"
	 * keys, or a link it now shares with a different item), or else its
	 * content key (it was stored under it while its guid or link was
	 * shared with a different item). */
	char *alt;
	/* "g:guid" when the item has a guid that names it no more (another
	 * item of the document carries it too) and that is not ALT: it was
	 * stored under it while the guid was its own. Only the stored item
	 * with this very content counts. NULL otherwise. */
	char *guid_alt;
	/* Its identity as it was before the site moved to https: "g:http://…"
	 * or "l:http://…" for a "g:https://…" or "l:https://…" key, else
	 * NULL. */
	char *twin;
	/* Its link identity as versions that dropped every fragment made it
	 * ("l:…/changelog" for "l:…/changelog#v1-4"), else NULL: the same
	 * item only with this very content (two anchors of one page are two
	 * items). */
	char *unfragmented;
	bool anchored;         /* its link names a place in its page (#v1-4) */
	char *lid;             /* anchored: CANON with that anchor, else NULL */
	bool home;             /* its link is a front page (names no article) */
	bool alt_legacy;
	bool alt_unique;       /* no other item of the document has this alt */
	bool alt_tomb;         /* a tombstone with ALT means this item */
	char *categories;      /* JSON text */
	char *enclosures;      /* JSON text */
	char chash[33];        /* content hash, hex */
	bool guid_unique;
	bool canon_unique;
	bool repeat;           /* an earlier item of the document has this identity */
};

/* Identities for the whole document (DOC->nitems entries in *OUT), content
 * hashes and content keys made with HASH (the store's); sets
 * *LINK_IDENTITY when the feed's guids are mostly missing or repeated.
 * SITE_CANON (the feed's canonical home page, or NULL) is no item's link
 * identity: a town hall's announcements that all link home are items each. */
int dedup_plan(const struct doc *doc, enum dedup_hash hash, const char *site_canon,
	       bool *link_identity, struct dedup_item **out);
void dedup_free(struct dedup_item *p, size_t n);

/* P's content hash, made with HASH, as it would be with the link URL in
 * place of its own (32 hex digits in OUT): an item whose link changed only
 * in what url_canon drops (utm_* and other tracking parameters a
 * publisher rotates) was not edited if this is the stored hash. */
int dedup_chash_with_url(const struct dedup_item *p, enum dedup_hash hash, const char *url,
			 char out[33]);
/* The same with the link, categories and enclosures (JSON text, as
 * dedup_item's) given: the stored ones where the item's differ only in
 * noise. */
int dedup_chash_with(const struct dedup_item *p, enum dedup_hash hash, const char *url,
		     const char *categories, const char *enclosures, char out[33]);
/* Whether two categories lists (JSON arrays of strings) hold the same
 * names, in whatever order. */
bool dedup_same_categories(const char *a, const char *b);
/* Whether two enclosures lists (JSON, as dedup_item's) differ at most in
 * their URLs' tracking parameters (what url_canonical drops): the same
 * count, in order, each with the same type and length. */
bool dedup_same_enclosures(const char *a, const char *b);

/* The canonical link P is stored with and matched by across feeds
 * (duplicate_of): its page with its anchor when anchored (another anchor
 * of the page is another article), none for a front page (announcements
 * that link home are not one article). */
const char *dedup_stored_canon(const struct dedup_item *p);

/* Whether the link rule may match P (SITE_CANON: the feed's canonical home
 * page, or NULL). */
bool dedup_link_usable(const struct dedup_item *p, const char *site_canon);

/* A stored item a lookup found: how many rows (0, 1, or 2 for "more than
 * one"), and the first one's id, content hash and last_seen. */
struct dedup_found {
	int64_t id;
	char chash[33];
	int64_t last_seen;
	int rows;
};

/* What dedup_decide() asks the backend about item I of the document, only
 * when the rules need it (a backend may answer from a batch fetched before,
 * or look each up). Each returns 0 or a negative errno. */
struct dedup_ask {
	/* Its identity is in the feed's tombstones. */
	int (*tomb_key)(void *ud, size_t i, bool *has);
	/* The feed's stored items with its canonical link (at most 2 counted). */
	int (*by_link)(void *ud, size_t i, struct dedup_found *f);
	/* The feed's stored items with its canonical link that the feed's
	 * previous document listed (at most 2 counted). */
	int (*by_link_listed)(void *ud, size_t i, struct dedup_found *f);
	/* Its canonical link is in the feed's tombstones. */
	int (*tomb_link)(void *ud, size_t i, bool *has);
	/* This document already listed stored item ID. */
	bool (*listed)(void *ud, int64_t id);
	/* The stored item with its alternate identity (P->alt). */
	int (*by_alt)(void *ud, size_t i, struct dedup_found *f);
	/* Its alternate identity is in the feed's tombstones. */
	int (*tomb_alt)(void *ud, size_t i, bool *has);
	/* The stored item with identity KEY (P->guid_alt, P->twin). */
	int (*by_key)(void *ud, const char *key, struct dedup_found *f);
	/* The feed's stored items with its guid, under any identity (at
	 * most 2 counted). */
	int (*by_guid)(void *ud, size_t i, struct dedup_found *f);
	/* Whether stored item F is item I but for its link: every other
	 * field the same (its content hash made with F's link is F's). */
	int (*same_but_link)(void *ud, size_t i, const struct dedup_found *f, bool *same);
	void *ud;
	/* Not a question but a fact about the document: another of its
	 * items was found under its own guid with its stored content or at
	 * its stored link (commit.c, guids_kept), so the publisher did not
	 * rewrite the guids, and an item with a guid of its own is not an
	 * older one under a new identity because it has that one's link. */
	bool guids_kept;
	/* The feed keys its items by link (struct commit_feed). */
	bool link_identity;
};

enum dedup_verdict {
	DEDUP_SKIP,    /* a repeat, an item already listed, or pruned once */
	DEDUP_KNOWN,   /* the stored item *F, listed again */
	DEDUP_REKEY,   /* the stored item *F under this item's new identity */
	DEDUP_NEW,
};

/* The rules of DESIGN.md, "Dedup", for item I (P = the plan's entry I) in
 * document order: KNOWN is the stored row with its identity (rows 0 when
 * none). On REKEY the caller rewrites the identity, and a later item whose
 * KNOWN was that row must no longer count it. */
int dedup_decide(const struct dedup_item *p, size_t i, const struct dedup_found *known,
		 const char *site_canon, const struct dedup_ask *ask,
		 struct dedup_found *f, enum dedup_verdict *v);

#endif
