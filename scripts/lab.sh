#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# lab.sh - the namespace lab: clients, a router, an LB running xlbd/xlb_lb, and backends
# running xlb_decap with the VIPs on lo and real HTTP and UDP echo servers, all on one machine.
#
#   scripts/lab.sh up [-b BACKENDS] [-c CLIENTS] [-w W1,W2,...] [-e E1,E2,...] [--lbs N]
#                     [--no-xlbd]
#   scripts/lab.sh down | status | exec NODE CMD... | xlbd-start [LB] | xlbd-stop [SIGNAL] [LB] |
#                  wait-healthy [LB] | birdc NODE CMD...
#
# NODE is lb, lbN (N >= 2), router, clientN or backendN. LAB_ID (default "demo") names the lab:
# several labs can run at once. State lives in /run/xlb-lab/$LAB_ID (config, logs, pids).
#
# --lbs N (scale-out, docs/scale-out.md): N LB nodes (lb, lb2, ... at 10.99.K.2, lb at
# 10.99.0.2), each running xlbd with "announce: { table: 100 }" and BIRD (scripts/bird/lb.conf);
# the router runs BIRD (scripts/bird/router.conf) and learns the IPv4 VIP from all of them
# over BGP as one ECMP route, hashed on L4 ports, and the IPv6 VIP the same way over IPv6
# sessions of their own.
#
#  clientN  10.100.N.2/24  fd00:100:N::2/64 ──┐
#                                             ├── router ── lb 10.99.0.2, fd00:99::2 (xlb_lb)
#  backendN 10.101.N.2/24 fd00:101:N::2/64 ──┘   (forwarding, routes the VIPs to the lb)
#
# -e (forwarding modes, docs/xlbd.md): backend N's encap, ipip (the default), gue or l2. An l2
# backend has no router link and no xlb_decap: it sits on the LB's own segment, a bridge in the
# router that also holds the LB's link, at 10.99.0.(100+N) and fd00:99::(100+N), and takes the
# frames as xlb_lb sends them, with the VIPs on lo (arp_ignore=1, arp_announce=2). Only with
# one LB node.
#
# VIPs: 10.0.0.10 and fd00:10::10, TCP port 80 (HTTP) and UDP port 7 (echo) on each.
# Traps handled here (shared design notes, machine.md): nsenter instead of "ip netns exec"
# wherever bpffs is needed, TX checksum offload off on the client and router veths, an XDP pass
# program on the router's LB-side veth so XDP_TX frames are delivered, rp_filter off and forwarding on in the
# router, and MTU headroom on the tunnel path.
set -eu

LAB_ID=${LAB_ID:-demo}
TOP=$(cd "$(dirname "$0")/.." && pwd)
OUTPUT=${OUTPUT:-$TOP/.output}
# The build of xlbd and xlb-decap the lab runs: the release build, or the one XLB_BIN names
# (the e2e tests' sanitized build, $OUTPUT/san: tests/lib/e2e.sh).
BIN=${XLB_BIN:-$OUTPUT}
STATE=/run/xlb-lab/$LAB_ID
PFX=xl$(printf '%s' "$LAB_ID" | cut -c1-6)
VIP4=10.0.0.10
VIP6=fd00:10::10
PIN=/sys/fs/bpf/xlb-lab-$LAB_ID
ANNOUNCE_TABLE=100

die() {
	echo "lab.sh: $*" >&2
	exit 1
}

ns() { echo "$PFX-$1"; }

# Run in a node's network namespace, keeping /sys/fs/bpf visible (unlike "ip netns exec").
in_node() {
	local node=$1
	shift
	nsenter --net="/run/netns/$(ns "$node")" "$@"
}

link_pair() { # NODE_A IF_A NODE_B IF_B
	ip link add "$2" netns "$(ns "$1")" type veth peer name "$4" netns "$(ns "$3")"
	ip -n "$(ns "$1")" link set "$2" up
	ip -n "$(ns "$3")" link set "$4" up
}

