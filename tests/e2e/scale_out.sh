#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# scale_out.sh - two LB nodes behind an ECMP router (scripts/lab.sh up --lbs 2, BIRD 2 on all
# three): both announce the IPv4 and the IPv6 VIP over BGP (an IPv4 and an IPv6 session per
# node) and the router installs two next hops for each; both nodes build the same tables
# (fingerprints); client flows of both families cross both nodes and every one lands on the
# backend Maglev assigns it; withdrawing one node (clean stop) drops its next hops within a
# bound while long-lived TCP connections that crossed it carry on through the other without a
# reset; a crash (SIGKILL) leaves the route until "xlbd --withdraw"; "announce off" on every
# service of the VIP withdraws it; all backends failing withdraws the VIP on both nodes.
# Prints "ok   e2e/scale_out/NAME" / "FAIL ..." and ends with "e2e/scale_out: N passed, ...".
set -u
. "$(dirname "$0")/../lib/e2e.sh"
export LAB_ID=so$$
ST=/run/xlb-lab/$LAB_ID
LBCTL=$BIN/lbctl
SVC=10.0.0.10:80/tcp
SVC6="[fd00:10::10]:80/tcp"
BOTH6="fd00:99:2::2 fd00:99::2" # the IPv6 next hops of both nodes, as hops -6 sorts them
WITHDRAW_BOUND=5 # seconds from SIGTERM: measured 0.2..1.7 s here; generous for a loaded CI

require root python3 bird:bird2
trap lab_down EXIT
lab_up --lbs 2 -b 3 -c 2
"$LAB" wait-healthy lb || bad backends_healthy "lb: not all up after 10 s"
"$LAB" wait-healthy lb2 || bad backends_healthy "lb2: not all up after 10 s"

now() { date +%s.%N; }
since() { python3 -c "import sys; print('%.2f' % (float(sys.argv[2]) - float(sys.argv[1])))" "$1" "$(now)"; }
# The router's next hops for the IPv4 VIP, as "10.99.0.2 10.99.2.2"; with -6 for the IPv6 one.
hops() { # [-6]
	if [ "${1:-}" = -6 ]; then
		"$LAB" exec router ip -6 route show fd00:10::10/128 | grep -o 'via [0-9a-f:]*' |
			cut -d' ' -f2 | LC_ALL=C sort | xargs
	else
		"$LAB" exec router ip -4 route show 10.0.0.10/32 | grep -o 'via [0-9.]*' |
			cut -d' ' -f2 | LC_ALL=C sort | xargs
	fi
}
# Poll (20 s at most) until the router's next hops are WANT; prints the seconds it took.
wait_hops() { # WANT [-6]
	local t0 i
	t0=$(now)
	for i in $(seq 1 400); do
		[ "$(hops "${2:-}")" = "$1" ] && { since "$t0"; return 0; }
		sleep 0.05
	done
	return 1
}
announced() { # LB [VIP]: the xlb_vip_announced sample of the VIP (default the IPv4 one)
	"$LAB" exec "$1" curl -s http://127.0.0.1:9477/metrics |
		awk -v k="xlb_vip_announced{vip=\"${2:-10.0.0.10}\"}" '$1 == k {print $2}'
}
packets() { # LB [SERVICE]: packets of the service (default the IPv4 HTTP one) in its data path
	"$LBCTL" -j -s "$ST/xlbd$([ "$1" = lb ] || echo "-$1").sock" stats show "${2:-$SVC}" |
		python3 -c 'import json, sys; print(json.load(sys.stdin)["services"][0]["packets"])'
}
lbc() { # LB ARGS...: lbctl against that node's xlbd
	local n=$1
	shift
	"$LBCTL" -s "$ST/xlbd$([ "$n" = lb ] || echo "-$n").sock" "$@"
}

# -- BGP sessions up, two next hops (ECMP) --
if t=$(wait_hops "10.99.0.2 10.99.2.2"); then
	ok "ecmp_two_next_hops (after ${t}s)"
else
	bad ecmp_two_next_hops "router: $(hops); $("$LAB" birdc router show protocols 2>&1 | tail -3)"
