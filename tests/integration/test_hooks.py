"""exec hooks with the real daemon: every new item delivered exactly once to
a hook that succeeds, retried until it does, killed when it hangs, and
never lost across a restart; a huge title capped in the environment but
whole on stdin; a command line that cannot be split refused at load;
deliveries that cannot succeed parked, listed and retried."""
import json
import os
import resource
import signal
import stat
import sys
import time
import unittest

from harness import SLOW, Feedd, ServerTestCase, run_feedd, wait_until

CONF = """[daemon]
host_gap = 0s
exec_timeout = {timeout}
exec_retry = 1s
exec_jobs = {jobs}
[defaults]
interval = 1h
min_interval = 1s
allow_private = yes
[feed a]
url = {url}
exec = {hook} {out}
"""

# Appends what it received to OUT: one JSON line per call, with the env.
RECORD = """#!/bin/sh
out="$1"
item=$(cat)
printf '{"env": {"feed": "%s", "id": "%s", "title": "%s", "url": "%s"}, "item": %s}\\n' \\
    "$FEEDD_FEED" "$FEEDD_ITEM_ID" "$FEEDD_TITLE" "$FEEDD_URL" "$item" >> "$out"
"""

# Fails the first two calls for an item, then succeeds (and records).
FLAKY = """#!/bin/sh
out="$1"
item=$(cat)
n=$(cat "$out.count.$FEEDD_ITEM_ID" 2>/dev/null || echo 0)
n=$((n + 1))
echo $n > "$out.count.$FEEDD_ITEM_ID"
echo "attempt $n for $FEEDD_ITEM_ID" >&2
[ $n -ge 3 ] || exit 1
echo "$item" >> "$out"
"""

# Hangs unless a marker file exists; then records.
HANG = """#!/bin/sh
out="$1"
item=$(cat)
if [ ! -e "$out.release" ]; then
    exec sleep 600
fi
echo "$item" >> "$out"
"""

# Keeps what it got, each in its own file: stdin, FEEDD_TITLE, FEEDD_TRUNCATED.
DUMP = """#!/bin/sh
out="$1"
cat > "$out.stdin.$FEEDD_ITEM_ID"
printf '%s' "$FEEDD_TITLE" > "$out.title.$FEEDD_ITEM_ID"
printf '%s' "$FEEDD_TRUNCATED" > "$out.trunc.$FEEDD_ITEM_ID"
echo "$FEEDD_ITEM_ID" >> "$out"
"""

# Records the item, then exits 0 leaving a child behind that holds the
# hook's stdout and stderr open for 100 s.
LEFTOVER = """#!/bin/sh
out="$1"
item=$(cat)
sleep 100 &
echo $! >> "$out.children"
echo "$item" >> "$out"
exit 0
"""

# Hangs, with a child of its own that holds stderr open too.
STUCK = """#!/bin/sh
out="$1"
cat > /dev/null
sleep 600 &
echo $! >> "$out.children"
(trap '' TERM; exec sleep 600) &
echo $! >> "$out.children"
exec sleep 600
"""

# Writes the descriptors it has open, with what each is, to OUT as JSON.
# listdir's own descriptor is closed again by the time of the fstat.
FDS = """#!%s
import json, os, sys
sys.stdin.read()
fds = {}
for name in os.listdir("/proc/self/fd"):
    try:
        os.fstat(int(name))
        fds[name] = os.readlink("/proc/self/fd/" + name)
    except OSError:
        pass
with open(sys.argv[1], "a") as f:
    f.write(json.dumps(fds) + "\\n")
""" % sys.executable

# Floods stderr: one 3 MB line for "title 1", 50 short lines for the other.
FLOOD = """#!/bin/sh
out="$1"
cat > /dev/null
if [ "$FEEDD_TITLE" = "title 1" ]; then
    head -c 3000000 /dev/zero | tr '\\0' x >&2
else
    for i in $(seq -w 1 50); do echo "noise $i" >&2; done
fi
echo "$FEEDD_ITEM_ID" >> "$out"
"""

