"""feedd(8)'s SYNOPSIS against feedd --help: each usage line of the help has
its SYNOPSIS line with the same options, and every option the help
describes is in the SYNOPSIS (by its short or its long name)."""
import os
import re
import subprocess
import unittest

from harness import FEEDD_BIN

MAN = os.path.join(os.environ.get("FEEDD_SOURCE_DIR", "../.."), "docs", "feedd.8")
OPT = re.compile(r"(?<![\w-])(--?[A-Za-z][\w-]*)")


def help_text():
    r = subprocess.run([FEEDD_BIN, "--help"], capture_output=True, timeout=10)
    assert r.returncode == 0, r.stderr
    return r.stdout.decode()


def help_usage_lines(text):
    """The usage block's lines, continuations joined: one per mode."""
    block = text.split("\n\n", 1)[0].replace("Usage:", "     ").splitlines()
    modes = []
    for line in block:
        if line.lstrip().startswith("feedd"):
            modes.append(line)
        else:
            modes[-1] += " " + line
    return [OPT.findall(m) for m in modes]


def synopsis_lines():
    with open(MAN) as f:
        page = f.read()
    syn = page.split(".SH SYNOPSIS\n", 1)[1].split("\n.SH ", 1)[0]
    syn = syn.replace("\\-", "-")
    return [OPT.findall(part) for part in syn.split("\n.br\n")]


class ManSynopsis(unittest.TestCase):
    def test_each_usage_line_is_in_the_synopsis(self):
        want = help_usage_lines(help_text())
        self.assertEqual(synopsis_lines(), want)

    def test_every_described_option_is_in_the_synopsis(self):
        in_syn = {o for line in synopsis_lines() for o in line}
        for line in help_text().split("\n\n", 1)[1].splitlines():
            m = re.match(r"\s+(-\w)?(?:, )?\s*(--[\w-]+)?", line)
            names = [n for n in (m.groups() if m else ()) if n]
            if names:
                self.assertTrue(in_syn & set(names), "%s not in feedd(8) SYNOPSIS" % names)


if __name__ == "__main__":
    unittest.main()
