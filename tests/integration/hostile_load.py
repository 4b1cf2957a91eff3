"""hostile_load.py — hostile client loads on the socket API, shared by
test_hostile_clients.py (which asserts that a well-behaved client succeeds
meanwhile) and bench/api_hostile.py (which prints that client's latency).

Each load is a context manager: it is in place when `with` is entered and
gone when it exits.

  IdleConnections(path, n)   n connections that never send a byte
  IdleKeepAlive(path, n)     n clients served once, then silent, kept alive
  Slowloris(path, n)         n request heads sent one byte at a time
  ReconnectLoop(path)        a client connecting and leaving in a loop
                             (process=True: in a child process)
  LongPollBurst(path, n)     n long-polls (wait=300) sent at once

well_behaved(path, n) makes N requests on fresh connections and returns
their latencies in seconds; anything but a 200 raises. nonblocking_get
makes one request whose connect does not wait for room in the listen queue.

Python 3 standard library only.
"""
import multiprocessing
import resource
import socket
import threading
import time


def raise_nofile(want):
    """Raises this process's soft open-files limit (children inherit it)
    towards WANT, as far as the hard limit allows; returns the new limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = want if hard == resource.RLIM_INFINITY else min(want, hard)
    if soft != resource.RLIM_INFINITY and soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def proc_nofile(pid):
    """The soft open-files limit of process PID (from /proc)."""
    with open("/proc/%d/limits" % pid) as f:
        for line in f:
            if line.startswith("Max open files"):
                v = line.split()[3]
                return 1 << 62 if v == "unlimited" else int(v)
    return 0


def _connect(path, timeout=30):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    # A blocking connect waits for room in the listen queue, as a client
    # does; a non-blocking one on a Unix socket fails at once (EAGAIN).
    s.connect(path)
    s.settimeout(timeout)
    return s


def _read_answer(s):
    """One whole answer (Content-Length framing): (status, headers, body)."""
    buf = b""
    while b"\r\n\r\n" not in buf:
        b = s.recv(65536)
        if not b:
            raise ConnectionError("closed before an answer: %r" % buf[:200])
        buf += b
    head, body = buf.split(b"\r\n\r\n", 1)
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for ln in lines[1:]:
        k, _, v = ln.partition(":")
        headers[k.strip().lower()] = v.strip()
    n = int(headers.get("content-length", "0"))
    while len(body) < n:
        b = s.recv(65536)
        if not b:
            raise ConnectionError("closed mid-answer")
        body += b
    return status, headers, body


def well_behaved(path, n=20, target="/v1/status"):
    """N requests, each on a new connection; their latencies (seconds)."""
    out = []
    for _ in range(n):
        t0 = time.monotonic()
        s = _connect(path)
        try:
            s.sendall(b"GET " + target.encode() + b" HTTP/1.1\r\nHost: x\r\n"
                      b"Connection: close\r\n\r\n")
            status, _, body = _read_answer(s)
        finally:
            s.close()
        if status != 200:
            raise AssertionError("well-behaved client got %d: %r" % (status, body[:200]))
        out.append(time.monotonic() - t0)
    return out


def nonblocking_get(path, target="/v1/status", timeout=10):
    """One request on a new connection whose connect does not wait: a
    socket with a timeout is non-blocking, and connect on a Unix socket
    then fails with EAGAIN (BlockingIOError) at once when the listen
    queue is full, as many clients' sockets do. (status, body)."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout)
    try:
        s.connect(path)
        s.sendall(b"GET " + target.encode() + b" HTTP/1.1\r\nHost: x\r\n"
                  b"Connection: close\r\n\r\n")
        status, _, body = _read_answer(s)
    finally:
        s.close()
    return status, body


def percentile(xs, p):
    xs = sorted(xs)
    if not xs:
        return 0.0
    return xs[min(len(xs) - 1, int(round(p / 100.0 * (len(xs) - 1))))]


