"""feedd --parse: one JSON object per file and line, errors on stderr with a
non-zero exit, and the other files still printed."""
import json
import os
import subprocess
import tempfile
import unittest

FEEDD = os.environ.get("FEEDD_BIN", "feedd")
DATA = os.environ.get("FEEDD_TEST_DATA", os.path.join(os.path.dirname(__file__), "..", "data"))


def run(*args):
    return subprocess.run([FEEDD, "--parse", *args], capture_output=True, timeout=60)


class ParseCliTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.addCleanup(self.tmp.cleanup)

    def write(self, name, data):
        path = os.path.join(self.tmp.name, name)
        with open(path, "wb") as f:
            f.write(data)
        return path

    def test_good_and_bad_files(self):
        good = os.path.join(DATA, "feeds", "rss20.xml")
        html = self.write("page.html", b"<!DOCTYPE html><html><body>hi</body></html>")
        missing = os.path.join(self.tmp.name, "missing.xml")
        r = run(good, html, missing, good)
        self.assertEqual(r.returncode, 1)
        lines = r.stdout.decode().splitlines()
        self.assertEqual(len(lines), 2)
        doc = json.loads(lines[0])
        self.assertEqual(list(doc), ["feed", "items"])
        self.assertEqual(doc["feed"]["title"], "Example & Co \u2014 News")
        self.assertEqual(doc["items"][0]["published"], "2021-12-10T06:30:00Z")
        err = r.stderr.decode().splitlines()
        self.assertTrue(any("page.html" in l and "not a feed" in l for l in err), err)
        self.assertTrue(any("missing.xml" in l for l in err), err)

    def test_url_and_headers(self):
        # "Новости" in KOI8-R, no declaration: the HTTP charset decides.
        feed = self.write("f.xml", b"<rss><channel><title>\xee\xcf\xd7\xcf\xd3\xd4\xc9</title>"
                                   b"<item><link>a/b</link></item></channel></rss>")
        r = run("--url", "http://example.org/dir/feed", "--header",
                "Content-Type: application/rss+xml; charset=KOI8-R",
                "--header", "Content-Language: de-CH", feed)
        self.assertEqual(r.returncode, 0, r.stderr)
        doc = json.loads(r.stdout)
        self.assertEqual(doc["feed"]["title"], "\u041d\u043e\u0432\u043e\u0441\u0442\u0438")
        self.assertEqual(doc["feed"]["language"], "de-CH")
        self.assertEqual(doc["items"][0]["url"], "http://example.org/dir/a/b")
        r = run("--url", "http://example.org/dir/feed", "--header",
                "Content-Location: http://cdn.example.net/x/", feed)
        self.assertEqual(json.loads(r.stdout)["items"][0]["url"], "http://cdn.example.net/x/a/b")

    def test_real_world_fixtures(self):
        # Feeds shaped like real podcast, WordPress, Mastodon, YouTube,
        # GitHub, Blogger and news feeds, and a relative xml:base; the
        # expected answers are feedparser's (summary/content order, which
        # author, href="" as the base itself), checked by hand.
        names = ["podcast-itunes.xml", "wordpress-rss.xml", "mastodon-rss.xml",
                 "youtube-atom.xml", "github-atom.xml", "blogger-atom.xml",
                 "news-media-rss.xml", "relative-base-atom.xml"]
        for name in names:
            path = os.path.join(DATA, "feeds", name)
            r = run("--url", "http://doc.example.net/dir/feed", path)
            self.assertEqual(r.returncode, 0, r.stderr)
            got = json.loads(r.stdout)
            with open(path[:-len(".xml")] + ".expected.json", encoding="utf-8") as f:
                want = json.load(f)
            self.assertEqual(got["feed"], want["feed"], name)
            self.assertEqual(len(got["items"]), len(want["items"]), name)
            for i, (g, w) in enumerate(zip(got["items"], want["items"])):
                for field in w:
                    self.assertEqual(g.get(field), w[field], f"{name} item {i} {field}")

    def big_feed(self, items, tail=b""):
        """An RSS document of ITEMS items of about 2 KB each; the feed's
        <lastBuildDate> and <language> come after them, then TAIL."""
        para = ("<p>Z\u00fcrich caf\u00e9 \u6771\u4eac <a href=\"/p\">l</a> &amp; "
                "text</p>" * 30).encode()
        parts = [b'<?xml version="1.0" encoding="utf-8"?><rss version="2.0" '
                 b'xmlns:content="http://purl.org/rss/1.0/modules/content/">'
                 b"<channel><title>Big</title><link>https://example.org/</link>\n"]
        for i in range(items):
            parts.append(b"<item><title>item %d</title><guid>g%d</guid>"
                         b"<content:encoded><![CDATA[%s]]></content:encoded></item>\n"
                         % (i, i, para))
        parts.append(tail + b"<lastBuildDate>Sat, 11 Dec 2021 08:00:00 GMT</lastBuildDate>"
                     b"<language>de</language></channel></rss>\n")
        return b"".join(parts)

    def test_items_stream_feed_fields_after_them(self):
        # Megabytes of items: they leave the parser one at a time; the
        # feed's fields that come after them are still in the feed object,
        # which is still first.
        path = self.write("big.xml", self.big_feed(3000))
        small = os.path.join(DATA, "feeds", "rss20.xml")
        r = run(path, small)
        self.assertEqual(r.returncode, 0, r.stderr)
        lines = r.stdout.decode().splitlines()
        self.assertEqual(len(lines), 2)
        self.assertTrue(lines[0].startswith('{"feed":{"title":"Big"'), lines[0][:80])
        doc = json.loads(lines[0])
        self.assertEqual(doc["feed"]["updated"], "2021-12-11T08:00:00Z")
        self.assertEqual(doc["feed"]["language"], "de")
        self.assertEqual([it["guid"] for it in doc["items"]], ["g%d" % i for i in range(3000)])
        self.assertEqual(json.loads(lines[1])["feed"]["title"], "Example & Co \u2014 News")

    def test_json_feed_numeric_ids(self):
        # JSON Feed 1.1: a numeric id is coerced to a string: its digits as
        # written, whether or not another item holds an integer past int64
        # (a uint64 counter, or an id of its own), and a real id is text
        # too (1004.0 is "1004").
        head = (b'{"version": "https://jsonfeed.org/version/1.1", "title": "j", "items": ['
                b'{"id": 1734567890123456789}, {"id": 1734567890123456795%s},'
                b'{"id": 1734567890123456801}, {"id": 1004.0}, {"id": 0.5},'
                b'{"id": 18446744073709551615, "title": "\\"99999999999999999999\\""}]}')
        plain = self.write("a.json", head % b"")
        big = self.write("b.json", head % b', "_stats": {"views": 123456789012345678901}')
        r = run(plain, big)
        self.assertEqual(r.returncode, 0, r.stderr)
        docs = [json.loads(l) for l in r.stdout.decode().splitlines()]
        want = ["1734567890123456789", "1734567890123456795", "1734567890123456801",
                "1004", "0.5", "18446744073709551615"]
        for doc in docs:
            self.assertEqual([it["guid"] for it in doc["items"]], want)
            self.assertEqual(doc["items"][-1]["title"], '"99999999999999999999"')

    def test_failing_document_after_many_items_writes_nothing(self):
        # Rejected after megabytes of items: none of them is written, and
        # the next file is.
        path = self.write("deep.xml", self.big_feed(1500, b"<x>" * 300 + b"</x>" * 300))
        small = os.path.join(DATA, "feeds", "rss20.xml")
        r = run(path, small)
        self.assertEqual(r.returncode, 1)
        lines = r.stdout.decode().splitlines()
        self.assertEqual(len(lines), 1)
        self.assertEqual(json.loads(lines[0])["feed"]["title"], "Example & Co \u2014 News")
        self.assertIn("nested deeper", r.stderr.decode())

    def test_memory_bounded_by_an_item(self):
        # A 16 MB document costs --parse about what a small one does: the
        # items are not all held (it cost the size of the document before).
        def peak(path):
            code = ("import resource, subprocess, sys\n"
                    "subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, check=True)\n"
                    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n")
            # Under AddressSanitizer freed memory waits in a quarantine
            # (256 MB by default) before it is reused: without one, the
            # peak is what is live, as in a plain build.
            env = dict(os.environ)
            env["ASAN_OPTIONS"] = ":".join(filter(None, [env.get("ASAN_OPTIONS"),
                                                         "quarantine_size_mb=0"]))
            out = subprocess.run(["python3", "-c", code, FEEDD, "--parse", path],
                                 capture_output=True, check=True, timeout=60, env=env).stdout
            return int(out)  # KiB
        big = self.write("big.xml", self.big_feed(9000))
        self.assertGreater(os.path.getsize(big), 15_000_000)
        small = os.path.join(DATA, "feeds", "rss20.xml")
        grown = peak(big) - peak(small)
        self.assertLess(grown, 8 * 1024, "peak RSS grew by %d KiB" % grown)

    def test_max_size(self):
        # The document cap is 32 MiB unless --max-size says otherwise, as a
        # feed's max_size: a smaller one cuts the document (stderr says
        # so), a larger one reads a document past 32 MiB whole.
        big = self.write("big.xml", self.big_feed(1000))
        size = os.path.getsize(big)
        r = run("--max-size", str(size // 2), big)
        self.assertEqual(r.returncode, 0, r.stderr)
        n = len(json.loads(r.stdout)["items"])
        self.assertTrue(0 < n < 1000, n)
        self.assertIn("capped: document", r.stderr.decode())
        self.assertIn("larger than %d bytes" % (size // 2), r.stderr.decode())
        huge = self.write("huge.xml", self.big_feed(9000).replace(
            b"text</p>", b"text" + b" text" * 20 + b"</p>"))
        self.assertGreater(os.path.getsize(huge), 32 * 1024 * 1024)
        r = run(huge)
        self.assertIn("capped: document", r.stderr.decode())
        self.assertLess(len(json.loads(r.stdout)["items"]), 9000)
        r = run("--max-size", "100000000", huge)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stderr, b"")
        self.assertEqual(len(json.loads(r.stdout)["items"]), 9000)
        for bad in ("0", "-1", "12x", "", "1kk", "k"):
            self.assertEqual(run("--max-size", bad, big).returncode, 2, bad)
        # Written as a feed's max_size is, with its k, M and G suffixes.
        kib = size // 2 // 1024
        r = run("--max-size", "%dk" % kib, big)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("larger than %d bytes" % (kib * 1024), r.stderr.decode())
        r = run("--max-size", "1k", big)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("larger than 1024 bytes", r.stderr.decode())
        r = run("--max-size", "1G", big)
        self.assertEqual((r.returncode, r.stderr), (0, b""))
        self.assertEqual(len(json.loads(r.stdout)["items"]), 1000)

    def test_usage(self):
        self.assertEqual(run().returncode, 2)
        self.assertEqual(run("--bogus", "x").returncode, 2)


if __name__ == "__main__":
    unittest.main()
