# SPDX-License-Identifier: GPL-2.0
# xlbapi.py - xlbd's control API over its Unix socket, for the tests and the benchmarks in
# Python (tests/e2e/xlbdq.py, bench/*.py): one request per connection, JSON in and out.
import http.client
import json
import socket


class UnixHTTP(http.client.HTTPConnection):
    """HTTP/1.1 to xlbd's Unix socket at path."""

    def __init__(self, path, timeout=30):
        super().__init__("xlbd", timeout=timeout)
        self.path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(self.timeout)
        self.sock.connect(self.path)


def api(sock, method, path, body=None):
    """Call xlbd's API at Unix socket sock: (HTTP status, decoded JSON or None). Raises OSError
    when xlbd does not answer."""
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
