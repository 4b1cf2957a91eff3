"""feeds.conf's skip and keep rules (issue 20, "Filter rules"), with the
real daemon and store, over a feed whose items change between fetches: a
skipped item is stored but never announced (no item.new), never handed to
the hook, not listed unless ?skipped=1 / --skipped, and never new again
when refetched or edited; keep rules let through only what they match;
[defaults] rules apply to every feed without its own. A bad rule is a
config error naming the file, the line and PCRE2's message. On SQLite, and
on PostgreSQL as pg.filters."""
import os
import stat
import unittest

from pgstore import Store
from harness import Feedd, ServerTestCase, run_feedd, wait_until

HOOK = """#!/bin/sh
printf '%s\\n' "$FEEDD_TITLE" >> "$1"
"""

CONF = """[daemon]
host_gap = 0s
{store}
[defaults]
interval = 1h
min_interval = 1s
allow_private = yes
skip = title ~ (?i)sponsored

[feed blog]
url = {blog}
exec = {hook} {out}

[feed rel]
url = {rel}
keep = title ~ ^Release \\d
keep = category ~ ^release$
exec = {hook} {out}
"""


def item(guid, title, cats=None, desc=None):
    i = {"guid": guid, "title": title, "link": "http://example.org/" + guid}
    if cats:
        i["categories"] = cats
    if desc:
        i["description"] = desc
    return i


class Filters(ServerTestCase):
    def setUp(self):
        self.d = Feedd(None, start=False)
        self.out = os.path.join(self.d.dir, "hook.out")
        hook = os.path.join(self.d.dir, "hook.sh")
        with open(hook, "w") as f:
            f.write(HOOK)
        os.chmod(hook, stat.S_IRWXU)
        self.srv.set_feed("blog", items=[item("b1", "Hello"),
                                         item("b2", "SPONSORED: buy things"),
                                         item("b3", "World")])
        self.srv.set_feed("rel", items=[item("r1", "Release 1.0"),
                                        item("r2", "Weekly notes"),
                                        item("r3", "Hotfix", cats=["release"])])
        self.store = Store("filters")
        self.d.write_config(CONF.format(store=self.store.line, blog=self.srv.url("/feed/blog"),
                                        rel=self.srv.url("/feed/rel"),
                                        hook=hook, out=self.out))
        self.d.start()

    def tearDown(self):
        self.d.cleanup()
        self.store.drop()

    def titles(self, path):
        r = self.d.get(path)
        self.assertEqual(r.status, 200, r.text)
        return [i["title"] for i in r.json()["items"]]

    def hooked(self):
        try:
            with open(self.out) as f:
                return sorted(f.read().splitlines())
        except FileNotFoundError:
            return []

    def new_events(self):
        ev = self.d.get("/v1/events?after=0&limit=1000").json()["events"]
        return sorted(e["title"] for e in ev if e["type"] == "item.new")

    def refetch(self, feed, count):
        n = len(self.srv.log("/feed/" + feed))
        self.assertEqual(self.d.post("/v1/feeds/%s/refresh" % feed).status, 202)
        self.assertTrue(wait_until(lambda: len(self.srv.log("/feed/" + feed)) > n))
        self.assertTrue(wait_until(
            lambda: self.d.get("/v1/feeds/" + feed).json().get("items") == count))

    def test_skip_and_keep(self):
        self.assertTrue(wait_until(lambda: self.d.get("/v1/feeds/blog").json().get("items") == 3))
        self.assertTrue(wait_until(lambda: self.d.get("/v1/feeds/rel").json().get("items") == 3))
        announced = ["Hello", "Hotfix", "Release 1.0", "World"]
        self.assertTrue(wait_until(lambda: self.hooked() == announced), self.hooked())
        self.assertEqual(self.new_events(), announced)
        self.assertEqual(sorted(self.titles("/v1/items")), announced)
        self.assertEqual(self.titles("/v1/feeds/blog/items"), ["Hello", "World"])
        cfg = self.d.get("/v1/feeds/rel").json()["config"]
        self.assertEqual((cfg["skip"], cfg["keep"]), (["title ~ (?i)sponsored"],
                         ["title ~ ^Release \\d", "category ~ ^release$"]))
        self.assertEqual(self.titles("/v1/feeds/blog/items?skipped=1"),
                         ["Hello", "SPONSORED: buy things", "World"])
        self.assertEqual(sorted(self.titles("/v1/items?skipped=1")),
                         sorted(announced + ["SPONSORED: buy things", "Weekly notes"]))
        # Listed with ?skipped=1, a skipped item says so; the others carry
        # no such key.
        marks = {i["title"]: i.get("skipped")
                 for i in self.d.get("/v1/items?skipped=1").json()["items"]}
        self.assertEqual(marks, dict({t: None for t in announced},
                                     **{"SPONSORED: buy things": True, "Weekly notes": True}))
        # A consumer never sees them either.
        r = self.d.feedctl("new", "reader", "--tsv")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertNotIn(b"SPONSORED", r.stdout)
        self.assertNotIn(b"Weekly", r.stdout)
        r = self.d.feedctl("items", "--feed", "rel", "--skipped", "--tsv")
        self.assertIn(b"Weekly notes", r.stdout, r.stderr)
        r = self.d.feedctl("items", "--feed", "rel", "--tsv")
        self.assertNotIn(b"Weekly notes", r.stdout)
        # For a person, the table marks what a rule dropped, and only that.
        r = self.d.feedctl("items", "--feed", "rel", "--skipped")
        self.assertIn(b"(skipped) Weekly notes", r.stdout, r.stderr)
        self.assertNotIn(b"(skipped) Release 1.0", r.stdout)
        self.assertIn(b"Release 1.0", r.stdout)

        # The feed changes: the skipped items come again (one edited), a new
        # sponsored item and a new plain one arrive.
        self.srv.set_feed("blog", items=[item("b5", "New post"),
                                         item("b4", "Sponsored again"),
                                         item("b1", "Hello"),
                                         item("b2", "SPONSORED: buy things",
                                              desc="now with a description"),
                                         item("b3", "World")])
        self.refetch("blog", 5)
        self.assertTrue(wait_until(lambda: "New post" in self.hooked()))
        announced = sorted(announced + ["New post"])
        self.assertEqual(self.new_events(), announced)
        ev = self.d.get("/v1/events?after=0&limit=1000").json()["events"]
        self.assertEqual([e for e in ev if e["type"] == "item.updated"], [])
        self.assertEqual(self.titles("/v1/feeds/blog/items"), ["Hello", "World", "New post"])
        # Once more, the same document: nothing new at all.
        self.refetch("blog", 5)
        self.assertEqual(self.new_events(), announced)
        self.assertEqual(self.hooked(), announced)

    def test_bad_rule_names_the_line(self):
        conf = self.d.config + ".bad"
        with open(conf, "w") as f:
            f.write("[feed a]\nurl = http://example.org/\nskip = title ~ (unclosed\n"
                    "keep = summary ~ x\n")
        r = run_feedd("--check-config", "-c", conf)
        self.assertNotEqual(r.returncode, 0)
        err = r.stdout.decode() + r.stderr.decode()
        self.assertIn("feeds.conf.bad:3:", err)
        self.assertIn("missing closing parenthesis at offset 9", err)
        self.assertIn("feeds.conf.bad:4:", err)
        self.assertIn('"summary" is not a field', err)


if __name__ == "__main__":
    unittest.main()
