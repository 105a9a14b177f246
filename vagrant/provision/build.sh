#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# build.sh - build xlb in the VM from the synced repository, as on any Debian 12 machine: the
# packages with scripts/install-deps.sh, then make. With --prebuilt (the LXC provider, whose
# containers bind the host's tree read-only and have no route out): build nothing, only check
# that the host's build is complete and up to date, so that `make install` copies it as is.
#
#   build.sh [--prebuilt]
set -eu
. "$(dirname "$0")/lib.sh"

cd "$TOP"
case ${1:-} in
--prebuilt)
	make -q all 2>/dev/null || {
		echo "build: the host's build in $TOP is missing or stale: run make on the host" >&2
		exit 1
	}
	echo "build: using the host's build"
	;;
"")
	scripts/install-deps.sh
	make -j"$(nproc)"
	;;
*)
	echo "usage: build.sh [--prebuilt]" >&2
	exit 2
	;;
esac
