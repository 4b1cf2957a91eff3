"""test_hostile_config.py — config files and paths that try to hurt feedd:
binary garbage, a 1 MB line, 100 000 feeds, symlink loops (as the config,
the state folder, the socket's folder, an auth_file), a FIFO and /dev/zero
where a file is expected, a garbage file sent with SIGHUP, and OPML files
for `feedctl import` that carry external entities, DTDs and nesting.

Each is refused with an error that names the path (and line), without a
hang or a crash; a daemon already running keeps its feeds; a bad auth_file
fails that feed only.
"""
import os
import shutil
import signal
import subprocess
import tempfile
import unittest

from fixture_server import FixtureServer
from harness import FEEDCTL_BIN, Feedd, run_feedd, wait_until
from hostile import Logger


class HostileConfigTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="feedd-hostile-conf-")
        # l1 -> l2 -> l1
        self.loop = os.path.join(self.tmp, "l1")
        os.symlink(os.path.join(self.tmp, "l2"), self.loop)
        os.symlink(self.loop, os.path.join(self.tmp, "l2"))
        self.fifo = os.path.join(self.tmp, "fifo")
        os.mkfifo(self.fifo)

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def write(self, name, data):
        p = os.path.join(self.tmp, name)
        with open(p, "wb") as f:
            f.write(data)
        return p

    def check(self, path):
        return run_feedd("--check-config", "-c", path, timeout=60)

    def test_binary_garbage(self):
        garbage = bytes((i * 7919 + 13) % 256 for i in range(64 * 1024))
        p = self.write("garbage.conf", b"[feed a]\nurl = http://x/\n" + garbage)
        r = self.check(p)
        self.assertEqual(r.returncode, 2)
        self.assertIn(b"garbage.conf:", r.stderr)
        # The daemon refuses it too, before READY.
        r = run_feedd("-c", p, "--state-dir", os.path.join(self.tmp, "s"),
                      "--socket", os.path.join(self.tmp, "s.sock"))
        self.assertEqual(r.returncode, 2)

    def test_a_feed_name_that_is_not_utf8(self):
        p = self.write("latin1.conf", b"[feed ok]\nurl = http://x/a\n\n"
                       b"[feed caf\xe9]\nurl = http://x/b\n")
        r = self.check(p)
        self.assertEqual(r.returncode, 2, r.stdout)
        self.assertIn(b"latin1.conf:4: [feed ...] the feed name is not valid UTF-8", r.stderr)

    def test_a_one_megabyte_line(self):
        p = self.write("long.conf", b"[feed a]\nurl = http://x/\ntags = " + b"a" * (1 << 20) + b"\n")
        r = self.check(p)
        self.assertEqual(r.returncode, 2)
        self.assertIn(b"long.conf:3", r.stderr)

    def test_a_hundred_thousand_feeds(self):
        text = "".join("[feed f%d]\nurl = http://h%d.example/feed\n" % (i, i % 97)
                       for i in range(100000))
        r = self.check(self.write("many.conf", text.encode()))
        self.assertEqual(r.returncode, 0, r.stderr[-500:])
        self.assertIn(b"100000 feeds", r.stdout + r.stderr)

    def test_config_paths_that_are_not_files(self):
        for path, why in ((self.loop, b"Too many levels of symbolic links"),
                          (self.fifo, b"not a regular file"),
                          ("/dev/zero", b"not a regular file"),
                          (self.tmp, b"not a regular file")):
            r = self.check(path)   # a FIFO must not hang in open()
            self.assertEqual(r.returncode, 2, path)
            self.assertIn(why, r.stderr, path)

    def test_state_dir_in_a_symlink_loop(self):
        conf = self.write("s.conf", b"[feed a]\nurl = http://x/\n")
        r = run_feedd("-c", conf, "--state-dir", os.path.join(self.loop, "state"),
                      "--socket", os.path.join(self.tmp, "s.sock"))
        self.assertNotEqual(r.returncode, 0)
        self.assertIn(b"Too many levels of symbolic links", r.stderr)

    def test_socket_in_a_symlink_loop(self):
        conf = self.write("s.conf", b"[feed a]\nurl = http://x/\n")
        r = run_feedd("-c", conf, "--state-dir", os.path.join(self.tmp, "state"),
                      "--socket", os.path.join(self.loop, "feedd.sock"))
        self.assertNotEqual(r.returncode, 0)
        self.assertIn(b"Too many levels of symbolic links", r.stderr)

    def test_bad_auth_files_fail_their_feed_only(self):
        with FixtureServer() as srv:
            srv.set_feed("good", items=[{"guid": "1", "title": "one"}])
            conf = ("[defaults]\ninterval = 1h\nallow_private = yes\n\n"
                    "[feed loop]\nurl = %s\nauth_file = %s\n\n"
                    "[feed fifo]\nurl = %s\nauth_file = %s\n\n"
                    "[feed good]\nurl = %s\n" % (srv.url("/feed/a"), self.loop,
                                                 srv.url("/feed/b"), self.fifo,
                                                 srv.url("/feed/good")))
            d = Feedd(conf)
            try:
                def done():
                    fs = {f["name"]: f for f in d.get("/v1/feeds").json()["feeds"]}
                    # A feed failed before any request has an error, maybe
                    # no last_fetch.
                    return fs if all(f["last_fetch"] or f["last_error"]
                                     for f in fs.values()) else None
                fs = wait_until(done, timeout=30)
                self.assertTrue(fs, d.read_log()[-2000:])
                self.assertIn("auth_file", fs["loop"]["last_error"])
                self.assertIn("auth_file", fs["fifo"]["last_error"])
                self.assertEqual(fs["good"]["items"], 1)
                # Nothing was sent without the credentials.
                self.assertEqual(srv.log("/feed/a") + srv.log("/feed/b"), [])
                self.assertEqual(d.stop(), 0)
            finally:
                d.cleanup()

    def test_garbage_on_reload_keeps_the_running_set(self):
        with FixtureServer() as srv:
            srv.set_feed("a", items=[{"guid": "1", "title": "one"}])
            d = Feedd("[defaults]\ninterval = 1h\nallow_private = yes\n\n"
                      "[feed a]\nurl = %s\n" % srv.url("/feed/a"))
            try:
                with open(d.config, "wb") as f:
                    f.write(b"[feed a]\nurl = \x00\xff\xfe" + b"z" * (1 << 20) + b"\n")
                d.signal(signal.SIGHUP)
                self.assertTrue(d.wait_log("feeds.conf:"), d.read_log()[-2000:])
                os.unlink(d.config)
                os.symlink(self.loop, d.config)
                r = d.post("/v1/reload")
                self.assertGreaterEqual(r.status, 400)
                self.assertIsNone(d.proc.poll())
                names = [f["name"] for f in d.get("/v1/feeds").json()["feeds"]]
                self.assertEqual(names, ["a"])
                self.assertEqual(d.stop(), 0)
            finally:
                d.cleanup()

    # Values that --check-config used to pass and feedd then refused at
    # start (exit 1, which systemd restarts every 5 s) or libcurl at every
    # fetch: (the lines after the section header, section, key, message).
    RUN_TIME_VALUES = [
        ("store = sqlite3", "[daemon]", "store", '"sqlite3" is not "sqlite"'),
        ("store = mysql://x", "[daemon]", "store", "the URI is not a postgresql:// one"),
        ("store = postgresql://u:pw@h/db", "[daemon]", "store",
         "a password in the postgresql:// URI is refused"),
        # libpq decodes %XX in a query key: this is password=.
        ("store = postgresql://u@h/db?%70assword=secret", "[daemon]", "store",
         '"%70assword" in the URI\'s query is libpq\'s password (percent-encoded): '
         "a password in the postgresql:// URI is refused"),
        ("store = postgresql://u@h/db?sslmod=require", "[daemon]", "store",
         'unknown key "sslmod" in the URI\'s query: libpq has no such connection parameter'),
        ("store = postgresql://u@h/db?passwrod=secret", "[daemon]", "store",
         'unknown key "passwrod" in the URI\'s query'),
        ("store = host=db password=secret", "[daemon]", "store",
         "a libpq KEY=VALUE connection string is not a store"),
        ("reader_listen = 127.0.0.1:18080", "[daemon]", "reader_listen",
         "reader_listen is set but reader_auth is not"),
        ("reader_listen = localhost:18080\nreader_auth = /nonexistent", "[daemon]",
         "reader_listen", "expected HOST:PORT with a numeric address"),
        ("socket_group = nosuchgroup", "[daemon]", "socket_group",
         "no such group on this machine"),
        ("url = http://x/\nproxy = not a url", "[feed a]", "proxy",
         "is not [SCHEME://][USER:PASSWORD@]HOST[:PORT]"),
        ("url = http://x/\nproxy = ftp://p:21", "[feed a]", "proxy",
         'the scheme "ftp" is not a proxy\'s'),
        ("url = https://example.com:99999/", "[feed a]", "url",
         "port 99999 is out of range (1 to 65535)"),
    ]

    def bad_value_conf(self, lines, section):
        return "%s\n%s\n" % (section, lines)

    def test_values_used_at_run_time_are_config_errors(self):
        for lines, section, key, msg in self.RUN_TIME_VALUES:
            with self.subTest(lines=lines):
                p = self.write("g.conf", self.bad_value_conf(lines, section).encode())
                line = 1 + lines.split("\n").index(
                    next(l for l in lines.split("\n") if l.startswith(key + " ")))
                where = ("%s:%d: %s %s" % (p, line + 1, section, key)).encode()
                r = self.check(p)
                self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
                self.assertIn(where, r.stderr)
                self.assertIn(msg.encode(), r.stderr)
                self.assertNotIn(b"pw@", r.stderr)       # a password is never echoed
                self.assertNotIn(b"secret", r.stderr)
                # A start says the same and exits 2: RestartPreventExitStatus=2.
                r = run_feedd("-c", p, "--state-dir", os.path.join(self.tmp, "s"),
                              "--socket", os.path.join(self.tmp, "s.sock"), timeout=30)
                self.assertEqual(r.returncode, 2, r.stderr)
                self.assertIn(where, r.stderr)
                self.assertIn(msg.encode(), r.stderr)
                self.assertNotIn(b"pw@", r.stderr)
                self.assertNotIn(b"secret", r.stderr)

    def test_values_used_at_run_time_on_reload_keep_the_running_set(self):
        with FixtureServer() as srv:
            srv.set_feed("a", items=[{"guid": "1", "title": "one"}])
            good = ("[defaults]\ninterval = 1h\nallow_private = yes\n\n"
                    "[feed a]\nurl = %s\n" % srv.url("/feed/a"))
            d = Feedd(good)
            try:
                for lines, section, key, msg in self.RUN_TIME_VALUES:
                    with self.subTest(lines=lines):
                        if section == "[daemon]":
                            text = "[daemon]\n%s\n\n%s" % (lines, good)
                        else:
                            text = good + "\n[feed b]\n%s\n" % lines
                        d.write_config(text)
                        r = d.post("/v1/reload")
                        self.assertEqual(r.status, 422, r.body)
                        detail = r.json()["detail"]
                        self.assertTrue(any(d.config + ":" in m and " %s" % key in m and msg in m
                                            for m in detail), detail)
                        r = d.feedctl("reload")
                        self.assertEqual(r.returncode, 4, r.stderr)
                        self.assertIn(msg.encode(), r.stdout + r.stderr)
                        d.signal(signal.SIGHUP)
                        self.assertTrue(wait_until(lambda: d.read_log().count(msg) >= 2),
                                        d.read_log()[-2000:])
                        names = [f["name"] for f in d.get("/v1/feeds").json()["feeds"]]
                        self.assertEqual(names, ["a"])
                        self.assertIsNone(d.proc.poll())
                d.write_config(good)
                self.assertEqual(d.post("/v1/reload").status, 200)
                self.assertEqual(d.stop(), 0)
            finally:
                d.cleanup()

    def test_hostile_opml_import(self):
        canary = self.write("canary.txt", b"CANARY-opml-7d1e\n")
        logger = Logger()
        conf = self.write("feeds.conf", b"# mine\n[feed keep]\nurl = http://example.org/f\n")
        before = open(conf, "rb").read()
        try:
            docs = {
                "xxe": '<!DOCTYPE opml [<!ENTITY x SYSTEM "file://%s">]><opml><body>'
                       '<outline text="&x;" xmlUrl="http://example.org/&x;"/></body></opml>'
                       % canary,
                "dtd": '<!DOCTYPE opml SYSTEM "%s"><opml><body>'
                       '<outline text="a" xmlUrl="http://example.org/a"/></body></opml>'
                       % logger.url("/x.dtd"),
                "pe": '<!DOCTYPE opml [<!ENTITY %% p SYSTEM "%s"> %%p;]><opml><body>'
                      '<outline text="a" xmlUrl="http://example.org/a"/></body></opml>'
                      % logger.url("/pe"),
                "deep": "<opml><body>" + '<outline text="x">' * 100000,
            }
            for name, text in docs.items():
                p = self.write(name + ".opml", text.encode())
                r = subprocess.run([FEEDCTL_BIN, "import", p, "--config", conf],
                                   capture_output=True, timeout=60,
                                   env=dict(os.environ, FEEDD_SOCKET=os.path.join(self.tmp, "no.sock")))
                self.assertNotIn(b"CANARY", r.stdout + r.stderr, name)
                after = open(conf, "rb").read()
                self.assertNotIn(b"CANARY", after, name)
                self.assertTrue(after.startswith(before), name)
            self.assertEqual(logger.hits, [])
        finally:
            logger.close()


if __name__ == "__main__":
    unittest.main()
