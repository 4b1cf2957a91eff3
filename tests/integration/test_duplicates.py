"""Cross-feed duplicates (docs/store.md, "Dedup"; docs/API.md,
`duplicate_of` and `distinct=1`) through the real daemon: an item's
duplicate_of is the first item of another feed with its canonical link,
and stays so when an edit moves an item's link. Feed a's item 1 at x1,
then feed b's item 2 at x1 (a duplicate of 1); a edits 1 to link x9: 2 is
no one's duplicate any more, listed by distinct=1 (a consumer's reads
too), and a new item of b at x9 is a duplicate of 1."""
import unittest

from pgstore import Store
from harness import Feedd, ServerTestCase, wait_until

CONF = """[daemon]
host_gap = 0s
{store}
[defaults]
interval = 1h
min_interval = 1s
allow_private = yes

[feed a]
url = {a}

[feed b]
url = {b}
"""


def story(guid, link, title=None):
    return {"guid": guid, "title": title or guid, "link": "http://example.com/" + link}


class Duplicates(ServerTestCase):
    def setUp(self):
        self.srv.set_feed("a", items=[story("a1", "x1", "story one")])
        self.srv.set_feed("b", items=[])
        self.store = Store("duplicates")
        self.d = Feedd(CONF.format(a=self.srv.url("/feed/a"), b=self.srv.url("/feed/b"),
                                   store=self.store.line))
        self.assertTrue(wait_until(lambda: self.d.get("/v1/feeds/a").json().get("items") == 1))

    def tearDown(self):
        self.d.cleanup()
        self.store.drop()

    def refresh(self, feed, until):
        r = self.d.post("/v1/feeds/%s/refresh" % feed)
        self.assertEqual(r.status, 202)
        self.assertTrue(wait_until(until), self.d.read_log()[-3000:])

    def items(self, path="/v1/items?after=0"):
        r = self.d.get(path)
        self.assertEqual(r.status, 200, r.body[:300])
        return [(i["id"], i["feed"], i["url"].rsplit("/", 1)[-1], i["duplicate_of"])
                for i in r.json()["items"]]

    def test_edited_link_moves_duplicates(self):
        self.srv.set_feed("b", items=[story("b1", "x1", "story one, cross-posted")])
        self.refresh("b", lambda: len(self.items()) == 2)
        self.assertEqual(self.items(), [(1, "a", "x1", None), (2, "b", "x1", 1)])
        self.assertEqual([i[0] for i in self.items("/v1/items?after=0&distinct=1")], [1])

        # a's item 1 now links elsewhere: an edit (item.updated).
        self.srv.set_feed("a", items=[story("a1", "x9", "story one (moved)")])
        self.refresh("a", lambda: self.items()[0][2] == "x9")
        self.assertEqual(self.items(), [(1, "a", "x9", None), (2, "b", "x1", None)])
        events = self.d.get("/v1/events?after=0&limit=100").json()["events"]
        self.assertIn(("item.updated", 1), [(e["type"], e.get("item")) for e in events])
        # The only item at x1 is listed by distinct=1, and read by a
        # consumer reading with it.
        self.assertEqual([i[0] for i in self.items("/v1/items?after=0&distinct=1")], [1, 2])
        self.assertEqual([i[0] for i in self.items("/v1/consumers/d/items?distinct=1")],
                         [1, 2])

        # A new item of b at x9 is a duplicate of 1, which is there first.
        self.srv.set_feed("b", items=[story("b1", "x1", "story one, cross-posted"),
                                      story("b2", "x9", "the moved story, cross-posted")])
        self.refresh("b", lambda: len(self.items()) == 3)
        self.assertEqual(self.items()[2], (3, "b", "x9", 1))
        self.assertEqual([i[0] for i in self.items("/v1/items?after=0&distinct=1")], [1, 2])

        # Across a restart, as stored.
        self.assertEqual(self.d.stop(), 0)
        self.d.start()
        self.assertEqual(self.items(),
                         [(1, "a", "x9", None), (2, "b", "x1", None), (3, "b", "x9", 1)])


if __name__ == "__main__":
    unittest.main()
