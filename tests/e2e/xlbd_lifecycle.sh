#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# xlbd_lifecycle.sh - the daemon end to end in a throwaway network namespace: start from a
# config, attach, exact map contents; SIGKILL and restart with the attachment polled through
# the gap and the maps unchanged (no flush, no table rebuilt); invalid configs refused via
# SIGHUP and the API with nothing changed; one weight change swaps only that service's table;
# the control socket's access; ABI mismatch refused; explicit cleanup.
# Prints "ok   e2e/xlbd_lifecycle/NAME" / "FAIL ..." and ends with
# "e2e/xlbd_lifecycle: N passed, N failed, N skipped".
set -u
. "$(dirname "$0")/../lib/e2e.sh"
XLBD=$BIN/xlbd
MAPDUMP=$OUTPUT/tests/e2e/mapdump

require root

NS=xlbt-$$
PIN=/sys/fs/bpf/xlbt-$$
TMP=$(mktemp -d /tmp/xlbt.XXXXXX)
SOCK=$TMP/xlbd.sock
CONF=$TMP/xlbd.yaml
LOG=$TMP/xlbd.log
XPID=

trap daemon_cleanup EXIT

in_ns() {
	nsenter --net=/run/netns/$NS "$@"
}

api() { # METHOD PATH [BODY]: prints the body, then the HTTP status on the last line
	local body=${3-}
	curl -s -o - -w '\n%{http_code}' --unix-socket "$SOCK" -X "$1" ${body:+--data-binary "$body"} \
		"http://xlbd$2"
}

attached() {
	ip -n "$NS" -d link show veth0 | grep -q 'prog/xdp.*name xlb_lb'
}

start_xlbd() {
	spawn_xlbd
	wait_for api GET /v1/status
}

write_conf() { # WEIGHT_OF_10.1.0.12
	cat >"$CONF" <<EOF
interfaces: [veth0]
tunnel_source: 192.0.2.1
tunnel_source_v6: 2001:db8:ff::1
gateway: 02:00:00:00:00:fe
hash_seed: 4242
state_dir: $TMP/state
services:
  - name: web
    vip: 10.0.0.10
    port: 80
    proto: tcp
    table_size: 251
    backends:
      - { address: 10.1.0.11, weight: 100 }
      - { address: 10.1.0.12, weight: $1 }
  - name: dns6
    vip: 2001:db8::53
    port: 53
    proto: udp
    table_size: 307
    icmp_echo: false
    backends:
      - { address: 2001:db8:1::1 }
      - { address: 10.1.0.13, state: drain }
EOF
}

veth_netns "$NS"
mkdir -p "$TMP/state"
write_conf 50

# 1. Start: attached, and the maps hold exactly the configuration.
if start_xlbd && attached; then
	ok start_attached
else
	bad start_attached "xlbd did not start or xlb_lb is not attached: $(tail -3 "$LOG")"
	summary
fi
D1=$(in_ns "$MAPDUMP" "$PIN")
expect_lines() { # NAME, then grep -E patterns that must each match exactly one line
	local name=$1 p miss=
	shift
	for p in "$@"; do
		[ "$(grep -cE "$p" <<<"$D1")" -eq 1 ] || miss="$miss [$p]"
	done
	if [ -z "$miss" ]; then ok "$name"; else bad "$name" "missing or repeated:$miss"; fi
}
expect_lines maps_config '^config abi=6 flags=0 seed=4242 src4=192.0.2.1 src6=2001:db8:ff::1 gw=02:00:00:00:00:fe rss=0/0 mtu=1500 idle_ticks=28$'
expect_lines maps_vips '^vip 10.0.0.10 flags=1$' '^vip 2001:db8::53 flags=0$'
# Weights 100:50 over 251 slots: 167 and 84 (within one slot of 2:1).
expect_lines maps_services \
	'^service 10.0.0.10:80/tcp id=[0-9]+ m=251 table=[0-9]+ slots=10.1.0.11:16[78],10.1.0.12:8[34]$' \
	'^service \[2001:db8::53\]:53/udp id=[0-9]+ m=307 table=[0-9]+ slots=2001:db8:1::1:307$'
