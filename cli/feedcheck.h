/* feedcheck.h — feedctl's one fetch of a URL (libcurl, bounded in size and
 * time, under the daemon's address policy on every connect), pushed
 * through the feed parser; for a body that is not a feed, the page is kept
 * for discovery (cli/discover_add.c).
 *
 * Ownership: feedcheck_run fills a struct feedcheck the caller clears
 * with feedcheck_clear (it frees the doc, the page and the strings). */
#ifndef FEEDCTL_FEEDCHECK_H
#define FEEDCTL_FEEDCHECK_H

#include <stdbool.h>
#include <stddef.h>

#include "core/item.h"

#define FEEDCHECK_MAX_BYTES (16 * 1024 * 1024)

struct feedcheck_opts {
	bool allow_private;        /* the address policy, as the daemon's */
	long timeout_s;            /* the whole transfer; 0: 60 s */
	size_t keep_page;          /* bytes of the body kept when it is not a feed; 0: none */
};

enum feedcheck_result {
	FEEDCHECK_FEED = 0,        /* doc is the feed */
	FEEDCHECK_FETCH_FAILED,    /* no 2xx body: err says why ("HTTP 404", a refused address) */
	FEEDCHECK_NOT_FEED,        /* a body that does not parse: err is the parser's */
};

struct feedcheck {
	enum feedcheck_result result;
	struct doc *doc;
	char *err;
	char *url;                 /* where the body came from, after redirects */
	char *content_type;        /* of the last response, or NULL */
	char *page;                /* NOT_FEED: the body's first keep_page bytes */
	size_t page_len;
};

/* Fetches URL once. Returns 0 with *OUT filled (see OUT->result), or
 * -ENOMEM. */
int feedcheck_run(const char *url, const struct feedcheck_opts *o, struct feedcheck *out);
void feedcheck_clear(struct feedcheck *c);

#endif
