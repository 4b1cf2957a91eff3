/* test_filter.c — feeds.conf's skip and keep rules (core/filter.h): the
 * rule syntax and its refusals with PCRE2's message and offset, each field,
 * case-insensitive patterns, keep's "none matched", and a pattern that
 * would backtrack without end against a hostile title. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/filter.h"

static void test_check(void **state)
{
	(void)state;
	char err[320];
	assert_int_equal(filter_rule_check("title ~ (?i)sponsored", err, sizeof err), 0);
	assert_int_equal(filter_rule_check("  url~^https://x\\.org/", err, sizeof err), 0);
	assert_int_equal(filter_rule_check("title ~ (unclosed", err, sizeof err), -EINVAL);
	assert_string_equal(err, "regex: missing closing parenthesis at offset 9");
	assert_int_equal(filter_rule_check("summary ~ x", err, sizeof err), -EINVAL);
	assert_non_null(strstr(err, "\"summary\" is not a field"));
	assert_int_equal(filter_rule_check("title sponsored", err, sizeof err), -EINVAL);
	assert_string_equal(err, "no \"~\" after title; a rule is FIELD ~ REGEX");
	assert_int_equal(filter_rule_check("title ~ ", err, sizeof err), -EINVAL);
	assert_int_equal(filter_rule_check("", err, sizeof err), -EINVAL);
}

static void test_skip_keep(void **state)
{
	(void)state;
	char *cats[] = {"News", "Release"};
	struct item a = {.title = "Sponsored: a thing", .author = "Ann", .url = "https://x.org/1",
			 .summary = "<p>hello</p>"};
	struct item b = {.title = "Release 2.0", .categories = cats, .ncategories = 2,
			 .content = "<p>bye</p>"};
	struct item none = {0};
	char err[320];
	struct filter *f = NULL;
	char *skip[] = {"title ~ (?i)^sponsored", NULL};
	assert_int_equal(filter_new(skip, NULL, &f, err, sizeof err), 0);
	assert_true(filter_skips(f, &a));
	assert_false(filter_skips(f, &b));
	assert_false(filter_skips(f, &none));
	filter_free(f);
	/* Keep: only what matches one of them. */
	char *keep[] = {"category ~ ^release$", "author ~ Ann", NULL};
	assert_int_equal(filter_new(NULL, keep, &f, err, sizeof err), 0);
	assert_true(filter_skips(f, &b));            /* "Release" != "release": case counts */
	assert_false(filter_skips(f, &a));           /* the author matches */
	filter_free(f);
	char *keep2[] = {"category ~ (?i)^release$", "content ~ hello", NULL};
	assert_int_equal(filter_new(NULL, keep2, &f, err, sizeof err), 0);
	assert_false(filter_skips(f, &a));           /* content matches the summary */
	assert_false(filter_skips(f, &b));
	assert_true(filter_skips(f, &none));
	filter_free(f);
	/* Skip wins over keep. */
	char *skip2[] = {"url ~ x\\.org/1$", NULL};
	assert_int_equal(filter_new(skip2, keep2, &f, err, sizeof err), 0);
	assert_true(filter_skips(f, &a));
	filter_free(f);
	/* No rules: nothing compiled, nothing skipped. */
	assert_int_equal(filter_new(NULL, NULL, &f, err, sizeof err), 0);
	assert_null(f);
	assert_false(filter_skips(NULL, &a));
	char *bad[] = {"title ~ [", NULL};
	assert_int_equal(filter_new(bad, NULL, &f, err, sizeof err), -EINVAL);
	assert_null(f);
}

static void test_bounded(void **state)
{
	(void)state;
	/* Catastrophic backtracking on a long hostile title gives up: no match. */
	char *title = malloc(20002);
	memset(title, 'a', 20000);
	title[20000] = '!';
	title[20001] = '\0';
	char bytes[] = "bad \xff\xfe utf-8 sponsored";
	struct item it = {.title = title}, inv = {.title = bytes};
	char *skip[] = {"title ~ ^(a+)+$", "title ~ sponsored", NULL};
	struct filter *f = NULL;
	char err[320];
	assert_int_equal(filter_new(skip, NULL, &f, err, sizeof err), 0);
	assert_false(filter_skips(f, &it));
	assert_true(filter_skips(f, &inv));          /* bytes that are not UTF-8 */
	filter_free(f);
	free(title);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_check),
		cmocka_unit_test(test_skip_keep),
		cmocka_unit_test(test_bounded),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
