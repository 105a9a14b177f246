# SPDX-License-Identifier: GPL-2.0
# traffic.py - the soak's continuous load through the lab's VIPs (tests/soak/soak.py runs it):
# HTTP on a new connection per request, HTTP on long-lived keep-alive connections, and UDP
# request/response, each through the IPv4 and the IPv6 VIP. Every request is counted per second
# and kind; every failure is kept with its start time (the time the invariants judge it by), and
# every keep-alive connection's opening, backend and end. The backends answer with their name
# (scripts/lab-server.py), so a client always knows which backend served it.
import socket
import threading
import time

HTTP_TIMEOUT = 2.0  # s: a request that has no whole answer by then has failed
UDP_TIMEOUT = 1.0
KA_PERIOD = 0.2  # s between two requests on one keep-alive connection


class Tally:
    """Thread-safe counts: ok and failed requests per (second, kind), failures with their
    details, keep-alive connection records, and the totals."""

    def __init__(self, t0):
        self.t0 = t0
        self.lock = threading.Lock()
        self.per_sec = {}  # second -> {kind: [ok, failed]}
        self.totals = {}  # kind -> [ok, failed]
        self.failures = []  # {"kind", "fam", "start", "end", "error", ...}
        self.kaconns = []  # keep-alive connection records (dicts, updated in place)

    def count(self, kind, start, ok, failure=None):
        sec = int(start - self.t0)
        with self.lock:
            row = self.per_sec.setdefault(sec, {}).setdefault(kind, [0, 0])
            tot = self.totals.setdefault(kind, [0, 0])
            row[0 if ok else 1] += 1
            tot[0 if ok else 1] += 1
            if failure is not None:
                self.failures.append(failure)


def read_http(sock, buf):
    """Read one HTTP answer with a Content-Length from sock: (status line, body, rest)."""
    while b"\r\n\r\n" not in buf:
        d = sock.recv(65536)
        if not d:
            raise ConnectionError("closed before the answer's head")
        buf += d
    head, _, rest = buf.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    length = 0
    for ln in lines[1:]:
        k, _, v = ln.partition(b":")
        if k.strip().lower() == b"content-length":
            length = int(v.strip())
    while len(rest) < length:
        d = sock.recv(65536)
        if not d:
            raise ConnectionError("closed in the answer's body")
        rest += d
    return lines[0], rest[:length], rest[length:]


def name_of(status, body):
    if not status.startswith(b"HTTP/1.") or b" 200 " not in status + b" ":
        raise RuntimeError("bad answer: %r" % status[:40])
    return body.split(b"\n", 1)[0].split(b" ")[0].decode()


def http_new(fam, vip):
    """One GET on a new connection (HTTP/1.0, closed by the server): the backend's name."""
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.settimeout(HTTP_TIMEOUT)
    try:
        s.connect((vip, 80))
        s.sendall(b"GET / HTTP/1.0\r\n\r\n")
        status, body, _ = read_http(s, b"")
    finally:
        s.close()
    return name_of(status, body)


def udp_echo(fam, vip):
    """One UDP request and its echo, on a new socket (a new flow): the backend's name."""
    s = socket.socket(fam, socket.SOCK_DGRAM)
    s.settimeout(UDP_TIMEOUT)
    try:
        s.sendto(b"soak", (vip, 7))
        data, _ = s.recvfrom(2048)
    finally:
        s.close()
    name, _, rest = data.partition(b" ")
    if rest != b"soak":
        raise RuntimeError("bad echo: %r" % data[:40])
    return name.decode()


def prime(vips, tries=10):
    """Send one request of each kind through each VIP until one is answered (at most tries
    each), before the counted load: "KIND FAM: N tries" for each."""
    out = []
    for famname, vip in sorted(vips.items()):
        fam = socket.AF_INET6 if ":" in vip else socket.AF_INET
        for kind, fn in (("http", http_new), ("udp", udp_echo)):
            for k in range(1, tries + 1):
                try:
                    fn(fam, vip)
                    break
                except OSError:
                    time.sleep(0.1)
            out.append("%s %s: %d tries" % (kind, famname, k))
    return ", ".join(out)


