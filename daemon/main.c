/* main.c — feedd's command line: picks the mode and hands over to it. */
#include <getopt.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-journal.h>

#include "core/log.h"
#include "core/paths.h"
#include "core/storespec.h"
#include "daemon/parse_cli.h"
#include "daemon/run.h"
#include "store/store.h"
#ifdef FEEDD_HAVE_PG
#include "store/pg/migrate.h"
#endif

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: feedd [-c FILE] [--state-dir DIR] [--socket PATH] [--log-level LEVEL] [-v]\n"
		"             [--foreground]\n"
		"       feedd --once [-c FILE] [--state-dir DIR]\n"
		"       feedd --check-config [-c FILE]\n"
		"       feedd --help-config\n"
		"       feedd --parse [--sanitize] [--url URL] [--header \"Name: value\"]...\n"
		"                     [--max-size SIZE] FILE...\n"
		"       feedd --migrate-store FROM TO [--batch N]\n"
		"       feedd --version | --help\n"
		"\n"
		"Polls the feeds listed in FILE (default $CONFIGURATION_DIRECTORY/feeds.conf,\n"
		"else " PATHS_SYSTEM_CONFIG " for root and $XDG_CONFIG_HOME/feedd/feeds.conf\n"
		"for anyone else), stores every item once, and serves them over a Unix\n"
		"socket. Runs in the foreground; logs to stderr.\n"
		"\n"
		"  -c, --config FILE   the feeds.conf to read\n"
		"      --state-dir DIR where the store lives (overrides [daemon] state_dir)\n"
		"      --socket PATH   the API socket (overrides [daemon] socket)\n"
		"      --log-level LEVEL  err, warning, notice, info (default) or debug;\n"
		"                      overrides [daemon] log_level\n"
		"  -v, --verbose       --log-level debug\n"
		"      --foreground    accepted for clarity; feedd never forks\n"
		"      --once          fetch every enabled feed once, print a summary, exit\n"
		"                      (0 if every feed answered, 1 otherwise)\n"
		"      --check-config  validate the config and exit (0 ok, 2 errors)\n"
		"      --help-config   list every feeds.conf key: type, range, default, meaning\n"
		"      --parse         print what the parser sees in FILEs as JSON\n"
		"      --sanitize      (with --parse) its HTML as the reader API serves it\n"
		"      --migrate-store FROM TO  copy the SQLite store FROM (a .db file or a\n"
		"                      state directory) into the PostgreSQL store TO (a\n"
		"                      postgresql:// URI), N rows per transaction (1000);\n"
		"                      resumable, verified by counts (exit 0 when they match)\n"
		"  -V, --version       print the version\n"
		"\n"
		"Exit codes: 0 clean stop, 1 could not start, 2 usage or config error.\n"
		"See feedd(8) and feeds.conf(5).\n");
}

/* feedd [-v] --migrate-store FROM TO [--batch N]: its own arguments. */
static int migrate_store(int argc, char **argv)
{
	const char *pos[2] = {NULL, NULL};
	int npos = 0, batch = 0;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--migrate-store") == 0)
			continue;
		if (strcmp(argv[i], "-v") == 0 || strcmp(argv[i], "--verbose") == 0) {
			log_set_verbose(true);
		} else if (strcmp(argv[i], "--batch") == 0 && i + 1 < argc) {
			char *end;
			long n = strtol(argv[++i], &end, 10);
			if (*end || n < 1 || n > 1000000) {
				fprintf(stderr, "feedd: --batch takes 1 to 1000000 rows\n");
				return RUN_EXIT_CONFIG;
			}
			batch = (int)n;
		} else if (argv[i][0] != '-' && npos < 2) {
			pos[npos++] = argv[i];
		} else {
			fprintf(stderr, "feedd: --migrate-store: unexpected argument \"%s\"\n", argv[i]);
			return RUN_EXIT_CONFIG;
		}
	}
	if (npos != 2) {
		fprintf(stderr, "feedd: usage: feedd --migrate-store FROM TO [--batch N]\n");
		return RUN_EXIT_CONFIG;
	}
#ifdef FEEDD_HAVE_PG
	char *err = NULL;
	int r = store_migrate(pos[0], pos[1], batch, stdout, &err);
	if (r < 0) {
		fprintf(stderr, "feedd: --migrate-store: %s\n", err ? err : strerror(-r));
		free(err);
		return RUN_EXIT_FAILURE;
	}
	printf("done: the copy matches the source\n");
	return RUN_EXIT_OK;
#else
	(void)batch;
	fprintf(stderr, "feedd: this feedd was built without the PostgreSQL backend (libpq)\n");
	return RUN_EXIT_FAILURE;
#endif
}

