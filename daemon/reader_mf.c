/* reader_mf.c — the Miniflux v1 routes of the reader API
 * (docs/reader-api.md): each request is routed here once reader.c let it
 * in. */
#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/api_send.h"
#include "daemon/feedd.h"
#include "daemon/reader_int.h"

static void me(struct http_conn *c, const char *user)
{
	api_send_json(c, 200, NULL, json_pack("{s:i,s:s,s:b,s:s,s:s,s:s,s:s,s:n}",
		"id", 1, "username", *user ? user : "reader", "is_admin", 0,
		"theme", "system_serif", "language", "en_US", "timezone", "UTC",
		"entry_sorting_direction", "desc", "last_login_at"));
}

void reader_mf_request(struct reader_api *r, struct http_conn *c,
		       const struct http_request *hr, const char *user)
{
	(void)r;
	size_t plen = strcspn(hr->target, "?");
	if (plen == 6 && !strncmp(hr->target, "/v1/me", 6)) {
		if (strcmp(hr->method_name, "GET"))
			reader_send_error(c, 405, "method not allowed", "Allow: GET\r\n");
		else
			me(c, user);
		return;
	}
	reader_send_error(c, 404, "not found", NULL);
}

void reader_mf_abort(void *ctx)
{
	(void)ctx;
}