expect_lines maps_backends '^backend [0-9]+ svc=[0-9]+ 10.1.0.11 gen=1 state=up weight=100$' \
	'^backend [0-9]+ svc=[0-9]+ 10.1.0.12 gen=1 state=up weight=50$' \
	'^backend [0-9]+ svc=[0-9]+ 2001:db8:1::1 gen=1 state=up weight=100$' \
	'^backend [0-9]+ svc=[0-9]+ 10.1.0.13 gen=1 state=drain weight=100$'
if [ "$(grep -c . <<<"$D1")" -eq 9 ]; then ok maps_nothing_else; else
	bad maps_nothing_else "expected 9 objects, got: $D1"
fi

# The API's read-only views agree with the maps.
out=$(api GET /v1/tables/10.0.0.10/80/tcp)
web_table=$(grep -oE '^service 10.0.0.10:80/tcp .* table=[0-9]+' <<<"$D1" | grep -oE '[0-9]+$')
if grep -q "\"inner_map_id\":$web_table," <<<"$out" && grep -qE '"fingerprint":"[0-9a-f]{16}"' <<<"$out" &&
	grep -qE '"address":"10.1.0.11","encap":"ipip","share":[0-9.]+,"slots":16[78]' <<<"$out" &&
	grep -q '"empty_slots":0' <<<"$out"; then
	ok api_table_view
else
	bad api_table_view "$out (table $web_table)"
fi
out=$(api GET /v1/stats)
if [ "$(grep -oE '"(tx|pass|drop)_[a-z0-9_]+":\{"bytes":0,"packets":0\}' <<<"$out" | wc -l)" -ge 20 ] &&
	grep -q '"service":"10.0.0.10:80/tcp"' <<<"$out"; then
	ok api_stats_view
else
	bad api_stats_view "$out"
fi
out=$(api GET /v1/conns)
if grep -q '"capacity":1048576' <<<"$out" && grep -q '"entries":0' <<<"$out"; then
	ok api_conns_view
else
	bad api_conns_view "$out"
fi

# A query string or an escape is refused by the daemon itself, not dropped or decoded by the
# HTTP library on the way: a backend's DELETE with "%00" cut into it would delete its service.
q1=$(api DELETE '/v1/services/10.0.0.10/80/tcp?dry_run=1')
q2=$(api DELETE '/v1/services/10.0.0.10/80/tcp%00/backends/10.1.0.12')
q3=$(api GET '/v1/services/10.0.0.10%2F80/tcp')
if [ "$(tail -n 1 <<<"$q1") $(tail -n 1 <<<"$q2") $(tail -n 1 <<<"$q3")" = "404 404 404" ] &&
	grep -q 'no query strings or escapes' <<<"$q1$q2$q3" &&
	api GET /v1/services/10.0.0.10/80/tcp | grep -q '"address":"10.1.0.12"'; then
	ok api_query_and_escapes_refused
else
	bad api_query_and_escapes_refused "[$q1] [$q2] [$q3]"
fi

# Packet capture's filter is pinned (xlb_capture) and is the one the running xlb_lb reads.
# Armed here (generation 7) as a client of a capture would have it, it must not survive the
# restart below: the capture's client died with the daemon.
cap_id=$(in_ns bpftool -j map show pinned "$PIN/xlb_capture" | python3 -c 'import json, sys; print(json.load(sys.stdin)["id"])')
prog_id=$(ip -n "$NS" -d link show veth0 | grep -oE 'prog/xdp id [0-9]+' | grep -oE '[0-9]+$')
prog_maps=$(bpftool -j prog show id "$prog_id" | python3 -c \
	'import json, sys; print(" ".join(str(m) for m in json.load(sys.stdin).get("map_ids", [])))')
if [ -n "$cap_id" ] && grep -qw "$cap_id" <<<"$prog_maps"; then ok capture_filter_pinned; else
	bad capture_filter_pinned "pinned xlb_capture id '$cap_id', maps of the attached program '$prog_id': $prog_maps"
fi
zeros=()
for _ in $(seq 1 71); do zeros+=(00); done
in_ns bpftool map update pinned "$PIN/xlb_capture" key hex 00 00 00 00 value hex 07 "${zeros[@]}"
capture_gen() {
	in_ns bpftool -j map lookup pinned "$PIN/xlb_capture" key hex 00 00 00 00 | python3 -c \
		'import json, sys; d = json.load(sys.stdin); print(int(d["value"][0], 16) if "value" in d else d["formatted"]["value"]["xlb_capture"]["gen"])'
}
armed=$(capture_gen)

