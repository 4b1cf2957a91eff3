"""test_pg_migrate.py — `feedd --migrate-store FROM TO` (issue 9): a SQLite
store made by the daemon is copied into PostgreSQL in batches; a copy
interrupted by a failing batch resumes where it stopped; the counts are
printed and match; ids, cursors, events and hook deliveries survive, so a
feedd started on the copy serves the same items and announces nothing
again; the copy keeps the source's key hash (FNV-1a here, the source made
as every store before the record was: docs/store.md, "Key versions"); a
target holding other data is refused.

Needs FEEDD_TEST_STORE (a postgresql:// URI where the test may create
databases); run as pg.migrate with the throw-away cluster.
"""

import os
import sqlite3
import subprocess
import unittest

from fixture_server import FixtureServer
from harness import FEEDD_BIN, Feedd, SLOW, wait_until

PG = os.environ.get("FEEDD_TEST_STORE", "")
NFEEDS = 5
NITEMS = 10


def psql(uri, sql):
    r = subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-At", uri, "-c", sql],
                       capture_output=True, text=True, timeout=60)
    if r.returncode != 0:
        raise AssertionError("psql %s: %s" % (sql, r.stderr))
    return r.stdout.strip()


def with_db(uri, db):
    return uri + ("&" if "?" in uri else "?") + "dbname=" + db


def migrate(src, dst, *extra):
    return subprocess.run([FEEDD_BIN, "--migrate-store", src, dst] + list(extra),
                          capture_output=True, text=True, timeout=120 * SLOW)


