/* parse_text.c — text helpers of the parser: bounded buffers, whitespace,
 * HTML entities and escaping, base64, relative URLs inside HTML, authors. */
#include "core/parse_int.h"

#include <ctype.h>
#include <libxml/HTMLparser.h>
#include <stdlib.h>
#include <string.h>

#include "core/url.h"

bool sbuf_add_grow(struct sbuf *b, const char *s, size_t n, size_t max)
{
	bool ok = true;
	if (b->len + n > max) {
		n = max > b->len ? max - b->len : 0;
		ok = false;
	}
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 64;
		while (cap < b->len + n + 1)
			cap *= 2;
		char *ns = realloc(b->s, cap);
		if (!ns)
			return false;
		b->s = ns;
		b->cap = cap;
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
	return ok;
}

void sbuf_reset(struct sbuf *b)
{
	b->len = 0;
	if (b->s)
		b->s[0] = '\0';
}

void sbuf_free(struct sbuf *b)
{
	free(b->s);
	memset(b, 0, sizeof *b);
}

char *sbuf_take(struct sbuf *b)
{
	char *s = b->len ? b->s : NULL;
	if (!s)
		free(b->s);
	memset(b, 0, sizeof *b);
	return s;
}

static bool is_ws(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

char *text_trim_dup(const char *s, size_t n)
{
	while (n && is_ws((unsigned char)*s)) {
		s++;
		n--;
	}
	while (n && is_ws((unsigned char)s[n - 1]))
		n--;
	return n ? strndup(s, n) : NULL;
}

void text_collapse(char *s)
{
	char *o = s;
	bool space = false;
	for (const char *p = s; *p; p++) {
		if (is_ws((unsigned char)*p)) {
			space = o != s;
			continue;
		}
		if (space)
			*o++ = ' ';
		space = false;
		*o++ = *p;
	}
	*o = '\0';
}

/* windows-1252's 0x80..0x9F (0 = undefined there: keep the Latin-1 value). */
static const uint16_t cp1252_hi[32] = {
	0x20AC, 0, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
	0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0, 0x017D, 0,
	0, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
	0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0, 0x017E, 0x0178,
};

uint32_t text_cp1252(unsigned char c)
{
	if (c >= 0x80 && c < 0xA0 && cp1252_hi[c - 0x80])
		return cp1252_hi[c - 0x80];
	return c;
}

int text_utf8_len(const unsigned char *s, size_t left)
{
	unsigned c = s[0];
	int n;
	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF) n = 2;
	else if (c >= 0xE0 && c <= 0xEF) n = 3;
	else if (c >= 0xF0 && c <= 0xF4) n = 4;
	else return 0;
	for (int i = 1; i < n; i++) {
		if ((size_t)i >= left)
			return -1;
		if ((s[i] & 0xC0) != 0x80)
			return 0;
	}
	/* Overlongs, surrogates and > U+10FFFF. */
	if (c == 0xE0 && s[1] < 0xA0) return 0;
	if (c == 0xED && s[1] >= 0xA0) return 0;
	if (c == 0xF0 && s[1] < 0x90) return 0;
	if (c == 0xF4 && s[1] >= 0x90) return 0;
	return n;
}

size_t text_utf8_put(uint32_t cp, char *out)
{
	if (cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		cp = 0xFFFD;
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xC0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xE0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		out[2] = (char)(0x80 | (cp & 0x3F));
		return 3;
	}
	out[0] = (char)(0xF0 | (cp >> 18));
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
	out[3] = (char)(0x80 | (cp & 0x3F));
	return 4;
}

const char *text_html_entity(const char *name, char buf[8])
{
	/* libxml2's HTML 4 table; &apos; is XML's, common in HTML 5 too. */
	if (strcmp(name, "apos") == 0)
		return "'";
	const htmlEntityDesc *e = htmlEntityLookup((const xmlChar *)name);
	if (!e)
		return NULL;
	size_t n = text_utf8_put(e->value, buf);
	buf[n] = '\0';
	return buf;
}

uint32_t text_html_entity_cp(const char *name)
{
	if (strcmp(name, "apos") == 0)
		return '\'';
	const htmlEntityDesc *e = htmlEntityLookup((const xmlChar *)name);
	return e ? e->value : 0;
}

