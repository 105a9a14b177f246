/* SPDX-License-Identifier: GPL-2.0 */
/* parse.h - bounds-checked parsing of Ethernet (0-2 VLAN tags), IPv4 (any IHL), IPv6 with a
 * bounded walk of extension headers, fragments and the TCP/UDP ports into struct xlb_pkt.
 * Parsing never writes to the packet. */
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
#define XLB_MAX_EXT_HDRS 4 /* IPv6 extension headers walked before giving up */
#define IP_MF 0x2000
#define IP_DF 0x4000
#define IP_OFFMASK 0x1fff
#define IP6_OFFMASK 0xfff8 /* fragment offset bits of ip6_frag.frag_off (be after htons) */
#define IP6_MF 0x0001

/* An 802.1Q / 802.1ad tag as it follows the Ethernet addresses' TPID. */
struct xlb_vlan_hdr {
	__be16 tci;
	__be16 proto;
};

/* IPv6 fragment extension header (RFC 8200 4.5). */
struct xlb_ip6_frag {
	__u8 nexthdr;
	__u8 reserved;
	__be16 frag_off; /* offset in 8-byte units << 3, 2 reserved bits, M flag */
	__be32 id;
};

/* IPv6 hop-by-hop, routing and destination options share this start. */
struct xlb_ip6_opt {
	__u8 nexthdr;
	__u8 hdrlen; /* in 8-byte units, not counting the first 8 bytes */
};

enum xlb_frag_kind {
	XLB_FRAG_NONE = 0,
	XLB_FRAG_FIRST = 1, /* offset 0, more fragments follow: carries the L4 header */
	XLB_FRAG_LATER = 2, /* offset > 0: no L4 header */
};

