// SPDX-License-Identifier: GPL-2.0
/* decap.bpf.c - the backend program xlb_decap: removes the IP-in-IP header (4in4, 6in6, 4in6,
 * 6in4) or the GUE variant 1 header (outer IPv4/IPv6 + UDP to the configured port) that xlb_lb
 * added, VLAN tags kept, from tunnels of allowed LB source prefixes whose
 * inner destination is a local VIP, and passes the inner packet to the stack. Everything else
 * is passed untouched or dropped with a reason. Contract: include/xlb_decap.h; behaviour case
 * by case: docs/decap.md. */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/udp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "xlb_abi.h"
#include "xlb_decap.h"
#include "l2.h"
#include "parse.h"
#include "capture.h"

/* Allowed outer IPv4 sources (the LBs' tunnel prefixes). Written by xlb-decap only. */
struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, XLB_DC_MAX_PREFIXES);
	__uint(map_flags, BPF_F_NO_PREALLOC); /* the kernel refuses a preallocated LPM trie */
	__type(key, struct xlb_dc_prefix4);
	__type(value, __u8);
} xlb_dc_src4 SEC(".maps");

/* Allowed outer IPv6 sources. */
struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, XLB_DC_MAX_PREFIXES);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct xlb_dc_prefix6);
	__type(value, __u8);
} xlb_dc_src6 SEC(".maps");

/* VIPs configured on this backend (on lo): the only inner destinations decapsulated. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, XLB_DC_MAX_VIPS);
	__type(key, struct xlb_vip_key);
	__type(value, struct xlb_vip);
} xlb_dc_vips SEC(".maps");

/* One counter pair per reason, per CPU: packets and bytes of the frame as received. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, XLB_DC_MAX);
	__type(key, __u32);
	__type(value, struct xlb_counter);
} xlb_dc_stats SEC(".maps");

/* The GUE port (struct xlb_dc_config). Written by xlb-decap only. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xlb_dc_config);
} xlb_dc_config SEC(".maps");

/* A tunnel as the outer header describes it. */
struct dc_tunnel {
	__u32 l3_off; /* offset of the outer IP header: 14 + 4 * nvlan */
	__u32 outer_len; /* bytes of the outer headers: IP, options included (20..60, or 40), and
			  * for GUE the 8 of UDP */
	__u32 inner_len; /* bytes of the inner IP packet, as the outer length field says */
	__u8 inner_proto; /* IPPROTO_IPIP (inner IPv4) or IPPROTO_IPV6 (inner IPv6) */
	__u8 nvlan; /* VLAN tags between the MAC addresses and the outer header (0..2) */
};

/* The XDP action of a reason; folds to a constant where the reason is constant. */
static __always_inline int dc_action(int reason)
{
	switch (reason) {
#define XLB_DC_REASON_CASE(id, name, action, help) \
	case id:                                   \
		return action;
		XLB_DC_REASONS(XLB_DC_REASON_CASE)
#undef XLB_DC_REASON_CASE
	}
	return XDP_ABORTED;
}

/* Count the packet under its reason (the only counter it touches) and return the action. */
static __always_inline int dc_verdict(int reason, __u64 bytes)
{
	__u32 idx = reason;
	struct xlb_counter *c = bpf_map_lookup_elem(&xlb_dc_stats, &idx);

	if (c) {
		c->packets++;
		c->bytes += bytes;
	}
	return dc_action(reason);
}

/* The UDP datagram of payload_len bytes (the outer IP payload) at udp_off, when it may be GUE:
 * XLB_DC_DECAP with t's outer_len extended over the UDP header and its inner length and
 * protocol set, when it goes to the configured GUE port and carries variant 1 (first two bits
 * 01: an IPv4 or IPv6 packet, told apart by its version nibble); else the reason. In order:
 * GUE off (port 0) -> pass_not_tunnel (UDP is then ordinary traffic, whatever its shape); UDP
 * header cut off -> pass_malformed; another port -> pass_not_tunnel;
 * a fragment -> drop_outer_fragment; UDP length not the IP payload's -> pass_malformed;
 * variant 0 (a GUE header) or a reserved one -> pass_not_tunnel (never sent by xlb_lb; the
 * kernel's fou may take it). An empty payload or a version nibble other than 4/6 is left for
 * check_inner() to refuse (drop_inner_malformed) once the source has been checked. The UDP
 * checksum is not verified: the inner packet's own checksums are, by the stack. */
