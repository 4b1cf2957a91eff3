"""Wall-clock steps: due times are wall-clock (stored, they must mean the
same after a restart) while the daemon's timer is not. A step of the clock,
either way, must not stop polling, nor a store written under a clock that
ran ahead keep feeds unpolled after a restart.

The clock is stepped with libfaketime (Debian's faketime, which tools/deps
installs for the tests) through a timestamp file read at every call; the
monotonic clocks are left alone, as a real step leaves them."""
import glob
import os
import time
import unittest

from harness import DaemonTestCase, Feedd, wait_until, SLOW

FAKETIME = (glob.glob("/usr/lib/*/faketime/libfaketime.so.1") +
            glob.glob("/usr/lib/faketime/libfaketime.so.1"))


def faketime_env(path):
    env = {"LD_PRELOAD": FAKETIME[0], "FAKETIME_TIMESTAMP_FILE": path,
           "FAKETIME_NO_CACHE": "1", "DONT_FAKE_MONOTONIC": "1"}
    # Under ASan the preloaded library comes before its runtime.
    asan = os.environ.get("ASAN_OPTIONS")
    env["ASAN_OPTIONS"] = ":".join(filter(None, [asan, "verify_asan_link_order=0"]))
    return env


def set_clock(path, offset):
    with open(path + ".tmp", "w") as f:
        f.write(offset + "\n")
    os.replace(path + ".tmp", path)


CONF = """
[daemon]
host_gap = 0s
[defaults]
interval = 3s
min_interval = 1s
max_interval = 1d
allow_private = yes
[feed a]
url = {url}
"""


@unittest.skipUnless(FAKETIME, "needs libfaketime (Debian: faketime)")
class ClockStep(DaemonTestCase):
    def fetches(self):
        return len(self.srv.log("/feed/clk"))

    def more_fetches(self, n, timeout):
        start = self.fetches()
        return wait_until(lambda: self.fetches() >= start + n, timeout=timeout * SLOW,
                          interval=0.2)

    def test_polling_goes_on_across_a_step_back_and_forward(self):
        self.srv.control(feed="clk", items=[{"guid": "1", "title": "one"}])
        d = Feedd(None, start=False)
        self.d = d
        ft = os.path.join(d.dir, "faketime")
        set_clock(ft, "+0")
        d.env = faketime_env(ft)
        d.write_config(CONF.format(url=self.srv.url("/feed/clk")))
        d.start()
        self.assertTrue(self.more_fetches(1, 15), d.read_log())
        # Back by an hour: the feed due in 3 s is still due in 3 s (before,
        # the timer slept for the hour).
        set_clock(ft, "-1h")
        self.assertTrue(d.wait_log("wall clock stepped back by 3600s", 15), d.read_log())
        self.assertTrue(self.more_fetches(2, 20), d.read_log())
        # Put right: polling goes on at the interval, no SIGHUP needed.
        set_clock(ft, "+0")
        self.assertTrue(d.wait_log("wall clock stepped forward by 3600s", 15), d.read_log())
        self.assertTrue(self.more_fetches(2, 20), d.read_log())

    def test_due_time_stored_under_a_clock_ahead_is_capped_at_start(self):
        self.srv.control(feed="clk", items=[{"guid": "1", "title": "one"}])
        d = Feedd(None, start=False)
        self.d = d
        ft = os.path.join(d.dir, "faketime")
        set_clock(ft, "+30d")
        d.env = faketime_env(ft)
        d.write_config(CONF.format(url=self.srv.url("/feed/clk")))
        d.start()
        self.assertTrue(self.more_fetches(1, 15), d.read_log())
        # Its commit (next_due 30 days out, reason interval) is written
        # by the clean stop.
        self.assertTrue(d.wait_log("fetch a:", 10), d.read_log())
        self.assertEqual(d.stop(), 0)
        d.env = {}
        n = self.fetches()
        d.start()
        # interval = 3s: due within seconds, not in 30 days.
        self.assertTrue(wait_until(lambda: self.fetches() > n, timeout=15 * SLOW,
                                   interval=0.2), d.read_log())
        self.assertIn("stored due time", d.read_log())


if __name__ == "__main__":
    unittest.main()
