/* parse_capture.c — the value of the element being captured: its type
 * (text, HTML, XHTML; base64), the bounded buffer its text goes into
 * (parse_xml.c appends text and serialised markup), and, when it ends, the
 * value written into its field of the item or feed by the field's
 * priority rules (struct capture in parse_xml_int.h). Also the small value helpers
 * parse_xml.c shares (attributes, trimming, priorities, lists). Every
 * string written into an item or the feed is heap and theirs. */
#include "core/parse_xml_int.h"
#include "core/utf8.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/date.h"
#include "core/url.h"

/* libxml2 without entity substitution writes "&" in attribute values as
 * "&#38;"; undo that. */
char *xml_amp_fix(char *s)
{
	if (!s || !strstr(s, "&#38;"))
		return s;
	char *o = s;
	for (const char *p = s; *p;) {
		if (!strncmp(p, "&#38;", 5)) {
			*o++ = '&';
			p += 5;
		} else {
			*o++ = *p++;
		}
	}
	*o = '\0';
	return s;
}

/* An attribute's value (a new string) by local name and namespace class.
 * A plain attribute's name matches ignoring ASCII case, as feedparser
 * lower-cases them (<guid isPermalink="false">, <enclosure URL=...>);
 * a namespaced one (xml:base, rdf:about) is matched as written. */
char *xml_attr_get(int nattr, const xmlChar **attrs, const char *name, enum ns ns)
{
	for (int i = 0; i < nattr; i++) {
		const xmlChar **a = attrs + i * 5;
		if ((ns == NS_CORE ? strcasecmp : strcmp)((const char *)a[0], name) != 0)
			continue;
		enum ns ans = a[2] ? xml_ns_classify((const char *)a[1], (const char *)a[2]) : NS_CORE;
		if (ans != ns && !(ns == NS_CORE && ans == NS_OTHER))
			continue;
		return xml_amp_fix(strndup((const char *)a[3], (size_t)(a[4] - a[3])));
	}
	return NULL;
}

/* S without surrounding whitespace, in place (NULL when nothing is left). */
char *xml_trimmed(char *s)
{
	if (!s)
		return NULL;
	size_t n = strlen(s), lead = 0;
	/* The same whitespace as text_trim_dup. */
	static const bool ws[256] = {[' '] = 1, ['\t'] = 1, ['\n'] = 1, ['\r'] = 1, ['\f'] = 1, ['\v'] = 1};
	while (lead < n && ws[(unsigned char)s[lead]])
		lead++;
	while (n > lead && ws[(unsigned char)s[n - 1]])
		n--;
	if (n == lead) {
		free(s);
		return NULL;
	}
	if (lead)
		memmove(s, s + lead, n - lead);
	s[n - lead] = '\0';
	return s;
}

/* Sets *DST to VAL (taking it) if PRIO is at least as good as *SLOT. */
void xml_set_str(char **dst, int *slot, int prio, char *val)
{
	if (!val)
		return;
	if (*slot && prio > *slot) {
		free(val);
		return;
	}
	free(*dst);
	*dst = val;
	*slot = prio;
}

/* An enclosure's length attribute as a byte count: digits, in groups of
 * three with commas if the publisher wrote them so ("1,234"), then the
 * end or a word ("1234 bytes"), with space around; -1 (unknown) for
 * anything else: a fraction, a sign, no digits, or past INT64_MAX. */
static int64_t enclosure_length(const char *s)
{
	while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
		s++;
	int64_t v = 0;
	int digits = 0, group = 0;
	bool grouped = false;
	for (;; s++) {
		if (*s >= '0' && *s <= '9') {
			if (v > (INT64_MAX - (*s - '0')) / 10)
				return -1;
			v = v * 10 + (*s - '0');
			digits++;
			group++;
		} else if (*s == ',' && digits && (grouped ? group == 3 : group <= 3) &&
			   s[1] >= '0' && s[1] <= '9') {
			grouped = true;
			group = 0;
		} else {
			break;
		}
	}
	if (!digits || (grouped && group != 3) || *s == '.' || *s == ',' || *s == '-')
		return -1;
	return v;
}

