"""No untrusted byte becomes configuration (issue 28, issue 16 point 9):
a feed's <title>, an OPML outline's text, xmlUrl and category, and the
values given to `feedctl add` never add a line to feeds.conf. The real
feedctl edits the file of a running feedd (which reloads it) while the
loopback fixture server plays the hostile publisher; each injected line
would be an `exec = /bin/touch MARKER` hook, so the marker file must never
appear, and the file must parse to exactly the keys it had plus the new
sections' own."""
import os
import re
import time
import unittest

from harness import SLOW, Feedd, ServerTestCase, run_feedd, wait_until

CONF = """# my feeds
[daemon]
host_gap = 0s
exec_retry = 1s

[defaults]
interval = 1h
min_interval = 1s
allow_private = yes

[feed a]
url = {url}
"""


def items_of(n, prefix):
    return [{"guid": "%s-%d" % (prefix, i), "title": "%s %d" % (prefix, i),
             "link": "http://example.org/%s/%d" % (prefix, i)} for i in range(1, n + 1)]


def sections(path):
    """feeds.conf as [(section, [(key, value)])], read the way feedd reads it:
    one key = value a line, '#'/';' lines are comments."""
    out = []
    with open(path, "rb") as f:
        for raw in f.read().decode("utf-8", "replace").split("\n"):
            line = raw.rstrip("\r")
            s = line.strip()
            if not s or s[0] in "#;":
                continue
            if s.startswith("["):
                out.append((s[1:s.index("]")].strip(), []))
                continue
            k, _, v = line.partition("=")
            out[-1][1].append((k.strip(), v.strip()))
    return out


