/* parse_int.h — what the parser's files share (never included outside core/parse*.c).
 *
 * parse.c owns the document life cycle (sniffing, charset) and feeds
 * clean UTF-8 to either the XML back end (parse_scan.c, then libxml2 SAX2
 * in parse_xml.c with the element rules of parse_rules.c and the captured
 * values of parse_capture.c; parse_xml_int.h) or parse_json.c (JSON Feed);
 * they all write the document through parse_out.c (items, caps, errors),
 * which calls none of them; parse_text.c holds the text helpers. Every
 * string handed to a struct item / feed_info is heap and owned by the doc. */
#ifndef FEEDD_PARSE_INT_H
#define FEEDD_PARSE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/item.h"
#include "core/parse.h"

/* A growable byte buffer with a hard cap; always NUL-terminated when s != NULL. */
struct sbuf {
	char *s;
	size_t len, cap;
};

/* Appends; returns false when MAX would be exceeded (what fits is kept).
 * Inline where it fits (most calls append a few bytes to a buffer that has
 * the room); sbuf_add_grow does the rest. */
bool sbuf_add_grow(struct sbuf *b, const char *s, size_t n, size_t max);
static inline bool sbuf_add(struct sbuf *b, const char *s, size_t n, size_t max)
{
	if (b->len + n < b->cap && b->len + n <= max) {
		memcpy(b->s + b->len, s, n);
		b->len += n;
		b->s[b->len] = '\0';
		return true;
	}
	return sbuf_add_grow(b, s, n, max);
}
static inline bool sbuf_addc(struct sbuf *b, char c, size_t max)
{
	return sbuf_add(b, &c, 1, max);
}
void sbuf_reset(struct sbuf *b);
void sbuf_free(struct sbuf *b);
/* Hands the contents over (NULL when empty) and resets B. */
char *sbuf_take(struct sbuf *b);

/* The limits of one document, defaults filled in. */
struct parse_limits {
	size_t max_doc, max_items, max_field, max_item;
};

/* Text runs the scanner takes out of the stream so that libxml2 need not
 * read them (it reads non-ASCII text one character at a time): each run is
 * replaced by a "<?_f?>" marker, and parse_xml.c takes the runs back, in
 * order, as libxml2 reports the markers, as the characters they were. */
struct textq {
	struct sbuf data;       /* the runs, one after another */
	size_t rd;              /* where the next run to take starts */
	size_t run;             /* where the run being written starts */
	size_t *lens;           /* run lengths, head..nlens not taken yet */
	size_t nlens, cap, head;
};
bool textq_take(struct textq *q, const char **s, size_t *n);
/* Drops what was taken (between pushes to libxml2). */
void textq_compact(struct textq *q);
void textq_free(struct textq *q);

/* What the format back ends write into: the doc under construction plus
 * the bookkeeping the front end needs. */
struct parse_out {
	struct doc *doc;
	struct parse_limits lim;
	const char *base;           /* document base URL (Content-Location or URL), or NULL */
	const char *language;       /* HTTP Content-Language, or NULL */
	int err;                    /* first fatal error (negative errno), 0 = none */
	char *errmsg;               /* heap, for err */
	bool stop;                  /* a cap was hit: keep what was read, read no more */
	size_t item_bytes;          /* text kept for the current item */
	struct textq *textq;        /* runs taken out of the XML stream */
	/* Each kind of cap (DOC_CAP_* bit i): how often it was hit, and where
	 * first (the item's number, 0 for the feed; its link added when the
	 * item ends), for doc->capped. */
	struct cap_hit {
		size_t n, item;
		bool linked;
		char where[160];
	} hits[DOC_CAP__COUNT];
	size_t cur_item;            /* the item being read (1-based), 0 = none */
	size_t nitems;              /* items read and kept (or handed out) so far */
	void (*on_item)(const struct item *it, void *arg);   /* parse_opts.on_item */
	void *on_item_arg;
};

