# SPDX-License-Identifier: GPL-2.0
# load.py - test and demo client: real TCP (HTTP) or UDP requests to a VIP, each on a new
# connection or socket (so each is a new flow), counting which backend answered.
# Usage: load.py tcp|udp VIP COUNT [--upload BYTES] [--path PATH] [--timeout S] [--flows]
# Prints one JSON object: {"answers": {"backend1": N, ...}, "failures": N, "errors": [...],
# "seconds": S}, with --flows also "flows": [[SOURCE_PORT, "backendN"], ...] for the requests
# answered. Bounded: COUNT requests, each with a timeout.
import json
import socket
import sys
import time


def one_tcp(fam, vip, path, upload, timeout):
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.settimeout(timeout)
    try:
        s.connect((vip, 80))
        sport = s.getsockname()[1]
        if upload:
            s.sendall(b"POST / HTTP/1.0\r\nContent-Length: %d\r\n\r\n" % upload)
            s.sendall(b"u" * upload)
        else:
            s.sendall(b"GET %s HTTP/1.0\r\n\r\n" % path.encode())
        data = b""
        while True:
            d = s.recv(65536)
            if not d:
                break
            data += d
    finally:
        s.close()
    head, _, body = data.partition(b"\r\n\r\n")
    if not head.startswith(b"HTTP/1.0 200"):
        raise RuntimeError("bad answer: %r" % head[:40])
    name = body.split(b"\n", 1)[0].split(b" ")[0].decode()
    if upload and body.split(b"\n", 1)[0].split(b" ")[1] != str(upload).encode():
        raise RuntimeError("upload truncated: %r" % body[:40])
    return name, sport


def one_udp(fam, vip, timeout):
    s = socket.socket(fam, socket.SOCK_DGRAM)
    s.settimeout(timeout)
    try:
        s.sendto(b"ping", (vip, 7))
        sport = s.getsockname()[1]
        data, _ = s.recvfrom(2048)
    finally:
        s.close()
    return data.split(b" ", 1)[0].decode(), sport


def main():
    proto, vip, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
    args = sys.argv[4:]
    upload = int(args[args.index("--upload") + 1]) if "--upload" in args else 0
    path = args[args.index("--path") + 1] if "--path" in args else "/"
    timeout = float(args[args.index("--timeout") + 1]) if "--timeout" in args else 2.0
    fam = socket.AF_INET6 if ":" in vip else socket.AF_INET
    answers, errors, failures, flows = {}, [], 0, []
    t0 = time.time()
    for _ in range(count):
        try:
            if proto == "tcp":
                name, sport = one_tcp(fam, vip, path, upload, timeout)
            else:
                name, sport = one_udp(fam, vip, timeout)
            answers[name] = answers.get(name, 0) + 1
            flows.append([sport, name])
        except Exception as e:  # every failure is counted and a few are shown
            failures += 1
            if len(errors) < 3:
                errors.append(repr(e))
    out = {"answers": answers, "failures": failures, "errors": errors,
           "seconds": round(time.time() - t0, 2)}
    if "--flows" in args:
        out["flows"] = flows
    print(json.dumps(out))


main()
