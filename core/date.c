/* date.c — feed dates to UTC instants and back: RFC 822 and its sloppy
 * variants (RFC 850's dd-Mon-yy among them), ISO 8601 / W3C-DTF, asctime,
 * and the localised forms feedparser's tests carry (Greek, Hungarian,
 * Korean), parsed by hand: no locale, no TZ, no strptime. */
#include "core/date.h"

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
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
	/* The year as a long: a tm_year near INT_MAX makes no int overflow. */
	int n = snprintf(buf, len, "%04ld-%02d-%02dT%02d:%02d:%02dZ", (long)tm.tm_year + 1900,
			 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
	(void)n;
}

static void put2(char *p, unsigned v)
{
	p[0] = (char)('0' + v / 10);
	p[1] = (char)('0' + v % 10);
}

/* "YYYY-MM-DDT" of DAYS since the epoch (0 to 9999-12-31), by Howard
 * Hinnant's algorithm. */
static void civil_ymd(int64_t days, char *out)
{
	int64_t z = days + 719468;
	int64_t era = z / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;
	unsigned day = doy - (153 * mp + 2) / 5 + 1;
	unsigned mon = mp < 10 ? mp + 3 : mp - 9;
	unsigned year = (unsigned)(yoe + era * 400) + (mon <= 2);
	put2(out, year / 100);
	put2(out + 2, year % 100);
	out[4] = '-';
	put2(out + 5, mon);
	out[7] = '-';
	put2(out + 8, day);
	out[10] = 'T';
}

size_t date_rfc3339(int64_t t, char *out)
{
	if (t < 0 || t > INT64_C(253402300799)) {
		char d[96];   /* what the formats may print, as the compiler counts */
		date_format_rfc3339(t, d, sizeof d);
		size_t n = strlen(d);
		memcpy(out, d, n);
		return n;
	}
	int64_t days = t / 86400, secs = t % 86400;
	/* The dates of an answer's rows mostly fall on a few days (a row's
	 * own: published, first seen): four days' "YYYY-MM-DDT" are kept per
	 * thread, by the day's two low bits (DAY holds the day + 1: 0 is
	 * empty). */
	static _Thread_local struct {
		int64_t day;
		char ymd[11];
	} seen[4];
	unsigned k = (unsigned)days & 3;
	if (seen[k].day != days + 1) {
		civil_ymd(days, seen[k].ymd);
		seen[k].day = days + 1;
	}
	memcpy(out, seen[k].ymd, 11);
	put2(out + 11, (unsigned)(secs / 3600));
	out[13] = ':';
	put2(out + 14, (unsigned)(secs / 60 % 60));
	out[16] = ':';
	put2(out + 17, (unsigned)(secs % 60));
	out[19] = 'Z';
	return 20;
}

void date_format_http(int64_t t, char *buf, size_t len)
{
	struct tm tm;
	utc(t, &tm);
	snprintf(buf, len, "%s, %02d %s %04d %02d:%02d:%02d GMT", wdays[tm.tm_wday % 7],
		 tm.tm_mday, months[tm.tm_mon % 12], tm.tm_year + 1900, tm.tm_hour,
		 tm.tm_min, tm.tm_sec);
}

/* A broken-down date being assembled; -1 = not seen. */
struct dt {
	int year, mon, day, hour, min, sec;
	int off;        /* zone offset, seconds east of UTC */
};

