/* test_discover.c — the feeds an HTML page announces (core/discover.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/discover.h"
#include "core/url.h"

#define PAGE_URL "http://example.org/blog/post.html"

static struct discover_list scan(const char *html, const char *page_url, const char *ctype)
{
	struct discover_list l;
	assert_int_equal(discover_links(html, strlen(html), page_url, ctype, &l), 0);
	return l;
}

static void check_link(const struct discover_list *l, size_t i, const char *url,
		       const char *title, enum discover_type type)
{
	assert_true(i < l->n);
	assert_string_equal(l->v[i].url, url);
	if (title)
		assert_string_equal(l->v[i].title, title);
	else
		assert_null(l->v[i].title);
	assert_int_equal(l->v[i].type, type);
}

static void test_one_link(void **state)
{
	(void)state;
	struct discover_list l = scan(
		"<!DOCTYPE html><html><head><title>Blog</title>\n"
		"<link rel=\"alternate\" type=\"application/rss+xml\" title=\"Posts\"\n"
		"      href=\"https://example.org/feed.xml\">\n"
		"</head><body><p>hello</body></html>", PAGE_URL, "text/html");
	assert_int_equal(l.n, 1);
	check_link(&l, 0, "https://example.org/feed.xml", "Posts", DISCOVER_RSS);
	discover_list_free(&l);
}

static void test_three_links_in_order(void **state)
{
	(void)state;
	struct discover_list l = scan(
		"<html><head>"
		"<link rel=alternate type=application/atom+xml href=/atom.xml title='  All\n  posts '>"
		"<LINK REL=\"Alternate Feed\" TYPE=\"Application/RSS+XML; charset=utf-8\" HREF=\"/rss\">"
		"<link rel=\"alternate\" type=\"application/feed+json\" href=\"/feed.json\" title=\"J\">"
		"<link rel=\"alternate\" type=\"application/rdf+xml\" href=\"/index.rdf\">"
		"</head></html>", PAGE_URL, NULL);
	assert_int_equal(l.n, 4);
	check_link(&l, 0, "http://example.org/atom.xml", "All posts", DISCOVER_ATOM);
	check_link(&l, 1, "http://example.org/rss", NULL, DISCOVER_RSS);
	check_link(&l, 2, "http://example.org/feed.json", "J", DISCOVER_JSONFEED);
	check_link(&l, 3, "http://example.org/index.rdf", NULL, DISCOVER_RDF);
	discover_list_free(&l);
}

static void test_relative_and_base(void **state)
{
	(void)state;
	/* Without <base>: against the page. */
	struct discover_list l = scan(
		"<head><link rel=alternate type=application/rss+xml href=' feeds/main.xml '>"
		"<link rel=alternate type=application/rss+xml href='../c.xml'></head>",
		PAGE_URL, NULL);
	assert_int_equal(l.n, 2);
	check_link(&l, 0, "http://example.org/blog/feeds/main.xml", NULL, DISCOVER_RSS);
	check_link(&l, 1, "http://example.org/c.xml", NULL, DISCOVER_RSS);
	discover_list_free(&l);
	/* The first <base href> wins, even after the link, and is itself
	 * resolved against the page. */
	l = scan("<head><link rel=alternate type=application/atom+xml href='a.xml'>"
		 "<base href='/site/sub/'><base href='http://other.example/'></head>",
		 PAGE_URL, NULL);
	assert_int_equal(l.n, 1);
	check_link(&l, 0, "http://example.org/site/sub/a.xml", NULL, DISCOVER_ATOM);
	discover_list_free(&l);
	l = scan("<base href='https://cdn.example.net:8443/x/'>"
		 "<link rel=alternate type=application/atom+xml href='a.xml'>"
		 "<link rel=alternate type=application/atom+xml href='//feeds.example.com/b'>",
		 PAGE_URL, NULL);
	assert_int_equal(l.n, 2);
	check_link(&l, 0, "https://cdn.example.net:8443/x/a.xml", NULL, DISCOVER_ATOM);
	check_link(&l, 1, "https://feeds.example.com/b", NULL, DISCOVER_ATOM);
	discover_list_free(&l);
}