# Writes terminal escapes, broken UTF-8 and a NUL to stderr, then records.
HOSTILE_STDERR = """#!/bin/sh
out="$1"
cat > /dev/null
printf 'post failed "\\033]0;owned\\007\\033[2J" bad\\377\\376 cr\\rX nul\\000after-nul\\n' >&2
echo "$FEEDD_ITEM_ID" >> "$out"
"""

# Appends its arguments and its FEEDD_TITLE to OUT, as one JSON line.
ARGS = """#!%s
import json, os, sys
sys.stdin.read()
with open(sys.argv[1], "a") as f:
    f.write(json.dumps({"args": sys.argv[2:], "title": os.environ["FEEDD_TITLE"]}) + "\\n")
""" % sys.executable

# Everything a shell would act on, in an item's title.
NASTY_TITLE = 'say "hi" \'there\' $(touch X) `touch Y` ${HOME} $FEEDD_URL *\nline 2\\ end'

FAIL = """#!/bin/sh
cat > /dev/null
echo "broken hook" >&2
exit 1
"""


def items_of(n, start=1):
    return [{"guid": "g-%d" % i, "title": "title %d" % i, "link": "http://example.org/%d" % i}
            for i in range(start, start + n)]


class HookTest(ServerTestCase):
    def start(self, script, timeout="30s", feed="a", jobs=2):
        self.srv.set_feed(feed, items=items_of(2))
        self.d = Feedd(None, start=False)
        self.hook = os.path.join(self.d.dir, "hook.sh")
        with open(self.hook, "w") as f:
            f.write(script)
        os.chmod(self.hook, stat.S_IRWXU)
        self.out = os.path.join(self.d.dir, "out")
        self.d.write_config(CONF.format(url=self.srv.url("/feed/" + feed), hook=self.hook,
                                        out=self.out, timeout=timeout, jobs=jobs))
        self.d.start()

    def tearDown(self):
        for pid in self.children():     # before cleanup removes the list
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.d.cleanup()

    def lines(self):
        try:
            with open(self.out) as f:
                return [l for l in f.read().splitlines() if l]
        except FileNotFoundError:
            return []

    def children(self):
        """The pids the hooks wrote to OUT.children."""
        try:
            with open(self.out + ".children") as f:
                return [int(l) for l in f.read().split()]
        except (AttributeError, FileNotFoundError):
            return []

    @staticmethod
    def alive(pid):
        try:
            with open("/proc/%d/stat" % pid) as f:
                return f.read().rpartition(")")[2].split()[0] != "Z"
        except FileNotFoundError:
            return False

    def refresh(self, count):
        self.assertEqual(self.d.post("/v1/feeds/a/refresh").status, 202)
        self.assertTrue(wait_until(lambda: self.d.get("/v1/feeds/a").json()["items"] == count))

    def test_each_new_item_exactly_once(self):
        self.start(RECORD)
        self.refresh(2)
        self.assertTrue(wait_until(lambda: len(self.lines()) == 2), self.d.read_log())
        self.srv.set_feed("a", items=items_of(3))
        self.refresh(3)
        self.assertTrue(wait_until(lambda: len(self.lines()) == 3), self.d.read_log())
        # An unchanged feed and a title edit announce nothing new.
        edited = items_of(3)
        edited[0]["title"] = "title 1, edited"
        self.srv.set_feed("a", items=edited)
        self.refresh(3)
        time.sleep(1.5 * SLOW)
        got = [json.loads(l) for l in self.lines()]
        self.assertEqual(len(got), 3)
        self.assertEqual(sorted(g["item"]["title"] for g in got), ["title 1", "title 2", "title 3"])
        for g in got:
            self.assertEqual(g["env"]["feed"], "a")
            self.assertEqual(g["env"]["id"], str(g["item"]["id"]))
            self.assertEqual(g["env"]["title"], g["item"]["title"])
            self.assertEqual(g["env"]["url"], g["item"]["url"])
        feed = self.d.get("/v1/feeds/a").json()
        self.assertEqual((feed["hooks_pending"], feed["hooks_failed"]), (0, 0))

    def test_failures_are_retried_until_success(self):
        self.start(FLAKY)
        self.refresh(2)
        # Attempts at t, t+1s, t+3s (retry 1s doubling): two failures, then ok.
        self.assertTrue(wait_until(lambda: len(self.lines()) == 2, timeout=20),
                        self.d.read_log())
        ids = sorted(json.loads(l)["id"] for l in self.lines())
        for i in ids:
            with open("%s.count.%d" % (self.out, i)) as f:
                self.assertEqual(f.read().strip(), "3")
        self.assertIn("attempt 1 for", self.d.read_log())    # hook stderr is logged
        self.assertIn("hook a: item", self.d.read_log())
        time.sleep(2 * SLOW)                                  # and never again
        self.assertEqual(len(self.lines()), 2)
        feed = self.d.get("/v1/feeds/a").json()
        self.assertEqual(feed["hooks_pending"], 0)

    def test_a_hanging_hook_is_killed_and_retried(self):
        self.start(HANG, timeout="1s")
        self.refresh(2)
        self.assertTrue(self.d.wait_log("still running after 1s: SIGTERM", timeout=10),
                        self.d.read_log())
        self.assertTrue(self.d.wait_log("timed out, killed", timeout=10), self.d.read_log())
        open(self.out + ".release", "w").close()
        self.assertTrue(wait_until(lambda: len(self.lines()) == 2, timeout=20),
                        self.d.read_log())

    def test_pending_deliveries_survive_a_restart(self):
        self.start(HANG, timeout="60s")
        self.refresh(2)
        self.assertTrue(wait_until(lambda: self.d.get("/v1/feeds/a").json()["hooks_pending"] == 2))
        t0 = time.monotonic()
        self.assertEqual(self.d.stop(), 0)       # hooks running: stop is still prompt
        self.assertLess(time.monotonic() - t0, 10 * SLOW)
        self.assertEqual(self.lines(), [])
        open(self.out + ".release", "w").close()
        self.d.start()
        self.assertTrue(wait_until(lambda: len(self.lines()) == 2, timeout=20),
                        self.d.read_log())
        ids = sorted(json.loads(l)["id"] for l in self.lines())
        self.assertEqual(len(set(ids)), 2)


    def test_a_hook_that_leaves_a_child_behind_is_done_when_it_exits(self):
        # The child holds the hook's stderr open for 100 s: the delivery
        # (and the only exec_jobs slot) ends with the hook, not with it.
        self.start(LEFTOVER, jobs=1)
        self.refresh(2)
        self.assertTrue(wait_until(lambda: len(self.lines()) == 2, timeout=5 * SLOW),
                        self.d.read_log())
        self.assertTrue(wait_until(
            lambda: self.d.get("/v1/feeds/a").json()["hooks_pending"] == 0, timeout=5 * SLOW),
            self.d.read_log())
        self.assertEqual(len(self.children()), 2)
        self.assertTrue(all(self.alive(p) for p in self.children()))
        # Stopping does not wait for them either.
        t0 = time.monotonic()
        self.assertEqual(self.d.stop(), 0)
        self.assertLess(time.monotonic() - t0, 5 * SLOW)

    def test_a_timeout_kills_the_hook_and_what_it_started(self):
        # A hook past exec_timeout gets SIGTERM with its process group: its
        # children, which hold stderr open, go too (one that ignores
        # SIGTERM gets SIGKILL once the hook is gone), and the delivery is
        # tried again (exec_retry 1s) rather than held by a child.
        self.start(STUCK, timeout="1s", jobs=1)
        self.refresh(2)
        self.assertTrue(wait_until(
            lambda: self.d.read_log().count("timed out, killed") >= 2, timeout=10 * SLOW),
            self.d.read_log())
        self.assertGreaterEqual(len(self.children()), 4)
        self.assertTrue(wait_until(lambda: not any(self.alive(p) for p in self.children()),
                                   timeout=2 * SLOW), self.children())
        t0 = time.monotonic()
        self.assertEqual(self.d.stop(), 0)
        self.assertLess(time.monotonic() - t0, 8 * SLOW)
        self.assertFalse(any(self.alive(p) for p in self.children()))

    def test_a_hook_has_only_stdin_stdout_and_stderr_open(self):
        # Nothing of the daemon's (its store, its socket, libcurl's
        # socketpair, the API's listener) reaches the hook.
        self.start(FDS)
        self.refresh(2)
        self.assertTrue(wait_until(lambda: len(self.lines()) == 2, timeout=5 * SLOW),
                        self.d.read_log())
        for line in self.lines():
            self.assertEqual(sorted(json.loads(line)), ["0", "1", "2"], line)

    def test_a_hook_flooding_stderr_logs_a_bounded_amount(self):
        # 10 lines of at most 512 bytes per delivery, then one line with
        # the count of what was left out; the rest is read and dropped.
        self.start(FLOOD)
        self.refresh(2)
        self.assertTrue(wait_until(lambda: len(self.lines()) == 2, timeout=10 * SLOW),
                        self.d.read_log()[-2000:])
        self.assertTrue(wait_until(
            lambda: self.d.get("/v1/feeds/a").json()["hooks_pending"] == 0, timeout=5 * SLOW))
        log = self.d.read_log().splitlines()
        ids = {i["title"]: i["id"] for i in self.d.get("/v1/items?feed=a").json()["items"]}
        long = [l for l in log if "xxxx" in l]
        self.assertEqual(len(long), 1, len(long))
        self.assertTrue(long[0].endswith("hook a: " + "x" * 512), long[0][:100])
        self.assertIn("hook a: item %d: 2999488 more bytes of stderr not logged" % ids["title 1"],
                      "\n".join(log))
        noise = [l.rpartition("hook a: ")[2] for l in log if "noise" in l]
        self.assertEqual(noise, ["noise %02d" % i for i in range(1, 11)])
        self.assertIn("hook a: item %d: 360 more bytes of stderr not logged" % ids["title 2"],
                      "\n".join(log))
        self.assertLess(len(log), 60)


    def test_a_hooks_stderr_is_logged_without_control_bytes(self):
        self.start(HOSTILE_STDERR)
        def logged():
            with open(self.d.log_path, "rb") as f:
                return [l for l in f.read().split(b"\n") if b"post failed" in l]
        self.assertTrue(wait_until(lambda: len(self.lines()) == 2, timeout=10 * SLOW))
        self.assertTrue(wait_until(lambda: len(logged()) == 2), logged())
        log = logged()
        for l in log:
            self.assertTrue(l.endswith(b'hook a: post failed "\\x1b]0;owned\\x07\\x1b[2J"'
                                       b" bad\xef\xbf\xbd\xef\xbf\xbd cr X nul\\x00after-nul"),
                            l)


