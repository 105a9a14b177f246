#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# lab.sh - the namespace lab: clients, a router, an LB running xlbd/xlb_lb, and backends
# running xlb_decap with the VIPs on lo and real HTTP and UDP echo servers, all on one machine.
#
#   scripts/lab.sh up [-b BACKENDS] [-c CLIENTS] [-w W1,W2,...] [--no-xlbd]
#   scripts/lab.sh down | status | exec NODE CMD... | xlbd-start | xlbd-stop [SIGNAL] |
#                  wait-healthy
#
# NODE is lb, router, clientN or backendN. LAB_ID (default "demo") names the lab: several labs
# can run at once. State lives in /run/xlb-lab/$LAB_ID (config, logs, pids, the addresses).
#
#  clientN  10.100.N.2/24  fd00:100:N::2/64 ──┐
#                                             ├── router ── lb 10.99.0.2, fd00:99::2 (xlb_lb)
#  backendN 10.101.N.2/24 fd00:101:N::2/64 ──┘   (forwarding, routes the VIPs to the lb)
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
STATE=/run/xlb-lab/$LAB_ID
PFX=xl$(printf '%s' "$LAB_ID" | cut -c1-6)
VIP4=10.0.0.10
VIP6=fd00:10::10
PIN=/sys/fs/bpf/xlb-lab-$LAB_ID

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

# The configuration comes from scripts/xlbd-conf.sh, shared with the Vagrant lab.
write_xlbd_conf() { # BACKENDS WEIGHTS (comma separated, one per backend)
	"$TOP/scripts/xlbd-conf.sh" -b "$1" -w "$2" -i lb0 -m native -d "$STATE/xlbd-state" \
		>"$STATE/xlbd.yaml"
}

xlbd_start() {
	[ -f "$STATE/xlbd.yaml" ] || die "no lab: run 'lab.sh up' first"
	nsenter --net="/run/netns/$(ns lb)" "$OUTPUT/xlbd" -c "$STATE/xlbd.yaml" --pin-dir "$PIN" \
		--socket "$STATE/xlbd.sock" >>"$STATE/xlbd.log" 2>&1 &
	echo $! >"$STATE/xlbd.pid"
	for _ in $(seq 1 200); do
		[ -S "$STATE/xlbd.sock" ] && curl -sf --unix-socket "$STATE/xlbd.sock" http://lab/v1/status \
			>/dev/null 2>&1 && return 0
		kill -0 "$(cat "$STATE/xlbd.pid")" 2>/dev/null || break
		sleep 0.05
	done
	tail -5 "$STATE/xlbd.log" >&2
	die "xlbd did not start (log: $STATE/xlbd.log)"
}

# Wait (up to 10 s) until xlbd's health checks report every backend up: the first backend to
# pass would otherwise take every new flow until the others pass too.
wait_healthy() {
	for _ in $(seq 1 200); do
		curl -s --unix-socket "$STATE/xlbd.sock" http://lab/v1/health 2>/dev/null |
			python3 -c 'import json, sys
b = json.load(sys.stdin)["backends"]
sys.exit(0 if b and all(x["state"] == "up" for x in b) else 1)' && return 0
		sleep 0.05
	done
	die "backends not all healthy after 10 s: curl --unix-socket $STATE/xlbd.sock http://lab/v1/health"
}

xlbd_stop() { # [SIGNAL]
	local pid
	[ -f "$STATE/xlbd.pid" ] || return 0
	pid=$(cat "$STATE/xlbd.pid")
	kill "-${1:-TERM}" "$pid" 2>/dev/null || true
	for _ in $(seq 1 100); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	rm -f "$STATE/xlbd.pid"
}

