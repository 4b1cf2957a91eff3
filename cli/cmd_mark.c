/* cmd_mark.c — feedctl read and feedctl star: a reader's marks on items
 * (POST /v1/items/state). They are the person's: no consumer's cursor
 * moves, and a starred item is never pruned. */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/feedctl.h"

/* IDS... [--OFF] [--json]: marks KEY true, or false with --OFF. */
static int mark(const struct command *c, int argc, char **argv, const char *key,
		const char *off)
{
	bool json = false, neg = false;
	const struct option opts[] = {
		{off, no_argument, NULL, 'o'},
		{"json", no_argument, NULL, 'j'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	int opt;
	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 'o': neg = true; break;
		case 'j': json = true; break;
		case 'h': ctl_usage_of(c, stdout); return CTL_EXIT_OK;
		default: ctl_usage_of(c, stderr); return CTL_EXIT_USAGE;
		}
	}
	int n = argc - optind;
	if (n > 1000) {
		/* The API's bound on one request: say it, not only the usage. */
		fprintf(stderr, "feedctl: %s: at most 1000 item ids at once (%d given); "
			"run it again for the rest\n", c->name, n);
		return CTL_EXIT_USAGE;
	}
	if (n < 1) {
		ctl_usage_of(c, stderr);
		return CTL_EXIT_USAGE;
	}
	json_t *ids = json_array();
	for (int i = optind; i < argc; i++) {
		char *end;
		errno = 0;
		long long v = strtoll(argv[i], &end, 10);
		if (errno || *end || end == argv[i] || v < 1) {
			fprintf(stderr, "feedctl: %s: not an item id\n", argv[i]);
			json_decref(ids);
			return CTL_EXIT_USAGE;
		}
		json_array_append_new(ids, json_integer(v));
	}
	json_t *body = json_pack("{s:o,s:b}", "ids", ids, key, !neg);
	char *text = json_dumps(body, JSON_COMPACT);
	json_decref(body);
	if (!text)
		return CTL_EXIT_LOCAL;
	json_t *a = NULL;
	int code = ctl_call("POST", "/v1/items/state", text, &a, NULL);
	free(text);
	if (code)
		return code;
	if (json) {
		json_dumpf(a, stdout, JSON_INDENT(2));
		putchar('\n');
	} else {
		printf("%lld item%s %s\n", json_integer_value(json_object_get(a, "marked")),
		       json_integer_value(json_object_get(a, "marked")) == 1 ? "" : "s",
		       !strcmp(key, "read") ? (neg ? "unread" : "read")
					    : (neg ? "unstarred" : "starred"));
	}
	json_decref(a);
	return ctl_finish_output();
}

int cmd_read(const struct command *c, int argc, char **argv)
{
	return mark(c, argc, argv, "read", "unread");
}

int cmd_star(const struct command *c, int argc, char **argv)
{
	return mark(c, argc, argv, "starred", "unstar");
}
