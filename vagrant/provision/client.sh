#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# client.sh - the client VM: the VIPs routed through the router, and what the demo's client
# (tests/e2e/load.py) and a person with curl need. Idempotent.
set -eu
. "$(dirname "$0")/lib.sh"

me=10.100.1.2
gw=10.100.1.1
need_pkgs python3 curl ethtool
ip route replace "$VIP4/32" via "$gw"
ip -6 route replace "$VIP6/128" via "$(twin6 "$gw")"
ethtool -K "$(lab_if "$me")" tx off >/dev/null # complete checksums, as in the lab
echo "client: $VIP4 and $VIP6 via the router"
