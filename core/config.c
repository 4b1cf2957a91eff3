/* config.c — feeds.conf: read with inih, validated through one table of keys.
 *
 * The main file and its drop-ins (the .conf files in feeds.conf.d) are read by one
 * loader, one after the other, so that a name is unique across them and
 * every message names the file it is about.
 *
 * inih does the INI parsing; this file owns the reader it pulls lines from.
 * The reader counts lines (inih 55 as packaged does not report them),
 * classifies each line so that syntax errors name their line, tracks the
 * sections (inih does not call back for a section without keys), and passes
 * values longer than inih's 200-byte line buffer through a side table. */
#include "core/config.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ini.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/cmdline.h"
#include "core/filter.h"
#include "core/log.h"
#include "core/utf8.h"

#define CONF_MAX_FILE   (16 * 1024 * 1024)
#define CONF_MAX_ERRORS 100
#define CONF_MAX_NAME   100
#define CONF_MAX_LIST   64      /* tags, headers */

enum key_type {
	KT_STRING,
	KT_COMMAND,                 /* a string cmdline_split can split */
	KT_PATH,
	KT_URL,
	KT_DURATION,                /* seconds */
	KT_DURATION_MS,             /* milliseconds */
	KT_INT,
	KT_SIZE,
	KT_BOOL,
	KT_TAGS,
	KT_HEADER,                  /* repeatable, appends one "Name: value" */
	KT_RULE,                    /* repeatable, appends one "FIELD ~ REGEX" (core/filter.h) */
};

enum section_kind { SEC_DAEMON, SEC_DEFAULTS, SEC_FEED };

#define IN_DAEMON   (1u << SEC_DAEMON)
#define IN_DEFAULTS (1u << SEC_DEFAULTS)
#define IN_FEED     (1u << SEC_FEED)

struct key {
	const char *name;
	enum key_type type;
	unsigned sections;
	size_t offset;              /* in struct daemon_conf or struct feed_conf */
	int64_t min, max;           /* numbers, durations and sizes */
};

#define D(field) offsetof(struct daemon_conf, field)
#define F(field) offsetof(struct feed_conf, field)
#define DAY (86400LL)

