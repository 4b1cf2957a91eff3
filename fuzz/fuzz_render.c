/* fuzz_render.c — the socket API's TSV (sfeed(5)) and Atom renderers on an
 * item row cut from the input (any bytes in every text field, any stored
 * category/enclosure text, any date) and any selection title: one TSV
 * line of exactly nine fields, and an Atom document libxml2 reads as
 * well-formed XML with one <entry> per item; the row renderers give the
 * bytes of the JSON-tree ones. */
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/apifmt.h"
#include "core/date.h"
#include "core/item.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void quiet(void *ctx, const char *msg, ...)
{
	(void)ctx;
	(void)msg;
}

/* Shows what failed, for whoever reproduces a finding. */
static void fail(const char *what, const struct buf *b)
{
	fprintf(stderr, "fuzz_render: %s:\n%.*s\n", what, (int)b->len, b->data);
	abort();
}

static void check_tsv(const struct buf *b, size_t items)
{
	size_t lines = 0, tabs = 0;
	for (size_t i = 0; i < b->len; i++) {
		if (b->data[i] == '\t') {
			tabs++;
		} else if (b->data[i] == '\n') {
			if (tabs != 8)
				fail("TSV fields", b);
			tabs = 0;
			lines++;
		} else if (b->data[i] == '\r' || b->data[i] == '\0') {
			fail("TSV CR or NUL", b);
		}
	}
	if (lines != items || tabs != 0)
		fail("TSV lines", b);
}

static void check_atom(const struct buf *b, size_t items)
{
	/* One parser context for every input: a new one per call costs more
	 * than the rest of the harness. */
	static xmlParserCtxtPtr ctxt;
	if (!ctxt && !(ctxt = xmlNewParserCtxt()))
		abort();
	xmlDocPtr doc = xmlCtxtReadMemory(ctxt, b->data, (int)b->len, "render.xml", NULL,
					  XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (!doc)
		fail("Atom not well-formed", b);
	xmlNodePtr root = xmlDocGetRootElement(doc);
	if (!root || strcmp((const char *)root->name, "feed") != 0)
		fail("no <feed>", b);
	size_t entries = 0;
	for (xmlNodePtr n = root->children; n; n = n->next)
		if (n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, "entry") == 0)
			entries++;
	if (entries != items)
		fail("entries", b);
	xmlFreeDoc(doc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int inited;
	if (!inited) {
		xmlSetGenericErrorFunc(NULL, quiet);
		inited = 1;
	}
	/* 8 bytes pick the dates; then NUL-separated: title, url, guid,
	 * author, summary, content, categories text, enclosures text, feed,
	 * the selection's title. */
	if (size < 8)
		return 0;
	int64_t date;
	memcpy(&date, data, sizeof date);
	char *copy = malloc(size - 8 + 1);
	memcpy(copy, data + 8, size - 8);
	copy[size - 8] = '\0';
	const char *f[10] = { NULL };
	const char *p = copy, *end = copy + (size - 8);
	for (int i = 0; i < 10 && p <= end; i++) {
		f[i] = p;
		p += strlen(p) + 1;
	}
	date %= INT64_C(400000000000);   /* dates the store can hold */
	struct item_row r = {
		.id = date, .feed = f[8] ? f[8] : "f",
		.title = f[0], .url = f[1], .guid = f[2], .author = f[3],
		.summary = f[4], .content = f[5], .categories = f[6], .enclosures = f[7],
		.published = date & 4 ? DATE_NONE : date, .updated = date & 1 ? DATE_NONE : -date,
		.first_seen = date & 8 ? 0 : date / 7, .updated_seen = 0, .date = date / 3,
		.identity = "guid", .has_duplicate = date & 2, .duplicate_of = date,
	};
	const char *title = f[9] ? f[9] : "feedd: items";
	int64_t now = 1765000000;

	json_t *items = json_array();
	json_array_append_new(items, item_row_to_json(&r));
	json_array_append_new(items, item_row_to_json(&r));

	struct buf want = { 0 }, got = { 0 };
	apifmt_tsv(&want, items);
	apifmt_row_tsv(&got, &r);
	apifmt_row_tsv(&got, &r);
	if (want.oom || got.oom || want.len != got.len || memcmp(want.data, got.data, want.len))
		abort();
	check_tsv(&got, 2);
	buf_free(&want);
	buf_free(&got);

	apifmt_atom(&want, items, title, now);
	struct buf entries = { 0 };
	int64_t newest = apifmt_row_atom(&entries, &r, now);
	int64_t t = apifmt_row_atom(&entries, &r, now);
	if (t != newest)
		abort();
	apifmt_atom_doc(&got, title, newest, now, entries.data, entries.len);
	if (want.oom || got.oom || want.len != got.len || memcmp(want.data, got.data, want.len))
		abort();
	check_atom(&got, 2);
	buf_free(&want);
	buf_free(&got);
	buf_free(&entries);
	json_decref(items);
	free(copy);
	return 0;
}
