/* SPDX-License-Identifier: GPL-2.0 */
/* icmp.h - ICMP and ICMPv6 at a VIP: echo replies, the flow an ICMP error is about, and the
 * "fragmentation needed" / "packet too big" reply when a packet does not fit the tunnel. */
#ifndef XLB_BPF_ICMP_H
#define XLB_BPF_ICMP_H

#include <linux/icmpv6.h>
#include "csum.h"
#include "l2.h"
#include "parse.h"

/* ICMPv4 types and codes (RFC 792), the same names and values as <linux/icmp.h>. That header
 * includes <linux/if.h> and so glibc's <sys/socket.h>, which under -target bpf needs the 32-bit
 * libc headers: BPF objects take no libc header at all (tests/deps.sh checks it). */
#define ICMP_ECHOREPLY 0
#define ICMP_DEST_UNREACH 3
#define ICMP_ECHO 8
#define ICMP_TIME_EXCEEDED 11
#define ICMP_FRAG_NEEDED 4 /* code of ICMP_DEST_UNREACH */

/* Bytes of the offending packet quoted in a generated too-big message: within RFC 1812's 576-
 * byte IPv4 limit and IPv6's 1280, and the most bpf_csum_diff() sums in one call. */
#define XLB_ICMP_QUOTE 512
#define XLB_ICMP_HOPS 64

/* The first 4 bytes of every ICMP/ICMPv6 header. */
struct xlb_icmp_hdr {
	__u8 type;
	__u8 code;
	__u16 checksum;
};

enum xlb_icmp_kind {
	XLB_ICMP_ECHO_REQUEST = 1,
	XLB_ICMP_ERROR = 2, /* about a packet the VIP sent: destination unreachable, too big... */
	XLB_ICMP_OTHER = 3,
};

/* Classify the ICMP/ICMPv6 message at p->l4_off. Returns 0 when its header is not there. */
static __always_inline int icmp_kind(void *data, void *data_end, const struct xlb_pkt *p)
{
	struct xlb_icmp_hdr *ih = data + (p->l4_off & 0xfff);

	if ((void *)ih + 8 > data_end || p->l4_off + 8 > (__u32)p->l3_off + p->ip_len)
		return 0;
	if (p->family == XLB_AF_INET) {
		if (ih->type == ICMP_ECHO && ih->code == 0)
			return XLB_ICMP_ECHO_REQUEST;
		if (ih->type == ICMP_DEST_UNREACH || ih->type == ICMP_TIME_EXCEEDED)
			return XLB_ICMP_ERROR;
		return XLB_ICMP_OTHER;
	}
	if (ih->type == ICMPV6_ECHO_REQUEST && ih->code == 0)
		return XLB_ICMP_ECHO_REQUEST;
	if (ih->type == ICMPV6_DEST_UNREACH || ih->type == ICMPV6_PKT_TOOBIG ||
	    ih->type == ICMPV6_TIME_EXCEED)
		return XLB_ICMP_ERROR;
	return XLB_ICMP_OTHER;
}

/* Turn an echo request into its reply in place: swap MACs and addresses, fresh TTL / hop
 * limit, type changed, checksums updated incrementally (a bad checksum stays bad). */
static __always_inline int icmp_echo_reply(void *data, void *data_end, const struct xlb_pkt *p)
{
	struct xlb_icmp_hdr *ih = data + (p->l4_off & 0xfff);
	struct ethhdr *eth = data;
	__u8 mac[ETH_ALEN];
	__u16 old;

	if ((void *)(eth + 1) > data_end || (void *)ih + 8 > data_end)
		return XLB_R_DROP_ICMP_MALFORMED;
	__builtin_memcpy(mac, eth->h_dest, ETH_ALEN);
	__builtin_memcpy(eth->h_dest, eth->h_source, ETH_ALEN);
	__builtin_memcpy(eth->h_source, mac, ETH_ALEN);

	if (p->family == XLB_AF_INET) {
		struct iphdr *iph = data + (p->l3_off & 0x1f);

		if ((void *)(iph + 1) > data_end)
			return XLB_R_DROP_ICMP_MALFORMED;
		old = *(__u16 *)&iph->ttl;
		iph->ttl = XLB_ICMP_HOPS;
		csum_replace2(&iph->check, old, *(__u16 *)&iph->ttl);
		iph->daddr = iph->saddr;
		iph->saddr = p->dst[0];
		old = *(__u16 *)ih;
		ih->type = ICMP_ECHOREPLY;
	} else {
		struct ipv6hdr *ip6h = data + (p->l3_off & 0x1f);

		if ((void *)(ip6h + 1) > data_end)
			return XLB_R_DROP_ICMP_MALFORMED;
		ip6h->hop_limit = XLB_ICMP_HOPS;
		/* The pseudo-header sum does not change when source and destination swap. */
		__builtin_memcpy(&ip6h->daddr, p->src, 16);
		__builtin_memcpy(&ip6h->saddr, p->dst, 16);
		old = *(__u16 *)ih;
		ih->type = ICMPV6_ECHO_REPLY;
	}
	csum_replace2(&ih->checksum, old, *(__u16 *)ih);
	return XLB_R_TX_ICMP_ECHO;
}

