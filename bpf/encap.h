/* SPDX-License-Identifier: GPL-2.0 */
/* encap.h - IP-in-IP encapsulation towards a backend: IPv4 or IPv6 outer header chosen by the
 * backend's family at run time (4in4, 6in6, 4in6, 6in4), VLAN tags kept, MACs rewritten. */
#ifndef XLB_BPF_ENCAP_H
#define XLB_BPF_ENCAP_H

#include "csum.h"
#include "l2.h"
#include "parse.h"
#include "select.h"

#define XLB_OUTER_TTL 64

/* Outer source address word: the configured one with its low `bits` bits taken from the flow
 * hash, so a backend NIC's RSS spreads flows over its queues. src is be; bits 0..32. */
static __always_inline __u32 rss_source(__u32 src, __u8 bits, __u32 hash)
{
	__u32 mask;

	if (!bits)
		return src;
	mask = bits >= 32 ? 0xffffffff : (1U << bits) - 1;
	return bpf_htonl((bpf_ntohl(src) & ~mask) | (hash & mask));
}

/* Wrap the packet for the chosen backend; the caller has checked the MTU. Returns 0 when the
 * frame is ready for XDP_TX, or the DROP_* reason (the frame is then dropped, whatever state it
 * is in). */
static __always_inline int encap(struct xdp_md *ctx, const struct xlb_pkt *p,
				 const struct xlb_config *cfg, const struct xlb_choice *ch)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	const struct xlb_backend *be = ch->be;
	bool outer_v4 = be->family == XLB_AF_INET;
	__u32 overhead = outer_v4 ? sizeof(struct iphdr) : sizeof(struct ipv6hdr);
	__u32 nvlan = p->nvlan & 3, l2len = sizeof(struct ethhdr) + nvlan * 4;
	struct xlb_l2 l2 = {};

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

		if ((void *)(o + 1) > data_end)
			return XLB_R_DROP_ENCAP;
		*(__u8 *)o = 0x45; /* version 4, 5 words */
		o->tos = p->tos;
		o->tot_len = bpf_htons(p->ip_len + sizeof(*o));
		o->id = 0;
		/* Always DF: the size already fits the MTU, xlb_decap refuses outer fragments,
		 * and ID 0 is only proper on atomic datagrams (RFC 6864). */
		o->frag_off = bpf_htons(IP_DF);
		o->ttl = XLB_OUTER_TTL;
		o->protocol = p->family == XLB_AF_INET ? IPPROTO_IPIP : IPPROTO_IPV6;
		o->check = 0;
		o->saddr = rss_source(cfg->src_v4, cfg->rss_bits_v4, ch->hash);
		o->daddr = be->addr[0];
		o->check = csum_ipv4_hdr(o);
		return 0;
	}

	struct ipv6hdr *o6 = data + l2len;

	if ((void *)(o6 + 1) > data_end)
		return XLB_R_DROP_ENCAP;
	/* version 6, traffic class = inner DSCP/ECN, flow label from the flow hash (ECMP). */
	*(__u32 *)o6 = bpf_htonl((6U << 28) | ((__u32)p->tos << 20) | (ch->hash & 0xfffff));
	o6->payload_len = bpf_htons(p->ip_len);
	o6->nexthdr = p->family == XLB_AF_INET ? IPPROTO_IPIP : IPPROTO_IPV6;
	o6->hop_limit = XLB_OUTER_TTL;
	o6->saddr.in6_u.u6_addr32[0] = cfg->src_v6[0];
	o6->saddr.in6_u.u6_addr32[1] = cfg->src_v6[1];
	o6->saddr.in6_u.u6_addr32[2] = cfg->src_v6[2];
	o6->saddr.in6_u.u6_addr32[3] = rss_source(cfg->src_v6[3], cfg->rss_bits_v6, ch->hash);
	__builtin_memcpy(&o6->daddr, be->addr, 16);
	return 0;
}

#endif /* XLB_BPF_ENCAP_H */
