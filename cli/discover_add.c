/* discover_add.c — `feedctl add` given a site's page: the feeds it
 * announces or serves at a well-known path, checked, listed, picked. */
#include "cli/discover_add.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/feedcheck.h"
#include "cli/feedctl.h"
#include "cli/fit.h"
#include "core/conf_edit.h"
#include "core/discover.h"
#include "core/url.h"

/* A candidate takes less than a feed being added: there may be many. */
#define DISCOVER_FETCH_TIMEOUT 20L

/* One checked feed, with what the listing shows. */
struct cand {
	char *url;
	struct doc *doc;
	const char *title;   /* the link's title, else the feed's; borrowed */
	char *link_title;
};

static const char *format_label(enum doc_format f)
{
	switch (f) {
	case DOC_RSS: return "RSS";
	case DOC_RDF: return "RDF";
	case DOC_ATOM03:
	case DOC_ATOM10: return "Atom";
	case DOC_JSONFEED: return "JSON Feed";
	default: return "?";
	}
}

static void oom(void)
{
	fputs("feedctl: out of memory\n", stderr);
}

/* Fetches and parses CAND->url; true when it is a feed, else *WHY says why
 * not (heap, the caller frees). */
static bool check_cand(struct cand *c, bool allow_private, char **why)
{
	struct feedcheck_opts fo = {.allow_private = allow_private,
				    .timeout_s = DISCOVER_FETCH_TIMEOUT};
	struct feedcheck ck;
	*why = NULL;
	if (feedcheck_run(c->url, &fo, &ck) < 0) {
		*why = strdup("out of memory");
		return false;
	}
	bool ok = ck.result == FEEDCHECK_FEED;
	if (ok) {
		c->doc = ck.doc;
		ck.doc = NULL;
		c->title = c->link_title ? c->link_title : c->doc->feed.title;
	} else {
		*why = ck.err;
		ck.err = NULL;
	}
	feedcheck_clear(&ck);
	return ok;
}

static void print_listing(const char *page, const struct cand *c, size_t n)
{
	printf("%s announces %zu feeds:\n", page, n);
	size_t tw = 0, kw = 0;
	char (*titles)[120] = calloc(n, sizeof *titles);
	for (size_t i = 0; i < n; i++) {
		size_t w = strlen(format_label(c[i].doc->format));
		kw = w > kw ? w : kw;
	}
	for (size_t i = 0; titles && i < n; i++) {
		conf_quote(c[i].title ? c[i].title : "", titles[i], sizeof titles[i]);
		if (!c[i].title)
			strcpy(titles[i], "(untitled)");
		size_t w = fit_width(titles[i]);
		tw = w > tw ? w : tw;
	}
	for (size_t i = 0; i < n; i++) {
		struct strbuf b = {0};
		strbuf_printf(&b, "%3zu  %-*s  ", i + 1, (int)kw, format_label(c[i].doc->format));
		fit_cell(&b, titles ? titles[i] : "", tw);
		printf("%s  %s\n", b.s, c[i].url);
		free(b.s);
	}
	free(titles);
}

/* The feeds the page links to, each checked; those that are none are
 * named on stderr and left out. Returns the count, or -1 (no memory). */
static long from_links(const struct feedcheck *page, bool allow_private, struct cand *c,
		       size_t *nlinks)
{
	struct discover_list l;
	if (discover_links(page->page, page->page_len, page->url, page->content_type, &l) < 0)
		return -1;
	*nlinks = l.n;
	size_t n = 0;
	for (size_t i = 0; i < l.n; i++) {
		c[n] = (struct cand){.url = l.v[i].url, .link_title = l.v[i].title};
		l.v[i].url = l.v[i].title = NULL;
		char *why;
		if (check_cand(&c[n], allow_private, &why)) {
			n++;
			continue;
		}
		fprintf(stderr, "feedctl: %s links to %s (%s), which is left out: %s\n", page->url,
			c[n].url, discover_type_name(l.v[i].type), why ? why : "?");
		free(why);
		free(c[n].url);
		free(c[n].link_title);
		c[n] = (struct cand){0};
	}
	discover_list_free(&l);
	return (long)n;
}

/* The first well-known path on the page's site that is a feed, into C[0];
 * what each other one gave, into TRIED. Returns 1, 0 or -1. */
static int from_paths(const struct feedcheck *page, bool allow_private, struct cand *c,
		      struct strbuf *tried)
{
	for (const char *const *p = discover_paths; *p; p++) {
		char *u = url_resolve(page->url, *p);
		if (!u)
			return -1;
		if (strcmp(u, page->url) == 0) {
			strbuf_printf(tried, "\n  %s: the page itself", u);
			free(u);
			continue;
		}
		c[0] = (struct cand){.url = u};
		char *why;
		if (check_cand(&c[0], allow_private, &why))
			return 1;
		strbuf_printf(tried, "\n  %s: %s", u, why ? why : "?");
		free(why);
		free(u);
		c[0] = (struct cand){0};
	}
	return 0;
}

