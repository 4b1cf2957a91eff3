"""feedctl import: names from the outlines' titles (slugs, kept unique),
else from the site's registrable domain (the Public Suffix List), one
write and one reload for the whole file, a second import that adds nothing
and says so, a summary, and progress on a terminal."""
import os
import pty
import re
import select
import shutil
import subprocess
import tempfile
import unittest

from fixture_server import FixtureServer
from harness import FEEDCTL_BIN, FEEDD_BIN, SLOW, Feedd, fill_disk, run_feedd, wait_until

CONF = """[daemon]
host_gap = 0s
[defaults]
interval = 1h
min_interval = 1s
allow_private = yes
"""


def opml(outlines):
    body = "".join('<outline type="rss"%s xmlUrl="%s"/>\n' % (
        ' text="%s"' % t if t is not None else "", u) for t, u in outlines)
    return ('<?xml version="1.0"?>\n<opml version="2.0"><head><title>subs</title></head>'
            '<body>\n%s</body></opml>\n' % body)


def new_names(path):
    with open(path) as f:
        return re.findall(r"^\[feed ([^\]]+)\]$", f.read(), re.M)


class Import(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="feedd-import-")
        self.conf = os.path.join(self.tmp, "feeds.conf")
        self.env = dict(os.environ, FEEDD_SOCKET=os.path.join(self.tmp, "none.sock"))

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def write_opml(self, outlines, name="subs.opml"):
        path = os.path.join(self.tmp, name)
        with open(path, "w", encoding="utf-8") as f:
            f.write(opml(outlines))
        return path

    def ctl(self, *args):
        return subprocess.run([FEEDCTL_BIN] + list(args) + ["--config", self.conf],
                              capture_output=True, env=self.env, timeout=60 * SLOW)

    def test_names_summary_and_reimport(self):
        path = self.write_opml(
            [("Blog %d" % i, "https://blog%d.example.org/feed.xml" % i) for i in range(3)] +
            [("Blog 0", "https://other.example.net/blog0.xml"),        # the same title
             (None, "https://user.github.io/feed.xml"),                # no title: the domain
             ("\u2014", "https://en.mehrnews.com/rss"),                # nothing in the title
             ("Bad", "ftp://bad.example.org/a"),                      # refused, with why
             ("Blog 1 again", "https://blog1.example.org/feed.xml")])  # listed twice
        r = self.ctl("import", path)
        out, err = r.stdout.decode(), r.stderr.decode()
        self.assertEqual(r.returncode, 5, err)                         # one was refused
        self.assertEqual(new_names(self.conf),
                         ["blog-0", "blog-1", "blog-2", "blog-0-2", "user", "mehrnews"])
        self.assertIn("added [feed user] https://user.github.io/feed.xml", out)
        self.assertIn("skipped https://blog1.example.org/feed.xml: listed twice", out)
        self.assertIn('skipped outline 7 "Bad"', err)
        self.assertIn("is not an http, https or file URL", err)
        self.assertIn("6 added, 1 already present, 1 refused", out)
        self.assertEqual(out.count("feedd is not running"), 1)         # one write, one reload
        with open(self.conf) as f:
            first = f.read()
        self.assertTrue(first.startswith("# feeds.conf"), first)     # a new file's header

        # The same file again: nothing added, and it says so.
        r = self.ctl("import", path)
        out = r.stdout.decode()
        self.assertIn("0 added, 7 already present, 1 refused", out)
        self.assertIn("nothing to add", out)
        self.assertIn("already in %s as [feed blog-0]" % self.conf, out)
        self.assertNotIn("feedd is not running", out)                  # nothing written
        with open(self.conf) as f:
            self.assertEqual(f.read(), first)

    def test_categories_the_tag_checks_refuse(self):
        # OPML 2.0's category is a comma-separated list of slash-delimited
        # paths: each part of a path is a tag, as an enclosing outline is.
        # A part holding what a tag cannot is rewritten (each run of them
        # one '-'), named on stderr; the feed is imported all the same.
        path = os.path.join(self.tmp, "cats.opml")
        with open(path, "w", encoding="utf-8") as f:
            f.write('<?xml version="1.0"?>\n<opml version="2.0"><head><title>c</title></head>'
                    '<body>\n'
                    '<outline text="Q" xmlUrl="https://q.example.org/feed" category="a?b"/>\n'
                    '<outline text="S" xmlUrl="https://s.example.org/feed" category="a/b"/>\n'
                    '<outline text="Amp"><outline text="A" xmlUrl="https://a.example.org/feed"'
                    ' category="x"/></outline>\n'
                    '<outline text="Weather"><outline text="W" xmlUrl="https://w.example.org/feed"'
                    ' category="/Boston/Weather,news"/></outline>\n'
                    '<outline text="Q &amp; A"><outline text="E" xmlUrl="https://e.example.org/f"'
                    '/></outline>\n'
                    '</body></opml>\n')
        r = self.ctl("import", path)
        out, err = r.stdout.decode(), r.stderr.decode()
        self.assertEqual(r.returncode, 0, err)
        self.assertIn('outline 1 "Q": tag "a?b" written as "a-b"', err)
        self.assertIn('outline 5 "E": tag "q & a" written as "q-a"', err)
        self.assertIn("5 added, 0 already present, 0 refused", out)
        with open(self.conf) as f:
            text = f.read()
        self.assertRegex(text, r"url = https://q\.example\.org/feed\ntags = a-b\n")
        self.assertRegex(text, r"url = https://e\.example\.org/f\ntags = q-a\n")
        self.assertRegex(text, r"url = https://s\.example\.org/feed\ntags = a, b\n")
        self.assertRegex(text, r"url = https://w\.example\.org/feed\ntags = weather, boston, news\n")

    def test_feedly_folders_keep_their_feeds(self):
        # Feedly and Inoreader folders named "Tech & Science" or
        # "Design/UX": the feeds are imported, a slash path split into
        # tags as a category's is, the & run rewritten (and said), a
        # folder with nothing a tag can hold left out, named.
        path = os.path.join(self.tmp, "feedly.opml")
        with open(path, "w", encoding="utf-8") as f:
            f.write('<?xml version="1.0"?>\n<opml version="1.0"><head><title>f</title></head>'
                    '<body>\n'
                    '<outline text="Tech &amp; Science" title="Tech &amp; Science">'
                    '<outline type="rss" text="T" xmlUrl="https://t.example.org/feed"/>'
                    '<outline type="rss" text="U" xmlUrl="https://u.example.org/feed"/>'
                    '</outline>\n'
                    '<outline text="Design/UX"><outline type="rss" text="D"'
                    ' xmlUrl="https://d.example.org/feed"/></outline>\n'
                    '<outline text="&amp;&amp;"><outline type="rss" text="N"'
                    ' xmlUrl="https://n.example.org/feed"/></outline>\n'
                    '</body></opml>\n')
        r = self.ctl("import", path)
        out, err = r.stdout.decode(), r.stderr.decode()
        self.assertEqual(r.returncode, 0, err)
        self.assertIn("4 added, 0 already present, 0 refused", out)
        self.assertIn('outline 1 "T": tag "tech & science" written as "tech-science"', err)
        self.assertIn('outline 4 "N": tag "&&" left out', err)
        with open(self.conf) as f:
            text = f.read()
        self.assertRegex(text, r"url = https://t\.example\.org/feed\ntags = tech-science\n")
        self.assertRegex(text, r"url = https://u\.example\.org/feed\ntags = tech-science\n")
        self.assertRegex(text, r"url = https://d\.example\.org/feed\ntags = design, ux\n")
        self.assertTrue(text.endswith("url = https://n.example.org/feed\n"), text)
        self.assertEqual(run_feedd("--check-config", "-c", self.conf).returncode, 0)

    def test_progress_and_summary_on_a_terminal(self):
        path = self.write_opml([("Site %d" % i, "https://s%d.example.org/" % i)
                                for i in range(120)])
        pid, fd = pty.fork()
        if pid == 0:
            os.execve(FEEDCTL_BIN, [FEEDCTL_BIN, "import", path, "--config", self.conf],
                      self.env)
        out = b""
        while True:
            ready, _, _ = select.select([fd], [], [], 30 * SLOW)
            if not ready:
                break
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                break
            if not chunk:
                break
            out += chunk
        _, status = os.waitpid(pid, 0)
        self.assertEqual(os.waitstatus_to_exitcode(status), 0, out)
        text = out.decode()
        self.assertIn("\rimporting 100/120...", text)
        self.assertNotIn("added [feed", text)                          # no line per feed
        self.assertIn("added site-0, site-1, site-2, ... to " + self.conf, text)
        self.assertIn("120 added, 0 already present, 0 refused", text)
        self.assertEqual(len(new_names(self.conf)), 120)

    def test_a_fragment_does_not_make_another_feed(self):
        # A fragment is never sent: a.rss#x is the feed a.rss, in the file
        # or earlier in the same OPML.
        with open(self.conf, "w") as f:
            f.write(CONF + "[feed a]\nurl = https://host.example.org/a.rss\n")
        path = self.write_opml([("A again", "https://host.example.org/a.rss#x"),
                                ("B", "https://host.example.org/b.rss#top"),
                                ("B again", "https://host.example.org/b.rss")])
        r = self.ctl("import", path)
        out = r.stdout.decode()
        self.assertEqual(r.returncode, 0, out + r.stderr.decode())
        self.assertIn("skipped https://host.example.org/a.rss#x: already in %s as [feed a]"
                      % self.conf, out)
        self.assertIn("skipped https://host.example.org/b.rss: listed twice", out)
        self.assertIn("1 added, 2 already present, 0 refused", out)
        self.assertEqual(new_names(self.conf), ["a", "b"])

    def test_a_failed_write_adds_nothing(self):
        # A full disk: the write fails after every outline was queued;
        # no "added" line and no count of them, since none was written.
        disk = os.path.join(self.tmp, "disk")
        os.mkdir(disk)
        subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "feedd-test", disk], check=True)
        try:
            self.conf = os.path.join(disk, "feeds.conf")
            with open(self.conf, "w") as f:
                f.write(CONF)
            path = self.write_opml([("One", "https://one.example.org/feed.xml"),
                                    ("Two", "https://two.example.org/feed.xml")])
            fill_disk(os.path.join(disk, "filler"))
            r = self.ctl("import", path)
            out, err = r.stdout.decode(), r.stderr.decode()
            self.assertEqual(r.returncode, 5, out + err)
            self.assertIn("cannot write %s: No space left on device" % self.conf, err)
            self.assertNotIn("added [feed", out)
            self.assertNotIn("2 added", out)
            self.assertIn("nothing added", out + err)
            with open(self.conf) as f:
                self.assertEqual(f.read(), CONF)
        finally:
            if subprocess.run(["umount", disk]).returncode != 0:
                subprocess.run(["umount", "-l", disk])