/* Read the packet quoted in an ICMP error and describe the flow it belongs to as the client's
 * packets look: f->src = client, f->dst = VIP, f->sport = client port, f->dport = VIP port.
 * The quoted packet must have been sent by the VIP the error is addressed to.
 * Returns 0, XLB_R_DROP_ICMP_MALFORMED or XLB_R_DROP_ICMP_NO_FLOW. */
static __always_inline int icmp_error_flow(void *data, void *data_end, const struct xlb_pkt *p,
					   struct xlb_pkt *f)
{
	__u32 inner = (p->l4_off & 0xfff) + 8, end = (__u32)p->l3_off + p->ip_len;
	__u16 *ports;
	__u32 l4;

	f->family = p->family;
	if (p->family == XLB_AF_INET) {
		struct iphdr *iph = data + inner;

		if ((void *)(iph + 1) > data_end || inner + sizeof(*iph) > end ||
		    iph->version != 4 || iph->ihl < 5)
			return XLB_R_DROP_ICMP_MALFORMED;
		/* A quoted later fragment has no ports where the ports would be. */
		if (iph->saddr != p->dst[0] || (iph->frag_off & bpf_htons(IP_OFFMASK)))
			return XLB_R_DROP_ICMP_MALFORMED;
		if (iph->protocol != IPPROTO_TCP && iph->protocol != IPPROTO_UDP)
			return XLB_R_DROP_ICMP_NO_FLOW;
		f->proto = iph->protocol;
		f->src[0] = iph->daddr;
		f->dst[0] = iph->saddr;
		l4 = inner + iph->ihl * 4;
	} else {
		struct ipv6hdr *ip6h = data + inner;

		if ((void *)(ip6h + 1) > data_end || inner + sizeof(*ip6h) > end ||
		    ip6h->version != 6)
			return XLB_R_DROP_ICMP_MALFORMED;
		if (ip6h->saddr.in6_u.u6_addr32[0] != p->dst[0] ||
		    ip6h->saddr.in6_u.u6_addr32[1] != p->dst[1] ||
		    ip6h->saddr.in6_u.u6_addr32[2] != p->dst[2] ||
		    ip6h->saddr.in6_u.u6_addr32[3] != p->dst[3])
			return XLB_R_DROP_ICMP_MALFORMED;
		if (ip6h->nexthdr != IPPROTO_TCP && ip6h->nexthdr != IPPROTO_UDP)
			return XLB_R_DROP_ICMP_NO_FLOW;
		f->proto = ip6h->nexthdr;
		__builtin_memcpy(f->src, &ip6h->daddr, 16);
		__builtin_memcpy(f->dst, &ip6h->saddr, 16);
		l4 = inner + sizeof(*ip6h);
	}
	ports = data + (l4 & 0xfff);
	if ((void *)(ports + 2) > data_end || l4 + 4 > end)
		return XLB_R_DROP_ICMP_MALFORMED;
	f->sport = ports[1];
	f->dport = ports[0];
	return 0;
}

/* Replace the packet with an ICMP "fragmentation needed" (IPv4, type 3 code 4) or ICMPv6
 * "packet too big" reporting mtu, from the VIP back to the client, quoting the first
 * XLB_ICMP_QUOTE bytes of the packet. Returns XLB_R_TX_ICMP_TOO_BIG when the frame is ready
 * for XDP_TX, or a DROP_* reason. */
