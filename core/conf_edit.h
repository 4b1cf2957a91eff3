/* conf_edit.h — the one writer of feeds.conf: every byte that feedctl add,
 * import and remove (and, later, the API's subscription edits) put into
 * the file is built and checked here; every other byte of the file
 * (comments, order, spacing) stays as it was.
 *
 * An edit changes one file of the configuration: the main file or one of
 * its drop-ins (feeds.conf.d, config.h). It is begun with all of them, so
 * that a new name or URL is unique across the files, a new interval is
 * checked against the main file's [defaults], and the read-back is the
 * daemon's reading of the whole set.
 *
 * Values come from the user's command line, from OPML files and from the
 * feeds themselves, so none is trusted: a name, URL, tag or interval that
 * the file's syntax cannot carry exactly is refused with a struct
 * conf_edit_error naming the field and the value; remote text (a feed's
 * title, an outline's text) only ever becomes one comment line,
 * "# title: …", stripped to printable characters. Before the new text is
 * handed back, conf_edit_finish parses it again and compares it, field by
 * field, with the old file's sections plus exactly the new [feed NAME]
 * sections with exactly the intended keys: anything else fails closed.
 *
 * Built as a library of its own (feedconf), not in feedcore: URLs are
 * parsed and re-serialised by libcurl's URL API (curl_url; parsing only,
 * no transfer), and feedcore never includes <curl/curl.h>.
 *
 * Ownership: struct conf_edit belongs to the caller from conf_edit_begin
 * to conf_edit_free; conf_edit_finish, conf_edit_remove, conf_edit_url,
 * conf_edit_new_name, conf_name_from_url and conf_read_file return heap
 * strings the caller frees. */
#ifndef FEEDD_CONF_EDIT_H
#define FEEDD_CONF_EDIT_H

#include <stdbool.h>
#include <stddef.h>

#include "core/config.h"

/* The field a refusal is about. */
enum conf_field {
	CONF_FIELD_FILE,        /* the file itself (old or new text) */
	CONF_FIELD_NAME,
	CONF_FIELD_URL,
	CONF_FIELD_TAG,
	CONF_FIELD_INTERVAL,
	CONF_FIELD_TITLE,
	CONF_FIELD_RULE,        /* a skip or keep filter rule */
};

struct conf_edit_error {
	enum conf_field field;
	char value[200];        /* the refused value, quoted and escaped for a
				 * terminal ("a\nexec = …"); "" for FILE */
	char msg[1024];         /* why: "contains a newline"; for FILE the
				 * parser's errors, one a line */
};

/* "name", "url", "tag", "interval", "title", "filter rule", "file". */
const char *conf_field_name(enum conf_field f);
/* V in double quotes for a message on a terminal: C escapes for control
 * characters, quotes, backslashes and bytes that are not UTF-8; a long
 * value is cut and ends in "...". */
void conf_quote(const char *v, char *out, size_t outlen);

/* A yes/no key of a new section: left to [defaults], or written. */
enum conf_yesno { CONF_INHERIT = 0, CONF_YES, CONF_NO };

struct conf_new_feed {
	const char *name;
	const char *url;
	const char *const *tags;   /* NULL-terminated, or NULL */
	const char *interval;      /* as written by the user ("15m"), or NULL */
	const char *title;         /* remote text for the comment line, or NULL */
	enum conf_yesno allow_private;   /* allow_private = yes (loopback, LAN) / no */
	/* What an import takes back from feedd's own export (core/opml.h);
	 * each key left out when NULL or CONF_INHERIT: */
	const char *conf_title;    /* a title = key, checked as conf_edit_set's */
	enum conf_yesno enabled;
	const char *const *skip;   /* filter rules (core/filter.h), NULL-terminated: */
	const char *const *keep;   /* one skip = / keep = line each */
};

struct conf_edit;

/* Starts an edit of TEXT (LEN bytes, the file PATH, named in messages),
 * a configuration of one file. Refuses (CONF_FIELD_FILE) a text that does
 * not parse. */
struct conf_edit *conf_edit_begin(const char *path, const char *text, size_t len,
				  struct conf_edit_error *err);
/* Starts an edit of SRC[TARGET], one of the files SRC[0..N-1] of a
 * configuration in reading order (config_read_sources; a file to be made
 * is given with its first text, in the place the reader will find it).
 * The edit keeps its own copy of them. Refuses a configuration that does
 * not parse. */
