#!/usr/bin/env python3
"""sanitize_score.py FEEDD CONFORMANCE_DIR [--floor PCT] [-n N]

Scores `feedd --parse --sanitize` against feedparser's own expectations for
its sanitizer: each file of feedparser-tests/wellformed/sanitize carries
one in its `Expect:` comment, a Python expression such as
``not bozo and entries[0]['content'][0]['value'] == u'<b>x</b>'``. The
simple ones (an equality on one field, `not bozo and` ignored) on a field
our JSON has are evaluated on our output, both sides in the HTML canonical
form of the conformance scorer (compare.py): feed title, feed
tagline/subtitle/description, an entry's title, description/summary and
content. The others (feed info and copyright, which our item model has
not) are counted and left out.

Prints the first N disagreements and, last, the line
``sanitize: N% of M expectations agree``. Exits 1 below --floor (or when
nothing could be scored), 0 otherwise."""
import argparse
import ast
import json
import os
import re
import subprocess
import sys

FIELDS = {
    ("feed", "title"): ("feed", "title"),
    ("feed", "tagline"): ("feed", "description"),
    ("feed", "subtitle"): ("feed", "description"),
    ("feed", "description"): ("feed", "description"),
    ("entries", 0, "title"): ("item", "title"),
    ("entries", 0, "description"): ("item", "summary"),
    ("entries", 0, "summary"): ("item", "summary"),
    ("entries", 0, "content", 0, "value"): ("item", "content"),
}

EXPECT = re.compile(r"^\s*Expect:\s*(.*?)\s*$", re.M)


def subscript_path(node):
    """entries[0]['content'][0]['value'] -> ('entries', 0, 'content', 0, 'value')."""
    path = []
    while isinstance(node, ast.Subscript):
        key = node.slice
        if isinstance(key, ast.Index):      # Python < 3.9
            key = key.value
        if not isinstance(key, ast.Constant):
            return None
        path.append(key.value)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    path.append(node.id)
    return tuple(reversed(path))


def expectation(text):
    """(path, expected string) for a simple equality, else None."""
    try:
        tree = ast.parse(text, mode="eval").body
    except SyntaxError:
        return None
    if isinstance(tree, ast.BoolOp) and isinstance(tree.op, ast.And):
        rest = [v for v in tree.values
                if not (isinstance(v, ast.UnaryOp) and isinstance(v.op, ast.Not)
                        and isinstance(v.operand, ast.Name) and v.operand.id == "bozo")]
        if len(rest) != 1:
            return None
        tree = rest[0]
    if not (isinstance(tree, ast.Compare) and len(tree.ops) == 1
            and isinstance(tree.ops[0], ast.Eq)
            and isinstance(tree.comparators[0], ast.Constant)
            and isinstance(tree.comparators[0].value, str)):
        return None
    path = subscript_path(tree.left)
    return (path, tree.comparators[0].value) if path else None


def ours(doc, where):
    kind, field = where
    if kind == "feed":
        return (doc.get("feed") or {}).get(field)
    items = doc.get("items") or []
    return items[0].get(field) if items else None


def run_all(feedd, paths):
    """{path: our JSON} — one feedd per 100 files; where a file failed (it
    prints nothing, so lines no longer pair up), one feedd per file."""
    out = {}
    for i in range(0, len(paths), 100):
        chunk = paths[i:i + 100]
        r = subprocess.run([feedd, "--parse", "--sanitize", "--"] + chunk,
                           capture_output=True, text=True, timeout=300)
        lines = r.stdout.splitlines()
        if r.returncode == 0 and len(lines) == len(chunk):
            pairs = zip(chunk, lines)
        else:
            pairs = []
            for p in chunk:
                r = subprocess.run([feedd, "--parse", "--sanitize", p],
                                   capture_output=True, text=True, timeout=60)
                pairs.append((p, (r.stdout.splitlines() or [""])[0]))
        for p, line in pairs:
            try:
                out[p] = json.loads(line)
            except ValueError:
                out[p] = {}
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("feedd")
    ap.add_argument("conformance_dir")
    ap.add_argument("--floor", type=float, default=0.0)
    ap.add_argument("-n", type=int, default=30, help="disagreements shown")
    opts = ap.parse_args()
    sys.path.insert(0, opts.conformance_dir)
    from compare import norm_html  # the scorer's canonical HTML form

    folder = os.path.join(opts.conformance_dir, "feedparser-tests", "wellformed", "sanitize")
    files = sorted(f for f in os.listdir(folder) if f.endswith(".xml"))
    agree, scored, other, shown = 0, 0, 0, 0
    cases = []
    for name in files:
        path = os.path.join(folder, name)
        with open(path, encoding="utf-8", errors="replace") as f:
            m = EXPECT.search(f.read(4096))
        exp = expectation(m.group(1)) if m else None
        where = FIELDS.get(exp[0]) if exp else None
        if where:
            cases.append((name, path, exp, where))
        else:
            other += 1
    docs = run_all(opts.feedd, [c[1] for c in cases])
    for name, path, exp, where in cases:
        got = ours(docs.get(path, {}), where)
        scored += 1
        want_n, got_n = norm_html(exp[1], "canonical"), norm_html(got, "canonical")
        if want_n == got_n:
            agree += 1
        elif shown < opts.n:
            shown += 1
            print("%s %s.%s\n  want %r\n  got  %r" % (name, where[0], where[1], want_n, got_n))
    print("left out: %d files whose expectation is not a simple equality on a field "
          "feedd has" % other)
    pct = 100.0 * agree / scored if scored else 0.0
    print("sanitize: %.1f%% of %d expectations agree" % (pct, scored))
    sys.exit(0 if scored and pct >= opts.floor else 1)


if __name__ == "__main__":
    main()
