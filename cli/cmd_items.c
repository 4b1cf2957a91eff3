/* cmd_items.c — feedctl items, new and watch: reading the item stream. */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/feedctl.h"
#include "core/apireq.h"
#include "cli/fit.h"
#include "cli/newlock.h"
#include "cli/taken.h"

enum out_format { OUT_TABLE, OUT_JSON, OUT_NDJSON, OUT_TSV };

struct item_opts {
	struct strbuf filters;     /* "&feed=a&tag=b..." */
	const char *after;
	long limit;
	bool limit_given;          /* --limit was on the command line */
	enum out_format format;
	bool peek, from_now;
};

/* The filters first: OPT_FEED..OPT_STARRED are every listing's. */
enum { OPT_FEED = 256, OPT_TAG, OPT_SEARCH, OPT_SINCE, OPT_DISTINCT, OPT_SKIPPED, OPT_UNREAD,
       OPT_STARRED, OPT_AFTER, OPT_LIMIT,
       OPT_JSON, OPT_NDJSON, OPT_TSV, OPT_PEEK, OPT_FROM_NOW };

static const struct option item_longopts[] = {
	{"feed", required_argument, NULL, OPT_FEED},
	{"tag", required_argument, NULL, OPT_TAG},
	{"search", required_argument, NULL, OPT_SEARCH},
	{"since", required_argument, NULL, OPT_SINCE},
	{"distinct", no_argument, NULL, OPT_DISTINCT},
	{"skipped", no_argument, NULL, OPT_SKIPPED},
	{"unread", no_argument, NULL, OPT_UNREAD},
	{"starred", no_argument, NULL, OPT_STARRED},
	{"after", required_argument, NULL, OPT_AFTER},
	{"limit", required_argument, NULL, OPT_LIMIT},
	{"json", no_argument, NULL, OPT_JSON},
	{"ndjson", no_argument, NULL, OPT_NDJSON},
	{"tsv", no_argument, NULL, OPT_TSV},
	{"peek", no_argument, NULL, OPT_PEEK},
	{"from-now", no_argument, NULL, OPT_FROM_NOW},
	{"help", no_argument, NULL, 'h'},
	{0},
};

static int parse_item_opts_only(const struct command *c, int argc, char **argv,
				struct item_opts *o, const int *allowed);

static void add_param(struct strbuf *b, const char *name, const char *value)
{
	strbuf_printf(b, "&%s=", name);
	ctl_urlencode(b, value);
}

/* Parses the options shared by items, new and watch, and checks that NPOS
 * arguments follow. Returns -1 to go on, or an exit code (O is then
 * released). ALLOWED lists the option ids this command takes. */
static int parse_item_opts(const struct command *c, int argc, char **argv,
			   struct item_opts *o, const int *allowed, int npos)
{
	int code = parse_item_opts_only(c, argc, argv, o, allowed);
	if (code < 0 && argc - optind != npos) {
		ctl_usage_of(c, stderr);
		code = CTL_EXIT_USAGE;
	}
	if (code >= 0)
		free(o->filters.s);
	return code;
}

