"""feeds.conf(5) follows the key table (issue 17): `feedd --help-config`
prints every row of core/config_keys.c, tools/conf-keys-man checks the man
page's generated KEYS AT A GLANCE block against it, and each key's
paragraph (present, in its section, with the table's default and range
where the prose gives them). The drift cases show the check can fail."""
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

from harness import FEEDD_BIN, SOURCE_DIR

TOOL = os.path.join(SOURCE_DIR, "tools", "conf-keys-man")
PAGE = os.path.join(SOURCE_DIR, "docs", "feeds.conf.5")


def run_tool(page):
    return subprocess.run([sys.executable, TOOL, "--check", FEEDD_BIN, page],
                          capture_output=True, text=True, timeout=60)


class ConfigDoc(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="feedd-confdoc-")

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def drifted(self, old, new):
        text = open(PAGE, encoding="utf-8").read()
        self.assertIn(old, text)
        page = os.path.join(self.dir, "feeds.conf.5")
        with open(page, "w", encoding="utf-8") as f:
            f.write(text.replace(old, new, 1))
        r = run_tool(page)
        self.assertEqual(r.returncode, 1, r.stderr)
        return r.stderr

    def test_page_agrees_with_the_table(self):
        r = run_tool(PAGE)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stderr, "")

    def test_help_lists_every_key_with_type_and_doc(self):
        out = subprocess.run([FEEDD_BIN, "--help-config"], capture_output=True, text=True,
                             check=True, timeout=30).stdout
        names = re.findall(r"^  (\w+) ", out, re.M)
        for key in ("socket", "log_level", "host_gap", "url", "interval", "max_size",
                    "exec", "skip", "keep", "tags", "header", "reader_listen"):
            self.assertIn(key, names)
        self.assertIn("  max_fetches    integer, 1 to 10000, default 64\n", out)
        self.assertIn("  host_gap       duration, 0ms to 60s, default 500ms\n", out)
        self.assertIn("  url            url, required\n", out)

    def test_every_listed_key_is_one_the_parser_takes(self):
        """A row --help-config shows is a key the loader knows, in its section."""
        out = subprocess.run([FEEDD_BIN, "--help-config"], capture_output=True, text=True,
                             check=True).stdout
        group, bad = None, []
        for line in out.splitlines():
            if line and not line.startswith(" "):
                group = line
                continue
            m = re.match(r"^  (\w+) ", line)
            if not m:
                continue
            sec = "[daemon]" if group == "[daemon]" else "[feed x]\nurl = https://a.example/"
            if m.group(1) == "url":
                sec = "[feed x]"
            conf = os.path.join(self.dir, "k.conf")
            with open(conf, "w") as f:
                f.write("%s\n%s = \x01\n" % (sec, m.group(1)))
            r = subprocess.run([FEEDD_BIN, "--check-config", "-c", conf], capture_output=True,
                               text=True, timeout=30)
            if "unknown key" in r.stderr or "does not belong" in r.stderr:
                bad.append((m.group(1), r.stderr))
        self.assertEqual(bad, [])

    def paragraph(self, key):
        text = open(PAGE, encoding="utf-8").read()
        m = re.search(r"^\.TP\n\.B %s\n(.*?)^\.TP$" % key, text, re.M | re.S)
        self.assertIsNotNone(m, key)
        return " ".join(m.group(1).split())

    def test_max_items_says_what_is_never_pruned(self):
        """The store never prunes an item the feed's current document
        lists (docs/store.md, Retention): a max_items below the document's
        length keeps them all, and the page says so."""
        text = self.paragraph("max_items")
        self.assertIn("ever prunes an item the feed's current document lists", text)
        self.assertIn("starred", text)
        self.assertIn("pending or parked", text)

    def test_a_changed_default_is_caught(self):
        err = self.drifted("(1\\(en10000, default 64)", "(1\\(en10000, default 65)")
        self.assertIn("key max_fetches: the page says default 65, the table 64", err)

    def test_a_changed_range_is_caught(self):
        err = self.drifted("(1\\(en100, default 2)", "(1\\(en99, default 2)")
        self.assertIn("key per_host: the page says 1-99, the table 1-100", err)

    def test_a_missing_paragraph_is_caught(self):
        err = self.drifted(".TP\n.B exec_jobs\n", ".TP\n.B exec_jobz\n")
        self.assertIn("key exec_jobs ([daemon]) has no paragraph", err)
        self.assertIn("describes exec_jobz", err)

    def test_a_stale_block_is_caught(self):
        err = self.drifted("  max_size       size, 1k to 1G, default 16M",
                           "  max_size       size, 1k to 1G, default 8M")
        self.assertIn("KEYS AT A GLANCE block differs", err)


if __name__ == "__main__":
    unittest.main()
