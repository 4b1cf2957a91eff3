"""Retention through the daemon: the upkeep prunes a feed down to its
max_items on the store thread, the pruned items leave tombstones (a
re-listing announces nothing), and an item the latest document lists is
never pruned, while a consumer's unacknowledged ones are. The upkeep period is shortened with FEEDD_UPKEEP_MS."""
import time
import unittest

from harness import DaemonTestCase, Feedd, wait_until

CONF = """
[daemon]
host_gap = 0s
[defaults]
allow_private = yes
interval = 1h
[feed r]
url = {url}
max_items = 2
"""


class RetentionTest(DaemonTestCase):
    def items(self):
        return self.d.get("/v1/items?after=0&feed=r").json()["items"]

    def test_max_items_pruned_by_the_upkeep(self):
        five = [{"guid": str(n), "title": "item %d" % n} for n in range(1, 6)]
        self.srv.set_feed("r", items=five)
        self.d = Feedd(CONF.format(url=self.srv.url("/feed/r")),
                       env={"FEEDD_UPKEEP_MS": "300"})
        self.assertTrue(wait_until(lambda: len(self.items()) == 5), self.d.read_log())
        # All five are in the latest document: none may go.
        time.sleep(1)   # several upkeeps
        self.assertEqual(len(self.items()), 5)
        # A consumer that has read one item and acknowledged none.
        r = self.d.get("/v1/consumers/slow/items?limit=1")
        self.assertEqual([i["title"] for i in r.json()["items"]], ["item 1"])

        # The feed drops items 1-3 from its document: now they may go,
        # down to max_items.
        self.srv.set_feed("r", items=five[3:])
        last = self.d.get("/v1/status").json()["items"]["last_id"]
        self.assertEqual(self.d.post("/v1/feeds/r/refresh").status, 202)
        self.assertTrue(wait_until(lambda: len(self.items()) == 2, timeout=20),
                        self.d.read_log())
        self.assertEqual(sorted(i["title"] for i in self.items()), ["item 4", "item 5"])
        self.assertTrue(self.d.wait_log("retention: r: 3 items pruned", timeout=5),
                        self.d.read_log())
        # A consumer holds nothing back (docs/API.md, docs/store.md): what
        # it had not acknowledged is gone for it too, and its lag counts
        # what is left.
        r = self.d.get("/v1/consumers/slow/items")
        self.assertEqual([i["title"] for i in r.json()["items"]], ["item 4", "item 5"])
        self.assertEqual(self.d.get("/v1/consumers/slow").json()["lag"], 2)

        # Re-listed after pruning: tombstones, nothing announced again.
        self.srv.set_feed("r", items=five)
        self.assertEqual(self.d.post("/v1/feeds/r/refresh").status, 202)
        self.assertTrue(wait_until(
            lambda: len([e for e in self.srv.log() if e["path"] == "/feed/r"]) >= 3))
        time.sleep(1)   # committed, and upkeeps ran
        new = self.d.get("/v1/items?after=%d" % last).json()["items"]
        self.assertEqual(new, [])


if __name__ == "__main__":
    unittest.main()
