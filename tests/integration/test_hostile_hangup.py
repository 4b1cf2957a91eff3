"""test_hostile_hangup.py — servers that close a kept-alive connection
without saying "Connection: close", and a response header too large.

A server answering HTTP/1.1 keeps the connection open by default; when it
closes one that libcurl has just picked again for the next feed, that
request meets a reset. libcurl retries such a request on a fresh
connection, provided the fetcher lets it look at the socket itself rather
than telling it "error" (issue 22, point 6). Forty feeds on one such host,
some behind a redirect, all fetched at once: none may fail.

A server whose Content-Length is shorter than its body leaves the rest on
the kept-alive connection; when those bytes arrive after libcurl took the
connection back for the next feed of that host, they are read as that
feed's answer ("Received HTTP/0.9"). The liar's own fetch is cut
(truncated); the next feed is not its victim: its request goes again on a
new connection.
"""
import unittest
import urllib.parse

from fixture_server import FixtureServer
from harness import Feedd, wait_until

FEEDS = 40


class HangupTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = FixtureServer().start()
        conf = ["[daemon]", "max_fetches = 16", "per_host = 4", "host_gap = 0s", "",
                "[defaults]", "interval = 1h", "allow_private = yes", "timeout = 30s", ""]
        cls.names = []
        for i in range(FEEDS):
            path = "/hangup?n=%d" % i
            if i % 8 == 0:   # a simple redirect in front of some
                path = "/redirect/302?to=" + urllib.parse.quote(path, safe="")
            conf += ["[feed h%d]" % i, "url = %s" % cls.srv.url(path), ""]
            cls.names.append("h%d" % i)
        conf += ["[feed bighead]", "url = %s" % cls.srv.url("/bighead?size=%d" % (5 << 20)), ""]
        cls.d = Feedd("\n".join(conf))

        def all_fetched():
            feeds = cls.d.get("/v1/feeds").json()["feeds"]
            return len(feeds) == FEEDS + 1 and all(f["last_fetch"] for f in feeds)
        cls.fetched = wait_until(all_fetched, timeout=90)
        cls.feeds = {f["name"]: f for f in cls.d.get("/v1/feeds").json()["feeds"]}

    @classmethod
    def tearDownClass(cls):
        cls.d.cleanup()
        cls.srv.stop()

    def test_no_feed_fails_on_a_dead_reused_connection(self):
        self.assertTrue(self.fetched, self.d.read_log()[-3000:])
        failed = {n: self.feeds[n]["last_error"] for n in self.names
                  if self.feeds[n]["last_error"]}
        self.assertEqual(failed, {}, self.d.read_log()[-3000:])
        for n in self.names:
            self.assertEqual(self.feeds[n]["items"], 2, n)
        self.assertNotIn("select/poll returned error", self.d.read_log())
        # The server did close kept-alive connections under the fetcher:
        # more requests than feeds would be retries; at least one each.
        self.assertGreaterEqual(len(self.srv.log("/hangup")), FEEDS)

    def test_a_huge_response_header_is_named(self):
        self.assertTrue(self.fetched)
        f = self.feeds["bighead"]
        self.assertIn("header too large", (f["last_error"] or "").lower(), f)
        self.assertNotIn("out of memory", (f["last_error"] or "").lower(), f)
        self.assertEqual(f["items"], 0)


class LyingLengthTest(unittest.TestCase):
    def setUp(self):
        self.srv = FixtureServer().start()
        five = [{"guid": "i%d" % i, "title": "item %d" % i} for i in range(1, 6)]
        self.srv.set_feed("liar", items=five,
                          script=[{"cut": "short", "at_item": 3, "keep": True, "late": 0.5}])
        conf = ["[daemon]", "max_fetches = 1", "per_host = 1", "host_gap = 0s", "",
                "[defaults]", "interval = 1h", "allow_private = yes", "",
                "[feed liar]", "url = " + self.srv.url("/feed/liar"), ""]
        for i in range(3):
            self.srv.set_feed("n%d" % i, items=five)
            conf += ["[feed n%d]" % i, "url = " + self.srv.url("/feed/n%d" % i), ""]
        self.d = Feedd("\n".join(conf))

    def tearDown(self):
        self.d.cleanup()
        self.srv.stop()

    def test_the_next_feed_is_not_the_victim_of_a_short_content_length(self):
        self.assertTrue(wait_until(
            lambda: all(f["last_fetch"] for f in self.d.get("/v1/feeds").json()["feeds"]),
            timeout=30), self.d.read_log())
        feeds = {f["name"]: f for f in self.d.get("/v1/feeds").json()["feeds"]}
        self.assertIn("truncated", feeds["liar"]["last_error"] or "", feeds["liar"])
        for n in ("n0", "n1", "n2"):
            self.assertIsNone(feeds[n]["last_error"], (n, self.d.read_log()[-2000:]))
            self.assertEqual(feeds[n]["items"], 5, n)
        # The lie did reach a reused connection (else this tests nothing):
        # some feed asked twice.
        self.assertGreater(len(self.srv.log("/feed/n")), 3, self.srv.log("/feed/"))


if __name__ == "__main__":
    unittest.main()
