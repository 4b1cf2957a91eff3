/* test_parse.c — the feed parser on our own test feeds (every format and
 * encoding, fed whole, in 1-byte and in 4 KiB chunks), its caps, and the
 * attack documents. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <jansson.h>

#include "core/apifmt.h"
#include "core/parse.h"
#include "core/parse_rules.h"

static char *read_all(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	buf[n] = '\0';
	*len = (size_t)n;
	return buf;
}

static char *data_path(const char *name)
{
	const char *dir = getenv("FEEDD_TEST_DATA");
	char *p;
	assert_true(asprintf(&p, "%s/feeds/%s", dir ? dir : "tests/data", name) > 0);
	return p;
}

/* Parses BUF in chunks of CHUNK bytes (0 = whole); returns the doc or NULL
 * with *err set. */
static struct doc *parse_chunked(const struct parse_opts *o, const char *buf, size_t len,
				 size_t chunk, int *rc, char **err)
{
	struct parser *p = parse_new(o);
	assert_non_null(p);
	if (!chunk)
		chunk = len ? len : 1;
	for (size_t off = 0; off < len; off += chunk) {
		size_t n = len - off < chunk ? len - off : chunk;
		if (parse_chunk(p, buf + off, n) < 0)
			break;
	}
	struct doc *d = NULL;
	*err = NULL;
	*rc = parse_finish(p, &d, err);
	parse_free(p);
	return d;
}

static char *doc_dump(const struct doc *d)
{
	json_t *j = doc_to_json(d);
	char *s = json_dumps(j, JSON_SORT_KEYS | JSON_COMPACT);
	json_decref(j);
	return s;
}

/* apifmt_doc_json's flush: the bytes go on to another buffer. */
static void flush_to(struct buf *b, void *arg)
{
	buf_append(arg, b->data, b->len);
	b->len = 0;
}

/* `feedd --parse`'s writer gives the bytes of the jansson tree, whether it
 * renders at once or flushes as it goes. */
static void assert_direct_equals_tree(const struct doc *d, const json_t *tree)
{
	char *want = json_dumps(tree, JSON_COMPACT | JSON_PRESERVE_ORDER);
	assert_non_null(want);
	struct buf once = {0}, part = {0}, all = {0};
	apifmt_doc_json(&once, d, NULL, NULL);
	apifmt_doc_json(&part, d, flush_to, &all);
	assert_false(once.oom || all.oom);
	assert_string_equal(once.data, want);
	assert_string_equal(all.data, want);
	assert_int_equal(part.len, 0);
	buf_free(&once);
	buf_free(&part);
	buf_free(&all);
	free(want);
}

/* parse_opts.on_item: each item's JSON, ',' between them. */
struct handed { struct buf json; size_t n; };
static void collect_item(const struct item *it, void *arg)
{
	struct handed *h = arg;
	if (h->n++)
		buf_append(&h->json, ",", 1);
	apifmt_item_json(&h->json, it);
}

/* Items handed out one at a time (parse_opts.on_item) are those a kept
 * parse has, in order, with the same feed, warnings, cut and caps; the
 * doc then holds none. */
static void assert_handed_out_same(struct parse_opts o, const char *buf, size_t len,
				   size_t chunk)
{
	int rc1, rc2;
	char *err1 = NULL, *err2 = NULL;
	struct doc *kept = parse_chunked(&o, buf, len, chunk, &rc1, &err1);
	struct handed h = {0};
	o.on_item = collect_item;
	o.on_item_arg = &h;
	struct doc *streamed = parse_chunked(&o, buf, len, chunk, &rc2, &err2);
	assert_int_equal(rc1, rc2);
	if (rc1) {
		assert_string_equal(err1, err2);
		free(err1);
		free(err2);
		buf_free(&h.json);
		return;
	}
	assert_int_equal(streamed->nitems, 0);
	assert_int_equal(h.n, kept->nitems);
	struct buf want = {0}, got = {0};
	for (size_t i = 0; i < kept->nitems; i++) {
		if (i)
			buf_append(&want, ",", 1);
		apifmt_item_json(&want, &kept->items[i]);
	}
	assert_string_equal(want.data ? want.data : "", h.json.data ? h.json.data : "");
	apifmt_feed_json(&want, &kept->feed);
	apifmt_feed_json(&got, &streamed->feed);
	assert_string_equal(want.data + want.len - got.len, got.data);
	assert_int_equal(kept->truncated, streamed->truncated);
	assert_int_equal(kept->caps, streamed->caps);
#define SAME_STR(f) do { if (kept->f || streamed->f) { assert_non_null(kept->f); \
	assert_non_null(streamed->f); assert_string_equal(kept->f, streamed->f); } } while (0)
	SAME_STR(warning);
	SAME_STR(cut);
	SAME_STR(capped);
#undef SAME_STR
	buf_free(&want);
	buf_free(&got);
	buf_free(&h.json);
	doc_free(kept);
	doc_free(streamed);
}

struct feed_case {
	const char *file;
	const char *content_type;
	enum doc_format format;
};

