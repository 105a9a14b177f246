// SPDX-License-Identifier: GPL-2.0
/* fuzz_decap.c - random and mutated frames through the real xlb_decap under BPF_PROG_TEST_RUN,
 * while its allowed source prefixes and local VIPs change under them, each frame judged twice:
 * - against a reference model written from docs/decap.md alone (decide() below): the verdict
 *   and the exact output bytes of every frame, and every BATCH frames the packets and bytes
 *   of every reason counter;
 * - against invariants that need no model: the verdict is XDP_PASS or XDP_DROP; a frame that
 *   is not decapsulated leaves byte for byte as it came; a decapsulated one is the input
 *   without its outer IP header (the same MACs and VLAN tags, the inner family's ethertype,
 *   the inner packet and any trailing bytes unchanged), came from an allowed source and is
 *   addressed to a local VIP; and the reason counters add up to the frames and bytes run.
 * The seeds are the tunnels xlb_lb emits (frame_expect_encap: 4in4, 6in4, 4in6, 6in6, and the
 * same in GUE, frame_expect_gue; 0 to 2 VLAN tags, allowed and foreign sources, local and
 * foreign VIPs) and ordinary traffic; the GUE port changes too (6080, another, 0: off).
 * Seeded and reproducible; a mismatch prints the frame, both outcomes and how to replay it.
 *
 * Usage: fuzz_decap [-n FRAMES] [-s SEED] [-v]. Needs root. */
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
#include <bpf/libbpf.h>

#include "xlb_abi.h" /* before a skeleton: it names struct xlb_capture_filter */
#include "decap.skel.h"
#include "frame.h"
#include "fuzzrng.h"
#include "xlb_decap.h"
#include "xt.h"

#define LAYER "fuzz/decap"
#define BATCH 1024 /* frames between counter checks */
#define MAX_REPORTS 5
#define CHANGE_ONE_IN 256 /* a prefix or VIP toggled before one frame in this many */

static const char *const REASON_NAMES[] = {
#define XLB_DC_REASON_NAME(id, name, action, help) name,
	XLB_DC_REASONS(XLB_DC_REASON_NAME)
#undef XLB_DC_REASON_NAME
};

static const int REASON_ACTIONS[] = {
#define XLB_DC_REASON_ACTION(id, name, action, help) action,
	XLB_DC_REASONS(XLB_DC_REASON_ACTION)
#undef XLB_DC_REASON_ACTION
};

/* ---- the control plane: prefixes and VIPs toggled in the maps and in the model ---------- */

/* The pools the environment draws from; the first of each kind is there from the start.
 * /0 allows every source of its family; the others overlap and nest to exercise the LPM. */
static const char *const PREFIXES[] = { "192.0.2.0/24",	      "2001:db8:ff::/64", "198.51.100.9/32",
					"2001:db8:ff::1/128", "192.0.2.128/25",	  "10.99.0.0/16",
					"2001:db8::/32",      "0.0.0.0/0",	  "::/0" };
#define NPREFIXES (sizeof(PREFIXES) / sizeof(PREFIXES[0]))
static const char *const VIPS[] = { "10.0.0.10", "2001:db8::10", "10.0.0.11", "2001:db8::11" };
#define NVIPS (sizeof(VIPS) / sizeof(VIPS[0]))
#define INITIAL 2 /* PREFIXES[0..1] and VIPS[0..1] present at the start */

static struct {
	int family, len;
	uint8_t addr[16]; /* host bits cleared */
	int present;
} prefix[NPREFIXES];

static struct {
	int family;
	uint8_t addr[16];
	int present;
} vip[NVIPS];

static struct {
	struct decap_bpf *skel;
	int prog_fd, src4_fd, src6_fd, vips_fd, stats_fd, config_fd, ncpus;
} dc;

/* The GUE ports the environment switches between (host order; 0: GUE off), the first at the
 * start, and the one in force. */
static const uint16_t GUE_PORTS[] = { 6080, 5555, 0 };
#define NGUE_PORTS (sizeof(GUE_PORTS) / sizeof(GUE_PORTS[0]))
static uint16_t gue_port;

