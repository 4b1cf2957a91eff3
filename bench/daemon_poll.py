#!/usr/bin/env python3
"""daemon_poll.py FEEDD WORKDIR PORT N ITEMS JOBS ACCESS_LOG [INTERVAL]

What a cold and a warm poll of N feeds cost a feedd that is already
running, without the process's start and exit (`feedd --version`, mostly
the dynamic loader's 52 libraries, libcurl's dependencies most of them,
is ~12 ms of CPU on these machines, a `feedd --once` without feeds on a
1 000-feed store ~20 ms; bench/fetch.sh's `feedd --once` rows pay it
once per run), and with the
work a `--once` run leaves for later: the search index trails the
commits (docs/store.md) and is built by the daemon's upkeep, which
`feedd --once` does not run.

- feedd starts in the foreground on a feeds.conf without feeds and with
  its store in WORKDIR/state (its upkeep, which builds the search index,
  every minute as always). Once its socket is up and it is
  idle, the N-feed config (bench/fetch.sh's, every feed `interval =
  INTERVAL`) is written and feedd is sent SIGHUP, as a user adding feeds
  would. New feeds are fetched 100 ms apart (docs/fetching.md: a start or
  a reload does not burst), so this is the daemon's steady state, one
  feed at a time, not `--once`'s burst: each commit is its own batch.
- cold: from the SIGHUP until nginx has answered N 200s (ACCESS_LOG, the
  server's own count), the store's search index holds every item (the
  upkeep builds it within a minute; one search request, counted, builds
  it at once), and feedd spends no more than it does idle: reading the
  new config, fetching, parsing, storing and indexing every item.
- warm: from there until the scheduler, by itself, has polled every feed
  again and nginx has answered N 304s, and feedd is idle again: the
  steady state of a daemon polling unchanged feeds, including what the
  idle daemon spends in between (timers, upkeep), printed apart as well.
  INTERVAL defaults to the spread of the first fetches and 20 s more, so
  that no feed is polled again before the last first fetch.

CPU is the sum over feedd's threads of /proc/PID/task/TID/schedstat (time
on a CPU, in nanoseconds; feedd's threads live as long as it does), so a
warm poll is not read in 10 ms clock ticks. Prints two rows in
bench/fetch.sh's columns ("feedd daemon cold|warm"). Nothing here asks
the daemon anything but that one search: polling its API would be counted as
its CPU."""
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time

feedd, work, port, n, items, jobs, access = sys.argv[1:8]
n, items, jobs = int(n), int(items), int(jobs)
# the first fetches are spread 100 ms apart, over at most 5 minutes
spread = min(n * 0.1, 300)
interval = sys.argv[8] if len(sys.argv) > 8 and sys.argv[8] else "%ds" % (spread + 20)
state = os.path.join(work, "state")
conf = os.path.join(work, "feeds.conf")
sock = os.path.join(state, "feedd.sock")
os.makedirs(state, exist_ok=True)


def write_conf(nfeeds):
    out = ["[daemon]\nsocket = %s\nmax_fetches = %d\nper_host = 100\nhost_gap = 0s\n"
           % (sock, jobs),
           "[defaults]\nallow_private = yes\ninterval = %s\nmin_interval = 1s\n" % interval]
    for i in range(nfeeds):
        out.append("[feed f%d]\nurl = http://127.0.0.1:%s/f%d.xml\n" % (i, port, i))
    tmp = conf + ".tmp"
    with open(tmp, "w") as f:
        f.write("".join(out))
    os.rename(tmp, conf)


def cpu_ns(pid):
    total = 0
    for tid in os.listdir("/proc/%d/task" % pid):
        try:
            with open("/proc/%d/task/%s/schedstat" % (pid, tid)) as f:
                total += int(f.read().split()[0])
        except (FileNotFoundError, ProcessLookupError):
            pass
    return total


def faults(pid):
    """Minor page faults of the whole process (field 10 of /proc/PID/stat)."""
    with open("/proc/%d/stat" % pid) as f:
        return int(f.read().rsplit(")", 1)[1].split()[7])


def io(pid):
    with open("/proc/%d/io" % pid) as f:
        d = dict(line.split(": ") for line in f.read().splitlines())
    return int(d["write_bytes"]), int(d["wchar"])


def hwm_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


def statuses(since):
    """The 200s, 304s and others nginx logged after line SINCE."""
    with open(access) as f:
        lines = f.read().split()
    c = {"200": 0, "304": 0}
    other = 0
    for s in lines[since:]:
        if s in c:
            c[s] += 1
        else:
            other += 1
    return c["200"], c["304"], other, len(lines)


idle_rate = 0.0   # ns of CPU a second the daemon spends with nothing to do


def idle(pid, limit=60.0):
    """Waits until feedd's CPU over half a second is no more than what it
    spends idle and 1 ms (or LIMIT s); returns its CPU then."""
    end = time.monotonic() + limit
    last = cpu_ns(pid)
    while time.monotonic() < end:
        time.sleep(0.5)
        now = cpu_ns(pid)
        if now - last < idle_rate * 0.5 + 1_000_000:
            return now
        last = now
    print("    (feedd was not idle after %.0f s)" % limit)
    return last


