/* retention.c — pruning a feed's old items for every backend: nothing to
 * do without a rule, else one transaction that leaves a tombstone for each
 * item it deletes (DESIGN.md, "Retention"). The backend (backend.h,
 * items_prune) has the two statements. */
#include "store/backend.h"

int retention_prune(const struct store_prims *ops, void *b, const char *feed, int64_t now,
		    int64_t retention, int64_t max_items, int batch, int *pruned)
{
	if (pruned)
		*pruned = 0;
	if ((retention <= 0 && max_items <= 0) || batch < 1)
		return 0;
	int r = ops->tx_begin(b);
	if (r < 0)
		return r;
	int deleted = 0;
	r = ops->items_prune(b, feed, now, retention, max_items, batch, &deleted);
	if (!r)
		r = ops->tx_commit(b, false, NULL);
	if (r < 0) {
		ops->tx_rollback(b);
		return r;
	}
	if (pruned)
		*pruned = deleted;
	return 0;
}
