/* fuzz_parse.c — the document parser on arbitrary bytes, pushed in chunks
 * whose sizes come from the input itself; unless a cap stopped it, the
 * result must be the one of the whole buffer at once (the chunking must
 * never change what a document says). */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int inited;
	if (!inited) {
		parse_global_init();
		inited = 1;
	}
	/* First byte: chunking seed; second: options. */
	if (size < 2)
		return 0;
	unsigned seed = data[0], opt = data[1];
	data += 2;
	size -= 2;
	struct parse_opts o = {
		.url = (opt & 1) ? "http://fuzz.example/dir/feed.xml" : NULL,
		.content_type = (opt & 2) ? "text/xml; charset=windows-1251" : NULL,
		.max_items = (opt & 4) ? 3 : 0,
		.max_field_bytes = (opt & 8) ? 64 : 0,
	};
	struct parser *p = parse_new(&o);
	if (!p)
		return 0;
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
		json_decref(j);
	}
	free(err);
	doc_free(d);
	parse_free(p);
	if (!stopped) {
		struct doc *w = NULL;
		char *werr = NULL;
		int wrc = parse_buffer(&o, (const char *)data, size, &w, &werr);
		char *ws = NULL;
		if (wrc == 0) {
			json_t *j = doc_to_json(w);
			ws = json_dumps(j, JSON_COMPACT);
			json_decref(j);
		}
		/* A cap met in the whole buffer stops it at another place. */
		bool capped = w && w->truncated;
		if (!capped && (wrc != rc || (s && ws && strcmp(s, ws) != 0)))
			abort();
		free(ws);
		free(werr);
		doc_free(w);
	}
	free(s);
	return 0;
}