static int gue_port_set(uint16_t port)
{
	struct xlb_dc_config c = { .gue_port = htons(port), .flags = XLB_DC_CFG_F_SET };
	uint32_t zero = 0;

	if (bpf_map_update_elem(dc.config_fd, &zero, &c, BPF_ANY))
		return -errno;
	gue_port = port;
	return 0;
}

static int prefix_set(size_t i, int present)
{
	struct xlb_dc_prefix4 k4 = { 0 };
	struct xlb_dc_prefix6 k6 = { 0 };
	uint8_t one = 1;
	void *key = &k4;
	int fd = dc.src4_fd, err;

	if (prefix[i].family == 4) {
		k4.prefixlen = (uint32_t)prefix[i].len;
		memcpy(&k4.addr, prefix[i].addr, 4);
	} else {
		k6.prefixlen = (uint32_t)prefix[i].len;
		memcpy(k6.addr, prefix[i].addr, 16);
		key = &k6;
		fd = dc.src6_fd;
	}
	err = present ? bpf_map_update_elem(fd, key, &one, BPF_ANY) : bpf_map_delete_elem(fd, key);
	if (err)
		return -errno;
	prefix[i].present = present;
	return 0;
}

static int vip_set(size_t i, int present)
{
	struct xlb_vip_key k;
	struct xlb_vip v = { 0 };
	int err;

	memset(&k, 0, sizeof(k));
	memcpy(k.addr, vip[i].addr, 16);
	k.family = vip[i].family == 4 ? XLB_AF_INET : XLB_AF_INET6;
	err = present ? bpf_map_update_elem(dc.vips_fd, &k, &v, BPF_ANY)
		      : bpf_map_delete_elem(dc.vips_fd, &k);
	if (err)
		return -errno;
	vip[i].present = present;
	return 0;
}

/* Load the object, parse the pools, install the initial prefixes and VIPs. */
static int env_open(void)
{
	int err = 0;

	dc.skel = decap_bpf__open_and_load();
	if (!dc.skel)
		return -errno;
	dc.prog_fd = bpf_program__fd(dc.skel->progs.xlb_decap);
	dc.src4_fd = bpf_map__fd(dc.skel->maps.xlb_dc_src4);
	dc.src6_fd = bpf_map__fd(dc.skel->maps.xlb_dc_src6);
	dc.vips_fd = bpf_map__fd(dc.skel->maps.xlb_dc_vips);
	dc.stats_fd = bpf_map__fd(dc.skel->maps.xlb_dc_stats);
	dc.config_fd = bpf_map__fd(dc.skel->maps.xlb_dc_config);
	dc.ncpus = libbpf_num_possible_cpus();
	if (dc.ncpus <= 0)
		return -EINVAL;
	err = gue_port_set(GUE_PORTS[0]);
	for (size_t i = 0; i < NPREFIXES && !err; i++) {
		char text[64];
		char *slash;
		uint32_t a[4];

		snprintf(text, sizeof(text), "%s", PREFIXES[i]);
		slash = strchr(text, '/');
		*slash = '\0';
		prefix[i].len = atoi(slash + 1);
		prefix[i].family = addr_parse(text, a);
		memcpy(prefix[i].addr, a, 16);
		for (int b = prefix[i].len; b < 128; b++)
			prefix[i].addr[b / 8] &= (uint8_t) ~(0x80 >> (b % 8));
		if (i < INITIAL)
			err = prefix_set(i, 1);
	}
	for (size_t i = 0; i < NVIPS && !err; i++) {
		uint32_t a[4];

		vip[i].family = addr_parse(VIPS[i], a);
		memcpy(vip[i].addr, a, 16);
		if (i < INITIAL)
			err = vip_set(i, 1);
	}
	return err;
}

/* Toggle one prefix or VIP of the pools, or switch the GUE port, in the map and in the model
 * alike. */
static int env_change(const char **what)
{
	uint32_t pick = rnd((uint32_t)(NPREFIXES + NVIPS + 1));

	if (pick == NPREFIXES + NVIPS) {
		*what = "GUE port";
		return gue_port_set(GUE_PORTS[rnd(NGUE_PORTS)]);
	}
	if (pick < NPREFIXES) {
		*what = PREFIXES[pick];
		return prefix_set(pick, !prefix[pick].present);
	}
	pick -= (uint32_t)NPREFIXES;
	*what = VIPS[pick];
	return vip_set(pick, !vip[pick].present);
}

