#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# capture.sh - lbctl capture against xlbd in the namespace lab, read back by the tests' own
# pcapng reader (tests/e2e/pcapng_read.py): a capture of a service during HTTP traffic stops at
# its count with exactly that many packets, each commented with the decision, and the comment
# of a known flow (a fixed client port) names the backend `lbctl flow lookup` names, which is
# also the frame's tunnel destination; one line per packet without -w; pcapng on standard
# output; a second capture refused with the documented 409 naming the first one's client, over
# lbctl and over the API; lbctl killed (SIGKILL) mid-capture: xlbd disarms the filter (gen 0 in
# the pinned xlb_capture) and takes a new capture; Ctrl-C (SIGINT) ends a capture cleanly with
# a valid file; a reason that never occurs gives a valid, empty capture at its duration; xlbd
# restarted mid-capture: the capture cut short, the filter disarmed, a new capture taken; bad
# words are refused before anything is armed; a user outside root and group xlb is refused.
# Prints "ok   e2e/capture/NAME" / "FAIL ..." and ends with "e2e/capture: N passed, N failed,
# N skipped".
set -u
. "$(dirname "$0")/../lib/e2e.sh"
export LAB_ID=cap$$
ST=/run/xlb-lab/$LAB_ID
SOCK=$ST/xlbd.sock
PIN=/sys/fs/bpf/xlb-lab-$LAB_ID
PY=/usr/bin/python3
WEB=10.0.0.10:80/tcp
CLIENT=10.100.1.2
KNOWN_PORT=40001

require root python3 bpftool curl
TMP=$(mktemp -d /tmp/xlbcap.XXXXXX)
CAP_PID=
# shellcheck disable=SC2317 # the EXIT trap calls it
cleanup() {
	[ -n "$CAP_PID" ] && kill -9 "$CAP_PID" 2>/dev/null
	lab_down
	rm -rf "$TMP"
}
trap cleanup EXIT
lab_up -b 2 -c 1
"$LAB" wait-healthy || bad backends_healthy "not all up after 10 s"

# lbctl, as a command: "${LB[@]}" ... & makes $! lbctl's own pid (xlbd names it in a 409).
LB=("$BIN/lbctl" -s "$SOCK" --pin-dir "$PIN")
lb() { "${LB[@]}" "$@"; }

# The pinned filter's gen: 0 while no capture is armed.
gen() {
	bpftool -j map dump pinned "$PIN/xlb_capture" |
		"$PY" -c 'import json,sys; print(json.load(sys.stdin)[0]["formatted"]["value"][".data.capture"][0]["xlb_capture"]["gen"])'
}
armed() { [ "$(gen)" != 0 ]; }
disarmed() { [ "$(gen)" = 0 ]; }

# N HTTP requests from client1 through the VIP, each on a new connection.
requests() { # N [CURL ARGS]
	local n=$1 _
	shift
	for _ in $(seq 1 "$n"); do
		"$LAB" exec client1 curl -s -o /dev/null -m 2 "$@" http://10.0.0.10/
	done
}

# py FILE EXPR: EXPR over d, what pcapng_read.py read from FILE (exit 1 when it cannot).
py() { "$PY" -B -c "import json,sys; sys.path.insert(0, '$TOP/tests/e2e'); import pcapng_read
d = pcapng_read.read(sys.argv[1]); print($2)" "$1"; }

# ---- a capture of a service during traffic, stopped by its count ----
F=$TMP/web.pcapng
# A capture's count ends it; its duration only keeps a failure from hanging the test.
"${LB[@]}" capture $WEB count 20 duration 20 -w "$F" 2>"$TMP/web.err" &
CAP_PID=$!
wait_for armed || bad armed "the filter was not armed within 5 s"
# The known flow first (its SYN and the rest), then more traffic than the count needs.
requests 1 --local-port $KNOWN_PORT
requests 10
wait "$CAP_PID"
RC=$?
CAP_PID=
if [ $RC -eq 0 ]; then
	ok count_exit
else
	bad count_exit "lbctl exited $RC: $(cat "$TMP/web.err")"
fi
if grep -qx '20 packets captured' "$TMP/web.err"; then
	ok count_summary
else
	bad count_summary "stderr: $(cat "$TMP/web.err")"
fi
N=$(py "$F" 'len(d["packets"])')
if [ "$N" = 20 ]; then
	ok packet_count
else
	bad packet_count "$N packets in the file, expected 20"
fi
IFACES=$(py "$F" '",".join(i["name"] + "/" + str(i["linktype"]) + "/" + str(i["snaplen"]) for i in d["interfaces"])')
if [ "$IFACES" = lb0/1/262 ]; then
	ok interface_block
else
	bad interface_block "IDBs: $IFACES"
fi
# Every packet of the service, forwarded: "xlb_lb verdict=tx reason=tx_... service=WEB ...".
BADC=$(py "$F" '[p["comment"] for p in d["packets"] if not __import__("re").fullmatch(r"xlb_lb verdict=tx reason=tx_(new_flow|conn_hit|reselect) service=10\.0\.0\.10:80/tcp backend=10\.101\.[12]\.2 cpu=[01]", p["comment"])]')
if [ "$BADC" = "[]" ]; then
	ok comments
else
	bad comments "unexpected comments: $BADC"
fi
if disarmed; then
	ok count_disarms
else
	bad count_disarms "gen $(gen) after the count was reached"
fi

# The known flow: the backend of its comment is the one flow lookup names, and the frame's
# tunnel header goes to it. Frames: Ethernet, outer IPv4 (proto 4), inner IPv4, TCP.
WANT=$(lb -j flow lookup $WEB from $CLIENT:$KNOWN_PORT | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["backend"])')
GOT=$(py "$F" '" ".join(sorted(set(
    "%s/%s" % (__import__("re").search(r"backend=(\S+)", p["comment"]).group(1),
               ".".join(str(b) for b in bytes.fromhex(p["frame"])[30:34]))
    for p in d["packets"]
    if bytes.fromhex(p["frame"])[23] == 4
    and int.from_bytes(bytes.fromhex(p["frame"])[54:56], "big") == '$KNOWN_PORT')))')
