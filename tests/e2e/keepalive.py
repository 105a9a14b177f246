#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
# keepalive.py - test client: N HTTP/1.1 keep-alive connections to a VIP, each asked once per
# round, to show which backend each connection stays on while the test changes the balancer
# between rounds. Round 1 runs at once; before each later round the client waits (up to 60 s)
# for its go-file to exist, then asks on every connection again. Prints one JSON object:
# {"conns": [["backend1", "backend1", ...], ...], "errors": ["conn 3 round 2: ...", ...]}:
# one list per connection, the backend that answered in each round, null where it failed.
#
#   keepalive.py VIP N READY-FILE [GO-FILE...]
# READY-FILE is created once round 1 is over, so that the test knows when to act.
import json
import os
import socket
import sys
import time

# The soak's HTTP/1.1 answer reader (Content-Length bodies, the backend's name first).
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "soak"))
from traffic import name_of, read_http  # noqa: E402


def main():
    vip, n, ready, gos = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4:]
    fam = socket.AF_INET6 if ":" in vip else socket.AF_INET
    socks, bufs, out, errors = [], [], [], []
    for i in range(n):
        s = socket.socket(fam, socket.SOCK_STREAM)
        s.settimeout(3)
        try:
            s.connect((vip, 80))
        except OSError as e:
            errors.append("conn %d connect: %s" % (i, e))
            s = None
        socks.append(s)
        bufs.append(b"")
        out.append([])
    for rnd, go in enumerate([None] + gos, 1):
        if go:
            deadline = time.time() + 60
            while not os.path.exists(go) and time.time() < deadline:
                time.sleep(0.02)
        for i, s in enumerate(socks):
            if s is None:
                out[i].append(None)
                continue
            try:
                s.sendall(b"GET / HTTP/1.1\r\nHost: vip\r\n\r\n")
                status, body, bufs[i] = read_http(s, bufs[i])
                name = name_of(status, body)
                out[i].append(name)
            except (OSError, RuntimeError, ValueError) as e:
                errors.append("conn %d round %d: %s" % (i, rnd, e))
                out[i].append(None)
                s.close()
                socks[i] = None
        if rnd == 1:
            open(ready, "w").close()
    for s in socks:
        if s:
            s.close()
    print(json.dumps({"conns": out, "errors": errors}))


if __name__ == "__main__":
    main()
