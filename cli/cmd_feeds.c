/* cmd_feeds.c — feedctl feeds, feed, status, refresh, reload, log-level. */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/feedctl.h"
#include "cli/fit.h"
#include "core/feedstate.h"
#include "core/log.h"

/* Options of the read-only commands: --json and --help, then between MINPOS
 * and MAXPOS arguments. Returns -1 to go on, or an exit code. */
int ctl_parse_opts(const struct command *c, int argc, char **argv, bool *json, int minpos,
		   int maxpos, const char *action, const char **action_arg)
{
	struct option longopts[] = {
		{"json", no_argument, NULL, 'j'},
		{"help", no_argument, NULL, 'h'},
		{0},
		{0},
	};
	if (action)
		longopts[2] = (struct option){action, required_argument, NULL, 'a'};
	*json = false;
	if (action_arg)
		*action_arg = NULL;
	int opt;
	while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if (opt == 'j') {
			*json = true;
		} else if (opt == 'a' && action_arg) {
			*action_arg = optarg;
		} else if (opt == 'h') {
			ctl_usage_of(c, stdout);
			return CTL_EXIT_OK;
		} else {
			ctl_usage_of(c, stderr);
			return CTL_EXIT_USAGE;
		}
	}
	if (argc - optind < minpos || argc - optind > maxpos) {
		ctl_usage_of(c, stderr);
		return CTL_EXIT_USAGE;
	}
	return -1;
}

int ctl_parse_json_opt(const struct command *c, int argc, char **argv, bool *json,
		       int minpos, int maxpos)
{
	return ctl_parse_opts(c, argc, argv, json, minpos, maxpos, NULL, NULL);
}

int ctl_finish_output(void)
{
	if (fflush(stdout) != 0 || ferror(stdout)) {
		perror("feedctl: writing the output failed");
		return CTL_EXIT_LOCAL;
	}
	return 0;
}

int ctl_dump_json(json_t *j)
{
	json_dumpf(j, stdout, JSON_INDENT(2));
	putchar('\n');
	return ctl_finish_output();
}

int ctl_call_json(const char *method, const char *target, bool json, json_t **out)
{
	*out = NULL;
	int code = ctl_call(method, target, NULL, out, NULL);
	if (code)
		return code;
	if (!json)
		return -1;
	code = ctl_dump_json(*out);
	json_decref(*out);
	*out = NULL;
	return code;
}

static const char *s_or(json_t *o, const char *k, const char *dflt)
{
	const char *s = json_string_value(json_object_get(o, k));
	return s && *s ? s : dflt;
}

/* "2024-01-31T12:00:00Z" as "5m ago" / "in 12m". */
static void relative(const char *rfc3339, char *buf, size_t len)
{
	struct tm tm;
	memset(&tm, 0, sizeof tm);
	if (!rfc3339 || !strptime(rfc3339, "%Y-%m-%dT%H:%M:%SZ", &tm)) {
		snprintf(buf, len, "-");
		return;
	}
	long long d = (long long)timegm(&tm) - (long long)time(NULL);
	long long a = d < 0 ? -d : d;
	if (a == 0) {
		snprintf(buf, len, "now");
		return;
	}
	char v[32];
	if (a < 90) snprintf(v, sizeof v, "%llds", a);
	else if (a < 5400) snprintf(v, sizeof v, "%lldm", a / 60);
	else if (a < 129600) snprintf(v, sizeof v, "%lldh", a / 3600);
	else snprintf(v, sizeof v, "%lldd", a / 86400);
	snprintf(buf, len, d < 0 ? "%s ago" : "in %s", v);
}


