/* conf_edit.c — feeds.conf edited as text, checked, written atomically:
 * the edit (struct conf_edit) over the file and its drop-ins — sections
 * queued, checked to read back as asked, dropped and removed, and the
 * whole compared with the old before it is written — and the checks of
 * each value. Name-making and the URL check are core/conf_names.c's; the
 * atomic write and the reading of a file are core/conf_file.c's; finding a
 * section by its header, taking it out and rewriting the header are
 * core/conf_section.c's; a value's refusal and the text check are
 * core/conf_refuse.c's.
 *
 * Ownership: a struct conf_edit owns its text, its parsed config and the
 * queued sections until conf_edit_free; conf_edit_finish and
 * conf_edit_remove return text the caller frees. */
#include "core/conf_edit_int.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/filter.h"
#include "core/strbuf.h"
#include "core/url.h"

#define EDIT_MAX_TAG   64
#define EDIT_MAX_TAGS  64      /* the parser's limit on a list */
#define EDIT_MAX_TITLE 200     /* bytes of a comment line's text */
#define DAY            86400

/* One section queued by conf_edit_add, with the values it must read back
 * as. */
struct pending {
	char *name;
	char *url;             /* as conf_edit_url wrote it */
	char **tags;           /* normalised; NULL when none were given */
	bool has_interval;
	int64_t interval;
	enum conf_yesno allow_private, enabled;
	char *title;           /* the title key; NULL when none was given */
	char **skip, **keep;   /* as given; NULL when none were */
};

/* A string-keyed open-addressing table: every lookup of a name or a URL
 * is O(1), so that an import of N feeds is linear, not N times the file. */
struct smap_ent {
	const char *key;       /* NULL: empty slot */
	const char *val;
	size_t num;
};

struct smap {
	struct smap_ent *e;
	size_t cap, n;         /* cap: 0 or a power of two */
	bool own_keys;         /* keys are strdup'ed copies, freed with the map */
};

struct conf_edit {
	char *path;            /* the file edited: SRC[TARGET]'s name */
	char *text;            /* its text, less the sections dropped */
	size_t len;
	struct config_source *src;   /* every file of the configuration, as read */
	size_t nsrc, target;
	bool *dropped;         /* per old feed: its section was dropped */
	size_t ndropped;
	size_t renamed;        /* the old feed conf_edit_rename renamed, + 1; 0: none */
	char *renamed_to;      /* ... its new name */
	size_t set;            /* the old feed conf_edit_set changed, + 1; 0: none */
	char **set_tags;       /* ... its tags as they must read back; NULL: unchanged */
	bool set_title;        /* ... its title changed ... */
	char *title;           /* ... to this (NULL: the key taken out) */
	struct config *old;    /* the whole configuration before the edit */
	char **old_urls;       /* the old feeds' URLs, normalised when they can be */
	struct strbuf add;     /* the queued sections, as text */
	struct pending *nw;
	size_t n, cap;
	struct smap names;     /* every feed name, old (num 0) and queued (num 1) */
	struct smap urls;      /* normalised URL, no fragment -> the feed's name */
	struct smap *next;     /* name base -> next suffix to try (a cache, so
				* that 500 feeds named "example" are not 500^2 probes) */
};

