"""The README's tour, run line by line as a new user would: a daemon started
the way tools/try starts it (relative state and socket in ./var, binaries in
./build), with the tour's one public URL swapped for a loopback feed."""
import os
import re
import shutil
import subprocess
import tempfile
import unittest

from fixture_server import FixtureServer
from harness import FEEDCTL_BIN, FEEDD_BIN, SOURCE_DIR, Feedd, wait_until

CONF = """[daemon]
host_gap = 0s
[defaults]
allow_private = yes
min_interval = 1s
[feed local]
url = {url}
"""


def tour_lines():
    text = open(os.path.join(SOURCE_DIR, "README.md")).read()
    block = re.search(r"<!-- tour -->\s*```sh\n(.*?)```\s*<!-- /tour -->", text, re.S)
    assert block, "README.md has no tour block"
    return [l for l in block.group(1).splitlines() if l.strip()]


class ReadmeTour(unittest.TestCase):
    def test_every_tour_line_works(self):
        lines = tour_lines()
        self.assertGreaterEqual(len(lines), 8)
        with FixtureServer() as srv:
            srv.set_feed("local", items=[{"guid": "t%d" % i, "title": "tour item %d" % i,
                                           "link": "http://example.org/%d" % i}
                                          for i in range(3)])
            srv.set_feed("debian", items=[{"guid": "d1", "title": "Debian news",
                                            "link": "http://example.org/d1"}])
            work = tempfile.mkdtemp(prefix="feedd-tour-")
            try:
                os.mkdir(os.path.join(work, "build"))
                os.symlink(FEEDCTL_BIN, os.path.join(work, "build", "feedctl"))
                os.symlink(FEEDD_BIN, os.path.join(work, "build", "feedd"))
                d = Feedd(None, start=False)
                # As tools/try: relative paths, from the checkout's top.
                d.state_dir = "var"
                d.socket = os.path.join(work, "var", "feedd.sock")
                d.config = os.path.join(work, "feeds.conf")
                d.write_config(CONF.format(url=srv.url("/feed/local")))
                os.makedirs(os.path.join(work, "var"))
                cwd = os.getcwd()
                os.chdir(work)
                try:
                    d.start()
                finally:
                    os.chdir(cwd)
                self.assertTrue(wait_until(
                    lambda: d.get("/v1/feeds/local").json().get("items") == 3), d.read_log())
                outputs = []
                for line in lines:
                    cmd = line.replace("https://www.debian.org/News/news",
                                       srv.url("/feed/debian"))
                    script = "export FEEDD_SOCKET=var/feedd.sock\n" + cmd
                    if "watch" in cmd:
                        script = "export FEEDD_SOCKET=var/feedd.sock\ntimeout 2 " + cmd
                    r = subprocess.run(["sh", "-c", script], cwd=work, capture_output=True,
                                       timeout=90)
                    outputs.append((cmd, r))
                    expected = (124,) if "watch" in cmd else (0,)
                    self.assertIn(r.returncode, expected,
                                  "%s\nstdout: %s\nstderr: %s" % (cmd, r.stdout, r.stderr))
                text = {cmd: r.stdout.decode() for cmd, r in outputs}
                joined = "\n".join(text.values())
                self.assertIn("tour item 0", joined)
                conf = open(d.config).read()
                self.assertIn("url = %s\ntags = debian\n" % srv.url("/feed/debian"), conf)
                self.assertTrue(wait_until(lambda: any(
                    f["url"] == srv.url("/feed/debian") for f in d.get("/v1/feeds").json()["feeds"])))
                # `new me` printed the items; the tour says a second run
                # prints nothing (once the debian item it has not seen yet
                # is read too).
                env = dict(os.environ, FEEDD_SOCKET="var/feedd.sock")
                r = subprocess.run([FEEDCTL_BIN, "new", "me"], cwd=work, capture_output=True,
                                   env=env)
                self.assertIn(b"Debian news", r.stdout)
                r = subprocess.run([FEEDCTL_BIN, "new", "me"], cwd=work, capture_output=True,
                                   env=dict(os.environ, FEEDD_SOCKET="var/feedd.sock"))
                self.assertEqual((r.returncode, r.stdout), (1, b""))
                self.assertEqual(d.stop(), 0)
            finally:
                d.cleanup()
                shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    unittest.main()
