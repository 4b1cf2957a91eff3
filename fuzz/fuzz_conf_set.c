/* fuzz_conf_set.c — random titles and tags (every byte value but NUL) and
 * old files through conf_edit_set on the first feed, then the config
 * parser: either refused, with the field named, and the file comes back
 * as it was; or the new text parses to the old sections with exactly that
 * feed's title and tags changed to the values given, and, the title and
 * tags lines aside, it is the old text byte for byte. Otherwise abort.
 *
 * Input: one selector byte (bit 0: set a title; bit 1: set tags; bits 4-7:
 * how many tags, 0-15), then length-prefixed fields (one length byte, then
 * that many bytes): the title, each tag; the bytes left over are the old
 * file (a fixed one when nothing is left, or it does not parse). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/strbuf.h"
#include "fuzz/conf_edit_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char OLD[] =
	"# feeds\n[defaults]\ninterval = 1h\ntags = d\n\n# the blog\n[ feed  a ] ; first\n"
	"url = http://example.org/a\ntitle = Old\ntags = news\nexec = /usr/bin/true\n\n"
	"[feed b]\nurl = http://example.org/b\ntags = b\n";

/* TEXT without its "title =" and "tags =" lines, CRs and the newline at the
 * end (the writer ends a last header line it touched). */
static char *strip(const char *text, size_t len)
{
	struct strbuf b = {0};
	const char *p = text, *end = text + len;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *next = nl ? nl + 1 : end;
		const char *k = p;
		while (k < next && *k != '=' && *k != '\n')
			k++;
		size_t kl = (size_t)(k - p);
		while (kl && (p[kl - 1] == ' ' || p[kl - 1] == '\t'))
			kl--;
		bool drop = k < next && *k == '=' && ((kl == 5 && !strncmp(p, "title", 5)) ||
						      (kl == 4 && !strncmp(p, "tags", 4)));
		if (!drop)
			strbuf_put(&b, p, (size_t)(next - p));
		p = next;
	}
	while (b.len && (b.s[b.len - 1] == '\n' || b.s[b.len - 1] == '\r'))
		b.s[--b.len] = '\0';
	return b.s ? b.s : strdup("");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	(void)check_result;
	if (size < 1 || size > 8192)
		return 0;
	unsigned sel = data[0];
	const uint8_t *p = data + 1, *end = data + size;
	char *title = fuzz_field(&p, end);
	size_t ntags = sel >> 4;
	char *tags[17] = {0};
	for (size_t i = 0; i < ntags; i++)
		tags[i] = fuzz_field(&p, end);
	const char *old_text = (const char *)p;
	size_t old_len = (size_t)(end - p);
	struct config *old = NULL;
	if (!old_len || config_parse_buffer("fuzz.conf", old_text, old_len, &old, NULL) < 0 ||
	    !old->nfeeds || old->feeds[0].file) {
		config_free(old);
		old = NULL;
		old_text = OLD;
		old_len = strlen(OLD);
		if (config_parse_buffer("fuzz.conf", old_text, old_len, &old, NULL) < 0)
			abort();
	}
	struct conf_edit_error e;
	memset(&e, 0, sizeof e);
	struct conf_edit *ed = conf_edit_begin("fuzz.conf", old_text, old_len, &e);
	if (!ed)
		abort();                            /* it parsed just above */
	const char *t = (sel & 1) ? title : NULL;
	const char *const *tg = (sel & 2) ? (const char *const *)tags : NULL;
	size_t len = 0;
	if (conf_edit_set(ed, old->feeds[0].name, tg, t, &e) < 0) {
		check_refusal(&e);
		char *text = conf_edit_finish(ed, &len, &e);
		if (!text || len != old_len || memcmp(text, old_text, old_len) != 0)
			abort();
		free(text);
	} else {
		char *text = conf_edit_finish(ed, &len, &e);
		if (!text)
			abort();   /* set accepted what the file cannot carry */
		struct config *nc = NULL;
		if (config_parse_buffer("fuzz.conf", text, len, &nc, NULL) < 0 ||
		    nc->nfeeds != old->nfeeds || !config_daemon_equal(&old->daemon, &nc->daemon, NULL) ||
		    !config_feed_equal(&old->defaults, &nc->defaults, NULL))
			abort();
		for (size_t i = 1; i < old->nfeeds; i++)
			if (!config_feed_equal(&old->feeds[i], &nc->feeds[i], NULL))
				abort();
		const struct feed_conf *f = &nc->feeds[0];
		struct feed_conf want = old->feeds[0];
		if (t) {
			if (*t ? !f->title || strcmp(f->title, t) : f->title != NULL)
				abort();
			want.title = f->title;
		}
		if (tg) {
			size_t n = 0;
			while (f->tags && f->tags[n])
				n++;
			if (n != ntags)
				abort();
			for (size_t i = 0; i < n; i++)
				if (!check_tag_eq(tags[i], f->tags[i]))
					abort();
			want.tags = f->tags;
		}
		if (!config_feed_equal(&want, f, NULL))
			abort();
		/* Only title and tags lines were written or taken. */
		char *a = strip(old_text, old_len), *b = strip(text, len);
		if (strcmp(a, b) != 0)
			abort();
		free(a);
		free(b);
		config_free(nc);
		free(text);
	}
	config_free(old);
	conf_edit_free(ed);
	free(title);
	for (size_t i = 0; i < ntags; i++)
		free(tags[i]);
	return 0;
}
