/* test_apifmt_row.c — item rows rendered straight from the store (no JSON
 * tree) give the very bytes the tree gives: JSON, NDJSON, TSV and Atom,
 * with control characters, invalid UTF-8, odd stored category/enclosure
 * text and dates across the range. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/apifmt.h"
#include "core/date.h"
#include "core/item.h"

/* Stored category/enclosure texts: canonical ones (copied through) and
 * ones the fast path must refuse and hand to jansson. */
static const char *const stored[] = {
	"[]", "{}", "[\"a\",\"b|c\"]", "[\"tab\\there\",\"\\u001F\",\"\\\"q\\\\\"]",
	"[{\"url\":\"https://e.org/a.mp3\",\"type\":\"audio/mpeg\",\"length\":1234}]",
	"[{\"url\":\"https://e.org/b\",\"type\":null,\"length\":null}]",
	"[{\"url\":\"x\",\"length\":-5},{\"url\":\"y\",\"length\":0}]",
	"[\"caf\xc3\xa9\",\"\xf0\x9f\x98\x80\"]", "[true,false,null,[[]],{}]",
	/* refused by the fast path: */
	"[ \"spaced\" ]", " []", "[\"\\/\"]", "[\"\\u00e9\"]", "[\"\\u001f\"]", "[\"\\u000A\"]",
	"[\"\\u0000\"]", "[1.5]", "[1e3]", "[-0]", "[007]", "[12345678901234567890]",
	"[{\"a\":1,\"a\":2}]", "[\"\xff\"]", "[\"\x01\"]", "[", "]", "", "null", "5",
	"\"str\"", "[1,]", "[,1]", "{\"k\"}", "{\"k\":}", "[[[[[[[[[[[1]]]]]]]]]]]",
	"[\"a\"]x", "[\"\\ud83d\\ude00\"]",
	/* TSV and Atom read inside: empty names, escapes and markup in
	 * urls and types, lengths that are not integers, keys that only look
	 * like "url", more keys than the fast path takes, nesting. */
	"[\"\",\"x\",\"\"]", "[\"a<b>&\\\"c\\\"\",\"t\\tn\\nr\\r|v\\u000B\"]",
	"[{\"url\":\"h?a=1&b=\\\"2\\\"<>\",\"type\":\"a/b c\\td\",\"length\":99}]",
	"[{\"url\":5,\"type\":7,\"length\":\"12\"},{\"type\":\"t\"},\"u\",[\"url\"]]",
	"[{\"url\":\"a\",\"length\":1.5},{\"url\":\"b\",\"length\":1e3},"
	"{\"url\":\"c\",\"length\":9223372036854775807},{\"url\":\"d\",\"length\":true}]",
	"[{\"u\\u0001rl\":\"x\",\"url \":\"y\",\"URL\":\"z\",\"url\":\"\\u0001ok\\u007f\"}]",
	"[{\"a\":1,\"b\":2,\"c\":3,\"d\":4,\"e\":5,\"f\":6,\"g\":7,\"h\":8,\"i\":9,"
	"\"j\":10,\"k\":11,\"l\":12,\"m\":13,\"n\":14,\"o\":15,\"p\":16,\"q\":17,"
	"\"url\":\"many\"}]",
	"[{\"url\":\"n\",\"x\":{\"url\":\"inner\",\"y\":[1,{\"z\":\"]}\"}]}}]",
	"[{\"url\":\"dup1\",\"url\":\"dup2\"}]", "{\"url\":\"top\"}",
	"[\"\xef\xbf\xbe\xef\xbf\xbf nonchars\", \"spaced\"]",
	"[{\"url\":\"\xef\xbf\xbf\\u001f\",\"type\":\"\"}]",
};

