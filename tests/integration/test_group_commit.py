"""The store thread's group commit and the 304 that writes nothing (issue
23, points 1 and 2), with the real daemon, a real SQLite file and the
loopback fixture server:

- feedd killed with SIGKILL in the middle of a cold refresh of many feeds:
  in the file, no feed's validators are ahead of its items (a feed has its
  ETag exactly when it has all its items) and every stored item was
  announced once; after a restart the feeds whose commit was lost are
  fetched again in full (no If-None-Match), and in the end a consumer has
  been handed every item exactly once;
- a round of 304s costs no write transaction per feed (the bytes feedd
  writes stay far below one WAL page per feed), /v1/feeds shows the new
  counters at once, and a shutdown writes them to the file."""
import os
import signal
import sqlite3
import time
import unittest

from harness import SLOW, DaemonTestCase, Feedd, wait_until

HEAD = """[daemon]
host_gap = 0s
per_host = 64
max_fetches = 64
[defaults]
interval = 1h
min_interval = 1s
allow_private = yes
"""

ITEMS = 20


def conf(srv, names):
    return HEAD + "".join("[feed %s]\nurl = %s\n" % (n, srv.url("/feed/" + n)) for n in names)


def items(name):
    return [{"guid": "%s-%d" % (name, i), "title": "%s item %d" % (name, i),
             "link": "http://example.org/%s/%d" % (name, i),
             "description": "x" * 300} for i in range(ITEMS)]


def db_rows(path, sql):
    db = sqlite3.connect("file:%s?mode=ro" % path, uri=True, timeout=10)
    try:
        return db.execute(sql).fetchall()
    finally:
        db.close()


def wchar(pid):
    with open("/proc/%d/io" % pid) as f:
        for line in f:
            if line.startswith("wchar:"):
                return int(line.split()[1])
    raise AssertionError("no wchar in /proc/%d/io" % pid)


class GroupCommit(DaemonTestCase):
    def consume(self, seen, pages=None):
        """Reads and acknowledges what consumer c has not seen yet."""
        while pages is None or pages > 0:
            pages = None if pages is None else pages - 1
            j = self.d.get("/v1/consumers/c/items?limit=1000").json()
            got = j["items"]
            if not got:
                return
            for it in got:
                seen.append((it["feed"], it["guid"]))
            self.d.post("/v1/consumers/c/ack?upto=%d" % got[-1]["id"])

    def check_file(self, db):
        """Validators never ahead of items; every item announced once."""
        feeds = db_rows(db, "SELECT f.name, f.etag, (SELECT count(*) FROM items i"
                            " WHERE i.feed = f.id) FROM feeds f")
        for name, etag, n in feeds:
            self.assertIn(n, (0, ITEMS), name)
            self.assertEqual(etag is not None, n == ITEMS, (name, etag, n))
        announced = db_rows(db, "SELECT item_id, count(*) FROM events WHERE type = 'item.new'"
                                " GROUP BY item_id HAVING count(*) > 1")
        self.assertEqual(announced, [])
        missing = db_rows(db, "SELECT count(*) FROM items i WHERE NOT EXISTS (SELECT 1"
                              " FROM events e WHERE e.item_id = i.id AND e.type = 'item.new')")
        self.assertEqual(missing, [(0,)])
        return {name for name, etag, n in feeds if etag is None}

    def test_kill_in_the_middle_of_a_cold_refresh(self):
        names = ["f%03d" % i for i in range(400)]
        for n in names:
            self.srv.set_feed(n, items=items(n))
        self.d = Feedd(conf(self.srv, names), start=False)
        self.d.start()
        db = os.path.join(self.d.state_dir, "feedd.db")
        seen = []
        self.d.get("/v1/consumers/c/items?limit=1")   # the consumer, from the start

        def some_stored():
            try:
                return db_rows(db, "SELECT count(*) FROM feeds WHERE etag IS NOT NULL")[0][0] >= 2
            except sqlite3.Error:
                return False
        self.assertTrue(wait_until(some_stored, 60 * SLOW, 0.005))
        self.consume(seen, pages=1)
        self.d.proc.send_signal(signal.SIGKILL)
        self.d.proc.wait()
        self.d.kill()

        lost = self.check_file(db)
        self.assertTrue(lost, "the kill came after every feed was stored")
        stored = set(names) - lost
        self.srv.clear_log()
        self.d.start()

        def all_stored():
            return db_rows(db, "SELECT count(*) FROM feeds WHERE etag IS NOT NULL")[0][0] == \
                len(names)
        self.assertTrue(wait_until(all_stored, 120 * SLOW, 0.1))
        self.check_file(db)
        # The feeds whose commit was lost: fetched again, in full; the others
        # are not due (interval 1h).
        log = self.srv.log("/feed/")
        asked = {e["path"].rsplit("/", 1)[1]: e for e in log}
        for n in lost:
            self.assertIn(n, asked)
            self.assertNotIn("if-none-match", asked[n]["headers"], n)
        self.assertFalse(stored & set(asked), "stored feeds fetched again")
        self.consume(seen)
        self.assertEqual(len(seen), len(set(seen)), "an item handed out twice")
        self.assertEqual(len(seen), len(names) * ITEMS)

    def test_a_304_writes_nothing_until_the_flush(self):
        self.a_304_writes_nothing(True)

    def test_a_304_with_its_etag_strong_writes_nothing(self):
        """nginx with gzip: W/"x" with the 200, "x" with the 304 that answers
        it. The same version (a weak comparison): the feed's row says so
        already, and keeps the ETag it had."""
        self.a_304_writes_nothing("weak")

    def a_304_writes_nothing(self, etag):
        names = ["n%02d" % i for i in range(60)]
        for n in names:
            self.srv.set_feed(n, items=items(n), etag=etag)
        self.d = Feedd(conf(self.srv, names))
        db = os.path.join(self.d.state_dir, "feedd.db")
        self.assertTrue(wait_until(lambda: db_rows(
            db, "SELECT count(*) FROM feeds WHERE n_200 = 1")[0][0] == len(names), 60 * SLOW))
        time.sleep(0.5)
        before = wchar(self.d.proc.pid)
        # Small requests and answers, so that the store's writes would show.
        for n in names:
            self.assertEqual(self.d.post("/v1/feeds/%s/refresh" % n).status, 202)
        self.assertTrue(wait_until(lambda: self.d.get("/v1/status").json()["fetches"]
                                   ["not_modified"] == len(names), 60 * SLOW, 0.2))
        per_feed = (wchar(self.d.proc.pid) - before) / len(names)
        # A write transaction per 304 wrote at least a 16 KiB page of the
        # feeds table to the WAL; what is left is the requests, the API's
        # answers and the log lines (about 500 bytes).
        self.assertLess(per_feed, 4096, "bytes written per 304")
        feeds = {f["name"]: f for f in self.d.get("/v1/feeds").json()["feeds"]}
        for n in names:
            self.assertEqual(feeds[n]["counters"]["not_modified"], 1, n)
            self.assertEqual(feeds[n]["last_status"], 304, n)
        self.assertEqual(self.d.stop(), 0)
        rows = db_rows(db, "SELECT name, n_304, n_requests, last_status, etag FROM feeds")
        for name, n304, nreq, status, tag in rows:
            self.assertEqual((n304, nreq, status), (1, 2, 304), name)
            self.assertIsNotNone(tag, name)
            self.assertEqual(tag.startswith('W/'), etag == "weak", name)


if __name__ == "__main__":
    unittest.main()
