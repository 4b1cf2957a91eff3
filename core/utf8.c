/* utf8.c — the longest prefix of well-formed UTF-8 that XML allows.
 *
 * The parser's pre-scan (parse_scan.c) asks this of every stretch of text
 * between two characters it must look at; on a feed written in Greek,
 * Russian or Japanese that is most of the document, so it is the parser's
 * hottest loop. The vector version is the "lookup" algorithm of Keiser and
 * Lemire ("Validating UTF-8 in less than one instruction per byte", 2021,
 * as simdjson and simdutf use it): each byte is classified by three table
 * lookups (the high and low nibble of the byte before it, the high nibble of
 * itself) whose AND is non-zero exactly where a two-byte pattern is wrong,
 * and the third and fourth bytes of a sequence are checked by where the
 * lead bytes two and three places back are. On an error, or for the last
 * bytes, it hands over to the scalar loop from the last sequence boundary,
 * which finds the exact place. */
#include "core/utf8.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#include <tmmintrin.h>
#define HAVE_SSSE3_PATH 1
#endif
#ifdef __SSE2__
#include <emmintrin.h>
#endif

static bool cont(unsigned char c)
{
	return (c & 0xC0) == 0x80;
}

static size_t scalar_from(const unsigned char *s, size_t i, size_t n)
{
	while (i < n) {
		if (n - i >= 8) {
			uint64_t w;
			memcpy(&w, s + i, 8);
			if (!(w & 0x8080808080808080ull)) {
				i += 8;
				continue;
			}
		}
		unsigned char c = s[i];
		if (c < 0x80) {
			i++;
		} else if (c >= 0xC2 && c <= 0xDF) {
			if (n - i < 2 || !cont(s[i + 1]))
				return i;
			i += 2;
		} else if (c >= 0xE0 && c <= 0xEF) {
			if (n - i < 3 || !cont(s[i + 1]) || !cont(s[i + 2]) ||
			    (c == 0xE0 && s[i + 1] < 0xA0) || (c == 0xED && s[i + 1] >= 0xA0) ||
			    (c == 0xEF && s[i + 1] == 0xBF && s[i + 2] >= 0xBE))
				return i;
			i += 3;
		} else if (c >= 0xF0 && c <= 0xF4) {
			if (n - i < 4 || !cont(s[i + 1]) || !cont(s[i + 2]) || !cont(s[i + 3]) ||
			    (c == 0xF0 && s[i + 1] < 0x90) || (c == 0xF4 && s[i + 1] >= 0x90))
				return i;
			i += 4;
		} else {
			return i;
		}
	}
	return i;
}

size_t utf8_xml_prefix_scalar(const unsigned char *s, size_t n)
{
	return scalar_from(s, 0, n);
}

#ifdef HAVE_SSSE3_PATH
/* Where the sequence that may run across I starts: I itself, or up to
 * three bytes back (everything before I was checked, so a lead byte is
 * there). */
static size_t boundary(const unsigned char *s, size_t i)
{
	size_t k = i;
	for (int t = 0; t < 3 && k > 0 && cont(s[k - 1]); t++)
		k--;
	if (k > 0 && s[k - 1] >= 0xC0)
		k--;
	return k;
}

/* The error classes, one bit each, of the two-byte patterns. */
enum {
	TOO_SHORT = 1 << 0,   /* a lead byte not followed by a continuation */
	TOO_LONG = 1 << 1,    /* ASCII followed by a continuation */
	OVERLONG_3 = 1 << 2,  /* E0 80..9F */
	TOO_LARGE = 1 << 3,   /* F4 90.., F5.. */
	SURROGATE = 1 << 4,   /* ED A0..BF */
	OVERLONG_2 = 1 << 5,  /* C0, C1 */
	TOO_LARGE_1000 = 1 << 6,
	OVERLONG_4 = 1 << 6,  /* F0 80..8F */
	TWO_CONTS = 1 << 7,   /* two continuations: right only as byte 3 or 4 */
};
#define CARRY (TOO_SHORT | TOO_LONG | TWO_CONTS)