static int parse_item_opts_only(const struct command *c, int argc, char **argv,
				struct item_opts *o, const int *allowed)
{
	memset(o, 0, sizeof *o);
	o->limit = 100;
	strbuf_puts(&o->filters, "");
	int opt;
	while ((opt = getopt_long(argc, argv, "h", item_longopts, NULL)) != -1) {
		bool ok = opt == 'h' || (opt >= OPT_FEED && opt <= OPT_STARRED);
		for (const int *a = allowed; !ok && *a; a++)
			ok = *a == opt;
		if (!ok || opt == '?') {
			/* getopt named an unknown option; an option of another
			 * command is named here. */
			for (const struct option *l = item_longopts; opt != '?' && l->name; l++)
				if (l->val == opt)
					fprintf(stderr, "feedctl %s: --%s is not an option of %s\n",
						c->name, l->name, c->name);
			ctl_usage_of(c, stderr);
			return CTL_EXIT_USAGE;
		}
		switch (opt) {
		case 'h': ctl_usage_of(c, stdout); return CTL_EXIT_OK;
		case OPT_FEED: add_param(&o->filters, "feed", optarg); break;
		case OPT_TAG: add_param(&o->filters, "tag", optarg); break;
		case OPT_SEARCH: add_param(&o->filters, "q", optarg); break;
		case OPT_SINCE: add_param(&o->filters, "since", optarg); break;
		case OPT_DISTINCT: strbuf_puts(&o->filters, "&distinct=1"); break;
		case OPT_SKIPPED: strbuf_puts(&o->filters, "&skipped=1"); break;
		case OPT_UNREAD: strbuf_puts(&o->filters, "&status=unread"); break;
		case OPT_STARRED: strbuf_puts(&o->filters, "&starred=1"); break;
		case OPT_AFTER: {
			char *end;
			errno = 0;
			long long v = strtoll(optarg, &end, 10);
			if (errno || *end || v < 0) {
				fprintf(stderr, "feedctl: --after takes an item id\n");
				return CTL_EXIT_USAGE;
			}
			o->after = optarg;
			break;
		}
		case OPT_LIMIT: {
			char *end;
			o->limit = strtol(optarg, &end, 10);
			if (*end || o->limit < 1 || o->limit > 1000) {
				fprintf(stderr, "feedctl: --limit takes 1 to 1000\n");
				return CTL_EXIT_USAGE;
			}
			o->limit_given = true;
			break;
		}
		case OPT_JSON: o->format = OUT_JSON; break;
		case OPT_NDJSON: o->format = OUT_NDJSON; break;
		case OPT_TSV: o->format = OUT_TSV; break;
		case OPT_PEEK: o->peek = true; break;
		case OPT_FROM_NOW: o->from_now = true; break;
		}
	}
	return -1;
}

static const char *str(json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));
	return s ? s : "";
}

/* "2024-01-31T12:00:00Z" in local time, "2024-01-31 13:00". */
static void local_date(const char *rfc3339, char *buf, size_t len)
{
	struct tm tm;
	memset(&tm, 0, sizeof tm);
	if (!*rfc3339 || !strptime(rfc3339, "%Y-%m-%dT%H:%M:%SZ", &tm)) {
		snprintf(buf, len, "%-16s", "-");
		return;
	}
	time_t t = timegm(&tm);
	struct tm lt;
	localtime_r(&t, &lt);
	strftime(buf, len, "%Y-%m-%d %H:%M", &lt);
}

/* One line for a person: date, feed, title, link. Control characters in
 * feed text are shown as spaces, so that a title cannot drive the
 * terminal; the title is plain text (fit_plain). On a terminal of COLS
 * columns (0: no limit) the line fits: the title is cut first (down to 10
 * columns), then the link, then the link is left out; the feed name is cut
 * only on a terminal too narrow for the rest (under 30 columns, lines may
 * still be longer). An item a filter rule skipped (listed only with
 * --skipped) has "(skipped) " before its title. */
static void print_item_line(json_t *it, size_t cols)
{
	char date[32];
	/* The item's date (published, else updated, else first seen). */
	const char *d = str(it, "date");
	if (!*d)
		d = *str(it, "published") ? str(it, "published") : str(it, "first_seen");
	local_date(d, date, sizeof date);
	char *title = fit_plain(str(it, "title"));
	const char *t = *title ? title : "(untitled)";
	/* Listed with --skipped, an item a skip/keep rule dropped says so. */
	char *marked = NULL;
	if (json_is_true(json_object_get(it, "skipped")) &&
	    asprintf(&marked, "(skipped) %s", t) >= 0)
		t = marked;
	const char *feed = str(it, "feed"), *url = str(it, "url");
	size_t fw = fit_width(feed), tw = fit_width(t), uw = *url ? fit_width(url) : 0;
	size_t fmax = 0, tmax = 0, umax = 0;
	bool show_url = *url;
	if (cols && cols < 30)
		cols = 30;
	if (cols && 20 + fw + tw + (show_url ? 2 + uw : 0) > cols) {
		size_t tmin = tw < 10 ? tw : 10;
		size_t room = cols - 20;        /* for the feed and the rest */
		if (fw + tmin > room) {
			fmax = room > tmin ? room - tmin : room / 2;
			if (fw > fmax)
				fw = fmax;
		}
		size_t avail = room - fw;
		if (show_url && avail >= tmin + 2 + uw) {
			tmax = avail - 2 - uw;
		} else if (show_url && avail >= tmin + 2 + 10) {
			tmax = tmin;
			umax = avail - tmin - 2;
		} else {
			show_url = false;
			tmax = avail;
		}
		if (tmax >= tw)
			tmax = 0;               /* whole */
		else if (tmax < 1)
			tmax = 1;
	}
	if (ctl.color)
		printf("\033[2m%s\033[0m  \033[36m", date);
	else
		printf("%s  ", date);
	fit_put(stdout, feed, fmax);
	printf(ctl.color ? "\033[0m  \033[1m" : "  ");
	fit_put(stdout, t, tmax);
	if (ctl.color)
		printf("\033[0m");
	if (show_url) {
		printf("  ");
		fit_put(stdout, url, umax);
	}
	putchar('\n');
	free(marked);
	free(title);
}

