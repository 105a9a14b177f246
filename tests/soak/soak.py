# SPDX-License-Identifier: GPL-2.0
# soak.py - the soak itself, run by tests/soak/soak.sh in the lab's client1 namespace: starts
# xlbd, keeps the load of traffic.py running, injects the fault episodes of faults.py at seeded
# random times (a shuffled round of every kind first, then random ones until the time is up),
# watches xlbd (health verdicts, table fingerprints, RSS, descriptors) all along, then judges the
# invariants, prints one "ok   soak/NAME" or "FAIL soak/NAME: why" line for each, and writes the
# figures to RESULTS/summary.json, RESULTS/series.csv and RESULTS/events.csv.
#
#   soak.py --top DIR --output DIR --lab-id ID --minutes M --seed S --results DIR
#
# The rules each invariant applies are stated in docs/reliability.md ("Soak").
import argparse
import json
import os
import random
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import faults  # noqa: E402
import traffic  # noqa: E402

POLL = 0.25  # s between two reads of xlbd's health view
H = faults.HEALTH
# A backend that fails is out of its table once xlbd says it is down: the failures it causes
# are excused from the fault until that verdict (or the fault's end, whichever is first), plus
# MARGIN; a verdict is preceded by up to LEAD of failing checks (fall checks, the last one's
# timeout, one interval of schedule, one poll).
MARGIN = 1.0 + H["interval"] + POLL
LEAD = H["fall"] * H["interval"] + H["timeout"] + H["interval"] + POLL
WARMUP = 5.0  # s of each xlbd lifetime not judged for memory and descriptors (first apply)
RSS_BOUND_KB = 2048  # growth allowed between the halves of a lifetime, peak to peak
TCP_KEYS = {"v4": "10.0.0.10:80/tcp", "v6": "[fd00:10::10]:80/tcp"}


class Monitor(threading.Thread):
    """Reads xlbd every POLL seconds until stopped: health verdicts (up -> down, and up-down
    pairs seen only in the transition counter), table fingerprints and, every second, the RSS
    and open descriptors of the running xlbd."""

    def __init__(self, lab, t0):
        super().__init__(daemon=True)
        self.lab, self.t0 = lab, t0
        self.stopping = threading.Event()
        self.verdicts = []  # (t, service key, backend index, "down" | "up" | "flap")
        self.samples = []  # (t, pid, rss_kb, fds, of which sockets)
        self.fps = {}
        self.fp_changes = {}  # key -> [t, ...]
        self.api_errors = 0
        self.loadavg = []  # the machine's 1-minute load average, every second

    def fingerprint(self, fam, proto):
        return self.fps.get(TCP_KEYS[fam])

    def _health(self, prev, pid):
        try:
            bs = self.lab.health()
        except Exception:
            self.api_errors += 1
            return prev
        now = time.time()
        cur = {}
        for b in bs:
            k = (b["service"], faults.index_of(b["address"]), pid)
            cur[k] = (b["state"], b["transitions"])
            if k in prev:
                st0, tr0 = prev[k]
                if st0 == "up" and b["state"] == "down":
                    self.verdicts.append((now, k[0], k[1], "down"))
                elif st0 == "down" and b["state"] == "up":
                    self.verdicts.append((now, k[0], k[1], "up"))
                elif b["transitions"] >= tr0 + 2 and b["state"] == st0:
                    self.verdicts.append((now, k[0], k[1], "flap"))
        return cur

    def run(self):
        prev, tick = {}, 0
        while not self.stopping.is_set():
            pid = self.lab.xlbd_pid()
            prev = self._health(prev, pid)
            if tick % int(1 / POLL) == 0:
                for k, fp in self.lab.fingerprints().items():
                    if self.fps.get(k) not in (None, fp):
                        self.fp_changes.setdefault(k, []).append(time.time())
                    self.fps[k] = fp
                self.loadavg.append(os.getloadavg()[0])
                try:
                    with open("/proc/%d/status" % pid) as f:
                        rss = int([ln for ln in f if ln.startswith("VmRSS:")][0].split()[1])
                    fds = socks = 0
                    for fd in os.listdir("/proc/%d/fd" % pid):
                        fds += 1
                        try:
                            socks += os.readlink("/proc/%d/fd/%s" % (pid, fd)).startswith(
                                "socket:")
                        except OSError:
                            pass
                    self.samples.append((time.time(), pid, rss, fds, socks))
                except (OSError, IndexError, TypeError):
                    pass
            tick += 1
            self.stopping.wait(POLL)


