/* feedctl.c — the command-line client of feedd: commands and their output. */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli/client.h"
#include "cli/feedctl.h"
#include "cli/fit.h"

/* --- shared state and helpers --- */

struct ctl ctl = {.timeout_ms = 30000};

/* No daemon at a per-user socket, and the system's is there: a user with
 * a stale ~/.config/feedd/feeds.conf (paths_client then keeps to the
 * per-user pair) is told where the system daemon is. */
static void hint_system_socket(void)
{
	struct stat st;
	if (strcmp(ctl.socket, PATHS_SYSTEM_SOCKET) == 0 || stat(PATHS_SYSTEM_SOCKET, &st) < 0 ||
	    !S_ISSOCK(st.st_mode))
		return;
	fprintf(stderr, "feedctl: the system's feedd has its socket at %s: feedctl --socket %s "
		"(or $FEEDD_SOCKET) talks to it", PATHS_SYSTEM_SOCKET, PATHS_SYSTEM_SOCKET);
	if (ctl.paths.user && strcmp(ctl.socket, ctl.paths.socket) == 0 &&
	    stat(ctl.paths.config, &st) == 0)
		fprintf(stderr, "; feedctl looks for a feedd of your own because %s exists "
			"(without it, it would use the system's)", ctl.paths.config);
	fputc('\n', stderr);
}

/* The connection was closed before a byte of an answer: a daemon that
 * exited (or was stopped) right away. Under systemd that is most often a
 * start that failed, which socket activation tries once per connection. */
static int say_no_answer(void)
{
	bool user = ctl.paths.user && strcmp(ctl.socket, ctl.paths.socket) == 0;
	const char *u = user ? " --user" : "";
	fprintf(stderr, "feedctl: feedd at %s closed the connection without an answer: it exited "
		"right away, or was stopped (a feeds.conf with errors stops it at start)\n",
		ctl.socket);
	fprintf(stderr, "feedctl: under systemd, journalctl%s -u feedd says why; once it is "
		"fixed: systemctl%s reset-failed feedd.socket feedd, then systemctl%s start "
		"feedd.socket feedd\n", u, u, u);
	return CTL_EXIT_UNREACHABLE;
}

int ctl_unreachable(int err)
{
	if (err == -ECONNRESET)
		return say_no_answer();
	fprintf(stderr, "feedctl: cannot reach feedd at %s: %s\n", ctl.socket, strerror(-err));
	if ((err == -ENOENT || err == -ECONNREFUSED) && ctl.paths.user &&
	    strcmp(ctl.socket, ctl.paths.socket) == 0) {
		fprintf(stderr, "feedctl: is your feedd running? (systemctl --user status "
			"feedd.socket; feedd(8), PER-USER MODE); another socket: --socket PATH or "
			"$FEEDD_SOCKET\n");
		hint_system_socket();
	} else if (err == -ENOENT || err == -ECONNREFUSED) {
		fprintf(stderr, "feedctl: is the daemon running? (systemctl status feedd, or start "
			"it with tools/try); another socket: --socket PATH or $FEEDD_SOCKET\n");
		hint_system_socket();
	} else if (err == -EACCES && getenv("MAINPID"))
		/* systemd sets $MAINPID for a unit's control commands only: this
		 * is ExecReload=, run as the service's user, whose groups are the
		 * unit's SupplementaryGroups=. */
		fprintf(stderr, "feedctl: no permission on the socket for the service's user "
			"(this is a command of the unit, such as ExecReload=): a socket whose "
			"group was changed (SocketGroup= in a drop-in of feedd.socket) needs "
			"SupplementaryGroups=GROUP in a drop-in of feedd.service too (systemctl "
			"edit feedd; docs/operations.md, \"Who may use the socket\")\n");
	else if (err == -EACCES)
		fprintf(stderr, "feedctl: no permission on the socket: add yourself to its group "
			"(ls -l %s), then log in again\n", ctl.socket);
	return CTL_EXIT_UNREACHABLE;
}

/* Sends a request; on success *out holds a 2xx JSON answer (or NULL for a
 * non-JSON body when RAW is given). Prints the error and returns the exit
 * code otherwise. */
