/* parse_cli.c — `feedd --parse`: the parser on local files, JSON out.
 *
 * The JSON is written by apifmt_doc_json, the direct writer the API's item
 * rows use (no jansson tree), through a reused buffer that is handed to
 * stdout's (enlarged) stdio buffer every APIFMT_FLUSH_BYTES. */
#include "daemon/parse_cli.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/apifmt.h"
#include "core/parse.h"

static void usage(void)
{
	fprintf(stderr, "usage: feedd --parse [--url URL] [--header \"Name: value\"]... FILE...\n");
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

struct out_ctx {
	struct buf out;          /* one document's JSON, reused between files */
	bool failed;             /* the buffer could not grow */
};

/* apifmt_doc_json's flush: B's bytes to stdout, B emptied. */
static void write_out(struct buf *b, void *arg)
{
	struct out_ctx *ctx = arg;
	if (b->oom)
		ctx->failed = true;
	else if (b->len)
		fwrite(b->data, 1, b->len, stdout);
	b->len = 0;
	b->oom = false;
}

static int parse_file(const struct parse_opts *opts, struct out_ctx *ctx, const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "feedd --parse: %s: %s\n", path, strerror(errno));
		return -errno;
	}
	struct parser *p = parse_new(opts);
	if (!p) {
		fclose(f);
		fprintf(stderr, "feedd --parse: %s: out of memory\n", path);
		return -ENOMEM;
	}
	char buf[65536];
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
	struct buf *out = &ctx->out;
	out->len = 0;
	ctx->failed = false;
	apifmt_doc_json(out, d, write_out, ctx);
	doc_free(d);
	if (ctx->failed) {
		/* The document is partly written: end the line, say so. */
		fputc('\n', stdout);
		fprintf(stderr, "feedd --parse: %s: out of memory\n", path);
		return -ENOMEM;
	}
	fputc('\n', stdout);
	return 0;
}

int parse_cli_main(int argc, char **argv)
{
	struct parse_opts opts = {0};
	int status = 0, nfiles = 0;
	bool files_only = false;
	/* Options first, so that each file sees all of them. */
	for (int i = 1; i < argc; i++) {
		if (files_only || argv[i][0] != '-' || !argv[i][1])
			continue;
		if (!strcmp(argv[i], "--")) {
			files_only = true;
		} else if (!strcmp(argv[i], "--parse")) {
			continue;
		} else if (!strcmp(argv[i], "--url") && i + 1 < argc) {
			opts.url = argv[++i];
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
	struct out_ctx ctx = {0};
	files_only = false;
	for (int i = 1; i < argc; i++) {
		if (!files_only && argv[i][0] == '-' && argv[i][1]) {
			if (!strcmp(argv[i], "--"))
				files_only = true;
			else if (!strcmp(argv[i], "--url") || !strcmp(argv[i], "--header"))
				i++;
			continue;
		}
		nfiles++;
		if (parse_file(&opts, &ctx, argv[i]) < 0)
			status = 1;
		fflush(stdout);
	}
	buf_free(&ctx.out);
	parse_global_cleanup();
	if (!nfiles) {
		usage();
		return 2;
	}
	return status;
}
