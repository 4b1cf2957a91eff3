"""harness.py — runs the real feedd for integration tests.

Feedd(config_text) writes the config into a fresh temporary folder, starts
the binary from $FEEDD_BIN with its state and socket there and with
NOTIFY_SOCKET pointing at a datagram socket the harness reads, waits for
READY=1, and talks HTTP/1.1 to the API over the Unix socket. stop() sends
SIGTERM and returns the exit code; the folder is removed on cleanup.

Python 3 standard library only.
"""
import errno
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import unittest
import urllib.parse

from fixture_server import FixtureServer

FEEDD_BIN = os.environ.get("FEEDD_BIN", "feedd")
FEEDCTL_BIN = os.environ.get("FEEDCTL_BIN", "feedctl")
SOURCE_DIR = os.environ.get("FEEDD_SOURCE_DIR",
                            os.path.dirname(os.path.dirname(os.path.dirname(
                                os.path.abspath(__file__)))))
TEST_DATA = os.environ.get("FEEDD_TEST_DATA", os.path.join(SOURCE_DIR, "tests", "data"))
SANITIZED = os.environ.get("FEEDD_SANITIZE", "0").lower() in ("1", "on", "true", "yes")
# Under sanitizers (and valgrind) everything is slower: scale the waits.
SLOW = 4.0 if SANITIZED else 1.0
if os.environ.get("FEEDD_VALGRIND"):
    SLOW = 20.0


class UnixHTTPConnection(http.client.HTTPConnection):
    def __init__(self, path, timeout=10):
        super().__init__("feedd", timeout=timeout)
        self.unix_path = path

    def connect(self):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(self.timeout)
        s.connect(self.unix_path)
        self.sock = s


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body

    def json(self):
        return json.loads(self.body)

    @property
    def text(self):
        return self.body.decode("utf-8")


class NotifyListener:
    """A NOTIFY_SOCKET: collects what the daemon sends with sd_notify, read
    as it comes by a thread (a datagram socket nobody reads fills after a
    few messages, as systemd's never does)."""

    def __init__(self, path):
        self.path = path
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(path)
        self.sock.settimeout(0.2)
        self.messages = []
        self._unread = []
        self._cond = threading.Condition()
        self._closed = False
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self):
        while not self._closed:
            try:
                data = self.sock.recv(4096)
            except (socket.timeout, BlockingIOError):
                continue
            except OSError:
                return
            with self._cond:
                self._unread.append(data.decode("utf-8", "replace"))
                self._cond.notify_all()

    def poll(self, timeout):
        """The next message not yet seen (added to MESSAGES), or None."""
        with self._cond:
            if not self._unread:
                self._cond.wait(timeout)
            if not self._unread:
                return None
            msg = self._unread.pop(0)
        self.messages.append(msg)
        return msg

    def wait_for(self, needle, timeout):
        deadline = time.monotonic() + timeout
        for m in self.messages:
            if needle in m.split("\n"):
                return True
        while time.monotonic() < deadline:
            m = self.poll(max(0.01, deadline - time.monotonic()))
            if m is not None and needle in m.split("\n"):
                return True
        return False

    def close(self):
        self._closed = True
        self._thread.join(2)
        self.sock.close()


