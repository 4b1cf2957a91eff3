/* test_config.c — feeds.conf: every error class with its line, and values. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/config.h"
#include "core/storespec.h"
#include "store/store.h"

static struct config *ok(const char *text)
{
	struct config *c = NULL;
	struct config_errors errs = {0};
	int r = config_parse_buffer("t.conf", text, strlen(text), &c, &errs);
	for (size_t i = 0; i < errs.n; i++)
		fprintf(stderr, "unexpected: %s\n", errs.msgs[i]);
	assert_int_equal(r, 0);
	assert_int_equal(errs.n, 0);
	config_errors_free(&errs);
	return c;
}

/* The file must be rejected with exactly EXPECTED as its only error. */
static void bad(const char *text, const char *expected)
{
	struct config *c = NULL;
	struct config_errors errs = {0};
	int r = config_parse_buffer("t.conf", text, strlen(text), &c, &errs);
	assert_int_equal(r, -22);
	assert_null(c);
	if (errs.n != 1 || strcmp(errs.msgs[0], expected) != 0) {
		for (size_t i = 0; i < errs.n; i++)
			fprintf(stderr, "got: %s\n", errs.msgs[i]);
		fprintf(stderr, "want: %s\n", expected);
		fail();
	}
	config_errors_free(&errs);
}

static void test_full_config(void **state)
{
	(void)state;
	struct config *c = ok(
		"# comment\n"
		"[daemon]\n"
		"socket = /run/x.sock   # inline comment\n"
		"max_fetches = 8\n"
		"per_host = 3\n"
		"host_gap = 250ms\n"
		"\n"
		"[defaults]\n"
		"interval = 2h\n"
		"retention = 0\n"
		"tags = Default\n"
		"\n"
		"[feed mehr]\n"
		"url = https://en.mehrnews.com/rss\n"
		"interval = 15m\n"
		"tags = News, iran , \n"
		"header = Accept-Language: en\n"
		"header = X-Token: abc\n"
		"max_size = 2M\n"
		"allow_private = yes\n"
		"[feed b]\n"
		"url = file:///tmp/b.xml\n"
		"enabled = off\n");
	assert_string_equal(c->daemon.socket, "/run/x.sock");
	assert_int_equal(c->daemon.max_fetches, 8);
	assert_int_equal(c->daemon.per_host, 3);
	assert_int_equal(c->daemon.host_gap, 250);
	assert_int_equal(c->nfeeds, 2);
	const struct feed_conf *m = config_find_feed(c, "mehr");
	assert_non_null(m);
	assert_int_equal(m->interval, 900);
	assert_int_equal(m->retention, 0);
	assert_int_equal(m->max_size, 2 * 1024 * 1024);
	assert_true(m->allow_private);
	assert_true(m->enabled);
	assert_string_equal(m->tags[0], "news");
	assert_string_equal(m->tags[1], "iran");
	assert_null(m->tags[2]);
	assert_string_equal(m->headers[0], "Accept-Language: en");
	assert_string_equal(m->headers[1], "X-Token: abc");
	assert_int_equal(m->line, 13);
	const struct feed_conf *b = config_find_feed(c, "b");
	assert_int_equal(b->interval, 7200);      /* from [defaults] */
	assert_string_equal(b->tags[0], "default");
	assert_false(b->enabled);
	assert_false(b->allow_private);
	assert_int_equal(b->max_interval, CONF_DEFAULT_MAX_INTERVAL);
	assert_null(config_find_feed(c, "nope"));
	config_free(c);
}

static void test_builtin_defaults(void **state)
{
	(void)state;
	struct config *c = ok("[feed a]\nurl = http://example.org/a\n");
	assert_int_equal(c->feeds[0].interval, CONF_DEFAULT_INTERVAL);
	assert_int_equal(c->feeds[0].timeout, CONF_DEFAULT_TIMEOUT);
	assert_int_equal(c->daemon.max_fetches, CONF_DEFAULT_MAX_FETCHES);
	assert_int_equal(c->daemon.host_gap, CONF_DEFAULT_HOST_GAP_MS);
	assert_non_null(c->feeds[0].tags);
	assert_null(c->feeds[0].tags[0]);
	assert_null(c->daemon.socket);
	config_free(c);
}

