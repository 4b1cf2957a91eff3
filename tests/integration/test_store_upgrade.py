"""test_store_upgrade.py — a store written before the key hash was recorded
(SQLite schema 12: items' content hashes and content keys made with
FNV-1a) keeps deduplicating after the upgrade: the daemon refetching the
same documents announces nothing anew and shows no item as edited, while
an edit is still one (docs/store.md, "Key versions"). A new store
records XXH3.

The old store is made by the daemon itself: a new, empty store recorded
as FNV before its first item, filled by fetches, then taken back to what
the release before left (no key_hash, user_version 12).
"""

import os
import sqlite3
import unittest

from harness import DaemonTestCase, Feedd, wait_until

KEY_HASH = "SELECT value FROM store_meta WHERE key = 'key_hash'"


def rss(title, edited=False):
    """Three items with guids and two with neither guid nor link (they are
    identified by their content key)."""
    items = "".join(
        "<item><guid>u-%d</guid><title>item %d</title><link>http://example.org/u/%d</link>"
        "<description>%s</description></item>\n"
        % (i, i, i, "body %d%s" % (i, " (edited)" if edited and i == 0 else ""))
        for i in range(3))
    items += "".join(
        "<item><title>note %d</title><description>a note without a link, %d</description>"
        "<pubDate>Mon, 06 Nov 2023 10:0%d:00 GMT</pubDate></item>\n" % (i, i, i)
        for i in range(2))
    return ('<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>'
            "<title>%s</title><link>http://example.org/u</link><description>d</description>\n"
            "%s</channel></rss>\n" % (title, items))


class Upgrade(DaemonTestCase):

    def setUp(self):
        super().setUp()
        # No validators: every fetch is a 200 whose document is read.
        self.srv.set_feed("u", body=rss("before"), etag=False, last_modified=False)
        self.config = ("[defaults]\ninterval = 1h\nallow_private = yes\n\n"
                       "[feed u]\nurl = %s\n" % self.srv.url("/feed/u"))

    def db(self, sql, *args):
        with sqlite3.connect(os.path.join(self.d.state_dir, "feedd.db")) as c:
            rows = c.execute(sql, args).fetchall()
        return rows[0][0] if rows and len(rows[0]) == 1 else rows

    def refetch(self, title):
        """The feed fetched again, its document (titled TITLE) stored."""
        self.assertEqual(self.d.post("/v1/feeds/u/refresh").status // 100, 2)
        ok = wait_until(lambda: self.d.get("/v1/feeds/u").json()["title"] == title,
                        timeout=20)
        self.assertTrue(ok, self.d.read_log())

    def test_fnv_store_announces_nothing_after_upgrade(self):
        # A new store, before its first fetch: XXH3. Recorded as FNV, it
        # is filled as every store before the record was.
        self.d = d = Feedd("[defaults]\ninterval = 1h\n")
        d.stop()
        self.assertEqual(self.db(KEY_HASH), 2)
        self.assertEqual(self.db("SELECT count(*) FROM items"), 0)
        self.db("UPDATE store_meta SET value = 1 WHERE key = 'key_hash'")
        d.write_config(self.config)
        d.start()
        self.assertTrue(wait_until(lambda: len(d.get("/v1/items").json()["items"]) == 5,
                                   timeout=20), d.read_log())
        items = d.get("/v1/items").json()["items"]
        events = d.get("/v1/events?limit=1000").json()["events"]
        self.assertEqual(sum(e["type"] == "item.new" for e in events), 5)
        self.assertEqual(d.stop(), 0)
        hashes = self.db("SELECT ikey, chash FROM items ORDER BY id")
        self.assertEqual(sum(k.startswith("c:") for k, _ in hashes), 2)
        # What the release before left: schema 12, no record.
        self.db("DELETE FROM store_meta WHERE key = 'key_hash'")
        self.db("PRAGMA user_version = 12")

        # The upgrade keeps FNV (the store has rows), rehashes nothing ...
        self.srv.set_feed("u", body=rss("after"))
        d.start()
        self.assertIn("upgraded schema 12 -> 16", d.read_log())
        self.assertEqual(self.db(KEY_HASH), 1)
        self.assertEqual(self.db("PRAGMA user_version"), 16)
        # ... and the same items fetched again are neither new nor edited.
        self.refetch("after")
        self.assertEqual(d.get("/v1/items").json()["items"], items)
        self.assertEqual(d.get("/v1/events?limit=1000").json()["events"], events)
        self.assertEqual(self.db("SELECT ikey, chash FROM items ORDER BY id"), hashes)
        # An edit is still told apart.
        self.srv.set_feed("u", body=rss("edited", edited=True))
        self.refetch("edited")
        new = d.get("/v1/events?limit=1000").json()["events"][len(events):]
        self.assertEqual([(e["type"], e["item"]) for e in new],
                         [("item.updated", items[0]["id"])])


if __name__ == "__main__":
    unittest.main()
