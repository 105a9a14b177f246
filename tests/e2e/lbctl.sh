#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# lbctl.sh - lbctl end to end against a real xlbd in a throwaway network namespace: every command
# in human and JSON mode with exact values; prefix matching and its ambiguities; every command's
# bad arguments with their message and exit code, and nothing changed in the maps; help equal
# to the man page; the completion driven by the help; table plan equal to what xlbd then builds;
# flow lookup equal to the real program (BPF_PROG_TEST_RUN through tests/e2e/flowcheck) for
# 10,000 random TCP flows and 2,000 UDP/IPv6 ones, through new flows, connection-table hits,
# drain and re-selection; the map commands without xlbd; a non-root user refused.
# Prints "ok   e2e/lbctl/NAME" / "FAIL ..." and ends with "e2e/lbctl: N passed, N failed, N skipped".
set -u
. "$(dirname "$0")/../lib/e2e.sh"
XLBD=$BIN/xlbd
LBCTL=$BIN/lbctl
MAPDUMP=$OUTPUT/tests/e2e/mapdump
FLOWCHECK=$OUTPUT/tests/e2e/flowcheck
MAN=$TOP/docs/man/lbctl.8.scd
COMPLETION=$TOP/scripts/lbctl.bash-completion
# The system interpreter: a version-manager shim would cost half a second per call.
PY=$(command -v /usr/bin/python3 || command -v python3)

require root

NS=xlbc-$$
PIN=/sys/fs/bpf/xlbc-$$
TMP=$(mktemp -d /tmp/xlbc.XXXXXX)
SOCK=$TMP/xlbd.sock
CONF=$TMP/xlbd.yaml
LOG=$TMP/xlbd.log
XPID=
WEB=10.0.0.10:80/tcp
DNS='[2001:db8::53]:53/udp'

trap daemon_cleanup EXIT

# check NAME DETAIL COMMAND...: ok when COMMAND succeeds, else FAIL with DETAIL.
check() {
	local name=$1 detail=$2
	shift 2
	if "$@"; then ok "$name"; else bad "$name" "$detail"; fi
}

lb() { "$LBCTL" -s "$SOCK" --pin-dir "$PIN" "$@"; }

# run ARGS...: lbctl's stdout in OUT, stderr in ERR, exit status in RC.
run() {
	OUT=$(lb "$@" 2>"$TMP/stderr")
	RC=$?
	ERR=$(cat "$TMP/stderr")
}

# py EXPR: evaluate a Python expression over d, the JSON in $OUT.
py() { "$PY" -c "import json,sys; d=json.load(sys.stdin); print($1)" <<<"$OUT"; }
py_in() { "$PY" -c "import json,sys; d=json.load(sys.stdin); print($1)"; } # the same on stdin
# Possible CPUs: the connection table has a part per possible CPU.
NCPU=$(($(sed 's/.*-//' /sys/devices/system/cpu/possible) + 1))

dump() { "$MAPDUMP" "$PIN"; }

write_conf() {
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
      - { address: 10.1.0.12, weight: 50 }
  - name: dns6
    vip: 2001:db8::53
    port: 53
    proto: udp
    table_size: 307
    icmp_echo: false
    backends:
      - { address: 2001:db8:1::1 }
      - { address: 2001:db8:1::2 }
      - { address: 10.1.0.13, state: drain }
EOF
}

veth_netns "$NS"
mkdir -p "$TMP/state"
write_conf
spawn_xlbd
if ! wait_for lb daemon status; then
	bad setup "xlbd did not start: $(tail -3 "$LOG")"
	summary
fi

# ---- help, man page, completion: one grammar ----

run help
check help_from_tables "rc=$RC: $OUT" \
	grep -qxE 'lbctl backend set SERVICE BACKEND \[weight W\] \[state STATE\] \[encap ENCAP\]' <<<"$OUT"
HELP=$OUT
run service help
check help_per_object "rc=$RC: $OUT" test "$RC" = 0 -a "$(grep -c '^lbctl service ' <<<"$OUT")" = 5 \
	-a -z "$(grep '^lbctl ' <<<"$OUT" | grep -vxF -f <(grep '^lbctl ' <<<"$HELP"))"
MANHELP=$(awk '/^# COMMANDS/ { s = 1 } s && /^```$/ { if (b) exit; b = 1; next } b' "$MAN")
check help_equals_man_page "$(diff <(echo "$HELP") <(echo "$MANHELP") | head -5)" \
	test "$HELP" = "$MANHELP"

complete_words() { # WORDS...: what the completion offers for the last word
	bash -c 'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _lbctl; echo "${COMPREPLY[*]}"' \
		_ "$COMPLETION" "$LBCTL" -s "$SOCK" "$@"
}
c1=$(complete_words s) c2=$(complete_words backend d) c3=$(complete_words backend add "$WEB" 10.1.0.5 w)
c4=$(complete_words service show 10.0) c5=$(complete_words backend set "$WEB" 10.1.0.5 state d)
if [ "$c1" = "service stats" ] && [ "$c2" = "drain disable del" ] && [ "$c3" = weight ] &&
	[ "$c4" = "$WEB" ] && [ "$c5" = "drain disabled" ]; then
	ok completion_from_help
else
	bad completion_from_help "[$c1] [$c2] [$c3] [$c4] [$c5]"
fi

# ---- prefixes and words ----

run s l
check prefix_ambiguous_object "rc=$RC: $ERR" \
	test "$RC" = 2 -a "$ERR" = "Error: ambiguous object 's': service, stats" -a -z "$OUT"
run backend d "$WEB" 10.1.0.11
check prefix_ambiguous_command "rc=$RC: $ERR" \
	test "$RC" = 2 -a "$ERR" = "Error: ambiguous command 'd': drain, disable, del"
run -j co
check prefix_ambiguous_json "rc=$RC: $OUT / $ERR" \
	test "$RC" = 2 -a "$OUT" = '{"error":"ambiguous object '"'co'"': conns, config"}' -a -z "$ERR"
A=$(lb service show "$WEB") B=$(lb se sh "$WEB") C=$(lb serv)
D=$(lb service list)
check prefix_unique "$B" test -n "$A" -a "$A" = "$B" -a "$C" = "$D"
run service frob
check unknown_command "rc=$RC: $ERR" test "$RC" = 2 -a \
	"$ERR" = "Error: unknown command 'frob' (expected list, show, add, set, del, help)"
run frob
check unknown_object "rc=$RC: $ERR" test "$RC" = 2 -a "${ERR%% (*}" = "Error: unknown object 'frob'"
run --frob service list
check unknown_option "rc=$RC: $ERR" test "$RC" = 2 -a "$ERR" = "Error: unknown option '--frob'; try 'lbctl help'"

# ---- version and daemon ----

run version
check version_human "$OUT" test "$RC" = 0 -a "$(sed -n 1p <<<"$OUT")" = "lbctl   0.1.0 (ABI 6)" \
	-a "$(sed -n 3p <<<"$OUT")" = "xlbd    0.1.0 (ABI 6)"
run -j version
check version_json "$OUT" test "$(py '(d["abi_version"], d["xlbd"]["abi_version"], d["xlbd"]["version"])')" = \
	"(6, 6, '0.1.0')" -a "$(py 'd["libbpf"].count(".")')" = 1
