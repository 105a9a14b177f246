#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# run.sh - the e2e layer: runs the end-to-end tests named (tests/e2e/NAME.sh), or every one,
# one after the other, relays their lines, and ends with "e2e: N passed, N failed, N skipped"
# summed from each test's closing line (tests/run-layers.sh sums that one). A test that ends
# without its closing line counts as one failure. A test whose prerequisites are missing (root,
# python3, prometheus...) skips itself with the reason (require, tests/lib/results.sh): one
# "skip e2e/NAME: why" line, counted. An unknown NAME is an error that lists the names; then
# nothing runs. Exit status: 0 when nothing failed.
#
# Each test gets its own directory for sanitizer reports, XLB_SAN_DIR (tests/lib/e2e.sh points
# ASan, LeakSanitizer and UBSan there). Every report a test leaves is one more failure of that
# test, "FAIL e2e/NAME/sanitizer: PROGRAM (pid N): the report's summary line", followed by the
# report's first lines, whatever the test's own closing line says.
#
#   tests/e2e/run.sh [NAME...]       (make e2e T="NAME...")
#   tests/e2e/run.sh -l              list the names
set -u
DIR=$(cd "$(dirname "$0")" && pwd)

# Every test's name: the executable tests/e2e/*.sh but this runner.
names() {
	local t
	for t in "$DIR"/*.sh; do
		[ -x "$t" ] && [ "$t" != "$DIR/run.sh" ] && basename "$t" .sh
	done
}

mapfile -t all < <(names)
if [ "${1:-}" = -l ]; then
	printf '%s\n' "${all[@]}"
	exit 0
fi
if [ $# -eq 0 ]; then
	set -- "${all[@]}"
fi
for name in "$@"; do
	case " ${all[*]} " in
	*" $name "*) ;;
	*)
		echo "e2e/run.sh: no e2e test named \"$name\"; the tests are: ${all[*]}" >&2
		exit 2
		;;
	esac
done

# Print one FAIL line per sanitizer report under DIR (files "report.PROGRAM.PID", as
# log_exe_name names them): its summary and the first stack frame outside the sanitizer's
# runtime (where the leaked memory was allocated, or where the error happened), then the
# report's first lines. The number of reports is the status.
san_reports() { # NAME DIR
	local f exe pid sum at n=0
	for f in "$2"/report.*; do
		[ -f "$f" ] || continue
		pid=${f##*.}
		exe=${f%.*}
		exe=${exe##*/report.}
		sum=$(grep -m1 -E '^SUMMARY: |runtime error:' "$f" || head -n 1 "$f")
		at=$(grep -E '^ +#[0-9]+ 0x[0-9a-f]+ in ' "$f" | grep -v -m1 -E 'libsanitizer|__interceptor' |
			sed -E 's/^ +#[0-9]+ 0x[0-9a-f]+ in //')
		echo "FAIL e2e/$1/sanitizer: $exe (pid $pid): ${sum#SUMMARY: }${at:+ (at $at)}"
		sed -n '1,40s/^/    /p' "$f"
		n=$((n + 1))
	done
	return "$n"
}

pass=0 fail=0 skip=0
log=$(mktemp)
san=
trap 'rm -rf "$log" "$san"' EXIT
for name in "$@"; do
	# Writable by all (sticky): the tests also run lbctl as user nobody.
	san=$(mktemp -d /tmp/xlb-san.XXXXXX) && chmod 1777 "$san"
	XLB_SAN_DIR=$san "$DIR/$name.sh" 2>&1 | tee "$log"
	san_reports "$name" "$san"
	sanfail=$?
	rm -rf "$san"
	san=
	fail=$((fail + sanfail))
	line=$(grep -E "^e2e/$name: [0-9]+ passed, [0-9]+ failed, [0-9]+ skipped$" "$log" |
		tail -n 1)
	if [ -z "$line" ]; then
		echo "FAIL e2e/$name: ended without its closing line (output above)"
		fail=$((fail + 1))
		continue
	fi
	read -r _ p _ f _ s _ <<<"$line"
	pass=$((pass + p)) fail=$((fail + f)) skip=$((skip + s))
done
echo "e2e: $pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
