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

char *url_resolve(const char *base, const char *ref)
{
	if (!ref)
		return base ? strdup(base) : NULL;
	if (!base || !*base)
		return strdup(ref);
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
