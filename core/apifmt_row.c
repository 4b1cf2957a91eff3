/* apifmt_row.c — the socket API's TSV (sfeed(5)) and Atom written straight
 * from the store's item rows (apifmt_row_tsv, apifmt_row_atom): byte for
 * byte what apifmt_tsv and apifmt_atom (core/apifmt_text.c, the reference)
 * write of item_row_to_json(ROW), without the tree. Text is copied in runs
 * up to the next byte the format changes, dates are written without stdio,
 * and the stored category/enclosure JSON is read in place.
 *
 * Ownership: rows are borrowed; the bytes go to the caller's struct buf. */
#include "core/apifmt_int.h"

#include <stdlib.h>
#include <string.h>

#include "core/date.h"
#include "core/item.h"
#include "core/sanitize.h"
#include "core/utf8.h"

/* --- text, a run at a time --- */

/* How each format writes a text field: which bytes it keeps, drops, turns
 * into a space or escapes (apifmt_text.c's tsv_trimmed, tsv_uri,
 * tsv_escaped, the categories' loop and xml_run). */
enum mode {
	M_TSV_TRIM,      /* title, id, author: whitespace a space, controls go */
	M_TSV_URI,       /* link, enclosure: no whitespace, no controls */
	M_TSV_ESC,       /* content: TAB, LF and backslash escaped */
	M_TSV_CAT,       /* a category: '|' and whitespace a space */
	M_XML,           /* XML text and attributes */
	M__COUNT
};

enum { KEEP, DROP, SPACE, AMP, LT, GT, QUOT, BSLASH, TAB, NL };

static const struct {
	char s[7];
	unsigned char n;
} repl[] = {
	[DROP] = { "", 0 }, [SPACE] = { " ", 1 }, [AMP] = { "&amp;", 5 }, [LT] = { "&lt;", 4 },
	[GT] = { "&gt;", 4 }, [QUOT] = { "&quot;", 6 }, [BSLASH] = { "\\\\", 2 },
	[TAB] = { "\\t", 2 }, [NL] = { "\\n", 2 },
};

/* Bytes from 0x80 are all kept: the UTF-8 checks are put_text's. TAB is
 * 9, LF 10, VT 11, FF 12, CR 13. */
static const unsigned char cls[M__COUNT][256] = {
	[M_TSV_TRIM] = { [0 ... 8] = DROP, [9 ... 13] = SPACE, [14 ... 0x1f] = DROP,
			 [0x7f] = DROP },
	[M_TSV_URI] = { [0 ... 0x20] = DROP, [0x7f] = DROP },
	[M_TSV_ESC] = { [0 ... 8] = DROP, ['\t'] = TAB, ['\n'] = NL, [11 ... 0x1f] = DROP,
			['\\'] = BSLASH, [0x7f] = DROP },
	[M_TSV_CAT] = { [0 ... 8] = DROP, ['\t'] = SPACE, ['\n'] = SPACE, [11 ... 12] = DROP,
			['\r'] = SPACE, [14 ... 0x1f] = DROP, ['|'] = SPACE, [0x7f] = DROP },
	[M_XML] = { [0 ... 8] = DROP, [11 ... 12] = DROP, [14 ... 0x1f] = DROP,
		    ['&'] = AMP, ['<'] = LT, ['>'] = GT, ['"'] = QUOT },
};

/* P[0..N), well-formed UTF-8, in mode M: the kept bytes in runs. */
static void put_run(struct buf *b, enum mode m, const unsigned char *p, size_t n)
{
	const unsigned char *c = cls[m];
	size_t start = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char k = c[p[i]];
		if (k == KEEP)
			continue;
		buf_append(b, p + start, i - start);
		buf_append(b, repl[k].s, repl[k].n);
		start = i + 1;
	}
	buf_append(b, p + start, n - start);
}

/* S[0..N) in mode M as the tree writers see it: bytes that are not UTF-8
 * became U+FFFD in the item's JSON (json_string_lossy); U+FFFE and U+FFFF
 * stay in TSV, XML drops them (xml_text). */
static void put_text(struct buf *b, enum mode m, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	while (n) {
		size_t ok = utf8_xml_prefix(p, n);
		put_run(b, m, p, ok);
		p += ok;
		n -= ok;
		if (!n)
			break;
		size_t k = utf8_seq_len(p, n);
		if (k) {    /* U+FFFE or U+FFFF */
			if (m != M_XML)
				buf_append(b, p, k);
			p += k;
			n -= k;
			continue;
		}
		buf_append(b, "\xEF\xBF\xBD", 3);
		p++;
		n--;
	}
}

