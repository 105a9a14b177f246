#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# metrics.sh - xlbd's /metrics in the namespace lab, checked by promtool and by a real
# Prometheus server scraping it every second while traffic flows: a clean exposition with
# every documented family and no series twice; PromQL values equal to the map sums and to the
# requests sent; every counter equal to GET /v1/stats'; a backend taken down seen as xlb_backend_up 0 with its transition counted
# within one scrape of the health checker's decision; series gone with their backend; only GET
# /metrics and / served; slow clients bounded; metrics.listen changed and refused on reload;
# the Grafana dashboard valid.
# Prints "ok   e2e/metrics/NAME" / "FAIL ..." and ends with "e2e/metrics: N passed, ...".
set -u
. "$(dirname "$0")/../lib/e2e.sh"
export LAB_ID=pm$$
STATE=/run/xlb-lab/$LAB_ID
SOCK=$STATE/xlbd.sock
CHECK=(/usr/bin/python3 "$TOP/tests/e2e/promcheck.py")
DOCS=$TOP/docs/metrics.md
URL=http://127.0.0.1:9477
PROM=http://127.0.0.1:9090
SCRAPE_S=1 # Prometheus' scrape interval in this test
TMP=$(mktemp -d /tmp/xlbpm.XXXXXX)
PROM_PID=

require root python3 prometheus promtool:prometheus

# shellcheck disable=SC2317 # run by the EXIT trap
cleanup() {
	# $PROM_PID is lab.sh's shell; the server itself is found by its configuration file.
	[ -n "$PROM_PID" ] && kill "$PROM_PID" 2>/dev/null
	pkill -f -- "--config.file=$TMP/prometheus.yml" 2>/dev/null
	for _ in $(seq 1 50); do
		pgrep -f -- "--config.file=$TMP/prometheus.yml" >/dev/null || break
		sleep 0.1
	done
	lab_down
	rm -rf "$TMP"
}
trap cleanup EXIT

# Dashboard first: it needs no lab.
if out=$("${CHECK[@]}" dashboard "$TOP/docs/grafana-dashboard.json" "$DOCS"); then
	ok grafana_dashboard_valid
else
	bad grafana_dashboard_valid "$out"
fi

lab_up -b 3 -c 1
"$LAB" wait-healthy || bad backends_healthy "not all up after 10 s"

in_lb() { "$LAB" exec lb "$@"; }
scrape() { in_lb curl -s --max-time 5 "$URL/metrics"; }
api() { curl -s --unix-socket "$SOCK" "http://lab$1"; }
query() { in_lb "${CHECK[@]}" query "$PROM" "$1"; }
pwait() { in_lb "${CHECK[@]}" wait "$PROM" "$@"; } # PROMQL VALUE SECONDS: seconds taken or "timeout"
load() { "$LAB" exec client1 /usr/bin/python3 "$TOP/tests/e2e/load.py" "$@"; }
answers() { # LOAD_JSON BACKEND_NAME: how many requests that backend answered
	python3 -c 'import json, sys; print(json.loads(sys.argv[1])["answers"].get(sys.argv[2], 0))' "$1" "$2"
}

# ---- the exposition itself ----

hdr=$(in_lb curl -s -o "$TMP/scrape.txt" -w '%{http_code} %{content_type}' "$URL/metrics")
if [ "$hdr" = "200 text/plain; version=0.0.4; charset=utf-8" ]; then
	ok content_type
else
	bad content_type "$hdr"
fi
if out=$(promtool check metrics <"$TMP/scrape.txt" 2>&1); then
	ok promtool_check_metrics_clean
else
	bad promtool_check_metrics_clean "$out"
fi
if out=$("${CHECK[@]}" lint "$TMP/scrape.txt" "$DOCS"); then
	ok families_documented_present_once_no_duplicate_series
else
	bad families_documented_present_once_no_duplicate_series "$out"
fi

# The kernel's memory of every map of xlb_lb, once each.
mem_bad=""
for m in xlb_backends xlb_be_stats xlb_capture_cpu xlb_capture_ring xlb_config xlb_conns \
	xlb_conns_count xlb_frags xlb_guard xlb_reasons xlb_services xlb_svc_stats xlb_tables xlb_vips; do
	v=$("${CHECK[@]}" sum "$TMP/scrape.txt" xlb_map_memory_bytes map=$m)
	[ "$v" -gt 0 ] || mem_bad="$mem_bad $m=$v"
