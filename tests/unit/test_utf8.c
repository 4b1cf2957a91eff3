/* test_utf8.c — utf8_xml_prefix(): where well-formed UTF-8 that XML allows
 * ends, by the vector path and the byte-at-a-time path alike; and the
 * byte searches the parser makes sixteen bytes at a time. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/utf8.h"

/* Filler long enough for the vector paths (16 bytes a step with SSSE3, 32
 * with AVX2), with the sequence under test at every offset across two
 * blocks of either. */
#define PAD 48

/* The prefix of FILL + SEQ + FILL, SEQ at each offset: both paths agree,
 * and it ends at the sequence (or after it, when WHOLE). FILL is one
 * character repeated (ASCII or 2-byte "é"). */
static void at_every_offset(const char *seq, size_t len, int whole, const char *fill)
{
	size_t fl = strlen(fill);
	unsigned char buf[PAD * 2 + 3 * PAD + 16];
	for (size_t off = 0; off < PAD; off += fl) {
		size_t n = 0;
		for (size_t k = 0; k < off; k += fl, n += fl)
			memcpy(buf + n, fill, fl);
		size_t at = n;
		memcpy(buf + n, seq, len);
		n += len;
		for (size_t k = 0; k < PAD; k += fl, n += fl)
			memcpy(buf + n, fill, fl);
		size_t want = whole ? n : at;
		assert_int_equal(utf8_xml_prefix_scalar(buf, n), want);
		assert_int_equal(utf8_xml_prefix(buf, n), want);
		assert_int_equal(utf8_xml_prefix_ssse3(buf, n), want);
		/* Cut just after the sequence: a whole one is kept, a
		 * broken one is not. */
		size_t cut = at + len;
		assert_int_equal(utf8_xml_prefix(buf, cut), whole ? cut : at);
		assert_int_equal(utf8_xml_prefix_ssse3(buf, cut), whole ? cut : at);
	}
}

static void check(const char *seq, int whole)
{
	at_every_offset(seq, strlen(seq), whole, "a");
	at_every_offset(seq, strlen(seq), whole, "\xc3\xa9");
	at_every_offset(seq, strlen(seq), whole, "\xe6\x9d\xb1");
}

static void test_well_formed(void **state)
{
	(void)state;
	check("\xc3\xa9", 1);                 /* é */
	check("\xc2\x80", 1);                 /* U+0080, the first two-byte one */
	check("\xdf\xbf", 1);
	check("\xe0\xa0\x80", 1);             /* U+0800 */
	check("\xe6\x9d\xb1\xe4\xba\xac", 1); /* 東京 */
	check("\xed\x9f\xbf", 1);             /* U+D7FF, below the surrogates */
	check("\xee\x80\x80", 1);             /* U+E000 */
	check("\xef\xbf\xbd", 1);             /* U+FFFD */
	check("\xf0\x90\x80\x80", 1);         /* U+10000 */
	check("\xf0\x9f\x98\x80", 1);         /* an emoji */
	check("\xf4\x8f\xbf\xbf", 1);         /* U+10FFFF */
	check("\x01\x7f", 1);                 /* controls are the caller's */
}

static void test_ill_formed(void **state)
{
	(void)state;
	check("\x80", 0);                     /* a lone continuation */
	check("\xbf\xbf", 0);
	check("\xc0\x80", 0);                 /* overlong NUL */
	check("\xc1\xbf", 0);
	check("\xc3", 0);                     /* cut */
	check("\xc3" "a", 0);
	check("\xe0\x80\x80", 0);             /* overlong */
	check("\xe0\x9f\xbf", 0);
	check("\xed\xa0\x80", 0);             /* a surrogate */
	check("\xed\xbf\xbf", 0);
	check("\xe6\x9d", 0);                 /* cut */
	check("\xe6" "a" "\xb1", 0);
	check("\xef\xbf\xbe", 0);             /* U+FFFE: XML forbids it */
	check("\xef\xbf\xbf", 0);             /* U+FFFF */
	check("\xf0\x80\x80\x80", 0);         /* overlong */
	check("\xf0\x8f\xbf\xbf", 0);
	check("\xf4\x90\x80\x80", 0);         /* above U+10FFFF */
	check("\xf5\x80\x80\x80", 0);
	check("\xf8\x88\x80\x80\x80", 0);
	check("\xfe", 0);
	check("\xff", 0);
	check("\xf0\x9f\x98", 0);             /* cut */
}

