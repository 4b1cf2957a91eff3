/* apifmt_text.c — the socket API's item lists as sfeed's TSV and as
 * Atom 1.0 from the items' JSON (apifmt_tsv, apifmt_atom), and the Atom
 * document around entries (apifmt_atom_doc). The daemon writes rows with
 * core/apifmt_row.c, which must give these functions' bytes: they are the
 * reference its tests and fuzz_render compare with, kept as plain as can be.
 *
 * Ownership: json_t arguments are borrowed; the bytes go to the caller's
 * struct buf. */
#include "core/apifmt_int.h"

#include <stdlib.h>
#include <string.h>

#include "core/date.h"
#include "core/utf8.h"
#include "core/item.h"
#include "core/sanitize.h"

/* --- TSV --- */

static const char *str(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s ? s : NULL;
}

/* title, id, author: whitespace becomes a space, control bytes go. */
static void tsv_trimmed(struct buf *b, const char *s)
{
	if (!s)
		return;
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f')
			buf_append(b, " ", 1);
		else if (c >= 0x20 && c != 0x7f)
			buf_append(b, s, 1);
	}
}

/* link, enclosure: no whitespace or control bytes at all. */
static void tsv_uri(struct buf *b, const char *s)
{
	if (!s)
		return;
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c > 0x20 && c != 0x7f)
			buf_append(b, s, 1);
	}
}

/* content: TAB, newline and backslash escaped with a backslash. */
static void tsv_escaped(struct buf *b, const char *s)
{
	if (!s)
		return;
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '\\')
			buf_append(b, "\\\\", 2);
		else if (c == '\t')
			buf_append(b, "\\t", 2);
		else if (c == '\n')
			buf_append(b, "\\n", 2);
		else if (c >= 0x20 && c != 0x7f)
			buf_append(b, s, 1);
	}
}

static int64_t item_time(const json_t *it, const char *const *keys)
{
	for (; *keys; keys++) {
		const char *s = str(it, *keys);
		int64_t t;
		if (s && date_parse(s, &t) == 0)
			return t;
	}
	return DATE_NONE;
}

/* "date" is the item's date as the store keeps it (core/item.h,
 * item_date()); the others only for items rendered without one. */
static const char *const tsv_time_keys[] = { "date", "published", "updated", "first_seen", NULL };

static void tsv_item(struct buf *b, const json_t *it)
{
	int64_t t = item_time(it, tsv_time_keys);
	if (t != DATE_NONE)
		buf_printf(b, "%lld", (long long)t);
	buf_append(b, "\t", 1);
	/* sfeed's title is plain text: a title with markup as a reader
	 * shows it. */
	char *text = sanitize_title_text(str(it, "title"));
	tsv_trimmed(b, text ? text : str(it, "title"));
	free(text);
	buf_append(b, "\t", 1);
	tsv_uri(b, str(it, "url"));
	buf_append(b, "\t", 1);
	const char *content = str(it, "content");
	if (!content)
		content = str(it, "summary");
	tsv_escaped(b, content);
	buf_append(b, "\t", 1);
	if (content)   /* no markup, no entity: the same text read as plain */
		buf_puts(b, strpbrk(content, "<&") ? "html" : "plain");
	buf_append(b, "\t", 1);
	tsv_trimmed(b, str(it, "guid"));
	buf_append(b, "\t", 1);
	tsv_trimmed(b, str(it, "author"));
	buf_append(b, "\t", 1);
	const json_t *enc = json_array_get(json_object_get(it, "enclosures"), 0);
	tsv_uri(b, enc ? str(enc, "url") : NULL);
	buf_append(b, "\t", 1);
	size_t j;
	const json_t *cat;
	json_array_foreach(json_object_get(it, "categories"), j, cat) {
		if (j)
			buf_append(b, "|", 1);
		/* '|' separates categories: one inside a name becomes a space. */
		for (const char *s = json_string_value(cat); s && *s; s++) {
			unsigned char c = (unsigned char)*s;
			if (c == '|' || c == '\t' || c == '\n' || c == '\r')
				buf_append(b, " ", 1);
			else if (c >= 0x20 && c != 0x7f)
				buf_append(b, s, 1);
		}
	}
	buf_append(b, "\n", 1);
}

