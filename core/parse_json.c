/* parse_json.c — JSON Feed 1.0/1.1 (jansson) into the item model. */
#include "core/parse_int.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "core/date.h"
#include "core/url.h"

static char *jstr(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s ? text_trim_dup(s, strlen(s)) : NULL;
}

static char *jurl(json_t *o, const char *key, const char *base)
{
	char *s = jstr(o, key);
	if (!s)
		return NULL;
	char *r = url_resolve(base, s);
	free(s);
	return r;
}

static int64_t jdate(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	int64_t t;
	return s && date_parse(s, &t) == 0 ? t : DATE_NONE;
}

/* JSON Feed 1.1 "authors" (an array), or 1.0 "author". */
static char *jauthor(json_t *o)
{
	json_t *a = json_object_get(o, "authors");
	if (json_is_array(a) && json_array_size(a))
		a = json_array_get(a, 0);
	else
		a = json_object_get(o, "author");
	return json_is_object(a) ? jstr(a, "name") : NULL;
}

static char *html_resolved(char *h, const char *base)
{
	if (!h || !base)
		return h;
	char *r = text_html_resolve(h, base);
	free(h);
	return r;
}

static void read_item(struct parse_out *o, json_t *j, const char *base)
{
	struct item *it = parse_new_item(o);
	if (!it) {
		o->stop = true;
		return;
	}
	json_t *id = json_object_get(j, "id");
	if (json_is_string(id))
		it->guid = jstr(j, "id");
	else if (json_is_integer(id) && asprintf(&it->guid, "%lld", (long long)json_integer_value(id)) < 0)
		it->guid = NULL;
	it->url = jurl(j, "url", base);
	if (!it->url)
		it->url = jurl(j, "external_url", base);
	it->title = jstr(j, "title");
	it->author = jauthor(j);
	char *html = jstr(j, "content_html");
	if (!html) {
		char *text = jstr(j, "content_text");
		if (text) {
			html = text_html_escape(text);
			free(text);
		}
	}
	it->content = html_resolved(html, base);
	char *sum = jstr(j, "summary");
	if (sum) {
		it->summary = text_html_escape(sum);
		free(sum);
	}
	it->published = jdate(j, "date_published");
	it->updated = jdate(j, "date_modified");
	json_t *tags = json_object_get(j, "tags");
	size_t i;
	json_t *v;
	json_array_foreach(tags, i, v) {
		const char *s = json_string_value(v);
		char *t = s ? text_trim_dup(s, strlen(s)) : NULL;
		if (!t)
			continue;
		char **n = realloc(it->categories, (it->ncategories + 1) * sizeof *n);
		if (!n) {
			free(t);
			break;
		}
		it->categories = n;
		n[it->ncategories++] = t;
	}
	json_t *att = json_object_get(j, "attachments");
	json_array_foreach(att, i, v) {
		char *u = jurl(v, "url", base);
		if (!u)
			continue;
		struct enclosure *n = realloc(it->enclosures, (it->nenclosures + 1) * sizeof *n);
		if (!n) {
			free(u);
			break;
		}
		it->enclosures = n;
		struct enclosure *e = &n[it->nenclosures++];
		e->url = u;
		e->type = jstr(v, "mime_type");
		json_t *sz = json_object_get(v, "size_in_bytes");
		e->length = json_is_integer(sz) && json_integer_value(sz) >= 0 ? json_integer_value(sz) :
			    json_is_real(sz) && json_real_value(sz) >= 0 ? (int64_t)json_real_value(sz) : -1;
	}
	parse_finish_item(o, it);
}

void json_feed_parse(struct parse_out *o, const char *buf, size_t len)
{
	json_error_t jerr;
	json_t *root = json_loadb(buf, len, JSON_REJECT_DUPLICATES | JSON_DISABLE_EOF_CHECK, &jerr);
	if (!root) {
		root = json_loadb(buf, len, JSON_DISABLE_EOF_CHECK, &jerr);
		if (!root) {
			parse_fail(o, -EINVAL, "not a feed: JSON error at line %d: %s", jerr.line, jerr.text);
			return;
		}
	}
	const char *version = json_string_value(json_object_get(root, "version"));
	if (!json_is_object(root) || !version || !strstr(version, "jsonfeed.org/version/")) {
		parse_fail(o, -EINVAL, "not a feed: JSON without a jsonfeed.org version");
		json_decref(root);
		return;
	}
	struct doc *d = o->doc;
	d->format = DOC_JSONFEED;
	const char *base = o->base;
	char *feed_url = jurl(root, "feed_url", base);
	d->feed.title = jstr(root, "title");
	d->feed.link = jurl(root, "home_page_url", base);
	char *desc = jstr(root, "description");
	if (desc) {
		d->feed.description = text_html_escape(desc);
		free(desc);
	}
	d->feed.language = jstr(root, "language");
	d->feed.self = feed_url;
	json_t *hubs = json_object_get(root, "hubs");
	if (json_is_array(hubs) && json_array_size(hubs))
		d->feed.hub = jurl(json_array_get(hubs, 0), "url", base);
	json_t *items = json_object_get(root, "items");
	size_t i;
	json_t *v;
	json_array_foreach(items, i, v) {
		if (o->stop)
			break;
		if (json_is_object(v))
			read_item(o, v, base);
	}
	json_decref(root);
}