int cmd_feeds(const struct command *c, int argc, char **argv)
{
	bool json;
	int code = ctl_parse_json_opt(c, argc, argv, &json, 0, 0);
	if (code >= 0)
		return code;
	json_t *a;
	if ((code = ctl_call_json("GET", "/v1/feeds", json, &a)) >= 0)
		return code;
	json_t *feeds = json_object_get(a, "feeds");
	size_t w = 4, i;
	bool errors = false;
	json_t *f;
	json_array_foreach(feeds, i, f) {
		size_t l = fit_width(s_or(f, "name", ""));
		if (l > w)
			w = l;
		errors |= *s_or(f, "last_error", "") != '\0';
	}
	/* On a terminal each line fits its width: the last error is cut, and
	 * when the columns before it leave it less than 12, long names are
	 * cut too (to 8 at least). */
	size_t cols = fit_columns(), rest = 45 + (errors ? 12 : 0);
	if (cols && w + rest > cols)
		w = cols > rest + 8 ? cols - rest : 8;
	struct strbuf line = {0};
	fit_cell(&line, "NAME", w);
	strbuf_printf(&line, "  %-8s  %-10s  %-10s  %7s  %s", "STATE", "FETCHED", "NEXT", "ITEMS",
		      "LAST ERROR");
	fit_put(stdout, line.s, cols);
	putchar('\n');
	json_array_foreach(feeds, i, f) {
		char last[32], next[32];
		relative(json_string_value(json_object_get(f, "last_fetch")), last, sizeof last);
		relative(json_string_value(json_object_get(f, "next_due")), next, sizeof next);
		line.len = 0;
		fit_cell(&line, s_or(f, "name", "?"), w);
		strbuf_printf(&line, "  %-8s  %-10s  %-10s  %7lld  %s", feedstate_json(f), last, next,
			      json_integer_value(json_object_get(f, "items")),
			      s_or(f, "last_error", ""));
		fit_put(stdout, line.s, cols);
		putchar('\n');
	}
	free(line.s);
	json_decref(a);
	return ctl_finish_output();
}

/* key: value lines for a person, nested objects indented. */
static void print_object(json_t *o, int indent)
{
	const char *k;
	json_t *v;
	json_object_foreach(o, k, v) {
		printf("%*s%s:", indent, "", k);
		if (json_is_object(v)) {
			putchar('\n');
			print_object(v, indent + 2);
			continue;
		}
		if (json_is_string(v)) {
			/* A publisher's text (a title, an error it caused):
			 * control characters as spaces, so that it can neither
			 * drive the terminal nor forge a line. */
			putchar(' ');
			fit_put(stdout, json_string_value(v), 0);
			putchar('\n');
			continue;
		}
		char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
		printf(" %s\n", s ? s : "?");
		free(s);
	}
}

/* T as local ISO 8601 with the offset: "2026-12-06T16:07:45+01:00". */
void ctl_iso_local(time_t t, char *buf, size_t len)
{
	struct tm lt;
	char z[8];
	localtime_r(&t, &lt);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &lt);
	strftime(z, sizeof z, "%z", &lt);   /* "+0100" */
	size_t n = strlen(buf);
	if (strlen(z) == 5)
		snprintf(buf + n, len - n, "%.3s:%s", z, z + 3);
}

/* SECS as "2d 3h 4m 5s"; zero units are left out ("1h 4m"), 0 is "0s". */
static void duration(long long secs, char *buf, size_t len)
{
	static const struct { const char *u; long long s; } units[] = {
		{"d", 86400}, {"h", 3600}, {"m", 60}, {"s", 1},
	};
	size_t n = 0;
	buf[0] = '\0';
	if (secs < 0)
		secs = 0;
	for (size_t i = 0; i < 4 && n < len; i++) {
		long long v = secs / units[i].s;
		secs %= units[i].s;
		if (v || (i == 3 && n == 0))
			n += (size_t)snprintf(buf + n, len - n, "%s%lld%s", n ? " " : "", v, units[i].u);
	}
}

/* Replaces the epoch seconds at O.KEY by a local ISO 8601 string. */
static void time_field(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);
	if (!json_is_integer(v))
		return;
	char buf[40];
	ctl_iso_local((time_t)json_integer_value(v), buf, sizeof buf);
	json_object_set_new(o, key, json_string(buf));
}

/* Replaces the RFC 3339 UTC string at O.KEY by local ISO 8601. */
static void utc_field(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	struct tm tm;
	memset(&tm, 0, sizeof tm);
	if (!s || !strptime(s, "%Y-%m-%dT%H:%M:%SZ", &tm))
		return;
	char buf[40];
	ctl_iso_local(timegm(&tm), buf, sizeof buf);
	json_object_set_new(o, key, json_string(buf));
}

/* A feed for a person: its times in local ISO 8601, its durations and
 * due time with units; --json keeps the API's values. */
