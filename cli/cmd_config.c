/* cmd_config.c — feedctl add, remove, import, export: feeds.conf edited as
 * text (every other byte kept), validated before it is written, written
 * atomically, then the daemon asked to reload. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <jansson.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/discover_add.h"
#include "cli/feedctl.h"
#include "core/conf_edit.h"
#include "core/config.h"
#include "core/opml.h"

#define ADD_MAX_TAGS  64

static const char *config_path(const char *opt)
{
	const char *env = getenv("FEEDD_CONFIG");
	return opt ? opt : env && *env ? env : ctl.paths.config;
}

/* Whether the daemon would let a feed added to CONF reach a private
 * address: a new section takes [defaults]; with a proxy every connect
 * goes to the proxy the user named and the policy does not apply. */
static bool add_allows_private(const struct config *conf)
{
	return conf->defaults.allow_private || conf->defaults.proxy;
}

/* --- the config files --- */

/* The configuration as read: the main file and its drop-ins, and the one
 * an edit writes (the target). */
struct conf_file {
	const char *path;        /* the main file */
	struct config_source *src;
	size_t n;
	size_t target;           /* index into SRC */
	bool fresh;              /* the target did not exist: made, with its
				  * directory, at commit */
	struct config *conf;     /* all the files, parsed */
	int lock;                /* conf_lock's, held from the read to the write */
};

/* How long an edit waits for another one to finish. */
#define CONF_LOCK_WAIT_MS 60000   /* past an add's fetches (DISCOVER_FETCH_TIMEOUT) */

#define CONF_NEW_HEADER \
	"# feeds.conf — the feeds feedd polls, one [feed NAME] section each;\n" \
	"# [daemon] and [defaults] sections set the rest (see feeds.conf(5)).\n" \
	"# Edit it by hand or with feedctl add/remove/import; then `feedctl reload`.\n"

#define CONF_DROPIN_HEADER \
	"# %s — feeds read after feeds.conf, [feed NAME] sections only\n" \
	"# (see feeds.conf(5)). Edit it by hand or with feedctl add/remove/import\n" \
	"# --file; then `feedctl reload`.\n"

static void print_errors(const struct config_errors *errs)
{
	for (size_t i = 0; i < errs->n; i++)
		fprintf(stderr, "  %s\n", errs->msgs[i]);
}

/* --file NAME: the drop-in NAME (".conf" added when missing) of the main
 * file PATH, into *OUT (the caller's to free). Returns 0 or an exit code. */
static int dropin_path(const char *path, const char *name, char **out)
{
	char why[64];
	const char *bad = !*name ? "is empty" : strchr(name, '/') ? "contains a slash" :
			  name[0] == '.' ? "starts with a dot (the reader passes over those)" :
			  strlen(name) > 200 ? "is longer than 200 bytes" :
			  config_control_problem(name, why, sizeof why);
	if (bad) {
		char q[200];
		conf_quote(name, q, sizeof q);
		fprintf(stderr, "feedctl: --file %s %s; nothing written\n", q, bad);
		return CTL_EXIT_USAGE;
	}
	size_t n = strlen(name), e = strlen(CONFIG_DROPIN_EXT);
	bool ext = n > e && strcmp(name + n - e, CONFIG_DROPIN_EXT) == 0;
	if (asprintf(out, "%s%s/%s%s", path, CONFIG_DROPIN_SUFFIX, name,
		     ext ? "" : CONFIG_DROPIN_EXT) < 0) {
		*out = NULL;
		return CTL_EXIT_LOCAL;
	}
	return 0;
}

/* Makes DROPIN the target: the file read, or, when there is none, a new
 * one with a header, in the place the reader will find it. */
static int conf_target_dropin(struct conf_file *f, char *dropin)
{
	size_t at = 1;
	while (at < f->n && strcmp(f->src[at].name, dropin) < 0)
		at++;
	if (at < f->n && strcmp(f->src[at].name, dropin) == 0) {
		f->target = at;
		free(dropin);
		return 0;
	}
	struct config_source *src = realloc(f->src, (f->n + 1) * sizeof *src);
	if (!src) {
		free(dropin);
		return CTL_EXIT_LOCAL;
	}
	f->src = src;
	memmove(&src[at + 1], &src[at], (f->n - at) * sizeof *src);
	f->n++;
	const char *base = strrchr(dropin, '/') + 1;
	src[at].name = dropin;
	if (asprintf(&src[at].text, CONF_DROPIN_HEADER, base) < 0) {
		src[at].text = NULL;
		return CTL_EXIT_LOCAL;
	}
	src[at].len = strlen(src[at].text);
	f->target = at;
	f->fresh = true;
	return 0;
}

/* Reads and validates the main file PATH and its drop-ins; a missing main
 * file counts as empty for add and import (CREATE). The target is FILE's
 * drop-in (--file), else the main file. */
static int conf_open(struct conf_file *f, const char *path, bool create, const char *file)
{
	memset(f, 0, sizeof *f);
	f->path = path;
	/* Two edits at once would each write what it read: the later
	 * rename would drop the other's change. */
	f->lock = conf_lock(path, CONF_LOCK_WAIT_MS);
	if (f->lock < -1) {
		fprintf(stderr, "feedctl: cannot lock %s for an edit: %s\n", path,
			f->lock == -EWOULDBLOCK ? "another edit held it for a minute"
						: strerror(-f->lock));
		return CTL_EXIT_LOCAL;
	}
	struct config_errors errs = {0};
	if (config_read_sources(path, create ? CONFIG_MAIN_OPTIONAL : 0, &f->src, &f->n, &errs) < 0) {
		for (size_t i = 0; i < errs.n; i++)
			fprintf(stderr, "feedctl: %s\n", errs.msgs[i]);
		config_errors_free(&errs);
		conf_unlock(f->lock);
		return CTL_EXIT_LOCAL;
	}
	int code = 0;
	if (!f->src[0].text) {
		/* A first `feedctl add` on a fresh account starts the file. */
		f->src[0].text = strdup(CONF_NEW_HEADER);
		f->src[0].len = strlen(CONF_NEW_HEADER);
		f->fresh = true;
	}
	if (file) {
		char *dropin = NULL;
		f->fresh = false;
		if (!(code = dropin_path(path, file, &dropin)))
			code = conf_target_dropin(f, dropin);
	}
	if (!code && config_parse_sources(f->src, f->n, &f->conf, &errs) < 0) {
		fprintf(stderr, "feedctl: %s%s has errors; fix them first:\n", path,
			f->n > 1 ? " (with its drop-ins)" : "");
		print_errors(&errs);
		config_errors_free(&errs);
		code = CTL_EXIT_LOCAL;
	}
	if (code) {
		config_sources_free(f->src, f->n);
		f->src = NULL;
		conf_unlock(f->lock);
		f->lock = -1;
	}
	return code;
}