/* Per-reason packets and bytes summed over every possible CPU. */
static int env_counters(uint64_t pkts[XLB_DC_MAX], uint64_t bytes[XLB_DC_MAX])
{
	struct xlb_counter vals[dc.ncpus];

	for (uint32_t r = 0; r < XLB_DC_MAX; r++) {
		pkts[r] = bytes[r] = 0;
		if (bpf_map_lookup_elem(dc.stats_fd, &r, vals))
			return -errno;
		for (int i = 0; i < dc.ncpus; i++) {
			pkts[r] += vals[i].packets;
			bytes[r] += vals[i].bytes;
		}
	}
	return 0;
}

/* ---- the reference model: docs/decap.md, "What happens to a frame", step by step -------- */

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static int source_allowed(int family, const uint8_t *addr)
{
	for (size_t i = 0; i < NPREFIXES; i++) {
		int bits = prefix[i].len, whole = bits / 8;

		if (!prefix[i].present || prefix[i].family != family)
			continue;
		if (memcmp(addr, prefix[i].addr, (size_t)whole))
			continue;
		if (bits % 8 &&
		    (addr[whole] & (uint8_t)(0xff00 >> (bits % 8))) != prefix[i].addr[whole])
			continue;
		return 1;
	}
	return 0;
}

static int vip_local(int family, const uint8_t *addr)
{
	for (size_t i = 0; i < NVIPS; i++)
		if (vip[i].present && vip[i].family == family &&
		    !memcmp(addr, vip[i].addr, family == 4 ? 4 : 16))
			return 1;
	return 0;
}

/* Step 3a, GUE: the UDP datagram u of plen bytes (the outer payload; mf: an IPv4 first
 * fragment). Returns XLB_DC_DECAP to go on, with *proto the inner protocol the version nibble
 * announces (4 or 41) and *inner_len the UDP payload's length; else the reason. */
static int gue_step(const uint8_t *u, size_t plen, int mf, uint8_t *proto, size_t *inner_len)
{
	if (!gue_port)
		return XLB_DC_PASS_NOT_TUNNEL;
	if (plen < 8)
		return XLB_DC_PASS_MALFORMED;
	if (get16(u + 2) != gue_port)
		return XLB_DC_PASS_NOT_TUNNEL;
	if (mf)
		return XLB_DC_DROP_OUTER_FRAGMENT;
	if (get16(u + 4) != plen)
		return XLB_DC_PASS_MALFORMED;
	*inner_len = plen - 8;
	*proto = 4;
	if (!*inner_len)
		return XLB_DC_DECAP; /* step 6 refuses it */
	if (u[8] >> 6 != 1)
		return XLB_DC_PASS_NOT_TUNNEL;
	if (u[8] >> 4 != 4)
		*proto = 41;
	return XLB_DC_DECAP;
}

/* The model's verdict on frame f: the reason, and for decap the frame the stack must get. */
struct decision {
	int reason;
	size_t l3; /* offset of the outer IP header (Ethernet and tags before it) */
	size_t outer_len; /* bytes of the outer IP header, when known */
	int inner_family; /* 4 or 6, when known */
	uint8_t out[FRAME_MAX];
	size_t out_len;
};