static int print_items(json_t *answer, json_t *items, enum out_format f, const char *tsv)
{
	size_t i;
	json_t *it;
	switch (f) {
	case OUT_JSON:
		json_dumpf(answer, stdout, JSON_COMPACT);
		putchar('\n');
		break;
	case OUT_NDJSON:
		json_array_foreach(items, i, it) {
			json_dumpf(it, stdout, JSON_COMPACT);
			putchar('\n');
		}
		break;
	case OUT_TSV:
		fputs(tsv ? tsv : "", stdout);
		break;
	case OUT_TABLE: {
		size_t cols = fit_columns();
		json_array_foreach(items, i, it)
			print_item_line(it, cols);
		break;
	}
	}
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "feedctl: writing the output failed: %s\n", strerror(errno));
		return CTL_EXIT_LOCAL;
	}
	return 0;
}

static long long item_id(json_t *it)
{
	return json_integer_value(json_object_get(it, "id"));
}

/* TSV comes from the daemon (sfeed's format is its business): the same
 * range the JSON answer covered, [first id, last id]. */
static int fetch_tsv(const char *base, json_t *items, char **tsv)
{
	*tsv = NULL;
	size_t n = json_array_size(items);
	if (!n)
		return 0;
	long long lo = item_id(json_array_get(items, 0)), hi = item_id(json_array_get(items, n - 1));
	if (lo > hi) {
		long long t = lo;
		lo = hi;
		hi = t;
	}
	struct strbuf t = {0};
	strbuf_printf(&t, "%s&format=tsv&after=%lld&before=%lld&limit=1000", base, lo - 1, hi + 1);
	struct client_resp r;
	int code = ctl_call("GET", t.s, NULL, NULL, &r);
	free(t.s);
	if (code)
		return code;
	*tsv = r.body;
	r.body = NULL;
	client_resp_clear(&r);
	return 0;
}

/* The next page of BASE's items, after AFTER (no bound when negative): at
 * most 1000 (the API's page), and at most CAP - TOTAL when CAP is not
 * negative; *WANT how many were asked (a shorter page is the last). 0
 * with the answer in *A (the caller's) and its items in *ITEMS, *N of
 * them (*A NULL when there are none, or none were wanted; then *EMPTY_NEXT,
 * if not NULL, is an empty answer's next, left alone when none was asked),
 * or the exit code. */
static int get_page(const char *base, long cap, long total, long long after, json_t **a,
		    json_t **items, size_t *n, long *want, long long *empty_next)
{
	const long page_max = 1000;
	*want = cap < 0 || cap - total > page_max ? page_max : cap - total;
	*a = *items = NULL;
	*n = 0;
	if (*want <= 0)
		return 0;
	struct strbuf t = {0};
	strbuf_printf(&t, "%s&limit=%ld", base, *want);
	if (after >= 0)
		strbuf_printf(&t, "&after=%lld", after);
	int code = ctl_call("GET", t.s, NULL, a, NULL);
	free(t.s);
	*items = code ? NULL : json_object_get(*a, "items");
	*n = json_array_size(*items);
	if (!code && !*n) {
		if (empty_next)
			*empty_next = json_integer_value(json_object_get(*a, "next"));
		json_decref(*a);
		*a = NULL;
	}
	return code;
}

/* Appends the items of the page A to ALL (one JSON document at the end). */
static void gather(json_t *all, json_t *a)
{
	json_array_extend(json_object_get(all, "items"), json_object_get(a, "items"));
	json_object_set(all, "next", json_object_get(a, "next"));
}