static const char *conf_target_path(const struct conf_file *f)
{
	return f->src[f->target].name;
}

/* A link whose target does not exist yet is where add and import make
 * the file; its directory they do not make (a dotfiles directory not
 * there is a mistake to say, not to paper over). Returns 0 or an exit
 * code after saying why. */
static int conf_check_link(const char *path)
{
	struct stat st;
	char to[PATH_MAX];
	if (lstat(path, &st) < 0 || !S_ISLNK(st.st_mode) || stat(path, &st) == 0)
		return 0;
	int r = conf_link_target(path, to, sizeof to);
	if (r == 0) {
		char *slash = strrchr(to, '/');
		if (!slash || slash == to)
			return 0;
		*slash = '\0';
		if (stat(to, &st) == 0 && S_ISDIR(st.st_mode))
			return 0;
		fprintf(stderr, "feedctl: %s is a link to %s/%s, and the link's target directory "
			"%s is missing; nothing changed\n", path, to, slash + 1, to);
	} else {
		fprintf(stderr, "feedctl: cannot follow the link %s: %s; nothing changed\n", path,
			strerror(-r));
	}
	return CTL_EXIT_LOCAL;
}

/* Whether PATH is the system daemon's feeds.conf or one of its drop-ins:
 * a file of one's own (--config) would not be read by that daemon. */
static bool is_system_config(const char *path)
{
	size_t n = strlen(PATHS_SYSTEM_CONFIG);
	return strncmp(path, PATHS_SYSTEM_CONFIG, n) == 0 &&
	       (!path[n] || strncmp(path + n, CONFIG_DROPIN_SUFFIX "/",
				    strlen(CONFIG_DROPIN_SUFFIX "/")) == 0);
}

/* Says why PATH cannot be edited, the one way every editing command says
 * it, whether found before the edit or by the write itself (ERR, a
 * negative errno): for a permission (or a read-only file system), which
 * of the file and the directory it is replaced in is read-only for this
 * user, with its mode; then WHAT ("nothing changed", ...). */
static void say_not_writable(const char *path, int err, const char *what)
{
	unsigned mode = 0;
	char dir[PATH_MAX];
	if (err == -EACCES || err == -EPERM || err == -EROFS) {
		if (conf_writable(path, &mode) == -EACCES) {
			fprintf(stderr, "feedctl: %s is read-only for you (mode %04o); %s\n", path,
				mode, what);
			return;
		}
		if (conf_dir_writable(path, dir, sizeof dir, &mode) == -EACCES) {
			fprintf(stderr, "feedctl: %s is in %s, a directory read-only for you (mode "
				"%04o): an edit writes a new file there and renames it over the old; "
				"run feedctl as a user who may write there%s; %s\n", path, dir, mode,
				is_system_config(path) ? "" :
				", or keep feeds.conf in a directory of yours (--config)", what);
			return;
		}
	}
	fprintf(stderr, "feedctl: cannot write %s: %s; %s\n", path, strerror(-err), what);
}

/* The target's directory DIR does not exist yet (a fresh account, a drop-in
 * directory, /etc/feedd on a system configured elsewhere): whether this
 * user may make it, judged by the nearest directory above that exists.
 * Returns 0, or an exit code after saying why not. */
static int conf_check_new_dir(const char *path, const char *dir)
{
	char up[PATH_MAX];
	struct stat st;
	if (snprintf(up, sizeof up, "%s", dir) >= (int)sizeof up)
		return 0;
	for (;;) {
		char *slash = strrchr(up, '/');
		if (!slash)
			return 0;
		slash[slash == up] = '\0';   /* "/etc" goes up to "/" */
		if (stat(up, &st) == 0)
			break;
		if (errno != ENOENT || slash == up)
			return 0;             /* the write will say what is wrong */
	}
	if (faccessat(AT_FDCWD, up, W_OK | X_OK, AT_EACCESS) == 0)
		return 0;
	fprintf(stderr, "feedctl: %s is in %s, which does not exist, and %s, where it would "
		"be made, is read-only for you (mode %04o); nothing changed\n", path, dir, up,
		(unsigned)(st.st_mode & 07777));
	return CTL_EXIT_LOCAL;
}

/* After a refusal of PATH: when it is the system daemon's configuration
 * and this user is not root, that is why, and what to do instead. */
static void say_system_config(const char *main)
{
	if (geteuid() == 0 || !is_system_config(main))
		return;
	fprintf(stderr, "feedctl: %s is the configuration of the system's feedd", main);
	if (!ctl.paths.user)
		fprintf(stderr, ", which feedctl talks to (%s) since you run no feedd of your "
			"own", ctl.paths.socket);
	fprintf(stderr, ": change it as root (sudo feedctl ...) or ask who runs that feedd; "
		"a feedd of your own would read a file of yours (feedd(8), PER-USER MODE)\n");
}

/* Refuses a target this user may not write before anything is fetched
 * or changed: replacing it through a new file renamed over it would
 * succeed in a directory they can write, and undo the chmod that said to
 * leave it alone; and it fails in a directory they cannot write. Returns
 * 0 or an exit code after saying why. */
static int conf_check_target(const struct conf_file *f)
{
	const char *path = conf_target_path(f);
	unsigned mode = 0;
	char dir[PATH_MAX];
	struct stat st;
	int r = conf_check_link(path);
	if (r)
		return r;
	r = conf_writable(path, &mode);
	if (!r)
		r = conf_dir_writable(path, dir, sizeof dir, &mode);
	if (r < 0) {
		say_not_writable(path, r, "nothing changed");
		say_system_config(f->path);
		return CTL_EXIT_LOCAL;
	}
	if (stat(dir, &st) < 0 && errno == ENOENT && (r = conf_check_new_dir(path, dir))) {
		say_system_config(f->path);
		return r;
	}
	return 0;
}

static void conf_close(struct conf_file *f)
{
	config_sources_free(f->src, f->n);
	config_free(f->conf);
	conf_unlock(f->lock);
	f->lock = -1;
}

