"""The daemon's life cycle: --check-config, READY, reload, watchdog, stop."""
import os
import shutil
import signal
import tempfile
import unittest

from fixture_server import FixtureServer
from harness import Feedd, run_feedd, wait_until, SOURCE_DIR, SLOW

GOOD = """
[daemon]
max_fetches = 4
[defaults]
interval = 1h
[feed one]
url = http://127.0.0.1:9/one.xml
enabled = no
"""

GOOD_TWO = GOOD + """
[feed two]
url = http://127.0.0.1:9/two.xml
enabled = no
"""


class CheckConfig(unittest.TestCase):
    def test_sample_config_is_valid(self):
        r = run_feedd("--check-config", "-c", os.path.join(SOURCE_DIR, "feeds.conf"))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(b"ok", r.stdout)

    def test_bad_config_exits_2_with_line_numbers(self):
        f = Feedd(GOOD + "[feed three]\nurl = gopher://x\nintervall = 5m\n", start=False)
        try:
            r = run_feedd("--check-config", "-c", f.config)
            self.assertEqual(r.returncode, 2)
            err = r.stderr.decode()
            self.assertIn("feeds.conf:10: [feed three] url", err)
            self.assertIn("must start with http://", err)
            self.assertNotIn("missing required key", err)
            self.assertIn('feeds.conf:11: [feed three] unknown key "intervall" '
                          '(did you mean "interval"?)', err)
        finally:
            f.cleanup()

    def test_missing_file(self):
        r = run_feedd("--check-config", "-c", "/nonexistent/feeds.conf")
        self.assertEqual(r.returncode, 2)
        self.assertIn(b"/nonexistent/feeds.conf: cannot open", r.stderr)

    def test_bad_config_refuses_to_start(self):
        f = Feedd("[feed x]\n", start=False)
        try:
            r = run_feedd("-c", f.config, "--state-dir", f.state_dir, "--socket", f.socket)
            self.assertEqual(r.returncode, 2)
            self.assertIn(b'missing required key "url"', r.stderr)
        finally:
            f.cleanup()

    def test_usage_errors(self):
        self.assertEqual(run_feedd("--no-such-flag").returncode, 2)
        r = run_feedd("--version")
        self.assertEqual(r.returncode, 0)
        self.assertTrue(r.stdout.startswith(b"feedd "))
        r = run_feedd("--help")
        self.assertEqual(r.returncode, 0)
        self.assertIn(b"--check-config", r.stdout)


class LifeCycle(unittest.TestCase):
    def setUp(self):
        self.f = Feedd(GOOD, env={"WATCHDOG_USEC": "200000"}, start=False)
        # WATCHDOG_PID must name the daemon; without it sd_watchdog_enabled
        # accepts any pid, which is what we want for a child.
        self.f.start()

    def tearDown(self):
        self.f.cleanup()

    def test_ready_watchdog_reload_stop(self):
        f = self.f
        self.assertTrue(f.notify.wait_for("WATCHDOG=1", 5 * SLOW), f.notify.messages)
        # A good reload: RELOADING=1 then READY=1 again, and the new set is logged.
        f.write_config(GOOD_TWO)
        f.notify.messages.clear()
        f.signal(signal.SIGHUP)
        self.assertTrue(f.notify.wait_for("RELOADING=1", 5 * SLOW))
        self.assertTrue(f.notify.wait_for("READY=1", 5 * SLOW))
        self.assertTrue(f.wait_log("2 feeds (was 1)"), f.read_log())
        # A bad reload is rejected whole; the running set stays.
        f.write_config(GOOD_TWO + "[feed bad]\nurl = nope\n")
        f.signal(signal.SIGHUP)
        self.assertTrue(f.wait_log("rejected, the running set is unchanged"), f.read_log())
        self.assertIn("[feed bad] url", f.read_log())
        self.assertIsNone(f.proc.poll())
        f.write_config(GOOD)
        f.signal(signal.SIGHUP)
        self.assertTrue(f.wait_log(": 1 feed (was 2)"), f.read_log())
        # SIGTERM: STOPPING=1 and a clean exit 0.
        code = f.stop()
        self.assertEqual(code, 0, f.read_log())
        self.assertIn("feedd: stopped", f.read_log())

    def test_sigint_stops_cleanly(self):
        self.f.signal(signal.SIGINT)
        self.assertEqual(self.f.proc.wait(10 * SLOW), 0)


