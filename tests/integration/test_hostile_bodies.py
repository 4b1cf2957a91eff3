"""test_hostile_bodies.py — bodies that end too soon, never end, or hold too
much, and Retry-After hints that ask for too little, through the running
daemon (issue 22, points 1, 7 and 8).

A 200 cut inside the third of five items — close-delimited, with a
Content-Length shorter than the body, with one longer — is an error on that
fetch (state and last_error "truncated"); the two complete items are kept,
the cut one is not, and the validators are not stored, so the next fetch of
the unchanged document asks for it whole and gets every item, none twice.

Every cap that cuts a document (items, a field, max_size; an endless body
meets the items cap) is said on the feed (last_warning: what was cut and
where), logged, and counted in /v1/status.

A 503 whose Retry-After is 0 or a date in 1970 is scheduled as a 503
without Retry-After is (the retry schedule), not as a hint to come back at
once (reason retry-after, clamped to min_interval).
"""
import calendar
import shutil
import tempfile
import time
import unittest
import urllib.parse

from fixture_server import FixtureServer
from harness import Feedd, SLOW, wait_until

CUTS = ("close", "short", "long")
FIELD = 1 << 20           # the parser's field cap (PARSE_DEFAULT_MAX_FIELD)
MAX_ITEMS = 10000         # its items cap (PARSE_DEFAULT_MAX_ITEMS)


def epoch(rfc3339):
    return calendar.timegm(time.strptime(rfc3339, "%Y-%m-%dT%H:%M:%SZ"))


class HostileBodiesTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = FixtureServer().start()
        five = [{"guid": "i%d" % i, "title": "item %d" % i} for i in range(1, 6)]
        for mode in CUTS:
            cls.srv.set_feed("cut_" + mode, items=five,
                             script=[{"cut": mode, "at_item": 3}])
        cls.srv.set_feed("field", items=[{"guid": "f1", "title": "long",
                                          "description": "x" * (FIELD + 200000)},
                                         {"guid": "f2", "title": "short"}])
        past = urllib.parse.quote("Thu, 01 Jan 1970 00:00:00 GMT")
        cls.srv.set_feed("stale", items=five[:2])
        feeds = [("cut_%s" % m, "/feed/cut_%s" % m, "") for m in CUTS]
        feeds.append(("stale", "/feed/stale", ""))
        feeds += [
            ("endless", "/endless", ""),
            ("field", "/feed/field", ""),
            ("big", "/big?size=300000", "max_size = 64k\n"),
            ("ra_past", "/status/503?retry_after=" + past,
             "interval = 1d\nmax_interval = 7d\n"),
            ("ra_zero", "/status/503?retry_after=0", "interval = 1d\nmax_interval = 7d\n"),
            ("ra_none", "/status/503", "interval = 1d\nmax_interval = 7d\n"),
        ]
        conf = ["[daemon]", "max_fetches = 16", "per_host = 16", "host_gap = 0s", "",
                "[defaults]", "interval = 1h", "allow_private = yes", ""]
        for name, path, extra in feeds:
            conf += ["[feed %s]" % name, "url = %s" % cls.srv.url(path), extra]
        cls.d = Feedd("\n".join(conf))
        cls.names = [f[0] for f in feeds]
        cls.fetched = wait_until(lambda: all(f["last_fetch"] for f in cls.feeds().values()),
                                 timeout=60 * SLOW)
        cls.first = cls.feeds()

    @classmethod
    def tearDownClass(cls):
        cls.d.cleanup()
        cls.srv.stop()

    @classmethod
    def feeds(cls):
        return {f["name"]: f for f in cls.d.get("/v1/feeds").json()["feeds"]}

    def items(self, feed):
        return self.d.get("/v1/items?limit=1000&feed=" + feed).json()["items"]

    def requests(self, path):
        return [e for e in self.srv.log() if e["path"] == path]

    def test_a_cut_body_fails_keeps_the_complete_items_and_no_validators(self):
        self.assertTrue(self.fetched, self.d.read_log()[-3000:])
        for mode in CUTS:
            name = "cut_" + mode
            f = self.first[name]
            self.assertEqual(f["state"], "truncated", (mode, f))
            self.assertTrue(f["last_error"].startswith("truncated"), (mode, f))
            self.assertIn("item 3", f["last_error"], mode)
            self.assertEqual(f["failures"], 1, mode)
            self.assertIsNone(f["last_success"], mode)
            # The validators of a failed fetch are never stored.
            self.assertIsNone(f["etag"], (mode, f))
            self.assertIsNone(f["last_modified"], (mode, f))
            self.assertEqual(f["counters"]["truncated"], 1, mode)
            # Items 1 and 2 are whole; the cut third is not stored at all.
            got = self.items(name)
            self.assertEqual([i["title"] for i in got], ["item 1", "item 2"], mode)
            self.assertTrue(all(i["title"] for i in got), mode)
        self.assertIn("truncated", self.d.read_log())

    def test_the_next_fetch_gets_the_whole_document_once(self):
        self.assertTrue(self.fetched)
        for mode in CUTS:
            name = "cut_" + mode
            path = "/feed/" + name
            self.assertEqual(self.d.post("/v1/feeds/%s/refresh" % name).status, 202)
            self.assertTrue(wait_until(lambda: len(self.requests(path)) >= 2 and
                                       self.feeds()[name]["state"] == "ok",
                                       timeout=30 * SLOW), (mode, self.feeds()[name]))
            second = self.requests(path)[1]
            # Nothing was stored to ask with: the whole document comes back.
            self.assertNotIn("if-none-match", second["headers"], mode)
            self.assertNotIn("if-modified-since", second["headers"], mode)
            f = self.feeds()[name]
            self.assertIsNone(f["last_error"], mode)
            self.assertTrue(f["etag"], mode)
            got = self.items(name)
            self.assertEqual(sorted(i["title"] for i in got),
                             ["item %d" % i for i in range(1, 6)], mode)
            self.assertEqual(len({i["id"] for i in got}), 5, mode)
        # Announced once each: five item.new events per feed.
        ev, after = [], 0
        while True:
            page = self.d.get("/v1/events?limit=1000&after=%d" % after).json()
            if not page["events"]:
                break
            ev += page["events"]
            after = page["events"][-1]["seq"]
        for mode in CUTS:
            news = [e for e in ev if e["type"] == "item.new" and e["feed"] == "cut_" + mode]
            self.assertEqual(len(news), 5, mode)

    def test_after_a_cut_no_old_validator_is_sent(self):
        # A whole document with its ETag, then a changed one cut short,
        # then a cache that still has the first answers 304 to its ETag.
        # The request after the cut must send no validator: the 304 then
        # answers nothing feedd asked (an error), and the next fetch brings
        # the items after the cut, instead of settling on the first ETag.
        self.assertTrue(self.fetched)
        path = "/feed/stale"
        self.assertTrue(self.first["stale"]["etag"], self.first["stale"])
        five = [{"guid": "i%d" % i, "title": "item %d" % i} for i in range(1, 6)]
        self.srv.set_feed("stale", items=five,
                          script=[{"cut": "close", "at_item": 4}, {"status": 304}])
        for n, state in ((2, "truncated"), (3, None), (4, "ok")):
            self.assertEqual(self.d.post("/v1/feeds/stale/refresh").status, 202)
            self.assertTrue(wait_until(lambda: len(self.requests(path)) >= n and
                                       (state is None or self.feeds()["stale"]["state"] == state),
                                       timeout=30 * SLOW), (n, self.feeds()["stale"]))
            if n == 3:
                self.assertTrue(wait_until(lambda: "304" in (self.feeds()["stale"]["last_error"]
                                                             or ""), timeout=10 * SLOW),
                                self.feeds()["stale"])
        after_cut = self.requests(path)[2]
        self.assertNotIn("if-none-match", after_cut["headers"])
        self.assertNotIn("if-modified-since", after_cut["headers"])
        self.assertEqual(sorted(i["title"] for i in self.items("stale")),
                         ["item %d" % i for i in range(1, 6)])

    def test_caps_are_said_on_the_feed(self):
        self.assertTrue(self.fetched)
        f = self.first
        # An endless body stops at the items cap: ok, and said so.
        self.assertEqual(f["endless"]["state"], "ok", f["endless"])
        self.assertEqual(f["endless"]["items"], MAX_ITEMS)
        self.assertIn("items cap", f["endless"]["last_warning"])
        self.assertIn(str(MAX_ITEMS), f["endless"]["last_warning"])
        # A field over 1 MiB is cut, and the warning says which and where.
        w = f["field"]["last_warning"]
        self.assertIn("field cap", w)
        self.assertIn("<description> of item 1 cut at %d bytes" % FIELD, w)
        self.assertIn("http://example.org/item/f1", w)
        self.assertEqual(f["field"]["items"], 2)
        # max_size: the complete items before it are kept, and said so.
        self.assertEqual(f["big"]["state"], "ok", f["big"])
        self.assertIn("max_size", f["big"]["last_warning"])
        self.assertEqual(f["big"]["items"], 2)
        # Feeds that hit no cap have none.
        self.assertIsNone(f["cut_close"]["last_warning"])
        log = self.d.read_log()
        for name in ("endless", "field", "big"):
            self.assertIn("fetch %s: capped:" % name, log)
        st = self.d.get("/v1/status").json()
        self.assertGreaterEqual(st["caps"]["items"], 1, st)
        self.assertGreaterEqual(st["caps"]["field"], 1, st)
        self.assertGreaterEqual(st["caps"]["max_size"], 1, st)
        self.assertGreaterEqual(st["fetches"]["truncated"], len(CUTS), st)
        # feedctl feed NAME shows it.
        r = self.d.feedctl("feed", "field")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(b"last_warning: field cap", r.stdout)

    def test_retry_after_now_or_past_backs_off(self):
        # A Retry-After of 0 or in 1970 is no hint: the 503 is scheduled as
        # one without Retry-After (ra_none) is, not as "retry-after".
        self.assertTrue(self.fetched)
        none = self.first["ra_none"]
        normal = epoch(none["next_due"]) - epoch(none["last_fetch"])
        for name in ("ra_past", "ra_zero"):
            f = self.first[name]
            self.assertEqual(f["last_status"], 503, f)
            self.assertNotEqual(f["next_reason"], "retry-after", f)
            self.assertEqual(f["next_reason"], none["next_reason"], (f, none))
            wait = epoch(f["next_due"]) - epoch(f["last_fetch"])
            # the same schedule, give or take its jitter (10 %) and a second
            self.assertGreaterEqual(wait, normal * 0.8 - 2, (name, f, none))
            self.assertLessEqual(wait, normal * 1.25 + 2, (name, f, none))