static const struct feed_case feed_cases[] = {
	{"rss20.xml", NULL, DOC_RSS},
	{"rss091.xml", NULL, DOC_RSS},
	{"rdf.xml", NULL, DOC_RDF},
	{"atom03.xml", NULL, DOC_ATOM03},
	{"atom10.xml", NULL, DOC_ATOM10},
	{"jsonfeed.json", NULL, DOC_JSONFEED},
	{"illformed.xml", NULL, DOC_RSS},
	{"cp1252.xml", NULL, DOC_RSS},
	{"badutf8.xml", NULL, DOC_RSS},
	{"utf16le.xml", NULL, DOC_RSS},
	/* No BOM, no declaration: read as UTF-16 (the header agrees). */
	{"utf16be-nobom.xml", "application/xml; charset=utf-16be", DOC_RSS},
	{"utf32be.xml", NULL, DOC_RSS},
	{"koi8r.xml", NULL, DOC_RSS},
	{"http-latin1.xml", "text/xml; charset=ISO-8859-1", DOC_RSS},
	{"rss_guids.xml", NULL, DOC_RSS},
	/* Real-world shapes (issue 18), answers checked against feedparser's
	 * rules: summary/content order, first author, Atom authors. */
	{"podcast-itunes.xml", NULL, DOC_RSS},
	{"wordpress-rss.xml", NULL, DOC_RSS},
	{"mastodon-rss.xml", NULL, DOC_RSS},
	{"youtube-atom.xml", NULL, DOC_ATOM10},
	{"github-atom.xml", NULL, DOC_ATOM10},
	{"blogger-atom.xml", NULL, DOC_ATOM10},
	{"news-media-rss.xml", NULL, DOC_RSS},
	{"relative-base-atom.xml", NULL, DOC_ATOM10},
	{"authors-rss.xml", NULL, DOC_RSS},
	{"links-rss.xml", NULL, DOC_RSS},
	/* A real content element takes the content from a summary-like
	 * element standing in for it; captions stay captions. */
	{"content-standin-rss.xml", NULL, DOC_RSS},
	/* Attribute names in any case (isPermalink, URL, Length, HREF). */
	{"attr-case-rss.xml", NULL, DOC_RSS},
	{"jsonfeed-tags.json", NULL, DOC_JSONFEED},
	/* JSON is UTF-8 whatever the HTTP charset says. */
	{"jsonfeed.json", "application/feed+json; charset=ISO-8859-1", DOC_JSONFEED},
};

/* Every test feed: the expected JSON, whatever the chunking. */
static void test_feeds(void **state)
{
	for (size_t i = 0; i < sizeof feed_cases / sizeof feed_cases[0]; i++) {
		const struct feed_case *c = &feed_cases[i];
		char *path = data_path(c->file);
		size_t len;
		char *buf = read_all(path, &len);
		char *exp_path;
		size_t stem = strcspn(path, ".");
		for (const char *dot = path; (dot = strchr(dot, '.')); dot++)
			stem = (size_t)(dot - path);
		assert_true(asprintf(&exp_path, "%.*s.expected.json", (int)stem, path) > 0);
		json_error_t jerr;
		json_t *expected = json_load_file(exp_path, 0, &jerr);
		if (!expected)
			fail_msg("%s: %s", exp_path, jerr.text);
		struct parse_opts o = {.url = "http://doc.example.net/dir/feed",
				       .content_type = c->content_type};
		char *first = NULL;
		const size_t chunks[] = {0, 1, 4096, 7};
		for (size_t k = 0; k < sizeof chunks / sizeof chunks[0]; k++) {
			int rc;
			char *err;
			struct doc *d = parse_chunked(&o, buf, len, chunks[k], &rc, &err);
			if (rc)
				fail_msg("%s (chunk %zu): %s", c->file, chunks[k], err);
			assert_int_equal(d->format, c->format);
			json_t *got = doc_to_json(d);
			if (!json_equal(got, expected)) {
				char *g = json_dumps(got, JSON_INDENT(1));
				fail_msg("%s (chunk %zu) differs from expected:\n%s", c->file, chunks[k], g);
			}
			assert_direct_equals_tree(d, got);
			assert_handed_out_same(o, buf, len, chunks[k]);
			json_decref(got);
			char *s = doc_dump(d);
			if (!first)
				first = s;
			else {
				assert_string_equal(first, s);
				free(s);
			}
			doc_free(d);
		}
		free(first);
		json_decref(expected);
		free(exp_path);
		free(buf);
		free(path);
	}
}

static struct doc *parse_str(const char *s, int *rc, char **err)
{
	struct parse_opts o = {0};
	struct doc *d = NULL;
	*rc = parse_buffer(&o, s, strlen(s), &d, err);
	return d;
}

/* The scheduling hints and links a publisher gives. */
static void test_hints(void **state)
{
	char *path = data_path("rss20.xml");
	size_t len;
	char *buf = read_all(path, &len);
	struct doc *d = NULL;
	char *err;
	assert_int_equal(parse_buffer(NULL, buf, len, &d, &err), 0);
	assert_int_equal(d->feed.hints.ttl, 3600);
	assert_int_equal(d->feed.hints.skip_hours, (1u << 0) | (1u << 1) | (1u << 23));
	assert_int_equal(d->feed.hints.skip_days, (1u << 0) | (1u << 6));
	assert_string_equal(d->feed.self, "http://example.org/feed.xml");
	assert_string_equal(d->feed.hub, "https://pubsubhubbub.appspot.com/");
	doc_free(d);
	free(buf);
	free(path);

	/* Attribute names in any case: <atom:link Rel="self" HREF=...>. */
	path = data_path("attr-case-rss.xml");
	buf = read_all(path, &len);
	assert_int_equal(parse_buffer(NULL, buf, len, &d, &err), 0);
	assert_string_equal(d->feed.self, "https://attrs.example/rss.xml");
	doc_free(d);
	free(buf);
	free(path);

	path = data_path("rdf.xml");
	buf = read_all(path, &len);
	assert_int_equal(parse_buffer(NULL, buf, len, &d, &err), 0);
	assert_int_equal(d->feed.hints.sy_period, 1800);   /* hourly, twice */
	doc_free(d);
	free(buf);
	free(path);
}

/* A '<' in text that can start no markup is text (feedparser's loose
 * parse): the item that has it and every later one are kept, whole or in
 * any chunks; a real tag next to it is still a tag. */
static void test_literal_lt_in_text(void **state)
{
	(void)state;
	const char *feed =
		"<rss version=\"2.0\"><channel><title>t</title>\n"
		"<item><title>one</title></item>\n"
		"<item><title>I <3 feeds, < 10 ms, a <= b <- c << d <$ <! e <</title>"
		"<description>x <b>bold</b> <!-- c --><![CDATA[ <4 ]]> y</description></item>\n"
		"<item><title>caf\xc3\xa9 <3</title></item>\n"
		"<item><title>three</title></item>\n"
		"</channel></rss>";
	for (size_t chunk = 0; chunk <= 3; chunk++) {
		int rc;
		char *err;
		struct doc *d = parse_chunked(NULL, feed, strlen(feed), chunk, &rc, &err);
		assert_non_null(d);
		assert_int_equal(d->nitems, 4);
		assert_string_equal(d->items[1].title, "I <3 feeds, < 10 ms, a <= b <- c << d <$ <! e <");
		/* Markup in the description: its text is text (below). */
		assert_string_equal(d->items[1].summary, "x <b>bold</b>  &lt;4  y");
		assert_string_equal(d->items[2].title, "caf\xc3\xa9 <3");
		assert_string_equal(d->items[3].title, "three");
		doc_free(d);
		free(err);
	}
}

