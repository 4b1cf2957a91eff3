/* config.c — feeds.conf's loader: sections, lines and errors.
 *
 * The main file and its drop-ins (the .conf files in feeds.conf.d, read
 * from disk by config_read.c) are parsed by one loader, one after the
 * other, so that a name is unique across them and every message names
 * the file it is about. Which keys exist, their types, ranges and
 * defaults are rows of the table in config_keys.c; the value syntax is
 * config_values.c's.
 *
 * inih does the INI parsing; this file owns the reader it pulls lines from.
 * The reader counts lines (inih 55 as packaged does not report them),
 * classifies each line so that syntax errors name their line, tracks the
 * sections (inih does not call back for a section without keys), and passes
 * values longer than inih's 200-byte line buffer through a side table. */
#include "core/config.h"

#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/config_int.h"
#include "core/utf8.h"

#define CONF_MAX_ERRORS 100
#define CONF_MAX_NAME   100

static const char *const section_names[] = {
	[SEC_DAEMON] = "daemon", [SEC_DEFAULTS] = "defaults", [SEC_FEED] = "feed",
};

/* One section as the reader found it. */
struct section {
	enum section_kind kind;
	char *label;                /* "[feed mehr]", for messages */
	int line;
	size_t file;                /* index into the config's files */
	void *target;               /* struct daemon_conf or struct feed_conf */
	unsigned char set[CONF_NKEYS_MAX];   /* row given a valid value */
	int seen_line[CONF_NKEYS_MAX];  /* line a row was first seen on, valid or not */
};

struct loader {
	const char *name;           /* the file being read, named in messages */
	size_t file;                /* its index: 0 the main file, then drop-ins */
	const char *buf, *pos, *end;
	int line;
	struct config *conf;
	struct config_errors *errs;
	struct section *secs;       /* sections in file order */
	size_t nsecs, secs_cap;
	struct section *cur;        /* NULL before the first header */
	bool cur_bad;               /* inside a rejected header: skip its keys */
	size_t *name_index;         /* open addressing: 1 + section index, 0 = empty */
	size_t name_cap;            /* power of two */
	char **long_values;         /* values too long for inih's buffer */
	size_t nlong;
	size_t feeds_cap;
};

void conf_add_error(struct config_errors *errs, const char *fmt, ...)
{
	if (!errs || errs->n >= CONF_MAX_ERRORS)
		return;
	char *msg = NULL;
	va_list ap;
	va_start(ap, fmt);
	int r = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (r < 0)
		return;
	char **m = realloc(errs->msgs, (errs->n + 1) * sizeof *m);
	if (!m) {
		free(msg);
		return;
	}
	errs->msgs = m;
	errs->msgs[errs->n++] = msg;
}

#define ERR_IN(ld, file, line, ...) do { \
	char prefix_[4200]; \
	snprintf(prefix_, sizeof prefix_, "%s:%d: ", (file), (line)); \
	add_error_prefixed((ld)->errs, prefix_, __VA_ARGS__); \
} while (0)
#define ERR_AT(ld, line, ...) ERR_IN(ld, (ld)->name, line, __VA_ARGS__)

