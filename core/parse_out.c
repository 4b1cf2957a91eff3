/* parse_out.c — the document under construction, as every back end of the
 * parser writes into it (struct parse_out): the first fatal error and the
 * first warning, the caps hit and where (doc->capped), the item slots
 * (new, done and handed to on_item, dropped) and the finishing rules items
 * share. The back ends (parse_xml.c, parse_json.c, parse_scan.c) and the
 * front end (parse.c) call it; it calls none of them.
 *
 * Ownership: doc->warning, doc->capped and the item slots are heap and
 * belong to the doc; errmsg belongs to the parser (parse_free frees it,
 * parse_finish hands out a copy); an item handed to on_item is the
 * callback's only for the call, then cleared. */
#include "core/parse_int.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void parse_fail(struct parse_out *o, int err, const char *fmt, ...)
{
	if (o->err)
		return;
	o->err = err;
	va_list ap;
	va_start(ap, fmt);
	if (vasprintf(&o->errmsg, fmt, ap) < 0)
		o->errmsg = NULL;
	va_end(ap);
}

void parse_warn(struct parse_out *o, const char *fmt, ...)
{
	if (o->doc->warning)
		return;
	va_list ap;
	va_start(ap, fmt);
	if (vasprintf(&o->doc->warning, fmt, ap) < 0)
		o->doc->warning = NULL;
	va_end(ap);
}

static int cap_index(unsigned kind)
{
	int i = 0;
	while (i < DOC_CAP__COUNT - 1 && !(kind & (1u << i)))
		i++;
	return i;
}

void parse_cap(struct parse_out *o, unsigned kind, size_t item, const char *fmt, ...)
{
	struct cap_hit *h = &o->hits[cap_index(kind)];
	o->doc->truncated = true;
	o->doc->caps |= kind;
	if (h->n++)
		return;
	h->item = item;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(h->where, sizeof h->where, fmt, ap);
	va_end(ap);
}

void parse_cap_item_done(struct parse_out *o, size_t item, const struct item *it)
{
	const char *link = it->url ? it->url : it->guid;
	for (int i = 0; i < DOC_CAP__COUNT && link; i++) {
		struct cap_hit *h = &o->hits[i];
		if (!h->n || h->linked || h->item != item)
			continue;
		h->linked = true;
		size_t n = strlen(h->where);
		snprintf(h->where + n, sizeof h->where - n, " (%.100s)", link);
		/* The link is the publisher's text, bound for the log: one
		 * line, nothing a terminal acts on. */
		for (char *c = h->where + n; *c; c++)
			if ((unsigned char)*c < 0x20 || *c == 0x7f)
				*c = '?';
	}
}

void parse_caps_summary(struct parse_out *o)
{
	static const char *const what[DOC_CAP__COUNT] = {
		"items cap", "document cap", "field cap", "item cap",
	};
	char *out = NULL;
	size_t len = 0;
	FILE *m = NULL;
	for (int i = 0; i < DOC_CAP__COUNT; i++) {
		const struct cap_hit *h = &o->hits[i];
		if (!h->n)
			continue;
		if (!m && !(m = open_memstream(&out, &len)))
			return;
		if (ftell(m) > 0)
			fputs("; ", m);
		if (h->n > 1)
			fprintf(m, "%s hit %zu times, first: %s", what[i], h->n, h->where);
		else
			fprintf(m, "%s: %s", what[i], h->where);
	}
	if (m && fclose(m) == 0) {
		free(o->doc->capped);
		o->doc->capped = out;
	}
}

struct item *parse_new_item(struct parse_out *o)
{
	struct doc *d = o->doc;
	if (o->nitems >= o->lim.max_items) {
		if (!d->truncated)
			parse_warn(o, "more than %zu items: the rest is ignored", o->lim.max_items);
		if (!(d->caps & DOC_CAP_ITEMS))   /* once: items still on their way come here */
			parse_cap(o, DOC_CAP_ITEMS, 0, "more than %zu items, the rest not read",
				  o->lim.max_items);
		return NULL;
	}
	if (d->nitems == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 16;
		struct item *n = realloc(d->items, cap * sizeof *n);
		if (!n)
			return NULL;
		d->items = n;
		d->cap = cap;
	}
	struct item *it = &d->items[d->nitems++];
	memset(it, 0, sizeof *it);
	it->published = it->updated = DATE_NONE;
	o->item_bytes = 0;
	o->nitems++;
	return it;
}

void parse_item_done(struct parse_out *o, struct item *it)
{
	if (!o->on_item)
		return;
	o->on_item(it, o->on_item_arg);
	item_clear(it);
	o->doc->nitems--;
}

bool parse_push_str(char ***arr, size_t *n, char *val)
{
	if (!val)
		return false;
	for (size_t i = 0; i < *n; i++)
		if (strcmp((*arr)[i], val) == 0) {
			free(val);
			return false;
		}
	char **na = realloc(*arr, (*n + 1) * sizeof *na);
	if (!na) {
		free(val);
		return false;
	}
	na[(*n)++] = val;
	*arr = na;
	return true;
}

void parse_item_drop(struct parse_out *o, struct item *it)
{
	item_clear(it);
	o->doc->nitems--;
	o->nitems--;
}

/* Whether URL's scheme runs code where a reader follows it (javascript:,
 * vbscript:, data:), read as browsers do: space and control characters
 * before it and tabs and line ends inside it do not count. */
static bool script_url(const char *u)
{
	static const char *const bad[] = {"javascript:", "vbscript:", "data:"};
	char scheme[16];
	size_t n = 0;
	for (const unsigned char *p = (const unsigned char *)u; *p && n < sizeof scheme - 1; p++) {
		if (*p <= 0x20 || *p == 0x7f)
			continue;
		scheme[n++] = (char)tolower(*p);
		if (*p == ':')
			break;
	}
	scheme[n] = '\0';
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		if (!strcmp(scheme, bad[i]))
			return true;
	return false;
}

void parse_item_links(struct item *it)
{
	if (it->url && script_url(it->url)) {
		free(it->url);
		it->url = NULL;
	}
	size_t k = 0;
	for (size_t i = 0; i < it->nenclosures; i++) {
		struct enclosure *e = &it->enclosures[i];
		if (script_url(e->url)) {
			free(e->url);
			free(e->type);
			continue;
		}
		it->enclosures[k++] = *e;
	}
	it->nenclosures = k;
}

void parse_finish_item(struct parse_out *o, struct item *it)
{
	parse_item_links(it);
	/* JSON Feed: a reader shows the content where there is no summary. */
	if (!it->summary && it->content)
		it->summary = strdup(it->content);
}
