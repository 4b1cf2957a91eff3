"""What feedd stores and says is exactly what the feeds said (issue 16,
points 1, 2, 3 and 7), through the real daemon, the loopback fixture
server and the real socket:

- items that differ only in their description are three items, and a
  second fetch of the same document announces nothing (point 1);
- an item's date is published, else updated (Atom updated, dc:date, RSS
  1.0 dc:date, atom:updated in RSS), in JSON, the Atom output, the sfeed
  TSV timestamp and since= (point 2);
- Atom output entry ids are unique across feeds that share guids, read
  back by a real XML parser, and the same on the next call and after a
  restart; the guid stays available (point 3);
- a permalink guid that is no URL is kept byte for byte (point 7);
- a JSON Feed's numeric ids are their digits, whatever else the document
  holds (an integer past int64 in one item's extension);
- newsboat reads feedd's Atom output through a loopback URL and shows as
  many items as feedd stored."""
import http.server
import os
import shutil
import sqlite3
import subprocess
import tempfile
import threading
import time
import unittest
import xml.etree.ElementTree as ET

from harness import DaemonTestCase, Feedd, wait_until

ATOM = "{http://www.w3.org/2005/Atom}"
FEEDD_NS = "{urn:feedd:atom}"

CONF_HEAD = """
[daemon]
host_gap = 0s
[defaults]
allow_private = yes
interval = 1h
"""

RSS_DESC_ONLY = """<?xml version="1.0"?>
<rss version="2.0"><channel><title>d</title><link>http://example.org/</link>
<item><description>first body</description></item>
<item><description>second body</description></item>
<item><description>third body</description></item>
<item><title>Same</title><pubDate>Mon, 06 Nov 2023 08:00:00 GMT</pubDate><description>one</description></item>
<item><title>Same</title><pubDate>Mon, 06 Nov 2023 08:00:00 GMT</pubDate><description>two</description></item>
<item><guid>dup</guid><description>dup one</description></item>
<item><guid>dup</guid><description>dup two</description></item>
<item><guid>dup</guid><description>dup two</description></item>
</channel></rss>
"""

ATOM_UPDATED_ONLY = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>a</title><id>urn:a</id>
<updated>2023-11-06T08:00:00Z</updated>
<entry><id>urn:a:1</id><title>updated only</title><updated>2023-11-01T10:00:00Z</updated>
<link href="http://example.org/a1"/></entry>
</feed>
"""

RDF_DC_DATE = """<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
 xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel rdf:about="http://example.org/r"><title>r</title><link>http://example.org/r</link>
<description>r</description></channel>
<item rdf:about="http://example.org/r1"><title>dc date rdf</title><link>http://example.org/r1</link>
<dc:date>2023-11-02T10:00:00Z</dc:date></item>
</rdf:RDF>
"""

RSS_DC_DATE = """<?xml version="1.0"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"
 xmlns:atom="http://www.w3.org/2005/Atom"><channel><title>s</title><link>http://example.org/s</link>