static const char *const texts[] = {
	NULL, "", "plain", "with \"quotes\" and \\backslash\\", "ctl \x01\x02\x1f\x7f end",
	"tab\tnl\ncr\r bs\b ff\f", "bad utf8 \xff\xfe \xc3( \xe2\x82 \xf0\x9f\x98",
	"ok utf8 caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", "surrogate \xed\xa0\x80 overlong \xc0\xaf",
	"<p>html &amp; <a href=\"x\">link</a></p>", "pipe|in|name", "urn:uuid:1234",
	"https://example.org/post?a=1&b=2", " spaced  out ",
	/* Longer than a block of sixteen: escapes, U+FFFE and bad bytes
	 * past the first block, a sequence cut at the end. */
	"a long plain run of ASCII, well past sixteen bytes \"quoted\" here, \\ there\x01,"
	" \t and more text after it to cross a few blocks",
	"tsv\tfields\nand\r\nlines\v\f and \\ \\t", "xml <b>&amp;&lt;\"'</b> ]]> \x7f",
	"nonchars \xef\xbf\xbe\xef\xbf\xbf U+FFFD \xef\xbf\xbd", "feed/with space%~._-",
	"long valid caf\xc3\xa9 text \xe2\x82\xac over the blocks \xef\xbf\xbe nonchar, bad "
	"\xff\xc3 bytes \xed\xa0\x80 then \xf0\x9f\x98\x80 plain text to the very end \xe2\x82",
};
#define NTEXTS (sizeof texts / sizeof texts[0])
#define NSTORED (sizeof stored / sizeof stored[0])

static const int64_t dates[] = {
	DATE_NONE, 0, 1, 86399, 86400, 951782400 /* 2000-02-29 */, 1700000000,
	4102444800 /* 2100-01-01 */, 253402300799, 253402300800, -1, -86400 * 365,
	1709251199 /* 2024-02-29T23:59:59 */,
};
#define NDATES (sizeof dates / sizeof dates[0])

static void make_row(size_t i, struct item_row *r)
{
	*r = (struct item_row){
		.id = (int64_t)i + 1,
		.feed = texts[(i + 2) % NTEXTS] ? texts[(i + 2) % NTEXTS] : "feed",
		.guid = texts[i % NTEXTS],
		.url = texts[(i + 1) % NTEXTS],
		.title = texts[(i + 3) % NTEXTS],
		.author = texts[(i + 4) % NTEXTS],
		.summary = texts[(i + 5) % NTEXTS],
		.content = i % 3 ? texts[(i + 6) % NTEXTS] : NULL,
		.published = dates[i % NDATES],
		.updated = dates[(i + 5) % NDATES],
		.categories = i % 7 == 6 ? NULL : stored[i % NSTORED],
		.enclosures = stored[(i * 5 + 3) % NSTORED],
		.first_seen = dates[(i + 1) % NDATES] == DATE_NONE ? 0 : dates[(i + 1) % NDATES],
		.updated_seen = i % 4 ? 0 : 1700000100,
		.date = dates[(i + 2) % NDATES] == DATE_NONE ? 0 : dates[(i + 2) % NDATES],
		.identity = i % 3 == 0 ? "guid" : i % 3 == 1 ? "link" : "hash",
		.has_duplicate = i % 5 == 0,
		.duplicate_of = i % 5 == 0 ? (int64_t)i * 3 : 0,
	};
}

static void expect_same(const struct buf *want, const struct buf *got, const char *what)
{
	assert_false(want->oom);
	assert_false(got->oom);
	if (want->len != got->len || memcmp(want->data, got->data, want->len) != 0) {
		size_t k = 0;
		while (k < want->len && k < got->len && want->data[k] == got->data[k])
			k++;
		fail_msg("%s differs at byte %zu:\nwant ...%.80s\ngot  ...%.80s", what, k,
			 want->data + (k > 20 ? k - 20 : 0), got->data + (k > 20 ? k - 20 : 0));
	}
}

#define NROWS 400

