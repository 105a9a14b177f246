#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# lab_tunnel.sh - the tunnel health check and the last-good-table fail-open in the namespace
# lab. Backends keep their HTTP and UDP servers; what changes is whether they decapsulate
# (xlb_decap detached and re-attached). Services:
#   10.0.0.10:80/tcp      tunnel (4in4, TCP SYN), min_healthy 2  backends 10.101.N.2
#   10.0.0.10:7/udp       tunnel (4in6, UDP)                     backends fd00:101:N::2
#   [fd00:10::10]:7/udp   tunnel (6in4, UDP)                     backends 10.101.N.2
#   [fd00:10::10]:80/tcp  tcp to the backend's own address       backends fd00:101:N::2
# Cases: every check passes; with backend1's decap detached its tunnel checks fail within
# fall x interval + timeout while its tcp check stays up (it still answers on its own
# address); re-attached, it comes back after rise; then backends go down one by one under
# min_healthy 2 and the service keeps its last good table (not every enabled backend), a
# backend deleted by the operator leaves it, and the table is whole again when they return.
# Prints "ok   e2e/lab_tunnel/NAME" / "FAIL ..." and ends with "e2e/lab_tunnel: N passed, ...".
set -u
. "$(dirname "$0")/../lib/e2e.sh"
export LAB_ID=tn$$
STATE=/run/xlb-lab/$LAB_ID
SOCK=$STATE/xlbd.sock
SVC4=10.0.0.10:80/tcp

require root python3
trap lab_down EXIT
lab_up -b 3 -c 1 --no-xlbd

HC="interval: 200ms, timeout: 150ms, rise: 2, fall: 2"
{
	sed -n '/^services:/q;p' "$STATE/xlbd.yaml"
	echo "services:"
	cat <<EOF
  - { vip: 10.0.0.10, port: 80, proto: tcp, table_size: 1009, min_healthy: 2,
      health: { type: tunnel, $HC },
      backends: [ { address: 10.101.1.2 }, { address: 10.101.2.2 }, { address: 10.101.3.2 } ] }
  - { vip: 10.0.0.10, port: 7, proto: udp, table_size: 1009,
      health: { type: tunnel, payload: health, expect_payload: health, $HC },
      backends: [ { address: "fd00:101:1::2" }, { address: "fd00:101:2::2" },
                  { address: "fd00:101:3::2" } ] }
  - { vip: "fd00:10::10", port: 7, proto: udp, table_size: 1009,
      health: { type: tunnel, payload: health, expect_payload: health, $HC },
      backends: [ { address: 10.101.1.2 }, { address: 10.101.2.2 }, { address: 10.101.3.2 } ] }
  - { vip: "fd00:10::10", port: 80, proto: tcp, table_size: 1009,
      health: { type: tcp, $HC },
      backends: [ { address: "fd00:101:1::2" }, { address: "fd00:101:2::2" },
                  { address: "fd00:101:3::2" } ] }
EOF
} >"$STATE/xlbd.yaml.new"
mv "$STATE/xlbd.yaml.new" "$STATE/xlbd.yaml"
if ! "$LAB" xlbd-start >/dev/null 2>&1; then
	bad xlbd_start "$(tail -5 "$STATE/xlbd.log")"
	summary
fi

decap() { # detach|attach N
	"$LAB" exec "backend$2" env XLB_DECAP_PIN_DIR="/sys/fs/bpf/xlb-lab-$LAB_ID-decap$2" \
		"$BIN/xlb-decap" "$1" eth0 >/dev/null
}

XLBDQ=$TOP/tests/e2e/xlbdq.py

# Seconds until SERVICE ADDRESS reaches STATE (polling every 20 ms), or "timeout".
wait_state() { # SERVICE ADDRESS STATE LIMIT_S
	wait_states "$3" "$4" "$1 $2"
}

# The same for several "SERVICE ADDRESS" at once, timed from the same start: one time each.
# The start is $SINCE (a "date +%s.%N" taken when the change was made) when set, else now.
wait_states() { # STATE LIMIT_S "SERVICE ADDRESS"...
	local state=$1 limit=$2
	shift 2
	/usr/bin/python3 "$XLBDQ" wait "$SOCK" "$state" "$limit" "${SINCE:-now}" "$@"
}

# FIELD of the health of SERVICE ADDRESS.
hfield() { # SERVICE ADDRESS FIELD
	/usr/bin/python3 "$XLBDQ" field "$SOCK" "$@"
}

# "ADDR=SLOTS ..." of the table of 10.0.0.10:80/tcp, and fail_open.
table4() {
	/usr/bin/python3 -c 'import sys; sys.path.insert(0, sys.argv[2]); from xlbdq import get
t = get(sys.argv[1], "/v1/tables/10.0.0.10/80/tcp")
s = get(sys.argv[1], "/v1/services/10.0.0.10/80/tcp")
print(" ".join("%s=%d" % (b["address"], b["slots"]) for b in t["backends"]),
      "empty=%d" % t["empty_slots"], "fail_open=%s" % str(s["fail_open"]).lower())' "$SOCK" "$TOP/tests/e2e"
}

# Poll until table4 matches the extended regex (the table follows a health change within a
# tick; up to 3 s on a loaded machine), then print it.
wait_table() { # REGEX
	local t
	for _ in $(seq 1 150); do
		t=$(table4)
		grep -qE "$1" <<<"$t" && break
		sleep 0.02
	done
	echo "$t"
}

# Detection bound: fall (2) x interval (0.2 s) x jitter (1.1) + timeout (0.15 s) + ticks, with
# room for a loaded two-core machine.
BOUND=1.5
within() { python3 -c "import sys; sys.exit(0 if sys.argv[1] != 'timeout' and float(sys.argv[1]) <= float(sys.argv[2]) else 1)" "$1" "$2"; }

