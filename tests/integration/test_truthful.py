"""What feedd says is what is so (issue 16, points 4, 5, 6, 8): `feedctl new
--limit` prints and acknowledges at most N items, `--json` is one document;
a feed whose fetches fail for a passing reason is retried soon (first retry
within min_interval, doubling), whether or not it ever succeeded; feed
states are true in /v1/feeds, /v1/status, `feedctl feeds` and `feedctl feed`;
a store that refuses a commit (a full disk: a small tmpfs as state_dir) is
said in the feed's state and /v1/status, and the validators of the refused
document are not sent.
The real daemon, the real feedctl, the loopback fixture server."""
import datetime
import json
import os
import shutil
import socket
import sqlite3
import subprocess
import tempfile
import time
import unittest

from fixture_server import FixtureServer
from harness import SLOW, Feedd, ServerTestCase, fill_disk, wait_until


def epoch(rfc3339):
    return datetime.datetime.strptime(rfc3339, "%Y-%m-%dT%H:%M:%SZ").replace(
        tzinfo=datetime.timezone.utc).timestamp()


def free_port():
    """A loopback port nothing listens on (bound, then released)."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def items_of(n, prefix="n"):
    return [{"guid": "%s-%d" % (prefix, i), "title": "%s title %d" % (prefix, i),
             "link": "http://example.org/%s/%d" % (prefix, i)} for i in range(1, n + 1)]


HEAD = """[daemon]
host_gap = 0s

