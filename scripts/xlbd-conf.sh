#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# xlbd-conf.sh - print the lab's xlbd.yaml: the one source of the configuration that the
# namespace lab (scripts/lab.sh) and the Vagrant lab (vagrant/) run.
#
#   scripts/xlbd-conf.sh [-b BACKENDS] [-w W1,W2,...] [-e E1,E2,...] [-i IFACE] [-m XDP_MODE]
#                        [-d STATE_DIR] [-s SOURCE4,SOURCE6] [-a ANNOUNCE_TABLE]
#
# The lab's addressing plan: the LB's tunnel sources are 10.99.0.2 and fd00:99::2, backend N
# is 10.101.N.2 and fd00:101:N::2, the VIPs 10.0.0.10 and fd00:10::10 carry HTTP (TCP 80) and
# UDP echo (UDP 7). Defaults: 3 backends, weight 100 each, interface lb0, native XDP,
# state in /var/lib/xlb. A missing weight (fewer in -w than backends) is 100. -s: other tunnel
# sources (a second LB node of the scale-out lab); -a: announce the VIPs in that routing table.
# -e: each backend's forwarding mode (ipip when missing); an l2 backend N sits on the LB's own
# segment, at 10.99.0.(100+N) and fd00:99::(100+N).
set -eu

VIP4=10.0.0.10
VIP6=fd00:10::10
backends=3 weights="" encaps="" iface=lb0 mode=native state_dir=/var/lib/xlb
sources=10.99.0.2,fd00:99::2 table=""

while [ $# -gt 0 ]; do
	case $1 in
	-b) backends=$2; shift 2 ;;
	-w) weights=$2; shift 2 ;;
	-e) encaps=$2; shift 2 ;;
	-i) iface=$2; shift 2 ;;
	-m) mode=$2; shift 2 ;;
	-d) state_dir=$2; shift 2 ;;
	-s) sources=$2; shift 2 ;;
	-a) table=$2; shift 2 ;;
	*)
		sed -n '6p' "$0" | sed 's/^# \{0,1\}/usage: /' >&2
		exit 2
		;;
	esac
done

echo "interfaces: [$iface]"
echo "xdp_mode: $mode"
echo "tunnel_source: ${sources%,*}"
echo "tunnel_source_v6: ${sources#*,}"
echo "gateway: auto"
echo "hash_seed: 4242"
echo "mtu: 1500"
echo "state_dir: $state_dir"
[ -n "$table" ] && echo "announce: { table: $table }"
echo "services:"
for vip in "$VIP4:v4" "[$VIP6]:v6"; do
	for svc in "80 tcp http" "7 udp echo"; do
		read -r port proto check <<<"$svc"
		echo "  - name: $check-${vip##*:}"
		echo "    vip: $(tr -d '[]' <<<"${vip%:*}")"
		echo "    port: $port"
		echo "    proto: $proto"
		echo "    table_size: 65537"
		if [ "$proto" = tcp ]; then
			echo "    health: { type: http, path: /, interval: 200ms, timeout: 150ms, rise: 2, fall: 2 }"
		else
			echo "    health: { type: udp, payload: health, expect_payload: health, interval: 200ms, timeout: 150ms, rise: 2, fall: 2 }"
		fi
		echo "    backends:"
		for i in $(seq 1 "$backends"); do
			w=$(cut -d, -f"$i" <<<"$weights")
			e=$(cut -d, -f"$i" <<<"$encaps")
			if [ "$e" = l2 ]; then
				a4=10.99.0.$((100 + i)) a6=fd00:99::$((100 + i))
			else
				a4=10.101.$i.2 a6=fd00:101:$i::2
			fi
			[ "${vip##*:}" = v4 ] && a=$a4 || a="\"$a6\""
			echo "      - { address: $a, weight: ${w:-100}${e:+, encap: $e} }"
		done
	done
done
