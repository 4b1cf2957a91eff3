/* test_conf_edit.c — the writer of feeds.conf: what it writes reads back
 * exactly, and every value the file's syntax cannot carry is refused with
 * the field and the value named. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/conf_edit.h"
#include "core/config.h"

static const char OLD[] =
	"# my feeds\n"
	"[daemon]\n"
	"host_gap = 0s   ; loopback\n"
	"\n"
	"[defaults]\n"
	"interval = 1h\n"
	"min_interval = 1m\n"
	"allow_private = yes\n"
	"exec = /usr/bin/true\n"
	"\n"
	"[feed a]\n"
	"url = http://example.org/a\n"
	"tags = news\n";

static struct config *parse_ok(const char *text)
{
	struct config *c = NULL;
	struct config_errors errs = {0};
	int r = config_parse_buffer("t.conf", text, strlen(text), &c, &errs);
	for (size_t i = 0; i < errs.n; i++)
		fprintf(stderr, "unexpected: %s\n", errs.msgs[i]);
	assert_int_equal(r, 0);
	config_errors_free(&errs);
	return c;
}

/* Adds F to OLD and returns the new text (or NULL, the error in *E). */
static char *add_one(const char *old, const struct conf_new_feed *f, struct conf_edit_error *e)
{
	struct conf_edit *ed = conf_edit_begin("t.conf", old, strlen(old), e);
	assert_non_null(ed);
	char *text = NULL;
	if (conf_edit_add(ed, f, e) == 0)
		text = conf_edit_finish(ed, NULL, e);
	conf_edit_free(ed);
	return text;
}

/* F must be refused for FIELD with a message containing WHY. */
static void refused(const struct conf_new_feed *f, enum conf_field field, const char *why)
{
	struct conf_edit_error e;
	memset(&e, 0, sizeof e);
	char *text = add_one(OLD, f, &e);
	if (text || e.field != field || !strstr(e.msg, why)) {
		fprintf(stderr, "got %s: field %s value %s msg %s\nwant field %s: %s\n",
			text ? "accepted" : "refused", conf_field_name(e.field), e.value, e.msg,
			conf_field_name(field), why);
		free(text);
		fail();
	}
	/* The value is shown escaped: no raw control byte reaches a terminal. */
	for (const char *c = e.value; *c; c++)
		assert_false((unsigned char)*c < 0x20 || *c == 0x7f);
}

static void test_round_trip(void **state)
{
	(void)state;
	const char *tags[] = {"Tech News", " linux ", NULL};
	struct conf_new_feed f = {
		.name = "b", .url = "HTTP://Example.ORG:8080", .tags = tags, .interval = "2h",
		.title = "Bee News",
	};
	struct conf_edit_error e;
	char *text = add_one(OLD, &f, &e);
	assert_non_null(text);
	/* Every old byte kept; exactly this section after it. */
	assert_memory_equal(text, OLD, strlen(OLD));
	assert_string_equal(text + strlen(OLD),
			    "\n# title: Bee News\n[feed b]\nurl = http://example.org:8080/\n"
			    "interval = 2h\ntags = tech news, linux\n");
	struct config *c = parse_ok(text);
	assert_int_equal(c->nfeeds, 2);
	const struct feed_conf *b = config_find_feed(c, "b");
	assert_non_null(b);
	assert_string_equal(b->url, "http://example.org:8080/");
	assert_int_equal(b->interval, 7200);
	assert_string_equal(b->tags[0], "tech news");
	assert_string_equal(b->tags[1], "linux");
	assert_null(b->tags[2]);
	assert_string_equal(b->exec, "/usr/bin/true");   /* inherited, not written */
	config_free(c);
	free(text);
}

/* The keys an import takes back from feedd's own export (core/opml.h):
 * the title key, enabled, allow_private either way and the filter rules,
 * each written as given and read back; a rule or a title the file cannot
 * carry is refused, named. */
static void test_imported_settings(void **state)
{
	(void)state;
	const char *skip[] = {"title ~ (?i)sponsored", NULL};
	const char *keep[] = {"title ~ a", "content ~ b|c", NULL};
	struct conf_new_feed f = {
		.name = "Mehr_News", .url = "http://m.example/rss", .conf_title = "Mehr (mine)",
		.enabled = CONF_NO, .allow_private = CONF_NO, .skip = skip, .keep = keep,
	};
	struct conf_edit_error e;
	char *text = add_one(OLD, &f, &e);
	if (!text)
		fail_msg("%s %s", e.value, e.msg);
	assert_string_equal(text + strlen(OLD),
			    "\n[feed Mehr_News]\nurl = http://m.example/rss\ntitle = Mehr (mine)\n"
			    "enabled = no\nallow_private = no\nskip = title ~ (?i)sponsored\n"
			    "keep = title ~ a\nkeep = content ~ b|c\n");
	struct config *c = parse_ok(text);
	const struct feed_conf *m = config_find_feed(c, "Mehr_News");
	assert_non_null(m);
	assert_string_equal(m->title, "Mehr (mine)");
	assert_false(m->enabled);
	assert_false(m->allow_private);            /* [defaults] says yes */
	assert_string_equal(m->skip[0], skip[0]);
	assert_string_equal(m->keep[1], keep[1]);
	config_free(c);
	free(text);

	const char *bad_rule[] = {"title ~ (unclosed", NULL};
	struct conf_new_feed r = {.name = "r", .url = "http://e.org/r", .skip = bad_rule};
	refused(&r, CONF_FIELD_RULE, "missing closing parenthesis");
	const char *nl_rule[] = {"title ~ a\nexec = /bin/sh", NULL};
	r.skip = nl_rule;
	refused(&r, CONF_FIELD_RULE, "contains a newline");
	const char *field_rule[] = {"colour ~ red", NULL};
	r.skip = NULL;
	r.keep = field_rule;
	refused(&r, CONF_FIELD_RULE, "colour");
	/* " #" starts a comment in the file: what it would cut does not read
	 * back, and is refused before it can spoil the edit. */
	const char *comment_rule[] = {"title ~ a #b", NULL};
	r.keep = comment_rule;
	refused(&r, CONF_FIELD_FILE, "does not read back");
	struct conf_new_feed t = {.name = "t", .url = "http://e.org/t", .conf_title = "x ; y"};
	refused(&t, CONF_FIELD_TITLE, "after a space");
}

