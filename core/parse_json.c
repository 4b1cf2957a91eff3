/* parse_json.c — JSON Feed 1.0/1.1 (jansson) into the item model. */
#include "core/parse_int.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/date.h"
#include "core/url.h"

/* S trimmed and cut to the field cap (at a UTF-8 boundary), as the XML
 * back end caps every field: a 30 MB title must not reach the store. */
static char *jdup(struct parse_out *po, const char *key, const char *s)
{
	if (!s)
		return NULL;
	size_t n = strlen(s);
	if (n > po->lim.max_field) {
		if (po->cur_item)
			parse_cap(po, DOC_CAP_FIELD, po->cur_item, "\"%s\" of item %zu cut at %zu bytes",
				  key, po->cur_item, po->lim.max_field);
		else
			parse_cap(po, DOC_CAP_FIELD, 0, "the feed's \"%s\" cut at %zu bytes", key,
				  po->lim.max_field);
		n = po->lim.max_field;
		while (n && ((unsigned char)s[n] & 0xC0) == 0x80)
			n--;
	}
	return text_trim_dup(s, n);
}

static char *jstr(struct parse_out *po, json_t *o, const char *key)
{
	return jdup(po, key, json_string_value(json_object_get(o, key)));
}

static char *jurl(struct parse_out *po, json_t *o, const char *key, const char *base)
{
	char *s = jstr(po, o, key);
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
static char *jauthor(struct parse_out *po, json_t *o)
{
	json_t *a = json_object_get(o, "authors");
	if (json_is_array(a) && json_array_size(a))
		a = json_array_get(a, 0);
	else
		a = json_object_get(o, "author");
	return json_is_object(a) ? jstr(po, a, "name") : NULL;
}

static char *html_resolved(char *h, const char *base)
{
	if (!h || !base)
		return h;
	return text_html_resolve_take(h, base);
}

/* V as text: an integral value as its integer digits (1004.0 is "1004"),
 * any other in the shortest %g form that reads back to V. */
static void real_text(double v, char *b, size_t n)
{
	if (v == 0) {
		snprintf(b, n, "0");   /* -0.0 too */
		return;
	}
	if (v > -1e21 && v < 1e21) {
		snprintf(b, n, "%.0f", v);
		if (strtod(b, NULL) == v)
			return;
	}
	for (int p = 1; p <= 17; p++) {
		snprintf(b, n, "%.*g", p, v);
		if (strtod(b, NULL) == v)
			return;
	}
}

/* The item's id as text. JSON Feed 1.1: an id given as a number is
 * coerced to a string: an integer is its digits as written, however large
 * (see quote_big_ints); a real is text too, never null ("1004" for
 * 1004.0, as JavaScript's String() and Swift's NSNumber give it). */
static char *jid(struct parse_out *o, json_t *j)
{
	json_t *id = json_object_get(j, "id");
	char b[32];
	if (json_is_string(id))
		return jstr(o, j, "id");
	if (json_is_integer(id))
		snprintf(b, sizeof b, "%" JSON_INTEGER_FORMAT, json_integer_value(id));
	else if (json_is_real(id))
		real_text(json_real_value(id), b, sizeof b);
	else
		return NULL;
	return strdup(b);
}

static void read_item(struct parse_out *o, json_t *j, const char *base)
{
	struct item *it = parse_new_item(o);
	if (!it) {
		o->stop = true;
		return;
	}
	o->cur_item = o->nitems;
	it->guid = jid(o, j);
	it->url = jurl(o, j, "url", base);
	if (!it->url)
		it->url = jurl(o, j, "external_url", base);
	it->title = jstr(o, j, "title");
	it->author = jauthor(o, j);
	char *html = jstr(o, j, "content_html");
	if (!html) {
		char *text = jstr(o, j, "content_text");
		if (text) {
			html = text_html_escape(text);
			free(text);
		}
	}
	it->content = html_resolved(html, base);
	char *sum = jstr(o, j, "summary");
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
		/* Categories are a set, as RSS's are. */
		parse_push_str(&it->categories, &it->ncategories,
			       jdup(o, "tags", json_string_value(v)));
	}
	json_t *att = json_object_get(j, "attachments");
	json_array_foreach(att, i, v) {
		char *u = jurl(o, v, "url", base);
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
		e->type = jstr(o, v, "mime_type");
		json_t *sz = json_object_get(v, "size_in_bytes");
		e->length = json_is_integer(sz) && json_integer_value(sz) >= 0 ? json_integer_value(sz) :
			    /* A real beyond int64 (1e56) cannot be converted: unknown. */
			    json_is_real(sz) && json_real_value(sz) >= 0 && json_real_value(sz) < 9.2e18 ?
			    (int64_t)json_real_value(sz) : -1;
	}
	parse_finish_item(o, it);
	parse_cap_item_done(o, o->cur_item, it);
	parse_item_done(o, it);
	o->cur_item = 0;
}

