"""feedd as a systemd service: installation, the units, notify, socket activation.

The test machines have no systemd as PID 1, so the units are checked with
systemd-analyze (verify, security --offline) on the tree `cmake --install`
produces in a temporary DESTDIR; the daemon's side of the protocol (READY,
WATCHDOG, the passed socket) is checked against the real binary without
systemd: a NOTIFY_SOCKET read by the harness, and systemd-socket-activate.
"""
import ipaddress
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import unittest

from harness import (Feedd, FEEDD_BIN, SOURCE_DIR, SLOW, NotifyListener,
                     UnixHTTPConnection, wait_until)

BUILD_DIR = os.environ.get("FEEDD_BUILD_DIR")
UNIT = os.path.join(SOURCE_DIR, "systemd", "feedd.service")

# Everything `cmake --install --prefix /usr` puts in DESTDIR, and nothing else.
EXPECTED = sorted([
    "etc/feedd/feeds.conf",
    "usr/bin/feedctl",
    "usr/lib/systemd/system/feedd.service",
    "usr/lib/systemd/system/feedd.socket",
    "usr/lib/systemd/user/feedd.service",
    "usr/lib/systemd/user/feedd.socket",
    "usr/lib/sysusers.d/feedd.conf",
    "usr/sbin/feedd",
    "usr/share/bash-completion/completions/feedctl",
    "usr/share/fish/vendor_completions.d/feedctl.fish",
    "usr/share/man/man1/feedctl.1",
    "usr/share/man/man5/feeds.conf.5",
    "usr/share/man/man8/feedd.8",
    "usr/share/zsh/vendor-completions/_feedctl",
])

CONFIG = """
[defaults]
interval = 1h
[feed one]
url = http://127.0.0.1:9/one.xml
enabled = no
"""


def unit_entries(path, section="Service"):
    """(key, value) pairs of one section, with continuation lines joined."""
    with open(path) as f:
        text = f.read().replace("\\\n", " ")
    out, cur = [], None
    for line in text.splitlines():
        line = line.strip()
        if not line or line[0] in "#;":
            continue
        if line.startswith("["):
            cur = line.strip("[]")
            continue
        if cur == section and "=" in line:
            k, v = line.split("=", 1)
            out.append((k.strip(), v.strip()))
    return out


def files_under(root):
    found = []
    for d, _, files in os.walk(root):
        for name in files:
            found.append(os.path.relpath(os.path.join(d, name), root))
    return sorted(found)


def cmake_install(destdir):
    env = dict(os.environ, DESTDIR=destdir)
    return subprocess.run(["cmake", "--install", BUILD_DIR, "--prefix", "/usr"],
                          capture_output=True, env=env, timeout=120)


