#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
# bench-report.py - regenerate docs/benchmarks.md and its plots from the raw rounds that
# scripts/bench.sh collected: median, min and max per case, ratios to the floors of the same
# run, the xlb / Katran ratios measured side by side elsewhere (the dataplane_bench "katran"
# attribute, quoted, never computed from figures of another VM), the machine, the date, the
# commit.
# The hand-written text lives in the template; {{NAME}} lines are replaced by generated parts.
#
#   bench-report.py RESULTS_DIR TEMPLATE OUT_MD PLOT_DIR
#
# RESULTS_DIR holds *.tsv files with rows "BENCH CASE UNIT ROUND VALUE" and
# "attr BENCH CASE KEY VALUE", meta.tsv ("KEY VALUE"), verifier.txt and conntab.txt (the
# output of dataplane_bench -c, quoted whole).
import glob
import os
import re
import subprocess
import sys

RES, TEMPLATE, OUT_MD, PLOTS = sys.argv[1:5]

data = {}  # (bench, case, unit) -> [values in round order]
attrs = {}  # (bench, case) -> {key: value}
order = {}  # bench -> [cases in first-seen order]
meta = {}

for path in sorted(glob.glob(os.path.join(RES, "*.tsv*"))):
    for line in open(path):
        f = line.rstrip("\n").split("\t")
        if os.path.basename(path) == "meta.tsv":
            meta[f[0]] = f[1]
        elif f[0] == "attr":
            attrs.setdefault((f[1], f[2]), {})[f[3]] = f[4]
            if f[2] not in order.setdefault(f[1], []):
                order[f[1]].append(f[2])
        else:
            data.setdefault((f[0], f[1], f[2]), []).append(float(f[4]))
            if f[1] not in order.setdefault(f[0], []):
                order[f[0]].append(f[1])


