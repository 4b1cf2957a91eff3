/* parse_xml.c — RSS 0.9x/2.0, RSS 1.0 (RDF) and Atom 0.3/1.0 as libxml2
 * SAX2 push callbacks over one small per-document state.
 *
 * Elements are classified once by namespace (the RSS/Atom core, or a known
 * extension) and local name into enum el; what an element means then
 * depends only on where it is (feed, item, skipped subtree). Text of the
 * element being read is captured into one bounded buffer; markup inside an
 * HTML/XHTML element is serialised back into that buffer. */
#include "core/parse_int.h"
#include "core/utf8.h"

#include <ctype.h>
#include <errno.h>
#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/xmlerror.h>
#include <stdlib.h>
#include <string.h>

#include "core/date.h"
#include "core/url.h"

#define XML_MAX_DEPTH 200
#define MAX_ENTITIES 256   /* distinct undeclared HTML entities per document */

enum ns {
	NS_CORE,        /* no namespace, RSS 0.9/1.0/2.0, Atom 0.3/1.0, unknown default */
	NS_DC, NS_DCTERMS, NS_CONTENT, NS_MEDIA, NS_ITUNES, NS_SY, NS_RDF,
	NS_XHTML, NS_SLASH, NS_WFW, NS_XML,
	NS_OTHER,       /* an extension we do not read */
};

static const struct { const char *uri; enum ns ns; } ns_uris[] = {
	{"http://purl.org/rss/1.0/", NS_CORE},
	{"http://my.netscape.com/rdf/simple/0.9/", NS_CORE},
	{"http://backend.userland.com/rss2", NS_CORE},
	{"http://backend.userland.com/rss", NS_CORE},
	{"http://blogs.law.harvard.edu/tech/rss", NS_CORE},
	{"http://www.w3.org/2005/atom", NS_CORE},
	{"http://purl.org/atom/ns#", NS_CORE},
	{"http://purl.org/dc/elements/1.1/", NS_DC},
	{"http://purl.org/dc/elements/1.0/", NS_DC},
	{"http://purl.org/dc/terms/", NS_DCTERMS},
	{"http://purl.org/rss/1.0/modules/content/", NS_CONTENT},
	{"http://search.yahoo.com/mrss/", NS_MEDIA},
	{"http://search.yahoo.com/mrss", NS_MEDIA},
	{"http://www.itunes.com/dtds/podcast-1.0.dtd", NS_ITUNES},
	{"http://example.com/dtds/podcast-1.0.dtd", NS_ITUNES},
	{"http://purl.org/rss/1.0/modules/syndication/", NS_SY},
	{"http://www.w3.org/1999/02/22-rdf-syntax-ns#", NS_RDF},
	{"http://www.w3.org/1999/xhtml", NS_XHTML},
	{"http://purl.org/rss/1.0/modules/slash/", NS_SLASH},
	{"http://wellformedweb.org/commentapi/", NS_WFW},
	{"http://www.w3.org/xml/1998/namespace", NS_XML},
};

/* Prefixes used without a declaration (ill-formed but common). */
static const struct { const char *prefix; enum ns ns; } ns_prefixes[] = {
	{"dc", NS_DC}, {"dcterms", NS_DCTERMS}, {"content", NS_CONTENT},
	{"media", NS_MEDIA}, {"itunes", NS_ITUNES}, {"sy", NS_SY}, {"rdf", NS_RDF},
	{"xhtml", NS_XHTML}, {"slash", NS_SLASH}, {"wfw", NS_WFW}, {"atom", NS_CORE},
	{"xml", NS_XML},
};

enum el {
	EL_UNKNOWN = 0,
	EL_RSS, EL_RDF, EL_FEED, EL_CHANNEL, EL_ITEM,
	EL_TITLE, EL_LINK, EL_DESCRIPTION, EL_SUBTITLE, EL_SUMMARY, EL_CONTENT,
	EL_CONTENT_ENCODED, EL_XHTML_BODY, EL_ITUNES_SUMMARY, EL_MEDIA_DESCRIPTION,
	EL_DC_DESCRIPTION, EL_DC_TITLE, EL_MEDIA_TITLE, EL_ITUNES_SUBTITLE,
	EL_GUID, EL_ID,
	EL_PUBLISHED, EL_UPDATED, EL_FEED_UPDATED,
	EL_AUTHOR, EL_CONTRIBUTOR, EL_DC_CREATOR, EL_ITUNES_AUTHOR, EL_NAME, EL_EMAIL,
	EL_CATEGORY, EL_DC_SUBJECT, EL_ITUNES_KEYWORDS, EL_ITUNES_CATEGORY,
	EL_MEDIA_CATEGORY, EL_ENCLOSURE,
	EL_LANGUAGE, EL_TTL, EL_SKIPHOURS, EL_HOUR, EL_SKIPDAYS, EL_DAY,
	EL_SY_PERIOD, EL_SY_FREQ,
	EL_SKIP,        /* image, textInput, source, ...: nothing inside is ours */
	EL__COUNT
};

struct el_name { enum ns ns; const char *name; enum el el; };

/* Tag -> meaning, by namespace. */
static const struct el_name el_names[] = {
	{NS_CORE, "rss", EL_RSS}, {NS_RDF, "RDF", EL_RDF}, {NS_CORE, "feed", EL_FEED},
	{NS_CORE, "channel", EL_CHANNEL}, {NS_CORE, "item", EL_ITEM}, {NS_CORE, "entry", EL_ITEM},
	{NS_CORE, "title", EL_TITLE}, {NS_CORE, "link", EL_LINK},
	{NS_CORE, "description", EL_DESCRIPTION}, {NS_CORE, "subtitle", EL_SUBTITLE},
	{NS_CORE, "tagline", EL_SUBTITLE}, {NS_CORE, "summary", EL_SUMMARY},
	{NS_CORE, "content", EL_CONTENT}, {NS_CONTENT, "encoded", EL_CONTENT_ENCODED},
	{NS_XHTML, "body", EL_XHTML_BODY}, {NS_CORE, "body", EL_XHTML_BODY},
	{NS_ITUNES, "subtitle", EL_ITUNES_SUBTITLE}, {NS_ITUNES, "summary", EL_ITUNES_SUMMARY},
	{NS_MEDIA, "description", EL_MEDIA_DESCRIPTION}, {NS_DC, "description", EL_DC_DESCRIPTION},
	{NS_DC, "title", EL_DC_TITLE}, {NS_MEDIA, "title", EL_MEDIA_TITLE},
	{NS_CORE, "guid", EL_GUID}, {NS_CORE, "id", EL_ID},
	{NS_CORE, "pubDate", EL_PUBLISHED}, {NS_CORE, "published", EL_PUBLISHED},
	{NS_CORE, "issued", EL_PUBLISHED}, {NS_DCTERMS, "issued", EL_PUBLISHED},
	{NS_CORE, "updated", EL_UPDATED}, {NS_CORE, "modified", EL_UPDATED},
	{NS_DC, "date", EL_UPDATED}, {NS_DCTERMS, "modified", EL_UPDATED},
	{NS_CORE, "lastBuildDate", EL_FEED_UPDATED},
	{NS_CORE, "author", EL_AUTHOR}, {NS_CORE, "contributor", EL_CONTRIBUTOR},
	{NS_DC, "creator", EL_DC_CREATOR}, {NS_DC, "author", EL_DC_CREATOR},
	{NS_DC, "contributor", EL_CONTRIBUTOR}, {NS_CORE, "fullitem", EL_CONTENT_ENCODED},
	{NS_ITUNES, "author", EL_ITUNES_AUTHOR},
	{NS_CORE, "name", EL_NAME}, {NS_CORE, "email", EL_EMAIL},
	{NS_CORE, "category", EL_CATEGORY}, {NS_DC, "subject", EL_DC_SUBJECT},
	{NS_ITUNES, "keywords", EL_ITUNES_KEYWORDS}, {NS_ITUNES, "category", EL_ITUNES_CATEGORY},
	{NS_CORE, "tags", EL_ITUNES_KEYWORDS},
	{NS_MEDIA, "category", EL_MEDIA_CATEGORY}, {NS_CORE, "enclosure", EL_ENCLOSURE},
	{NS_CORE, "language", EL_LANGUAGE}, {NS_DC, "language", EL_LANGUAGE},
	{NS_CORE, "ttl", EL_TTL}, {NS_CORE, "skipHours", EL_SKIPHOURS},
	{NS_CORE, "hour", EL_HOUR}, {NS_CORE, "skipDays", EL_SKIPDAYS}, {NS_CORE, "day", EL_DAY},
	{NS_SY, "updatePeriod", EL_SY_PERIOD}, {NS_SY, "updateFrequency", EL_SY_FREQ},
	{NS_CORE, "image", EL_SKIP}, {NS_CORE, "textInput", EL_SKIP},
	{NS_CORE, "textinput", EL_SKIP}, {NS_CORE, "source", EL_SKIP},
	{NS_CORE, "author_detail", EL_SKIP},
};