static __always_inline int parse_gue(void *data, void *data_end, __u32 udp_off, __u32 payload_len,
				     bool fragment, struct dc_tunnel *t)
{
	struct udphdr *uh = data + (udp_off & 0xff);
	struct xlb_dc_config *cfg;
	__u32 zero = 0;
	__u8 *first;

	cfg = bpf_map_lookup_elem(&xlb_dc_config, &zero);
	if (!cfg || !cfg->gue_port)
		return XLB_DC_PASS_NOT_TUNNEL;
	if ((void *)(uh + 1) > data_end || payload_len < sizeof(*uh))
		return XLB_DC_PASS_MALFORMED;
	if (uh->dest != cfg->gue_port)
		return XLB_DC_PASS_NOT_TUNNEL;
	if (fragment)
		return XLB_DC_DROP_OUTER_FRAGMENT;
	if (bpf_ntohs(uh->len) != payload_len)
		return XLB_DC_PASS_MALFORMED;
	t->outer_len += sizeof(*uh);
	t->inner_len = payload_len - sizeof(*uh);
	t->inner_proto = IPPROTO_IPIP;
	if (!t->inner_len)
		return XLB_DC_DECAP;
	first = (void *)(uh + 1);
	if ((void *)(first + 1) > data_end)
		return XLB_DC_PASS_MALFORMED;
	if ((*first >> 6) != 1)
		return XLB_DC_PASS_NOT_TUNNEL;
	if ((*first >> 4) != 4)
		t->inner_proto = IPPROTO_IPV6;
	return XLB_DC_DECAP;
}

/* Outer IPv4 at t->l3_off. Returns XLB_DC_DECAP when it is a well-formed, unfragmented tunnel
 * from an allowed source (t filled in), else the reason to stop with. Consistency comes first
 * so that a broken header is pass_malformed whatever its protocol byte says; the protocol comes
 * before the fragment bits so that ordinary fragmented traffic is never dropped here. */
static __always_inline int parse_outer4(void *data, void *data_end, struct dc_tunnel *t)
{
	struct iphdr *iph = data + t->l3_off;
	struct xlb_dc_prefix4 key;
	__u32 hlen, tot_len;
	int reason;

	if ((void *)(iph + 1) > data_end || iph->version != 4 || iph->ihl < 5)
		return XLB_DC_PASS_MALFORMED;
	hlen = iph->ihl * 4;
	tot_len = bpf_ntohs(iph->tot_len);
	if (tot_len < hlen || data + t->l3_off + tot_len > data_end)
		return XLB_DC_PASS_MALFORMED;
	t->outer_len = hlen;
	t->inner_len = tot_len - hlen;
	t->inner_proto = iph->protocol;
	if (iph->protocol == IPPROTO_UDP) {
		/* A later fragment has no UDP header to tell a tunnel by: ordinary traffic. */
		if (iph->frag_off & bpf_htons(IP_OFFMASK))
			return XLB_DC_PASS_NOT_TUNNEL;
		reason = parse_gue(data, data_end, t->l3_off + hlen, tot_len - hlen,
				   iph->frag_off & bpf_htons(IP_MF), t);
		if (reason != XLB_DC_DECAP)
			return reason;
	} else if (iph->protocol != IPPROTO_IPIP && iph->protocol != IPPROTO_IPV6) {
		return XLB_DC_PASS_NOT_TUNNEL;
	} else if (iph->frag_off & bpf_htons(IP_MF | IP_OFFMASK)) {
		return XLB_DC_DROP_OUTER_FRAGMENT;
	}

	key.prefixlen = 32;
	key.addr = iph->saddr;
	if (!bpf_map_lookup_elem(&xlb_dc_src4, &key))
		return XLB_DC_DROP_SOURCE;
	return XLB_DC_DECAP;
}

/* Outer IPv6 fixed header at t->l3_off; same contract as parse_outer4. Extension headers are
 * not walked: xlb_lb never emits them, so such a packet is not one of our tunnels. */
static __always_inline int parse_outer6(void *data, void *data_end, struct dc_tunnel *t)
{
	struct ipv6hdr *ip6h = data + t->l3_off;
	struct xlb_dc_prefix6 key;
	__u32 payload_len;
	int reason;

	if ((void *)(ip6h + 1) > data_end || ip6h->version != 6)
		return XLB_DC_PASS_MALFORMED;
	payload_len = bpf_ntohs(ip6h->payload_len);
	if (data + t->l3_off + sizeof(*ip6h) + payload_len > data_end)
		return XLB_DC_PASS_MALFORMED;
	t->outer_len = sizeof(*ip6h);
	t->inner_len = payload_len;
	t->inner_proto = ip6h->nexthdr;
	if (ip6h->nexthdr == IPPROTO_UDP) {
		reason =
			parse_gue(data, data_end, t->l3_off + sizeof(*ip6h), payload_len, false, t);
		if (reason != XLB_DC_DECAP)
			return reason;
	} else if (ip6h->nexthdr != IPPROTO_IPIP && ip6h->nexthdr != IPPROTO_IPV6) {
		return XLB_DC_PASS_NOT_TUNNEL;
	}

	key.prefixlen = 128;
	__builtin_memcpy(key.addr, &ip6h->saddr, sizeof(key.addr));
	if (!bpf_map_lookup_elem(&xlb_dc_src6, &key))
		return XLB_DC_DROP_SOURCE;
	return XLB_DC_DECAP;
}

