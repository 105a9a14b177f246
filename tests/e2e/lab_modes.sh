#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# lab_modes.sh - the three forwarding modes side by side in the namespace lab (scripts/lab.sh
# up -e): backend1 ipip and backend2 gue, each behind xlb_decap on its own router link,
# backend3 l2 on the LB's own segment (the router's bridge) with no XDP program at all; every
# service (HTTP and UDP echo, IPv4 and IPv6 VIPs) mixes the three, weighted 100:100:200.
# Cases: tunnel health checks (the UDP services') pass through every mode; xlbd reports each
# backend's mode; on the wire backend2 gets GUE (UDP to port 6080) and
# backend3 plain frames to the VIP; requests spread by weight with none failing, both families
# and protocols; keep-alive connections stay on their backends while another backend's mode
# changes (and back); in each mode a drained backend keeps its connections and gets no new
# ones, and a failed backend (its server stopped) is left by new connections, none failing.
# Prints "ok   e2e/lab_modes/NAME" / "FAIL ..." and ends with "e2e/lab_modes: N passed, ...".
set -u
. "$(dirname "$0")/../lib/e2e.sh"
export LAB_ID=md$$
ST=/run/xlb-lab/$LAB_ID
SOCK=$ST/xlbd.sock
LOAD=$TOP/tests/e2e/load.py
KA=$TOP/tests/e2e/keepalive.py
LBCTL=$BIN/lbctl
SVC4=10.0.0.10:80/tcp
SVC6="[fd00:10::10]:80/tcp"
ADDR4=(10.101.1.2 10.101.2.2 10.99.0.103)
ADDR6=(fd00:101:1::2 fd00:101:2::2 fd00:99::103)
MODES=(ipip gue l2)

require root python3 tshark:tshark
trap lab_down EXIT
lab_up -b 3 -c 1 -w 100,100,200 -e ipip,gue,l2 --no-xlbd
# The UDP services checked by tunnel: each probe goes the way the backend's packets go (IP-in-IP,
# GUE, or a frame to its MAC), to the VIP's echo server.
sed -i 's/health: { type: udp,/health: { type: tunnel,/' "$ST/xlbd.yaml"
if ! "$LAB" xlbd-start >/dev/null 2>&1; then
	bad xlbd_start "$(tail -5 "$ST/xlbd.log")"
	summary
fi
if [ "$(grep -c 'type: tunnel' "$ST/xlbd.yaml")" = 2 ] && "$LAB" wait-healthy >/dev/null 2>&1; then
	ok "tunnel_checks_follow_mode (every backend up, the UDP services checked through its mode)"
else
	bad tunnel_checks_follow_mode "$(curl -s --unix-socket "$SOCK" http://lab/v1/health)"
fi

lbctl() { "$LBCTL" -s "$SOCK" "$@"; }
load() { "$LAB" exec client1 /usr/bin/python3 "$LOAD" "$@"; }
py() { python3 -c "import json, sys; d = json.loads(sys.argv[1]); print($2)" "$1"; }

