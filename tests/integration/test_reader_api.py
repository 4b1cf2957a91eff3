"""The reader API's listener and its gate (issue 19): reader_listen opens a
TCP listener on loopback only when set, reader_auth's credentials (HTTP
Basic, X-Auth-Token) are checked on every request, failures are answered
401 with {"error_message"} after a delay that grows, a group- or
world-readable credentials file is refused — against the real daemon."""
import http.client
import json
import os
import select
import shutil
import socket
import tempfile
import time
import unittest

from harness import Feedd
from reader_harness import ReaderSetup, basic, free_port, items_of

CONF = """[daemon]
host_gap = 0s
{reader}
[defaults]
interval = 1h
"""


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


class ReaderBase(unittest.TestCase):
    def start_reader(self, creds="alice:s3cret\ntoken:tok-123\n", mode=0o600, start=True):
        self.tmp = tempfile.mkdtemp(prefix="feedd-reader-")
        self.rs = ReaderSetup(self.tmp, creds, mode)
        self.auth, self.port = self.rs.auth, self.rs.port
        self.d = Feedd(CONF.format(reader=self.rs.lines), start=start)
        return self.d

    def tearDown(self):
        d = getattr(self, "d", None)
        if d:
            d.cleanup()
        if getattr(self, "tmp", None):
            shutil.rmtree(self.tmp, ignore_errors=True)

    def call(self, method, path, headers=None, body=None):
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        c.request(method, path, body=body, headers=headers or {})
        r = c.getresponse()
        data = r.read()
        c.close()
        headers = dict(r.getheaders())
        headers["_reason"] = r.reason
        return r.status, headers, data

    def mf(self, method, path, body=None, status=200):
        h = basic("alice", "s3cret")
        if body is not None:
            h["Content-Type"] = "application/json"
            body = body if isinstance(body, str) else json.dumps(body)
        st, _, data = self.call(method, path, h, body)
        self.assertEqual(st, status, (method, path, data))
        return json.loads(data) if data else None


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
            self.assertEqual(headers.get("_reason"), "Unauthorized")
            self.assertEqual(json.loads(body), {"error_message": "access unauthorized"})
            self.assertIn("Basic", headers.get("WWW-Authenticate", ""))
        self.assertGreaterEqual(times[0], 0.09)
        self.assertGreaterEqual(times[3], 0.79)   # 100 ms doubled three times
        # A success forgets the failures.
        self.assertEqual(self.call("GET", "/v1/me", basic("alice", "s3cret"))[0], 200)
        t0 = time.monotonic()
        self.assertEqual(self.call("GET", "/v1/me")[0], 401)
        self.assertLess(time.monotonic() - t0, 0.5)

    def test_waiting_refusals_hold_no_slot(self):
        self.start_reader()
        import threading
        statuses = []

        def guess():
            statuses.append(self.call("GET", "/v1/me", basic("alice", "guess"))[0])
        # More refusals waiting out their delay than requests in progress
        # (64): a reader with the password is answered at once anyway.
        threads = [threading.Thread(target=guess) for _ in range(80)]
        for t in threads:
            t.start()
        time.sleep(1.0)
        t0 = time.monotonic()
        st, _, _ = self.call("GET", "/v1/me", basic("alice", "s3cret"))
        elapsed = time.monotonic() - t0
        for t in threads:
            t.join()
        self.assertEqual(st, 200)
        self.assertLess(elapsed, 1.0)
        self.assertEqual(statuses, [401] * 80)

    def test_unknown_path_is_404_json(self):
        self.start_reader()
        st, _, body = self.call("GET", "/v1/nothing", basic("alice", "s3cret"))
        self.assertEqual(st, 404)
        self.assertIn("error_message", json.loads(body))
        for path in ("/v1", "/v1/", "/v2/feeds", "/v1/feeds/1/entries/x/y"):
            st, _, body = self.call("GET", path, basic("alice", "s3cret"))
            self.assertEqual(st, 404, path)

    def test_runs_of_slashes_count_as_one(self):
        # A client joining a base URL that ends in '/' asks "//v1/feeds".
        self.start_reader()
        want = self.call("GET", "/v1/feeds", basic("alice", "s3cret"))
        self.assertEqual(want[0], 200)
        for path in ("//v1/feeds", "/v1//feeds", "/v1/feeds/"):
            got = self.call("GET", path, basic("alice", "s3cret"))
            self.assertEqual((got[0], got[2]), (200, want[2]), path)

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
        # Config errors, found by the config reader: exit 2, which
        # systemd does not restart (RestartPreventExitStatus=2).
        for reader in ("reader_listen = localhost\nreader_auth = /nonexistent\n",
                       "reader_listen = 127.0.0.1:%d\n" % free_port()):
            d = Feedd(CONF.format(reader=reader), start=False)
            d.start(wait_ready=False)
            self.assertEqual(d.proc.wait(10), 2)
            self.assertIn("feeds.conf:", d.read_log())
            self.assertIn("[daemon] reader_listen", d.read_log())
            d.cleanup()

    def test_port_in_use_is_refused(self):
        # Another program listens on the port: feedd says so and exits 1,
        # rather than listening on a port of the kernel's choosing.
        other = socket.socket()
        other.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        other.bind(("127.0.0.1", 0))
        other.listen(1)
        try:
            d = self.start_reader(start=False)
            port = other.getsockname()[1]
            d.cleanup()
            self.port = port
            self.d = Feedd(CONF.format(reader=self.rs.daemon_lines(port)), start=False)
            self.d.start(wait_ready=False)
            self.assertEqual(self.d.proc.wait(10), 1)
            self.assertIn("address already in use", self.d.read_log())
        finally:
            other.close()

    def test_connection_cap_closes_the_idle_longest(self):
        self.start_reader()
        idle = []
        try:
            for _ in range(300):          # over the reader's 256 connections
                s = socket.create_connection(("127.0.0.1", self.port), timeout=10)
                idle.append(s)
            # A newcomer is answered: the connection idle longest made room.
            st, _, body = self.call("GET", "/v1/me", basic("alice", "s3cret"))
            self.assertEqual(st, 200, body)
            idle[0].settimeout(5)
            self.assertEqual(idle[0].recv(1), b"")
        finally:
            for s in idle:
                s.close()

    def test_connection_cap_closes_the_slowest_head(self):
        # Every slot held by a client trickling its request head (a
        # slow-loris flood) and none idle: a newcomer still gets in, the
        # connection sending its head the longest making room.
        self.start_reader()
        slow = []
        try:
            for _ in range(256):
                s = socket.create_connection(("127.0.0.1", self.port), timeout=10)
                s.sendall(b"GET /v1/me HTTP/1.1\r\nHost: x\r\n")
                slow.append(s)
            time.sleep(1.2)
            for _ in range(3):
                st, _, body = self.call("GET", "/v1/me", basic("alice", "s3cret"))
                self.assertEqual(st, 200, body)
            # The oldest made room (closed: readable, at its end or reset).
            readable, _, _ = select.select(slow, [], [], 5)
            self.assertIn(slow[0], readable)
        finally:
            for s in slow:
                s.close()

    def test_a_flood_of_refusals_is_answered_never_reset(self):
        # 300 clients at once over the 256 connections, each a complete
        # request with a bad password: every one reads an answer (401, or
        # 503 when refused), none a reset. A connection whose request the
        # loop has not read yet is not idle, whatever it looks like.
        self.start_reader()
        socks = []
        try:
            for _ in range(300):
                s = socket.create_connection(("127.0.0.1", self.port), timeout=20)
                s.sendall(b"GET /v1/me HTTP/1.1\r\nHost: x\r\n"
                          b"Authorization: Basic Ym9ndXM6Ym9ndXM=\r\n\r\n")
                socks.append(s)
            got = []
            for s in socks:
                try:
                    got.append(s.recv(12))
                except ConnectionResetError:
                    got.append(b"reset")
            self.assertEqual([g for g in got if g not in (b"HTTP/1.1 401", b"HTTP/1.1 503")], [])
        finally:
            for s in socks:
                s.close()

    def test_limits_are_the_sockets(self):
        self.start_reader()
        # A head over 8 KiB: 431, as on the Unix socket.
        h = basic("alice", "s3cret")
        h["X-Big"] = "x" * 9000
        st, _, body = self.call("GET", "/v1/me", h)
        self.assertEqual(st, 431)
        # In the error shape its clients read (Miniflux's), not the
        # socket API's.
        self.assertEqual(json.loads(body), {"error_message": "request head too large"})
        # A body over the bound, answered from its head.
        s = socket.create_connection(("127.0.0.1", self.port), timeout=10)
        s.sendall(("PUT /v1/entries HTTP/1.1\r\nHost: x\r\nAuthorization: %s\r\n"
                   "Content-Length: 100000000\r\n\r\n" % h["Authorization"]).encode())
        got = b""
        while True:
            chunk = s.recv(4096)
            if not chunk:
                break
            got += chunk
        s.close()
        head, _, body = got.partition(b"\r\n\r\n")
        self.assertTrue(head.startswith(b"HTTP/1.1 413 "), head)
        self.assertIn("request body too large", json.loads(body)["error_message"])


