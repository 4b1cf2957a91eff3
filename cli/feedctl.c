/* feedctl.c — the command-line client of feedd's socket API (skeleton). */
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "--version") == 0) {
		printf("feedctl %s\n", FEEDD_VERSION);
		return 0;
	}
	fprintf(stderr, "feedctl: not yet\n");
	return 2;
}