static void decide(const uint8_t *f, size_t len, struct decision *d)
{
	size_t l3 = 14, plen, in;
	uint16_t type;
	uint8_t proto;
	int tags = 0;

	d->outer_len = 0;
	d->inner_family = 0;
	memcpy(d->out, f, len);
	d->out_len = len;
#define DECIDE(r)                \
	do {                     \
		d->reason = (r); \
		return;          \
	} while (0)

	/* 1. Ethernet, 0 to 2 VLAN tags (802.1Q or 802.1ad). */
	if (len < 14)
		DECIDE(XLB_DC_PASS_MALFORMED);
	type = get16(f + 12);
	while ((type == 0x8100 || type == 0x88a8) && tags < 2) {
		if (len < l3 + 4)
			DECIDE(XLB_DC_PASS_MALFORMED);
		type = get16(f + l3 + 2);
		l3 += 4;
		tags++;
	}
	d->l3 = l3;
	/* An ethertype of 0 is the parser's "no ethertype" (bpf/parse.h, parse_eth): malformed,
	 * not "not a tunnel" (docs/decap.md, step 1). */
	if (type == 0)
		DECIDE(XLB_DC_PASS_MALFORMED);
	/* 2. Outer IP: a consistent header within the frame (trailing bytes allowed). */
	if (type == 0x0800) {
		const uint8_t *ip = f + l3;
		size_t hl, tot;

		if (len < l3 + 20 || ip[0] >> 4 != 4 || (ip[0] & 15) < 5)
			DECIDE(XLB_DC_PASS_MALFORMED);
		hl = (size_t)(ip[0] & 15) * 4;
		tot = get16(ip + 2);
		if (tot < hl || l3 + tot > len)
			DECIDE(XLB_DC_PASS_MALFORMED);
		/* 3. IP-in-IP, GUE (3a) or not. */
		proto = ip[9];
		plen = tot - hl;
		d->outer_len = hl;
		if (proto == 17) {
			int r;

			if (get16(ip + 6) & 0x1fff) /* a later fragment: no UDP header */
				DECIDE(XLB_DC_PASS_NOT_TUNNEL);
			r = gue_step(ip + hl, plen, get16(ip + 6) & 0x2000, &proto, &plen);
			if (r != XLB_DC_DECAP)
				DECIDE(r);
			d->outer_len = hl + 8;
		} else if (proto != 4 && proto != 41) {
			DECIDE(XLB_DC_PASS_NOT_TUNNEL);
		} else if (get16(ip + 6) & 0x3fff) {
			/* 4. Outer fragment: MF or an offset. */
			DECIDE(XLB_DC_DROP_OUTER_FRAGMENT);
		}
		/* 5. Outer source. */
		if (!source_allowed(4, ip + 12))
			DECIDE(XLB_DC_DROP_SOURCE);
	} else if (type == 0x86dd) {
		const uint8_t *ip = f + l3;

		if (len < l3 + 40 || ip[0] >> 4 != 6)
			DECIDE(XLB_DC_PASS_MALFORMED);
		plen = get16(ip + 4);
		if (l3 + 40 + plen > len)
			DECIDE(XLB_DC_PASS_MALFORMED);
		proto = ip[6];
		d->outer_len = 40;
		if (proto == 17) {
			int r = gue_step(ip + 40, plen, 0, &proto, &plen);

			if (r != XLB_DC_DECAP)
				DECIDE(r);
			d->outer_len = 48;
		} else if (proto != 4 && proto != 41) {
			DECIDE(XLB_DC_PASS_NOT_TUNNEL);
		}
		if (!source_allowed(6, ip + 8))
			DECIDE(XLB_DC_DROP_SOURCE);
	} else {
		DECIDE(XLB_DC_PASS_NOT_TUNNEL);
	}
	/* 6. The inner packet: the family announced, complete, exactly the outer payload. */
	in = l3 + d->outer_len;
	if (proto == 4) {
		const uint8_t *ip = f + in;

		if (plen < 20 || ip[0] >> 4 != 4 || (ip[0] & 15) < 5 ||
		    (size_t)(ip[0] & 15) * 4 > plen || get16(ip + 2) != plen)
			DECIDE(XLB_DC_DROP_INNER_MALFORMED);
		d->inner_family = 4;
		/* 7. A local VIP. */
		if (!vip_local(4, ip + 16))
			DECIDE(XLB_DC_DROP_NOT_LOCAL_VIP);
	} else {
		const uint8_t *ip = f + in;

		if (plen < 40 || ip[0] >> 4 != 6 || (size_t)get16(ip + 4) + 40 != plen)
			DECIDE(XLB_DC_DROP_INNER_MALFORMED);
		d->inner_family = 6;
		if (!vip_local(6, ip + 24))
			DECIDE(XLB_DC_DROP_NOT_LOCAL_VIP);
	}
	/* 8. Decapsulated: the same MACs and tags, the inner family's ethertype, then everything
	 * from the inner header on (its trailing bytes too). */
	memcpy(d->out, f, l3);
	d->out[l3 - 2] = proto == 4 ? 0x08 : 0x86;
	d->out[l3 - 1] = proto == 4 ? 0x00 : 0xdd;
	memcpy(d->out + l3, f + in, len - in);
	d->out_len = len - d->outer_len;
	DECIDE(XLB_DC_DECAP);
#undef DECIDE
}