FEEDS_CONF = """[daemon]
host_gap = 0s
{reader}
[defaults]
interval = 1h
min_interval = 1s
allow_private = yes

[feed a]
url = {a}
tags = news, world

[feed b]
url = {b}
"""

# Three feeds in three categories: a in "news" and "world", b in none
# ("All" only), c in "tech".
CATEGORIES_CONF = FEEDS_CONF + """
[feed c]
url = {c}
tags = tech
"""


class MinifluxFeeds(ReaderBase):
    """A daemon on CONF with the fixture's feeds FEEDS ({name: items}),
    every item stored; self.NAME_ids each feed's item ids."""
    CONF = FEEDS_CONF
    FEEDS = {"a": 4, "b": 3}

    @classmethod
    def setUpClass(cls):
        from fixture_server import FixtureServer
        cls.srv = FixtureServer().start()
        for name, n in cls.FEEDS.items():
            cls.srv.set_feed(name, items=items_of(name, n))

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="feedd-reader-")
        self.rs = ReaderSetup(self.tmp)
        self.port = self.rs.port
        self.d = Feedd(self.CONF.format(reader=self.rs.lines,
                                        **{k: self.srv.url("/feed/" + k) for k in self.FEEDS}))
        from harness import wait_until
        for name, n in self.FEEDS.items():
            self.assertEqual(self.d.post("/v1/feeds/%s/refresh" % name).status, 202)
            self.assertTrue(wait_until(
                lambda: self.d.get("/v1/feeds/" + name).json().get("items") == n))
        self.items = self.d.get("/v1/items").json()["items"]
        for name in self.FEEDS:
            setattr(self, name + "_ids", [i["id"] for i in self.items if i["feed"] == name])


