/* reader_auth.h — who may use the reader API (daemon/reader.c): the
 * credentials file of `reader_auth` (feeds.conf), checked on every request,
 * read at start and again at each reload.
 *
 * The file holds one credential a line: `user:password` (HTTP Basic) or
 * `token:TOKEN` (Miniflux's X-Auth-Token header); blank lines and lines
 * starting with '#' are skipped. It must not be readable by its group or
 * others (refused at load, naming the file). A check compares against
 * every credential in time that does not depend on where the given one
 * differs, or on which one matched.
 *
 * The Google Reader API's login tokens (daemon/reader_gr_auth.c) are kept
 * with a stamp of the user:password line they were given for
 * (reader_auth_stamp), so that one works only while that line is in the
 * file: a user removed or a password changed ends the user's tokens.
 *
 * Ownership: reader_auth_load allocates, with one reference;
 * reader_auth_ref takes another, reader_auth_free drops one and frees on
 * the last. References are taken and dropped on one thread (the loop);
 * the checks may run on others meanwhile, as long as they hold one. */
#ifndef FEEDD_READER_AUTH_H
#define FEEDD_READER_AUTH_H

#include <stdbool.h>
#include <stddef.h>

struct reader_auth;

/* Reads PATH. -EPERM: readable by group or others; -EINVAL: a bad line or
 * no credential at all; another negative errno when it cannot be read.
 * Each is logged, naming the file, and said in WHY (WSIZE bytes; NULL:
 * not wanted). */
int reader_auth_load(const char *path, struct reader_auth **out, char *why, size_t wsize);
struct reader_auth *reader_auth_ref(struct reader_auth *a);
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

/* The stamp of the login token TOKEN (TLEN bytes) that USER got with
 * password PASS: 64 hex digits of a SHA-256 of the three, into STAMP. The
 * store keeps it beside the token's hash; it never has the token, so the
 * stamp tells nothing of the password. */
void reader_auth_stamp(const char *token, size_t tlen, const char *user, const char *pass,
		       char stamp[65]);
/* Whether STAMP is TOKEN's stamp (TLEN bytes) for one of A's lines of
 * USER: the user is still in the file, with the password the token was
 * given for. */
bool reader_auth_stamp_ok(const struct reader_auth *a, const char *user, const char *token,
			  size_t tlen, const char *stamp);

#endif
