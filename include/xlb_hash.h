/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/* xlb_hash.h - the flow hash, shared by the data path and userspace so that "lbctl flow
 * lookup" and the tests compute exactly what xlb_lb computes. A Murmur3-style 32-bit mix:
 * cheap in BPF (no loops, no tables) and well spread over the low bits used for slot % M.
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

/* Hash of one flow for Maglev selection and RSS source bits.
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

#endif /* XLB_HASH_H */