class HookArgsTest(ServerTestCase):
    """The item's $FEEDD_X in the exec line are its values, each part of
    the word it is in, byte for byte, never split or parsed again; other
    $VARs are the daemon's."""

    def tearDown(self):
        self.d.cleanup()

    def test_item_variables_in_the_exec_line_take_the_items_values(self):
        self.srv.set_feed("args", items=[
            {"guid": "n-1", "title": NASTY_TITLE, "link": "http://example.org/x?a=1&b=2"},
            {"guid": "n-2", "title": "plain"}])
        self.d = Feedd(None, start=False, env={"HOOKTAG": "from the daemon"})
        hook = os.path.join(self.d.dir, "args.py")
        with open(hook, "w") as f:
            f.write(ARGS)
        os.chmod(hook, stat.S_IRWXU)
        out = os.path.join(self.d.dir, "out")
        text = CONF.format(url=self.srv.url("/feed/args"), hook=hook, out=out, timeout="30s",
                           jobs=2)
        text = text.replace(out + "\n", out + " \"$FEEDD_TITLE\" t=$FEEDD_TITLE"
                            " \"<${FEEDD_URL}>\" '$FEEDD_TITLE' \\$FEEDD_FEED"
                            " $FEEDD_FEED:$FEEDD_ITEM_ID \"$HOOKTAG\"\n")
        self.d.write_config(text)
        r = run_feedd("--check-config", "-c", self.d.config)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.d.start()
        def got():
            try:
                with open(out) as f:
                    return [json.loads(l) for l in f.read().splitlines() if l]
            except FileNotFoundError:
                return []
        self.assertTrue(wait_until(lambda: len(got()) == 2, timeout=10 * SLOW),
                        self.d.read_log())
        items = {i["title"]: i for i in self.d.get("/v1/items?feed=a").json()["items"]}
        for g in got():
            title = g["title"]
            item = items[title]
            url = item.get("url") or ""
            self.assertEqual(g["args"], [title, "t=" + title, "<%s>" % url, "$FEEDD_TITLE",
                                         "$FEEDD_FEED", "a:%d" % item["id"],
                                         "from the daemon"], g)
        # The title, newline and all, reached the hook whole (its args above).
        self.assertIn(NASTY_TITLE, items)
        for name in ("X", "Y"):
            self.assertFalse(os.path.exists(os.path.join(self.d.dir, name)))
            self.assertFalse(os.path.exists(os.path.join(self.d.state_dir, name)))

    def test_an_unknown_item_variable_is_refused_at_load(self):
        self.d = Feedd(None, start=False)
        text = CONF.format(url=self.srv.url("/feed/args"), hook="/bin/true", out="x",
                           timeout="30s", jobs=2)
        text = text.replace("exec = /bin/true x", 'exec = /bin/true "$FEEDD_TITEL"')
        self.d.write_config(text)
        r = run_feedd("--check-config", "-c", self.d.config)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn(b"feeds.conf:12:", r.stderr)
        self.assertIn(b"no variable $FEEDD_TITEL", r.stderr)


