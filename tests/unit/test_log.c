/* test_log.c — what a log line makes of the text it carries: well-formed
 * lines as they are; newlines, control bytes and broken UTF-8 neutralised. */
#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/log.h"

/* The line log_msg writes for the message "%s" of S (stderr caught in a
 * file), without "feedd: " and the newline. */
static char *logged(const char *s)
{
	static char buf[8192];
	FILE *f = tmpfile();
	assert_non_null(f);
	fflush(stderr);
	int saved = dup(STDERR_FILENO);
	dup2(fileno(f), STDERR_FILENO);
	unsetenv("JOURNAL_STREAM");
	log_reset_sink();
	log_msg(LOG_LVL_INFO, "%s", s);
	dup2(saved, STDERR_FILENO);
	close(saved);
	rewind(f);
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	assert_true(n > 0 && buf[n - 1] == '\n');
	buf[n - 1] = '\0';
	assert_memory_equal(buf, "feedd: ", 7);
	return buf + 7;
}

static void test_well_formed_lines_unchanged(void **state)
{
	(void)state;
	const char *same[] = {
		"fetch mehr: HTTP 503, retry in 20m",
		"item \"Grüße aus Köln\" — 東京 🎉 tab\there \\x41 100%",
		"U+00A0 \xc2\xa0 and U+10FFFF \xf4\x8f\xbf\xbf",
	};
	for (size_t i = 0; i < sizeof same / sizeof *same; i++)
		assert_string_equal(logged(same[i]), same[i]);
}

static void test_controls_escaped(void **state)
{
	(void)state;
	assert_string_equal(logged("a\nb\rc"), "a b c");
	assert_string_equal(logged("\x1b]0;owned\x07\x1b[2Jx\x7f"),
			    "\\x1b]0;owned\\x07\\x1b[2Jx\\x7f");
	/* C1: CSI (U+009B) is an escape sequence to some terminals. */
	assert_string_equal(logged("a\xc2\x9b" "31m"), "a\\xc2\\x9b31m");
}

static void test_invalid_utf8_replaced(void **state)
{
	(void)state;
	assert_string_equal(logged("bad\xff\xfe!"), "bad\xef\xbf\xbd\xef\xbf\xbd!");
	/* Overlong, surrogate, above U+10FFFF, cut short: each byte replaced. */
	assert_string_equal(logged("\xc0\xaf"), "\xef\xbf\xbd\xef\xbf\xbd");
	assert_string_equal(logged("\xed\xa0\x80."),
			    "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd.");
	assert_string_equal(logged("\xf4\x90\x80\x80"),
			    "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
	assert_string_equal(logged("end\xe2\x82"), "end\xef\xbf\xbd\xef\xbf\xbd");
}

static void test_sanitize_keeps_nul_and_cuts_whole(void **state)
{
	(void)state;
	char out[64];
	assert_int_equal(log_sanitize("a\0b", 3, out, sizeof out), 6);
	assert_string_equal(out, "a\\x00b");
	/* Room for "ab" and not for a whole escape: cut before it. */
	assert_int_equal(log_sanitize("ab\x1b", 3, out, 5), 2);
	assert_string_equal(out, "ab");
	assert_int_equal(log_sanitize("a\xc3\xa9", 3, out, 3), 1);
	assert_string_equal(out, "a");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_well_formed_lines_unchanged),
		cmocka_unit_test(test_controls_escaped),
		cmocka_unit_test(test_invalid_utf8_replaced),
		cmocka_unit_test(test_sanitize_keeps_nul_and_cuts_whole),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