/* Whether WANT (a real path) is a drop-in of the main file MAIN: a
 * NAME.conf, not hidden, right in MAIN's drop-in directory. The daemon
 * reads every one of those at its next reload, so a drop-in it does not
 * list yet (one just made) is still its configuration. */
static bool is_dropin_of(const char *want, const char *main)
{
	char dir[PATH_MAX], have[PATH_MAX];
	const char *slash = strrchr(want, '/');
	if (!slash || (size_t)(slash - want) >= sizeof dir)
		return false;
	const char *name = slash + 1;
	size_t n = strlen(name), e = strlen(CONFIG_DROPIN_EXT);
	if (name[0] == '.' || n <= e || strcmp(name + n - e, CONFIG_DROPIN_EXT) != 0)
		return false;
	if (snprintf(dir, sizeof dir, "%s%s", main, CONFIG_DROPIN_SUFFIX) >= (int)sizeof dir ||
	    !realpath(dir, have))
		return false;
	memcpy(dir, want, (size_t)(slash - want));
	dir[slash - want] = '\0';
	return strcmp(dir, have) == 0;
}

/* Whether the daemon at the socket reads PATH (its /v1/status lists its
 * configuration's files, the main one first; a drop-in of that main file
 * counts though not listed yet, also when it is found through MAIN, the
 * main file as named here, a link to the daemon's): 1 yes, 0 no (*FILES
 * then names them), -1 when it cannot tell (no daemon, an older one). */
static int daemon_reads(const char *path, const char *main, char *files, size_t size)
{
	struct client_resp resp;
	if (client_request(ctl.socket, "GET", "/v1/status", NULL, 0, ctl.timeout_ms, &resp) < 0)
		return -1;
	json_t *st = resp.status == 200 ? json_loadb(resp.body, resp.len, 0, NULL) : NULL;
	client_resp_clear(&resp);
	json_t *list = json_object_get(st, "config_files");
	if (!json_is_array(list) || !json_array_size(list)) {
		json_decref(st);
		return -1;
	}
	char want[PATH_MAX], have[PATH_MAX], mine[PATH_MAX];
	if (!realpath(path, want))
		snprintf(want, sizeof want, "%s", path);
	if (!realpath(main, mine))
		snprintf(mine, sizeof mine, "%s", main);
	int reads = 0;
	size_t i, n = 0;
	json_t *v;
	files[0] = '\0';
	json_array_foreach(list, i, v) {
		const char *f = json_string_value(v);
		if (!f)
			continue;
		if (!realpath(f, have))
			snprintf(have, sizeof have, "%s", f);
		if (!strcmp(have, want))
			reads = 1;
		else if (i == 0 && (is_dropin_of(want, have) ||
				    (!strcmp(have, mine) && is_dropin_of(want, main))))
			reads = 1;
		n += (size_t)snprintf(files + n, n < size ? size - n : 0, "%s%s", i ? ", " : "", f);
	}
	json_decref(st);
	return reads;
}

/* Why the daemon at the socket was not asked to reload PATH, from the
 * connect's ERR. Only no socket or no listener (ENOENT, ECONNREFUSED)
 * means no daemon; EACCES is one running that this user may not talk to
 * (root's, its socket 0660 root:root), which reads its own files. */
static void say_not_reloaded(int err, const char *path)
{
	if (err == -ENOENT || err == -ECONNREFUSED)
		printf("feedd is not running at %s; it will read %s when it starts\n", ctl.socket,
		       path);
	else if (err == -ECONNRESET)
		printf("feedd at %s closed the connection without an answer (it exited right away: "
		       "journalctl -u feedd says why): %s is edited; feedctl reload puts it in force "
		       "once feedd runs\n", ctl.socket, path);
	else if (err == -EACCES || err == -EPERM)
		printf("feedd at %s is not reachable for this user (permission denied): %s is "
		       "edited, not in force there; add yourself to the socket's group (ls -l "
		       "%s), or run your own feedd (XDG_RUNTIME_DIR set, or --socket PATH)\n",
		       ctl.socket, path, ctl.socket);
	else
		printf("feedd at %s could not be asked to reload (%s): %s is edited; "
		       "feedctl reload puts it in force\n", ctl.socket, strerror(-err), path);
}

/* Writes NEW_TEXT (from conf_edit_finish, which checked it with the other
 * files) to the target atomically, and asks the daemon to reload (which is
 * fine to miss: a daemon that is not running reads it at start). */
static int conf_commit(struct conf_file *f, const char *new_text)
{
	const char *path = conf_target_path(f);
	int r = 0;
	char *dir = strdup(path), *slash = dir ? strrchr(dir, '/') : NULL;
	if (f->fresh && slash && slash != dir) {
		*slash = '\0';
		r = paths_mkdirs(dir, 0755);
		if (r < 0)
			fprintf(stderr, "feedctl: cannot make %s: %s\n", dir, strerror(-r));
	}
	free(dir);
	if (r < 0)
		return CTL_EXIT_LOCAL;
	r = conf_write_atomic(path, new_text, strlen(new_text));
	if (r < 0) {
		say_not_writable(path, r, "nothing changed");
		return CTL_EXIT_LOCAL;
	}
	/* A daemon that reads another configuration would reload its own
	 * and say so: the edit would seem in force, and is not. */
	char files[2048];
	if (daemon_reads(path, f->src[0].name, files, sizeof files) == 0) {
		printf("feedd at %s reads %s, not %s: edited, not in force there\n", ctl.socket,
		       files, path);
		return 0;
	}
	struct client_resp resp;
	r = client_request(ctl.socket, "POST", "/v1/reload", NULL, 0, ctl.timeout_ms, &resp);
	if (r < 0) {
		say_not_reloaded(r, path);
		return 0;
	}
	int code = 0;
	if (resp.status != 200) {
		char buf[512];
		fprintf(stderr, "feedctl: feedd did not reload: %s\n",
			client_error_text(&resp, buf, sizeof buf));
		code = CTL_EXIT_API;
	} else {
		printf("feedd reloaded %s\n", path);
	}
	client_resp_clear(&resp);
	return code;
}

/* The option or argument of `add` a refused field came from. */
static const char *add_field_label(enum conf_field f)
{
	switch (f) {
	case CONF_FIELD_NAME: return "--name";
	case CONF_FIELD_URL: return "URL";
	case CONF_FIELD_TAG: return "--tag";
	case CONF_FIELD_INTERVAL: return "--interval";
	default: return conf_field_name(f);
	}
}

/* "feedctl: --tag "a\nexec = …" contains a newline; nothing written", or
 * the file's errors, one an indented line. */
