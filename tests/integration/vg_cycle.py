"""vg_cycle.py — one life of the daemon, meant to run under valgrind
memcheck (ctest -L valgrind sets FEEDD_VALGRIND=1; the harness then wraps
feedd in `valgrind --error-exitcode=99 --leak-check=full`).

Start; one fetch cycle through the loopback fixture (200, then 304, a 404,
a redirect, gzip); the API (items in every format, feeds, status, events,
a consumer read and ack, a long-poll woken by a refresh, a few errors);
a reload that adds and removes a feed; SIGTERM. Passes when every step
answers and feedd exits 0, i.e. valgrind saw no error and no definite or
indirect leak. Not named test_*: it is not part of the plain integration
run (the same steps are covered there, faster).
"""
import json
import signal
import threading
import unittest

from fixture_server import FixtureServer
from harness import Feedd, wait_until


class ValgrindCycle(unittest.TestCase):
    def test_life_of_the_daemon(self):
        with FixtureServer() as srv:
            srv.set_feed("a", items=[{"guid": "a%d" % i, "title": "a %d" % i,
                                      "published": "Wed, 31 Jan 2024 12:00:0%d GMT" % i}
                                     for i in range(3)])
            srv.set_feed("b", items=[{"guid": "b1", "title": "b one & <two>"}])
            head = ("[daemon]\nhost_gap = 0s\n\n[defaults]\ninterval = 1h\n"
                    "allow_private = yes\n\n")
            feeds = {"a": "/feed/a", "b": "/feed/b", "missing": "/status/404",
                     "moved": "/redirect/302?to=/static", "gz": "/gzip"}

            def conf(names):
                return head + "".join("[feed %s]\nurl = %s\n\n" % (n, srv.url(feeds[n]))
                                      for n in names)
            d = Feedd(conf(["a", "b", "missing", "moved", "gz"]), ready_timeout=60)
            try:
                def fetched():
                    fs = d.get("/v1/feeds", timeout=60).json()["feeds"]
                    return all(f["last_fetch"] for f in fs)
                self.assertTrue(wait_until(fetched, timeout=60), d.read_log()[-3000:])
                items = d.get("/v1/items?limit=100").json()["items"]
                self.assertEqual(len(items), 3 + 1 + 2 + 2)
                for fmt in ("ndjson", "tsv", "atom"):
                    self.assertEqual(d.get("/v1/items?format=" + fmt).status, 200)
                self.assertEqual(d.get("/v1/items?q=one&distinct=1").status, 200)
                self.assertEqual(d.get("/v1/feeds/a").json()["items"], 3)
                self.assertEqual(d.get("/v1/status").status, 200)
                self.assertEqual(d.get("/v1/events?after=0").status, 200)
                self.assertEqual(d.get("/v1/nothing").status, 404)
                self.assertEqual(d.get("/v1/items?after=x").status, 400)
                c = d.get("/v1/consumers/vg/items").json()
                self.assertEqual(d.post("/v1/consumers/vg/ack?upto=%d" % c["next"]).status, 200)

                # A long-poll woken by a refresh that brings one item (a
                # conditional request: 200 with the new item).
                last = items[-1]["id"]
                got = {}

                def poll():
                    got["r"] = d.get("/v1/items?after=%d&wait=120" % last, timeout=180)
                t = threading.Thread(target=poll)
                t.start()
                wait_until(lambda: d.get("/v1/status").json()["api"]["waiting"] >= 1, 60)
                srv.set_feed("a", add_items=[{"guid": "a9", "title": "new"}])
                self.assertEqual(d.post("/v1/feeds/a/refresh").status, 202)
                t.join(180)
                self.assertEqual([i["title"] for i in got["r"].json()["items"]], ["new"])
                # b answers 304 to its refresh.
                self.assertEqual(d.post("/v1/feeds/b/refresh").status, 202)
                self.assertTrue(wait_until(
                    lambda: d.get("/v1/feeds/b").json()["counters"]["not_modified"] >= 1, 60))

                # Reload: one feed added, one removed.
                d.write_config(conf(["a", "b", "moved", "gz"]) +
                               "[feed c]\nurl = %s\n" % srv.url("/static"))
                d.signal(signal.SIGHUP)
                self.assertTrue(wait_until(
                    lambda: (d.get("/v1/feeds/c").json().get("last_fetch")
                             if d.get("/v1/feeds/c").status == 200 else None), 60),
                    d.read_log()[-3000:])
                json.loads(d.get("/v1/feeds").body)
                code = d.stop(timeout=120)
                self.assertEqual(code, 0, d.read_log()[-6000:])
            finally:
                d.cleanup()


if __name__ == "__main__":
    unittest.main()
