/* test_date.c — date_parse on every form feeds use, to UTC. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/date.h"

struct vec {
	const char *in;
	const char *out;   /* RFC 3339 UTC, or NULL: rejected */
};

static const struct vec vecs[] = {
	/* RFC 822 / 1123 and sloppy variants */
	{"Thu, 01 Jan 2004 19:48:21 GMT", "2004-01-01T19:48:21Z"},
	{"Thu, 01 Jan 04 19:48:21 GMT", "2004-01-01T19:48:21Z"},
	{"Thu,  5 Apr 2012 10:00:00 GMT", "2012-04-05T10:00:00Z"},
	{"Thu, 01 Jan 2004 00:00 GMT", "2004-01-01T00:00:00Z"},
	{"Thu, 01 Jan 2004", "2004-01-01T00:00:00Z"},
	{"01 Jan 2004 19:48:21 +0100", "2004-01-01T18:48:21Z"},
	{"Wed, 19 Feb 2012 22:40:00 GMT-01:01", "2012-02-19T23:41:00Z"},
	{"Wed, 19 Feb 2012 22:40:00 -01:01", "2012-02-19T23:41:00Z"},
	{"Sat, 1 Jan 2022 12:00:00 GMT+2", "2022-01-01T10:00:00Z"},
	{"Mon, 13 Feb, 2012 06:28:00 UTC", "2012-02-13T06:28:00Z"},
	{"Mon, 26 January 2004 16:31:00 PT", "2004-01-27T00:31:00Z"},
	{"Thu, 30 Apr 2015 08:57:00 MEST", "2015-04-30T06:57:00Z"},
	{"Wed, 19 Aug 2009 18:28:00 Etc/GMT", "2009-08-19T18:28:00Z"},
	{"Fri,24 Nov 2023 18:28:36 -0000", "2023-11-24T18:28:36Z"},
	{"Thu, 09 Dec 2021 23:05:00 EST", "2021-12-10T04:05:00Z"},
	{"Thu, 01 Jan 2004 19:48:21 Z", "2004-01-01T19:48:21Z"},
	{"Thu, 01 Jan 0100 00:00:01 +0100", "0099-12-31T23:00:01Z"},
	{"Fri, 2006/09/15 08:19:53 EDT", "2006-09-15T12:19:53Z"},
	/* RFC 850 (Usenet; HTTP's obsolete form, RFC 9110's example; PHP's
	 * DATE_COOKIE and DATE_RFC850): dd-Mon-yyyy or dd-Mon-yy. */
	{"Monday, 07-Dec-2026 10:00:00 GMT", "2026-12-07T10:00:00Z"},
	{"Monday, 07-Dec-26 10:00:00 GMT", "2026-12-07T10:00:00Z"},
	{"Sunday, 06-Nov-94 08:49:37 GMT", "1994-11-06T08:49:37Z"},
	{"Monday, 7-Dec-2026 10:00:00 -0500", "2026-12-07T15:00:00Z"},
	{"Monday, 07-Dec-2026", "2026-12-07T00:00:00Z"},
	{"Monday, 07-Dec-026 10:00:00 GMT", NULL},
	{"Monday, 07-Dec 10:00:00 GMT", NULL},
	{"Monday, 07-Dec-2026 5 10:00:00 GMT", NULL},
	{"Monday, 07-szeptember-2026 10:00:00 GMT", NULL},
	{"Monday, 31-Nov-2026 10:00:00 GMT", NULL},
	/* RFC 822's one-letter zones, as feedparser reads them: A, M, N, Y
	 * with RFC 822's signs (A is UTC-1), any other letter UTC; only after
	 * the time, and a comment after a numeric offset. */
	{"Mon, 07 Dec 2026 10:00:00 A", "2026-12-07T11:00:00Z"},
	{"Mon, 07 Dec 2026 10:00:00 M", "2026-12-07T22:00:00Z"},
	{"Mon, 07 Dec 2026 10:00:00 N", "2026-12-07T09:00:00Z"},
	{"Mon, 07 Dec 2026 10:00:00 Y", "2026-12-06T22:00:00Z"},
	{"Mon, 07 Dec 2026 10:00 a", "2026-12-07T11:00:00Z"},
	{"Mon, 07 Dec 2026 10:00:00 B", "2026-12-07T10:00:00Z"},
	{"Monday, 07-Dec-26 10:00:00 Y", "2026-12-06T22:00:00Z"},
	{"Mon, 07 Dec 2026 10:00:00 +0200 A", "2026-12-07T08:00:00Z"},
	{"Mon, 07 Dec 2026 A 10:00:00", NULL},
	{"Mon, 07 Dec 2026 10:00:00 XYZ", NULL},
	/* asctime and relatives */
	{"Sun Jan  4 16:29:06 2004", "2004-01-04T16:29:06Z"},
	{"Sun Jul 15 01:16:00 +0000 2012", "2012-07-15T01:16:00Z"},
	{"Thu Aug 30 2012 17:26:16 +0200", "2012-08-30T15:26:16Z"},
	/* ISO 8601 / RFC 3339 / W3C-DTF */
	{"2003-12-31T10:14:55Z", "2003-12-31T10:14:55Z"},
	{"2003-12-31T10:14:55-08:00", "2003-12-31T18:14:55Z"},
	{"2007-04-23T23:25:47.538+10:00", "2007-04-23T13:25:47Z"},
	{"2003-12-31", "2003-12-31T00:00:00Z"},
	{"2003-12", "2003-12-01T00:00:00Z"},
	{"2003", "2003-01-01T00:00:00Z"},
	{"20031231", "2003-12-31T00:00:00Z"},
	{"2004-02-28T18:14:55-08:00", "2004-02-29T02:14:55Z"},
	{"2004-07-08 23:56:58 -00:20", "2004-07-09T00:16:58Z"},
	{"2004-07-08 23:56:58", "2004-07-08T23:56:58Z"},
	{"2004-07-08 23:56:58.0", "2004-07-08T23:56:58Z"},
	{"2003-335", "2003-12-01T00:00:00Z"},
	{"03-12-31", "2003-12-31T00:00:00Z"},
	{"-03-12", "2003-12-01T00:00:00Z"},
	{"  2021-12-10T08:00:00Z  ", "2021-12-10T08:00:00Z"},
	/* localised forms */
	{"2004-július-13T9:15-05:00", "2004-07-13T14:15:00Z"},
	{"Κυρ, 11 Ιούλ 2004 12:00:00 EST", "2004-07-11T17:00:00Z"},
	{"2004년 05월 28일  01:31:15", "2004-05-27T16:31:15Z"},
	{"2004-05-25 오후 11:23:17", "2004-05-25T14:23:17Z"},
	/* An RFC 5322 comment after the date, as mailers write it. */
	{"Mon, 07 Dec 2026 14:03:00 +0000 (UTC)", "2026-12-07T14:03:00Z"},
	{"Mon, 7 Dec 2026 14:03:00 -0500 (EST)", "2026-12-07T19:03:00Z"},
	/* A zone's name after the offset, unbracketed (PHP's "O T"): the
	 * offset holds, whatever the name says. */
	{"Tue, 05 Mar 2024 10:00:00 -0500 GMT", "2024-03-05T15:00:00Z"},
	{"Tue, 05 Mar 2024 10:00:00 +0100 CET", "2024-03-05T09:00:00Z"},
	{"Tue, 05 Mar 2024 10:00:00 +0900 JST", "2024-03-05T01:00:00Z"},
	{"2024-03-05T10:00:00-05:00 EST", "2024-03-05T15:00:00Z"},
	{"2024-03-05T10:00:00+01:00 nonsense", NULL},
	/* rejected */
	{"", NULL},
	{"(UTC)", NULL},
	{"Mon, 07 Dec 2026 14:03:00 (a (b))", NULL},
	{"   ", NULL},
	{"yesterday", NULL},
	{"Sun, 16 Dec 2012 1:2:3:4 GMT", NULL},
	{"Sun, 16 zzz 2012 11:47:32 GMT", NULL},
	{"Sun, 99 Jun 2009 12:00:00 GMT", NULL},
	{"Sun, 16 Dec 2012 11:47:32 +zz:00", NULL},
	{"2003-12-31T25:14:55Z", NULL},
	{"2003-12-31T10:61:55Z", NULL},
	{"2003-02-29", NULL},
	{"9999-12-31T23:59:59-99:99", NULL},
	{"2013-01-27-01", NULL},
	{"2013-01-28T11:30:00-06:00Textra", NULL},
	{"2013-xx-27", NULL},
	{"013", NULL},
};

