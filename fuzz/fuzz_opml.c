/* fuzz_opml.c — OPML bytes in (what `feedctl import` reads): no crash, no
 * leak, and every feed handed back has a URL and well-formed tags. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/opml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct opml_feed *feeds = NULL;
	size_t n = 0;
	char *err = NULL;
	int r = opml_parse((const char *)data, size, &feeds, &n, &err);
	if (r == 0) {
		if (n && !feeds)
			abort();
		for (size_t i = 0; i < n; i++) {
			if (!feeds[i].url || !*feeds[i].url)
				abort();
			for (size_t t = 0; feeds[i].tags && feeds[i].tags[t]; t++)
				if (!*feeds[i].tags[t] || strchr(feeds[i].tags[t], ','))
					abort();
		}
	} else if (feeds || n) {
		abort();
	}
	opml_feeds_free(feeds, n);
	free(err);
	return 0;
}
