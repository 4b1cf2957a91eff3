/* fuzz_config.c — feeds.conf bytes in: no crash, no leak, and a file is
 * either accepted whole or rejected with at least one error. */
#include <stdint.h>
#include <stdlib.h>

#include "core/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config *c = NULL;
	struct config_errors errs = {0};
	int r = config_parse_buffer("fuzz.conf", (const char *)data, size, &c, &errs);
	if ((r == 0) != (c != NULL) || (r != 0 && errs.n == 0))
		abort();
	config_free(c);
	config_errors_free(&errs);
	return 0;
}
