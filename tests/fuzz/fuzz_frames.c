// SPDX-License-Identifier: GPL-2.0
/* fuzz_frames.c - random and mutated frames through the real xlb_lb under BPF_PROG_TEST_RUN,
 * checking invariants on every frame: a passed frame leaves unchanged; every XDP_TX frame is
 * either a well-formed tunnel (valid outer header around the unchanged original, to a real
 * backend) or a well-formed ICMP reply to the sender; nothing aborts; and the reason counters
 * add up, per verdict, to the frames run. Seeded and reproducible.
 *
 * Usage: fuzz_frames [-n FRAMES] [-s SEED] [-v]. Needs root. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/bpf.h>

#include "frame.h"
#include "lbenv.h"
#include "stdenv.h"
#include "xt.h"

#define BATCH 1024 /* frames between counter checks */
#define MAX_REPORTS 5

static struct lbenv env;
static uint64_t rng_state;
static int verbose;

static uint64_t rng(void)
{
	/* xorshift64*: fast, and the same sequence for the same seed everywhere. */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}

static uint32_t rnd(uint32_t n)
{
	return n ? (uint32_t)(rng() % n) : 0;
}

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

/* A tunnel: our MACs, the same tags, an outer header, then the input from its IP header on. */
static int tunnel_ok(const uint8_t *in, size_t in_len, const uint8_t *out, size_t out_len)
{
	size_t l2 = l2_len(in, in_len), oh, inner_len;
	uint32_t src4, src6[4];
	const uint8_t *o = out + l2;
	uint8_t inner_ver = in[l2] >> 4, tos;

	FAILIF(memcmp(out, MAC_GW, 6) || memcmp(out + 6, in, 6), "tunnel MACs");
	FAILIF(memcmp(out + 12, in + 12, l2 - 14), "tunnel VLAN tags");
	FAILIF(get16(out + l2 - 2) != 0x0800 && get16(out + l2 - 2) != 0x86dd, "tunnel ethertype");
	oh = get16(out + l2 - 2) == 0x0800 ? 20 : 40;
	FAILIF(out_len != in_len + oh, "tunnel length");
	FAILIF(memcmp(out + l2 + oh, in + l2, in_len - l2), "inner packet changed");
	FAILIF(inner_ver != 4 && inner_ver != 6, "inner version");
	inner_len = inner_ver == 4 ? get16(in + l2 + 2) : get16(in + l2 + 4) + 40u;
	tos = inner_ver == 4 ? in[l2 + 1] : (uint8_t)(get16(in + l2) >> 4);
	addr_parse(SRC4, (uint32_t *)src6);
	src4 = src6[0];
	addr_parse(SRC6, src6);
	if (oh == 20) {
		FAILIF(o[0] != 0x45 || o[1] != tos || o[8] != 64, "outer IPv4 fields");
		FAILIF(o[9] != (inner_ver == 4 ? IPPROTO_IPIP : IPPROTO_IPV6), "outer protocol");
		FAILIF(get16(o + 2) != inner_len + 20, "outer total length");
		FAILIF(sum16(o, 20, 0) != 0xffff, "outer IPv4 checksum");
		FAILIF(memcmp(o + 12, &src4, 4), "outer source");
		FAILIF(!stdenv_is_backend(4, o + 16), "outer destination is no backend");
	} else {
		FAILIF(o[0] >> 4 != 6 || (uint8_t)(get16(o) >> 4) != tos || o[7] != 64, "outer "
											"IPv6 "
											"fields");
		FAILIF(o[6] != (inner_ver == 4 ? IPPROTO_IPIP : IPPROTO_IPV6), "outer next header");
		FAILIF(get16(o + 4) != inner_len, "outer payload length");
		FAILIF(memcmp(o + 8, src6, 16), "outer source");
		FAILIF(!stdenv_is_backend(6, o + 24), "outer destination is no backend");
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

/* ---- main ------------------------------------------------------------------------------ */

static void hexdump(const char *what, const uint8_t *p, size_t len)
{
	fprintf(stderr, "    %s (%zu bytes):", what, len);
	for (size_t i = 0; i < len && i < 96; i++)
		fprintf(stderr, "%s%02x", i % 32 ? "" : "\n      ", p[i]);
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

int main(int argc, char **argv)
{
	uint64_t frames = 100000, seed = 1, seen[XDP_REDIRECT + 1] = { 0 }, batch[3] = { 0 };
	uint64_t before[XLB_R_MAX], after[XLB_R_MAX], fails[4] = { 0 };
	static const char *const checks[4] = { "verdict_known", "pass_unchanged", "tx_well_formed",
					       "counters_add_up" };
	struct xt_counts c = { 0 };
	int opt, reports = 0;

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
	if (lbenv_open(&env, 65536) || stdenv_setup(&env)) {
		fprintf(stderr, "fuzz/frames: cannot load or configure xlb_lb\n");
		c.failed = 1;
		return xt_summary("fuzz/frames", &c);
	}
	rng_state = seed * 0x9e3779b97f4a7c15ULL + 1;
	for (size_t i = 0; i < NCORPUS; i++)
		corpus_len[i] = frame_build(corpus_buf[i], &CORPUS[i]);
	if (lbenv_reasons(&env, before))
		return 1;

	for (uint64_t i = 0; i < frames; i++) {
		uint8_t in[FRAME_MAX], out[FRAME_MAX];
		size_t len = generate(in), out_len;
		int action, bad = -1;

		if (lbenv_run(&env, in, len, out, &out_len, &action)) {
			fprintf(stderr, "fuzz/frames: test run failed at frame %llu: %s\n",
				(unsigned long long)i, strerror(errno));
			return 1;
		}
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
				hexdump("in", in, len);
				hexdump("out", out, out_len);
			}
		}
		/* Every BATCH frames and at the end: the reasons moved by exactly the verdicts. */
		if ((i + 1) % BATCH == 0 || i + 1 == frames) {
			uint64_t got[3] = { 0 };

			if (lbenv_reasons(&env, after))
				return 1;
			for (int r = 0; r < XLB_R_MAX; r++) {
				int a = action_of(r);

				got[a == XDP_PASS ? 0
				    : a == XDP_TX ? 1
						  : 2] += after[r] - before[r];
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
		}
	}
	printf("fuzz/frames: %llu frames, seed %llu: verdicts %llu XDP_PASS, %llu XDP_TX, "
	       "%llu XDP_DROP\n",
	       (unsigned long long)frames, (unsigned long long)seed,
	       (unsigned long long)seen[XDP_PASS], (unsigned long long)seen[XDP_TX],
	       (unsigned long long)seen[XDP_DROP]);
	if (verbose) {
		static const char *const names[] = {
#define XLB_REASON_NAME(id, name, action, help) name,
			XLB_REASONS(XLB_REASON_NAME)
#undef XLB_REASON_NAME
		};
		uint64_t total[XLB_R_MAX];

		lbenv_reasons(&env, total);
		for (int r = 0; r < XLB_R_MAX; r++)
			printf("  %-22s %llu\n", names[r], (unsigned long long)total[r]);
	}
	for (int k = 0; k < 4; k++) {
		if (fails[k])
			fprintf(stderr, "  %s: %llu violations\n", checks[k],
				(unsigned long long)fails[k]);
		xt_report("fuzz/frames", checks[k], fails[k] ? XT_FAIL : XT_PASS, &c);
	}
	lbenv_close(&env);
	return xt_summary("fuzz/frames", &c);
}
