/* cmdline.h — splits an exec hook's command line into words, as a shell
 * would (quotes, backslashes, $VARS and ~ expanded) but without ever
 * running one: command substitution is refused. The one splitter: the
 * config checks each `exec` with it when it is loaded (so --check-config,
 * start and reload refuse a line the daemon could never run) and
 * daemon/hooks.c splits with it again when it runs the hook.
 *
 * The item's variables ($FEEDD_FEED, $FEEDD_ITEM_ID, $FEEDD_TITLE,
 * $FEEDD_URL, $FEEDD_TRUNCATED, or as ${FEEDD_X}), outside single quotes
 * and not escaped by a backslash, take the item's value, as the hook's
 * environment has it: each is part of the word it stands in, as if
 * quoted, never split, globbed or parsed again (they come from the feed).
 * Any other $FEEDD_... (or ${FEEDD_X:-...} and the like) is an error,
 * and so is one in the first word: the feed never chooses what runs.
 * Every other $VAR is expanded by wordexp from the daemon's environment
 * at each split.
 *
 * Ownership: cmdline_split hands back a NULL-terminated argv of at least
 * one word the caller frees with cmdline_free. */
#ifndef FEEDD_CMDLINE_H
#define FEEDD_CMDLINE_H

#include <stddef.h>

/* 0 and *ARGV set, or -1 and WHY (WHYLEN bytes) saying what is wrong
 * (unbalanced quotes, a $(...), an unknown $FEEDD_ variable, nothing to
 * run, out of memory). ITEMENV: the hook's environment (hookenv_build),
 * where the item's variables are looked up; NULL when only checking (they
 * are empty then). */
int cmdline_split(const char *line, char *const *itemenv, char ***argv, char *why,
		  size_t whylen);
void cmdline_free(char **argv);

#endif