struct conf_edit *conf_edit_begin_files(const struct config_source *src, size_t n,
					size_t target, struct conf_edit_error *err);
void conf_edit_free(struct conf_edit *ed);

/* The whole configuration as it was when the edit began. */
const struct config *conf_edit_config(const struct conf_edit *ed);
/* The file holding [feed NAME] (the target for a queued one), or NULL. */
const char *conf_edit_file_of(const struct conf_edit *ed, const char *name);

/* Takes the [feed NAME] section (conf_edit_remove) out of the target
 * file: -ENOENT when no file has it, -EINVAL when another file holds it;
 * *ERR says which. A dropped name is not free for conf_edit_add in the
 * same edit. */
int conf_edit_drop(struct conf_edit *ed, const char *name, struct conf_edit_error *err);

/* Renames the [feed FROM] section of the target file to [feed TO]: the
 * header line alone changes (comments, keys and place stay); TO is
 * checked as a new name is (conf_edit_add). -ENOENT: no such feed;
 * -EINVAL: another file holds it, TO is refused, or a rename was made in
 * this edit already (one a time); *ERR says which. conf_edit_finish then
 * checks that the file reads back as before with FROM's section, key for
 * key, under TO. FROM stays taken in the edit. */
int conf_edit_rename(struct conf_edit *ed, const char *from, const char *to,
		     struct conf_edit_error *err);

/* Sets the keys of the existing [feed NAME] section of the target file
 * that a reader app may edit: its tags (TAGS, NULL-terminated; NULL: left
 * as they are; an empty list: none) and its title (TITLE; NULL: left as
 * it is; "": the title key taken out, the publisher's title again). The
 * values pass the checks of conf_edit_add (tags) and of a title (one
 * printable line of at most 200 bytes, no control characters or line
 * separators, no space at either end, no '#' or ';' at its start or after
 * a space, which the file would read as a comment). The old tags and title lines of the section go, the
 * new ones follow its header; every other byte stays. -ENOENT: no such
 * feed; -EINVAL: another file holds it, a value is refused, or a rename
 * or a set was made in this edit already (one a time); *ERR says which.
 * conf_edit_finish then checks that the file reads back as before with
 * exactly these keys of NAME changed. */
int conf_edit_set(struct conf_edit *ed, const char *name, const char *const *tags,
		  const char *title, struct conf_edit_error *err);

/* Validates F and queues its section. Returns 0, or -EINVAL with *ERR
 * filled and nothing queued. */
int conf_edit_add(struct conf_edit *ed, const struct conf_new_feed *f, struct conf_edit_error *err);

/* What conf_edit_add would answer, without queueing anything. */
int conf_edit_check(const struct conf_edit *ed, const struct conf_new_feed *f,
		    struct conf_edit_error *err);

/* The name of the feed (in the file, or queued) whose URL is URL (compared
 * as conf_edit_url writes it, without a fragment: one never sent to the
 * server makes no other feed), or NULL. */
const char *conf_edit_feed_by_url(const struct conf_edit *ed, const char *url);
/* A name for URL's feed unique in the file and the queue (see
 * conf_name_from_url). */
char *conf_edit_new_name(const struct conf_edit *ed, const char *url);
/* A name from TITLE (conf_name_from_title), else from URL, unique in the
 * file and the queue: "Blog 0" gives "blog-0", a second "blog-0-2". */
char *conf_edit_name_for(const struct conf_edit *ed, const char *title, const char *url);
/* NAME itself (a feed's own, from feedd's export), else NAME-2, NAME-3
 * ... : the first not taken in the file and the queue; NULL when NAME is
 * not a feed name a section can carry (the caller names the feed
 * otherwise). */
char *conf_edit_name_as(const struct conf_edit *ed, const char *name);
/* Whether NAME was queued by conf_edit_add (rather than in the file). */
bool conf_edit_queued(const struct conf_edit *ed, const char *name);

/* The target's new text: the old text less the dropped sections, with the
 * queued sections appended, checked: the configuration with it in the
 * target's place parses, and to exactly the old sections and keys, each in
 * its file, less the dropped ones, plus the queued sections with exactly
 * their keys in the target. NULL with *ERR filled (CONF_FIELD_FILE)
 * otherwise. *LEN (may be NULL) gets the length. */
char *conf_edit_finish(struct conf_edit *ed, size_t *len, struct conf_edit_error *err);

