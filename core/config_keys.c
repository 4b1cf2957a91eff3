/* config_keys.c — every key feeds.conf knows, as rows of one table, and
 * what reads the rows: setting a value (parse, range, error text),
 * the built-in defaults, inheritance from [defaults], freeing, comparing
 * two configurations, and the key list `feedd --help-config` prints (from
 * which docs/feeds.conf.5's key summary is generated, and checked by
 * integration.config_doc).
 *
 * A new key is one row here plus its field in core/config.h's structs
 * (and its paragraph in docs/feeds.conf.5).
 *
 * Ownership: what conf_key_set stores belongs to the target struct;
 * conf_keys_free releases it. */
#include "core/config_int.h"

#include <ctype.h>
#include <string.h>
#include <stdlib.h>

#include "core/cmdline.h"
#include "core/filter.h"
#include "core/log.h"
#include "core/netaddr.h"
#include "core/paths.h"
#include "core/url.h"
#include "core/storespec.h"

#define D(field) offsetof(struct daemon_conf, field)
#define F(field) offsetof(struct feed_conf, field)
#define DAY CONF_DAY
#define FEEDS (IN_FEED | IN_DEFAULTS)

static bool log_level_ok(const char *s) { return log_level_from_name(s) >= 0; }
/* "error" and "warn" are taken too. */
static const struct conf_enum log_levels = {.words = LOG_LEVEL_NAMES, .accept = log_level_ok};
static const struct conf_enum store_spec = {.check = storespec_problem, .secret = true};
static const struct conf_enum listen_addr = {.check = netaddr_listen_problem};
static const struct conf_enum group_name = {.check = paths_group_problem};
static const struct conf_enum proxy_url = {.check = url_proxy_problem, .secret = true};

const char conf_required[] = "required";

/* The one place to add a setting. Columns: name, type, sections, field,
 * min, max, default, allowed values, default as said when it is not the
 * number, doc line. */
