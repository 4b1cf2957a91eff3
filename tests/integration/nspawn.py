"""nspawn.py — a Debian 12 booted with systemd as PID 1, for tests of the
units where they run (the system units now, a lingering user's units next).

    root = cached_root(runtime_packages([FEEDD_BIN, FEEDCTL_BIN]))
    with Container(root) as c:          # boots, waits for the system to run
        c.install_build(build_dir)      # cmake --install into the container
        c.run(["systemctl", "start", "feedd"])
        c.run(["feedctl", "status"], user="alice")

The root: `debootstrap --variant=minbase` of bookworm with systemd, dbus,
python3 (the fixture server) and the Debian packages of every library the
given binaries load (ldd, then dpkg -S), built once and kept in
$FEEDD_NSPAWN_CACHE (default /var/cache/feedd-test) as bookworm-root. It is
built in a temporary folder and renamed into place, so a killed run never
leaves half a root; a root that lacks a package the binaries now need is
rebuilt (its dpkg database says what it has). A lock file serialises
builders.

The container: `systemd-nspawn --boot --volatile=overlay` — the cached root
read-only under a tmpfs, so every run starts from the clean root and leaves
nothing behind — with its own network namespace (loopback only) and no
registration with the host (there may be no systemd on the host: machined
and the host's bus are not needed). nspawn insists that
/run/systemd/nspawn is a tmpfs; it runs in a private mount namespace with
one there. Commands run inside through nsenter (all the container's
namespaces, the container's binaries); as another user through setpriv.
The container is powered off when the `with` block ends, killed if it does
not stop in time, and sent SIGTERM (a clean power-off) if this process
dies first (PR_SET_PDEATHSIG).

Failures raise NspawnError with what went wrong: a machine that cannot boot
a container fails the test, never skips it.

Python 3 standard library only. Needs root, debootstrap and
systemd-container (tools/deps test installs them).
"""
import ctypes
import fcntl
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time

CACHE = os.environ.get("FEEDD_NSPAWN_CACHE", "/var/cache/feedd-test")
SUITE = "bookworm"
MIRROR = os.environ.get("FEEDD_NSPAWN_MIRROR", "http://deb.debian.org/debian")
# systemd-sysv: /sbin/init; python3: tests/integration/fixture_server.py.
BASE_PACKAGES = ["systemd", "systemd-sysv", "dbus", "python3"]
PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
PR_SET_PDEATHSIG = 1


class NspawnError(AssertionError):
    """The container could not be made, booted or reached."""


def runtime_packages(binaries):
    """The Debian packages (host architecture) of every library BINARIES load."""
    libs = set()
    for b in binaries:
        r = subprocess.run(["ldd", b], capture_output=True, text=True)
        if r.returncode != 0:
            raise NspawnError("ldd %s failed: %s" % (b, r.stderr))
        libs.update(re.findall(r"=>\s+(/\S+)", r.stdout))
    # Merged /usr: a library found in /lib may be recorded as /usr/lib.
    names = {}
    for lib in libs:
        for p in (lib, os.path.realpath(lib)):
            for q in (p, p[4:] if p.startswith("/usr/") else "/usr" + p):
                names[q] = lib
    r = subprocess.run(["dpkg", "-S"] + sorted(names), capture_output=True, text=True)
    pkgs, owned = set(), set()
    for line in r.stdout.splitlines():
        pkg, _, path = line.partition(": ")
        if path in names:
            owned.add(names[path])
            pkgs.update(x.strip().split(":")[0] for x in pkg.split(","))
    if libs - owned:
        raise NspawnError("no Debian package owns %s: the container could not have it"
                          % ", ".join(sorted(libs - owned)))
    return sorted(pkgs)


def _root_packages(root):
    """The packages installed in ROOT (None when there is no root)."""
    if not os.path.isdir(os.path.join(root, "var/lib/dpkg")):
        return None
    r = subprocess.run(["dpkg-query", "--admindir=" + os.path.join(root, "var/lib/dpkg"),
                        "-W", "-f=${db:Status-Abbrev} ${Package}\n"],
                       capture_output=True, text=True)
    return {line.split()[1] for line in r.stdout.splitlines()
            if line.startswith("ii ") and len(line.split()) == 2}


