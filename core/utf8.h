/* utf8.h — how much of a byte string is UTF-8 that XML allows.
 *
 * Pure functions over caller-owned bytes; nothing is allocated. */
#ifndef FEEDD_UTF8_H
#define FEEDD_UTF8_H

#include <stdbool.h>
#include <stddef.h>

/* The length of the longest prefix of S[0..N) made of whole, well-formed
 * UTF-8 sequences (no overlong forms, no surrogates, nothing above
 * U+10FFFF) that are not U+FFFE or U+FFFF, which XML forbids. A sequence
 * cut at N is not part of the prefix. Control characters are: the caller
 * sees to them. Thirty-two bytes at a time where the CPU has AVX2,
 * sixteen where it has SSSE3 (chosen once, at run time), a byte at a time otherwise; both give the same
 * answer (tests/unit/test_utf8.c). */
size_t utf8_xml_prefix(const unsigned char *s, size_t n);

/* The byte-at-a-time version, and the SSSE3 one (the byte-at-a-time one
 * where the CPU lacks SSSE3), for the tests to compare with: on a CPU with
 * AVX2, utf8_xml_prefix takes thirty-two bytes at a time. */
size_t utf8_xml_prefix_scalar(const unsigned char *s, size_t n);
size_t utf8_xml_prefix_ssse3(const unsigned char *s, size_t n);

/* True when S[0..N) holds no control character XML forbids (all below
 * 0x20 but tab, line feed and carriage return) and no EF byte that starts,
 * or may start once more bytes come, U+FFFE or U+FFFF: bytes the decoder
 * would have to drop. Sixteen bytes at a time with SSE2. */
bool utf8_xml_nothing_to_drop(const unsigned char *s, size_t n);

/* The index of the first byte of S[0..N) equal to one of the NSET (1..4)
 * bytes of SET, or N. Sixteen bytes at a time with SSE2. */
size_t bytes_find_any(const char *s, size_t n, const char *set, int nset);

#endif