/* Every key feeds.conf knows: the one place to add a setting. */
static const struct key keys[] = {
	{"socket",        KT_PATH,        IN_DAEMON, D(socket), 0, 0},
	{"socket_group",  KT_STRING,      IN_DAEMON, D(socket_group), 0, 0},
	{"reader_listen", KT_STRING,      IN_DAEMON, D(reader_listen), 0, 0},
	{"reader_auth",   KT_PATH,        IN_DAEMON, D(reader_auth), 0, 0},
	{"state_dir",     KT_PATH,        IN_DAEMON, D(state_dir), 0, 0},
	{"store",         KT_STRING,      IN_DAEMON, D(store), 0, 0},
	{"max_fetches",   KT_INT,         IN_DAEMON, D(max_fetches), 1, 10000},
	{"per_host",      KT_INT,         IN_DAEMON, D(per_host), 1, 100},
	{"host_gap",      KT_DURATION_MS, IN_DAEMON, D(host_gap), 0, 60000},
	{"user_agent",    KT_STRING,      IN_DAEMON, D(user_agent), 0, 0},
	{"exec_jobs",     KT_INT,         IN_DAEMON, D(exec_jobs), 1, 256},
	{"exec_timeout",  KT_DURATION,    IN_DAEMON, D(exec_timeout), 1, DAY},
	{"exec_retry",    KT_DURATION,    IN_DAEMON, D(exec_retry), 1, DAY},
	{"lease",         KT_DURATION,    IN_DAEMON, D(lease), 5, DAY},
	{"log_level",     KT_STRING,      IN_DAEMON, D(log_level), 0, 0},

	{"url",           KT_URL,         IN_FEED, F(url), 0, 0},
	{"interval",      KT_DURATION,    IN_FEED | IN_DEFAULTS, F(interval), 1, 30 * DAY},
	{"min_interval",  KT_DURATION,    IN_FEED | IN_DEFAULTS, F(min_interval), 1, 30 * DAY},
	{"max_interval",  KT_DURATION,    IN_FEED | IN_DEFAULTS, F(max_interval), 1, 90 * DAY},
	{"retention",     KT_DURATION,    IN_FEED | IN_DEFAULTS, F(retention), 0, 100 * 365 * DAY},
	{"max_items",     KT_INT,         IN_FEED | IN_DEFAULTS, F(max_items), 0, 10000000},
	{"timeout",       KT_DURATION,    IN_FEED | IN_DEFAULTS, F(timeout), 1, 3600},
	{"max_size",      KT_SIZE,        IN_FEED | IN_DEFAULTS, F(max_size), 1024, 1LL << 30},
	{"tags",          KT_TAGS,        IN_FEED | IN_DEFAULTS, F(tags), 0, 0},
	{"enabled",       KT_BOOL,        IN_FEED | IN_DEFAULTS, F(enabled), 0, 0},
	{"allow_private", KT_BOOL,        IN_FEED | IN_DEFAULTS, F(allow_private), 0, 0},
	{"user_agent",    KT_STRING,      IN_FEED | IN_DEFAULTS, F(user_agent), 0, 0},
	{"header",        KT_HEADER,      IN_FEED | IN_DEFAULTS, F(headers), 0, 0},
	{"auth_file",     KT_PATH,        IN_FEED | IN_DEFAULTS, F(auth_file), 0, 0},
	{"proxy",         KT_STRING,      IN_FEED | IN_DEFAULTS, F(proxy), 0, 0},
	{"exec",          KT_COMMAND,     IN_FEED | IN_DEFAULTS, F(exec), 0, 0},
	{"skip",          KT_RULE,        IN_FEED | IN_DEFAULTS, F(skip), 0, 0},
	{"keep",          KT_RULE,        IN_FEED | IN_DEFAULTS, F(keep), 0, 0},
};
#define NKEYS (sizeof keys / sizeof keys[0])

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
	unsigned char set[NKEYS];   /* key given a valid value */
	int seen_line[NKEYS];       /* line a key was first seen on, valid or not */
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

static void add_error(struct config_errors *errs, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void add_error(struct config_errors *errs, const char *fmt, ...)
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
	add_error(errs, "%s%s", prefix, body);
}

/* --- values --- */

int config_parse_duration(const char *s, int64_t *seconds)
{
	char *end;
	if (!s || !*s || !(isdigit((unsigned char)*s)))
		return -EINVAL;
	errno = 0;
	long long n = strtoll(s, &end, 10);
	if (errno || n < 0)
		return -EINVAL;
	int64_t mult;
	if (!*end || strcmp(end, "s") == 0) mult = 1;
	else if (strcmp(end, "m") == 0) mult = 60;
	else if (strcmp(end, "h") == 0) mult = 3600;
	else if (strcmp(end, "d") == 0) mult = DAY;
	else if (strcmp(end, "w") == 0) mult = 7 * DAY;
	else return -EINVAL;
	if (n > INT64_MAX / mult / 1000)   /* leaves room for milliseconds */
		return -EINVAL;
	*seconds = n * mult;
	return 0;
}

static int parse_duration_ms(const char *s, int64_t *ms)
{
	size_t len = strlen(s);
	if (len > 2 && strcmp(s + len - 2, "ms") == 0 && isdigit((unsigned char)*s)) {
		char *end;
		errno = 0;
		long long n = strtoll(s, &end, 10);
		if (errno || n < 0 || strcmp(end, "ms") != 0)
			return -EINVAL;
		*ms = n;
		return 0;
	}
	int64_t sec;
	if (config_parse_duration(s, &sec) < 0)
		return -EINVAL;
	*ms = sec * 1000;
	return 0;
}

