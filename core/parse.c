/* parse.c — one feed document's life cycle: sniffing, charset decoding to
 * clean UTF-8, caps, and the hand-over to the XML or JSON Feed back end.
 *
 * Bytes go: raw head (until the charset is known: BOM, then the XML
 * declaration, then the HTTP charset) -> decoder (UTF-8 with a windows-1252
 * fallback per bad byte, or iconv with U+FFFD) -> control characters XML
 * forbids dropped -> the XML declaration stripped (the text is UTF-8 now,
 * whatever it said) -> libxml2 in fixed 4 KiB blocks, so that the parse
 * does not depend on how the network chunked the body. The document the
 * back ends build (items, caps, errors) is parse_out.c's.
 *
 * Ownership: parse_new allocates the parser, parse_free frees it and
 * whatever it holds; parse_finish hands the doc over to the caller. */
#include "core/parse_int.h"
#include "core/utf8.h"

#include <ctype.h>
#include <errno.h>
#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/url.h"

#define HEAD_MAX 1024      /* raw bytes looked at for a BOM / declaration */
#define LEAD_MAX 4096      /* decoded bytes looked at for JSON / declaration */
#define XML_BLOCK 4096
#define ICONV_BLOCK 4096   /* raw bytes per iconv call (stateful charsets) */

enum dec_kind { DEC_UTF8, DEC_CP1252, DEC_ICONV };
enum mode { MODE_UNDECIDED, MODE_XML, MODE_JSON };

struct parser {
	struct parse_out out;
	char *base, *language, *http_charset;
	bool head_done;
	struct sbuf head;          /* raw bytes before the charset is known */
	enum dec_kind dec;
	iconv_t cd;
	struct sbuf iraw;          /* raw bytes waiting for a full iconv block */
	unsigned char pend[16];    /* an incomplete sequence between chunks */
	size_t npend;
	enum mode mode;
	struct sbuf lead;          /* decoded bytes before the mode is known */
	struct sbuf xmlbuf;        /* decoded bytes waiting for a full block */
	struct xscan scan;         /* the pass before libxml2 */
	struct textq textq;        /* text it took out of the stream */
	struct sbuf json;
	struct xml_state *x;
	size_t total_in;
	bool finished;
};

/* ---- charset ---------------------------------------------------------- */

static bool ieq(const char *a, const char *b)
{
	return strcasecmp(a, b) == 0;
}

/* The charset= parameter of a Content-Type, or NULL. */
static char *content_type_charset(const char *ct)
{
	if (!ct)
		return NULL;
	const char *p = strcasestr(ct, "charset");
	if (!p)
		return NULL;
	p += 7;
	while (*p == ' ')
		p++;
	if (*p++ != '=')
		return NULL;
	while (*p == ' ' || *p == '"' || *p == '\'')
		p++;
	size_t n = strcspn(p, "\"'; \t");
	return n ? strndup(p, n) : NULL;
}

/* The encoding="..." of an XML declaration at the head of S, or NULL. */
static char *decl_encoding(const char *s, size_t len)
{
	if (len < 5 || memcmp(s, "<?xml", 5) != 0)
		return NULL;
	const char *end = memmem(s, len, "?>", 2);
	if (!end)
		return NULL;
	const char *p = memmem(s, (size_t)(end - s), "encoding", 8);
	if (!p)
		return NULL;
	p += 8;
	while (p < end && isspace((unsigned char)*p))
		p++;
	if (p >= end || *p++ != '=')
		return NULL;
	while (p < end && isspace((unsigned char)*p))
		p++;
	if (p >= end || (*p != '"' && *p != '\''))
		return NULL;
	char q = *p++;
	const char *e = memchr(p, q, (size_t)(end - p));
	return e && e > p ? strndup(p, (size_t)(e - p)) : NULL;
}

static bool is_unicode_wide(const char *enc)
{
	return strncasecmp(enc, "utf-16", 6) == 0 || strncasecmp(enc, "utf-32", 6) == 0 ||
	       strncasecmp(enc, "ucs-2", 5) == 0 || strncasecmp(enc, "ucs-4", 5) == 0 ||
	       ieq(enc, "utf16") || ieq(enc, "utf32") || ieq(enc, "unicode");
}