/* The document under construction (parse_out.c). */
void parse_fail(struct parse_out *o, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void parse_warn(struct parse_out *o, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Records a hit of cap KIND (a DOC_CAP_* bit) in item ITEM (1-based, 0 =
 * none): doc->truncated, doc->caps and, for the first hit of the kind,
 * where it was (printf). doc->capped is written by parse_finish. */
void parse_cap(struct parse_out *o, unsigned kind, size_t item, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* The link (or guid) of item ITEM is known: added to the caps that name it. */
void parse_cap_item_done(struct parse_out *o, size_t item, const struct item *it);
/* doc->capped: each cap hit, what it cut and where (parse_finish). */
void parse_caps_summary(struct parse_out *o);
/* A new item slot (published/updated DATE_NONE), or NULL at the items cap;
 * o->nitems is its number. */
struct item *parse_new_item(struct parse_out *o);
/* IT (the newest slot) is complete: handed to on_item and cleared when
 * the items are handed out, else kept in the doc. */
void parse_item_done(struct parse_out *o, struct item *it);
/* IT (the newest slot) is dropped: the input ended inside it. */
void parse_item_drop(struct parse_out *o, struct item *it);
/* Appends VAL (taking it) to the set *ARR of *N strings unless it is there
 * already (categories: XML's and JSON Feed's); false when not added. */
bool parse_push_str(char ***arr, size_t *n, char *val);
/* Common finishing rules: summary from content, guid permalink, etc. */
void parse_finish_item(struct parse_out *o, struct item *it);
/* IT's link and enclosures without a scheme that runs code in a reader
 * (javascript:, vbscript:, data:): dropped, as sanitizers drop them. */
void parse_item_links(struct item *it);

/* XML back end (parse_xml.c). */
struct xml_state;
struct xml_state *xml_new(struct parse_out *o);
/* Feeds clean UTF-8; TERMINATE on the last call. */
void xml_push(struct xml_state *x, const char *buf, size_t len, bool terminate);
void xml_free(struct xml_state *x);
void xml_global_init(void);
void xml_global_cleanup(void);

/* JSON Feed back end (parse_json.c): the whole UTF-8 document at once. */
void json_feed_parse(struct parse_out *o, const char *buf, size_t len);

/* The pass over XML bytes before libxml2 (parse_scan.c): clean UTF-8,
 * references, tag bounds, text as CDATA. Output is appended to OUT; bytes
 * it cannot decide yet wait in the carry. FINAL on the last call. */
struct xscan {
	struct sbuf carry;
	int state;              /* text, tag, CDATA, comment, PI */
	char quote;             /* in a tag: the quote of the value we are in */
	bool wrap;              /* in a text run taken out (struct textq) */
	bool cdrun;             /* in a CDATA section whose content is taken out */
	bool tag_empty;         /* the tag ends with "/>" */
	int tag_kind;           /* start, end, other ("<!DOCTYPE") */
	size_t depth;           /* open elements */
	size_t pos;             /* input bytes consumed */
	size_t tag_begin;       /* where the current tag began */
};
/* Fills the scanner's tables (parse_global_init calls it). */
void xscan_global_init(void);
void xscan_init(struct xscan *x);
void xscan_push(struct xscan *x, struct parse_out *o, struct sbuf *out, const char *s,
		size_t n, bool final);
void xscan_free(struct xscan *x);

/* Text helpers (parse_text.c). */
char *text_trim_dup(const char *s, size_t n);
/* Collapses whitespace runs to one space and trims, in place. */
void text_collapse(char *s);
/* HTML-escapes plain text (&, <, >, "). */
char *text_html_escape(const char *s);
/* The visible text of an HTML fragment: tags dropped, references decoded. */
char *text_html_to_plain(const char *s);
/* Decodes base64 (whitespace ignored); NULL when it is not base64. */
char *text_base64_decode(const char *s);
/* Resolves relative href/src/... attributes of an HTML fragment against BASE. */
char *text_html_resolve(const char *html, const char *base);
/* The same, taking HTML: returns it as it is when nothing changes (no copy). */
char *text_html_resolve_take(char *html, const char *base);
/* "jane@example.org (Jane Doe)" -> "Jane Doe"; a new string. */
char *text_author_name(const char *s);
/* Drops the self-closing '/' of elements that are not void ("<circle />"
 * -> "<circle>"), as feedparser's HTML serialiser does; in place, returns
 * HTML. */
char *text_html_unselfclose(char *html);
/* The UTF-8 encoding of a named HTML entity (without & and ;), or NULL. */
const char *text_html_entity(const char *name, char buf[8]);
/* The code point of a named HTML entity, or 0. */
uint32_t text_html_entity_cp(const char *name);
/* Length of a valid UTF-8 sequence at S (1..4), 0 if invalid, -1 if it
 * may complete with more bytes. */
int text_utf8_len(const unsigned char *s, size_t left);
/* A byte as windows-1252 (its Latin-1 value where 1252 leaves it undefined). */
uint32_t text_cp1252(unsigned char c);
/* Appends code point CP as UTF-8 to OUT (needs 4 bytes); returns the length. */
size_t text_utf8_put(uint32_t cp, char *out);

#endif
