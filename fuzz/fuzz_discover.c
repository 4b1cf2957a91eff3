/* fuzz_discover.c — an HTML page in (what `feedctl add` gets from a site):
 * no crash, no leak, and every link handed back is absolute (http, https;
 * file: only from a file: page), unique, with a known type and a bounded
 * title. The first byte picks the page URL and the Content-Type, so that
 * <base>, file: pages and the header's charset are fuzzed too. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/discover.h"
#include "core/url.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const page_urls[] = {
	"http://example.org/blog/post.html", "https://[2001:db8::1]:8443/a/b/?q=1#f",
	"file:///srv/site/index.html", "http://example.org",
};
static const char *const ctypes[] = {
	NULL, "text/html; charset=utf-8", "text/html; charset=ISO-8859-1",
	"text/html; charset=\"windows-1251\"", "application/xhtml+xml; charset=UTF-16",
	"text/html; charset=x-no-such-charset",
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	unsigned sel = data[0];
	const char *page_url = page_urls[sel % 4];
	const char *ctype = ctypes[(sel / 4) % 6];
	struct discover_list l;
	if (discover_links((const char *)data + 1, size - 1, page_url, ctype, &l) < 0)
		return 0;
	if (l.n > DISCOVER_MAX_LINKS || (l.n && !l.v))
		abort();
	bool file_page = strncmp(page_url, "file:", 5) == 0;
	for (size_t i = 0; i < l.n; i++) {
		const struct discover_link *k = &l.v[i];
		if (!k->url || (!url_is_http(k->url) &&
				!(file_page && strncasecmp(k->url, "file:", 5) == 0)))
			abort();
		if ((unsigned)k->type >= DISCOVER__COUNT)
			abort();
		if (k->title && (!*k->title || strlen(k->title) > DISCOVER_MAX_TITLE))
			abort();
		for (size_t j = 0; j < i; j++)
			if (strcmp(l.v[j].url, k->url) == 0)
				abort();
	}
	discover_list_free(&l);
	return 0;
}