/* ---- invariants that need no model ----------------------------------------------------- */

static const char *why;

/* A changed frame must be the input without its outer IP header (and for GUE its UDP header,
 * to the GUE port in force): same L2 but the ethertype, which names the inner family; the rest
 * unchanged; an allowed source and a local VIP. */
static int decap_ok(const uint8_t *in, size_t len, const uint8_t *out, size_t out_len)
{
	size_t l3 = 14, ohl;
	int ofam, ifam;
	const uint8_t *ip, *inner;

	while (l3 < 22 && len >= l3 + 4 &&
	       (get16(in + l3 - 2) == 0x8100 || get16(in + l3 - 2) == 0x88a8))
		l3 += 4;
	ofam = get16(in + l3 - 2) == 0x0800 ? 4 : get16(in + l3 - 2) == 0x86dd ? 6 : 0;
	why = "decapsulated a frame that is not IPv4 or IPv6";
	if (!ofam || len < l3 + 40)
		return 0;
	ip = in + l3;
	ohl = ofam == 4 ? (size_t)(ip[0] & 15) * 4 : 40;
	if ((ofam == 4 ? ip[9] : ip[6]) == 17) {
		why = "decapsulated UDP that is not GUE to the GUE port";
		if (!gue_port || len < l3 + ohl + 8 || get16(ip + ohl + 2) != gue_port)
			return 0;
		ohl += 8;
	}
	why = "decapsulated a frame too short for an inner header";
	if (len < l3 + ohl + 20)
		return 0;
	inner = in + l3 + ohl;
	ifam = inner[0] >> 4;
	if (ifam == 6 && len < l3 + ohl + 40)
		return 0;
	why = "output is not the input less its outer header";
	if (out_len + ohl != len || memcmp(out, in, l3 - 2) ||
	    memcmp(out + l3, inner, len - l3 - ohl))
		return 0;
	why = "ethertype is not the inner family's";
	if (get16(out + l3 - 2) != (ifam == 4 ? 0x0800 : 0x86dd))
		return 0;
	why = "decapsulated from a source no allowed prefix covers";
	if (!source_allowed(ofam, ofam == 4 ? ip + 12 : ip + 8))
		return 0;
	why = "decapsulated to an address that is not a local VIP";
	if ((ifam != 4 && ifam != 6) || !vip_local(ifam, ifam == 4 ? inner + 16 : inner + 24))
		return 0;
	return 1;
}

/* ---- the seeds and their mutations ------------------------------------------------------ */

#define MAX_SEEDS 512
static uint8_t seed_buf[MAX_SEEDS][FRAME_MAX];
static size_t seed_len[MAX_SEEDS], nseeds;

static void seed_add(const uint8_t *f, size_t len)
{
	if (nseeds < MAX_SEEDS) {
		memcpy(seed_buf[nseeds], f, len);
		seed_len[nseeds++] = len;
	}
}

/* Tunnels of every family pair, tag count, source kind and VIP kind, as xlb_lb builds them;
 * then ordinary frames a backend also receives. */
