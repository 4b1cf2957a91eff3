"""`feedctl hooks retry` keeps a feed's deliveries one at a time: parked
deliveries older than one of the feed's that is running wait until it has
ended, then run first, in item order. On PostgreSQL (FEEDD_TEST_STORE, the
pg.hook_retry run) two instances share the store, and the one not running
the feed's delivery must not start the retried ones either."""
import os
import stat
import time
import unittest

from pgstore import Store
from harness import SLOW, Feedd, ServerTestCase, wait_until

CONF = """[daemon]
host_gap = 0s
exec_retry = 1s
exec_jobs = 4
{store}
[defaults]
interval = 1h
min_interval = 1s
allow_private = yes
[feed p]
url = {url}
exec = {hook} {out}
"""

# Records "start ID" and "end ID" around a sleep: long for "title 4" (longer
# than the 5 s between an instance's looks for due deliveries), short else.
SLOW_HOOK = """#!/bin/sh
out="$1"
cat > /dev/null
echo "start $FEEDD_ITEM_ID" >> "$out"
if [ "$FEEDD_TITLE" = "title 4" ]; then sleep 7; else sleep 0.3; fi
echo "end $FEEDD_ITEM_ID" >> "$out"
"""


def items_of(n):
    return [{"guid": "g-%d" % i, "title": "title %d" % i, "link": "http://example.org/%d" % i}
            for i in range(1, n + 1)]


class HookRetryOrder(ServerTestCase):
    def setUp(self):
        self.store = Store("hook_retry")
        self.ds = []

    def tearDown(self):
        for d in self.ds:
            d.cleanup()
        self.store.drop()

    def lines(self):
        try:
            with open(self.out) as f:
                return [l.split() for l in f.read().splitlines() if l]
        except FileNotFoundError:
            return []

    def conf(self, hook):
        return CONF.format(store=self.store.line, url=self.srv.url("/feed/p"), hook=hook,
                           out=self.out)

    def test_retried_older_deliveries_wait_for_the_running_one(self):
        self.srv.set_feed("p", items=items_of(3))
        a = Feedd(None, start=False)
        self.ds.append(a)
        self.out = os.path.join(a.dir, "out")
        hook = os.path.join(a.dir, "hook.sh")
        missing = os.path.join(a.dir, "missing.sh")
        a.write_config(self.conf(missing))
        a.start()
        # A shared store: a second instance, which runs hooks too.
        if self.store.uri:
            b = Feedd(self.conf(missing), start=True)
            self.ds.append(b)
        failed = lambda: a.get("/v1/hooks").json()["failed"]
        self.assertTrue(wait_until(lambda: len(failed()) == 3, timeout=15 * SLOW),
                        (failed(), a.read_log()))
        with open(hook, "w") as f:
            f.write(SLOW_HOOK)
        os.chmod(hook, stat.S_IRWXU)
        for d in self.ds:
            d.write_config(self.conf(hook))
            self.assertEqual(d.post("/v1/reload").status, 200, d.read_log())
        self.srv.set_feed("p", items=items_of(5))
        self.assertEqual(a.post("/v1/feeds/p/refresh").status, 202)
        self.assertTrue(wait_until(lambda: ["start"] == [l[0] for l in self.lines()],
                                   timeout=15 * SLOW), (self.lines(), a.read_log()))
        r = a.feedctl("hooks", "retry")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(b"3 parked deliveries", r.stdout)
        ends = lambda: [l for l in self.lines() if l[0] == "end"]
        self.assertTrue(wait_until(lambda: len(ends()) == 5, timeout=40 * SLOW),
                        (self.lines(), [d.read_log() for d in self.ds]))
        time.sleep(0.5)
        lines = [(ev, int(i)) for ev, i in self.lines()]
        ids = sorted(int(i["id"]) for i in a.get("/v1/items?feed=p").json()["items"])
        # One at a time: each start followed by its own end.
        for k in range(0, len(lines), 2):
            self.assertEqual(lines[k][0], "start", lines)
            self.assertEqual(lines[k + 1], ("end", lines[k][1]), lines)
        runs = [i for ev, i in lines if ev == "start"]
        # The running one (4th), then the retried ones in item order, then 5.
        self.assertEqual(runs, [ids[3], ids[0], ids[1], ids[2], ids[4]], lines)
        self.assertEqual(failed(), [])


if __name__ == "__main__":
    unittest.main()