run daemon status
check daemon_status_human "$OUT" grep -qx 'interfaces       veth0' <<<"$OUT"
run -j daemon
check daemon_status_json "$OUT" test "$(py '(d["pin_dir"], d["services"], d["hash_seed"], d["adopted"])')" = \
	"('$PIN', 2, 4242, False)"
# A method a path does not take: 405, the path's message, and its methods in Allow.
api_405() { curl -s -i --unix-socket "$SOCK" -X "$1" "http://xlb$2" | tr -d '\r'; }
A1=$(api_405 PUT /v1/services/10.0.0.10/80/tcp)
A2=$(api_405 POST /v1/status)
check api_not_allowed "[$A1] [$A2]" test "$(sed -n 1p <<<"$A1")" = "HTTP/1.1 405 Method Not Allowed" \
	-a "$(grep -i '^allow:' <<<"$A1")" = "Allow: GET, PATCH, DELETE" \
	-a "$(tail -n 1 <<<"$A1")" = '{"error":"a service: GET, PATCH or DELETE"}' \
	-a "$(grep -i '^allow:' <<<"$A2")" = "Allow: GET" \
	-a "$(tail -n 1 <<<"$A2")" = '{"error":"/v1/status: GET only"}'

# ---- services ----

run service list
check service_list_human "$OUT" test "$RC" = 0 -a "$(grep -cE \
	'^(10\.0\.0\.10:80/tcp +web +251 +on +2 +2 +no|\[2001:db8::53\]:53/udp +dns6 +307 +off +3 +2 +no)$' <<<"$OUT")" = 2
run -j service list
check service_list_json "$OUT" test "$(py '[(s["service"], s["name"], s["table_size"], s["icmp_echo"]) for s in d["services"]]')" = \
	"[('10.0.0.10:80/tcp', 'web', 251, True), ('[2001:db8::53]:53/udp', 'dns6', 307, False)]"
run service show "$DNS"
check service_show_human "$OUT" test "$(grep -cxE 'name +dns6|10\.1\.0\.13 +100 +drain +ipip|2001:db8:1::2 +100 +enabled +ipip' <<<"$OUT")" = 3
run -p service show "$DNS"
check service_show_json "$OUT" test "$(py '[(b["address"], b["weight"], b["state"]) for b in d["backends"]]')" = \
	"[('2001:db8:1::1', 100, 'enabled'), ('2001:db8:1::2', 100, 'enabled'), ('10.1.0.13', 100, 'drain')]" \
	-a "$(grep -c '^  "' <<<"$OUT")" -gt 5

run service add 10.0.0.20:8080/tcp name api table-size 211 echo off
run2=$RC
run -j service show 10.0.0.20:8080/tcp
check service_add "rc=$run2: $OUT" test "$(py '(d["name"], d["table_size"], d["icmp_echo"], d["backends"])')" = \
	"('api', 211, False, [])"
run service set 10.0.0.20:8080/tcp name api2 echo on
run -j service show 10.0.0.20:8080/tcp
check service_set "$OUT" test "$(py '(d["name"], d["table_size"], d["icmp_echo"])')" = "('api2', 211, True)"
check service_in_maps "$(dump)" grep -qE '^service 10\.0\.0\.20:8080/tcp id=[0-9]+ m=211 ' <<<"$(dump)"

# ---- backends ----

be_state() { dump | grep -E "^backend [0-9]+ svc=[0-9]+ $1 " | grep -oE 'state=[a-z]+ weight=[0-9]+'; }
run backend add 10.0.0.20:8080/tcp 10.1.0.21 weight 10
r1=$RC
run -j backend add 10.0.0.20:8080/tcp 10.1.0.22
check backend_add "rc=$r1 $RC: $OUT" test "$(py '[(b["address"], b["weight"], b["state"]) for b in d["backends"]]')" = \
	"[('10.1.0.21', 10, 'enabled'), ('10.1.0.22', 100, 'enabled')]" -a "$(be_state 10.1.0.21)" = "state=up weight=10"
run backend set 10.0.0.20:8080/tcp 10.1.0.21 weight 20
check backend_set_weight "rc=$RC $(be_state 10.1.0.21)" test "$RC" = 0 -a "$(be_state 10.1.0.21)" = "state=up weight=20" \
	-a -z "$OUT"
run backend dr 10.0.0.20:8080/tcp 10.1.0.21
check backend_drain "rc=$RC $(be_state 10.1.0.21)" test "$(be_state 10.1.0.21)" = "state=drain weight=20"
run backend disable 10.0.0.20:8080/tcp 10.1.0.21
check backend_disable "rc=$RC $(be_state 10.1.0.21)" test "$(be_state 10.1.0.21)" = "state=down weight=20"
run backend enable 10.0.0.20:8080/tcp 10.1.0.21
check backend_enable "rc=$RC $(be_state 10.1.0.21)" test "$(be_state 10.1.0.21)" = "state=up weight=20"
run backend set 10.0.0.20:8080/tcp 10.1.0.21 state drain weight 30
check backend_set_state "rc=$RC $(be_state 10.1.0.21)" test "$(be_state 10.1.0.21)" = "state=drain weight=30"
run backend list 10.0.0.20:8080/tcp
check backend_list_human "$OUT" test "$(grep -cxE '10\.1\.0\.21 +30 +drain +ipip|10\.1\.0\.22 +100 +enabled +ipip' <<<"$OUT")" = 2
run -j backend list 10.0.0.20:8080/tcp
check backend_list_json "$OUT" test "$(py 'sorted(d) + [len(d["backends"])]')" = "['backends', 'service', 2]"
run -j backend del 10.0.0.20:8080/tcp 10.1.0.21
check backend_del "rc=$RC $OUT" test "$OUT" = '{"ok":true}' -a -z "$(be_state 10.1.0.21)"
run service del 10.0.0.20:8080/tcp
check service_del "rc=$RC" test "$RC" = 0 -a -z "$OUT" -a -z "$(dump | grep -E '10\.0\.0\.20|10\.1\.0\.2[12]')"

# ---- encap: per backend, changed in place; l2 backends directly connected, MAC resolved ----

E=10.0.0.30:80/tcp
be_entry() { # ADDR: "id generation state encap mac" from lbctl map dump
	lb -j map dump backends | "$PY" -c 'import json,sys
for b in json.load(sys.stdin)["entries"]:
    if b["address"] == sys.argv[1] and b["svc_id"] < 4096:
        print(b["id"], b["generation"], b["state"], b["encap"], b["mac"])' "$1"
}
run service add "$E" table-size 211
run -j backend add "$E" 10.1.0.31 encap gue weight 10
check backend_add_encap "rc=$RC: $OUT" test "$RC" = 0 -a \
	"$(py '[(b["address"], b["weight"], b["encap"]) for b in d["backends"]]')" = "[('10.1.0.31', 10, 'gue')]"
read -r id1 gen1 st1 enc1 _ <<<"$(be_entry 10.1.0.31)"
run backend set "$E" 10.1.0.31 encap ipip
read -r id2 gen2 st2 enc2 _ <<<"$(be_entry 10.1.0.31)"
check backend_set_encap_in_place "rc=$RC: $id1 $gen1 $st1 $enc1 -> $id2 $gen2 $st2 $enc2" test "$RC" = 0 \
	-a "$enc1" = gue -a "$st1" = up -a "$enc2" = ipip -a "$id2" = "$id1" -a "$gen2" = "$gen1" -a "$st2" = up