static int check_config(const struct run_opts *o)
{
	struct config *c = NULL;
	struct config_errors errs = {0};
	if (run_load_config(o, &c, &errs) < 0) {
		for (size_t i = 0; i < errs.n; i++)
			fprintf(stderr, "%s\n", errs.msgs[i]);
		fprintf(stderr, "%s: %zu error%s\n", o->config_path, errs.n, errs.n == 1 ? "" : "s");
		config_errors_free(&errs);
		return RUN_EXIT_CONFIG;
	}
	size_t enabled = 0;
	for (size_t i = 0; i < c->nfeeds; i++)
		enabled += c->feeds[i].enabled;
	printf("%s: ok, %zu feed%s (%zu enabled)\n", o->config_path, c->nfeeds,
	       c->nfeeds == 1 ? "" : "s", enabled);
	/* With drop-ins: every file read, in the order read, and its feeds. */
	for (size_t i = 0; c->nfiles > 1 && i < c->nfiles; i++) {
		size_t n = 0;
		for (size_t k = 0; k < c->nfeeds; k++)
			n += c->feeds[k].file == i;
		printf("  read %s: %zu feed%s\n", c->files[i], n, n == 1 ? "" : "s");
	}
	config_free(c);
	return RUN_EXIT_OK;
}

int main(int argc, char **argv)
{
	enum { OPT_STATE = 256, OPT_SOCKET, OPT_CHECK, OPT_FG, OPT_ONCE, OPT_LOG_LEVEL,
	       OPT_HELP_CONFIG };
	static const struct option longopts[] = {
		{"config", required_argument, NULL, 'c'},
		{"state-dir", required_argument, NULL, OPT_STATE},
		{"socket", required_argument, NULL, OPT_SOCKET},
		{"verbose", no_argument, NULL, 'v'},
		{"log-level", required_argument, NULL, OPT_LOG_LEVEL},
		{"foreground", no_argument, NULL, OPT_FG},
		{"check-config", no_argument, NULL, OPT_CHECK},
		{"help-config", no_argument, NULL, OPT_HELP_CONFIG},
		{"once", no_argument, NULL, OPT_ONCE},
		{"version", no_argument, NULL, 'V'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	/* libcurl turns an internationalised host (bücher.example) into its
	 * ASCII form with libidn2, which reads it in the locale's charset:
	 * under a service's C locale every such feed failed ("URL using
	 * bad/illegal format"). Host names, feeds.conf and feeds are UTF-8
	 * here whatever the environment says; only the character type is
	 * set (numbers and messages stay C). */
	if (!setlocale(LC_CTYPE, "C.UTF-8"))
		setlocale(LC_CTYPE, "C.utf8");
	/* The config reader refuses a postgresql:// store as libpq reads it
	 * (the core links no libpq). */
	storespec_set_pg_check(store_pg_spec_problem);
	/* --parse has its own arguments (FILE..., --url, --header). */
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--parse") == 0)
			return parse_cli_main(argc, argv);
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--migrate-store") == 0)
			return migrate_store(argc, argv);
	static struct paths paths;
	int perr = paths_daemon(&paths);
	struct run_opts o = {.config_path = paths.config, .config_default = true, .log_level = -1};
	bool check = false;
	int opt;
	while ((opt = getopt_long(argc, argv, "c:vhV", longopts, NULL)) != -1) {
		switch (opt) {
		case 'c': o.config_path = optarg; o.config_default = false; break;
		case OPT_STATE: o.state_dir = optarg; break;
		case OPT_SOCKET: o.socket = optarg; break;
		case 'v': o.verbose = true; o.log_level = LOG_LVL_DEBUG; break;
		case OPT_LOG_LEVEL:
			if ((o.log_level = log_level_from_name(optarg)) < 0) {
				fprintf(stderr, "feedd: --log-level takes " LOG_LEVEL_NAMES "\n");
				return RUN_EXIT_CONFIG;
			}
			break;
		case OPT_FG: break;
		case OPT_CHECK: check = true; break;
		case OPT_ONCE: o.once = true; break;
		case 'V':
			printf("feedd %s\n", FEEDD_VERSION);
			return RUN_EXIT_OK;
		case 'h':
			usage(stdout);
			return RUN_EXIT_OK;
		case OPT_HELP_CONFIG:
			config_keys_help(stdout);
			return RUN_EXIT_OK;
		default:
			usage(stderr);
			return RUN_EXIT_CONFIG;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "feedd: unexpected argument \"%s\"\n", argv[optind]);
		usage(stderr);
		return RUN_EXIT_CONFIG;
	}
	if (o.log_level >= 0)
		log_set_level((enum log_level)o.log_level);
	log_set_journal_sender(sd_journal_sendv);
	if (perr < 0 && o.config_default) {
		fprintf(stderr, "feedd: no default path for this user (%s): set $HOME or the "
			"XDG_* variables, or use -c\n", strerror(-perr));
		return RUN_EXIT_CONFIG;
	}
	if (check)
		return check_config(&o);
	return run_daemon(&o);
}
