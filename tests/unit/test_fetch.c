/* test_fetch.c — daemon/fetch.c on a real uv loop against the loopback
 * fixture server (tests/integration/fixture_server.py): what the server saw
 * and what the fetcher reported. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <curl/curl.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "daemon/fetch.h"
#include "fixture.h"

/* --- running fetches --- */

struct run {
	bool done;
	int abort_after;          /* on_body returns -1 after this many calls */
	int body_calls, head_calls;
	enum fetch_error error;
	char *msg;
	int status;
	char *etag, *last_modified, *cache_control, *expires, *retry_after, *date;
	char *content_type, *final_url, *moved_url;
	int hops[8];
	size_t nhops;
	bool conditional;
	int64_t bytes_wire, bytes_decoded;
	char *body;
	size_t len;
};

static char *dup0(const char *s)
{
	return s ? strdup(s) : NULL;
}

static void run_free(struct run *r)
{
	free(r->msg);
	free(r->etag);
	free(r->last_modified);
	free(r->cache_control);
	free(r->expires);
	free(r->retry_after);
	free(r->date);
	free(r->content_type);
	free(r->final_url);
	free(r->moved_url);
	free(r->body);
	memset(r, 0, sizeof *r);
}

static int on_head(void *ud, const struct fetch_result *res)
{
	struct run *r = ud;
	r->head_calls++;
	assert_true(res->status >= 200 && res->status < 300);
	return 0;
}

static int on_body(void *ud, const char *buf, size_t len)
{
	struct run *r = ud;
	if (r->abort_after && r->body_calls >= r->abort_after)
		return -1;
	r->body_calls++;
	r->body = realloc(r->body, r->len + len + 1);
	memcpy(r->body + r->len, buf, len);
	r->len += len;
	r->body[r->len] = '\0';
	return 0;
}

static void on_done(void *ud, const struct fetch_result *res)
{
	struct run *r = ud;
	assert_false(r->done);
	r->done = true;
	r->error = res->error;
	r->msg = dup0(res->error_msg);
	r->status = res->status;
	r->etag = dup0(res->etag);
	r->last_modified = dup0(res->last_modified);
	r->cache_control = dup0(res->cache_control);
	r->expires = dup0(res->expires);
	r->retry_after = dup0(res->retry_after);
	r->date = dup0(res->date);
	r->content_type = dup0(res->content_type);
	r->final_url = dup0(res->url);
	r->moved_url = dup0(res->moved_url);
	r->conditional = res->conditional;
	r->bytes_wire = res->bytes_wire;
	r->bytes_decoded = res->bytes_decoded;
	r->nhops = res->nhops;
	for (size_t i = 0; i < res->nhops && i < 8; i++)
		r->hops[i] = res->hops[i].status;
}

static const struct fetch_callbacks cbs = { on_head, on_body, on_done };

/* Runs the fetches REQS[0..N) concurrently on a fresh loop and fetcher, and
 * tears everything down (the loop must close cleanly). */
static void run_many(const struct fetch_request *reqs, struct run *runs, size_t n)
{
	uv_loop_t loop;
	struct fetcher *f;
	assert_int_equal(uv_loop_init(&loop), 0);
	assert_int_equal(fetcher_init(&loop, &f), 0);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(fetch_start(f, &reqs[i], &cbs, &runs[i], NULL), 0);
	assert_int_equal(fetcher_active(f), n);
	for (;;) {
		size_t done = 0;
		for (size_t i = 0; i < n; i++)
			done += runs[i].done;
		if (done == n)
			break;
		uv_run(&loop, UV_RUN_ONCE);
	}
	assert_int_equal(fetcher_active(f), 0);
	fetcher_close(f);
	uv_run(&loop, UV_RUN_DEFAULT);
	assert_int_equal(uv_loop_close(&loop), 0);
}

static void run1(const struct fetch_request *req, struct run *r)
{
	run_many(req, r, 1);
}

static struct fetch_request local(const char *path)
{
	struct fetch_request req = { .url = url(path), .allow_private = true, .timeout = 20 };
	return req;
}

/* --- tests --- */