const struct conf_key conf_keys[] = {
	{"socket", KT_PATH, IN_DAEMON, D(socket), 0, 0, 0, NULL,
	 "$RUNTIME_DIRECTORY/feedd.sock, else /run/feedd/feedd.sock",
	 "path of the API socket (--socket overrides it)"},
	{"socket_group", KT_STRING, IN_DAEMON, D(socket_group), 0, 0, 0, &group_name,
	 "the process's group", "group that owns the socket (mode 0660)"},
	{"reader_listen", KT_STRING, IN_DAEMON, D(reader_listen), 0, 0, 0, &listen_addr,
	 "off", "HOST:PORT of the reader API (Miniflux v1 subset); read at start only"},
	{"reader_auth", KT_PATH, IN_DAEMON, D(reader_auth), 0, 0, 0, NULL,
	 "none", "the reader API's credentials file (user:password, token:TOKEN lines)"},
	{"state_dir", KT_PATH, IN_DAEMON, D(state_dir), 0, 0, 0, NULL,
	 "$STATE_DIRECTORY, else /var/lib/feedd", "where the store lives (--state-dir overrides it)"},
	{"store", KT_STRING, IN_DAEMON, D(store), 0, 0, 0, &store_spec,
	 "sqlite", "sqlite, a path ending in .db, or a postgresql:// URI several instances share"},
	{"lease", KT_DURATION, IN_DAEMON, D(lease), 5, DAY, 0, NULL,
	 "5m", "how long a feed an instance starts fetching stays its own (shared store)"},
	{"max_fetches", KT_INT, IN_DAEMON, D(max_fetches), 1, 10000, CONF_DEFAULT_MAX_FETCHES,
	 NULL, NULL, "concurrent fetches, all hosts together"},
	{"per_host", KT_INT, IN_DAEMON, D(per_host), 1, 100, CONF_DEFAULT_PER_HOST,
	 NULL, NULL, "concurrent fetches to one host"},
	{"host_gap", KT_DURATION_MS, IN_DAEMON, D(host_gap), 0, 60000, CONF_DEFAULT_HOST_GAP_MS,
	 NULL, NULL, "minimum gap between requests to one host"},
	{"user_agent", KT_STRING, IN_DAEMON, D(user_agent), 0, 0, 0, NULL,
	 "feedd/VERSION (+project URL)", "the User-Agent sent with every request"},
	{"exec_jobs", KT_INT, IN_DAEMON, D(exec_jobs), 1, 256, CONF_DEFAULT_EXEC_JOBS,
	 NULL, NULL, "hook processes at a time"},
	{"exec_timeout", KT_DURATION, IN_DAEMON, D(exec_timeout), 1, DAY, CONF_DEFAULT_EXEC_TIMEOUT,
	 NULL, NULL, "how long a hook may run before SIGTERM, then SIGKILL"},
	{"exec_retry", KT_DURATION, IN_DAEMON, D(exec_retry), 1, DAY, CONF_DEFAULT_EXEC_RETRY,
	 NULL, NULL, "wait before a failed hook's first retry (doubles, up to 1h)"},
	{"log_level", KT_ENUM, IN_DAEMON, D(log_level), 0, 0, 0, &log_levels,
	 "info", "the lowest priority logged (--log-level and -v win over it)"},

	{"url", KT_URL, IN_FEED, F(url), 0, 0, 0, NULL,
	 conf_required, "the feed's address: http://, https:// or file:///PATH"},
	{"title", KT_STRING, IN_FEED, F(title), 0, 0, 0, NULL,
	 "the publisher's", "the feed's title for reader apps, instead of the publisher's"},
	{"interval", KT_DURATION, FEEDS, F(interval), 1, 30 * DAY, CONF_DEFAULT_INTERVAL,
	 NULL, NULL, "how often to poll before the server's hints"},
	{"min_interval", KT_DURATION, FEEDS, F(min_interval), 1, 30 * DAY, CONF_DEFAULT_MIN_INTERVAL,
	 NULL, NULL, "lower bound on the interval after hints and backoff"},
	{"max_interval", KT_DURATION, FEEDS, F(max_interval), 1, 90 * DAY, CONF_DEFAULT_MAX_INTERVAL,
	 NULL, NULL, "upper bound on the interval after hints and backoff"},
	{"retention", KT_DURATION, FEEDS, F(retention), 0, 100 * 365 * DAY, CONF_DEFAULT_RETENTION,
	 NULL, NULL, "items older than this leave the store (0 keeps them)"},
	{"max_items", KT_INT, FEEDS, F(max_items), 0, 10000000, 0,
	 NULL, NULL, "items kept per feed (0: no cap)"},
	{"timeout", KT_DURATION, FEEDS, F(timeout), 1, 3600, CONF_DEFAULT_TIMEOUT,
	 NULL, NULL, "total time for one fetch"},
	{"max_size", KT_SIZE, FEEDS, F(max_size), 1024, 1LL << 30, CONF_DEFAULT_MAX_SIZE,
	 NULL, NULL, "decompressed bytes per fetch; the items before the cap are kept"},
	{"tags", KT_TAGS, FEEDS, F(tags), 0, 0, 0, NULL,
	 "none", "comma-separated tags, lower-cased; the API filters by them"},
	{"enabled", KT_BOOL, FEEDS, F(enabled), 0, 0, 1,
	 NULL, NULL, "no keeps the feed's history but does not poll it"},
	{"allow_private", KT_BOOL, FEEDS, F(allow_private), 0, 0, 0,
	 NULL, NULL, "yes lets the feed reach loopback, private and internal addresses"},
	{"user_agent", KT_STRING, FEEDS, F(user_agent), 0, 0, 0, NULL,
	 "the daemon's", "the User-Agent for this feed"},
	{"header", KT_HEADER, FEEDS, F(headers), 0, 0, 0, NULL,
	 "none", "an extra request header \"Name: value\"; repeat for several"},
	{"auth_file", KT_PATH, FEEDS, F(auth_file), 0, 0, 0, NULL,
	 "none", "absolute path of a file holding user:password for basic auth"},
	{"proxy", KT_STRING, FEEDS, F(proxy), 0, 0, 0, &proxy_url,
	 "none", "a proxy URL (" URL_PROXY_SCHEMES "); without it none is used, "
	 "whatever the environment says"},
	{"exec", KT_COMMAND, FEEDS, F(exec), 0, 0, 0, NULL,
	 "none", "a command run once per new item, the item's JSON on stdin"},
	{"skip", KT_RULE, FEEDS, F(skip), 0, 0, 0, NULL,
	 "none", "FIELD ~ REGEX: drop the items that match; repeat for several"},
	{"keep", KT_RULE, FEEDS, F(keep), 0, 0, 0, NULL,
	 "none", "FIELD ~ REGEX: drop the items that match no keep rule"},
};
const size_t conf_nkeys = sizeof conf_keys / sizeof conf_keys[0];
_Static_assert(sizeof conf_keys / sizeof conf_keys[0] <= CONF_NKEYS_MAX,
	       "raise CONF_NKEYS_MAX (config_int.h): the loader keeps a mark per row");