@unittest.skipUnless(BUILD_DIR and shutil.which("cmake"), "needs FEEDD_BUILD_DIR and cmake")
class Install(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="feedd-install-")
        cls.dest = os.path.join(cls.tmp, "dest")
        r = cmake_install(cls.dest)
        if r.returncode != 0:
            shutil.rmtree(cls.tmp, ignore_errors=True)
            raise AssertionError("cmake --install failed:\n" + r.stdout.decode() +
                                 r.stderr.decode())
        # systemd-analyze needs the unit to name a binary that exists.
        units = os.path.join(cls.dest, "usr/lib/systemd/system")
        cls.service = os.path.join(units, "feedd.service")
        cls.socket = os.path.join(units, "feedd.socket")
        with open(cls.service) as f:
            cls.installed_unit = f.read()
        cls.check_dir = os.path.join(cls.tmp, "units")
        os.makedirs(cls.check_dir)
        with open(os.path.join(cls.check_dir, "feedd.service"), "w") as f:
            f.write(cls.installed_unit.replace(
                "ExecStart=/usr/sbin/feedd", "ExecStart=" + cls.dest + "/usr/sbin/feedd").replace(
                "ExecReload=/usr/bin/feedctl", "ExecReload=" + cls.dest + "/usr/bin/feedctl"))
        shutil.copy(cls.socket, cls.check_dir)
        uunits = os.path.join(cls.dest, "usr/lib/systemd/user")
        with open(os.path.join(uunits, "feedd.service")) as f:
            cls.installed_user_unit = f.read()
        cls.user_check_dir = os.path.join(cls.tmp, "user-units")
        os.makedirs(cls.user_check_dir)
        with open(os.path.join(cls.user_check_dir, "feedd.service"), "w") as f:
            f.write(cls.installed_user_unit.replace(
                "ExecStart=/usr/sbin/feedd", "ExecStart=" + cls.dest + "/usr/sbin/feedd").replace(
                "ExecReload=/usr/bin/feedctl", "ExecReload=" + cls.dest + "/usr/bin/feedctl"))
        shutil.copy(os.path.join(uunits, "feedd.socket"), cls.user_check_dir)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def test_exact_file_list(self):
        self.assertEqual(files_under(self.dest), EXPECTED)
        self.assertTrue(os.access(os.path.join(self.dest, "usr/sbin/feedd"), os.X_OK))
        with open(os.path.join(self.dest, "etc/feedd/feeds.conf"), "rb") as got, \
                open(os.path.join(SOURCE_DIR, "feeds.conf"), "rb") as want:
            self.assertEqual(got.read(), want.read())

    def test_installed_unit_names_installed_binary(self):
        self.assertIn("\nExecStart=/usr/sbin/feedd --foreground\n", self.installed_unit)
        self.assertIn("\nExecReload=/usr/bin/feedctl ", self.installed_unit)
        with open(UNIT) as f:
            self.assertEqual(f.read(), self.installed_unit)

    def test_existing_config_is_kept(self):
        dest = os.path.join(self.tmp, "again")
        conf = os.path.join(dest, "etc/feedd/feeds.conf")
        os.makedirs(os.path.dirname(conf))
        with open(conf, "w") as f:
            f.write("# the administrator's own\n")
        r = cmake_install(dest)
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(conf) as f:
            self.assertEqual(f.read(), "# the administrator's own\n")
        self.assertEqual(files_under(dest), EXPECTED)

    @unittest.skipUnless(shutil.which("systemd-analyze"), "needs systemd-analyze")
    def test_units_verify(self):
        # MANPATH makes verify check that every Documentation=man: page is
        # installed (with man-db, which tools/deps installs for the tests).
        env = dict(os.environ, MANPATH=os.path.join(self.dest, "usr/share/man"))
        man = [] if shutil.which("man") else ["--man=no"]
        r = subprocess.run(["systemd-analyze", "verify"] + man + [
                            os.path.join(self.check_dir, "feedd.service"),
                            os.path.join(self.check_dir, "feedd.socket")],
                           capture_output=True, env=env, timeout=60)
        out = (r.stdout + r.stderr).decode()
        self.assertEqual(r.returncode, 0, out)
        self.assertEqual(out.strip(), "")

    @unittest.skipUnless(shutil.which("systemd-analyze"), "needs systemd-analyze")
    def test_user_units_verify(self):
        # The user manager's paths come from $XDG_RUNTIME_DIR (%t).
        rt = os.path.join(self.tmp, "xdg-run")
        os.makedirs(rt, mode=0o700, exist_ok=True)
        env = dict(os.environ, MANPATH=os.path.join(self.dest, "usr/share/man"),
                   XDG_RUNTIME_DIR=rt)
        man = [] if shutil.which("man") else ["--man=no"]
        r = subprocess.run(["systemd-analyze", "verify", "--user"] + man + [
                            os.path.join(self.user_check_dir, "feedd.service"),
                            os.path.join(self.user_check_dir, "feedd.socket")],
                           capture_output=True, env=env, timeout=60)
        out = (r.stdout + r.stderr).decode()
        self.assertEqual(r.returncode, 0, out)
        self.assertEqual(out.strip(), "")

    def test_user_units(self):
        self.assertIn("\nExecStart=/usr/sbin/feedd --foreground\n", self.installed_user_unit)
        with open(os.path.join(SOURCE_DIR, "systemd", "user", "feedd.service")) as f:
            self.assertEqual(f.read(), self.installed_user_unit)
        entries = dict(unit_entries(os.path.join(self.user_check_dir, "feedd.service")))
        self.assertEqual(entries["Type"], "notify")
        # No paths: feedd finds the user's own (core/paths.c).
        self.assertNotIn(" -c", entries["ExecStart"])
        self.assertNotIn("--socket", entries["ExecReload"])
        sock = dict(unit_entries(os.path.join(self.user_check_dir, "feedd.socket"), "Socket"))
        self.assertEqual(sock["ListenStream"], "%t/feedd/feedd.sock")
        # The system units stay the tree's, byte for byte.
        with open(UNIT) as f:
            self.assertEqual(f.read(), self.installed_unit)

    @unittest.skipUnless(shutil.which("systemd-analyze"), "needs systemd-analyze")
    def test_security_exposure(self):
        r = subprocess.run(["systemd-analyze", "security", "--offline=true", "--threshold=20",
                            "--no-pager", os.path.join(self.check_dir, "feedd.service")],
                           capture_output=True, timeout=60)
        out = r.stdout.decode()
        self.assertEqual(r.returncode, 0, out + r.stderr.decode())
        m = re.search(r"Overall exposure level for feedd\.service: ([0-9.]+) (\w+)", out)
        self.assertIsNotNone(m, out)
        print("\nsystemd-analyze security exposure: %s %s" % (m.group(1), m.group(2)))
        self.assertLessEqual(float(m.group(1)), 2.0, out)
        self.assertEqual(m.group(2), "OK")

    @unittest.skipUnless(shutil.which("systemd-sysusers"), "needs systemd-sysusers")
    def test_sysusers_creates_the_socket_group(self):
        root = os.path.join(self.tmp, "sysroot")
        os.makedirs(os.path.join(root, "etc"))
        conf = os.path.join(self.dest, "usr/lib/sysusers.d/feedd.conf")
        r = subprocess.run(["systemd-sysusers", "--root=" + root, conf],
                           capture_output=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(os.path.join(root, "etc/group")) as f:
            self.assertRegex(f.read(), r"(?m)^feedd:x:\d+:$")
        # The socket unit hands the socket to that group, 0660.
        sock = dict(unit_entries(self.socket, "Socket"))
        self.assertEqual(sock["SocketGroup"], "feedd")
        self.assertEqual(sock["SocketMode"], "0660")
        self.assertEqual(sock["ListenStream"], "/run/feedd/feedd.sock")
        # A dynamic user named like an existing static group is refused by
        # systemd: the daemon's transient user must have another name.
        svc = dict(unit_entries(self.service))
        self.assertEqual(svc["DynamicUser"], "yes")
        self.assertNotEqual(svc.get("User", "feedd"), "feedd")


class Unit(unittest.TestCase):
    """The tree's unit, read as data."""

    def deny_list(self):
        nets = []
        for k, v in unit_entries(UNIT):
            if k == "IPAddressDeny":
                nets += [ipaddress.ip_network(x) for x in v.split()]
        return nets

    def denied(self, addr):
        a = ipaddress.ip_address(addr)
        return any(a.version == n.version and a in n for n in self.deny_list())

    def test_ip_deny_agrees_with_allow_private(self):
        for addr in ["10.1.2.3", "172.16.0.1", "172.31.255.1", "192.168.1.1",
                     "169.254.169.254", "100.64.0.1", "0.0.0.0", "224.0.0.1",
                     "255.255.255.255", "192.88.99.1", "198.18.0.1", "fd00::1", "fe80::1",
                     "::ffff:10.0.0.1", "ff02::1", "2001::1", "2001:db8::1", "fec0::1"]:
            self.assertTrue(self.denied(addr), addr)
        # Public addresses stay open; loopback too, for local DNS resolvers
        # (feedd's own address policy refuses loopback feeds).
        for addr in ["93.184.216.34", "172.32.0.1", "100.128.0.1", "8.8.8.8",
                     "2606:4700::1111", "127.0.0.53", "::1"]:
            self.assertFalse(self.denied(addr), addr)

    def test_resolver_warning(self):
        """ExecStartPre= warns exactly when a nameserver is in IPAddressDeny=."""
        pre = [v for k, v in unit_entries(UNIT) if k == "ExecStartPre"]
        self.assertEqual(len(pre), 1)
        argv = shlex.split(pre[0].lstrip("-"))
        self.assertEqual(argv[:2], ["/bin/sh", "-c"])
        nameservers = ["192.168.1.1", "10.0.0.2", "169.254.169.253", "172.20.0.10",
                       "100.100.100.100", "fd7a:115c:a1e0::53", "fe80::1",
                       "127.0.0.53", "8.8.8.8", "172.32.0.1", "100.128.0.1", "2001:4860::8888"]
        with tempfile.NamedTemporaryFile("w", suffix=".conf") as f:
            f.write("# generated\nsearch example.org\n")
            f.write("".join("nameserver %s\n" % ns for ns in nameservers))
            f.write("options edns0\n")
            f.flush()
            script = argv[2].replace("$$", "$").replace("/etc/resolv.conf", f.name)
            r = subprocess.run(["/bin/sh", "-c", script], capture_output=True, timeout=30)
        self.assertEqual(r.returncode, 0, r.stderr)
        warned = re.findall(r"^<4>nameserver (\S+) ", r.stdout.decode(), re.M)
        self.assertEqual(warned, [ns for ns in nameservers if self.denied(ns)])

    def test_required_directives(self):
        svc = dict(unit_entries(UNIT))
        # Reload through the API (what every Debian has; a bad file fails
        # the reload), as the daemon's user, a member of the socket's group.
        # No RuntimeDirectory=: /run/feedd is the socket unit's
        # (test_systemd_boot.py shows what it did to the group's access).
        self.assertNotIn("RuntimeDirectory", svc)
        for k, v in {"Type": "notify",
                     "ExecReload": "/usr/bin/feedctl --socket /run/feedd/feedd.sock "
                                   "--timeout 80 reload",
                     "SupplementaryGroups": "feedd",
                     "Restart": "on-failure", "StateDirectory": "feedd",
                     "ConfigurationDirectory": "feedd",
                     "UMask": "0077", "ProtectSystem": "strict", "CapabilityBoundingSet": "",
                     "RestrictAddressFamilies": "AF_UNIX AF_INET AF_INET6",
                     "ProtectProc": "invisible", "ProcSubset": "pid"}.items():
            self.assertEqual(svc.get(k), v, k)
        for k in ["WatchdogSec", "LimitNOFILE", "MemoryMax", "TasksMax"]:
            self.assertIn(k, svc)


# What an exec hook may write under the unit's sandbox is checked where
# systemd runs: test_systemd_boot.py (test_11_hook_sandbox).


class Notify(unittest.TestCase):
    """READY and WATCHDOG on $NOTIFY_SOCKET without systemd; no ping while stopped."""

    def setUp(self):
        # 100 ms: feedd pings every 50 ms.
        self.f = Feedd(CONFIG, env={"WATCHDOG_USEC": "100000"})

    def tearDown(self):
        if self.f.proc and self.f.proc.poll() is None:
            self.f.proc.send_signal(signal.SIGCONT)
        self.f.cleanup()

    def drain(self):
        n = self.f.notify
        while n.poll(0.001) is not None:
            pass
        got = list(n.messages)
        n.messages.clear()
        return got

    def test_watchdog_stops_while_stopped(self):
        f = self.f
        self.assertTrue(f.notify.wait_for("READY=1", 5 * SLOW), f.notify.messages)
        self.assertTrue(f.notify.wait_for("WATCHDOG=1", 5 * SLOW), f.notify.messages)
        f.signal(signal.SIGSTOP)
        self.assertTrue(wait_until(lambda: state(f.proc.pid) == "T"), "not stopped")
        self.drain()   # pings sent before the stop took hold
        # Twenty intervals without a single ping: systemd would declare it hung.
        time.sleep(1.0)
        self.assertNotIn("WATCHDOG=1", "\n".join(self.drain()).split("\n"))
        f.signal(signal.SIGCONT)
        self.assertTrue(f.notify.wait_for("WATCHDOG=1", 5 * SLOW), f.notify.messages)
        self.assertEqual(f.stop(), 0, f.read_log())


class DeafNotify(unittest.TestCase):
    """A $NOTIFY_SOCKET nobody reads (its queue fills after ten datagrams)
    holds nothing up: feedd's notifications never wait, a dropped one is
    said once in the log, and the daemon goes on answering."""

    def test_a_listener_that_never_reads(self):
        f = Feedd(CONFIG, start=False)
        self.addCleanup(f.cleanup)
        deaf_path = os.path.join(f.dir, "deaf.sock")
        deaf = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        deaf.bind(deaf_path)
        self.addCleanup(deaf.close)
        f.log = open(f.log_path, "ab")
        f.notify = NotifyListener(os.path.join(f.dir, "unused.sock"))
        f.proc = subprocess.Popen(
            [FEEDD_BIN, "-v", "-c", f.config, "--state-dir", f.state_dir, "--socket", f.socket],
            stdin=subprocess.DEVNULL, stdout=f.log, stderr=subprocess.STDOUT,
            env=dict(os.environ, NOTIFY_SOCKET=deaf_path))
        self.assertTrue(wait_until(lambda: os.path.exists(f.socket), 10 * SLOW), f.read_log())
        for i in range(20):
            self.assertEqual(f.post("/v1/reload", timeout=10 * SLOW).status, 200, i)
        self.assertEqual(f.get("/v1/status").status, 200)
        self.assertEqual(f.read_log().count("not sent to the service manager"), 1, f.read_log())
        self.assertEqual(f.stop(), 0, f.read_log())


def state(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0]
    except OSError:
        return None


def api_wired():
    """True once the daemon's start-up calls api_start (daemon/api.c alone
    is not enough: the daemon must listen)."""
    daemon = os.path.join(SOURCE_DIR, "daemon")
    for name in os.listdir(daemon):
        if name.endswith(".c") and name != "api.c":
            with open(os.path.join(daemon, name), errors="replace") as f:
                if "api_start(" in f.read():
                    return True
    return False


API_LANDED = api_wired()


@unittest.skipUnless(shutil.which("systemd-socket-activate"), "needs systemd-socket-activate")
@unittest.skipUnless(API_LANDED, "the daemon does not start the socket API (api_start) in this tree yet")
class SocketActivation(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="feedd-sa-")
        self.sock = os.path.join(self.dir, "activated.sock")
        self.conf = os.path.join(self.dir, "feeds.conf")
        with open(self.conf, "w") as f:
            f.write(CONFIG)
        self.notify = NotifyListener(os.path.join(self.dir, "notify.sock"))
        self.log = open(os.path.join(self.dir, "feedd.log"), "wb")
        env = dict(os.environ, NOTIFY_SOCKET=self.notify.path)
        # systemd-socket-activate passes on only the variables named with -E.
        keep = [a for v in ("NOTIFY_SOCKET", "ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS")
                if v in env for a in ("-E", v)]
        self.proc = subprocess.Popen(
            ["systemd-socket-activate", "-l", self.sock] + keep +
            [FEEDD_BIN, "--foreground", "-v", "-c", self.conf,
             "--state-dir", os.path.join(self.dir, "state")],
            stdin=subprocess.DEVNULL, stdout=self.log, stderr=subprocess.STDOUT, env=env)

    def tearDown(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.notify.close()
        self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)

    def read_log(self):
        with open(os.path.join(self.dir, "feedd.log"), "rb") as f:
            return f.read().decode("utf-8", "replace")

    def test_request_through_the_passed_socket(self):
        self.assertTrue(wait_until(lambda: os.path.exists(self.sock)), self.read_log())
        # The first connection makes systemd-socket-activate exec feedd with
        # the listening socket as fd 3 (LISTEN_FDS=1).
        conn = UnixHTTPConnection(self.sock, timeout=20 * SLOW)
        try:
            conn.request("GET", "/v1/status")
            r = conn.getresponse()
            body = r.read()
        finally:
            conn.close()
        self.assertEqual(r.status, 200, body)
        self.assertTrue(self.notify.wait_for("READY=1", 10 * SLOW), self.read_log())
        # feedd served the passed socket rather than making its own (its
        # default, /run/feedd/feedd.sock, is not writable here or not used).
        self.assertIn("listening on the socket systemd passed", self.read_log())
        self.assertEqual(sorted(os.listdir(self.dir)),
                         ["activated.sock", "feedd.log", "feeds.conf", "notify.sock", "state"])
        self.proc.send_signal(signal.SIGTERM)
        self.assertEqual(self.proc.wait(10 * SLOW), 0, self.read_log())


@unittest.skipUnless(API_LANDED, "the daemon does not start the socket API (api_start) in this tree yet")
class OwnSocket(unittest.TestCase):
    def test_socket_mode_without_activation(self):
        f = Feedd(CONFIG)
        try:
            self.assertEqual(os.stat(f.socket).st_mode & 0o777, 0o660)
            self.assertEqual(f.get("/v1/status").status, 200)
        finally:
            f.cleanup()


if __name__ == "__main__":
    unittest.main()
