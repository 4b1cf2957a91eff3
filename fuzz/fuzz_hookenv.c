/* fuzz_hookenv.c — an exec hook's environment from a feed name, an item's
 * title and URL (any bytes a publisher sends) and any daemon environment:
 * the daemon's entries kept in order less every FEEDD_* one, then exactly
 * the five FEEDD_* variables: each of the item's four values whole when it
 * fits HOOKENV_VALUE_MAX, else a prefix of at most that many bytes, at
 * most three shorter, that splits no UTF-8 sequence (the byte after the
 * cut continues none, unless three were dropped: bytes that are not
 * UTF-8), and FEEDD_TRUNCATED naming exactly the values cut
 * — nothing a title holds can add, drop or change another variable. */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/hookenv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char truncated[64];

static void expect(const char *entry, const char *name, const char *value)
{
	size_t nl = strlen(name);
	if (strncmp(entry, name, nl) != 0 || entry[nl] != '=')
		abort();
	if (!value)
		value = "";
	const char *got = entry + nl + 1;
	size_t n = strlen(value), k = strlen(got);
	if (strncmp(got, value, k) != 0)
		abort();
	if (n <= HOOKENV_VALUE_MAX) {
		if (k != n)
			abort();
		return;
	}
	if (k > HOOKENV_VALUE_MAX || k + 3 < HOOKENV_VALUE_MAX ||
	    (((unsigned char)value[k] & 0xC0) == 0x80 && k + 3 != HOOKENV_VALUE_MAX))
		abort();
	if (truncated[0])
		strcat(truncated, ",");
	strcat(truncated, name);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* 8 bytes: the item id (bit 0 of the first also: title NULL, bit 1:
	 * URL NULL); then NUL-separated: feed, title, URL, base entries. */
	if (size < 8)
		return 0;
	int64_t id;
	memcpy(&id, data, sizeof id);
	char *copy = malloc(size - 8 + 1);
	memcpy(copy, data + 8, size - 8);
	copy[size - 8] = '\0';
	const char *end = copy + (size - 8);
	const char *field[3] = { "", "", "" };
	const char *p = copy;
	for (int i = 0; i < 3 && p < end; i++) {
		field[i] = p;
		p += strlen(p) + 1;
	}
	size_t nbase = 0;
	char *base[64];
	while (p < end && nbase < 63) {
		base[nbase++] = (char *)p;
		p += strlen(p) + 1;
	}
	base[nbase] = NULL;
	const char *title = id & 1 ? NULL : field[1];
	const char *url = id & 2 ? NULL : field[2];
	char **env = hookenv_build(base, field[0], id, title, url);
	if (!env)
		abort();
	size_t k = 0;
	for (size_t i = 0; i < nbase; i++) {
		if (strncmp(base[i], "FEEDD_", 6) == 0)
			continue;
		if (!env[k] || strcmp(env[k], base[i]) != 0)
			abort();
		k++;
	}
	char idbuf[32];
	snprintf(idbuf, sizeof idbuf, "%" PRId64, id);
	if (!env[k] || !env[k + 1] || !env[k + 2] || !env[k + 3] || !env[k + 4] || env[k + 5])
		abort();
	truncated[0] = '\0';
	expect(env[k], "FEEDD_FEED", field[0]);
	expect(env[k + 1], "FEEDD_ITEM_ID", idbuf);
	expect(env[k + 2], "FEEDD_TITLE", title);
	expect(env[k + 3], "FEEDD_URL", url);
	if (strncmp(env[k + 4], "FEEDD_TRUNCATED=", 16) != 0 || strcmp(env[k + 4] + 16, truncated))
		abort();
	for (size_t i = 0; i < k; i++)
		if (strncmp(env[i], "FEEDD_", 6) == 0)
			abort();
	hookenv_free(env);
	free(copy);
	return 0;
}
