"""feedctl add given a site's page instead of a feed (issue 20): the real
feedctl and daemon against a loopback site served by the fixture server —
one announced feed, three (listed, none added; --pick 2; --all), relative
hrefs under <base>, none announced but a /feed.xml, nothing at all."""
import unittest

from fixture_server import FixtureServer, render_rss
from harness import Feedd, ServerTestCase, wait_until

CONF = """# my feeds
[daemon]
host_gap = 0s

[defaults]
interval = 1h
min_interval = 1s
allow_private = yes
"""

WELL_KNOWN = ["/feed", "/rss", "/rss.xml", "/atom.xml", "/index.xml", "/feed.xml",
              "/feeds/posts/default"]


def rss(name, title, n=2):
    return {"body": render_rss(name, [{"guid": "%s-%d" % (name, i), "title": "%s %d" % (name, i)}
                                      for i in range(n)], title=title),
            "content_type": "application/rss+xml; charset=utf-8"}


def atom(title):
    return {"body": ('<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom">'
                     '<title>%s</title><id>urn:x</id><updated>2024-01-01T00:00:00Z</updated>'
                     '<entry><id>urn:x:1</id><title>one</title>'
                     '<updated>2024-01-01T00:00:00Z</updated></entry></feed>' % title),
            "content_type": "application/atom+xml"}


def page(head, body="<p>Welcome to my site.</p>"):
    return {"body": "<!DOCTYPE html>\n<html><head><title>My site</title>\n%s\n</head>"
                    "<body>%s</body></html>\n" % (head, body)}