static void feed_for_people(json_t *a)
{
	static const char *const times[] = {"last_fetch", "last_success", "next_due"};
	for (size_t i = 0; i < sizeof times / sizeof times[0]; i++)
		utc_field(a, times[i]);
	static const char *const spans[] = {"interval", "min_interval", "max_interval",
					    "retention", "timeout"};
	json_t *conf = json_object_get(a, "config");
	char buf[64];
	for (size_t i = 0; i < sizeof spans / sizeof spans[0]; i++) {
		json_t *v = json_object_get(conf, spans[i]);
		if (!json_is_integer(v))
			continue;
		if (json_integer_value(v) == 0 && !strcmp(spans[i], "retention")) {
			json_object_set_new(conf, spans[i], json_string("0 (keep)"));
			continue;
		}
		duration(json_integer_value(v), buf, sizeof buf);
		json_object_set_new(conf, spans[i], json_string(buf));
	}
	/* The live state's milliseconds as durations, rounded up. */
	static const char *const ms[][2] = {{"due_in_ms", "due_in"}, {"held_for_ms", "held_for"}};
	json_t *live = json_object_get(a, "live");
	for (size_t i = 0; i < sizeof ms / sizeof ms[0]; i++) {
		json_t *v = json_object_get(live, ms[i][0]);
		if (!json_is_integer(v))
			continue;
		duration((json_integer_value(v) + 999) / 1000, buf, sizeof buf);
		json_object_del(live, ms[i][0]);
		json_object_set_new(live, ms[i][1], json_string(buf));
	}
}

int cmd_feed(const struct command *c, int argc, char **argv)
{
	bool json;
	int code = ctl_parse_json_opt(c, argc, argv, &json, 1, 1);
	if (code >= 0)
		return code;
	struct strbuf t = {0};
	strbuf_puts(&t, "/v1/feeds/");
	ctl_urlencode(&t, argv[optind]);
	json_t *a;
	code = ctl_call_json("GET", t.s, json, &a);
	free(t.s);
	if (code >= 0)
		return code;
	feed_for_people(a);
	print_object(a, 0);
	json_decref(a);
	return ctl_finish_output();
}

/* The status for a person: times in local ISO 8601, durations with units. */
static void status_for_people(json_t *a)
{
	time_field(a, "started");
	time_field(a, "store_as_of");
	time_field(json_object_get(a, "store"), "last_error_at");
	json_t *up = json_object_get(a, "uptime");
	if (json_is_integer(up)) {
		char buf[64];
		duration(json_integer_value(up), buf, sizeof buf);
		json_object_set_new(a, "uptime", json_string(buf));
	}
	size_t i;
	json_t *o;
	json_array_foreach(json_object_get(a, "instances"), i, o) {
		utc_field(o, "started");
		utc_field(o, "last_seen");
	}
}

/* Several instances on one PostgreSQL store: one line each, then the
 * feeds each one holds a lease on (fetching now). */
static void print_instances(json_t *inst)
{
	printf("instances:\n");
	size_t i;
	json_t *o;
	json_array_foreach(inst, i, o) {
		printf("  %s%s%s host %s pid %lld started %s last seen %s leases %lld\n",
		       s_or(o, "id", "?"), json_is_true(json_object_get(o, "self")) ? " (this one)" : "",
		       json_is_true(json_object_get(o, "stale")) ? " (stale: no heartbeat)" : "",
		       s_or(o, "host", "?"), json_integer_value(json_object_get(o, "pid")),
		       s_or(o, "started", "-"), s_or(o, "last_seen", "-"),
		       json_integer_value(json_object_get(o, "leases")));
		size_t j;
		json_t *f;
		json_array_foreach(json_object_get(o, "feeds"), j, f)
			printf("    %s\n", json_string_value(f) ? json_string_value(f) : "?");
	}
}

int cmd_status(const struct command *c, int argc, char **argv)
{
	bool json;
	int code = ctl_parse_json_opt(c, argc, argv, &json, 0, 0);
	if (code >= 0)
		return code;
	json_t *a;
	if ((code = ctl_call_json("GET", "/v1/status", json, &a)) >= 0)
		return code;
	status_for_people(a);
	json_t *inst = json_incref(json_object_get(a, "instances"));
	json_object_del(a, "instances");
	print_object(a, 0);
	if (inst)
		print_instances(inst);
	json_decref(inst);
	json_decref(a);
	return ctl_finish_output();
}

