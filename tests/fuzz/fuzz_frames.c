// SPDX-License-Identifier: GPL-2.0
/* fuzz_frames.c - random and mutated frames through the real xlb_lb under BPF_PROG_TEST_RUN,
 * while the control plane changes under them (fuzzenv.c), each frame judged twice:
 * - against the reference model (model.c): the verdict, the reason counted, the backend
 *   counted, the exact output bytes and the connection entry and fragment record the frame
 *   leaves must all be the model's; every BATCH frames the whole connection and fragment
 *   tables and the service and backend counters must equal the model's too;
 * - against safety invariants: a passed frame leaves unchanged; every XDP_TX frame is either a
 *   well-formed tunnel (valid outer header around the unchanged original, to a real backend)
 *   or a well-formed ICMP reply to the sender; nothing aborts; and the reason counters add up,
 *   per verdict, to the frames run.
 * Seeded and reproducible; a mismatch prints the frame, both outcomes and how to replay it.
 *
 * Usage: fuzz_frames [-n FRAMES] [-s SEED] [-v]. Needs root. */
#include <arpa/inet.h>
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
#include "fuzzenv.h"
#include "fuzzrng.h"
#include "model.h"
#include "xt.h"

#define BATCH 1024 /* frames between counter and whole-table checks */
#define MAX_REPORTS 5
/* Connection-table size the program is loaded with: small (128 buckets of 4 per CPU on two
 * CPUs), so that buckets fill up and the model's eviction is checked too. */
#define CONNS 1024
#define FRAG_FLUSH 1024 /* fragment records kept before both sides are emptied */

static struct fuzzenv env;
static int verbose;

/* Valid frames the mutations start from: every kind of packet the data path handles. */
#define C4 "198.51.100.7"
#define C6 "2001:db8:c::7"
static const struct frame_spec VIP4_FLOW = { .family = 4,
					     .src = "10.0.0.10",
					     .dst = C4,
					     .sport = 80,
					     .dport = 40000,
					     .proto = IPPROTO_TCP,
					     .payload = 20 };
static const struct frame_spec VIP6_FLOW = { .family = 6,
					     .src = "2001:db8::10",
					     .dst = C6,
					     .sport = 80,
					     .dport = 40002,
					     .proto = IPPROTO_TCP,
					     .payload = 20 };
static const struct frame_spec VIP4_UDP = { .family = 4,
					    .src = "10.0.0.10",
					    .dst = C4,
					    .sport = 53,
					    .dport = 40001,
					    .proto = IPPROTO_UDP,
					    .payload = 20 };
static const struct frame_spec VIP6_UDP0 = { .family = 6,
					     .src = "2001:db8::20",
					     .dst = C6,
					     .sport = 5353,
					     .dport = 40016,
					     .proto = IPPROTO_UDP,
					     .payload = 20 };
