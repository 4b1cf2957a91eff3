/* discover.h — feed discovery: the feeds an HTML page announces with
 * <link rel="alternate" type="…" href="…">, and the well-known paths to
 * try on its site when it announces none.
 *
 * Pure: page bytes in, a list out; nothing is fetched here (feedctl's
 * cli/discover_add.c fetches the page, then checks every candidate by
 * parsing it). The page is read by libxml2's HTML parser (no network, no
 * error output, recovering from bad markup), never by string matching.
 * Like Miniflux's finder, a <link> counts wherever it is (head or body);
 * its rel must hold the token "alternate" and its type be one of
 * application/rss+xml, application/atom+xml, application/rdf+xml,
 * application/feed+json or application/json (the last not for WordPress's
 * REST API, "wp-json", which announces itself so). Each href is resolved
 * against the first <base href> (itself resolved against the page URL),
 * else the page URL; only http and https results are kept (file: too when
 * the page itself is a file:). Duplicates are dropped, document order kept,
 * at most DISCOVER_MAX_LINKS.
 *
 * Ownership: discover_links fills a struct discover_list the caller frees
 * with discover_list_free; every string in it belongs to the list. */
#ifndef FEEDD_DISCOVER_H
#define FEEDD_DISCOVER_H

#include <stdbool.h>
#include <stddef.h>

#define DISCOVER_MAX_LINKS 16
#define DISCOVER_MAX_TITLE 200                    /* bytes of a link's title kept */
#define DISCOVER_MAX_PAGE  (4u * 1024 * 1024)     /* bytes of a page looked at */

enum discover_type {
	DISCOVER_RSS,
	DISCOVER_ATOM,
	DISCOVER_RDF,
	DISCOVER_JSONFEED,
	DISCOVER__COUNT
};

struct discover_link {
	char *url;                 /* absolute */
	char *title;               /* the title attribute, white space collapsed; NULL if none */
	enum discover_type type;   /* what the type attribute announced */
};

struct discover_list {
	struct discover_link *v;
	size_t n;
};

/* The links PAGE (LEN bytes; only the first DISCOVER_MAX_PAGE are read)
 * announces, PAGE_URL being where it came from (after redirects).
 * CONTENT_TYPE (may be NULL) gives its charset, which wins over the page's
 * own <meta charset>. Returns 0 (OUT may be empty), or -ENOMEM. */
int discover_links(const char *page, size_t len, const char *page_url,
		   const char *content_type, struct discover_list *out);
void discover_list_free(struct discover_list *l);

/* Whether a response with this Content-Type is a page to look into:
 * text/html or application/xhtml+xml. */
bool discover_is_html(const char *content_type);

/* "RSS", "Atom", "RDF", "JSON Feed". */
const char *discover_type_name(enum discover_type t);

/* The paths tried, in order, on the page's origin when it announces no
 * feed (resolve each against the page URL with url_resolve); NULL-ended. */
extern const char *const discover_paths[];

#endif
