/* conf_refuse.c — a value the writer of feeds.conf refuses, and the check
 * every value goes through: the field's name, the value quoted safe for a
 * terminal (C escapes, "..." past 60 characters), the message (printf)
 * into a struct conf_edit_error; no control character and UTF-8 only.
 * conf_edit.c and conf_names.c call it; it calls neither.
 *
 * Ownership: nothing allocated outlives a call; ERR and OUT are the
 * caller's. */
#include "core/conf_edit_int.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"
#include "core/strbuf.h"
#include "core/utf8.h"

const char *conf_field_name(enum conf_field f)
{
	static const char *const names[] = {
		[CONF_FIELD_FILE] = "file",
		[CONF_FIELD_NAME] = "name",
		[CONF_FIELD_URL] = "url",
		[CONF_FIELD_TAG] = "tag",
		[CONF_FIELD_INTERVAL] = "interval",
		[CONF_FIELD_TITLE] = "title",
		[CONF_FIELD_RULE] = "filter rule",
	};
	return (unsigned)f < sizeof names / sizeof names[0] ? names[f] : "value";
}

/* The length of the well-formed UTF-8 character at C, or 0. */
size_t conf_utf8_seq(const unsigned char *c)
{
	size_t n = *c < 0x80 ? 1 : *c >= 0xc2 && *c <= 0xdf ? 2 : *c >= 0xe0 && *c <= 0xef ? 3 :
		   *c >= 0xf0 && *c <= 0xf4 ? 4 : 0;
	for (size_t i = 1; i < n; i++)
		if (!c[i])
			return 0;
	return n && utf8_xml_prefix(c, n) == n ? n : 0;
}

static bool is_utf8(const char *s)
{
	size_t n = strlen(s);
	return utf8_xml_prefix((const unsigned char *)s, n) == n;
}

/* V in double quotes, safe on a terminal: C escapes for control
 * characters, quotes, backslashes and bytes that are not UTF-8; long
 * values end in "...". */
void conf_quote(const char *v, char *out, size_t outlen)
{
	struct strbuf b = {0};
	strbuf_putc(&b, '"');
	const unsigned char *c = (const unsigned char *)v;
	for (size_t shown = 0; *c; shown++) {
		if (shown >= 60) {
			strbuf_puts(&b, "...");
			break;
		}
		size_t n = conf_utf8_seq(c);
		if (n == 1 && *c == '\n')
			strbuf_puts(&b, "\\n");
		else if (n == 1 && *c == '\r')
			strbuf_puts(&b, "\\r");
		else if (n == 1 && *c == '\t')
			strbuf_puts(&b, "\\t");
		else if (n == 1 && (*c == '"' || *c == '\\'))
			strbuf_printf(&b, "\\%c", *c);
		else if (n == 1 && (*c < 0x20 || *c == 0x7f))
			strbuf_printf(&b, "\\x%02x", *c);
		else if (n == 2 && c[0] == 0xc2 && c[1] <= 0x9f)
			strbuf_printf(&b, "\\u%04x", c[1]);
		else if (n)
			strbuf_put(&b, (const char *)c, n);
		else
			strbuf_printf(&b, "\\x%02x", *c);
		c += n ? n : 1;
	}
	strbuf_putc(&b, '"');
	snprintf(out, outlen, "%s", b.s);
	free(b.s);
}

int conf_refuse(struct conf_edit_error *err, enum conf_field f, const char *value,
	       const char *fmt, ...)
{
	if (!err)
		return -EINVAL;
	err->field = f;
	if (value)
		conf_quote(value, err->value, sizeof err->value);
	else
		err->value[0] = '\0';
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof err->msg, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* No control character, and UTF-8: what every value must be. */
int conf_check_text(struct conf_edit_error *err, enum conf_field f, const char *v)
{
	char buf[64];
	const char *p = config_control_problem(v, buf, sizeof buf);
	if (p)
		return conf_refuse(err, f, v, "%s", p);
	if (!is_utf8(v))
		return conf_refuse(err, f, v, "is not UTF-8 text");
	return 0;
}