static size_t smap_hash(const char *s)
{
	size_t h = 1469598103934665603ULL;           /* FNV-1a */
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

static struct smap_ent *smap_slot(const struct smap *m, const char *key)
{
	for (size_t i = smap_hash(key) & (m->cap - 1);; i = (i + 1) & (m->cap - 1))
		if (!m->e[i].key || strcmp(m->e[i].key, key) == 0)
			return &m->e[i];
}

static const struct smap_ent *smap_get(const struct smap *m, const char *key)
{
	if (!m->cap)
		return NULL;
	const struct smap_ent *e = smap_slot(m, key);
	return e->key ? e : NULL;
}

/* Adds KEY (if absent: the first one stays) and returns its entry, or NULL
 * when out of memory. */
static struct smap_ent *smap_put(struct smap *m, const char *key, const char *val, size_t num)
{
	if ((m->n + 1) * 2 > m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 64;
		struct smap_ent *e = calloc(cap, sizeof *e);
		if (!e)
			return NULL;
		struct smap old = *m;
		m->e = e;
		m->cap = cap;
		for (size_t i = 0; i < old.cap; i++)
			if (old.e[i].key)
				*smap_slot(m, old.e[i].key) = old.e[i];
		free(old.e);
	}
	struct smap_ent *e = smap_slot(m, key);
	if (e->key)
		return e;
	char *k = m->own_keys ? strdup(key) : NULL;
	if (m->own_keys && !k)
		return NULL;
	*e = (struct smap_ent){.key = k ? k : key, .val = val, .num = num};
	m->n++;
	return e;
}

/* Puts URL's feed NAME in ED's map of URLs, by the URL without its
 * fragment: that part is never sent to the server, so a.rss#x is the
 * feed a.rss. NULL when out of memory. */
static struct smap_ent *urls_put(struct conf_edit *ed, const char *url, const char *name,
				 size_t num)
{
	char *key = strndup(url, strcspn(url, "#"));
	struct smap_ent *e = key ? smap_put(&ed->urls, key, name, num) : NULL;
	free(key);
	return e;
}

static void smap_free(struct smap *m)
{
	for (size_t i = 0; m->own_keys && i < m->cap; i++)
		free((char *)m->e[i].key);
	free(m->e);
	memset(m, 0, sizeof *m);
}

/* The parser's errors, one a line, after LEAD. */
static int refuse_file(struct conf_edit_error *err, const char *lead, const struct config_errors *errs)
{
	struct strbuf b = {0};
	strbuf_puts(&b, lead);
	for (size_t i = 0; errs && i < errs->n && i < 8; i++)
		strbuf_printf(&b, "\n%s", errs->msgs[i]);
	conf_refuse(err, CONF_FIELD_FILE, NULL, "%s", b.s);
	free(b.s);
	return -EINVAL;
}

/* --- the edit --- */

static void pending_free(struct pending *p)
{
	free(p->name);
	free(p->url);
	config_strv_free(p->tags);
	free(p->title);
	config_strv_free(p->skip);
	config_strv_free(p->keep);
}

struct conf_edit *conf_edit_begin(const char *path, const char *text, size_t len,
				  struct conf_edit_error *err)
{
	struct config_source src = {.name = (char *)path, .text = (char *)text, .len = len};
	return conf_edit_begin_files(&src, 1, 0, err);
}

static struct conf_edit *begin_oom(struct conf_edit *ed, struct conf_edit_error *err)
{
	conf_refuse(err, CONF_FIELD_FILE, NULL, "out of memory");
	conf_edit_free(ed);
	return NULL;
}

struct conf_edit *conf_edit_begin_files(const struct config_source *src, size_t nsrc,
					size_t target, struct conf_edit_error *err)
{
	struct conf_edit *ed = calloc(1, sizeof *ed);
	if (!ed || !nsrc || target >= nsrc)
		return begin_oom(ed, err);
	if (!(ed->src = calloc(nsrc, sizeof *ed->src)))
		return begin_oom(ed, err);
	/* A copy of every file: the edit's result is checked against all of
	 * them, read as the daemon reads them. */
	for (size_t i = 0; i < nsrc; i++, ed->nsrc++) {
		size_t n = src[i].text ? src[i].len : 0;
		ed->src[i].name = strdup(src[i].name);
		ed->src[i].text = malloc(n + 1);
		if (!ed->src[i].name || !ed->src[i].text)
			return begin_oom(ed, err);
		if (n)
			memcpy(ed->src[i].text, src[i].text, n);
		ed->src[i].text[n] = '\0';
		ed->src[i].len = n;
	}
	ed->target = target;
	ed->path = strdup(ed->src[target].name);
	ed->text = strdup(ed->src[target].text);
	ed->len = ed->src[target].len;
	if (!ed->path || !ed->text)
		return begin_oom(ed, err);
	struct config_errors errs = {0};
	if (config_parse_sources(ed->src, ed->nsrc, &ed->old, &errs) < 0) {
		char lead[512];
		snprintf(lead, sizeof lead, "%s%s has errors; fix them first:", ed->src[0].name,
			 nsrc > 1 ? " (with its drop-ins)" : "");
		refuse_file(err, lead, &errs);
		config_errors_free(&errs);
		conf_edit_free(ed);
		return NULL;
	}
	ed->old_urls = calloc(ed->old->nfeeds + 1, sizeof *ed->old_urls);
	ed->dropped = calloc(ed->old->nfeeds + 1, sizeof *ed->dropped);
	for (size_t i = 0; ed->old_urls && i < ed->old->nfeeds; i++)
		if (conf_edit_url(ed->old->feeds[i].url, &ed->old_urls[i], NULL) < 0)
			ed->old_urls[i] = strdup(ed->old->feeds[i].url);
	bool oom = !ed->old_urls || !ed->dropped || !(ed->next = calloc(1, sizeof *ed->next));
	if (ed->next)
		ed->next->own_keys = true;
	ed->urls.own_keys = true;   /* URLs without their fragment */
	for (size_t i = 0; !oom && i < ed->old->nfeeds; i++) {
		const struct feed_conf *f = &ed->old->feeds[i];
		oom = !smap_put(&ed->names, f->name, ed->old->files[f->file], 0) ||
		      !urls_put(ed, ed->old_urls[i] ? ed->old_urls[i] : "", f->name, 0);
	}
	if (oom)
		return begin_oom(ed, err);
	return ed;
}

const struct config *conf_edit_config(const struct conf_edit *ed)
{
	return ed->old;
}

const char *conf_edit_file_of(const struct conf_edit *ed, const char *name)
{
	const struct smap_ent *e = smap_get(&ed->names, name);
	return !e ? NULL : e->num ? ed->path : e->val;
}

int conf_edit_drop(struct conf_edit *ed, const char *name, struct conf_edit_error *err)
{
	const struct feed_conf *f = NULL;
	size_t i;
	for (i = 0; i < ed->old->nfeeds && !f; i++)
		if (strcmp(ed->old->feeds[i].name, name) == 0)
			f = &ed->old->feeds[i];
	if (!f || ed->dropped[i - 1]) {
		conf_refuse(err, CONF_FIELD_NAME, name, "is not a feed in %s%s", ed->src[0].name,
		       ed->nsrc > 1 ? " or its drop-ins" : "");
		return -ENOENT;
	}
	if (f->file != ed->target)
		return conf_refuse(err, CONF_FIELD_NAME, name, "is in %s, not in %s",
			      ed->old->files[f->file], ed->path);
	int found = 0;
	char *t = conf_edit_remove(ed->text, name, &found);
	if (!t || !found) {
		free(t);
		return conf_refuse(err, CONF_FIELD_FILE, NULL, "[feed %s] not found in the text of %s",
			      name, ed->path);
	}
	free(ed->text);
	ed->text = t;
	ed->len = strlen(t);
	ed->dropped[i - 1] = true;
	ed->ndropped++;
	return 0;
}

void conf_edit_free(struct conf_edit *ed)
{
	if (!ed)
		return;
	for (size_t i = 0; ed->old_urls && ed->old && i < ed->old->nfeeds; i++)
		free(ed->old_urls[i]);
	free(ed->old_urls);
	free(ed->dropped);
	free(ed->renamed_to);
	if (ed->set_tags)
		for (char **t = ed->set_tags; *t; t++)
			free(*t);
	free(ed->set_tags);
	free(ed->title);
	config_sources_free(ed->src, ed->nsrc);
	config_free(ed->old);
	for (size_t i = 0; i < ed->n; i++)
		pending_free(&ed->nw[i]);
	free(ed->nw);
	smap_free(&ed->names);
	smap_free(&ed->urls);
	if (ed->next)
		smap_free(ed->next);
	free(ed->next);
	free(ed->add.s);
	free(ed->text);
	free(ed->path);
	free(ed);
}

static bool name_taken(const struct conf_edit *ed, const char *name)
{
	return smap_get(&ed->names, name) != NULL;
}

bool conf_edit_queued(const struct conf_edit *ed, const char *name)
{
	const struct smap_ent *e = smap_get(&ed->names, name);
	return e && e->num;
}

/* BASE, else BASE-2, BASE-3 ...: the first not taken. The suffix to try
 * next is remembered per base. */
static char *unique_name(const struct conf_edit *ed, const char *base)
{
	char cand[160];
	snprintf(cand, sizeof cand, "%s", base);
	struct smap_ent *next = smap_put(ed->next, base, NULL, 2);
	size_t i = next ? next->num : 2;
	while (name_taken(ed, cand) && i < 1000000)
		snprintf(cand, sizeof cand, "%s-%zu", base, i++);
	if (next)
		next->num = i > 2 ? i - 1 : 2;   /* CAND may go unused: try it again */
	return strdup(cand);
}

/* The base a URL gives, unique-less: conf_name_from_url without EXISTS. */
char *conf_edit_new_name(const struct conf_edit *ed, const char *url)
{
	char *base = conf_name_from_url(url, NULL, NULL);
	char *name = base ? unique_name(ed, base) : NULL;
	free(base);
	return name;
}

char *conf_edit_name_for(const struct conf_edit *ed, const char *title, const char *url)
{
	char *base = conf_name_from_title(title, NULL, NULL);
	if (!base)
		return conf_edit_new_name(ed, url);
	char *name = unique_name(ed, base);
	free(base);
	return name;
}

char *conf_edit_name_as(const struct conf_edit *ed, const char *name)
{
	size_t n = strlen(name);
	if (!n || n > 100 || name[0] == ' ' || name[n - 1] == ' ' || strpbrk(name, "[]") ||
	    conf_check_text(NULL, CONF_FIELD_NAME, name) < 0 || !config_valid_feed_name(name))
		return NULL;
	char *u = unique_name(ed, name);
	if (u && !config_valid_feed_name(u)) {     /* NAME-2 past the length */
		free(u);
		u = NULL;
	}
	return u;
}

const char *conf_edit_feed_by_url(const struct conf_edit *ed, const char *url)
{
	char *key = strndup(url, strcspn(url, "#"));
	const struct smap_ent *e = key ? smap_get(&ed->urls, key) : NULL;
	free(key);
	return e ? e->val : NULL;
}

static int check_name(const struct conf_edit *ed, const char *name, struct conf_edit_error *err)
{
	if (!name || !*name)
		return conf_refuse(err, CONF_FIELD_NAME, "", "is empty");
	if (conf_check_text(err, CONF_FIELD_NAME, name) < 0)
		return -EINVAL;
	size_t n = strlen(name);
	if (name[0] == ' ' || name[n - 1] == ' ')
		return conf_refuse(err, CONF_FIELD_NAME, name, "begins or ends with a space");
	if (strpbrk(name, "[]"))
		return conf_refuse(err, CONF_FIELD_NAME, name, "contains a bracket");
	if (!config_valid_feed_name(name))
		return conf_refuse(err, CONF_FIELD_NAME, name, "is not a feed name (letters, digits, "
			      "- _ . and non-ASCII letters, at most 100 bytes)");
	if (name_taken(ed, name))
		return conf_refuse(err, CONF_FIELD_NAME, name, "is already the name of a feed in %s",
			      conf_edit_file_of(ed, name));
	return 0;
}

/* RAW as the parser will read it back (trimmed, ASCII lower-cased), or a
 * refusal: what the "tags = a, b" syntax cannot carry. */
static int check_tag(const char *raw, char **out, struct conf_edit_error *err)
{
	*out = NULL;
	if (conf_check_text(err, CONF_FIELD_TAG, raw) < 0)
		return -EINVAL;
	const char *s = raw;
	while (*s == ' ')
		s++;
	size_t n = strlen(s);
	while (n && s[n - 1] == ' ')
		n--;
	if (!n)
		return conf_refuse(err, CONF_FIELD_TAG, raw, "is empty");
	if (n > EDIT_MAX_TAG)
		return conf_refuse(err, CONF_FIELD_TAG, raw, "is longer than %d bytes", EDIT_MAX_TAG);
	for (size_t i = 0; i < n; i++) {
		if (s[i] == ',')
			return conf_refuse(err, CONF_FIELD_TAG, raw, "contains a comma (one tag each)");
		if (strchr(CONF_TAG_REFUSED, s[i]))
			return conf_refuse(err, CONF_FIELD_TAG, raw, "contains '%c' (a tag may not contain "
				      "/ ? & # = ; or a comma)", s[i]);
	}
	char *t = strndup(s, n);
	if (!t)
		return conf_refuse(err, CONF_FIELD_TAG, raw, "out of memory");
	for (char *c = t; *c; c++)
		if (*c >= 'A' && *c <= 'Z')
			*c = (char)(*c - 'A' + 'a');
	*out = t;
	return 0;
}

static int check_interval(const struct conf_edit *ed, const char *v, int64_t *secs,
			  struct conf_edit_error *err)
{
	if (conf_check_text(err, CONF_FIELD_INTERVAL, v) < 0)
		return -EINVAL;
	if (config_parse_duration(v, secs) < 0)
		return conf_refuse(err, CONF_FIELD_INTERVAL, v, "is not a duration (90s, 15m, 2h, 1d)");
	if (*secs < 1 || *secs > 30 * DAY)
		return conf_refuse(err, CONF_FIELD_INTERVAL, v, "is out of range (1s to 30d)");
	const struct feed_conf *d = &ed->old->defaults;
	if (*secs < d->min_interval || *secs > d->max_interval) {
		char lo[32], hi[32];
		config_fmt_duration(d->min_interval, lo, sizeof lo);
		config_fmt_duration(d->max_interval, hi, sizeof hi);
		return conf_refuse(err, CONF_FIELD_INTERVAL, v, "is outside [min_interval %s, "
			      "max_interval %s] of %s", lo, hi, ed->path);
	}
	return 0;
}

/* "# title: …": remote text as one line of printable characters (controls,
 * line and paragraph separators and runs of white space become one space;
 * bytes that are not UTF-8 become '?'), at most EDIT_MAX_TITLE bytes. */
static void put_title_comment(struct strbuf *b, const char *title)
{
	char line[EDIT_MAX_TITLE + 4];
	size_t o = 0;
	bool space = true, cut = false;
	for (const unsigned char *c = (const unsigned char *)title; c && *c;) {
		size_t n = conf_utf8_seq(c);
		bool blank = (n == 1 && (*c <= 0x20 || *c == 0x7f)) ||
			     (n == 2 && c[0] == 0xc2 && c[1] <= 0xa0) ||
			     (n == 3 && c[0] == 0xe2 && c[1] == 0x80 && (c[2] == 0xa8 || c[2] == 0xa9));
		if (blank) {
			if (!space && o < EDIT_MAX_TITLE)
				line[o++] = ' ';
			space = true;
			c += n;
			continue;
		}
		size_t w = n ? n : 1;
		if (o + w > EDIT_MAX_TITLE) {
			cut = true;
			break;
		}
		if (n)
			memcpy(line + o, c, n);
		else
			line[o] = '?';
		o += w;
		c += w;
		space = false;
	}
	while (o && line[o - 1] == ' ')
		o--;
	if (!o)
		return;
	strbuf_printf(b, "# title: %.*s%s\n", (int)o, line, cut ? "..." : "");
}

/* The feed P must read back as: [defaults] (DEF) with P's keys over it. */
static struct feed_conf expected_feed(const struct feed_conf *def, const struct pending *p)
{
	struct feed_conf e = *def;       /* shallow: nothing here is freed */
	e.name = p->name;
	e.url = p->url;
	if (p->tags)
		e.tags = p->tags;
	if (p->has_interval)
		e.interval = p->interval;
	if (p->allow_private)
		e.allow_private = p->allow_private == CONF_YES;
	if (p->enabled)
		e.enabled = p->enabled == CONF_YES;
	if (p->title)
		e.title = p->title;
	if (p->skip)
		e.skip = p->skip;
	if (p->keep)
		e.keep = p->keep;
	return e;
}

/* The section alone, parsed under wide bounds, reads back as P: the
 * entry's own mistake is found here, before it can spoil a whole import. */
static int check_section(const struct pending *p, const char *sec, struct conf_edit_error *err)
{
	struct strbuf doc = {0};
	strbuf_puts(&doc, "[defaults]\nmin_interval = 1s\nmax_interval = 90d\n");
	strbuf_puts(&doc, sec);
	struct config *c = NULL;
	struct config_errors errs = {0};
	int r = 0;
	const char *which = NULL;
	if (config_parse_buffer("new section", doc.s, doc.len, &c, &errs) < 0) {
		r = refuse_file(err, "the new section does not read back:", &errs);
	} else {
		struct feed_conf e = expected_feed(&c->defaults, p);
		if (c->nfeeds != 1 || !config_feed_equal(&e, &c->feeds[0], &which))
			r = conf_refuse(err, CONF_FIELD_FILE, NULL, "the new section does not read back "
				   "as written (%s)", which ? which : "sections");
	}
	config_errors_free(&errs);
	config_free(c);
	free(doc.s);
	return r;
}

/* TITLE as a title = line can carry it and the parser gives it back. */
static int check_title(const char *t, struct conf_edit_error *err)
{
	if (conf_check_text(err, CONF_FIELD_TITLE, t) < 0)
		return -EINVAL;
	size_t n = strlen(t);
	if (n > EDIT_MAX_TITLE)
		return conf_refuse(err, CONF_FIELD_TITLE, t, "is longer than %d bytes", EDIT_MAX_TITLE);
	if (t[0] == ' ' || t[n - 1] == ' ')
		return conf_refuse(err, CONF_FIELD_TITLE, t, "begins or ends with a space");
	for (const unsigned char *c = (const unsigned char *)t; *c; c++) {
		if ((*c == '#' || *c == ';') && (c == (const unsigned char *)t || c[-1] == ' '))
			return conf_refuse(err, CONF_FIELD_TITLE, t, "has '%c' at its start or after a "
				      "space (the file would read the rest as a comment)", *c);
		if ((c[0] == 0xe2 && c[1] == 0x80 && (c[2] == 0xa8 || c[2] == 0xa9)) ||
		    (c[0] == 0xc2 && c[1] == 0x85))
			return conf_refuse(err, CONF_FIELD_TITLE, t, "contains a line separator");
	}
	return 0;
}

/* RULES (NULL-terminated, or NULL) as skip = / keep = lines can carry
 * them, copied into *OUT (NULL when RULES is): each a filter rule
 * (core/filter.h) on one line, no space at either end (the parser trims
 * it), at most the parser's list. The read-back of the section catches
 * the rest (a " #" the parser takes for a comment). */
static int check_rules(const char *const *rules, char ***out, struct conf_edit_error *err)
{
	size_t n = 0;
	while (rules && rules[n])
		n++;
	*out = NULL;
	if (!rules)
		return 0;
	if (n > EDIT_MAX_TAGS)
		return conf_refuse(err, CONF_FIELD_RULE, rules[EDIT_MAX_TAGS], "is one rule too "
			      "many (at most %d)", EDIT_MAX_TAGS);
	if (!(*out = calloc(n + 1, sizeof **out)))
		return conf_refuse(err, CONF_FIELD_RULE, NULL, "out of memory");
	for (size_t i = 0; i < n; i++) {
		const char *r = rules[i];
		char why[256];
		if (conf_check_text(err, CONF_FIELD_RULE, r) < 0)
			return -EINVAL;
		size_t len = strlen(r);
		if (!len || r[0] == ' ' || r[len - 1] == ' ')
			return conf_refuse(err, CONF_FIELD_RULE, r, "is empty, or begins or ends "
				      "with a space");
		if (filter_rule_check(r, why, sizeof why) < 0)
			return conf_refuse(err, CONF_FIELD_RULE, r, "%s", why);
		if (!((*out)[i] = strdup(r)))
			return conf_refuse(err, CONF_FIELD_RULE, NULL, "out of memory");
	}
	return 0;
}

/* Validates F into *P and its section's text into *SEC (both the caller's
 * to free, also on failure). */
static int prepare(const struct conf_edit *ed, const struct conf_new_feed *f, struct pending *p,
		   struct strbuf *sec, struct conf_edit_error *err)
{
	if (check_name(ed, f->name, err) < 0)
		return -EINVAL;
	if (conf_edit_url(f->url, &p->url, err) < 0)
		return -EINVAL;
	const char *dup = conf_edit_feed_by_url(ed, p->url);
	if (dup)
		return conf_refuse(err, CONF_FIELD_URL, f->url, "is already in %s as [feed %s]",
			      conf_edit_file_of(ed, dup), dup);
	size_t ntags = 0;
	while (f->tags && f->tags[ntags])
		ntags++;
	if (ntags > EDIT_MAX_TAGS)
		return conf_refuse(err, CONF_FIELD_TAG, f->tags[EDIT_MAX_TAGS], "is one tag too many "
			      "(at most %d)", EDIT_MAX_TAGS);
	if (ntags && !(p->tags = calloc(ntags + 1, sizeof *p->tags)))
		return conf_refuse(err, CONF_FIELD_TAG, NULL, "out of memory");
	for (size_t i = 0; i < ntags; i++)
		if (check_tag(f->tags[i], &p->tags[i], err) < 0)
			return -EINVAL;
	if (f->interval) {
		if (check_interval(ed, f->interval, &p->interval, err) < 0)
			return -EINVAL;
		p->has_interval = true;
	}
	p->allow_private = f->allow_private;
	p->enabled = f->enabled;
	if (f->conf_title) {
		if (check_title(f->conf_title, err) < 0)
			return -EINVAL;
		if (!(p->title = strdup(f->conf_title)))
			return conf_refuse(err, CONF_FIELD_TITLE, NULL, "out of memory");
	}
	if (check_rules(f->skip, &p->skip, err) < 0 || check_rules(f->keep, &p->keep, err) < 0)
		return -EINVAL;
	if (!(p->name = strdup(f->name)))
		return conf_refuse(err, CONF_FIELD_NAME, NULL, "out of memory");
	if (ed->len || ed->add.len)
		strbuf_putc(sec, '\n');
	put_title_comment(sec, f->title);
	strbuf_printf(sec, "[feed %s]\nurl = %s\n", p->name, p->url);
	if (p->has_interval)
		strbuf_printf(sec, "interval = %s\n", f->interval);
	for (size_t i = 0; i < ntags; i++)
		strbuf_printf(sec, "%s%s", i ? ", " : "tags = ", p->tags[i]);
	if (ntags)
		strbuf_putc(sec, '\n');
	if (p->title)
		strbuf_printf(sec, "title = %s\n", p->title);
	if (p->enabled)
		strbuf_printf(sec, "enabled = %s\n", p->enabled == CONF_YES ? "yes" : "no");
	if (p->allow_private)
		strbuf_printf(sec, "allow_private = %s\n", p->allow_private == CONF_YES ? "yes" : "no");
	for (size_t i = 0; p->skip && p->skip[i]; i++)
		strbuf_printf(sec, "skip = %s\n", p->skip[i]);
	for (size_t i = 0; p->keep && p->keep[i]; i++)
		strbuf_printf(sec, "keep = %s\n", p->keep[i]);
	return check_section(p, sec->s, err);
}

int conf_edit_check(const struct conf_edit *ed, const struct conf_new_feed *f,
		    struct conf_edit_error *err)
{
	struct pending p = {0};
	struct strbuf sec = {0};
	int r = prepare(ed, f, &p, &sec, err);
	pending_free(&p);
	free(sec.s);
	return r;
}

int conf_edit_add(struct conf_edit *ed, const struct conf_new_feed *f, struct conf_edit_error *err)
{
	struct pending p = {0};
	struct strbuf sec = {0};
	int r = -EINVAL;
	if (prepare(ed, f, &p, &sec, err) < 0)
		goto out;
	if (ed->n == ed->cap) {
		size_t cap = ed->cap ? ed->cap * 2 : 8;
		struct pending *nw = realloc(ed->nw, cap * sizeof *nw);
		if (!nw) {
			conf_refuse(err, CONF_FIELD_FILE, NULL, "out of memory");
			goto out;
		}
		ed->nw = nw;
		ed->cap = cap;
	}
	if (!smap_put(&ed->names, p.name, NULL, 1) || !urls_put(ed, p.url, p.name, 1)) {
		conf_refuse(err, CONF_FIELD_FILE, NULL, "out of memory");
		goto out;
	}
	strbuf_put(&ed->add, sec.s, sec.len);
	ed->nw[ed->n++] = p;
	memset(&p, 0, sizeof p);
	r = 0;
out:
	pending_free(&p);
	free(sec.s);
	return r;
}

/* Whether NC's feed J is OLD's feed F, in the same file. */
static bool same_feed(const struct feed_conf *f, const struct config *nc, size_t j,
		      const char **which)
{
	if (f->file != nc->feeds[j].file) {
		*which = "file";
		return false;
	}
	return config_feed_equal(f, &nc->feeds[j], which);
}

/* Why NEW is not OLD less the dropped sections plus exactly the queued
 * ones (read where the target file's feeds end), or NULL. */
static const char *compare(const struct conf_edit *ed, const struct config *nc, char *buf, size_t len)
{
	const struct config *old = ed->old;
	const char *which = NULL;
	size_t want = old->nfeeds - ed->ndropped + ed->n;
	if (nc->nfiles != old->nfiles)
		snprintf(buf, len, "%zu files instead of %zu", nc->nfiles, old->nfiles);
	else if (!config_daemon_equal(&old->daemon, &nc->daemon, &which))
		snprintf(buf, len, "[daemon] %s changed", which);
	else if (!config_feed_equal(&old->defaults, &nc->defaults, &which))
		snprintf(buf, len, "[defaults] %s changed", which);
	else if (nc->nfeeds != want)
		snprintf(buf, len, "%zu feeds instead of %zu", nc->nfeeds, want);
	else
		buf[0] = '\0';
	size_t j = 0;
	bool queued = false;
	for (size_t i = 0; !buf[0] && i <= old->nfeeds; i++) {
		if (!queued && (i == old->nfeeds || old->feeds[i].file > ed->target)) {
			queued = true;
			for (size_t k = 0; !buf[0] && k < ed->n; k++, j++) {
				struct feed_conf e = expected_feed(&nc->defaults, &ed->nw[k]);
				e.file = ed->target;
				if (!same_feed(&e, nc, j, &which))
					snprintf(buf, len, "new [feed %s]: %s is not as intended",
						 ed->nw[k].name, which);
			}
		}
		if (buf[0] || i == old->nfeeds)
			break;
		if (ed->dropped[i])
			continue;
		struct feed_conf f = old->feeds[i];
		if (ed->renamed == i + 1)
			f.name = ed->renamed_to;   /* the same section under its new name */
		if (ed->set == i + 1) {            /* the same with the keys set */
			if (ed->set_tags)
				f.tags = ed->set_tags;
			if (ed->set_title)
				f.title = ed->title;
		}
		if (!same_feed(&f, nc, j++, &which))
			snprintf(buf, len, "[feed %s] %s changed", f.name, which);
	}
	return buf[0] ? buf : NULL;
}

char *conf_edit_finish(struct conf_edit *ed, size_t *lenp, struct conf_edit_error *err)
{
	struct strbuf b = {0};
	strbuf_put(&b, ed->text, ed->len);
	if (ed->len && ed->text[ed->len - 1] != '\n' && ed->add.len)
		strbuf_putc(&b, '\n');
	if (ed->add.len)
		strbuf_put(&b, ed->add.s, ed->add.len);
	if (!b.s && !(b.s = strdup("")))
		return NULL;
	struct config *nc = NULL;
	struct config_errors errs = {0};
	char why[512];
	/* Read back as the daemon will: every file, the target's new text in
	 * its place. */
	struct config_source keep = ed->src[ed->target];
	ed->src[ed->target].text = b.s;
	ed->src[ed->target].len = b.len;
	int pr = config_parse_sources(ed->src, ed->nsrc, &nc, &errs);
	ed->src[ed->target] = keep;
	if (pr < 0) {
		snprintf(why, sizeof why, "the edit would make %s invalid; nothing written:", ed->path);
		refuse_file(err, why, &errs);
		config_errors_free(&errs);
		free(b.s);
		return NULL;
	}
	const char *diff = compare(ed, nc, why, sizeof why);
	config_free(nc);
	if (diff || memcmp(b.s, ed->text, ed->len) != 0) {
		conf_refuse(err, CONF_FIELD_FILE, NULL, "the edit would change more than the new "
		       "sections of %s (%s); nothing written", ed->path, diff ? diff : "old text");
		free(b.s);
		return NULL;
	}
	if (lenp)
		*lenp = b.len;
	return b.s;
}

int conf_edit_rename(struct conf_edit *ed, const char *from, const char *to,
		     struct conf_edit_error *err)
{
	if (ed->renamed)
		return conf_refuse(err, CONF_FIELD_NAME, to, "is a second rename in one edit");
	if (ed->set)
		return conf_refuse(err, CONF_FIELD_NAME, to, "is a rename after a set in one edit");
	size_t i;
	for (i = 0; i < ed->old->nfeeds; i++)
		if (!ed->dropped[i] && strcmp(ed->old->feeds[i].name, from) == 0)
			break;
	if (i == ed->old->nfeeds) {
		conf_refuse(err, CONF_FIELD_NAME, from, "is not a feed in %s%s", ed->src[0].name,
		       ed->nsrc > 1 ? " or its drop-ins" : "");
		return -ENOENT;
	}
	const struct feed_conf *f = &ed->old->feeds[i];
	if (f->file != ed->target)
		return conf_refuse(err, CONF_FIELD_NAME, from, "is in %s, not in %s",
			      ed->old->files[f->file], ed->path);
	if (check_name(ed, to, err) < 0)
		return -EINVAL;
	int found = 0;
	size_t len = 0;
	char *text = conf_section_rename(ed->text, ed->len, from, to, &len, &found);
	if (!found)
		return conf_refuse(err, CONF_FIELD_FILE, NULL, "[feed %s] not found in the text of %s",
			      from, ed->path);
	char *copy = strdup(to);
	if (!text || !copy || !smap_put(&ed->names, copy, ed->path, 0)) {
		free(text);
		free(copy);
		return conf_refuse(err, CONF_FIELD_FILE, NULL, "out of memory");
	}
	free(ed->text);
	ed->text = text;
	ed->len = len;
	ed->renamed = i + 1;
	ed->renamed_to = copy;
	return 0;
}

int conf_edit_set(struct conf_edit *ed, const char *name, const char *const *tags,
		  const char *title, struct conf_edit_error *err)
{
	if (ed->set || ed->renamed)
		return conf_refuse(err, CONF_FIELD_NAME, name, "is a second change in one edit");
	size_t i;
	for (i = 0; i < ed->old->nfeeds; i++)
		if (!ed->dropped[i] && strcmp(ed->old->feeds[i].name, name) == 0)
			break;
	if (i == ed->old->nfeeds) {
		conf_refuse(err, CONF_FIELD_NAME, name, "is not a feed in %s%s", ed->src[0].name,
		       ed->nsrc > 1 ? " or its drop-ins" : "");
		return -ENOENT;
	}
	const struct feed_conf *f = &ed->old->feeds[i];
	if (f->file != ed->target)
		return conf_refuse(err, CONF_FIELD_NAME, name, "is in %s, not in %s",
			      ed->old->files[f->file], ed->path);
	size_t ntags = 0;
	while (tags && tags[ntags])
		ntags++;
	if (ntags > EDIT_MAX_TAGS)
		return conf_refuse(err, CONF_FIELD_TAG, tags[EDIT_MAX_TAGS], "is one tag too many "
			      "(at most %d)", EDIT_MAX_TAGS);
	if (title && *title && check_title(title, err) < 0)
		return -EINVAL;
	char **nt = tags ? calloc(ntags + 1, sizeof *nt) : NULL;
	char *tcopy = title && *title ? strdup(title) : NULL;
	struct strbuf lines = {0};
	const char *keys[2];
	size_t nkeys = 0;
	int r = -EINVAL;
	if ((tags && !nt) || (title && *title && !tcopy)) {
		conf_refuse(err, CONF_FIELD_FILE, NULL, "out of memory");
		goto out;
	}
	for (size_t k = 0; k < ntags; k++)
		if (check_tag(tags[k], &nt[k], err) < 0)
			goto out;
	if (title) {
		keys[nkeys++] = "title";
		if (tcopy)
			strbuf_printf(&lines, "title = %s\n", tcopy);
	}
	if (tags) {
		keys[nkeys++] = "tags";
		/* No tags: no key, unless [defaults] would give the feed its own. */
		bool inherit = ed->old->defaults.tags && ed->old->defaults.tags[0];
		for (size_t k = 0; k < ntags; k++)
			strbuf_printf(&lines, "%s%s", k ? ", " : "tags = ", nt[k]);
		if (ntags || inherit)
			strbuf_puts(&lines, ntags ? "\n" : "tags =\n");
	}
	int found = 0;
	size_t len = 0;
	char *text = conf_section_set(ed->text, ed->len, name, keys, nkeys,
				      lines.s ? lines.s : "", &len, &found);
	if (!text) {
		if (found)
			conf_refuse(err, CONF_FIELD_FILE, NULL, "out of memory");
		else
			conf_refuse(err, CONF_FIELD_FILE, NULL, "[feed %s] not found in the text of %s",
				    name, ed->path);
		goto out;
	}
	free(ed->text);
	ed->text = text;
	ed->len = len;
	ed->set = i + 1;
	ed->set_tags = nt;
	nt = NULL;
	ed->set_title = title != NULL;
	ed->title = tcopy;
	tcopy = NULL;
	r = 0;
out:
	for (size_t k = 0; nt && k < ntags; k++)
		free(nt[k]);
	free(nt);
	free(tcopy);
	free(lines.s);
	return r;
}
