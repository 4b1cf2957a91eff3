/* discover.c — the feeds an HTML page announces, read with libxml2's HTML
 * parser (SAX: only start tags are looked at, no tree is built). */
#include "core/discover.h"

#include <errno.h>
#include <libxml/HTMLparser.h>
#include <libxml/parserInternals.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/url.h"

/* Links looked at before resolving (duplicates and refused URLs included):
 * a page of thousands of <link>s costs no more than this. */
#define DISCOVER_MAX_RAW (DISCOVER_MAX_LINKS * 8)

const char *const discover_paths[] = {
	"/feed", "/rss", "/rss.xml", "/atom.xml", "/index.xml", "/feed.xml",
	"/feeds/posts/default", NULL,
};

static const struct {
	const char *mime;
	enum discover_type type;
} link_types[] = {
	{"application/rss+xml", DISCOVER_RSS},
	{"application/atom+xml", DISCOVER_ATOM},
	{"application/rdf+xml", DISCOVER_RDF},
	{"application/feed+json", DISCOVER_JSONFEED},
	{"application/json", DISCOVER_JSONFEED},
};

static const char *const type_names[DISCOVER__COUNT] = {
	[DISCOVER_RSS] = "RSS",
	[DISCOVER_ATOM] = "Atom",
	[DISCOVER_RDF] = "RDF",
	[DISCOVER_JSONFEED] = "JSON Feed",
};

const char *discover_type_name(enum discover_type t)
{
	return (unsigned)t < DISCOVER__COUNT ? type_names[t] : "?";
}

struct raw_link {
	char *href;
	char *title;
	enum discover_type type;
};

/* What the SAX callbacks gather from one page. */
struct scan {
	char *base;                /* the first <base href>, as written */
	struct raw_link raw[DISCOVER_MAX_RAW];
	size_t n;
	bool oom;
};

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

/* The length of the media type at S (up to ';' or the end), trailing
 * white space left out; *S moved past leading white space. */
static size_t media_len(const char **s)
{
	while (is_space(**s))
		(*s)++;
	size_t n = strcspn(*s, ";");
	while (n && is_space((*s)[n - 1]))
		n--;
	return n;
}

static bool media_is(const char *s, const char *mime)
{
	size_t n = media_len(&s);
	return n == strlen(mime) && strncasecmp(s, mime, n) == 0;
}

bool discover_is_html(const char *content_type)
{
	return content_type && (media_is(content_type, "text/html") ||
				media_is(content_type, "application/xhtml+xml"));
}

/* The type a link's type attribute announces, or -1 for any other. */
static int link_type(const char *type)
{
	for (size_t i = 0; i < sizeof link_types / sizeof link_types[0]; i++)
		if (media_is(type, link_types[i].mime))
			return (int)link_types[i].type;
	return -1;
}

/* Whether REL (a space-separated token list) holds "alternate". */
static bool rel_alternate(const char *rel)
{
	while (*rel) {
		while (is_space(*rel))
			rel++;
		size_t n = 0;
		while (rel[n] && !is_space(rel[n]))
			n++;
		if (n == 9 && strncasecmp(rel, "alternate", 9) == 0)
			return true;
		rel += n;
	}
	return false;
}

/* S with leading and trailing white space left out (URLs in HTML
 * attributes are so stripped), or NULL when nothing is left. */
static char *dup_trimmed(const char *s, bool *oom)
{
	while (is_space(*s))
		s++;
	size_t n = strlen(s);
	while (n && is_space(s[n - 1]))
		n--;
	if (!n)
		return NULL;
	char *d = strndup(s, n);
	if (!d)
		*oom = true;
	return d;
}

/* A title with each run of white space one space, trimmed, cut at
 * DISCOVER_MAX_TITLE bytes on a UTF-8 character boundary; NULL if empty. */
static char *clean_title(const char *s, bool *oom)
{
	char buf[DISCOVER_MAX_TITLE + 1];
	size_t n = 0;
	bool space = false, cut = false;
	for (; *s; s++) {
		if (is_space(*s)) {
			space = n > 0;
			continue;
		}
		if (n + space + 1 > DISCOVER_MAX_TITLE) {
			cut = true;
			break;
		}
		if (space)
			buf[n++] = ' ';
		space = false;
		buf[n++] = *s;
	}
	if (cut) {
		/* Drop a character the cut left incomplete. */
		size_t i = n;
		while (i && ((unsigned char)buf[i - 1] & 0xC0) == 0x80)
			i--;
		if (i && (unsigned char)buf[i - 1] >= 0xC0) {
			unsigned char lead = (unsigned char)buf[i - 1];
			size_t need = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2;
			if (n - (i - 1) < need)
				n = i - 1;
		}
	}
	if (!n)
		return NULL;
	buf[n] = '\0';
	char *d = strdup(buf);
	if (!d)
		*oom = true;
	return d;
}

static const char *attr(const xmlChar **atts, const char *name)
{
	for (size_t i = 0; atts && atts[i]; i += 2)
		if (strcasecmp((const char *)atts[i], name) == 0)
			return atts[i + 1] ? (const char *)atts[i + 1] : "";
	return NULL;
}

