/* reader_gr_auth.c — the Google Reader API's credentials: the token
 * ClientLogin hands out (random, kept in the store as its SHA-256 only,
 * store/readtokens.c), read back from "Authorization: GoogleLogin
 * auth=TOKEN", and the short-lived write token T of /reader/api/0/token:
 * derived from a secret of this process, the login and the half-hour, so
 * that it needs no storage and ends by itself (and with a restart). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>

#include "core/sha256.h"
#include "daemon/reader_gr_int.h"

#define T_WINDOW_S 1800

static void hex(const unsigned char *b, size_t n, char *out)
{
	static const char d[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = d[b[i] >> 4];
		out[2 * i + 1] = d[b[i] & 15];
	}
	out[2 * n] = '\0';
}

static int random_hex(char out[65])
{
	unsigned char b[32];
	size_t got = 0;
	while (got < sizeof b) {
		ssize_t k = getrandom(b + got, sizeof b - got, 0);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		got += (size_t)k;
	}
	hex(b, sizeof b, out);
	explicit_bzero(b, sizeof b);
	return 0;
}

bool gr_auth_header_token(const char *authorization, char tok[GR_TOKEN_MAX + 1],
			  char hash[65])
{
	static const char scheme[] = "GoogleLogin";
	if (!authorization || strncasecmp(authorization, scheme, strlen(scheme)))
		return false;
	const char *p = authorization + strlen(scheme);
	while (*p == ' ')
		p++;
	if (strncasecmp(p, "auth=", 5))
		return false;
	p += 5;
	size_t n = strcspn(p, " \t\r\n");
	if (!n || n > GR_TOKEN_MAX)
		return false;
	memcpy(tok, p, n);
	tok[n] = '\0';
	sha256_hex(p, n, hash);
	return true;
}

int gr_token_new(char tok[65], char hash[65])
{
	int rc = random_hex(tok);
	if (rc < 0)
		return rc;
	sha256_hex(tok, strlen(tok), hash);
	return 0;
}

void gr_write_token(struct reader_api *r, const char *hash, int window, char t[41])
{
	if (!r->gr_secret[0] && random_hex(r->gr_secret) < 0)
		snprintf(r->gr_secret, sizeof r->gr_secret, "%lld", (long long)time(NULL));
	char buf[200];
	long long w = (long long)(time(NULL) / T_WINDOW_S) - window;
	int n = snprintf(buf, sizeof buf, "%s:%s:%lld", r->gr_secret, hash, w);
	char full[65];
	sha256_hex(buf, (size_t)n, full);
	explicit_bzero(buf, sizeof buf);
	memcpy(t, full, 40);
	t[40] = '\0';
}

bool gr_write_token_ok(struct reader_api *r, const char *hash, const char *t)
{
	if (!t || strlen(t) != 40)
		return false;
	bool ok = false;
	for (int w = 0; w < 2; w++) {
		char want[41];
		gr_write_token(r, hash, w, want);
		unsigned diff = 0;
		for (int i = 0; i < 40; i++)
			diff |= (unsigned char)want[i] ^ (unsigned char)t[i];
		ok |= diff == 0;
	}
	return ok;
}