fi
if t=$(wait_hops "$BOTH6" -6); then
	ok "ecmp_two_next_hops_v6 (after ${t}s)"
else
	bad ecmp_two_next_hops_v6 "router: $(hops -6); $("$LAB" birdc router show protocols 2>&1 | tail -3)"
fi
est=$("$LAB" birdc router show protocols 2>/dev/null | grep -c Established)
if [ "$est" -eq 4 ]; then
	ok bgp_sessions_established
else
	bad bgp_sessions_established "$est of 4"
fi
if [ "$(announced lb)" = 1 ] && [ "$(announced lb2)" = 1 ]; then
	ok metric_vip_announced
else
	bad metric_vip_announced "lb $(announced lb), lb2 $(announced lb2)"
fi
if [ "$(announced lb fd00:10::10)" = 1 ] && [ "$(announced lb2 fd00:10::10)" = 1 ]; then
	ok metric_vip_announced_v6
else
	bad metric_vip_announced_v6 "lb $(announced lb fd00:10::10), lb2 $(announced lb2 fd00:10::10)"
fi
if "$LAB" exec lb ip route show table 100 proto 77 | grep -q '^blackhole 10.0.0.10'; then
	ok route_in_table_100
else
	bad route_in_table_100 "$("$LAB" exec lb ip route show table 100)"
fi
if "$LAB" exec lb ip -6 route show table 100 proto 77 | grep -q '^blackhole fd00:10::10'; then
	ok route_in_table_100_v6
else
	bad route_in_table_100_v6 "$("$LAB" exec lb ip -6 route show table 100)"
fi

