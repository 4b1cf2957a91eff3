"""pgstore.py — runs an integration test on PostgreSQL too: when
FEEDD_TEST_STORE names a postgresql:// server (tests/CMakeLists.txt's pg.*
runs), each test gets a database of its own and its feeds.conf a `store =`
line for it; otherwise the daemon keeps its SQLite store."""
import os
import subprocess

PG = os.environ.get("FEEDD_TEST_STORE", "")


def psql(uri, sql):
    r = subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-At", uri, "-c", sql],
                       capture_output=True, text=True, timeout=60)
    if r.returncode != 0:
        raise AssertionError("psql %s: %s" % (sql, r.stderr))
    return r.stdout.strip()


class Store:
    """The [daemon] line naming this test's store ("" for SQLite)."""

    def __init__(self, tag):
        self.db = None
        self.line = ""
        if PG.startswith("postgresql://"):
            self.db = "feedd_%s_%d" % (tag, os.getpid())
            psql(PG, "DROP DATABASE IF EXISTS %s WITH (FORCE)" % self.db)
            psql(PG, "CREATE DATABASE %s" % self.db)
            uri = PG + ("&" if "?" in PG else "?") + "dbname=" + self.db
            self.line = "store = %s\n" % uri

    def drop(self):
        if self.db:
            psql(PG, "DROP DATABASE IF EXISTS %s WITH (FORCE)" % self.db)
