/* bench_api.c — the socket API under load: requests per second and p50/p99
 * latency of GET /v1/items?limit=100 from 16 keep-alive clients on a large
 * store, and the wake-up latency of a long-poll when an item is stored.
 *
 * Each client asks for 100 items after a random id (its own rand_r
 * sequence), so consecutive requests share no answer and no page cache
 * trick helps; a client is a send and a recv loop into one reused buffer.
 * Both sides' CPU time per request is printed besides the wall figures:
 * on a shared machine the wall figures follow the load average.
 *
 * Usage: bench_api [ITEMS] [SECONDS]   (default 1000000 items, 5 s)
 * Builds its store in a temporary directory, removed at the end; with
 * BENCH_DIR=DIR the store is kept there and reused by the next run.
 * BENCH_FORMATS=json,atom,tsv measures each of those formats in turn
 * with 16 clients only (no single-client phase, no wake-up test), one
 * "format F: ..." line each, for bench/api_compare.sh. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>

#include "core/log.h"
#include "daemon/api.h"
#include "daemon/feedd.h"
#include "store/store.h"

#define CLIENTS 16
#define FEEDS 10000
#define WAKES 20

static char sock_path[128];
static struct feedd d;
static uv_async_t wake_async, stop_async;
static uv_sem_t committed;
static int64_t next_guid;
static double commit_done;  /* when the wake-up commit finished (loop thread) */
static int64_t bench_seconds = 5;
static int64_t nitems;
static const char *format = "json";   /* of the items requests */

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static struct doc *make_doc(int64_t first, int n)
{
	struct doc *doc = calloc(1, sizeof *doc);
	doc->format = DOC_RSS;
	doc->items = calloc((size_t)n, sizeof *doc->items);
	doc->nitems = doc->cap = (size_t)n;
	for (int i = 0; i < n; i++) {
		struct item *it = &doc->items[i];
		char buf[160];
		item_clear(it);
		snprintf(buf, sizeof buf, "g%" PRId64, first + i);
		it->guid = strdup(buf);
		snprintf(buf, sizeof buf, "https://example.org/post/%" PRId64, first + i);
		it->url = strdup(buf);
		snprintf(buf, sizeof buf, "Item number %" PRId64 " of the benchmark", first + i);
		it->title = strdup(buf);
		it->summary = strdup("<p>A short summary, like most feeds send, with a "
				     "<a href=\"https://example.org/\">link</a> in it.</p>");
		it->published = 1700000000 + first + i;
	}
	return doc;
}

static int commit(const char *feed, int64_t first, int n, struct store_news *news)
{
	struct feed_state st = { 0 };
	char url[64];
	snprintf(url, sizeof url, "https://example.org/%s.xml", feed);
	st.name = (char *)feed;
	st.url = url;
	st.last_status = 200;
	struct doc *doc = make_doc(first, n);
	int r = store_commit_fetch(d.store, &st, doc, 0, false, news);
	doc_free(doc);
	return r;
}

static int fill(int64_t items)
{
	int per = (int)(items / FEEDS > 0 ? items / FEEDS : 1);
	double t0 = now_s();
	for (int64_t f = 0; next_guid < items; f++) {
		char name[32];
		snprintf(name, sizeof name, "feed%05" PRId64, f % FEEDS);
		int n = (int)(items - next_guid < per ? items - next_guid : per);
		int r = commit(name, next_guid, n, NULL);
		if (r < 0)
			return r;
		next_guid += n;
	}
	double t = now_s() - t0;
	printf("store: %" PRId64 " items in %.1f s (%.0f items/s)\n", items, t, (double)items / t);
	return 0;
}

static void on_wake_async(uv_async_t *a)
{
	struct store_news news = { 0 };
	commit("feed00000", next_guid++, 1, &news);
	commit_done = now_s();
	api_wake(d.api, news.last_item_id, news.last_event_seq);
	store_news_clear(&news);
	uv_sem_post(&committed);
}

static void on_stop_async(uv_async_t *a)
{
	api_close(d.api);
	uv_close((uv_handle_t *)&wake_async, NULL);
	uv_close((uv_handle_t *)&stop_async, NULL);
}

static void loop_thread(void *arg)
{
	uv_run(d.loop, UV_RUN_DEFAULT);
}

/* --- clients --- */

static int connect_api(void)
{
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	strcpy(sa.sun_path, sock_path);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
		perror("connect");
		exit(1);
	}
	return fd;
}

