/* test_feedstate.c — core/feedstate.c: the one rule that names a feed's
 * state, in its order, and read from an API feed object. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/feedstate.h"

static void test_rule_order(void **state)
{
	(void)state;
	struct feedstate_facts f = {.removed = true, .gone = true, .disabled = true,
				    .last_error = "truncated: cut", .failures = 2};
	assert_int_equal(feedstate_of(&f), FEEDSTATE_REMOVED);
	f.removed = false;
	assert_int_equal(feedstate_of(&f), FEEDSTATE_GONE);
	f.gone = false;
	assert_int_equal(feedstate_of(&f), FEEDSTATE_DISABLED);
	f.disabled = false;
	assert_int_equal(feedstate_of(&f), FEEDSTATE_TRUNCATED);
	f.last_error = "HTTP 500";
	assert_int_equal(feedstate_of(&f), FEEDSTATE_FAILING);
	/* An error not counted as a failure (an outage) is failing too. */
	f.failures = 0;
	assert_int_equal(feedstate_of(&f), FEEDSTATE_FAILING);
	f.last_error = NULL;
	assert_int_equal(feedstate_of(&f), FEEDSTATE_NEW);
	f.succeeded = true;
	assert_int_equal(feedstate_of(&f), FEEDSTATE_OK);
	assert_string_equal(feedstate_name(FEEDSTATE_NEW), "new");
	assert_string_equal(feedstate_name(FEEDSTATE_TRUNCATED), "truncated");
}

static void test_from_api_json(void **state)
{
	(void)state;
	json_t *f = json_pack("{s:b,s:b,s:n,s:i,s:n}", "removed", 0, "gone", 0,
			      "last_error", "failures", 0, "last_success");
	assert_string_equal(feedstate_json(f), "new");
	json_object_set_new(f, "last_success", json_string("2026-01-01T00:00:00Z"));
	assert_string_equal(feedstate_json(f), "ok");
	json_object_set_new(f, "config", json_pack("{s:b}", "enabled", 0));
	assert_string_equal(feedstate_json(f), "disabled");
	/* The daemon's own word wins; an empty one does not count. */
	json_object_set_new(f, "state", json_string(""));
	assert_string_equal(feedstate_json(f), "disabled");
	json_object_set_new(f, "state", json_string("failing"));
	assert_string_equal(feedstate_json(f), "failing");
	json_decref(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rule_order),
		cmocka_unit_test(test_from_api_json),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
