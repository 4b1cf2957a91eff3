/* cmd_consumers.c — feedctl consumers: every consumer the daemon knows
 * (GET /v1/consumers) with its position (the last item id it
 * acknowledged), its lag (stored items after that) and when it last
 * acknowledged; feedd keeps no time of a read that acknowledged nothing.
 * --delete NAME forgets one (DELETE /v1/consumers/NAME). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/feedctl.h"

/* The RFC 3339 UTC time at O.KEY in local ISO 8601; "never" for null. */
static void put_time(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	struct tm tm;
	memset(&tm, 0, sizeof tm);
	if (!s) {
		fputs("never", stdout);
		return;
	}
	if (!strptime(s, "%Y-%m-%dT%H:%M:%SZ", &tm)) {
		fputs(s, stdout);
		return;
	}
	char buf[40];
	ctl_iso_local(timegm(&tm), buf, sizeof buf);
	fputs(buf, stdout);
}

/* DELETE /v1/consumers/NAME: its position is gone. */
static int delete_consumer(const char *name, bool json)
{
	struct strbuf t = {0};
	strbuf_puts(&t, "/v1/consumers/");
	ctl_urlencode(&t, name);
	json_t *a;
	int code = ctl_call_json("DELETE", t.s, json, &a);
	free(t.s);
	if (code >= 0)
		return code;
	printf("deleted consumer %s (its next `feedctl new %s` starts afresh)\n", name, name);
	json_decref(a);
	return ctl_finish_output();
}

int cmd_consumers(const struct command *c, int argc, char **argv)
{
	bool json;
	const char *del;
	int code = ctl_parse_opts(c, argc, argv, &json, 0, 0, "delete", &del);
	if (code >= 0)
		return code;
	if (del)
		return delete_consumer(del, json);
	json_t *a;
	if ((code = ctl_call_json("GET", "/v1/consumers", json, &a)) >= 0)
		return code;
	json_t *list = json_object_get(a, "consumers");
	size_t i;
	json_t *o;
	/* The header also for none: a script reads the columns' names; a
	 * person is told why there is no line. */
	printf("NAME\tPOSITION\tLAG\tACKED\tCREATED\n");
	if (json_array_size(list) == 0 && isatty(STDOUT_FILENO))
		printf("(no consumers: `feedctl new NAME` makes one)\n");
	json_array_foreach(list, i, o) {
		/* Names are 1-256 of A-Z a-z 0-9 - _ . @ (docs/API.md): safe. */
		printf("%s\t%lld\t%lld\t", json_string_value(json_object_get(o, "name")),
		       json_integer_value(json_object_get(o, "cursor")),
		       json_integer_value(json_object_get(o, "lag")));
		put_time(o, "acked");
		putchar('\t');
		put_time(o, "created");
		putchar('\n');
	}
	json_decref(a);
	return ctl_finish_output();
}
