"""test_pg_faults.py — several feedd instances on one PostgreSQL database,
with faults (issue 27): hook deliveries that are neither stranded nor run
twice, commits fenced by the lease, news after a reconnect, an outage that
says so.

Runs its own throw-away cluster (tests/pg_cluster.sh) in a folder of its
own, since it restarts and stops the server: other tests sharing the
ctest fixture's cluster must not see that. Each test takes well under a
minute.
"""

import json
import os
import signal
import stat
import subprocess
import tempfile
import threading
import time
import unittest

from fixture_server import FixtureServer
from harness import Feedd, SLOW, wait_until
from pgstore import with_db

HERE = os.path.dirname(os.path.abspath(__file__))
CLUSTER = os.path.join(HERE, "..", "pg_cluster.sh")

# Records "ITEM_ID TIME PID" per run in OUT, after SLEEP seconds (and the
# item id in OUT.start when it starts).
HOOK = """#!/bin/sh
cat >/dev/null
echo "$FEEDD_ITEM_ID $PPID" >> "$1.start"
sleep "$2"
echo "$FEEDD_ITEM_ID $(date +%s.%N) $PPID" >> "$1"
"""


class Cluster:
    """A PostgreSQL cluster of this module's own."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="fpgf-", dir="/tmp")
        os.chmod(self.dir, 0o755)
        self.uri = subprocess.run([CLUSTER, "start", self.dir], check=True,
                                  capture_output=True, text=True,
                                  timeout=120).stdout.strip()
        self.bindir = subprocess.run(["pg_config", "--bindir"], capture_output=True,
                                     text=True).stdout.strip()
        if not os.path.exists(os.path.join(self.bindir, "pg_ctl")):
            import glob
            self.bindir = sorted(glob.glob("/usr/lib/postgresql/*/bin"))[-1]

    def pg_ctl(self, *args):
        cmd = [os.path.join(self.bindir, "pg_ctl"), "-D", os.path.join(self.dir, "data")]
        cmd += list(args)
        if os.getuid() == 0:
            cmd = ["runuser", "-u", "postgres", "--"] + cmd
        subprocess.run(cmd, check=True, capture_output=True, timeout=120)

    def restart_fast(self):
        self.pg_ctl("-l", os.path.join(self.dir, "server.log"), "-m", "fast", "-w",
                    "restart")

    def stop_server(self):
        self.pg_ctl("-m", "fast", "-w", "stop")

    def start_server(self):
        self.pg_ctl("-l", os.path.join(self.dir, "server.log"), "-w", "start")

    def destroy(self):
        subprocess.run([CLUSTER, "stop", self.dir], capture_output=True, timeout=120)


CL = None


def setUpModule():
    global CL
    CL = Cluster()


def tearDownModule():
    if CL:
        CL.destroy()


def psql(uri, sql):
    r = subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-At", uri, "-c", sql],
                       capture_output=True, text=True, timeout=60)
    if r.returncode != 0:
        raise AssertionError("psql %s: %s" % (sql, r.stderr))
    return r.stdout.strip()


class Base(unittest.TestCase):
    N = 3

    def setUp(self):
        self.db = "feedd_faults_%d_%d" % (os.getpid(), int(time.time() * 1000) % 100000)
        psql(CL.uri, "CREATE DATABASE %s" % self.db)
        self.uri = with_db(CL.uri, self.db)
        self.srv = FixtureServer().start()
        self.d = []
        self.tmp = tempfile.mkdtemp(prefix="feedd-faults-")
        self.hook = os.path.join(self.tmp, "hook.sh")
        with open(self.hook, "w") as f:
            f.write(HOOK)
        os.chmod(self.hook, stat.S_IRWXU)
        self.out = os.path.join(self.tmp, "hooks.out")

    def tearDown(self):
        for d in self.d:
            if d.proc and d.proc.poll() is None:
                try:
                    d.signal(signal.SIGCONT)
                except ProcessLookupError:
                    pass
                d.stop()
            d.cleanup()
        self.srv.stop()
        try:
            CL.start_server()
        except subprocess.CalledProcessError:
            pass   # running already
        psql(CL.uri, "DROP DATABASE IF EXISTS %s WITH (FORCE)" % self.db)
        subprocess.run(["rm", "-rf", self.tmp])

    def start(self, feeds, daemon="", n=None, env=None):
        """N instances; FEEDS is the feeds' part of the config, or a list
        of them, one per instance."""
        n = len(feeds) if isinstance(feeds, list) else n or self.N
        for i in range(n):
            conf = ("[daemon]\nstore = %s\nhost_gap = 0s\n%s\n"
                    "[defaults]\nallow_private = yes\n\n" % (self.uri, daemon))
            conf += feeds[i] if isinstance(feeds, list) else feeds
            self.d.append(Feedd(conf, start=False, env=env))
        for d in self.d:
            d.start(wait_ready=False)
        for d in self.d:
            if not d.wait_ready():
                raise AssertionError("feedd did not start; log:\n" + d.read_log())

    def runs(self):
        """{item_id: [(time, pid)]} of the hook runs so far."""
        out = {}
        try:
            with open(self.out) as f:
                for line in f:
                    p = line.split()
                    if len(p) == 3:
                        out.setdefault(int(p[0]), []).append((float(p[1]), int(p[2])))
        except FileNotFoundError:
            pass
        return out

    def first_seen(self):
        return {int(r.split("|")[0]): int(r.split("|")[1]) for r in
                psql(self.uri, "SELECT id, first_seen FROM items").splitlines() if r}

    def logs(self):
        return "\n".join("--- instance %d\n%s" % (i, d.read_log()[-6000:])
                         for i, d in enumerate(self.d))


class Hooks(Base):

    def test_burst_not_stranded(self):
        """A burst of new items, more than the free hook slots: every hook
        runs within seconds, once, and nothing stays claimed unrun."""
        # Eight feeds of two items: a feed's deliveries run one at a time,
        # in item order, so the burst is spread over feeds.
        feeds = ""
        for f in range(8):
            items = [{"guid": "b%d-%d" % (f, i), "title": "burst %d %d" % (f, i)}
                     for i in range(2)]
            self.srv.set_feed("b%d" % f, items=items)
            feeds += "[feed b%d]\nurl = %s\ninterval = 1h\nexec = %s %s 0.3\n" % (
                f, self.srv.url("/feed/b%d" % f), self.hook, self.out)
        self.start(feeds, daemon="exec_jobs = 2\nlease = 20s\n")
        self.assertTrue(wait_until(lambda: len(self.first_seen()) == 16, timeout=20),
                        self.logs())
        # 16 runs of 0.3 s, two at once per instance: a few seconds; a
        # stranded delivery waits out a ten-minute claim.
        done = wait_until(lambda: len(self.runs()) == 16, timeout=20)
        runs = self.runs()
        self.assertTrue(done, "hooks ran for %d of 16 items; pending: %s\n%s" % (
            len(runs), psql(self.uri, "SELECT item_id, next_try - extract(epoch FROM now())"
                            "::bigint, attempts FROM hook_deliveries"), self.logs()))
        self.assertEqual([k for k, v in runs.items() if len(v) != 1], [])
        seen = self.first_seen()
        delays = sorted(runs[i][0][0] - seen[i] for i in runs)
        self.assertLess(delays[-1], 12 * SLOW, delays)
        self.assertTrue(wait_until(lambda: psql(
            self.uri, "SELECT count(*) FROM hook_deliveries") == "0", timeout=5))

    def starts(self):
        """[(item_id, pid of the instance)] of the hooks started so far."""
        try:
            with open(self.out + ".start") as f:
                return [tuple(int(x) for x in l.split()) for l in f if l.strip()]
        except FileNotFoundError:
            return []

    def test_killed_while_a_hook_runs(self):
        """An instance killed -9 while its hook runs: another instance runs
        the delivery again, once, after the claim has run out (8 s here)."""
        self.srv.set_feed("k", items=[{"guid": "k1", "title": "k 1"}])
        self.start("[feed k]\nurl = %s\ninterval = 1h\nexec = %s %s 3\n"
                   % (self.srv.url("/feed/k"), self.hook, self.out),
                   daemon="lease = 20s\n", n=2, env={"FEEDD_HOOK_CLAIM_S": "8"})
        self.assertTrue(wait_until(lambda: self.starts(), timeout=20), self.logs())
        t_kill = time.monotonic()
        item, pid = self.starts()[0]
        victim = [d for d in self.d if d.proc.pid == pid][0]
        victim.kill()
        other = [d for d in self.d if d is not victim][0]
        self.assertTrue(wait_until(lambda: len(self.starts()) == 2, timeout=25), self.logs())
        again = time.monotonic() - t_kill
        self.assertEqual(self.starts()[1], (item, other.proc.pid))
        self.assertGreater(again, 4, "run again before the claim ran out")
        self.assertTrue(wait_until(lambda: psql(
            self.uri, "SELECT count(*) FROM hook_deliveries") == "0", timeout=10))
        time.sleep(6)   # and not a third time
        self.assertEqual(len(self.starts()), 2, self.starts())

    def test_results_wait_out_an_outage(self):
        """Hooks that finish while the server is down: their results are
        kept and written once it is back; none runs twice."""
        # Four feeds of one item: their hooks run side by side (a feed's
        # own run one at a time).
        feeds = ""
        for f in range(4):
            self.srv.set_feed("o%d" % f, items=[{"guid": "o%d" % f, "title": "o %d" % f}])
            feeds += "[feed o%d]\nurl = %s\ninterval = 1h\nexec = %s %s 3\n" % (
                f, self.srv.url("/feed/o%d" % f), self.hook, self.out)
        self.start(feeds, daemon="exec_jobs = 4\nlease = 20s\n", n=2)
        self.assertTrue(wait_until(lambda: len(self.starts()) == 4, timeout=20), self.logs())
        CL.stop_server()
        self.assertTrue(wait_until(lambda: len(self.runs()) == 4, timeout=10))
        time.sleep(1)
        CL.start_server()
        self.assertTrue(wait_until(lambda: psql(
            self.uri, "SELECT count(*) FROM hook_deliveries") == "0", timeout=20),
            "deliveries left: %s\n%s" % (psql(self.uri, "SELECT * FROM hook_deliveries"),
                                          self.logs()))
        self.assertEqual(sorted(len(v) for v in self.runs().values()), [1, 1, 1, 1])
        self.assertIn("its result waits for the store", self.logs())


class Fence(Base):
    N = 2

    def state(self):
        row = psql(self.uri, "SELECT n_requests, coalesce(etag, ''), listed::text, next_due"
                   " FROM feeds WHERE name = 's'").split("|")
        listed = set(int(x) for x in row[2].strip("{}").split(",") if x)
        return int(row[0]), row[1], listed, int(row[3])

    def test_stopped_past_the_lease(self):
        """An instance stopped mid-fetch past its lease, resumed after
        another instance fetched the feed (newer document) several times:
        its commit is fenced off; the feed's state never goes back."""
        items = [{"guid": "s%d" % i, "title": "s %d" % i} for i in range(3)]
        self.srv.set_feed("s", items=items, delay=2)
        self.start("[feed s]\nurl = %s\ninterval = 2s\nmin_interval = 1s\n"
                   % self.srv.url("/feed/s"), daemon="lease = 5s\n")
        owner = wait_until(lambda: psql(self.uri, "SELECT lease_owner FROM feeds"
                                        " WHERE name = 's' AND lease_owner IS NOT NULL"),
                           timeout=10)
        self.assertTrue(owner, self.logs())
        pid = int(owner.split(":")[-2])
        a = [d for d in self.d if d.proc.pid == pid][0]
        b = [d for d in self.d if d is not a][0]
        a.signal(signal.SIGSTOP)
        # A holds the old document in flight; the feed moves on meanwhile,
        # and B fetches it once A's lease has run out, then again.
        self.srv.set_feed("s", items=items + [{"guid": "s%d" % i, "title": "s %d" % i}
                                              for i in range(3, 6)], delay=0)
        self.assertTrue(wait_until(lambda: self.state()[0] >= 3, timeout=30), self.logs())
        snap = self.state()
        self.assertEqual(len(snap[2]), 6, snap)
        a.signal(signal.SIGCONT)
        self.assertTrue(a.wait_log("fetch s:", timeout=15), a.read_log())
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline:
            now = self.state()
            self.assertGreaterEqual(now[0], snap[0], "n_requests went back")
            self.assertEqual(now[1], snap[1], "validators went back")
            self.assertTrue(snap[2] <= now[2], "listed set shrank: %s -> %s" % (snap[2], now[2]))
            self.assertGreaterEqual(now[3], snap[3], "next_due went back")
            time.sleep(0.2)
        self.assertIn("fenced off", a.read_log())
        # Nothing stored twice, nothing lost.
        self.assertEqual(psql(self.uri, "SELECT count(*), count(DISTINCT ikey) FROM items"),
                         "6|6")