/* How a captured value is written. */
enum ctype { CT_TEXT, CT_HTML, CT_XHTML };

/* Where a captured value goes. */
enum target {
	T_NONE, T_TITLE, T_LINK, T_DESC, T_SUMMARY, T_CONTENT, T_GUID, T_PUBLISHED,
	T_UPDATED, T_AUTHOR, T_NAME, T_EMAIL, T_CATEGORY, T_KEYWORDS, T_LANGUAGE,
	T_TTL, T_HOUR, T_DAY, T_SY_PERIOD, T_SY_FREQ, T_ENCLOSURE,
};

struct frame {
	char *base;             /* xml:base in effect (owned when own_base) */
	bool own_base;
	const xmlChar *uri;     /* the element's namespace, for serialising */
	const xmlChar *name;    /* local name (libxml2's dictionary) */
	enum el el;
	bool stripped;          /* the xhtml wrapper <div>, not serialised */
};

/* Field priorities (lower wins; 0 = unset). */
struct item_prio { int title, url, summary, content, author, guid; };
struct feed_prio { int title, link, desc, lang, updated; };

struct capture {
	bool on;
	int depth;
	enum target tgt;
	int prio;
	enum ctype type;
	bool base64;
	bool media_type;        /* typed as neither text, HTML nor XHTML (image/png, text/css) */
	bool strip_div;         /* Atom 1.0 type="xhtml": the wrapper div is not content */
	bool truncated;
	struct sbuf buf;
	const char *base;       /* the captured element's xml:base */
};

/* One remembered element meaning. libxml2's dictionary gives each distinct
 * name, prefix and namespace one pointer for the parser's life, so the
 * three pointers are a key (only strings it owns are remembered). */
#define EL_CACHE 256
struct el_slot {
	const xmlChar *name, *prefix, *uri;
	enum el el;
};

struct xml_state {
	struct parse_out *o;
	struct el_slot elc[EL_CACHE];
	xmlParserCtxtPtr ctxt;
	int depth;
	struct frame frames[XML_MAX_DEPTH + 2];
	bool root_seen;
	int skip_depth;         /* > 0: inside a subtree we ignore */
	struct item *item;      /* the item being read, or NULL */
	int item_depth;
	bool item_dropped;      /* over the items cap: read, not kept */
	struct item dropped;
	struct item_prio ip;
	struct feed_prio fp;
	int author_depth;       /* inside an atom:author (0 = no) */
	char *author_name, *author_email;
	bool guid_perma;        /* the RSS guid may be the item URL */
	char *guid_url;         /* that guid resolved as a URL, for the item URL */
	bool guid_atom;         /* it is an Atom id (an IRI by RFC 4287), not an RSS guid */
	bool has_content;       /* a content element has started in this item */
	char *enc_type, *enc_len; /* a <link rel="enclosure"> whose address is its text */
	int sum_depth;          /* depth of the element the summary came from (0: none, or a copy) */
	struct capture cap;
	xmlEntityPtr ents[MAX_ENTITIES];
	size_t nents;
	unsigned nerrors;
	char mismatch[64];      /* the end tag libxml2 saw when it did not match */
	bool has_mismatch;
	bool channel_closed;    /* RSS: </channel> was read, so every item was */
};

/* ---- small helpers ------------------------------------------------------ */

static enum ns classify_ns(const xmlChar *prefix, const xmlChar *uri)
{
	if (!uri) {
		if (!prefix)
			return NS_CORE;
		for (size_t i = 0; i < sizeof ns_prefixes / sizeof ns_prefixes[0]; i++)
			if (strcasecmp((const char *)prefix, ns_prefixes[i].prefix) == 0)
				return ns_prefixes[i].ns;
		return NS_OTHER;
	}
	/* Called for every element and namespaced attribute: compare the
	 * lengths before the strings. */
	static size_t lens[sizeof ns_uris / sizeof ns_uris[0]];
	if (!lens[0])
		for (size_t i = 0; i < sizeof ns_uris / sizeof ns_uris[0]; i++)
			lens[i] = strlen(ns_uris[i].uri);
	size_t n = strlen((const char *)uri);
	for (size_t i = 0; i < sizeof ns_uris / sizeof ns_uris[0]; i++)
		if (lens[i] == n && strcasecmp((const char *)uri, ns_uris[i].uri) == 0)
			return ns_uris[i].ns;
	if (!*uri)
		return NS_CORE;
	/* An unknown default namespace: read its elements by name, as a
	 * tolerant reader would. */
	return prefix ? NS_OTHER : NS_CORE;
}

static enum el classify(enum ns ns, const char *name)
{
	for (size_t i = 0; i < sizeof el_names / sizeof el_names[0]; i++)
		if (el_names[i].ns == ns && el_names[i].name[0] == name[0] &&
		    strcmp(el_names[i].name, name) == 0)
			return el_names[i].el;
	/* Case-insensitive second chance (pubdate, lastbuilddate, ...). */
	int c0 = tolower((unsigned char)name[0]);
	for (size_t i = 0; i < sizeof el_names / sizeof el_names[0]; i++)
		if (el_names[i].ns == ns && tolower((unsigned char)el_names[i].name[0]) == c0 &&
		    strcasecmp(el_names[i].name, name) == 0)
			return el_names[i].el;
	return EL_UNKNOWN;
}

/* classify_ns + classify, remembered by the dictionary's pointers: a
 * document has a few dozen distinct elements and thousands of elements. */
static enum el classify_el(struct xml_state *x, const xmlChar *name, const xmlChar *prefix,
			   const xmlChar *uri)
{
	uint64_t h = (uint64_t)(uintptr_t)name ^ ((uint64_t)(uintptr_t)prefix << 1) ^
		     ((uint64_t)(uintptr_t)uri << 2);
	struct el_slot *s = &x->elc[(h * 0x9E3779B97F4A7C15u) >> 56];
	if (s->name == name && s->prefix == prefix && s->uri == uri)
		return s->el;
	enum ns ns = classify_ns(prefix, uri);
	enum el el = ns == NS_OTHER ? EL_UNKNOWN : classify(ns, (const char *)name);
	xmlDictPtr d = x->ctxt->dict;
	if (d && xmlDictOwns(d, name) == 1 && (!prefix || xmlDictOwns(d, prefix) == 1) &&
	    (!uri || xmlDictOwns(d, uri) == 1))
		*s = (struct el_slot){name, prefix, uri, el};
	return el;
}