done
n_mem=$("${CHECK[@]}" series "$TMP/scrape.txt" xlb_map_memory_bytes)
n_pool=$("${CHECK[@]}" series "$TMP/scrape.txt" xlb_map_memory_bytes map=table_pool)
if [ -z "$mem_bad" ] && [ "$n_mem" = 15 ] && [ "$n_pool" = 1 ]; then ok map_memory_every_map; else
	bad map_memory_every_map "$n_mem series, $n_pool of the table pool; zero or missing:$mem_bad"
fi
# The total is the sum of every map's line and the pool's.
mem_sum=$("${CHECK[@]}" sum "$TMP/scrape.txt" xlb_map_memory_bytes)
mem_total=$("${CHECK[@]}" sum "$TMP/scrape.txt" xlb_map_memory_total_bytes)
if [ "$mem_sum" -gt 0 ] && [ "$mem_total" = "$mem_sum" ]; then ok map_memory_total_is_sum; else
	bad map_memory_total_is_sum "total $mem_total, sum of the series $mem_sum"
fi

fp_api=$(api /v1/tables/10.0.0.10/80/tcp | python3 -c 'import json, sys; print(json.load(sys.stdin)["fingerprint"])')
if [ "$("${CHECK[@]}" series "$TMP/scrape.txt" xlb_table_fingerprint_info service=http-v4 fingerprint="$fp_api")" = 1 ]; then
	ok table_fingerprint_matches_api
else
	bad table_fingerprint_matches_api "api $fp_api; $(grep 'fingerprint_info{service="http-v4"' "$TMP/scrape.txt")"
fi
ups=$("${CHECK[@]}" sum "$TMP/scrape.txt" xlb_backend_up service=http-v4)
bi=$("${CHECK[@]}" series "$TMP/scrape.txt" xlb_build_info version=0.1.0 abi=6)
if [ "$ups" = 3 ] && [ "$bi" = 1 ]; then
	ok backend_up_and_build_info
else
	bad backend_up_and_build_info "up $ups, build_info $bi"
fi

# ---- what is served, and to whom ----

codes=""
for req in "GET /metrics" "HEAD /metrics" "GET /" "POST /metrics" "PUT /metrics" \
	"DELETE /" "GET /nope" "GET /metrics/x"; do
	read -r method path <<<"$req"
	if [ "$method" = HEAD ]; then
		c=$(in_lb curl -s -I -o /dev/null -w '%{http_code}' "$URL$path")
	else
		c=$(in_lb curl -s -o /dev/null -w '%{http_code}' -X "$method" "$URL$path")
	fi
	codes="$codes $c"
done
index=$(in_lb curl -s "$URL/")
allow=$(in_lb curl -s -o /dev/null -D - -X POST "$URL/metrics" | tr -d '\r' | grep -i '^allow:')
if [ "$codes" = " 200 200 200 405 405 405 404 404" ] && grep -q 'href="/metrics"' <<<"$index" &&
	[ "$allow" = "Allow: GET, HEAD" ]; then
	ok only_get_metrics_and_index_served
else
	bad only_get_metrics_and_index_served "codes$codes; index '$index'; '$allow'"
fi
big=$(in_lb curl -s -o /dev/null -w '%{http_code}' -H "X-Big: $(head -c 40000 /dev/zero | tr '\0' a)" "$URL/metrics")
if [[ $big =~ ^4(13|14|31)$ ]] && [ "$(scrape | grep -c '^xlb_build_info')" = 1 ]; then
	ok oversized_request_refused
else
	bad oversized_request_refused "status $big"
fi
if in_lb ss -Hltn | grep -q '127.0.0.1:9477' && ! in_lb ss -Hltn | grep -qE '(0\.0\.0\.0|\*|\[::\]):9477'; then
	ok listens_on_loopback_only
else
	bad listens_on_loopback_only "$(in_lb ss -Hltn)"
fi

