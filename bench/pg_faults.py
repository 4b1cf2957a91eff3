"""bench/pg_faults.py — the fault timeline of issue 27, on three feedd
instances sharing one PostgreSQL database (run by bench/pg_faults.sh).

Feeds gain an item every PERIOD s; every feed has an exec hook. Phases,
PHASE s each: steady; a fast restart of the server; the server stopped
for DOWN s; instance 1 stopped (SIGSTOP) past its lease, then resumed;
instance 0 killed with -9 (not restarted); a quiet end. A client
long-polls instance 2 throughout and asks its /v1/status every 0.5 s.
Prints items published / stored / duplicated, hooks run once / twice /
never, hook delay p50/p99, long-poll wake p50/p99 per phase (from the
item's first_seen, whole seconds, to the answer) and API availability
(status 200 and answers in time) per phase.
"""
import calendar
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time

SRC = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(SRC, "tests", "integration"))
from fixture_server import FixtureServer   # noqa: E402
from harness import Feedd                  # noqa: E402

FEEDS = int(os.environ.get("FEEDS", "15"))
PERIOD = float(os.environ.get("PERIOD", "6"))
PHASE = float(os.environ.get("PHASE", "30"))
DOWN = float(os.environ.get("DOWN", "15"))
LEASE = 20

HOOK = """#!/bin/sh
cat >/dev/null
sleep 0.2
echo "$FEEDD_ITEM_ID $(date +%s.%N)" >> "$1"
"""


def psql(uri, sql):
    return subprocess.run(["psql", "-X", "-q", "-At", uri, "-c", sql], capture_output=True,
                          text=True, timeout=60).stdout.strip()


def pct(v, p):
    if not v:
        return float("nan")
    v = sorted(v)
    return v[min(len(v) - 1, int(p / 100.0 * len(v)))]


