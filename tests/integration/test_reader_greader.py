"""The Google Reader API on the reader listener (issue 25), against the
real daemon and loopback fixture feeds: ClientLogin and its tokens (random,
stored hashed, surviving restarts, revocable), GoogleLogin auth on every
call and T on writes, the read calls in FreshRSS's shapes, the quirks apps
tripped on (each test named after it), the id mapping both ways, paging
with c, the Atom stream, edit-tag and mark-all-as-read sharing the read
state with the Miniflux and socket APIs."""
import base64
import calendar
import hashlib
import http.client
import json
import os
import re
import shutil
import sqlite3
import tempfile
import time
import unittest
import urllib.parse
import xml.etree.ElementTree as ET

from harness import wait_until
from pgstore import Store, psql, PG
from reader_harness import ReaderSetup, TwoFeeds

CONF = """[daemon]
host_gap = 0s
reader_listen = 127.0.0.1:{port}
reader_auth = {auth}
{store}
[defaults]
interval = 1h
min_interval = 1s
allow_private = yes

[feed alpha]
url = {a}
tags = news

[feed beta]
url = {b}
tags = news, tech
"""

READ = "user/-/state/com.google/read"
STARRED = "user/-/state/com.google/starred"
READING = "user/-/state/com.google/reading-list"
ATOM = "{http://www.w3.org/2005/Atom}"
LONG = "tag:google.com,2005:reader/item/%016x"


def epoch(rfc3339):
    return calendar.timegm(time.strptime(rfc3339, "%Y-%m-%dT%H:%M:%SZ"))


def items_of(name, n):
    return [{"guid": "%s-%d" % (name, i), "title": "%s title %d" % (name, i),
             "link": "http://example.org/%s/%d" % (name, i),
             "description": "<p>%s body %d</p>" % (name, i),
             "published": "Mon, 0%d Jan 2024 10:00:00 GMT" % i} for i in range(1, n + 1)]


class GR:
    """A Google Reader API client over plain http.client."""

    def __init__(self, port, prefix=""):
        self.port = port
        self.prefix = prefix
        self.auth = None

    def call(self, method, path, params=(), body=None, auth=True, headers=None):
        url = self.prefix + path
        if params and method == "GET":
            url += "?" + urllib.parse.urlencode(list(params))
        h = dict(headers or {})
        if auth and self.auth:
            h["Authorization"] = "GoogleLogin auth=" + self.auth
        if method == "POST" and body is None:
            body = urllib.parse.urlencode(list(params))
        if body is not None:
            h["Content-Type"] = "application/x-www-form-urlencoded"
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        c.request(method, url, body=body, headers=h)
        r = c.getresponse()
        data = r.read()
        c.close()
        return r.status, dict(r.getheaders()), data

    def get(self, path, *params, **kw):
        return self.call("GET", path, params, **kw)

    def json(self, path, *params):
        st, _, data = self.get(path, ("output", "json"), *params)
        assert st == 200, (path, st, data)
        return json.loads(data)

    def login(self, user="alice", password="s3cret"):
        st, _, data = self.call("POST", "/accounts/ClientLogin",
                                [("Email", user), ("Passwd", password)], auth=False)
        if st == 200:
            self.auth = re.search(rb"^Auth=(\S+)$", data, re.M).group(1).decode()
        return st, data

    def token(self):
        st, _, data = self.get("/reader/api/0/token")
        assert st == 200, (st, data)
        return data.decode()

    def write(self, path, *params, T=True):
        p = list(params)
        if T:
            p.append(("T", self.token()))
        return self.call("POST", path, p)