int config_parse_size(const char *s, int64_t *bytes)
{
	char *end;
	if (!s || !isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	long long n = strtoll(s, &end, 10);
	if (errno || n < 0)
		return -EINVAL;
	int64_t mult = 1;
	if (!*end || strcasecmp(end, "b") == 0) mult = 1;
	else if (strcasecmp(end, "k") == 0 || strcasecmp(end, "kb") == 0 || strcmp(end, "KiB") == 0) mult = 1024;
	else if (strcasecmp(end, "m") == 0 || strcasecmp(end, "mb") == 0 || strcmp(end, "MiB") == 0) mult = 1024 * 1024;
	else if (strcasecmp(end, "g") == 0 || strcasecmp(end, "gb") == 0 || strcmp(end, "GiB") == 0) mult = 1024 * 1024 * 1024;
	else return -EINVAL;
	if (n > INT64_MAX / mult)
		return -EINVAL;
	*bytes = n * mult;
	return 0;
}

static int parse_bool(const char *s, bool *out)
{
	static const char *const yes[] = {"yes", "true", "on", "1"};
	static const char *const no[] = {"no", "false", "off", "0"};
	for (size_t i = 0; i < 4; i++) {
		if (strcasecmp(s, yes[i]) == 0) { *out = true; return 0; }
		if (strcasecmp(s, no[i]) == 0) { *out = false; return 0; }
	}
	return -EINVAL;
}

const char *config_control_problem(const char *s, char *buf, size_t buflen)
{
	for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
		unsigned cp;
		if (*c < 0x20 || *c == 0x7f)
			cp = *c;
		else if (*c == 0xc2 && c[1] >= 0x80 && c[1] <= 0x9f)
			cp = c[1];              /* C1, as UTF-8 */
		else
			continue;
		if (cp == '\n')
			return "contains a newline";
		if (cp == '\r')
			return "contains a carriage return";
		if (cp == '\t')
			return "contains a tab";
		snprintf(buf, buflen, "contains a control character (U+%04X)", cp);
		return buf;
	}
	return NULL;
}

static bool has_ctl(const char *s)
{
	char why[64];
	return config_control_problem(s, why, sizeof why) != NULL;
}

/* http(s) with a host, or file: with a path. No spaces or control bytes. */
static const char *check_url(const char *s)
{
	if (has_ctl(s) || strchr(s, ' '))
		return "contains spaces or control characters";
	const char *rest;
	if (strncasecmp(s, "http://", 7) == 0)
		rest = s + 7;
	else if (strncasecmp(s, "https://", 8) == 0)
		rest = s + 8;
	else if (strncasecmp(s, "file://", 7) == 0)
		return s[7] == '/' ? NULL : "a file URL needs an absolute path (file:///...)";
	else
		return "must start with http://, https:// or file://";
	if (!*rest || *rest == '/' || *rest == '?' || *rest == '#' || *rest == ':')
		return "has no host";
	return NULL;
}

static size_t strv_len(char **v)
{
	size_t n = 0;
	while (v && v[n])
		n++;
	return n;
}

static void strv_free(char **v)
{
	for (size_t i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

static char **strv_dup(char **v)
{
	if (!v)
		return NULL;
	size_t n = strv_len(v);
	char **out = calloc(n + 1, sizeof *out);
	for (size_t i = 0; out && i < n; i++)
		out[i] = strdup(v[i]);
	return out;
}

static int strv_push(char ***v, const char *s)
{
	size_t n = strv_len(*v);
	if (n >= CONF_MAX_LIST)
		return -E2BIG;
	char **nv = realloc(*v, (n + 2) * sizeof *nv);
	if (!nv)
		return -ENOMEM;
	nv[n] = strdup(s);
	nv[n + 1] = NULL;
	*v = nv;
	return nv[n] ? 0 : -ENOMEM;
}

static char *trim(char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	size_t n = strlen(s);
	while (n && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
	return s;
}

/* "news, Iran ,tech" -> {"news","iran","tech"}. */
static const char *parse_tags(const char *value, char ***out)
{
	char *copy = strdup(value);
	if (!copy)
		return "out of memory";
	char **tags = NULL;
	const char *err = NULL;
	char *save = NULL;
	for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		t = trim(t);
		if (!*t)
			continue;
		for (char *c = t; *c; c++) {
			if (*c == '/' || *c == '?' || *c == '&' || *c == '#' || *c == '=') {
				err = "a tag may not contain / ? & # =";
				break;
			}
			*c = (char)tolower((unsigned char)*c);
		}
		if (err || strv_push(&tags, t) < 0) {
			err = err ? err : "too many tags";
			break;
		}
	}
	free(copy);
	if (err) {
		strv_free(tags);
		return err;
	}
	*out = tags ? tags : calloc(1, sizeof(char *));
	return NULL;
}

/* Levenshtein distance, for "did you mean". Small strings only. */
static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la > 32 || lb > 32)
		return 99;
	size_t row[33];
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t prev = row[0];
		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t cur = row[j];
			size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
			size_t best = prev + cost;
			if (row[j] + 1 < best) best = row[j] + 1;
			if (row[j - 1] + 1 < best) best = row[j - 1] + 1;
			row[j] = best;
			prev = cur;
		}
	}
	return row[lb];
}

