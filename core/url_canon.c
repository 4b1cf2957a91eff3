/* url_canon.c — the canonical form of a link, to recognise the same article
 * across feeds and across a publisher's cosmetic rewrites. */
#include "core/url.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/uri.h>
#include <libxml/xmlmemory.h>

/* Query parameters that only track the reader, never select the page. */
static const char *const tracking_params[] = {
	"fbclid", "gclid", "dclid", "msclkid", "yclid", "mc_cid", "mc_eid",
	"ref", "ref_src", "_hsenc", "_hsmi", "igshid", "mkt_tok", "oly_anon_id",
	"oly_enc_id", "wt.mc_id", "ga_source", "ga_medium", "ga_campaign",
	NULL,
};

static bool is_tracking(const char *name, size_t len)
{
	if (len >= 4 && strncasecmp(name, "utm_", 4) == 0)
		return true;
	for (size_t i = 0; tracking_params[i]; i++)
		if (strlen(tracking_params[i]) == len &&
		    strncasecmp(name, tracking_params[i], len) == 0)
			return true;
	return false;
}

/* The query without tracking parameters, in its original order; NULL when
 * nothing is left. */
static char *strip_query(const char *q)
{
	size_t len = strlen(q);
	char *out = malloc(len + 1);
	if (!out)
		return NULL;
	size_t o = 0;
	const char *p = q;
	while (*p) {
		const char *end = strchr(p, '&');
		size_t plen = end ? (size_t)(end - p) : strlen(p);
		const char *eq = memchr(p, '=', plen);
		size_t nlen = eq ? (size_t)(eq - p) : plen;
		if (plen && !is_tracking(p, nlen)) {
			if (o)
				out[o++] = '&';
			memcpy(out + o, p, plen);
			o += plen;
		}
		p += plen;
		if (*p == '&')
			p++;
	}
	out[o] = '\0';
	if (!o) {
		free(out);
		return NULL;
	}
	return out;
}

static void lower(char *s)
{
	for (; s && *s; s++)
		*s = (char)tolower((unsigned char)*s);
}

static void replace(char **field, const char *value)
{
	if (*field)
		xmlFree(*field);
	*field = value ? (char *)xmlStrdup((const xmlChar *)value) : NULL;
}

static bool host_plain(const char *h)
{
	/* ':' and brackets only in an IPv6 literal ("[::1]"): in a name they
	 * came from an escape ("a%3a0"), and written back they would read as
	 * a port. */
	const char *extra = h[0] == '[' ? "-._~:[]" : "-._~";
	for (; *h; h++)
		if (!isalnum((unsigned char)*h) && !strchr(extra, *h))
			return false;
	return true;
}

/* Fallback for what libxml2 will not parse: the text before any fragment. */
static char *canon_fallback(const char *url)
{
	size_t n = strcspn(url, "#");
	return strndup(url, n);
}

char *url_canonical(const char *url)
{
	if (!url || !*url)
		return NULL;
	/* The fragment goes first: a malformed one ("##") must not make the
	 * same page canonicalise two ways. */
	char *nofrag = canon_fallback(url);
	if (!nofrag)
		return NULL;
	xmlURIPtr u = xmlParseURI(nofrag);
	/* libxml2 unescapes the host and writes it back as is: a host that was
	 * not plain to begin with ("coa%23") would come out meaning another
	 * URL. Such links are kept as they came. */
	/* The same for a user part: libxml2 unescapes it too, and an escaped
	 * NUL ("%00@") cuts it short, so it would come back as another URL;
	 * and for a host an escaped NUL empties ("https://%00h:31/" came back
	 * as "https://:31/", then as "https:///"). */
	if (!u || (u->server && (!*u->server || !host_plain(u->server))) ||
	    (u->user && (!*u->user || !host_plain(u->user)))) {
		if (u)
			xmlFreeURI(u);
		return nofrag;
	}
	free(nofrag);
	lower(u->scheme);
	lower(u->server);
	if (u->scheme && u->port &&
	    ((strcmp(u->scheme, "http") == 0 && u->port == 80) ||
	     (strcmp(u->scheme, "https") == 0 && u->port == 443)))
		u->port = 0;
	replace(&u->fragment, NULL);
	const char *rq = u->query_raw ? u->query_raw : u->query;
	if (rq) {
		char *q = strip_query(rq);
		replace(&u->query_raw, q);
		replace(&u->query, NULL);
		free(q);
	}
	/* "http://host" and "http://host/" are the same page. */
	if (u->server && (!u->path || !*u->path))
		replace(&u->path, "/");
	xmlChar *s = xmlSaveUri(u);
	xmlFreeURI(u);
	if (!s)
		return canon_fallback(url);
	char *out = strdup((const char *)s);
	xmlFree(s);
	return out;
}

const char *url_fragment_kept(const char *url)
{
	const char *frag = url ? strchr(url, '#') : NULL;
	if (!frag || !frag[1] || strchr(frag, '='))
		return NULL;
	/* The places every post of a blog has (WordPress's, Disqus's): the
	 * article's comments or its rest, not another article. */
	static const char *const same[] = {"comments", "respond", "more", "top", "main",
					   "content", "disqus_thread"};
	for (size_t i = 0; i < sizeof same / sizeof *same; i++)
		if (!strcasecmp(frag + 1, same[i]))
			return NULL;
	if (!strncasecmp(frag + 1, "comment-", 8) || !strncasecmp(frag + 1, "more-", 5))
		return NULL;
	return frag;
}