void apifmt_tsv(struct buf *b, const json_t *items)
{
	size_t i;
	const json_t *it;
	json_array_foreach(items, i, it)
		tsv_item(b, it);
}

/* --- Atom --- */

/* A run of well-formed UTF-8 escaped for XML text and attributes; the C0
 * controls XML 1.0 forbids (all but TAB/LF/CR) are dropped. */
static void xml_run(struct buf *b, const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		switch (p[i]) {
		case '&': buf_puts(b, "&amp;"); break;
		case '<': buf_puts(b, "&lt;"); break;
		case '>': buf_puts(b, "&gt;"); break;
		case '"': buf_puts(b, "&quot;"); break;
		case '\t': case '\n': case '\r': buf_append(b, p + i, 1); break;
		default:
			if (p[i] >= 0x20)
				buf_append(b, p + i, 1);
		}
	}
}

/* S escaped for XML: U+FFFE and U+FFFF (which XML forbids) dropped, and
 * bytes that are not UTF-8 — item fields are, having been through JSON,
 * but the caller's title need not be — each become U+FFFD, so that the
 * document is always well-formed. */
static void xml_text(struct buf *b, const char *s)
{
	if (!s)
		return;
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s);
	while (n) {
		size_t ok = utf8_xml_prefix(p, n);
		xml_run(b, p, ok);
		p += ok;
		n -= ok;
		if (!n)
			break;
		if (n >= 3 && p[0] == 0xEF && p[1] == 0xBF && (p[2] == 0xBE || p[2] == 0xBF)) {
			p += 3;
			n -= 3;
			continue;
		}
		buf_puts(b, "\xEF\xBF\xBD");
		p++;
		n--;
	}
}

static void atom_elem(struct buf *b, const char *tag, const char *attrs, const char *text)
{
	buf_printf(b, "<%s%s>", tag, attrs ? attrs : "");
	xml_text(b, text);
	buf_printf(b, "</%s>\n", tag);
}

static void atom_date(struct buf *b, const char *tag, int64_t t)
{
	char d[32];
	date_format_rfc3339(t, d, sizeof d);
	buf_printf(b, "<%s>%s</%s>\n", tag, d, tag);
}

static const char *const atom_updated_keys[] = { "updated", "date", "published", "first_seen", NULL };
static const char *const atom_published_keys[] = { "date", "published", NULL };

/* The entry's atom:id: unique in every output and stable across calls and
 * restarts, built from the feed's name and the item's stored id (never
 * reused). Publishers' guids are not: a blog's main and category feeds
 * carry the same ones, and readers drop entries whose id they have seen.
 * The name's bytes outside RFC 3986's unreserved set are %-escaped. */
static void atom_id(struct buf *b, const json_t *it)
{
	buf_puts(b, "<id>tag:feedd,2026:");
	const char *feed = str(it, "feed");
	for (const unsigned char *p = (const unsigned char *)(feed ? feed : ""); *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '-' || *p == '.' || *p == '_' || *p == '~')
			buf_append(b, p, 1);
		else
			buf_printf(b, "%%%02X", *p);
	}
	buf_printf(b, "/%lld</id>\n", (long long)json_integer_value(json_object_get(it, "id")));
}

