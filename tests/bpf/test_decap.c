// SPDX-License-Identifier: GPL-2.0
/* test_decap.c - BPF fixtures for xlb_decap: the real object, loaded but not attached, its maps
 * filled directly, fed frames through BPF_PROG_TEST_RUN. Tunnel frames are the ones xlb_lb
 * emits (frame_expect_encap / frame_expect_gue, and round trips through the real xlb_lb in
 * IP-in-IP and GUE mode). Every run checks the
 * verdict, the exact output bytes (the inner frame for decap, the input untouched otherwise)
 * and that exactly one reason counter moved, by one packet and the frame's bytes. Needs root. */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "xlb_abi.h" /* before a skeleton: it names struct xlb_capture_filter */
#include "decap.skel.h"
#include "frame.h"
#include "lbenv.h"
#include "xlb_decap.h"
#include "xt.h"

/* The shorthands below set defaults that a fixture overrides (payload, nvlan, ...). */
#pragma GCC diagnostic ignored "-Woverride-init"
/* The IP-in-IP fixtures leave the last field (gue) out: false. */
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

#define LAYER "bpf/decap"

/* The standard backend: LB tunnel sources, the addresses it is reached at, its VIPs. */
#define LB4 "192.0.2.1" /* in the allowed 192.0.2.0/24 */
#define LB6 "2001:db8:ff::1" /* in the allowed 2001:db8:ff::/64 */
#define EXACT4 "198.51.100.9" /* allowed as a /32 */
#define BE4 "10.1.0.11"
#define BE6 "2001:db8:1::11"
#define VIP4 "10.0.0.10"
#define VIP6 "2001:db8::10"
#define C4 "203.0.113.7"
#define C6 "2001:db8:c::7"
#define FLOW_LABEL 0x54321
#define GUE_PORT 6080 /* the standard configuration's */
#define GUE_SPORT 0x9234 /* any source port: xlb_decap does not look at it */

static const char *const STD_PREFIXES[] = { "192.0.2.0/24", "198.51.100.9/32", "2001:db8:ff::/64" };
static const char *const STD_VIPS[] = { VIP4, VIP6 };

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

/* ---- environment: the loaded object and its maps ---------------------------------------- */

static struct {
	struct decap_bpf *skel;
	int prog_fd, src4_fd, src6_fd, vips_fd, stats_fd, config_fd;
	int ncpus;
} dc;

static int dc_open(void)
{
	int err;

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
	err = dc.ncpus > 0 ? 0 : -EINVAL;
	if (err) {
		decap_bpf__destroy(dc.skel);
		dc.skel = NULL;
	}
	return err;
}

/* Add or delete "ADDR/LEN" in the trie of its family; host bits are masked as xlb-decap does. */
static int dc_prefix(const char *text, int add)
{
	char addr[64];
	const char *slash = strchr(text, '/');
	uint32_t a[4];
	int fam, len, fd;
	struct xlb_dc_prefix6 k6 = { 0 };
	struct xlb_dc_prefix4 k4 = { 0 };
	uint8_t one = 1;
	void *key;

	if (!slash || (size_t)(slash - text) >= sizeof(addr))
		abort();
	memcpy(addr, text, (size_t)(slash - text));
	addr[slash - text] = '\0';
	len = atoi(slash + 1);
	fam = addr_parse(addr, a);
	for (int w = 0; w < 4; w++) {
		int bits = len - 32 * w;
		uint32_t mask = bits >= 32 ? 0xffffffff : bits <= 0 ? 0 : ~0U << (32 - bits);

		a[w] &= htonl(mask);
	}
	if (fam == 4) {
		k4.prefixlen = (uint32_t)len;
		k4.addr = a[0];
		key = &k4;
		fd = dc.src4_fd;
	} else {
		k6.prefixlen = (uint32_t)len;
		memcpy(k6.addr, a, 16);
		key = &k6;
		fd = dc.src6_fd;
	}
	if (add)
		return bpf_map_update_elem(fd, key, &one, BPF_ANY) ? -errno : 0;
	return bpf_map_delete_elem(fd, key) ? -errno : 0;
}

static int dc_vip(const char *text, int add)
{
	struct xlb_vip_key k;
	struct xlb_vip v = { 0 };

	memset(&k, 0, sizeof(k));
	k.family = addr_parse(text, k.addr) == 4 ? XLB_AF_INET : XLB_AF_INET6;
	if (add)
		return bpf_map_update_elem(dc.vips_fd, &k, &v, BPF_ANY) ? -errno : 0;
	return bpf_map_delete_elem(dc.vips_fd, &k) ? -errno : 0;
}

/* Remove every entry of a map whose keys are at most 20 bytes. */
static int dc_flush(int fd)
{
	uint8_t k[20];

	while (!bpf_map_get_next_key(fd, NULL, k))
		if (bpf_map_delete_elem(fd, k))
			return -errno;
	return 0;
}

/* Accept GUE on port (host order; 0: none), as xlb-decap gue-port writes it. */
static int dc_gue_port(uint16_t port)
{
	struct xlb_dc_config c = { .gue_port = htons(port), .flags = XLB_DC_CFG_F_SET };
	uint32_t zero = 0;

	return bpf_map_update_elem(dc.config_fd, &zero, &c, BPF_ANY) ? -errno : 0;
}

/* Empty tries and VIP table, then the standard prefixes and VIPs, GUE on GUE_PORT. */
static int setup_standard(void)
{
	int err = dc_gue_port(GUE_PORT);

	if (!err)
		err = dc_flush(dc.src4_fd);

	if (!err)
		err = dc_flush(dc.src6_fd);
	if (!err)
		err = dc_flush(dc.vips_fd);
	for (size_t i = 0; !err && i < sizeof(STD_PREFIXES) / sizeof(STD_PREFIXES[0]); i++)
		err = dc_prefix(STD_PREFIXES[i], 1);
	for (size_t i = 0; !err && i < sizeof(STD_VIPS) / sizeof(STD_VIPS[0]); i++)
		err = dc_vip(STD_VIPS[i], 1);
	return err;
}

/* Per-reason sums over all possible CPUs. */
static int dc_counters(uint64_t pkts[XLB_DC_MAX], uint64_t bytes[XLB_DC_MAX])
{
	struct xlb_counter *vals = calloc((size_t)dc.ncpus, sizeof(*vals));
	int err = 0;

	if (!vals)
		return -ENOMEM;
	for (uint32_t r = 0; r < XLB_DC_MAX && !err; r++) {
		pkts[r] = bytes[r] = 0;
		if (bpf_map_lookup_elem(dc.stats_fd, &r, vals)) {
			err = -errno;
			break;
		}
		for (int i = 0; i < dc.ncpus; i++) {
			pkts[r] += vals[i].packets;
			bytes[r] += vals[i].bytes;
		}
	}
	free(vals);
	return err;
}

static int dc_run(const void *in, size_t len, void *out, size_t *out_len, int *action)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = in, .data_size_in = (__u32)len,
		    .data_out = out, .data_size_out = FRAME_MAX, .repeat = 1);

	if (bpf_prog_test_run_opts(dc.prog_fd, &opts))
		return -errno;
	*out_len = opts.data_size_out;
	*action = (int)opts.retval;
	return 0;
}

