/* sanitize.c — HTML fragments repaired by libxml2's HTML parser and
 * written back out under feedparser's sanitizer policy (sanitize.h; the
 * lists are in sanitize_policy.c, the style filter in sanitize_css.c). */
#include "core/sanitize.h"

#include <ctype.h>
#include <libxml/HTMLparser.h>
#include <libxml/tree.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/apifmt.h"
#include "core/item.h"
#include "core/sanitize_int.h"

/* The fragment goes inside an open body, so that leading text is not
 * wrapped in an implied <p>. */
static const char PREFIX[] = "<html><body>";

#define XMLNS_SVG "http://www.w3.org/2000/svg"
#define XMLNS_MATHML "http://www.w3.org/1998/Math/MathML"
#define XMLNS_XLINK "http://www.w3.org/1999/xlink"

#define SANITIZE_MAX_PASSES 3

/* Per open element of the walk (levels up to SANITIZE_MAX_DEPTH). */
enum {
	LV_KEPT = 1,    /* its tags are written */
	LV_VOID = 2,    /* written as <x />, no end tag */
	LV_SVG = 4,     /* it opened an SVG island */
	LV_MATH = 8,    /* it opened a MathML island */
};

struct walk {
	struct buf out;
	const char *base;
	int svg, math;  /* open <svg>, <math> */
	bool dropped;   /* an element lost its tags (kept its content) */
	unsigned char level[SANITIZE_MAX_DEPTH + 2];
};

/* PREFIX + HTML with invalid UTF-8 replaced by U+FFFD, cut at
 * SANITIZE_MAX_INPUT on a character boundary. */
static char *prepare(const char *html, size_t *lenp)
{
	size_t n = strnlen(html, SANITIZE_MAX_INPUT);
	/* Each bad byte may become three. */
	char *b = malloc(sizeof PREFIX + 3 * n);
	if (!b)
		return NULL;
	memcpy(b, PREFIX, sizeof PREFIX - 1);
	size_t len = sizeof PREFIX - 1;
	const unsigned char *s = (const unsigned char *)html;
	for (size_t i = 0; i < n;) {
		size_t k = s[i] < 0x80 ? 1 : utf8_seq_len(s + i, n - i);
		if (k) {
			memcpy(b + len, s + i, k);
			len += k;
			i += k;
		} else {
			memcpy(b + len, "\xef\xbf\xbd", 3);
			len += 3;
			i++;
		}
	}
	b[len] = '\0';
	*lenp = len;
	return b;
}

/* U+0080..U+009F as windows-1252 has them, as HTML5 (and feedparser)
 * read &#128;..&#159;; 0 where windows-1252 has no character. */
static const uint16_t cp1252[32] = {
	0x20ac, 0, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021,
	0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0, 0x017d, 0,
	0, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014,
	0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0, 0x017e, 0x0178,
};

/* The C1 control at P (C2 80..C2 9F) as its windows-1252 character, UTF-8
 * in OUT (3 bytes, or 2 for U+0192, ...): its length, 0 to keep it. */