static const struct frame_spec CORPUS[] = {
	{ .family = 4,
	  .src = C4,
	  .dst = "10.0.0.10",
	  .sport = 40000,
	  .dport = 80,
	  .proto = IPPROTO_TCP,
	  .tcp_flags = 0x02,
	  .payload = 40 },
	{ .family = 4,
	  .src = C4,
	  .dst = "10.0.0.10",
	  .sport = 40001,
	  .dport = 53,
	  .proto = IPPROTO_UDP,
	  .payload = 30,
	  .nvlan = 1 },
	{ .family = 6,
	  .src = C6,
	  .dst = "2001:db8::10",
	  .sport = 40002,
	  .dport = 80,
	  .proto = IPPROTO_TCP,
	  .payload = 40,
	  .nvlan = 2 },
	{ .family = 6,
	  .src = C6,
	  .dst = "2001:db8::10",
	  .sport = 40003,
	  .dport = 53,
	  .proto = IPPROTO_UDP,
	  .payload = 30 },
	{ .family = 4,
	  .src = C4,
	  .dst = "10.0.0.30",
	  .sport = 40004,
	  .dport = 80,
	  .proto = IPPROTO_TCP,
	  .payload = 10,
	  .tos = 0xb9 },
	{ .family = 6,
	  .src = C6,
	  .dst = "2001:db8::30",
	  .sport = 40005,
	  .dport = 80,
	  .proto = IPPROTO_TCP,
	  .payload = 10 },
	{ .family = 4,
	  .src = C4,
	  .dst = "10.0.0.20",
	  .sport = 40006,
	  .dport = 8080,
	  .proto = IPPROTO_TCP,
	  .payload = 10,
	  .ip_opts = 8 },
	{ .family = 4,
	  .src = C4,
	  .dst = "10.9.9.9",
	  .sport = 40007,
	  .dport = 80,
	  .proto = IPPROTO_TCP,
	  .payload = 10 },
	{ .family = 6,
	  .src = C6,
	  .dst = "2001:db8::99",
	  .sport = 40008,
	  .dport = 53,
	  .proto = IPPROTO_UDP,
	  .payload = 10 },
	{ .family = 4,
	  .src = C4,
	  .dst = "10.0.0.10",
	  .proto = IPPROTO_ICMP,
	  .icmp_type = 8,
	  .icmp_rest = 0x10001,
	  .payload = 32 },
	{ .family = 6,
	  .src = C6,
	  .dst = "2001:db8::10",
	  .proto = IPPROTO_ICMPV6,
	  .icmp_type = 128,
	  .icmp_rest = 0x10001,
	  .payload = 32 },
	{ .family = 4,
	  .src = "203.0.113.1",
	  .dst = "10.0.0.10",
	  .proto = IPPROTO_ICMP,
	  .icmp_type = 3,
	  .icmp_code = 4,
	  .icmp_rest = 1400,
	  .quote = &VIP4_FLOW,
	  .quote_len = 28 },
	{ .family = 6,
	  .src = "2001:db8:99::1",
	  .dst = "2001:db8::10",
	  .proto = IPPROTO_ICMPV6,
	  .icmp_type = 2,
	  .icmp_rest = 1280,
	  .quote = &VIP6_FLOW,
	  .quote_len = 48 },
	{ .family = 4,
	  .src = C4,
	  .dst = "10.0.0.10",
	  .sport = 40009,
	  .dport = 53,
	  .proto = IPPROTO_UDP,
	  .payload = 64,
	  .frag = 0x2000,
	  .no_df = true,
	  .frag_id = 9 },
	{ .family = 4,
	  .src = C4,
	  .dst = "10.0.0.10",
	  .sport = 40009,
	  .dport = 53,
	  .proto = IPPROTO_UDP,
	  .payload = 64,
	  .frag = 9,
	  .no_df = true,
	  .no_l4 = true,
	  .frag_id = 9 },
	{ .family = 6,
	  .src = C6,
	  .dst = "2001:db8::10",
	  .sport = 40010,
	  .dport = 80,
	  .proto = IPPROTO_TCP,
	  .payload = 10,
	  .ext = { EXT_HOPOPTS, IPPROTO_ROUTING, IPPROTO_FRAGMENT },
	  .frag6 = 0 },
	{ .family = 4,
	  .src = C4,
	  .dst = "10.0.0.10",
	  .sport = 40011,
	  .dport = 80,
	  .proto = IPPROTO_TCP,
	  .payload = 1441 },
	{ .family = 6,
	  .src = C6,
	  .dst = "2001:db8::10",
	  .sport = 40012,
	  .dport = 53,
	  .proto = IPPROTO_UDP,
	  .payload = 1413 },
	{ .family = 4,
	  .src = "192.0.2.9",
	  .dst = "10.0.0.10",
	  .proto = IPPROTO_IPIP,
	  .payload = 40 },
	/* Services with an empty table, no table, a down backend; port-0 UDP over IPv6. */
	{ .family = 4,
	  .src = C4,
	  .dst = "10.0.0.40",
	  .sport = 40013,
	  .dport = 80,
	  .proto = IPPROTO_TCP,
	  .payload = 10 },
	{ .family = 4,
	  .src = C4,
	  .dst = "10.0.0.50",
	  .sport = 40014,
	  .dport = 80,
	  .proto = IPPROTO_TCP,
	  .payload = 10 },
	{ .family = 4,
	  .src = C4,
	  .dst = "10.0.0.70",
	  .sport = 40015,
	  .dport = 80,
	  .proto = IPPROTO_UDP,
	  .payload = 10 },
	{ .family = 6,
	  .src = C6,
	  .dst = "2001:db8::20",
	  .sport = 40016,
	  .dport = 5353,
	  .proto = IPPROTO_UDP,
	  .payload = 20,
	  .nvlan = 1 },
	/* TCP RST and SYN over IPv6; an IPv4 client on the IPv6 port-0 VIP's twin. */
	{ .family = 6,
	  .src = C6,
	  .dst = "2001:db8::10",
	  .sport = 40017,
	  .dport = 80,
	  .proto = IPPROTO_TCP,
	  .tcp_flags = 0x14,
	  .payload = 0 },
	{ .family = 6,
	  .src = C6,
	  .dst = "2001:db8::30",
	  .sport = 40018,
	  .dport = 80,
	  .proto = IPPROTO_TCP,
	  .tcp_flags = 0x02,
	  .payload = 0 },
	/* IPv6 fragments of one UDP datagram: the head, then a later piece. */
	{ .family = 6,
	  .src = C6,
	  .dst = "2001:db8::10",
	  .sport = 40019,
	  .dport = 53,
	  .proto = IPPROTO_UDP,
	  .payload = 64,
	  .ext = { IPPROTO_FRAGMENT },
	  .frag6 = 1,
	  .frag_id = 0x77 },
	{ .family = 6,
	  .src = C6,
	  .dst = "2001:db8::10",
	  .sport = 40019,
	  .dport = 53,
	  .proto = IPPROTO_UDP,
	  .payload = 64,
	  .ext = { IPPROTO_FRAGMENT },
	  .frag6 = 9 << 3,
	  .no_l4 = true,
	  .frag_id = 0x77 },
	/* ICMP errors about UDP flows: time exceeded (v4), unreachable about port 0 (v6). */
	{ .family = 4,
	  .src = "203.0.113.1",
	  .dst = "10.0.0.10",
	  .proto = IPPROTO_ICMP,
	  .icmp_type = 11,
	  .quote = &VIP4_UDP,
	  .quote_len = 28 },
	{ .family = 6,
	  .src = "2001:db8:99::1",
	  .dst = "2001:db8::20",
	  .proto = IPPROTO_ICMPV6,
	  .icmp_type = 1,
	  .icmp_code = 4,
	  .quote = &VIP6_UDP0,
	  .quote_len = 48 },
	/* Five extension headers before ICMPv6 to a VIP: one more than the data path walks. */
	{ .family = 6,
	  .src = C6,
	  .dst = "2001:db8::10",
	  .proto = IPPROTO_ICMPV6,
	  .icmp_type = 128,
	  .payload = 8,
	  .ext = { EXT_HOPOPTS, IPPROTO_DSTOPTS, IPPROTO_ROUTING, IPPROTO_DSTOPTS,
		   IPPROTO_DSTOPTS } },
	/* A large IPv6 TCP packet through a hop-by-hop header, and a large IPv4 UDP one. */
	{ .family = 6,
	  .src = C6,
	  .dst = "2001:db8::30",
	  .sport = 40020,
	  .dport = 80,
	  .proto = IPPROTO_TCP,
	  .payload = 1250,
	  .ext = { EXT_HOPOPTS } },
	{ .family = 4,
	  .src = C4,
	  .dst = "10.0.0.10",
	  .sport = 40021,
	  .dport = 53,
	  .proto = IPPROTO_UDP,
	  .payload = 1300 },
};
#define NCORPUS (sizeof(CORPUS) / sizeof(CORPUS[0]))

static uint8_t corpus_buf[NCORPUS][FRAME_MAX];
static size_t corpus_len[NCORPUS];

/* ---- frame inspection ------------------------------------------------------------------ */

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* L2 header length of a frame as xlb_lb reads it (0..2 VLAN tags). */
static size_t l2_len(const uint8_t *f, size_t len)
{
	size_t off = 12;

	for (int i = 0; i < 2 && off + 2 <= len; i++) {
		uint16_t t = get16(f + off);

		if (t != 0x8100 && t != 0x88a8)
			break;
		off += 4;
	}
	return off + 2;
}