static void test_conditional(void **state)
{
	(void)state;
	clear_log();
	struct run r = { 0 };
	struct fetch_request req = local("/static");
	run1(&req, &r);
	assert_int_equal(r.error, FETCH_OK);
	assert_int_equal(r.status, 200);
	assert_false(r.conditional);
	assert_string_equal(r.etag, "\"static-v1\"");
	assert_string_equal(r.last_modified, "Mon, 06 Nov 2023 08:49:37 GMT");
	assert_non_null(strstr(r.body, "static two"));
	assert_int_equal(r.head_calls, 1);
	assert_true(r.bytes_wire > (int64_t)r.len);
	assert_int_equal(r.bytes_decoded, (int64_t)r.len);

	/* the validators go back byte for byte, and the 304 carries no body */
	struct run r2 = { 0 };
	req.etag = r.etag;
	req.last_modified = r.last_modified;
	run1(&req, &r2);
	assert_int_equal(r2.error, FETCH_OK);
	assert_int_equal(r2.status, 304);
	assert_true(r2.conditional);
	assert_int_equal(r2.body_calls, 0);
	assert_int_equal(r2.head_calls, 0);
	assert_string_equal(r2.etag, "\"static-v1\"");

	/* an odd weak ETag with spaces survives untouched */
	struct run r3 = { 0 };
	struct fetch_request odd = local("/static?etag=W/%22a%20b%22");
	odd.etag = "W/\"a b\"";
	run1(&odd, &r3);
	assert_int_equal(r3.status, 304);

	json_t *log = side("/_log", NULL);
	assert_int_equal(count(log, "/static"), 3);
	json_t *h0 = seen(log, "/static", 0), *h1 = seen(log, "/static", 1),
	       *h2 = seen(log, "/static", 2);
	assert_null(hdr(h0, "if-none-match"));
	assert_null(hdr(h0, "if-modified-since"));
	assert_string_equal(hdr(h1, "if-none-match"), "\"static-v1\"");
	assert_string_equal(hdr(h1, "if-modified-since"), "Mon, 06 Nov 2023 08:49:37 GMT");
	assert_string_equal(hdr(h2, "if-none-match"), "W/\"a b\"");
	/* manners: a real User-Agent, every encoding, no cookies or referrer */
	assert_string_equal(hdr(h0, "user-agent"), fetch_default_user_agent());
	assert_true(strncmp(hdr(h0, "user-agent"), "feedd/", 6) == 0);
	assert_non_null(strstr(hdr(h0, "accept-encoding"), "gzip"));
	assert_non_null(strstr(hdr(h0, "accept-encoding"), "deflate"));
	assert_non_null(strstr(hdr(h0, "accept"), "application/rss+xml"));
	assert_null(hdr(h0, "cookie"));
	assert_null(hdr(h0, "referer"));
	assert_null(hdr(h0, "if-range"));
	json_decref(log);
	run_free(&r);
	run_free(&r2);
	run_free(&r3);
}

static void test_encodings(void **state)
{
	(void)state;
	struct fetch_request reqs[2] = { local("/gzip"), local("/deflate") };
	struct run r[2] = { 0 };
	run_many(reqs, r, 2);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(r[i].error, FETCH_OK);
		assert_int_equal(r[i].status, 200);
		assert_non_null(strstr(r[i].body, "<title>static two</title>"));
		assert_int_equal(r[i].bytes_decoded, (int64_t)r[i].len);
		run_free(&r[i]);
	}
}

static void test_size_cap(void **state)
{
	(void)state;
	/* plain body, and a gzip bomb of 64 MiB of zeros: the cap counts
	 * decoded bytes, and the transfer stops near it */
	struct fetch_request reqs[3] = { local("/big?size=300000"), local("/bomb"),
					 local("/big?size=300000") };
	reqs[0].max_size = 100000;
	reqs[1].max_size = 1 << 20;
	reqs[2].max_size = 400000;
	struct run r[3] = { 0 };
	run_many(reqs, r, 3);
	assert_int_equal(r[0].error, FETCH_ERR_TOO_BIG);
	assert_non_null(strstr(r[0].msg, "max_size"));
	/* every byte up to the cap reaches on_body, none past it */
	assert_int_equal(r[0].len, 100000);
	assert_int_equal(r[1].error, FETCH_ERR_TOO_BIG);
	assert_true(r[1].bytes_decoded <= (1 << 20) + CURL_MAX_WRITE_SIZE);
	assert_int_equal(r[1].len, 1 << 20);
	assert_int_equal(r[2].error, FETCH_OK);
	assert_int_equal(r[2].len, 300000);
	for (int i = 0; i < 3; i++)
		run_free(&r[i]);
}

