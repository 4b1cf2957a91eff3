/* conf_section.c — feeds.conf's text cut at its section headers: the
 * [feed NAME] header found (spaces inside the brackets allowed), a feed's
 * section taken out with the comment lines above it (conf_edit_remove), a
 * header line rewritten for a rename. Text in, text out: no parsing of
 * values, no checks (conf_edit.c makes them before it calls these).
 *
 * Ownership: each function returns a new text the caller frees; the text
 * passed in is not touched. */
#include "core/conf_edit_int.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/strbuf.h"

/* Is the line at P a section header? */
static bool is_header(const char *p, const char *end)
{
	return p < end && *p == '[';
}

/* Is the line from P to END the header of [feed NAME]? */
static bool is_feed_header(const char *p, const char *end, const char *name)
{
	if (!is_header(p, end))
		return false;
	const char *close = memchr(p, ']', (size_t)(end - p));
	if (!close)
		return false;
	const char *q = p + 1;
	while (q < close && isspace((unsigned char)*q))
		q++;
	if ((size_t)(close - q) < 5 || strncmp(q, "feed", 4) != 0 || !isspace((unsigned char)q[4]))
		return false;
	q += 4;
	while (q < close && isspace((unsigned char)*q))
		q++;
	const char *e = close;
	while (e > q && isspace((unsigned char)e[-1]))
		e--;
	return (size_t)(e - q) == strlen(name) && strncmp(q, name, (size_t)(e - q)) == 0;
}

/* The first character of the line P..NEXT that is not white space, or
 * NEXT for a blank line. */
static const char *line_text(const char *p, const char *next)
{
	while (p < next && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
		p++;
	return p;
}

char *conf_edit_remove(const char *text, const char *name, int *found)
{
	*found = 0;
	const char *p = text, *end = text + strlen(text);
	const char *start = NULL, *stop = NULL;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *next = nl ? nl + 1 : end;
		if (start && !stop && is_header(p, end))
			stop = p;
		if (!start && is_feed_header(p, next, name))
			start = p;
		p = next;
	}
	if (!start)
		return NULL;
	if (!stop)
		stop = end;
	/* The section ends with its last key line and the blank lines after
	 * it: comments after that belong to what follows (the next section's
	 * own, a heading, a commented-out block), and stay. */
	const char *last = NULL;   /* the end of its last key line */
	for (const char *q = start; q < stop;) {
		const char *nl = memchr(q, '\n', (size_t)(stop - q));
		const char *next = nl ? nl + 1 : stop;
		const char *c = line_text(q, next);
		if (c < next && *c != '#' && *c != ';')
			last = next;
		q = next;
	}
	bool trailing_blank = false;
	if (last) {
		const char *q = last;
		while (q < stop) {
			const char *nl = memchr(q, '\n', (size_t)(stop - q));
			const char *next = nl ? nl + 1 : stop;
			if (line_text(q, next) < next)
				break;   /* not blank */
			trailing_blank = true;
			q = next;
		}
		stop = q;
	}
	/* Comment lines right above the header belong to the section (that is
	 * where `feedctl add` writes one); a blank line ends them. */
	while (start > text) {
		const char *prev = start - 1;            /* the '\n' ending the line above */
		const char *ls = prev;
		while (ls > text && ls[-1] != '\n')
			ls--;
		if (ls == prev || (*ls != '#' && *ls != ';'))
			break;
		start = ls;
	}
	/* Drop one blank line that separated the section from what was above,
	 * unless blank lines after it went with it (the one above then
	 * separates what was above from what follows). */
	if (!trailing_blank && start > text + 1 && start[-1] == '\n' && start[-2] == '\n')
		start--;
	*found = 1;
	struct strbuf b = {0};
	strbuf_put(&b, text, (size_t)(start - text));
	strbuf_put(&b, stop, (size_t)(end - stop));
	if (!b.s)
		b.s = strdup("");
	return b.s;
}

char *conf_section_rename(const char *text, size_t len, const char *from, const char *to,
			  size_t *lenp, int *found)
{
	*found = 0;
	/* The header line alone is rewritten: its comments, keys and place
	 * stay as they were. */
	const char *p = text, *end = text + len, *hdr = NULL, *hend = NULL;
	while (p < end && !hdr) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *next = nl ? nl + 1 : end;
		if (is_feed_header(p, next, from)) {
			hdr = p;
			hend = memchr(p, ']', (size_t)(next - p)) + 1;
		}
		p = next;
	}
	if (!hdr)
		return NULL;
	*found = 1;
	struct strbuf b = {0};
	strbuf_put(&b, text, (size_t)(hdr - text));
	strbuf_puts(&b, "[feed ");
	strbuf_puts(&b, to);
	strbuf_putc(&b, ']');
	strbuf_put(&b, hend, (size_t)(end - hend));
	if (b.s && lenp)
		*lenp = b.len;
	return b.s;
}

/* Is the line from P to END "KEY = ..." for one of KEYS? */
static bool is_key_line(const char *p, const char *end, const char *const *keys, size_t nkeys)
{
	const char *eq = memchr(p, '=', (size_t)(end - p));
	if (!eq || *p == '#' || *p == ';' || *p == '[')
		return false;
	const char *k = eq;
	while (k > p && (k[-1] == ' ' || k[-1] == '\t'))
		k--;
	for (size_t i = 0; i < nkeys; i++)
		if ((size_t)(k - p) == strlen(keys[i]) && strncmp(p, keys[i], (size_t)(k - p)) == 0)
			return true;
	return false;
}

char *conf_section_set(const char *text, size_t len, const char *name,
		       const char *const *keys, size_t nkeys, const char *lines,
		       size_t *lenp, int *found)
{
	*found = 0;
	const char *p = text, *end = text + len, *body = NULL;
	struct strbuf b = {0};
	bool in = false, done = false;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *next = nl ? nl + 1 : end;
		if (in && is_header(p, end)) {
			in = false;
			done = true;
		}
		if (!done && !in && is_feed_header(p, next, name)) {
			/* The header, then the new lines. */
			in = true;
			body = next;
			strbuf_put(&b, p, (size_t)(next - p));
			if (!nl)
				strbuf_putc(&b, '\n');
			strbuf_puts(&b, lines);
		} else if (!(in && is_key_line(p, next, keys, nkeys))) {
			strbuf_put(&b, p, (size_t)(next - p));
		}
		p = next;
	}
	if (!body) {
		free(b.s);
		return NULL;
	}
	*found = 1;
	if (!b.s)
		b.s = strdup("");
	if (b.s && lenp)
		*lenp = b.len;
	return b.s;
}