int ctl_call(const char *method, const char *target, const char *body, json_t **out,
	     struct client_resp *raw)
{
	struct client_resp r;
	int err = client_request(ctl.socket, method, target, body, body ? strlen(body) : 0,
				 ctl.timeout_ms, &r);
	if (err == -ETIMEDOUT) {
		fprintf(stderr, "feedctl: feedd did not answer %s %s in time\n", method, target);
		return CTL_EXIT_UNREACHABLE;
	}
	if (err < 0)
		return ctl_unreachable(err);
	if (r.status < 200 || r.status > 299) {
		char buf[512];
		json_t *j = json_loads(r.body, 0, NULL);
		json_t *detail = j ? json_object_get(j, "detail") : NULL;
		/* "unknown feed: nosuch": the detail says which. */
		const char *what = json_string_value(detail);
		if (what && *what)
			fprintf(stderr, "feedctl: %s: %s\n", client_error_text(&r, buf, sizeof buf),
				what);
		else
			fprintf(stderr, "feedctl: %s\n", client_error_text(&r, buf, sizeof buf));
		size_t i;
		json_t *v;
		if (json_is_array(detail))
			json_array_foreach(detail, i, v)
				if (json_is_string(v))
					fprintf(stderr, "  %s\n", json_string_value(v));
		json_decref(j);
		client_resp_clear(&r);
		return CTL_EXIT_API;
	}
	if (raw) {
		*raw = r;
		return 0;
	}
	json_error_t jerr;
	json_t *j = json_loads(r.body, 0, &jerr);
	client_resp_clear(&r);
	if (!j) {
		fprintf(stderr, "feedctl: feedd's answer is not JSON: %s\n", jerr.text);
		return CTL_EXIT_API;
	}
	if (out)
		*out = j;
	else
		json_decref(j);
	return 0;
}

/* Percent-encodes S for a query string or a path segment. */
void ctl_urlencode(struct strbuf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
		if ((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
		    *c == '-' || *c == '_' || *c == '.' || *c == '~') {
			strbuf_putc(b, (char)*c);
		} else {
			strbuf_putc(b, '%');
			strbuf_putc(b, hex[*c >> 4]);
			strbuf_putc(b, hex[*c & 15]);
		}
	}
}

/* --- the command table --- */

static const struct command commands[] = {
	{"items",   cmd_items,   "[FILTERS] [--after ID] [--limit N] [--json|--ndjson|--tsv]",
	 "list stored items"},
	{"read",    cmd_read,    "ID... [--unread] [--json]",
	 "mark items read (--unread: unread again); consumers' cursors do not move"},
	{"star",    cmd_star,    "ID... [--unstar] [--json]",
	 "star items (kept by retention), or --unstar them"},
	{"new",     cmd_new,     "CONSUMER [FILTERS] [--peek] [--from-now] [--limit N] [--json|--ndjson|--tsv]",
	 "print what CONSUMER has not seen, then acknowledge it"},
	{"watch",   cmd_watch,   "[FILTERS] [--after ID] [--json]",
	 "follow new items until interrupted"},
	{"feeds",   cmd_feeds,   "[--json]", "list the feeds and their state"},
	{"feed",    cmd_feed,    "NAME [--json]", "everything feedd knows about a feed"},
	{"status",  cmd_status,  "[--json]", "the daemon's figures"},
	{"refresh", cmd_refresh, "[NAME...] [--wait] [--json]",
	 "fetch feeds now (all without a NAME); --wait for the results"},
	{"reload",  cmd_reload,  "[--json]", "re-read feeds.conf"},
	{"hooks",   cmd_hooks,   "[FEED] [--json] | retry [FEED] [--json]",
	 "list parked (failed) hook deliveries; retry runs them again"},
	{"consumers", cmd_consumers, "[--delete NAME] [--json]",
	 "list the consumers: position, lag (items not acknowledged), last acknowledgement; "
	 "--delete one"},
	{"reader", cmd_reader, "tokens [--revoke ID] [--json]",
	 "list the Google Reader API's login tokens (user, made, last used); --revoke one"},
	{"log-level", cmd_log_level, "[LEVEL] [--json]",
	 "show or set the daemon's log level (err warning notice info debug)"},
	{"add",     cmd_add,     "URL [--pick N | --all] [--name NAME] [--tag T]... [--interval D] "
	 "[--file NAME] [--allow-private] [--config FILE]",
	 "check a feed (or find a site's) and add it to feeds.conf"},
	{"remove",  cmd_remove,  "NAME [--config FILE]", "remove a feed from feeds.conf"},
	{"rename",  cmd_rename,  "OLD NEW [--config FILE]",
	 "rename a feed in feeds.conf and in feedd's store, keeping its items"},
	{"import",  cmd_import,  "FILE.opml [--file NAME] [--allow-private] [--config FILE]", "add the feeds of an OPML file"},
	{"export",  cmd_export,  "[--config FILE]", "print the feeds as OPML 2.0"},
};
#define NCOMMANDS (sizeof commands / sizeof commands[0])

