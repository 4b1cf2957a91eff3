"""What the reader APIs' tests share (test_reader_api.py,
test_reader_newsboat.py, test_reader_greader.py, test_reader_feedhq.py,
test_reader_rssguard.py): a credentials file and the [daemon] lines that
open the listener on a free loopback port, HTTP Basic headers, the fixture
feeds' items, the two-feed case every client test starts from, and
newsboat run in a private HOME."""
import base64
import os
import re
import socket
import subprocess

from harness import Feedd, ServerTestCase, wait_until


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class ReaderSetup:
    """reader_auth in DIR (CREDS, file mode MODE) and a free port: LINES
    are the [daemon] settings naming both (PORT given: that one)."""

    def __init__(self, dir, creds="alice:s3cret\n", mode=0o600, port=None):
        self.auth = os.path.join(dir, "reader.auth")
        with open(self.auth, "w") as f:
            f.write(creds)
        os.chmod(self.auth, mode)
        self.port = port or free_port()
        self.lines = self.daemon_lines(self.port)

    def daemon_lines(self, port):
        return "reader_listen = 127.0.0.1:%d\nreader_auth = %s\n" % (port, self.auth)


def basic(user, password):
    token = base64.b64encode(("%s:%s" % (user, password)).encode()).decode()
    return {"Authorization": "Basic " + token}


def items_of(name, n):
    """N items of feed NAME, one a day from 1 January 2024."""
    return [{"guid": "%s-%d" % (name, i), "title": "%s title %d" % (name, i),
             "link": "http://example.org/%s/%d" % (name, i),
             "published": "Mon, 0%d Jan 2024 10:00:00 GMT" % i} for i in range(1, n + 1)]


class TwoFeeds(ServerTestCase):
    """A fixture server with feed alpha (5 items, ITEMS_OF's) and beta
    (3); start_feedd runs feedd on a config and has it store them all."""
    items_of = staticmethod(items_of)

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.srv.set_feed("alpha", items=cls.items_of("alpha", 5), title="Alpha Feed")
        cls.srv.set_feed("beta", items=cls.items_of("beta", 3), title="Beta Feed")

    def start_feedd(self, conf):
        d = Feedd(conf)
        for name, n in (("alpha", 5), ("beta", 3)):
            self.assertEqual(d.post("/v1/feeds/%s/refresh" % name).status, 202)
            self.assertTrue(wait_until(
                lambda: d.get("/v1/feeds/" + name).json().get("items") == n))
        return d


def run_newsboat(home, source, *args):
    """newsboat 2.21 with SOURCE (its config lines: urls-source and the
    backend's url, login and password) in the private HOME, cache and urls
    file there too; the CompletedProcess."""
    conf = os.path.join(home, "config")
    with open(conf, "w") as f:
        f.write(source)
    urls = os.path.join(home, "urls")
    open(urls, "a").close()
    env = {"HOME": home, "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
           "LANG": "C.UTF-8", "TERM": "dumb"}
    return subprocess.run(["newsboat", "-C", conf, "-u", urls,
                           "-c", os.path.join(home, "cache.db")] + list(args),
                          env=env, stdin=subprocess.DEVNULL, capture_output=True,
                          timeout=60)


def newsboat_unread(test, home, source):
    """newsboat's unread count after a reload, asserted on TEST."""
    r = run_newsboat(home, source, "-x", "reload", "-x", "print-unread")
    test.assertEqual(r.returncode, 0, r.stderr)
    m = re.search(rb"(\d+) unread articles", r.stdout)
    test.assertIsNotNone(m, r.stdout)
    return int(m.group(1))