[defaults]
interval = 1h
min_interval = 2s
allow_private = yes
"""


class NewLimitTest(ServerTestCase):
    """Point 4: `feedctl new CONSUMER --limit N`."""

    def setUp(self):
        self.srv.set_feed("n", items=items_of(5))
        self.d = Feedd(HEAD + "[feed n]\nurl = %s\n" % self.srv.url("/feed/n"))
        self.assertTrue(wait_until(lambda: self.d.get("/v1/feeds/n").json().get("items") == 5))

    def tearDown(self):
        self.d.cleanup()

    def test_limit_caps_and_acks_only_what_it_printed(self):
        r = self.d.feedctl("new", "c1", "--limit", "3", "--ndjson")
        self.assertEqual(r.returncode, 0, r.stderr)
        first = [json.loads(line) for line in r.stdout.decode().splitlines()]
        self.assertEqual(len(first), 3, r.stdout)
        # the cursor moved to the third item, not past the rest
        c = self.d.get("/v1/consumers/c1").json()
        c = c["consumers"][0] if "consumers" in c else c
        self.assertEqual(c["cursor"], first[-1]["id"])
        r = self.d.feedctl("new", "c1", "--limit", "3")
        self.assertEqual(r.returncode, 0, r.stderr)
        lines = r.stdout.decode().splitlines()
        self.assertEqual(len(lines), 2, r.stdout)
        self.assertIn("n title 4", lines[0])
        self.assertIn("n title 5", lines[1])
        self.assertEqual(self.d.feedctl("new", "c1", "--limit", "3").returncode, 1)

    def test_json_is_one_document(self):
        r = self.d.feedctl("new", "c2", "--limit", "2", "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        doc = json.loads(r.stdout)           # several documents would not parse
        self.assertEqual([i["title"] for i in doc["items"]], ["n title 1", "n title 2"])
        self.assertEqual(doc["next"], doc["items"][-1]["id"])
        r = self.d.feedctl("new", "c2", "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        doc = json.loads(r.stdout)
        self.assertEqual([i["title"] for i in doc["items"]],
                         ["n title 3", "n title 4", "n title 5"])
        self.assertEqual(self.d.feedctl("new", "c2", "--json").returncode, 1)

    def test_peek_limit_moves_nothing(self):
        r = self.d.feedctl("new", "c3", "--limit", "1", "--peek", "--ndjson")
        self.assertEqual(len(r.stdout.decode().splitlines()), 1, r.stdout)
        r = self.d.feedctl("new", "c3", "--ndjson")
        self.assertEqual(len(r.stdout.decode().splitlines()), 5, r.stdout)


class RetryTest(unittest.TestCase):
    """Point 5: a transient error is retried within min_interval, then
    doubling, whether or not the feed ever succeeded."""

    def test_first_fetch_refused_is_retried_soon(self):
        port = free_port()
        url = "http://127.0.0.1:%d/feed/late" % port
        d = Feedd(HEAD + "[feed late]\nurl = %s\n" % url)
        srv = None
        try:
            f = wait_until(lambda: (lambda j: j if j.get("last_fetch") else None)(
                d.get("/v1/feeds/late").json()), timeout=10)
            self.assertTrue(f)
            self.assertEqual(f["next_reason"], "retry", f)
            # due within min_interval (2 s) of the attempt (+1: whole seconds)
            self.assertLessEqual(epoch(f["next_due"]) - epoch(f["last_fetch"]), 3, f)
            self.assertEqual(f["state"], "failing", f)
            self.assertIn("connect", f["last_error"])
            self.assertIsNone(f["last_success"])
            # the second retry waits twice as long: 4 s
            f2 = wait_until(lambda: (lambda j: j if j["counters"]["requests"] >= 2 else None)(
                d.get("/v1/feeds/late").json()), timeout=10)
            self.assertTrue(f2)
            self.assertLessEqual(epoch(f2["next_due"]) - epoch(f2["last_fetch"]), 5, f2)
            self.assertGreaterEqual(epoch(f2["next_due"]) - epoch(f2["last_fetch"]), 3, f2)
            # the server comes up: the feed is fetched within seconds, not an hour
            srv = FixtureServer(port=port).start()
            srv.set_feed("late", items=items_of(2, "late"))
            ok = wait_until(lambda: d.get("/v1/feeds/late").json().get("items") == 2,
                            timeout=15)
            f = d.get("/v1/feeds/late").json()
            self.assertTrue(ok, f)
            self.assertEqual(f["state"], "ok")
            self.assertEqual(f["next_reason"], "interval")
        finally:
            d.cleanup()
            if srv:
                srv.stop()

    def test_5xx_retries_soon_not_from_the_interval(self):
        with FixtureServer() as srv:
            srv.set_feed("s5", status=502)
            d = Feedd(HEAD + "[feed s5]\nurl = %s\n" % srv.url("/feed/s5"))
            try:
                reqs = wait_until(lambda: (lambda l: l if len(l) >= 3 else None)(
                    srv.log("/feed/s5")), timeout=20)
                self.assertTrue(reqs, srv.log())
                g1 = reqs[1]["time"] - reqs[0]["time"]
                g2 = reqs[2]["time"] - reqs[1]["time"]
                self.assertLess(g1, 3.5 * SLOW)      # min_interval 2 s
                self.assertGreater(g2, g1 + 0.5)     # doubled: 4 s
                f = d.get("/v1/feeds/s5").json()
                self.assertEqual(f["next_reason"], "retry")
                self.assertEqual(f["state"], "failing")
            finally:
                d.cleanup()


class StatesTest(unittest.TestCase):
    """Point 6: never `ok` without a success; no next fetch for a removed
    feed; the same words in /v1/feeds, /v1/status and feedctl."""

    def test_states_are_true(self):
        with FixtureServer() as srv:
            srv.set_feed("good", items=items_of(1, "good"))
            # two hosts refusing at once, no server heard: an outage, whose
            # failures are not counted; still not "ok"
            down = HEAD + ("[feed down1]\nurl = http://127.0.0.2:9/a\n"
                           "[feed down2]\nurl = http://127.0.0.3:9/b\n"
                           "[feed later]\nurl = %s\nenabled = no\n") % srv.url("/feed/later")
            d = Feedd(down)
            try:
                for n in ("down1", "down2"):
                    self.assertTrue(wait_until(
                        lambda: d.get("/v1/feeds/" + n).json().get("last_fetch"), timeout=15), n)
                feeds = {f["name"]: f for f in d.get("/v1/feeds").json()["feeds"]}
                for n in ("down1", "down2"):
                    f = feeds[n]
                    self.assertIsNone(f["last_success"], f)
                    self.assertEqual(f["state"], "failing", f)
                    self.assertTrue(f["last_error"], f)
                self.assertEqual(feeds["later"]["state"], "disabled")
                self.assertIsNone(feeds["later"]["next_due"])
                st = d.get("/v1/status").json()["feeds"]["by_state"]
                self.assertEqual(st, {"failing": 2, "disabled": 1})
                d.write_config(down + "[feed good]\nurl = %s\n" % srv.url("/feed/good"))
                self.assertEqual(d.post("/v1/reload").status, 200)
                self.assertTrue(wait_until(
                    lambda: d.get("/v1/feeds/good").json().get("state") == "ok"))
                r = d.feedctl("feed", "down1")
                self.assertIn(b"state: failing", r.stdout)

                # removed: no next fetch anywhere
                d.write_config(HEAD + "[feed down1]\nurl = http://127.0.0.2:9/a\n")
                self.assertEqual(d.post("/v1/reload").status, 200)
                g = d.get("/v1/feeds/good").json()
                self.assertEqual(g["state"], "removed")
                self.assertIsNone(g["next_due"], g)
                r = d.feedctl("feeds")
                self.assertEqual(r.returncode, 0, r.stderr)
                line = [l for l in r.stdout.decode().splitlines() if l.startswith("good ")][0]
                cols = line.split()
                self.assertEqual(cols[1], "removed", line)
                self.assertNotIn("in ", line, line)
                line = [l for l in r.stdout.decode().splitlines() if l.startswith("down1 ")][0]
                self.assertEqual(line.split()[1], "failing", line)
                st = d.get("/v1/status").json()["feeds"]["by_state"]
                self.assertEqual(st.get("failing"), 1, st)
                self.assertNotIn("ok", st)
            finally:
                d.cleanup()

    def test_new_before_the_first_answer(self):
        with FixtureServer() as srv:
            srv.set_feed("slow", items=items_of(1, "slow"), delay=3)
            d = Feedd(HEAD + "[feed slow]\nurl = %s\n" % srv.url("/feed/slow"))
            try:
                f = d.get("/v1/feeds/slow").json()
                self.assertEqual(f["state"], "new", f)
                st = d.get("/v1/status").json()["feeds"]["by_state"]
                self.assertEqual(st, {"new": 1})
                self.assertTrue(wait_until(
                    lambda: d.get("/v1/feeds/slow").json()["state"] == "ok", timeout=15))
            finally:
                d.cleanup()


class DiskFullTest(unittest.TestCase):
    """Point 8: the store's disk full."""

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="feedd-full-")
        self.state = os.path.join(self.tmp, "state")
        os.mkdir(self.state)
        subprocess.run(["mount", "-t", "tmpfs", "-o", "size=3m", "feedd-test", self.state],
                       check=True)
        self.srv = FixtureServer().start()
        self.d = None

    def tearDown(self):
        if self.d:
            self.d.kill()
        self.srv.stop()
        if subprocess.run(["umount", self.state]).returncode != 0:
            subprocess.run(["umount", "-l", self.state])
        shutil.rmtree(self.tmp, ignore_errors=True)

    def test_full_disk_is_said_and_not_trusted(self):
        self.srv.set_feed("f", items=items_of(3, "f"))
        self.d = Feedd(HEAD + "[feed f]\nurl = %s\n" % self.srv.url("/feed/f"), dir=self.tmp)
        d = self.d
        self.assertTrue(wait_until(lambda: d.get("/v1/feeds/f").json().get("items") == 3))
        first = d.get("/v1/feeds/f").json()
        self.assertTrue(first["etag"])
        # a big new document, and no room for it
        big = [{"guid": "big-%d" % i, "title": "big %d" % i,
                "description": ("x%d " % i) * 400} for i in range(100)]
        self.srv.set_feed("f", items=big + items_of(3, "f"))
        fill_disk(os.path.join(self.state, "filler"))
        n = len(self.srv.log("/feed/f"))
        self.assertEqual(d.post("/v1/feeds/f/refresh").status, 202)
        self.assertTrue(d.wait_log("store refused the commit", timeout=20), d.read_log())
        f = d.get("/v1/feeds/f").json()
        self.assertIn("store refused the commit", f["last_error"] or "", f)
        self.assertGreaterEqual(f["failures"], 1, f)
        self.assertEqual(f["state"], "failing", f)
        # Its next fetch is the retry the scheduler planned, though no
        # row could say so (the row's is the interval's, an hour away).
        self.assertEqual(f["next_reason"], "retry", f)
        due = datetime.datetime.strptime(f["next_due"], "%Y-%m-%dT%H:%M:%SZ").replace(
            tzinfo=datetime.timezone.utc).timestamp()
        self.assertLess(due - time.time(), 600, f)
        self.assertEqual(f["last_success"], first["last_success"], f)
        self.assertEqual(f["items"], 3, f)
        st = d.get("/v1/status").json()
        self.assertGreaterEqual(st["store"]["commits_refused"], 1, st)
        self.assertIn("store refused the commit", st["store"]["last_error"], st)
        self.assertEqual(st["feeds"]["by_state"].get("failing"), 1, st)
        # the next request (the retry comes within min_interval) sends no
        # validator of the document that was never stored
        reqs = wait_until(lambda: (lambda l: l if len(l) >= n + 2 else None)(
            self.srv.log("/feed/f")), timeout=20)
        self.assertTrue(reqs, self.srv.log())
        self.assertEqual(reqs[n]["headers"].get("if-none-match"), first["etag"])
        self.assertNotIn("if-none-match", reqs[n + 1]["headers"])
        self.assertNotIn("if-modified-since", reqs[n + 1]["headers"])
        # room again: the document is stored, the feed is ok
        os.unlink(os.path.join(self.state, "filler"))
        self.assertTrue(wait_until(lambda: d.get("/v1/feeds/f").json().get("items") == 103,
                                   timeout=30), d.get("/v1/feeds/f").text)
        f = d.get("/v1/feeds/f").json()
        self.assertEqual(f["state"], "ok", f)
        self.assertIsNone(f["last_error"], f)
        self.assertEqual(d.stop(), 0)
        self.d = None
        db = sqlite3.connect(os.path.join(self.state, "feedd.db"))
        try:
            self.assertEqual(db.execute("PRAGMA integrity_check").fetchone()[0], "ok")
        finally:
            db.close()

    def test_room_freed_goes_to_the_store(self):
        # Many feeds fill the disk; more room is made. The WAL of the
        # attempts that follow must not take it all before a checkpoint
        # (the store stuck for good, its items in a WAL it could not
        # copy): the first write after a full disk checkpoints and empties
        # the WAL, and every document is stored.
        names = ["f%02d" % i for i in range(60)]
        for n in names:
            self.srv.set_feed(n, items=[{"guid": "%s-%d" % (n, i), "title": "%s %d" % (n, i),
                                         "description": ("%s words %d " % (n, i)) * 60}
                                        for i in range(15)])
        conf = HEAD.replace("min_interval = 2s", "min_interval = 1s") + "".join(
            "[feed %s]\nurl = %s\n" % (n, self.srv.url("/feed/" + n)) for n in names)
        self.d = Feedd(conf, dir=self.tmp)
        d = self.d
        self.assertTrue(d.wait_log("store refused the commit", timeout=60), d.read_log()[-3000:])
        subprocess.run(["mount", "-o", "remount,size=6m", self.state], check=True)

        def stored():
            return sum(f.get("items") or 0 for f in d.get("/v1/feeds").json()["feeds"])
        self.assertTrue(wait_until(lambda: stored() == 60 * 15, timeout=90 * SLOW),
                        "%d of %d stored; log:\n%s" % (stored(), 60 * 15, d.read_log()[-3000:]))
        self.assertIn("room again", d.read_log())
        # Said once a minute, not at every refused attempt.
        self.assertLess(d.read_log().count("database or disk is full"), 30, d.read_log()[-3000:])
        self.assertEqual(d.stop(), 0)
        self.d = None


if __name__ == "__main__":
    unittest.main()