FEEDD_NS = "{urn:x-feedd:opml}"

SOURCE = """[defaults]
interval = 2h
min_interval = 1m
allow_private = yes

[feed Mehr_News]
url = http://127.0.0.1:9/mehr
title = Mehr (mine)
tags = news, iran
interval = 15m
skip = title ~ (?i)sponsored
keep = title ~ a
keep = content ~ b

[feed off]
url = http://127.0.0.1:9/off
enabled = no
allow_private = no

[feed plain]
url = https://plain.example.org/feed
"""


def outlines(opml_bytes):
    """xmlUrl -> every attribute of its outline (feedd's as feedd:KEY)."""
    import xml.etree.ElementTree as ET
    res = {}
    for o in ET.fromstring(opml_bytes).iter("outline"):
        if o.get("xmlUrl"):
            res[o.get("xmlUrl")] = {k.replace(FEEDD_NS, "feedd:"): v for k, v in o.items()}
    return res


class RoundTrip(unittest.TestCase):
    """export, then import: each feed keeps its name and the settings
    feedd writes in its namespace (title key, interval, enabled,
    allow_private, filter rules), through the real feedctl."""

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="feedd-roundtrip-")
        self.env = dict(os.environ, FEEDD_SOCKET=os.path.join(self.tmp, "none.sock"))
        self.src = self.write("src.conf", SOURCE)

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def write(self, name, text):
        path = os.path.join(self.tmp, name)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        return path

    def ctl(self, *args):
        r = subprocess.run([FEEDCTL_BIN] + list(args), capture_output=True, env=self.env,
                           timeout=60 * SLOW)
        return r

    def export(self, conf):
        r = self.ctl("export", "--config", conf)
        self.assertEqual(r.returncode, 0, r.stderr)
        return r.stdout

    def test_a_url_with_quotes_comes_back(self):
        # feeds.conf takes a URL holding quotes and export writes it: import
        # takes it back, the quotes percent-encoded (%22, as a browser
        # sends them), and knows it again in the file it came from.
        url = 'http://127.0.0.1:9/search.xml?q="linux"&fmt=rss'
        src = self.write("q.conf", "[feed search]\nurl = %s\n" % url)
        self.assertEqual(run_feedd("--check-config", "-c", src).returncode, 0)
        out = self.export(src)
        self.assertIn(url, outlines(out))
        opml_path = self.write("q.opml", out.decode())
        fresh = os.path.join(self.tmp, "fresh.conf")
        r = self.ctl("import", opml_path, "--config", fresh)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(new_names(fresh), ["search"])
        with open(fresh) as f:
            self.assertIn("url = http://127.0.0.1:9/search.xml?q=%22linux%22&fmt=rss\n", f.read())
        self.assertEqual(run_feedd("--check-config", "-c", fresh).returncode, 0)
        r = self.ctl("import", opml_path, "--config", src)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(b"0 added, 1 already present", r.stdout)

    def test_names_and_settings_survive(self):
        out = self.export(self.src)
        before = outlines(out)
        self.assertEqual(before["http://127.0.0.1:9/mehr"]["feedd:name"], "Mehr_News")
        self.assertEqual(before["http://127.0.0.1:9/mehr"]["feedd:keep"],
                         "title ~ a\ncontent ~ b")
        opml_path = self.write("out.opml", out.decode())

        # Into a fresh file, saying yes to private addresses: everything
        # in force before is in force after, under the same names.
        fresh = os.path.join(self.tmp, "fresh.conf")
        r = self.ctl("import", "--allow-private", opml_path, "--config", fresh)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(new_names(fresh), ["off", "plain", "Mehr_News"])
        self.assertNotIn(b"left out", r.stderr)
        self.assertEqual(outlines(self.export(fresh)), before)
        with open(fresh) as f:
            text = f.read()
        self.assertIn("[feed Mehr_News]\nurl = http://127.0.0.1:9/mehr\ninterval = 15m\n"
                      "tags = news, iran\ntitle = Mehr (mine)\nallow_private = yes\n"
                      "skip = title ~ (?i)sponsored\nkeep = title ~ a\nkeep = content ~ b\n",
                      text)
        # The daemon reads it as written.
        r = subprocess.run([FEEDD_BIN, "--check-config", "-c", fresh], capture_output=True,
                           timeout=30 * SLOW)
        self.assertEqual(r.returncode, 0, r.stderr)

        # Without --allow-private an OPML cannot open the address policy:
        # the key is left out, and feedctl says so, naming the feed.
        fresh2 = os.path.join(self.tmp, "fresh2.conf")
        r = self.ctl("import", opml_path, "--config", fresh2)
        self.assertEqual(r.returncode, 0, r.stderr)
        err = r.stderr.decode()
        self.assertIn("[feed Mehr_News]: allow_private = yes left out", err)
        self.assertIn("[feed plain]: allow_private = yes left out", err)
        self.assertIn("import --allow-private", err)
        after = outlines(self.export(fresh2))
        for url, attrs in before.items():
            if attrs["feedd:allow_private"] == "yes":
                attrs = dict(attrs, **{"feedd:allow_private": "no"})
            self.assertEqual(after[url], attrs)

        # Into a file with the same [defaults]: only the keys a section
        # needs are written (nothing that [defaults] already gives).
        same = self.write("same.conf", SOURCE.split("[feed")[0])
        r = self.ctl("import", opml_path, "--config", same)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stderr, b"")
        self.assertEqual(outlines(self.export(same)), before)
        with open(same) as f:
            text = f.read()
        self.assertIn("[feed plain]\nurl = https://plain.example.org/feed\n", text)
        self.assertNotIn("interval = 2h", text.split("[feed", 1)[1])

        # Once more: every feed is there already.
        r = self.ctl("import", opml_path, "--config", same)
        self.assertIn(b"0 added, 3 already present", r.stdout)

    def test_a_taken_name_gets_a_suffix(self):
        out = self.export(self.src)
        opml_path = self.write("out.opml", out.decode())
        other = self.write("other.conf", "[feed plain]\nurl = https://elsewhere.example/\n")
        r = self.ctl("import", opml_path, "--config", other)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(new_names(other), ["plain", "off", "plain-2", "Mehr_News"])


