/* opml.h — OPML feed lists in (import) and out (export), with libxml2.
 *
 * Import reads OPML 1.0/2.0 as other readers write it (newsboat, Miniflux,
 * Feedly …): every outline with an xmlUrl is a feed; the text of the
 * outlines it is nested in, and each part of each path of its `category`
 * attribute (OPML 2.0: comma-separated, slash-delimited paths), become its
 * tags, lower-cased and trimmed but otherwise as written: the caller checks
 * them.
 * Parsed with XML_PARSE_NONET, no entity expansion, no DTD loading.
 *
 * Ownership: opml_parse hands over an array the caller frees with
 * opml_feeds_free; opml_export returns a heap string the caller frees. */
#ifndef FEEDD_OPML_H
#define FEEDD_OPML_H

#include <stddef.h>

#include "core/config.h"

struct opml_feed {
	char *title;       /* text or title attribute, may be NULL */
	char *url;         /* xmlUrl */
	char *site_url;    /* htmlUrl, may be NULL */
	char **tags;       /* NULL-terminated, lower-cased, unique */
	size_t tags_left_out;   /* tags past the cap of 16 (OPML_MAX_TAGS) */
};

int opml_parse(const char *buf, size_t len, struct opml_feed **out, size_t *n, char **err);
void opml_feeds_free(struct opml_feed *feeds, size_t n);

/* OPML 2.0 of the config's feeds, nested by first tag, every tag also in the
 * category attribute. TITLES[i] and SITE_URLS[i] (each may be NULL, or hold
 * NULL entries) give the feed titles and site links (htmlUrl) the daemon
 * knows. */
char *opml_export(const struct config *c, const char *const *titles,
		  const char *const *site_urls);

#endif