static void test_drip_and_close(void **state)
{
	(void)state;
	struct fetch_request reqs[2] = { local("/drip"), local("/close?after=50") };
	reqs[0].timeout = 2;
	struct run r[2] = { 0 };
	run_many(reqs, r, 2);
	/* (no status asserted: on a loaded machine even the head may be late) */
	assert_int_equal(r[0].error, FETCH_ERR_TIMEOUT);
	assert_false(fetch_error_is_network(r[0].error));
	assert_true(r[0].len < 10);
	assert_int_equal(r[1].error, FETCH_ERR_PARTIAL);   /* closed before Content-Length */
	assert_int_equal(r[1].status, 200);
	assert_int_equal(r[1].len, 50);
	run_free(&r[0]);
	run_free(&r[1]);
}

static void test_address_policy(void **state)
{
	(void)state;
	clear_log();
	struct fetch_request req = local("/static");
	req.allow_private = false;
	struct run r = { 0 };
	run1(&req, &r);
	assert_int_equal(r.error, FETCH_ERR_POLICY);
	assert_non_null(strstr(r.msg, "127.0.0.1"));
	assert_non_null(strstr(r.msg, "loopback"));
	assert_non_null(strstr(r.msg, "allow_private"));
	assert_int_equal(r.status, 0);
	assert_false(fetch_error_is_network(r.error));
	run_free(&r);

	/* "localhost" resolves to loopback: the DNS answer is checked too */
	char lh[256];
	snprintf(lh, sizeof lh, "http://localhost:%d/static", server_port);
	req.url = lh;
	run1(&req, &r);
	assert_int_equal(r.error, FETCH_ERR_POLICY);
	run_free(&r);

	/* a redirect is checked at its connect: multicast stays refused even
	 * with allow_private */
	char to[256];
	snprintf(to, sizeof to, "/redirect/302?to=http://224.0.0.1:%d/static", server_port);
	req = local(to);
	run1(&req, &r);
	assert_int_equal(r.error, FETCH_ERR_POLICY);
	assert_non_null(strstr(r.msg, "224.0.0.1"));
	assert_int_equal(r.nhops, 1);
	assert_int_equal(r.hops[0], 302);
	run_free(&r);

	json_t *log = side("/_log", NULL);
	assert_int_equal(count(log, "/static"), 0);   /* never reached */
	assert_int_equal(count(log, "/redirect"), 1);
	json_decref(log);
}

static void test_redirects(void **state)
{
	(void)state;
	struct fetch_request reqs[6] = {
		local("/chain/301,308,302"), local("/chain/302,301"), local("/redirect/301?to=/static"),
		local("/loop/0"), local("/redirect/302?to=file:///etc/passwd"), local("/chain/307,303"),
	};
	struct run r[6] = { 0 };
	run_many(reqs, r, 6);

	assert_int_equal(r[0].error, FETCH_OK);
	assert_int_equal(r[0].status, 200);
	assert_int_equal(r[0].nhops, 4);
	assert_int_equal(r[0].hops[0], 301);
	assert_int_equal(r[0].hops[1], 308);
	assert_int_equal(r[0].hops[2], 302);
	assert_int_equal(r[0].hops[3], 200);
	/* moved as far as the permanent redirects go, not through the 302 */
	assert_string_equal(r[0].moved_url, url("/chain/302?to=%2Fstatic"));
	assert_string_equal(r[0].final_url, url("/static"));
	assert_non_null(strstr(r[0].body, "static one"));

	assert_int_equal(r[1].status, 200);
	assert_null(r[1].moved_url);                 /* a 302 first: not moved */

	assert_int_equal(r[2].status, 200);
	assert_string_equal(r[2].moved_url, url("/static"));

	assert_int_equal(r[3].error, FETCH_ERR_REDIRECTS);
	assert_int_equal(r[3].nhops, 6);

	assert_int_equal(r[4].error, FETCH_ERR_PROTOCOL);   /* file: is not followed */
	assert_null(r[4].body);

	assert_int_equal(r[5].status, 200);
	assert_null(r[5].moved_url);
	for (int i = 0; i < 6; i++)
		run_free(&r[i]);
}