/* libxml2 without entity substitution writes "&" in attribute values as
 * "&#38;"; undo that. */
static char *amp_fix(char *s)
{
	if (!s || !strstr(s, "&#38;"))
		return s;
	char *o = s;
	for (const char *p = s; *p;) {
		if (!strncmp(p, "&#38;", 5)) {
			*o++ = '&';
			p += 5;
		} else {
			*o++ = *p++;
		}
	}
	*o = '\0';
	return s;
}

/* An attribute's value (a new string) by local name and namespace class. */
static char *attr_get(int nattr, const xmlChar **attrs, const char *name, enum ns ns)
{
	for (int i = 0; i < nattr; i++) {
		const xmlChar **a = attrs + i * 5;
		if (strcmp((const char *)a[0], name) != 0)
			continue;
		enum ns ans = a[2] ? classify_ns(a[1], a[2]) : NS_CORE;
		if (ans != ns && !(ns == NS_CORE && ans == NS_OTHER))
			continue;
		return amp_fix(strndup((const char *)a[3], (size_t)(a[4] - a[3])));
	}
	return NULL;
}

/* S without surrounding whitespace, in place (NULL when nothing is left). */
static char *trimmed(char *s)
{
	if (!s)
		return NULL;
	size_t n = strlen(s), lead = 0;
	/* The same whitespace as text_trim_dup. */
	static const bool ws[256] = {[' '] = 1, ['\t'] = 1, ['\n'] = 1, ['\r'] = 1, ['\f'] = 1, ['\v'] = 1};
	while (lead < n && ws[(unsigned char)s[lead]])
		lead++;
	while (n > lead && ws[(unsigned char)s[n - 1]])
		n--;
	if (n == lead) {
		free(s);
		return NULL;
	}
	if (lead)
		memmove(s, s + lead, n - lead);
	s[n - lead] = '\0';
	return s;
}

static const char *cur_base(struct xml_state *x)
{
	return x->depth > 0 ? x->frames[x->depth].base : x->o->base;
}

/* Sets *DST to VAL (taking it) if PRIO is at least as good as *SLOT. */
static void set_str(char **dst, int *slot, int prio, char *val)
{
	if (!val)
		return;
	if (*slot && prio > *slot) {
		free(val);
		return;
	}
	free(*dst);
	*dst = val;
	*slot = prio;
}

static bool push_str(char ***arr, size_t *n, char *val)
{
	if (!val)
		return false;
	for (size_t i = 0; i < *n; i++)
		if (strcmp((*arr)[i], val) == 0) {
			free(val);
			return false;
		}
	char **na = realloc(*arr, (*n + 1) * sizeof *na);
	if (!na) {
		free(val);
		return false;
	}
	na[(*n)++] = val;
	*arr = na;
	return true;
}

static void add_enclosure(struct item *it, char *url, char *type, char *len)
{
	if (!url || !*url) {
		free(url);
		free(type);
		free(len);
		return;
	}
	for (size_t i = 0; i < it->nenclosures; i++)
		if (strcmp(it->enclosures[i].url, url) == 0) {
			free(url);
			free(type);
			free(len);
			return;
		}
	struct enclosure *n = realloc(it->enclosures, (it->nenclosures + 1) * sizeof *n);
	if (!n) {
		free(url);
		free(type);
		free(len);
		return;
	}
	it->enclosures = n;
	struct enclosure *e = &n[it->nenclosures++];
	e->url = url;
	e->type = trimmed(type);
	e->length = -1;
	if (len) {
		char *end;
		long long v = strtoll(len, &end, 10);
		if (end != len && v >= 0)
			e->length = v;
		free(len);
	}
}

/* ---- captured values ----------------------------------------------------- */

/* The type of a text construct from its type/mode attributes. */
static enum ctype construct_type(struct xml_state *x, int nattr, const xmlChar **attrs,
				 enum ctype dflt, bool *base64, bool *media)
{
	char *type = attr_get(nattr, attrs, "type", NS_CORE);
	char *mode = attr_get(nattr, attrs, "mode", NS_CORE);
	enum ctype t = dflt;
	*base64 = false;
	*media = false;
	if (type) {
		for (char *c = type; *c; c++)
			*c = (char)tolower((unsigned char)*c);
		char *sc = strchr(type, ';');
		if (sc)
			*sc = '\0';
		char *tt = text_trim_dup(type, strlen(type));
		const char *ty = tt ? tt : "";
		if (!strcmp(ty, "text") || !strcmp(ty, "text/plain"))
			t = CT_TEXT;
		else if (!strcmp(ty, "html") || !strcmp(ty, "text/html"))
			t = CT_HTML;
		else if (!strcmp(ty, "xhtml") || !strcmp(ty, "application/xhtml+xml"))
			t = CT_XHTML;
		else if (!strncmp(ty, "text/", 5)) {
			t = CT_TEXT;
			*media = true;
		} else if (strstr(ty, "xml")) {
			t = CT_XHTML;
			*media = true;
		} else if (*ty) {
			*media = true;
			/* Atom 1.0: any other media type is base64. */
			t = CT_TEXT;
			*base64 = x->o->doc->format == DOC_ATOM10;
		}
		free(tt);
	}
	if (mode) {
		if (!strcmp(mode, "base64"))
			*base64 = true;
		else if (!strcmp(mode, "escaped") && t == CT_XHTML)
			t = CT_HTML;
		else if (!strcmp(mode, "xml") && t == CT_HTML)
			t = CT_XHTML;
	}
	free(type);
	free(mode);
	return t;
}

static void start_capture(struct xml_state *x, enum target tgt, int prio, enum ctype type,
			  bool base64)
{
	struct capture *c = &x->cap;
	c->on = true;
	c->depth = x->depth;
	c->tgt = tgt;
	c->prio = prio;
	c->type = type;
	c->base64 = base64;
	c->media_type = false;
	c->strip_div = false;
	c->truncated = false;
	c->base = cur_base(x);
	sbuf_reset(&c->buf);
}

/* A text construct: its type from the attributes, DFLT when absent. */
static void start_construct(struct xml_state *x, enum target tgt, int prio, enum ctype dflt,
			    int nattr, const xmlChar **attrs)
{
	bool b64, media;
	enum ctype t = construct_type(x, nattr, attrs, dflt, &b64, &media);
	start_capture(x, tgt, prio, t, b64);
	x->cap.media_type = media;
	x->cap.strip_div = t == CT_XHTML && x->o->doc->format == DOC_ATOM10;
}

static void cap_add(struct xml_state *x, const char *s, size_t n)
{
	struct capture *c = &x->cap;
	if (c->truncated)
		return;
	if (!sbuf_add(&c->buf, s, n, x->o->lim.max_field)) {
		c->truncated = true;
		if (!x->o->doc->truncated)
			parse_warn(x->o, "a field longer than %zu bytes was truncated",
				   x->o->lim.max_field);
		const char *el = (const char *)x->frames[c->depth].name;
		size_t item = x->o->cur_item;
		if (item)
			parse_cap(x->o, DOC_CAP_FIELD, item, "<%s> of item %zu cut at %zu bytes", el,
				  item, x->o->lim.max_field);
		else
			parse_cap(x->o, DOC_CAP_FIELD, 0, "the feed's <%s> cut at %zu bytes", el,
				  x->o->lim.max_field);
	}
}

