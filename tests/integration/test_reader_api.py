"""The reader API's listener and its gate (issue 19): reader_listen opens a
TCP listener on loopback only when set, reader_auth's credentials (HTTP
Basic, X-Auth-Token) are checked on every request, failures are answered
401 with {"error_message"} after a delay that grows, a group- or
world-readable credentials file is refused — against the real daemon."""
import base64
import http.client
import json
import os
import socket
import tempfile
import time
import unittest

from harness import Feedd

CONF = """[daemon]
host_gap = 0s
{reader}
[defaults]
interval = 1h
"""


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def listening_inodes():
    """The inodes of every TCP socket listening in this network namespace."""
    inodes = set()
    for name in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(name) as f:
                next(f)
                for line in f:
                    cols = line.split()
                    if cols[3] == "0A":          # TCP_LISTEN
                        inodes.add(cols[9])
        except FileNotFoundError:
            pass
    return inodes


def socket_inodes(pid):
    out = set()
    fd_dir = "/proc/%d/fd" % pid
    for fd in os.listdir(fd_dir):
        try:
            target = os.readlink(os.path.join(fd_dir, fd))
        except OSError:
            continue
        if target.startswith("socket:["):
            out.add(target[8:-1])
    return out


def basic(user, password):
    token = base64.b64encode(("%s:%s" % (user, password)).encode()).decode()
    return {"Authorization": "Basic " + token}


class ReaderBase(unittest.TestCase):
    def start_reader(self, creds="alice:s3cret\ntoken:tok-123\n", mode=0o600, start=True):
        self.tmp = tempfile.mkdtemp(prefix="feedd-reader-")
        self.auth = os.path.join(self.tmp, "reader.auth")
        with open(self.auth, "w") as f:
            f.write(creds)
        os.chmod(self.auth, mode)
        self.port = free_port()
        reader = "reader_listen = 127.0.0.1:%d\nreader_auth = %s\n" % (self.port, self.auth)
        self.d = Feedd(CONF.format(reader=reader), start=start)
        return self.d

    def tearDown(self):
        d = getattr(self, "d", None)
        if d:
            d.cleanup()

    def call(self, method, path, headers=None, body=None):
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        c.request(method, path, body=body, headers=headers or {})
        r = c.getresponse()
        data = r.read()
        c.close()
        return r.status, dict(r.getheaders()), data


class NoListener(unittest.TestCase):
    def test_no_tcp_port_without_reader_listen(self):
        d = Feedd(CONF.format(reader=""))
        try:
            ours = socket_inodes(d.proc.pid)
            self.assertTrue(ours)                 # the Unix socket at least
            self.assertEqual(ours & listening_inodes(), set())
        finally:
            d.cleanup()


class Gate(ReaderBase):
    def test_listens_on_tcp(self):
        self.start_reader()
        self.assertNotEqual(socket_inodes(self.d.proc.pid) & listening_inodes(), set())
        self.assertIn("reader API listens on 127.0.0.1:%d" % self.port, self.d.read_log())

    def test_basic_and_token(self):
        self.start_reader()
        st, _, body = self.call("GET", "/v1/me", basic("alice", "s3cret"))
        self.assertEqual(st, 200, body)
        self.assertEqual(json.loads(body)["username"], "alice")
        self.assertIsInstance(json.loads(body)["id"], int)
        st, _, body = self.call("GET", "/v1/me", {"X-Auth-Token": "tok-123"})
        self.assertEqual(st, 200, body)
        # The Unix socket needs no credentials and is unchanged.
        self.assertEqual(self.d.get("/v1/status").status, 200)

    def test_refused_with_401_after_a_growing_delay(self):
        self.start_reader()
        cases = [{}, basic("alice", "wrong"), basic("alice", "s3cre"), basic("bob", "s3cret"),
                 {"X-Auth-Token": "tok-12"}, {"Authorization": "Bearer tok-123"},
                 {"Authorization": "Basic !!!"}]
        times = []
        for h in cases:
            t0 = time.monotonic()
            st, headers, body = self.call("GET", "/v1/me", h)
            times.append(time.monotonic() - t0)
            self.assertEqual(st, 401, h)
            self.assertEqual(json.loads(body), {"error_message": "access unauthorized"})
            self.assertIn("Basic", headers.get("WWW-Authenticate", ""))
        self.assertGreaterEqual(times[0], 0.09)
        self.assertGreaterEqual(times[3], 0.79)   # 100 ms doubled three times
        self.assertGreater(times[3], times[0] * 4)
        # A success forgets the failures.
        self.assertEqual(self.call("GET", "/v1/me", basic("alice", "s3cret"))[0], 200)
        t0 = time.monotonic()
        self.assertEqual(self.call("GET", "/v1/me")[0], 401)
        self.assertLess(time.monotonic() - t0, 0.5)

    def test_unknown_path_is_404_json(self):
        self.start_reader()
        st, _, body = self.call("GET", "/v1/nothing", basic("alice", "s3cret"))
        self.assertEqual(st, 404)
        self.assertIn("error_message", json.loads(body))

    def test_readable_auth_file_refused(self):
        for mode in (0o640, 0o604):
            d = self.start_reader(mode=mode, start=False)
            d.start(wait_ready=False)
            self.assertEqual(d.proc.wait(10), 1)
            log = d.read_log()
            self.assertIn(self.auth, log)
            self.assertIn("readable by others", log)
            d.cleanup()
            self.d = None

    def test_bad_listen_and_missing_auth(self):
        for reader in ("reader_listen = localhost\nreader_auth = /nonexistent\n",
                       "reader_listen = 127.0.0.1:%d\n" % free_port()):
            d = Feedd(CONF.format(reader=reader), start=False)
            d.start(wait_ready=False)
            self.assertEqual(d.proc.wait(10), 1)
            self.assertIn("reader", d.read_log())
            d.cleanup()

    def test_limits_are_the_sockets(self):
        self.start_reader()
        # A head over 8 KiB: 431, as on the Unix socket.
        h = basic("alice", "s3cret")
        h["X-Big"] = "x" * 9000
        st, _, _ = self.call("GET", "/v1/me", h)
        self.assertEqual(st, 431)


if __name__ == "__main__":
    unittest.main()