class Outage(Base):
    N = 2

    @staticmethod
    def burst(a):
        """Statuses of 20 requests at once over 5 endpoints: every reader
        in use, so that each runs a statement on its connection."""
        paths = ["/v1/items?after=0", "/v1/items?after=0&limit=1000",
                 "/v1/events?after=0", "/v1/feeds", "/v1/consumers"]
        out = {}
        ts = [threading.Thread(target=lambda p=p, k=k: out.__setitem__(
            (k, p), a.get(p, timeout=10).status)) for k in range(4) for p in paths]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        return out

    def test_outage_is_visible_and_quiet(self):
        """The server stopped: /v1/status answers from memory and says the
        store is unavailable, item endpoints answer 503 with Retry-After
        naming the store, the log has a line for each change of state, not
        one per attempt; all is well again once the server is back."""
        self.srv.set_feed("u", items=[{"guid": "u1", "title": "u 1"}])
        self.start("[feed u]\nurl = %s\ninterval = 1s\nmin_interval = 1s\n"
                   % self.srv.url("/feed/u"))
        a = self.d[0]
        self.assertTrue(wait_until(lambda: a.get("/v1/items?after=0").json()["items"],
                                   timeout=10), self.logs())
        self.assertEqual(a.get("/v1/status").json()["store"]["state"], "available")
        before = [len(d.read_log().splitlines()) for d in self.d]
        CL.stop_server()
        t_down = time.time()
        try:
            time.sleep(1)
            for _ in range(4):
                t0 = time.monotonic()
                r = a.get("/v1/status", timeout=5)
                self.assertLess(time.monotonic() - t0, 3)
                self.assertEqual(r.status, 200, r.body)
                st = r.json()["store"]
                self.assertEqual(st["state"], "unavailable", st)
                self.assertLessEqual(abs(st["since"] - t_down), 5, st)
                self.assertTrue(st["last_error"], st)
                for path in ("/v1/items?after=0", "/v1/items?after=0&wait=5",
                             "/v1/events?after=0", "/v1/consumers/c/items"):
                    r = a.get(path, timeout=10)
                    self.assertEqual(r.status, 503, (path, r.body))
                    self.assertIn("Retry-After", r.headers)
                    self.assertEqual(r.json()["error"], "store unavailable")
                    self.assertIn("postgresql", r.json()["detail"])
                time.sleep(1)
        finally:
            CL.start_server()
        for d, n in zip(self.d, before):
            down = d.read_log().splitlines()[n:]
            # The harness runs feedd with -v; without the journal its lines
            # carry no priority, so debug lines (one per reconnect attempt)
            # are told apart by what the others say: errors and warnings,
            # and the changes of state ("unavailable", "available again").
            store_lines = [l for l in down if "store" in l and
                           (": error:" in l or ": warning:" in l or "available" in l)]
            self.assertLessEqual(len(store_lines), 6, "\n".join(store_lines))
        self.assertTrue(wait_until(lambda: a.get("/v1/status").json()["store"]["state"]
                                   == "available", timeout=20), self.logs())
        got = self.burst(a)
        self.assertEqual({k: v for k, v in got.items() if v != 200}, {}, self.logs())
        self.assertIn("available again", self.logs())


    def test_first_reads_after_an_unnoticed_restart(self):
        """The server restarted while feedd sat idle: once /v1/status says
        the store is available, the first request on each reader's
        connection, which the server closed, reconnects it and is
        answered, not 503. (Whether the news connection saw the server go,
        and found it away for a moment, depends on timing: the status is
        what a client goes by.)"""
        self.srv.set_feed("u", items=[{"guid": "u1", "title": "u 1"}])
        self.start("[feed u]\nurl = %s\n" % self.srv.url("/feed/u"), n=1)
        a = self.d[0]
        self.assertTrue(wait_until(lambda: a.get("/v1/items?after=0").json()["items"],
                                   timeout=10), self.logs())
        self.assertEqual(set(self.burst(a).values()), {200})
        CL.restart_fast()
        self.assertTrue(wait_until(lambda: a.get("/v1/status").json()["store"]["state"]
                                   == "available", timeout=20), self.logs())
        got = self.burst(a)
        self.assertEqual({k: v for k, v in got.items() if v != 200}, {}, self.logs())
        self.assertEqual(a.get("/v1/status").json()["store"]["state"], "available")