static void cap_add_escaped(struct xml_state *x, const char *s, size_t n, bool attr)
{
	size_t start = 0, i;
	while ((i = start + bytes_find_any(s + start, n - start, "&<>\"", attr ? 4 : 3)) < n) {
		static const char *const rep[] = {"&amp;", "&lt;", "&gt;", "&quot;"};
		int e = s[i] == '&' ? 0 : s[i] == '<' ? 1 : s[i] == '>' ? 2 : 3;
		cap_add(x, s + start, i - start);
		cap_add(x, rep[e], strlen(rep[e]));
		start = i + 1;
	}
	cap_add(x, s + start, n - start);
}

/* The captured text as a plain string (titles, names, categories). */
static char *value_plain(struct capture *c, char *raw)
{
	if (c->type != CT_TEXT) {
		char *p = text_html_to_plain(raw);
		free(raw);
		raw = p;
	}
	return trimmed(raw);
}

/* The captured text as HTML, relative URLs resolved. */
static char *value_html(struct capture *c, char *raw)
{
	/* Text constructs are passed on as they are (feedparser does so,
	 * and text rarely holds anything that reads as markup). */
	char *h = trimmed(raw);
	if (h && c->base && strchr(h, '<'))
		h = text_html_resolve_take(h, c->base);
	if (h && c->type == CT_HTML)
		h = text_html_unselfclose(h);
	return h;
}

static int64_t value_date(const char *s)
{
	int64_t t;
	return s && date_parse(s, &t) == 0 ? t : DATE_NONE;
}

static void set_hint(struct xml_state *x, enum target tgt, const char *v)
{
	struct feed_hints *h = &x->o->doc->feed.hints;
	if (!v)
		return;
	if (tgt == T_TTL) {
		long m = strtol(v, NULL, 10);
		if (m > 0 && m < 1000000)
			h->ttl = (int64_t)m * 60;
	} else if (tgt == T_HOUR) {
		char *end;
		long hr = strtol(v, &end, 10);
		if (end != v && hr >= 0 && hr <= 24)
			h->skip_hours |= 1u << (hr % 24);
	} else if (tgt == T_DAY) {
		static const char *const days[] = {"sunday", "monday", "tuesday", "wednesday",
						   "thursday", "friday", "saturday"};
		for (int d = 0; d < 7; d++)
			if (strncasecmp(v, days[d], 3) == 0)
				h->skip_days |= (uint8_t)(1u << d);
	} else if (tgt == T_SY_PERIOD) {
		static const struct { const char *n; int64_t s; } per[] = {
			{"hourly", 3600}, {"daily", 86400}, {"weekly", 7 * 86400},
			{"monthly", 30 * 86400}, {"yearly", 365 * 86400},
		};
		int64_t freq = h->sy_period ? 0 : 1;
		for (size_t i = 0; i < sizeof per / sizeof per[0]; i++)
			if (strcasecmp(v, per[i].n) == 0)
				h->sy_period = per[i].s * (freq ? 1 : 1);
	} else if (tgt == T_SY_FREQ) {
		long f = strtol(v, NULL, 10);
		if (f > 1 && f < 100000) {
			if (!h->sy_period)
				h->sy_period = 86400;   /* the module's default period */
			h->sy_period /= f;
		}
	}
}

/* C1 controls (U+0080..U+009F) in text are windows-1252 bytes that went
 * through a Latin-1 decoder ("don&#146;t"): give them their meaning. The
 * replacement is never longer than... it is (2 -> 3 bytes), so rebuild. */
static void c1_fix_into(char **s)
{
	static const uint16_t hi[32] = {
		0x20AC, 0, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
		0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0, 0x017D, 0,
		0, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
		0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0, 0x017E, 0x0178,
	};
	struct sbuf b = {0};
	for (const unsigned char *p = (const unsigned char *)*s; *p; p++) {
		if (p[0] == 0xC2 && p[1] >= 0x80 && p[1] <= 0x9F && hi[p[1] - 0x80]) {
			char u[4];
			sbuf_add(&b, u, text_utf8_put(hi[p[1] - 0x80], u), SIZE_MAX);
			p++;
		} else {
			sbuf_addc(&b, (char)*p, SIZE_MAX);
		}
	}
	free(*s);
	*s = b.s ? b.s : strdup("");
}

#define c1_to_cp1252(raw) do { if (strstr((raw), "\xC2")) c1_fix_into(&(raw)); } while (0)

/* An author that is an e-mail address and no name. */
static bool bare_address(const char *s)
{
	return strchr(s, '@') && !strpbrk(s, " \t");
}

/* An empty string as NULL (absent), which is how it is printed. */
static char *nonempty(char *s)
{
	if (s && !*s) {
		free(s);
		return NULL;
	}
	return s;
}

