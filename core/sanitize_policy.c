/* sanitize_policy.c — what the HTML sanitizer lets through: feedparser's
 * HTMLSanitizer lists (elements, attributes, CSS, SVG and MathML), its
 * RelativeURIResolver's URI attributes and its accepted URI schemes,
 * copied from feedparser 6 (sanitizer.py, urls.py; BSD-2-Clause). Each
 * list is sorted case-insensitively, for bsearch. */
#include "core/sanitize_int.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/url.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static const char *const acceptable_elements[] = {
	"a", "abbr", "acronym", "address", "area", "article", "aside", "audio", "b", "big",
	"blockquote", "br", "button", "canvas", "caption", "center", "cite", "code", "col",
	"colgroup", "command", "datagrid", "datalist", "dd", "del", "details", "dfn",
	"dialog", "dir", "div", "dl", "dt", "em", "event-source", "fieldset", "figcaption",
	"figure", "font", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header",
	"hr", "i", "img", "input", "ins", "kbd", "keygen", "label", "legend", "li", "m",
	"map", "menu", "meter", "multicol", "nav", "nextid", "noscript", "ol", "optgroup",
	"option", "output", "p", "pre", "progress", "q", "rp", "rt", "ruby", "s", "samp",
	"section", "select", "small", "sound", "source", "spacer", "span", "strike", "strong",
	"sub", "sup", "table", "tbody", "td", "textarea", "tfoot", "th", "thead", "time",
	"tr", "tt", "u", "ul", "var", "video",
};

static const char *const acceptable_attributes[] = {
	"abbr", "accept", "accept-charset", "accesskey", "action", "align", "alt",
	"autocomplete", "autofocus", "axis", "background", "balance", "bgcolor",
	"bgproperties", "border", "bordercolor", "bordercolordark", "bordercolorlight",
	"bottompadding", "cellpadding", "cellspacing", "ch", "challenge", "char", "charoff",
	"charset", "checked", "choff", "cite", "class", "clear", "color", "cols", "colspan",
	"compact", "contenteditable", "controls", "coords", "data", "datafld", "datapagesize",
	"datasrc", "datetime", "default", "delay", "dir", "disabled", "draggable", "dynsrc",
	"enctype", "end", "face", "for", "form", "frame", "galleryimg", "gutter", "headers",
	"height", "hidden", "hidefocus", "high", "href", "hreflang", "hspace", "icon", "id",
	"inputmode", "ismap", "keytype", "label", "lang", "leftspacing", "list", "longdesc",
	"loop", "loopcount", "loopend", "loopstart", "low", "lowsrc", "max", "maxlength",
	"media", "method", "min", "multiple", "name", "nohref", "noshade", "nowrap", "open",
	"optimum", "pattern", "ping", "point-size", "poster", "pqg", "preload", "prompt",
	"radiogroup", "readonly", "rel", "repeat-max", "repeat-min", "replace", "required",
	"rev", "rightspacing", "rows", "rowspan", "rules", "scope", "selected", "shape",
	"size", "span", "src", "start", "step", "style", "summary", "suppress", "tabindex",
	"target", "template", "title", "toppadding", "type", "unselectable", "urn", "usemap",
	"valign", "value", "variable", "volume", "vrml", "vspace", "width", "wrap",
	"xml:lang",
};

static const char *const acceptable_css_properties[] = {
	"azimuth", "background-color", "border-bottom-color", "border-collapse",
	"border-color", "border-left-color", "border-right-color", "border-top-color",
	"clear", "color", "cursor", "direction", "display", "elevation", "float", "font",
	"font-family", "font-size", "font-style", "font-variant", "font-weight", "height",
	"letter-spacing", "line-height", "overflow", "pause", "pause-after", "pause-before",
	"pitch", "pitch-range", "richness", "speak", "speak-header", "speak-numeral",
	"speak-punctuation", "speech-rate", "stress", "text-align", "text-decoration",
	"text-indent", "unicode-bidi", "vertical-align", "voice-family", "volume",
	"white-space", "width",
};

static const char *const acceptable_css_keywords[] = {
	"!important", "aqua", "auto", "black", "block", "blue", "bold", "both", "bottom",
	"brown", "center", "collapse", "dashed", "dotted", "fuchsia", "gray", "green",
	"italic", "left", "lime", "maroon", "medium", "navy", "none", "normal", "nowrap",
	"olive", "pointer", "purple", "red", "right", "silver", "solid", "teal", "top",
	"transparent", "underline", "white", "yellow",
};

static const char *const mathml_elements[] = {
	"annotation", "annotation-xml", "maction", "maligngroup", "malignmark", "math",
	"menclose", "merror", "mfenced", "mfrac", "mglyph", "mi", "mlabeledtr", "mlongdiv",
	"mmultiscripts", "mn", "mo", "mover", "mpadded", "mphantom", "mprescripts", "mroot",
	"mrow", "ms", "mscarries", "mscarry", "msgroup", "msline", "mspace", "msqrt", "msrow",
	"mstack", "mstyle", "msub", "msubsup", "msup", "mtable", "mtd", "mtext", "mtr",
	"munder", "munderover", "none", "semantics",
};