static void test_errors(void **state)
{
	(void)state;
	bad("[feed a]\nurl = http://x/\nintervall = 5m\n",
	    "t.conf:3: [feed a] unknown key \"intervall\" (did you mean \"interval\"?)");
	bad("[feed a]\nurl = http://x/\nwhatever = 1\n",
	    "t.conf:3: [feed a] unknown key \"whatever\"");
	bad("[feed a]\nurl = http://x/\n[feed a]\nurl = http://y/\n",
	    "t.conf:3: [feed a] duplicate feed name (first defined at line 1)");
	bad("[feed a]\ninterval = 1h\n",
	    "t.conf:1: [feed a] missing required key \"url\"");
	bad("[feed a]\nurl = ftp://x/\n",
	    "t.conf:2: [feed a] url = \"ftp://x/\": must start with http://, https:// or file://");
	bad("[feed a]\nurl = http:///path\n",
	    "t.conf:2: [feed a] url = \"http:///path\": has no host");
	bad("[feed a]\nurl = http://x/\ninterval = 5 minutes\n",
	    "t.conf:3: [feed a] interval = \"5 minutes\": is not a duration (use a number with "
	    "s, m, h, d or w: 90s, 15m, 2h, 1d)");
	bad("[daemon]\nmax_fetches = 100000\n",
	    "t.conf:2: [daemon] max_fetches = \"100000\": is out of range (1 to 10000)");
	bad("[daemon]\nper_host = two\n",
	    "t.conf:2: [daemon] per_host = \"two\": is not a whole number");
	bad("[feed a]\nurl = http://x/\nurl = http://y/\n",
	    "t.conf:3: [feed a] duplicate key \"url\" (first set at line 2)");
	bad("[feed a]\nurl = http://x/\nenabled = maybe\n",
	    "t.conf:3: [feed a] enabled = \"maybe\": is not yes or no");
	bad("[feed a]\nurl = http://x/\nsocket = /x\n",
	    "t.conf:3: [feed a] key \"socket\" does not belong in this section (it goes in [daemon])");
	bad("[defaults]\nurl = http://x/\n",
	    "t.conf:2: [defaults] key \"url\" does not belong in this section (it goes in [feed NAME])");
	bad("interval = 5m\n",
	    "t.conf:1: key \"interval\" outside any section (put it under [daemon], [defaults] "
	    "or [feed NAME])");
	bad("[feeds a]\n",
	    "t.conf:1: unknown section [feeds a] (expected [daemon], [defaults] or [feed NAME])");
	bad("[feed]\n", "t.conf:1: [feed] needs a name: [feed NAME]");
	bad("[feed a/b]\nurl = http://x/\n",
	    "t.conf:1: [feed a/b] invalid feed name (letters, digits, - _ . and non-ASCII "
	    "letters, at most 100)");
	bad("[daemon]\n[daemon]\n", "t.conf:2: [daemon] appears twice (first at line 1)");
	bad("[feed a\n", "t.conf:1: section header without closing ]");
	bad("[feed a]\nurl = http://x/\njust words\n",
	    "t.conf:3: expected \"key = value\" or \"[section]\"");
	bad("[feed a]\nurl = http://x/\n  continued\n",
	    "t.conf:3: indented line: continuation lines are not supported (write each "
	    "key = value on one line)");
	/* A range error points at the key written that makes the set
	 * disagree: the later of the two, or the one this section wrote. */
	bad("[feed a]\nurl = http://x/\nmin_interval = 1h\nmax_interval = 5m\n",
	    "t.conf:4: [feed a] max_interval 5m is below min_interval 1h");
	bad("[feed a]\nurl = http://x/\nmax_interval = 5m\nmin_interval = 1h\n",
	    "t.conf:4: [feed a] min_interval 1h is above max_interval 5m");
	bad("[feed a]\nurl = http://x/\ninterval = 1m\n",
	    "t.conf:3: [feed a] interval 1m is outside [min_interval 5m, max_interval 1d]");
	bad("[defaults]\nmin_interval = 10m\n\n[feed a]\nurl = http://x/\n\n\ninterval = 5m\n",
	    "t.conf:8: [feed a] interval 5m is outside [min_interval 10m, max_interval 1d]");
	bad("[feed a]\nurl = http://x/\nmin_interval = 2h\n",
	    "t.conf:3: [feed a] min_interval 2h is above interval 30m (the default)");
	bad("[defaults]\ninterval = 2h\n[feed a]\nurl = http://x/\nmax_interval = 1h\n",
	    "t.conf:5: [feed a] max_interval 1h is below interval 2h (from [defaults])");
	/* Both from [defaults]: said once, there, not again for each feed. */
	bad("[defaults]\nmax_interval = 10m\n[feed a]\nurl = http://x/\n[feed b]\nurl = http://y/\n",
	    "t.conf:2: [defaults] max_interval 10m is below interval 30m (the default)");
	bad("[feed a]\nurl = http://x/\nheader = no colon\n",
	    "t.conf:3: [feed a] header = \"no colon\": must be \"Name: value\"");
	bad("[feed a]\nurl = http://x/\nmax_size = 10\n",
	    "t.conf:3: [feed a] max_size = \"10\": is out of range (1024 to 1073741824)");
}

