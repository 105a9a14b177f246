// SPDX-License-Identifier: GPL-2.0
/* test_xlb.c - BPF fixtures for xlb_lb: the real object, loaded but not attached, fed frames
 * through BPF_PROG_TEST_RUN. Each fixture checks the verdict, the exact output bytes and the
 * counter deltas (exactly one reason, service and backend counters). Needs root (CAP_BPF). */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>

#include "frame.h"
#include "lbenv.h"
#include "stdenv.h"
#include "maglev.h"
#include "xlb_conn.h"
#include "xlb_hash.h"
#include "xt.h"

/* The TCP4()/UDP4()... shorthands set defaults that a fixture overrides (payload, ...). */
#pragma GCC diagnostic ignored "-Woverride-init"

static struct lbenv env;
static const char *const REASON_NAMES[] = {
#define XLB_REASON_NAME(id, name, action, help) name,
	XLB_REASONS(XLB_REASON_NAME)
#undef XLB_REASON_NAME
};

static int setup_standard(void)
{
	return stdenv_setup(&env);
}

/* MAC of every L2 (direct-routing) backend in these tests. */
static const uint8_t MAC_BE[6] = { 0x02, 0xbe, 0x00, 0x00, 0x00, 0x51 };

/* Expected output of s sent to backend b (address be_addr) in b's mode with config c. */
static size_t expect_encap(uint8_t *out, const uint8_t *in, size_t len,
			   const struct frame_spec *flow, const struct frame_spec *s,
			   const char *be_addr, const struct xlb_backend *b,
			   const struct xlb_config *c)
{
	uint32_t dst[4], src[4];
	int fam = addr_parse(be_addr, dst);
	uint32_t hash = stdenv_conn_hash(flow, c->hash_seed);

	if (b->encap == XLB_ENCAP_L2)
		return frame_expect_l2(out, in, len, b->mac);
	if (fam == 4) {
		uint32_t mask = c->rss_bits_v4 ? (1U << c->rss_bits_v4) - 1 : 0;

		src[0] = htonl((ntohl(c->src_v4) & ~mask) | (hash & mask));
	} else {
		uint32_t mask = c->rss_bits_v6 >= 32 ? 0xffffffff
				: c->rss_bits_v6     ? (1U << c->rss_bits_v6) - 1
						     : 0;

		memcpy(src, c->src_v6, 16);
		src[3] = htonl((ntohl(c->src_v6[3]) & ~mask) | (hash & mask));
	}
	if (b->encap == XLB_ENCAP_GUE)
		/* docs/datapath.md: source port 32768 | the hash's top 15 bits. */
		return frame_expect_gue(out, in, len, s, fam, src, dst, hash,
					(uint16_t)(0x8000 | (hash >> 17)), ntohs(c->gue_port));
	return frame_expect_encap(out, in, len, s, fam, src, dst, hash);
}

/* One run with full checks: the verdict, exactly one reason counted, the service and backend
 * counters, and the output bytes (unchanged for PASS, the expected tunnel frame for TX). */
struct expect {
	int action;
	int reason;
	uint32_t svc; /* service id whose counter must rise, 0 = none may */
	uint32_t be; /* backend id for TX */
	const struct xlb_config *cfg; /* for the expected outer header; NULL = standard */
	uint32_t too_big_mtu; /* TX of an ICMP too-big reply reporting this MTU */
	bool echo; /* TX of an echo reply */
	const struct frame_spec *flow; /* the flow whose hash the tunnel uses; NULL = s */
	uint8_t encap; /* fixtures: the mode (enum xlb_encap) the flow's backend is set to first;
			* the expected frame follows the mode in the backend's entry */
};

/* The echo reply to request s: addresses swapped, type changed, MACs swapped. */
static size_t expect_echo(uint8_t *out, const struct frame_spec *s)
{
	struct frame_spec r = *s;
	size_t len;

	r.src = s->dst;
	r.dst = s->src;
	r.icmp_type = s->family == 4 ? 0 : 129;
	len = frame_build(out, &r);
	memcpy(out, MAC_ROUTER, 6);
	memcpy(out + 6, MAC_LB, 6);
	return len;
}

static int run_expect(const uint8_t *in, size_t len, const struct frame_spec *s,
		      const struct expect *x)
{
	uint64_t before[XLB_R_MAX], after[XLB_R_MAX];
	uint8_t out[FRAME_MAX], want[FRAME_MAX];
	uint64_t svc0 = 0, be0 = 0, beb0 = 0;
	struct xlb_config c = x->cfg ? *x->cfg : stdenv_config();
	size_t out_len;
	int action;

	XT_EQ(lbenv_reasons(&env, before), 0);
	if (x->svc)
		svc0 = lbenv_svc_pkts(&env, x->svc);
	if (x->be) {
		be0 = lbenv_be_pkts(&env, x->be);
		beb0 = lbenv_be_bytes(&env, x->be);
	}
	XT_EQ(lbenv_run(&env, in, len, out, &out_len, &action), 0);
	XT_CHECK(action == x->action, "action %d, expected %d", action, x->action);
	XT_EQ(lbenv_reasons(&env, after), 0);
	for (int r = 0; r < XLB_R_MAX; r++) {
		uint64_t d = after[r] - before[r];

		XT_CHECK(d == (r == x->reason), "reason %s moved by %llu (expected %s)",
			 REASON_NAMES[r], (unsigned long long)d, REASON_NAMES[x->reason]);
	}
	if (x->svc)
		XT_EQ(lbenv_svc_pkts(&env, x->svc) - svc0, 1);
	if (x->action == XDP_PASS)
		XT_CHECK(frame_equal(out, out_len, in, len), "PASS must leave the frame "
							     "untouched");
	if (x->action == XDP_TX && x->too_big_mtu) {
		size_t want_len = frame_expect_too_big(want, in, s, x->too_big_mtu);

		XT_CHECK(frame_equal(out, out_len, want, want_len), "too-big reply differs");
	} else if (x->action == XDP_TX && x->echo) {
		size_t want_len = expect_echo(want, s);

		XT_CHECK(frame_equal(out, out_len, want, want_len), "echo reply differs");
	} else if (x->action == XDP_TX) {
		const char *addr = stdenv_backend_addr(x->be);
		struct xlb_backend b;
		size_t want_len;

		XT_CHECK(addr != NULL, "test bug: backend %u unknown", x->be);
		XT_EQ(bpf_map_lookup_elem(env.be_fd, &x->be, &b), 0);
		XT_EQ(lbenv_be_pkts(&env, x->be) - be0, 1);
		XT_EQ(lbenv_be_bytes(&env, x->be) - beb0, len);
		want_len = expect_encap(want, in, len, x->flow ? x->flow : s, s, addr, &b, &c);
		XT_CHECK(frame_equal(out, out_len, want, want_len), "tunnel frame differs");
	}
	return XT_PASS;
}

/* ---- table-driven fixtures ------------------------------------------------------------- */

typedef void (*mutate_fn)(uint8_t *buf, size_t *len, const struct frame_spec *s);

struct fixture {
	const char *name;
	struct frame_spec s;
	mutate_fn mutate;
	struct expect x;
};

#define C4 "198.51.100.7"
#define C6 "2001:db8:c::7"
#define TCP4(vip, port)                                                                          \
	.family = 4, .src = C4, .dst = vip, .sport = 40000, .dport = port, .proto = IPPROTO_TCP, \
	.payload = 32
#define UDP4(vip, port)                                                                          \
	.family = 4, .src = C4, .dst = vip, .sport = 40001, .dport = port, .proto = IPPROTO_UDP, \
	.payload = 24
#define TCP6(vip, port)                                                                          \
	.family = 6, .src = C6, .dst = vip, .sport = 40002, .dport = port, .proto = IPPROTO_TCP, \
	.payload = 32
#define UDP6(vip, port)                                                                          \
	.family = 6, .src = C6, .dst = vip, .sport = 40003, .dport = port, .proto = IPPROTO_UDP, \
	.payload = 24
#define TX(reason_, svc_, be_)                                              \
	{                                                                   \
		.action = XDP_TX, .reason = reason_, .svc = svc_, .be = be_ \
	}
#define PASS(reason_)                                 \
	{                                             \
		.action = XDP_PASS, .reason = reason_ \
	}
#define DROP(reason_, svc_)                                        \
	{                                                          \
		.action = XDP_DROP, .reason = reason_, .svc = svc_ \
	}
#define TXM(reason_, svc_, be_, mode_)                                       \
	{                                                                    \
		.action = XDP_TX, .reason = reason_, .svc = svc_, .be = be_, \
		.encap = XLB_ENCAP_##mode_                                   \
	}
#define TOO_BIG_M(svc_, mtu_, mode_)                                            \
	{                                                                       \
		.action = XDP_TX, .reason = XLB_R_TX_ICMP_TOO_BIG, .svc = svc_, \
		.too_big_mtu = mtu_, .encap = XLB_ENCAP_##mode_                 \
	}
#define NEW XLB_R_TX_NEW_FLOW
#define TOO_BIG(svc_, mtu_)                                                     \
	{                                                                       \
		.action = XDP_TX, .reason = XLB_R_TX_ICMP_TOO_BIG, .svc = svc_, \
		.too_big_mtu = mtu_                                             \
	}
#define ECHO                                                                 \
	{                                                                    \
		.action = XDP_TX, .reason = XLB_R_TX_ICMP_ECHO, .echo = true \
	}
#define V4_FLOW_FROM_VIP                                                         \
	.family = 4, .src = "10.0.0.10", .dst = C4, .sport = 80, .dport = 40000, \
	.proto = IPPROTO_TCP
#define V6_FLOW_FROM_VIP                                                            \
	.family = 6, .src = "2001:db8::10", .dst = C6, .sport = 80, .dport = 40002, \
	.proto = IPPROTO_TCP
#define ROUTER4 "203.0.113.1"
#define ROUTER6 "2001:db8:99::1"

/* The packets a VIP sent, as ICMP errors quote them. */
static const struct frame_spec FROM_VIP4 = { V4_FLOW_FROM_VIP, .payload = 100 };
static const struct frame_spec FROM_VIP6 = { V6_FLOW_FROM_VIP, .payload = 100 };
static const struct frame_spec FROM_VIP4_UDP99 = { .family = 4,
						   .src = "10.0.0.10",
						   .dst = C4,
						   .sport = 99,
						   .dport = 40001,
						   .proto = IPPROTO_UDP,
						   .payload = 10 };
static const struct frame_spec FROM_OTHER4 = {
	.family = 4, .src = "10.0.0.99", .dst = C4, .sport = 80, .dport = 40000, .proto = IPPROTO_TCP
};
static const struct frame_spec FROM_VIP4_ICMP = {
	.family = 4, .src = "10.0.0.10", .dst = C4, .proto = IPPROTO_ICMP, .payload = 8
};
/* The client flows those packets belong to, whose hash the tunnel must use. */
static const struct frame_spec FLOW4 = { TCP4("10.0.0.10", 80) };
static const struct frame_spec FLOW6 = { TCP6("2001:db8::10", 80) };
#define ICMP4_ERR(type_, code_, rest_, quote_, qlen_)                                \
	.family = 4, .src = ROUTER4, .dst = "10.0.0.10", .proto = IPPROTO_ICMP,      \
	.icmp_type = type_, .icmp_code = code_, .icmp_rest = rest_, .quote = quote_, \
	.quote_len = qlen_
#define ICMP6_ERR(type_, code_, rest_, quote_, qlen_)                                \
	.family = 6, .src = ROUTER6, .dst = "2001:db8::10", .proto = IPPROTO_ICMPV6, \
	.icmp_type = type_, .icmp_code = code_, .icmp_rest = rest_, .quote = quote_, \
	.quote_len = qlen_

static size_t l4_off(const struct frame_spec *s)
{
	return frame_l3_off(s) + (s->family == 4 ? 20 + (size_t)s->ip_opts : 40);
}

static void set_ihl4(uint8_t *b, size_t *len, const struct frame_spec *s)
{
	(void)len;
	b[frame_l3_off(s)] = 0x44;
}

static void set_version5(uint8_t *b, size_t *len, const struct frame_spec *s)
{
	(void)len;
	b[frame_l3_off(s)] = (uint8_t)(0x50 | (b[frame_l3_off(s)] & 0x0f));
}