static void test_vectors(void **state)
{
	for (size_t i = 0; i < sizeof vecs / sizeof vecs[0]; i++) {
		int64_t t = 0;
		int rc = date_parse(vecs[i].in, &t);
		if (!vecs[i].out) {
			if (rc == 0) {
				char buf[32];
				date_format_rfc3339(t, buf, sizeof buf);
				fail_msg("\"%s\" accepted as %s", vecs[i].in, buf);
			}
			assert_int_equal(rc, -EINVAL);
			continue;
		}
		if (rc != 0)
			fail_msg("\"%s\" rejected", vecs[i].in);
		char buf[32];
		date_format_rfc3339(t, buf, sizeof buf);
		if (strcmp(buf, vecs[i].out) != 0)
			fail_msg("\"%s\": got %s, want %s", vecs[i].in, buf, vecs[i].out);
	}
}

static void test_format(void **state)
{
	char buf[32];
	date_format_rfc3339(1639123200, buf, sizeof buf);
	assert_string_equal(buf, "2021-12-10T08:00:00Z");
	date_format_http(784111777, buf, sizeof buf);
	assert_string_equal(buf, "Sun, 06 Nov 1994 08:49:37 GMT");
	int64_t t;
	assert_int_equal(date_parse(buf, &t), 0);
	assert_int_equal(t, 784111777);
	assert_int_equal(date_parse(NULL, &t), -EINVAL);
}