run backend set "$E" 10.1.0.31 encap vxlan
check backend_encap_bad_word "rc=$RC: $ERR" test "$RC" = 1 -a "$ERR" = "Error: encap must be ipip, gue or l2, got 'vxlan'"
run backend list "$E"
check backend_list_encap_human "$OUT" test "$(sed -n 1p <<<"$OUT" | tr -s ' ')" = "ADDRESS WEIGHT STATE ENCAP" \
	-a "$(grep -cxE '10\.1\.0\.31 +10 +enabled +ipip' <<<"$OUT")" = 1
# l2: 10.77.0.0/24 is on veth0 (attached), 10.88.0.0/24 behind a gateway, 10.66.0.0/24 on veth1.
ip -n "$NS" addr add 10.77.0.1/24 dev veth0
ip -n "$NS" addr add 10.66.0.1/24 dev veth1
ip -n "$NS" route add 10.88.0.0/24 via 10.77.0.2
run backend add "$E" 10.88.0.5 encap l2
check backend_l2_behind_gateway "rc=$RC: $ERR" test "$RC" = 1 -a "$ERR" = \
	"Error: request: services[2].backends[1]: l2 backend 10.88.0.5 is not on a directly connected network (the route goes through gateway 10.77.0.2): use encap ipip or gue"
run backend add "$E" 10.66.0.5 encap l2
check backend_l2_other_iface "rc=$RC: $ERR" test "$RC" = 1 -a "$ERR" = \
	"Error: request: services[2].backends[1]: l2 backend 10.66.0.5 is reached through veth1, which is not an interface xlb_lb is attached to: it must share the attached interface's network"
run backend set "$E" 10.1.0.31 encap l2
check backend_l2_set_refused "rc=$RC: $ERR $(be_entry 10.1.0.31)" test "$RC" = 1 \
	-a "${ERR%%: l2 backend 10.1.0.31*}" = "Error: request: services[2].backends[0]" -a "$(be_entry 10.1.0.31 | cut -d' ' -f4)" = ipip
# Directly connected, nobody answers ARP: accepted, out of the table until its MAC is known.
run backend add "$E" 10.77.0.5 encap l2 weight 10
run2=$RC
run -j backend list "$E"
check backend_l2_unresolved "rc=$run2: $OUT $(be_entry 10.77.0.5)" test "$run2" = 0 \
	-a "$(py '[(b["address"], b["encap"], b.get("mac", "-")) for b in d["backends"]]')" = \
	"[('10.1.0.31', 'ipip', '-'), ('10.77.0.5', 'l2', None)]" \
	-a "$(be_entry 10.77.0.5 | cut -d' ' -f3-)" = "down l2 00:00:00:00:00:00"
check backend_l2_unresolved_logged "$(tail -3 "$LOG")" \
	grep -q 'l2 backend 10.77.0.5: no MAC (l2 backend 10.77.0.5: its MAC is not resolved yet): out of its table' "$LOG"
read -r lid lgen _ <<<"$(be_entry 10.77.0.5)"
# Its MAC appears in the neighbour table: the refresh puts it in, same id and generation.
ip -n "$NS" neigh replace 10.77.0.5 lladdr 02:00:00:00:77:05 dev veth0 nud permanent
# shellcheck disable=SC2317 # wait_for and check call it
l2_in() { test "$(be_entry 10.77.0.5)" = "$lid $lgen up l2 02:00:00:00:77:05"; }
wait_for l2_in
check backend_l2_resolved "$(be_entry 10.77.0.5)" l2_in
run -j backend list "$E"
check backend_l2_mac_json "$OUT" test "$(py '[b.get("mac") for b in d["backends"]]')" = "[None, '02:00:00:00:77:05']"
run -j table show "$E"
check table_show_encap "$OUT" test "$(py 'sorted((b["address"], b["encap"], b["slots"] > 0) for b in d["backends"])')" = \
	"[('10.1.0.31', 'ipip', True), ('10.77.0.5', 'l2', True)]"
run table show "$E"
check table_show_encap_human "$OUT" test "$(grep -cE '^(ADDRESS +SLOTS +SHARE +ENCAP|10\.77\.0\.5 +[0-9]+ +[0-9.]+% +l2)$' <<<"$OUT")" = 2
# A flow to the l2 backend says so.
for p in $(seq 1000 1200); do
	OUT=$(lb -j flow lookup "$E" from "198.51.100.9:$p")
	[ "$(py 'd["backend"]')" = 10.77.0.5 ] && break
done
check flow_lookup_encap "$OUT" test "$(py '(d["backend"], d["encap"])')" = "('10.77.0.5', 'l2')"
run map dump config
check map_dump_config_gue_port "$OUT" grep -qxE 'gue_port +6080' <<<"$OUT"
run service del "$E"
ip -n "$NS" route del 10.88.0.0/24
ip -n "$NS" neigh del 10.77.0.5 dev veth0
ip -n "$NS" addr del 10.77.0.1/24 dev veth0
ip -n "$NS" addr del 10.66.0.1/24 dev veth1

# ---- interfaces: configured and attached XDP mode, changed at run time ----

# What the kernel says about DEV: "MODE PROG_ID IFINDEX" from ip (MODE xdp = native,
# xdpgeneric), and "MODE ID" from bpftool.
ip_xdp() {
	local l
	l=$(ip -n "$NS" -d link show "$1")
	echo "$(grep -oE '\bxdp(generic|offload|multi)?\b' <<<"$l" | head -1)" \
		"$(grep -oE 'prog/xdp id [0-9]+' <<<"$l" | awk '{ print $3 }')" "${l%%:*}"
}
bpftool_xdp() {
	nsenter --net=/run/netns/$NS bpftool -j net show dev "$1" | "$PY" -c \
		'import json,sys; print(" ".join("%s %s" % (x["mode"], x["id"]) for x in json.load(sys.stdin)[0]["xdp"]))'
}
iface_rows() { py '[(f["name"], f["mode"], f["attached"], f["ifindex"], f["prog_id"]) for f in d["interfaces"]]'; }

read -r m0 prog0 idx0 <<<"$(ip_xdp veth0)"
run iface list
check iface_list_human "$OUT" test "$RC" = 0 -a "$(sed -n 1p <<<"$OUT")" = "IFACE  MODE    ATTACHED  IFINDEX  PROG_ID" \
	-a "$(grep -cxE "veth0 +native +native +$idx0 +$prog0" <<<"$OUT")" = 1 -a "$m0" = xdp -a -n "$prog0"
run -j iface
check iface_list_json "$OUT" test "$(iface_rows)" = "[('veth0', 'native', 'native', $idx0, $prog0)]"

run iface attach veth1 mode generic
r1=$RC o1=$OUT
read -r m1 prog1 idx1 <<<"$(ip_xdp veth1)"
check iface_attach_generic_kernel "rc=$r1 [$o1] ip: $m1 $prog1, bpftool: $(bpftool_xdp veth1)" \
	test "$r1" = 0 -a -z "$o1" -a "$m1" = xdpgeneric -a "$prog1" = "$prog0" \
	-a "$(bpftool_xdp veth1)" = "generic $prog0"