static void on_html_start(void *ctx, const xmlChar *name, const xmlChar **atts)
{
	struct scan *s = ctx;
	const char *el = (const char *)name;
	if (s->oom || !el)
		return;
	if (strcasecmp(el, "base") == 0) {
		const char *href = attr(atts, "href");
		if (!s->base && href)
			s->base = dup_trimmed(href, &s->oom);
		return;
	}
	if (strcasecmp(el, "link") != 0 || s->n == DISCOVER_MAX_RAW)
		return;
	const char *rel = attr(atts, "rel"), *type = attr(atts, "type");
	const char *href = attr(atts, "href"), *title = attr(atts, "title");
	int t = type ? link_type(type) : -1;
	if (!rel || !href || t < 0 || !rel_alternate(rel))
		return;
	/* WordPress announces its REST API as application/json. */
	if (t == DISCOVER_JSONFEED && strstr(href, "wp-json"))
		return;
	struct raw_link *l = &s->raw[s->n];
	if (!(l->href = dup_trimmed(href, &s->oom)))
		return;
	l->title = title ? clean_title(title, &s->oom) : NULL;
	l->type = (enum discover_type)t;
	s->n++;
}

/* libxml2's messages about bad markup: every page has some. */
static void on_html_error(void *ctx, xmlErrorPtr e)
{
	(void)ctx;
	(void)e;
}

/* The charset parameter of a Content-Type, into BUF; NULL when none. */
static const char *ctype_charset(const char *ct, char *buf, size_t len)
{
	const char *p = ct ? strchr(ct, ';') : NULL;
	while (p) {
		p++;
		while (is_space(*p))
			p++;
		if (strncasecmp(p, "charset=", 8) == 0) {
			p += 8;
			if (*p == '"')
				p++;
			size_t n = strcspn(p, "\"; \t");
			if (!n || n >= len)
				return NULL;
			memcpy(buf, p, n);
			buf[n] = '\0';
			return buf;
		}
		p = strchr(p, ';');
	}
	return NULL;
}

static void scan_page(struct scan *s, const char *page, size_t len, const char *ctype)
{
	htmlSAXHandler sax;
	memset(&sax, 0, sizeof sax);
	sax.startElement = on_html_start;
	sax.serror = on_html_error;
	sax.initialized = XML_SAX2_MAGIC;   /* so that serror is used */
	htmlParserCtxtPtr ctxt = htmlCreateMemoryParserCtxt(page, (int)len);
	if (!ctxt) {
		s->oom = true;
		return;
	}
	/* The context's handler is its own copy: ours replaces it. */
	memcpy(ctxt->sax, &sax, sizeof sax);
	ctxt->userData = s;
	htmlCtxtUseOptions(ctxt, HTML_PARSE_NONET | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING |
				 HTML_PARSE_RECOVER);
	char cs[64];
	const char *charset = ctype_charset(ctype, cs, sizeof cs);
	xmlCharEncodingHandlerPtr h = charset ? xmlFindCharEncodingHandler(charset) : NULL;
	if (h)
		xmlSwitchToEncoding(ctxt, h);
	htmlParseDocument(ctxt);
	/* A handler with no document callbacks builds nothing; a partial
	 * tree, if any, is freed here. */
	if (ctxt->myDoc)
		xmlFreeDoc(ctxt->myDoc);
	ctxt->myDoc = NULL;
	htmlFreeParserCtxt(ctxt);
}

static bool is_file_url(const char *u)
{
	return u && strncasecmp(u, "file:", 5) == 0;
}

/* Resolves, filters and de-duplicates what the scan gathered into OUT. */
static int collect(struct scan *s, const char *page_url, struct discover_list *out)
{
	char *base = s->base ? url_resolve(page_url, s->base) : NULL;
	const char *against = base ? base : page_url;
	int r = 0;
	if (s->base && !base)
		r = -ENOMEM;
	out->v = s->n && !r ? calloc(s->n < DISCOVER_MAX_LINKS ? s->n : DISCOVER_MAX_LINKS,
				     sizeof *out->v) : NULL;
	if (s->n && !out->v)
		r = -ENOMEM;
	for (size_t i = 0; !r && i < s->n && out->n < DISCOVER_MAX_LINKS; i++) {
		char *u = url_resolve(against, s->raw[i].href);
		if (!u) {
			r = -ENOMEM;
			break;
		}
		bool ok = url_is_http(u) || (is_file_url(page_url) && is_file_url(u));
		for (size_t k = 0; ok && k < out->n; k++)
			ok = strcmp(out->v[k].url, u) != 0;
		if (!ok) {
			free(u);
			continue;
		}
		struct discover_link *l = &out->v[out->n++];
		l->url = u;
		l->title = s->raw[i].title;
		l->type = s->raw[i].type;
		s->raw[i].title = NULL;
	}
	free(base);
	return r;
}

int discover_links(const char *page, size_t len, const char *page_url,
		   const char *content_type, struct discover_list *out)
{
	memset(out, 0, sizeof *out);
	if (len > DISCOVER_MAX_PAGE)
		len = DISCOVER_MAX_PAGE;
	struct scan *s = calloc(1, sizeof *s);
	if (!s)
		return -ENOMEM;
	int r = 0;
	if (len)
		scan_page(s, page, len, content_type);
	if (s->oom)
		r = -ENOMEM;
	else
		r = collect(s, page_url, out);
	for (size_t i = 0; i < s->n; i++) {
		free(s->raw[i].href);
		free(s->raw[i].title);
	}
	free(s->base);
	free(s);
	if (r < 0)
		discover_list_free(out);
	return r;
}

void discover_list_free(struct discover_list *l)
{
	for (size_t i = 0; l && i < l->n; i++) {
		free(l->v[i].url);
		free(l->v[i].title);
	}
	if (l) {
		free(l->v);
		l->v = NULL;
		l->n = 0;
	}
}