static size_t c1_to_1252(const unsigned char *p, char *out)
{
	unsigned cp = cp1252[p[1] - 0x80];
	if (!cp)
		return 0;
	if (cp < 0x800) {
		out[0] = (char)(0xc0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	out[0] = (char)(0xe0 | (cp >> 12));
	out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
	out[2] = (char)(0x80 | (cp & 0x3f));
	return 3;
}

/* S escaped for text (ATTR: for a double-quoted attribute value), without
 * the control characters and non-characters XML forbids, C1 controls as
 * windows-1252 characters, bytes that are not UTF-8 as U+FFFD. */
static void put_escaped(struct buf *b, const char *s, bool attr)
{
	const unsigned char *p = (const unsigned char *)s, *run = p;
	for (; *p; p++) {
		const char *esc = NULL;
		char c1[4] = "";
		size_t skip = 0;
		if (*p >= 0x80) {
			size_t k = utf8_seq_len(p, strnlen((const char *)p, 4));
			if (!k) {
				/* not UTF-8: only a base URL can bring it here */
				esc = "\xef\xbf\xbd";
				skip = 1;
			} else if (*p == 0xc2 && p[1] <= 0x9f && c1_to_1252(p, c1)) {
				esc = c1;
				skip = 2;
			} else if (*p == 0xef && p[1] == 0xbf && (p[2] == 0xbe || p[2] == 0xbf)) {
				skip = 3;
			} else {
				p += k - 1;
				continue;
			}
		} else if (*p == '&') {
			esc = "&amp;";
		} else if (*p == '<') {
			esc = "&lt;";
		} else if (*p == '>') {
			esc = "&gt;";
		} else if (*p == '"' && attr) {
			esc = "&quot;";
		} else if (*p < 0x20 && *p != '\t' && *p != '\n' && *p != '\r') {
			skip = 1;
		} else {
			continue;
		}
		buf_append(b, run, (size_t)(p - run));
		if (esc)
			buf_puts(b, esc);
		p += skip ? skip - 1 : 0;
		run = p + 1;
	}
	buf_append(b, run, (size_t)(p - run));
}

static bool is(const xmlChar *name, const char *s)
{
	return name && !strcmp((const char *)name, s);
}

/* Which vocabulary keeps element NAME (spelt as *SPELT), or -1 for none;
 * feedparser's order: HTML outside SVG, then MathML, then SVG, then HTML
 * inside SVG. */
static int vocab_of(const struct walk *w, const char *name, const char **spelt)
{
	const char *h = san_element(SAN_HTML, name);
	*spelt = h;
	if (h && !w->svg)
		return SAN_HTML;
	const char *e;
	if ((w->math || !strcmp(name, "math")) && (e = san_element(SAN_MATHML, name))) {
		*spelt = e;
		return SAN_MATHML;
	}
	if ((w->svg || !strcmp(name, "svg")) && (e = san_element(SAN_SVG, name))) {
		*spelt = e;
		return SAN_SVG;
	}
	return h ? SAN_HTML : -1;
}

/* Attributes whose value is a URI a browser would follow or load. */
static bool uri_attr(const char *name)
{
	static const char *const names[] = {
		"action", "background", "cite", "data", "dynsrc", "href", "icon", "longdesc",
		"lowsrc", "ping", "poster", "src", "usemap", "xlink:href",
	};
	for (size_t i = 0; i < sizeof names / sizeof *names; i++)
		if (!strcmp(name, names[i]))
			return true;
	return false;
}

static void put_attr(struct buf *b, const char *name, const char *value)
{
	buf_append(b, " ", 1);
	buf_puts(b, name);
	buf_append(b, "=\"", 2);
	put_escaped(b, value, true);
	buf_append(b, "\"", 1);
}

/* One kept attribute's value as it is written, or NULL to leave it out. */
static char *attr_value(struct walk *w, const char *tag, const char *name, const char *v)
{
	if (!strcmp(name, "style")) {
		char *s = sanitize_style(v, w->svg > 0);
		if (s && !*s) {
			free(s);
			return NULL;
		}
		return s;
	}
	if (uri_attr(name))
		return sanitize_uri(v, w->base, san_uri_attr(tag, name));
	char *c = strdup(v);
	if (c && (!strcmp(name, "rel") || !strcmp(name, "type")))
		for (char *p = c; *p; p++)
			if (*p >= 'A' && *p <= 'Z')
				*p = (char)(*p - 'A' + 'a');
	return c;
}

static void put_start(struct walk *w, xmlNode *n, int vocab, const char *spelt, bool is_void)
{
	struct buf *b = &w->out;
	const char *tag = (const char *)n->name;
	buf_append(b, "<", 1);
	buf_puts(b, spelt);
	bool has_xmlns = false, has_xlink_ns = false, uses_xlink = false;
	for (xmlAttr *a = n->properties; a; a = a->next) {
		const char *name = san_attribute(vocab, (const char *)a->name);
		if (!name)
			continue;
		xmlChar *raw = xmlNodeGetContent((xmlNode *)a);
		char *v = attr_value(w, tag, (const char *)a->name, raw ? (const char *)raw : "");
		xmlFree(raw);
		if (!v) {
			/* left out, or out of memory: out.oom says which */
			continue;
		}
		put_attr(b, name, v);
		free(v);
		has_xmlns |= !strcmp(name, "xmlns");
		has_xlink_ns |= !strcmp(name, "xmlns:xlink");
		uses_xlink |= !strncmp(name, "xlink:", 6);
	}
	/* feedparser declares the islands' namespaces when HTML left them out. */
	if (!has_xmlns && is(n->name, "svg") && vocab == SAN_SVG)
		put_attr(b, "xmlns", XMLNS_SVG);
	if (!has_xmlns && is(n->name, "math") && vocab == SAN_MATHML)
		put_attr(b, "xmlns", XMLNS_MATHML);
	if (uses_xlink && !has_xlink_ns)
		put_attr(b, "xmlns:xlink", XMLNS_XLINK);
	buf_puts(b, is_void ? " />" : ">");
}

/* An SVG animation that sets a link (<animate attributeName="href"
 * values="javascript:…">, <set attributeName="xlink:href" to=…>): its
 * values are URIs no attribute filter sees, so it goes whole. */
static bool animates_a_link(const xmlNode *n)
{
	static const char *const anims[] = {"animate", "animateColor", "animateMotion",
					    "animateTransform", "set"};
	bool anim = false;
	for (size_t i = 0; i < sizeof anims / sizeof *anims && !anim; i++)
		anim = !strcasecmp((const char *)n->name, anims[i]);
	if (!anim)
		return false;
	/* The HTML parser lower-cases attribute names. */
	xmlChar *v = NULL;
	for (const xmlAttr *a = n->properties; a && !v; a = a->next)
		if (!strcasecmp((const char *)a->name, "attributeName"))
			v = xmlNodeGetContent((const xmlNode *)a);
	bool link = false;
	if (v) {
		const char *s = (const char *)v;
		while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
			s++;
		size_t len = strcspn(s, " \t\n\r");
		link = len >= 4 && !strncasecmp(s + len - 4, "href", 4);
		xmlFree(v);
	}
	return link;
}

/* Entering element N at DEPTH (1 = the fragment's own elements): writes
 * its start tag when it is kept. False: skip it and everything inside. */
static bool enter(struct walk *w, xmlNode *n, size_t depth)
{
	const char *name = (const char *)n->name;
	if (san_drop_with_content(name) || animates_a_link(n))
		return false;
	if (depth > SANITIZE_MAX_DEPTH) {
		w->dropped = true;
		return true;    /* too deep: the text only */
	}
	unsigned char *lv = &w->level[depth];
	*lv = 0;
	const char *spelt;
	int vocab = vocab_of(w, name, &spelt);
	if (vocab < 0) {
		/* html, head and body are the parser's frame, not content */
		if (depth > 2 || !(is(n->name, "html") || is(n->name, "head") ||
				   is(n->name, "body")))
			w->dropped = true;
		return true;
	}
	bool is_void = vocab == SAN_HTML && san_void(name);
	*lv = LV_KEPT | (is_void ? LV_VOID : 0);
	if (!strcmp(name, "svg") && vocab == SAN_SVG) {
		*lv |= LV_SVG;
		w->svg++;
	}
	if (!strcmp(name, "math") && vocab == SAN_MATHML) {
		*lv |= LV_MATH;
		w->math++;
	}
	put_start(w, n, vocab, spelt, is_void);
	return true;
}

static void leave(struct walk *w, xmlNode *n, size_t depth)
{
	if (depth > SANITIZE_MAX_DEPTH || san_drop_with_content((const char *)n->name) ||
	    animates_a_link(n))
		return;
	unsigned char lv = w->level[depth];
	if (!(lv & LV_KEPT))
		return;
	if (lv & LV_SVG)
		w->svg--;
	if (lv & LV_MATH)
		w->math--;
	if (lv & LV_VOID)
		return;
	const char *spelt;
	if (vocab_of(w, (const char *)n->name, &spelt) < 0 || !spelt)
		spelt = (const char *)n->name;
	buf_append(&w->out, "</", 2);
	buf_puts(&w->out, spelt);
	buf_append(&w->out, ">", 1);
}

/* Everything under ROOT, in document order, without recursion. */
static void walk_tree(struct walk *w, xmlNode *root)
{
	xmlNode *cur = root;
	size_t depth = 0;
	while (cur) {
		bool down = false;
		if (cur->type == XML_ELEMENT_NODE) {
			/* html, head and body are not acceptable: their content
			 * is written, their tags are not. */
			down = enter(w, cur, depth) && cur->children;
		} else if (cur->type == XML_TEXT_NODE || cur->type == XML_CDATA_SECTION_NODE) {
			if (cur->content)
				put_escaped(&w->out, (const char *)cur->content, false);
		}
		if (down) {
			cur = cur->children;
			depth++;
			continue;
		}
		if (cur->type == XML_ELEMENT_NODE)
			leave(w, cur, depth);
		while (cur != root && !cur->next) {
			cur = cur->parent;
			depth--;
			leave(w, cur, depth);
		}
		if (cur == root)
			break;
		cur = cur->next;
	}
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* B's bytes without the white space around them, as a new string. */
static char *trimmed(struct buf *b)
{
	if (!b->len)
		return strdup("");
	size_t start = 0, end = b->len;
	while (start < end && is_space(b->data[start]))
		start++;
	while (end > start && is_space(b->data[end - 1]))
		end--;
	char *r = malloc(end - start + 1);
	if (r) {
		memcpy(r, b->data + start, end - start);
		r[end - start] = '\0';
	}
	return r;
}

/* HTML parsed by libxml2's HTML parser, as a browser would repair it
 * (NULL when memory ran out: the input always opens a body; the caller
 * frees it with xmlFreeDoc). */
static htmlDocPtr parse_fragment(const char *html)
{
	size_t len;
	char *in = prepare(html, &len);
	if (!in)
		return NULL;
	htmlDocPtr doc = htmlReadMemory(in, (int)len, NULL, "UTF-8",
					HTML_PARSE_RECOVER | HTML_PARSE_NOERROR |
					HTML_PARSE_NOWARNING | HTML_PARSE_NONET |
					HTML_PARSE_NODEFDTD | HTML_PARSE_COMPACT);
	free(in);
	return doc;
}

/* One parse and walk; *DROPPED: an element lost its tags. */
static char *sanitize_once(const char *html, const char *base, bool *dropped)
{
	htmlDocPtr doc = parse_fragment(html);
	if (!doc)
		return NULL;
	struct walk *w = calloc(1, sizeof *w);
	if (!w) {
		xmlFreeDoc(doc);
		return NULL;
	}
	w->base = base;
	xmlNode *root = xmlDocGetRootElement(doc);
	if (root)
		walk_tree(w, root);
	xmlFreeDoc(doc);
	char *r = w->out.oom ? NULL : trimmed(&w->out);
	*dropped = w->dropped;
	buf_free(&w->out);
	free(w);
	return r;
}

bool sanitize_looks_html(const char *s)
{
	for (const char *p = s ? strpbrk(s, "<&") : NULL; p; p = strpbrk(p + 1, "<&")) {
		const char *q = p + 1;
		if (*p == '<') {
			if (*q++ != '/' || !isalpha((unsigned char)*q))
				continue;
			while (isalnum((unsigned char)*q))
				q++;
			if (*q == '>')
				return true;
		} else {
			bool num = *q == '#';
			q += num;
			bool hex = num && (*q == 'x' || *q == 'X');
			q += hex;
			const char *start = q;
			while (hex ? isxdigit((unsigned char)*q) : num ? isdigit((unsigned char)*q)
								  : isalnum((unsigned char)*q))
				q++;
			if (q > start && *q == ';')
				return true;
		}
	}
	return false;
}

/* The text under NODE into B, without script and style. */
static void text_of(struct buf *b, const xmlNode *node)
{
	for (const xmlNode *n = node; n; n = n->next) {
		if (n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) {
			if (n->content)
				buf_puts(b, (const char *)n->content);
		} else if (n->type == XML_ELEMENT_NODE &&
			   xmlStrcasecmp(n->name, (const xmlChar *)"script") &&
			   xmlStrcasecmp(n->name, (const xmlChar *)"style")) {
			/* A line break or a block's end reads as white space. */
			text_of(b, n->children);
			if (!xmlStrcasecmp(n->name, (const xmlChar *)"br") ||
			    !xmlStrcasecmp(n->name, (const xmlChar *)"p"))
				buf_puts(b, " ");
		}
	}
}

char *sanitize_text(const char *html)
{
	if (!html)
		return NULL;
	htmlDocPtr doc = parse_fragment(html);
	if (!doc)
		return NULL;
	struct buf b = {0};
	xmlNode *root = xmlDocGetRootElement(doc);
	if (root)
		text_of(&b, root);
	xmlFreeDoc(doc);
	char *r = b.oom ? NULL : trimmed(&b);
	buf_free(&b);
	return r;
}

char *sanitize_title_text(const char *title)
{
	return sanitize_looks_html(title) ? sanitize_text(title) : NULL;
}

char *sanitize_html(const char *html, const char *base)
{
	if (!html)
		return NULL;
	bool dropped = false;
	char *r = sanitize_once(html, base, &dropped);
	/* An element that lost its tags may have kept the parser from
	 * closing another implicitly (<a> inside <a> through a <font>): the
	 * output, parsed again, would be repaired differently. Again, then,
	 * until the result is what its own parse gives (no base: every URI is
	 * resolved already, and "" must stay ""), a few times at most. */
	for (int pass = 1; r && dropped && pass < SANITIZE_MAX_PASSES; pass++) {
		char *again = sanitize_once(r, NULL, &dropped);
		bool same = again && !strcmp(again, r);
		free(r);
		r = again;
		if (same)
			break;
		dropped = true;
	}
	return r;
}
