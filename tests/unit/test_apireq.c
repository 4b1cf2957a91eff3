/* test_apireq.c — the socket API's routing, parameter validation and
 * output formats, without a socket: every error names its parameter, TSV
 * keeps sfeed's columns and escaping, Atom is well-formed XML. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <libxml/parser.h>

#include "core/apifmt.h"
#include "core/apireq.h"
#include "core/log.h"
#include "core/item.h"

static struct buf scratch_buf(void)
{
	return (struct buf){ 0 };
}

static int parse(const char *method, const char *target, const char *body, struct apireq *r)
{
	return apireq_parse(method, target, body, body ? strlen(body) : 0, r);
}

static void expect_error(const char *method, const char *target, const char *body, int status,
			 const char *detail_prefix)
{
	struct apireq r;
	int s = parse(method, target, body, &r);
	if (s != status || (detail_prefix && (!r.detail ||
		strncmp(r.detail, detail_prefix, strlen(detail_prefix)) != 0)))
		fail_msg("%s %s: got %d \"%s\", want %d \"%s\"", method, target, s,
			 r.detail ? r.detail : "", status, detail_prefix ? detail_prefix : "");
	apireq_free(&r);
}

static void test_routes(void **state)
{
	static const struct { const char *m, *t; enum api_route route; const char *name; } ok[] = {
		{ "GET", "/v1/items", ROUTE_ITEMS, NULL },
		{ "GET", "/v1/events?after=3", ROUTE_EVENTS, NULL },
		{ "GET", "/v1/consumers", ROUTE_CONSUMERS, NULL },
		{ "GET", "/v1/consumers/bot", ROUTE_CONSUMER, "bot" },
		{ "GET", "/v1/consumers/bot/items", ROUTE_CONSUMER_ITEMS, "bot" },
		{ "POST", "/v1/consumers/bot/ack?upto=3", ROUTE_CONSUMER_ACK, "bot" },
		{ "GET", "/v1/feeds", ROUTE_FEEDS, NULL },
		{ "GET", "/v1/feeds/mehr%20news", ROUTE_FEED, "mehr news" },
		{ "GET", "/v1/feeds/a%2Bb/items", ROUTE_FEED_ITEMS, "a+b" },
		{ "POST", "/v1/feeds/x/refresh", ROUTE_FEED_REFRESH, "x" },
		{ "POST", "/v1/reload", ROUTE_RELOAD, NULL },
		{ "GET", "/v1/status", ROUTE_STATUS, NULL },
		{ "POST", "/v1/log-level?level=debug", ROUTE_LOG_LEVEL, NULL },
		{ "GET", "/v1/hooks", ROUTE_HOOKS, NULL },
		{ "GET", "/v1/hooks?feed=a", ROUTE_HOOKS, NULL },
		{ "POST", "/v1/hooks/retry", ROUTE_HOOKS_RETRY, NULL },
		{ "POST", "/v1/hooks/retry?feed=a", ROUTE_HOOKS_RETRY, NULL },
	};
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		struct apireq r;
		assert_int_equal(parse(ok[i].m, ok[i].t, NULL, &r), 0);
		assert_int_equal(r.route, ok[i].route);
		if (ok[i].name)
			assert_string_equal(r.name, ok[i].name);
		else
			assert_null(r.name);
		apireq_free(&r);
	}
	expect_error("GET", "/v2/items", NULL, 404, NULL);
	expect_error("GET", "/v1/item", NULL, 404, NULL);
	expect_error("GET", "/v1/items/", NULL, 404, NULL);
	expect_error("GET", "/v1/feeds/a/b/c", NULL, 404, NULL);
	expect_error("GET", "/", NULL, 404, NULL);
	expect_error("GET", "*", NULL, 400, NULL);
	expect_error("GET", "/v1/feeds/a%2", NULL, 400, NULL);
	expect_error("GET", "/v1/feeds/a%00b", NULL, 400, NULL);
	expect_error("GET", "/v1/consumers/a%20b/items", NULL, 400, "name");

	struct apireq r;
	assert_int_equal(parse("DELETE", "/v1/items", NULL, &r), 405);
	assert_string_equal(r.allow, "GET");
	apireq_free(&r);
	assert_int_equal(parse("GET", "/v1/reload", NULL, &r), 405);
	assert_string_equal(r.allow, "POST");
	apireq_free(&r);

	/* The log level: one of the five names (and the aliases), required. */
	assert_int_equal(parse("POST", "/v1/log-level?level=warn", NULL, &r), 0);
	assert_int_equal(r.level, LOG_LVL_WARNING);
	apireq_free(&r);
	expect_error("POST", "/v1/log-level", NULL, 400, "level: required");
	expect_error("POST", "/v1/log-level?level=loud", NULL, 400, "level: expected one of");
	expect_error("POST", "/v1/log-level?level=info&level=debug", NULL, 400, "level: given");
	expect_error("POST", "/v1/log-level?after=1", NULL, 400, NULL);
	expect_error("GET", "/v1/log-level?level=info", NULL, 405, NULL);

	/* Parked hook deliveries: of one feed, or of every feed. */
	assert_int_equal(parse("POST", "/v1/hooks/retry?feed=mehr%20news", NULL, &r), 0);
	assert_int_equal(r.nfeeds, 1);
	assert_string_equal(r.feeds[0], "mehr news");
	apireq_free(&r);
	expect_error("GET", "/v1/hooks?feed=a&feed=b", NULL, 400, "feed: one feed");
	expect_error("POST", "/v1/hooks/retry?feed=a&feed=b", NULL, 400, "feed: one feed");
	expect_error("GET", "/v1/hooks/retry", NULL, 405, NULL);
	expect_error("POST", "/v1/hooks", NULL, 405, NULL);
	expect_error("GET", "/v1/hooks/a", NULL, 404, NULL);
	expect_error("POST", "/v1/hooks/retry?limit=3", NULL, 400, NULL);
	expect_error("POST", "/v1/hooks/retry", "feed=a", 400, NULL);
}

