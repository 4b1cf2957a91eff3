#!/usr/bin/env python3
"""fixture_server.py — the loopback HTTP server every fetch test talks to.

python3 stdlib only. Binds 127.0.0.1 on a free port. Use it as a module:

    from fixture_server import FixtureServer
    with FixtureServer() as srv:
        srv.set_feed("a", items=[{"guid": "1", "title": "one"}])
        url = srv.url("/feed/a")
        ...
        srv.log()          # every request seen: method, path, headers, time

or as a program (C tests spawn it): `python3 fixture_server.py` prints the
port on the first line of stdout, then serves until SIGTERM or stdin closes.
Tests then drive it over HTTP: POST /control (JSON, see Handler.do_POST),
GET /_log, POST /_log/clear.

Routes (query parameters in brackets):
  /feed/NAME            a dynamic RSS feed (items and behaviour set through
                        set_feed / POST /control); ETag + Last-Modified,
                        answers 304 to matching validators; a per-feed queue
                        of scripted responses (429 + Retry-After, 410, a
                        body cut short: close-delimited or a lying
                        Content-Length, ...)
  /static[?etag=X&lm=HTTPDATE]   fixed feed with fixed validators
  /cache?max_age=N      feed with Cache-Control: max-age=N
  /expires?secs=N       feed with Expires: now + N (and Date)
  /status/CODE[?retry_after=V&body=TEXT]   answers CODE
  /redirect/CODE?to=PATH|URL                one redirect
  /chain/C1,C2,...[?to=PATH]                a chain of redirects, then PATH
                                            (default /static)
  /loop/N               redirects to /loop/N+1 forever
  /gzip, /deflate       the static feed, content-encoded
  /fakeenc/CODING       the static feed as it is, labelled Content-Encoding: CODING
  /bomb[?size=BYTES]    gzip bomb: BYTES (default 64 MiB) of zeros, gzipped
  /drip[?bytes=N]       sends one byte per second
  /big?size=N           a valid feed padded to N bytes
  /close[?after=N]      announces more than it sends, closes after N bytes
  /endless[?max=N]      an RSS document whose items never end (close-delimited)
  /hangup[?linger=S]    the static feed over HTTP/1.1 keep-alive (no
                        "Connection: close"), then the connection is closed
                        S seconds later (default 0.3) without reading what
                        the client sent meanwhile: a reused connection dies
  /bighead?size=N       the static feed with one response header of N bytes
  /_log                 JSON: [{"method","path","headers"{lower-case},"time","end"}]

A site (for feed discovery: a page, its feeds, its well-known paths): once
set with control {"site": {PATH: {"body": TEXT, "content_type": T,
"status": CODE}}} (or set_site), the server answers only the site's paths,
exactly as given (query included), and 404 to every other (/_log still
works); {"site": null} gives the routes above back.
                        ("end": when the answer was written)
"""

import email.utils
import gzip
import hashlib
import http.server
import json
import os
import signal
import socket
import sys
import threading
import time
import urllib.parse
import zlib

RSS_HEAD = ('<?xml version="1.0" encoding="utf-8"?>\n'
            '<rss version="2.0"><channel><title>{title}</title>'
            '<link>http://example.org/{name}</link><description>fixture</description>{extra}\n')
RSS_ITEM = ('<item><guid>{guid}</guid><title>{title}</title><link>{link}</link>'
            '<description>{description}</description>{date}</item>\n')
RSS_TAIL = '</channel></rss>\n'


def _esc(s):
    return (str(s).replace('&', '&amp;').replace('<', '&lt;')
            .replace('>', '&gt;').replace('"', '&quot;'))


def render_rss(name, items, title=None, ttl=None, skip_hours=None):
    extra = ''
    if ttl:
        extra += '<ttl>%d</ttl>' % ttl
    if skip_hours:
        extra += '<skipHours>%s</skipHours>' % ''.join(
            '<hour>%d</hour>' % h for h in skip_hours)
    out = [RSS_HEAD.format(title=_esc(title or name), name=_esc(name), extra=extra)]
    for it in items:
        guid = it.get('guid', '')
        date = ''
        if it.get('published'):
            date = '<pubDate>%s</pubDate>' % _esc(it['published'])
        for c in it.get('categories', ()):
            date += '<category>%s</category>' % _esc(c)
        out.append(RSS_ITEM.format(
            guid=_esc(guid), title=_esc(it.get('title', guid)),
            link=_esc(it.get('link', 'http://example.org/item/%s' % guid)),
            description=_esc(it.get('description', '')), date=date))
    out.append(RSS_TAIL)
    return ''.join(out).encode('utf-8')


