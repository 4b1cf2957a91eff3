/* fuzz_opml.c — OPML bytes in (what `feedctl import` reads): no crash, no
 * leak, and every feed handed back has a URL and tags as opml.h says. */
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
			/* Tags are lower-cased and trimmed, otherwise as written
			 * (a folder named "Q, A" gives one: feedctl's checks
			 * refuse it with a message), never empty. */
			/* feedd: attributes: absent, or not empty; a rule on
			 * one line, never empty. */
			if ((feeds[i].name && !*feeds[i].name) ||
			    (feeds[i].conf_title && !*feeds[i].conf_title) ||
			    (feeds[i].interval && !*feeds[i].interval))
				abort();
			for (int k = 0; k < 2; k++) {
				char **rules = k ? feeds[i].keep : feeds[i].skip;
				if (rules && !rules[0])
					abort();
				for (size_t t = 0; rules && rules[t]; t++)
					if (!*rules[t] || strpbrk(rules[t], "\r\n"))
						abort();
			}
			for (size_t t = 0; feeds[i].tags && feeds[i].tags[t]; t++) {
				const char *tag = feeds[i].tags[t];
				size_t len = strlen(tag);
				if (!len || tag[0] == ' ' || tag[len - 1] == ' ')
					abort();
				for (const char *c = tag; *c; c++)
					if (*c >= 'A' && *c <= 'Z')
						abort();
			}
		}
	} else if (feeds || n) {
		abort();
	}
	opml_feeds_free(feeds, n);
	free(err);
	return 0;
}