TUNNELED=("$SVC4 10.101.1.2" "10.0.0.10:7/udp fd00:101:1::2" "[fd00:10::10]:7/udp 10.101.1.2")
TCP6="[fd00:10::10]:80/tcp fd00:101:1::2"

all_up=1
for i in 1 2 3; do
	for s in "$SVC4 10.101.$i.2" "10.0.0.10:7/udp fd00:101:$i::2" \
		"[fd00:10::10]:7/udp 10.101.$i.2" "[fd00:10::10]:80/tcp fd00:101:$i::2"; do
		# shellcheck disable=SC2086
		[ "$(wait_state $s up 5)" = timeout ] && all_up=0
	done
done
if [ $all_up -eq 1 ] && [ "$(hfield $SVC4 10.101.1.2 last_result)" = ok ] &&
	[ "$(hfield "10.0.0.10:7/udp" fd00:101:1::2 last_result)" = ok ]; then
	ok "tunnel_checks_pass (4in4 tcp, 4in6 and 6in4 udp)"
else
	bad tunnel_checks_pass "$(curl -s --unix-socket "$SOCK" http://lab/v1/health)"
fi

# Each of the tunnelled checks of backend1 reaches STATE within BOUND of SINCE: one case each.
check_tunneled() { # NAME STATE SINCE
	local times i=0 t
	read -ra times <<<"$(SINCE=$3 wait_states "$2" 5 "${TUNNELED[@]}")"
	for s in "${TUNNELED[@]}"; do
		t=${times[$i]:-timeout}
		i=$((i + 1))
		if within "$t" "$BOUND"; then
			ok "$1 ${s% *} (${t}s)"
		else
			bad "$1 ${s% *}" "${t}s (bound ${BOUND}s)"
		fi
	done
}

# Backend1 stops decapsulating; its servers still answer on its own address.
# shellcheck disable=SC2086
tcp6_transitions=$(hfield $TCP6 transitions)
ev=$(date +%s.%N)
decap detach 1
check_tunneled decap_detached_tunnel_down down "$ev"
# shellcheck disable=SC2086
if [ "$(hfield $TCP6 state)" = up ] && [ "$(hfield $TCP6 transitions)" = "$tcp6_transitions" ] &&
	[ "$(hfield $TCP6 last_result)" = ok ]; then
	ok decap_detached_tcp_check_stays_up
else
	bad decap_detached_tcp_check_stays_up "$(hfield $TCP6 state) $(hfield $TCP6 transitions)"
fi
t=$(wait_table '10.101.1.2=0 .*fail_open=false')
if grep -qE '^10.101.1.2=0 10.101.2.2=[1-9][0-9]* 10.101.3.2=[1-9][0-9]* empty=0 fail_open=false$' <<<"$t"; then
	ok "decap_detached_out_of_table ($t)"
else
	bad decap_detached_out_of_table "$t"
fi

ev=$(date +%s.%N)
decap attach 1
check_tunneled decap_attached_tunnel_up up "$ev"

# Last good table, min_healthy 2: one down leaves two (a good table); a second down fails open
# with that table, not with every enabled backend; a third changes nothing.
decap detach 1
wait_state "$SVC4" 10.101.1.2 down 5 >/dev/null
t=$(wait_table '^10.101.1.2=0 10.101.2.2=[1-9]')
decap detach 2
wait_state "$SVC4" 10.101.2.2 down 5 >/dev/null
t=$(wait_table 'fail_open=true')
if grep -qE '^10.101.1.2=0 10.101.2.2=[1-9][0-9]* 10.101.3.2=[1-9][0-9]* empty=0 fail_open=true$' <<<"$t" &&
	grep -q 'failing open with the last good table (2 backends)' "$STATE/xlbd.log"; then
	ok "fail_open_keeps_last_good_table ($t)"
else
	bad fail_open_keeps_last_good_table "$t; $(grep 'failing open' "$STATE/xlbd.log")"
fi
decap detach 3
wait_state "$SVC4" 10.101.3.2 down 5 >/dev/null
sleep 0.2 # a wrong rebuild would follow the health change within a tick or two
t=$(table4)
if grep -qE '^10.101.1.2=0 10.101.2.2=[1-9][0-9]* 10.101.3.2=[1-9][0-9]* empty=0 fail_open=true$' <<<"$t"; then
	ok "all_down_still_last_good_table ($t)"
else
	bad all_down_still_last_good_table "$t"
fi
# The operator deletes backend2: it leaves the table even though it was in the last good one.
if "$BIN/lbctl" -s "$SOCK" backend del "$SVC4" 10.101.2.2 >/dev/null; then
	t=$(wait_table '^10.101.1.2=0 10.101.3.2=')
	if grep -qE '^10.101.1.2=0 10.101.3.2=1009 empty=0 fail_open=true$' <<<"$t"; then
		ok "deleted_backend_leaves_last_good_table ($t)"
	else
		bad deleted_backend_leaves_last_good_table "$t"
	fi
else
	bad deleted_backend_leaves_last_good_table "lbctl backend del failed"
fi
# Back: enough healthy again, every backend in the table.
decap attach 1
decap attach 3
wait_state "$SVC4" 10.101.1.2 up 5 >/dev/null
wait_state "$SVC4" 10.101.3.2 up 5 >/dev/null
t=$(wait_table 'fail_open=false')
if grep -qE '^10.101.1.2=[1-9][0-9]* 10.101.3.2=[1-9][0-9]* empty=0 fail_open=false$' <<<"$t" &&
	grep -q 'no longer failing open' "$STATE/xlbd.log"; then
	ok "recovered_table_whole ($t)"
else
	bad recovered_table_whole "$t"
fi

summary
