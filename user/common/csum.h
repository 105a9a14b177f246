/* SPDX-License-Identifier: GPL-2.0 */
/* csum.h - the Internet checksum (RFC 1071) for userspace packet builders: IPv4 headers and
 * TCP/UDP over the pseudo-header of IPv4 or IPv6. Pure C: unit-tested in test_csum.c. */
#ifndef XLB_CSUM_H
#define XLB_CSUM_H

#include <stddef.h>
#include <linux/types.h>

#include "addr.h"

/* sum plus the one's-complement sum of len bytes read as big-endian 16-bit words (an odd last
 * byte is the high half of a word). Unfolded: pass it on or to xlb_csum_fold(). */
__u32 xlb_csum_add(const void *data, size_t len, __u32 sum);

/* The checksum field (host order) for an unfolded sum: folded to 16 bits and complemented. */
__u16 xlb_csum_fold(__u32 sum);

/* The TCP or UDP checksum field (host order) of the len-byte segment seg (its checksum field
 * zero) sent from src to dst (one family) with protocol proto: the pseudo-header (addresses,
 * proto, length) and the segment. UDP callers send 0xffff for a result of 0. */
__u16 xlb_l4_csum(const struct xlb_addr *src, const struct xlb_addr *dst, __u8 proto,
		  const void *seg, size_t len);

#endif /* XLB_CSUM_H */