class ImportIntoARunningDaemon(unittest.TestCase):
    def test_one_reload_for_the_whole_file(self):
        with FixtureServer() as srv:
            for n in ("x", "y", "z"):
                srv.set_feed(n, items=[{"guid": n + "1", "title": n + " one"}])
            d = Feedd(CONF)
            try:
                path = os.path.join(d.dir, "subs.opml")
                with open(path, "w") as f:
                    f.write(opml([("Feed " + n.upper(), srv.url("/feed/" + n))
                                  for n in ("x", "y", "z")]))
                r = d.feedctl("import", path, "--config", d.config)
                self.assertEqual(r.returncode, 0, r.stderr)
                self.assertIn(b"feedd reloaded", r.stdout)
                self.assertEqual(d.read_log().count("reload: "), 1, d.read_log())
                for n in ("feed-x", "feed-y", "feed-z"):
                    self.assertTrue(wait_until(
                        lambda: (d.get("/v1/feeds/" + n).json().get("items") or 0) == 1,
                        timeout=15), d.read_log())
            finally:
                d.cleanup()

    def test_allow_private_for_another_readers_file(self):
        # feedctl import --allow-private of a file feedd did not write (no
        # feedd:allow_private) writes allow_private = yes as add does, so
        # the daemon fetches the loopback feeds instead of refusing them.
        with FixtureServer() as srv:
            for n in ("x", "y"):
                srv.set_feed(n, items=[{"guid": n + "1", "title": n + " one"}])
            d = Feedd(CONF.replace("allow_private = yes\n", ""))
            try:
                path = os.path.join(d.dir, "subs.opml")
                with open(path, "w") as f:
                    f.write(opml([("Feed " + n.upper(), srv.url("/feed/" + n))
                                  for n in ("x", "y")]))
                r = d.feedctl("import", "--allow-private", path, "--config", d.config)
                self.assertEqual(r.returncode, 0, r.stderr)
                with open(d.config) as f:
                    self.assertEqual(f.read().count("allow_private = yes\n"), 2)
                for n in ("feed-x", "feed-y"):
                    self.assertTrue(wait_until(
                        lambda: (d.get("/v1/feeds/" + n).json().get("items") or 0) == 1,
                        timeout=15), d.get("/v1/feeds/" + n).text)
            finally:
                d.cleanup()


if __name__ == "__main__":
    unittest.main()
