/* feedstate.c — the rule that names a feed's state (see feedstate.h). */
#include <string.h>

#include "core/feedstate.h"

enum feedstate feedstate_of(const struct feedstate_facts *f)
{
	if (f->removed)
		return FEEDSTATE_REMOVED;
	if (f->gone)
		return FEEDSTATE_GONE;
	if (f->disabled)
		return FEEDSTATE_DISABLED;
	if (f->last_error && !strncmp(f->last_error, "truncated", 9))
		return FEEDSTATE_TRUNCATED;
	if (f->failures > 0 || f->last_error)
		return FEEDSTATE_FAILING;
	if (!f->succeeded)
		return FEEDSTATE_NEW;
	return FEEDSTATE_OK;
}

const char *feedstate_name(enum feedstate s)
{
	static const char *const names[FEEDSTATE__COUNT] = {
		"removed", "gone", "disabled", "truncated", "failing", "new", "ok",
	};
	return s < FEEDSTATE__COUNT ? names[s] : "ok";
}

const char *feedstate_json(const json_t *f)
{
	const char *s = json_string_value(json_object_get(f, "state"));
	if (s && *s)
		return s;
	const json_t *ls = json_object_get(f, "last_success");
	struct feedstate_facts facts = {
		.removed = json_is_true(json_object_get(f, "removed")),
		.gone = json_is_true(json_object_get(f, "gone")),
		.disabled = json_is_false(json_object_get(json_object_get(f, "config"), "enabled")),
		.last_error = json_string_value(json_object_get(f, "last_error")),
		.failures = json_integer_value(json_object_get(f, "failures")),
		.succeeded = json_is_string(ls) || (json_is_integer(ls) && json_integer_value(ls)),
	};
	return feedstate_name(feedstate_of(&facts));
}
