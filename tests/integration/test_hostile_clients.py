"""test_hostile_clients.py — socket clients that try to hurt feedd, beyond
what test_api.py covers (64 KiB header, slow loris, a client that never
reads 50 MB, 1 000 connects): request smuggling, bad chunked bodies, binary
garbage, NUL bytes and over-long targets, a client that half-closes or
vanishes mid-request or mid-long-poll, a pipelined flood that is never
read. After each, the daemon answers another client normally, holds no
stale long-poll, and a long-poll still wakes for a new item.

HostileLoadTest (issue 22, point 2): loads that used to lock every client
out — 2 000 idle connections, 100 idle keep-alive clients, a slow-loris of
300 heads, a client reconnecting in a loop, a burst of 1 000 long-polls —
each with a well-behaved client that must succeed meanwhile (success is
asserted, not timing: bench/api_hostile.py prints its p99 under each).
Also: a request line without an HTTP version is a 400, a slow request
body is a 408 that names the body.
"""
import json
import os
import re
import shutil
import signal
import socket
import tempfile
import threading
import time
import unittest

from fixture_server import render_rss
from harness import Feedd, SLOW, wait_until
from hostile_load import (IdleConnections, IdleKeepAlive, LongPollBurst, ReconnectLoop,
                          Slowloris, nonblocking_get, proc_nofile, raise_nofile,
                          well_behaved)


