"""Logs people can filter (issue 24, point 4): the [daemon] log_level key,
--log-level, a change at run time through the API (`feedctl log-level`),
and lines that read "feedd: ..." when stderr is not the journal ("<N>..."
only when $JOURNAL_STREAM names stderr)."""
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import unittest

from fixture_server import FixtureServer
from harness import FEEDCTL_BIN, FEEDD_BIN, SLOW, wait_until

CONF = """[daemon]
host_gap = 0s
{daemon}
[defaults]
interval = 1h
min_interval = 1s
allow_private = yes
[feed good]
url = {url}good
[feed bad]
url = {url}bad
"""


class LogLevel(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = FixtureServer().start()
        cls.srv.set_feed("good", items=[{"guid": "g1", "title": "one"}])
        cls.srv.set_feed("bad", items=[], status=503)

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="feedd-log-")
        self.conf = os.path.join(self.dir, "feeds.conf")
        self.sock = os.path.join(self.dir, "feedd.sock")
        self.log = os.path.join(self.dir, "feedd.log")
        self.proc = None

    def tearDown(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)

    def write_conf(self, daemon=""):
        with open(self.conf, "w") as f:
            f.write(CONF.format(daemon=daemon, url=self.srv.url("/feed/")))

    def start(self, *args, env=None, journal=False):
        with open(self.log, "ab") as log:
            e = dict(os.environ)
            e.pop("JOURNAL_STREAM", None)
            if journal:        # what systemd sets when stderr is the journal
                st = os.fstat(log.fileno())
                e["JOURNAL_STREAM"] = "%d:%d" % (st.st_dev, st.st_ino)
            e.update(env or {})
            self.proc = subprocess.Popen(
                [FEEDD_BIN, "-c", self.conf, "--state-dir", os.path.join(self.dir, "state"),
                 "--socket", self.sock] + list(args),
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, env=e)
        ok = wait_until(lambda: self.proc.poll() is not None or
                        self.ctl("status").returncode == 0, timeout=10)
        self.assertTrue(ok and self.proc.poll() is None, self.read_log())

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        self.assertEqual(self.proc.wait(timeout=10 * SLOW), 0, self.read_log())

    def ctl(self, *args):
        return subprocess.run([FEEDCTL_BIN, "--socket", self.sock] + list(args),
                              capture_output=True, timeout=30 * SLOW)

    def read_log(self):
        with open(self.log, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def refreshed(self, feed, needle):
        """Refreshes FEED and waits until the store saw the fetch, then for
        NEEDLE in the log (None: waits a moment and returns the log)."""
        self.assertEqual(self.ctl("refresh", feed).returncode, 0)
        if needle:
            self.assertTrue(wait_until(lambda: needle in self.read_log(), timeout=10),
                            self.read_log())
        return self.read_log()

    def test_plain_lines_without_the_journal(self):
        self.write_conf()
        self.start()
        self.refreshed("bad", "fetch bad:")
        self.stop()
        lines = self.read_log().splitlines()
        self.assertTrue(lines)
        self.assertEqual([l for l in lines if not l.startswith("feedd: ")], [])
        self.assertFalse([l for l in lines if re.match(r"<\d>", l)])
        self.assertTrue([l for l in lines if l.startswith("feedd: warning: fetch bad: ")], lines)
        self.assertIn("feedd: stopped", lines)

    def test_priority_prefixes_under_the_journal(self):
        self.write_conf()
        self.start(journal=True)
        self.assertEqual(self.ctl("log-level", "notice").returncode, 0)
        if not os.path.exists("/run/systemd/journal/socket"):
            # Fetch lines carry journal fields, sent to the journal's own
            # socket when there is one (test_systemd_user reads them back);
            # without it they stay on the stream.
            self.refreshed("bad", "<4>fetch bad: ")
        self.stop()
        lines = self.read_log().splitlines()
        self.assertEqual([l for l in lines if not re.match(r"<[3-7]>", l)], [])
        self.assertTrue([l for l in lines if l.startswith("<5>feedd ")], lines)
        self.assertIn("<5>log level notice (was info), set through the API", lines)
        # An inherited JOURNAL_STREAM that is not stderr: plain lines.
        os.unlink(self.log)
        self.start(env={"JOURNAL_STREAM": "1:1"})
        self.stop()
        self.assertTrue(self.read_log().startswith("feedd: "), self.read_log())

    def test_level_from_the_file_and_at_run_time(self):
        self.write_conf("log_level = warning")
        self.start()
        self.assertEqual(self.ctl("log-level").stdout, b"warning\n")
        log = self.refreshed("bad", "fetch bad:")
        self.refreshed("good", None)
        self.assertTrue(wait_until(lambda: json.loads(self.ctl("feed", "good", "--json").stdout)
                                   .get("items") == 1))
        self.assertNotIn("fetch good:", self.read_log())          # info: below warning
        self.assertFalse([l for l in self.read_log().splitlines()
                          if re.search(r": \d+ feeds? from ", l)])   # notice: below warning

        # At run time, through the API.
        r = self.ctl("log-level", "debug")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout, b"log level debug (was warning)\n")
        self.assertEqual(json.loads(self.ctl("log-level", "--json").stdout),
                         {"log_level": "debug"})
        self.assertEqual(json.loads(self.ctl("status", "--json").stdout)["log_level"], "debug")
        self.srv.set_feed("good", items=[{"guid": "g2", "title": "two"}])
        self.refreshed("good", "feedd: fetch good: 200")
        r = self.ctl("log-level", "loud")
        self.assertEqual(r.returncode, 2)
        self.assertIn(b"log-level takes err, warning, notice, info, debug", r.stderr)
        r = json.loads(self.ctl("log-level", "err", "--json").stdout)
        self.assertEqual(r, {"log_level": "err", "was": "debug"})

        # A reload keeps a run-time level unless the file's value changed.
        self.assertEqual(self.ctl("reload").returncode, 0)
        self.assertEqual(self.ctl("log-level").stdout, b"err\n")
        self.write_conf("log_level = info")
        self.assertEqual(self.ctl("reload").returncode, 0)
        self.assertEqual(self.ctl("log-level").stdout, b"info\n")
        self.stop()

    def test_command_line_wins_and_bad_values(self):
        self.write_conf("log_level = err")
        self.start("--log-level", "notice")
        self.assertEqual(self.ctl("log-level").stdout, b"notice\n")
        self.assertTrue(wait_until(lambda: ": 2 feeds from " in self.read_log()),
                        self.read_log())
        self.stop()
        r = subprocess.run([FEEDD_BIN, "--log-level", "loud", "--check-config", "-c", self.conf],
                           capture_output=True, timeout=10)
        self.assertEqual(r.returncode, 2)
        self.assertIn(b"--log-level takes err, warning, notice, info, debug", r.stderr)
        self.write_conf("log_level = loud")
        r = subprocess.run([FEEDD_BIN, "--check-config", "-c", self.conf], capture_output=True,
                           timeout=10)
        self.assertEqual(r.returncode, 2)
        self.assertIn(b'[daemon] log_level "loud" is not one of', r.stderr)


if __name__ == "__main__":
    unittest.main()