<item><guid>s1</guid><title>dc date rss</title><dc:date>2023-11-03T10:00:00Z</dc:date></item>
<item><guid>s2</guid><title>atom updated rss</title><atom:updated>2023-11-04T10:00:00Z</atom:updated></item>
</channel></rss>
"""

EXPECTED_DATES = {
    "updated only": "2023-11-01T10:00:00Z",
    "dc date rdf": "2023-11-02T10:00:00Z",
    "dc date rss": "2023-11-03T10:00:00Z",
    "atom updated rss": "2023-11-04T10:00:00Z",
}
EPOCH = {   # the same instants as UNIX time, for the TSV column
    "updated only": 1698832800,
    "dc date rdf": 1698919200,
    "dc date rss": 1699005600,
    "atom updated rss": 1699092000,
}

RSS_GUIDS = """<?xml version="1.0"?>
<rss version="2.0"><channel><title>{title}</title><link>http://example.org/</link>
<item><guid>g0-0</guid><title>plain guid</title></item>
<item><guid>my guid 1</guid><title>guid with spaces</title></item>
<item><guid>http://blog.example.org/post/1</guid><title>post one</title></item>
<item><guid isPermaLink="false">http://blog.example.org/post/2</guid><title>post two</title></item>
</channel></rss>
"""

RSS_URL_GUIDS = """<?xml version="1.0"?>
<rss version="2.0"><channel><title>{title}</title><link>http://blog.example.org/</link>
<item><guid>http://blog.example.org/post/1</guid><title>post one</title></item>
<item><guid>http://blog.example.org/post/2</guid><title>post two</title></item>
<item><guid isPermaLink="false">http://blog.example.org/post/3</guid><title>post three</title></item>
</channel></rss>
"""

JSON_NUMERIC_IDS = """{"version": "https://jsonfeed.org/version/1.1", "title": "j",
 "items": [
  {"id": 1734567890123456789, "url": "http://example.org/j1", "title": "j1"},
  {"id": 1734567890123456795, "url": "http://example.org/j2", "title": "j2"%s},
  {"id": 1734567890123456801, "url": "http://example.org/j3", "title": "j3"},
  {"id": 1004.0, "url": "http://example.org/j4", "title": "j4"}]}
