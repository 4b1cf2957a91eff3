"""`feedctl rename OLD NEW` and POST /v1/feeds/OLD/rename (issue 20,
"Rename"): the section's header is rewritten in the file that holds it,
and the daemon renames the feed in its store and reloads in one step. The
feed keeps its items and their ids, its events, consumers' positions and
its schedule: it is not fetched again, and after a restart it is all still
there under the new name. A bad or taken name is refused and the file left
as it was; so is a rename the daemon could not make."""
import json
import os
import sqlite3
import threading
import time
import unittest

from pgstore import PG, Store
from harness import Feedd, ServerTestCase, wait_until

CONF = """[daemon]
host_gap = 0s
{store}
[defaults]
interval = 1h
min_interval = 1s
allow_private = yes

# The feed of the blog.
[feed old]
url = {url}
tags = blog
retention = 90d

[feed other]
url = {url2}
"""


def items_of(n):
    return [{"guid": "a-%d" % i, "title": "a title %d" % i,
             "link": "http://example.org/a/%d" % i} for i in range(1, n + 1)]


class Rename(ServerTestCase):
    def setUp(self):
        self.srv.set_feed("a", items=items_of(3))
        self.srv.set_feed("b", items=[])
        self.store = Store("rename")
        self.conf = CONF.format(url=self.srv.url("/feed/a"), url2=self.srv.url("/feed/b"),
                                store=self.store.line)
        self.d = Feedd(self.conf)
        self.assertTrue(wait_until(
            lambda: self.d.get("/v1/feeds/old").json().get("items") == 3))

    def tearDown(self):
        self.d.cleanup()
        self.store.drop()

    def ctl(self, *args):
        return self.d.feedctl(*args, "--config", self.d.config)

    def text(self):
        with open(self.d.config) as f:
            return f.read()

    def fetches(self):
        return len(self.srv.log("/feed/a"))

    def test_rename_keeps_everything(self):
        items = self.d.get("/v1/items").json()["items"]
        ids = [i["id"] for i in items]
        # Pages that the loop's reader and the workers' readers answer
        # without the feeds join, naming the feed from a cache.
        pages = ("/v1/items", "/v1/items?limit=500", "/v1/items?distinct=true")
        for p in pages:
            self.assertEqual({i["feed"] for i in self.d.get(p).json()["items"]}, {"old"}, p)
        # A consumer part way through.
        self.assertEqual(self.d.get("/v1/consumers/mailer/items").status, 200)
        r = self.d.post("/v1/consumers/mailer/ack", body=b"upto=%d" % ids[1])
        self.assertEqual(r.status, 200)
        before = self.d.get("/v1/feeds/old").json()
        fetched = self.fetches()

        r = self.ctl("rename", "old", "blog")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(b"renamed [feed old] to [feed blog]", r.stdout)
        # Only the header line changed: the comment, keys and order stay.
        self.assertEqual(self.text(), self.conf.replace("[feed old]", "[feed blog]"))

        self.assertEqual(self.d.get("/v1/feeds/old").status, 404)
        f = self.d.get("/v1/feeds/blog").json()
        self.assertEqual(f["items"], 3)
        self.assertFalse(f.get("removed"))
        self.assertEqual(f["next_due"], before["next_due"])
        self.assertEqual(f["config"]["tags"], ["blog"])
        got = self.d.get("/v1/feeds/blog/items").json()["items"]
        self.assertEqual([i["id"] for i in got], ids)
        self.assertEqual({i["feed"] for i in got}, {"blog"})
        for p in pages:
            self.assertEqual({i["feed"] for i in self.d.get(p).json()["items"]}, {"blog"}, p)
        self.assertEqual(self.d.get("/v1/consumers/mailer").json()["cursor"], ids[1])
        # The history under the new name, with the rename in it; no
        # feed.added or feed.removed for it.
        ev = self.d.get("/v1/events?after=0&limit=1000").json()["events"]
        types = [(e["type"], e.get("feed")) for e in ev]
        self.assertIn(("feed.renamed", "blog"), types)
        self.assertNotIn(("feed.removed", "blog"), types)
        self.assertEqual([t for t in types if t[1] == "old"], [])
        renamed = [e for e in ev if e["type"] == "feed.renamed"][0]
        self.assertEqual(renamed["from"], "old")
        self.assertEqual(len([t for t in types if t == ("feed.added", "blog")]), 1)

        # Not fetched again: it is not due for an hour.
        self.assertTrue(self.d.wait_log("renamed blog"))
        self.assertFalse(wait_until(lambda: self.fetches() > fetched, timeout=1.5))

        # Across a restart: the same items, ids and position.
        self.assertEqual(self.d.stop(), 0)
        self.d.start()
        got = self.d.get("/v1/feeds/blog/items").json()["items"]
        self.assertEqual([i["id"] for i in got], ids)
        self.assertEqual(self.d.get("/v1/consumers/mailer").json()["cursor"], ids[1])
        self.assertEqual(self.d.get("/v1/feeds/old").status, 404)
        # The next read under the consumer: only the item after its position.
        r = self.d.feedctl("new", "mailer", "--ndjson")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual([json.loads(l)["id"] for l in r.stdout.decode().splitlines()],
                         [ids[2]])
        # A refetch of the same document: nothing new (its dedup kept).
        self.assertEqual(self.d.post("/v1/feeds/blog/refresh").status, 202)
        self.assertTrue(wait_until(lambda: self.fetches() > fetched))
        self.assertTrue(wait_until(
            lambda: self.d.get("/v1/feeds/blog").json().get("n_200", 0) >= 2 or
            self.d.get("/v1/feeds/blog").json().get("last_status") in (200, 304)))
        self.assertEqual(self.d.get("/v1/feeds/blog").json()["items"], 3)

    def test_bad_names_refused(self):
        conf = self.text()
        for bad in ("has space", "a]b", "", "other", "old", "x" * 101):
            r = self.ctl("rename", "old", bad)
            self.assertEqual(r.returncode, 5, (bad, r.stderr))
            self.assertIn(b"nothing written", r.stderr)
            self.assertEqual(self.text(), conf)
        r = self.ctl("rename", "nosuch", "x")
        self.assertEqual(r.returncode, 5)
        self.assertIn(b"no [feed nosuch]", r.stderr)
        self.assertEqual(self.ctl("rename", "old").returncode, 2)
        self.assertEqual(self.d.get("/v1/feeds/old").json()["items"], 3)

    def test_api_checks(self):
        # The file does not say so: refused, nothing renamed.
        r = self.d.post("/v1/feeds/old/rename", body={"name": "blog"})
        self.assertEqual(r.status, 409, r.text)
        self.assertIn("does not rename", r.json()["error"])
        for body in ({"name": "a b"}, {"name": ""}, {"nom": "x"}, b"name=blog", None):
            r = self.d.post("/v1/feeds/old/rename", body=body)
            self.assertEqual(r.status, 400, body)
        self.assertEqual(self.d.post("/v1/feeds/nosuch/rename", body={"name": "x"}).status, 404)
        self.assertEqual(self.d.post("/v1/feeds/old/rename", body={"name": "other"}).status, 409)
        self.assertEqual(self.d.get("/v1/feeds/old/rename").status, 405)
        self.assertEqual(self.d.get("/v1/feeds/old").json()["items"], 3)

    def test_a_section_the_daemon_has_not_read_yet(self):
        # Added by hand, no reload: in the file, unknown to the daemon.
        with open(self.d.config, "a") as f:
            f.write("\n[feed byhand]\nurl = %s\n" % self.srv.url("/feed/c"))
        conf = self.text()
        r = self.ctl("rename", "byhand", "manual")
        self.assertEqual(r.returncode, 4, r.stderr)
        self.assertIn(b"feedd did not rename byhand: unknown feed (byhand); nothing renamed\n",
                      r.stderr)
        self.assertEqual(r.stderr.count(b"nothing renamed"), 1)
        self.assertIn(b"not in the daemon's running set: run feedctl reload first", r.stderr)
        self.assertEqual(self.text(), conf)

    def item_news(self):
        ev = self.d.get("/v1/events?after=0&limit=1000").json()["events"]
        return [e for e in ev if e["type"] == "item.new"]

    def test_a_rename_in_the_file_alone_is_a_rename(self):
        # The file renamed and the store not (renamed by hand, or feedctl's
        # store step lost to a crash): the reload takes it for the rename
        # it is, not for a feed removed and a new one whose items are all
        # announced again.
        ids = [i["id"] for i in self.d.get("/v1/items").json()["items"]]
        with open(self.d.config, "w") as f:
            f.write(self.conf.replace("[feed old]", "[feed blog]"))
        self.assertEqual(self.d.feedctl("reload").returncode, 0)
        f = self.d.get("/v1/feeds/blog").json()
        self.assertEqual(f["items"], 3)
        self.assertFalse(f.get("removed"))
        self.assertEqual(self.d.get("/v1/feeds/old").status, 404)
        self.assertEqual([i["id"] for i in self.d.get("/v1/items").json()["items"]], ids)
        self.assertEqual(self.d.post("/v1/feeds/blog/refresh").status, 202)
        self.assertTrue(wait_until(lambda: self.fetches() >= 2))
        time.sleep(0.5)
        self.assertEqual(len(self.item_news()), 3)
        ev = self.d.get("/v1/events?after=0&limit=1000").json()["events"]
        self.assertIn(("feed.renamed", "blog", "old"),
                      [(e["type"], e.get("feed"), e.get("from")) for e in ev])
        # A feed dropped in the same edit as another is added elsewhere:
        # not a rename (another URL), the dropped one removed.
        with open(self.d.config, "w") as f:
            f.write(self.conf.replace("[feed old]", "[feed blog]").replace(
                "[feed other]", "[feed third]").replace(self.srv.url("/feed/b"),
                                                         self.srv.url("/feed/c")))
        self.srv.set_feed("c", items=[])
        self.assertEqual(self.d.feedctl("reload").returncode, 0)
        self.assertTrue(self.d.get("/v1/feeds/other").json()["removed"])

    @unittest.skipIf(PG, "holds the SQLite store's write lock")
    def test_a_rename_that_times_out_ends_as_the_file_says(self):
        # Another writer holds the store: the daemon waits for it (up to
        # its busy timeout), feedctl gives up first. Whatever happens
        # next, the store ends up with the file's name and no item is
        # announced twice.
        db = sqlite3.connect(os.path.join(self.d.state_dir, "feedd.db"),
                             isolation_level=None, timeout=10,
                             check_same_thread=False)
        db.execute("BEGIN IMMEDIATE")
        release = threading.Timer(3, lambda: db.execute("ROLLBACK"))
        release.start()
        try:
            r = self.d.feedctl("--timeout", "1", "rename", "old", "blog",
                               "--config", self.d.config)
        finally:
            release.join()
            db.close()
        self.assertEqual(r.returncode, 3, r.stderr)
        self.assertTrue(self.d.wait_log("renamed blog"))
        self.assertEqual(self.d.feedctl("reload").returncode, 0)
        name = "blog" if "[feed blog]" in self.text() else "old"
        self.assertEqual(self.d.get("/v1/feeds/%s" % name).json()["items"], 3)
        other = "old" if name == "blog" else "blog"
        self.assertEqual(self.d.get("/v1/feeds/%s" % other).status, 404)
        # A restart and a fetch: still one item.new per item.
        self.assertEqual(self.d.stop(), 0)
        self.d.start()
        self.assertEqual(self.d.post("/v1/feeds/%s/refresh" % name).status, 202)
        self.assertTrue(wait_until(lambda: self.fetches() >= 2))
        time.sleep(0.5)
        self.assertEqual(self.d.get("/v1/feeds/%s" % name).json()["items"], 3)
        self.assertEqual(len(self.item_news()), 3)
        self.assertEqual(self.d.get("/v1/feeds/%s" % other).status, 404)

    def test_daemon_away_leaves_the_file(self):
        conf = self.text()
        self.assertEqual(self.d.stop(), 0)
        r = self.ctl("rename", "old", "blog")
        self.assertEqual(r.returncode, 3, r.stderr)
        self.assertIn(b"nothing renamed", r.stderr)
        self.assertEqual(self.text(), conf)


if __name__ == "__main__":
    unittest.main()