static void seeds_build(void)
{
	static const char *const dst4[] = { "10.0.0.10", "10.0.0.11", "10.0.0.99" };
	static const char *const dst6[] = { "2001:db8::10", "2001:db8::11", "2001:db8::99" };
	static const char *const src4[] = { "192.0.2.1", "192.0.2.200", "198.51.100.9", "10.99.3.4",
					    "203.0.113.1" };
	static const char *const src6[] = { "2001:db8:ff::1", "2001:db8:ff::2", "2001:db8:1::1",
					    "2001:db9::1" };
	static const uint8_t protos[] = { IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ICMP };
	uint8_t in[FRAME_MAX], out[FRAME_MAX];
	const char *odst4 = "10.1.0.11", *odst6 = "2001:db8:1::11";

	for (int ifam = 4; ifam <= 6; ifam += 2)
		for (int ofam = 4; ofam <= 6; ofam += 2)
			for (int nvlan = 0; nvlan <= 2; nvlan++)
				for (size_t d = 0; d < 3; d++)
					for (size_t s = 0; s < (ofam == 4 ? 5u : 4u); s++) {
						struct frame_spec spec = {
							.family = ifam,
							.src = ifam == 4 ? "203.0.113.7"
									 : "2001:db8:c::7",
							.dst = ifam == 4 ? dst4[d] : dst6[d],
							.sport = (uint16_t)(40000 + s),
							.dport = 80,
							.proto = protos[(d + s) % 3],
							.nvlan = nvlan,
							.payload = (s * 37 + d * 11) % 120,
							.pad = s == 1 ? 6 : 0,
						};
						uint32_t os[4], od[4];
						size_t len;

						addr_parse(ofam == 4 ? src4[s] : src6[s], os);
						addr_parse(ofam == 4 ? odst4 : odst6, od);
						len = frame_build(in, &spec);
						seed_add(out,
							 frame_expect_encap(out, in, len, &spec,
									    ofam, os, od, 0x12345));
						seed_add(out,
							 frame_expect_gue(out, in, len, &spec, ofam,
									  os, od, 0x12345,
									  (uint16_t)(40000 + d),
									  GUE_PORTS[0]));
					}
	/* Ordinary traffic: not tunnels, fragments, extension headers, tags. */
	for (int fam = 4; fam <= 6; fam += 2)
		for (int nvlan = 0; nvlan <= 2; nvlan++)
			for (int k = 0; k < 4; k++) {
				struct frame_spec spec = {
					.family = fam,
					.src = fam == 4 ? "192.0.2.1" : "2001:db8:ff::1",
					.dst = fam == 4 ? "10.0.0.10" : "2001:db8::10",
					.sport = 1234,
					.dport = 80,
					.proto = k == 1 ? IPPROTO_UDP : IPPROTO_TCP,
					.nvlan = nvlan,
					.payload = 30,
					.frag = fam == 4 && k == 2 ? 0x2000 : 0,
					.ext = { fam == 6 && k == 3 ? EXT_HOPOPTS : 0 },
				};

				seed_add(in, frame_build(in, &spec));
			}
}

static const uint8_t INTERESTING[] = { 0x00, 0x01, 0x04, 0x05, 0x06, 0x08, 0x11, 0x14, 0x20,
				       0x28, 0x29, 0x3a, 0x40, 0x45, 0x46, 0x4f, 0x60, 0x7f,
				       0x80, 0x81, 0x86, 0x88, 0xa8, 0xdd, 0xff };

static size_t mutate(uint8_t *f, size_t len)
{
	int n = 1 + (int)rnd(4);

	for (int i = 0; i < n; i++) {
		/* Headers live up front: up to two tags, an outer IPv4 header with options or an
		 * IPv6 one, and the inner header's addresses. */
		size_t lim = len < 144 ? len : 144;

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
		case 3: /* truncated, never below what BPF_PROG_TEST_RUN takes (an Ethernet header)
			 */
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
		default: { /* a 16-bit length-like field nudged by -2..+2 */
			size_t off = rnd((uint32_t)lim - 1);
			uint16_t v = (uint16_t)(get16(f + off) + (int)rnd(5) - 2);

			f[off] = v >> 8;
			f[off + 1] = v & 0xff;
			break;
		}
		}
	}
	return len;
}

static size_t generate(uint8_t *f)
{
	uint32_t mode = rnd(10), s;
	size_t len;

	if (mode == 0) { /* noise behind an Ethernet header of either family */
		len = 14 + rnd(200);
		for (size_t i = 0; i < len; i++)
			f[i] = (uint8_t)rng();
		f[12] = rnd(2) ? 0x08 : 0x86;
		f[13] = f[12] == 0x08 ? 0x00 : 0xdd;
		return len;
	}
	s = rnd((uint32_t)nseeds);
	memcpy(f, seed_buf[s], seed_len[s]);
	len = seed_len[s];
	if (mode <= 2) /* unchanged: keeps the decapsulation path busy */
		return len;
	return mutate(f, len);
}

