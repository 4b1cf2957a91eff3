#!/usr/bin/env python3
"""bench/api_hostile.py — a well-behaved socket API client's latency while
hostile clients are attached (issue 22, point 2).

Usage: bench/api_hostile.py [REQUESTS]      (default 300 per load)
Env:   FEEDD_BIN (default build/bench, build/dev or build/test feedd).

Starts feedd with an empty store and, for each load of
tests/integration/hostile_load.py in turn (none; 2 000 idle connections;
100 idle keep-alive clients; a slow-loris of 300 heads; a client
reconnecting in a loop; 1 000 held long-polls), makes REQUESTS
`GET /v1/status` requests, each on a new connection, and prints their
p50, p99 and max. The tests (test_hostile_clients.py, HostileLoadTest)
assert only that every one succeeds; the figures are here. Also prints
the daemon's RSS with the 2 000 idle connections and without, so the cost
of one idle connection can be read off.
"""
import os
import shutil
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(SRC, "tests", "integration"))

if not os.environ.get("FEEDD_BIN"):
    for b in ("build/bench/feedd", "build/dev/feedd", "build/test/feedd"):
        if os.access(os.path.join(SRC, b), os.X_OK):
            os.environ["FEEDD_BIN"] = os.path.join(SRC, b)
            break

from harness import Feedd  # noqa: E402
from hostile_load import (IdleConnections, IdleKeepAlive, LongPollBurst,  # noqa: E402
                          ReconnectLoop, Slowloris, percentile, proc_nofile, raise_nofile,
                          well_behaved)


def rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def measure(name, path, n):
    lat = well_behaved(path, n)
    ms = [x * 1000 for x in lat]
    print("%-34s p50 %7.2f ms  p99 %7.2f ms  max %7.2f ms  (%d requests, all 200)"
          % (name, percentile(ms, 50), percentile(ms, 99), max(ms), len(ms)), flush=True)


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    if not os.environ.get("FEEDD_BIN"):
        print("api_hostile.py: no feedd built (set FEEDD_BIN)", file=sys.stderr)
        return 2
    raise_nofile(8192)
    tmp = tempfile.mkdtemp(prefix="feedd-bench-hostile-")
    d = Feedd("[defaults]\ninterval = 1h\n", dir=tmp)
    try:
        path = d.socket
        print("feedd %s, open-files limit %d" % (os.environ["FEEDD_BIN"], proc_nofile(d.proc.pid)))
        measure("no load", path, n)
        base = rss_kib(d.proc.pid)
        with IdleConnections(path, 2000):
            time.sleep(1)
            measure("2 000 idle connections", path, n)
            full = rss_kib(d.proc.pid)
        print("RSS: %d KiB without, %d KiB with 2 000 idle connections (%.0f bytes each)"
              % (base, full, (full - base) * 1024.0 / 2000), flush=True)
        with IdleKeepAlive(path, 100):
            measure("100 idle keep-alive clients", path, n)
        with Slowloris(path, 300):
            time.sleep(0.5)
            measure("slow-loris, 300 heads", path, n)
        with ReconnectLoop(path):
            time.sleep(0.5)
            measure("a client reconnecting in a loop", path, n)
        with LongPollBurst(path, 1000):
            measure("burst of 1 000 long-polls", path, n)
            deadline = time.monotonic() + 60
            while (d.get("/v1/status").json()["api"]["waiting"] < 1000
                   and time.monotonic() < deadline):
                time.sleep(0.1)
            measure("1 000 held long-polls", path, n)
    finally:
        d.cleanup()
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
