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

static void target_of(struct strbuf *t, const char *path, const char *feed)
{
	strbuf_puts(t, path);
	if (feed) {
		strbuf_puts(t, "?feed=");
		ctl_urlencode(t, feed);
	}
}

static int hooks_retry(const struct command *c, int argc, char **argv)
{
	bool json;
	int code = ctl_parse_json_opt(c, argc - 1, argv + 1, &json, 0, 1);
	if (code >= 0)
		return code;
	const char *feed = optind < argc - 1 ? argv[1 + optind] : NULL;
	struct strbuf t = {0};
	target_of(&t, "/v1/hooks/retry", feed);
	json_t *a = NULL;
	code = ctl_call("POST", t.s ? t.s : "/v1/hooks/retry", NULL, &a, NULL);
	free(t.s);
	if (code)
		return code;
	if (json) {
		json_dumpf(a, stdout, JSON_INDENT(2));
		putchar('\n');
	} else {
		long long n = json_integer_value(json_object_get(a, "retried"));
		printf("%lld parked deliver%s of %s due again\n", n, n == 1 ? "y" : "ies",
		       feed ? feed : "every feed");
	}
	json_decref(a);
	return ctl_finish_output();
}

int cmd_hooks(const struct command *c, int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "retry"))
		return hooks_retry(c, argc, argv);
	bool json;
	int code = ctl_parse_json_opt(c, argc, argv, &json, 0, 1);
	if (code >= 0)
		return code;
	const char *feed = optind < argc ? argv[optind] : NULL;
	struct strbuf t = {0};
	target_of(&t, "/v1/hooks", feed);
	json_t *a = NULL;
	code = ctl_call("GET", t.s ? t.s : "/v1/hooks", NULL, &a, NULL);
	free(t.s);
	if (code)
		return code;
	if (json) {
		json_dumpf(a, stdout, JSON_INDENT(2));
		putchar('\n');
		json_decref(a);
		return ctl_finish_output();
	}
	json_t *failed = json_object_get(a, "failed");
	size_t i;
	json_t *d;
	if (json_array_size(failed) == 0 && isatty(STDOUT_FILENO))
		printf("no parked hook deliveries\n");
	else if (json_array_size(failed))
		printf("FEED\tITEM\tTRIES\tERROR\tTITLE\n");
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
