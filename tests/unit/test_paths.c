/* test_paths.c — the default paths: the system's for root and for a service
 * systemd gives its directories, the XDG base directories for anyone else,
 * and feedctl's fall-back to a running system daemon (in a mount namespace
 * whose /run has one); without $XDG_RUNTIME_DIR, a /run/user/UID of the
 * user's. The per-user cases run in a child that dropped to
 * nobody (the tests run as root). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/paths.h"

static void clear_env(void)
{
	const char *vars[] = {"CONFIGURATION_DIRECTORY", "STATE_DIRECTORY", "RUNTIME_DIRECTORY",
			      "XDG_CONFIG_HOME", "XDG_STATE_HOME", "XDG_RUNTIME_DIR"};
	for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++)
		unsetenv(vars[i]);
	setenv("HOME", "/home/alice", 1);
}

/* Runs FN as uid/gid 65534 in a child; fails the test when it fails. */
static void as_nobody(void (*fn)(void))
{
	if (geteuid() != 0) {
		fn();                /* already not root */
		return;
	}
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (setgid(65534) < 0 || setuid(65534) < 0)
			_exit(3);
		fn();
		_exit(0);
	}
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}

/* In the child a failed check must not longjmp into the parent's cmocka. */
#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: %s\n", __FILE__, __LINE__, #c); \
			_exit(1); } } while (0)

static void user_defaults(void)
{
	clear_env();
	struct paths p;
	CHECK(paths_daemon(&p) == 0);
	CHECK(p.user);
	CHECK(strcmp(p.config, "/home/alice/.config/feedd/feeds.conf") == 0);
	CHECK(strcmp(p.state_dir, "/home/alice/.local/state/feedd") == 0);
	CHECK(strcmp(p.socket, PATHS_SYSTEM_SOCKET) == 0);     /* no runtime dir */
	setenv("XDG_CONFIG_HOME", "/x/cfg", 1);
	setenv("XDG_STATE_HOME", "relative/state", 1);         /* ignored: not absolute */
	setenv("XDG_RUNTIME_DIR", "/run/user/1000", 1);
	CHECK(paths_daemon(&p) == 0);
	CHECK(strcmp(p.config, "/x/cfg/feedd/feeds.conf") == 0);
	CHECK(strcmp(p.state_dir, "/home/alice/.local/state/feedd") == 0);
	CHECK(strcmp(p.socket, "/run/user/1000/feedd/feedd.sock") == 0);
	/* Too long for sun_path: refused, the socket left at the system's. */
	char longdir[200];
	memset(longdir, 'd', sizeof longdir - 1);
	longdir[0] = '/';
	longdir[sizeof longdir - 1] = '\0';
	setenv("XDG_RUNTIME_DIR", longdir, 1);
	CHECK(paths_daemon(&p) < 0);
	CHECK(strcmp(p.socket, PATHS_SYSTEM_SOCKET) == 0);
}

static void system_service_defaults(void)
{
	/* The shipped unit: DynamicUser=, so not root, but its directories. */
	clear_env();
	setenv("CONFIGURATION_DIRECTORY", "/etc/feedd", 1);
	setenv("STATE_DIRECTORY", "/var/lib/feedd:/var/lib/other", 1);
	struct paths p;
	CHECK(paths_daemon(&p) == 0);
	CHECK(!p.user);
	CHECK(strcmp(p.config, "/etc/feedd/feeds.conf") == 0);
	CHECK(strcmp(p.state_dir, "/var/lib/feedd") == 0);
	CHECK(strcmp(p.socket, PATHS_SYSTEM_SOCKET) == 0);
}

static void test_user(void **state)
{
	(void)state;
	as_nobody(user_defaults);
	as_nobody(system_service_defaults);
}

/* feedctl's choice, as nobody, with a system daemon's socket present: the
 * socket and the config are a pair, per-user or the system's. */
