/* hookenv.h — the environment an exec hook runs with: the daemon's own,
 * less every FEEDD_* variable (nothing from outside may pose as one), plus
 * FEEDD_FEED, FEEDD_ITEM_ID, FEEDD_TITLE and FEEDD_URL from the item. Pure:
 * hooks.c passes `environ`, the fuzzer anything.
 *
 * Values are the item's own text, whatever it holds (a newline included:
 * the environment is an array, not a line format); NULL reads as empty.
 *
 * Ownership: hookenv_build returns a NULL-terminated array the caller
 * frees with hookenv_free; NULL when out of memory (never a partial one). */
#ifndef FEEDD_HOOKENV_H
#define FEEDD_HOOKENV_H

#include <stdint.h>

#define HOOKENV_NVARS 4   /* the FEEDD_* variables added */

char **hookenv_build(char *const *base, const char *feed, int64_t item_id, const char *title,
		     const char *url);
void hookenv_free(char **env);

#endif