static void test_link_in_body(void **state)
{
	(void)state;
	struct discover_list l = scan(
		"<html><body><div><p>text<link rel=alternate type=application/rss+xml "
		"href=/in-body.xml></div></body></html>", PAGE_URL, NULL);
	assert_int_equal(l.n, 1);
	check_link(&l, 0, "http://example.org/in-body.xml", NULL, DISCOVER_RSS);
	discover_list_free(&l);
}

static void test_malformed_html(void **state)
{
	(void)state;
	/* Unclosed tags, a stray </head>, unquoted and broken attributes, a
	 * comment hiding a link, a link inside a <script> (text, not markup),
	 * and bytes that are not UTF-8. */
	struct discover_list l = scan(
		"<html><head><title>x</head></head><body <p>\xff\xfe"
		"<!-- <link rel=alternate type=application/rss+xml href=/commented.xml> -->"
		"<script>var s = '<link rel=alternate type=application/rss+xml href=/script.xml>';"
		"</script>"
		"<link rel=alternate type=application/rss+xml href=/ok.xml title=\"t\xe9\">"
		"<link rel=alternate type=application/rss+xml href=\"/unterminated.xml",
		PAGE_URL, NULL);
	assert_true(l.n >= 1);
	assert_string_equal(l.v[0].url, "http://example.org/ok.xml");
	for (size_t i = 0; i < l.n; i++) {
		assert_null(strstr(l.v[i].url, "commented"));
		assert_null(strstr(l.v[i].url, "script"));
	}
	discover_list_free(&l);
	/* Not HTML at all, and nothing. */
	l = scan("\x01\x02 just some text", PAGE_URL, NULL);
	assert_int_equal(l.n, 0);
	discover_list_free(&l);
	assert_int_equal(discover_links("", 0, PAGE_URL, NULL, &l), 0);
	assert_int_equal(l.n, 0);
	discover_list_free(&l);
}

static void test_other_types_and_rels_ignored(void **state)
{
	(void)state;
	struct discover_list l = scan(
		"<head>"
		"<link rel=stylesheet type=text/css href=/style.css>"
		"<link rel='alternate stylesheet' type=text/css href=/alt.css>"
		"<link rel=alternate type=text/html hreflang=fr href=/fr/>"
		"<link rel=alternate href=/no-type.xml>"
		"<link rel=alternate type=application/rss+xml>"
		"<link rel=alternate type=application/rss+xml href=''>"
		"<link rel=icon type=application/rss+xml href=/icon.xml>"
		"<link type=application/rss+xml href=/no-rel.xml>"
		"<link rel=alternate type=application/json href='/wp-json/wp/v2/posts'>"
		"<link rel=alternate type=application/rss+xml href='javascript:alert(1)'>"
		"<link rel=alternate type=application/rss+xml href='file:///etc/passwd'>"
		"<link rel=alternate type=application/rss+xml href='ftp://example.org/f.xml'>"
		"<a rel=alternate type=application/rss+xml href=/anchor.xml>a</a>"
		"<link rel=alternate type=application/json href=/feed.json>"
		"</head>", PAGE_URL, NULL);
	assert_int_equal(l.n, 1);
	check_link(&l, 0, "http://example.org/feed.json", NULL, DISCOVER_JSONFEED);
	discover_list_free(&l);
	/* A file: page may point at file: feeds; a web page may not. */
	l = scan("<link rel=alternate type=application/rss+xml href='feed.xml'>",
		 "file:///srv/site/index.html", NULL);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.v[0].url, "file:///srv/site/feed.xml");
	discover_list_free(&l);
}