static const struct key *find_key(const char *name, unsigned in)
{
	for (size_t i = 0; i < NKEYS; i++)
		if ((keys[i].sections & in) && strcmp(keys[i].name, name) == 0)
			return &keys[i];
	return NULL;
}

static const char *suggest(const char *name, unsigned in)
{
	const char *best = NULL;
	size_t bestd = 3;
	for (size_t i = 0; i < NKEYS; i++) {
		if (!(keys[i].sections & in))
			continue;
		size_t d = edit_distance(name, keys[i].name);
		if (d < bestd) {
			bestd = d;
			best = keys[i].name;
		}
	}
	return best;
}

static void fmt_duration(int64_t s, char *buf, size_t len)
{
	if (s && s % DAY == 0) snprintf(buf, len, "%lldd", (long long)(s / DAY));
	else if (s && s % 3600 == 0) snprintf(buf, len, "%lldh", (long long)(s / 3600));
	else if (s && s % 60 == 0) snprintf(buf, len, "%lldm", (long long)(s / 60));
	else snprintf(buf, len, "%llds", (long long)s);
}

/* Stores VALUE for key K into the section's struct; returns an error
 * message or NULL. */
static const char *set_value(const struct key *k, void *target, const char *value,
			     char *why, size_t whylen)
{
	char *field = (char *)target + k->offset;
	int64_t n;
	const char *e;
	switch (k->type) {
	case KT_STRING:
	case KT_PATH:
		if (!*value)
			return "is empty";
		if (has_ctl(value))
			return "contains control characters";
		free(*(char **)field);
		*(char **)field = strdup(value);
		return NULL;
	case KT_COMMAND: {
		if (!*value)
			return "is empty";
		if (has_ctl(value))
			return "contains control characters";
		char **argv;
		if (cmdline_split(value, &argv, &e) < 0)
			return e;
		cmdline_free(argv);
		free(*(char **)field);
		*(char **)field = strdup(value);
		return NULL;
	}
	case KT_URL:
		if ((e = check_url(value)))
			return e;
		free(*(char **)field);
		*(char **)field = strdup(value);
		return NULL;
	case KT_DURATION:
		if (config_parse_duration(value, &n) < 0)
			return "is not a duration (use a number with s, m, h, d or w: 90s, 15m, 2h, 1d)";
		goto range;
	case KT_DURATION_MS:
		if (parse_duration_ms(value, &n) < 0)
			return "is not a duration (use 500ms, 1s, 2m ...)";
		goto range;
	case KT_SIZE:
		if (config_parse_size(value, &n) < 0)
			return "is not a size (use bytes or k, M, G: 512k, 16M)";
		goto range;
	case KT_INT: {
		char *end;
		errno = 0;
		long long v = strtoll(value, &end, 10);
		if (errno || end == value || *end)
			return "is not a whole number";
		n = v;
		goto range;
	}
	case KT_BOOL:
		if (parse_bool(value, (bool *)field) < 0)
			return "is not yes or no";
		return NULL;
	case KT_TAGS: {
		char **tags = NULL;
		if ((e = parse_tags(value, &tags)))
			return e;
		strv_free(*(char ***)field);
		*(char ***)field = tags;
		return NULL;
	}
	case KT_HEADER: {
		const char *colon = strchr(value, ':');
		if (!colon || colon == value || has_ctl(value))
			return "must be \"Name: value\"";
		for (const char *c = value; c < colon; c++)
			if (!isalnum((unsigned char)*c) && *c != '-' && *c != '_')
				return "has an invalid header name";
		if (strv_push((char ***)field, value) < 0)
			return "too many headers";
		return NULL;
	}
	case KT_RULE:
		if (filter_rule_check(value, why, whylen) < 0)
			return why;
		if (strv_push((char ***)field, value) < 0)
			return "too many rules";
		return NULL;
	}
	return "has an unknown type";
range:
	if (n < k->min || (k->max && n > k->max)) {
		char lo[32], hi[32];
		if (k->type == KT_DURATION) {
			fmt_duration(k->min, lo, sizeof lo);
			fmt_duration(k->max, hi, sizeof hi);
		} else if (k->type == KT_DURATION_MS) {
			snprintf(lo, sizeof lo, "%lldms", (long long)k->min);
			snprintf(hi, sizeof hi, "%lldms", (long long)k->max);
		} else {
			snprintf(lo, sizeof lo, "%lld", (long long)k->min);
			snprintf(hi, sizeof hi, "%lld", (long long)k->max);
		}
		snprintf(why, whylen, "is out of range (%s to %s)", lo, hi);
		return why;
	}
	*(int64_t *)field = n;
	return NULL;
}