/* Sets up the decoder for ENC (NULL = UTF-8). */
static void set_decoder(struct parser *p, const char *enc)
{
	p->dec = DEC_UTF8;
	if (!enc || ieq(enc, "utf-8") || ieq(enc, "utf8"))
		return;
	/* Latin-1 and ASCII labels mean windows-1252 in practice (smart quotes). */
	if (ieq(enc, "iso-8859-1") || ieq(enc, "latin1") || ieq(enc, "latin-1") ||
	    ieq(enc, "iso_8859-1") || ieq(enc, "us-ascii") || ieq(enc, "ascii") ||
	    ieq(enc, "windows-1252") || ieq(enc, "cp1252") || ieq(enc, "iso8859-1")) {
		p->dec = DEC_CP1252;
		return;
	}
	iconv_t cd = iconv_open("UTF-8", enc);
	if (cd == (iconv_t)-1) {
		parse_warn(&p->out, "unknown charset \"%s\": read as UTF-8", enc);
		return;
	}
	p->cd = cd;
	p->dec = DEC_ICONV;
}

/* Decides the charset from the raw head. Returns false to wait for more. */
static bool decide_charset(struct parser *p, bool final)
{
	const unsigned char *h = (const unsigned char *)p->head.s;
	size_t n = p->head.len;
	if (n < 4 && !final)
		return false;
	size_t skip = 0;
	const char *enc = NULL;
	if (n >= 4 && !memcmp(h, "\x00\x00\xFE\xFF", 4)) { enc = "UTF-32BE"; skip = 4; }
	else if (n >= 4 && !memcmp(h, "\xFF\xFE\x00\x00", 4)) { enc = "UTF-32LE"; skip = 4; }
	else if (n >= 3 && !memcmp(h, "\xEF\xBB\xBF", 3)) { enc = NULL; skip = 3; }
	else if (n >= 2 && !memcmp(h, "\xFE\xFF", 2)) { enc = "UTF-16BE"; skip = 2; }
	else if (n >= 2 && !memcmp(h, "\xFF\xFE", 2)) { enc = "UTF-16LE"; skip = 2; }
	else if (n >= 4 && !memcmp(h, "\x00\x00\x00\x3C", 4)) enc = "UTF-32BE";
	else if (n >= 4 && !memcmp(h, "\x3C\x00\x00\x00", 4)) enc = "UTF-32LE";
	else if (n >= 4 && !memcmp(h, "\x00\x3C\x00\x3F", 4)) enc = "UTF-16BE";
	else if (n >= 4 && !memcmp(h, "\x3C\x00\x3F\x00", 4)) enc = "UTF-16LE";
	/* No BOM, no declaration: a root element's '<' and name in 16-bit
	 * units ("<\0r\0" of <rss) are UTF-16 whatever a header says (the
	 * HTTP charset is then right or absent). */
	else if (n >= 4 && h[0] == 0x3C && h[1] == 0 && h[2] && !h[3]) enc = "UTF-16LE";
	else if (n >= 4 && !h[0] && h[1] == 0x3C && !h[2] && h[3]) enc = "UTF-16BE";
	else {
		/* ASCII-compatible: the declaration, then the HTTP charset. */
		size_t i = 0;
		while (i < n && isspace(h[i]))
			i++;
		if (i == n && n < HEAD_MAX && !final)
			return false;   /* nothing but space yet */
		bool decl = n - i >= 5 && !memcmp(h + i, "<?xml", 5);
		if (decl && !memmem(h + i, n - i, "?>", 2) && n < HEAD_MAX && !final)
			return false;
		if (!decl && n - i < 5 && !final &&
		    !memcmp(h + i, "<?xml", n - i))
			return false;
		char *d = decl ? decl_encoding((const char *)h + i, n - i) : NULL;
		if (d && is_unicode_wide(d)) {
			free(d);    /* labelled UTF-16 but written in ASCII */
			d = NULL;
		}
		/* JSON is UTF-8 whatever the HTTP charset says (RFC 8259,
		 * section 8.1; JSON Feed 1.1). */
		bool json = !decl && i < n && (h[i] == '{' || h[i] == '[');
		const char *pick = d ? d : json ? NULL : p->http_charset;
		if (pick && is_unicode_wide(pick))
			pick = NULL;
		set_decoder(p, pick);
		free(d);
		p->head_done = true;
		p->npend = 0;
		return true;
	}
	set_decoder(p, enc);
	p->head_done = true;
	/* The BOM is not text. */
	memmove(p->head.s, p->head.s + skip, n - skip);
	p->head.len = n - skip;
	return true;
}

