/* test_reader_auth.c — the reader API's credentials file and check
 * (daemon/reader_auth.c): mode refusal, bad lines, Basic and token
 * credentials, near misses and malformed headers, the login tokens'
 * stamps. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "daemon/reader_auth.h"

static char path[64];

static int load(const char *text, mode_t mode, struct reader_auth **out)
{
	strcpy(path, "/tmp/test-reader-auth-XXXXXX");
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	chmod(path, mode);
	int r = reader_auth_load(path, out, NULL, 0);
	unlink(path);
	return r;
}

static void test_file(void **state)
{
	(void)state;
	struct reader_auth *a = NULL;
	assert_int_equal(load("alice:pw\n", 0640, &a), -EPERM);
	assert_int_equal(load("alice:pw\n", 0604, &a), -EPERM);
	assert_int_equal(load("alice:pw\n", 0620, &a), -EPERM);
	assert_null(a);
	assert_int_equal(load("", 0600, &a), -EINVAL);
	assert_int_equal(load("# only a comment\n\n", 0600, &a), -EINVAL);
	assert_int_equal(load("alice\n", 0600, &a), -EINVAL);
	assert_int_equal(load(":pw\n", 0600, &a), -EINVAL);
	assert_int_equal(load("alice:\n", 0600, &a), -EINVAL);
	assert_int_equal(reader_auth_load("/nonexistent/reader.auth", &a, NULL, 0), -ENOENT);
	assert_int_equal(load("# readers\nalice:pw:with:colons\r\n\ntoken:abc\n", 0600, &a), 0);
	const char *user = NULL;
	/* alice:pw:with:colons */
	assert_true(reader_auth_check(a, "Basic YWxpY2U6cHc6d2l0aDpjb2xvbnM=", NULL, &user));
	assert_string_equal(user, "alice");
	reader_auth_free(a);
}

static void test_check(void **state)
{
	(void)state;
	struct reader_auth *a = NULL;
	assert_int_equal(load("alice:s3cret\nbob:hunter2\ntoken:tok-123\n", 0600, &a), 0);
	const char *user = NULL;
	assert_true(reader_auth_check(a, "Basic YWxpY2U6czNjcmV0", NULL, &user));   /* alice:s3cret */
	assert_string_equal(user, "alice");
	assert_true(reader_auth_check(a, "basic Ym9iOmh1bnRlcjI=", NULL, &user));   /* bob:hunter2 */
	assert_string_equal(user, "bob");
	assert_true(reader_auth_check(a, NULL, "tok-123", &user));
	assert_string_equal(user, "");
	/* Near misses, cross-matches and junk. */
	static const char *const bad[] = {
		"Basic YWxpY2U6czNjcmU=",         /* alice:s3cre */
		"Basic YWxpY2U6czNjcmV0eA==",     /* alice:s3cretx */
		"Basic Ym9iOnMzY3JldA==",         /* bob:s3cret */
		"Basic YWxpY2U6aHVudGVyMg==",     /* alice:hunter2 */
		"Basic dG9rZW46dG9rLTEyMw==",     /* token:tok-123 */
		"Basic OnMzY3JldA==",             /* :s3cret */
		"Basic YWxpY2U=",                 /* alice */
		"Basic !!!!", "Basic ", "Bearer tok-123", "", NULL,
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_false(reader_auth_check(a, bad[i], NULL, &user));
		assert_null(user);
	}
	assert_false(reader_auth_check(a, NULL, "tok-12", &user));
	assert_false(reader_auth_check(a, NULL, "tok-1234", &user));
	assert_false(reader_auth_check(a, NULL, "", &user));
	assert_false(reader_auth_check(a, NULL, "s3cret", &user));
	/* A Basic value too long for the buffer is refused, not overrun. */
	char big[4096];
	memset(big, 'Q', sizeof big);
	memcpy(big, "Basic ", 6);
	big[sizeof big - 1] = '\0';
	assert_false(reader_auth_check(a, big, NULL, &user));
	reader_auth_free(a);
}

/* A login token's stamp holds while its user's line is in the file as it
 * was: not once the user is gone or the password changed; another
 * token's stamp or another user's never. */
static void test_stamp(void **state)
{
	(void)state;
	static const char tok[] = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
	char stamp[65], other[65];
	reader_auth_stamp(tok, strlen(tok), "alice", "s3cret", stamp);
	assert_int_equal(strlen(stamp), 64);
	assert_null(strstr(stamp, "s3cret"));
	reader_auth_stamp(tok, strlen(tok) - 1, "alice", "s3cret", other);
	assert_string_not_equal(stamp, other);
	reader_auth_stamp(tok, strlen(tok), "alice", "s3cres", other);
	assert_string_not_equal(stamp, other);

	struct reader_auth *a = NULL, *b = NULL, *c = NULL;
	assert_int_equal(load("bob:hunter2\nalice:s3cret\ntoken:s3cret\n", 0600, &a), 0);
	assert_true(reader_auth_stamp_ok(a, "alice", tok, strlen(tok), stamp));
	assert_false(reader_auth_stamp_ok(a, "bob", tok, strlen(tok), stamp));
	assert_false(reader_auth_stamp_ok(a, "alice", tok, strlen(tok) - 1, stamp));
	assert_false(reader_auth_stamp_ok(a, "alice", tok, strlen(tok), ""));
	assert_false(reader_auth_stamp_ok(a, NULL, tok, strlen(tok), stamp));
	/* The password changed; the user removed (a token line with her
	 * password is no user line). */
	assert_int_equal(load("bob:hunter2\nalice:n3w\n", 0600, &b), 0);
	assert_false(reader_auth_stamp_ok(b, "alice", tok, strlen(tok), stamp));
	assert_int_equal(load("bob:hunter2\ntoken:s3cret\n", 0600, &c), 0);
	assert_false(reader_auth_stamp_ok(c, "alice", tok, strlen(tok), stamp));
	/* A reference keeps the credentials while another is dropped. */
	assert_ptr_equal(reader_auth_ref(a), a);
	reader_auth_free(a);
	assert_true(reader_auth_stamp_ok(a, "alice", tok, strlen(tok), stamp));
	reader_auth_free(a);
	reader_auth_free(b);
	reader_auth_free(c);
}

/* What is wrong with the file, said for a reload's answer too. */
static void test_why(void **state)
{
	(void)state;
	struct reader_auth *a = NULL;
	char why[256] = "";
	assert_int_equal(reader_auth_load("/nonexistent/reader.auth", &a, why, sizeof why),
			 -ENOENT);
	assert_non_null(strstr(why, "/nonexistent/reader.auth"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_file),
		cmocka_unit_test(test_check),
		cmocka_unit_test(test_stamp),
		cmocka_unit_test(test_why),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
