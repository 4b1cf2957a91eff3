/* config.h — feeds.conf: the [daemon], [defaults] and [feed NAME] sections.
 *
 * config_load() parses and validates a whole configuration through one
 * table of keys (config_keys.c): the main file, then its drop-in directory
 * (feeds.conf.d/ beside it: every regular file whose name ends in ".conf"
 * and does not start with a dot, in byte order of the names), read as if
 * appended to the main file. A drop-in holds [feed NAME] sections only;
 * [daemon] and [defaults] belong to the main file. A feed name is unique
 * across all the files. It either returns a complete struct config or
 * none: a configuration with any error is rejected whole, and every error
 * found is reported, each naming the file, the line and the key
 * ("feeds.conf:14: [feed mehr] unknown key \"intervall\" (did you mean
 * \"interval\"?)").
 *
 * Ownership: the caller owns the struct config and frees it with config_free();
 * every string inside belongs to it. struct config_errors is freed with
 * config_errors_free(). */
#ifndef FEEDD_CONFIG_H
#define FEEDD_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Per-feed settings; [defaults] fills the ones a [feed] section leaves out. */
struct feed_conf {
	char *name;            /* identity: the store keys history by it */
	char *url;
	char *title;           /* for readers, instead of the publisher's; NULL: none */
	int64_t interval;      /* seconds */
	int64_t min_interval;
	int64_t max_interval;
	int64_t retention;     /* seconds; 0 = keep forever */
	int64_t max_items;     /* per-feed cap on stored items; 0 = none */
	int64_t timeout;       /* total seconds per fetch */
	int64_t max_size;      /* decompressed bytes per fetch */
	char **tags;           /* NULL-terminated, lower-cased, trimmed */
	bool enabled;
	bool allow_private;    /* allow loopback/private/link-local addresses */
	char *user_agent;      /* NULL: the daemon's */
	char **headers;        /* NULL-terminated "Name: value" lines */
	char *auth_file;       /* file holding "user:password" for basic auth */
	char *proxy;           /* NULL: no proxy (the environment is ignored) */
	char *exec;            /* hook command line, NULL for none */
	char **skip, **keep;   /* filter rules "FIELD ~ REGEX" (core/filter.h),
				* NULL-terminated, or NULL for none */
	int line;              /* line of the [feed] header, for messages */
	size_t file;           /* the file holding it: an index into
				* struct config's files (0: the main file) */
};

struct daemon_conf {
	char *socket;          /* socket path */
	char *socket_group;    /* group owning the socket, NULL = the process's */
	char *state_dir;
	char *store;           /* "sqlite" or a postgresql:// URI */
	int64_t max_fetches;   /* concurrent fetches, all hosts */
	int64_t per_host;      /* concurrent fetches to one host */
	int64_t host_gap;      /* milliseconds between requests to one host */
	char *user_agent;
	int64_t exec_jobs;     /* concurrent hook processes */
	int64_t exec_timeout;  /* seconds */
	int64_t exec_retry;    /* seconds before the first retry of a failed hook */
	int64_t lease;         /* seconds a claimed fetch is this instance's (shared store); 0 = default */
	char *log_level;       /* err, warning, notice, info, debug; NULL = info */
	char *reader_listen;   /* HOST:PORT of the reader API (daemon/reader.c); NULL = off */
	char *reader_auth;     /* its credentials file (user:password, token:TOKEN lines) */
};

struct config {
	char *path;            /* the main file */
	char **files;          /* every file read: the main file, then the
				* drop-ins in the order read */
	size_t nfiles;
	struct daemon_conf daemon;
	struct feed_conf defaults;
	struct feed_conf *feeds;
	size_t nfeeds;
};

struct config_errors {
	char **msgs;
	size_t n;
};

/* One file of a configuration as read: NAME (its path, used in messages)
 * and its text. */
struct config_source {
	char *name;
	char *text;
	size_t len;
};

#define CONFIG_DROPIN_SUFFIX ".d"     /* feeds.conf -> feeds.conf.d */
#define CONFIG_DROPIN_EXT    ".conf"  /* the names read from it */
/* A missing main file reads as an empty one (the drop-ins are still
 * read): a person's first start, or a first `feedctl add`. */
#define CONFIG_MAIN_OPTIONAL 1u

/* Reads PATH and the drop-ins of PATH.d into *SRC (*N of them, the main
 * file first; its text is NULL when it is missing and FLAGS allowed it).
 * An absent directory has no drop-ins; one that cannot be read, or a
 * drop-in that cannot, is an error. Returns 0, or -errno with the errors
 * in *ERRS (each naming its file). Free with config_sources_free. */
