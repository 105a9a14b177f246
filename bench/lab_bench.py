#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
# lab_bench.py - benchmarks in the namespace lab (scripts/lab.sh: 3 backends, 1 client):
#
# 1. failover: a backend fails and the time until its slots have moved is measured, many rounds,
#    by polling the table in the data path (GET /v1/tables/10.0.0.10/80/tcp) every 5 ms until the
#    backend is gone from it; then the time until it is back after recovering. Two ways to fail,
#    alternating: the server hangs (SIGSTOP) or the backend's link goes down. The lab's checks:
#    HTTP every 200 ms (jitter 10 %), timeout 150 ms, fall 2, rise 2 (scripts/xlbd-conf.sh).
# 2. end to end: HTTP requests/s and latency percentiles with wrk from the client, through the VIP
#    and straight to backend 1, alternating in the same lab. Backends 2 and 3 are disabled first,
#    so both paths end at the same server and only the path differs.
#
#   lab_bench.py TOP [-o FILE]
#
# Aborts when the lab does not come up, a backend never leaves or returns, or wrk gets errors.
import os
import re
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [HERE, os.path.join(HERE, "..", "tests", "lib")]
from rounds import Tsv, quick, summary  # noqa: E402
from xlbapi import api  # noqa: E402

TOP = sys.argv[1]
LAB_ID = os.environ.get("LAB_ID", "bn%d" % os.getpid())
STATE = "/run/xlb-lab/" + LAB_ID
SOCK = STATE + "/xlbd.sock"
TABLE = "/v1/tables/10.0.0.10/80/tcp"
ENV = dict(os.environ, LAB_ID=LAB_ID)


def lab(*args, **kw):
    return subprocess.run([TOP + "/scripts/lab.sh"] + list(args), env=ENV, check=True, **kw)


def in_table(addr):
    st, js = api(SOCK, "GET", TABLE)
    if st != 200:
        sys.exit("lab_bench: %s: %d %s" % (TABLE, st, js))
    return any(b["address"] == addr and b["slots"] > 0 for b in js["backends"])


def wait_table(addr, present, limit=10.0):
    """Poll until addr is (not) in the table; returns the seconds it took."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < limit:
        if in_table(addr) == present:
            return time.monotonic() - t0
        time.sleep(0.005)
    sys.exit("lab_bench: %s still %s the table after %.0f s" %
             (addr, "out of" if present else "in", limit))


def fail(kind, i, down):
    if kind == "server hangs (SIGSTOP)":
        pid = int(open("%s/server%d.pid" % (STATE, i)).read())
        os.kill(pid, 19 if down else 18)  # SIGSTOP / SIGCONT
    else:
        node = "backend%d" % i
        if down:  # keep the IPv6 address over the outage (the IPv4 one is kept anyway)
            lab("exec", node, "sysctl", "-qw", "net.ipv6.conf.eth0.keep_addr_on_down=1")
        lab("exec", node, "ip", "link", "set", "eth0", "down" if down else "up")
        if not down:  # link down removed the default routes
            lab("exec", node, "ip", "route", "replace", "default", "via", "10.101.%d.1" % i)
            lab("exec", node, "ip", "-6", "route", "replace", "default", "via",
                "fd00:101:%d::1" % i)


def failover(tsv, rounds):
    kinds = ["server hangs (SIGSTOP)", "link down"]
    res = {}
    for r in range(rounds):
        for k, kind in enumerate(kinds):
            i = 1 + (r * len(kinds) + k) % 3
            addr = "10.101.%d.2" % i
            # Only this service's table matters here: the other services' checks (UDP, IPv6)
            # of a backend whose link came back may take longer, and are not measured.
            wait_table(addr, True)
            fail(kind, i, True)
            gone = wait_table(addr, False)
            fail(kind, i, False)
            back = wait_table(addr, True)
            tsv.attr(kind, "order", k)
            tsv.row(kind, "out_ms", r, gone * 1000)
            tsv.row(kind, "back_ms", r, back * 1000)
            res.setdefault((kind, "out"), []).append(gone * 1000)
            res.setdefault((kind, "back"), []).append(back * 1000)
    for (kind, what), v in res.items():
        print("failover %-24s %-4s ms: median %6.0f  min %6.0f  max %6.0f" %
              ((kind, what) + summary(v)))


UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 6e4}


def ms(text):
    m = re.match(r"([\d.]+)(us|ms|s|m)$", text)
    return float(m.group(1)) * UNITS[m.group(2)]


def wrk(url, seconds):
    out = subprocess.run([TOP + "/scripts/lab.sh", "exec", "client1", "wrk", "-t1", "-c8",
                          "-d%ds" % seconds, "--timeout", "2s", "--latency", url],
                         env=ENV, check=True, capture_output=True, text=True).stdout
    res = {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))}
    for p in ("50", "90", "99"):
        res["p" + p] = ms(re.search(r"^\s+%s%%\s+(\S+)" % p, out, re.M).group(1))
    n = int(re.search(r"(\d+) requests in", out).group(1))
    err = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = (sum(int(x) for x in err.groups()) if err else 0) + (int(bad.group(1)) if bad else 0)
    if n == 0 or errors > n / 100:
        sys.exit("lab_bench: wrk %s: %d requests, %d errors:\n%s" % (url, n, errors, out))
    return res


def end_to_end(tsv, rounds, seconds):
    for i in (2, 3):
        st, js = api(SOCK, "PATCH", "/v1/services/10.0.0.10/80/tcp/backends/10.101.%d.2" % i,
                     b'{"state": "disabled"}')
        if st != 200:
            sys.exit("lab_bench: cannot disable backend %d: %s" % (i, js))
    wait_table("10.101.2.2", False)
    wait_table("10.101.3.2", False)
    paths = [("through the VIP (xlb_lb)", "http://10.0.0.10/"),
             ("straight to backend 1", "http://10.101.1.2/")]
    res = {}
    for r in range(rounds):
        for k, (name, url) in enumerate(paths):
            w = wrk(url, seconds)
            tsv.attr(name, "order", k)
            for key, v in w.items():
                tsv.row(name, key, r, v)
                res.setdefault((name, key), []).append(v)
    for (name, key), v in res.items():
        print("e2e %-26s %-4s median %8.2f  min %8.2f  max %8.2f" % ((name, key) + summary(v)))


def main():
    out = sys.argv[3] if len(sys.argv) > 3 and sys.argv[2] == "-o" else None
    q = quick()
    subprocess.run([TOP + "/scripts/lab.sh", "down"], env=ENV, stderr=subprocess.DEVNULL)
    try:
        lab("up", "-b", "3", "-c", "1", stdout=subprocess.DEVNULL)
        lab("wait-healthy")
        failover(Tsv(out + ".failover" if out else None, "failover"), 2 if q else 8)
        end_to_end(Tsv(out + ".e2e" if out else None, "e2e"), 2 if q else 5, 2 if q else 5)
    finally:
        subprocess.run([TOP + "/scripts/lab.sh", "down"], env=ENV)


main()
