/* SPDX-License-Identifier: GPL-2.0 */
/* parse.h - bounds-checked parsing of Ethernet (0-2 VLAN tags), IPv4 (any IHL), IPv6 and the
 * TCP/UDP ports into struct xlb_pkt. Parsing never writes to the packet. */
#ifndef XLB_BPF_PARSE_H
#define XLB_BPF_PARSE_H

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <bpf/bpf_endian.h>
#include "xlb_abi.h"
#include "xlb_reasons.h"

#define XLB_MAX_VLANS 2
#define IP_MF 0x2000
#define IP_DF 0x4000
#define IP_OFFMASK 0x1fff

/* An 802.1Q / 802.1ad tag as it follows the Ethernet addresses' TPID. */
struct xlb_vlan_hdr {
	__be16 tci;
	__be16 proto;
};

/* What the data path knows about one packet after parsing. */
struct xlb_pkt {
	__u32 src[4]; /* be */
	__u32 dst[4]; /* be */
	__u16 sport; /* be */
	__u16 dport; /* be */
	__u8 family; /* XLB_AF_INET / XLB_AF_INET6 */
	__u8 proto; /* IPPROTO_TCP / IPPROTO_UDP */
	__u8 tos; /* IPv4 TOS or IPv6 traffic class: DSCP + ECN */
	__u8 tcp_flags; /* byte 13 of the TCP header */
	__u8 df; /* IPv4 DF set (always 1 for IPv6, which routers never fragment) */
	__u8 nvlan; /* VLAN tags between the MAC addresses and the IP header */
	__u16 l3_off; /* offset of the IP header: 14 + 4 * nvlan */
	__u16 l4_off; /* offset of the TCP/UDP header */
	__u16 ip_len; /* IP header + payload, as the IP header says (trailing padding excluded) */
};

#define XLB_TCP_FIN 0x01
#define XLB_TCP_SYN 0x02
#define XLB_TCP_RST 0x04
#define XLB_TCP_ACK 0x10

/* Parse Ethernet and VLAN tags. Returns the ethertype (be) of the payload, or 0 when the frame
 * is too short. Sets p->nvlan and p->l3_off. */
static __always_inline __u16 parse_eth(void *data, void *data_end, struct xlb_pkt *p)
{
	struct ethhdr *eth = data;
	__u16 off = sizeof(*eth);
	__u16 proto;

	if ((void *)(eth + 1) > data_end)
		return 0;
	proto = eth->h_proto;
#pragma unroll
	for (int i = 0; i < XLB_MAX_VLANS; i++) {
		struct xlb_vlan_hdr *vh = data + off;

		if (proto != bpf_htons(ETH_P_8021Q) && proto != bpf_htons(ETH_P_8021AD))
			break;
		if ((void *)(vh + 1) > data_end)
			return 0;
		proto = vh->proto;
		off += sizeof(*vh);
		p->nvlan++;
	}
	p->l3_off = off;
	return proto;
}

/* Parse an IPv4 header at p->l3_off. Returns -1 when the packet is not ours to balance, with
 * the pass reason in *reason; 0 when p holds addresses, protocol and ports. */
static __always_inline int parse_ipv4(void *data, void *data_end, struct xlb_pkt *p, int *reason)
{
	struct iphdr *iph = data + p->l3_off;
	__u16 *ports;
	__u32 hlen;

	if ((void *)(iph + 1) > data_end || iph->version != 4 || iph->ihl < 5) {
		*reason = XLB_R_PASS_MALFORMED;
		return -1;
	}
	hlen = iph->ihl * 4;
	p->ip_len = bpf_ntohs(iph->tot_len);
	if (p->ip_len < hlen || data + p->l3_off + p->ip_len > data_end) {
		*reason = XLB_R_PASS_MALFORMED;
		return -1;
	}
	if (iph->frag_off & bpf_htons(IP_MF | IP_OFFMASK)) {
		*reason = XLB_R_PASS_FRAGMENT;
		return -1;
	}
	if (iph->protocol != IPPROTO_TCP && iph->protocol != IPPROTO_UDP) {
		*reason = XLB_R_PASS_OTHER_L4;
		return -1;
	}
	p->family = XLB_AF_INET;
	p->proto = iph->protocol;
	p->tos = iph->tos;
	p->df = !!(iph->frag_off & bpf_htons(IP_DF));
	p->src[0] = iph->saddr;
	p->dst[0] = iph->daddr;
	p->l4_off = p->l3_off + hlen;

	/* The ports are all the service lookup needs; the rest of the L4 header is checked once
	 * the packet is known to be for a service (see check_l4). */
	ports = data + p->l4_off;
	if ((void *)(ports + 2) > data_end || hlen + 4 > p->ip_len) {
		*reason = XLB_R_PASS_MALFORMED;
		return -1;
	}
	p->sport = ports[0];
	p->dport = ports[1];
	return 0;
}

/* Parse an IPv6 fixed header at p->l3_off. Same contract as parse_ipv4. Extension headers are
 * not walked: such packets are passed to the host. */
static __always_inline int parse_ipv6(void *data, void *data_end, struct xlb_pkt *p, int *reason)
{
	struct ipv6hdr *ip6h = data + p->l3_off;
	__u16 *ports;

	if ((void *)(ip6h + 1) > data_end || ip6h->version != 6) {
		*reason = XLB_R_PASS_MALFORMED;
		return -1;
	}
	p->ip_len = bpf_ntohs(ip6h->payload_len) + sizeof(*ip6h);
	if (data + p->l3_off + p->ip_len > data_end) {
		*reason = XLB_R_PASS_MALFORMED;
		return -1;
	}
	if (ip6h->nexthdr != IPPROTO_TCP && ip6h->nexthdr != IPPROTO_UDP) {
		*reason = XLB_R_PASS_OTHER_L4;
		return -1;
	}
	p->family = XLB_AF_INET6;
	p->proto = ip6h->nexthdr;
	p->tos = (ip6h->priority << 4) | (ip6h->flow_lbl[0] >> 4);
	p->df = 1;
	__builtin_memcpy(p->src, &ip6h->saddr, 16);
	__builtin_memcpy(p->dst, &ip6h->daddr, 16);
	p->l4_off = p->l3_off + sizeof(*ip6h);

	ports = data + p->l4_off;
	if ((void *)(ports + 2) > data_end || sizeof(*ip6h) + 4 > p->ip_len) {
		*reason = XLB_R_PASS_MALFORMED;
		return -1;
	}
	p->sport = ports[0];
	p->dport = ports[1];
	return 0;
}

/* Check the whole TCP/UDP header of a packet that belongs to a service and read the TCP
 * flags. Returns 0 when it is well formed, -1 otherwise. */
static __always_inline int check_l4(void *data, void *data_end, struct xlb_pkt *p)
{
	__u32 l4_len = p->ip_len - (p->l4_off - p->l3_off);

	if (p->proto == IPPROTO_TCP) {
		struct tcphdr *th = data + p->l4_off;

		if ((void *)(th + 1) > data_end || l4_len < sizeof(*th))
			return -1;
		if (th->doff < 5 || th->doff * 4 > l4_len)
			return -1;
		p->tcp_flags = ((__u8 *)th)[13];
		return 0;
	}
	struct udphdr *uh = data + p->l4_off;

	if ((void *)(uh + 1) > data_end || l4_len < sizeof(*uh))
		return -1;
	if (bpf_ntohs(uh->len) < sizeof(*uh) || bpf_ntohs(uh->len) > l4_len)
		return -1;
	return 0;
}

#endif /* XLB_BPF_PARSE_H */
