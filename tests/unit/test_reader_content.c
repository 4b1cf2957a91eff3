/* test_reader_content.c — the reader APIs' sanitized entry content and
 * its shared cache (daemon/reader_content.c): a second read is a hit and
 * equal to sanitize_html's answer; an edited body or URL under the same
 * id and updated_seen is sanitized again, never served stale; the cache
 * stays within READER_CONTENT_CACHE_BYTES, least recently used out
 * first; huge bodies are not kept; concurrent workers get exact answers.
 * The Miniflux API's JSON string of the content (reader_put_entry_content)
 * is apifmt_put_lossy's of sanitize_html's answer, whichever API read the
 * entry first, hit or miss. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/apifmt.h"
#include "core/sanitize.h"
#include "daemon/reader_content.h"

static struct reader_content_stats stats(void)
{
	struct reader_content_stats st;
	reader_content_cache_stats(&st);
	return st;
}

static char *body(int64_t id, const char *word, size_t size)
{
	char *s = malloc(size + 200);
	int n = snprintf(s, 200, "<p onclick=\"x()\">item %lld %s <a href=\"/p/%lld\">link</a>"
			 "<script>evil()</script></p><p>", (long long)id, word, (long long)id);
	memset(s + n, 'w', size > (size_t)n ? size - (size_t)n : 0);
	strcpy(s + (size > (size_t)n ? size : (size_t)n), "</p>");
	return s;
}

static void check(const struct item_row *r)
{
	char *got = reader_entry_content(r);
	char *want = sanitize_html(r->content, r->url);
	assert_non_null(got);
	assert_string_equal(got, want);
	free(got);
	free(want);
}

/* reader_put_entry_content's bytes against the uncached answer. */
static void check_json(const struct item_row *r)
{
	struct buf got = {0}, want = {0};
	buf_puts(&got, "x");
	reader_put_entry_content(&got, r);
	char *clean = sanitize_html(r->content && *r->content ? r->content : r->summary, r->url);
	buf_puts(&want, "x");
	apifmt_put_lossy(&want, clean ? clean : "");
	assert_false(got.oom);
	assert_int_equal(got.len, want.len);
	assert_memory_equal(got.data, want.data, want.len);
	free(clean);
	buf_free(&got);
	buf_free(&want);
}

static void test_json_string(void **state)
{
	(void)state;
	/* Quotes, a control byte, invalid UTF-8 and non-ASCII to escape. */
	char *html = body(70, "\"q\" \x01 \xff \xc3\xa9", 3000);
	struct item_row r = {.id = 70, .content = html, .url = "https://j.example/70",
			     .updated_seen = 1};
	struct reader_content_stats s0 = stats();
	check_json(&r);                      /* a miss: the JSON string kept */
	check_json(&r);                      /* a hit */
	struct reader_content_stats s1 = stats();
	assert_int_equal(s1.misses - s0.misses, 1);
	assert_int_equal(s1.hits - s0.hits, 1);
	check(&r);                           /* the HTML too (a miss, then kept) */
	check(&r);
	assert_int_equal(stats().misses - s1.misses, 1);
	/* The HTML first (the Google Reader API), then the JSON from it. */
	r.id = 71;
	check(&r);
	s1 = stats();
	check_json(&r);
	check_json(&r);
	assert_int_equal(stats().hits - s1.hits, 2);
	/* An edit under the same id and updated_seen is not served stale. */
	char *edited = body(71, "edited", 3000);
	r.content = edited;
	check_json(&r);
	/* No body at all: "". */
	r.content = NULL;
	struct buf b = {0};
	reader_put_entry_content(&b, &r);
	assert_string_equal(b.data, "\"\"");
	buf_free(&b);
	free(html);
	free(edited);
}

static void test_second_read_is_a_hit(void **state)
{
	(void)state;
	char *html = body(1, "first", 5000);
	struct item_row r = {.id = 1, .content = html, .url = "https://a.example/1",
			     .updated_seen = 100};
	struct reader_content_stats s0 = stats();
	check(&r);
	check(&r);
	struct reader_content_stats s1 = stats();
	assert_int_equal(s1.misses - s0.misses, 1);
	assert_int_equal(s1.hits - s0.hits, 1);
	char *got = reader_entry_content(&r);
	assert_null(strstr(got, "evil"));
	assert_null(strstr(got, "onclick"));
	assert_non_null(strstr(got, "https://a.example/p/1"));
	free(got);
	free(html);
}

