/* SPDX-License-Identifier: GPL-2.0 */
/* encap.h - sending a packet on to its backend in the backend's forwarding mode, chosen per
 * backend at run time (xlb_backend.encap): IP-in-IP (4in4, 6in6, 4in6, 6in4), GUE variant 1
 * (outer IPv4/IPv6 + UDP, the inner packet right after the UDP header), or L2 direct routing
 * (only the MACs change). VLAN tags are kept in every mode. Layouts: docs/datapath.md. */
#ifndef XLB_BPF_ENCAP_H
#define XLB_BPF_ENCAP_H

#include "csum.h"
#include "l2.h"
#include "parse.h"
#include "select.h"

#define XLB_OUTER_TTL 64

/* GUE's UDP source port: 32768 | the connection hash's top 15 bits. Never 0 (which means "no port")
 * and never a well-known or registered port below 32768, so no middlebox mistakes it for a
 * service; the top bits because the low ones already feed the RSS source bits and the IPv6
 * flow label, so that the port adds entropy to a backend NIC's RSS instead of repeating it. */
#define XLB_GUE_SPORT_BASE 0x8000

/* Full 512-byte bpf_csum_diff() rounds of the IPv6 GUE checksum: with the power-of-two rest
 * (up to 511 bytes) payloads up to 8 * 512 + 511 = 4607 bytes, more than an XDP frame without
 * fragments can hold. */
#define XLB_CSUM_ROUNDS 8

/* Bytes a backend's mode adds to the IP packet: what the MTU check and a too-big reply count.
 * IP-in-IP: the outer IP header; GUE: outer IP + UDP (variant 1 has no GUE header); L2: 0. An
 * unknown mode counts as IP-in-IP (encap() drops it anyway). */
static __always_inline __u32 encap_overhead(const struct xlb_backend *be)
{
	__u32 ip = be->family == XLB_AF_INET ? sizeof(struct iphdr) : sizeof(struct ipv6hdr);

	if (be->encap == XLB_ENCAP_L2)
		return 0;
	if (be->encap == XLB_ENCAP_GUE)
		return ip + sizeof(struct udphdr);
	return ip;
}

/* Outer source address word: the configured one with its low `bits` bits taken from the connection
 * hash, so a backend NIC's RSS spreads flows over its queues. src is be; bits 0..32. */
static __always_inline __u32 rss_source(__u32 src, __u8 bits, __u32 hash)
{
	__u32 mask;

	if (!bits)
		return src;
	mask = bits >= 32 ? 0xffffffff : (1U << bits) - 1;
	return bpf_htonl((bpf_ntohl(src) & ~mask) | (hash & mask));
}

/* One power-of-two piece of csum_span(): n bytes at *off when len has bit n. */
#define CSUM_PIECE(n)                                              \
	do {                                                       \
		if (len & (n)) {                                   \
			p = data + (off & 0x1fff);                 \
			if (p + (n) > data_end)                    \
				return -1;                         \
			sum = bpf_csum_diff(NULL, 0, p, (n), sum); \
			off += (n);                                \
		}                                                  \
	} while (0)

/* One's complement sum (RFC 1071, words as stored, not folded, at most 17 bits) of the len
 * bytes at offset off of the frame; -1 when they are not all in the frame or len is over
 * 4607. A global function, so that the verifier checks it once and not at every inlined
 * caller: the rounds and pieces multiply its paths. */
__noinline int csum_span(struct xdp_md *ctx, __u32 off, __u32 len)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__s64 sum = 0;
	void *p;

	for (int i = 0; i < XLB_CSUM_ROUNDS && len >= 512; i++) {
		p = data + (off & 0x1fff);
		if (p + 512 > data_end)
			return -1;
		sum = bpf_csum_diff(NULL, 0, p, 512, sum);
		off += 512;
		len -= 512;
	}
	if (len >= 512)
		return -1;
	CSUM_PIECE(256);
	CSUM_PIECE(128);
	CSUM_PIECE(64);
	CSUM_PIECE(32);
	CSUM_PIECE(16);
	CSUM_PIECE(8);
	CSUM_PIECE(4);
	if (sum < 0)
		return -1;
	sum = csum_reduce((__u32)sum);
	p = data + (off & 0x1fff);
	if (len & 2) {
		if (p + 2 > data_end)
			return -1;
		sum += *(__u16 *)p;
		p += 2;
	}
	/* A last odd byte is the first byte of a word whose second byte is 0: in memory order
	 * on a little-endian CPU that word's value is the byte itself. */
	if (len & 1) {
		if (p + 1 > data_end)
			return -1;
		sum += *(__u8 *)p;
	}
	return (int)csum_reduce((__u32)sum);
}
#undef CSUM_PIECE