class Miniflux(MinifluxFeeds):
    """The Miniflux v1 subset, endpoint by endpoint."""

    def feed_ids(self):
        return {f["title"] if f["title"] else f["feed_url"]: f["id"] for f in self.mf("GET", "/v1/feeds")}

    def test_feeds_and_categories(self):
        feeds = self.mf("GET", "/v1/feeds")
        self.assertEqual(len(feeds), 2)
        for f in feeds:
            self.assertIsInstance(f["id"], int)
            self.assertIsInstance(f["category"]["id"], int)
            self.assertIn("feed_url", f)
        by_url = {f["feed_url"]: f for f in feeds}
        fa = by_url[self.srv.url("/feed/a")]
        fb = by_url[self.srv.url("/feed/b")]
        self.assertEqual(fa["category"]["title"], "news")
        self.assertEqual((fb["category"]["id"], fb["category"]["title"]), (1, "All"))
        cats = self.mf("GET", "/v1/categories")
        self.assertEqual([c["title"] for c in cats], ["All", "news", "world"])
        self.assertEqual(len({c["id"] for c in cats}), 3)
        one = self.mf("GET", "/v1/feeds/%d" % fa["id"])
        self.assertEqual(one["id"], fa["id"])
        self.mf("GET", "/v1/feeds/999999", status=404)
        self.mf("GET", "/v1/feeds/abc", status=404)
        # Ids are stable across a restart.
        self.d.stop()
        self.d.start()
        self.assertEqual(self.mf("GET", "/v1/feeds"), feeds)

    def test_entries_shapes_and_parameters(self):
        r = self.mf("GET", "/v1/entries")
        self.assertEqual(r["total"], 7)
        e = r["entries"][0]
        for key, kind in (("id", int), ("feed_id", int), ("status", str), ("title", str),
                          ("url", str), ("published_at", str), ("content", str),
                          ("starred", bool)):
            self.assertIsInstance(e[key], kind, key)
        self.assertEqual(e["status"], "unread")
        self.assertRegex(e["published_at"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
        ids = [x["id"] for x in r["entries"]]
        self.assertEqual(ids, sorted(ids))
        # published_at: by the item's date, then id (feeds a and b have
        # items of the same days: not id order).
        by_date = [i["id"] for i in sorted(self.items, key=lambda i: (i["date"], i["id"]))]
        self.assertNotEqual(by_date, ids)
        asc = self.mf("GET", "/v1/entries?order=published_at")
        self.assertEqual([x["id"] for x in asc["entries"]], by_date)
        dates = [x["published_at"] for x in asc["entries"]]
        self.assertEqual(dates, sorted(dates))
        desc = self.mf("GET", "/v1/entries?order=published_at&direction=desc")
        self.assertEqual([x["id"] for x in desc["entries"]], by_date[::-1])
        self.assertEqual([x["id"] for x in self.mf(
            "GET", "/v1/entries?order=published_at&limit=2&offset=1")["entries"]], by_date[1:3])
        self.mf("PUT", "/v1/entries", {"entry_ids": by_date[:2], "status": "read"}, status=204)
        unread = self.mf("GET", "/v1/entries?status=unread&order=published_at&direction=desc")
        self.assertEqual([x["id"] for x in unread["entries"]], by_date[2:][::-1])
        self.mf("PUT", "/v1/entries", {"entry_ids": by_date[:2], "status": "unread"}, status=204)
        self.assertEqual([x["id"] for x in self.mf("GET", "/v1/entries?order=id")["entries"]],
                         ids)
        page = self.mf("GET", "/v1/entries?limit=2&offset=2")
        self.assertEqual([x["id"] for x in page["entries"]], ids[2:4])
        self.assertEqual(page["total"], 5)      # up to the page's end, and one more
        last = self.mf("GET", "/v1/entries?limit=3&offset=4")
        self.assertEqual(([x["id"] for x in last["entries"]], last["total"]), (ids[4:], 7))
        after = self.mf("GET", "/v1/entries?after_entry_id=%d" % ids[4])
        self.assertEqual([x["id"] for x in after["entries"]], ids[5:])
        before = self.mf("GET", "/v1/entries?before_entry_id=%d" % ids[2])
        self.assertEqual([x["id"] for x in before["entries"]], ids[:2])
        fid = self.mf("GET", "/v1/entries/%d" % self.a_ids[0])["feed_id"]
        fe = self.mf("GET", "/v1/feeds/%d/entries?direction=desc&limit=3" % fid)
        self.assertEqual([x["id"] for x in fe["entries"]], self.a_ids[::-1][:3])
        self.assertTrue(all(x["feed_id"] == fid for x in fe["entries"]))
        cats = {c["title"]: c["id"] for c in self.mf("GET", "/v1/categories")}
        news = self.mf("GET", "/v1/entries?category_id=%d" % cats["news"])
        self.assertEqual([x["id"] for x in news["entries"]], self.a_ids)
        self.mf("GET", "/v1/feeds/999999/entries", status=404)
        # Date filters, Unix times: published (the entry's date) after and
        # before, and changed (last update seen, else first seen).
        import calendar
        jan = lambda d: calendar.timegm((2024, 1, d, 10, 0, 0))
        def ids_of(q):
            return sorted(x["id"] for x in self.mf("GET", "/v1/entries?" + q)["entries"])
        a, b = self.a_ids, self.b_ids
        self.assertEqual(ids_of("after=%d" % jan(2)), sorted(a[2:] + b[2:]))
        self.assertEqual(ids_of("published_after=%d" % jan(2)), sorted(a[2:] + b[2:]))
        self.assertEqual(ids_of("before=%d" % jan(3)), sorted(a[:2] + b[:2]))
        self.assertEqual(ids_of("published_after=%d&published_before=%d" % (jan(1), jan(3))),
                         sorted([a[1], b[1]]))
        now = int(time.time())
        self.assertEqual(ids_of("changed_after=%d" % (now - 3600)), sorted(a + b))
        self.assertEqual(ids_of("changed_after=%d" % (now + 3600)), [])
        self.assertEqual(ids_of("changed_before=%d" % (now - 3600)), [])
        self.assertEqual(ids_of("changed_before=%d&after=%d" % (now + 3600, jan(3))),
                         sorted([a[3]]))
        self.assertEqual(ids_of("feed_id=%d&after=%d" % (fid, jan(1))), a[1:])
        # 0 or less is no bound, as in Miniflux.
        self.assertEqual(ids_of("before=-5&published_after=0&changed_before=0"), sorted(a + b))
        self.mf("GET", "/v1/entries?feed_id=999999", status=404)
        for bad in ("status=maybe", "limit=x", "direction=up", "order=title", "offset=-1",
                    "after=yesterday", "changed_before=1e9", "feed_id=0", "before=99999999999999"):
            self.mf("GET", "/v1/entries?" + bad, status=400)

    def test_search(self):
        # Miniflux's search is the store's full-text query, with the
        # other filters.
        two = [i["id"] for i in self.items if i["title"].endswith(" 2")]
        self.assertEqual(len(two), 2)
        r = self.mf("GET", "/v1/entries?search=title%202")
        self.assertEqual(([x["id"] for x in r["entries"]], r["total"]), (sorted(two), 2))
        fid = self.mf("GET", "/v1/entries/%d" % self.a_ids[1])["feed_id"]
        r = self.mf("GET", "/v1/feeds/%d/entries?search=title+2" % fid)
        self.assertEqual([x["id"] for x in r["entries"]], [self.a_ids[1]])
        self.mf("PUT", "/v1/entries", {"entry_ids": [self.a_ids[1]], "status": "read"},
                status=204)
        r = self.mf("GET", "/v1/entries?search=title+2&status=unread")
        self.assertEqual([x["id"] for x in r["entries"]], [i for i in two if i != self.a_ids[1]])
        self.assertEqual(self.mf("GET", "/v1/entries?search=nosuchword")["entries"], [])
        # An empty search is no filter.
        self.assertEqual(self.mf("GET", "/v1/entries?search=%20")["total"], 7)

    def test_many_at_once_and_clients_gone(self):
        # The read-only routes share a queue with the workers
        # (daemon/reader_mf.c): clients at once on keep-alive connections,
        # and clients gone before their answer, get exact answers or
        # nothing, and the daemon goes on.
        import threading
        paths = ["/v1/entries?limit=3", "/v1/entries?status=unread&direction=desc",
                 "/v1/feeds", "/v1/entries/%d" % self.a_ids[0]]
        want = {p: self.mf("GET", p) for p in paths}
        h = basic("alice", "s3cret")
        errors = []

        def client(k):
            try:
                c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=20)
                for i in range(12):
                    p = paths[(k + i) % len(paths)]
                    c.request("GET", p, headers=h)
                    r = c.getresponse()
                    got = json.loads(r.read())
                    if r.status != 200 or got != want[p]:
                        errors.append((p, r.status))
                c.close()
            except Exception as e:   # noqa: BLE001 (reported below)
                errors.append(repr(e))

        def gone(k):
            # A request, and the connection closed before the answer.
            s = socket.create_connection(("127.0.0.1", self.port), timeout=10)
            s.sendall(("GET %s HTTP/1.1\r\nHost: x\r\nAuthorization: %s\r\n\r\n"
                       % (paths[k % len(paths)], h["Authorization"])).encode() * 3)
            s.close()

        threads = [threading.Thread(target=client, args=(k,)) for k in range(12)]
        threads += [threading.Thread(target=gone, args=(k,)) for k in range(12)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(errors, [])
        for p in paths:
            self.assertEqual(self.mf("GET", p), want[p])

    def test_offset_pages_past_a_thousand(self):
        # Miniflux's offset is any: the store skips it in its query (SQL
        # OFFSET), so a client paging by offset reads every entry, past
        # the 1000 one page may hold, and "total" leads it to the end.
        many = [{"guid": "m-%d" % i, "title": "many %d" % i,
                 "link": "http://example.org/m/%d" % i} for i in range(1, 1301)]
        self.srv.set_feed("many", items=many)
        self.addCleanup(self.srv.set_feed, "many", items=[])
        conf = FEEDS_CONF.format(reader=self.rs.lines, a=self.srv.url("/feed/a"),
                                 b=self.srv.url("/feed/b")) + "\n[feed many]\nurl = %s\n" % \
            self.srv.url("/feed/many")
        self.d.write_config(conf)
        self.assertEqual(self.d.feedctl("reload").returncode, 0)
        from harness import wait_until
        self.assertTrue(wait_until(lambda: self.d.get("/v1/feeds/many").status == 200))
        self.assertEqual(self.d.post("/v1/feeds/many/refresh").status, 202)
        self.assertTrue(wait_until(
            lambda: self.d.get("/v1/feeds/many").json().get("items") == 1300, timeout=30))
        seen, offset, pages = [], 0, 0
        while True:
            page = self.mf("GET", "/v1/entries?limit=250&offset=%d" % offset)
            got = [x["id"] for x in page["entries"]]
            seen += got
            offset += len(got)
            pages += 1
            if not got or offset >= page["total"]:
                break
        self.assertEqual(len(seen), 1307)
        self.assertEqual(seen, sorted(seen))
        self.assertEqual(pages, 6)
        self.assertEqual(page["total"], 1307)   # exact on the last page
        desc = self.mf("GET", "/v1/entries?direction=desc&limit=5&offset=1300")
        self.assertEqual(([x["id"] for x in desc["entries"]], desc["total"]),
                         (seen[2:7][::-1], 1306))
        # A full page of the most a page holds says that more follow too.
        full = self.mf("GET", "/v1/entries?limit=1000")
        self.assertEqual((len(full["entries"]), full["total"]), (1000, 1001))
        past = self.mf("GET", "/v1/entries?limit=5&offset=5000")
        self.assertEqual(past["entries"], [])
        self.mf("GET", "/v1/entries?offset=1000000001", status=400)

    def test_titles_follow_a_reload(self):
        # feeds.conf's title is a feed's title for the readers; the reader
        # keeps them per config, so a reload must show the new one.
        def titles():
            url_a = self.srv.url("/feed/a")
            listed = [f["title"] for f in self.mf("GET", "/v1/feeds") if f["feed_url"] == url_a]
            entries = self.mf("GET", "/v1/entries?limit=100")["entries"]
            fid = [f["id"] for f in self.mf("GET", "/v1/feeds") if f["feed_url"] == url_a][0]
            in_entries = {e["feed"]["title"] for e in entries if e["feed_id"] == fid}
            return listed[0], in_entries
        conf = FEEDS_CONF.format(reader=self.rs.lines, a=self.srv.url("/feed/a"),
                                 b=self.srv.url("/feed/b"))
        before = titles()
        self.d.write_config(conf.replace("tags = news", "title = Mine\ntags = news"))
        self.assertEqual(self.d.feedctl("reload").returncode, 0)
        self.assertEqual(titles(), ("Mine", {"Mine"}))
        self.d.write_config(conf.replace("tags = news", "title = Yours\ntags = news"))
        self.assertEqual(self.d.feedctl("reload").returncode, 0)
        self.assertEqual(titles(), ("Yours", {"Yours"}))
        self.d.write_config(conf)
        self.assertEqual(self.d.feedctl("reload").returncode, 0)
        self.assertEqual(titles(), before)

    def test_skipped_items_are_not_counted(self):
        # An item feeds.conf's rules skipped is no one's to read: not in
        # the counters, not among the entries.
        from harness import wait_until
        self.srv.set_feed("c", items=[{"guid": "c-1", "title": "c one"},
                                      {"guid": "c-2", "title": "sponsored: c two"}])
        url_c = self.srv.url("/feed/c")
        self.d.write_config(FEEDS_CONF.format(reader=self.rs.lines,
                                              a=self.srv.url("/feed/a"), b=self.srv.url("/feed/b"))
                            + "\n[feed c]\nurl = %s\nskip = title ~ ^sponsored\n" % url_c)
        self.assertEqual(self.d.feedctl("reload").returncode, 0)
        self.assertTrue(wait_until(lambda: self.d.get("/v1/feeds/c").json().get("last_fetch")))
        fid = [f["id"] for f in self.mf("GET", "/v1/feeds") if f["feed_url"] == url_c][0]
        counters = self.mf("GET", "/v1/feeds/counters")
        self.assertEqual(counters["unreads"][str(fid)], 1, counters)
        entries = self.mf("GET", "/v1/feeds/%d/entries?status=unread" % fid)["entries"]
        self.assertEqual([e["title"] for e in entries], ["c one"])

    def test_a_removed_feed_takes_its_entries_along(self):
        # Miniflux deletes a feed's entries with it; feedd keeps them for
        # the socket API's history, but a reader sees neither the entries
        # nor counts that disagree with the listing.
        fid_a = self.mf("GET", "/v1/entries/%d" % self.a_ids[0])["feed_id"]
        self.d.write_config(FEEDS_CONF.format(reader=self.rs.lines, a=self.srv.url("/feed/a"),
                                              b=self.srv.url("/feed/b"))
                            .replace("[feed a]\nurl = %s\ntags = news, world\n"
                                     % self.srv.url("/feed/a"), ""))
        self.assertEqual(self.d.feedctl("reload").returncode, 0)
        entries = self.mf("GET", "/v1/entries?limit=100")
        self.assertEqual([e["id"] for e in entries["entries"]], self.b_ids)
        self.assertEqual(entries["total"], len(self.b_ids))
        unread = self.mf("GET", "/v1/entries?status=unread&limit=100")["entries"]
        counters = self.mf("GET", "/v1/feeds/counters")
        self.assertEqual(len(unread), sum(counters["unreads"].values()))
        self.mf("GET", "/v1/entries/%d" % self.a_ids[0], status=404)
        self.mf("GET", "/v1/feeds/%d/entries" % fid_a, status=404)
        # Nor can a reader mark them: all or nothing, a 404 for the id.
        self.mf("PUT", "/v1/entries", {"entry_ids": [self.b_ids[0], self.a_ids[0]],
                                        "status": "read"}, status=404)
        self.assertEqual(self.mf("GET", "/v1/entries/%d" % self.b_ids[0])["status"], "unread")
        # The socket API keeps the history, and may still mark it.
        self.assertEqual(self.d.get("/v1/feeds/a/items").json()["items"][0]["id"],
                         self.a_ids[0])
        self.assertFalse(self.d.get("/v1/feeds/a/items").json()["items"][0]["read"])

    def test_entry_content_is_sanitized(self):
        # The store and the socket API keep what the feed said; the
        # reader API hands a client HTML it can render (core/sanitize.h).
        from harness import wait_until
        html = ('<p onclick="steal()">hi<script>alert(1)</script> '
                '<a href="javascript:alert(2)">x</a> <img src="pic.png">')
        self.srv.set_feed("s", items=[{"guid": "s-1", "title": "s one",
                                       "link": "http://example.org/s/1",
                                       "description": html}])
        url_s = self.srv.url("/feed/s")
        self.d.write_config(FEEDS_CONF.format(reader=self.rs.lines,
                                              a=self.srv.url("/feed/a"), b=self.srv.url("/feed/b"))
                            + "\n[feed s]\nurl = %s\n" % url_s)
        self.assertEqual(self.d.feedctl("reload").returncode, 0)
        self.assertTrue(wait_until(lambda: self.d.get("/v1/feeds/s").json().get("items") == 1))
        raw = [i for i in self.d.get("/v1/items").json()["items"] if i["feed"] == "s"][0]
        self.assertIn("<script>", raw["summary"])
        self.assertIn("onclick", raw["summary"])
        e = self.mf("GET", "/v1/entries/%d" % raw["id"])
        listed = [x for x in self.mf("GET", "/v1/entries")["entries"] if x["id"] == raw["id"]]
        self.assertEqual(listed[0]["content"], e["content"])
        c = e["content"]
        for bad in ("<script", "alert(1)", "onclick", "javascript:"):
            self.assertNotIn(bad, c)
        # (pic.png was resolved against the feed's URL by the parser)
        self.assertEqual(c, '<p>hi <a href="">x</a> <img src="%s" /></p>'
                         % self.srv.url("/feed/pic.png"))

    def test_status_marks_and_counters(self):
        self.mf("PUT", "/v1/entries", {"entry_ids": self.a_ids[:2], "status": "read"},
                status=204)
        self.assertEqual(self.mf("GET", "/v1/entries/%d" % self.a_ids[0])["status"], "read")
        unread = self.mf("GET", "/v1/entries?status=unread")
        self.assertEqual(unread["total"], 5)
        read = self.mf("GET", "/v1/entries?status=read")
        self.assertEqual([x["id"] for x in read["entries"]], self.a_ids[:2])
        fid = self.mf("GET", "/v1/entries/%d" % self.a_ids[0])["feed_id"]
        counters = self.mf("GET", "/v1/feeds/counters")
        self.assertEqual(counters["reads"][str(fid)], 2)
        self.assertEqual(counters["unreads"][str(fid)], 2)
        # The socket API sees the same marks; the cursors do not move.
        self.assertEqual([i["id"] for i in self.d.get("/v1/items?status=read").json()["items"]],
                         self.a_ids[:2])
        self.mf("PUT", "/v1/entries", {"entry_ids": [self.a_ids[0]], "status": "unread"},
                status=204)
        self.mf("PUT", "/v1/feeds/%d/mark-all-as-read" % fid, status=204)
        self.assertEqual(self.mf("GET", "/v1/feeds/counters")["unreads"][str(fid)], 0)
        self.mf("PUT", "/v1/feeds/999999/mark-all-as-read", status=404)
        # Bad bodies: 400; unknown ids: 404 and nothing changed.
        for bad in ("", "{", "[]", {"entry_ids": [], "status": "read"},
                    {"entry_ids": [1], "status": "gone"}, {"entry_ids": ["1"], "status": "read"},
                    {"status": "read"}):
            self.mf("PUT", "/v1/entries", bad, status=400)
        self.mf("PUT", "/v1/entries", {"entry_ids": [self.b_ids[0], 999999], "status": "read"},
                status=404)
        self.assertEqual(self.mf("GET", "/v1/entries/%d" % self.b_ids[0])["status"], "unread")
        # More than a thousand ids at once (a client marking a long
        # backlog); past 10 000, a 400 that says so.
        self.mf("PUT", "/v1/entries", {"entry_ids": self.b_ids * 700, "status": "read"},
                status=204)
        self.assertEqual(self.mf("GET", "/v1/entries/%d" % self.b_ids[0])["status"], "read")
        h = basic("alice", "s3cret")
        h["Content-Type"] = "application/json"
        st, _, data = self.call("PUT", "/v1/entries", h,
                                json.dumps({"entry_ids": [self.b_ids[0]] * 10001,
                                            "status": "read"}))
        self.assertEqual(st, 400)
        self.assertIn("at most 10000", json.loads(data)["error_message"])
        # status given twice: either (Miniflux's WithStatuses); removed
        # alone lists nothing whatever the limit.
        both = self.mf("GET", "/v1/entries?status=read&status=unread&limit=100")
        self.assertEqual(len(both["entries"]), len(self.a_ids) + len(self.b_ids))
        for q in ("status=unread&status=read", "status=removed&status=read&status=unread"):
            self.assertEqual(self.mf("GET", "/v1/entries?" + q)["entries"], both["entries"])
        self.assertEqual(self.mf("GET", "/v1/entries?status=removed&limit=100")["entries"], [])
        self.assertEqual(self.mf("GET", "/v1/entries?limit=100&status=removed")["entries"], [])
        # 0 is no bound for either id bound.
        self.assertEqual(self.mf("GET", "/v1/entries?before_entry_id=0&after_entry_id=0"
                                 "&limit=100")["entries"], both["entries"])

    def test_bookmark_toggles(self):
        e = self.b_ids[1]
        self.assertFalse(self.mf("GET", "/v1/entries/%d" % e)["starred"])
        self.mf("PUT", "/v1/entries/%d/bookmark" % e, status=204)
        self.assertTrue(self.mf("GET", "/v1/entries/%d" % e)["starred"])
        self.assertEqual([x["id"] for x in self.mf("GET", "/v1/entries?starred=true")["entries"]],
                         [e])
        # starred=false is a filter too (Miniflux's WithStarred(false)).
        unstarred = [x["id"] for x in self.mf("GET", "/v1/entries?starred=false")["entries"]]
        self.assertEqual(unstarred, sorted(i for i in self.a_ids + self.b_ids if i != e))
        self.mf("PUT", "/v1/entries/%d/bookmark" % e, status=204)
        self.assertFalse(self.mf("GET", "/v1/entries/%d" % e)["starred"])
        self.mf("PUT", "/v1/entries/999999/bookmark", status=404)
        self.mf("GET", "/v1/entries/999999", status=404)

    def test_version(self):
        import subprocess
        from harness import FEEDD_BIN
        v = self.mf("GET", "/v1/version")
        self.assertEqual(sorted(v), sorted(["version", "commit", "build_date", "go_version",
                                            "compiler", "arch", "os"]))
        self.assertTrue(all(isinstance(x, str) for x in v.values()), v)
        out = subprocess.run([FEEDD_BIN, "--version"], capture_output=True, text=True).stdout
        self.assertEqual("feedd " + v["version"], out.strip())
        self.assertEqual(v["os"], "linux")
        self.assertRegex(v["compiler"], r"^(gcc|clang) \d+\.\d+\.\d+$")
        import platform
        go_arch = {"x86_64": "amd64", "aarch64": "arm64"}.get(platform.machine())
        if go_arch:
            self.assertEqual(v["arch"], go_arch)
        self.mf("PUT", "/v1/version", status=405)

    def test_methods(self):
        self.mf("POST", "/v1/entries", "{}", status=405)
        self.mf("GET", "/v1/entries/1/bookmark", status=405)
        self.mf("DELETE", "/v1/feeds", status=405)
        self.mf("GET", "/v1/users", status=404)


class MinifluxCategories(MinifluxFeeds):
    """A category's routes (/v1/categories/ID/...), by the ids GET
    /v1/categories gives; and the icons clients ask for."""
    CONF = CATEGORIES_CONF
    FEEDS = {"a": 4, "b": 3, "c": 2}

    def tearDown(self):
        # A clean exit: under the sanitizers, nothing the routes left.
        code = self.d.stop()
        log = self.d.read_log()
        super().tearDown()
        self.assertEqual(code, 0, log[-4000:])

    def cats(self):
        return {c["title"]: c["id"] for c in self.mf("GET", "/v1/categories")}

    def ids(self, path):
        return [x["id"] for x in self.mf("GET", path)["entries"]]

    def test_category_entries(self):
        cats = self.cats()
        self.assertEqual(sorted(cats), ["All", "news", "tech", "world"])
        a, b, c = self.a_ids, self.b_ids, self.c_ids
        self.assertEqual(self.ids("/v1/categories/%d/entries" % cats["tech"]), c)
        # A feed is in each of its tags' categories; "All" holds them all.
        for name in ("news", "world"):
            self.assertEqual(self.ids("/v1/categories/%d/entries" % cats[name]), a)
        self.assertEqual(self.ids("/v1/categories/1/entries"), sorted(a + b + c))
        got = self.mf("GET", "/v1/categories/%d/entries" % cats["news"])
        self.assertEqual(got["total"], 4)
        self.assertTrue(all(e["feed"]["category"]["title"] == "news" for e in got["entries"]))
        # The entries listings' parameters, as /v1/entries's.
        news = "/v1/categories/%d/entries?" % cats["news"]
        self.assertEqual(self.ids(news + "limit=2&direction=desc"), a[::-1][:2])
        page = self.mf("GET", news + "limit=2&offset=1")
        self.assertEqual(([x["id"] for x in page["entries"]], page["total"]), (a[1:3], 4))
        self.assertEqual(self.ids(news + "after_entry_id=%d" % a[1]), a[2:])
        self.mf("PUT", "/v1/entries", {"entry_ids": a[:2], "status": "read"}, status=204)
        self.assertEqual(self.ids(news + "status=unread"), a[2:])
        self.assertEqual(self.ids(news + "status=read"), a[:2])
        self.mf("PUT", "/v1/entries/%d/bookmark" % a[3], status=204)
        self.assertEqual(self.ids(news + "starred=true"), [a[3]])
        self.assertEqual(self.ids(news + "order=published_at&direction=desc&limit=1"), [a[3]])
        # The path's category, whatever category_id= says.
        self.assertEqual(self.ids(news + "category_id=%d" % cats["tech"]), a)
        for bad in ("status=maybe", "limit=x", "direction=up"):
            self.mf("GET", news + bad, status=400)
        # An id GET /v1/categories does not give: 404, as Miniflux's.
        unknown = max(cats.values()) + 1
        self.mf("GET", "/v1/categories/%d/entries" % unknown, status=404)
        self.mf("GET", "/v1/categories/x/entries", status=404)

    def test_category_feeds(self):
        cats = self.cats()
        feeds = {f["feed_url"]: f for f in self.mf("GET", "/v1/feeds")}
        url = lambda n: self.srv.url("/feed/" + n)
        def urls(cat):
            return sorted(f["feed_url"] for f in
                          self.mf("GET", "/v1/categories/%d/feeds" % cat))
        self.assertEqual(urls(cats["tech"]), [url("c")])
        self.assertEqual(urls(cats["world"]), [url("a")])
        self.assertEqual(urls(1), sorted(url(n) for n in "abc"))
        # Each as /v1/feeds shows it.
        self.assertEqual(self.mf("GET", "/v1/categories/%d/feeds" % cats["tech"]),
                         [feeds[url("c")]])
        self.mf("GET", "/v1/categories/%d/feeds" % (max(cats.values()) + 1), status=404)
        self.mf("PUT", "/v1/categories/%d/feeds" % cats["tech"], status=405)

    def test_category_mark_all_as_read(self):
        cats = self.cats()
        self.mf("PUT", "/v1/categories/%d/mark-all-as-read" % cats["news"], status=204)
        self.assertEqual(self.ids("/v1/entries?status=unread"), sorted(self.b_ids + self.c_ids))
        self.assertEqual(self.ids("/v1/categories/%d/entries?status=unread" % cats["world"]), [])
        self.assertEqual(self.ids("/v1/categories/%d/entries?status=unread" % cats["tech"]),
                         self.c_ids)
        # The socket API sees the same marks.
        self.assertEqual([i["id"] for i in self.d.get("/v1/items?status=read").json()["items"]],
                         self.a_ids)
        self.mf("PUT", "/v1/categories/%d/mark-all-as-read" % (max(cats.values()) + 1),
                status=404)
        self.mf("GET", "/v1/categories/%d/mark-all-as-read" % cats["tech"], status=405)
        self.assertEqual(self.ids("/v1/entries?status=unread"), sorted(self.b_ids + self.c_ids))
        self.mf("PUT", "/v1/categories/1/mark-all-as-read", status=204)
        self.assertEqual(self.ids("/v1/entries?status=unread"), [])

    def test_icons_are_404(self):
        # No icons: Miniflux's answer for a feed without one.
        fid = self.mf("GET", "/v1/feeds")[0]["id"]
        for path in ("/v1/feeds/%d/icon" % fid, "/v1/icons/1", "/v1/feeds/%d/counters" % fid):
            self.assertIn("error_message", self.mf("GET", path, status=404))


if __name__ == "__main__":
    unittest.main()
