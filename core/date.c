/* date.c — feed dates to UTC instants and back (baseline: RFC 3339 and
 * RFC 822; the parser work extends date_parse to every sloppy variant). */
#include "core/date.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static void fmt(int64_t t, const char *f, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;
	if (!gmtime_r(&tt, &tm) || !strftime(buf, len, f, &tm))
		snprintf(buf, len, "1970-01-01T00:00:00Z");
}

void date_format_rfc3339(int64_t t, char *buf, size_t len)
{
	fmt(t, "%Y-%m-%dT%H:%M:%SZ", buf, len);
}

void date_format_http(int64_t t, char *buf, size_t len)
{
	fmt(t, "%a, %d %b %Y %H:%M:%S GMT", buf, len);
}

int date_parse(const char *s, int64_t *out)
{
	struct tm tm;
	memset(&tm, 0, sizeof tm);
	const char *end = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	if (!end) {
		memset(&tm, 0, sizeof tm);
		end = strptime(s, "%a, %d %b %Y %H:%M:%S", &tm);
	}
	if (!end)
		return -EINVAL;
	*out = (int64_t)timegm(&tm);
	return 0;
}
