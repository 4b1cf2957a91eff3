/* fuzz_parse.c — the document parser on arbitrary bytes, pushed in chunks
 * whose sizes come from the input itself; unless a cap stopped it, the
 * result must be the one of the whole buffer at once (the chunking must
 * never change what a document says).
 *
 * An input is either two bytes (chunking seed, options) and the document,
 * or — when it starts like a document ('<', '{', '[', white space, a BOM
 * byte) — a document as is, so that tests/data/feeds seeds it unchanged;
 * its seed and options then come from a hash of it. The options also set
 * Content-Location and Content-Language, from a table or from the
 * document's own bytes.
 *
 * A parsed document must also render, through apifmt_doc_json, to the very
 * bytes of the jansson tree doc_to_json builds; and with its items handed
 * out one at a time (parse_opts.on_item, as `feedd --parse` reads), to the
 * same bytes again. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/apifmt.h"
#include "core/parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* parse_opts.on_item: each item's JSON, ',' between them. */
struct handed { struct buf json; size_t n; };
static void collect_item(const struct item *it, void *arg)
{
	struct handed *h = arg;
	if (h->n++)
		buf_append(&h->json, ",", 1);
	apifmt_item_json(&h->json, it);
}

/* The whole buffer parsed with its items handed out gives the bytes WANT
 * (the kept parse's apifmt_doc_json) and the return code RC. */
static void check_handed_out(struct parse_opts o, const uint8_t *data, size_t size, int rc,
			     const struct buf *want)
{
	struct handed h = {0};
	o.on_item = collect_item;
	o.on_item_arg = &h;
	struct doc *d = NULL;
	char *err = NULL;
	int hrc = parse_buffer(&o, (const char *)data, size, &d, &err);
	if (hrc != rc || (d && d->nitems))
		abort();
	if (hrc == 0 && !want->oom && !h.json.oom) {
		struct buf got = {0};
		apifmt_doc_json_head(&got, &d->feed);
		if (h.json.len)
			buf_append(&got, h.json.data, h.json.len);
		apifmt_doc_json_tail(&got);
		if (!got.oom && (got.len != want->len || memcmp(got.data, want->data, got.len)))
			abort();
		buf_free(&got);
	}
	buf_free(&h.json);
	free(err);
	doc_free(d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int inited;
	if (!inited) {
		parse_global_init();
		inited = 1;
	}
	if (size < 2)
		return 0;
	unsigned seed, opt;
	if (strchr("<{[ \t\r\n\xEF\xFE\xFF", data[0]) && data[0]) {
		uint32_t h = 2166136261u;    /* FNV-1a */
		for (size_t i = 0; i < size; i++)
			h = (h ^ data[i]) * 16777619u;
		seed = h & 0xFF;
		opt = (h >> 8) & 0xFF;
	} else {
		/* First byte: chunking seed; second: options. */
		seed = data[0];
		opt = data[1];
		data += 2;
		size -= 2;
	}
	static const char *const locations[] = {
		"http://other.example/x/", "/abs/base/", "../up/", "?q=1", "#frag", "",
		"mailto:x@example.org", "http://[::1]:80/v6/", "%zz:/bad", "file:///etc/passwd",
	};
	static const char *const languages[] = {
		"en-US, fr", "  de  ", ",", "", "x\ty\nz", "zh-Hant-TW;q=0.8",
	};
	/* Header values cut from the document: the last bytes for the
	 * location, the middle ones for the language (up to a NUL). */
	char *cl = NULL, *lang = NULL;
	if (opt & 16) {
		if (opt & 64) {
			size_t n = size < 48 ? size : 48;
			cl = strndup((const char *)data + size - n, n);
		} else {
			cl = strdup(locations[(seed / 3) % (sizeof locations / sizeof *locations)]);
		}
	}
	if (opt & 32) {
		if (opt & 128) {
			size_t n = size / 2 < 16 ? size / 2 : 16;
			lang = strndup((const char *)data + size / 2, n);
		} else {
			lang = strdup(languages[(seed / 5) % (sizeof languages / sizeof *languages)]);
		}
	}
	struct parse_opts o = {
		.url = (opt & 1) ? "http://fuzz.example/dir/feed.xml" : NULL,
		.content_type = (opt & 2) ? "text/xml; charset=windows-1251" : NULL,
		.max_items = (opt & 4) ? 3 : 0,
		.max_field_bytes = (opt & 8) ? 64 : 0,
		.content_location = cl,
		.content_language = lang,
	};
	struct parser *p = parse_new(&o);
	if (!p) {
		free(cl);
		free(lang);
		return 0;
	}
	size_t off = 0;
	bool stopped = false;
	while (off < size) {
		size_t n = 1 + (seed % 97);
		seed = seed * 1103515245u + 12345u;
		if (n > size - off)
			n = size - off;
		if (parse_chunk(p, (const char *)data + off, n) < 0) {
			stopped = true;
			break;
		}
		off += n;
	}
	struct doc *d = NULL;
	char *err = NULL;
	char *s = NULL;
	int rc = parse_finish(p, &d, &err);
	if (rc == 0) {
		json_t *j = doc_to_json(d);
		s = json_dumps(j, JSON_COMPACT);
		char *tree = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
		json_decref(j);
		struct buf direct = { 0 };
		apifmt_doc_json(&direct, d, NULL, NULL);
		if (tree && !direct.oom &&
		    (direct.len != strlen(tree) || memcmp(direct.data, tree, direct.len)))
			abort();
		buf_free(&direct);
		free(tree);
	}
	free(err);
	doc_free(d);
	parse_free(p);
	if (!stopped) {
		struct doc *w = NULL;
		char *werr = NULL;
		int wrc = parse_buffer(&o, (const char *)data, size, &w, &werr);
		char *ws = NULL;
		struct buf wdirect = { 0 };
		if (wrc == 0) {
			json_t *j = doc_to_json(w);
			ws = json_dumps(j, JSON_COMPACT);
			json_decref(j);
			apifmt_doc_json(&wdirect, w, NULL, NULL);
		}
		check_handed_out(o, data, size, wrc, &wdirect);
		buf_free(&wdirect);
		/* A cap met in the whole buffer stops it at another place. */
		bool capped = w && w->truncated;
		if (!capped && (wrc != rc || (s && ws && strcmp(s, ws) != 0)))
			abort();
		free(ws);
		free(werr);
		doc_free(w);
	}
	free(s);
	free(cl);
	free(lang);
	return 0;
}
