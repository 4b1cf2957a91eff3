"""feedctl as a first-time user meets it (issue 16, point 10): `add` names
a feed after its title and honours the address policy, `refresh nosuch`
names the unknown feed, `export` asks the running daemon (htmlUrl
included) and falls back to the file, `status` prints local ISO 8601
times and durations with units, global options work after the command,
the sfeed TSV says `plain` for plain text, and feeds.conf(5) documents
every variable a hook gets. The real daemon, feedctl and fixture server."""
import datetime
import json
import os
import re
import unittest
import xml.etree.ElementTree as ET

from harness import SOURCE_DIR, Feedd, ServerTestCase, wait_until

CONF = """[daemon]
host_gap = 0s

[defaults]
interval = 1h
min_interval = 1s
{private}
[feed a]
url = {url}
tags = news
"""


class SeatTest(ServerTestCase):
    def start(self, private=True):
        self.srv.set_feed("a", items=[
            {"guid": "p1", "title": "plain one", "description": "just words here"},
            {"guid": "h1", "title": "html one", "description": "<p>marked <b>up</b></p>"},
        ], title="Site A")
        self.d = Feedd(CONF.format(url=self.srv.url("/feed/a"),
                                   private="allow_private = yes\n" if private else ""))
        self.addCleanup(self.d.cleanup)
        if private:
            self.assertTrue(wait_until(lambda: self.d.get("/v1/feeds/a").json().get("items") == 2))

    def conf(self):
        with open(self.d.config, encoding="utf-8") as f:
            return f.read()

    def ctl(self, *args, **kw):
        return self.d.feedctl(*args, **kw)

    def test_add_names_the_feed_after_its_title(self):
        self.start()
        self.srv.set_feed("b", items=[{"guid": "b1"}], title="Bee News: the Hive!")
        r = self.ctl("add", self.srv.url("/feed/b"), "--config", self.d.config)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("[feed bee-news-the-hive]", self.conf())
        self.assertTrue(wait_until(
            lambda: self.d.get("/v1/feeds/bee-news-the-hive").status == 200))
        # the same title again: kept unique
        self.srv.set_feed("b2", items=[{"guid": "b2"}], title="Bee News: the Hive!")
        r = self.ctl("add", self.srv.url("/feed/b2"), "--config", self.d.config)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("[feed bee-news-the-hive-2]", self.conf())
        # non-ASCII letters stay, punctuation goes
        self.srv.set_feed("b3", items=[{"guid": "b3"}], title="Ölçü — «خبر»")
        r = self.ctl("add", self.srv.url("/feed/b3"), "--config", self.d.config)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("[feed ölçü-خبر]", self.conf())
        # a title with nothing to make a name from: the site's name
        self.srv.set_feed("b4", items=[{"guid": "b4"}], title="!!!")
        r = self.ctl("add", self.srv.url("/feed/b4"), "--config", self.d.config)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("[feed 127-0-0-1]", self.conf())

    def test_add_honours_allow_private(self):
        self.start(private=False)
        before = self.conf()
        self.srv.set_feed("c", items=[{"guid": "c1"}], title="Sea")
        r = self.ctl("add", self.srv.url("/feed/c"), "--config", self.d.config)
        self.assertEqual(r.returncode, 5, r.stdout)
        self.assertIn(b"127.0.0.1", r.stderr)
        self.assertIn(b"loopback", r.stderr)
        self.assertIn(b"allow_private = yes", r.stderr)
        self.assertEqual(self.conf(), before)
        self.assertEqual(len(self.srv.log("/feed/c")), 0)   # never connected
        # the daemon refuses it the same way
        self.assertTrue(wait_until(lambda: self.d.get("/v1/feeds/a").json().get("last_error")))
        self.assertIn("allow_private", self.d.get("/v1/feeds/a").json()["last_error"])

    def test_refresh_names_the_unknown_feed(self):
        self.start()
        r = self.ctl("refresh", "nosuch")
        self.assertEqual(r.returncode, 4)
        self.assertIn(b"nosuch", r.stderr)
        r = self.ctl("refresh", "a", "nosuch2")
        self.assertEqual(r.returncode, 4)
        self.assertIn(b"nosuch2", r.stderr)
        self.assertIn(b"a: refresh queued", r.stdout)

    def test_export_asks_the_daemon(self):
        self.start()
        # no --config, no $FEEDD_CONFIG: the default file does not exist
        # here; the running daemon has the config
        env = {"FEEDD_CONFIG": os.path.join(self.d.dir, "nonexistent.conf")}
        r = self.ctl("export", env=env)
        self.assertEqual(r.returncode, 0, r.stderr)
        root = ET.fromstring(r.stdout)
        outs = [o for o in root.iter("outline") if o.get("xmlUrl")]
        self.assertEqual(len(outs), 1)
        o = outs[0]
        self.assertEqual(o.get("xmlUrl"), self.srv.url("/feed/a"))
        self.assertEqual(o.get("htmlUrl"), "http://example.org/a")
        self.assertEqual(o.get("title"), "Site A")
        self.assertEqual(o.get("category"), "news")
        # feeds.conf's settings in force, in feedd's namespace, for import
        ns = "{urn:x-feedd:opml}"
        self.assertEqual(o.get(ns + "name"), "a")
        self.assertEqual(o.get(ns + "interval"), "1h")
        self.assertEqual(o.get(ns + "enabled"), "yes")
        self.assertEqual(o.get(ns + "allow_private"), "yes")
        # a feed removed from the file but not reloaded is still in force
        self.d.write_config(CONF.format(url=self.srv.url("/feed/zzz"), private=""))
        r = self.ctl("export", env=env)
        self.assertIn(self.srv.url("/feed/a").encode(), r.stdout)
        # the daemon stopped: the file
        self.d.stop()
        r = self.ctl("export", env={"FEEDD_CONFIG": self.d.config})
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(self.srv.url("/feed/zzz").encode(), r.stdout)
        r = self.ctl("export", env=env)
        self.assertEqual(r.returncode, 5)

    def test_status_times_and_durations(self):
        self.start()
        r = self.ctl("status")
        self.assertEqual(r.returncode, 0, r.stderr)
        text = r.stdout.decode()
        self.assertRegex(text, r"(?m)^started: \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$")
        # zero units are left out: "1h 4m", never "1h 4m 0s"
        self.assertRegex(text, r"(?m)^uptime: (\d+d)?( ?\d+h)?( ?\d+m)?( ?\d+s)?$")
        self.assertNotRegex(text, r"(?m)^uptime: $")
        self.assertNotRegex(text, r"(?m)^started: \d+$")
        # --json keeps the API's numbers
        r = self.ctl("status", "--json")
        self.assertIn(b'"uptime":', r.stdout)

    def test_feed_times_and_durations(self):
        self.start()
        self.assertTrue(wait_until(lambda: self.d.get("/v1/feeds/a").json()["last_fetch"]))
        # In a zone 5h30 east of UTC the local time differs from the API's.
        r = self.ctl("feed", "a", env={"TZ": "IST-5:30"})
        self.assertEqual(r.returncode, 0, r.stderr)
        text = r.stdout.decode()
        api = self.d.get("/v1/feeds/a").json()
        for key in ("last_fetch", "last_success", "next_due"):
            m = re.search(r"(?m)^%s: (\S+)$" % key, text)
            self.assertTrue(m, (key, text))
            self.assertRegex(m.group(1), r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+05:30$")
            local = datetime.datetime.fromisoformat(m.group(1))
            utc = datetime.datetime.fromisoformat(api[key].replace("Z", "+00:00"))
            self.assertEqual(local, utc, key)
        self.assertRegex(text, r"(?m)^  interval: 1h$")
        self.assertRegex(text, r"(?m)^  min_interval: 1s$")
        self.assertRegex(text, r"(?m)^  due_in: (\d+d)?( ?\d+h)?( ?\d+m)?( ?\d+s)?$")
        self.assertNotRegex(text, r"(?m)^  due_in: $")
        self.assertNotRegex(text, r"(?m)^  due_in: .*\b0[hms]")
        self.assertNotIn("due_in_ms", text)
        # --json keeps the API's values
        doc = json.loads(self.ctl("feed", "a", "--json").stdout)
        self.assertEqual(doc["config"]["interval"], 3600)
        self.assertTrue(doc["next_due"].endswith("Z"))

    def test_feed_shows_a_hostile_title_inert(self):
        # A JSON Feed title with terminal escapes and a line end: `feedctl
        # feed` shows it with control characters as spaces, so it neither
        # drives the terminal nor forges a line.
        body = json.dumps({"version": "https://jsonfeed.org/version/1.1",
                           "title": "T\u001b]0;pwned\u0007\u001b[31mRED\nlast_error: forged",
                           "items": [{"id": "j1", "content_text": "x"}]})
        self.srv.set_feed("j", body=body, content_type="application/feed+json")
        self.d = Feedd(CONF.format(url=self.srv.url("/feed/j"), private="allow_private = yes\n"))
        self.addCleanup(self.d.cleanup)
        self.assertTrue(wait_until(lambda: self.d.get("/v1/feeds/a").json().get("items") == 1))
        r = self.ctl("feed", "a")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertNotIn(b"\x1b", r.stdout)
        self.assertNotIn(b"\x07", r.stdout)
        self.assertNotRegex(r.stdout.decode(), r"(?m)^last_error: forged")
        self.assertRegex(r.stdout.decode(), r"(?m)^title: T +\]0;pwned +\[31mRED last_error: forged$")

    def test_global_options_anywhere(self):
        self.start()
        env = {"FEEDD_SOCKET": os.path.join(self.d.dir, "nowhere.sock")}
        self.assertEqual(self.ctl("feeds", env=env).returncode, 3)
        for args in (("feeds", "--socket", self.d.socket),
                     ("feeds", "--socket=" + self.d.socket),
                     ("--socket", self.d.socket, "feeds"),
                     ("feed", "a", "--timeout", "5", "--socket", self.d.socket),
                     ("items", "--limit", "1", "--socket", self.d.socket, "--json")):
            r = self.ctl(*args, env=env)
            self.assertEqual(r.returncode, 0, (args, r.stderr))
        self.assertEqual(self.ctl("feeds", "--timeout", "0", env=env).returncode, 2)
        self.assertEqual(self.ctl("feeds", "--socket", env=env).returncode, 2)

    def test_tsv_says_plain_for_plain_text(self):
        self.start()
        r = self.ctl("items", "--tsv")
        self.assertEqual(r.returncode, 0, r.stderr)
        rows = {l.split("\t")[1]: l.split("\t") for l in r.stdout.decode().splitlines()}
        self.assertEqual(rows["plain one"][4], "plain")
        self.assertEqual(rows["plain one"][3], "just words here")
        self.assertEqual(rows["html one"][4], "html")

    def test_hook_environment_is_documented(self):
        # The hook's environment is built by core/hookenv.c, from the
        # names in its hookenv_names.
        with open(os.path.join(SOURCE_DIR, "core", "hookenv.c")) as f:
            table = re.search(r'hookenv_names\[HOOKENV_NVARS\] = \{(.*?)\};', f.read(), re.S)
        self.assertIsNotNone(table)
        names = set(re.findall(r'"(FEEDD_[A-Z_]+)"', table.group(1)))
        self.assertGreaterEqual(len(names), 4)
        with open(os.path.join(SOURCE_DIR, "docs", "feeds.conf.5")) as f:
            man = f.read()
        for n in names:
            self.assertIn(".B " + n + "\n", man, n)


if __name__ == "__main__":
    unittest.main()