"""
JSON_IDS = {"j1": "1734567890123456789", "j2": "1734567890123456795",
            "j3": "1734567890123456801", "j4": "1004"}


class ExactTest(DaemonTestCase):
    def start(self, feeds):
        conf = CONF_HEAD + "".join("[feed %s]\nurl = %s\n" % (n, self.srv.url("/feed/" + n))
                                   for n in feeds)
        self.d = Feedd(conf)

    def items(self, q="after=0"):
        return self.d.get("/v1/items?" + q + "&limit=1000").json()["items"]

    def fetched(self, name, times):
        return wait_until(lambda: len([e for e in self.srv.log()
                                       if e["path"] == "/feed/" + name]) >= times, timeout=15)

    def test_items_that_differ_are_never_merged(self):
        self.srv.set_feed("d", body=RSS_DESC_ONLY)
        self.start(["d"])
        self.assertTrue(self.all_fetched(["d"]), self.d.read_log())
        got = self.items()
        # A guid repeated by entries that differ names neither; the same
        # entry listed twice is one item.
        self.assertEqual(sorted(i["summary"] for i in got),
                         ["dup one", "dup two", "first body", "one", "second body",
                          "third body", "two"])
        self.assertTrue(all(i["identity"] == "hash" for i in got))
        # The unchanged document again (the server answers 200 to an
        # unconditional request too): nothing new, nothing updated.
        self.srv.set_feed("d", etag=False, last_modified=False)
        last = max(i["id"] for i in got)
        self.assertEqual(self.d.post("/v1/feeds/d/refresh").status, 202)
        self.assertTrue(self.fetched("d", 2))
        self.assertTrue(wait_until(
            lambda: self.d.get("/v1/feeds/d").json().get("last_status") == 200
            and len([e for e in self.srv.log() if e["path"] == "/feed/d"]) >= 2))
        time.sleep(1)
        self.assertEqual(self.items("after=%d" % last), [])
        ev = self.d.get("/v1/events?after=0").json()["events"]
        self.assertEqual(len([e for e in ev if e["type"] == "item.new"]), 7)
        self.assertEqual([e for e in ev if e["type"] == "item.updated"], [])

    def test_json_numeric_ids_stay_their_digits(self):
        # The same items, the second time with a counter past int64 in one
        # of them: no item is new, none changes its guid, the feed keeps
        # guid identity (the ids used to become one real,
        # "1.7345678901234568e+18", for all three).
        self.srv.set_feed("j", body=JSON_NUMERIC_IDS % "", content_type="application/feed+json")
        self.start(["j"])
        self.assertTrue(self.all_fetched(["j"]), self.d.read_log())
        got = self.items()
        self.assertEqual({i["title"]: i["guid"] for i in got}, JSON_IDS)
        self.assertTrue(all(i["identity"] == "guid" for i in got), got)
        last = max(i["id"] for i in got)
        self.srv.set_feed("j", body=JSON_NUMERIC_IDS % ', "_stats": {"views": 123456789012345678901}',
                          etag=False, last_modified=False)
        self.assertEqual(self.d.post("/v1/feeds/j/refresh").status, 202)
        self.assertTrue(self.fetched("j", 2))
        self.assertTrue(wait_until(
            lambda: self.d.get("/v1/feeds/j").json().get("last_status") == 200
            and len([e for e in self.srv.log() if e["path"] == "/feed/j"]) >= 2))
        time.sleep(1)
        self.assertEqual(self.items("after=%d" % last), [])
        self.assertEqual({i["title"]: i["guid"] for i in self.items()}, JSON_IDS)
        self.assertEqual(self.d.get("/v1/feeds/j").json()["identity"], "guid")
        ev = self.d.get("/v1/events?after=0").json()["events"]
        self.assertEqual(len([e for e in ev if e["type"] == "item.new"]), 4)

    def test_date_is_published_else_updated_in_every_format(self):
        self.srv.set_feed("a", body=ATOM_UPDATED_ONLY, content_type="application/atom+xml")
        self.srv.set_feed("r", body=RDF_DC_DATE, content_type="application/rdf+xml")
        self.srv.set_feed("s", body=RSS_DC_DATE)
        self.start(["a", "r", "s"])
        self.assertTrue(wait_until(lambda: len(self.items()) >= 4, timeout=15),
                        self.d.read_log())
        got = {i["title"]: i for i in self.items()}
        for title, date in EXPECTED_DATES.items():
            self.assertEqual(got[title]["date"], date, title)
        # since= filters on that date: all four lie in November 2023.
        since = self.items("after=0&since=2023-11-02T00:00:00Z")
        self.assertEqual(sorted(i["title"] for i in since),
                         ["atom updated rss", "dc date rdf", "dc date rss"])
        # sfeed TSV: the first column.
        tsv = self.d.get("/v1/items?after=0&format=tsv").text
        cols = {line.split("\t")[1]: int(line.split("\t")[0])
                for line in tsv.splitlines() if line}
        self.assertEqual(cols, EPOCH)
        # Atom: <published> is the date.
        root = ET.fromstring(self.d.get("/v1/items?after=0&format=atom").body)
        pub = {e.find(ATOM + "title").text: e.find(ATOM + "published").text
               for e in root.findall(ATOM + "entry")}
        self.assertEqual(pub, EXPECTED_DATES)
        # feedctl's date column (local time, to the minute).
        out = self.d.feedctl("items", "--after", "0").stdout.decode()
        self.assertNotIn("(untitled)", out)
        for title, t in EPOCH.items():
            local = time.strftime("%Y-%m-%d %H:%M", time.localtime(t))
            line = [x for x in out.splitlines() if title in x]
            self.assertTrue(line and line[0].startswith(local), (title, out))

    def atom_ids(self):
        body = self.d.get("/v1/items?after=0&format=atom").body
        root = ET.fromstring(body)
        return [(e.find(ATOM + "id").text, e.findtext(FEEDD_NS + "guid"))
                for e in root.findall(ATOM + "entry")]

    def test_guid_kept_byte_for_byte(self):
        self.srv.set_feed("main", body=RSS_GUIDS.format(title="main"))
        self.start(["main"])
        self.assertTrue(wait_until(lambda: len(self.items()) >= 4, timeout=15),
                        self.d.read_log())
        got = {i["title"]: i for i in self.items()}
        self.assertEqual(got["plain guid"]["guid"], "g0-0")
        # The URL derived from a permalink guid resolves like a link.
        self.assertEqual(got["plain guid"]["url"], self.srv.url("/feed/g0-0"))
        self.assertEqual(got["guid with spaces"]["guid"], "my guid 1")
        self.assertEqual(got["guid with spaces"]["url"], self.srv.url("/feed/my%20guid%201"))
        self.assertEqual(got["post one"]["guid"], "http://blog.example.org/post/1")
        self.assertEqual(got["post two"]["guid"], "http://blog.example.org/post/2")
        self.assertIsNone(got["post two"]["url"])

    def all_fetched(self, names):
        def ok():
            feeds = {f["name"]: f for f in self.d.get("/v1/feeds").json()["feeds"]}
            return all(feeds.get(n, {}).get("last_status") == 200 for n in names)
        return wait_until(ok, timeout=15)

    def test_atom_ids_unique_and_stable(self):
        # A blog's main feed and a category feed carry the same guids.
        self.srv.set_feed("main", body=RSS_URL_GUIDS.format(title="main"))
        self.srv.set_feed("cat", body=RSS_URL_GUIDS.format(title="cat"))
        self.start(["main", "cat"])
        self.assertTrue(wait_until(lambda: len(self.items()) >= 6, timeout=15),
                        self.d.read_log())
        ids = self.atom_ids()
        self.assertEqual(len(ids), 6)
        self.assertEqual(len(set(i for i, _ in ids)), 6, ids)
        # The publisher's guid stays available.
        self.assertEqual(sorted(g for _, g in ids),
                         sorted(["http://blog.example.org/post/%d" % n for n in (1, 2, 3)] * 2))
        self.assertEqual(self.atom_ids(), ids)
        self.d.stop()
        self.d.start()
        self.assertEqual(self.atom_ids(), ids)

    def test_newsboat_sees_every_item(self):
        self.srv.set_feed("main", body=RSS_URL_GUIDS.format(title="main"))
        self.srv.set_feed("cat", body=RSS_URL_GUIDS.format(title="cat"))
        self.srv.set_feed("d", body=RSS_DESC_ONLY)
        self.start(["main", "cat", "d"])
        self.assertTrue(self.all_fetched(["main", "cat", "d"]), self.d.read_log())
        stored = len(self.items())
        self.assertGreaterEqual(stored, 6)
        d = self.d

        class Proxy(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                r = d.get("/v1/items?after=0&limit=1000&format=atom")
                self.send_response(r.status)
                self.send_header("Content-Type", "application/atom+xml")
                self.send_header("Content-Length", str(len(r.body)))
                self.end_headers()
                self.wfile.write(r.body)

            def log_message(self, *a):
                pass

        proxy = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Proxy)
        threading.Thread(target=proxy.serve_forever, daemon=True).start()
        tmp = tempfile.mkdtemp()
        try:
            url = "http://127.0.0.1:%d/atom" % proxy.server_address[1]
            with open(os.path.join(tmp, "urls"), "w") as f:
                f.write(url + "\n")
            with open(os.path.join(tmp, "config"), "w") as f:
                f.write("")
            env = dict(os.environ, HOME=tmp, XDG_CONFIG_HOME=tmp, XDG_DATA_HOME=tmp)
            cache = os.path.join(tmp, "cache.db")
            p = subprocess.run(["newsboat", "-x", "reload", "-u", os.path.join(tmp, "urls"),
                                "-c", cache, "-C", os.path.join(tmp, "config")],
                               env=env, capture_output=True, timeout=60)
            self.assertEqual(p.returncode, 0, p.stderr)
            db = sqlite3.connect(cache)
            n = db.execute("SELECT count(*) FROM rss_item WHERE feedurl = ?", (url,)).fetchone()[0]
            db.close()
            self.assertEqual(n, stored)
        finally:
            proxy.shutdown()
            proxy.server_close()
            shutil.rmtree(tmp)


if __name__ == "__main__":
    unittest.main()
