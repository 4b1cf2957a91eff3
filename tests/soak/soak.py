#!/usr/bin/env python3
"""soak.py — feedd under load and under attack, for a bounded number of cycles.

    soak.py --feedd BIN --feedctl BIN [--feeds 500] [--cycles 4] [--interval 8]
            [--hosts 16] [--pollers 16] [--consumers 2] [--sanitized]

A loopback server (a separate process, one listener per address
127.0.0.2 … 127.0.0.N+1, so per-host limits matter) serves N RSS feeds. Every
cycle a third of the feeds publish an item, and 10 % misbehave, rotating
through: 429 + Retry-After, 503 + Retry-After, a slow drip past the fetch
timeout, a reset mid-body, a gzip bomb, broken XML, a GUID rewrite of the
whole feed, a title edit, a 302→307 redirect chain, and 410 Gone (for good).
Meanwhile P clients long-poll /v1/items and C `feedctl new` consumers run.
Then a calm phase: nothing misbehaves or publishes until every live feed
was fetched again.

Pass (exit 0) when:
  - feedd exits 0 on SIGTERM, its log holds no sanitizer report;
  - resident memory after the first cycle stays flat (printed each cycle;
    asserted only without sanitizers, whose quarantine grows by design);
  - every long-poller and every consumer got every item the server served
    in a complete well-formed document, exactly once (by feed and link: a
    GUID rewrite or a title edit is not a new item), and nothing else;
  - politeness, from the server's log: the first request of a feed is its
    only unconditional one (after a complete 200 with an ETag, every
    request sends an ETag the server gave; a 200 cut short — "broken" —
    leaves no validators to send: issue 22); no request sooner than the due time (0.9 ×
    interval after a success, 0.9 × Retry-After after 429/503, 0.9 ×
    min_interval after any error); nothing after a 410; never more than
    per_host requests in flight to one address;
  - PRAGMA integrity_check says ok.
Prints the figures; exit 1 with the reasons otherwise.
"""
import argparse
import contextlib
import email.utils
import gzip
import hashlib
import http.server
import json
import multiprocessing
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import zlib

KINDS = ["429", "503", "drip", "reset", "bomb", "broken", "guid", "title", "chain", "410"]


# ---------------------------------------------------------------- server

class FeedState:
    def __init__(self, i):
        self.i = i
        self.items = []          # [n, title] oldest first
        self.guid_version = 0
        self.gone = False


