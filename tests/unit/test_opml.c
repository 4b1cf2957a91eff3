/* test_opml.c — OPML import and export (core/opml.h): every outline with
 * an xmlUrl is a feed, its enclosing outlines and its category attribute
 * its tags (lower-cased, unique, as written, at most 16); what is not OPML,
 * not well-formed or declares entities is refused with a message; an
 * export nests feeds by first tag and reads back to the same feeds. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"
#include "core/opml.h"

static size_t parse_ok(const char *text, struct opml_feed **out)
{
	size_t n = 99;
	char *err = NULL;
	int r = opml_parse(text, strlen(text), out, &n, &err);
	if (r != 0)
		fail_msg("opml_parse: %d %s", r, err ? err : "(no message)");
	assert_null(err);
	return n;
}

/* The tags of F, joined with spaces: "" for none. */
static const char *tags_of(const struct opml_feed *f)
{
	static char s[512];
	s[0] = '\0';
	for (size_t i = 0; f->tags && f->tags[i]; i++) {
		if (i)
			strcat(s, " ");
		strcat(s, f->tags[i]);
	}
	return s;
}

static void refused(const char *text, const char *why)
{
	struct opml_feed *f = (void *)1;
	size_t n = 99;
	char *err = NULL;
	int r = opml_parse(text, strlen(text), &f, &n, &err);
	assert_int_equal(r, -EINVAL);
	assert_null(f);
	assert_int_equal(n, 0);
	assert_non_null(err);
	if (!strstr(err, why))
		fail_msg("error %s, want %s", err, why);
	free(err);
}

static void test_outlines_and_tags(void **state)
{
	(void)state;
	const char *text =
		"<?xml version=\"1.0\"?>\n"
		"<opml version=\"2.0\"><head><title>mine</title></head><body>\n"
		" <outline text=\"top\" xmlUrl=\"http://a.example/feed\" htmlUrl=\"http://a.example/\"/>\n"
		" <outline text=\"  News \">\n"
		"  <outline title=\"Tech\">\n"
		"   <outline text=\"B\" xmlUrl=\"http://b.example/rss\" category=\"/Linux/tech,Q&amp;A\"/>\n"
		"  </outline>\n"
		"  <outline xmlurl=\"http://c.example/atom\"/>\n"
		" </outline>\n"
		" <outline><outline text=\"D\" xmlUrl=\"http://d.example/\" htmlUrl=\"\"/></outline>\n"
		" <outline text=\"no feed here\"/>\n"
		"</body></opml>\n";
	struct opml_feed *f = NULL;
	size_t n = parse_ok(text, &f);
	assert_int_equal(n, 4);
	assert_string_equal(f[0].url, "http://a.example/feed");
	assert_string_equal(f[0].title, "top");
	assert_string_equal(f[0].site_url, "http://a.example/");
	assert_string_equal(tags_of(&f[0]), "");
	/* Enclosing outlines (text, or title) first, then the category's
	 * parts split at ',' and '/' (OPML 2.0's list of category paths),
	 * lower-cased, trimmed, one each; a character a tag may not carry is
	 * kept, for the import's checks to refuse, never rewritten. */
	assert_string_equal(f[1].url, "http://b.example/rss");
	assert_string_equal(f[1].title, "B");
	assert_null(f[1].site_url);
	assert_string_equal(tags_of(&f[1]), "news tech linux q&a");
	/* The lower-case attribute some writers use; no title at all. */
	assert_string_equal(f[2].url, "http://c.example/atom");
	assert_null(f[2].title);
	assert_string_equal(tags_of(&f[2]), "news");
	/* An outline with no text groups nothing; an empty htmlUrl is none. */
	assert_string_equal(f[3].url, "http://d.example/");
	assert_null(f[3].site_url);
	assert_string_equal(tags_of(&f[3]), "");
	/* Another reader's file: none of feedd's settings. */
	for (size_t i = 0; i < n; i++) {
		assert_null(f[i].name);
		assert_null(f[i].conf_title);
		assert_null(f[i].interval);
		assert_int_equal(f[i].enabled, OPML_UNSET);
		assert_int_equal(f[i].allow_private, OPML_UNSET);
		assert_null(f[i].skip);
		assert_null(f[i].keep);
	}
	opml_feeds_free(f, n);
}

/* feedd's export writes each feed's settings in its namespace (name, title
 * key, interval, enabled, allow_private, filter rules) and reads them back
 * as written; the same local names outside the namespace are not its. */
