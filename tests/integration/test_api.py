"""test_api.py — the socket API against the real daemon: every endpoint,
parameter, format and error of docs/API.md, long-polls, events, consumers
and the bounds on clients.

Feeds are local files (file:// URLs): the test writes a document, asks for
a refresh, and the daemon stores it as if it had been fetched.
"""
import json
import re
import os
import resource
import select
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import unittest
import urllib.parse
import xml.etree.ElementTree as ET


from harness import Feedd, SLOW, run_feedd, wait_until

ATOM = "{http://www.w3.org/2005/Atom}"


def gid(item):
    """The test's own id: the parser resolves a relative guid against the
    document URL (as feedparser does), so compare the last segment."""
    return item["guid"].rsplit("/", 1)[-1]


def rss(items, title="T"):
    out = ['<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>'
           '<title>%s</title><link>http://example.org/</link><description>d</description>' % title]
    for it in items:
        out.append("<item><guid isPermaLink=\"false\">%s</guid><title>%s</title>"
                   "<link>%s</link><description>%s</description>%s%s%s</item>" % (
                       it["guid"], it["title"], it["link"], it.get("description", ""),
                       "<pubDate>%s</pubDate>" % it["date"] if "date" in it else "",
                       "".join("<category>%s</category>" % c for c in it.get("categories", [])),
                       '<enclosure url="%s" type="audio/mpeg" length="123"/>' % it["enclosure"]
                       if "enclosure" in it else ""))
    out.append("</channel></rss>\n")
    return "".join(out)


def item(n, feed="a", **kw):
    d = {"guid": "%s-%d" % (feed, n), "title": "%s item %d" % (feed, n),
         "link": "http://example.org/%s/%d" % (feed, n)}
    d.update(kw)
    return d