/* Applies the captured value to its target. */
static void end_capture(struct xml_state *x)
{
	struct capture *c = &x->cap;
	c->on = false;
	/* A copy of the exact size; the buffer stays for the next field. */
	char *raw = c->buf.len ? strndup(c->buf.s, c->buf.len) : NULL;
	sbuf_reset(&c->buf);
	if (!raw)
		raw = strdup("");
	if (c->base64) {
		char *d = text_base64_decode(raw);
		if (d) {
			free(raw);
			raw = d;
		}
	}
	c1_to_cp1252(raw);
	struct item *it = x->item;
	struct feed_info *f = &x->o->doc->feed;
	size_t len = strlen(raw);
	if (it) {
		x->o->item_bytes += len;
		if (x->o->item_bytes > x->o->lim.max_item) {
			free(raw);
			if (!x->o->doc->truncated)
				parse_warn(x->o, "an item larger than %zu bytes was truncated",
					   x->o->lim.max_item);
			parse_cap(x->o, DOC_CAP_ITEM, x->o->cur_item,
				  "item %zu over %zu bytes, its <%s> dropped", x->o->cur_item,
				  x->o->lim.max_item, (const char *)x->frames[c->depth].name);
			return;
		}
	}
	switch (c->tgt) {
	case T_TITLE:
		/* An HTML title keeps its markup (as feedparser does): the
		 * publisher said it is HTML, and stripping loses meaning. */
		if (c->type != CT_TEXT)
			raw = value_html(c, raw);
		if (it)
			set_str(&it->title, &x->ip.title, c->prio, trimmed(raw));
		else
			set_str(&f->title, &x->fp.title, c->prio, trimmed(raw));
		return;
	case T_LINK: {
		char *v = trimmed(raw);
		char *u = v ? url_resolve(c->base, v) : NULL;
		free(v);
		if (it)
			set_str(&it->url, &x->ip.url, c->prio, u);
		else
			set_str(&f->link, &x->fp.link, c->prio, u);
		return;
	}
	case T_DESC:
	case T_SUMMARY:
		if (!it) {
			set_str(&f->description, &x->fp.desc, c->prio, value_html(c, raw));
		} else if (x->ip.summary && !x->has_content) {
			/* feedparser's order, not a ranking: a summary-like
			 * element (description, atom:summary, itunes:summary,
			 * media:description, dc:description) after the item
			 * has a summary, and before any content element, is
			 * the item's content. */
			x->has_content = true;
			if (!x->ip.content) {
				it->content = nonempty(value_html(c, raw));
				x->ip.content = 1;
			} else {
				free(raw);
			}
		} else {
			/* Otherwise it is the summary: the last one wins, unless
			 * it is nested deeper than the one it would replace
			 * (media:group/media:description after description). */
			char *v = nonempty(value_html(c, raw));
			if (!x->sum_depth || c->depth <= x->sum_depth) {
				free(it->summary);
				it->summary = v;
				x->sum_depth = c->depth;
			} else {
				free(v);
			}
			x->ip.summary = 1;
		}
		return;
	case T_CONTENT:
		if (it) {
			/* The first content element is the content, even an
			 * empty one; HTML and text content is also the summary
			 * when there is none yet; content of another media
			 * type (image/png, text/css) is not. */
			bool copy = !c->media_type;
			char *v = nonempty(value_html(c, raw));
			if (copy && !x->ip.summary) {
				free(it->summary);
				it->summary = v ? strdup(v) : NULL;
				x->ip.summary = 1;
			}
			if (!x->ip.content) {
				free(it->content);
				it->content = v;
				x->ip.content = 1;
			} else {
				free(v);
			}
		} else {
			free(raw);
		}
		return;
	case T_GUID: {
		char *v = trimmed(raw);
		/* An RSS guid is the publisher's identifier, kept byte for
		 * byte (as sfeed keeps it: "g0-0" is no address); only the
		 * item URL taken from a permalink guid resolves like a URI.
		 * An Atom id must be an IRI: a relative one is resolved, as
		 * feedparser does. */
		char *g = v && x->guid_perma ? (c->base ? url_resolve(c->base, v) : NULL) : NULL;
		if (v && x->guid_perma && !g)
			g = strdup(v);
		if (it && x->guid_atom && g && strcmp(g, v) != 0) {
			free(v);
			v = strdup(g);
		}
		if (it) {
			free(x->guid_url);
			x->guid_url = g;
			set_str(&it->guid, &x->ip.guid, c->prio, v);
		} else if (g && !f->link) {
			f->link = g;    /* a feed id that is its address */
			free(v);
		} else {
			free(g);
			free(v);
		}
		return;
	}
	case T_PUBLISHED: {
		char *v = trimmed(raw);
		int64_t t = value_date(v);
		free(v);
		if (t == DATE_NONE)
			return;
		if (it)
			it->published = t;
		else if (!x->fp.updated || x->fp.updated >= 2) {
			f->updated = t;
			x->fp.updated = 2;
		}
		return;
	}
	case T_UPDATED: {
		char *v = trimmed(raw);
		int64_t t = value_date(v);
		free(v);
		if (t == DATE_NONE)
			return;
		if (it)
			it->updated = t;
		else {
			f->updated = t;
			x->fp.updated = 1;
		}
		return;
	}
	case T_AUTHOR:
		if (it && !x->author_depth) {
			char *v = value_plain(c, raw);
			char *n = text_author_name(v);
			free(v);
			/* feedparser keeps the details of the first author
			 * element (author, dc:creator, itunes:author alike) that
			 * has any; a bare address gives way to a later name. */
			if (x->ip.author && !(x->ip.author == 2 && n && !bare_address(n))) {
				free(n);
			} else if (n) {
				free(it->author);
				it->author = n;
				x->ip.author = bare_address(n) ? 2 : 1;
			}
		} else {
			free(raw);
		}
		return;
	case T_NAME:
		free(x->author_name);
		x->author_name = value_plain(c, raw);
		return;
	case T_EMAIL:
		free(x->author_email);
		x->author_email = value_plain(c, raw);
		return;
	case T_CATEGORY:
		if (it)
			push_str(&it->categories, &it->ncategories, value_plain(c, raw));
		else
			free(raw);
		return;
	case T_KEYWORDS:
		if (it) {
			char *v = value_plain(c, raw);
			for (char *save = NULL, *k = v ? strtok_r(v, ",", &save) : NULL; k;
			     k = strtok_r(NULL, ",", &save))
				push_str(&it->categories, &it->ncategories,
					 text_trim_dup(k, strlen(k)));
			free(v);
		} else {
			free(raw);
		}
		return;
	case T_LANGUAGE:
		if (!it)
			set_str(&f->language, &x->fp.lang, 1, trimmed(raw));
		else
			free(raw);
		return;
	case T_TTL: case T_HOUR: case T_DAY: case T_SY_PERIOD: case T_SY_FREQ: {
		char *v = trimmed(raw);
		if (!it)
			set_hint(x, c->tgt, v);
		free(v);
		return;
	}
	case T_ENCLOSURE: {
		char *v = trimmed(raw);
		char *url = v ? url_resolve(c->base, v) : NULL;
		free(v);
		if (it) {
			add_enclosure(it, url, x->enc_type, x->enc_len);
			x->enc_type = x->enc_len = NULL;
		} else {
			free(url);
		}
		return;
	}
	case T_NONE:
		break;
	}
	free(raw);
}

/* ---- elements ------------------------------------------------------------ */

static bool html_type_ok(const char *type)
{
	if (!type)
		return true;
	char *t = text_trim_dup(type, strlen(type));
	bool ok = !t || !strcasecmp(t, "text/html") || !strcasecmp(t, "application/xhtml+xml") ||
		  !strcasecmp(t, "html") || !strcasecmp(t, "xhtml");
	free(t);
	return ok;
}

/* <link href=...> (Atom, atom:link in RSS) or <link>text</link> (RSS). */
static void start_link(struct xml_state *x, int nattr, const xmlChar **attrs)
{
	char *href = attr_get(nattr, attrs, "href", NS_CORE);
	if (!href) {
		/* The address as text; feedparser gives it to the link the
		 * element declares, so an enclosure's is an enclosure. */
		char *rel = x->item ? trimmed(attr_get(nattr, attrs, "rel", NS_CORE)) : NULL;
		if (rel && !strcasecmp(rel, "enclosure")) {
			free(x->enc_type);
			free(x->enc_len);
			x->enc_type = attr_get(nattr, attrs, "type", NS_CORE);
			x->enc_len = attr_get(nattr, attrs, "length", NS_CORE);
			start_capture(x, T_ENCLOSURE, 1, CT_TEXT, false);
		} else {
			start_capture(x, T_LINK, 2, CT_TEXT, false);
		}
		free(rel);
		return;
	}
	char *rel = trimmed(attr_get(nattr, attrs, "rel", NS_CORE));
	char *type = attr_get(nattr, attrs, "type", NS_CORE);
	char *h = trimmed(href);
	char *url = url_resolve(cur_base(x), h ? h : "");
	free(h);
	const char *r = rel ? rel : "alternate";
	struct feed_info *f = &x->o->doc->feed;
	if (!strcasecmp(r, "alternate") || !strcasecmp(r, "http://www.iana.org/assignments/relation/alternate")) {
		int prio = html_type_ok(type) ? 1 : 3;
		if (x->item)
			set_str(&x->item->url, &x->ip.url, prio, url);
		else
			set_str(&f->link, &x->fp.link, prio, url);
		url = NULL;
	} else if (!strcasecmp(r, "enclosure")) {
		if (x->item) {
			add_enclosure(x->item, url, type, attr_get(nattr, attrs, "length", NS_CORE));
			url = type = NULL;
		}
	} else if (!strcasecmp(r, "self") && !x->item) {
		set_str(&f->self, &(int){0}, 1, url);
		url = NULL;
	} else if (!strcasecmp(r, "hub") && !x->item) {
		set_str(&f->hub, &(int){0}, 1, url);
		url = NULL;
	} else {
		/* related, via, license, ...: not the item's address. */
	}
	free(url);
	free(rel);
	free(type);
}

