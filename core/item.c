/* item.c — the item model's life cycle and its JSON shape (DESIGN.md). */
#include "core/item.h"

#include <stdlib.h>
#include <string.h>

#include "core/date.h"

static const char *const format_names[DOC__COUNT] = {
	[DOC_UNKNOWN] = "unknown",
	[DOC_RSS] = "rss",
	[DOC_RDF] = "rdf",
	[DOC_ATOM03] = "atom03",
	[DOC_ATOM10] = "atom10",
	[DOC_JSONFEED] = "jsonfeed",
};

const char *doc_format_name(enum doc_format f)
{
	return (unsigned)f < DOC__COUNT ? format_names[f] : "unknown";
}

int64_t item_date(const struct item *it, int64_t first_seen)
{
	int64_t d = it->published != DATE_NONE ? it->published : it->updated;
	return d != DATE_NONE && d <= first_seen ? d : first_seen;
}

void item_clear(struct item *it)
{
	free(it->guid);
	free(it->url);
	free(it->title);
	free(it->author);
	free(it->summary);
	free(it->content);
	for (size_t i = 0; i < it->ncategories; i++)
		free(it->categories[i]);
	free(it->categories);
	for (size_t i = 0; i < it->nenclosures; i++) {
		free(it->enclosures[i].url);
		free(it->enclosures[i].type);
	}
	free(it->enclosures);
	memset(it, 0, sizeof *it);
	it->published = it->updated = DATE_NONE;
}

static void feed_info_clear(struct feed_info *f)
{
	free(f->title);
	free(f->link);
	free(f->description);
	free(f->language);
	free(f->self);
	free(f->hub);
	memset(f, 0, sizeof *f);
}

void doc_free(struct doc *d)
{
	if (!d)
		return;
	for (size_t i = 0; i < d->nitems; i++)
		item_clear(&d->items[i]);
	free(d->items);
	feed_info_clear(&d->feed);
	free(d->warning);
	free(d->cut);
	free(d->capped);
	free(d);
}

size_t utf8_seq_len(const unsigned char *s, size_t left)
{
	unsigned c = s[0];
	size_t n;
	unsigned min;
	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF) { n = 2; min = 0x80; }
	else if (c >= 0xE0 && c <= 0xEF) { n = 3; min = 0x800; }
	else if (c >= 0xF0 && c <= 0xF4) { n = 4; min = 0x10000; }
	else return 0;
	if (left < n)
		return 0;
	unsigned cp = c & (0x7F >> n);
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3F);
	}
	if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		return 0;
	return n;
}

json_t *json_string_lossy(const char *s)
{
	if (!s)
		return json_null();
	size_t len = strlen(s);
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, bad = 0;
	while (i < len) {
		size_t n = utf8_seq_len(u + i, len - i);
		if (!n) { bad++; n = 1; }
		i += n;
	}
	if (!bad)
		return json_stringn(s, len);
	char *out = malloc(len + bad * 2 + 1);
	if (!out)
		return json_null();
	size_t o = 0;
	for (i = 0; i < len;) {
		size_t n = utf8_seq_len(u + i, len - i);
		if (n) {
			memcpy(out + o, s + i, n);
			o += n;
			i += n;
		} else {
			memcpy(out + o, "\xEF\xBF\xBD", 3);  /* U+FFFD */
			o += 3;
			i++;
		}
	}
	json_t *j = json_stringn(out, o);
	free(out);
	return j;
}

static json_t *json_date(int64_t t)
{
	if (t == DATE_NONE)
		return json_null();
	char buf[32];
	date_format_rfc3339(t, buf, sizeof buf);
	return json_string(buf);
}

json_t *item_to_json(const struct item *it)
{
	json_t *cats = json_array();
	for (size_t i = 0; i < it->ncategories; i++)
		json_array_append_new(cats, json_string_lossy(it->categories[i]));
	json_t *encs = json_array();
	for (size_t i = 0; i < it->nenclosures; i++) {
		const struct enclosure *e = &it->enclosures[i];
		json_array_append_new(encs, json_pack("{s:o,s:o,s:o}",
			"url", json_string_lossy(e->url),
			"type", json_string_lossy(e->type),
			"length", e->length >= 0 ? json_integer(e->length) : json_null()));
	}
	return json_pack("{s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o}",
		"guid", json_string_lossy(it->guid),
		"url", json_string_lossy(it->url),
		"title", json_string_lossy(it->title),
		"author", json_string_lossy(it->author),
		"summary", json_string_lossy(it->summary),
		"content", json_string_lossy(it->content),
		"published", json_date(it->published),
		"updated", json_date(it->updated),
		"categories", cats,
		"enclosures", encs);
}

json_t *feed_info_to_json(const struct feed_info *f)
{
	return json_pack("{s:o,s:o,s:o,s:o,s:o}",
		"title", json_string_lossy(f->title),
		"link", json_string_lossy(f->link),
		"description", json_string_lossy(f->description),
		"language", json_string_lossy(f->language),
		"updated", json_date(f->updated));
}

json_t *doc_to_json(const struct doc *d)
{
	json_t *items = json_array();
	for (size_t i = 0; i < d->nitems; i++)
		json_array_append_new(items, item_to_json(&d->items[i]));
	return json_pack("{s:o,s:o}", "feed", feed_info_to_json(&d->feed), "items", items);
}

json_t *json_loads_or(const char *text, json_t *fallback)
{
	json_t *j = text ? json_loads(text, 0, NULL) : NULL;
	if (j) {
		json_decref(fallback);
		return j;
	}
	return fallback;
}

/* The store's times: 0 is "unknown", unlike an item's DATE_NONE. */
static json_t *json_seen(int64_t t)
{
	return t ? json_date(t) : json_null();
}

json_t *item_row_to_json(const struct item_row *r)
{
	/* The item model's own JSON, then the store's fields on top, in this
	 * order: apifmt_row_json writes the same bytes without the tree. */
	struct item it = {
		.guid = (char *)r->guid,
		.url = (char *)r->url,
		.title = (char *)r->title,
		.author = (char *)r->author,
		.summary = (char *)r->summary,
		.content = (char *)r->content,
		.published = r->published,
		.updated = r->updated,
	};
	json_t *j = item_to_json(&it);
	if (!j)
		return NULL;
	json_object_set_new(j, "categories", json_loads_or(r->categories, json_array()));
	json_object_set_new(j, "enclosures", json_loads_or(r->enclosures, json_array()));
	json_object_set_new(j, "id", json_integer(r->id));
	json_object_set_new(j, "feed", json_string_lossy(r->feed));
	json_object_set_new(j, "first_seen", json_seen(r->first_seen));
	json_object_set_new(j, "updated_seen", json_seen(r->updated_seen));
	json_object_set_new(j, "identity", json_string(r->identity));
	json_object_set_new(j, "duplicate_of", r->has_duplicate ? json_integer(r->duplicate_of)
							     : json_null());
	json_object_set_new(j, "date", json_seen(r->date));
	if (r->skipped)
		json_object_set_new(j, "skipped", json_true());
	json_object_set_new(j, "read", json_boolean(r->read));
	json_object_set_new(j, "starred", json_boolean(r->starred));
	return j;
}