/* L2 direct routing: the frame goes to the backend's MAC from ours (the frame's destination),
 * everything after the MAC addresses unchanged. Returns 0 or XLB_R_DROP_ENCAP. */
static __always_inline int encap_l2(struct xdp_md *ctx, const struct xlb_backend *be)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;

	if ((void *)(eth + 1) > data_end)
		return XLB_R_DROP_ENCAP;
	__builtin_memcpy(eth->h_source, eth->h_dest, ETH_ALEN);
	__builtin_memcpy(eth->h_dest, be->mac, ETH_ALEN);
	return 0;
}

/* The UDP header of a GUE packet carrying ip_len bytes; checksum 0 (IPv4: none; IPv6: filled
 * in afterwards). */
static __always_inline void gue_udp(struct udphdr *uh, const struct xlb_config *cfg, __u32 hash,
				    __u32 ip_len)
{
	uh->source = bpf_htons(XLB_GUE_SPORT_BASE | (hash >> 17));
	uh->dest = cfg->gue_port;
	uh->len = bpf_htons(ip_len + sizeof(*uh));
	uh->check = 0;
}

/* The IPv6 GUE packet's UDP checksum (RFC 8200 8.1: pseudo-header, UDP header, payload), which
 * IPv6 requires: the kernel's fou6 drops zero checksums unless told otherwise (RFC 6935/6936
 * make zero an opt-in of both ends). l2len is the Ethernet header with its tags. Returns 0 or
 * XLB_R_DROP_ENCAP. */
static __always_inline int gue6_csum(struct xdp_md *ctx, __u32 l2len, __u32 ip_len)
{
	__u32 inner = l2len + sizeof(struct ipv6hdr) + sizeof(struct udphdr);
	void *data, *data_end;
	struct ipv6hdr *o6;
	struct udphdr *uh;
	__u32 pseudo[2];
	int payload;
	__u32 sum;
	__u16 c;

	payload = csum_span(ctx, inner, ip_len);
	if (payload < 0)
		return XLB_R_DROP_ENCAP;
	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	o6 = data + (l2len & 0x1f);
	uh = (void *)(o6 + 1);
	if ((void *)(uh + 1) > data_end)
		return XLB_R_DROP_ENCAP;
	pseudo[0] = bpf_htonl(ip_len + sizeof(*uh));
	pseudo[1] = bpf_htonl(IPPROTO_UDP);
	sum = csum_words((__u32 *)&o6->saddr, 8, (__u32)payload);
	sum = csum_words(pseudo, 2, csum_reduce(sum));
	sum = csum_words((__u32 *)uh, 2, csum_reduce(sum));
	c = csum_fold(sum);
	/* 0 means "no checksum": a computed 0 is sent as its other form (RFC 768). */
	uh->check = c ? c : 0xffff;
	return 0;
}

/* Send the packet on in the chosen backend's mode; the caller has checked the MTU (with
 * encap_overhead()). Returns 0 when the frame is ready for XDP_TX, or the DROP_* reason (the
 * frame is then dropped, whatever state it is in): XLB_R_DROP_NO_SOURCE when the mode cannot
 * be carried out as configured (no outer source for the family, GUE with gue_port 0, an
 * unknown mode), XLB_R_DROP_ENCAP when the frame cannot be resized. */