/* An exported feed's own name, made unique as a title's slug is; none for
 * what cannot be a section's name. */
static void test_name_as(void **state)
{
	(void)state;
	struct conf_edit_error e;
	struct conf_edit *ed = conf_edit_begin("t.conf", OLD, strlen(OLD), &e);
	assert_non_null(ed);
	char *n = conf_edit_name_as(ed, "Mehr_News");
	assert_string_equal(n, "Mehr_News");
	free(n);
	n = conf_edit_name_as(ed, "a");                    /* OLD has [feed a] */
	assert_string_equal(n, "a-2");
	free(n);
	assert_null(conf_edit_name_as(ed, "x]\nexec = y"));
	assert_null(conf_edit_name_as(ed, " a"));
	assert_null(conf_edit_name_as(ed, ""));
	conf_edit_free(ed);
}

static void test_several_and_empty_file(void **state)
{
	(void)state;
	struct conf_edit_error e;
	struct conf_edit *ed = conf_edit_begin("t.conf", "", 0, &e);
	assert_non_null(ed);
	struct conf_new_feed f1 = {.name = "one", .url = "https://example.org/1"};
	struct conf_new_feed f2 = {.name = "two", .url = "file:///tmp/x.xml", .title = ""};
	assert_int_equal(conf_edit_add(ed, &f1, &e), 0);
	assert_int_equal(conf_edit_add(ed, &f2, &e), 0);
	/* Names and URLs queued count as taken. */
	assert_string_equal(conf_edit_feed_by_url(ed, "https://example.org/1"), "one");
	/* A fragment is never sent: the same feed. */
	assert_string_equal(conf_edit_feed_by_url(ed, "https://example.org/1#x"), "one");
	struct conf_new_feed ff = {.name = "three", .url = "https://example.org/1#top"};
	assert_int_equal(conf_edit_add(ed, &ff, &e), -22);
	assert_int_equal(e.field, CONF_FIELD_URL);
	assert_int_equal(conf_edit_add(ed, &f1, &e), -22);
	assert_int_equal(e.field, CONF_FIELD_NAME);
	char *name = conf_edit_new_name(ed, "https://example.org/3");
	assert_string_equal(name, "example");
	free(name);
	size_t len = 0;
	char *text = conf_edit_finish(ed, &len, &e);
	assert_non_null(text);
	assert_string_equal(text, "[feed one]\nurl = https://example.org/1\n\n"
			    "[feed two]\nurl = file:///tmp/x.xml\n");
	assert_int_equal(len, strlen(text));
	free(text);
	conf_edit_free(ed);
	/* An old file without a final newline gets one first. */
	struct conf_new_feed f3 = {.name = "c", .url = "http://example.org/c"};
	text = add_one("[feed a]\nurl = http://example.org/a", &f3, &e);
	assert_non_null(text);
	assert_string_equal(text, "[feed a]\nurl = http://example.org/a\n\n[feed c]\n"
			    "url = http://example.org/c\n");
	free(text);
}

static void test_title_is_one_comment_line(void **state)
{
	(void)state;
	static const struct {
		const char *title, *line;
	} cases[] = {
		{"Nice\nexec = /bin/touch /tmp/pwned", "# title: Nice exec = /bin/touch /tmp/pwned\n"},
		{"a\r\n[feed x]\r\nurl = http://e/", "# title: a [feed x] url = http://e/\n"},
		{"\t  lead \x01\x1f\x7f trail  ", "# title: lead trail\n"},
		{"c1\xc2\x85next\xe2\x80\xa8line\xe2\x80\xa9para", "# title: c1 next line para\n"},
		{"bad \xff\xfe utf-8", "# title: bad ?? utf-8\n"},
		{"Ünïcödé ✓", "# title: Ünïcödé ✓\n"},
		{"\n\r\t ", ""},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct conf_new_feed f = {.name = "t", .url = "http://e.org/", .title = cases[i].title};
		struct conf_edit_error e;
		char *text = add_one("", &f, &e);
		assert_non_null(text);
		char want[256];
		snprintf(want, sizeof want, "%s[feed t]\nurl = http://e.org/\n", cases[i].line);
		assert_string_equal(text, want);
		free(text);
	}
	/* Long titles are cut, at a character boundary. */
	char longt[1000];
	for (size_t i = 0; i + 2 < sizeof longt; i += 2)
		memcpy(longt + i, "\xc3\xa9", 2);
	longt[sizeof longt - 2] = '\0';
	struct conf_new_feed f = {.name = "t", .url = "http://e.org/", .title = longt};
	struct conf_edit_error e;
	char *text = add_one("", &f, &e);
	assert_non_null(text);
	const char *nl = strchr(text, '\n');
	assert_true(nl - text <= 9 + 200 + 3);
	assert_memory_equal(nl - 3, "...", 3);
	assert_int_equal((unsigned char)nl[-4], 0xa9);
	free(text);
}

