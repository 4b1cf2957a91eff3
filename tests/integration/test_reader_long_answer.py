"""A client that closes during a long reader answer (over 256 KiB, which
the daemon streams chunked): feedd goes on serving. A Google Reader page
of 100 posts of 4 KB is such an answer; before fa7d4ae the stream's
connection context was taken for a Miniflux job when the client left, and
feedd died in reader_mf_abort (SIGSEGV). Miniflux's entries (sent whole) are
checked the same way."""
import http.client
import os
import re
import shutil
import socket
import tempfile
import time
import unittest

from fixture_server import FixtureServer
from harness import Feedd, wait_until
from reader_harness import ReaderSetup, basic

CONF = """[daemon]
host_gap = 0s
{reader}
[defaults]
interval = 1h
allow_private = yes

[feed big]
url = {url}
"""

POST = "<p>A paragraph of a long post, with <a href=\"/x\">a link</a>.</p>" * 64


class LongAnswer(unittest.TestCase):
    def setUp(self):
        self.srv = FixtureServer().start()
        self.srv.set_feed("big", title="Big", items=[
            {"guid": "big-%d" % i, "title": "big %d" % i, "link": "http://example.org/%d" % i,
             "description": POST} for i in range(100)])
        self.tmp = tempfile.mkdtemp(prefix="feedd-long-")
        self.rs = ReaderSetup(self.tmp)
        self.d = Feedd(CONF.format(reader=self.rs.lines, url=self.srv.url("/feed/big")))
        self.assertEqual(self.d.post("/v1/feeds/big/refresh").status, 202)
        self.assertTrue(wait_until(lambda: self.d.get("/v1/feeds/big").json().get("items") == 100))
        c = http.client.HTTPConnection("127.0.0.1", self.rs.port, timeout=30)
        c.request("POST", "/accounts/ClientLogin", body="Email=alice&Passwd=s3cret",
                  headers={"Content-Type": "application/x-www-form-urlencoded"})
        r = c.getresponse()
        self.assertEqual(r.status, 200)
        self.auth = re.search(rb"^Auth=(\S+)$", r.read(), re.M).group(1).decode()
        c.close()

    def tearDown(self):
        self.d.cleanup()
        self.srv.stop()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def gr_headers(self):
        return {"Authorization": "GoogleLogin auth=" + self.auth}

    def cut_short(self, path, headers):
        """Asks for PATH and closes once the answer's head is in."""
        s = socket.create_connection(("127.0.0.1", self.rs.port), timeout=30)
        s.sendall(("GET %s HTTP/1.1\r\nHost: x\r\n%s\r\n" % (path, "".join(
            "%s: %s\r\n" % kv for kv in headers.items()))).encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = s.recv(4096)
            if not chunk:
                break
            head += chunk
        s.close()
        return head

    def whole(self, path, headers):
        c = http.client.HTTPConnection("127.0.0.1", self.rs.port, timeout=30)
        c.request("GET", path, headers=headers)
        r = c.getresponse()
        body = r.read()
        c.close()
        return r.status, body

    def check(self, path, headers, streamed):
        st, body = self.whole(path, headers)
        self.assertEqual(st, 200)
        self.assertGreater(len(body), 256 * 1024)
        for _ in range(5):
            head = self.cut_short(path, headers)
            # Google Reader's answer goes through api_send's stream;
            # Miniflux's writer sends its page whole.
            self.assertEqual(b"chunked" in head.lower(), streamed)
        time.sleep(0.3)
        self.assertIsNone(self.d.proc.poll(), "feedd died")
        self.assertEqual(self.whole(path, headers)[0], 200)

    def test_google_reader_page_cut_short(self):
        self.check("/reader/api/0/stream/contents/user/-/state/com.google/reading-list"
                   "?output=json&n=100", self.gr_headers(), True)

    def test_miniflux_entries_cut_short(self):
        self.check("/v1/entries?limit=100", basic("alice", "s3cret"), False)


if __name__ == "__main__":
    unittest.main()
