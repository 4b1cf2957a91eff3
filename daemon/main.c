/* main.c — feedd's entry point (skeleton; the life cycle lands next). */
#include <stdio.h>
#include <string.h>

#include "daemon/parse_cli.h"

int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--parse") == 0)
			return parse_cli_main(argc, argv);
	if (argc > 1 && strcmp(argv[1], "--version") == 0) {
		printf("feedd %s\n", FEEDD_VERSION);
		return 0;
	}
	fprintf(stderr, "feedd: not yet\n");
	return 2;
}