static void test_feedd_settings_read_back(void **state)
{
	(void)state;
	const char conf[] =
		"[defaults]\ninterval = 2h\nallow_private = yes\n"
		"[feed Mehr_News]\nurl = http://m.example/rss\ntitle = Mehr (mine)\n"
		"tags = news\ninterval = 15m\nskip = title ~ (?i)sponsored\n"
		"keep = title ~ a\nkeep = content ~ b\n"
		"[feed off]\nurl = http://o.example/\nenabled = no\nallow_private = no\n";
	struct config *c = NULL;
	struct config_errors errs = {0};
	assert_int_equal(config_parse_buffer("t.conf", conf, strlen(conf), &c, &errs), 0);
	config_errors_free(&errs);
	char *x = opml_export(c, NULL, NULL);
	assert_non_null(x);
	struct opml_feed *f = NULL;
	size_t n = parse_ok(x, &f);
	free(x);
	assert_int_equal(n, 2);
	/* Untagged first. */
	assert_string_equal(f[0].name, "off");
	assert_null(f[0].conf_title);
	assert_string_equal(f[0].interval, "2h");
	assert_int_equal(f[0].enabled, OPML_NO);
	assert_int_equal(f[0].allow_private, OPML_NO);
	assert_null(f[0].skip);
	assert_null(f[0].keep);
	assert_string_equal(f[1].name, "Mehr_News");
	assert_string_equal(f[1].title, "Mehr (mine)");     /* the text readers show */
	assert_string_equal(f[1].conf_title, "Mehr (mine)");
	assert_string_equal(f[1].interval, "15m");
	assert_int_equal(f[1].enabled, OPML_YES);
	assert_int_equal(f[1].allow_private, OPML_YES);
	assert_string_equal(f[1].skip[0], "title ~ (?i)sponsored");
	assert_null(f[1].skip[1]);
	assert_string_equal(f[1].keep[0], "title ~ a");
	assert_string_equal(f[1].keep[1], "content ~ b");
	assert_null(f[1].keep[2]);
	opml_feeds_free(f, n);
	config_free(c);

	const char *other =
		"<opml version=\"2.0\" xmlns:x=\"urn:other\"><body>\n"
		" <outline text=\"A\" xmlUrl=\"http://a.example/\" x:name=\"not-ours\" name=\"no\"\n"
		"  x:allow_private=\"yes\"/>\n"
		" <outline xmlns:f=\"" OPML_FEEDD_NS "\" text=\"B\" xmlUrl=\"http://b.example/\"\n"
		"  f:name=\"b\" f:enabled=\"maybe\" f:keep=\"&#10;title ~ x&#13;&#10;\"/>\n"
		"</body></opml>\n";
	n = parse_ok(other, &f);
	assert_int_equal(n, 2);
	assert_null(f[0].name);
	assert_int_equal(f[0].allow_private, OPML_UNSET);
	assert_string_equal(f[1].name, "b");                /* any prefix: the namespace counts */
	assert_int_equal(f[1].enabled, OPML_UNSET);         /* neither yes nor no */
	assert_string_equal(f[1].keep[0], "title ~ x");     /* empty lines left out */
	assert_null(f[1].keep[1]);
	opml_feeds_free(f, n);
}

static void test_tags_unique_and_capped(void **state)
{
	(void)state;
	char cat[1024] = "";
	for (int i = 0; i < 30; i++) {
		char t[16];
		snprintf(t, sizeof t, "%sT%02d", i ? "," : "", i);
		strcat(cat, t);
	}
	char text[2048];
	snprintf(text, sizeof text,
		 "<opml version=\"1.0\"><body><outline text=\"t00\">"
		 "<outline xmlUrl=\"http://x.example/\" category=\"%s,t00,T01\"/>"
		 "</outline></body></opml>", cat);
	struct opml_feed *f = NULL;
	size_t n = parse_ok(text, &f);
	assert_int_equal(n, 1);
	size_t k = 0;
	while (f[0].tags[k])
		k++;
	assert_int_equal(k, 16);
	/* 30 distinct (t00 and T01 repeat): 14 left out, and counted. */
	assert_int_equal(f[0].tags_left_out, 14);
	for (size_t i = 0; i < k; i++) {
		char want[32];
		snprintf(want, sizeof want, "t%02zu", i);
		assert_string_equal(f[0].tags[i], want);
	}
	opml_feeds_free(f, n);
}

static void test_refused(void **state)
{
	(void)state;
	refused("<opml><body><outline xmlUrl=\"http://x/\"></body></opml>", "not well-formed XML");
	refused("", "not well-formed XML");
	refused("<rss version=\"2.0\"><channel/></rss>", "not an OPML document");
	refused("<?xml version=\"1.0\"?>\n<!DOCTYPE opml [<!ENTITY e \"http://evil.example/\">]>\n"
		"<opml><body><outline xmlUrl=\"&e;\"/></body></opml>", "may not declare entities");
	/* The message has no trailing newline of libxml2's. */
	struct opml_feed *f = NULL;
	size_t n = 0;
	char *err = NULL;
	assert_int_equal(opml_parse("<a>", 3, &f, &n, &err), -EINVAL);
	assert_non_null(err);
	assert_true(strlen(err) > 0 && err[strlen(err) - 1] != '\n');
	free(err);
}