if [ -n "$WANT" ] && [ "$GOT" = "$WANT/$WANT" ]; then
	ok known_flow
else
	bad known_flow "flow lookup says '$WANT', the capture's comment/tunnel destination '$GOT'"
fi

# ---- one line per packet without -w; pcapng on standard output with -w - ----
requests 3 &
LINES=$(lb capture $WEB count 3 duration 20 2>/dev/null)
wait
if [ "$(grep -c ' lb0 .* bytes xlb_lb verdict=tx reason=tx_.* service=10.0.0.10:80/tcp backend=10.101.[12].2 cpu=[01] | 10.100.1.2:[0-9]* > 10.0.0.10:80 tcp$' <<<"$LINES")" = 3 ]; then
	ok lines
else
	bad lines "got: $LINES"
fi
requests 3 &
lb capture $WEB count 2 duration 20 -w - >"$TMP/stdout.pcapng" 2>/dev/null
wait
if [ "$(py "$TMP/stdout.pcapng" 'len(d["packets"])')" = 2 ]; then
	ok stdout
else
	bad stdout "not a pcapng of 2 packets on standard output"
fi

# ---- two captures at once: the second is refused, and names the first one's client ----
"${LB[@]}" capture duration 30 -w "$TMP/first.pcapng" 2>"$TMP/first.err" &
CAP_PID=$!
wait_for armed
OUT=$(lb capture count 1 duration 5 -w "$TMP/second.pcapng" 2>&1)
RC=$?
if [ $RC -eq 1 ] && grep -q "^Error: a capture is already running (client pid $CAP_PID, uid 0, " <<<"$OUT"; then
	ok second_refused
else
	bad second_refused "rc $RC: $OUT"
