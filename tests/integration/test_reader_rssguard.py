"""RSS Guard 4.0.4 (Debian's package), a second real Google Reader client,
reads feedd (issue 25). It runs with Qt's offscreen platform (no display
needed), in a private data folder holding its own SQLite database: the
test writes a "greader" account of service FreshRSS into that database
(RSS Guard itself adds /api/greader.php to the URL), RSS Guard logs in with
ClientLogin, syncs subscription/list and tag/list into its feed tree, and
on the startup update downloads every feed's items, either by
stream/contents per feed or, with "intelligent synchronization", by
stream/items/ids and stream/items/contents. What it stores must be what
feedd has: the feeds' titles, every item's title, link and long id, its
read and starred states (also after they change in feedd), only unread
items when asked for those, and nothing with a wrong password."""
import base64
import json
import os
import random
import shutil
import sqlite3
import subprocess
import tempfile
import unittest

from harness import wait_until
from reader_harness import ReaderSetup, TwoFeeds
from test_reader_greader import CONF, GR, READ, STARRED, items_of
from pgstore import Store

# RSS Guard keeps a password encrypted with its SimpleCrypt scheme under a
# key read from config/key.private: version 3, no flags (no compression,
# no integrity field), then a random byte and the text, each byte XORed
# with a key byte and the previous output byte.
KEY = 0x5A17C0FFEE123457


def encrypt(text):
    parts = [(KEY >> (8 * i)) & 0xFF for i in range(8)]
    out, last = bytearray(), 0
    for i, c in enumerate(bytes([random.randrange(256)]) + text.encode()):
        last = c ^ parts[i % 8] ^ last
        out.append(last)
    return base64.b64encode(bytes([3, 0]) + bytes(out)).decode()


def long_id(i):
    return "tag:google.com,2005:reader/item/%016x" % i