static void test_empty_and_deep(void **state)
{
	(void)state;
	struct opml_feed *f = NULL;
	assert_int_equal(parse_ok("<opml version=\"2.0\"><head/><body/></opml>", &f), 0);
	opml_feeds_free(f, 0);
	/* Outlines nested past the walk's bound: parsed, the feeds within the
	 * bound found, nothing below it, no crash. */
	char text[8192] = "<opml><body>";
	for (int i = 0; i < 60; i++) {
		char o[128];
		snprintf(o, sizeof o, "<outline text=\"l%d\"><outline xmlUrl=\"http://x.example/%d\"/>",
			 i, i);
		strcat(text, o);
	}
	for (int i = 0; i < 60; i++)
		strcat(text, "</outline>");
	strcat(text, "</body></opml>");
	size_t n = parse_ok(text, &f);
	assert_true(n >= 30 && n < 60);
	assert_string_equal(f[0].url, "http://x.example/0");
	assert_string_equal(tags_of(&f[0]), "l0");
	assert_string_equal(f[2].url, "http://x.example/2");
	assert_string_equal(tags_of(&f[2]), "l0 l1 l2");
	opml_feeds_free(f, n);
}

static void test_export_reads_back(void **state)
{
	(void)state;
	const char conf[] =
		"[feed zed]\nurl = http://z.example/feed\ntags = b-tag, extra\n"
		"[feed plain]\nurl = http://p.example/rss\n"
		"[feed amp]\nurl = http://a.example/x?a=1&b=2\ntags = a-tag\n"
		"[feed second]\nurl = http://s.example/\ntags = b-tag\n";
	struct config *c = NULL;
	struct config_errors errs = {0};
	assert_int_equal(config_parse_buffer("t.conf", conf, strlen(conf), &c, &errs), 0);
	config_errors_free(&errs);
	const char *titles[] = { "Zed <&> \"quoted\"", NULL, NULL, "Sec\x01ond\xef\xbf\xbe" };
	const char *sites[] = { "http://z.example/", NULL, "", "urn:d" };
	char *x = opml_export(c, titles, sites);
	assert_non_null(x);
	assert_non_null(strstr(x, "<opml xmlns:feedd=\"" OPML_FEEDD_NS "\" version=\"2.0\">"));
	assert_non_null(strstr(x, "<title>feedd subscriptions</title>"));
	/* Untagged first, then one group per first tag in tag order, feeds in
	 * file order within a group. */
	const char *plain = strstr(x, "http://p.example/rss");
	const char *ga = strstr(x, "text=\"a-tag\"");
	const char *gb = strstr(x, "text=\"b-tag\"");
	const char *zed = strstr(x, "http://z.example/feed");
	const char *second = strstr(x, "http://s.example/");
	assert_true(plain && ga && gb && zed && second);
	assert_true(plain < ga && ga < gb && gb < zed && zed < second);
	/* No htmlUrl for an empty or absent site link, nor for one that is
	 * not an http(s) URL (an Atom feed's id taken as its link). */
	assert_int_equal(strstr(x, "htmlUrl=\"\"") == NULL, 1);
	assert_null(strstr(x, "urn:d"));

	struct opml_feed *f = NULL;
	size_t n = parse_ok(x, &f);
	assert_int_equal(n, 4);
	assert_string_equal(f[0].url, "http://p.example/rss");
	assert_string_equal(f[0].title, "plain");          /* the name when no title */
	assert_string_equal(tags_of(&f[0]), "");
	assert_string_equal(f[1].url, "http://a.example/x?a=1&b=2");
	assert_string_equal(tags_of(&f[1]), "a-tag");
	assert_null(f[1].site_url);
	assert_string_equal(f[2].url, "http://z.example/feed");
	assert_string_equal(f[2].title, "Zed <&> \"quoted\"");
	assert_string_equal(f[2].site_url, "http://z.example/");
	assert_string_equal(tags_of(&f[2]), "b-tag extra");
	/* Characters XML forbids in a publisher's title are left out, so
	 * that the export reads back. */
	assert_string_equal(f[3].title, "Second");
	assert_null(f[3].site_url);
	assert_string_equal(tags_of(&f[3]), "b-tag");
	opml_feeds_free(f, n);
	free(x);

	/* No titles or site links known at all. */
	x = opml_export(c, NULL, NULL);
	assert_non_null(x);
	assert_null(strstr(x, "htmlUrl"));
	assert_non_null(strstr(x, "text=\"zed\""));
	free(x);
	config_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_outlines_and_tags),
		cmocka_unit_test(test_tags_unique_and_capped),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_empty_and_deep),
		cmocka_unit_test(test_export_reads_back),
		cmocka_unit_test(test_feedd_settings_read_back),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
