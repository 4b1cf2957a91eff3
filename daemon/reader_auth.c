/* reader_auth.c — the reader API's credentials file and its checks (see
 * reader_auth.h). */
#include "daemon/reader_auth.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/log.h"
#include "core/sha256.h"

#define MAX_CREDS 64
#define MAX_LINE 1024

struct cred {
	char *user;              /* NULL for a token */
	char *secret;            /* the password or the token */
};

struct reader_auth {
	struct cred c[MAX_CREDS];
	int n;
	int refs;                /* reader_auth_ref's, and the loader's */
};

struct reader_auth *reader_auth_ref(struct reader_auth *a)
{
	a->refs++;
	return a;
}

void reader_auth_free(struct reader_auth *a)
{
	if (!a || --a->refs > 0)
		return;
	for (int i = 0; i < a->n; i++) {
		free(a->c[i].user);
		if (a->c[i].secret) {
			explicit_bzero(a->c[i].secret, strlen(a->c[i].secret));
			free(a->c[i].secret);
		}
	}
	free(a);
}

/* Logs what is wrong with the file (FMT), and copies it into WHY. */
static void say(char *why, size_t wsize, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void say(char *why, size_t wsize, const char *fmt, ...)
{
	char m[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(m, sizeof m, fmt, ap);
	va_end(ap);
	log_err("reader: %s", m);
	if (why && wsize)
		snprintf(why, wsize, "%s", m);
}

int reader_auth_load(const char *path, struct reader_auth **out, char *why, size_t wsize)
{
	*out = NULL;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		int e = errno;
		say(why, wsize, "reader_auth %s: %s", path, strerror(e));
		return -e;
	}
	struct stat st;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		say(why, wsize, "reader_auth %s: not a regular file", path);
		close(fd);
		return -EINVAL;
	}
	if (st.st_mode & (S_IRWXG | S_IRWXO)) {
		say(why, wsize, "reader_auth %s is readable by others (mode %04o): "
		    "refusing it; chmod 600 it", path, (unsigned)(st.st_mode & 07777));
		close(fd);
		return -EPERM;
	}
	FILE *f = fdopen(fd, "r");
	if (!f) {
		close(fd);
		return -ENOMEM;
	}
	struct reader_auth *a = calloc(1, sizeof *a);
	if (!a) {
		fclose(f);
		return -ENOMEM;
	}
	a->refs = 1;
	char line[MAX_LINE + 2];
	int lineno = 0, r = 0;
	while (fgets(line, sizeof line, f)) {
		lineno++;
		size_t len = strlen(line);
		if (len > MAX_LINE) {
			say(why, wsize, "reader_auth %s:%d: line too long", path, lineno);
			r = -EINVAL;
			break;
		}
		while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = '\0';
		if (!len || line[0] == '#')
			continue;
		char *colon = strchr(line, ':');
		if (!colon || colon == line || !colon[1]) {
			say(why, wsize, "reader_auth %s:%d: expected user:password or token:TOKEN",
			    path, lineno);
			r = -EINVAL;
			break;
		}
		if (a->n == MAX_CREDS) {
			say(why, wsize, "reader_auth %s: more than %d credentials", path, MAX_CREDS);
			r = -EINVAL;
			break;
		}
		*colon = '\0';
		struct cred *c = &a->c[a->n];
		bool is_token = !strcmp(line, "token");
		c->user = is_token ? NULL : strdup(line);
		c->secret = strdup(colon + 1);
		explicit_bzero(line, sizeof line);
		a->n++;
		if (!c->secret || (!is_token && !c->user)) {
			r = -ENOMEM;
			break;
		}
	}
	fclose(f);
	if (!r && a->n == 0) {
		say(why, wsize, "reader_auth %s holds no credential", path);
		r = -EINVAL;
	}
	if (r < 0) {
		reader_auth_free(a);
		return r;
	}
	*out = a;
	return 0;
}

/* Whether GIVEN (GLEN bytes) equals SECRET, in time that depends on
 * SECRET's length only. */
static bool same(const char *given, size_t glen, const char *secret)
{
	size_t slen = strlen(secret);
	unsigned diff = glen != slen;
	for (size_t i = 0; i < slen; i++)
		diff |= (unsigned char)secret[i] ^ (unsigned char)(glen ? given[i % glen] : 0);
	return diff == 0;
}

static int b64val(char c)
{
	if (c >= 'A' && c <= 'Z') return c - 'A';
	if (c >= 'a' && c <= 'z') return c - 'a' + 26;
	if (c >= '0' && c <= '9') return c - '0' + 52;
	if (c == '+') return 62;
	if (c == '/') return 63;
	return -1;
}