__attribute__((target("ssse3")))
static size_t prefix_ssse3(const unsigned char *s, size_t n)
{
	const __m128i t1_high = _mm_setr_epi8(
		TOO_LONG, TOO_LONG, TOO_LONG, TOO_LONG, TOO_LONG, TOO_LONG, TOO_LONG, TOO_LONG,
		(char)TWO_CONTS, (char)TWO_CONTS, (char)TWO_CONTS, (char)TWO_CONTS,
		TOO_SHORT | OVERLONG_2, TOO_SHORT, TOO_SHORT | OVERLONG_3 | SURROGATE,
		(char)(TOO_SHORT | TOO_LARGE | TOO_LARGE_1000 | OVERLONG_4));
	const __m128i t1_low = _mm_setr_epi8(
		(char)(CARRY | OVERLONG_3 | OVERLONG_2 | OVERLONG_4), (char)(CARRY | OVERLONG_2),
		(char)CARRY, (char)CARRY, (char)(CARRY | TOO_LARGE),
		(char)(CARRY | TOO_LARGE | TOO_LARGE_1000), (char)(CARRY | TOO_LARGE | TOO_LARGE_1000),
		(char)(CARRY | TOO_LARGE | TOO_LARGE_1000), (char)(CARRY | TOO_LARGE | TOO_LARGE_1000),
		(char)(CARRY | TOO_LARGE | TOO_LARGE_1000), (char)(CARRY | TOO_LARGE | TOO_LARGE_1000),
		(char)(CARRY | TOO_LARGE | TOO_LARGE_1000), (char)(CARRY | TOO_LARGE | TOO_LARGE_1000),
		(char)(CARRY | TOO_LARGE | TOO_LARGE_1000 | SURROGATE),
		(char)(CARRY | TOO_LARGE | TOO_LARGE_1000), (char)(CARRY | TOO_LARGE | TOO_LARGE_1000));
	const __m128i t2_high = _mm_setr_epi8(
		TOO_SHORT, TOO_SHORT, TOO_SHORT, TOO_SHORT, TOO_SHORT, TOO_SHORT, TOO_SHORT, TOO_SHORT,
		(char)(TOO_LONG | OVERLONG_2 | TWO_CONTS | OVERLONG_3 | TOO_LARGE_1000 | OVERLONG_4),
		(char)(TOO_LONG | OVERLONG_2 | TWO_CONTS | OVERLONG_3 | TOO_LARGE),
		(char)(TOO_LONG | OVERLONG_2 | TWO_CONTS | SURROGATE | TOO_LARGE),
		(char)(TOO_LONG | OVERLONG_2 | TWO_CONTS | SURROGATE | TOO_LARGE),
		TOO_SHORT, TOO_SHORT, TOO_SHORT, TOO_SHORT);
	const __m128i nib = _mm_set1_epi8(0x0F);
	/* A block ending in these bytes ends inside a sequence. */
	const __m128i incomplete_max = _mm_setr_epi8(
		-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
		(char)(0xF0 - 1), (char)(0xE0 - 1), (char)(0xC0 - 1));
	const __m128i ef = _mm_set1_epi8((char)0xEF), bf = _mm_set1_epi8((char)0xBF);
	const __m128i one = _mm_set1_epi8(1), zero = _mm_setzero_si128();
	__m128i prev = zero, incomplete = zero;
	size_t i = 0;
	unsigned char last[16];
	for (;;) {
		const unsigned char *blk = s + i;
		bool tail = n - i < 16;
		if (tail) {
			/* The last bytes, padded with NULs (ASCII): a sequence
			 * cut at N reads as an error, which the scalar loop
			 * then places. */
			if (i == n) {
				if (_mm_movemask_epi8(_mm_cmpeq_epi8(incomplete, zero)) != 0xFFFF)
					break;
				return n;
			}
			memset(last, 0, sizeof last);
			memcpy(last, s + i, n - i);
			blk = last;
		}
		__m128i in = _mm_loadu_si128((const __m128i *)(const void *)blk);
		if (!_mm_movemask_epi8(in)) {
			/* ASCII: right unless the last block ended mid-sequence. */
			if (_mm_movemask_epi8(_mm_cmpeq_epi8(incomplete, zero)) != 0xFFFF)
				break;
			prev = in;
			incomplete = zero;
		} else {
			__m128i p1 = _mm_alignr_epi8(in, prev, 15);
			__m128i p2 = _mm_alignr_epi8(in, prev, 14);
			__m128i p3 = _mm_alignr_epi8(in, prev, 13);
			__m128i sc = _mm_and_si128(
				_mm_and_si128(_mm_shuffle_epi8(t1_high, _mm_and_si128(_mm_srli_epi16(p1, 4), nib)),
					      _mm_shuffle_epi8(t1_low, _mm_and_si128(p1, nib))),
				_mm_shuffle_epi8(t2_high, _mm_and_si128(_mm_srli_epi16(in, 4), nib)));
			/* Third and fourth bytes: a lead E0.. two back or F0..
			 * three back makes a continuation here right
			 * (TWO_CONTS). */
			__m128i must23 = _mm_or_si128(_mm_subs_epu8(p2, _mm_set1_epi8((char)(0xE0 - 0x80))),
						      _mm_subs_epu8(p3, _mm_set1_epi8((char)(0xF0 - 0x80))));
			__m128i err = _mm_xor_si128(_mm_and_si128(must23, _mm_set1_epi8((char)0x80)), sc);
			/* U+FFFE and U+FFFF: EF BF BE, EF BF BF. */
			err = _mm_or_si128(err, _mm_and_si128(_mm_and_si128(_mm_cmpeq_epi8(p2, ef),
									     _mm_cmpeq_epi8(p1, bf)),
							      _mm_cmpeq_epi8(_mm_or_si128(in, one), bf)));
			if (_mm_movemask_epi8(_mm_cmpeq_epi8(err, zero)) != 0xFFFF)
				break;
			incomplete = _mm_subs_epu8(in, incomplete_max);
			prev = in;
		}
		if (tail) {
			if (_mm_movemask_epi8(_mm_cmpeq_epi8(incomplete, zero)) != 0xFFFF)
				break;
			return n;
		}
		i += 16;
	}
	/* The scalar loop finds the exact place of an error. */
	return scalar_from(s, boundary(s, i), n);
}
#endif