/* --- sections --- */

bool config_valid_feed_name(const char *s)
{
	size_t n = strlen(s);
	if (!n || n > CONF_MAX_NAME || has_ctl(s))
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
	body = trim(body);
	char *sp = body + strcspn(body, " \t");
	char *rest = trim(sp);
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
	char *val = trim(v);
	unsigned in = 1u << s->kind;
	const struct key *k = find_key(name, in);
	/* No value may carry a control character, whatever its type: a
	 * newline or CR in a value is how one line would become two. */
	char ctl[64];
	const char *ce = config_control_problem(val, ctl, sizeof ctl);
	if (ce && k) {
		size_t ki = (size_t)(k - keys);
		ERR_AT(ld, ld->line, "%s %s: the value %s", s->label, name, ce);
		s->seen_line[ki] = s->seen_line[ki] ? s->seen_line[ki] : ld->line;
		free(v);
		return 1;
	}
	if (!k) {
		const char *hint = suggest(name, in);
		const struct key *elsewhere = find_key(name, ~in);
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
	size_t ki = (size_t)(k - keys);
	if (s->seen_line[ki] && k->type != KT_HEADER && k->type != KT_RULE) {
		ERR_AT(ld, ld->line, "%s duplicate key \"%s\" (first set at line %d)",
		       s->label, name, s->seen_line[ki]);
		free(v);
		return 1;
	}
	char why[320];
	const char *e = set_value(k, s->target, val, why, sizeof why);
	if (e)
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
	free(f->url);
	strv_free(f->tags);
	free(f->user_agent);
	strv_free(f->headers);
	strv_free(f->skip);
	strv_free(f->keep);
	free(f->auth_file);
	free(f->proxy);
	free(f->exec);
}

static void builtin_defaults(struct config *c)
{
	struct daemon_conf *d = &c->daemon;
	d->max_fetches = CONF_DEFAULT_MAX_FETCHES;
	d->per_host = CONF_DEFAULT_PER_HOST;
	d->host_gap = CONF_DEFAULT_HOST_GAP_MS;
	d->exec_jobs = CONF_DEFAULT_EXEC_JOBS;
	d->exec_timeout = CONF_DEFAULT_EXEC_TIMEOUT;
	d->exec_retry = CONF_DEFAULT_EXEC_RETRY;
	struct feed_conf *f = &c->defaults;
	f->interval = CONF_DEFAULT_INTERVAL;
	f->min_interval = CONF_DEFAULT_MIN_INTERVAL;
	f->max_interval = CONF_DEFAULT_MAX_INTERVAL;
	f->retention = CONF_DEFAULT_RETENTION;
	f->timeout = CONF_DEFAULT_TIMEOUT;
	f->max_size = CONF_DEFAULT_MAX_SIZE;
	f->enabled = true;
}

static char *dup_or_null(const char *s) { return s ? strdup(s) : NULL; }

/* Fills what the [feed] section left out from [defaults]. */
static void inherit(struct feed_conf *f, const struct section *s, const struct feed_conf *def)
{
	for (size_t i = 0; i < NKEYS; i++) {
		const struct key *k = &keys[i];
		if (!(k->sections & IN_DEFAULTS) || s->set[i])
			continue;
		char *dst = (char *)f + k->offset;
		const char *src = (const char *)def + k->offset;
		switch (k->type) {
		case KT_STRING: case KT_COMMAND: case KT_PATH: case KT_URL:
			*(char **)dst = dup_or_null(*(char *const *)src);
			break;
		case KT_TAGS: case KT_HEADER: case KT_RULE:
			*(char ***)dst = strv_dup(*(char **const *)src);
			break;
		case KT_BOOL:
			*(bool *)dst = *(const bool *)src;
			break;
		default:
			*(int64_t *)dst = *(const int64_t *)src;
		}
	}
	if (!f->tags)
		f->tags = calloc(1, sizeof(char *));
}

static void check_intervals(struct loader *ld, const struct feed_conf *f, const char *label, int line)
{
	char a[32], b[32];
	if (f->min_interval > f->max_interval) {
		fmt_duration(f->min_interval, a, sizeof a);
		fmt_duration(f->max_interval, b, sizeof b);
		ERR_AT(ld, line, "%s min_interval %s is above max_interval %s", label, a, b);
	} else if (f->interval < f->min_interval || f->interval > f->max_interval) {
		fmt_duration(f->interval, a, sizeof a);
		fmt_duration(f->min_interval, b, sizeof b);
		char c[32];
		fmt_duration(f->max_interval, c, sizeof c);
		ERR_AT(ld, line, "%s interval %s is outside [min_interval %s, max_interval %s]",
		       label, a, b, c);
	}
}

static void finish(struct loader *ld)
{
	struct config *c = ld->conf;
	const struct section *defs = find_kind(ld, SEC_DEFAULTS);
	struct section none;
	memset(&none, 0, sizeof none);
	ld->name = c->files[0];
	if (defs)
		check_intervals(ld, &c->defaults, "[defaults]", defs->line);
	for (size_t i = 0; i < ld->nsecs; i++) {
		struct section *s = &ld->secs[i];
		if (s->kind != SEC_FEED)
			continue;
		struct feed_conf *f = s->target;
		inherit(f, s, &c->defaults);
		ld->name = c->files[s->file];   /* messages name the section's file */
		if (!f->url && !s->seen_line[find_key("url", IN_FEED) - keys])
			ERR_AT(ld, s->line, "%s missing required key \"url\"", s->label);
		check_intervals(ld, f, s->label, s->line);
		if (f->auth_file && f->auth_file[0] != '/')
			ERR_AT(ld, s->line, "%s auth_file must be an absolute path", s->label);
	}
	ld->name = c->files[0];
	if (c->daemon.socket && strlen(c->daemon.socket) >= 108)
		add_error(ld->errs, "%s: [daemon] socket path is longer than 107 bytes", ld->name);
	if (c->daemon.log_level && log_level_from_name(c->daemon.log_level) < 0)
		add_error(ld->errs, "%s: [daemon] log_level \"%.32s\" is not one of "
			  LOG_LEVEL_NAMES, ld->name, c->daemon.log_level);
}

void config_free(struct config *c)
{
	if (!c)
		return;
	free(c->path);
	for (size_t i = 0; c->files && i < c->nfiles; i++)
		free(c->files[i]);
	free(c->files);
	struct daemon_conf *d = &c->daemon;
	free(d->socket);
	free(d->socket_group);
	free(d->state_dir);
	free(d->store);
	free(d->user_agent);
	free(d->log_level);
	free(d->reader_listen);
	free(d->reader_auth);
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
		add_error(ld->errs, "%s: out of memory", ld->name);
	else if (r > 0 && ld->errs->n == before)
		add_error(ld->errs, "%s:%d: syntax error", ld->name, r);
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
	builtin_defaults(c);
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

/* Reads PATH whole into SRC; a missing file leaves SRC's text NULL when
 * MISSING_OK. */
static int read_source(const char *path, bool missing_ok, struct config_source *src,
		       struct config_errors *errs)
{
	/* O_NONBLOCK: a FIFO (or a device) named as the config must be refused
	 * below, not wait forever for a writer in open(). */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		int e = errno;
		if (e == ENOENT && missing_ok)
			return 0;
		add_error(errs, "%s: cannot open: %s", path, strerror(e));
		return -e;
	}
	struct stat st;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		add_error(errs, "%s: not a regular file", path);
		return -EINVAL;
	}
	if (st.st_size > CONF_MAX_FILE) {
		close(fd);
		add_error(errs, "%s: too large (%lld bytes; at most %d)", path,
			  (long long)st.st_size, CONF_MAX_FILE);
		return -EFBIG;
	}
	size_t size = (size_t)st.st_size;
	char *buf = malloc(size + 1);
	size_t got = 0;
	while (buf && got < size) {
		ssize_t n = read(fd, buf + got, size - got);
		if (n <= 0) {
			if (n < 0 && errno == EINTR)
				continue;
			break;
		}
		got += (size_t)n;
	}
	close(fd);
	if (!buf || got != size) {
		free(buf);
		add_error(errs, "%s: read failed", path);
		return -EIO;
	}
	buf[size] = '\0';
	src->text = buf;
	src->len = size;
	return 0;
}