run iface list
check iface_attach_generic_list_human "$OUT" test "$(grep -cxE "veth0 +native +native +$idx0 +$prog0|veth1 +generic +generic +$idx1 +$prog0" <<<"$OUT")" = 2
run -j iface list
check iface_attach_generic_list_json "$OUT" test "$(iface_rows)" = \
	"[('veth0', 'native', 'native', $idx0, $prog0), ('veth1', 'generic', 'generic', $idx1, $prog0)]"
check iface_attach_in_config_dump "$(lb config dump | head -3)" \
	grep -qxF 'interfaces: ["veth0", { name: "veth1", mode: generic }]' <<<"$(lb config dump)"

# Another mode moves the attachment; -j answers with the interface.
run -j iface attach veth1 mode native
check iface_attach_switch_mode "rc=$RC $OUT ip: $(ip_xdp veth1) bpftool: $(bpftool_xdp veth1)" test "$RC" = 0 \
	-a "$(py '(d["name"], d["mode"], d["attached"], d["prog_id"])')" = "('veth1', 'native', 'native', $prog0)" \
	-a "$(ip_xdp veth1)" = "xdp $prog0 $idx1" -a "$(bpftool_xdp veth1)" = "driver $prog0"

# Run each "CODE#MESSAGE#ARGS" line of stdin through lbctl: the exit code and the one-line
# error must be exactly those, with nothing on stdout. Sets nbad (lines run) and badfail.
# shellcheck disable=SC2120 # its "$@" are each line's words (set -- below), not arguments
run_bad_cases() {
	nbad=0 badfail=
	while IFS='#' read -r code msg words; do
		eval "set -- $words"
		run "$@"
		nbad=$((nbad + 1))
		if [ "$RC" != "$code" ] || [ "$ERR" != "$msg" ] || [ -n "$OUT" ]; then
			badfail="$badfail
  lbctl $words: rc=$RC (want $code) stderr=[$ERR] stdout=[$OUT]"
		fi
	done
}

# Bad arguments: the documented message and exit code, and nothing changes (list, links, maps).
L0=$(lb -j iface list) K0="$(ip_xdp veth0) $(ip_xdp veth1) $(ip_xdp lo)" D0=$(dump) C0=$(lb config dump)
iface_bad_cases() {
	cat <<'EOF'
2#Error: missing argument; usage: lbctl iface attach IFACE [mode native|generic]#iface attach
2#Error: too many arguments; usage: lbctl iface attach IFACE [mode native|generic]#iface attach veth1 mode native now
1#Error: mode must be native or generic, got fast#iface attach veth1 mode fast
1#Error: mode must be native or generic, got auto#iface attach veth1 mode auto
2#Error: mode needs a value#iface attach veth1 mode
2#Error: unknown keyword 'speed' (expected mode)#iface attach veth1 speed 10
1#Error: interface name 'a:b' is not valid: '/' and ':' are not allowed#iface attach a:b
1#Error: interface name 'eth0123456789abcd' is not valid: must be 1..15 characters#iface attach eth0123456789abcd
1#Error: no such network interface: veth9#iface attach veth9 mode generic
1#Error: interface veth1 is already attached (native mode)#iface attach veth1
1#Error: interface veth0 is already attached (native mode)#iface attach veth0 mode native
1#Error: lo: cannot attach xlb_lb in native mode: Operation not supported#iface attach lo mode native
2#Error: missing argument; usage: lbctl iface detach IFACE#iface detach
2#Error: too many arguments; usage: lbctl iface detach IFACE#iface detach veth1 now
1#Error: interface veth9 is not attached#iface detach veth9
1#Error: interface lo is not attached#iface detach lo
1#Error: interface name '..' is not valid: "." and ".." are not interface names#iface detach ..
2#Error: too many arguments; usage: lbctl iface list#iface list veth0
2#Error: unknown command 'frob' (expected list, attach, detach, help)#iface frob
EOF
}
run_bad_cases < <(iface_bad_cases)
check iface_bad_arguments "$badfail" test -z "$badfail" -a "$nbad" = 19
run -j iface attach veth1 mode fast
r1=$RC o1=$OUT e1=$ERR
run -j iface detach veth9
check iface_bad_arguments_json "rc=$r1 [$o1] [$e1] rc=$RC [$OUT] [$ERR]" test "$r1" = 1 -a "$RC" = 1 \
	-a "$o1" = '{"error":"mode must be native or generic, got fast"}' -a -z "$e1" \
	-a "$OUT" = '{"error":"interface veth9 is not attached"}' -a -z "$ERR"
K1="$(ip_xdp veth0) $(ip_xdp veth1) $(ip_xdp lo)"
check iface_bad_arguments_change_nothing "list $(diff <(echo "$L0") <(lb -j iface list)) links [$K0] [$K1]" \
	test "$L0" = "$(lb -j iface list)" -a "$K0" = "$K1" -a "$D0" = "$(dump)" -a "$C0" = "$(lb config dump)"

run iface detach veth1
check iface_detach "rc=$RC [$OUT] ip: $(ip_xdp veth1) bpftool: $(bpftool_xdp veth1)" test "$RC" = 0 -a -z "$OUT" \
	-a "$(ip_xdp veth1)" = "  $idx1" -a -z "$(bpftool_xdp veth1)" -a "$(ip_xdp veth0)" = "xdp $prog0 $idx0"
run -j iface list
check iface_detach_list "$OUT" test "$(iface_rows)" = "[('veth0', 'native', 'native', $idx0, $prog0)]" \
	-a "$(lb config dump | grep '^interfaces:')" = 'interfaces: ["veth0"]'
run iface detach veth0
check iface_detach_last_refused "rc=$RC $ERR" test "$RC" = 1 \
	-a "$ERR" = "Error: veth0 is the only interface and xlbd needs one: attach another first" \
	-a "$(ip_xdp veth0)" = "xdp $prog0 $idx0"
c1=$(complete_words iface a) c2=$(complete_words iface attach veth1 mode '') c3=$(complete_words iface attach veth1 '')
c4=$(complete_words iface detach '')
check iface_completion "[$c1] [$c2] [$c3] [$c4]" test "$c1" = attach -a "$c2" = "native generic" -a "$c3" = mode -a "$c4" = veth0

# ---- bad arguments: documented message and exit code, nothing reaches the maps ----