/* A row's storage, as the type says. */
static bool is_str(enum key_type t)
{
	return t == KT_STRING || t == KT_COMMAND || t == KT_PATH || t == KT_URL || t == KT_ENUM;
}

static bool is_list(enum key_type t)
{
	return t == KT_TAGS || t == KT_HEADER || t == KT_RULE;
}

const struct conf_key *conf_key_find(const char *name, unsigned in)
{
	for (size_t i = 0; i < conf_nkeys; i++)
		if ((conf_keys[i].sections & in) && strcmp(conf_keys[i].name, name) == 0)
			return &conf_keys[i];
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

const char *conf_key_suggest(const char *name, unsigned in)
{
	const char *best = NULL;
	size_t bestd = 3;
	for (size_t i = 0; i < conf_nkeys; i++) {
		if (!(conf_keys[i].sections & in))
			continue;
		size_t d = edit_distance(name, conf_keys[i].name);
		if (d < bestd) {
			bestd = d;
			best = conf_keys[i].name;
		}
	}
	return best;
}

/* As the man page says them: "60s" rather than "1m", "500ms". */
static void fmt_seconds(int64_t s, char *buf, size_t len)
{
	if (s < 120)
		snprintf(buf, len, "%llds", (long long)s);
	else
		config_fmt_duration(s, buf, len);
}

static void fmt_ms(int64_t ms, char *buf, size_t len)
{
	if (ms && ms % 1000 == 0)
		fmt_seconds(ms / 1000, buf, len);
	else
		snprintf(buf, len, "%lldms", (long long)ms);
}

static void fmt_size(int64_t n, char *buf, size_t len)
{
	static const struct { int64_t mult; const char *unit; } units[] = {
		{1LL << 30, "G"}, {1LL << 20, "M"}, {1LL << 10, "k"},
	};
	for (size_t i = 0; i < 3; i++)
		if (n && n % units[i].mult == 0) {
			snprintf(buf, len, "%lld%s", (long long)(n / units[i].mult), units[i].unit);
			return;
		}
	snprintf(buf, len, "%lld", (long long)n);
}

/* Stores the string VALUE in the row's char * field. */
static const char *set_str(char *field, const char *value)
{
	free(*(char **)field);
	*(char **)field = strdup(value);
	return NULL;
}

static bool enum_ok(const struct conf_key *k, const char *value)
{
	if (k->values->accept)
		return k->values->accept(value);
	const char *words = k->values->words;
	size_t n = strlen(value);
	for (const char *w = words; n && (w = strstr(w, value)); w += n)
		if ((w == words || w[-1] == ' ') && (w[n] == ',' || !w[n]))
			return true;
	return false;
}

/* The number types: their parser and what a value that is not one gets. */
static const struct {
	int (*parse)(const char *s, int64_t *out);
	const char *bad;
} numbers[] = {
	[KT_DURATION] = {config_parse_duration,
			 "is not a duration (use a number with s, m, h, d or w: 90s, 15m, 2h, 1d)"},
	[KT_DURATION_MS] = {conf_parse_duration_ms, "is not a duration (use 500ms, 1s, 2m ...)"},
	[KT_SIZE] = {config_parse_size, "is not a size (use bytes or k, M, G: 512k, 16M)"},
	[KT_INT] = {conf_parse_int, "is not a whole number"},
};

const char *conf_key_set(const struct conf_key *k, void *target, const char *value,
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
		if (conf_has_ctl(value))
			return "contains control characters";
		if (k->values && k->values->check && (e = k->values->check(value, why, whylen)))
			return e;
		return set_str(field, value);
	case KT_ENUM:
		if (!enum_ok(k, value)) {
			snprintf(why, whylen, "is not one of %s", k->values->words);
			return why;
		}
		return set_str(field, value);
	case KT_COMMAND: {
		if (!*value)
			return "is empty";
		if (conf_has_ctl(value))
			return "contains control characters";
		char **argv;
		if (cmdline_split(value, NULL, &argv, why, whylen) < 0)
			return why;
		cmdline_free(argv);
		return set_str(field, value);
	}
	case KT_URL:
		if ((e = url_problem(value, true, why, whylen)))
			return e;
		return set_str(field, value);
	case KT_DURATION:
	case KT_DURATION_MS:
	case KT_SIZE:
	case KT_INT:
		if (numbers[k->type].parse(value, &n) < 0)
			return numbers[k->type].bad;
		break;
	case KT_BOOL:
		if (conf_parse_bool(value, (bool *)field) < 0)
			return "is not yes or no";
		return NULL;
	case KT_TAGS: {
		char **tags = NULL;
		if ((e = conf_parse_tags(value, &tags)))
			return e;
		config_strv_free(*(char ***)field);
		*(char ***)field = tags;
		return NULL;
	}
	case KT_HEADER: {
		const char *colon = strchr(value, ':');
		if (!colon || colon == value || conf_has_ctl(value))
			return "must be \"Name: value\"";
		for (const char *c = value; c < colon; c++)
			if (!isalnum((unsigned char)*c) && *c != '-' && *c != '_')
				return "has an invalid header name";
		if (conf_strv_push((char ***)field, value) < 0)
			return "too many headers";
		return NULL;
	}
	case KT_RULE:
		if (filter_rule_check(value, why, whylen) < 0)
			return why;
		if (conf_strv_push((char ***)field, value) < 0)
			return "too many rules";
		return NULL;
	default:
		return "has an unknown type";
	}
	if (n < k->min || (k->max && n > k->max)) {
		char lo[32], hi[32];
		if (k->type == KT_DURATION) {
			config_fmt_duration(k->min, lo, sizeof lo);
			config_fmt_duration(k->max, hi, sizeof hi);
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

void conf_keys_defaults(void *target, unsigned in)
{
	for (size_t i = 0; i < conf_nkeys; i++) {
		const struct conf_key *k = &conf_keys[i];
		if (!(k->sections & in) || is_str(k->type) || is_list(k->type))
			continue;
		char *field = (char *)target + k->offset;
		if (k->type == KT_BOOL)
			*(bool *)field = k->def != 0;
		else
			*(int64_t *)field = k->def;
	}
}

void conf_keys_inherit(struct feed_conf *f, const unsigned char *set, const struct feed_conf *def)
{
	for (size_t i = 0; i < conf_nkeys; i++) {
		const struct conf_key *k = &conf_keys[i];
		if (!(k->sections & IN_DEFAULTS) || set[i])
			continue;
		char *dst = (char *)f + k->offset;
		const char *src = (const char *)def + k->offset;
		if (is_str(k->type)) {
			const char *s = *(char *const *)src;
			*(char **)dst = s ? strdup(s) : NULL;
		} else if (is_list(k->type)) {
			*(char ***)dst = conf_strv_dup(*(char **const *)src);
		} else if (k->type == KT_BOOL) {
			*(bool *)dst = *(const bool *)src;
		} else {
			*(int64_t *)dst = *(const int64_t *)src;
		}
	}
	if (!f->tags)
		f->tags = calloc(1, sizeof(char *));
}

void conf_keys_free(void *target, unsigned in)
{
	for (size_t i = 0; i < conf_nkeys; i++) {
		const struct conf_key *k = &conf_keys[i];
		if (!(k->sections & in))
			continue;
		char *field = (char *)target + k->offset;
		if (is_str(k->type)) {
			free(*(char **)field);
			*(char **)field = NULL;
		} else if (is_list(k->type)) {
			config_strv_free(*(char ***)field);
			*(char ***)field = NULL;
		}
	}
}

/* --- comparing two parsed configurations (feeds.conf edits check theirs) --- */

static bool str_eq(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

bool config_strv_equal(char **a, char **b)
{
	size_t n = conf_strv_len(a);
	if (n != conf_strv_len(b))
		return false;
	for (size_t i = 0; i < n; i++)
		if (strcmp(a[i], b[i]) != 0)
			return false;
	return true;
}

/* Every row that lives in a section of kind IN, compared by type: a key
 * added to the table is compared without a change here. */
static bool keys_equal(const void *a, const void *b, unsigned in, const char **which)
{
	for (size_t i = 0; i < conf_nkeys; i++) {
		const struct conf_key *k = &conf_keys[i];
		if (!(k->sections & in))
			continue;
		const char *fa = (const char *)a + k->offset, *fb = (const char *)b + k->offset;
		bool eq;
		if (is_str(k->type))
			eq = str_eq(*(char *const *)fa, *(char *const *)fb);
		else if (is_list(k->type))
			eq = config_strv_equal(*(char **const *)fa, *(char **const *)fb);
		else if (k->type == KT_BOOL)
			eq = *(const bool *)fa == *(const bool *)fb;
		else
			eq = *(const int64_t *)fa == *(const int64_t *)fb;
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

/* --- the key list (feedd --help-config) --- */

static const char *const type_names[] = {
	[KT_STRING] = "string", [KT_COMMAND] = "command", [KT_PATH] = "path",
	[KT_URL] = "url", [KT_ENUM] = "word", [KT_DURATION] = "duration",
	[KT_DURATION_MS] = "duration", [KT_INT] = "integer", [KT_SIZE] = "size",
	[KT_BOOL] = "yes/no", [KT_TAGS] = "list", [KT_HEADER] = "header, repeatable",
	[KT_RULE] = "filter rule, repeatable",
};

static void fmt_number(const struct conf_key *k, int64_t n, char *buf, size_t len)
{
	if (k->type == KT_DURATION)
		fmt_seconds(n, buf, len);
	else if (k->type == KT_DURATION_MS)
		fmt_ms(n, buf, len);
	else if (k->type == KT_SIZE)
		fmt_size(n, buf, len);
	else
		snprintf(buf, len, "%lld", (long long)n);
}

/* "integer, 1 to 10000, default 64": the row's type, range and default. */
static void describe(const struct conf_key *k, char *buf, size_t len)
{
	char lo[32], hi[32], def[128];
	const char *t = type_names[k->type];
	if (k->def_text)
		snprintf(def, sizeof def, "%s", k->def_text);
	else if (k->type == KT_BOOL)
		snprintf(def, sizeof def, "%s", k->def ? "yes" : "no");
	else
		fmt_number(k, k->def, def, sizeof def);
	if (k->def_text == conf_required) {
		snprintf(buf, len, "%s, required", t);
	} else if (k->type == KT_ENUM) {
		snprintf(buf, len, "one of %s; default %s", k->values->words, def);
	} else if (k->min || k->max) {
		fmt_number(k, k->min, lo, sizeof lo);
		fmt_number(k, k->max, hi, sizeof hi);
		snprintf(buf, len, "%s, %s to %s, default %s", t, lo, hi, def);
	} else {
		snprintf(buf, len, "%s, default %s", t, def);
	}
}

void config_keys_help(FILE *out)
{
	static const struct { unsigned in; const char *title; } groups[] = {
		{IN_DAEMON, "[daemon]"},
		{IN_FEED, "[feed NAME] only"},
		{IN_FEED | IN_DEFAULTS, "[defaults] and [feed NAME]"},
	};
	for (size_t g = 0; g < sizeof groups / sizeof groups[0]; g++) {
		fprintf(out, "%s%s\n", g ? "\n" : "", groups[g].title);
		for (size_t i = 0; i < conf_nkeys; i++) {
			const struct conf_key *k = &conf_keys[i];
			if (k->sections != groups[g].in)
				continue;
			char line[512];
			describe(k, line, sizeof line);
			fprintf(out, "  %-14s %s\n  %-14s %s\n", k->name, line, "", k->doc);
		}
	}
}
