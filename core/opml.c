/* opml.c — OPML import and export. */
#include "core/opml.h"

#include <ctype.h>
#include <errno.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlsave.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"
#include "core/url.h"

#define OPML_MAX_DEPTH 32
#define OPML_MAX_FEEDS 100000
#define OPML_MAX_TAGS  16

struct walk {
	struct opml_feed *feeds;
	size_t n, cap;
	const char *path[OPML_MAX_DEPTH];   /* enclosing category names */
	size_t depth;
};

static char *lower_trim(const char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	size_t n = strlen(s);
	while (n && isspace((unsigned char)s[n - 1]))
		n--;
	char *out = strndup(s, n);
	/* Nothing else is rewritten here: a character a tag may not carry
	 * is for the import to rewrite or refuse, naming the outline and the
	 * tag (conf_tag_from_text), never to be turned quietly into another. */
	for (char *c = out; c && *c; c++)
		*c = (char)tolower((unsigned char)*c);
	return out;
}

static void add_tag(char ***tags, size_t *left_out, const char *raw)
{
	char *t = lower_trim(raw);
	if (!t || !*t) {
		free(t);
		return;
	}
	size_t n = 0;
	for (; *tags && (*tags)[n]; n++) {
		if (strcmp((*tags)[n], t) == 0) {
			free(t);
			return;
		}
	}
	if (n >= OPML_MAX_TAGS) {
		(*left_out)++;
		free(t);
		return;
	}
	char **nt = realloc(*tags, (n + 2) * sizeof *nt);
	if (!nt) {
		free(t);
		return;
	}
	nt[n] = t;
	nt[n + 1] = NULL;
	*tags = nt;
}

/* Each part of S split at SEPS a tag: a category's paths, a folder's
 * "Design/UX". */
static void add_tags_split(struct opml_feed *f, const char *s, const char *seps)
{
	char *copy = strdup(s), *save = NULL;
	for (char *t = copy ? strtok_r(copy, seps, &save) : NULL; t; t = strtok_r(NULL, seps, &save))
		add_tag(&f->tags, &f->tags_left_out, t);
	free(copy);
}

/* V (libxml2's, freed here) as a heap copy; NULL for none or empty. */
static char *prop_dup(xmlChar *v)
{
	if (!v)
		return NULL;
	char *s = *v ? strdup((const char *)v) : NULL;
	xmlFree(v);
	return s;
}

static char *attr(xmlNode *n, const char *name)
{
	return prop_dup(xmlGetProp(n, (const xmlChar *)name));
}

/* The feedd: attribute NAME of N (OPML_FEEDD_NS), as attr(). */
static char *ns_attr(xmlNode *n, const char *name)
{
	return prop_dup(xmlGetNsProp(n, (const xmlChar *)name, (const xmlChar *)OPML_FEEDD_NS));
}

static enum opml_bool ns_bool(xmlNode *n, const char *name)
{
	char *v = ns_attr(n, name);
	enum opml_bool b = !v ? OPML_UNSET : !strcmp(v, "yes") ? OPML_YES :
			   !strcmp(v, "no") ? OPML_NO : OPML_UNSET;
	free(v);
	return b;
}

/* The feedd: attribute NAME of N split at line ends (one rule a line),
 * empty lines left out; NULL when absent or empty. */
static char **ns_lines(xmlNode *n, const char *name)
{
	char *v = ns_attr(n, name);
	if (!v)
		return NULL;
	size_t k = 0, cap = 1;
	for (const char *c = v; *c; c++)
		cap += *c == '\n' || *c == '\r';
	char **out = calloc(cap + 1, sizeof *out);
	char *save = NULL;
	for (char *l = strtok_r(v, "\r\n", &save); out && l; l = strtok_r(NULL, "\r\n", &save))
		if (!(out[k++] = strdup(l)))
			k--;
	free(v);
	if (out && !k) {
		free(out);
		out = NULL;
	}
	return out;
}

/* What feedd's own export wrote about the feed of outline N. */
static void read_feedd_attrs(struct opml_feed *f, xmlNode *n)
{
	f->name = ns_attr(n, "name");
	f->conf_title = ns_attr(n, "title");
	f->interval = ns_attr(n, "interval");
	f->enabled = ns_bool(n, "enabled");
	f->allow_private = ns_bool(n, "allow_private");
	f->skip = ns_lines(n, "skip");
	f->keep = ns_lines(n, "keep");
}