STATIC_BODY = render_rss('static', [{'guid': 's1', 'title': 'static one'},
                                    {'guid': 's2', 'title': 'static two'}])


class Feed:
    """A dynamic feed: its items, validators and scripted responses."""

    def __init__(self, name):
        self.name = name
        self.items = []
        self.title = None
        self.etag = True            # send an ETag
        self.last_modified = True   # send a Last-Modified
        self.modified = int(time.time()) - 60
        self.headers = {}           # extra response headers
        self.script = []            # queued responses, consumed one per request
        self.status = None          # sticky status (e.g. 410)
        self.status_headers = {}
        self.body = None            # raw body override (bytes)
        self.content_type = 'application/rss+xml; charset=utf-8'
        self.ttl = None
        self.skip_hours = None
        self.delay = 0              # seconds to wait before answering

    def render(self):
        if self.body is not None:
            return self.body
        return render_rss(self.name, self.items, self.title, self.ttl, self.skip_hours)

    def etag_value(self, body):
        return '"%s"' % hashlib.sha1(body).hexdigest()[:16]


class State:
    def __init__(self):
        self.lock = threading.Lock()
        self.feeds = {}
        self.site = None            # PATH -> {"body", "content_type", "status"}
        self.log = []
        self.bomb = {}

    def feed(self, name):
        f = self.feeds.get(name)
        if f is None:
            f = self.feeds[name] = Feed(name)
        return f

    def control(self, req):
        """Applies one control request (a dict); see Handler.do_POST."""
        with self.lock:
            if req.get('reset'):
                self.feeds.clear()
                self.log.clear()
                self.site = None
            if 'site' in req:
                self.site = None if req['site'] is None else dict(req['site'])
            name = req.get('feed')
            if not name:
                return
            f = self.feed(name)
            changed = False
            if 'items' in req:
                f.items = list(req['items'])
                changed = True
            if 'add_items' in req:
                f.items = list(req['add_items']) + f.items
                changed = True
            if 'body' in req:
                f.body = None if req['body'] is None else req['body'].encode('utf-8')
                changed = True
            for key in ('title', 'etag', 'last_modified', 'headers', 'status',
                        'status_headers', 'content_type', 'ttl', 'skip_hours', 'delay'):
                if key in req:
                    setattr(f, key, req[key])
                    changed = changed or key in ('title', 'ttl', 'skip_hours')
            if 'script' in req:
                f.script.extend(req['script'])
            if changed:
                # Last-Modified has a one-second grain: make it move.
                f.modified = max(int(time.time()), f.modified + 1)


