#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# deps.sh - the "deps" test layer: proves on the machine at hand that scripts/install-deps.sh
# declares every Debian package xlb uses, so that a fresh Debian 12 builds it first time.
#
# A clean clone of REV (default HEAD) is built in a scratch folder under strace -f (execs and
# file opens, successful ones), with the PATH of a fresh Debian root: every file used under /usr
# must belong to a package in the dependency closure of what install-deps.sh installs (plus
# Debian's essential and required packages). The BPF objects' headers must not be glibc's. Every
# command the scripts and tests call, and every module the Python scripts import, must come from
# a declared package. tests/deps.py does the checks and names the file and the package at fault.
#
#   tests/deps.sh [REV]
#
# Prints "ok   deps/NAME" / "FAIL deps/NAME: why" and ends with "deps: N passed, N failed,
# N skipped" (summed by tests/run-layers.sh). Exit 0 when nothing failed.
set -u

ROOT=$(cd "$(dirname "$0")/.." && pwd)
REV=${1:-HEAD}
PY=/usr/bin/python3 # Debian's: the first python3 on PATH may be another build
pass=0 fail=0 skip=0

# Count the ok/FAIL lines of one check and show them (deps.py's "# ..." detail lines only
# with V=1).
tally() {
	local out=$1
	printf '%s\n' "$out" | if [ "${V:-0}" = 1 ]; then cat; else grep -v '^# '; fi
	pass=$((pass + $(grep -c '^ok   ' <<<"$out")))
	fail=$((fail + $(grep -c '^FAIL ' <<<"$out")))
}
bad() {
	echo "FAIL deps/$1: $2"
	fail=$((fail + 1))
}
summary() {
	echo "deps: $pass passed, $fail failed, $skip skipped"
	[ "$fail" -eq 0 ]
}

for tool in strace git "$PY"; do
	command -v "$tool" >/dev/null || {
		bad tools "$tool is not installed (scripts/install-deps.sh installs it)"
		summary
		exit
	}
done

scratch=$(mktemp -d /var/tmp/xlb-deps.XXXXXX)
trap 'rm -rf "$scratch"' EXIT
src=$scratch/src
if ! git clone -q "$ROOT" "$src" 2>"$scratch/clone.log" ||
	! git -C "$src" checkout -q "$REV" 2>>"$scratch/clone.log"; then
	bad clone "cannot clone $ROOT at $REV: $(tail -n 1 "$scratch/clone.log")"
	summary
	exit
fi
echo "deps: building $(git -C "$src" log -1 --format='%h %s' | cut -c1-70) under strace"

started=$(date +%s)
# A fresh root's environment: no /usr/local, pyenv or cargo on PATH, nothing inherited.
(cd "$src" && env -i HOME="$scratch" PATH=/usr/sbin:/usr/bin:/sbin:/bin \
	strace -f -qq -e trace=execve,openat,open -e status=successful -o "$scratch/trace" \
	make -k -j"$(nproc)" OUTPUT="$src/.output" all format-check) >"$scratch/build.log" 2>&1
rc=$?
if [ "$rc" -ne 0 ]; then
	grep -m 5 -E 'error|Error|not found' "$scratch/build.log" | sed 's/^/    /'
	bad build "make -k all format-check of a clean clone failed (exit $rc)"
else
	echo "ok   deps/build (clean clone, make all format-check, $(($(date +%s) - started)) s under strace)"
	pass=$((pass + 1))
fi

tally "$("$PY" "$ROOT/tests/deps.py" declared "$src/scripts/install-deps.sh")"
tally "$("$PY" "$ROOT/tests/deps.py" trace "$src/scripts/install-deps.sh" default "$scratch/trace" "$scratch")"
mapfile -t depfiles < <(find "$src/.output" -maxdepth 1 -name '*.bpf.d')
tally "$("$PY" "$ROOT/tests/deps.py" bpf-headers "${depfiles[@]}")"
mapfile -t scripts < <(cd "$src" && git ls-files '*.sh' '*.py' | sed "s|^|$src/|")
tally "$(cd "$src" && "$PY" "$ROOT/tests/deps.py" commands "$src/scripts/install-deps.sh" "${scripts[@]}")"
summary
