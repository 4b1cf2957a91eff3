/* fuzz_fit.c — feedctl's plain titles and cuts (cli/fit.c) on arbitrary
 * feed text: fit_plain never grows its input, and fit_put never writes a
 * control character nor more columns than asked for. Otherwise abort. The
 * first byte of the input is the width asked for (0: no limit). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/fit.c"   /* feedctl's sources are in no library */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1 || size > 65536)
		return 0;
	size_t maxw = data[0];
	char *s = malloc(size);
	if (!s)
		return 0;
	memcpy(s, data + 1, size - 1);
	s[size - 1] = '\0';
	char *plain = fit_plain(s);
	if (strlen(plain) > strlen(s))
		abort();
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	if (!f)
		abort();
	size_t w = fit_put(f, plain, maxw);
	fclose(f);
	if (maxw && w > maxw)
		abort();
	if (!maxw && w != fit_width(plain))
		abort();
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)out[i] < 0x20 || out[i] == 0x7f)
			abort();
	free(out);
	free(plain);
	free(s);
	return 0;
}