#ifdef HAVE_SSSE3_PATH
/* The same, thirty-two bytes at a time: the tables are the SSSE3 ones in
 * both 128-bit lanes (vpshufb looks up within a lane), and the bytes one,
 * two and three back come across the lane boundary through a permute.
 * Twice the bytes per step; the feeds the parser reads are mostly text
 * with non-ASCII in every block, where the lookups are the cost. */
__attribute__((target("avx2")))
static size_t prefix_avx2(const unsigned char *s, size_t n)
{
	const __m256i t1_high = _mm256_broadcastsi128_si256(_mm_setr_epi8(
		TOO_LONG, TOO_LONG, TOO_LONG, TOO_LONG, TOO_LONG, TOO_LONG, TOO_LONG, TOO_LONG,
		(char)TWO_CONTS, (char)TWO_CONTS, (char)TWO_CONTS, (char)TWO_CONTS,
		TOO_SHORT | OVERLONG_2, TOO_SHORT, TOO_SHORT | OVERLONG_3 | SURROGATE,
		(char)(TOO_SHORT | TOO_LARGE | TOO_LARGE_1000 | OVERLONG_4)));
	const __m256i t1_low = _mm256_broadcastsi128_si256(_mm_setr_epi8(
		(char)(CARRY | OVERLONG_3 | OVERLONG_2 | OVERLONG_4), (char)(CARRY | OVERLONG_2),
		(char)CARRY, (char)CARRY, (char)(CARRY | TOO_LARGE),
		(char)(CARRY | TOO_LARGE | TOO_LARGE_1000), (char)(CARRY | TOO_LARGE | TOO_LARGE_1000),
		(char)(CARRY | TOO_LARGE | TOO_LARGE_1000), (char)(CARRY | TOO_LARGE | TOO_LARGE_1000),
		(char)(CARRY | TOO_LARGE | TOO_LARGE_1000), (char)(CARRY | TOO_LARGE | TOO_LARGE_1000),
		(char)(CARRY | TOO_LARGE | TOO_LARGE_1000), (char)(CARRY | TOO_LARGE | TOO_LARGE_1000),
		(char)(CARRY | TOO_LARGE | TOO_LARGE_1000 | SURROGATE),
		(char)(CARRY | TOO_LARGE | TOO_LARGE_1000), (char)(CARRY | TOO_LARGE | TOO_LARGE_1000)));
	const __m256i t2_high = _mm256_broadcastsi128_si256(_mm_setr_epi8(
		TOO_SHORT, TOO_SHORT, TOO_SHORT, TOO_SHORT, TOO_SHORT, TOO_SHORT, TOO_SHORT, TOO_SHORT,
		(char)(TOO_LONG | OVERLONG_2 | TWO_CONTS | OVERLONG_3 | TOO_LARGE_1000 | OVERLONG_4),
		(char)(TOO_LONG | OVERLONG_2 | TWO_CONTS | OVERLONG_3 | TOO_LARGE),
		(char)(TOO_LONG | OVERLONG_2 | TWO_CONTS | SURROGATE | TOO_LARGE),
		(char)(TOO_LONG | OVERLONG_2 | TWO_CONTS | SURROGATE | TOO_LARGE),
		TOO_SHORT, TOO_SHORT, TOO_SHORT, TOO_SHORT));
	const __m256i nib = _mm256_set1_epi8(0x0F);
	/* A block ending in these bytes ends inside a sequence. */
	const __m256i incomplete_max = _mm256_setr_epi8(
		-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
		-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
		(char)(0xF0 - 1), (char)(0xE0 - 1), (char)(0xC0 - 1));
	const __m256i ef = _mm256_set1_epi8((char)0xEF), bf = _mm256_set1_epi8((char)0xBF);
	const __m256i one = _mm256_set1_epi8(1), zero = _mm256_setzero_si256();
	const __m256i lead3 = _mm256_set1_epi8((char)(0xE0 - 0x80));
	const __m256i lead4 = _mm256_set1_epi8((char)(0xF0 - 0x80));
	const __m256i high = _mm256_set1_epi8((char)0x80);
	__m256i prev = zero, incomplete = zero;
	size_t i = 0;
	unsigned char last[32];
	for (;;) {
		const unsigned char *blk = s + i;
		bool tail = n - i < 32;
		if (tail) {
			/* The last bytes, padded with NULs (ASCII), as in
			 * prefix_ssse3. */
			if (i == n) {
				if (!_mm256_testz_si256(incomplete, incomplete))
					break;
				return n;
			}
			memset(last, 0, sizeof last);
			memcpy(last, s + i, n - i);
			blk = last;
		}
		__m256i in = _mm256_loadu_si256((const __m256i *)(const void *)blk);
		if (!_mm256_movemask_epi8(in)) {
			/* ASCII: right unless the last block ended mid-sequence. */
			if (!_mm256_testz_si256(incomplete, incomplete))
				break;
			prev = in;
			incomplete = zero;
		} else {
			/* PREV's high lane then IN's low lane: the sixteen
			 * bytes before each lane of IN. */
			__m256i before = _mm256_permute2x128_si256(prev, in, 0x21);
			__m256i p1 = _mm256_alignr_epi8(in, before, 15);
			__m256i p2 = _mm256_alignr_epi8(in, before, 14);
			__m256i p3 = _mm256_alignr_epi8(in, before, 13);
			__m256i sc = _mm256_and_si256(
				_mm256_and_si256(
					_mm256_shuffle_epi8(t1_high, _mm256_and_si256(_mm256_srli_epi16(p1, 4), nib)),
					_mm256_shuffle_epi8(t1_low, _mm256_and_si256(p1, nib))),
				_mm256_shuffle_epi8(t2_high, _mm256_and_si256(_mm256_srli_epi16(in, 4), nib)));
			__m256i must23 = _mm256_or_si256(_mm256_subs_epu8(p2, lead3),
							 _mm256_subs_epu8(p3, lead4));
			__m256i err = _mm256_xor_si256(_mm256_and_si256(must23, high), sc);
			/* U+FFFE and U+FFFF: EF BF BE, EF BF BF. */
			err = _mm256_or_si256(err, _mm256_and_si256(
						      _mm256_and_si256(_mm256_cmpeq_epi8(p2, ef),
								       _mm256_cmpeq_epi8(p1, bf)),
						      _mm256_cmpeq_epi8(_mm256_or_si256(in, one), bf)));
			if (!_mm256_testz_si256(err, err))
				break;
			incomplete = _mm256_subs_epu8(in, incomplete_max);
			prev = in;
		}
		if (tail) {
			if (!_mm256_testz_si256(incomplete, incomplete))
				break;
			return n;
		}
		i += 32;
	}
	/* The scalar loop finds the exact place of an error. */
	return scalar_from(s, boundary(s, i), n);
}

