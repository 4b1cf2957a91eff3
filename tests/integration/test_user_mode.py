"""feedd and feedctl for one person: run as an unprivileged user (nobody,
with a HOME and XDG_* in the test's folder), with no -c and no --socket,
they find the same per-user paths (core/paths.c); root keeps the system's.
"""
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
import unittest
import urllib.request

from harness import FEEDCTL_BIN, FEEDD_BIN, SLOW, Feedd, ServerTestCase, wait_until

NOBODY = 65534


def items_of(prefix, n):
    return [{"guid": "%s-%d" % (prefix, i), "title": "%s title %d" % (prefix, i)}
            for i in range(1, n + 1)]


class UserMode(ServerTestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="feedd-user-")
        self.home = os.path.join(self.tmp, "home")
        self.run_dir = os.path.join(self.tmp, "run")
        for d in (self.home, self.run_dir):
            os.makedirs(d, mode=0o700)
        for d in (self.tmp, self.home, self.run_dir):
            os.chown(d, NOBODY, NOBODY)
        os.chmod(self.tmp, 0o755)
        self.env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": self.home,
                    "XDG_RUNTIME_DIR": self.run_dir, "NO_COLOR": "1"}
        for k in ("ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"):
            if k in os.environ:
                self.env[k] = os.environ[k]
        self.proc = None

    def tearDown(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def as_user(self, cmd):
        return ["setpriv", "--reuid=%d" % NOBODY, "--regid=%d" % NOBODY, "--clear-groups",
                "--"] + cmd

    def ctl(self, *args, env=None):
        e = dict(self.env, **(env or {}))
        return subprocess.run(self.as_user([FEEDCTL_BIN] + list(args)), capture_output=True,
                              env=e, timeout=30 * SLOW)

    def start(self, env=None):
        self.log = os.path.join(self.tmp, "feedd.log")
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(self.as_user([FEEDD_BIN, "-v", "--foreground"]),
                                         stdin=subprocess.DEVNULL, stdout=log,
                                         stderr=subprocess.STDOUT,
                                         env=dict(self.env, **(env or {})))
        ok = wait_until(lambda: self.proc.poll() is not None or
                        self.ctl("status").returncode == 0, timeout=10)
        self.assertTrue(ok and self.proc.poll() is None, self.read_log())

    def read_log(self):
        with open(self.log, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def file_feed(self, name):
        """The fixture's feed NAME saved as a file the user owns: `feedctl
        add` refuses loopback addresses until allow_private is set, and a
        fresh account has no config to set it in."""
        path = os.path.join(self.home, name + ".xml")
        with urllib.request.urlopen(self.srv.url("/feed/" + name), timeout=10) as r:
            data = r.read()
        with open(path, "wb") as f:
            f.write(data)
        os.chown(path, NOBODY, NOBODY)
        return "file://" + path

    def items(self, feed):
        r = self.ctl("items", "--feed", feed, "--json")
        if r.returncode != 0:
            return []
        return [i["title"] for i in json.loads(r.stdout)["items"]]

    def test_start_add_see_stop_without_paths(self):
        self.srv.set_feed("ua", items=items_of("ua", 3))
        self.srv.set_feed("ub", items=items_of("ub", 2))
        conf = os.path.join(self.home, ".config", "feedd", "feeds.conf")
        # A loopback feed is refused under the default address policy.
        r = self.ctl("add", self.srv.url("/feed/ua"), "--name", "ua")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn(b"allow_private = yes", r.stderr)
        # A fresh account: `feedctl add` makes the file and its directory.
        ua = self.file_feed("ua")
        r = self.ctl("add", ua, "--name", "ua")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(b"feedd is not running", r.stdout)
        with open(conf) as f:
            text = f.read()
        self.assertTrue(text.startswith("# feeds.conf"), text)
        self.assertIn("[feed ua]\nurl = " + ua, text)
        self.assertEqual(os.stat(conf).st_uid, NOBODY)
        # Loopback feeds need allow_private (feeds.conf(5)).
        with open(conf, "a") as f:
            f.write("\n[defaults]\nallow_private = yes\n\n[daemon]\nhost_gap = 0s\n")

        self.start()
        sock = os.path.join(self.run_dir, "feedd", "feedd.sock")
        self.assertTrue(os.path.exists(sock), self.read_log())
        self.assertEqual(os.stat(os.path.dirname(sock)).st_mode & 0o777, 0o700)
        state = os.path.join(self.home, ".local", "state", "feedd")
        self.assertTrue(os.path.isdir(state), self.read_log())
        self.assertIn("from %s, state in %s, socket %s" % (conf, state, sock), self.read_log())
        self.assertTrue(wait_until(lambda: len(self.items("ua")) == 3, timeout=15),
                        self.read_log())

        # Added while it runs: written, reloaded, fetched.
        r = self.ctl("add", self.srv.url("/feed/ub"), "--name", "ub")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(b"feedd reloaded " + conf.encode(), r.stdout)
        self.assertTrue(wait_until(lambda: sorted(self.items("ub")) ==
                                   ["ub title 1", "ub title 2"], timeout=15), self.read_log())
        r = self.ctl("feeds", "--json")
        self.assertEqual(sorted(f["name"] for f in json.loads(r.stdout)["feeds"]), ["ua", "ub"])

        self.proc.send_signal(signal.SIGTERM)
        self.assertEqual(self.proc.wait(timeout=10 * SLOW), 0, self.read_log())
        self.assertFalse(os.path.exists(sock))
        r = self.ctl("status")
        self.assertEqual(r.returncode, 3)
        self.assertIn(sock.encode(), r.stderr)
        self.assertIn(b"is your feedd running? (systemctl --user status feedd.socket", r.stderr)

    def test_xdg_variables_win_over_home(self):
        cfg = os.path.join(self.tmp, "cfg")
        st = os.path.join(self.tmp, "st")
        env = {"XDG_CONFIG_HOME": cfg, "XDG_STATE_HOME": st}
        self.srv.set_feed("uc", items=items_of("uc", 1))
        r = self.ctl("add", self.file_feed("uc"), "--name", "uc", env=env)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(os.path.exists(os.path.join(cfg, "feedd", "feeds.conf")))
        self.assertFalse(os.path.exists(os.path.join(self.home, ".config")))
        r = subprocess.run(self.as_user([FEEDD_BIN, "--check-config"]), capture_output=True,
                           env=dict(self.env, **env), timeout=30)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(os.path.join(cfg, "feedd", "feeds.conf").encode() + b": ok, 1 feed (",
                      r.stdout)
        self.start(env=env)
        self.assertTrue(os.path.isdir(os.path.join(st, "feedd")), self.read_log())
        self.assertFalse(os.path.exists(os.path.join(self.home, ".local")))

    def test_first_start_without_a_config(self):
        # `systemctl --user start feedd` before any add: no feeds, not an error.
        self.start()
        r = self.ctl("feeds", "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(json.loads(r.stdout)["feeds"], [])

    def test_a_file_the_user_cannot_write_is_refused(self):
        # root's feeds.conf in the user's own (writable) directory: a new
        # file renamed over it would replace it; the edit is refused.
        conf_dir = os.path.join(self.home, ".config", "feedd")
        os.makedirs(conf_dir)
        for d in (os.path.dirname(conf_dir), conf_dir):
            os.chown(d, NOBODY, NOBODY)
        conf = os.path.join(conf_dir, "feeds.conf")
        with open(conf, "w") as f:
            f.write("[defaults]\nallow_private = yes\n")
        os.chmod(conf, 0o644)
        self.srv.set_feed("ro", items=items_of("ro", 1))
        self.srv.clear_log()
        r = self.ctl("add", self.srv.url("/feed/ro"))
        self.assertEqual(r.returncode, 5, r.stdout + r.stderr)
        self.assertIn(conf.encode() + b" is read-only for you", r.stderr)
        self.assertEqual(self.srv.log("/feed/ro"), [])
        st = os.stat(conf)
        self.assertEqual((st.st_uid, st.st_mode & 0o777), (0, 0o644))
        with open(conf) as f:
            self.assertEqual(f.read(), "[defaults]\nallow_private = yes\n")

    def test_a_state_directory_the_user_cannot_write(self):
        # A read-only state directory (or store) is said at start, naming
        # it, with exit 1: not a bare EACCES at the lock, not "damaged"
        # when the files are there from before, not the first commit's
        # failure long after a start that looked fine.
        state = os.path.join(self.tmp, "state")
        os.mkdir(state, 0o755)
        os.chown(state, NOBODY, NOBODY)
        conf = os.path.join(self.home, "feeds.conf")
        with open(conf, "w") as f:
            f.write("[daemon]\nstate_dir = %s\nsocket = %s\n"
                    % (state, os.path.join(self.run_dir, "feedd.sock")))
        os.chmod(conf, 0o644)

        def run(*args):
            return subprocess.run(self.as_user([FEEDD_BIN, "-c", conf] + list(args)),
                                  capture_output=True, env=self.env, timeout=30 * SLOW)

        def refused(what):
            r = run("--foreground")
            err = r.stderr.decode()
            self.assertEqual(r.returncode, 1, err)
            self.assertIn(what, err)
            self.assertNotIn("damaged", err)
            self.assertNotIn("listening", err)

        said = ("state directory %s is not writable by this user (uid %d; the directory's "
                "mode 0555, owner uid %d)" % (state, NOBODY, NOBODY))
        os.chmod(state, 0o555)
        refused(said)                                   # empty: nothing made yet
        self.assertEqual(os.listdir(state), [])
        os.chmod(state, 0o755)
        r = run("--once")                               # the store made
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("feedd.db", os.listdir(state))
        os.chmod(state, 0o555)
        refused(said)                                   # its files there from before
        os.chmod(state, 0o755)
        db = os.path.join(state, "feedd.db")
        os.chmod(db, 0o444)
        refused("store %s cannot be written by this user (the file is read-only for it)" % db)
        os.chmod(db, 0o644)
        r = run("--once")
        self.assertEqual(r.returncode, 0, r.stderr)

    def test_a_system_daemon_the_user_cannot_reach(self):
        # root's feedd, its socket 0660 root:root: connect(2) gives the
        # user EACCES. The daemon runs: not "not running", and it reads
        # its own file, not the one just edited.
        os.mkdir(os.path.join(self.tmp, "system"))
        d = Feedd("", dir=os.path.join(self.tmp, "system"))
        try:
            self.srv.set_feed("ux", items=items_of("ux", 1))
            os.chmod(d.dir, 0o755)
            os.chmod(d.socket, 0o660)
            self.assertEqual(subprocess.run([FEEDCTL_BIN, "--socket", d.socket, "status"],
                                            capture_output=True, timeout=30).returncode, 0)
            env = {"FEEDD_SOCKET": d.socket}
            del self.env["XDG_RUNTIME_DIR"]
            r = self.ctl("add", self.file_feed("ux"), "--name", "ux", env=env)
            out = r.stdout.decode()
            self.assertEqual(r.returncode, 0, out + r.stderr.decode())
            self.assertNotIn("not running", out)
            self.assertNotIn("will read", out)
            self.assertIn("feedd at %s is not reachable for this user (permission denied)"
                          % d.socket, out)
            self.assertIn("XDG_RUNTIME_DIR", out)
            self.assertEqual(d.get("/v1/feeds").json()["feeds"], [])
        finally:
            d.cleanup()

    def test_root_keeps_the_system_paths(self):
        env = dict(self.env, HOME=self.home)
        r = subprocess.run([FEEDCTL_BIN, "--help"], capture_output=True, env=env, timeout=30)
        self.assertIn(b"else /run/feedd/feedd.sock", r.stdout)
        r = subprocess.run([FEEDD_BIN, "--check-config"], capture_output=True, env=env,
                           timeout=30)
        self.assertIn(b"/etc/feedd/feeds.conf", r.stdout + r.stderr)
        self.assertNotIn(self.home.encode(), r.stdout + r.stderr)
        r = self.ctl("--help")
        self.assertIn(b"else " + os.path.join(self.run_dir, "feedd", "feedd.sock").encode(),
                      r.stdout)


if __name__ == "__main__":
    unittest.main()