class Soak:
    """Server-side state: feeds, the clock of cycles, the log."""

    def __init__(self, nfeeds, interval, t0):
        self.lock = threading.Lock()
        self.feeds = [FeedState(i) for i in range(nfeeds)]
        for f in self.feeds:
            for n in range(3):
                f.items.append([n, "feed %d item %d" % (f.i, n)])
        self.interval = interval
        self.t0 = t0
        self.epoch_done = 0       # publishing applied up to this epoch
        self.calm = False
        self.log = []             # one dict per request
        self.served_full = set()  # (feed, n) in complete well-formed 200s
        self.written = set()      # (feed, n) in any body written at all
        self.etags = {}           # feed -> set of ETags given
        zeros = zlib.compressobj(9, zlib.DEFLATED, 31)
        self.bomb = b"".join([zeros.compress(b"\0" * (1 << 20)) for _ in range(64)] +
                             [zeros.flush()])

    def epoch(self, now):
        return int((now - self.t0) // self.interval)

    def advance(self, now):
        """Applies publishing for every epoch begun since the last call."""
        e = self.epoch(now)
        while self.epoch_done < e and not self.calm:
            self.epoch_done += 1
            for f in self.feeds:
                if not f.gone and (f.i + self.epoch_done) % 3 == 0:
                    n = len(f.items)
                    f.items.append([n, "feed %d item %d" % (f.i, n)])

    def misbehaviour(self, f, now):
        """One feed in ten per cycle, a different one each cycle, each
        kind in turn (a hash, so that no feed/kind pattern repeats)."""
        if self.calm:
            return None
        e = self.epoch(now)
        h = int(hashlib.md5(b"%d,%d" % (f.i, e)).hexdigest(), 16)
        if e < 1 or h % 10:
            return None
        return KINDS[(h // 10) % len(KINDS)]

    def render(self, f):
        out = ['<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>'
               '<title>soak %d</title><link>http://soak.example/%d/</link>'
               '<description>soak</description>\n' % (f.i, f.i)]
        for n, title in reversed(f.items):
            guid = ("http" if f.guid_version % 2 == 0 else "https") + \
                "://soak.example/%d/%d#v%d" % (f.i, n, f.guid_version)
            out.append('<item><guid isPermaLink="false">%s</guid><title>%s</title>'
                       '<link>http://soak.example/%d/%d</link><description>body %d</description>'
                       '<pubDate>%s</pubDate></item>\n'
                       % (guid, title, f.i, n, n,
                          email.utils.formatdate(self.t0 + n, usegmt=True)))
        out.append("</channel></rss>\n")
        return "".join(out).encode()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "soak/1"

    def log_message(self, *a):
        pass

    def do_GET(self):
        soak = self.server.soak
        t = time.time()
        entry = {"t": t, "end": t, "host": self.server.server_address[0],
                 "path": self.path, "inm": self.headers.get("If-None-Match"),
                 "ims": self.headers.get("If-Modified-Since"), "status": 0, "kind": None}
        try:
            self.route(soak, entry)
        except (BrokenPipeError, ConnectionResetError):
            pass
        finally:
            with soak.lock:
                soak.log.append(entry)

    def finish_head(self, entry, status, headers, body_len):
        entry["status"] = status
        self.send_response(status)
        for k, v in headers.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(body_len))
        self.end_headers()

    def reply(self, entry, status, body=b"", headers=None):
        self.finish_head(entry, status, headers or {}, len(body))
        # The client cannot have finished reading before this instant.
        entry["end"] = time.time()
        self.wfile.write(body)

    def route(self, soak, entry):
        parts = self.path.split("?")[0].strip("/").split("/")
        if parts[0] == "_state":
            with soak.lock:
                body = json.dumps({"log": soak.log,
                                   "served_full": sorted(soak.served_full),
                                   "written": sorted(soak.written),
                                   "gone": [f.i for f in soak.feeds if f.gone],
                                   "epoch": soak.epoch_done}).encode()
            entry["path"] = "/_state"
            return self.reply(entry, 200, body)
        if parts[0] == "_calm":
            with soak.lock:
                soak.advance(time.time())
                soak.calm = True
            entry["path"] = "/_calm"
            return self.reply(entry, 200, b"calm\n")
        if parts[0] == "chain":
            i, hop = int(parts[1]), int(parts[2])
            entry["feed"] = i
            entry["kind"] = "chain-hop"
            if hop == 1:
                return self.reply(entry, 302, b"", {"Location": "/chain/%d/2" % i})
            return self.reply(entry, 307, b"", {"Location": "/f/%d?via=chain" % i})
        if parts[0] != "f":
            return self.reply(entry, 404, b"no\n")
        i = int(parts[1])
        entry["feed"] = i
        via_chain = "via=chain" in self.path
        now = time.time()
        with soak.lock:
            soak.advance(now)
            f = soak.feeds[i]
            kind = None if via_chain else soak.misbehaviour(f, now)
            if kind == "410" or f.gone:
                f.gone = True
                entry["kind"] = "410"
                kind = "410"
            elif kind == "guid":
                f.guid_version += 1
            elif kind == "title" and f.items:
                f.items[-1][1] += " (edited)"
            body = soak.render(f)
            items = [(i, n) for n, _ in f.items]
        entry["kind"] = kind
        etag = '"%s"' % hashlib.sha1(body).hexdigest()[:16]
        if kind == "410":
            return self.reply(entry, 410, b"gone\n")
        if kind == "429":
            return self.reply(entry, 429, b"slow down\n", {"Retry-After": "6"})
        if kind == "503":
            return self.reply(entry, 503, b"busy\n", {"Retry-After": "4"})
        if kind == "chain":
            return self.reply(entry, 302, b"", {"Location": "/chain/%d/1" % i})
        if kind == "bomb":
            return self.reply(entry, 200, soak.bomb, {"Content-Encoding": "gzip",
                                                      "Content-Type": "application/rss+xml",
                                                      "ETag": '"bomb"'})
        if kind == "broken":
            # Cut after a whole item, then garbage and the cut itself,
            # inside a tag: what the tolerant reader may keep is whole
            # items. (A '<' that starts no markup is text to feedd, as
            # to feedparser: garbage that ended "</rss" would close the
            # document.)
            half = body.rfind(b"</item>\n", 0, len(body) // 2 + 1)
            cut = body[:half + 8 if half > 0 else 0] + b"<<<&&&\x00<ite"
            with soak.lock:
                soak.written.update(items)
            # Cut short: feedd keeps the whole items before the cut and
            # fails the fetch, storing no validators (issue 22).
            entry["etag"] = '"broken-%d"' % i
            return self.reply(entry, 200, cut, {"Content-Type": "application/rss+xml",
                                                "ETag": '"broken-%d"' % i})
        if kind == "reset":
            self.finish_head(entry, 200, {"Content-Type": "application/rss+xml"}, len(body))
            entry["end"] = time.time()
            with soak.lock:
                soak.written.update(items)
            self.wfile.write(body[:len(body) // 2])
            self.wfile.flush()
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                       b"\x01\x00\x00\x00\x00\x00\x00\x00")
            self.close_connection = True
            self.connection.close()
            return
        if kind == "drip":
            self.finish_head(entry, 200, {"Content-Type": "application/rss+xml"}, len(body))
            entry["end"] = time.time()
            with soak.lock:
                soak.written.update(items)
            for k in range(40):    # 12 s of dribble, past the 5 s timeout
                self.wfile.write(body[k:k + 1])
                self.wfile.flush()
                time.sleep(0.3)
            self.close_connection = True
            return
        headers = {"ETag": etag, "Content-Type": "application/rss+xml; charset=utf-8"}
        if self.headers.get("If-None-Match") == etag:
            return self.reply(entry, 304, b"", headers)
        with soak.lock:
            soak.served_full.update(items)
            soak.written.update(items)
            soak.etags.setdefault(i, set()).add(etag)
        entry["etag"] = etag
        return self.reply(entry, 200, body, headers)


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 1024

    def handle_error(self, request, client_address):
        # Clients that give up (timeouts, size caps) are the point here.
        if isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            return
        super().handle_error(request, client_address)


def serve(soak, addrs, port_q, stop_ev):
    servers = []
    port = 0
    for a in addrs:
        s = Server((a, port), Handler)
        port = s.server_address[1]
        s.soak = soak
        servers.append(s)
        threading.Thread(target=s.serve_forever, daemon=True).start()
    port_q.put(port)
    stop_ev.wait()
    for s in servers:
        s.shutdown()


# ---------------------------------------------------------------- clients

class UnixHTTP:
    def __init__(self, path, timeout):
        self.path = path
        self.timeout = timeout

    def try_get(self, target):
        """get(), or (0, b"") when the daemon is not there any more (the
        caller reports that with its exit code)."""
        try:
            return self.get(target)
        except (OSError, ValueError, IndexError):
            return 0, b""

    def get(self, target, timeout=None):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(timeout or self.timeout)
        s.connect(self.path)
        try:
            s.sendall(("GET %s HTTP/1.1\r\nHost: feedd\r\nConnection: close\r\n\r\n"
                       % target).encode())
            data = b""
            while True:
                b = s.recv(1 << 16)
                if not b:
                    break
                data += b
        finally:
            s.close()
        head, _, body = data.partition(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1])
        if b"chunked" in head.lower():
            body = dechunk(body)
        return status, body


def dechunk(b):
    out = b""
    while b:
        line, _, rest = b.partition(b"\r\n")
        n = int(line.split(b";")[0], 16)
        if n == 0:
            break
        out += rest[:n]
        b = rest[n + 2:]
    return out


def poller(api, k, stop, seen, errors):
    after = 0
    while not stop.is_set():
        try:
            st, body = api.get("/v1/items?after=%d&wait=5&limit=1000" % after, timeout=120)
            if st != 200:
                errors.append("poller %d: HTTP %d %r" % (k, st, body[:200]))
                time.sleep(1)
                continue
            j = json.loads(body)
            for it in j["items"]:
                seen.append((it["id"],) + ident(it["feed"], it["url"], it["guid"], it["title"]))
            after = j["next"]
        except (OSError, ValueError) as e:
            errors.append("poller %d: %s" % (k, e))
            time.sleep(1)


def consumer(feedctl, sock, name, stop, seen, errors, env):
    e = dict(env, FEEDD_SOCKET=sock)
    drains = 0
    while True:
        last = stop.is_set()
        if last:
            # Draining after the stop: bounded, whatever feedctl answers.
            drains += 1
            if drains > 20:
                errors.append("feedctl new %s: never reported nothing new" % name)
                return
        r = subprocess.run([feedctl, "new", name, "--ndjson"], capture_output=True, env=e,
                           timeout=300)
        if r.returncode not in (0, 1):
            errors.append("feedctl new %s: exit %d: %s" % (name, r.returncode,
                                                           r.stderr[-300:]))
        for line in r.stdout.splitlines():
            if line.strip():
                it = json.loads(line)
                seen.append((it["id"],) + ident(it["feed"], it["url"], it["guid"], it["title"]))
        if last and r.returncode != 0:
            return
        if last:
            continue
        stop.wait(2)


# ---------------------------------------------------------------- checks

def check_politeness(log, args, problems):
    by_feed = {}
    for e in sorted(log, key=lambda e: e["t"]):
        if e.get("feed") is not None and e["path"].startswith("/f/"):
            by_feed.setdefault(e["feed"], []).append(e)
    unconditional_after_first = 0
    early = 0
    after_gone = 0
    for i, reqs in by_feed.items():
        given = set()
        prev = None
        cut = False
        for e in reqs:
            if prev is not None:
                if prev["status"] == 410:
                    after_gone += 1
                    problems.append("feed %d: request after 410 at %.1f" % (i, e["t"]))
                gap = e["t"] - prev["t"]
                if "via=chain" in e["path"]:
                    pass  # the end of a redirect chain, same fetch
                else:
                    if prev["status"] in (200, 304) and prev.get("kind") is None:
                        need = 0.9 * args.interval
                    elif prev["status"] == 429:
                        need = 6.0     # Retry-After, never jittered earlier
                    elif prev["status"] == 503:
                        need = 4.0
                    else:
                        need = 0.9 * args.min_interval
                    # Due times are whole seconds (floor(now) + delay):
                    # a request may come up to a second before the
                    # interval has fully elapsed.
                    if gap < need - 1.05:
                        early += 1
                        problems.append("feed %d: request %.2fs after a %s (%s), due after %.1fs"
                                        % (i, gap, prev["status"], prev.get("kind"), need))
            # After a body cut short with items kept, no validator until a
            # whole document comes (a stale cache's 304 to the old one would
            # leave the rest out; test_hostile_bodies.py checks that); a cut
            # that kept nothing (a drip) may send the old one.
            if given and e["inm"] not in given and not (cut and e["inm"] is None):
                unconditional_after_first += 1
                problems.append("feed %d: If-None-Match %r not one the server gave"
                                % (i, e["inm"]))
            # A body cut short is a failed fetch: its validators are not
            # stored, so the next request asks for the whole document.
            if e["status"] == 200 and e.get("kind") in ("broken", "reset", "drip"):
                cut = True
            elif e["status"] == 200 and e.get("kind") is None:
                cut = False
            if e["status"] == 200 and e.get("etag") and e.get("kind") != "broken":
                given.add(e["etag"])
            if e["status"] == 304 and e["inm"]:
                given.add(e["inm"])
            if "via=chain" not in e["path"]:
                prev = e
            elif prev is not None and e["status"] in (200, 304):
                # The chain's end: one fetch that worked, begun at its
                # first hop (the due time counts from there).
                prev = dict(prev, status=e["status"], kind=None)
    # In flight per address: [t, end] is a lower bound of each request's span.
    worst = 0
    by_host = {}
    for e in log:
        if e.get("feed") is not None:
            by_host.setdefault(e["host"], []).append((e["t"], e["end"]))
    for host, spans in by_host.items():
        ev = sorted([(t, 1) for t, _ in spans] + [(end, -1) for _, end in spans],
                    key=lambda x: (x[0], x[1]))
        cur = 0
        for _, d in ev:
            cur += d
            worst = max(worst, cur)
    if worst > args.per_host:
        problems.append("per_host %d exceeded: %d in flight to one address"
                        % (args.per_host, worst))
    return {"requests": len(log), "early": early, "unconditional_after_first":
            unconditional_after_first, "after_gone": after_gone,
            "max_in_flight_per_host": worst}


def ident(feed, url, guid, title):
    """(feed name, item number) from the link, else the guid, else the title."""
    for v, pre in ((url, "://soak.example/"), (guid, "://soak.example/")):
        if v and pre in v:
            tail = v.split(pre, 1)[1].split("#")[0].split("/")
            if len(tail) == 2 and tail[1].isdigit():
                return (feed, int(tail[1]))
    if title and " item " in title:
        n = title.split(" item ", 1)[1].split(" ")[0]
        if n.isdigit():
            return (feed, int(n))
    return (feed, "?%s|%s|%s" % (url, guid, title))


def check_delivery(name, seen, must, allowed, problems):
    ids = [s[0] for s in seen]
    keys = [(s[1], s[2]) for s in seen]
    dup_ids = len(ids) - len(set(ids))
    dup_keys = len(keys) - len(set(keys))
    got = set(keys)
    missing = must - got
    extra = got - allowed
    if dup_ids or dup_keys:
        problems.append("%s: %d duplicate ids, %d items announced twice" % (name, dup_ids,
                                                                            dup_keys))
    if missing:
        problems.append("%s: %d items missing, e.g. %s" % (name, len(missing),
                                                           sorted(missing)[:3]))
    if extra:
        problems.append("%s: %d items never served, e.g. %s" % (name, len(extra),
                                                                sorted(extra)[:3]))
    return len(seen)


def rss_kib(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def attach_hostile(stack, sock):
    """The socket API's hostile clients (tests/integration/hostile_load.py)
    for the whole run: the pollers and consumers must see every item all
    the same."""
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                    "..", "integration"))
    import hostile_load
    hostile_load.raise_nofile(4096)
    stack.enter_context(hostile_load.IdleConnections(sock, 1000))
    stack.enter_context(hostile_load.IdleKeepAlive(sock, 50))
    stack.enter_context(hostile_load.Slowloris(sock, 100))
    stack.enter_context(hostile_load.ReconnectLoop(sock))
    stack.enter_context(hostile_load.LongPollBurst(sock, 300))
    print("hostile clients attached: 1000 idle, 50 keep-alive, 100 slow-loris, "
          "a reconnect loop, 300 held long-polls", flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--feedd", default=os.environ.get("FEEDD_BIN", "feedd"))
    ap.add_argument("--feedctl", default=os.environ.get("FEEDCTL_BIN", "feedctl"))
    ap.add_argument("--feeds", type=int, default=500)
    ap.add_argument("--cycles", type=int, default=4)
    ap.add_argument("--interval", type=float, default=8)
    ap.add_argument("--min-interval", type=float, default=4)
    ap.add_argument("--hosts", type=int, default=16)
    ap.add_argument("--per-host", type=int, default=2)
    ap.add_argument("--pollers", type=int, default=16)
    ap.add_argument("--consumers", type=int, default=2)
    ap.add_argument("--sanitized", action="store_true",
                    default=os.environ.get("FEEDD_SANITIZE", "0").lower() in ("1", "on", "true"))
    ap.add_argument("--hostile", action="store_true",
                    help="keep hostile clients on the socket the whole run (idle, "
                         "keep-alive, slow-loris, a reconnect loop, held long-polls)")
    ap.add_argument("--keep", action="store_true",
                    help="keep the state folder and the server's log")
    args = ap.parse_args()

    tmp = tempfile.mkdtemp(prefix="feedd-soak-")
    WORK_DIRS.append(tmp)
    # Backoff is capped here, so the calm phase knows how long to wait.
    max_interval = max(20, int(args.interval * 2.5))
    problems = []
    addrs = ["127.0.0.%d" % (2 + h) for h in range(args.hosts)]
    t0 = time.time()
    soak = Soak(args.feeds, args.interval, t0)
    port_q = multiprocessing.Queue()
    stop_srv = multiprocessing.Event()
    ctx = multiprocessing.get_context("fork")
    srv = ctx.Process(target=serve, args=(soak, addrs, port_q, stop_srv), daemon=True)
    srv.start()
    port = port_q.get(timeout=30)

    conf = ["[daemon]", "max_fetches = %d" % (args.hosts * args.per_host),
            "per_host = %d" % args.per_host, "host_gap = 0s", "",
            "[defaults]", "interval = %ds" % args.interval,
            "min_interval = %ds" % args.min_interval,
            "max_interval = %ds" % max_interval,
            "allow_private = yes", "timeout = 5s", "max_size = 2M", ""]
    for i in range(args.feeds):
        conf += ["[feed f%d]" % i, "url = http://%s:%d/f/%d" % (addrs[i % len(addrs)], port, i), ""]
    cpath = os.path.join(tmp, "feeds.conf")
    with open(cpath, "w") as f:
        f.write("\n".join(conf))
    sock = os.path.join(tmp, "feedd.sock")
    state = os.path.join(tmp, "state")
    logf = open(os.path.join(tmp, "feedd.log"), "wb")
    env = dict(os.environ)
    d = subprocess.Popen([args.feedd, "-c", cpath, "--state-dir", state, "--socket", sock],
                         stdout=logf, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                         env=env)
    api = UnixHTTP(sock, 60)
    hostile = contextlib.ExitStack()
    code = None
    died_early = False
    rss = []
    try:
        # Start-up registers every feed in the store: slow on a busy machine.
        deadline = time.time() + 300
        while not os.path.exists(sock) and time.time() < deadline and d.poll() is None:
            time.sleep(0.1)
        if not os.path.exists(sock):
            raise RuntimeError("feedd never created its socket (exit %s)" % d.poll())
        if args.hostile:
            attach_hostile(hostile, sock)
        stop = threading.Event()
        errors = []
        seen_p = [[] for _ in range(args.pollers)]
        seen_c = [[] for _ in range(args.consumers)]
        threads = [threading.Thread(target=poller, args=(api, k, stop, seen_p[k], errors), daemon=True)
                   for k in range(args.pollers)]
        threads += [threading.Thread(target=consumer,
                                     args=(args.feedctl, sock, "soak%d" % k, stop, seen_c[k],
                                           errors, env), daemon=True)
                    for k in range(args.consumers)]
        for t in threads:
            t.start()

        # The first cycle: start-up spreads never-fetched feeds (100 ms
        # apart), so it lasts until every feed was requested once.
        first = time.time()
        while d.poll() is None and time.time() < first + args.feeds * 0.1 + 120:
            try:
                st, body = api.get("/v1/status")
                if st == 200 and json.loads(body)["fetches"]["total"] >= args.feeds:
                    break
            except OSError:
                pass
            time.sleep(1)
        print("first cycle: %.0f s" % (time.time() - first), flush=True)
        t1 = time.time()
        for c in range(args.cycles):
            if c:
                time.sleep(max(0, t1 + c * args.interval - time.time()))
            if d.poll() is not None:
                problems.append("feedd died during cycle %d (exit %s)" % (c + 1, d.returncode))
                break
            rss.append(rss_kib(d.pid))
            st, body = api.try_get("/v1/status")
            s = json.loads(body) if st == 200 else {}
            print("after cycle %d: RSS %d KiB, fetches %s, items %s" % (
                c + 1, rss[-1], s.get("fetches", {}).get("total"),
                s.get("items", {}).get("stored")), flush=True)

        # Calm: nothing misbehaves or publishes; every live feed gets a
        # clean fetch (backoff is capped by max_interval).
        urllib.request.urlopen("http://%s:%d/_calm" % (addrs[0], port), timeout=30).read()
        calm_at = time.time()
        deadline = calm_at + max_interval + 2 * args.interval + 40
        while time.time() < deadline and d.poll() is None:
            st = json.loads(urllib.request.urlopen("http://%s:%d/_state" % (addrs[0], port),
                                                   timeout=60).read())
            ok = set(e["feed"] for e in st["log"] if e.get("feed") is not None and
                     e["t"] > calm_at and e["status"] in (200, 304) and e["kind"] is None)
            left = set(range(args.feeds)) - ok - set(st["gone"])
            if not left:
                break
            time.sleep(2)
        else:
            if d.poll() is None:
                problems.append("calm phase: %d feeds never fetched cleanly, e.g. %s"
                                % (len(left), sorted(left)[:5]))
        rss.append(rss_kib(d.pid))
        # Let the readers catch up with the last items, then stop them.
        st_, body = api.try_get("/v1/status")
        last_id = json.loads(body)["items"]["last_id"] if st_ == 200 else 0
        wait_until = time.time() + 60
        while time.time() < wait_until and any(
                (not s or max(x[0] for x in s) < last_id) for s in seen_p):
            time.sleep(0.5)
        died_early = d.poll() is not None
        if died_early:
            problems.append("feedd died during the run (exit %s)" % d.returncode)
        stop.set()
        join_by = time.time() + 300
        for t in threads:
            t.join(max(1, join_by - time.time()))
        if any(t.is_alive() for t in threads):
            problems.append("readers still running 5 minutes after the stop")
        pollers_hit = set(e.split(":")[0] for e in errors if e.startswith("poller "))
        print("reader errors: %d (%d of %d pollers hit)" % (len(errors), len(pollers_hit),
                                                            args.pollers), flush=True)
        if len(errors) > 10:
            problems.append("%d reader errors, the first 10:" % len(errors))
        problems.extend(errors[:10])
        hostile.close()
        d.send_signal(signal.SIGTERM)
        try:
            code = d.wait(120)
        except subprocess.TimeoutExpired:
            d.kill()
            code = d.wait()
            problems.append("feedd did not stop on SIGTERM")
    finally:
        hostile.close()
        if d.poll() is None:
            d.kill()
            d.wait()
        logf.close()

    st = json.loads(urllib.request.urlopen("http://%s:%d/_state" % (addrs[0], port),
                                           timeout=60).read())
    stop_srv.set()
    srv.join(10)
    if srv.is_alive():
        srv.terminate()

    with open(os.path.join(tmp, "feedd.log"), "rb") as f:
        log = f.read().decode("utf-8", "replace")
    if code != 0:
        problems.append("feedd exit code %s%s" % (
            code, " (died before the SIGTERM: a crash?)" if died_early else ""))
    for needle in ("AddressSanitizer", "LeakSanitizer", "runtime error:", "Segmentation"):
        if needle in log:
            i = log.index(needle)
            problems.append("sanitizer report: %s" % log[max(0, i - 200):i + 1500])
    r = subprocess.run(["sqlite3", os.path.join(state, "feedd.db"), "PRAGMA integrity_check;"],
                       capture_output=True, text=True)
    integrity = r.stdout.strip() or r.stderr.strip()
    if integrity != "ok":
        problems.append("integrity_check: %s" % integrity)

    def key(p):
        return ("f%d" % p[0], p[1])
    must = set(key(p) for p in st["served_full"])
    allowed = set(key(p) for p in st["written"])
    for k, s in enumerate(seen_p):
        check_delivery("poller %d" % k, s, must, allowed, problems)
    for k, s in enumerate(seen_c):
        check_delivery("consumer soak%d" % k, s, must, allowed, problems)
    pol = check_politeness(st["log"], args, problems)
    kinds = {}
    for e in st["log"]:
        if e.get("kind"):
            kinds[e["kind"]] = kinds.get(e["kind"], 0) + 1

    print("feeds %d, cycles %d, interval %gs, hosts %d, per_host %d, pollers %d, consumers %d"
          % (args.feeds, args.cycles, args.interval, args.hosts, args.per_host, args.pollers,
             args.consumers))
    print("requests %d (misbehaving: %s), items served %d, gone %d" % (
        pol["requests"], json.dumps(kinds, sort_keys=True), len(must), len(st["gone"])))
    print("delivered per poller %s, per consumer %s" % (
        sorted(set(len(s) for s in seen_p)), [len(s) for s in seen_c]))
    print("politeness: early %d, unconditional after the first %d, after 410 %d, "
          "max in flight per host %d (per_host %d)" % (
              pol["early"], pol["unconditional_after_first"], pol["after_gone"],
              pol["max_in_flight_per_host"], args.per_host))
    print("RSS KiB after each cycle: %s (the last after the calm phase)" % rss)
    print("integrity_check: %s; feedd exit %s" % (integrity, code))
    if len(rss) >= 3 and not args.sanitized:
        base = rss[0]
        if max(rss[1:]) > base * 1.3 + 8192:
            problems.append("RSS not flat after the first cycle: %s KiB" % rss)
    if args.keep:
        with open(os.path.join(tmp, "server-log.json"), "w") as f:
            json.dump(st["log"], f)
        print("state and server log kept in " + tmp)
    if problems:
        print("SOAK FAILED:")
        for p in problems[:40]:
            print("  - " + p)
        print("feedd's log, last lines:")
        print("\n".join(log.splitlines()[-40:]))
        return 1
    print("SOAK OK")
    return 0


WORK_DIRS = []   # the folder main() made, and only it: other soaks may run


def run():
    """main(), and its temporary folder removed whatever happens (unless
    --keep): tests leave nothing behind."""
    keep = "--keep" in sys.argv
    # SIGTERM (a test runner's timeout) unwinds like an error: feedd, the
    # server process and the folder are cleaned up too.
    signal.signal(signal.SIGTERM, lambda *a: sys.exit(143))
    try:
        return main()
    finally:
        if not keep:
            for d in WORK_DIRS:
                shutil.rmtree(d, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(run())