/* ---- decoded text: mode, declaration, blocks ------------------------- */

static void feed_xml(struct parser *p, const char *s, size_t n, bool final)
{
	struct parse_out *o = &p->out;
	if (!p->x) {
		p->x = xml_new(o);
		if (!p->x) {
			parse_fail(o, -ENOMEM, "out of memory");
			return;
		}
	}
	if (n)
		sbuf_add(&p->xmlbuf, s, n, SIZE_MAX);
	size_t off = 0;
	while (p->xmlbuf.len - off >= XML_BLOCK && !o->err) {
		xml_push(p->x, p->xmlbuf.s + off, XML_BLOCK, false);
		off += XML_BLOCK;
	}
	textq_compact(&p->textq);
	if (off) {
		memmove(p->xmlbuf.s, p->xmlbuf.s + off, p->xmlbuf.len - off);
		p->xmlbuf.len -= off;
		p->xmlbuf.s[p->xmlbuf.len] = '\0';
	}
	if (final && !o->err) {
		xml_push(p->x, p->xmlbuf.s ? p->xmlbuf.s : "", p->xmlbuf.len, true);
		sbuf_reset(&p->xmlbuf);
	}
}

static void to_mode(struct parser *p, const char *s, size_t n, bool final)
{
	if (p->out.err)
		return;
	if (p->mode == MODE_JSON) {
		if (!sbuf_add(&p->json, s, n, p->out.lim.max_doc * 4)) {
			parse_cap(&p->out, DOC_CAP_DOC, 0, "JSON larger than the cap");
			parse_fail(&p->out, -EMSGSIZE, "JSON document larger than the cap");
		}
	} else {
		xscan_push(&p->scan, &p->out, &p->xmlbuf, s, n, final);
		feed_xml(p, NULL, 0, final);
	}
}

/* Decoded UTF-8 before the mode is known: skip leading space, tell JSON
 * from XML, drop the XML declaration. */
static void lead_decide(struct parser *p, bool final)
{
	const char *s = p->lead.s ? p->lead.s : "";
	size_t n = p->lead.len, i = 0;
	while (i < n && isspace((unsigned char)s[i]))
		i++;
	if (i == n && !final)
		return;
	if (i < n && (s[i] == '{' || s[i] == '[')) {
		p->mode = MODE_JSON;
	} else {
		size_t m = n - i;
		if (m < 5 && !final && !memcmp(s + i, "<?xml", m))
			return;
		if (m >= 5 && !memcmp(s + i, "<?xml", 5)) {
			const char *e = memmem(s + i, m, "?>", 2);
			if (!e && n < LEAD_MAX && !final)
				return;
			if (e)
				i = (size_t)(e + 2 - s);
		}
		p->mode = MODE_XML;
	}
	struct sbuf lead = p->lead;
	memset(&p->lead, 0, sizeof p->lead);
	to_mode(p, lead.s ? lead.s + i : "", n - i, final);
	sbuf_free(&lead);
}

/* Decoded UTF-8 in: drops what XML forbids, passes it on. */
static void pass_on(struct parser *p, const char *s, size_t n)
{
	if (p->mode == MODE_UNDECIDED) {
		sbuf_add(&p->lead, s, n, SIZE_MAX);
		lead_decide(p, false);
	} else {
		to_mode(p, s, n, false);
	}
}

