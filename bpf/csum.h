/* SPDX-License-Identifier: GPL-2.0 */
/* csum.h - Internet checksum of the outer IPv4 header (RFC 1071). */
#ifndef XLB_BPF_CSUM_H
#define XLB_BPF_CSUM_H

#include <linux/ip.h>

/* Checksum of a 20-byte IPv4 header whose check field is 0. */
static __always_inline __u16 csum_ipv4_hdr(const struct iphdr *iph)
{
	const __u16 *w = (const __u16 *)iph;
	__u32 sum = 0;

#pragma unroll
	for (int i = 0; i < (int)(sizeof(*iph) / 2); i++)
		sum += w[i];
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return ~sum;
}

#endif /* XLB_BPF_CSUM_H */