static void atom_entry(struct buf *b, const json_t *it, int64_t now)
{
	buf_puts(b, "<entry>\n");
	atom_id(b, it);
	/* The publisher's guid as written, for readers that want it. */
	if (str(it, "guid"))
		atom_elem(b, "feedd:guid", NULL, str(it, "guid"));
	const char *title = str(it, "title");
	/* A title kept with its markup is HTML to the reader too. */
	atom_elem(b, "title", sanitize_looks_html(title) ? " type=\"html\"" : " type=\"text\"",
		  title ? title : "");
	int64_t up = item_time(it, atom_updated_keys);
	atom_date(b, "updated", up != DATE_NONE ? up : now);
	int64_t pub = item_time(it, atom_published_keys);
	if (pub != DATE_NONE)
		atom_date(b, "published", pub);
	const char *author = str(it, "author");
	if (author && *author) {
		buf_puts(b, "<author>");
		atom_elem(b, "name", NULL, author);
		buf_puts(b, "</author>\n");
	}
	const char *url = str(it, "url");
	if (url) {
		buf_puts(b, "<link rel=\"alternate\" href=\"");
		xml_text(b, url);
		buf_puts(b, "\"/>\n");
	}
	size_t i;
	const json_t *v;
	json_array_foreach(json_object_get(it, "enclosures"), i, v) {
		const char *eu = str(v, "url");
		if (!eu)
			continue;
		buf_puts(b, "<link rel=\"enclosure\" href=\"");
		xml_text(b, eu);
		buf_puts(b, "\"");
		if (str(v, "type")) {
			buf_puts(b, " type=\"");
			xml_text(b, str(v, "type"));
			buf_puts(b, "\"");
		}
		if (json_is_integer(json_object_get(v, "length")))
			buf_printf(b, " length=\"%lld\"",
				   (long long)json_integer_value(json_object_get(v, "length")));
		buf_puts(b, "/>\n");
	}
	json_array_foreach(json_object_get(it, "categories"), i, v) {
		if (!json_string_value(v) || !*json_string_value(v))
			continue;
		buf_puts(b, "<category term=\"");
		xml_text(b, json_string_value(v));
		buf_puts(b, "\"/>\n");
	}
	if (str(it, "summary"))
		atom_elem(b, "summary", " type=\"html\"", str(it, "summary"));
	if (str(it, "content"))
		atom_elem(b, "content", " type=\"html\"", str(it, "content"));
	if (str(it, "feed")) {
		buf_puts(b, "<source>");
		atom_elem(b, "title", NULL, str(it, "feed"));
		buf_puts(b, "</source>\n");
	}
	buf_puts(b, "</entry>\n");
}

static void atom_head(struct buf *b, const char *title, int64_t newest, int64_t now)
{
	buf_puts(b, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
		    "<feed xmlns=\"http://www.w3.org/2005/Atom\" xmlns:feedd=\"" APIFMT_ATOM_NS "\">\n"
		    "<id>urn:feedd:items</id>\n");
	atom_elem(b, "title", " type=\"text\"", title);
	atom_date(b, "updated", newest != DATE_NONE ? newest : now);
	/* Entries without an author inherit this one; Atom wants one each. */
	buf_puts(b, "<author><name>feedd</name></author>\n");
	buf_puts(b, "<generator uri=\"" FEEDD_URL "\" version=\"" FEEDD_VERSION "\">feedd</generator>\n");
}

void apifmt_atom(struct buf *b, const json_t *items, const char *title, int64_t now)
{
	int64_t newest = DATE_NONE;
	size_t i;
	const json_t *it;
	json_array_foreach(items, i, it) {
		int64_t t = item_time(it, atom_updated_keys);
		if (t != DATE_NONE && (newest == DATE_NONE || t > newest))
			newest = t;
	}
	atom_head(b, title, newest, now);
	json_array_foreach(items, i, it)
		atom_entry(b, it, now);
	buf_puts(b, "</feed>\n");
}

void apifmt_atom_doc(struct buf *b, const char *title, int64_t newest, int64_t now,
		     const char *entries, size_t len)
{
	atom_head(b, title, newest, now);
	buf_append(b, entries, len);
	buf_puts(b, "</feed>\n");
}
