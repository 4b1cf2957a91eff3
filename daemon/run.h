/* run.h — how main.c starts feedd: the options from the command line and
 * the modes (daemon, --once, --check-config). Exit codes are documented in
 * feedd(8). */
#ifndef FEEDD_RUN_H
#define FEEDD_RUN_H

#include <stdbool.h>

#include "core/config.h"
#include "core/log.h"


enum {
	RUN_EXIT_OK = 0,
	RUN_EXIT_FAILURE = 1,   /* could not start (store, socket), or --once had failures */
	RUN_EXIT_CONFIG = 2,    /* usage error or a bad config file */
	RUN_EXIT_STORE_GONE = 3, /* the store file was deleted or replaced under the daemon */
};

struct run_opts {
	const char *config_path;
	bool config_default;     /* no -c: per-user mode may start without the file */
	const char *state_dir;   /* overrides [daemon] state_dir */
	const char *socket;      /* overrides [daemon] socket */
	bool verbose;
	int log_level;           /* --log-level (or -v: debug), -1 for none: wins over the file */
	bool once;               /* --once: fetch every feed once and exit */
};

/* Loads the config and applies the overrides and the default paths
 * (core/paths.h: the systemd directories, else the system's or the
 * user's). In per-user mode a missing default feeds.conf is an empty one. */
int run_load_config(const struct run_opts *o, struct config **out, struct config_errors *errs);
void run_log_config_errors(const struct config_errors *errs, enum log_level lvl);

/* The level C's [daemon] log_level asks for (OLD: the running config, on a
 * reload), unless the command line set one: changed only when the file's
 * value changed, so that a run-time change (POST /v1/log-level) lasts
 * until the file says otherwise. */
void run_apply_log_level(const struct run_opts *o, const struct config *old,
			 const struct config *c);

/* Runs the daemon until SIGTERM/SIGINT; returns the exit code. */
int run_daemon(const struct run_opts *o);

#endif
