/* feed_state.c — how many feeds are in each state (store_feed_counts): the
 * backend groups the feed rows by what the rule looks at, in one aggregate
 * query, and each group is named by the one rule of core/feedstate.c. */
#include <string.h>

#include "store/backend.h"

static int count_group(const struct feedstate_facts *f, int64_t count, void *ud)
{
	struct store_feed_counts *o = ud;
	int64_t *slot[FEEDSTATE__COUNT] = {
		[FEEDSTATE_REMOVED] = &o->removed, [FEEDSTATE_GONE] = &o->gone,
		[FEEDSTATE_DISABLED] = &o->disabled, [FEEDSTATE_TRUNCATED] = &o->truncated,
		[FEEDSTATE_FAILING] = &o->failing, [FEEDSTATE_NEW] = &o->fresh,
		[FEEDSTATE_OK] = &o->ok,
	};
	*slot[feedstate_of(f)] += count;
	return 0;
}

int feed_state_counts(const struct store_prims *ops, void *b, const char *const *disabled,
		      size_t ndisabled, struct store_feed_counts *out)
{
	memset(out, 0, sizeof *out);
	int r = ops->feeds->feeds_facts_each(b, disabled, ndisabled, count_group, out);
	if (r < 0)
		memset(out, 0, sizeof *out);
	return r;
}