# 2. SIGKILL and restart: the attachment never disappears, the maps stay byte for byte.
stop_xlbd 9
gap_ok=1
for _ in $(seq 1 20); do attached || gap_ok=0; sleep 0.02; done
: >"$LOG"
spawn_xlbd
for _ in $(seq 1 500); do
	attached || gap_ok=0
	api GET /v1/status >/dev/null 2>&1 && break
	sleep 0.01
done
if [ $gap_ok -eq 1 ] && attached; then ok restart_attachment_never_gone; else
	bad restart_attachment_never_gone "xlb_lb was not attached at some point of the restart"
fi
D2=$(in_ns "$MAPDUMP" "$PIN")
if [ "$D1" = "$D2" ]; then ok restart_maps_identical; else
	bad restart_maps_identical "$(diff <(echo "$D1") <(echo "$D2"))"
fi
if grep -q 'adopted the data plane' "$LOG" &&
	grep -q 'backends written 0 freed 0, tables built 0 kept 2, vips +0 -0$' "$LOG"; then
	ok restart_adopted_without_writes
else
	bad restart_adopted_without_writes "$(cat "$LOG")"
fi
if out=$(api GET /v1/status) && grep -q '"adopted":true' <<<"$out"; then ok restart_resumes_api; else
	bad restart_resumes_api "$out"
fi
if [ "$armed" = 7 ] && [ "$(capture_gen)" = 0 ] &&
	grep -q 'stopped a packet capture left running by an earlier xlbd' "$LOG"; then
	ok restart_stops_stale_capture
else
	bad restart_stops_stale_capture "armed $armed, after the restart $(capture_gen): $(cat "$LOG")"
fi

# 3. Invalid configuration, by SIGHUP and by the API: refused with the reason, nothing changed.
cp "$CONF" "$TMP/good.yaml"
sed -i 's/^  - name: web/  - name: web\n    port: 80x/' "$CONF"
kill -HUP "$XPID"
if wait_for grep -q 'reload refused, nothing changed: .*xlbd.yaml:[0-9]*: services\[0\]' "$LOG" &&
	[ "$(in_ns "$MAPDUMP" "$PIN")" = "$D1" ]; then
	ok invalid_sighup_refused
else
	bad invalid_sighup_refused "$(tail -2 "$LOG")"
fi
out=$(api POST /v1/config/apply "$(cat "$CONF")")
if [ "$(tail -1 <<<"$out")" = 400 ] && grep -q '"error":"request:[0-9]*: services\[0\]' <<<"$out" &&
	[ "$(in_ns "$MAPDUMP" "$PIN")" = "$D1" ]; then
	ok invalid_api_refused
else
	bad invalid_api_refused "$out"
fi
out=$(api PATCH /v1/services/10.0.0.10/80/tcp/backends/10.1.0.12 '{"weight": 70000}')
if [ "$(tail -1 <<<"$out")" = 400 ] && grep -q 'weight: must be 0..65535, got 70000' <<<"$out" &&
	[ "$(in_ns "$MAPDUMP" "$PIN")" = "$D1" ]; then
	ok invalid_api_field_refused
else
	bad invalid_api_field_refused "$out"
fi
cp "$TMP/good.yaml" "$CONF"

# 4. One weight changes: only that service's table is swapped (new inner map), whole.
table_of() { grep -oE "^service $1 .* table=[0-9]+" <<<"$2" | grep -oE '[0-9]+$'; }
write_conf 100
kill -HUP "$XPID"
wait_for grep -q 'tables built 1 kept 1' "$LOG"
D3=$(in_ns "$MAPDUMP" "$PIN")
web1=$(table_of '10.0.0.10:80/tcp' "$D1") web3=$(table_of '10.0.0.10:80/tcp' "$D3")
dns1=$(table_of '\[2001:db8::53\]:53/udp' "$D1") dns3=$(table_of '\[2001:db8::53\]:53/udp' "$D3")
if [ -n "$web1" ] && [ "$web1" != "$web3" ] && [ "$dns1" = "$dns3" ] &&
	grep -qE '^service 10.0.0.10:80/tcp .* slots=10.1.0.11:12[56],10.1.0.12:12[56]$' <<<"$D3"; then
	ok weight_change_swaps_one_table