/* Sum of a buffer as RFC 1071 words, folded, not complemented: 0xffff means "valid". */
static uint16_t sum16(const uint8_t *p, size_t len, uint32_t sum)
{
	for (size_t i = 0; i + 1 < len; i += 2)
		sum += get16(p + i);
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

static const char *why; /* what the last failed check was */

#define FAILIF(cond, msg)          \
	do {                       \
		if (cond) {        \
			why = msg; \
			return 0;  \
		}                  \
	} while (0)

/* The first `bits` bits of a and b (network order) are equal: an outer source whose low bits
 * may carry RSS bits from the flow hash. */
static int prefix_eq(const void *a, const void *b, int bits)
{
	const uint8_t *x = a, *y = b;

	for (int i = 0; bits > 0; i++, bits -= 8) {
		uint8_t mask = bits >= 8 ? 0xff : (uint8_t)(0xff << (8 - bits));

		if ((x[i] ^ y[i]) & mask)
			return 0;
	}
	return 1;
}

/* L2 direct routing: the input with a backend's MAC (FUZZ_BE_MAC, a backend id in the last
 * byte) as destination and the input's destination as source, nothing else changed. */
static int l2_ok(const uint8_t *in, size_t in_len, const uint8_t *out, size_t out_len)
{
	static const uint8_t be_mac[6] = { FUZZ_BE_MAC };

	FAILIF(out_len != in_len, "L2 length");
	FAILIF(memcmp(out, be_mac, 5) || out[5] >= FUZZ_MAX_BE, "L2 destination is no backend MAC");
	FAILIF(memcmp(out + 6, in, 6), "L2 source MAC");
	FAILIF(memcmp(out + 12, in + 12, in_len - 12), "L2 frame changed beyond the MACs");
	return 1;
}

/* A tunnel: our MACs, the same tags, an outer header (IP-in-IP, or GUE: IP + UDP to the GUE
 * port from a port of 32768 and up, checksum 0 under IPv4 and valid under IPv6), then the input
 * from its IP header on. A frame to a backend's MAC is L2 direct routing (l2_ok). */
static int tunnel_ok(const uint8_t *in, size_t in_len, const uint8_t *out, size_t out_len)
{
	size_t l2 = l2_len(in, in_len), oh, ih, inner_len;
	uint32_t src4, src6[4];
	const uint8_t *o = out + l2, *u;
	uint8_t inner_ver = in[l2] >> 4, tos, proto;
	int gue;

	if (memcmp(out, MAC_GW, 6))
		return l2_ok(in, in_len, out, out_len);
	FAILIF(memcmp(out + 6, in, 6), "tunnel MACs");
	FAILIF(memcmp(out + 12, in + 12, l2 - 14), "tunnel VLAN tags");
	FAILIF(get16(out + l2 - 2) != 0x0800 && get16(out + l2 - 2) != 0x86dd, "tunnel ethertype");
	ih = get16(out + l2 - 2) == 0x0800 ? 20 : 40;
	proto = ih == 20 ? o[9] : o[6];
	gue = proto == IPPROTO_UDP;
	oh = ih + (gue ? 8 : 0);
	u = o + ih;
	FAILIF(out_len != in_len + oh, "tunnel length");
	FAILIF(memcmp(out + l2 + oh, in + l2, in_len - l2), "inner packet changed");
	FAILIF(inner_ver != 4 && inner_ver != 6, "inner version");
	inner_len = inner_ver == 4 ? get16(in + l2 + 2) : get16(in + l2 + 4) + 40u;
	tos = inner_ver == 4 ? in[l2 + 1] : (uint8_t)(get16(in + l2) >> 4);
	src4 = env.cfg.src_v4;
	memcpy(src6, env.cfg.src_v6, 16);
	FAILIF(!gue && proto != (inner_ver == 4 ? IPPROTO_IPIP : IPPROTO_IPV6), "outer protocol");
	if (gue) {
		FAILIF(get16(u) < 0x8000, "GUE source port below 32768");
		FAILIF(memcmp(u + 2, &env.cfg.gue_port, 2) || !env.cfg.gue_port, "GUE port");
		FAILIF(get16(u + 4) != inner_len + 8, "GUE UDP length");
	}
	if (ih == 20) {
		FAILIF(o[0] != 0x45 || o[1] != tos || o[8] != 64, "outer IPv4 fields");
		FAILIF(get16(o + 2) != inner_len + oh, "outer total length");
		FAILIF(sum16(o, 20, 0) != 0xffff, "outer IPv4 checksum");
		FAILIF(!prefix_eq(o + 12, &src4, 32 - env.cfg.rss_bits_v4), "outer source");
		FAILIF(!fuzzenv_is_backend(4, o + 16), "outer destination is no backend");
		FAILIF(gue && get16(u + 6) != 0, "GUE IPv4 UDP checksum not 0");
	} else {
		FAILIF(o[0] >> 4 != 6 || (uint8_t)(get16(o) >> 4) != tos || o[7] != 64, "outer "
											"IPv6 "
											"fields");
		FAILIF(get16(o + 4) != inner_len + oh - 40, "outer payload length");
		FAILIF(!prefix_eq(o + 8, src6, 128 - env.cfg.rss_bits_v6), "outer source");
		FAILIF(!fuzzenv_is_backend(6, o + 24), "outer destination is no backend");
		FAILIF(gue && (get16(u + 6) == 0 ||
			       sum16(u, inner_len + 8, sum16(o + 8, 32, 0) + inner_len + 8 + 17) !=
				       0xffff),
		       "GUE IPv6 UDP checksum");
	}
	return 1;
}

/* ICMP checksum of the message at m (len bytes) is valid; IPv6 adds the pseudo-header. */
static int icmp_sum_ok(int v6, const uint8_t *ip, const uint8_t *m, size_t len)
{
	uint32_t sum = 0;

	if (v6) {
		sum = sum16(ip + 8, 32, 0);
		sum += (uint32_t)len + IPPROTO_ICMPV6;
	}
	return sum16(m, len, sum) == 0xffff;
}

/* A reply to the sender: echo reply (same length) or too-big (IP + ICMP + 512-byte quote). */
static int reply_ok(const uint8_t *in, size_t in_len, const uint8_t *out, size_t out_len)
{
	size_t l2 = l2_len(in, in_len);
	const uint8_t *ip = out + l2, *iip = in + l2;
	int v6 = (iip[0] >> 4) == 6;

	FAILIF(memcmp(out, in + 6, 6) || memcmp(out + 6, in, 6), "reply MACs");
	FAILIF(memcmp(out + 12, in + 12, l2 - 12), "reply VLAN tags / ethertype");
	if (out_len == in_len) { /* echo reply */
		size_t hl = v6 ? 40 : (size_t)(iip[0] & 0xf) * 4;
		size_t mlen = v6 ? get16(iip + 4) : get16(iip + 2) - hl;

		if (!v6) {
			FAILIF(memcmp(ip + 12, iip + 16, 4) || memcmp(ip + 16, iip + 12, 4), "echo "
											     "addre"
											     "sse"
											     "s");
			FAILIF(ip[9] != IPPROTO_ICMP || ip[0] >> 4 != 4 || ip[8] != 64, "echo IPv4 "
											"header");
			/* Valid exactly when the request's header checksum was. */
			FAILIF((sum16(ip, hl, 0) == 0xffff) != (sum16(iip, hl, 0) == 0xffff), "echo"
											      " IPv"
											      "4 "
											      "chec"
											      "ksu"
											      "m");
			FAILIF(ip[hl] != 0, "echo reply type");
		} else {
			FAILIF(memcmp(ip + 8, iip + 24, 16) || memcmp(ip + 24, iip + 8, 16), "echo "
											     "addre"
											     "sse"
											     "s");
			FAILIF(ip[hl] != 129, "echo reply type");
		}
		/* The reply's ICMP checksum is valid exactly when the request's was. */
		FAILIF(icmp_sum_ok(v6, ip, ip + hl, mlen) != icmp_sum_ok(v6, iip, iip + hl, mlen),
		       "echo ICMP checksum");
		FAILIF(memcmp(ip + hl + 1, iip + hl + 1, 1) ||
			       memcmp(ip + hl + 4, iip + hl + 4, mlen - 4),
		       "echo body changed");
		return 1;
	}
	size_t hl = v6 ? 40 : 20;

	FAILIF(out_len != l2 + hl + 8 + 512, "too-big length");
	FAILIF(memcmp(ip + hl + 8, iip, 512), "too-big quote");
	if (!v6) {
		FAILIF(ip[0] != 0x45 || ip[9] != IPPROTO_ICMP || sum16(ip, 20, 0) != 0xffff, "too-"
											     "big "
											     "IPv4 "
											     "heade"
											     "r");
		FAILIF(memcmp(ip + 12, iip + 16, 4) || memcmp(ip + 16, iip + 12, 4), "too-big "
										     "addresses");
		FAILIF(ip[hl] != 3 || ip[hl + 1] != 4, "too-big type");
	} else {
		FAILIF(ip[6] != IPPROTO_ICMPV6 || get16(ip + 4) != 520, "too-big IPv6 header");
		FAILIF(memcmp(ip + 8, iip + 24, 16) || memcmp(ip + 24, iip + 8, 16), "too-big "
										     "addresses");
		FAILIF(ip[hl] != 2, "too-big type");
	}
	FAILIF(!icmp_sum_ok(v6, ip, ip + hl, 8 + 512), "too-big ICMP checksum");
	return 1;
}

/* ---- generation ------------------------------------------------------------------------ */

static const uint8_t INTERESTING[] = { 0x00, 0x01, 0x05, 0x06, 0x08, 0x11, 0x29, 0x2c,
				       0x3a, 0x40, 0x45, 0x60, 0x7f, 0x80, 0x86, 0xff };

static size_t mutate(uint8_t *f, size_t len)
{
	int n = 1 + (int)rnd(4);

	for (int i = 0; i < n; i++) {
		size_t lim = len < 96 ? len : 96; /* headers live up front */

		switch (rnd(7)) {
		case 0:
			f[rnd((uint32_t)len)] ^= (uint8_t)(1u << rnd(8));
			break;
		case 1:
			f[rnd((uint32_t)lim)] = (uint8_t)rng();
			break;
		case 2:
			f[rnd((uint32_t)lim)] = INTERESTING[rnd(sizeof(INTERESTING))];
			break;
		case 3:
			len = 14 + rnd((uint32_t)(len - 13));
			break;
		case 4: {
			size_t add = rnd(64);

			if (len + add <= 1600) {
				for (size_t j = 0; j < add; j++)
					f[len + j] = (uint8_t)rng();
				len += add;
			}
			break;
		}
		case 5: { /* a 16-bit length-like field nudged */
			size_t off = rnd((uint32_t)lim - 1);
			uint16_t v = (uint16_t)(get16(f + off) + (int)rnd(5) - 2);

			f[off] = v >> 8;
			f[off + 1] = v & 0xff;
			break;
		}
		default: /* the IP header's first byte (version / IHL) */
			f[l2_len(f, len) < len ? l2_len(f, len) : 14] = (uint8_t)rng();
			break;
		}
	}
	return len;
}

static size_t generate(uint8_t *f)
{
	uint32_t mode = rnd(10);
	size_t len;

	if (mode == 0) { /* pure noise */
		len = 14 + rnd(300);
		for (size_t i = 0; i < len; i++)
			f[i] = (uint8_t)rng();
		return len;
	}
	if (mode == 1) { /* noise behind a plausible Ethernet/IP start */
		static const uint16_t types[] = { 0x0800, 0x86dd, 0x8100, 0x88a8 };
		uint16_t t = types[rnd(4)];

		len = 34 + rnd(200);
		for (size_t i = 0; i < len; i++)
			f[i] = (uint8_t)rng();
		memcpy(f, MAC_LB, 6);
		f[12] = t >> 8;
		f[13] = t & 0xff;
		f[14] = t == 0x86dd ? 0x60 : 0x45;
		return len;
	}
	uint32_t c = rnd(NCORPUS);

	memcpy(f, corpus_buf[c], corpus_len[c]);
	len = corpus_len[c];
	if (mode == 2) /* unchanged: keeps the forwarding paths and the tables busy */
		return len;
	/* New flows now and then, so the connection table sees inserts, not only hits. */
	if (rnd(4) == 0 && len > 40)
		f[l2_len(f, len) + (f[l2_len(f, len)] >> 4 == 6 ? 23 : 15)] = (uint8_t)rng();
	return mutate(f, len);
}

/* ---- the model oracle ------------------------------------------------------------------ */

/* What the model side has counted so far: reasons, services, backends (packets). */
static uint64_t want_reason[XLB_R_MAX], want_svc[FUZZ_MAX_SVC], want_be[FUZZ_MAX_BE];

enum { M_VERDICT, M_OUTPUT, M_BACKEND, M_CONN, M_FRAG, M_TABLES, M_COUNTERS, M_NCHECKS };
static const char *const MCHECKS[M_NCHECKS] = { "model_verdict",    "model_output",
						"model_backend",    "model_conn_entry",
						"model_frag_entry", "model_tables",
						"model_counters" };

static char detail[1024];

static uint32_t coarse_tick(void)
{
	struct timespec ts;

	/* The data path's clock (bpf_ktime_get_coarse_ns) is CLOCK_MONOTONIC_COARSE. */
	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (uint32_t)(((uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec) >>
			  XLB_CONN_TICK_SHIFT);
}

static uint64_t percpu_pkts(int fd, uint32_t idx)
{
	struct xlb_counter vals[env.lb.ncpus];
	uint64_t sum = 0;

	if (bpf_map_lookup_elem(fd, &idx, vals))
		return UINT64_MAX;
	for (int i = 0; i < env.lb.ncpus; i++)
		sum += vals[i].packets;
	return sum;
}

static const char *action_name(int a)
{
	return a == XDP_PASS   ? "XDP_PASS"
	       : a == XDP_TX   ? "XDP_TX"
	       : a == XDP_DROP ? "XDP_DROP"
			       : "?";
}

/* Bucket b as "[way: client port -> port, tick, backend/generation] ...". */
static void bucket_str(char *buf, size_t len, const struct xlb_conn_bucket *b)
{
	size_t used = 0;

	buf[0] = 0;
	for (int w = 0; w < XLB_CONN_WAYS && used < len; w++) {
		const struct xlb_conn *c = &b->e[w];
		char src[64];

		if (!c->generation) {
			used += (size_t)snprintf(buf + used, len - used, " [%d: empty]", w);
			continue;
		}
		inet_ntop(c->src[1] | c->src[2] | c->src[3] ? AF_INET6 : AF_INET, c->src, src,
			  sizeof(src));
		used += (size_t)snprintf(buf + used, len - used,
					 " [%d: %s:%u -> %u, tick %#x, backend %u/%u]", w, src,
					 ntohs(c->sport), ntohs(c->dport), c->tick, c->backend_id,
					 c->generation);
	}
}

static void frag_str(char *buf, size_t len, const struct xlb_frag *f)
{
	if (!f)
		snprintf(buf, len, "no record");
	else
		snprintf(buf, len, "backend %u generation %u hash %08x service %u", f->backend_id,
			 f->generation, f->hash, f->svc_id);
}

/* Compare what xlb_lb did with frame in (action, out) against the model's r. Returns -1 when
 * they agree, else the M_* check that failed, with `detail` filled in. Reads the maps only. */
/* Where byte `at` of the model's output frame r for input `in` lies, in words. */
static const char *region(const struct model_result *r, const uint8_t *in, size_t in_len, size_t at)
{
	static char buf[64];
	size_t l3 = l2_len(in, in_len), hl;
	int v4 = at < r->out_len && l3 <= r->out_len && get16(r->out + l3 - 2) == 0x0800;

	if (at < l3)
		return "in the Ethernet header";
	at -= l3;
	hl = v4 ? 20 : 40;
	if (r->action == XDP_PASS) {
		snprintf(buf, sizeof(buf), "byte %zu of the passed IP packet", at);
	} else if (r->reason == XLB_R_TX_ICMP_TOO_BIG || r->reason == XLB_R_TX_ICMP_ECHO) {
		if (at < hl)
			snprintf(buf, sizeof(buf), "byte %zu of the reply's IP header", at);
		else if (at < hl + 8)
			snprintf(buf, sizeof(buf), "byte %zu of the ICMP header%s", at - hl,
				 at - hl >= 4 && r->reason == XLB_R_TX_ICMP_TOO_BIG ? " (the MTU)"
				 : at - hl >= 2 && at - hl < 4			    ? " (checksum)"
										    : "");
		else
			snprintf(buf, sizeof(buf), "byte %zu after the ICMP header", at - hl - 8);
	} else if (at < hl) {
		snprintf(buf, sizeof(buf), "byte %zu of the outer IPv%d header", at, v4 ? 4 : 6);
	} else {
		snprintf(buf, sizeof(buf), "byte %zu of the inner packet", at - hl);
	}
	return buf;
}

static int compare(const struct model_result *r, const uint8_t *in, size_t in_len, int action,
		   const uint8_t *out, size_t out_len)
{
	uint64_t n = percpu_pkts(env.lb.reasons_fd, (uint32_t)r->reason);

	if (action != r->action || n != want_reason[r->reason] + 1) {
		uint64_t now[XLB_R_MAX];
		int got = -1;

		if (!lbenv_reasons(&env.lb, now))
			for (int k = 0; k < XLB_R_MAX; k++)
				if (now[k] != want_reason[k])
					got = k;
		snprintf(detail, sizeof(detail), "got %s (%s), model says %s (%s)",
			 model_reason_name(got), action_name(action), model_reason_name(r->reason),
			 action_name(r->action));
		return M_VERDICT;
	}
	if (r->action != XDP_DROP && (out_len != r->out_len || memcmp(out, r->out, out_len))) {
		size_t at = 0, used;

		while (at < out_len && at < r->out_len && out[at] == r->out[at])
			at++;
		used = (size_t)snprintf(detail, sizeof(detail),
					"%s (%s): got %zu bytes, model %zu; first difference at "
					"byte %zu, %s; differing bytes (got/model):",
					r->action == XDP_TX ? "output frame" : "passed frame",
					model_reason_name(r->reason), out_len, r->out_len, at,
					region(r, in, in_len, at));
		for (size_t k = at, shown = 0; k < out_len && k < r->out_len && shown < 8; k++) {
			if (out[k] == r->out[k] || used >= sizeof(detail))
				continue;
			used += (size_t)snprintf(detail + used, sizeof(detail) - used,
						 " %zu:%02x/%02x", k, out[k], r->out[k]);
			shown++;
		}
		if (r->reason == XLB_R_TX_ICMP_TOO_BIG && out_len == r->out_len &&
		    used < sizeof(detail)) {
			size_t m = r->out_len - 512 - 4; /* the MTU: the ICMP header's last bytes */
			int v4 = r->out[m - 4] == 3;

			snprintf(detail + used, sizeof(detail) - used,
				 "; reported MTU: got %u, model %u",
				 v4 ? get16(out + m + 2)
				    : get16(out + m) << 16 | get16(out + m + 2),
				 v4 ? get16(r->out + m + 2)
				    : get16(r->out + m) << 16 | get16(r->out + m + 2));
		}
		return M_OUTPUT;
	}
	if (r->backend_id >= 0 && r->backend_id < FUZZ_MAX_BE &&
	    percpu_pkts(env.lb.be_stats_fd, (uint32_t)r->backend_id) !=
		    want_be[r->backend_id] + 1) {
		snprintf(detail, sizeof(detail),
			 "backend %lld (the model's choice) was not counted",
			 (long long)r->backend_id);
		return M_BACKEND;
	}
	if (r->forgets_other_parts) {
		snprintf(detail, sizeof(detail),
			 "a SYN found its flow in another CPU's part: the fuzzer runs on one CPU, "
			 "and the model does not predict writes to other parts");
		return M_CONN;
	}
	if (r->has_conn) {
		const struct xlb_conn_bucket *want =
			r->conn_write ? &r->bucket : model_bucket(env.model, r->conn_index);
		const struct xlb_conn_bucket *got = &env.lb.conns[r->conn_index];

		if (!want || memcmp(got, want, sizeof(*got))) {
			char g[320], w[320];

			bucket_str(g, sizeof(g), got);
			if (want)
				bucket_str(w, sizeof(w), want);
			else
				snprintf(w, sizeof(w), " none");
			snprintf(detail, sizeof(detail),
				 "connection table bucket %u: got%s; model:%s", r->conn_index, g,
				 w);
			return M_CONN;
		}
	}
	if (r->has_frag) {
		const struct xlb_frag *want = r->frag_write ? &r->frag
							    : model_frag(env.model, &r->frag_key);
		struct xlb_frag got;
		int have = !bpf_map_lookup_elem(env.lb.frags_fd, &r->frag_key, &got);

		if (have != !!want || (want && memcmp(&got, want, sizeof(got)))) {
			char g[96], w[96];

			frag_str(g, sizeof(g), have ? &got : NULL);
			frag_str(w, sizeof(w), want);
			snprintf(detail, sizeof(detail),
				 "fragment record (id %08x proto %u): got %s; model: %s",
				 r->frag_key.id, r->frag_key.proto, g, w);
			return M_FRAG;
		}
	}
	return -1;
}

/* Entries of r's bucket that r's write gives to another flow (an eviction, checked like any
 * write: the evicted flow's next packet goes by its Maglev slot). */
static unsigned evicted(const struct model_result *r)
{
	const struct xlb_conn_bucket *old = model_bucket(env.model, r->conn_index);
	unsigned n = 0;

	for (int w = 0; r->conn_write && old && w < XLB_CONN_WAYS; w++) {
		const struct xlb_conn *a = &old->e[w], *b = &r->bucket.e[w];

		n += a->generation && (memcmp(a->src, b->src, sizeof(a->src)) ||
				       a->sport != b->sport || a->dport != b->dport);
	}
	return n;
}

static void commit(const struct model_result *r)
{
	want_reason[r->reason]++;
	if (r->svc_id >= 0 && r->svc_id < FUZZ_MAX_SVC)
		want_svc[r->svc_id]++;
	if (r->backend_id >= 0 && r->backend_id < FUZZ_MAX_BE)
		want_be[r->backend_id]++;
	if (model_commit(env.model, r)) {
		fprintf(stderr, "fuzz/frames: test bug: model table full before the flush\n");
		exit(1);
	}
}

/* Every entry of the map at fd (keys of ksz, values of vsz bytes) passes same(), and there are
 * *n of them. Read in batches: a walk key by key would cost two system calls per entry.
 * Returns 0, 1 at the first entry that differs (key and value in *k, *v), or -errno. */
static int walk_map(int fd, size_t ksz, size_t vsz, int (*same)(const void *k, const void *v),
		    size_t *n, const void **k, const void **v)
{
	static uint8_t keys[4096 * 64], vals[4096 * 64];
	uint32_t token;
	void *in = NULL;

	*n = 0;
	for (;;) {
		__u32 count = 4096;
		int err = bpf_map_lookup_batch(fd, in, &token, keys, vals, &count, NULL);

		if (err && errno != ENOENT)
			return -errno;
		for (__u32 i = 0; i < count; i++) {
			if (!same(keys + i * ksz, vals + i * vsz)) {
				*k = keys + i * ksz;
				*v = vals + i * vsz;
				return 1;
			}
		}
		*n += count;
		if (err)
			return 0;
		in = &token;
	}
}

static int frag_same(const void *k, const void *v)
{
	const struct xlb_frag *want = model_frag(env.model, k);

	return want && !memcmp(want, v, sizeof(*want));
}

/* The whole connection and fragment tables are the model's. Returns 0, or -1 with `detail`
 * filled in. */
static int tables_equal(void)
{
	const void *k = NULL, *v = NULL;
	char g[320], w[320];
	size_t n;
	int err;

	for (uint32_t i = 0; i < (uint32_t)env.lb.ncpus * env.lb.conn_buckets; i++) {
		const struct xlb_conn_bucket *want = model_bucket(env.model, i);

		if (!want || memcmp(&env.lb.conns[i], want, sizeof(*want))) {
			bucket_str(g, sizeof(g), &env.lb.conns[i]);
			if (want)
				bucket_str(w, sizeof(w), want);
			snprintf(detail, sizeof(detail),
				 "connection table: bucket %u: map has%s; model:%s", i, g,
				 want ? w : " none");
			return -1;
		}
	}
	if (lbenv_conns_occupancy(&env.lb) != (int64_t)model_conns_filled(env.model)) {
		snprintf(detail, sizeof(detail),
			 "connection table: xlb_conns_count says %lld entries taken, model %llu",
			 (long long)lbenv_conns_occupancy(&env.lb),
			 (unsigned long long)model_conns_filled(env.model));
		return -1;
	}
	err = walk_map(env.lb.frags_fd, sizeof(struct xlb_frag_key), sizeof(struct xlb_frag),
		       frag_same, &n, &k, &v);
	if (err < 0) {
		snprintf(detail, sizeof(detail), "cannot read the fragment table: %s",
			 strerror(-err));
		return -1;
	}
	if (err) {
		const struct xlb_frag_key *fk = k;

		frag_str(g, sizeof(g), v);
		frag_str(w, sizeof(w), model_frag(env.model, fk));
		snprintf(detail, sizeof(detail),
			 "fragment table: record (id %08x): map has %s; model: %s", fk->id, g, w);
		return -1;
	}
	if (n != model_frag_count(env.model)) {
		snprintf(detail, sizeof(detail), "fragment table: map has %zu records, model %zu",
			 n, model_frag_count(env.model));
		return -1;
	}
	return 0;
}

/* Service and backend packet counters equal the model's. Returns 0, or -1 with `detail`. */
static int counters_equal(void)
{
	for (uint32_t i = 0; i < FUZZ_MAX_SVC; i++) {
		uint64_t got = lbenv_svc_pkts(&env.lb, i);

		if (got != want_svc[i]) {
			snprintf(detail, sizeof(detail),
				 "xlb_svc_stats[%u]: %llu packets, model %llu", i,
				 (unsigned long long)got, (unsigned long long)want_svc[i]);
			return -1;
		}
	}
	for (uint32_t i = 0; i < FUZZ_MAX_BE; i++) {
		uint64_t got = lbenv_be_pkts(&env.lb, i);

		if (got != want_be[i]) {
			snprintf(detail, sizeof(detail),
				 "xlb_be_stats[%u]: %llu packets, model %llu", i,
				 (unsigned long long)got, (unsigned long long)want_be[i]);
			return -1;
		}
	}
	return 0;
}

/* ---- main ------------------------------------------------------------------------------ */

/* Bytes [from, to) of a frame, 32 a line, with their offsets. */
static void hexdump(const char *what, const uint8_t *p, size_t len, size_t from, size_t to)
{
	if (to > len)
		to = len;
	fprintf(stderr, "    %s (%zu bytes%s):", what, len, from || to < len ? ", excerpt" : "");
	for (size_t i = from & ~(size_t)31; i < to; i++)
		if (i % 32 == 0)
			fprintf(stderr, "\n      %04zx: %02x", i, p[i]);
		else
			fprintf(stderr, "%02x", p[i]);
	fputc('\n', stderr);
}

static int action_of(int reason)
{
	switch (reason) {
#define XLB_REASON_ACTION(id, name, action, help) \
	case id:                                  \
		return action;
		XLB_REASONS(XLB_REASON_ACTION)
#undef XLB_REASON_ACTION
	}
	return -1;
}

static uint64_t rng_fn(void)
{
	return rng();
}

int main(int argc, char **argv)
{
	uint64_t frames = 100000, seed = 1, seen[XDP_REDIRECT + 1] = { 0 }, batch[3] = { 0 };
	uint64_t before[XLB_R_MAX], after[XLB_R_MAX], fails[4] = { 0 }, mfails[M_NCHECKS] = { 0 };
	uint64_t changes = 0, flushes = 0, clock_edges = 0, frames_run = 0, evictions = 0;
	static const char *const checks[4] = { "verdict_known", "pass_unchanged", "tx_well_formed",
					       "counters_add_up" };
	struct xt_counts c = { 0 };
	int opt, reports = 0, mreports = 0;
	static struct model_result r, r0;

	while ((opt = getopt(argc, argv, "n:s:v")) != -1) {
		if (opt == 'n')
			frames = strtoull(optarg, NULL, 10);
		else if (opt == 's')
			seed = strtoull(optarg, NULL, 0);
		else if (opt == 'v')
			verbose = 1;
		else {
			fprintf(stderr, "usage: %s [-n FRAMES] [-s SEED] [-v]\n", argv[0]);
			return 2;
		}
	}
	if (geteuid() != 0) {
		printf("skip fuzz/frames: needs root for BPF_PROG_TEST_RUN\n");
		c.skipped = 1;
		return xt_summary("fuzz/frames", &c);
	}
	rng_state = seed * 0x9e3779b97f4a7c15ULL + 1;
	env.rng = rng_fn;
	/* Every frame on one CPU, whose part of the connection table the model keeps. */
	if (lbenv_pin() || lbenv_open(&env.lb, CONNS) || fuzzenv_setup(&env)) {
		fprintf(stderr, "fuzz/frames: cannot load or configure xlb_lb\n");
		c.failed = 1;
		return xt_summary("fuzz/frames", &c);
	}
	for (size_t i = 0; i < NCORPUS; i++)
		corpus_len[i] = frame_build(corpus_buf[i], &CORPUS[i]);
	if (lbenv_reasons(&env.lb, before))
		return 1;
	memcpy(want_reason, before, sizeof(want_reason));

	for (uint64_t i = 0; i < frames && mreports < MAX_REPORTS; i++) {
		uint8_t in[FRAME_MAX], out[FRAME_MAX];
		size_t len, out_len;
		int action, bad = -1, mbad;
		uint32_t t0, t1;

		if (rnd(256) == 0) {
			const char *what = "";

			if (fuzzenv_change(&env, &what)) {
				fprintf(stderr,
					"fuzz/frames: control-plane change (%s) failed: %s\n", what,
					strerror(errno));
				return 1;
			}
			changes++;
			if (verbose > 1)
				printf("  frame %llu: %s\n", (unsigned long long)i, what);
		}
		if (model_frag_count(env.model) >= FRAG_FLUSH) {
			if (fuzzenv_flush(&env)) {
				fprintf(stderr, "fuzz/frames: cannot empty the flow tables\n");
				return 1;
			}
			flushes++;
		}
		len = generate(in);
		t0 = coarse_tick();
		if (lbenv_run(&env.lb, in, len, out, &out_len, &action)) {
			fprintf(stderr, "fuzz/frames: test run failed at frame %llu: %s\n",
				(unsigned long long)i, strerror(errno));
			return 1;
		}
		t1 = coarse_tick();
		frames_run++;
		if (action != XDP_PASS && action != XDP_TX && action != XDP_DROP) {
			bad = 0;
			why = "verdict";
		} else if (action == XDP_PASS && (out_len != len || memcmp(out, in, len))) {
			bad = 1;
			why = "passed frame changed";
		} else if (action == XDP_TX && !tunnel_ok(in, len, out, out_len)) {
			/* Either shape, fully checked, is acceptable: a mutated source MAC can make
			 * a reply look addressed to the gateway. Report the likelier one. */
			const char *tunnel_why = why;

			if (!reply_ok(in, len, out, out_len)) {
				bad = 2;
				if (!memcmp(out, MAC_GW, 6))
					why = tunnel_why;
			}
		}
		if (action >= 0 && action <= XDP_REDIRECT)
			seen[action]++;
		batch[action == XDP_PASS ? 0 : action == XDP_TX ? 1 : 2]++;
		if (bad >= 0) {
			fails[bad]++;
			if (reports++ < MAX_REPORTS) {
				fprintf(stderr, "  frame %llu (seed %llu): action %d: %s\n",
					(unsigned long long)i, (unsigned long long)seed, action,
					why);
				hexdump("in", in, len, 0, 128);
				hexdump("out", out, out_len, 0, 128);
			}
		}

		/* The model decides at the tick after the run; a UDP decision made across a tick
		 * edge may have been taken at the tick before, and either is right. */
		model_decide(env.model, in, len, t1, &r);
		mbad = compare(&r, in, len, action, out, out_len);
		if (mbad >= 0 && r.used_clock && t0 != t1) {
			model_decide(env.model, in, len, t0, &r0);
			if (compare(&r0, in, len, action, out, out_len) < 0) {
				r = r0;
				mbad = -1;
				clock_edges++;
			}
		}
		if (mbad >= 0) {
			size_t at = 0;

			while (at < out_len && at < r.out_len && out[at] == r.out[at])
				at++;
			mfails[mbad]++;
			mreports++;
			fprintf(stderr,
				"  frame %llu (seed %llu): %s: %s\n"
				"    replay: fuzz_frames -s %llu -n %llu\n",
				(unsigned long long)i, (unsigned long long)seed, MCHECKS[mbad],
				detail, (unsigned long long)seed, (unsigned long long)i + 1);
			hexdump("in", in, len, 0, 160);
			if (mbad == M_OUTPUT) {
				size_t from = at > 32 ? at - 32 : 0;

				hexdump("got", out, out_len, from, at + 64);
				hexdump("model", r.out, r.out_len, from, at + 64);
			} else if (action != XDP_DROP) {
				hexdump("got", out, out_len, 0, 96);
			}
			/* Take the maps' counters from here, so that one fault is not reported
			 * again by every later frame. */
			if (lbenv_reasons(&env.lb, want_reason))
				return 1;
			for (uint32_t k = 0; k < FUZZ_MAX_SVC; k++)
				want_svc[k] = lbenv_svc_pkts(&env.lb, k);
			for (uint32_t k = 0; k < FUZZ_MAX_BE; k++)
				want_be[k] = lbenv_be_pkts(&env.lb, k);
		} else {
			evictions += evicted(&r);
			commit(&r);
		}

		/* Every BATCH frames and at the end: the reasons moved by exactly the verdicts, the
		 * tables and the counters are the model's. */
		if ((i + 1) % BATCH == 0 || i + 1 == frames) {
			uint64_t got[3] = { 0 };

			if (lbenv_reasons(&env.lb, after))
				return 1;
			for (int k = 0; k < XLB_R_MAX; k++) {
				int a = action_of(k);

				got[a == XDP_PASS ? 0
				    : a == XDP_TX ? 1
						  : 2] += after[k] - before[k];
			}
			if (memcmp(got, batch, sizeof(got))) {
				fails[3]++;
				if (reports++ < MAX_REPORTS)
					fprintf(stderr,
						"  frames up to %llu: reasons pass/tx/drop "
						"%llu/%llu/"
						"%llu, verdicts %llu/%llu/%llu\n",
						(unsigned long long)i, (unsigned long long)got[0],
						(unsigned long long)got[1],
						(unsigned long long)got[2],
						(unsigned long long)batch[0],
						(unsigned long long)batch[1],
						(unsigned long long)batch[2]);
			}
			memcpy(before, after, sizeof(before));
			memset(batch, 0, sizeof(batch));
			if (!mreports && tables_equal()) {
				mfails[M_TABLES]++;
				mreports++;
				fprintf(stderr, "  frames up to %llu (seed %llu): %s: %s\n",
					(unsigned long long)i, (unsigned long long)seed,
					MCHECKS[M_TABLES], detail);
			}
			if (!mreports && counters_equal()) {
				mfails[M_COUNTERS]++;
				mreports++;
				fprintf(stderr, "  frames up to %llu (seed %llu): %s: %s\n",
					(unsigned long long)i, (unsigned long long)seed,
					MCHECKS[M_COUNTERS], detail);
			}
		}
	}
	if (mreports >= MAX_REPORTS)
		fprintf(stderr, "  stopped after %d model mismatches, at frame %llu of %llu\n",
			mreports, (unsigned long long)frames_run, (unsigned long long)frames);
	printf("fuzz/frames: %llu frames, seed %llu: verdicts %llu XDP_PASS, %llu XDP_TX, "
	       "%llu XDP_DROP; %llu control-plane changes, %llu flow-table flushes, %llu "
	       "decisions at a clock tick edge, %llu connection entries replaced by another "
	       "flow's\n",
	       (unsigned long long)frames_run, (unsigned long long)seed,
	       (unsigned long long)seen[XDP_PASS], (unsigned long long)seen[XDP_TX],
	       (unsigned long long)seen[XDP_DROP], (unsigned long long)changes,
	       (unsigned long long)flushes, (unsigned long long)clock_edges,
	       (unsigned long long)evictions);
	if (verbose) {
		uint64_t total[XLB_R_MAX];

		lbenv_reasons(&env.lb, total);
		for (int k = 0; k < XLB_R_MAX; k++)
			printf("  %-22s %llu\n", model_reason_name(k),
			       (unsigned long long)total[k]);
	}
	for (int k = 0; k < 4; k++) {
		if (fails[k])
			fprintf(stderr, "  %s: %llu violations\n", checks[k],
				(unsigned long long)fails[k]);
		xt_report("fuzz/frames", checks[k], fails[k] ? XT_FAIL : XT_PASS, &c);
	}
	for (int k = 0; k < M_NCHECKS; k++)
		xt_report("fuzz/frames", MCHECKS[k], mfails[k] ? XT_FAIL : XT_PASS, &c);
	model_free(env.model);
	lbenv_close(&env.lb);
	return xt_summary("fuzz/frames", &c);
}