class DiscoverTest(ServerTestCase):
    def setUp(self):
        self.srv.control(reset=True)
        self.d = Feedd(CONF)

    def tearDown(self):
        self.d.cleanup()
        self.srv.set_site(None)

    def add(self, *args):
        return self.d.feedctl("add", *args, "--config", self.d.config)

    def ctl_paths(self):
        """The paths feedctl asked for (not the daemon's fetches after it)."""
        return [e["path"] for e in self.srv.log()
                if e["headers"].get("user-agent", "").endswith("feedctl")]

    def conf(self):
        with open(self.d.config) as f:
            return f.read()

    def assert_daemon_has(self, name, url):
        self.assertTrue(wait_until(lambda: self.d.get("/v1/feeds/" + name).status == 200),
                        "the daemon never loaded [feed %s]" % name)
        j = self.d.get("/v1/feeds/" + name).json()
        self.assertEqual(j["config"]["url"], url)

    def test_one_alternate_link_is_added(self):
        self.srv.set_site({
            "/": page('<link rel="alternate" type="application/rss+xml" '
                      'title="Bee posts" href="%s">' % self.srv.url("/posts.rss")),
            "/posts.rss": rss("posts", "Bee News"),
        })
        r = self.add(self.srv.url("/"))
        self.assertEqual(r.returncode, 0, r.stderr)
        out = r.stdout.decode()
        self.assertIn("%s announces one feed: %s" % (self.srv.url("/"),
                                                     self.srv.url("/posts.rss")), out)
        self.assertIn("added [feed bee-news]", out)
        self.assertIn("[feed bee-news]\nurl = %s\n" % self.srv.url("/posts.rss"), self.conf())
        self.assertNotIn("url = %s\n" % self.srv.url("/"), self.conf())
        self.assert_daemon_has("bee-news", self.srv.url("/posts.rss"))
        # Only the page and its one feed were fetched: no well-known path.
        paths = self.ctl_paths()
        self.assertEqual(sorted(set(paths)), ["/", "/posts.rss"], paths)
        # A URL that is a feed is added as before, fetched once.
        self.srv.clear_log()
        self.srv.set_site({"/f": rss("f", "Plain feed")})
        r = self.add(self.srv.url("/f"))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertNotIn(b"announces", r.stdout)
        self.assertIn("[feed plain-feed]\nurl = %s\n" % self.srv.url("/f"), self.conf())
        self.assertEqual(self.ctl_paths(), ["/f"])
        # Plain text is not a page to look into: no discovery.
        self.srv.set_site({"/t": {"body": "hello", "content_type": "text/plain"}})
        r = self.add(self.srv.url("/t"))
        self.assertEqual(r.returncode, 5)
        self.assertIn(b"is not a feed", r.stderr)
        self.assertEqual(self.ctl_paths(), ["/f", "/t"])

    def three_links_site(self):
        self.srv.set_site({
            "/blog": page(
                '<link rel="alternate" type="application/rss+xml" title="All posts" href="/all.rss">\n'
                '<link rel="alternate" type="application/atom+xml" title="Comments" '
                'href="/comments.atom">\n'
                '<link rel="stylesheet" type="text/css" href="/style.css">\n'
                '<link rel="alternate" type="application/rss+xml" href="/podcast.rss">'),
            "/all.rss": rss("all", "Everything"),
            "/comments.atom": atom("Comment feed"),
            "/podcast.rss": rss("podcast", "The Podcast"),
        })
        return self.srv.url("/blog")

    def test_three_links_listed_none_added_then_pick_and_all(self):
        url = self.three_links_site()
        before = self.conf()
        r = self.add(url)
        self.assertEqual(r.returncode, 1, r.stderr)
        lines = r.stdout.decode().splitlines()
        self.assertEqual(lines[0], "%s announces 3 feeds:" % url)
        # N  TYPE  TITLE  URL: the link's title, else the feed's own.
        self.assertRegex(lines[1], r'^\s+1\s+RSS\s+"All posts"\s+%s$' % self.srv.url("/all.rss"))
        self.assertRegex(lines[2], r'^\s+2\s+Atom\s+"Comments"\s+%s$' %
                         self.srv.url("/comments.atom"))
        self.assertRegex(lines[3], r'^\s+3\s+RSS\s+"The Podcast"\s+%s$' %
                         self.srv.url("/podcast.rss"))
        self.assertEqual(len(lines), 4, lines)
        self.assertIn(b"none added", r.stderr)
        self.assertIn(b"--pick N", r.stderr)
        self.assertIn(b"--all", r.stderr)
        self.assertEqual(self.conf(), before)
        # Options that cannot go together, or a --pick that is no place in
        # a listing: refused before anything is fetched.
        self.srv.clear_log()
        for args, why in ((["--pick", "0"], b"not a number in the listing"),
                          (["--pick", "x"], b"not a number in the listing"),
                          (["--pick", "1", "--all"], b"one or the other"),
                          (["--all", "--name", "n"], b"--name names one feed")):
            r = self.add(url, *args)
            self.assertEqual(r.returncode, 2, (args, r.stderr))
            self.assertIn(why, r.stderr)
        self.assertEqual(self.srv.log(), [])
        # --pick 2: the second, and only it.
        r = self.add(url, "--pick", "2", "--tag", "talk")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(b"added [feed comment-feed]", r.stdout)
        text = self.conf()
        self.assertIn("[feed comment-feed]\nurl = %s\ntags = talk\n" %
                      self.srv.url("/comments.atom"), text)
        self.assertNotIn(self.srv.url("/all.rss"), text)
        self.assertNotIn(self.srv.url("/podcast.rss"), text)
        self.assert_daemon_has("comment-feed", self.srv.url("/comments.atom"))
        # Out of range: a usage error, nothing written.
        r = self.add(url, "--pick", "4")
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertEqual(self.conf(), text)
        # --all: the other two; the one already there is said and skipped.
        r = self.add(url, "--all")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(b"already in", r.stderr)
        text = self.conf()
        self.assertIn("[feed everything]\nurl = %s\n" % self.srv.url("/all.rss"), text)
        self.assertIn("[feed the-podcast]\nurl = %s\n" % self.srv.url("/podcast.rss"), text)
        self.assertEqual(text.count("[feed comment-feed]"), 1)
        self.assert_daemon_has("the-podcast", self.srv.url("/podcast.rss"))

    def test_relative_hrefs_and_base(self):
        self.srv.set_site({
            "/blog/2024/post.html": page(
                '<base href="/static/">\n'
                '<link rel="alternate" type="application/atom+xml" href="feeds/main.atom">'),
            "/static/feeds/main.atom": atom("Main feed"),
            # Where the href would land without the <base>:
            "/blog/2024/feeds/main.atom": rss("wrong", "Wrong"),
        })
        r = self.add(self.srv.url("/blog/2024/post.html"))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("[feed main-feed]\nurl = %s\n" % self.srv.url("/static/feeds/main.atom"),
                      self.conf())
        self.assert_daemon_has("main-feed", self.srv.url("/static/feeds/main.atom"))
        # Without a <base>: against the page itself.
        self.srv.set_site({
            "/blog/2024/post.html": page(
                '<link rel="alternate" type="application/rss+xml" href="../feed.rss">'),
            "/blog/feed.rss": rss("blog", "Blog feed"),
        })
        r = self.add(self.srv.url("/blog/2024/post.html"))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("[feed blog-feed]\nurl = %s\n" % self.srv.url("/blog/feed.rss"),
                      self.conf())

    def test_none_announced_but_a_feed_xml(self):
        self.srv.set_site({
            "/": page("", '<a href="/feed.xml">subscribe</a>'),
            "/feed.xml": rss("site", "Site news"),
            # Sites send their home page for unknown paths: not a feed.
            "/rss": page(""),
        })
        r = self.add(self.srv.url("/"))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("%s announces no feed; found one at %s" % (self.srv.url("/"),
                                                                  self.srv.url("/feed.xml")),
                      r.stdout.decode())
        self.assertIn("[feed site-news]\nurl = %s\n" % self.srv.url("/feed.xml"), self.conf())
        self.assert_daemon_has("site-news", self.srv.url("/feed.xml"))
        # In order, and none after the first that is a feed.
        paths = self.ctl_paths()
        self.assertEqual(paths[1:], WELL_KNOWN[:WELL_KNOWN.index("/feed.xml") + 1], paths)

    def test_nothing_at_all(self):
        self.srv.set_site({"/": page("")})
        before = self.conf()
        r = self.add(self.srv.url("/"))
        self.assertEqual(r.returncode, 5, r.stderr)
        err = r.stderr.decode()
        self.assertIn("found no feed at %s" % self.srv.url("/"), err)
        self.assertIn('no <link rel="alternate">', err)
        for p in WELL_KNOWN:
            self.assertIn("%s: HTTP 404" % self.srv.url(p), err)
        self.assertEqual(self.conf(), before)
        paths = self.ctl_paths()
        self.assertEqual(paths, ["/"] + WELL_KNOWN)
        # A page whose announced feed is broken: named, then the paths.
        self.srv.set_site({"/": page('<link rel="alternate" type="application/rss+xml" '
                                     'href="/broken.rss">'),
                           "/broken.rss": {"body": "<rss><channel><title>x",
                                           "content_type": "application/rss+xml",
                                           "status": 500}})
        r = self.add(self.srv.url("/"))
        self.assertEqual(r.returncode, 5, r.stderr)
        self.assertIn(b"/broken.rss (RSS), which is left out: HTTP 500", r.stderr)
        self.assertIn(b"links to none that parses", r.stderr)
        self.assertEqual(self.conf(), before)


if __name__ == "__main__":
    unittest.main()
