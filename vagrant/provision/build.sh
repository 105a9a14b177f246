#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# build.sh - build xlb in the VM from the synced repository, as on any Debian 12 machine: the
# packages with scripts/install-deps.sh, then make.
set -eu
. "$(dirname "$0")/lib.sh"

cd "$TOP"
scripts/install-deps.sh
make -j"$(nproc)"