/* HTML written as markup inside an HTML element (an RSS description,
 * Atom type="html") rather than escaped: its text is text, so that
 * "&lt;script&gt;" stays a word and becomes no element; the same HTML
 * escaped is HTML as always. */
static void test_html_as_markup(void **state)
{
	(void)state;
	int rc;
	char *err;
	struct doc *d = parse_str(
		"<rss version=\"2.0\"><channel><title>t</title>"
		"<item><guid>1</guid><description><p>Use &lt;script&gt; &amp; AT&amp;T</p>"
		"</description></item>"
		"<item><guid>2</guid><description>&lt;p&gt;escaped &amp;amp; fine&lt;/p&gt;"
		"</description></item>"
		"<item><guid>3</guid><description>a &lt;i&gt; <br/> c</description></item>"
		"</channel></rss>", &rc, &err);
	assert_non_null(d);
	assert_int_equal(d->nitems, 3);
	assert_string_equal(d->items[0].summary, "<p>Use &lt;script&gt; &amp; AT&amp;T</p>");
	assert_string_equal(d->items[1].summary, "<p>escaped &amp; fine</p>");
	assert_string_equal(d->items[2].summary, "a &lt;i&gt; <br> c");
	doc_free(d);
	free(err);
	d = parse_str("<feed xmlns=\"http://www.w3.org/2005/Atom\"><title>t</title><entry><id>e</id>"
		      "<content type=\"html\"><p>Use &lt;b&gt; for bold</p></content></entry></feed>",
		      &rc, &err);
	assert_non_null(d);
	assert_string_equal(d->items[0].content, "<p>Use &lt;b&gt; for bold</p>");
	doc_free(d);
	free(err);
}

/* An integer past int64 (an extension's counter) or a real past a
 * double's range anywhere in a JSON Feed does not refuse the feed; numeric
 * ids keep their text. */
static void test_json_big_integer(void **state)
{
	(void)state;
	int rc;
	char *err;
	struct doc *d = parse_str(
		"{\"version\":\"https://jsonfeed.org/version/1.1\",\"title\":\"x\",\"items\":["
		"{\"id\":123,\"url\":\"https://x/1\",\"_meta\":{\"views\":18446744073709551615}},"
		"{\"id\":\"s\",\"url\":\"https://x/2\",\"attachments\":[{\"url\":\"https://x/a\","
		"\"size_in_bytes\":1234},{\"url\":\"https://x/b\",\"size_in_bytes\":99999999999999999999}]},"
		/* After the first, a literal inside a string, a fraction or an
		 * exponent stays as written; the next big one is read too. */
		"{\"id\":-99999999999999999999,\"title\":\"\\\"12345678901234567890123 \\\\\","
		"\"_x\":[1.12345678901234567890123,12345678901234567890123e2]}]}", &rc, &err);
	assert_non_null(d);
	assert_int_equal(d->nitems, 3);
	assert_string_equal(d->items[0].guid, "123");
	assert_string_equal(d->items[1].guid, "s");
	assert_int_equal(d->items[1].enclosures[0].length, 1234);
	assert_int_equal(d->items[1].enclosures[1].length, -1);
	assert_string_equal(d->items[2].guid, "-99999999999999999999");
	assert_string_equal(d->items[2].title, "\"12345678901234567890123 \\");
	doc_free(d);
	free(err);
	/* A real past a double's range, first or after a big integer. */
	d = parse_str("{\"version\":\"https://jsonfeed.org/version/1.1\",\"title\":\"x\",\"items\":["
		      "{\"id\":7,\"url\":\"https://x/1\",\"_x\":1e400},"
		      "{\"id\":99999999999999999999,\"url\":\"https://x/2\",\"_y\":-2.5E+999}]}",
		      &rc, &err);
	assert_non_null(d);
	assert_int_equal(d->nitems, 2);
	assert_string_equal(d->items[0].guid, "7");
	assert_string_equal(d->items[1].guid, "99999999999999999999");
	doc_free(d);
	free(err);
}

/* A numeric id is its digits as written whatever else the document holds:
 * an integer past int64 in one item must not turn the others' ids into
 * reals (1734567890123456789 and ...795 were both
 * "1.7345678901234568e+18"), which announced every item again and switched
 * the feed to link identity. A real id is coerced to a string too. */
static void test_json_numeric_ids_stable(void **state)
{
	(void)state;
	static const char *const fmt =
		"{\"version\":\"https://jsonfeed.org/version/1.1\",\"title\":\"x\",\"items\":["
		"{\"id\":1734567890123456789,\"url\":\"https://x/1\"},"
		"{\"id\":1734567890123456795,\"url\":\"https://x/2\"%s},"
		"{\"id\":1734567890123456801,\"url\":\"https://x/3\"},"
		"{\"id\":1004.0,\"url\":\"https://x/4\"},{\"id\":1004.5,\"url\":\"https://x/5\"},"
		"{\"id\":-0.0,\"url\":\"https://x/6\"},{\"id\":1e21,\"url\":\"https://x/7\"},"
		"{\"id\":-9223372036854775808,\"url\":\"https://x/8\"}]}";
	static const char *const want[] = {
		"1734567890123456789", "1734567890123456795", "1734567890123456801",
		"1004", "1004.5", "0", "1e+21", "-9223372036854775808",
	};
	const char *extra[] = {"", ",\"_stats\":{\"views\":123456789012345678901}"};
	for (int k = 0; k < 2; k++) {
		char doc[1024];
		snprintf(doc, sizeof doc, fmt, extra[k]);
		int rc;
		char *err = NULL;
		struct doc *d = parse_str(doc, &rc, &err);
		assert_int_equal(rc, 0);
		assert_int_equal(d->nitems, 8);
		for (size_t i = 0; i < 8; i++) {
			if (!d->items[i].guid || strcmp(d->items[i].guid, want[i]))
				fail_msg("document %d item %zu: guid %s, want %s", k, i,
					 d->items[i].guid ? d->items[i].guid : "null", want[i]);
		}
		doc_free(d);
		free(err);
	}
}