def cached_root(extra_packages=(), log=print):
    """The path of a bookworm root holding BASE_PACKAGES + EXTRA_PACKAGES,
    built (several minutes) when the cache has none."""
    want = sorted(set(BASE_PACKAGES) | set(extra_packages))
    root = os.path.join(CACHE, SUITE + "-root")
    os.makedirs(CACHE, exist_ok=True)
    with open(os.path.join(CACHE, "lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        have = _root_packages(root)
        if have is not None and set(want) <= have:
            return root
        if not shutil.which("debootstrap"):
            raise NspawnError("debootstrap is not installed (tools/deps test installs it)")
        # Leftovers of killed builds: only a builder holding the lock makes them.
        for name in os.listdir(CACHE):
            if name.startswith("." + SUITE + "-root."):
                shutil.rmtree(os.path.join(CACHE, name), ignore_errors=True)
        tmp = tempfile.mkdtemp(prefix="." + SUITE + "-root.", dir=CACHE)
        os.chmod(tmp, 0o755)            # the container's /
        log("nspawn: debootstrap %s (%s) into %s; this takes minutes, once"
            % (SUITE, " ".join(want), tmp))
        t0 = time.monotonic()
        r = subprocess.run(["debootstrap", "--variant=minbase", "--include=" + ",".join(want),
                            SUITE, tmp, MIRROR], capture_output=True, text=True, timeout=1800,
                           preexec_fn=_pdeathsig_term)
        if r.returncode != 0:
            shutil.rmtree(tmp, ignore_errors=True)
            raise NspawnError("debootstrap failed (%d):\n%s%s"
                              % (r.returncode, r.stdout[-3000:], r.stderr[-3000:]))
        # No apt lists or downloaded packages: the root stays small.
        shutil.rmtree(os.path.join(tmp, "var/lib/apt/lists"), ignore_errors=True)
        os.makedirs(os.path.join(tmp, "var/lib/apt/lists/partial"), exist_ok=True)
        shutil.rmtree(os.path.join(tmp, "var/cache/apt/archives"), ignore_errors=True)
        os.makedirs(os.path.join(tmp, "var/cache/apt/archives/partial"), exist_ok=True)
        if os.path.exists(root):
            old = tempfile.mkdtemp(prefix="." + SUITE + "-root.old.", dir=CACHE)
            os.rename(root, os.path.join(old, "root"))
            os.rename(tmp, root)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.rename(tmp, root)
        log("nspawn: root ready in %.0f s" % (time.monotonic() - t0))
        return root


def _pdeathsig_term():
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)


class Result:
    def __init__(self, argv, rc, out, err):
        self.argv, self.returncode, self.stdout, self.stderr = argv, rc, out, err

    def __str__(self):
        return "%s -> %d\n--- stdout\n%s--- stderr\n%s" % (
            " ".join(self.argv), self.returncode, self.stdout, self.stderr)


class Container:
    """A booted container on ROOT (see the module's docstring)."""

    BOOT_TIMEOUT = 60

    def __init__(self, root, name=None, log_path=None):
        self.root = root
        self.name = name or "feedd-test-%d" % os.getpid()
        self.log_path = log_path or os.path.join(tempfile.gettempdir(),
                                                 self.name + ".console.log")
        self.proc = None
        self.leader = None

    # --- life cycle ---

    def start(self):
        for tool in ("systemd-nspawn", "nsenter", "unshare"):
            if not shutil.which(tool):
                raise NspawnError("%s is not installed (tools/deps test installs "
                                  "systemd-container and util-linux)" % tool)
        if os.geteuid() != 0:
            raise NspawnError("booting a container needs root")
        nspawn = ["systemd-nspawn", "--boot", "--directory=" + self.root,
                  "--volatile=overlay", "--register=no", "--keep-unit",
                  "--private-network", "--link-journal=no", "--console=passive",
                  "--machine=" + self.name]
        script = ('mkdir -p /run/systemd/nspawn && '
                  'mount -t tmpfs -o mode=0755 tmpfs /run/systemd/nspawn && exec "$@"')
        self.console = open(self.log_path, "wb")
        self.proc = subprocess.Popen(
            ["unshare", "--mount", "--propagation", "private", "sh", "-c", script, "sh"] + nspawn,
            stdin=subprocess.DEVNULL, stdout=self.console, stderr=subprocess.STDOUT,
            preexec_fn=_pdeathsig_term)
        try:
            self._wait_boot()
        except BaseException:
            self.stop()
            raise
        return self

    def _children(self, pid):
        try:
            with open("/proc/%d/task/%d/children" % (pid, pid)) as f:
                return [int(x) for x in f.read().split()]
        except OSError:
            return []

    def _wait_boot(self):
        deadline = time.monotonic() + self.BOOT_TIMEOUT
        while self.leader is None:
            if self.proc.poll() is not None:
                raise NspawnError("this machine cannot boot a container: systemd-nspawn "
                                  "exited %d\n%s" % (self.proc.returncode, self.console_log()))
            if time.monotonic() > deadline:
                raise NspawnError("systemd-nspawn started no init in %d s\n%s"
                                  % (self.BOOT_TIMEOUT, self.console_log()))
            # unshare -> sh (exec) = systemd-nspawn -> the container's PID 1.
            for pid in self._children(self.proc.pid):
                try:
                    with open("/proc/%d/status" % pid) as f:
                        status = f.read()
                except OSError:
                    continue
                m = re.search(r"^NSpid:\s+(.*)$", status, re.M)
                if m and m.group(1).split()[-1] == "1":
                    self.leader = pid
            time.sleep(0.1)
        # systemctl needs PID 1's private socket, which comes a moment
        # later: until then it says nothing, or "offline" (no bus).
        while True:
            left = max(1, int(deadline - time.monotonic()))
            r = self.run(["systemctl", "is-system-running", "--wait"], timeout=left)
            if r.stdout.strip() not in ("", "offline") or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        state = r.stdout.strip()
        if state not in ("running", "degraded"):
            raise NspawnError("the container did not finish booting (%s):\n%s\n%s"
                              % (state or r.stderr.strip(),
                                 self.run(["systemctl", "--failed", "--no-pager"]),
                                 self.console_log()))
        self.boot_state = state

    def stop(self, timeout=30):
        """Powers the container off (SIGTERM to nspawn); kills it after TIMEOUT."""
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                # Killing the container's PID 1 ends every process in it.
                if self.leader:
                    try:
                        os.kill(self.leader, signal.SIGKILL)
                    except ProcessLookupError:
                        pass
                self.proc.kill()
                self.proc.wait(30)
        self.console.close()
        self.proc = None
        try:
            os.unlink(self.log_path)
        except OSError:
            pass

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def console_log(self, tail=4000):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode("utf-8", "replace")[-tail:]
        except OSError:
            return ""

    # --- inside ---

    def path(self, p):
        """P inside the container, as a path on the host (its overlay)."""
        return "/proc/%d/root/%s" % (self.leader, p.lstrip("/"))

    def command(self, argv, user=None):
        """ARGV as run inside (as USER with their groups, when given)."""
        inner = ["env", "-i", "PATH=" + PATH, "LANG=C.UTF-8", "SYSTEMD_PAGER=cat"]
        if user:
            inner = ["setpriv", "--reuid", user, "--regid", user, "--init-groups",
                     "--reset-env"] + inner
        return ["nsenter", "-t", str(self.leader), "-m", "-u", "-i", "-n", "-p", "-C",
                "--wd=/"] + inner + list(argv)

    def run(self, argv, user=None, timeout=60, check=False, input=None):
        cmd = self.command(argv, user)
        try:
            r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, input=input)
        except subprocess.TimeoutExpired as e:
            raise NspawnError("%s: no answer in %d s" % (" ".join(argv), timeout)) from e
        res = Result(list(argv) if not user else ["(%s)" % user] + list(argv),
                     r.returncode, r.stdout, r.stderr)
        if check and r.returncode != 0:
            raise NspawnError(str(res))
        return res

    def write(self, path, text, mode=0o644):
        full = self.path(path)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "w") as f:
            f.write(text)
        os.chmod(full, mode)

    def install_build(self, build_dir):
        """`cmake --install BUILD_DIR` into the container, as on a real machine."""
        env = dict(os.environ, DESTDIR=self.path("/").rstrip("/"))
        r = subprocess.run(["cmake", "--install", build_dir], capture_output=True, text=True,
                           env=env, timeout=120)
        if r.returncode != 0:
            raise NspawnError("cmake --install into the container failed:\n%s%s"
                              % (r.stdout, r.stderr))
        return r.stdout

    def start_fixture_server(self, source, port, dest="/opt/feedd-test/fixture_server.py"):
        """The test's fixture server (the file SOURCE) running inside as the
        transient unit feedd-fixture on 127.0.0.1:PORT, once it answers."""
        with open(source) as f:
            self.write(dest, f.read())
        self.run(["systemd-run", "--unit=feedd-fixture", "--setenv=FIXTURE_PORT=%d" % port,
                  "python3", dest, "--no-stdin"], check=True)
        probe = ("import urllib.request; urllib.request.urlopen("
                 "'http://127.0.0.1:%d/static', timeout=2)" % port)
        for _ in range(50):
            if self.run(["python3", "-c", probe]).returncode == 0:
                return
            time.sleep(0.2)
        raise NspawnError("the fixture server did not come up:\n%s" % self.run(
            ["journalctl", "-u", "feedd-fixture", "--no-pager"]).stdout)


def boot_with_build(build_dir, binaries, fixture_source, port, log=print):
    """A booted container (cached_root with what BINARIES need) with the
    build installed and the fixture server running on PORT; powered off
    again when any of that fails. The caller stops it."""
    if not build_dir:
        raise NspawnError("FEEDD_BUILD_DIR is not set (run through ctest)")
    t0 = time.monotonic()
    root = cached_root(runtime_packages(binaries), log=log)
    t1 = time.monotonic()
    c = Container(root).start()
    try:
        log("\nroot %s (%.1f s); booted systemd in %.1f s (%s)"
            % (root, t1 - t0, time.monotonic() - t1, c.boot_state))
        c.install_build(build_dir)
        c.start_fixture_server(fixture_source, port)
    except BaseException:
        c.stop()
        raise
    return c