# Link NODE's IF to the router's RIF on V4.0/24 and V6:/64 (V6 ends in one ':'): the router
# is .1 and ::1, the node .2 and ::2 with its default routes through the router. TX checksum
# offload is off at both ends: native XDP on the way loses partial checksums.
router_link() { # NODE IF RIF V4 V6
	link_pair router "$3" "$1" "$2"
	ip -n "$(ns router)" addr add "$4.1/24" dev "$3"
	ip -n "$(ns router)" addr add "$5:1/64" dev "$3" nodad
	ip -n "$(ns "$1")" addr add "$4.2/24" dev "$2"
	ip -n "$(ns "$1")" addr add "$5:2/64" dev "$2" nodad
	ip -n "$(ns "$1")" route add default via "$4.1"
	ip -n "$(ns "$1")" -6 route add default via "$5:1"
	in_node "$1" ethtool -K "$2" tx off >/dev/null
	in_node router ethtool -K "$3" tx off >/dev/null
}

# An LB node's files: lb keeps the historical names (xlbd.yaml, xlbd.sock, ...), lbN adds -lbN.
lb_sfx() { [ "${1:-lb}" = lb ] || echo "-$1"; }
lb_pin() { echo "$PIN$(lb_sfx "$1")"; }
# LB node K's subnet: lb (K = 1) is on 10.99.0.0/24, lbK on 10.99.K.0/24.
lb_net() { [ "$1" -eq 1 ] && echo 0 || echo "$1"; }
# Its IPv6 subnet, as the prefix to which the host part is appended: fd00:99:: or fd00:99:K::.
lb_net6() { [ "$1" -eq 1 ] && echo "fd00:99::" || echo "fd00:99:$1::"; }
lb_name() { [ "$1" -eq 1 ] && echo lb || echo "lb$1"; }
lb_count() { cut -d' ' -f3 "$STATE/size" 2>/dev/null | grep . || echo 1; }

# The configuration comes from scripts/xlbd-conf.sh, shared with the Vagrant lab.
write_xlbd_conf() { # BACKENDS WEIGHTS ENCAPS (comma separated, one per backend) LB_COUNT
	local k n
	if [ "$4" -eq 1 ]; then
		"$TOP/scripts/xlbd-conf.sh" -b "$1" -w "$2" -e "$3" -i lb0 -m native \
			-d "$STATE/xlbd-state" >"$STATE/xlbd.yaml"
		return
	fi
	for k in $(seq 1 "$4"); do
		n=$(lb_net "$k")
		"$TOP/scripts/xlbd-conf.sh" -b "$1" -w "$2" -i lb0 -m native \
			-d "$STATE/xlbd-state$(lb_sfx "$(lb_name "$k")")" -s "10.99.$n.2,fd00:99:$n::2" \
			-a $ANNOUNCE_TABLE >"$STATE/xlbd$(lb_sfx "$(lb_name "$k")").yaml"
	done
}

