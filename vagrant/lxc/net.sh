#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# net.sh - the host side of the Vagrant lab under LXC: one bridge per lab network (the
# Vagrantfile's lxc_bridge names: xlbv-100-1 client, xlbv-99-0 LB, xlbv-101-N backend N), with
# no host address, so that the host takes no part in the lab's traffic, and the management
# bridge xlbv-mgmt (10.98.0.254/24) that Vagrant's ssh reaches the containers on. Run by the
# Vagrantfile's triggers and by tests/vagrant-lab.sh.
#
#   net.sh up BACKENDS        make the bridges that are missing
#   net.sh pass IFACE         xlb_pass (.output/pass.bpf.o) on a container's host-side veth end
#   net.sh down-unused        remove the lab's bridges that no container uses any more
#   net.sh down               remove every lab bridge and host-side veth end, in use or not
set -eu

MGMT=xlbv-mgmt
MGMT_ADDR=10.98.0.254/24

usage() {
	echo "usage: net.sh up BACKENDS | pass IFACE | down-unused | down" >&2
	exit 2
}

lab_bridges() { # every lab bridge present
	ip -o link show type bridge | awk -F': ' '{ print $2 }' | grep -E '^xlbv-' || true
}

bridge_up() { # NAME [ADDR]
	# Another machine's trigger may be making it at the same time (vagrant up in parallel).
	ip link add "$1" type bridge 2>/dev/null || ip link show "$1" >/dev/null
	# No IPv6 (link-local, router solicitations) from the host onto the lab's links.
	sysctl -qw "net.ipv6.conf.$1.disable_ipv6=1"
	[ -z "${2:-}" ] || ip addr replace "$2" dev "$1"
	ip link set "$1" up
}

case ${1:-} in
up)
	{ [ $# -eq 2 ] && [[ $2 =~ ^[2-5]$ ]]; } || { echo "net.sh: BACKENDS must be 2..5" >&2; usage; }
	bridge_up "$MGMT" "$MGMT_ADDR"
	bridge_up xlbv-100-1
	bridge_up xlbv-99-0
	for i in $(seq 1 "$2"); do bridge_up "xlbv-101-$i"; done
	;;
pass)
	# The LB sends its tunnelled packets with XDP_TX; on veth, the peer (this host-side end)
	# receives them only while it runs an XDP program itself (GRO on it was tried here: the
	# frames were dropped). Not pinned: it goes with the veth when the container stops.
	[ $# -eq 2 ] || usage
	obj=$(cd "$(dirname "$0")/../.." && pwd)/${OUTPUT:-.output}/pass.bpf.o
	[ -f "$obj" ] || { echo "net.sh: $obj not built (run make)" >&2; exit 1; }
	ip link set dev "$2" xdpdrv obj "$obj" sec xdp
	;;
down-unused)
	for b in $(lab_bridges); do
		[ -n "$(ls "/sys/class/net/$b/brif" 2>/dev/null)" ] || ip link del "$b"
	done
	;;
down)
	for l in $(ip -o link show | awk -F': ' '{ sub(/@.*/, "", $2); print $2 }' | grep -E '^xv-'); do
		ip link del "$l" 2>/dev/null || true
	done
	for b in $(lab_bridges); do ip link del "$b"; done
	;;
*) usage ;;
esac