char *text_html_escape(const char *s)
{
	struct sbuf b = {0};
	for (; *s; s++) {
		switch (*s) {
		case '&': sbuf_add(&b, "&amp;", 5, SIZE_MAX); break;
		case '<': sbuf_add(&b, "&lt;", 4, SIZE_MAX); break;
		case '>': sbuf_add(&b, "&gt;", 4, SIZE_MAX); break;
		case '"': sbuf_add(&b, "&quot;", 6, SIZE_MAX); break;
		default: sbuf_addc(&b, *s, SIZE_MAX);
		}
	}
	return sbuf_take(&b);
}

/* Decodes the character reference at S ("&amp;", "&#38;", "&#x26;");
 * returns the bytes consumed (0 if it is not one) and the UTF-8 in OUT. */
static size_t decode_ref(const char *s, char out[8], size_t *outlen)
{
	if (s[0] != '&')
		return 0;
	if (s[1] == '#') {
		const char *p = s + 2;
		int base = 10;
		if (*p == 'x' || *p == 'X') {
			base = 16;
			p++;
		}
		char *end;
		unsigned long cp = strtoul(p, &end, base);
		if (end == p || end - p > 8)
			return 0;
		*outlen = text_utf8_put(cp > 0x10FFFF ? 0xFFFD : (uint32_t)cp, out);
		return (size_t)(end - s) + (*end == ';');
	}
	char name[32];
	size_t n = 0;
	while (n < sizeof name - 1 && isalnum((unsigned char)s[1 + n])) {
		name[n] = s[1 + n];
		n++;
	}
	name[n] = '\0';
	if (!n || s[1 + n] != ';')
		return 0;
	char buf[8];
	const char *v = text_html_entity(name, buf);
	if (!v)
		return 0;
	*outlen = strlen(v);
	memcpy(out, v, *outlen);
	return n + 2;
}

char *text_html_to_plain(const char *s)
{
	struct sbuf b = {0};
	while (*s) {
		if (*s == '<') {
			const char *e = strchr(s, '>');
			if (!e)
				break;
			s = e + 1;
			continue;
		}
		char buf[8];
		size_t n;
		size_t used = decode_ref(s, buf, &n);
		if (used) {
			sbuf_add(&b, buf, n, SIZE_MAX);
			s += used;
		} else {
			sbuf_addc(&b, *s++, SIZE_MAX);
		}
	}
	return sbuf_take(&b);
}

static int b64val(unsigned char c)
{
	if (c >= 'A' && c <= 'Z') return c - 'A';
	if (c >= 'a' && c <= 'z') return c - 'a' + 26;
	if (c >= '0' && c <= '9') return c - '0' + 52;
	if (c == '+' || c == '-') return 62;
	if (c == '/' || c == '_') return 63;
	return -1;
}

char *text_base64_decode(const char *s)
{
	size_t n = strlen(s);
	char *out = malloc(n / 4 * 3 + 4);
	if (!out)
		return NULL;
	size_t o = 0;
	uint32_t acc = 0;
	int bits = 0;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (is_ws(*p))
			continue;
		if (*p == '=')
			break;
		int v = b64val(*p);
		if (v < 0) {
			free(out);
			return NULL;
		}
		acc = (acc << 6) | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (char)((acc >> bits) & 0xFF);
		}
	}
	out[o] = '\0';
	return out;
}

