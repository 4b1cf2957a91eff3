/* parse_xml.c — RSS 0.9x/2.0, RSS 1.0 (RDF) and Atom 0.3/1.0 as libxml2
 * SAX2 push callbacks over one small per-document state (struct xml_state,
 * parse_xml_int.h): the element stack, items, links, and the dispatch of
 * each start tag by the element rules of parse_rules.c.
 *
 * An element is looked up once per distinct name by namespace (the
 * RSS/Atom core, or a known extension) and local name, remembered by
 * libxml2's dictionary pointers; at each start tag the row for where it
 * is (feed, item, Atom author, Atom document) says what it does. Text of
 * the element being read goes into the capture of parse_capture.c; markup
 * inside an HTML/XHTML element is serialised back into it here. */
#include "core/parse_xml_int.h"

#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <libxml/parserInternals.h>
#include <libxml/xmlerror.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/url.h"
#include "core/utf8.h"

/* xml_rule_find, remembered by the dictionary's pointers: a document has
 * a few dozen distinct elements and thousands of elements. */
static const struct el_rule *classify_el(struct xml_state *x, const xmlChar *name,
					 const xmlChar *prefix, const xmlChar *uri)
{
	uint64_t h = (uint64_t)(uintptr_t)name ^ ((uint64_t)(uintptr_t)prefix << 1) ^
		     ((uint64_t)(uintptr_t)uri << 2);
	struct el_slot *s = &x->elc[(h * 0x9E3779B97F4A7C15u) >> 56];
	if (s->name == name && s->prefix == prefix && s->uri == uri)
		return s->rule;
	const struct el_rule *r = xml_rule_find(xml_ns_classify((const char *)prefix,
								(const char *)uri),
						(const char *)name);
	xmlDictPtr d = x->ctxt->dict;
	if (d && xmlDictOwns(d, name) == 1 && (!prefix || xmlDictOwns(d, prefix) == 1) &&
	    (!uri || xmlDictOwns(d, uri) == 1))
		*s = (struct el_slot){name, prefix, uri, r};
	return r;
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
	char *href = xml_attr_get(nattr, attrs, "href", NS_CORE);
	if (!href) {
		/* The address as text; feedparser gives it to the link the
		 * element declares, so an enclosure's is an enclosure. */
		char *rel = x->item ? xml_trimmed(xml_attr_get(nattr, attrs, "rel", NS_CORE)) : NULL;
		if (rel && !strcasecmp(rel, "enclosure")) {
			free(x->enc_type);
			free(x->enc_len);
			x->enc_type = xml_attr_get(nattr, attrs, "type", NS_CORE);
			x->enc_len = xml_attr_get(nattr, attrs, "length", NS_CORE);
			cap_start(x, T_ENCLOSURE, 1, CT_TEXT, false);
		} else {
			cap_start(x, T_LINK, 2, CT_TEXT, false);
		}
		free(rel);
		return;
	}
	char *rel = xml_trimmed(xml_attr_get(nattr, attrs, "rel", NS_CORE));
	char *type = xml_attr_get(nattr, attrs, "type", NS_CORE);
	char *h = xml_trimmed(href);
	char *url = url_resolve(cur_base(x), h ? h : "");
	free(h);
	const char *r = rel ? rel : "alternate";
	struct feed_info *f = &x->o->doc->feed;
	if (!strcasecmp(r, "alternate") || !strcasecmp(r, "http://www.iana.org/assignments/relation/alternate")) {
		int prio = html_type_ok(type) ? 1 : 3;
		if (x->item)
			xml_set_str(&x->item->url, &x->ip.url, prio, url);
		else
			xml_set_str(&f->link, &x->fp.link, prio, url);
		url = NULL;
	} else if (!strcasecmp(r, "enclosure")) {
		if (x->item) {
			xml_add_enclosure(x->item, url, type, xml_attr_get(nattr, attrs, "length", NS_CORE));
			url = type = NULL;
		}
	} else if (!strcasecmp(r, "self") && !x->item) {
		xml_set_str(&f->self, &(int){0}, 1, url);
		url = NULL;
	} else if (!strcasecmp(r, "hub") && !x->item) {
		xml_set_str(&f->hub, &(int){0}, 1, url);
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
	char *about = xml_attr_get(nattr, attrs, "about", NS_RDF);
	if (about)
		xml_set_str(&x->item->guid, &x->ip.guid, 3, xml_trimmed(about));
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
	parse_item_links(it);
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

static void start_root(struct xml_state *x, const struct el_rule *r, const char *name,
		       const xmlChar *uri, int nattr, const xmlChar **attrs)
{
	struct doc *d = x->o->doc;
	x->root_seen = true;
	switch (r ? r->root : R_NONE) {
	case R_RSS:
		d->format = DOC_RSS;
		break;
	case R_RDF:
		d->format = DOC_RDF;
		break;
	case R_ATOM: {
		char *v = xml_attr_get(nattr, attrs, "version", NS_CORE);
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

/* What the row R of a known element (below the root) does at its start tag. */
static void start_el(struct xml_state *x, const struct el_rule *r, int nattr,
		     const xmlChar **attrs)
{
	struct item *it = x->item;
	if (r->flags & F_CONTENT)
		x->has_content = true;
	switch ((enum act)r->act) {
	case A_NONE:
		return;
	case A_CAPTURE:
		cap_start(x, r->tgt, r->prio, r->type, false);
		return;
	case A_CONSTRUCT:
		cap_start_construct(x, r->tgt, r->prio, r->type, nattr, attrs);
		return;
	case A_ITEM:
		start_item(x, nattr, attrs);
		return;
	case A_FEED: {
		char *lang = xml_trimmed(xml_attr_get(nattr, attrs, "lang", NS_XML));
		if (lang)
			xml_set_str(&x->o->doc->feed.language, &x->fp.lang, 2, lang);
		return;
	}
	case A_LINK:
		start_link(x, nattr, attrs);
		return;
	case A_GUID: {
		char *pl = xml_attr_get(nattr, attrs, "isPermaLink", NS_CORE);
		x->guid_perma = !pl || strcasecmp(pl, "false") != 0;
		x->guid_atom = r->flags & F_ATOM_ID;
		free(pl);
		cap_start(x, r->tgt, r->prio, r->type, false);
		return;
	}
	case A_AUTHOR:
		x->author_depth = x->depth;
		free(x->author_name);
		free(x->author_email);
		x->author_name = x->author_email = NULL;
		return;
	case A_CATEGORY: {
		char *term = xml_attr_get(nattr, attrs, "term", NS_CORE);
		if (term) {
			if (it)
				parse_push_str(&it->categories, &it->ncategories, xml_trimmed(term));
			else
				free(term);
			return;
		}
		cap_start(x, r->tgt, r->prio, r->type, false);
		return;
	}
	case A_ITUNES_CATEGORY:
		parse_push_str(&it->categories, &it->ncategories,
			     xml_trimmed(xml_attr_get(nattr, attrs, "text", NS_CORE)));
		return;
	case A_ENCLOSURE: {
		char *u = xml_trimmed(xml_attr_get(nattr, attrs, "url", NS_CORE));
		if (!u)
			u = xml_trimmed(xml_attr_get(nattr, attrs, "href", NS_CORE));
		char *ru = u ? url_resolve(cur_base(x), u) : NULL;
		free(u);
		xml_add_enclosure(it, ru, xml_attr_get(nattr, attrs, "type", NS_CORE),
				  xml_attr_get(nattr, attrs, "length", NS_CORE));
		return;
	}
	case A_SKIP:
		x->skip_depth = x->depth;
		return;
	}
}

/* ---- markup inside a captured element ------------------------------------ */

/* Appends text HTML-escaped (&, <, > and, in an attribute, "). */
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
static void markup_start(struct xml_state *x, const xmlChar *name, const xmlChar *uri, int nattr,
			 const xmlChar **attrs)
{
	struct frame *fr = &x->frames[x->depth];
	if (x->cap.strip_div && x->depth == x->cap.depth + 1 && only_space(&x->cap.buf) &&
	    !strcmp((const char *)name, "div") && xml_ns_classify(NULL, (const char *)uri) == NS_XHTML) {
		fr->stripped = true;
		return;
	}
	if (x->cap.type == CT_TEXT || x->cap.type == CT_HTML) {
		/* Markup inside a text element: it was HTML after all. In
		 * an HTML one (an RSS description, Atom type="html"), the
		 * HTML is written as markup rather than escaped: its text is
		 * text then, "&lt;script&gt;" a word and no element, as
		 * feedparser reads it (XHTML from here on, and the text so
		 * far escaped). */
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
		if (a[2] && xml_ns_classify((const char *)a[1], (const char *)a[2]) == NS_XML)
			continue;
		cap_add(x, " ", 1);
		if (a[1]) {
			cap_add(x, (const char *)a[1], strlen((const char *)a[1]));
			cap_add(x, ":", 1);
		}
		cap_add(x, (const char *)a[0], strlen((const char *)a[0]));
		cap_add(x, "=\"", 2);
		char *v = xml_amp_fix(strndup((const char *)a[3], (size_t)(a[4] - a[3])));
		if (v)
			cap_add_escaped(x, v, strlen(v), true);
		free(v);
		cap_add(x, "\"", 1);
	}
	cap_add(x, ">", 1);
}

static void markup_end(struct xml_state *x, const xmlChar *name)
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
	char *xb = xml_attr_get(nattr, attrs, "base", NS_XML);
	if (xb) {
		char *t = xml_trimmed(xb);
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
	if (x->cap.on && x->cap.tgt == T_AUTHOR && x->depth == x->cap.depth + 1 && x->item &&
	    x->cap.type == CT_TEXT) {
		/* An item's author with elements inside (an Atom author in
		 * RSS, as .NET writes <a10:author>; <author><name>): read as
		 * an Atom author, its name (else e-mail) the author, not the
		 * texts of its children run together. */
		x->cap.on = false;
		sbuf_reset(&x->cap.buf);
		x->author_depth = x->cap.depth;
		free(x->author_name);
		free(x->author_email);
		x->author_name = x->author_email = NULL;
	}
	if (x->cap.on) {
		markup_start(x, name, uri, nattr, attrs);
		return;
	}
	const struct el_rule *r = classify_el(x, name, prefix, uri);
	fr->rule = r;
	if (!x->root_seen) {
		start_root(x, r, (const char *)name, uri, nattr, attrs);
		if (x->o->err)
			return;
		/* xml:lang on the root is the feed's language, short of a
		 * <language> element. */
		char *lang = xml_trimmed(xml_attr_get(nattr, attrs, "lang", NS_XML));
		if (lang)
			xml_set_str(&x->o->doc->feed.language, &x->fp.lang, 2, lang);
		return;
	}
	if (!r)
		return;
	bool atom = x->o->doc->format == DOC_ATOM03 || x->o->doc->format == DOC_ATOM10;
	unsigned where = (x->item ? IN_ITEM : IN_FEED) | (x->author_depth ? IN_AUTHOR : 0) |
		       (atom ? IN_ATOM : 0);
	const struct el_rule *pick = xml_rule_pick(r, where);
	/* An item's start inside an item: the publisher left that one
	 * unclosed ("<item>...<item>"). It ends here, as feedparser's loose
	 * parse starts a new entry at each, rather than every later item
	 * merging into it. */
	if (x->item && !x->author_depth && pick->act == A_NONE &&
	    xml_rule_pick(r, IN_FEED | (atom ? IN_ATOM : 0))->act == A_ITEM) {
		end_item(x);
		pick = xml_rule_pick(r, IN_FEED | (atom ? IN_ATOM : 0));
	}
	start_el(x, pick, nattr, attrs);
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
				cap_end(x);
			else
				markup_end(x, name);
		} else if (x->author_depth == x->depth) {
			x->author_depth = 0;
			char *n = x->author_name ? x->author_name : x->author_email;
			if (x->item && n)
				xml_set_str(&x->item->author, &x->ip.author, 1, strdup(n));
			free(x->author_name);
			free(x->author_email);
			x->author_name = x->author_email = NULL;
		} else if (x->item && x->item_depth == x->depth) {
			end_item(x);
		} else if (fr->rule && (fr->rule->flags & F_CHANNEL) && x->o->doc->format == DOC_RSS) {
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

/* Whether S is exactly one character that is not markup: what a
 * declaration such as <!ENTITY nbsp "&#160;"> holds once libxml2 has
 * replaced its character reference (as XML says, at the declaration).
 * Such an entity cannot refer to another or carry an element: it cannot
 * grow a document. */
static bool one_plain_char(const xmlChar *s)
{
	if (!s || !*s || *s == '&' || *s == '<' || *s == '%')
		return false;
	int len = xmlUTF8Size(s);
	return len > 0 && s[len] == '\0' && xmlGetUTF8Char(s, &len) >= 0x20;
}

static void on_entity_decl(void *ctx, const xmlChar *name, int type, const xmlChar *publicId,
			   const xmlChar *systemId, xmlChar *content)
{
	struct xml_state *x = ctx;
	/* A hand-made feed's DTD subset declaring the HTML entities it uses,
	 * one character each, is no threat: the declaration is let be, and
	 * its references read as any entity's (HTML's names as HTML's
	 * characters, parse_scan.c). Any other declaration is refused. */
	if (type == XML_INTERNAL_GENERAL_ENTITY && one_plain_char(content))
		return;
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
	assert(xml_rules_check() == 0);
	xmlInitParser();
	xmlSetExternalEntityLoader(deny_loader);
}

void xml_global_cleanup(void)
{
	xmlCleanupParser();
}

/* xml_new leaves the frames alone, and them only. */
_Static_assert(offsetof(struct xml_state, root_seen) ==
	       offsetof(struct xml_state, frames) + sizeof(((struct xml_state *)0)->frames),
	       "the element stack is followed by root_seen");

struct xml_state *xml_new(struct parse_out *o)
{
	/* Zeroed but for the element stack (9.7 KB of the 19), whose frames
	 * are written as elements open: a parser per document made calloc's
	 * clearing and first touches 4 % of a cold refresh's CPU. */
	struct xml_state *x = malloc(sizeof *x);
	if (!x)
		return NULL;
	memset(x, 0, offsetof(struct xml_state, frames));
	memset(&x->frames[0], 0, sizeof x->frames[0]);
	memset((char *)x + offsetof(struct xml_state, root_seen), 0,
	       sizeof *x - offsetof(struct xml_state, root_seen));
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
		/* libxml2 hands a declaration's literal to the entity of
		 * that name getEntity gives (an HTML one a document declares
		 * as itself: on_entity_decl). */
		xmlFree(x->ents[i]->orig);
		free(x->ents[i]);
	}
	free(x->author_name);
	free(x->author_email);
	free(x->enc_type);
	free(x->enc_len);
	sbuf_free(&x->cap.buf);
	free(x);
}
