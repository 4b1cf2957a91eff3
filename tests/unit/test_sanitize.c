/* test_sanitize.c — sanitize_html: feedparser's policy on HTML that
 * libxml2's parser repaired (core/sanitize.h); a title as plain text. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/sanitize.h"

#define BASE "http://example.org/blog/post.html"

static void check(const char *in, const char *base, const char *want)
{
	char *got = sanitize_html(in, base);
	if (!got || strcmp(got, want) != 0)
		fail_msg("sanitize(%s)\n  got  %s\n  want %s", in, got ? got : "NULL", want);
	/* Sanitizing again gives it back (without a base: "" stays "", it
	 * does not become the base). */
	char *again = sanitize_html(got, NULL);
	if (!again || strcmp(again, got) != 0)
		fail_msg("sanitize(sanitize(%s)) = %s, not %s", in, again ? again : "NULL", got);
	free(again);
	free(got);
}

static void test_script_style_dropped_with_content(void **state)
{
	check("safe<script>alert('x')</script> text", NULL, "safe text");
	check("a<style>p { color: red }</style>b", NULL, "ab");
	check("<applet code=\"x.class\">inside</applet>out", NULL, "out");
	check("x<SCRIPT type=\"text/javascript\">document.write('<b>')</SCRIPT>y", NULL, "xy");
	/* An unclosed script takes the rest, as in a browser. */
	check("before<script>never closed <b>bold</b>", NULL, "before");
	/* Other elements lose their tags and keep their text. */
	check("<iframe src=\"http://evil/\"></iframe><blink>on</blink> <object>o</object>", NULL,
	      "on o");
}

static void test_event_handlers_removed(void **state)
{
	check("<img src=\"http://x/i.png\" onclick=\"go()\" onerror=\"go()\">", NULL,
	      "<img src=\"http://x/i.png\" />");
	check("<p OnMouseOver=\"x()\" class=\"c\">t</p>", NULL, "<p class=\"c\">t</p>");
	check("<body onload=\"x()\">b</body>", NULL, "b");
}

static void test_unsafe_uris(void **state)
{
	check("<a href=\"javascript:alert(1)\">l</a>", NULL, "<a href=\"\">l</a>");
	check("<a href=\"JavaScript:alert(1)\">l</a>", NULL, "<a href=\"\">l</a>");
	check("<a href=\"java&#9;script:alert(1)\">l</a>", NULL, "<a href=\"\">l</a>");
	check("<a href=\" &#10;javascript:alert(1)\">l</a>", NULL, "<a href=\"\">l</a>");
	check("<img src=\"data:image/png;base64,AAAA\">", NULL, "<img src=\"\" />");
	check("<a href=\"vbscript:x\">l</a>", BASE, "<a href=\"\">l</a>");
	check("<a href=\"mailto:a@b.c\">m</a>", NULL, "<a href=\"mailto:a@b.c\">m</a>");
	check("<a href=\"https://x.org/a?b=1&amp;c=2\">q</a>", NULL,
	      "<a href=\"https://x.org/a?b=1&amp;c=2\">q</a>");
	check("<span style=\"background: url(javascript:x); color: red\">s</span>", NULL,
	      "<span style=\"color: red;\">s</span>");
	check("<span style=\"position: absolute; color: blue\">s</span>", NULL,
	      "<span style=\"color: blue;\">s</span>");
	check("<span style=\"expression(alert(1))\">s</span>", NULL, "<span>s</span>");
	/* feed: wraps another URI, which must pass too. */
	check("<a href=\"feed:javascript:alert(1)\">f</a>", NULL, "<a href=\"\">f</a>");
	check("<a href=\"feed:https://x.org/rss\">f</a>", NULL, "<a href=\"feed:https://x.org/rss\">f</a>");
	check("<a href=\"feed://x.org/rss\">f</a>", NULL, "<a href=\"feed://x.org/rss\">f</a>");
	/* An SVG animation that sets a link to a script (SMIL's trick: its
	 * values are URIs no attribute filter sees) goes whole; others stay. */
	check("<svg><a><animate attributeName=\"href\" values=\"javascript:alert(1)\"></animate>"
	      "<text>c</text></a></svg>", NULL,
	      "<svg xmlns=\"http://www.w3.org/2000/svg\"><a><text>c</text></a></svg>");
	check("<svg><a><set attributeName=\" xlink:HREF\" to=\"javascript:alert(1)\"/>"
	      "<text>c</text></a></svg>", NULL,
	      "<svg xmlns=\"http://www.w3.org/2000/svg\"><a><text>c</text></a></svg>");
	check("<svg><rect><animate attributeName=\"x\" values=\"0;5\"></animate></rect></svg>", NULL,
	      "<svg xmlns=\"http://www.w3.org/2000/svg\"><rect><animate attributeName=\"x\""
	      " values=\"0;5\"></animate></rect></svg>");
}