class Feedd:
    """One feedd process with its own state folder, socket and config."""

    def __init__(self, config_text="", args=(), env=None, dir=None, start=True,
                 ready_timeout=10):
        self.own_dir = dir is None
        self.dir = dir or tempfile.mkdtemp(prefix="feedd-test-")
        self.state_dir = os.path.join(self.dir, "state")
        self.socket = os.path.join(self.dir, "feedd.sock")
        self.config = os.path.join(self.dir, "feeds.conf")
        self.log_path = os.path.join(self.dir, "feedd.log")
        self.args = list(args)
        self.env = env or {}
        self.proc = None
        self.notify = None
        self.ready_timeout = ready_timeout
        if config_text is not None:
            self.write_config(config_text)
        if start:
            self.start()

    def write_config(self, text):
        tmp = self.config + ".tmp"
        with open(tmp, "w") as f:
            f.write(text)
        os.replace(tmp, self.config)

    def start(self, wait_ready=True):
        notify_path = os.path.join(self.dir, "notify.sock")
        if os.path.exists(notify_path):
            os.unlink(notify_path)
        self.notify = NotifyListener(notify_path)
        env = dict(os.environ)
        env.update(self.env)
        env["NOTIFY_SOCKET"] = notify_path
        cmd = [FEEDD_BIN, "-v", "-c", self.config, "--state-dir", self.state_dir,
               "--socket", self.socket] + self.args
        if os.environ.get("FEEDD_VALGRIND"):
            cmd = ["valgrind", "--quiet", "--error-exitcode=99", "--leak-check=full",
                   "--errors-for-leak-kinds=definite,indirect"] + cmd
        self.log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=self.log,
                                     stderr=subprocess.STDOUT, env=env)
        if wait_ready and not self.wait_ready():
            log = self.read_log()
            self.kill()
            raise AssertionError("feedd did not send READY=1 in time; log:\n" + log)
        return self

    def wait_ready(self, timeout=None):
        timeout = (timeout or self.ready_timeout) * SLOW
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                return False
            if self.notify.wait_for("READY=1", 0.1):
                return True
        return False

    def read_log(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def wait_log(self, needle, timeout=10):
        deadline = time.monotonic() + timeout * SLOW
        while time.monotonic() < deadline:
            if needle in self.read_log():
                return True
            time.sleep(0.05)
        return False

    def signal(self, sig):
        self.proc.send_signal(sig)

    def stop(self, timeout=10):
        """SIGTERM, then the exit code (None if it had to be killed)."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            code = self.proc.wait(timeout * SLOW)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            code = None
        self._close_files()
        return code

    def kill(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self._close_files()

    def _close_files(self):
        if self.notify:
            self.notify.close()
            self.notify = None
        if getattr(self, "log", None):
            self.log.close()
            self.log = None

    def cleanup(self):
        self.kill()
        if self.own_dir:
            shutil.rmtree(self.dir, ignore_errors=True)

    # --- the API over the Unix socket ---

    def request(self, method, path, body=None, headers=None, timeout=10):
        conn = UnixHTTPConnection(self.socket, timeout=timeout * SLOW)
        try:
            if isinstance(body, (dict, list)):
                body = json.dumps(body).encode()
                headers = dict(headers or {}, **{"Content-Type": "application/json"})
            conn.request(method, path, body=body, headers=headers or {})
            r = conn.getresponse()
            return Response(r.status, dict(r.getheaders()), r.read())
        finally:
            conn.close()

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, body=None, **kw):
        return self.request("POST", path, body=body, **kw)

    def feedctl(self, *args, input=None, timeout=30, env=None):
        e = dict(os.environ)
        e["FEEDD_SOCKET"] = self.socket
        e.update(env or {})
        return subprocess.run([FEEDCTL_BIN] + list(args), input=input, capture_output=True,
                              timeout=timeout * SLOW, env=e)


def run_feedd(*args, input=None, timeout=30):
    """Runs feedd once with ARGS (--check-config, --parse, --once ...)."""
    return subprocess.run([FEEDD_BIN] + list(args), input=input, capture_output=True,
                          timeout=timeout * SLOW)


def quote(s):
    return urllib.parse.quote(s, safe="")


def wait_until(pred, timeout=10, interval=0.05):
    deadline = time.monotonic() + timeout * SLOW
    while time.monotonic() < deadline:
        v = pred()
        if v:
            return v
        time.sleep(interval)
    return pred()


class ServerTestCase(unittest.TestCase):
    """A test case with one fixture server (self.srv) for its whole class,
    started before its first test and stopped after its last."""

    @classmethod
    def setUpClass(cls):
        cls.srv = FixtureServer().start()

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()


def fill_disk(path, room=0):
    """Writes PATH until its file system is full, then gives ROOM bytes
    back (the full-disk tests)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        for size in (65536, 512):
            while True:
                try:
                    os.write(fd, b"\0" * size)
                except OSError as e:
                    if e.errno != errno.ENOSPC:
                        raise
                    break
        if room:
            os.ftruncate(fd, max(0, os.fstat(fd).st_size - room))
    finally:
        os.close(fd)


class DaemonTestCase(unittest.TestCase):
    """A test case with its own fixture server (self.srv) and at most one
    daemon (self.d, set by the test), both stopped after each test."""

    def setUp(self):
        self.srv = FixtureServer().start()
        self.d = None

    def tearDown(self):
        if self.d:
            self.d.stop()
            self.d.cleanup()
        self.srv.stop()