class HookLimitsTest(ServerTestCase):
    def setUp(self):
        self.d = Feedd(None, start=False)
        self.out = os.path.join(self.d.dir, "out")

    def tearDown(self):
        self.d.cleanup()

    def ids(self):
        try:
            with open(self.out) as f:
                return f.read().split()
        except FileNotFoundError:
            return []

    def conf(self, hook):
        return CONF.format(url=self.srv.url("/feed/big"), hook=hook, out=self.out,
                           timeout="30s", jobs=2)

    def test_a_300k_title_reaches_the_hook_capped_in_the_environment(self):
        # Over MAX_ARG_STRLEN (128 KiB): exec used to fail with E2BIG, 8 times.
        # "x" then two-byte characters: the 4096-byte cap falls inside one.
        title = "x" + "\u00e9" * 150000
        items = items_of(2)
        items[0]["title"] = title
        self.srv.set_feed("big", items=items)
        hook = os.path.join(self.d.dir, "hook.sh")
        with open(hook, "w") as f:
            f.write(DUMP)
        os.chmod(hook, stat.S_IRWXU)
        self.d.write_config(self.conf(hook))
        self.d.start()
        self.assertEqual(self.d.post("/v1/feeds/a/refresh").status, 202)
        self.assertTrue(wait_until(lambda: len(self.ids()) == 2, timeout=20), self.d.read_log())
        got = {}
        for i in self.ids():
            with open("%s.stdin.%s" % (self.out, i), "rb") as f:
                item = json.loads(f.read())
            with open("%s.title.%s" % (self.out, i), "rb") as f:
                env_title = f.read()
            with open("%s.trunc.%s" % (self.out, i), "rb") as f:
                trunc = f.read().decode()
            got[item["title"]] = (env_title, trunc)
        self.assertIn(title, got)                  # stdin: the whole item
        env_title, trunc = got[title]
        self.assertEqual(trunc, "FEEDD_TITLE")
        self.assertEqual(len(env_title), 4095)     # cut before the split "é"
        self.assertEqual(env_title.decode("utf-8"), title[:2048])
        self.assertEqual(got["title 2"], (b"title 2", ""))
        # The hook's files exist before its exit is recorded: wait for that.
        self.assertTrue(wait_until(
            lambda: self.d.get("/v1/feeds/a").json()["hooks_pending"] == 0, timeout=10 * SLOW))
        feed = self.d.get("/v1/feeds/a").json()
        self.assertEqual((feed["hooks_pending"], feed["hooks_failed"]), (0, 0))

    def test_an_environment_too_large_is_named(self):
        # The kernel's limit on a command's strings is a quarter of its stack
        # limit, never under 128 KiB: with the daemon's own environment near
        # that and the stack limit at 512 KiB, no hook can start.
        items = items_of(1)
        items[0]["title"] = "t" * 4000
        self.srv.set_feed("big", items=items)
        self.d.env = {"TEST_BIG": "x" * (126 * 1024)}
        self.d.write_config(self.conf(self.script_path()))
        self.d.start()
        resource.prlimit(self.d.proc.pid, resource.RLIMIT_STACK, (512 * 1024, 512 * 1024))
        self.assertEqual(self.d.post("/v1/feeds/a/refresh").status, 202)
        self.assertTrue(self.d.wait_log("the hook's environment is too large (E2BIG)"),
                        self.d.read_log())
        self.assertNotIn("argument list too long", self.d.read_log())

    def script_path(self):
        hook = os.path.join(self.d.dir, "hook.sh")
        with open(hook, "w") as f:
            f.write(DUMP)
        os.chmod(hook, stat.S_IRWXU)
        return hook

    def test_an_unsplittable_exec_line_is_refused_at_load(self):
        bad = '/bin/echo "unbalanced'
        good = self.conf("/bin/true")
        lines = good.splitlines()
        lineno = next(i for i, l in enumerate(lines, 1) if l.startswith("exec ="))
        lines[lineno - 1] = "exec = " + bad
        self.d.write_config("\n".join(lines) + "\n")
        where = "%s:%d:" % (self.d.config, lineno)
        r = run_feedd("--check-config", "-c", self.d.config)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn(where, r.stderr.decode())
        self.assertIn("cannot split the command line", r.stderr.decode())
        # Start refuses it.
        with self.assertRaises(AssertionError):
            self.d.start()
        self.assertIn(where, self.d.read_log())
        # A reload refuses it and keeps the running set.
        self.d.write_config(good)
        self.d.start()
        self.d.write_config("\n".join(lines) + "\n")
        self.d.signal(signal.SIGHUP)
        self.assertTrue(self.d.wait_log(where), self.d.read_log())
        self.assertEqual(self.d.get("/v1/feeds/a").status, 200)
        self.assertEqual(self.d.proc.poll(), None)


