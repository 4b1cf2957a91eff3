/* hookenv.h — the environment an exec hook runs with: the daemon's own,
 * less every FEEDD_* variable (nothing from outside may pose as one), plus
 * FEEDD_FEED, FEEDD_ITEM_ID, FEEDD_TITLE, FEEDD_URL from the item and
 * FEEDD_TRUNCATED. Pure: hooks.c passes `environ`, the fuzzer anything.
 *
 * Values are the item's own text, whatever it holds (a newline included:
 * the environment is an array, not a line format); NULL reads as empty.
 * A value longer than HOOKENV_VALUE_MAX bytes is cut to at most that, on
 * a UTF-8 boundary (never inside a sequence; bytes that are not UTF-8 are
 * cut anywhere): the kernel refuses to exec with any one string over
 * 128 KiB (MAX_ARG_STRLEN), and a hook that needs the whole item reads it
 * on stdin. FEEDD_TRUNCATED names the variables cut, comma-separated in
 * the order above, and is empty when none was.
 *
 * Ownership: hookenv_build returns a NULL-terminated array the caller
 * frees with hookenv_free; NULL when out of memory (never a partial one). */
#ifndef FEEDD_HOOKENV_H
#define FEEDD_HOOKENV_H

#include <stddef.h>
#include <stdint.h>

#define HOOKENV_NVARS     5      /* the FEEDD_* variables added */
#define HOOKENV_VALUE_MAX 4096   /* bytes of one value, before the cut */

/* Their names, in the order hookenv_build adds them: FEEDD_FEED,
 * FEEDD_ITEM_ID, FEEDD_TITLE, FEEDD_URL, then FEEDD_TRUNCATED (the ones an
 * exec line may name: core/cmdline.c). */
extern const char *const hookenv_names[HOOKENV_NVARS];

char **hookenv_build(char *const *base, const char *feed, int64_t item_id, const char *title,
		     const char *url);
void hookenv_free(char **env);

/* How many bytes of S[0..N) a value keeps: N when N <= HOOKENV_VALUE_MAX,
 * else at most HOOKENV_VALUE_MAX, backed off over UTF-8 continuation
 * bytes (at most three) so that no sequence is split. */
size_t hookenv_cut(const char *s, size_t n);

#endif
