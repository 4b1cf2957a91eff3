/* date.h — feed dates to UTC instants and back.
 *
 * date_parse() accepts RFC 822/1123 and their sloppy variants (2-digit
 * years, missing seconds or weekday, named and military zones, "GMT+2"),
 * RFC 3339 / ISO 8601 / W3C-DTF (partial dates, fractions, no zone, space for
 * T), asctime, and the other forms in feedparser's date tests. Pure; no
 * locale, no TZ environment. */
#ifndef FEEDD_DATE_H
#define FEEDD_DATE_H

#include <stddef.h>
#include <stdint.h>

/* Returns 0 and the instant (seconds, UTC), or -EINVAL. */
int date_parse(const char *s, int64_t *out);

/* RFC 3339's date-time alone, as the socket API takes a date: seconds
 * and the offset required ("2024-01-31T12:00:00Z", "...T13:00:00.5+01:00";
 * T, t or a space between date and time, Z or z). Returns 0 and the instant,
 * or -EINVAL: also for what date_parse would read from a feed, a date
 * without an offset included. */
int date_parse_rfc3339(const char *s, int64_t *out);

/* RFC 3339 UTC, "2021-12-10T08:00:00Z"; BUF needs 32 bytes. */
void date_format_rfc3339(int64_t t, char *buf, size_t len);

/* date_format_rfc3339's bytes in OUT (32 bytes of room, no NUL written),
 * without gmtime_r and snprintf for years 1970..9999 (the API's outputs
 * write one per date: a tenth of an answer through stdio); returns the
 * length. */
size_t date_rfc3339(int64_t t, char *out);

/* RFC 7231 IMF-fixdate, "Sun, 06 Nov 1994 08:49:37 GMT"; BUF needs 32 bytes. */
void date_format_http(int64_t t, char *buf, size_t len);

#endif