static void tot_len_plus1(uint8_t *b, size_t *len, const struct frame_spec *s)
{
	uint8_t *p = b + frame_l3_off(s) + (s->family == 4 ? 2 : 4);
	uint16_t v = (uint16_t)((p[0] << 8 | p[1]) + 1);

	(void)len;
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static void tot_len_19(uint8_t *b, size_t *len, const struct frame_spec *s)
{
	(void)len;
	b[frame_l3_off(s) + 2] = 0;
	b[frame_l3_off(s) + 3] = 19;
}

/* tot_len says the TCP header is 10 bytes long: ports readable, header not complete. */
static void tot_len_cuts_tcp(uint8_t *b, size_t *len, const struct frame_spec *s)
{
	size_t ip_hl = s->family == 4 ? 20 : 40;

	if (s->family == 4) {
		b[frame_l3_off(s) + 2] = 0;
		b[frame_l3_off(s) + 3] = (uint8_t)(ip_hl + 10);
	} else {
		b[frame_l3_off(s) + 4] = 0;
		b[frame_l3_off(s) + 5] = 10;
	}
	*len = frame_l3_off(s) + ip_hl + 10;
}

/* tot_len leaves only the two port words of the L4 header. */
static void tot_len_ports_only(uint8_t *b, size_t *len, const struct frame_spec *s)
{
	b[frame_l3_off(s) + 2] = 0;
	b[frame_l3_off(s) + 3] = 24;
	*len = frame_l3_off(s) + 24;
}

static void doff4(uint8_t *b, size_t *len, const struct frame_spec *s)
{
	(void)len;
	b[l4_off(s) + 12] = 4 << 4;
}

static void doff15(uint8_t *b, size_t *len, const struct frame_spec *s)
{
	(void)len;
	b[l4_off(s) + 12] = 15 << 4;
}

static void udp_len_big(uint8_t *b, size_t *len, const struct frame_spec *s)
{
	(void)len;
	b[l4_off(s) + 4] = 0x05;
	b[l4_off(s) + 5] = 0xdc;
}

static void udp_len_7(uint8_t *b, size_t *len, const struct frame_spec *s)
{
	(void)len;
	b[l4_off(s) + 4] = 0;
	b[l4_off(s) + 5] = 7;
}

static void arp(uint8_t *b, size_t *len, const struct frame_spec *s)
{
	(void)s;
	b[12] = 0x08;
	b[13] = 0x06;
	*len = 60;
}

static void lldp(uint8_t *b, size_t *len, const struct frame_spec *s)
{
	(void)s;
	b[12] = 0x88;
	b[13] = 0xcc;
	*len = 60;
}

static void eth_only(uint8_t *b, size_t *len, const struct frame_spec *s)
{
	(void)b;
	*len = frame_l3_off(s);
}

static void vlan_cut(uint8_t *b, size_t *len, const struct frame_spec *s)
{
	(void)b;
	(void)s;
	*len = 16; /* a TPID that announces a tag, then two bytes of it */
}

/* IP length ends inside the ICMP header. */
static void icmp_cut_header(uint8_t *b, size_t *len, const struct frame_spec *s)
{
	b[frame_l3_off(s) + 2] = 0;
	b[frame_l3_off(s) + 3] = 24;
	*len = frame_l3_off(s) + 24;
}

/* The first extension header claims more length than the packet has. */
static void ext_len_past_end(uint8_t *b, size_t *len, const struct frame_spec *s)
{
	(void)len;
	b[frame_l3_off(s) + 41] = 200;
}

static void dst_mac_broadcast(uint8_t *b, size_t *len, const struct frame_spec *s)
{
	(void)len;
	(void)s;
	memset(b, 0xff, 6);
}

static void dst_mac_ipv6_multicast(uint8_t *b, size_t *len, const struct frame_spec *s)
{
	static const uint8_t mc[6] = { 0x33, 0x33, 0x00, 0x00, 0x00, 0x10 };

	(void)len;
	(void)s;
	memcpy(b, mc, 6);
}

/* IPv6 payload length 0xffff: with the header it does not fit 16 bits. */
static void ipv6_payload_len_max(uint8_t *b, size_t *len, const struct frame_spec *s)
{
	(void)len;
	b[frame_l3_off(s) + 4] = 0xff;
	b[frame_l3_off(s) + 5] = 0xff;
}

/* A packet from the VIP that was a later fragment: what an ICMP error might quote. */
static const struct frame_spec FROM_VIP4_LATER_FRAG = { .family = 4,
							.src = "10.0.0.10",
							.dst = "198.51.100.7",
							.proto = IPPROTO_TCP,
							.frag = 0x0010,
							.no_df = true,
							.no_l4 = true,
							.payload = 40 };

static const struct fixture FIXTURES[] = {
	/* forwarding, the four encapsulations, both protocols */
	{ "tcp4_to_vip_4in4", { TCP4("10.0.0.10", 80) }, NULL, TX(NEW, 1, 51) },
	{ "udp4_to_vip_4in4", { UDP4("10.0.0.10", 53) }, NULL, TX(NEW, 2, 2) },
	{ "tcp6_to_vip_6in6", { TCP6("2001:db8::10", 80) }, NULL, TX(NEW, 3, 3) },
	{ "udp6_to_vip_6in6", { UDP6("2001:db8::10", 53) }, NULL, TX(NEW, 4, 4) },
	{ "tcp4_to_v6_backend_4in6", { TCP4("10.0.0.30", 80) }, NULL, TX(NEW, 6, 6) },
	{ "tcp6_to_v4_backend_6in4", { TCP6("2001:db8::30", 80) }, NULL, TX(NEW, 7, 57) },
	{ "tcp4_syn", { TCP4("10.0.0.10", 80), .tcp_flags = 0x02 }, NULL, TX(NEW, 1, 51) },
	{ "tcp6_syn", { TCP6("2001:db8::10", 80), .tcp_flags = 0x02 }, NULL, TX(NEW, 3, 3) },
	{ "tcp4_fin_ack", { TCP4("10.0.0.10", 80), .tcp_flags = 0x11 }, NULL, TX(NEW, 1, 51) },
	{ "tcp4_syn_ack_not_new",
	  { TCP4("10.0.0.10", 80), .tcp_flags = 0x12 },
	  NULL,
	  TX(NEW, 1, 51) },
	{ "tcp4_rst_untracked",
	  { TCP4("10.0.0.10", 80), .tcp_flags = 0x04 },
	  NULL,
	  TX(XLB_R_TX_UNTRACKED, 1, 51) },
	{ "tcp6_rst_ack_untracked",
	  { TCP6("2001:db8::10", 80), .tcp_flags = 0x14 },
	  NULL,
	  TX(XLB_R_TX_UNTRACKED, 3, 3) },
	{ "tcp4_empty_payload", { TCP4("10.0.0.10", 80), .payload = 0 }, NULL, TX(NEW, 1, 51) },
	{ "udp4_empty_payload", { UDP4("10.0.0.10", 53), .payload = 0 }, NULL, TX(NEW, 2, 2) },
	{ "tcp4_large_1400", { TCP4("10.0.0.10", 80), .payload = 1400 }, NULL, TX(NEW, 1, 51) },
	{ "udp6_large_1400", { UDP6("2001:db8::10", 53), .payload = 1400 }, NULL, TX(NEW, 4, 4) },
	/* port-0 (wildcard) services */
	{ "tcp4_wildcard_port_80", { TCP4("10.0.0.20", 80) }, NULL, TX(NEW, 5, 5) },
	{ "tcp4_wildcard_port_443", { TCP4("10.0.0.20", 443) }, NULL, TX(NEW, 5, 55) },
	{ "tcp4_wildcard_port_1", { TCP4("10.0.0.20", 1) }, NULL, TX(NEW, 5, 5) },
	{ "udp6_wildcard_port_5353", { UDP6("2001:db8::20", 5353) }, NULL, TX(NEW, 12, 64) },
	{ "udp4_wildcard_is_tcp_only", { UDP4("10.0.0.20", 80) }, NULL, PASS(XLB_R_PASS_NOT_VIP) },
	{ "tcp6_wildcard_is_udp_only",
	  { TCP6("2001:db8::20", 80) },
	  NULL,
	  PASS(XLB_R_PASS_NOT_VIP) },
	/* DSCP and ECN copied to the outer header; VLAN tags kept */
	{ "tcp4_dscp_ef_ecn", { TCP4("10.0.0.10", 80), .tos = 0xb9 }, NULL, TX(NEW, 1, 51) },
	{ "tcp6_dscp_af41_ecn", { TCP6("2001:db8::10", 80), .tos = 0x8a }, NULL, TX(NEW, 3, 3) },
	{ "tcp4_dscp_in_6in4", { TCP6("2001:db8::30", 80), .tos = 0x2e }, NULL, TX(NEW, 7, 57) },
	{ "tcp4_dscp_in_4in6", { TCP4("10.0.0.30", 80), .tos = 0x03 }, NULL, TX(NEW, 6, 6) },
	{ "tcp4_no_df_outer_no_df", { TCP4("10.0.0.10", 80), .no_df = true }, NULL, TX(NEW, 1, 51) },
	{ "tcp4_vlan1", { TCP4("10.0.0.10", 80), .nvlan = 1 }, NULL, TX(NEW, 1, 51) },
	{ "tcp4_vlan2_qinq", { TCP4("10.0.0.10", 80), .nvlan = 2 }, NULL, TX(NEW, 1, 51) },
	{ "udp6_vlan1", { UDP6("2001:db8::10", 53), .nvlan = 1 }, NULL, TX(NEW, 4, 4) },
	{ "tcp6_vlan2_6in4", { TCP6("2001:db8::30", 80), .nvlan = 2 }, NULL, TX(NEW, 7, 57) },
	{ "tcp4_vlan2_4in6", { TCP4("10.0.0.30", 80), .nvlan = 2 }, NULL, TX(NEW, 6, 6) },
	{ "tcp4_eth_padding_kept",
	  { TCP4("10.0.0.10", 80), .payload = 0, .pad = 6 },
	  NULL,
	  TX(NEW, 1, 51) },
	/* IPv4 options to a VIP are carried unchanged inside the tunnel */
	{ "tcp4_options_4_to_vip", { TCP4("10.0.0.10", 80), .ip_opts = 4 }, NULL, TX(NEW, 1, 51) },
	{ "tcp4_options_40_to_vip", { TCP4("10.0.0.10", 80), .ip_opts = 40 }, NULL, TX(NEW, 1, 51) },
	{ "udp4_options_12_to_v6", { UDP4("10.0.0.10", 53), .ip_opts = 12 }, NULL, TX(NEW, 2, 2) },
	/* GUE (variant 1): outer IPv4/IPv6 + UDP to 6080, every family pair, VLAN tags kept; the
	 * IPv6 UDP checksum over payloads of every length class (odd, past 512, past 1024) */
	{ "gue_tcp4_4in4", { TCP4("10.0.0.10", 80) }, NULL, TXM(NEW, 1, 51, GUE) },
	{ "gue_udp4_4in4", { UDP4("10.0.0.10", 53) }, NULL, TXM(NEW, 2, 2, GUE) },
	{ "gue_tcp6_6in6", { TCP6("2001:db8::10", 80) }, NULL, TXM(NEW, 3, 3, GUE) },
	{ "gue_udp6_6in6", { UDP6("2001:db8::10", 53) }, NULL, TXM(NEW, 4, 4, GUE) },
	{ "gue_tcp4_4in6", { TCP4("10.0.0.30", 80) }, NULL, TXM(NEW, 6, 6, GUE) },
	{ "gue_tcp6_6in4", { TCP6("2001:db8::30", 80) }, NULL, TXM(NEW, 7, 57, GUE) },
	{ "gue_tcp4_vlan1_4in4", { TCP4("10.0.0.10", 80), .nvlan = 1 }, NULL, TXM(NEW, 1, 51, GUE) },
	{ "gue_udp6_vlan2_6in6",
	  { UDP6("2001:db8::10", 53), .nvlan = 2 },
	  NULL,
	  TXM(NEW, 4, 4, GUE) },
	{ "gue_tcp4_vlan2_4in6", { TCP4("10.0.0.30", 80), .nvlan = 2 }, NULL, TXM(NEW, 6, 6, GUE) },
	{ "gue_tcp4_dscp_4in6", { TCP4("10.0.0.30", 80), .tos = 0xb9 }, NULL, TXM(NEW, 6, 6, GUE) },
	{ "gue_udp6_odd_1", { UDP6("2001:db8::10", 53), .payload = 1 }, NULL, TXM(NEW, 4, 4, GUE) },
	{ "gue_udp6_odd_33",
	  { UDP6("2001:db8::10", 53), .payload = 33 },
	  NULL,
	  TXM(NEW, 4, 4, GUE) },
	{ "gue_udp6_462", { UDP6("2001:db8::10", 53), .payload = 462 }, NULL, TXM(NEW, 4, 4, GUE) },
	{ "gue_udp6_odd_463",
	  { UDP6("2001:db8::10", 53), .payload = 463 },
	  NULL,
	  TXM(NEW, 4, 4, GUE) },
	{ "gue_udp6_odd_977",
	  { UDP6("2001:db8::10", 53), .payload = 977 },
	  NULL,
	  TXM(NEW, 4, 4, GUE) },
	{ "gue_udp6_1404",
	  { UDP6("2001:db8::10", 53), .payload = 1404 },
	  NULL,
	  TXM(NEW, 4, 4, GUE) },
	{ "gue_tcp4_4in6_odd_1377",
	  { TCP4("10.0.0.30", 80), .payload = 1377 },
	  NULL,
	  TXM(NEW, 6, 6, GUE) },
	{ "gue_tcp4_4in6_padding_not_summed",
	  { TCP4("10.0.0.30", 80), .payload = 0, .pad = 6 },
	  NULL,
	  TXM(NEW, 6, 6, GUE) },
	{ "gue_tcp4_options_4in4",
	  { TCP4("10.0.0.10", 80), .ip_opts = 12 },
	  NULL,
	  TXM(NEW, 1, 51, GUE) },
	{ "gue_icmp4_error_to_flow_backend",
	  { ICMP4_ERR(3, 4, 1400, &FROM_VIP4, 28) },
	  NULL,
	  { .action = XDP_TX,
	    .reason = XLB_R_TX_ICMP_ERROR,
	    .svc = 1,
	    .be = 51,
	    .flow = &FLOW4,
	    .encap = XLB_ENCAP_GUE } },
	{ "gue_icmp6_error_to_flow_backend",
	  { ICMP6_ERR(2, 0, 1280, &FROM_VIP6, 48) },
	  NULL,
	  { .action = XDP_TX,
	    .reason = XLB_R_TX_ICMP_ERROR,
	    .svc = 3,
	    .be = 3,
	    .flow = &FLOW6,
	    .encap = XLB_ENCAP_GUE } },
	/* L2 direct routing: only the MACs change, whatever the backend address family */
	{ "l2_tcp4", { TCP4("10.0.0.10", 80) }, NULL, TXM(NEW, 1, 51, L2) },
	{ "l2_udp4", { UDP4("10.0.0.10", 53) }, NULL, TXM(NEW, 2, 2, L2) },
	{ "l2_tcp6", { TCP6("2001:db8::10", 80) }, NULL, TXM(NEW, 3, 3, L2) },
	{ "l2_udp6", { UDP6("2001:db8::10", 53) }, NULL, TXM(NEW, 4, 4, L2) },
	{ "l2_tcp4_v6_backend", { TCP4("10.0.0.30", 80) }, NULL, TXM(NEW, 6, 6, L2) },
	{ "l2_tcp4_vlan2", { TCP4("10.0.0.10", 80), .nvlan = 2 }, NULL, TXM(NEW, 1, 51, L2) },
	{ "l2_udp6_vlan1", { UDP6("2001:db8::10", 53), .nvlan = 1 }, NULL, TXM(NEW, 4, 4, L2) },
	{ "l2_tcp4_padding_kept",
	  { TCP4("10.0.0.10", 80), .payload = 0, .pad = 6 },
	  NULL,
	  TXM(NEW, 1, 51, L2) },
	{ "l2_icmp6_error_to_flow_backend",
	  { ICMP6_ERR(1, 4, 0, &FROM_VIP6, 0) },
	  NULL,
	  { .action = XDP_TX,
	    .reason = XLB_R_TX_ICMP_ERROR,
	    .svc = 3,
	    .be = 3,
	    .flow = &FLOW6,
	    .encap = XLB_ENCAP_L2 } },
	/* MTU 1500 by mode: GUE adds 28 (IPv4 outer) or 48 (IPv6 outer), L2 nothing */
	{ "mtu_gue_4in4_fits",
	  { TCP4("10.0.0.10", 80), .payload = 1432 },
	  NULL,
	  TXM(NEW, 1, 51, GUE) },
	{ "mtu_gue_4in4_one_over_icmp",
	  { TCP4("10.0.0.10", 80), .payload = 1433 },
	  NULL,
	  TOO_BIG_M(1, 1472, GUE) },
	{ "mtu_gue_4in6_fits",
	  { TCP4("10.0.0.30", 80), .payload = 1412 },
	  NULL,
	  TXM(NEW, 6, 6, GUE) },
	{ "mtu_gue_4in6_one_over_icmp",
	  { TCP4("10.0.0.30", 80), .payload = 1413 },
	  NULL,
	  TOO_BIG_M(6, 1452, GUE) },
	{ "mtu_gue_6in6_fits",
	  { TCP6("2001:db8::10", 80), .payload = 1392 },
	  NULL,
	  TXM(NEW, 3, 3, GUE) },
	{ "mtu_gue_6in6_one_over_icmp",
	  { TCP6("2001:db8::10", 80), .payload = 1393 },
	  NULL,
	  TOO_BIG_M(3, 1452, GUE) },
	{ "mtu_l2_tcp4_full_1500_fits",
	  { TCP4("10.0.0.10", 80), .payload = 1460 },
	  NULL,
	  TXM(NEW, 1, 51, L2) },
	{ "mtu_l2_tcp6_full_1500_fits",
	  { TCP6("2001:db8::10", 80), .payload = 1440 },
	  NULL,
	  TXM(NEW, 3, 3, L2) },
	{ "mtu_l2_tcp4_1450_fits_ipip_would_not",
	  { TCP4("10.0.0.10", 80), .payload = 1450 },
	  NULL,
	  TXM(NEW, 1, 51, L2) },
	{ "mtu_ipip_tcp4_1450_icmp",
	  { TCP4("10.0.0.10", 80), .payload = 1450 },
	  NULL,
	  TOO_BIG(1, 1480) },
	{ "mtu_gue_tcp4_1450_icmp",
	  { TCP4("10.0.0.10", 80), .payload = 1450 },
	  NULL,
	  TOO_BIG_M(1, 1472, GUE) },
	{ "mtu_l2_tcp4_one_over_icmp",
	  { TCP4("10.0.0.10", 80), .payload = 1461 },
	  NULL,
	  TOO_BIG_M(1, 1500, L2) },
	/* MTU 1500: the tunnel frame's IP packet may be 1500 bytes, not 1501 */
	{ "mtu_4in4_fits", { TCP4("10.0.0.10", 80), .payload = 1440 }, NULL, TX(NEW, 1, 51) },
	{ "mtu_4in4_one_over_icmp",
	  { TCP4("10.0.0.10", 80), .payload = 1441 },
	  NULL,
	  TOO_BIG(1, 1480) },
	{ "mtu_6in6_fits", { TCP6("2001:db8::10", 80), .payload = 1400 }, NULL, TX(NEW, 3, 3) },
	{ "mtu_6in6_one_over_icmp",
	  { TCP6("2001:db8::10", 80), .payload = 1401 },
	  NULL,
	  TOO_BIG(3, 1460) },
	{ "mtu_4in6_fits", { TCP4("10.0.0.30", 80), .payload = 1420 }, NULL, TX(NEW, 6, 6) },
	{ "mtu_4in6_one_over_icmp",
	  { TCP4("10.0.0.30", 80), .payload = 1421 },
	  NULL,
	  TOO_BIG(6, 1460) },
	{ "mtu_6in4_fits", { TCP6("2001:db8::30", 80), .payload = 1420 }, NULL, TX(NEW, 7, 57) },
	{ "mtu_6in4_one_over_icmp",
	  { TCP6("2001:db8::30", 80), .payload = 1421 },
	  NULL,
	  TOO_BIG(7, 1480) },
	/* no usable backend */
	{ "empty_table_drops", { TCP4("10.0.0.40", 80) }, NULL, DROP(XLB_R_DROP_NO_BACKEND, 8) },
	{ "no_table_drops", { TCP4("10.0.0.50", 80) }, NULL, DROP(XLB_R_DROP_NO_TABLE, 9) },
	{ "only_backend_down_drops",
	  { UDP4("10.0.0.70", 80) },
	  NULL,
	  DROP(XLB_R_DROP_NO_BACKEND, 11) },
	/* not for a VIP: untouched */
	{ "tcp4_non_vip", { TCP4("10.9.9.9", 80) }, NULL, PASS(XLB_R_PASS_NOT_VIP) },
	{ "udp4_non_vip", { UDP4("10.9.9.9", 53) }, NULL, PASS(XLB_R_PASS_NOT_VIP) },
	{ "tcp6_non_vip", { TCP6("2001:db8::99", 80) }, NULL, PASS(XLB_R_PASS_NOT_VIP) },
	{ "udp6_non_vip", { UDP6("2001:db8::99", 53) }, NULL, PASS(XLB_R_PASS_NOT_VIP) },
	{ "tcp4_vip_other_port", { TCP4("10.0.0.10", 81) }, NULL, PASS(XLB_R_PASS_NOT_VIP) },
	{ "udp4_vip_tcp_port", { UDP4("10.0.0.10", 80) }, NULL, PASS(XLB_R_PASS_NOT_VIP) },
	{ "tcp6_vip_other_port", { TCP6("2001:db8::10", 8080) }, NULL, PASS(XLB_R_PASS_NOT_VIP) },
	{ "tcp4_vip_as_source",
	  { .family = 4,
	    .src = "10.0.0.10",
	    .dst = C4,
	    .sport = 80,
	    .dport = 40000,
	    .proto = IPPROTO_TCP },
	  NULL,
	  PASS(XLB_R_PASS_NOT_VIP) },
	{ "tcp4_non_vip_vlan2",
	  { TCP4("10.9.9.9", 80), .nvlan = 2 },
	  NULL,
	  PASS(XLB_R_PASS_NOT_VIP) },
	{ "tcp4_non_vip_options",
	  { TCP4("10.9.9.9", 80), .ip_opts = 8 },
	  NULL,
	  PASS(XLB_R_PASS_NOT_VIP) },
	{ "tcp4_non_vip_fragment_mf",
	  { TCP4("10.9.9.9", 80), .frag = 0x2000 },
	  NULL,
	  PASS(XLB_R_PASS_FRAGMENT) },
	{ "udp4_non_vip_fragment_offset",
	  { UDP4("10.9.9.9", 53), .frag = 0x00b9 },
	  NULL,
	  PASS(XLB_R_PASS_FRAGMENT) },
	{ "udp4_vip_first_fragment_forwarded",
	  { UDP4("10.0.0.10", 53), .frag = 0x2000, .no_df = true, .frag_id = 77 },
	  udp_len_big,
	  TX(NEW, 2, 2) },
	{ "icmp4_echo_reply_to_vip_dropped",
	  { .family = 4, .src = C4, .dst = "10.0.0.10", .proto = IPPROTO_ICMP, .payload = 56 },
	  NULL,
	  DROP(XLB_R_DROP_ICMP_OTHER, 0) },
	{ "icmp6_nd_to_non_vip",
	  { .family = 6,
	    .src = "fe80::1",
	    .dst = "ff02::1:ff00:1",
	    .proto = IPPROTO_ICMPV6,
	    .payload = 24 },
	  NULL,
	  PASS(XLB_R_PASS_OTHER_L4) },
	{ "ipip_to_vip_not_reencapsulated",
	  { .family = 4,
	    .src = "192.0.2.9",
	    .dst = "10.0.0.10",
	    .proto = IPPROTO_IPIP,
	    .payload = 40 },
	  NULL,
	  PASS(XLB_R_PASS_OTHER_L4) },
	{ "ip6ip6_to_vip_not_reencapsulated",
	  { .family = 6,
	    .src = "2001:db8:ff::9",
	    .dst = "2001:db8::10",
	    .proto = IPPROTO_IPV6,
	    .payload = 60 },
	  NULL,
	  PASS(XLB_R_PASS_OTHER_L4) },
	{ "ipv6_hop_by_hop_to_non_vip_passed",
	  { TCP6("2001:db8::99", 80), .ext = { EXT_HOPOPTS } },
	  NULL,
	  PASS(XLB_R_PASS_NOT_VIP) },
	/* ICMP at a VIP */
	{ "icmp4_echo_answered",
	  { .family = 4,
	    .src = C4,
	    .dst = "10.0.0.10",
	    .proto = IPPROTO_ICMP,
	    .icmp_type = 8,
	    .icmp_rest = 0x12340001,
	    .payload = 56 },
	  NULL,
	  ECHO },
	{ "icmp6_echo_answered",
	  { .family = 6,
	    .src = C6,
	    .dst = "2001:db8::10",
	    .proto = IPPROTO_ICMPV6,
	    .icmp_type = 128,
	    .icmp_rest = 0x12340001,
	    .payload = 56 },
	  NULL,
	  ECHO },
	{ "icmp4_echo_vlan2_answered",
	  { .family = 4,
	    .src = C4,
	    .dst = "10.0.0.30",
	    .proto = IPPROTO_ICMP,
	    .icmp_type = 8,
	    .icmp_rest = 7,
	    .payload = 0,
	    .nvlan = 2 },
	  NULL,
	  ECHO },
	{ "icmp4_echo_disabled_dropped",
	  { .family = 4,
	    .src = C4,
	    .dst = "10.0.0.20",
	    .proto = IPPROTO_ICMP,
	    .icmp_type = 8,
	    .payload = 56 },
	  NULL,
	  DROP(XLB_R_DROP_ICMP_OTHER, 0) },
	{ "icmp4_echo_to_non_vip_passed",
	  { .family = 4,
	    .src = C4,
	    .dst = "10.9.9.9",
	    .proto = IPPROTO_ICMP,
	    .icmp_type = 8,
	    .payload = 56 },
	  NULL,
	  PASS(XLB_R_PASS_OTHER_L4) },
	{ "icmp6_echo_to_non_vip_passed",
	  { .family = 6,
	    .src = C6,
	    .dst = "2001:db8::99",
	    .proto = IPPROTO_ICMPV6,
	    .icmp_type = 128,
	    .payload = 56 },
	  NULL,
	  PASS(XLB_R_PASS_OTHER_L4) },
	{ "icmp4_timestamp_to_vip_dropped",
	  { .family = 4,
	    .src = C4,
	    .dst = "10.0.0.10",
	    .proto = IPPROTO_ICMP,
	    .icmp_type = 13,
	    .payload = 12 },
	  NULL,
	  DROP(XLB_R_DROP_ICMP_OTHER, 0) },
	{ "icmp4_header_cut_dropped",
	  { .family = 4,
	    .src = C4,
	    .dst = "10.0.0.10",
	    .proto = IPPROTO_ICMP,
	    .icmp_type = 8,
	    .payload = 0 },
	  icmp_cut_header,
	  DROP(XLB_R_DROP_ICMP_MALFORMED, 0) },
	{ "icmp4_frag_needed_to_flow_backend",
	  { ICMP4_ERR(3, 4, 1400, &FROM_VIP4, 28) },
	  NULL,
	  { .action = XDP_TX, .reason = XLB_R_TX_ICMP_ERROR, .svc = 1, .be = 51, .flow = &FLOW4 } },
	{ "icmp4_port_unreach_full_quote",
	  { ICMP4_ERR(3, 3, 0, &FROM_VIP4, 0) },
	  NULL,
	  { .action = XDP_TX, .reason = XLB_R_TX_ICMP_ERROR, .svc = 1, .be = 51, .flow = &FLOW4 } },
	{ "icmp4_time_exceeded_to_flow_backend",
	  { ICMP4_ERR(11, 0, 0, &FROM_VIP4, 28) },
	  NULL,
	  { .action = XDP_TX, .reason = XLB_R_TX_ICMP_ERROR, .svc = 1, .be = 51, .flow = &FLOW4 } },
	{ "icmp6_too_big_to_flow_backend",
	  { ICMP6_ERR(2, 0, 1280, &FROM_VIP6, 48) },
	  NULL,
	  { .action = XDP_TX, .reason = XLB_R_TX_ICMP_ERROR, .svc = 3, .be = 3, .flow = &FLOW6 } },
	{ "icmp6_unreach_to_flow_backend",
	  { ICMP6_ERR(1, 4, 0, &FROM_VIP6, 0) },
	  NULL,
	  { .action = XDP_TX, .reason = XLB_R_TX_ICMP_ERROR, .svc = 3, .be = 3, .flow = &FLOW6 } },
	{ "icmp6_time_exceeded_to_flow_backend",
	  { ICMP6_ERR(3, 0, 0, &FROM_VIP6, 48) },
	  NULL,
	  { .action = XDP_TX, .reason = XLB_R_TX_ICMP_ERROR, .svc = 3, .be = 3, .flow = &FLOW6 } },
	{ "icmp4_error_ports_only_quoted",
	  { ICMP4_ERR(3, 4, 1400, &FROM_VIP4, 24) },
	  NULL,
	  { .action = XDP_TX, .reason = XLB_R_TX_ICMP_ERROR, .svc = 1, .be = 51, .flow = &FLOW4 } },
	{ "icmp4_error_quote_cut_in_ports",
	  { ICMP4_ERR(3, 4, 1400, &FROM_VIP4, 22) },
	  NULL,
	  DROP(XLB_R_DROP_ICMP_MALFORMED, 0) },
	{ "icmp4_error_quote_cut_in_ip",
	  { ICMP4_ERR(3, 4, 1400, &FROM_VIP4, 12) },
	  NULL,
	  DROP(XLB_R_DROP_ICMP_MALFORMED, 0) },
	{ "icmp4_error_empty_quote",
	  { ICMP4_ERR(3, 4, 1400, NULL, 0), .payload = 0 },
	  NULL,
	  DROP(XLB_R_DROP_ICMP_MALFORMED, 0) },
	{ "icmp4_error_garbage_quote",
	  { ICMP4_ERR(3, 4, 1400, NULL, 0), .payload = 40 },
	  NULL,
	  DROP(XLB_R_DROP_ICMP_MALFORMED, 0) },
	{ "icmp6_error_quote_cut_in_ip",
	  { ICMP6_ERR(2, 0, 1280, &FROM_VIP6, 30) },
	  NULL,
	  DROP(XLB_R_DROP_ICMP_MALFORMED, 0) },
	{ "icmp6_error_quote_cut_in_ports",
	  { ICMP6_ERR(2, 0, 1280, &FROM_VIP6, 42) },
	  NULL,
	  DROP(XLB_R_DROP_ICMP_MALFORMED, 0) },
	{ "icmp4_error_not_sent_by_vip",
	  { ICMP4_ERR(3, 4, 1400, &FROM_OTHER4, 28) },
	  NULL,
	  DROP(XLB_R_DROP_ICMP_MALFORMED, 0) },
	{ "icmp4_error_no_such_service",
	  { ICMP4_ERR(3, 3, 0, &FROM_VIP4_UDP99, 28) },
	  NULL,
	  DROP(XLB_R_DROP_ICMP_NO_FLOW, 0) },
	{ "icmp4_error_about_icmp",
	  { ICMP4_ERR(3, 3, 0, &FROM_VIP4_ICMP, 28) },
	  NULL,
	  DROP(XLB_R_DROP_ICMP_NO_FLOW, 0) },
	{ "icmp4_error_to_non_vip_passed",
	  { ICMP4_ERR(3, 4, 1400, &FROM_VIP4, 28), .dst = "10.9.9.9" },
	  NULL,
	  PASS(XLB_R_PASS_OTHER_L4) },
	/* too big: DF/IPv6 get an ICMP reply, the rest is dropped */
	{ "mtu_4in4_no_df_dropped",
	  { TCP4("10.0.0.10", 80), .payload = 1441, .no_df = true },
	  NULL,
	  DROP(XLB_R_DROP_TOO_BIG, 1) },
	{ "mtu_udp4_icmp", { UDP4("10.0.0.10", 53), .payload = 1453 }, NULL, TOO_BIG(2, 1480) },
	{ "mtu_udp6_vlan1_icmp",
	  { UDP6("2001:db8::10", 53), .payload = 1413, .nvlan = 1 },
	  NULL,
	  TOO_BIG(4, 1460) },
	{ "mtu_tcp4_vlan2_icmp",
	  { TCP4("10.0.0.10", 80), .payload = 1500, .nvlan = 2 },
	  NULL,
	  TOO_BIG(1, 1480) },
	{ "mtu_tcp4_options_icmp",
	  { TCP4("10.0.0.10", 80), .payload = 1440, .ip_opts = 4 },
	  NULL,
	  TOO_BIG(1, 1480) },
	/* fragments */
	{ "udp4_vip_later_fragment_unknown_passed",
	  { UDP4("10.0.0.10", 53), .frag = 0x00b9, .no_df = true, .no_l4 = true, .frag_id = 99 },
	  NULL,
	  PASS(XLB_R_PASS_FRAGMENT) },
	{ "icmp4_vip_fragment_passed",
	  { .family = 4,
	    .src = C4,
	    .dst = "10.0.0.10",
	    .proto = IPPROTO_ICMP,
	    .icmp_type = 8,
	    .payload = 64,
	    .frag = 0x2000,
	    .no_df = true },
	  NULL,
	  PASS(XLB_R_PASS_FRAGMENT) },
	{ "udp6_vip_first_fragment_forwarded",
	  { UDP6("2001:db8::10", 53), .ext = { IPPROTO_FRAGMENT }, .frag6 = 1, .frag_id = 5 },
	  NULL,
	  TX(NEW, 4, 4) },
	{ "udp6_atomic_fragment_forwarded",
	  { UDP6("2001:db8::10", 53), .ext = { IPPROTO_FRAGMENT }, .frag6 = 0, .frag_id = 5 },
	  NULL,
	  TX(NEW, 4, 4) },
	{ "udp6_vip_later_fragment_unknown_passed",
	  { UDP6("2001:db8::10", 53), .ext = { IPPROTO_FRAGMENT }, .frag6 = 100 << 3, .no_l4 = true,
	    .frag_id = 6 },
	  NULL,
	  PASS(XLB_R_PASS_FRAGMENT) },
	{ "udp6_non_vip_later_fragment_passed",
	  { UDP6("2001:db8::99", 53), .ext = { IPPROTO_FRAGMENT }, .frag6 = 100 << 3, .no_l4 = true,
	    .frag_id = 6 },
	  NULL,
	  PASS(XLB_R_PASS_FRAGMENT) },
	{ "udp6_non_vip_first_fragment_passed",
	  { UDP6("2001:db8::99", 53), .ext = { IPPROTO_FRAGMENT }, .frag6 = 1, .frag_id = 6 },
	  NULL,
	  PASS(XLB_R_PASS_FRAGMENT) },
	/* IPv6 extension headers */
	{ "tcp6_hop_by_hop_forwarded",
	  { TCP6("2001:db8::10", 80), .ext = { EXT_HOPOPTS } },
	  NULL,
	  TX(NEW, 3, 3) },
	{ "tcp6_hbh_routing_dstopts_forwarded",
	  { TCP6("2001:db8::10", 80), .ext = { EXT_HOPOPTS, IPPROTO_ROUTING, IPPROTO_DSTOPTS } },
	  NULL,
	  TX(NEW, 3, 3) },
	{ "udp6_four_ext_headers_forwarded",
	  { UDP6("2001:db8::10", 53),
	    .ext = { EXT_HOPOPTS, IPPROTO_DSTOPTS, IPPROTO_ROUTING, IPPROTO_DSTOPTS } },
	  NULL,
	  TX(NEW, 4, 4) },
	{ "tcp6_five_ext_headers_to_vip_dropped",
	  { TCP6("2001:db8::10", 80), .ext = { EXT_HOPOPTS, IPPROTO_DSTOPTS, IPPROTO_ROUTING,
					       IPPROTO_DSTOPTS, IPPROTO_DSTOPTS } },
	  NULL,
	  DROP(XLB_R_DROP_EXT_HDRS, 0) },
	{ "tcp6_five_ext_headers_to_non_vip_passed",
	  { TCP6("2001:db8::99", 80), .ext = { EXT_HOPOPTS, IPPROTO_DSTOPTS, IPPROTO_ROUTING,
					       IPPROTO_DSTOPTS, IPPROTO_DSTOPTS } },
	  NULL,
	  PASS(XLB_R_PASS_OTHER_L4) },
	{ "tcp6_ext_header_cut_passed",
	  { TCP6("2001:db8::10", 80), .ext = { IPPROTO_DSTOPTS } },
	  ext_len_past_end,
	  PASS(XLB_R_PASS_MALFORMED) },
	{ "tcp6_mtu_with_ext_header_icmp",
	  { TCP6("2001:db8::10", 80), .payload = 1393, .ext = { IPPROTO_DSTOPTS } },
	  NULL,
	  TOO_BIG(3, 1460) },
	{ "tcp6_mtu_with_ext_header_fits",
	  { TCP6("2001:db8::10", 80), .payload = 1392, .ext = { IPPROTO_DSTOPTS } },
	  NULL,
	  TX(NEW, 3, 3) },
	/* found in review: group MACs, long IPv6 lengths, echo with options, quoted fragments */
	{ "tcp4_to_vip_broadcast_mac_passed",
	  { TCP4("10.0.0.10", 80), .tcp_flags = 0x02 },
	  dst_mac_broadcast,
	  PASS(XLB_R_PASS_L2_GROUP) },
	{ "icmp6_echo_to_multicast_mac_passed",
	  { .family = 6,
	    .src = C6,
	    .dst = "2001:db8::10",
	    .proto = IPPROTO_ICMPV6,
	    .icmp_type = 128,
	    .payload = 8 },
	  dst_mac_ipv6_multicast,
	  PASS(XLB_R_PASS_L2_GROUP) },
	{ "ipv6_payload_len_ffff_passed",
	  { .family = 6,
	    .src = C6,
	    .dst = "2001:db8::10",
	    .proto = IPPROTO_ICMPV6,
	    .icmp_type = 128,
	    .payload = 8 },
	  ipv6_payload_len_max,
	  PASS(XLB_R_PASS_MALFORMED) },
	{ "icmp4_echo_with_options_dropped",
	  { .family = 4,
	    .src = C4,
	    .dst = "10.0.0.10",
	    .proto = IPPROTO_ICMP,
	    .icmp_type = 8,
	    .payload = 16,
	    .ip_opts = 4 },
	  NULL,
	  DROP(XLB_R_DROP_ICMP_OTHER, 0) },
	{ "icmp6_echo_with_ext_header_dropped",
	  { .family = 6,
	    .src = C6,
	    .dst = "2001:db8::10",
	    .proto = IPPROTO_ICMPV6,
	    .icmp_type = 128,
	    .payload = 16,
	    .ext = { EXT_HOPOPTS } },
	  NULL,
	  DROP(XLB_R_DROP_ICMP_OTHER, 0) },
	{ "icmp4_error_quoting_later_fragment_dropped",
	  { ICMP4_ERR(3, 4, 1400, &FROM_VIP4_LATER_FRAG, 28) },
	  NULL,
	  DROP(XLB_R_DROP_ICMP_MALFORMED, 0) },
	{ "udp4_first_fragment_too_big_dropped",
	  { UDP4("10.0.0.10", 53), .payload = 1453, .frag = 0x2000, .no_df = true, .frag_id = 31 },
	  NULL,
	  DROP(XLB_R_DROP_TOO_BIG, 2) },
	{ "arp_passed", { TCP4("10.0.0.10", 80) }, arp, PASS(XLB_R_PASS_NOT_IP) },
	{ "lldp_passed", { TCP4("10.0.0.10", 80) }, lldp, PASS(XLB_R_PASS_NOT_IP) },
	/* malformed */
	{ "ipv4_ihl_4_passed", { TCP4("10.0.0.10", 80) }, set_ihl4, PASS(XLB_R_PASS_MALFORMED) },
	{ "ipv4_version_5_passed",
	  { TCP4("10.0.0.10", 80) },
	  set_version5,
	  PASS(XLB_R_PASS_MALFORMED) },
	{ "ipv6_version_5_passed",
	  { TCP6("2001:db8::10", 80) },
	  set_version5,
	  PASS(XLB_R_PASS_MALFORMED) },
	{ "ipv4_tot_len_past_frame",
	  { TCP4("10.0.0.10", 80) },
	  tot_len_plus1,
	  PASS(XLB_R_PASS_MALFORMED) },
	{ "ipv6_payload_len_past_frame",
	  { UDP6("2001:db8::10", 53) },
	  tot_len_plus1,
	  PASS(XLB_R_PASS_MALFORMED) },
	{ "ipv4_tot_len_below_header",
	  { TCP4("10.0.0.10", 80) },
	  tot_len_19,
	  PASS(XLB_R_PASS_MALFORMED) },
	{ "ipv4_tot_len_ports_only_passed",
	  { UDP4("10.0.0.10", 53) },
	  tot_len_ports_only,
	  DROP(XLB_R_DROP_MALFORMED_L4, 2) },
	{ "tcp4_header_cut_by_tot_len",
	  { TCP4("10.0.0.10", 80), .payload = 0 },
	  tot_len_cuts_tcp,
	  DROP(XLB_R_DROP_MALFORMED_L4, 1) },
	{ "tcp6_header_cut_by_payload_len",
	  { TCP6("2001:db8::10", 80), .payload = 0 },
	  tot_len_cuts_tcp,
	  DROP(XLB_R_DROP_MALFORMED_L4, 3) },
	{ "tcp4_doff_4", { TCP4("10.0.0.10", 80) }, doff4, DROP(XLB_R_DROP_MALFORMED_L4, 1) },
	{ "tcp6_doff_15_past_end",
	  { TCP6("2001:db8::10", 80) },
	  doff15,
	  DROP(XLB_R_DROP_MALFORMED_L4, 3) },
	{ "udp4_len_past_end",
	  { UDP4("10.0.0.10", 53) },
	  udp_len_big,
	  DROP(XLB_R_DROP_MALFORMED_L4, 2) },
	{ "udp6_len_7", { UDP6("2001:db8::10", 53) }, udp_len_7, DROP(XLB_R_DROP_MALFORMED_L4, 4) },
	{ "eth_header_only_passed",
	  { TCP4("10.0.0.10", 80) },
	  eth_only,
	  PASS(XLB_R_PASS_MALFORMED) },
	{ "vlan_tag_cut_passed",
	  { TCP4("10.0.0.10", 80), .nvlan = 1 },
	  vlan_cut,
	  PASS(XLB_R_PASS_MALFORMED) },
};

/* A fixture forwarded to a backend names that backend; it must be the one in slot hash % M
 * of the service's known-answer table, so the fixture's exact bytes also check the choice. */
static int fixture_backend_known(const struct fixture *f)
{
	const struct frame_spec *flow = f->x.flow ? f->x.flow : &f->s;
	struct xlb_config c = f->x.cfg ? *f->x.cfg : stdenv_config();
	uint32_t want;

	if (f->x.action != XDP_TX || f->x.echo || f->x.too_big_mtu)
		return XT_PASS;
	want = stdenv_table_pick(f->x.svc, stdenv_flow_hash(flow, c.hash_seed));
	XT_CHECK(f->x.be == want, "fixture names backend %u, the known table gives %u", f->x.be,
		 want);
	return XT_PASS;
}

static int run_fixture(const struct fixture *f)
{
	uint8_t in[FRAME_MAX];
	size_t len;

	if (fixture_backend_known(f))
		return XT_FAIL;
	XT_EQ(setup_standard(), 0);
	if (f->x.encap) {
		const struct frame_spec *flow = f->x.flow ? f->x.flow : &f->s;
		uint32_t be = f->x.be ? f->x.be
				      : stdenv_table_pick(f->x.svc, stdenv_flow_hash(flow, SEED));

		XT_EQ(lbenv_set_backend_mode(&env, be, f->x.encap,
					     f->x.encap == XLB_ENCAP_L2 ? MAC_BE : NULL),
		      0);
	}
	len = frame_build(in, &f->s);
	if (f->mutate)
		f->mutate(in, &len, &f->s);
	return run_expect(in, len, &f->s, &f->x);
}

/* ---- scenarios: sequences of packets with state in between ------------------------------ */

static int send_expect(const struct frame_spec *s, int action, int reason, uint32_t svc,
		       uint32_t be, const struct xlb_config *cfg)
{
	uint8_t in[FRAME_MAX];
	size_t len = frame_build(in, s);
	struct expect x = { .action = action, .reason = reason, .svc = svc, .be = be, .cfg = cfg };

	return run_expect(in, len, s, &x);
}

/* A confirmed connection entry for flow s pointing at backend be with generation gen, last used
 * at tick `tick`, in the part of CPU cpu. */
static int put_conn_on(uint32_t cpu, const struct frame_spec *s, uint32_t be, uint32_t gen,
		       uint32_t tick)
{
	struct xlb_conn v = { .backend_id = be,
			      .generation = gen,
			      .tick = XLB_CONN_CONFIRMED | (tick & XLB_CONN_TICK_MASK) };

	addr_parse(s->src, v.src);
	v.sport = htons(s->sport);
	v.dport = htons(s->dport);
	return lbenv_put_conn(&env, cpu, stdenv_conn_hash(s, SEED), &v);
}

/* The same in the part of the CPU the tests run on. */
static int put_conn(const struct frame_spec *s, uint32_t be, uint32_t gen, uint32_t tick)
{
	return put_conn_on(LBENV_CPU, s, be, gen, tick);
}

/* Flow s's entry in the part of the CPU the tests run on, copied to *v. */
static int get_conn(const struct frame_spec *s, struct xlb_conn *v)
{
	uint32_t src[4] = { 0 };
	struct xlb_conn *c;

	addr_parse(s->src, src);
	c = lbenv_conn(&env, LBENV_CPU, stdenv_conn_hash(s, SEED), src, htons(s->sport),
		       htons(s->dport));
	if (!c)
		return -ENOENT;
	*v = *c;
	return 0;
}

static uint32_t now_ticks(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return xlb_conn_tick((uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec);
}

/* Backend 21 is another valid member of service 1 that is in no slot of its table. */
static int add_spare_backend(uint8_t state)
{
	return lbenv_set_backend(&env, 21, "10.1.0.21", 1, 1, state, 100);
}

static const struct frame_spec FLOW = { TCP4("10.0.0.10", 80) };
/* FLOW's backend by Maglev: slot hash % 7 of the known table std_tcp4 (fixture
 * tcp4_to_vip_4in4 checks that the known table says so). */
#define FLOW_BE 51

/* The backend the known table of standard service svc gives flow s (no connection entry). */
static uint32_t std_be(const struct frame_spec *s, uint32_t svc)
{
	return stdenv_table_pick(svc, stdenv_flow_hash(s, SEED));
}
static const struct frame_spec UFLOW = { UDP4("10.0.0.10", 53) };

static int t_second_packet_hits(void)
{
	struct xlb_conn v;

	XT_EQ(setup_standard(), 0);
	XT_EQ(send_expect(&FLOW, XDP_TX, XLB_R_TX_NEW_FLOW, 1, FLOW_BE, NULL), XT_PASS);
	XT_EQ(lbenv_count_conns(&env), 1);
	XT_EQ(get_conn(&FLOW, &v), 0);
	XT_EQ(v.backend_id, FLOW_BE);
	XT_EQ(v.generation, 1);
	XT_EQ(v.sport, htons(FLOW.sport));
	XT_EQ(v.dport, htons(FLOW.dport));
	/* Written at this tick, not confirmed until a packet finds it. */
	XT_CHECK(!(v.tick & XLB_CONN_CONFIRMED) && v.tick + 1 >= now_ticks(), "tick %#x", v.tick);
	XT_EQ(send_expect(&FLOW, XDP_TX, XLB_R_TX_CONN_HIT, 1, FLOW_BE, NULL), XT_PASS);
	XT_EQ(get_conn(&FLOW, &v), 0);
	XT_CHECK(v.tick & XLB_CONN_CONFIRMED, "tick %#x not confirmed by a hit", v.tick);
	XT_EQ(send_expect(&FLOW, XDP_TX, XLB_R_TX_CONN_HIT, 1, FLOW_BE, NULL), XT_PASS);
	XT_EQ(lbenv_count_conns(&env), 1);
	return XT_PASS;
}

static int t_hit_uses_remembered_backend(void)
{
	XT_EQ(setup_standard(), 0);
	XT_EQ(add_spare_backend(XLB_BE_UP), 0);
	XT_EQ(lbenv_set_backend(&env, 21, "10.1.0.21", 1, 1, XLB_BE_UP, 100), 0);
	XT_EQ(put_conn(&FLOW, 21, 1, 0), 0);
	/* stdenv_backend_addr() knows only the standard ids: check the outer destination by hand.
	 */
	uint8_t in[FRAME_MAX], out[FRAME_MAX];
	size_t len = frame_build(in, &FLOW), out_len;
	int action;

	XT_EQ(lbenv_run(&env, in, len, out, &out_len, &action), 0);
	XT_EQ(action, XDP_TX);
	XT_EQ(out[14 + 16], 10);
	XT_EQ(out[14 + 19], 21);
	XT_EQ(lbenv_be_pkts(&env, 21) >= 1, 1);
	return XT_PASS;
}

static int t_syn_reselects(void)
{
	struct frame_spec syn = FLOW;
	struct xlb_conn v;

	syn.tcp_flags = 0x02;
	XT_EQ(setup_standard(), 0);
	XT_EQ(add_spare_backend(XLB_BE_UP), 0);
	XT_EQ(put_conn(&FLOW, 21, 1, 0), 0);
	XT_EQ(send_expect(&syn, XDP_TX, XLB_R_TX_NEW_FLOW, 1, FLOW_BE, NULL), XT_PASS);
	XT_EQ(get_conn(&FLOW, &v), 0);
	XT_EQ(v.backend_id, FLOW_BE);
	XT_EQ(send_expect(&FLOW, XDP_TX, XLB_R_TX_CONN_HIT, 1, FLOW_BE, NULL), XT_PASS);
	/* A retransmitted SYN finds the same answer and leaves the entry alone. */
	XT_EQ(send_expect(&syn, XDP_TX, XLB_R_TX_NEW_FLOW, 1, FLOW_BE, NULL), XT_PASS);
	XT_EQ(lbenv_count_conns(&env), 1);
	return XT_PASS;
}

static int t_rst_never_creates(void)
{
	struct frame_spec rst = FLOW;

	rst.tcp_flags = 0x14;
	XT_EQ(setup_standard(), 0);
	XT_EQ(send_expect(&rst, XDP_TX, XLB_R_TX_UNTRACKED, 1, FLOW_BE, NULL), XT_PASS);
	XT_EQ(lbenv_count_conns(&env), 0);
	/* With an entry, a RST follows it like any packet of the flow. */
	XT_EQ(send_expect(&FLOW, XDP_TX, XLB_R_TX_NEW_FLOW, 1, FLOW_BE, NULL), XT_PASS);
	XT_EQ(send_expect(&rst, XDP_TX, XLB_R_TX_CONN_HIT, 1, FLOW_BE, NULL), XT_PASS);
	XT_EQ(lbenv_count_conns(&env), 1);
	return XT_PASS;
}

static int t_down_backend_reselected(void)
{
	struct xlb_conn v;

	XT_EQ(setup_standard(), 0);
	XT_EQ(add_spare_backend(XLB_BE_DOWN), 0);
	XT_EQ(put_conn(&FLOW, 21, 1, 0), 0);
	XT_EQ(send_expect(&FLOW, XDP_TX, XLB_R_TX_RESELECT, 1, FLOW_BE, NULL), XT_PASS);
	XT_EQ(get_conn(&FLOW, &v), 0);
	XT_EQ(v.backend_id, FLOW_BE);
	XT_EQ(send_expect(&FLOW, XDP_TX, XLB_R_TX_CONN_HIT, 1, FLOW_BE, NULL), XT_PASS);
	return XT_PASS;
}

/* A draining backend keeps its flows and gets no new one. The daemon marks it XLB_BE_DRAIN and
 * swaps in the table rebuilt with its weight 0; both steps are checked while the backend still
 * matters: FLOW_BE owns slots of service 1, and "other" is a new flow whose slot is FLOW_BE's. */
static int t_draining_backend_keeps_flows(void)
{
	struct frame_spec other = FLOW;
	uint32_t want;

	XT_EQ(setup_standard(), 0);
	XT_EQ(send_expect(&FLOW, XDP_TX, XLB_R_TX_NEW_FLOW, 1, FLOW_BE, NULL), XT_PASS);
	for (other.sport = 41000; other.sport < 42000; other.sport++)
		if (stdenv_table_pick(1, stdenv_flow_hash(&other, SEED)) == FLOW_BE)
			break;
	XT_CHECK(other.sport < 42000, "no flow found in a slot of backend %d", FLOW_BE);

	/* Marked draining, still in the table: its flow stays, the new flow is not given to it. */
	XT_EQ(lbenv_set_backend(&env, FLOW_BE, stdenv_backend_addr(FLOW_BE), 1, 1, XLB_BE_DRAIN, 0),
	      0);
	for (int i = 0; i < 3; i++)
		XT_EQ(send_expect(&FLOW, XDP_TX, XLB_R_TX_CONN_HIT, 1, FLOW_BE, NULL), XT_PASS);
	XT_EQ(send_expect(&other, XDP_DROP, XLB_R_DROP_NO_BACKEND, 1, 0, NULL), XT_PASS);
	XT_EQ(lbenv_count_conns(&env), 1);

	/* The rebuilt table (known answer std_tcp4_less_51): the new flow goes where it says. */
	XT_EQ(stdenv_set_known_table(&env, 1, "std_tcp4_less_51"), 0);
	want = stdenv_known_pick("std_tcp4_less_51", stdenv_flow_hash(&other, SEED));
	XT_CHECK(want && want != FLOW_BE, "the rebuilt table gives slot to %u", want);
	XT_EQ(send_expect(&other, XDP_TX, XLB_R_TX_NEW_FLOW, 1, want, NULL), XT_PASS);
	XT_EQ(send_expect(&FLOW, XDP_TX, XLB_R_TX_CONN_HIT, 1, FLOW_BE, NULL), XT_PASS);
	return XT_PASS;
}

static int t_generation_mismatch_reselects(void)
{
	XT_EQ(setup_standard(), 0);
	XT_EQ(add_spare_backend(XLB_BE_UP), 0);
	XT_EQ(put_conn(&FLOW, 21, 7 /* id since reassigned */, 0), 0);
	XT_EQ(send_expect(&FLOW, XDP_TX, XLB_R_TX_RESELECT, 1, FLOW_BE, NULL), XT_PASS);
	return XT_PASS;
}

static int t_other_service_backend_reselects(void)
{
	XT_EQ(setup_standard(), 0);
	/* Entry points at backend 2, which belongs to service 2. */
	XT_EQ(put_conn(&FLOW, 2, 1, 0), 0);
	XT_EQ(send_expect(&FLOW, XDP_TX, XLB_R_TX_RESELECT, 1, FLOW_BE, NULL), XT_PASS);
	return XT_PASS;
}

static int t_udp_idle_timeout(void)
{
	struct xlb_config c = stdenv_config();
	struct xlb_conn v;

	c.udp_idle_ticks = xlb_udp_idle_ticks(2);
	XT_EQ(setup_standard(), 0);
	XT_EQ(lbenv_set_config(&env, &c), 0);
	XT_EQ(lbenv_set_backend(&env, 22, "10.1.0.22", 2, 1, XLB_BE_UP, 100), 0);
	/* Fresh entry: followed, even though Maglev would say backend 2. */
	XT_EQ(put_conn(&UFLOW, 22, 1, now_ticks()), 0);
	uint8_t in[FRAME_MAX], out[FRAME_MAX];
	size_t len = frame_build(in, &UFLOW), out_len;
	int action;

	XT_EQ(lbenv_run(&env, in, len, out, &out_len, &action), 0);
	XT_EQ(action, XDP_TX);
	XT_EQ(out[14 + 19], 22);
	/* Idle for longer than the timeout: re-selected by Maglev, entry refreshed. */
	XT_EQ(put_conn(&UFLOW, 22, 1, now_ticks() - 10), 0);
	XT_EQ(send_expect(&UFLOW, XDP_TX, XLB_R_TX_RESELECT, 2, 2, &c), XT_PASS);
	XT_EQ(get_conn(&UFLOW, &v), 0);
	XT_EQ(v.backend_id, 2);
	XT_CHECK((v.tick & XLB_CONN_TICK_MASK) + 1 >= now_ticks(), "tick %#x not refreshed",
		 v.tick);
	XT_EQ(send_expect(&UFLOW, XDP_TX, XLB_R_TX_CONN_HIT, 2, 2, &c), XT_PASS);
	return XT_PASS;
}

/* One second of idle time is at least one whole tick: a flow seen in the previous tick lives. */
static int t_udp_idle_one_second(void)
{
	struct xlb_config c = stdenv_config();

	c.udp_idle_ticks = xlb_udp_idle_ticks(1);
	XT_EQ(c.udp_idle_ticks, 1);
	XT_EQ(setup_standard(), 0);
	XT_EQ(lbenv_set_config(&env, &c), 0);
	XT_EQ(put_conn(&UFLOW, 2, 1, now_ticks() - 1), 0);
	XT_EQ(send_expect(&UFLOW, XDP_TX, XLB_R_TX_CONN_HIT, 2, 2, &c), XT_PASS);
	XT_EQ(put_conn(&UFLOW, 2, 1, now_ticks() - 2), 0);
	XT_EQ(send_expect(&UFLOW, XDP_TX, XLB_R_TX_RESELECT, 2, 2, &c), XT_PASS);
	return XT_PASS;
}

/* The reply could only say less than IPv6's minimum MTU: dropped instead. */
static int t_too_big_never_below_minimum_mtu(void)
{
	struct xlb_config c = stdenv_config();
	struct frame_spec s6 = { TCP6("2001:db8::10", 80), .payload = 1300 };
	struct frame_spec s4 = { TCP4("10.0.0.10", 80), .payload = 1300 };

	c.mtu = 1300; /* 6in6: 1260 left, below 1280 */
	XT_EQ(setup_standard(), 0);
	XT_EQ(lbenv_set_config(&env, &c), 0);
	XT_EQ(send_expect(&s6, XDP_DROP, XLB_R_DROP_TOO_BIG, 3, 0, &c), XT_PASS);
	/* IPv4 only needs 68: the reply says 1280. */
	struct expect x = { .action = XDP_TX,
			    .reason = XLB_R_TX_ICMP_TOO_BIG,
			    .svc = 1,
			    .too_big_mtu = 1280,
			    .cfg = &c };
	uint8_t in[FRAME_MAX];
	size_t len = frame_build(in, &s4);

	XT_EQ(run_expect(in, len, &s4, &x), XT_PASS);
	return XT_PASS;
}

/* A dropped first fragment must not steer the rest of its datagram to a backend. */
static int t_dropped_first_fragment_not_remembered(void)
{
	struct frame_spec first = { UDP4("10.0.0.10", 53), .payload = 1453, .frag = 0x2000,
				    .no_df = true, .frag_id = 31 };
	struct frame_spec later = { UDP4("10.0.0.10", 53), .frag = 185,	  .no_df = true,
				    .no_l4 = true,	   .frag_id = 31, .payload = 50 };

	XT_EQ(setup_standard(), 0);
	XT_EQ(send_expect(&first, XDP_DROP, XLB_R_DROP_TOO_BIG, 2, 0, NULL), XT_PASS);
	XT_EQ(send_expect(&later, XDP_PASS, XLB_R_PASS_FRAGMENT, 0, 0, NULL), XT_PASS);
	return XT_PASS;
}

/* IPv6: the datagram key uses the fragment header's next header, which a destination-options
 * header after it makes differ from the final protocol. */
static int t_fragments_v6_options_after_fragment_header(void)
{
	struct frame_spec first = { UDP6("2001:db8::10", 53),
				    .ext = { IPPROTO_FRAGMENT, IPPROTO_DSTOPTS }, .frag6 = 1,
				    .frag_id = 0x0a0b0c0d, .payload = 100 };
	struct frame_spec later = { .family = 6,
				    .src = C6,
				    .dst = "2001:db8::10",
				    .proto = IPPROTO_DSTOPTS,
				    .ext = { IPPROTO_FRAGMENT },
				    .frag6 = 14 << 3,
				    .no_l4 = true,
				    .frag_id = 0x0a0b0c0d,
				    .payload = 64 };

	XT_EQ(setup_standard(), 0);
	XT_EQ(send_expect(&first, XDP_TX, XLB_R_TX_NEW_FLOW, 4, 4, NULL), XT_PASS);
	/* The tunnel carries the flow's hash (flow label), remembered from the first. */
	struct expect x = {
		.action = XDP_TX, .reason = XLB_R_TX_FRAGMENT, .svc = 4, .be = 4, .flow = &first
	};
	uint8_t in[FRAME_MAX];
	size_t len = frame_build(in, &later);

	XT_EQ(run_expect(in, len, &later, &x), XT_PASS);
	return XT_PASS;
}

/* The flood guard: one entry a second with a burst of 2 lets 3 new flows write entries at
 * once; the rest are forwarded by Maglev without one, and established flows keep theirs. */
static int t_flood_guard(void)
{
	struct xlb_config c = stdenv_config();
	struct frame_spec s = FLOW;

	c.new_flow_interval_ns = 1000000000;
	c.new_flow_burst = 2;
	XT_EQ(setup_standard(), 0);
	XT_EQ(lbenv_set_config(&env, &c), 0);
	for (int i = 0; i < 3; i++) {
		s.sport = (uint16_t)(30000 + i);
		s.tcp_flags = 0x02;
		XT_EQ(send_expect(&s, XDP_TX, XLB_R_TX_NEW_FLOW, 1, std_be(&s, 1), &c), XT_PASS);
	}
	for (int i = 3; i < 6; i++) {
		s.sport = (uint16_t)(30000 + i);
		XT_EQ(send_expect(&s, XDP_TX, XLB_R_TX_FLOOD, 1, std_be(&s, 1), &c), XT_PASS);
	}
	XT_EQ(lbenv_count_conns(&env), 3);
	/* The flows with entries still hit them. */
	s.sport = 30000;
	s.tcp_flags = 0x10;
	XT_EQ(send_expect(&s, XDP_TX, XLB_R_TX_CONN_HIT, 1, std_be(&s, 1), &c), XT_PASS);
	/* Without a limit, every new flow gets its entry again. */
	c.new_flow_interval_ns = 0;
	XT_EQ(lbenv_set_config(&env, &c), 0);
	s.sport = 30010;
	XT_EQ(send_expect(&s, XDP_TX, XLB_R_TX_NEW_FLOW, 1, std_be(&s, 1), &c), XT_PASS);
	XT_EQ(lbenv_count_conns(&env), 4);
	return XT_PASS;
}

static int t_udp_no_timeout_when_zero(void)
{
	struct xlb_config c = stdenv_config();

	c.udp_idle_ticks = 0;
	XT_EQ(setup_standard(), 0);
	XT_EQ(lbenv_set_config(&env, &c), 0);
	XT_EQ(put_conn(&UFLOW, 2, 1, 1 /* ancient */), 0);
	XT_EQ(send_expect(&UFLOW, XDP_TX, XLB_R_TX_CONN_HIT, 2, 2, &c), XT_PASS);
	return XT_PASS;
}

static int t_wildcard_flag_off_skips_port0(void)
{
	struct xlb_config c = stdenv_config();
	struct frame_spec s = { TCP4("10.0.0.20", 80) };

	c.flags = 0;
	XT_EQ(setup_standard(), 0);
	XT_EQ(lbenv_set_config(&env, &c), 0);
	XT_EQ(send_expect(&s, XDP_PASS, XLB_R_PASS_NOT_VIP, 0, 0, &c), XT_PASS);
	return XT_PASS;
}

static int t_exact_port_beats_wildcard(void)
{
	struct frame_spec s = { TCP4("10.0.0.20", 8080) };
	uint32_t ids[STD_M];

	XT_EQ(setup_standard(), 0);
	for (int i = 0; i < STD_M; i++)
		ids[i] = 1;
	/* 10.0.0.20:8080 gets its own service whose table points at backend 1's address. */
	XT_EQ(lbenv_set_table(&env, 20, ids, STD_M), 0);
	XT_EQ(lbenv_set_backend(&env, 1, "10.1.0.11", 20, 1, XLB_BE_UP, 100), 0);
	XT_EQ(lbenv_set_service(&env, "10.0.0.20", 8080, IPPROTO_TCP, 20, STD_M), 0);
	XT_EQ(send_expect(&s, XDP_TX, XLB_R_TX_NEW_FLOW, 20, 1, NULL), XT_PASS);
	s.dport = 8081;
	XT_EQ(send_expect(&s, XDP_TX, XLB_R_TX_NEW_FLOW, 5, std_be(&s, 5), NULL), XT_PASS);
	return XT_PASS;
}

static int t_no_source_v6(void)
{
	struct xlb_config c = stdenv_config();
	struct frame_spec s = { TCP6("2001:db8::10", 80) };
	struct frame_spec s4 = { TCP4("10.0.0.10", 80) };

	memset(c.src_v6, 0, sizeof(c.src_v6));
	XT_EQ(setup_standard(), 0);
	XT_EQ(lbenv_set_config(&env, &c), 0);
	XT_EQ(send_expect(&s, XDP_DROP, XLB_R_DROP_NO_SOURCE, 3, 0, &c), XT_PASS);
	XT_EQ(send_expect(&s4, XDP_TX, XLB_R_TX_NEW_FLOW, 1, std_be(&s4, 1), &c), XT_PASS);
	c = stdenv_config();
	c.src_v4 = 0;
	XT_EQ(lbenv_set_config(&env, &c), 0);
	s4.sport = 1234;
	XT_EQ(send_expect(&s4, XDP_DROP, XLB_R_DROP_NO_SOURCE, 1, 0, &c), XT_PASS);
	return XT_PASS;
}

/* GUE with gue_port 0 and an unknown mode cannot be carried out: drop_no_source, and the
 * IP-in-IP and L2 backends of the same config are not affected. */
static int t_mode_not_configured(void)
{
	struct xlb_config c = stdenv_config();
	struct frame_spec s = { TCP4("10.0.0.10", 80) }, s6 = { TCP6("2001:db8::10", 80) };

	c.gue_port = 0;
	XT_EQ(setup_standard(), 0);
	XT_EQ(lbenv_set_config(&env, &c), 0);
	XT_EQ(lbenv_set_backend_mode(&env, std_be(&s, 1), XLB_ENCAP_GUE, NULL), 0);
	XT_EQ(send_expect(&s, XDP_DROP, XLB_R_DROP_NO_SOURCE, 1, 0, &c), XT_PASS);
	XT_EQ(send_expect(&s6, XDP_TX, XLB_R_TX_NEW_FLOW, 3, std_be(&s6, 3), &c), XT_PASS);
	XT_EQ(lbenv_set_backend_mode(&env, std_be(&s6, 3), XLB_ENCAP_L2, MAC_BE), 0);
	XT_EQ(send_expect(&s6, XDP_TX, XLB_R_TX_CONN_HIT, 3, std_be(&s6, 3), &c), XT_PASS);
	XT_EQ(lbenv_set_backend_mode(&env, std_be(&s6, 3), 3, NULL), 0);
	XT_EQ(send_expect(&s6, XDP_DROP, XLB_R_DROP_NO_SOURCE, 3, 0, &c), XT_PASS);
	return XT_PASS;
}

/* A mode change at run time applies to the backend's next packet, its flows stay with it, and
 * other backends of the service keep theirs. */
static int t_mode_change_keeps_flows(void)
{
	struct frame_spec a = { TCP4("10.0.0.10", 80) }, b = a;
	uint32_t be_a = std_be(&a, 1), be_b;

	XT_EQ(setup_standard(), 0);
	/* A second flow on another backend of the same service. */
	for (b.sport = 1; std_be(&b, 1) == be_a; b.sport++)
		;
	be_b = std_be(&b, 1);
	XT_EQ(send_expect(&a, XDP_TX, XLB_R_TX_NEW_FLOW, 1, be_a, NULL), XT_PASS);
	XT_EQ(send_expect(&b, XDP_TX, XLB_R_TX_NEW_FLOW, 1, be_b, NULL), XT_PASS);
	static const uint8_t modes[] = { XLB_ENCAP_GUE, XLB_ENCAP_L2, XLB_ENCAP_IPIP };
	for (size_t i = 0; i < sizeof(modes); i++) {
		XT_EQ(lbenv_set_backend_mode(&env, be_a, modes[i],
					     modes[i] == XLB_ENCAP_L2 ? MAC_BE : NULL),
		      0);
		XT_EQ(send_expect(&a, XDP_TX, XLB_R_TX_CONN_HIT, 1, be_a, NULL), XT_PASS);
		XT_EQ(send_expect(&b, XDP_TX, XLB_R_TX_CONN_HIT, 1, be_b, NULL), XT_PASS);
	}
	return XT_PASS;
}

static int t_rss_source_bits(void)
{
	struct xlb_config c = stdenv_config();
	struct frame_spec s4 = { TCP4("10.0.0.10", 80) }, s6 = { TCP6("2001:db8::10", 80) };

	c.rss_bits_v4 = 8;
	c.rss_bits_v6 = 32;
	XT_EQ(setup_standard(), 0);
	XT_EQ(lbenv_set_config(&env, &c), 0);
	for (uint16_t p = 1000; p < 1010; p++) {
		s4.sport = p;
		s6.sport = p;
		XT_EQ(send_expect(&s4, XDP_TX, XLB_R_TX_NEW_FLOW, 1, std_be(&s4, 1), &c), XT_PASS);
		XT_EQ(send_expect(&s6, XDP_TX, XLB_R_TX_NEW_FLOW, 3, std_be(&s6, 3), &c), XT_PASS);
		/* The hit path derives the same connection hash: same outer source. */
		XT_EQ(send_expect(&s4, XDP_TX, XLB_R_TX_CONN_HIT, 1, std_be(&s4, 1), &c), XT_PASS);
	}
	return XT_PASS;
}

/* Every standard service with several backends, 140 new flows each (other client ports, and
 * other destination ports for the port-0 services): the backend in the exact output frame is
 * the one in slot hash % 7 of the service's known-answer table, and the flows reach every slot,
 * so a wrong slot computation meets a slot owned by another backend. */
static int t_std_services_follow_known_slots(void)
{
	static const struct {
		uint32_t svc;
		struct frame_spec s;
	} svcs[] = {
		{ 1, { TCP4("10.0.0.10", 80) } },    { 2, { UDP4("10.0.0.10", 53) } },
		{ 3, { TCP6("2001:db8::10", 80) } }, { 4, { UDP6("2001:db8::10", 53) } },
		{ 5, { TCP4("10.0.0.20", 0) } },     { 6, { TCP4("10.0.0.30", 80) } },
		{ 7, { TCP6("2001:db8::30", 80) } }, { 12, { UDP6("2001:db8::20", 0) } },
	};

	XT_EQ(setup_standard(), 0);
	for (size_t k = 0; k < sizeof(svcs) / sizeof(svcs[0]); k++) {
		struct frame_spec s = svcs[k].s;
		unsigned int slots_seen = 0;

		for (int i = 0; i < 140; i++) {
			uint32_t hash;

			s.sport = (uint16_t)(1024 + 37 * i);
			if (!svcs[k].s.dport)
				s.dport = (uint16_t)(1 + 101 * i);
			if (s.proto == IPPROTO_TCP)
				s.tcp_flags = 0x02;
			hash = stdenv_flow_hash(&s, SEED);
			slots_seen |= 1U << (hash % STD_M);
			if (send_expect(&s, XDP_TX, XLB_R_TX_NEW_FLOW, svcs[k].svc,
					std_be(&s, svcs[k].svc), NULL)) {
				fprintf(stderr, "    service %u, flow %d (sport %u dport %u)\n",
					svcs[k].svc, i, s.sport, s.dport);
				return XT_FAIL;
			}
		}
		XT_CHECK(slots_seen == (1U << STD_M) - 1, "service %u: slots seen %#x", svcs[k].svc,
			 slots_seen);
	}
	return XT_PASS;
}

/* Slot = hash(flow, seed) % M, into a real Maglev table of three backends. */
static int t_maglev_slot_as_documented(void)
{
	enum { M = 251 };
	struct maglev_backend mb[3] = {
		{ .family = XLB_AF_INET, .weight = 1, .id = 31 },
		{ .family = XLB_AF_INET, .weight = 1, .id = 32 },
		{ .family = XLB_AF_INET6, .weight = 2, .id = 33 },
	};
	const char *addrs[3] = { "10.1.0.31", "10.1.0.32", "2001:db8:1::33" };
	uint32_t table[M], seen[3] = { 0 };
	struct frame_spec s = { TCP4("10.0.0.60", 80), .tcp_flags = 0x02 };

	XT_EQ(setup_standard(), 0);
	for (int i = 0; i < 3; i++) {
		addr_parse(addrs[i], mb[i].addr);
		XT_EQ(lbenv_set_backend(&env, mb[i].id, addrs[i], 10, 1, XLB_BE_UP, 100), 0);
	}
	XT_EQ(maglev_build(mb, 3, table, M), 0);
	XT_EQ(lbenv_set_table(&env, 10, table, M), 0);
	XT_EQ(lbenv_set_service(&env, "10.0.0.60", 80, IPPROTO_TCP, 10, M), 0);
	for (int i = 0; i < 300; i++) {
		uint8_t in[FRAME_MAX], out[FRAME_MAX];
		size_t len, out_len;
		int action;
		uint32_t want;

		s.sport = (uint16_t)(1024 + i * 7);
		want = table[stdenv_flow_hash(&s, SEED) % M];
		len = frame_build(in, &s);
		XT_EQ(lbenv_run(&env, in, len, out, &out_len, &action), 0);
		XT_EQ(action, XDP_TX);
		/* The outer destination says which backend got it. */
		int got = out[14 + 9] == IPPROTO_IPIP && out[12] == 0x08 ? out[14 + 19] : 33;

		XT_CHECK((uint32_t)got == want, "flow %d went to %d, Maglev slot says %u", i, got,
			 want);
		seen[want - 31]++;
	}
	XT_CHECK(seen[0] && seen[1] && seen[2], "every backend should get flows");
	return XT_PASS;
}

static int t_weight_zero_gets_nothing(void)
{
	enum { M = 101 };
	struct maglev_backend mb[2] = {
		{ .family = XLB_AF_INET, .weight = 0, .id = 31 },
		{ .family = XLB_AF_INET, .weight = 5, .id = 32 },
	};
	uint32_t table[M];
	struct frame_spec s = { TCP4("10.0.0.60", 80), .tcp_flags = 0x02 };

	XT_EQ(setup_standard(), 0);
	addr_parse("10.1.0.31", mb[0].addr);
	addr_parse("10.1.0.32", mb[1].addr);
	XT_EQ(lbenv_set_backend(&env, 31, "10.1.0.31", 10, 1, XLB_BE_DRAIN, 0), 0);
	XT_EQ(lbenv_set_backend(&env, 32, "10.1.0.32", 10, 1, XLB_BE_UP, 5), 0);
	XT_EQ(maglev_build(mb, 2, table, M), 0);
	XT_EQ(lbenv_set_table(&env, 10, table, M), 0);
	XT_EQ(lbenv_set_service(&env, "10.0.0.60", 80, IPPROTO_TCP, 10, M), 0);
	uint64_t before = lbenv_be_pkts(&env, 31);

	for (int i = 0; i < 200; i++) {
		uint8_t in[FRAME_MAX], out[FRAME_MAX];
		size_t len, out_len;
		int action;

		s.sport = (uint16_t)(2000 + i);
		len = frame_build(in, &s);
		XT_EQ(lbenv_run(&env, in, len, out, &out_len, &action), 0);
		XT_EQ(action, XDP_TX);
		XT_EQ(out[14 + 19], 32);
	}
	XT_EQ(lbenv_be_pkts(&env, 31) - before, 0);
	return XT_PASS;
}

/* Swapping the inner map changes new flows at once; remembered flows stay put. */
static int t_table_swap_atomic(void)
{
	uint32_t ids[STD_M];
	struct frame_spec other = FLOW;

	XT_EQ(setup_standard(), 0);
	XT_EQ(send_expect(&FLOW, XDP_TX, XLB_R_TX_NEW_FLOW, 1, FLOW_BE, NULL), XT_PASS);
	/* New table: every slot -> backend 21. */
	XT_EQ(add_spare_backend(XLB_BE_UP), 0);
	for (int i = 0; i < STD_M; i++)
		ids[i] = 21;
	XT_EQ(lbenv_set_table(&env, 1, ids, STD_M), 0);
	XT_EQ(send_expect(&FLOW, XDP_TX, XLB_R_TX_CONN_HIT, 1, FLOW_BE, NULL), XT_PASS);
	other.sport = 50000;
	uint8_t in[FRAME_MAX], out[FRAME_MAX];
	size_t len = frame_build(in, &other), out_len;
	int action;

	XT_EQ(lbenv_run(&env, in, len, out, &out_len, &action), 0);
	XT_EQ(action, XDP_TX);
	XT_EQ(out[14 + 19], 21);
	/* A table of a different size (another prime) works the same way. */
	uint32_t big[13];

	for (int i = 0; i < 13; i++)
		big[i] = 1;
	XT_EQ(lbenv_set_table(&env, 1, big, 13), 0);
	XT_EQ(lbenv_set_service(&env, "10.0.0.10", 80, IPPROTO_TCP, 1, 13), 0);
	other.sport = 50001;
	XT_EQ(send_expect(&other, XDP_TX, XLB_R_TX_NEW_FLOW, 1, 1, NULL), XT_PASS);
	return XT_PASS;
}

static int t_service_deleted_passes(void)
{
	XT_EQ(setup_standard(), 0);
	XT_EQ(send_expect(&FLOW, XDP_TX, XLB_R_TX_NEW_FLOW, 1, FLOW_BE, NULL), XT_PASS);
	XT_EQ(lbenv_del_service(&env, "10.0.0.10", 80, IPPROTO_TCP), 0);
	XT_EQ(send_expect(&FLOW, XDP_PASS, XLB_R_PASS_NOT_VIP, 0, 0, NULL), XT_PASS);
	return XT_PASS;
}

/* Every truncation of every base frame: never XDP_TX, exactly one reason, PASS untouched. */
static int truncation_sweep(const struct frame_spec *s)
{
	uint8_t full[FRAME_MAX], out[FRAME_MAX];
	size_t full_len = frame_build(full, s);
	uint64_t before[XLB_R_MAX], after[XLB_R_MAX];

	XT_EQ(setup_standard(), 0);
	for (size_t len = 14; len < full_len; len++) {
		size_t out_len;
		int action;
		uint64_t total = 0;

		XT_EQ(lbenv_reasons(&env, before), 0);
		XT_EQ(lbenv_run(&env, full, len, out, &out_len, &action), 0);
		XT_EQ(lbenv_reasons(&env, after), 0);
		for (int r = 0; r < XLB_R_MAX; r++)
			total += after[r] - before[r];
		XT_CHECK(action == XDP_PASS || action == XDP_DROP, "length %zu: action %d", len,
			 action);
		XT_CHECK(total == 1, "length %zu: %llu reasons counted", len,
			 (unsigned long long)total);
		if (action == XDP_PASS)
			XT_CHECK(frame_equal(out, out_len, full, len), "length %zu changed", len);
	}
	return XT_PASS;
}

static int t_truncate_tcp4(void)
{
	struct frame_spec s = { TCP4("10.0.0.10", 80), .payload = 4 };

	return truncation_sweep(&s);
}

static int t_truncate_udp4_vlan2(void)
{
	struct frame_spec s = { UDP4("10.0.0.10", 53), .payload = 4, .nvlan = 2 };

	return truncation_sweep(&s);
}

static int t_truncate_tcp6_vlan1(void)
{
	struct frame_spec s = { TCP6("2001:db8::10", 80), .payload = 4, .nvlan = 1 };

	return truncation_sweep(&s);
}

static int t_truncate_udp6(void)
{
	struct frame_spec s = { UDP6("2001:db8::10", 53), .payload = 4 };

	return truncation_sweep(&s);
}

static int t_truncate_tcp4_options(void)
{
	struct frame_spec s = { TCP4("10.0.0.10", 80), .payload = 4, .ip_opts = 12 };

	return truncation_sweep(&s);
}

/* Run s once and return the last byte of the outer destination (the backend), or -1. */
static int outer_dst_last_byte(const struct frame_spec *s)
{
	uint8_t in[FRAME_MAX], out[FRAME_MAX];
	size_t len = frame_build(in, s), out_len;
	int action;

	if (lbenv_run(&env, in, len, out, &out_len, &action) || action != XDP_TX)
		return -1;
	return out[14 + 19];
}

static int t_icmp_error_follows_conn_entry(void)
{
	struct frame_spec err = { ICMP4_ERR(3, 4, 1400, &FROM_VIP4, 28) };

	XT_EQ(setup_standard(), 0);
	XT_EQ(add_spare_backend(XLB_BE_UP), 0);
	XT_EQ(put_conn(&FLOW4, 21, 1, 0), 0);
	XT_EQ(outer_dst_last_byte(&err), 21);
	/* The error did not create or change the entry, and the flow itself still goes there. */
	XT_EQ(lbenv_count_conns(&env), 1);
	XT_EQ(outer_dst_last_byte(&FLOW4), 21);
	return XT_PASS;
}

/* An ICMP error's RSS hash is not its flow's: it finds the flow's entry in another CPU's part
 * (the last part; the same one on a single-CPU machine). */
static int t_icmp_error_follows_other_cpu(void)
{
	struct frame_spec err = { ICMP4_ERR(3, 4, 1400, &FROM_VIP4, 28) };

	XT_EQ(setup_standard(), 0);
	XT_EQ(add_spare_backend(XLB_BE_UP), 0);
	XT_EQ(put_conn_on((uint32_t)env.ncpus - 1, &FLOW4, 21, 1, now_ticks()), 0);
	XT_EQ(outer_dst_last_byte(&err), 21);
	XT_EQ(lbenv_count_conns(&env), 1);
	return XT_PASS;
}

/* A flow whose entry is in another CPU's part (RSS moved it, or a veth runs XDP on the sending
 * CPU) keeps its backend on this CPU: a RST follows the entry without writing, any other
 * packet copies it into this CPU's part, confirmed. Needs two CPUs (this machine has them). */
static int t_conn_moved_from_other_cpu(void)
{
	struct frame_spec rst = FLOW;
	uint64_t before[XLB_R_MAX], after[XLB_R_MAX];
	struct xlb_conn v;

	XT_CHECK(env.ncpus > 1, "one possible CPU: no other part to move from");
	rst.tcp_flags = 0x14;
	XT_EQ(setup_standard(), 0);
	XT_EQ(add_spare_backend(XLB_BE_UP), 0);
	XT_EQ(put_conn_on((uint32_t)env.ncpus - 1, &FLOW, 21, 1, now_ticks()), 0);
	XT_EQ(lbenv_reasons(&env, before), 0);
	XT_EQ(outer_dst_last_byte(&rst), 21);
	XT_EQ(get_conn(&FLOW, &v), -ENOENT);
	XT_EQ(outer_dst_last_byte(&FLOW), 21);
	XT_EQ(lbenv_reasons(&env, after), 0);
	XT_EQ(after[XLB_R_TX_CONN_HIT] - before[XLB_R_TX_CONN_HIT], 2);
	XT_EQ(get_conn(&FLOW, &v), 0);
	XT_EQ(v.backend_id, 21);
	XT_CHECK(v.tick & XLB_CONN_CONFIRMED, "the copy is not confirmed: %#x", v.tick);
	XT_EQ(lbenv_count_conns(&env), 2);
	XT_EQ(lbenv_conns_occupancy(&env), 1);
	/* From now on the flow hits in this CPU's part. */
	XT_EQ(outer_dst_last_byte(&FLOW), 21);
	XT_EQ(lbenv_count_conns(&env), 2);
	return XT_PASS;
}

/* A flow whose entry on this CPU may not be followed (here: UDP idle past the timeout) but is
 * live in another CPU's part (its packets went there meanwhile) keeps its live backend, not
 * its Maglev slot: the live entry is copied over the idle one. Needs two CPUs. */
static int t_idle_here_live_elsewhere(void)
{
	struct xlb_config c = stdenv_config();
	uint64_t before[XLB_R_MAX], after[XLB_R_MAX];
	struct xlb_conn v;

	XT_CHECK(env.ncpus > 1, "one possible CPU: no other part");
	c.udp_idle_ticks = xlb_udp_idle_ticks(2);
	XT_EQ(setup_standard(), 0);
	XT_EQ(lbenv_set_config(&env, &c), 0);
	XT_EQ(lbenv_set_backend(&env, 22, "10.1.0.22", 2, 1, XLB_BE_UP, 100), 0);
	XT_CHECK(std_be(&UFLOW, 2) != 22, "the Maglev slot is the live backend: nothing to show");
	XT_EQ(put_conn(&UFLOW, 22, 1, now_ticks() - 10), 0);
	XT_EQ(put_conn_on((uint32_t)env.ncpus - 1, &UFLOW, 22, 1, now_ticks()), 0);
	XT_EQ(lbenv_reasons(&env, before), 0);
	XT_EQ(outer_dst_last_byte(&UFLOW), 22);
	XT_EQ(lbenv_reasons(&env, after), 0);
	XT_EQ(after[XLB_R_TX_CONN_HIT] - before[XLB_R_TX_CONN_HIT], 1);
	XT_EQ(get_conn(&UFLOW, &v), 0);
	XT_EQ(v.backend_id, 22);
	XT_CHECK((v.tick & XLB_CONN_TICK_MASK) + 1 >= now_ticks(), "tick %#x not the copy's",
		 v.tick);
	XT_EQ(lbenv_count_conns(&env), 2); /* copied over the idle one, not beside it */
	/* Idle everywhere: the Maglev slot. */
	XT_EQ(put_conn_on((uint32_t)env.ncpus - 1, &UFLOW, 22, 1, now_ticks() - 10), 0);
	XT_EQ(put_conn(&UFLOW, 22, 1, now_ticks() - 10), 0);
	XT_EQ(send_expect(&UFLOW, XDP_TX, XLB_R_TX_RESELECT, 2, std_be(&UFLOW, 2), &c), XT_PASS);
	/* No entry here, an idle one elsewhere: re-selected too, and counted so. */
	XT_EQ(lbenv_flush_conns(&env), 0);
	XT_EQ(put_conn_on((uint32_t)env.ncpus - 1, &UFLOW, 22, 1, now_ticks() - 10), 0);
	XT_EQ(send_expect(&UFLOW, XDP_TX, XLB_R_TX_RESELECT, 2, std_be(&UFLOW, 2), &c), XT_PASS);
	return XT_PASS;
}

/* Counter k of xlb_conns_count summed over the CPUs, or -1. */
static int64_t conns_counter_sum(uint32_t k)
{
	uint64_t *vals = calloc((size_t)env.ncpus, sizeof(*vals));
	int64_t n = 0;

	if (!vals || bpf_map_lookup_elem(env.conns_count_fd, &k, vals))
		n = -1;
	for (int i = 0; n >= 0 && i < env.ncpus; i++)
		n += (int64_t)vals[i];
	free(vals);
	return n;
}

/* The configuration's table shape says `parts` parts (the map keeps its own: a part past it is
 * not there to look in or empty). Returns 0 or -errno. */
static int set_conn_parts(uint32_t parts)
{
	struct xlb_config c;
	uint32_t zero = 0;

	if (bpf_map_lookup_elem(env.cfg_fd, &zero, &c))
		return -errno;
	c.conn_parts = parts;
	return bpf_map_update_elem(env.cfg_fd, &zero, &c, BPF_ANY) ? -errno : 0;
}

/* A SYN's choice replaces the flow's entry everywhere: the entry an earlier connection of the
 * same addresses and ports left in CPU 1's part is emptied, so that the new connection's
 * packets there take the new choice, not the old backend. With a table of `parts` parts: 2
 * takes the inline check of each part (ct_forget_few()), more than XLB_CONN_FORGET_INLINE
 * the loop (ct_forget_others()), whatever the machine's CPUs. */
static int syn_forgets_other_parts(uint32_t parts)
{
	struct frame_spec syn = FLOW;
	uint32_t src[4] = { 0 };

	XT_CHECK(env.ncpus > 1, "one possible CPU: no other part");
	syn.tcp_flags = 0x02;
	addr_parse(FLOW.src, src);
	XT_EQ(setup_standard(), 0);
	XT_EQ(set_conn_parts(parts), 0);
	XT_EQ(add_spare_backend(XLB_BE_UP), 0);
	XT_EQ(put_conn_on(1, &FLOW, 21, 1, now_ticks()), 0);
	XT_EQ(send_expect(&syn, XDP_TX, XLB_R_TX_NEW_FLOW, 1, FLOW_BE, NULL), XT_PASS);
	XT_CHECK(!lbenv_conn(&env, 1, stdenv_conn_hash(&FLOW, SEED), src, htons(FLOW.sport),
			     htons(FLOW.dport)),
		 "the old entry in CPU 1's part is still there (%u parts)", parts);
	XT_EQ(lbenv_count_conns(&env), 1);
	/* filled 1 (the SYN's), forgotten 1 (the old one, which no fill had counted); the key
	 * userspace flushes into stays the data path's to read only */
	XT_EQ(conns_counter_sum(XLB_CONNS_FILLED), 1);
	XT_EQ(conns_counter_sum(XLB_CONNS_FORGOTTEN), 1);
	XT_EQ(conns_counter_sum(XLB_CONNS_FLUSHED), 0);
	XT_EQ(lbenv_conns_occupancy(&env), 0);
	XT_EQ(send_expect(&FLOW, XDP_TX, XLB_R_TX_CONN_HIT, 1, FLOW_BE, NULL), XT_PASS);
	return XT_PASS;
}

static int t_syn_forgets_other_parts(void)
{
	return syn_forgets_other_parts(2);
}

static int t_syn_forgets_other_parts_loop(void)
{
	return syn_forgets_other_parts(XLB_CONN_FORGET_INLINE + 1);
}

/* With XLB_CFG_F_CPU_LOCAL (flows stay on their CPU) a packet looks only in its own CPU's
 * part: a flow whose entry is in another part only is a new flow here, by its Maglev slot, and
 * that entry is neither followed, copied nor emptied by a SYN; a RST still follows it (its RSS
 * hash is not its flow's). Needs two CPUs. */
static int t_cpu_local_keeps_to_own_part(void)
{
	struct xlb_config c = stdenv_config();
	struct frame_spec syn = FLOW, rst = FLOW;
	uint32_t src[4] = { 0 }, last = (uint32_t)env.ncpus - 1, h = stdenv_conn_hash(&FLOW, SEED);
	const struct xlb_conn *o;
	struct xlb_conn v;

	XT_CHECK(env.ncpus > 1, "one possible CPU: no other part");
	syn.tcp_flags = 0x02;
	rst.tcp_flags = 0x14;
	addr_parse(FLOW.src, src);
	c.flags |= XLB_CFG_F_CPU_LOCAL;
	XT_EQ(setup_standard(), 0);
	XT_EQ(lbenv_set_config(&env, &c), 0);
	XT_EQ(add_spare_backend(XLB_BE_UP), 0);
	XT_EQ(put_conn_on(last, &FLOW, 21, 1, now_ticks()), 0);
	XT_EQ(outer_dst_last_byte(&rst), 21);
	XT_EQ(send_expect(&FLOW, XDP_TX, XLB_R_TX_NEW_FLOW, 1, FLOW_BE, &c), XT_PASS);
	XT_EQ(get_conn(&FLOW, &v), 0);
	XT_EQ(v.backend_id, FLOW_BE);
	o = lbenv_conn(&env, last, h, src, htons(FLOW.sport), htons(FLOW.dport));
	XT_CHECK(o && o->backend_id == 21, "the entry in CPU %u's part changed", last);
	XT_EQ(send_expect(&syn, XDP_TX, XLB_R_TX_NEW_FLOW, 1, FLOW_BE, &c), XT_PASS);
	o = lbenv_conn(&env, last, h, src, htons(FLOW.sport), htons(FLOW.dport));
	XT_CHECK(o && o->backend_id == 21, "the SYN emptied CPU %u's part", last);
	XT_EQ(conns_counter_sum(XLB_CONNS_FORGOTTEN), 0);
	XT_EQ(lbenv_count_conns(&env), 2);
	return XT_PASS;
}

/* n flows of service 1 (TCP to 10.0.0.10:80) whose entries share one bucket of this CPU's
 * part, from FLOW with other client ports. Returns 0 or -1 when none are found. */
static int same_bucket(struct frame_spec *f, int n)
{
	uint32_t want = xlb_conn_index(stdenv_conn_hash(&FLOW, SEED), LBENV_CPU, env.conn_buckets);
	int k = 0;

	for (uint32_t port = 20000; port < 65000 && k < n; port++) {
		f[k] = FLOW;
		f[k].sport = (uint16_t)port;
		if (xlb_conn_index(stdenv_conn_hash(&f[k], SEED), LBENV_CPU, env.conn_buckets) ==
		    want)
			k++;
	}
	return k == n ? 0 : -1;
}

/* Make flow s's entry (this CPU's part) `age` ticks old, keeping its confirmed bit. */
static int age_conn(const struct frame_spec *s, uint32_t age)
{
	uint32_t src[4] = { 0 };
	struct xlb_conn *c;

	addr_parse(s->src, src);
	c = lbenv_conn(&env, LBENV_CPU, stdenv_conn_hash(s, SEED), src, htons(s->sport),
		       htons(s->dport));
	if (!c)
		return -ENOENT;
	c->tick = (c->tick & XLB_CONN_CONFIRMED) | ((now_ticks() - age) & XLB_CONN_TICK_MASK);
	return 0;
}

/* Flow s of service 1: a new flow, then a hit that confirms its entry. */
static int new_then_hit(const struct frame_spec *s)
{
	XT_EQ(send_expect(s, XDP_TX, XLB_R_TX_NEW_FLOW, 1, std_be(s, 1), NULL), XT_PASS);
	XT_EQ(send_expect(s, XDP_TX, XLB_R_TX_CONN_HIT, 1, std_be(s, 1), NULL), XT_PASS);
	return XT_PASS;
}

/* A full bucket of confirmed entries: a SYN evicts none of them and goes untracked by its slot;
 * the flow's first ACK takes the oldest entry, whose flow then goes by its slot again. The
 * occupancy counter counts entries taken from empty only. */
static int t_bucket_full_of_confirmed(void)
{
	struct frame_spec f[5], syn;
	struct xlb_conn v;

	XT_EQ(setup_standard(), 0);
	XT_EQ(same_bucket(f, 5), 0);
	for (int i = 0; i < 4; i++) {
		XT_EQ(new_then_hit(&f[i]), XT_PASS);
	}
	XT_EQ(lbenv_count_conns(&env), 4);
	XT_EQ(lbenv_conns_occupancy(&env), 4);
	syn = f[4];
	syn.tcp_flags = 0x02;
	XT_EQ(send_expect(&syn, XDP_TX, XLB_R_TX_UNTRACKED, 1, std_be(&syn, 1), NULL), XT_PASS);
	XT_EQ(get_conn(&f[4], &v), -ENOENT);
	XT_EQ(lbenv_count_conns(&env), 4);
	XT_EQ(age_conn(&f[2], 5), 0);
	XT_EQ(age_conn(&f[1], 3), 0);
	XT_EQ(send_expect(&f[4], XDP_TX, XLB_R_TX_NEW_FLOW, 1, std_be(&f[4], 1), NULL), XT_PASS);
	XT_EQ(get_conn(&f[4], &v), 0);
	XT_EQ(get_conn(&f[2], &v), -ENOENT);
	XT_EQ(get_conn(&f[1], &v), 0);
	XT_EQ(lbenv_count_conns(&env), 4);
	XT_EQ(lbenv_conns_occupancy(&env), 4);
	/* The evicted flow goes to its Maglev slot, a new entry again. */
	XT_EQ(send_expect(&f[2], XDP_TX, XLB_R_TX_NEW_FLOW, 1, std_be(&f[2], 1), NULL), XT_PASS);
	XT_EQ(lbenv_flush_conns(&env), 0);
	XT_EQ(lbenv_conns_occupancy(&env), 0);
	return XT_PASS;
}

/* An unconfirmed entry (a SYN never answered, a one-packet flow) goes before any confirmed
 * one, however recent; and a SYN may take it. */
static int t_bucket_unconfirmed_first(void)
{
	struct frame_spec f[6], syn;
	struct xlb_conn v;

	XT_EQ(setup_standard(), 0);
	XT_EQ(same_bucket(f, 6), 0);
	for (int i = 0; i < 3; i++) {
		XT_EQ(new_then_hit(&f[i]), XT_PASS);
		XT_EQ(age_conn(&f[i], 10), 0);
	}
	syn = f[3];
	syn.tcp_flags = 0x02;
	XT_EQ(send_expect(&syn, XDP_TX, XLB_R_TX_NEW_FLOW, 1, std_be(&syn, 1), NULL), XT_PASS);
	XT_EQ(get_conn(&f[3], &v), 0);
	XT_CHECK(!(v.tick & XLB_CONN_CONFIRMED), "a SYN's entry is confirmed: %#x", v.tick);
	/* The bucket is full; the next new flow takes the half-open entry, not an older one. */
	syn = f[4];
	syn.tcp_flags = 0x02;
	XT_EQ(send_expect(&syn, XDP_TX, XLB_R_TX_NEW_FLOW, 1, std_be(&syn, 1), NULL), XT_PASS);
	XT_EQ(get_conn(&f[3], &v), -ENOENT);
	XT_EQ(get_conn(&f[4], &v), 0);
	for (int i = 0; i < 3; i++)
		XT_EQ(get_conn(&f[i], &v), 0);
	/* An ACK of yet another flow takes the unconfirmed entry too. */
	XT_EQ(send_expect(&f[5], XDP_TX, XLB_R_TX_NEW_FLOW, 1, std_be(&f[5], 1), NULL), XT_PASS);
	XT_EQ(get_conn(&f[4], &v), -ENOENT);
	XT_EQ(lbenv_count_conns(&env), 4);
	XT_EQ(lbenv_conns_occupancy(&env), 4);
	return XT_PASS;
}

/* Later fragments follow the first even when new flows would now go elsewhere. */
static int fragments_follow_first(const struct frame_spec *first, const struct frame_spec *later,
				  uint32_t svc, uint32_t be)
{
	uint32_t ids[STD_M];
	uint64_t before = lbenv_be_pkts(&env, be);

	XT_EQ(send_expect(first, XDP_TX, XLB_R_TX_NEW_FLOW, svc, be, NULL), XT_PASS);
	XT_EQ(lbenv_set_backend(&env, 21, "10.1.0.21", svc, 1, XLB_BE_UP, 100), 0);
	for (int i = 0; i < STD_M; i++)
		ids[i] = 21;
	XT_EQ(lbenv_set_table(&env, svc, ids, STD_M), 0);
	for (int i = 0; i < 3; i++)
		XT_EQ(send_expect(later, XDP_TX, XLB_R_TX_FRAGMENT, svc, be, NULL), XT_PASS);
	XT_EQ(lbenv_be_pkts(&env, be) - before, 4);
	/* Its backend going down ends the datagram: the rest is dropped, not misrouted. */
	XT_EQ(lbenv_set_backend(&env, be, stdenv_backend_addr(be), svc, 1, XLB_BE_DOWN, 100), 0);
	XT_EQ(send_expect(later, XDP_DROP, XLB_R_DROP_FRAGMENT, svc, 0, NULL), XT_PASS);
	return XT_PASS;
}

static int t_fragments_v4_follow_first(void)
{
	struct frame_spec first = { UDP4("10.0.0.10", 53), .frag = 0x2000, .no_df = true,
				    .frag_id = 4242, .payload = 200 };
	struct frame_spec later = { UDP4("10.0.0.10", 53), .frag = 26,	    .no_df = true,
				    .no_l4 = true,	   .frag_id = 4242, .payload = 100 };
	struct frame_spec other_id = later;

	XT_EQ(setup_standard(), 0);
	XT_EQ(fragments_follow_first(&first, &later, 2, 2), XT_PASS);
	other_id.frag_id = 4243;
	XT_EQ(send_expect(&other_id, XDP_PASS, XLB_R_PASS_FRAGMENT, 0, 0, NULL), XT_PASS);
	return XT_PASS;
}

static int t_fragments_v6_follow_first(void)
{
	struct frame_spec first = { UDP6("2001:db8::10", 53), .ext = { IPPROTO_FRAGMENT },
				    .frag6 = 1, .frag_id = 0x01020304, .payload = 200 };
	struct frame_spec later = { UDP6("2001:db8::10", 53), .ext = { IPPROTO_FRAGMENT },
				    .frag6 = 26 << 3,	      .no_l4 = true,
				    .frag_id = 0x01020304,    .payload = 100 };

	XT_EQ(setup_standard(), 0);
	XT_EQ(fragments_follow_first(&first, &later, 4, 4), XT_PASS);
	return XT_PASS;
}

static int t_fragments_follow_first_gue_v6(void)
{
	struct frame_spec first = { UDP6("2001:db8::10", 53), .ext = { IPPROTO_FRAGMENT },
				    .frag6 = 1, .frag_id = 0x01020305, .payload = 201 };
	struct frame_spec later = { UDP6("2001:db8::10", 53), .ext = { IPPROTO_FRAGMENT },
				    .frag6 = 26 << 3,	      .no_l4 = true,
				    .frag_id = 0x01020305,    .payload = 99 };

	XT_EQ(setup_standard(), 0);
	XT_EQ(lbenv_set_backend_mode(&env, 4, XLB_ENCAP_GUE, NULL), 0);
	XT_EQ(fragments_follow_first(&first, &later, 4, 4), XT_PASS);
	return XT_PASS;
}

static int t_fragments_follow_first_l2_v4(void)
{
	struct frame_spec first = { UDP4("10.0.0.10", 53), .frag = 0x2000, .no_df = true,
				    .frag_id = 4244, .payload = 200 };
	struct frame_spec later = { UDP4("10.0.0.10", 53), .frag = 26,	    .no_df = true,
				    .no_l4 = true,	   .frag_id = 4244, .payload = 100 };

	XT_EQ(setup_standard(), 0);
	XT_EQ(lbenv_set_backend_mode(&env, 2, XLB_ENCAP_L2, MAC_BE), 0);
	XT_EQ(fragments_follow_first(&first, &later, 2, 2), XT_PASS);
	return XT_PASS;
}

static int t_truncate_icmp4_error(void)
{
	struct frame_spec s = { ICMP4_ERR(3, 4, 1400, &FROM_VIP4, 28) };

	return truncation_sweep(&s);
}

static int t_truncate_icmp6_error(void)
{
	struct frame_spec s = { ICMP6_ERR(2, 0, 1280, &FROM_VIP6, 48), .nvlan = 1 };

	return truncation_sweep(&s);
}

static int t_truncate_icmp6_echo(void)
{
	struct frame_spec s = { .family = 6,
				.src = C6,
				.dst = "2001:db8::10",
				.proto = IPPROTO_ICMPV6,
				.icmp_type = 128,
				.payload = 8 };

	return truncation_sweep(&s);
}

static int t_truncate_tcp6_ext_headers(void)
{
	struct frame_spec s = { TCP6("2001:db8::10", 80), .payload = 4,
				.ext = { EXT_HOPOPTS, IPPROTO_FRAGMENT, IPPROTO_DSTOPTS },
				.frag6 = 1 };

	return truncation_sweep(&s);
}

static int t_truncate_udp4_first_fragment(void)
{
	struct frame_spec s = { UDP4("10.0.0.10", 53), .payload = 4, .frag = 0x2000,
				.no_df = true };

	return truncation_sweep(&s);
}

/* ---- SYN path: what a SYN reads from and writes to the connection table ----------------- */

/* Run s once: verdict XDP_TX with reason, tunnelled to backend id be (the outer IPv4
 * destination checked by hand: stdenv_backend_addr() does not know the spare backend 21). */
static int syn_run(const struct frame_spec *s, int reason, uint32_t be)
{
	const char *addr = be == 21 ? "10.1.0.21" : stdenv_backend_addr(be);
	uint32_t want[4];
	uint64_t before[XLB_R_MAX], after[XLB_R_MAX];
	uint8_t in[FRAME_MAX], out[FRAME_MAX];
	size_t len = frame_build(in, s), out_len;
	int action;

	XT_EQ(lbenv_reasons(&env, before), 0);
	XT_EQ(lbenv_run(&env, in, len, out, &out_len, &action), 0);
	XT_EQ(action, XDP_TX);
	XT_EQ(lbenv_reasons(&env, after), 0);
	for (int r = 0; r < XLB_R_MAX; r++)
		XT_CHECK(after[r] - before[r] == (r == reason),
			 "reason %s moved by %llu (expected %s)", REASON_NAMES[r],
			 (unsigned long long)(after[r] - before[r]), REASON_NAMES[reason]);
	XT_CHECK(addr && addr_parse(addr, want) == 4, "test bug: backend %u unknown", be);
	XT_CHECK(!memcmp(out + 14 + 16, want, 4), "tunnelled to the wrong backend (want %s)", addr);
	return XT_PASS;
}

/* Every slot of service 1's table to backend id. */
static int syn_table_all(uint32_t id)
{
	uint32_t ids[STD_M];

	for (int i = 0; i < STD_M; i++)
		ids[i] = id;
	return lbenv_set_table(&env, 1, ids, STD_M);
}

/* A SYN, then a table change that moves the flow's slot: the established flow keeps its
 * backend, a retransmitted SYN follows the new slot and rewrites the entry, and the flow's
 * next packets follow the rewritten entry. */
static int t_syn_retransmit_follows_table(void)
{
	struct frame_spec syn = FLOW;
	struct xlb_conn v;

	syn.tcp_flags = 0x02;
	XT_EQ(setup_standard(), 0);
	XT_EQ(add_spare_backend(XLB_BE_UP), 0);
	XT_EQ(syn_table_all(1), 0);
	XT_EQ(syn_run(&syn, XLB_R_TX_NEW_FLOW, 1), XT_PASS);
	XT_EQ(get_conn(&FLOW, &v), 0);
	XT_EQ(v.backend_id, 1);
	XT_EQ(syn_table_all(21), 0);
	XT_EQ(syn_run(&FLOW, XLB_R_TX_CONN_HIT, 1), XT_PASS);
	XT_EQ(syn_run(&syn, XLB_R_TX_NEW_FLOW, 21), XT_PASS);
	XT_EQ(get_conn(&FLOW, &v), 0);
	XT_EQ(v.backend_id, 21);
	XT_EQ(syn_run(&FLOW, XLB_R_TX_CONN_HIT, 21), XT_PASS);
	XT_EQ(lbenv_count_conns(&env), 1);
	return XT_PASS;
}

/* The flood guard counts SYNs, a retransmitted one included (it is let through before the
 * table is read); a SYN past the guard neither reads nor writes the table, so the entry of its
 * first SYN stays and the flow's packets still hit it. */
static int t_syn_guard_counts_retransmits(void)
{
	struct xlb_config c = stdenv_config();
	struct frame_spec syn = FLOW, other = FLOW;
	struct xlb_conn v;

	c.new_flow_interval_ns = 1000000000;
	c.new_flow_burst = 1;
	syn.tcp_flags = 0x02;
	other.sport = 30001;
	other.tcp_flags = 0x02;
	XT_EQ(setup_standard(), 0);
	XT_EQ(lbenv_set_config(&env, &c), 0);
	XT_EQ(lbenv_reset_guard(&env), 0);
	XT_EQ(send_expect(&syn, XDP_TX, XLB_R_TX_NEW_FLOW, 1, std_be(&syn, 1), &c), XT_PASS);
	XT_EQ(send_expect(&syn, XDP_TX, XLB_R_TX_NEW_FLOW, 1, std_be(&syn, 1), &c), XT_PASS);
	XT_EQ(send_expect(&syn, XDP_TX, XLB_R_TX_FLOOD, 1, std_be(&syn, 1), &c), XT_PASS);
	XT_EQ(send_expect(&other, XDP_TX, XLB_R_TX_FLOOD, 1, std_be(&other, 1), &c), XT_PASS);
	XT_EQ(lbenv_count_conns(&env), 1);
	XT_EQ(get_conn(&FLOW, &v), 0);
	XT_EQ(v.backend_id, std_be(&FLOW, 1));
	XT_EQ(send_expect(&FLOW, XDP_TX, XLB_R_TX_CONN_HIT, 1, std_be(&FLOW, 1), &c), XT_PASS);
	XT_EQ(lbenv_reset_guard(&env), 0);
	return XT_PASS;
}

static const struct xt_case SYN_PATH_SCENARIOS[] = {
	{ "syn_retransmit_follows_table", t_syn_retransmit_follows_table },
	{ "syn_guard_counts_retransmits", t_syn_guard_counts_retransmits },
};

/* ---- main ------------------------------------------------------------------------------ */

static const struct xt_case SCENARIOS[] = {
	{ "conn_second_packet_hits", t_second_packet_hits },
	{ "conn_hit_uses_remembered_backend", t_hit_uses_remembered_backend },
	{ "conn_syn_reselects", t_syn_reselects },
	{ "conn_rst_never_creates", t_rst_never_creates },
	{ "conn_down_backend_reselected", t_down_backend_reselected },
	{ "conn_draining_backend_keeps_flows", t_draining_backend_keeps_flows },
	{ "conn_generation_mismatch_reselects", t_generation_mismatch_reselects },
	{ "conn_other_service_backend_reselects", t_other_service_backend_reselects },
	{ "conn_udp_idle_timeout", t_udp_idle_timeout },
	{ "conn_udp_no_timeout_when_zero", t_udp_no_timeout_when_zero },
	{ "conn_flood_guard", t_flood_guard },
	{ "conn_udp_idle_one_second", t_udp_idle_one_second },
	{ "mtu_too_big_never_below_minimum", t_too_big_never_below_minimum_mtu },
	{ "fragments_dropped_first_not_remembered", t_dropped_first_fragment_not_remembered },
	{ "fragments_v6_options_after_fragment_header",
	  t_fragments_v6_options_after_fragment_header },
	{ "svc_wildcard_flag_off_skips_port0", t_wildcard_flag_off_skips_port0 },
	{ "svc_exact_port_beats_wildcard", t_exact_port_beats_wildcard },
	{ "svc_deleted_passes", t_service_deleted_passes },
	{ "encap_no_source_for_family", t_no_source_v6 },
	{ "encap_rss_source_bits", t_rss_source_bits },
	{ "encap_mode_not_configured", t_mode_not_configured },
	{ "encap_mode_change_keeps_flows", t_mode_change_keeps_flows },
	{ "fragments_follow_first_gue_v6", t_fragments_follow_first_gue_v6 },
	{ "fragments_follow_first_l2_v4", t_fragments_follow_first_l2_v4 },
	{ "maglev_slot_as_documented", t_maglev_slot_as_documented },
	{ "maglev_weight_zero_gets_nothing", t_weight_zero_gets_nothing },
	{ "maglev_table_swap_atomic", t_table_swap_atomic },
	{ "truncate_tcp4", t_truncate_tcp4 },
	{ "truncate_udp4_vlan2", t_truncate_udp4_vlan2 },
	{ "truncate_tcp6_vlan1", t_truncate_tcp6_vlan1 },
	{ "truncate_udp6", t_truncate_udp6 },
	{ "truncate_tcp4_options", t_truncate_tcp4_options },
	{ "truncate_icmp4_error", t_truncate_icmp4_error },
	{ "truncate_icmp6_error_vlan1", t_truncate_icmp6_error },
	{ "truncate_icmp6_echo", t_truncate_icmp6_echo },
	{ "truncate_tcp6_ext_headers", t_truncate_tcp6_ext_headers },
	{ "truncate_udp4_first_fragment", t_truncate_udp4_first_fragment },
	{ "icmp_error_follows_conn_entry", t_icmp_error_follows_conn_entry },
	{ "icmp_error_follows_other_cpu", t_icmp_error_follows_other_cpu },
	{ "conn_moved_from_other_cpu", t_conn_moved_from_other_cpu },
	{ "conn_idle_here_live_elsewhere", t_idle_here_live_elsewhere },
	{ "conn_syn_forgets_other_parts", t_syn_forgets_other_parts },
	{ "conn_syn_forgets_other_parts_loop", t_syn_forgets_other_parts_loop },
	{ "conn_cpu_local_keeps_to_own_part", t_cpu_local_keeps_to_own_part },
	{ "conn_bucket_full_of_confirmed", t_bucket_full_of_confirmed },
	{ "conn_bucket_unconfirmed_first", t_bucket_unconfirmed_first },
	{ "fragments_v4_follow_first", t_fragments_v4_follow_first },
	{ "fragments_v6_follow_first", t_fragments_v6_follow_first },
	{ "maglev_std_services_follow_known_slots", t_std_services_follow_known_slots },
};

int main(int argc, char **argv)
{
	const char *only = argc > 1 ? argv[1] : NULL;
	struct xt_counts c = { 0 };
	int err;

	if (geteuid() != 0) {
		printf("skip bpf/*: needs root for BPF_PROG_TEST_RUN\n");
		c.skipped = 1;
		return xt_summary("bpf", &c);
	}
	/* One CPU, so that the tests know the connection table's part their frames use. */
	err = lbenv_pin();
	if (!err)
		err = lbenv_open(&env, 4096);
	if (err) {
		fprintf(stderr, "bpf: cannot load xlb_lb: %s\n", strerror(-err));
		c.failed = 1;
		return xt_summary("bpf", &c);
	}
	for (size_t i = 0; i < sizeof(FIXTURES) / sizeof(FIXTURES[0]); i++)
		if (!only || strstr(FIXTURES[i].name, only))
			xt_report("bpf", FIXTURES[i].name, run_fixture(&FIXTURES[i]), &c);
	for (size_t i = 0; i < sizeof(SCENARIOS) / sizeof(SCENARIOS[0]); i++)
		if (!only || strstr(SCENARIOS[i].name, only))
			xt_report("bpf", SCENARIOS[i].name, SCENARIOS[i].fn(), &c);
	for (size_t i = 0; i < sizeof(SYN_PATH_SCENARIOS) / sizeof(SYN_PATH_SCENARIOS[0]); i++)
		if (!only || strstr(SYN_PATH_SCENARIOS[i].name, only))
			xt_report("bpf", SYN_PATH_SCENARIOS[i].name, SYN_PATH_SCENARIOS[i].fn(),
				  &c);
	lbenv_close(&env);
	return xt_summary("bpf", &c);
}