up() {
	local backends=3 clients=2 weights="" start_xlbd=1 i
	while [ $# -gt 0 ]; do
		case $1 in
		-b) backends=$2; shift 2 ;;
		-c) clients=$2; shift 2 ;;
		-w) weights=$2; shift 2 ;;
		--no-xlbd) start_xlbd=0; shift ;;
		*) die "up: unknown option $1" ;;
		esac
	done
	[ "$(id -u)" -eq 0 ] || die "needs root"
	[ -x "$OUTPUT/xlbd" ] && [ -x "$OUTPUT/xlb-decap" ] && [ -f "$OUTPUT/pass.bpf.o" ] ||
		die "build first: make"
	[ -d "$STATE" ] && die "lab $LAB_ID is already up (lab.sh down first)"
	mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf
	mkdir -p "$STATE"
	echo "$backends $clients" >"$STATE/size"

	for node in router lb $(seq -f 'client%g' 1 "$clients") $(seq -f 'backend%g' 1 "$backends"); do
		ip netns add "$(ns "$node")"
		ip -n "$(ns "$node")" link set lo up
	done
	in_node router sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1 \
		net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0

	# Router <-> LB. The LB's peer runs xlb_pass: veth delivers XDP_TX frames only to a peer
	# with an XDP program (GRO alone did not deliver them on this kernel).
	link_pair router rt-lb lb lb0
	ip -n "$(ns router)" addr add 10.99.0.1/24 dev rt-lb
	ip -n "$(ns router)" addr add fd00:99::1/64 dev rt-lb nodad
	ip -n "$(ns lb)" addr add 10.99.0.2/24 dev lb0
	ip -n "$(ns lb)" addr add fd00:99::2/64 dev lb0 nodad
	ip -n "$(ns lb)" route add default via 10.99.0.1
	ip -n "$(ns lb)" -6 route add default via fd00:99::1
	in_node router ethtool -K rt-lb tx off >/dev/null
	ip -n "$(ns router)" link set dev rt-lb xdpdrv obj "$OUTPUT/pass.bpf.o" sec xdp
	ip -n "$(ns router)" route add $VIP4/32 via 10.99.0.2
	ip -n "$(ns router)" -6 route add $VIP6/128 via fd00:99::2
	# Tunnel headroom: the path LB -> router -> backends carries 1500 + 40.
	ip -n "$(ns lb)" link set lb0 mtu 1600
	ip -n "$(ns router)" link set rt-lb mtu 1600

	for i in $(seq 1 "$clients"); do
		link_pair router "rt-c$i" "client$i" eth0
		ip -n "$(ns router)" addr add "10.100.$i.1/24" dev "rt-c$i"
		ip -n "$(ns router)" addr add "fd00:100:$i::1/64" dev "rt-c$i" nodad
		ip -n "$(ns "client$i")" addr add "10.100.$i.2/24" dev eth0
		ip -n "$(ns "client$i")" addr add "fd00:100:$i::2/64" dev eth0 nodad
		ip -n "$(ns "client$i")" route add default via "10.100.$i.1"
		ip -n "$(ns "client$i")" -6 route add default via "fd00:100:$i::1"
		# Native XDP on the way loses partial checksums: send complete ones.
		in_node "client$i" ethtool -K eth0 tx off >/dev/null
		in_node router ethtool -K "rt-c$i" tx off >/dev/null
	done

	for i in $(seq 1 "$backends"); do
		link_pair router "rt-b$i" "backend$i" eth0
		ip -n "$(ns router)" addr add "10.101.$i.1/24" dev "rt-b$i"
		ip -n "$(ns router)" addr add "fd00:101:$i::1/64" dev "rt-b$i" nodad
		ip -n "$(ns router)" link set "rt-b$i" mtu 1600
		ip -n "$(ns "backend$i")" link set eth0 mtu 1600
		ip -n "$(ns "backend$i")" addr add "10.101.$i.2/24" dev eth0
		ip -n "$(ns "backend$i")" addr add "fd00:101:$i::2/64" dev eth0 nodad
		ip -n "$(ns "backend$i")" route add default via "10.101.$i.1"
		ip -n "$(ns "backend$i")" -6 route add default via "fd00:101:$i::1"
		ip -n "$(ns "backend$i")" addr add $VIP4/32 dev lo
		ip -n "$(ns "backend$i")" addr add $VIP6/128 dev lo nodad
		in_node "backend$i" sysctl -qw net.ipv4.conf.all.rp_filter=0 \
			net.ipv4.conf.eth0.rp_filter=0 net.ipv4.conf.all.arp_ignore=1 \
			net.ipv4.conf.all.arp_announce=2
		in_node "backend$i" ethtool -K eth0 tx off >/dev/null
		in_node router ethtool -K "rt-b$i" tx off >/dev/null
		# xlb_decap: tunnels from the LB only, to the lab's VIPs only.
		local dpin=/sys/fs/bpf/xlb-lab-$LAB_ID-decap$i
		in_node "backend$i" env XLB_DECAP_PIN_DIR="$dpin" "$OUTPUT/xlb-decap" attach eth0 \
			>/dev/null
		in_node "backend$i" env XLB_DECAP_PIN_DIR="$dpin" "$OUTPUT/xlb-decap" allow add \
			10.99.0.2/32 >/dev/null
		in_node "backend$i" env XLB_DECAP_PIN_DIR="$dpin" "$OUTPUT/xlb-decap" allow add \
			fd00:99::2/128 >/dev/null
		in_node "backend$i" env XLB_DECAP_PIN_DIR="$dpin" "$OUTPUT/xlb-decap" vip add $VIP4 \
			>/dev/null
		in_node "backend$i" env XLB_DECAP_PIN_DIR="$dpin" "$OUTPUT/xlb-decap" vip add $VIP6 \
			>/dev/null
		# nsenter execs python: the pid file names the server itself (tests signal it).
		nsenter --net="/run/netns/$(ns "backend$i")" /usr/bin/python3 "$TOP/scripts/lab-server.py" \
			"backend$i" $VIP4 $VIP6 "10.101.$i.2" "fd00:101:$i::2" >"$STATE/server$i.log" 2>&1 &
		echo $! >"$STATE/server$i.pid"
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
	in_node lb ping -c1 -W1 10.99.0.1 >/dev/null 2>&1 || true
	in_node lb ping -6 -c1 -W1 fd00:99::1 >/dev/null 2>&1 || true

	write_xlbd_conf "$backends" "$weights"
	[ $start_xlbd -eq 1 ] && xlbd_start
	return 0
}

down() {
	local n
	xlbd_stop TERM
	for f in "$STATE"/server*.pid; do
		# A stopped (SIGSTOP) server must be continued to die.
		[ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null && kill -CONT "$(cat "$f")" 2>/dev/null
	done
	[ -d "$PIN" ] && in_node lb "$OUTPUT/xlbd" --cleanup --pin-dir "$PIN" >/dev/null 2>&1
	rm -rf "$PIN" /sys/fs/bpf/xlb-lab-"$LAB_ID"-decap*
	for n in $(ip netns list | awk '{print $1}' | grep "^$PFX-" || true); do
		ip netns del "$n"
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
xlbd-start) xlbd_start ;;
wait-healthy) wait_healthy ;;
xlbd-stop) xlbd_stop "${1:-TERM}" ;;
*)
	sed -n '3,9p' "$0" | sed 's/^# \{0,1\}//'
	exit 2
	;;
esac
