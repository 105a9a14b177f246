#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# capture_tshark.sh - packet capture read back by tshark (Wireshark's reader, Debian package
# tshark), in the namespace lab: an lbctl capture of a service during traffic (its packet
# count; the comment of a known flow naming the backend `lbctl flow lookup` names, which is
# also the tunnel's destination tshark decodes); -w - piped into `tshark -r -`; the sampling
# ratio, 1 in 10 over about 2,000 UDP frames, within rounding of the service's own packet
# counter; a reason filter catching deliberately malformed frames (a raw socket's TCP segments
# of 8 bytes) among good ones; and
# xlb-decap capture on a backend: decapsulated frames of a known flow (no tunnel header left),
# one capture at a time, a capture left armed by a killed xlb-decap disarmed by the next, and
# bad words refused.
# Prints "ok   e2e/capture_tshark/NAME" / "FAIL ..." and ends with
# "e2e/capture_tshark: N passed, N failed, N skipped".
set -u
. "$(dirname "$0")/../lib/e2e.sh"
export LAB_ID=cts$$
SOCK=/run/xlb-lab/$LAB_ID/xlbd.sock
PIN=/sys/fs/bpf/xlb-lab-$LAB_ID
DPIN=/sys/fs/bpf/xlb-lab-$LAB_ID-decap1
PY=/usr/bin/python3
WEB=10.0.0.10:80/tcp
ECHO=10.0.0.10:7/udp
CLIENT=10.100.1.2
BACKEND1=10.101.1.2

require root python3 bpftool curl tshark:tshark
TMP=$(mktemp -d /tmp/xlbcts.XXXXXX)
BG=
# shellcheck disable=SC2317 # the EXIT trap calls it
cleanup() {
	[ -n "$BG" ] && kill -9 "$BG" 2>/dev/null
	lab_down
	rm -rf "$TMP"
}
trap cleanup EXIT
lab_up -b 2 -c 1
"$LAB" wait-healthy || bad backends_healthy "not all up after 10 s"

LB=("$BIN/lbctl" -s "$SOCK" --pin-dir "$PIN")
lb() { "${LB[@]}" "$@"; }
# xlb-decap on backend1, with its pinned maps: "${DECAP[@]}" ... & makes $! the tool itself.
DECAP=(nsenter --net="/run/netns/xl$(printf '%s' "$LAB_ID" | cut -c1-6)-backend1"
	env XLB_DECAP_PIN_DIR="$DPIN" "$BIN/xlb-decap")
# tshark without its warning about running as root.
ts() { tshark "$@" 2>/dev/null; }

# The gen of the filter pinned at DIR/xlb_capture: 0 while no capture is armed.
gen() { # DIR
	bpftool -j map dump pinned "$1/xlb_capture" |
		"$PY" -c 'import json,sys; print(json.load(sys.stdin)[0]["formatted"]["value"][".data.capture"][0]["xlb_capture"]["gen"])'
}
armed() { [ "$(gen "$1")" != 0 ]; }
disarmed() { [ "$(gen "$1")" = 0 ]; }

requests() { # N [CURL ARGS]
	local n=$1 _
	shift
	for _ in $(seq 1 "$n"); do
		"$LAB" exec client1 curl -s -o /dev/null -m 2 "$@" http://10.0.0.10/
	done
}

# The backend flow lookup names for client port PORT.
backend_of() { # PORT
	lb -j flow lookup $WEB from $CLIENT:"$1" | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["backend"])'
}

# ---- an lbctl capture of a service during traffic ----
F=$TMP/web.pcapng
# Every capture ends by its count; its duration only keeps a failure from hanging the test.
"${LB[@]}" capture $WEB count 30 duration 20 -w "$F" 2>/dev/null &
BG=$!
wait_for armed "$PIN" || bad armed "the filter was not armed within 5 s"
requests 1 --local-port 40001
requests 10
wait "$BG"
BG=
N=$(ts -r "$F" | wc -l)
if [ "$N" = 30 ]; then ok tshark_count; else bad tshark_count "tshark read $N packets, expected 30"; fi
WANT=$(backend_of 40001)
GOT=$(ts -r "$F" -Y "tcp.srcport == 40001" -T fields -e ip.dst -e frame.comment | sort -u)
# ip.dst is the tunnel's destination, then the VIP; the comment names the backend.
if [ -n "$WANT" ] && [ "$(cut -f1 <<<"$GOT" | sort -u)" = "$WANT,10.0.0.10" ] &&
	! grep -qv "backend=$WANT cpu=" <<<"$(cut -f2 <<<"$GOT")"; then
	ok tshark_known_flow
else
	bad tshark_known_flow "flow lookup: '$WANT'; tshark: $GOT"
fi
IFN=$(ts -r "$F" -T fields -e frame.interface_name | sort -u)
if [ "$IFN" = lb0 ]; then ok tshark_interface; else bad tshark_interface "interfaces: $IFN"; fi

# ---- -w - into tshark -r - ----
requests 3 &
N=$(lb capture $WEB count 4 duration 20 -w - 2>/dev/null | ts -r - | wc -l)
wait
if [ "$N" = 4 ]; then ok tshark_pipe; else bad tshark_pipe "tshark read $N packets from the pipe"; fi

