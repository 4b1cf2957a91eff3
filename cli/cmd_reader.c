/* cmd_reader.c — feedctl reader tokens: the Google Reader API's login
 * tokens (GET /v1/reader/tokens): their number, user, when ClientLogin
 * made them and when they were last used (to the minute); feedd keeps only
 * their hashes, so the tokens themselves are never shown. --revoke ID
 * ends one (DELETE /v1/reader/tokens/ID): the app holding it is asked to
 * log in again. */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/feedctl.h"

static void put_time(json_int_t t)
{
	if (t <= 0) {
		fputs("never", stdout);
		return;
	}
	char buf[40];
	ctl_iso_local((time_t)t, buf, sizeof buf);
	fputs(buf, stdout);
}

static int revoke_token(const char *id, bool json)
{
	for (const char *p = id; *p || p == id; p++)
		if (*p < '0' || *p > '9') {
			fprintf(stderr, "feedctl: reader tokens --revoke: expected a token number "
				"(feedctl reader tokens lists them), not %s\n", id);
			return CTL_EXIT_USAGE;
		}
	char target[64];
	snprintf(target, sizeof target, "/v1/reader/tokens/%s", id);
	json_t *a;
	int code = ctl_call_json("DELETE", target, json, &a);
	if (code >= 0)
		return code;
	printf("revoked reader token %s (its app must log in again)\n", id);
	json_decref(a);
	return ctl_finish_output();
}

int cmd_reader(const struct command *c, int argc, char **argv)
{
	bool json;
	const char *rev;
	int code = ctl_parse_opts(c, argc, argv, &json, 1, 1, "revoke", &rev);
	if (code >= 0)
		return code;
	if (strcmp(argv[optind], "tokens")) {
		ctl_usage_of(c, stderr);
		return CTL_EXIT_USAGE;
	}
	if (rev)
		return revoke_token(rev, json);
	json_t *a;
	if ((code = ctl_call_json("GET", "/v1/reader/tokens", json, &a)) >= 0)
		return code;
	json_t *list = json_object_get(a, "tokens");
	/* The header also for none: a script reads the columns' names; a
	 * person is told why there is no line. */
	printf("ID\tUSER\tCREATED\tLAST USED\n");
	if (json_array_size(list) == 0 && isatty(STDOUT_FILENO))
		printf("(no reader tokens: an app's ClientLogin makes one)\n");
	size_t i;
	json_t *o;
	json_array_foreach(list, i, o) {
		/* User names come from reader_auth: printed as they are, tabs
		 * and newlines replaced. */
		printf("%lld\t", json_integer_value(json_object_get(o, "id")));
		for (const char *u = json_string_value(json_object_get(o, "user")); u && *u; u++)
			putchar(*u == '\t' || *u == '\n' || *u == '\r' ? ' ' : *u);
		putchar('\t');
		put_time(json_integer_value(json_object_get(o, "created")));
		putchar('\t');
		put_time(json_integer_value(json_object_get(o, "last_used")));
		putchar('\n');
	}
	json_decref(a);
	return ctl_finish_output();
}