void xml_add_enclosure(struct item *it, char *url, char *type, char *len)
{
	if (!url || !*url) {
		free(url);
		free(type);
		free(len);
		return;
	}
	for (size_t i = 0; i < it->nenclosures; i++)
		if (strcmp(it->enclosures[i].url, url) == 0) {
			free(url);
			free(type);
			free(len);
			return;
		}
	struct enclosure *n = realloc(it->enclosures, (it->nenclosures + 1) * sizeof *n);
	if (!n) {
		free(url);
		free(type);
		free(len);
		return;
	}
	it->enclosures = n;
	struct enclosure *e = &n[it->nenclosures++];
	e->url = url;
	e->type = xml_trimmed(type);
	e->length = -1;
	if (len) {
		e->length = enclosure_length(len);
		free(len);
	}
}

/* ---- captured values ----------------------------------------------------- */

/* The type of a text construct from its type/mode attributes. */
static enum ctype construct_type(struct xml_state *x, int nattr, const xmlChar **attrs,
				 enum ctype dflt, bool *base64, bool *media)
{
	char *type = xml_attr_get(nattr, attrs, "type", NS_CORE);
	char *mode = xml_attr_get(nattr, attrs, "mode", NS_CORE);
	enum ctype t = dflt;
	*base64 = false;
	*media = false;
	if (type) {
		for (char *c = type; *c; c++)
			*c = (char)tolower((unsigned char)*c);
		char *sc = strchr(type, ';');
		if (sc)
			*sc = '\0';
		char *tt = text_trim_dup(type, strlen(type));
		const char *ty = tt ? tt : "";
		if (!strcmp(ty, "text") || !strcmp(ty, "text/plain"))
			t = CT_TEXT;
		else if (!strcmp(ty, "html") || !strcmp(ty, "text/html"))
			t = CT_HTML;
		else if (!strcmp(ty, "xhtml") || !strcmp(ty, "application/xhtml+xml"))
			t = CT_XHTML;
		else if (!strncmp(ty, "text/", 5)) {
			t = CT_TEXT;
			*media = true;
		} else if (strstr(ty, "xml")) {
			t = CT_XHTML;
			*media = true;
		} else if (*ty) {
			*media = true;
			/* Atom 1.0: any other media type is base64. */
			t = CT_TEXT;
			*base64 = x->o->doc->format == DOC_ATOM10;
		}
		free(tt);
	}
	if (mode) {
		if (!strcmp(mode, "base64"))
			*base64 = true;
		else if (!strcmp(mode, "escaped") && t == CT_XHTML)
			t = CT_HTML;
		else if (!strcmp(mode, "xml") && t == CT_HTML)
			t = CT_XHTML;
	}
	free(type);
	free(mode);
	return t;
}

void cap_start(struct xml_state *x, enum target tgt, int prio, enum ctype type, bool base64)
{
	struct capture *c = &x->cap;
	c->on = true;
	c->depth = x->depth;
	c->tgt = tgt;
	c->prio = prio;
	c->type = type;
	c->base64 = base64;
	c->media_type = false;
	c->strip_div = false;
	c->truncated = false;
	c->base = cur_base(x);
	sbuf_reset(&c->buf);
}

/* A text construct: its type from the attributes, DFLT when absent. */
void cap_start_construct(struct xml_state *x, enum target tgt, int prio, enum ctype dflt,
			 int nattr, const xmlChar **attrs)
{
	bool b64, media;
	enum ctype t = construct_type(x, nattr, attrs, dflt, &b64, &media);
	cap_start(x, tgt, prio, t, b64);
	x->cap.media_type = media;
	x->cap.strip_div = t == CT_XHTML && x->o->doc->format == DOC_ATOM10;
}

void cap_cut(struct xml_state *x)
{
	struct capture *c = &x->cap;
	c->truncated = true;
	if (!x->o->doc->truncated)
		parse_warn(x->o, "a field longer than %zu bytes was truncated", x->o->lim.max_field);
	const char *el = (const char *)x->frames[c->depth].name;
	size_t item = x->o->cur_item;
	if (item)
		parse_cap(x->o, DOC_CAP_FIELD, item, "<%s> of item %zu cut at %zu bytes", el, item,
			  x->o->lim.max_field);
	else
		parse_cap(x->o, DOC_CAP_FIELD, 0, "the feed's <%s> cut at %zu bytes", el,
			  x->o->lim.max_field);
}

