"""bench/pg_faults.py — the fault timeline of issue 27, on three feedd
instances sharing one PostgreSQL database (run by bench/pg_faults.sh).

Feeds gain an item every PERIOD s; every feed has an exec hook. Instances
0 and 1 reach the server on its Unix socket, instance 2 over TCP through
tests/integration/tcp_proxy.py. Phases, PHASE s each unless said: steady;
a fast restart of the server; the server stopped for DOWN s ("down"),
then PHASE s up again ("down.after"); instance 2 partitioned from the
server for DOWN s ("partition": the proxy stops forwarding without
closing, and after RESET_AFTER s resets the connections it holds, the
part TCP keepalives / tcp_user_timeout play over a real network), then
healed for PHASE s ("part.after"); instance 1 stopped (SIGSTOP) past its
lease, then resumed; instance 0 killed with -9 (not restarted); a quiet
end. PHASES (a comma list, default all) runs only some of them, in this
order. A client long-polls instance 2 throughout and asks its /v1/status
every 0.5 s.

Prints items published / stored / duplicated, hooks run once / twice /
never, hook delay p50/p99 (overall and by the phase an item was
published in), long-poll wake p50/p99 per phase (from the item's
first_seen, whole seconds, to the answer), and per phase instance 2's
/v1/status: answered 200 within 2 s, answers that said the store was not
available, its latency p50/p99/max (a request waits up to 15 s, so a
frozen event loop shows) and how many of its log lines mention the store
(fetches log at info level too, so not every line). LOGS=1 also copies
instance 2's log of the down and partition phases to stderr.
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
from tcp_proxy import TcpProxy             # noqa: E402

FEEDS = int(os.environ.get("FEEDS", "15"))
PERIOD = float(os.environ.get("PERIOD", "6"))
PHASE = float(os.environ.get("PHASE", "30"))
DOWN = float(os.environ.get("DOWN", "15"))
ALL = ("steady", "restart", "down", "partition", "sigstop", "kill9")
PHASES = [p for p in os.environ.get("PHASES", ",".join(ALL)).split(",") if p]
LEASE = 20
RESET_AFTER = 3
STATUS_OK = 2.0    # a /v1/status answer later than this counts as unavailable

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
    for p in PHASES:
        if p not in ALL:
            sys.exit("bench/pg_faults.py: unknown phase %s (PHASES: %s)" % (p, ",".join(ALL)))
    proxy = TcpProxy(os.path.join(pgdir, ".s.PGSQL.5432")).start()
    dbname = uri.rsplit("dbname=", 1)[1].split("&")[0]
    via_proxy = "postgresql://feedd@127.0.0.1:%d/%s" % (proxy.port, dbname)
    srv = FixtureServer().start()
    items = {n: [] for n in range(FEEDS)}
    published = {}
    for n in range(FEEDS):
        srv.set_feed("f%d" % n, items=[])
    conf = ("[daemon]\nstore = %s\nlease = %ds\nhost_gap = 0s\nexec_jobs = 2\n"
            "[defaults]\nallow_private = yes\ninterval = 2s\nmin_interval = 1s\n\n")
    conf += "".join("[feed f%d]\nurl = %s\nexec = %s %s\n" % (n, srv.url("/feed/f%d" % n), hook, out)
                    for n in range(FEEDS))
    d = [Feedd(conf % (u, LEASE), start=False) for u in (uri, uri, via_proxy)]
    for x in d:
        x.start(wait_ready=False)
    for x in d:
        x.wait_ready(30)

    phase = [PHASES[0] if PHASES else "end"]
    stop = threading.Event()
    wake, avail = {}, {}
    pub_phase = {}
    log_at = {}    # phase -> instance 2's log length (lines) when it began

    def enter(p):
        log_at[p] = len(d[2].read_log().splitlines())
        phase[0] = p

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
                pub_phase[g] = phase[0]
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
            p = phase[0]
            ok = unavail = False
            t = time.monotonic()
            try:
                r = d[2].get("/v1/status", timeout=15)
                lat = time.monotonic() - t
                ok = r.status == 200 and lat <= STATUS_OK
                if r.status == 200:
                    st = r.json().get("store")
                    unavail = isinstance(st, dict) and st.get("state") != "available"
            except Exception:
                lat = time.monotonic() - t
            a = avail.setdefault(p, {"ok": 0, "n": 0, "unavail": 0, "lat": []})
            a["n"] += 1
            a["ok"] += ok
            a["unavail"] += unavail
            a["lat"].append(lat)
            time.sleep(max(0.0, 0.5 - lat))

    threads = [threading.Thread(target=f, daemon=True) for f in (publisher, poller, status)]
    for t in threads:
        t.start()
    t0 = time.time()
    for p in PHASES:
        enter(p)
        if p == "steady":
            time.sleep(PHASE)
        elif p == "restart":
            pg_ctl("-m", "fast", "-w", "restart")
            time.sleep(PHASE)
        elif p == "down":
            pg_ctl("-m", "immediate", "-w", "stop")
            time.sleep(DOWN)
            pg_ctl("-w", "start")
            enter("down.after")
            time.sleep(PHASE)
        elif p == "partition":
            proxy.partition()
            time.sleep(min(RESET_AFTER, DOWN))
            proxy.reset()
            time.sleep(max(0.0, DOWN - RESET_AFTER))
            proxy.heal()
            enter("part.after")
            time.sleep(PHASE)
        elif p == "sigstop":
            d[1].signal(signal.SIGSTOP)
            time.sleep(LEASE + 5)
            d[1].signal(signal.SIGCONT)
            time.sleep(PHASE)
        elif p == "kill9":
            d[0].proc.kill()
            time.sleep(PHASE)
    enter("end")
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
    shown = []
    for p in PHASES:
        shown += {"down": ["down", "down.after"],
                  "partition": ["partition", "part.after"]}.get(p, [p])
    shown.append("end")
    left = psql(uri, "SELECT count(*) FROM hook_deliveries WHERE NOT given_up")
    print("run: %.0f s, %d feeds, an item every %.1f s per feed, phases of %.0f s"
          % (total, FEEDS, PERIOD, PHASE))
    print("items: published %d, stored %d, duplicated %d" % (len(published), len(stored), dup))
    print("hooks: once %d, twice or more %d, never %d (deliveries left pending: %s)"
          % (once, twice, never, left))
    print("hook delay after first_seen: p50 %.1f s, p99 %.1f s" % (pct(delays, 50),
                                                                   pct(delays, 99)))
    print("\nby the phase an item was published in:")
    print("%-11s %6s %6s %4s %6s %6s %6s %8s %8s" % (
        "phase", "publ", "stored", "dup", "once", "twice", "never", "hook p50", "hook p99"))
    for p in shown:
        gs = {g for g, q in pub_phase.items() if q == p}
        st = [stored[g] for g in gs if g in stored]
        dd = sum(1 for r in rows if r.split("|")[0] in gs) - len(st)
        n = [len(runs.get(i, [])) for i, _ in st]
        dl = [runs[i][0] - fs for i, fs in st if runs.get(i)]
        print("%-11s %6d %6d %4d %6d %6d %6d %8.1f %8.1f" % (
            p, len(gs), len(st), dd, n.count(1), sum(1 for k in n if k > 1), n.count(0),
            pct(dl, 50), pct(dl, 99)))
    print("\nlong-poll wake, /v1/status and log lines of instance 2 (through the TCP proxy),"
          " by phase:")
    print("%-11s %6s %6s %6s %10s %7s %7s %7s %7s %9s" % (
        "phase", "wake n", "p50 s", "p99 s", "status ok", "unavail", "p50 s", "p99 s",
        "max s", "store log"))
    log = d[2].read_log().splitlines()
    for i, p in enumerate(shown):
        nxt = log_at.get(shown[i + 1], len(log)) if i + 1 < len(shown) else len(log)
        nlog = sum(1 for l in log[log_at.get(p, nxt):nxt] if "store" in l)
        if os.environ.get("LOGS") and p in ("down", "partition"):
            sys.stderr.write("".join("  %s: %s\n" % (p, l) for l in log[log_at[p]:nxt]))
        w = wake.get(p, [])
        a = avail.get(p, {"ok": 0, "n": 0, "unavail": 0, "lat": []})
        print("%-11s %6d %6.1f %6.1f %5d/%-4d %7d %7.3f %7.3f %7.3f %9d" % (
            p, len(w), pct(w, 50), pct(w, 99), a["ok"], a["n"], a["unavail"],
            pct(a["lat"], 50), pct(a["lat"], 99), max(a["lat"] or [float("nan")]), nlog))
    for x in d:
        try:
            x.signal(signal.SIGCONT)
        except Exception:
            pass
        x.stop()
        x.cleanup()
    proxy.heal()
    proxy.stop()
    srv.stop()
    subprocess.run(["rm", "-rf", work])


if __name__ == "__main__":
    main()