/* Values the daemon would refuse at start, or libcurl at every fetch:
 * refused by the config reader itself, naming file, line and key, so
 * that --check-config, a start and a reload all say it (and a start
 * exits 2, which systemd does not restart). A value that may hold a
 * password is not quoted. */
/* A postgresql:// store as libpq reads it, once feedd has handed the
 * backend's check to the config reader: a password under a
 * percent-encoded key, a key libpq does not know, a value it does not
 * take. Each names the line and the key, never the URI. */
static void test_store_uri_as_libpq_reads_it(void **state)
{
	(void)state;
#ifdef FEEDD_HAVE_PG
	storespec_set_pg_check(store_pg_spec_problem);
	const char *pw = "a password in the postgresql:// URI is refused; put it in a "
			 "password file (passfile=PATH in the URI, or PGPASSFILE)";
	char want[512];
	snprintf(want, sizeof want, "t.conf:2: [daemon] store: \"%%70assword\" in the URI's "
		 "query is libpq's password (percent-encoded): %s", pw);
	bad("[daemon]\nstore = postgresql://u@h/db?sslmode=require&%70assword=secret\n", want);
	snprintf(want, sizeof want, "t.conf:2: [daemon] store: %s", pw);
	bad("[daemon]\nstore = postgresql://u:pw@h/db\n", want);
	bad("[daemon]\nstore = postgres://u@h/db?password=pw\n", want);
	bad("[daemon]\nstore = postgresql://u@h/db?passwrod=x\n",
	    "t.conf:2: [daemon] store: unknown key \"passwrod\" in the URI's query: libpq has "
	    "no such connection parameter");
	bad("[daemon]\nstore = postgresql://u@h/db?passfile=/p&sslmod=require\n",
	    "t.conf:2: [daemon] store: unknown key \"sslmod\" in the URI's query: libpq has "
	    "no such connection parameter");
	bad("[daemon]\nstore = postgresql://u@h/db?ssl=1\n",
	    "t.conf:2: [daemon] store: the value of \"ssl\" in the URI's query is not one "
	    "libpq takes (not quoted: it may be a secret)");
	bad("[daemon]\nstore = postgresql://u@h/db?hunter2\n",
	    "t.conf:2: [daemon] store: a parameter in the URI's query has no \"=\" (libpq "
	    "reads KEY=VALUE pairs, joined by &)");
	bad("[daemon]\nstore = postgresql://u:secret@[::1/db\n",
	    "t.conf:2: [daemon] store: libpq cannot parse the URI (its user, host, port or "
	    "database part; not quoted: it may hold a password)");
	config_free(ok("[daemon]\nstore = postgresql://u@h:5432/db?passfile=/p&sslmode=require"
		       "&ssl=true&application_name=feedd%20one\n"));
	config_free(ok("[daemon]\nstore = postgresql://u:@h/db?password=\n"));   /* empty: none */
	storespec_set_pg_check(NULL);
#else
	skip();
#endif
}