/* The captured text as a plain string (titles, names, categories). */
static char *value_plain(struct capture *c, char *raw)
{
	if (c->type != CT_TEXT) {
		char *p = text_html_to_plain(raw);
		free(raw);
		raw = p;
	}
	return xml_trimmed(raw);
}

/* The captured text as HTML, relative URLs resolved. */
static char *value_html(struct capture *c, char *raw)
{
	/* Text constructs are passed on as they are (feedparser does so,
	 * and text rarely holds anything that reads as markup). */
	char *h = xml_trimmed(raw);
	if (h && c->base && strchr(h, '<'))
		h = text_html_resolve_take(h, c->base);
	if (h && c->type == CT_HTML)
		h = text_html_unselfclose(h);
	return h;
}

static int64_t value_date(const char *s)
{
	int64_t t;
	return s && date_parse(s, &t) == 0 ? t : DATE_NONE;
}

static void set_hint(struct xml_state *x, enum target tgt, const char *v)
{
	struct feed_hints *h = &x->o->doc->feed.hints;
	if (!v)
		return;
	if (tgt == T_TTL) {
		long m = strtol(v, NULL, 10);
		if (m > 0 && m < 1000000)
			h->ttl = (int64_t)m * 60;
	} else if (tgt == T_HOUR) {
		char *end;
		long hr = strtol(v, &end, 10);
		if (end != v && hr >= 0 && hr <= 24)
			h->skip_hours |= 1u << (hr % 24);
	} else if (tgt == T_DAY) {
		static const char *const days[] = {"sunday", "monday", "tuesday", "wednesday",
						   "thursday", "friday", "saturday"};
		for (int d = 0; d < 7; d++)
			if (strncasecmp(v, days[d], 3) == 0)
				h->skip_days |= (uint8_t)(1u << d);
	} else if (tgt == T_SY_PERIOD) {
		static const struct { const char *n; int64_t s; } per[] = {
			{"hourly", 3600}, {"daily", 86400}, {"weekly", 7 * 86400},
			{"monthly", 30 * 86400}, {"yearly", 365 * 86400},
		};
		int64_t freq = h->sy_period ? 0 : 1;
		for (size_t i = 0; i < sizeof per / sizeof per[0]; i++)
			if (strcasecmp(v, per[i].n) == 0)
				h->sy_period = per[i].s * (freq ? 1 : 1);
	} else if (tgt == T_SY_FREQ) {
		long f = strtol(v, NULL, 10);
		if (f > 1 && f < 100000) {
			if (!h->sy_period)
				h->sy_period = 86400;   /* the module's default period */
			h->sy_period /= f;
		}
	}
}

/* C1 controls (U+0080..U+009F) in text are windows-1252 bytes that went
 * through a Latin-1 decoder ("don&#146;t"): give them their meaning. The
 * replacement is never longer than... it is (2 -> 3 bytes), so rebuild. */
static void c1_fix_into(char **s)
{
	static const uint16_t hi[32] = {
		0x20AC, 0, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
		0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0, 0x017D, 0,
		0, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
		0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0, 0x017E, 0x0178,
	};
	struct sbuf b = {0};
	for (const unsigned char *p = (const unsigned char *)*s; *p; p++) {
		if (p[0] == 0xC2 && p[1] >= 0x80 && p[1] <= 0x9F && hi[p[1] - 0x80]) {
			char u[4];
			sbuf_add(&b, u, text_utf8_put(hi[p[1] - 0x80], u), SIZE_MAX);
			p++;
		} else {
			sbuf_addc(&b, (char)*p, SIZE_MAX);
		}
	}
	free(*s);
	*s = b.s ? b.s : strdup("");
}

#define c1_to_cp1252(raw) do { if (strstr((raw), "\xC2")) c1_fix_into(&(raw)); } while (0)

/* An author that is an e-mail address and no name. */
static bool bare_address(const char *s)
{
	return strchr(s, '@') && !strpbrk(s, " \t");
}

