/* sanitize.h — an HTML fragment from a feed, repaired and made safe to
 * render: parsed by libxml2's HTML parser (which closes what was left
 * open and drops stray end tags) and written back out under feedparser's
 * sanitizer policy (docs/reader-api.md, "Entry content"):
 *
 *  - only feedparser's acceptable elements keep their tags; script,
 *    applet and style go with everything inside them; other elements
 *    lose their tags and keep their text;
 *  - only its acceptable attributes stay (no on*), style filtered like
 *    its sanitize_style; URI attributes whose scheme is not one it
 *    accepts (javascript:, data:, vbscript: ...) become "";
 *  - relative href/src (its RelativeURIResolver list) resolved against
 *    BASE, an empty one being BASE itself;
 *  - SVG and MathML inside <svg>/<math> with their own lists;
 *  - comments, processing instructions and doctypes dropped.
 *
 * The output is well-formed (every element closed, void ones as <br />,
 * text and attribute values escaped, valid UTF-8 with no control
 * character XML forbids). Sanitizing it again gives it back for ordinary
 * HTML (an element that lost its tags can change how libxml2 repairs the
 * rest, so the sanitizer reparses its own output, up to three passes,
 * until it is stable; pathological nesting may still move).
 *
 * Bounds: the first SANITIZE_MAX_INPUT bytes are read; elements nested
 * deeper than SANITIZE_MAX_DEPTH lose their tags, keeping their text.
 *
 * Ownership: the result is a new heap string the caller frees. */
#ifndef FEEDD_SANITIZE_H
#define FEEDD_SANITIZE_H

#include <stdbool.h>

#define SANITIZE_MAX_INPUT (1024u * 1024)
#define SANITIZE_MAX_DEPTH 100

/* HTML (NUL-terminated, invalid UTF-8 replaced) sanitized; BASE (or NULL)
 * is the URL relative references resolve against. NULL when HTML is NULL
 * or memory ran out. */
char *sanitize_html(const char *html, const char *base);

/* Whether S looks like HTML rather than plain text, by feedparser's rule
 * (_looks_like_html): an end tag (</b>) or a character reference (&amp;,
 * &#233;). A title kept with its markup (an Atom title of type html) is
 * then written as HTML, or turned into text where text is wanted. */
bool sanitize_looks_html(const char *s);

/* The text of the HTML fragment HTML, as a reader shows it: tags gone,
 * character references decoded, script and style dropped (new heap
 * string; NULL when HTML is NULL or memory ran out). White space is left
 * as it is: the caller's writer folds it. */
char *sanitize_text(const char *html);

/* A title as plain text, where plain text is wanted (sfeed's TSV): one
 * that looks like HTML (sanitize_looks_html) as sanitize_text reads it,
 * in a new heap string; NULL when TITLE is plain already (or NULL), or
 * memory ran out: the caller then writes TITLE as it is. */
char *sanitize_title_text(const char *title);

#endif
