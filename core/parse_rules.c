/* parse_rules.c — the XML element rules as tables: namespace URIs (and the
 * prefixes used undeclared) to namespace classes, and (namespace, local
 * name, context) to what the element does. Read-only data and the two
 * look-ups over it; parse_xml.c remembers the look-ups per parser.
 *
 * As in sfeed's tag tables, an element is a row naming its field; a field
 * several elements can fill (the title from <title>, dc:title or
 * media:title) has a priority per row, and lower wins. Where an element
 * means different things in different places (Atom summary in an entry
 * and in the feed), it has one row per place, the most specific first and
 * the last for anywhere. */
#include "core/parse_rules.h"

#include <ctype.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <strings.h>

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

#define CORE NS_CORE
#define DC NS_DC
#define DCT NS_DCTERMS
#define CONT NS_CONTENT
#define MEDIA NS_MEDIA
#define ITUNES NS_ITUNES
#define SY NS_SY
#define RDF NS_RDF
#define XHTML NS_XHTML
#define ITEM IN_ITEM
#define FEED IN_FEED
#define AUTH IN_AUTHOR
#define ATOM IN_ATOM
#define TEXT CT_TEXT
#define HTML CT_HTML

/* namespace, local name, context → action, target, priority, type, flags, root */
static const struct el_rule rules[] = {
	/* roots and containers */
	{CORE, "rss",           0,         A_NONE,      T_NONE, 0, TEXT, 0, R_RSS},
	{RDF,  "RDF",           0,         A_NONE,      T_NONE, 0, TEXT, 0, R_RDF},
	{CORE, "feed",          ITEM,      A_NONE,      T_NONE, 0, TEXT, 0, R_ATOM},
	{CORE, "feed",          0,         A_FEED,      T_NONE, 0, TEXT, 0, R_ATOM},
	{CORE, "channel",       0,         A_FEED,      T_NONE, 0, TEXT, F_CHANNEL, R_RSS},
	{CORE, "item",          ITEM,      A_NONE,      T_NONE, 0, TEXT, 0, 0},
	{CORE, "item",          0,         A_ITEM,      T_NONE, 0, TEXT, 0, 0},
	{CORE, "entry",         ITEM,      A_NONE,      T_NONE, 0, TEXT, 0, 0},
	{CORE, "entry",         0,         A_ITEM,      T_NONE, 0, TEXT, 0, 0},
	/* titles */
	{CORE, "title",         0,         A_CONSTRUCT, T_TITLE, 1, TEXT, 0, 0},
	{CORE, "link",          0,         A_LINK,      T_LINK, 2, TEXT, 0, 0},
	/* descriptions, summaries, content */
	{CORE, "description",   0,         A_CONSTRUCT, T_DESC, 1, HTML, 0, 0},
	{CORE, "subtitle",      ITEM,      A_CONSTRUCT, T_NONE, 1, TEXT, 0, 0},
	{CORE, "subtitle",      0,         A_CONSTRUCT, T_DESC, 1, TEXT, 0, 0},
	{CORE, "tagline",       ITEM,      A_CONSTRUCT, T_NONE, 1, TEXT, 0, 0},
	{CORE, "tagline",       0,         A_CONSTRUCT, T_DESC, 1, TEXT, 0, 0},
	{CORE, "summary",       ITEM|ATOM, A_CONSTRUCT, T_SUMMARY, 1, TEXT, 0, 0},
	{CORE, "summary",       ITEM,      A_CONSTRUCT, T_SUMMARY, 1, HTML, 0, 0},
	{CORE, "summary",       ATOM,      A_CONSTRUCT, T_DESC, 1, TEXT, 0, 0},
	{CORE, "summary",       0,         A_CONSTRUCT, T_DESC, 1, HTML, 0, 0},
	{CORE, "content",       0,         A_CONSTRUCT, T_CONTENT, 1, TEXT, F_CONTENT, 0},
	{CONT, "encoded",       0,         A_CAPTURE,   T_CONTENT, 1, HTML, F_CONTENT, 0},
	{CORE, "fullitem",      0,         A_CAPTURE,   T_CONTENT, 1, HTML, F_CONTENT, 0},
	{XHTML, "body",         0,         A_CAPTURE,   T_CONTENT, 2, CT_XHTML, 0, 0},
	{CORE, "body",          0,         A_CAPTURE,   T_CONTENT, 2, CT_XHTML, 0, 0},
	{ITUNES, "subtitle",    FEED,      A_CAPTURE,   T_DESC, 5, TEXT, 0, 0},
	{ITUNES, "subtitle",    0,         A_NONE,      T_NONE, 0, TEXT, 0, 0},
	{ITUNES, "summary",     0,         A_CAPTURE,   T_DESC, 3, HTML, 0, 0},
	{MEDIA, "description",  0,         A_CAPTURE,   T_DESC, 4, TEXT, 0, 0},
	{DC,   "description",   0,         A_CAPTURE,   T_DESC, 2, HTML, 0, 0},
	{DC,   "title",         0,         A_CAPTURE,   T_TITLE, 2, TEXT, 0, 0},
	{MEDIA, "title",        0,         A_CAPTURE,   T_TITLE, 3, TEXT, 0, 0},
	/* identity and dates */
	{CORE, "guid",          0,         A_GUID,      T_GUID, 1, TEXT, 0, 0},
	{CORE, "id",            0,         A_GUID,      T_GUID, 1, TEXT, F_ATOM_ID, 0},
	{CORE, "pubDate",       0,         A_CAPTURE,   T_PUBLISHED, 1, TEXT, 0, 0},
	{CORE, "published",     0,         A_CAPTURE,   T_PUBLISHED, 1, TEXT, 0, 0},
	{CORE, "issued",        0,         A_CAPTURE,   T_PUBLISHED, 1, TEXT, 0, 0},
	{DCT,  "issued",        0,         A_CAPTURE,   T_PUBLISHED, 1, TEXT, 0, 0},
	{CORE, "updated",       0,         A_CAPTURE,   T_UPDATED, 1, TEXT, 0, 0},
	{CORE, "modified",      0,         A_CAPTURE,   T_UPDATED, 1, TEXT, 0, 0},
	{DC,   "date",          0,         A_CAPTURE,   T_UPDATED, 1, TEXT, 0, 0},
	{DCT,  "modified",      0,         A_CAPTURE,   T_UPDATED, 1, TEXT, 0, 0},
	{CORE, "lastBuildDate", 0,         A_CAPTURE,   T_UPDATED, 1, TEXT, 0, 0},
	/* authors */
	{CORE, "author",        ATOM,      A_AUTHOR,    T_NONE, 0, TEXT, 0, 0},
	{CORE, "author",        0,         A_CAPTURE,   T_AUTHOR, 1, TEXT, 0, 0},
	{CORE, "contributor",   0,         A_SKIP,      T_NONE, 0, TEXT, 0, 0},
	{DC,   "creator",       0,         A_CAPTURE,   T_AUTHOR, 2, TEXT, 0, 0},
	{DC,   "author",        0,         A_CAPTURE,   T_AUTHOR, 2, TEXT, 0, 0},
	{DC,   "contributor",   0,         A_SKIP,      T_NONE, 0, TEXT, 0, 0},
	{ITUNES, "author",      0,         A_CAPTURE,   T_AUTHOR, 3, TEXT, 0, 0},
	{CORE, "name",          AUTH,      A_CAPTURE,   T_NAME, 1, TEXT, 0, 0},
	{CORE, "name",          0,         A_NONE,      T_NONE, 0, TEXT, 0, 0},
	{CORE, "email",         AUTH,      A_CAPTURE,   T_EMAIL, 1, TEXT, 0, 0},
	{CORE, "email",         0,         A_NONE,      T_NONE, 0, TEXT, 0, 0},
	/* categories and enclosures */
	{CORE, "category",      0,         A_CATEGORY,  T_CATEGORY, 1, TEXT, 0, 0},
	{DC,   "subject",       0,         A_CAPTURE,   T_CATEGORY, 1, TEXT, 0, 0},
	{MEDIA, "category",     0,         A_CAPTURE,   T_CATEGORY, 1, TEXT, 0, 0},
	{ITUNES, "keywords",    0,         A_CAPTURE,   T_KEYWORDS, 1, TEXT, 0, 0},
	{CORE, "tags",          0,         A_CAPTURE,   T_KEYWORDS, 1, TEXT, 0, 0},
	{ITUNES, "category",    ITEM,      A_ITUNES_CATEGORY, T_NONE, 0, TEXT, 0, 0},
	{ITUNES, "category",    0,         A_NONE,      T_NONE, 0, TEXT, 0, 0},
	{CORE, "enclosure",     ITEM,      A_ENCLOSURE, T_NONE, 0, TEXT, 0, 0},
	{CORE, "enclosure",     0,         A_NONE,      T_NONE, 0, TEXT, 0, 0},
	/* the feed's language and its fetch hints */
	{CORE, "language",      0,         A_CAPTURE,   T_LANGUAGE, 1, TEXT, 0, 0},
	{DC,   "language",      0,         A_CAPTURE,   T_LANGUAGE, 1, TEXT, 0, 0},
	{CORE, "ttl",           0,         A_CAPTURE,   T_TTL, 1, TEXT, 0, 0},
	{CORE, "skipHours",     0,         A_NONE,      T_NONE, 0, TEXT, 0, 0},
	{CORE, "hour",          0,         A_CAPTURE,   T_HOUR, 1, TEXT, 0, 0},
	{CORE, "skipDays",      0,         A_NONE,      T_NONE, 0, TEXT, 0, 0},
	{CORE, "day",           0,         A_CAPTURE,   T_DAY, 1, TEXT, 0, 0},
	{SY,   "updatePeriod",  0,         A_CAPTURE,   T_SY_PERIOD, 1, TEXT, 0, 0},
	{SY,   "updateFrequency", 0,       A_CAPTURE,   T_SY_FREQ, 1, TEXT, 0, 0},
	/* subtrees with nothing of ours inside */
	{CORE, "image",         0,         A_SKIP,      T_NONE, 0, TEXT, 0, 0},
	{CORE, "textInput",     0,         A_SKIP,      T_NONE, 0, TEXT, 0, 0},
	{CORE, "textinput",     0,         A_SKIP,      T_NONE, 0, TEXT, 0, 0},
	{CORE, "source",        0,         A_SKIP,      T_NONE, 0, TEXT, 0, 0},
	{CORE, "author_detail", 0,         A_SKIP,      T_NONE, 0, TEXT, 0, 0},
};