fi
API=$(curl -s -w ' %{http_code}' --unix-socket "$SOCK" -d '{"count": 1}' http://xlb/v1/capture)
if grep -q '^{"error":"a capture is already running (client pid '"$CAP_PID"', .* 409$' <<<"$API"; then
	ok second_refused_api
else
	bad second_refused_api "$API"
fi

# ---- lbctl killed mid-capture: xlbd sees its client gone and disarms ----
if armed; then
	ok armed_while_running
else
	bad armed_while_running "gen 0 while a capture runs"
fi
kill -9 "$CAP_PID"
wait "$CAP_PID" 2>/dev/null
CAP_PID=
if wait_for disarmed; then
	ok kill_disarms
else
	bad kill_disarms "gen $(gen) 5 s after lbctl was killed"
fi
if grep -q "packet capture of pid .* ended (the client went away)" "$ST/xlbd.log"; then
	ok kill_logged
else
	bad kill_logged "no 'client went away' in xlbd's log"
fi

# ---- Ctrl-C: a clean end and a valid file; then a new capture is taken ----
"${LB[@]}" capture $WEB duration 30 -w "$TMP/int.pcapng" 2>"$TMP/int.err" &
CAP_PID=$!
wait_for armed || bad armed_after_kill "no new capture armed after the killed one"
requests 3
kill -INT "$CAP_PID"
wait "$CAP_PID"
RC=$?
CAP_PID=
N=$(py "$TMP/int.pcapng" 'len(d["packets"])')
if [ $RC -eq 0 ] && [ "${N:-0}" -ge 3 ] && grep -qx "$N packets captured (stopped)" "$TMP/int.err"; then
	ok sigint
else
	bad sigint "rc $RC, packets '$N', stderr: $(cat "$TMP/int.err")"
fi
if wait_for disarmed; then
	ok sigint_disarms
else
	bad sigint_disarms "gen $(gen) after Ctrl-C"
fi

# ---- a capture ended while its client reads nothing (stopped, its socket full): it no longer
# runs, so a second DELETE finds none and a new capture starts ----
"${LB[@]}" capture duration 60 -w "$TMP/stalled.pcapng" 2>/dev/null &
CAP_PID=$!
wait_for armed
kill -STOP "$CAP_PID"
# About 3,000 records, far more than the socket holds: four clients of 150 requests at once.
loads=()
for _ in 1 2 3 4; do
	"$LAB" exec client1 curl -s -o /dev/null -m 30 "http://10.0.0.10/?n=[1-150]" >/dev/null 2>&1 &
	loads+=($!)
done
wait "${loads[@]}"
del1=$(curl -s -o /dev/null -w '%{http_code}' -X DELETE --unix-socket "$SOCK" http://xlb/v1/capture)
del2=$(curl -s -o /dev/null -w '%{http_code}' -X DELETE --unix-socket "$SOCK" http://xlb/v1/capture)
requests 3 &
REQ_PID=$!
OUT=$(lb capture count 1 duration 5 -w "$TMP/after_stalled.pcapng" 2>&1)
RC=$?
wait "$REQ_PID"
kill -CONT "$CAP_PID"
wait "$CAP_PID"
CAP_PID=
if [ "$del1 $del2 $RC" = "200 404 0" ]; then
	ok ended_capture_frees_the_slot
else
	bad ended_capture_frees_the_slot "DELETE $del1 then $del2; the next capture: rc $RC $OUT"
fi

# ---- a reason that never occurs here: nothing, until the duration ends ----
requests 2 &
lb capture reason drop_no_backend duration 1 -w "$TMP/none.pcapng" 2>"$TMP/none.err"
RC=$?
wait
if [ $RC -eq 0 ] && [ "$(py "$TMP/none.pcapng" 'len(d["packets"]), len(d["interfaces"])')" = "0 0" ]; then
	ok reason_never
else
	bad reason_never "rc $RC: $(cat "$TMP/none.err")"
fi
if disarmed; then
	ok duration_disarms
else
	bad duration_disarms "gen $(gen) after the duration"
fi

# ---- xlbd restarted during a capture: lbctl says it was cut short, the file holds whole
# blocks; the stopping xlbd disarms, and the new one takes a new capture ----
"${LB[@]}" capture $WEB duration 30 -w "$TMP/restart.pcapng" 2>"$TMP/restart.err" &
CAP_PID=$!
wait_for armed
requests 2
# Stop it once lbctl has written packets (it writes them as they come), so that the file
# has some to keep.
# shellcheck disable=SC2317 # wait_for calls it
has_packets() { [ "$(py "$TMP/restart.pcapng" 'len(d["packets"])' 2>/dev/null)" -ge 2 ]; }
wait_for has_packets
"$LAB" xlbd-stop TERM
wait "$CAP_PID"
RC=$?
CAP_PID=
N=$(py "$TMP/restart.pcapng" 'len(d["packets"])')
if [ $RC -eq 1 ] && [ "${N:-0}" -ge 2 ] &&
	grep -qx "Error: the capture was cut short: xlbd closed the connection" "$TMP/restart.err" &&
	disarmed; then
	ok restart_cut_short
else
	bad restart_cut_short "rc $RC, packets '$N', gen $(gen): $(cat "$TMP/restart.err")"
fi
"$LAB" xlbd-start
requests 3 &
N=$(lb capture $WEB count 2 duration 20 -w - 2>/dev/null | "$PY" -B "$TOP/tests/e2e/pcapng_read.py" /dev/stdin |
	"$PY" -c 'import json,sys; print(len(json.load(sys.stdin)["packets"]))')
wait
if [ "$N" = 2 ]; then ok restart_new_capture; else bad restart_new_capture "$N packets after the restart"; fi

# ---- bad words: an error naming the word, nothing armed, no file ----
bad_words() { # NAME RC MESSAGE WORDS...
	local name=$1 rc=$2 msg=$3 out
	shift 3
	out=$(lb capture "$@" -w "$TMP/bad.pcapng" 2>&1)
	local got=$?
	if [ $got -eq "$rc" ] && [ "$out" = "Error: $msg" ] && [ ! -e "$TMP/bad.pcapng" ] && disarmed; then
		ok "bad_$name"
	else
		bad "bad_$name" "rc $got: $out"
	fi
}
bad_words keyword 2 "unknown keyword 'bogus' (expected backend, client, reason, verdict, sample, count, duration, snaplen)" bogus 1
bad_words ambiguous 2 "ambiguous keyword 'c': client, count" c 5
bad_words count 1 "count 0: must be a number 1..1000000000" count 0
bad_words reason 1 "reason tx_bogus: xlb_lb has no such reason" reason tx_bogus
bad_words prefix 1 "client 10.100.1.2/16: host bits set (the prefix is 10.100.0.0/16)" client 10.100.1.2/16
bad_words service 1 "no such service: 10.0.0.99:80/tcp" 10.0.0.99:80/tcp
bad_words backend 1 "backend 10.9.9.9 is not in service 10.0.0.10:80/tcp" $WEB backend 10.9.9.9

# ---- only root and group xlb ----
OUT=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$BIN/lbctl" -s "$SOCK" capture count 1 2>&1)
RC=$?
if [ $RC -eq 1 ] && grep -q "Permission denied (root or group xlb only)" <<<"$OUT"; then
	ok not_root_refused
else
	bad not_root_refused "rc $RC: $OUT"
fi
summary
