/* sanitize_int.h — the parts of core/sanitize.c's policy: which elements,
 * attributes, URI schemes and CSS survive (core/sanitize_policy.c) and the
 * style attribute's filter (core/sanitize_css.c). Internal to the
 * sanitizer.
 *
 * Ownership: names returned are static; sanitize_style() and
 * sanitize_uri() return heap strings the caller frees, or NULL. */
#ifndef FEEDD_SANITIZE_INT_H
#define FEEDD_SANITIZE_INT_H

#include <stdbool.h>
#include <stddef.h>

enum san_vocab {
	SAN_HTML,
	SAN_SVG,
	SAN_MATHML,
	SAN__COUNT
};

/* The element NAME (any case) as VOCAB spells it when VOCAB accepts it
 * (SVG's camel case restored), else NULL. */
const char *san_element(enum san_vocab vocab, const char *name);
/* The attribute NAME (any case) as VOCAB spells it when VOCAB accepts it
 * on its elements, else NULL. */
const char *san_attribute(enum san_vocab vocab, const char *name);
/* script, applet, style: dropped with everything inside them. */
bool san_drop_with_content(const char *name);
/* Elements written as <x /> with no end tag (feedparser's list). */
bool san_void(const char *name);
/* True when ELEMENT's ATTR holds a URI resolved against the base
 * (feedparser's RelativeURIResolver list). */
bool san_uri_attr(const char *element, const char *attr);
/* A URI's scheme is one feedparser's ACCEPTABLE_URI_SCHEMES has (or it has
 * none: a relative reference). */
bool san_scheme_ok(const char *uri);

/* The CSS properties and keywords feedparser's sanitize_style keeps. */
bool san_css_property(const char *name);
bool san_css_keyword(const char *word);
bool san_svg_css_property(const char *name);

/* feedparser's sanitize_style: STYLE filtered to the declarations it
 * keeps, "prop: value;" joined by spaces; "" when nothing survives; NULL
 * when out of memory. IN_SVG: the SVG paint properties are allowed too. */
char *sanitize_style(const char *style, bool in_svg);

/* REF (an attribute's value) made safe: tabs and line breaks taken out,
 * C0 controls and spaces trimmed, resolved against BASE when BASE is not
 * NULL and RESOLVE is true; "" when the scheme, before or after
 * resolution, is not an accepted one. NULL when out of memory. */
char *sanitize_uri(const char *ref, const char *base, bool resolve);

#endif