static void test_values_used_at_run_time(void **state)
{
	(void)state;
	bad("[daemon]\nstore = sqlite3\n",
	    "t.conf:2: [daemon] store: \"sqlite3\" is not \"sqlite\", a path ending in .db or "
	    "a postgresql:// URI");
	bad("[daemon]\nstore = mysql://x\n",
	    "t.conf:2: [daemon] store: the URI is not a postgresql:// one (a store is "
	    "\"sqlite\", a path ending in .db or a postgresql:// URI)");
#ifdef FEEDD_HAVE_PG
	const char *pw = "a password in the postgresql:// URI is refused; put it in a "
			 "password file (passfile=PATH in the URI, or PGPASSFILE)";
	char want[512];
	snprintf(want, sizeof want, "t.conf:3: [daemon] store: %s", pw);
	bad("[daemon]\n\nstore = postgresql://u:pw@h/db\n", want);
	bad("[daemon]\n\nstore = postgres://u@h/db?sslmode=require&password=pw\n", want);
	config_free(ok("[daemon]\nstore = postgresql://u@h:5432/db?passfile=/p\n"));
	config_free(ok("[daemon]\nstore = postgresql://u:@h/db\n"));   /* empty: none */
#endif
	config_free(ok("[daemon]\nstore = sqlite\n"));
	config_free(ok("[daemon]\nstore = /var/lib/x/feeds.db\n"));
	/* libpq's other form is no store either, and may hold a password. */
	bad("[daemon]\nstore = host=db password=secret\n",
	    "t.conf:2: [daemon] store: a libpq KEY=VALUE connection string is not a store: "
	    "write it as a postgresql:// URI (postgresql://USER@HOST/DATABASE?KEY=VALUE&...)");

	bad("[daemon]\nreader_listen = 127.0.0.1:18080\n",
	    "t.conf:2: [daemon] reader_listen is set but reader_auth is not: the reader API "
	    "never runs without credentials (reader_auth = PATH of a user:password or "
	    "token:TOKEN file)");
	const char *expected = "expected HOST:PORT with a numeric address (127.0.0.1:8080, [::1]:8080)";
	const char *listens[] = {"localhost:18080", "127.0.0.1:0", "127.0.0.1:65536",
				 "127.0.0.1", "[::1]", "::1:80", "127.0.0.1:80x"};
	for (size_t i = 0; i < sizeof listens / sizeof listens[0]; i++) {
		char text[256], msg[512];
		snprintf(text, sizeof text, "[daemon]\nreader_auth = /x\nreader_listen = %s\n",
			 listens[i]);
		snprintf(msg, sizeof msg, "t.conf:3: [daemon] reader_listen = \"%s\": %s",
			 listens[i], expected);
		bad(text, msg);
	}
	config_free(ok("[daemon]\nreader_listen = [::1]:8080\nreader_auth = /x\n"));
	config_free(ok("[daemon]\nreader_listen = 0.0.0.0:8080\nreader_auth = /x\n"));

	bad("[daemon]\nsocket_group = nosuchgroup-feedd\n",
	    "t.conf:2: [daemon] socket_group = \"nosuchgroup-feedd\": no such group on this machine");
	config_free(ok("[daemon]\nsocket_group = root\n"));

	bad("[feed a]\nurl = https://example.com:99999/\n",
	    "t.conf:2: [feed a] url = \"https://example.com:99999/\": port 99999 is out of "
	    "range (1 to 65535)");
	bad("[feed a]\nurl = http://example.com:0/\n",
	    "t.conf:2: [feed a] url = \"http://example.com:0/\": port 0 is out of range (1 to 65535)");
	bad("[feed a]\nurl = http://example.com:8o/\n",
	    "t.conf:2: [feed a] url = \"http://example.com:8o/\": has a port that is not a number");
	bad("[feed a]\nurl = http://ex{ample.com/\n",
	    "t.conf:2: [feed a] url = \"http://ex{ample.com/\": has a '{' in its host name");
	/* As libcurl reads them: the host %-decoded, the user part up to the
	 * first '@'. */
	bad("[feed a]\nurl = http://h%20x.example/feed\n",
	    "t.conf:2: [feed a] url = \"http://h%20x.example/feed\": has a space or control "
	    "character in its host name");
	bad("[feed a]\nurl = http://a@b@127.0.0.1:9/feed\n",
	    "t.conf:2: [feed a] url = \"http://a@b@127.0.0.1:9/feed\": has a '@' in its host name");
	config_free(ok("[feed a]\nurl = http://b%C3%BCcher.example/\n"
		       "[feed b]\nurl = http://a%40b@host.example/\n"));
	bad("[feed a]\nurl = http://[::g]/\n",
	    "t.conf:2: [feed a] url = \"http://[::g]/\": has an IPv6 address that is not one");
	config_free(ok("[feed a]\nurl = http://u:p@[::1]:8080/x?y#z\n"
		       "[feed b]\nurl = https://EXAMPLE.com:/\n"
		       "[feed c]\nurl = http://bücher.example/feed\n"));

	bad("[feed a]\nurl = http://x/\nproxy = not a url\n",
	    "t.conf:3: [feed a] proxy: is not [SCHEME://][USER:PASSWORD@]HOST[:PORT] (it "
	    "contains spaces or control characters)");
	bad("[feed a]\nurl = http://x/\nproxy = ftp://p:21\n",
	    "t.conf:3: [feed a] proxy: the scheme \"ftp\" is not a proxy's (use http, https, "
	    "socks4, socks4a, socks5, socks5h)");
	bad("[defaults]\nproxy = http://u:secret@p:99999\n",
	    "t.conf:2: [defaults] proxy: port 99999 is out of range (1 to 65535)");
	config_free(ok("[defaults]\nproxy = socks5h://u:pw@127.0.0.1:1080\n"
		       "[feed a]\nurl = http://x/\nproxy = proxy.example:3128\n"
		       "[feed b]\nurl = http://y/\nproxy = HTTPS://[::1]:443/\n"
		       "[feed c]\nurl = http://z/\nproxy = socks4a://p\n"));
}

