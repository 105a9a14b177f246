# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# e2e.sh - what the end-to-end tests (tests/e2e/NAME.sh) share, sourced first: the result lines
# of tests/lib/results.sh under the layer name "e2e/NAME" (from the script's file name), TOP
# (the repository) and OUTPUT (the build tree, made absolute and exported), BIN (the build of
# xlbd, lbctl and xlb-decap the test runs, with the sanitizers' options), the namespace lab
# (LAB, lab_up, lab_down), polling, and the daemon tests' namespace, xlbd started and stopped
# in it, and cleanup. A test then names what it needs with `require` (results.sh), which skips
# it with the reason.
#
# BIN is $OUTPUT/san (ASan and UBSan), or $OUTPUT when E2E_BUILD=release is set (in the
# environment, to tell a failure caused by the sanitizers' slowness from a bug; or by a test
# before sourcing this file, should its figure ever be xlbd's own speed: docs/testing.md says
# which build each test runs, and why). It is exported as XLB_BIN, which scripts/lab.sh runs.
# With the sanitized build every sanitizer report, LeakSanitizer's at exit included, stops the
# process (halt_on_error) and goes to a file under $XLB_SAN_DIR, which tests/e2e/run.sh makes
# for each test and fails the test on; a test run without the runner reports to each process's
# stderr instead.
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
LAYER=e2e/$(basename "$0" .sh)
export OUTPUT=${OUTPUT:-.output}
case $OUTPUT in /*) ;; *) OUTPUT=$TOP/$OUTPUT ;; esac
LAB=$TOP/scripts/lab.sh
if [ "${E2E_BUILD:-san}" = release ]; then
	BIN=$OUTPUT
else
	BIN=$OUTPUT/san
	san_log=${XLB_SAN_DIR:+:log_path=$XLB_SAN_DIR/report:log_exe_name=1}
	export ASAN_OPTIONS="detect_leaks=1:halt_on_error=1:abort_on_error=0$san_log"
	export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1$san_log"
	unset san_log
fi
export XLB_BIN=$BIN
. "$TOP/tests/lib/results.sh"

# Bring the namespace lab up (scripts/lab.sh up ARGS..., as lab $LAB_ID). When it does not come
# up, a lab_up failure with the last lines of lab.sh's output ends the test. The test's EXIT
# trap takes the lab down (lab_down).
lab_up() { # ARGS...
	local log
	log=$(mktemp)
	if ! "$LAB" up "$@" >"$log" 2>&1; then
		bad lab_up "$(tail -5 "$log")"
		rm -f "$log"
		summary
	fi
	rm -f "$log"
}

# Take the lab $LAB_ID down, quietly: what an EXIT trap calls.
lab_down() {
	"$LAB" down >/dev/null 2>&1
}

# Create namespace NS with lo up (xlbd serves metrics on 127.0.0.1) and one veth pair
# veth0/veth1, both up: the interface xlbd attaches to in the daemon tests. Ends the test as
# a setup failure when namespaces cannot be created.
veth_netns() { # NS
	ip netns add "$1" || { bad setup "cannot create a network namespace"; summary; }
	ip -n "$1" link set lo up
	ip -n "$1" link add veth0 type veth peer name veth1
	ip -n "$1" link set veth0 up
	ip -n "$1" link set veth1 up
}

# Check one load.py result of the lab's three backends weighted 100:100:200: zero failures,
# TOTAL answers, and each backend's share within 20 % (relative) of 1:1:2.
check_spread() { # NAME JSON TOTAL
	if python3 - "$2" "$3" <<'EOF'; then
import json, sys
r, total = json.loads(sys.argv[1]), int(sys.argv[2])
want = {"backend1": 0.25, "backend2": 0.25, "backend3": 0.5}
ok = r["failures"] == 0 and sum(r["answers"].values()) == total
for b, share in want.items():
    ok = ok and abs(r["answers"].get(b, 0) / total - share) <= 0.2 * share
sys.exit(0 if ok else 1)
EOF
		ok "$1"
	else
		bad "$1" "$2"
	fi
}

# Poll until a command succeeds (up to 5 s); no fixed sleeps.
wait_for() { # CMD...
	local _
	for _ in $(seq 1 100); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.05
	done
	return 1
}

# Start xlbd ($XLBD) in namespace $NS with $CONF, $PIN and $SOCK, its output appended to $LOG, in
# the background (disowned: no job-control noise); XPID is its pid. The array XLBD_PREFIX, when
# set (prlimit, chrt: each execs what follows, as nsenter execs xlbd), runs it, so that $! is
# xlbd and signals reach it.
spawn_xlbd() {
	"${XLBD_PREFIX[@]}" nsenter --net="/run/netns/$NS" "$XLBD" -c "$CONF" --pin-dir "$PIN" \
		--socket "$SOCK" >>"$LOG" 2>&1 &
	XPID=$!
	disown
}

# Send SIGNAL to xlbd ($XPID) and wait (up to 5 s) until it is gone; clears XPID.
stop_xlbd() { # SIGNAL
	kill "-$1" "$XPID" 2>/dev/null
	wait_for sh -c "! kill -0 $XPID"
	XPID=
}

# The daemon tests' EXIT trap: kill xlbd ($XPID), detach and unpin ($PIN, in $NS), remove the
# namespace and $TMP.
daemon_cleanup() {
	[ -n "$XPID" ] && kill -9 "$XPID" 2>/dev/null
	[ -d "$PIN" ] && nsenter --net="/run/netns/$NS" "$XLBD" --cleanup --pin-dir "$PIN" >/dev/null 2>&1
	rm -rf "$PIN"
	ip netns del "$NS" 2>/dev/null
	rm -rf "$TMP"
}
