/* parse_cli.c — `feedd --parse`: the parser on local files, JSON out.
 *
 * The JSON is apifmt_doc_json's, the direct writer the API's item rows use
 * (no jansson tree), written in its parts as the items come out of the
 * parser one at a time (see on_item), through stdout's (enlarged) stdio
 * buffer. */
#include "daemon/parse_cli.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/sendfile.h>

#include "core/apifmt.h"
#include "core/config.h"
#include "core/parse.h"
#include "core/sanitize.h"

static void usage(void)
{
	fprintf(stderr, "usage: feedd --parse [--sanitize] [--url URL] [--header \"Name: value\"]... "
			"[--max-size SIZE] FILE...\n");
}

/* Takes "Name: value" into the matching parse_opts field. */
static int take_header(struct parse_opts *o, const char *h)
{
	const char *colon = strchr(h, ':');
	if (!colon)
		return -EINVAL;
	size_t n = (size_t)(colon - h);
	const char *v = colon + 1;
	while (*v == ' ' || *v == '\t')
		v++;
	if (n == 12 && strncasecmp(h, "Content-Type", n) == 0)
		o->content_type = v;
	else if (n == 16 && strncasecmp(h, "Content-Location", n) == 0)
		o->content_location = v;
	else if (n == 16 && strncasecmp(h, "Content-Language", n) == 0)
		o->content_language = v;
	/* Other headers carry nothing the parser uses. */
	return 0;
}

/* Items are rendered as the parser hands them out (parse_opts.on_item)
 * and not kept; past SPILL_BYTES the rendered ones go on to an unlinked
 * temporary file, so that memory stays bounded by one item (and this
 * buffer) however long the document. The JSON has the feed's fields first,
 * but a feed's elements may come anywhere in the document, after the
 * items too: so a document is written out when its parse has ended — the
 * head (the feed), the spilled items, the rest, the tail. A document that
 * fails writes nothing. */
#define SPILL_BYTES (1024u * 1024)

struct out_ctx {
	struct buf head;         /* the feed's part, reused between files */
	struct buf items;        /* rendered items not spilled yet, reused */
	FILE *spill;             /* items past SPILL_BYTES (tmpfile), or NULL */
	bool no_spill;           /* tmpfile failed: the items stay in memory */
	size_t nitems;           /* items of this document rendered */
	size_t spilled;          /* bytes of this document in spill */
	bool failed;             /* a buffer could not grow, or the spill failed */
	bool sanitize;           /* --sanitize: HTML fields through sanitize_html */
	const char *base;        /* --url: what sanitize_html resolves against */
};

/* --sanitize: the HTML fields as the reader API hands them to a client
 * (core/sanitize.h). Titles are sanitized only when they hold markup: a
 * plain-text title keeps its characters. */
static char *clean(const char *html, const char *base, bool *oom)
{
	if (!html)
		return NULL;
	char *r = sanitize_html(html, base);
	if (!r)
		*oom = true;
	return r;
}

static char *clean_title(const char *t, const char *base, bool *oom)
{
	return t && strchr(t, '<') ? clean(t, base, oom) : NULL;
}

static void on_item(const struct item *it, void *arg)
{
	struct out_ctx *ctx = arg;
	struct buf *b = &ctx->items;
	if (ctx->failed)
		return;
	if (ctx->nitems++)
		buf_append(b, ",", 1);
	if (ctx->sanitize) {
		struct item c = *it;
		bool oom = false;
		char *title = clean_title(it->title, ctx->base, &oom);
		char *summary = clean(it->summary, ctx->base, &oom);
		char *content = clean(it->content, ctx->base, &oom);
		c.title = title ? title : it->title;
		c.summary = summary;
		c.content = content;
		apifmt_item_json(b, &c);
		free(title);
		free(summary);
		free(content);
		ctx->failed |= oom;
	} else {
		apifmt_item_json(b, it);
	}
	if (b->oom) {
		ctx->failed = true;
		return;
	}
	if (b->len < SPILL_BYTES || ctx->no_spill)
		return;
	if (!ctx->spill && !(ctx->spill = tmpfile())) {
		ctx->no_spill = true;
		return;
	}
	if (fwrite(b->data, 1, b->len, ctx->spill) != b->len)
		ctx->failed = true;
	ctx->spilled += b->len;
	b->len = 0;
}

/* Empties the items of the last document, spilled ones too. */
static void items_reset(struct out_ctx *ctx)
{
	ctx->items.len = 0;
	ctx->items.oom = false;
	if (ctx->spill && ctx->spilled) {
		rewind(ctx->spill);
		if (ftruncate(fileno(ctx->spill), 0) != 0)
			ctx->failed = true;
	}
	ctx->spilled = 0;
	ctx->nitems = 0;
}

/* The spilled items to stdout: by sendfile(2), file to file or pipe in
 * the kernel (a 60 MB document's JSON is not read back through a user
 * buffer), else read and written. */
static bool copy_spill(struct out_ctx *ctx)
{
	if (!ctx->spilled)
		return true;
	if (fflush(ctx->spill) != 0)
		return false;
	size_t left = ctx->spilled;
	off_t off = 0;
	if (fflush(stdout) == 0) {
		while (left) {
			ssize_t n = sendfile(fileno(stdout), fileno(ctx->spill), &off, left);
			if (n <= 0)
				break;
			left -= (size_t)n;
		}
		if (!left)
			return true;
	}
	if (fseeko(ctx->spill, off, SEEK_SET) != 0)
		return false;
	char buf[65536];
	while (left) {
		size_t n = fread(buf, 1, left < sizeof buf ? left : sizeof buf, ctx->spill);
		if (!n)
			return false;
		fwrite(buf, 1, n, stdout);
		left -= n;
	}
	return true;
}