/* Which vector path this CPU takes: chosen once. */
static int vec_level = -1;   /* 0 none, 1 SSSE3, 2 AVX2 */

static int level(void)
{
	int l = __atomic_load_n(&vec_level, __ATOMIC_RELAXED);
	if (l < 0) {
		l = __builtin_cpu_supports("avx2") ? 2 : __builtin_cpu_supports("ssse3") ? 1 : 0;
		__atomic_store_n(&vec_level, l, __ATOMIC_RELAXED);
	}
	return l;
}
#endif

size_t utf8_xml_prefix(const unsigned char *s, size_t n)
{
#ifdef HAVE_SSSE3_PATH
	if (n >= 16) {
		int l = level();
		if (l == 2 && n >= 32)
			return prefix_avx2(s, n);
		if (l >= 1)
			return prefix_ssse3(s, n);
	}
#endif
	return scalar_from(s, 0, n);
}

size_t utf8_xml_prefix_ssse3(const unsigned char *s, size_t n)
{
#ifdef HAVE_SSSE3_PATH
	if (n >= 16 && level() >= 1)
		return prefix_ssse3(s, n);
#endif
	return scalar_from(s, 0, n);
}

/* One byte the decoder drops at K (or an EF that may begin one). */
static bool drops_at(const unsigned char *s, size_t k, size_t n)
{
	unsigned char c = s[k];
	if (c < 0x20)
		return c != '\t' && c != '\n' && c != '\r';
	return c == 0xEF && (k + 1 >= n || (s[k + 1] == 0xBF && (k + 2 >= n || s[k + 2] >= 0xBE)));
}