def stats(bench, case, unit):
    v = sorted(data.get((bench, case, unit), []))
    if not v:
        return None
    n = len(v)
    med = v[n // 2] if n % 2 else (v[n // 2 - 1] + v[n // 2]) / 2
    return med, v[0], v[-1], n


def rounds(bench, unit):
    return max((len(v) for (b, _, u), v in data.items() if b == bench and u == unit), default=0)


def attr(bench, case, key, default=""):
    return attrs.get((bench, case), {}).get(key, default)


def fmt(x, d=0):
    return "%.*f" % (d, x)


def table(header, rows):
    out = ["| " + " | ".join(h for h, _ in header) + " |",
           "|" + "|".join("---:" if a == "r" else "---" for _, a in header) + "|"]
    out += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(out)


plots = []


def plot(name, title, ylabel, rows, log=False):
    """Bars at the median with min-max error bars; rows are (label, med, min, max)."""
    if not rows:
        return ""
    os.makedirs(PLOTS, exist_ok=True)
    dat = os.path.join(RES, name + ".dat")
    with open(dat, "w") as f:
        for i, (label, med, lo, hi) in enumerate(rows):
            f.write('%d "%s" %g %g %g\n' % (i, label.replace('"', "'"), med, lo, hi))
    png = os.path.join(PLOTS, name + ".png")
    script = """set terminal pngcairo size 900,%d font "sans,9" noenhanced
set output "%s"
set title "%s"
set xlabel "%s"
set yrange [%f:-0.6]
set ytics nomirror
set grid x
set style fill solid 0.5
set key off
%s
plot "%s" using 3:1:(0):3:($1-0.35):($1+0.35):ytic(2) with boxxyerror lc rgb "#4a90d9", \\
     "" using 3:1:4:5 with xerrorbars lc rgb "black" pt 7 ps 0.4
""" % (120 + 28 * len(rows), png, title, ylabel, len(rows) - 0.4,
       "set logscale x" if log else "set xrange [0:*]", dat)
    subprocess.run(["gnuplot"], input=script, text=True, check=True)
    plots.append(png)
    return "![%s](bench/%s.png)" % (title, name)


def dataplane():
    b = "dataplane"
    undo = stats(b, "undo cost (subtracted below)", "ns")
    swap = stats(b, "floor: parse + MAC swap + XDP_TX", "ns")
    if not undo or not swap:
        return "(not run)"
    rows, prow = [], []
    for c in order[b]:
        s = stats(b, c, "ns")
        if not s:
            continue
        net = s[0] - undo[0] if attr(b, c, "net") == "1" else s[0]
        k = attr(b, c, "katran", "-")
        is_undo = c.startswith("undo")
        rows.append([c, fmt(s[0]), fmt(s[1]), fmt(s[2]), "" if is_undo else fmt(net),
                     "" if is_undo else "%.1f" % (net / swap[0]), k if k != "-" else ""])
        if not is_undo:
            prow.append((c, s[0], s[1], s[2]))
    head = [("case", "l"), ("median", "r"), ("min", "r"), ("max", "r"), ("net", "r"),
            ("net / swap floor", "r"), ("xlb / Katran, side by side (2026-12)", "r")]
    return ("%d interleaved rounds. ns per packet.\n\n" % rounds(b, "ns") + table(head, rows) +
            "\n\n" + plot("dataplane", "Data path, BPF_PROG_TEST_RUN (median, min-max)",
                          "ns per packet (log scale)", prow, log=True))


def veth():
    b = "veth"
    if b not in order:
        return "(not run)"
    drop = stats(b, order[b][0], "Mpps")
    swap = stats(b, order[b][1], "Mpps")
    rows, prow = [], []
    for c in order[b]:
        s = stats(b, c, "Mpps")
        rows.append([c, fmt(s[0], 2), fmt(s[1], 2), fmt(s[2], 2), "%.2f" % (s[0] / drop[0]),
                     "%.2f" % (s[0] / swap[0]), attr(b, c, "anchor", "")])
        prow.append((c, s[0], s[1], s[2]))
    head = [("case", "l"), ("median", "r"), ("min", "r"), ("max", "r"), ("/ XDP_DROP", "r"),
            ("/ MAC swap", "r"), ("anchor VM, Mpps", "l")]
    return ("%d interleaved rounds of %s s each. Mpps that arrived.\n\n" %
            (rounds(b, "Mpps"), meta.get("veth_seconds", "?")) + table(head, rows) + "\n\n" +
            plot("veth", "veth pair, live frames, one CPU (median, min-max)", "Mpps", prow))


def maglev():
    b = "maglev"
    if b not in order:
        return "(not run)"
    rows, prow = [], []
    for c in order[b]:
        s = stats(b, c, "ms")
        a = attrs.get((b, c), {})
        m = a.get("m", "")
        if "balance" in a:
            rows.append([m, a["set"], fmt(s[0], 3), fmt(s[1], 3), fmt(s[2], 3),
                         "%.3f" % float(a["balance"]), a["fail"], "%.3f" % float(a["must"]),
                         "%.3f" % float(a["extra"])])
        else:
            rows.append([m, a.get("set", c), fmt(s[0], 3), fmt(s[1], 3), fmt(s[2], 3),
                         "", "", "", ""])
        prow.append(("M=%s %s" % (m, a.get("set", c)), s[0], s[1], s[2]))
    head = [("m", "r"), ("backends", "l"), ("median ms", "r"), ("min", "r"), ("max", "r"),
            ("balance", "r"), ("fail", "r"), ("must %", "r"), ("extra %", "r")]
    return ("%d interleaved rounds.\n\n" % rounds(b, "ms") + table(head, rows) + "\n\n" +
            plot("maglev", "Maglev build time (median, min-max)", "ms (log scale)", prow,
                 log=True))


def scale():
    b = "scale"
    if b not in order:
        return "(not run)"
    rows = []
    units = [("apply_ms", "apply, ms"), ("apply_cpu_ms", "apply, xlbd's CPU ms"),
             ("apply_wait_ms", "apply, loop's thread waiting for a CPU, ms"),
             ("rebuild_ms", "rebuild all tables, ms"),
             ("rebuild_cpu_ms", "rebuild all tables, xlbd's CPU ms"),
             ("rebuild_wait_ms", "rebuild all tables, loop's thread waiting for a CPU, ms"),
             ("remove_ms", "back to 1 service, ms"), ("rss_mib", "VmRSS, MiB"),
             ("hwm_mib", "VmHWM, MiB"),
             ("pass_ms", "verdict to tables swapped, longest pass, ms"),
             ("ms_per_table", "verdict to tables swapped, ms per table"),
             ("passes", "health passes")]
    for c in order[b]:
        for u, label in units:
            s = stats(b, c, u)
            if s:
                d = 1 if "mib" in u or u == "ms_per_table" else 0
                rows.append([c, label, fmt(s[0], d), fmt(s[1], d), fmt(s[2], d), s[3]])
    head = [("configuration", "l"), ("figure", "l"), ("median", "r"), ("min", "r"),
            ("max", "r"), ("rounds", "r")]
    return table(head, rows)


def tables():
    b = "tables"
    if b not in order:
        return "(not run)"
    rows = []
    for c in order[b]:
        nw, ru = stats(b, c, "new_ms"), stats(b, c, "reused_ms")
        if not nw or not ru:
            continue
        n = float(attr(b, c, "n", "1"))
        rows.append([c, fmt(nw[0]), "%s-%s" % (fmt(nw[1]), fmt(nw[2])), fmt(ru[0]),
                     "%s-%s" % (fmt(ru[1]), fmt(ru[2])), fmt(nw[0] / ru[0], 1) + "x",
                     fmt(nw[0] / n, 2), fmt(ru[0] / n, 2), nw[3]])
    head = [("tables", "l"), ("new maps, ms", "r"), ("min-max", "r"), ("reused maps, ms", "r"),
            ("min-max", "r"), ("new / reused", "r"), ("new per table, ms", "r"),
            ("reused per table, ms", "r"), ("rounds", "r")]
    return table(head, rows)


def health():
    b = "health"
    if b not in order:
        return "(not run)"
    rows = []
    units = [("late_max_ms", "latest start beyond interval + jitter (xlbd), ms", 1),
             ("late_p99_ms", "p99 of that, histogram bucket bound, ms", 0),
             ("gap_max_ms", "largest gap between two checks of one address (server), ms", 0),
             ("gap_over_ms", "that gap beyond interval + jitter (2,200 ms), ms", 0),
             ("checks", "checks started in the round", 0)]
    for c in order[b]:
        for u, label, d in units:
            s = stats(b, c, u)
            if s:
                rows.append([c, label, fmt(s[0], d), fmt(s[1], d), fmt(s[2], d), s[3]])
    head = [("targets", "l"), ("figure", "l"), ("median", "r"), ("min", "r"), ("max", "r"),
            ("rounds", "r")]
    return table(head, rows)


def failover():
    b = "failover"
    if b not in order:
        return "(not run)"
    rows, prow = [], []
    for c in order[b]:
        for u, label in (("out_ms", "failure to slots moved"), ("back_ms", "recovery to back")):
            s = stats(b, c, u)
            rows.append([c, label, fmt(s[0]), fmt(s[1]), fmt(s[2]), s[3]])
            prow.append(("%s: %s" % (c, label), s[0], s[1], s[2]))
    head = [("failure", "l"), ("interval", "l"), ("median ms", "r"), ("min", "r"),
            ("max", "r"), ("rounds", "r")]
    return (table(head, rows) + "\n\n" +
            plot("failover", "Backend failure to table change (median, min-max)", "ms", prow))


def e2e():
    b = "e2e"
    if b not in order:
        return "(not run)"
    rows, prow = [], []
    for c in order[b]:
        for u, label, d in (("rps", "requests/s", 0), ("p50", "latency p50, ms", 2),
                            ("p90", "latency p90, ms", 2), ("p99", "latency p99, ms", 2)):
            s = stats(b, c, u)
            rows.append([c, label, fmt(s[0], d), fmt(s[1], d), fmt(s[2], d)])
            if u == "rps":
                prow.append((c, s[0], s[1], s[2]))
    head = [("path", "l"), ("figure", "l"), ("median", "r"), ("min", "r"), ("max", "r")]
    return ("%d interleaved rounds of %s s each.\n\n" % (rounds(b, "rps"),
                                                         meta.get("e2e_seconds", "?")) +
            table(head, rows) + "\n\n" +
            plot("e2e", "HTTP through the VIP and straight to a backend (median, min-max)",
                 "requests/s", prow))


def machine():
    m = meta
    return ("Machine: %s, %s vCPUs, %s GiB, kernel %s, Debian %s, %s.\n\n"
            "Run: %s, commit `%s`, %s; `make bench` took %s s (%s)." %
            (m.get("cpu", "?"), m.get("cpus", "?"), m.get("mem_gib", "?"), m.get("kernel", "?"),
             m.get("debian", "?"), m.get("clang", "?"), m.get("date", "?"),
             m.get("commit", "?"),
             "`BENCH_QUICK=1` (fewer, shorter rounds)" if m.get("quick") == "1" else "full run",
             m.get("seconds", "?"), m.get("steps", "")))


def verifier():
    p = os.path.join(RES, "verifier.txt")
    return "```\n" + (open(p).read().strip() if os.path.exists(p) else "(not run)") + "\n```"


def conntab():
    p = os.path.join(RES, "conntab.txt")
    return "```\n" + (open(p).read().strip() if os.path.exists(p) else "(not run)") + "\n```"


PARTS = {"MACHINE": machine, "DATAPLANE": dataplane, "VETH": veth, "MAGLEV": maglev,
         "SCALE": scale, "TABLES": tables, "HEALTH": health, "FAILOVER": failover, "E2E": e2e,
         "VERIFIER": verifier, "CONNTAB": conntab}

out = ["<!-- Generated by `make bench` (scripts/bench-report.py) from docs/benchmarks.md.in: "
       "edit the template, not this file. -->"]
for line in open(TEMPLATE):
    m = re.match(r"^\{\{([A-Z0-9]+)\}\}\s*$", line)
    out.append(PARTS[m.group(1)]() if m else line.rstrip("\n"))
with open(OUT_MD, "w") as f:
    f.write("\n".join(out) + "\n")
print("bench-report: wrote %s and %d plots in %s" % (OUT_MD, len(plots), PLOTS))
