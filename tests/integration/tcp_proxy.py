"""tcp_proxy.py — a TCP proxy on 127.0.0.1 that can cut the network between
its clients and their server without closing anything: a partition.

TcpProxy(target) listens on 127.0.0.1 (a free port: .port) and forwards each
connection to TARGET, a (host, port) pair or a Unix socket path (a
PostgreSQL cluster that listens on a socket only is reached over TCP that
way). One thread, select() over every socket.

- partition(): nothing is forwarded any more, either way, and no new
  connection is taken up; the connections stay open and what the peers send
  stays in the kernel's buffers, as a network that drops every packet
  leaves it in the senders' (sent again, and delivered, after healing).
- heal(): forwarding goes on where it stopped; new connections are taken.
- reset(): every connection open now is cut with a TCP reset. Over a real
  network a client's TCP gives up on a dead peer by itself (keepalives,
  tcp_user_timeout); through this proxy it cannot, as the proxy's kernel
  acknowledges every segment on loopback: reset() plays that part.

Python 3 standard library only.
"""
import select
import socket
import struct
import threading


class TcpProxy:
    def __init__(self, target):
        self.target = target
        self.lsock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.lsock.bind(("127.0.0.1", 0))
        self.lsock.listen(64)
        self.port = self.lsock.getsockname()[1]
        self.peer = {}              # socket -> the other end of its pair
        self.cut = False
        self.lock = threading.Lock()
        self.wake_r, self.wake_w = socket.socketpair()
        self.quit = False
        self.accepted = 0
        self.thread = threading.Thread(target=self._run, daemon=True)

    def start(self):
        self.thread.start()
        return self

    def _wake(self):
        try:
            self.wake_w.send(b"x")
        except OSError:
            pass

    def partition(self):
        with self.lock:
            self.cut = True
        self._wake()

    def heal(self):
        with self.lock:
            self.cut = False
        self._wake()

    def reset(self):
        with self.lock:
            socks = list(self.peer)
            self.peer.clear()
        for s in socks:
            try:
                # SO_LINGER 0: close() sends a reset, not a FIN.
                s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            except OSError:
                pass
            s.close()
        self._wake()

    def stop(self):
        self.quit = True
        self._wake()
        self.thread.join(5)
        for s in list(self.peer):
            s.close()
        self.lsock.close()
        self.wake_r.close()
        self.wake_w.close()

    def _connect(self):
        if isinstance(self.target, str):
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        else:
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.connect(self.target)
        return s

    def _drop(self, s):
        with self.lock:
            o = self.peer.pop(s, None)
            if o is not None:
                self.peer.pop(o, None)
        s.close()
        if o is not None:
            o.close()

    def _run(self):
        while not self.quit:
            with self.lock:
                cut = self.cut
                socks = [] if cut else list(self.peer)
            rl = [self.wake_r] + ([] if cut else [self.lsock]) + socks
            try:
                ready, _, _ = select.select(rl, [], [], 1.0)
            except (OSError, ValueError):
                continue   # a socket reset() closed meanwhile
            for s in ready:
                if s is self.wake_r:
                    self.wake_r.recv(4096)
                    continue
                if self.cut:
                    break
                if s is self.lsock:
                    c, _ = self.lsock.accept()
                    try:
                        u = self._connect()
                    except OSError:
                        c.close()
                        continue
                    with self.lock:
                        self.peer[c] = u
                        self.peer[u] = c
                    self.accepted += 1
                    continue
                with self.lock:
                    o = self.peer.get(s)
                if o is None:
                    continue   # reset() took it away
                try:
                    data = s.recv(65536)
                except OSError:
                    data = b""
                if not data:
                    self._drop(s)
                    continue
                try:
                    o.sendall(data)
                except OSError:
                    self._drop(s)