D0=$(dump)
bad_cases() {
	cat <<'EOF'
2#Error: too many arguments; usage: lbctl service list#service list x
1#Error: service must be VIP:PORT/PROTO (e.g. 10.0.0.10:80/tcp, [2001:db8::10]:443/udp), got '10.0.0.10:80'#service show 10.0.0.10:80
2#Error: missing argument; usage: lbctl service add SERVICE [name NAME] [table-size M] [echo on|off] [announce on|off]#service add
1#Error: table-size must be a prime in 7..655373, got 100 (the next prime is 101)#service add 10.0.0.20:80/tcp table-size 100
1#Error: table-size must be a prime in 7..655373, got 0251#service add 10.0.0.20:80/tcp table-size 0251
1#Error: name must be 1..31 characters of A-Z a-z 0-9 _ . -, got 'a b'#service add 10.0.0.20:80/tcp name 'a b'
2#Error: unknown keyword 'size' (expected name, table-size, echo, announce)#service add 10.0.0.20:80/tcp size 7
2#Error: name given twice#service add 10.0.0.20:80/tcp name a name b
2#Error: nothing to set: give name, table-size, echo or announce#service set 10.0.0.10:80/tcp
1#Error: echo must be on or off, got 'maybe'#service set 10.0.0.10:80/tcp echo maybe
1#Error: announce must be on or off, got 'yes'#service set 10.0.0.10:80/tcp announce yes
2#Error: announce given twice#service set 10.0.0.10:80/tcp announce on announce off
1#Error: service must be VIP:PORT/PROTO (e.g. 10.0.0.10:80/tcp, [2001:db8::10]:443/udp), got '10.0.0.10:80/sctp'#service del 10.0.0.10:80/sctp
1#Error: service 10.0.0.10:80/tcp already exists#service add 10.0.0.10:80/tcp
2#Error: missing argument; usage: lbctl backend list SERVICE#backend list
1#Error: backend must be an IPv4 or IPv6 address, got 'not-an-ip'#backend add 10.0.0.10:80/tcp not-an-ip
1#Error: weight must be 0..65535, got 70000#backend set 10.0.0.10:80/tcp 10.1.0.12 weight 70000
1#Error: weight must be 0..65535, got 12x#backend add 10.0.0.10:80/tcp 10.1.0.99 weight 12x
1#Error: state must be enabled, drain or disabled, got 'off'#backend set 10.0.0.10:80/tcp 10.1.0.12 state off
2#Error: weight needs a value#backend add 10.0.0.10:80/tcp 10.1.0.99 weight
2#Error: nothing to set: give weight W, state STATE and/or encap ENCAP#backend set 10.0.0.10:80/tcp 10.1.0.12
2#Error: missing argument; usage: lbctl backend drain SERVICE BACKEND#backend drain 10.0.0.10:80/tcp
1#Error: service must be VIP:PORT/PROTO (e.g. 10.0.0.10:80/tcp, [2001:db8::10]:443/udp), got 'web'#backend enable web 10.1.0.12
2#Error: too many arguments; usage: lbctl backend disable SERVICE BACKEND#backend disable 10.0.0.10:80/tcp 10.1.0.12 now
1#Error: no such backend: 10.9.9.9 of 10.0.0.10:80/tcp#backend del 10.0.0.10:80/tcp 10.9.9.9
1#Error: backend 10.1.0.11 of 10.0.0.10:80/tcp already exists#backend add 10.0.0.10:80/tcp 10.1.0.11
1#Error: --rate SECONDS must be 1..3600, got 0#stats show --rate 0
1#Error: no such service: 10.0.0.99:80/tcp#stats show 10.0.0.99:80/tcp
2#Error: missing argument; usage: lbctl table show SERVICE#table show
2#Error: unknown change 'frob' (expected add, del, weight, drain, enable, disable)#table plan 10.0.0.10:80/tcp frob 10.1.0.11
1#Error: xlbd would refuse this change: services[0].table_size: table_size 251 is too small for 3 backends: use a prime >= 300, e.g. 307#table plan 10.0.0.10:80/tcp add 10.1.0.14
1#Error: no such backend: 10.1.0.99 of 10.0.0.10:80/tcp#table plan 10.0.0.10:80/tcp weight 10.1.0.99 5
2#Error: expected 'from' after the service, got 'to'; usage: lbctl flow lookup SERVICE from CLIENT [to PORT]#flow lookup 10.0.0.10:80/tcp to 1.2.3.4:5
1#Error: client must be ADDR:PORT or [IPV6]:PORT with a port 0..65535, got '1.2.3.4'#flow lookup 10.0.0.10:80/tcp from 1.2.3.4
1#Error: client [2001:db8::1]:5 and service 10.0.0.10:80/tcp are of different IP versions#flow lookup 10.0.0.10:80/tcp from [2001:db8::1]:5
1#Error: no such service in the data path: 10.0.0.10:81/tcp#flow lookup 10.0.0.10:81/tcp from 1.2.3.4:5
2#Error: too many arguments; usage: lbctl conns count#conns count x
1#Error: --limit must be 0..4294967295, got x#conns list --limit x
1#Error: no such service in the data path: 10.0.0.99:80/tcp#conns flush 10.0.0.99:80/tcp
2#Error: too many arguments; usage: lbctl map list#map list x
2#Error: unknown map 'nosuch' (expected config, services, vips, tables, backends, conns, frags, svc_stats, be_stats, reasons)#map dump nosuch
2#Error: ambiguous map 'c': config, conns#map dump c
1#Error: cannot open /nonexistent.yaml: No such file or directory#config check /nonexistent.yaml
2#Error: missing argument; usage: lbctl config apply FILE#config apply
2#Error: too many arguments; usage: lbctl config dump#config dump x
2#Error: too many arguments; usage: lbctl daemon status#daemon status x
2#Error: too many arguments; usage: lbctl daemon reload#daemon reload x
2#Error: too many arguments; usage: lbctl version#version x
1#Error: cannot open /nonexistent: No such file or directory#batch file /nonexistent
2#Error: unknown option '-x'; try 'lbctl help'#-xj service list
1#Error: no such service in the data path: 10.0.0.10:81/tcp#flow lookup 10.0.0.10:81/tcp fr 1.2.3.4:5 t 81
2#Error: --limit given twice#conns list --limit 5 --lim 6
1#Error: --limit must be 0..4294967295, got 5x#conns list 10.0.0.99:80/tcp --limit 5x
2#Error: --limit needs a value#map dump conns --limit
1#Error: xlbd would refuse this change: services[0].table_size: table_size 251 is too small for 3 backends: use a prime >= 300, e.g. 307#table plan 10.0.0.10:80/tcp add 10.1.0.14 w 5
EOF
}
run_bad_cases < <(bad_cases)
check bad_arguments_every_command "$badfail" test -z "$badfail" -a "$nbad" -ge 45
run -j backend set "$WEB" 10.1.0.12 weight 70000
check bad_argument_json "rc=$RC $OUT $ERR" \
	test "$RC" = 1 -a "$OUT" = '{"error":"weight must be 0..65535, got 70000"}' -a -z "$ERR"
# A message quoting bytes that are not UTF-8 is still JSON (they become '?'), not a blank line.
run -j service add "$WEB" name $'\xff'
check bad_argument_json_not_utf8 "rc=$RC $OUT $ERR" test "$RC" = 1 -a -z "$ERR" -a \
	"$(py "d['error']" 2>&1)" = "name must be 1..31 characters of A-Z a-z 0-9 _ . -, got '?'"
# A JSON batch is one array: help (text) is refused in it, the results before it kept.
printf 'version\nhelp\n' >"$TMP/batch_help"
run -j batch file "$TMP/batch_help"
check batch_json_refuses_help "rc=$RC $OUT $ERR" test "$RC" = 2 -a \
	"$(py "[len(d), d[1]['error']]" 2>&1)" = "[2, '$TMP/batch_help:2: help prints text, not JSON: not in a batch with -j']"
check bad_arguments_change_nothing "$(diff <(echo "$D0") <(dump))" test "$D0" = "$(dump)"

# ---- table show, and plan against what xlbd then builds ----

run table show "$WEB"
check table_show_human "$OUT" test "$(grep -cxE 'empty_slots  0|10\.1\.0\.11 +168 +66\.93% +ipip|10\.1\.0\.12 +83 +33\.07% +ipip' <<<"$OUT")" = 3
run -j table show "$WEB"
TS1=$OUT
slots_json() { py '",".join("%s:%d" % (b["address"], b["slots"]) for b in d["backends"])'; }
check table_show_equals_maps "$(slots_json) vs $(dump | grep "^service $WEB")" \
	grep -qE "^service $WEB id=[0-9]+ m=251 table=$(py 'd["inner_map_id"]') slots=$(slots_json)\$" <<<"$(dump)"

