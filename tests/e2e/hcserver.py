#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
# hcserver.py - the many-backend server of health_scale.sh: one process answers the health
# checks of every address routed to its namespace (an AnyIP local route). TCP port TCP_PORT:
# accept and close; HTTP port HTTP_PORT: read the request, answer "200 OK", close. It counts
# the connections per local address and the largest gap between two arrivals at one address,
# and writes them as JSON to OUT on SIGUSR1: {"conns": {addr: n}, "max_gap_s": {addr: s}}.
#
#   hcserver.py TCP_PORT HTTP_PORT OUT
import json, os, selectors, signal, socket, sys, time

tcp_port, http_port, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
sel = selectors.DefaultSelector()
conns, last, gap = {}, {}, {}
REPLY = b"HTTP/1.0 200 OK\r\nContent-Length: 3\r\n\r\nok\n"


def listener(port):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", port))
    s.listen(65535)
    s.setblocking(False)
    return s


def seen(addr):
    now = time.monotonic()
    conns[addr] = conns.get(addr, 0) + 1
    if addr in last:
        gap[addr] = max(gap.get(addr, 0.0), now - last[addr])
    last[addr] = now


def dump(*_):
    with open(out + ".tmp", "w") as f:
        json.dump({"conns": conns, "max_gap_s": gap}, f)
    os.replace(out + ".tmp", out)


signal.signal(signal.SIGUSR1, dump)
tcp, http = listener(tcp_port), listener(http_port)
sel.register(tcp, selectors.EVENT_READ, "tcp")
sel.register(http, selectors.EVENT_READ, "http")
open(out + ".ready", "w").close()
while True:
    try:
        events = sel.select()
    except InterruptedError:
        continue
    for key, _ in events:
        if key.data in ("tcp", "http"):
            while True:
                try:
                    c, _ = key.fileobj.accept()
                except (BlockingIOError, InterruptedError):
                    break
                seen(c.getsockname()[0])
                if key.data == "tcp":
                    c.close()
                else:
                    c.setblocking(False)
                    sel.register(c, selectors.EVENT_READ, b"")
        else:
            c = key.fileobj
            try:
                data = c.recv(4096)
            except (BlockingIOError, InterruptedError):
                continue
            except OSError:
                data = b""
            buf = key.data + data
            if data and b"\r\n\r\n" not in buf:
                sel.modify(c, selectors.EVENT_READ, buf)
                continue
            sel.unregister(c)
            if data:
                try:
                    c.send(REPLY)
                except OSError:
                    pass
            c.close()