static void put_str(struct buf *b, enum mode m, const char *s)
{
	if (s)
		put_text(b, m, s, strlen(s));
}

/* <TAG ATTRS>S</TAG> and a newline, as atom_elem writes it. */
static void put_elem(struct buf *b, const char *open, size_t olen, const char *s,
		     const char *close, size_t clen)
{
	buf_append(b, open, olen);
	put_str(b, M_XML, s);
	buf_append(b, close, clen);
}
#define ELEM(b, open, s, close) put_elem(b, open, sizeof open - 1, s, close, sizeof close - 1)

/* --- dates --- */

/* The instant the tree writers read back from the date string the item's
 * JSON has for T (date_format_rfc3339, then date_parse), or DATE_NONE when
 * it has null or a string that does not parse. Within 1970..9999 that is
 * T itself; outside, the round trip is made. */
static int64_t json_time(int64_t t)
{
	if (t == DATE_NONE)
		return DATE_NONE;
	if (t >= 0 && t <= INT64_C(253402300799))
		return t;
	char d[32];
	int64_t v;
	date_format_rfc3339(t, d, sizeof d);
	return date_parse(d, &v) == 0 ? v : DATE_NONE;
}

/* The store's times, where 0 is "unknown" (json_seen). */
static int64_t seen_time(int64_t t)
{
	return t ? json_time(t) : DATE_NONE;
}

static int64_t first_of(int64_t a, int64_t b, int64_t c, int64_t d)
{
	return a != DATE_NONE ? a : b != DATE_NONE ? b : c != DATE_NONE ? c : d;
}

/* <TAG>date</TAG> and a newline. */
static void put_date_elem(struct buf *b, const char *open, size_t olen, int64_t t,
			  const char *close, size_t clen)
{
	char d[96];
	memcpy(d, open, olen);
	size_t n = olen + date_rfc3339(t, d + olen);
	memcpy(d + n, close, clen);
	buf_append(b, d, n + clen);
}
#define DATE_ELEM(b, open, t, close) \
	put_date_elem(b, open, sizeof open - 1, t, close, sizeof close - 1)

/* --- stored JSON text (categories, enclosures), read in place --- */

/* What the item's JSON holds for stored TEXT, as compact JSON text: TEXT
 * itself when it is canonical (apifmt_stored_canonical), else what
 * apifmt_put_json writes of json_loads(TEXT), in TMP; NULL when it is not
 * JSON (the tree has [] then). Either way the text is compact JSON whose
 * strings carry only apifmt_put_string's escapes. */
static const char *stored_text(const char *text, struct buf *tmp)
{
	if (!text)
		return NULL;
	if (apifmt_stored_canonical(text))
		return text;
	json_t *j = json_loads(text, 0, NULL);
	if (!j)
		return NULL;
	tmp->len = 0;
	apifmt_put_json(tmp, j);
	json_decref(j);
	return tmp->oom ? NULL : tmp->data;
}

/* The end of the string, or of the value, starting at P. */
static const char *skip_string(const char *p)
{
	for (p++; *p != '"'; p++)
		if (*p == '\\')
			p++;
	return p + 1;
}

static const char *skip_value(const char *p)
{
	if (*p == '"')
		return skip_string(p);
	if (*p != '[' && *p != '{') {
		while (*p && *p != ',' && *p != ']' && *p != '}')
			p++;
		return p;
	}
	int depth = 0;
	do {
		if (*p == '"') {
			p = skip_string(p);
			continue;
		}
		if (*p == '[' || *p == '{')
			depth++;
		else if (*p == ']' || *p == '}')
			depth--;
		p++;
	} while (depth > 0);
	return p;
}

static unsigned hexval(char c)
{
	return c <= '9' ? (unsigned)(c - '0') : (unsigned)(c - 'A' + 10);
}

/* The JSON string at P, decoded, in mode M. */
static void put_json_string(struct buf *b, enum mode m, const char *p)
{
	p++;
	for (;;) {
		const char *q = p;
		while (*q != '"' && *q != '\\')
			q++;
		put_text(b, m, p, (size_t)(q - p));
		if (*q == '"')
			return;
		char c = q[1];
		p = q + 2;
		switch (c) {
		case 'n': c = '\n'; break;
		case 'r': c = '\r'; break;
		case 't': c = '\t'; break;
		case 'b': c = '\b'; break;
		case 'f': c = '\f'; break;
		case 'u':
			c = (char)(hexval(q[4]) << 4 | hexval(q[5]));
			p = q + 6;
			break;
		default: break;     /* '"', '\\' */
		}
		put_text(b, m, &c, 1);
	}
}