int cmd_items(const struct command *c, int argc, char **argv)
{
	static const int allowed[] = {OPT_AFTER, OPT_LIMIT, OPT_JSON, OPT_NDJSON, OPT_TSV, 0};
	struct item_opts o;
	int code = parse_item_opts(c, argc, argv, &o, allowed, 0);
	if (code >= 0)
		return code;
	/* Every stored item (the API answers a page of at most 1000 at a
	 * time: the pages are followed), or with --limit N at most N. */
	long cap = o.limit_given ? o.limit : -1;
	long long after = o.after ? strtoll(o.after, NULL, 10) : 0;
	struct strbuf base = {0};
	strbuf_printf(&base, "/v1/items?%s", o.filters.s + (o.filters.len ? 1 : 0));
	/* --json is one document: the pages gathered. */
	json_t *all = o.format == OUT_JSON ? json_pack("{s:[],s:I}", "items", "next",
						       (json_int_t)after) : NULL;
	long total = 0;
	for (;;) {
		json_t *a, *items;
		size_t n;
		long want;
		if ((code = get_page(base.s, cap, total, after, &a, &items, &n, &want, NULL)) ||
		    !n)
			break;
		total += (long)n;
		after = item_id(json_array_get(items, n - 1));
		char *tsv = NULL;
		if (all)
			gather(all, a);
		else if (o.format == OUT_TSV)
			code = fetch_tsv(base.s, items, &tsv);
		if (!all && !code)
			code = print_items(a, items, o.format, tsv);
		free(tsv);
		json_decref(a);
		if (code || (long)n < want)
			break;
	}
	if (all && !code)
		code = print_items(all, json_object_get(all, "items"), OUT_JSON, NULL);
	json_decref(all);
	free(base.s);
	free(o.filters.s);
	return code;
}

/* What `new` printed up to id UPTO acknowledged (ACK's first LEN bytes
 * the consumer's ack path), once the reader of stdout has read it: 0 with
 * *GONE when it left some unread (nothing acknowledged), else 0 or the
 * exit code of the call. */
static int ack_taken(struct strbuf *ack, size_t len, long long upto, bool *gone)
{
	if ((*gone = taken_wait(STDOUT_FILENO) < 0))
		return 0;
	ack->len = len;
	strbuf_printf(ack, "%lld", upto);
	return ctl_call("POST", ack->s, NULL, NULL, NULL);
}

int cmd_new(const struct command *c, int argc, char **argv)
{
	static const int allowed[] = {OPT_LIMIT, OPT_JSON, OPT_NDJSON, OPT_TSV, OPT_PEEK,
				      OPT_FROM_NOW, 0};
	struct item_opts o;
	int code = parse_item_opts(c, argc, argv, &o, allowed, 1);
	if (code >= 0)
		return code;
	/* --limit N: at most N items in all (printed, then acknowledged up to
	 * the last one printed); without it, everything, a page at a time. */
	long cap = o.limit_given ? o.limit : -1;
	const char *name = argv[optind];
	if (!apireq_valid_name(name, true)) {
		fprintf(stderr, "feedctl new: \"%s\": %s\n", name, APIREQ_CONSUMER_NAME_RULE);
		free(o.filters.s);
		return CTL_EXIT_USAGE;
	}
	/* One run at a time acknowledges (--peek acknowledges nothing). */
	int lock = -1;
	if (!o.peek) {
		lock = newlock_take(ctl.socket, name, ctl.timeout_ms);
		if (lock == -ETIMEDOUT) {
			fprintf(stderr, "feedctl new: another feedctl new %s is still running after "
				"%d s (--timeout); nothing printed\n", name, ctl.timeout_ms / 1000);
			free(o.filters.s);
			return CTL_EXIT_LOCAL;
		}
	}
	struct strbuf base = {0};
	strbuf_puts(&base, "/v1/consumers/");
	ctl_urlencode(&base, name);
	struct strbuf ack = {0};
	strbuf_printf(&ack, "%s/ack?upto=", base.s);
	size_t ack_len = ack.len;
	strbuf_printf(&base, "/items?%s%s", o.filters.s + (o.filters.len ? 1 : 0),
		      o.from_now ? "&from_now=1" : "");
	/* --json is one document: the pages are gathered, printed once, and
	 * acknowledged once. */
	json_t *all = o.format == OUT_JSON ? json_pack("{s:[],s:n}", "items", "next") : NULL;
	long total = 0;
	long long after = -1;   /* the pages go on from the last id seen */
	long long cursor = 0;   /* an empty first answer's next: the cursor */
	bool gone = false;      /* the reader left output unread: no ack */
	for (;;) {
		json_t *a, *items;
		size_t n;
		long want;
		if ((code = get_page(base.s, cap, total, after, &a, &items, &n, &want, &cursor)) ||
		    !n)
			break;
		long long next = item_id(json_array_get(items, n - 1));
		total += (long)n;
		after = next;
		if (all) {
			gather(all, a);
			json_decref(a);
			if ((long)n < want)
				break;
			continue;
		}
		char *tsv = NULL;
		if (o.format == OUT_TSV && (code = fetch_tsv(base.s, items, &tsv))) {
			json_decref(a);
			break;
		}
		/* Output first; the cursor moves only once it is written, and
		 * read when it went to a pipe or a socket. */
		code = print_items(a, items, o.format, tsv);
		free(tsv);
		json_decref(a);
		if (code)
			break;
		if (!o.peek && ((code = ack_taken(&ack, ack_len, next, &gone)) || gone))
			break;
		if ((long)n < want)
			break;
	}
	/* Nothing new is a document too, {"items": [], "next": CURSOR}, for
	 * the reader (jq) that waits for one; the exit status says it. */
	if (all && !code && !total)
		json_object_set_new(all, "next", json_integer(cursor));
	if (all && !code) {
		code = print_items(all, json_object_get(all, "items"), OUT_JSON, NULL);
		if (!code && !o.peek && total)
			code = ack_taken(&ack, ack_len, after, &gone);
	}
	json_decref(all);
	free(base.s);
	free(ack.s);
	free(o.filters.s);
	if (lock >= 0)
		close(lock);
	/* As a write into a closed pipe ends (feedctl.c, on_sigpipe): quietly. */
	if (code || gone)
		return code;
	return total ? CTL_EXIT_OK : CTL_EXIT_NOTHING;
}

