/* test_url.c — URL resolution, http checks and hosts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/url.h"

#include <libxml/uri.h>

static void check_resolve(const char *base, const char *ref, const char *want)
{
	char *got = url_resolve(base, ref);
	if (!want) {
		assert_null(got);
		return;
	}
	if (!got || strcmp(got, want) != 0)
		fail_msg("resolve(%s, %s) = %s, want %s", base ? base : "NULL", ref ? ref : "NULL",
			 got ? got : "NULL", want);
	free(got);
}

static void test_resolve(void **state)
{
	/* RFC 3986 section 5.4 examples. */
	const char *b = "http://a/b/c/d;p?q";
	check_resolve(b, "g", "http://a/b/c/g");
	check_resolve(b, "./g", "http://a/b/c/g");
	check_resolve(b, "g/", "http://a/b/c/g/");
	check_resolve(b, "/g", "http://a/g");
	check_resolve(b, "//g", "http://g");
	check_resolve(b, "?y", "http://a/b/c/d;p?y");
	check_resolve(b, "g?y", "http://a/b/c/g?y");
	check_resolve(b, "#s", "http://a/b/c/d;p?q#s");
	check_resolve(b, "../g", "http://a/b/g");
	check_resolve(b, "../..", "http://a/");
	check_resolve(b, "", "http://a/b/c/d;p?q");
	check_resolve(b, "https://other/x", "https://other/x");
	/* Feeds' own shapes. */
	check_resolve("http://example.org/blog/", "posts/1", "http://example.org/blog/posts/1");
	check_resolve("http://example.org/blog/", "/img/a b.png", "http://example.org/img/a%20b.png");
	check_resolve(NULL, "posts/1", "posts/1");
	check_resolve("", "posts/1", "posts/1");
	check_resolve("http://example.org/", NULL, "http://example.org/");
	check_resolve(NULL, NULL, NULL);
	check_resolve("http://example.org/a/", "mailto:x@example.org", "mailto:x@example.org");
}

/* url_resolve answers common shapes without the URI parser: it must give
 * what xmlBuildURI gives wherever that succeeds. */
static void test_resolve_same_as_libxml2(void **state)
{
	const char *bases[] = {
		"http://example.org", "http://example.org/", "https://example.org/blog/x.html",
		"http://Example.ORG/a?b=c#d", "http://example.org:8080/a/", "http://u@example.org/",
		"https://example.org/a/./b/", "http://example.org/%41/", "http://ex_ample.org/",
		"http://example.org/a:b/", "HTTP://example.org/", "http://example.org/a#b#c",
		"ftp://example.org/", "http:///x", "http://-/", "http://example.org/a//b",
	};
	const char *refs[] = {
		"/", "/post/1", "/post/1.html?x=1&y=2#frag", "/a:b", "/a/./b", "/a/../b", "//h/x",
		"/%41", "/a b", "/a#b#c", "/a?b?c", "/~u/(x)!*'$,;=+@", "/.well-known", "/a//b",
		"/x#f:g?h", "/\xC3\xA9", "http://other.org", "https://other.org/p?q#f",
		"http://other.org:81/x", "http://other.org/a:b", "http://other.org/%zz",
		"http://o/a#b#c", "https://o/a/../b", "http://o//x", "HTTP://o/", "http://",
		"post/1", "?q", "#f", "", "mailto:x@example.org", "http://o/x y",
	};
	for (size_t i = 0; i < sizeof bases / sizeof bases[0]; i++)
		for (size_t k = 0; k < sizeof refs / sizeof refs[0]; k++) {
			xmlChar *want = xmlBuildURI((const xmlChar *)refs[k], (const xmlChar *)bases[i]);
			if (!want)
				continue;
			char *got = url_resolve(bases[i], refs[k]);
			if (!got || strcmp(got, (const char *)want) != 0)
				fail_msg("resolve(%s, %s) = %s, libxml2 says %s", bases[i], refs[k],
					 got ? got : "NULL", (const char *)want);
			free(got);
			xmlFree(want);
		}
}

static void test_is_http(void **state)
{
	assert_true(url_is_http("http://example.org/feed"));
	assert_true(url_is_http("HTTPS://example.org"));
	assert_false(url_is_http("ftp://example.org/"));
	assert_false(url_is_http("file:///etc/passwd"));
	assert_false(url_is_http("/relative"));
	assert_false(url_is_http("http:///nohost"));
	assert_false(url_is_http(""));
	assert_false(url_is_http(NULL));
}

static void test_host(void **state)
{
	char *h = url_host("https://Example.ORG:8443/x?y");
	assert_string_equal(h, "example.org");
	free(h);
	h = url_host("http://[::1]:80/");
	assert_non_null(h);
	free(h);
	assert_null(url_host("/just/a/path"));
	assert_null(url_host(NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_resolve),
		cmocka_unit_test(test_resolve_same_as_libxml2),
		cmocka_unit_test(test_is_http),
		cmocka_unit_test(test_host),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
