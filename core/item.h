/* item.h — the item model every part shares: what the parser produces, what
 * the store keeps, and the JSON shape of DESIGN.md ("Parsing and the item
 * model") that `feedd --parse` and the socket API print.
 *
 * Ownership: a struct doc owns its feed_info, its items and every string in
 * them (all heap, NUL-terminated UTF-8, NULL when absent); doc_free() frees
 * it all. Dates are seconds since the epoch, UTC; DATE_NONE when absent. */
#ifndef FEEDD_ITEM_H
#define FEEDD_ITEM_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DATE_NONE INT64_MIN

struct enclosure {
	char *url;
	char *type;
	int64_t length;        /* bytes; -1 when absent */
};

struct item {
	char *guid;
	char *url;
	char *title;           /* plain text */
	char *author;          /* the name when one can be split off */
	char *summary;         /* HTML */
	char *content;         /* HTML */
	int64_t published;
	int64_t updated;
	char **categories;     /* ncategories entries */
	size_t ncategories;
	struct enclosure *enclosures;
	size_t nenclosures;
	bool skipped;          /* feeds.conf's skip/keep rules drop it (core/filter.h):
				* stored, never announced; set by the daemon */
};

enum doc_format {
	DOC_UNKNOWN = 0,
	DOC_RSS,               /* 0.9x / 2.0 */
	DOC_RDF,               /* RSS 1.0 */
	DOC_ATOM03,
	DOC_ATOM10,
	DOC_JSONFEED,
	DOC__COUNT
};

/* Hints a publisher gives about when to come back (used by the scheduler). */
struct feed_hints {
	int64_t ttl;           /* RSS <ttl>, seconds; 0 = none */
	uint32_t skip_hours;   /* bit h set: do not poll during hour h UTC */
	uint8_t skip_days;     /* bit d set (0 = Sunday): do not poll that day */
	int64_t sy_period;     /* sy:updatePeriod / sy:updateFrequency, seconds; 0 = none */
};

struct feed_info {
	char *title;
	char *link;
	char *description;
	char *language;
	int64_t updated;
	char *self;            /* atom:link rel=self */
	char *hub;             /* atom:link rel=hub (WebSub) */
	struct feed_hints hints;
};

struct doc {
	enum doc_format format;
	struct feed_info feed;
	struct item *items;
	size_t nitems;
	size_t cap;
	bool truncated;        /* a cap was hit; what was read is kept */
	char *warning;         /* recovered errors (ill-formed input), or NULL */
	/* The input ended inside the root element (the body was cut short),
	 * not by a cap: where ("inside item 3"), else NULL. An item the end
	 * cut off is never in items; the ones before it are complete. */
	char *cut;
	/* The caps this document hit (DOC_CAP_* bits), and what each cut and
	 * where, "; "-separated, for the feed's last_warning; NULL when none. */
	unsigned caps;
	char *capped;
};

enum {
	DOC_CAP_ITEMS = 1 << 0,    /* more items than max_items: the rest not read */
	DOC_CAP_DOC   = 1 << 1,    /* more bytes than max_doc_bytes: the rest not read */
	DOC_CAP_FIELD = 1 << 2,    /* a field cut at max_field_bytes */
	DOC_CAP_ITEM  = 1 << 3,    /* an item past 4 x max_field_bytes: fields dropped */
	DOC_CAP__COUNT = 4
};

const char *doc_format_name(enum doc_format f);
void item_clear(struct item *it);

/* The item's date, as feedparser and readers take it: published, else
 * updated (Atom updated, dc:date, dc:modified, atom:updated in RSS), else
 * FIRST_SEEN; a date after FIRST_SEEN (the future) is FIRST_SEEN too. It is
 * what the store sorts and filters on (since=) and every output shows. */
int64_t item_date(const struct item *it, int64_t first_seen);
void doc_free(struct doc *d);

/* The DESIGN.md JSON shapes. New references; absent fields are JSON null,
 * dates RFC 3339 UTC. Invalid UTF-8 is replaced, never emitted. */
json_t *item_to_json(const struct item *it);
json_t *feed_info_to_json(const struct feed_info *f);
json_t *doc_to_json(const struct doc *d);

/* A JSON string from possibly-invalid UTF-8 (bad bytes become U+FFFD). */
json_t *json_string_lossy(const char *s);
/* Length of the valid UTF-8 sequence at S (1..4, LEFT bytes readable), or 0
 * when the byte at S starts none (it would become U+FFFD). */
size_t utf8_seq_len(const unsigned char *s, size_t left);

/* An item as the store keeps it, lent for the time of one call (see
 * store_items_each): every pointer is the store's, NULL when absent. */
struct item_row {
	int64_t id;
	const char *feed;
	int64_t feed_id;              /* the feed's row in the store */
	const char *guid, *url, *title, *author, *summary, *content;
	int64_t published, updated;   /* DATE_NONE when absent */
	const char *categories;       /* the stored JSON text (an array) */
	const char *enclosures;
	int64_t first_seen, updated_seen, date;  /* 0 when unknown */
	const char *identity;         /* the rule: "guid", "link" or "hash" */
	bool has_duplicate;
	int64_t duplicate_of;
	bool skipped;                 /* stored as skipped by feeds.conf's rules */
	bool read, starred;           /* a reader's state (store/readstate.c) */
};

/* The API's item JSON (item_to_json plus the store's fields: id, feed,
 * first_seen, updated_seen, identity, duplicate_of, date, read, starred;
 * "skipped": true for an item the filter rules skipped, no key otherwise).
 * New reference;
 * categories/enclosures text that does not parse becomes []. */
json_t *item_row_to_json(const struct item_row *r);

/* Stored JSON TEXT (categories, enclosures, event data) parsed, or
 * FALLBACK when TEXT is NULL or not JSON; takes FALLBACK's reference. */
json_t *json_loads_or(const char *text, json_t *fallback);

#endif