static void test_refused_names(void **state)
{
	(void)state;
	struct conf_new_feed f = {.url = "http://example.org/n"};
	static const struct {
		const char *name, *why;
	} cases[] = {
		{"", "is empty"},
		{"x\nexec = /bin/sh", "contains a newline"},
		{"x\r", "contains a carriage return"},
		{"x\ty", "contains a tab"},
		{"x\x01", "control character (U+0001)"},
		{"x\xc2\x85", "control character (U+0085)"},
		{"x]\n[daemon", "contains a newline"},
		{"a]b", "contains a bracket"},
		{"[a", "contains a bracket"},
		{" a", "begins or ends with a space"},
		{"a ", "begins or ends with a space"},
		{"a b", "is not a feed name"},
		{"a=b", "is not a feed name"},
		{"\xff", "is not UTF-8"},
		{"a", "is already the name of a feed"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		f.name = cases[i].name;
		refused(&f, CONF_FIELD_NAME, cases[i].why);
	}
	char longn[102];
	memset(longn, 'n', sizeof longn - 1);
	longn[sizeof longn - 1] = '\0';
	f.name = longn;
	refused(&f, CONF_FIELD_NAME, "at most 100 bytes");
}

static void test_refused_urls(void **state)
{
	(void)state;
	struct conf_new_feed f = {.name = "u"};
	static const struct {
		const char *url, *why;
	} cases[] = {
		{"", "is empty"},
		{"https://evil.example/feed.xml\nexec = /bin/touch /tmp/pwned", "contains a newline"},
		{"http://e.org/\r", "contains a carriage return"},
		{"http://e.org/\x01", "control character (U+0001)"},
		{"http://e.org/\xc2\x85", "control character (U+0085)"},
		{"http://e.org/\xff", "is not UTF-8"},
		{"http://e.org/a b", "is not a URL"},
		{"e.org/feed", "is not a URL"},
		{"ftp://e.org/feed", "is not an http, https or file URL"},
		{"javascript:alert(1)", "is not"},
		{"http://example.org/a", "is already in t.conf as [feed a]"},
		{"HTTP://EXAMPLE.org/a", "is already in t.conf as [feed a]"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		f.url = cases[i].url;
		refused(&f, CONF_FIELD_URL, cases[i].why);
	}
	/* Percent-encoded bytes are data, not syntax. */
	char *out = NULL;
	assert_int_equal(conf_edit_url("http://e.org/a%0Aexec%20=%20x", &out, NULL), 0);
	assert_string_equal(out, "http://e.org/a%0Aexec%20=%20x");
	free(out);
	/* Quotes, which feeds.conf takes by hand and export writes, are
	 * percent-encoded as a browser sends them, not refused. */
	assert_int_equal(conf_edit_url("http://e.org/s?q=\"linux\"&a='b'&c=`d`", &out, NULL), 0);
	assert_string_equal(out, "http://e.org/s?q=%22linux%22&a=%27b%27&c=%60d%60");
	free(out);
}

static void test_tag_from_text(void **state)
{
	(void)state;
	static const struct {
		const char *text, *tag;
	} cases[] = {
		{"Tech & Science", "Tech-Science"},
		{"a?b", "a-b"},
		{"News, Politics", "News-Politics"},
		{"  & lead", "lead"},
		{"trail ;; ", "trail"},
		{"x #=; y", "x-y"},
		{"café", "café"},
		{"&&", NULL},
		{" / ", NULL},
		{"", NULL},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *t = conf_tag_from_text(cases[i].text);
		if (cases[i].tag)
			assert_string_equal(t, cases[i].tag);
		else
			assert_null(t);
		free(t);
	}
}

static void test_refused_tags(void **state)
{
	(void)state;
	static const struct {
		const char *tag, *why;
	} cases[] = {
		{"a\nexec = /bin/sh -c x", "contains a newline"},
		{"a\r", "contains a carriage return"},
		{"a\x1b[2J", "control character (U+001B)"},
		{"a\xc2\x9b", "control character (U+009B)"},
		{"\xc3", "is not UTF-8"},
		{"", "is empty"},
		{"   ", "is empty"},
		{"a,b", "contains a comma"},
		{"a ;b", "contains ';'"},
		{"a#b", "contains '#'"},
		{"a=b", "contains '='"},
		{"a/b", "contains '/'"},
		{"0123456789012345678901234567890123456789012345678901234567890123456789",
		 "is longer than 64 bytes"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const char *tags[] = {"ok", cases[i].tag, NULL};
		struct conf_new_feed f = {.name = "t", .url = "http://e.org/t", .tags = tags};
		refused(&f, CONF_FIELD_TAG, cases[i].why);
	}
	const char *many[66];
	for (size_t i = 0; i < 65; i++)
		many[i] = "x";
	many[65] = NULL;
	struct conf_new_feed f = {.name = "t", .url = "http://e.org/t", .tags = many};
	refused(&f, CONF_FIELD_TAG, "one tag too many");
	/* The message quotes the value escaped, as feedctl prints it. */
	const char *inj[] = {"a\nexec = x", NULL};
	f.tags = inj;
	struct conf_edit_error e;
	assert_null(add_one(OLD, &f, &e));
	assert_string_equal(e.value, "\"a\\nexec = x\"");
}

static void test_refused_intervals(void **state)
{
	(void)state;
	static const struct {
		const char *interval, *why;
	} cases[] = {
		{"1h\nexec = x", "contains a newline"},
		{"1h\x85", "is not UTF-8"},
		{"soon", "is not a duration"},
		{"-5m", "is not a duration"},
		{"1h ", "is not a duration"},
		{"0", "is out of range"},
		{"31d", "is out of range"},
		{"30s", "is outside [min_interval 1m, max_interval 1d]"},
		{"2d", "is outside [min_interval 1m, max_interval 1d]"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct conf_new_feed f = {.name = "i", .url = "http://e.org/i",
					  .interval = cases[i].interval};
		refused(&f, CONF_FIELD_INTERVAL, cases[i].why);
	}
}

static void test_refused_file(void **state)
{
	(void)state;
	struct conf_edit_error e;
	const char *bad = "[feed a]\nurl = http://e.org/\nexec = x\x01y\n";
	assert_null(conf_edit_begin("t.conf", bad, strlen(bad), &e));
	assert_int_equal(e.field, CONF_FIELD_FILE);
	assert_non_null(strstr(e.msg, "t.conf has errors"));
	assert_non_null(strstr(e.msg, "t.conf:3: [feed a] exec: the value contains a control "
				"character (U+0001)"));
	/* conf_edit_check refuses like add and queues nothing. */
	struct conf_edit *ed = conf_edit_begin("t.conf", OLD, strlen(OLD), &e);
	const char *tags[] = {"a\nb", NULL};
	struct conf_new_feed f = {.name = "x", .url = "http://e.org/x", .tags = tags};
	assert_int_equal(conf_edit_check(ed, &f, &e), -22);
	assert_int_equal(e.field, CONF_FIELD_TAG);
	f.tags = NULL;
	assert_int_equal(conf_edit_check(ed, &f, &e), 0);
	assert_null(conf_edit_feed_by_url(ed, "http://e.org/x"));
	char *text = conf_edit_finish(ed, NULL, &e);
	assert_string_equal(text, OLD);          /* nothing queued: the file as it was */
	free(text);
	conf_edit_free(ed);
}

static char *slug(const char *title)
{
	static char buf[128];
	char *s = conf_name_from_title(title, NULL, NULL);
	if (!s)
		return NULL;
	snprintf(buf, sizeof buf, "%s", s);
	free(s);
	return buf;
}

static void test_names_from_titles(void **state)
{
	(void)state;
	assert_string_equal(slug("Blog 0"), "blog-0");
	assert_string_equal(slug("  The Register: Security -- "), "the-register-security");
	assert_string_equal(slug("\u00c4rzte & Co."), "\u00e4rzte-co");        /* Latin-1 capital */
	assert_string_equal(slug("\u062e\u0628\u0631 \u2014 \u0645\u0647\u0631"),
			    "\u062e\u0628\u0631-\u0645\u0647\u0631");            /* a dash, not a letter */
	assert_string_equal(slug("a\nexec = /bin/sh"), "a-exec-bin-sh");
	assert_string_equal(slug("x\xff\xfey"), "x-y");                     /* not UTF-8 */
	assert_null(slug(""));
	assert_null(slug(" -- \xf0\x9f\x93\xb0 "));                          /* an emoji only */
	assert_null(slug(NULL));
	/* At most 40 bytes, cut at a word's end. */
	assert_string_equal(slug("one two three four five six seven eight nine ten"),
			    "one-two-three-four-five-six-seven-eight");
	assert_string_equal(slug("abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz"),
			    "abcdefghijklmnopqrstuvwxyzabcdefghijklmn");
	/* Every slug is a valid feed name. */
	const char *titles[] = {"Blog 0", "\u00c4rzte & Co.", "a\nexec = /bin/sh", "x.y_z"};
	for (size_t i = 0; i < sizeof titles / sizeof titles[0]; i++)
		assert_true(config_valid_feed_name(slug(titles[i])));
}

static void test_names_from_registrable_domains(void **state)
{
	(void)state;
	const struct { const char *url, *name; } cases[] = {
		{"https://en.mehrnews.com/rss", "mehrnews"},
		{"https://user.github.io/feed.xml", "user"},        /* github.io is a suffix */
		{"https://www.bbc.co.uk/news/rss.xml", "bbc"},
		{"https://blog.example.com.au/", "example"},
		{"https://foo.blogspot.com/feeds/posts/default", "foo"},
		{"http://127.0.0.1:8080/x", "127-0-0-1"},
		{"https://Example.ORG/", "example"},
		{"https://github.io/", "github"},                   /* a suffix itself */
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *n = conf_name_from_url(cases[i].url, NULL, NULL);
		assert_string_equal(n, cases[i].name);
		free(n);
	}
}

static void test_unique_names_in_an_edit(void **state)
{
	(void)state;
	struct conf_edit_error e;
	const char old[] = "[feed blog-0]\nurl = http://a.example.org/\n"
			   "[feed example]\nurl = http://b.example.org/\n";
	struct conf_edit *ed = conf_edit_begin("t.conf", old, strlen(old), &e);
	assert_non_null(ed);
	char *n = conf_edit_name_for(ed, "Blog 0", "http://c.example.org/");
	assert_string_equal(n, "blog-0-2");
	struct conf_new_feed f = {.name = n, .url = "http://c.example.org/"};
	assert_int_equal(conf_edit_add(ed, &f, &e), 0);
	assert_true(conf_edit_queued(ed, "blog-0-2"));
	assert_false(conf_edit_queued(ed, "blog-0"));
	free(n);
	/* An unused candidate is offered again; a used one never. */
	n = conf_edit_name_for(ed, "Blog 0", "http://d.example.org/");
	assert_string_equal(n, "blog-0-3");
	free(n);
	n = conf_edit_name_for(ed, "Blog 0", "http://d.example.org/");
	assert_string_equal(n, "blog-0-3");
	free(n);
	/* No title: the domain; taken: a suffix. */
	n = conf_edit_name_for(ed, "\xe2\x80\x94", "http://d.example.org/");
	assert_string_equal(n, "example-2");
	free(n);
	/* URLs are found in the file and in the queue. */
	assert_string_equal(conf_edit_feed_by_url(ed, "http://b.example.org/"), "example");
	assert_string_equal(conf_edit_feed_by_url(ed, "http://c.example.org/"), "blog-0-2");
	assert_null(conf_edit_feed_by_url(ed, "http://d.example.org/"));
	conf_edit_free(ed);
}

/* An edit of one file among the main file and its drop-ins: names and
 * URLs unique across them, [defaults] from the main file, new sections
 * where the reader finds them, a drop only in the file that holds it. */
static void test_edit_among_dropins(void **state)
{
	(void)state;
	struct config_source src[] = {
		{.name = "m.conf", .text = "[defaults]\nmin_interval = 1m\n\n[feed a]\nurl = http://a.org/\n"},
		{.name = "m.conf.d/1.conf", .text = "[feed b]\nurl = http://b.org/\n\n[feed c]\nurl = http://c.org/\n"},
		{.name = "m.conf.d/2.conf", .text = "# keep\n[feed d]\nurl = http://d.org/\n"},
	};
	for (size_t i = 0; i < 3; i++)
		src[i].len = strlen(src[i].text);
	struct conf_edit_error e;
	struct conf_edit *ed = conf_edit_begin_files(src, 3, 1, &e);
	assert_non_null(ed);
	assert_string_equal(conf_edit_file_of(ed, "d"), "m.conf.d/2.conf");
	/* Taken in another file: the name, the URL. */
	struct conf_new_feed dupname = {.name = "d", .url = "http://x.org/"};
	assert_int_equal(conf_edit_check(ed, &dupname, &e), -EINVAL);
	assert_string_equal(e.msg, "is already the name of a feed in m.conf.d/2.conf");
	struct conf_new_feed dupurl = {.name = "x", .url = "http://A.org/"};
	assert_int_equal(conf_edit_check(ed, &dupurl, &e), -EINVAL);
	assert_string_equal(e.msg, "is already in m.conf as [feed a]");
	/* 2m is allowed by the main file's min_interval, not the built-in 5m. */
	struct conf_new_feed nf = {.name = "n", .url = "http://n.org/", .interval = "2m"};
	assert_int_equal(conf_edit_add(ed, &nf, &e), 0);
	/* A drop in another file is refused; in this one it is taken out. */
	assert_int_equal(conf_edit_drop(ed, "d", &e), -EINVAL);
	assert_string_equal(e.msg, "is in m.conf.d/2.conf, not in m.conf.d/1.conf");
	assert_int_equal(conf_edit_drop(ed, "nope", &e), -ENOENT);
	assert_int_equal(conf_edit_drop(ed, "b", &e), 0);
	size_t len;
	char *text = conf_edit_finish(ed, &len, &e);
	assert_non_null(text);
	assert_string_equal(text, "[feed c]\nurl = http://c.org/\n\n[feed n]\nurl = http://n.org/\n"
			    "interval = 2m\n");
	conf_edit_free(ed);
	/* Read back in place: a, c, n, d. */
	src[1].text = text;
	src[1].len = len;
	struct config *c = NULL;
	assert_int_equal(config_parse_sources(src, 3, &c, NULL), 0);
	assert_int_equal(c->nfeeds, 4);
	assert_string_equal(c->feeds[2].name, "n");
	assert_int_equal(c->feeds[2].file, 1);
	assert_string_equal(c->feeds[3].name, "d");
	config_free(c);
	free(text);
	/* A configuration with an error anywhere is refused, naming it. */
	src[1].text = "[feed a]\nurl = http://a2.org/\n";
	src[1].len = strlen(src[1].text);
	assert_null(conf_edit_begin_files(src, 3, 2, &e));
	assert_non_null(strstr(e.msg, "m.conf (with its drop-ins) has errors; fix them first:\n"
			       "m.conf.d/1.conf:1: [feed a] duplicate feed name (first defined at m.conf:4)"));
}

static void test_remove_section(void **state)
{
	(void)state;
	const char text[] =
		"# my feeds\n"
		"[feed a]\nurl = http://a.example/\n"
		"\n"
		"# title: The B blog\n"
		"; another comment\n"
		"[feed b]\nurl = http://b.example/\ntags = x\n\n"
		"[feed c]   \nurl = http://c.example/\n";
	int found = -1;
	char *out = conf_edit_remove(text, "b", &found);
	assert_int_equal(found, 1);
	/* The section to its last key and the blank lines after it, with
	 * the comments right above it, go; every other byte stays, and the
	 * blank line above now separates a from c. */
	assert_string_equal(out, "# my feeds\n"
				 "[feed a]\nurl = http://a.example/\n"
				 "\n"
				 "[feed c]   \nurl = http://c.example/\n");
	free(out);
	/* The next section's comment and a heading or a commented-out block
	 * between the two are not the removed section's: they stay. */
	const char hand[] =
		"[feed a]\nurl = http://a/\n# a's note\ninterval = 2h\n"
		"\n"
		"#[feed old]\n#url = http://old/\n"
		"\n"
		"# ===== Work feeds =====\n"
		"# title: B\n"
		"[feed b]\nurl = http://b/\n";
	out = conf_edit_remove(hand, "a", &found);
	assert_int_equal(found, 1);
	assert_string_equal(out, "#[feed old]\n#url = http://old/\n"
				 "\n"
				 "# ===== Work feeds =====\n"
				 "# title: B\n"
				 "[feed b]\nurl = http://b/\n");
	free(out);
	/* As `feedctl add` writes them: the next feed keeps its title. */
	out = conf_edit_remove("# feeds\n\n# title: One\n[feed one]\nurl = http://1/\n\n"
			       "# title: Two\n[feed two]\nurl = http://2/\n", "one", &found);
	assert_string_equal(out, "# feeds\n\n# title: Two\n[feed two]\nurl = http://2/\n");
	free(out);
	/* The last section, to the end of a text with no final newline. */
	out = conf_edit_remove("[feed a]\nurl = http://a/\n[feed c]\nurl = http://c/", "c", &found);
	assert_int_equal(found, 1);
	assert_string_equal(out, "[feed a]\nurl = http://a/\n");
	free(out);
	/* The only section: nothing left. */
	out = conf_edit_remove("[feed a]\nurl = http://a/\n", "a", &found);
	assert_int_equal(found, 1);
	assert_string_equal(out, "");
	free(out);
	/* No such feed, a prefix of a name, or a name in a comment: none. */
	found = -1;
	assert_null(conf_edit_remove(text, "nosuch", &found));
	assert_int_equal(found, 0);
	assert_null(conf_edit_remove(text, "", &found));
	assert_null(conf_edit_remove("# [feed z]\n[feed zz]\nurl = http://z/\n", "z", &found));
	assert_int_equal(found, 0);
}

static void test_quote(void **state)
{
	(void)state;
	char q[128];
	conf_quote("plain", q, sizeof q);
	assert_string_equal(q, "\"plain\"");
	conf_quote("a\nexec = x\r\t\"\\", q, sizeof q);
	assert_string_equal(q, "\"a\\nexec = x\\r\\t\\\"\\\\\"");
	conf_quote("\x01\x7f", q, sizeof q);
	assert_string_equal(q, "\"\\x01\\x7f\"");
	/* UTF-8 kept, C1 controls escaped, a byte that is not UTF-8 too. */
	conf_quote("\xc3\xa4\xc2\x85\xff", q, sizeof q);
	assert_string_equal(q, "\"\xc3\xa4\\u0085\\xff\"");
	conf_quote("", q, sizeof q);
	assert_string_equal(q, "\"\"");
	/* Long values are cut after 60 characters. */
	char longv[200];
	memset(longv, 'x', sizeof longv - 1);
	longv[sizeof longv - 1] = '\0';
	conf_quote(longv, q, sizeof q);
	assert_int_equal(strlen(q), 1 + 60 + 3 + 1);
	assert_string_equal(q + 61, "...\"");
	/* A small buffer is cut, never overrun. */
	char tiny[5];
	conf_quote("abcdefgh", tiny, sizeof tiny);
	assert_string_equal(tiny, "\"abc");
}

static void test_write_atomic_and_read(void **state)
{
	(void)state;
	char dir[] = "/tmp/feedd-conf-edit-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char path[256];
	snprintf(path, sizeof path, "%s/feeds.conf", dir);
	/* A new file: 0644. */
	assert_int_equal(conf_write_atomic(path, "one\n", 4), 0);
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0644);
	size_t len = 0;
	char *t = conf_read_file(path, &len);
	assert_non_null(t);
	assert_int_equal(len, 4);
	assert_string_equal(t, "one\n");
	free(t);
	/* Replaced whole, keeping the file's mode; no temporary left. */
	assert_int_equal(chmod(path, 0600), 0);
	assert_int_equal(conf_write_atomic(path, "two\nlines\n", 10), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	t = conf_read_file(path, &len);
	assert_string_equal(t, "two\nlines\n");
	assert_int_equal(len, 10);
	free(t);
	DIR *d = opendir(dir);
	assert_non_null(d);
	int entries = 0;
	for (struct dirent *e; (e = readdir(d));)
		if (e->d_name[0] != '.' || (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")))
			entries++;
	closedir(d);
	assert_int_equal(entries, 1);
	/* A missing folder: an error, nothing written; a missing file read:
	 * NULL with errno. */
	char bad[300];
	snprintf(bad, sizeof bad, "%s/nosuch/feeds.conf", dir);
	assert_int_equal(conf_write_atomic(bad, "x", 1), -ENOENT);
	errno = 0;
	assert_null(conf_read_file(bad, &len));
	assert_int_equal(errno, ENOENT);
	unlink(path);
	rmdir(dir);
}

/* A rename rewrites the header line alone, in the file holding the feed;
 * the new name is checked like a new feed's, across every file. */
static void test_rename(void **state)
{
	(void)state;
	struct config_source src[] = {
		{.name = "m.conf", .text = "[feed a]\nurl = http://a.org/\n"},
		{.name = "m.conf.d/1.conf", .text = "# the blog\n[ feed  b ] ; old\nurl = http://b.org/\n"
						    "exec = /bin/true\ntags = x\n\n[feed c]\nurl = http://c.org/\n"},
	};
	for (size_t i = 0; i < 2; i++)
		src[i].len = strlen(src[i].text);
	struct conf_edit_error e;
	struct conf_edit *ed = conf_edit_begin_files(src, 2, 1, &e);
	assert_non_null(ed);
	assert_int_equal(conf_edit_rename(ed, "a", "z", &e), -EINVAL);
	assert_string_equal(e.msg, "is in m.conf, not in m.conf.d/1.conf");
	assert_int_equal(conf_edit_rename(ed, "nope", "z", &e), -ENOENT);
	assert_int_equal(conf_edit_rename(ed, "b", "a", &e), -EINVAL);
	assert_string_equal(e.msg, "is already the name of a feed in m.conf");
	assert_int_equal(conf_edit_rename(ed, "b", "c", &e), -EINVAL);
	assert_int_equal(conf_edit_rename(ed, "b", "x]\nexec = evil", &e), -EINVAL);
	assert_int_equal(conf_edit_rename(ed, "b", "has space", &e), -EINVAL);
	assert_int_equal(conf_edit_rename(ed, "b", "blog", &e), 0);
	assert_int_equal(conf_edit_rename(ed, "c", "d", &e), -EINVAL);   /* one a time */
	assert_string_equal(conf_edit_file_of(ed, "blog"), "m.conf.d/1.conf");
	char *text = conf_edit_finish(ed, NULL, &e);
	assert_non_null(text);
	assert_string_equal(text, "# the blog\n[feed blog] ; old\nurl = http://b.org/\n"
			    "exec = /bin/true\ntags = x\n\n[feed c]\nurl = http://c.org/\n");
	free(text);
	conf_edit_free(ed);
}

/* conf_edit_set: a feed's tags and title, its other lines as they were. */
static void test_set_tags_and_title(void **state)
{
	(void)state;
	static const char old[] = "[defaults]\ninterval = 1h\n\n# the blog\n[feed b] ; x\n"
				  "url = http://b.org/\ntags = old, keep\nexec = /bin/true\n\n"
				  "[feed c]\nurl = http://c.org/\ntags = c\n";
	struct conf_edit_error e;
	struct conf_edit *ed = conf_edit_begin("m.conf", old, strlen(old), &e);
	assert_non_null(ed);
	const char *tags[] = {"keep", " New ", NULL};
	assert_int_equal(conf_edit_set(ed, "nope", tags, NULL, &e), -ENOENT);
	assert_int_equal(conf_edit_set(ed, "b", tags, "My Blog", &e), 0);
	assert_int_equal(conf_edit_set(ed, "c", NULL, "C", &e), -EINVAL);   /* one a time */
	assert_int_equal(conf_edit_rename(ed, "c", "d", &e), -EINVAL);
	char *text = conf_edit_finish(ed, NULL, &e);
	assert_non_null(text);
	assert_string_equal(text, "[defaults]\ninterval = 1h\n\n# the blog\n[feed b] ; x\n"
			    "title = My Blog\ntags = keep, new\nurl = http://b.org/\n"
			    "exec = /bin/true\n\n[feed c]\nurl = http://c.org/\ntags = c\n");
	struct config *c = parse_ok(text);
	assert_string_equal(c->feeds[0].title, "My Blog");
	assert_string_equal(c->feeds[0].tags[1], "new");
	assert_null(c->feeds[1].title);
	config_free(c);
	conf_edit_free(ed);

	/* The title taken out again; no tags at all: the key goes. */
	ed = conf_edit_begin("m.conf", text, strlen(text), &e);
	assert_non_null(ed);
	const char *none[] = {NULL};
	assert_int_equal(conf_edit_set(ed, "b", none, "", &e), 0);
	char *t2 = conf_edit_finish(ed, NULL, &e);
	assert_non_null(t2);
	assert_string_equal(t2, "[defaults]\ninterval = 1h\n\n# the blog\n"
			    "[feed b] ; x\nurl = http://b.org/\nexec = /bin/true\n\n"
			    "[feed c]\nurl = http://c.org/\ntags = c\n");
	free(t2);
	free(text);
	conf_edit_free(ed);

	/* No tags under [defaults] tags: an empty tags key keeps them off. */
	static const char def[] = "[defaults]\ntags = all\n[feed b]\nurl = http://b.org/\n";
	ed = conf_edit_begin("m.conf", def, strlen(def), &e);
	assert_int_equal(conf_edit_set(ed, "b", none, NULL, &e), 0);
	text = conf_edit_finish(ed, NULL, &e);
	assert_non_null(text);
	assert_string_equal(text, "[defaults]\ntags = all\n[feed b]\ntags =\nurl = http://b.org/\n");
	free(text);
	conf_edit_free(ed);
}

/* What a tags or title line cannot carry is refused, naming the field. */
static void test_set_refused(void **state)
{
	(void)state;
	static const char old[] = "[feed b]\nurl = http://b.org/\n";
	static const struct { const char *title, *tag; enum conf_field f; } bad[] = {
		{"a\nexec = /bin/evil", NULL, CONF_FIELD_TITLE},
		{"a\rb", NULL, CONF_FIELD_TITLE},
		{"tab\there", NULL, CONF_FIELD_TITLE},
		{"News # more", NULL, CONF_FIELD_TITLE},
		{"News ; more", NULL, CONF_FIELD_TITLE},
		{";starts", NULL, CONF_FIELD_TITLE},
		{"#starts", NULL, CONF_FIELD_TITLE},
		{" lead", NULL, CONF_FIELD_TITLE},
		{"line\xe2\x80\xa8sep", NULL, CONF_FIELD_TITLE},
		{"bad \xff utf8", NULL, CONF_FIELD_TITLE},
		{NULL, "a,b", CONF_FIELD_TAG},
		{NULL, "x\nexec = /bin/evil", CONF_FIELD_TAG},
		{NULL, "a;b", CONF_FIELD_TAG},
		{NULL, "a/b", CONF_FIELD_TAG},
		{NULL, "", CONF_FIELD_TAG},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct conf_edit_error e;
		struct conf_edit *ed = conf_edit_begin("m.conf", old, strlen(old), &e);
		assert_non_null(ed);
		const char *tags[] = {bad[i].tag, NULL};
		assert_int_equal(conf_edit_set(ed, "b", bad[i].tag ? tags : NULL, bad[i].title, &e),
				 -EINVAL);
		assert_int_equal(e.field, bad[i].f);
		/* Nothing was changed: the edit still finishes to the old text. */
		char *text = conf_edit_finish(ed, NULL, &e);
		assert_non_null(text);
		assert_string_equal(text, old);
		free(text);
		conf_edit_free(ed);
	}
	/* C# is a title; "C #" is not. */
	struct conf_edit_error e;
	struct conf_edit *ed = conf_edit_begin("m.conf", old, strlen(old), &e);
	assert_int_equal(conf_edit_set(ed, "b", NULL, "C# Weekly", &e), 0);
	char *text = conf_edit_finish(ed, NULL, &e);
	assert_non_null(text);
	struct config *c = parse_ok(text);
	assert_string_equal(c->feeds[0].title, "C# Weekly");
	config_free(c);
	free(text);
	conf_edit_free(ed);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_imported_settings),
		cmocka_unit_test(test_name_as),
		cmocka_unit_test(test_several_and_empty_file),
		cmocka_unit_test(test_title_is_one_comment_line),
		cmocka_unit_test(test_refused_names),
		cmocka_unit_test(test_refused_urls),
		cmocka_unit_test(test_tag_from_text),
		cmocka_unit_test(test_refused_tags),
		cmocka_unit_test(test_refused_intervals),
		cmocka_unit_test(test_refused_file),
		cmocka_unit_test(test_names_from_titles),
		cmocka_unit_test(test_names_from_registrable_domains),
		cmocka_unit_test(test_unique_names_in_an_edit),
		cmocka_unit_test(test_edit_among_dropins),
		cmocka_unit_test(test_remove_section),
		cmocka_unit_test(test_rename),
		cmocka_unit_test(test_set_tags_and_title),
		cmocka_unit_test(test_set_refused),
		cmocka_unit_test(test_quote),
		cmocka_unit_test(test_write_atomic_and_read),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