#define NRULES (sizeof rules / sizeof rules[0])

enum ns xml_ns_classify(const char *prefix, const char *uri)
{
	if (!uri) {
		if (!prefix)
			return NS_CORE;
		for (size_t i = 0; i < sizeof ns_prefixes / sizeof ns_prefixes[0]; i++)
			if (strcasecmp(prefix, ns_prefixes[i].prefix) == 0)
				return ns_prefixes[i].ns;
		return NS_OTHER;
	}
	/* Called for every new element and namespaced attribute: compare
	 * the lengths before the strings. */
	static size_t lens[sizeof ns_uris / sizeof ns_uris[0]];
	if (!lens[0])
		for (size_t i = 0; i < sizeof ns_uris / sizeof ns_uris[0]; i++)
			lens[i] = strlen(ns_uris[i].uri);
	size_t n = strlen(uri);
	for (size_t i = 0; i < sizeof ns_uris / sizeof ns_uris[0]; i++)
		if (lens[i] == n && strcasecmp(uri, ns_uris[i].uri) == 0)
			return ns_uris[i].ns;
	if (!*uri)
		return NS_CORE;
	/* An unknown default namespace: read its elements by name, as a
	 * tolerant reader would. */
	return prefix ? NS_OTHER : NS_CORE;
}