static void walk(struct walk *w, xmlNode *node)
{
	for (xmlNode *n = node; n; n = n->next) {
		if (n->type != XML_ELEMENT_NODE || xmlStrcasecmp(n->name, (const xmlChar *)"outline"))
			continue;
		char *url = attr(n, "xmlUrl");
		if (!url)
			url = attr(n, "xmlurl");
		char *text = attr(n, "text");
		if (!text)
			text = attr(n, "title");
		if (url && w->n < OPML_MAX_FEEDS) {
			if (w->n == w->cap) {
				size_t cap = w->cap ? w->cap * 2 : 16;
				struct opml_feed *f = realloc(w->feeds, cap * sizeof *f);
				if (!f) {
					free(url);
					free(text);
					return;
				}
				w->feeds = f;
				w->cap = cap;
			}
			struct opml_feed *f = &w->feeds[w->n++];
			memset(f, 0, sizeof *f);
			f->url = url;
			f->title = text;
			text = NULL;
			f->site_url = attr(n, "htmlUrl");
			read_feedd_attrs(f, n);
			f->tags = calloc(1, sizeof(char *));
			/* A folder "Design/UX" is a path, as in a category. */
			for (size_t i = 0; i < w->depth; i++)
				add_tags_split(f, w->path[i], "/");
			char *cat = attr(n, "category");
			if (cat) {
				/* OPML 2.0: a comma-separated list of slash-delimited
				 * paths ("/news/tech,linux"); each part of a path is
				 * a tag, as each enclosing outline is. */
				add_tags_split(f, cat, ",/");
				free(cat);
			}
		} else {
			free(url);
			if (text && w->depth < OPML_MAX_DEPTH) {
				w->path[w->depth++] = text;
				walk(w, n->children);
				w->depth--;
			} else if (w->depth < OPML_MAX_DEPTH) {
				walk(w, n->children);
			}
		}
		free(text);
	}
}

int opml_parse(const char *buf, size_t len, struct opml_feed **out, size_t *n, char **err)
{
	*out = NULL;
	*n = 0;
	if (len > (size_t)64 * 1024 * 1024) {
		*err = strdup("OPML file too large");
		return -EFBIG;
	}
	xmlDoc *doc = xmlReadMemory(buf, (int)len, "feeds.opml", NULL,
				    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (!doc) {
		const xmlError *e = xmlGetLastError();
		if (asprintf(err, "not well-formed XML%s%s (line %d)", e ? ": " : "",
			     e && e->message ? e->message : "", e ? e->line : 0) < 0)
			*err = NULL;
		if (*err) {
			size_t l = strlen(*err);
			while (l && (*err)[l - 1] == '\n')
				(*err)[--l] = '\0';
		}
		return -EINVAL;
	}
	xmlNode *root = xmlDocGetRootElement(doc);
	if (!root || xmlStrcasecmp(root->name, (const xmlChar *)"opml")) {
		xmlFreeDoc(doc);
		*err = strdup("not an OPML document (the root element is not <opml>)");
		return -EINVAL;
	}
	/* A document that declares entities is refused, as feeds are. */
	if (doc->intSubset && doc->intSubset->entities) {
		xmlFreeDoc(doc);
		*err = strdup("OPML documents may not declare entities");
		return -EINVAL;
	}
	struct walk w = {0};
	for (xmlNode *c = root->children; c; c = c->next)
		if (c->type == XML_ELEMENT_NODE && !xmlStrcasecmp(c->name, (const xmlChar *)"body"))
			walk(&w, c->children);
	xmlFreeDoc(doc);
	*out = w.feeds;
	*n = w.n;
	return 0;
}

void opml_feeds_free(struct opml_feed *feeds, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(feeds[i].title);
		free(feeds[i].url);
		free(feeds[i].site_url);
		config_strv_free(feeds[i].tags);
		free(feeds[i].name);
		free(feeds[i].conf_title);
		free(feeds[i].interval);
		config_strv_free(feeds[i].skip);
		config_strv_free(feeds[i].keep);
	}
	free(feeds);
}

/* An attribute NAME=VALUE on O without the characters XML 1.0 forbids
 * (control characters but tab and line ends, U+FFFE and U+FFFF): a
 * publisher's title may hold them, and libxml2 writes them as they are,
 * which no reader (feedctl import included) would take back. */
static void set_prop(xmlNode *o, xmlNs *ns, const char *name, const char *value)
{
	size_t n = strlen(value);
	char *clean = malloc(n + 1), *w = clean;
	if (!clean)
		return;
	for (const unsigned char *p = (const unsigned char *)value; *p; p++) {
		if (*p < 0x20 && *p != '\t' && *p != '\n' && *p != '\r')
			continue;
		if (p[0] == 0xEF && p[1] == 0xBF && (p[2] == 0xBE || p[2] == 0xBF)) {
			p += 2;
			continue;
		}
		*w++ = (char)*p;
	}
	*w = '\0';
	xmlNewNsProp(o, ns, (const xmlChar *)name, (const xmlChar *)clean);
	free(clean);
}

/* LIST (NULL-terminated) joined by SEP, or NULL when empty or out of
 * memory. */
static char *join(char **list, const char *sep)
{
	if (!list || !list[0])
		return NULL;
	size_t len = 1;
	for (size_t t = 0; list[t]; t++)
		len += strlen(list[t]) + strlen(sep);
	char *out = calloc(1, len);
	for (size_t t = 0; out && list[t]; t++) {
		if (t)
			strcat(out, sep);
		strcat(out, list[t]);
	}
	return out;
}

/* F's feeds.conf settings that survive an export and an import
 * (opml.h), as feedd: attributes in NS. */
