/* fuzz_url.c — url_resolve / url_canonical / url_is_http / url_host on
 * arbitrary pairs (base and reference split at the first NUL byte). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/url.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 2);
	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	s[size + 1] = '\0';
	const char *base = s;
	const char *ref = s + strlen(s) + 1;
	if (ref > s + size)
		ref = "";
	char *r = url_resolve(base, ref);
	if (r) {
		url_is_http(r);
		free(url_host(r));
		/* The dedup key of every item link from a feed. */
		free(url_canonical(r));
	}
	free(r);
	url_is_http(base);
	free(url_host(base));
	free(s);
	return 0;
}