static int take(struct add_found *found, struct cand *c)
{
	struct add_feed *v = realloc(found->v, (found->n + 1) * sizeof *v);
	if (!v)
		return -1;
	found->v = v;
	v[found->n++] = (struct add_feed){.url = c->url, .doc = c->doc};
	free(c->link_title);
	*c = (struct cand){0};
	return 0;
}

/* The page at URL (CK) is no feed: what it announces, else what its site
 * serves at a well-known path. */
static int discover_page(const char *url, const struct feedcheck *ck,
			 const struct discover_add_opts *o, struct add_found *found)
{
	struct cand c[DISCOVER_MAX_LINKS] = {0};
	size_t nlinks = 0;
	int code = CTL_EXIT_LOCAL;
	struct strbuf tried = {0};
	long n = from_links(ck, o->allow_private, c, &nlinks);
	bool by_path = false;
	if (n == 0) {
		int r = from_paths(ck, o->allow_private, c, &tried);
		n = r;
		by_path = r == 1;
	}
	if (n < 0) {
		oom();
		goto out;
	}
	if (n == 0) {
		fprintf(stderr, "feedctl: found no feed at %s: the page %s, and none of its site's "
			"well-known feed paths is a feed:%s\n", url,
			nlinks ? "links to none that parses" :
			"announces none (no <link rel=\"alternate\"> with a feed type)",
			tried.s ? tried.s : "");
		goto out;
	}
	found->discovered = true;
	if (o->pick > n) {
		print_listing(ck->url, c, (size_t)n);
		fprintf(stderr, "feedctl: --pick %ld: %s has %ld feed%s\n", o->pick, url, n,
			n == 1 ? "" : "s");
		code = CTL_EXIT_USAGE;
		goto out;
	}
	if (n > 1 && !o->pick && !o->all) {
		print_listing(ck->url, c, (size_t)n);
		fprintf(stderr, "feedctl: none added: choose one with --pick N, or add all %ld "
			"with --all\n", n);
		code = CTL_EXIT_NOTHING;
		goto out;
	}
	if (by_path)
		printf("%s announces no feed; found one at %s\n", url, c[0].url);
	else if (n == 1)
		printf("%s announces one feed: %s\n", url, c[0].url);
	else if (o->pick)
		printf("%s announces %ld feeds; number %ld: %s\n", url, n, o->pick, c[o->pick - 1].url);
	else
		printf("%s announces %ld feeds; adding them all\n", url, n);
	for (long i = 0; i < n; i++) {
		if ((o->pick && i != o->pick - 1) || take(found, &c[i]) == 0)
			continue;
		oom();
		goto out;
	}
	code = 0;
out:
	for (size_t i = 0; i < DISCOVER_MAX_LINKS; i++) {
		free(c[i].url);
		free(c[i].link_title);
		doc_free(c[i].doc);
	}
	free(tried.s);
	return code;
}

int discover_add(const char *url, const struct discover_add_opts *o, struct add_found *found)
{
	memset(found, 0, sizeof *found);
	struct feedcheck_opts fo = {.allow_private = o->allow_private,
				    .keep_page = DISCOVER_MAX_PAGE};
	struct feedcheck ck;
	if (feedcheck_run(url, &fo, &ck) < 0) {
		oom();
		return CTL_EXIT_LOCAL;
	}
	int code = CTL_EXIT_LOCAL;
	if (ck.result == FEEDCHECK_FETCH_FAILED) {
		fprintf(stderr, "feedctl: cannot fetch %s: %s\n", url, ck.err);
	} else if (ck.result == FEEDCHECK_NOT_FEED && !discover_is_html(ck.content_type)) {
		fprintf(stderr, "feedctl: %s is not a feed: %s\n", url, ck.err);
	} else if (ck.result == FEEDCHECK_NOT_FEED) {
		code = discover_page(url, &ck, o, found);
	} else if (o->pick > 1) {
		fprintf(stderr, "feedctl: --pick %ld: %s is one feed itself\n", o->pick, url);
		code = CTL_EXIT_USAGE;
	} else {
		struct cand c = {.url = strdup(url), .doc = ck.doc};
		ck.doc = NULL;
		code = c.url && take(found, &c) == 0 ? 0 : CTL_EXIT_LOCAL;
		if (code) {
			oom();
			free(c.url);
			doc_free(c.doc);
		}
	}
	feedcheck_clear(&ck);
	if (code)
		add_found_free(found);
	return code;
}

void add_found_free(struct add_found *f)
{
	for (size_t i = 0; i < f->n; i++) {
		free(f->v[i].url);
		doc_free(f->v[i].doc);
	}
	free(f->v);
	memset(f, 0, sizeof *f);
}
