#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# scale_apply.sh - traffic keeps flowing while the configuration goes to the ABI's limits and
# back: in the namespace lab, 16 clients send HTTP requests (each a new connection) through the
# IPv4 VIP while the lab's configuration grows to 4,096 services (4,092 more, 16 backends each:
# 65,484 backends), every added service's weights change (every one of their tables rebuilt),
# and the lab's configuration comes back. Each apply must be accepted whole (the services
# answered by GET /v1/services), no request may fail, and no backend of the lab may go down
# (the applies hold xlbd's loop for seconds: not the backends' fault; the lab's checks are made
# tolerant of a starved machine first). The added services get no traffic; their tables are
# small (1601 slots) so that the test takes seconds, not minutes.
# Prints "ok   e2e/scale_apply/NAME" / "FAIL ..." and ends with
# "e2e/scale_apply: N passed, N failed, N skipped".
set -u
. "$(dirname "$0")/../lib/e2e.sh"
export LAB_ID=sa$$
ST=/run/xlb-lab/$LAB_ID
SOCK=$ST/xlbd.sock
LOAD=$TOP/tests/e2e/load.py

require root python3
trap lab_down EXIT
lab_up -b 3 -c 1
"$LAB" wait-healthy || bad backends_healthy "not all up after 10 s"

# The lab's configuration with services added after "services:" up to 4,096 in all, each with
# 16 backends of weight W (none of them exists: no check, no traffic).
grown() { # W
	/usr/bin/python3 - "$ST/xlbd.yaml" "$1" <<'EOF'
import sys
text, w = open(sys.argv[1]).read(), int(sys.argv[2])
head, sep, rest = text.partition("services:\n")
have = rest.count("\n  - ")  + rest.startswith("  - ")
out = []
for s in range(4096 - have):
    out.append("  - { vip: 10.77.%d.%d, port: 80, proto: tcp, table_size: 1601, backends: [%s] }\n"
               % (s // 256, s % 256, ", ".join("{ address: 10.%d.%d.%d, weight: %d }"
                                               % (120 + s // 256, s % 256, b, w)
                                               for b in range(1, 17))))
sys.stdout.write(head + sep + "".join(out) + rest)
EOF
}

# POST a configuration; prints the HTTP status, then the services now running.
apply() { # FILE
	local code
	code=$(curl -s -o "$ST/apply.out" -w '%{http_code}' --max-time 300 --unix-socket "$SOCK" \
		--data-binary @"$1" -H 'Content-Type: application/yaml' http://lab/v1/config/apply)
	echo "$code $(curl -s --unix-socket "$SOCK" http://lab/v1/services |
		/usr/bin/python3 -c 'import json, sys; print(len(json.load(sys.stdin)["services"]))')"
}

# The lab's checks made tolerant of a starved machine first: the lab's backends share its two
# CPUs with xlbd's table builds, which their answers to checks (150 ms timeouts, fall 2) do not
# always survive. That a held loop is not charged to a check is tests/unit/test_stall.c's.
sed -i 's/interval: 200ms, timeout: 150ms, rise: 2, fall: 2/interval: 1s, timeout: 1s, rise: 2, fall: 3/' \
	"$ST/xlbd.yaml"
rl=$("$BIN/lbctl" -s "$SOCK" daemon reload 2>&1) || bad reload_tolerant_checks "$rl"
cp "$ST/xlbd.yaml" "$ST/small.yaml"
grown 100 >"$ST/big.yaml"
grown 50 >"$ST/big2.yaml"
small=$(/usr/bin/python3 -c 'import sys; t = open(sys.argv[1]).read(); print(t.partition("services:\n")[2].count("\n  - ") + 1)' "$ST/small.yaml")

rm -f "$ST/stop"
mark=$(wc -l <"$ST/xlbd.log")
"$LAB" exec client1 /usr/bin/python3 "$LOAD" tcp 10.0.0.10 1000000 --timeout 1 \
	--concurrency 16 --until "$ST/stop" >"$ST/load.json" &
load_pid=$!
sleep 0.5
a1=$(apply "$ST/big.yaml")
a2=$(apply "$ST/big2.yaml")
a3=$(apply "$ST/small.yaml")
sleep 0.3
touch "$ST/stop"
wait "$load_pid"

expect_apply() { # NAME GOT WANT_SERVICES
	if [ "$2" = "200 $3" ]; then ok "$1"; else bad "$1" "status and services: $2; $(cat "$ST/apply.out")"; fi
}
expect_apply grown_to_4096_services "$a1" 4096
expect_apply every_added_weight_changed "$a2" 4096
expect_apply back_to_the_lab "$a3" "$small"
# The lab's checks keep passing: an apply that holds the loop for seconds is not charged to
# the backends (health.c, on_timer()).
downs=$(tail -n +"$((mark + 1))" "$ST/xlbd.log" | grep 'down after' || true)
if [ -z "$downs" ]; then ok no_backend_went_down; else bad no_backend_went_down "$downs"; fi
r=$(cat "$ST/load.json")
got=$(/usr/bin/python3 -c 'import json, sys; d = json.loads(sys.argv[1]); print(d["failures"], d["requests"])' "$r" 2>&1)
if [ "${got%% *}" = 0 ] && [ "${got#* }" -gt 100 ]; then
	ok "no_request_failed (${got#* } requests)"
else
	bad no_request_failed "failures and requests: $got; $(head -c 600 <<<"$r"); xlbd meanwhile: $(tail -n +"$((mark + 1))" "$ST/xlbd.log" | grep -E 'warning|error' | head -5)"
fi

summary
