"""feedctl as a Unix tool (issue 24, point 3): quiet exit when the reader of
its output goes away, `feedctl help [COMMAND]`, `--json` on every command
either answered with one JSON document or refused plainly, `feedd -V`, and
the bash, zsh and fish completions."""
import json
import os
import shutil
import subprocess
import unittest

from fixture_server import FixtureServer
from harness import FEEDCTL_BIN, FEEDD_BIN, SOURCE_DIR, SLOW, Feedd, wait_until

CONF = """[daemon]
host_gap = 0s
[defaults]
interval = 1h
min_interval = 1s
allow_private = yes
[feed a]
url = {url}
"""


class UnixTool(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = FixtureServer().start()
        cls.srv.set_feed("a", items=[{"guid": "g%d" % i, "title": "item number %d of many" % i,
                                      "description": "x" * 200} for i in range(600)])
        cls.d = Feedd(CONF.format(url=cls.srv.url("/feed/a")))
        ok = wait_until(lambda: (cls.d.get("/v1/feeds/a").json().get("items") or 0) == 600,
                        timeout=20)
        assert ok, cls.d.read_log()

    @classmethod
    def tearDownClass(cls):
        cls.d.cleanup()
        cls.srv.stop()

    def ctl(self, *args):
        return self.d.feedctl(*args)

    def test_quiet_exit_when_head_goes_away(self):
        # Far more than a pipe holds: feedctl is still writing when head exits.
        env = dict(os.environ, FEEDD_SOCKET=self.d.socket, FEEDCTL=FEEDCTL_BIN)
        for cmd in ('"$FEEDCTL" items --limit 1000 --json | head -1',
                    '"$FEEDCTL" items --limit 1000 | head -1',
                    '"$FEEDCTL" feeds | head -c 1'):
            r = subprocess.run(["bash", "-o", "pipefail", "-c", cmd], capture_output=True,
                               env=env, timeout=30 * SLOW)
            self.assertEqual(r.returncode, 0, (cmd, r.stderr))
            self.assertEqual(r.stderr, b"", cmd)

    def test_quiet_exit_on_a_closed_pipe(self):
        for args in (["feeds"], ["status", "--json"], ["feed", "a"], ["help"],
                     ["export", "--config", self.d.config]):
            rd, wr = os.pipe()
            os.close(rd)                       # the reader left before the first byte
            env = dict(os.environ, FEEDD_SOCKET=self.d.socket)
            r = subprocess.run([FEEDCTL_BIN] + args, stdout=wr, stderr=subprocess.PIPE,
                               env=env, timeout=30 * SLOW)
            os.close(wr)
            self.assertEqual(r.returncode, 0, (args, r.stderr))
            self.assertEqual(r.stderr, b"", args)

    def test_a_full_disk_is_still_an_error(self):
        with open("/dev/full", "w") as full:
            r = subprocess.run([FEEDCTL_BIN, "feeds"], stdout=full, stderr=subprocess.PIPE,
                               env=dict(os.environ, FEEDD_SOCKET=self.d.socket), timeout=30)
        self.assertEqual(r.returncode, 5)
        self.assertIn(b"writing the output failed", r.stderr)

    def test_help(self):
        r = self.ctl("help")
        self.assertEqual(r.returncode, 0)
        self.assertEqual(r.stdout, self.ctl("--help").stdout)
        self.assertIn(b"  help ", r.stdout)
        for cmd in ("items", "add", "refresh"):
            r = self.ctl("help", cmd)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertEqual(r.stdout, self.ctl(cmd, "--help").stdout)
            self.assertTrue(r.stdout.startswith(b"Usage: feedctl " + cmd.encode()), r.stdout)
        r = self.ctl("help", "nosuch")
        self.assertEqual(r.returncode, 2)
        self.assertIn(b'no command "nosuch"', r.stderr)
        self.assertEqual(self.ctl("help", "items", "feeds").returncode, 2)

    def test_json_everywhere_or_refused(self):
        for args in (["feeds"], ["feed", "a"], ["status"], ["items", "--limit", "2"],
                     # new pages by --limit (one document a page; another
                     # change makes that one document): one page here.
                     ["new", "consumer-1", "--peek", "--limit", "1000"], ["reload"], ["refresh"],
                     ["refresh", "a"]):
            r = self.ctl(*(args + ["--json"]))
            self.assertIn(r.returncode, (0, 1), (args, r.stderr))
            doc = json.loads(r.stdout)       # exactly one document
            self.assertIsInstance(doc, dict, args)
        self.assertEqual(json.loads(self.ctl("refresh", "a", "--json").stdout),
                         {"queued": ["a"]})
        r = json.loads(self.ctl("reload", "--json").stdout)
        self.assertEqual((r["reloaded"], r["feeds"]), (True, 1))
        for args in (["add", "http://127.0.0.1:9/x"], ["remove", "a"], ["import", "x.opml"],
                     ["export"]):
            r = self.ctl(*(args + ["--json", "--config", self.d.config]))
            self.assertEqual(r.returncode, 2, args)
            self.assertIn(b"feedctl: %s has no --json output" % args[0].encode(), r.stderr)

    def test_feedd_short_version(self):
        r = subprocess.run([FEEDD_BIN, "-V"], capture_output=True, timeout=10)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout, subprocess.run([FEEDD_BIN, "--version"],
                                                  capture_output=True).stdout)
        self.assertRegex(r.stdout.decode(), r"^feedd \d+\.\d+")


class Completions(unittest.TestCase):
    def path(self, name):
        return os.path.join(SOURCE_DIR, "cli", name)

    def test_bash(self):
        script = ('source %s; COMP_WORDS=(feedctl help im); COMP_CWORD=2; _feedctl; '
                  'echo "${COMPREPLY[*]}"' % self.path("feedctl.bash"))
        r = subprocess.run(["bash", "-c", script], capture_output=True, timeout=10)
        self.assertEqual(r.stdout.strip(), b"import", r.stderr)

    @unittest.skipUnless(shutil.which("fish"), "tools/deps test installs fish")
    def test_fish(self):
        def complete(line):
            r = subprocess.run(["fish", "--no-config", "-c", "source %s; complete -C '%s'"
                                % (self.path("feedctl.fish"), line)],
                               capture_output=True, timeout=10)
            self.assertEqual(r.stderr, b"")
            return [l.split("\t")[0] for l in r.stdout.decode().splitlines()]
        self.assertEqual(complete("feedctl ref"), ["refresh"])
        self.assertIn("--ndjson", complete("feedctl items --nd"))
        self.assertIn("--config", complete("feedctl import --co"))
        self.assertEqual(complete("feedctl help exp"), ["export"])

    @unittest.skipUnless(shutil.which("zsh"), "tools/deps test installs zsh")
    def test_zsh(self):
        r = subprocess.run(["zsh", "-n", self.path("feedctl.zsh")], capture_output=True,
                           timeout=10)
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(self.path("feedctl.zsh")) as f:
            self.assertEqual(f.readline(), "#compdef feedctl\n")
        # Every command the program knows is offered.
        with open(self.path("feedctl.zsh")) as f:
            text = f.read()
        usage = subprocess.run([FEEDCTL_BIN, "--help"], capture_output=True).stdout.decode()
        cmds = [l.split()[0] for l in usage.split("Commands:\n")[1].split("\n\n")[0].splitlines()]
        self.assertGreater(len(cmds), 10)
        for c in cmds:
            self.assertIn("'%s:" % c, text)


if __name__ == "__main__":
    unittest.main()