#ifdef HAVE_SSSE3_PATH
/* Where the 32-byte blocks of S[0..N) from I on stop being clean: the
 * start of the first block with a byte below 0x20 or an EF (the SSE2 loop
 * then looks at it), or the last whole block's end. */
__attribute__((target("avx2")))
static size_t clean_blocks_avx2(const unsigned char *s, size_t i, size_t n)
{
	const __m256i c1f = _mm256_set1_epi8(0x1F), ef = _mm256_set1_epi8((char)0xEF);
	const __m256i tab = _mm256_set1_epi8('\t'), lf = _mm256_set1_epi8('\n'), cr = _mm256_set1_epi8('\r');
	for (; i + 32 <= n; i += 32) {
		__m256i v = _mm256_loadu_si256((const __m256i *)(const void *)(s + i));
		__m256i low = _mm256_cmpeq_epi8(_mm256_max_epu8(v, c1f), c1f);
		__m256i ok = _mm256_or_si256(_mm256_or_si256(_mm256_cmpeq_epi8(v, tab), _mm256_cmpeq_epi8(v, lf)),
					     _mm256_cmpeq_epi8(v, cr));
		__m256i hit = _mm256_or_si256(_mm256_andnot_si256(ok, low), _mm256_cmpeq_epi8(v, ef));
		if (!_mm256_testz_si256(hit, hit))
			break;
	}
	return i;
}
#endif

bool utf8_xml_nothing_to_drop(const unsigned char *s, size_t n)
{
	size_t i = 0;
#ifdef HAVE_SSSE3_PATH
	if (n >= 32 && level() == 2)
		i = clean_blocks_avx2(s, 0, n);
#endif
#ifdef __SSE2__
	const __m128i c1f = _mm_set1_epi8(0x1F), ef = _mm_set1_epi8((char)0xEF);
	const __m128i tab = _mm_set1_epi8('\t'), lf = _mm_set1_epi8('\n'), cr = _mm_set1_epi8('\r');
	for (; i + 16 <= n; i += 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
		/* v <= 0x1F, unsigned, and none of the three allowed. */
		__m128i low = _mm_cmpeq_epi8(_mm_max_epu8(v, c1f), c1f);
		__m128i ok = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, tab), _mm_cmpeq_epi8(v, lf)),
					  _mm_cmpeq_epi8(v, cr));
		__m128i hit = _mm_or_si128(_mm_andnot_si128(ok, low), _mm_cmpeq_epi8(v, ef));
		if (!_mm_movemask_epi8(hit))
			continue;
		for (size_t k = i; k < i + 16; k++)
			if (drops_at(s, k, n))
				return false;
	}
#endif
	for (; i < n; i++)
		if (drops_at(s, i, n))
			return false;
	return true;
}

size_t bytes_find_any(const char *s, size_t n, const char *set, int nset)
{
	size_t i = 0;
#ifdef __SSE2__
	__m128i c[4];
	for (int k = 0; k < 4; k++)
		c[k] = _mm_set1_epi8(set[k < nset ? k : 0]);
	for (; i + 16 <= n; i += 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
		__m128i hit = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, c[0]), _mm_cmpeq_epi8(v, c[1])),
					   _mm_or_si128(_mm_cmpeq_epi8(v, c[2]), _mm_cmpeq_epi8(v, c[3])));
		int m = _mm_movemask_epi8(hit);
		if (m)
			return i + (size_t)__builtin_ctz((unsigned)m);
	}
#endif
	for (; i < n; i++)
		for (int k = 0; k < nset; k++)
			if (s[i] == set[k])
				return i;
	return n;
}
