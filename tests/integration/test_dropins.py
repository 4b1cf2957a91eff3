"""feeds.conf.d: drop-ins read after the main file in byte order of their
names, with the same validation; a name defined twice is an error naming
both places; --check-config covers every file; feedctl add and import
write into a drop-in with --file, remove edits the file that holds the
section and leaves the others byte for byte; a reload picks up a new,
changed or removed drop-in."""
import json
import os
import shutil
import subprocess
import tempfile
import unittest

from fixture_server import FixtureServer
from harness import FEEDCTL_BIN, SLOW, Feedd, run_feedd, wait_until

MAIN = """# the main file
[daemon]
host_gap = 0s
[defaults]
interval = 1h
min_interval = 1s
allow_private = yes

[feed main]
url = {url}/feed/main
"""


def read(path):
    with open(path, "rb") as f:
        return f.read()


def write(path, text):
    with open(path, "w") as f:
        f.write(text)


class DropIns(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = FixtureServer().start()
        for name in ("main", "a", "b", "c", "new", "o1", "o2"):
            cls.srv.set_feed(name, items=[{"guid": name + "1", "title": name + " one"}])

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="feedd-dropins-")
        self.conf = os.path.join(self.tmp, "feeds.conf")
        self.dir = self.conf + ".d"
        self.base = self.srv.url("").rstrip("/")
        write(self.conf, MAIN.format(url=self.base))
        os.mkdir(self.dir)
        self.env = dict(os.environ, FEEDD_SOCKET=os.path.join(self.tmp, "none.sock"))

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def dropin(self, name, text):
        path = os.path.join(self.dir, name)
        write(path, text)
        return path

    def feed(self, name):
        return "[feed %s]\nurl = %s/feed/%s\n" % (name, self.base, name)

    def ctl(self, *args, env=None):
        return subprocess.run([FEEDCTL_BIN] + list(args) + ["--config", self.conf],
                              capture_output=True, env=env or self.env, timeout=60 * SLOW)

    def test_order_and_check_config(self):
        b = self.dropin("20-b.conf", self.feed("b"))
        a = self.dropin("10-a.conf", "# a\n" + self.feed("a"))
        # Not read: each would be an error if it were.
        for junk in ("10-a.conf~", "10-a.conf.dpkg-old", ".10-a.conf.swp", "README"):
            self.dropin(junk, "not a config\n")
        r = run_feedd("--check-config", "-c", self.conf)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout.decode(),
                         "%s: ok, 3 feeds (3 enabled)\n"
                         "  read %s: 1 feed\n  read %s: 1 feed\n  read %s: 1 feed\n"
                         % (self.conf, self.conf, a, b))
        d = Feedd(None, dir=self.tmp, start=False)
        try:
            d.config = self.conf
            d.start()
            self.assertTrue(d.wait_log("3 feeds from %s and 2 drop-ins" % self.conf))
            st = d.get("/v1/status").json()
            self.assertEqual(st["config_files"], [self.conf, a, b])
            feeds = {f["name"] for f in d.get("/v1/feeds").json()["feeds"]}
            self.assertEqual(feeds, {"main", "a", "b"})
        finally:
            d.kill()

    def test_duplicate_name_across_files(self):
        self.dropin("a.conf", self.feed("a"))
        b = self.dropin("b.conf", "\n\n" + self.feed("a"))
        r = run_feedd("--check-config", "-c", self.conf)
        self.assertEqual(r.returncode, 2)
        self.assertIn("%s:3: [feed a] duplicate feed name (first defined at %s/a.conf:1)"
                      % (b, self.dir), r.stderr.decode())
        os.unlink(b)
        self.dropin("b.conf", self.feed("main"))
        r = run_feedd("--check-config", "-c", self.conf)
        self.assertEqual(r.returncode, 2)
        self.assertIn("%s:1: [feed main] duplicate feed name (first defined at %s:9)"
                      % (b, self.conf), r.stderr.decode())

    def test_check_config_names_the_dropin(self):
        p = self.dropin("x.conf", self.feed("x") + "intervall = 5m\n")
        q = self.dropin("y.conf", "[daemon]\nper_host = 3\n")
        r = run_feedd("--check-config", "-c", self.conf)
        self.assertEqual(r.returncode, 2)
        err = r.stderr.decode()
        self.assertIn('%s:3: [feed x] unknown key "intervall" (did you mean "interval"?)' % p, err)
        self.assertIn("%s:1: [daemon] belongs in the main file %s" % (q, self.conf), err)
        # An unreadable directory (here: not a directory) is an error too.
        shutil.rmtree(self.dir)
        write(self.dir, "")
        r = run_feedd("--check-config", "-c", self.conf)
        self.assertEqual(r.returncode, 2)
        self.assertIn("%s: cannot read the drop-in directory: Not a directory" % self.dir,
                      r.stderr.decode())
        # Absent: fine.
        os.unlink(self.dir)
        self.assertEqual(run_feedd("--check-config", "-c", self.conf).returncode, 0)

    def test_add_file_creates_the_dropin(self):
        shutil.rmtree(self.dir)
        before = read(self.conf)
        r = self.ctl("add", self.srv.url("/feed/new"), "--name", "new", "--file", "mine")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        path = os.path.join(self.dir, "mine.conf")
        self.assertIn(("added [feed new] to %s" % path).encode(), r.stdout)
        text = read(path).decode()
        self.assertTrue(text.startswith("# mine.conf"), text)
        self.assertIn("[feed new]\nurl = %s\n" % self.srv.url("/feed/new"), text)
        self.assertEqual(read(self.conf), before)
        # Again into the same file: appended; a name of another file is taken.
        r = self.ctl("add", self.srv.url("/feed/c"), "--name", "main", "--file", "mine.conf")
        self.assertEqual(r.returncode, 2)
        self.assertIn(b"is already the name of a feed in " + self.conf.encode(), r.stderr)
        r = self.ctl("add", self.srv.url("/feed/c"), "--name", "c", "--file", "mine.conf")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(read(path).decode().startswith(text))
        self.assertRegex(read(path).decode(), r"\[feed new\][^\[]*\[feed c\]")
        self.assertEqual(read(self.conf), before)
        r = run_feedd("--check-config", "-c", self.conf)
        self.assertIn(b"ok, 3 feeds", r.stdout)
        # A URL already in another file names that file.
        r = self.ctl("add", self.srv.url("/feed/main"), "--file", "other")
        self.assertEqual(r.returncode, 5, r.stderr)
        self.assertIn(("is already in %s as [feed main]" % self.conf).encode(), r.stderr)
        self.assertFalse(os.path.exists(os.path.join(self.dir, "other.conf")))
        # Names the reader would not take, or outside the directory.
        for bad in ("../x", "a/b", ".hidden", ""):
            r = self.ctl("add", self.srv.url("/feed/c"), "--file", bad)
            self.assertEqual(r.returncode, 2, (bad, r.stderr))
            self.assertIn(b"--file", r.stderr)
        self.assertEqual(sorted(os.listdir(self.dir)), ["mine.conf"])
        r = self.ctl("remove", "c", "--file", "mine")
        self.assertEqual(r.returncode, 2)

    def test_a_read_only_dropin_is_left_alone(self):
        team = self.dropin("team.conf", self.feed("a"))
        os.chmod(team, 0o444)
        opml = os.path.join(self.tmp, "o.opml")
        write(opml, '<opml version="2.0"><body><outline text="o" xmlUrl="%s/feed/o1"/>'
              '</body></opml>' % self.base)
        main = read(self.conf)
        for args in (("add", self.srv.url("/feed/b"), "--file", "team"), ("remove", "a"),
                     ("import", opml, "--file", "team")):
            r = self.ctl(*args)
            self.assertEqual(r.returncode, 5, (args, r.stdout, r.stderr))
            self.assertIn(team.encode() + b" is read-only", r.stderr, args)
            self.assertEqual(read(team), self.feed("a").encode(), args)
            self.assertEqual(os.stat(team).st_mode & 0o777, 0o444, args)
            self.assertEqual(read(self.conf), main, args)
        # The main file, writable, still takes an add.
        r = self.ctl("add", self.srv.url("/feed/b"), "--name", "b")
        self.assertEqual(r.returncode, 0, r.stderr)

    def test_remove_edits_the_file_holding_the_feed(self):
        a = self.dropin("a.conf", "# keep me\n" + self.feed("a") + "\n# b's\n" + self.feed("b"))
        c = self.dropin("c.conf", self.feed("c"))
        main_before, c_before = read(self.conf), read(c)
        r = self.ctl("remove", "b")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(("removed [feed b] from %s" % a).encode(), r.stdout)
        self.assertEqual(read(a).decode(), "# keep me\n" + self.feed("a"))
        self.assertEqual(read(self.conf), main_before)
        self.assertEqual(read(c), c_before)
        r = self.ctl("remove", "main")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertNotIn(b"[feed main]", read(self.conf))
        self.assertEqual(read(c), c_before)
        r = self.ctl("remove", "b")
        self.assertEqual(r.returncode, 5)
        self.assertIn(("no [feed b] in %s or its drop-ins" % self.conf).encode(), r.stderr)

    def test_import_into_file(self):
        opml = os.path.join(self.tmp, "subs.opml")
        write(opml, '<?xml version="1.0"?><opml version="2.0"><body>'
              '<outline text="One" xmlUrl="%s"/><outline text="Two" xmlUrl="%s"/>'
              '<outline text="Main" xmlUrl="%s"/></body></opml>'
              % (self.srv.url("/feed/o1"), self.srv.url("/feed/o2"), self.srv.url("/feed/main")))
        before = read(self.conf)
        r = self.ctl("import", opml, "--file", "subs")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        path = os.path.join(self.dir, "subs.conf")
        self.assertIn(("skipped %s: already in %s as [feed main]"
                       % (self.srv.url("/feed/main"), self.conf)).encode(), r.stdout)
        self.assertIn(b"2 added, 1 already present, 0 refused", r.stdout)
        text = read(path).decode()
        self.assertIn("[feed one]", text)
        self.assertIn("[feed two]", text)
        self.assertEqual(read(self.conf), before)
        # Again: nothing added, wherever the feeds are.
        r = self.ctl("import", opml)
        self.assertIn(b"0 added, 3 already present", r.stdout)
        self.assertEqual(read(self.conf), before)

    def test_new_dropin_reloads_the_running_daemon(self):
        # A drop-in that does not exist yet is not among the daemon's
        # config_files, but it is in the directory the daemon reads: add
        # and import --file ask for the reload and the feed is in force.
        d = Feedd(None, dir=self.tmp, start=False)
        try:
            d.config = self.conf
            d.start()
            env = dict(self.env, FEEDD_SOCKET=d.socket)
            r = self.ctl("add", self.srv.url("/feed/new"), "--name", "new", "--file", "team",
                         env=env)
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            self.assertNotIn(b"not in force", r.stdout)
            self.assertIn(b"feedd reloaded", r.stdout)
            team = os.path.realpath(os.path.join(self.dir, "team.conf"))
            self.assertIn(team, d.get("/v1/status").json()["config_files"])
            self.assertEqual(d.get("/v1/feeds/new").status, 200)
            opml = os.path.join(self.tmp, "subs.opml")
            write(opml, '<?xml version="1.0"?><opml version="2.0"><body>'
                  '<outline text="One" xmlUrl="%s"/></body></opml>' % self.srv.url("/feed/o1"))
            r = self.ctl("import", opml, "--file", "imp", env=env)
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            self.assertNotIn(b"not in force", r.stdout)
            self.assertIn(b"feedd reloaded", r.stdout)
            self.assertEqual(d.get("/v1/feeds/one").status, 200)
            # A file beside the directory (not *.conf in it) is still
            # another configuration: not reloaded.
            other = os.path.join(self.tmp, "other.conf")
            write(other, "[defaults]\nallow_private = yes\n")
            r = subprocess.run([FEEDCTL_BIN, "add", self.srv.url("/feed/c"), "--name", "c",
                                "--config", other], capture_output=True, env=env,
                               timeout=60 * SLOW)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn(b"not in force there", r.stdout)
        finally:
            d.kill()

    def test_reload_picks_up_dropins(self):
        d = Feedd(None, dir=self.tmp, start=False)
        try:
            d.config = self.conf
            d.start()

            def names():
                return {f["name"] for f in d.get("/v1/feeds").json()["feeds"]
                        if not f.get("removed")}
            self.assertEqual(names(), {"main"})
            p = self.dropin("new.conf", self.feed("new"))
            r = d.feedctl("reload")
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertEqual(names(), {"main", "new"})
            self.assertTrue(d.wait_log("reload: %s and 1 drop-in: 2 feeds (was 1)" % self.conf))
            self.assertTrue(wait_until(lambda: any(
                f["name"] == "new" and f.get("last_status") == 200
                for f in d.get("/v1/feeds").json()["feeds"]), timeout=10))
            # Changed: another feed in its place.
            write(p, self.feed("c"))
            self.assertEqual(d.feedctl("reload").returncode, 0)
            self.assertEqual(names(), {"main", "c"})
            # A bad drop-in is refused whole, naming it; the running set stays.
            bad = self.dropin("bad.conf", self.feed("main"))
            r = d.feedctl("reload")
            self.assertNotEqual(r.returncode, 0)
            self.assertTrue(d.wait_log("%s:1: [feed main] duplicate feed name" % bad))
            self.assertEqual(names(), {"main", "c"})
            os.unlink(bad)
            # Removed.
            os.unlink(p)
            self.assertEqual(d.feedctl("reload").returncode, 0)
            self.assertEqual(names(), {"main"})
            self.assertEqual(d.get("/v1/status").json()["config_files"], [self.conf])
        finally:
            d.kill()


if __name__ == "__main__":
    unittest.main()