/* ---- the run ---------------------------------------------------------------------------- */

static void hexdump(const char *what, const uint8_t *p, size_t len)
{
	fprintf(stderr, "    %-6s (%zu bytes):", what, len);
	for (size_t i = 0; i < len && i < 128; i++)
		fprintf(stderr, "%s%02x", i % 32 ? " " : "\n      ", p[i]);
	fprintf(stderr, "\n");
}

enum {
	C_VERDICT,
	C_UNTOUCHED,
	C_DECAP_OK,
	C_COUNTERS_ADD_UP,
	C_MODEL_VERDICT,
	C_MODEL_OUTPUT,
	C_MODEL_COUNTERS,
	NCHECKS
};
static const char *const CHECKS[NCHECKS] = { "verdict_known",	  "untouched_unless_decap",
					     "decap_well_formed", "counters_add_up",
					     "model_verdict",	  "model_output",
					     "model_counters" };

int main(int argc, char **argv)
{
	uint64_t frames = 100000, seed = 1, fails[NCHECKS] = { 0 }, changes = 0, run = 0;
	uint64_t want_p[XLB_DC_MAX], want_b[XLB_DC_MAX], got_p[XLB_DC_MAX], got_b[XLB_DC_MAX];
	uint64_t base_p[XLB_DC_MAX], base_b[XLB_DC_MAX], verdicts[2] = { 0 }, bytes_run = 0;
	static struct decision d;
	struct xt_counts c = { 0 };
	struct timespec t0, t1;
	int opt, verbose = 0, reports = 0;

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
		printf("skip %s: needs root for BPF_PROG_TEST_RUN\n", LAYER);
		c.skipped = 1;
		return xt_summary(LAYER, &c);
	}
	rng_state = seed * 0x9e3779b97f4a7c15ULL + 1;
	if (env_open() || env_counters(base_p, base_b)) {
		fprintf(stderr, "%s: cannot load or configure xlb_decap: %s\n", LAYER,
			strerror(errno));
		c.failed = 1;
		return xt_summary(LAYER, &c);
	}
	memcpy(want_p, base_p, sizeof(want_p));
	memcpy(want_b, base_b, sizeof(want_b));
	seeds_build();
	clock_gettime(CLOCK_MONOTONIC, &t0);

	for (uint64_t i = 0; i < frames && reports < MAX_REPORTS; i++) {
		uint8_t in[FRAME_MAX], out[FRAME_MAX];
		size_t len;
		int bad = -1;

		if (rnd(CHANGE_ONE_IN) == 0) {
			const char *what = "";

			if (env_change(&what)) {
				fprintf(stderr, "%s: toggling %s failed: %s\n", LAYER, what,
					strerror(errno));
				return 1;
			}
			changes++;
		}
		len = generate(in);
		LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = in, .data_size_in = (__u32)len,
			    .data_out = out, .data_size_out = FRAME_MAX, .repeat = 1);
		if (bpf_prog_test_run_opts(dc.prog_fd, &opts)) {
			fprintf(stderr, "%s: test run failed at frame %llu: %s\n", LAYER,
				(unsigned long long)i, strerror(errno));
			return 1;
		}
		run++;
		bytes_run += len;
		decide(in, len, &d);
		want_p[d.reason]++;
		want_b[d.reason] += len;

		if (opts.retval != XDP_PASS && opts.retval != XDP_DROP) {
			bad = C_VERDICT;
			why = "verdict is neither XDP_PASS nor XDP_DROP";
		} else if (opts.data_size_out == len && !memcmp(out, in, len)) {
			verdicts[opts.retval == XDP_PASS]++;
		} else if (opts.retval != XDP_PASS) {
			bad = C_UNTOUCHED;
			why = "a dropped frame was changed";
		} else if (!decap_ok(in, len, out, opts.data_size_out)) {
			bad = C_DECAP_OK;
		} else {
			verdicts[1]++;
		}
		if (bad < 0 && (int)opts.retval != REASON_ACTIONS[d.reason]) {
			bad = C_MODEL_VERDICT;
			why = "the model's verdict differs";
		} else if (bad < 0 &&
			   (opts.data_size_out != d.out_len || memcmp(out, d.out, d.out_len))) {
			bad = C_MODEL_OUTPUT;
			why = "the output differs from the model's";
		}
		if (bad >= 0) {
			fails[bad]++;
			reports++;
			fprintf(stderr,
				"  frame %llu (seed %llu): %s: %s; action %u, model %s\n"
				"    replay: fuzz_decap -s %llu -n %llu\n",
				(unsigned long long)i, (unsigned long long)seed, CHECKS[bad], why,
				opts.retval, REASON_NAMES[d.reason], (unsigned long long)seed,
				(unsigned long long)i + 1);
			hexdump("in", in, len);
			hexdump("got", out, opts.data_size_out);
			if (bad >= C_MODEL_VERDICT)
				hexdump("model", d.out, d.out_len);
		}

		/* Every BATCH frames and at the end: each reason moved by the model's count, and
		 * all of them together by the frames and bytes run. */
		if ((i + 1) % BATCH == 0 || i + 1 == frames || reports >= MAX_REPORTS) {
			uint64_t sp = 0, sb = 0;

			if (env_counters(got_p, got_b))
				return 1;
			for (int r = 0; r < XLB_DC_MAX; r++) {
				sp += got_p[r] - base_p[r];
				sb += got_b[r] - base_b[r];
			}
			if (sp != run || sb != bytes_run) {
				fails[C_COUNTERS_ADD_UP]++;
				reports++;
				fprintf(stderr,
					"  frames up to %llu: reasons count %llu packets, %llu "
					"bytes; "
					"%llu frames, %llu bytes were run\n",
					(unsigned long long)i, (unsigned long long)sp,
					(unsigned long long)sb, (unsigned long long)run,
					(unsigned long long)bytes_run);
			}
			if (memcmp(got_p, want_p, sizeof(got_p)) ||
			    memcmp(got_b, want_b, sizeof(got_b))) {
				fails[C_MODEL_COUNTERS]++;
				reports++;
				fprintf(stderr, "  frames up to %llu (seed %llu): %s:\n",
					(unsigned long long)i, (unsigned long long)seed,
					CHECKS[C_MODEL_COUNTERS]);
				for (int r = 0; r < XLB_DC_MAX; r++)
					fprintf(stderr, "    %-22s %llu/%llu, model %llu/%llu\n",
						REASON_NAMES[r], (unsigned long long)got_p[r],
						(unsigned long long)got_b[r],
						(unsigned long long)want_p[r],
						(unsigned long long)want_b[r]);
				/* Take the maps' counters from here: one fault, one report. */
				memcpy(want_p, got_p, sizeof(want_p));
				memcpy(want_b, got_b, sizeof(want_b));
			}
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (reports >= MAX_REPORTS)
		fprintf(stderr, "  stopped after %d reports, at frame %llu of %llu\n", reports,
			(unsigned long long)run, (unsigned long long)frames);
	printf("%s: %llu frames, seed %llu, %.1f s: verdicts %llu XDP_PASS, %llu XDP_DROP; "
	       "%llu prefix/VIP changes\n",
	       LAYER, (unsigned long long)run, (unsigned long long)seed,
	       (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9,
	       (unsigned long long)verdicts[1], (unsigned long long)verdicts[0],
	       (unsigned long long)changes);
	if (verbose && !env_counters(got_p, got_b))
		for (int r = 0; r < XLB_DC_MAX; r++)
			printf("  %-22s %llu\n", REASON_NAMES[r],
			       (unsigned long long)(got_p[r] - base_p[r]));
	for (int k = 0; k < NCHECKS; k++) {
		if (fails[k])
			fprintf(stderr, "  %s: %llu violations\n", CHECKS[k],
				(unsigned long long)fails[k]);
		xt_report(LAYER, CHECKS[k], fails[k] ? XT_FAIL : XT_PASS, &c);
	}
	decap_bpf__destroy(dc.skel);
	return xt_summary(LAYER, &c);
}