/* Element/attribute pairs whose value is a URI (feedparser's list). */
static bool uri_attr(const char *tag, size_t tl, const char *attr, size_t al)
{
	/* Most attributes are none of these: reject on the name first. */
	static const char *const names[] = {
		"href", "src", "cite", "codebase", "longdesc", "usemap", "background",
		"action", "profile", "classid", "data", "poster",
	};
	static const unsigned char lens[] = {4, 3, 4, 8, 8, 6, 10, 6, 7, 7, 4, 6};
	bool named = false;
	int c0 = tolower((unsigned char)attr[0]);
	for (size_t i = 0; i < sizeof names / sizeof names[0] && !named; i++)
		named = lens[i] == al && names[i][0] == c0 && strncasecmp(names[i], attr, al) == 0;
	if (!named)
		return false;
	static const char *const pairs[][2] = {
		{"a", "href"}, {"applet", "codebase"}, {"area", "href"}, {"audio", "src"},
		{"blockquote", "cite"}, {"body", "background"}, {"del", "cite"},
		{"form", "action"}, {"frame", "longdesc"}, {"frame", "src"},
		{"iframe", "longdesc"}, {"iframe", "src"}, {"head", "profile"},
		{"img", "longdesc"}, {"img", "src"}, {"img", "usemap"}, {"input", "src"},
		{"input", "usemap"}, {"ins", "cite"}, {"link", "href"},
		{"object", "classid"}, {"object", "codebase"}, {"object", "data"},
		{"object", "usemap"}, {"q", "cite"}, {"script", "src"}, {"source", "src"},
		{"video", "poster"}, {"video", "src"},
	};
	for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++)
		if (strlen(pairs[i][0]) == tl && strncasecmp(pairs[i][0], tag, tl) == 0 &&
		    strlen(pairs[i][1]) == al && strncasecmp(pairs[i][1], attr, al) == 0)
			return true;
	return false;
}

/* Decodes character references in an attribute value (for resolution). */
static char *attr_unescape(const char *s, size_t n)
{
	struct sbuf b = {0};
	sbuf_add(&b, "", 0, SIZE_MAX);
	for (size_t i = 0; i < n;) {
		const char *amp = memchr(s + i, '&', n - i);
		size_t plain = amp ? (size_t)(amp - (s + i)) : n - i;
		sbuf_add(&b, s + i, plain, SIZE_MAX);
		i += plain;
		if (i == n)
			break;
		/* A reference is read from a NUL-terminated copy: the value
		 * is not terminated where it ends. */
		char buf[8];
		size_t len;
		char tmp[48];
		size_t m = n - i < sizeof tmp - 1 ? n - i : sizeof tmp - 1;
		memcpy(tmp, s + i, m);
		tmp[m] = '\0';
		size_t used = decode_ref(tmp, buf, &len);
		if (used) {
			sbuf_add(&b, buf, len, SIZE_MAX);
			i += used;
		} else {
			sbuf_addc(&b, s[i++], SIZE_MAX);
		}
	}
	return sbuf_take(&b);
}

static void add_attr_escaped(struct sbuf *b, const char *v)
{
	for (;;) {
		size_t n = strcspn(v, "&\"");
		sbuf_add(b, v, n, SIZE_MAX);
		v += n;
		if (!*v)
			return;
		if (*v == '&')
			sbuf_add(b, "&amp;", 5, SIZE_MAX);
		else
			sbuf_add(b, "&quot;", 6, SIZE_MAX);
		v++;
	}
}

/* The output of text_html_resolve: the HTML is written out only where it
 * changes; the stretches in between are copied whole when the next change
 * (or the end) comes. */
struct rewrite {
	struct sbuf b;
	const char *done;    /* the input up to here is in b */
};

static void rw_flush(struct rewrite *w, const char *upto)
{
	if (upto > w->done) {
		if (!w->b.s) {
			/* Sized for the usual case (little grows), not grown
			 * from nothing. */
			size_t hl = (size_t)(upto - w->done) + strlen(upto);
			w->b.s = malloc(hl + hl / 8 + 64);
			if (w->b.s) {
				w->b.cap = hl + hl / 8 + 64;
				w->b.s[0] = '\0';
			}
		}
		sbuf_add(&w->b, w->done, (size_t)(upto - w->done), SIZE_MAX);
	}
	w->done = upto;
}

/* Reads one tag starting at P ('<' + name), resolving URI attributes and
 * writing every attribute as name="value"; returns the position after the
 * tag. An attribute already written so, that needs nothing, stays as it is
 * in the input. */
