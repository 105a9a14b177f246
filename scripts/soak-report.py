#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
# soak-report.py - after `make soak`: the plot of the run over time (gnuplot, like
# scripts/bench-report.py) in docs/reliability/soak.png and docs/reliability.md rendered from
# docs/reliability.md.in, whose {{SOAK}} line becomes the figures of the run in RESULTS_DIR
# (tests/soak/soak.py's summary.json, series.csv, events.csv). Everything else of the template,
# the Fuzzing section included, is copied as it is.
#
#   scripts/soak-report.py RESULTS_DIR [COMMIT]
import json
import os
import re
import subprocess
import sys

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TEMPLATE = os.path.join(TOP, "docs", "reliability.md.in")
OUT_MD = os.path.join(TOP, "docs", "reliability.md")
PLOTS = os.path.join(TOP, "docs", "reliability")

KIND_NAMES = {
    "server_kill": "backend server SIGKILLed, restarted",
    "link_down": "backend link down, up",
    "backend_add": "backend added (then removed)",
    "backend_remove": "backend removed (then added again)",
    "drain": "backend drained, re-enabled",
    "weight": "backend weight changed, restored",
    "apply_api": "valid configuration applied (API)",
    "apply_api_invalid": "invalid configuration applied (API), refused",
    "apply_sighup": "valid configuration by SIGHUP",
    "apply_sighup_invalid": "invalid configuration by SIGHUP, refused",
    "xlbd_kill": "xlbd SIGKILLed, restarted",
    "prog_swap": "BPF program replaced (swapprog)",
    "conns_flush": "`lbctl conns flush`",
}


def n(x):
    return "{:,}".format(x)


def plot(res, wall):
    """Requests per second by kind, failures, fault times, and xlbd's RSS and descriptors."""
    os.makedirs(PLOTS, exist_ok=True)
    png = os.path.join(PLOTS, "soak.png")
    ev = os.path.join(res, "events.csv")
    script = """set terminal pngcairo size 1000,700 font "sans,9" noenhanced
set output "%s"
set multiplot layout 2,1
set lmargin 10
set rmargin 10
set title "Requests per second (answered) and failed requests, faults marked at the bottom"
set xlabel "minutes"
set ylabel "answered / s"
set y2label "failed / s"
set ytics nomirror
set y2tics
set yrange [-6:*]
set y2range [0:*]
set grid x
set key below horizontal
set xrange [0:%g]
plot "%s" using ($1/60):2 with lines lc rgb "#4a90d9" title "HTTP, new conn.", \\
     "" using ($1/60):4 with lines lc rgb "#2e8b57" title "HTTP keep-alive", \\
     "" using ($1/60):6 with lines lc rgb "#d2691e" title "UDP", \\
     "" using ($1/60):($3+$5+$7) axes x1y2 with impulses lw 2 lc rgb "red" title "failed", \\
     "%s" using ($1/60):(-3) with points pt 2 ps 0.6 lc rgb "black" title "fault"
set title "xlbd: resident memory and open descriptors (each SIGKILL restarts it)"
set ylabel "RSS (MiB)"
set y2label "descriptors"
set yrange [0:*]
set y2range [0:*]
plot "%s" using ($1/60):8 with points pt 7 ps 0.3 lc rgb "#4a90d9" title "RSS", \\
     "" using ($1/60):9 axes x1y2 with points pt 7 ps 0.3 lc rgb "#d2691e" title "fds"
unset multiplot
""" % (png, wall / 60.0, os.path.join(res, "series.csv"), ev, os.path.join(res, "series.csv"))
    subprocess.run(["gnuplot"], input=script, text=True, check=True)
    return "reliability/soak.png"