/* date_rfc3339 (no stdio, the API's writers) writes what
 * date_format_rfc3339 does, also when the days it keeps change under it:
 * days four apart share a slot of its cache, neighbours do not. */
static void test_rfc3339_fast_path(void **state)
{
	(void)state;
	static const int64_t base[] = { 0, 951782400 /* 2000-02-29 */, 1699228800,
					4102444800 /* 2100-01-01 */, 253402300799 };
	static const int64_t step[] = { 0, 86400, 4 * 86400, 3 * 86400 + 1, 8 * 86400 + 59, -86400 };
	for (int round = 0; round < 2; round++)
		for (size_t b = 0; b < sizeof base / sizeof base[0]; b++)
			for (size_t k = 0; k < sizeof step / sizeof step[0]; k++) {
				int64_t t = base[b] + step[k] * (round ? 1 : -1);
				char want[96], got[96] = "";
				date_format_rfc3339(t, want, sizeof want);
				got[date_rfc3339(t, got)] = '\0';
				if (strcmp(got, want) != 0)
					fail_msg("%lld: got %s, want %s", (long long)t, got, want);
			}
}

/* The API's dates: RFC 3339's date-time only, offset required. */
static void test_rfc3339_strict(void **state)
{
	(void)state;
	static const struct { const char *in, *out; } ok[] = {
		{"2024-01-31T12:00:00Z", "2024-01-31T12:00:00Z"},
		{"2024-01-31t12:00:00z", "2024-01-31T12:00:00Z"},
		{"2024-01-31 12:00:00Z", "2024-01-31T12:00:00Z"},
		{"2024-01-31T13:00:00+01:00", "2024-01-31T12:00:00Z"},
		{"2024-01-31T11:30:00.250-00:30", "2024-01-31T12:00:00Z"},
		{"2016-12-31T23:59:60Z", "2016-12-31T23:59:59Z"},
	};
	static const char *const bad[] = {
		"2024-01-01T00:00:00",          /* no offset */
		"2024-01-01T00:00:00.5",
		"2024-01-01",                   /* a date alone */
		"2024-01-01T00:00Z",            /* no seconds */
		"2024",
		"Mon, 01 Jan 2024 00:00:00 GMT",
		"2024-01-01T00:00:00 01:00",    /* a '+' form-decoded to a space */
		"2024-01-01T00:00:00+0100",
		"2024-01-01T00:00:00+24:00",
		"2024-01-01T00:00:00+01:60",
		"2024-01-01T00:00:00.Z",
		"2024-02-30T00:00:00Z",
		"2024-01-01T25:00:00Z",
		" 2024-01-01T00:00:00Z",
		"2024-01-01T00:00:00Z ",
		"2024-01-01T00:00:00ZZ",
		"",
	};
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		int64_t t = 0;
		char buf[32];
		if (date_parse_rfc3339(ok[i].in, &t) != 0)
			fail_msg("\"%s\" rejected", ok[i].in);
		date_format_rfc3339(t, buf, sizeof buf);
		if (strcmp(buf, ok[i].out) != 0)
			fail_msg("\"%s\": got %s, want %s", ok[i].in, buf, ok[i].out);
	}
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		int64_t t = 0;
		if (date_parse_rfc3339(bad[i], &t) != -EINVAL)
			fail_msg("\"%s\" accepted", bad[i]);
	}
	int64_t t;
	assert_int_equal(date_parse_rfc3339(NULL, &t), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_rfc3339_fast_path),
		cmocka_unit_test(test_rfc3339_strict),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