static void test_row_formats_match_tree(void **state)
{
	(void)state;
	json_t *items = json_array();
	struct buf json_rows = { 0 }, ndjson_rows = { 0 }, tsv_rows = { 0 }, atom_entries = { 0 };
	int64_t newest = DATE_NONE, now = 1700000000;
	for (size_t i = 0; i < NROWS; i++) {
		struct item_row r;
		make_row(i, &r);
		json_t *j = item_row_to_json(&r);
		assert_non_null(j);
		json_array_append_new(items, j);
		if (i)
			buf_append(&json_rows, ",", 1);
		apifmt_row_json(&json_rows, &r);
		apifmt_row_json(&ndjson_rows, &r);
		buf_append(&ndjson_rows, "\n", 1);
		apifmt_row_tsv(&tsv_rows, &r);
		int64_t t = apifmt_row_atom(&atom_entries, &r, now);
		if (t != DATE_NONE && (newest == DATE_NONE || t > newest))
			newest = t;
	}
	/* JSON: the answer's whole body, as the loop used to build it. */
	struct buf want = { 0 }, got = { 0 };
	json_t *doc = json_pack("{s:O,s:I}", "items", items, "next", (json_int_t)42);
	apifmt_json(&want, doc);
	json_decref(doc);
	buf_puts(&got, "{\"items\":[");
	buf_append(&got, json_rows.data, json_rows.len);
	buf_puts(&got, "],\"next\":42}\n");
	expect_same(&want, &got, "json");
	buf_free(&want);
	buf_free(&got);

	apifmt_ndjson(&want, items);
	expect_same(&want, &ndjson_rows, "ndjson");
	buf_free(&want);

	apifmt_tsv(&want, items);
	expect_same(&want, &tsv_rows, "tsv");
	buf_free(&want);

	apifmt_atom(&want, items, "feedd: items", now);
	apifmt_atom_doc(&got, "feedd: items", newest, now, atom_entries.data, atom_entries.len);
	expect_same(&want, &got, "atom");
	buf_free(&want);
	buf_free(&got);

	/* And the stored texts really took both roads. */
	json_decref(items);
	buf_free(&json_rows);
	buf_free(&ndjson_rows);
	buf_free(&tsv_rows);
	buf_free(&atom_entries);
}

/* Every stored text alone, as categories and as enclosures. */
static void test_stored_json_texts(void **state)
{
	(void)state;
	for (size_t i = 0; i < NSTORED; i++) {
		struct item_row r = { .id = 1, .feed = "f", .identity = "guid",
				      .published = DATE_NONE, .updated = DATE_NONE,
				      .categories = stored[i], .enclosures = stored[NSTORED - 1 - i] };
		json_t *j = item_row_to_json(&r);
		struct buf want = { 0 }, got = { 0 };
		apifmt_json(&want, j);
		json_decref(j);
		apifmt_row_json(&got, &r);
		buf_append(&got, "\n", 1);
		expect_same(&want, &got, stored[i]);
		buf_free(&want);
		buf_free(&got);
	}
}

/* TSV and Atom of one row, from the tree and straight. */
static void expect_text_formats(const struct item_row *r, const char *what)
{
	json_t *items = json_array();
	json_array_append_new(items, item_row_to_json(r));
	struct buf want = { 0 }, got = { 0 }, entries = { 0 };
	apifmt_tsv(&want, items);
	apifmt_row_tsv(&got, r);
	expect_same(&want, &got, what);
	buf_free(&want);
	buf_free(&got);
	apifmt_atom(&want, items, "t", 1700000000);
	int64_t t = apifmt_row_atom(&entries, r, 1700000000);
	apifmt_atom_doc(&got, "t", t, 1700000000, entries.data, entries.len);
	expect_same(&want, &got, what);
	buf_free(&want);
	buf_free(&got);
	buf_free(&entries);
	json_decref(items);
}

/* Every stored text alone, as categories and as enclosures, in TSV and
 * Atom; and every text in every field. */
