"""test_pg_idle_tx.py — an instance paused inside its commit does not hold
the other instances of a shared PostgreSQL store up for longer than
idle_in_transaction_session_timeout (commit 79efc7a: every feedd session
sets it to 30 s), and once it goes on it does its work again: nothing
lost, nothing stored or announced twice.

Instance A is stopped (SIGSTOP) in the middle of a commit, holding the
writers' advisory lock: another session holds the row of A's feed, A's
commit waits for it, A is stopped, the row is let go, and A's transaction
sits idle. Instance B's commits wait for the lock until the server ends
A's transaction, 30 s later. The 30 s is feedd's own setting, not a
configurable one (a shorter one set for the test would not show that feedd
sets it at all), so this test takes about 40 s. A limit the operator set
on the database is kept instead (6 s in the second test: feedd's 30 s
would fail it).

Needs FEEDD_TEST_STORE, a postgresql:// URI of a database where this test
may create and drop its own (tests/CMakeLists.txt runs it as pg.idle_tx on
the throw-away cluster of tests/pg_cluster.sh); skipped without it.
"""

import signal
import time
import unittest

from harness import Feedd, wait_until
from pgstore import PG, Session, SharedStoreTest, psql

IDLE_TIMEOUT = 30   # store/pg/pg_conn.c, PG_SESSION
OPERATOR_TIMEOUT = 6
MARGIN = 8          # B's next fetch (every second) and commit, on a loaded machine


@unittest.skipUnless(PG.startswith("postgresql://"), "FEEDD_TEST_STORE names no PostgreSQL")
class PausedInCommit(SharedStoreTest):
    TAG = "idletx"

    def q(self, sql):
        return psql(self.uri, sql)

    def stored(self):
        return sorted(self.q("SELECT guid FROM items").split())

    def backend(self, pid, col):
        return self.q("SELECT coalesce(max(%s), '') FROM pg_stat_activity WHERE pid = %d"
                      % (col, pid))

    def test_paused_commit_ends_after_the_timeout(self):
        self.paused(IDLE_TIMEOUT)

    def test_the_operators_timeout_is_kept(self):
        # A limit set on the database (as on a role, or in the URI's
        # options) is the operator's: feedd sets its own only where there
        # is none.
        psql(PG, "ALTER DATABASE %s SET idle_in_transaction_session_timeout = '%ds'"
             % (self.db, OPERATOR_TIMEOUT))
        self.paused(OPERATOR_TIMEOUT)

    def paused(self, idle_timeout):
        # A fetches f (slowly: the row lock is taken meanwhile), B fetches
        # g every second; neither fetches the other's feed.
        f_items = [{"guid": "f1", "title": "f one"}, {"guid": "f2", "title": "f two"}]
        g_items = [{"guid": "g1", "title": "g one"}]
        # f answers slowly: the row lock must be taken before A commits,
        # by a psql that starts meanwhile on a loaded machine.
        self.srv.set_feed("f", items=f_items, delay=6)
        self.srv.set_feed("g", items=g_items)
        feeds = {"f": "[feed f]\nurl = %s\ninterval = 1h\nmin_interval = 1s\n"
                      % self.srv.url("/feed/f"),
                 "g": "[feed g]\nurl = %s\ninterval = 1s\nmin_interval = 1s\n"
                      % self.srv.url("/feed/g")}
        for mine in "fg":
            conf = ("[daemon]\nstore = %s\nhost_gap = 0s\n\n[defaults]\nallow_private = yes\n\n"
                    % self.uri)
            conf += "".join(feeds[n] + ("" if n == mine else "enabled = no\n") + "\n"
                            for n in "fg")
            self.d.append(Feedd(conf, start=False))
        for d in self.d:
            d.start(wait_ready=False)
        for d in self.d:
            self.assertTrue(d.wait_ready(), self.logs())
        a, b = self.d

        # A's request for f is under way: another session takes f's row,
        # and A's commit, once it has the writers' lock, waits for the row.
        self.assertTrue(wait_until(lambda: self.srv.log("/feed/f"), timeout=10), self.logs())
        self.locker = Session(self.uri, "idletx-locker")
        self.locker.send("SET idle_in_transaction_session_timeout = 0;"
                         " BEGIN; SELECT 1 FROM feeds WHERE name = 'f' FOR UPDATE;")
        self.locker.wait_state("idle in transaction")
        self.assertNotIn("f1", self.stored(), "f was committed before its row was taken")
        waiting = lambda: self.q(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
            " AND wait_event_type = 'Lock' AND wait_event <> 'advisory'"
            " AND query LIKE 'UPDATE feeds%'")
        pid = wait_until(waiting, timeout=15)
        self.assertTrue(pid, "A's commit did not wait for f's row:\n" + self.logs())
        pid = int(pid)
        # A stops; the row is let go: A's transaction, which holds the
        # writers' lock, sits idle.
        a.signal(signal.SIGSTOP)
        self.locker.send("COMMIT;")
        self.locker.close()
        self.locker = None
        self.assertTrue(wait_until(lambda: self.backend(pid, "state") == "idle in transaction",
                                   timeout=10), self.backend(pid, "state"))
        t_idle = time.monotonic()
        self.assertEqual(self.q("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'"
                                " AND granted AND pid = %d" % pid), "1")

        # B has news, and its commit waits for the lock A holds.
        g_items.insert(0, {"guid": "g2", "title": "g two"})
        self.srv.set_feed("g", items=g_items)
        n_g = len(self.srv.log("/feed/g"))
        self.assertTrue(wait_until(lambda: self.q(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
            " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())")
            == "1", timeout=5), "B's commit did not wait for A's lock:\n" + self.logs())
        self.assertNotIn("g2", self.stored())

        # The server ends A's transaction after the timeout; B commits then.
        self.assertTrue(wait_until(lambda: "g2" in self.stored(),
                                   timeout=idle_timeout + MARGIN, interval=0.25),
                        "B's commit still waits %.0f s after A's transaction went idle;"
                        " A's backend: %s" % (time.monotonic() - t_idle,
                                              self.backend(pid, "state")))
        held = time.monotonic() - t_idle
        self.assertGreater(held, idle_timeout - 5, "B committed before A's lock was gone")
        self.assertEqual(self.backend(pid, "state"), "", "A's backend is still there")
        self.assertGreater(len(self.srv.log("/feed/g")), n_g)

        # A goes on: its commit failed with the connection; it reconnects,
        # fetches f again and stores its items, once.
        self.srv.set_feed("f", delay=0)
        a.signal(signal.SIGCONT)
        self.assertTrue(wait_until(lambda: {"f1", "f2"} <= set(self.stored()), timeout=20),
                        "A did not store f after it went on:\n" + self.logs())
        self.assertIn("idle-in-transaction timeout", a.read_log())
        time.sleep(2)   # and does not store or announce anything again
        self.assertEqual(self.stored(), ["f1", "f2", "g1", "g2"])
        self.assertEqual(self.q("SELECT count(*), count(DISTINCT item_id) FROM events"
                                " WHERE type = 'item.new'"), "4|4")
        for d in self.d:
            got = d.get("/v1/items?after=0").json()["items"]
            self.assertEqual(sorted(i["guid"] for i in got), ["f1", "f2", "g1", "g2"])
        print("B waited %.1f s for the lock of the stopped instance" % held)


if __name__ == "__main__":
    unittest.main()
