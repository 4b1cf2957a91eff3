"""test_pg_full_disk.py — a full disk in the middle of a group commit on
PostgreSQL (issue 23, "How it is measured"): the real daemon, the ctest
fixture's cluster (FEEDD_TEST_STORE), the loopback fixture server.

feedd's items table (with its TOAST table; its indexes stay where they
were) is moved to a tablespace on a small tmpfs, which is then filled
but for a little room. A lock held by another session on the items table
keeps the store thread in the commit of a first feed (the gate) while
four more feeds are fetched: three small documents and a big one
(incompressible text), whose commits queue behind the gate's and go into
the next batch together, the big one last (or first, in the second test).
Its items cannot be written ("could not extend file": No space left on
device); the others can. The server's statement log must show the batch:
one transaction, a savepoint each, the big one's rolled back. Then:

- the big feed's state says the store refused the commit (API, feedctl,
  log), and /v1/status counts the refusal;
- the three small feeds of the same batch are stored, with their
  validators (or, in the second test, refused and said so if the big
  one left them no room);
- what was stored before is all there, under the same ids;
- no feed's validators are ahead of its items: the big feed keeps no
  ETag of the document it could not store, and its next request is
  unconditional;
- once there is room again, the big feed's items arrive, once each, and
  a consumer is handed every item of every feed exactly once.

The tablespace and the mount go in tearDown, whatever happened."""
import hashlib
import os
import pwd
import random
import shutil
import string
import subprocess
import tempfile
import time
import unittest
import urllib.parse

from fixture_server import FixtureServer, render_rss
from harness import SLOW, Feedd, fill_disk, wait_until
from pgstore import PG, psql

HEAD = """[daemon]
store = %s
host_gap = 0s
per_host = 16
[defaults]
interval = 1h
min_interval = 1s
allow_private = yes
"""

SMALL = ["s0", "s1", "s2"]
BIG = "big"
GATE = "gate"
NBIG = 48          # items of the big document, about 6 KB of text each
ROOM = 160 * 1024  # what the tablespace's file system keeps free


def small_items(name, lo, hi):
    return [{"guid": "%s-%d" % (name, i), "title": "%s %d" % (name, i),
             "link": "http://example.org/%s/%d" % (name, i)} for i in range(lo, hi)]


def big_items():
    rnd = random.Random(23)
    alnum = string.ascii_letters + string.digits

    def text():
        return " ".join("".join(rnd.choice(alnum) for _ in range(11)) for _ in range(500))
    return [{"guid": "huge-%d" % i, "title": "huge %d" % i,
             "link": "http://example.org/huge/%d" % i, "description": text()}
            for i in range(NBIG)]


def etag_of(name, items):
    """The fixture server's ETag for NAME serving ITEMS."""
    return '"%s"' % hashlib.sha1(render_rss(name, items)).hexdigest()[:16]


