"""test_pg_claim_queue.py — a claim that waited in the store queue longer
than a lease still gets a whole lease (commit 550c1ed): two feedd
instances on one PostgreSQL store, both store threads held behind a commit
that waits for the writers' advisory lock (another session holds it) while
shared feeds come due; once the lock is gone, each feed is fetched by one
instance, not by both within one interval.

The claim used to date its lease from when the loop queued it: after the
wait the lease was already over, the other instance's next claim (a fresh
one, half a lease later) found it expired and fetched the feed while the
first fetch was still under way.

Needs FEEDD_TEST_STORE, a postgresql:// URI of a database where this test
may create and drop its own (tests/CMakeLists.txt runs it as
pg.claim_queue on the throw-away cluster of tests/pg_cluster.sh); skipped
without it.
"""

import collections
import time
import unittest

from harness import Feedd, wait_until
from pgstore import PG, Session, SharedStoreTest, psql

# The writers' advisory lock (store/pg/pg_conn.c, PG_WRITE_LOCK).
WRITE_LOCK = 7378420460
LEASE = 8           # a claim busy elsewhere is tried again after LEASE / 2
FETCH = 6           # a shared feed's answer takes this long: past LEASE / 2,
                    # short of LEASE, with two seconds of room each way
INTERVAL = 12       # the shared feeds' interval = min = max: no jitter
SHARED = ["x%d" % i for i in range(4)]


@unittest.skipUnless(PG.startswith("postgresql://"), "FEEDD_TEST_STORE names no PostgreSQL")
class ClaimAfterQueue(SharedStoreTest):
    TAG = "claimq"

    def shared_state(self):
        """{feed: (last_fetch, next_due, lease_owner)} of the shared feeds."""
        rows = [r.split("|") for r in psql(
            self.uri, "SELECT name, last_fetch, next_due, coalesce(lease_owner, '') FROM feeds"
            " WHERE name LIKE 'x%'").splitlines()]
        return {r[0]: (int(r[1]), int(r[2]), r[3]) for r in rows}

    def waiting_for_lock(self):
        return int(psql(self.uri, "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'"
                        " AND NOT granted AND database = (SELECT oid FROM pg_database"
                        " WHERE datname = current_database())"))

    def test_no_feed_fetched_twice_after_a_blocked_commit(self):
        # Each instance has a feed of its own, fetched every second, so
        # that its store thread soon has a commit waiting for the lock;
        # the shared feeds are every instance's.
        for name in ["a", "b"] + SHARED:
            self.srv.set_feed(name, items=[{"guid": name + "-1", "title": "one of " + name}])
        shared = "".join("[feed %s]\nurl = %s\ninterval = %ds\nmin_interval = %ds\n"
                         "max_interval = %ds\n\n" % (n, self.srv.url("/feed/" + n),
                                                     INTERVAL, INTERVAL, INTERVAL)
                         for n in SHARED)
        for who in "ab":
            own = "".join("[feed %s]\nurl = %s\ninterval = 1s\nmin_interval = 1s\n%s\n"
                          % (n, self.srv.url("/feed/" + n), "" if n == who else "enabled = no\n")
                          for n in "ab")
            conf = ("[daemon]\nstore = %s\nlease = %ds\nper_host = 20\nhost_gap = 0s\n"
                    "user_agent = instance-%s\n\n[defaults]\nallow_private = yes\n\n"
                    % (self.uri, LEASE, who)) + own + shared
            self.d.append(Feedd(conf, start=False))
        for d in self.d:
            d.start(wait_ready=False)
        for d in self.d:
            self.assertTrue(d.wait_ready(), self.logs())

        # The shared feeds fetched once and committed; both instances know
        # their next due times (the loser of each first claim learns them
        # when it tries again, half a lease later).
        done = lambda: (len(self.shared_state()) == len(SHARED) and
                        all(fetched and not owner
                            for fetched, _, owner in self.shared_state().values()))
        self.assertTrue(wait_until(done, timeout=20), self.logs())
        time.sleep(LEASE / 2 + 1)
        due = {n: v[1] for n, v in self.shared_state().items()}
        first, last = min(due.values()), max(due.values())
        self.assertGreater(first - time.time(), 3, "the shared feeds are due too soon to"
                           " block the stores before: %s" % due)
        for n in SHARED:
            self.srv.set_feed(n, delay=FETCH)
        time.sleep(max(0, first - 3 - time.time()))

        # Another session takes the writers' lock before the shared feeds
        # are due: each instance's next commit (of its own feed) waits for
        # it, and every claim after it waits in the instance's store queue.
        self.locker = Session(self.uri, "claimq-locker")
        self.locker.send("SELECT pg_advisory_lock(%d);" % WRITE_LOCK)
        t_lock = time.time()
        blocked = wait_until(lambda: self.waiting_for_lock() == 2, timeout=first -
                             time.time() - 0.5, interval=0.1)
        self.assertTrue(blocked and time.time() < first, "both instances' commits did not"
                        " wait for the lock before the shared feeds were due:\n" + self.logs())
        n_before = len(self.srv.log("/feed/x"))
        # Held past the last due time by more than a lease.
        release = last + LEASE + 1
        time.sleep(max(0, release - time.time()))
        self.assertEqual(len(self.srv.log("/feed/x")), n_before,
                         "a shared feed was fetched while both stores were blocked")
        self.locker.send("SELECT pg_advisory_unlock(%d);" % WRITE_LOCK)
        t_release = time.time()

        # Each shared feed is fetched once now, by one instance; the other
        # instance's claims find it leased (tried again half a lease
        # later), then fetched (at the lease's end). Wait for all of them,
        # and past that end, by when their commits are in too.
        self.assertTrue(wait_until(lambda: {e["path"] for e in self.srv.log("/feed/x")
                                            if e["time"] > t_release} ==
                                   {"/feed/" + n for n in SHARED}, timeout=10),
                        "not every shared feed was fetched after the lock was released:\n"
                        + self.logs())
        time.sleep(max(0, t_release + LEASE + 2 - time.time()))
        by_feed = collections.defaultdict(list)
        for e in self.srv.log("/feed/x"):
            by_feed[e["path"]].append((e["time"], e["headers"].get("user-agent", "")))
        twice = {}
        for path, reqs in sorted(by_feed.items()):
            reqs.sort()
            for (t0, ua0), (t1, ua1) in zip(reqs, reqs[1:]):
                if t1 - t0 < INTERVAL - 1:
                    twice[path] = ["%s at +%.1f s" % (ua, t - t_release)
                                   for t, ua in ((t0, ua0), (t1, ua1))]
        self.assertEqual(twice, {}, "feeds fetched twice within their interval of %d s"
                         " (times from the lock's release)" % INTERVAL)
        # Nothing stored twice either way.
        n = 2 + len(SHARED)
        self.assertEqual(psql(self.uri, "SELECT count(*), count(DISTINCT (feed, ikey))"
                              " FROM items"), "%d|%d" % (n, n))
        print("lock held %.1f s; shared feeds due %.1f..%.1f s into it"
              % (t_release - t_lock, first - t_lock, last - t_lock))


if __name__ == "__main__":
    unittest.main()