/* One request, one Content-Length answer; returns the status. */
static int roundtrip(int fd, const char *req, char **buf, size_t *cap)
{
	size_t len = strlen(req);
	if (send(fd, req, len, MSG_NOSIGNAL) != (ssize_t)len)
		return -1;
	size_t have = 0;
	char *end = NULL;
	for (;;) {
		if (have + 65536 > *cap) {
			*cap = (have + 65536) * 2;
			*buf = realloc(*buf, *cap);
		}
		ssize_t n = recv(fd, *buf + have, *cap - have - 1, 0);
		if (n <= 0)
			return -1;
		have += (size_t)n;
		(*buf)[have] = '\0';
		if (!end && (end = strstr(*buf, "\r\n\r\n"))) {
			const char *cl = strstr(*buf, "Content-Length: ");
			size_t body = cl ? strtoul(cl + 16, NULL, 10) : 0;
			size_t total = (size_t)(end - *buf) + 4 + body;
			while (have < total) {
				if (total + 1 > *cap) {
					*cap = total + 1;
					*buf = realloc(*buf, *cap);
				}
				n = recv(fd, *buf + have, total - have, 0);
				if (n <= 0)
					return -1;
				have += (size_t)n;
			}
			return atoi(*buf + 9);
		}
	}
}

struct client {
	uv_thread_t thread;
	double *lat;
	size_t n, cap;
	unsigned seed;
	int errors;
};

static double deadline;