static void test_edit_is_not_served_stale(void **state)
{
	(void)state;
	char *a = body(2, "before", 3000), *b = body(2, "after", 3000);
	struct item_row r = {.id = 2, .content = a, .url = "https://a.example/2",
			     .updated_seen = 100};
	check(&r);
	r.content = b;               /* same id, same updated_seen */
	char *got = reader_entry_content(&r);
	assert_non_null(strstr(got, "after"));
	assert_null(strstr(got, "before"));
	free(got);
	r.url = "https://b.example/2";   /* links resolve against the URL */
	got = reader_entry_content(&r);
	assert_non_null(strstr(got, "https://b.example/p/2"));
	free(got);
	r.updated_seen = 200;
	check(&r);
	r.content = NULL;            /* falls back to the summary */
	r.summary = "<b>short</b><script>x</script>";
	got = reader_entry_content(&r);
	assert_string_equal(got, "<b>short</b>");
	free(got);
	free(a);
	free(b);
}

static void test_bounded_lru(void **state)
{
	(void)state;
	size_t n = 3 * READER_CONTENT_CACHE_BYTES / 5000;
	struct item_row r = {.url = "https://a.example/", .updated_seen = 1};
	for (size_t i = 0; i < n; i++) {
		char *html = body((int64_t)(1000 + i), "fill", 5000);
		r.id = (int64_t)(1000 + i);
		r.content = html;
		free(reader_entry_content(&r));
		free(html);
		assert_true(stats().bytes <= READER_CONTENT_CACHE_BYTES);
	}
	struct reader_content_stats s = stats();
	assert_true(s.entries > 1000);                  /* it does keep things */
	assert_true(s.entries < n);
	/* The oldest is out, the newest in. */
	char *html = body(1000, "fill", 5000);
	r.id = 1000;
	r.content = html;
	uint64_t m = stats().misses;
	free(reader_entry_content(&r));
	assert_int_equal(stats().misses, m + 1);
	free(html);
	html = body((int64_t)(1000 + n - 1), "fill", 5000);
	r.id = (int64_t)(1000 + n - 1);
	r.content = html;
	uint64_t h = stats().hits;
	free(reader_entry_content(&r));
	assert_int_equal(stats().hits, h + 1);
	free(html);
}

static void test_huge_body_not_kept(void **state)
{
	(void)state;
	char *html = body(9, "huge", READER_CONTENT_CACHE_BYTES / 8);
	struct item_row r = {.id = 9, .content = html, .url = "https://a.example/"};
	size_t e = stats().entries;
	check(&r);
	assert_true(stats().entries <= e);
	free(html);
}

static void *worker(void *arg)
{
	int seed = *(int *)arg;
	for (int k = 0; k < 400; k++) {
		int64_t id = 50000 + (k * 7 + seed) % 60;
		char *html = body(id, k % 3 ? "same" : "edited", 2000);
		struct item_row r = {.id = id, .content = html, .url = "https://t.example/",
				     .updated_seen = 5};
		char *got = reader_entry_content(&r);
		char *want = sanitize_html(html, r.url);
		if (!got || strcmp(got, want))
			abort();
		free(got);
		free(want);
		free(html);
	}
	return NULL;
}

static void test_concurrent_workers(void **state)
{
	(void)state;
	pthread_t t[4];
	int seed[4] = {0, 1, 2, 3};
	for (int i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&t[i], NULL, worker, &seed[i]), 0);
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	assert_true(stats().bytes <= READER_CONTENT_CACHE_BYTES);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_second_read_is_a_hit),
		cmocka_unit_test(test_edit_is_not_served_stale),
		cmocka_unit_test(test_json_string),
		cmocka_unit_test(test_bounded_lru),
		cmocka_unit_test(test_huge_body_not_kept),
		cmocka_unit_test(test_concurrent_workers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
