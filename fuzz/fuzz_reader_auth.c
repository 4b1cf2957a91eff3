/* fuzz_reader_auth.c — the reader API's credentials check
 * (daemon/reader_auth.c) on hostile Authorization and X-Auth-Token
 * values: the input up to its first newline is the Authorization value,
 * the rest the token. Against a file with one user and one token, the
 * check must accept exactly the two right ones and never read out of
 * bounds (the Basic value's base64 is decoded into a fixed buffer). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "daemon/reader_auth.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct reader_auth *auth;

static void setup(void)
{
	char path[] = "/tmp/fuzz-reader-auth-XXXXXX";
	int fd = mkstemp(path);
	if (fd < 0)
		abort();
	static const char creds[] = "alice:s3cret\ntoken:tok-123\n";
	if (write(fd, creds, sizeof creds - 1) != (ssize_t)(sizeof creds - 1))
		abort();
	close(fd);
	chmod(path, 0600);
	if (reader_auth_load(path, &auth, NULL, 0) < 0)
		abort();
	unlink(path);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!auth)
		setup();
	char *buf = malloc(size + 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	char *nl = memchr(buf, '\n', size);
	char *token = NULL;
	if (nl) {
		*nl = '\0';
		token = nl + 1;
	}
	const char *user = NULL;
	bool ok = reader_auth_check(auth, buf, token, &user);
	/* Only "alice:s3cret" (base64 YWxpY2U6czNjcmV0) or the token pass. */
	if (ok) {
		if (!user)
			abort();
		bool is_token = token && !strcmp(token, "tok-123");
		if (!is_token && strcmp(user, "alice"))
			abort();
	}
	free(buf);
	return 0;
}