static void emit(struct parser *p, const char *s, size_t n)
{
	/* Fast path: nothing to drop. */
	static const bool drop[256] = {
		[0] = 1, 1, 1, 1, 1, 1, 1, 1, 1, [11] = 1, 1, [14] = 1, 1, 1, 1, 1, 1, 1, 1,
		1, 1, 1, 1, 1, 1, 1, 1, 1, 1, [0xEF] = 1,
	};
	size_t k = 0;
	while (k < n && !drop[(unsigned char)s[k]])
		k++;
	if (k == n) {
		if (n)
			pass_on(p, s, n);
		return;
	}
	char tmp[4096];
	size_t t = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x20 && c != '\t' && c != '\n' && c != '\r')
			continue;
		if (c == 0xEF && i + 2 < n && (unsigned char)s[i + 1] == 0xBF &&
		    ((unsigned char)s[i + 2] == 0xBE || (unsigned char)s[i + 2] == 0xBF)) {
			i += 2;
			continue;
		}
		tmp[t++] = (char)c;
		if (t == sizeof tmp) {
			if (p->mode == MODE_UNDECIDED) {
				sbuf_add(&p->lead, tmp, t, SIZE_MAX);
				lead_decide(p, false);
			} else {
				to_mode(p, tmp, t, false);
			}
			t = 0;
		}
	}
	if (!t)
		return;
	if (p->mode == MODE_UNDECIDED) {
		sbuf_add(&p->lead, tmp, t, SIZE_MAX);
		lead_decide(p, false);
	} else {
		to_mode(p, tmp, t, false);
	}
}

static void decode_utf8(struct parser *p, const unsigned char *s, size_t n, bool final)
{
	char out[4096 + 8];
	size_t o = 0, i = 0;
	/* Fast path: the valid prefix goes on as it is (the rest, from
	 * U+FFFE or a bad byte on, a character at a time). */
	i = utf8_xml_prefix(s, n);
	if (i) {
		emit(p, (const char *)s, i);
		if (p->out.err)
			return;
	}
	while (i < n) {
		int l = text_utf8_len(s + i, n - i);
		if (l < 0 && !final) {
			memcpy(p->pend, s + i, n - i);
			p->npend = n - i;
			break;
		}
		if (l > 0) {
			memcpy(out + o, s + i, (size_t)l);
			o += (size_t)l;
			i += (size_t)l;
		} else {
			/* Not UTF-8 after all: read the byte as windows-1252. */
			o += text_utf8_put(text_cp1252(s[i]), out + o);
			i++;
		}
		if (o >= 4096) {
			emit(p, out, o);
			o = 0;
			if (p->out.err)
				return;
		}
	}
	emit(p, out, o);
}

static void decode_cp1252(struct parser *p, const unsigned char *s, size_t n)
{
	char out[4096 + 8];
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		o += text_utf8_put(text_cp1252(s[i]), out + o);
		if (o >= 4096) {
			emit(p, out, o);
			o = 0;
		}
	}
	emit(p, out, o);
}

/* Runs iconv over IN; returns the bytes consumed (all of them when FINAL,
 * else all but an incomplete sequence at the end). */
static size_t iconv_run(struct parser *p, char *in, size_t left, bool final)
{
	char out[4096];
	size_t n = left;
	while (left) {
		char *op = out;
		size_t ol = sizeof out;
		size_t r = iconv(p->cd, &in, &left, &op, &ol);
		emit(p, out, (size_t)(op - out));
		if (r != (size_t)-1)
			continue;
		if (errno == E2BIG)
			continue;
		if (errno == EINVAL && !final && left < sizeof p->pend)
			break;
		/* An undecodable byte: U+FFFD, and go on. */
		emit(p, "\xEF\xBF\xBD", 3);
		in++;
		left--;
	}
	if (final) {
		/* The end of the document: back to the initial shift state. */
		char *op = out;
		size_t ol = sizeof out;
		iconv(p->cd, NULL, NULL, &op, &ol);
		emit(p, out, (size_t)(op - out));
	}
	return n - left;
}

/* iconv keeps state between calls (UTF-7's base64 bits, ISO-2022's
 * shifts), and what it does with an invalid byte depends on where the
 * call began. So it sees the raw bytes in blocks at fixed places of the
 * stream, never in the network's chunks, and is flushed at the end. */
static void decode_iconv(struct parser *p, const unsigned char *s, size_t n, bool final)
{
	struct sbuf *r = &p->iraw;
	if (n && !sbuf_add(r, (const char *)s, n, SIZE_MAX)) {
		parse_fail(&p->out, -ENOMEM, "out of memory");
		return;
	}
	size_t off = 0;
	/* A block consumes all but < sizeof pend bytes: always progress. */
	while (r->len - off >= ICONV_BLOCK && !p->out.err)
		off += iconv_run(p, r->s + off, ICONV_BLOCK, false);
	if (final) {
		iconv_run(p, r->s ? r->s + off : (char *)"", r->len - off, true);
		off = r->len;
	}
	if (off) {
		memmove(r->s, r->s + off, r->len - off);
		r->len -= off;
	}
}

