/* feedctl.h — what feedctl's command files share: options, the command
 * table, the call to the daemon, and a growing string. */
#ifndef FEEDCTL_H
#define FEEDCTL_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <time.h>

#include "cli/client.h"
#include "core/strbuf.h"

#include "core/paths.h"

/* The system daemon's paths; per-user ones come from core/paths.h. */
#define CTL_DEFAULT_SOCKET PATHS_SYSTEM_SOCKET
#define CTL_DEFAULT_CONFIG PATHS_SYSTEM_CONFIG

enum {
	CTL_EXIT_OK = 0,
	CTL_EXIT_NOTHING = 1,      /* `new`: nothing new; `add`: several found, none picked */
	CTL_EXIT_USAGE = 2,
	CTL_EXIT_UNREACHABLE = 3,  /* no daemon at the socket */
	CTL_EXIT_API = 4,          /* the daemon answered an error */
	CTL_EXIT_LOCAL = 5,        /* a file, the output, or a feed check failed */
};

struct ctl {
	const char *socket;
	struct paths paths;        /* the defaults (paths_client) */
	int timeout_ms;
	bool color;                /* stdout is a terminal and NO_COLOR is unset */
};
extern struct ctl ctl;

struct command {
	const char *name;
	int (*run)(const struct command *c, int argc, char **argv);
	const char *usage;
	const char *help;
};

void ctl_urlencode(struct strbuf *b, const char *s);

int ctl_call(const char *method, const char *target, const char *body, json_t **out,
	     struct client_resp *raw);
int ctl_unreachable(int err);
void ctl_usage_of(const struct command *c, FILE *out);
/* --json and --help, then between MINPOS and MAXPOS arguments: -1 to go
 * on, else the exit code (usage printed). */
int ctl_parse_json_opt(const struct command *c, int argc, char **argv, bool *json,
		       int minpos, int maxpos);
/* The same, with one more option, --ACTION VALUE (its last value in
 * *ACTION_ARG, else NULL). */
int ctl_parse_opts(const struct command *c, int argc, char **argv, bool *json, int minpos,
		   int maxpos, const char *action, const char **action_arg);
/* J to stdout, indented, then ctl_finish_output. */
int ctl_dump_json(json_t *j);
/* ctl_call(METHOD, TARGET) for a command with --json: a failed call's exit
 * code; with JSON, the answer printed (ctl_dump_json) and its exit code;
 * else -1, the answer in *OUT for the caller to print and free. */
int ctl_call_json(const char *method, const char *target, bool json, json_t **out);
/* Flushes stdout: 0, or CTL_EXIT_LOCAL after saying the output failed. */
int ctl_finish_output(void);
/* T as local ISO 8601 with the offset: "2026-12-06T16:07:45+01:00". */
void ctl_iso_local(time_t t, char *buf, size_t len);

int cmd_items(const struct command *c, int argc, char **argv);
int cmd_new(const struct command *c, int argc, char **argv);
int cmd_watch(const struct command *c, int argc, char **argv);
int cmd_feeds(const struct command *c, int argc, char **argv);
int cmd_feed(const struct command *c, int argc, char **argv);
int cmd_status(const struct command *c, int argc, char **argv);
int cmd_hooks(const struct command *c, int argc, char **argv);
int cmd_consumers(const struct command *c, int argc, char **argv);
int cmd_reader(const struct command *c, int argc, char **argv);
int cmd_read(const struct command *c, int argc, char **argv);
int cmd_star(const struct command *c, int argc, char **argv);
int cmd_refresh(const struct command *c, int argc, char **argv);
int cmd_reload(const struct command *c, int argc, char **argv);
int cmd_log_level(const struct command *c, int argc, char **argv);
int cmd_add(const struct command *c, int argc, char **argv);
int cmd_remove(const struct command *c, int argc, char **argv);
int cmd_rename(const struct command *c, int argc, char **argv);
int cmd_import(const struct command *c, int argc, char **argv);
int cmd_export(const struct command *c, int argc, char **argv);

#endif
