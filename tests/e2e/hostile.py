# SPDX-License-Identifier: GPL-2.0
# hostile.py - test client: hostile clients against one of xlbd's HTTP servers (the control API
# on its Unix socket, or /metrics on TCP) while a well-behaved client keeps asking it, one
# request every 50 ms, each on a new connection with a 2 s timeout. Run in xlbd's network
# namespace. One attack per run:
#   idle N        N connections that send nothing
#   slowloris N   N connections sending a request one byte per second
#   oversized     a request announcing a 100 MiB body, sending it as fast as it is taken
#   endless       a chunked request body that never ends
#   malformed     a series of broken requests, each on its own connection
#   noread        requests pipelined on one connection whose answers are never read
# The attack lasts SECONDS. Prints one JSON object: the good client's requests ("good_ok",
# "good_failed", "good_max_s", the first errors) and what the attack saw ("attack": connections
# opened, refused, closed by the server, bytes the server took, answers' status lines).
#
#   hostile.py unix:PATH|tcp:HOST:PORT GOOD_PATH ATTACK [N] SECONDS
import json
import multiprocessing
import resource
import socket
import sys
import time


def connect(target, timeout):
    kind, _, where = target.partition(":")
    if kind == "unix":
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        addr = where
    else:
        host, _, port = where.rpartition(":")
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        addr = (host, int(port))
    s.settimeout(timeout)
    s.connect(addr)
    return s


def read_status(s):
    """The status line of the answer on s, or "" when the server closed without one."""
    data = b""
    while b"\r\n" not in data:
        d = s.recv(4096)
        if not d:
            break
        data += d
    return data.split(b"\r\n", 1)[0].decode("latin-1")


def good_client(target, path, stop, results):
    """The well-behaved client, a process of its own (as another user of the server would be,
    not sharing the attacker's interpreter): one GET every 50 ms until stop is set; puts
    {"good_ok", "good_failed", "good_max_s", "good_errors"} on results."""
    ok = failed = 0
    max_s = 0.0
    errors = []
    while not stop.is_set():
        t0 = time.monotonic()
        try:
            s = connect(target, 2)
            s.sendall(b"GET %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n" % path.encode())
            st = read_status(s)
            s.close()
            if not st.startswith("HTTP/1.1 200"):
                raise OSError("answer %r" % st)
            ok += 1
        except OSError as e:
            failed += 1
            if len(errors) < 3:
                errors.append(repr(e))
        max_s = max(max_s, time.monotonic() - t0)
        time.sleep(0.05)
    results.put({"good_ok": ok, "good_failed": failed, "good_max_s": round(max_s, 3),
                 "good_errors": errors})


def open_conns(target, n, out):
    """n connections to target; those refused are counted in out, the opened ones too."""
    conns = []
    for _ in range(n):
        try:
            conns.append(connect(target, 5))
        except OSError:
            out["refused"] += 1
    out["opened"] = len(conns)
    return conns


def idle(target, n, seconds, out):
    conns = open_conns(target, n, out)
    time.sleep(seconds)
    for s in conns:
        # Closed by the server: readable with nothing to read.
        s.setblocking(False)
        try:
            if s.recv(1) == b"":
                out["closed_by_server"] += 1
        except BlockingIOError:
            pass
        except OSError:
            out["closed_by_server"] += 1
        s.close()


def slowloris(target, n, seconds, out):
    req = b"GET /v1/status HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 1000
    conns = open_conns(target, n, out)
    for i in range(int(seconds)):
        for s in list(conns):
            try:
                s.sendall(req[i:i + 1])
            except OSError:
                out["closed_by_server"] += 1
                conns.remove(s)
                s.close()
        time.sleep(1)
    for s in conns:
        s.close()


def body(target, seconds, out, chunked):
    head = (b"POST /v1/config HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n" +
            (b"Transfer-Encoding: chunked\r\n\r\n" if chunked else
             b"Content-Length: %d\r\n\r\n" % (100 << 20)))
    chunk = b"[" * 65536
    if chunked:
        chunk = b"%x\r\n" % len(chunk) + chunk + b"\r\n"
    s = connect(target, 2)
    out["opened"] = 1
    end = time.monotonic() + seconds
    try:
        s.sendall(head)
        while time.monotonic() < end:
            out["bytes_taken"] += s.send(chunk)
    except OSError:
        out["closed_by_server"] += 1
    try:
        s.settimeout(2)
        out["answers"].append(read_status(s))
    except OSError as e:
        out["answers"].append(repr(e))
    s.close()


MALFORMED = [
    b"\x00\xff\x16\x03\x01garbage\r\n\r\n",
    b"GET\r\n\r\n",
    b"GET / HTTP/9.9\r\n\r\n",
    b"GET / HTTP/1.1\r\nno colon here\r\n\r\n",
    b"GET /" + b"a" * 100000 + b" HTTP/1.1\r\n\r\n",
    b"GET / HTTP/1.1\r\nX-Big: " + b"b" * 100000 + b"\r\n\r\n",
    b"POST /v1/config HTTP/1.1\r\nContent-Length: -5\r\n\r\n",
    b"POST /v1/config HTTP/1.1\r\nContent-Length: 99999999999999999999\r\n\r\n",
    b"POST /v1/config HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
    b"\r\n\r\n\r\n\r\n",
]


def malformed(target, seconds, out):
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        for m in MALFORMED:
            try:
                s = connect(target, 2)
                out["opened"] += 1
                try:
                    s.sendall(m)
                except OSError:
                    pass  # the server may close while a huge request is still being sent
                st = read_status(s)
                if len(out["answers"]) < len(MALFORMED):
                    out["answers"].append(st)
                s.close()
            except OSError as e:
                out["answers"].append(repr(e))
        time.sleep(0.2)


def noread(target, seconds, out):
    s = connect(target, 2)
    out["opened"] = 1
    s.setblocking(False)
    req = b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n" if target.startswith("tcp") else \
        b"GET /v1/services HTTP/1.1\r\nHost: x\r\n\r\n"
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        try:
            out["bytes_taken"] += s.send(req)
        except BlockingIOError:
            time.sleep(0.05)
        except OSError:
            out["closed_by_server"] += 1
            break
    s.close()


def main():
    target, good_path, attack = sys.argv[1], sys.argv[2], sys.argv[3]
    n = int(sys.argv[4]) if len(sys.argv) > 5 else 0
    seconds = float(sys.argv[-1])
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    out = {"opened": 0, "refused": 0, "closed_by_server": 0, "bytes_taken": 0, "answers": []}
    stop, results = multiprocessing.Event(), multiprocessing.Queue()
    good = multiprocessing.Process(target=good_client, args=(target, good_path, stop, results))
    good.start()
    time.sleep(0.2)
    if attack == "idle":
        idle(target, n, seconds, out)
    elif attack == "slowloris":
        slowloris(target, n, seconds, out)
    elif attack in ("oversized", "endless"):
        body(target, seconds, out, attack == "endless")
    elif attack == "malformed":
        malformed(target, seconds, out)
    elif attack == "noread":
        noread(target, seconds, out)
    else:
        sys.exit("hostile.py: unknown attack %r" % attack)
    stop.set()
    summary = results.get(timeout=10)
    good.join()
    summary["attack"] = out
    print(json.dumps(summary))


main()
