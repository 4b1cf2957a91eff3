/* fuzz_conf_edit.c — random names, URLs, tags, titles and intervals (every
 * byte value but NUL, which ends a C string) through the feeds.conf writer,
 * then the config parser: either refused, with the field named, or the old
 * file plus exactly one new section with exactly those values and no other
 * key anywhere changed (fuzz/conf_edit_check.h). Otherwise abort.
 *
 * Input: one selector byte (low two bits: which old file; bit 2: give an
 * interval; bits 4-7: how many tags, 0-15), then length-prefixed fields
 * (one length byte, then that many bytes): name, url, title, interval,
 * each tag. With bit 3 set, the bytes left over are the old file (used
 * when it parses). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz/conf_edit_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const OLD[] = {
	"",
	("# feeds\n[daemon]\nhost_gap = 0s ; pacing\n\n[defaults]\ninterval = 1h\n"
	 "min_interval = 1s\ntags = Default, x\nexec = /usr/bin/true\n\n[feed a]\n"
	 "url = http://example.org/a\ntags = news\n"),
	"\xef\xbb\xbf[feed a]\r\nurl = https://example.org/a\r\n# no final newline",
	("[defaults]\nmin_interval = 10m\nmax_interval = 2h\n[feed 127-0-0-1]\n"
	 "url = http://127.0.0.1:8080/feed\n[feed b]\nurl = file:///tmp/b.xml\ninterval = 1h"),
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1 || size > 8192)
		return 0;
	const uint8_t *p = data + 1, *end = data + size;
	unsigned sel = data[0];
	char *name = fuzz_field(&p, end), *url = fuzz_field(&p, end), *title = fuzz_field(&p, end);
	char *interval = fuzz_field(&p, end);
	size_t ntags = sel >> 4;
	char *tags[16] = {0};
	for (size_t i = 0; i < ntags; i++)
		tags[i] = fuzz_field(&p, end);
	const char *old_text = OLD[sel & 3];
	size_t old_len = strlen(old_text);
	if ((sel & 8) && p < end) {
		old_text = (const char *)p;
		old_len = (size_t)(end - p);
	}
	struct conf_edit_error e;
	memset(&e, 0, sizeof e);
	struct conf_edit *ed = conf_edit_begin("fuzz.conf", old_text, old_len, &e);
	if (!ed) {
		if (!(sel & 8))
			abort();                    /* the fixed old files parse */
		check_refusal(&e);
		goto out;
	}
	struct config *old = NULL;
	if (config_parse_buffer("fuzz.conf", old_text, old_len, &old, NULL) < 0)
		abort();
	struct conf_new_feed f = {
		.name = name, .url = url, .title = title,
		.interval = (sel & 4) ? interval : NULL,
		.tags = (const char *const *)tags,
	};
	if (conf_edit_add(ed, &f, &e) < 0) {
		check_refusal(&e);
		/* Nothing was queued: the file comes back as it was. */
		size_t len = 0;
		char *text = conf_edit_finish(ed, &len, &e);
		if (!text || len != old_len || memcmp(text, old_text, old_len) != 0)
			abort();
		free(text);
	} else {
		struct want_feed w = {.name = name, .tags = (const char *const *)tags,
				      .interval = f.interval};
		if (conf_edit_url(url, &w.url, NULL) < 0)
			abort();
		size_t len = 0;
		char *text = conf_edit_finish(ed, &len, &e);
		if (!text)
			abort();   /* add accepted what the file cannot carry */
		check_result(old_text, old_len, old, text, len, &w, 1);
		free(text);
		free(w.url);
	}
	config_free(old);
out:
	conf_edit_free(ed);
	free(name);
	free(url);
	free(title);
	free(interval);
	for (size_t i = 0; i < ntags; i++)
		free(tags[i]);
	return 0;
}
