"""A slow store delays the commits of fetches, never the loop: while another
process holds the database's write lock, the daemon fetches, its commit
waits on the store thread, and the socket API goes on answering at once;
a consumer's ack (a write) waits for the lock on the store thread while
other clients' requests are answered; when the lock goes, the commit and
the ack land and nothing is lost."""
import os
import shutil
import socket
import sqlite3
import tempfile
import threading
import time
import unittest

from fixture_server import FixtureServer
from harness import Feedd, wait_until

CONF = """
[daemon]
host_gap = 0s
[defaults]
allow_private = yes
interval = 1h
[feed s]
url = {url}
"""


class SlowStoreTest(unittest.TestCase):
    def setUp(self):
        self.srv = FixtureServer().start()
        self.d = None
        self.tmp = tempfile.mkdtemp(prefix="feedd-slowstore-")

    def tearDown(self):
        if self.d:
            self.d.stop()
            self.d.cleanup()
        self.srv.stop()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def items(self):
        return self.d.get("/v1/items?after=0").json()["items"]

    def test_api_answers_while_a_commit_waits_for_the_lock(self):
        self.srv.set_feed("s", items=[{"guid": "1", "title": "one"}])
        self.d = Feedd(CONF.format(url=self.srv.url("/feed/s")))
        self.assertTrue(wait_until(lambda: len(self.items()) == 1), self.d.read_log())
        first = self.items()[0]["id"]
        # A consumer, created (a write) before the lock is taken.
        self.assertEqual(self.d.get("/v1/consumers/c/items").status, 200)
        self.assertEqual(self.d.get("/v1/consumers/left/items").status, 200)
        acked = {}

        def ack():
            acked["r"] = self.d.post("/v1/consumers/c/ack", {"upto": first}, timeout=60)

        # Another process takes the write lock and keeps it.
        db = sqlite3.connect(os.path.join(self.d.state_dir, "feedd.db"),
                             isolation_level=None, timeout=10)
        db.execute("BEGIN IMMEDIATE")
        try:
            self.srv.set_feed("s", items=[{"guid": "1", "title": "one"},
                                          {"guid": "2", "title": "two"}])
            self.assertEqual(self.d.post("/v1/feeds/s/refresh").status, 202)
            self.assertTrue(wait_until(
                lambda: len([e for e in self.srv.log() if e["path"] == "/feed/s"]) >= 2))
            # An ack is a write: it waits for the lock too.
            t = threading.Thread(target=ack)
            t.start()
            # A client that sends an ack and leaves before the answer.
            body = b'{"upto": %d}' % first
            with socket.socket(socket.AF_UNIX) as s:
                s.connect(self.d.socket)
                s.sendall(b"POST /v1/consumers/left/ack HTTP/1.1\r\nHost: feedd\r\n"
                          b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n"
                          % len(body) + body)
            time.sleep(0.5)   # the acks are in the daemon by now
            # The fetch is done and its commit waits for the lock, and so
            # does the ack. The loop does not: every answer comes while
            # the lock is still held (a loop waiting on the lock would
            # answer none of them before the lock went, and these requests
            # give up after 3 s).
            for _ in range(5):
                r = self.d.get("/v1/status", timeout=3)
                self.assertEqual(r.status, 200)
                self.assertEqual(r.json()["store"]["consumers"], 2)
                self.assertNotIn("store_stale", r.json())   # readers pass
                self.assertEqual(len(self.items()), 1)
                self.assertEqual(self.d.get("/v1/feeds", timeout=3).status, 200)
                self.assertEqual(self.d.get("/v1/consumers/c", timeout=3).json()["cursor"], 0)
                self.assertEqual(self.d.get("/v1/consumers", timeout=3).status, 200)
            self.assertEqual(self.d.get("/v1/feeds/s", timeout=3).status, 200)
            self.assertTrue(t.is_alive(), "the ack was answered while the lock was held")
        finally:
            db.execute("COMMIT")
            db.close()
        # The lock is gone: the waiting commit lands, the new item with it,
        # and the ack.
        t.join(60)
        self.assertFalse(t.is_alive())
        self.assertEqual(acked["r"].status, 200, acked["r"].body)
        self.assertEqual(acked["r"].json()["cursor"], first)
        self.assertTrue(wait_until(lambda: len(self.items()) == 2, timeout=20),
                        self.d.read_log())
        self.assertEqual([i["title"] for i in self.items()], ["one", "two"])
        self.assertEqual(self.d.get("/v1/consumers/c").json()["cursor"], first)
        # The ack of the client that left was written all the same.
        self.assertTrue(wait_until(
            lambda: self.d.get("/v1/consumers/left").json()["cursor"] == first))

    def test_hook_outcome_waits_for_the_lock_not_the_loop(self):
        started = os.path.join(self.tmp, "started")
        go = os.path.join(self.tmp, "go")
        hook = "sh -c 'touch %s; while [ ! -e %s ]; do sleep 0.1; done'" % (started, go)
        self.srv.set_feed("s", items=[{"guid": "1", "title": "one"}])
        self.d = Feedd(CONF.format(url=self.srv.url("/feed/s")) + "exec = %s\n" % hook)
        self.assertTrue(wait_until(lambda: os.path.exists(started)), self.d.read_log())
        self.assertEqual(self.d.get("/v1/status").json()["store"]["hooks_pending"], 1)
        db = sqlite3.connect(os.path.join(self.d.state_dir, "feedd.db"),
                             isolation_level=None, timeout=10)
        db.execute("BEGIN IMMEDIATE")
        try:
            # The hook ends while the lock is held: its outcome (a write)
            # waits on the store thread, the loop goes on answering (a
            # loop writing it would answer nothing before the lock went).
            open(go, "w").close()
            self.assertTrue(wait_until(lambda: "delivered" in self.d.read_log()
                                       or self.hook_gone(started)))
            time.sleep(0.5)
            for _ in range(5):
                r = self.d.get("/v1/status", timeout=3)
                self.assertEqual(r.status, 200)
                self.assertEqual(r.json()["store"]["hooks_pending"], 1)
                self.assertEqual(len(self.items()), 1)
        finally:
            db.execute("COMMIT")
            db.close()
        self.assertTrue(wait_until(
            lambda: self.d.get("/v1/status").json()["store"]["hooks_pending"] == 0))

    def test_reload_waits_for_the_lock_not_the_loop(self):
        self.srv.set_feed("s", items=[{"guid": "1", "title": "one"}])
        self.srv.set_feed("n", items=[{"guid": "n1", "title": "new one"}])
        conf = CONF.format(url=self.srv.url("/feed/s"))
        self.d = Feedd(conf)
        self.assertTrue(wait_until(lambda: len(self.items()) == 1), self.d.read_log())
        self.d.write_config(conf + "[feed n]\nurl = %s\n" % self.srv.url("/feed/n"))
        db = sqlite3.connect(os.path.join(self.d.state_dir, "feedd.db"),
                             isolation_level=None, timeout=10)
        db.execute("BEGIN IMMEDIATE")
        reloaded = {}

        def reload():
            reloaded["r"] = self.d.post("/v1/reload", timeout=60)

        t = threading.Thread(target=reload)
        try:
            t.start()
            time.sleep(0.5)   # the reload is in the daemon by now
            # Recording the new feed set (a write) waits for the lock on
            # the store thread; the loop answers meanwhile (a loop waiting
            # on the lock would answer none of these before it went).
            for _ in range(5):
                self.assertEqual(self.d.get("/v1/status", timeout=3).status, 200)
                self.assertEqual([f["name"] for f in
                                  self.d.get("/v1/feeds", timeout=3).json()["feeds"]], ["s"])
            # Another reload meanwhile is told to come back.
            self.assertEqual(self.d.post("/v1/reload", timeout=3).status, 409)
            self.assertTrue(t.is_alive(), "the reload was answered while the lock was held")
        finally:
            db.execute("COMMIT")
            db.close()
        t.join(60)
        self.assertEqual(reloaded["r"].status, 200, reloaded["r"].body)
        self.assertEqual(reloaded["r"].json()["feeds"], 2)
        self.assertEqual(sorted(f["name"] for f in self.d.get("/v1/feeds").json()["feeds"]),
                         ["n", "s"])
        # The new feed is fetched.
        self.assertTrue(wait_until(lambda: len(self.items()) == 2, timeout=20),
                        self.d.read_log())

    def hook_gone(self, started):
        """The hook's shell has exited (no process has it as argument)."""
        for pid in os.listdir("/proc"):
            if not pid.isdigit():
                continue
            try:
                with open("/proc/%s/cmdline" % pid, "rb") as f:
                    if started.encode() in f.read():
                        return False
            except OSError:
                pass
        return True


if __name__ == "__main__":
    unittest.main()