class RaisedMaxSizeTest(unittest.TestCase):
    """A document cut at max_size was read in part but kept its validators
    (its complete items were stored). After max_size is raised, the next
    request must not be a conditional one answered 304: the rest of the
    document would stay unread until the publisher changes it."""

    def test_raising_max_size_fetches_the_whole_document(self):
        srv = FixtureServer().start()
        self.addCleanup(srv.stop)
        items = [{"guid": "m%d" % i, "title": "item %d" % i, "description": "x" * 4000}
                 for i in range(40)]
        srv.set_feed("grow", items=items)
        conf = ("[daemon]\nhost_gap = 0s\n[defaults]\ninterval = 1h\nmin_interval = 1s\n"
                "allow_private = yes\n[feed grow]\nurl = %s\nmax_size = %s\n")
        d = Feedd(conf % (srv.url("/feed/grow"), "64k"))
        self.addCleanup(d.cleanup)
        self.assertTrue(wait_until(lambda: d.get("/v1/feeds/grow").json()["last_fetch"],
                                   timeout=30 * SLOW), d.read_log())
        f = d.get("/v1/feeds/grow").json()
        self.assertTrue((f["last_warning"] or "").startswith("max_size:"), f)
        self.assertTrue(f["etag"], f)
        self.assertLess(f["items"], 40)
        d.write_config(conf % (srv.url("/feed/grow"), "1m"))
        self.assertEqual(d.feedctl("reload").returncode, 0)
        r = d.feedctl("refresh", "grow", "--wait")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        last = [e for e in srv.log() if e["path"] == "/feed/grow"][-1]
        self.assertNotIn("if-none-match", last["headers"])
        f = d.get("/v1/feeds/grow").json()
        self.assertEqual(f["items"], 40, f)
        self.assertIsNone(f["last_warning"], f)
        # Read whole, the validators stand again: the next request asks 304.
        r = d.feedctl("refresh", "grow", "--wait")
        self.assertEqual(r.stdout, b"grow: ok, HTTP 304, 0 new items\n", r.stderr)


if __name__ == "__main__":
    unittest.main()
