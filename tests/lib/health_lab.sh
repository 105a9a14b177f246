# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# health_lab.sh - the 13,000-target health lab that tests/e2e/health_scale.sh checks and
# bench/health_bench.sh times, sourced after e2e.sh. xlbd runs in namespace $NS; namespace $SRV
# holds the backends: 10,000 addresses (an AnyIP local route) answered by one server
# (tests/e2e/hcserver.py: TCP accept-and-close, HTTP 200), 9,000 of them checked by tcp and
# 1,000 by http, plus 3,000 blackholed addresses whose tcp checks time out, so that more than
# 1,024 checks (descriptors) are in flight at once. Checks run every 2 s with 10 % jitter.
# The caller sets NS, SRV, PIN, TMP, SOCK, CONF, LOG (as for spawn_xlbd) and cleans up with
# hl_cleanup.

SPID=''
# The machine may be shared (builds of other work trees): xlbd and the server run at a
# real-time priority, as a latency-sensitive daemon may, so that what is measured is xlbd's
# loop, not the queue for a CPU. Without chrt they run as they are.
HL_RT=()
command -v chrt >/dev/null && chrt --rr 1 true 2>/dev/null && HL_RT=(chrt --rr 1)

hl_api() { curl -s --max-time 20 --unix-socket "$SOCK" "http://xlbd$1"; }

# The namespaces, their link and routes, and xlbd's configuration in $CONF. Ends the test as a
# setup failure when namespaces cannot be created. AnyIP 10.200.0.0/18 is answered locally;
# 10.200.64.0/18 is routed to $SRV but not local (dropped: SYNs to it go unanswered).
hl_up() {
	veth_netns "$NS"
	ip netns add "$SRV" || { bad setup "cannot create a network namespace"; summary; }
	ip -n "$SRV" link set lo up
	ip -n "$NS" link add hc0 type veth peer name hc1 netns "$SRV"
	ip -n "$NS" addr add 10.201.0.1/30 dev hc0
	ip -n "$SRV" addr add 10.201.0.2/30 dev hc1
	ip -n "$NS" link set hc0 up
	ip -n "$SRV" link set hc1 up
	ip -n "$NS" route add 10.200.0.0/16 via 10.201.0.2
	ip -n "$SRV" route add local 10.200.0.0/18 dev lo
	mkdir -p "$TMP/state"
	# Backend i (0-based) of a range: 10.200.B.x with B = base + i / 250, x = i % 250 + 1.
	/usr/bin/python3 - "$CONF" "$TMP" <<'PY'
import sys
conf, tmp = sys.argv[1], sys.argv[2]
def addrs(base, n):
    return ["10.200.%d.%d" % (base + i // 250, i % 250 + 1) for i in range(n)]
tcp = "{ type: tcp, interval: 2s, timeout: 1s, jitter: 10, rise: 1, fall: 3, initial: up }"
services = [  # name, vip, backends, table_size (a prime >= 100 x backends), health
    ("tcp-a", "10.0.0.1", addrs(0, 3000), 300007, tcp),
    ("tcp-b", "10.0.0.2", addrs(12, 3000), 300007, tcp),
    ("tcp-c", "10.0.0.3", addrs(24, 3000), 300007, tcp),
    ("http", "10.0.0.4", addrs(36, 1000), 100003,
     "{ type: http, port: 8080, path: /, interval: 2s, timeout: 1500ms, jitter: 10, rise: 1, fall: 3, initial: up }"),
    ("dark", "10.0.0.5", addrs(64, 3000), 300007,
     "{ type: tcp, interval: 2s, timeout: 1500ms, jitter: 10, rise: 1, fall: 100 }"),
]
with open(conf, "w") as f:
    f.write("interfaces: [veth0]\ntunnel_source: 192.0.2.1\ngateway: 02:00:00:00:00:fe\n")
    f.write("hash_seed: 4242\nstate_dir: %s/state\nservices:\n" % tmp)
    for name, vip, bs, m, hc in services:
        f.write("  - name: %s\n    vip: %s\n    port: 80\n    proto: tcp\n" % (name, vip))
        f.write("    table_size: %d\n    health: %s\n    backends:\n" % (m, hc))
        for a in bs:
            f.write("      - { address: %s }\n" % a)
PY
}

# Start the backends' server, counting afresh into $TMP/seen.json. Returns 1 when it does not
# come up.
hl_server_start() {
	rm -f "$TMP/seen.json" "$TMP/seen.json.ready"
	"${HL_RT[@]}" ip netns exec "$SRV" /usr/bin/python3 "$TOP/tests/e2e/hcserver.py" 80 8080 \
		"$TMP/seen.json" &
	SPID=$!
	disown
	wait_for test -e "$TMP/seen.json.ready"
}

hl_server_stop() {
	[ -n "$SPID" ] && kill "$SPID" 2>/dev/null
	[ -n "$SPID" ] && wait_for sh -c "! kill -0 $SPID"
	SPID=''
}

# Start xlbd at the real-time priority and wait (up to 60 s: 13,000 backends, five tables of
# 100,003..300,007 slots) until its API answers. Returns 1 when it does not.
hl_xlbd_start() {
	local _
	# shellcheck disable=SC2034 # read by spawn_xlbd (e2e.sh)
	XLBD_PREFIX=("${HL_RT[@]}")
	spawn_xlbd
	for _ in $(seq 1 600); do
		[ -n "$(hl_api /v1/status 2>/dev/null)" ] && return 0
		# shellcheck disable=SC2153 # XPID: set by spawn_xlbd (e2e.sh)
		kill -0 "$XPID" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

# Let the checks run for SECONDS, sampling xlbd's open descriptors: the most in HL_PEAK_FDS.
hl_run() { # SECONDS
	local n end
	HL_PEAK_FDS=0
	end=$(($(date +%s) + $1))
	while [ "$(date +%s)" -lt "$end" ]; do
		n=$(find /proc/"$XPID"/fd -mindepth 1 -maxdepth 1 2>/dev/null | wc -l)
		[ "$n" -gt "$HL_PEAK_FDS" ] && HL_PEAK_FDS=$n
		sleep 0.1
	done
}

# What the run left: $TMP/metrics.txt (xlbd's /metrics, its lateness figures), then
# $TMP/health.json (GET /v1/health) and $TMP/seen.json (the server's count per address and
# largest gap between two checks of one address). /metrics comes first: building the answer for
# 13,000 targets holds the loop (about 0.3 s for /metrics, 0.6 s for /v1/health here), so that
# checks due meanwhile start late.
hl_collect() {
	kill -USR1 "$SPID"
	nsenter --net=/run/netns/"$NS" curl -s --max-time 10 -o "$TMP/metrics.txt" \
		http://127.0.0.1:9477/metrics
	hl_api /v1/health >"$TMP/health.json"
	wait_for test -s "$TMP/seen.json"
}

# The EXIT trap's part: the server, the backends' namespace, then daemon_cleanup.
hl_cleanup() {
	hl_server_stop
	ip netns del "$SRV" 2>/dev/null
	daemon_cleanup
}
