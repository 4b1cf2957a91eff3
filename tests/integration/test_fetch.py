"""Fetching and scheduling with the real daemon against the loopback fixture
server: conditional GET across restarts, due times kept, Retry-After,
301 vs 302, 410, backoff, and `feedd --once`.

Assertions are on what the server saw (paths, request headers, the time
between requests as lower bounds) and on what feedd recorded and logged."""
import json
import os
import shutil
import tempfile
import time
import unittest

from fixture_server import FixtureServer
from harness import Feedd, run_feedd, wait_until, SLOW

BASE = """
[daemon]
host_gap = 0s
per_host = 4
[defaults]
allow_private = yes
min_interval = 1s
max_interval = 8s
timeout = 10s
interval = {interval}
"""


class FetchTest(unittest.TestCase):
    def setUp(self):
        self.srv = FixtureServer().start()
        self.daemons = []

    def tearDown(self):
        for d in self.daemons:
            d.stop()
            d.cleanup()
        self.srv.stop()

    def feedd(self, feeds, interval="2s", **kw):
        text = BASE.format(interval=interval) + "".join(
            "[feed %s]\nurl = %s\n%s" % (name, self.srv.url(path), extra)
            for name, path, extra in feeds)
        d = Feedd(text, **kw)
        self.daemons.append(d)
        return d

    def requests(self, path):
        return [e for e in self.srv.log() if e["path"] == path]

    def wait_requests(self, path, n, timeout=40):
        ok = wait_until(lambda: len(self.requests(path)) >= n, timeout=timeout)
        self.assertTrue(ok, "expected %d requests to %s, saw %d" %
                        (n, path, len(self.requests(path))))
        return self.requests(path)

    def feed_json(self, d, name):
        try:
            r = d.get("/v1/feeds/" + name)
        except OSError:
            return None     # no API in this build: the log and the server suffice
        if r.status != 200:
            return None
        j = r.json()
        return j.get("feed", j) if isinstance(j, dict) else None

    def test_an_internationalised_host_is_fetched(self):
        # A feed on bücher.example: libcurl asks for xn--bcher-kva.example
        # (libidn2, which needs a UTF-8 LC_CTYPE; feedd sets one whatever
        # the service's locale). Through a proxy on loopback, so that no
        # name is resolved: the proxy sees the ASCII form.
        import http.server
        import threading
        seen = []
        body = (b'<rss version="2.0"><channel><title>idn</title>'
                b'<item><guid>i1</guid><title>one</title></item></channel></rss>')

        class Proxy(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                seen.append(self.path)
                self.send_response(200)
                self.send_header("Content-Type", "application/rss+xml")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *a):
                pass

        proxy = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Proxy)
        threading.Thread(target=proxy.serve_forever, daemon=True).start()
        self.addCleanup(proxy.server_close)
        self.addCleanup(proxy.shutdown)
        text = BASE.format(interval="8s") + (
            "[feed idn]\nurl = http://b\u00fccher.example/feed\n"
            "proxy = http://127.0.0.1:%d\n" % proxy.server_address[1])
        d = Feedd(text, env={"LANG": "C", "LC_ALL": "C"})
        self.daemons.append(d)
        self.assertTrue(wait_until(lambda: (self.feed_json(d, "idn") or {}).get("items") == 1,
                                   timeout=30 * SLOW), d.read_log()[-2000:])
        self.assertEqual(seen[0], "http://xn--bcher-kva.example/feed")

    def test_a_validator_with_a_control_character(self):
        # An ETag that cannot be sent back in a header is not kept: the
        # next requests are conditional on Last-Modified alone, and the log
        # says so once, not at every fetch.
        path = "/static?etag=%22a%01b%22"
        d = self.feedd([("v", path, "")], interval="1s")
        reqs = self.wait_requests(path, 4)
        self.assertNotIn("if-none-match", reqs[0]["headers"])
        for r in reqs[1:]:
            self.assertNotIn("if-none-match", r["headers"])
            self.assertIn("if-modified-since", r["headers"])
        log = d.read_log()
        self.assertEqual(log.count("the server's ETag holds a control character"), 1, log)

    def test_conditional_get_across_restart(self):
        self.srv.set_feed("c", items=[{"guid": "1", "title": "one"}])
        d = self.feedd([("c", "/feed/c", "")])
        reqs = self.wait_requests("/feed/c", 2)
        self.assertNotIn("if-none-match", reqs[0]["headers"])
        self.assertNotIn("if-modified-since", reqs[0]["headers"])
        etag = reqs[1]["headers"].get("if-none-match")
        lm = reqs[1]["headers"].get("if-modified-since")
        self.assertTrue(etag and etag.startswith('"'), reqs[1]["headers"])
        self.assertTrue(lm and lm.endswith("GMT"))
        self.assertTrue(reqs[0]["headers"]["user-agent"].startswith("feedd/"))
        self.assertIn("gzip", reqs[0]["headers"]["accept-encoding"])
        self.assertEqual(d.stop(), 0)
        last = self.requests("/feed/c")[-1]["time"]

        # Restart: the first request is conditional and not before it is due.
        d.start()
        reqs = self.wait_requests("/feed/c", len(self.requests("/feed/c")) + 1)
        after = reqs[-1]
        self.assertEqual(after["headers"].get("if-none-match"), etag)
        self.assertEqual(after["headers"].get("if-modified-since"), lm)
        self.assertGreaterEqual(after["time"] - last, 0.9)
        f = self.feed_json(d, "c")
        if f is not None:
            self.assertEqual(f.get("next_reason"), "interval")

    def test_a_304_without_validators_is_a_failure(self):
        # A server answering "not modified" to a request that sent no
        # validator (here the first one) sent no document: a failure,
        # its ETag not kept, so the next request is unconditional again
        # and gets the items.
        self.srv.set_feed("u", etag=True, items=[{"guid": "1"}, {"guid": "2"}, {"guid": "3"}],
                          script=[{"status": 304, "headers": {"ETag": '"full"'}}])
        d = self.feedd([("u", "/feed/u", "")], interval="1s")
        self.wait_requests("/feed/u", 1)
        self.assertTrue(wait_until(lambda: (self.feed_json(d, "u") or {}).get("last_error")))
        f = self.feed_json(d, "u")
        self.assertIn("304", f["last_error"])
        self.assertIn("without validators", f["last_error"])
        self.assertNotEqual(f.get("etag"), '"full"')
        reqs = self.wait_requests("/feed/u", 2)
        self.assertIsNone(reqs[1]["headers"].get("if-none-match"))
        self.assertTrue(wait_until(lambda: (self.feed_json(d, "u") or {}).get("items") == 3))

    def test_a_paused_host_is_named_on_its_waiting_feeds(self):
        # Two feeds of a host answer 429: the host is paused. A third
        # feed of it, refreshed meanwhile, waits; its live state says why
        # and for how long rather than show an overdue interval.
        for name in ("h1", "h2"):
            self.srv.set_feed(name, items=[{"guid": "1"}],
                              script=[{"status": 429, "headers": {"Retry-After": "30"}}])
        self.srv.set_feed("ok", items=[{"guid": "1"}])
        d = self.feedd([("h1", "/feed/h1", ""), ("h2", "/feed/h2", ""), ("ok", "/feed/ok", "")],
                       interval="8s")
        self.assertTrue(d.wait_log("pausing the host"), d.read_log())
        self.assertEqual(d.post("/v1/feeds/ok/refresh").status, 202)
        live = {}

        def held():
            live.update(d.get("/v1/feeds/ok").json().get("live") or {})
            return "held" in live
        self.assertTrue(wait_until(held, timeout=10), live)
        self.assertEqual(live["state"], "queued")
        self.assertIn("429", live["held"])
        self.assertGreater(live["held_for_ms"], 0)
        self.assertLessEqual(live["held_for_ms"], 30000)
        r = d.feedctl("feed", "ok")
        self.assertRegex(r.stdout.decode(), r"(?m)^  held_for: (\d+m )?\d+s$")

    def test_retry_after_is_honoured(self):
        self.srv.set_feed("r", items=[{"guid": "1"}],
                          script=[{"status": 429, "headers": {"Retry-After": "4"}}])
        d = self.feedd([("r", "/feed/r", "")])
        reqs = self.wait_requests("/feed/r", 2, timeout=40)
        self.assertGreaterEqual(reqs[1]["time"] - reqs[0]["time"], 3.0)
        self.assertTrue(d.wait_log("retry-after"), d.read_log())

    def test_301_moves_302_does_not(self):
        self.srv.set_feed("new", items=[{"guid": "1"}])
        self.srv.set_feed("tmp", items=[{"guid": "2"}])
        d = self.feedd([("moved", "/redirect/301?to=/feed/new", ""),
                        ("temp", "/redirect/302?to=/feed/tmp", "")])
        self.wait_requests("/feed/new", 2)
        self.wait_requests("/feed/tmp", 2)
        self.assertEqual(len(self.requests("/redirect/301?to=/feed/new")), 1)
        self.assertGreaterEqual(len(self.requests("/redirect/302?to=/feed/tmp")), 2)
        self.assertTrue(d.wait_log("moved permanently"), d.read_log())
        f = self.feed_json(d, "moved")
        if f is not None:
            self.assertEqual(f.get("effective_url"), self.srv.url("/feed/new"))

    def test_a_301_to_no_feed_does_not_move(self):
        # A botched migration: a permanent redirect to a page that is no
        # feed (here the fixture's JSON log). The feed is not moved: the
        # next fetch asks the old URL again, and the error says where the
        # page that was no feed came from.
        d = self.feedd([("home", "/redirect/301?to=/_log", "")])
        self.wait_requests("/redirect/301?to=/_log", 2)
        f = self.feed_json(d, "home")
        self.assertIsNone(f["effective_url"], f)
        self.assertIn("not a usable feed at %s (a permanent redirect, not followed)"
                      % self.srv.url("/_log"), f["last_error"])
        self.assertNotIn("moved permanently", d.read_log())

    def test_410_stops_polling(self):
        self.srv.set_feed("g", status=410)
        self.srv.set_feed("ok", items=[{"guid": "1"}])
        d = self.feedd([("gone", "/feed/g", ""), ("ok", "/feed/ok", "")], interval="1s")
        self.wait_requests("/feed/g", 1)
        # while another feed is polled three more times, the gone one is not
        n = len(self.requests("/feed/ok"))
        self.wait_requests("/feed/ok", n + 3)
        self.assertEqual(len(self.requests("/feed/g")), 1)
        self.assertTrue(d.wait_log("410"), d.read_log())
        # The log gives no next time for it: it has none.
        self.assertTrue(d.wait_log("not polled again until a refresh"), d.read_log())
        self.assertNotIn("(gone)", d.read_log())

    def test_errors_back_off(self):
        self.srv.set_feed("b", status=404)   # not transient (a 5xx is: the retry schedule)
        d = self.feedd([("broken", "/feed/b", "")], interval="1s")
        reqs = self.wait_requests("/feed/b", 3, timeout=40)
        g1 = reqs[1]["time"] - reqs[0]["time"]
        g2 = reqs[2]["time"] - reqs[1]["time"]
        self.assertGreaterEqual(g1, 1.0)    # 2 s, due rounded to whole seconds
        self.assertGreaterEqual(g2, 3.0)    # 4 s
        self.assertTrue(d.wait_log("backoff"), d.read_log())

    def test_once(self):
        tmp = tempfile.mkdtemp(prefix="feedd-once-")
        try:
            cfg = os.path.join(tmp, "feeds.conf")
            with open(cfg, "w") as f:
                f.write(BASE.format(interval="1h").replace("max_interval = 8s", "max_interval = 1d")
                        + "[feed a]\nurl = %s\n[feed b]\nurl = %s\n"
                        % (self.srv.url("/static"), self.srv.url("/gzip")))
            state = os.path.join(tmp, "state")
            r = run_feedd("--once", "-c", cfg, "--state-dir", state)
            self.assertEqual(r.returncode, 0, r.stderr.decode())
            out = r.stdout.decode()
            self.assertIn("a: 200", out)
            self.assertIn("b: 200", out)
            self.assertIn("total: 2 feeds", out)
            # warm: conditional, 304, immediately (--once ignores due times)
            r = run_feedd("--once", "-c", cfg, "--state-dir", state)
            self.assertEqual(r.returncode, 0, r.stderr.decode())
            self.assertIn("a: 304", r.stdout.decode())
            static = self.requests("/static")
            self.assertEqual(len(static), 2)
            self.assertEqual(static[1]["headers"].get("if-none-match"), '"static-v1"')
            # one failure: exit 1
            with open(cfg, "a") as f:
                f.write("[feed bad]\nurl = %s\n" % self.srv.url("/status/500"))
            r = run_feedd("--once", "-c", cfg, "--state-dir", state)
            self.assertEqual(r.returncode, 1, r.stdout.decode())
            self.assertIn("bad: error: HTTP 500", r.stdout.decode())
        finally:
            shutil.rmtree(tmp, ignore_errors=True)

    def test_a_kept_connection_is_checked_by_the_policy(self):
        # Feed a may reach loopback and leaves its connection open; feed z
        # may not, on the same host and port. libcurl would send z's
        # request over a's kept connection, which opens no socket: the
        # policy is checked before every request, not only at connect.
        tmp = tempfile.mkdtemp(prefix="feedd-policy-")
        self.addCleanup(shutil.rmtree, tmp, True)
        cfg = os.path.join(tmp, "feeds.conf")
        with open(cfg, "w") as f:
            f.write(BASE.format(interval="2s").replace("host_gap = 0s", "host_gap = 200ms")
                    .replace("per_host = 4", "per_host = 1")
                    + "[feed a]\nurl = %s\n[feed z]\nurl = %s\nallow_private = no\n"
                    % (self.srv.url("/static"), self.srv.url("/static?internal=1")))
        r = run_feedd("--once", "-c", cfg, "--state-dir", os.path.join(tmp, "state"))
        out = r.stdout.decode()
        self.assertIn("a: 200", out, r.stderr.decode())
        self.assertIn("z: error: address policy: refused to connect to 127.0.0.1 (loopback",
                      out)
        self.assertEqual([e["path"] for e in self.srv.log()], ["/static"])

    def test_once_gone_is_not_ok(self):
        # A feed that answers 410, and the next run, that skips it as gone:
        # never counted ok, a count of its own, exit 1 (feedd(8)).
        tmp = tempfile.mkdtemp(prefix="feedd-once-")
        try:
            cfg = os.path.join(tmp, "feeds.conf")
            with open(cfg, "w") as f:
                f.write(BASE.format(interval="1h").replace("max_interval = 8s", "max_interval = 1d")
                        + "[feed a]\nurl = %s\n[feed g]\nurl = %s\n"
                        % (self.srv.url("/static"), self.srv.url("/status/410")))
            state = os.path.join(tmp, "state")
            for run in ("410", "skipped"):
                r = run_feedd("--once", "-c", cfg, "--state-dir", state)
                out = r.stdout.decode()
                self.assertEqual(r.returncode, 1, (run, out))
                self.assertRegex(out, r"(?m)^total: 2 feeds, 1 ok \(\d 200, \d 304\), 1 gone, "
                                 r"0 failed, ")
            self.assertIn("g: gone (HTTP 410), skipped", out)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    unittest.main()