/* Standard base64 (padding optional) into OUT (room for SIZE bytes with
 * the NUL); the length, or -1. */
static long b64decode(const char *in, char *out, size_t size)
{
	size_t o = 0;
	unsigned acc = 0;
	int bits = 0;
	for (const char *p = in; *p && *p != '='; p++) {
		int v = b64val(*p);
		if (v < 0)
			return -1;
		acc = acc << 6 | (unsigned)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (o + 1 >= size)
				return -1;
			out[o++] = (char)(acc >> bits & 0xff);
		}
	}
	out[o] = '\0';
	return (long)o;
}

bool reader_auth_check(const struct reader_auth *a, const char *authorization,
		       const char *token, const char **user)
{
	*user = NULL;
	char dec[MAX_LINE + 1];
	const char *pw = NULL;
	size_t ulen = 0, pwlen = 0;
	bool basic = false;
	if (authorization && !strncasecmp(authorization, "Basic ", 6)) {
		const char *b = authorization + 6;
		while (*b == ' ')
			b++;
		long n = b64decode(b, dec, sizeof dec);
		char *colon = n > 0 ? memchr(dec, ':', (size_t)n) : NULL;
		if (colon) {
			ulen = (size_t)(colon - dec);
			pw = colon + 1;
			pwlen = (size_t)n - ulen - 1;
			basic = true;
		}
	}
	bool ok = false;
	const char *who = NULL;
	/* Every credential is compared, whatever matched before. */
	for (int i = 0; i < a->n; i++) {
		const struct cred *c = &a->c[i];
		bool m;
		if (c->user)
			/* Both compared, whatever the user name's outcome. */
			m = basic && ((int)same(dec, ulen, c->user) & (int)same(pw, pwlen, c->secret));
		else
			m = token && same(token, strlen(token), c->secret);
		if (m && !ok) {
			ok = true;
			who = c->user ? c->user : "";
		}
	}
	explicit_bzero(dec, sizeof dec);
	*user = who;
	return ok;
}

bool reader_auth_check_login(const struct reader_auth *a, const char *user, const char *pass,
			     const char **who)
{
	*who = NULL;
	if (!user || !pass)
		return false;
	size_t ulen = strlen(user), plen = strlen(pass);
	bool ok = false;
	for (int i = 0; i < a->n; i++) {
		const struct cred *c = &a->c[i];
		bool m = c->user && ((int)same(user, ulen, c->user) & (int)same(pass, plen, c->secret));
		if (m && !ok) {
			ok = true;
			*who = c->user;
		}
	}
	return ok;
}

void reader_auth_stamp(const char *token, size_t tlen, const char *user, const char *pass,
		       char stamp[65])
{
	/* NUL-separated: none of the three holds one. */
	static const char tag[] = "feedd reader token stamp 1";
	char buf[sizeof tag + 2 * MAX_LINE + 8];
	size_t ulen = strlen(user), plen = strlen(pass), n = 0;
	if (tlen > MAX_LINE)
		tlen = MAX_LINE;
	if (ulen > MAX_LINE)
		ulen = MAX_LINE;
	if (ulen + plen > MAX_LINE)
		plen = ulen < MAX_LINE ? MAX_LINE - ulen : 0;
	memcpy(buf, tag, sizeof tag);
	n += sizeof tag;
	memcpy(buf + n, token, tlen);
	n += tlen;
	buf[n++] = '\0';
	memcpy(buf + n, user, ulen);
	n += ulen;
	buf[n++] = '\0';
	memcpy(buf + n, pass, plen);
	n += plen;
	sha256_hex(buf, n, stamp);
	explicit_bzero(buf, sizeof buf);
}

bool reader_auth_stamp_ok(const struct reader_auth *a, const char *user, const char *token,
			  size_t tlen, const char *stamp)
{
	if (!user || !stamp || strlen(stamp) != 64)
		return false;
	bool ok = false;
	for (int i = 0; i < a->n; i++) {
		const struct cred *c = &a->c[i];
		if (!c->user || strcmp(c->user, user))
			continue;
		char want[65];
		reader_auth_stamp(token, tlen, c->user, c->secret, want);
		unsigned diff = 0;
		for (int k = 0; k < 64; k++)
			diff |= (unsigned char)want[k] ^ (unsigned char)stamp[k];
		ok |= diff == 0;
		explicit_bzero(want, sizeof want);
	}
	return ok;
}