# xlbd's view: each backend of each service with its mode.
modes=$(curl -s --unix-socket "$SOCK" http://lab/v1/services/10.0.0.10/80/tcp)
got=$(py "$modes" 'sorted((b["address"], b["encap"]) for b in d["backends"])')
want="[('10.101.1.2', 'ipip'), ('10.101.2.2', 'gue'), ('10.99.0.103', 'l2')]"
if [ "$got" = "$want" ]; then ok "modes_reported ($got)"; else bad modes_reported "$got"; fi

# backend3 runs no XDP program: direct routing needs nothing on the backend but the VIP on lo.
if "$LAB" exec backend3 ip -d link show eth0 | grep -q 'prog/xdp'; then
	bad l2_backend_without_program "$("$LAB" exec backend3 ip -d link show eth0)"
else
	ok l2_backend_without_program
fi

# On the wire, while requests run: what the router sends backend2 (GUE: UDP to 6080 from the
# LB, carrying the client's IPv4 packet to the VIP: tshark decodes the UDP payload as IP), and
# what the bridge delivers to backend3 (TCP to the VIP from
# the client itself, unchanged but for the MACs).
wire() { # NAME NODE IFACE FILTER FIELDS...: up to 20 frames' fields into $ST/NAME.txt
	local name=$1 node=$2 ifc=$3 filter=$4
	shift 4
	"$LAB" exec "$node" timeout 60 tshark -l -n -i "$ifc" -f "$filter" -c 20 -T fields \
		-E separator=' ' "$@" >"$ST/$name.txt" 2>"$ST/$name.err" &
}
wire gue router rt-b2 "ip and udp dst port 6080" -d udp.port==6080,ip -e ip.src -e udp.dstport -e ip.dst
wire_gue=$!
wire l2 router rt-b3 "ip dst 10.0.0.10 and tcp" -e ip.src -e ip.dst -e tcp.dstport -e eth.dst
wire_l2=$!
# tshark is listening once it says so (its start takes seconds on a busy machine: up to 30 s).
for _ in $(seq 1 1500); do
	grep -q Capturing "$ST/gue.err" && grep -q Capturing "$ST/l2.err" && break
	sleep 0.02
done
load tcp 10.0.0.10 200 >/dev/null
wait "$wire_gue" "$wire_l2"
mac3=$("$LAB" exec backend3 ip -br link show eth0 | awk '{print $3}')
gue=$(sort -u "$ST/gue.txt" | head -3)
l2=$(sort -u "$ST/l2.txt" | head -3)
# ip.src/ip.dst list both headers of a GUE frame: outer, then inner. Besides the client's
# segments, the frames may be xlbd's tunnel checks of the UDP service (from the LB, port 7).
if [ "$(grep -c "^10.99.0.2,10.100.1.2 6080 10.101.2.2,10.0.0.10$" "$ST/gue.txt")" -ge 5 ] &&
	! grep -qvE "^10.99.0.2,10.(100.1|99.0).2 6080(,7)? 10.101.2.2,10.0.0.10$" "$ST/gue.txt"; then
	ok "gue_on_the_wire ($gue)"
else
	bad gue_on_the_wire "$(head -5 "$ST/gue.txt")"
fi
if [ "$(wc -l <"$ST/l2.txt")" -ge 5 ] &&
	! grep -qv "^10.100.1.2 10.0.0.10 80 $mac3$" "$ST/l2.txt"; then
	ok "l2_on_the_wire ($l2)"
else
	bad l2_on_the_wire "want '10.100.1.2 10.0.0.10 80 $mac3': $(head -5 "$ST/l2.txt")"
fi

for vip in 10.0.0.10 fd00:10::10; do
	fam=v4
	[ $vip = fd00:10::10 ] && fam=v6
	check_spread "http_${fam}_spread_by_weight" "$(load tcp $vip 1000)" 1000
	check_spread "udp_${fam}_spread_by_weight" "$(load udp $vip 1000)" 1000
done

# keepalive.py in client1 over N connections to VIP, in the background; its rounds wait for
# $ST/go1, $ST/go2 ...; returns when round 1 is over.
ka_start() { # VIP N ROUNDS
	local go=() r
	rm -f "$ST"/go* "$ST/ready"
	for r in $(seq 2 "$3"); do go+=("$ST/go$r"); done
	"$LAB" exec client1 /usr/bin/python3 "$KA" "$1" "$2" "$ST/ready" "${go[@]}" \
		>"$ST/ka.json" &
	KA_PID=$!
	for _ in $(seq 1 250); do
		[ -e "$ST/ready" ] && return 0
		sleep 0.02
	done
}
ka_round() { touch "$ST/go$1"; }
# Wait for keepalive.py (not in a command substitution: a subshell cannot wait for it), then
# its JSON is in $ST/ka.json.
ka_end() { wait "$KA_PID"; }
# "OK" when every connection was answered in every round by one backend and by each of the
# NEEDED ones at least once, else what went wrong.
ka_verdict() { # JSON NEEDED...
	python3 - "$@" <<'EOF'
import json, sys
r, need = json.loads(sys.argv[1]), set(sys.argv[2:])
firsts = {c[0] for c in r["conns"]}
moved = [c for c in r["conns"] if None in c or len(set(c)) != 1]
print("OK" if not r["errors"] and not moved and need <= firsts
      else "errors %s moved %s first %s" % (r["errors"][:3], moved[:3], sorted(firsts)))
EOF
}

# Another backend's mode changes under keep-alive connections: backend1 ipip -> gue -> ipip
# (its decap takes both), each change in both address families' services. Every connection,
# backend1's own included, keeps its backend.
for vip in 10.0.0.10 fd00:10::10; do
	fam=v4 svc=$SVC4 a=${ADDR4[0]}
	[ $vip = fd00:10::10 ] && fam=v6 svc=$SVC6 a=${ADDR6[0]}
	ka_start $vip 32 3
	rc1=$(lbctl backend set "$svc" "$a" encap gue 2>&1)
	ka_round 2
	sleep 0.3
	rc2=$(lbctl backend set "$svc" "$a" encap ipip 2>&1)
	ka_round 3
	ka_end
	r=$(cat "$ST/ka.json")
	v=$(ka_verdict "$r" backend1 backend2 backend3)
	if [ "$v" = OK ]; then
		ok "keepalive_${fam}_survives_mode_change"
	else
		bad "keepalive_${fam}_survives_mode_change" "$v; lbctl: $rc1 $rc2"
	fi
done

# In each mode: a drained backend keeps its keep-alive connections and gets no new ones.
for i in 0 1 2; do
	n=$((i + 1)) mode=${MODES[$i]}
	ka_start 10.0.0.10 32 2
	rc=$(lbctl backend drain $SVC4 "${ADDR4[$i]}" 2>&1)
	ka_round 2
	ka_end
	r=$(cat "$ST/ka.json")
	v=$(ka_verdict "$r" "backend$n")
	fresh=$(load tcp 10.0.0.10 300)
	lbctl backend set $SVC4 "${ADDR4[$i]}" state enabled >/dev/null 2>&1
	if [ "$v" = OK ] && [ "$(py "$fresh" 'd["failures"], d["answers"].get("backend'$n'", 0)')" = "0 0" ]; then
		ok "drain_${mode}_keeps_connections_takes_no_new"
	else
		bad "drain_${mode}_keeps_connections_takes_no_new" "$v; new: $fresh; lbctl: $rc"
	fi
done

# In each mode: a backend whose server stops is marked down by its check, and new requests,
# both families, go to the others without one failing.
# "T1 T2": seconds until the HTTP services' backend I (0-based) reached STATE, or "timeout".
wait_state() { # I STATE
	/usr/bin/python3 "$TOP/tests/e2e/xlbdq.py" wait "$SOCK" "$2" 5 now "$SVC4 ${ADDR4[$1]}" \
		"$SVC6 ${ADDR6[$1]}"
}
for i in 0 1 2; do
	n=$((i + 1)) mode=${MODES[$i]}
	pid=$(cat "$ST/server$n.pid")
	kill -STOP "$pid"
	down=$(wait_state $i down)
	r4=$(load tcp 10.0.0.10 300 --timeout 2)
	r6=$(load tcp fd00:10::10 300 --timeout 2)
	kill -CONT "$pid"
	up=$(wait_state $i up)
	if ! grep -q timeout <<<"$down $up" &&
		[ "$(py "$r4" 'd["failures"], d["answers"].get("backend'$n'", 0)')" = "0 0" ] &&
		[ "$(py "$r6" 'd["failures"], d["answers"].get("backend'$n'", 0)')" = "0 0" ]; then
		ok "failover_${mode}"
	else
		bad "failover_${mode}" "down $down up $up; v4 $r4; v6 $r6"
	fi
done

summary