class Load:
    """The load generators, started by start() and stopped by stop(): per VIP family, NEW
    threads of HTTP on new connections, KA keep-alive connections and UDP threads of
    request/response. fingerprint(fam) gives the service table's fingerprint known now (the
    keep-alive records keep the one at their opening)."""

    def __init__(self, tally, vips, fingerprint, new=2, ka=6, udp=1, pause=0.02):
        self.tally, self.vips, self.fingerprint = tally, vips, fingerprint
        self.new, self.ka, self.udp, self.pause = new, ka, udp, pause
        self.stopping = threading.Event()
        self.threads = []

    def _loop_requests(self, kind, fn, fam, vip, famname):
        while not self.stopping.is_set():
            start = time.time()
            try:
                name = fn(fam, vip)
                self.tally.count(kind, start, True)
            except Exception as e:  # each failure is kept for the invariants
                self.tally.count(kind, start, False, {"kind": kind, "fam": famname,
                                                      "start": start, "end": time.time(),
                                                      "error": repr(e)[:120]})
                name = None
            self.stopping.wait(self.pause)

    def _keepalive(self, fam, vip, famname, idx):
        while not self.stopping.is_set():
            rec = {"id": "%s-%d-%.3f" % (famname, idx, time.time()), "fam": famname,
                   "opened": time.time(), "fp_open": self.fingerprint(famname, "tcp"),
                   "backend": None, "requests": 0, "end": None, "end_start": None,
                   "end_why": None, "changed_to": None}
            with self.tally.lock:
                self.tally.kaconns.append(rec)
            s = socket.socket(fam, socket.SOCK_STREAM)
            s.settimeout(HTTP_TIMEOUT)
            buf = b""
            try:
                s.connect((vip, 80))
                while not self.stopping.is_set():
                    start = time.time()
                    try:
                        s.sendall(b"GET / HTTP/1.1\r\nHost: soak\r\n\r\n")
                        status, body, buf = read_http(s, buf)
                        name = name_of(status, body)
                    except Exception as e:
                        rec.update(end=time.time(), end_start=start, end_why=repr(e)[:120])
                        self.tally.count("http_keepalive", start, False,
                                         {"kind": "http_keepalive", "fam": famname,
                                          "start": start, "end": time.time(),
                                          "error": repr(e)[:120], "conn": rec["id"],
                                          "backend": rec["backend"]})
                        break
                    if rec["backend"] is None:
                        rec["backend"] = name
                    elif name != rec["backend"]:
                        # The same connection answered by another backend: a break too.
                        rec.update(end=time.time(), end_start=start, end_why="changed backend",
                                   changed_to=name)
                        self.tally.count("http_keepalive", start, False,
                                         {"kind": "http_keepalive", "fam": famname,
                                          "start": start, "end": time.time(),
                                          "error": "answered by %s" % name,
                                          "conn": rec["id"], "backend": rec["backend"]})
                        break
                    rec["requests"] += 1
                    self.tally.count("http_keepalive", start, True)
                    self.stopping.wait(KA_PERIOD)
            except Exception as e:  # the connection could not be opened
                start = rec["opened"]
                rec.update(end=time.time(), end_start=start, end_why="connect: " + repr(e)[:100])
                self.tally.count("http_keepalive", start, False,
                                 {"kind": "http_keepalive", "fam": famname, "start": start,
                                  "end": time.time(), "error": "connect: " + repr(e)[:100],
                                  "conn": rec["id"], "backend": None})
            finally:
                s.close()
            if rec["end"] is None:
                rec["end"] = time.time()
                rec["end_why"] = "stopped"
            self.stopping.wait(KA_PERIOD)

    def start(self):
        for famname, vip in self.vips.items():
            fam = socket.AF_INET6 if ":" in vip else socket.AF_INET
            for _ in range(self.new):
                self.threads.append(threading.Thread(
                    target=self._loop_requests, args=("http_new", http_new, fam, vip, famname)))
            for _ in range(self.udp):
                self.threads.append(threading.Thread(
                    target=self._loop_requests, args=("udp", udp_echo, fam, vip, famname)))
            for i in range(self.ka):
                self.threads.append(threading.Thread(
                    target=self._keepalive, args=(fam, vip, famname, i)))
        for t in self.threads:
            t.daemon = True
            t.start()

    def stop(self):
        self.stopping.set()
        for t in self.threads:
            t.join(HTTP_TIMEOUT + 3)
