#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# vagrant-lab.sh - the Vagrant lab (vagrant/) brought up for real with the LXC provider on this
# host (`make vagrant-lab`): build or reuse the Debian 12 box (vagrant/lxc/build-box.sh),
# `vagrant up` every machine, send HTTP requests and UDP echoes from the client container
# through the VIPs (tests/e2e/load.py) and check zero failures and the spread by weight, stop
# one backend's server and check that xlbd's health checks take it out (lbctl on the LB) and
# that new flows then avoid it, then `vagrant destroy -f`. An EXIT trap removes whatever is left
# (containers, bridges, host-side veths) on any outcome. Prints each step's wall time and
# ends with "vagrant-lab: N passed, N failed, N skipped". One run at a time (a lock), since the
# containers and bridges have fixed names.
#
#   tests/vagrant-lab.sh          (root; XLB_LAB_REQUESTS, default 600 per traffic case)
set -u

LAYER=vagrant-lab
ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$ROOT/tests/lib/results.sh"

BACKENDS=2
WEIGHTS=100,200 # unequal, so that the spread shows the weights
N=${XLB_LAB_REQUESTS:-600}
TOLERANCE=0.08 # a backend's share may differ this much from weight / total weight

require root python3
command -v lxc-start >/dev/null || { bad setup "lxc missing: scripts/install-deps.sh vagrant"; summary; }
vagrant plugin list 2>/dev/null | grep -q vagrant-lxc ||
	{ bad setup "vagrant-lxc missing: scripts/install-deps.sh vagrant"; summary; }

exec 9>/tmp/xlb-vagrant-lab.lock
flock -n 9 || { bad setup "another vagrant-lab run holds /tmp/xlb-vagrant-lab.lock"; summary; }

TMP=$(mktemp -d)
export VAGRANT_DEFAULT_PROVIDER=lxc VAGRANT_DOTFILE_PATH=$TMP/dot \
	XLB_BACKENDS=$BACKENDS XLB_WEIGHTS=$WEIGHTS XLB_XDP_MODE=native
cd "$ROOT/vagrant" || exit 1

# Everything the lab may leave on the host: containers xlbv-*, links xlbv-* and xv-*.
leftovers() {
	lxc-ls -1 2>/dev/null | grep -E '^xlbv-' | sed 's/^/container /'
	ip -o link show | awk -F': ' '{ sub(/@.*/, "", $2); print $2 }' | grep -E '^(xlbv|xv)-' |
		sed 's/^/link /'
}

remove_leftovers() {
	local c
	for c in $(lxc-ls -1 2>/dev/null | grep -E '^xlbv-'); do
		lxc-stop -k -n "$c" >/dev/null 2>&1
		lxc-destroy -n "$c" >/dev/null 2>&1
	done
	lxc/net.sh down
}

