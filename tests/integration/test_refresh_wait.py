"""feedctl refresh --wait (issue 24, point 3): it waits until each fetch
has finished, prints its result (status, new items, error), and exits
non-zero when one failed or did not finish within --timeout."""
import json
import os
import re
import subprocess
import time
import unittest

from fixture_server import FixtureServer
from harness import FEEDCTL_BIN, SLOW, Feedd, wait_until

CONF = """[daemon]
host_gap = 0s
[defaults]
interval = 1h
min_interval = 1s
allow_private = yes
[feed good]
url = {good}
[feed bad]
url = {bad}
[feed slow]
url = {slow}
[feed held]
url = {held}
[feed race]
url = {race}
[feed off]
url = {race}
enabled = no
"""


def item(i):
    return {"guid": "g%d" % i, "title": "item %d" % i, "link": "http://example.org/%d" % i}


class RefreshWait(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = FixtureServer().start()
        cls.srv.set_feed("good", items=[item(1)])
        cls.srv.set_feed("bad", status=500)
        cls.srv.set_feed("slow", items=[item(1)])
        cls.srv.set_feed("held", status=429, status_headers={"Retry-After": "20000"})
        cls.srv.set_feed("race", items=[item(1)])
        cls.d = Feedd(CONF.format(good=cls.srv.url("/feed/good"), bad=cls.srv.url("/feed/bad"),
                                  slow=cls.srv.url("/feed/slow"),
                                  held=cls.srv.url("/feed/held"),
                                  race=cls.srv.url("/feed/race")))

        def first_fetches_done():
            feeds = {f["name"]: f for f in cls.d.get("/v1/feeds").json()["feeds"]}
            return all(f["counters"]["requests"] >= 1 and f["live"]["state"] != "fetching"
                       for f in feeds.values() if f["name"] != "off")
        assert wait_until(first_fetches_done, timeout=20 * SLOW), cls.d.read_log()

    @classmethod
    def tearDownClass(cls):
        cls.d.cleanup()
        cls.srv.stop()

    def test_a_good_feed(self):
        # The fetch takes a second: only a client that waits sees its items.
        self.srv.set_feed("good", items=[item(3), item(2), item(1)], delay=1)
        try:
            r = self.d.feedctl("refresh", "good", "--wait")
        finally:
            self.srv.set_feed("good", delay=0)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout, b"good: ok, HTTP 200, 2 new items\n")
        self.assertEqual(self.d.get("/v1/feeds/good").json()["items"], 3)
        # Nothing changed since: a 304 and no new item.
        r = self.d.feedctl("refresh", "--wait", "good")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout, b"good: ok, HTTP 304, 0 new items\n")

    def test_a_failing_feed(self):
        r = self.d.feedctl("refresh", "bad", "--wait")
        self.assertEqual(r.returncode, 5, r.stderr)
        self.assertRegex(r.stdout.decode(), r"^bad: failed, HTTP 500: .+\n$")
        self.assertEqual(r.stdout.decode().split(": ", 2)[2].strip(),
                         self.d.get("/v1/feeds/bad").json()["last_error"])

    def test_json_and_several(self):
        self.srv.set_feed("good", add_items=[item(10)])
        r = self.d.feedctl("refresh", "good", "bad", "--wait", "--json")
        self.assertEqual(r.returncode, 5, r.stderr)
        doc = json.loads(r.stdout)
        self.assertEqual(doc["queued"], ["good", "bad"])
        res = {x["feed"]: x for x in doc["results"]}
        self.assertEqual(res["good"], {"feed": "good", "ok": True, "status": 200,
                                       "new_items": 1, "error": None})
        self.assertEqual((res["bad"]["ok"], res["bad"]["status"], res["bad"]["new_items"]),
                         (False, 500, 0))
        self.assertTrue(res["bad"]["error"])

    def test_every_feed(self):
        r = self.d.feedctl("refresh", "--wait")
        self.assertEqual(r.returncode, 5, r.stderr)
        lines = sorted(r.stdout.decode().splitlines())
        # Not the feed set enabled = no: it is not polled.
        self.assertEqual([l.split(":")[0] for l in lines], ["bad", "good", "held", "race", "slow"])
        self.assertEqual(self.d.get("/v1/feeds/off").json()["counters"]["requests"], 0)

    def test_an_unknown_feed(self):
        r = self.d.feedctl("refresh", "nosuch", "good", "--wait")
        self.assertEqual(r.returncode, 4, r.stderr)
        self.assertIn(b"nosuch", r.stderr)
        self.assertRegex(r.stdout.decode(), r"^good: ok, HTTP (200|304), \d+ new items?\n$")

    def test_not_finished_in_time(self):
        self.srv.set_feed("slow", delay=6)
        try:
            t0 = time.monotonic()
            r = self.d.feedctl("refresh", "slow", "--wait", "--timeout", "2")
            took = time.monotonic() - t0
        finally:
            self.srv.set_feed("slow", delay=0)
        self.assertEqual(r.returncode, 5, r.stderr)
        self.assertEqual(r.stdout, b"slow: failed: not finished within 2 s (--timeout)\n")
        self.assertLess(took, 5 * SLOW)

    def test_a_retry_after_holds(self):
        # The daemon does not fetch it before the publisher's time: said at
        # once, not waited for until --timeout.
        self.assertEqual(self.d.get("/v1/feeds/held").json()["next_reason"], "retry-after")
        t0 = time.monotonic()
        r = self.d.feedctl("refresh", "held", "--wait")
        self.assertLess(time.monotonic() - t0, 10 * SLOW)
        self.assertEqual(r.returncode, 5, r.stderr)
        self.assertRegex(r.stdout.decode(), r"^held: failed: not fetched: the publisher's "
                         r"Retry-After holds until \d{4}-.*Z\n$")

    def test_a_refresh_during_a_fetch_fetches_again(self):
        # The answer in flight was made before item 21 was published: the
        # refresh asked for after it must see item 21, not be that fetch.
        self.srv.set_feed("slow", items=[item(20)], delay=2)
        asked = len(self.srv.log("/feed/slow"))
        self.assertEqual(self.d.post("/v1/feeds/slow/refresh").status, 202)
        # The request has reached the server (its answer is made, then
        # held for 2 s): what is published now is not in it.
        self.assertTrue(wait_until(lambda: len(self.srv.log("/feed/slow")) > asked,
                                   timeout=10 * SLOW), self.d.read_log())
        time.sleep(0.5)   # the log entry comes just before the answer is made
        self.srv.set_feed("slow", items=[item(21), item(20)], delay=0)
        r = self.d.feedctl("refresh", "slow", "--wait", "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(json.loads(r.stdout)["results"][0]["status"], 200)
        got = [i["guid"] for i in self.d.get("/v1/items?feed=slow&limit=10").json()["items"]]
        self.assertIn("g21", got)
        self.assertIn("g20", got)

    def test_each_line_is_one_fetch(self):
        # Two new items, fetched in a second (a 200), then, for the refresh
        # asked for meanwhile, a 304. Every waiting client's line, and
        # every --json result, gives the status and the new items of one
        # fetch: never "HTTP 304, 2 new items".
        self.srv.set_feed("race", items=[item(3), item(2), item(1)], delay=1)
        env = dict(os.environ, FEEDD_SOCKET=self.d.socket)

        def start(*extra):
            return subprocess.Popen([FEEDCTL_BIN, "refresh", "race", "--wait"] + list(extra),
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
        asked = len(self.srv.log("/feed/race"))
        procs = [start()]
        try:
            self.assertTrue(wait_until(lambda: len(self.srv.log("/feed/race")) > asked,
                                       timeout=10 * SLOW), self.d.read_log())
            procs += [start() for _ in range(4)] + [start("--json") for _ in range(4)]
            outs = [p.communicate(timeout=30 * SLOW) for p in procs]
        finally:
            for p in procs:
                if p.poll() is None:
                    p.kill()
                    p.wait()
            self.srv.set_feed("race", delay=0)
        self.assertEqual(self.d.get("/v1/feeds/race").json()["items"], 3)
        for p, (out, err) in zip(procs, outs):
            self.assertEqual(p.returncode, 0, err)
            if p.args[-1] == "--json":
                res = json.loads(out)["results"][0]
                got = (res["status"], res["new_items"])
            else:
                m = re.fullmatch(rb"race: ok, HTTP (\d+), (\d+) new items?\n", out)
                self.assertTrue(m, out)
                got = (int(m.group(1)), int(m.group(2)))
            self.assertIn(got, [(200, 2), (304, 0)], out)

    def test_without_wait_nothing_changes(self):
        r = self.d.feedctl("refresh", "good")
        self.assertEqual((r.returncode, r.stdout), (0, b"good: refresh queued\n"))


if __name__ == "__main__":
    unittest.main()