/* ---- frames ----------------------------------------------------------------------------- */

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* The tunnel frame xlb_lb emits for the inner frame `inner` (built from s), outer source osrc
 * (NULL: the LB's standard source of that family) to the standard backend address. */
static size_t tunnel_of(uint8_t *out, const uint8_t *inner, size_t inner_len,
			const struct frame_spec *s, int outer, const char *osrc)
{
	uint32_t src[4], dst[4];

	if (addr_parse(osrc	    ? osrc
		       : outer == 4 ? LB4
				    : LB6,
		       src) != outer ||
	    addr_parse(outer == 4 ? BE4 : BE6, dst) != outer)
		abort(); /* test bug: outer addresses of the wrong family */
	return frame_expect_encap(out, inner, inner_len, s, outer, src, dst, FLOW_LABEL);
}

/* The GUE frame xlb_lb emits for the same (UDP to GUE_PORT, variant 1). */
static size_t gue_of(uint8_t *out, const uint8_t *inner, size_t inner_len,
		     const struct frame_spec *s, int outer, const char *osrc)
{
	uint32_t src[4], dst[4];

	if (addr_parse(osrc	    ? osrc
		       : outer == 4 ? LB4
				    : LB6,
		       src) != outer ||
	    addr_parse(outer == 4 ? BE4 : BE6, dst) != outer)
		abort(); /* test bug: outer addresses of the wrong family */
	return frame_expect_gue(out, inner, inner_len, s, outer, src, dst, FLOW_LABEL, GUE_SPORT,
				GUE_PORT);
}

/* What xlb_decap must hand to the stack: the inner frame, with the tunnel frame's MACs
 * (tunnel_of() uses MAC_GW -> MAC_LB, the inner frame MAC_LB <- MAC_ROUTER), tags as built. */
static size_t expect_decap(uint8_t *want, const uint8_t *inner, size_t inner_len)
{
	memcpy(want, inner, inner_len);
	memcpy(want, MAC_GW, 6);
	memcpy(want + 6, MAC_LB, 6);
	return inner_len;
}

/* The outer IP header of a frame built from s (VLAN tags as in s) and its length. */
static uint8_t *outer_ip(uint8_t *b, const struct frame_spec *s)
{
	return b + frame_l3_off(s);
}

static size_t ip_hlen(const uint8_t *ip)
{
	return (ip[0] >> 4) == 4 ? (size_t)(ip[0] & 0x0f) * 4 : 40;
}

static void fix_csum4(uint8_t *ip)
{
	uint16_t c;

	put16(ip + 10, 0);
	c = csum_fold_buf(ip, ip_hlen(ip), 0);
	memcpy(ip + 10, &c, 2);
}

/* Add delta to the outer length field (IPv4 total length, IPv6 payload length). */
static void outer_len_add(uint8_t *b, const struct frame_spec *s, int delta)
{
	uint8_t *o = outer_ip(b, s);

	if ((o[0] >> 4) == 4) {
		put16(o + 2, (uint16_t)(get16(o + 2) + delta));
		fix_csum4(o);
	} else {
		put16(o + 4, (uint16_t)(get16(o + 4) + delta));
	}
}

/* Insert n bytes at off, moving the rest of the frame back. */
static void insert(uint8_t *b, size_t *len, size_t off, const void *bytes, size_t n)
{
	if (*len + n > FRAME_MAX || off > *len)
		abort();
	memmove(b + off + n, b + off, *len - off);
	memcpy(b + off, bytes, n);
	*len += n;
}

/* ---- mutations of a built frame ------------------------------------------------------- */

typedef void (*mutate_fn)(uint8_t *b, size_t *len, const struct frame_spec *s);

/* Outer IPv4 options (NOPs): IHL 6 and IHL 15. */
static void outer_opts(uint8_t *b, size_t *len, const struct frame_spec *s, size_t n)
{
	static const uint8_t nops[40] = { 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
					  1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
					  1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1 };
	uint8_t *o = outer_ip(b, s);

	insert(b, len, frame_l3_off(s) + 20, nops, n);
	o[0] = (uint8_t)(0x40 | (20 + n) / 4);
	outer_len_add(b, s, (int)n);
}

static void outer_opts4(uint8_t *b, size_t *len, const struct frame_spec *s)
{
	outer_opts(b, len, s, 4);
}

static void outer_opts40(uint8_t *b, size_t *len, const struct frame_spec *s)
{
	outer_opts(b, len, s, 40);
}

/* Set the outer protocol (IPv4) or next header (IPv6). */
static void outer_proto(uint8_t *b, const struct frame_spec *s, uint8_t proto)
{
	uint8_t *o = outer_ip(b, s);

	if ((o[0] >> 4) == 4) {
		o[9] = proto;
		fix_csum4(o);
	} else {
		o[6] = proto;
	}
}

static void outer_proto_ipip(uint8_t *b, size_t *len, const struct frame_spec *s)
{
	(void)len;
	outer_proto(b, s, IPPROTO_IPIP);
}

static void outer_proto_ipv6(uint8_t *b, size_t *len, const struct frame_spec *s)
{
	(void)len;
	outer_proto(b, s, IPPROTO_IPV6);
}

static void outer_proto_gre(uint8_t *b, size_t *len, const struct frame_spec *s)
{
	(void)len;
	outer_proto(b, s, 47);
}

static void outer_frag(uint8_t *b, const struct frame_spec *s, uint16_t bits)
{
	uint8_t *o = outer_ip(b, s);

	put16(o + 6, get16(o + 6) | bits);
	fix_csum4(o);
}

static void outer_mf(uint8_t *b, size_t *len, const struct frame_spec *s)
{
	(void)len;
	outer_frag(b, s, 0x2000);
}

static void outer_offset(uint8_t *b, size_t *len, const struct frame_spec *s)
{
	(void)len;
	outer_frag(b, s, 185); /* 1480 bytes in: a last fragment */
}

static void outer_ihl4(uint8_t *b, size_t *len, const struct frame_spec *s)
{
	(void)len;
	outer_ip(b, s)[0] = 0x44;
}

/* Version 6 in a header that the ethertype says is IPv4, or 4 in one it says is IPv6. */
static void outer_version_swap(uint8_t *b, size_t *len, const struct frame_spec *s)
{
	uint8_t *o = outer_ip(b, s);

	(void)len;
	o[0] = (uint8_t)(((o[0] >> 4) == 4 ? 0x60 : 0x40) | (o[0] & 0x0f));
}

static void outer_len_plus1(uint8_t *b, size_t *len, const struct frame_spec *s)
{
	(void)len;
	outer_len_add(b, s, 1);
}

static void outer_tot_len_19(uint8_t *b, size_t *len, const struct frame_spec *s)
{
	uint8_t *o = outer_ip(b, s);

	(void)len;
	put16(o + 2, 19);
	fix_csum4(o);
}

/* The outer IPv4 header claims options (IHL 15) that the total length does not cover. */
static void outer_ihl15_short(uint8_t *b, size_t *len, const struct frame_spec *s)
{
	uint8_t *o = outer_ip(b, s);

	(void)len;
	o[0] = 0x4f;
	put16(o + 2, 56);
	fix_csum4(o);
	*len = frame_l3_off(s) + 56;
}

/* An IPv6 extension header of type `type` between the outer header and the inner packet. */
static void outer_ext6(uint8_t *b, size_t *len, const struct frame_spec *s, uint8_t type)
{
	uint8_t *o = outer_ip(b, s);
	uint8_t ext[8] = { o[6], 0, 1, 4, 0, 0, 0, 0 }; /* next header, length 0, PadN(4) */

	if (type == 44) /* fragment header: offset 0, M 0, id 1 (an atomic fragment) */
		memcpy(ext + 1, (const uint8_t[7]){ 0, 0, 0, 0, 0, 0, 1 }, 7);
	insert(b, len, frame_l3_off(s) + 40, ext, sizeof(ext));
	o[6] = type;
	outer_len_add(b, s, (int)sizeof(ext));
}

static void outer_hbh(uint8_t *b, size_t *len, const struct frame_spec *s)
{
	outer_ext6(b, len, s, 0);
}

static void outer_dstopts(uint8_t *b, size_t *len, const struct frame_spec *s)
{
	outer_ext6(b, len, s, 60);
}

static void outer_fraghdr(uint8_t *b, size_t *len, const struct frame_spec *s)
{
	outer_ext6(b, len, s, 44);
}

/* Inner packet edits: its header starts after the outer one. */
static void inner_cut(uint8_t *b, size_t *len, const struct frame_spec *s, size_t n);

/* The UDP header of a GUE frame built from s. */
static uint8_t *gue_udp(uint8_t *b, const struct frame_spec *s)
{
	uint8_t *o = outer_ip(b, s);

	return o + ip_hlen(o);
}

static void gue_dport_6081(uint8_t *b, size_t *len, const struct frame_spec *s)
{
	(void)len;
	put16(gue_udp(b, s) + 2, GUE_PORT + 1);
}

static void gue_udp_len_plus1(uint8_t *b, size_t *len, const struct frame_spec *s)
{
	uint8_t *u = gue_udp(b, s);

	(void)len;
	put16(u + 4, (uint16_t)(get16(u + 4) + 1));
}

static void gue_udp_len_minus1(uint8_t *b, size_t *len, const struct frame_spec *s)
{
	uint8_t *u = gue_udp(b, s);

	(void)len;
	put16(u + 4, (uint16_t)(get16(u + 4) - 1));
}

/* The first byte of the UDP payload: variant and version bits. */
static void gue_first_byte(uint8_t *b, const struct frame_spec *s, uint8_t v)
{
	gue_udp(b, s)[8] = v;
}

static void gue_variant0(uint8_t *b, size_t *len, const struct frame_spec *s)
{
	/* A variant 0 header (version 0, hlen 0, proto 4) in front of the inner packet. */
	static const uint8_t hdr[4] = { 0x00, 0x04, 0x00, 0x00 };
	uint8_t *u = gue_udp(b, s);

	put16(u + 4, (uint16_t)(get16(u + 4) + 4));
	insert(b, len, (size_t)(u + 8 - b), hdr, 4);
	outer_len_add(b, s, 4);
}

static void gue_variant_reserved(uint8_t *b, size_t *len, const struct frame_spec *s)
{
	(void)len;
	gue_first_byte(b, s, 0x85); /* variant 2 */
}

static void gue_control_bits(uint8_t *b, size_t *len, const struct frame_spec *s)
{
	(void)len;
	gue_first_byte(b, s, 0xc5); /* variant 3 */
}

static void gue_version5(uint8_t *b, size_t *len, const struct frame_spec *s)
{
	(void)len;
	gue_first_byte(b, s, 0x55); /* variant 1, but neither IPv4 nor IPv6 */
}

static void gue_version6_for_ipv4(uint8_t *b, size_t *len, const struct frame_spec *s)
{
	(void)len;
	gue_first_byte(b, s, 0x65);
}

/* The UDP datagram carries only n bytes of the inner packet (every length consistent). */
static void gue_cut(uint8_t *b, size_t *len, const struct frame_spec *s, size_t n)
{
	uint8_t *o = outer_ip(b, s);
	size_t ohl = ip_hlen(o);

	put16(o + ohl + 4, (uint16_t)(8 + n));
	if ((o[0] >> 4) == 4) {
		put16(o + 2, (uint16_t)(ohl + 8 + n));
		fix_csum4(o);
	} else {
		put16(o + 4, (uint16_t)(8 + n));
	}
	*len = frame_l3_off(s) + ohl + 8 + n;
}

static void gue_cut0(uint8_t *b, size_t *len, const struct frame_spec *s)
{
	gue_cut(b, len, s, 0);
}

static void gue_cut19(uint8_t *b, size_t *len, const struct frame_spec *s)
{
	gue_cut(b, len, s, 19);
}

/* Only 4 bytes of UDP header in the outer packet. */
static void gue_udp_header_cut(uint8_t *b, size_t *len, const struct frame_spec *s)
{
	inner_cut(b, len, s, 4);
}

/* The inner length field of a GUE frame's inner packet, plus one. */
static void gue_inner_len_plus1(uint8_t *b, size_t *len, const struct frame_spec *s)
{
	uint8_t *in = gue_udp(b, s) + 8;
	uint8_t *f = in + ((in[0] >> 4) == 4 ? 2 : 4);

	(void)len;
	put16(f, (uint16_t)(get16(f) + 1));
}

static uint8_t *inner_ip(uint8_t *b, const struct frame_spec *s)
{
	uint8_t *o = outer_ip(b, s);

	return o + ip_hlen(o);
}

static void inner_len_add(uint8_t *b, const struct frame_spec *s, int delta)
{
	uint8_t *in = inner_ip(b, s);
	uint8_t *f = in + ((in[0] >> 4) == 4 ? 2 : 4);

	put16(f, (uint16_t)(get16(f) + delta));
}

static void inner_len_minus1(uint8_t *b, size_t *len, const struct frame_spec *s)
{
	(void)len;
	inner_len_add(b, s, -1);
}

static void inner_len_plus1(uint8_t *b, size_t *len, const struct frame_spec *s)
{
	(void)len;
	inner_len_add(b, s, 1);
}

/* The outer packet carries only n bytes of the inner one (outer length consistent). */
static void inner_cut(uint8_t *b, size_t *len, const struct frame_spec *s, size_t n)
{
	uint8_t *o = outer_ip(b, s);
	size_t ohl = ip_hlen(o);

	if ((o[0] >> 4) == 4) {
		put16(o + 2, (uint16_t)(ohl + n));
		fix_csum4(o);
	} else {
		put16(o + 4, (uint16_t)n);
	}
	*len = frame_l3_off(s) + ohl + n;
}

static void inner_cut0(uint8_t *b, size_t *len, const struct frame_spec *s)
{
	inner_cut(b, len, s, 0);
}

static void inner_cut19(uint8_t *b, size_t *len, const struct frame_spec *s)
{
	inner_cut(b, len, s, 19);
}

static void inner_cut39(uint8_t *b, size_t *len, const struct frame_spec *s)
{
	inner_cut(b, len, s, 39);
}

static void inner_ihl4(uint8_t *b, size_t *len, const struct frame_spec *s)
{
	(void)len;
	inner_ip(b, s)[0] = 0x44;
}

/* IHL 15 (60 bytes) in an inner packet of 28 bytes: the header runs past the packet. */
static void inner_ihl15(uint8_t *b, size_t *len, const struct frame_spec *s)
{
	(void)len;
	inner_ip(b, s)[0] = 0x4f;
}

static void inner_version_swap(uint8_t *b, size_t *len, const struct frame_spec *s)
{
	uint8_t *in = inner_ip(b, s);

	(void)len;
	in[0] = (uint8_t)(((in[0] >> 4) == 4 ? 0x60 : 0x40) | (in[0] & 0x0f));
}

/* Frames that are not IP at all, or cut inside the L2 header. */
static void ethertype(uint8_t *b, size_t *len, uint16_t type)
{
	put16(b + 12, type);
	*len = 60;
}

static void make_arp(uint8_t *b, size_t *len, const struct frame_spec *s)
{
	(void)s;
	ethertype(b, len, 0x0806);
}

static void make_lldp(uint8_t *b, size_t *len, const struct frame_spec *s)
{
	(void)s;
	ethertype(b, len, 0x88cc);
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
	*len = 16; /* a TPID announcing a tag, then half of the tag */
}

/* A third tag in front of the outer header: parse_eth stops after two, so the "ethertype" it
 * sees is a TPID, not IP. */
static void third_tag(uint8_t *b, size_t *len, const struct frame_spec *s)
{
	static const uint8_t tag[4] = { 0x81, 0x00, 0x01, 0x2c };

	insert(b, len, frame_l3_off(s) - 2, tag, sizeof(tag));
}

/* ---- the checked run ------------------------------------------------------------------- */

/* Run one frame: the action of `reason`, exactly that reason counted (one packet, len bytes),
 * and the output: want for decap, the input itself for every other reason. */
static int run_expect(const uint8_t *in, size_t len, const uint8_t *want, size_t want_len,
		      int reason)
{
	uint64_t p0[XLB_DC_MAX], b0[XLB_DC_MAX], p1[XLB_DC_MAX], b1[XLB_DC_MAX];
	uint8_t out[FRAME_MAX];
	size_t out_len;
	int action;

	XT_EQ(dc_counters(p0, b0), 0);
	XT_EQ(dc_run(in, len, out, &out_len, &action), 0);
	XT_EQ(dc_counters(p1, b1), 0);
	XT_CHECK(action != XDP_TX, "xlb_decap never transmits");
	XT_CHECK(action == REASON_ACTIONS[reason], "action %d, expected %d (%s)", action,
		 REASON_ACTIONS[reason], REASON_NAMES[reason]);
	for (int r = 0; r < XLB_DC_MAX; r++) {
		XT_CHECK(p1[r] - p0[r] == (r == reason), "reason %s moved by %llu (expected %s)",
			 REASON_NAMES[r], (unsigned long long)(p1[r] - p0[r]),
			 REASON_NAMES[reason]);
		XT_CHECK(b1[r] - b0[r] == (r == reason ? len : 0), "reason %s bytes moved by %llu",
			 REASON_NAMES[r], (unsigned long long)(b1[r] - b0[r]));
	}
	if (reason == XLB_DC_DECAP)
		XT_CHECK(frame_equal(out, out_len, want, want_len), "decapsulated frame differs");
	else
		XT_CHECK(frame_equal(out, out_len, in, len), "%s must leave the frame untouched",
			 REASON_NAMES[reason]);
	return XT_PASS;
}

/* ---- table-driven fixtures ------------------------------------------------------------- */

struct fixture {
	const char *name;
	struct frame_spec s; /* the inner packet; the whole frame when outer is 0 */
	int outer; /* 4 or 6: tunnel it as xlb_lb would; 0: send s as it is */
	const char *osrc; /* outer source, NULL = LB4 / LB6 */
	mutate_fn mutate; /* applied to the frame last */
	int reason; /* the expected reason; the action follows from it */
	bool gue; /* tunnel it in GUE (UDP to GUE_PORT) instead of IP-in-IP */
};

#define TCP4(vip)                                                                              \
	.family = 4, .src = C4, .dst = vip, .sport = 40000, .dport = 80, .proto = IPPROTO_TCP, \
	.payload = 32
#define UDP4(vip)                                                                              \
	.family = 4, .src = C4, .dst = vip, .sport = 40001, .dport = 53, .proto = IPPROTO_UDP, \
	.payload = 24
#define TCP6(vip)                                                                              \
	.family = 6, .src = C6, .dst = vip, .sport = 40002, .dport = 80, .proto = IPPROTO_TCP, \
	.payload = 32
#define UDP6(vip)                                                                              \
	.family = 6, .src = C6, .dst = vip, .sport = 40003, .dport = 53, .proto = IPPROTO_UDP, \
	.payload = 24

#define DECAP XLB_DC_DECAP
#define NOT_TUNNEL XLB_DC_PASS_NOT_TUNNEL
#define MALFORMED XLB_DC_PASS_MALFORMED
#define BAD_SOURCE XLB_DC_DROP_SOURCE
#define NOT_VIP XLB_DC_DROP_NOT_LOCAL_VIP
#define BAD_INNER XLB_DC_DROP_INNER_MALFORMED
#define FRAGMENT XLB_DC_DROP_OUTER_FRAGMENT
#define GUE true

static const struct fixture FIXTURES[] = {
	/* the four tunnel families, TCP and UDP inside */
	{ "tcp4_in_ipv4", { TCP4(VIP4) }, 4, NULL, NULL, DECAP },
	{ "udp4_in_ipv4", { UDP4(VIP4) }, 4, NULL, NULL, DECAP },
	{ "tcp6_in_ipv6", { TCP6(VIP6) }, 6, NULL, NULL, DECAP },
	{ "udp6_in_ipv6", { UDP6(VIP6) }, 6, NULL, NULL, DECAP },
	{ "tcp4_in_ipv6", { TCP4(VIP4) }, 6, NULL, NULL, DECAP },
	{ "udp4_in_ipv6", { UDP4(VIP4) }, 6, NULL, NULL, DECAP },
	{ "tcp6_in_ipv4", { TCP6(VIP6) }, 4, NULL, NULL, DECAP },
	{ "udp6_in_ipv4", { UDP6(VIP6) }, 4, NULL, NULL, DECAP },
	/* VLAN tags are kept, in front of the inner ethertype */
	{ "tcp4_in_ipv4_vlan1", { TCP4(VIP4), .nvlan = 1 }, 4, NULL, NULL, DECAP },
	{ "tcp4_in_ipv4_vlan2", { TCP4(VIP4), .nvlan = 2 }, 4, NULL, NULL, DECAP },
	{ "tcp6_in_ipv6_vlan1", { TCP6(VIP6), .nvlan = 1 }, 6, NULL, NULL, DECAP },
	{ "udp6_in_ipv6_vlan2", { UDP6(VIP6), .nvlan = 2 }, 6, NULL, NULL, DECAP },
	{ "udp4_in_ipv6_vlan2", { UDP4(VIP4), .nvlan = 2 }, 6, NULL, NULL, DECAP },
	{ "tcp6_in_ipv4_vlan1", { TCP6(VIP6), .nvlan = 1 }, 4, NULL, NULL, DECAP },
	/* inner packets of every shape pass through byte for byte */
	{ "tcp4_syn_empty_payload",
	  { TCP4(VIP4), .payload = 0, .tcp_flags = 0x02 },
	  4,
	  NULL,
	  NULL,
	  DECAP },
	{ "udp6_large_1400", { UDP6(VIP6), .payload = 1400 }, 6, NULL, NULL, DECAP },
	{ "tcp4_inner_options", { TCP4(VIP4), .ip_opts = 8 }, 4, NULL, NULL, DECAP },
	{ "tcp4_inner_dscp_ecn_no_df",
	  { TCP4(VIP4), .tos = 0xb9, .no_df = 1 },
	  4,
	  NULL,
	  NULL,
	  DECAP },
	{ "inner_icmp4_to_vip",
	  { .family = 4, .src = C4, .dst = VIP4, .proto = 1, .payload = 56 },
	  4,
	  NULL,
	  NULL,
	  DECAP },
	{ "inner_fragment_to_vip", { UDP4(VIP4), .frag = 0x2000 }, 4, NULL, NULL, DECAP },
	{ "trailing_eth_padding_kept", { UDP4(VIP4), .payload = 0, .pad = 6 }, 4, NULL, NULL, DECAP },
	/* outer IPv4 options are skipped with the header */
	{ "outer_ihl6_options", { TCP4(VIP4) }, 4, NULL, outer_opts4, DECAP },
	{ "outer_ihl15_options_6in4_vlan2",
	  { UDP6(VIP6), .nvlan = 2 },
	  4,
	  NULL,
	  outer_opts40,
	  DECAP },
	/* allowed sources: prefix boundaries */
	{ "src4_first_of_24", { TCP4(VIP4) }, 4, "192.0.2.0", NULL, DECAP },
	{ "src4_last_of_24", { TCP4(VIP4) }, 4, "192.0.2.255", NULL, DECAP },
	{ "src4_below_24", { TCP4(VIP4) }, 4, "192.0.1.255", NULL, BAD_SOURCE },
	{ "src4_above_24", { TCP4(VIP4) }, 4, "192.0.3.0", NULL, BAD_SOURCE },
	{ "src4_exact_32", { UDP4(VIP4) }, 4, EXACT4, NULL, DECAP },
	{ "src4_below_32", { UDP4(VIP4) }, 4, "198.51.100.8", NULL, BAD_SOURCE },
	{ "src4_above_32", { UDP4(VIP4) }, 4, "198.51.100.10", NULL, BAD_SOURCE },
	{ "src6_last_of_64", { TCP6(VIP6) }, 6, "2001:db8:ff::ffff:ffff:ffff:ffff", NULL, DECAP },
	{ "src6_first_of_64", { TCP6(VIP6) }, 6, "2001:db8:ff::", NULL, DECAP },
	{ "src6_above_64", { TCP6(VIP6) }, 6, "2001:db8:ff:1::", NULL, BAD_SOURCE },
	{ "src6_below_64",
	  { TCP6(VIP6) },
	  6,
	  "2001:db8:fe:ffff:ffff:ffff:ffff:ffff",
	  NULL,
	  BAD_SOURCE },
	{ "src6_v4mapped_not_in_v4_trie", { TCP4(VIP4) }, 6, "::ffff:192.0.2.1", NULL, BAD_SOURCE },
	{ "src4_client_addr_6in4", { TCP6(VIP6) }, 4, C4, NULL, BAD_SOURCE },
	/* the inner destination must be a local VIP of its own family */
	{ "not_local_vip4", { TCP4("10.0.0.99") }, 4, NULL, NULL, NOT_VIP },
	{ "not_local_vip6", { UDP6("2001:db8::99") }, 6, NULL, NULL, NOT_VIP },
	{ "not_local_vip4_in_ipv6", { UDP4("10.0.0.11") }, 6, NULL, NULL, NOT_VIP },
	{ "vip4_bits_as_ipv6_addr", { TCP6("a00:a::") }, 6, NULL, NULL, NOT_VIP },
	{ "backend_addr_is_not_vip", { TCP4(BE4) }, 4, NULL, NULL, NOT_VIP },
	/* inner family must be the one the outer protocol announces */
	{ "proto4_carrying_ipv6", { TCP6(VIP6) }, 4, NULL, outer_proto_ipip, BAD_INNER },
	{ "proto41_carrying_ipv4", { TCP4(VIP4) }, 4, NULL, outer_proto_ipv6, BAD_INNER },
	{ "nexthdr4_carrying_ipv6", { UDP6(VIP6) }, 6, NULL, outer_proto_ipip, BAD_INNER },
	{ "nexthdr41_carrying_ipv4", { UDP4(VIP4) }, 6, NULL, outer_proto_ipv6, BAD_INNER },
	{ "inner_version6_in_ipv4_header", { TCP4(VIP4) }, 4, NULL, inner_version_swap, BAD_INNER },
	/* inner length must equal the outer payload, both directions */
	{ "inner4_shorter_than_outer", { TCP4(VIP4) }, 4, NULL, inner_len_minus1, BAD_INNER },
	{ "inner4_longer_than_outer", { TCP4(VIP4) }, 4, NULL, inner_len_plus1, BAD_INNER },
	{ "inner6_shorter_than_outer", { UDP6(VIP6) }, 6, NULL, inner_len_minus1, BAD_INNER },
	{ "inner6_longer_than_outer", { UDP6(VIP6) }, 6, NULL, inner_len_plus1, BAD_INNER },
	{ "inner4_in_ipv6_longer", { TCP4(VIP4) }, 6, NULL, inner_len_plus1, BAD_INNER },
	{ "inner6_in_ipv4_shorter", { TCP6(VIP6) }, 4, NULL, inner_len_minus1, BAD_INNER },
	/* inner header truncated or inconsistent */
	{ "inner4_truncated_19", { TCP4(VIP4) }, 4, NULL, inner_cut19, BAD_INNER },
	{ "inner6_truncated_39", { TCP6(VIP6) }, 6, NULL, inner_cut39, BAD_INNER },
	{ "inner6_in_ipv4_truncated_39", { TCP6(VIP6) }, 4, NULL, inner_cut39, BAD_INNER },
	{ "outer4_empty_payload", { TCP4(VIP4) }, 4, NULL, inner_cut0, BAD_INNER },
	{ "outer6_empty_payload", { TCP4(VIP4) }, 6, NULL, inner_cut0, BAD_INNER },
	{ "inner4_ihl4", { TCP4(VIP4) }, 4, NULL, inner_ihl4, BAD_INNER },
	{ "inner4_ihl_beyond_tot_len",
	  { UDP4(VIP4), .payload = 0 },
	  4,
	  NULL,
	  inner_ihl15,
	  BAD_INNER },
	/* outer fragments are dropped */
	{ "outer_fragment_mf", { TCP4(VIP4) }, 4, NULL, outer_mf, FRAGMENT },
	{ "outer_fragment_offset", { TCP4(VIP4) }, 4, NULL, outer_offset, FRAGMENT },
	{ "outer_fragment_6in4_vlan1", { TCP6(VIP6), .nvlan = 1 }, 4, NULL, outer_mf, FRAGMENT },
	/* broken outer headers are left to the stack */
	{ "outer_ihl4", { TCP4(VIP4) }, 4, NULL, outer_ihl4, MALFORMED },
	{ "outer_version6_under_ipv4_type", { TCP4(VIP4) }, 4, NULL, outer_version_swap, MALFORMED },
	{ "outer_version4_under_ipv6_type", { TCP6(VIP6) }, 6, NULL, outer_version_swap, MALFORMED },
	{ "outer4_tot_len_beyond_frame", { TCP4(VIP4) }, 4, NULL, outer_len_plus1, MALFORMED },
	{ "outer4_tot_len_below_header", { TCP4(VIP4) }, 4, NULL, outer_tot_len_19, MALFORMED },
	{ "outer4_options_beyond_tot_len", { TCP4(VIP4) }, 4, NULL, outer_ihl15_short, MALFORMED },
	{ "outer6_payload_beyond_frame", { TCP6(VIP6) }, 6, NULL, outer_len_plus1, MALFORMED },
	{ "eth_header_only", { TCP4(VIP4) }, 4, NULL, eth_only, MALFORMED },
	{ "vlan_tag_cut", { TCP4(VIP4), .nvlan = 1 }, 4, NULL, vlan_cut, MALFORMED },
	/* not a tunnel: untouched */
	{ "outer6_hop_by_hop", { TCP6(VIP6) }, 6, NULL, outer_hbh, NOT_TUNNEL },
	{ "outer6_dest_opts", { TCP4(VIP4) }, 6, NULL, outer_dstopts, NOT_TUNNEL },
	{ "outer6_fragment_header", { UDP6(VIP6) }, 6, NULL, outer_fraghdr, NOT_TUNNEL },
	{ "outer4_gre", { TCP4(VIP4) }, 4, NULL, outer_proto_gre, NOT_TUNNEL },
	{ "three_vlan_tags", { TCP4(VIP4), .nvlan = 2 }, 4, NULL, third_tag, NOT_TUNNEL },
	{ "plain_tcp4_to_vip", { TCP4(VIP4) }, 0, NULL, NULL, NOT_TUNNEL },
	{ "plain_udp4_vlan2", { UDP4(VIP4), .nvlan = 2 }, 0, NULL, NULL, NOT_TUNNEL },
	{ "plain_tcp6_to_vip", { TCP6(VIP6) }, 0, NULL, NULL, NOT_TUNNEL },
	{ "plain_udp6", { UDP6(BE6) }, 0, NULL, NULL, NOT_TUNNEL },
	{ "plain_icmp4",
	  { .family = 4, .src = LB4, .dst = BE4, .proto = 1, .payload = 56 },
	  0,
	  NULL,
	  NULL,
	  NOT_TUNNEL },
	{ "plain_icmp6",
	  { .family = 6, .src = LB6, .dst = BE6, .proto = 58, .payload = 56 },
	  0,
	  NULL,
	  NULL,
	  NOT_TUNNEL },
	{ "plain_udp4_fragment_from_lb",
	  { UDP4(BE4), .src = LB4, .frag = 0x2000 },
	  0,
	  NULL,
	  NULL,
	  NOT_TUNNEL },
	{ "arp", { TCP4(VIP4) }, 0, NULL, make_arp, NOT_TUNNEL },
	/* GUE variant 1: the four families, tags, through the same allow-list and VIP rules */
	{ "gue_tcp4_in_ipv4", { TCP4(VIP4) }, 4, NULL, NULL, DECAP, GUE },
	{ "gue_udp6_in_ipv6", { UDP6(VIP6) }, 6, NULL, NULL, DECAP, GUE },
	{ "gue_tcp4_in_ipv6", { TCP4(VIP4) }, 6, NULL, NULL, DECAP, GUE },
	{ "gue_tcp6_in_ipv4", { TCP6(VIP6) }, 4, NULL, NULL, DECAP, GUE },
	{ "gue_tcp4_in_ipv4_vlan1", { TCP4(VIP4), .nvlan = 1 }, 4, NULL, NULL, DECAP, GUE },
	{ "gue_udp6_in_ipv6_vlan2", { UDP6(VIP6), .nvlan = 2 }, 6, NULL, NULL, DECAP, GUE },
	{ "gue_udp6_large_1400", { UDP6(VIP6), .payload = 1400 }, 6, NULL, NULL, DECAP, GUE },
	{ "gue_outer_ihl6_options", { TCP4(VIP4) }, 4, NULL, outer_opts4, DECAP, GUE },
	{ "gue_padding_kept", { UDP4(VIP4), .payload = 0, .pad = 6 }, 4, NULL, NULL, DECAP, GUE },
	{ "gue_src4_outside", { TCP4(VIP4) }, 4, "192.0.3.1", NULL, BAD_SOURCE, GUE },
	{ "gue_src6_outside", { TCP6(VIP6) }, 6, "2001:db8:fe::1", NULL, BAD_SOURCE, GUE },
	{ "gue_not_local_vip4", { TCP4("10.0.0.99") }, 4, NULL, NULL, NOT_VIP, GUE },
	{ "gue_not_local_vip6_in_ipv4", { UDP6("2001:db8::99") }, 4, NULL, NULL, NOT_VIP, GUE },
	/* malformed GUE */
	{ "gue_other_port", { TCP4(VIP4) }, 4, NULL, gue_dport_6081, NOT_TUNNEL, GUE },
	{ "gue6_other_port", { TCP6(VIP6) }, 6, NULL, gue_dport_6081, NOT_TUNNEL, GUE },
	{ "gue_udp_len_plus1", { TCP4(VIP4) }, 4, NULL, gue_udp_len_plus1, MALFORMED, GUE },
	{ "gue6_udp_len_minus1", { UDP6(VIP6) }, 6, NULL, gue_udp_len_minus1, MALFORMED, GUE },
	{ "gue_udp_header_cut", { TCP4(VIP4) }, 4, NULL, gue_udp_header_cut, MALFORMED, GUE },
	{ "gue6_udp_header_cut", { TCP6(VIP6) }, 6, NULL, gue_udp_header_cut, MALFORMED, GUE },
	{ "gue_variant0_header", { TCP4(VIP4) }, 4, NULL, gue_variant0, NOT_TUNNEL, GUE },
	{ "gue6_variant0_header", { TCP6(VIP6) }, 6, NULL, gue_variant0, NOT_TUNNEL, GUE },
	{ "gue_variant2", { TCP4(VIP4) }, 4, NULL, gue_variant_reserved, NOT_TUNNEL, GUE },
	{ "gue_variant3_control", { TCP4(VIP4) }, 6, NULL, gue_control_bits, NOT_TUNNEL, GUE },
	{ "gue_version5", { TCP4(VIP4) }, 4, NULL, gue_version5, BAD_INNER, GUE },
	{ "gue6_version5", { TCP6(VIP6) }, 6, NULL, gue_version5, BAD_INNER, GUE },
	{ "gue_version6_on_ipv4", { TCP4(VIP4) }, 4, NULL, gue_version6_for_ipv4, BAD_INNER, GUE },
	{ "gue_empty_payload", { TCP4(VIP4) }, 4, NULL, gue_cut0, BAD_INNER, GUE },
	{ "gue6_empty_payload", { TCP6(VIP6) }, 6, NULL, gue_cut0, BAD_INNER, GUE },
	{ "gue_inner_truncated_19", { TCP4(VIP4) }, 6, NULL, gue_cut19, BAD_INNER, GUE },
	{ "gue_inner_longer_than_udp", { TCP4(VIP4) }, 4, NULL, gue_inner_len_plus1, BAD_INNER, GUE },
	{ "gue_outer_fragment_mf", { TCP4(VIP4) }, 4, NULL, outer_mf, FRAGMENT, GUE },
	{ "gue_outer_later_fragment_passes", { TCP4(VIP4) }, 4, NULL, outer_offset, NOT_TUNNEL, GUE },
	{ "gue_bad_source_and_port_other", { TCP4(VIP4) }, 4, C4, gue_dport_6081, NOT_TUNNEL, GUE },
	{ "lldp", { TCP4(VIP4) }, 0, NULL, make_lldp, NOT_TUNNEL },
};

static int run_fixture(const struct fixture *f)
{
	uint8_t inner[FRAME_MAX], in[FRAME_MAX], want[FRAME_MAX];
	size_t inner_len, len, want_len = 0;

	XT_EQ(setup_standard(), 0);
	inner_len = frame_build(inner, &f->s);
	if (f->outer && f->gue) {
		len = gue_of(in, inner, inner_len, &f->s, f->outer, f->osrc);
	} else if (f->outer) {
		len = tunnel_of(in, inner, inner_len, &f->s, f->outer, f->osrc);
	} else {
		memcpy(in, inner, FRAME_MAX);
		len = inner_len;
	}
	if (f->mutate)
		f->mutate(in, &len, &f->s);
	if (f->reason == XLB_DC_DECAP)
		want_len = expect_decap(want, inner, inner_len);
	return run_expect(in, len, want, want_len, f->reason);
}

/* ---- scenarios: map changes ------------------------------------------------------------ */

/* Build the standard tunnel of s in family outer and run it, expecting reason. */
static int run_tunnel(const struct frame_spec *s, int outer, const char *osrc, int reason)
{
	uint8_t inner[FRAME_MAX], in[FRAME_MAX], want[FRAME_MAX];
	size_t inner_len = frame_build(inner, s);
	size_t len = tunnel_of(in, inner, inner_len, s, outer, osrc);
	size_t want_len = expect_decap(want, inner, inner_len);

	return run_expect(in, len, want, want_len, reason);
}

static const struct frame_spec TCP4_SPEC = { TCP4(VIP4) };
static const struct frame_spec TCP6_SPEC = { TCP6(VIP6) };

static int t_default_deny_empty_tries(void)
{
	XT_EQ(setup_standard(), 0);
	XT_EQ(dc_flush(dc.src4_fd), 0);
	XT_EQ(dc_flush(dc.src6_fd), 0);
	XT_EQ(run_tunnel(&TCP4_SPEC, 4, NULL, XLB_DC_DROP_SOURCE), XT_PASS);
	XT_EQ(run_tunnel(&TCP6_SPEC, 6, NULL, XLB_DC_DROP_SOURCE), XT_PASS);
	XT_EQ(run_tunnel(&TCP4_SPEC, 6, NULL, XLB_DC_DROP_SOURCE), XT_PASS);
	XT_EQ(run_tunnel(&TCP6_SPEC, 4, EXACT4, XLB_DC_DROP_SOURCE), XT_PASS);
	return XT_PASS;
}

static int t_empty_vips_drop_everything(void)
{
	XT_EQ(setup_standard(), 0);
	XT_EQ(dc_flush(dc.vips_fd), 0);
	XT_EQ(run_tunnel(&TCP4_SPEC, 4, NULL, XLB_DC_DROP_NOT_LOCAL_VIP), XT_PASS);
	XT_EQ(run_tunnel(&TCP6_SPEC, 6, NULL, XLB_DC_DROP_NOT_LOCAL_VIP), XT_PASS);
	return XT_PASS;
}

static int t_prefix_deleted_then_readded(void)
{
	XT_EQ(setup_standard(), 0);
	XT_EQ(run_tunnel(&TCP4_SPEC, 4, NULL, XLB_DC_DECAP), XT_PASS);
	XT_EQ(dc_prefix("192.0.2.0/24", 0), 0);
	XT_EQ(run_tunnel(&TCP4_SPEC, 4, NULL, XLB_DC_DROP_SOURCE), XT_PASS);
	XT_EQ(run_tunnel(&TCP4_SPEC, 4, EXACT4, XLB_DC_DECAP), XT_PASS);
	XT_EQ(dc_prefix("192.0.2.0/24", 1), 0);
	XT_EQ(run_tunnel(&TCP4_SPEC, 4, NULL, XLB_DC_DECAP), XT_PASS);
	return XT_PASS;
}

/* A /0 allows every source of its family, and only of its family. */
static int t_prefix_zero_allows_family(void)
{
	XT_EQ(setup_standard(), 0);
	XT_EQ(run_tunnel(&TCP4_SPEC, 4, "203.0.113.50", XLB_DC_DROP_SOURCE), XT_PASS);
	XT_EQ(dc_prefix("0.0.0.0/0", 1), 0);
	XT_EQ(run_tunnel(&TCP4_SPEC, 4, "203.0.113.50", XLB_DC_DECAP), XT_PASS);
	XT_EQ(run_tunnel(&TCP6_SPEC, 4, "255.255.255.255", XLB_DC_DECAP), XT_PASS);
	XT_EQ(run_tunnel(&TCP6_SPEC, 6, "2001:db8:9999::1", XLB_DC_DROP_SOURCE), XT_PASS);
	XT_EQ(dc_prefix("::/0", 1), 0);
	XT_EQ(run_tunnel(&TCP6_SPEC, 6, "2001:db8:9999::1", XLB_DC_DECAP), XT_PASS);
	return XT_PASS;
}

/* Longer prefixes inside a shorter one change nothing for the rest of it. */
static int t_nested_prefixes(void)
{
	XT_EQ(setup_standard(), 0);
	XT_EQ(dc_prefix("192.0.2.128/25", 1), 0);
	XT_EQ(run_tunnel(&TCP4_SPEC, 4, "192.0.2.1", XLB_DC_DECAP), XT_PASS);
	XT_EQ(run_tunnel(&TCP4_SPEC, 4, "192.0.2.200", XLB_DC_DECAP), XT_PASS);
	XT_EQ(dc_prefix("192.0.2.0/24", 0), 0);
	XT_EQ(run_tunnel(&TCP4_SPEC, 4, "192.0.2.1", XLB_DC_DROP_SOURCE), XT_PASS);
	XT_EQ(run_tunnel(&TCP4_SPEC, 4, "192.0.2.200", XLB_DC_DECAP), XT_PASS);
	return XT_PASS;
}

static int t_vip_added_then_removed(void)
{
	struct frame_spec s = { UDP6("2001:db8::20") };

	XT_EQ(setup_standard(), 0);
	XT_EQ(run_tunnel(&s, 4, NULL, XLB_DC_DROP_NOT_LOCAL_VIP), XT_PASS);
	XT_EQ(dc_vip("2001:db8::20", 1), 0);
	XT_EQ(run_tunnel(&s, 4, NULL, XLB_DC_DECAP), XT_PASS);
	XT_EQ(run_tunnel(&s, 6, NULL, XLB_DC_DECAP), XT_PASS);
	XT_EQ(dc_vip("2001:db8::20", 0), 0);
	XT_EQ(run_tunnel(&s, 6, NULL, XLB_DC_DROP_NOT_LOCAL_VIP), XT_PASS);
	return XT_PASS;
}

/* ---- scenarios: sweeps ----------------------------------------------------------------- */

struct sweep {
	struct frame_spec s;
	int outer;
};

static const struct sweep SWEEPS[] = {
	{ { TCP4(VIP4) }, 4 },
	{ { TCP6(VIP6) }, 6 },
	{ { UDP4(VIP4), .nvlan = 2 }, 6 },
	{ { UDP6(VIP6), .nvlan = 1 }, 4 },
	{ { TCP4(VIP4), .ip_opts = 4 }, 4 },
};

/* Every prefix of a valid tunnel frame, 14 bytes up: the full frame is decapsulated, every
 * shorter one is left untouched as pass_malformed (its outer length runs past the frame, or
 * its L2/L3 header is cut). Never TX, exactly one reason, never a changed frame passed. */
static int t_truncation_sweep(void)
{
	XT_EQ(setup_standard(), 0);
	for (size_t i = 0; i < sizeof(SWEEPS) / sizeof(SWEEPS[0]); i++) {
		const struct sweep *w = &SWEEPS[i];
		uint8_t inner[FRAME_MAX], in[FRAME_MAX], want[FRAME_MAX];
		size_t inner_len = frame_build(inner, &w->s);
		size_t len = tunnel_of(in, inner, inner_len, &w->s, w->outer, NULL);
		size_t want_len = expect_decap(want, inner, inner_len);

		for (size_t cut = 14; cut <= len; cut++) {
			int reason = cut == len ? XLB_DC_DECAP : XLB_DC_PASS_MALFORMED;
			int rc = run_expect(in, cut, want, want_len, reason);

			XT_CHECK(rc == XT_PASS, "sweep %zu, frame cut to %zu of %zu bytes", i, cut,
				 len);
		}
	}
	return XT_PASS;
}

/* The same cuts with the outer length field rewritten to match: the outer header is then
 * consistent, so a cut inside the inner packet is drop_inner_malformed; a cut inside the
 * L2 or outer header stays pass_malformed. */
static int t_consistent_cut_sweep(void)
{
	XT_EQ(setup_standard(), 0);
	for (size_t i = 0; i < sizeof(SWEEPS) / sizeof(SWEEPS[0]); i++) {
		const struct sweep *w = &SWEEPS[i];
		uint8_t inner[FRAME_MAX], full[FRAME_MAX], in[FRAME_MAX], want[FRAME_MAX];
		size_t inner_len = frame_build(inner, &w->s);
		size_t len = tunnel_of(full, inner, inner_len, &w->s, w->outer, NULL);
		size_t want_len = expect_decap(want, inner, inner_len);
		size_t inner_off = frame_l3_off(&w->s) + (w->outer == 4 ? 20 : 40);

		for (size_t cut = 14; cut <= len; cut++) {
			size_t in_len = cut;
			int reason, rc;

			memcpy(in, full, FRAME_MAX);
			if (cut >= inner_off)
				inner_cut(in, &in_len, &w->s, cut - inner_off);
			reason = cut == len	    ? XLB_DC_DECAP
				 : cut >= inner_off ? XLB_DC_DROP_INNER_MALFORMED
						    : XLB_DC_PASS_MALFORMED;
			rc = run_expect(in, in_len, want, want_len, reason);
			XT_CHECK(rc == XT_PASS, "sweep %zu, inner cut to %zu of %zu bytes", i, cut,
				 len);
		}
	}
	return XT_PASS;
}

/* Bytes after the outer IP packet (Ethernet padding, trailers) do not stop decapsulation and
 * stay behind the inner packet. */
static int t_trailing_bytes_sweep(void)
{
	XT_EQ(setup_standard(), 0);
	for (size_t extra = 1; extra <= 64; extra++) {
		struct frame_spec s = { UDP4(VIP4), .payload = 4, .pad = extra };
		uint8_t inner[FRAME_MAX], in[FRAME_MAX], want[FRAME_MAX];
		size_t inner_len = frame_build(inner, &s);
		size_t len = tunnel_of(in, inner, inner_len, &s, extra % 2 ? 4 : 6, NULL);
		size_t want_len = expect_decap(want, inner, inner_len);

		for (size_t i = 0; i < extra; i++) /* junk, not zeros */
			in[len - extra + i] = want[want_len - extra + i] = (uint8_t)(0xa5 ^ i);
		XT_CHECK(run_expect(in, len, want, want_len, XLB_DC_DECAP) == XT_PASS,
			 "%zu trailing bytes", extra);
	}
	return XT_PASS;
}

/* ---- scenario: round trip through the real xlb_lb -------------------------------------- */

struct rt_service {
	uint32_t id;
	const char *vip;
	uint16_t port;
	uint8_t proto;
	const char *backend;
};

static const struct rt_service RT[] = {
	{ 1, VIP4, 80, IPPROTO_TCP, BE4 }, /* 4in4 */
	{ 2, VIP4, 53, IPPROTO_UDP, BE6 }, /* 4in6 */
	{ 3, VIP6, 80, IPPROTO_TCP, BE6 }, /* 6in6 */
	{ 4, VIP6, 53, IPPROTO_UDP, BE4 }, /* 6in4 */
};

/* xlb_lb with the RT services, every backend in mode encap (enum xlb_encap). */
static int lb_setup(struct lbenv *lb, uint8_t encap)
{
	struct xlb_config c = {
		.abi_version = XLB_ABI_VERSION,
		.hash_seed = 0x5eed1234u,
		.mtu = 1500,
		.gue_port = htons(GUE_PORT),
		.udp_idle_ticks = xlb_udp_idle_ticks(30),
		.rss_bits_v4 = 8, /* RSS-spread sources stay inside the allowed /24 ... */
		.rss_bits_v6 = 16, /* ... and /64 */
	};
	uint32_t a[4];
	int err;

	addr_parse(LB4, a);
	c.src_v4 = a[0];
	addr_parse(LB6, c.src_v6);
	memcpy(c.gw_mac, MAC_GW, 6);
	err = lbenv_set_config(lb, &c);
	for (size_t i = 0; !err && i < sizeof(RT) / sizeof(RT[0]); i++) {
		uint32_t ids[7];

		for (int j = 0; j < 7; j++)
			ids[j] = RT[i].id;
		err = lbenv_set_table(lb, RT[i].id, ids, 7);
		if (!err)
			err = lbenv_set_backend(lb, RT[i].id, RT[i].backend, RT[i].id, 1, XLB_BE_UP,
						100);
		if (!err)
			err = lbenv_set_backend_mode(lb, RT[i].id, encap, NULL);
		if (!err)
			err = lbenv_set_service(lb, RT[i].vip, RT[i].port, RT[i].proto, RT[i].id,
						7);
	}
	return err;
}

/* Client frames through xlb_lb (XDP_TX), then its output through xlb_decap: the backend's
 * stack gets the client's IP packet unchanged, in all four families, with and without tags,
 * over many flows (so the RSS bits of the outer source vary). */
/* The GUE port is the configured one only: another port, then 0 (GUE off), leave GUE frames
 * to the stack; IP-in-IP is not affected. */
static int t_gue_port_config(void)
{
	const struct frame_spec s = { TCP4(VIP4) };
	uint8_t inner[FRAME_MAX], gue[FRAME_MAX], ipip[FRAME_MAX], want[FRAME_MAX];
	size_t inner_len, gue_len, ipip_len, want_len;

	XT_EQ(setup_standard(), 0);
	inner_len = frame_build(inner, &s);
	gue_len = gue_of(gue, inner, inner_len, &s, 4, NULL);
	ipip_len = tunnel_of(ipip, inner, inner_len, &s, 4, NULL);
	want_len = expect_decap(want, inner, inner_len);
	XT_EQ(run_expect(gue, gue_len, want, want_len, XLB_DC_DECAP), XT_PASS);
	XT_EQ(dc_gue_port(5555), 0);
	XT_EQ(run_expect(gue, gue_len, NULL, 0, XLB_DC_PASS_NOT_TUNNEL), XT_PASS);
	put16(gue + frame_l3_off(&s) + 20 + 2, 5555);
	XT_EQ(run_expect(gue, gue_len, want, want_len, XLB_DC_DECAP), XT_PASS);
	XT_EQ(dc_gue_port(0), 0);
	XT_EQ(run_expect(gue, gue_len, NULL, 0, XLB_DC_PASS_NOT_TUNNEL), XT_PASS);
	put16(gue + frame_l3_off(&s) + 20 + 2, 0);
	XT_EQ(run_expect(gue, gue_len, NULL, 0, XLB_DC_PASS_NOT_TUNNEL), XT_PASS);
	XT_EQ(run_expect(ipip, ipip_len, want, want_len, XLB_DC_DECAP), XT_PASS);
	return XT_PASS;
}

static int roundtrip_real_lb(uint8_t encap)
{
	struct lbenv lb;
	int err = lbenv_open(&lb, 4096);
	int rc = XT_PASS;

	XT_CHECK(err == 0, "cannot load xlb_lb: %s", strerror(-err));
	if (lb_setup(&lb, encap) || setup_standard()) {
		lbenv_close(&lb);
		XT_CHECK(0, "setup failed");
	}
	for (size_t i = 0; i < sizeof(RT) / sizeof(RT[0]) && rc == XT_PASS; i++) {
		for (int n = 0; n < 48 && rc == XT_PASS; n++) {
			struct frame_spec s = {
				.family = strchr(RT[i].vip, ':') ? 6 : 4,
				.src = strchr(RT[i].vip, ':') ? C6 : C4,
				.dst = RT[i].vip,
				.sport = (uint16_t)(20000 + 7 * n),
				.dport = RT[i].port,
				.proto = RT[i].proto,
				.payload = (size_t)(n * 13 % 300),
				.nvlan = n % 3,
				.tos = (uint8_t)n,
			};
			uint8_t in[FRAME_MAX], tun[FRAME_MAX], want[FRAME_MAX];
			size_t len = frame_build(in, &s), tun_len, want_len;
			int action;

			if (lbenv_run(&lb, in, len, tun, &tun_len, &action) || action != XDP_TX) {
				fprintf(stderr, "    xlb_lb did not forward service %u flow %d\n",
					RT[i].id, n);
				rc = XT_FAIL;
				break;
			}
			/* xlb_lb sends to the gateway from the MAC the frame came in for. */
			want_len = expect_decap(want, in, len);
			rc = run_expect(tun, tun_len, want, want_len, XLB_DC_DECAP);
			if (rc != XT_PASS)
				fprintf(stderr, "    service %u flow %d\n", RT[i].id, n);
		}
	}
	lbenv_close(&lb);
	return rc;
}

static int t_roundtrip_real_lb(void)
{
	return roundtrip_real_lb(XLB_ENCAP_IPIP);
}

/* The same through xlb_lb's GUE mode: what the LB sends, the decap takes. */
static int t_roundtrip_real_lb_gue(void)
{
	return roundtrip_real_lb(XLB_ENCAP_GUE);
}

/* ---- main ------------------------------------------------------------------------------ */

static const struct xt_case SCENARIOS[] = {
	{ "default_deny_empty_tries", t_default_deny_empty_tries },
	{ "empty_vips_drop_everything", t_empty_vips_drop_everything },
	{ "prefix_deleted_then_readded", t_prefix_deleted_then_readded },
	{ "prefix_zero_allows_family", t_prefix_zero_allows_family },
	{ "nested_prefixes", t_nested_prefixes },
	{ "vip_added_then_removed", t_vip_added_then_removed },
	{ "truncation_sweep", t_truncation_sweep },
	{ "consistent_cut_sweep", t_consistent_cut_sweep },
	{ "trailing_bytes_sweep", t_trailing_bytes_sweep },
	{ "roundtrip_real_lb", t_roundtrip_real_lb },
	{ "roundtrip_real_lb_gue", t_roundtrip_real_lb_gue },
	{ "gue_port_config", t_gue_port_config },
};

int main(int argc, char **argv)
{
	const char *only = argc > 1 ? argv[1] : NULL;
	struct xt_counts c = { 0 };
	int err;

	if (geteuid() != 0) {
		printf("skip %s/*: needs root for BPF_PROG_TEST_RUN\n", LAYER);
		c.skipped = 1;
		return xt_summary(LAYER, &c);
	}
	err = dc_open();
	if (err) {
		fprintf(stderr, "%s: cannot load xlb_decap: %s\n", LAYER, strerror(-err));
		c.failed = 1;
		return xt_summary(LAYER, &c);
	}
	for (size_t i = 0; i < sizeof(FIXTURES) / sizeof(FIXTURES[0]); i++)
		if (!only || strstr(FIXTURES[i].name, only))
			xt_report(LAYER, FIXTURES[i].name, run_fixture(&FIXTURES[i]), &c);
	for (size_t i = 0; i < sizeof(SCENARIOS) / sizeof(SCENARIOS[0]); i++)
		if (!only || strstr(SCENARIOS[i].name, only))
			xt_report(LAYER, SCENARIOS[i].name, SCENARIOS[i].fn(), &c);
	decap_bpf__destroy(dc.skel);
	return xt_summary(LAYER, &c);
}
