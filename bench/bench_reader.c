/* bench_reader.c — a load client for the reader API (bench/reader.sh):
 * CLIENTS keep-alive TCP connections, each a thread sending one request
 * after the other with HTTP Basic credentials and reading each answer
 * whole (Content-Length, or to the last chunk of a chunked one), for
 * SECONDS; prints requests per second, the
 * p50/p99/max latency over every request, the errors, and, given the
 * daemon's PID, its CPU time (user+sys, /proc/PID/stat) per request —
 * the fairer figure on a shared machine.
 *
 * Usage: bench_reader HOST:PORT CREDENTIALS CLIENTS SECONDS TARGET [PID]
 *   CREDENTIALS is USER:PASSWORD (HTTP Basic, the Miniflux API) or
 *   auth=TOKEN ("Authorization: GoogleLogin auth=TOKEN", the Google
 *   Reader API's token from /accounts/ClientLogin).
 *   TARGET is the request's path and query, e.g.
 *   "/v1/entries?status=unread&limit=100". A "{k}" in it is replaced,
 *   request by request, by K0 + (n mod KMOD) * KSTEP, n counting the
 *   requests of all clients (environment BENCH_K0, BENCH_KMOD,
 *   BENCH_KSTEP; 0, 1, 100): a window that moves over the store, so that
 *   no answer is served twice in a row (a cache's cold figure). */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_CLIENTS 256

static struct sockaddr_in addr;
static char request[1024];
static char *req_head, *req_tail;          /* around "{k}", when present */
static long long k0, kmod = 1, kstep = 100;
static unsigned long long k_next;          /* atomic */
static double stop_at;

static double mono_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int dial(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	int one = 1;
	if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof addr) < 0) {
		perror("bench_reader: connect");
		exit(1);
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	return fd;
}

/* The answer's status once its head and Content-Length bytes are in;
 * -1 when the connection fails. BUF grows to fit. */
static int exchange(int fd, char **buf, size_t *cap)
{
	char moved[1100];
	const char *req = request;
	if (req_head) {
		unsigned long long n = __atomic_fetch_add(&k_next, 1, __ATOMIC_RELAXED);
		snprintf(moved, sizeof moved, "%s%lld%s", req_head,
			 k0 + (long long)(n % (unsigned long long)kmod) * kstep, req_tail);
		req = moved;
	}
	size_t len = strlen(req), have = 0, need = 0;
	bool chunked = false;
	if (send(fd, req, len, MSG_NOSIGNAL) != (ssize_t)len)
		return -1;
	for (;;) {
		if (*cap - have < 16384) {
			*cap = *cap * 2 + 65536;
			if (!(*buf = realloc(*buf, *cap)))
				return -1;
		}
		ssize_t n = recv(fd, *buf + have, *cap - have - 1, 0);
		if (n <= 0)
			return -1;
		have += (size_t)n;
		(*buf)[have] = '\0';
		if (!need) {
			char *end = strstr(*buf, "\r\n\r\n");
			if (!end)
				continue;
			const char *cl = strcasestr(*buf, "\r\nContent-Length:");
			need = (size_t)(end - *buf) + 4 + (cl ? strtoul(cl + 17, NULL, 10) : 0);
			/* A long answer comes chunked: read to its last chunk. */
			chunked = !cl && strcasestr(*buf, "\r\nTransfer-Encoding: chunked");
		}
		if (chunked) {
			if (have >= need + 5 && !memcmp(*buf + have - 5, "0\r\n\r\n", 5) &&
			    (have == need + 5 || (*buf)[have - 6] == '\n'))
				return atoi(*buf + 9);
			continue;
		}
		if (have >= need)
			return atoi(*buf + 9);
	}
}

struct client {
	pthread_t thread;
	double *lat;
	size_t n, cap;
	int errors;
};

static void *client_main(void *arg)
{
	struct client *c = arg;
	char *buf = NULL;
	size_t cap = 0;
	int fd = dial();
	while (mono_s() < stop_at) {
		double t0 = mono_s();
		int status = exchange(fd, &buf, &cap);
		double t = mono_s() - t0;
		if (status != 200) {
			c->errors++;
			close(fd);
			fd = dial();
			continue;
		}
		if (c->n == c->cap) {
			c->cap = c->cap ? c->cap * 2 : 8192;
			c->lat = realloc(c->lat, c->cap * sizeof *c->lat);
		}
		c->lat[c->n++] = t;
	}
	close(fd);
	free(buf);
	return NULL;
}

/* PID's CPU seconds, user and system (0 without /proc). */
static double proc_cpu_s(long pid)
{
	char path[64], line[1024];
	snprintf(path, sizeof path, "/proc/%ld/stat", pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return 0;
	size_t n = fread(line, 1, sizeof line - 1, f);
	fclose(f);
	line[n] = '\0';
	/* Fields after the command's closing parenthesis: utime is the 14th
	 * field of the line, stime the 15th. */
	const char *p = strrchr(line, ')');
	unsigned long long ut = 0, st = 0;
	if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu",
			 &ut, &st) != 2)
		return 0;
	return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