def windows(events, verdicts):
    """The excused windows {(service key, backend index): [(w0, w1, cause), ...]}: from each
    fault that takes a backend away (kill, link down, removal) until min(its end, xlbd's first
    down verdict) + MARGIN; from the end of a kill or link down until xlbd's first up verdict
    after it + MARGIN (the backend's network and server are being restored: "KIND_recovery");
    and around each down verdict of xlbd (or an up-down pair it counted between two polls)
    from LEAD before to MARGIN after, caused by the fault then in progress or, when there is
    none, by a health check that failed under load ("flap")."""
    win = {}
    fail_ev = [e for e in events if e["affects"] == "fail"]
    for e in fail_ev:
        for key, *_ in faults.SERVICES:
            end = e["t1"]
            for (t, k, i, what) in verdicts:
                if what == "down" and k == key and i == e["backend"] and e["t0"] <= t <= end:
                    end = t
                    break
            win.setdefault((key, e["backend"]), []).append((e["t0"], end + MARGIN, e["kind"]))
            if e["kind"] == "backend_remove" or e["kind"] == "backend_add":
                continue
            up = [t for (t, k, i, what) in verdicts
                  if what == "up" and k == key and i == e["backend"] and t >= e["t1"]]
            if up:
                win[(key, e["backend"])].append((e["t1"], min(up) + MARGIN,
                                                 e["kind"] + "_recovery"))
    for (t, k, i, what) in verdicts:
        if what == "up":
            continue
        cause = "health_flap"
        for e in fail_ev:
            if e["backend"] == i and e["t0"] - LEAD <= t <= e["t1"] + LEAD + MARGIN:
                cause = e["kind"]
        win.setdefault((k, i), []).append((t - LEAD, t + MARGIN, cause))
    return win


def excuse(f, win, events, mon):
    """Why failure f is excused (a cause), or None. f is judged by its span [start, end]: it
    must have begun no later than a window's end and ended no earlier than its start."""
    key = ("[fd00:10::10]" if f["fam"] == "v6" else "10.0.0.10") + \
        (":7/udp" if f["kind"] == "udp" else ":80/tcp")
    idx = faults.index_of(faults.addr(f["fam"], int(f["backend"][7:]))) \
        if f.get("backend") else None
    for (k, i), ws in win.items():
        if k != key or (idx is not None and i != idx):
            continue
        for w0, w1, cause in ws:
            if f["start"] <= w1 and f["end"] >= w0:
                return cause
    if idx is None:
        return None
    # A flush moves an established flow only when its service's table changed since the
    # flow began (lbctl.md, "conns"): then its next packet may take another backend.
    rec = f.get("rec") or {}
    for e in events:
        if e["kind"] != "conns_flush" or not (e["t0"] - traffic.KA_PERIOD <= f["start"] <=
                                              e["t1"] + MARGIN):
            continue
        opened = rec.get("opened", 0)
        near = any(abs(t - opened) <= 1.0 + POLL for t in mon.fp_changes.get(key, []))
        if rec.get("fp_open") is None or near or rec.get("fp_open") != e["fingerprints"].get(key):
            return "conns_flush"
    return None


def slope_per_hour(pts):
    """Least-squares slope of [(t, v)] in units per hour (0 with fewer than two points)."""
    n = len(pts)
    if n < 2:
        return 0.0
    mt = sum(t for t, _ in pts) / n
    mv = sum(v for _, v in pts) / n
    den = sum((t - mt) ** 2 for t, _ in pts)
    return 0.0 if den == 0 else sum((t - mt) * (v - mv) for t, v in pts) / den * 3600


def lifetimes(samples):
    """Per xlbd process (pid), its samples after WARMUP: {pid: [(t, rss_kb, fds, sockets),
    ...]}."""
    by = {}
    for t, pid, rss, fds, socks in samples:
        by.setdefault(pid, []).append((t, rss, fds, socks))
    return {p: [s for s in ss if s[0] - ss[0][0] >= WARMUP] for p, ss in by.items()}