static const char *resolve_tag(struct rewrite *w, const char *p, const char *base)
{
	const char *tag = p + 1;
	size_t tl = 0;
	while (tag[tl] && !is_ws((unsigned char)tag[tl]) && tag[tl] != '>' && tag[tl] != '/')
		tl++;
	const char *q = tag + tl;
	while (*q && *q != '>') {
		if (is_ws((unsigned char)*q) || *q == '/') {
			q++;
			continue;
		}
		const char *an = q;
		while (*q && !is_ws((unsigned char)*q) && *q != '=' && *q != '>' && *q != '/')
			q++;
		size_t al = (size_t)(q - an);
		if (!al) {
			q++;
			continue;
		}
		const char *r = q;
		while (is_ws((unsigned char)*r))
			r++;
		if (*r != '=') {
			/* A name alone stays; the blanks after it are
			 * copied as blanks. */
			continue;
		}
		bool tight = r == q;
		r++;
		const char *after_eq = r;
		while (is_ws((unsigned char)*r))
			r++;
		tight = tight && r == after_eq;
		const char *v;
		size_t vl;
		bool dq = *r == '"';
		if (*r == '"' || *r == '\'') {
			char quote = *r++;
			const char *e = strchr(r, quote);
			if (!e)
				e = r + strlen(r);
			v = r;
			vl = (size_t)(e - r);
			/* An unclosed quote is closed in the output. */
			dq = dq && *e;
			q = *e ? e + 1 : e;
		} else {
			v = r;
			while (*r && !is_ws((unsigned char)*r) && *r != '>')
				r++;
			vl = (size_t)(r - v);
			q = r;
		}
		bool is_uri = base && uri_attr(tag, tl, an, al);
		bool plain = !memchr(v, '&', vl) && !memchr(v, '"', vl);
		if (!is_uri && plain && tight && dq)
			continue;   /* name="value" already */
		rw_flush(w, an);
		sbuf_add(&w->b, an, al, SIZE_MAX);
		sbuf_add(&w->b, "=\"", 2, SIZE_MAX);
		if (!is_uri && plain) {
			sbuf_add(&w->b, v, vl, SIZE_MAX);
		} else {
			char *raw = attr_unescape(v, vl);
			char *val = raw;
			char *res = NULL;
			char empty[1] = "";
			if (is_uri) {
				/* Trimmed in place: the value is ours. An empty
				 * value is a reference to the base itself
				 * (RFC 3986 5.2.2), as feedparser resolves it. */
				char *t = raw ? raw : empty;
				size_t tl2 = strlen(t);
				while (tl2 && is_ws((unsigned char)t[tl2 - 1]))
					t[--tl2] = '\0';
				while (is_ws((unsigned char)*t))
					t++;
				res = url_resolve(base, t);
				if (res)
					val = res;
			}
			add_attr_escaped(&w->b, val ? val : "");
			free(raw);
			free(res);
		}
		sbuf_addc(&w->b, '"', SIZE_MAX);
		w->done = q;
	}
	if (*q == '>')
		q++;
	return q;
}

/* HTML resolved: a new string, or NULL when nothing changes. */
static char *html_resolve(const char *html, const char *base)
{
	struct rewrite w = {.done = html};
	const char *p = html;
	while (*p) {
		const char *lt = strchr(p, '<');
		if (!lt)
			break;
		p = lt;
		if (isalpha((unsigned char)p[1])) {
			p = resolve_tag(&w, p, base);
		} else if (strncmp(p, "<!--", 4) == 0) {
			const char *e = strstr(p + 4, "-->");
			p = e ? e + 3 : p + strlen(p);
		} else {
			p++;
		}
	}
	if (!w.b.s)
		return NULL;   /* nothing changed */
	rw_flush(&w, html + strlen(html));
	return sbuf_take(&w.b);
}

char *text_html_resolve(const char *html, const char *base)
{
	if (!html)
		return NULL;
	char *r = base && strchr(html, '<') ? html_resolve(html, base) : NULL;
	return r ? r : strdup(html);
}

char *text_html_resolve_take(char *html, const char *base)
{
	if (!html || !base)
		return html;
	char *r = html_resolve(html, base);
	if (!r)
		return html;
	free(html);
	return r;
}

static bool local_char(unsigned char c)
{
	return (c < 0x80 && isalnum(c)) || c == '.' || c == '_' || c == '-' || c == '+';
}

static bool label_char(unsigned char c)
{
	return (c < 0x80 && isalnum(c)) || c == '-';
}

static bool is_digit(unsigned char c) { return c >= '0' && c <= '9'; }
static bool is_alpha(unsigned char c) { return c < 0x80 && isalpha(c); }