/* An enclosure object's values: where "url", "type", "length" start. */
struct enc {
	const char *url, *type, *length;
};

static void enc_fields(const char *p, struct enc *e)
{
	memset(e, 0, sizeof *e);
	for (p++; *p == '"';) {
		const char *k = p;
		p = skip_string(p);
		size_t kl = (size_t)(p - k);
		const char **slot = NULL;
		if (kl == 5 && memcmp(k, "\"url\"", 5) == 0)
			slot = &e->url;
		else if (kl == 6 && memcmp(k, "\"type\"", 6) == 0)
			slot = &e->type;
		else if (kl == 8 && memcmp(k, "\"length\"", 8) == 0)
			slot = &e->length;
		p++;            /* ':' */
		if (slot)
			*slot = p;
		p = skip_value(p);
		if (*p == ',')
			p++;
	}
}

static bool is_string(const char *v)
{
	return v && *v == '"';
}

/* A JSON integer (json_is_integer): a number without fraction or exponent. */
static bool is_integer(const char *v)
{
	if (!v || (*v != '-' && (*v < '0' || *v > '9')))
		return false;
	for (v++; *v >= '0' && *v <= '9'; v++)
		;
	return *v != '.' && *v != 'e' && *v != 'E';
}

/* The start of the value after the one at V, or its array's ']'. */
static const char *next_element(const char *v)
{
	v = skip_value(v);
	return *v == ',' ? v + 1 : v;
}

/* Each element V of the array TEXT (a NULL TEXT, or any other value, has
 * none). */
#define EACH_ELEMENT(text, v) \
	for (const char *v = (text) && *(text) == '[' ? (text) + 1 : "]"; *v != ']'; \
	     v = next_element(v))

/* --- TSV --- */

void apifmt_row_tsv(struct buf *b, const struct item_row *r)
{
	int64_t t = first_of(seen_time(r->date), json_time(r->published), json_time(r->updated),
			     seen_time(r->first_seen));
	if (t != DATE_NONE)
		apifmt_put_int(b, t);
	buf_append(b, "\t", 1);
	/* sfeed's title is plain text: a title with markup, as a reader
	 * shows it. */
	char *text = sanitize_title_text(r->title);
	put_str(b, M_TSV_TRIM, text ? text : r->title);
	free(text);
	buf_append(b, "\t", 1);
	put_str(b, M_TSV_URI, r->url);
	buf_append(b, "\t", 1);
	const char *content = r->content ? r->content : r->summary;
	put_str(b, M_TSV_ESC, content);
	buf_append(b, "\t", 1);
	if (!content)
		buf_append(b, "\t", 1);
	else if (strpbrk(content, "<&"))
		buf_append(b, "html\t", 5);
	else   /* no markup, no entity: the same text read as plain */
		buf_append(b, "plain\t", 6);
	put_str(b, M_TSV_TRIM, r->guid);
	buf_append(b, "\t", 1);
	put_str(b, M_TSV_TRIM, r->author);
	buf_append(b, "\t", 1);
	struct buf tmp = { 0 };
	const char *encs = stored_text(r->enclosures, &tmp);
	EACH_ELEMENT(encs, v) {
		if (*v == '{') {
			struct enc e;
			enc_fields(v, &e);
			if (is_string(e.url))
				put_json_string(b, M_TSV_URI, e.url);
		}
		break;          /* the first one only */
	}
	buf_append(b, "\t", 1);
	const char *cats = stored_text(r->categories, &tmp);
	bool first = true;
	EACH_ELEMENT(cats, v) {
		if (!first)
			buf_append(b, "|", 1);
		first = false;
		if (*v == '"')
			put_json_string(b, M_TSV_CAT, v);
	}
	buf_append(b, "\n", 1);
	if (tmp.oom)
		b->oom = true;
	buf_free(&tmp);
}

/* --- Atom --- */

/* <id>tag:feedd,2026:FEED/ID</id> (apifmt_text.c's atom_id): FEED's bytes,
 * as its JSON has them, outside RFC 3986's unreserved set %-escaped. */