/* Queues NAME's refresh; with QUEUED (--json) its name goes there, with
 * QUIET (--wait: the result is printed later) nowhere, else a line on
 * stdout. */
static int refresh_one(const char *name, json_t *queued, bool quiet)
{
	struct strbuf t = {0};
	strbuf_puts(&t, "/v1/feeds/");
	ctl_urlencode(&t, name);
	strbuf_puts(&t, "/refresh");
	int code = ctl_call("POST", t.s, NULL, NULL, NULL);
	free(t.s);
	if (!code && queued)
		json_array_append_new(queued, json_string(name));
	else if (!code && !quiet)
		printf("%s: refresh queued\n", name);
	return code;
}

/* --wait. The daemon says nothing when a fetch ends, but each feed's state
 * does: a refresh has finished once the feed's counters.requests has grown
 * past what it was before the refresh was queued and its live state is no
 * longer queued or fetching (a refresh asked for during a fetch is
 * another fetch after it, and the state stays so until that ends). The
 * result is live.last_fetch, the last fetch's status, error and new items
 * together: the feed's last_status and its items above the newest id
 * before may come from different fetches when others refresh it too.
 * Only without it (an older daemon, another instance fetched) are the new
 * items those with an id above the newest id in the store before. */
struct waiting {
	const char *name;
	long long requests;        /* counters.requests before; -1: not waited for */
};

static long long requests_of(json_t *f)
{
	return json_integer_value(json_object_get(json_object_get(f, "counters"), "requests"));
}

/* F's live.last_fetch when it is a fetch after BEFORE requests, else NULL. */
static json_t *last_fetch_after(json_t *f, long long before)
{
	json_t *l = json_object_get(json_object_get(f, "live"), "last_fetch");
	return json_integer_value(json_object_get(l, "request")) > before ? l : NULL;
}

/* The feeds of the answer A by name (borrowed references). */
static json_t *feeds_by_name(json_t *a)
{
	json_t *by = json_object();
	size_t i;
	json_t *f;
	json_array_foreach(json_object_get(a, "feeds"), i, f)
		json_object_set(by, s_or(f, "name", ""), f);
	return by;
}

static int newest_item(long long *id)
{
	json_t *a = NULL;
	int code = ctl_call("GET", "/v1/items?order=desc&limit=1", NULL, &a, NULL);
	if (code)
		return code;
	*id = json_integer_value(json_object_get(json_array_get(json_object_get(a, "items"), 0),
						 "id"));
	json_decref(a);
	return 0;
}

/* A refresh does not override the publisher's Retry-After
 * (docs/fetching.md): F's is still running. */
static bool retry_after_holds(json_t *f)
{
	struct tm tm;
	memset(&tm, 0, sizeof tm);
	const char *due = json_string_value(json_object_get(f, "next_due"));
	return !strcmp(s_or(f, "next_reason", ""), "retry-after") && due &&
	       strptime(due, "%Y-%m-%dT%H:%M:%SZ", &tm) && timegm(&tm) > time(NULL);
}

/* NAME's items with an id above AFTER, counted a page at a time. */
static int count_new(const char *name, long long after, long long *n)
{
	*n = 0;
	for (;;) {
		struct strbuf t = {0};
		strbuf_printf(&t, "/v1/items?limit=1000&after=%lld&feed=", after);
		ctl_urlencode(&t, name);
		json_t *a = NULL;
		int code = ctl_call("GET", t.s, NULL, &a, NULL);
		free(t.s);
		if (code)
			return code;
		json_t *items = json_object_get(a, "items");
		size_t k = json_array_size(items);
		*n += (long long)k;
		after = json_integer_value(json_object_get(json_array_get(items, k ? k - 1 : 0), "id"));
		json_decref(a);
		if (k < 1000)
			return 0;
	}
}

/* Prints (or, with RESULTS, records) one finished refresh; F is the
 * fetch's record (live.last_fetch) or the feed's state, NULL when there
 * was no fetch to wait for: WHY says why. True when it worked. */