# Slow clients: 12 connections that send nothing, more than the 8 kept (the longest waiting are
# closed for newcomers, the rest at their deadline); meanwhile the daemon's loop goes on (the
# control API answers at once) and scrapes work. tests/e2e/hostile.sh goes further.
in_lb /usr/bin/python3 -c '
import socket, time
s = [socket.create_connection(("127.0.0.1", 9477)) for _ in range(12)]
time.sleep(8)' &
holder=$!
sleep 0.5
t0=$(date +%s.%N)
st=$(curl -s --max-time 2 -o /dev/null -w '%{http_code}' --unix-socket "$SOCK" http://lab/v1/status)
t1=$(date +%s.%N)
after=
for _ in $(seq 1 40); do
	after=$(scrape | grep -c '^xlb_build_info')
	[ "$after" = 1 ] && break
	sleep 0.25
done
t2=$(date +%s.%N)
kill $holder 2>/dev/null
wait $holder 2>/dev/null
api_s=$(python3 -c "print('%.2f' % ($t1 - $t0))")
back_s=$(python3 -c "print('%.1f' % ($t2 - $t0))")
if [ "$st" = 200 ] && python3 -c "import sys; sys.exit(0 if $t1 - $t0 < 1 else 1)" && [ "$after" = 1 ]; then
	ok "idle_clients_do_not_stall_the_daemon (API ${api_s}s; scrapes again after ${back_s}s)"
else
	bad idle_clients_do_not_stall_the_daemon "API status $st in ${api_s}s; scrape after: $after (${back_s}s)"
fi

# ---- a real Prometheus scraping xlbd while traffic flows ----

cat >"$TMP/prometheus.yml" <<EOF
global:
  scrape_interval: ${SCRAPE_S}s
  scrape_timeout: ${SCRAPE_S}s
scrape_configs:
  - job_name: xlb
    static_configs:
      - targets: ['127.0.0.1:9477']
EOF
in_lb prometheus --config.file="$TMP/prometheus.yml" --storage.tsdb.path="$TMP/data" \
	--web.listen-address=127.0.0.1:9090 >"$TMP/prometheus.log" 2>&1 &
PROM_PID=$!
t=$(pwait 'up{job="xlb",instance="127.0.0.1:9477"}' 1 20)
if [ "$t" != timeout ]; then ok "prometheus_scrapes_xlbd (up after ${t}s)"; else
	bad prometheus_scrapes_xlbd "$(tail -5 "$TMP/prometheus.log")"
	summary
fi

# Traffic: UDP requests are one datagram each, so packets per backend equal requests answered.
N=600
r=$(load udp 10.0.0.10 $N --timeout 1)
rt=$(load tcp 10.0.0.10 200 --timeout 2)
# Settled: wait until Prometheus has scraped the final counts, then compare with the maps.
t=$(pwait 'sum(xlb_backend_packets_total{service="echo-v4"})' $N 10)
sleep $((SCRAPE_S + 1)) # one more scrape, so the queries and the map read see the same state
scrape >"$TMP/after.txt"
detail=""
ok_all=1
[ "$t" != timeout ] || { ok_all=0; detail="the UDP packets never summed to $N;"; }
grep -q '"failures": 0' <<<"$r" || { ok_all=0; detail="$detail udp load: $r;"; }
for i in 1 2 3; do
	for svc in echo-v4 http-v4; do
		p=$(query "xlb_backend_packets_total{service=\"$svc\",backend=\"10.101.$i.2\"}" | awk '{print $2}')
		m=$("${CHECK[@]}" get "$TMP/after.txt" "xlb_backend_packets_total{service=\"$svc\",backend=\"10.101.$i.2\"}")
		[ "$p" = "$m" ] || { ok_all=0; detail="$detail $svc backend$i promql $p map $m;"; }
		if [ $svc = echo-v4 ] && [ "$p" != "$(answers "$r" backend$i)" ]; then
			ok_all=0
			detail="$detail backend$i promql $p answered $(answers "$r" backend$i);"
		fi
		[ "${p:-0}" -gt 0 ] 2>/dev/null || { ok_all=0; detail="$detail $svc backend$i got nothing;"; }
	done
done
svc_sum=$(query 'sum(xlb_packets_total{service="http-v4"})' | awk '{print $2}')
be_sum=$(query 'sum(xlb_backend_packets_total{service="http-v4"})' | awk '{print $2}')
[ "$svc_sum" = "$be_sum" ] || { ok_all=0; detail="$detail http-v4 service $svc_sum != backends $be_sum;"; }
grep -q '"failures": 0' <<<"$rt" || { ok_all=0; detail="$detail tcp load: $rt;"; }
if [ $ok_all = 1 ]; then
	ok "promql_packets_per_backend_equal_requests_and_maps ($N UDP, 200 HTTP requests)"
else
	bad promql_packets_per_backend_equal_requests_and_maps "$detail"
fi
# GET /v1/stats formats the same snapshot of the counters (counters.c) as /metrics: a scrape
# between two API reads has every service, backend and reason counter between the two (equal
# when nothing flowed; non-VIP packets that pass keep coming).
api /v1/stats >"$TMP/stats1.json"
scrape >"$TMP/mid.txt"
api /v1/stats >"$TMP/stats2.json"
agree=$(python3 - "$TMP/stats1.json" "$TMP/mid.txt" "$TMP/stats2.json" <<'PYEOF'
import json, re, sys
before, after = json.load(open(sys.argv[1])), json.load(open(sys.argv[3]))
prom = {}
for line in open(sys.argv[2]):
    m = re.match(r'^(\w+)\{(.*)\} (\S+)$', line.strip())
    if m:
        labels = frozenset(re.findall(r'(\w+)="([^"]*)"', m.group(2)))
        prom.setdefault(m.group(1), []).append((labels, int(float(m.group(3)))))
def get(name, **labels):
    hits = [v for l, v in prom.get(name, []) if set(labels.items()) <= l]
    return hits[0] if len(hits) == 1 else None
def rows(stats):
    out = {}
    for s in stats["services"]:
        for fam, key in (("xlb_packets_total", "packets"), ("xlb_bytes_total", "bytes")):
            out[(fam, (("service", s["name"]),))] = s[key]
        for b in s["backends"]:
            for fam, key in (("xlb_backend_packets_total", "packets"),
                             ("xlb_backend_bytes_total", "bytes")):
                out[(fam, (("service", s["name"]), ("backend", b["address"])))] = b[key]
    for reason, c in stats["reasons"].items():
        out[("xlb_verdicts_total", (("reason", reason),))] = c["packets"]
    return out
lo, hi = rows(before), rows(after)
wrong, n = [], 0
for k, v0 in lo.items():
    n += 1
    v = get(k[0], **dict(k[1]))
    if v is None or not v0 <= v <= hi.get(k, -1):
        wrong.append(f"{k[0]}{dict(k[1])}: api {v0}..{hi.get(k)} metrics {v}")
print(f"{n} {'; '.join(wrong[:4])}")
PYEOF
)
if [ "${agree%% *}" -gt 40 ] 2>/dev/null && [ -z "${agree#* }" ]; then
	ok "api_stats_equal_metrics (${agree%% *} counters)"
else
	bad api_stats_equal_metrics "$agree"
fi
ct_prom=$(query 'xlb_conntrack_entries' | awk '{print $2}')
ct_map=$("${CHECK[@]}" get "$TMP/after.txt" 'xlb_conntrack_entries{}' 2>/dev/null)
[ "$ct_map" = none ] && ct_map=$(grep '^xlb_conntrack_entries ' "$TMP/after.txt" | awk '{print $2}')
ct_api=$(api /v1/conns | python3 -c 'import json, sys; print(json.load(sys.stdin)["entries"])' 2>/dev/null)
# xlbd counts with the data path's per-CPU counters (entries taken from empty, minus flushed);
# lbctl map dump walks every CPU's part of the table, entry by entry.
ct_walk=$(in_lb "$BIN/lbctl" --pin-dir "/sys/fs/bpf/xlb-lab-$LAB_ID" -j map dump conns --limit 0 |
	python3 -c 'import json, sys; print(len(json.load(sys.stdin)["entries"]))')
if [ -n "$ct_prom" ] && [ "$ct_prom" = "$ct_map" ] && [ "$ct_map" = "$ct_api" ] &&
	[ "$ct_map" = "$ct_walk" ] && [ "$ct_map" -gt 0 ]; then
	ok "conntrack_entries_equal_api_and_a_walk ($ct_map)"
else
	bad conntrack_entries_equal_api_and_a_walk "promql '$ct_prom', scrape '$ct_map', api '$ct_api', walk '$ct_walk'"
fi

# ---- a backend taken down: seen within one scrape of the health checker's decision ----

kill -STOP "$(cat "$STATE/server3.pid")"
declared=
if [ "$(/usr/bin/python3 "$TOP/tests/e2e/xlbdq.py" wait "$SOCK" down 5 now \
	"10.0.0.10:80/tcp 10.101.3.2")" != timeout ]; then
	declared=$(date +%s.%N)
fi
t=$(pwait 'xlb_backend_up{service="http-v4",backend="10.101.3.2"}' 0 10)
seen=$(date +%s.%N)
tr=$(query 'xlb_backend_transitions_total{service="http-v4",backend="10.101.3.2",to="down"}' | awk '{print $2}')
kill -CONT "$(cat "$STATE/server3.pid")"
# One scrape interval, plus 1 s for Prometheus' scrape jitter and starting the query process.
if [ -n "$declared" ] && [ "$t" != timeout ] && [ "$tr" = 1 ] &&
	python3 -c "import sys; sys.exit(0 if $seen - $declared <= $SCRAPE_S + 1 else 1)"; then
	ok "backend_down_seen_within_one_scrape ($(python3 -c "print('%.2f' % ($seen - $declared))")s after the decision)"
else
	bad backend_down_seen_within_one_scrape "declared '$declared', wait $t, transitions to down '$tr'"
fi

# ---- the backend's encap is a label; a mode change keeps its counters (same entry) ----

n_be=$("${CHECK[@]}" series "$TMP/after.txt" xlb_backend_packets_total)
n_ipip=$("${CHECK[@]}" series "$TMP/after.txt" xlb_backend_packets_total encap=ipip)
before=$("${CHECK[@]}" get "$TMP/after.txt" 'xlb_backend_packets_total{service="http-v4",backend="10.101.1.2"}')
"$BIN/lbctl" -s "$SOCK" backend set 10.0.0.10:80/tcp 10.101.1.2 encap gue >/dev/null
scrape >"$TMP/gue.txt"
gue=$("${CHECK[@]}" get "$TMP/gue.txt" 'xlb_backend_packets_total{service="http-v4",backend="10.101.1.2",encap="gue"}')
n_same=$("${CHECK[@]}" series "$TMP/gue.txt" xlb_backend_up service=http-v4 backend=10.101.1.2)
"$BIN/lbctl" -s "$SOCK" backend set 10.0.0.10:80/tcp 10.101.1.2 encap ipip >/dev/null
if [ "$n_be" -gt 0 ] 2>/dev/null && [ "$n_ipip" = "$n_be" ] && [ "$before" != none ] &&
	[ "$gue" != none ] && [ "${gue%.*}" -ge "${before%.*}" ] && [ "$n_same" = 1 ]; then
	ok "backend_encap_label_follows_mode ($n_be series ipip, then gue with $gue packets)"
else
	bad backend_encap_label_follows_mode "series $n_be, ipip $n_ipip, packets $before then gue '$gue', up series $n_same"
fi

# ---- series follow the configuration ----

"$BIN/lbctl" -s "$SOCK" backend del 10.0.0.10:80/tcp 10.101.2.2 >/dev/null
"$BIN/lbctl" -s "$SOCK" service del 10.0.0.10:7/udp >/dev/null
scrape >"$TMP/deleted.txt"
gone_be=$(grep -c 'service="http-v4",backend="10.101.2.2"' "$TMP/deleted.txt")
gone_svc=$(grep -c 'service="echo-v4"' "$TMP/deleted.txt")
kept=$("${CHECK[@]}" series "$TMP/deleted.txt" xlb_backend_up service=http-v4)
if [ "$gone_be" = 0 ] && [ "$gone_svc" = 0 ] && [ "$kept" = 2 ]; then
	ok series_disappear_with_backend_and_service
else
	bad series_disappear_with_backend_and_service "backend lines $gone_be, service lines $gone_svc, http-v4 backends $kept"
fi

# ---- metrics.listen on reload: moved, or refused with nothing changed ----

conf=$STATE/xlbd.yaml
cp "$conf" "$TMP/orig.yaml"
printf 'metrics:\n  listen: "127.0.0.1:9478"\n' >>"$conf"
r1=$("$BIN/lbctl" -s "$SOCK" daemon reload 2>&1)
new=$(in_lb curl -s "http://127.0.0.1:9478/metrics" | grep -c '^xlb_build_info')
old=$(in_lb curl -s -o /dev/null -w '%{http_code}' "$URL/metrics")
if [ "$new" = 1 ] && [ "$old" = 000 ]; then
	ok metrics_listen_moves_on_reload
else
	bad metrics_listen_moves_on_reload "reload '$r1', new port lines $new, old port status $old"
fi
cp "$TMP/orig.yaml" "$conf"
printf 'metrics:\n  listen: "192.0.2.99:9477"\n' >>"$conf"
# The running configuration, not /v1/services: that also shows health (fail_open, healthy),
# which a loaded machine may change meanwhile.
before=$(api /v1/config)
r2=$("$BIN/lbctl" -s "$SOCK" daemon reload 2>&1)
rc=$?
still=$(in_lb curl -s "http://127.0.0.1:9478/metrics" | grep -c '^xlb_build_info')
if [ $rc = 1 ] && grep -q 'metrics.listen: cannot listen on 192.0.2.99:9477: Cannot assign requested address' <<<"$r2" &&
	[ "$still" = 1 ] && [ "$(api /v1/config)" = "$before" ]; then
	ok unbindable_metrics_listen_refused_nothing_changed
else
	bad unbindable_metrics_listen_refused_nothing_changed "rc $rc '$r2', old port lines $still, config $([ "$(api /v1/config)" = "$before" ] && echo same || echo changed)"
fi
cp "$TMP/orig.yaml" "$conf"

summary
