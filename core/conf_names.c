/* conf_names.c — a feed's URL checked and re-serialised for feeds.conf
 * (conf_edit_url, with libcurl's URL API: parsing only), and feed names
 * made from a URL's registrable domain (the Public Suffix List, loaded
 * once) or from a title's words, unique against the caller's EXISTS, and
 * tags made from another reader's folder names.
 *
 * Ownership: every returned string is the caller's to free; the PSL
 * context lives for the process. */
#include "core/conf_edit_int.h"

#include <curl/curl.h>
#include <libpsl.h>

#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/url.h"
#include "core/utf8.h"

/* URL with its quotes (" ' `) percent-encoded, as a browser sends them
 * (%22 %27 %60 mean the same to the server): a quote in a value is what
 * an injected line would lean on, and feeds.conf read by hand takes a
 * URL holding one, so the URL is written without them rather than
 * refused. NULL when out of memory. */
static char *quotes_encoded(const char *url)
{
	size_t n = 0;
	for (const char *c = url; *c; c++)
		n += strchr("\"'`", *c) ? 3 : 1;
	char *out = malloc(n + 1), *o = out;
	if (!out)
		return NULL;
	for (const char *c = url; *c; c++) {
		if (strchr("\"'`", *c))
			o += sprintf(o, "%%%02X", (unsigned)(unsigned char)*c);
		else
			*o++ = *c;
	}
	*o = '\0';
	return out;
}

int conf_edit_url(const char *url, char **out, struct conf_edit_error *err)
{
	*out = NULL;
	if (!url || !*url)
		return conf_refuse(err, CONF_FIELD_URL, "", "is empty");
	if (conf_check_text(err, CONF_FIELD_URL, url) < 0)
		return -EINVAL;
	if (strlen(url) > EDIT_MAX_URL)
		return conf_refuse(err, CONF_FIELD_URL, url, "is longer than %d bytes", EDIT_MAX_URL);
	CURLU *u = curl_url();
	if (!u)
		return conf_refuse(err, CONF_FIELD_URL, url, "cannot be parsed: out of memory");
	char *scheme = NULL, *norm = NULL;
	int r = 0;
	CURLUcode rc = curl_url_set(u, CURLUPART_URL, url, 0);
	if (rc == CURLUE_OK)
		rc = curl_url_get(u, CURLUPART_SCHEME, &scheme, 0);
	/* Host names are not case-sensitive; curl 7.88 keeps their case. */
	char *host = NULL;
	if (rc == CURLUE_OK && curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK) {
		for (char *c = host; *c; c++)
			if (*c >= 'A' && *c <= 'Z')
				*c = (char)(*c - 'A' + 'a');
		rc = curl_url_set(u, CURLUPART_HOST, host, 0);
		curl_free(host);
	}
	if (rc == CURLUE_OK)
		rc = curl_url_get(u, CURLUPART_URL, &norm, 0);
	if (rc != CURLUE_OK) {
		r = conf_refuse(err, CONF_FIELD_URL, url, "is not a URL (%s)", curl_url_strerror(rc));
	} else if (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0 &&
		   strcmp(scheme, "file") != 0) {
		r = conf_refuse(err, CONF_FIELD_URL, url, "is not an http, https or file URL");
	} else {
		if (strchr(norm, ' '))
			r = conf_refuse(err, CONF_FIELD_URL, url, "contains a space");
		if (!r && conf_check_text(err, CONF_FIELD_URL, norm) < 0)
			r = -EINVAL;
		if (!r && !(*out = quotes_encoded(norm)))
			r = conf_refuse(err, CONF_FIELD_URL, url, "out of memory");
		/* What the config reader refuses (a port 0, say): never written. */
		char why[128];
		const char *bad = r ? NULL : url_problem(*out, true, why, sizeof why);
		if (bad) {
			r = conf_refuse(err, CONF_FIELD_URL, url, "%s", bad);
			free(*out);
			*out = NULL;
		}
	}
	curl_free(scheme);
	curl_free(norm);
	curl_url_cleanup(u);
	return r;
}


/* The Public Suffix List, loaded once: the newest of libpsl's built-in
 * copy and the system's (/usr/share/publicsuffix), as curl uses it. */
static psl_ctx_t *psl;
static pthread_once_t psl_once = PTHREAD_ONCE_INIT;

static void psl_load(void)
{
	psl = psl_latest(NULL);
}

/* The label a host's registrable domain starts with ("en.mehrnews.com":
 * "mehrnews"; "user.github.io": "user", github.io being a public suffix),
 * into BASE. False when the list has no answer. */
static bool registrable_label(const char *host, char *base, size_t len)
{
	pthread_once(&psl_once, psl_load);
	const char *reg = psl ? psl_registrable_domain(psl, host) : NULL;
	if (!reg)
		return false;
	size_t n = strcspn(reg, ".");
	snprintf(base, len, "%.*s", (int)(n < len ? n : len - 1), reg);
	return true;
}

/* BASE with only what a feed name can hold; "feed" when nothing is left. */
static void clean_base(char *base)
{
	size_t o = 0;
	for (const char *c = base; *c; c++)
		if (isalnum((unsigned char)*c) || *c == '-')
			base[o++] = (char)tolower((unsigned char)*c);
	base[o] = '\0';
	if (!o)
		strcpy(base, "feed");
}

