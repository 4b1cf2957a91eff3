/* reader_content.c — an entry's content, sanitized, for the reader APIs
 * (reader_content.h). */
#include "daemon/reader_content.h"

#include <stdlib.h>
#include <string.h>

#include "core/sanitize.h"

char *reader_entry_content(const struct item_row *r)
{
	const char *html = r->content && *r->content ? r->content : r->summary;
	if (!html)
		return strdup("");
	return sanitize_html(html, r->url);
}