/* An item left unclosed ends where the next one starts (feedparser's
 * loose parse), in RSS and Atom: no item merges into another, none is
 * lost, and no field of one goes to another. */
static void test_unclosed_item(void **state)
{
	(void)state;
	int rc;
	char *err;
	struct doc *d = parse_str(
		"<rss version=\"2.0\"><channel><title>t</title>"
		"<item><title>one</title><link>http://x/1</link>"
		"<item><title>two</title><link>http://x/2</link></item>"
		"<item><title>three</title></item></channel></rss>", &rc, &err);
	assert_non_null(d);
	assert_int_equal(d->nitems, 3);
	assert_string_equal(d->items[0].title, "one");
	assert_string_equal(d->items[0].url, "http://x/1");
	assert_string_equal(d->items[1].title, "two");
	assert_string_equal(d->items[1].url, "http://x/2");
	assert_string_equal(d->items[2].title, "three");
	assert_null(d->items[2].url);
	assert_string_equal(d->feed.title, "t");
	doc_free(d);
	free(err);
	d = parse_str("<feed xmlns=\"http://www.w3.org/2005/Atom\"><title>t</title>"
		      "<entry><id>1</id><entry><id>2</id></entry><entry><id>3</id><entry><id>4</id>"
		      "</feed>", &rc, &err);
	assert_non_null(d);
	assert_int_equal(d->nitems, 4);
	for (size_t i = 0; i < 4; i++) {
		char want[2] = {(char)('1' + i), 0};
		assert_string_equal(d->items[i].guid, want);
	}
	doc_free(d);
	free(err);
}

/* An RSS item's author with elements inside (.NET's <a10:author>, an
 * <author><name>): its name, else its e-mail; plain ones as before. */
static void test_structured_author_in_rss(void **state)
{
	(void)state;
	int rc;
	char *err;
	struct doc *d = parse_str(
		"<rss version=\"2.0\" xmlns:a10=\"http://www.w3.org/2005/Atom\"><channel><title>t</title>"
		"<item><guid>1</guid><a10:author><a10:name>Bob Smith</a10:name>"
		"<a10:email>bob@x.org</a10:email></a10:author></item>"
		"<item><guid>2</guid><a10:author><a10:name>Bob Smith</a10:name>"
		"<a10:uri>https://x.org/</a10:uri></a10:author></item>"
		"<item><guid>3</guid><author> <email>ann@x.org</email> </author></item>"
		"<item><guid>4</guid><author>jo@x.org (Jo)</author></item>"
		"</channel></rss>", &rc, &err);
	assert_non_null(d);
	assert_int_equal(d->nitems, 4);
	assert_string_equal(d->items[0].author, "Bob Smith");
	assert_string_equal(d->items[1].author, "Bob Smith");
	assert_string_equal(d->items[2].author, "ann@x.org");
	assert_string_equal(d->items[3].author, "Jo");
	doc_free(d);
	free(err);
}

static void test_not_a_feed(void **state)
{
	int rc;
	char *err;
	struct doc *d = parse_str("<!DOCTYPE html><html><body>hi</body></html>", &rc, &err);
	assert_null(d);
	assert_int_equal(rc, -EINVAL);
	assert_non_null(strstr(err, "not a feed"));
	assert_non_null(strstr(err, "html"));
	free(err);

	d = parse_str("", &rc, &err);
	assert_null(d);
	assert_int_equal(rc, -EINVAL);
	free(err);

	d = parse_str("{\"hello\": 1}", &rc, &err);
	assert_null(d);
	assert_int_equal(rc, -EINVAL);
	free(err);

	d = parse_str("just some text", &rc, &err);
	assert_null(d);
	assert_int_equal(rc, -EINVAL);
	free(err);
}

/* The HTTP charset applies when the document says nothing; the XML
 * declaration wins over it; a BOM wins over both. */
static void test_charset_precedence(void **state)
{
	/* "Новости" in KOI8-R. */
	const char koi[] = "<rss><channel><title>\xee\xcf\xd7\xcf\xd3\xd4\xc9</title></channel></rss>";
	struct parse_opts o = {.content_type = "application/rss+xml; charset=koi8-r"};
	struct doc *d;
	char *err;
	assert_int_equal(parse_buffer(&o, koi, strlen(koi), &d, &err), 0);
	assert_string_equal(d->feed.title, "Новости");
	doc_free(d);

	const char decl[] = "<?xml version='1.0' encoding='koi8-r'?><rss><channel><title>\xee\xcf\xd7\xcf\xd3\xd4\xc9</title></channel></rss>";
	o.content_type = "text/xml; charset=utf-8";
	assert_int_equal(parse_buffer(&o, decl, strlen(decl), &d, &err), 0);
	assert_string_equal(d->feed.title, "Новости");
	doc_free(d);

	const char bom[] = "\xEF\xBB\xBF<?xml version='1.0' encoding='koi8-r'?><rss><channel><title>caf\xc3\xa9</title></channel></rss>";
	assert_int_equal(parse_buffer(&o, bom, strlen(bom), &d, &err), 0);
	assert_string_equal(d->feed.title, "café");
	doc_free(d);
}