static const struct command *ctl_command(const char *name)
{
	for (size_t i = 0; i < NCOMMANDS; i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

void ctl_usage_of(const struct command *c, FILE *out)
{
	fprintf(out, "Usage: feedctl %s %s\n%s.\n", c->name, c->usage, c->help);
	if (strstr(c->usage, "FILTERS"))
		fprintf(out, "\nFILTERS: --feed NAME (repeatable) --tag T --search TEXT "
			"--since DATE --distinct --skipped\n         --unread --starred\n");
	if (strstr(c->usage, "--pick"))
		fprintf(out, "\nGiven a web page, add finds the feeds it announces (else one at a "
			"well-known\npath of its site); several are listed, numbered, and none "
			"is added unless\n--pick N (the Nth) or --all is given.\n");
	if (strstr(c->usage, "--config"))
		fprintf(out, "\n--config FILE: the feeds.conf to edit (default $FEEDD_CONFIG, "
			"else %s)\n", ctl.paths.config);
}

/* The reader of stdout went away (`feedctl feeds | head -1`): what is left
 * to print has no one to read it, and a Unix tool then exits quietly, with
 * 0. A SIGPIPE from anything else (stderr) is ignored: the write fails with
 * EPIPE as before. The API socket never raises it (MSG_NOSIGNAL). */
static void on_sigpipe(int sig)
{
	(void)sig;
	struct pollfd p = {.fd = STDOUT_FILENO, .events = POLLOUT};
	if (poll(&p, 1, 0) == 1 && (p.revents & POLLERR))
		_exit(CTL_EXIT_OK);
}

static void usage(FILE *out)
{
	fprintf(out, "Usage: feedctl [--socket PATH] [--timeout SECONDS] COMMAND [ARGS]\n"
		"       feedctl --version | --help\n"
		"(--socket and --timeout may also come after the command)\n\n"
		"Commands:\n");
	for (size_t i = 0; i < NCOMMANDS; i++)
		fprintf(out, "  %-9s %s\n", commands[i].name, commands[i].help);
	fprintf(out, "  %-9s %s\n", "help", "this text, or a command's options (help COMMAND)");
	fprintf(out, "\n`feedctl help COMMAND` (or COMMAND --help) for its options. The socket is\n"
		"--socket PATH, else $FEEDD_SOCKET, else %s\n"
		"(root: " CTL_DEFAULT_SOCKET "; others: $XDG_RUNTIME_DIR/feedd/feedd.sock).\n\n"
		"Exit codes: 0 ok, 1 nothing new (new) or several feeds, none picked (add),\n"
		"2 usage, 3 feedd unreachable, 4 feedd answered an error, 5 local error\n"
		"(file, output, feed check).\n"
		"See feedctl(1).\n", ctl.paths.socket);
}

/* `feedctl help [COMMAND]`: what --help prints. */
static int help(int argc, char **argv)
{
	if (argc < 2) {
		usage(stdout);
		return CTL_EXIT_OK;
	}
	if (argc == 2 && strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return CTL_EXIT_OK;
	}
	const struct command *c = ctl_command(argv[1]);
	if (!c || argc > 2) {
		fprintf(stderr, "feedctl: help: %s \"%s\"; the commands:\n",
			c ? "one command at a time, not" : "no command", argv[c ? 2 : 1]);
		for (size_t i = 0; i < NCOMMANDS; i++)
			fprintf(stderr, "  %s\n", commands[i].name);
		return CTL_EXIT_USAGE;
	}
	ctl_usage_of(c, stdout);
	return CTL_EXIT_OK;
}

/* A global option's value: --socket PATH, --timeout SECONDS. Returns 0,
 * or the exit code of a bad value. */
static int global_opt(int opt, const char *arg)
{
	if (opt == 's') {
		ctl.socket = arg;
		return 0;
	}
	char *end;
	long t = strtol(arg, &end, 10);
	if (*end || t <= 0 || t > 3600) {
		fprintf(stderr, "feedctl: --timeout takes seconds (1-3600)\n");
		return CTL_EXIT_USAGE;
	}
	ctl.timeout_ms = (int)t * 1000;
	return 0;
}

/* Takes the global options out of a command's arguments, wherever they
 * are (as git does): --socket PATH, --socket=PATH, --timeout S,
 * --timeout=S, up to a "--". Returns -1 to go on, or an exit code. */
static int take_global_opts(int *argc, char **argv)
{
	static const struct { const char *name; int opt; } g[] = {
		{"--socket", 's'}, {"--timeout", 't'},
	};
	int out = 1;
	for (int i = 1; i < *argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--") == 0) {
			while (i < *argc)
				argv[out++] = argv[i++];
			break;
		}
		bool taken = false;
		for (size_t k = 0; k < sizeof g / sizeof g[0] && !taken; k++) {
			size_t n = strlen(g[k].name);
			if (strncmp(a, g[k].name, n) != 0 || (a[n] != '\0' && a[n] != '='))
				continue;
			const char *val = a[n] == '=' ? a + n + 1 : NULL;
			if (!val) {
				if (i + 1 >= *argc) {
					fprintf(stderr, "feedctl: %s needs a value\n", g[k].name);
					return CTL_EXIT_USAGE;
				}
				val = argv[++i];
			}
			int code = global_opt(g[k].opt, val);
			if (code)
				return code;
			taken = true;
		}
		if (!taken)
			argv[out++] = argv[i];
	}
	argv[out] = NULL;
	*argc = out;
	return -1;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"socket", required_argument, NULL, 's'},
		{"timeout", required_argument, NULL, 't'},
		{"version", no_argument, NULL, 'V'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	struct sigaction sa = {.sa_handler = on_sigpipe};
	sigaction(SIGPIPE, &sa, NULL);
	(void)fit_utf8_locale();
	const char *env = getenv("FEEDD_SOCKET");
	(void)paths_client(&ctl.paths);   /* what it cannot fill stays the system's */
	ctl.socket = env && *env ? env : ctl.paths.socket;
	const char *nc = getenv("NO_COLOR");
	ctl.color = isatty(STDOUT_FILENO) && !(nc && *nc);
	int opt;
	/* "+": stop at the command; its own options are parsed by it. */
	while ((opt = getopt_long(argc, argv, "+s:t:hV", longopts, NULL)) != -1) {
		switch (opt) {
		case 's':
		case 't': {
			int code = global_opt(opt, optarg);
			if (code)
				return code;
			break;
		}
		case 'V':
			printf("feedctl %s\n", FEEDD_VERSION);
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return CTL_EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return CTL_EXIT_USAGE;
	}
	if (strcmp(argv[optind], "help") == 0)
		return help(argc - optind, argv + optind);
	const struct command *c = ctl_command(argv[optind]);
	if (!c) {
		fprintf(stderr, "feedctl: unknown command \"%s\"\n", argv[optind]);
		usage(stderr);
		return CTL_EXIT_USAGE;
	}
	int cargc = argc - optind;
	char **cargv = argv + optind;
	int code = take_global_opts(&cargc, cargv);
	if (code >= 0)
		return code;
	optind = 0;   /* glibc: 0 re-initialises getopt for the command's own options */
	return c->run(c, cargc, cargv);
}