static void test_item_params(void **state)
{
	struct apireq r;
	/* The switches: 1/true/yes and 0/false/no, the error saying so. */
	assert_int_equal(parse("GET", "/v1/items?starred=yes&distinct=true&skipped=no", NULL, &r), 0);
	assert_true(r.starred && r.distinct && !r.skipped);
	apireq_free(&r);
	expect_error("GET", "/v1/items?starred=2", NULL, 400,
		     "starred: expected 1 or 0 (true or false, yes or no)");
	assert_int_equal(parse("GET", "/v1/items?after=5&before=90&feed=a&feed=b+c&tag=news"
			       "&q=caf%C3%A9&since=2024-01-31T12:00:00Z&distinct=1&order=desc"
			       "&limit=1000&wait=300&format=tsv", NULL, &r), 0);
	assert_int_equal(r.after, 5);
	assert_int_equal(r.before, 90);
	assert_int_equal(r.nfeeds, 2);
	assert_string_equal(r.feeds[1], "b c");
	assert_string_equal(r.tag, "news");
	assert_string_equal(r.q, "caf\xC3\xA9");
	assert_int_equal(r.since, 1706702400);
	assert_true(r.distinct);
	assert_true(r.desc);
	assert_int_equal(r.limit, 1000);
	assert_int_equal(r.wait, 300);
	assert_int_equal(r.format, FMT_TSV);
	struct item_query q;
	apireq_item_query(&r, &q);
	assert_int_equal(q.nfeeds, 2);
	assert_int_equal(q.limit, 1000);
	assert_null(q.consumer);
	apireq_free(&r);
	/* A tag is folded as feeds.conf folds it (trimmed, ASCII lower-cased):
	 * `tags = News` is the tag news. */
	assert_int_equal(parse("GET", "/v1/items?tag=%20News%20", NULL, &r), 0);
	assert_string_equal(r.tag, "news");
	apireq_free(&r);
	assert_int_equal(parse("GET", "/v1/consumers/c/items?tag=T%C3%84G", NULL, &r), 0);
	assert_string_equal(r.tag, "t\xC3\x84g");
	apireq_free(&r);
	expect_error("GET", "/v1/items?tag=%20", NULL, 400, "tag");
	/* q: no input is an error, and empty or blank is no filter at all;
	 * only more than 1024 bytes is refused. */
	assert_int_equal(parse("GET", "/v1/items?q=", NULL, &r), 0);
	assert_null(r.q);
	apireq_free(&r);
	assert_int_equal(parse("GET", "/v1/items?q=%20%09+", NULL, &r), 0);
	assert_null(r.q);
	apireq_free(&r);
	char target[1200] = "/v1/items?q=";
	memset(target + strlen(target), 'a', 1025);
	expect_error("GET", target, NULL, 400, "q");
	target[strlen(target) - 1] = '\0';
	assert_int_equal(parse("GET", target, NULL, &r), 0);
	assert_int_equal(strlen(r.q), 1024);
	apireq_free(&r);
	apireq_free(&r);

	assert_int_equal(parse("GET", "/v1/items", NULL, &r), 0);
	assert_int_equal(r.limit, APIREQ_DEFAULT_LIMIT);
	assert_int_equal(r.since, DATE_NONE);
	assert_int_equal(r.format, FMT_JSON);
	apireq_free(&r);

	assert_int_equal(parse("GET", "/v1/consumers/bot/items?from_now=1", NULL, &r), 0);
	apireq_item_query(&r, &q);
	assert_string_equal(q.consumer, "bot");
	assert_true(r.from_now);
	apireq_free(&r);

	assert_int_equal(parse("GET", "/v1/feeds/x/items", NULL, &r), 0);
	apireq_item_query(&r, &q);
	assert_int_equal(q.nfeeds, 1);
	assert_string_equal(q.feeds[0], "x");
	apireq_free(&r);

	/* Every error names the parameter. */
	expect_error("GET", "/v1/items?after=-1", NULL, 400, "after");
	expect_error("GET", "/v1/items?after=1x", NULL, 400, "after");
	expect_error("GET", "/v1/items?after=99999999999999999999", NULL, 400, "after");
	/* 19 digits past INT64_MAX: refused, not overflowed (fuzzer find) */
	expect_error("GET", "/v1/items?after=9999999999999999999", NULL, 400, "after");
	expect_error("GET", "/v1/items?after=1&after=2", NULL, 400, "after");
	expect_error("GET", "/v1/items?after=9&before=3", NULL, 400, "before");
	expect_error("GET", "/v1/items?limit=0", NULL, 400, "limit");
	expect_error("GET", "/v1/items?limit=1001", NULL, 400, "limit");
	expect_error("GET", "/v1/items?wait=301", NULL, 400, "wait");
	expect_error("GET", "/v1/items?order=up", NULL, 400, "order");
	expect_error("GET", "/v1/items?distinct=maybe", NULL, 400, "distinct");
	expect_error("GET", "/v1/items?since=yesterday", NULL, 400, "since");
	/* RFC 3339 as the API writes its dates: no offset is refused, not
	 * read as UTC (nor as local time). */
	expect_error("GET", "/v1/items?since=2024-01-01T00:00:00", NULL, 400, "since");
	expect_error("GET", "/v1/items?since=2024-01-01", NULL, 400, "since");
	expect_error("GET", "/v1/items?since=2024-01-01T00:00:00+01:00", NULL, 400, "since");
	expect_error("GET", "/v1/consumers/bot/items?since=2024-01-01T00:00:00", NULL, 400,
		     "since");
	struct apireq d;
	assert_int_equal(parse("GET", "/v1/items?since=2024-01-01T01:00:00%2B01:00", NULL, &d), 0);
	assert_int_equal(d.since, 1704067200);
	apireq_free(&d);
	expect_error("GET", "/v1/items?format=xml", NULL, 400, "format");
	expect_error("GET", "/v1/items?tag=", NULL, 400, "tag");
	expect_error("GET", "/v1/items?limt=5", NULL, 400, "limt");
	expect_error("GET", "/v1/items?q=%zz", NULL, 400, NULL);
	expect_error("GET", "/v1/feeds/x/items?feed=y", NULL, 400, "feed");
	expect_error("GET", "/v1/events?format=tsv", NULL, 400, "format");
	expect_error("GET", "/v1/events?tag=x", NULL, 400, "tag");
	expect_error("GET", "/v1/items?from_now=1", NULL, 400, "from_now");
	/* A consumer's ack passes every id below next: newest first would
	 * skip the older items. Asc, and desc elsewhere, stay. */
	expect_error("GET", "/v1/consumers/bot/items?order=desc", NULL, 400, "order");
	expect_error("GET", "/v1/consumers/bot/items?limit=3&order=desc&from_now=1", NULL, 400,
		     "order");
	struct apireq ok;
	assert_int_equal(parse("GET", "/v1/consumers/bot/items?order=asc", NULL, &ok), 0);
	apireq_free(&ok);
	assert_int_equal(parse("GET", "/v1/items?order=desc", NULL, &ok), 0);
	apireq_free(&ok);
	assert_int_equal(parse("GET", "/v1/feeds/x/items?order=desc", NULL, &ok), 0);
	apireq_free(&ok);
	expect_error("GET", "/v1/status?x=1", NULL, 400, "x");
	expect_error("POST", "/v1/reload", "junk", 400, NULL);
}

