/* fetch.h — HTTP(S) fetching: one libcurl multi handle driven by the libuv
 * loop (STYLE.md, "libcurl on libuv").
 *
 * A fetch is one GET with feedd's manners (DESIGN.md, "Fetching and
 * scheduling"): validators sent as plain If-None-Match / If-Modified-Since
 * headers byte for byte, a real User-Agent, every encoding libcurl decodes,
 * connect/total/low-speed limits, at most 5 redirects over http/https only,
 * a cap on decoded bytes, the address policy of core/netaddr.h on every
 * connect, no environment proxy, no cookies. The body of a 2xx response is
 * pushed to on_body as it arrives; nothing buffers the document.
 *
 * Ownership: fetcher_init allocates the fetcher; fetcher_close removes every
 * transfer (their on_done is NOT called), cleans the multi handle while the
 * loop still runs and frees the rest in close callbacks, so the loop must
 * run afterwards. fetch_start copies everything in the request; the struct
 * fetch belongs to the fetcher (the easy handle owns it via CURLOPT_PRIVATE)
 * and is freed right after on_done returns, or by fetch_cancel. The
 * struct fetch_result passed to callbacks, and every string in it, lives
 * only for the duration of the call. */
#ifndef FEEDD_FETCH_H
#define FEEDD_FETCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

struct fetcher;
struct fetch;

#define FETCH_MAX_REDIRECTS 5
#define FETCH_CONNECT_TIMEOUT 10
#define FETCH_LOW_SPEED_LIMIT 100   /* bytes/s ... */
#define FETCH_LOW_SPEED_TIME 30     /* ... for this many seconds */

struct fetch_request {
	const char *url;
	const char *etag;            /* sent as If-None-Match, byte for byte */
	const char *last_modified;   /* sent as If-Modified-Since */
	const char *user_agent;      /* NULL: "feedd/VERSION (+FEEDD_URL)" */
	const char *const *headers;  /* NULL-terminated "Name: value", or NULL */
	const char *userpwd;         /* "user:password" for basic auth, or NULL */
	const char *proxy;           /* NULL: none (the environment is ignored) */
	int64_t timeout;             /* total seconds; 0 = 60 */
	int64_t max_size;            /* decoded bytes; 0 = no cap */
	bool allow_private;          /* lift the address policy */
};

enum fetch_error {
	FETCH_OK = 0,           /* a complete HTTP response (any status) */
	FETCH_ERR_DNS,          /* name did not resolve */
	FETCH_ERR_CONNECT,      /* refused, unreachable, ... */
	FETCH_ERR_TIMEOUT,      /* connect/total timeout or below the low-speed limit */
	FETCH_ERR_TLS,
	FETCH_ERR_POLICY,       /* address policy refused every address */
	FETCH_ERR_TOO_BIG,      /* decoded body passed max_size */
	FETCH_ERR_REDIRECTS,    /* more than 5 redirects, or a loop */
	FETCH_ERR_PROTOCOL,     /* bad URL/scheme, broken response */
	FETCH_ERR_BODY,         /* on_body asked to stop */
	FETCH_ERR_PARTIAL,      /* the connection closed before the announced body
				 * length (Content-Length or chunked) was read */
	FETCH_ERR__COUNT
};

/* Network-level errors: the server was never heard (what an outage is made of). */
bool fetch_error_is_network(enum fetch_error e);
const char *fetch_error_name(enum fetch_error e);

/* One response in the redirect chain. */
struct fetch_hop {
	int status;
	const char *url;             /* the URL requested for this response */
};

struct fetch_result {
	enum fetch_error error;
	const char *error_msg;       /* NULL when error == FETCH_OK */
	int status;                  /* final HTTP status; 0 when none */
	const char *url;             /* the URL of the final response */
	const char *moved_url;       /* where the leading 301/308s lead, or NULL */
	const struct fetch_hop *hops;/* every response, the final one last */
	size_t nhops;
	bool conditional;            /* validators were sent */
	/* Headers of the final response, NULL when absent. */
	const char *etag, *last_modified, *cache_control, *expires, *retry_after, *date;
	const char *content_type, *content_location, *content_language, *content_encoding;
	int64_t bytes_wire;          /* headers + body as received */
	int64_t bytes_decoded;       /* body after content decoding */
};

struct fetch_callbacks {
	/* The final response's headers are in: called once, before the first
	 * on_body (and only for a 2xx with a body). Return <0 to abort. */
	int (*on_head)(void *ud, const struct fetch_result *r);
	/* Decoded body bytes of a 2xx response. Return <0 to abort
	 * (FETCH_ERR_BODY). */
	int (*on_body)(void *ud, const char *buf, size_t len);
	/* Always called exactly once unless the fetch is cancelled. */
	void (*on_done)(void *ud, const struct fetch_result *r);
};

int fetcher_init(uv_loop_t *loop, struct fetcher **out);
void fetcher_close(struct fetcher *f);
/* Transfers in flight. */
size_t fetcher_active(const struct fetcher *f);
/* Finished transfers' easy handles kept, reset, for the next ones: only
 * while others are in flight (none when fetcher_active is 0). */
size_t fetcher_idle(const struct fetcher *f);

/* Starts a GET. Returns 0 (and *out when OUT is not NULL) or a negative
 * errno; on error no callback is called. Call it from a loop callback, not
 * from inside on_body/on_head. */
int fetch_start(struct fetcher *f, const struct fetch_request *req,
		const struct fetch_callbacks *cb, void *ud, struct fetch **out);
/* Abandons a transfer; its callbacks are not called again. Not from inside
 * its own callbacks. */
void fetch_cancel(struct fetch *fx);

/* "feedd/VERSION (+URL)". */
const char *fetch_default_user_agent(void);

#endif
