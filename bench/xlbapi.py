# SPDX-License-Identifier: GPL-2.0
# xlbapi.py - what the Python benchmarks share: xlbd's control API over its Unix socket, raw
# rounds written as the tab-separated rows scripts/bench-report.py reads, and BENCH_QUICK.
import http.client
import json
import os
import socket


class UnixHTTP(http.client.HTTPConnection):
    """HTTP/1.1 to xlbd's Unix socket (one connection, re-used)."""

    def __init__(self, path, timeout=30):
        super().__init__("xlbd", timeout=timeout)
        self.path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(self.timeout)
        self.sock.connect(self.path)


def api(sock, method, path, body=None):
    """Call xlbd's API; returns (status, decoded JSON or None)."""
    c = UnixHTTP(sock)
    try:
        c.request(method, path, body=body,
                  headers={"Content-Type": "application/json"} if body else {})
        r = c.getresponse()
        data = r.read()
    finally:
        c.close()
    try:
        return r.status, json.loads(data)
    except ValueError:
        return r.status, None


def quick():
    return os.environ.get("BENCH_QUICK", "0") not in ("", "0")


class Tsv:
    """Rows "BENCH CASE UNIT ROUND VALUE" and "attr BENCH CASE KEY VALUE"."""

    def __init__(self, path, bench):
        self.f = open(path, "w") if path else None
        self.bench = bench

    def row(self, case, unit, rnd, value):
        if self.f:
            self.f.write("%s\t%s\t%s\t%d\t%.6g\n" % (self.bench, case, unit, rnd, value))
            self.f.flush()

    def attr(self, case, key, value):
        if self.f:
            self.f.write("attr\t%s\t%s\t%s\t%s\n" % (self.bench, case, key, value))
            self.f.flush()


def summary(values):
    """(median, min, max) of a non-empty list."""
    s = sorted(values)
    n = len(s)
    med = s[n // 2] if n % 2 else (s[n // 2 - 1] + s[n // 2]) / 2
    return med, s[0], s[-1]