class RSSGuard(TwoFeeds):
    items_of = staticmethod(items_of)

    def setUp(self):
        self.home = tempfile.mkdtemp(prefix="feedd-rssguard-")
        rs = ReaderSetup(self.home)
        self.port = rs.port
        self.store = Store("rssguard")
        self.d = self.start_feedd(CONF.format(
            port=self.port, auth=rs.auth, store=self.store.line,
            a=self.srv.url("/feed/alpha"), b=self.srv.url("/feed/beta")))
        self.data = os.path.join(self.home, "data")
        self.db = os.path.join(self.data, "database", "database.db")
        os.makedirs(os.path.join(self.data, "config"))
        with open(os.path.join(self.data, "config", "key.private"), "w") as f:
            f.write(str(KEY))
        with open(os.path.join(self.data, "config", "config.ini"), "w") as f:
            f.write("[main]\nfirst_run=false\nfirst_run_4.0.4=false\n"
                    "[feeds]\nfeeds_update_on_startup=true\n"
                    "feeds_update_on_startup_delay=1\n")
        run = os.path.join(self.home, "run")
        os.makedirs(run, mode=0o700)
        self.env = dict(os.environ, HOME=self.home, XDG_RUNTIME_DIR=run,
                        QT_QPA_PLATFORM="offscreen", QTWEBENGINE_DISABLE_SANDBOX="1")
        self.runs = 0
        # A first start makes RSS Guard's database; the account goes in after.
        self.rssguard(lambda out: self.tables_made())

    def tearDown(self):
        self.d.cleanup()
        self.store.drop()
        shutil.rmtree(self.home, ignore_errors=True)

    def tables_made(self):
        if not os.path.exists(self.db):
            return False
        c = sqlite3.connect(self.db)
        try:
            # RSS Guard makes its tables one by one, not in one
            # transaction: wait for every table the tests read.
            return c.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table'"
                             " AND name IN ('Accounts', 'Feeds', 'Messages')"
                             ).fetchone()[0] == 3
        finally:
            c.close()

    def rssguard(self, done, timeout=60):
        """Runs RSS Guard until DONE(its output so far) holds, then stops it;
        returns that output."""
        self.runs += 1
        log = os.path.join(self.home, "rssguard.%d.txt" % self.runs)
        with open(log, "wb") as f:
            p = subprocess.Popen(["rssguard", "-d", self.data], env=self.env,
                                 stdout=f, stderr=subprocess.STDOUT)
        try:
            def out():
                with open(log, "rb") as f:
                    return f.read().decode("utf-8", "replace")
            ok = wait_until(lambda: done(out()) or p.poll() is not None, timeout=timeout)
            text = out()
            self.assertTrue(ok and p.poll() is None,
                            "RSS Guard %s:\n%s" % ("ended" if ok else "timed out", text[-3000:]))
            return text
        finally:
            p.terminate()
            try:
                p.wait(15)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()

    def add_account(self, password="s3cret", url_tail="", **opts):
        data = {"service": 1, "username": "alice", "password": encrypt(password),
                "batch_size": 100, "download_only_unread": False,
                "intelligent_synchronization": False,
                "url": "http://127.0.0.1:%d%s" % (self.port, url_tail)}
        data.update(opts)
        c = sqlite3.connect(self.db)
        c.execute("INSERT INTO Accounts (type, custom_data) VALUES ('greader', ?)",
                  (json.dumps(data),))
        c.commit()
        c.close()

    def query(self, sql):
        c = sqlite3.connect(self.db)
        try:
            return c.execute(sql).fetchall()
        finally:
            c.close()

    def sync(self):
        """One start of RSS Guard: its feed tree first (the startup update
        may come before it on a new account), then a start that updates
        every feed of the tree to the end."""
        if not self.query("SELECT id FROM Feeds"):
            self.rssguard(lambda out: len(self.query("SELECT id FROM Feeds")) == 2)
        return self.rssguard(lambda out: "Finished feed updates" in out)

    def feedd_items(self):
        return self.d.get("/v1/items?limit=1000").json()["items"]

    def messages(self):
        return {m[0]: m[1:] for m in self.query(
            "SELECT custom_id, title, url, is_read, is_important, feed FROM Messages")}

    def check_mirror(self):
        """RSS Guard holds exactly feedd's items, with their states."""
        msgs = self.messages()
        items = self.feedd_items()
        self.assertEqual(set(msgs), {long_id(i["id"]) for i in items})
        for i in items:
            title, url, is_read, is_important, feed = msgs[long_id(i["id"])]
            self.assertEqual((title, url, bool(is_read), bool(is_important)),
                             (i["title"], i["url"], i["read"], i["starred"]), i)
            self.assertEqual(feed, "feed/" + self.srv.url("/feed/" + i["feed"]))
        return msgs

    def test_syncs_feeds_items_and_states_by_stream_contents(self):
        self.add_account()
        out = self.sync()
        self.assertIn("Login successful", out)
        self.assertEqual(sorted(self.query("SELECT title FROM Feeds")),
                         [("Alpha Feed",), ("Beta Feed",)])
        msgs = self.check_mirror()
        self.assertEqual(len(msgs), 8)
        self.assertFalse(any(m[2] for m in msgs.values()))
        # States changed in feedd reach RSS Guard at its next update.
        items = self.feedd_items()
        gr = GR(self.port)
        self.assertEqual(gr.login()[0], 200)
        st, _, body = gr.write("/reader/api/0/edit-tag", ("i", str(items[0]["id"])),
                               ("i", str(items[1]["id"])), ("a", READ))
        self.assertEqual((st, body), (200, b"OK"))
        st, _, body = gr.write("/reader/api/0/edit-tag", ("i", str(items[2]["id"])),
                               ("a", STARRED))
        self.assertEqual((st, body), (200, b"OK"))
        self.sync()
        msgs = self.check_mirror()
        self.assertEqual(sum(1 for m in msgs.values() if m[2]), 2)
        self.assertEqual(sum(1 for m in msgs.values() if m[3]), 1)

    def test_intelligent_synchronization_by_item_ids(self):
        # stream/items/ids of reading-list, read and starred, then
        # stream/items/contents of the ids it does not hold.
        items = self.feedd_items()
        gr = GR(self.port)
        self.assertEqual(gr.login()[0], 200)
        st, _, _ = gr.write("/reader/api/0/edit-tag", ("i", str(items[3]["id"])), ("a", READ))
        self.assertEqual(st, 200)
        self.add_account(intelligent_synchronization=True)
        self.sync()
        msgs = self.check_mirror()
        self.assertEqual(len(msgs), 8)
        self.assertEqual([k for k, m in msgs.items() if m[2]], [long_id(items[3]["id"])])

    def test_only_unread_items_when_asked(self):
        # download_only_unread: every stream asked with xt=.../read.
        items = self.feedd_items()
        gr = GR(self.port)
        self.assertEqual(gr.login()[0], 200)
        st, _, _ = gr.write("/reader/api/0/edit-tag", ("i", str(items[0]["id"])),
                            ("i", str(items[5]["id"])), ("a", READ))
        self.assertEqual(st, 200)
        self.add_account(download_only_unread=True, url_tail="/")
        self.sync()
        msgs = self.messages()
        self.assertEqual(set(msgs), {long_id(i["id"]) for i in self.feedd_items()
                                     if not i["read"]})
        self.assertEqual(len(msgs), 6)

    def test_wrong_password(self):
        self.add_account(password="wrong")
        out = self.rssguard(lambda out: "Login failed" in out)
        self.assertIn("authentication failed", out)
        self.assertEqual(self.query("SELECT id FROM Feeds"), [])
        self.assertEqual(self.query("SELECT id FROM Messages"), [])
        self.assertIn("bad or missing credentials", self.d.read_log())


if __name__ == "__main__":
    unittest.main()
