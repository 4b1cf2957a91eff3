/* fuzz_date.c — date_parse on arbitrary strings; what it accepts must
 * format and parse back to the same instant. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/date.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	int64_t t;
	if (date_parse(s, &t) == 0) {
		char buf[32];
		date_format_rfc3339(t, buf, sizeof buf);
		int64_t u;
		/* Years 0..9999 round-trip through RFC 3339. */
		if (buf[0] != '-' && strlen(buf) == 20 && (date_parse(buf, &u) != 0 || u != t))
			abort();
		date_format_http(t, buf, sizeof buf);
	}
	free(s);
	return 0;
}
