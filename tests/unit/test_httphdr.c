/* test_httphdr.c — response header lines as libcurl hands them over: the
 * status line, trimming, names in any case, repeated Cache-Control lines
 * joined and other repeats replaced, NUL-cut values, and the join staying
 * linear at curl's 300 KB header cap. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "core/httphdr.h"

static int line(struct httphdr *h, const char *s, int *status)
{
	return httphdr_line(h, s, strlen(s), status);
}

static void test_status_lines(void **state)
{
	struct httphdr h = { 0 };
	int st = -1;
	assert_int_equal(line(&h, "HTTP/1.1 200 OK\r\n", &st), 1);
	assert_int_equal(st, 200);
	assert_int_equal(line(&h, "HTTP/2 304\r\n", &st), 1);
	assert_int_equal(st, 304);
	assert_int_equal(line(&h, "HTTP/1.1 2x0 Odd\r\n", &st), 1);
	assert_int_equal(st, 0);
	assert_int_equal(line(&h, "HTTP/1.1 20", &st), 1);
	assert_int_equal(st, 0);
	assert_int_equal(line(&h, "HTTP/", &st), 1);
	assert_int_equal(st, 0);
	/* Not a status line: a header, or nothing. */
	st = -1;
	assert_int_equal(line(&h, "\r\n", &st), 0);
	assert_int_equal(line(&h, "X-HTTP/1.1 200", &st), 0);
	assert_int_equal(st, -1);
	httphdr_free(&h);
}

static void test_values(void **state)
{
	struct httphdr h = { 0 };
	int st;
	line(&h, "ETag: \t\"abc\" \t\r\n", &st);
	line(&h, "content-TYPE:text/xml; charset=koi8-r\n", &st);
	line(&h, "Retry-After: 1\r\n", &st);
	line(&h, "retry-after:   2  \r\n", &st);
	line(&h, "Cache-Control: public\r\n", &st);
	line(&h, "CACHE-CONTROL:  max-age=60 \r\n", &st);
	line(&h, "Cache-Control:\r\n", &st);
	line(&h, "X-Unknown: 1\r\n", &st);
	line(&h, "Location https://no.colon/\r\n", &st);
	assert_string_equal(httphdr_get(&h, HTTPHDR_ETAG), "\"abc\"");
	assert_string_equal(httphdr_get(&h, HTTPHDR_CONTENT_TYPE), "text/xml; charset=koi8-r");
	assert_string_equal(httphdr_get(&h, HTTPHDR_RETRY_AFTER), "2");
	assert_string_equal(httphdr_get(&h, HTTPHDR_CACHE_CONTROL), "public, max-age=60, ");
	assert_null(httphdr_get(&h, HTTPHDR_LOCATION));
	/* A value ends at a NUL, joined or not. */
	const char nul[] = "Expires: 0\0junk\r\n";
	httphdr_line(&h, nul, sizeof nul - 1, &st);
	assert_string_equal(httphdr_get(&h, HTTPHDR_EXPIRES), "0");
	const char ccnul[] = "Cache-Control: no-store\0, max-age=1\r\n";
	httphdr_line(&h, ccnul, sizeof ccnul - 1, &st);
	assert_string_equal(httphdr_get(&h, HTTPHDR_CACHE_CONTROL), "public, max-age=60, , no-store");
	assert_int_equal(strlen(httphdr_get(&h, HTTPHDR_CACHE_CONTROL)), h.len[HTTPHDR_CACHE_CONTROL]);
	/* A new response starts afresh. */
	httphdr_reset(&h);
	for (int i = 0; i < HTTPHDR__COUNT; i++)
		assert_null(httphdr_get(&h, (enum httphdr_name)i));
	line(&h, "Cache-Control: no-cache\r\n", &st);
	assert_string_equal(httphdr_get(&h, HTTPHDR_CACHE_CONTROL), "no-cache");
	httphdr_free(&h);
}

/* One-byte Cache-Control lines, eight times curl's cap on a response's
 * headers (300 KB, about 18 000 such lines): joining by copying the whole
 * value each time copied ~0.5 GB at the cap and ~31 GB here (many
 * seconds); amortised growth copies a few MB. */
static void test_join_is_linear(void **state)
{
	struct httphdr h = { 0 };
	int st;
	size_t n = 8 * 300 * 1024 / 17;    /* "Cache-Control:a\r\n" */
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (size_t i = 0; i < n; i++)
		line(&h, "Cache-Control:a\r\n", &st);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	const char *v = httphdr_get(&h, HTTPHDR_CACHE_CONTROL);
	assert_int_equal(strlen(v), n * 3 - 2);
	assert_memory_equal(v, "a, a, a", 7);
	double secs = (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	print_message("# %zu joined lines in %.1f ms\n", n, secs * 1e3);
	assert_true(secs < 3.0);   /* quadratic: tens of seconds; linear: well under one */
	httphdr_free(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_status_lines),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_join_is_linear),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