bool config_dropin_name_ok(const char *name)
{
	size_t n = strlen(name), e = strlen(CONFIG_DROPIN_EXT);
	return n > e && name[0] != '.' && strcmp(name + n - e, CONFIG_DROPIN_EXT) == 0;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names in DIR the reader takes, sorted by byte order: *NAMES (NULL
 * when the directory does not exist). */
static int list_dropins(const char *dir, char ***names, size_t *n, struct config_errors *errs)
{
	*names = NULL;
	*n = 0;
	DIR *d = opendir(dir);
	if (!d) {
		int e = errno;
		if (e == ENOENT)
			return 0;
		add_error(errs, "%s: cannot read the drop-in directory: %s", dir, strerror(e));
		return -e;
	}
	size_t cap = 0;
	int r = 0;
	struct dirent *de;
	errno = 0;
	while ((de = readdir(d))) {
		if (!config_dropin_name_ok(de->d_name))
			continue;
		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			char **nn = realloc(*names, cap * sizeof *nn);
			if (!nn) {
				r = -ENOMEM;
				break;
			}
			*names = nn;
		}
		if (!((*names)[*n] = strdup(de->d_name))) {
			r = -ENOMEM;
			break;
		}
		(*n)++;
		errno = 0;
	}
	if (!r && errno) {
		r = -errno;
		add_error(errs, "%s: cannot read the drop-in directory: %s", dir, strerror(-r));
	}
	closedir(d);
	if (*n)
		qsort(*names, *n, sizeof **names, cmp_names);   /* bytes, not the locale */
	return r;
}