def judge_growth(samples):
    """Memory and descriptors of each xlbd lifetime long enough to judge (30 s after its
    warm-up): RSS peak of the second half within RSS_BOUND_KB of the first half's; the fewest
    descriptors other than sockets of the second half no more than the first half's (the
    minimum leaves out transient files); the fewest sockets of the second half no more than the
    most of the first half (sockets come and go with the checks, curl's connection cache and API
    calls: a leak lifts the floor above that range). Returns (rss_ok, fds_ok, report)."""
    rep, rss_ok, fds_ok, judged = [], True, True, 0
    for pid, ss in lifetimes(samples).items():
        if len(ss) < 2:
            continue
        span = ss[-1][0] - ss[0][0]
        r = {"pid": pid, "seconds": round(span), "rss_kb_first": ss[0][1],
             "rss_kb_last": ss[-1][1], "rss_kb_max": max(s[1] for s in ss),
             "fds_min": min(s[2] for s in ss), "fds_max": max(s[2] for s in ss),
             "rss_kb_per_hour": round(slope_per_hour([(s[0], s[1]) for s in ss])),
             "fds_per_hour": round(slope_per_hour([(s[0], s[2]) for s in ss]), 1)}
        if span >= 30:
            a, b = ss[:len(ss) // 2], ss[len(ss) // 2:]
            r["rss_growth_kb"] = max(s[1] for s in b) - max(s[1] for s in a)
            r["fds_growth"] = min(s[2] - s[3] for s in b) - min(s[2] - s[3] for s in a)
            r["sockets_floor_over_range"] = min(s[3] for s in b) - max(s[3] for s in a)
            rss_ok &= r["rss_growth_kb"] <= RSS_BOUND_KB
            fds_ok &= r["fds_growth"] <= 0 and r["sockets_floor_over_range"] <= 0
            judged += 1
        rep.append(r)
    return rss_ok and judged > 0, fds_ok and judged > 0, rep


def main():
    ap = argparse.ArgumentParser()
    for a in ("--top", "--output", "--lab-id", "--results"):
        ap.add_argument(a, required=True)
    ap.add_argument("--minutes", type=float, default=30)
    ap.add_argument("--seed", type=int, required=True)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    print("soak: seed %d, %g minutes (replay: SOAK_SEED=%d SOAK_MINUTES=%g)"
          % (args.seed, args.minutes, args.seed, args.minutes), flush=True)
    lab = faults.Lab(args.top, args.output, args.lab_id)
    lab.setup()
    lab.xlbd_start()
    if not lab.wait_healthy():
        print("FAIL soak/setup: the backends did not all come up")
        return 1
    lab.check_config("first apply")
    bpf0 = lab.bpf_objects()
    t0 = time.time()
    mon = Monitor(lab, t0)
    mon.start()
    time.sleep(2 * POLL)
    # Prime the path's neighbour entries (as scripts/lab.sh primes the LB's) with requests of
    # every kind that are not counted: the load then starts on a lab that has carried traffic.
    primed = traffic.prime({"v4": faults.VIP4, "v6": faults.VIP6})
    print("soak: path primed (%s)" % primed, flush=True)
    tally = traffic.Tally(t0)
    load = traffic.Load(tally, {"v4": faults.VIP4, "v6": faults.VIP6}, mon.fingerprint)
    load.start()
    time.sleep(3)

    kinds = sorted(faults.EPISODES)
    first = [k for k in kinds if k != "xlbd_kill"]
    rng.shuffle(first)
    # The restart closes the first round, so that the first xlbd lives long enough to judge.
    queue = first + ["xlbd_kill"]
    end = t0 + args.minutes * 60
    events, counts, unrecovered, errors = [], {}, [], []
    while queue or time.time() < end:
        kind = queue.pop(0) if queue else rng.choices(
            kinds, weights=[faults.EPISODES[k][1] for k in kinds])[0]
        hold = rng.uniform(1.0, 3.0)
        try:
            evs = faults.EPISODES[kind][0](lab, rng, hold)
        except Exception as e:  # an episode that could not be carried out is a failure
            errors.append("%s: %r" % (kind, e))
            evs = []
        events += evs
        counts[kind] = counts.get(kind, 0) + 1
        print("soak: %6.1f s %s %s" % (time.time() - t0, kind, " ".join(
            "backend%s" % e["backend"] for e in evs if e["backend"])), flush=True)
        if not lab.wait_healthy():
            unrecovered.append("%s at %.0f s" % (kind, time.time() - t0))
        time.sleep(rng.uniform(0.5, 2.5))
    time.sleep(3)
    load.stop()
    mon.stopping.set()
    mon.join()
    lab.check_config("end")
    # A program swapped in by hand (prog_swap) stays on the link until xlbd's next apply, which
    # attaches xlbd's own program to every configured interface again (state.c,
    # sync_interfaces()): one valid reload, so that the count compares xlbd's own objects
    # whichever episode came last.
    faults.EPISODES["apply_sighup"][0](lab, rng, 0)
    bpf1 = lab.bpf_objects()
    wall = time.time() - t0

    # --- judge ---------------------------------------------------------------------------------
    recs = {r["id"]: r for r in tally.kaconns}
    win = windows(events, mon.verdicts)
    fail_causes, ka_causes, unexplained, ka_bad = {}, {}, [], []
    for f in tally.failures:
        if "conn" in f:
            f["rec"] = recs.get(f["conn"])
        cause = excuse(f, win, events, mon)
        is_break = f["kind"] == "http_keepalive" and f.get("backend")
        into = ka_causes if is_break else fail_causes
        if cause:
            into[cause] = into.get(cause, 0) + 1
        else:
            (ka_bad if is_break else unexplained).append(
                "%s %s at %.1f s (%.2f s): %s%s%s" % (
                    f["kind"], f["fam"], f["start"] - t0, f["end"] - f["start"], f["error"],
                    " on " + f["backend"] if f.get("backend") else "",
                    ", connection opened at %.1f s after %d requests" % (
                        f["rec"]["opened"] - t0, f["rec"]["requests"]) if f.get("rec") else ""))
    rss_ok, fds_ok, growth = judge_growth(mon.samples)
    missing = [k for k in kinds if not counts.get(k)]
    results = [
        ("failures_only_near_failed_backends", not unexplained,
         "%d unexplained: %s" % (len(unexplained), "; ".join(unexplained[:5]))),
        ("keepalive_unaffected_kept", not ka_bad,
         "%d broke or changed backend unaffected: %s" % (len(ka_bad), "; ".join(ka_bad[:5]))),
        ("xlbd_rss_not_growing", rss_ok, "per lifetime: %s" % json.dumps(growth)),
        ("xlbd_fds_not_growing", fds_ok, "per lifetime: %s" % json.dumps(growth)),
        ("bpf_objects_unchanged", bpf0 == bpf1, "after the first apply %s, at the end %s"
         % (bpf0, bpf1)),
        ("applies_all_or_nothing", not lab.apply_bad and lab.apply_checks["ok"] > 0,
         "; ".join(lab.apply_bad[:5])),
        ("lbctl_answers_well_formed", not lab.lbctl_bad and lab.lbctl_calls["ok"] > 0,
         "; ".join(lab.lbctl_bad[:5])),
        ("every_fault_kind_injected", not missing and not errors,
         "missing %s; episodes that failed: %s" % (missing, errors[:5])),
        ("backends_recover_after_each_fault", not unrecovered,
         "not all up within 30 s after: %s" % unrecovered[:5]),
    ]
    for name, good, why in results:
        print(("ok   soak/%s" % name) if good else ("FAIL soak/%s: %s" % (name, why)), flush=True)

    # --- figures -------------------------------------------------------------------------------
    os.makedirs(args.results, exist_ok=True)
    summary = {
        "seed": args.seed, "minutes": args.minutes, "wall_s": round(wall),
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(t0)),
        "loadavg_mean": round(sum(mon.loadavg) / max(1, len(mon.loadavg)), 1),
        "loadavg_max": round(max(mon.loadavg, default=0), 1),
        "requests": {k: {"ok": v[0], "failed": v[1]} for k, v in sorted(tally.totals.items())},
        "keepalive_connections": len(tally.kaconns),
        "keepalive_requests_max": max((r["requests"] for r in tally.kaconns), default=0),
        "faults": counts, "failures_excused_by_cause": fail_causes,
        "keepalive_breaks_excused_by_cause": ka_causes, "unexplained": unexplained,
        "keepalive_unexcused": ka_bad,
        "verdicts": sum(1 for v in mon.verdicts if v[3] != "up"),
        "verdict_log": [[round(t - t0, 2), k, i, w] for t, k, i, w in mon.verdicts],
        "fault_log": [[round(e["t0"] - t0, 2), round(e["t1"] - t0, 2), e["kind"], e["backend"]]
                      for e in events],
        "health_flaps": sum(1 for ws in win.values() for w in ws if w[2] == "health_flap"),
        "xlbd_lifetimes": growth, "bpf_objects": {"first": bpf0, "end": bpf1},
        "applies_checked": lab.apply_checks, "lbctl_calls": lab.lbctl_calls,
        "margin_s": MARGIN, "lead_s": LEAD, "health": H, "rss_bound_kb": RSS_BOUND_KB,
        "warmup_s": WARMUP, "results": {n: g for n, g, _ in results},
    }
    with open(os.path.join(args.results, "summary.json"), "w") as f:
        json.dump(summary, f, indent=1, sort_keys=True)
    kinds_req = ["http_new", "http_keepalive", "udp"]
    with open(os.path.join(args.results, "series.csv"), "w") as f:
        f.write("# second " + " ".join("%s_ok %s_failed" % (k, k) for k in kinds_req) +
                " rss_mb fds\n")
        smp = {}
        for t, pid, rss, fds, _ in mon.samples:
            smp[int(t - t0)] = (rss / 1024.0, fds)
        for sec in range(int(wall)):
            row = tally.per_sec.get(sec, {})
            vals = []
            for k in kinds_req:
                vals += row.get(k, [0, 0])
            rss, fds = smp.get(sec, ("NaN", "NaN"))
            f.write("%d %s %s %s\n" % (sec, " ".join(map(str, vals)), rss, fds))
    with open(os.path.join(args.results, "events.csv"), "w") as f:
        f.write("# second kind backend\n")
        for e in events:
            f.write("%.1f %s %s\n" % (e["t0"] - t0, e["kind"], e["backend"] or "-"))
    return 0 if all(g for _, g, _ in results) else 1


if __name__ == "__main__":
    sys.exit(main())