# The indexes (1-based) of the l2 backends in the comma-separated ENCAPS, space-separated.
backend_encaps_l2() { # ENCAPS
	local i=0 e
	for e in ${1//,/ }; do
		i=$((i + 1))
		[ "$e" = l2 ] && printf '%s ' "$i"
	done
	return 0
}

# Backend N's VIPs on lo, answered from there but never claimed in ARP (the DSR rules that
# direct routing needs too), and rp_filter off (tunnelled packets arrive from the LB).
backend_vips() { # N
	ip -n "$(ns "backend$1")" addr add $VIP4/32 dev lo
	ip -n "$(ns "backend$1")" addr add $VIP6/128 dev lo nodad
	in_node "backend$1" sysctl -qw net.ipv4.conf.all.rp_filter=0 \
		net.ipv4.conf.eth0.rp_filter=0 net.ipv4.conf.all.arp_ignore=1 \
		net.ipv4.conf.all.arp_announce=2
}

# Backend N's lab-server.py (HTTP and UDP echo on the VIPs and on its own ADDR4 and ADDR6, for
# the health checks). nsenter execs python: the pid file names the server itself (tests signal
# it).
backend_server() { # N ADDR4 ADDR6
	nsenter --net="/run/netns/$(ns "backend$1")" /usr/bin/python3 "$TOP/scripts/lab-server.py" \
		"backend$1" $VIP4 $VIP6 "$2" "$3" >"$STATE/server$1.log" 2>&1 &
	echo $! >"$STATE/server$1.pid"
}

# Backend N on the LB's segment (the router's bridge rt-seg), for direct routing: no xlb_decap,
# the router as its default route, the same MTU as the segment.
segment_backend() { # N
	local i=$1
	link_pair router "rt-b$i" "backend$i" eth0
	ip -n "$(ns router)" link set "rt-b$i" mtu 1600 master rt-seg
	ip -n "$(ns "backend$i")" link set eth0 mtu 1600
	ip -n "$(ns "backend$i")" addr add "10.99.0.$((100 + i))/24" dev eth0
	ip -n "$(ns "backend$i")" addr add "fd00:99::$((100 + i))/64" dev eth0 nodad
	ip -n "$(ns "backend$i")" route add default via 10.99.0.1
	ip -n "$(ns "backend$i")" -6 route add default via fd00:99::1
	in_node "backend$i" ethtool -K eth0 tx off >/dev/null
	backend_vips "$i"
	backend_server "$i" "10.99.0.$((100 + i))" "fd00:99::$((100 + i))"
}

xlbd_start() { # [LB]
	local node=${1:-lb} sfx
	sfx=$(lb_sfx "$node")
	[ -f "$STATE/xlbd$sfx.yaml" ] || die "no lab or no LB node $node: run 'lab.sh up' first"
	nsenter --net="/run/netns/$(ns "$node")" "$BIN/xlbd" -c "$STATE/xlbd$sfx.yaml" \
		--pin-dir "$(lb_pin "$node")" --socket "$STATE/xlbd$sfx.sock" \
		>>"$STATE/xlbd$sfx.log" 2>&1 &
	echo $! >"$STATE/xlbd$sfx.pid"
	for _ in $(seq 1 200); do
		[ -S "$STATE/xlbd$sfx.sock" ] && curl -sf --unix-socket "$STATE/xlbd$sfx.sock" \
			http://lab/v1/status >/dev/null 2>&1 && return 0
		kill -0 "$(cat "$STATE/xlbd$sfx.pid")" 2>/dev/null || break
		sleep 0.05
	done
	tail -5 "$STATE/xlbd$sfx.log" >&2
	die "xlbd did not start (log: $STATE/xlbd$sfx.log)"
}

# BIRD in NODE's namespace with its config from scripts/bird/ (router or an LB node).
bird_start() { # NODE
	local node=$1 conf=$STATE/bird-$1.conf k n
	if [ "$node" = router ]; then
		sed "s/@ROUTER_ID@/10.99.0.1/" "$TOP/scripts/bird/router.conf" >"$conf"
		for k in $(seq 1 "$(lb_count)"); do
			n=$(lb_net "$k")
			echo "protocol bgp $(lb_name "$k") from xlb_node { neighbor 10.99.$n.2 as 65001; }" \
				>>"$conf"
			echo "protocol bgp $(lb_name "$k")_v6 from xlb_node6 { neighbor $(lb_net6 "$k")2 as 65001; }" \
				>>"$conf"
		done
	else
		k=${node#lb}
		n=$(lb_net "${k:-1}")
		sed -e "s/@ROUTER_ID@/10.99.$n.2/" -e "s/@TABLE@/$ANNOUNCE_TABLE/" \
			-e "s/@NEIGHBOR@/10.99.$n.1/" -e "s/@NEIGHBOR6@/$(lb_net6 "${k:-1}")1/" \
			"$TOP/scripts/bird/lb.conf" >"$conf"
	fi
	in_node "$node" bird -c "$conf" -s "$STATE/bird-$node.ctl" -P "$STATE/bird-$node.pid" \
		2>>"$STATE/bird-$node.log" || die "bird did not start in $node (log: $STATE/bird-$node.log)"
}

# Wait (up to 10 s) until xlbd's health checks report every backend up: the first backend to
# pass would otherwise take every new flow until the others pass too.
wait_healthy() { # [LB]
	local sock
	sock=$STATE/xlbd$(lb_sfx "${1:-lb}").sock
	for _ in $(seq 1 200); do
		curl -s --unix-socket "$sock" http://lab/v1/health 2>/dev/null |
			python3 -c 'import json, sys
b = json.load(sys.stdin)["backends"]
sys.exit(0 if b and all(x["state"] == "up" for x in b) else 1)' && return 0
		sleep 0.05
	done
	die "backends not all healthy after 10 s: curl --unix-socket $sock http://lab/v1/health"
}

xlbd_stop() { # [SIGNAL] [LB]
	local pid pidf
	pidf=$STATE/xlbd$(lb_sfx "${2:-lb}").pid
	[ -f "$pidf" ] || return 0
	pid=$(cat "$pidf")
	kill "-${1:-TERM}" "$pid" 2>/dev/null || true
	for _ in $(seq 1 100); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	rm -f "$pidf"
}

up() {
	local backends=3 clients=2 weights="" encaps="" start_xlbd=1 lbs=1 i k n e
	while [ $# -gt 0 ]; do
		case $1 in
		-b) backends=$2; shift 2 ;;
		-c) clients=$2; shift 2 ;;
		-w) weights=$2; shift 2 ;;
		-e) encaps=$2; shift 2 ;;
		--lbs) lbs=$2; shift 2 ;;
		--no-xlbd) start_xlbd=0; shift ;;
		*) die "up: unknown option $1" ;;
		esac
	done
	[ "$(id -u)" -eq 0 ] || die "needs root"
	{ [ -x "$BIN/xlbd" ] && [ -x "$BIN/xlb-decap" ] && [ -f "$OUTPUT/pass.bpf.o" ]; } ||
		die "build first: make"
	[ -d "$STATE" ] && die "lab $LAB_ID is already up (lab.sh down first)"
	case $lbs in [1-9]) ;; *) die "--lbs: 1..9 LB nodes, got $lbs" ;; esac
	[ "$lbs" -eq 1 ] || command -v bird >/dev/null || die "--lbs $lbs needs BIRD 2 (make deps)"
	for e in ${encaps//,/ }; do
		case $e in ipip | gue | l2) ;; *) die "-e: ipip, gue or l2 per backend, got $e" ;; esac
	done
	[ "$lbs" -eq 1 ] || [ -z "$encaps" ] || die "-e: forwarding modes need one LB node"
	mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf
	mkdir -p "$STATE"
	echo "$backends $clients $lbs" >"$STATE/size"

	for node in router $(for k in $(seq 1 "$lbs"); do lb_name "$k"; done) $(seq -f 'client%g' 1 "$clients") $(seq -f 'backend%g' 1 "$backends"); do
		ip netns add "$(ns "$node")"
		ip -n "$(ns "$node")" link set lo up
	done
	in_node router sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1 \
		net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0

	# Router <-> LB. The LB's peer runs xlb_pass: veth delivers XDP_TX frames only to a peer
	# with an XDP program (GRO alone did not deliver them on this kernel). With l2 backends the
	# router's end is a bridge port and the router's addresses sit on the bridge.
	router_link lb lb0 rt-lb 10.99.0 fd00:99:
	ip -n "$(ns router)" link set dev rt-lb xdpdrv obj "$OUTPUT/pass.bpf.o" sec xdp
	if [ -n "$(backend_encaps_l2 "$encaps")" ]; then
		ip -n "$(ns router)" link add rt-seg mtu 1600 type bridge
		ip -n "$(ns router)" addr flush dev rt-lb
		ip -n "$(ns router)" link set rt-lb master rt-seg
		ip -n "$(ns router)" addr add 10.99.0.1/24 dev rt-seg
		ip -n "$(ns router)" addr add fd00:99::1/64 dev rt-seg nodad
		ip -n "$(ns router)" link set rt-seg up
	fi
	[ "$lbs" -eq 1 ] && ip -n "$(ns router)" route add $VIP4/32 via 10.99.0.2
	[ "$lbs" -eq 1 ] && ip -n "$(ns router)" -6 route add $VIP6/128 via fd00:99::2
	# Tunnel headroom: the path LB -> router -> backends carries 1500 + 40.
	ip -n "$(ns lb)" link set lb0 mtu 1600
	ip -n "$(ns router)" link set rt-lb mtu 1600
	# Further LB nodes, the same way on their own subnets; ECMP hashes on L4 ports.
	for k in $(seq 2 "$lbs"); do
		router_link "lb$k" lb0 "rt-lb$k" "10.99.$k" "fd00:99:$k:"
		ip -n "$(ns router)" link set dev "rt-lb$k" xdpdrv obj "$OUTPUT/pass.bpf.o" sec xdp
		ip -n "$(ns "lb$k")" link set lb0 mtu 1600
		ip -n "$(ns router)" link set "rt-lb$k" mtu 1600
	done
	[ "$lbs" -eq 1 ] || in_node router sysctl -qw net.ipv4.fib_multipath_hash_policy=1 \
		net.ipv6.fib_multipath_hash_policy=1

	for i in $(seq 1 "$clients"); do
		router_link "client$i" eth0 "rt-c$i" "10.100.$i" "fd00:100:$i:"
	done

	for i in $(seq 1 "$backends"); do
		if [ "$(cut -d, -f"$i" <<<"$encaps")" = l2 ]; then
			segment_backend "$i"
			continue
		fi
		router_link "backend$i" eth0 "rt-b$i" "10.101.$i" "fd00:101:$i:"
		ip -n "$(ns router)" link set "rt-b$i" mtu 1600
		ip -n "$(ns "backend$i")" link set eth0 mtu 1600
		backend_vips "$i"
		# xlb_decap: tunnels from the LB only, to the lab's VIPs only.
		local dpin=/sys/fs/bpf/xlb-lab-$LAB_ID-decap$i
		in_node "backend$i" env XLB_DECAP_PIN_DIR="$dpin" "$BIN/xlb-decap" attach eth0 \
			>/dev/null
		in_node "backend$i" env XLB_DECAP_PIN_DIR="$dpin" "$BIN/xlb-decap" allow add \
			10.99.0.2/32 >/dev/null
		in_node "backend$i" env XLB_DECAP_PIN_DIR="$dpin" "$BIN/xlb-decap" allow add \
			fd00:99::2/128 >/dev/null
		for k in $(seq 2 "$lbs"); do
			in_node "backend$i" env XLB_DECAP_PIN_DIR="$dpin" "$BIN/xlb-decap" allow \
				add "10.99.$k.2/32" >/dev/null
			in_node "backend$i" env XLB_DECAP_PIN_DIR="$dpin" "$BIN/xlb-decap" allow \
				add "fd00:99:$k::2/128" >/dev/null
		done
		in_node "backend$i" env XLB_DECAP_PIN_DIR="$dpin" "$BIN/xlb-decap" vip add $VIP4 \
			>/dev/null
		in_node "backend$i" env XLB_DECAP_PIN_DIR="$dpin" "$BIN/xlb-decap" vip add $VIP6 \
			>/dev/null
		backend_server "$i" "10.101.$i.2" "fd00:101:$i::2"
	done

	# Wait until every server listens: one dual-stack TCP socket, four UDP sockets.
	for i in $(seq 1 "$backends"); do
		for _ in $(seq 1 200); do
			[ "$(in_node "backend$i" ss -Hltun "( sport = :80 or sport = :7 )" | wc -l)" -ge 5 ] &&
				break
			sleep 0.05
		done
	done
	# Prime the router's neighbour entry for the LB and the LB's for the router.
	for k in $(seq 1 "$lbs"); do
		n=$(lb_net "$k")
		in_node "$(lb_name "$k")" ping -c1 -W1 "10.99.$n.1" >/dev/null 2>&1 || true
		in_node "$(lb_name "$k")" ping -6 -c1 -W1 "$([ "$k" -eq 1 ] && echo fd00:99::1 ||
			echo "fd00:99:$k::1")" >/dev/null 2>&1 || true
	done

	write_xlbd_conf "$backends" "$weights" "$encaps" "$lbs"
	if [ "$lbs" -gt 1 ]; then
		bird_start router
		for k in $(seq 1 "$lbs"); do bird_start "$(lb_name "$k")"; done
	fi
	if [ $start_xlbd -eq 1 ]; then
		for k in $(seq 1 "$lbs"); do xlbd_start "$(lb_name "$k")"; done
	fi
	return 0
}

