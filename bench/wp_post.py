#!/usr/bin/env python3
"""bench/wp_post.py DB N UNREAD: gives items of a bench_store SQLite store
a realistic HTML body (bench/reader.sh's HTML=N): the first N items by id,
the last N, and the first N of the newest UNREAD (what the Miniflux and
Google Reader targets read first). The body is a WordPress post of about
4.9 KB: paragraphs with links and inline markup, a figure with srcset, a
list, a blockquote, an embedded iframe, an inline script and style
attributes (what core/sanitize.c removes or rewrites), each item's own
numbers in it so that no two bodies are equal."""
import sqlite3
import sys

PARA = ('<p>The <strong>quarterly report</strong> landed on {d} and, as '
        '<a href="/2024/{i}/earlier-post/" title="earlier">we wrote before</a>, '
        'the numbers are <em>mixed</em>: revenue rose {i} percent while costs '
        'climbed faster than anyone on the <a href="https://example.org/team?id={i}&amp;ref=feed">'
        'team</a> had planned. Read the <code>summary.csv</code> for details&nbsp;&mdash; '
        'or skip to the charts below.</p>\n')
BODY = ('<div class="entry-content" style="margin:0 auto">\n' + PARA * 3 +
        '<figure class="wp-block-image size-large"><img decoding="async" loading="lazy" '
        'width="1024" height="576" src="/wp-content/uploads/2024/{i}/chart-1024x576.png" '
        'alt="Chart {i}" srcset="/wp-content/uploads/2024/{i}/chart-1024x576.png 1024w, '
        '/wp-content/uploads/2024/{i}/chart-300x169.png 300w, '
        '/wp-content/uploads/2024/{i}/chart-768x432.png 768w" '
        'sizes="(max-width: 1024px) 100vw, 1024px" onerror="this.remove()" />'
        '<figcaption>Figure {i}: costs and revenue</figcaption></figure>\n' + PARA * 2 +
        '<ul>\n<li>First point, with <a href="#note-{i}">a note</a></li>\n'
        '<li>Second point: <span style="color:red">urgent</span></li>\n'
        '<li>Third point &amp; a <abbr title="frequently asked">FAQ</abbr></li>\n</ul>\n'
        '<blockquote class="wp-block-quote"><p>We did not expect this.</p>'
        '<cite>A. Writer</cite></blockquote>\n' + PARA * 2 +
        '<iframe src="https://www.youtube.com/embed/abc{i}" width="560" height="315" '
        'frameborder="0" allowfullscreen></iframe>\n'
        '<script>window.wpEmoji = {{"id": {i}}};</script>\n' + PARA * 2 +
        '<p class="share"><a href="https://twitter.com/share?u={i}" target="_blank" '
        'rel="noopener">Share</a> <img src="https://pixel.example/t.gif?p={i}" width="1" '
        'height="1" /></p>\n</div>\n')


def main():
    db = sqlite3.connect(sys.argv[1])
    n, unread = int(sys.argv[2]), int(sys.argv[3])
    lo, top = db.execute("SELECT min(id), max(id) FROM items").fetchone()
    ranges = [(lo, lo + n), (top - n + 1, top + 1)]
    if unread:
        ranges.append((top - unread + 1, top - unread + 1 + n))
    for a, b in ranges:
        db.executemany("UPDATE items SET content = ? WHERE id = ?",
                       ((BODY.format(i=i, d=f"day {i % 28 + 1}"), i) for i in range(a, b)))
    db.commit()


main()
