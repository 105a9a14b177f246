/* SPDX-License-Identifier: GPL-2.0 */
/* csum.h - Internet checksum helpers (RFC 1071, incremental updates per RFC 1624). All values
 * are 16-bit words as stored in the packet: one's complement sums do not care about byte order
 * as long as every operand is in the same order. */
#ifndef XLB_BPF_CSUM_H
#define XLB_BPF_CSUM_H

#include <linux/ip.h>

/* Fold a 32-bit partial sum to 16 bits and complement it. */
static __always_inline __u16 csum_fold(__u32 sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)~sum;
}

/* Reduce a 32-bit partial sum to at most 17 bits without complementing it, so that more
 * words can be added without overflowing. */
static __always_inline __u32 csum_reduce(__u32 sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	return (sum & 0xffff) + (sum >> 16);
}

/* Checksum of a 20-byte IPv4 header whose check field is 0. */
static __always_inline __u16 csum_ipv4_hdr(const struct iphdr *iph)
{
	const __u16 *w = (const __u16 *)iph;
	__u32 sum = 0;

#pragma unroll
	for (int i = 0; i < (int)(sizeof(*iph) / 2); i++)
		sum += w[i];
	return csum_fold(sum);
}

/* Update checksum *sum for one 16-bit word changing from old to new (RFC 1624 eqn. 3). */
static __always_inline void csum_replace2(__u16 *sum, __u16 old, __u16 new)
{
	__u32 s = (__u16) ~*sum;

	s += (__u16)~old;
	s += new;
	*sum = csum_fold(s);
}

/* Partial sum of n 32-bit words (n constant), to start or extend a checksum. sum must be small
 * enough (csum_reduce) that 2n more 16-bit values cannot overflow it. */
static __always_inline __u32 csum_words(const __u32 *w, int n, __u32 sum)
{
#pragma unroll
	for (int i = 0; i < n; i++) {
		sum += w[i] & 0xffff;
		sum += w[i] >> 16;
	}
	return sum;
}

#endif /* XLB_BPF_CSUM_H */
