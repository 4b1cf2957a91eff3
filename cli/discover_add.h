/* discover_add.h — what `feedctl add URL` is to add: URL itself when it is
 * a feed (as always), else the feeds the HTML page at URL announces
 * (core/discover.h), else the first well-known path on its site that is
 * one; every candidate fetched (bounded, under the address policy) and
 * checked by parsing it. One found: that one. Several: the one --pick N
 * names, all with --all, else none (they are listed, numbered).
 *
 * Ownership: discover_add fills a struct add_found the caller frees with
 * add_found_free (the URLs and the parsed feeds). */
#ifndef FEEDCTL_DISCOVER_ADD_H
#define FEEDCTL_DISCOVER_ADD_H

#include <stdbool.h>
#include <stddef.h>

#include "core/item.h"

struct add_feed {
	char *url;           /* as found: URL itself, or absolute from the page */
	struct doc *doc;     /* the feed, parsed */
};

struct add_found {
	struct add_feed *v;
	size_t n;
	bool discovered;     /* found through the page, not URL itself */
};

struct discover_add_opts {
	bool allow_private;  /* the address policy, as the daemon's */
	long pick;           /* 1-based place in the listing; 0: not given */
	bool all;
};

/* Returns 0 with FOUND (at least one feed), or an exit code after saying
 * why on stderr (CTL_EXIT_NOTHING after listing several). */
int discover_add(const char *url, const struct discover_add_opts *o, struct add_found *found);
void add_found_free(struct add_found *f);

#endif