static void client_pairs(void)
{
	struct paths p;
	/* No $XDG_RUNTIME_DIR: the socket is the system's, so the config is. */
	clear_env();
	setenv("HOME", "/run/home", 1);
	CHECK(paths_client(&p) == 0);
	CHECK(!p.user);
	CHECK(strcmp(p.socket, PATHS_SYSTEM_SOCKET) == 0);
	CHECK(strcmp(p.config, PATHS_SYSTEM_CONFIG) == 0);
	/* Even with a per-user feeds.conf: no daemon of one's own can be named. */
	setenv("XDG_CONFIG_HOME", "/run/home/cfg", 1);
	CHECK(paths_client(&p) == 0);
	CHECK(!p.user && strcmp(p.config, PATHS_SYSTEM_CONFIG) == 0);
	/* A runtime dir without a per-user socket or config: the system's. */
	unsetenv("XDG_CONFIG_HOME");
	setenv("XDG_RUNTIME_DIR", "/run/user/1000", 1);
	CHECK(paths_client(&p) == 0);
	CHECK(!p.user && strcmp(p.socket, PATHS_SYSTEM_SOCKET) == 0);
	CHECK(strcmp(p.config, PATHS_SYSTEM_CONFIG) == 0);
	/* With a per-user feeds.conf: the per-user pair. */
	setenv("XDG_CONFIG_HOME", "/run/home/cfg", 1);
	CHECK(paths_client(&p) == 0);
	CHECK(p.user);
	CHECK(strcmp(p.socket, "/run/user/1000/feedd/feedd.sock") == 0);
	CHECK(strcmp(p.config, "/run/home/cfg/feedd/feeds.conf") == 0);
	/* No system daemon: the per-user paths, whatever is missing. */
	CHECK(unlink(PATHS_SYSTEM_SOCKET) == 0);
	unsetenv("XDG_CONFIG_HOME");
	CHECK(paths_client(&p) == 0);
	CHECK(p.user && strcmp(p.config, "/run/home/.config/feedd/feeds.conf") == 0);
	unsetenv("XDG_RUNTIME_DIR");
	CHECK(paths_client(&p) == 0);
	CHECK(p.user && strcmp(p.socket, PATHS_SYSTEM_SOCKET) == 0);
	CHECK(strcmp(p.config, "/run/home/.config/feedd/feeds.conf") == 0);
}

/* Runs FN as nobody in a mount namespace of its own whose /run is a fresh
 * tmpfs holding a system socket (a file: only its existence counts) and a
 * per-user config in /run/home/cfg/feedd/feeds.conf. */
static void test_client(void **state)
{
	(void)state;
	if (geteuid() != 0)
		skip();
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (unshare(CLONE_NEWNS) < 0 ||
		    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
		    mount("tmpfs", "/run", "tmpfs", 0, "mode=0755") < 0)
			_exit(77);
		FILE *f = NULL;
		if (mkdir("/run/feedd", 0777) < 0 || chmod("/run/feedd", 0777) < 0 ||
		    !(f = fopen(PATHS_SYSTEM_SOCKET, "w")) || fclose(f) != 0 ||
		    mkdir("/run/home", 0755) < 0 || mkdir("/run/home/cfg", 0755) < 0 ||
		    mkdir("/run/home/cfg/feedd", 0755) < 0 ||
		    !(f = fopen("/run/home/cfg/feedd/feeds.conf", "w")) || fclose(f) != 0)
			_exit(4);
		if (setgid(65534) < 0 || setuid(65534) < 0)
			_exit(3);
		client_pairs();
		_exit(0);
	}
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	if (WEXITSTATUS(st) == 77)
		skip();      /* no mount namespace here */
	assert_int_equal(WEXITSTATUS(st), 0);
}

/* No $XDG_RUNTIME_DIR (cron, su, ssh without pam_systemd), as nobody:
 * /run/user/65534 when it is nobody's own directory, the daemon's and
 * feedctl's socket alike. */
static void runtime_fallback_own(void)
{
	clear_env();
	struct paths p;
	CHECK(paths_daemon(&p) == 0);
	CHECK(p.user && strcmp(p.socket, "/run/user/65534/feedd/feedd.sock") == 0);
	CHECK(paths_client(&p) == 0);     /* a per-user socket: the user's pair */
	CHECK(p.user && strcmp(p.socket, "/run/user/65534/feedd/feedd.sock") == 0);
	CHECK(strcmp(p.config, "/home/alice/.config/feedd/feeds.conf") == 0);
}

