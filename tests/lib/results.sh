# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# results.sh - the result lines of the shell test layers (tests/e2e/*.sh, tests/vagrant.sh,
# tests/vagrant-lab.sh): "ok   LAYER/NAME", "FAIL LAYER/NAME: why", "skip LAYER/NAME: why", the
# closing "LAYER: N passed, N failed, N skipped" that tests/run-layers.sh sums, and the skip of a
# whole layer whose prerequisites are missing. Source it after setting LAYER.
pass=0 fail=0 skip=0

# Print the closing line and exit: 1 when a case failed, else 0.
summary() {
	echo "$LAYER: $pass passed, $fail failed, $skip skipped"
	exit $((fail > 0))
}

ok() { # NAME
	echo "ok   $LAYER/$1"
	pass=$((pass + 1))
}

bad() { # NAME WHY
	echo "FAIL $LAYER/$1: $2"
	fail=$((fail + 1))
}

skipped() { # NAME WHY
	echo "skip $LAYER/$1: $2"
	skip=$((skip + 1))
}

# The reason the first unmet NEED is missing, or nothing when all are met. A NEED is "root",
# "python3" (Debian's /usr/bin/python3: the first python3 on PATH may be another build) or a
# command, "COMMAND" or "COMMAND:PACKAGE" (the Debian package that has it, for the reason).
unmet() { # NEED...
	local need
	for need in "$@"; do
		case $need in
		root) [ "$(id -u)" -eq 0 ] || { echo "needs root (network namespaces, BPF)" && return; } ;;
		python3)
			[ -x /usr/bin/python3 ] ||
				{ echo "/usr/bin/python3 is missing (the lab's servers and clients)" && return; }
			;;
		*)
			command -v "${need%%:*}" >/dev/null ||
				{ echo "${need%%:*} is missing (Debian package ${need#*:}; make deps)" && return; }
			;;
		esac
	done
}

# Skip the whole layer ("skip LAYER: why", counted, then the closing line) unless every NEED is
# met; see unmet.
require() { # NEED...
	local why
	why=$(unmet "$@")
	[ -z "$why" ] && return
	echo "skip $LAYER: $why"
	skip=$((skip + 1))
	summary
}