def exchange(path, data, timeout=10, shut=False):
    """Sends DATA; returns what comes back until close (or the timeout)."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout * SLOW)
    s.connect(path)
    out = b""
    try:
        s.sendall(data)
        if shut:
            s.shutdown(socket.SHUT_WR)
        while True:
            b = s.recv(65536)
            if not b:
                break
            out += b
    except OSError:
        pass
    finally:
        s.close()
    return out


def statuses(raw):
    return [int(m) for m in re.findall(rb"(?:^|\n)HTTP/1\.1 (\d{3}) ", raw)]


class HostileClientsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="feedd-hostile-cli-")
        cls.feed = os.path.join(cls.tmp, "a.xml")
        cls.items = [{"guid": "a%d" % i, "title": "item %d" % i} for i in range(3)]
        cls.write_feed()
        cls.d = Feedd("[defaults]\ninterval = 1h\n\n[feed a]\nurl = file://%s\n" % cls.feed)
        assert wait_until(lambda: len(cls.d.get("/v1/items").json()["items"]) == 3)

    @classmethod
    def write_feed(cls):
        with open(cls.feed + ".tmp", "wb") as f:
            f.write(render_rss("a", cls.items))
        os.replace(cls.feed + ".tmp", cls.feed)

    @classmethod
    def tearDownClass(cls):
        cls.d.cleanup()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def assertHealthy(self):
        self.assertIsNone(self.d.proc.poll(), self.d.read_log()[-2000:])
        r = self.d.get("/v1/status")
        self.assertEqual(r.status, 200)
        return r.json()

    def test_request_smuggling_is_refused(self):
        # Content-Length and Transfer-Encoding together: refused, and the
        # bytes after it are never taken as a second request.
        raw = exchange(self.d.socket,
                       b"POST /v1/reload HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n"
                       b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
                       b"POST /v1/feeds/a/refresh HTTP/1.1\r\nHost: x\r\n\r\n")
        self.assertEqual(statuses(raw)[:1], [400])
        self.assertEqual(len(statuses(raw)), 1, raw[:500])
        # Two Content-Lengths that disagree.
        raw = exchange(self.d.socket, b"POST /v1/reload HTTP/1.1\r\nHost: x\r\n"
                       b"Content-Length: 1\r\nContent-Length: 30\r\n\r\nx")
        self.assertEqual(statuses(raw), [400])
        self.assertHealthy()

    def test_bad_chunked_bodies(self):
        for body in (b"zz\r\nhello\r\n0\r\n\r\n",             # not hex
                     b"fffffffffffffffffff\r\n",              # overflowing size
                     b"5\r\nhelloXX0\r\n\r\n"):               # no CRLF after data
            raw = exchange(self.d.socket, b"POST /v1/reload HTTP/1.1\r\nHost: x\r\n"
                           b"Transfer-Encoding: chunked\r\n\r\n" + body, shut=True)
            self.assertIn(statuses(raw), ([400], [413]), body)
        # A chunked body that grows past 64 KiB.
        chunk = b"%x\r\n%s\r\n" % (16384, b"x" * 16384)
        raw = exchange(self.d.socket, b"POST /v1/reload HTTP/1.1\r\nHost: x\r\n"
                       b"Transfer-Encoding: chunked\r\n\r\n" + chunk * 6, shut=True)
        self.assertEqual(statuses(raw), [413])
        self.assertHealthy()

    def test_garbage_nul_and_long_targets(self):
        garbage = bytes((i * 131 + 7) % 256 for i in range(4096))
        raw = exchange(self.d.socket, garbage, shut=True)
        self.assertIn(statuses(raw), ([], [400]))
        raw = exchange(self.d.socket, b"GET /v1/items\x00?after=0 HTTP/1.1\r\nHost: x\r\n\r\n",
                       shut=True)
        self.assertEqual(statuses(raw), [400])
        raw = exchange(self.d.socket, b"GET /v1/items?q=" + b"a" * 9000 +
                       b" HTTP/1.1\r\nHost: x\r\n\r\n", shut=True)
        self.assertIn(statuses(raw)[0], (414, 431))
        # Percent-encoded NUL and invalid UTF-8 in parameters.
        for q in (b"/v1/items?q=%00", b"/v1/items?feed=%ff%fe", b"/v1/feeds/%00",
                  b"/v1/items?after=99999999999999999999999"):
            raw = exchange(self.d.socket, b"GET " + q + b" HTTP/1.1\r\nHost: x\r\n"
                           b"Connection: close\r\n\r\n")
            st = statuses(raw)
            self.assertEqual(len(st), 1, q)
            self.assertIn(st[0], (200, 400, 404), q)
            body = raw.split(b"\r\n\r\n", 1)[1]
            json.loads(body)
        self.assertHealthy()

    def test_clients_that_vanish(self):
        # Half a request, then half-close; half a request, then reset.
        raw = exchange(self.d.socket, b"GET /v1/ite", shut=True)
        self.assertIn(statuses(raw), ([], [400]))
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(self.d.socket)
        s.sendall(b"POST /v1/reload HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nabc")
        s.close()
        # Long-polls abandoned by their clients are not kept.
        socks = []
        for _ in range(20):
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.connect(self.d.socket)
            s.sendall(b"GET /v1/items?after=1000000&wait=300 HTTP/1.1\r\nHost: x\r\n\r\n")
            socks.append(s)
        self.assertTrue(wait_until(lambda: self.d.get("/v1/status").json()["api"]["waiting"] >= 20))
        for s in socks:
            s.close()
        self.assertTrue(wait_until(lambda: self.d.get("/v1/status").json()["api"]["waiting"] == 0))
        self.assertHealthy()

    def test_pipelined_flood_never_read(self):
        # 20 000 pipelined requests, none of the answers read: the daemon
        # drops the client once its write queue is full, and meanwhile
        # serves another client.
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        s.connect(self.d.socket)
        s.settimeout(0.5)
        req = b"GET /v1/items?limit=1000 HTTP/1.1\r\nHost: x\r\n\r\n"
        sent = 0
        dropped = False
        deadline = time.monotonic() + 60 * SLOW
        while sent < 20000 and time.monotonic() < deadline:
            try:
                s.sendall(req * 100)
                sent += 100
            except socket.timeout:
                # The daemon stopped reading from us: check it serves others.
                self.assertEqual(self.d.get("/v1/status").status, 200)
            except OSError:
                dropped = True
                break
        s.close()
        print("\n# flood: %d requests sent, %s" % (sent, "dropped" if dropped else "not dropped"))
        self.assertTrue(dropped)
        self.assertHealthy()

    def test_long_poll_wakes_while_others_misbehave(self):
        # A slow-loris and a garbage sender are connected while a long-poll
        # waits; a new item still wakes it.
        loris = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        loris.connect(self.d.socket)
        loris.sendall(b"GET /v1/items HTTP/1.1\r\nHo")
        last = self.d.get("/v1/items?limit=1000").json()["next"]
        result = {}

        def poll():
            result["r"] = self.d.get("/v1/items?after=%d&wait=60" % last, timeout=90)
        t = threading.Thread(target=poll)
        t.start()
        wait_until(lambda: self.d.get("/v1/status").json()["api"]["waiting"] >= 1)
        exchange(self.d.socket, bytes(range(256)) * 4, shut=True)
        self.items.append({"guid": "new", "title": "woken"})
        self.write_feed()
        self.assertEqual(self.d.post("/v1/feeds/a/refresh").status, 202)
        t.join(90 * SLOW)
        loris.close()
        self.assertFalse(t.is_alive())
        items = result["r"].json()["items"]
        self.assertEqual([i["title"] for i in items], ["woken"])
        self.assertHealthy()


class HostileLoadTest(unittest.TestCase):
    IDLE = 2000

    @classmethod
    def setUpClass(cls):
        # 2 000 connections are 2 000 descriptors on each side: the daemon
        # inherits this limit (and raises its own soft limit to the hard one).
        raise_nofile(8192)
        cls.d = Feedd("[defaults]\ninterval = 1h\n")

    @classmethod
    def tearDownClass(cls):
        cls.d.cleanup()

    def status_api(self):
        return self.d.get("/v1/status").json()["api"]

    def assertServed(self):
        well_behaved(self.d.socket, 20)
        self.assertIsNone(self.d.proc.poll())

    def test_thousands_of_idle_connections(self):
        limit = proc_nofile(self.d.proc.pid)
        self.assertGreater(limit, self.IDLE + 512,
                           "the daemon's open-files limit (%d) is too low for this test; "
                           "raise the hard limit (ulimit -Hn)" % limit)
        with IdleConnections(self.d.socket, self.IDLE):
            self.assertServed()
            # They are all open (not closed to make room): idle costs no slot.
            self.assertGreaterEqual(self.status_api()["clients"], self.IDLE)
            self.assertServed()

    def test_idle_keep_alive_clients(self):
        with IdleKeepAlive(self.d.socket, 100):
            self.assertServed()
            self.assertGreaterEqual(self.status_api()["clients"], 100)

    def test_slowloris(self):
        with Slowloris(self.d.socket, 300):
            time.sleep(0.5)
            self.assertServed()

    def test_reconnect_loop(self):
        with ReconnectLoop(self.d.socket) as loop:
            wait_until(lambda: loop.cycles > 200)
            self.assertServed()
        self.assertGreater(loop.cycles, 200)

    def test_reconnect_loop_keeps_no_nonblocking_client_out(self):
        # The soak's hostile mode (1 000 idle connections, 50 idle
        # keep-alive, 100 slow-loris, a client reconnecting in a loop, 300
        # held long-polls) while 16 clients whose connect does not wait
        # (EAGAIN at once when the listen queue is full) make requests:
        # every one gets in. It used to fail as soon as the loop filled the
        # queue: 64 connections were accepted per loop turn, and each of
        # the loop's cost a read and a timer.
        per, nthreads = 40, 16
        failed = []

        def client(k):
            for i in range(per):
                try:
                    status, body = nonblocking_get(self.d.socket)
                    if status != 200:
                        failed.append((k, i, status, body[:100]))
                except OSError as e:
                    failed.append((k, i, repr(e)))

        with IdleConnections(self.d.socket, 1000), IdleKeepAlive(self.d.socket, 50), \
                Slowloris(self.d.socket, 100), ReconnectLoop(self.d.socket) as loop, \
                LongPollBurst(self.d.socket, 300):
            self.assertTrue(wait_until(lambda: loop.cycles > 2000, 30), loop.cycles)
            # The daemon's loop busy now and then, as in the soak (a big
            # document parsed, a slow disk): stopped for as long as the
            # loop takes to fill a quarter of the listen queue (4 096),
            # then running for 0.3 s and at least twice that. That never
            # fills the queue when a turn empties it; it did when a turn
            # took 64.
            stop = threading.Event()

            def staller():
                # The loop's rate changes as the clients come and go (one
                # Python process): measured again before each stop.
                c0, t0 = loop.cycles, time.monotonic()
                while not stop.wait(0.3):
                    rate = (loop.cycles - c0) / (time.monotonic() - t0)
                    stall = min(0.1, 1000.0 / max(rate, 1.0))
                    os.kill(self.d.proc.pid, signal.SIGSTOP)
                    time.sleep(stall)
                    os.kill(self.d.proc.pid, signal.SIGCONT)
                    if stop.wait(2 * stall):
                        break
                    c0, t0 = loop.cycles, time.monotonic()

            st = threading.Thread(target=staller)
            st.start()
            try:
                threads = [threading.Thread(target=client, args=(k,)) for k in range(nthreads)]
                for t in threads:
                    t.start()
                for t in threads:
                    t.join(300)
            finally:
                stop.set()
                st.join()
                os.kill(self.d.proc.pid, signal.SIGCONT)
            cycles = loop.cycles
        self.assertEqual(failed[:10], [], "%d of %d non-blocking requests failed while the "
                         "loop made %d connections" % (len(failed), per * nthreads, cycles))
        self.assertIsNone(self.d.proc.poll())

    def test_feedctl_waits_its_turn_in_a_full_queue_up_to_its_timeout(self):
        # The listen queue full (the daemon stopped, the queue filled by
        # connects that do not wait): feedctl's connect waits for room, up
        # to --timeout, then says the daemon did not answer in time; with
        # the daemon back within the timeout it gets in. It used to wait
        # without a bound.
        held = []
        os.kill(self.d.proc.pid, signal.SIGSTOP)
        try:
            while len(held) < 10000:
                s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                s.setblocking(False)
                try:
                    s.connect(self.d.socket)
                except BlockingIOError:
                    s.close()
                    break
                held.append(s)
            self.assertLess(len(held), 10000)
            t0 = time.monotonic()
            r = self.d.feedctl("--timeout", "2", "status", timeout=20)
            took = time.monotonic() - t0
            self.assertEqual(r.returncode, 3, r.stderr)
            self.assertIn(b"did not answer", r.stderr)
            self.assertLess(took, 10 * SLOW)
            threading.Timer(1.0, os.kill, (self.d.proc.pid, signal.SIGCONT)).start()
            r = self.d.feedctl("--timeout", "20", "status", timeout=30)
            self.assertEqual(r.returncode, 0, r.stderr)
        finally:
            os.kill(self.d.proc.pid, signal.SIGCONT)
            for s in held:
                s.close()
        self.assertIsNone(self.d.proc.poll())
        well_behaved(self.d.socket, 5)

    def test_burst_of_long_polls(self):
        with LongPollBurst(self.d.socket, 1000) as burst:
            self.assertServed()
            # Every one is held (docs/API.md: held long-polls do not count),
            # none refused.
            self.assertTrue(wait_until(lambda: self.status_api()["waiting"] == 1000, 60),
                            self.status_api())
            self.assertEqual(burst.answered(), 0)
            self.assertServed()
        self.assertTrue(wait_until(lambda: self.status_api()["waiting"] == 0))

    def test_request_line_without_version_is_400(self):
        raw = exchange(self.d.socket, b"GET /v1/status\r\n\r\n", shut=True)
        self.assertEqual(statuses(raw), [400], raw[:300])
        self.assertIn(b"HTTP/1.x", raw)
        raw = exchange(self.d.socket, b"GET /v1/status HTTP/2.0\r\nHost: x\r\n\r\n",
                       shut=True)
        self.assertEqual(statuses(raw), [400], raw[:300])

    def test_slow_body_408_names_the_body(self):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(30 * SLOW)
        s.connect(self.d.socket)
        s.sendall(b"POST /v1/reload HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nab")
        raw = b""
        try:
            while True:
                b = s.recv(65536)
                if not b:
                    break
                raw += b
        finally:
            s.close()
        self.assertEqual(statuses(raw), [408], raw[:300])
        self.assertIn(b"request body took too long", raw)


if __name__ == "__main__":
    unittest.main()
