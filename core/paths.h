/* paths.h — where feedd and feedctl look when not told: one rule for both.
 *
 * Root (and a system service, which systemd tells through
 * $CONFIGURATION_DIRECTORY, $STATE_DIRECTORY and $RUNTIME_DIRECTORY) gets
 * the system's paths: /etc/feedd/feeds.conf, /var/lib/feedd,
 * /run/feedd/feedd.sock. Anyone else gets the XDG base directories:
 * $XDG_CONFIG_HOME/feedd/feeds.conf (else ~/.config/feedd/feeds.conf),
 * $XDG_STATE_HOME/feedd (else ~/.local/state/feedd) and
 * $XDG_RUNTIME_DIR/feedd/feedd.sock; without $XDG_RUNTIME_DIR (cron, su,
 * ssh without pam_systemd), /run/user/UID/feedd/feedd.sock when
 * /run/user/UID is a directory of the user's (where pam_systemd and the
 * user unit's %t put it), else the system socket, which is also what a
 * system service without RuntimeDirectory= gets. The systemd variables
 * win over both; relative XDG values are ignored, as the XDG
 * specification says.
 *
 * Plain data, no allocation: struct paths is the caller's. */
#ifndef FEEDD_PATHS_H
#define FEEDD_PATHS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define PATHS_SYSTEM_CONFIG "/etc/feedd/feeds.conf"
#define PATHS_SYSTEM_STATE  "/var/lib/feedd"
#define PATHS_SYSTEM_SOCKET "/run/feedd/feedd.sock"
#define PATHS_USER_RUNTIME  "/run/user"     /* + /UID: a user's runtime dir */

struct paths {
	bool user;              /* per-user mode: not root, and not a service
				 * with $CONFIGURATION_DIRECTORY or
				 * $STATE_DIRECTORY */
	char config[4096];
	char state_dir[4096];
	char socket[108];       /* sun_path's size */
};

/* The daemon's defaults. Returns 0, or -ENAMETOOLONG (a path would not
 * fit; the socket's limit is 107 bytes) or -ENOENT (no home directory)
 * with the system path left in that field. */
int paths_daemon(struct paths *p);

/* feedctl's defaults: the daemon's rule, except that a user who has
 * neither a per-user daemon (its socket) nor a per-user feeds.conf, or who
 * has no $XDG_RUNTIME_DIR to name a per-user socket in, on a machine where
 * the system daemon's socket exists, is pointed at the system daemon and
 * its feeds.conf, as before per-user mode existed. The socket and the
 * config are always a pair: the per-user ones, or the system's. */
int paths_client(struct paths *p);

/* mkdir -p DIR: missing directories are made with MODE. 0 or -errno. */
int paths_mkdirs(const char *dir, mode_t mode);

/* The id of the group NAME ([daemon] socket_group) on this machine, as
 * the socket is given to it. 0, -ENOENT (no such group) or -errno (the
 * group database could not be read). */
int paths_group_gid(const char *name, gid_t *gid);
/* Why NAME is no group here, or NULL (a config value's check,
 * core/config_int.h; WHY holds the message). */
const char *paths_group_problem(const char *name, char *why, size_t whylen);

#endif
