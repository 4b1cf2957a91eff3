/* feed_state.c — how many feeds are in each state (store_feed_counts), by
 * the one rule of core/feedstate.c over every feed row the backend walks. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "store/backend.h"

struct counting {
	const char **disabled;   /* sorted */
	size_t ndisabled;
	struct store_feed_counts *out;
};

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int count_one(const char *name, struct feedstate_facts *f, void *ud)
{
	struct counting *c = ud;
	struct store_feed_counts *o = c->out;
	f->disabled = c->ndisabled && name &&
		      bsearch(&name, c->disabled, c->ndisabled, sizeof *c->disabled, cmp_name);
	int64_t *slot[FEEDSTATE__COUNT] = {
		[FEEDSTATE_REMOVED] = &o->removed, [FEEDSTATE_GONE] = &o->gone,
		[FEEDSTATE_DISABLED] = &o->disabled, [FEEDSTATE_TRUNCATED] = &o->truncated,
		[FEEDSTATE_FAILING] = &o->failing, [FEEDSTATE_NEW] = &o->fresh,
		[FEEDSTATE_OK] = &o->ok,
	};
	(*slot[feedstate_of(f)])++;
	return 0;
}

int feed_state_counts(const struct store_prims *ops, void *b, const char *const *disabled,
		      size_t ndisabled, struct store_feed_counts *out)
{
	memset(out, 0, sizeof *out);
	struct counting c = {.ndisabled = ndisabled, .out = out};
	if (ndisabled) {
		c.disabled = malloc(ndisabled * sizeof *c.disabled);
		if (!c.disabled)
			return -ENOMEM;
		memcpy(c.disabled, disabled, ndisabled * sizeof *c.disabled);
		qsort(c.disabled, ndisabled, sizeof *c.disabled, cmp_name);
	}
	int r = ops->feeds->feeds_facts_each(b, count_one, &c);
	free(c.disabled);
	if (r < 0)
		memset(out, 0, sizeof *out);
	return r;
}
