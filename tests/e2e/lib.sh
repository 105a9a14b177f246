# SPDX-License-Identifier: GPL-2.0
# lib.sh - what the end-to-end shell tests share: result lines "ok   LAYER/NAME" and
# "FAIL LAYER/NAME: why", the closing "LAYER: N passed, N failed, N skipped" that
# tests/run-layers.sh sums, the skip when not root, polling, and the daemon tests' namespace
# and cleanup. Source it after setting LAYER.
pass=0 fail=0 skip=0

summary() {
	echo "$LAYER: $pass passed, $fail failed, $skip skipped"
	exit $((fail > 0))
}

ok() {
	echo "ok   $LAYER/$1"
	pass=$((pass + 1))
}

bad() {
	echo "FAIL $LAYER/$1: $2"
	fail=$((fail + 1))
}

# Skip the whole layer with a reason unless running as root (and python3 when asked).
need_root() { # [python]
	if [ "$(id -u)" -ne 0 ]; then
		echo "skip $LAYER/*: needs root (network namespaces, BPF)"
		skip=1
		summary
	fi
	if [ "${1:-}" = python ] && [ ! -x /usr/bin/python3 ]; then
		echo "skip $LAYER/*: /usr/bin/python3 is missing (the lab's servers and clients)"
		skip=1
		summary
	fi
}

# Create namespace NS with lo up (xlbd serves metrics on 127.0.0.1) and one veth pair
# veth0/veth1, both up: the interface xlbd attaches to in the daemon tests. Ends the layer as
# a setup failure when namespaces cannot be created.
veth_netns() { # NS
	ip netns add "$1" || { bad setup "cannot create a network namespace"; summary; }
	ip -n "$1" link set lo up
	ip -n "$1" link add veth0 type veth peer name veth1
	ip -n "$1" link set veth0 up
	ip -n "$1" link set veth1 up
}

# Poll until a command succeeds (up to 5 s); no fixed sleeps.
wait_for() {
	local i
	for i in $(seq 1 100); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.05
	done
	return 1
}

# The daemon tests' EXIT trap: kill xlbd ($XPID), detach and unpin ($PIN, in $NS), remove the
# namespace and $TMP.
daemon_cleanup() {
	[ -n "$XPID" ] && kill -9 "$XPID" 2>/dev/null
	[ -d "$PIN" ] && nsenter --net=/run/netns/$NS "$XLBD" --cleanup --pin-dir "$PIN" >/dev/null 2>&1
	rm -rf "$PIN"
	ip netns del "$NS" 2>/dev/null
	rm -rf "$TMP"
}
