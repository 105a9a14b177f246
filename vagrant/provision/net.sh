#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# net.sh - give every lab interface of this VM its IPv6 twin (10.A.B.C/24 -> fd00:A:B::C/64),
# as in the namespace lab: Vagrant configures only the IPv4 addresses. Idempotent.
set -eu
. "$(dirname "$0")/lib.sh"

for a in $(lab_addrs); do
	ifc=$(lab_if "$a")
	sysctl -qw "net.ipv6.conf.$ifc.disable_ipv6=0"
	ip -6 addr replace "$(twin6 "$a")/64" dev "$ifc" nodad
	echo "net: $ifc $a $(twin6 "$a")"
done
