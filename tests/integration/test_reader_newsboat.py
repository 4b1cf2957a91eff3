"""newsboat 2.21 itself (Debian's package) reads feedd through the reader
API (issue 19): with urls-source "miniflux" in a private HOME, `newsboat
-x reload` then `-x print-unread` shows exactly feedd's unread count, one
item marked read through the API lowers it by one, feed and item titles
and links in newsboat's cache are feedd's, and wrong credentials make
newsboat fail while curl gets 401."""
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
import unittest

from reader_harness import ReaderSetup, TwoFeeds, newsboat_unread, run_newsboat

CONF = """[daemon]
host_gap = 0s
{reader}
[defaults]
interval = 1h
min_interval = 1s
allow_private = yes

[feed alpha]
url = {a}
tags = news

[feed beta]
url = {b}
"""


class Newsboat(TwoFeeds):
    def setUp(self):
        self.home = tempfile.mkdtemp(prefix="feedd-newsboat-")
        rs = ReaderSetup(self.home)
        self.port = rs.port
        self.d = self.start_feedd(CONF.format(
            reader=rs.lines, a=self.srv.url("/feed/alpha"), b=self.srv.url("/feed/beta")))

    def tearDown(self):
        self.d.cleanup()
        shutil.rmtree(self.home, ignore_errors=True)

    def source(self, password="s3cret", url_tail=""):
        return ('urls-source "miniflux"\n'
                'miniflux-url "http://127.0.0.1:%d%s"\n'
                'miniflux-login "alice"\n'
                'miniflux-password "%s"\n' % (self.port, url_tail, password))

    def newsboat(self, *args, password="s3cret", url_tail=""):
        return run_newsboat(self.home, self.source(password, url_tail), *args)

    def unread(self):
        return newsboat_unread(self, self.home, self.source())

    def feedd_unread(self):
        return len(self.d.get("/v1/items?status=unread&limit=1000").json()["items"])

    def test_unread_count_and_marking(self):
        self.assertEqual(self.feedd_unread(), 8)
        self.assertEqual(self.unread(), 8)
        first = self.d.get("/v1/items?limit=1").json()["items"][0]["id"]
        r = self.d.post("/v1/items/state", body=json.dumps({"ids": [first], "read": True}))
        self.assertEqual(r.status, 200)
        self.assertEqual(self.feedd_unread(), 7)
        self.assertEqual(self.unread(), 7)

    def test_cache_holds_feedds_titles_and_links(self):
        self.assertEqual(self.unread(), 8)
        db = sqlite3.connect(os.path.join(self.home, "cache.db"))
        got = set(db.execute("SELECT title, url FROM rss_item"))
        db.close()
        items = self.d.get("/v1/items?limit=1000").json()["items"]
        self.assertEqual(got, {(i["title"], i["url"]) for i in items})
        # newsboat keeps a Miniflux feed's title as its "~title" tag, not in
        # the cache: its OPML export shows them, by feed id.
        r = self.newsboat("-e")
        self.assertEqual(r.returncode, 0, r.stderr)
        got = set(re.findall(rb'xmlUrl="(\d+)" htmlUrl="[^"]*" title="([^"]*)"', r.stdout))
        ids = {f["name"]: f["title"] for f in self.d.get("/v1/feeds").json()["feeds"]}
        self.assertEqual({t.decode() for _, t in got}, set(ids.values()))
        self.assertEqual({t.decode() for _, t in got}, {"Alpha Feed", "Beta Feed"})

    def test_miniflux_url_with_a_trailing_slash(self):
        # newsboat joins "http://host:port/" and "/v1/feeds" into "//v1/feeds".
        r = self.newsboat("-x", "reload", "-x", "print-unread", url_tail="/")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(b"8 unread articles", r.stdout)

    def test_wrong_password(self):
        r = self.newsboat("-x", "reload", "-x", "print-unread", password="wrong")
        # Refused, newsboat sees no feeds and gives up.
        self.assertEqual(r.returncode, 1, r.stdout)
        self.assertIsNone(re.search(rb"unread articles", r.stdout))
        self.assertIn(b"bad or missing credentials", self.d.read_log().encode())
        c = subprocess.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}",
                            "-u", "alice:wrong", "http://127.0.0.1:%d/v1/feeds" % self.port],
                           capture_output=True, timeout=30)
        self.assertEqual(c.stdout, b"401")


if __name__ == "__main__":
    unittest.main()