# -- the same tables on both nodes --
fp1=$(lbc lb -j table show "$SVC" | python3 -c 'import json,sys; print(json.load(sys.stdin)["fingerprint"])')
fp2=$(lbc lb2 -j table show "$SVC" | python3 -c 'import json,sys; print(json.load(sys.stdin)["fingerprint"])')
m1=$("$LAB" exec lb curl -s http://127.0.0.1:9477/metrics | grep '^xlb_table_fingerprint_info{service="http-v4"')
m2=$("$LAB" exec lb2 curl -s http://127.0.0.1:9477/metrics | grep '^xlb_table_fingerprint_info{service="http-v4"')
if [ -n "$fp1" ] && [ "$fp1" = "$fp2" ] && [ -n "$m1" ] && [ "$m1" = "$m2" ] && [[ $m1 == *"$fp1"* ]]; then
	ok "same_table_fingerprint ($fp1)"
else
	bad same_table_fingerprint "lb $fp1, lb2 $fp2; metrics '$m1' '$m2'"
fi

# -- many flows of both families over both nodes, each on its Maglev backend --
# FAMILY VIP SERVICE CLIENT_NET: 150 flows from each client, then flow lookup of each.
flows_on_maglev() {
	local fam=$1 vip=$2 svc=$3 p1 p2 d1 d2 c src
	p1=$(packets lb "$svc") p2=$(packets lb2 "$svc")
	for c in client1 client2; do
		"$LAB" exec $c /usr/bin/python3 "$TOP/tests/e2e/load.py" tcp "$vip" 150 --timeout 3 \
			--flows >"$ST/flows-$fam-$c.json"
	done
	d1=$(($(packets lb "$svc") - p1)) d2=$(($(packets lb2 "$svc") - p2))
	if [ "$d1" -gt 0 ] && [ "$d2" -gt 0 ]; then
		ok "flows_cross_both_nodes_$fam (packets lb $d1, lb2 $d2)"
	else
		bad "flows_cross_both_nodes_$fam" "packets lb $d1, lb2 $d2"
	fi
	for c in client1 client2; do
		if [ "$fam" = v4 ]; then src="10.100.${c#client}.2"; else src="[fd00:100:${c#client}::2]"; fi
		python3 -c 'import json, sys
r = json.load(open(sys.argv[1]))
for port, _ in r["flows"]:
    print("flow lookup %s from %s:%d" % (sys.argv[2], sys.argv[3], port))' \
			"$ST/flows-$fam-$c.json" "$svc" "$src" >"$ST/lookups-$fam-$c"
		"$LBCTL" -j --pin-dir "/sys/fs/bpf/xlb-lab-$LAB_ID" batch file "$ST/lookups-$fam-$c" \
			>"$ST/maglev-$fam-$c.json"
	done
	# Backend N is 10.101.N.2 or fd00:101:N::2: its number is the third field either way.
	if python3 - "$ST" "$fam" <<'PY'; then
import json, re, sys
st, fam, bad, n, fails = sys.argv[1], sys.argv[2], [], 0, 0
for c in ("client1", "client2"):
    r = json.load(open("%s/flows-%s-%s.json" % (st, fam, c)))
    want = json.load(open("%s/maglev-%s-%s.json" % (st, fam, c)))
    fails += r["failures"]
    for (port, got), w in zip(r["flows"], want):
        n += 1
        exp = "backend" + re.split("[.:]", w["maglev"]["backend"])[2]
        if got != exp:
            bad.append("%s:%d got %s, Maglev says %s" % (c, port, got, exp))
print("  %s: %d flows, %d failed, %d on another backend than Maglev's" % (fam, n, fails, len(bad)))
sys.exit(0 if n == 300 and fails == 0 and not bad else 1)
PY
		ok "every_flow_on_its_maglev_backend_$fam"
	else
		bad "every_flow_on_its_maglev_backend_$fam" "see above"
	fi
}
flows_on_maglev v4 10.0.0.10 "$SVC"
flows_on_maglev v6 fd00:10::10 "$SVC6"

# -- clean stop of lb2: next hop withdrawn, long-lived connections move to lb and continue --
# What lb2 holds from here on crossed it during this case (flush reads the pinned maps).
"$LBCTL" --pin-dir "/sys/fs/bpf/xlb-lab-$LAB_ID-lb2" conns flush >/dev/null ||
	bad conns_flush_lb2 "lbctl conns flush failed"
"$LAB" exec client1 /usr/bin/python3 "$TOP/tests/e2e/slowpost.py" 10.0.0.10 40 80 0.1 \
	>"$ST/slow.json" &
bg=$!
# Wait until the connections are established on both nodes (lb2 holds entries for its share).
for _ in $(seq 1 100); do
	c2=$(lbc lb2 -j conns count 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)["entries"])' 2>/dev/null || echo 0)
	[ "${c2:-0}" -gt 0 ] && break
	sleep 0.05
done
t0=$(now)
kill -TERM "$(cat "$ST/xlbd-lb2.pid")"
if wait_hops "10.99.0.2" >/dev/null; then
	t=$(since "$t0")
	if python3 -c "import sys; sys.exit(0 if float(sys.argv[1]) <= float(sys.argv[2]) else 1)" "$t" $WITHDRAW_BOUND; then
		ok "clean_stop_withdraws_next_hop (${t}s <= ${WITHDRAW_BOUND}s)"
	else
		bad clean_stop_withdraws_next_hop "took ${t}s > ${WITHDRAW_BOUND}s"
	fi
else
	bad clean_stop_withdraws_next_hop "router still has $(hops) after 20 s"
fi
if t=$(wait_hops "fd00:99::2" -6); then
	ok "clean_stop_withdraws_next_hop_v6 (${t}s after the IPv4 one)"
else
	bad clean_stop_withdraws_next_hop_v6 "router still has $(hops -6) after 20 s"
fi
"$LAB" xlbd-stop TERM lb2
if "$LAB" exec lb2 ip route show table 100 proto 77 | grep -q 10.0.0.10; then
	bad clean_stop_removes_route "still in lb2's table 100"
else
	ok clean_stop_removes_route
fi
wait $bg
r=$(cat "$ST/slow.json")
if python3 -c "
import json, sys
r = json.loads(sys.argv[1])
sys.exit(0 if r['failures'] == 0 and sum(r['ok'].values()) == 40 else 1)" "$r" && [ "${c2:-0}" -gt 0 ]; then
	ok "long_lived_connections_survive_the_move ($c2 crossed lb2 before, $r)"
else
	bad long_lived_connections_survive_the_move "lb2 held ${c2:-0} connections; $r"
fi

# -- restart: announced again once healthy (adopted data plane: at once) --
"$LAB" xlbd-start lb2
if t=$(wait_hops "10.99.0.2 10.99.2.2"); then
	ok "restart_announces_again (${t}s)"
else
	bad restart_announces_again "router: $(hops)"
fi
if t=$(wait_hops "$BOTH6" -6); then
	ok "restart_announces_again_v6 (${t}s)"
else
	bad restart_announces_again_v6 "router: $(hops -6)"
fi

# -- crash: the route stays (the data plane keeps forwarding) until xlbd --withdraw --
"$LAB" xlbd-stop KILL lb2
kept=1
for _ in $(seq 1 20); do # 2 s: the BGP hold time (3 s) would not matter, BIRD lives on
	[ "$(hops)" = "10.99.0.2 10.99.2.2" ] || kept=0
	sleep 0.1
done
if [ $kept -eq 1 ] && "$LAB" exec lb2 ip route show table 100 proto 77 | grep -q 10.0.0.10; then
	ok crash_keeps_route_while_forwarding
else
	bad crash_keeps_route_while_forwarding "router: $(hops)"
fi
r=$("$LAB" exec lb2 "$BIN/xlbd" --withdraw -c "$ST/xlbd-lb2.yaml" 2>&1)
if t=$(wait_hops "10.99.0.2"); then
	ok "withdraw_hook_after_crash (${t}s; $r)"
else
	bad withdraw_hook_after_crash "$r; router: $(hops)"
fi
"$LAB" xlbd-start lb2
wait_hops "10.99.0.2 10.99.2.2" >/dev/null || bad restart_after_crash "router: $(hops)"

# -- announce off: withdrawn only when no service of the VIP asks for it --
out=$(lbc lb2 service set "$SVC" announce maybe 2>&1)
if [ "$out" = "Error: announce must be on or off, got 'maybe'" ] && [ "$(announced lb2)" = 1 ]; then
	ok announce_bad_value_refused
else
	bad announce_bad_value_refused "$out"
fi
lbc lb2 service set "$SVC" announce off >/dev/null
sleep 0.3
if [ "$(hops)" = "10.99.0.2 10.99.2.2" ] && [ "$(announced lb2)" = 1 ]; then
	ok announce_off_one_service_keeps_vip
else
	bad announce_off_one_service_keeps_vip "$(hops)"
fi
lbc lb2 service set 10.0.0.10:7/udp announce off >/dev/null
if t=$(wait_hops "10.99.0.2") && [ "$(announced lb2)" = 0 ] &&
	[ "$(lbc lb2 service list | awk '$1 == "10.0.0.10:80/tcp" {print $NF}')" = off ]; then
	ok "announce_off_every_service_withdraws (${t}s)"
else
	bad announce_off_every_service_withdraws "router: $(hops), metric $(announced lb2)"
fi
lbc lb2 service set 10.0.0.10:7/udp announce on >/dev/null
if t=$(wait_hops "10.99.0.2 10.99.2.2"); then
	ok "announce_on_again (${t}s)"
else
	bad announce_on_again "router: $(hops)"
fi

# -- every backend failing its checks: both nodes withdraw; back when they recover --
for i in 1 2 3; do kill -STOP "$(cat "$ST/server$i.pid")"; done
if t=$(wait_hops ""); then
	ok "unhealthy_service_withdrawn_everywhere (${t}s)"
else
	bad unhealthy_service_withdrawn_everywhere "router: $(hops)"
fi
if t=$(wait_hops "" -6); then
	ok "unhealthy_service_withdrawn_everywhere_v6 (${t}s)"
else
	bad unhealthy_service_withdrawn_everywhere_v6 "router: $(hops -6)"
fi
for i in 1 2 3; do kill -CONT "$(cat "$ST/server$i.pid")"; done
if t=$(wait_hops "10.99.0.2 10.99.2.2"); then
	ok "healthy_again_announced (${t}s)"
else
	bad healthy_again_announced "router: $(hops)"
fi
if t=$(wait_hops "$BOTH6" -6); then
	ok "healthy_again_announced_v6 (${t}s)"
else
	bad healthy_again_announced_v6 "router: $(hops -6)"
fi

summary
