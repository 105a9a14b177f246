#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# health_bench.sh - whether 13,000 health-checked targets (10,000 answering, 3,000 timing out)
# keep their schedule, in the lab of tests/lib/health_lab.sh: checks every 2 s with 10 % jitter,
# about four intervals per round, xlbd started afresh each round at a real-time priority. Per
# round, from xlbd's /metrics: the latest start of a check against its schedule (a check is
# scheduled at its last result + the interval +- the jitter, so this is how far beyond
# interval + jitter it started: xlb_health_check_lateness_max_seconds) and the p99 bucket of
# that histogram; from the server's side: the largest gap between two checks of one address,
# and how far it exceeds interval + jitter (2.2 s; the check's own connect time is in it).
# A benchmark: it stops when the lab does not come up or a check did not pass (the figures
# would not be of the schedule), never on a figure. BENCH_QUICK=1: one round instead of three.
#
#   health_bench.sh [-o FILE]    rows "health CASE UNIT ROUND VALUE" (scripts/bench-report.py)
#                                into FILE; the median, min and max on stdout
set -u
. "$(dirname "$0")/../tests/lib/e2e.sh"
. "$TOP/tests/lib/health_lab.sh"
LAYER=bench/health
XLBD=$OUTPUT/xlbd
OUT=/dev/null
[ "${1:-}" = -o ] && [ -n "${2:-}" ] && OUT=$2
ROUNDS=$([ "${BENCH_QUICK:-0}" != 0 ] && [ -n "${BENCH_QUICK:-}" ] && echo 1 || echo 3)
RUN_S=9 # about four intervals of checks
CASE="13,000 targets (10,000 answering)"

[ "$(id -u)" -eq 0 ] || { echo "health_bench.sh needs root (namespaces, BPF)" >&2; exit 1; }
[ -x "$XLBD" ] || { echo "health_bench.sh: build xlbd first ($XLBD)" >&2; exit 1; }

NS=xhb-$$
SRV=xhb-srv-$$
PIN=/sys/fs/bpf/xhb-$$
TMP=$(mktemp -d /tmp/xhb.XXXXXX)
SOCK=$TMP/xlbd.sock
CONF=$TMP/xlbd.yaml
LOG=$TMP/xlbd.log
XPID=''
trap hl_cleanup EXIT
: >"$OUT"

# The figures of one round as "UNIT VALUE" lines; exits 1 (with why on stderr) when a check of
# the round did not pass, or the figures are missing.
figures() {
	/usr/bin/python3 - "$TMP/metrics.txt" "$TMP/health.json" "$TMP/seen.json" <<'PY'
import json, re, sys
text = open(sys.argv[1]).read()
bs = json.load(open(sys.argv[2]))["backends"]
seen = json.load(open(sys.argv[3]))
mx = re.search(r"^xlb_health_check_lateness_max_seconds (\S+)$", text, re.M)
buckets = [(float(le), int(v)) for le, v in re.findall(
    r'^xlb_health_check_lateness_seconds_bucket\{le="([^"]+)"\} (\d+)$', text, re.M)]
live = [b for b in bs if int(b["address"].split(".")[2]) < 64]  # 10.200.64.0/18: dark
failed = [b for b in live if sum(b["checks"].values()) != b["checks"]["ok"]]
if not mx or not buckets or len(bs) != 13000 or failed or len(seen["conns"]) != 10000:
    sys.stderr.write("health_bench: lateness %s, %d targets, %d answering ones failed a check, "
                     "server saw %d addresses\n" % ("present" if mx else "missing", len(bs),
                                                     len(failed), len(seen["conns"])))
    sys.exit(1)
total = buckets[-1][1]
gap = max(seen["max_gap_s"].values())
print("late_max_ms %.3f" % (float(mx.group(1)) * 1000))
print("late_p99_ms %g" % (next(le for le, v in buckets if v >= 0.99 * total) * 1000))
print("gap_max_ms %.1f" % (gap * 1000))
print("gap_over_ms %.1f" % max(0.0, (gap - 2.2) * 1000))
print("checks %d" % total)
PY
}

hl_up
for r in $(seq 1 "$ROUNDS"); do
	hl_server_start || { echo "health_bench: hcserver.py did not start" >&2; exit 1; }
	hl_xlbd_start || { echo "health_bench: xlbd did not start: $(tail -3 "$LOG")" >&2; exit 1; }
	hl_run "$RUN_S"
	hl_collect
	rows=$(figures) || exit 1
	while read -r unit value; do
		printf 'health\t%s\t%s\t%d\t%s\n' "$CASE" "$unit" "$r" "$value" >>"$OUT"
	done <<<"$rows"
	echo "round $r: $(tr '\n' ' ' <<<"$rows")"
	stop_xlbd TERM
	nsenter --net="/run/netns/$NS" "$XLBD" --cleanup --pin-dir "$PIN" >/dev/null 2>&1
	hl_server_stop
done