run table plan "$WEB" weight 10.1.0.12 100
check table_plan_human "$OUT" test "$(grep -cxE '10\.1\.0\.11 +10\.1\.0\.12 +42 +16\.73%|42 of 251 slots move \(16\.73% of the hash space\)' <<<"$OUT")" = 2
run -j table plan "$WEB" weight 10.1.0.12 100
PLAN=$OUT
plan_after=$(py '",".join("%s:%d" % (b["address"], b["slots_after"]) for b in d["backends"])')
plan_fp=$(py 'd["fingerprint_after"]')
OUT=$TS1
check table_plan_before_is_running "$PLAN" test "$(OUT=$PLAN py 'd["fingerprint_before"]')" = "$(py 'd["fingerprint"]')"

# ---- flow lookup against the program: 10,000 TCP flows, 2,000 UDP/IPv6 ----

lookups() { # SERVICE FLOWFILE [to PORT]: lbctl's answers for the flows of FLOWFILE, as
	# "CLIENT BACKEND REASON MAGLEV"
	awk -v s="$1" -v t="${3-}" '{ print "flow lookup " s " from " $1 (t ? " to " t : "") }' "$2" >"$TMP/batch"
	OUT=$(lb -j batch file "$TMP/batch")
	py '"\n".join("%s %s %s %s" % (r["client"], r["backend"], r["reason"], r["maglev"]["backend"]) for r in d)'
}
flows() { # SERVICE COUNT SEED syn|ack
	"$FLOWCHECK" "$PIN" veth0 "$@"
}
compare() { # NAME LOOKUPS PROGRAM [REASON]: lbctl's backend equals the program's for every flow
	local name=$1 mism n
	n=$(wc -l <"$3")
	mism=$(paste -d' ' "$2" "$3" | awk -v r="${4-}" '$1 != $5 || $2 != $6 || (r != "" && $3 != r)' | head -3)
	check "$name" "$n flows, first mismatches (client lbctl reason maglev | client program): $mism" \
		test -z "$mism" -a "$n" -gt 0
}
stat_of() { lb -j stats show | "$PY" -c "import json,sys; d=json.load(sys.stdin); print($1)"; }

run -j conns count
check conns_count_empty "$OUT" test "$(py '(d["entries"], d["capacity"])')" = "(0, 1048576)"
new0=$(stat_of 'd["reasons"]["tx_new_flow"]["packets"]')
# lbctl predicts the flows before the program sees them (new flows, by Maglev); the program
# runs them (SYN) and writes their entries; then lbctl finds the entries.
flows "$WEB" 10000 1 list >"$TMP/flows"
lookups "$WEB" "$TMP/flows" >"$TMP/l0"
flows "$WEB" 10000 1 syn >"$TMP/p1"
compare flow_lookup_new_10000_tcp "$TMP/l0" "$TMP/p1" tx_new_flow
lookups "$WEB" "$TMP/flows" >"$TMP/l1"
compare flow_lookup_conn_hit_10000_tcp "$TMP/l1" "$TMP/p1" tx_conn_hit
new1=$(stat_of 'd["reasons"]["tx_new_flow"]["packets"]')
run -j stats show "$WEB"
check stats_count_new_flows "new $new0 -> $new1: $OUT" test $((new1 - new0)) = 10000 \
	-a "$(py '(d["services"][0]["packets"], d["services"][0]["bytes"], sum(b["packets"] for b in d["services"][0]["backends"]))')" = "(10000, 700000, 10000)"
run -j stats show "$WEB"
be11=$(grep -c ' 10\.1\.0\.11$' "$TMP/p1")
check stats_per_backend "$OUT" test "$(py '[(b["address"], b["packets"]) for b in d["services"][0]["backends"]]')" = \
	"[('10.1.0.11', $be11), ('10.1.0.12', $((10000 - be11)))]"
run stats show
check stats_human "$OUT" test "$(grep -cxE "10\.0\.0\.10:80/tcp +web +10,000 +683\.6 KiB|  -> 10\.1\.0\.11 +$("$PY" -c "print(f'{$be11:,}')") +.*|tx_new_flow +tx +[0-9,]+ +[0-9.]+ KiB" <<<"$OUT")" = 3

# IPv6 client, UDP, IPv6 service with two IPv6 backends and a drained IPv4 one.
flows "$DNS" 2000 2 list >"$TMP/flows6"
lookups "$DNS" "$TMP/flows6" >"$TMP/l5"
flows "$DNS" 2000 2 syn >"$TMP/p6"
compare flow_lookup_new_2000_udp_ipv6 "$TMP/l5" "$TMP/p6" tx_new_flow
lookups "$DNS" "$TMP/flows6" >"$TMP/l6"
compare flow_lookup_conn_hit_2000_udp_ipv6 "$TMP/l6" "$TMP/p6" tx_conn_hit
check flow_lookup_udp_spread "$(sort -k2 "$TMP/p6" | awk '{print $2}' | uniq -c)" \
	test "$(awk '{print $2}' "$TMP/p6" | sort -u | tr '\n' ' ')" = "2001:db8:1::1 2001:db8:1::2 "

run flow lookup "$WEB" from "$(head -1 "$TMP/flows")"
check flow_lookup_human "$OUT" test "$(grep -cE '^(backend  10\.1\.0\.1[12] \(encap ipip\)|why      connection table entry \(backend id [0-9]+, generation 1\)|new      a new connection \(TCP SYN\) would get 10\.1\.0\.1[12]: Maglev slot [0-9]+ of 251, hash 0x[0-9a-f]{8})$' <<<"$OUT")" = 3

# Apply the planned weight change: xlbd builds what the plan said.
run backend set "$WEB" 10.1.0.12 weight 100
run -j table show "$WEB"
check table_plan_equals_applied "plan $plan_after $plan_fp, applied $(slots_json) $(py 'd["fingerprint"]')" \
	test "$(slots_json)" = "$plan_after" -a "$(py 'd["fingerprint"]')" = "$plan_fp"

# Established flows keep their backend (entry hit) though Maglev now says otherwise for some.
lookups "$WEB" "$TMP/flows" >"$TMP/l2"
flows "$WEB" 10000 1 ack >"$TMP/p2"
compare flow_lookup_after_weight_change "$TMP/l2" "$TMP/p2" tx_conn_hit
moved=$(awk '$2 != $4' "$TMP/l2" | wc -l)
check flow_lookup_maglev_moved_share "$moved of 10000 flows" test "$moved" -gt 1300 -a "$moved" -lt 2100