class HookParkTest(ServerTestCase):
    """A delivery that cannot succeed is parked, not dropped: listed with
    its last error (GET /v1/hooks, feedctl hooks) and delivered once the
    cause is fixed (POST /v1/hooks/retry, feedctl hooks retry)."""

    def setUp(self):
        self.d = Feedd(None, start=False)
        self.out = os.path.join(self.d.dir, "out")

    def tearDown(self):
        self.d.cleanup()

    def script(self, name, text):
        path = os.path.join(self.d.dir, name)
        with open(path, "w") as f:
            f.write(text)
        os.chmod(path, stat.S_IRWXU)
        return path

    def conf(self, hook):
        text = CONF.format(url=self.srv.url("/feed/park"), hook=hook, out=self.out,
                           timeout="30s", jobs=1)
        if hook is None:
            text = "\n".join(l for l in text.splitlines() if not l.startswith("exec ="))
        return text

    def reload(self, text):
        self.d.write_config(text)
        self.assertEqual(self.d.post("/v1/reload").status, 200, self.d.read_log())

    def failed(self):
        return self.d.get("/v1/hooks").json()["failed"]

    def lines(self):
        try:
            with open(self.out) as f:
                return [l for l in f.read().splitlines() if l]
        except FileNotFoundError:
            return []

    def test_parked_deliveries_are_listed_and_retried_once_fixed(self):
        self.srv.set_feed("park", items=items_of(3))
        self.d.write_config(self.conf(self.script("broken.sh", FAIL)))
        self.d.start()
        self.assertEqual(self.d.post("/v1/feeds/a/refresh").status, 202)
        self.assertTrue(self.d.wait_log("broken hook", timeout=10), self.d.read_log())
        # The hook goes from the config: what is pending can never run.
        self.reload(self.conf(None))
        self.assertTrue(wait_until(lambda: len(self.failed()) == 3, timeout=20),
                        self.d.read_log())
        failed = self.failed()
        ids = [f["item"] for f in failed]
        self.assertEqual(ids, sorted(ids))
        for f in failed:
            self.assertEqual(f["feed"], "a")
            self.assertEqual(f["error"], "the feed no longer has an exec hook")
            self.assertGreaterEqual(f["attempts"], 1)
        self.assertEqual(sorted(f["title"] for f in failed), ["title 1", "title 2", "title 3"])
        r = self.d.feedctl("hooks")
        self.assertEqual(r.returncode, 0, r.stderr)
        out = r.stdout.decode().splitlines()
        self.assertEqual(out[0].split("\t"), ["FEED", "ITEM", "TRIES", "ERROR", "TITLE"])
        self.assertEqual(len(out), 4)
        self.assertIn("the feed no longer has an exec hook", out[1])
        self.assertEqual(json.loads(self.d.feedctl("hooks", "a", "--json").stdout)["failed"],
                         failed)
        feed = self.d.get("/v1/feeds/a").json()
        self.assertEqual((feed["hooks_pending"], feed["hooks_failed"]), (0, 3))
        # Fixed: a working hook again. Parked stays parked until asked.
        self.reload(self.conf(self.script("record.sh", RECORD)))
        time.sleep(1.5 * SLOW)
        self.assertEqual(self.lines(), [])
        self.assertEqual(len(self.failed()), 3)
        r = self.d.feedctl("hooks", "retry", "nosuch")
        self.assertEqual(r.returncode, 4)
        self.assertIn(b"unknown feed", r.stderr)
        r = self.d.feedctl("hooks", "retry", "a")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(b"3 parked deliveries of a due again", r.stdout)
        self.assertTrue(wait_until(lambda: len(self.lines()) == 3, timeout=20),
                        self.d.read_log())
        got = [json.loads(l)["item"]["id"] for l in self.lines()]
        self.assertEqual(got, ids)                      # once each, in order
        time.sleep(1.5 * SLOW)
        self.assertEqual(len(self.lines()), 3)
        self.assertEqual(self.failed(), [])
        feed = self.d.get("/v1/feeds/a").json()
        self.assertEqual((feed["hooks_pending"], feed["hooks_failed"]), (0, 0))
        # Nothing left: a retry of every feed retries nothing.
        self.assertEqual(self.d.post("/v1/hooks/retry").json(), {"feed": None, "retried": 0})