/* The newest item's id: where a watch starts. */
static int newest_id(const char *filters, long long *id)
{
	struct strbuf t = {0};
	strbuf_printf(&t, "/v1/items?order=desc&limit=1%s", filters);
	json_t *a = NULL;
	int code = ctl_call("GET", t.s, NULL, &a, NULL);
	free(t.s);
	if (code)
		return code;
	json_t *first = json_array_get(json_object_get(a, "items"), 0);
	*id = first ? item_id(first) : 0;
	json_decref(a);
	return 0;
}

int cmd_watch(const struct command *c, int argc, char **argv)
{
	static const int allowed[] = {OPT_AFTER, OPT_JSON, 0};
	struct item_opts o;
	int code = parse_item_opts(c, argc, argv, &o, allowed, 0);
	if (code >= 0)
		return code;
	enum out_format f = o.format == OUT_JSON ? OUT_NDJSON : OUT_TABLE;
	long long cursor = 0;
	if (o.after)
		cursor = strtoll(o.after, NULL, 10);
	else if ((code = newest_id(o.filters.s, &cursor))) {
		free(o.filters.s);
		return code;
	}
	const int wait_s = 60;
	int saved_timeout = ctl.timeout_ms;
	unsigned backoff = 0;
	bool said_down = false;
	for (;;) {
		struct strbuf t = {0};
		strbuf_printf(&t, "/v1/items?after=%lld&wait=%d&limit=1000%s", cursor, wait_s,
			      o.filters.s);
		struct client_resp r;
		int err = client_request(ctl.socket, "GET", t.s, NULL, 0,
					 wait_s * 1000 + saved_timeout, &r);
		free(t.s);
		if (err < 0) {
			/* The daemon restarted or is down: keep the cursor, retry. */
			if (!said_down)
				fprintf(stderr, "feedctl: feedd unreachable at %s (%s); retrying\n",
					ctl.socket, strerror(-err));
			said_down = true;
			backoff = backoff ? (backoff * 2 > 30 ? 30 : backoff * 2) : 1;
			sleep(backoff);
			continue;
		}
		if (said_down)
			fprintf(stderr, "feedctl: feedd is back; resuming after item %lld\n", cursor);
		said_down = false;
		backoff = 0;
		if (r.status != 200) {
			char buf[512];
			fprintf(stderr, "feedctl: %s\n", client_error_text(&r, buf, sizeof buf));
			client_resp_clear(&r);
			code = CTL_EXIT_API;
			break;
		}
		json_t *a = json_loads(r.body, 0, NULL);
		client_resp_clear(&r);
		json_t *items = json_object_get(a, "items");
		code = print_items(a, items, f, NULL);
		if (json_array_size(items))
			cursor = json_integer_value(json_object_get(a, "next"));
		json_decref(a);
		if (code)
			break;
	}
	free(o.filters.s);
	return code;
}