# Drain keeps the entries; disable re-selects them by Maglev.
on12=$(grep -c ' 10\.1\.0\.12$' "$TMP/p2")
run backend drain "$WEB" 10.1.0.12
lookups "$WEB" "$TMP/flows" >"$TMP/l3"
flows "$WEB" 10000 1 ack >"$TMP/p3"
compare flow_lookup_drained_keeps_flows "$TMP/l3" "$TMP/p3" tx_conn_hit
check flow_lookup_drained_count "$on12" test "$(grep -c ' 10\.1\.0\.12$' "$TMP/p3")" = "$on12" -a "$on12" -gt 0
run backend disable "$WEB" 10.1.0.12
lookups "$WEB" "$TMP/flows" >"$TMP/l4"
run flow lookup "$WEB" from "$(awk '$3 == "tx_reselect" { print $1; exit }' "$TMP/l4")"
check flow_lookup_human_reselect "$OUT" \
	grep -qE '^why      Maglev slot [0-9]+ of 251, hash 0x[0-9a-f]{8}; the connection table entry is not used: its backend is down \(disabled or removed\)$' <<<"$OUT"
flows "$WEB" 10000 1 ack >"$TMP/p4"
compare flow_lookup_disabled_reselects "$TMP/l4" "$TMP/p4"
check flow_lookup_reselect_reason "$(grep -c tx_reselect "$TMP/l4") vs $on12" \
	test "$(grep -c ' 10\.1\.0\.11 tx_reselect ' "$TMP/l4")" = "$on12"
run backend enable "$WEB" 10.1.0.12

# A port-0 service takes the ports no other service of its VIP has: "to PORT" says which.
lb service add 10.0.0.10:0/tcp name any table-size 211 &&
	lb backend add 10.0.0.10:0/tcp 10.1.0.31 && lb backend add 10.0.0.10:0/tcp 10.1.0.32
flows 10.0.0.10:443/tcp 1000 3 list >"$TMP/flows0"
lookups 10.0.0.10:0/tcp "$TMP/flows0" 443 >"$TMP/l0p"
flows 10.0.0.10:443/tcp 1000 3 syn >"$TMP/p0p"
compare flow_lookup_port0_1000 "$TMP/l0p" "$TMP/p0p" tx_new_flow
run -j flow lookup 10.0.0.10:0/tcp from 198.18.0.1:1000 to 80
check flow_lookup_port0_exact_first "$OUT" test "$(py '(d["service"], d["dport"], d["note"])')" = \
	"('10.0.0.10:80/tcp', 80, 'port 80 has its own service, 10.0.0.10:80/tcp')"
run flow lookup 10.0.0.10:0/tcp from 198.18.0.1:1000
check flow_lookup_port0_needs_to "rc=$RC $ERR" test "$RC" = 2 -a "$ERR" = "Error: 10.0.0.10:0/tcp takes every port: say which with 'to PORT'"
lb conns flush 10.0.0.10:0/tcp >/dev/null
lb service del 10.0.0.10:0/tcp

# --rate: per-second deltas over one interval while traffic flows.
(while [ ! -e "$TMP/rate.done" ]; do flows "$WEB" 500 1 ack >/dev/null; done) &
LOADPID=$!
run -j stats show --rate 1
touch "$TMP/rate.done"
wait "$LOADPID"
check stats_rate_json "$OUT" test "$(py '(d["interval_seconds"], d["reasons"]["tx_conn_hit"]["packets_per_second"] > 0, d["services"][0]["packets_per_second"] > 0, "packets" in d["services"][0])')" = \
	"(1.0, True, True, False)"
run stats show "$DNS" --rate 1
check stats_rate_human "$OUT" test "$(grep -cxE 'per second over 1 s|\[2001:db8::53\]:53/udp +dns6 +0\.0 +0 B/s' <<<"$OUT")" = 2

# ---- conns ----

run -j conns count
check conns_count_json "$OUT" test "$(py 'd["entries"]')" = 12000
run conns
check conns_count_human "$OUT" test "$OUT" = "12,000 of 1,048,576 entries in use (1.1%); $("$PY" -c "print(f'{1048576 // $NCPU:,}')") entries per CPU on $NCPU CPUs"
run conns list "$WEB" --limit 5
check conns_list_human "$OUT" test "$(grep -cE '^198\.1[89]\.[0-9.]+:[0-9]+ +10\.0\.0\.10:80/tcp +80 +10\.1\.0\.1[12] +[0-9]+ +0 +ok$' <<<"$OUT")" = 5 \
	-a "$(tail -1 <<<"$OUT")" = "(first 5 entries; --limit N for more, 0 for all)"
run -j conns list "$DNS" --limit 0
check conns_list_json "$(head -c 300 <<<"$OUT")" test "$(py '(len(d["conns"]), d["truncated"], {c["service"] for c in d["conns"]}, all(c["usable"] for c in d["conns"]), {c["cpu"] for c in d["conns"]})')" = \
	"(2000, False, {'[2001:db8::53]:53/udp'}, True, {0})"
run -j conns flush "$DNS"
check conns_flush_service "$OUT" test "$OUT" = '{"deleted":2000}' -a "$(lb -j conns count | py_in '(d["capacity"], d["entries"], d["capacity_per_cpu"] * d["cpus"])')" = "(1048576, 10000, 1048576)"

# ---- maps, read-only ----

run map list
check map_list_human "$OUT" test "$(grep -cE '^(xlb_conns +[0-9]+ +array +4 +128 +262,144 +262,144|xlb_services +[0-9]+ +hash +20 +16 +4,096 +2) +[0-9.]+ (B|KiB|MiB)$|^memory charged for the maps: [0-9.]+ MiB |^xlbd'"'"'s table pool \(replaced tables kept for reuse, in no pinned map\): [0-9]+ maps?, [0-9.]+ (B|KiB|MiB)$|^connection table \(xlb_conns\): 1,048,576 entries, [0-9,]+ per CPU on '"$NCPU"' CPUs \([0-9,]+ buckets of 4\), 10,000 in use$' <<<"$OUT")" = 5
run -j map list
check map_list_json "$OUT" test "$(py 'sorted(m["name"] for m in d["maps"])')" = \
	"['xlb_backends', 'xlb_be_stats', 'xlb_capture', 'xlb_capture_cpu', 'xlb_capture_ring', 'xlb_config', 'xlb_conns', 'xlb_conns_count', 'xlb_frags', 'xlb_guard', 'xlb_reasons', 'xlb_services', 'xlb_svc_stats', 'xlb_tables', 'xlb_vips']"
check map_list_memory "$OUT" test "$(py 'all(m["memory"] > 0 for m in d["maps"]) and d["memory_total"] == sum(m["memory"] for m in d["maps"]) + d["table_pool"]["memory"] and [m["memory"] > 4096 * m["entries"] for m in d["maps"] if m["name"] == "xlb_tables"] == [True]')" = True
# The tables the drains above replaced are in xlbd's pool, in no pinned map: at least a chunk each.
check map_list_table_pool "$OUT" test "$(py 'd["table_pool"]["maps"] >= 1 and d["table_pool"]["memory"] >= 4096 * d["table_pool"]["maps"]')" = True
run map dump config
# cpu_local false: conntrack.cross_cpu auto, and veth0 is virtual (XDP on the sending CPU).
check map_dump_config_human "$OUT" test "$(grep -cxE 'hash_seed +4242|src_v6 +2001:db8:ff::1|gw_mac +02:00:00:00:00:fe|udp_idle_ticks +28|cpu_local +false' <<<"$OUT")" = 5
run -j map dump xlb_backends
check map_dump_backends_json "$OUT" test "$(py 'sorted((b["address"], b["state"], b["weight"]) for b in d["entries"])')" = \
	"[('10.1.0.11', 'up', 100), ('10.1.0.12', 'up', 100), ('10.1.0.13', 'drain', 100), ('2001:db8:1::1', 'up', 100), ('2001:db8:1::2', 'up', 100)]"
