/* hookenv.c — builds the environment of an exec hook. */
#include "core/hookenv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void hookenv_free(char **env)
{
	for (char **e = env; e && *e; e++)
		free(*e);
	free(env);
}

size_t hookenv_cut(const char *s, size_t n)
{
	if (n <= HOOKENV_VALUE_MAX)
		return n;
	size_t k = HOOKENV_VALUE_MAX;
	/* S[k] starts the part cut off: while it continues a sequence, the
	 * sequence's start goes too (a lead byte is at most 3 back). */
	for (int i = 0; i < 3 && k > 0 && ((unsigned char)s[k] & 0xC0) == 0x80; i++)
		k--;
	return k;
}

/* NAME=VALUE, VALUE cut; *CUT set when it was. */
static char *entry(const char *name, const char *value, int *cut)
{
	if (!value)
		value = "";
	size_t n = strlen(value), k = hookenv_cut(value, n);
	*cut = k < n;
	char *e = NULL;
	if (asprintf(&e, "%s=%.*s", name, (int)k, value) < 0)
		return NULL;
	return e;
}

const char *const hookenv_names[HOOKENV_NVARS] = {
	"FEEDD_FEED", "FEEDD_ITEM_ID", "FEEDD_TITLE", "FEEDD_URL", "FEEDD_TRUNCATED",
};

char **hookenv_build(char *const *base, const char *feed, int64_t item_id, const char *title,
		     const char *url)
{
	size_t n = 0;
	while (base && base[n])
		n++;
	char **env = calloc(n + HOOKENV_NVARS + 1, sizeof *env);
	if (!env)
		return NULL;
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		if (strncmp(base[i], "FEEDD_", 6) == 0)
			continue;
		if (!(env[k++] = strdup(base[i])))
			goto oom;
	}
	char id[32];
	snprintf(id, sizeof id, "%lld", (long long)item_id);
	const char *const values[HOOKENV_NVARS - 1] = {feed, id, title, url};
	char cutnames[64] = "";   /* the four names, commas: 47 bytes */
	for (size_t i = 0; i < HOOKENV_NVARS - 1; i++) {
		int cut = 0;
		if (!(env[k++] = entry(hookenv_names[i], values[i], &cut)))
			goto oom;
		if (cut) {
			if (cutnames[0])
				strcat(cutnames, ",");
			strcat(cutnames, hookenv_names[i]);
		}
	}
	int none = 0;
	if (!(env[k++] = entry(hookenv_names[HOOKENV_NVARS - 1], cutnames, &none)))
		goto oom;
	return env;
oom:
	hookenv_free(env);
	return NULL;
}