@unittest.skipUnless(PG.startswith("postgresql://"), "FEEDD_TEST_STORE names no PostgreSQL")
class Migrate(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.dbs = []
        cls.srv = FixtureServer().start()
        feeds = ""
        for n in range(NFEEDS):
            cls.srv.set_feed("m%d" % n, items=[
                {"guid": "m%d-%d" % (n, i), "title": "item %d of m%d" % (i, n),
                 "link": "http://example.org/m%d/%d" % (n, i)} for i in range(NITEMS)])
            feeds += "[feed m%d]\nurl = %s\ntags = t%d\n" % (n, cls.srv.url("/feed/m%d" % n), n)
            if n == 0:
                feeds += "exec = false\n"     # failing hook: deliveries stay pending
            feeds += "\n"
        cls.config = "[defaults]\ninterval = 1h\nallow_private = yes\n\n" + feeds
        # The source: a SQLite store the daemon made, hashing with FNV
        # (recorded so while it was empty) as every store before the record.
        d = cls.src = Feedd("[defaults]\ninterval = 1h\n")
        d.stop()
        with sqlite3.connect(os.path.join(d.state_dir, "feedd.db")) as db:
            db.execute("UPDATE store_meta SET value = 1 WHERE key = 'key_hash'")
        d.write_config(cls.config)
        d.start()
        ok = wait_until(lambda: len(d.get("/v1/items?limit=1000").json()["items"])
                        == NFEEDS * NITEMS, timeout=30)
        if not ok:
            raise AssertionError("source not filled; log:\n" + d.read_log())
        d.get("/v1/consumers/reader/items")
        d.post("/v1/consumers/reader/ack?upto=17")
        cls.items = d.get("/v1/items?limit=1000").json()["items"]
        cls.events = d.get("/v1/events?limit=1000").json()["events"]
        d.stop()
        cls.db_path = os.path.join(d.state_dir, "feedd.db")
        # Retention prunes once a minute: the tombstones it leaves are
        # written here as store_prune writes them, for a feed's old items.
        with sqlite3.connect(cls.db_path) as db:
            db.executemany("INSERT INTO tombstones(feed, ikey, canon_url, pruned)"
                           " VALUES (1, ?, NULL, 1700000000)",
                           [("gone-%d" % i,) for i in range(12)])

    @classmethod
    def tearDownClass(cls):
        cls.src.cleanup()
        cls.srv.stop()
        for db in cls.dbs:
            psql(PG, "DROP DATABASE IF EXISTS %s WITH (FORCE)" % db)

    def new_db(self, tag):
        db = "feedd_migrate_%s_%d" % (tag, os.getpid())
        psql(PG, "DROP DATABASE IF EXISTS %s WITH (FORCE)" % db)
        psql(PG, "CREATE DATABASE %s" % db)
        self.dbs.append(db)
        return with_db(PG, db)

    def counts(self, uri):
        return {t: int(psql(uri, "SELECT count(*) FROM %s" % t))
                for t in ("feeds", "feed_tags", "items", "tombstones", "consumers", "events",
                          "hook_deliveries")}

    def test_interrupted_copy_resumes_and_matches(self):
        uri = self.new_db("resume")
        # Make the schema exist (as feedd's own start would) so that a
        # trigger can fail one batch; the run that makes it copies nothing
        # because its source is an empty store.
        empty = os.path.join(self.src.dir, "empty.db")
        sqlite3.connect(self.db_path).execute("VACUUM INTO ?", (empty,)).close()
        with sqlite3.connect(empty) as db:
            for t in ("hook_deliveries", "events", "consumers", "tombstones", "items",
                      "feed_tags", "feeds"):
                db.execute("DELETE FROM %s" % t)
        r = migrate(empty, uri)
        self.assertEqual(r.returncode, 0, r.stderr)
        psql(uri, "DROP TABLE feedd_migration")
        psql(uri, "CREATE FUNCTION boom() RETURNS trigger LANGUAGE plpgsql AS $$"
             " BEGIN IF NEW.id = 30 THEN RAISE EXCEPTION 'interrupted at 30'; END IF;"
             " RETURN NEW; END $$")
        psql(uri, "CREATE TRIGGER boom BEFORE INSERT ON items FOR EACH ROW EXECUTE"
             " FUNCTION boom()")
        cut = migrate(self.db_path, uri, "--batch", "7")
        self.assertNotEqual(cut.returncode, 0, cut.stdout)
        self.assertIn("interrupted at 30", cut.stderr)
        # Whole batches only: ids 1..28 (four batches of 7) are in.
        self.assertEqual(psql(uri, "SELECT count(*), max(id) FROM items"), "28|28")
        psql(uri, "DROP TRIGGER boom ON items")
        again = migrate(self.db_path, uri, "--batch", "7")
        self.assertEqual(again.returncode, 0, again.stderr)
        self.assertIn("resuming", again.stdout)
        self.assertIn("done: the copy matches the source", again.stdout)
        self.assertNotIn("MISMATCH", again.stdout)
        src = sqlite3.connect(self.db_path)
        for t, n in self.counts(uri).items():
            self.assertEqual(n, src.execute("SELECT count(*) FROM %s" % t).fetchone()[0], t)
            self.assertGreater(n, 0, t)   # every kind of row was there to copy
            self.assertRegex(again.stdout, r"(?m)^%s\s+%d\s+%d$" % (t, n, n))
        src.close()
        self.assertEqual(int(psql(uri, "SELECT count(*) FROM tombstones")), 12)
        # Re-running a finished copy copies nothing and checks again.
        done = migrate(self.db_path, uri)
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertNotIn("rows copied", done.stdout)
        self.assertEqual(psql(uri, "SELECT value FROM store_meta WHERE key = 'key_hash'"), "1")

        # A feedd on the copy: the same items with the same ids, the
        # consumer's cursor, the events; nothing is new on the next fetch,
        # and new ids continue after the old ones.
        d = Feedd("[daemon]\nstore = %s\n\n" % uri + self.config)
        try:
            items = d.get("/v1/items?limit=1000").json()["items"]
            key = lambda i: (i["id"], i["feed"], i["guid"], i["title"], i["first_seen"])
            self.assertEqual([key(i) for i in items], [key(i) for i in self.items])
            self.assertEqual(len(d.get("/v1/items?q=item").json()["items"]), len(items))
            c = d.get("/v1/consumers/reader/items?limit=1000").json()["items"]
            self.assertEqual(min(i["id"] for i in c), 18)
            ev = d.get("/v1/events?limit=1000").json()["events"]
            self.assertEqual([e["seq"] for e in ev][:len(self.events)],
                             [e["seq"] for e in self.events])
            self.srv.set_feed("m1", add_items=[{"guid": "m1-new", "title": "new after move"}])
            self.assertEqual(d.post("/v1/feeds/m1/refresh").status // 100, 2)
            self.assertTrue(wait_until(lambda: len(d.get(
                "/v1/items?limit=1000").json()["items"]) == len(items) + 1, timeout=20))
            new = d.get("/v1/items?after=%d" % max(i["id"] for i in items)).json()["items"]
            self.assertEqual([i["title"] for i in new], ["new after move"])
            # The known items of m1 are not edited: hashed as they were.
            ev = d.get("/v1/events?after=%d" % self.events[-1]["seq"]).json()["events"]
            self.assertEqual([(e["type"], e["item"]) for e in ev
                              if e["type"].startswith("item.")],
                             [("item.new", new[0]["id"])])
        finally:
            d.stop()
            d.cleanup()

    def test_refuses_a_target_with_other_data(self):
        uri = self.new_db("refuse")
        self.assertEqual(migrate(self.db_path, uri).returncode, 0)
        # Another store into the same target: refused, nothing changed.
        other = os.path.join(self.src.dir, "other.db")
        sqlite3.connect(self.db_path).execute("VACUUM INTO ?", (other,)).close()
        before = self.counts(uri)
        r = migrate(other, uri)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("refusing", r.stderr)
        self.assertEqual(self.counts(uri), before)
        # Data that no copy put there (a store feedd ran on): refused.
        psql(uri, "DROP TABLE feedd_migration")
        r = migrate(self.db_path, uri)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("already holds data", r.stderr)
        self.assertEqual(self.counts(uri), before)

    def test_columns_come_from_the_schemas(self):
        # A store with a column this feedd's PostgreSQL schema lacks (a
        # newer schema): refused before anything is written, naming it.
        newer = os.path.join(self.src.dir, "newer.db")
        with sqlite3.connect(self.db_path) as db:
            db.execute("VACUUM INTO ?", (newer,))
        with sqlite3.connect(newer) as db:
            db.execute("ALTER TABLE items ADD COLUMN future TEXT")
            db.execute("UPDATE items SET future = 'f' || id")
        uri = self.new_db("columns")
        r = migrate(newer, uri)
        self.assertNotEqual(r.returncode, 0, r.stdout)
        self.assertIn("items.future", r.stderr)
        self.assertIn("refusing", r.stderr)
        self.assertEqual(set(self.counts(uri).values()), {0})
        # Once the target has the column too, it is copied like the others.
        psql(uri, "ALTER TABLE items ADD COLUMN future text")
        r = migrate(newer, uri)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(psql(uri, "SELECT count(*) FROM items WHERE future = 'f' || id"),
                         str(NFEEDS * NITEMS))
        # And the feeds' listed items (a JSON array there, an array here).
        self.assertEqual(psql(uri, "SELECT count(*) FROM feeds WHERE cardinality(listed) = %d"
                              % NITEMS), str(NFEEDS))


if __name__ == "__main__":
    unittest.main()