static void decode_some(struct parser *p, const unsigned char *s, size_t n, bool final)
{
	switch (p->dec) {
	case DEC_UTF8: decode_utf8(p, s, n, final); break;
	case DEC_CP1252: decode_cp1252(p, s, n); break;
	case DEC_ICONV: decode_iconv(p, s, n, final); break;
	}
}

static void decode(struct parser *p, const char *buf, size_t len, bool final)
{
	const unsigned char *s = (const unsigned char *)buf;
	/* Complete a sequence left over from the last chunk a byte at a time,
	 * so that chunk boundaries never change the text; the rest of the
	 * chunk may then take the fast path. */
	while (p->npend && len) {
		unsigned char tmp[sizeof p->pend + 1];
		size_t n = p->npend;
		memcpy(tmp, p->pend, n);
		tmp[n++] = *s++;
		len--;
		p->npend = 0;
		decode_some(p, tmp, n, false);
	}
	if (!p->npend && p->dec == DEC_UTF8 && p->mode == MODE_XML && len >= 4 &&
	    utf8_xml_nothing_to_drop(s, len)) {
		/* A sequence cut at the end waits in the decoder's pend, so
		 * that whichever path the next chunk takes completes it. */
		size_t k = len;
		while (k > len - 4 && k > 0 && (s[k - 1] & 0xC0) == 0x80)
			k--;
		if (k > 0 && s[k - 1] >= 0xC0 && text_utf8_len(s + k - 1, len - k + 1) < 0) {
			p->npend = len - k + 1;
			memcpy(p->pend, s + k - 1, p->npend);
			len = k - 1;
		}
		/* Nothing for the decoder to change: straight to the scanner,
		 * no copy. (With a character the decoder drops, the
		 * decoder runs first, as for the head: the scanner must never
		 * see what the decoder would drop, or a reference cut by a
		 * dropped byte would read one way or the other depending on
		 * where the network cut the body.) */
		to_mode(p, (const char *)s, len, false);
		return;
	}
	if (len) {
		decode_some(p, s, len, final);
	} else if (final) {
		/* The end: what waits in pend, and a stateful decoder's flush. */
		unsigned char tmp[sizeof p->pend];
		size_t n = p->npend;
		memcpy(tmp, p->pend, n);
		p->npend = 0;
		decode_some(p, tmp, n, true);
	}
}

/* ---- the public interface --------------------------------------------- */

void parse_global_init(void)
{
	xscan_global_init();
	xml_global_init();
}

void parse_global_cleanup(void)
{
	xml_global_cleanup();
}

struct parser *parse_new(const struct parse_opts *opts)
{
	struct parser *p = calloc(1, sizeof *p);
	if (!p)
		return NULL;
	p->out.doc = calloc(1, sizeof *p->out.doc);
	if (!p->out.doc) {
		free(p);
		return NULL;
	}
	p->out.doc->feed.updated = DATE_NONE;
	p->cd = (iconv_t)-1;
	xscan_init(&p->scan);
	p->out.textq = &p->textq;
	struct parse_limits *l = &p->out.lim;
	l->max_doc = opts && opts->max_doc_bytes ? opts->max_doc_bytes : PARSE_DEFAULT_MAX_DOC;
	l->max_items = opts && opts->max_items ? opts->max_items : PARSE_DEFAULT_MAX_ITEMS;
	l->max_field = opts && opts->max_field_bytes ? opts->max_field_bytes : PARSE_DEFAULT_MAX_FIELD;
	l->max_item = l->max_field * 4;
	if (opts) {
		/* Content-Location is the base only as a web address (as
		 * xml:base: a mailto: or data: base would turn every link
		 * and relative id into one). */
		if (opts->content_location && *opts->content_location)
			p->base = url_resolve(opts->url, opts->content_location);
		if (p->base && !url_is_http(p->base)) {
			free(p->base);
			p->base = NULL;
		}
		if (!p->base && opts->url && *opts->url)
			p->base = strdup(opts->url);
		if (opts->content_language && *opts->content_language) {
			p->language = strdup(opts->content_language);
			text_collapse(p->language);
			/* "en-US, fr": the first one. */
			char *c = strchr(p->language, ',');
			if (c)
				*c = '\0';
		}
		p->http_charset = content_type_charset(opts->content_type);
	}
	if (opts) {
		p->out.on_item = opts->on_item;
		p->out.on_item_arg = opts->on_item_arg;
	}
	p->out.base = p->base;
	p->out.language = p->language;
	return p;
}

