/* config_int.h — inside feeds.conf's reader: the table of keys
 * (config_keys.c) and the value parsers (config_values.c) that
 * config.c's loader drives. Not for use outside core/config*.c.
 *
 * A key is one row of conf_keys[]: the sections it may appear in, its
 * type, its range or allowed values, its built-in default, where it is
 * stored (an offset into struct daemon_conf or struct feed_conf) and a
 * one-line doc. Validation, defaults, inheritance from [defaults],
 * freeing, comparing and `feedd --help-config` all read the rows.
 *
 * Ownership: the conf_strv_* lists and what set_value stores are owned by the
 * struct they are stored in; conf_keys_free() frees them. */
#ifndef FEEDD_CONFIG_INT_H
#define FEEDD_CONFIG_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/config.h"

#define CONF_MAX_LIST 64        /* tags, headers, rules */
#define CONF_DAY      (86400LL)
/* Rows the table may have (config_keys.c asserts it): every section read
 * keeps 5 bytes a row (config.c's set and seen_line), so a little room
 * and no more; raise it when the assert says so. */
#define CONF_NKEYS_MAX 36

enum key_type {
	KT_STRING,
	KT_COMMAND,                 /* a string cmdline_split can split */
	KT_PATH,
	KT_URL,
	KT_ENUM,                    /* one of the words in the row's values */
	KT_DURATION,                /* seconds */
	KT_DURATION_MS,             /* milliseconds */
	KT_INT,
	KT_SIZE,
	KT_BOOL,
	KT_TAGS,                    /* comma-separated, a list */
	KT_HEADER,                  /* repeatable, appends one "Name: value" */
	KT_RULE,                    /* repeatable, appends one "FIELD ~ REGEX" (core/filter.h) */
};

enum section_kind { SEC_DAEMON, SEC_DEFAULTS, SEC_FEED };

#define IN_DAEMON   (1u << SEC_DAEMON)
#define IN_DEFAULTS (1u << SEC_DEFAULTS)
#define IN_FEED     (1u << SEC_FEED)

/* What a row accepts beyond its type. A KT_ENUM row: its allowed words,
 * and the test of a value when more is accepted than the words say
 * (aliases). A KT_STRING or KT_PATH row: the test of its value, the
 * function the code that uses the value at run time calls too, so that
 * the config reader refuses what would fail there. */
struct conf_enum {
	const char *words;          /* ", "-separated, as --help-config shows them */
	bool (*accept)(const char *value);   /* NULL: exactly one of the words */
	/* NULL, or why VALUE is refused (possibly in WHY). */
	const char *(*check)(const char *value, char *why, size_t whylen);
	bool secret;                /* the value may hold a password: messages do
				     * not quote it (the check's may, where safe) */
};

struct conf_key {
	const char *name;
	enum key_type type;
	unsigned sections;          /* IN_* */
	size_t offset;              /* in struct daemon_conf or struct feed_conf */
	int64_t min, max;           /* numbers, durations and sizes */
	int64_t def;                /* built-in default: numbers, bools */
	const struct conf_enum *values;   /* KT_ENUM; or a string's check, NULL */
	const char *def_text;       /* the default as --help-config says it, when
				     * it is not the built-in number (decided at
				     * run time: "$STATE_DIRECTORY or ...") */
	const char *doc;            /* one line */
};

/* A string row whose def_text is this must be given in every section
 * it belongs to ([feed NAME]'s url). */
extern const char conf_required[];

extern const struct conf_key conf_keys[];
extern const size_t conf_nkeys;

/* The row for NAME among those allowed in the sections IN, or NULL. */
const struct conf_key *conf_key_find(const char *name, unsigned in);
/* The allowed key in IN closest to NAME (a typo's "did you mean"), or NULL. */
const char *conf_key_suggest(const char *name, unsigned in);
/* Parses VALUE as key K and stores it in TARGET (the section's struct);
 * returns NULL or why not (possibly in WHY). */
const char *conf_key_set(const struct conf_key *k, void *target, const char *value,
			 char *why, size_t whylen);
/* The built-in defaults of every row in IN into TARGET. */
void conf_keys_defaults(void *target, unsigned in);
/* Copies into F each [defaults] row that SET (indexed like conf_keys)
 * does not mark as given in the feed's own section. */
void conf_keys_inherit(struct feed_conf *f, const unsigned char *set, const struct feed_conf *def);
/* Frees what every row in IN holds in TARGET (not TARGET). */
void conf_keys_free(void *target, unsigned in);

/* --- value parsers (config_values.c) --- */
int conf_parse_duration_ms(const char *s, int64_t *ms);
int conf_parse_bool(const char *s, bool *out);
/* Whole number, nothing after it; -EINVAL otherwise. */
int conf_parse_int(const char *s, int64_t *out);
/* "news, Iran ,tech" -> {"news","iran","tech"}: NULL, or why not. */
const char *conf_parse_tags(const char *value, char ***out);
bool conf_has_ctl(const char *s);
char *conf_trim(char *s);

size_t conf_strv_len(char **v);
char **conf_strv_dup(char **v);
int conf_strv_push(char ***v, const char *s);

#endif
