/* fuzz_utf8.c — the vector (AVX2 and SSSE3) and the byte-at-a-time UTF-8
 * checks must agree on every input and every start offset (the blocks fall
 * differently), and the prefix found must be one the scalar path reads
 * whole; the byte searches must find what a plain loop finds. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	for (size_t off = 0; off < 32 && off <= size; off++) {
		const unsigned char *s = data + off;
		size_t n = size - off;
		size_t a = utf8_xml_prefix(s, n), b = utf8_xml_prefix_scalar(s, n);
		if (a != b || utf8_xml_prefix_ssse3(s, n) != b || utf8_xml_prefix_scalar(s, a) != a)
			abort();
		bool clean = true;
		for (size_t i = 0; i < n && clean; i++) {
			unsigned char c = s[i];
			if (c < 0x20 && c != '\t' && c != '\n' && c != '\r')
				clean = false;
			else if (c == 0xEF && (i + 1 >= n || (s[i + 1] == 0xBF && (i + 2 >= n || s[i + 2] >= 0xBE))))
				clean = false;
		}
		if (utf8_xml_nothing_to_drop(s, n) != clean)
			abort();
		size_t want = n;
		for (size_t i = 0; i < n; i++)
			if (s[i] == '&' || s[i] == '<' || s[i] == '>') {
				want = i;
				break;
			}
		if (bytes_find_any((const char *)s, n, "&<>", 3) != want)
			abort();
	}
	return 0;
}