/* A byte of a JSON number literal. */
static bool num_byte(char c)
{
	return (c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E';
}

/* S (N bytes) is an integer literal that int64 cannot hold, which jansson
 * refuses ("too big integer"); a real (1e400, 1.5) is not one. */
static bool big_int(const char *s, size_t n)
{
	bool neg = n && s[0] == '-';
	s += neg;
	n -= neg;
	if (n < 19 || s[0] < '1' || s[0] > '9')
		return false;
	for (size_t i = 1; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return n > 19 || memcmp(s, neg ? "9223372036854775808" : "9223372036854775807", 19) > 0;
}

/* S (N bytes) is a number literal past a double's range (1e400), which
 * jansson refuses as it refuses a big integer ("real number overflow"). */
static bool big_real(const char *s, size_t n)
{
	if (!memchr(s, '.', n) && !memchr(s, 'e', n) && !memchr(s, 'E', n))
		return false;
	char *t = strndup(s, n);
	if (!t)
		return false;
	errno = 0;
	double v = strtod(t, NULL);
	bool big = errno == ERANGE && v != 0;
	free(t);
	return big;
}

/* A literal jansson cannot hold as a number. */
static bool big_number(const char *s, size_t n)
{
	return big_int(s, n) || big_real(s, n);
}

/* *OUT = BUF (LEN bytes) with every integer literal past int64 in quotes,
 * from the one jansson stopped at (the literal that ends at END) on, so
 * that one more read keeps each as its digits (and so a real past a
 * double's range: 1e400); 0, -EINVAL when there is
 * no such literal at END, or -ENOMEM. jansson read everything before END
 * as JSON, so END is outside any string; after it, strings are copied
 * whole, and a literal is a maximal run of number bytes outside them: the
 * digits inside a string, a fraction or an exponent are never quoted. One
 * pass over the text, however many such literals it holds. */
static int quote_big_ints(const char *buf, size_t len, size_t end, char **out, size_t *outlen)
{
	if (end > len)
		return -EINVAL;
	size_t start = end;
	while (start && num_byte(buf[start - 1]))
		start--;
	if ((end < len && num_byte(buf[end])) || !big_number(buf + start, end - start))
		return -EINVAL;
	/* Each literal quoted gains 2 bytes and has at least 4 (1e309). */
	char *q = malloc(len + 2 * (len / 4 + 1) + 1);
	if (!q)
		return -ENOMEM;
	memcpy(q, buf, start);
	size_t i = start, n = start;
	while (i < len) {
		size_t j = i + 1;
		bool quote = false;
		if (buf[i] == '"') {
			while (j < len && buf[j] != '"')
				j += buf[j] == '\\' ? 2 : 1;
			j = j < len ? j + 1 : len;
		} else if (num_byte(buf[i])) {
			while (j < len && num_byte(buf[j]))
				j++;
			quote = big_number(buf + i, j - i);
		}
		if (quote)
			q[n++] = '"';
		memcpy(q + n, buf + i, j - i);
		n += j - i;
		if (quote)
			q[n++] = '"';
		i = j;
	}
	q[n] = '\0';
	*out = q;
	*outlen = n;
	return 0;
}

void json_feed_parse(struct parse_out *o, const char *buf, size_t len)
{
	json_error_t jerr;
	json_t *root = json_loadb(buf, len, JSON_REJECT_DUPLICATES | JSON_DISABLE_EOF_CHECK, &jerr);
	if (!root) {
		root = json_loadb(buf, len, JSON_DISABLE_EOF_CHECK, &jerr);
		/* An integer past int64 somewhere (an extension's "_views", a
		 * 64-bit unsigned id), or a real past a double's: read the
		 * text again with every such literal a string, rather than
		 * the whole feed refused or every number a real (ids would
		 * lose their digits). */
		if (!root && json_error_code(&jerr) == json_error_numeric_overflow &&
		    jerr.position > 0) {
			char *q = NULL;
			size_t qlen = 0;
			int rc = quote_big_ints(buf, len, (size_t)jerr.position, &q, &qlen);
			if (rc == -ENOMEM) {
				parse_fail(o, rc, "out of memory");
				return;
			}
			if (rc == 0) {
				root = json_loadb(q, qlen, JSON_DISABLE_EOF_CHECK, &jerr);
				free(q);
			}
		}
		if (!root && json_error_code(&jerr) == json_error_premature_end_of_input &&
		    memmem(buf, len, "jsonfeed.org/version/", 21)) {
			/* A JSON Feed cut short: nothing of it is usable (jansson
			 * reads whole documents), but it is a cut, not junk. */
			o->doc->format = DOC_JSONFEED;
			if (!o->stop && !(o->doc->cut = strdup("inside the JSON document")))
				parse_fail(o, -ENOMEM, "out of memory");
			return;
		}
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
	char *feed_url = jurl(o, root, "feed_url", base);
	d->feed.title = jstr(o, root, "title");
	d->feed.link = jurl(o, root, "home_page_url", base);
	char *desc = jstr(o, root, "description");
	if (desc) {
		d->feed.description = text_html_escape(desc);
		free(desc);
	}
	d->feed.language = jstr(o, root, "language");
	d->feed.self = feed_url;
	json_t *hubs = json_object_get(root, "hubs");
	if (json_is_array(hubs) && json_array_size(hubs))
		d->feed.hub = jurl(o, json_array_get(hubs, 0), "url", base);
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