class FullDiskInABatch(unittest.TestCase):

    def setUp(self):
        if not PG.startswith("postgresql://"):
            raise AssertionError("FEEDD_TEST_STORE names no PostgreSQL server "
                                 "(run as ctest -R pg.full_disk)")
        self.tag = "%d_%d" % (os.getpid(), int(time.time() * 1000) % 100000)
        self.db = "feedd_full_" + self.tag
        self.ts = "feedd_full_" + self.tag
        self.d = None
        self.lock = None
        self.mounted = False
        self.ts_made = False
        self.tmp = tempfile.mkdtemp(prefix="fpgfull-", dir="/tmp")
        os.chmod(self.tmp, 0o755)   # the server (user postgres) reaches the mount
        self.mnt = os.path.join(self.tmp, "ts")
        os.mkdir(self.mnt)
        self.srv = FixtureServer().start()
        pg = pwd.getpwnam("postgres")
        subprocess.run(["mount", "-t", "tmpfs", "-o",
                        "size=4m,mode=0700,uid=%d,gid=%d" % (pg.pw_uid, pg.pw_gid),
                        "feedd-pg-full", self.mnt], check=True)
        self.mounted = True
        psql(PG, "CREATE TABLESPACE %s LOCATION '%s'" % (self.ts, self.mnt))
        self.ts_made = True
        psql(PG, "CREATE DATABASE %s" % self.db)
        # This database's statements in the server's log (without their
        # parameters: the big document's arrays), to see the batch.
        psql(PG, "ALTER DATABASE %s SET log_statement = 'all'" % self.db)
        psql(PG, "ALTER DATABASE %s SET log_parameter_max_length = 0" % self.db)
        host = urllib.parse.parse_qs(urllib.parse.urlsplit(PG).query)["host"][0]
        self.server_log = os.path.join(host, "server.log")
        self.uri = PG + ("&" if "?" in PG else "?") + "dbname=" + self.db

    def tearDown(self):
        if self.lock and self.lock.poll() is None:
            self.lock.kill()
            self.lock.wait()
        if self.d:
            if self.d.proc and self.d.proc.poll() is None:
                self.d.stop()
            self.d.cleanup()
        self.srv.stop()
        try:
            psql(PG, "DROP DATABASE IF EXISTS %s WITH (FORCE)" % self.db)
        finally:
            try:
                if self.ts_made:
                    psql(PG, "DROP TABLESPACE IF EXISTS %s" % self.ts)
            finally:
                if self.mounted and subprocess.run(["umount", self.mnt]).returncode != 0:
                    subprocess.run(["umount", "-l", self.mnt])
                shutil.rmtree(self.tmp, ignore_errors=True)

    # --- helpers ---

    def logs(self):
        return self.d.read_log()[-8000:] if self.d else ""

    def feed(self, name):
        return self.d.get("/v1/feeds/%s" % name).json()

    def rows(self):
        """{(feed, guid): id} of the stored items."""
        out = {}
        for line in psql(self.uri, "SELECT f.name, i.guid, i.id FROM items i"
                         " JOIN feeds f ON f.id = i.feed").splitlines():
            name, guid, id_ = line.split("|")
            out[(name, guid)] = int(id_)
        return out

    def db_etags(self):
        return dict(l.split("|", 1) for l in psql(
            self.uri, "SELECT name, coalesce(etag, '') FROM feeds").splitlines())

    def consume(self, seen):
        while True:
            got = self.d.get("/v1/consumers/c/items?limit=1000").json()["items"]
            if not got:
                return
            seen.extend((it["feed"], it["guid"]) for it in got)
            self.d.post("/v1/consumers/c/ack?upto=%d" % got[-1]["id"])

    def hold_items_lock(self):
        """Another session holds a SHARE lock on items: feedd's inserts wait."""
        self.lock = subprocess.Popen(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", self.uri],
                                     stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE, text=True)
        self.lock.stdin.write("BEGIN;\nLOCK TABLE items IN SHARE MODE;\n")
        self.lock.stdin.flush()
        self.assertTrue(wait_until(lambda: psql(
            self.uri, "SELECT count(*) FROM pg_locks WHERE relation = 'items'::regclass"
            " AND mode = 'ShareLock' AND granted") == "1", timeout=10))

    def statements(self, pid, offset):
        """The statements backend PID ran, from OFFSET of the server's log."""
        with open(self.server_log, "rb") as f:
            f.seek(offset)
            text = f.read().decode("utf-8", "replace")
        mark = "[%d] LOG:  statement: " % pid
        return [l.split(mark, 1)[1] for l in text.splitlines() if mark in l]

    def release_items_lock(self):
        self.lock.stdin.write("COMMIT;\n")
        self.lock.stdin.close()
        self.assertEqual(self.lock.wait(timeout=10), 0, self.lock.stderr.read())

    # --- the tests ---

    def test_full_disk_at_the_end_of_a_batch(self):
        """The big document last: the three before it are stored."""
        self.full_disk_in_a_batch(big_first=False)

    def test_full_disk_at_the_start_of_a_batch(self):
        """The big document first: the batch goes on after its savepoint
        is rolled back. The room its rolled-back rows took is not given
        back (the file stays as long until a vacuum), so a small one after
        it might find none: whichever cannot be written must be refused
        and say so, the others stored. (On PostgreSQL 15 all three are
        stored; committed one by one, as when the batch is lost, they are
        not.) Nothing is lost either way."""
        self.full_disk_in_a_batch(big_first=True)

    def full_disk_in_a_batch(self, big_first):
        names = [GATE] + SMALL + [BIG]
        docs = {n: small_items(n, 0, 3) for n in names}
        for n in names:
            self.srv.set_feed(n, items=docs[n])
        conf = HEAD % self.uri + "".join(
            "[feed %s]\nurl = %s\n" % (n, self.srv.url("/feed/" + n)) for n in names)
        self.d = Feedd(conf)
        self.d.get("/v1/consumers/c/items?limit=1")   # the consumer, from the start
        self.assertTrue(wait_until(lambda: all(self.feed(n).get("items") == 3 for n in names),
                                   timeout=20 * SLOW), self.logs())
        before = self.rows()
        self.assertEqual(len(before), 15)
        for n in names:
            self.assertEqual(self.db_etags()[n], etag_of(n, docs[n]), n)

        # The items (and their TOAST table) to the small file system, then
        # all of it taken but ROOM.
        psql(self.uri, "SET lock_timeout = '10s'; ALTER TABLE items SET TABLESPACE %s"
             % self.ts)
        self.assertEqual(psql(self.uri, "SELECT t.spcname FROM pg_class c JOIN pg_tablespace t"
                              " ON t.oid = c.reltablespace WHERE c.relname = 'items'"),
                         self.ts)
        new = {GATE: small_items(GATE, 0, 4), BIG: docs[BIG] + big_items()}
        for n in SMALL:
            new[n] = small_items(n, 0, 6)
        # The gate answers first; then the small ones and the big one, in
        # the order of the batch.
        delay = {GATE: 0.2, BIG: 0.8 if big_first else 1.3}
        for n in names:
            self.srv.set_feed(n, items=new[n], delay=delay.get(n, 1.3 if big_first else 0.8))
        filler = os.path.join(self.mnt, "filler")
        fill_disk(filler, ROOM)
        self.srv.clear_log()

        self.hold_items_lock()
        t_lock = time.time()
        for n in names:
            self.assertEqual(self.d.post("/v1/feeds/%s/refresh" % n).status, 202)
        # The gate's commit waits for the lock, on the store thread...
        waiting = wait_until(lambda: psql(
            self.uri, "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
            " AND wait_event_type = 'Lock'"), timeout=10)
        self.assertTrue(waiting, self.logs())
        store_pid = int(waiting)
        # ...while the other four are fetched, their commits queued behind it.
        self.assertTrue(wait_until(lambda: len([e for e in self.srv.log("/feed/")
                                                if "end" in e]) == 5, timeout=10),
                        self.srv.log())
        time.sleep(0.5 * SLOW)   # parsed and queued by now
        self.assertEqual(self.rows(), before)
        offset = os.path.getsize(self.server_log)
        log_at = len(self.d.read_log())
        self.release_items_lock()
        t_release = time.time()
        self.assertTrue(self.d.wait_log("fetch %s: error: store refused the commit" % BIG,
                                        timeout=20 * SLOW), self.logs())
        # The batch's other feeds are done too, stored or refused.
        self.assertTrue(wait_until(lambda: (lambda tail: all(
            "fetch %s: 200," % n in tail or "fetch %s: error: " % n in tail
            for n in SMALL))(self.d.read_log()[log_at:]), timeout=5), self.logs())

        # The big feed: refused, and said so.
        b = self.feed(BIG)
        self.assertIn("store refused the commit", b["last_error"] or "", b)
        self.assertIn("No space left on device", b["last_error"], b)
        self.assertGreaterEqual(b["failures"], 1, b)
        self.assertEqual(b["items"], 3, b)
        out = self.d.feedctl("feed", BIG)
        self.assertIn(b"No space left on device", out.stdout, out)
        st = self.d.get("/v1/status").json()
        self.assertGreaterEqual(st["store"]["commits_refused"], 1, st)
        log = self.d.read_log()
        self.assertIn("could not extend file", log)
        # One batch, a savepoint each: the batch was not lost and redone
        # one by one. The store thread's connection (the one that waited)
        # ran the gate's commit alone, then the four in one transaction: a
        # savepoint each, the big one's rolled back, then the COMMIT.
        self.assertNotIn("committing them one by one", log)
        sql = self.statements(store_pid, offset)
        first = [i for i, q in enumerate(sql) if q.startswith("SAVEPOINT")][:1]
        self.assertTrue(first, sql)
        batch = sql[first[0]:]
        batch = batch[:[i for i, q in enumerate(batch) if "COMMIT" in q][0] + 1]
        ends = [q for q in batch if "one_fetch" in q or "COMMIT" in q]
        rolled = "ROLLBACK TO one_fetch; RELEASE one_fetch"
        self.assertEqual(ends[::2], ["SAVEPOINT one_fetch"] * 4 + [batch[-1]], sql)
        self.assertEqual(ends[7 if not big_first else 1], rolled, sql)
        refused = {n for i, n in enumerate(SMALL) if
                   ends[2 * i + (3 if big_first else 1)] == rolled}
        if not big_first:
            self.assertEqual(refused, set())
        rows = self.rows()
        etags = self.db_etags()
        for n in [GATE] + SMALL:
            f = self.feed(n)
            if n in refused:
                # Refused too, and said so; as before, validators included.
                self.assertIn("No space left on device", f["last_error"] or "", (n, f))
                self.assertEqual(f["items"], 3, (n, f))
                self.assertNotEqual(etags[n], etag_of(n, new[n]), n)
            else:
                # Stored, validators with their items.
                self.assertEqual((f["items"], f["last_error"]), (len(new[n]), None), (n, f))
                self.assertTrue(all((n, it["guid"]) in rows for it in new[n]), n)
                self.assertEqual(etags[n], etag_of(n, new[n]), n)
        # The big feed's row keeps no validator of the document it lacks.
        self.assertNotEqual(etags[BIG], etag_of(BIG, new[BIG]))
        self.assertEqual(len([k for k in rows if k[0] == BIG]), 3)
        # Nothing stored before is lost, nor renumbered.
        self.assertEqual({k: rows[k] for k in before}, before)
        # The four were fetched before the lock went, so that their commits
        # were queued behind the gate's.
        served = {}
        for e in self.srv.log("/feed/"):
            served.setdefault(e["path"].rsplit("/", 1)[1], e)
        for n in SMALL + [BIG]:
            self.assertTrue(t_lock < served[n]["end"] < t_release, (n, served[n]))

        # A refused feed's next request (a retry, within seconds) is
        # unconditional.
        for n in refused | {BIG}:
            asked = wait_until(lambda: (lambda got: got if len(got) >= 2 else None)(
                self.srv.log("/feed/" + n)), timeout=15 * SLOW)
            self.assertTrue(asked, (n, self.logs()))
            self.assertNotIn("if-none-match", asked[1]["headers"], n)
            self.assertNotIn("if-modified-since", asked[1]["headers"], n)

        # Room again: the refused feeds' items arrive, once each.
        os.unlink(filler)
        for n in refused | {BIG}:
            self.srv.set_feed(n, items=new[n], delay=0)
            self.d.post("/v1/feeds/%s/refresh" % n)
        self.assertTrue(wait_until(lambda: all(self.feed(n).get("items") == len(new[n])
                                               for n in names), timeout=30 * SLOW),
                        self.logs())
        etags = self.db_etags()
        for n in names:
            f = self.feed(n)
            self.assertIsNone(f["last_error"], f)
            self.assertEqual(etags[n], etag_of(n, new[n]), n)
        rows = self.rows()
        self.assertEqual({k: rows[k] for k in before}, before)
        total = sum(len(v) for v in new.values())
        self.assertEqual(len(rows), total)
        self.assertEqual(psql(self.uri, "SELECT count(*), count(DISTINCT (feed, ikey))"
                              " FROM items"), "%d|%d" % (total, total))
        self.assertEqual(psql(self.uri, "SELECT count(*), count(DISTINCT item_id) FROM events"
                              " WHERE type = 'item.new'"), "%d|%d" % (total, total))
        seen = []
        self.consume(seen)
        self.assertEqual(len(seen), len(set(seen)), "an item handed out twice")
        self.assertEqual(set(seen), set(rows))


if __name__ == "__main__":
    unittest.main()