run -j map dump services
check map_dump_services_json "$OUT" test "$(py 'sorted((s["service"], s["table_size"]) for s in d["entries"])')" = \
	"[('10.0.0.10:80/tcp', 251), ('[2001:db8::53]:53/udp', 307)]"
run map dump vips
check map_dump_vips_human "$OUT" test "$(grep -cxE '10\.0\.0\.10 +1 +yes|2001:db8::53 +0 +no' <<<"$OUT")" = 2
run -j map dump tables
check map_dump_tables_json "$OUT" test "$(py 'sorted((t["table_size"], t["chunks"]) for t in d["entries"])')" = "[(251, 1), (307, 1)]"
run -j map dump conns --limit 3
check map_dump_conns_json "$OUT" test "$(py '(len(d["entries"]), d["truncated"], sorted(d["entries"][0]))')" = \
	"(3, True, ['backend_id', 'bucket', 'client', 'confirmed', 'cpu', 'dport', 'generation', 'sport', 'tick', 'way'])"
run -j map dump reasons
check map_dump_reasons_json "$OUT" test "$(py '([r["reason"] for r in d["entries"]][:2], len(d["entries"]))')" = \
	"(['tx_conn_hit', 'tx_new_flow'], 26)"
run -j map dump svc_stats
check map_dump_svc_stats_json "$OUT" test "$(py 'all(e["packets"] > 0 for e in d["entries"]) and len(d["entries"]) >= 2')" = True
run -j map dump be_stats
check map_dump_be_stats_json "$OUT" test "$(py 'len(d["entries"]) >= 4')" = True
run map dump frags
check map_dump_frags_human "$OUT" test "$OUT" = "xlb_frags: no entries"
run conns flush
check conns_flush_all "$OUT" test "$OUT" = "10,000 connection entries deleted" -a "$(lb -j conns count | py_in '(d["capacity"], d["entries"])')" = "(1048576, 0)"

# ---- batch ----

printf 'service show %s\n# a comment\n\nversion\n' "$WEB" >"$TMP/b1"
run -j batch file "$TMP/b1"
check batch_json_array "$OUT" test "$(py '[sorted(x)[0] for x in d]')" = "['announce', 'abi_version']"
printf 'version\nbackend set %s 10.1.0.12 weight 70000\nversion\n' "$WEB" >"$TMP/b2"
run batch file "$TMP/b2"
check batch_stops_at_error "rc=$RC $ERR" test "$RC" = 1 -a "$ERR" = "Error: $TMP/b2:2: weight must be 0..65535, got 70000" \
	-a "$(grep -c '^lbctl ' <<<"$OUT")" = 1

# ---- config ----

run config check "$CONF"
check config_check_human "$OUT" test "$RC" = 0 -a "$OUT" = "$CONF: valid (2 services, 5 backends)"
run -j config check "$CONF"
check config_check_json "$OUT" test "$(py '(d["valid"], d["services"], d["backends"])')" = "(True, 2, 5)"
sed 's/^    port: 80$/    port: 80x/' "$CONF" >"$TMP/bad.yaml"
run config check "$TMP/bad.yaml"
check config_check_invalid "rc=$RC $ERR" test "$RC" = 1 -a \
	"$ERR" = "Error: $TMP/bad.yaml:10: services[0].port: not a number: 80x"
lines0=$(wc -l <"$LOG")
run config apply "$TMP/bad.yaml"
check config_apply_invalid_not_sent "rc=$RC $ERR" test "$RC" = 1 -a "${ERR%%:*}" = "Error" \
	-a "$(wc -l <"$LOG")" = "$lines0"
lb service add 10.0.0.30:443/tcp name tls >/dev/null
run config dump
DUMP1=$OUT
check config_dump_human "$(head -5 <<<"$OUT")" test "$(grep -cxE '  - name: "tls"|hash_seed: 4242|interfaces: \["veth0"\]' <<<"$OUT")" = 3
run -j config dump
check config_dump_json "$(head -c 200 <<<"$OUT")" test "$(py 'd["yaml"]')" = "$DUMP1"
D1=$(dump)
printf '%s\n' "$DUMP1" >"$TMP/dump.yaml"
run config apply "$TMP/dump.yaml"
check config_dump_apply_round_trip "rc=$RC $ERR" test "$RC" = 0 -a "$(lb config dump)" = "$DUMP1" -a "$(dump)" = "$D1"
run -j config apply - <<<"$DUMP1"
check config_apply_stdin "rc=$RC $OUT $ERR" test "$OUT" = '{"ok":true}'

# ---- daemon reload: back to the file ----

run -j daemon reload
check daemon_reload "rc=$RC $OUT" test "$OUT" = '{"ok":true}' -a "$(lb -j daemon status | "$PY" -c \
	'import json,sys; print(json.load(sys.stdin)["reloads_applied"])')" = 1 -a \
	-z "$(lb service list | grep 10.0.0.30)"
run -j table show "$WEB"
check daemon_reload_restores_table "$(slots_json)" test "$(slots_json)" = "10.1.0.11:168,10.1.0.12:83"

# ---- a non-root user is refused ----

if command -v setpriv >/dev/null && id nobody >/dev/null 2>&1; then
	cp "$LBCTL" "$TMP/lbctl"
	chmod 755 "$TMP" "$TMP/lbctl"
	e1=$(setpriv --reuid=nobody --regid=nogroup --clear-groups "$TMP/lbctl" -s "$SOCK" daemon status 2>&1)
	r1=$?
	e2=$(setpriv --reuid=nobody --regid=nogroup --clear-groups "$TMP/lbctl" --pin-dir "$PIN" map dump services 2>&1)
	r2=$?
	chmod 700 "$TMP"
	if [ $r1 = 1 ] && [ "$e1" = "Error: cannot reach xlbd at $SOCK: Permission denied (root or group xlb only)" ] &&
		[ $r2 = 1 ] && [ "$e2" = "Error: cannot open $PIN/xlb_config: permission denied (root only)" ]; then
		ok non_root_refused
	else
		bad non_root_refused "$r1 [$e1] $r2 [$e2]"
	fi
else
	skipped non_root_refused "no setpriv or no user nobody"
fi

# ---- without xlbd: map commands work, the others say why they cannot ----

stop_xlbd TERM
run -j map dump services
check map_without_xlbd "rc=$RC $OUT" test "$RC" = 0 -a "$(py 'len(d["entries"])')" = 2
run -j map list
check map_list_without_xlbd "rc=$RC $OUT" test "$RC" = 0 -a "$(py 'd["table_pool"] is None and d["memory_total"] == sum(m["memory"] for m in d["maps"])')" = True
run map list
check map_list_pool_unknown "rc=$RC $OUT" test "$RC" = 0 -a "$(grep -c "^xlbd's table pool: not known (xlbd of $PIN not running)$" <<<"$OUT")" = 1
run daemon status
check daemon_down_error "rc=$RC $ERR" test "$RC" = 1 -a \
	"$ERR" = "Error: cannot reach xlbd at $SOCK: No such file or directory (is xlbd running? see -s)"
run version
check version_without_xlbd "rc=$RC $OUT" test "$RC" = 0 -a "$(sed -n 3p <<<"$OUT")" = "xlbd    not reachable at $SOCK"

summary