int config_read_sources(const char *path, unsigned flags, struct config_source **srcp,
			size_t *np, struct config_errors *errs)
{
	*srcp = NULL;
	*np = 0;
	struct config_source main_src = {.name = strdup(path)};
	if (!main_src.name)
		return -ENOMEM;
	int r = read_source(path, flags & CONFIG_MAIN_OPTIONAL, &main_src, errs);
	if (r < 0) {
		free(main_src.name);
		return r;
	}
	char *dir = NULL;
	char **names = NULL;
	size_t nnames = 0, n = 1;
	if (asprintf(&dir, "%s%s", path, CONFIG_DROPIN_SUFFIX) < 0)
		dir = NULL;
	r = dir ? list_dropins(dir, &names, &nnames, errs) : -ENOMEM;
	struct config_source *src = r < 0 ? NULL : calloc(nnames + 1, sizeof *src);
	if (!r && !src)
		r = -ENOMEM;
	if (src) {
		src[0] = main_src;
	} else {
		free(main_src.name);
		free(main_src.text);
	}
	for (size_t i = 0; r >= 0 && i < nnames; i++) {
		struct config_source *s = &src[n++];
		if (asprintf(&s->name, "%s/%s", dir, names[i]) < 0) {
			s->name = NULL;
			r = -ENOMEM;
			break;
		}
		/* A symbolic link is followed; what is not a regular file (a
		 * directory, a link to /dev/null that masks a packaged file) is
		 * passed over. */
		struct stat st;
		if (stat(s->name, &st) == 0 && !S_ISREG(st.st_mode)) {
			free(s->name);
			s->name = NULL;
			n--;
			continue;
		}
		r = read_source(s->name, false, s, errs);
	}
	for (size_t i = 0; i < nnames; i++)
		free(names[i]);
	free(names);
	free(dir);
	if (r < 0) {
		if (r == -ENOMEM)
			add_error(errs, "%s: out of memory", path);
		config_sources_free(src, src ? n : 0);
		return r;
	}
	*srcp = src;
	*np = n;
	return 0;
}

