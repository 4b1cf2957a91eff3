/* bench_parse.c — parser throughput on a generated corpus of realistic
 * feeds (RSS 2.0 / Atom 1.0 / RSS 1.0 mix, 10–200 items each, HTML content,
 * non-ASCII text), pushed in 4 KiB chunks. Prints MB/s and items/s;
 * `--write DIR` also writes the corpus out, `--read DIR` parses the files of
 * DIR as `feedd --parse` reads them (bench/parse.sh runs it beside sfeed);
 * `--big FILE` writes one ~60 MB RSS feed. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>
#include <time.h>

#include "core/parse.h"

static const char *const words[] = {
	"feed", "reader", "daemon", "Zürich", "naïve", "café", "東京", "Новости", "ação",
	"release", "update", "security", "kernel", "über", "γλώσσα", "données", "smörgåsbord",
	"network", "performance", "the", "and", "of", "with", "for",
};
#define NWORDS (sizeof words / sizeof words[0])

static unsigned rnd_state = 12345;
static unsigned rnd(void)
{
	rnd_state = rnd_state * 1103515245u + 12345u;
	return (rnd_state >> 16) & 0x7fff;
}

static void put_words(FILE *f, int n)
{
	for (int i = 0; i < n; i++)
		fprintf(f, "%s%s", i ? " " : "", words[rnd() % NWORDS]);
}

static void put_html(FILE *f, int paras)
{
	for (int p = 0; p < paras; p++) {
		fputs("<p>", f);
		put_words(f, 20 + rnd() % 40);
		fprintf(f, " <a href=\"/post/%u\">link</a> &amp; <em>", rnd());
		put_words(f, 3);
		fputs("</em></p>", f);
	}
}

/* One feed into a memory buffer; KIND 0 RSS, 1 Atom, 2 RDF. Items' content
 * has 3 to 7 paragraphs, and MORE more. */
static char *gen_feed(int kind, int nitems, int more, size_t *len)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);
	fputs("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n", f);
	if (kind == 0) {
		fputs("<rss version=\"2.0\" xmlns:content=\"http://purl.org/rss/1.0/modules/content/\" "
		      "xmlns:dc=\"http://purl.org/dc/elements/1.1/\"><channel><title>", f);
		put_words(f, 4);
		fputs("</title><link>https://example.org/</link><description>", f);
		put_words(f, 10);
		fputs("</description><language>en</language>\n", f);
		for (int i = 0; i < nitems; i++) {
			fputs("<item><title>", f);
			put_words(f, 8);
			fprintf(f, "</title><link>https://example.org/post/%d</link>"
				   "<guid isPermaLink=\"false\">urn:post:%d</guid>"
				   "<pubDate>Fri, 10 Dec 2021 08:%02d:00 GMT</pubDate><dc:creator>", i, i, i % 60);
			put_words(f, 2);
			fputs("</dc:creator><category>news</category><description><![CDATA[", f);
			put_html(f, 1);
			fputs("]]></description><content:encoded><![CDATA[", f);
			put_html(f, 3 + more + (int)(rnd() % 5));
			fputs("]]></content:encoded></item>\n", f);
		}
		fputs("</channel></rss>\n", f);
	} else if (kind == 1) {
		fputs("<feed xmlns=\"http://www.w3.org/2005/Atom\"><title>", f);
		put_words(f, 4);
		fputs("</title><link href=\"https://atom.example.org/\"/><updated>2021-12-10T08:00:00Z</updated>\n", f);
		for (int i = 0; i < nitems; i++) {
			fputs("<entry><title type=\"html\">", f);
			put_words(f, 8);
			fprintf(f, "</title><link rel=\"alternate\" href=\"/e/%d\"/><id>tag:atom.example.org,2021:%d</id>"
				   "<updated>2021-12-10T08:%02d:00+01:00</updated><author><name>", i, i, i % 60);
			put_words(f, 2);
			fputs("</name></author><summary type=\"html\">", f);
			put_words(f, 30);
			fputs("</summary><content type=\"xhtml\"><div xmlns=\"http://www.w3.org/1999/xhtml\">", f);
			put_html(f, 3 + more + (int)(rnd() % 5));
			fputs("</div></content></entry>\n", f);
		}
		fputs("</feed>\n", f);
	} else {
		fputs("<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\" "
		      "xmlns=\"http://purl.org/rss/1.0/\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\">"
		      "<channel rdf:about=\"https://rdf.example.org/\"><title>", f);
		put_words(f, 4);
		fputs("</title><link>https://rdf.example.org/</link><description>d</description></channel>\n", f);
		for (int i = 0; i < nitems; i++) {
			fprintf(f, "<item rdf:about=\"https://rdf.example.org/%d\"><title>", i);
			put_words(f, 8);
			fprintf(f, "</title><link>https://rdf.example.org/%d</link><dc:date>2021-12-10T08:%02d:00Z</dc:date>"
				   "<description>", i, i % 60);
			fputs("&lt;p&gt;", f);
			put_words(f, 60);
			fputs("&lt;/p&gt;</description></item>\n", f);
		}
		fputs("</rdf:RDF>\n", f);
	}
	fclose(f);
	return buf;
}

/* Parses one document pushed in chunks of CHUNK bytes; returns its items. */
static size_t parse_one(const char *name, const char *buf, size_t len, size_t chunk)
{
	struct parse_opts o = {.url = "https://example.org/feed"};
	struct parser *p = parse_new(&o);
	for (size_t off = 0; off < len; off += chunk)
		parse_chunk(p, buf + off, len - off < chunk ? len - off : chunk);
	struct doc *d = NULL;
	char *err = NULL;
	size_t n = 0;
	if (parse_finish(p, &d, &err) == 0)
		n = d->nitems;
	else
		fprintf(stderr, "%s: %s\n", name, err);
	free(err);
	doc_free(d);
	parse_free(p);
	return n;
}

