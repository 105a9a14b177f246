#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# health_scale.sh - 10,000 health-checked backends all checked, none failing for want of a
# descriptor, in the lab of tests/lib/health_lab.sh (13,000 targets, 3,000 of them dark, more
# than 1,024 checks in flight). Asserts: every answering backend passed every check and none had
# an error; every dark one timed out and nothing else; the server saw each of the 10,000
# addresses at least 3 times in about four intervals; more than 1,024 descriptors were open at
# once; a descriptor limit too low for the backends is reported. How late checks start and the
# gaps between them are timings: bench/health_bench.sh (make bench-health) measures them.
# Prints "e2e/health_scale: N passed, ...".
set -u
. "$(dirname "$0")/../lib/e2e.sh"
. "$TOP/tests/lib/health_lab.sh"
XLBD=$BIN/xlbd

require root python3

NS=xhs-$$
SRV=xhs-srv-$$
PIN=/sys/fs/bpf/xhs-$$
TMP=$(mktemp -d /tmp/xhs.XXXXXX)
SOCK=$TMP/xlbd.sock
CONF=$TMP/xlbd.yaml
LOG=$TMP/xlbd.log
XPID=''
RUN_S=${RUN_S:-9} # about four intervals of checks

trap hl_cleanup EXIT

hl_up
hl_server_start || { bad setup "hcserver.py did not start"; summary; }
if ! hl_xlbd_start; then
	bad xlbd_start "$(tail -5 "$LOG")"
	summary
fi
ok xlbd_start_13000_backends
hl_run "$RUN_S"
hl_collect

if [ "$HL_PEAK_FDS" -gt 1024 ]; then
	ok "over_1024_descriptors_open (peak $HL_PEAK_FDS)"
else
	bad over_1024_descriptors_open "peak $HL_PEAK_FDS: the test does not exercise the old cap"
fi

# Every target's results from the API: answering ones all ok, dark ones all timeout, no error.
if out=$(/usr/bin/python3 - "$TMP/health.json" <<'PY'
import json, sys
bs = json.load(open(sys.argv[1]))["backends"]
bad = []
live = [b for b in bs if int(b["address"].split(".")[2]) < 64]  # 10.200.64.0/18: dark
dark = [b for b in bs if b not in live]
if len(bs) != 13000 or len(live) != 10000:
    bad.append("%d targets, %d answering (want 13000, 10000)" % (len(bs), len(live)))
for b in live:
    c = b["checks"]
    if c["ok"] < 3 or sum(c.values()) != c["ok"] or b["state"] != "up":
        bad.append("%s %s: %s %s" % (b["service"], b["address"], b["state"], c))
for b in dark:
    c = b["checks"]
    if c["timeout"] < 2 or sum(c.values()) != c["timeout"]:
        bad.append("dark %s: %s" % (b["address"], c))
print("; ".join(bad[:5]) + (" (+%d more)" % (len(bad) - 5) if len(bad) > 5 else "") if bad else
      "targets %d, checks %d" % (len(bs), sum(sum(b["checks"].values()) for b in bs)))
sys.exit(1 if bad else 0)
PY
); then
	ok "api_every_check_passed_none_failed_for_descriptors ($out)"
else
	bad api_every_check_passed_none_failed_for_descriptors "$out"
fi

# The server's side: every answering address checked at least 3 times.
if out=$(/usr/bin/python3 - "$TMP/seen.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
few = [a for a in s["conns"] if s["conns"][a] < 3]
print("%d addresses, %d with under 3 checks" % (len(s["conns"]), len(few)))
sys.exit(0 if len(s["conns"]) == 10000 and not few else 1)
PY
); then
	ok "server_saw_every_address ($out)"
else
	bad server_saw_every_address "$out"
fi
if grep -q "out of file descriptors\|RLIMIT_NOFILE" "$LOG"; then
	bad no_descriptor_warning "$(grep -m1 "RLIMIT_NOFILE" "$LOG")"
else
	ok no_descriptor_warning
fi

# A descriptor limit too low for the backends is reported, at start-up and when it bites.
stop_xlbd TERM
: >"$LOG"
XLBD_PREFIX=(prlimit --nofile=512:512)
spawn_xlbd
logged() { # TEXT: polls the log up to 60 s (the start takes a few seconds)
	local _
	for _ in $(seq 1 600); do
		grep -qF "$1" "$LOG" && return 0
		sleep 0.1
	done
	return 1
}
if logged "13000 backends are checked but RLIMIT_NOFILE is 512" &&
	logged "out of file descriptors (RLIMIT_NOFILE 512)"; then
	ok low_nofile_reported
else
	bad low_nofile_reported "$(grep -m3 -i "nofile\|descriptor" "$LOG")"
fi
summary
