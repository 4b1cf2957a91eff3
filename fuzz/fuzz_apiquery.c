/* fuzz_apiquery.c — the socket API's query execution: a request target
 * (any bytes after one of the item routes) through apireq_parse, then
 * apiquery_run against a real SQLite store made at start-up in a temporary
 * directory and filled with the test feeds of tests/data/feeds (so the
 * full-text search, tags, feeds, cursors and every format run on real
 * rows). No request may be a store error (the FTS query builder must turn
 * any text into a valid query), and a 200 in JSON must parse. */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/config.h"
#include "core/parse.h"
#include "daemon/apiquery.h"
#include "store/store.h"

#ifndef FEEDD_TEST_DATA_DIR
#define FEEDD_TEST_DATA_DIR "tests/data"
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct store *store;
static char dir[128];

static void rm_store_dir(const char *d)
{
	DIR *dd = opendir(d);
	if (!dd)
		return;
	struct dirent *e;
	char p[600];
	while ((e = readdir(dd))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(p, sizeof p, "%s/%s", d, e->d_name);
		unlink(p);
	}
	closedir(dd);
	rmdir(d);
}

static void cleanup(void)
{
	if (store)
		store_close(store);
	store = NULL;
	rm_store_dir(dir);
}

/* libFuzzer often leaves without running atexit (a finding, a timeout, the
 * end of -max_total_time): the stores of processes gone are removed here. */
static void rm_stale(const char *tmp)
{
	DIR *d = opendir(tmp);
	if (!d)
		return;
	struct dirent *e;
	while ((e = readdir(d))) {
		int pid;
		if (sscanf(e->d_name, "feedd-fuzz-apiquery-%d", &pid) == 1 && pid > 0 &&
		    kill(pid, 0) < 0 && errno == ESRCH) {
			char p[600];
			snprintf(p, sizeof p, "%s/%s", tmp, e->d_name);
			rm_store_dir(p);
		}
	}
	closedir(d);
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	char *buf = NULL;
	size_t cap = 0, n = 0, r;
	do {
		if (n == cap && !(buf = realloc(buf, cap = cap ? cap * 2 : 65536)))
			abort();
		r = fread(buf + n, 1, cap - n, f);
		n += r;
	} while (r);
	fclose(f);
	*len = n;
	return buf;
}

static void setup(void)
{
	const char *tmp = getenv("TMPDIR");
	tmp = tmp && *tmp ? tmp : "/tmp";
	rm_stale(tmp);
	snprintf(dir, sizeof dir, "%s/feedd-fuzz-apiquery-%d", tmp, (int)getpid());
	rm_store_dir(dir);
	if (mkdir(dir, 0700) < 0)
		abort();
	atexit(cleanup);
	const char conf[] =
		"[defaults]\nallow_private = yes\n"
		"[feed a]\nurl = http://127.0.0.1:9/a\ntags = news, tech\n"
		"[feed b]\nurl = http://127.0.0.1:9/b\ntags = news\n"
		"[feed c]\nurl = http://127.0.0.1:9/c\n";
	struct config *c = NULL;
	struct config_errors errs = { 0 };
	char *err = NULL;
	char path[300];
	snprintf(path, sizeof path, "%s/feedd.db", dir);
	if (config_parse_buffer("fuzz.conf", conf, sizeof conf - 1, &c, &errs) < 0 ||
	    store_open(path, NULL, &store, &err) < 0 || store_feeds_sync(store, c) < 0)
		abort();
	config_free(c);
	parse_global_init();
	/* Every test feed, committed to a, b and c in turn. */
	DIR *d = opendir(FEEDD_TEST_DATA_DIR "/feeds");
	if (!d)
		abort();
	const char *names[] = {"a", "b", "c"};
	size_t k = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.' || strstr(e->d_name, ".expected.json"))
			continue;
		snprintf(path, sizeof path, "%s/feeds/%s", FEEDD_TEST_DATA_DIR, e->d_name);
		size_t len;
		char *buf = slurp(path, &len);
		struct doc *doc = NULL;
		char *perr = NULL;
		struct parse_opts o = {.url = "http://127.0.0.1:9/feed"};
		if (buf && parse_buffer(&o, buf, len, &doc, &perr) == 0) {
			struct feed_state st = {.name = (char *)names[k % 3],
						.url = (char *)"http://127.0.0.1:9/feed",
						.last_status = 200};
			if (store_commit_fetch(store, &st, doc, 0, false, NULL) < 0)
				abort();
			k++;
		}
		doc_free(doc);
		free(perr);
		free(buf);
	}
	closedir(d);
	if (k == 0)
		abort();
	int64_t cursor;
	if (store_consumer_get(store, "c1", true, false, &cursor) < 0 ||
	    store_checkpoint(store) < 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!store)
		setup();
	/* The first byte picks the route, the rest is the query string. */
	static const char *const routes[] = {
		"/v1/items?", "/v1/feeds/a/items?", "/v1/consumers/c1/items?", "/v1/events?",
		"/v1/items?q=", "/v1/items?tag=", "",
	};
	if (size < 1)
		return 0;
	const char *route = routes[data[0] % (sizeof routes / sizeof routes[0])];
	size_t rl = strlen(route);
	char *target = malloc(rl + size);
	memcpy(target, route, rl);
	memcpy(target + rl, data + 1, size - 1);
	target[rl + size - 1] = '\0';
	struct apireq r;
	apireq_parse("GET", target, NULL, 0, &r);
	if (!r.status && (r.route == ROUTE_ITEMS || r.route == ROUTE_FEED_ITEMS ||
			  r.route == ROUTE_CONSUMER_ITEMS || r.route == ROUTE_EVENTS)) {
		struct api_answer a = { 0 };
		apiquery_run(store, &r, 1765000000, &a);
		if (a.status == 500 || a.status == 0 || a.body.oom)
			abort();
		if (a.status == 200 && (a.format == FMT_JSON || a.format == FMT_NDJSON)) {
			/* JSON: one document; NDJSON: one per line. */
			size_t flags = a.format == FMT_NDJSON ? JSON_DISABLE_EOF_CHECK : 0;
			if (a.format == FMT_JSON && !a.body.len)
				abort();
			const char *p = a.body.data, *end = p ? p + a.body.len : NULL;
			while (p && p < end) {
				json_error_t je;
				json_t *j = json_loadb(p, (size_t)(end - p), flags, &je);
				if (!j)
					abort();
				json_decref(j);
				if (a.format == FMT_JSON)
					break;
				p = memchr(p, '\n', (size_t)(end - p));
				if (p)
					p++;
			}
		}
		buf_free(&a.body);
	}
	apireq_free(&r);
	free(target);
	return 0;
}
