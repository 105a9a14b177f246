#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# router.sh - the router VM: forward between the client, LB and backend networks and route the
# VIPs to the LB. Reverse-path filtering is off (replies leave the backends with the VIP as
# source, and the VIP's route points to the LB). Idempotent.
set -eu
. "$(dirname "$0")/lib.sh"

need_pkgs ethtool
sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1 \
	net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0
for a in $(lab_addrs); do
	ifc=$(lab_if "$a")
	sysctl -qw "net.ipv4.conf.$ifc.rp_filter=0"
	# Complete checksums towards the LB, as in the namespace lab: generic XDP (and native
	# XDP on some drivers) cannot finish a partially computed one.
	ethtool -K "$ifc" tx off >/dev/null
done
ip route replace "$VIP4/32" via "$LB4"
ip -6 route replace "$VIP6/128" via "$(twin6 "$LB4")"
echo "router: forwarding, $VIP4 and $VIP6 via the LB"
