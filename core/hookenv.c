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

static char *entry(const char *name, const char *value)
{
	char *e = NULL;
	if (asprintf(&e, "%s=%s", name, value ? value : "") < 0)
		return NULL;
	return e;
}

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
	const char *const vars[HOOKENV_NVARS][2] = {
		{"FEEDD_FEED", feed}, {"FEEDD_ITEM_ID", id}, {"FEEDD_TITLE", title}, {"FEEDD_URL", url},
	};
	for (size_t i = 0; i < HOOKENV_NVARS; i++)
		if (!(env[k++] = entry(vars[i][0], vars[i][1])))
			goto oom;
	return env;
oom:
	hookenv_free(env);
	return NULL;
}