const struct el_rule *xml_rule_find(enum ns ns, const char *name)
{
	if (ns == NS_OTHER)
		return NULL;
	for (size_t i = 0; i < NRULES; i++)
		if (rules[i].ns == ns && rules[i].name[0] == name[0] &&
		    strcmp(rules[i].name, name) == 0)
			return &rules[i];
	/* Case-insensitive second chance (pubdate, lastbuilddate, ...). */
	int c0 = tolower((unsigned char)name[0]);
	for (size_t i = 0; i < NRULES; i++)
		if (rules[i].ns == ns && tolower((unsigned char)rules[i].name[0]) == c0 &&
		    strcasecmp(rules[i].name, name) == 0)
			return &rules[i];
	return NULL;
}

int xml_rules_check(void)
{
	for (size_t i = 0; i < NRULES; i++) {
		bool last = i + 1 == NRULES || rules[i + 1].ns != rules[i].ns ||
			    strcmp(rules[i + 1].name, rules[i].name) != 0;
		if (last && rules[i].when != 0)
			return -1;
		/* An element's rows are together. */
		for (size_t j = i + 2; last && j < NRULES; j++)
			if (rules[j].ns == rules[i].ns && !strcmp(rules[j].name, rules[i].name))
				return -1;
	}
	return 0;
}
