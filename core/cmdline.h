/* cmdline.h — splits an exec hook's command line into words, as a shell
 * would (quotes, backslashes, $VARS and ~ expanded) but without ever
 * running one: command substitution is refused. The one splitter: the
 * config checks each `exec` with it when it is loaded (so --check-config,
 * start and reload refuse a line the daemon could never run) and
 * daemon/hooks.c splits with it again when it runs the hook.
 *
 * Ownership: cmdline_split hands back a NULL-terminated argv of at least
 * one word the caller frees with cmdline_free. */
#ifndef FEEDD_CMDLINE_H
#define FEEDD_CMDLINE_H

/* 0 and *ARGV set, or -1 and *WHY a static message saying what is wrong
 * (unbalanced quotes, a $(...), nothing to run, out of memory). */
int cmdline_split(const char *line, char ***argv, const char **why);
void cmdline_free(char **argv);

#endif
