/* date.c — feed dates to UTC instants and back (baseline: RFC 3339 and
 * RFC 822; the parser work extends date_parse to every sloppy variant). */
#include "core/date.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static const char *const wdays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
				     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

static void utc(int64_t t, struct tm *tm)
{
	time_t tt = (time_t)t;
	if (!gmtime_r(&tt, tm))
		memset(tm, 0, sizeof *tm);
}

void date_format_rfc3339(int64_t t, char *buf, size_t len)
{
	struct tm tm;
	utc(t, &tm);
	snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

void date_format_http(int64_t t, char *buf, size_t len)
{
	struct tm tm;
	utc(t, &tm);
	snprintf(buf, len, "%s, %02d %s %04d %02d:%02d:%02d GMT", wdays[tm.tm_wday % 7],
		 tm.tm_mday, months[tm.tm_mon % 12], tm.tm_year + 1900, tm.tm_hour,
		 tm.tm_min, tm.tm_sec);
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
