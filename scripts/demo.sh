#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# demo.sh - what `make demo` runs: bring up the namespace lab (scripts/lab.sh) with xlbd and
# three backends weighted 1:1:2, send a few thousand real HTTP requests through the IPv4 and
# IPv6 VIPs, and report how they spread, what xlbd says about the service, and where to look
# next. The lab stays up afterwards (make demo-down); in a terminal, Ctrl-C also ends it.
set -eu
TOP=$(cd "$(dirname "$0")/.." && pwd)
export OUTPUT=${OUTPUT:-$TOP/.output}
export LAB_ID=demo
LAB=$TOP/scripts/lab.sh
SOCK=/run/xlb-lab/demo/xlbd.sock
REQUESTS=${DEMO_REQUESTS:-3000}

[ "$(id -u)" -eq 0 ] || { echo "make demo needs root (network namespaces, XDP)" >&2; exit 1; }
"$LAB" down >/dev/null 2>&1 || true
echo "== bringing up the lab: 2 clients, a router, the LB (xlbd + xlb_lb), 3 backends"
"$LAB" up -b 3 -c 2 -w 100,100,200
for _ in $(seq 1 100); do
	curl -s --unix-socket "$SOCK" http://lab/v1/status | grep -q '"gateway_mac":"00:00:00' || break
	sleep 0.05
done
"$LAB" wait-healthy

echo "== sending $REQUESTS HTTP requests through the VIPs, each on a new TCP connection"
v4=$("$LAB" exec client1 /usr/bin/python3 "$TOP/tests/e2e/load.py" tcp 10.0.0.10 $((REQUESTS * 2 / 3)))
v6=$("$LAB" exec client2 /usr/bin/python3 "$TOP/tests/e2e/load.py" tcp fd00:10::10 $((REQUESTS / 3)))

python3 - "$v4" "$v6" <<'EOF'
import json, sys
weights = {"backend1": 100, "backend2": 100, "backend3": 200}
total_w = sum(weights.values())
print()
print("%-10s %-14s %7s %7s %8s %8s" % ("backend", "address", "weight", "IPv4", "IPv6", "share"))
rows = [json.loads(a) for a in sys.argv[1:]]
total = sum(sum(r["answers"].values()) for r in rows)
for i, (b, w) in enumerate(weights.items(), 1):
    n4, n6 = (r["answers"].get(b, 0) for r in rows)
    print("%-10s %-14s %7d %7d %8d %7.1f%%  (weight share %.1f%%)" % (
        b, "10.101.%d.2" % i, w, n4, n6, 100.0 * (n4 + n6) / max(total, 1), 100.0 * w / total_w))
fails = sum(r["failures"] for r in rows)
print("\n%d requests answered, %d failed, in %.1f s" % (total, fails, sum(r["seconds"] for r in rows)))
EOF

echo
LBCTL="$OUTPUT/lbctl -s $SOCK"
echo "== the service as xlbd sees it: lbctl service show / table show 10.0.0.10:80/tcp"
$LBCTL service show 10.0.0.10:80/tcp
echo
$LBCTL table show 10.0.0.10:80/tcp
echo
echo "== the data path's counters: lbctl stats show 10.0.0.10:80/tcp"
$LBCTL stats show 10.0.0.10:80/tcp

cat <<EOF

== where to look next
  lbctl:               $OUTPUT/lbctl -s $SOCK help
  the control API:     curl --unix-socket $SOCK http://lab/v1/services
  Prometheus metrics:  LAB_ID=demo scripts/lab.sh exec lb curl -s http://127.0.0.1:9477/metrics
                       (xlbd listens on the LB namespace's loopback; docs/metrics.md)
  the daemon's log:    /run/xlb-lab/demo/xlbd.log   (config: /run/xlb-lab/demo/xlbd.yaml)
  a client:            LAB_ID=demo scripts/lab.sh exec client1 curl http://10.0.0.10/
  change a weight:     $OUTPUT/lbctl -s $SOCK backend set 10.0.0.10:80/tcp 10.101.1.2 weight 300
  plan it first:       $OUTPUT/lbctl -s $SOCK table plan 10.0.0.10:80/tcp weight 10.101.1.2 300
  lab state:           LAB_ID=demo scripts/lab.sh status
  stop the demo:       make demo-down
EOF

if [ -t 0 ] && [ -t 1 ]; then
	echo
	echo "The lab stays up. Press Ctrl-C to take it down now, or leave with Ctrl-D and use make demo-down."
	trap '"$LAB" down; echo "lab down"; exit 0' INT
	cat >/dev/null || true
	trap - INT
fi
