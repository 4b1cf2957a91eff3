/* strtab.c — a document's distinct strings and the first item with each. */
#include "store/strtab.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int strtab_init(struct strtab *t, size_t n)
{
	t->cap = 16;
	while (t->cap < n * 2)
		t->cap *= 2;
	t->str = calloc(t->cap, sizeof *t->str);
	t->item = calloc(t->cap, sizeof *t->item);
	return t->str && t->item ? 0 : -ENOMEM;
}

void strtab_free(struct strtab *t)
{
	free(t->str);
	free(t->item);
	t->str = NULL;
	t->item = NULL;
}

size_t strtab_slot(const struct strtab *t, const char *str)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	for (const unsigned char *c = (const unsigned char *)str; *c; c++)
		h = (h ^ *c) * 0x100000001b3ULL;
	size_t i = (size_t)h & (t->cap - 1);
	while (t->str[i] && strcmp(t->str[i], str) != 0)
		i = (i + 1) & (t->cap - 1);
	return i;
}

bool strtab_add(struct strtab *t, const char *str, size_t item)
{
	size_t i = strtab_slot(t, str);
	if (t->str[i])
		return false;
	t->str[i] = str;
	t->item[i] = item;
	return true;
}

long strtab_find(const struct strtab *t, const char *str)
{
	size_t i = strtab_slot(t, str);
	return t->str[i] ? (long)t->item[i] : -1;
}