void config_sources_free(struct config_source *src, size_t n)
{
	for (size_t i = 0; src && i < n; i++) {
		free(src[i].name);
		free(src[i].text);
	}
	free(src);
}

int config_load(const char *path, unsigned flags, struct config **out, struct config_errors *errs)
{
	struct config_source *src;
	size_t n;
	int r = config_read_sources(path, flags, &src, &n, errs);
	if (r < 0)
		return r;
	r = config_parse_sources(src, n, out, errs);
	config_sources_free(src, n);
	return r;
}

const struct feed_conf *config_find_feed(const struct config *c, const char *name)
{
	for (size_t i = 0; c && i < c->nfeeds; i++)
		if (strcmp(c->feeds[i].name, name) == 0)
			return &c->feeds[i];
	return NULL;
}

/* --- comparing two parsed configurations (feeds.conf edits check theirs) --- */

static bool str_eq(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

static bool strv_eq(char **a, char **b)
{
	size_t n = strv_len(a);
	if (n != strv_len(b))
		return false;
	for (size_t i = 0; i < n; i++)
		if (strcmp(a[i], b[i]) != 0)
			return false;
	return true;
}

/* Every key of the table that lives in a section of kind IN, compared by
 * type: a key added to the table is compared without a change here. */
static bool keys_equal(const void *a, const void *b, unsigned in, const char **which)
{
	for (size_t i = 0; i < NKEYS; i++) {
		const struct key *k = &keys[i];
		if (!(k->sections & in))
			continue;
		const char *fa = (const char *)a + k->offset, *fb = (const char *)b + k->offset;
		bool eq;
		switch (k->type) {
		case KT_STRING: case KT_COMMAND: case KT_PATH: case KT_URL:
			eq = str_eq(*(char *const *)fa, *(char *const *)fb);
			break;
		case KT_TAGS: case KT_HEADER: case KT_RULE:
			eq = strv_eq(*(char **const *)fa, *(char **const *)fb);
			break;
		case KT_BOOL:
			eq = *(const bool *)fa == *(const bool *)fb;
			break;
		default:
			eq = *(const int64_t *)fa == *(const int64_t *)fb;
		}
		if (!eq) {
			if (which)
				*which = k->name;
			return false;
		}
	}
	return true;
}

bool config_feed_equal(const struct feed_conf *a, const struct feed_conf *b, const char **which)
{
	if (!str_eq(a->name, b->name)) {
		if (which)
			*which = "name";
		return false;
	}
	return keys_equal(a, b, IN_FEED | IN_DEFAULTS, which);
}

bool config_daemon_equal(const struct daemon_conf *a, const struct daemon_conf *b, const char **which)
{
	return keys_equal(a, b, IN_DAEMON, which);
}