# Records "start FEED ID" and "end FEED ID" around a random sleep; fails
# the first attempt at the feed's second item (a count file per item).
ORDER = """#!/bin/sh
out="$1"
cat > /dev/null
echo "start $FEEDD_FEED $FEEDD_ITEM_ID" >> "$out"
sleep "0.$(od -An -N1 -tu1 /dev/urandom | awk '{printf "%03d", $1 * 1.5}')"
n=$(cat "$out.count.$FEEDD_ITEM_ID" 2>/dev/null || echo 0)
echo $((n + 1)) > "$out.count.$FEEDD_ITEM_ID"
if [ "$FEEDD_TITLE" = "title 2" ] && [ "$n" = 0 ]; then
    echo "fail $FEEDD_FEED $FEEDD_ITEM_ID" >> "$out"
    exit 1
fi
echo "end $FEEDD_FEED $FEEDD_ITEM_ID" >> "$out"
"""


class HookOrderTest(ServerTestCase):
    """Deliveries of one feed run one at a time, in item order, whatever
    exec_jobs is (a retrying one holds the later ones back); different
    feeds run side by side. A hook whose program is missing or not
    executable is parked at once, naming the command and the error."""

    def setUp(self):
        self.d = Feedd(None, start=False)
        self.out = os.path.join(self.d.dir, "out")

    def tearDown(self):
        self.d.cleanup()

    def lines(self):
        try:
            with open(self.out) as f:
                return [l.split() for l in f.read().splitlines() if l]
        except FileNotFoundError:
            return []

    def conf(self, hook, feeds):
        text = ("[daemon]\nhost_gap = 0s\nexec_timeout = 30s\nexec_retry = 1s\n"
                "exec_jobs = 4\n[defaults]\ninterval = 1h\nallow_private = yes\n")
        for f in feeds:
            text += "[feed %s]\nurl = %s\nexec = %s %s\n" % (
                f, self.srv.url("/feed/order-" + f), hook, self.out)
        return text

    def test_one_feed_in_item_order_with_exec_jobs_4(self):
        n = 6
        for f in ("a", "b"):
            self.srv.set_feed("order-" + f, items=items_of(n))
        hook = os.path.join(self.d.dir, "order.sh")
        with open(hook, "w") as fh:
            fh.write(ORDER)
        os.chmod(hook, stat.S_IRWXU)
        self.d.write_config(self.conf(hook, ("a", "b")))
        self.d.start()
        ends = lambda: [l for l in self.lines() if l[0] == "end"]
        self.assertTrue(wait_until(lambda: len(ends()) == 2 * n, timeout=60 * SLOW),
                        (self.lines(), self.d.read_log()))
        lines = self.lines()
        ids = {f: sorted(int(i["id"]) for i in self.d.get("/v1/items?feed=" + f).json()["items"])
               for f in ("a", "b")}
        overlap = False
        for f in ("a", "b"):
            mine = [(ev, int(i)) for ev, feed, i in lines if feed == f]
            # start/end (or start/fail) pairs, one at a time, in item order;
            # the failed second item is run again before the third starts.
            pairs = [(mine[k], mine[k + 1]) for k in range(0, len(mine), 2)]
            self.assertEqual(len(mine) % 2, 0, mine)
            for (ev0, i0), (ev1, i1) in pairs:
                self.assertEqual((ev0, i0), ("start", i1), mine)
                self.assertIn(ev1, ("end", "fail"), mine)
            runs = [i for (_, i), _ in pairs]
            self.assertEqual(runs, [ids[f][0]] + [ids[f][1]] * 2 + ids[f][2:], mine)
            self.assertEqual([ev for _, (ev, _) in pairs].count("fail"), 1, mine)
        # Different feeds were delivered side by side at least once.
        running = set()
        for ev, feed, _ in lines:
            if ev == "start":
                running.add(feed)
                overlap = overlap or len(running) == 2
            else:
                running.discard(feed)
        self.assertTrue(overlap, lines)
        self.assertEqual(self.d.get("/v1/hooks").json()["failed"], [])

    def test_a_missing_or_unrunnable_program_is_parked_at_once(self):
        self.srv.set_feed("order-a", items=items_of(3))
        self.srv.set_feed("order-b", items=items_of(1, start=10))
        missing = os.path.join(self.d.dir, "later.sh")
        noexec = os.path.join(self.d.dir, "noexec.sh")
        with open(noexec, "w") as fh:
            fh.write(RECORD)
        os.chmod(noexec, 0o644)
        text = self.conf(missing, ("a",)) + "[feed b]\nurl = %s\nexec = %s %s\n" % (
            self.srv.url("/feed/order-b"), noexec, self.out)
        self.d.write_config(text)
        self.d.start()
        failed = lambda: self.d.get("/v1/hooks").json()["failed"]
        # Parked at the first attempt, not after 8 (1 s, 2 s, 4 s ... apart).
        self.assertTrue(wait_until(lambda: len(failed()) == 4, timeout=10 * SLOW),
                        (failed(), self.d.read_log()))
        for f in failed():
            self.assertEqual(f["attempts"], 1, f)
            if f["feed"] == "a":
                self.assertEqual(f["error"], "cannot run %s: no such file or directory (ENOENT)"
                                 % missing)
            else:
                self.assertEqual(f["error"], "cannot run %s: permission denied (EACCES)"
                                 % noexec)
        self.assertIn("parked (fix it, then feedctl hooks retry a)", self.d.read_log())
        self.assertEqual(self.d.read_log().count("hook a: item"), 3, self.d.read_log())
        # Fixed: delivered once each, in item order.
        with open(missing, "w") as fh:
            fh.write(RECORD)
        os.chmod(missing, stat.S_IRWXU)
        os.chmod(noexec, stat.S_IRWXU)
        r = self.d.feedctl("hooks", "retry")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(wait_until(lambda: len(self.lines()) == 4, timeout=20 * SLOW),
                        self.d.read_log())
        self.assertEqual(failed(), [])
        with open(self.out) as fh:
            got = [json.loads(l)["item"] for l in fh.read().splitlines() if l]
        a = [i["id"] for i in got if i["feed"] == "a"]
        self.assertEqual(a, sorted(a))
        self.assertEqual(len(a), 3)


if __name__ == "__main__":
    unittest.main()
