#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# build-box.sh - build the Vagrant lab's Debian 12 box for the LXC provider on this machine and
# add it to Vagrant as "xlb/bookworm-lxc": a debootstrap root (minbase, from the machine's own
# apt mirror) with an init, sshd, a vagrant user with Vagrant's insecure key and passwordless
# sudo, and every package the lab runs (the containers have no route out, so nothing is
# installed at provisioning time), packed as a vagrant-lxc box (metadata.json, rootfs.tar.gz,
# lxc-config). Cached in $XLB_BOX_CACHE (default /var/cache/xlb): rebuilt only when this script
# or lxc-config changes (their hash names the box file). Prints the box file's path.
#
#   vagrant/lxc/build-box.sh
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
CACHE=${XLB_BOX_CACHE:-/var/cache/xlb}
BOX_NAME=xlb/bookworm-lxc
SUITE=bookworm

# What the lab's machines run, beyond minbase; one line per reason.
BOX_PACKAGES=(
	systemd-sysv systemd               # an init (lxc-start boots /sbin/init); systemctl, systemd-run in provision/*.sh
	openssh-server sudo                # Vagrant's communicator and its privilege escalation
	libnss-myhostname                  # `hostname -f` answers the container's name (Vagrant checks it)
	iproute2 ethtool iputils-ping procps # provision/*.sh: addresses, routes, offloads, sysctl
	python3 curl                       # scripts/lab-server.py, tests/e2e/load.py, lbctl by hand
	make                               # `make install` of the host's build (provision/lb.sh, backend.sh)
	libbpf1 libxdp1 libelf1 zlib1g     # xlbd, lbctl, xlb-decap: BPF loading and XDP attachment
	libyaml-0-2 libmicrohttpd12        # xlbd: configuration, control API
	libjansson4 libcurl4               # xlbd and lbctl: JSON; xlbd: HTTP health checks
)

die() {
	echo "build-box: $*" >&2
	exit 1
}

[ "$(id -u)" -eq 0 ] || die "run as root (debootstrap and the box's file ownership need it)"
command -v debootstrap >/dev/null || die "debootstrap missing: scripts/install-deps.sh vagrant"
command -v vagrant >/dev/null || die "vagrant missing: scripts/install-deps.sh vagrant"

# The machine's own Debian mirror: the first deb.debian.org-style URI of a bookworm source
# (deb822 .sources or one-line .list), since the machine reaches nothing else.
mirror() {
	local f uri
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		uri=$(awk '/^URIs:/ { print $2; exit }' "$f")
		[ -n "$uri" ] && ! grep -q security <<<"$uri" && { echo "$uri"; return; }
	done
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[ -f "$f" ] || continue
		uri=$(awk '$1 == "deb" && $0 ~ /bookworm/ && $0 !~ /security/ { print $2; exit }' "$f")
		[ -n "$uri" ] && { echo "$uri"; return; }
	done
	return 1
}
MIRROR=$(mirror) || die "no Debian mirror in /etc/apt/sources.list*"

hash=$(cat "$0" "$HERE/lxc-config" | sha256sum | cut -c1-12)
box=$CACHE/xlb-bookworm-lxc-$hash.box
if [ ! -f "$box" ]; then
	mkdir -p "$CACHE"
	work=$(mktemp -d "$CACHE/build.XXXXXX")
	trap 'rm -rf "$work"' EXIT
	root=$work/rootfs
	echo "build-box: debootstrap $SUITE from $MIRROR" >&2
	debootstrap --variant=minbase --include="$(
		IFS=,
		echo "${BOX_PACKAGES[*]}"
	)" "$SUITE" "$root" "$MIRROR" >"$work/debootstrap.log" 2>&1 ||
		{
			tail -n 20 "$work/debootstrap.log" >&2
			die "debootstrap failed (log above)"
		}

	# The vagrant user: Vagrant's insecure key (the lab's bridges are reachable from this
	# host only), sudo without a password.
	key=$(gem contents vagrant 2>/dev/null | grep '/keys/vagrant.pub$' || true)
	[ -n "$key" ] || key=$(find /usr/share/rubygems-integration -path '*/vagrant-*/keys/vagrant.pub' | head -n 1)
	[ -f "$key" ] || die "Vagrant's insecure public key (keys/vagrant.pub) not found"
	chroot "$root" useradd -m -s /bin/bash vagrant
	install -d -m 0700 -o 1000 -g 1000 "$root/home/vagrant/.ssh"
	install -m 0600 -o 1000 -g 1000 "$key" "$root/home/vagrant/.ssh/authorized_keys"
	echo 'vagrant ALL=(ALL) NOPASSWD: ALL' >"$root/etc/sudoers.d/vagrant"
	chmod 0440 "$root/etc/sudoers.d/vagrant"
	# sshd answers at once: no reverse DNS of the host's address (no resolver here).
	echo 'UseDNS no' >"$root/etc/ssh/sshd_config.d/xlb.conf"
	# LXC configures every interface before init: nothing in the box may touch them.
	echo "" >"$root/etc/hostname"
	rm -f "$root/etc/apt/sources.list"
	echo "deb $MIRROR $SUITE main" >"$root/etc/apt/sources.list"
	chroot "$root" apt-get clean

	tar --numeric-owner -czf "$work/rootfs.tar.gz" -C "$work" ./rootfs
	cp "$HERE/lxc-config" "$work/lxc-config"
	printf '{\n  "provider": "lxc",\n  "version": "1.0.0",\n  "built-on": "%s"\n}\n' \
		"$(date -u +%Y-%m-%dT%H:%M:%SZ)" >"$work/metadata.json"
	tar -cf "$work/box" -C "$work" metadata.json rootfs.tar.gz lxc-config
	rm -f "$CACHE"/xlb-bookworm-lxc-*.box
	mv "$work/box" "$box"
fi

# Vagrant's copy of the box: replaced when it is not this cached file's.
added=$(cat "$CACHE/added" 2>/dev/null || true)
if [ "$added" != "$box" ] || ! vagrant box list 2>/dev/null | grep -q "^$BOX_NAME .*lxc"; then
	vagrant box add -f --name "$BOX_NAME" --provider lxc "$box" >&2
	echo "$box" >"$CACHE/added"
fi
echo "$box"
