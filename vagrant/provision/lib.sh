# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# lib.sh - what the Vagrant lab's provisioning scripts share: the lab's fixed addresses, the
# interface that holds a lab address, and an address's IPv6 twin. Sourced, never run.
# shellcheck disable=SC2034 # set here for the scripts that source this file
{
	VIP4=10.0.0.10
	VIP6=fd00:10::10
	LB4=10.99.0.2
	TOP=/xlb # the repository, synced by the Vagrantfile
}
# make and install-deps in the VMs: everything but vagrant itself.
export XLB_DEPS_SKIP=vagrant

# The interface that holds IPv4 address ADDR (Vagrant configured it from the Vagrantfile).
lab_if() { # ADDR
	local ifc
	ifc=$(ip -o -4 addr show | awk -v a="$1" '{ split($4, p, "/"); if (p[1] == a) print $2 }')
	[ -n "$ifc" ] || { echo "no interface has $1: see the Vagrantfile's networks" >&2; return 1; }
	echo "$ifc"
}

# This VM's addresses on the lab's networks: 10.99.0.0/24, 10.100.0.0/16, 10.101.0.0/16.
lab_addrs() {
	ip -o -4 addr show | awk '{ split($4, p, "/"); print p[1] }' | grep -E '^10\.(99|100|101)\.'
}

# The lab's IPv6 address for an IPv4 one: 10.A.B.C -> fd00:A:B::C (10.99.0.2 -> fd00:99::2).
twin6() { # ADDR
	local a b c
	IFS=. read -r _ a b c <<<"$1"
	if [ "$b" = 0 ]; then echo "fd00:$a::$c"; else echo "fd00:$a:$b::$c"; fi
}

# Install the Debian packages among PKG... that are missing (router and client: no build).
need_pkgs() { # PKG...
	local p missing=()
	for p in "$@"; do
		dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null | grep -qx installed ||
			missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" \
		>/dev/null
}