/* An empty string as NULL (absent), which is how it is printed. */
static char *nonempty(char *s)
{
	if (s && !*s) {
		free(s);
		return NULL;
	}
	return s;
}

/* Applies the captured value to its target. */
void cap_end(struct xml_state *x)
{
	struct capture *c = &x->cap;
	c->on = false;
	/* A copy of the exact size; the buffer stays for the next field. */
	char *raw = c->buf.len ? strndup(c->buf.s, c->buf.len) : NULL;
	sbuf_reset(&c->buf);
	if (!raw)
		raw = strdup("");
	if (c->base64) {
		char *d = text_base64_decode(raw);
		if (d) {
			free(raw);
			raw = d;
		}
	}
	c1_to_cp1252(raw);
	struct item *it = x->item;
	struct feed_info *f = &x->o->doc->feed;
	size_t len = strlen(raw);
	if (it) {
		x->o->item_bytes += len;
		if (x->o->item_bytes > x->o->lim.max_item) {
			free(raw);
			if (!x->o->doc->truncated)
				parse_warn(x->o, "an item larger than %zu bytes was truncated",
					   x->o->lim.max_item);
			parse_cap(x->o, DOC_CAP_ITEM, x->o->cur_item,
				  "item %zu over %zu bytes, its <%s> dropped", x->o->cur_item,
				  x->o->lim.max_item, (const char *)x->frames[c->depth].name);
			return;
		}
	}
	switch (c->tgt) {
	case T_TITLE:
		/* An HTML title keeps its markup (as feedparser does): the
		 * publisher said it is HTML, and stripping loses meaning. */
		if (c->type != CT_TEXT)
			raw = value_html(c, raw);
		if (it)
			xml_set_str(&it->title, &x->ip.title, c->prio, xml_trimmed(raw));
		else
			xml_set_str(&f->title, &x->fp.title, c->prio, xml_trimmed(raw));
		return;
	case T_LINK: {
		char *v = xml_trimmed(raw);
		char *u = v ? url_resolve(c->base, v) : NULL;
		free(v);
		if (it)
			xml_set_str(&it->url, &x->ip.url, c->prio, u);
		else
			xml_set_str(&f->link, &x->fp.link, c->prio, u);
		return;
	}
	case T_DESC:
	case T_SUMMARY: {
		if (!it) {
			xml_set_str(&f->description, &x->fp.desc, c->prio, value_html(c, raw));
			return;
		}
		/* A summary-like element nested in the item's children
		 * (media:description in media:content or media:group) is a
		 * caption: the item's own summary-like element takes its
		 * place, and it never stands in for the item's. */
		int own = x->item_depth + 1;
		bool nested = c->depth > own;
		if (x->ip.summary && nested && !x->has_content) {
			free(raw);
		} else if (x->ip.summary && !x->has_content && x->sum_depth <= own) {
			/* feedparser's order, not a ranking: a summary-like
			 * element (description, atom:summary, itunes:summary,
			 * media:description, dc:description) after the item
			 * has a summary, and before any content element, is
			 * the item's content until a real content element
			 * (CONTENT_STANDIN) comes. */
			x->has_content = true;
			if (!x->ip.content) {
				it->content = nonempty(value_html(c, raw));
				x->ip.content = CONTENT_STANDIN;
			} else {
				free(raw);
			}
		} else {
			/* Otherwise it is the summary: the last one wins, unless
			 * it is nested deeper than the one it would replace
			 * (media:group/media:description after description). */
			char *v = nonempty(value_html(c, raw));
			if (!x->sum_depth || c->depth <= x->sum_depth) {
				free(it->summary);
				it->summary = v;
				x->sum_depth = c->depth;
			} else {
				free(v);
			}
			x->ip.summary = 1;
		}
		return;
	}
	case T_CONTENT:
		if (it) {
			/* The first content element is the content, even an
			 * empty one, and takes the place of a summary-like
			 * element standing in for it (description, then
			 * itunes:summary, then content:encoded: the show notes
			 * are the content); HTML and text content is also the
			 * summary when there is none yet; content of another
			 * media type (image/png, text/css) is not. */
			bool copy = !c->media_type;
			char *v = nonempty(value_html(c, raw));
			if (copy && !x->ip.summary) {
				free(it->summary);
				it->summary = v ? strdup(v) : NULL;
				x->ip.summary = 1;
			}
			if (!x->ip.content || x->ip.content == CONTENT_STANDIN) {
				free(it->content);
				it->content = v;
				x->ip.content = 1;
			} else {
				free(v);
			}
		} else {
			free(raw);
		}
		return;
	case T_GUID: {
		char *v = xml_trimmed(raw);
		/* An RSS guid is the publisher's identifier, kept byte for
		 * byte (as sfeed keeps it: "g0-0" is no address); only the
		 * item URL taken from a permalink guid resolves like a URI.
		 * An Atom id must be an IRI: a relative one is resolved, as
		 * feedparser does. */
		char *g = v && x->guid_perma ? (c->base ? url_resolve(c->base, v) : NULL) : NULL;
		if (v && x->guid_perma && !g)
			g = strdup(v);
		if (it && x->guid_atom && g && strcmp(g, v) != 0) {
			free(v);
			v = strdup(g);
		}
		if (it) {
			free(x->guid_url);
			x->guid_url = g;
			xml_set_str(&it->guid, &x->ip.guid, c->prio, v);
		} else if (g && !f->link) {
			f->link = g;    /* a feed id that is its address */
			free(v);
		} else {
			free(g);
			free(v);
		}
		return;
	}
	case T_PUBLISHED: {
		char *v = xml_trimmed(raw);
		int64_t t = value_date(v);
		free(v);
		if (t == DATE_NONE)
			return;
		if (it)
			it->published = t;
		else if (!x->fp.updated || x->fp.updated >= 2) {
			f->updated = t;
			x->fp.updated = 2;
		}
		return;
	}
	case T_UPDATED: {
		char *v = xml_trimmed(raw);
		int64_t t = value_date(v);
		free(v);
		if (t == DATE_NONE)
			return;
		if (it)
			it->updated = t;
		else {
			f->updated = t;
			x->fp.updated = 1;
		}
		return;
	}
	case T_AUTHOR:
		if (it && !x->author_depth) {
			char *v = value_plain(c, raw);
			char *n = text_author_name(v);
			free(v);
			/* feedparser keeps the details of the first author
			 * element (author, dc:creator, itunes:author alike) that
			 * has any; a bare address gives way to a later name. */
			if (x->ip.author && !(x->ip.author == 2 && n && !bare_address(n))) {
				free(n);
			} else if (n) {
				free(it->author);
				it->author = n;
				x->ip.author = bare_address(n) ? 2 : 1;
			}
		} else {
			free(raw);
		}
		return;
	case T_NAME:
		free(x->author_name);
		x->author_name = value_plain(c, raw);
		return;
	case T_EMAIL:
		free(x->author_email);
		x->author_email = value_plain(c, raw);
		return;
	case T_CATEGORY:
		if (it)
			parse_push_str(&it->categories, &it->ncategories, value_plain(c, raw));
		else
			free(raw);
		return;
	case T_KEYWORDS:
		if (it) {
			char *v = value_plain(c, raw);
			for (char *save = NULL, *k = v ? strtok_r(v, ",", &save) : NULL; k;
			     k = strtok_r(NULL, ",", &save))
				parse_push_str(&it->categories, &it->ncategories,
					 text_trim_dup(k, strlen(k)));
			free(v);
		} else {
			free(raw);
		}
		return;
	case T_LANGUAGE:
		if (!it)
			xml_set_str(&f->language, &x->fp.lang, 1, xml_trimmed(raw));
		else
			free(raw);
		return;
	case T_TTL: case T_HOUR: case T_DAY: case T_SY_PERIOD: case T_SY_FREQ: {
		char *v = xml_trimmed(raw);
		if (!it)
			set_hint(x, c->tgt, v);
		free(v);
		return;
	}
	case T_ENCLOSURE: {
		char *v = xml_trimmed(raw);
		char *url = v ? url_resolve(c->base, v) : NULL;
		free(v);
		if (it) {
			xml_add_enclosure(it, url, x->enc_type, x->enc_len);
			x->enc_type = x->enc_len = NULL;
		} else {
			free(url);
		}
		return;
	}
	case T_NONE:
		break;
	}
	free(raw);
}
