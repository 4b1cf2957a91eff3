/* reader_auth.h — who may use the reader API (daemon/reader.c): the
 * credentials file of `reader_auth` (feeds.conf), checked on every request.
 *
 * The file holds one credential a line: `user:password` (HTTP Basic) or
 * `token:TOKEN` (Miniflux's X-Auth-Token header); blank lines and lines
 * starting with '#' are skipped. It must not be readable by its group or
 * others (refused at load, naming the file). A check compares against
 * every credential in time that does not depend on where the given one
 * differs, or on which one matched.
 *
 * Ownership: reader_auth_load allocates; reader_auth_free frees. */
#ifndef FEEDD_READER_AUTH_H
#define FEEDD_READER_AUTH_H

#include <stdbool.h>

struct reader_auth;

/* Reads PATH. -EPERM: readable by group or others; -EINVAL: a bad line or
 * no credential at all; another negative errno when it cannot be read.
 * Each is logged, naming the file. */
int reader_auth_load(const char *path, struct reader_auth **out);
void reader_auth_free(struct reader_auth *a);

/* Whether AUTHORIZATION (the header's value: "Basic BASE64", may be NULL)
 * or TOKEN (X-Auth-Token's, may be NULL) is one of A's credentials. *USER:
 * the user name that matched (borrowed from A; "" for a token). */
bool reader_auth_check(const struct reader_auth *a, const char *authorization,
		       const char *token, const char **user);

/* Whether USER and PASS are one of A's user:password lines (ClientLogin),
 * compared as reader_auth_check does. *WHO: A's copy of the name. */
bool reader_auth_check_login(const struct reader_auth *a, const char *user, const char *pass,
			     const char **who);

#endif
