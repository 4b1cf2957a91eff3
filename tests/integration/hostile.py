"""hostile.py — helpers shared by the hostile-input suites (test_hostile_*).

Logger: a loopback TCP listener that records every connection, so a test can
assert that nothing (an external entity, a DTD, an XInclude) ever made feedd
reach it. peak_rss_kib: the daemon's high-water mark of resident memory.

Python 3 standard library only.
"""
import os
import socket
import threading


class Logger:
    """A loopback listener that must never be contacted."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.hits = []
        self.stopped = False
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def url(self, path):
        return "http://127.0.0.1:%d%s" % (self.port, path)

    def _run(self):
        while not self.stopped:
            try:
                c, addr = self.sock.accept()
            except OSError:
                return
            if self.stopped:
                c.close()
                return
            c.settimeout(1)
            try:
                data = c.recv(4096)
            except OSError:
                data = b""
            self.hits.append(data)
            c.close()

    def close(self):
        self.stopped = True
        try:
            # Wake accept() so the thread ends.
            socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
        except OSError:
            pass
        self.sock.close()
        self.thread.join(2)


def proc_status(pid, key):
    """A field of /proc/PID/status in KiB (VmRSS, VmHWM), or None."""
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def peak_rss_kib(pid):
    return proc_status(pid, "VmHWM")


def rss_kib(pid):
    return proc_status(pid, "VmRSS")


def file_contains(path, needle):
    """True when NEEDLE is anywhere in the file (the store, its WAL)."""
    if not os.path.exists(path):
        return False
    with open(path, "rb") as f:
        return needle in f.read()
