# SPDX-License-Identifier: GPL-2.0
# slowpost.py - test client: open COUNT long-lived TCP connections to VIP:80 at once and POST a
# body of BYTES bytes over each, one byte every INTERVAL seconds, so that the connections live
# while the test changes the load balancer underneath them. Prints one JSON object:
# {"ok": {"backend1": N, ...}, "failures": N, "errors": [...]}. Bounded by count and time.
import json
import selectors
import socket
import sys
import time


def main():
    vip, count, nbytes, interval = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
    fam = socket.AF_INET6 if ":" in vip else socket.AF_INET
    conns, errors, failures, ok = [], [], 0, {}
    for _ in range(count):
        s = socket.socket(fam, socket.SOCK_STREAM)
        s.settimeout(5)
        try:
            s.connect((vip, 80))
            s.sendall(b"POST / HTTP/1.0\r\nContent-Length: %d\r\n\r\n" % nbytes)
            conns.append(s)
        except OSError as e:
            failures += 1
            errors.append(repr(e))
    for _ in range(nbytes):
        time.sleep(interval)
        for s in list(conns):
            try:
                s.sendall(b"p")
            except OSError as e:
                failures += 1
                if len(errors) < 5:
                    errors.append(repr(e))
                conns.remove(s)
                s.close()
    for s in conns:
        try:
            data = b""
            while True:
                d = s.recv(4096)
                if not d:
                    break
                data += d
            body = data.partition(b"\r\n\r\n")[2].split(b" ")
            if body[1].strip() != str(nbytes).encode():
                raise RuntimeError("short body %r" % data[-40:])
            name = body[0].decode()
            ok[name] = ok.get(name, 0) + 1
        except Exception as e:
            failures += 1
            if len(errors) < 5:
                errors.append(repr(e))
        finally:
            s.close()
    print(json.dumps({"ok": ok, "failures": failures, "errors": errors}))


main()