down() {
	local n k node
	# Every step goes on when one fails (a process already gone, a cleanup refused): under
	# set -e a failed last command of a && list would end down() with the lab half up.
	for k in $(seq 1 "$(lb_count)"); do
		node=$(lb_name "$k")
		xlbd_stop TERM "$node"
		[ "$k" -eq 1 ] && continue
		if [ -d "$(lb_pin "$node")" ]; then
			in_node "$node" "$BIN/xlbd" --cleanup --pin-dir "$(lb_pin "$node")" \
				>/dev/null 2>&1 || echo "lab.sh: xlbd --cleanup failed in $node" >&2
		fi
		rm -rf "$(lb_pin "$node")"
	done
	for f in "$STATE"/bird-*.pid; do
		[ -f "$f" ] || continue
		kill "$(cat "$f")" 2>/dev/null || true
	done
	for f in "$STATE"/server*.pid; do
		[ -f "$f" ] || continue
		# A stopped (SIGSTOP) server must be continued to die; it may be gone (and reaped)
		# between the two signals.
		kill "$(cat "$f")" 2>/dev/null || true
		kill -CONT "$(cat "$f")" 2>/dev/null || true
	done
	if [ -d "$PIN" ]; then
		in_node lb "$BIN/xlbd" --cleanup --pin-dir "$PIN" >/dev/null 2>&1 ||
			echo "lab.sh: xlbd --cleanup failed; removing the pins anyway" >&2
	fi
	rm -rf "$PIN" /sys/fs/bpf/xlb-lab-"$LAB_ID"-decap*
	for n in $(ip netns list | awk '{print $1}' | grep "^$PFX-" || true); do
		ip netns del "$n" || true
	done
	rm -rf "$STATE"
}