static void count_item(const struct item *it, void *arg)
{
	(void)it;
	(*(size_t *)arg)++;
}

/* Every file of DIR (or the file DIR), in name order, read and pushed as
 * `feedd --parse FILE...` does (64 KiB reads into one reused buffer, each
 * read pushed as it comes, the items handed out one at a time, no base URL,
 * no document cap: --max-size past the file), so the figure holds the
 * reading as sfeed's does and nothing more. */
static size_t parse_dir(const char *dir, int *nfiles, size_t *total)
{
	struct dirent **names;
	struct stat dst;
	int n;
	bool one = stat(dir, &dst) == 0 && S_ISREG(dst.st_mode);
	if (one) {
		n = 1;
		names = calloc(1, sizeof *names);
		names[0] = calloc(1, sizeof **names);
	} else {
		n = scandir(dir, &names, NULL, alphasort);
	}
	if (n < 0) {
		perror(dir);
		exit(1);
	}
	static char buf[65536];
	size_t items = 0;
	for (int i = 0; i < n; i++) {
		char path[4096];
		snprintf(path, sizeof path, one ? "%s" : "%s/%s", dir, names[i]->d_name);
		free(names[i]);
		FILE *f = fopen(path, "rb");
		struct stat st;
		if (!f || fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
			if (f)
				fclose(f);
			continue;
		}
		struct parse_opts o = {.max_doc_bytes = SIZE_MAX / 4, .on_item = count_item,
				       .on_item_arg = &items};
		struct parser *p = parse_new(&o);
		size_t got;
		while ((got = fread(buf, 1, sizeof buf, f)) > 0) {
			*total += got;
			if (parse_chunk(p, buf, got) < 0)
				break;
		}
		fclose(f);
		struct doc *d = NULL;
		char *err = NULL;
		if (parse_finish(p, &d, &err) != 0)
			fprintf(stderr, "%s: %s\n", path, err);
		free(err);
		doc_free(d);
		parse_free(p);
		(*nfiles)++;
	}
	free(names);
	return items;
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	const char *dir = NULL, *rdir = NULL, *big = NULL;
	int nfeeds = 300;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--write") && i + 1 < argc)
			dir = argv[++i];
		else if (!strcmp(argv[i], "--read") && i + 1 < argc)
			rdir = argv[++i];
		else if (!strcmp(argv[i], "--big") && i + 1 < argc)
			big = argv[++i];
		else if (!strcmp(argv[i], "--feeds") && i + 1 < argc)
			nfeeds = atoi(argv[++i]);
		else {
			fprintf(stderr, "usage: bench_parse [--feeds N] [--write DIR | --read DIR|FILE | --big FILE]\n");
			return 2;
		}
	}
	parse_global_init();
	if (big) {
		/* One RSS 2.0 channel of 9 000 items of ~6.7 KB (the content
		 * 14 to 18 paragraphs): ~60 MB, under the items cap. */
		size_t len;
		char *doc = gen_feed(0, 9000, 11, &len);
		FILE *f = fopen(big, "wb");
		if (!f || fwrite(doc, 1, len, f) != len || fclose(f) != 0) {
			perror(big);
			return 1;
		}
		printf("big: 1 RSS feed, %.1f MB, 9000 items\n", len / 1e6);
		free(doc);
		parse_global_cleanup();
		return 0;
	}
	if (rdir) {
		int nfiles = 0;
		size_t total = 0;
		double t0 = now();
		size_t items = parse_dir(rdir, &nfiles, &total);
		double t = now() - t0;
		printf("corpus: %d feeds, %.1f MB, %zu items\n", nfiles, total / 1e6, items);
		printf("parse: %.1f MB/s, %.0f items/s (wall, once, reading included)\n",
		       total / 1e6 / t, items / t);
		parse_global_cleanup();
		return 0;
	}
	char **docs = calloc((size_t)nfeeds, sizeof *docs);
	size_t *lens = calloc((size_t)nfeeds, sizeof *lens);
	size_t total = 0;
	for (int i = 0; i < nfeeds; i++) {
		docs[i] = gen_feed(i % 3, 10 + (int)(rnd() % 191), 0, &lens[i]);
		total += lens[i];
		if (dir) {
			char path[4096];
			mkdir(dir, 0755);
			snprintf(path, sizeof path, "%s/feed%04d.xml", dir, i);
			FILE *f = fopen(path, "wb");
			if (!f) {
				perror(path);
				return 1;
			}
			fwrite(docs[i], 1, lens[i], f);
			fclose(f);
		}
	}
	size_t items = 0;
	const int rounds = 3;
	double best = 1e9;
	for (int r = 0; r < rounds; r++) {
		size_t it = 0;
		double t0 = now();
		for (int i = 0; i < nfeeds; i++)
			it += parse_one("feed", docs[i], lens[i], 4096);
		double t = now() - t0;
		if (t < best)
			best = t;
		items = it;
	}
	printf("corpus: %d feeds, %.1f MB, %zu items\n", nfeeds, total / 1e6, items);
	printf("parse: %.1f MB/s, %.0f items/s (wall, best of %d, in memory, 4 KiB chunks)\n",
	       total / 1e6 / best, items / best, rounds);
	for (int i = 0; i < nfeeds; i++)
		free(docs[i]);
	free(docs);
	free(lens);
	parse_global_cleanup();
	return 0;
}