static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	/* Howard Hinnant's algorithm: proleptic Gregorian, any year. */
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static bool leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int mdays(int y, int m)
{
	static const int d[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	return m == 2 && leap(y) ? 29 : d[m - 1];
}

static int finish(const struct dt *d, int64_t *out)
{
	int hour = d->hour < 0 ? 0 : d->hour, min = d->min < 0 ? 0 : d->min;
	int sec = d->sec < 0 ? 0 : d->sec;
	if (d->year < 0 || d->year > 9999 || d->mon < 1 || d->mon > 12 || d->day < 1 ||
	    d->day > mdays(d->year, d->mon) || hour > 24 || min > 59 || sec > 60 ||
	    (hour == 24 && (min || sec)))
		return -EINVAL;
	if (sec == 60)
		sec = 59;   /* a leap second: the instant before is near enough */
	*out = days_from_civil(d->year, (unsigned)d->mon, (unsigned)d->day) * 86400 +
	       hour * 3600 + min * 60 + sec - d->off;
	return 0;
}

/* Reads exactly N digits (N > 0) or up to -N digits at *P. */
static int digits(const char **p, int n, int *v)
{
	int max = n < 0 ? -n : n, i = 0, val = 0;
	while (i < max && isdigit((unsigned char)(*p)[i])) {
		val = val * 10 + ((*p)[i] - '0');
		i++;
	}
	if (i == 0 || (n > 0 && i != n))
		return -1;
	*p += i;
	*v = val;
	return i;
}

/* A two-digit year Y as a full one: 00-69 are 2000-2069, 70-99 1970-1999
 * (docs/parser.md: feedparser's cut is at 90). */
static int full_year(int y)
{
	return y + (y < 70 ? 2000 : 1900);
}

static int ndigits(const char *p)
{
	int n = 0;
	while (isdigit((unsigned char)p[n]))
		n++;
	return n;
}

/* English month names: the 3-letter prefix ("Sept" too) or the whole. */
static int month_en(const char *w, size_t n)
{
	static const char *const en[] = {"january", "february", "march", "april", "may", "june",
					 "july", "august", "september", "october", "november",
					 "december"};
	/* The first letter first: most words are none of these. */
	unsigned char c0 = (unsigned char)tolower((unsigned char)w[0]);
	if (n >= 3) {
		for (int i = 0; i < 12; i++)
			if (en[i][0] == c0 && n <= strlen(en[i]) && strncasecmp(w, en[i], n) == 0 &&
			    (n == 3 || n == strlen(en[i]) || (i == 8 && n == 4)))
				return i + 1;
	}
	return 0;
}

/* Month names, English and Hungarian / Greek. */
static int month_name(const char *w, size_t n)
{
	static const struct { const char *n; int m; } other[] = {
		{"január", 1}, {"február", 2}, {"március", 3}, {"április", 4}, {"május", 5},
		{"máj", 5}, {"június", 6}, {"július", 7}, {"augusztus", 8}, {"szeptember", 9},
		{"október", 10}, {"november", 11}, {"december", 12},
		{"Ιαν", 1}, {"Φεβ", 2}, {"Μάώ", 3}, {"Μαώ", 3}, {"Μάρ", 3}, {"Μαρ", 3},
		{"Απρ", 4}, {"Μάι", 5}, {"Μαϊ", 5}, {"Μαι", 5}, {"Μάϊ", 5}, {"Ιούν", 6},
		{"Ιον", 6}, {"Ιουν", 6}, {"Ιούλ", 7}, {"Ιολ", 7}, {"Ιουλ", 7}, {"Αύγ", 8},
		{"Αυγ", 8}, {"Σεπ", 9}, {"Οκτ", 10}, {"Νοέ", 11}, {"Νοε", 11}, {"Δεκ", 12},
	};
	int m = month_en(w, n);
	if (m)
		return m;
	unsigned char c0 = (unsigned char)tolower((unsigned char)w[0]);
	for (size_t i = 0; i < sizeof other / sizeof other[0]; i++)
		if ((unsigned char)other[i].n[0] == c0 && strlen(other[i].n) == n &&
		    strncasecmp(w, other[i].n, n) == 0)
			return other[i].m;
	return 0;
}

static bool weekday_name(const char *w, size_t n)
{
	static const char *const en[] = {"sunday", "monday", "tuesday", "wednesday", "thursday",
					 "friday", "saturday"};
	static const char *const gr[] = {"Κυρ", "Δευ", "Τρι", "Τετ", "Πεμ", "Παρ", "Σαβ"};
	unsigned char c0 = (unsigned char)tolower((unsigned char)w[0]);
	for (int i = 0; i < 7; i++) {
		if (n >= 3 && en[i][0] == c0 && n <= strlen(en[i]) && strncasecmp(w, en[i], n) == 0 &&
		    (n == 3 || n == strlen(en[i]) || (n == 4 && (i == 2 || i == 4))))
			return true;
		if (strlen(gr[i]) == n && strncmp(w, gr[i], n) == 0)
			return true;
	}
	return false;
}

/* Zone names to offsets in minutes; false if W is not one. */
static bool zone_name(const char *w, size_t n, int *off)
{
	static const struct { const char *n; int m; } z[] = {
		{"ut", 0}, {"utc", 0}, {"gmt", 0}, {"z", 0}, {"etc/gmt", 0}, {"etc/utc", 0},
		{"wet", 0}, {"bst", 60}, {"cet", 60}, {"met", 60}, {"mez", 60}, {"cest", 120},
		{"mest", 120}, {"mesz", 120}, {"eet", 120}, {"eest", 180}, {"msk", 180},
		{"ist", 330}, {"jst", 540}, {"kst", 540}, {"hkt", 480}, {"sgt", 480},
		{"awst", 480}, {"acst", 570}, {"aest", 600}, {"aedt", 660}, {"nzst", 720},
		{"nzdt", 780},
		{"at", -240}, {"ast", -240}, {"adt", -180}, {"et", -300}, {"est", -300},
		{"edt", -240}, {"ct", -360}, {"cst", -360}, {"cdt", -300}, {"mt", -420},
		{"mst", -420}, {"mdt", -360}, {"pt", -480}, {"pst", -480}, {"pdt", -420},
		{"akst", -540}, {"akdt", -480}, {"hst", -600}, {"nst", -210}, {"ndt", -150},
	};
	unsigned char c0 = (unsigned char)tolower((unsigned char)w[0]);
	for (size_t i = 0; i < sizeof z / sizeof z[0]; i++)
		if (z[i].n[0] == c0 && strlen(z[i].n) == n && strncasecmp(w, z[i].n, n) == 0) {
			*off = z[i].m * 60;
			return true;
		}
	return false;
}

/* A zone of one letter, RFC 822's military zones, as feedparser's
 * _parse_date_rfc822 reads them: A, M, N and Y with RFC 822's signs (A is
 * -1 h, that is UTC-1, M -12 h, N +1 h, Y +12 h; RFC 1123 notes these are
 * the reverse of the military's), any other letter UTC (feedparser's
 * default for a zone it does not know; RFC 2822 advises "-0000" for all
 * of them). Offsets in seconds east. */
static bool letter_zone(char c, int *off)
{
	static const char *const letters = "amny";
	static const int hours[] = {-1, -12, 1, 12};
	if (!isalpha((unsigned char)c) || (c & 0x80))
		return false;
	const char *l = strchr(letters, tolower((unsigned char)c));
	*off = l ? hours[l - letters] * 3600 : 0;
	return true;
}

/* "+hh:mm", "-hhmm", "+h" at P (sign included); returns chars used or -1. */
static int zone_offset(const char *p, size_t n, int *off)
{
	if (n < 2 || (p[0] != '+' && p[0] != '-'))
		return -1;
	int sign = p[0] == '-' ? -1 : 1;
	const char *q = p + 1;
	int h = 0, m = 0;
	int nd = ndigits(q);
	if (nd == 4) {
		digits(&q, 2, &h);
		digits(&q, 2, &m);
	} else if (nd == 1 || nd == 2) {
		digits(&q, nd, &h);
		if (*q == ':' && (size_t)(q - p) < n) {
			q++;
			if (digits(&q, 2, &m) < 0)
				return -1;
		}
	} else {
		return -1;
	}
	if (h > 14 || m > 59)
		return -1;
	*off = sign * (h * 3600 + m * 60);
	return (int)(q - p);
}

/* ISO 8601 / W3C-DTF and feedparser's compact variants. The whole string
 * must be used. */
static int parse_iso(const char *s, int64_t *out)
{
	struct dt d = {-1, 1, 1, -1, -1, -1, 0};
	const char *p = s;
	int v = 0, n = 0;
	if (p[0] == '-' && isdigit((unsigned char)p[1])) {
		/* -YY-MM / -YYMM */
		p++;
		if (digits(&p, 2, &v) < 0)
			return -EINVAL;
		d.year = 2000 + v;
		if (*p == '-')
			p++;
		if (digits(&p, 2, &d.mon) < 0 || *p)
			return -EINVAL;
		return finish(&d, out);
	}
	n = ndigits(p);
	if (n == 8) {
		digits(&p, 4, &d.year);
		digits(&p, 2, &d.mon);
		digits(&p, 2, &d.day);
	} else if (n == 6 || n == 2) {
		digits(&p, 2, &v);
		d.year = full_year(v);
		if (n == 6) {
			digits(&p, 2, &d.mon);
			digits(&p, 2, &d.day);
		} else {
			if (*p != '-')
				return -EINVAL;
			p++;
			if (ndigits(p) == 3) {
				int o = 0;
				digits(&p, 3, &o);
				goto ordinal;
ordinal:
				if (o < 1 || o > (leap(d.year) ? 366 : 365))
					return -EINVAL;
				d.mon = 1;
				while (o > mdays(d.year, d.mon)) {
					o -= mdays(d.year, d.mon);
					d.mon++;
				}
				d.day = o;
			} else {
				if (digits(&p, 2, &d.mon) < 0)
					return -EINVAL;
				if (*p == '-') {
					p++;
					if (digits(&p, 2, &d.day) < 0)
						return -EINVAL;
				}
			}
		}
	} else if (n == 5 || n == 7) {
		int o = 0;
		if (n == 5) {
			digits(&p, 2, &v);
			d.year = 2000 + v;
			digits(&p, 3, &o);
			/* "22013" reads better as a bad year than as day 13. */
			if (o < 100)
				return -EINVAL;
		} else {
			digits(&p, 4, &d.year);
			digits(&p, 3, &o);
		}
		if (o < 1 || o > (leap(d.year) ? 366 : 365))
			return -EINVAL;
		d.mon = 1;
		while (o > mdays(d.year, d.mon)) {
			o -= mdays(d.year, d.mon);
			d.mon++;
		}
		d.day = o;
	} else if (n == 4) {
		digits(&p, 4, &d.year);
		if (*p == '-' || *p == '/') {
			char sep = *p++;
			int m = ndigits(p);
			if (m == 3 && p[0] == '0' && p[3] == sep) {
				p++;
				digits(&p, 2, &d.mon);       /* "2003-012-31" */
			} else if (m == 3) {
				int o = 0;
				digits(&p, 3, &o);
				if (o < 1 || o > (leap(d.year) ? 366 : 365))
					return -EINVAL;
				d.mon = 1;
				while (o > mdays(d.year, d.mon)) {
					o -= mdays(d.year, d.mon);
					d.mon++;
				}
				d.day = o;
				goto time;
			} else if (m == 1 || m == 2) {
				digits(&p, m, &d.mon);
			} else {
				/* A month name ("2004-július-13"). */
				const char *w = p;
				while (*p && *p != sep && !isdigit((unsigned char)*p) && *p != ' ')
					p++;
				d.mon = month_name(w, (size_t)(p - w));
				if (!d.mon)
					return -EINVAL;
			}
			if (*p == sep) {
				p++;
				int dd = ndigits(p);
				if (dd < 1 || dd > 2)
					return -EINVAL;
				digits(&p, dd, &d.day);
			}
		}
	} else {
		return -EINVAL;
	}
time:
	if (*p == 'T' || *p == 't' || (*p == ' ' && isdigit((unsigned char)p[1]))) {
		p++;
		int hn = ndigits(p);
		if (hn == 6 || hn == 4) {
			digits(&p, 2, &d.hour);
			digits(&p, 2, &d.min);
			if (hn == 6)
				digits(&p, 2, &d.sec);
		} else {
			if (hn < 1 || hn > 2)
				return -EINVAL;
			digits(&p, hn, &d.hour);
			if (*p != ':')
				return -EINVAL;
			p++;
			if (digits(&p, 2, &d.min) < 0)
				return -EINVAL;
			if (*p == ':') {
				p++;
				if (digits(&p, 2, &d.sec) < 0)
					return -EINVAL;
			}
		}
		if (*p == '.' || *p == ',') {
			p++;
			if (!ndigits(p))
				return -EINVAL;
			p += ndigits(p);
		}
		while (*p == ' ')
			p++;
		if (*p == 'Z' || *p == 'z') {
			p++;
		} else if (*p == '+' || *p == '-') {
			int used = zone_offset(p, strlen(p), &d.off);
			if (used < 0)
				return -EINVAL;
			p += used;
			/* A zone's name after the offset is its comment. */
			const char *w = p;
			while (*w == ' ')
				w++;
			const char *e = w;
			while (isalpha((unsigned char)*e))
				e++;
			int off;
			if (e > w && zone_name(w, (size_t)(e - w), &off))
				p = e;
		} else if (*p) {
			const char *w = p;
			while (isalpha((unsigned char)*p) || *p == '/')
				p++;
			int off;
			if (p == w || !zone_name(w, (size_t)(p - w), &off))
				return -EINVAL;
			d.off = off;
		}
	}
	while (*p == ' ')
		p++;
	if (*p)
		return -EINVAL;
	return finish(&d, out);
}

/* RFC 822 and everything that looks like it: words, numbers, a time and a
 * zone in some order. */
static int parse_words(const char *s, int64_t *out)
{
	struct dt d = {-1, -1, -1, -1, -1, -1, 0};
	int nums[3], nnum = 0, nlen[3];
	bool zone = false, pm = false, am = false;
	const char *p = s;
	while (*p) {
		if (isspace((unsigned char)*p) || *p == ',') {
			p++;
			continue;
		}
		const char *t = p;
		if (isdigit((unsigned char)*p)) {
			int n = ndigits(p);
			if (p[n] == ':') {
				/* A time: h:m[:s]. */
				if (d.hour >= 0 || n > 2)
					return -EINVAL;
				digits(&p, n, &d.hour);
				p++;
				if (digits(&p, -2, &d.min) < 0)
					return -EINVAL;
				if (*p == ':') {
					p++;
					if (digits(&p, -2, &d.sec) < 0)
						return -EINVAL;
				}
				if (*p == '.' && isdigit((unsigned char)p[1]))
					p += 1 + ndigits(p + 1);
				if (*p == ':' || isdigit((unsigned char)*p))
					return -EINVAL;
				continue;
			}
			if (p[n] == '-' && n <= 2 && isalpha((unsigned char)p[n + 1])) {
				/* RFC 850 (Usenet; HTTP's obsolete form, and PHP's
				 * DATE_RFC850 / DATE_COOKIE): 07-Dec-26, 07-Dec-2026,
				 * English months only. */
				const char *w = p + n + 1, *e = w;
				while (isalpha((unsigned char)*e))
					e++;
				int m = month_en(w, (size_t)(e - w));
				int yn = *e == '-' ? ndigits(e + 1) : 0;
				if (!m || (yn != 2 && yn != 4) || d.day >= 0 || d.mon >= 0 || d.year >= 0)
					return -EINVAL;
				digits(&p, n, &d.day);
				d.mon = m;
				p = e + 1;
				digits(&p, yn, &d.year);
				if (yn == 2)
					d.year = full_year(d.year);
				continue;
			}
			if ((p[n] == '/' || p[n] == '-') && n == 4) {
				/* 2006/09/15 */
				char sep = p[n];
				digits(&p, 4, &d.year);
				p++;
				if (digits(&p, -2, &d.mon) < 0 || *p != sep)
					return -EINVAL;
				p++;
				if (digits(&p, -2, &d.day) < 0)
					return -EINVAL;
				continue;
			}
			if (nnum == 3)
				return -EINVAL;
			nlen[nnum] = n;
			digits(&p, n > 9 ? 9 : n, &nums[nnum++]);
			if (isdigit((unsigned char)*p))
				return -EINVAL;
			/* Korean "2004년 05월 28일": the suffix names the part. */
			if (!strncmp(p, "년", 3) || !strncmp(p, "월", 3) || !strncmp(p, "일", 3)) {
				int v = nums[--nnum];
				if (!strncmp(p, "년", 3))
					d.year = v;
				else if (!strncmp(p, "월", 3))
					d.mon = v;
				else
					d.day = v;
				p += 3;
				if (!zone) {
					d.off = 9 * 3600;   /* published in Korea */
					zone = true;
				}
			}
			continue;
		}
		if ((*p == '+' || *p == '-') && isdigit((unsigned char)p[1])) {
			int used = zone_offset(p, strlen(p), &d.off);
			if (used < 0 || zone)
				return -EINVAL;
			zone = true;
			p += used;
			if (*p && !isspace((unsigned char)*p))
				return -EINVAL;
			continue;
		}
		/* A word. */
		while (*p && !isspace((unsigned char)*p) && *p != ',' && *p != '+' &&
		       !(*p == '-' && p > t && isdigit((unsigned char)p[1])) &&
		       !isdigit((unsigned char)*p))
			p++;
		size_t n = (size_t)(p - t);
		if (!n)
			return -EINVAL;
		int m, off;
		if (n && t[n - 1] == '.')
			n--;
		if ((m = month_name(t, n)) && d.mon < 0) {
			d.mon = m;
		} else if (weekday_name(t, n)) {
			continue;
		} else if (zone_name(t, n, &off)) {
			/* After a numeric offset, a zone's name is its comment
			 * ("-0500 EST", PHP's "+0100 CET"): the offset holds,
			 * as in feedparser and RFC 2822's readers. */
			if (zone)
				continue;
			d.off = off;
			zone = true;
			/* GMT+2, UTC-01:01 */
			if ((*p == '+' || *p == '-') && isdigit((unsigned char)p[1])) {
				int used = zone_offset(p, strlen(p), &d.off);
				if (used < 0)
					return -EINVAL;
				p += used;
			}
		} else if (n == 1 && d.hour >= 0 && letter_zone(t[0], &off)) {
			/* After the time only, as in RFC 822 (and feedparser,
			 * which reads the zone after the time); after a numeric
			 * offset, a comment like any zone name. */
			if (zone)
				continue;
			d.off = off;
			zone = true;
		} else if (n == 2 && !strncasecmp(t, "pm", 2)) {
			pm = true;
		} else if (n == 2 && !strncasecmp(t, "am", 2)) {
			am = true;
		} else if (!strncmp(t, "오후", n) && n == strlen("오후")) {
			pm = true;
		} else if (!strncmp(t, "오전", n) && n == strlen("오전")) {
			am = true;
		} else {
			return -EINVAL;
		}
	}
	/* The numbers: day and year (and month when there was no name). */
	int used[3] = {0};
	if (d.mon < 0 && nnum >= 2 && d.year < 0) {
		/* "2004-05-25" was taken by parse_iso; here only "25 05 2004"-like
		 * runs, too ambiguous to guess. */
		return -EINVAL;
	}
	for (int i = 0; i < nnum; i++)
		if (d.year < 0 && (nlen[i] >= 3 || nums[i] > 31)) {
			d.year = nums[i];
			if (nlen[i] <= 2)
				d.year = full_year(d.year);
			used[i] = 1;
		}
	for (int i = 0; i < nnum; i++)
		if (!used[i] && d.day < 0) {
			d.day = nums[i];
			used[i] = 1;
		}
	for (int i = 0; i < nnum; i++)
		if (!used[i] && d.year < 0) {
			d.year = full_year(nums[i]);
			used[i] = 1;
		}
	for (int i = 0; i < nnum; i++)
		if (!used[i])
			return -EINVAL;
	if (d.year < 0 || d.mon < 0 || d.day < 0)
		return -EINVAL;
	if (pm && d.hour >= 0 && d.hour < 12)
		d.hour += 12;
	if (am && d.hour == 12)
		d.hour = 0;
	return finish(&d, out);
}

int date_parse(const char *s, int64_t *out)
{
	if (!s)
		return -EINVAL;
	while (isspace((unsigned char)*s))
		s++;
	size_t n = strlen(s);
	while (n && isspace((unsigned char)s[n - 1]))
		n--;
	if (!n || n > 128)
		return -EINVAL;
	char buf[130];
	memcpy(buf, s, n);
	buf[n] = '\0';
	/* An RFC 5322 comment after the date, as mailers write it and some
	 * feeds copy ("... +0000 (UTC)"): not part of it. */
	if (buf[n - 1] == ')') {
		char *open = strrchr(buf, '(');
		if (open && open > buf && isspace((unsigned char)open[-1]) &&
		    !strchr(open + 1, '(') && strchr(open, ')') == buf + n - 1) {
			while (open > buf && isspace((unsigned char)open[-1]))
				open--;
			*open = '\0';
			if (!*buf)
				return -EINVAL;
		}
	}
	/* Korean "2004-05-25 오후 11:23:17": the date, then AM/PM, in KST. */
	if (strstr(buf, "오후") || strstr(buf, "오전")) {
		int y, m, d, H, M, S = 0;
		bool pm = strstr(buf, "오후") != NULL;
		const char *t = strstr(buf, pm ? "오후" : "오전") + strlen("오후");
		if (sscanf(buf, "%d-%d-%d", &y, &m, &d) == 3 &&
		    sscanf(t, "%d:%d:%d", &H, &M, &S) >= 2) {
			struct dt dt = {y, m, d, H % 12 + (pm ? 12 : 0), M, S, 9 * 3600};
			return finish(&dt, out);
		}
		return -EINVAL;
	}
	if (isdigit((unsigned char)buf[0]) || buf[0] == '-') {
		if (parse_iso(buf, out) == 0)
			return 0;
		/* "2013-01-27-01": ISO-shaped but wrong; no second guess. */
		if (ndigits(buf) == 4 && buf[4] == '-')
			return -EINVAL;
	}
	return parse_words(buf, out);
}

int date_parse_rfc3339(const char *s, int64_t *out)
{
	/* RFC 3339's date-time: the shape is checked here, the values (a
	 * 30 February, hour 25) by date_parse. */
	static const char shape[] = "dddd-dd-ddTdd:dd:dd";
	if (!s)
		return -EINVAL;
	const char *p = s;
	for (const char *c = shape; *c; c++, p++) {
		bool ok = *c == 'd' ? isdigit((unsigned char)*p) != 0
			: *c == 'T' ? *p == 'T' || *p == 't' || *p == ' '
			: *p == *c;
		if (!ok)
			return -EINVAL;
	}
	if (*p == '.') {
		if (!isdigit((unsigned char)p[1]))
			return -EINVAL;
		p++;
		while (isdigit((unsigned char)*p))
			p++;
	}
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		if (!isdigit((unsigned char)p[1]) || !isdigit((unsigned char)p[2]) || p[3] != ':' ||
		    !isdigit((unsigned char)p[4]) || !isdigit((unsigned char)p[5]) ||
		    (p[1] - '0') * 10 + (p[2] - '0') > 23 || p[4] > '5')
			return -EINVAL;
		p += 6;
	} else {
		return -EINVAL;     /* no offset: local time or UTC, who knows */
	}
	return *p ? -EINVAL : date_parse(s, out);
}
