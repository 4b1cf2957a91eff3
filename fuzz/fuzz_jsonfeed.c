/* fuzz_jsonfeed.c — the JSON Feed path: arbitrary bytes after a '{', so
 * that the parser always takes it (an input that starts with its own '{'
 * is taken as it is). */
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
	char *buf = malloc(size + 1);
	if (!buf)
		return 0;
	/* A document that has its '{' (tests/data/feeds) keeps it. */
	size_t skip = size && data[0] == '{';
	buf[0] = '{';
	memcpy(buf + 1, data + skip, size - skip);
	size -= skip;
	struct parse_opts o = {.url = "https://fuzz.example/feed.json"};
	struct doc *d = NULL;
	char *err = NULL;
	if (parse_buffer(&o, buf, size + 1, &d, &err) == 0) {
		json_t *j = doc_to_json(d);
		char *s = json_dumps(j, JSON_COMPACT);
		free(s);
		json_decref(j);
	}
	free(err);
	doc_free(d);
	free(buf);
	return 0;
}