class News(Base):

    def wake(self, a, n):
        """Seconds from item N appearing at the fixture to a long-poll on A
        (which does not fetch the feed: B does) answering with it."""
        last = max([i["id"] for i in a.get("/v1/items?after=0").json()["items"]] or [0])
        got = {}

        def poll():
            r = a.get("/v1/items?after=%d&wait=10" % last, timeout=20)
            got["t"] = time.monotonic()
            got["items"] = r.json()["items"] if r.status == 200 else r.status

        t = threading.Thread(target=poll)
        t.start()
        time.sleep(0.5)   # held by now
        self.items.append({"guid": "p%d" % n, "title": "p %d" % n})
        self.srv.set_feed("p", items=self.items)
        t0 = time.monotonic()
        t.join(25)
        return got["t"] - t0, got["items"]

    def test_wake_across_a_restart(self):
        """A long-poll on one instance wakes for an item another instance
        stored, before and after a fast restart of the server."""
        self.items = [{"guid": "p0", "title": "p 0"}]
        self.srv.set_feed("p", items=self.items)
        feed = "[feed p]\nurl = %s\ninterval = 1s\nmin_interval = 1s\n" % \
            self.srv.url("/feed/p")
        self.start([feed + "enabled = no\n", feed])
        a, b = self.d
        self.assertTrue(wait_until(lambda: a.get("/v1/items?after=0").json()["items"],
                                   timeout=10), self.logs())
        before, items = self.wake(a, 1)
        self.assertEqual([i["title"] for i in items], ["p 1"])
        CL.restart_fast()
        # B stores again, and A reads again (its readers reconnect).
        self.items.append({"guid": "p2", "title": "p 2"})
        self.srv.set_feed("p", items=self.items)
        self.assertTrue(wait_until(lambda: len(psql(self.uri, "SELECT id FROM items")
                                                   .split()) == 3, timeout=20), self.logs())
        wait_until(lambda: a.get("/v1/items?after=0").status == 200, timeout=10)
        time.sleep(2)
        after, items = self.wake(a, 3)
        self.assertEqual([i["title"] for i in items], ["p 3"], self.logs())
        self.assertLess(before, 4 * SLOW)
        self.assertLess(after, 4 * SLOW, "woken %.1f s after the item, %.1f s before the"
                        " restart" % (after, before))


if __name__ == "__main__":
    unittest.main()