static void print_edit_error(const struct conf_edit_error *e, const char *label)
{
	if (e->field == CONF_FIELD_FILE) {
		fputs("feedctl: ", stderr);
		for (const char *m = e->msg; *m; m++) {
			fputc(*m, stderr);
			if (*m == '\n')
				fputs("  ", stderr);
		}
		fputc('\n', stderr);
	} else {
		fprintf(stderr, "feedctl: %s %s %s; nothing written\n", label, e->value, e->msg);
	}
}

/* The editing commands (and export, which prints OPML) have no JSON form:
 * said plainly, rather than getopt's "unrecognized option". */
static int refuse_json(const struct command *c)
{
	fprintf(stderr, "feedctl: %s has no --json output (%s); see feedctl help %s\n", c->name,
		strcmp(c->name, "export") == 0 ? "it prints OPML" : "it edits feeds.conf", c->name);
	return CTL_EXIT_USAGE;
}

/* --pick N and --all. Returns 0, or -1 after saying why. */
static int add_pick_opt(int opt, struct discover_add_opts *o)
{
	if (opt == 'P') {
		char *end;
		errno = 0;
		o->pick = strtol(optarg, &end, 10);
		if (errno || end == optarg || *end || o->pick < 1 || o->pick > 1000) {
			fprintf(stderr, "feedctl: --pick %s: not a number in the listing (1, 2, ...)\n",
				optarg);
			return -1;
		}
	} else {
		o->all = true;
	}
	if (o->pick && o->all) {
		fputs("feedctl: --pick and --all: one or the other\n", stderr);
		return -1;
	}
	return 0;
}

/* Queues FF in ED with the user's values in BASE, named BASE->name or,
 * when AUTO_NAMED, after its title. A feed DISCOVERED on the page (not the
 * URL given) is checked here like the given one was before fetching.
 * Returns 0 with "added [feed NAME] to PATH" appended to ADDED, else an
 * exit code after saying why: CTL_EXIT_NOTHING when FF is already in the
 * file. */
static int add_queue(struct conf_edit *ed, const struct conf_new_feed *base, bool auto_named,
		     bool discovered, const struct add_feed *ff, const char *path,
		     struct strbuf *added)
{
	struct conf_edit_error e;
	struct conf_new_feed nf = *base;
	char *url = NULL, *name = NULL;
	int code = CTL_EXIT_LOCAL;
	if (discovered) {
		if (conf_edit_url(ff->url, &url, &e) < 0) {
			print_edit_error(&e, "the feed's URL");
			goto out;
		}
		const char *dup = conf_edit_feed_by_url(ed, url);
		if (dup) {
			fprintf(stderr, "feedctl: %s is already in %s as [feed %s]\n", url,
				conf_edit_file_of(ed, dup), dup);
			code = CTL_EXIT_NOTHING;
			goto out;
		}
		nf.url = url;
	}
	char shown[200] = "(untitled)";   /* the publisher's text: escaped on the terminal */
	if (ff->doc->feed.title)
		conf_quote(ff->doc->feed.title, shown, sizeof shown);
	printf("%s: %s, %zu items\n", nf.url, shown, ff->doc->nitems);
	nf.title = ff->doc->feed.title;
	/* Without --name, the feed is named after its title when it has one
	 * a name can be made from ("Bee News" gives bee-news). */
	if (auto_named && (name = conf_edit_name_for(ed, nf.title, nf.url)))
		nf.name = name;
	if (conf_edit_add(ed, &nf, &e) < 0) {
		print_edit_error(&e, add_field_label(e.field));
		code = e.field == CONF_FIELD_FILE ? CTL_EXIT_LOCAL : CTL_EXIT_USAGE;
		goto out;
	}
	strbuf_printf(added, "added [feed %s] to %s\n", nf.name, path);
	code = 0;
out:
	free(url);
	free(name);
	return code;
}

int cmd_add(const struct command *c, int argc, char **argv)
{
	static const struct option longopts[] = {
		{"name", required_argument, NULL, 'n'},
		{"tag", required_argument, NULL, 't'},
		{"interval", required_argument, NULL, 'i'},
		{"config", required_argument, NULL, 'c'},
		{"file", required_argument, NULL, 'f'},
		{"allow-private", no_argument, NULL, 'p'},
		{"help", no_argument, NULL, 'h'},
		{"json", no_argument, NULL, 'j'},
		{"pick", required_argument, NULL, 'P'},
		{"all", no_argument, NULL, 'A'},
		{0},
	};
	const char *name = NULL, *interval = NULL, *cfg = NULL, *file = NULL;
	bool allow_private = false;
	const char *tags[ADD_MAX_TAGS + 1] = {0};
	size_t ntags = 0;
	struct discover_add_opts dopt = {0};
	int opt;
	while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'P':
		case 'A':
			if (add_pick_opt(opt, &dopt))
				return CTL_EXIT_USAGE;
			break;
		case 'n': name = optarg; break;
		case 'i': interval = optarg; break;
		case 'c': cfg = optarg; break;
		case 'f': file = optarg; break;
		case 'p': allow_private = true; break;
		case 't':
			if (ntags == ADD_MAX_TAGS) {
				fprintf(stderr, "feedctl: more than %d --tag options; nothing written\n",
					ADD_MAX_TAGS);
				return CTL_EXIT_USAGE;
			}
			tags[ntags++] = optarg;
			break;
		case 'h': ctl_usage_of(c, stdout); return 0;
		case 'j': return refuse_json(c);
		default: ctl_usage_of(c, stderr); return CTL_EXIT_USAGE;
		}
	}
	if (optind != argc - 1) {
		ctl_usage_of(c, stderr);
		return CTL_EXIT_USAGE;
	}
	if (name && dopt.all) {
		fprintf(stderr, "feedctl: --name names one feed; with --all each is named after "
			"its title\n");
		return CTL_EXIT_USAGE;
	}
	struct conf_file f;
	int code = conf_open(&f, config_path(cfg), true, file);
	if (code)
		return code;
	if ((code = conf_check_target(&f))) {
		conf_close(&f);
		return code;
	}
	/* Every value the user gave is checked by the writer before anything
	 * is fetched; the feed's own title only ever becomes a comment. */
	struct conf_edit_error e;
	struct conf_edit *ed = conf_edit_begin_files(f.src, f.n, f.target, &e);
	char *url = NULL, *auto_name = NULL, *text = NULL;
	struct add_found found = {0};
	struct strbuf added = {0};   /* "added [feed NAME]" lines, said once it is written */
	code = CTL_EXIT_LOCAL;
	if (!ed) {
		print_edit_error(&e, NULL);
		goto out;
	}
	if (conf_edit_url(argv[optind], &url, &e) < 0) {
		print_edit_error(&e, add_field_label(e.field));
		code = CTL_EXIT_USAGE;
		goto out;
	}
	const char *dup = conf_edit_feed_by_url(ed, url);
	if (dup) {
		fprintf(stderr, "feedctl: %s is already in %s as [feed %s]\n", url,
			conf_edit_file_of(ed, dup), dup);
		goto out;
	}
	if (!name)
		name = auto_name = conf_edit_new_name(ed, url);
	struct conf_new_feed nf = {
		.name = name, .url = url, .tags = tags, .interval = interval,
		.allow_private = allow_private ? CONF_YES : CONF_INHERIT,
	};
	if (conf_edit_check(ed, &nf, &e) < 0) {
		print_edit_error(&e, add_field_label(e.field));
		code = e.field == CONF_FIELD_FILE ? CTL_EXIT_LOCAL : CTL_EXIT_USAGE;
		goto out;
	}
	dopt.allow_private = allow_private || add_allows_private(f.conf);
	if ((code = discover_add(url, &dopt, &found)))
		goto out;
	for (size_t i = 0; i < found.n; i++) {
		code = add_queue(ed, &nf, auto_name != NULL, found.discovered, &found.v[i],
				 conf_target_path(&f), &added);
		if (code == CTL_EXIT_NOTHING && dopt.all)
			continue;        /* --all: one already in the file is skipped */
		if (code) {
			code = code == CTL_EXIT_NOTHING ? CTL_EXIT_LOCAL : code;
			goto out;
		}
	}
	code = CTL_EXIT_LOCAL;
	if (!added.s) {
		fprintf(stderr, "feedctl: nothing added: every feed %s announces is already "
			"configured\n", url);
		goto out;
	}
	if (!(text = conf_edit_finish(ed, NULL, &e))) {
		print_edit_error(&e, NULL);
		goto out;
	}
	code = conf_commit(&f, text);
	if (!code)
		fputs(added.s, stdout);