static void test_entities_and_refs(void **state)
{
	int rc;
	char *err;
	struct doc *d = parse_str("<rss><channel><title>a&nbsp;b &mdash; &eacute;&#233;&#xE9;&#XE9; &amp;amp; Q&amp;A &unknown; AT&T</title>"
				  "<item><link>http://x/?a=1&b=2</link></item></channel></rss>", &rc, &err);
	assert_int_equal(rc, 0);
	assert_string_equal(d->feed.title, "a\xc2\xa0" "b — éééé &amp; Q&A &unknown; AT&T");
	assert_string_equal(d->items[0].url, "http://x/?a=1&b=2");
	doc_free(d);

	/* Entities a document declares as one character each (a hand-made
	 * feed declaring the HTML entities it uses): the document is read,
	 * the references as any (HTML's names as HTML's characters). */
	d = parse_str("<?xml version=\"1.0\"?><!DOCTYPE rss [<!ENTITY nbsp \"&#160;\">"
		      "<!ENTITY copy \"&#169;\"><!ENTITY mdash \"&#8212;\"><!ENTITY star \"*\">]>"
		      "<rss><channel><title>One&nbsp;&mdash; two</title>"
		      "<item><title>&copy; 2026 &eacute;</title></item></channel></rss>", &rc, &err);
	assert_int_equal(rc, 0);
	assert_string_equal(d->feed.title, "One\xc2\xa0\xe2\x80\x94 two");
	assert_string_equal(d->items[0].title, "\xc2\xa9 2026 \xc3\xa9");
	doc_free(d);
}

/* Text runs the scanner takes out of libxml2's way (parse_scan.c) give the
 * characters libxml2 would have given, in every chunking: line ends
 * normalised in text and in CDATA (XML 1.0 2.11, which libxml2's push
 * parser skips for CDATA), references decoded, a document PI
 * with the marker's name taking nothing, control characters dropped before
 * anything else reads the text (even inside a reference). */
static void test_text_runs(void **state)
{
	const char *doc =
		"<?xml version=\"1.0\"?>\n<rss><channel><title>caf\xc3\xa9 &amp; \xe6\x9d\xb1\r\nx\ry]]>z"
		"<?_f?>\x01 &#1;&#x263A;&eac\x02ute;</title>"
		"<item><description><![CDATA[\xc3\xa9\r\n<b>]]>&lt;<![CDATA[]]>\xce\xb3&bogus;</description>"
		"<title>A &nbsp;\xc3\xa9<?_f ?>B</title></item></channel></rss>";
	const char *title = "caf\xc3\xa9 & \xe6\x9d\xb1\nx\ny]]>z \xe2\x98\xba\xc3\xa9";
	const char *desc = "\xc3\xa9\n<b><\xce\xb3&bogus;";
	const size_t chunks[] = {0, 1, 2, 3, 5, 7, 64, 4096};
	size_t len = strlen(doc);
	for (size_t k = 0; k < sizeof chunks / sizeof chunks[0]; k++) {
		struct parse_opts o = {0};
		int rc;
		char *err;
		struct doc *d = parse_chunked(&o, doc, len, chunks[k], &rc, &err);
		if (rc)
			fail_msg("chunk %zu: %s", chunks[k], err);
		if (strcmp(d->feed.title, title) != 0)
			fail_msg("chunk %zu: title \"%s\"", chunks[k], d->feed.title);
		assert_int_equal(d->nitems, 1);
		if (strcmp(d->items[0].summary, desc) != 0)
			fail_msg("chunk %zu: summary \"%s\"", chunks[k], d->items[0].summary);
		assert_string_equal(d->items[0].title, "A \xc2\xa0\xc3\xa9" "B");
		doc_free(d);
	}
}

/* Parses BUF cut once at every offset (and a byte at a time): each gives
 * the JSON of the whole buffer. */
static void expect_cuts(const char *what, const char *buf, size_t len, size_t from, size_t to);

static void expect_cut_invariant(const char *what, const char *buf, size_t len)
{
	expect_cuts(what, buf, len, 0, len);
}

/* The same for cuts at FROM..TO only (and a byte at a time). */
static void expect_cuts(const char *what, const char *buf, size_t len, size_t from, size_t to)
{
	struct parse_opts o = {0};
	int wrc;
	char *werr;
	struct doc *w = parse_chunked(&o, buf, len, 0, &wrc, &werr);
	char *ws = w ? doc_dump(w) : NULL;
	for (size_t cut = from; cut <= to + 1; cut++) {
		struct parser *p = parse_new(&o);
		assert_non_null(p);
		if (cut <= to) {
			parse_chunk(p, buf, cut);
			parse_chunk(p, buf + cut, len - cut);
		} else {
			for (size_t i = 0; i < len; i++)
				parse_chunk(p, buf + i, 1);
		}
		struct doc *d = NULL;
		char *err = NULL;
		int rc = parse_finish(p, &d, &err);
		parse_free(p);
		char *s = d ? doc_dump(d) : NULL;
		if (rc != wrc || (s && ws && strcmp(s, ws) != 0))
			fail_msg("%s: cut at %zu: %s\nwhole: %s", what, cut,
				 s ? s : err, ws ? ws : werr);
		free(s);
		free(err);
		doc_free(d);
	}
	free(ws);
	free(werr);
	doc_free(w);
}

/* Stateful charsets (UTF-7, ISO-2022-JP) with invalid bytes: the decoder's
 * state must not depend on where the body was cut, and is flushed at the
 * end (issue 28: whole gave "n;", chunked gave null). */
/* The element rules (core/parse_rules.c): every element's rows end with
 * one for anywhere, names match exactly then ignoring case, and the row
 * picked depends on where the element is. */
static void test_element_rules(void **state)
{
	(void)state;
	assert_int_equal(xml_rules_check(), 0);
	assert_int_equal(xml_ns_classify("dc", NULL), NS_DC);
	assert_int_equal(xml_ns_classify(NULL, "http://www.w3.org/2005/Atom"), NS_CORE);
	assert_int_equal(xml_ns_classify("x", "http://example.org/ext"), NS_OTHER);
	assert_null(xml_rule_find(NS_OTHER, "title"));
	assert_null(xml_rule_find(NS_CORE, "nosuch"));
	const struct el_rule *r = xml_rule_find(NS_CORE, "pubdate");
	assert_non_null(r);
	assert_int_equal(r->tgt, T_PUBLISHED);
	r = xml_rule_find(NS_CORE, "summary");
	assert_non_null(r);
	const struct el_rule *p = xml_rule_pick(r, IN_ITEM | IN_ATOM);
	assert_int_equal(p->tgt, T_SUMMARY);
	assert_int_equal(p->type, CT_TEXT);
	p = xml_rule_pick(r, IN_ITEM);
	assert_int_equal(p->tgt, T_SUMMARY);
	assert_int_equal(p->type, CT_HTML);
	p = xml_rule_pick(r, IN_FEED);
	assert_int_equal(p->tgt, T_DESC);
	assert_int_equal(p->type, CT_HTML);
	r = xml_rule_find(NS_CORE, "name");
	assert_int_equal(xml_rule_pick(r, IN_ITEM | IN_AUTHOR)->tgt, T_NAME);
	assert_int_equal(xml_rule_pick(r, IN_ITEM)->act, A_NONE);
	r = xml_rule_find(NS_CORE, "channel");
	assert_int_equal(r->root, R_RSS);
	assert_true(r->flags & F_CHANNEL);
}