static const char *const mathml_attributes[] = {
	"accent", "accentunder", "actiontype", "align", "alignmentscope", "altimg",
	"altimg-height", "altimg-valign", "altimg-width", "alttext", "bevelled", "charalign",
	"close", "columnalign", "columnlines", "columnspacing", "columnspan", "columnwidth",
	"crossout", "decimalpoint", "denomalign", "depth", "dir", "display", "displaystyle",
	"edge", "encoding", "equalcolumns", "equalrows", "fence", "fontstyle", "fontweight",
	"form", "frame", "framespacing", "groupalign", "height", "href", "id", "indentalign",
	"indentalignfirst", "indentalignlast", "indentshift", "indentshiftfirst",
	"indentshiftlast", "indenttarget", "infixlinebreakstyle", "largeop", "length",
	"linebreak", "linebreakmultchar", "linebreakstyle", "lineleading", "linethickness",
	"location", "longdivstyle", "lquote", "lspace", "mathbackground", "mathcolor",
	"mathsize", "mathvariant", "maxsize", "minlabelspacing", "minsize", "movablelimits",
	"notation", "numalign", "open", "other", "overflow", "position", "rowalign",
	"rowlines", "rowspacing", "rowspan", "rquote", "rspace", "scriptlevel",
	"scriptminsize", "scriptsizemultiplier", "selection", "separator", "separators",
	"shift", "side", "src", "stackalign", "stretchy", "subscriptshift",
	"superscriptshift", "symmetric", "voffset", "width", "xlink:href", "xlink:show",
	"xlink:type", "xmlns", "xmlns:xlink",
};

static const char *const svg_elements[] = {
	"a", "animate", "animateColor", "animateMotion", "animateTransform", "circle", "defs",
	"desc", "ellipse", "font-face", "font-face-name", "font-face-src", "foreignObject",
	"g", "glyph", "hkern", "line", "linearGradient", "marker", "metadata",
	"missing-glyph", "mpath", "path", "polygon", "polyline", "radialGradient", "rect",
	"set", "stop", "svg", "switch", "text", "title", "tspan", "use",
};

static const char *const svg_attributes[] = {
	"accent-height", "accumulate", "additive", "alphabetic", "arabic-form", "ascent",
	"attributeName", "attributeType", "baseProfile", "bbox", "begin", "by", "calcMode",
	"cap-height", "class", "color", "color-rendering", "content", "cx", "cy", "d",
	"descent", "display", "dur", "dx", "dy", "end", "fill", "fill-opacity", "fill-rule",
	"font-family", "font-size", "font-stretch", "font-style", "font-variant",
	"font-weight", "from", "fx", "fy", "g1", "g2", "glyph-name", "gradientUnits",
	"hanging", "height", "horiz-adv-x", "horiz-origin-x", "id", "ideographic", "k",
	"keyPoints", "keySplines", "keyTimes", "lang", "marker-end", "marker-mid",
	"marker-start", "markerHeight", "markerUnits", "markerWidth", "mathematical", "max",
	"min", "name", "offset", "opacity", "orient", "origin", "overline-position",
	"overline-thickness", "panose-1", "path", "pathLength", "points",
	"preserveAspectRatio", "r", "refX", "refY", "repeatCount", "repeatDur",
	"requiredExtensions", "requiredFeatures", "restart", "rotate", "rx", "ry", "slope",
	"stemh", "stemv", "stop-color", "stop-opacity", "strikethrough-position",
	"strikethrough-thickness", "stroke", "stroke-dasharray", "stroke-dashoffset",
	"stroke-linecap", "stroke-linejoin", "stroke-miterlimit", "stroke-opacity",
	"stroke-width", "systemLanguage", "target", "text-anchor", "to", "transform", "type",
	"u1", "u2", "underline-position", "underline-thickness", "unicode", "unicode-range",
	"units-per-em", "values", "version", "viewBox", "visibility", "width", "widths", "x",
	"x-height", "x1", "x2", "xlink:actuate", "xlink:arcrole", "xlink:href", "xlink:role",
	"xlink:show", "xlink:title", "xlink:type", "xml:base", "xml:lang", "xml:space",
	"xmlns", "xmlns:xlink", "y", "y1", "y2", "zoomAndPan",
};

static const char *const acceptable_svg_properties[] = {
	"fill", "fill-opacity", "fill-rule", "stroke", "stroke-linecap", "stroke-linejoin",
	"stroke-opacity", "stroke-width",
};
static const char *const drop_with_content[] = { "applet", "script", "style" };

static const char *const void_elements[] = {
	"area", "base", "basefont", "br", "col", "command", "embed", "frame", "hr", "img",
	"input", "isindex", "keygen", "link", "meta", "param", "source", "track", "wbr",
};

/* element/attribute pairs, sorted */
static const char *const uri_attrs[] = {
	"a/href", "applet/codebase", "area/href", "audio/src", "blockquote/cite",
	"body/background", "del/cite", "form/action", "frame/longdesc", "frame/src",
	"head/profile", "iframe/longdesc", "iframe/src", "img/longdesc", "img/src",
	"img/usemap", "input/src", "input/usemap", "ins/cite", "link/href",
	"object/classid", "object/codebase", "object/data", "object/usemap", "q/cite",
	"script/src", "source/src", "video/poster", "video/src",
};