out:
	add_found_free(&found);
	free(added.s);
	free(text);
	free(url);
	free(auto_name);
	conf_edit_free(ed);
	conf_close(&f);
	return code;
}

/* --config FILE, --file NAME (where FILE is not NULL), --allow-private
 * (where PRIV is not NULL: import) and --help, then exactly NPOS
 * arguments. Returns -1 to go on, or an exit code. */
static int parse_config_opt(const struct command *c, int argc, char **argv, const char **cfg,
			    const char **file, bool *priv, int npos)
{
	static const struct option longopts[] = {
		{"config", required_argument, NULL, 'c'},
		{"file", required_argument, NULL, 'f'},
		{"allow-private", no_argument, NULL, 'p'},
		{"help", no_argument, NULL, 'h'},
		{"json", no_argument, NULL, 'j'},
		{0},
	};
	int opt;
	*cfg = NULL;
	if (file)
		*file = NULL;
	if (priv)
		*priv = false;
	while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if (opt == 'p' && priv) {
			*priv = true;
		} else if (opt == 'j') {
			return refuse_json(c);
		} else if (opt == 'f' && !file) {
			fprintf(stderr, "feedctl: %s has no --file option (%s)\n", c->name,
				strcmp(c->name, "remove") == 0 || strcmp(c->name, "rename") == 0
					? "it edits the file that holds the feed" :
				"it reads every file");
			return CTL_EXIT_USAGE;
		} else if (opt == 'f') {
			*file = optarg;
		} else if (opt == 'c') {
			*cfg = optarg;
		} else if (opt == 'h') {
			ctl_usage_of(c, stdout);
			return 0;
		} else {
			ctl_usage_of(c, stderr);
			return CTL_EXIT_USAGE;
		}
	}
	if (argc - optind != npos) {
		ctl_usage_of(c, stderr);
		return CTL_EXIT_USAGE;
	}
	return -1;
}

int cmd_remove(const struct command *c, int argc, char **argv)
{
	const char *cfg;
	int code = parse_config_opt(c, argc, argv, &cfg, NULL, NULL, 1);
	if (code >= 0)
		return code;
	const char *name = argv[optind];
	struct conf_file f;
	if ((code = conf_open(&f, config_path(cfg), false, NULL)))
		return code;
	/* The file that holds the section is the one edited; the others stay
	 * byte for byte as they were. */
	const struct feed_conf *fc = config_find_feed(f.conf, name);
	if (!fc) {
		fprintf(stderr, "feedctl: no [feed %s] in %s%s\n", name, f.path,
			f.n > 1 ? " or its drop-ins" : "");
		conf_close(&f);
		return CTL_EXIT_LOCAL;
	}
	f.target = fc->file;
	if ((code = conf_check_target(&f))) {
		conf_close(&f);
		return code;
	}
	struct conf_edit_error e;
	struct conf_edit *ed = conf_edit_begin_files(f.src, f.n, f.target, &e);
	char *text = NULL;
	code = CTL_EXIT_LOCAL;
	if (!ed || conf_edit_drop(ed, name, &e) < 0 || !(text = conf_edit_finish(ed, NULL, &e)))
		print_edit_error(&e, "NAME");
	else
		code = conf_commit(&f, text);
	if (!code)
		printf("removed [feed %s] from %s (its items stay in the store)\n", name,
		       conf_target_path(&f));
	free(text);
	conf_edit_free(ed);
	conf_close(&f);
	return code;
}

/* Why the daemon refused to rename FROM: its error and detail, once, and
 * that nothing was renamed (unless the error says so already). */
static void say_rename_refused(const char *from, const struct client_resp *resp)
{
	char buf[512];
	client_error_text(resp, buf, sizeof buf);
	json_t *j = resp->body ? json_loads(resp->body, 0, NULL) : NULL;
	const char *detail = json_string_value(json_object_get(j, "detail"));
	fprintf(stderr, "feedctl: feedd did not rename %s: %s%s%s%s%s\n", from, buf,
		detail && *detail ? " (" : "", detail && *detail ? detail : "",
		detail && *detail ? ")" : "",
		strstr(buf, "nothing renamed") ? "" : "; nothing renamed");
	/* A 404 for a feed the file holds: a section added by hand that the
	 * daemon has not read yet. */
	if (resp->status == 404)
		fprintf(stderr, "feedctl: [feed %s] is in the file, not in the daemon's running "
			"set: run feedctl reload first\n", from);
	json_decref(j);
}

