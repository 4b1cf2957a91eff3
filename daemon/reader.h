/* reader.h — the reader API: an optional TCP listener (feeds.conf's
 * [daemon] reader_listen = HOST:PORT) speaking the subset of Miniflux's v1
 * API that feed readers use (docs/reader-api.md), served by the socket
 * API's HTTP server code (daemon/http.c) with the same limits.
 *
 * Every request must carry one of reader_auth's credentials (HTTP Basic,
 * or Miniflux's X-Auth-Token; daemon/reader_auth.h); without one it is
 * answered 401 with {"error_message": ...} after a delay that doubles with
 * each failure from the same address (100 ms up to 3.2 s, forgotten after
 * ten quiet minutes or a success). The routes are reader_mf.c's; the
 * Google Reader API's paths (/accounts/, /reader/, /api/greader.php/)
 * go to reader_gr.c, which checks its own tokens with the same delays.
 *
 * reader_auth is read at start and again at every reload (SIGHUP, POST
 * /v1/reload): a user removed or a password changed takes effect then,
 * for HTTP Basic and for the Google Reader API's login tokens alike.
 *
 * Ownership: reader_start allocates (nothing when reader_listen is unset);
 * reader_close closes the listener and its connections, freeing the rest
 * once the loop has run their close callbacks. */
#ifndef FEEDD_READER_H
#define FEEDD_READER_H

#include <stddef.h>

struct config;
struct feedd;
struct reader_api;
struct reader_auth;

/* 0 with *OUT NULL when D's config sets no reader_listen; 0 with the
 * listener open; a negative errno (logged) when reader_listen or
 * reader_auth is wrong or the address cannot be bound. */
int reader_start(struct feedd *d, struct reader_api **out);
void reader_close(struct reader_api *r);

/* A reload's first step (daemon/reload.c): the reader_auth file of the
 * new config C read into *OUT, for reader_reload_apply once the reload
 * has taken; *OUT NULL when R is NULL (no reader API running) or C names
 * none. A negative errno (logged, and said in WHY) when the file cannot
 * be read or is wrong: the reload is refused. */
int reader_reload_read(struct reader_api *r, const struct config *c, struct reader_auth **out,
		       char *why, size_t wsize);
/* The reload took: A (taken over; NULL: nothing to change) is R's
 * credentials from now on. Frees A when R is NULL. */
void reader_reload_apply(struct reader_api *r, struct reader_auth *a);

#endif