static void start_item(struct xml_state *x, int nattr, const xmlChar **attrs)
{
	x->item = parse_new_item(x->o);
	x->o->cur_item = x->item ? x->o->nitems : 0;
	if (!x->item) {
		/* Over the cap: read the element into a scratch item. */
		x->item_dropped = true;
		x->item = &x->dropped;
		memset(&x->dropped, 0, sizeof x->dropped);
		x->o->stop = true;
	}
	x->item_depth = x->depth;
	memset(&x->ip, 0, sizeof x->ip);
	x->guid_perma = false;
	free(x->guid_url);
	x->guid_url = NULL;
	x->has_content = false;
	x->sum_depth = 0;
	char *about = attr_get(nattr, attrs, "about", NS_RDF);
	if (about)
		set_str(&x->item->guid, &x->ip.guid, 3, trimmed(about));
}

static void end_item(struct xml_state *x)
{
	struct item *it = x->item;
	if (x->guid_perma && it->guid && !it->url && x->ip.guid == 1) {
		it->url = x->guid_url;
		x->guid_url = NULL;
	}
	free(x->guid_url);
	x->guid_url = NULL;
	if (!x->item_dropped) {
		parse_cap_item_done(x->o, x->o->cur_item, it);
		parse_item_done(x->o, it);
	}
	x->o->cur_item = 0;
	if (x->item_dropped)
		item_clear(&x->dropped);
	x->item = NULL;
	x->item_dropped = false;
}

static void start_root(struct xml_state *x, enum el el, const char *name, const xmlChar *uri,
		       int nattr, const xmlChar **attrs)
{
	struct doc *d = x->o->doc;
	x->root_seen = true;
	switch (el) {
	case EL_RSS:
	case EL_CHANNEL:
		d->format = DOC_RSS;
		break;
	case EL_RDF:
		d->format = DOC_RDF;
		break;
	case EL_FEED: {
		char *v = attr_get(nattr, attrs, "version", NS_CORE);
		bool a03 = (uri && !strcasecmp((const char *)uri, "http://purl.org/atom/ns#")) ||
			   (v && !strcmp(v, "0.3"));
		d->format = a03 ? DOC_ATOM03 : DOC_ATOM10;
		free(v);
		break;
	}
	default:
		parse_fail(x->o, -EINVAL, "not a feed: <%s> root", name);
		xmlStopParser(x->ctxt);
		return;
	}
}

/* What a recognised element starts. */
static void start_el(struct xml_state *x, enum el el, int nattr, const xmlChar **attrs)
{
	bool atom = x->o->doc->format == DOC_ATOM03 || x->o->doc->format == DOC_ATOM10;
	struct item *it = x->item;
	switch (el) {
	case EL_ITEM:
		if (!it)
			start_item(x, nattr, attrs);
		return;
	case EL_TITLE:
		start_construct(x, T_TITLE, 1, CT_TEXT, nattr, attrs);
		return;
	case EL_DC_TITLE:
		start_capture(x, T_TITLE, 2, CT_TEXT, false);
		return;
	case EL_MEDIA_TITLE:
		start_capture(x, T_TITLE, 3, CT_TEXT, false);
		return;
	case EL_LINK:
		start_link(x, nattr, attrs);
		return;
	case EL_DESCRIPTION:
		start_construct(x, T_DESC, 1, CT_HTML, nattr, attrs);
		return;
	case EL_SUBTITLE:
		start_construct(x, it ? T_NONE : T_DESC, 1, CT_TEXT, nattr, attrs);
		return;
	case EL_SUMMARY:
		start_construct(x, it ? T_SUMMARY : T_DESC, 1, atom ? CT_TEXT : CT_HTML, nattr, attrs);
		return;
	case EL_DC_DESCRIPTION:
		start_capture(x, T_DESC, 2, CT_HTML, false);
		return;
	case EL_ITUNES_SUMMARY:
		start_capture(x, T_DESC, 3, CT_HTML, false);
		return;
	case EL_ITUNES_SUBTITLE:
		/* The podcast's tagline: the feed's description at worst. */
		if (!it)
			start_capture(x, T_DESC, 5, CT_TEXT, false);
		return;
	case EL_MEDIA_DESCRIPTION:
		start_capture(x, T_DESC, 4, CT_TEXT, false);
		return;
	case EL_CONTENT:
		x->has_content = true;
		start_construct(x, T_CONTENT, 1, CT_TEXT, nattr, attrs);
		return;
	case EL_CONTENT_ENCODED:
		x->has_content = true;
		start_capture(x, T_CONTENT, 1, CT_HTML, false);
		return;
	case EL_XHTML_BODY:
		start_capture(x, T_CONTENT, 2, CT_XHTML, false);
		x->cap.depth = x->depth;
		return;
	case EL_GUID:
	case EL_ID:
		{
			char *pl = attr_get(nattr, attrs, "isPermaLink", NS_CORE);
			x->guid_perma = !pl || strcasecmp(pl, "false") != 0;
			x->guid_atom = el == EL_ID;
			free(pl);
		}
		start_capture(x, T_GUID, 1, CT_TEXT, false);
		return;
	case EL_PUBLISHED:
		start_capture(x, T_PUBLISHED, 1, CT_TEXT, false);
		return;
	case EL_UPDATED:
	case EL_FEED_UPDATED:
		start_capture(x, T_UPDATED, 1, CT_TEXT, false);
		return;
	case EL_AUTHOR:
		if (atom) {
			x->author_depth = x->depth;
			free(x->author_name);
			free(x->author_email);
			x->author_name = x->author_email = NULL;
		} else {
			start_capture(x, T_AUTHOR, 1, CT_TEXT, false);
		}
		return;
	case EL_CONTRIBUTOR:
		x->skip_depth = x->depth;
		return;
	case EL_DC_CREATOR:
		start_capture(x, T_AUTHOR, 2, CT_TEXT, false);
		return;
	case EL_ITUNES_AUTHOR:
		start_capture(x, T_AUTHOR, 3, CT_TEXT, false);
		return;
	case EL_NAME:
		if (x->author_depth)
			start_capture(x, T_NAME, 1, CT_TEXT, false);
		return;
	case EL_EMAIL:
		if (x->author_depth)
			start_capture(x, T_EMAIL, 1, CT_TEXT, false);
		return;
	case EL_CATEGORY: {
		char *term = attr_get(nattr, attrs, "term", NS_CORE);
		if (term) {
			if (it)
				push_str(&it->categories, &it->ncategories, trimmed(term));
			else
				free(term);
			return;
		}
		start_capture(x, T_CATEGORY, 1, CT_TEXT, false);
		return;
	}
	case EL_DC_SUBJECT:
	case EL_MEDIA_CATEGORY:
		start_capture(x, T_CATEGORY, 1, CT_TEXT, false);
		return;
	case EL_ITUNES_KEYWORDS:
		start_capture(x, T_KEYWORDS, 1, CT_TEXT, false);
		return;
	case EL_ITUNES_CATEGORY:
		if (it)
			push_str(&it->categories, &it->ncategories,
				 trimmed(attr_get(nattr, attrs, "text", NS_CORE)));
		return;
	case EL_ENCLOSURE:
		if (it) {
			char *u = trimmed(attr_get(nattr, attrs, "url", NS_CORE));
			if (!u)
				u = trimmed(attr_get(nattr, attrs, "href", NS_CORE));
			char *ru = u ? url_resolve(cur_base(x), u) : NULL;
			free(u);
			add_enclosure(it, ru, attr_get(nattr, attrs, "type", NS_CORE),
				      attr_get(nattr, attrs, "length", NS_CORE));
		}
		return;
	case EL_LANGUAGE:
		start_capture(x, T_LANGUAGE, 1, CT_TEXT, false);
		return;
	case EL_TTL:
		start_capture(x, T_TTL, 1, CT_TEXT, false);
		return;
	case EL_HOUR:
		start_capture(x, T_HOUR, 1, CT_TEXT, false);
		return;
	case EL_DAY:
		start_capture(x, T_DAY, 1, CT_TEXT, false);
		return;
	case EL_SY_PERIOD:
		start_capture(x, T_SY_PERIOD, 1, CT_TEXT, false);
		return;
	case EL_SY_FREQ:
		start_capture(x, T_SY_FREQ, 1, CT_TEXT, false);
		return;
	case EL_SKIP:
		x->skip_depth = x->depth;
		return;
	default:
		return;
	}
}