/* log_level is a row of allowed words (and the aliases error, warn): a
 * bad one is refused where it stands, naming its line. */
static void test_log_level_words(void **state)
{
	(void)state;
	static const char *const good[] = {"err", "warning", "notice", "info", "debug", "warn",
					   "error"};
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		char text[64];
		snprintf(text, sizeof text, "[daemon]\nlog_level = %s\n", good[i]);
		struct config *c = ok(text);
		assert_string_equal(c->daemon.log_level, good[i]);
		config_free(c);
	}
	bad("[daemon]\n\nlog_level = loud\n",
	    "t.conf:3: [daemon] log_level \"loud\" is not one of err, warning, notice, info, debug");
	bad("[daemon]\nlog_level = Info\n",
	    "t.conf:2: [daemon] log_level \"Info\" is not one of err, warning, notice, info, debug");
}

/* What --help-config prints comes from the same rows the parser reads. */
static void test_help_lists_the_rows(void **state)
{
	(void)state;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	assert_non_null(f);
	config_keys_help(f);
	fclose(f);
	assert_non_null(strstr(buf, "[daemon]\n  socket "));
	assert_non_null(strstr(buf, "  per_host       integer, 1 to 100, default 2\n"));
	assert_non_null(strstr(buf, "  interval       duration, 1s to 30d, default 30m\n"));
	assert_non_null(strstr(buf, "  max_size       size, 1k to 1G, default 16M\n"));
	assert_non_null(strstr(buf, "  enabled        yes/no, default yes\n"));
	assert_non_null(strstr(buf, "[feed NAME] only\n  url            url, required\n"));
	free(buf);
}

static void test_all_errors_reported_in_order(void **state)
{
	(void)state;
	const char *text = "[feed a]\nbogus = 1\n[feed b]\nurl = nope\n[feed c]\n";
	struct config *c = NULL;
	struct config_errors errs = {0};
	assert_int_equal(config_parse_buffer("t.conf", text, strlen(text), &c, &errs), -22);
	assert_int_equal(errs.n, 4);
	assert_true(strncmp(errs.msgs[0], "t.conf:1:", 9) == 0);  /* a: missing url */
	assert_true(strncmp(errs.msgs[1], "t.conf:2:", 9) == 0);  /* a: bogus */
	assert_true(strncmp(errs.msgs[2], "t.conf:4:", 9) == 0);  /* b: bad url */
	assert_true(strncmp(errs.msgs[3], "t.conf:5:", 9) == 0);  /* c: missing url */
	config_errors_free(&errs);
}

static void test_long_lines(void **state)
{
	(void)state;
	/* A URL longer than inih's 200-byte line buffer comes through whole. */
	char url[1200];
	strcpy(url, "https://example.org/feed?");
	while (strlen(url) < 1000)
		strcat(url, "q=abcdefghij&");
	char text[2048];
	snprintf(text, sizeof text, "[feed a]\nurl = %s   # trailing comment\ninterval = 1h\n", url);
	struct config *c = ok(text);
	assert_string_equal(c->feeds[0].url, url);
	assert_int_equal(c->feeds[0].interval, 3600);
	config_free(c);

	/* A 1 MB line is an error naming its line, not a crash or a truncation. */
	size_t n = 1024 * 1024;
	char *huge = malloc(n + 64);
	strcpy(huge, "[feed a]\nurl = http://x/\ntags = ");
	size_t l = strlen(huge);
	memset(huge + l, 'a', n);
	strcpy(huge + l + n, "\n");
	struct config_errors errs = {0};
	struct config *c2 = NULL;
	assert_int_equal(config_parse_buffer("t.conf", huge, strlen(huge), &c2, &errs), -22);
	assert_int_equal(errs.n, 1);
	assert_non_null(strstr(errs.msgs[0], "t.conf:3: line too long"));
	config_errors_free(&errs);
	free(huge);
}

static void test_binary_garbage(void **state)
{
	(void)state;
	const char text[] = "[feed a]\nurl = http://x/\n\x7f\x45\x4c\x46\x00\x01\x02\n";
	struct config *c = NULL;
	struct config_errors errs = {0};
	assert_int_equal(config_parse_buffer("t.conf", text, sizeof text - 1, &c, &errs), -22);
	assert_non_null(strstr(errs.msgs[0], "t.conf:3: contains a NUL byte"));
	config_errors_free(&errs);
}