static void test_statuses_and_hints(void **state)
{
	(void)state;
	struct fetch_request reqs[5] = {
		local("/status/429?retry_after=120"), local("/status/503?retry_after=%2B60"),
		local("/status/410"), local("/cache?max_age=600"), local("/expires?secs=900"),
	};
	struct run r[5] = { 0 };
	run_many(reqs, r, 5);
	assert_int_equal(r[0].error, FETCH_OK);
	assert_int_equal(r[0].status, 429);
	assert_string_equal(r[0].retry_after, "120");
	assert_int_equal(r[0].body_calls, 0);        /* an error page is not a feed */
	assert_int_equal(r[1].status, 503);
	assert_non_null(strstr(r[1].retry_after, "GMT"));
	assert_int_equal(r[2].status, 410);
	assert_string_equal(r[3].cache_control, "max-age=600");
	assert_non_null(r[3].content_type);
	assert_non_null(r[4].expires);
	assert_non_null(r[4].date);
	for (int i = 0; i < 5; i++)
		run_free(&r[i]);
}

static void test_identity_headers_auth(void **state)
{
	(void)state;
	clear_log();
	const char *extra[] = { "X-Feed-Test: yes", "Bad: a\r\nInjected: 1", NULL };
	struct fetch_request req = local("/static");
	req.user_agent = "custom-agent/2";
	req.headers = extra;
	req.userpwd = "user:pa:ss";
	struct run r = { 0 };
	run1(&req, &r);
	assert_int_equal(r.status, 200);
	run_free(&r);
	json_t *log = side("/_log", NULL);
	json_t *h = seen(log, "/static", 0);
	assert_string_equal(hdr(h, "user-agent"), "custom-agent/2");
	assert_string_equal(hdr(h, "x-feed-test"), "yes");
	assert_null(hdr(h, "injected"));
	assert_string_equal(hdr(h, "authorization"), "Basic dXNlcjpwYTpzcw==");
	json_decref(log);
}

static void test_body_abort_and_file(void **state)
{
	(void)state;
	struct fetch_request req = local("/big?size=200000");
	struct run r = { .abort_after = 1 };
	run1(&req, &r);
	assert_int_equal(r.error, FETCH_ERR_BODY);
	run_free(&r);

	char path[] = "/tmp/feedd-test-fetch-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	const char doc[] = "<rss version=\"2.0\"><channel><title>f</title></channel></rss>";
	assert_int_equal(write(fd, doc, sizeof doc - 1), (ssize_t)(sizeof doc - 1));
	close(fd);
	char u[300];
	snprintf(u, sizeof u, "file://%s", path);
	req.url = u;
	req.allow_private = false;
	run1(&req, &r);
	unlink(path);
	assert_int_equal(r.error, FETCH_OK);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.body, doc);
	run_free(&r);
}

static void test_many_and_cancel(void **state)
{
	(void)state;
	enum { N = 24 };
	struct fetch_request reqs[N];
	struct run r[N];
	memset(r, 0, sizeof r);
	for (int i = 0; i < N; i++)
		reqs[i] = local(i % 2 ? "/static" : "/gzip");
	run_many(reqs, r, N);
	for (int i = 0; i < N; i++) {
		assert_int_equal(r[i].status, 200);
		run_free(&r[i]);
	}

	/* a cancelled transfer calls nothing; closing with one in flight frees it */
	uv_loop_t loop;
	struct fetcher *f;
	struct fetch *fx;
	struct run a = { 0 }, b = { 0 };
	uv_loop_init(&loop);
	assert_int_equal(fetcher_init(&loop, &f), 0);
	struct fetch_request d1 = local("/drip"), d2 = local("/drip");
	assert_int_equal(fetch_start(f, &d1, &cbs, &a, &fx), 0);
	assert_int_equal(fetch_start(f, &d2, &cbs, &b, NULL), 0);
	for (int i = 0; i < 5; i++)
		uv_run(&loop, UV_RUN_NOWAIT);
	fetch_cancel(fx);
	assert_int_equal(fetcher_active(f), 1);
	fetcher_close(f);
	uv_run(&loop, UV_RUN_DEFAULT);
	assert_int_equal(uv_loop_close(&loop), 0);
	assert_false(a.done);
	assert_false(b.done);
	run_free(&a);
	run_free(&b);
}