static bool is_void(const char *name)
{
	static const char *const v[] = {"area", "base", "br", "col", "embed", "hr", "img",
					"input", "link", "meta", "param", "source", "track", "wbr"};
	size_t n = strlen(name);
	if (n < 2 || n > 6)
		return false;
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
		if (v[i][0] == (char)tolower((unsigned char)name[0]) && !strcasecmp(v[i], name))
			return true;
	return false;
}

static bool only_space(const struct sbuf *b)
{
	for (size_t i = 0; i < b->len; i++)
		if (!isspace((unsigned char)b->s[i]))
			return false;
	return true;
}

/* Markup inside a captured HTML/XHTML element, written back out. */
static void serialise_start(struct xml_state *x, const xmlChar *name, const xmlChar *prefix,
			    const xmlChar *uri,
			    int nattr, const xmlChar **attrs)
{
	struct frame *fr = &x->frames[x->depth];
	if (x->cap.strip_div && x->depth == x->cap.depth + 1 && only_space(&x->cap.buf) &&
	    !strcmp((const char *)name, "div") && classify_ns(NULL, uri) == NS_XHTML) {
		fr->stripped = true;
		return;
	}
	if (x->cap.type == CT_TEXT) {
		/* Markup inside a text element: it was HTML after all. */
		char *old = sbuf_take(&x->cap.buf);
		x->cap.type = CT_XHTML;
		if (old)
			cap_add_escaped(x, old, strlen(old), false);
		free(old);
	}
	cap_add(x, "<", 1);
	cap_add(x, (const char *)name, strlen((const char *)name));
	const xmlChar *puri = x->frames[x->depth - 1].uri;
	/* SVG and MathML are the foreign content HTML knows: they keep
	 * their namespace where they start. */
	if (uri && (!strcmp((const char *)uri, "http://www.w3.org/2000/svg") ||
		    !strcmp((const char *)uri, "http://www.w3.org/1998/Math/MathML")) &&
	    (!puri || strcmp((const char *)puri, (const char *)uri) != 0)) {
		cap_add(x, " xmlns=\"", 8);
		cap_add_escaped(x, (const char *)uri, strlen((const char *)uri), true);
		cap_add(x, "\"", 1);
	}
	for (int i = 0; i < nattr; i++) {
		const xmlChar **a = attrs + i * 5;
		if (a[2] && classify_ns(a[1], a[2]) == NS_XML)
			continue;
		cap_add(x, " ", 1);
		if (a[1]) {
			cap_add(x, (const char *)a[1], strlen((const char *)a[1]));
			cap_add(x, ":", 1);
		}
		cap_add(x, (const char *)a[0], strlen((const char *)a[0]));
		cap_add(x, "=\"", 2);
		char *v = amp_fix(strndup((const char *)a[3], (size_t)(a[4] - a[3])));
		if (v)
			cap_add_escaped(x, v, strlen(v), true);
		free(v);
		cap_add(x, "\"", 1);
	}
	cap_add(x, ">", 1);
}

static void serialise_end(struct xml_state *x, const xmlChar *name)
{
	if (x->frames[x->depth].stripped)
		return;
	if (is_void((const char *)name))
		return;
	cap_add(x, "</", 2);
	cap_add(x, (const char *)name, strlen((const char *)name));
	cap_add(x, ">", 1);
}

/* ---- SAX callbacks ------------------------------------------------------- */

static void on_start(void *ctx, const xmlChar *name, const xmlChar *prefix, const xmlChar *uri,
		     int nns, const xmlChar **nss, int nattr, int ndefaulted,
		     const xmlChar **attrs)
{
	struct xml_state *x = ctx;
	if (x->o->err)
		return;
	if (x->depth >= XML_MAX_DEPTH) {
		parse_fail(x->o, -EINVAL, "elements nested deeper than %d: rejected", XML_MAX_DEPTH);
		xmlStopParser(x->ctxt);
		return;
	}
	struct frame *parent = &x->frames[x->depth];
	struct frame *fr = &x->frames[++x->depth];
	memset(fr, 0, sizeof *fr);
	fr->uri = uri;
	fr->name = name;
	fr->base = parent->base;
	char *xb = attr_get(nattr, attrs, "base", NS_XML);
	if (xb) {
		char *t = trimmed(xb);
		char *nb = url_resolve(parent->base, t ? t : "");
		/* A base that is not a web address (javascript:, data:) is
		 * ignored: relative links must not turn into script. */
		if (nb && (url_is_http(nb) || !strncasecmp(nb, "ftp:", 4))) {
			fr->base = nb;
			fr->own_base = true;
		} else {
			free(nb);
		}
		free(t);
	}
	if (x->skip_depth)
		return;
	if (x->cap.on) {
		serialise_start(x, name, prefix, uri, nattr, attrs);
		return;
	}
	enum el el = classify_el(x, name, prefix, uri);
	fr->el = el;
	if (!x->root_seen) {
		start_root(x, el, (const char *)name, uri, nattr, attrs);
		if (x->o->err)
			return;
		/* xml:lang on the root is the feed's language, short of a
		 * <language> element. */
		char *lang = trimmed(attr_get(nattr, attrs, "lang", NS_XML));
		if (lang)
			set_str(&x->o->doc->feed.language, &x->fp.lang, 2, lang);
		return;
	}
	if (el == EL_CHANNEL || (el == EL_FEED && !x->item)) {
		char *lang = trimmed(attr_get(nattr, attrs, "lang", NS_XML));
		if (lang)
			set_str(&x->o->doc->feed.language, &x->fp.lang, 2, lang);
		return;
	}
	start_el(x, el, nattr, attrs);
}

/* Closes the innermost open element. */
static void close_top(struct xml_state *x)
{
	struct frame *fr = &x->frames[x->depth];
	const xmlChar *name = fr->name;
	if (!x->o->err) {
		if (x->skip_depth) {
			if (x->skip_depth == x->depth)
				x->skip_depth = 0;
		} else if (x->cap.on) {
			if (x->cap.depth == x->depth)
				end_capture(x);
			else
				serialise_end(x, name);
		} else if (x->author_depth == x->depth) {
			x->author_depth = 0;
			char *n = x->author_name ? x->author_name : x->author_email;
			if (x->item && n)
				set_str(&x->item->author, &x->ip.author, 1, strdup(n));
			free(x->author_name);
			free(x->author_email);
			x->author_name = x->author_email = NULL;
		} else if (x->item && x->item_depth == x->depth) {
			end_item(x);
		} else if (fr->el == EL_CHANNEL && x->o->doc->format == DOC_RSS) {
			x->channel_closed = true;
		}
	}
	if (fr->own_base)
		free(fr->base);
	x->depth--;
}

/* libxml2 reports the end of the element it has open even when the end tag
 * names another (recovery); the tag actually seen (from the mismatch error)
 * decides what closes here: everything down to the nearest element of that
 * name, or nothing for a stray end tag. */
