"""pgstore.py — runs an integration test on PostgreSQL too: when
FEEDD_TEST_STORE names a postgresql:// server (tests/CMakeLists.txt's pg.*
runs), each test gets a database of its own and its feeds.conf a `store =`
line for it; otherwise the daemon keeps its SQLite store. psql() runs one
statement; Session keeps a psql session open to hold locks with."""
import os
import signal
import subprocess
import time
import unittest

PG = os.environ.get("FEEDD_TEST_STORE", "")


def psql(uri, sql):
    r = subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-At", uri, "-c", sql],
                       capture_output=True, text=True, timeout=60)
    if r.returncode != 0:
        raise AssertionError("psql %s: %s" % (sql, r.stderr))
    return r.stdout.strip()


def with_db(uri, db):
    """URI naming the database DB instead."""
    return uri + ("&" if "?" in uri else "?") + "dbname=" + db


class Store:
    """The [daemon] line naming this test's store ("" for SQLite), and on
    PostgreSQL its database (db) and URI (uri)."""

    def __init__(self, tag):
        self.db = None
        self.uri = None
        self.line = ""
        if PG.startswith("postgresql://"):
            self.db = "feedd_%s_%d" % (tag, os.getpid())
            psql(PG, "DROP DATABASE IF EXISTS %s WITH (FORCE)" % self.db)
            psql(PG, "CREATE DATABASE %s" % self.db)
            self.uri = with_db(PG, self.db)
            self.line = "store = %s\n" % self.uri

    def drop(self):
        if self.db:
            psql(PG, "DROP DATABASE IF EXISTS %s WITH (FORCE)" % self.db)


class Session:
    """A psql session kept open: each send() runs statements in it, so that
    a test holds a lock (a row, a table, an advisory lock) for as long as
    it likes. pg_stat_activity shows it as application_name NAME."""

    def __init__(self, uri, name):
        self.uri = uri
        self.name = name
        self.proc = subprocess.Popen(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-At", uri],
                                     stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE, text=True,
                                     env=dict(os.environ, PGAPPNAME=name))

    def send(self, sql):
        self.proc.stdin.write(sql + "\n")
        self.proc.stdin.flush()

    def state(self):
        """The session's state in pg_stat_activity ("" before it is there)."""
        return psql(self.uri, "SELECT coalesce(max(state), '') FROM pg_stat_activity"
                    " WHERE application_name = '%s'" % self.name)

    def wait_state(self, want, timeout=10):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError("psql %s exited: %s" % (self.name, self.proc.stderr.read()))
            if self.state() == want:
                return
            time.sleep(0.05)
        raise AssertionError("psql %s: not %r after %g s" % (self.name, want, timeout))

    def close(self):
        """Ends the session (an open transaction is rolled back)."""
        if self.proc.poll() is None:
            try:
                self.proc.stdin.close()
            except OSError:
                pass
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc.stderr.close()


class SharedStoreTest(unittest.TestCase):
    """Daemons (self.d, instances A, B…) sharing one PostgreSQL store of
    this test's (self.store, .db, .uri), a fixture server (self.srv) and,
    when a test opens one, a Session holding locks (self.locker); all
    ended by tearDown (a stopped instance is woken first). TAG names the
    database."""
    TAG = "shared"

    def setUp(self):
        from fixture_server import FixtureServer
        self.store = Store(self.TAG)
        self.db, self.uri = self.store.db, self.store.uri
        self.srv = FixtureServer().start()
        self.d = []
        self.locker = None

    def tearDown(self):
        if self.locker:
            self.locker.close()
        for d in self.d:
            if d.proc and d.proc.poll() is None:
                d.signal(signal.SIGCONT)
                d.stop()
            d.cleanup()
        self.srv.stop()
        self.store.drop()

    def logs(self):
        return "\n".join("--- instance %s\n%s" % ("AB"[i], d.read_log()[-5000:])
                         for i, d in enumerate(self.d))