static void test_ack(void **state)
{
	struct apireq r;
	assert_int_equal(parse("POST", "/v1/consumers/bot/ack", "upto=42", &r), 0);
	assert_int_equal(r.upto, 42);
	apireq_free(&r);
	assert_int_equal(parse("POST", "/v1/consumers/bot/ack", "{\"upto\": 7}\n", &r), 0);
	assert_int_equal(r.upto, 7);
	apireq_free(&r);
	assert_int_equal(parse("POST", "/v1/consumers/bot/ack?upto=9", NULL, &r), 0);
	assert_int_equal(r.upto, 9);
	apireq_free(&r);
	expect_error("POST", "/v1/consumers/bot/ack", NULL, 400, "upto");
	expect_error("POST", "/v1/consumers/bot/ack", "{\"upto\": -1}", 400, "upto");
	expect_error("POST", "/v1/consumers/bot/ack", "{\"upto\": \"3\"}", 400, "upto");
	expect_error("POST", "/v1/consumers/bot/ack", "{\"upto\": 3", 400, "upto");
	expect_error("POST", "/v1/consumers/bot/ack?upto=1", "upto=2", 400, "upto");
}

static json_t *sample_items(void)
{
	return json_pack(
		"[{s:I,s:s,s:s,s:s,s:s,s:s,s:s,s:n,s:s,s:s,s:[s,s],s:[{s:s,s:s,s:I}]},"
		" {s:I,s:s,s:n,s:n,s:s,s:n,s:n,s:n,s:n,s:s,s:[],s:[]}]",
		"id", (json_int_t)1, "feed", "news & more", "guid", "urn:x:1",
		"title", "Tab\there\nnewline \x01 <b>", "url", "https://e.org/a?x=1&y=2",
		"author", "Ann \"A\"", "content", "<p>a\\b\tc\nd &amp; \x02</p>", "summary",
		"published", "2024-01-31T12:00:00Z", "first_seen", "2024-02-01T00:00:00Z",
		"categories", "x|y", "z",
		"enclosures", "url", "https://e.org/a.mp3", "type", "audio/mpeg",
		"length", (json_int_t)1234,
		"id", (json_int_t)2, "feed", "f", "guid", "url", "title", "t2",
		"author", "content", "summary", "published", "first_seen", "2024-02-02T00:00:00Z",
		"categories", "enclosures");
}

