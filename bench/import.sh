#!/bin/sh
# bench/import.sh — CPU seconds of `feedctl import` of an OPML file with N
# feeds into an empty feeds.conf (target: linear, 4 000 feeds in a few
# seconds), beside the same import by the feedctl of REF, built here from
# `git archive REF` in the same run: the code before the import was made
# linear (one hashed lookup per name and URL instead of a scan of the file).
#
# Usage: bench/import.sh [N...]           (default: 1000 4000)
# Env:   FEEDCTL_BIN (default build/bench, build/dev or build/test feedctl),
#        REF (default 8749afb, main before issue 24), REF_MAX (largest N the
#        reference runs, default 4000: it is quadratic, ~2 min at 4 000).
#
# The OPML is the issue's: blogI.example.org, each titled "Blog I", so the
# names are "blog-0" ... (the reference: "example", "example-2" ...). Each
# figure is the user+system CPU of one run (best of 3 for ours), then the
# same file imported again (adds nothing).
set -eu
cd "$(dirname "$0")/.."
src=$(pwd)
SIZES=${*:-1000 4000}
REF=${REF:-8749afb}
REF_MAX=${REF_MAX:-4000}

NEW=${FEEDCTL_BIN:-}
if [ -z "$NEW" ]; then
	for b in build/bench/feedctl build/dev/feedctl build/test/feedctl; do
		[ -x "$b" ] && NEW="$src/$b" && break
	done
fi
[ -n "$NEW" ] || { echo "import.sh: no feedctl built (set FEEDCTL_BIN)" >&2; exit 2; }

work=$(mktemp -d /tmp/feedd-import-XXXXXX)
trap 'rm -rf "$work"' EXIT INT TERM

echo "== reference: feedctl at $REF (git archive, Release build)"
mkdir "$work/ref"
git archive "$REF" | tar -x -C "$work/ref"
cmake -S "$work/ref" -B "$work/ref/build" -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF >/dev/null
cmake --build "$work/ref/build" --target feedctl -j2 >/dev/null
OLD="$work/ref/build/feedctl"

python3 - "$work" "$NEW" "$OLD" "$REF_MAX" $SIZES <<'PY'
import os, resource, subprocess, sys
work, new, old, ref_max = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
sizes = [int(n) for n in sys.argv[5:]]

def cpu():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime

def run(bin, opml, conf):
    t = cpu()
    r = subprocess.run([bin, "--socket", os.path.join(work, "none.sock"), "import", opml,
                        "--config", conf], capture_output=True)
    return cpu() - t, r

def fresh(conf):
    if os.path.exists(conf):
        os.unlink(conf)
    open(conf, "w").close()

print("%-8s %6s %12s %12s %10s  %s" % ("feedctl", "feeds", "import_cpu_s", "again_cpu_s",
                                       "added", "first names"))
for n in sizes:
    opml = os.path.join(work, "subs-%d.opml" % n)
    with open(opml, "w") as f:
        f.write('<?xml version="1.0"?>\n<opml version="2.0"><head><title>subs</title></head><body>\n')
        for i in range(n):
            f.write('<outline type="rss" text="Blog %d" title="Blog %d" '
                    'xmlUrl="https://blog%d.example.org/feed.xml"/>\n' % (i, i, i))
        f.write('</body></opml>\n')
    conf = os.path.join(work, "feeds.conf")
    for label, bin, rounds in (("new", new, 3), ("ref", old, 1)):
        if label == "ref" and n > ref_max:
            continue
        best = None
        for _ in range(rounds):
            fresh(conf)
            t, r = run(bin, opml, conf)
            if r.returncode != 0:
                sys.exit("%s import of %d feeds failed: %s" % (label, n, r.stderr.decode()[-500:]))
            best = t if best is None else min(best, t)
        again, r2 = run(bin, opml, conf)
        text = open(conf).read()
        names = [l[6:-1] for l in text.splitlines() if l.startswith("[feed ")]
        print("%-8s %6d %12.2f %12.2f %10d  %s" % (label, n, best, again, len(names),
                                                   ", ".join(names[:2] + ["..."] + names[-1:])))
        sys.stdout.flush()
PY
