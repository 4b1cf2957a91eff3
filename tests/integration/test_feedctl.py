"""feedctl against the real daemon and the loopback fixture server: every
command, the output formats, exactly-once `new`, `watch` across a restart,
and feeds.conf edits (add, remove, import, export)."""
import json
import os
import select
import shutil
import socket
import subprocess
import tempfile
import threading
import time
import unittest

from harness import FEEDCTL_BIN, SLOW, Feedd, ServerTestCase, wait_until

CONF = """# my feeds — a comment that must survive every edit
[daemon]
host_gap = 0s   ; no pacing on loopback

[defaults]
interval = 1h
min_interval = 1s
allow_private = yes

# the first feed
[feed a]
url = {url}
tags = news
"""


def items_of(n, start=1, prefix="a"):
    return [{"guid": "%s-%d" % (prefix, i), "title": "%s title %d" % (prefix, i),
             "link": "http://example.org/%s/%d" % (prefix, i)} for i in range(start, start + n)]


class FeedctlTest(ServerTestCase):
    def setUp(self):
        self.srv.set_feed("a", items=items_of(3))
        self.d = Feedd(CONF.format(url=self.srv.url("/feed/a")))

    def tearDown(self):
        self.d.cleanup()

    def ctl(self, *args, **kw):
        return self.d.feedctl(*args, **kw)

    def fetched(self, feed, count):
        """Asks for a refresh of FEED and waits until it holds COUNT items."""
        self.assertEqual(self.d.post("/v1/feeds/%s/refresh" % feed).status, 202)
        ok = wait_until(lambda: self.d.get("/v1/feeds/" + feed).json().get("items") == count)
        self.assertTrue(ok, self.d.get("/v1/feeds/" + feed).text)

    # --- reading ---

    def test_unreachable_daemon(self):
        r = subprocess.run([FEEDCTL_BIN, "--socket", "/nonexistent/feedd.sock", "status"],
                           capture_output=True, timeout=10)
        self.assertEqual(r.returncode, 3)
        self.assertIn(b"/nonexistent/feedd.sock", r.stderr)
        self.assertIn(b"is the daemon running?", r.stderr)

    def test_a_daemon_that_hangs_up_without_an_answer(self):
        # What feedd.socket does to a connection when the feedd it started
        # exited at once (FlushPending=yes): accepted, then closed, the
        # request unread (a reset) or read (an end of file).
        for read_first in (False, True):
            tmp = tempfile.mkdtemp(prefix="feedd-hangup-")
            self.addCleanup(shutil.rmtree, tmp, True)
            path = os.path.join(tmp, "feedd.sock")
            lsock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            self.addCleanup(lsock.close)
            lsock.bind(path)
            lsock.listen(4)

            def hang_up():
                conn, _ = lsock.accept()
                if read_first:
                    conn.recv(65536)
                conn.close()
            t = threading.Thread(target=hang_up, daemon=True)
            t.start()
            r = subprocess.run([FEEDCTL_BIN, "--socket", path, "status"], capture_output=True,
                               timeout=30 * SLOW)
            t.join(10)
            err = r.stderr.decode()
            self.assertEqual(r.returncode, 3, err)
            self.assertIn("feedd at %s closed the connection without an answer: it exited "
                          "right away" % path, err)
            self.assertIn("journalctl -u feedd", err)
            self.assertIn("systemctl reset-failed feedd.socket feedd", err)
            self.assertNotIn("Connection reset by peer", err)

    def test_usage(self):
        self.assertEqual(self.ctl().returncode, 2)
        self.assertEqual(self.ctl("frobnicate").returncode, 2)
        self.assertEqual(self.ctl("items", "--limit", "0").returncode, 2)
        for cmd in ("items", "new", "watch", "feeds", "feed", "status", "refresh", "reload",
                    "add", "remove", "import", "export"):
            r = self.ctl(cmd, "--help")
            self.assertEqual(r.returncode, 0, cmd)
            self.assertIn(b"Usage: feedctl " + cmd.encode(), r.stdout)

    def test_usage_names_what_was_wrong(self):
        r = self.ctl("help", "help")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(b"feedctl --version | --help", r.stdout)
        r = self.ctl("--version")
        self.assertEqual((r.returncode, r.stdout.split()[0]), (0, b"feedctl"))
        # An option of another command (new's --peek given to items) is named.
        r = self.ctl("items", "--peek")
        self.assertEqual(r.returncode, 2)
        self.assertIn(b"--peek is not an option of items", r.stderr)
        # A consumer name the API would refuse is a usage error, named, and
        # nothing is asked of the daemon (no consumer made).
        r = self.ctl("new", "caf\u00e9")
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("\"caf\u00e9\": a consumer name is".encode(), r.stderr)
        self.assertEqual(self.d.get("/v1/consumers").json()["consumers"], [])

    def test_items_in_every_format(self):
        self.fetched("a", 3)
        r = self.ctl("items")
        self.assertEqual(r.returncode, 0, r.stderr)
        lines = r.stdout.decode().splitlines()
        self.assertEqual(len(lines), 3)
        self.assertIn("a title 1", lines[0])
        self.assertIn("http://example.org/a/1", lines[0])
        self.assertNotIn("\033[", r.stdout.decode())   # not a terminal: no colour
        j = json.loads(self.ctl("items", "--json").stdout)
        self.assertEqual([i["title"] for i in j["items"]], ["a title 1", "a title 2", "a title 3"])
        self.assertEqual(j["next"], j["items"][-1]["id"])
        nd = [json.loads(l) for l in self.ctl("items", "--ndjson").stdout.splitlines()]
        self.assertEqual([i["id"] for i in nd], [i["id"] for i in j["items"]])
        tsv = self.ctl("items", "--tsv").stdout.decode().splitlines()
        self.assertEqual(len(tsv), 3)
        self.assertEqual(tsv[0].split("\t")[1], "a title 1")
        self.assertEqual(len(tsv[0].split("\t")), 9)
        after = self.ctl("items", "--json", "--after", str(j["items"][0]["id"]), "--limit", "1")
        self.assertEqual([i["title"] for i in json.loads(after.stdout)["items"]], ["a title 2"])
        none = json.loads(self.ctl("items", "--json", "--feed", "a", "--tag", "other").stdout)
        self.assertEqual(none["items"], [])
        r = self.ctl("items", "--feed", "nosuch")
        self.assertEqual(r.returncode, 4)
        # --since: RFC 3339 with the offset (a '+' reaches the daemon as one)
        r = self.ctl("items", "--json", "--since", "2000-01-01T01:00:00+01:00")
        self.assertEqual((r.returncode, len(json.loads(r.stdout)["items"])), (0, 3), r.stderr)
        for bad in ("2000-01-01", "2000-01-01T00:00:00"):
            r = self.ctl("items", "--since", bad)
            self.assertEqual(r.returncode, 4, bad)
            self.assertIn(b"since: expected an RFC 3339 date", r.stderr)

    def test_overlapping_news_of_one_consumer_print_each_item_once(self):
        # A cron job slower than its period: the second run starts while
        # the first has printed and waits for its reader. It waits for the
        # first to end, then finds nothing new, instead of printing (and
        # acknowledging) every item again.
        self.fetched("a", 3)
        e = dict(os.environ, FEEDD_SOCKET=self.d.socket,
                 XDG_RUNTIME_DIR=tempfile.mkdtemp(prefix="feedd-newlock-"))
        self.addCleanup(shutil.rmtree, e["XDG_RUNTIME_DIR"], True)
        cmd = [FEEDCTL_BIN, "new", "cron", "--ndjson"]
        first = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=e)
        self.addCleanup(first.kill)
        # The first has printed (its bytes wait in the pipe, unread).
        self.assertTrue(wait_until(lambda: select.select([first.stdout], [], [], 0)[0]))
        second = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=e)
        self.addCleanup(second.kill)
        time.sleep(1)
        out1, err1 = first.communicate(timeout=30 * SLOW)
        out2, err2 = second.communicate(timeout=30 * SLOW)
        self.assertEqual((first.returncode, len(out1.splitlines())), (0, 3), err1)
        self.assertEqual((second.returncode, out2), (1, b""), err2)

    def test_new_prints_each_item_once(self):
        self.fetched("a", 3)
        r = self.ctl("new", "mailer", "--ndjson")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(len(r.stdout.splitlines()), 3)
        r = self.ctl("new", "mailer", "--ndjson")
        self.assertEqual(r.returncode, 1)          # nothing new
        self.assertEqual(r.stdout, b"")
        # --json is one document, nothing new included; exit 1 says it.
        r = self.ctl("new", "mailer", "--json")
        cursor = self.d.get("/v1/consumers/mailer").json()["cursor"]
        self.assertEqual((r.returncode, json.loads(r.stdout)), (1, {"items": [], "next": cursor}))
        r = self.ctl("new", "fresh", "--json", "--from-now", "--peek")
        self.assertEqual((r.returncode, json.loads(r.stdout)), (1, {"items": [], "next": cursor}))
        r = self.ctl("new", "other", "--json", "--feed", "a", "--search", "nosuchword")
        self.assertEqual((r.returncode, json.loads(r.stdout)), (1, {"items": [], "next": 0}))
        self.srv.set_feed("a", items=items_of(4))
        self.fetched("a", 4)
        r = self.ctl("new", "mailer", "--ndjson")
        self.assertEqual([json.loads(l)["title"] for l in r.stdout.splitlines()], ["a title 4"])

    def test_new_into_a_closed_pipe_acknowledges_nothing(self):
        self.fetched("a", 3)
        rd, wr = os.pipe()
        os.close(rd)
        try:
            env = dict(os.environ, FEEDD_SOCKET=self.d.socket)
            r = subprocess.run([FEEDCTL_BIN, "new", "pager"], stdout=wr, stderr=subprocess.PIPE,
                               env=env, timeout=10 * SLOW)
        finally:
            os.close(wr)
        # Quiet, like any Unix tool whose reader left (issue 24), and
        # nothing acknowledged: the items come again.
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stderr, b"")
        pager = self.d.get("/v1/consumers/pager").json()
        self.assertEqual((pager["cursor"], pager["lag"]), (0, 3))
        r = self.ctl("new", "pager", "--peek", "--ndjson")
        self.assertEqual(len(r.stdout.splitlines()), 3)
        r = self.ctl("new", "pager", "--ndjson")     # --peek did not ack either
        self.assertEqual(len(r.stdout.splitlines()), 3)

    def test_new_acknowledges_what_the_reader_took(self):
        """Output that fits in the pipe's buffer is written at once: new
        waits until the reader has read it, and acknowledges nothing when
        the reader left some unread (feedctl(1), new)."""
        self.fetched("a", 3)
        env = dict(os.environ, FEEDD_SOCKET=self.d.socket)

        def sh(cmd):
            r = subprocess.run(["bash", "-c", cmd % FEEDCTL_BIN], env=env, capture_output=True,
                               timeout=20 * SLOW)
            return r.stdout.decode().split("rc=")[-1].strip(), r

        def position(name):
            c = self.d.get("/v1/consumers/" + name).json()
            return c["cursor"], c["lag"]

        last = self.d.get("/v1/items").json()["next"]
        # The reader took 10 bytes of a few hundred and left: no ack, exit 0
        # as for any reader that went away.
        for fmt in ("--tsv", "--json", "--ndjson"):
            rc, r = sh("%%s new short %s | head -c 10 >/dev/null; echo rc=${PIPESTATUS[0]}" % fmt)
            self.assertEqual(rc, "0", r.stderr)
            self.assertEqual(r.stderr, b"")
            self.assertEqual(position("short"), (0, 3), fmt)
        # A reader that reads everything (later: new waits for it) is acked.
        rc, r = sh("%s new all --tsv | cat >/dev/null; echo rc=${PIPESTATUS[0]}")
        self.assertEqual((rc, position("all")), ("0", (last, 0)), r.stderr)
        rc, r = sh("%s new late --json | (sleep 0.5; cat >/dev/null); echo rc=${PIPESTATUS[0]}")
        self.assertEqual((rc, position("late")), ("0", (last, 0)), r.stderr)
        # A socket as stdout: the same.
        for take, want in ((8, (0, 3)), (None, (last, 0))):
            mine, theirs = socket.socketpair()
            p = subprocess.Popen([FEEDCTL_BIN, "new", "sock%s" % take, "--tsv"], stdout=theirs,
                                 stderr=subprocess.PIPE, env=env)
            theirs.close()
            mine.settimeout(10 * SLOW)
            if take:
                mine.recv(take)
                time.sleep(0.2)
                self.assertIsNone(p.poll())     # still waiting for the rest to be read
            else:
                while mine.recv(65536):
                    pass
            mine.close()
            self.assertEqual(p.wait(10 * SLOW), 0)
            p.stderr.close()
            self.assertEqual(position("sock%s" % take), want)

    def test_new_from_now(self):
        self.fetched("a", 3)
        r = self.ctl("new", "late", "--from-now")
        self.assertEqual(r.returncode, 1)
        self.srv.set_feed("a", items=items_of(4))
        self.fetched("a", 4)
        r = self.ctl("new", "late", "--json")
        self.assertEqual([i["title"] for i in json.loads(r.stdout)["items"]], ["a title 4"])

    def test_watch_follows_and_survives_a_restart(self):
        self.fetched("a", 3)
        env = dict(os.environ, FEEDD_SOCKET=self.d.socket)
        w = subprocess.Popen([FEEDCTL_BIN, "watch", "--json"], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, env=env)
        try:
            time.sleep(0.5 * SLOW)                 # let it take its cursor
            self.srv.set_feed("a", items=items_of(4))
            self.fetched("a", 4)
            line = w.stdout.readline()
            self.assertEqual(json.loads(line)["title"], "a title 4")
            self.assertEqual(self.d.stop(), 0)
            self.d.start()
            self.srv.set_feed("a", items=items_of(5))
            self.fetched("a", 5)
            line = w.stdout.readline()
            self.assertEqual(json.loads(line)["title"], "a title 5")
        finally:
            w.terminate()
            w.wait(10)
            w.stdout.close()
            w.stderr.close()

    def test_feeds_feed_status_refresh_reload(self):
        self.fetched("a", 3)
        r = self.ctl("feeds")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertRegex(r.stdout.decode().splitlines()[1], r"^a\s+ok\s+")
        j = json.loads(self.ctl("feeds", "--json").stdout)
        self.assertEqual(j["feeds"][0]["name"], "a")
        r = self.ctl("feed", "a")
        self.assertIn(b"next_reason:", r.stdout)
        self.assertEqual(json.loads(self.ctl("feed", "a", "--json").stdout)["items"], 3)
        self.assertEqual(self.ctl("feed", "nosuch").returncode, 4)
        self.assertIn(b"version:", self.ctl("status").stdout)
        self.assertIn("uptime", json.loads(self.ctl("status", "--json").stdout))
        r = self.ctl("refresh", "a")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(b"a: refresh queued", r.stdout)
        self.assertEqual(self.ctl("refresh").returncode, 0)
        self.assertEqual(self.ctl("refresh", "nosuch").returncode, 4)
        r = self.ctl("reload")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(b"reloaded: 1 feed\n", r.stdout)

    def test_items_lists_every_item(self):
        # More than the API's page (100 by default, at most 1000): feedctl
        # items follows the pages to the end, --limit N stops at N.
        self.srv.set_feed("a", items=items_of(1150))
        self.fetched("a", 1150)
        r = self.ctl("items")
        self.assertEqual(r.returncode, 0, r.stderr)
        lines = r.stdout.decode().splitlines()
        self.assertEqual(len(lines), 1150)
        self.assertIn("a title 1 ", lines[0] + " ")
        self.assertIn("a title 1150", lines[-1])
        self.assertEqual(r.stderr, b"")
        j = json.loads(self.ctl("items", "--json").stdout)
        ids = [i["id"] for i in j["items"]]
        self.assertEqual(len(ids), 1150)
        self.assertEqual(ids, sorted(set(ids)))
        self.assertEqual(j["next"], ids[-1])
        self.assertEqual(len(self.ctl("items", "--ndjson").stdout.splitlines()), 1150)
        self.assertEqual(len(self.ctl("items", "--tsv").stdout.splitlines()), 1150)
        self.assertEqual(len(self.ctl("items", "--limit", "120").stdout.splitlines()), 120)
        r = self.ctl("items", "--after", str(ids[99]), "--json")
        self.assertEqual([i["id"] for i in json.loads(r.stdout)["items"]], ids[100:])
        j = json.loads(self.ctl("items", "--after", str(ids[-1]), "--json").stdout)
        self.assertEqual(j, {"items": [], "next": ids[-1]})

    def test_empty_tables_have_their_header(self):
        # feedctl(1): one line each "after a header line", also for none
        # (a script reads the columns' names whatever the count).
        for args, header in ((("hooks",), b"FEED\tITEM\tTRIES\tERROR\tTITLE\n"),
                             (("reader", "tokens"), b"ID\tUSER\tCREATED\tLAST USED\n"),
                             (("consumers",), b"NAME\tPOSITION\tLAG\tACKED\tCREATED\n")):
            r = self.ctl(*args)
            self.assertEqual((r.returncode, r.stdout, r.stderr), (0, header, b""), args)

    def test_tag_filter_folds_case(self):
        # feeds.conf stores `tags = news` (any case) as news: --tag News
        # finds the feed's items, as --tag news does.
        self.fetched("a", 3)
        for tag in ("news", "News", "NEWS"):
            r = self.ctl("items", "--tag", tag)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertEqual(len(r.stdout.decode().splitlines()), 3, (tag, r.stdout))

    # --- editing feeds.conf ---

    def test_add_keeps_every_byte_and_the_daemon_picks_it_up(self):
        before = open(self.d.config, "rb").read()
        self.srv.set_feed("b", items=items_of(2, prefix="b"), title="Bee News")
        url = self.srv.url("/feed/b")
        r = self.ctl("add", url, "--tag", "bees", "--interval", "2h", "--config", self.d.config)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(b'"Bee News", 2 items', r.stdout)
        after = open(self.d.config, "rb").read()
        self.assertTrue(after.startswith(before))
        added = after[len(before):].decode()
        self.assertIn("# title: Bee News\n[feed bee-news]\nurl = %s\ninterval = 2h\ntags = bees\n" % url,
                      added)
        self.assertTrue(wait_until(lambda: self.d.get("/v1/feeds/bee-news").status == 200))
        # The same URL again is refused; so is a name already taken.
        r = self.ctl("add", url, "--config", self.d.config)
        self.assertEqual(r.returncode, 5)
        self.assertIn(b"already in", r.stderr)
        # A second feed with the same title gets a unique name.
        self.srv.set_feed("c", items=items_of(1, prefix="c"), title="Bee News")
        r = self.ctl("add", self.srv.url("/feed/c"), "--config", self.d.config)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(b"[feed bee-news-2]", open(self.d.config, "rb").read())
        # remove: the section and its comment go, the rest stays.
        r = self.ctl("remove", "bee-news", "--config", self.d.config)
        self.assertEqual(r.returncode, 0, r.stderr)
        text = open(self.d.config, "rb").read()
        self.assertTrue(text.startswith(before))
        self.assertNotIn(b"[feed bee-news]", text)
        self.assertNotIn(b"# Bee News\n[feed bee-news]", text)
        self.assertIn(b"[feed bee-news-2]", text)
        self.assertTrue(wait_until(lambda: self.d.get("/v1/feeds/bee-news").json().get("removed")))
        self.assertEqual(self.ctl("remove", "bee-news", "--config", self.d.config).returncode, 5)

    def test_a_new_site_under_a_removed_feeds_name_starts_afresh(self):
        # Two sites titled "News" whose posts share an id: the second,
        # added after the first was removed, gets the same name, but not
        # the first one's history: both its posts are announced, and the
        # first site's stored item stays as it was, kept under another name.
        old = [{"guid": "1", "title": "old site one", "link": "http://old.example/1"}]
        new = [{"guid": "1", "title": "new site one", "link": "http://new.example/1"},
               {"guid": "2", "title": "new site two", "link": "http://new.example/2"}]
        self.srv.set_feed("s1", items=old, title="News")
        self.srv.set_feed("s2", items=new, title="News")
        self.fetched("a", 3)
        self.assertEqual(self.ctl("new", "me").returncode, 0)
        r = self.ctl("add", self.srv.url("/feed/s1"), "--config", self.d.config)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(wait_until(lambda: self.d.get("/v1/feeds/news").status == 200))
        self.fetched("news", 1)
        r = self.ctl("new", "me", "--json")
        kept = json.loads(r.stdout)["items"]
        self.assertEqual([i["title"] for i in kept], ["old site one"])
        r = self.ctl("remove", "news", "--config", self.d.config)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(wait_until(lambda: self.d.get("/v1/feeds/news").json().get("removed")))
        r = self.ctl("add", self.srv.url("/feed/s2"), "--config", self.d.config)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(wait_until(
            lambda: not self.d.get("/v1/feeds/news").json().get("removed")))
        self.fetched("news", 2)
        r = self.ctl("new", "me", "--json")
        self.assertEqual(sorted(i["title"] for i in json.loads(r.stdout)["items"]),
                         ["new site one", "new site two"])
        item = [i for i in self.d.get("/v1/items?limit=500").json()["items"]
                if i["id"] == kept[0]["id"]][0]
        self.assertEqual((item["title"], item["url"], item["updated_seen"]),
                         ("old site one", "http://old.example/1", None))
        self.assertNotEqual(item["feed"], "news")
        self.assertTrue(self.d.get("/v1/feeds/" + item["feed"]).json().get("removed"))
        # The same URL added back resumes its history.
        r = self.ctl("remove", "news", "--config", self.d.config)
        self.assertEqual(r.returncode, 0, r.stderr)
        r = self.ctl("add", self.srv.url("/feed/s2"), "--name", "news", "--config",
                     self.d.config)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(wait_until(
            lambda: not self.d.get("/v1/feeds/news").json().get("removed")))
        self.assertEqual(self.d.get("/v1/feeds/news").json().get("items"), 2)

    def test_add_to_a_file_the_daemon_does_not_read(self):
        # The daemon runs on its own feeds.conf; an add to another file
        # edits that file and says the daemon does not read it, rather
        # than "feedd reloaded".
        other = os.path.join(self.d.dir, "other.conf")
        with open(other, "w") as f:
            f.write("[defaults]\nallow_private = yes\n")
        self.srv.set_feed("o", items=items_of(1, prefix="o"))
        r = self.ctl("add", self.srv.url("/feed/o"), "--name", "oo", "--config", other)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(b"not in force there", r.stdout)
        self.assertIn(os.path.realpath(self.d.config).encode(), r.stdout)
        self.assertNotIn(b"feedd reloaded", r.stdout)
        self.assertIn(b"[feed oo]", open(other, "rb").read())
        self.assertEqual(self.d.get("/v1/feeds/oo").status, 404)
        # Its own file, named by another path (a relative one): reloaded.
        self.srv.set_feed("p", items=items_of(1, prefix="p"))
        r = self.ctl("add", self.srv.url("/feed/p"), "--name", "pp", "--config",
                     os.path.relpath(self.d.config))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(b"feedd reloaded", r.stdout)

    def test_add_of_a_non_feed_leaves_the_file_alone(self):
        before = open(self.d.config, "rb").read()
        r = self.ctl("add", self.srv.url("/status/200?body=hello%20world"),
                     "--config", self.d.config)
        self.assertEqual(r.returncode, 5)
        self.assertIn(b"is not a feed", r.stderr)
        r = self.ctl("add", self.srv.url("/status/404"), "--config", self.d.config)
        self.assertEqual(r.returncode, 5)
        self.assertIn(b"HTTP 404", r.stderr)
        self.assertEqual(open(self.d.config, "rb").read(), before)

    def test_add_without_a_daemon_still_edits(self):
        self.d.stop()
        self.srv.set_feed("e", items=items_of(1, prefix="e"))
        r = self.ctl("add", self.srv.url("/feed/e"), "--name", "eee", "--config", self.d.config)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(b"feedd is not running", r.stdout)
        self.assertIn(b"[feed eee]", open(self.d.config, "rb").read())

    def test_edits_at_once_lose_nothing(self):
        # Eight `feedctl add` at once on one file: each waits for the
        # other's edit (a lock on its directory), none is lost.
        self.d.stop()
        for i in range(8):
            self.srv.set_feed("p%d" % i, items=items_of(1, prefix="p%d" % i))
        env = dict(os.environ, FEEDD_SOCKET=os.path.join(self.d.dir, "none.sock"))
        procs = [subprocess.Popen([FEEDCTL_BIN, "add", self.srv.url("/feed/p%d" % i),
                                   "--name", "p%d" % i, "--config", self.d.config],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
                 for i in range(8)]
        for p in procs:
            out, err = p.communicate(timeout=60 * SLOW)
            self.assertEqual(p.returncode, 0, err)
        text = open(self.d.config).read()
        for i in range(8):
            self.assertIn("[feed p%d]" % i, text)
        self.assertIn("# my feeds", text)

    def test_edit_follows_a_link(self):
        # feeds.conf kept with one's dotfiles, linked from the config
        # directory: the edit lands in the file linked to, the link stays.
        self.d.stop()
        dot = os.path.join(self.d.dir, "dotfiles")
        os.mkdir(dot)
        target = os.path.join(dot, "feeds.conf")
        os.rename(self.d.config, target)
        os.symlink(target, self.d.config)
        self.srv.set_feed("l", items=items_of(1, prefix="l"))
        r = self.ctl("add", self.srv.url("/feed/l"), "--name", "linked", "--config", self.d.config)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(os.path.islink(self.d.config))
        self.assertIn("[feed linked]", open(target).read())
        r = self.ctl("remove", "linked", "--config", self.d.config)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(os.path.islink(self.d.config))
        self.assertNotIn("[feed linked]", open(target).read())

    def test_add_of_a_configured_url_with_a_fragment_is_refused(self):
        # The fragment never reaches the server: url#frag is feed a again.
        with open(self.d.config, "rb") as f:
            before = f.read()
        self.srv.clear_log()
        for frag in ("#frag", "#"):
            url = self.srv.url("/feed/a") + frag
            r = self.ctl("add", url, "--name", "again", "--config", self.d.config)
            self.assertEqual(r.returncode, 5, (frag, r.stdout, r.stderr))
            self.assertIn(b"is already in " + self.d.config.encode() + b" as [feed a]",
                          r.stderr)
        # Refused before the check's fetch (the daemon's own may come).
        self.assertEqual([e for e in self.srv.log("/feed/a")
                          if e["headers"].get("user-agent", "").endswith("feedctl")], [])
        with open(self.d.config, "rb") as f:
            self.assertEqual(f.read(), before)

    def test_add_through_a_dangling_link_makes_its_target(self):
        # feeds.conf linked to one's dotfiles before that file exists:
        # add makes the file the link names (a relative link, from the
        # link's directory), and the link stays.
        self.d.stop()
        os.unlink(self.d.config)
        dot = os.path.join(self.d.dir, "dotfiles")
        os.mkdir(dot)
        os.symlink(os.path.join("dotfiles", "feeds.conf"), self.d.config)
        self.srv.set_feed("l", items=items_of(1, prefix="l"))
        r = self.ctl("add", self.srv.url("/feed/l"), "--name", "linked", "--allow-private",
                     "--config", self.d.config)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(os.path.islink(self.d.config))
        target = os.path.join(dot, "feeds.conf")
        with open(target) as f:
            text = f.read()
        self.assertTrue(text.startswith("# feeds.conf"), text)
        self.assertIn("[feed linked]", text)
        self.assertEqual(os.stat(target).st_mode & 0o777, 0o644)
        # A link into a directory that does not exist: said, before any fetch.
        os.unlink(self.d.config)
        gone = os.path.join(self.d.dir, "nodir")
        os.symlink(os.path.join(gone, "feeds.conf"), self.d.config)
        self.srv.clear_log()
        r = self.ctl("add", self.srv.url("/feed/l"), "--allow-private", "--config",
                     self.d.config)
        self.assertEqual(r.returncode, 5, r.stdout + r.stderr)
        self.assertIn(b"link's target directory " + gone.encode() + b" is missing", r.stderr)
        self.assertEqual(self.srv.log("/feed/l"), [])
        self.assertFalse(os.path.exists(gone))
        self.assertTrue(os.path.islink(self.d.config))

    def test_a_read_only_file_is_left_alone(self):
        # chmod 444 says "leave it alone": no edit replaces it through a
        # new file renamed over it (root's access(2) would let it), and
        # add fetches nothing first.
        os.chmod(self.d.config, 0o444)
        with open(self.d.config, "rb") as f:
            before = f.read()
        inode = os.stat(self.d.config).st_ino
        self.srv.set_feed("r", items=items_of(1, prefix="r"))
        self.srv.clear_log()
        opml = os.path.join(self.d.dir, "r.opml")
        with open(opml, "w") as f:
            f.write('<opml version="2.0"><body><outline text="r" xmlUrl="%s"/></body></opml>'
                    % self.srv.url("/feed/r"))
        for args in (("add", self.srv.url("/feed/r")), ("remove", "a"), ("rename", "a", "b"),
                     ("import", opml)):
            r = self.ctl(*args, "--config", self.d.config)
            self.assertEqual(r.returncode, 5, (args, r.stdout, r.stderr))
            self.assertIn(self.d.config.encode() + b" is read-only", r.stderr, args)
            self.assertNotIn(b"added", r.stdout, args)
            with open(self.d.config, "rb") as f:
                self.assertEqual(f.read(), before, args)
            self.assertEqual(os.stat(self.d.config).st_ino, inode, args)
            self.assertEqual(os.stat(self.d.config).st_mode & 0o777, 0o444, args)
        self.assertEqual(self.srv.log("/feed/r"), [])
        self.assertEqual(self.d.get("/v1/feeds/a").status, 200)

    @unittest.skipUnless(os.geteuid() == 0 and shutil.which("setpriv"),
                         "needs root, to run feedctl as nobody")
    def test_a_directory_the_user_cannot_write(self):
        # feeds.conf is theirs to write, its directory is not: an edit
        # (a new file there, renamed over it) cannot be made, and every
        # editing command says which directory and its mode before
        # anything is fetched or changed, as for a read-only file.
        top = tempfile.mkdtemp(prefix="feedd-rodir-")
        self.addCleanup(shutil.rmtree, top, True)
        os.chmod(top, 0o755)
        confdir = os.path.join(top, "etc")
        os.mkdir(confdir, 0o755)
        conf = os.path.join(confdir, "feeds.conf")
        with open(conf, "w") as f:
            f.write("[defaults]\nallow_private = yes\n\n[feed a]\nurl = %s\n"
                    % self.srv.url("/feed/a"))
        os.chown(conf, 65534, 65534)
        opml = os.path.join(top, "r.opml")
        with open(opml, "w") as f:
            f.write('<opml version="2.0"><body><outline text="r" xmlUrl="%s"/></body></opml>'
                    % self.srv.url("/feed/r"))
        os.chmod(opml, 0o644)
        with open(conf, "rb") as f:
            before = f.read()
        self.srv.set_feed("r", items=items_of(1, prefix="r"))
        self.srv.clear_log()
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": top,
               "FEEDD_SOCKET": os.path.join(top, "none.sock")}
        for args in (("add", self.srv.url("/feed/r")), ("remove", "a"), ("rename", "a", "b"),
                     ("import", opml)):
            r = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                                FEEDCTL_BIN] + list(args) + ["--config", conf],
                               capture_output=True, env=env, timeout=60 * SLOW)
            self.assertEqual(r.returncode, 5, (args, r.stdout, r.stderr))
            self.assertIn(("%s is in %s, a directory read-only for you (mode 0755)"
                           % (conf, confdir)).encode(), r.stderr, args)
            self.assertIn(b"nothing changed", r.stderr, args)
            self.assertNotIn(b"Permission denied", r.stderr, args)
            with open(conf, "rb") as f:
                self.assertEqual(f.read(), before, args)
        self.assertEqual(os.listdir(confdir), ["feeds.conf"])
        self.assertEqual(self.srv.log("/feed/r"), [])          # add fetched nothing

    def test_import_opml_from_other_readers_and_round_trip(self):
        base = self.srv.url("/feed/")
        # newsboat's export: flat, title/text/xmlUrl/htmlUrl.
        newsboat = """<?xml version="1.0"?>
<opml version="1.0"><head><title>newsboat - Exported Feeds</title></head><body>
<outline type="rss" xmlUrl="{b}nb1" htmlUrl="http://x.example/" title="NB One" text="NB One"/>
<outline type="rss" xmlUrl="{a}" htmlUrl="http://x.example/" title="dup" text="dup"/>
</body></opml>""".format(b=base, a=self.srv.url("/feed/a"))
        # Miniflux's export: categories as nested outlines.
        miniflux = """<?xml version="1.0" encoding="UTF-8"?>
<opml version="2.0"><head><title>Miniflux</title></head><body>
<outline text="Tech News"><outline title="MF One" text="MF One" xmlUrl="{b}mf1" htmlUrl="http://mf.example/" type="rss"/>
<outline title="MF Two" text="MF Two" xmlUrl="{b}mf2" type="rss" category="/linux,Kernel"/></outline>
</body></opml>""".format(b=base)
        for name, text in (("nb.opml", newsboat), ("mf.opml", miniflux)):
            with open(os.path.join(self.d.dir, name), "w") as f:
                f.write(text)
        r = self.ctl("import", os.path.join(self.d.dir, "nb.opml"), "--config", self.d.config)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(b"1 added, 1 already present", r.stdout)
        r = self.ctl("import", os.path.join(self.d.dir, "mf.opml"), "--config", self.d.config)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(b"2 added", r.stdout)
        feeds = {f["name"]: f for f in self.d.get("/v1/feeds").json()["feeds"]
                 if not f.get("removed")}
        self.assertEqual(len(feeds), 4)
        by_url = {f["url"]: f for f in feeds.values()}
        self.assertEqual(by_url[base + "mf1"]["tags"], ["tech news"])
        self.assertEqual(sorted(by_url[base + "mf2"]["tags"]), ["kernel", "linux", "tech news"])
        # export -> import into an empty file gives the same feeds and tags.
        out = self.ctl("export", "--config", self.d.config)
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertRegex(out.stdout, rb'<opml [^>]*version="2.0"')
        exported = os.path.join(self.d.dir, "out.opml")
        with open(exported, "wb") as f:
            f.write(out.stdout)
        fresh = os.path.join(self.d.dir, "fresh.conf")
        r = self.ctl("--socket", "/nonexistent.sock", "import", exported, "--config", fresh)
        self.assertEqual(r.returncode, 0, r.stderr)
        back = self.ctl("--socket", "/nonexistent.sock", "export", "--config", fresh)

        def pairs(opml):
            import xml.etree.ElementTree as ET
            res = set()
            for o in ET.fromstring(opml).iter("outline"):
                if o.get("xmlUrl"):
                    res.add((o.get("xmlUrl"), o.get("category") or ""))
            return res
        self.assertEqual(pairs(out.stdout), pairs(back.stdout))
        self.assertEqual(len(pairs(out.stdout)), 4)

    def test_import_of_a_non_opml_file_fails(self):
        bad = os.path.join(self.d.dir, "bad.opml")
        with open(bad, "w") as f:
            f.write("<rss><channel/></rss>")
        before = open(self.d.config, "rb").read()
        r = self.ctl("import", bad, "--config", self.d.config)
        self.assertEqual(r.returncode, 5)
        self.assertIn(b"not an OPML document", r.stderr)
        self.assertEqual(open(self.d.config, "rb").read(), before)


if __name__ == "__main__":
    unittest.main()
