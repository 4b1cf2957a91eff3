/* pg_labels.c — the PostgreSQL statements of a reader's labels on items
 * (store/labels.c has the rules; backend.h, items_label, item_label_rows,
 * label_rows). */
#include <errno.h>
#include <stdlib.h>

#include "store/backend.h"
#include "store/pg/pg_int.h"

int pg_op_items_label(void *b, const int64_t *ids, size_t n, const char *const *add,
		      size_t nadd, const char *const *rem, size_t nrem)
{
	struct pg *s = b;
	int r = pg_begin(s);
	/* Removals first: a label both added and removed stays. */
	for (size_t i = 0; i < n && r == 0; i++) {
		for (size_t k = 0; k < nrem + nadd && r == 0; k++) {
			struct pgp p = {0};
			pgp_int(&p, ids[i]);
			pgp_text(&p, k < nrem ? rem[k] : add[k - nrem]);
			r = pg_run(s, k < nrem ? PS_LABEL_REMOVE : PS_LABEL_ADD, &p, "label items");
		}
	}
	if (r == 0)
		r = pg_commit(s);
	else
		pg_rollback(s);
	return r;
}

int pg_op_item_label_rows(void *b, const int64_t *ids, size_t n, store_row_fn fn, void *ud)
{
	char *arr = pg_id_array(ids, n);
	if (!arr)
		return -ENOMEM;
	struct pgp p = {0};
	pgp_text(&p, arr);
	int k;
	int r = pg_rows(b, PS_LABELS_OF, &p, fn, ud, &k, "item labels");
	free(arr);
	return r;
}

int pg_op_label_rows(void *b, store_row_fn fn, void *ud)
{
	struct pgp p = {0};
	int k;
	return pg_rows(b, PS_LABELS, &p, fn, ud, &k, "labels");
}
