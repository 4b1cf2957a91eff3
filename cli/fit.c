/* fit.c — feedctl's human tables on a terminal: widths, cuts, plain titles. */
#include "cli/fit.h"

#include <langinfo.h>
#include <libxml/HTMLparser.h>
#include <locale.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <wchar.h>

#include "core/strbuf.h"

size_t fit_columns(void)
{
	if (!isatty(STDOUT_FILENO))
		return 0;
	const char *env = getenv("COLUMNS");
	if (env && *env) {
		char *end;
		long v = strtol(env, &end, 10);
		if (!*end && v > 0 && v < 100000)
			return (size_t)v;
	}
	struct winsize ws;
	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
		return ws.ws_col;
	return 80;
}

/* wcwidth needs a UTF-8 LC_CTYPE: the user's, else C.UTF-8 (what feedctl
 * prints is UTF-8 whatever the locale says). False when neither is there:
 * every character then counts one column. */
bool fit_utf8_locale(void)
{
	static int ok = -1;
	if (ok < 0) {
		const char *l = setlocale(LC_CTYPE, "");
		if (!l || strcasecmp(nl_langinfo(CODESET), "UTF-8") != 0)
			l = setlocale(LC_CTYPE, "C.UTF-8");
		ok = l && strcasecmp(nl_langinfo(CODESET), "UTF-8") == 0;
	}
	return ok;
}

/* The character at S: its code point in *CP and its length; a byte that
 * starts no well-formed sequence is one character of its own. */
static size_t next_char(const unsigned char *s, uint32_t *cp)
{
	unsigned n = s[0] < 0x80 ? 1 : (s[0] & 0xe0) == 0xc0 ? 2 : (s[0] & 0xf0) == 0xe0 ? 3
		   : (s[0] & 0xf8) == 0xf0 ? 4 : 0;
	if (n <= 1) {
		*cp = s[0];
		return 1;
	}
	uint32_t c = s[0] & (0x7f >> n);
	for (unsigned i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80) {
			*cp = 0xfffd;
			return 1;
		}
		c = c << 6 | (s[i] & 0x3f);
	}
	*cp = c;
	return n;
}

/* C0 and C1 controls and DEL: shown as a space, so that feed text cannot
 * drive the terminal. */
static bool is_control(uint32_t cp)
{
	return cp < 0x20 || (cp >= 0x7f && cp < 0xa0);
}

static size_t char_width(uint32_t cp)
{
	if (cp < 0x80 || is_control(cp) || !fit_utf8_locale())
		return 1;
	int w = wcwidth((wchar_t)cp);
	return w < 0 ? 1 : (size_t)w;
}

size_t fit_width(const char *s)
{
	size_t w = 0;
	uint32_t cp;
	for (const unsigned char *p = (const unsigned char *)s; *p;) {
		p += next_char(p, &cp);
		w += char_width(cp);
	}
	return w;
}

size_t fit_put(FILE *out, const char *s, size_t maxw)
{
	size_t total = fit_width(s);
	bool cut = maxw && total > maxw;
	size_t room = cut ? maxw - 1 : total, w = 0, n, spaces = 0;
	uint32_t cp;
	for (const unsigned char *p = (const unsigned char *)s; *p; p += n) {
		n = next_char(p, &cp);
		size_t cw = char_width(cp);
		if (w + cw > room)
			break;
		w += cw;
		/* Spaces wait for what follows: none before the "…". */
		if (cp == ' ' || is_control(cp)) {
			spaces++;
			continue;
		}
		for (; spaces; spaces--)
			fputc(' ', out);
		fwrite(p, 1, n, out);
	}
	if (cut) {
		w -= spaces;
		fputs("…", out);
		return w + 1;
	}
	for (; spaces; spaces--)
		fputc(' ', out);
	return w;
}

void fit_cell(struct strbuf *b, const char *s, size_t width)
{
	char *p = NULL;
	size_t n = 0;
	FILE *m = open_memstream(&p, &n);
	if (!m)
		abort();
	size_t w = fit_put(m, s, width);
	if (fclose(m) != 0)
		abort();
	strbuf_put(b, p, n);
	free(p);
	for (; w < width; w++)
		strbuf_putc(b, ' ');
}

/* Appends code point CP as UTF-8 (controls and what Unicode forbids as a
 * space). */
