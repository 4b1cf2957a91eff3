/* strtab.h — a document's distinct strings (identity keys, canonical
 * links) and the first item that has each, for the commits' batched
 * lookups: open addressing over FNV-1a.
 *
 * The table borrows its strings (they live in the document's dedup plan
 * and must outlive it); strtab_free frees only the table. */
#ifndef FEEDD_STRTAB_H
#define FEEDD_STRTAB_H

#include <stdbool.h>
#include <stddef.h>

struct strtab {
	const char **str;   /* cap slots, NULL where empty */
	size_t *item;
	size_t cap;         /* a power of two, at least twice the strings */
};

/* Room for N strings; 0 or -ENOMEM. */
int strtab_init(struct strtab *t, size_t n);
void strtab_free(struct strtab *t);
/* The slot holding STR, or the empty one where it would go. */
size_t strtab_slot(const struct strtab *t, const char *str);
/* Adds STR for ITEM unless present; whether it was new. */
bool strtab_add(struct strtab *t, const char *str, size_t item);
/* The item STR belongs to, or -1. */
long strtab_find(const struct strtab *t, const char *str);

#endif