static void add_error_prefixed(struct config_errors *errs, const char *prefix,
			       const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void add_error_prefixed(struct config_errors *errs, const char *prefix,
			       const char *fmt, ...)
{
	char body[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(body, sizeof body, fmt, ap);
	va_end(ap);
	conf_add_error(errs, "%s%s", prefix, body);
}

/* --- sections --- */

bool config_valid_feed_name(const char *s)
{
	size_t n = strlen(s);
	if (!n || n > CONF_MAX_NAME || conf_has_ctl(s))
		return false;
	/* A name is shown in logs, JSON and paths: well-formed UTF-8 only. */
	if (utf8_xml_prefix((const unsigned char *)s, n) != n)
		return false;
	for (const unsigned char *c = (const unsigned char *)s; *c; c++)
		if (!((*c < 0x80 && isalnum(*c)) || *c == '-' || *c == '_' || *c == '.' || *c >= 0x80))
			return false;
	return true;
}

/* Feed names are found through a hash table: 100 000 feeds must not make a
 * quadratic duplicate check. */
static size_t name_hash(const char *s)
{
	size_t h = 1469598103934665603ULL;           /* FNV-1a */
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

static const char *section_feed_name(const struct loader *ld, size_t i)
{
	return ((const struct feed_conf *)ld->secs[i].target)->name;
}

static struct section *find_feed_section(struct loader *ld, const char *name)
{
	if (!ld->name_cap)
		return NULL;
	for (size_t h = name_hash(name) & (ld->name_cap - 1);; h = (h + 1) & (ld->name_cap - 1)) {
		size_t v = ld->name_index[h];
		if (!v)
			return NULL;
		if (strcmp(section_feed_name(ld, v - 1), name) == 0)
			return &ld->secs[v - 1];
	}
}

static int index_feed_section(struct loader *ld, size_t si)
{
	size_t nfeeds = ld->conf->nfeeds;
	if (nfeeds * 2 >= ld->name_cap) {
		size_t cap = ld->name_cap ? ld->name_cap * 2 : 64;
		size_t *idx = calloc(cap, sizeof *idx);
		if (!idx)
			return -ENOMEM;
		for (size_t i = 0; i < ld->name_cap; i++) {
			size_t v = ld->name_index[i];
			if (!v)
				continue;
			size_t h = name_hash(section_feed_name(ld, v - 1)) & (cap - 1);
			while (idx[h])
				h = (h + 1) & (cap - 1);
			idx[h] = v;
		}
		free(ld->name_index);
		ld->name_index = idx;
		ld->name_cap = cap;
	}
	size_t h = name_hash(section_feed_name(ld, si)) & (ld->name_cap - 1);
	while (ld->name_index[h])
		h = (h + 1) & (ld->name_cap - 1);
	ld->name_index[h] = si + 1;
	return 0;
}

static struct section *find_kind(struct loader *ld, enum section_kind kind)
{
	for (size_t i = 0; i < ld->nsecs; i++)
		if (ld->secs[i].kind == kind)
			return &ld->secs[i];
	return NULL;
}

/* The header line "[ ... ]" at line LINE; BODY is what is inside. */
static void open_section(struct loader *ld, char *body, int line)
{
	ld->cur = NULL;
	ld->cur_bad = true;
	body = conf_trim(body);
	char *sp = body + strcspn(body, " \t");
	char *rest = conf_trim(sp);
	if (*sp)
		*sp = '\0';
	enum section_kind kind;
	if (strcmp(body, "daemon") == 0 && !*rest)
		kind = SEC_DAEMON;
	else if (strcmp(body, "defaults") == 0 && !*rest)
		kind = SEC_DEFAULTS;
	else if (strcmp(body, "feed") == 0) {
		kind = SEC_FEED;
		if (!*rest) {
			ERR_AT(ld, line, "[feed] needs a name: [feed NAME]");
			return;
		}
		if (utf8_xml_prefix((const unsigned char *)rest, strlen(rest)) != strlen(rest)) {
			ERR_AT(ld, line, "[feed ...] the feed name is not valid UTF-8");
			return;
		}
		if (!config_valid_feed_name(rest)) {
			ERR_AT(ld, line, "[feed %s] invalid feed name (letters, digits, - _ . and "
			       "non-ASCII letters, at most %d)", rest, CONF_MAX_NAME);
			return;
		}
		struct section *dup = find_feed_section(ld, rest);
		if (dup && dup->file == ld->file) {
			ERR_AT(ld, line, "[feed %s] duplicate feed name (first defined at line %d)",
			       rest, dup->line);
			return;
		}
		if (dup) {
			ERR_AT(ld, line, "[feed %s] duplicate feed name (first defined at %s:%d)",
			       rest, ld->conf->files[dup->file], dup->line);
			return;
		}
	} else {
		ERR_AT(ld, line, "unknown section [%s%s%s] (expected [daemon], [defaults] or "
		       "[feed NAME])", body, *rest ? " " : "", rest);
		return;
	}
	if (kind != SEC_FEED && ld->file > 0) {
		/* One place for what applies to every feed: a package's drop-in
		 * must not move the socket or change the other feeds' defaults. */
		ERR_AT(ld, line, "[%s] belongs in the main file %s (a drop-in holds [feed NAME] "
		       "sections only)", section_names[kind], ld->conf->files[0]);
		return;
	}
	if (kind != SEC_FEED) {
		struct section *dup = find_kind(ld, kind);
		if (dup) {
			ERR_AT(ld, line, "[%s] appears twice (first at line %d)",
			       section_names[kind], dup->line);
			return;
		}
	}
	if (ld->nsecs == ld->secs_cap) {
		size_t cap = ld->secs_cap ? ld->secs_cap * 2 : 16;
		struct section *secs = realloc(ld->secs, cap * sizeof *secs);
		if (!secs)
			return;
		ld->secs = secs;
		ld->secs_cap = cap;
	}
	struct section *s = &ld->secs[ld->nsecs];
	memset(s, 0, sizeof *s);
	s->kind = kind;
	s->line = line;
	s->file = ld->file;
	struct config *c = ld->conf;
	if (kind == SEC_DAEMON) {
		s->target = &c->daemon;
		s->label = strdup("[daemon]");
	} else if (kind == SEC_DEFAULTS) {
		s->target = &c->defaults;
		s->label = strdup("[defaults]");
	} else {
		if (c->nfeeds == ld->feeds_cap) {
			size_t cap = ld->feeds_cap ? ld->feeds_cap * 2 : 16;
			struct feed_conf *f = realloc(c->feeds, cap * sizeof *f);
			if (!f)
				return;
			/* Feeds moved: re-point the sections that refer to them. */
			for (size_t i = 0; i < ld->nsecs; i++)
				if (ld->secs[i].kind == SEC_FEED)
					ld->secs[i].target = f + ((struct feed_conf *)ld->secs[i].target - c->feeds);
			c->feeds = f;
			ld->feeds_cap = cap;
		}
		struct feed_conf *f = &c->feeds[c->nfeeds++];
		memset(f, 0, sizeof *f);
		f->name = strdup(rest);
		f->line = line;
		f->file = ld->file;
		s->target = f;
		if (asprintf(&s->label, "[feed %s]", rest) < 0)
			s->label = NULL;
	}
	ld->nsecs++;
	if (kind == SEC_FEED && index_feed_section(ld, ld->nsecs - 1) < 0)
		return;
	ld->cur = s;
	ld->cur_bad = false;
}

/* --- the reader inih pulls lines from --- */

static char *reader(char *str, int num, void *stream)
{
	struct loader *ld = stream;
	if (ld->pos >= ld->end)
		return NULL;
	const char *nl = memchr(ld->pos, '\n', (size_t)(ld->end - ld->pos));
	const char *lend = nl ? nl : ld->end;
	size_t len = (size_t)(lend - ld->pos);
	const char *line = ld->pos;
	ld->pos = nl ? nl + 1 : ld->end;
	ld->line++;
	if (len && line[len - 1] == '\r')
		len--;
	str[0] = '\n';
	str[1] = '\0';

	if (memchr(line, '\0', len)) {
		ERR_AT(ld, ld->line, "contains a NUL byte (is this a text file?)");
		return str;
	}
	/* Classify: blank, comment, section, key = value. */
	size_t i = 0;
	while (i < len && (line[i] == ' ' || line[i] == '\t'))
		i++;
	if (i == len || line[i] == '#' || line[i] == ';')
		return str;
	if (i > 0) {
		ERR_AT(ld, ld->line, "indented line: continuation lines are not supported "
		       "(write each key = value on one line)");
		return str;
	}
	if (line[0] == '[') {
		const char *close = memchr(line, ']', len);
		if (!close) {
			ERR_AT(ld, ld->line, "section header without closing ]");
			return str;
		}
		for (const char *c = close + 1; c < line + len; c++) {
			if (*c == '#' || *c == ';')
				break;
			if (*c != ' ' && *c != '\t') {
				ERR_AT(ld, ld->line, "text after the section header");
				return str;
			}
		}
		char body[256];
		size_t blen = (size_t)(close - line - 1);
		if (blen >= sizeof body) {
			ERR_AT(ld, ld->line, "section header too long");
			return str;
		}
		memcpy(body, line + 1, blen);
		body[blen] = '\0';
		open_section(ld, body, ld->line);
		/* inih learns nothing of sections: values are routed by ld->cur. */
		return str;
	}
	const char *eq = memchr(line, '=', len);
	if (!eq) {
		ERR_AT(ld, ld->line, "expected \"key = value\" or \"[section]\"");
		return str;
	}
	size_t klen = (size_t)(eq - line);
	if (klen + 8 >= (size_t)num) {
		ERR_AT(ld, ld->line, "key too long");
		return str;
	}
	if (len + 2 < (size_t)num) {
		memcpy(str, line, len);
		str[len] = '\n';
		str[len + 1] = '\0';
		return str;
	}
	/* Longer than inih's buffer: hand it the key and an index into
	 * long_values; the handler swaps the value back in. */
	if (len > 64 * 1024) {
		ERR_AT(ld, ld->line, "line too long (%zu bytes; at most 65536)", len);
		return str;
	}
	char **lv = realloc(ld->long_values, (ld->nlong + 1) * sizeof *lv);
	if (!lv)
		return str;
	ld->long_values = lv;
	lv[ld->nlong] = strndup(eq + 1, len - klen - 1);
	snprintf(str, (size_t)num, "%.*s=\x01%zu\n", (int)klen, line, ld->nlong);
	ld->nlong++;
	return str;
}

/* Drops an inline comment: "# ..." or "; ..." after white space. */
static void strip_inline_comment(char *v)
{
	for (char *c = v; *c; c++) {
		if ((*c == '#' || *c == ';') && c > v && (c[-1] == ' ' || c[-1] == '\t')) {
			*c = '\0';
			break;
		}
	}
}

static int handler(void *user, const char *section, const char *name, const char *value)
{
	(void)section;
	struct loader *ld = user;
	if (!ld->cur) {
		if (!ld->cur_bad)
			ERR_AT(ld, ld->line, "key \"%s\" outside any section (put it under [daemon], "
			       "[defaults] or [feed NAME])", name);
		return 1;
	}
	struct section *s = ld->cur;
	char *v;
	if (value[0] == '\x01') {
		size_t idx = strtoul(value + 1, NULL, 10);
		v = strdup(idx < ld->nlong ? ld->long_values[idx] : "");
	} else {
		v = strdup(value);
	}
	if (!v)
		return 0;
	strip_inline_comment(v);
	char *val = conf_trim(v);
	unsigned in = 1u << s->kind;
	const struct conf_key *k = conf_key_find(name, in);
	/* No value may carry a control character, whatever its type: a
	 * newline or CR in a value is how one line would become two. */
	char ctl[64];
	const char *ce = config_control_problem(val, ctl, sizeof ctl);
	if (ce && k) {
		size_t ki = (size_t)(k - conf_keys);
		ERR_AT(ld, ld->line, "%s %s: the value %s", s->label, name, ce);
		s->seen_line[ki] = s->seen_line[ki] ? s->seen_line[ki] : ld->line;
		free(v);
		return 1;
	}
	if (!k) {
		const char *hint = conf_key_suggest(name, in);
		const struct conf_key *elsewhere = conf_key_find(name, ~in);
		if (elsewhere)
			ERR_AT(ld, ld->line, "%s key \"%s\" does not belong in this section (it goes in %s)",
			       s->label, name,
			       (elsewhere->sections & IN_DAEMON) ? "[daemon]" :
			       (elsewhere->sections & IN_DEFAULTS) ? "[defaults] or [feed NAME]" :
			       "[feed NAME]");
		else if (hint)
			ERR_AT(ld, ld->line, "%s unknown key \"%s\" (did you mean \"%s\"?)",
			       s->label, name, hint);
		else
			ERR_AT(ld, ld->line, "%s unknown key \"%s\"", s->label, name);
		free(v);
		return 1;
	}
	size_t ki = (size_t)(k - conf_keys);
	if (s->seen_line[ki] && k->type != KT_HEADER && k->type != KT_RULE) {
		ERR_AT(ld, ld->line, "%s duplicate key \"%s\" (first set at line %d)",
		       s->label, name, s->seen_line[ki]);
		free(v);
		return 1;
	}
	char why[320];
	const char *e = conf_key_set(k, s->target, val, why, sizeof why);
	if (e && k->values && k->values->secret)
		ERR_AT(ld, ld->line, "%s %s: %s", s->label, name, e);
	else if (e && k->type == KT_ENUM)
		ERR_AT(ld, ld->line, "%s %s \"%.32s\" %s", s->label, name, val, e);
	else if (e)
		ERR_AT(ld, ld->line, "%s %s = \"%.80s\": %s", s->label, name, val, e);
	else
		s->set[ki] = 1;
	/* Seen, even when bad: no second error for "missing" or "duplicate". */
	s->seen_line[ki] = ld->line;
	free(v);
	return 1;
}

/* --- after the file: defaults, required keys, cross-key rules --- */

static void feed_conf_free(struct feed_conf *f)
{
	free(f->name);
	conf_keys_free(f, IN_FEED | IN_DEFAULTS);
}

/* One of the three interval keys of a section, for check_intervals. */
struct ival {
	const char *name;
	int64_t v;
	int line;                   /* where this section set it; 0: it did not */
	const char *from;           /* where its value came from, when not set here */
};

/* Section S's interval, min_interval and max_interval (F) must agree.
 * The error points at a key S wrote: of the two that disagree, the one
 * written here, or the later when both are; none when S wrote neither
 * (both from DEFS, which said it, or built in, which agree). */
static void check_intervals(struct loader *ld, const struct section *s, const struct feed_conf *f,
			    const struct section *defs)
{
	struct ival iv[3] = {
		{"min_interval", f->min_interval, 0, NULL},
		{"interval", f->interval, 0, NULL},
		{"max_interval", f->max_interval, 0, NULL},
	};
	for (size_t i = 0; i < 3; i++) {
		size_t ki = (size_t)(conf_key_find(iv[i].name, IN_FEED) - conf_keys);
		if (s->set[ki])
			iv[i].line = s->seen_line[ki];
		else
			iv[i].from = defs && defs != s && defs->set[ki] ? " (from [defaults])"
								       : " (the default)";
	}
	size_t lo, hi;
	if (f->min_interval > f->max_interval)
		lo = 0, hi = 2;
	else if (f->interval < f->min_interval)
		lo = 0, hi = 1;
	else if (f->interval > f->max_interval)
		lo = 1, hi = 2;
	else
		return;
	if (!iv[lo].line && !iv[hi].line)
		return;
	size_t b = iv[lo].line > iv[hi].line ? lo : hi, o = b == lo ? hi : lo;
	char a[32], c[32], d[32];
	config_fmt_duration(iv[b].v, a, sizeof a);
	config_fmt_duration(iv[o].v, c, sizeof c);
	if (b == 1) {
		config_fmt_duration(f->min_interval, c, sizeof c);
		config_fmt_duration(f->max_interval, d, sizeof d);
		ERR_AT(ld, iv[b].line, "%s interval %s is outside [min_interval %s, max_interval %s]",
		       s->label, a, c, d);
	} else {
		ERR_AT(ld, iv[b].line, "%s %s %s is %s %s %s%s", s->label, iv[b].name, a,
		       b == lo ? "above" : "below", iv[o].name, c, iv[o].line ? "" : iv[o].from);
	}
}

/* The reader API never runs without credentials (daemon/reader.c
 * refuses to start it): say so here, at reader_listen's line. A bad
 * reader_auth has had its own message. */
static void check_reader(struct loader *ld)
{
	const struct section *s = find_kind(ld, SEC_DAEMON);
	const struct conf_key *listen = conf_key_find("reader_listen", IN_DAEMON);
	const struct conf_key *auth = conf_key_find("reader_auth", IN_DAEMON);
	if (!s || !listen || !auth || !s->set[listen - conf_keys] || s->seen_line[auth - conf_keys])
		return;
	ERR_AT(ld, s->seen_line[listen - conf_keys], "[daemon] reader_listen is set but "
	       "reader_auth is not: the reader API never runs without credentials "
	       "(reader_auth = PATH of a user:password or token:TOKEN file)");
}

static void finish(struct loader *ld)
{
	struct config *c = ld->conf;
	const struct section *defs = find_kind(ld, SEC_DEFAULTS);
	ld->name = c->files[0];
	if (defs) {
		ld->name = c->files[defs->file];
		check_intervals(ld, defs, &c->defaults, defs);
	}
	for (size_t i = 0; i < ld->nsecs; i++) {
		struct section *s = &ld->secs[i];
		if (s->kind != SEC_FEED)
			continue;
		struct feed_conf *f = s->target;
		conf_keys_inherit(f, s->set, &c->defaults);
		ld->name = c->files[s->file];   /* messages name the section's file */
		for (size_t r = 0; r < conf_nkeys; r++) {
			const struct conf_key *k = &conf_keys[r];
			if (k->def_text == conf_required && (k->sections & IN_FEED) && !s->seen_line[r]
			    && !*(char **)((char *)f + k->offset))
				ERR_AT(ld, s->line, "%s missing required key \"%s\"", s->label, k->name);
		}
		check_intervals(ld, s, f, defs);
		if (f->auth_file && f->auth_file[0] != '/')
			ERR_AT(ld, s->line, "%s auth_file must be an absolute path", s->label);
	}
	ld->name = c->files[0];
	check_reader(ld);
	if (c->daemon.socket && strlen(c->daemon.socket) >= 108)
		conf_add_error(ld->errs, "%s: [daemon] socket path is longer than 107 bytes", ld->name);
}

void config_free(struct config *c)
{
	if (!c)
		return;
	free(c->path);
	for (size_t i = 0; c->files && i < c->nfiles; i++)
		free(c->files[i]);
	free(c->files);
	conf_keys_free(&c->daemon, IN_DAEMON);
	feed_conf_free(&c->defaults);
	for (size_t i = 0; i < c->nfeeds; i++)
		feed_conf_free(&c->feeds[i]);
	free(c->feeds);
	free(c);
}

void config_errors_free(struct config_errors *errs)
{
	if (!errs)
		return;
	for (size_t i = 0; i < errs->n; i++)
		free(errs->msgs[i]);
	free(errs->msgs);
	errs->msgs = NULL;
	errs->n = 0;
}

/* Errors come out in file order, then line order, whichever pass found
 * them: the key of "FILE:LINE: ..." is FILE's index and LINE. */
static void error_key(const struct config *c, const char *msg, size_t *file, long *line)
{
	*file = 0;
	*line = 0;
	size_t best = 0;
	for (size_t i = 0; i < c->nfiles; i++) {
		size_t n = strlen(c->files[i]);
		if (n > best && strncmp(msg, c->files[i], n) == 0 && msg[n] == ':') {
			best = n;
			*file = i;
			*line = strtol(msg + n + 1, NULL, 10);
		}
	}
}

static bool error_before(const struct config *c, const char *a, const char *b)
{
	size_t fa, fb;
	long la, lb;
	error_key(c, a, &fa, &la);
	error_key(c, b, &fb, &lb);
	return fa < fb || (fa == fb && la < lb);
}

static void sort_errors(const struct config *c, struct config_errors *errs, size_t from)
{
	for (size_t i = from + 1; i < errs->n; i++) {   /* insertion sort: stable */
		char *m = errs->msgs[i];
		size_t j = i;
		while (j > from && error_before(c, m, errs->msgs[j - 1])) {
			errs->msgs[j] = errs->msgs[j - 1];
			j--;
		}
		errs->msgs[j] = m;
	}
}

/* Feeds one file to inih through the loader's reader. */
static void parse_one(struct loader *ld, size_t file, const struct config_source *src)
{
	const char *buf = src->text ? src->text : "";
	size_t len = src->text ? src->len : 0;
	ld->name = ld->conf->files[file];
	ld->file = file;
	ld->buf = ld->pos = buf;
	ld->end = buf + len;
	ld->line = 0;
	ld->cur = NULL;        /* a file's keys never fall into the last one's section */
	ld->cur_bad = false;
	/* A UTF-8 BOM is fine; inih would also accept it, but we own the reader. */
	if (len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0)
		ld->pos += 3;
	size_t before = ld->errs->n;
	int r = ini_parse_stream(reader, ld, handler, ld);
	if (r == -2)
		conf_add_error(ld->errs, "%s: out of memory", ld->name);
	else if (r > 0 && ld->errs->n == before)
		conf_add_error(ld->errs, "%s:%d: syntax error", ld->name, r);
}

int config_parse_sources(const struct config_source *src, size_t n,
			 struct config **out, struct config_errors *errs)
{
	struct config_errors local = {0};
	if (!errs)
		errs = &local;
	if (!n)
		return -EINVAL;
	size_t before = errs->n;
	struct config *c = calloc(1, sizeof *c);
	if (!c || !(c->files = calloc(n, sizeof *c->files))) {
		free(c);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		if (!(c->files[i] = strdup(src[i].name))) {
			config_free(c);
			return -ENOMEM;
		}
		c->nfiles++;
	}
	c->path = strdup(src[0].name);
	conf_keys_defaults(&c->daemon, IN_DAEMON);
	conf_keys_defaults(&c->defaults, IN_DEFAULTS);
	struct loader ld = {.conf = c, .errs = errs};
	for (size_t i = 0; i < n; i++)
		parse_one(&ld, i, &src[i]);
	finish(&ld);
	for (size_t i = 0; i < ld.nsecs; i++)
		free(ld.secs[i].label);
	free(ld.secs);
	free(ld.name_index);
	for (size_t i = 0; i < ld.nlong; i++)
		free(ld.long_values[i]);
	free(ld.long_values);
	sort_errors(c, errs, before);
	bool bad = errs->n > before;
	config_errors_free(&local);
	if (bad || !c->path) {
		config_free(c);
		return bad ? -EINVAL : -ENOMEM;
	}
	*out = c;
	return 0;
}

int config_parse_buffer(const char *name, const char *buf, size_t len,
			struct config **out, struct config_errors *errs)
{
	struct config_source src = {.name = (char *)name, .text = (char *)buf, .len = len};
	return config_parse_sources(&src, 1, out, errs);
}


const struct feed_conf *config_find_feed(const struct config *c, const char *name)
{
	for (size_t i = 0; c && i < c->nfeeds; i++)
		if (strcmp(c->feeds[i].name, name) == 0)
			return &c->feeds[i];
	return NULL;
}