class NewFeedNextDue(unittest.TestCase):
    """A feed a reload adds has a next fetch, its first, while it waits and
    while that first fetch runs: only removed, disabled and gone feeds
    have none (feedctl(1) feeds, API.md next_due)."""

    def setUp(self):
        self.srv = FixtureServer().start()
        self.srv.set_feed("slow3", items=[{"guid": "g1", "title": "one",
                                           "link": "http://example.org/1"}], delay=3)
        self.f = Feedd(GOOD)

    def tearDown(self):
        self.f.cleanup()
        self.srv.stop()

    def test_first_fetch_has_its_due_time(self):
        f = self.f
        f.write_config(GOOD + "[feed slow3]\nurl = %s\nallow_private = yes\n"
                       % self.srv.url("/feed/slow3"))
        f.signal(signal.SIGHUP)
        self.assertTrue(f.wait_log("2 feeds (was 1)"), f.read_log())

        def fetching():
            return f.get("/v1/feeds/slow3").json()["live"]["state"] == "fetching"
        self.assertTrue(wait_until(fetching, timeout=5 * SLOW), f.read_log())
        feed = f.get("/v1/feeds/slow3").json()
        self.assertIsNotNone(feed["next_due"], feed)
        self.assertEqual(feed["next_reason"], "new", feed)
        lines = f.feedctl("feeds").stdout.decode().splitlines()
        at = lines[0].index("NEXT")
        line = [l for l in lines if l.startswith("slow3")]
        self.assertEqual(len(line), 1, lines)
        self.assertNotEqual(line[0][at:at + 10].strip(), "-", lines)
        # Once fetched, the interval plans the next one.
        self.assertTrue(wait_until(lambda: not fetching(), timeout=10 * SLOW))
        feed = f.get("/v1/feeds/slow3").json()
        self.assertEqual(feed["next_reason"], "interval", feed)


class SocketDirectoryMissing(unittest.TestCase):
    """A socket whose directory does not exist: feedd says that, not the
    "permission denied" libuv makes of bind's ENOENT, and exits 1."""

    def test_missing_directory_is_said(self):
        f = Feedd(GOOD, start=False)
        try:
            sock = os.path.join(f.dir, "nodir", "sub", "f.sock")
            f.args = ["--socket", sock]
            # As the system daemon (root, or a unit's STATE_DIRECTORY): it
            # makes no socket directory of its own.
            f.env = {"STATE_DIRECTORY": f.state_dir}
            f.start(wait_ready=False)
            self.assertEqual(f.proc.wait(10 * SLOW), 1, f.read_log())
            log = f.read_log()
            self.assertIn("api: socket %s: directory %s does not exist"
                          % (sock, os.path.dirname(sock)), log)
            self.assertNotIn("permission denied", log)
        finally:
            f.cleanup()


class OneDaemonPerStateDir(unittest.TestCase):
    """Issue 22, point 5: two daemons on one state_dir ran every hook twice.
    The second is refused before it opens the store, naming the holder."""

    def setUp(self):
        self.a = Feedd(GOOD)
        # Its own folder and socket, the first one's state_dir.
        self.b = Feedd(GOOD, start=False, args=["--state-dir", self.a.state_dir])

    def tearDown(self):
        self.b.cleanup()
        self.a.cleanup()

    def test_second_daemon_is_refused_with_the_holders_pid(self):
        self.b.start(wait_ready=False)
        self.assertEqual(self.b.proc.wait(10 * SLOW), 1, self.b.read_log())
        log = self.b.read_log()
        self.assertIn("in use by another feedd (pid %d" % self.a.proc.pid, log)
        self.assertNotIn("READY=1", self.b.notify.messages)
        # The first is untouched; once it stops, the lock is free again
        # (the file it leaves behind does not keep anyone out).
        self.assertEqual(self.a.get("/v1/status").status, 200)
        self.assertEqual(self.a.stop(), 0)
        self.b._close_files()
        self.b.start()
        self.assertEqual(self.b.get("/v1/status").status, 200)

    def test_once_is_refused_too(self):
        r = run_feedd("--once", "-c", self.a.config, "--state-dir", self.a.state_dir)
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn(b"pid %d" % self.a.proc.pid, r.stderr)


