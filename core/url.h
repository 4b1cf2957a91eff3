/* url.h — URL resolution and canonical forms, on libxml2's URI functions.
 *
 * Every function returning a char * returns a new heap string the caller
 * frees, or NULL; the checks return static messages or their buffer. */
#ifndef FEEDD_URL_H
#define FEEDD_URL_H

#include <stdbool.h>
#include <stddef.h>

/* REF resolved against BASE (either may be NULL; a NULL/unusable base
 * returns a copy of REF). */
char *url_resolve(const char *base, const char *ref);

/* The canonical form used to match the same article across feeds: scheme
 * and host lower-cased, default port and fragment dropped, utm_* and other
 * common tracking parameters removed. */
char *url_canonical(const char *url);

/* URL's fragment ("#v1-4", from its '#') when it names a place in the
 * page, else NULL: an empty fragment, one written as parameters
 * ("#xtor=RSS-3", a tracker's), or one every post has (#comments,
 * #respond, #more-123, #comment-7, #disqus_thread ...) names none. Two anchors of one page (a
 * changelog's releases, a single-page site's routes) are two articles in
 * a feed, while url_canonical() drops the fragment to match one article
 * across feeds. */
const char *url_fragment_kept(const char *url);

/* True for absolute http: and https: URLs (what feeds.conf accepts, with
 * file: where allowed). */
bool url_is_http(const char *url);

/* Why URL (a feed's, in feeds.conf) cannot be fetched, or NULL: an
 * http:// or https:// URL with a host libcurl takes and, when given, a
 * port 1 to 65535; with FILE_OK also file:///PATH. WHY (WHYLEN bytes)
 * holds a message built. (url_check.c) */
const char *url_problem(const char *url, bool file_ok, char *why, size_t whylen);

/* What libcurl takes as a proxy's scheme; without one, http. */
#define URL_PROXY_SCHEMES "http, https, socks4, socks4a, socks5, socks5h"
/* Why PROXY cannot be a feed's proxy, or NULL: [SCHEME://][USER:PASSWORD@]
 * HOST[:PORT], SCHEME one of URL_PROXY_SCHEMES, HOST and PORT as for
 * url_problem. */
const char *url_proxy_problem(const char *proxy, char *why, size_t whylen);

/* The host part, lower-cased, or NULL. */
char *url_host(const char *url);

#endif