/* The file holding [feed OLD] gets [feed NEW] in its place (the header
 * line alone), then the daemon renames the feed in its store and reloads
 * in one step (POST /v1/feeds/OLD/rename): the feed keeps its items, ids,
 * history, consumers' positions and pending hook deliveries, and is not
 * fetched again before it is due. The store's name must follow the file's,
 * so a daemon that cannot be reached, or refuses, leaves the file as it
 * was; one asked that does not answer leaves it renamed (the store
 * follows the file at the next reload anyway). */
int cmd_rename(const struct command *c, int argc, char **argv)
{
	const char *cfg;
	int code = parse_config_opt(c, argc, argv, &cfg, NULL, NULL, 2);
	if (code >= 0)
		return code;
	const char *from = argv[optind], *to = argv[optind + 1];
	struct conf_file f;
	if ((code = conf_open(&f, config_path(cfg), false, NULL)))
		return code;
	const struct feed_conf *fc = config_find_feed(f.conf, from);
	if (!fc) {
		fprintf(stderr, "feedctl: no [feed %s] in %s%s\n", from, f.path,
			f.n > 1 ? " or its drop-ins" : "");
		conf_close(&f);
		return CTL_EXIT_LOCAL;
	}
	f.target = fc->file;
	if ((code = conf_check_target(&f))) {
		conf_close(&f);
		return code;
	}
	const char *path = conf_target_path(&f);
	struct conf_edit_error e;
	struct conf_edit *ed = conf_edit_begin_files(f.src, f.n, f.target, &e);
	char *text = NULL;
	code = CTL_EXIT_LOCAL;
	if (!ed || conf_edit_rename(ed, from, to, &e) < 0 ||
	    !(text = conf_edit_finish(ed, NULL, &e))) {
		print_edit_error(&e, "NEW");
		goto out;
	}
	int r = conf_write_atomic(path, text, strlen(text));
	if (r < 0) {
		say_not_writable(path, r, "nothing renamed");
		goto out;
	}
	struct strbuf t = {0};
	strbuf_puts(&t, "/v1/feeds/");
	ctl_urlencode(&t, from);
	strbuf_puts(&t, "/rename");
	json_t *b = json_pack("{s:s}", "name", to);
	char *bs = b ? json_dumps(b, JSON_COMPACT) : NULL;
	json_decref(b);
	struct client_resp resp;
	r = bs ? client_request(ctl.socket, "POST", t.s, bs, strlen(bs), ctl.timeout_ms, &resp)
	       : -ENOMEM;
	free(bs);
	free(t.s);
	if (r == 0 && resp.status == 200) {
		printf("renamed [feed %s] to [feed %s] in %s; feedd kept its items and history\n",
		       from, to, path);
		code = 0;
	} else if (r < 0 && resp.sent) {
		/* Asked, no answer: the rename may be done, or be done later,
		 * or not at all. The file keeps it, and the store follows the
		 * file whatever happened (store_feeds_sync takes a new name at
		 * a dropped name's URL for that feed renamed): put back, it
		 * would undo a rename the daemon then makes. */
		fprintf(stderr, "feedctl: feedd did not answer the rename of %s (%s); %s names "
			"it [feed %s], and feedd's store follows: now, or at its next reload or "
			"start\n", from, strerror(-r), path, to);
		code = CTL_EXIT_UNREACHABLE;
	} else {
		/* Nothing renamed in the store: the file says so again. */
		int w = conf_write_atomic(path, f.src[f.target].text, f.src[f.target].len);
		if (r < 0) {
			fprintf(stderr, "feedctl: cannot reach feedd at %s (%s): a rename needs it "
				"running, to rename the feed in its store too; nothing renamed\n",
				ctl.socket, strerror(-r));
			code = CTL_EXIT_UNREACHABLE;
		} else {
			say_rename_refused(from, &resp);
			code = CTL_EXIT_API;
		}
		if (w < 0)
			fprintf(stderr, "feedctl: and %s could not be put back: %s\n", path,
				strerror(-w));
	}
	if (r == 0)
		client_resp_clear(&resp);
out:
	free(text);
	conf_edit_free(ed);
	conf_close(&f);
	return code;
}

/* YES/NO from an OPML attribute, when it differs from what [defaults]
 * (DEF) gives the feed: the key a new section needs. */
static enum conf_yesno yesno_key(enum opml_bool v, bool def)
{
	if (v == OPML_UNSET || (v == OPML_YES) == def)
		return CONF_INHERIT;
	return v == OPML_YES ? CONF_YES : CONF_NO;
}

/* The settings feedd's export wrote on the outline F (core/opml.h) into
 * NF: each one that differs from what the target's [defaults] (DEF) give
 * a new section, so that a round trip keeps what was in force and an
 * import into the same file writes no key it did not need. An
 * allow_private = yes only with PRIV (--allow-private), as add asks:
 * returns whether it was left out. With PRIV, an outline that does not
 * say (another reader's file) gets allow_private = yes, as add writes it,
 * unless DEF allows already. */
static bool import_settings(struct conf_new_feed *nf, const struct opml_feed *f,
			    const struct feed_conf *def, bool priv)
{
	int64_t iv;
	if (f->interval && !(config_parse_duration(f->interval, &iv) == 0 && iv == def->interval))
		nf->interval = f->interval;         /* a bad one is refused, named */
	nf->conf_title = f->conf_title;
	nf->enabled = yesno_key(f->enabled, def->enabled);
	nf->allow_private = yesno_key(f->allow_private, def->allow_private);
	if (f->allow_private == OPML_UNSET && priv && !def->allow_private)
		nf->allow_private = CONF_YES;
	bool left = nf->allow_private == CONF_YES && !priv;
	if (left)
		nf->allow_private = CONF_INHERIT;
	if (f->skip && !config_strv_equal(f->skip, def->skip))
		nf->skip = (const char *const *)f->skip;
	if (f->keep && !config_strv_equal(f->keep, def->keep))
		nf->keep = (const char *const *)f->keep;
	return left;
}

/* The tags of outline I (TITLE, quoted) made writable: another reader's
 * folder "Tech & Science" becomes tech-science, said on stderr, and a
 * tag with nothing usable left is dropped, named, so that the feed is
 * imported rather than refused for its folder's name. What else the tag
 * checks refuse (a control character) still refuses the outline. */
