/* fit.h — feedctl's human tables on a terminal: how wide it is, how wide a
 * string shows, a string cut to a width with "…", and a title as plain
 * text. Nothing here keeps state but the locale set once (LC_CTYPE only);
 * fit_plain's answer is the caller's to free. */
#ifndef FEEDCTL_FIT_H
#define FEEDCTL_FIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* The columns a line of stdout may take: 0 (no limit) when stdout is not
 * a terminal, else $COLUMNS when it is a number, else the terminal's
 * width (TIOCGWINSZ), else 80. */
size_t fit_columns(void);

/* The columns S takes on the terminal: wcwidth of each character in a
 * UTF-8 locale (0 for combining marks, 2 for wide ones), else one each;
 * control characters count 1 (fit_put shows them as spaces). */
size_t fit_width(const char *s);

/* Writes S to OUT with control characters as spaces; when it takes more
 * than MAXW columns (0: no limit), cut on a character boundary so that it
 * and the "…" that ends it take at most MAXW (spaces before the "…" are left
 * out). Returns the columns written. */
size_t fit_put(FILE *out, const char *s, size_t maxw);

/* Appends S to B as a column WIDTH wide: cut as fit_put does, then padded
 * with spaces. */
struct strbuf;
void fit_cell(struct strbuf *b, const char *s, size_t width);

/* S as plain text: tags (<b>, </a>, <br/>, <!-- -->) left out, white
 * space runs made one space, and the common entities decoded (&amp; &lt;
 * &gt; &quot; &apos; &#39; &nbsp; &#NNN; &#xHH;). A "<" that opens no tag
 * ("a < b") stays. Never NULL (strbuf aborts when out of memory). */
char *fit_plain(const char *s);

/* Sets a UTF-8 LC_CTYPE, the user's else C.UTF-8, once (what feedctl
 * prints is UTF-8, and libcurl reads an internationalised host name in
 * the locale's charset); false when neither exists. */
bool fit_utf8_locale(void);

#endif
