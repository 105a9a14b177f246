# SPDX-License-Identifier: GPL-2.0
# load.py - test and demo client: real TCP (HTTP) or UDP requests to a VIP, each on a new
# connection or socket (so each is a new flow), counting which backend answered.
# Usage: load.py tcp|udp VIP COUNT [--upload BYTES] [--path PATH] [--timeout S] [--flows]
#                [--concurrency N] [--until FILE] [--spans FILE]
# Prints one JSON object: {"answers": {"backend1": N, ...}, "failures": N, "errors": [...],
# "seconds": S, "requests": N}, with --flows also "flows": [[SOURCE_PORT, "backendN"], ...] for
# the requests answered. --concurrency runs N clients at once (COUNT requests in all);
# --until stops starting requests once FILE exists; --spans writes each request's
# [start, end, ok] (time.time()) to FILE, one JSON list, so that a test can count the requests
# in flight at a moment it chose. Bounded: COUNT requests at most, each with a timeout.
import json
import os
import socket
import sys
import threading
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
    conc = int(args[args.index("--concurrency") + 1]) if "--concurrency" in args else 1
    until = args[args.index("--until") + 1] if "--until" in args else None
    spans_file = args[args.index("--spans") + 1] if "--spans" in args else None
    fam = socket.AF_INET6 if ":" in vip else socket.AF_INET
    answers, errors, flows, spans = {}, [], [], []
    left = [count]
    lock = threading.Lock()

    def client():
        while True:
            with lock:
                if left[0] == 0 or (until and os.path.exists(until)):
                    return
                left[0] -= 1
            start = time.time()
            try:
                if proto == "tcp":
                    name, sport = one_tcp(fam, vip, path, upload, timeout)
                else:
                    name, sport = one_udp(fam, vip, timeout)
                with lock:
                    answers[name] = answers.get(name, 0) + 1
                    flows.append([sport, name])
                    spans.append([start, time.time(), True])
            except Exception as e:  # every failure is counted and a few are shown
                with lock:
                    spans.append([start, time.time(), False])
                    if len(errors) < 3:
                        errors.append(repr(e))

    t0 = time.time()
    threads = [threading.Thread(target=client) for _ in range(conc)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    out = {"answers": answers, "failures": sum(1 for sp in spans if not sp[2]),
           "errors": errors, "seconds": round(time.time() - t0, 2), "requests": len(spans)}
    if spans_file:
        with open(spans_file, "w") as f:
            json.dump(spans, f)
    if "--flows" in args:
        out["flows"] = flows
    print(json.dumps(out))


main()
