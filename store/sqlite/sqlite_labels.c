/* sqlite_labels.c — the SQLite statements of a reader's labels on items
 * (store/labels.c has the rules; backend.h, items_label, item_label_rows,
 * label_rows). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "store/sqlite/sqlite_int.h"   /* first: its names for store.h's functions */
#include "store/backend.h"

static int step(struct sqlite_store *s, enum stmt id, int64_t item, const char *label)
{
	sqlite3_stmt *st = store_stmt(s, id);
	sqlite3_bind_int64(st, 1, item);
	store_bind_text(st, 2, label);
	int rc = sqlite3_step(st);
	store_done(st);
	return rc == SQLITE_DONE ? 0 : store_fail(s, rc, "label items");
}

int sqlite_op_items_label(void *b, const int64_t *ids, size_t n, const char *const *add,
			  size_t nadd, const char *const *rem, size_t nrem)
{
	struct sqlite_store *s = b;
	int r = store_begin(s);
	/* Removals first: a label both added and removed stays. */
	for (size_t i = 0; i < n && r == 0; i++) {
		for (size_t k = 0; k < nrem && r == 0; k++)
			r = step(s, ST_LABEL_REMOVE, ids[i], rem[k]);
		for (size_t k = 0; k < nadd && r == 0; k++)
			r = step(s, ST_LABEL_ADD, ids[i], add[k]);
	}
	if (r == 0)
		r = store_commit(s);
	if (r < 0)
		store_rollback(s);
	return r;
}

int sqlite_op_item_label_rows(void *b, const int64_t *ids, size_t n, store_row_fn fn,
			      void *ud)
{
	struct sqlite_store *s = b;
	/* The ids as a JSON array for json_each. */
	size_t cap = n * 21 + 3, o = 0;
	char *list = malloc(cap);
	if (!list)
		return -ENOMEM;
	list[o++] = '[';
	for (size_t i = 0; i < n; i++)
		o += (size_t)snprintf(list + o, cap - o, "%s%" PRId64, i ? "," : "", ids[i]);
	snprintf(list + o, cap - o, "]");
	sqlite3_stmt *st = store_stmt(s, ST_LABELS_OF);
	store_bind_text(st, 1, list);
	int k;
	int r = sqlite_rows(s, st, fn, ud, &k, "item labels");
	store_done(st);
	free(list);
	return r;
}

int sqlite_op_label_rows(void *b, store_row_fn fn, void *ud)
{
	struct sqlite_store *s = b;
	sqlite3_stmt *st = store_stmt(s, ST_LABELS);
	int k;
	int r = sqlite_rows(s, st, fn, ud, &k, "labels");
	store_done(st);
	return r;
}
