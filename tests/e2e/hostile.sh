#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# hostile.sh - hostile clients against xlbd's two HTTP servers at once, the control API on its
# Unix socket and /metrics on 127.0.0.1:9477, in the namespace lab with health-checked backends
# (tests/e2e/hostile.py does the attacking): 1,000 idle connections, slowloris (a byte per
# second), a body announced at 100 MiB, an endless chunked body, malformed requests, and a
# client that never reads its answers; each attack lasts longer than the servers' deadlines.
# Asserts, per attack and server: a well-behaved client's requests (one every 50 ms, each on a
# new connection) all succeed; the attack's connections are closed by the server (idle,
# slowloris, bodies), and a body is not read past 64 MiB (it is answered at its limit);
# malformed requests get a 4xx/5xx answer or are closed. Throughout: xlbd
# stays the same process, health checks keep running (checks finished during every attack),
# and afterwards traffic through the VIP all succeeds on the same XDP program. Prints the
# health checks' lateness (max, from /metrics) before and after as figures, not thresholds.
# Prints "ok   e2e/hostile/NAME" / "FAIL ..." and ends with "e2e/hostile: N passed, ...".
set -u
. "$(dirname "$0")/../lib/e2e.sh"
export LAB_ID=hs$$
STATE=/run/xlb-lab/$LAB_ID
SOCK=$STATE/xlbd.sock
HOSTILE=(/usr/bin/python3 "$TOP/tests/e2e/hostile.py")
# Longer than both servers' deadlines (API 10 s, /metrics 5 s: docs/api.md, docs/metrics.md).
ATTACK_S=12

require root python3
trap lab_down EXIT
lab_up -b 2 -c 1
"$LAB" wait-healthy || bad backends_healthy "not all up after 10 s"

in_lb() { "$LAB" exec lb "$@"; }
scrape() { in_lb curl -s --max-time 5 http://127.0.0.1:9477/metrics; }
# Finished health checks so far, all backends and results together.
checks_done() { scrape | awk '/^xlb_health_checks_total\{/ { n += $2 } END { printf "%d", n }'; }
late_max_ms() {
	scrape | awk '/^xlb_health_check_lateness_max_seconds / { printf "%.1f", $2 * 1000 }'
}
prog_id() { in_lb ip -d link show lb0 | grep -oE 'prog/xdp id [0-9]+' | grep -oE '[0-9]+$'; }
xpid=$(cat "$STATE/xlbd.pid")
prog0=$(prog_id)
late0=$(late_max_ms)

# Judge one attack's JSON (hostile.py) by the rules of its kind; prints the reason on failure.
judge() { # ATTACK JSON
	/usr/bin/python3 -c '
import json, sys
attack, r = sys.argv[1], json.loads(sys.argv[2])
a, why = r["attack"], []
if r["good_failed"] or not r["good_ok"]:
    why.append("good client: %d ok, %d failed %s" % (r["good_ok"], r["good_failed"], r["good_errors"]))
if attack in ("idle", "slowloris") and a["closed_by_server"] != a["opened"]:
    why.append("%d of %d connections still open" % (a["opened"] - a["closed_by_server"], a["opened"]))
if attack in ("oversized", "endless") and not a["closed_by_server"] and \
        not any(s.startswith("HTTP/1.1 4") for s in a["answers"]):
    why.append("the body was still taken: %s" % a["answers"])
# Answered at the limit (8 MiB for the API, the first byte for /metrics) and closed: what the
# server took is the limit and the sockets buffers, not the hundreds of MiB a reader takes.
if attack in ("oversized", "endless") and a["bytes_taken"] > 64 << 20:
    why.append("%d bytes of the body read" % a["bytes_taken"])
if attack == "malformed":
    bad = [s for s in a["answers"] if s.startswith("HTTP/") and s[9] not in "45"]
    if bad or not any(s.startswith("HTTP/1.1 4") for s in a["answers"]):
        why.append("answers %s" % a["answers"])
print("; ".join(why))
sys.exit(1 if why else 0)' "$1" "$2"
}

for attack in "idle 1000" "slowloris 40" oversized endless malformed noread; do
	name=${attack%% *}
	before=$(checks_done)
	# shellcheck disable=SC2086 # the attack's name and its count, two words
	"${HOSTILE[@]}" "unix:$SOCK" /v1/status $attack "$ATTACK_S" >"$STATE/api.json" 2>&1 &
	api_pid=$!
	# shellcheck disable=SC2086
	in_lb "${HOSTILE[@]}" tcp:127.0.0.1:9477 /metrics $attack "$ATTACK_S" >"$STATE/metrics.json" 2>&1
	wait "$api_pid"
	after=$(checks_done)
	for server in api metrics; do
		r=$(cat "$STATE/$server.json")
		if why=$(judge "$name" "$r"); then
			ok "${name}_$server ($(/usr/bin/python3 -c '
import json, sys
r = json.loads(sys.argv[1]); a = r["attack"]
print("good client %d ok, slowest %.3f s; attack: %d opened, %d closed by the server, %d bytes taken" %
      (r["good_ok"], r["good_max_s"], a["opened"], a["closed_by_server"], a["bytes_taken"]))' "$r"))"
		else
			bad "${name}_$server" "${why:-$r}"
		fi
	done
	if [ "${after:-0}" -gt "${before:-0}" ]; then
		ok "${name}_health_checks_kept_running ($((after - before)) checks finished; lateness max since start $(late_max_ms) ms)"
	else
		bad "${name}_health_checks_kept_running" "checks finished: $before before, $after after"
	fi
done

if kill -0 "$xpid" 2>/dev/null && [ "$(cat "$STATE/xlbd.pid")" = "$xpid" ]; then
	ok xlbd_survived
else
	bad xlbd_survived "xlbd (pid $xpid) is gone: $(tail -3 "$STATE/xlbd.log")"
fi
r=$("$LAB" exec client1 /usr/bin/python3 "$TOP/tests/e2e/load.py" tcp 10.0.0.10 200 2>&1)
if grep -q '"failures": 0' <<<"$r" && [ "$(prog_id)" = "$prog0" ]; then
	ok data_path_untouched
else
	bad data_path_untouched "$r; XDP program $prog0 -> $(prog_id)"
fi
echo "health check lateness, max since start: ${late0:-?} ms before the attacks, $(late_max_ms) ms after"
summary
