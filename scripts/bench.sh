#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# bench.sh - what `make bench` runs: every benchmark, one after the other, each writing its raw
# rounds into $OUTPUT/bench/results, then scripts/bench-report.py regenerates
# docs/benchmarks.md (from docs/benchmarks.md.in) and the plots in docs/bench/.
# Benchmarks, not tests: a figure never fails the run; a case that measured the wrong verdict,
# or a lab that did not come up, does. BENCH_QUICK=1: fewer, shorter rounds (under 2 minutes).
# Needs root (BPF, namespaces); installs wrk and gnuplot on demand (install-deps.sh bench).
set -euo pipefail
TOP=$(cd "$(dirname "$0")/.." && pwd)
OUTPUT=${OUTPUT:-$TOP/.output}
RES=$OUTPUT/bench/results
PY=/usr/bin/python3
QUICK=$([ "${BENCH_QUICK:-0}" != 0 ] && [ -n "${BENCH_QUICK:-}" ] && echo 1 || echo 0)
export BENCH_QUICK=$QUICK

[ "$(id -u)" -eq 0 ] || { echo "make bench needs root (BPF_PROG_TEST_RUN, namespaces)" >&2; exit 1; }
"$TOP/scripts/install-deps.sh" bench
mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf
rm -rf "$RES"
mkdir -p "$RES"
cd "$TOP"

meta() { printf '%s\t%s\n' "$1" "$2" >>"$RES/meta.tsv"; }
steps=""
step() { # NAME CMD...: run and time one benchmark
	local name=$1 t0 t1
	shift
	echo "== bench: $name"
	t0=$(date +%s%N)
	"$@"
	t1=$(date +%s%N)
	steps="$steps${steps:+, }$name $(((t1 - t0 + 500000000) / 1000000000)) s"
}

start=$(date +%s)
meta host "$(hostname)"
meta cpu "$(lscpu | sed -n 's/^Model name: *//p' | head -1)"
meta cpus "$(nproc)"
meta mem_gib "$(awk '/MemTotal/ {printf "%.0f", $2 / 1048576}' /proc/meminfo)"
meta kernel "$(uname -r)"
meta debian "$(cat /etc/debian_version)"
meta clang "$(clang --version | head -1 | sed 's/ (.*//')"
meta date "$(date -u '+%Y-%m-%d %H:%M UTC')"
meta commit "$(git rev-parse --short HEAD)$(git diff --quiet HEAD -- . ':!docs/benchmarks.md' \
	':!docs/bench' 2>/dev/null || echo ' + uncommitted changes')"
meta quick "$QUICK"
meta veth_seconds "$([ "$QUICK" = 1 ] && echo 0.3 || echo 1.0)"
meta e2e_seconds "$([ "$QUICK" = 1 ] && echo 2 || echo 5)"

step maglev "$OUTPUT/bench/maglev_bench" -o "$RES/maglev.tsv"
step dataplane "$OUTPUT/bench/dataplane_bench" -o "$RES/dataplane.tsv"
step conntab sh -c "'$OUTPUT/bench/dataplane_bench' -c | tee '$RES/conntab.txt'"
step veth "$OUTPUT/bench/veth_bench" -o "$RES/veth.tsv"
step verifier sh -c "'$OUTPUT/bench/verifier_stats' '$OUTPUT/xlb.bpf.o' '$OUTPUT/decap.bpf.o' \
	| sed 's|^$OUTPUT/||' | tee '$RES/verifier.txt'"
step tables "$OUTPUT/bench/table_bench" -o "$RES/tables.tsv"
step scale $PY bench/xlbd_scale.py "$OUTPUT/xlbd" -o "$RES/scale.tsv"
step health env OUTPUT="$OUTPUT" bench/health_bench.sh -o "$RES/health.tsv"
step lab env LAB_ID="${LAB_ID:-bn$$}" OUTPUT="$OUTPUT" $PY bench/lab_bench.py "$TOP" \
	-o "$RES/lab.tsv"

meta steps "$steps"
meta seconds "$(($(date +%s) - start))"
$PY scripts/bench-report.py "$RES" docs/benchmarks.md.in docs/benchmarks.md docs/bench
echo "bench: done in $(($(date +%s) - start)) s ($steps)"