static __always_inline int icmp_too_big(struct xdp_md *ctx, const struct xlb_pkt *p, __u32 mtu)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	bool v4 = p->family == XLB_AF_INET;
	__u32 nvlan = p->nvlan & 3, l2len = sizeof(struct ethhdr) + nvlan * 4;
	__u32 hdr = v4 ? sizeof(struct iphdr) + 8 : sizeof(struct ipv6hdr) + 8;
	struct xlb_l2 l2 = {};
	struct xlb_icmp_hdr *ih;
	__u8 mac[ETH_ALEN];
	__s64 sum;
	int delta;

	if (p->ip_len < XLB_ICMP_QUOTE)
		return XLB_R_DROP_TOO_BIG;
	/* Back where it came from: the MACs swap, the VLAN tags stay. */
	if (l2_save(data, data_end, nvlan, &l2))
		return XLB_R_DROP_ENCAP;
	__builtin_memcpy(mac, l2.dst, ETH_ALEN);
	__builtin_memcpy(l2.dst, l2.src, ETH_ALEN);
	__builtin_memcpy(l2.src, mac, ETH_ALEN);

	if (bpf_xdp_adjust_head(ctx, -(int)hdr))
		return XLB_R_DROP_ENCAP;
	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	delta = (int)(l2len + hdr + XLB_ICMP_QUOTE) - (int)(data_end - data);
	if (delta && bpf_xdp_adjust_tail(ctx, delta))
		return XLB_R_DROP_ENCAP;
	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	if (data + l2len + hdr + XLB_ICMP_QUOTE > data_end ||
	    l2_write(data, data_end, &l2, bpf_htons(v4 ? ETH_P_IP : ETH_P_IPV6)))
		return XLB_R_DROP_ENCAP;

	if (v4) {
		struct iphdr *iph = data + l2len;

		if ((void *)(iph + 1) + 8 + XLB_ICMP_QUOTE > data_end)
			return XLB_R_DROP_ENCAP;
		*(__u8 *)iph = 0x45;
		iph->tos = 0;
		iph->tot_len = bpf_htons(hdr + XLB_ICMP_QUOTE);
		iph->id = 0;
		iph->frag_off = 0;
		iph->ttl = XLB_ICMP_HOPS;
		iph->protocol = IPPROTO_ICMP;
		iph->check = 0;
		iph->saddr = p->dst[0];
		iph->daddr = p->src[0];
		iph->check = csum_ipv4_hdr(iph);

		ih = (void *)(iph + 1);
		ih->type = ICMP_DEST_UNREACH;
		ih->code = ICMP_FRAG_NEEDED;
		ih->checksum = 0;
		*(__u16 *)((void *)ih + 4) = 0; /* unused */
		*(__u16 *)((void *)ih + 6) = bpf_htons(mtu);
		sum = bpf_csum_diff(NULL, 0, (void *)ih + 8, XLB_ICMP_QUOTE, 0);
		if (sum < 0)
			return XLB_R_DROP_ENCAP;
		ih->checksum = csum_fold(csum_words((__u32 *)ih, 2, csum_reduce((__u32)sum)));
		return XLB_R_TX_ICMP_TOO_BIG;
	}

	struct ipv6hdr *ip6h = data + l2len;
	__u32 pseudo[2];

	if ((void *)(ip6h + 1) + 8 + XLB_ICMP_QUOTE > data_end)
		return XLB_R_DROP_ENCAP;
	*(__u32 *)ip6h = bpf_htonl(6U << 28);
	ip6h->payload_len = bpf_htons(8 + XLB_ICMP_QUOTE);
	ip6h->nexthdr = IPPROTO_ICMPV6;
	ip6h->hop_limit = XLB_ICMP_HOPS;
	__builtin_memcpy(&ip6h->saddr, p->dst, 16);
	__builtin_memcpy(&ip6h->daddr, p->src, 16);

	ih = (void *)(ip6h + 1);
	ih->type = ICMPV6_PKT_TOOBIG;
	ih->code = 0;
	ih->checksum = 0;
	*(__u32 *)((void *)ih + 4) = bpf_htonl(mtu);
	sum = bpf_csum_diff(NULL, 0, (void *)ih + 8, XLB_ICMP_QUOTE, 0);
	if (sum < 0)
		return XLB_R_DROP_ENCAP;
	/* Pseudo-header: addresses, upper-layer length, next header (RFC 8200 8.1). */
	pseudo[0] = bpf_htonl(8 + XLB_ICMP_QUOTE);
	pseudo[1] = bpf_htonl(IPPROTO_ICMPV6);
	sum = csum_words(p->src, 4, csum_reduce((__u32)sum));
	sum = csum_words(p->dst, 4, (__u32)sum);
	sum = csum_words(pseudo, 2, (__u32)sum);
	ih->checksum = csum_fold(csum_words((__u32 *)ih, 2, (__u32)sum));
	return XLB_R_TX_ICMP_TOO_BIG;
}

#endif /* XLB_BPF_ICMP_H */
