/* url.c — URL resolution on libxml2's URI functions (url_canonical lives in
 * url_canon.c). */
#include "core/url.h"

#include <ctype.h>
#include <libxml/uri.h>
#include <stdlib.h>
#include <string.h>

/* Characters xmlURIEscapeStr must leave alone to keep a URL's structure. */
#define URL_KEEP ((const xmlChar *)":/?#[]@!$&'()*+,;=%~")

static char *dup_xml(xmlChar *x)
{
	if (!x)
		return NULL;
	char *s = strdup((const char *)x);
	xmlFree(x);
	return s;
}

/* REF with spaces and other bytes a URI may not hold percent-encoded. */
static xmlChar *escape_ref(const char *ref)
{
	return xmlURIEscapeStr((const xmlChar *)ref, URL_KEEP);
}

static bool has_high(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s >= 0x80)
			return true;
	return false;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9') return c - '0';
	if (c >= 'a' && c <= 'f') return c - 'a' + 10;
	if (c >= 'A' && c <= 'F') return c - 'A' + 10;
	return -1;
}

/* Non-ASCII text (an IRI) was escaped only to get through the URI parser:
 * give it back as it was written. */
static void unescape_high(char *s)
{
	char *o = s;
	for (char *p = s; *p;) {
		int h, l;
		if (p[0] == '%' && (h = hexval(p[1])) >= 8 && (l = hexval(p[2])) >= 0) {
			*o++ = (char)(h * 16 + l);
			p += 3;
		} else {
			*o++ = *p++;
		}
	}
	*o = '\0';
}

/* Bytes xmlSaveUri writes back as they are in a path (so a path made of
 * them comes out of xmlBuildURI unchanged): bit 1; in a query or fragment:
 * bit 2. */
static const unsigned char plain_class[256] = {
	['a' ... 'z'] = 3, ['A' ... 'Z'] = 3, ['0' ... '9'] = 3, ['/'] = 3, ['.'] = 3,
	['-'] = 3, ['_'] = 3, ['!'] = 3, ['~'] = 3, ['*'] = 3, ['\''] = 3, ['('] = 3, [')'] = 3,
	[';'] = 3, ['@'] = 3, ['&'] = 3, ['='] = 3, ['+'] = 3, ['$'] = 3, [','] = 3,
	[':'] = 2, ['?'] = 2,
};

static bool path_plain(unsigned char c)
{
	return plain_class[c] & 1;
}

static bool query_plain(unsigned char c)
{
	return plain_class[c] & 2;
}

/* Length of "http://host" or "https://host" at S (a plain host, no port or
 * user), 0 if S does not start so. */
static size_t plain_origin(const char *s)
{
	size_t n;
	if (!strncmp(s, "http://", 7))
		n = 7;
	else if (!strncmp(s, "https://", 8))
		n = 8;
	else
		return 0;
	size_t h = n;
	while (isalnum((unsigned char)s[n]) || s[n] == '.' || s[n] == '-')
		n++;
	return n > h ? n : 0;
}

/* True when S (from a path, query or fragment on) holds only what the URI
 * parser takes and xmlSaveUri writes back as it is: no '%', no ':' in the
 * path, no dot segment or empty segment, one '#' at most. */
static bool plain_rest(const char *s)
{
	bool query = false, frag = false;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '#') {
			if (frag)
				return false;
			frag = query = true;
		} else if (*p == '?' && !query) {
			query = true;
		} else if (query ? !query_plain(*p) : !path_plain(*p)) {
			return false;
		} else if (!query && *p == '/' && (p[1] == '.' || p[1] == '/')) {
			return false;
		}
	}
	return true;
}

/* The common cases without the URI parser (it parses and re-serialises
 * both strings on every call: the bulk of a feed's link handling), for
 * input where its answer is known: an absolute http(s) REF is returned as
 * it is, an absolute path is appended to BASE's origin. Anything else
 * (relative paths, dot segments, escapes, ports, odd bytes) is left to
 * xmlBuildURI. NULL when this does not apply. */
static char *resolve_plain(const char *base, const char *ref)
{
	size_t o = plain_origin(ref);
	if (o) {
		if ((!ref[o] || ref[o] == '/' || ref[o] == '?' || ref[o] == '#') && plain_rest(ref + o))
			return strdup(ref);
		return NULL;
	}
	if (ref[0] != '/' || ref[1] == '/' || !plain_rest(ref))
		return NULL;
	size_t b = plain_origin(base);
	if (!b || (base[b] && base[b] != '/' && base[b] != '?' && base[b] != '#') ||
	    !plain_rest(base + b))
		return NULL;
	size_t rl = strlen(ref);
	char *r = malloc(b + rl + 1);
	if (!r)
		return NULL;
	memcpy(r, base, b);
	memcpy(r + b, ref, rl + 1);
	return r;
}

char *url_resolve(const char *base, const char *ref)
{
	if (!ref)
		return base ? strdup(base) : NULL;
	if (!base || !*base)
		return strdup(ref);
	char *fast = resolve_plain(base, ref);
	if (fast)
		return fast;
	xmlChar *r = xmlBuildURI((const xmlChar *)ref, (const xmlChar *)base);
	if (!r) {
		/* Unparseable as it is (spaces, stray bytes): escape and retry. */
		xmlChar *er = escape_ref(ref);
		xmlChar *eb = escape_ref(base);
		if (er && eb)
			r = xmlBuildURI(er, eb);
		xmlFree(er);
		xmlFree(eb);
		if (r && (has_high(ref) || has_high(base)))
			unescape_high((char *)r);
	}
	return r ? dup_xml(r) : strdup(ref);
}

bool url_is_http(const char *url)
{
	if (!url)
		return false;
	xmlURIPtr u = xmlParseURI(url);
	if (!u)
		return false;
	bool ok = u->scheme && u->server && *u->server &&
		  (strcasecmp(u->scheme, "http") == 0 || strcasecmp(u->scheme, "https") == 0);
	xmlFreeURI(u);
	return ok;
}

char *url_host(const char *url)
{
	if (!url)
		return NULL;
	xmlURIPtr u = xmlParseURI(url);
	if (!u)
		return NULL;
	char *h = u->server && *u->server ? strdup(u->server) : NULL;
	xmlFreeURI(u);
	for (char *p = h; p && *p; p++)
		*p = (char)tolower((unsigned char)*p);
	return h;
}