class GReaderBase(TwoFeeds):
    items_of = staticmethod(items_of)

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="feedd-greader-")
        rs = ReaderSetup(self.tmp)
        self.authfile, self.port = rs.auth, rs.port
        self.store = Store("greader")
        self.a_url = self.srv.url("/feed/alpha")
        self.b_url = self.srv.url("/feed/beta")
        self.d = self.start_feedd(CONF.format(port=self.port, auth=self.authfile,
                                              store=self.store.line, a=self.a_url, b=self.b_url))
        self.gr = GR(self.port)
        self.assertEqual(self.gr.login()[0], 200)

    def tearDown(self):
        self.d.cleanup()
        self.store.drop()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def sql(self, stmt):
        """STMT on the daemon's store: its rows (strings on PostgreSQL)."""
        if self.store.db:
            out = psql(self.store.uri, stmt)
            return [tuple(l.split("|")) for l in out.splitlines()] if out else []
        db = sqlite3.connect(os.path.join(self.d.state_dir, "feedd.db"), timeout=10)
        try:
            rows = db.execute(stmt).fetchall()
            db.commit()
        finally:
            db.close()
        return rows

    def tokens(self):
        r = self.d.feedctl("reader", "tokens", "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        return json.loads(r.stdout)["tokens"]

    def store_items(self, q=""):
        return self.d.get("/v1/items?limit=1000" + q).json()["items"]

    def ids(self, stream, *params):
        j = self.gr.json("/reader/api/0/stream/items/ids", ("s", stream), ("n", "1000"),
                         *params)
        return [int(r["id"]) for r in j["itemRefs"]]

    def contents(self, stream, *params):
        return self.gr.json("/reader/api/0/stream/contents/" +
                            urllib.parse.quote(stream, safe=""), ("n", "1000"), *params)

    def mark(self, ids, add=READ, remove=None):
        p = [("i", str(i)) for i in ids]
        if add:
            p.append(("a", add))
        if remove:
            p.append(("r", remove))
        st, _, body = self.gr.write("/reader/api/0/edit-tag", *p)
        self.assertEqual((st, body), (200, b"OK"))


class Auth(GReaderBase):
    def test_client_login_answers_sid_lsid_auth_and_stores_only_a_hash(self):
        gr = GR(self.port)
        st, body = gr.login()
        self.assertEqual(st, 200)
        lines = body.decode().splitlines()
        self.assertEqual([l.split("=")[0] for l in lines], ["SID", "LSID", "Auth"])
        self.assertRegex(gr.auth, r"^[0-9a-f]{64}$")
        self.assertNotEqual(gr.auth, self.gr.auth)     # random, one per login
        digest = hashlib.sha256(gr.auth.encode()).hexdigest()
        if self.store.db:
            uri = PG + ("&" if "?" in PG else "?") + "dbname=" + self.store.db
            rows = psql(uri, "SELECT hash FROM reader_tokens").split()
        else:
            db = sqlite3.connect(os.path.join(self.d.state_dir, "feedd.db"))
            rows = [r[0] for r in db.execute("SELECT hash FROM reader_tokens")]
            dump = "\n".join(db.iterdump())
            db.close()
            self.assertNotIn(gr.auth, dump)
        self.assertIn(digest, rows)
        self.assertEqual(len(rows), 2)

    def test_wrong_password_is_401_after_a_growing_delay(self):
        gr = GR(self.port)
        t0 = time.monotonic()
        st, body = gr.login(password="wrong")
        t1 = time.monotonic()
        self.assertEqual((st, body), (401, b"Error=BadAuthentication\n"))
        st, _ = gr.login(user="mallory", password="s3cret")
        t2 = time.monotonic()
        self.assertEqual(st, 401)
        self.assertGreaterEqual(t1 - t0, 0.09)
        self.assertGreaterEqual(t2 - t1, 0.19)          # doubled
        self.assertIn("bad or missing credentials", self.d.read_log())

    def test_every_call_needs_googlelogin_auth(self):
        for headers in ({}, {"Authorization": "GoogleLogin auth=" + "0" * 64},
                        {"Authorization": "Basic " + base64.b64encode(b"alice:s3cret").decode()}):
            st, _, body = self.gr.get("/reader/api/0/subscription/list", auth=False,
                                      headers=headers)
            self.assertEqual(st, 401, headers)
        st, _, _ = self.gr.get("/reader/api/0/subscription/list")
        self.assertEqual(st, 200)

    def test_token_survives_a_restart(self):
        self.d.stop()
        self.d.start()
        st, _, body = self.gr.get("/reader/api/0/user-info")
        self.assertEqual(st, 200)
        self.assertEqual(json.loads(body)["userName"], "alice")

    def test_feedctl_reader_tokens_lists_and_revokes(self):
        other = GR(self.port)
        self.assertEqual(other.login()[0], 200)
        r = self.d.feedctl("reader", "tokens", "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        tokens = json.loads(r.stdout)["tokens"]
        self.assertEqual([t["user"] for t in tokens], ["alice", "alice"])
        self.assertNotIn(self.gr.auth.encode(), r.stdout)
        self.assertNotIn(hashlib.sha256(self.gr.auth.encode()).hexdigest().encode(), r.stdout)
        r = self.d.feedctl("reader", "tokens")
        self.assertEqual(r.stdout.splitlines()[0], b"ID\tUSER\tCREATED\tLAST USED")
        self.assertEqual(len(r.stdout.splitlines()), 3)
        # The first token (self.gr's) revoked: it gets 401, the other not.
        r = self.d.feedctl("reader", "tokens", "--revoke", str(tokens[0]["id"]))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.gr.get("/reader/api/0/user-info")[0], 401)
        self.assertEqual(other.get("/reader/api/0/user-info")[0], 200)
        r = self.d.feedctl("reader", "tokens", "--revoke", str(tokens[0]["id"]))
        self.assertEqual(r.returncode, 4, r.stdout)
        r = self.d.feedctl("reader", "tokens", "--revoke", "abc")
        self.assertEqual(r.returncode, 2)
        self.assertEqual(len(json.loads(self.d.feedctl("reader", "tokens", "--json").stdout)
                             ["tokens"]), 1)

    def test_token_ids_are_never_reused(self):
        # The highest id revoked: the next login gets a new one, so that
        # an id in a log or a revocation names one token only.
        other = GR(self.port)
        self.assertEqual(other.login()[0], 200)
        top = max(t["id"] for t in self.tokens())
        self.assertEqual(self.d.feedctl("reader", "tokens", "--revoke", str(top)).returncode, 0)
        third = GR(self.port)
        self.assertEqual(third.login()[0], 200)
        self.assertGreater(max(t["id"] for t in self.tokens()), top)
        self.assertEqual(other.get("/reader/api/0/user-info")[0], 401)
        self.assertEqual(third.get("/reader/api/0/user-info")[0], 200)

    def test_logins_keep_twenty_tokens_a_user(self):
        # newsboat's feedhq backend logs in at every start: a login drops
        # the user's least recently used tokens beyond 20.
        time.sleep(1.1)             # self.gr's token: the oldest
        clients = []
        for _ in range(24):
            gr = GR(self.port)
            self.assertEqual(gr.login()[0], 200)
            clients.append(gr)
        tokens = self.tokens()
        self.assertEqual(len(tokens), 20)
        self.assertEqual(self.gr.get("/reader/api/0/user-info")[0], 401)
        self.assertEqual(clients[0].get("/reader/api/0/user-info")[0], 401)
        self.assertEqual(clients[-1].get("/reader/api/0/user-info")[0], 200)
        self.assertEqual(clients[4].get("/reader/api/0/user-info")[0], 200)

    def test_a_token_unused_for_90_days_is_refused_and_dropped(self):
        digest = hashlib.sha256(self.gr.auth.encode()).hexdigest()
        self.sql("UPDATE reader_tokens SET created = created - 91 * 86400 WHERE hash = '%s'"
                 % digest)
        self.assertEqual(self.gr.get("/reader/api/0/user-info")[0], 401)
        self.assertEqual(len(self.tokens()), 1)
        self.assertEqual(GR(self.port).login()[0], 200)     # drops it
        self.assertEqual(str(self.sql("SELECT count(*) FROM reader_tokens WHERE hash = '%s'"
                                      % digest)[0][0]), "0")
        self.assertEqual(len(self.tokens()), 1)

    def test_reads_record_the_last_use(self):
        # Only reads (the readers' read-only handles): LAST USED is still
        # told, by the store thread after the answer.
        self.assertEqual(self.tokens()[0]["last_used"], 0)
        t0 = int(time.time())
        self.contents(READING)
        self.ids(READING)
        self.assertTrue(wait_until(lambda: self.tokens()[0]["last_used"] >= t0, timeout=10))
        r = self.d.feedctl("reader", "tokens")
        self.assertNotIn(b"never", r.stdout.splitlines()[1])

    def test_writes_need_the_T_token(self):
        first = self.ids(READING)[0]
        st, h, body = self.gr.write("/reader/api/0/edit-tag", ("i", str(first)), ("a", READ),
                                    T=False)
        self.assertEqual(st, 401)
        self.assertEqual(h.get("Google-Bad-Token"), "true")
        st, _, _ = self.gr.call("POST", "/reader/api/0/edit-tag",
                                [("i", str(first)), ("a", READ), ("T", "x" * 40)])
        self.assertEqual(st, 401)
        self.assertFalse(self.store_items("&status=read"))
        self.mark([first])
        self.assertEqual([i["id"] for i in self.store_items("&status=read")], [first])
        # GET is no way to write.
        st, h, _ = self.gr.get("/reader/api/0/edit-tag", ("i", str(first)), ("a", READ))
        self.assertEqual(st, 405)

    def test_freshrss_prefix_and_extra_slashes(self):
        for prefix, path in (("/api/greader.php", "/reader/api/0/user-info"),
                             ("/api/greader.php/", "/reader/api/0/user-info"),
                             ("", "//reader//api/0/user-info/")):
            gr = GR(self.port, prefix)
            self.assertEqual(gr.login()[0], 200, prefix)
            st, _, body = gr.get(path)
            self.assertEqual(st, 200, (prefix, path))
            self.assertEqual(json.loads(body)["userId"], "alice")


class CredentialChanges(GReaderBase):
    """A login token works only while its user's reader_auth line is as it
    was at the login: a user removed or a password changed ends it, at a
    reload (SIGHUP, feedctl reload) as at a restart."""

    def write_auth(self, text):
        with open(self.authfile, "w") as f:
            f.write(text)
        os.chmod(self.authfile, 0o600)

    def assert_cut_off(self, T):
        """self.gr's token (and its write token T) is good for nothing: a
        read (on the readers' handles), the T token (on the store thread),
        a mark and a subscription (each refusal waits the growing delay:
        a few calls)."""
        for path in ("/reader/api/0/stream/contents", "/reader/api/0/token"):
            st, _, body = self.gr.get(path, ("s", READING))
            self.assertEqual((st, body), (401, b"Error=BadAuthentication\n"), path)
        first = self.ids_as_bob()[0]
        for path, params in (("/reader/api/0/edit-tag", [("i", str(first)), ("a", READ)]),
                             ("/reader/api/0/subscription/quickadd",
                              [("quickadd", self.srv.url("/feed/gamma"))])):
            st, _, _ = self.gr.call("POST", path, params + [("T", T)])
            self.assertEqual(st, 401, path)
        self.assertFalse(self.store_items("&status=read"))
        self.assertFalse(os.path.exists(os.path.join(os.path.dirname(self.d.config),
                                                     "feeds.conf.d", "reader.conf")))
        self.assertIn("a token of alice from before its reader_auth line changed",
                      self.d.read_log())

    def ids_as_bob(self):
        return [i["id"] for i in self.store_items()]

    def test_a_removed_user_is_cut_off_at_a_reload(self):
        T = self.gr.token()
        self.assertEqual(self.gr.get("/reader/api/0/subscription/list")[0], 200)
        self.write_auth("bob:hunter2\n")
        r = self.d.feedctl("reload")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assert_cut_off(T)
        self.assertEqual(self.gr.login()[0], 401)
        bob = GR(self.port)
        self.assertEqual(bob.login("bob", "hunter2")[0], 200)
        self.assertEqual(bob.get("/reader/api/0/user-info")[0], 200)
        # HTTP Basic (the Miniflux API) goes with the line too.
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        c.request("GET", "/v1/me", headers={
            "Authorization": "Basic " + base64.b64encode(b"alice:s3cret").decode()})
        self.assertEqual(c.getresponse().status, 401)
        c.close()

    def test_a_changed_password_cuts_off_at_sighup(self):
        import signal
        T = self.gr.token()
        self.write_auth("alice:n3w password\n")
        self.d.signal(signal.SIGHUP)
        self.assertTrue(self.d.wait_log("reader: credentials re-read"))
        self.assert_cut_off(T)
        self.assertEqual(self.gr.login()[0], 401)
        self.assertEqual(self.gr.login("alice", "n3w password")[0], 200)
        self.assertEqual(self.gr.get("/reader/api/0/user-info")[0], 200)

    def test_a_changed_password_cuts_off_at_a_restart(self):
        self.d.stop()
        self.write_auth("alice:n3w\n")
        self.d.start()
        st, _, _ = self.gr.get("/reader/api/0/user-info")
        self.assertEqual(st, 401)
        self.assertEqual(self.gr.login("alice", "n3w")[0], 200)
        self.d.stop()
        self.d.start()
        self.assertEqual(self.gr.get("/reader/api/0/user-info")[0], 200)

    def test_a_token_outlives_a_reload_that_keeps_its_line(self):
        self.write_auth("bob:hunter2\nalice:s3cret\n")
        self.assertEqual(self.d.feedctl("reload").returncode, 0)
        self.assertEqual(self.gr.get("/reader/api/0/user-info")[0], 200)
        self.mark([self.ids(READING)[0]])

    def test_a_bad_reader_auth_refuses_the_reload(self):
        # As a bad feeds.conf: the reload is refused whole, said why, and
        # the running credentials stay.
        self.write_auth("bob:hunter2\n")
        os.chmod(self.authfile, 0o644)
        r = self.d.feedctl("reload")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn(b"readable by others", r.stdout + r.stderr)
        self.assertEqual(self.gr.get("/reader/api/0/user-info")[0], 200)
        os.chmod(self.authfile, 0o600)
        self.assertEqual(self.d.feedctl("reload").returncode, 0)
        self.assertEqual(self.gr.get("/reader/api/0/user-info")[0], 401)

    def test_tokens_from_before_stamps_must_log_in_again(self):
        # A token of a store from before the stamps (SQLite schema 15,
        # PostgreSQL 12) cannot be checked against reader_auth: the
        # upgrade drops it, its app logs in again; ids go on upwards.
        self.d.stop()
        before = max(int(r[0]) for r in self.sql("SELECT id FROM reader_tokens"))
        if self.store.db:
            self.sql("ALTER TABLE reader_tokens DROP COLUMN stamp;"
                     " DELETE FROM schema_version; INSERT INTO schema_version VALUES (12)")
            old, new = 12, 13
        else:
            self.sql("ALTER TABLE reader_tokens DROP COLUMN stamp")
            self.sql("PRAGMA user_version = 15")
            old, new = 15, 16
        self.d.start()
        self.assertIn("upgraded schema %d -> %d" % (old, new), self.d.read_log())
        self.assertEqual(self.tokens(), [])
        self.assertEqual(self.gr.get("/reader/api/0/user-info")[0], 401)
        self.assertEqual(self.gr.login()[0], 200)
        self.assertEqual(self.gr.get("/reader/api/0/user-info")[0], 200)
        self.assertGreater(self.tokens()[0]["id"], before)

    def test_the_store_keeps_a_stamp_never_the_password(self):
        digest = hashlib.sha256(self.gr.auth.encode()).hexdigest()
        (stamp,) = self.sql("SELECT stamp FROM reader_tokens WHERE hash = '%s'" % digest)[0]
        self.assertRegex(stamp, r"^[0-9a-f]{64}$")
        for secret in (b"s3cret", b"alice:s3cret", b"alice\0s3cret"):
            self.assertNotEqual(stamp, hashlib.sha256(secret).hexdigest())
        if not self.store.db:
            db = sqlite3.connect(os.path.join(self.d.state_dir, "feedd.db"))
            dump = "\n".join(db.iterdump())
            db.close()
            self.assertNotIn("s3cret", dump)


class Reads(GReaderBase):
    def test_subscription_and_tag_lists(self):
        subs = self.gr.json("/reader/api/0/subscription/list")["subscriptions"]
        got = {s["id"]: s for s in subs}
        self.assertEqual(set(got), {"feed/" + self.a_url, "feed/" + self.b_url})
        a = got["feed/" + self.a_url]
        self.assertEqual(a["title"], "Alpha Feed")
        self.assertEqual(a["url"], self.a_url)
        self.assertEqual(a["categories"], [{"id": "user/-/label/news", "label": "news"}])
        self.assertEqual({c["label"] for c in got["feed/" + self.b_url]["categories"]},
                         {"news", "tech"})
        tags = {t["id"]: t for t in self.gr.json("/reader/api/0/tag/list")["tags"]}
        self.assertEqual(set(tags), {STARRED, "user/-/label/news", "user/-/label/tech"})
        self.assertEqual(tags["user/-/label/news"]["unread_count"], 8)

    def test_canonical_and_a_default_stream(self):
        # Fluent Reader: stream/contents with no stream is the reading list,
        # and every item has canonical.
        st, _, body = self.gr.get("/reader/api/0/stream/contents", ("n", "50"))
        self.assertEqual(st, 200)
        j = json.loads(body)
        self.assertEqual(j["id"], READING)
        self.assertEqual(len(j["items"]), 8)
        self.assertNotIn("continuation", j)
        byid = {i["id"]: i for i in self.store_items()}
        for it in j["items"]:
            m = re.fullmatch(r"tag:google\.com,2005:reader/item/([0-9a-f]{16})", it["id"])
            self.assertIsNotNone(m, it["id"])
            stored = byid[int(m.group(1), 16)]
            self.assertEqual(it["canonical"], [{"href": stored["url"]}])
            self.assertEqual(it["alternate"][0]["href"], stored["url"])
            self.assertEqual(it["title"], stored["title"])
            self.assertEqual(it["summary"]["content"], stored["summary"])
            self.assertIsInstance(it["timestampUsec"], str)
            self.assertIsInstance(it["crawlTimeMsec"], str)
            self.assertEqual(int(it["crawlTimeMsec"]), epoch(stored["first_seen"]) * 1000)
            self.assertEqual(int(it["timestampUsec"]) // 1000000, epoch(stored["first_seen"]))
            feed_url = self.a_url if stored["feed"] == "alpha" else self.b_url
            self.assertEqual(it["origin"]["streamId"], "feed/" + feed_url)
            self.assertIn(READING, it["categories"])
            self.assertIn("user/-/label/news", it["categories"])
            self.assertNotIn(READ, it["categories"])
        # Newest first by default, oldest first with r=o.
        ids = [int(i["id"][-16:], 16) for i in j["items"]]
        self.assertEqual(ids, sorted(ids, reverse=True))
        j = self.contents(READING, ("r", "o"))
        self.assertEqual([int(i["id"][-16:], 16) for i in j["items"]], sorted(ids))

    def test_continuation_is_a_string_and_c_pages(self):
        # Reeder: continuation must be a string.
        seen, c, pages = [], None, 0
        while True:
            params = [("n", "3")] + ([("c", c)] if c else [])
            j = self.gr.json("/reader/api/0/stream/contents/" + READING, *params)
            seen += [int(i["id"][-16:], 16) for i in j["items"]]
            pages += 1
            c = j.get("continuation")
            if c is None:
                break
            self.assertIsInstance(c, str)
        self.assertEqual(pages, 3)
        self.assertEqual(seen, sorted({i["id"] for i in self.store_items()}, reverse=True))
        # stream/items/ids pages the same way, oldest first too.
        seen, c = [], None
        while True:
            params = [("s", READING), ("n", "5"), ("r", "o")] + ([("c", c)] if c else [])
            j = self.gr.json("/reader/api/0/stream/items/ids", *params)
            seen += [int(r["id"]) for r in j["itemRefs"]]
            c = j.get("continuation")
            if c is None:
                break
            self.assertIsInstance(c, str)
        self.assertEqual(seen, sorted(i["id"] for i in self.store_items()))

    def test_stream_items_ids_for_feed_streams(self):
        # NetNewsWire got a 500 for feed/ streams.
        for url, name in ((self.a_url, "alpha"), (self.b_url, "beta")):
            got = self.ids("feed/" + url)
            want = [i["id"] for i in self.store_items("&feed=" + name)]
            self.assertEqual(sorted(got), sorted(want))
        self.assertEqual(len(self.ids("user/-/label/tech")), 3)
        self.assertEqual(len(self.ids("user/-/label/news")), 8)
        st, _, _ = self.gr.get("/reader/api/0/stream/items/ids", ("s", "feed/http://nope/"))
        self.assertEqual(st, 404)

    def test_xt_read_is_honoured_in_every_stream(self):
        # RSS Guard showed read items as unread against another server.
        alpha = sorted(i["id"] for i in self.store_items("&feed=alpha"))
        beta = sorted(i["id"] for i in self.store_items("&feed=beta"))
        read = [alpha[0], alpha[1], beta[0]]
        self.mark(read)
        self.mark([alpha[0], beta[1]], add=STARRED)
        streams = {READING: alpha + beta, "feed/" + self.a_url: alpha,
                   "feed/" + self.b_url: beta, "user/-/label/news": alpha + beta,
                   "user/-/label/tech": beta, STARRED: [alpha[0], beta[1]], READ: read}
        for stream, members in streams.items():
            want = sorted(set(members) - set(read))
            self.assertEqual(sorted(self.ids(stream, ("xt", READ))), want, stream)
            got = self.contents(stream, ("xt", READ))["items"]
            self.assertEqual(sorted(int(i["id"][-16:], 16) for i in got), want, stream)
            for i in got:
                self.assertNotIn(READ, i["categories"])
            # Without xt, the read ones are there, marked read.
            got = self.contents(stream)["items"]
            self.assertEqual(sorted(int(i["id"][-16:], 16) for i in got), sorted(members))
            for i in got:
                self.assertEqual(READ in i["categories"], int(i["id"][-16:], 16) in read)
        # it= keeps only a state; xt= a label drops a feed's.
        self.assertEqual(sorted(self.ids(READING, ("it", STARRED))), sorted([alpha[0], beta[1]]))
        self.assertEqual(sorted(self.ids(READING, ("xt", "user/-/label/tech"))), alpha)
        # ot / nt: seconds of the time first seen.
        first_seen = min(epoch(i["first_seen"]) for i in self.store_items())
        self.assertEqual(self.ids(READING, ("ot", str(first_seen + 3600))), [])
        self.assertEqual(self.ids(READING, ("nt", str(first_seen))), [])
        self.assertEqual(len(self.ids(READING, ("ot", str(first_seen)))), 8)

    def test_id_mapping_both_ways(self):
        items = self.store_items()
        i0, i1 = items[0]["id"], items[1]["id"]
        long0 = "tag:google.com,2005:reader/item/%016x" % i0
        st, _, body = self.gr.call("POST", "/reader/api/0/stream/items/contents",
                                   [("i", long0), ("i", str(i1)), ("i", "999999")])
        self.assertEqual(st, 200)
        got = json.loads(body)["items"]
        self.assertEqual([g["id"] for g in got],
                         [long0, "tag:google.com,2005:reader/item/%016x" % i1])
        self.assertEqual(got[1]["title"], items[1]["title"])
        # edit-tag takes both forms; the socket and Miniflux APIs see it.
        p = [("i", long0), ("i", str(i1)), ("a", STARRED)]
        st, _, body = self.gr.write("/reader/api/0/edit-tag", *p)
        self.assertEqual((st, body), (200, b"OK"))
        self.assertEqual(sorted(i["id"] for i in self.store_items("&starred=true")),
                         sorted([i0, i1]))
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        c.request("GET", "/v1/entries?starred=true", headers={
            "Authorization": "Basic " + base64.b64encode(b"alice:s3cret").decode()})
        mf = json.loads(c.getresponse().read())
        c.close()
        self.assertEqual(sorted(e["id"] for e in mf["entries"]), sorted([i0, i1]))
        # And back: read on the socket API shows in the Reader API.
        self.assertEqual(self.d.post("/v1/items/state",
                                     body=json.dumps({"ids": [i0], "read": True})).status, 200)
        got = self.contents("feed/" + (self.a_url if items[0]["feed"] == "alpha"
                                       else self.b_url))["items"]
        it = [g for g in got if g["id"] == long0][0]
        self.assertIn(READ, it["categories"])
        self.assertIn(STARRED, it["categories"])
        for bad in ("tag:google.com,2005:reader/item/xyz", "0", "-5", "12abc"):
            st, _, _ = self.gr.call("POST", "/reader/api/0/stream/items/contents",
                                    [("i", bad)])
            self.assertEqual(st, 400, bad)

    def test_items_contents_gives_each_item_once(self):
        # An id named again, in any of its spellings (decimal, with
        # leading zeros, the long form in either case), is the same item:
        # Google Reader and FreshRSS answer it once, where it came first.
        items = self.store_items()
        i0, i1 = items[0]["id"], items[1]["id"]
        asked = [str(i1), LONG % i0, "999999", str(i1), "000" + str(i0),
                 (LONG % i1).upper().replace("TAG:GOOGLE.COM,2005:READER/ITEM/",
                                             "tag:google.com,2005:reader/item/"),
                 LONG % i0, str(i0)]
        st, _, body = self.gr.call("POST", "/reader/api/0/stream/items/contents",
                                   [("i", i) for i in asked])
        self.assertEqual(st, 200)
        self.assertEqual([g["id"] for g in json.loads(body)["items"]], [LONG % i1, LONG % i0])
        # The query string's i= and the body's together, likewise.
        st, _, body = self.gr.call("POST", "/reader/api/0/stream/items/contents?i=%d" % i0,
                                   [("i", str(i0)), ("i", LONG % i1), ("i", LONG % i0)])
        self.assertEqual(st, 200)
        self.assertEqual([g["id"] for g in json.loads(body)["items"]], [LONG % i0, LONG % i1])

    def test_unread_counts_agree_with_mark_all_as_read(self):
        # Read You: the counts after mark-all-as-read.
        def counts():
            j = self.gr.json("/reader/api/0/unread-count")
            return {u["id"]: u["count"] for u in j["unreadcounts"]}
        c = counts()
        self.assertEqual(c[READING], 8)
        self.assertEqual(c["feed/" + self.a_url], 5)
        self.assertEqual(c["user/-/label/tech"], 3)
        st, _, body = self.gr.write("/reader/api/0/mark-all-as-read", ("s", "feed/" + self.a_url))
        self.assertEqual((st, body), (200, b"OK"))
        c = counts()
        self.assertEqual((c[READING], c["feed/" + self.a_url], c["feed/" + self.b_url]), (3, 0, 3))
        self.assertEqual(len(self.ids(READING, ("xt", READ))), 3)
        self.assertEqual(len(self.store_items("&status=unread")), 3)
        # ts=: only the items up to that time.
        beta = self.contents("feed/" + self.b_url, ("r", "o"))["items"]
        ts = beta[1]["timestampUsec"]
        st, _, _ = self.gr.write("/reader/api/0/mark-all-as-read", ("s", "user/-/label/tech"),
                                 ("ts", ts))
        self.assertEqual(st, 200)
        self.assertEqual(counts()[READING], 1)
        left = self.ids(READING, ("xt", READ))
        self.assertEqual(left, [int(beta[2]["id"][-16:], 16)])
        st, _, _ = self.gr.write("/reader/api/0/mark-all-as-read", ("s", READING))
        self.assertEqual(counts()[READING], 0)

    def test_unread_count_has_newest_item_timestamp_per_stream(self):
        # FreshRSS's newestItemTimestampUsec: apps sync a stream only when it moved.
        j = self.gr.json("/reader/api/0/unread-count")
        got = {u["id"]: u["newestItemTimestampUsec"] for u in j["unreadcounts"]}
        for v in got.values():
            self.assertIsInstance(v, str)
        newest = {}
        for url in (self.a_url, self.b_url):
            newest[url] = max(int(i["timestampUsec"])
                              for i in self.contents("feed/" + url)["items"])
            self.assertEqual(int(got["feed/" + url]), newest[url])
        self.assertEqual(int(got["user/-/label/tech"]), newest[self.b_url])
        self.assertEqual(int(got["user/-/label/news"]), max(newest.values()))
        self.assertEqual(int(got[READING]), max(newest.values()))
        # Reading does not move it; it is the newest item, not the newest unread.
        self.mark(self.ids("feed/" + self.a_url))
        j = self.gr.json("/reader/api/0/unread-count")
        after = {u["id"]: u["newestItemTimestampUsec"] for u in j["unreadcounts"]}
        self.assertEqual(after, got)

    def test_mark_all_as_read_across_a_millionth_item(self):
        # timestampUsec has the id's last six digits for its sub-second
        # part: where ids pass a multiple of a million within one second
        # the timestamps go back. A ts naming an item still means every
        # item up to it in the stream's order, and no item after it.
        self.d.stop()
        if self.store.db:
            from pgstore import psql, PG
            uri = PG + ("&" if "?" in PG else "?") + "dbname=" + self.store.db
            psql(uri, "SELECT setval(pg_get_serial_sequence('items', 'id'), 999994)")
        else:
            import sqlite3
            db = sqlite3.connect(os.path.join(self.d.state_dir, "feedd.db"))
            db.execute("UPDATE sqlite_sequence SET seq = 999994 WHERE name = 'items'")
            db.commit()
            db.close()
        self.d.start()
        self.srv.set_feed("alpha", items=self.items_of("alpha", 5) + [
            {"guid": "wrap-%d" % i, "title": "wrap %d" % i, "link": "http://example.org/w/%d" % i}
            for i in range(10)], title="Alpha Feed")
        # The server's feeds are the class's: alpha as it was for the others.
        self.addCleanup(self.srv.set_feed, "alpha", items=self.items_of("alpha", 5),
                        title="Alpha Feed")
        self.assertEqual(self.d.post("/v1/feeds/alpha/refresh").status, 202)
        self.assertTrue(wait_until(
            lambda: self.d.get("/v1/feeds/alpha").json().get("items") == 15))
        stream = "feed/" + self.a_url
        items = self.contents(stream)["items"]       # newest first
        ids = [int(i["id"][-16:], 16) for i in items]
        self.assertIn(999999, ids)
        self.assertIn(1000000, ids)
        by_id = {int(i["id"][-16:], 16): i["timestampUsec"] for i in items}
        # A client that saw up to 999999: the items after it stay unread.
        st, _, _ = self.gr.write("/reader/api/0/mark-all-as-read", ("s", stream),
                                 ("ts", by_id[999999]))
        self.assertEqual(st, 200)
        unread = sorted(self.ids(stream, ("xt", READ)))
        self.assertEqual(unread, [i for i in sorted(ids) if i > 999999])
        # Its newest item: everything read.
        st, _, _ = self.gr.write("/reader/api/0/mark-all-as-read", ("s", stream),
                                 ("ts", items[0]["timestampUsec"]))
        self.assertEqual(st, 200)
        self.assertEqual(self.ids(stream, ("xt", READ)), [])

    def test_feed_stream_id_is_the_configured_url_after_a_301(self):
        # A 301 changes the URL feedd fetches, not the stream apps hold.
        self.srv.set_feed("moved", items=items_of("moved", 2), title="Moved Feed")
        url = self.srv.url("/redirect/301?to=/feed/moved")
        st, _, body = self.gr.write("/reader/api/0/subscription/quickadd", ("quickadd", url))
        self.assertEqual(st, 200, body)
        j = json.loads(body)
        sid, name = j["streamId"], j["streamName"]
        self.assertEqual(self.d.post("/v1/feeds/%s/refresh" % name).status, 202)
        self.assertTrue(wait_until(
            lambda: self.d.get("/v1/feeds/" + name).json().get("items") == 2))
        eff = self.d.get("/v1/feeds/" + name).json()["effective_url"]
        self.assertEqual(eff, self.srv.url("/feed/moved"))
        subs = {s["id"] for s in
                self.gr.json("/reader/api/0/subscription/list")["subscriptions"]}
        self.assertIn(sid, subs)
        self.assertNotIn("feed/" + eff, subs)
        counts = {u["id"] for u in self.gr.json("/reader/api/0/unread-count")["unreadcounts"]}
        self.assertIn(sid, counts)
        items = self.contents(sid)["items"]
        self.assertEqual(len(items), 2)
        self.assertEqual({i["origin"]["streamId"] for i in items}, {sid})
        # Either URL names the stream.
        self.assertEqual(sorted(self.ids("feed/" + eff)), sorted(self.ids(sid)))
        self.assertEqual(len(self.ids("feed/" + eff)), 2)
        st, _, _ = self.gr.write("/reader/api/0/mark-all-as-read", ("s", "feed/" + eff))
        self.assertEqual(st, 200)
        self.assertEqual(self.ids(sid, ("xt", READ)), [])
        # And so it does for subscription/edit.
        st, _, body = self.gr.write("/reader/api/0/subscription/edit", ("ac", "edit"),
                                    ("s", "feed/" + eff), ("t", "Moved Here"))
        self.assertEqual((st, body), (200, b"OK"))
        self.assertEqual({s["id"]: s["title"] for s in self.gr.json(
            "/reader/api/0/subscription/list")["subscriptions"]}[sid], "Moved Here")

    def test_atom_stream_states_as_categories(self):
        alpha = sorted(i["id"] for i in self.store_items("&feed=alpha"))
        self.mark([alpha[-1]])
        path = "/reader/atom/" + urllib.parse.quote("feed/" + self.a_url, safe="")
        st, h, body = self.gr.get(path, ("n", "2"))
        self.assertEqual(st, 200)
        self.assertTrue(h["Content-Type"].startswith("application/atom+xml"))
        root = ET.fromstring(body)
        self.assertEqual(root.find(ATOM + "title").text, "Alpha Feed")
        entries = root.findall(ATOM + "entry")
        self.assertEqual(len(entries), 2)
        cont = root.find("{http://www.google.com/schemas/reader/atom/}continuation").text
        self.assertEqual(int(cont), alpha[-2])
        first = entries[0]
        self.assertEqual(first.find(ATOM + "id").text,
                         "tag:google.com,2005:reader/item/%016x" % alpha[-1])
        cats = {(c.get("term"), c.get("label")) for c in first.findall(ATOM + "category")
                if c.get("scheme") == "http://www.google.com/reader/"}
        self.assertIn((READ, "read"), cats)
        self.assertIn(("user/-/label/news", "news"), cats)
        labels = {c.get("label") for c in entries[1].findall(ATOM + "category")}
        self.assertIn("fresh", labels)
        self.assertNotIn("read", labels)
        # Items without a stream: the reading list.
        st, _, body = self.gr.get("/reader/atom", ("n", "100"), ("xt", READ))
        self.assertEqual(len(ET.fromstring(body).findall(ATOM + "entry")), 7)


    def test_entry_content_is_sanitized_in_json_and_atom(self):
        # The store keeps what the feed said; both Reader API outputs hand
        # the app HTML it can render (daemon/reader_content.h).
        html = '<p onclick="steal()">hi<script>alert(1)</script> <a href="javascript:x()">x</a></p>'
        self.srv.set_feed("evil", items=[{"guid": "e-1", "title": 'Tom & Jerry <3 "q"',
                                          "link": "http://example.org/e/1",
                                          "description": html}])
        e_url = self.srv.url("/feed/evil")
        self.d.write_config(CONF.format(port=self.port, auth=self.authfile,
                                        store=self.store.line, a=self.a_url, b=self.b_url)
                            + "\n[feed evil]\nurl = %s\n" % e_url)
        self.assertEqual(self.d.feedctl("reload").returncode, 0)
        self.assertTrue(wait_until(lambda: self.d.get("/v1/feeds/evil").json().get("items") == 1))
        raw = self.store_items("&feed=evil")[0]["summary"]
        self.assertIn("<script>", raw)
        got = self.contents("feed/" + e_url)["items"][0]["summary"]["content"]
        st, _, body = self.gr.get("/reader/atom/" + urllib.parse.quote("feed/" + e_url, safe=""))
        self.assertEqual(st, 200)
        entry = ET.fromstring(body).find(ATOM + "entry")
        atom = entry.find(ATOM + "content").text
        # A plain-text title, as Google Reader writes one: HTML in the
        # XML, which a reader decodes back to the text (newsboat's feedhq
        # source made "Tom  Jerry" of it, reading <3 as a tag).
        title = entry.find(ATOM + "title")
        self.assertEqual(title.get("type"), "html")
        from html import unescape
        self.assertEqual(unescape(title.text), 'Tom & Jerry <3 "q"')
        self.assertNotIn("<", title.text)
        for c in (got, atom):
            self.assertIn("hi", c)
            for bad in ("<script", "alert(1)", "onclick", "javascript:"):
                self.assertNotIn(bad, c)

    def test_atom_titles_escaped_as_google_reader_does(self):
        # <title type="html">: a plain title is text escaped for HTML,
        # then for XML (a reader decodes both and gets the text back); a
        # title with markup or an entity is HTML already, escaped for XML
        # only. The feed's title in <source> alike; the document's own
        # <title> is Atom text, escaped once.
        plain, marked = 'Tom & Jerry <3 "q" > caf\u00e9', '<b>A&amp;B</b> "q"'
        self.srv.set_feed("titles", title='Cats & Dogs <"x">', items=[
            {"guid": "t-1", "title": plain, "link": "http://example.org/t/1"},
            {"guid": "t-2", "title": marked, "link": "http://example.org/t/2"}])
        t_url = self.srv.url("/feed/titles")
        self.d.write_config(CONF.format(port=self.port, auth=self.authfile,
                                        store=self.store.line, a=self.a_url, b=self.b_url)
                            + "\n[feed titles]\nurl = %s\n" % t_url)
        self.assertEqual(self.d.feedctl("reload").returncode, 0)
        self.assertTrue(wait_until(
            lambda: self.d.get("/v1/feeds/titles").json().get("items") == 2))
        self.assertEqual({i["guid"]: i["title"] for i in self.store_items("&feed=titles")},
                         {"t-1": plain, "t-2": marked})
        st, _, body = self.gr.get("/reader/atom/" + urllib.parse.quote("feed/" + t_url, safe=""),
                                  ("n", "10"))
        self.assertEqual(st, 200)
        for want in ('<title>Cats &amp; Dogs &lt;&quot;x&quot;&gt;</title>',
                     '<title type="html">Tom &amp;amp; Jerry &amp;lt;3 &amp;quot;q&amp;quot;'
                     ' &amp;gt; caf\u00e9</title>',
                     '<title type="html">&lt;b&gt;A&amp;amp;B&lt;/b&gt; &quot;q&quot;</title>',
                     '<title type="html">Cats &amp;amp; Dogs &amp;lt;&amp;quot;x&amp;quot;'
                     '&amp;gt;</title>'):
            self.assertIn(want.encode(), body)
        entries = ET.fromstring(body).findall(ATOM + "entry")
        from html import unescape
        self.assertEqual(sorted(unescape(e.find(ATOM + "title").text) for e in entries),
                         sorted([plain, "<b>A&B</b> \"q\""]))


class ItemLabels(GReaderBase):
    """Labels on items (edit-tag a=/r=user/-/label/NAME), as FreshRSS keeps
    them: in the item's categories beside its feed's tags, a label's stream
    holding its feeds' items and the labelled ones, in tag/list, kept
    across a restart."""

    def edit(self, *params):
        return self.gr.write("/reader/api/0/edit-tag", *params)

    def item_ids(self, items):
        return sorted(int(i["id"][-16:], 16) for i in items)

    def test_a_label_on_items_is_a_stream_a_category_and_a_tag(self):
        alpha = sorted(i["id"] for i in self.store_items("&feed=alpha"))
        beta = sorted(i["id"] for i in self.store_items("&feed=beta"))
        later = "user/-/label/Read later"
        st, _, body = self.edit(("i", str(alpha[0])), ("i", LONG % beta[1]), ("a", later))
        self.assertEqual((st, body), (200, b"OK"))
        # The label's stream: its items, in every form of the stream calls.
        self.assertEqual(sorted(self.ids(later)), sorted([alpha[0], beta[1]]))
        got = self.contents(later)["items"]
        self.assertEqual(self.item_ids(got), sorted([alpha[0], beta[1]]))
        for it in got:
            self.assertIn(later, it["categories"])
        others = [i for i in self.contents(READING)["items"]
                  if int(i["id"][-16:], 16) not in (alpha[0], beta[1])]
        self.assertEqual(len(others), 6)
        for it in others:
            self.assertNotIn(later, it["categories"])
        j = self.gr.json("/reader/api/0/stream/items/contents",
                         ("i", str(alpha[0])), ("i", str(alpha[1])))
        self.assertIn(later, j["items"][0]["categories"])
        self.assertNotIn(later, j["items"][1]["categories"])
        # xt= the label drops its items; the read state stays apart.
        self.assertEqual(sorted(self.ids(READING, ("xt", later))),
                         sorted(set(alpha + beta) - {alpha[0], beta[1]}))
        self.mark([alpha[0]])
        self.assertEqual(self.ids(later, ("xt", READ)), [beta[1]])
        # A feed's tag as an item's label: the tag's stream gains the item.
        st, _, _ = self.edit(("i", str(alpha[2])), ("a", "user/-/label/tech"))
        self.assertEqual(st, 200)
        self.assertEqual(sorted(self.ids("user/-/label/tech")), sorted(beta + [alpha[2]]))
        it = self.gr.json("/reader/api/0/stream/items/contents", ("i", str(alpha[2])))
        cats = it["items"][0]["categories"]
        self.assertEqual(cats.count("user/-/label/tech"), 1)
        self.assertIn("user/-/label/news", cats)
        # tag/list lists the item labels too (unread items of theirs).
        tags = {t["id"]: t for t in self.gr.json("/reader/api/0/tag/list")["tags"]}
        self.assertIn(later, tags)
        self.assertEqual(tags[later]["unread_count"], 1)
        # tech: beta's three unread items and alpha[2], as its stream.
        self.assertEqual(tags["user/-/label/tech"]["unread_count"], 4)
        # So does unread-count (FreshRSS's: feeds, labels, the reading list).
        counts = {c["id"]: c["count"] for c in
                  self.gr.json("/reader/api/0/unread-count")["unreadcounts"]}
        self.assertEqual(counts[later], 1)
        self.assertEqual(counts["user/-/label/tech"], 4)
        # A label only items have: its stream's newest item, read or not.
        j = self.gr.json("/reader/api/0/unread-count")
        newest = {c["id"]: c["newestItemTimestampUsec"] for c in j["unreadcounts"]}
        stamps = [int(i["timestampUsec"]) for i in self.contents(later)["items"]]
        self.assertEqual(int(newest[later]), max(stamps))
        # The Atom stream names it as newsboat reads labels.
        st, _, body = self.gr.get("/reader/atom/" + urllib.parse.quote(later, safe=""))
        self.assertEqual(st, 200)
        entries = ET.fromstring(body).findall(ATOM + "entry")
        self.assertEqual(len(entries), 2)
        for e in entries:
            self.assertIn((later, "Read later"),
                          {(c.get("term"), c.get("label")) for c in e.findall(ATOM + "category")})
        # Kept across a restart.
        self.d.stop()
        self.d.start()
        self.assertEqual(sorted(self.ids(later)), sorted([alpha[0], beta[1]]))
        # r= takes it off; the others keep it.
        st, _, body = self.edit(("i", str(beta[1])), ("r", later))
        self.assertEqual((st, body), (200, b"OK"))
        self.assertEqual(self.ids(later), [alpha[0]])
        got = self.gr.json("/reader/api/0/stream/items/contents", ("i", str(beta[1])))
        self.assertNotIn(later, got["items"][0]["categories"])
        # Labels and states in one call.
        st, _, _ = self.edit(("i", str(beta[0])), ("a", later), ("a", STARRED))
        self.assertEqual(st, 200)
        self.assertEqual(sorted(self.ids(later)), sorted([alpha[0], beta[0]]))
        self.assertEqual(self.ids(STARRED), [beta[0]])

    def test_a_label_on_unknown_items_is_ignored(self):
        # FreshRSS answers OK and labels the items it has.
        alpha = sorted(i["id"] for i in self.store_items("&feed=alpha"))
        st, _, body = self.edit(("i", LONG % (alpha[-1] + 1000)), ("a", "user/-/label/x"))
        self.assertEqual((st, body), (200, b"OK"))
        self.assertEqual(self.ids("user/-/label/x"), [])
        st, _, body = self.edit(("i", str(alpha[-1] + 1000)), ("i", str(alpha[0])),
                                ("a", "user/-/label/x"))
        self.assertEqual((st, body), (200, b"OK"))
        self.assertEqual(self.ids("user/-/label/x"), [alpha[0]])
        st, _, body = self.edit(("i", str(alpha[-1] + 1000)), ("r", "user/-/label/x"))
        self.assertEqual((st, body), (200, b"OK"))
        self.assertEqual(self.ids("user/-/label/x"), [alpha[0]])

    def test_label_names_are_checked(self):
        alpha = sorted(i["id"] for i in self.store_items("&feed=alpha"))
        for bad in ("user/-/label/", "user/-/label/a\x01b", "user/-/label/tab\there",
                    "user/-/label/" + "x" * 201):
            st, _, body = self.edit(("i", str(alpha[0])), ("a", "user/-/label/fine"),
                                    ("a", bad))
            self.assertEqual(st, 400, bad)
            self.assertTrue(body.strip(), bad)
            # Nothing of the call was done.
            self.assertEqual(self.ids("user/-/label/fine"), [], bad)
        st, _, body = self.edit(("i", str(alpha[0])), ("a", "user/-/label/a\x01b"))
        self.assertIn(b"label", body)
        st, _, _ = self.edit(("i", str(alpha[0])), ("a", "user/-/label/" + "\u00e9" * 100))
        self.assertEqual(st, 200)
        self.assertEqual(self.ids("user/-/label/" + "\u00e9" * 100), [alpha[0]])


class Subscriptions(GReaderBase):
    def dropin(self):
        p = self.d.config + ".d/reader.conf"
        if not os.path.exists(p):
            return None
        with open(p) as f:
            return f.read()

    def subs(self):
        return {s["id"]: s for s in
                self.gr.json("/reader/api/0/subscription/list")["subscriptions"]}

    def test_quickadd_writes_a_dropin_and_reloads(self):
        self.srv.set_feed("gamma", items=items_of("gamma", 2), title="Gamma Feed")
        url = self.srv.url("/feed/gamma")
        st, _, body = self.gr.write("/reader/api/0/subscription/quickadd", ("quickadd", url))
        self.assertEqual(st, 200, body)
        j = json.loads(body)
        self.assertEqual((j["numResults"], j["streamId"]), (1, "feed/" + url))
        name = j["streamName"]
        self.assertIn("[feed %s]" % name, self.dropin())
        self.assertIn("feed/" + url, self.subs())
        self.assertEqual(self.d.post("/v1/feeds/%s/refresh" % name).status, 202)
        self.assertTrue(wait_until(lambda: len(self.ids("feed/" + url)) == 2))
        # Again: the same feed, nothing written.
        before = self.dropin()
        st, _, body = self.gr.write("/reader/api/0/subscription/quickadd",
                                    ("quickadd", "feed/" + url))
        self.assertEqual((st, json.loads(body)["streamName"]), (200, name))
        self.assertEqual(self.dropin(), before)
        # The main file was not touched.
        with open(self.d.config) as f:
            self.assertNotIn("gamma", f.read())

    def test_subscribe_with_title_and_label_then_unsubscribe(self):
        self.srv.set_feed("delta", items=items_of("delta", 1))
        url = self.srv.url("/feed/delta")
        title = "Delta\n[feed evil]\nexec = rm -rf /"
        st, _, body = self.gr.write("/reader/api/0/subscription/edit", ("ac", "subscribe"),
                                    ("s", "feed/" + url), ("t", title),
                                    ("a", "user/-/label/news"))
        self.assertEqual((st, body), (200, b"OK"))
        text = self.dropin()
        self.assertEqual(len(re.findall(r"^\[feed ", text, re.M)), 1)
        # The title is one comment line; the name a slug of it.
        self.assertIsNone(re.search(r"^\[feed evil\]", text, re.M))
        self.assertIsNone(re.search(r"^exec", text, re.M))
        self.assertIn("\n# title: Delta [feed evil] exec = rm -rf /\n", text)
        sub = self.subs()["feed/" + url]
        self.assertEqual(sub["categories"], [{"id": "user/-/label/news", "label": "news"}])
        # The daemon reads the config as valid: a reload takes it.
        self.assertEqual(self.d.post("/v1/reload").status, 200)
        st, _, body = self.gr.write("/reader/api/0/subscription/edit", ("ac", "unsubscribe"),
                                    ("s", "feed/" + url))
        self.assertEqual((st, body), (200, b"OK"))
        self.assertNotIn("feed/" + url, self.subs())
        self.assertIsNone(re.search(r"^\[feed ", self.dropin(), re.M))
        # A feed of the main file: taken out of it, the rest as it was.
        with open(self.d.config) as f:
            main = f.read()
        st, _, body = self.gr.write("/reader/api/0/subscription/edit", ("ac", "unsubscribe"),
                                    ("s", "feed/" + self.b_url))
        self.assertEqual((st, body), (200, b"OK"))
        with open(self.d.config) as f:
            after = f.read()
        self.assertEqual(after.rstrip(), main[:main.index("[feed beta]")].rstrip())
        self.assertEqual(set(self.subs()), {"feed/" + self.a_url})
        # Its items went with it: the reading list and the unread count
        # agree, every item's origin a subscription.
        alpha = set(self.ids("feed/" + self.a_url))
        self.assertEqual(set(self.ids(READING)), alpha)
        unread = self.ids(READING, ("xt", READ))
        counts = {u["id"]: u["count"] for u in
                  self.gr.json("/reader/api/0/unread-count")["unreadcounts"]}
        self.assertEqual(counts.get(READING, 0), len(unread))
        self.assertTrue(all(i["origin"]["streamId"] == "feed/" + self.a_url
                            for i in self.contents(READING)["items"]))
        # Nor can they be labelled (a label keeps an item for good): OK,
        # as for an id never stored, and no label.
        beta = [i["id"] for i in self.store_items("&feed=beta")]
        st, _, body = self.gr.write("/reader/api/0/edit-tag", ("i", str(beta[0])),
                                    ("a", "user/-/label/ghost"))
        self.assertEqual((st, body), (200, b"OK"))
        tags = [t["id"] for t in self.gr.json("/reader/api/0/tag/list")["tags"]]
        self.assertNotIn("user/-/label/ghost", tags)
        st, _, body = self.gr.write("/reader/api/0/subscription/edit", ("ac", "unsubscribe"),
                                    ("s", "feed/" + self.b_url))
        self.assertEqual(st, 400)
        # Back in feeds.conf under its name, its items come back without
        # that label.
        with open(self.d.config, "w") as f:
            f.write(main)
        self.assertEqual(self.d.post("/v1/reload").status, 200)
        self.assertTrue(wait_until(lambda: set(beta) <= set(self.ids(READING))))
        self.assertEqual(self.ids("user/-/label/ghost"), [])

    def mf_feeds(self):
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        c.request("GET", "/v1/feeds", headers={
            "Authorization": "Basic " + base64.b64encode(b"alice:s3cret").decode()})
        mf = json.loads(c.getresponse().read())
        c.close()
        return {f["feed_url"]: f for f in mf}

    def edit(self, *params):
        return self.gr.write("/reader/api/0/subscription/edit", ("ac", "edit"), *params)

    def test_edit_sets_a_title_and_labels_through_the_editor(self):
        with open(self.d.config) as f:
            before = f.read()
        self.assertEqual(self.contents("feed/" + self.a_url)["items"][0]["origin"]["title"],
                         "Alpha Feed")
        st, _, body = self.edit(("s", "feed/" + self.a_url), ("t", "My Alpha"),
                                ("a", "user/-/label/Fun"), ("r", "user/-/label/news"))
        self.assertEqual((st, body), (200, b"OK"))
        with open(self.d.config) as f:
            after = f.read()
        # Only alpha's section changed, and only its title and tags.
        old_sec = "[feed alpha]\nurl = %s\ntags = news\n" % self.a_url
        new_sec = "[feed alpha]\ntitle = My Alpha\ntags = fun\nurl = %s\n" % self.a_url
        self.assertIn(new_sec, after)
        self.assertEqual(after.replace(new_sec, old_sec), before)
        self.assertEqual(self.d.post("/v1/reload").status, 200)   # still parses
        # After the reload: the lists, the items' origin and Miniflux show it.
        sub = self.subs()["feed/" + self.a_url]
        self.assertEqual(sub["title"], "My Alpha")
        self.assertEqual(sub["categories"], [{"id": "user/-/label/fun", "label": "fun"}])
        self.assertEqual(self.subs()["feed/" + self.b_url]["title"], "Beta Feed")
        tags = {t["id"] for t in self.gr.json("/reader/api/0/tag/list")["tags"]}
        self.assertTrue({"user/-/label/fun", "user/-/label/news"} <= tags)
        self.assertEqual(len(self.ids("user/-/label/fun")), 5)
        self.assertEqual(self.contents("feed/" + self.a_url)["items"][0]["origin"]["title"],
                         "My Alpha")
        self.assertEqual(self.mf_feeds()[self.a_url]["title"], "My Alpha")
        # An empty t= gives the publisher's title back; labels alone stay.
        st, _, body = self.edit(("s", "feed/" + self.a_url), ("t", ""))
        self.assertEqual((st, body), (200, b"OK"))
        self.assertEqual(self.subs()["feed/" + self.a_url]["title"], "Alpha Feed")
        self.assertEqual(self.mf_feeds()[self.a_url]["title"], "Alpha Feed")
        with open(self.d.config) as f:
            self.assertIn("[feed alpha]\ntags = fun\nurl = ", f.read())

    def test_a_folder_is_found_whatever_the_ascii_case_it_is_named_in(self):
        # feeds.conf lower-cases a tag's ASCII letters (feeds.conf(5)): the
        # folder an app names "Reading" comes back "reading", and every
        # lookup by either spelling finds it; an item's own label keeps
        # its case, and its stream holds the folder's feeds too.
        st, _, body = self.edit(("s", "feed/" + self.a_url), ("a", "user/-/label/Reading"))
        self.assertEqual((st, body), (200, b"OK"))
        sub = self.subs()["feed/" + self.a_url]
        self.assertIn({"id": "user/-/label/reading", "label": "reading"}, sub["categories"])
        alpha = set(self.ids("feed/" + self.a_url))
        self.assertEqual(len(alpha), 5)
        for name in ("Reading", "reading", "READING"):
            stream = "user/-/label/" + name
            self.assertEqual(set(self.ids(stream)), alpha, name)
            self.assertEqual({int(i["id"].rsplit("/", 1)[1], 16)
                              for i in self.contents(stream)["items"]}, alpha, name)
        # An item of beta labelled "Reading" (its case kept): in that
        # label's stream beside the folder's feeds, not in "reading"'s.
        beta = [i["id"] for i in self.store_items("&feed=beta")]
        self.mark([beta[0]], add="user/-/label/Reading")
        self.assertEqual(set(self.ids("user/-/label/Reading")), alpha | {beta[0]})
        self.assertEqual(set(self.ids("user/-/label/reading")), alpha)
        self.assertIn("user/-/label/Reading", [c for i in self.contents(READING)["items"]
                                               for c in i["categories"]])
        # The lists count what each stream holds.
        tags = {t["id"]: t.get("unread_count")
                for t in self.gr.json("/reader/api/0/tag/list")["tags"]}
        counts = {u["id"]: u["count"]
                  for u in self.gr.json("/reader/api/0/unread-count")["unreadcounts"]}
        for name, n in (("reading", 5), ("Reading", 6)):
            self.assertEqual(tags["user/-/label/" + name], n, name)
            self.assertEqual(counts["user/-/label/" + name], n, name)
            self.assertEqual(len(self.ids("user/-/label/" + name, ("xt", READ))), n, name)
        # mark-all-as-read on the folder by another spelling marks it.
        st, _, body = self.gr.write("/reader/api/0/mark-all-as-read",
                                    ("s", "user/-/label/READING"))
        self.assertEqual((st, body), (200, b"OK"))
        self.assertEqual({i["id"] for i in self.store_items("&status=read")}, alpha)
        counts = {u["id"]: u["count"]
                  for u in self.gr.json("/reader/api/0/unread-count")["unreadcounts"]}
        self.assertEqual((counts["user/-/label/reading"], counts["user/-/label/Reading"]),
                         (0, 1))
        # Non-ASCII letters are kept as written: "Ünï Cödé" is stored
        # "Ünï cödé", and both spellings find it; "ünï cödé" would be
        # another tag of feeds.conf's, and finds nothing.
        with open(self.d.config) as f:
            conf = f.read()
        with open(self.d.config, "w") as f:
            f.write(conf.replace("tags = news, tech", "tags = news, \u00dcn\u00ef C\u00f6d\u00e9"))
        self.assertEqual(self.d.feedctl("reload").returncode, 0)
        self.assertIn({"id": "user/-/label/\u00dcn\u00ef c\u00f6d\u00e9",
                       "label": "\u00dcn\u00ef c\u00f6d\u00e9"},
                      self.subs()["feed/" + self.b_url]["categories"])
        for name, want in (("\u00dcn\u00ef C\u00f6d\u00e9", set(beta)),
                           ("\u00dcn\u00ef c\u00f6d\u00e9", set(beta)),
                           ("\u00fcn\u00ef c\u00f6d\u00e9", set())):
            self.assertEqual(set(self.ids("user/-/label/" + name)), want, name)
        unread = self.gr.json("/reader/api/0/unread-count")["unreadcounts"]
        self.assertIn(("user/-/label/\u00dcn\u00ef c\u00f6d\u00e9", 3),
                      [(u["id"], u["count"]) for u in unread])

    def test_edit_refuses_a_hostile_title_or_label_naming_it(self):
        with open(self.d.config) as f:
            before = f.read()
        for params, field in (((("t", "x\n[feed evil]\nexec = /bin/sh"),), b"refused: title"),
                              ((("t", "News # and more"),), b"refused: title"),
                              ((("t", "a\u2028b"),), b"refused: title"),
                              ((("a", "user/-/label/a,b"),), b"refused: tag"),
                              ((("a", "user/-/label/x;y"),), b"refused: tag"),
                              ((("a", "user/-/state/com.google/starred"),), b"a: expected")):
            st, _, body = self.edit(("s", "feed/" + self.a_url), *params)
            self.assertEqual(st, 400, (params, body))
            self.assertIn(field, body)
        st, _, body = self.edit(("s", "feed/http://example.org/none"), ("t", "X"))
        self.assertEqual(st, 400)
        with open(self.d.config) as f:
            self.assertEqual(f.read(), before)
        self.assertEqual(self.subs()["feed/" + self.a_url]["title"], "Alpha Feed")

    def test_enclosures_in_json_and_atom(self):
        rss = ('<?xml version="1.0"?><rss version="2.0"><channel><title>Pod</title>'
               '<link>http://example.org/pod</link><item><guid>ep1</guid><title>Episode 1'
               '</title><link>http://example.org/pod/1</link><enclosure '
               'url="http://example.org/pod/1.mp3" type="audio/mpeg" length="1234"/>'
               '</item></channel></rss>')
        self.srv.set_site({"/pod.xml": {"body": rss, "content_type": "application/rss+xml"}})
        try:
            url = self.srv.url("/pod.xml")
            st, _, body = self.gr.write("/reader/api/0/subscription/quickadd",
                                        ("quickadd", url))
            self.assertEqual(st, 200, body)
            name = json.loads(body)["streamName"]
            self.assertEqual(self.d.post("/v1/feeds/%s/refresh" % name).status, 202)
            self.assertTrue(wait_until(lambda: len(self.ids("feed/" + url)) == 1))
        finally:
            self.srv.set_site(None)
        it = self.contents("feed/" + url)["items"][0]
        self.assertEqual(it["enclosure"], [{"href": "http://example.org/pod/1.mp3",
                                            "type": "audio/mpeg", "length": "1234"}])
        st, _, body = self.gr.get("/reader/atom/" + urllib.parse.quote("feed/" + url, safe=""))
        links = ET.fromstring(body).find(ATOM + "entry").findall(ATOM + "link")
        self.assertIn(("enclosure", "http://example.org/pod/1.mp3", "audio/mpeg", "1234"),
                      [(l.get("rel"), l.get("href"), l.get("type"), l.get("length"))
                       for l in links])

    def test_an_unwritable_dropin_is_refused_clearly(self):
        # As root no mode stops a write: a directory where reader.conf
        # goes (the config reader skips it) makes the write fail as a
        # read-only /etc does under systemd.
        os.makedirs(self.d.config + ".d/reader.conf")
        st, _, body = self.gr.write("/reader/api/0/subscription/quickadd",
                                    ("quickadd", "http://example.org/feed"))
        self.assertEqual(st, 403, body)
        self.assertIn(b"cannot write " + (self.d.config + ".d/reader.conf").encode(), body)
        self.assertIn(b"ReadWritePaths=", body)
        self.assertIn("subscription edit refused", self.d.read_log())
        self.assertEqual(len(self.subs()), 2)

    def test_subscription_edits_refuse_what_the_editor_refuses(self):
        for bad in ("javascript:alert(1)", "http://a b/", "ftp://example.org/x",
                    "http://example.org/\nexec = x"):
            st, _, body = self.gr.write("/reader/api/0/subscription/quickadd",
                                        ("quickadd", bad))
            self.assertEqual(st, 400, bad)
            self.assertIn(b"refused: url", body)
        st, _, body = self.gr.write("/reader/api/0/subscription/edit", ("ac", "rename"),
                                    ("s", "feed/" + self.a_url), ("t", "New"))
        self.assertEqual(st, 400)
        st, _, _ = self.gr.write("/reader/api/0/subscription/quickadd",
                                 ("quickadd", "http://example.org/"), T=False)
        self.assertEqual(st, 401)
        self.assertIsNone(self.dropin())
        self.assertEqual(len(self.subs()), 2)


if __name__ == "__main__":
    unittest.main()