static void import_tags(struct opml_feed *f, size_t i, const char *title, const char *pre)
{
	size_t o = 0;
	for (size_t k = 0; f->tags && f->tags[k]; k++) {
		char *raw = f->tags[k], *t = conf_tag_from_text(raw), q[120], tq[120];
		conf_quote(raw, q, sizeof q);
		for (size_t j = 0; t && j < o; j++)
			if (strcmp(f->tags[j], t) == 0) {
				free(t);     /* "a/b" and "a-b" both there: one tag */
				t = NULL;
				raw = NULL;
			}
		if (t && strcmp(t, raw) != 0) {
			conf_quote(t, tq, sizeof tq);
			fprintf(stderr, "%sfeedctl: outline %zu %s: tag %s written as %s "
				"(a tag may not contain / ? & # = ; or a comma)\n", pre, i + 1, title,
				q, tq);
		} else if (!t && raw) {
			fprintf(stderr, "%sfeedctl: outline %zu %s: tag %s left out "
				"(nothing a tag can hold)\n", pre, i + 1, title, q);
		}
		free(f->tags[k]);
		if (t)
			f->tags[o++] = t;
	}
	if (f->tags)
		f->tags[o] = NULL;
}

int cmd_import(const struct command *c, int argc, char **argv)
{
	const char *cfg, *file;
	bool priv;
	int code = parse_config_opt(c, argc, argv, &cfg, &file, &priv, 1);
	if (code >= 0)
		return code;
	const char *opml_path = argv[optind];
	size_t olen;
	char *obuf = conf_read_file(opml_path, &olen);
	if (!obuf) {
		fprintf(stderr, "feedctl: cannot read %s: %s\n", opml_path, strerror(errno));
		return CTL_EXIT_LOCAL;
	}
	struct opml_feed *feeds = NULL;
	size_t n = 0;
	char *err = NULL;
	if (opml_parse(obuf, olen, &feeds, &n, &err) < 0) {
		fprintf(stderr, "feedctl: %s: %s\n", opml_path, err ? err : "not OPML");
		free(err);
		free(obuf);
		return CTL_EXIT_LOCAL;
	}
	free(obuf);
	struct conf_file f;
	if ((code = conf_open(&f, config_path(cfg), true, file))) {
		opml_feeds_free(feeds, n);
		return code;
	}
	if ((code = conf_check_target(&f))) {
		opml_feeds_free(feeds, n);
		conf_close(&f);
		return code;
	}
	struct conf_edit_error e;
	struct conf_edit *ed = conf_edit_begin_files(f.src, f.n, f.target, &e);
	if (!ed) {
		print_edit_error(&e, NULL);
		opml_feeds_free(feeds, n);
		conf_close(&f);
		return CTL_EXIT_LOCAL;
	}
	/* On a terminal: a progress line instead of a line per feed. */
	bool tty = isatty(STDOUT_FILENO), progress = tty && isatty(STDERR_FILENO) && n >= 50;
	size_t added = 0, skipped = 0, bad = 0;
	struct strbuf first = {0};   /* the first names added, for the summary */
	struct strbuf lines = {0};   /* "added [feed NAME] URL", said once written */
	for (size_t i = 0; i < n; i++) {
		if (progress && i % 25 == 0)
			fprintf(stderr, "\rimporting %zu/%zu...", i, n);
		/* Every outline is someone else's text: each one goes through the
		 * writer, and one it refuses is named and left out. */
		char title[120], url_q[200];
		conf_quote(feeds[i].title ? feeds[i].title : "", title, sizeof title);
		conf_quote(feeds[i].url, url_q, sizeof url_q);
		char *url = NULL;
		if (conf_edit_url(feeds[i].url, &url, &e) < 0) {
			fprintf(stderr, "%sfeedctl: skipped outline %zu %s: xmlUrl %s %s\n",
				progress ? "\r\033[K" : "", i + 1, title, e.value, e.msg);
			bad++;
			continue;
		}
		const char *dup = conf_edit_feed_by_url(ed, url);
		if (dup) {
			/* On a terminal only the summary counts them. */
			if (!tty && !conf_edit_queued(ed, dup))
				printf("skipped %s: already in %s as [feed %s]\n", url,
				       conf_edit_file_of(ed, dup), dup);
			else if (!tty)
				printf("skipped %s: listed twice in %s\n", url, opml_path);
			skipped++;
			free(url);
			continue;
		}
		/* feedd's own export names the section; other readers' files
		 * (or a name that cannot be one) leave it to the title. */
		char *name = feeds[i].name ? conf_edit_name_as(ed, feeds[i].name) : NULL;
		if (!name)
			name = conf_edit_name_for(ed, feeds[i].title, url);
		import_tags(&feeds[i], i, title, progress ? "\r\033[K" : "");
		struct conf_new_feed nf = {
			.name = name, .url = url,
			.tags = (const char *const *)feeds[i].tags, .title = feeds[i].title,
		};
		bool priv_left = import_settings(&nf, &feeds[i], &conf_edit_config(ed)->defaults,
						 priv);
		if (conf_edit_add(ed, &nf, &e) == 0) {
			if (priv_left)
				fprintf(stderr, "%sfeedctl: [feed %s]: allow_private = yes left out "
					"(it lets the feed reach loopback and LAN addresses: "
					"import --allow-private takes it)\n",
					progress ? "\r\033[K" : "", name);
			added++;
			if (feeds[i].tags_left_out)
				fprintf(stderr, "%sfeedctl: outline %zu %s: %zu more tag%s left out "
					"(at most 16 a feed)\n", progress ? "\r\033[K" : "", i + 1,
					title, feeds[i].tags_left_out,
					feeds[i].tags_left_out == 1 ? "" : "s");
			if (!tty)
				strbuf_printf(&lines, "added [feed %s] %s\n", name, url);
			else if (added <= 3)
				strbuf_printf(&first, "%s%s", added > 1 ? ", " : "", name);
		} else if (e.field == CONF_FIELD_FILE) {
			fprintf(stderr, "%sfeedctl: skipped outline %zu %s (%s): %s\n",
				progress ? "\r\033[K" : "", i + 1, title, url_q, e.msg);
			bad++;
		} else {
			fprintf(stderr, "%sfeedctl: skipped outline %zu %s (%s): %s %s %s\n",
				progress ? "\r\033[K" : "", i + 1, title, url_q,
				e.field == CONF_FIELD_TAG ? "tag (from its category or an "
				"enclosing outline)" : conf_field_name(e.field), e.value, e.msg);
			bad++;
		}
		free(name);
		free(url);
	}
	if (progress)
		fprintf(stderr, "\r\033[K");
	opml_feeds_free(feeds, n);
	code = 0;
	if (added) {
		/* Validated and written once, one reload. */
		char *text = conf_edit_finish(ed, NULL, &e);
		if (text)
			code = conf_commit(&f, text);
		else
			print_edit_error(&e, NULL);
		if (!text || code) {
			/* Nothing was written: no feed was added, whatever
			 * was queued (as add says nothing on a failed write). */
			fprintf(stderr, "feedctl: nothing added: %s is as it was\n",
				conf_target_path(&f));
			code = CTL_EXIT_LOCAL;
			added = 0;
		}
		free(text);
	}
	if (lines.s && added)
		fputs(lines.s, stdout);
	if (tty && added)
		printf("added %s%s to %s\n", first.s, added > 3 ? ", ..." : "", conf_target_path(&f));
	if (!code)
		printf("%zu added, %zu already present, %zu refused\n", added, skipped, bad);
	if (!added && skipped && !code)
		printf("nothing to add: %s's feeds are already in %s%s\n", opml_path, f.path,
		       bad ? " (or refused)" : "");
	free(first.s);
	free(lines.s);
	if (!code && bad)
		code = CTL_EXIT_LOCAL;
	conf_edit_free(ed);
	conf_close(&f);
	return code;
}

