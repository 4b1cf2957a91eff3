"""test_pg_instances.py — three feedd processes sharing one PostgreSQL
store (issue 9): every due feed is fetched by exactly one of them, every
item is stored once and readable from every instance's socket, a long-poll
on one instance is woken by an item another one fetched, a lease left by a
dead instance expires and another takes the feed over, and the others go
on after one is killed with SIGKILL.

Needs FEEDD_TEST_STORE, a postgresql:// URI of a database where this test
may create and drop its own (tests/CMakeLists.txt runs it as
pg.instances against the throw-away cluster of tests/pg_cluster.sh);
skipped without it.
"""

import collections
import json
import os
import signal
import subprocess
import threading
import time
import unittest

from fixture_server import FixtureServer
from harness import Feedd, SLOW, wait_until

PG = os.environ.get("FEEDD_TEST_STORE", "")
NFEEDS = 60


def psql(uri, sql):
    r = subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-At", uri, "-c", sql],
                       capture_output=True, text=True, timeout=60)
    if r.returncode != 0:
        raise AssertionError("psql %s: %s" % (sql, r.stderr))
    return r.stdout.strip()


def with_db(uri, db):
    return uri + ("&" if "?" in uri else "?") + "dbname=" + db


@unittest.skipUnless(PG.startswith("postgresql://"), "FEEDD_TEST_STORE names no PostgreSQL")
class SharedStore(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.db = "feedd_instances_%d" % os.getpid()
        psql(PG, "DROP DATABASE IF EXISTS %s" % cls.db)
        psql(PG, "CREATE DATABASE %s" % cls.db)
        cls.uri = with_db(PG, cls.db)
        cls.srv = FixtureServer().start()
        for n in range(NFEEDS):
            cls.srv.set_feed("f%d" % n, items=[
                {"guid": "f%d-1" % n, "title": "one of f%d" % n},
                {"guid": "f%d-2" % n, "title": "two of f%d" % n}])
        feeds = "".join("[feed f%d]\nurl = %s\n\n" % (n, cls.srv.url("/feed/f%d" % n))
                        for n in range(NFEEDS))
        cls.config = ("[daemon]\nstore = %s\nlease = 5s\nhost_gap = 0s\n\n"
                      "[defaults]\ninterval = 1h\nallow_private = yes\n\n" % cls.uri) + feeds
        cls.d = [Feedd(cls.config, start=False) for _ in range(3)]
        # Started together, so that they race for the same due feeds.
        for d in cls.d:
            d.start(wait_ready=False)
        for d in cls.d:
            if not d.wait_ready():
                raise AssertionError("feedd did not start; log:\n" + d.read_log())

    @classmethod
    def tearDownClass(cls):
        for d in cls.d:
            if d.proc and d.proc.poll() is None:
                d.stop()
            d.cleanup()
        cls.srv.stop()
        psql(PG, "DROP DATABASE IF EXISTS %s WITH (FORCE)" % cls.db)

    def items(self, d, query=""):
        return d.get("/v1/items?limit=1000" + query).json()["items"]

    def reqs(self, path):
        return [e for e in self.srv.log() if e["path"] == path]

    def requests_by_path(self):
        return collections.Counter(e["path"] for e in self.srv.log("/feed/"))

    def test_1_each_feed_fetched_once_items_stored_once(self):
        everything = lambda: len(self.requests_by_path()) == NFEEDS and all(
            len(self.items(d)) == 2 * NFEEDS for d in self.d)
        self.assertTrue(wait_until(everything, timeout=60 * SLOW),
                        "not all fetched; requests %s" % self.requests_by_path())
        counts = self.requests_by_path()
        self.assertEqual([p for p, c in counts.items() if c != 1], [],
                         "feeds requested more than once")
        # One fetch per feed over all instances. (Started together, the
        # first one to start usually wins every claim of this first round:
        # the others find each feed leased, then fetched.)
        fetched = [d.read_log().count("<6>fetch f") for d in self.d]
        self.assertEqual(sum(fetched), NFEEDS, fetched)
        # Every instance serves the same items, each once.
        ids = [sorted(i["id"] for i in self.items(d)) for d in self.d]
        self.assertEqual(ids[0], ids[1])
        self.assertEqual(ids[0], ids[2])
        self.assertEqual(len(set(ids[0])), 2 * NFEEDS)

    def test_2_long_poll_woken_by_another_instance(self):
        a, b = self.d[0], self.d[1]
        last = max(i["id"] for i in self.items(a))
        got = {}

        def poll():
            got["r"] = a.get("/v1/items?after=%d&wait=30" % last, timeout=40)

        t = threading.Thread(target=poll)
        t.start()
        time.sleep(0.5)
        self.srv.set_feed("f7", items=[{"guid": "f7-3", "title": "three of f7"},
                                       {"guid": "f7-1", "title": "one of f7"},
                                       {"guid": "f7-2", "title": "two of f7"}])
        self.assertEqual(b.post("/v1/feeds/f7/refresh").status // 100, 2)
        t.join(40)
        self.assertFalse(t.is_alive())
        titles = [i["title"] for i in got["r"].json()["items"]]
        self.assertEqual(titles, ["three of f7"])

    def test_3_dead_instance_lease_expires(self):
        # An instance died in the middle of fetching f3: its lease stands
        # until it expires, then another instance fetches the feed.
        self.srv.clear_log()
        psql(self.uri, "UPDATE feeds SET lease_owner = 'dead:1:0',"
             " lease_until = extract(epoch FROM now())::bigint + 4 WHERE name = 'f3'")
        a = self.d[0]
        self.assertEqual(a.post("/v1/feeds/f3/refresh").status // 100, 2)
        time.sleep(1)
        self.assertEqual(self.reqs("/feed/f3"), [], "fetched under another's lease")
        self.assertTrue(wait_until(lambda: len(self.reqs("/feed/f3")) == 1,
                                   timeout=20 * SLOW), "lease never taken over")
        self.assertTrue(wait_until(lambda: psql(
            self.uri, "SELECT coalesce(lease_owner, '') FROM feeds WHERE name = 'f3'") == "",
            timeout=10 * SLOW))

    def test_4_others_go_on_after_sigkill(self):
        c = self.d[2]
        c.proc.send_signal(signal.SIGKILL)
        c.proc.wait(10)
        self.srv.clear_log()
        self.srv.set_feed("f9", items=[{"guid": "f9-3", "title": "three of f9"}])
        b = self.d[1]
        self.assertEqual(b.post("/v1/feeds/f9/refresh").status // 100, 2)
        self.assertTrue(wait_until(lambda: any(
            i["title"] == "three of f9" for i in self.items(self.d[0], "&feed=f9")),
            timeout=20 * SLOW))
        self.assertEqual(len(self.reqs("/feed/f9")), 1)


if __name__ == "__main__":
    unittest.main()