static int parse_file(const struct parse_opts *popts, struct out_ctx *ctx, const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "feedd --parse: %s: %s\n", path, strerror(errno));
		return -errno;
	}
	struct parse_opts opts = *popts;
	opts.on_item = on_item;
	opts.on_item_arg = ctx;
	items_reset(ctx);
	ctx->failed = false;
	struct parser *p = parse_new(&opts);
	if (!p) {
		fclose(f);
		fprintf(stderr, "feedd --parse: %s: out of memory\n", path);
		return -ENOMEM;
	}
	static char buf[65536];
	size_t n;
	while ((n = fread(buf, 1, sizeof buf, f)) > 0)
		if (parse_chunk(p, buf, n) < 0)
			break;
	int rerr = ferror(f);
	fclose(f);
	struct doc *d = NULL;
	char *err = NULL;
	int rc = parse_finish(p, &d, &err);
	parse_free(p);
	if (rerr) {
		fprintf(stderr, "feedd --parse: %s: read error\n", path);
		doc_free(d);
		free(err);
		return -EIO;
	}
	if (rc) {
		fprintf(stderr, "feedd --parse: %s: %s\n", path, err ? err : "parse error");
		free(err);
		return rc;
	}
	if (d->warning)
		fprintf(stderr, "feedd --parse: %s: warning: %s\n", path, d->warning);
	if (d->cut)
		fprintf(stderr, "feedd --parse: %s: truncated: the document ends %s\n", path, d->cut);
	if (d->capped)
		fprintf(stderr, "feedd --parse: %s: capped: %s\n", path, d->capped);
	struct buf *head = &ctx->head;
	head->len = 0;
	if (ctx->sanitize) {
		struct feed_info fi = d->feed;
		bool oom = false;
		char *title = clean_title(fi.title, ctx->base, &oom);
		char *desc = clean(fi.description, ctx->base, &oom);
		fi.title = title ? title : fi.title;
		fi.description = desc;
		apifmt_doc_json_head(head, &fi);
		free(title);
		free(desc);
		ctx->failed |= oom;
	} else {
		apifmt_doc_json_head(head, &d->feed);
	}
	doc_free(d);
	if (ctx->failed || head->oom) {
		head->oom = false;
		fprintf(stderr, "feedd --parse: %s: out of memory\n", path);
		return -ENOMEM;
	}
	fwrite(head->data, 1, head->len, stdout);
	if (!copy_spill(ctx)) {
		/* The document is partly written: end the line, say so. */
		fputc('\n', stdout);
		fprintf(stderr, "feedd --parse: %s: temporary file: %s\n", path, strerror(errno));
		return -EIO;
	}
	apifmt_doc_json_tail(&ctx->items);
	if (ctx->items.oom) {
		fputc('\n', stdout);
		fprintf(stderr, "feedd --parse: %s: out of memory\n", path);
		return -ENOMEM;
	}
	fwrite(ctx->items.data, 1, ctx->items.len, stdout);
	fputc('\n', stdout);
	return 0;
}

int parse_cli_main(int argc, char **argv)
{
	struct parse_opts opts = {0};
	int status = 0, nfiles = 0;
	bool files_only = false, sanitize = false;
	/* Options first, so that each file sees all of them. */
	for (int i = 1; i < argc; i++) {
		if (files_only || argv[i][0] != '-' || !argv[i][1])
			continue;
		if (!strcmp(argv[i], "--")) {
			files_only = true;
		} else if (!strcmp(argv[i], "--parse")) {
			continue;
		} else if (!strcmp(argv[i], "--sanitize")) {
			sanitize = true;
		} else if (!strcmp(argv[i], "--url") && i + 1 < argc) {
			opts.url = argv[++i];
		} else if (!strcmp(argv[i], "--max-size") && i + 1 < argc) {
			/* The document cap, read as a feed's max_size is (k, M
			 * and G suffixes), though not bounded by its range. */
			int64_t v = 0;
			if (config_parse_size(argv[++i], &v) < 0 || v < 1 ||
			    (uint64_t)v > SIZE_MAX / 4) {
				fprintf(stderr, "feedd --parse: bad --max-size \"%s\"\n", argv[i]);
				return 2;
			}
			opts.max_doc_bytes = (size_t)v;
		} else if (!strcmp(argv[i], "--header") && i + 1 < argc) {
			if (take_header(&opts, argv[++i]) < 0) {
				fprintf(stderr, "feedd --parse: bad header \"%s\"\n", argv[i]);
				return 2;
			}
		} else {
			usage();
			return 2;
		}
	}
	parse_global_init();
	/* Fully buffered whatever stdout is; flushed after each file. */
	static char obuf[1 << 16];
	setvbuf(stdout, obuf, _IOFBF, sizeof obuf);
	struct out_ctx ctx = { .sanitize = sanitize, .base = opts.url };
	files_only = false;
	for (int i = 1; i < argc; i++) {
		if (!files_only && argv[i][0] == '-' && argv[i][1]) {
			if (!strcmp(argv[i], "--"))
				files_only = true;
			else if (!strcmp(argv[i], "--url") || !strcmp(argv[i], "--header") ||
				 !strcmp(argv[i], "--max-size"))
				i++;
			continue;
		}
		nfiles++;
		if (parse_file(&opts, &ctx, argv[i]) < 0)
			status = 1;
		fflush(stdout);
	}
	items_reset(&ctx);
	if (ctx.spill)
		fclose(ctx.spill);
	buf_free(&ctx.head);
	buf_free(&ctx.items);
	parse_global_cleanup();
	if (!nfiles) {
		usage();
		return 2;
	}
	return status;
}
