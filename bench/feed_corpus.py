#!/usr/bin/env python3
"""feed_corpus.py DIR N ITEMS — the RSS corpus the fetch benchmarks serve
(bench/fetch.sh, bench/pg_instances.sh): DIR/f0.xml … f{N-1}.xml, ITEMS
items each with a ~370-byte description."""
import os
import sys

root, n, items = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
os.makedirs(root, exist_ok=True)
para = ("Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod "
        "tempor incididunt ut labore et dolore magna aliqua. ") * 3
for i in range(n):
    out = ['<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>'
           '<title>Feed %d</title><link>http://example.org/%d/</link>'
           '<description>bench feed %d</description>\n' % (i, i, i)]
    for j in range(items):
        out.append('<item><title>Item %d of feed %d</title>'
                   '<link>http://example.org/%d/%d.html</link><guid>urn:bench:%d:%d</guid>'
                   '<pubDate>Mon, 06 Nov 2023 %02d:%02d:00 GMT</pubDate>'
                   '<description>%s</description></item>\n'
                   % (j, i, i, j, i, j, j % 24, j % 60, para))
    out.append('</channel></rss>\n')
    with open(os.path.join(root, 'f%d.xml' % i), 'w') as f:
        f.write(''.join(out))