# ---- sampling: 1 in 10 over about 2,000 UDP frames ----
svc_packets() {
	lb -j stats show $ECHO | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["services"][0]["packets"])'
}
BEFORE=$(svc_packets)
"${LB[@]}" capture $ECHO sample 10 duration 4 -w "$TMP/sample.pcapng" 2>/dev/null &
BG=$!
wait_for armed "$PIN"
"$LAB" exec client1 "$PY" -c 'import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(2000):
    s.sendto(b"sample %d" % i, ("10.0.0.10", 7))
    if i % 100 == 99:
        time.sleep(0.01)  # the veths queue about 1,000 frames: do not overrun them'
wait "$BG"
BG=
SENT=$(($(svc_packets) - BEFORE))
GOT=$(ts -r "$TMP/sample.pcapng" | wc -l)
echo "  sampling: $GOT frames captured of $SENT the service counted, 1 in 10"
# Each CPU takes its 1st, 11th, 21st... frame: ceil(n/10) per CPU, so SENT/10 within a frame
# per CPU of rounding.
if [ "$SENT" -ge 1500 ] && "$PY" -c "import sys; sys.exit(not abs($GOT - $SENT / 10) <= 2)"; then
	ok sampling_ratio
else
	bad sampling_ratio "$GOT sampled of $SENT frames the service counted (expected $SENT/10 within 2)"
fi

# ---- a reason filter: malformed frames among good ones ----
"${LB[@]}" capture reason drop_malformed_l4 count 5 duration 20 -w "$TMP/bad.pcapng" 2>/dev/null &
BG=$!
wait_for armed "$PIN"
requests 2
# TCP to the service with 8 bytes of TCP header (20 at least), through the router: a raw
# socket's payload behind the IPv4 header the kernel writes.
"$LAB" exec client1 "$PY" -c 'import socket
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_TCP)
for _ in range(5):
    s.sendto(bytes([0x9c, 0x41, 0, 80]) + bytes(4), ("10.0.0.10", 0))'
requests 2
wait "$BG"
RC=$?
BG=
OUT=$(ts -r "$TMP/bad.pcapng" -T fields -e ip.len -e frame.comment | sort | uniq -c)
if [ $RC -eq 0 ] && grep -Eq '^ +5 28	xlb_lb verdict=drop reason=drop_malformed_l4 service=[^ ]+ backend=- cpu=' <<<"$OUT" &&
	[ "$(wc -l <<<"$OUT")" = 1 ]; then
	ok reason_malformed
else
	bad reason_malformed "rc $RC, tshark: $OUT"
fi

# ---- xlb-decap capture on backend1: decapsulated frames of a known flow ----
PORT=
for p in $(seq 40100 40199); do
	[ "$(backend_of "$p")" = $BACKEND1 ] && PORT=$p && break
done
# reason decap: the health checks' own traffic reaches the backend too, untunnelled.
"${DECAP[@]}" capture reason decap count 3 duration 20 -w "$TMP/decap.pcapng" 2>"$TMP/decap.err" &
BG=$!
wait_for armed "$DPIN" || bad decap_armed "xlb-decap's filter not armed within 5 s"
requests 1 --local-port "$PORT"
wait "$BG"
RC=$?
BG=
OUT=$(ts -r "$TMP/decap.pcapng" -T fields -e frame.interface_name -e ip.dst -e tcp.srcport -e frame.comment)
if [ $RC -eq 0 ] && [ "$(wc -l <<<"$OUT")" = 3 ] &&
	[ "$(grep -Ec "^eth0	10\.0\.0\.10	$PORT	xlb_decap verdict=pass reason=decap service=- backend=- cpu=[01]\$" <<<"$OUT")" = 3 ]; then
	ok decap_frames
else
	bad decap_frames "rc $RC ($(cat "$TMP/decap.err")), port $PORT, tshark: $OUT"
fi
if disarmed "$DPIN"; then ok decap_disarmed; else bad decap_disarmed "gen $(gen "$DPIN") after the count"; fi

# ---- xlb-decap: one capture at a time; a killed one is disarmed by the next ----
"${DECAP[@]}" capture duration 30 -w "$TMP/first.pcapng" 2>/dev/null &
BG=$!
wait_for armed "$DPIN"
OUT=$("${DECAP[@]}" capture count 1 duration 5 -w "$TMP/second.pcapng" 2>&1)
RC=$?
if [ $RC -eq 1 ] && [ "$OUT" = "xlb-decap: a capture is already running on this xlb_decap ($DPIN): one at a time" ] &&
	[ ! -e "$TMP/second.pcapng" ]; then
	ok decap_second_refused
else
	bad decap_second_refused "rc $RC: $OUT"
fi
kill -9 "$BG"
wait "$BG" 2>/dev/null
BG=
if armed "$DPIN"; then ok decap_killed_left_armed; else bad decap_killed_left_armed "gen 0 after SIGKILL"; fi
OUT=$("${DECAP[@]}" capture verdict drop duration 1 -w "$TMP/next.pcapng" 2>&1)
RC=$?
if [ $RC -eq 0 ] && grep -q "^xlb-decap: disarmed a capture left armed by an earlier xlb-decap capture" <<<"$OUT" &&
	disarmed "$DPIN" && [ "$(ts -r "$TMP/next.pcapng" | wc -l)" = 0 ]; then
	ok decap_stale_disarmed
else
	bad decap_stale_disarmed "rc $RC: $OUT"
fi
OUT=$("${DECAP[@]}" capture $WEB count 1 duration 5 2>&1)
RC=$?
if [ $RC -eq 2 ] && grep -q "xlb_decap knows no service, backend or client" <<<"$OUT" && disarmed "$DPIN"; then
	ok decap_bad_words
else
	bad decap_bad_words "rc $RC: $OUT"
fi
summary