def section(res, commit):
    s = json.load(open(os.path.join(res, "summary.json")))
    out = []
    req = s["requests"]
    tot_ok = sum(v["ok"] for v in req.values())
    tot_f = sum(v["failed"] for v in req.values())
    out.append("Last run: `make soak` (SOAK_MINUTES=%g, `SOAK_SEED=%d`), %s, tree of commit %s, "
               "%d min %d s of wall time, the machine's load average %.1f on the mean (at most "
               "%.1f), the release build of xlbd."
               % (s["minutes"], s["seed"], s["date"], commit, s["wall_s"] // 60,
                  s["wall_s"] % 60, s["loadavg_mean"], s["loadavg_max"]))
    out.append("")
    out.append("| invariant | result |")
    out.append("|---|---|")
    for name, good in s["results"].items():
        out.append("| `%s` | %s |" % (name, "pass" if good else "**FAIL**"))
    td = os.path.join(res, "teardown")
    out.append("| `teardown_leaves_nothing` | %s |"
               % (open(td).read().strip() if os.path.exists(td) else "not judged"))
    out.append("")
    out.append("| requests | answered | failed |")
    out.append("|---|---|---|")
    names = {"http_new": "HTTP, a new connection each", "http_keepalive":
             "HTTP on keep-alive connections", "udp": "UDP request/response"}
    for k, v in req.items():
        out.append("| %s | %s | %s |" % (names.get(k, k), n(v["ok"]), n(v["failed"])))
    out.append("| all, through both VIPs | %s | %s |" % (n(tot_ok), n(tot_f)))
    out.append("")
    out.append("%s keep-alive connections were opened (the longest served %s requests)."
               % (n(s["keepalive_connections"]), n(s["keepalive_requests_max"])))
    out.append("")
    out.append("| fault | episodes |")
    out.append("|---|---|")
    for k, c in sorted(s["faults"].items(), key=lambda kv: -kv[1]):
        out.append("| %s | %d |" % (KIND_NAMES.get(k, k), c))
    out.append("| all | %d |" % sum(s["faults"].values()))
    out.append("")
    fc, kc = s["failures_excused_by_cause"], s["keepalive_breaks_excused_by_cause"]
    out.append("Failed requests by cause (each within its window: the fault until xlbd's down "
               "verdict or the fault's end, plus %.2f s): %s; unexplained: %d. Keep-alive "
               "connections broken, by cause: %s; on an unaffected backend: %d. xlbd gave %d "
               "down verdicts, %d of them with no fault in progress (a check failed under "
               "load)."
               % (s["margin_s"],
                  ", ".join("%s %s" % (k, n(v)) for k, v in sorted(fc.items())) or "none",
                  len(s["unexplained"]),
                  ", ".join("%s %s" % (k, n(v)) for k, v in sorted(kc.items())) or "none",
                  len(s["keepalive_unexcused"]), s["verdicts"], s["health_flaps"]))
    out.append("")
    out.append("| xlbd lifetime (pid) | judged s | RSS first → last (MiB) | RSS slope | "
               "peak growth | fds min-max | fds slope |")
    out.append("|---|---|---|---|---|---|---|")
    for r in s["xlbd_lifetimes"]:
        out.append("| %d | %d | %.1f → %.1f | %+.1f MiB/h | %s | %d-%d | %+.1f /h |"
                   % (r["pid"], r["seconds"], r["rss_kb_first"] / 1024, r["rss_kb_last"] / 1024,
                      r["rss_kb_per_hour"] / 1024,
                      ("%+d KiB" % r["rss_growth_kb"]) if "rss_growth_kb" in r else "too short",
                      r["fds_min"], r["fds_max"], r["fds_per_hour"]))
    out.append("")
    b = s["bpf_objects"]
    out.append("BPF objects of the LB (programs, maps, links) after the first apply: %d, %d, %d; "
               "at the end: %d, %d, %d. Configuration dumps compared with the model: %d, %d "
               "wrong. `lbctl` calls: %s well-formed, %d not."
               % (b["first"]["programs"], b["first"]["maps"], b["first"]["links"],
                  b["end"]["programs"], b["end"]["maps"], b["end"]["links"],
                  s["applies_checked"]["ok"] + s["applies_checked"]["bad"],
                  s["applies_checked"]["bad"], n(s["lbctl_calls"]["ok"]),
                  s["lbctl_calls"]["bad"]))
    out.append("")
    out.append("![The soak over time](%s)" % plot(res, s["wall_s"]))
    return "\n".join(out)


def main():
    if len(sys.argv) < 2 or not os.path.exists(os.path.join(sys.argv[1], "summary.json")):
        sys.exit("usage: soak-report.py RESULTS_DIR [COMMIT] (a directory with soak.py's "
                 "summary.json)")
    res = sys.argv[1]
    commit = sys.argv[2] if len(sys.argv) > 2 else "?"
    out = ["<!-- Generated by `make soak` (scripts/soak-report.py) from docs/reliability.md.in: "
           "edit the template, not this file. -->"]
    for line in open(TEMPLATE):
        m = re.match(r"^\{\{SOAK\}\}\s*$", line)
        out.append(section(res, commit) if m else line.rstrip("\n"))
    with open(OUT_MD, "w") as f:
        f.write("\n".join(out) + "\n")
    print("soak-report: wrote %s and %s" % (OUT_MD, os.path.join(PLOTS, "soak.png")))


main()
