/* test_api_endpoints.c — the daemon's table of endpoints
 * (daemon/api_endpoints.c) and the request grammar (core/apireq.c) agree:
 * every route has one endpoint, with the same method and path pattern,
 * and the parts its kind needs; and a request routed by the grammar lands
 * on the endpoint whose pattern it matches. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "core/apireq.h"
#include "daemon/api_int.h"

static void test_every_route_has_its_endpoint(void **state)
{
	(void)state;
	for (int rt = 0; rt < ROUTE__COUNT; rt++) {
		const struct api_endpoint *ep = api_endpoint_of((enum api_route)rt);
		assert_non_null(ep);
		assert_int_equal(ep->route, rt);
		assert_non_null(ep->method);
		assert_non_null(ep->path);
		if (strcmp(ep->method, apireq_route_method((enum api_route)rt)) ||
		    strcmp(ep->path, apireq_route_path((enum api_route)rt)))
			fail_msg("route %d: endpoint %s %s, grammar %s %s", rt, ep->method, ep->path,
				 apireq_route_method((enum api_route)rt),
				 apireq_route_path((enum api_route)rt));
		if (ep->runs == RUNS_LOOP) {
			assert_non_null(ep->handle);
			assert_null(ep->work);
		} else {
			assert_null(ep->handle);
			assert_non_null(ep->work);
			/* A long-poll is answered by apiquery; the others by their own. */
			assert_true(ep->poll ? ep->answer == NULL : ep->answer != NULL);
		}
		/* Only the ack, the rename and the marks read a body. */
		assert_int_equal(ep->max_body > 0, rt == ROUTE_CONSUMER_ACK ||
				 rt == ROUTE_FEED_RENAME || rt == ROUTE_ITEMS_STATE);
	}
	assert_null(api_endpoint_of(ROUTE__COUNT));
}

/* A concrete path for PATTERN: each {feed} or {consumer} becomes "x". */
static void concrete(const char *pattern, char *out, size_t size)
{
	size_t o = 0;
	for (const char *p = pattern; *p && o + 2 < size;) {
		if (*p == '{') {
			out[o++] = 'x';
			p = strchr(p, '}') + 1;
		} else {
			out[o++] = *p++;
		}
	}
	out[o] = '\0';
}

static void test_patterns_route_to_their_endpoint(void **state)
{
	(void)state;
	for (int rt = 0; rt < ROUTE__COUNT; rt++) {
		const struct api_endpoint *ep = api_endpoint_of((enum api_route)rt);
		char path[256];
		concrete(ep->path, path, sizeof path);
		struct apireq r;
		const char *body = rt == ROUTE_CONSUMER_ACK  ? "upto=1"
				 : rt == ROUTE_FEED_RENAME ? "{\"name\": \"y\"}"
				 : rt == ROUTE_ITEMS_STATE ? "{\"ids\":[1],\"read\":true}" : "";
		if (rt == ROUTE_LOG_LEVEL)
			strcat(path, "?level=info");
		int st = apireq_parse(ep->method, path, body, strlen(body), &r);
		if (st)
			fail_msg("%s %s: %d %s %s", ep->method, path, st, r.error, r.detail);
		assert_int_equal(r.route, rt);
		if (strchr(ep->path, '{'))
			assert_string_equal(r.name, "x");
		else
			assert_null(r.name);
		apireq_free(&r);
		/* A method the path does not take: 405, naming this one
		 * among the path's. */
		const char *other = !strcmp(ep->method, "POST") ? "GET" : "PUT";
		st = apireq_parse(other, path, "", 0, &r);
		assert_int_equal(st, 405);
		assert_non_null(strstr(r.allow, ep->method));
		apireq_free(&r);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_route_has_its_endpoint),
		cmocka_unit_test(test_patterns_route_to_their_endpoint),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
