/* url.h — URL resolution and canonical forms, on libxml2's URI functions.
 *
 * Every function returns a new heap string the caller frees, or NULL. */
#ifndef FEEDD_URL_H
#define FEEDD_URL_H

#include <stdbool.h>

/* REF resolved against BASE (either may be NULL; a NULL/unusable base
 * returns a copy of REF). */
char *url_resolve(const char *base, const char *ref);

/* The canonical form used to match the same article across feeds: scheme
 * and host lower-cased, default port and fragment dropped, utm_* and other
 * common tracking parameters removed. */
char *url_canonical(const char *url);

/* URL's fragment ("#v1-4", from its '#') when it names a place in the
 * page, else NULL: an empty fragment, or one written as parameters
 * ("#xtor=RSS-3", a tracker's), names none. Two anchors of one page (a
 * changelog's releases, a single-page site's routes) are two articles in
 * a feed, while url_canonical() drops the fragment to match one article
 * across feeds. */
const char *url_fragment_kept(const char *url);

/* True for absolute http: and https: URLs (what feeds.conf accepts, with
 * file: where allowed). */
bool url_is_http(const char *url);

/* The host part, lower-cased, or NULL. */
char *url_host(const char *url);

#endif
