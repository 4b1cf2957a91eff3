"""The README's tour, run line by line as a new user would, with no
internet access: a daemon started the way tools/try starts it (relative
state and socket in ./var, binaries in ./build, the sample feeds.conf's
[daemon] and [defaults] with its drop-in feeds.conf.d/demo.conf), and the
demo feed served by tools/demo-feed, as tools/try serves it. Only the
demo's port differs (a free one, since tests run side by side), and the
sample's public feeds are left out (tests talk to loopback only), and the
demo is polled every 2 s instead of 20 s."""
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import unittest

from harness import FEEDCTL_BIN, FEEDD_BIN, SLOW, SOURCE_DIR, Feedd, wait_until

DEMO_PORT = 8737


def tour_lines():
    text = open(os.path.join(SOURCE_DIR, "README.md")).read()
    block = re.search(r"<!-- tour -->\s*```sh\n(.*?)```\s*<!-- /tour -->", text, re.S)
    assert block, "README.md has no tour block"
    return [l for l in block.group(1).splitlines() if l.strip()]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ReadmeTour(unittest.TestCase):
    def setUp(self):
        self.work = tempfile.mkdtemp(prefix="feedd-tour-")
        self.addCleanup(shutil.rmtree, self.work, True)
        self.port = free_port()
        os.mkdir(os.path.join(self.work, "build"))
        os.symlink(FEEDCTL_BIN, os.path.join(self.work, "build", "feedctl"))
        os.symlink(FEEDD_BIN, os.path.join(self.work, "build", "feedd"))
        # The sample's own settings, without its public feeds.
        sample = open(os.path.join(SOURCE_DIR, "feeds.conf")).read()
        head = sample[:sample.index("\n[feed ")]
        self.assertIn("[defaults]", head)
        with open(os.path.join(self.work, "feeds.conf"), "w") as f:
            f.write(head + "\n")
        os.mkdir(os.path.join(self.work, "feeds.conf.d"))
        demo = open(os.path.join(SOURCE_DIR, "feeds.conf.d", "demo.conf")).read()
        self.assertIn("127.0.0.1:%d/" % DEMO_PORT, demo)
        # Polled every 2 s here, so that `watch` sees an item in seconds.
        demo = re.sub(r"(?m)^interval( *)= 20s", r"interval\1= 2s", demo)
        demo = re.sub(r"(?m)^min_interval( *)= 10s", r"min_interval\1= 1s", demo)
        self.assertIn("= 2s", demo)
        with open(os.path.join(self.work, "feeds.conf.d", "demo.conf"), "w") as f:
            f.write(demo.replace(":%d/" % DEMO_PORT, ":%d/" % self.port))
        # As tools/try: the demo feed, a new item every 4 s here.
        self.demo = subprocess.Popen([sys.executable, os.path.join(SOURCE_DIR, "tools", "demo-feed"),
                                      "--port", str(self.port), "--every", "4"])
        self.addCleanup(self.demo.wait, 10)
        self.addCleanup(self.demo.terminate)

    def run_line(self, cmd):
        cmd = cmd.replace(":%d/" % DEMO_PORT, ":%d/" % self.port)
        script = "export FEEDD_SOCKET=var/feedd.sock\n"
        script += ("timeout 6 " + cmd) if "watch" in cmd else cmd
        return cmd, subprocess.run(["sh", "-c", script], cwd=self.work, capture_output=True,
                                   timeout=90)

    def test_every_tour_line_works_offline(self):
        lines = tour_lines()
        self.assertGreaterEqual(len(lines), 9)
        d = Feedd(None, start=False)
        self.addCleanup(d.cleanup)
        d.state_dir = "var"
        d.socket = os.path.join(self.work, "var", "feedd.sock")
        d.config = os.path.join(self.work, "feeds.conf")
        os.makedirs(os.path.join(self.work, "var"))
        cwd = os.getcwd()
        os.chdir(self.work)
        try:
            d.start()
        finally:
            os.chdir(cwd)
        self.assertTrue(wait_until(
            lambda: (d.get("/v1/feeds/demo").json().get("items") or 0) >= 3,
            timeout=30 * SLOW), d.read_log())
        out = {}
        for line in lines:
            cmd, r = self.run_line(line)
            out[cmd.split("#")[0].strip()] = r
            expected = (124,) if "watch" in cmd else (0,)
            self.assertIn(r.returncode, expected,
                          "%s\nstdout: %s\nstderr: %s" % (cmd, r.stdout, r.stderr))
        text = {k: r.stdout.decode() for k, r in out.items()}
        self.assertIn("Demo item", text["build/feedctl items --limit 5"])
        self.assertIn("Demo item", text["build/feedctl new me"])
        feed = text["build/feedctl feed demo"]
        self.assertRegex(feed, r"(?m)^  interval: 2s$")
        # watch follows new items: the demo's (one every 4 s here), and the
        # feed the add line has just added, if its first fetch comes then.
        watch = [json.loads(l) for l in next(v for k, v in text.items() if "watch" in k
                                             ).splitlines()]
        self.assertTrue(watch, text)
        self.assertLessEqual({i["feed"] for i in watch}, {"demo", "feedd-demo-releases"}, watch)
        # The add line wrote a section the daemon now polls.
        conf = open(d.config).read()
        self.assertIn("url = http://127.0.0.1:%d/releases.xml\n" % self.port, conf)
        self.assertIn("allow_private = yes\n", conf)
        self.assertTrue(wait_until(
            lambda: any(f["title"] == "feedd demo releases" and f["items"] == 2
                        for f in d.get("/v1/feeds").json()["feeds"]), timeout=30 * SLOW))
        # The demo's hook ran for its items; its stderr is in feedd's log.
        self.assertTrue(wait_until(lambda: 'hook: new item "Demo item' in d.read_log(),
                                   timeout=30 * SLOW), d.read_log()[-3000:])
        # `new me` again: nothing it printed before comes back (the demo
        # may have published one more item since).
        first = set(text["build/feedctl new me"].splitlines())
        env = dict(os.environ, FEEDD_SOCKET="var/feedd.sock")
        r = subprocess.run([FEEDCTL_BIN, "new", "me"], cwd=self.work, capture_output=True,
                           env=env)
        self.assertFalse(first & set(r.stdout.decode().splitlines()), r.stdout)
        self.assertEqual(d.stop(), 0)


