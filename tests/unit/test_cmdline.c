/* test_cmdline.c — an exec line split into words: the item's $FEEDD_X take
 * its values byte for byte, each inside its word, never parsed again. */
#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "core/cmdline.h"

/* A title with everything a shell would act on, and a mark-like byte run. */
#define TITLE "a \"b\" 'c' $(touch X) `touch Y` ${FEEDD_URL} $HOME *\nnext\tline \\ \001" "0\002"

static char *env[] = {
	"PATH=/bin", "FEEDD_FEED=mehr", "FEEDD_ITEM_ID=42", "FEEDD_TITLE=" TITLE,
	"FEEDD_URL=http://example.org/a?b=1&c=2", "FEEDD_TRUNCATED=", NULL,
};

static void expect(const char *line, char *const *itemenv, const char *const *want)
{
	char **argv, why[256];
	assert_int_equal(cmdline_split(line, itemenv, &argv, why, sizeof why), 0);
	size_t i = 0;
	for (; want[i]; i++) {
		assert_non_null(argv[i]);
		assert_string_equal(argv[i], want[i]);
	}
	assert_null(argv[i]);
	cmdline_free(argv);
}

static void test_item_variables_take_the_items_values(void **state)
{
	(void)state;
	const char *want[] = {"/bin/prog", TITLE, TITLE, "x-http://example.org/a?b=1&c=2-y",
			      "$FEEDD_TITLE", "$FEEDD_FEED", "${FEEDD_FEED}", "42:mehr", "", NULL};
	expect("/bin/prog \"$FEEDD_TITLE\" $FEEDD_TITLE x-${FEEDD_URL}-y '$FEEDD_TITLE'"
	       " \\$FEEDD_FEED \"\\${FEEDD_FEED}\" $FEEDD_ITEM_ID:$FEEDD_FEED $FEEDD_TRUNCATED",
	       env, want);
}

static void test_other_variables_come_from_the_daemon(void **state)
{
	(void)state;
	setenv("FEEDDX", "daemon's", 1);
	setenv("FEEDD_TITLE", "stale", 1);
	setenv("HOOKDIR", "/opt/h:/usr/h", 1);
	const char *want[] = {"/bin/prog", "daemon's", "/opt/h/x", NULL};
	expect("/bin/prog $FEEDDX ${HOOKDIR%%:*}/x", env, want);
	/* Only checking: the item's are empty, never the daemon's. */
	const char *none[] = {"/bin/prog", "", "t=", NULL};
	expect("/bin/prog \"$FEEDD_TITLE\" t=$FEEDD_TITLE", NULL, none);
	unsetenv("FEEDDX");
	unsetenv("HOOKDIR");
	unsetenv("FEEDD_TITLE");
}

static void test_unknown_item_variables_are_refused(void **state)
{
	(void)state;
	const char *bad[][2] = {
		{"/bin/prog $FEEDD_TITEL", "$FEEDD_TITEL"},
		{"/bin/prog \"${FEEDD_X}\"", "$FEEDD_X"},
		{"/bin/prog $FEEDD_TITLE_2", "$FEEDD_TITLE_2"},
		{"/bin/prog ${FEEDD_TITLE:-none}", "${FEEDD_TITLE...}"},
		{"/bin/prog $(id)", "command substitution"},
		{"$FEEDD_TITLE x", "cannot come from the item"},
		{"/bin/$FEEDD_FEED.sh", "cannot come from the item"},
		{"/bin/prog 'x", "unbalanced"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		char **argv, why[256];
		assert_int_equal(cmdline_split(bad[i][0], env, &argv, why, sizeof why), -1);
		assert_null(argv);
		assert_non_null(strstr(why, bad[i][1]));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_item_variables_take_the_items_values),
		cmocka_unit_test(test_other_variables_come_from_the_daemon),
		cmocka_unit_test(test_unknown_item_variables_are_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
