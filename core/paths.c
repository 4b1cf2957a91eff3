/* paths.c — the default config, state and socket paths, root or not. */
#include "core/paths.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* $NAME when it is an absolute path (the XDG rule), else NULL. */
static const char *abs_env(const char *name)
{
	const char *v = getenv(name);
	return v && v[0] == '/' ? v : NULL;
}

/* The first of systemd's colon-separated directories in $NAME, or NULL. */
static const char *systemd_dir(const char *name, size_t *n)
{
	const char *v = getenv(name);
	if (!v || !*v)
		return NULL;
	*n = strcspn(v, ":");
	return v;
}

static const char *home_dir(void)
{
	const char *h = abs_env("HOME");
	if (h)
		return h;
	struct passwd *pw = getpwuid(geteuid());
	return pw && pw->pw_dir && pw->pw_dir[0] == '/' ? pw->pw_dir : NULL;
}

/* BUF = $ENV/LEAF, else ~/FALLBACK/LEAF. */
static int xdg_path(char *buf, size_t len, const char *env, const char *fallback, const char *leaf)
{
	const char *base = abs_env(env);
	int n;
	if (base) {
		n = snprintf(buf, len, "%s/%s", base, leaf);
	} else {
		const char *home = home_dir();
		if (!home)
			return -ENOENT;
		n = snprintf(buf, len, "%s/%s/%s", home, fallback, leaf);
	}
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

/* /run/user/UID, where pam_systemd puts $XDG_RUNTIME_DIR and the user
 * unit's %t is, when it is a directory of this user's: cron, su and ssh
 * without pam_systemd do not set the variable, yet the user's feedd
 * listens there. */
static bool user_runtime_dir(char *buf, size_t len)
{
	struct stat st;
	int n = snprintf(buf, len, "%s/%lu", PATHS_USER_RUNTIME, (unsigned long)geteuid());
	return n > 0 && (size_t)n < len && lstat(buf, &st) == 0 && S_ISDIR(st.st_mode) &&
	       st.st_uid == geteuid();
}

static int set(char *buf, size_t len, const char *dir, size_t dirlen, const char *leaf)
{
	int n = leaf ? snprintf(buf, len, "%.*s/%s", (int)dirlen, dir, leaf)
		     : snprintf(buf, len, "%.*s", (int)dirlen, dir);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int paths_daemon(struct paths *p)
{
	memset(p, 0, sizeof *p);
	/* A service that systemd gives its directories (the system unit, with
	 * DynamicUser=) is not a person's feedd, although it is not root. */
	p->user = geteuid() != 0 && !getenv("CONFIGURATION_DIRECTORY") &&
		  !getenv("STATE_DIRECTORY");
	snprintf(p->config, sizeof p->config, "%s", PATHS_SYSTEM_CONFIG);
	snprintf(p->state_dir, sizeof p->state_dir, "%s", PATHS_SYSTEM_STATE);
	snprintf(p->socket, sizeof p->socket, "%s", PATHS_SYSTEM_SOCKET);
	int r = 0, e;
	size_t n;
	const char *d;
	char rt[64];
	if ((d = systemd_dir("CONFIGURATION_DIRECTORY", &n)))
		e = set(p->config, sizeof p->config, d, n, "feeds.conf");
	else if (p->user)
		e = xdg_path(p->config, sizeof p->config, "XDG_CONFIG_HOME", ".config", "feedd/feeds.conf");
	else
		e = 0;
	r = r ? r : e;
	if ((d = systemd_dir("STATE_DIRECTORY", &n)))
		e = set(p->state_dir, sizeof p->state_dir, d, n, NULL);
	else if (p->user)
		e = xdg_path(p->state_dir, sizeof p->state_dir, "XDG_STATE_HOME", ".local/state", "feedd");
	else
		e = 0;
	r = r ? r : e;
	if ((d = systemd_dir("RUNTIME_DIRECTORY", &n)))
		e = set(p->socket, sizeof p->socket, d, n, "feedd.sock");
	else if (p->user && (d = abs_env("XDG_RUNTIME_DIR")))
		e = set(p->socket, sizeof p->socket, d, strlen(d), "feedd/feedd.sock");
	else if (p->user && user_runtime_dir(rt, sizeof rt))
		e = set(p->socket, sizeof p->socket, rt, strlen(rt), "feedd/feedd.sock");
	else
		e = 0;
	if (e < 0)
		snprintf(p->socket, sizeof p->socket, "%s", PATHS_SYSTEM_SOCKET);
	return r ? r : e;
}

int paths_client(struct paths *p)
{
	int r = paths_daemon(p);
	if (!p->user)
		return r;
	/* Without $XDG_RUNTIME_DIR and /run/user/UID the socket is already
	 * the system's: the daemon that answers is the system one, and so
	 * the configuration is its, not a per-user file no daemon reads. */
	bool own_socket = strcmp(p->socket, PATHS_SYSTEM_SOCKET) != 0;
	struct stat st;
	if (own_socket && (stat(p->socket, &st) == 0 || stat(p->config, &st) == 0))
		return r;
	if (stat(PATHS_SYSTEM_SOCKET, &st) == 0) {
		p->user = false;
		snprintf(p->config, sizeof p->config, "%s", PATHS_SYSTEM_CONFIG);
		snprintf(p->state_dir, sizeof p->state_dir, "%s", PATHS_SYSTEM_STATE);
		snprintf(p->socket, sizeof p->socket, "%s", PATHS_SYSTEM_SOCKET);
		return 0;
	}
	return r;
}

int paths_mkdirs(const char *dir, mode_t mode)
{
	char buf[4096];
	int n = snprintf(buf, sizeof buf, "%s", dir);
	if (n < 0 || (size_t)n >= sizeof buf)
		return -ENAMETOOLONG;
	for (char *s = buf + 1;; s++) {
		if (*s != '/' && *s)
			continue;
		char c = *s;
		*s = '\0';
		if (mkdir(buf, mode) < 0 && errno != EEXIST)
			return -errno;
		*s = c;
		if (!c)
			break;
	}
	struct stat st;
	if (stat(dir, &st) < 0)
		return -errno;
	return S_ISDIR(st.st_mode) ? 0 : -ENOTDIR;
}

int paths_group_gid(const char *name, gid_t *gid)
{
	/* getgrnam_r wants room for the member list: grow it on ERANGE. */
	for (size_t len = 4096; len <= (1u << 20); len *= 4) {
		char *buf = malloc(len);
		if (!buf)
			return -ENOMEM;
		struct group gr, *res = NULL;
		int r = getgrnam_r(name, &gr, buf, len, &res);
		if (r == 0 && res)
			*gid = gr.gr_gid;
		free(buf);
		if (r == ERANGE)
			continue;
		/* Not found is 0 with no result, or one of these (getgrnam(3)). */
		if (r == 0 || r == ENOENT || r == ESRCH || r == EBADF || r == EPERM)
			return res ? 0 : -ENOENT;
		return -r;
	}
	return -ERANGE;
}

const char *paths_group_problem(const char *name, char *why, size_t whylen)
{
	gid_t gid;
	int r = paths_group_gid(name, &gid);
	if (r == -ENOENT)
		return "no such group on this machine";
	if (r < 0) {
		snprintf(why, whylen, "cannot look the group up: %s", strerror(-r));
		return why;
	}
	return NULL;
}