static __always_inline int encap(struct xdp_md *ctx, const struct xlb_pkt *p,
				 const struct xlb_config *cfg, const struct xlb_choice *ch)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	const struct xlb_backend *be = ch->be;
	bool outer_v4 = be->family == XLB_AF_INET;
	bool gue = be->encap == XLB_ENCAP_GUE;
	__u32 overhead = encap_overhead(be);
	__u32 nvlan = p->nvlan & 3, l2len = sizeof(struct ethhdr) + nvlan * 4;
	__u8 inner_proto = p->family == XLB_AF_INET ? IPPROTO_IPIP : IPPROTO_IPV6;
	struct xlb_l2 l2 = {};

	if (be->encap == XLB_ENCAP_L2)
		return encap_l2(ctx, be);
	if (be->encap != XLB_ENCAP_IPIP && !gue)
		return XLB_R_DROP_NO_SOURCE;
	if (gue && !cfg->gue_port)
		return XLB_R_DROP_NO_SOURCE;
	if (outer_v4 ? !cfg->src_v4
		     : !(cfg->src_v6[0] | cfg->src_v6[1] | cfg->src_v6[2] | cfg->src_v6[3]))
		return XLB_R_DROP_NO_SOURCE;

	/* Our own MAC (the frame's destination) becomes the source; the gateway the
	 * destination; the VLAN tags stay. Saved before the head moves over them. */
	if (l2_save(data, data_end, nvlan, &l2))
		return XLB_R_DROP_ENCAP;
	__builtin_memcpy(l2.src, l2.dst, ETH_ALEN);
	__builtin_memcpy(l2.dst, cfg->gw_mac, ETH_ALEN);

	if (bpf_xdp_adjust_head(ctx, -(int)overhead))
		return XLB_R_DROP_ENCAP;
	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	if (data + l2len + overhead > data_end ||
	    l2_write(data, data_end, &l2, bpf_htons(outer_v4 ? ETH_P_IP : ETH_P_IPV6)))
		return XLB_R_DROP_ENCAP;

	if (outer_v4) {
		struct iphdr *o = data + l2len;
		struct udphdr *uh = (void *)(o + 1);

		if ((void *)(uh + 1) > data_end)
			return XLB_R_DROP_ENCAP;
		*(__u8 *)o = 0x45; /* version 4, 5 words */
		o->tos = p->tos;
		o->tot_len = bpf_htons(p->ip_len + overhead);
		o->id = 0;
		/* Always DF: the size already fits the MTU, xlb_decap refuses outer fragments,
		 * and ID 0 is only proper on atomic datagrams (RFC 6864). */
		o->frag_off = bpf_htons(IP_DF);
		o->ttl = XLB_OUTER_TTL;
		o->protocol = gue ? IPPROTO_UDP : inner_proto;
		o->check = 0;
		o->saddr = rss_source(cfg->src_v4, cfg->rss_bits_v4, ch->hash);
		o->daddr = be->addr[0];
		o->check = csum_ipv4_hdr(o);
		/* UDP over IPv4 may go without a checksum (RFC 768); the inner packet keeps its
		 * own, and the kernel's fou takes zero checksums. */
		if (gue)
			gue_udp(uh, cfg, ch->hash, p->ip_len);
		return 0;
	}

	struct ipv6hdr *o6 = data + l2len;
	struct udphdr *uh6 = (void *)(o6 + 1);

	if ((void *)(uh6 + 1) > data_end)
		return XLB_R_DROP_ENCAP;
	/* version 6, traffic class = inner DSCP/ECN, flow label from the connection hash (ECMP). */
	*(__u32 *)o6 = bpf_htonl((6U << 28) | ((__u32)p->tos << 20) | (ch->hash & 0xfffff));
	o6->payload_len = bpf_htons(p->ip_len + overhead - sizeof(*o6));
	o6->nexthdr = gue ? IPPROTO_UDP : inner_proto;
	o6->hop_limit = XLB_OUTER_TTL;
	o6->saddr.in6_u.u6_addr32[0] = cfg->src_v6[0];
	o6->saddr.in6_u.u6_addr32[1] = cfg->src_v6[1];
	o6->saddr.in6_u.u6_addr32[2] = cfg->src_v6[2];
	o6->saddr.in6_u.u6_addr32[3] = rss_source(cfg->src_v6[3], cfg->rss_bits_v6, ch->hash);
	__builtin_memcpy(&o6->daddr, be->addr, 16);
	if (!gue)
		return 0;
	gue_udp(uh6, cfg, ch->hash, p->ip_len);
	return gue6_csum(ctx, l2len, p->ip_len);
}

#endif /* XLB_BPF_ENCAP_H */