/* The end of the domain of an address whose domain starts at D (after the
 * '@'), as feedparser's pattern reads it: either three dotted numbers and a
 * dot after a '[', or one or more "label." (as many as still leave a top label), then a
 * top label of 2-63 letters or 1-3 digits, an optional ']' and an optional
 * "?subject=..."; NULL when there is none. feedparser's pattern allows 2-4
 * letters and cuts ".digital" to ".digi", leaving "tal" in the name: here
 * a top label ends where the label does. */
static const char *email_domain_end(const char *d)
{
	const char *tops[64];
	size_t ntops = 0;
	/* The numeric form: \[[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\. */
	const char *p = d + 1;
	bool numeric = *d == '[';
	for (int part = 0; part < 3 && numeric; part++) {
		int n = 0;
		while (n < 3 && is_digit((unsigned char)*p))
			p++, n++;
		if (!n || *p != '.')
			numeric = false;
		else
			p++;
	}
	if (numeric)
		tops[ntops++] = p;
	/* The label form, greedy: every "label." end is a candidate. */
	p = d;
	const char *cands[64];
	size_t ncands = 0;
	for (;;) {
		const char *q = p;
		while (label_char((unsigned char)*q))
			q++;
		if (q == p || *q != '.' || ncands == 64)
			break;
		p = q + 1;
		cands[ncands++] = p;
	}
	while (ncands && ntops < 64)
		tops[ntops++] = cands[--ncands];
	/* Regex alternation order: the numeric form first, then the labels
	 * from the longest; the first with a top label wins. */
	for (size_t i = 0; i < ntops; i++) {
		const char *t = tops[i], *e = t;
		int n = 0;
		while (n < 63 && is_alpha((unsigned char)*e))
			e++, n++;
		if (n < 2) {
			e = t;
			n = 0;
			while (n < 3 && is_digit((unsigned char)*e))
				e++, n++;
			if (!n)
				continue;
		}
		if (label_char((unsigned char)*e))
			continue;   /* not the whole label */
		if (*e == ']')
			e++;
		if (strncmp(e, "?subject=", 9) == 0 && e[9] && !isspace((unsigned char)e[9])) {
			e += 9;
			while (*e && !isspace((unsigned char)*e))
				e++;
		}
		return e;
	}
	return NULL;
}

/* Finds the first address feedparser's email pattern finds in S. A
 * fediverse handle ("@jane@mastodon.social") is no address: its local
 * part follows an '@'. */
static bool email_find(const char *s, const char **b, const char **e)
{
	for (const char *at = strchr(s, '@'); at; at = strchr(at + 1, '@')) {
		const char *start = at;
		while (start > s && local_char((unsigned char)start[-1]))
			start--;
		if (start == at || (start > s && start[-1] == '@'))
			continue;
		const char *end = email_domain_end(at + 1);
		if (!end)
			continue;
		*b = start;
		*e = end;
		return true;
	}
	return false;
}

/* S with every "()", "<>" and "&lt;&gt;" taken out, in place. */
static void drop_empty_pairs(char *s)
{
	static const char *const pairs[] = {"()", "<>", "[]", "&lt;&gt;"};
	for (size_t k = 0; k < sizeof pairs / sizeof pairs[0]; k++) {
		size_t pl = strlen(pairs[k]);
		char *o = s;
		for (char *p = s; *p;) {
			if (strncmp(p, pairs[k], pl) == 0) {
				p += pl;
				continue;
			}
			*o++ = *p++;
		}
		*o = '\0';
	}
}

/* Whether every (, [ and < of S is closed, in order, and nothing else is. */
static bool brackets_balanced(const char *s)
{
	char open[64];
	size_t n = 0;
	for (; *s; s++) {
		const char *o = strchr("([<", *s), *c = strchr(")]>", *s);
		if (o) {
			if (n == sizeof open)
				return false;
			open[n++] = *s;
		} else if (c) {
			if (!n || open[--n] != "([<"[c - ")]>"])
				return false;
		}
	}
	return n == 0;
}

/* REST (taken) without surrounding white space, one '(' at its start and
 * one ')' at its end, and one pair of quotes around it; NULL when empty. */
