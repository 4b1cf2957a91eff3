/* sanitize_css.c — the style attribute as feedparser's sanitize_style
 * leaves it: no url(), nothing past its character gauntlet, only
 * "property: value" declarations, and of those only the properties (and,
 * for background/border/margin/padding, the keywords and sizes) its lists
 * accept. Same regular expressions, run by PCRE2 in Unicode mode. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "core/sanitize_int.h"

#include <pcre2.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/apifmt.h"

/* A pattern that backtracks too long against a hostile style gives up,
 * and the style is dropped. */
#define CSS_MATCH_LIMIT 100000
#define CSS_DEPTH_LIMIT 1000

enum css_re {
	RE_URL,         /* url(...) and the spaces after it */
	RE_GAUNTLET,    /* the characters and shapes a style may hold */
	RE_DECL,        /* one declaration, ";" included */
	RE_PROP,        /* a declaration's property and value */
	RE_VALUE,       /* a value feedparser's valid_css_values accepts */
	RE__COUNT
};

static const char *const re_src[RE__COUNT] = {
	[RE_URL] = "url\\s*\\(\\s*[^\\s)]+?\\s*\\)\\s*",
	[RE_GAUNTLET] = "^([:,;#%.\\sa-zA-Z0-9!]|\\w-\\w|'[\\s\\w]+'|\"[\\s\\w]+\"|\\([\\d,\\s]+\\))*$",
	[RE_DECL] = "\\s*[-\\w]+\\s*:\\s*[^:;]*;?",
	[RE_PROP] = "([-\\w]+)\\s*:\\s*([^:;]*)",
	[RE_VALUE] = ("^(#[0-9a-f]+|rgb\\(\\d+%?,\\d*%?,?\\d*%?\\)?"
		      "|\\d{0,2}\\.?\\d{0,2}(cm|em|ex|in|mm|pc|pt|px|%|,|\\))?)$"),
};

static pcre2_code *re[RE__COUNT];
static pcre2_match_context *mctx;
static pthread_once_t re_once = PTHREAD_ONCE_INIT;
static bool re_ok;

/* Compiled once per process; never freed (a few kilobytes). */
static void compile_all(void)
{
	int code;
	PCRE2_SIZE off;
	for (int i = 0; i < RE__COUNT; i++) {
		re[i] = pcre2_compile((PCRE2_SPTR)re_src[i], PCRE2_ZERO_TERMINATED,
				      PCRE2_UTF | PCRE2_UCP | PCRE2_MATCH_INVALID_UTF, &code, &off,
				      NULL);
		if (!re[i])
			return;
	}
	if (!(mctx = pcre2_match_context_create(NULL)))
		return;
	pcre2_set_match_limit(mctx, CSS_MATCH_LIMIT);
	pcre2_set_depth_limit(mctx, CSS_DEPTH_LIMIT);
	re_ok = true;
}

static int match(enum css_re r, const char *s, size_t len, size_t off, pcre2_match_data *md)
{
	return pcre2_match(re[r], (PCRE2_SPTR)s, len, off, 0, md, mctx);
}

static bool blank(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!strchr(" \t\n\r\f\v", s[i]))
			return false;
	return true;
}

/* S with every match of R replaced by WITH, into OUT. False when a match
 * failed (a limit) or memory ran out. */
static bool replace_all(enum css_re r, const char *s, const char *with, struct buf *out,
			pcre2_match_data *md)
{
	size_t len = strlen(s), at = 0;
	int rc = PCRE2_ERROR_NOMATCH;
	while (at <= len && (rc = match(r, s, len, at, md)) > 0) {
		PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
		buf_append(out, s + at, ov[0] - at);
		buf_puts(out, with);
		at = ov[1] > ov[0] ? ov[1] : ov[1] + 1;
	}
	if (rc != PCRE2_ERROR_NOMATCH && rc <= 0 && at <= len)
		return false;
	if (at < len)
		buf_append(out, s + at, len - at);
	buf_append(out, "", 1);
	out->len--;
	return !out->oom;
}

/* A background/border/margin/padding value: every word a keyword or a
 * size/colour feedparser accepts. */
static bool value_ok(const char *v, size_t n, pcre2_match_data *md)
{
	size_t i = 0;
	while (i < n) {
		while (i < n && strchr(" \t\n\r\f\v", v[i]))
			i++;
		size_t j = i;
		while (j < n && !strchr(" \t\n\r\f\v", v[j]))
			j++;
		if (j == i)
			break;
		char word[64];
		if (j - i >= sizeof word)
			return false;
		memcpy(word, v + i, j - i);
		word[j - i] = '\0';
		if (!san_css_keyword(word) && match(RE_VALUE, word, j - i, 0, md) <= 0)
			return false;
		i = j;
	}
	return true;
}

static bool shorthand(const char *prop, size_t n)
{
	static const char *const groups[] = { "background", "border", "margin", "padding" };
	size_t k = 0;
	while (k < n && prop[k] != '-')
		k++;
	for (size_t i = 0; i < sizeof groups / sizeof *groups; i++)
		if (strlen(groups[i]) == k && !strncasecmp(prop, groups[i], k))
			return true;
	return false;
}

/* The declarations kept, from the url()-less STYLE. */
static void keep_declarations(const char *s, bool in_svg, struct buf *out, pcre2_match_data *md)
{
	size_t len = strlen(s), at = 0;
	while (at < len && match(RE_PROP, s, len, at, md) > 0) {
		PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
		const char *prop = s + ov[2], *val = s + ov[4];
		size_t np = ov[3] - ov[2], nv = ov[5] - ov[4];
		at = ov[1] > ov[0] ? ov[1] : ov[1] + 1;
		char name[64];
		if (!nv || np >= sizeof name)
			continue;
		memcpy(name, prop, np);
		name[np] = '\0';
		bool keep = san_css_property(name) ||
			    (shorthand(name, np) ? value_ok(val, nv, md)
						  : in_svg && san_svg_css_property(name));
		if (!keep)
			continue;
		if (out->len)
			buf_append(out, " ", 1);
		buf_append(out, prop, np);
		buf_append(out, ": ", 2);
		buf_append(out, val, nv);
		buf_append(out, ";", 1);
	}
}

char *sanitize_style(const char *style, bool in_svg)
{
	pthread_once(&re_once, compile_all);
	if (!re_ok)
		return strdup("");
	pcre2_match_data *md = pcre2_match_data_create(8, NULL);
	if (!md)
		return NULL;
	struct buf nourl = {0}, rest = {0}, out = {0};
	char *res = NULL;
	bool oom = false;
	if (!replace_all(RE_URL, style, " ", &nourl, md)) {
		oom = nourl.oom;
		goto done;
	}
	if (match(RE_GAUNTLET, nourl.data, nourl.len, 0, md) <= 0)
		goto done;
	if (!replace_all(RE_DECL, nourl.data, "", &rest, md)) {
		oom = rest.oom;
		goto done;
	}
	if (!blank(rest.data, rest.len))
		goto done;
	keep_declarations(nourl.data, in_svg, &out, md);
	if (out.oom) {
		oom = true;
		goto done;
	}
	res = out.data;
	out.data = NULL;
done:
	pcre2_match_data_free(md);
	buf_free(&nourl);
	buf_free(&rest);
	buf_free(&out);
	if (!res && !oom)
		res = strdup("");
	return res;
}