static void test_unclosed_tags_repaired(void **state)
{
	check("<p>one<p>two", NULL, "<p>one</p><p>two</p>");
	check("<b>bold <i>both</b> after", NULL, "<b>bold <i>both</i></b> after");
	check("<ul><li>a<li>b</ul>", NULL, "<ul><li>a</li><li>b</li></ul>");
	check("<table><tr><td>x", NULL, "<table><tr><td>x</td></tr></table>");
	check("<a href=\"http://x/\">link", NULL, "<a href=\"http://x/\">link</a>");
}

static void test_stray_end_tags(void **state)
{
	check("text</p> more", NULL, "text more");
	check("a</div></span></b>b", NULL, "ab");
	check("<p>x</p></p>", NULL, "<p>x</p>");
}

static void test_entities(void **state)
{
	check("<a title=\"AT&amp;T &quot;q&quot; &lt;x&gt;\" href=\"/a?x=1&y=2\">t</a>", NULL,
	      "<a title=\"AT&amp;T &quot;q&quot; &lt;x&gt;\" href=\"/a?x=1&amp;y=2\">t</a>");
	check("caf&eacute; &amp; &#8364;", NULL, "café &amp; €");
	check("1 &lt; 2 &gt; 0", NULL, "1 &lt; 2 &gt; 0");
	/* &#150; is windows-1252's en dash, as HTML5 and feedparser read it. */
	check("a &#150; b &#x93;q&#148; &#129;", NULL,
	      "a \xe2\x80\x93 b \xe2\x80\x9cq\xe2\x80\x9d \xc2\x81");
	check("<img alt='it&#39;s' src=\"/i\">", NULL, "<img alt=\"it's\" src=\"/i\" />");
}

static void test_relative_uris_resolved(void **state)
{
	check("<a href=\"other.html\">o</a>", BASE,
	      "<a href=\"http://example.org/blog/other.html\">o</a>");
	check("<img src=\"/img/a.png\">", BASE, "<img src=\"http://example.org/img/a.png\" />");
	/* An empty reference is the base itself (RFC 3986 5.2.2). */
	char *got = sanitize_html("<a href=\"\">self</a>", BASE);
	assert_string_equal(got, "<a href=\"" BASE "\">self</a>");
	free(got);
	check("<blockquote cite=\"../q\">q</blockquote>", BASE,
	      "<blockquote cite=\"http://example.org/q\">q</blockquote>");
	/* Without a base, relative stays relative. */
	check("<a href=\"x.html\">x</a>", NULL, "<a href=\"x.html\">x</a>");
}

static void test_depth_bounded(void **state)
{
	size_t levels = 5000;
	char *in = malloc(levels * 5 + 8);
	assert_non_null(in);
	char *p = in;
	for (size_t i = 0; i < levels; i++)
		p += sprintf(p, "<div>");
	strcpy(p, "deep");
	char *got = sanitize_html(in, NULL);
	assert_non_null(got);
	size_t opened = 0;
	for (const char *q = got; (q = strstr(q, "<div>")); q++)
		opened++;
	assert_true(opened <= SANITIZE_MAX_DEPTH);
	size_t closed = 0;
	for (const char *q = got; (q = strstr(q, "</div>")); q++)
		closed++;
	assert_int_equal(opened, closed);
	free(got);
	free(in);
}