static void test_many_feeds(void **state)
{
	(void)state;
	size_t n = 100000;
	size_t cap = n * 48;
	char *text = malloc(cap);
	size_t len = 0;
	for (size_t i = 0; i < n; i++)
		len += (size_t)snprintf(text + len, cap - len, "[feed f%zu]\nurl = http://h%zu.example/\n",
					i, i % 97);
	struct config *c = ok(text);
	assert_int_equal(c->nfeeds, n);
	assert_string_equal(c->feeds[n - 1].name, "f99999");
	assert_int_equal(c->feeds[n - 1].line, (int)(2 * n - 1));
	config_free(c);
	free(text);
}

static void test_durations_and_sizes(void **state)
{
	(void)state;
	int64_t v;
	assert_int_equal(config_parse_duration("90s", &v), 0); assert_int_equal(v, 90);
	assert_int_equal(config_parse_duration("15m", &v), 0); assert_int_equal(v, 900);
	assert_int_equal(config_parse_duration("2h", &v), 0); assert_int_equal(v, 7200);
	assert_int_equal(config_parse_duration("1d", &v), 0); assert_int_equal(v, 86400);
	assert_int_equal(config_parse_duration("1w", &v), 0); assert_int_equal(v, 604800);
	assert_int_equal(config_parse_duration("42", &v), 0); assert_int_equal(v, 42);
	assert_int_equal(config_parse_duration("-1s", &v), -22);
	assert_int_equal(config_parse_duration("1y", &v), -22);
	assert_int_equal(config_parse_duration("", &v), -22);
	assert_int_equal(config_parse_duration("99999999999999999999s", &v), -22);
	assert_int_equal(config_parse_size("16M", &v), 0); assert_int_equal(v, 16 << 20);
	assert_int_equal(config_parse_size("512k", &v), 0); assert_int_equal(v, 512 << 10);
	assert_int_equal(config_parse_size("1G", &v), 0); assert_int_equal(v, 1 << 30);
	assert_int_equal(config_parse_size("1T", &v), -22);
}

/* No value may carry a control character, whatever the key's type: that is
 * how one line of the file would become two. */
static void test_control_characters_in_values(void **state)
{
	(void)state;
	bad("[feed a]\nurl = http://e.org/\ntags = a\x01" "b\n",
	    "t.conf:3: [feed a] tags: the value contains a control character (U+0001)");
	bad("[feed a]\nurl = http://e.org/\nexec = /bin/true\rexec = x\n",
	    "t.conf:3: [feed a] exec: the value contains a carriage return");
	bad("[defaults]\ntags = x\xc2\x85y\n",
	    "t.conf:2: [defaults] tags: the value contains a control character (U+0085)");
	bad("[daemon]\nuser_agent = a\tb\n",
	    "t.conf:2: [daemon] user_agent: the value contains a tab");
	bad("[defaults]\ninterval = 1h\x1b\n",
	    "t.conf:2: [defaults] interval: the value contains a control character (U+001B)");
	bad("[feed a\xc2\x85]\nurl = http://e.org/\n",
	    "t.conf:1: [feed a\xc2\x85] invalid feed name (letters, digits, - _ . and "
	    "non-ASCII letters, at most 100)");
	/* A trailing CR (a file written on Windows) is the line's end, not the value's. */
	struct config *c = ok("[feed a]\r\nurl = http://e.org/\r\ntags = x\r\n");
	assert_string_equal(c->feeds[0].tags[0], "x");
	config_free(c);
}

/* --- the drop-in directory: files on disk --- */

struct tree {
	char dir[64];
	char main[128];
	char dropins[140];
};

static void tree_make(struct tree *t)
{
	snprintf(t->dir, sizeof t->dir, "/tmp/feedd-config-XXXXXX");
	assert_non_null(mkdtemp(t->dir));
	snprintf(t->main, sizeof t->main, "%s/feeds.conf", t->dir);
	snprintf(t->dropins, sizeof t->dropins, "%s/feeds.conf.d", t->dir);
}