static void feedd_attrs(xmlNode *o, xmlNs *ns, const struct feed_conf *f)
{
	set_prop(o, ns, "name", f->name);
	if (f->title)
		set_prop(o, ns, "title", f->title);
	if (f->interval > 0) {
		char iv[32];
		config_fmt_duration(f->interval, iv, sizeof iv);
		set_prop(o, ns, "interval", iv);
	}
	set_prop(o, ns, "enabled", f->enabled ? "yes" : "no");
	set_prop(o, ns, "allow_private", f->allow_private ? "yes" : "no");
	/* A rule holds no line end (the file's syntax has none): one a line. */
	char *rules = join(f->skip, "\n");
	if (rules)
		set_prop(o, ns, "skip", rules);
	free(rules);
	if ((rules = join(f->keep, "\n")))
		set_prop(o, ns, "keep", rules);
	free(rules);
}

static void outline(xmlNode *parent, xmlNs *ns, const struct feed_conf *f, const char *title,
		    const char *site_url)
{
	xmlNode *o = xmlNewChild(parent, NULL, (const xmlChar *)"outline", NULL);
	xmlNewProp(o, (const xmlChar *)"type", (const xmlChar *)"rss");
	/* The name readers show: the daemon's, else the title key's. */
	if (!title)
		title = f->title;
	set_prop(o, NULL, "text", title ? title : f->name);
	if (title)
		set_prop(o, NULL, "title", title);
	set_prop(o, NULL, "xmlUrl", f->url);
	/* An htmlUrl is a web page: a site link that is not an http(s) URL
	 * (an Atom feed without <link> has its <id>, "urn:..." or
	 * "tag:...", as its link) is left out. */
	if (url_is_http(site_url))
		set_prop(o, NULL, "htmlUrl", site_url);
	char *cat = join(f->tags, ",");
	if (cat)
		xmlNewProp(o, (const xmlChar *)"category", (const xmlChar *)cat);
	free(cat);
	feedd_attrs(o, ns, f);
}

static const char *first_tag(const struct feed_conf *f)
{
	return f->tags && f->tags[0] ? f->tags[0] : NULL;
}

static const struct config *sort_ctx;

/* Untagged first, then by tag; ties by position, so the sort is stable. */
static int by_first_tag(const void *a, const void *b)
{
	size_t ia = *(const size_t *)a, ib = *(const size_t *)b;
	const char *ta = first_tag(&sort_ctx->feeds[ia]), *tb = first_tag(&sort_ctx->feeds[ib]);
	int r = (ta != NULL) - (tb != NULL);
	if (!r && ta)
		r = strcmp(ta, tb);
	return r ? r : (ia > ib) - (ia < ib);
}

char *opml_export(const struct config *c, const char *const *titles,
		  const char *const *site_urls)
{
	xmlDoc *doc = xmlNewDoc((const xmlChar *)"1.0");
	xmlNode *root = xmlNewNode(NULL, (const xmlChar *)"opml");
	xmlNewProp(root, (const xmlChar *)"version", (const xmlChar *)"2.0");
	xmlDocSetRootElement(doc, root);
	xmlNs *ns = xmlNewNs(root, (const xmlChar *)OPML_FEEDD_NS, (const xmlChar *)"feedd");
	xmlNode *head = xmlNewChild(root, NULL, (const xmlChar *)"head", NULL);
	xmlNewTextChild(head, NULL, (const xmlChar *)"title", (const xmlChar *)"feedd subscriptions");
	xmlNode *body = xmlNewChild(root, NULL, (const xmlChar *)"body", NULL);
	/* Untagged feeds at the top, then one group per first tag in tag
	 * order, feeds in file order within it (a stable sort, not a scan per
	 * group: 100 000 feeds export at once). */
	size_t *order = malloc((c->nfeeds + 1) * sizeof *order);
	for (size_t i = 0; order && i < c->nfeeds; i++)
		order[i] = i;
	if (order) {
		sort_ctx = c;
		qsort(order, c->nfeeds, sizeof *order, by_first_tag);
		xmlNode *group = NULL;
		const char *gtag = NULL;
		for (size_t k = 0; k < c->nfeeds; k++) {
			const struct feed_conf *f = &c->feeds[order[k]];
			const char *tag = first_tag(f);
			const char *title = titles ? titles[order[k]] : NULL;
			const char *site = site_urls ? site_urls[order[k]] : NULL;
			if (!tag) {
				outline(body, ns, f, title, site);
				continue;
			}
			if (!gtag || strcmp(gtag, tag) != 0) {
				group = xmlNewChild(body, NULL, (const xmlChar *)"outline", NULL);
				xmlNewProp(group, (const xmlChar *)"text", (const xmlChar *)tag);
				gtag = tag;
			}
			outline(group, ns, f, title, site);
		}
	}
	free(order);
	xmlChar *mem = NULL;
	int size = 0;
	xmlDocDumpFormatMemoryEnc(doc, &mem, &size, "UTF-8", 1);
	xmlFreeDoc(doc);
	char *out = mem ? strndup((const char *)mem, (size_t)size) : NULL;
	xmlFree(mem);
	return out;
}