static int by_value(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static const char b64[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static void base64(const char *in, char *out)
{
	size_t n = strlen(in), o = 0;
	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)(unsigned char)in[i] << 16;
		if (i + 1 < n)
			v |= (uint32_t)(unsigned char)in[i + 1] << 8;
		if (i + 2 < n)
			v |= (unsigned char)in[i + 2];
		out[o++] = b64[v >> 18 & 63];
		out[o++] = b64[v >> 12 & 63];
		out[o++] = i + 1 < n ? b64[v >> 6 & 63] : '=';
		out[o++] = i + 2 < n ? b64[v & 63] : '=';
	}
	out[o] = '\0';
}

int main(int argc, char **argv)
{
	if (argc < 6) {
		fprintf(stderr, "usage: bench_reader HOST:PORT USER:PASSWORD|auth=TOKEN CLIENTS SECONDS "
			"TARGET [PID]\n");
		return 2;
	}
	char host[64];
	const char *colon = strrchr(argv[1], ':');
	if (!colon || (size_t)(colon - argv[1]) >= sizeof host)
		return fprintf(stderr, "bench_reader: HOST:PORT\n"), 2;
	memcpy(host, argv[1], (size_t)(colon - argv[1]));
	host[colon - argv[1]] = '\0';
	addr.sin_family = AF_INET;
	addr.sin_port = htons((uint16_t)atoi(colon + 1));
	if (inet_pton(AF_INET, host, &addr.sin_addr) != 1)
		return fprintf(stderr, "bench_reader: %s: not an IPv4 address\n", host), 2;
	char cred[512];
	if (strlen(argv[2]) > 300 || strlen(argv[5]) > 700)
		return fprintf(stderr, "bench_reader: credentials or target too long\n"), 2;
	base64(argv[2], cred);
	int nclients = atoi(argv[3]);
	if (nclients < 1 || nclients > MAX_CLIENTS)
		return fprintf(stderr, "bench_reader: 1 to %d clients\n", MAX_CLIENTS), 2;
	double seconds = atof(argv[4]);
	long pid = argc > 6 ? atol(argv[6]) : 0;
	if (strncmp(argv[2], "auth=", 5) == 0)
		snprintf(request, sizeof request, "GET %s HTTP/1.1\r\nHost: %s\r\n"
			 "Authorization: GoogleLogin %s\r\n\r\n", argv[5], argv[1], argv[2]);
	else
		snprintf(request, sizeof request, "GET %s HTTP/1.1\r\nHost: %s\r\n"
			 "Authorization: Basic %s\r\n\r\n", argv[5], argv[1], cred);
	char *kp = strstr(request, "{k}");
	if (kp) {
		*kp = 0;
		req_head = request;
		req_tail = kp + 3;
		if (getenv("BENCH_K0"))
			k0 = atoll(getenv("BENCH_K0"));
		if (getenv("BENCH_KMOD") && atoll(getenv("BENCH_KMOD")) > 0)
			kmod = atoll(getenv("BENCH_KMOD"));
		if (getenv("BENCH_KSTEP"))
			kstep = atoll(getenv("BENCH_KSTEP"));
	}

	static struct client cl[MAX_CLIENTS];
	double cpu0 = pid ? proc_cpu_s(pid) : 0, t0 = mono_s();
	stop_at = t0 + seconds;
	for (int i = 0; i < nclients; i++)
		pthread_create(&cl[i].thread, NULL, client_main, &cl[i]);
	size_t total = 0;
	int errors = 0;
	for (int i = 0; i < nclients; i++) {
		pthread_join(cl[i].thread, NULL);
		total += cl[i].n;
		errors += cl[i].errors;
	}
	double wall = mono_s() - t0, cpu = pid ? proc_cpu_s(pid) - cpu0 : 0;
	if (!total)
		return fprintf(stderr, "bench_reader: no answer (%d errors)\n", errors), 1;
	double *all = malloc(total * sizeof *all);
	size_t k = 0;
	for (int i = 0; i < nclients; i++) {
		memcpy(all + k, cl[i].lat, cl[i].n * sizeof *all);
		k += cl[i].n;
		free(cl[i].lat);
	}
	qsort(all, total, sizeof *all, by_value);
	double load[1] = {0};
	if (getloadavg(load, 1) < 1)
		load[0] = -1;
	printf("%d clients: %.0f req/s, p50 %.2f ms, p99 %.2f ms, max %.2f ms (%zu requests, "
	       "%d errors)", nclients, (double)total / wall, all[total / 2] * 1e3,
	       all[total * 99 / 100] * 1e3, all[total - 1] * 1e3, total, errors);
	if (pid)
		printf("; daemon %.3f ms CPU per request", cpu / (double)total * 1e3);
	printf("; load %.2f\n", load[0]);
	free(all);
	return 0;
}
