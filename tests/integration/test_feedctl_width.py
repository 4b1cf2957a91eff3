"""feedctl's human tables on a terminal (issue 24, point 3): each line fits
the terminal's width (a pseudo-terminal of 60 columns here), a long title
is cut with "…" on a character boundary and by display width, never
wrapped; piped output is never cut; titles show as plain text, without
their HTML markup."""
import fcntl
import json
import os
import pty
import re
import struct
import subprocess
import termios
import unicodedata
import unittest

from fixture_server import FixtureServer
from harness import FEEDCTL_BIN, SLOW, Feedd, wait_until

CONF = """[daemon]
host_gap = 0s
[defaults]
interval = 1h
allow_private = yes
[feed w]
url = {w}
[feed atom]
url = {atom}
[feed broken-with-a-long-name]
url = {bad}
"""

LONG = "A remarkably long title that goes on and on about nothing in particular"
WIDE = "日本語のニュースの見出しはとても長いです" * 2
ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title><id>urn:t</id>
<updated>2024-01-01T00:00:00Z</updated>
<entry><id>urn:e1</id><updated>2024-01-01T00:00:00Z</updated>
<title type="html">&lt;b&gt;Bold&lt;/b&gt; news &amp;amp; &lt;i&gt;more&lt;/i&gt;&amp;#33;</title>
<link href="http://example.org/bold"/></entry>
</feed>
"""
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def columns(line):
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in line)


class Width(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = FixtureServer().start()
        cls.srv.set_feed("w", items=[
            {"guid": "long", "title": LONG, "link": "http://example.org/long"},
            {"guid": "wide", "title": WIDE, "link": "http://example.org/wide"},
            {"guid": "short", "title": "Short", "link": "http://example.org/short"}])
        cls.srv.set_feed("atom", body=ATOM, content_type="application/atom+xml")
        cls.srv.set_feed("bad", status=500)
        cls.d = Feedd(CONF.format(w=cls.srv.url("/feed/w"), atom=cls.srv.url("/feed/atom"),
                                  bad=cls.srv.url("/feed/bad")))
        ok = wait_until(lambda: cls.d.get("/v1/items").json()["items"].__len__() == 4 and
                        cls.d.get("/v1/feeds/broken-with-a-long-name").json()["last_error"],
                        timeout=20 * SLOW)
        assert ok, cls.d.read_log()

    @classmethod
    def tearDownClass(cls):
        cls.d.cleanup()
        cls.srv.stop()

    def on_pty(self, cols, *args, env=None):
        """Runs feedctl with stdout on a pseudo-terminal COLS wide; its
        lines, without colours."""
        master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, cols, 0, 0))
        e = dict(os.environ, FEEDD_SOCKET=self.d.socket, LANG="C.UTF-8")
        e.pop("COLUMNS", None)
        e.pop("LC_ALL", None)
        e.update(env or {})
        p = subprocess.Popen([FEEDCTL_BIN] + list(args), stdout=slave, stderr=subprocess.PIPE,
                             env=e)
        os.close(slave)
        out = b""
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:          # EIO: the other side is closed
                break
            if not chunk:
                break
            out += chunk
        os.close(master)
        self.assertEqual(p.wait(timeout=30 * SLOW), 0, p.stderr.read())
        p.stderr.close()
        return [ANSI.sub("", l) for l in out.decode("utf-8").split("\r\n") if l]

    def test_items_fit_60_columns(self):
        lines = self.on_pty(60, "items")
        self.assertEqual(len(lines), 4, lines)
        for l in lines:
            self.assertLessEqual(columns(l), 60, l)
        long = [l for l in lines if "example.org/long" in l]
        self.assertEqual(len(long), 1, lines)
        # The title is cut, the link stays whole.
        self.assertRegex(long[0], r"  A remarkably[^…]*…  http://example\.org/long$")
        wide = [l for l in lines if "example.org/wide" in l][0]
        self.assertIn("…", wide)
        self.assertGreaterEqual(columns(wide), 58)   # cut by display width, not bytes
        short = [l for l in lines if "Short" in l][0]
        self.assertNotIn("…", short)

    def test_new_and_feeds_fit(self):
        for args in (["new", "c1", "--peek"], ["feeds"]):
            lines = self.on_pty(60, *args)
            self.assertGreater(len(lines), 2, args)
            for l in lines:
                self.assertLessEqual(columns(l), 60, (args, l))
        err = [l for l in self.on_pty(60, "feeds") if l.startswith("broken")][0]
        # The long name and the error are cut; the columns between stay whole.
        self.assertRegex(err, r"^broken-\S*…  failing   \S+( ago)? +in \S+ +0  \S.*…$")
        w = [l for l in self.on_pty(60, "feeds") if l.startswith("w ")][0]
        self.assertRegex(w, r"^w +ok +\S+( ago)? +in \S+ +3 *$")

    def test_columns_env_and_wider_terminal(self):
        lines = self.on_pty(200, "items")
        self.assertTrue(any(LONG in l for l in lines), lines)
        lines = self.on_pty(200, "items", env={"COLUMNS": "50"})
        self.assertTrue(all(columns(l) <= 50 for l in lines), lines)

    def test_no_cut_in_a_pipe(self):
        r = self.d.feedctl("items", env={"COLUMNS": "40"})
        self.assertEqual(r.returncode, 0, r.stderr)
        out = r.stdout.decode()
        self.assertIn(LONG + "  http://example.org/long", out)
        self.assertIn(WIDE, out)
        self.assertNotIn("…", out)

    def test_titles_are_plain_text(self):
        stored = [i for i in self.d.get("/v1/items?feed=atom").json()["items"]][0]["title"]
        self.assertIn("<b>", stored)            # the store keeps the markup
        r = self.d.feedctl("items", "--feed", "atom")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertRegex(r.stdout.decode(), r"  atom  Bold news & more!  http://example\.org/bold\n$")
        # --json is the data as stored.
        r = self.d.feedctl("items", "--feed", "atom", "--json")
        self.assertEqual(json.loads(r.stdout)["items"][0]["title"], stored)


if __name__ == "__main__":
    unittest.main()
