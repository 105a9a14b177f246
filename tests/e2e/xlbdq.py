# SPDX-License-Identifier: GPL-2.0
# xlbdq.py - the lab tests' queries of xlbd's control API, fast enough to poll every 20 ms from
# one process (a curl and a python per poll take tens of milliseconds):
#   xlbdq.py wait SOCK STATE LIMIT_S SINCE "SERVICE ADDRESS"...
#       seconds from SINCE (a Unix time, or "now") until each backend's health state is STATE,
#       or "timeout" after LIMIT_S; one figure per backend, in order, on one line
#   xlbdq.py field SOCK SERVICE ADDRESS FIELD      one field of a backend's health
#   xlbdq.py reached SOCK STATE LIMIT_S "SERVICE ADDRESS"
#       the backend's "consecutive" (its run of equal check results) when it is first seen in
#       STATE: right after a transition that is the rise or fall that caused it; "timeout"
# As a module: get(sock, path) and health(sock, service, address).
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from xlbapi import api  # noqa: E402


def get(sock, path):
    """GET path from xlbd's Unix socket: the decoded JSON answer."""
    return api(sock, "GET", path)[1]


def health(sock, svc, addr):
    """The health object of one backend of one service ({} when there is none)."""
    for b in get(sock, "/v1/health")["backends"]:
        if b["service"] == svc and b["address"] == addr:
            return b
    return {}


def wait(sock, want, limit, since, pairs):
    t0 = time.time() if since == "now" else float(since)
    times = {}
    while time.time() - t0 < limit and len(times) < len(pairs):
        for p in pairs:
            if p not in times and health(sock, *p.split()).get("state") == want:
                times[p] = "%.2f" % (time.time() - t0)
        time.sleep(0.02)
    return " ".join(times.get(p, "timeout") for p in pairs)


def reached(sock, want, limit, pair):
    t0 = time.time()
    while time.time() - t0 < limit:
        h = health(sock, *pair.split())
        if h.get("state") == want:
            return str(h.get("consecutive"))
        time.sleep(0.02)
    return "timeout"


def main():
    cmd, sock = sys.argv[1], sys.argv[2]
    if cmd == "wait":
        print(wait(sock, sys.argv[3], float(sys.argv[4]), sys.argv[5], sys.argv[6:]))
    elif cmd == "reached":
        print(reached(sock, sys.argv[3], float(sys.argv[4]), sys.argv[5]))
    elif cmd == "field":
        print(health(sock, sys.argv[3], sys.argv[4]).get(sys.argv[5]))


if __name__ == "__main__":
    main()