/* URL parsed by curl's URL API and written back in its normal form
 * ("HTTP://Example.org" gives "http://example.org/"): http, https or file
 * only, and nothing in it a config line or a shell could take for syntax:
 * control characters and spaces refused, quotes (" ' `) percent-encoded
 * (%22 %27 %60), as a browser sends them. Returns 0 and *OUT, or -EINVAL
 * with *ERR (CONF_FIELD_URL) filled. */
int conf_edit_url(const char *url, char **out, struct conf_edit_error *err);

/* TEXT without the [feed NAME] section (header to the next header);
 * NULL and *found = 0 when there is none. Writes no byte that was not in
 * TEXT. */
char *conf_edit_remove(const char *text, const char *name, int *found);
/* A feed name from a URL's site: the first label of its registrable domain
 * by the Public Suffix List (libpsl) — "https://en.mehrnews.com/rss" gives
 * "mehrnews", "https://user.github.io/" "user" — made unique against
 * EXISTS (called with candidate names; NULL: no check). */
char *conf_name_from_url(const char *url, int (*exists)(const char *name, void *arg), void *arg);

#define CONF_TITLE_SLUG 40
/* A feed name from a feed's title, a slug: letters (of any script) and
 * digits, ASCII and Latin-1 capitals lower-cased, every run of anything
 * else (spaces, punctuation, symbols, emoji, bytes that are not UTF-8) one
 * '-', at most CONF_TITLE_SLUG bytes, cut at a word's end when one is near
 * ("Blog 0" gives "blog-0", "Ärzte & Co." "ärzte-co"); made unique against
 * EXISTS like conf_name_from_url. NULL when nothing is left (the caller
 * then names the feed after its URL). */
char *conf_name_from_title(const char *title, int (*exists)(const char *name, void *arg), void *arg);

/* A tag from another reader's folder or category name: each run of the
 * characters a tag cannot hold (, / ? & # = ;), with the spaces around
 * it, becomes one '-' ("Tech & Science" gives "Tech-Science"), leading
 * and trailing ones dropped; everything else as written, for the tag
 * checks (case, length, control characters). NULL when nothing is left
 * (or out of memory). */
char *conf_tag_from_text(const char *text);

/* Replaces PATH through a temporary file in the same directory, fsync and
 * rename, keeping its mode, and its owner and group where it may. A
 * symbolic link is followed: the file it names is replaced, the link
 * stays. TEXT should come from conf_edit_finish or conf_edit_remove. */
int conf_write_atomic(const char *path, const char *text, size_t len);
/* PATH with its symbolic links followed into OUT (a relative one from the
 * link's directory), also when what the last one names does not exist
 * yet: that is the file an edit makes. PATH itself when it is no link.
 * 0 or a negative errno (-ELOOP past 40 links). */
int conf_link_target(const char *path, char *out, size_t size);
/* Whether this user may replace PATH (a link followed), asked before an
 * edit starts: 0 (also when there is no file yet), -EACCES when it is
 * read-only for them (access(2) refuses, or it has no write bit for
 * anyone or none for its owner who is them: root's access(2) passes
 * anything, and the bits are what says "leave this alone"), its mode in
 * *MODE; else stat's negative errno. */
int conf_writable(const char *path, unsigned *mode);
/* Whether this user may make files in the directory that holds PATH (a
 * link followed), where conf_write_atomic writes the new file it renames
 * over PATH: 0 (also when there is no directory yet: the caller makes
 * it), -EACCES when they may not (access(2): root may, but on a read-only
 * file system), the directory in DIR (DIRLEN bytes) and its mode in
 * *MODE; else a negative errno. */
int conf_dir_writable(const char *path, char *dir, size_t dirlen, unsigned *mode);
/* Serialises edits of the config whose main file is PATH (feedctl's, the
 * reader API's): an exclusive flock on the directory holding it, taken
 * before the files are read and held until they are written, waiting up
 * to WAIT_MS. A descriptor for conf_unlock, -1 when the directory does
 * not exist yet (nothing to lock), or -EWOULDBLOCK when another edit
 * holds it that long, or another negative errno. */
int conf_lock(const char *path, int wait_ms);
void conf_unlock(int fd);
/* Reads a whole file (at most 16 MiB); NULL with errno set on failure. */
char *conf_read_file(const char *path, size_t *len);

#endif
