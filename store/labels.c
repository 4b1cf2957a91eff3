/* labels.c — a reader's labels on items (the Google Reader API's
 * user/-/label/NAME given to an item with edit-tag, as FreshRSS keeps
 * them): a set of names per item, beside its read and starred state.
 *
 * The rules, written once for every backend: a label is 1 to
 * STORE_LABEL_MAX bytes of valid UTF-8 with no control character; labels are added to and taken off a batch
 * of items in one transaction, and an id that is not stored is left out
 * (an item pruned since the client saw it), as FreshRSS does; an item
 * with a label is never pruned (the backends' retention statements, as a
 * starred one), and its labels go with it when it is deleted (the
 * table's cascade). The backend does the SQL (store_ops' items_label,
 * item_label_rows, label_rows: sqlite_labels.c, pg_labels.c). */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "store/backend.h"

bool store_label_valid(const char *label)
{
	if (!label)
		return false;
	size_t n = strlen(label);
	if (n < 1 || n > STORE_LABEL_MAX)
		return false;
	const unsigned char *p = (const unsigned char *)label;
	while (*p) {
		unsigned c = *p;
		size_t len = c < 0x80 ? 1 : (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3
			   : (c & 0xf8) == 0xf0 ? 4 : 0;
		if (!len || (len == 2 && c < 0xc2) || (len == 4 && c > 0xf4))
			return false;
		uint32_t cp = len == 1 ? c : c & (0x7f >> len);
		for (size_t i = 1; i < len; i++) {
			if ((p[i] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (p[i] & 0x3f);
		}
		if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
		    (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
			return false;
		/* C0, DEL, C1 controls. */
		if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0))
			return false;
		p += len;
	}
	return true;
}

int store_items_label(struct store *s, const int64_t *ids, size_t n, const char *const *add,
		      size_t nadd, const char *const *rem, size_t nrem)
{
	if (n < 1 || n > STORE_MARK_MAX || (!nadd && !nrem))
		return -EINVAL;
	for (size_t i = 0; i < nadd; i++)
		if (!store_label_valid(add[i]))
			return -EINVAL;
	for (size_t i = 0; i < nrem; i++)
		if (!store_label_valid(rem[i]))
			return -EINVAL;
	void *b;
	const struct store_ops *ops = store_ops_of(s, &b);
	return ops->items_label(b, ids, n, add, nadd, rem, nrem);
}

/* The caller's FN, for each row of item_label_rows or label_rows. */
struct label_walk {
	store_label_fn fn;
	void *ud;
};

static int label_row(const struct store_row *row, void *ud)
{
	struct label_walk *w = ud;
	const char *label = row->text(row, 1);
	return label ? w->fn(row->num(row, 0), label, w->ud) : 0;
}

int store_items_labels(struct store *s, const int64_t *ids, size_t n, store_label_fn fn,
		       void *ud)
{
	if (!n)
		return 0;
	void *b;
	const struct store_ops *ops = store_ops_of(s, &b);
	struct label_walk w = {fn, ud};
	return ops->item_label_rows(b, ids, n, label_row, &w);
}

struct label_count_walk {
	store_label_count_fn fn;
	void *ud;
};

static int label_count_row(const struct store_row *row, void *ud)
{
	struct label_count_walk *w = ud;
	const char *label = row->text(row, 1);
	return label ? w->fn(row->num(row, 0), row->num(row, 2), label, w->ud) : 0;
}

int store_labels_each(struct store *s, store_label_count_fn fn, void *ud)
{
	void *b;
	const struct store_ops *ops = store_ops_of(s, &b);
	struct label_count_walk w = {fn, ud};
	return ops->label_rows(b, label_count_row, &w);
}
