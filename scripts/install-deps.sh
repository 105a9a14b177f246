#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# install-deps.sh - install the Debian packages xlb's build, tests and benchmarks need, and
# only when one is missing (one apt-get update first). Idempotent; safe to run on every build.
# XLB_DEPS_SKIP: names of packages not to install, separated by spaces (the Vagrant lab's VMs
# skip vagrant itself).
#
#   scripts/install-deps.sh [bench|soak|vagrant]
#
# "bench" also installs what only `make bench` needs, "soak" what only `make soak` needs,
# "vagrant" what only `make vagrant-lab` needs (the Vagrant lab in LXC containers); the build
# and `make check` do without any of them.
# tests/deps.sh checks that these lists (and vagrant/lxc/build-box.sh's, for the lab's
# machines) hold every package the build, the tests and the scripts use.
set -euo pipefail

# One line per package, with why it is here.
PACKAGES=(
	make gcc pkg-config git     # the build
	clang llvm                  # BPF objects (clang -target bpf)
	libclang-rt-14-dev          # clang's ASan/UBSan and libFuzzer runtimes (libFuzzer harnesses in tests/fuzz)
	libbpf-dev libxdp-dev       # loading, skeletons, XDP attachment
	libelf-dev zlib1g-dev       # libbpf's own dependencies
	bpftool                     # skeleton generation, prog load checks
	xdp-tools                   # xdp-loader for operators and the lab
	libyaml-dev                 # xlbd.yaml parsing (user/common/config.c)
	libmicrohttpd-dev           # xlbd's HTTP control API on the Unix socket
	libjansson-dev              # JSON for the control API and lbctl
	libcurl4-openssl-dev        # HTTP(S) health checks (curl multi on the event loop)
	scdoc                       # man pages
	clang-format                # make format / format check
	shellcheck                  # make check lints every shell script (tests/run-layers.sh)
	iproute2 ethtool            # the namespace lab and live-frames benchmarks
	procps                      # sysctl in the lab, pgrep/pkill in the tests
	strace                      # the deps test layer traces a clean build (tests/deps.sh)
	python3 curl                # the lab's servers and clients, the tests' API calls
	python3-cryptography        # certificates of the https check test's TLS servers (tests/unit/checkservers.py)
	prometheus                  # promtool and a real server scraping /metrics in the tests
	bird2                       # BGP for the scale-out lab (tests/e2e/scale_out.sh); ~7 s to install
	tshark                      # reads packet captures back (tests/e2e/capture_tshark.sh); debconf preseeded below
	vagrant                     # `vagrant validate` of vagrant/Vagrantfile (no VM provider needed)
)

# Only for `make bench` (scripts/bench.sh).
BENCH_PACKAGES=(
	wrk                         # HTTP load through the VIP and straight to a backend
	gnuplot-nox                 # the plots of docs/benchmarks.md
)
# Only for `make soak` (scripts/soak-report.py).
SOAK_PACKAGES=(
	gnuplot-nox                 # the plot of docs/reliability.md ("Soak")
)
# Only for `make vagrant-lab` (tests/vagrant-lab.sh, vagrant/lxc/).
VAGRANT_PACKAGES=(
	lxc                         # the containers the lab's machines run in (lxc-create, lxc-start)
	vagrant-lxc                 # Vagrant's LXC provider
	debootstrap                 # the Debian 12 box, built locally (vagrant/lxc/build-box.sh)
)
case ${1:-} in
"") ;;
bench) PACKAGES+=("${BENCH_PACKAGES[@]}") ;;
soak) PACKAGES+=("${SOAK_PACKAGES[@]}") ;;
vagrant) PACKAGES+=("${VAGRANT_PACKAGES[@]}") ;;
*)
	echo "install-deps: unknown group \"$1\" (bench, soak or vagrant)" >&2
	exit 2
	;;
esac

missing=()
for p in "${PACKAGES[@]}"; do
	case " ${XLB_DEPS_SKIP:-} " in *" $p "*) continue ;; esac
	status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
	[ "$status" = installed ] || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
	exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: missing Debian packages: ${missing[*]}" >&2
	echo "install-deps: run as root (or: sudo apt-get install ${missing[*]})" >&2
	exit 1
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# tshark's wireshark-common asks whether non-root users may capture: no (dumpcap stays root's).
case " ${missing[*]} " in
*" tshark "*)
	echo 'wireshark-common wireshark-common/install-setuid boolean false' | debconf-set-selections
	;;
esac
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-deps: done"
