#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# run-layers.sh - run every test layer the machine allows and print one closing line,
# "N passed, N failed, N skipped", summed over all layers. A layer that cannot run here is
# counted as skipped with its reason, never as passed. Exit status: 0 when nothing failed.
set -u
OUTPUT=${OUTPUT:-.output}
total_pass=0 total_fail=0 total_skip=0

# Add the counts of one "layer: N passed, N failed, N skipped" line.
add_counts() {
	local line=$1 p f s
	p=$(sed -nE 's/.* ([0-9]+) passed.*/\1/p' <<<"$line")
	f=$(sed -nE 's/.* ([0-9]+) failed.*/\1/p' <<<"$line")
	s=$(sed -nE 's/.* ([0-9]+) skipped.*/\1/p' <<<"$line")
	total_pass=$((total_pass + ${p:-0}))
	total_fail=$((total_fail + ${f:-0}))
	total_skip=$((total_skip + ${s:-0}))
}

# Run one test binary; a binary that dies without its summary line counts as one failure.
run_binary() {
	local bin=$1 out summary
	out=$("$bin" 2>&1)
	printf '%s\n' "$out" | grep -vE '^ok  ' || true
	summary=$(printf '%s\n' "$out" | grep -E '^[a-z/_-]+: [0-9]+ passed, [0-9]+ failed' | tail -n 1)
	if [ -z "$summary" ]; then
		echo "FAIL $bin: ended without a summary line (crash or sanitizer report above)"
		total_fail=$((total_fail + 1))
		return
	fi
	add_counts "$summary"
}

# Shell-level checks, each one case of the "build" layer.
check_case() {
	local name=$1
	shift
	if out=$("$@" 2>&1); then
		echo "ok   build/$name"
		total_pass=$((total_pass + 1))
	else
		printf '%s\n' "$out" | tail -n 20
		echo "FAIL build/$name"
		total_fail=$((total_fail + 1))
	fi
}

skip_case() {
	echo "skip $1: $2"
	total_skip=$((total_skip + 1))
}

bpftool_load() {
	local dir=/sys/fs/bpf/xlb-check-$$ rc
	bpftool prog loadall "$OUTPUT/xlb.bpf.o" "$dir" && [ -e "$dir/xlb_lb" ]
	rc=$?
	rm -rf "$dir"
	return $rc
}

echo "== build checks"
if command -v clang-format >/dev/null; then
	check_case clang_format make -s format-check
else
	skip_case build/clang_format "clang-format not installed"
fi

echo "== unit"
for bin in "$OUTPUT"/tests/unit/test_*; do
	[ -x "$bin" ] && run_binary "$bin"
done

echo "== bpf"
if [ "$(id -u)" -ne 0 ]; then
	skip_case bpf/* "needs root (CAP_BPF) for BPF_PROG_TEST_RUN"
elif ! mountpoint -q /sys/fs/bpf && ! mount -t bpf bpf /sys/fs/bpf 2>/dev/null; then
	skip_case bpf/* "bpffs is not mounted at /sys/fs/bpf and cannot be mounted"
else
	check_case bpftool_prog_load bpftool_load
	run_binary "$OUTPUT/tests/bpf/test_xlb"
fi

echo
echo "${total_pass} passed, ${total_fail} failed, ${total_skip} skipped"
[ "$total_fail" -eq 0 ]