static const char *const uri_schemes[] = {
	"aim", "callto", "cvs", "facetime", "feed", "file", "ftp", "git", "gopher", "gtalk",
	"h323", "hdl", "http", "https", "imap", "irc", "irc6", "ircs", "itms", "magnet",
	"mailto", "mms", "msnim", "news", "nntp", "prospero", "rsync", "rtsp", "rtspu",
	"sftp", "shttp", "sip", "sips", "skype", "smb", "snews", "ssh", "svn", "svn+ssh",
	"telnet", "wais", "ymsg",
};

static int cmp_name(const void *key, const void *elem)
{
	return strcasecmp(key, *(const char *const *)elem);
}

static const char *find(const char *const *list, size_t n, const char *name)
{
	const char *const *hit = bsearch(name, list, n, sizeof *list, cmp_name);
	return hit ? *hit : NULL;
}

#define FIND(list, name) find(list, COUNT(list), name)

const char *san_element(enum san_vocab vocab, const char *name)
{
	switch (vocab) {
	case SAN_SVG:
		return FIND(svg_elements, name);
	case SAN_MATHML:
		return FIND(mathml_elements, name);
	default:
		return FIND(acceptable_elements, name);
	}
}

const char *san_attribute(enum san_vocab vocab, const char *name)
{
	switch (vocab) {
	case SAN_SVG:
		return FIND(svg_attributes, name);
	case SAN_MATHML:
		return FIND(mathml_attributes, name);
	default:
		return FIND(acceptable_attributes, name);
	}
}

bool san_drop_with_content(const char *name)
{
	return FIND(drop_with_content, name) != NULL;
}

bool san_void(const char *name)
{
	return FIND(void_elements, name) != NULL;
}

bool san_uri_attr(const char *element, const char *attr)
{
	char key[64];
	size_t ne = strlen(element), na = strlen(attr);
	if (ne + na + 2 > sizeof key)
		return false;
	memcpy(key, element, ne);
	key[ne] = '/';
	memcpy(key + ne + 1, attr, na + 1);
	return FIND(uri_attrs, key) != NULL;
}

bool san_css_property(const char *name)
{
	return FIND(acceptable_css_properties, name) != NULL;
}

bool san_css_keyword(const char *word)
{
	/* feedparser compares keywords case-sensitively. */
	const char *hit = FIND(acceptable_css_keywords, word);
	return hit && !strcmp(hit, word);
}

bool san_svg_css_property(const char *name)
{
	return FIND(acceptable_svg_properties, name) != NULL;
}

/* The scheme as RFC 3986 spells one (a letter, then letters, digits, + - .)
 * before the first ':', when that ':' comes before any '/', '?' or '#'. */
bool san_scheme_ok(const char *uri)
{
	size_t n = strcspn(uri, ":/?#");
	if (uri[n] != ':')
		return true;            /* no scheme: a relative reference */
	char scheme[16];
	if (n == 0 || n >= sizeof scheme)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = uri[i];
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			  (i > 0 && ((c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.'));
		if (!ok)
			return true;    /* not a scheme: browsers read it as a path */
		scheme[i] = c;
	}
	scheme[n] = '\0';
	if (!FIND(uri_schemes, scheme))
		return false;
	/* feed: wraps another URI ("feed:https://…"): that one must pass
	 * too ("feed:javascript:…" does not). */
	if (!strcasecmp(scheme, "feed") && uri[n + 1] && uri[n + 1] != '/')
		return san_scheme_ok(uri + n + 1);
	return true;
}

/* REF without tabs and line breaks, without C0 controls and spaces
 * around it: what a browser's URL parser ignores must not hide a scheme
 * ("java\tscript:" is javascript:). */
static char *uri_clean(const char *ref)
{
	size_t n = strlen(ref);
	char *clean = malloc(n + 1);
	if (!clean)
		return NULL;
	size_t len = 0;
	for (const unsigned char *p = (const unsigned char *)ref; *p; p++)
		if (*p != '\t' && *p != '\n' && *p != '\r')
			clean[len++] = (char)*p;
	clean[len] = '\0';
	size_t start = 0;
	while (start < len && (unsigned char)clean[start] <= ' ')
		start++;
	while (len > start && (unsigned char)clean[len - 1] <= ' ')
		clean[--len] = '\0';
	if (start)
		memmove(clean, clean + start, len - start + 1);
	return clean;
}

char *sanitize_uri(const char *ref, const char *base, bool resolve)
{
	char *clean = uri_clean(ref);
	if (clean && !san_scheme_ok(clean))
		clean[0] = '\0';
	else if (clean && resolve && base && *base) {
		char *r = url_resolve(base, clean);
		free(clean);
		/* The base may bring what the reference did not. */
		clean = r ? uri_clean(r) : NULL;
		free(r);
		if (clean && !san_scheme_ok(clean))
			clean[0] = '\0';
	}
	return clean;
}
