#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# lab_health.sh - health checking in the namespace lab with real servers: every backend comes
# up; a hung server (SIGSTOP), a blackholed backend (link down) and a killed server are each
# marked down within fall x interval + timeout (plus the check tick), after which no request
# fails and none reaches them; they come back after `rise` good checks; with every backend down
# the service fails open (min_healthy 1) with its last good table. HTTP checks on TCP
# services, UDP checks on UDP ones. The HTTP checks are reloaded with rise 4, fall 1, and each
# transition must come after exactly that many results (so a swap of rise and fall fails).
# `lbctl table plan` leaves a backend that is down by its checks out of the table, as xlbd does.
# Each pass after verdicts is one observation of xlb_health_reaction_seconds, as xlbd logs it.
# Prints "ok   e2e/lab_health/NAME" / "FAIL ..." and ends with "e2e/lab_health: N passed, ...".
set -u
. "$(dirname "$0")/../lib/e2e.sh"
export LAB_ID=hc$$
STATE=/run/xlb-lab/$LAB_ID
SOCK=$STATE/xlbd.sock

require root python3
trap lab_down EXIT
lab_up -b 3 -c 1

# Seconds until the backend reaches the wanted state (polling every 20 ms), or "timeout";
# counted from SINCE (a "date +%s.%N" taken when the failure was caused), else from now.
wait_state() { # SERVICE ADDRESS STATE LIMIT_S [SINCE]
	/usr/bin/python3 "$TOP/tests/e2e/xlbdq.py" wait "$SOCK" "$3" "$4" "${5:-now}" "$1 $2"
}

load() { "$LAB" exec client1 /usr/bin/python3 "$TOP/tests/e2e/load.py" "$@"; }
SVC=10.0.0.10:80/tcp
# Detection bound, counted from the failure: at worst each of the fall (1 after the reload
# below) failing checks starts an interval (0.2 s + 10 % jitter) after the previous one ended
# and takes the whole timeout (0.15 s): 0.37 s, plus the 20 ms check tick. Stated margin for
# polling the API, a loaded machine and the sanitized xlbd (ASan, UBSan: 1.10 and 1.35 s seen
# at load 6-7): 1.5 s, still short of the 2 s default interval a broken override would fall to.
BOUND=1.5
RISE=4 FALL=1

all_up=1
for i in 1 2 3; do
	for svc in "$SVC" "10.0.0.10:7/udp"; do
		[ "$(wait_state "$svc" "10.101.$i.2" up 5)" = timeout ] && all_up=0
	done
done
if [ $all_up -eq 1 ]; then ok all_backends_up; else
	bad all_backends_up "$(curl -s --unix-socket "$SOCK" http://lab/v1/health)"
fi

# rise != fall: the HTTP checks reloaded with rise 4, fall 1 (the UDP ones keep 2 and 2).
sed -i "/type: http/s/rise: 2, fall: 2/rise: $RISE, fall: $FALL/" "$STATE/xlbd.yaml"
rl=$("$BIN/lbctl" -s "$SOCK" daemon reload 2>&1)
eff=""
for i in 1 2 3; do
	for f in rise fall; do
		eff="$eff $(/usr/bin/python3 "$TOP/tests/e2e/xlbdq.py" field "$SOCK" "$SVC" "10.101.$i.2" $f)"
	done
done
if [ "$eff" = " $RISE $FALL $RISE $FALL $RISE $FALL" ]; then ok reload_rise_4_fall_1; else
	bad reload_rise_4_fall_1 "effective rise/fall:$eff; reload: $rl"
fi

# The run of results when ADDRESS is first seen in STATE: right after the transition it is the
# threshold that caused it; one more result may land before the 20 ms poll sees it.
reached() { /usr/bin/python3 "$TOP/tests/e2e/xlbdq.py" reached "$SOCK" "$2" 5 "$SVC $1"; }
at_threshold() { [ "$1" = "$2" ] || [ "$1" = "$(($2 + 1))" ]; }