static void test_handle_reuse(void **state)
{
	/* A finished transfer's easy handle serves the next one while another
	 * is still under way: nothing of the first request goes with it. */
	(void)state;
	clear_log();
	uv_loop_t loop;
	struct fetcher *f;
	struct fetch *slow;
	assert_int_equal(uv_loop_init(&loop), 0);
	assert_int_equal(fetcher_init(&loop, &f), 0);
	const char *extra[] = { "X-Feed-Test: yes", NULL };
	struct fetch_request d = local("/drip?bytes=5"), a = local("/static"), c = local("/static");
	a.user_agent = "custom-agent/2";
	a.headers = extra;
	a.userpwd = "user:pw";
	a.etag = "\"static-v1\"";
	a.last_modified = "Mon, 06 Nov 2023 08:49:37 GMT";
	struct run rd = { 0 }, ra = { 0 }, rc = { 0 };
	assert_int_equal(fetch_start(f, &d, &cbs, &rd, &slow), 0);
	assert_int_equal(fetch_start(f, &a, &cbs, &ra, NULL), 0);
	while (!ra.done)
		uv_run(&loop, UV_RUN_ONCE);
	assert_int_equal(ra.status, 304);
	assert_int_equal(fetcher_idle(f), 1);      /* kept: the drip goes on */
	assert_int_equal(fetch_start(f, &c, &cbs, &rc, NULL), 0);
	assert_int_equal(fetcher_idle(f), 0);      /* and taken */
	while (!rc.done)
		uv_run(&loop, UV_RUN_ONCE);
	assert_int_equal(rc.error, FETCH_OK);
	assert_int_equal(rc.status, 200);
	assert_false(rc.conditional);
	assert_non_null(strstr(rc.body, "static two"));
	assert_false(rd.done);
	fetch_cancel(slow);
	assert_int_equal(fetcher_active(f), 0);
	assert_int_equal(fetcher_idle(f), 0);      /* none held at rest */
	fetcher_close(f);
	uv_run(&loop, UV_RUN_DEFAULT);
	assert_int_equal(uv_loop_close(&loop), 0);

	json_t *log = side("/_log", NULL);
	json_t *h0 = seen(log, "/static", 0), *h1 = seen(log, "/static", 1);
	assert_string_equal(hdr(h0, "authorization"), "Basic dXNlcjpwdw==");
	assert_string_equal(hdr(h0, "if-none-match"), "\"static-v1\"");
	assert_null(hdr(h1, "authorization"));
	assert_null(hdr(h1, "if-none-match"));
	assert_null(hdr(h1, "if-modified-since"));
	assert_null(hdr(h1, "x-feed-test"));
	assert_string_equal(hdr(h1, "user-agent"), fetch_default_user_agent());
	json_decref(log);
	run_free(&rd);
	run_free(&ra);
	run_free(&rc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_conditional),
		cmocka_unit_test(test_encodings),
		cmocka_unit_test(test_size_cap),
		cmocka_unit_test(test_drip_and_close),
		cmocka_unit_test(test_handle_reuse),
		cmocka_unit_test(test_address_policy),
		cmocka_unit_test(test_redirects),
		cmocka_unit_test(test_statuses_and_hints),
		cmocka_unit_test(test_identity_headers_auth),
		cmocka_unit_test(test_body_abort_and_file),
		cmocka_unit_test(test_many_and_cancel),
	};
	return cmocka_run_group_tests(tests, server_start, server_stop);
}
