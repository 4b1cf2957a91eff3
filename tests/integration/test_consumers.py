"""GET /v1/consumers and `feedctl consumers` (issue 20, "Consumers"): each
consumer with its position, its lag (stored items after it) and when it
last acknowledged, against the real daemon, store and socket; and
DELETE /v1/consumers/NAME (`feedctl consumers --delete NAME`): its
position is gone, the next read under the name starts afresh."""
import json
import re
import threading
import unittest

from harness import Feedd, ServerTestCase, wait_until

CONF = """[daemon]
host_gap = 0s

[defaults]
interval = 1h
min_interval = 1s
allow_private = yes

[feed a]
url = {url}
"""

UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


def items_of(n):
    return [{"guid": "a-%d" % i, "title": "a title %d" % i,
             "link": "http://example.org/a/%d" % i} for i in range(1, n + 1)]


class Consumers(ServerTestCase):
    def setUp(self):
        self.srv.set_feed("a", items=items_of(3))
        self.d = Feedd(CONF.format(url=self.srv.url("/feed/a")))

    def tearDown(self):
        self.d.cleanup()

    def fetched(self, count):
        self.assertEqual(self.d.post("/v1/feeds/a/refresh").status, 202)
        self.assertTrue(wait_until(lambda: self.d.get("/v1/feeds/a").json().get("items") == count))

    def ctl(self, *args):
        # Local time is UTC here, so the table's times can be compared.
        return self.d.feedctl(*args, env={"TZ": "UTC"})

    def consumers(self):
        r = self.d.get("/v1/consumers")
        self.assertEqual(r.status, 200)
        return r.json()["consumers"]

    def test_none_yet(self):
        self.assertEqual(self.consumers(), [])
        r = self.ctl("consumers")
        self.assertEqual((r.returncode, r.stdout, r.stderr),
                         (0, b"NAME\tPOSITION\tLAG\tACKED\tCREATED\n", b""))
        r = self.ctl("consumers", "--json")
        self.assertEqual(json.loads(r.stdout), {"consumers": []})

    def test_position_lag_and_acked(self):
        self.fetched(3)
        ids = [i["id"] for i in self.d.get("/v1/items").json()["items"]]
        self.assertEqual(self.ctl("new", "mailer", "--ndjson").returncode, 0)
        self.assertEqual(self.ctl("new", "pager", "--peek", "--ndjson").returncode, 0)
        self.assertEqual(self.ctl("new", "late", "--from-now").returncode, 1)
        got = {c["name"]: c for c in self.consumers()}
        self.assertEqual([c["name"] for c in self.consumers()], ["late", "mailer", "pager"])
        self.assertEqual((got["mailer"]["cursor"], got["mailer"]["lag"]), (ids[-1], 0))
        self.assertEqual((got["pager"]["cursor"], got["pager"]["lag"]), (0, 3))
        self.assertEqual((got["late"]["cursor"], got["late"]["lag"]), (ids[-1], 0))
        self.assertRegex(got["mailer"]["acked"], UTC)
        self.assertIsNone(got["pager"]["acked"])      # read, never acknowledged
        for c in got.values():
            self.assertRegex(c["created"], UTC)
        # A new item: every consumer's lag grows by one; positions stay.
        self.srv.set_feed("a", items=items_of(4))
        self.fetched(4)
        got = {c["name"]: c for c in self.consumers()}
        self.assertEqual({n: (c["cursor"], c["lag"]) for n, c in got.items()},
                         {"mailer": (ids[-1], 1), "pager": (0, 4), "late": (ids[-1], 1)})
        # One consumer alone: the same object.
        self.assertEqual(self.d.get("/v1/consumers/pager").json(), got["pager"])

        r = self.ctl("consumers")
        self.assertEqual(r.returncode, 0, r.stderr)
        lines = [l.split("\t") for l in r.stdout.decode().splitlines()]
        self.assertEqual(lines[0], ["NAME", "POSITION", "LAG", "ACKED", "CREATED"])
        rows = {l[0]: l for l in lines[1:]}
        self.assertEqual(sorted(rows), ["late", "mailer", "pager"])
        m = rows["mailer"]
        self.assertEqual(m[1:3], [str(ids[-1]), "1"])
        # Local ISO 8601 with the offset (TZ=UTC: +00:00).
        self.assertEqual(m[3], got["mailer"]["acked"][:-1] + "+00:00")
        self.assertEqual(m[4], got["mailer"]["created"][:-1] + "+00:00")
        self.assertEqual(rows["pager"][1:4], ["0", "4", "never"])
        r = self.ctl("consumers", "--json")
        self.assertEqual(json.loads(r.stdout), {"consumers": self.consumers()})

    def test_delete(self):
        self.fetched(3)
        ids = [i["id"] for i in self.d.get("/v1/items").json()["items"]]
        self.assertEqual(self.ctl("new", "mailer", "--ndjson").returncode, 0)
        self.assertEqual(self.ctl("new", "pager", "--ndjson").returncode, 0)
        self.assertEqual(self.d.get("/v1/consumers/mailer").json()["cursor"], ids[-1])
        r = self.ctl("consumers", "--delete", "mailer")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(b"deleted consumer mailer", r.stdout)
        self.assertEqual([c["name"] for c in self.consumers()], ["pager"])
        self.assertEqual(self.d.get("/v1/consumers/mailer").status, 404)
        # Gone already: 404 through the API, exit 4 from feedctl.
        r = self.d.request("DELETE", "/v1/consumers/mailer")
        self.assertEqual((r.status, r.json()["error"]), (404, "unknown consumer"))
        r = self.ctl("consumers", "--delete", "mailer")
        self.assertEqual(r.returncode, 4)
        self.assertIn(b"unknown consumer: mailer", r.stderr)
        # The next `new` starts it afresh: every stored item again.
        r = self.ctl("new", "mailer", "--ndjson")
        self.assertEqual(r.returncode, 0, r.stderr)
        got = [json.loads(l)["id"] for l in r.stdout.decode().splitlines()]
        self.assertEqual(got, ids)
        self.assertEqual(self.d.get("/v1/consumers/pager").json()["cursor"], ids[-1])
        # Through the API, --json.
        r = self.d.request("DELETE", "/v1/consumers/pager")
        self.assertEqual((r.status, r.json()), (200, {"consumer": "pager", "deleted": True}))
        self.assertEqual(self.d.request("DELETE", "/v1/consumers/bad%20name").status, 400)
        r = self.ctl("consumers", "--delete", "mailer", "--json")
        self.assertEqual(json.loads(r.stdout), {"consumer": "mailer", "deleted": True})
        self.assertEqual(self.consumers(), [])

    def test_delete_during_a_long_poll(self):
        """A long-poll held on a consumer that is deleted meanwhile ends
        with 404 at once (not when its wait runs out), and does not make
        the consumer anew at the start."""
        self.fetched(3)
        self.assertEqual(self.d.get("/v1/consumers/held/items?from_now=true").status, 200)
        got = {}

        def poll():
            got["r"] = self.d.get("/v1/consumers/held/items?wait=60")

        t = threading.Thread(target=poll)
        t.start()
        # Held (nothing new after its cursor) before the delete.
        self.assertTrue(wait_until(
            lambda: self.d.get("/v1/status").json()["api"]["waiting"] >= 1, timeout=10))
        r = self.d.request("DELETE", "/v1/consumers/held")
        self.assertEqual(r.status, 200)
        t.join(30)
        self.assertFalse(t.is_alive())
        self.assertEqual(got["r"].status, 404, got["r"].body)
        self.assertEqual(got["r"].json()["error"], "unknown consumer")
        self.assertEqual(self.consumers(), [])

    def test_one_cursor_whatever_the_filter(self):
        # A consumer has one cursor over the whole store (feedctl(1),
        # API.md): read with --feed a, it moves past b's items too, which
        # it then never sees; a consumer per filter sees each its own.
        self.srv.set_feed("b", items=[{"guid": "b-1", "title": "b title 1"}])
        self.d.write_config(CONF.format(url=self.srv.url("/feed/a")) +
                            "[feed b]\nurl = %s\n" % self.srv.url("/feed/b"))
        self.assertEqual(self.ctl("reload").returncode, 0)
        self.fetched(3)
        self.assertEqual(self.d.post("/v1/feeds/b/refresh").status, 202)
        self.assertTrue(wait_until(lambda: self.d.get("/v1/feeds/b").json().get("items") == 1))
        self.srv.set_feed("a", items=items_of(4))
        self.fetched(4)                       # a's 4th item comes after b's
        r = self.ctl("new", "g1", "--feed", "a", "--ndjson")
        self.assertEqual([json.loads(l)["feed"] for l in r.stdout.splitlines()], ["a"] * 4)
        r = self.ctl("new", "g1", "--ndjson")
        self.assertEqual((r.returncode, r.stdout), (1, b""))   # b's item: passed
        r = self.ctl("new", "g2", "--feed", "b", "--ndjson")
        self.assertEqual([json.loads(l)["title"] for l in r.stdout.splitlines()], ["b title 1"])

    def test_no_newest_first(self):
        """order=desc on a consumer's read is refused: its next (the highest
        id) acknowledged would pass every older item unread."""
        self.fetched(3)
        ids = [i["id"] for i in self.d.get("/v1/items").json()["items"]]
        r = self.d.get("/v1/consumers/rev/items?limit=2&order=desc")
        self.assertEqual(r.status, 400, r.body)
        self.assertEqual(r.json()["error"], "bad parameter")
        self.assertTrue(r.json()["detail"].startswith("order: "), r.body)
        self.assertIn("older", r.json()["detail"])
        self.assertEqual(self.d.get("/v1/consumers/rev").status, 404)  # not made
        # asc reads; /v1/items still lists newest first.
        r = self.d.get("/v1/consumers/rev/items?limit=2&order=asc")
        self.assertEqual([i["id"] for i in r.json()["items"]], ids[:2])
        r = self.d.get("/v1/items?limit=2&order=desc")
        self.assertEqual([i["id"] for i in r.json()["items"]], ids[:0:-1])
        # feedctl new offers no order at all.
        self.assertEqual(self.ctl("new", "rev", "--order", "desc").returncode, 2)
        self.assertEqual(self.d.get("/v1/consumers/rev").json()["cursor"], 0)

    def test_failed_read_makes_no_consumer(self):
        """A read answered 4xx (an unknown feed, a bad parameter) leaves no
        consumer behind: its feeds are checked before it is made."""
        self.fetched(3)
        for q in ("feed=zzz&from_now=1", "feed=a&feed=zzz", "limit=0", "since=x"):
            r = self.d.get("/v1/consumers/side1/items?" + q)
            self.assertIn(r.status, (400, 404), q)
            self.assertEqual(self.d.get("/v1/consumers/side1").status, 404, q)
        r = self.d.get("/v1/consumers/side1/items?feed=zzz&from_now=1&wait=5")
        self.assertEqual((r.status, r.json()["error"]), (404, "unknown feed"))
        r = self.ctl("new", "side2", "--feed", "zzz", "--from-now")
        self.assertEqual(r.returncode, 4, r.stderr)
        self.assertIn(b"unknown feed", r.stderr)
        self.assertEqual(self.consumers(), [])
        # The same read with a known feed makes it, at the start.
        r = self.d.get("/v1/consumers/side1/items?feed=a")
        self.assertEqual((r.status, len(r.json()["items"])), (200, 3))
        self.assertEqual(self.d.get("/v1/consumers/side1").json()["cursor"], 0)

    def test_usage(self):
        self.assertEqual(self.ctl("consumers", "extra").returncode, 2)
        r = self.ctl("consumers", "--help")
        self.assertEqual(r.returncode, 0)
        self.assertIn(b"Usage: feedctl consumers", r.stdout)
        self.assertEqual(self.d.post("/v1/consumers").status, 405)
        self.assertEqual(self.ctl("consumers", "--delete").returncode, 2)
        r = self.d.request("PUT", "/v1/consumers/x")
        self.assertEqual((r.status, r.headers.get("Allow")), (405, "GET, DELETE"))


if __name__ == "__main__":
    unittest.main()
