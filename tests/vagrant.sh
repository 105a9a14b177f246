#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# vagrant.sh - what can be checked of the Vagrant lab (vagrant/) without a VM: the scripts
# parse, the LB's configuration as the Vagrantfile renders it passes xlbd --check, the
# Vagrantfile's addresses agree with that configuration and with the lab's plan, and
# `vagrant validate --ignore-provider` accepts the Vagrantfile (default and largest sizes) and
# refuses a bad size, and plain `vagrant validate` its LXC layout where vagrant-lxc is
# installed. Prints "ok   vagrant/NAME" / "FAIL vagrant/NAME: why" /
# "skip vagrant/NAME: why" and ends with "vagrant: N passed, N failed, N skipped" (summed by
# tests/run-layers.sh). Needs no root; the cases that need ruby or vagrant skip without them.
set -u

LAYER=vagrant
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUTPUT=${OUTPUT:-.output}
case $OUTPUT in
/*) ;;
*) OUTPUT=$ROOT/$OUTPUT ;;
esac
. "$ROOT/tests/lib/results.sh"
. "$ROOT/vagrant/provision/lib.sh" # twin6, the VIPs: the provisioning scripts' own rules

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
cd "$ROOT/vagrant" || exit 1

# 1. Every script the Vagrant lab runs parses.
errs=""
for f in provision/*.sh lxc/*.sh demo.sh ../scripts/xlbd-conf.sh ../tests/vagrant-lab.sh; do
	bash -n "$f" 2>>"$TMP/syntax" || errs="$errs $f"
done
if [ -z "$errs" ]; then
	ok scripts_parse
else
	bad scripts_parse "bash -n:$errs: $(head -c 300 "$TMP/syntax")"
fi

# 2. The Vagrantfile's plan: its NODES table, loaded with Vagrant.configure as a no-op; per
# node its addresses and its role script with arguments ("NAME IP,IP,... SCRIPT ARGS...").
if command -v ruby >/dev/null; then
	ruby -e 'module Vagrant; def self.configure(*) end; end
		load ARGV[0]
		NODES.each { |n, v| puts "#{n} #{v[:ips].join(",")} #{v[:role]}" }' Vagrantfile \
		>"$TMP/plan" 2>"$TMP/plan.err" || bad plan "$(head -c 300 "$TMP/plan.err")"
else
	skipped plan "ruby not installed (comes with vagrant)"
fi

# 3. The LB's configuration, rendered as lb.sh renders it (with the plan's arguments when
# there is a plan, else the Vagrantfile's defaults), passes xlbd --check.
lb_args="2 100,100,200 native"
[ -s "$TMP/plan" ] && lb_args=$(awk '$1 == "lb" { $1 = $2 = $3 = ""; print }' "$TMP/plan")
read -r nbackends weights mode <<<"$lb_args"
if [ ! -x "$OUTPUT/xlbd" ]; then
	bad config_check "$OUTPUT/xlbd not built (run make)"
elif ! ../scripts/xlbd-conf.sh -b "$nbackends" -w "$weights" -i eth1 -m "$mode" >"$TMP/xlbd.yaml"; then
	bad config_check "scripts/xlbd-conf.sh -b $nbackends -w $weights -i eth1 -m $mode failed"
elif out=$("$OUTPUT/xlbd" --check "$TMP/xlbd.yaml" 2>&1); then
	ok config_check
else
	bad config_check "$out"
fi

# 4. The plan agrees with the configuration and the lab's addressing: the LB's address is the
# tunnel source (and its twin the IPv6 one), the backend VMs are the configuration's backends
# in order (v4 and v6), the router holds .1 of every other node's network, each role script
# exists.
if [ -s "$TMP/plan" ] && [ -s "$TMP/xlbd.yaml" ]; then
	why=""
	lb=$(awk '$1 == "lb" { print $2 }' "$TMP/plan")
	grep -qx "tunnel_source: $lb" "$TMP/xlbd.yaml" || why="$why; tunnel_source is not $lb"
	grep -qx "tunnel_source_v6: $(twin6 "$lb")" "$TMP/xlbd.yaml" ||
		why="$why; tunnel_source_v6 is not $(twin6 "$lb")"
	want4="" want6=""
	while read -r ip; do
		want4="$want4 $ip"
		want6="$want6 $(twin6 "$ip")"
	done < <(awk '$1 ~ /^backend[0-9]+$/ { print $2 }' "$TMP/plan")
	# One line per service: its backends' addresses, in order.
	got=$(awk '/^  - name:/ { if (s != "") print s; s = "" }
		/address:/ { a = $4; gsub(/[",]/, "", a); s = s " " a }
		END { print s }' "$TMP/xlbd.yaml")
	exp=$(printf '%s\n%s\n%s\n%s' "$want4" "$want4" "$want6" "$want6")
	[ "$got" = "$exp" ] || why="$why; backends in the config: [$(tr "\n" "|" <<<"$got")], VMs: [$want4 /$want6 ]"
	[ "$(grep -c '^backend' "$TMP/plan")" -eq "$nbackends" ] || why="$why; not $nbackends backend VMs"
	router=$(awk '$1 == "router" { print $2 }' "$TMP/plan" | tr , ' ')
	for ip in $(awk '$1 != "router" { print $2 }' "$TMP/plan" | tr , ' '); do
		case " $router " in *" ${ip%.*}.1 "*) ;; *) why="$why; router lacks ${ip%.*}.1" ;; esac
	done
	while read -r s; do
		[ -x "provision/$s" ] || why="$why; provision/$s is not an executable file"
	done < <(awk '{ print $3 }' "$TMP/plan")
	if [ -z "$why" ]; then ok addresses_agree; else bad addresses_agree "${why#; }"; fi
else
	skipped addresses_agree "no plan (ruby) or no rendered configuration"
fi

# 5. vagrant validate, for the default and the largest lab; a bad size is refused. Provider
# options are ignored: no provider here. The machine state goes to a scratch directory.
if command -v vagrant >/dev/null; then
	export VAGRANT_CHECKPOINT_DISABLE=1 VAGRANT_DOTFILE_PATH=$TMP/dot
	for env in "XLB_BACKENDS=2" "XLB_BACKENDS=5 XLB_XDP_MODE=generic"; do
		name=validate_${env:13:1}_backends
		read -ra vars <<<"$env"
		if out=$(env "${vars[@]}" vagrant validate --ignore-provider 2>&1) &&
			grep -q "validated successfully" <<<"$out"; then
			ok "$name"
		else
			bad "$name" "$(tail -n 5 <<<"$out")"
		fi
	done
	if out=$(XLB_BACKENDS=6 vagrant validate --ignore-provider 2>&1); then
		bad refuses_6_backends "vagrant validate accepted XLB_BACKENDS=6"
	elif grep -q "XLB_BACKENDS must be 2..5" <<<"$out"; then
		ok refuses_6_backends
	else
		bad refuses_6_backends "$(tail -n 3 <<<"$out")"
	fi
	# The LXC layout (lxc.net.N instead of private networks, the host's build bound in) is
	# validated with its provider's own checks, which need the plugin.
	if ! vagrant plugin list 2>/dev/null | grep -q '^vagrant-lxc'; then
		skipped validate_lxc "vagrant-lxc not installed (scripts/install-deps.sh vagrant)"
	elif out=$(VAGRANT_DEFAULT_PROVIDER=lxc vagrant validate 2>&1) &&
		grep -q "validated successfully" <<<"$out"; then
		ok validate_lxc
	else
		bad validate_lxc "$(tail -n 5 <<<"$out")"
	fi
else
	skipped validate "vagrant not installed (scripts/install-deps.sh installs it)"
fi

summary
