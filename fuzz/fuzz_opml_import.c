/* fuzz_opml_import.c — the `feedctl import` pipeline without the network:
 * OPML bytes -> opml_parse -> the feeds.conf writer -> the config parser.
 * Each outline is either refused (the field named) or becomes exactly one
 * new section with exactly its URL, tags and feedd: settings (title key,
 * interval, enabled, allow_private, filter rules); the old file's sections and
 * keys never change (fuzz/conf_edit_check.h). Otherwise abort. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/opml.h"
#include "fuzz/conf_edit_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char OLD[] =
	"# feeds\n[daemon]\nhost_gap = 0s\n\n[defaults]\ninterval = 1h\nmin_interval = 1s\n"
	"allow_private = yes\n\n[feed a]\nurl = http://127.0.0.1:8080/feed/a\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 65536)
		return 0;
	struct opml_feed *feeds = NULL;
	size_t n = 0;
	char *err = NULL;
	if (opml_parse((const char *)data, size, &feeds, &n, &err) < 0) {
		free(err);
		return 0;
	}
	size_t total = n;
	if (n > 200)
		n = 200;                            /* bounded work per input */
	struct conf_edit_error e;
	struct conf_edit *ed = conf_edit_begin("fuzz.conf", OLD, strlen(OLD), &e);
	struct config *old = NULL;
	if (!ed || config_parse_buffer("fuzz.conf", OLD, strlen(OLD), &old, NULL) < 0)
		abort();
	struct want_feed *want = calloc(n + 1, sizeof *want);
	char **names = calloc(n + 1, sizeof *names);
	size_t added = 0;
	for (size_t i = 0; i < n; i++) {
		char *url = NULL;
		if (conf_edit_url(feeds[i].url, &url, &e) < 0) {
			check_refusal(&e);
			continue;
		}
		if (conf_edit_feed_by_url(ed, url)) {
			free(url);
			continue;
		}
		/* As feedctl import names it: feedd:name, else the title's
		 * slug, else the domain. */
		char *name = feeds[i].name ? conf_edit_name_as(ed, feeds[i].name) : NULL;
		if (!name)
			name = conf_edit_name_for(ed, feeds[i].title, url);
		/* Every feedd: setting as given (import leaves out those
		 * [defaults] gives; the writer must take any). */
		static const enum conf_yesno yn[] = {
			[OPML_UNSET] = CONF_INHERIT, [OPML_YES] = CONF_YES, [OPML_NO] = CONF_NO,
		};
		struct conf_new_feed f = {
			.name = name, .url = url, .title = feeds[i].title,
			.tags = (const char *const *)feeds[i].tags,
			.interval = feeds[i].interval, .conf_title = feeds[i].conf_title,
			.enabled = yn[feeds[i].enabled], .allow_private = yn[feeds[i].allow_private],
			.skip = (const char *const *)feeds[i].skip,
			.keep = (const char *const *)feeds[i].keep,
		};
		if (conf_edit_add(ed, &f, &e) < 0) {
			check_refusal(&e);
			if (e.field == CONF_FIELD_NAME || e.field == CONF_FIELD_URL)
				abort();        /* both came from the writer itself */
			free(name);
			free(url);
			continue;
		}
		want[added] = (struct want_feed){.name = name, .url = url,
						  .tags = (const char *const *)feeds[i].tags,
						  .interval = f.interval, .title = f.conf_title,
						  .enabled = f.enabled,
						  .allow_private = f.allow_private,
						  .skip = f.skip, .keep = f.keep};
		names[added++] = name;
	}
	size_t len = 0;
	char *text = conf_edit_finish(ed, &len, &e);
	if (!text)
		abort();
	check_result(OLD, strlen(OLD), old, text, len, want, added);
	free(text);
	for (size_t i = 0; i < added; i++) {
		free(names[i]);
		free(want[i].url);
	}
	free(names);
	free(want);
	config_free(old);
	conf_edit_free(ed);
	opml_feeds_free(feeds, total);
	return 0;
}
