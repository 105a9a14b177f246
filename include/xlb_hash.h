/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/* xlb_hash.h - the data path's two hashes of a flow, shared by the data path and userspace so
 * that "lbctl flow lookup" and the tests compute exactly what xlb_lb computes:
 * - the flow hash (xlb_flow_hash()): the Maglev slot. Part of the ECMP wire contract
 *   (docs/datapath.md, "Compatibility"): every node and version must compute it alike. A
 *   Murmur3-style 32-bit mix, well spread over the low bits used for slot % M; computed only
 *   when a packet goes by the Maglev table (a new flow, a SYN, a re-selection).
 * - the connection hash (xlb_conn_hash()): the flow's bucket in the connection table and the
 *   entropy of the outer headers (RSS source bits, GUE source port, IPv6 flow label). Computed
 *   for every packet, so made of independent multiplies, not a chain of rounds. Part of the ABI (an
 *   adopted table's entries sit where it put them), not of the wire contract: nodes never
 *   compare it.
 *
 * The hash reads addresses as the 32-bit words stored in memory (network byte order bytes), so
 * every little-endian node of an ECMP group with the same seed picks the same slot.
 */
#ifndef XLB_HASH_H
#define XLB_HASH_H

#include <linux/types.h>
#include "xlb_abi.h"

#define XLB_HASH_INLINE static inline __attribute__((always_inline))

XLB_HASH_INLINE __u32 xlb_rotl32(__u32 x, int r)
{
	return (x << r) | (x >> (32 - r));
}

/* Mix one 32-bit word into the running hash h. */
XLB_HASH_INLINE __u32 xlb_hash_word(__u32 h, __u32 k)
{
	k *= 0xcc9e2d51;
	k = xlb_rotl32(k, 15);
	k *= 0x1b873593;
	h ^= k;
	h = xlb_rotl32(h, 13);
	return h * 5 + 0xe6546b64;
}

/* Final avalanche: every input bit affects every output bit. */
XLB_HASH_INLINE __u32 xlb_hash_final(__u32 h, __u32 nwords)
{
	h ^= nwords * 4;
	h ^= h >> 16;
	h *= 0x85ebca6b;
	h ^= h >> 13;
	h *= 0xc2b2ae35;
	h ^= h >> 16;
	return h;
}

/* Flow hash of one flow: its Maglev slot is hash % M.
 * family: XLB_AF_INET (only src[0]/dst[0] are read) or XLB_AF_INET6.
 * src, dst: addresses as stored (be). sport, dport: be. proto: IPPROTO_*.
 * Contract: a pure function of its arguments; identical in BPF and userspace. */
XLB_HASH_INLINE __u32 xlb_flow_hash(__u32 seed, __u8 family, const __u32 *src, const __u32 *dst,
				    __u16 sport, __u16 dport, __u8 proto)
{
	__u32 h = seed;

	h = xlb_hash_word(h, src[0]);
	h = xlb_hash_word(h, dst[0]);
	if (family != XLB_AF_INET) { /* IPv4: the other words are zero and skipped */
		h = xlb_hash_word(h, src[1]);
		h = xlb_hash_word(h, src[2]);
		h = xlb_hash_word(h, src[3]);
		h = xlb_hash_word(h, dst[1]);
		h = xlb_hash_word(h, dst[2]);
		h = xlb_hash_word(h, dst[3]);
	}
	h = xlb_hash_word(h, ((__u32)sport << 16) | dport);
	h = xlb_hash_word(h, ((__u32)family << 8) | proto);
	return xlb_hash_final(h, family != XLB_AF_INET ? 10 : 4);
}

/* The connection hash's multipliers: outputs 1 to 7 of splitmix64 from state 0, made odd. */
#define XLB_CH_K0 0xe220a8397b1dcdafULL
#define XLB_CH_K1 0x6e789e6aa1b965f5ULL
#define XLB_CH_K2 0x06c45d188009454fULL
#define XLB_CH_K3 0xf88bb8a8724c81edULL
#define XLB_CH_K4 0x1b39896a51a8749bULL
#define XLB_CH_K5 0x53cb9f0c747ea2ebULL
#define XLB_CH_KF 0x2c829abe1f4532e1ULL

/* Two 32-bit words as one 64-bit: lo in the low half. */
XLB_HASH_INLINE __u64 xlb_hash_pair(__u32 lo, __u32 hi)
{
	return (__u64)lo | (__u64)hi << 32;
}

/* Connection hash of one flow, from the same inputs as xlb_flow_hash() (IPv4 reads only
 * src[0]/dst[0]). The words in pairs, each pair a 64-bit number times its own multiplier,
 * summed mod 2^64 with seed x K0 (the products are independent and overlap in the CPU):
 *   x = seed*K0 + (src0, dst0)*K1 + (sport << 16 | dport, family << 8 | proto)*K2
 *       [IPv6: + (src1, src2)*K3 + (src3, dst1)*K4 + (dst2, dst3)*K5]
 * then x ^= x >> 32, x *= KF, x ^= x >> 32, and the low 32 bits. (a, b) is a + b x 2^32. On
 * sequential clients, ports and IPv6 interface ids it spreads over slot % M and over the high
 * bits xlb_conn_index() uses as evenly as the flow hash (tests/unit/test_maglev.c): 3
 * multiplies and a fold for IPv4, 6 for IPv6, where the flow hash chains 4 or 10 rounds.
 * Contract: a pure function of its arguments; identical in BPF and userspace. */
XLB_HASH_INLINE __u32 xlb_conn_hash(__u32 seed, __u8 family, const __u32 *src, const __u32 *dst,
				    __u16 sport, __u16 dport, __u8 proto)
{
	__u64 x = (__u64)seed * XLB_CH_K0 + xlb_hash_pair(src[0], dst[0]) * XLB_CH_K1 +
		  xlb_hash_pair(((__u32)sport << 16) | dport, ((__u32)family << 8) | proto) *
			  XLB_CH_K2;

	if (family != XLB_AF_INET)
		x += xlb_hash_pair(src[1], src[2]) * XLB_CH_K3 +
		     xlb_hash_pair(src[3], dst[1]) * XLB_CH_K4 +
		     xlb_hash_pair(dst[2], dst[3]) * XLB_CH_K5;
	x ^= x >> 32;
	x *= XLB_CH_KF;
	x ^= x >> 32;
	return (__u32)x;
}

#endif /* XLB_HASH_H */