# The time now, as wait_state's SINCE: taken just before a failure or repair is caused.
now() { date +%s.%N; }

# check_down NAME ADDRESS N SINCE: detected within BOUND of SINCE, then 300 requests without
# failure that never reach it.
check_down() {
	local t r
	t=$(wait_state "$SVC" "$2" down 5 "$4")
	r=$(load tcp 10.0.0.10 300 --timeout 1)
	if [ "$t" != timeout ] && python3 -c "import sys; sys.exit(0 if float(sys.argv[1]) <= float(sys.argv[2]) else 1)" "$t" "$BOUND" &&
		grep -q '"failures": 0' <<<"$r" && ! grep -q "\"backend$3\"" <<<"$r"; then
		ok "$1 (detected in ${t}s)"
	else
		bad "$1" "detection ${t}s (bound ${BOUND}s), then $r"
	fi
}
check_up() { # NAME ADDRESS N SINCE
	local t r
	t=$(wait_state "$SVC" "$2" up 5 "$4")
	r=$(load tcp 10.0.0.10 300 --timeout 1)
	if [ "$t" != timeout ] && grep -q '"failures": 0' <<<"$r" && grep -q "\"backend$3\"" <<<"$r"; then
		ok "$1 (back in ${t}s)"
	else
		bad "$1" "recovery ${t}s, then $r"
	fi
}

# A hung server: the kernel still accepts connections, only HTTP answers tell. Down after
# exactly fall (1) timeout, up again after exactly rise (4) good answers.
ev=$(now)
kill -STOP "$(cat "$STATE/server2.pid")"
run=$(reached 10.101.2.2 down)
check_down hung_backend_marked_down 10.101.2.2 2 "$ev"
if at_threshold "$run" $FALL; then ok "down_after_fall_1 (run $run)"; else
	bad down_after_fall_1 "went down after a run of $run failed checks, fall is $FALL"
fi
ev=$(now)
kill -CONT "$(cat "$STATE/server2.pid")"
run=$(reached 10.101.2.2 up)
check_up hung_backend_recovers 10.101.2.2 2 "$ev"
if at_threshold "$run" $RISE; then ok "up_after_rise_4 (run $run)"; else
	bad up_after_rise_4 "came up after a run of $run good checks, rise is $RISE"
fi

# Blackholed: its link goes down.
ev=$(now)
"$LAB" exec backend3 ip link set eth0 down
check_down blackholed_backend_marked_down 10.101.3.2 3 "$ev"
ev=$(now)
"$LAB" exec backend3 ip link set eth0 up
"$LAB" exec backend3 ip route replace default via 10.101.3.1
check_up blackholed_backend_recovers 10.101.3.2 3 "$ev"

# Killed: connections are refused.
ev=$(now)
kill -9 "$(cat "$STATE/server1.pid")"
check_down killed_backend_marked_down 10.101.1.2 1 "$ev"

# lbctl table plan sees health as xlbd does: a change that changes nothing (backend2's weight
# to what it is) moves no slot, and the down backend1 stays out of the table after it.
w2=$(curl -s --unix-socket "$SOCK" http://lab/v1/services/10.0.0.10/80/tcp |
	/usr/bin/python3 -c 'import json, sys; print([b["weight"] for b in json.load(sys.stdin)["backends"] if b["address"] == "10.101.2.2"][0])')
plan=$("$BIN/lbctl" -s "$SOCK" -j table plan "$SVC" weight 10.101.2.2 "$w2" 2>&1)
got=$(/usr/bin/python3 -c 'import json, sys; d = json.loads(sys.argv[1]); print(d["moved_slots"], [b["slots_after"] for b in d["backends"] if b["address"] == "10.101.1.2"][0])' "$plan" 2>&1)
if [ "$got" = "0 0" ]; then ok plan_sees_health; else
	bad plan_sees_health "moved slots and backend1's slots after: $got; plan: $plan"
fi