int parse_chunk(struct parser *p, const char *buf, size_t len)
{
	struct parse_out *o = &p->out;
	if (p->finished || o->err)
		return o->err ? o->err : -EINVAL;
	if (o->stop)
		return -EMSGSIZE;
	int rc = 0;
	if (len > o->lim.max_doc - p->total_in) {
		len = o->lim.max_doc - p->total_in;
		parse_warn(o, "document larger than %zu bytes: the rest is ignored", o->lim.max_doc);
		parse_cap(o, DOC_CAP_DOC, 0, "larger than %zu bytes, the rest not read",
			  o->lim.max_doc);
		rc = -EMSGSIZE;
	}
	p->total_in += len;
	if (!p->head_done) {
		/* Only the head waits; the rest goes straight on. */
		size_t take = p->head.len < HEAD_MAX ? HEAD_MAX - p->head.len : 0;
		if (take > len)
			take = len;
		sbuf_add(&p->head, buf, take, SIZE_MAX);
		buf += take;
		len -= take;
		if (decide_charset(p, false)) {
			struct sbuf h = p->head;
			memset(&p->head, 0, sizeof p->head);
			decode(p, h.s ? h.s : "", h.len, false);
			sbuf_free(&h);
		}
	}
	if (len && p->head_done)
		decode(p, buf, len, false);
	if (rc)
		o->stop = true;
	if (o->err)
		return o->err;
	return o->stop ? -EMSGSIZE : 0;
}

static int finish_input(struct parser *p)
{
	struct parse_out *o = &p->out;
	if (!p->head_done) {
		decide_charset(p, true);
		struct sbuf h = p->head;
		memset(&p->head, 0, sizeof p->head);
		decode(p, h.s ? h.s : "", h.len, true);
		sbuf_free(&h);
	} else {
		decode(p, "", 0, true);
	}
	if (o->err)
		return o->err;
	if (p->mode == MODE_UNDECIDED)
		lead_decide(p, true);
	if (p->mode == MODE_UNDECIDED) {
		parse_fail(o, -EINVAL, "not a feed: empty document");
		return o->err;
	}
	if (p->mode == MODE_JSON)
		json_feed_parse(o, p->json.s ? p->json.s : "", p->json.len);
	else
		to_mode(p, "", 0, true);
	if (!o->err && o->doc->format == DOC_UNKNOWN)
		parse_fail(o, -EINVAL, "not a feed");
	if (!o->err && !o->doc->feed.language && o->language)
		o->doc->feed.language = strdup(o->language);
	return o->err;
}

int parse_finish(struct parser *p, struct doc **out, char **err)
{
	*out = NULL;
	if (err)
		*err = NULL;
	if (p->finished)
		return -EINVAL;
	p->finished = true;
	int rc = p->out.err ? p->out.err : finish_input(p);
	if (rc) {
		if (err)
			*err = p->out.errmsg ? strdup(p->out.errmsg) : strdup("parse error");
		return rc;
	}
	parse_caps_summary(&p->out);
	*out = p->out.doc;
	p->out.doc = NULL;
	return 0;
}

void parse_free(struct parser *p)
{
	if (!p)
		return;
	xml_free(p->x);
	if (p->cd != (iconv_t)-1)
		iconv_close(p->cd);
	doc_free(p->out.doc);
	free(p->out.errmsg);
	free(p->base);
	free(p->language);
	free(p->http_charset);
	sbuf_free(&p->head);
	sbuf_free(&p->iraw);
	sbuf_free(&p->lead);
	sbuf_free(&p->xmlbuf);
	xscan_free(&p->scan);
	textq_free(&p->textq);
	sbuf_free(&p->json);
	free(p);
}

int parse_buffer(const struct parse_opts *opts, const char *buf, size_t len,
		 struct doc **out, char **err)
{
	*out = NULL;
	if (err)
		*err = NULL;
	struct parser *p = parse_new(opts);
	if (!p)
		return -ENOMEM;
	parse_chunk(p, buf, len);
	int rc = parse_finish(p, out, err);
	parse_free(p);
	return rc;
}