static void test_stateful_charsets(void **state)
{
	size_t len;
	char *path;
	char *buf;
	const char *files[] = {"utf7-invalid.xml", "iso2022jp-invalid.xml"};
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
		path = data_path(files[i]);
		buf = read_all(path, &len);
		expect_cut_invariant(files[i], buf, len);
		free(buf);
		free(path);
	}
	/* Past the decoder's 4 KiB blocks: base64 runs and invalid bytes
	 * across the seams at 4096 and 8192 (raw bytes after the head). */
	struct sbuf {
		char *s;
		size_t n;
	} b = { malloc(16384), 0 };
	assert_non_null(b.s);
	b.n = (size_t)sprintf(b.s, "<?xml version=\"1.0\" encoding=\"utf-7\"?>\n"
			      "<rss><channel><title>t</title><description>");
	static const char *const bits[] = {"n;+aQA0n9zZQ", "+ZZnn/9+Q+", "\xff+AGEA-x", "+2D3cAA-",
					   "plain ", "+AAA\x80\x41-"};
	for (size_t i = 0; b.n < 9000; i++) {
		const char *t = bits[i % 6];
		memcpy(b.s + b.n, t, strlen(t));
		b.n += strlen(t);
	}
	const char *tail = "</description></channel></rss>\n";
	memcpy(b.s + b.n, tail, strlen(tail));
	b.n += strlen(tail);
	expect_cuts("utf-7 past 4 KiB", b.s, b.n, 4060, 4140);
	expect_cuts("utf-7 past 8 KiB", b.s, b.n, 8160, 8240);
	free(b.s);
}

static void test_xml_base(void **state)
{
	struct parse_opts o = {.url = "http://doc.example/feeds/atom"};
	const char *s =
		"<feed xmlns='http://www.w3.org/2005/Atom' xml:base='a/'>"
		"<entry xml:base='b/'><link href='c'/><id>x</id>"
		"<content type='html' xml:base='/root/'>&lt;a href=\"d\"&gt;d&lt;/a&gt;&lt;img src='//cdn.example/i.png'&gt;</content>"
		"</entry></feed>";
	struct doc *d;
	char *err;
	assert_int_equal(parse_buffer(&o, s, strlen(s), &d, &err), 0);
	assert_string_equal(d->items[0].url, "http://doc.example/feeds/a/b/c");
	assert_string_equal(d->items[0].content,
			    "<a href=\"http://doc.example/root/d\">d</a><img src=\"http://cdn.example/i.png\">");
	doc_free(d);

	/* Content-Location is the base when given. */
	o.content_location = "http://other.example/x/";
	assert_int_equal(parse_buffer(&o, s, strlen(s), &d, &err), 0);
	assert_string_equal(d->items[0].url, "http://other.example/x/a/b/c");
	doc_free(d);
	/* ... only as a web address, as xml:base. */
	for (int k = 0; k < 2; k++) {
		o.content_location = k ? "data:text/html,x" : "mailto:x@y.example";
		assert_int_equal(parse_buffer(&o, s, strlen(s), &d, &err), 0);
		assert_string_equal(d->items[0].url, "http://doc.example/feeds/a/b/c");
		doc_free(d);
	}
}

static void test_caps(void **state)
{
	/* Items cap: what was read is kept, the document says it was cut. */
	struct sbuf_like { char *s; size_t n; } b = {0};
	FILE *m = open_memstream(&b.s, &b.n);
	fputs("<rss><channel>", m);
	for (int i = 0; i < 50; i++)
		fprintf(m, "<item><title>t%d</title></item>", i);
	fputs("</channel></rss>", m);
	fclose(m);
	struct parse_opts o = {.max_items = 10};
	struct doc *d;
	char *err;
	assert_int_equal(parse_buffer(&o, b.s, b.n, &d, &err), 0);
	assert_int_equal(d->nitems, 10);
	assert_true(d->truncated);
	assert_string_equal(d->items[9].title, "t9");
	/* ... and says which cap, for the feed's last_warning. */
	assert_int_equal(d->caps, DOC_CAP_ITEMS);
	assert_non_null(d->capped);
	assert_non_null(strstr(d->capped, "items cap: more than 10 items"));  /* counted once */
	assert_null(d->cut);     /* a cap is not a cut-off body */
	doc_free(d);

	/* Document cap. */
	o = (struct parse_opts){.max_doc_bytes = 200};
	assert_int_equal(parse_buffer(&o, b.s, b.n, &d, &err), 0);
	assert_true(d->truncated);
	assert_true(d->nitems < 10);
	assert_true(d->caps & DOC_CAP_DOC);
	assert_non_null(strstr(d->capped, "larger than 200 bytes"));
	assert_null(d->cut);
	/* the item the cap cut in two is not kept */
	for (size_t i = 0; i < d->nitems; i++)
		assert_non_null(d->items[i].title);
	doc_free(d);

	/* Field cap. */
	char *big = malloc(300000);
	strcpy(big, "<rss><channel><item><description>");
	size_t n = strlen(big);
	memset(big + n, 'x', 200000);
	strcpy(big + n + 200000, "</description></item></channel></rss>");
	o = (struct parse_opts){.max_field_bytes = 1000};
	assert_int_equal(parse_buffer(&o, big, strlen(big), &d, &err), 0);
	assert_true(d->truncated);
	assert_int_equal(strlen(d->items[0].summary), 1000);
	assert_int_equal(d->caps, DOC_CAP_FIELD);
	assert_non_null(strstr(d->capped, "<description> of item 1 cut at 1000 bytes"));
	doc_free(d);

	/* The same cap on JSON Feed strings, cut at a UTF-8 boundary. */
	n = (size_t)sprintf(big, "{\"version\": \"https://jsonfeed.org/version/1.1\", \"title\": \"");
	for (int i = 0; i < 1000; i++)
		n += (size_t)sprintf(big + n, "\xc3\xa9");
	n += (size_t)sprintf(big + n, "\", \"items\": [{\"id\": \"1\", \"title\": \"%0999d\"}]}", 0);
	o = (struct parse_opts){.max_field_bytes = 1001};
	assert_int_equal(parse_buffer(&o, big, n, &d, &err), 0);
	assert_int_equal(strlen(d->feed.title), 1000);
	assert_int_equal(strlen(d->items[0].title), 999);
	assert_int_equal(d->caps, DOC_CAP_FIELD);
	assert_non_null(strstr(d->capped, "the feed's \"title\" cut at 1001 bytes"));
	doc_free(d);
	free(big);
	free(b.s);
}

