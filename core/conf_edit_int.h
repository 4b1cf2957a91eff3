/* conf_edit_int.h — what the writer of feeds.conf shares among its files
 * (internal to core/conf_*.c): the refusal of a value and the checks every
 * value goes through (conf_refuse.c), and the rewriting of a section's
 * header and its keys (conf_section.c).
 *
 * Ownership: ERR is the caller's; conf_section_rename and conf_section_set
 * return a text the caller frees. */
#ifndef FEEDD_CONF_EDIT_INT_H
#define FEEDD_CONF_EDIT_INT_H

#include <stddef.h>

#include "core/conf_edit.h"

#define EDIT_MAX_URL   8192

/* What a tag may not hold besides a comma, which separates tags
 * (conf_edit_tag refuses them, conf_tag_from_text replaces them). */
#define CONF_TAG_REFUSED "/?&#=;"

/* Fills ERR (when not NULL) with F, VALUE quoted and the message; returns
 * -EINVAL. */
int conf_refuse(struct conf_edit_error *err, enum conf_field f, const char *value,
		const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* No control character, and UTF-8: what every value must be. */
int conf_check_text(struct conf_edit_error *err, enum conf_field f, const char *v);
/* The length of the well-formed UTF-8 character at C, or 0. */
size_t conf_utf8_seq(const unsigned char *c);

/* TEXT (LEN bytes) with the header of [feed FROM] rewritten "[feed TO]",
 * the rest byte for byte; its length in *LENP. NULL and *FOUND = 0 when
 * there is no such header; NULL and *FOUND = 1 when out of memory. */
char *conf_section_rename(const char *text, size_t len, const char *from, const char *to,
			  size_t *lenp, int *found);

/* TEXT (LEN bytes) with the lines of the keys KEYS[0..NKEYS-1] taken out
 * of the [feed NAME] section and LINES (whole lines, each ending in a
 * newline; may be "") put right after its header line, the rest byte for
 * byte; its length in *LENP. NULL and *FOUND as conf_section_rename. */
char *conf_section_set(const char *text, size_t len, const char *name,
		       const char *const *keys, size_t nkeys, const char *lines,
		       size_t *lenp, int *found);

#endif