class ConfInjectionTest(ServerTestCase):
    def setUp(self):
        self.srv.set_feed("a", items=items_of(2, "a"))
        self.d = Feedd(CONF.format(url=self.srv.url("/feed/a")))
        self.marker = os.path.join(self.d.dir, "pwned")
        self.exec_line = "exec = /bin/touch " + self.marker
        self.before = sections(self.d.config)

    def tearDown(self):
        self.d.cleanup()

    def ctl(self, *args):
        return self.d.feedctl(*(args + ("--config", self.d.config)))

    def assert_only_new_sections(self, new):
        """The file is the old sections, untouched, plus NEW: {name: keys}."""
        after = sections(self.d.config)
        self.assertEqual(after[:len(self.before)], self.before)
        added = {name[len("feed "):]: dict(kv) for name, kv in after[len(self.before):]}
        self.assertEqual({n: sorted(kv) for n, kv in added.items()}, new)
        self.assertEqual(run_feedd("--check-config", "-c", self.d.config).returncode, 0)
        return added

    def assert_nothing_runs(self, feeds):
        """Every feed fetched with new items after the reload: a hook that
        had been injected anywhere would have run by now."""
        for name in feeds:
            self.assertTrue(wait_until(lambda: self.d.get("/v1/feeds/" + name).status == 200),
                            name)
            self.srv.set_feed(name, items=items_of(3, name))
            self.assertEqual(self.d.post("/v1/feeds/%s/refresh" % name).status, 202)
        for name in feeds:
            ok = wait_until(lambda: (self.d.get("/v1/feeds/" + name).json().get("items") or 0) > 0)
            self.assertTrue(ok, self.d.get("/v1/feeds/" + name).text)
        time.sleep(1.5 * SLOW)                   # hooks start within the loop's next turn
        self.assertFalse(os.path.exists(self.marker), "an injected hook ran")
        self.assertNotIn("pwned", self.d.read_log())

    def test_hostile_title_through_add(self):
        # The title, as the publisher writes it.
        body = ('<?xml version="1.0"?><rss version="2.0"><channel>'
                '<title>Nice&#10;%s</title><link>http://example.org/</link>'
                '<item><guid>t-1</guid><title>t 1</title></item></channel></rss>'
                % self.exec_line)
        self.srv.set_feed("t", body=body)
        r = self.ctl("add", self.srv.url("/feed/t"), "--name", "t")
        self.assertEqual(r.returncode, 0, r.stderr)
        # What feedctl prints of the title is escaped too.
        self.assertIn(b'"Nice\\nexec = /bin/touch', r.stdout)
        added = self.assert_only_new_sections({"t": ["url"]})
        self.assertEqual(added["t"]["url"], self.srv.url("/feed/t"))
        text = open(self.d.config).read()
        self.assertIn("\n# title: Nice %s\n[feed t]\n" % self.exec_line, text)
        self.srv.set_feed("t", body=None, title="Nice")
        self.assert_nothing_runs(["a", "t"])

    def test_hostile_opml_through_import(self):
        url = self.srv.url("/feed/")
        opml = """<?xml version="1.0"?>
<opml version="2.0"><head><title>from a stranger</title></head><body>
<outline text="Good" xmlUrl="{u}good"/>
<outline text="Bad URL" xmlUrl="{u}badurl&#10;{x}"/>
<outline text="Bad text&#10;{x}" xmlUrl="{u}badtext"/>
<outline text="Bad category" xmlUrl="{u}badcat" category="news&#10;{x}"/>
<outline text="Folder&#10;{x}"><outline text="inside" xmlUrl="{u}inside"/></outline>
<outline text="Quote" xmlUrl="{u}q&quot;x"/>
</body></opml>""".format(u=url, x=self.exec_line)
        path = os.path.join(self.d.dir, "evil.opml")
        with open(path, "w") as f:
            f.write(opml)
        r = self.ctl("import", path)
        # The good outlines are imported; each refused one is named.
        self.assertEqual(r.returncode, 5, r.stderr)
        # The good outlines were written and the running daemon reloaded.
        self.assertIn(b"feedd reloaded", r.stdout, r.stdout + r.stderr)
        err = r.stderr.decode()
        self.assertIn('skipped outline 2 "Bad URL": xmlUrl "%sbadurl\\nexec = /bin/touch' % url, err)
        self.assertIn("contains a newline", err)
        self.assertIn('skipped outline 4 "Bad category"', err)
        self.assertIn('skipped outline 5 "inside"', err)
        self.assertNotIn('outline 6 "Quote"', err)
        self.assertIn(b"3 added, 0 already present, 3 refused", r.stdout)
        # Names come from the outlines' text as slugs: the hostile text's
        # newline, '=' and '/' are gone from its name.
        bad = re.sub(r"[^a-z0-9]+", "-", ("Bad text " + self.exec_line).lower()).strip("-")
        if len(bad) > 40 and bad[40] != "-":     # cut at a word's end (conf_edit.h)
            bad = bad[:40]
            bad = bad[:bad.rindex("-")] if bad.rindex("-") >= 20 else bad
        bad = bad[:40]
        self.assertTrue(bad.startswith("bad-text-exec-bin-touch-"), bad)
        added = self.assert_only_new_sections({"good": ["url"], bad: ["url"],
                                               "quote": ["url"]})
        self.assertEqual(added["good"]["url"], url + "good")
        # A quote is written percent-encoded, never as syntax.
        self.assertEqual(added["quote"]["url"], url + "q%22x")
        self.assertEqual(added[bad]["url"], url + "badtext")
        self.assertIn("# title: Bad text %s\n" % self.exec_line, open(self.d.config).read())
        for name in ("good", "badtext"):
            self.srv.set_feed(name, items=items_of(1, name))
        self.assertTrue(wait_until(
            lambda: self.d.get("/v1/feeds/" + bad).status == 200, timeout=30),
            self.d.read_log())
        # Both new feeds fetched with items, then a's new items: no hook.
        for name in ("good", bad):
            self.assertEqual(self.d.post("/v1/feeds/%s/refresh" % name).status, 202)
            self.assertTrue(wait_until(
                lambda: (self.d.get("/v1/feeds/" + name).json().get("items") or 0) > 0,
                timeout=30), self.d.read_log())
        self.assert_nothing_runs(["a"])

    def test_hostile_feedd_attributes_through_import(self):
        # The settings feedd's own export writes (core/opml.h), forged:
        # each one a section's syntax cannot carry is refused, named, or
        # (a name) not taken; none becomes a line of its own.
        url = self.srv.url("/feed/")
        opml = """<?xml version="1.0"?>
<opml version="2.0" xmlns:feedd="urn:x-feedd:opml"><body>
<outline text="Named" xmlUrl="{u}named" feedd:name="n]&#10;{x}"/>
<outline text="Titled" xmlUrl="{u}titled" feedd:title="T&#10;{x}"/>
<outline text="Ruled" xmlUrl="{u}ruled" feedd:skip="title ~ a&#10;{x}"/>
<outline text="Timed" xmlUrl="{u}timed" feedd:interval="1h&#10;{x}"/>
<outline text="Kept" xmlUrl="{u}kept" feedd:name="kept" feedd:keep="title ~ x"
 feedd:enabled="no"/>
</body></opml>""".format(u=url, x=self.exec_line)
        path = os.path.join(self.d.dir, "evil-feedd.opml")
        with open(path, "w") as f:
            f.write(opml)
        r = self.ctl("import", path)
        self.assertEqual(r.returncode, 5, r.stderr)
        err = r.stderr.decode()
        self.assertIn('skipped outline 2 "Titled"', err)
        self.assertIn('title "T\\nexec = /bin/touch', err)
        self.assertIn('skipped outline 3 "Ruled"', err)
        self.assertIn('filter rule "exec = /bin/touch', err)
        self.assertIn('skipped outline 4 "Timed"', err)
        self.assertIn(b"2 added, 0 already present, 3 refused", r.stdout)
        # The forged name is not a name: the outline's text names it.
        added = self.assert_only_new_sections({"named": ["url"],
                                               "kept": ["enabled", "keep", "url"]})
        self.assertEqual(added["kept"]["keep"], "title ~ x")
        with open(self.d.config) as f:
            self.assertNotIn(self.marker, f.read())

    def test_values_given_to_add(self):
        self.srv.set_feed("v", items=items_of(1, "v"))
        url = self.srv.url("/feed/v")
        before = open(self.d.config, "rb").read()
        cases = [
            (("--tag", "a\n" + self.exec_line), '--tag "a\\nexec = /bin/touch'),
            (("--tag", "ok", "--tag", "b\r" + self.exec_line), '--tag "b\\rexec = /bin/touch'),
            (("--name", "v]\n" + self.exec_line), '--name "v]\\nexec = /bin/touch'),
            (("--interval", "1h\n" + self.exec_line), '--interval "1h\\nexec = /bin/touch'),
            (("--tag", "a\x01b"), '--tag "a\\x01b" contains a control character (U+0001)'),
            (("--tag", "x,y"), '--tag "x,y" contains a comma'),
        ]
        for args, msg in cases:
            r = self.ctl("add", url, *args)
            self.assertEqual(r.returncode, 2, (args, r.stderr))
            self.assertIn(msg.encode(), r.stderr)
            self.assertIn(b"nothing written", r.stderr)
            self.assertNotIn(b"\nexec", r.stderr)          # no raw newline from the value
            self.assertEqual(open(self.d.config, "rb").read(), before, args)
        r = self.ctl("add", url + "\n" + self.exec_line)
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn(b'URL "%s\\nexec = /bin/touch' % url.encode(), r.stderr)
        self.assertEqual(open(self.d.config, "rb").read(), before)
        # Nothing was fetched for a refused add.
        self.assertEqual(self.srv.log("/feed/v"), [])
        # The same feed with honest values is added, tags normalised.
        r = self.ctl("add", url, "--name", "v", "--tag", " Tech News ", "--interval", "2h")
        self.assertEqual(r.returncode, 0, r.stderr)
        added = self.assert_only_new_sections({"v": ["interval", "tags", "url"]})
        self.assertEqual(added["v"]["tags"], "tech news")
        self.assert_nothing_runs(["a", "v"])

    def test_the_parser_refuses_control_characters(self):
        # A value that would carry a control character: feedd refuses the
        # file, naming the line and the key, and keeps running the old one.
        with open(self.d.config, "ab") as f:
            f.write(b"\n[feed c]\nurl = http://example.org/c\ntags = a\x0bb\n")
        r = run_feedd("--check-config", "-c", self.d.config)
        self.assertEqual(r.returncode, 2)
        self.assertIn(b":16: [feed c] tags: the value contains a control character (U+000B)",
                      r.stderr)


if __name__ == "__main__":
    unittest.main()