static void put_atom_id(struct buf *b, const char *feed, int64_t id)
{
	static const char hex[] = "0123456789ABCDEF";
	buf_append(b, "<id>tag:feedd,2026:", 19);
	const unsigned char *p = (const unsigned char *)(feed ? feed : "");
	size_t n = strlen((const char *)p);
	size_t ok = 0;       /* the end of the valid stretch P is in */
	while (n) {
		if (!ok) {
			ok = utf8_xml_prefix(p, n);
			if (!ok) {
				/* U+FFFE/U+FFFF as they are, else U+FFFD. */
				size_t k = utf8_seq_len(p, n);
				const unsigned char *q = k ? p : (const unsigned char *)"\xEF\xBF\xBD";
				for (size_t i = 0; i < (k ? k : 3); i++) {
					char e[3] = { '%', hex[q[i] >> 4], hex[q[i] & 15] };
					buf_append(b, e, 3);
				}
				p += k ? k : 1;
				n -= k ? k : 1;
				continue;
			}
		}
		size_t i = 0;
		while (i < ok && ((p[i] >= 'a' && p[i] <= 'z') || (p[i] >= 'A' && p[i] <= 'Z') ||
				  (p[i] >= '0' && p[i] <= '9') || p[i] == '-' || p[i] == '.' ||
				  p[i] == '_' || p[i] == '~'))
			i++;
		buf_append(b, p, i);
		if (i < ok) {
			char e[3] = { '%', hex[p[i] >> 4], hex[p[i] & 15] };
			buf_append(b, e, 3);
			i++;
		}
		p += i;
		n -= i;
		ok -= i;
	}
	buf_append(b, "/", 1);
	apifmt_put_int(b, id);
	buf_append(b, "</id>\n", 6);
}

int64_t apifmt_row_atom(struct buf *b, const struct item_row *r, int64_t now)
{
	int64_t date = seen_time(r->date), pub = json_time(r->published);
	int64_t up = first_of(json_time(r->updated), date, pub, seen_time(r->first_seen));
	buf_append(b, "<entry>\n", 8);
	put_atom_id(b, r->feed, r->id);
	/* The publisher's guid as written, for readers that want it. */
	if (r->guid)
		ELEM(b, "<feedd:guid>", r->guid, "</feedd:guid>\n");
	/* A title kept with its markup (an Atom title of type html) is
	 * HTML to the reader too. */
	if (sanitize_looks_html(r->title))
		ELEM(b, "<title type=\"html\">", r->title, "</title>\n");
	else
		ELEM(b, "<title type=\"text\">", r->title, "</title>\n");
	DATE_ELEM(b, "<updated>", up != DATE_NONE ? up : now, "</updated>\n");
	if (date != DATE_NONE || pub != DATE_NONE)
		DATE_ELEM(b, "<published>", date != DATE_NONE ? date : pub, "</published>\n");
	if (r->author && *r->author)
		ELEM(b, "<author><name>", r->author, "</name>\n</author>\n");
	if (r->url)
		ELEM(b, "<link rel=\"alternate\" href=\"", r->url, "\"/>\n");
	struct buf tmp = { 0 };
	const char *encs = stored_text(r->enclosures, &tmp);
	EACH_ELEMENT(encs, v) {
		if (*v != '{')
			continue;
		struct enc e;
		enc_fields(v, &e);
		if (!is_string(e.url))
			continue;
		buf_append(b, "<link rel=\"enclosure\" href=\"", 28);
		put_json_string(b, M_XML, e.url);
		buf_append(b, "\"", 1);
		if (is_string(e.type)) {
			buf_append(b, " type=\"", 7);
			put_json_string(b, M_XML, e.type);
			buf_append(b, "\"", 1);
		}
		if (is_integer(e.length)) {
			buf_append(b, " length=\"", 9);
			apifmt_put_int(b, strtoll(e.length, NULL, 10));
			buf_append(b, "\"", 1);
		}
		buf_append(b, "/>\n", 3);
	}
	const char *cats = stored_text(r->categories, &tmp);
	EACH_ELEMENT(cats, v) {
		if (v[0] != '"' || v[1] == '"')
			continue;
		buf_append(b, "<category term=\"", 16);
		put_json_string(b, M_XML, v);
		buf_append(b, "\"/>\n", 4);
	}
	if (tmp.oom)
		b->oom = true;
	buf_free(&tmp);
	if (r->summary)
		ELEM(b, "<summary type=\"html\">", r->summary, "</summary>\n");
	if (r->content)
		ELEM(b, "<content type=\"html\">", r->content, "</content>\n");
	if (r->feed)
		ELEM(b, "<source><title>", r->feed, "</title>\n</source>\n");
	buf_append(b, "</entry>\n", 9);
	return up;
}