/* A body cut short: the item the end cut off is dropped, the complete ones
 * before it are kept, and the document says where it ended, whatever the
 * chunking. A missing </rss> after </channel> is no cut. */
static void test_cut(void **state)
{
	(void)state;
	struct sbuf_like { char *s; size_t n; } b = {0};
	FILE *m = open_memstream(&b.s, &b.n);
	fputs("<?xml version=\"1.0\"?>\n<rss version=\"2.0\"><channel><title>T</title>\n", m);
	for (int i = 1; i <= 5; i++)
		fprintf(m, "<item><guid>g%d</guid><title>t%d</title>"
			   "<description>d%d</description></item>\n", i, i, i);
	fputs("</channel></rss>\n", m);
	fclose(m);
	const char *third = strstr(b.s, "<item><guid>g3");
	const char *cut3 = strstr(third, "<title>") + 4;      /* inside the third item */
	const char *after3 = strstr(third, "</item>") + 7;    /* between items 3 and 4 */
	const char *chan = strstr(b.s, "</channel>") + 10;    /* </rss> missing */
	struct parse_opts o = {.url = "http://x.example/feed"};
	const size_t chunks[] = {0, 1, 7, 4096};
	for (size_t k = 0; k < sizeof chunks / sizeof chunks[0]; k++) {
		int rc;
		char *err = NULL;
		struct doc *d = parse_chunked(&o, b.s, (size_t)(cut3 - b.s), chunks[k], &rc, &err);
		assert_int_equal(rc, 0);
		assert_int_equal(d->nitems, 2);
		assert_string_equal(d->items[1].title, "t2");
		assert_non_null(d->cut);
		assert_string_equal(d->cut, "inside item 3");
		doc_free(d);

		d = parse_chunked(&o, b.s, (size_t)(after3 - b.s), chunks[k], &rc, &err);
		assert_int_equal(rc, 0);
		assert_int_equal(d->nitems, 3);
		assert_string_equal(d->items[2].title, "t3");
		assert_non_null(d->cut);
		assert_non_null(strstr(d->cut, "after item 3"));
		doc_free(d);

		d = parse_chunked(&o, b.s, (size_t)(chan - b.s), chunks[k], &rc, &err);
		assert_int_equal(rc, 0);
		assert_int_equal(d->nitems, 5);
		assert_null(d->cut);
		doc_free(d);

		d = parse_chunked(&o, b.s, b.n, chunks[k], &rc, &err);
		assert_int_equal(rc, 0);
		assert_int_equal(d->nitems, 5);
		assert_null(d->cut);
		assert_null(d->capped);
		doc_free(d);
		/* Handed out one at a time: the same items, the same cuts. */
		assert_handed_out_same(o, b.s, (size_t)(cut3 - b.s), chunks[k]);
		assert_handed_out_same(o, b.s, (size_t)(after3 - b.s), chunks[k]);
		struct parse_opts capped = o;
		capped.max_items = 3;
		assert_handed_out_same(capped, b.s, b.n, chunks[k]);
	}
	/* Atom: the end of <feed> is the end. */
	const char *atom = "<feed xmlns=\"http://www.w3.org/2005/Atom\"><title>A</title>"
			   "<entry><id>a1</id><title>one</title></entry>"
			   "<entry><id>a2</id><title>tw";
	int rc;
	char *err = NULL;
	struct doc *d = parse_chunked(&o, atom, strlen(atom), 0, &rc, &err);
	assert_int_equal(rc, 0);
	assert_int_equal(d->nitems, 1);
	assert_string_equal(d->cut, "inside item 2");
	assert_string_equal(d->feed.title, "A");
	doc_free(d);
	/* A JSON Feed cut short has nothing usable, but says it was cut;
	 * other broken JSON stays an error. */
	const char *jf = "{\"version\": \"https://jsonfeed.org/version/1.1\", \"title\": \"J\","
			 " \"items\": [{\"id\": \"1\", \"title\": \"one\"}, {\"id\": \"2\", \"ti";
	for (size_t k = 0; k < sizeof chunks / sizeof chunks[0]; k++) {
		d = parse_chunked(&o, jf, strlen(jf), chunks[k], &rc, &err);
		assert_int_equal(rc, 0);
		assert_int_equal(d->format, DOC_JSONFEED);
		assert_int_equal(d->nitems, 0);
		assert_string_equal(d->cut, "inside the JSON document");
		doc_free(d);
	}
	const char *junk = "{\"version\": \"https://jsonfeed.org/version/1.1\", \"items\": [}";
	d = parse_chunked(&o, junk, strlen(junk), 0, &rc, &err);
	assert_int_not_equal(rc, 0);
	assert_null(d);
	free(err);
	free(b.s);
}

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* An attack document: rejected with an error naming why, or truncated. */
static void expect_rejected(const char *what, const char *doc, size_t len, const char *needle)
{
	double t0 = now_ms();
	struct doc *d = NULL;
	char *err = NULL;
	int rc = parse_buffer(NULL, doc, len, &d, &err);
	double t1 = now_ms();
	/* Figures, not assertions: timings are not tests. */
	fprintf(stderr, "# %s: %s in %.1f ms\n", what, rc ? err : "accepted", t1 - t0);
	assert_int_not_equal(rc, 0);
	assert_non_null(err);
	assert_null(d);
	if (needle) {
		if (!strstr(err, needle))
			fail_msg("%s: error \"%s\" does not mention \"%s\"", what, err, needle);
	}
	free(err);
	doc_free(d);
}

