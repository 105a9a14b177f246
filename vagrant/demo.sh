#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# demo.sh - the Vagrant lab's demo, run on the host after "vagrant up": real HTTP requests and
# UDP echoes from the client VM through the VIPs (tests/e2e/load.py, one new flow each), how
# they spread over the backend VMs, and what xlbd on the LB VM says about the service.
#
#   vagrant/demo.sh [REQUESTS]      (default 1000 per VIP and protocol)
set -eu
cd "$(dirname "$0")"
n=${1:-1000}

vm() { # VM CMD: run CMD in a VM, without Vagrant's connection chatter
	vagrant ssh "$1" -c "$2" -- -q
}

echo "== waiting until xlbd's health checks report every backend up"
# shellcheck disable=SC2016 # the loop is expanded by the shell in the VM, not here
vm lb 'for i in $(seq 1 100); do
	sudo lbctl -j health show 2>/dev/null | python3 -c "import json, sys
b = json.load(sys.stdin)[\"backends\"]
sys.exit(0 if b and all(x[\"state\"] == \"up\" for x in b) else 1)" && exit 0
	sleep 0.1
done; sudo lbctl health show; exit 1'

for t in "tcp 10.0.0.10" "tcp fd00:10::10" "udp 10.0.0.10" "udp fd00:10::10"; do
	echo "== client: $n $t requests"
	vm client "/usr/bin/python3 /xlb/tests/e2e/load.py $t $n"
done

echo "== lb: lbctl service show / stats show 10.0.0.10:80/tcp"
vm lb 'sudo lbctl service show 10.0.0.10:80/tcp; echo; sudo lbctl stats show 10.0.0.10:80/tcp'