else
	bad weight_change_swaps_one_table "web $web1->$web3 dns $dns1->$dns3: $D3"
fi

# 5. The control socket: root and group xlb only, and nothing listens on the network.
mode=$(stat -c %a "$SOCK")
if [ "$mode" = 660 ]; then ok socket_mode_0660; else bad socket_mode_0660 "mode $mode"; fi
if command -v setpriv >/dev/null && id nobody >/dev/null 2>&1; then
	chmod 755 "$TMP"
	if setpriv --reuid=nobody --regid=nogroup --clear-groups \
		curl -s --unix-socket "$SOCK" http://xlbd/v1/status >/dev/null 2>&1; then
		bad socket_refuses_others "user nobody got an answer"
	else
		ok socket_refuses_others
	fi
	chmod 700 "$TMP"
else
	skipped socket_refuses_others "no setpriv or no user nobody"
fi
# The control API has no network listener; the only one is /metrics on loopback (default).
listeners=$(in_ns ss -Hltnup 2>/dev/null | grep "pid=$XPID," | awk '{print $1, $5}')
if [ "$listeners" = "tcp 127.0.0.1:9477" ]; then
	ok "no_control_listener_on_network (only /metrics on 127.0.0.1:9477)"
else
	bad no_control_listener_on_network "$(in_ns ss -ltnup | grep "pid=$XPID,")"
fi

# 6. A restart against maps of another ABI is refused, and the attachment stays.
stop_xlbd TERM
# ABI version 999, the rest of the value zero, whatever the value's size is.
vsize=$(in_ns bpftool -j map show pinned "$PIN/xlb_config" | python3 -c \
	'import json, sys; print(json.load(sys.stdin)["bytes_value"])')
mapfile -t zeros < <(yes 00 | head -n $((vsize - 4)))
in_ns bpftool map update pinned "$PIN/xlb_config" key hex 00 00 00 00 value hex e7 03 00 00 \
	"${zeros[@]}" 2>/dev/null
# Bounded: a wrongly accepted start must fail the case, not hang the suite.
if timeout 10 nsenter --net=/run/netns/$NS "$XLBD" -c "$CONF" --pin-dir "$PIN" \
	--socket "$SOCK" >"$TMP/abi.log" 2>&1; then
	bad abi_mismatch_refused "xlbd started"
elif grep -q 'another ABI' "$TMP/abi.log" && attached; then
	ok abi_mismatch_refused
else
	bad abi_mismatch_refused "$(cat "$TMP/abi.log")"
fi

# 7. Explicit teardown detaches and unpins.
if in_ns "$XLBD" --cleanup --pin-dir "$PIN" >/dev/null 2>&1 && ! attached && [ ! -e "$PIN" ]; then
	ok cleanup_detaches_and_unpins
else
	bad cleanup_detaches_and_unpins "still attached or pinned"
fi

# 8. hash_seed: auto is generated once, persisted, and the same after a restart.
sed -i 's/^hash_seed: 4242$/hash_seed: auto/' "$CONF"
rm -rf "$TMP/state"
mkdir -p "$TMP/state"
: >"$LOG"
seed_of_map() { in_ns "$MAPDUMP" "$PIN" | grep -oE '^config .* seed=[0-9]+' | grep -oE '[0-9]+$'; }
if start_xlbd && [ -s "$TMP/state/hash_seed" ]; then
	s1=$(seed_of_map)
	f1=$(cat "$TMP/state/hash_seed")
	stop_xlbd TERM
	start_xlbd
	s2=$(seed_of_map)
	if [ -n "$s1" ] && [ "$s1" = "$f1" ] && [ "$s1" = "$s2" ] && [ "$(cat "$TMP/state/hash_seed")" = "$f1" ]; then
		ok hash_seed_auto_persisted
	else
		bad hash_seed_auto_persisted "map $s1 file $f1 after restart $s2"
	fi
	stop_xlbd TERM
else
	bad hash_seed_auto_persisted "xlbd did not start or wrote no seed: $(tail -3 "$LOG")"
fi
in_ns "$XLBD" --cleanup --pin-dir "$PIN" >/dev/null 2>&1

summary