class _Sockets:
    def __init__(self):
        self.socks = []

    def close_all(self):
        for s in self.socks:
            try:
                s.close()
            except OSError:
                pass
        self.socks = []


class IdleConnections(_Sockets):
    def __init__(self, path, n):
        super().__init__()
        self.path, self.n = path, n

    def __enter__(self):
        for _ in range(self.n):
            self.socks.append(_connect(self.path))
        return self

    def __exit__(self, *exc):
        self.close_all()


class IdleKeepAlive(_Sockets):
    def __init__(self, path, n):
        super().__init__()
        self.path, self.n = path, n

    def __enter__(self):
        for _ in range(self.n):
            s = _connect(self.path)
            self.socks.append(s)
            s.sendall(b"GET /v1/status HTTP/1.1\r\nHost: x\r\n\r\n")
            status, headers, _ = _read_answer(s)
            assert status == 200 and headers.get("connection") == "keep-alive", status
        return self

    def __exit__(self, *exc):
        self.close_all()


class _Threaded:
    def start(self):
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def join(self):
        self.stop.set()
        self.thread.join(30)


class Slowloris(_Sockets, _Threaded):
    """Request heads that never end: one byte per connection every 0.2 s."""

    def __init__(self, path, n):
        super().__init__()
        self.path, self.n = path, n

    def __enter__(self):
        for _ in range(self.n):
            s = _connect(self.path)
            s.sendall(b"GET /v1/status HTTP/1.1\r\nHost: x\r\n")
            self.socks.append(s)
        self.start()
        return self

    def run(self):
        while not self.stop.wait(0.2):
            for s in list(self.socks):
                try:
                    s.send(b"X")
                except OSError:
                    pass   # closed by the head timeout: that is its bound

    def __exit__(self, *exc):
        self.join()
        self.close_all()


class ReconnectLoop(_Threaded):
    """Connects, sends half a request, leaves; again and again. With
    process=True the loop runs in a child process of its own, as a hostile
    program would: not slowed by this one's threads (Python's GIL), and
    another peer on the socket."""

    def __init__(self, path, threads=1, process=False):
        self.path, self.nthreads, self.process = path, threads, process
        self._cycles = 0

    @property
    def cycles(self):
        return self._shared.value if self.process else self._cycles

    def __enter__(self):
        if self.process:
            ctx = multiprocessing.get_context("fork")
            self.stop = ctx.Event()
            self._shared = ctx.Value("q", 0, lock=False)
            self.threads = [ctx.Process(target=self.run, daemon=True)
                            for _ in range(self.nthreads)]
        else:
            self.stop = threading.Event()
            self.threads = [threading.Thread(target=self.run, daemon=True)
                            for _ in range(self.nthreads)]
        for t in self.threads:
            t.start()
        return self

    def run(self):
        while not self.stop.is_set():
            try:
                s = _connect(self.path, timeout=5)
                s.send(b"GET /v1/sta")
                s.close()
                if self.process:
                    self._shared.value += 1
                else:
                    self._cycles += 1
            except OSError:
                pass

    def __exit__(self, *exc):
        self.stop.set()
        for t in self.threads:
            t.join(30)


class LongPollBurst(_Sockets):
    def __init__(self, path, n, after=1000000):
        super().__init__()
        self.path, self.n, self.after = path, n, after

    def __enter__(self):
        for _ in range(self.n):
            self.socks.append(_connect(self.path))
        req = b"GET /v1/items?after=%d&wait=300 HTTP/1.1\r\nHost: x\r\n\r\n" % self.after
        for s in self.socks:
            s.sendall(req)
        return self

    def answered(self):
        """How many of the long-polls got an answer already (not held)."""
        n = 0
        for s in self.socks:
            s.setblocking(False)
            try:
                if s.recv(1, socket.MSG_PEEK):
                    n += 1
            except BlockingIOError:
                pass
            except OSError:
                n += 1
            finally:
                s.setblocking(True)
        return n

    def __exit__(self, *exc):
        self.close_all()
