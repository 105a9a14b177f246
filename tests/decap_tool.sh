#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# decap_tool.sh - end-to-end check of the operator tool xlb-decap in a throwaway network
# namespace: attach to a veth, configure prefixes and VIPs, read them back, refuse bad input
# without changing anything, carry a real IP-in-IP frame to a UDP socket on the VIP, detach.
# Maps go to a private pin directory ($XLB_DECAP_PIN_DIR), never to a deployment's.
# Prints "ok   tool/NAME" / "FAIL tool/NAME" per case and ends with
# "tool/decap: N passed, N failed, N skipped" (summed by tests/run-layers.sh). Exit 0 when
# nothing failed. Needs root; skips (1 skipped) otherwise.
set -u

LAYER=tool
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUTPUT=${OUTPUT:-.output}
case $OUTPUT in
/*) ;;
*) OUTPUT=$ROOT/$OUTPUT ;;
esac
TOOL=$OUTPUT/xlb-decap
PY=/usr/bin/python3 # Debian's: the first python3 on PATH may be another build
pass=0 fail=0 skip=0

ok() {
	echo "ok   $LAYER/$1"
	pass=$((pass + 1))
}
bad() {
	echo "FAIL $LAYER/$1${2:+: $2}"
	fail=$((fail + 1))
}
skipped() {
	echo "skip $LAYER/$1: $2"
	skip=$((skip + 1))
}
summary() {
	echo "$LAYER/decap: $pass passed, $fail failed, $skip skipped"
	[ "$fail" -eq 0 ]
}

if [ "$(id -u)" -ne 0 ]; then
	skipped '*' "needs root (network namespaces, XDP, bpffs)"
	summary
	exit
fi
if ! mountpoint -q /sys/fs/bpf && ! mount -t bpf bpf /sys/fs/bpf 2>/dev/null; then
	skipped '*' "bpffs is not mounted at /sys/fs/bpf and cannot be mounted"
	summary
	exit
fi
if [ ! -x "$TOOL" ]; then
	bad build "$TOOL not built (run make)"
	summary
	exit
fi

NS=xlbdc-$$-$RANDOM
PIN_ROOT=/sys/fs/bpf/xlb-test-$NS
export XLB_DECAP_PIN_DIR=$PIN_ROOT/decap
TMP=$(mktemp -d)
LISTENER=

cleanup() {
	[ -n "$LISTENER" ] && kill "$LISTENER" 2>/dev/null
	if [ -e "/run/netns/$NS" ]; then
		nsenter --net="/run/netns/$NS" "$TOOL" detach dc0 >/dev/null 2>&1
		ip netns del "$NS" 2>/dev/null
	fi
	rm -rf "$PIN_ROOT" "$PIN_ROOT-foreign" "$TMP"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

# The tool must see the netns's interfaces and the host's bpffs: nsenter, not ip netns exec.
dc() {
	nsenter --net="/run/netns/$NS" "$TOOL" "$@"
}

# run NAME EXPECTED_RC CMD...: run CMD with stdout/stderr in $TMP/out and $TMP/err; a case
# fails here when the exit code differs. Returns 0 when it matched.
run() {
	local name=$1 want=$2 rc
	shift 2
	"$@" >"$TMP/out" 2>"$TMP/err"
	rc=$?
	if [ "$rc" -ne "$want" ]; then
		bad "$name" "exit $rc, expected $want: $(head -n 3 "$TMP/err" | tr '\n' ' ')"
		return 1
	fi
	return 0
}

# The configuration part of "status" (no counters: stray frames may move them).
config() {
	dc status 2>&1 | sed -n '/^gue port:/,/^reasons:/p'
}

# refused NAME RC MESSAGE ARGS...: the tool exits RC, prints MESSAGE (a whole line) on stderr,
# and the configuration is unchanged.
refused() {
	local name=$1 want=$2 msg=$3 before
	shift 3
	before=$(config)
	run "$name" "$want" dc "$@" || return
	if ! grep -qxF -- "$msg" "$TMP/err"; then
		bad "$name" "message '$(head -n 1 "$TMP/err")', expected '$msg'"
	elif [ "$(config)" != "$before" ]; then
		bad "$name" "configuration changed"
	else
		ok "$name"
	fi
}

# has_lines NAME LINE...: every LINE is a whole line of $TMP/out.
has_lines() {
	local name=$1 line
	shift
	for line in "$@"; do
		if ! grep -qxF -- "$line" "$TMP/out"; then
			bad "$name" "no line '$line'"
			return 1
		fi
	done
	ok "$name"
}

# counter REASON: the packets column of a reason in "status".
counter() {
	dc status 2>/dev/null | awk -v r="$1" '$1 == r { print $2 }'
}

ip netns add "$NS" || {
	bad netns "cannot create network namespace $NS"
	summary
	exit
}
if ! { ip -n "$NS" link add dc0 type veth peer name dc1 &&
	ip -n "$NS" link set lo up &&
	ip -n "$NS" link set dc0 up &&
	ip -n "$NS" link set dc1 up &&
	ip -n "$NS" addr add 10.1.0.11/24 dev dc0 &&
	ip -n "$NS" addr add 10.0.0.10/32 dev lo; }; then
	bad netns "cannot set up the veth pair in $NS"
	summary
	exit
fi
# The inner source (a client) is not routed in here: no reverse-path filtering on the backend.
ip netns exec "$NS" sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.dc0.rp_filter=0

# ---- before anything is set up

if run help 0 dc help; then
	if grep -q '^usage: xlb-decap' "$TMP/out" && grep -q 'allow add|del PREFIX' "$TMP/out"; then
		ok help
	else
		bad help "no usage text"
	fi
fi
if run status_not_set_up 1 dc status; then
	if grep -q "not set up: run 'xlb-decap attach IFACE' first" "$TMP/err"; then
		ok status_not_set_up
	else
		bad status_not_set_up "$(cat "$TMP/err")"
	fi
fi

# A pin directory owned by another user is refused before anything is created in it.
mkdir -m 0700 "$PIN_ROOT-foreign" && chown 65534 "$PIN_ROOT-foreign"
msg="xlb-decap: $PIN_ROOT-foreign/decap or a directory above it belongs to another user"
msg+=" or is writable by others: refusing to pin maps there"
XLB_DECAP_PIN_DIR=$PIN_ROOT-foreign/decap refused refuses_foreign_pin_dir 1 "$msg" \
	allow add 192.0.2.0/24
[ -z "$(ls -A "$PIN_ROOT-foreign")" ] ||
	bad refuses_foreign_pin_dir "created $(ls "$PIN_ROOT-foreign")"

# ---- attach

run attach_native 0 dc attach dc0 mode native && ok attach_native
files=$(find "$XLB_DECAP_PIN_DIR" -mindepth 1 -maxdepth 1 -printf '%f\n' 2>/dev/null |
	LC_ALL=C sort | tr '\n' ' ')
if [ "$files" = "xlb_capture xlb_capture_cpu xlb_capture_ring xlb_dc_config xlb_dc_src4 xlb_dc_src6 xlb_dc_stats xlb_dc_vips " ] &&
	[ "$(stat -c %a "$XLB_DECAP_PIN_DIR")" = 700 ] && [ "$(stat -c %a "$PIN_ROOT")" = 700 ]; then
	ok maps_pinned_0700
else
	bad maps_pinned_0700 "pinned: '$files'"
fi
link=$(ip -n "$NS" -d link show dc0)
if grep -q 'prog/xdp id' <<<"$link" && head -n 1 <<<"$link" | grep -qw xdp; then
	ok link_shows_native_xdp
else
	bad link_shows_native_xdp "$(head -n 1 <<<"$link")"
fi
refused attach_twice_refused 1 "xlb-decap: xlb_decap is already attached to dc0 (detach it first)" \
	attach dc0

# ---- configuration

run allow_add 0 dc allow add 192.0.2.0/24 &&
	run allow_add 0 dc allow add 198.51.100.9 &&
	run allow_add 0 dc allow add 2001:db8:ff::1/64 && ok allow_add
if grep -qxF "xlb-decap: note: '2001:db8:ff::1/64' has host bits set: using 2001:db8:ff::/64" \
	"$TMP/err"; then
	ok allow_host_bits_masked_with_note
else
	bad allow_host_bits_masked_with_note "$(cat "$TMP/err")"
fi
run allow_add_idempotent 0 dc allow add 192.0.2.0/24 && ok allow_add_idempotent
run vip_add 0 dc vip add 10.0.0.10 && run vip_add 0 dc vip add 2001:db8::10 && ok vip_add
run status_shows_config 0 dc status &&
	has_lines status_shows_config "attached: dc0 (native)" "gue port: 6080" "allowed sources: 3" \
		"  192.0.2.0/24" "  198.51.100.9/32" "  2001:db8:ff::/64" "local VIPs: 2" \
		"  10.0.0.10" "  2001:db8::10"

run gue_port_set 0 dc gue-port 5555 && has_lines gue_port_set "gue port: 5555"
run gue_port_kept_by_allow_add 0 dc allow add 192.0.2.0/24 && run gue_port_kept_by_allow_add 0 \
	dc gue-port && has_lines gue_port_kept_by_allow_add "gue port: 5555"
run gue_port_off 0 dc gue-port 0 &&
	has_lines gue_port_off "gue port: 0 (GUE tunnels not accepted)"
run gue_port_back 0 dc gue-port 6080 && has_lines gue_port_back "gue port: 6080"

# ---- bad input: refused, nothing changed

refused bad_prefix_length 2 "xlb-decap: bad prefix '10.0.0.0/33': prefix length must be 0..32" \
	allow add 10.0.0.0/33
refused bad_prefix_length6 2 \
	"xlb-decap: bad prefix '2001:db8::/129': prefix length must be 0..128" \
	allow add 2001:db8::/129
refused bad_prefix_address 2 "xlb-decap: bad prefix '10.0.0/24': not an IPv4 or IPv6 address" \
	allow add 10.0.0/24
refused bad_prefix_trailing 2 "xlb-decap: bad prefix '10.0.0.0/8x': prefix length must be 0..32" \
	allow add 10.0.0.0/8x
refused bad_vip 2 "xlb-decap: bad VIP '10.0.0.300': not an IPv4 or IPv6 address" \
	vip add 10.0.0.300
refused vip_is_not_a_prefix 2 "xlb-decap: bad VIP '10.0.0.11/32': not an IPv4 or IPv6 address" \
	vip add 10.0.0.11/32
refused bad_verb 2 "xlb-decap: unknown 'allow' verb 'put': must be add or del" \
	allow put 10.0.0.0/8
refused unknown_command 2 "xlb-decap: unknown command 'frobnicate' (try 'xlb-decap help')" \
	frobnicate
refused missing_argument 2 "usage: xlb-decap allow add|del PREFIX" allow add
refused bad_mode 2 "xlb-decap: bad mode 'turbo': must be native or generic" \
	attach dc0 mode turbo
refused no_such_interface 1 "xlb-decap: no interface 'nosuch0' here" attach nosuch0
refused del_missing_prefix 1 "xlb-decap: 203.0.113.0/24 is not an allowed prefix" \
	allow del 203.0.113.0/24
refused bad_gue_port 2 \
	"xlb-decap: bad GUE port '65536': must be a number 0..65535 (0: accept no GUE)" \
	gue-port 65536
refused bad_gue_port_sign 2 \
	"xlb-decap: bad GUE port '-1': must be a number 0..65535 (0: accept no GUE)" gue-port -1
refused bad_gue_port_trailing 2 \
	"xlb-decap: bad GUE port '80x': must be a number 0..65535 (0: accept no GUE)" gue-port 80x
refused gue_port_two_arguments 2 "usage: xlb-decap gue-port [PORT]" gue-port 1 2
refused del_missing_vip 1 "xlb-decap: 10.0.0.99 is not a configured VIP" vip del 10.0.0.99

# ---- real frames through the attached program

if [ ! -x "$PY" ]; then
	skipped real_tunnel_delivered "$PY not installed"
	skipped real_tunnel_bad_source_dropped "$PY not installed"
else
	cat >"$TMP/send.py" <<'EOF'
# send.py IFACE DST_MAC OUTER_SRC OUTER_DST INNER_SRC VIP PORT TEXT: one IPv4-in-IPv4 frame
# carrying a UDP datagram, as xlb_lb would send it, written to IFACE with a packet socket.
import socket, struct, sys

def csum(b):
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF

def ipv4(src, dst, proto, payload):
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), 0, 0x4000, 64, proto, 0,
                    socket.inet_aton(src), socket.inet_aton(dst))
    return h[:10] + struct.pack("!H", csum(h)) + h[12:] + payload

iface, dmac, osrc, odst, isrc, vip, port, text = sys.argv[1:]
data = text.encode()
udp = struct.pack("!HHHH", 40000, int(port), 8 + len(data), 0) + data  # checksum 0: none
frame = (bytes.fromhex(dmac.replace(":", "")) + bytes.fromhex("020000000002") + b"\x08\x00"
         + ipv4(osrc, odst, 4, ipv4(isrc, vip, 17, udp)))
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((iface, 0))
s.send(frame)
EOF
	cat >"$TMP/listen.py" <<'EOF'
# listen.py VIP PORT READY OUT: receive one UDP datagram on VIP:PORT, write "TEXT from SRC".
import socket, sys

vip, port, ready, out = sys.argv[1:]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((vip, int(port)))
open(ready, "w").close()
s.settimeout(10)
data, addr = s.recvfrom(2048)
with open(out, "w") as f:
    f.write("%s from %s\n" % (data.decode(), addr[0]))
EOF
	mac=$(ip -n "$NS" -br link show dc0 | awk '{ print $3 }')
	send() {
		ip netns exec "$NS" "$PY" "$TMP/send.py" dc1 "$mac" "$1" 10.1.0.11 203.0.113.7 \
			10.0.0.10 5353 "$2"
	}
	ip netns exec "$NS" "$PY" "$TMP/listen.py" 10.0.0.10 5353 "$TMP/ready" "$TMP/got" &
	LISTENER=$!
	for _ in $(seq 50); do
		[ -e "$TMP/ready" ] && break
		sleep 0.1
	done
	decap0=$(counter decap)
	# Polling, not sleeping: resend until the datagram is there (a frame may race link-up).
	for _ in $(seq 20); do
		send 192.0.2.77 xlb-decap-e2e
		[ -s "$TMP/got" ] && break
		sleep 0.25
	done
	if [ "$(cat "$TMP/got" 2>/dev/null)" = "xlb-decap-e2e from 203.0.113.7" ] &&
		[ "$(counter decap)" -gt "$decap0" ]; then
		ok real_tunnel_delivered
	else
		bad real_tunnel_delivered "socket got '$(cat "$TMP/got" 2>/dev/null)'," \
			"decap $decap0 -> $(counter decap)"
	fi
	wait "$LISTENER" 2>/dev/null
	LISTENER=
	drop0=$(counter drop_source)
	send 203.0.113.1 not-from-an-lb
	for _ in $(seq 20); do
		[ "$(counter drop_source)" -gt "$drop0" ] && break
		sleep 0.1
	done
	if [ "$(counter drop_source)" -gt "$drop0" ]; then
		ok real_tunnel_bad_source_dropped
	else
		bad real_tunnel_bad_source_dropped "drop_source stayed at $drop0"
	fi
fi

# ---- removal, detach, maps kept, reattach

run allow_del 0 dc allow del 198.51.100.9/32 && run vip_del 0 dc vip del 2001:db8::10 &&
	run allow_del 0 dc status &&
	if grep -qxF "  198.51.100.9/32" "$TMP/out" || grep -qxF "  2001:db8::10" "$TMP/out"; then
		bad allow_vip_del "still listed"
	else
		has_lines allow_vip_del "allowed sources: 2" "local VIPs: 1"
	fi

run detach 0 dc detach dc0 && ok detach
if ip -n "$NS" -d link show dc0 | grep -q 'prog/xdp'; then
	bad link_shows_no_xdp "$(ip -n "$NS" -d link show dc0 | grep prog/xdp)"
else
	ok link_shows_no_xdp
fi
run maps_survive_detach 0 dc status &&
	has_lines maps_survive_detach "attached: none" "  192.0.2.0/24" "  10.0.0.10"
refused detach_not_attached 1 "xlb-decap: xlb_decap is not attached to dc0" detach dc0

run reattach_generic 0 dc attach dc0 mode generic &&
	ip -n "$NS" link show dc0 | grep -qw xdpgeneric &&
	run reattach_generic 0 dc status &&
	has_lines reattach_generic "attached: dc0 (generic)" "  192.0.2.0/24" "  2001:db8:ff::/64" \
		"  10.0.0.10"
run detach_generic 0 dc detach dc0 && ok detach_generic

summary
