#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# lb.sh - the LB VM: xlbd and xlb_lb, installed with make install and run by xlbd's own
# systemd unit, with the lab's configuration (scripts/xlbd-conf.sh) on the interface that holds
# 10.99.0.2. Routes the backends' networks through the router. Idempotent.
#
#   lb.sh BACKENDS WEIGHTS XDP_MODE
set -eu
. "$(dirname "$0")/lib.sh"

[ $# -eq 3 ] || { echo "usage: lb.sh BACKENDS WEIGHTS XDP_MODE" >&2; exit 2; }
gw=10.99.0.1
ifc=$(lab_if "$LB4")
ip route replace 10.101.0.0/16 via "$gw"
ip -6 route replace fd00:101::/32 via "$(twin6 "$gw")"
# gateway: auto reads the router's MAC from the neighbour table: fill it now.
ping -c1 -W1 "$gw" >/dev/null || true
ping -6 -c1 -W1 "$(twin6 "$gw")" >/dev/null || true

# build.sh saw to the packages (or the host did, for a read-only tree): DEPS_OK= keeps
# `make install` from running install-deps.sh again.
make -s -C "$TOP" install DEPS_OK= >/dev/null
mkdir -p /etc/xlb
"$TOP/scripts/xlbd-conf.sh" -b "$1" -w "$2" -i "$ifc" -m "$3" >/etc/xlb/xlbd.yaml.new
xlbd --check /etc/xlb/xlbd.yaml.new
mv /etc/xlb/xlbd.yaml.new /etc/xlb/xlbd.yaml
systemctl daemon-reload
systemctl enable -q xlbd
systemctl restart xlbd
echo "lb: xlbd running on $ifc ($3 XDP), $1 backends; lbctl service list"