def raw_request(path, data, timeout=10):
    """Sends DATA on a new connection; returns everything until close."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout * SLOW)
    s.connect(path)
    try:
        s.sendall(data)
    except OSError:
        pass  # the server may answer and close before reading it all
    chunks = []
    try:
        while True:
            b = s.recv(65536)
            if not b:
                break
            chunks.append(b)
    except ConnectionResetError:
        pass
    s.close()
    return b"".join(chunks)


def split_answers(raw):
    """(status, body) of each Content-Length answer in RAW, in order."""
    out = []
    while raw:
        head, _, rest = raw.partition(b"\r\n\r\n")
        m = re.search(rb"(?im)^content-length: *(\d+)", head)
        n = int(m.group(1)) if m else 0
        out.append((int(head.split(b" ", 2)[1]), rest[:n]))
        raw = rest[n:]
    return out


def status_of(raw):
    return int(raw.split(b" ", 2)[1]) if raw.startswith(b"HTTP/1.1 ") else None


class ApiTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        # 500 long-polls and 1000 connects need descriptors on both sides;
        # the daemon inherits this limit.
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        want = min(hard, 4096)
        if soft < want:
            resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
        cls.tmp = tempfile.mkdtemp(prefix="feedd-api-")
        # Runs even when setUpClass fails half-way (tearDownClass would not).
        cls.addClassCleanup(shutil.rmtree, cls.tmp, ignore_errors=True)
        cls.feed_a = os.path.join(cls.tmp, "a.xml")
        cls.feed_b = os.path.join(cls.tmp, "b.xml")
        cls.a_items = [
            item(1, date="Wed, 31 Jan 2024 12:00:00 GMT", description="first &lt;b&gt;bold&lt;/b&gt;",
                 categories=["x", "y"], enclosure="http://example.org/a.mp3"),
            item(2, date="Thu, 01 Feb 2024 12:00:00 GMT", title="tab\there &amp; quote\""),
            item(3, date="Fri, 02 Feb 2024 12:00:00 GMT", title="searchable zebra"),
        ]
        cls.b_items = [item(1, "b", date="Sat, 03 Feb 2024 12:00:00 GMT"),
                       # the same article as a/1: a cross-feed duplicate
                       item(2, "b", link="http://example.org/a/1", title="copy of a1")]
        cls.write(cls.feed_a, cls.a_items)
        cls.write(cls.feed_b, cls.b_items)
        cls.config = ("[defaults]\ninterval = 1h\n\n"
                      "[feed a]\nurl = file://%s\ntags = news, tech\n\n"
                      "[feed b]\nurl = file://%s\ntags = other\n" % (cls.feed_a, cls.feed_b))
        # Inside our folder: removed with it even if the start fails.
        os.mkdir(os.path.join(cls.tmp, "daemon"))
        cls.d = Feedd(cls.config, dir=os.path.join(cls.tmp, "daemon"))
        cls.addClassCleanup(cls.d.cleanup)
        ok = wait_until(lambda: len(cls.d.get("/v1/items?limit=1000").json()["items"]) == 5)
        if not ok:
            raise AssertionError("items not stored; log:\n" + cls.d.read_log())

    @classmethod
    def tearDownClass(cls):
        code = cls.d.stop()
        log = cls.d.read_log()
        cls.d.cleanup()
        # A clean stop: under sanitizers, nothing leaked or went wrong.
        if code != 0:
            raise AssertionError("feedd exited %r; log:\n%s" % (code, log[-5000:]))

    @classmethod
    def write(cls, path, items):
        tmp = path + ".tmp"
        with open(tmp, "w") as f:
            f.write(rss(items))
        os.replace(tmp, path)

    def get(self, path, status=200):
        r = self.d.get(path)
        self.assertEqual(r.status, status, "%s: %s" % (path, r.body[:300]))
        return r

    def items(self, query=""):
        return self.get("/v1/items?" + query).json()["items"]

    def add_item(self, n, feed="a"):
        """Stores one more item in FEED (a refresh of its file)."""
        lst = self.a_items if feed == "a" else self.b_items
        lst.append(item(n, feed))
        self.write(self.feed_a if feed == "a" else self.feed_b, lst)
        r = self.d.post("/v1/feeds/%s/refresh" % feed)
        self.assertEqual(r.status, 202)

    def last_id(self):
        return self.get("/v1/status").json()["items"]["last_id"]

    def expect_error(self, method, path, status, detail_prefix=None, body=None):
        r = self.d.request(method, path, body=body)
        self.assertEqual(r.status, status, "%s %s: %s" % (method, path, r.body))
        j = r.json()
        self.assertIn("error", j)
        self.assertIn("detail", j)
        if detail_prefix:
            self.assertTrue(j["detail"].startswith(detail_prefix), j)
        return r

    # --- items and their parameters ---

    def test_items_cursor_and_filters(self):
        everything = self.items("after=0&limit=1000")
        ids = [i["id"] for i in everything]
        self.assertEqual(ids, sorted(ids))
        first = everything[0]
        for k in ("id", "feed", "guid", "url", "title", "author", "summary", "content",
                  "published", "updated", "categories", "enclosures", "first_seen",
                  "updated_seen", "identity", "duplicate_of"):
            self.assertIn(k, first)
        # after / limit / next: paging visits everything once
        seen, after = [], 0
        while True:
            j = self.get("/v1/items?after=%d&limit=2" % after).json()
            if not j["items"]:
                self.assertEqual(j["next"], after)
                break
            self.assertLessEqual(len(j["items"]), 2)
            seen += [i["id"] for i in j["items"]]
            after = j["next"]
        self.assertEqual(seen[:len(ids)], ids)
        # before
        self.assertEqual([i["id"] for i in self.items("before=%d" % ids[2])], ids[:2])
        # feed, repeated; tag
        self.assertEqual({i["feed"] for i in self.items("feed=b")}, {"b"})
        self.assertEqual({i["feed"] for i in self.items("feed=a&feed=b")}, {"a", "b"})
        self.assertEqual({i["feed"] for i in self.items("tag=other")}, {"b"})
        self.assertEqual({i["feed"] for i in self.items("tag=tech")}, {"a"})
        self.assertEqual(self.items("tag=nosuchtag"), [])
        # feeds.conf lower-cases its tags; a filter is folded the same way
        self.assertEqual({i["feed"] for i in self.items("tag=Tech")}, {"a"})
        self.assertEqual({i["feed"] for i in self.items("tag=%20OTHER")}, {"b"})
        # q: full text
        found = self.items("q=zebra")
        self.assertEqual([i["title"] for i in found], ["searchable zebra"])
        # no input is an error: empty and blank are both no filter
        every = [i["id"] for i in self.items("limit=1000")]
        self.assertEqual([i["id"] for i in self.items("q=&limit=1000")], every)
        self.assertEqual([i["id"] for i in self.items("q=%20&limit=1000")], every)
        # since
        since = self.items("since=2024-02-02T00:00:00Z")
        self.assertNotIn("a-1", [gid(i) for i in since])
        self.assertIn("b-1", [gid(i) for i in since])
        # the same instant with an offset; none is refused, not read as UTC
        later = self.items("since=2024-02-02T01:00:00%2B01:00")
        self.assertEqual([i["id"] for i in later], [i["id"] for i in since])
        for bad in ("2024-02-02T00:00:00", "2024-02-02", "2024-02-02T01:00:00+01:00"):
            r = self.expect_error("GET", "/v1/items?since=" + bad, 400, "since")
            self.assertIn("offset", r.json()["detail"])
        # distinct: b/2 duplicates a/1
        dup = [i for i in everything if gid(i) == "b-2"][0]
        a1 = [i for i in everything if gid(i) == "a-1"][0]
        self.assertEqual(dup["duplicate_of"], a1["id"])
        self.assertNotIn("b-2", [gid(i) for i in self.items("distinct=1&limit=1000")])
        # order
        desc = [i["id"] for i in self.items("order=desc&limit=1000")]
        self.assertEqual(desc, sorted(desc, reverse=True))
        # feed items
        self.assertEqual({i["feed"] for i in self.get("/v1/feeds/a/items").json()["items"]}, {"a"})
        self.expect_error("GET", "/v1/feeds/nosuch/items", 404)
        self.expect_error("GET", "/v1/items?feed=nosuch", 404)

    def test_parameter_errors(self):
        for q, name in [("after=-1", "after"), ("after=x", "after"), ("before=1&after=5", "before"),
                        ("limit=0", "limit"), ("limit=1001", "limit"), ("wait=301", "wait"),
                        ("order=sideways", "order"), ("distinct=2", "distinct"),
                        ("since=last+week", "since"), ("format=xml", "format"),
                        ("tag=", "tag"), ("q=" + "a" * 1025, "q"), ("bogus=1", "bogus"),
                        ("after=1&after=2", "after")]:
            self.expect_error("GET", "/v1/items?" + q, 400, name)
        self.expect_error("GET", "/v1/events?format=atom", 400, "format")
        self.expect_error("GET", "/v1/feeds/a/items?feed=b", 400, "feed")
        # before=0 would read as no bound: refused, not every item
        self.expect_error("GET", "/v1/items?before=0", 400, "before")

    def test_errors(self):
        self.expect_error("GET", "/v1/nothing", 404)
        self.expect_error("GET", "/v2/items", 404)
        self.expect_error("GET", "/v1/feeds/nosuch", 404)
        self.expect_error("GET", "/v1/consumers/nosuch", 404)
        self.expect_error("POST", "/v1/consumers/nosuch/ack?upto=1", 404)
        r = self.expect_error("DELETE", "/v1/items", 405)
        self.assertEqual(r.headers.get("Allow"), "GET")
        r = self.expect_error("GET", "/v1/reload", 405)
        self.assertEqual(r.headers.get("Allow"), "POST")
        r = self.expect_error("GET", "/v1/feeds/a/refresh", 405)
        self.assertEqual(r.headers.get("Allow"), "POST")
        # HEAD: a 405 with its headers and no body (RFC 9110), so that the
        # answer to a GET pipelined after it is read as its own.
        raw = raw_request(self.d.socket, b"HEAD /v1/status HTTP/1.1\r\nHost: x\r\n\r\n"
                          b"GET /v1/status HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        head, _, rest = raw.partition(b"\r\n\r\n")
        self.assertTrue(head.startswith(b"HTTP/1.1 405 "), raw)
        self.assertRegex(head, rb"(?i)content-length: [1-9]")
        self.assertTrue(rest.startswith(b"HTTP/1.1 200 OK\r\n"), raw)
        # 413: a body over 64 KiB
        raw = raw_request(self.d.socket, b"POST /v1/reload HTTP/1.1\r\nHost: x\r\n"
                          b"Content-Length: 70000\r\n\r\n" + b"x" * 70000)
        self.assertEqual(status_of(raw), 413)
        self.assertIn(b'"error"', raw)
        # 431: a 64 KiB header
        raw = raw_request(self.d.socket, b"GET /v1/status HTTP/1.1\r\nHost: x\r\nX-Big: " +
                          b"a" * 65536 + b"\r\n\r\n")
        self.assertEqual(status_of(raw), 431)
        # 400: not HTTP
        raw = raw_request(self.d.socket, b"HELLO\r\n\r\n")
        self.assertEqual(status_of(raw), 400)
        # The daemon is fine afterwards.
        self.get("/v1/status")

    def test_keepalive_pipelining(self):
        reqs = (b"GET /v1/items?limit=1 HTTP/1.1\r\nHost: x\r\n\r\n"
                b"GET /v1/nothing HTTP/1.1\r\nHost: x\r\n\r\n"
                b"GET /v1/status HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        raw = raw_request(self.d.socket, reqs)
        statuses = [int(m) for m in re.findall(rb"(?:^|\n)HTTP/1\.1 (\d{3}) ", raw)]
        self.assertEqual(statuses, [200, 404, 200])

    def test_pipelined_answers_in_order_around_worker_queries(self):
        """A held long-poll, worker-thread queries and loop-only answers,
        pipelined on one connection, come back in request order."""
        last = self.last_id()
        reqs = (b"GET /v1/items?after=%d&wait=1 HTTP/1.1\r\nHost: x\r\n\r\n" % last
                + b"GET /v1/items?limit=1000&format=atom HTTP/1.1\r\nHost: x\r\n\r\n"
                + b"GET /v1/nothing HTTP/1.1\r\nHost: x\r\n\r\n"
                + b"GET /v1/items?limit=1 HTTP/1.1\r\nHost: x\r\n\r\n"
                + b"GET /v1/events?after=0&limit=1 HTTP/1.1\r\nHost: x\r\n\r\n"
                + b"GET /v1/status HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        answers = split_answers(raw_request(self.d.socket, reqs))
        self.assertEqual([a[0] for a in answers], [200, 200, 404, 200, 200, 200])
        held = json.loads(answers[0][1])
        self.assertEqual(held["items"], [])
        self.assertEqual(held["next"], last)
        self.assertTrue(answers[1][1].startswith(b"<?xml"), answers[1][1][:80])
        self.assertEqual(len(json.loads(answers[3][1])["items"]), 1)
        self.assertEqual(len(json.loads(answers[4][1])["events"]), 1)
        self.assertIn("version", json.loads(answers[5][1]))

    def test_concurrent_pipelines_stay_apart(self):
        """Connections pipelining item queries at once each get their own
        answers, in their order, while the queries run on worker threads."""
        last = self.last_id()
        errors = []

        def client(k):
            afters = [(k * 7 + i) % last for i in range(40)]
            reqs = b"".join(b"GET /v1/items?after=%d&limit=1 HTTP/1.1\r\nHost: x\r\n\r\n" % a
                            for a in afters)
            reqs += b"GET /v1/status HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
            answers = split_answers(raw_request(self.d.socket, reqs))
            got = [json.loads(b)["items"][0]["id"] for _, b in answers[:-1]]
            # ids have no gaps: the next item after A is A + 1
            if got != [a + 1 for a in afters]:
                errors.append((k, afters, got))

        threads = [threading.Thread(target=client, args=(k,)) for k in range(12)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60 * SLOW)
        self.assertEqual(errors, [])

    # --- formats ---

    def test_ndjson(self):
        r = self.get("/v1/items?format=ndjson&limit=1000")
        self.assertTrue(r.headers["Content-Type"].startswith("application/x-ndjson"))
        lines = r.text.splitlines()
        self.assertEqual([json.loads(l)["id"] for l in lines],
                         [i["id"] for i in self.items("limit=1000")])
        self.assertEqual(int(r.headers["Feedd-Next"]), json.loads(lines[-1])["id"])

    def test_tsv_columns(self):
        r = self.get("/v1/items?format=tsv&feed=a&limit=3")
        js = self.items("feed=a&limit=3")
        lines = r.body.decode("utf-8").split("\n")
        self.assertEqual(lines[-1], "")
        lines = lines[:-1]
        self.assertEqual(len(lines), len(js))
        for line, it in zip(lines, js):
            cols = line.split("\t")
            self.assertEqual(len(cols), 9, cols)
            ts, title, link, content, ctype, guid, author, enc, cats = cols
            self.assertEqual(int(ts), int(time.mktime(time.strptime(
                it["published"], "%Y-%m-%dT%H:%M:%SZ"))) - time.timezone)
            self.assertEqual(title, " ".join(it["title"].split("\t")))
            self.assertEqual(link, it["url"])
            body = it["content"] or it["summary"] or ""
            self.assertEqual(content, body.replace("\\", "\\\\").replace("\t", "\\t")
                             .replace("\n", "\\n"))
            self.assertEqual(ctype, "html" if body else "")
            self.assertEqual(guid, it["guid"])
            self.assertEqual(author, it["author"] or "")
            self.assertEqual(enc, it["enclosures"][0]["url"] if it["enclosures"] else "")
            self.assertEqual(cats, "|".join(it["categories"]))
        self.assertIn("\tfirst <b>bold</b>\thtml\t", lines[0])
        self.assertTrue(lines[0].endswith("\thttp://example.org/a.mp3\tx|y"))

    def test_atom(self):
        r = self.get("/v1/items?format=atom&limit=1000")
        self.assertTrue(r.headers["Content-Type"].startswith("application/atom+xml"))
        root = ET.fromstring(r.body)
        self.assertEqual(root.tag, ATOM + "feed")
        for req in ("id", "title", "updated"):
            self.assertIsNotNone(root.find(ATOM + req), req)
        entries = root.findall(ATOM + "entry")
        js = self.items("limit=1000")
        self.assertEqual(len(entries), len(js))
        for e in entries:
            for req in ("id", "title", "updated"):
                self.assertIsNotNone(e.find(ATOM + req), req)
        # feedd's own parser reads it back.
        path = os.path.join(self.tmp, "out.atom")
        with open(path, "wb") as f:
            f.write(r.body)
        p = run_feedd("--parse", path)
        os.unlink(path)
        self.assertEqual(p.returncode, 0, p.stderr)
        doc = json.loads(p.stdout)
        self.assertEqual([i["title"] for i in doc["items"]], [i["title"] for i in js])
        self.assertEqual([i["url"] for i in doc["items"]], [i["url"] for i in js])

    def test_titles_with_markup(self):
        # An Atom title of type html keeps its markup in the store; the
        # outputs say so: Atom type="html" (newsboat renders it), and the
        # TSV title (sfeed's plain text) is its text. A plain title with a
        # bare & or < stays type="text".
        path = os.path.join(self.tmp, "titles.xml")
        with open(path, "w") as f:
            f.write('<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title><id>urn:t</id>'
                    '<entry><id>urn:t:1</id><title type="html">&lt;b&gt;Bold&lt;/b&gt; '
                    '&amp;amp; Co &amp;eacute;t&amp;eacute;</title></entry>'
                    '<entry><id>urn:t:2</id><title>AT&amp;T and &lt;3</title></entry></feed>')
        conf = self.config + "\n[feed titles]\nurl = file://%s\n" % path
        self.d.write_config(conf)
        self.addCleanup(lambda: (self.d.write_config(self.config), self.d.feedctl("reload")))
        self.assertEqual(self.d.feedctl("reload").returncode, 0)
        self.assertTrue(wait_until(lambda: len(self.items("feed=titles")) == 2))
        stored = [i["title"] for i in self.items("feed=titles")]
        self.assertEqual(stored, ["<b>Bold</b> &amp; Co &eacute;t&eacute;", "AT&T and <3"])
        root = ET.fromstring(self.get("/v1/items?format=atom&feed=titles").body)
        titles = [e.find(ATOM + "title") for e in root.findall(ATOM + "entry")]
        self.assertEqual([(t.get("type"), t.text) for t in titles],
                         [("html", stored[0]), ("text", stored[1])])
        tsv = self.get("/v1/items?format=tsv&feed=titles").body.decode()
        self.assertEqual([line.split("\t")[1] for line in tsv.splitlines()],
                         ["Bold & Co \u00e9t\u00e9", "AT&T and <3"])
        out = self.d.feedctl("items", "--feed", "titles")
        self.assertEqual(out.returncode, 0)
        self.assertIn("Bold & Co \u00e9t\u00e9", out.stdout.decode())

    # --- long-polls ---

    def test_long_poll_woken_by_a_new_item(self):
        after = self.last_id()
        result = {}

        def poll():
            t0 = time.monotonic()
            r = self.d.get("/v1/items?after=%d&wait=60" % after, timeout=90)
            result["r"] = r
            result["t"] = time.monotonic() - t0
        th = threading.Thread(target=poll)
        th.start()
        self.assertTrue(wait_until(lambda: self.get("/v1/status").json()["api"]["waiting"] >= 1))
        t_store = time.monotonic()
        self.add_item(100)
        th.join(60 * SLOW)
        self.assertFalse(th.is_alive())
        r = result["r"]
        self.assertEqual(r.status, 200)
        items = r.json()["items"]
        self.assertEqual([gid(i) for i in items], ["a-100"])
        print("\nlong-poll answered %.1f ms after the refresh was asked" %
              ((time.monotonic() - t_store) * 1000))
        # A filter that the new item does not match keeps waiting; the
        # timeout answers it empty with next = after.
        after = self.last_id()
        t = threading.Thread(target=lambda: result.update(
            f=self.d.get("/v1/items?after=%d&feed=b&wait=2" % after, timeout=30)))
        t.start()
        self.assertTrue(wait_until(lambda: self.get("/v1/status").json()["api"]["waiting"] >= 1))
        self.add_item(101)
        t.join(30 * SLOW)
        j = result["f"].json()
        self.assertEqual(j, {"items": [], "next": after})

    def test_many_long_polls(self):
        n = 500
        after = self.last_id()
        socks = []
        req = ("GET /v1/items?after=%d&wait=120 HTTP/1.1\r\nHost: x\r\n\r\n" % after).encode()
        try:
            # In steps, so the 64-client limit (which parked polls leave)
            # is never met by connections not yet parked.
            for i in range(0, n, 32):
                for _ in range(min(32, n - i)):
                    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                    s.settimeout(30 * SLOW)
                    s.connect(self.d.socket)
                    s.sendall(req)
                    socks.append(s)
                self.assertTrue(wait_until(
                    lambda: self.get("/v1/status").json()["api"]["waiting"] >= len(socks)))
            # Idle while they wait: the daemon's CPU time hardly moves.
            pid = self.d.proc.pid

            def cpu():
                with open("/proc/%d/stat" % pid) as f:
                    v = f.read().rsplit(")", 1)[1].split()
                return int(v[11]) + int(v[12])
            c0 = cpu()
            time.sleep(1)
            ticks = cpu() - c0
            print("\n%d long-polls waiting: %d CPU ticks in 1 s" % (n, ticks))
            self.assertLess(ticks, 50)
            self.add_item(200)
            answered = 0
            for s in socks:
                buf = b""
                while b"\r\n\r\n" not in buf:
                    buf += s.recv(65536)
                head, _, body = buf.partition(b"\r\n\r\n")
                self.assertTrue(head.startswith(b"HTTP/1.1 200"), head)
                length = int([l for l in head.split(b"\r\n")
                              if l.lower().startswith(b"content-length:")][0].split(b":")[1])
                while len(body) < length:
                    body += s.recv(65536)
                self.assertEqual([gid(i) for i in json.loads(body)["items"]], ["a-200"])
                answered += 1
            self.assertEqual(answered, n)
        finally:
            for s in socks:
                s.close()

    def test_thousand_connects(self):
        socks = []
        try:
            for _ in range(1000):
                s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                s.settimeout(20 * SLOW)
                s.connect(self.d.socket)
                socks.append(s)
            for s in socks:
                try:
                    s.sendall(b"GET /v1/status HTTP/1.1\r\nHost: x\r\n\r\n")
                except OSError:
                    pass  # refused ones may be closed already
            counts = {}
            for s in socks:
                buf = b""
                try:
                    while b"\r\n\r\n" not in buf:
                        b = s.recv(65536)
                        if not b:
                            break
                        buf += b
                except ConnectionResetError:
                    pass
                st = status_of(buf)
                counts[st] = counts.get(st, 0) + 1
            print("\n1000 connects: %s" % counts)
            # Connections are not the limit, requests in progress are,
            # and those over it wait their turn: every one is answered.
            self.assertEqual(counts, {200: 1000})
        finally:
            for s in socks:
                s.close()
        # Nothing is held once the clients leave.
        self.assertTrue(wait_until(lambda: self.d.get("/v1/status").status == 200))

    # --- events ---

    def test_events_resume(self):
        j = self.get("/v1/events?after=0&limit=1000").json()
        types = {e["type"] for e in j["events"]}
        self.assertIn("feed.added", types)
        self.assertIn("item.new", types)
        seqs = [e["seq"] for e in j["events"]]
        self.assertEqual(seqs, sorted(seqs))
        last = j["next"]
        # "Disconnected" while two items arrive; resuming from LAST misses none.
        self.add_item(300)
        wait_until(lambda: self.get("/v1/events?after=%d" % last).json()["events"])
        self.add_item(301)
        wait_until(lambda: len(self.get("/v1/events?after=%d" % last).json()["events"]) >= 2)
        ev = self.get("/v1/events?after=%d&format=ndjson" % last).text.splitlines()
        new = [json.loads(l) for l in ev]
        self.assertEqual([e["type"] for e in new if e["type"] == "item.new"], ["item.new"] * 2)
        self.assertEqual(new[0]["seq"], last + 1)
        # A waiting events request is woken by the next event.
        last = new[-1]["seq"]
        res = {}
        t = threading.Thread(target=lambda: res.update(
            r=self.d.get("/v1/events?after=%d&wait=60" % last, timeout=90)))
        t.start()
        self.assertTrue(wait_until(lambda: self.get("/v1/status").json()["api"]["waiting"] >= 1))
        self.add_item(302)
        t.join(60 * SLOW)
        self.assertEqual(res["r"].json()["events"][0]["seq"], last + 1)

    # --- consumers ---

    def test_consumer_at_least_once(self):
        first = self.get("/v1/consumers/reader/items?limit=2").json()
        again = self.get("/v1/consumers/reader/items?limit=2").json()
        self.assertEqual(first, again)  # no ack: the same items again
        self.assertEqual(len(first["items"]), 2)
        r = self.d.post("/v1/consumers/reader/ack", body=b"upto=%d" % first["next"],
                        headers={"Content-Type": "application/x-www-form-urlencoded"})
        self.assertEqual(r.status, 200)
        self.assertEqual(r.json(), {"consumer": "reader", "cursor": first["next"]})
        nxt = self.get("/v1/consumers/reader/items?limit=1000").json()
        self.assertTrue(all(i["id"] > first["next"] for i in nxt["items"]))
        # JSON ack, never backwards
        r = self.d.post("/v1/consumers/reader/ack", body={"upto": 1})
        self.assertEqual(r.status, 200)
        self.assertEqual(r.json()["cursor"], first["next"])
        self.expect_error("POST", "/v1/consumers/reader/ack", 400, "upto")
        self.expect_error("POST", "/v1/consumers/reader/ack?upto=999999999", 400, "upto")
        lst = self.get("/v1/consumers").json()["consumers"]
        me = [c for c in lst if c["name"] == "reader"][0]
        self.assertEqual(me["cursor"], first["next"])
        self.assertEqual(me["lag"], len(nxt["items"]))
        self.assertEqual(self.get("/v1/consumers/reader").json()["cursor"], first["next"])
        # from_now: a new consumer starts at the newest item
        self.assertEqual(self.get("/v1/consumers/late/items?from_now=1").json()["items"], [])

    # --- feeds, refresh, reload, status ---

    def test_feeds(self):
        feeds = self.get("/v1/feeds").json()["feeds"]
        # (test_reload adds and removes a feed "c": the store keeps it, removed)
        self.assertEqual([f["name"] for f in feeds if not f["removed"]], ["a", "b"])
        a = self.get("/v1/feeds/a").json()
        for k in ("name", "url", "effective_url", "last_fetch", "next_due", "next_reason",
                  "last_error", "identity", "items", "counters", "config"):
            self.assertIn(k, a)
        self.assertEqual(a["config"]["tags"], ["news", "tech"])
        self.assertEqual(a["state"], "ok")
        self.assertEqual(a["config"]["interval"], 3600)
        lines = self.get("/v1/feeds?format=ndjson").text.splitlines()
        self.assertEqual([json.loads(l)["name"] for l in lines
                          if not json.loads(l)["removed"]], ["a", "b"])
        self.expect_error("POST", "/v1/feeds/nosuch/refresh", 404)

    def test_reload(self):
        bad = self.config + "\n[feed c]\nurl = file:///x\nintervall = 5m\n"
        self.d.write_config(bad)
        try:
            r = self.d.post("/v1/reload")
            self.assertEqual(r.status, 422)
            detail = r.json()["detail"]
            self.assertTrue(any("intervall" in m for m in detail), detail)
            self.assertNotIn("c", [f["name"] for f in self.get("/v1/feeds").json()["feeds"]])
        finally:
            self.d.write_config(self.config)
        r = self.d.post("/v1/reload")
        self.assertEqual(r.status, 200)
        self.assertEqual(r.json()["feeds"], 2)
        # A feed added by a reload (SIGHUP here) wakes a waiting events poll.
        last = self.get("/v1/status").json()["events"]["last_seq"]
        res = {}
        t = threading.Thread(target=lambda: res.update(
            r=self.d.get("/v1/events?after=%d&wait=60" % last, timeout=90)))
        t.start()
        self.assertTrue(wait_until(lambda: self.get("/v1/status").json()["api"]["waiting"] >= 1))
        self.d.write_config(self.config + "\n[feed c]\nurl = file:///nonexistent/c.xml\nenabled = no\n")
        try:
            self.d.signal(signal.SIGHUP)
            t.join(60 * SLOW)
            self.assertFalse(t.is_alive())
            types = [e["type"] for e in res["r"].json()["events"]]
            self.assertIn("feed.added", types)
        finally:
            self.d.write_config(self.config)
            self.d.post("/v1/reload")
        self.assertTrue(self.d.wait_log("POST /v1/reload by uid %d" % os.getuid()))

    def test_status(self):
        s = self.get("/v1/status").json()
        self.assertGreaterEqual(s["feeds"]["total"], 2)
        self.assertGreaterEqual(s["feeds"]["by_state"].get("ok", 0), 2)
        self.assertGreaterEqual(s["items"]["stored"], 5)
        self.assertGreaterEqual(s["fetches"]["total"], 2)
        for k in ("version", "uptime", "bytes", "events", "store", "api"):
            self.assertIn(k, s)
        self.assertGreaterEqual(s["api"]["clients"], 1)


class StatusStatesTest(unittest.TestCase):
    """/v1/status counts feeds by the very states /v1/feeds shows."""

    def test_by_state_matches_feeds(self):
        tmp = tempfile.mkdtemp(prefix="feedd-states-")
        self.addCleanup(shutil.rmtree, tmp, ignore_errors=True)
        good = os.path.join(tmp, "good.xml")
        with open(good, "w") as f:
            f.write(rss([item(1, "g")]))
        base = ("[defaults]\ninterval = 1h\n\n"
                "[feed ok1]\nurl = file://%s\n\n"
                "[feed bad]\nurl = file://%s/missing.xml\n\n"
                "[feed off]\nurl = file://%s\nenabled = no\n\n" % (good, tmp, good))
        os.mkdir(os.path.join(tmp, "daemon"))
        d = Feedd(base + "[feed drop]\nurl = file://%s\n" % good,
                  dir=os.path.join(tmp, "daemon"))
        self.addCleanup(d.cleanup)

        def by_state():
            return d.get("/v1/status").json()["feeds"]["by_state"]

        self.assertTrue(wait_until(lambda: by_state().get("ok") == 2 and
                                   by_state().get("failing") == 1), by_state())
        d.write_config(base)
        self.assertEqual(d.post("/v1/reload").status, 200)
        want = {"ok": 1, "failing": 1, "disabled": 1, "removed": 1}
        self.assertEqual(by_state(), want)
        counted = {}
        for f in d.get("/v1/feeds").json()["feeds"]:
            counted[f["state"]] = counted.get(f["state"], 0) + 1
        self.assertEqual(counted, want)
        self.assertEqual(d.get("/v1/status").json()["feeds"]["total"], 3)
        self.assertEqual(d.stop(), 0)


class SlowClientsTest(unittest.TestCase):
    """A client that asks for a large answer and never reads it is dropped
    (its write stalls for the 30 s idle bound); a slow-loris client is
    closed at the 10 s head bound; others are served all along. Both run at
    once, so the test costs the longer bound only."""

    def test_never_reads_and_slow_loris(self):
        tmp = tempfile.mkdtemp(prefix="feedd-api-big-")
        self.addCleanup(shutil.rmtree, tmp, True)
        path = os.path.join(tmp, "big.xml")
        blob = "x" * 40000
        with open(path, "w") as f:
            f.write(rss([item(i, "big", description=blob) for i in range(300)]))
        os.mkdir(os.path.join(tmp, "daemon"))
        d = Feedd("[feed big]\nurl = file://%s\n" % path, dir=os.path.join(tmp, "daemon"))
        try:
            self.assertTrue(wait_until(
                lambda: len(d.get("/v1/items?limit=1000").json()["items"]) == 300, timeout=60))
            lazy = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            lazy.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            lazy.connect(d.socket)
            lazy.sendall(b"GET /v1/items?limit=1000 HTTP/1.1\r\nHost: x\r\n\r\n")
            slow = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            slow.settimeout(30 * SLOW)
            slow.connect(d.socket)
            slow.sendall(b"GET /v1/status HTTP/1.1\r\nHo")
            t0 = time.monotonic()
            for _ in range(3):
                self.assertEqual(d.get("/v1/status").status, 200)
            buf = b""
            while True:
                b = slow.recv(65536)
                if not b:
                    break
                buf += b
            slow.close()
            self.assertEqual(status_of(buf), 408)
            print("\nslow client closed after %.1f s" % (time.monotonic() - t0))
            # Others are served while the lazy one sits there; then it goes.
            self.assertTrue(wait_until(
                lambda: d.get("/v1/status").json()["api"]["clients"] == 1, timeout=90))
            self.assertTrue(d.wait_log("stopped reading"))
            lazy.settimeout(10 * SLOW)
            got = 0
            try:
                while True:
                    b = lazy.recv(1 << 20)
                    if not b:
                        break
                    got += len(b)
            except ConnectionResetError:
                pass
            lazy.close()
            self.assertLess(got, 300 * 40000)
            self.assertEqual(d.get("/v1/status").status, 200)
        finally:
            code = d.stop()
            log = d.read_log()
            d.cleanup()
        self.assertEqual(code, 0, log[-5000:])


class SocketFileTest(unittest.TestCase):
    def test_mode_stale_and_live(self):
        d = Feedd("")
        try:
            st = os.stat(d.socket)
            self.assertEqual(st.st_mode & 0o777, 0o660)
            # A second daemon on a live socket is refused, clearly.
            other = Feedd("", dir=tempfile.mkdtemp(prefix="feedd-test-"), start=False)
            other.socket = d.socket
            other.start(wait_ready=False)
            code = other.proc.wait(30 * SLOW)
            other._close_files()
            self.assertNotEqual(code, 0)
            self.assertIn("already listening", other.read_log())
            other.cleanup()
            shutil.rmtree(other.dir, ignore_errors=True)
            # Killed hard, the daemon leaves its socket file: the next start
            # replaces it.
            d.kill()
            self.assertTrue(os.path.exists(d.socket))
            d.start()
            self.assertEqual(d.get("/v1/status").status, 200)
        finally:
            code = d.stop()
            log = d.read_log()
            d.cleanup()
        self.assertEqual(code, 0, log[-5000:])


if __name__ == "__main__":
    unittest.main()