static void test_not_utf8(void **state)
{
	/* Bad bytes become U+FFFD; what follows is still UTF-8, not Latin-1. */
	check("a\xff\xfe b\xc3\xa9 <b>\x80</b> caf\xc3\xa9", NULL,
	      "a\xef\xbf\xbd\xef\xbf\xbd b\xc3\xa9 <b>\xef\xbf\xbd</b> caf\xc3\xa9");
	/* Controls XML forbids are dropped. */
	check("a\x01\x02<b title=\"\x03t\">b</b>", NULL, "a<b title=\"t\">b</b>");
	/* A <meta> charset does not switch the decoding. */
	check("<meta charset=\"iso-8859-1\">caf\xc3\xa9", NULL, "caf\xc3\xa9");
	/* Beyond the input bound: cut, never read past. */
	size_t n = SANITIZE_MAX_INPUT + 100;
	char *big = malloc(n + 1);
	assert_non_null(big);
	memset(big, 'x', n);
	big[n] = '\0';
	char *got = sanitize_html(big, NULL);
	assert_non_null(got);
	assert_int_equal(strlen(got), SANITIZE_MAX_INPUT);
	free(got);
	free(big);
	assert_null(sanitize_html(NULL, NULL));
	got = sanitize_html("", NULL);
	assert_string_equal(got, "");
	free(got);
}

static void test_comments_and_cdata(void **state)
{
	check("a<!-- hidden <script>x</script> -->b", NULL, "ab");
	check("<![CDATA[<script></script>]]&gt;", NULL, "&lt;![CDATA[]]&gt;");
}

static void test_svg_mathml(void **state)
{
	check("<svg><circle cx=\"5\" onload=\"x()\"/><foo>t</foo></svg>", NULL,
	      "<svg xmlns=\"http://www.w3.org/2000/svg\"><circle cx=\"5\"></circle>t</svg>");
	check("<math><mi>x</mi><script>s</script></math>", NULL,
	      "<math xmlns=\"http://www.w3.org/1998/Math/MathML\"><mi>x</mi></math>");
}

/* A title wanted as plain text: one with markup or a character
 * reference as a reader shows it; a plain one (a lone & or <3 is plain,
 * by feedparser's rule) NULL, written as it is. */
static void test_title_text(void **state)
{
	static const struct { const char *in, *want; } cases[] = {
		{ "<b>Bold</b> news", "Bold news" },
		{ "AT&amp;T &lt;3", "AT&T <3" },
		{ "  caf&#233;<script>x</script>  ", "caf\xc3\xa9" },
		{ "Tom & Jerry <3 \"q\" >", NULL },
		{ "<b>unclosed", NULL },
		{ "", NULL },
		{ NULL, NULL },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *got = sanitize_title_text(cases[i].in);
		if (cases[i].want ? !got || strcmp(got, cases[i].want) : got != NULL)
			fail_msg("title_text(%s) = %s, not %s", cases[i].in ? cases[i].in : "NULL",
				 got ? got : "NULL", cases[i].want ? cases[i].want : "NULL");
		free(got);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_script_style_dropped_with_content),
		cmocka_unit_test(test_event_handlers_removed),
		cmocka_unit_test(test_unsafe_uris),
		cmocka_unit_test(test_unclosed_tags_repaired),
		cmocka_unit_test(test_stray_end_tags),
		cmocka_unit_test(test_entities),
		cmocka_unit_test(test_relative_uris_resolved),
		cmocka_unit_test(test_depth_bounded),
		cmocka_unit_test(test_not_utf8),
		cmocka_unit_test(test_comments_and_cdata),
		cmocka_unit_test(test_svg_mathml),
		cmocka_unit_test(test_title_text),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