static void on_end(void *ctx, const xmlChar *name, const xmlChar *prefix, const xmlChar *uri)
{
	struct xml_state *x = ctx;
	const char *actual = (const char *)name;
	if (x->has_mismatch) {
		actual = x->mismatch;
		x->has_mismatch = false;
	}
	int target = 0;
	for (int d = x->depth; d >= 1; d--)
		if (!strcmp((const char *)x->frames[d].name, actual)) {
			target = d;
			break;
		}
	while (target && x->depth >= target)
		close_top(x);
}

static void on_chars(void *ctx, const xmlChar *s, int len)
{
	struct xml_state *x = ctx;
	if (!x->cap.on || x->skip_depth || x->o->err)
		return;
	if (x->cap.type == CT_XHTML && x->depth != x->cap.depth)
		cap_add_escaped(x, (const char *)s, (size_t)len, false);
	else if (x->cap.type == CT_XHTML)
		cap_add_escaped(x, (const char *)s, (size_t)len, false);
	else
		cap_add(x, (const char *)s, (size_t)len);
}

/* A marker the scanner left for a text run it took out (parse_scan.c). */
static void on_pi(void *ctx, const xmlChar *target, const xmlChar *data)
{
	struct xml_state *x = ctx;
	const char *s;
	size_t n;
	if (strcmp((const char *)target, "_f") != 0 || !textq_take(x->o->textq, &s, &n))
		return;
	on_chars(ctx, (const xmlChar *)s, (int)n);
}

/* Undeclared entities: the HTML ones become their characters. */
static xmlEntityPtr on_get_entity(void *ctx, const xmlChar *name)
{
	struct xml_state *x = ctx;
	for (size_t i = 0; i < x->nents; i++)
		if (xmlStrEqual(x->ents[i]->name, name))
			return x->ents[i];
	char buf[8];
	const char *v = text_html_entity((const char *)name, buf);
	if (!v || x->nents == MAX_ENTITIES)
		return NULL;
	xmlEntityPtr e = calloc(1, sizeof *e);
	if (!e)
		return NULL;
	e->type = XML_ENTITY_DECL;
	e->etype = XML_INTERNAL_PREDEFINED_ENTITY;
	e->name = xmlStrdup(name);
	e->content = xmlStrdup((const xmlChar *)v);
	e->length = (int)strlen(v);
	x->ents[x->nents++] = e;
	return e;
}

static void on_entity_decl(void *ctx, const xmlChar *name, int type, const xmlChar *publicId,
			   const xmlChar *systemId, xmlChar *content)
{
	struct xml_state *x = ctx;
	parse_fail(x->o, -EINVAL, "document declares entities (\"%s\"): rejected",
		   (const char *)name);
	xmlStopParser(x->ctxt);
}

static void on_unparsed_entity_decl(void *ctx, const xmlChar *name, const xmlChar *publicId,
				    const xmlChar *systemId, const xmlChar *notationName)
{
	on_entity_decl(ctx, name, 0, publicId, systemId, NULL);
}

static void on_error(void *ctx, xmlErrorPtr err)
{
	struct xml_state *x = ctx;
	if (!err || err->level == XML_ERR_WARNING)
		return;
	if (err->code == XML_ERR_TAG_NAME_MISMATCH && err->str2) {
		const char *n = strchr(err->str2, ':');
		snprintf(x->mismatch, sizeof x->mismatch, "%s", n ? n + 1 : err->str2);
		x->has_mismatch = true;
	}
	if (x->nerrors++ == 0) {
		char msg[160];
		snprintf(msg, sizeof msg, "%s", err->message ? err->message : "error");
		size_t n = strlen(msg);
		while (n && msg[n - 1] == '\n')
			msg[--n] = '\0';
		parse_warn(x->o, "ill-formed XML, line %d: %s", err->line, msg);
	}
}

static xmlParserInputPtr deny_loader(const char *url, const char *id, xmlParserCtxtPtr ctxt)
{
	/* Never read anything but the document itself. */
	return NULL;
}

void xml_global_init(void)
{
	xmlInitParser();
	xmlSetExternalEntityLoader(deny_loader);
}

void xml_global_cleanup(void)
{
	xmlCleanupParser();
}

struct xml_state *xml_new(struct parse_out *o)
{
	struct xml_state *x = calloc(1, sizeof *x);
	if (!x)
		return NULL;
	x->o = o;
	x->frames[0].base = (char *)o->base;
	xmlSAXHandler sax;
	memset(&sax, 0, sizeof sax);
	sax.initialized = XML_SAX2_MAGIC;
	sax.startElementNs = on_start;
	sax.endElementNs = on_end;
	sax.characters = on_chars;
	sax.cdataBlock = on_chars;
	sax.processingInstruction = on_pi;
	sax.getEntity = on_get_entity;
	sax.entityDecl = on_entity_decl;
	sax.unparsedEntityDecl = on_unparsed_entity_decl;
	sax.serror = on_error;
	x->ctxt = xmlCreatePushParserCtxt(&sax, x, NULL, 0, NULL);
	if (!x->ctxt) {
		free(x);
		return NULL;
	}
	xmlCtxtUseOptions(x->ctxt, XML_PARSE_NONET | XML_PARSE_RECOVER | XML_PARSE_IGNORE_ENC |
				   XML_PARSE_NOWARNING | XML_PARSE_NOERROR);
	xmlSwitchEncoding(x->ctxt, XML_CHAR_ENCODING_UTF8);
	return x;
}

/* The input ended before the root element did: the body was cut short (or
 * a cap stopped the reading). The item it cut off is incomplete and is
 * dropped, and so is a field being read; the items before it are whole. */
static void ended_inside_root(struct xml_state *x)
{
	struct doc *d = x->o->doc;
	char where[128];
	if (x->item && !x->item_dropped) {
		snprintf(where, sizeof where, "inside item %zu", x->o->cur_item);
		/* The item being read is always the last one. */
		parse_item_drop(x->o, x->item);
		x->item = NULL;
		x->o->cur_item = 0;
	} else {
		snprintf(where, sizeof where, "inside <%s> after item %zu",
			 (const char *)x->frames[x->depth].name, x->o->nitems);
	}
	x->cap.on = false;
	x->author_depth = 0;
	if (!x->o->stop && !d->cut)
		d->cut = strdup(where);
}

void xml_push(struct xml_state *x, const char *buf, size_t len, bool terminate)
{
	if (x->o->err)
		return;
	xmlParseChunk(x->ctxt, buf, (int)len, terminate);
	if (terminate && !x->o->err && !x->root_seen)
		parse_fail(x->o, -EINVAL, "not a feed: no XML root element");
	if (terminate && !x->o->err && x->depth > 0 && !x->channel_closed)
		ended_inside_root(x);
	/* Elements left open by a truncated or ill-formed document. */
	while (terminate && !x->o->err && x->depth > 0)
		close_top(x);
}

void xml_free(struct xml_state *x)
{
	if (!x)
		return;
	while (x->depth > 0) {
		if (x->frames[x->depth].own_base)
			free(x->frames[x->depth].base);
		x->depth--;
	}
	if (x->item_dropped)
		item_clear(&x->dropped);
	free(x->guid_url);
	/* libxml2 keeps a scratch document for the internal subset. */
	if (x->ctxt->myDoc)
		xmlFreeDoc(x->ctxt->myDoc);
	xmlFreeParserCtxt(x->ctxt);
	for (size_t i = 0; i < x->nents; i++) {
		xmlFree((xmlChar *)x->ents[i]->name);
		xmlFree(x->ents[i]->content);
		free(x->ents[i]);
	}
	free(x->author_name);
	free(x->author_email);
	free(x->enc_type);
	free(x->enc_len);
	sbuf_free(&x->cap.buf);
	free(x);
}