static bool refresh_result(const char *name, json_t *f, long long nnew, json_t *results,
			   const char *why)
{
	bool rec = f && json_object_get(f, "request");
	json_t *st = f ? json_object_get(f, rec ? "status" : "last_status") : NULL;
	long long status = json_integer_value(st);
	const char *err = f ? json_string_value(json_object_get(f, rec ? "error" : "last_error"))
			    : why;
	if (results) {
		json_array_append_new(results, json_pack("{s:s,s:b,s:O?,s:I,s:s?}", "feed", name,
							 "ok", !err, "status", status ? st : NULL,
							 "new_items", (json_int_t)nnew, "error", err));
		return !err;
	}
	printf("%s: %s", name, err ? "failed" : "ok");
	if (status)
		printf(", HTTP %lld", status);
	if (err)
		printf(": %s\n", err);
	else
		printf(", %lld new item%s\n", nnew, nnew == 1 ? "" : "s");
	fflush(stdout);
	return !err;
}

/* Polls /v1/feeds until every feed of W (N of them) has finished or
 * --timeout has passed; prints each result as it comes. Returns 0, or
 * CTL_EXIT_LOCAL when a fetch failed or did not finish (or FAILED says one
 * already did), or ctl_call's exit code. */
static int refresh_wait(struct waiting *w, size_t n, long long newest, json_t *results,
			bool failed)
{
	struct timespec t0, now;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	size_t left = 0;
	for (size_t i = 0; i < n; i++)
		left += w[i].requests >= 0;
	while (left) {
		json_t *a = NULL;
		int code = ctl_call("GET", "/v1/feeds", NULL, &a, NULL);
		if (code)
			return code;
		json_t *by = feeds_by_name(a);
		for (size_t i = 0; i < n; i++) {
			if (w[i].requests < 0)
				continue;
			json_t *f = json_object_get(by, w[i].name);
			const char *live = json_string_value(
				json_object_get(json_object_get(f, "live"), "state"));
			json_t *last = last_fetch_after(f, w[i].requests);
			if (!f || (requests_of(f) <= w[i].requests && !last) ||
			    (live && (!strcmp(live, "queued") || !strcmp(live, "fetching"))))
				continue;
			long long nnew = 0;
			if (last)
				nnew = json_integer_value(json_object_get(last, "new_items"));
			else if ((code = count_new(w[i].name, newest, &nnew)))
				break;
			failed |= !refresh_result(w[i].name, last ? last : f, nnew, results, NULL);
			w[i].requests = -1;
			left--;
		}
		json_decref(by);
		json_decref(a);
		if (code)
			return code;
		clock_gettime(CLOCK_MONOTONIC, &now);
		long long ms = (now.tv_sec - t0.tv_sec) * 1000LL + (now.tv_nsec - t0.tv_nsec) / 1000000;
		if (left && ms >= ctl.timeout_ms) {
			char late[64];
			snprintf(late, sizeof late, "not finished within %d s (--timeout)",
				 ctl.timeout_ms / 1000);
			for (size_t i = 0; i < n; i++)
				if (w[i].requests >= 0)
					refresh_result(w[i].name, NULL, 0, results, late);
			failed = true;
			break;
		}
		if (left)
			nanosleep(&(struct timespec){.tv_nsec = 200 * 1000 * 1000}, NULL);
	}
	return failed ? CTL_EXIT_LOCAL : 0;
}

/* --json: one document, {"queued": [names]} (with --wait also "results":
 * [{feed, ok, status, new_items, error}]), also when some failed. */
static int refresh_done(json_t *queued, json_t *results, int worst)
{
	int code = 0;
	if (queued) {
		json_t *doc = json_pack("{s:o}", "queued", queued);
		if (results)
			json_object_set_new(doc, "results", results);
		code = ctl_dump_json(doc);
		json_decref(doc);
	} else {
		code = ctl_finish_output();
	}
	return worst ? worst : code;
}

