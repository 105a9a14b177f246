#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# run-layers.sh - run every test layer the machine allows and print one closing line,
# "N passed, N failed, N skipped", summed over all layers. A layer that cannot run here is
# counted as skipped with its reason, never as passed. Exit status: 0 when nothing failed.
set -u
OUTPUT=${OUTPUT:-.output}
total_pass=0 total_fail=0 total_skip=0
started=$(date +%s)

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
	shift
	out=$("$bin" "$@" 2>&1)
	printf '%s\n' "$out" | grep -vE '^ok  ' || true
	summary=$(printf '%s\n' "$out" | grep -E '^[a-z0-9/_-]+: [0-9]+ passed, [0-9]+ failed' | tail -n 1)
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

# Every program of every object must load with bpftool itself, not only through libbpf.
bpftool_load() {
	local dir=/sys/fs/bpf/xlb-check-$$ obj rc=0
	for obj in "$OUTPUT"/*.bpf.o; do
		case $obj in */bench.bpf.o) continue ;; esac
		bpftool prog loadall "$obj" "$dir" || rc=1
		[ -n "$(ls "$dir" 2>/dev/null)" ] || rc=1
		rm -rf "$dir"
	done
	return $rc
}

# docs/config.md's key tables must be what the schema generates (make config-doc writes them).
config_doc_check() {
	# shellcheck disable=SC2094 # both read docs/config.md; nothing writes it
	"$OUTPUT"/tools/config_doc <docs/config.md | diff -u docs/config.md -
}

# The generated documents must still hold their templates' text (scripts/doc-template-check.py):
# prose edited into one of the two alone is lost or missing at the next make bench or make soak.
doc_templates_check() {
	local rc=0 in
	for in in docs/*.md.in; do
		/usr/bin/python3 scripts/doc-template-check.py "$in" "${in%.in}" || rc=1
	done
	return $rc
}

# Every shell script of the tree, tracked or new (not ignored): named *.sh, starting with an sh
# or bash shebang, or naming its dialect in a "# shellcheck shell=" directive (sourced files,
# the bash completion).
shell_scripts() {
	local f
	git ls-files -co --exclude-standard | while IFS= read -r f; do
		[ -f "$f" ] || continue
		case $f in *.sh) echo "$f" && continue ;; esac
		head -n 3 "$f" | grep -qE '^#!(/usr)?/bin/(env )?(ba)?sh\b|^# shellcheck shell=' && echo "$f"
	done
}

# Lint every shell script with shellcheck (.shellcheckrc: follow sourced files); one line per
# finding, "FILE:LINE: SCxxxx message".
shellcheck_scripts() {
	local files
	mapfile -t files < <(shell_scripts)
	[ ${#files[@]} -gt 0 ] || { echo "no shell scripts found (not a git checkout?)" && return 1; }
	shellcheck -f gcc "${files[@]}" |
		sed -E 's/^([^:]+:[0-9]+):[0-9]+: [a-z]+: (.*) \[(SC[0-9]+)\]$/\1: \3 \2/' | uniq
	return "${PIPESTATUS[0]}"
}

echo "== build checks"
check_case config_doc_tables config_doc_check
check_case doc_templates doc_templates_check
# xlbd's modules include each other without a cycle and main.c is start-up only
# (docs/architecture.md, "Who may call whom").
check_case xlbd_module_graph /usr/bin/python3 scripts/module-graph-check.py user/xlbd
if command -v clang-format >/dev/null; then
	check_case clang_format make -s format-check
else
	skip_case build/clang_format "clang-format not installed"
fi
if command -v shellcheck >/dev/null; then
	check_case shellcheck shellcheck_scripts
else
	skip_case build/shellcheck "shellcheck not installed (scripts/install-deps.sh installs it)"
fi

# The known answers must be what the independent Python model prints today: a hash or Maglev
# change that also rewrote the vectors by hand would otherwise pass the unit tests.
check_case known_answers_regenerated /usr/bin/python3 tests/vectors/known_answers.py --check \
	tests/vectors/known_answers.h

echo "== deps"
# A clean clone of HEAD built under strace: every package used is declared (tests/deps.sh).
run_binary tests/deps.sh

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
	for bin in "$OUTPUT"/tests/bpf/test_*; do
		[ -x "$bin" ] && run_binary "$bin"
	done
fi

echo "== tool"
run_binary tests/decap_tool.sh

echo "== fuzz"
if [ "$(id -u)" -ne 0 ]; then
	skip_case fuzz/frames "needs root (CAP_BPF) for BPF_PROG_TEST_RUN"
	skip_case fuzz/decap "needs root (CAP_BPF) for BPF_PROG_TEST_RUN"
else
	# A fixed seed keeps make check reproducible; make fuzz-long runs more seeds and frames.
	run_binary "$OUTPUT/tests/fuzz/fuzz_frames" -n "${FUZZ_FRAMES:-200000}" -s 1
	run_binary "$OUTPUT/tests/fuzz/fuzz_decap" -n "${FUZZ_FRAMES:-200000}" -s 1
fi

# libFuzzer harnesses of the userspace parsers: a fixed number of runs from a fixed seed, new
# inputs kept in a scratch corpus so that the repository's seeds stay as they are.
for bin in "$OUTPUT"/tests/libfuzz/fuzz_*; do
	[ -x "$bin" ] || continue
	name=$(basename "$bin")
	name=${name#fuzz_}
	scratch=$(mktemp -d)
	if out=$("$bin" -runs="${LIBFUZZ_RUNS:-200000}" -seed=1 "$scratch" "tests/fuzz/corpus/$name" 2>&1); then
		echo "ok   fuzz/$name ($(grep -oE 'Done [0-9]+ runs in [0-9]+ second' <<<"$out"))"
		total_pass=$((total_pass + 1))
	else
		printf '%s\n' "$out" | tail -n 30
		echo "FAIL fuzz/$name"
		total_fail=$((total_fail + 1))
	fi
	rm -rf "$scratch"
done

echo "== vagrant"
run_binary tests/vagrant.sh

echo "== soak"
# Two minutes of load and faults in a lab of its own, seed 1 (make soak: SOAK_MINUTES, any
# seed, and the figures in docs/reliability.md); one result per invariant. It skips itself,
# with the reason, when the machine lacks what it needs.
run_binary tests/soak/soak.sh -m "${SOAK_CHECK_MINUTES:-2}" -s 1

echo "== e2e"
# Every tests/e2e/NAME.sh; each one skips itself, with the reason, when the machine lacks what
# it needs (not root, no python3...).
run_binary tests/e2e/run.sh

echo
wall=$(($(date +%s) - started))
echo "wall time of the test layers: $((wall / 60)) min $((wall % 60)) s"
echo "${total_pass} passed, ${total_fail} failed, ${total_skip} skipped"
[ "$total_fail" -eq 0 ]