static void test_text_formats_each(void **state)
{
	(void)state;
	for (size_t i = 0; i < NSTORED; i++) {
		struct item_row r = { .id = 7, .feed = "f", .identity = "guid",
				      .published = DATE_NONE, .updated = DATE_NONE,
				      .categories = stored[i], .enclosures = stored[i] };
		expect_text_formats(&r, stored[i]);
	}
	for (size_t i = 0; i < NTEXTS; i++) {
		const char *t = texts[i];
		struct item_row r = { .id = (int64_t)i, .feed = t, .guid = t, .url = t, .title = t,
				      .author = t, .summary = t, .content = t,
				      .published = DATE_NONE, .updated = DATE_NONE,
				      .categories = "[]", .enclosures = "[]", .identity = "hash" };
		expect_text_formats(&r, t ? t : "(null)");
		r.content = NULL;   /* TSV falls back to the summary */
		expect_text_formats(&r, t ? t : "(null)");
	}
}

/* Dates across the range (and outside the fast one) in every field the
 * TSV time and Atom's <updated>/<published> are taken from. */
static void test_text_formats_dates(void **state)
{
	(void)state;
	uint64_t x = 88172645463325252ull;
	for (int i = 0; i < 20000; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		int64_t t = (int64_t)(x % 400000000000ull) - 100000000000;
		int64_t ts[4];
		for (int k = 0; k < 4; k++)
			ts[k] = (x >> (8 * k)) & 1 ? (x >> (8 * k + 1) & 1 ? DATE_NONE : 0) : t + k;
		struct item_row r = { .id = 1, .feed = "f", .identity = "guid",
				      .published = ts[0], .updated = ts[1],
				      .first_seen = ts[2] == DATE_NONE ? 0 : ts[2],
				      .date = ts[3] == DATE_NONE ? 0 : ts[3],
				      .categories = "[]", .enclosures = "[]" };
		expect_text_formats(&r, "dates");
	}
}

/* The hand-made RFC 3339 dates equal date_format_rfc3339's, across years
 * (leap days, centuries) and at the edges of the fast range. */
static void test_dates(void **state)
{
	(void)state;
	uint64_t x = 88172645463325252ull;
	for (int i = 0; i < 200000; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		int64_t t = i < 1000 ? (int64_t)i * 86399 * 37 : (int64_t)(x % 253402400000ull) - 50000;
		struct item_row r = { .id = 1, .feed = "f", .identity = "guid",
				      .published = t, .updated = DATE_NONE,
				      .categories = "[]", .enclosures = "[]" };
		struct buf got = { 0 };
		apifmt_row_json(&got, &r);
		char want[64], d[32];
		date_format_rfc3339(t, d, sizeof d);
		snprintf(want, sizeof want, "\"published\":\"%s\"", d);
		if (!strstr(got.data, want))
			fail_msg("date %lld: want %s in %s", (long long)t, want, got.data);
		buf_free(&got);
	}
}

/* Atom is XML whatever the text: bytes that are not UTF-8 in the title
 * (found by fuzz_render) become U+FFFD, U+FFFE/U+FFFF and C0 controls go,
 * markup is escaped. */
static void test_atom_text_always_xml(void **state)
{
	(void)state;
	struct buf b = { 0 };
	apifmt_atom_doc(&b, "a\xff\xc3<&\"\x01\xef\xbf\xbe\xe2\x82", DATE_NONE, 0, "", 0);
	buf_append(&b, "", 1);
	assert_non_null(strstr(b.data, "<title type=\"text\">a\xef\xbf\xbd\xef\xbf\xbd&lt;&amp;&quot;"
				       "\xef\xbf\xbd\xef\xbf\xbd</title>"));
	buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_row_formats_match_tree),
		cmocka_unit_test(test_stored_json_texts),
		cmocka_unit_test(test_dates),
		cmocka_unit_test(test_text_formats_each),
		cmocka_unit_test(test_text_formats_dates),
		cmocka_unit_test(test_atom_text_always_xml),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