int cmd_refresh(const struct command *c, int argc, char **argv)
{
	static const struct option longopts[] = {
		{"json", no_argument, NULL, 'j'},
		{"wait", no_argument, NULL, 'w'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	bool json = false, wait = false;
	int opt, code;
	while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if (opt == 'j' || opt == 'w') {
			*(opt == 'j' ? &json : &wait) = true;
		} else {
			ctl_usage_of(c, opt == 'h' ? stdout : stderr);
			return opt == 'h' ? CTL_EXIT_OK : CTL_EXIT_USAGE;
		}
	}
	/* The feeds as they are: every name without a NAME, and with --wait
	 * each one's request count before its refresh. */
	json_t *a = NULL, *by = NULL;
	long long newest = 0;
	if ((optind == argc || wait) && (code = ctl_call("GET", "/v1/feeds", NULL, &a, NULL)))
		return code;
	if (wait && (code = newest_item(&newest))) {
		json_decref(a);
		return code;
	}
	size_t n = 0;
	struct waiting *w = calloc((size_t)argc + json_array_size(json_object_get(a, "feeds")),
				   sizeof *w);
	if (!w)
		abort();
	if (optind < argc) {
		for (int i = optind; i < argc; i++)
			w[n++].name = argv[i];
	} else {
		size_t i;
		json_t *f;
		/* Every feed it polls: not one removed, disabled (enabled =
		 * no: "does not poll it") or gone (a 410); those by name. */
		json_array_foreach(json_object_get(a, "feeds"), i, f) {
			const char *st = s_or(f, "state", "");
			if (!json_is_true(json_object_get(f, "removed")) && strcmp(st, "removed") &&
			    strcmp(st, "disabled") && strcmp(st, "gone"))
				w[n++].name = s_or(f, "name", "");
		}
	}
	by = a ? feeds_by_name(a) : NULL;
	int worst = 0;
	json_t *queued = json ? json_array() : NULL;
	json_t *results = wait && json ? json_array() : NULL;
	bool held = false;
	for (size_t i = 0; i < n; i++) {
		json_t *f = json_object_get(by, w[i].name);
		w[i].requests = wait && f ? requests_of(f) : -1;
		if ((code = refresh_one(w[i].name, queued, wait))) {
			worst = code;
			w[i].requests = -1;     /* unknown: named in the error */
		} else if (w[i].requests >= 0 && retry_after_holds(f)) {
			/* The daemon does not fetch it before then: no waiting. */
			char why[96];
			snprintf(why, sizeof why, "not fetched: the publisher's Retry-After holds "
				 "until %s", s_or(f, "next_due", "?"));
			refresh_result(w[i].name, NULL, 0, results, why);
			held = true;
			w[i].requests = -1;
		}
	}
	if (wait && (code = refresh_wait(w, n, newest, results, held)) && !worst)
		worst = code;
	json_decref(by);
	json_decref(a);
	free(w);
	return refresh_done(queued, results, worst);
}

int cmd_reload(const struct command *c, int argc, char **argv)
{
	bool json;
	int code = ctl_parse_json_opt(c, argc, argv, &json, 0, 0);
	if (code >= 0)
		return code;
	json_t *a;   /* {"reloaded": true, "feeds": N} */
	if ((code = ctl_call_json("POST", "/v1/reload", json, &a)) >= 0)
		return code;
	long long n = json_integer_value(json_object_get(a, "feeds"));
	printf("reloaded: %lld feed%s\n", n, n == 1 ? "" : "s");
	json_decref(a);
	return ctl_finish_output();
}

/* log-level: the level from /v1/status; log-level LEVEL sets it (until
 * the daemon restarts, or feeds.conf's log_level changes). */
int cmd_log_level(const struct command *c, int argc, char **argv)
{
	bool json;
	int code = ctl_parse_json_opt(c, argc, argv, &json, 0, 1);
	if (code >= 0)
		return code;
	json_t *a = NULL;
	if (optind == argc) {
		if ((code = ctl_call("GET", "/v1/status", NULL, &a, NULL)))
			return code;
		json_t *doc = json_pack("{s:s}", "log_level", s_or(a, "log_level", "info"));
		json_decref(a);
		if (json)
			code = ctl_dump_json(doc);
		else
			printf("%s\n", json_string_value(json_object_get(doc, "log_level")));
		json_decref(doc);
		return json ? code : ctl_finish_output();
	}
	if (log_level_from_name(argv[optind]) < 0) {
		fprintf(stderr, "feedctl: log-level takes " LOG_LEVEL_NAMES ", not \"%s\"\n",
			argv[optind]);
		return CTL_EXIT_USAGE;
	}
	struct strbuf t = {0};
	strbuf_puts(&t, "/v1/log-level?level=");
	ctl_urlencode(&t, argv[optind]);
	code = ctl_call_json("POST", t.s, json, &a);
	free(t.s);
	if (code >= 0)
		return code;
	printf("log level %s (was %s)\n", s_or(a, "log_level", "?"), s_or(a, "was", "?"));
	json_decref(a);
	return ctl_finish_output();
}