int config_read_sources(const char *path, unsigned flags, struct config_source **src,
			size_t *n, struct config_errors *errs);
void config_sources_free(struct config_source *src, size_t n);
/* Whether NAME (a file name, no directory) is one the drop-in directory's
 * reader takes: ends in ".conf", does not start with a dot. */
bool config_dropin_name_ok(const char *name);

/* Parses SRC[0] (the main file; a NULL text is an empty file) and then
 * SRC[1..N-1] (drop-ins, in that order) as one configuration. */
int config_parse_sources(const struct config_source *src, size_t n,
			 struct config **out, struct config_errors *errs);

/* Loads and validates PATH and its drop-ins (config_read_sources, then
 * config_parse_sources). Returns 0 and sets *out, or -EINVAL (errors in
 * *errs) / -errno (a file unreadable, also described in *errs). */
int config_load(const char *path, unsigned flags, struct config **out, struct config_errors *errs);
void config_free(struct config *c);
void config_errors_free(struct config_errors *errs);
/* Appends a formatted message to ERRS (at most 100 are kept; out of
 * memory, it is left out). */
void conf_add_error(struct config_errors *errs, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Parses one file from memory (the fuzzer and tests); NAME is used in
 * messages. */
int config_parse_buffer(const char *name, const char *buf, size_t len,
			struct config **out, struct config_errors *errs);

/* "90s", "15m", "2h", "1d", "1w", or a bare number of seconds. Returns 0 or
 * -EINVAL. */
int config_parse_duration(const char *s, int64_t *seconds);
/* "90s", "15m", "2h", "1d": S seconds in the largest unit that divides
 * it, as config_parse_duration reads it back. */
void config_fmt_duration(int64_t s, char *buf, size_t len);
/* Whether two NULL-terminated string lists (NULL: empty) hold the same
 * strings in the same order (a feed's tags, skip or keep rules). */
bool config_strv_equal(char **a, char **b);
/* Frees such a list and its strings (NULL: nothing). */
void config_strv_free(char **v);
/* "10M", "512k", "1G" or bytes. */
int config_parse_size(const char *s, int64_t *bytes);

/* TAG as feeds.conf stores it, in place: trimmed, ASCII lower-cased (so
 * `tags = News` and a filter tag=News are the same tag). Returns its new
 * start, inside TAG. */
char *config_fold_tag(char *tag);
const struct feed_conf *config_find_feed(const struct config *c, const char *name);

/* Why S cannot be a value in feeds.conf ("contains a newline", "contains a
 * control character (U+0085)"), or NULL when it can: no byte below 0x20,
 * no DEL, no C1 control written as UTF-8. BUF holds the message when one
 * is built. The parser refuses such a value, naming file, line and key. */
const char *config_control_problem(const char *s, char *buf, size_t buflen);

/* What [feed NAME] accepts as NAME: 1 to 100 bytes of ASCII letters and
 * digits, - _ . and non-ASCII bytes other than C1 controls. */
bool config_valid_feed_name(const char *s);

/* Field by field, every key of the table (and a feed's name); line numbers
 * are not compared. On a difference, *WHICH (may be NULL) names the key. */
bool config_feed_equal(const struct feed_conf *a, const struct feed_conf *b, const char **which);
bool config_daemon_equal(const struct daemon_conf *a, const struct daemon_conf *b,
			 const char **which);

/* Every key, its type, range, default and one-line doc, grouped by the
 * sections it may appear in: what `feedd --help-config` prints. */
void config_keys_help(FILE *out);

/* Built-in defaults before any file is read. */
#define CONF_DEFAULT_INTERVAL     (30 * 60)
#define CONF_DEFAULT_MIN_INTERVAL (5 * 60)
#define CONF_DEFAULT_MAX_INTERVAL (24 * 3600)
#define CONF_DEFAULT_RETENTION    (90 * 86400)
#define CONF_DEFAULT_TIMEOUT      60
#define CONF_DEFAULT_MAX_SIZE     (16 * 1024 * 1024)
#define CONF_DEFAULT_MAX_FETCHES  64
#define CONF_DEFAULT_PER_HOST     2
#define CONF_DEFAULT_HOST_GAP_MS  500
#define CONF_DEFAULT_EXEC_JOBS    4
#define CONF_DEFAULT_EXEC_TIMEOUT 60
#define CONF_DEFAULT_EXEC_RETRY   30

#endif
