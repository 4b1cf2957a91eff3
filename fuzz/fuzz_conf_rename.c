/* fuzz_conf_rename.c — random new names (every byte value but NUL) and old
 * files through conf_edit_rename, then the config parser: either refused,
 * with the field named, or the file reads back with the first feed's
 * section, key for key, under the new name and nothing else changed
 * (conf_edit_finish checks that and fails closed; here a rename it
 * accepted must then finish). Otherwise abort.
 *
 * Input: one length byte and the new name, then the old file (a fixed one
 * when nothing is left, or it does not parse). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz/conf_edit_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char OLD[] =
	"# feeds\n[defaults]\ninterval = 1h\n\n# the blog\n[ feed  a ] ; first\n"
	"url = http://example.org/a\ntags = news\nexec = /usr/bin/true\n\n[feed b]\n"
	"url = http://example.org/b\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	(void)check_result;                         /* conf_edit_check.h's, for add */
	if (size < 1 || size > 8192)
		return 0;
	size_t n = data[0];
	if (n > size - 1)
		n = size - 1;
	char *to = strndup((const char *)data + 1, n);
	const char *old_text = (const char *)data + 1 + n;
	size_t old_len = size - 1 - n;
	struct conf_edit_error e;
	memset(&e, 0, sizeof e);
	struct config *old = NULL;
	if (!old_len || config_parse_buffer("fuzz.conf", old_text, old_len, &old, NULL) < 0 ||
	    !old->nfeeds) {
		config_free(old);
		old = NULL;
		old_text = OLD;
		old_len = strlen(OLD);
		if (config_parse_buffer("fuzz.conf", old_text, old_len, &old, NULL) < 0)
			abort();
	}
	struct conf_edit *ed = conf_edit_begin("fuzz.conf", old_text, old_len, &e);
	if (!ed)
		abort();                            /* it parsed just above */
	char *from = strdup(old->feeds[0].name);
	if (conf_edit_rename(ed, from, to, &e) < 0) {
		check_refusal(&e);
	} else {
		size_t len = 0;
		char *text = conf_edit_finish(ed, &len, &e);
		if (!text)
			abort();   /* rename accepted a name the file cannot carry */
		struct config *nc = NULL;
		if (config_parse_buffer("fuzz.conf", text, len, &nc, NULL) < 0 ||
		    !config_find_feed(nc, to) || nc->nfeeds != old->nfeeds ||
		    (strcmp(from, to) && config_find_feed(nc, from)))
			abort();
		config_free(nc);
		free(text);
	}
	free(from);
	config_free(old);
	conf_edit_free(ed);
	free(to);
	return 0;
}