static char **split(const char *s, char sep, size_t *n)
{
	char **out = NULL;
	*n = 0;
	for (;;) {
		const char *e = strchr(s, sep);
		size_t len = e ? (size_t)(e - s) : strlen(s);
		out = realloc(out, (*n + 1) * sizeof *out);
		out[(*n)++] = strndup(s, len);
		if (!e)
			return out;
		s = e + 1;
	}
}

static void free_split(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static void test_tsv(void **state)
{
	json_t *items = sample_items();
	assert_non_null(items);
	struct buf b = { 0 };
	apifmt_tsv(&b, items);
	json_decref(items);
	size_t nlines;
	char **lines = split(b.data, '\n', &nlines);
	assert_int_equal(nlines, 3);  /* two items and the final empty piece */
	assert_string_equal(lines[2], "");
	size_t n;
	char **f = split(lines[0], '\t', &n);
	assert_int_equal(n, 9);
	assert_string_equal(f[0], "1706702400");
	assert_string_equal(f[1], "Tab here newline  <b>");
	assert_string_equal(f[2], "https://e.org/a?x=1&y=2");
	assert_string_equal(f[3], "<p>a\\\\b\\tc\\nd &amp; </p>");
	assert_string_equal(f[4], "html");
	assert_string_equal(f[5], "urn:x:1");
	assert_string_equal(f[6], "Ann \"A\"");
	assert_string_equal(f[7], "https://e.org/a.mp3");
	assert_string_equal(f[8], "x y|z");
	free_split(f, n);
	f = split(lines[1], '\t', &n);
	assert_int_equal(n, 9);
	assert_string_equal(f[0], "1706832000");  /* first_seen when undated */
	assert_string_equal(f[3], "");
	assert_string_equal(f[4], "");
	assert_string_equal(f[8], "");
	free_split(f, n);
	free_split(lines, nlines);
	buf_free(&b);
}

static void test_atom(void **state)
{
	json_t *items = sample_items();
	struct buf b = { 0 };
	apifmt_atom(&b, items, "feedd: <items>", 1700000000);
	json_decref(items);
	xmlDocPtr doc = xmlReadMemory(b.data, (int)b.len, "atom.xml", NULL,
				      XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	assert_non_null(doc);
	xmlNodePtr root = xmlDocGetRootElement(doc);
	assert_string_equal((const char *)root->name, "feed");
	assert_string_equal((const char *)root->ns->href, "http://www.w3.org/2005/Atom");
	int entries = 0;
	for (xmlNodePtr n = root->children; n; n = n->next)
		if (n->type == XML_ELEMENT_NODE && !strcmp((const char *)n->name, "entry"))
			entries++;
	assert_int_equal(entries, 2);
	xmlFreeDoc(doc);
	/* Every id is ours, from the feed's name (escaped) and the item's id;
	 * the publisher's guid is beside it as written. */
	assert_non_null(strstr(b.data, "<id>tag:feedd,2026:f/2</id>"));
	assert_non_null(strstr(b.data, "<id>tag:feedd,2026:news%20%26%20more/1</id>"));
	assert_non_null(strstr(b.data, "<feedd:guid>urn:x:1</feedd:guid>"));
	assert_null(strstr(b.data, "<id>urn:x:1</id>"));
	assert_non_null(strstr(b.data, "href=\"https://e.org/a?x=1&amp;y=2\""));
	buf_free(&b);

	b = (struct buf){ 0 };
	json_t *empty = json_array();
	apifmt_atom(&b, empty, "t", 1700000000);
	json_decref(empty);
	assert_non_null(strstr(b.data, "<updated>2023-11-14T22:13:20Z</updated>"));
	buf_free(&b);
}

static void test_json_lossy(void **state)
{
	/* Strings from feeds go through json_string_lossy: output stays JSON. */
	json_t *j = json_pack("{s:o}", "t", json_string_lossy("a\xff\x01z"));
	struct buf b = { 0 };
	apifmt_json(&b, j);
	json_decref(j);
	assert_string_equal(b.data, "{\"t\":\"a\xEF\xBF\xBD\\u0001z\"}\n");
	json_t *back = json_loads(b.data, 0, NULL);
	assert_non_null(back);
	json_decref(back);
	buf_free(&b);
}

/* The API's own JSON writer says exactly what jansson's would. */
static void test_json_writer(void **state)
{
	json_t *j = json_pack("{s:[i,I,I,I],s:s,s:s,s:b,s:b,s:n,s:f,s:f,s:{s:[]},s:{}}",
		"ints", 0, (json_int_t)-7, (json_int_t)INT64_MAX, (json_int_t)INT64_MIN,
		"esc", "q\" b\\ n\n r\r t\t b\b f\f \x01\x1f \x7f /",
		"utf8", "caf\xC3\xA9 \xE2\x80\xA8 \xF0\x9F\x98\x80",
		"t", 1, "f", 0, "nil", "real", 1.5, "whole", 2.0, "nested", "empty", "obj");
	assert_non_null(j);
	json_object_set_new(j, "k\"ey\n", json_string_lossy("\xff"));
	struct buf b = scratch_buf();
	apifmt_json(&b, j);
	char *want = json_dumps(j, JSON_COMPACT);
	assert_non_null(want);
	assert_int_equal(b.len, strlen(want) + 1);
	assert_memory_equal(b.data, want, strlen(want));
	assert_int_equal(b.data[b.len - 1], '\n');
	free(want);
	json_decref(j);
	buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_routes),
		cmocka_unit_test(test_item_params),
		cmocka_unit_test(test_ack),
		cmocka_unit_test(test_tsv),
		cmocka_unit_test(test_atom),
		cmocka_unit_test(test_json_lossy),
		cmocka_unit_test(test_json_writer),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