static void test_attacks(void **state)
{
	const char *laughs =
		"<?xml version=\"1.0\"?><!DOCTYPE rss [<!ENTITY lol \"lol\">"
		"<!ENTITY lol1 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">"
		"<!ENTITY lol2 \"&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;\">"
		"<!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">"
		"<!ENTITY lol9 \"&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;\">]>"
		"<rss><channel><title>&lol9;</title></channel></rss>";
	expect_rejected("billion laughs", laughs, strlen(laughs), "entities");

	/* Quadratic blow-up: one 100 KB entity used 10 000 times. */
	size_t qn = 100000 + 10000 * 3 + 200;
	char *q = malloc(qn);
	char *p = q + sprintf(q, "<!DOCTYPE rss [<!ENTITY a \"");
	memset(p, 'a', 100000);
	p += 100000;
	p += sprintf(p, "\">]><rss><channel><title>");
	for (int i = 0; i < 10000; i++)
		p += sprintf(p, "&a;");
	p += sprintf(p, "</title></channel></rss>");
	/* Refused for its size or for its declaration, whichever comes first. */
	expect_rejected("quadratic blow-up", q, (size_t)(p - q), NULL);
	free(q);

	const char *xxe_file =
		"<?xml version=\"1.0\"?><!DOCTYPE rss [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>"
		"<rss><channel><title>&x;</title></channel></rss>";
	expect_rejected("external entity file://", xxe_file, strlen(xxe_file), "entities");
	const char *xxe_http =
		"<?xml version=\"1.0\"?><!DOCTYPE rss [<!ENTITY x SYSTEM \"http://127.0.0.1:9/x\">]>"
		"<rss><channel><title>&x;</title></channel></rss>";
	expect_rejected("external entity http://127.0.0.1", xxe_http, strlen(xxe_http), "entities");
	const char *pe =
		"<?xml version=\"1.0\"?><!DOCTYPE rss [<!ENTITY % p SYSTEM \"file:///etc/passwd\">%p;]>"
		"<rss><channel><title>x</title></channel></rss>";
	expect_rejected("parameter entity", pe, strlen(pe), "entities");

	/* An entity of one character that is no markup (&#38; is '&', which
	 * would be re-read as a reference) or of several is still refused. */
	const char *amp =
		"<?xml version=\"1.0\"?><!DOCTYPE rss [<!ENTITY a \"&#38;\">]>"
		"<rss><channel><title>x &a; y</title></channel></rss>";
	expect_rejected("entity of a markup character", amp, strlen(amp), "entities");
	const char *two =
		"<?xml version=\"1.0\"?><!DOCTYPE rss [<!ENTITY nbsp \"&#160;\"><!ENTITY b \"ab\">]>"
		"<rss><channel><title>x &nbsp;&b; y</title></channel></rss>";
	expect_rejected("entity of two characters", two, strlen(two), "(\"b\")");

	/* An external DTD is never loaded: &passwd; stays unknown text. */
	const char *dtd =
		"<?xml version=\"1.0\"?><!DOCTYPE rss SYSTEM \"file:///etc/passwd\">"
		"<rss><channel><title>x &passwd; y</title></channel></rss>";
	struct doc *d;
	char *err;
	assert_int_equal(parse_buffer(NULL, dtd, strlen(dtd), &d, &err), 0);
	assert_null(strstr(d->feed.title, "root:"));
	doc_free(d);

	/* 100 000-deep nesting. */
	size_t dn = 100000 * 7 + 100;
	char *deep = malloc(dn);
	p = deep + sprintf(deep, "<rss><channel><description>");
	for (int i = 0; i < 100000; i++)
		p += sprintf(p, "<a>");
	expect_rejected("100000-deep nesting", deep, (size_t)(p - deep), "nested");
	free(deep);

	/* A 10 MB attribute: truncated or refused, never kept whole. */
	size_t an = 10 * 1024 * 1024 + 200;
	char *attr = malloc(an);
	p = attr + sprintf(attr, "<rss><channel><item><enclosure url=\"http://x/");
	memset(p, 'a', 10 * 1024 * 1024);
	p += 10 * 1024 * 1024;
	p += sprintf(p, "\"/></item></channel></rss>");
	double t0 = now_ms();
	int rc = parse_buffer(NULL, attr, (size_t)(p - attr), &d, &err);
	fprintf(stderr, "# 10 MB attribute: %s in %.1f ms\n", rc ? err : "accepted",
		now_ms() - t0);
	if (rc == 0) {
		for (size_t i = 0; i < d->nitems; i++)
			for (size_t k = 0; k < d->items[i].nenclosures; k++)
				assert_true(strlen(d->items[i].enclosures[k].url) < 2 * 1024 * 1024);
		doc_free(d);
	} else {
		free(err);
	}
	free(attr);
}

int main(void)
{
	parse_global_init();
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_feeds),
		cmocka_unit_test(test_hints),
		cmocka_unit_test(test_not_a_feed),
		cmocka_unit_test(test_literal_lt_in_text),
		cmocka_unit_test(test_html_as_markup),
		cmocka_unit_test(test_json_big_integer),
		cmocka_unit_test(test_json_numeric_ids_stable),
		cmocka_unit_test(test_unclosed_item),
		cmocka_unit_test(test_structured_author_in_rss),
		cmocka_unit_test(test_charset_precedence),
		cmocka_unit_test(test_entities_and_refs),
		cmocka_unit_test(test_text_runs),
		cmocka_unit_test(test_stateful_charsets),
		cmocka_unit_test(test_element_rules),
		cmocka_unit_test(test_xml_base),
		cmocka_unit_test(test_caps),
		cmocka_unit_test(test_cut),
		cmocka_unit_test(test_attacks),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	parse_global_cleanup();
	return rc;
}