# shellcheck disable=SC2317 # run by the EXIT trap
cleanup() {
	if [ -d "$TMP/dot" ]; then
		vagrant destroy -f >"$TMP/destroy-trap.log" 2>&1 || cat "$TMP/destroy-trap.log"
	fi
	remove_leftovers
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# A stale run's containers (its trap did not run): they hold the names this run needs.
[ -z "$(leftovers)" ] || { echo "removing a previous run's leftovers: $(leftovers | xargs)"; remove_leftovers; }

pins_before=$(ls -d /sys/fs/bpf/xlb 2>/dev/null)
declare -A took
step() { # NAME CMD...: run CMD, record its wall time
	local name=$1 t0 rc
	shift
	t0=$(date +%s)
	"$@"
	rc=$?
	took[$name]=$(($(date +%s) - t0))
	return $rc
}

vm() { # MACHINE CMD: run CMD in a container, without Vagrant's connection chatter
	vagrant ssh "$1" -c "$2" -- -q 2>&1
}

# load.py's JSON from the client; checks zero failures and the share of each backend against
# EXPECT ("backend1=0.33,backend2=0.67").
# shellcheck disable=SC2317 # called from run_traffic and run_failover, which step runs
traffic() { # NAME PROTO VIP EXPECT
	local out
	out=$(vm client "/usr/bin/python3 /xlb/tests/e2e/load.py $2 $3 $N")
	echo "  $1: $out"
	if why=$(/usr/bin/python3 - "$out" "$4" "$N" "$TOLERANCE" <<'EOF'
import json, sys
out, expect, n, tol = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
try:
    r = json.loads(out.strip().splitlines()[-1])
except (ValueError, IndexError):
    sys.exit("no JSON from load.py: %r" % out[-200:])
if r["failures"]:
    sys.exit("%d of %d requests failed: %s" % (r["failures"], n, r["errors"][:3]))
want = dict((k, float(v)) for k, v in (e.split("=") for e in expect.split(",")))
got = r["answers"]
if set(got) - set(want):
    sys.exit("answers from unexpected backends: %s" % sorted(set(got) - set(want)))
for b, share in want.items():
    s = got.get(b, 0) / n
    if abs(s - share) > tol:
        sys.exit("%s answered %.3f of the requests, expected %.3f +- %.2f" % (b, s, share, tol))
EOF
	); then ok "$1"; else bad "$1" "$why"; fi
}

# xlbd's view of backend ADDR of 10.0.0.10:80/tcp: "up" or "down" (waits up to 60 s for STATE).
# shellcheck disable=SC2317 # called from run_traffic and run_failover, which step runs
wait_health() { # ADDR STATE
	vm lb "for i in \$(seq 1 120); do
		s=\$(sudo lbctl -j health show | python3 -c 'import json, sys
print(\" \".join(b[\"state\"] for b in json.load(sys.stdin)[\"backends\"]
      if b[\"address\"] == \"$1\" and b[\"service\"].startswith(\"10.0.0.10:80\")))')
		[ \"\$s\" = $2 ] && exit 0
		sleep 0.5
	done
	sudo lbctl health show; exit 1"
}

echo "== box"
if step box lxc/build-box.sh >"$TMP/box" 2>"$TMP/box.log"; then
	ok box
	echo "  $(cat "$TMP/box")"
else
	cat "$TMP/box.log"
	bad box "the box could not be built (log above)"
	summary
fi

echo "== up ($BACKENDS backends, weights $WEIGHTS)"
if step up vagrant up --no-parallel >"$TMP/up.log" 2>&1; then
	ok up
else
	tail -n 40 "$TMP/up.log"; cp "$TMP/up.log" /tmp/xlb-vagrant-lab-up.log
	bad up "vagrant up failed (log above)"
	summary
fi
grep -E '^\s+\w+: (client|router|lb|backend[0-9]):' "$TMP/up.log" | sed 's/^ */  /'

echo "== traffic through the VIPs"
# shellcheck disable=SC2317 # run by step
run_traffic() {
	local b
	for b in $(seq 1 "$BACKENDS"); do
		wait_health "10.101.$b.2" up >/dev/null ||
			{ bad health_up "backend$b is not up in xlbd's health checks"; return; }
	done
	ok health_up
	# One request first: when the path is broken, say so at once instead of timing out N times.
	vm client "curl -sf -m 3 http://10.0.0.10/" >/dev/null ||
		{ bad probe "curl from the client to http://10.0.0.10/ failed"; return; }
	traffic tcp4 tcp 10.0.0.10 backend1=0.333,backend2=0.667
	traffic tcp6 tcp fd00:10::10 backend1=0.333,backend2=0.667
	traffic udp4 udp 10.0.0.10 backend1=0.333,backend2=0.667
}
step traffic run_traffic

echo "== failover: backend2's server stopped"
# shellcheck disable=SC2317 # run by step
run_failover() {
	vm backend2 "sudo systemctl stop xlb-lab-server" >/dev/null
	if out=$(wait_health 10.101.2.2 down); then
		ok failover_down
	else
		bad failover_down "xlbd still reports 10.101.2.2 up after 60 s: $out"
	fi
	traffic failover_tcp4 tcp 10.0.0.10 backend1=1
}
step failover run_failover
vm lb "sudo lbctl health show" | sed 's/^/  /'

echo "== destroy"
if step destroy vagrant destroy -f >"$TMP/destroy.log" 2>&1; then
	ok destroy
else
	tail -n 20 "$TMP/destroy.log"
	bad destroy "vagrant destroy -f failed (log above)"
fi
rm -rf "$TMP/dot"
left=$(leftovers)
if [ -z "$left" ]; then ok clean; else bad clean "left behind: $(xargs <<<"$left")"; fi
# xlbd and xlb-decap pin under /sys/fs/bpf/xlb, in each container's own bpffs: never the host's.
if [ -n "$pins_before" ] || [ ! -e /sys/fs/bpf/xlb ]; then
	ok clean_pins
else
	bad clean_pins "/sys/fs/bpf/xlb appeared on the host: $(ls /sys/fs/bpf/xlb)"
fi

echo "time: box ${took[box]:-?} s, up ${took[up]:-?} s, traffic ${took[traffic]:-?} s," \
	"failover ${took[failover]:-?} s, destroy ${took[destroy]:-?} s"
summary