/* "\xf0\x9f\x98\x80\x80" is a whole emoji then a stray byte: the prefix
 * ends after the emoji, not before it. */
static void test_stray_after_whole(void **state)
{
	(void)state;
	unsigned char buf[80];
	memset(buf, 'x', sizeof buf);
	for (size_t off = 0; off + 5 <= 64; off++) {
		memset(buf, 'x', sizeof buf);
		memcpy(buf + off, "\xf0\x9f\x98\x80\x80", 5);
		assert_int_equal(utf8_xml_prefix(buf, sizeof buf), off + 4);
		assert_int_equal(utf8_xml_prefix_scalar(buf, sizeof buf), off + 4);
		assert_int_equal(utf8_xml_prefix_ssse3(buf, sizeof buf), off + 4);
	}
}

/* Random mixtures of characters with random damage: both paths agree
 * everywhere, and the prefix is a prefix the scalar path reads whole. */
static void test_random_agree(void **state)
{
	(void)state;
	static const char *const chars[] = {"a", " ", "<", "\xc3\xa9", "\xd0\x9d", "\xe6\x9d\xb1",
					    "\xef\xbc\x81", "\xef\xbf\xbd", "\xf0\x9f\x98\x80", "\n"};
	unsigned seed = 12345;
	unsigned char buf[512];
	for (int round = 0; round < 20000; round++) {
		size_t n = 0;
		size_t want = (size_t)(rand_r(&seed) % 400);
		while (n < want) {
			const char *c = chars[rand_r(&seed) % (sizeof chars / sizeof chars[0])];
			size_t l = strlen(c);
			memcpy(buf + n, c, l);
			n += l;
		}
		if (round % 2 && n)
			buf[rand_r(&seed) % n] = (unsigned char)(rand_r(&seed) & 0xFF);
		if (round % 3 == 0 && n)
			n -= (size_t)(rand_r(&seed) % (n < 4 ? n : 4));
		size_t a = utf8_xml_prefix_scalar(buf, n), b = utf8_xml_prefix(buf, n);
		assert_int_equal(a, b);
		assert_int_equal(a, utf8_xml_prefix_ssse3(buf, n));
		assert_int_equal(utf8_xml_prefix_scalar(buf, a), a);
	}
}

/* What the decoder drops, found at every place in and around a block. */
static void test_nothing_to_drop(void **state)
{
	(void)state;
	static const struct { const char *s; int clean; } cases[] = {
		{"\t", 1}, {"\n", 1}, {"\r", 1}, {"\x1f", 0}, {"\x01", 0}, {"\x0b", 0},
		{"\xef\xbf\xbd", 1}, {"\xef\xbc\x81", 1}, {"\xef\xbf\xbe", 0}, {"\xef\xbf\xbf", 0},
	};
	unsigned char buf[64];
	for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
		size_t l = strlen(cases[c].s);
		for (size_t off = 0; off + l <= 40; off++) {
			memset(buf, 'x', sizeof buf);
			memcpy(buf + off, cases[c].s, l);
			assert_int_equal(utf8_xml_nothing_to_drop(buf, 40), cases[c].clean);
		}
	}
	/* An EF at the very end may begin U+FFFE: not clean yet. */
	memset(buf, 'x', sizeof buf);
	buf[39] = 0xEF;
	assert_false(utf8_xml_nothing_to_drop(buf, 40));
	buf[38] = 0xEF;
	buf[39] = 0xBF;
	assert_false(utf8_xml_nothing_to_drop(buf, 40));
	assert_true(utf8_xml_nothing_to_drop(buf, 38));
}

static void test_find_any(void **state)
{
	(void)state;
	char buf[80];
	for (size_t at = 0; at < 70; at++) {
		memset(buf, 'x', sizeof buf);
		buf[at] = '>';
		assert_int_equal(bytes_find_any(buf, 70, "&<>", 3), at);
		assert_int_equal(bytes_find_any(buf, 70, "&<", 2), 70);
		buf[at] = '"';
		assert_int_equal(bytes_find_any(buf, 70, "&<>", 3), 70);
		assert_int_equal(bytes_find_any(buf, 70, "&<>\"", 4), at);
		assert_int_equal(bytes_find_any(buf, at, "\"", 1), at);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_well_formed),
		cmocka_unit_test(test_ill_formed),
		cmocka_unit_test(test_stray_after_whole),
		cmocka_unit_test(test_random_agree),
		cmocka_unit_test(test_nothing_to_drop),
		cmocka_unit_test(test_find_any),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
