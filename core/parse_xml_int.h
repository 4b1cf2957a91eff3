/* parse_xml_int.h — the XML back end's per-document state, shared by
 * parse_xml.c (SAX2 callbacks, element dispatch by the rules of
 * parse_rules.c, items, links, text and markup appended to the captured
 * value) and parse_capture.c (the captured value: its type, its buffer,
 * and writing it into its field).
 * Never included outside core/parse*.c.
 *
 * struct xml_state is made and freed by parse_xml.c (xml_new, xml_free);
 * the strings it holds (author_name, guid_url, frame bases it owns, ...)
 * are heap and its own until handed to the item or feed. */
#ifndef FEEDD_PARSE_XML_INT_H
#define FEEDD_PARSE_XML_INT_H

#include <libxml/parser.h>

#include "core/parse_int.h"
#include "core/parse_rules.h"

#define XML_MAX_DEPTH 200
#define MAX_ENTITIES 256   /* distinct undeclared HTML entities per document */

struct frame {
	char *base;             /* xml:base in effect (owned when own_base) */
	bool own_base;
	const xmlChar *uri;     /* the element's namespace, for serialising */
	const xmlChar *name;    /* local name (libxml2's dictionary) */
	const struct el_rule *rule; /* its first rule row, NULL: not ours */
	bool stripped;          /* the xhtml wrapper <div>, not serialised */
};

/* Field priorities (lower wins; 0 = unset). */
struct item_prio { int title, url, summary, content, author, guid; };
/* item_prio.content of a summary-like element standing in for the content
 * until a real content element comes (parse_capture.c). */
#define CONTENT_STANDIN 2
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

/* One remembered element look-up. libxml2's dictionary gives each distinct
 * name, prefix and namespace one pointer for the parser's life, so the
 * three pointers are a key (only strings it owns are remembered). */
#define EL_CACHE 256
struct el_slot {
	const xmlChar *name, *prefix, *uri;
	const struct el_rule *rule;
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

static inline const char *cur_base(struct xml_state *x)
{
	return x->depth > 0 ? x->frames[x->depth].base : x->o->base;
}

/* Small value helpers (parse_capture.c). */
/* libxml2 without entity substitution writes "&" in attribute values as
 * "&#38;": undone in place; returns S. */
char *xml_amp_fix(char *s);
/* An attribute's value (a new string) by local name and namespace class;
 * a plain (NS_CORE) attribute's name ignoring ASCII case. */
char *xml_attr_get(int nattr, const xmlChar **attrs, const char *name, enum ns ns);
/* S without surrounding whitespace, in place (NULL when nothing is left). */
char *xml_trimmed(char *s);
/* Sets *DST to VAL (taking it) if PRIO is at least as good as *SLOT. */
void xml_set_str(char **dst, int *slot, int prio, char *val);
/* Adds an enclosure to IT (taking the three strings); none without URL. */
void xml_add_enclosure(struct item *it, char *url, char *type, char *len);

/* The captured value (parse_capture.c). */
void cap_start(struct xml_state *x, enum target tgt, int prio, enum ctype type, bool base64);
/* A text construct: its type from the type/mode attributes, DFLT when absent. */
void cap_start_construct(struct xml_state *x, enum target tgt, int prio, enum ctype dflt,
			 int nattr, const xmlChar **attrs);
/* The field cap was hit (cap_add's slow path). */
void cap_cut(struct xml_state *x);
static inline void cap_add(struct xml_state *x, const char *s, size_t n)
{
	struct capture *c = &x->cap;
	if (c->truncated)
		return;
	if (!sbuf_add(&c->buf, s, n, x->o->lim.max_field))
		cap_cut(x);
}
/* Ends the capture: the value written into its target field. */
void cap_end(struct xml_state *x);

#endif
