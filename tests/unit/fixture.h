/* fixture.h — for C tests: spawns tests/integration/fixture_server.py
 * (python3, loopback, free port), talks to its control and log routes over
 * a blocking libcurl side channel. Header-only: each test includes it once.
 * server_start/server_stop are cmocka group setup/teardown functions. */
#ifndef FEEDD_TEST_FIXTURE_H
#define FEEDD_TEST_FIXTURE_H

#include <curl/curl.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static pid_t server_pid;
static int server_stdin = -1;
static int server_port;

static __attribute__((unused)) char *url(const char *path)
{
	static char buf[8][512];
	static int n;
	char *b = buf[n++ % 8];
	snprintf(b, sizeof buf[0], "http://127.0.0.1:%d%s", server_port, path);
	return b;
}

static __attribute__((unused)) int server_start(void **state)
{
	(void)state;
	const char *src = getenv("FEEDD_SOURCE_DIR");
	char script[1024];
	snprintf(script, sizeof script, "%s/tests/integration/fixture_server.py", src ? src : ".");
	int in[2], out[2];
	if (pipe(in) < 0 || pipe(out) < 0)
		return -1;
	server_pid = fork();
	if (server_pid < 0)
		return -1;
	if (server_pid == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		close(in[1]);
		close(out[0]);
		execlp("python3", "python3", script, (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	server_stdin = in[1];
	FILE *f = fdopen(out[0], "r");
	if (!f || fscanf(f, "%d", &server_port) != 1) {
		fprintf(stderr, "fixture server did not start (%s)\n", script);
		return -1;
	}
	fclose(f);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	return 0;
}

static __attribute__((unused)) int server_stop(void **state)
{
	(void)state;
	close(server_stdin);
	kill(server_pid, SIGTERM);
	waitpid(server_pid, NULL, 0);
	curl_global_cleanup();
	return 0;
}

/* --- a blocking side channel to the server (control and log) --- */

static __attribute__((unused)) size_t fixture_sink(char *p, size_t s, size_t n, void *ud)
{
	json_t **out = ud;
	size_t len = s * n;
	json_error_t e;
	/* the log is small; collect it whole */
	static char buf[1 << 20];
	static size_t used;
	if (!*out && used + len < sizeof buf) {
		memcpy(buf + used, p, len);
		used += len;
		buf[used] = '\0';
		json_t *j = json_loads(buf, 0, &e);
		if (j) {
			*out = j;
			used = 0;
		}
	}
	return len;
}

static __attribute__((unused)) json_t *side(const char *path, const char *post)
{
	json_t *out = NULL;
	CURL *c = curl_easy_init();
	curl_easy_setopt(c, CURLOPT_URL, url(path));
	curl_easy_setopt(c, CURLOPT_PROXY, "");
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, fixture_sink);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &out);
	if (post)
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, post);
	assert_int_equal(curl_easy_perform(c), CURLE_OK);
	curl_easy_cleanup(c);
	return out;
}

static __attribute__((unused)) void clear_log(void)
{
	side("/_log/clear", "");
}

/* The headers of the Nth request (0-based) whose path starts with PREFIX. */
static __attribute__((unused)) json_t *seen(json_t *log, const char *prefix, size_t nth)
{
	size_t i, k = 0;
	json_t *e;
	json_array_foreach(log, i, e) {
		const char *p = json_string_value(json_object_get(e, "path"));
		if (p && strncmp(p, prefix, strlen(prefix)) == 0 && k++ == nth)
			return json_object_get(e, "headers");
	}
	return NULL;
}

static __attribute__((unused)) size_t count(json_t *log, const char *prefix)
{
	size_t i, k = 0;
	json_t *e;
	json_array_foreach(log, i, e) {
		const char *p = json_string_value(json_object_get(e, "path"));
		if (p && strncmp(p, prefix, strlen(prefix)) == 0)
			k++;
	}
	return k;
}

static __attribute__((unused)) const char *hdr(json_t *headers, const char *name)
{
	return json_string_value(json_object_get(headers, name));
}

/* Request times (server clock, seconds) of requests whose path starts
 * with PREFIX, in order; returns how many (at most MAX). */
static __attribute__((unused)) size_t times_of(json_t *log, const char *prefix, double *out, size_t max)
{
	size_t i, k = 0;
	json_t *e;
	json_array_foreach(log, i, e) {
		const char *p = json_string_value(json_object_get(e, "path"));
		if (p && strncmp(p, prefix, strlen(prefix)) == 0 && k < max)
			out[k++] = json_real_value(json_object_get(e, "time"));
	}
	return k;
}

#endif