status() {
	[ -d "$STATE" ] || { echo "lab $LAB_ID: down"; return 0; }
	echo "lab $LAB_ID: up ($(cut -d' ' -f1 "$STATE/size") backends, $(cut -d' ' -f2 "$STATE/size") clients)"
	ip netns list | awk '{print "  " $1}' | grep " $PFX-" || true
	if [ -f "$STATE/xlbd.pid" ] && kill -0 "$(cat "$STATE/xlbd.pid")" 2>/dev/null; then
		echo "xlbd: running (pid $(cat "$STATE/xlbd.pid")), socket $STATE/xlbd.sock"
	else
		echo "xlbd: not running"
	fi
}

cmd=${1:-}
[ $# -gt 0 ] && shift
case $cmd in
up) up "$@" ;;
down) down ;;
status) status ;;
exec)
	[ $# -ge 2 ] || die "usage: lab.sh exec NODE CMD..."
	node=$1
	shift
	in_node "$node" "$@"
	;;
xlbd-start) xlbd_start "${1:-lb}" ;;
wait-healthy) wait_healthy "${1:-lb}" ;;
xlbd-stop) xlbd_stop "${1:-TERM}" "${2:-lb}" ;;
birdc)
	[ $# -ge 1 ] || die "usage: lab.sh birdc NODE CMD..."
	node=$1
	shift
	birdc -s "$STATE/bird-$node.ctl" "$@"
	;;
*)
	sed -n '3,14p' "$0" | sed 's/^# \{0,1\}//'
	exit 2
	;;
esac
