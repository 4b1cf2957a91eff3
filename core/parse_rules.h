/* parse_rules.h — the XML element rules: which namespaces the parser knows
 * and, for each (namespace, local name, context), what the element does
 * (included by core/parse*.c, and by tests/unit/test_parse.c for the table's checks).
 *
 * parse_rules.c owns the tables (static, read-only; nothing to free);
 * parse_xml.c looks an element up once per distinct name (xml_rule_find,
 * remembered per parser) and picks the row for where it is
 * (xml_rule_pick) at each start tag. */
#ifndef FEEDD_PARSE_RULES_H
#define FEEDD_PARSE_RULES_H

#include <stdint.h>

/* Namespace classes. */
enum ns {
	NS_CORE,        /* no namespace, RSS 0.9/1.0/2.0, Atom 0.3/1.0, unknown default */
	NS_DC, NS_DCTERMS, NS_CONTENT, NS_MEDIA, NS_ITUNES, NS_SY, NS_RDF,
	NS_XHTML, NS_SLASH, NS_WFW, NS_XML,
	NS_OTHER,       /* an extension we do not read */
};

/* How a captured value is written. */
enum ctype { CT_TEXT, CT_HTML, CT_XHTML };

/* Where a captured value goes (parse_capture.c writes it). */
enum target {
	T_NONE, T_TITLE, T_LINK, T_DESC, T_SUMMARY, T_CONTENT, T_GUID, T_PUBLISHED,
	T_UPDATED, T_AUTHOR, T_NAME, T_EMAIL, T_CATEGORY, T_KEYWORDS, T_LANGUAGE,
	T_TTL, T_HOUR, T_DAY, T_SY_PERIOD, T_SY_FREQ, T_ENCLOSURE,
};

/* What a start tag does. */
enum act {
	A_NONE,         /* known, nothing to do (nothing inside is skipped) */
	A_CAPTURE,      /* capture the text into tgt (type fixed by the row) */
	A_CONSTRUCT,    /* the same, the type from type=/mode= (row type if absent) */
	A_ITEM,         /* an item or entry starts */
	A_FEED,         /* channel / feed: its xml:lang is the feed's language */
	A_LINK,         /* <link href> or <link>text</link> (parse_xml.c start_link) */
	A_GUID,         /* guid / id: isPermaLink read, then captured */
	A_AUTHOR,       /* Atom author: name and email inside */
	A_CATEGORY,     /* term= or the text */
	A_ITUNES_CATEGORY, /* text= */
	A_ENCLOSURE,    /* url= (or href=), type=, length= */
	A_SKIP,         /* nothing inside is ours */
};

/* The context a row needs, as bits: a row applies when the element is in
 * every place its WHEN names (0: anywhere). */
enum {
	IN_ITEM = 1 << 0,       /* inside an item or entry */
	IN_FEED = 1 << 1,       /* outside any item */
	IN_AUTHOR = 1 << 2,     /* inside an Atom author */
	IN_ATOM = 1 << 3,       /* the document is Atom 0.3 or 1.0 */
};

/* Row flags. */
enum {
	F_CONTENT = 1 << 0,     /* a content element: later summaries stay summaries */
	F_ATOM_ID = 1 << 1,     /* the guid is an Atom id (an IRI) */
	F_CHANNEL = 1 << 2,     /* RSS: closing it means every item was read */
};

/* The root element's format. */
enum root { R_NONE, R_RSS, R_RDF, R_ATOM };

struct el_rule {
	uint8_t ns;             /* enum ns */
	const char *name;       /* local name (matched exactly, then ignoring case) */
	uint8_t when;           /* IN_* bits */
	uint8_t act;            /* enum act */
	uint8_t tgt;            /* enum target (A_CAPTURE, A_CONSTRUCT, A_GUID, A_CATEGORY) */
	uint8_t prio;           /* the target's priority: lower wins */
	uint8_t type;           /* enum ctype: the value's type (the default for A_CONSTRUCT) */
	uint8_t flags;          /* F_* */
	uint8_t root;           /* enum root: what it makes the document as the root */
};

/* The class of a namespace URI (or, without one, of an undeclared prefix). */
enum ns xml_ns_classify(const char *prefix, const char *uri);

/* The first row for NS and NAME, or NULL: an element we do not read. The
 * rows of one element are together, the last one for anywhere (WHEN 0). */
const struct el_rule *xml_rule_find(enum ns ns, const char *name);

/* The row of element FIRST (xml_rule_find's) for context CTX (IN_* bits). */
static inline const struct el_rule *xml_rule_pick(const struct el_rule *first, unsigned ctx)
{
	while ((first->when & ctx) != first->when)
		first++;
	return first;
}

/* Whether every element's rows end with one for anywhere (for the tests). */
int xml_rules_check(void);

#endif
