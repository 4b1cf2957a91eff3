/* conf_edit.h — edits feeds.conf as text, for feedctl add/remove/import:
 * every other byte of the file (comments, order, spacing) stays as it was.
 *
 * The functions take the file's text and return a new heap string the
 * caller frees. conf_write_atomic replaces a file through a temporary file
 * in the same directory, fsync and rename, keeping its mode. */
#ifndef FEEDD_CONF_EDIT_H
#define FEEDD_CONF_EDIT_H

#include <stddef.h>

struct conf_new_feed {
	const char *name;
	const char *url;
	const char *const *tags;   /* NULL-terminated, or NULL */
	const char *interval;      /* as written by the user ("15m"), or NULL */
	const char *comment;       /* a "# ..." line above the section, or NULL */
};

/* TEXT with a [feed NAME] section appended. */
char *conf_edit_add(const char *text, const struct conf_new_feed *f);
/* TEXT without the [feed NAME] section (header to the next header);
 * NULL and *found = 0 when there is none. */
char *conf_edit_remove(const char *text, const char *name, int *found);
/* A feed name from a URL's site ("https://en.mehrnews.com/rss" gives
 * "mehrnews"), made unique against EXISTS (called with candidate names). */
char *conf_name_from_url(const char *url, int (*exists)(const char *name, void *arg), void *arg);

int conf_write_atomic(const char *path, const char *text, size_t len);
/* Reads a whole file (at most 16 MiB); NULL with errno set on failure. */
char *conf_read_file(const char *path, size_t *len);

#endif