static char *name_trim(char *rest)
{
	char *t = text_trim_dup(rest, strlen(rest));
	free(rest);
	rest = t;
	size_t n = rest ? strlen(rest) : 0;
	size_t from = n && rest[0] == '(' ? 1 : 0;
	size_t to = n > from && rest[n - 1] == ')' ? n - 1 : n;
	if (to - from >= 2 && (rest[from] == '"' || rest[from] == '\'') &&
	    rest[to - 1] == rest[from])
		from++, to--;
	if (from || to != n) {
		t = text_trim_dup(rest + from, to - from);
		free(rest);
		rest = t;
	}
	if (rest && !*rest) {
		free(rest);
		rest = NULL;
	}
	return rest;
}

char *text_author_name(const char *s)
{
	if (!s)
		return NULL;
	/* As feedparser splits an RSS author ("jane@x.org (Jane)",
	 * "Jane <jane@x.org>", "Jane (jane@x.org)"): the first address it
	 * finds is taken out, with a "mailto:" before it and the brackets
	 * around it, and so is every other copy of it; then "()", "<>" and
	 * "[]", one '(' at the start and one ')' at the end, and quotes around
	 * what is left. What is left is the name; with no name, the address.
	 * A string without an address (a fediverse handle is none), or whose
	 * name would be left with a bracket open or unopened, is the name as
	 * written. */
	const char *b, *e;
	if (!email_find(s, &b, &e))
		return text_trim_dup(s, strlen(s));
	size_t elen = (size_t)(e - b);
	/* The pattern takes a ']' after the domain (for "[1.2.3.4]"): it
	 * belongs to the brackets, if any. */
	const char *ae = e[-1] == ']' ? e - 1 : e;
	const char *cb = b, *ce = ae;
	if (cb - s >= 7 && strncasecmp(cb - 7, "mailto:", 7) == 0)
		cb -= 7;
	const char *open = cb > s ? strchr("([<", cb[-1]) : NULL;
	if (open && *open && *ce == ")]>"[open - "([<"])
		cb--, ce++;
	struct sbuf out = {0};
	sbuf_add(&out, s, (size_t)(cb - s), SIZE_MAX);
	for (const char *p = ce; *p;) {
		if (strncmp(p, b, elen) == 0) {
			p += elen;
			continue;
		}
		sbuf_add(&out, p, 1, SIZE_MAX);
		p++;
	}
	char *rest = sbuf_take(&out);
	if (rest) {
		drop_empty_pairs(rest);
		rest = name_trim(rest);
	}
	if (rest && !brackets_balanced(rest)) {
		free(rest);
		return text_trim_dup(s, strlen(s));
	}
	return rest ? rest : text_trim_dup(b, (size_t)(ae - b));
}

static bool void_element(const char *n, size_t l)
{
	static const char *const v[] = {
		"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
		"param", "source", "track", "wbr", "keygen", "command", "basefont", "frame",
		"isindex",
	};
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
		if (strlen(v[i]) == l && strncasecmp(v[i], n, l) == 0)
			return true;
	return false;
}

char *text_html_unselfclose(char *html)
{
	if (!html || !strstr(html, "/>"))
		return html;
	char *o = html;
	for (const char *p = html; *p;) {
		if (p[0] != '<' || !isalpha((unsigned char)p[1])) {
			*o++ = *p++;
			continue;
		}
		const char *name = p + 1;
		size_t nl = 0;
		while (name[nl] && !is_ws((unsigned char)name[nl]) && name[nl] != '>' &&
		       name[nl] != '/')
			nl++;
		/* The tag's end, quoted values skipped. */
		const char *q = name + nl;
		char quote = 0;
		while (*q && (quote || *q != '>')) {
			if (quote && *q == quote)
				quote = 0;
			else if (!quote && (*q == '"' || *q == '\''))
				quote = *q;
			q++;
		}
		if (!*q) {
			while (p < q)
				*o++ = *p++;
			break;
		}
		const char *slash = q;
		while (slash > name + nl && is_ws((unsigned char)slash[-1]))
			slash--;
		if (slash > name && slash[-1] == '/' && !void_element(name, nl)) {
			const char *cut = slash - 1;
			while (cut > name + nl && is_ws((unsigned char)cut[-1]))
				cut--;
			while (p < cut)
				*o++ = *p++;
			p = q;  /* continue at the '>' */
			continue;
		}
		while (p <= q)
			*o++ = *p++;
	}
	*o = '\0';
	return html;
}
