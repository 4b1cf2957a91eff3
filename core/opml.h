/* opml.h — OPML feed lists in (import) and out (export), with libxml2.
 *
 * Import reads OPML 1.0/2.0 as other readers write it (newsboat, Miniflux,
 * Feedly …): every outline with an xmlUrl is a feed; the text of the
 * outlines it is nested in (a folder "Design/UX" split at its slashes),
 * and each part of each path of its `category` attribute (OPML 2.0:
 * comma-separated, slash-delimited paths), become its tags, lower-cased
 * and trimmed but otherwise as written: the caller rewrites or checks
 * them.
 * Parsed with XML_PARSE_NONET, no entity expansion, no DTD loading.
 *
 * feedd's own export also writes each feed's feeds.conf settings, as
 * attributes in the namespace OPML_FEEDD_NS (prefix "feedd", which OPML 2.0
 * allows and other readers ignore): feedd:name (the section's name),
 * feedd:title (its title key), feedd:interval, feedd:enabled,
 * feedd:allow_private, and feedd:skip and feedd:keep (the filter rules, one
 * a line). Import reads them back, as written: the caller checks them and
 * decides what a section needs. exec, headers, auth_file and proxy are
 * never written (a command, secrets, local files: not for a file that is
 * passed around), nor the other keys (docs/feedctl.1, "export").
 *
 * Ownership: opml_parse hands over an array the caller frees with
 * opml_feeds_free; opml_export returns a heap string the caller frees. */
#ifndef FEEDD_OPML_H
#define FEEDD_OPML_H

#include <stddef.h>

#include "core/config.h"

/* feedd's namespace for the settings it exports. */
#define OPML_FEEDD_NS "urn:x-feedd:opml"

/* A yes/no attribute: absent (or neither word), yes, no. */
enum opml_bool { OPML_UNSET = 0, OPML_YES, OPML_NO };

struct opml_feed {
	char *title;       /* text or title attribute, may be NULL */
	char *url;         /* xmlUrl */
	char *site_url;    /* htmlUrl, may be NULL */
	char **tags;       /* NULL-terminated, lower-cased, unique */
	size_t tags_left_out;   /* tags past the cap of 16 (OPML_MAX_TAGS) */
	/* The feedd: attributes, each NULL (OPML_UNSET) when absent: */
	char *name;        /* feedd:name */
	char *conf_title;  /* feedd:title, feeds.conf's title key */
	char *interval;    /* feedd:interval ("15m") */
	enum opml_bool enabled, allow_private;
	char **skip, **keep;    /* feedd:skip, feedd:keep split at line ends,
				 * NULL-terminated, empty lines left out */
};

int opml_parse(const char *buf, size_t len, struct opml_feed **out, size_t *n, char **err);
void opml_feeds_free(struct opml_feed *feeds, size_t n);

/* OPML 2.0 of the config's feeds, nested by first tag, every tag also in the
 * category attribute, and each feed's settings in force as feedd:
 * attributes (above). TITLES[i] and SITE_URLS[i] (each may be NULL, or
 * hold NULL entries) give the feed titles and site links (htmlUrl) the
 * daemon knows. */
char *opml_export(const struct config *c, const char *const *titles,
		  const char *const *site_urls);

#endif