def http_date(t):
    return email.utils.formatdate(t, usegmt=True)


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'
    server_version = 'fixture/1'

    def log_message(self, fmt, *args):   # quiet: tests read /_log instead
        pass

    @property
    def state(self):
        return self.server.state

    def record(self):
        entry = {'method': self.command, 'path': self.path, 'time': time.time(),
                 'headers': {k.lower(): v for k, v in self.headers.items()}}
        with self.state.lock:
            self.state.log.append(entry)
        return entry

    def send(self, status, body=b'', headers=None, ctype='application/rss+xml; charset=utf-8'):
        self.send_response(status)
        hdrs = dict(headers or {})
        if body is not None and status not in (204, 304):
            hdrs.setdefault('Content-Type', ctype)
        for k, v in hdrs.items():
            self.send_header(k, str(v))
        if status in (204, 304) or body is None:
            self.send_header('Content-Length', '0')
            self.end_headers()
            return
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        if self.command != 'HEAD':
            self.wfile.write(body)

    # --- GET routes ---
    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        q = dict(urllib.parse.parse_qsl(url.query))
        parts = [p for p in url.path.split('/') if p]
        if url.path == '/_log':
            with self.state.lock:
                body = json.dumps(self.state.log).encode()
            return self.send(200, body, ctype='application/json')
        entry = self.record()
        with self.state.lock:
            site = self.state.site
        if site is not None:
            return self.send_page(site.get(self.path))
        route = parts[0] if parts else ''
        fn = getattr(self, 'route_' + route, None)
        if fn is None:
            return self.send(404, b'not found\n', ctype='text/plain')
        try:
            fn(parts[1:], q)
        except (BrokenPipeError, ConnectionResetError):
            pass
        with self.state.lock:
            entry['end'] = time.time()   # the answer is written

    do_HEAD = do_GET

    def do_POST(self):
        """POST /control with a JSON object (or a list of them):
        {"reset": true} clears feeds and the log;
        {"feed": NAME, "items": [{"guid","title","link","description","published",
                                  "categories"}],
         "add_items": [...], "body": TEXT|null, "title": T, "etag": bool|"weak"
         (weak: W/"x" with a 200, "x" with a 304, as nginx's gzip sends them),
         "last_modified": bool, "headers": {..}, "status": CODE|null,
         "status_headers": {..}, "content_type": T, "ttl": MIN, "skip_hours": [..],
         "delay": SECONDS (before every answer),
         "script": [{"status": 429, "headers": {"Retry-After": "5"}, "body": ""},
                    {"cut": "close"|"short"|"long", "at": BYTES|"at_item": N}]}
        (a "cut" step sends the feed's own 200 cut short: see send_cut)
        POST /_log/clear empties the request log."""
        n = int(self.headers.get('Content-Length') or 0)
        data = self.rfile.read(n) if n else b''
        if self.path == '/_log/clear':
            with self.state.lock:
                self.state.log.clear()
            return self.send(204)
        if self.path != '/control':
            return self.send(404, b'', ctype='text/plain')
        try:
            req = json.loads(data or b'{}')
        except ValueError:
            return self.send(400, b'bad json\n', ctype='text/plain')
        for r in (req if isinstance(req, list) else [req]):
            self.state.control(r)
        return self.send(204)

    def send_page(self, page):
        """One path of the site, or 404."""
        if page is None:
            return self.send(404, b'not found\n', ctype='text/plain')
        body = page.get('body', '')
        self.send(int(page.get('status', 200)),
                  body.encode('utf-8') if isinstance(body, str) else body,
                  ctype=page.get('content_type', 'text/html; charset=utf-8'))

    # --- routes ---
    def conditional(self, etag, last_modified):
        """True when the request's validators match (answer 304)."""
        inm = self.headers.get('If-None-Match')
        if inm is not None:
            # The weak comparison (RFC 9110, 13.1.2): W/"x" matches "x".
            return etag is not None and any(
                t.strip().removeprefix('W/') == etag.removeprefix('W/') for t in inm.split(','))
        ims = self.headers.get('If-Modified-Since')
        if ims is not None and last_modified is not None:
            try:
                return email.utils.parsedate_to_datetime(ims).timestamp() >= last_modified
            except (TypeError, ValueError):
                return False
        return False

    def route_feed(self, parts, q):
        name = parts[0] if parts else 'default'
        with self.state.lock:
            f = self.state.feed(name)
            step = f.script.pop(0) if f.script else None
            status, sheaders = f.status, dict(f.status_headers)
            body = f.render()
            etag = f.etag_value(body) if f.etag else None
            weak = f.etag == 'weak'
            lm = f.modified if f.last_modified else None
            headers = dict(f.headers)
            ctype = f.content_type
            delay = f.delay
        if delay:
            time.sleep(delay)
        if step is not None and step.get('cut'):
            return self.send_cut(step, body, etag, lm, headers, ctype)
        if step is not None:
            b = step.get('body', '')
            return self.send(int(step.get('status', 200)),
                             b.encode() if isinstance(b, str) else b,
                             step.get('headers'), ctype='text/plain')
        if status:
            return self.send(int(status), b'', sheaders, ctype='text/plain')
        if etag:
            headers['ETag'] = etag
        if lm is not None:
            headers['Last-Modified'] = http_date(lm)
        if self.conditional(etag, lm):
            return self.send(304, None, headers)
        if etag and weak:
            headers['ETag'] = 'W/' + etag
        return self.send(200, body, headers, ctype=ctype)

    def send_cut(self, step, body, etag, lm, headers, ctype):
        """The feed's own 200 (its validators included), cut short:
        step {"cut": "close"|"short"|"long", "at": BYTES | "at_item": N}.
        close: no Content-Length, the connection closes after AT bytes;
        short: a Content-Length of AT, then the whole body anyway;
        (every mode says Connection: close, unless the step has
        "keep": true: then a short Content-Length leaves the rest of the
        body on the kept-alive connection, as a lying server does, sent
        "late" seconds after the rest)
        long: the whole body's length announced, AT bytes sent, closed.
        at_item N: the cut falls inside the Nth item (after its <guid>)."""
        if 'at_item' in step:
            pos = -1
            for _ in range(int(step['at_item'])):
                pos = body.index(b'<item>', pos + 1)
            at = body.index(b'</guid>', pos) + len(b'</guid>') + 3
        else:
            at = int(step.get('at', len(body) // 2))
        mode = step['cut']
        self.send_response(200)
        if etag:
            headers['ETag'] = etag
        if lm is not None:
            headers['Last-Modified'] = http_date(lm)
        headers['Content-Type'] = ctype
        for k, v in headers.items():
            self.send_header(k, str(v))
        # Connection: close in every mode: what a short Content-Length
        # leaves unread must not become the next response on a reused
        # connection (that would be another test).
        keep = bool(step.get('keep')) and mode == 'short'
        if not keep:
            self.send_header('Connection', 'close')
        if mode == 'close':
            pass
        elif mode == 'short':
            self.send_header('Content-Length', str(at))
        else:
            self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        if keep:
            # The rest comes late ("late": seconds), after the client took
            # the connection back for its next request.
            self.wfile.write(body[:at])
            self.wfile.flush()
            time.sleep(float(step.get('late', 0)))
            self.wfile.write(body[at:])
            self.wfile.flush()
            return
        self.wfile.write(body if mode == 'short' else body[:at])
        self.wfile.flush()
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def route_static(self, parts, q):
        etag = q.get('etag', '"static-v1"')
        lm = q.get('lm', 'Mon, 06 Nov 2023 08:49:37 GMT')
        lm_t = email.utils.parsedate_to_datetime(lm).timestamp()
        headers = {'ETag': etag, 'Last-Modified': lm}
        if self.conditional(etag, lm_t):
            return self.send(304, None, headers)
        return self.send(200, STATIC_BODY, headers)

    def route_cache(self, parts, q):
        self.send(200, STATIC_BODY, {'Cache-Control': 'max-age=%s' % q.get('max_age', '3600')})

    def route_expires(self, parts, q):
        now = int(time.time())
        self.send(200, STATIC_BODY, {'Date': http_date(now),
                                     'Expires': http_date(now + int(q.get('secs', '3600')))})

    def route_status(self, parts, q):
        code = int(parts[0]) if parts else 500
        headers = {}
        if 'retry_after' in q:
            ra = q['retry_after']
            if ra.startswith('+'):   # "+N": an HTTP date N seconds ahead
                ra = http_date(int(time.time()) + int(ra[1:]))
            headers['Retry-After'] = ra
        self.send(code, q.get('body', 'status %d\n' % code).encode(), headers, ctype='text/plain')

    def route_redirect(self, parts, q):
        code = int(parts[0]) if parts else 302
        self.send(code, b'', {'Location': q.get('to', '/static')}, ctype='text/plain')

    def route_chain(self, parts, q):
        codes = [c for c in (parts[0] if parts else '').split(',') if c]
        to = q.get('to', '/static')
        if not codes:
            return self.send(307, b'', {'Location': to}, ctype='text/plain')
        rest = ','.join(codes[1:])
        nxt = ('/chain/%s?to=%s' % (rest, urllib.parse.quote(to, safe=''))) if rest else to
        self.send(int(codes[0]), b'', {'Location': nxt}, ctype='text/plain')

    def route_loop(self, parts, q):
        n = int(parts[0]) if parts else 0
        self.send(302, b'', {'Location': '/loop/%d' % (n + 1)}, ctype='text/plain')

    def route_gzip(self, parts, q):
        self.send(200, gzip.compress(STATIC_BODY), {'Content-Encoding': 'gzip', 'ETag': '"gz1"'})

    def route_deflate(self, parts, q):
        self.send(200, zlib.compress(STATIC_BODY), {'Content-Encoding': 'deflate'})

    def route_fakeenc(self, parts, q):
        self.send(200, STATIC_BODY, {'Content-Encoding': parts[0] if parts else 'br'})

    def route_bomb(self, parts, q):
        size = int(q.get('size', str(64 << 20)))
        with self.state.lock:
            body = self.state.bomb.get(size)
            if body is None:
                c = zlib.compressobj(9, zlib.DEFLATED, 31)
                chunk = b'\0' * (1 << 20)
                out = []
                left = size
                while left > 0:
                    out.append(c.compress(chunk[:min(left, len(chunk))]))
                    left -= len(chunk)
                out.append(c.flush())
                body = self.state.bomb[size] = b''.join(out)
        self.send(200, body, {'Content-Encoding': 'gzip'})

    def route_drip(self, parts, q):
        n = int(q.get('bytes', '120'))
        self.send_response(200)
        self.send_header('Content-Type', 'application/rss+xml')
        self.send_header('Content-Length', str(n))
        self.end_headers()
        for _ in range(n):
            self.wfile.write(b' ')
            self.wfile.flush()
            time.sleep(1)

    def route_big(self, parts, q):
        size = int(q.get('size', str(1 << 20)))
        head = STATIC_BODY[:-len(RSS_TAIL)]
        pad = max(0, size - len(STATIC_BODY) - 7)
        body = head + b'<!--' + b'x' * pad + b'-->' + RSS_TAIL.encode()
        self.send(200, body)

    def route_endless(self, parts, q):
        """An RSS document that never ends: items until the client hangs up
        (or MAX of them, so that a client that never does cannot keep a
        thread forever)."""
        self.send_response(200)
        self.send_header('Content-Type', 'application/rss+xml')
        self.send_header('Connection', 'close')
        self.end_headers()
        self.close_connection = True
        self.wfile.write(RSS_HEAD.format(title='endless', name='endless', extra='').encode())
        top = int(q.get('max', '1000000'))
        for n in range(0, top, 500):
            self.wfile.write(''.join('<item><guid>e%d</guid><title>e%d</title></item>\n'
                                     % (i, i) for i in range(n, n + 500)).encode())

    def route_close(self, parts, q):
        after = int(q.get('after', '100'))
        body = STATIC_BODY + b' ' * 1000
        self.send_response(200)
        self.send_header('Content-Type', 'application/rss+xml')
        self.send_header('Content-Length', str(len(body) + 1000))
        self.end_headers()
        self.wfile.write(body[:after])
        self.wfile.flush()
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


    def route_hangup(self, parts, q):
        self.send(200, STATIC_BODY)
        self.wfile.flush()
        time.sleep(float(q.get('linger', '0.3')))
        # Closed with the client's next request unread: it gets a reset.
        self.close_connection = True

    def route_bighead(self, parts, q):
        size = int(q.get('size', str(5 << 20)))
        self.send(200, STATIC_BODY, headers={'X-Pad': 'a' * size})


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, addr):
        super().__init__(addr, Handler)
        self.state = State()

    def handle_error(self, request, client_address):
        # Clients that hang up (timeouts, size caps) are what tests do.
        if isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            return
        super().handle_error(request, client_address)


class FixtureServer:
    """The server on a background thread, for python tests."""

    def __init__(self, host='127.0.0.1', port=0):
        self.httpd = Server((host, port))
        self.host = host
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def url(self, path):
        return 'http://%s:%d%s' % (self.host, self.port, path)

    def control(self, **req):
        self.httpd.state.control(req)

    def set_site(self, pages):
        """Serves only PAGES ({PATH: {"body", "content_type", "status"}}),
        404 elsewhere; None: the usual routes again."""
        self.httpd.state.control({'site': pages})

    def set_feed(self, name, **kw):
        kw['feed'] = name
        self.httpd.state.control(kw)

    def log(self, path_prefix=None):
        with self.httpd.state.lock:
            entries = list(self.httpd.state.log)
        if path_prefix:
            entries = [e for e in entries if e['path'].startswith(path_prefix)]
        return entries

    def clear_log(self):
        with self.httpd.state.lock:
            self.httpd.state.log.clear()


def main():
    srv = FixtureServer(port=int(os.environ.get('FIXTURE_PORT', '0'))).start()
    print(srv.port, flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *a: stop.set())
    signal.signal(signal.SIGINT, lambda *a: stop.set())

    def watch_stdin():
        # The parent closing our stdin (or dying) ends the server.
        try:
            while sys.stdin.buffer.read(4096):
                pass
        except (OSError, ValueError):
            pass
        stop.set()
    if '--no-stdin' not in sys.argv:
        threading.Thread(target=watch_stdin, daemon=True).start()
    while not stop.wait(0.5):
        pass
    srv.stop()


if __name__ == '__main__':
    main()