class DemoFeed(unittest.TestCase):
    def test_it_changes_answers_304_and_stops_with_its_parent(self):
        port = free_port()
        # A parent that goes away: the demo server must stop by itself.
        parent = subprocess.Popen(["sh", "-c", "%s %s --port %d --every 1 & echo $!; sleep 3"
                                   % (sys.executable,
                                      os.path.join(SOURCE_DIR, "tools", "demo-feed"), port)],
                                  stdout=subprocess.PIPE)
        pid = int(parent.stdout.readline())
        import urllib.request
        import urllib.error

        def get(etag=None):
            req = urllib.request.Request("http://127.0.0.1:%d/demo.xml" % port)
            if etag:
                req.add_header("If-None-Match", etag)
            try:
                with urllib.request.urlopen(req, timeout=5) as r:
                    return r.status, r.headers.get("ETag"), r.read()
            except urllib.error.HTTPError as e:
                return e.code, e.headers.get("ETag"), b""
        self.assertTrue(wait_until(lambda: self._up(port), timeout=20 * SLOW))
        status, etag, body = get()
        self.assertEqual(status, 200)
        self.assertEqual(get(etag)[0], 304)
        time.sleep(1.5)
        status, etag2, body2 = get(etag)
        self.assertEqual(status, 200)
        self.assertGreater(body2.count(b"<item>"), body.count(b"<item>"))
        parent.wait(10)
        self.assertTrue(wait_until(lambda: not os.path.exists("/proc/%d" % pid) or
                                   open("/proc/%d/stat" % pid).read().split()[2] == "Z",
                                   timeout=10 * SLOW))

    @staticmethod
    def _up(port):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return True
        except OSError:
            return False


if __name__ == "__main__":
    unittest.main()