static char *make_unique(const char *base, int (*exists)(const char *name, void *arg), void *arg)
{
	char cand[160];
	snprintf(cand, sizeof cand, "%s", base);
	for (int i = 2; exists && exists(cand, arg) && i < 100000; i++)
		snprintf(cand, sizeof cand, "%s-%d", base, i);
	return strdup(cand);
}

char *conf_name_from_url(const char *url, int (*exists)(const char *name, void *arg), void *arg)
{
	char *host = url_host(url);
	char base[64] = "feed";
	if (host && strspn(host, "0123456789.:[]abcdefABCDEF") == strlen(host) &&
	    (strchr(host, ':') || strspn(host, "0123456789.") == strlen(host))) {
		/* An address, not a name: "127.0.0.1" gives "127-0-0-1". */
		size_t o = 0;
		for (const char *c = host; *c && o < sizeof base - 1; c++)
			if (*c != '[' && *c != ']')
				base[o++] = isalnum((unsigned char)*c) ? (char)tolower((unsigned char)*c) : '-';
		base[o] = '\0';
	} else if (host) {
		for (char *c = host; *c; c++)
			*c = (char)tolower((unsigned char)*c);
		if (!registrable_label(host, base, sizeof base)) {
			/* No list, or the host is itself a public suffix: the label
			 * before the last ("co.uk", "com.au": before those two). */
			char *labels[16];
			size_t n = 0;
			char *save = NULL;
			for (char *l = strtok_r(host, ".", &save); l && n < 16; l = strtok_r(NULL, ".", &save))
				labels[n++] = l;
			const char *pick = n >= 2 ? labels[n - 2] : n ? labels[0] : "feed";
			if (n >= 3 && strlen(labels[n - 2]) <= 3 && strlen(labels[n - 1]) == 2)
				pick = labels[n - 3];
			snprintf(base, sizeof base, "%s", pick);
		}
		clean_base(base);
	}
	free(host);
	return make_unique(base, exists, arg);
}

/* The code point of the N-byte UTF-8 sequence at C. */
static unsigned long utf8_cp(const unsigned char *c, size_t n)
{
	if (n == 1)
		return c[0];
	unsigned long cp = c[0] & (0x7f >> n);
	for (size_t i = 1; i < n; i++)
		cp = cp << 6 | (c[i] & 0x3f);
	return cp;
}

/* Punctuation, symbols, spaces and emoji outside ASCII: a slug's
 * separators, like ASCII's. Letters of any script are kept. */
static bool cp_is_separator(unsigned long cp)
{
	return (cp >= 0x80 && cp <= 0xbf) || cp == 0xd7 || cp == 0xf7 ||
	       (cp >= 0x2000 && cp <= 0x2bff) || (cp >= 0x3000 && cp <= 0x303f) ||
	       (cp >= 0xfe00 && cp <= 0xfe6f) || (cp >= 0xff00 && cp <= 0xff0f) ||
	       (cp >= 0xfff0 && cp <= 0xffff) || cp >= 0x1f000;
}

char *conf_name_from_title(const char *title, int (*exists)(const char *name, void *arg), void *arg)
{
	char base[CONF_TITLE_SLUG + 1];
	size_t o = 0;
	bool dash = false, cut = false;
	for (const unsigned char *c = (const unsigned char *)(title ? title : ""); *c;) {
		size_t n = conf_utf8_seq(c);
		unsigned long cp = n ? utf8_cp(c, n) : 0;
		bool keep = n == 1 ? isalnum(*c) != 0 : n && !cp_is_separator(cp);
		if (!keep) {
			dash = true;
			c += n ? n : 1;
			continue;
		}
		unsigned char ch[4];
		memcpy(ch, c, n);
		if (n == 1)
			ch[0] = (unsigned char)tolower(ch[0]);
		else if (n == 2 && cp >= 0xc0 && cp <= 0xde)   /* Latin-1 capitals */
			ch[1] = (unsigned char)(ch[1] + 0x20);
		size_t need = n + (dash && o);
		if (o + need > CONF_TITLE_SLUG) {
			cut = !dash;   /* mid-word: back to the word's start below */
			break;
		}
		if (dash && o)
			base[o++] = '-';
		memcpy(base + o, ch, n);
		o += n;
		dash = false;
		c += n;
	}
	base[o] = '\0';
	if (!o)
		return NULL;
	if (cut) {
		/* At a word's end when one is near. */
		char *d = strrchr(base, '-');
		if (d && d - base >= CONF_TITLE_SLUG / 2)
			*d = '\0';
	}
	return make_unique(base, exists, arg);
}

char *conf_tag_from_text(const char *text)
{
	/* Each run of what a tag cannot hold, with the spaces around it, is
	 * one '-': "Tech & Science" gives "Tech-Science". */
	static const char refused[] = "," CONF_TAG_REFUSED;
	size_t n = strlen(text), o = 0;
	char *out = malloc(n + 1);
	if (!out)
		return NULL;
	for (const char *c = text; *c;) {
		if (!strchr(refused, *c)) {
			out[o++] = *c++;
			continue;
		}
		while (o && out[o - 1] == ' ')
			o--;
		while (*c && (*c == ' ' || strchr(refused, *c)))
			c++;
		if (o && out[o - 1] != '-' && *c)
			out[o++] = '-';
	}
	out[o] = '\0';
	size_t start = strspn(out, " -");
	while (o > start && (out[o - 1] == ' ' || out[o - 1] == '-'))
		out[--o] = '\0';
	if (start == o) {
		free(out);
		return NULL;
	}
	memmove(out, out + start, o - start + 1);
	return out;
}