static void put_cp(struct strbuf *b, uint32_t cp)
{
	if (cp < 0x20 || cp == 0x7f || (cp >= 0xd800 && cp < 0xe000) || cp > 0x10ffff)
		cp = ' ';
	if (cp == 0xa0)
		cp = ' ';
	char u[4];
	size_t n;
	if (cp < 0x80) {
		u[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		u[0] = (char)(0xc0 | cp >> 6);
		u[1] = (char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		u[0] = (char)(0xe0 | cp >> 12);
		u[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		u[2] = (char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		u[0] = (char)(0xf0 | cp >> 18);
		u[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		u[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
		u[3] = (char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	strbuf_put(b, u, n);
}

/* The entity at S ("&amp;..."): its code point and length, or 0. */
static size_t entity(const char *s, uint32_t *cp)
{
	static const struct { const char *name; uint32_t cp; } named[] = {
		{"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&apos;", '\''},
		{"&nbsp;", 0xa0},
	};
	for (size_t i = 0; i < sizeof named / sizeof named[0]; i++) {
		size_t n = strlen(named[i].name);
		if (strncmp(s, named[i].name, n) == 0) {
			*cp = named[i].cp;
			return n;
		}
	}
	if (s[1] != '#') {
		/* HTML's other named references (&eacute;), from libxml2's table. */
		char name[16];
		size_t k = 0;
		while (k < sizeof name - 1 && ((s[1 + k] >= 'a' && s[1 + k] <= 'z') ||
					      (s[1 + k] >= 'A' && s[1 + k] <= 'Z') ||
					      (s[1 + k] >= '0' && s[1 + k] <= '9')))
			name[k] = s[1 + k], k++;
		name[k] = '\0';
		const htmlEntityDesc *e = k && s[1 + k] == ';' ? htmlEntityLookup((const xmlChar *)name)
							       : NULL;
		if (!e)
			return 0;
		*cp = e->value;
		return k + 2;
	}
	bool hex = s[2] == 'x' || s[2] == 'X';
	const char *d = s + (hex ? 3 : 2), *p = d;
	uint32_t v = 0;
	while (p - d < 8 && (hex ? strchr("0123456789abcdefABCDEF", *p) : strchr("0123456789", *p))
	       && *p) {
		unsigned digit = *p <= '9' ? (unsigned)(*p - '0') : (unsigned)((*p | 0x20) - 'a' + 10);
		v = v * (hex ? 16 : 10) + digit;
		p++;
	}
	if (p == d || *p != ';')
		return 0;
	*cp = v;
	return (size_t)(p + 1 - s);
}

/* The tag at S ("<b>", "</a>", "<br/>", "<!-- -->"): its length, or 0
 * when S opens none. *SPACE: it separates words (br, p, div, li). */
static size_t tag(const char *s, bool *space)
{
	*space = false;
	const char *t = s + 1;
	if (strncmp(t, "!--", 3) == 0) {
		const char *e = strstr(t + 3, "-->");
		return e ? (size_t)(e + 3 - s) : 0;
	}
	if (*t == '/')
		t++;
	if (!((*t >= 'a' && *t <= 'z') || (*t >= 'A' && *t <= 'Z') || (*t == '!' && t == s + 1)))
		return 0;
	const char *e = strchr(t, '>');
	if (!e)
		return 0;
	static const char *const breaks[] = {"br", "p", "div", "li"};
	for (size_t i = 0; i < sizeof breaks / sizeof breaks[0]; i++) {
		size_t n = strlen(breaks[i]);
		if (strncasecmp(t, breaks[i], n) == 0 && strchr(" \t\n/>", t[n]))
			*space = true;
	}
	return (size_t)(e + 1 - s);
}

char *fit_plain(const char *s)
{
	struct strbuf b = {0};
	strbuf_puts(&b, "");
	bool pending_space = false;
	for (const char *p = s; *p;) {
		uint32_t cp = 0;
		size_t n;
		bool space;
		if (*p == '<' && (n = tag(p, &space))) {
			p += n;
			pending_space |= space;
			continue;
		}
		if (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r') {
			pending_space = true;
			p++;
			continue;
		}
		if (*p == '&' && (n = entity(p, &cp)) && (cp == 0xa0 || cp == ' ')) {
			pending_space = true;
			p += n;
			continue;
		}
		if (pending_space && b.len)
			strbuf_putc(&b, ' ');
		pending_space = false;
		if (*p == '&' && (n = entity(p, &cp))) {
			put_cp(&b, cp);
			p += n;
		} else {
			strbuf_putc(&b, *p++);
		}
	}
	return b.s;
}