def indexed():
    """Whether the search index has caught up with the items (read from
    the store's file: asking feedd would cost it CPU)."""
    try:
        db = sqlite3.connect("file:%s?mode=ro" % os.path.join(state, "feedd.db"), uri=True)
        try:
            upto = db.execute("SELECT value FROM store_meta WHERE key = 'fts_upto'").fetchone()
            last = db.execute("SELECT max(id) FROM items").fetchone()
        finally:
            db.close()
    except sqlite3.Error:
        return False
    return bool(upto and last and last[0] and int(upto[0]) >= last[0])


def search():
    """One search over the socket API: the store indexes what it has not
    yet (docs/store.md) before it answers."""
    c = socket.socket(socket.AF_UNIX)
    c.settimeout(120)
    c.connect(sock)
    c.sendall(b"GET /v1/items?q=nothing-matches-this&limit=1 HTTP/1.1\r\nHost: feedd\r\n"
              b"Connection: close\r\n\r\n")
    while c.recv(65536):
        pass
    c.close()


def wait_for(pred, limit):
    end = time.monotonic() + limit
    while time.monotonic() < end:
        r = pred()
        if r:
            return r
        time.sleep(0.02)
    sys.exit("daemon_poll.py: timed out (%s)" % statuses(0)[:3])


def row(name, wall, cpu_s, rss_kib, s200, s304, oth, wb, wc, new_items):
    per = lambda b: "%.0f" % (b / new_items) if new_items else "-"
    print("%-24s %6d %8.2f %8.3f %9.1f %9.0f %10.0f %6s %6s %6s %8.1f %9.1f %9s %12s" % (
        name, n, wall, cpu_s, rss_kib / 1024, n / max(wall, 1e-3), new_items / max(wall, 1e-3),
        s200, s304, oth, wb / 1048576, wc / 1048576, per(wb), per(wc)))


write_conf(0)
log = open(os.path.join(work, "daemon.log"), "w")
p = subprocess.Popen([feedd, "-c", conf, "--state-dir", state], stdout=log, stderr=log)
try:
    wait_for(lambda: os.path.exists(sock) or p.poll() is not None, 30)
    if p.poll() is not None:
        sys.exit("daemon_poll.py: feedd ended (%s)" % os.path.join(work, "daemon.log"))
    time.sleep(1)
    # what the idle daemon spends, per second (its upkeep included)
    c0, t_idle = cpu_ns(p.pid), time.monotonic()
    time.sleep(5)
    c = cpu_ns(p.pid)
    idle_rate = (c - c0) / (time.monotonic() - t_idle)
    c0 = c
    io0, f0 = io(p.pid), faults(p.pid)
    mark = statuses(0)[3]
    write_conf(n)
    t0 = time.monotonic()
    p.send_signal(signal.SIGHUP)
    # cold: every feed answered 200 once
    wait_for(lambda: statuses(mark)[0] >= n, spread + 600)
    early = statuses(mark)[1]
    # and its items all in the search index: the upkeep would build it
    # within a minute; a search builds it first, now (one request)
    idle(p.pid)
    search()
    wait_for(indexed, 180)
    c1 = idle(p.pid)
    t1 = time.monotonic()
    io1, f1 = io(p.pid), faults(p.pid)
    s200, s304, oth, mark2 = statuses(mark)
    row("feedd daemon cold", t1 - t0, (c1 - c0) / 1e9, hwm_kib(p.pid), s200, s304, oth,
        io1[0] - io0[0], io1[1] - io0[1], n * items)
    if early:
        print("    (%d feeds were polled again before the last first fetch: INTERVAL "
              "too short for N)" % early)
    # warm: the scheduler polls every feed again, all 304
    wait_for(lambda: statuses(mark2)[1] >= n, spread + 600)
    c2 = idle(p.pid)
    t2 = time.monotonic()
    io2, f2 = io(p.pid), faults(p.pid)
    s200, s304, oth, _ = statuses(mark2)
    row("feedd daemon warm", t2 - t1, (c2 - c1) / 1e9, hwm_kib(p.pid), s200, s304, oth,
        io2[0] - io1[0], io2[1] - io1[1], 0)
    less = lambda c, t: max(0.0, c - idle_rate * t) / 1e6 / n
    print("    (a feed: cold %.3f ms over %.1f s, warm %.3f ms over %.1f s, interval %s; the"
          " idle daemon spends %.3f ms a second: less that, cold %.3f ms and warm %.3f ms;"
          " page faults a feed: cold %.1f, warm %.1f)"
          % ((c1 - c0) / 1e6 / n, t1 - t0, (c2 - c1) / 1e6 / n, t2 - t1, interval,
             idle_rate / 1e6, less(c1 - c0, t1 - t0), less(c2 - c1, t2 - t1),
             (f1 - f0) / n, (f2 - f1) / n))
finally:
    p.terminate()
    try:
        p.wait(30)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()
