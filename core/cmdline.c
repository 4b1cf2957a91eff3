/* cmdline.c — an exec hook's command line split into words (wordexp). */
#include "core/cmdline.h"

#include <stdlib.h>
#include <string.h>
#include <wordexp.h>

void cmdline_free(char **argv)
{
	for (char **a = argv; a && *a; a++)
		free(*a);
	free(argv);
}

int cmdline_split(const char *line, char ***argv, const char **why)
{
	*argv = NULL;
	wordexp_t we;
	int r = wordexp(line, &we, WRDE_NOCMD);
	switch (r) {
	case 0:
		break;
	case WRDE_CMDSUB:
		*why = "cannot split the command line: command substitution ($(...) or `...`) is not allowed";
		return -1;
	case WRDE_BADCHAR:
		*why = "cannot split the command line: an unquoted | & ; < > ( ) { } or newline (the command is not run by a shell)";
		return -1;
	case WRDE_SYNTAX:
		*why = "cannot split the command line: unbalanced quotes or a syntax error";
		return -1;
	case WRDE_NOSPACE:
		wordfree(&we);
		*why = "out of memory";
		return -1;
	default:
		*why = "cannot split the command line";
		return -1;
	}
	if (we.we_wordc == 0) {
		wordfree(&we);
		*why = "cannot split the command line: it has no words (nothing to run)";
		return -1;
	}
	char **v = calloc(we.we_wordc + 1, sizeof *v);
	for (size_t i = 0; v && i < we.we_wordc; i++) {
		if (!(v[i] = strdup(we.we_wordv[i]))) {
			cmdline_free(v);
			v = NULL;
		}
	}
	wordfree(&we);
	if (!v) {
		*why = "out of memory";
		return -1;
	}
	*argv = v;
	return 0;
}
