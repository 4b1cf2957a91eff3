/* fuzz_config.c — feeds.conf bytes in: no crash, no leak, and a
 * configuration is either accepted whole or rejected with at least one
 * error. A line "%%" splits the input into the main file and up to three
 * drop-ins, read as one configuration (config_parse_sources): every feed
 * then belongs to one of the files, and every error names one. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"

#define MAX_FILES 4

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool names_a_file(const char *msg, const struct config_source *src, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(src[i].name);
		if (strncmp(msg, src[i].name, len) == 0 && msg[len] == ':')
			return true;
	}
	return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char *const names[MAX_FILES] = {
		"fuzz.conf", "fuzz.conf.d/a.conf", "fuzz.conf.d/b.conf", "fuzz.conf.d/c.conf",
	};
	struct config_source src[MAX_FILES];
	size_t n = 0;
	const char *p = (const char *)data, *end = p + size;
	while (n < MAX_FILES) {
		const char *cut = n + 1 < MAX_FILES ? memmem(p, (size_t)(end - p), "\n%%\n", 4) : NULL;
		src[n] = (struct config_source){
			.name = names[n], .text = (char *)p, .len = (size_t)((cut ? cut + 1 : end) - p),
		};
		n++;
		if (!cut)
			break;
		p = cut + 4;
	}
	struct config *c = NULL;
	struct config_errors errs = {0};
	int r = config_parse_sources(src, n, &c, &errs);
	if ((r == 0) != (c != NULL) || (r != 0 && errs.n == 0))
		abort();
	for (size_t i = 0; i < errs.n; i++)
		if (!names_a_file(errs.msgs[i], src, n))
			abort();
	for (size_t i = 0; c && i < c->nfeeds; i++)
		if (c->feeds[i].file >= n || c->nfiles != n)
			abort();
	config_free(c);
	config_errors_free(&errs);
	return 0;
}