/* ... and not when someone else owns it. */
static void runtime_fallback_not_own(void)
{
	clear_env();
	struct paths p;
	CHECK(paths_daemon(&p) == 0);
	CHECK(p.user && strcmp(p.socket, PATHS_SYSTEM_SOCKET) == 0);
}

static void nobody_in_ns(void (*fn)(void))
{
	pid_t pid = fork();
	if (pid < 0)
		_exit(5);
	if (pid == 0) {
		if (setgid(65534) < 0 || setuid(65534) < 0)
			_exit(3);
		fn();
		_exit(0);
	}
	int st;
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
		_exit(6);
}

static void test_runtime_fallback(void **state)
{
	(void)state;
	if (geteuid() != 0)
		skip();
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		FILE *f = NULL;
		if (unshare(CLONE_NEWNS) < 0 ||
		    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
		    mount("tmpfs", "/run", "tmpfs", 0, "mode=0755") < 0)
			_exit(77);
		if (mkdir("/run/user", 0755) < 0 || mkdir("/run/user/65534", 0700) < 0 ||
		    chown("/run/user/65534", 65534, 65534) < 0 ||
		    mkdir("/run/user/65534/feedd", 0700) < 0 ||
		    chown("/run/user/65534/feedd", 65534, 65534) < 0 ||
		    !(f = fopen("/run/user/65534/feedd/feedd.sock", "w")) || fclose(f) != 0 ||
		    mkdir("/run/feedd", 0755) < 0 ||
		    !(f = fopen(PATHS_SYSTEM_SOCKET, "w")) || fclose(f) != 0)
			_exit(4);
		nobody_in_ns(runtime_fallback_own);
		if (chown("/run/user/65534", 0, 0) < 0)
			_exit(4);
		nobody_in_ns(runtime_fallback_not_own);
		_exit(0);
	}
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	if (WEXITSTATUS(st) == 77)
		skip();      /* no mount namespace here */
	assert_int_equal(WEXITSTATUS(st), 0);
}

static void test_root(void **state)
{
	(void)state;
	/* The suite runs as root (the nobody cases need it too). */
	assert_int_equal(geteuid(), 0);
	clear_env();
	setenv("XDG_CONFIG_HOME", "/x/cfg", 1);
	setenv("XDG_RUNTIME_DIR", "/run/user/0", 1);
	struct paths p;
	assert_int_equal(paths_daemon(&p), 0);
	assert_false(p.user);
	assert_string_equal(p.config, PATHS_SYSTEM_CONFIG);
	assert_string_equal(p.state_dir, PATHS_SYSTEM_STATE);
	assert_string_equal(p.socket, PATHS_SYSTEM_SOCKET);
	setenv("RUNTIME_DIRECTORY", "/run/feedd2", 1);
	assert_int_equal(paths_daemon(&p), 0);
	assert_string_equal(p.socket, "/run/feedd2/feedd.sock");
	assert_int_equal(paths_client(&p), 0);
	assert_string_equal(p.socket, "/run/feedd2/feedd.sock");
}

static void test_mkdirs(void **state)
{
	(void)state;
	char tmp[] = "/tmp/feedd-paths-XXXXXX";
	assert_non_null(mkdtemp(tmp));
	char deep[256];
	snprintf(deep, sizeof deep, "%s/a/b/c", tmp);
	assert_int_equal(paths_mkdirs(deep, 0700), 0);
	assert_int_equal(paths_mkdirs(deep, 0700), 0);          /* there already */
	struct stat st;
	assert_int_equal(stat(deep, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700 & ~umask(022));
	char file[256];
	snprintf(file, sizeof file, "%s/f", tmp);
	FILE *f = fopen(file, "w");
	assert_non_null(f);
	fclose(f);
	assert_int_equal(paths_mkdirs(file, 0700), -ENOTDIR);
	char cmd[300];
	snprintf(cmd, sizeof cmd, "rm -rf %s", tmp);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_user),
		cmocka_unit_test(test_client),
		cmocka_unit_test(test_runtime_fallback),
		cmocka_unit_test(test_root),
		cmocka_unit_test(test_mkdirs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