/* The inner packet right after the outer headers: the family the outer protocol (or GUE's
 * version nibble) announces,
 * complete, exactly as long as the outer payload (no trailing bytes inside the tunnel, none
 * missing), and addressed to a local VIP. Returns XLB_DC_DECAP or the drop reason. The inner
 * IPv4 checksum is left to the stack, which verifies it after decapsulation. */
static __always_inline int check_inner(void *data, void *data_end, const struct dc_tunnel *t)
{
	void *inner = data + t->l3_off + t->outer_len;
	struct xlb_vip_key vk;

	__builtin_memset(&vk, 0, sizeof(vk));
	if (t->inner_proto == IPPROTO_IPIP) {
		struct iphdr *iph = inner;

		if ((void *)(iph + 1) > data_end || iph->version != 4 || iph->ihl < 5)
			return XLB_DC_DROP_INNER_MALFORMED;
		if (bpf_ntohs(iph->tot_len) != t->inner_len || t->inner_len < iph->ihl * 4U)
			return XLB_DC_DROP_INNER_MALFORMED;
		vk.family = XLB_AF_INET;
		vk.addr[0] = iph->daddr;
	} else {
		struct ipv6hdr *ip6h = inner;

		if ((void *)(ip6h + 1) > data_end || ip6h->version != 6)
			return XLB_DC_DROP_INNER_MALFORMED;
		if (bpf_ntohs(ip6h->payload_len) + sizeof(*ip6h) != t->inner_len)
			return XLB_DC_DROP_INNER_MALFORMED;
		vk.family = XLB_AF_INET6;
		__builtin_memcpy(vk.addr, &ip6h->daddr, sizeof(vk.addr));
	}
	if (!bpf_map_lookup_elem(&xlb_dc_vips, &vk))
		return XLB_DC_DROP_NOT_LOCAL_VIP;
	return XLB_DC_DECAP;
}

/* Remove the outer header: keep the MAC addresses and VLAN tags as received, move the head
 * over the outer header and rewrite the L2 header in front of the inner packet with the inner
 * family's ethertype. Trailing Ethernet padding stays; the stack trims it by the IP length.
 * Returns XLB_DC_DECAP, or XLB_DC_DROP_ADJUST once the frame cannot be made right. */
static __always_inline int decap(struct xdp_md *ctx, const struct dc_tunnel *t)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u16 ethertype = bpf_htons(t->inner_proto == IPPROTO_IPIP ? ETH_P_IP : ETH_P_IPV6);
	struct xlb_l2 l2 = {};

	if (l2_save(data, data_end, t->nvlan & 3, &l2))
		return XLB_DC_DROP_ADJUST;
	if (bpf_xdp_adjust_head(ctx, (int)t->outer_len))
		return XLB_DC_DROP_ADJUST;
	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	if (l2_write(data, data_end, &l2, ethertype))
		return XLB_DC_DROP_ADJUST;
	return XLB_DC_DECAP;
}

/* Classify and, for an accepted tunnel, decapsulate one frame. Returns its reason. Nothing is
 * written to the frame before the decision to decapsulate is taken. */
static __always_inline int dc_process(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct dc_tunnel t = {};
	struct xlb_pkt p = {};
	__u16 proto;
	int reason;

	proto = parse_eth(data, data_end, &p);
	if (!proto)
		return XLB_DC_PASS_MALFORMED;
	t.l3_off = p.l3_off;
	t.nvlan = p.nvlan;
	if (proto == bpf_htons(ETH_P_IP))
		reason = parse_outer4(data, data_end, &t);
	else if (proto == bpf_htons(ETH_P_IPV6))
		reason = parse_outer6(data, data_end, &t);
	else
		return XLB_DC_PASS_NOT_TUNNEL;
	if (reason != XLB_DC_DECAP)
		return reason;

	reason = check_inner(data, data_end, &t);
	if (reason != XLB_DC_DECAP)
		return reason;
	return decap(ctx, &t);
}

SEC("xdp")
int xlb_decap(struct xdp_md *ctx)
{
	__u64 bytes = ctx->data_end - ctx->data;
	int reason = dc_process(ctx);
	int action = dc_verdict(reason, bytes);

	/* The capture hook, at the one exit: no service, backend or client here. */
	if (capture_on()) {
		struct xlb_capture_meta m = {
			.svc_id = XLB_CAPTURE_ANY,
			.backend_id = XLB_CAPTURE_ANY,
			.reason = reason,
			.prog = XLB_CAPTURE_PROG_DECAP,
		};

		capture_exit(ctx, &m, NULL, action);
	}
	return action;
}

char LICENSE[] SEC("license") = "GPL";
