/* hooks.c — a hook delivery's outcome for every backend: recorded in one
 * transaction with, when the delivery is given up, its hook.failed event
 * where the feed's owner looks. The backend (backend.h, hook_outcome) has
 * the statements. */
#include <errno.h>
#include <stdlib.h>
#include <time.h>

#include "store/backend.h"

int hook_result(const struct store_prims *ops, void *b, int64_t item_id, bool ok,
		int64_t next_try, const char *error)
{
	int r = ops->tx_begin(b);
	if (r < 0)
		return r;
	bool found = false;
	char *feed = NULL;
	r = ops->hook_outcome(b, item_id, ok, next_try, error, &found, &feed);
	if (r == 0 && !found)
		r = -ENOENT;
	else if (r == 0 && feed)
		/* Given up: say so where the feed's owner looks. */
		r = ops->event_add(b, "hook.failed", time(NULL), feed, item_id,
				   json_pack("{s:o}", "error", json_string_lossy(error)));
	free(feed);
	if (!r)
		r = ops->tx_commit(b, false, NULL);
	if (r < 0)
		ops->tx_rollback(b);
	return r;
}