static void test_duplicates(void **state)
{
	(void)state;
	struct discover_list l = scan(
		"<link rel=alternate type=application/rss+xml href=/f.xml title=first>"
		"<link rel=alternate type=application/atom+xml href=http://example.org/f.xml>"
		"<link rel=alternate type=application/rss+xml href=/g.xml>"
		"<link rel=alternate type=application/rss+xml href=../f.xml title=again>",
		PAGE_URL, NULL);
	assert_int_equal(l.n, 2);
	check_link(&l, 0, "http://example.org/f.xml", "first", DISCOVER_RSS);
	check_link(&l, 1, "http://example.org/g.xml", NULL, DISCOVER_RSS);
	discover_list_free(&l);
}

static void test_bounds(void **state)
{
	(void)state;
	/* Hundreds of links: at most DISCOVER_MAX_LINKS come back. */
	size_t cap = 64 * 1024;
	char *page = malloc(cap);
	assert_non_null(page);
	size_t len = 0;
	for (int i = 0; i < 300; i++)
		len += (size_t)snprintf(page + len, cap - len,
					"<link rel=alternate type=application/rss+xml href=/f%d>", i);
	struct discover_list l;
	assert_int_equal(discover_links(page, len, PAGE_URL, NULL, &l), 0);
	assert_int_equal(l.n, DISCOVER_MAX_LINKS);
	assert_string_equal(l.v[DISCOVER_MAX_LINKS - 1].url, "http://example.org/f15");
	discover_list_free(&l);
	free(page);
	/* A long title is cut on a character boundary. */
	char title[1000] = "";
	for (int i = 0; i < 300; i++)
		strcat(title, "\xc3\xa9");      /* é, two bytes each */
	char html[1200];
	snprintf(html, sizeof html, "<link rel=alternate type=application/rss+xml href=/t "
		 "title=\"a%s\">", title);
	l = scan(html, PAGE_URL, NULL);
	assert_int_equal(l.n, 1);
	assert_true(strlen(l.v[0].title) <= DISCOVER_MAX_TITLE);
	assert_int_equal(strlen(l.v[0].title), DISCOVER_MAX_TITLE - 1);
	discover_list_free(&l);
}

static void test_charset_from_content_type(void **state)
{
	(void)state;
	/* "Caf\xe9" in Latin-1: the header's charset is used for the title. */
	struct discover_list l = scan(
		"<link rel=alternate type=application/rss+xml href=/f title=\"Caf\xe9\">",
		PAGE_URL, "text/html; charset=ISO-8859-1");
	assert_int_equal(l.n, 1);
	assert_string_equal(l.v[0].title, "Caf\xc3\xa9");
	discover_list_free(&l);
}

static void test_is_html_and_paths(void **state)
{
	(void)state;
	assert_true(discover_is_html("text/html"));
	assert_true(discover_is_html(" Text/HTML ; charset=utf-8"));
	assert_true(discover_is_html("application/xhtml+xml"));
	assert_false(discover_is_html("text/plain"));
	assert_false(discover_is_html("text/htmlx"));
	assert_false(discover_is_html("application/rss+xml"));
	assert_false(discover_is_html(NULL));
	/* The well-known paths land on the page's origin, port kept. */
	char *u = url_resolve("http://127.0.0.1:8080/blog/x?y=1", discover_paths[0]);
	assert_string_equal(u, "http://127.0.0.1:8080/feed");
	free(u);
	size_t n = 0;
	while (discover_paths[n])
		n++;
	assert_int_equal(n, 7);
	assert_string_equal(discover_type_name(DISCOVER_JSONFEED), "JSON Feed");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_one_link),
		cmocka_unit_test(test_three_links_in_order),
		cmocka_unit_test(test_relative_and_base),
		cmocka_unit_test(test_link_in_body),
		cmocka_unit_test(test_malformed_html),
		cmocka_unit_test(test_other_types_and_rels_ignored),
		cmocka_unit_test(test_duplicates),
		cmocka_unit_test(test_bounds),
		cmocka_unit_test(test_charset_from_content_type),
		cmocka_unit_test(test_is_html_and_paths),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