/* What the data path knows about one packet after parsing. */
struct xlb_pkt {
	__u32 src[4]; /* be */
	__u32 dst[4]; /* be */
	__u16 sport; /* be, valid when has_ports */
	__u16 dport; /* be, valid when has_ports */
	__u8 family; /* XLB_AF_INET / XLB_AF_INET6 */
	__u8 proto; /* upper-layer protocol after any IPv6 extension headers */
	__u8 tos; /* IPv4 TOS or IPv6 traffic class: DSCP + ECN */
	__u8 tcp_flags; /* byte 13 of the TCP header */
	__u8 df; /* IPv4 DF set (always 1 for IPv6, which routers never fragment) */
	__u8 nvlan; /* VLAN tags between the MAC addresses and the IP header */
	__u8 frag; /* enum xlb_frag_kind */
	__u8 has_ports; /* TCP/UDP ports were read */
	__u8 ext_over; /* IPv6: more than XLB_MAX_EXT_HDRS extension headers */
	__u8 frag_proto; /* protocol every fragment of the datagram names: IPv4 protocol, IPv6
			  * fragment header's next header (the reassembly key's) */
	__u8 pad[2];
	__u16 l3_off; /* offset of the IP header: 14 + 4 * nvlan */
	__u16 l4_off; /* offset of the upper-layer header */
	__u16 ip_len; /* IP header + payload, as the IP header says (trailing padding excluded) */
	__u32 frag_id; /* fragment identification (IPv4: 16 bits), as stored */
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

/* Read the TCP/UDP ports at p->l4_off when the protocol has them and the header starts in this
 * packet (not a later fragment). Returns -1 when the IP length says they are not all there. */
static __always_inline int read_ports(void *data, void *data_end, struct xlb_pkt *p)
{
	__u16 *ports;
	__u32 off = p->l4_off;

	if ((p->proto != IPPROTO_TCP && p->proto != IPPROTO_UDP) || p->frag == XLB_FRAG_LATER)
		return 0;
	/* The bound keeps the variable offset verifiable; real headers end far below it. */
	if (off > 2048)
		return -1;
	ports = data + off;
	if ((void *)(ports + 2) > data_end || off + 4 > (__u32)p->l3_off + p->ip_len)
		return -1;
	p->sport = ports[0];
	p->dport = ports[1];
	p->has_ports = 1;
	return 0;
}

/* Parse an IPv4 header at p->l3_off: addresses, protocol, fragment state and (for TCP/UDP
 * heads) the ports. Returns -1 when the packet cannot be trusted (truncated, bad version, IHL or
 * total length): it is then passed to the host untouched. */
static __always_inline int parse_ipv4(void *data, void *data_end, struct xlb_pkt *p)
{
	struct iphdr *iph = data + p->l3_off;
	__u32 hlen;

	if ((void *)(iph + 1) > data_end || iph->version != 4 || iph->ihl < 5)
		return -1;
	hlen = iph->ihl * 4;
	p->ip_len = bpf_ntohs(iph->tot_len);
	if (p->ip_len < hlen || data + p->l3_off + p->ip_len > data_end)
		return -1;
	p->family = XLB_AF_INET;
	p->proto = iph->protocol;
	p->tos = iph->tos;
	p->df = !!(iph->frag_off & bpf_htons(IP_DF));
	p->src[0] = iph->saddr;
	p->dst[0] = iph->daddr;
	p->l4_off = p->l3_off + hlen;
	if (iph->frag_off & bpf_htons(IP_OFFMASK))
		p->frag = XLB_FRAG_LATER;
	else if (iph->frag_off & bpf_htons(IP_MF))
		p->frag = XLB_FRAG_FIRST;
	p->frag_id = iph->id;
	p->frag_proto = iph->protocol;
	return read_ports(data, data_end, p);
}

/* Parse an IPv6 header at p->l3_off and walk up to XLB_MAX_EXT_HDRS extension headers
 * (hop-by-hop, routing, destination options, fragment). Same contract as parse_ipv4. A chain
 * longer than the bound sets p->ext_over and leaves p->proto at the header not walked. */
static __always_inline int parse_ipv6(void *data, void *data_end, struct xlb_pkt *p)
{
	struct ipv6hdr *ip6h = data + p->l3_off;
	__u32 off, end, len;
	__u8 nexthdr;

	if ((void *)(ip6h + 1) > data_end || ip6h->version != 6)
		return -1;
	/* In 32 bits: payload lengths near 65535 plus the header do not fit p->ip_len. */
	len = bpf_ntohs(ip6h->payload_len) + sizeof(*ip6h);
	if (data + p->l3_off + len > data_end)
		return -1;
	p->ip_len = len;
	p->family = XLB_AF_INET6;
	p->tos = (ip6h->priority << 4) | (ip6h->flow_lbl[0] >> 4);
	p->df = 1;
	__builtin_memcpy(p->src, &ip6h->saddr, 16);
	__builtin_memcpy(p->dst, &ip6h->daddr, 16);
	nexthdr = ip6h->nexthdr;
	off = p->l3_off + sizeof(*ip6h);
	end = p->l3_off + p->ip_len;

#pragma unroll
	for (int i = 0; i < XLB_MAX_EXT_HDRS; i++) {
		if (nexthdr == IPPROTO_FRAGMENT) {
			struct xlb_ip6_frag *fh = data + off;

			if (off > 2048 || (void *)(fh + 1) > data_end || off + sizeof(*fh) > end)
				return -1;
			p->frag_id = fh->id;
			p->frag_proto = fh->nexthdr;
			if (fh->frag_off & bpf_htons(IP6_OFFMASK))
				p->frag = XLB_FRAG_LATER;
			else if (fh->frag_off & bpf_htons(IP6_MF))
				p->frag = XLB_FRAG_FIRST;
			nexthdr = fh->nexthdr;
			off += sizeof(*fh);
			if (p->frag == XLB_FRAG_LATER)
				break;
		} else if (nexthdr == IPPROTO_HOPOPTS || nexthdr == IPPROTO_ROUTING ||
			   nexthdr == IPPROTO_DSTOPTS) {
			struct xlb_ip6_opt *oh = data + off;

			if (off > 2048 || (void *)(oh + 1) > data_end || off + 8 > end)
				return -1;
			nexthdr = oh->nexthdr;
			off += (oh->hdrlen + 1) * 8;
			if (off > end)
				return -1;
		} else {
			break;
		}
	}
	p->proto = nexthdr;
	p->l4_off = off;
	if (p->frag != XLB_FRAG_LATER &&
	    (nexthdr == IPPROTO_FRAGMENT || nexthdr == IPPROTO_HOPOPTS ||
	     nexthdr == IPPROTO_ROUTING || nexthdr == IPPROTO_DSTOPTS))
		p->ext_over = 1;
	return read_ports(data, data_end, p);
}

/* Check the whole TCP/UDP header of a packet that belongs to a service and read the TCP
 * flags. A first fragment carries only part of the datagram, so its UDP length may exceed what
 * is here. Returns 0 when it is well formed, -1 otherwise. */
static __always_inline int check_l4(void *data, void *data_end, struct xlb_pkt *p)
{
	__u32 l4_len = p->ip_len - (p->l4_off - p->l3_off);
	__u32 off = p->l4_off;

	if (off > 2048)
		return -1;
	if (p->proto == IPPROTO_TCP) {
		struct tcphdr *th = data + off;

		if ((void *)(th + 1) > data_end || l4_len < sizeof(*th))
			return -1;
		if (th->doff < 5 || th->doff * 4 > l4_len)
			return -1;
		p->tcp_flags = ((__u8 *)th)[13];
		return 0;
	}
	struct udphdr *uh = data + off;

	if ((void *)(uh + 1) > data_end || l4_len < sizeof(*uh))
		return -1;
	if (bpf_ntohs(uh->len) < sizeof(*uh))
		return -1;
	if (bpf_ntohs(uh->len) > l4_len && p->frag != XLB_FRAG_FIRST)
		return -1;
	return 0;
}

#endif /* XLB_BPF_PARSE_H */
