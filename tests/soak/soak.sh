#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# soak.sh - the soak layer: a namespace lab of its own (scripts/lab.sh, 4 backends, the
# release build of xlbd), tests/soak/soak.py in its client namespace for MINUTES under load
# and faults, then the lab taken down and checked gone. Prints soak.py's lines, one per
# invariant, then "ok   soak/teardown_leaves_nothing" (or FAIL) and the closing line
# "soak: N passed, N failed, N skipped" that tests/run-layers.sh sums. make check runs 2
# minutes with seed 1; make soak runs SOAK_MINUTES (default 30) and renders the figures
# (scripts/soak-report.py).
#
#   tests/soak/soak.sh [-m MINUTES] [-s SEED] [-o RESULTS_DIR]
#
# SEED defaults to a random one, printed; the same seed replays the same schedule of faults
# (kinds, targets, holds and gaps; what the machine's load does to timing differs).
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
LAYER=soak
export OUTPUT=${OUTPUT:-.output}
case $OUTPUT in /*) ;; *) OUTPUT=$TOP/$OUTPUT ;; esac
. "$TOP/tests/lib/results.sh"

minutes=2 seed=$((RANDOM * 32768 + RANDOM)) results=
while [ $# -gt 0 ]; do
	case $1 in
	-m) minutes=$2; shift 2 ;;
	-s) seed=$2; shift 2 ;;
	-o) results=$2 keep=1; shift 2 ;;
	*)
		echo "soak.sh: unknown argument \"$1\"; usage: soak.sh [-m MINUTES] [-s SEED] [-o DIR]" >&2
		exit 2
		;;
	esac
done
case $minutes in '' | *[!0-9.]*) echo "soak.sh: -m: minutes, a number, got \"$minutes\"" >&2 && exit 2 ;; esac
case $seed in '' | *[!0-9]*) echo "soak.sh: -s: seed, a whole number, got \"$seed\"" >&2 && exit 2 ;; esac

require root python3 bpftool:bpftool
if [ ! -x "$OUTPUT/xlbd" ] || [ ! -x "$OUTPUT/tests/e2e/swapprog" ] ||
	[ ! -f "$OUTPUT/tests/e2e/xlb_v2.bpf.o" ]; then
	bad build "build first: make"
	summary
fi

# The lab's namespaces are named after the first 6 characters of LAB_ID: keep it that short.
LAB_ID=sk$(printf '%04d' $(($$ % 10000)))
export LAB_ID
STATE=/run/xlb-lab/$LAB_ID
PFX=xl$LAB_ID
tmp=$(mktemp -d /tmp/xlb-soak.XXXXXX)
[ -n "$results" ] || results=$tmp/results
LAB="$TOP/scripts/lab.sh"

# Every process the lab runs: its pid files (xlbd, the servers, restarted ones included).
lab_pids() { cat "$STATE"/*.pid 2>/dev/null; }

# shellcheck disable=SC2317 # the EXIT trap's
cleanup() {
	"$LAB" down >/dev/null 2>&1
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if ! "$LAB" up -b 4 -c 1 --no-xlbd >"$tmp/up.log" 2>&1; then
	bad lab_up "$(tail -5 "$tmp/up.log")"
	summary
fi
out=$tmp/soak.out
nsenter --net="/run/netns/$PFX-client1" /usr/bin/python3 "$TOP/tests/soak/soak.py" --top "$TOP" \
	--output "$OUTPUT" --lab-id "$LAB_ID" --minutes "$minutes" --seed "$seed" \
	--results "$results" 2>&1 | tee "$out"
pass=$((pass + $(grep -c '^ok   soak/' "$out")))
fail=$((fail + $(grep -c '^FAIL soak/' "$out")))
grep -q '^ok   soak/every_fault_kind_injected\|^FAIL soak/every_fault_kind_injected' "$out" ||
	bad run "soak.py ended before judging (output above)"

# Teardown: nothing of the lab may be left, no namespace, pin or process.
mapfile -t pids < <(lab_pids)
"$LAB" down >"$tmp/down.log" 2>&1
# lab.sh down signals the servers without waiting for them: give them 10 s to be gone.
alive() { [ -d "/proc/$1" ] && [ "$(cut -d' ' -f3 "/proc/$1/stat" 2>/dev/null)" != Z ]; }
left=
for p in "${pids[@]}"; do
	for _ in $(seq 1 100); do alive "$p" || break; sleep 0.1; done
	alive "$p" && left="$left pid $p ($(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null | cut -c1-80))"
done
for p in /proc/[0-9]*; do
	grep -qa -- "$STATE/" "$p/cmdline" 2>/dev/null && left="$left pid ${p#/proc/}"
done
left="$left$(ip netns list | awk -v p="$PFX-" 'index($1, p) == 1 {printf " netns %s", $1}')"
for f in /sys/fs/bpf/xlb-lab-"$LAB_ID" /sys/fs/bpf/xlb-lab-"$LAB_ID"-*; do
	[ -e "$f" ] && left="$left pin $f"
done
[ -e "$STATE" ] && left="$left dir $STATE"
if [ -z "$left" ]; then
	ok teardown_leaves_nothing
else
	bad teardown_leaves_nothing "left:$left; lab.sh down said: $(tail -5 "$tmp/down.log" | tr '\n' ' ')"
fi
# For scripts/soak-report.py, beside soak.py's figures.
[ -d "$results" ] && { [ -z "$left" ] && echo pass || echo "**FAIL**:$left"; } >"$results/teardown"
[ -n "${keep:-}" ] && [ -f "$results/summary.json" ] && echo "soak: figures in $results"
summary
