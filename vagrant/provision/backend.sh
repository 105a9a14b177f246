#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# backend.sh - backend VM number N: the VIPs on lo, xlb_decap on the lab interface accepting
# tunnels from the LB only and to the VIPs only (docs/decap.md, "Setting up a backend"), and
# the lab's HTTP and UDP echo server (scripts/lab-server.py) as a transient systemd unit.
# Routes the client and LB networks through the router. Idempotent.
#
#   backend.sh N XDP_MODE
set -eu
. "$(dirname "$0")/lib.sh"

[ $# -eq 2 ] || { echo "usage: backend.sh N XDP_MODE" >&2; exit 2; }
me=10.101.$1.2
gw=10.101.$1.1
ifc=$(lab_if "$me")
ip route replace 10.99.0.0/24 via "$gw"
ip route replace 10.100.0.0/16 via "$gw"
ip -6 route replace fd00:99::/64 via "$(twin6 "$gw")"
ip -6 route replace fd00:100::/32 via "$(twin6 "$gw")"

# The VIPs: on lo, never answered or used in ARP; decapsulated packets keep the client's
# source, so no reverse-path filter.
ip addr replace "$VIP4/32" dev lo
ip -6 addr replace "$VIP6/128" dev lo nodad
sysctl -qw net.ipv4.conf.all.arp_ignore=1 net.ipv4.conf.all.arp_announce=2 \
	net.ipv4.conf.all.rp_filter=0 "net.ipv4.conf.$ifc.rp_filter=0"
ethtool -K "$ifc" tx off >/dev/null # complete checksums, as in the lab

# xlb-decap pins its maps there (xlbd mounts it itself); a container may start without it.
mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf
# build.sh saw to the packages (or the host did, for a read-only tree): DEPS_OK= keeps
# `make install` from running install-deps.sh again.
make -s -C "$TOP" install DEPS_OK= >/dev/null
xlb-decap allow add "$LB4/32" >/dev/null
xlb-decap allow add "$(twin6 "$LB4")/128" >/dev/null
xlb-decap vip add "$VIP4" >/dev/null
xlb-decap vip add "$VIP6" >/dev/null
xlb-decap status | grep -q "^attached:.*\b$ifc\b" || xlb-decap attach "$ifc" mode "$2"

systemctl stop xlb-lab-server 2>/dev/null || true
systemd-run -q --unit=xlb-lab-server --collect /usr/bin/python3 "$TOP/scripts/lab-server.py" \
	"backend$1" "$VIP4" "$VIP6" "$me" "$(twin6 "$me")"
echo "backend$1: xlb_decap on $ifc, VIPs on lo, HTTP :80 and UDP echo :7 (unit xlb-lab-server)"
