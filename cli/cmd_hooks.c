/* cmd_hooks.c — feedctl hooks: the exec-hook deliveries parked after
 * failing (GET /v1/hooks), and `hooks retry` to run them again once the
 * cause is fixed (POST /v1/hooks/retry). */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/feedctl.h"

#define SHOW_MAX 60   /* bytes of a title or an error in the table */

/* S on one line: control characters as spaces, at most SHOW_MAX bytes
 * (cut on a UTF-8 boundary, "..." said). */
static void put_field(const char *s)
{
	if (!s || !*s) {
		fputs("-", stdout);
		return;
	}
	size_t n = strlen(s), k = n;
	if (k > SHOW_MAX) {
		k = SHOW_MAX;
		while (k > 0 && ((unsigned char)s[k] & 0xC0) == 0x80)
			k--;
	}
	for (size_t i = 0; i < k; i++)
		putchar((unsigned char)s[i] < 0x20 || s[i] == 0x7f ? ' ' : s[i]);
	if (k < n)
		fputs("...", stdout);
}

/* METHOD PATH[?feed=FEED] (the first FIRST arguments of ARGV are the
 * command's words; one optional FEED may follow), the answer in *A; with
 * --json it is printed here and *A is NULL. Returns -1 to go on, else the
 * exit code. */
static int hooks_call(const struct command *c, int argc, char **argv, int first,
		      const char *method, const char *path, const char **feed, json_t **a)
{
	bool json;
	int code = ctl_parse_json_opt(c, argc - first, argv + first, &json, 0, 1);
	if (code >= 0)
		return code;
	*feed = optind < argc - first ? argv[first + optind] : NULL;
	struct strbuf t = {0};
	strbuf_puts(&t, path);
	if (*feed) {
		strbuf_puts(&t, "?feed=");
		ctl_urlencode(&t, *feed);
	}
	*a = NULL;
	code = ctl_call(method, t.s ? t.s : path, NULL, a, NULL);
	free(t.s);
	if (code)
		return code;
	if (json) {
		json_dumpf(*a, stdout, JSON_INDENT(2));
		putchar('\n');
		json_decref(*a);
		*a = NULL;
		return ctl_finish_output();
	}
	return -1;
}

static int hooks_retry(const struct command *c, int argc, char **argv)
{
	const char *feed;
	json_t *a;
	int code = hooks_call(c, argc, argv, 1, "POST", "/v1/hooks/retry", &feed, &a);
	if (code >= 0)
		return code;
	long long n = json_integer_value(json_object_get(a, "retried"));
	printf("%lld parked deliver%s of %s due again\n", n, n == 1 ? "y" : "ies",
	       feed ? feed : "every feed");
	json_decref(a);
	return ctl_finish_output();
}

int cmd_hooks(const struct command *c, int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "retry"))
		return hooks_retry(c, argc, argv);
	const char *feed;
	json_t *a;
	int code = hooks_call(c, argc, argv, 0, "GET", "/v1/hooks", &feed, &a);
	if (code >= 0)
		return code;
	json_t *failed = json_object_get(a, "failed");
	size_t i;
	json_t *d;
	/* The header also for none: a script reads the columns' names; a
	 * person is told why there is no line. */
	printf("FEED\tITEM\tTRIES\tERROR\tTITLE\n");
	if (json_array_size(failed) == 0 && isatty(STDOUT_FILENO))
		printf("(no parked hook deliveries)\n");
	json_array_foreach(failed, i, d) {
		put_field(json_string_value(json_object_get(d, "feed")));
		printf("\t%lld\t%lld\t", json_integer_value(json_object_get(d, "item")),
		       json_integer_value(json_object_get(d, "attempts")));
		put_field(json_string_value(json_object_get(d, "error")));
		putchar('\t');
		put_field(json_string_value(json_object_get(d, "title")));
		putchar('\n');
	}
	if (json_is_true(json_object_get(a, "more")))
		fprintf(stderr, "feedctl: more parked deliveries than shown; "
				"`feedctl hooks FEED` shows one feed's\n");
	json_decref(a);
	return ctl_finish_output();
}