/* The daemon's feeds (GET /v1/feeds), or NULL when it is not running or
 * does not answer. */
static json_t *daemon_feeds(void)
{
	struct client_resp r;
	json_t *a = NULL;
	if (client_request(ctl.socket, "GET", "/v1/feeds", NULL, 0, ctl.timeout_ms, &r) == 0) {
		if (r.status == 200)
			a = json_loads(r.body, 0, NULL);
		client_resp_clear(&r);
	}
	return json_is_array(json_object_get(a, "feeds")) ? a : (json_decref(a), NULL);
}

/* The strings of the JSON array A, borrowed, in a NULL-terminated list
 * the caller frees (not its strings); NULL when A is empty. */
static char **borrow_strings(json_t *a)
{
	size_t n = json_array_size(a), k = 0;
	char **v = n ? calloc(n + 1, sizeof *v) : NULL;
	for (size_t t = 0; v && t < n; t++)
		if (json_string_value(json_array_get(a, t)))
			v[k++] = (char *)json_string_value(json_array_get(a, t));
	return v;
}

/* The config the running daemon has in force, rebuilt from its feeds (a
 * removed feed is no longer in it). The strings are borrowed from FEEDS;
 * free with daemon_conf_free. */
static struct config *daemon_conf(json_t *feeds)
{
	size_t n = json_array_size(feeds);
	struct config *c = calloc(1, sizeof *c);
	if (!c || !(c->feeds = calloc(n + 1, sizeof *c->feeds))) {
		free(c);
		return NULL;
	}
	size_t i;
	json_t *f;
	json_array_foreach(feeds, i, f) {
		json_t *cfg = json_object_get(f, "config");
		const char *name = json_string_value(json_object_get(f, "name"));
		const char *url = json_string_value(json_object_get(cfg, "url"));
		if (json_is_true(json_object_get(f, "removed")) || !name || !url)
			continue;
		struct feed_conf *fc = &c->feeds[c->nfeeds++];
		fc->name = (char *)name;
		fc->url = (char *)url;
		fc->title = (char *)json_string_value(json_object_get(cfg, "title"));
		fc->interval = json_integer_value(json_object_get(cfg, "interval"));
		/* A daemon that does not say (an older one): as built in. */
		fc->enabled = !json_is_false(json_object_get(cfg, "enabled"));
		fc->allow_private = json_is_true(json_object_get(cfg, "allow_private"));
		fc->tags = borrow_strings(json_object_get(cfg, "tags"));
		fc->skip = borrow_strings(json_object_get(cfg, "skip"));
		fc->keep = borrow_strings(json_object_get(cfg, "keep"));
	}
	return c;
}

static void daemon_conf_free(struct config *c)
{
	for (size_t i = 0; c && i < c->nfeeds; i++) {
		free(c->feeds[i].tags);
		free(c->feeds[i].skip);
		free(c->feeds[i].keep);
	}
	if (c)
		free(c->feeds);
	free(c);
}

/* The running daemon's feeds, with their titles and site links; the file
 * (--config, $FEEDD_CONFIG, else the default) when the daemon is not
 * running or when --config names one. */
int cmd_export(const struct command *c, int argc, char **argv)
{
	const char *cfg;
	int code = parse_config_opt(c, argc, argv, &cfg, NULL, NULL, 0);
	if (code >= 0)
		return code;
	code = 0;
	json_t *a = daemon_feeds();
	json_t *feeds = json_object_get(a, "feeds");
	struct conf_file f = {0};
	struct config *conf = NULL;
	if (a && !cfg) {
		if (!(conf = daemon_conf(feeds)))
			code = CTL_EXIT_LOCAL;
	} else if (!(code = conf_open(&f, config_path(cfg), false, NULL))) {
		conf = f.conf;
	}
	const char **titles = conf ? calloc(conf->nfeeds + 1, sizeof *titles) : NULL;
	const char **sites = conf ? calloc(conf->nfeeds + 1, sizeof *sites) : NULL;
	if (!code && (!titles || !sites))
		code = CTL_EXIT_LOCAL;
	size_t i;
	json_t *fj;
	json_array_foreach(code ? NULL : feeds, i, fj) {
		const char *name = json_string_value(json_object_get(fj, "name"));
		for (size_t k = 0; name && k < conf->nfeeds; k++) {
			if (strcmp(conf->feeds[k].name, name) != 0)
				continue;
			titles[k] = json_string_value(json_object_get(fj, "title"));
			sites[k] = json_string_value(json_object_get(fj, "site_url"));
		}
	}
	char *out = code ? NULL : opml_export(conf, titles, sites);
	if (out) {
		fputs(out, stdout);
		free(out);
	} else if (!code) {
		code = CTL_EXIT_LOCAL;
	}
	free(titles);
	free(sites);
	if (conf && conf != f.conf)
		daemon_conf_free(conf);
	if (f.conf)
		conf_close(&f);
	json_decref(a);
	if (!code && (fflush(stdout) != 0 || ferror(stdout))) {
		perror("feedctl: writing the output failed");
		code = CTL_EXIT_LOCAL;
	}
	return code;
}