# A refused change leaves the health checks as they were: a configuration without backend1
# on an interface that does not exist is refused after its checks were set up; backend1 (down)
# must still be checked and down, or the next pass of its service would take it for up.
sed -e '/address: 10.101.1.2,/d' -e 's/^interfaces: .*/interfaces: [nosuch0]/' \
	"$STATE/xlbd.yaml" >"$STATE/refused.yaml"
refused=$(curl -s -w ' %{http_code}' --unix-socket "$SOCK" --data-binary @"$STATE/refused.yaml" \
	http://lab/v1/config/apply)
st1=$(/usr/bin/python3 "$TOP/tests/e2e/xlbdq.py" field "$SOCK" "$SVC" 10.101.1.2 state 2>&1)
if [ "${refused##* }" = 400 ] && grep -q 'nosuch0 does not exist' <<<"$refused" && [ "$st1" = down ]; then
	ok refused_apply_keeps_health
else
	bad refused_apply_keeps_health "apply: $refused; backend1's state after it: $st1"
fi

# Every backend down: the service fails open rather than dropping everything.
kill -STOP "$(cat "$STATE/server2.pid")" "$(cat "$STATE/server3.pid")"
wait_state "$SVC" 10.101.2.2 down 5 >/dev/null
wait_state "$SVC" 10.101.3.2 down 5 >/dev/null
t=$(curl -s --unix-socket "$SOCK" http://lab/v1/tables/10.0.0.10/80/tcp)
svc=$(curl -s --unix-socket "$SOCK" http://lab/v1/services/10.0.0.10/80/tcp)
# The last good table: whichever of 2 and 3 went down last (backend1 was down before both).
if grep -q '"empty_slots":0' <<<"$t" && grep -qE '"address":"10.101.1.2","encap":"ipip","share":0.0,"slots":0\}' <<<"$t" &&
	grep -q '"fail_open":true' <<<"$svc" && grep -q 'failing open' "$STATE/xlbd.log"; then
	ok all_down_fails_open
else
	bad all_down_fails_open "$t $svc"
fi
kill -CONT "$(cat "$STATE/server2.pid")" "$(cat "$STATE/server3.pid")"

# Each health pass is one observation of the reaction histogram, and its tables count: the
# scrape agrees with xlbd's log line per pass ("tables built N ..., X ms after the verdict").
# A pass may still come between the scrape and the reading of the log (xlbd notes it in the
# metrics just before it logs it): the scrape must count at least the passes logged before it,
# at most those logged after it, and its tables must be those of its first passes.
wait_state "$SVC" 10.101.2.2 up 5 >/dev/null
wait_state "$SVC" 10.101.3.2 up 5 >/dev/null
cp "$STATE/xlbd.log" "$STATE/xlbd-before-scrape.log"
m=$("$LAB" exec lb curl -s --max-time 5 http://127.0.0.1:9477/metrics)
sleep 0.2
got=$(/usr/bin/python3 -c '
import re, sys
m = sys.argv[1]
count = re.search(r"^xlb_health_reaction_seconds_count (\d+)$", m, re.M)
tables = re.search(r"^xlb_health_reaction_tables_total (\d+)$", m, re.M)
def passes(path):
    return [int(t) for t in re.findall(
        r"health change applied: .* tables built (\d+) kept \d+, [0-9.]+ ms after the verdict",
        open(path).read())]
before, after = passes(sys.argv[2]), passes(sys.argv[3])
n = int(count.group(1)) if count else -1
print(bool(count and tables and len(before) <= n <= len(after) and n >= 4 and
      int(tables.group(1)) == sum(after[:n]) >= 4), len(before), len(after), n,
      tables and tables.group(1))' "$m" "$STATE/xlbd-before-scrape.log" "$STATE/xlbd.log" 2>&1)
if [ "${got%% *}" = True ]; then ok health_reaction_observed; else
	bad health_reaction_observed "ok, passes logged before and after the scrape, histogram count, tables: $got"
fi

summary
