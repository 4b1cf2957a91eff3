"""A person's read and starred marks (issue 19): POST /v1/items/state, the
`read`/`starred` fields and the `status`/`starred` filters of GET /v1/items,
`feedctl read|star` and `feedctl items --unread|--starred`, kept across a
restart and apart from the consumers' cursors — against the real daemon,
store and socket."""
import json
import unittest

from fixture_server import FixtureServer
from harness import Feedd, wait_until

CONF = """[daemon]
host_gap = 0s

[defaults]
interval = 1h
min_interval = 1s
allow_private = yes

[feed a]
url = {url}
"""


def items_of(n):
    return [{"guid": "a-%d" % i, "title": "a title %d" % i,
             "link": "http://example.org/a/%d" % i} for i in range(1, n + 1)]


class ReadState(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = FixtureServer().start()
        cls.srv.set_feed("a", items=items_of(5))

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()

    def setUp(self):
        self.d = Feedd(CONF.format(url=self.srv.url("/feed/a")))
        self.assertEqual(self.d.post("/v1/feeds/a/refresh").status, 202)
        self.assertTrue(wait_until(lambda: self.d.get("/v1/feeds/a").json().get("items") == 5))
        self.ids = [i["id"] for i in self.d.get("/v1/items").json()["items"]]

    def tearDown(self):
        self.d.cleanup()

    def mark(self, body):
        raw = body if isinstance(body, (bytes, str)) else json.dumps(body)
        return self.d.post("/v1/items/state", body=raw)

    def listed(self, query):
        r = self.d.get("/v1/items?" + query)
        self.assertEqual(r.status, 200, r.body)
        return [i["id"] for i in r.json()["items"]]

    def test_fields_filters_and_marks(self):
        items = self.d.get("/v1/items").json()["items"]
        self.assertTrue(all(i["read"] is False and i["starred"] is False for i in items))
        self.assertEqual(self.listed("status=unread"), self.ids)
        self.assertEqual(self.listed("status=read"), [])
        # An id listed twice is one item marked.
        r = self.mark({"ids": [self.ids[1], self.ids[0], self.ids[1]], "read": True})
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual(r.json(), {"marked": 2, "read": True})
        self.assertEqual(self.listed("status=unread"), self.ids[2:])
        self.assertEqual(self.listed("status=read"), self.ids[:2])
        self.assertEqual(self.listed("status=all"), self.ids)
        self.assertEqual(self.listed("status=unread&order=desc&limit=2"), self.ids[:1:-1][:2])
        r = self.mark({"ids": [self.ids[4]], "starred": True})
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual(self.listed("starred=1"), [self.ids[4]])
        self.assertEqual(self.listed("starred=1&status=read"), [])
        one = self.d.get("/v1/items?after=%d&limit=1" % self.ids[3]).json()["items"][0]
        self.assertEqual((one["read"], one["starred"]), (False, True))
        # The other formats carry the same bytes.
        nd = self.d.get("/v1/items?format=ndjson&status=read").text.splitlines()
        self.assertEqual([json.loads(x)["read"] for x in nd], [True, True])
        # Unread again; both at once.
        self.assertEqual(self.mark({"ids": [self.ids[0]], "read": False,
                                    "starred": True}).status, 200)
        self.assertEqual(self.listed("status=read"), [self.ids[1]])
        self.assertEqual(self.listed("starred=1"), [self.ids[0], self.ids[4]])

    def test_unknown_id_changes_nothing(self):
        r = self.mark({"ids": [self.ids[0], 999999], "read": True})
        self.assertEqual(r.status, 404)
        self.assertEqual(r.json()["detail"], "999999")
        self.assertEqual(self.listed("status=read"), [])

    def test_bad_bodies(self):
        for body in ["", "{", "[]", '{"ids": []}', '{"ids": [1]}',
                     '{"ids": [1], "read": 1}', '{"ids": [0], "read": true}',
                     '{"ids": ["1"], "read": true}', '{"ids": 1, "read": true}',
                     '{"ids": [1], "read": true, "x": 1}',
                     json.dumps({"ids": list(range(1, 1002)), "read": True})]:
            r = self.mark(body)
            self.assertEqual(r.status, 400, body)
        for q in ["status=maybe", "starred=2", "status=read&status=unread"]:
            self.assertEqual(self.d.get("/v1/items?" + q).status, 400, q)
        self.assertEqual(self.d.get("/v1/items/state").status, 405)

    def test_cursors_apart_and_kept_across_restart(self):
        self.assertEqual(self.d.feedctl("new", "script", "--ndjson", "--limit", "2").returncode, 0)
        self.assertEqual(self.mark({"ids": self.ids, "read": True}).status, 200)
        self.assertEqual(self.mark({"ids": [self.ids[2]], "starred": True}).status, 200)
        # The script still gets what it has not acknowledged, read or not.
        r = self.d.feedctl("new", "script", "--ndjson", "--peek")
        self.assertEqual([json.loads(x)["id"] for x in r.stdout.splitlines()], self.ids[2:])
        self.d.stop()
        self.d.start()
        self.assertEqual(self.listed("status=read"), self.ids)
        self.assertEqual(self.listed("starred=1"), [self.ids[2]])
        c = self.d.get("/v1/consumers/script").json()
        self.assertEqual(c["cursor"], self.ids[1])

    def test_feedctl(self):
        r = self.d.feedctl("read", str(self.ids[0]), str(self.ids[1]))
        self.assertEqual((r.returncode, r.stdout), (0, b"2 items read\n"), r.stderr)
        r = self.d.feedctl("items", "--unread", "--ndjson")
        self.assertEqual([json.loads(x)["id"] for x in r.stdout.splitlines()], self.ids[2:])
        r = self.d.feedctl("read", "--unread", str(self.ids[0]))
        self.assertEqual((r.returncode, r.stdout), (0, b"1 item unread\n"), r.stderr)
        r = self.d.feedctl("star", str(self.ids[3]), "--json")
        self.assertEqual(json.loads(r.stdout), {"marked": 1, "starred": True})
        r = self.d.feedctl("items", "--starred", "--ndjson")
        self.assertEqual([json.loads(x)["id"] for x in r.stdout.splitlines()], [self.ids[3]])
        r = self.d.feedctl("star", "--unstar", str(self.ids[3]))
        self.assertEqual((r.returncode, r.stdout), (0, b"1 item unstarred\n"), r.stderr)
        r = self.d.feedctl("read", "999999")
        self.assertEqual(r.returncode, 4)
        self.assertIn(b"999999", r.stderr)
        self.assertEqual(self.d.feedctl("read", "x").returncode, 2)
        self.assertEqual(self.d.feedctl("read").returncode, 2)
        # More than 1000 ids: the limit is said, not only the usage.
        before = self.d.get("/v1/items?status=read").json()["items"]
        for cmd in ("read", "star"):
            r = self.d.feedctl(cmd, *[str(i) for i in range(1, 1002)])
            self.assertEqual(r.returncode, 2)
            self.assertIn(b"feedctl: %s: at most 1000 item ids at once (1001 given)"
                          % cmd.encode(), r.stderr)
        self.assertEqual(self.d.get("/v1/items?status=read").json()["items"], before)


if __name__ == "__main__":
    unittest.main()