class OneDaemonPerStore(unittest.TestCase):
    """Two daemons on one SQLite store through `store = PATH` and two
    state_dirs both ran, and both ran every hook; a deleted feedd.lock let a
    second one in on the same state_dir. The lock is the store file's own:
    the second is refused, naming the store and the holder's pid."""

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="feedd-store-lock-")
        self.db = os.path.join(self.dir, "shared.db")
        conf = GOOD.replace("[daemon]\n", "[daemon]\nstore = %s\n" % self.db, 1)
        self.assertIn("store = ", conf)
        self.a = Feedd(conf)
        self.b = Feedd(conf, start=False)   # its own state_dir

    def tearDown(self):
        self.b.cleanup()
        self.a.cleanup()
        shutil.rmtree(self.dir, ignore_errors=True)

    def refused(self):
        self.b.start(wait_ready=False)
        self.assertEqual(self.b.proc.wait(10 * SLOW), 1, self.b.read_log())
        log = self.b.read_log()
        self.assertIn("store %s is in use by another feedd (pid %d)"
                      % (self.db, self.a.proc.pid), log)
        self.assertNotIn("READY=1", self.b.notify.messages)
        self.b._close_files()

    def test_second_daemon_on_the_same_store_is_refused(self):
        self.assertIn("created a new store at %s" % self.db, self.a.read_log())
        self.refused()
        r = run_feedd("--once", "-c", self.b.config, "--state-dir", self.b.state_dir)
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertEqual(self.a.get("/v1/status").status, 200)
        self.assertEqual(self.a.stop(), 0)
        self.b.start()
        self.assertNotIn("created a new store", self.b.read_log())
        self.assertEqual(self.b.get("/v1/status").status, 200)

    def test_a_deleted_lock_file_lets_no_second_daemon_in(self):
        # The default store, in the one state_dir: feedd.lock deleted (a
        # "stale lock" cleaned up) and the store's own lock still holds.
        self.a.cleanup()
        self.b.cleanup()
        self.a = Feedd(GOOD)
        self.db = os.path.join(self.a.state_dir, "feedd.db")
        os.unlink(os.path.join(self.a.state_dir, "feedd.lock"))
        self.b = Feedd(GOOD, start=False, args=["--state-dir", self.a.state_dir])
        self.refused()
        self.assertEqual(self.a.get("/v1/status").status, 200)

class StoreFileGone(unittest.TestCase):
    """A store deleted or moved from under the running daemon went
    unnoticed: it wrote on into the unlinked file, and the next start made a
    new store that announced every item again. The upkeep now compares the
    path with the open file and stops with exit 3, naming the store."""

    def setUp(self):
        self.d = Feedd(GOOD, env={"FEEDD_UPKEEP_MS": "200"})
        self.db = os.path.join(self.d.state_dir, "feedd.db")

    def tearDown(self):
        self.d.cleanup()

    def gone(self, how):
        self.assertEqual(self.d.proc.wait(10 * SLOW), 3, self.d.read_log())
        log = self.d.read_log()
        self.assertIn("store %s was %s while feedd ran" % (self.db, how), log)

    def test_deleted(self):
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(self.db + suffix):
                os.unlink(self.db + suffix)
        self.gone("deleted")
        # The next start says it makes a new one.
        self.d._close_files()
        self.d.start()
        self.assertIn("created a new store at %s" % self.db, self.d.read_log())

    def test_moved(self):
        os.rename(self.db, self.db + ".old")
        self.gone("moved away")

    def test_replaced(self):
        shutil.copy(self.db, self.db + ".new")
        os.rename(self.db + ".new", self.db)
        self.gone("replaced by another file")


if __name__ == "__main__":
    unittest.main()
