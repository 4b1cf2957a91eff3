"""newsboat 2.21 itself (Debian's package) reads feedd through the Google
Reader API (issue 25), with its "feedhq" backend in a private HOME: it logs
in with ClientLogin, lists subscription/list and reads each feed as
/reader/atom/feed%2FURL with the items' states as <category>; `newsboat -x
reload` then `-x print-unread` shows exactly feedd's unread count, an item
marked read through edit-tag lowers it by one, titles and links in its
cache are feedd's, and wrong credentials get newsboat nothing while
ClientLogin answers 401."""
import os
import re
import shutil
import sqlite3
import tempfile
import unittest
import urllib.parse

from reader_harness import ReaderSetup, TwoFeeds, newsboat_unread, run_newsboat
from test_reader_greader import CONF, GR, READ, items_of
from pgstore import Store


class NewsboatFeedHQ(TwoFeeds):
    items_of = staticmethod(items_of)

    def setUp(self):
        self.home = tempfile.mkdtemp(prefix="feedd-feedhq-")
        rs = ReaderSetup(self.home)
        self.auth, self.port = rs.auth, rs.port
        self.store = Store("feedhq")
        self.d = self.start_feedd(CONF.format(
            port=self.port, auth=self.auth, store=self.store.line,
            a=self.srv.url("/feed/alpha"), b=self.srv.url("/feed/beta")))

    def tearDown(self):
        self.d.cleanup()
        self.store.drop()
        shutil.rmtree(self.home, ignore_errors=True)

    def source(self, password="s3cret", url_tail="/"):
        return ('urls-source "feedhq"\n'
                'feedhq-url "http://127.0.0.1:%d%s"\n'
                'feedhq-login "alice"\n'
                'feedhq-password "%s"\n' % (self.port, url_tail, password))

    def newsboat(self, *args, password="s3cret", url_tail="/"):
        return run_newsboat(self.home, self.source(password, url_tail), *args)

    def unread(self):
        return newsboat_unread(self, self.home, self.source())

    def feedd_unread(self):
        return len(self.d.get("/v1/items?status=unread&limit=1000").json()["items"])

    def test_unread_count_and_edit_tag(self):
        self.assertEqual(self.feedd_unread(), 8)
        self.assertEqual(self.unread(), 8)
        gr = GR(self.port)
        self.assertEqual(gr.login()[0], 200)
        first = self.d.get("/v1/items?limit=1").json()["items"][0]["id"]
        st, _, body = gr.write("/reader/api/0/edit-tag", ("i", str(first)), ("a", READ))
        self.assertEqual((st, body), (200, b"OK"))
        self.assertEqual(self.feedd_unread(), 7)
        self.assertEqual(self.unread(), 7)
        # It read the feeds as the Atom streams of subscription/list.
        db = sqlite3.connect(os.path.join(self.home, "cache.db"))
        urls = {u for (u,) in db.execute("SELECT rssurl FROM rss_feed")}
        db.close()
        self.assertEqual(urls, {"http://127.0.0.1:%d//reader/atom/%s?n=20" % (
            self.port, urllib.parse.quote("feed/" + self.srv.url("/feed/" + n), safe=""))
            for n in ("alpha", "beta")})

    def test_cache_holds_feedds_titles_and_links(self):
        self.assertEqual(self.unread(), 8)
        db = sqlite3.connect(os.path.join(self.home, "cache.db"))
        got = set(db.execute("SELECT title, url FROM rss_item"))
        guids = {g for (g,) in db.execute("SELECT guid FROM rss_item")}
        db.close()
        items = self.d.get("/v1/items?limit=1000").json()["items"]
        self.assertEqual(got, {(i["title"], i["url"]) for i in items})
        # newsboat keeps the long item ids: what it hands back to edit-tag.
        self.assertEqual(guids, {"tag:google.com,2005:reader/item/%016x" % i["id"]
                                 for i in items})

    def test_feedhq_url_with_or_without_a_trailing_slash(self):
        self.assertEqual(self.unread(), 8)
        r = self.newsboat("-x", "reload", "-x", "print-unread", url_tail="")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(b"8 unread articles", r.stdout)

    def test_wrong_password(self):
        r = self.newsboat("-x", "reload", "-x", "print-unread", password="wrong")
        self.assertEqual(r.returncode, 1, r.stdout)
        self.assertIsNone(re.search(rb"unread articles", r.stdout), r.stdout)
        gr = GR(self.port)
        st, body = gr.login(password="wrong")
        self.assertEqual((st, body), (401, b"Error=BadAuthentication\n"))
        self.assertIn("bad or missing credentials", self.d.read_log())


if __name__ == "__main__":
    unittest.main()