def main():
    uri, pgdir = sys.argv[1], sys.argv[2]
    bindir = subprocess.run(["pg_config", "--bindir"], capture_output=True,
                            text=True).stdout.strip()

    def pg_ctl(*a):
        cmd = [os.path.join(bindir, "pg_ctl"), "-D", os.path.join(pgdir, "data"),
               "-l", os.path.join(pgdir, "server.log")] + list(a)
        if os.getuid() == 0:
            cmd = ["runuser", "-u", "postgres", "--"] + cmd
        subprocess.run(cmd, check=True, capture_output=True, timeout=120)

    work = tempfile.mkdtemp(prefix="feedd-pgf-")
    hook, out = os.path.join(work, "hook.sh"), os.path.join(work, "hooks.out")
    with open(hook, "w") as f:
        f.write(HOOK)
    os.chmod(hook, 0o755)
    srv = FixtureServer().start()
    items = {n: [] for n in range(FEEDS)}
    published = {}
    for n in range(FEEDS):
        srv.set_feed("f%d" % n, items=[])
    conf = ("[daemon]\nstore = %s\nlease = %ds\nhost_gap = 0s\nexec_jobs = 2\n"
            "[defaults]\nallow_private = yes\ninterval = 2s\nmin_interval = 1s\n\n" % (uri, LEASE))
    conf += "".join("[feed f%d]\nurl = %s\nexec = %s %s\n" % (n, srv.url("/feed/f%d" % n), hook, out)
                    for n in range(FEEDS))
    d = [Feedd(conf, start=False) for _ in range(3)]
    for x in d:
        x.start(wait_ready=False)
    for x in d:
        x.wait_ready(30)

    phase = ["steady"]
    stop = threading.Event()
    wake, avail = {}, {}

    def publisher():
        k = 0
        while not stop.is_set():
            for n in range(FEEDS):
                if stop.wait(PERIOD / FEEDS):
                    return
                k += 1
                g = "f%d-%d" % (n, k)
                items[n] = (items[n] + [{"guid": g, "title": g}])[-20:]
                published[g] = time.time()
                srv.set_feed("f%d" % n, items=items[n])

    def poller():
        after = 0
        while not stop.is_set():
            try:
                r = d[2].get("/v1/items?after=%d&wait=30" % after, timeout=40)
            except Exception:
                time.sleep(0.5)
                continue
            t = time.time()
            if r.status != 200:
                time.sleep(0.5)
                continue
            j = r.json()
            for it in j["items"]:
                fs = it.get("first_seen")
                if isinstance(fs, str):
                    fs = calendar.timegm(time.strptime(fs[:19], "%Y-%m-%dT%H:%M:%S"))
                if fs:
                    wake.setdefault(phase[0], []).append(t - fs)
            after = max(after, j.get("next") or after)

    def status():
        while not stop.is_set():
            ok = False
            try:
                ok = d[2].get("/v1/status", timeout=2).status == 200
            except Exception:
                pass
            a = avail.setdefault(phase[0], [0, 0])
            a[0 if ok else 1] += 1
            time.sleep(0.5)

    threads = [threading.Thread(target=f, daemon=True) for f in (publisher, poller, status)]
    for t in threads:
        t.start()
    t0 = time.time()
    time.sleep(PHASE)
    phase[0] = "restart"
    pg_ctl("-m", "fast", "-w", "restart")
    time.sleep(PHASE)
    phase[0] = "down"
    pg_ctl("-m", "immediate", "-w", "stop")
    time.sleep(DOWN)
    pg_ctl("-w", "start")
    time.sleep(PHASE)
    phase[0] = "sigstop"
    d[1].signal(signal.SIGSTOP)
    time.sleep(LEASE + 5)
    d[1].signal(signal.SIGCONT)
    time.sleep(PHASE)
    phase[0] = "kill9"
    d[0].proc.kill()
    time.sleep(PHASE)
    phase[0] = "end"
    stop.set()
    time.sleep(15)   # the last items fetched and their hooks run
    total = time.time() - t0

    rows = psql(uri, "SELECT i.guid, i.id, i.first_seen FROM items i").splitlines()
    stored = {}
    dup = 0
    for r in rows:
        g, i, fs = r.split("|")
        if g in stored:
            dup += 1
        stored[g] = (int(i), int(fs))
    runs = {}
    try:
        with open(out) as f:
            for line in f:
                p = line.split()
                runs.setdefault(int(p[0]), []).append(float(p[1]))
    except FileNotFoundError:
        pass
    once = sum(1 for g, (i, _) in stored.items() if len(runs.get(i, [])) == 1)
    twice = sum(1 for g, (i, _) in stored.items() if len(runs.get(i, [])) > 1)
    never = sum(1 for g, (i, _) in stored.items() if not runs.get(i))
    delays = [runs[i][0] - fs for g, (i, fs) in stored.items() if runs.get(i)]
    left = psql(uri, "SELECT count(*) FROM hook_deliveries WHERE NOT given_up")
    print("run: %.0f s, %d feeds, an item every %.1f s per feed, phases of %.0f s"
          % (total, FEEDS, PERIOD, PHASE))
    print("items: published %d, stored %d, duplicated %d" % (len(published), len(stored), dup))
    print("hooks: once %d, twice or more %d, never %d (deliveries left pending: %s)"
          % (once, twice, never, left))
    print("hook delay after first_seen: p50 %.1f s, p99 %.1f s" % (pct(delays, 50),
                                                                   pct(delays, 99)))
    print("%-8s %8s %8s %8s %12s" % ("phase", "wake n", "p50 s", "p99 s", "status ok"))
    for p in ("steady", "restart", "down", "sigstop", "kill9", "end"):
        w = wake.get(p, [])
        a = avail.get(p, [0, 0])
        print("%-8s %8d %8.1f %8.1f %7d/%-4d" % (p, len(w), pct(w, 50), pct(w, 99), a[0],
                                              a[0] + a[1]))
    for x in d:
        try:
            x.signal(signal.SIGCONT)
        except Exception:
            pass
        x.stop()
        x.cleanup()
    srv.stop()
    subprocess.run(["rm", "-rf", work])


if __name__ == "__main__":
    main()
