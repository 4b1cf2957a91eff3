"""feedd under `systemd --user`: a lingering user in a booted Debian 12.

test_user_mode.py runs feedd and feedctl as an unprivileged user by hand;
this test installs the build into a container booted with systemd
(tests/integration/nspawn.py) and does what README.md's "Run it as
yourself" says, as the user carol with lingering on (`loginctl
enable-linger`: her manager runs without a login): `systemctl --user
enable --now feedd.socket`, then `feedctl add`, which starts feedd through
the socket (Type=notify). Her feeds.conf, store and socket are under her
home and $XDG_RUNTIME_DIR; nobody passes -c or --socket; `systemctl --user
reload` goes through feedctl; a fetch is a journal record with FEED=,
URL=, HTTP_STATUS= and ITEMS_NEW=; stopping the units stops the daemon. Needs
root; the first run debootstraps the root (see test_systemd_boot.py).
"""
import json
import os
import time
import unittest

from harness import FEEDCTL_BIN, FEEDD_BIN, SOURCE_DIR
import nspawn

BUILD_DIR = os.environ.get("FEEDD_BUILD_DIR")
PORT = 8080
USER = "carol"
CONF = """# carol's feeds
[defaults]
allow_private = yes
"""


class UserUnits(unittest.TestCase):
    c = None

    @classmethod
    def setUpClass(cls):
        cls.c = nspawn.boot_with_build(
            BUILD_DIR, [FEEDD_BIN, FEEDCTL_BIN],
            os.path.join(SOURCE_DIR, "tests/integration/fixture_server.py"), PORT)
        try:
            cls.c.run(["useradd", "--create-home", USER], check=True)
            cls.uid = int(cls.c.run(["id", "-u", USER], check=True).stdout)
            cls.runtime = "/run/user/%d" % cls.uid
            # On a real machine pam_systemd (libpam-systemd) gives the user
            # manager $XDG_RUNTIME_DIR; the minimal root has no PAM module
            # for it, so a drop-in says the same.
            cls.c.write("/etc/systemd/system/user@.service.d/runtime-dir.conf",
                        "[Service]\nEnvironment=XDG_RUNTIME_DIR=/run/user/%i\n")
            cls.c.run(["systemctl", "daemon-reload"], check=True)
            cls.c.run(["loginctl", "enable-linger", USER], check=True)
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                if cls.c.run(["systemctl", "is-active", "user@%d.service" % cls.uid]
                             ).stdout.strip() == "active":
                    break
                time.sleep(0.3)
            else:
                raise AssertionError("carol's user manager did not start:\n%s" % cls.c.run(
                    ["journalctl", "-n", "40", "--no-pager"]).stdout)
        except BaseException:
            cls.c.stop()
            raise

    @classmethod
    def tearDownClass(cls):
        if cls.c:
            cls.c.stop()

    def as_carol(self, argv, **kw):
        # What her login shell would have: pam_systemd sets XDG_RUNTIME_DIR.
        env = ["env", "HOME=/home/" + USER, "XDG_RUNTIME_DIR=" + self.runtime]
        return self.c.run(env + list(argv), user=USER, **kw)

    def ok(self, argv):
        r = self.as_carol(argv)
        self.assertEqual(r.returncode, 0, str(r) + self.journal())
        return r

    def journal(self):
        return "\n--- journal\n" + self.c.run(
            ["journalctl", "-n", "60", "--no-pager", "_UID=%d" % self.uid]).stdout

    def state(self, unit):
        return self.as_carol(["systemctl", "--user", "show", unit, "-pActiveState",
                              "--value"]).stdout.strip()

    def test_readme_session(self):
        self.c.write("/home/%s/.config/feedd/feeds.conf" % USER, CONF)
        self.c.run(["chown", "-R", "%s:%s" % (USER, USER), "/home/%s/.config" % USER],
                   check=True)
        # README.md, "Run it as yourself".
        self.ok(["systemctl", "--user", "daemon-reload"])
        self.ok(["systemctl", "--user", "enable", "--now", "feedd.socket"])
        self.assertEqual(self.state("feedd.socket"), "active")
        self.assertEqual(self.state("feedd.service"), "inactive")   # not until asked
        # A feedd that exits at start is not started again and again for a
        # connection it left waiting (as in the system unit).
        self.assertEqual(self.as_carol(["systemctl", "--user", "show", "feedd.socket",
                                        "-pFlushPending", "--value"]).stdout.strip(), "yes")
        sock = self.runtime + "/feedd/feedd.sock"
        r = self.c.run(["stat", "-c", "%U %a", sock, os.path.dirname(sock)])
        self.assertEqual(r.stdout.split("\n")[:2], ["%s 600" % USER, "%s 700" % USER], str(r))

        # feedctl finds the socket by itself; the reload starts feedd.
        url = "http://127.0.0.1:%d/static" % PORT
        r = self.ok(["feedctl", "add", url, "--name", "local"])
        self.assertIn("feedd reloaded /home/%s/.config/feedd/feeds.conf" % USER, r.stdout)
        self.assertEqual(self.state("feedd.service"), "active")
        show = self.ok(["systemctl", "--user", "show", "feedd.service", "-pType",
                        "-pStatusErrno", "-pNRestarts"]).stdout
        self.assertIn("Type=notify", show)

        def fetched():
            r = self.as_carol(["feedctl", "items", "--json"])
            return r.returncode == 0 and sorted(
                i["title"] for i in json.loads(r.stdout)["items"]) == ["static one", "static two"]
        deadline = time.monotonic() + 30
        while not fetched() and time.monotonic() < deadline:
            time.sleep(0.3)
        self.assertTrue(fetched(), self.journal())
        # The fetch as a structured journal record: one feed's history.
        r = self.c.run(["journalctl", "_UID=%d" % self.uid, "FEED=local", "-o", "json",
                        "--no-pager"])
        recs = [json.loads(l) for l in r.stdout.splitlines() if l.strip()]
        self.assertTrue(recs, str(r) + self.journal())
        rec = recs[0]
        self.assertEqual((rec["URL"], rec["HTTP_STATUS"], rec["ITEMS_NEW"], rec["PRIORITY"],
                          rec["SYSLOG_IDENTIFIER"]), (url, "200", "2", "6", "feedd"), rec)
        self.assertTrue(rec["MESSAGE"].startswith("fetch local: 200, 2 items, 2 new"), rec)
        self.assertEqual(rec.get("_SYSTEMD_USER_UNIT"), "feedd.service", rec)
        r = self.c.run(["stat", "-c", "%U %a", "/home/%s/.local/state/feedd" % USER,
                        "/home/%s/.local/state/feedd/feedd.db" % USER])
        self.assertEqual(r.returncode, 0, str(r))
        self.assertEqual(r.stdout.split("\n")[0], "%s 700" % USER)

        # systemctl --user reload runs feedctl reload, no --socket.
        self.ok(["systemctl", "--user", "reload", "feedd.service"])
        self.assertIn("reload: /home/%s/.config/feedd/feeds.conf: 1 feed (was 1)" % USER,
                      self.journal())

        self.ok(["systemctl", "--user", "stop", "feedd.socket", "feedd.service"])
        self.assertEqual(self.state("feedd.service"), "inactive")
        self.assertFalse(os.path.exists(self.c.path(sock)))
        r = self.as_carol(["feedctl", "status"])
        self.assertEqual(r.returncode, 3, str(r))


if __name__ == "__main__":
    unittest.main()
