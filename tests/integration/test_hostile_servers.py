"""test_hostile_servers.py — servers that attack the fetcher, through the
running daemon: a gzip bomb, a 1 byte/s drip, a body over max_size, a
connection closed mid-body, a redirect loop, a chain of six redirects, a
redirect to a scheme other than http(s), 500s, a plain body labelled
brotli — all at once, next to
well-behaved feeds on the same host.

Containment means: each hostile feed ends with an error that says what
happened, is not disabled (not gone, a next due time), stores nothing
(but the feed over max_size, which keeps the complete items before the cap
and says so in last_warning);
the good feeds are fetched and stored as usual while the hostile ones are
in flight
; the daemon stays up; peak memory stays far below the bomb.
"""
import os
import shutil
import tempfile
import unittest
import urllib.request

from fixture_server import FixtureServer
from harness import Feedd, SANITIZED, wait_until
from hostile import peak_rss_kib


class HostileServersTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="feedd-hostile-srv-")
        cls.canary = os.path.join(cls.tmp, "canary.xml")
        with open(cls.canary, "w") as f:
            f.write('<rss version="2.0"><channel><title>CANARY</title><item><guid>c</guid>'
                    '<title>canary</title></item></channel></rss>')
        cls.srv = FixtureServer().start()
        cls.hostile = {
            "bomb": "/bomb",                        # 64 MiB of zeros, gzipped
            "drip": "/drip?bytes=600",              # 1 byte/s, past the timeout
            "big": "/big?size=%d" % (12 << 20),     # over max_size
            "close": "/close?after=100",            # closes mid-body
            "loop": "/loop/0",                      # redirects forever
            "chain": "/chain/301,302,307,308,302,307",   # six redirects
            "scheme": "/redirect/302?to=" + "file://" + cls.canary,
            "error": "/status/500",
            "fakebr": "/fakeenc/br",                # not brotli at all
        }
        cls.good = ["g1", "g2", "g3"]
        for g in cls.good:
            cls.srv.set_feed(g, items=[{"guid": "%s-%d" % (g, i), "title": "%s %d" % (g, i)}
                                       for i in range(3)])
        # The fixture compresses the bomb once, holding its lock: do it now,
        # so that a slow (sanitized) run does not make the good feeds wait.
        urllib.request.urlopen(cls.srv.url("/bomb"), timeout=120).read()
        cls.srv.clear_log()
        conf = ["[daemon]", "max_fetches = 16", "per_host = 16", "host_gap = 0s", "",
                "[defaults]", "interval = 1h", "allow_private = yes", "max_size = 4M",
                "timeout = 60s", ""]
        for name, path in cls.hostile.items():
            conf += ["[feed %s]" % name, "url = %s" % cls.srv.url(path), ""]
            if name == "drip":
                conf.insert(-1, "timeout = 3s")
        for g in cls.good:
            conf += ["[feed %s]" % g, "url = %s" % cls.srv.url("/feed/" + g), ""]
        cls.d = Feedd("\n".join(conf))
        cls.names = list(cls.hostile) + cls.good

        def all_fetched():
            feeds = cls.d.get("/v1/feeds").json()["feeds"]
            return len(feeds) == len(cls.names) and all(f["last_fetch"] for f in feeds)
        cls.fetched = wait_until(all_fetched, timeout=60)
        cls.feeds = {f["name"]: f for f in cls.d.get("/v1/feeds").json()["feeds"]}

    @classmethod
    def tearDownClass(cls):
        cls.d.cleanup()
        cls.srv.stop()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def test_every_feed_was_fetched_and_the_daemon_is_up(self):
        self.assertTrue(self.fetched, self.d.read_log()[-3000:])
        self.assertIsNone(self.d.proc.poll())

    def test_each_hostile_server_is_contained(self):
        self.assertTrue(self.fetched)
        for name in self.hostile:
            if name == "big":
                continue    # a cap, not an error: test_max_size_keeps_what_fits
            f = self.feeds[name]
            self.assertTrue(f["last_error"], "%s: %s" % (name, f))
            self.assertGreaterEqual(f["failures"], 1, name)
            self.assertEqual(f["items"], 0, name)
            # Transient trouble never disables a feed.
            self.assertFalse(f["gone"], name)
            self.assertTrue(f["next_due"], name)

    def test_the_errors_say_what_happened(self):
        self.assertTrue(self.fetched)
        err = {n: self.feeds[n]["last_error"].lower() for n in self.hostile if n != "big"}
        self.assertTrue(any(w in err["bomb"] for w in ("size", "large", "max")), err["bomb"])
        self.assertTrue(any(w in err["drip"] for w in ("timeout", "timed out", "slow")),
                        err["drip"])
        for name in ("loop", "chain"):
            self.assertIn("redirect", err[name])
        self.assertEqual(self.feeds["error"]["last_status"], 500)
        # libcurl decodes it to nothing, without an error of its own.
        self.assertIn("content-encoding: br, decoded to nothing", err["fakebr"])

    def test_max_size_keeps_what_fits(self):
        # A valid feed padded past max_size: the two items before the cap
        # are kept, and the feed says what the cap cut (issue 22).
        self.assertTrue(self.fetched)
        f = self.feeds["big"]
        self.assertIsNone(f["last_error"], f)
        self.assertEqual(f["items"], 2, f)
        self.assertIn("max_size", f["last_warning"])
        self.assertIn("larger than %d bytes" % (4 << 20), f["last_warning"])

    def test_redirects_stop_at_five(self):
        self.assertTrue(self.fetched)
        loop = [e for e in self.srv.log("/loop/")]
        # The first request and at most five redirects.
        self.assertLessEqual(len(loop), 6)
        self.assertFalse(any(e["path"] == "/static" for e in self.srv.log("/static")))

    def test_a_redirect_to_file_is_not_followed(self):
        self.assertTrue(self.fetched)
        self.assertNotIn(b"CANARY", self.d.get("/v1/feeds").body)
        self.assertNotIn(b"canary", self.d.get("/v1/items?limit=1000").body)

    def test_good_feeds_are_unaffected(self):
        self.assertTrue(self.fetched)
        for g in self.good:
            f = self.feeds[g]
            self.assertIsNone(f["last_error"], f)
            self.assertEqual(f["items"], 3, g)

    def test_memory_stays_bounded(self):
        self.assertTrue(self.fetched)
        peak = peak_rss_kib(self.d.proc.pid)
        print("\n# peak RSS after the hostile servers: %d KiB" % peak)
        # The bomb inflates to 64 MiB and the big body is 12 MiB; neither
        # may be held.
        self.assertLess(peak, (512 if SANITIZED else 60) * 1024)


if __name__ == "__main__":
    unittest.main()