static void client_thread(void *arg)
{
	struct client *c = arg;
	int fd = connect_api();
	char *buf = NULL;
	size_t cap = 0;
	while (now_s() < deadline) {
		char req[128];
		int64_t after = (int64_t)(rand_r(&c->seed) % (unsigned)(nitems > 100 ? nitems - 100 : 1));
		snprintf(req, sizeof req, "GET /v1/items?after=%" PRId64 "&limit=100&format=%s HTTP/1.1\r\n"
			 "Host: feedd\r\n\r\n", after, format);
		double t0 = now_s();
		int st = roundtrip(fd, req, &buf, &cap);
		double t = now_s() - t0;
		if (st != 200) {
			c->errors++;
			close(fd);
			fd = connect_api();
			continue;
		}
		if (c->n == c->cap) {
			c->cap = c->cap ? c->cap * 2 : 4096;
			c->lat = realloc(c->lat, c->cap * sizeof *c->lat);
		}
		c->lat[c->n++] = t;
	}
	free(buf);
	close(fd);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double p50_ms, p99_ms;

static size_t bench_items(int nclients)
{
	struct client cl[CLIENTS] = { 0 };
	deadline = now_s() + (double)bench_seconds;
	double t0 = now_s();
	for (int i = 0; i < nclients; i++) {
		cl[i].seed = (unsigned)i * 7919u + 1;
		uv_thread_create(&cl[i].thread, client_thread, &cl[i]);
	}
	size_t total = 0;
	int errors = 0;
	for (int i = 0; i < nclients; i++) {
		uv_thread_join(&cl[i].thread);
		total += cl[i].n;
		errors += cl[i].errors;
	}
	double elapsed = now_s() - t0;
	double *all = malloc(total * sizeof *all);
	size_t k = 0;
	for (int i = 0; i < nclients; i++) {
		memcpy(all + k, cl[i].lat, cl[i].n * sizeof *all);
		k += cl[i].n;
		free(cl[i].lat);
	}
	qsort(all, total, sizeof *all, cmp_double);
	printf("GET /v1/items?limit=100, %2d clients, %" PRId64 " items: %.0f req/s, "
	       "p50 %.2f ms, p99 %.2f ms, max %.2f ms (%zu requests, %d errors)\n",
	       nclients, nitems, (double)total / elapsed, all[total / 2] * 1e3,
	       all[total * 99 / 100] * 1e3, all[total - 1] * 1e3, total, errors);
	p50_ms = all[total / 2] * 1e3;
	p99_ms = all[total * 99 / 100] * 1e3;
	free(all);
	return total;
}

static double sys_s(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

static double cpu_s(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 + sys_s();
}

/* One load phase: the clients run in a child process, so that this
 * process's CPU time (loop and workers) is the daemon side's alone. */
static double phase(int nclients)
{
	int fds[2];
	if (pipe(fds) < 0) {
		perror("pipe");
		exit(1);
	}
	fflush(stdout);
	double c0 = cpu_s(), s0 = sys_s(), t0 = now_s();
	pid_t pid = fork();
	if (pid == 0) {
		close(fds[0]);
		double cc = cpu_s();
		size_t n = bench_items(nclients);
		printf("  client side: %.3f ms CPU per request\n",
		       n ? (cpu_s() - cc) / (double)n * 1e3 : 0.0);
		fflush(stdout);
		double lat[2] = { p50_ms, p99_ms };
		if (write(fds[1], &n, sizeof n) != (ssize_t)sizeof n ||
		    write(fds[1], lat, sizeof lat) != (ssize_t)sizeof lat)
			_exit(1);
		_exit(0);
	}
	close(fds[1]);
	size_t n = 0;
	double lat[2] = { 0, 0 };
	if (read(fds[0], &n, sizeof n) != (ssize_t)sizeof n ||
	    read(fds[0], lat, sizeof lat) != (ssize_t)sizeof lat)
		n = 0;
	p50_ms = lat[0];
	p99_ms = lat[1];
	close(fds[0]);
	int status;
	waitpid(pid, &status, 0);
	double cpu = cpu_s() - c0, sys = sys_s() - s0, wall = now_s() - t0;
	double load[3] = { 0 };
	getloadavg(load, 3);
	printf("  daemon side: %.3f ms CPU per request (user+sys, of which sys %.3f), "
	       "%.0f%% of one core; load average %.2f\n", n ? cpu / (double)n * 1e3 : 0.0,
	       n ? sys / (double)n * 1e3 : 0.0, cpu / wall * 100, load[0]);
	return n ? cpu / (double)n * 1e3 : 0.0;
}

static void bench_wake(void)
{
	double lat[WAKES], from_commit[WAKES];
	char *buf = NULL;
	size_t cap = 0;
	/* The loop thread owns the store: the cursor to wait from is the
	 * newest id, which the status endpoint tells. */
	for (int i = 0; i < WAKES; i++) {
		int fd = connect_api();
		int st = roundtrip(fd, "GET /v1/status HTTP/1.1\r\nHost: feedd\r\n\r\n", &buf, &cap);
		const char *p = st == 200 ? strstr(buf, "\"last_id\":") : NULL;
		int64_t last = p ? strtoll(p + 10, NULL, 10) : 0;
		char req[128];
		snprintf(req, sizeof req, "GET /v1/items?after=%" PRId64 "&wait=30 HTTP/1.1\r\n"
			 "Host: feedd\r\n\r\n", last);
		send(fd, req, strlen(req), MSG_NOSIGNAL);
		usleep(50000);  /* parked by now */
		double t0 = now_s();
		uv_async_send(&wake_async);
		size_t have = 0;
		if (!buf || cap < 65536) {
			cap = 65536;
			buf = realloc(buf, cap);
		}
		ssize_t n = recv(fd, buf, cap - 1, 0);
		double t1 = now_s();
		uv_sem_wait(&committed);
		have = n > 0 ? (size_t)n : 0;
		buf[have] = '\0';
		if (strncmp(buf, "HTTP/1.1 200", 12) != 0)
			fprintf(stderr, "wake %d: unexpected answer\n", i);
		lat[i] = t1 - t0;
		from_commit[i] = t1 - commit_done;
		close(fd);
	}
	free(buf);
	qsort(lat, WAKES, sizeof *lat, cmp_double);
	qsort(from_commit, WAKES, sizeof *from_commit, cmp_double);
	printf("long-poll wake-up (%d runs): store+answer p50 %.2f ms, max %.2f ms; "
	       "commit-to-client p50 %.3f ms, max %.3f ms\n", WAKES, lat[WAKES / 2] * 1e3,
	       lat[WAKES - 1] * 1e3, from_commit[WAKES / 2] * 1e3, from_commit[WAKES - 1] * 1e3);
}

int main(int argc, char **argv)
{
	nitems = argc > 1 ? strtoll(argv[1], NULL, 10) : 1000000;
	if (argc > 2)
		bench_seconds = strtoll(argv[2], NULL, 10);
	char tmpdir[] = "/tmp/feedd-bench-api-XXXXXX";
	const char *keep = getenv("BENCH_DIR");
	const char *dir = keep;
	if (keep) {
		if (mkdir(keep, 0700) < 0 && errno != EEXIST) {
			perror(keep);
			return 1;
		}
	} else if (!(dir = mkdtemp(tmpdir))) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(sock_path, sizeof sock_path, "%s/feedd.sock", dir);
	char *err = NULL;
	uv_loop_t loop;
	uv_loop_init(&loop);
	d.loop = &loop;
	d.started = (int64_t)time(NULL);
	if (store_open(NULL, dir, &d.store, &err) < 0) {
		fprintf(stderr, "store: %s\n", err ? err : "?");
		return 1;
	}
	int64_t have = 0, ev = 0;
	store_last_ids(d.store, &have, &ev);
	next_guid = have;
	if (have < nitems && fill(nitems) < 0)
		return 1;
	nitems = next_guid;
	if (api_start(&d, sock_path, &d.api) < 0)
		return 1;
	uv_async_init(&loop, &wake_async, on_wake_async);
	uv_async_init(&loop, &stop_async, on_stop_async);
	uv_sem_init(&committed, 0);
	uv_thread_t lt;
	uv_thread_create(&lt, loop_thread, NULL);
	const char *formats = getenv("BENCH_FORMATS");
	if (formats) {
		char *list = strdup(formats), *save = NULL;
		for (char *f = strtok_r(list, ",", &save); f; f = strtok_r(NULL, ",", &save)) {
			format = f;
			double cpu = phase(CLIENTS);
			printf("format %s: daemon %.4f ms CPU per request, p50 %.3f ms, p99 %.3f ms\n",
			       f, cpu, p50_ms, p99_ms);
			fflush(stdout);
		}
		free(list);
	} else {
		phase(1);
		phase(CLIENTS);
		bench_wake();
	}
	uv_async_send(&stop_async);
	uv_thread_join(&lt);
	uv_loop_close(&loop);
	store_close(d.store);
	uv_sem_destroy(&committed);
	if (!keep) {
		char cmd[256];
		snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
		if (system(cmd) != 0)
			fprintf(stderr, "could not remove %s\n", dir);
	}
	return 0;
}
