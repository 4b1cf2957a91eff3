/* conf_edit_check.h — the invariant the feeds.conf writer's fuzzers hold it
 * to, checked without trusting the writer's own comparison: the new text
 * is the old text byte for byte, then only blank lines, at most one
 * "# title: " comment and the section's header and keys per new feed; it
 * parses to the old sections unchanged plus exactly the new feeds, each
 * with exactly the intended values. Anything else aborts.
 *
 * Header-only, included by fuzz_conf_edit.c, fuzz_conf_set.c and
 * fuzz_opml_import.c. */
#ifndef FEEDD_FUZZ_CONF_EDIT_CHECK_H
#define FEEDD_FUZZ_CONF_EDIT_CHECK_H

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/conf_edit.h"
#include "core/config.h"

/* The next length-prefixed field of a fuzzer's input as a C string
 * (owned), or "" at the end: one length byte, then that many bytes (fewer
 * at the end); a NUL cuts it. */
static inline char *fuzz_field(const uint8_t **p, const uint8_t *end)
{
	size_t n = 0;
	if (*p < end)
		n = *(*p)++;
	if (n > (size_t)(end - *p))
		n = (size_t)(end - *p);
	char *s = strndup((const char *)*p, n);
	*p += n;
	return s;
}

/* What one new feed must read back as. */
struct want_feed {
	const char *name;
	const char *const *tags;    /* as given (NULL: none) */
	const char *interval;       /* as given, or NULL */
	char *url;                  /* as conf_edit_url wrote it (owned) */
	/* An import's keys from feedd's export (conf_new_feed's), as given: */
	const char *title;          /* NULL: none */
	enum conf_yesno enabled, allow_private;
	const char *const *skip, *const *keep;   /* NULL: none */
};

/* Whether GOT (NULL-terminated) is exactly GIVEN. */
static bool check_strv_eq(const char *const *given, char *const *got)
{
	size_t i = 0;
	for (; given && given[i]; i++)
		if (!got || !got[i] || strcmp(given[i], got[i]) != 0)
			return false;
	return !got || !got[i];
}

static bool check_tag_eq(const char *given, const char *got)
{
	/* The tags syntax trims spaces and lower-cases ASCII: nothing else. */
	while (*given == ' ')
		given++;
	size_t n = strlen(given);
	while (n && given[n - 1] == ' ')
		n--;
	if (strlen(got) != n)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = given[i] >= 'A' && given[i] <= 'Z' ? (char)(given[i] - 'A' + 'a') : given[i];
		if (c != got[i])
			return false;
	}
	return true;
}

/* The appended text: only these kinds of line, no control byte. */
static void check_added_lines(const char *s, size_t nfeeds)
{
	size_t headers = 0, titles = 0;
	while (*s) {
		const char *nl = strchr(s, '\n');
		if (!nl)
			abort();                    /* the writer ends every line */
		size_t n = (size_t)(nl - s);
		for (size_t i = 0; i < n; i++)
			if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
				abort();
		if (n == 0) {
			/* blank */
		} else if (strncmp(s, "# title: ", 9) == 0) {
			if (++titles > headers + 1)
				abort();
		} else if (strncmp(s, "[feed ", 6) == 0 && s[n - 1] == ']') {
			headers++;
			titles = headers;
		} else if (strncmp(s, "url = ", 6) != 0 && strncmp(s, "interval = ", 11) != 0 &&
			   strncmp(s, "tags = ", 7) != 0 && strncmp(s, "title = ", 8) != 0 &&
			   strncmp(s, "enabled = ", 10) != 0 &&
			   strncmp(s, "allow_private = ", 16) != 0 &&
			   strncmp(s, "skip = ", 7) != 0 && strncmp(s, "keep = ", 7) != 0) {
			abort();
		}
		s = nl + 1;
	}
	if (headers != nfeeds)
		abort();
}

/* OLD (parsed from OLD_TEXT) plus WANT[0..N) must be exactly TEXT. */
static void check_result(const char *old_text, size_t old_len, const struct config *old,
			 const char *text, size_t len, const struct want_feed *want, size_t n)
{
	if (len < old_len || memcmp(text, old_text, old_len) != 0 || strlen(text) != len)
		abort();
	const char *added = text + old_len;
	if (old_len && old_text[old_len - 1] != '\n' && n) {
		if (*added != '\n')
			abort();
		added++;
	}
	check_added_lines(added, n);
	struct config *c = NULL;
	if (config_parse_buffer("fuzz.conf", text, len, &c, NULL) < 0)
		abort();
	if (c->nfeeds != old->nfeeds + n || !config_daemon_equal(&old->daemon, &c->daemon, NULL) ||
	    !config_feed_equal(&old->defaults, &c->defaults, NULL))
		abort();
	for (size_t i = 0; i < old->nfeeds; i++)
		if (!config_feed_equal(&old->feeds[i], &c->feeds[i], NULL))
			abort();
	for (size_t i = 0; i < n; i++) {
		const struct feed_conf *f = &c->feeds[old->nfeeds + i];
		const struct want_feed *w = &want[i];
		if (strcmp(f->name, w->name) != 0 || strcmp(f->url, w->url) != 0)
			abort();
		/* Nothing a config line or a shell takes for syntax in the URL. */
		for (const char *u = f->url; *u; u++)
			if ((unsigned char)*u <= 0x20 || *u == 0x7f || *u == '"' || *u == '\'' ||
			    *u == '`')
				abort();
		size_t nt = 0;
		while (w->tags && w->tags[nt])
			nt++;
		char *const *tags = nt ? f->tags : c->defaults.tags;
		for (size_t t = 0; t < nt; t++)
			if (!f->tags[t] || !check_tag_eq(w->tags[t], f->tags[t]))
				abort();
		if (nt && f->tags[nt])
			abort();
		if (!nt) {
			size_t a = 0, b = 0;
			while (tags && tags[a])
				a++;
			while (f->tags && f->tags[b])
				b++;
			if (a != b)
				abort();
		}
		int64_t secs = c->defaults.interval;
		if (w->interval && config_parse_duration(w->interval, &secs) < 0)
			abort();
		if (f->interval != secs)
			abort();
		if (w->title && (!f->title || strcmp(w->title, f->title) != 0))
			abort();
		if ((w->enabled && f->enabled != (w->enabled == CONF_YES)) ||
		    (w->allow_private && f->allow_private != (w->allow_private == CONF_YES)))
			abort();
		if ((w->skip && !check_strv_eq(w->skip, f->skip)) ||
		    (w->keep && !check_strv_eq(w->keep, f->keep)))
			abort();
		/* Every other key is the [defaults] one. */
		struct feed_conf e = c->defaults;
		e.name = f->name;
		e.url = f->url;
		e.tags = f->tags;
		e.interval = f->interval;
		if (w->title)
			e.title = f->title;
		if (w->enabled)
			e.enabled = f->enabled;
		if (w->allow_private)
			e.allow_private = f->allow_private;
		if (w->skip)
			e.skip = f->skip;
		if (w->keep)
			e.keep = f->keep;
		if (!config_feed_equal(&e, f, NULL))
			abort();
	}
	config_free(c);
}

/* A refusal names a field and shows no raw control byte. */
static void check_refusal(const struct conf_edit_error *e)
{
	if (!e->msg[0] || (e->field != CONF_FIELD_FILE && !e->value[0]))
		abort();
	for (const char *v = e->value; *v; v++)
		if ((unsigned char)*v < 0x20 || *v == 0x7f)
			abort();
}

#endif