static void put(const char *dir, const char *name, const char *text)
{
	char p[300];
	snprintf(p, sizeof p, "%s/%s", dir, name);
	FILE *f = fopen(p, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void tree_rm(struct tree *t)
{
	char cmd[200];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", t->dir);
	assert_int_equal(system(cmd), 0);
}

/* The main file, then the drop-ins in byte order of their names; only
 * regular files ending in .conf that do not start with a dot. */
static void test_dropins_read_in_order(void **state)
{
	(void)state;
	struct tree t;
	tree_make(&t);
	put(t.dir, "feeds.conf", "[defaults]\nmin_interval = 1m\n\n[feed main]\nurl = http://m.org/\n");
	assert_int_equal(mkdir(t.dropins, 0755), 0);
	put(t.dropins, "20-b.conf", "# b\n[feed b]\nurl = http://b.org/\ninterval = 2m\n");
	put(t.dropins, "10-a.conf", "[feed a]\nurl = http://a.org/\n");
	/* Byte order, not the locale's: "Z" before "a". */
	put(t.dropins, "a-z.conf", "[feed az]\nurl = http://az.org/\n");
	put(t.dropins, "Z.conf", "[feed z]\nurl = http://z.org/\n");
	/* What is not read: editor and package-manager leftovers, dot files,
	 * other suffixes, directories, FIFOs. Each would be an error if read. */
	const char *junk = "this is not a config\n";
	put(t.dropins, "10-a.conf~", junk);
	put(t.dropins, "10-a.conf.dpkg-old", junk);
	put(t.dropins, ".10-a.conf.swp", junk);
	put(t.dropins, ".hidden.conf", junk);
	put(t.dropins, "README", junk);
	put(t.dropins, ".conf", junk);
	char p[300];
	snprintf(p, sizeof p, "%s/dir.conf", t.dropins);
	assert_int_equal(mkdir(p, 0755), 0);
	snprintf(p, sizeof p, "%s/fifo.conf", t.dropins);
	assert_int_equal(mkfifo(p, 0644), 0);
	struct config *c = NULL;
	struct config_errors errs = {0};
	int r = config_load(t.main, 0, &c, &errs);
	for (size_t i = 0; i < errs.n; i++)
		fprintf(stderr, "unexpected: %s\n", errs.msgs[i]);
	assert_int_equal(r, 0);
	assert_int_equal(c->nfiles, 5);
	assert_string_equal(c->path, t.main);
	assert_string_equal(c->files[0], t.main);
	const char *files[] = {"10-a.conf", "20-b.conf", "Z.conf", "a-z.conf"};
	for (size_t i = 0; i < 4; i++) {
		snprintf(p, sizeof p, "%s/%s", t.dropins, files[i]);
		assert_string_equal(c->files[i + 1], p);
	}
	assert_int_equal(c->nfeeds, 5);
	const char *names[] = {"main", "a", "b", "z", "az"};
	for (size_t i = 0; i < 5; i++) {
		assert_string_equal(c->feeds[i].name, names[i]);
		assert_int_equal(c->feeds[i].file, i);
	}
	assert_int_equal(c->feeds[2].line, 2);
	/* A drop-in's feed takes the main file's [defaults]: 2m is only
	 * allowed because of its min_interval. */
	assert_int_equal(c->feeds[2].interval, 120);
	assert_int_equal(c->feeds[2].min_interval, 60);
	config_free(c);
	tree_rm(&t);
}

static void load_bad(const char *main, const char *expected[], size_t n, int want)
{
	struct config *c = NULL;
	struct config_errors errs = {0};
	assert_int_equal(config_load(main, 0, &c, &errs), want);
	assert_null(c);
	bool same = errs.n == n;
	for (size_t i = 0; same && i < n; i++)
		same = strcmp(errs.msgs[i], expected[i]) == 0;
	if (!same) {
		for (size_t i = 0; i < errs.n; i++)
			fprintf(stderr, "got: %s\n", errs.msgs[i]);
		for (size_t i = 0; i < n; i++)
			fprintf(stderr, "want: %s\n", expected[i]);
		fail();
	}
	config_errors_free(&errs);
}

/* A name defined twice names both places; the drop-in's errors name the
 * drop-in; errors come out in reading order, whichever pass found them. */
static void test_dropin_errors(void **state)
{
	(void)state;
	struct tree t;
	tree_make(&t);
	put(t.dir, "feeds.conf", "[feed x]\nurl = http://x.org/\n\n[feed y]\n");
	assert_int_equal(mkdir(t.dropins, 0755), 0);
	put(t.dropins, "a.conf", "\n[feed x]\nurl = http://x2.org/\nintervall = 1h\n");
	put(t.dropins, "b.conf", "[daemon]\nsocket = /tmp/s\n[defaults]\n[feed w]\n");
	char e[6][400];
	snprintf(e[0], sizeof e[0], "%s:4: [feed y] missing required key \"url\"", t.main);
	snprintf(e[1], sizeof e[1], "%s/a.conf:2: [feed x] duplicate feed name (first defined "
		 "at %s:1)", t.dropins, t.main);
	snprintf(e[2], sizeof e[2], "%s/b.conf:1: [daemon] belongs in the main file %s (a drop-in "
		 "holds [feed NAME] sections only)", t.dropins, t.main);
	snprintf(e[3], sizeof e[3], "%s/b.conf:3: [defaults] belongs in the main file %s (a "
		 "drop-in holds [feed NAME] sections only)", t.dropins, t.main);
	snprintf(e[4], sizeof e[4], "%s/b.conf:4: [feed w] missing required key \"url\"", t.dropins);
	const char *want[] = {e[0], e[1], e[2], e[3], e[4]};
	load_bad(t.main, want, 5, -22);
	/* The drop-in's unknown key: its own file and line. */
	put(t.dir, "feeds.conf", "");
	put(t.dropins, "b.conf", "");
	snprintf(e[0], sizeof e[0], "%s/a.conf:4: [feed x] unknown key \"intervall\" (did you mean "
		 "\"interval\"?)", t.dropins);
	load_bad(t.main, want, 1, -22);
	tree_rm(&t);
}

/* No directory: no drop-ins. A directory that cannot be read, or a
 * drop-in that cannot: an error naming it. A missing main file is an
 * error unless the caller allows it; the drop-ins are read either way. */
static void test_dropin_directory(void **state)
{
	(void)state;
	struct tree t;
	tree_make(&t);
	put(t.dir, "feeds.conf", "[feed m]\nurl = http://m.org/\n");
	struct config *c = NULL;
	struct config_errors errs = {0};
	assert_int_equal(config_load(t.main, 0, &c, &errs), 0);
	assert_int_equal(c->nfiles, 1);
	config_free(c);
	put(t.dir, "feeds.conf.d", "a file, not a directory\n");
	char e[400];
	snprintf(e, sizeof e, "%s: cannot read the drop-in directory: Not a directory", t.dropins);
	const char *want[] = {e};
	load_bad(t.main, want, 1, -ENOTDIR);
	unlink(t.dropins);
	assert_int_equal(mkdir(t.dropins, 0755), 0);
	char p[300];
	snprintf(p, sizeof p, "%s/gone.conf", t.dropins);
	assert_int_equal(symlink("/nonexistent/feed.conf", p), 0);
	snprintf(e, sizeof e, "%s: cannot open: No such file or directory", p);
	load_bad(t.main, want, 1, -ENOENT);
	unlink(p);
	/* A link to /dev/null masks a file of that name: passed over. */
	assert_int_equal(symlink("/dev/null", p), 0);
	put(t.dropins, "d.conf", "[feed d]\nurl = http://d.org/\n");
	snprintf(p, sizeof p, "%s/feeds.conf", t.dir);
	unlink(p);
	snprintf(e, sizeof e, "%s: cannot open: No such file or directory", t.main);
	load_bad(t.main, want, 1, -ENOENT);
	assert_int_equal(config_load(t.main, CONFIG_MAIN_OPTIONAL, &c, &errs), 0);
	assert_int_equal(c->nfiles, 2);
	assert_int_equal(c->nfeeds, 1);
	assert_string_equal(c->feeds[0].name, "d");
	assert_int_equal(c->feeds[0].file, 1);
	config_free(c);
	assert_true(config_dropin_name_ok("a.conf"));
	assert_false(config_dropin_name_ok(".a.conf"));
	assert_false(config_dropin_name_ok(".conf"));
	assert_false(config_dropin_name_ok("a.conf~"));
	assert_false(config_dropin_name_ok("a.conf.dpkg-new"));
	tree_rm(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_control_characters_in_values),
		cmocka_unit_test(test_full_config),
		cmocka_unit_test(test_builtin_defaults),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_values_used_at_run_time),
		cmocka_unit_test(test_store_uri_as_libpq_reads_it),
		cmocka_unit_test(test_all_errors_reported_in_order),
		cmocka_unit_test(test_log_level_words),
		cmocka_unit_test(test_help_lists_the_rows),
		cmocka_unit_test(test_long_lines),
		cmocka_unit_test(test_binary_garbage),
		cmocka_unit_test(test_many_feeds),
		cmocka_unit_test(test_durations_and_sizes),
		cmocka_unit_test(test_dropins_read_in_order),
		cmocka_unit_test(test_dropin_errors),
		cmocka_unit_test(test_dropin_directory),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
