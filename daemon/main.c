/* main.c — feedd's entry point (skeleton; the life cycle lands next). */
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "--version") == 0) {
		printf("feedd %s\n", FEEDD_VERSION);
		return 0;
	}
	fprintf(stderr, "feedd: not yet\n");
	return 2;
}
