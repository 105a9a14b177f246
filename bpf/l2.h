/* SPDX-License-Identifier: GPL-2.0 */
/* l2.h - keep an Ethernet header (MACs and up to two VLAN tags) across a change of the frame's
 * head, and write it back with new MACs and a new ethertype. Used by every rewrite that moves
 * the IP header: encapsulation and generated ICMP replies. */
#ifndef XLB_BPF_L2_H
#define XLB_BPF_L2_H

#include <linux/if_ether.h>
#include "parse.h"

struct xlb_l2 {
	__u8 dst[ETH_ALEN];
	__u8 src[ETH_ALEN];
	__u32 tags[XLB_MAX_VLANS]; /* TPID + TCI words as they were, nvlan of them */
	__u32 nvlan;
};

/* Copy the Ethernet addresses and nvlan (0..2) tags of the frame at data. Returns 0, or -1
 * when the frame is shorter than that (parsing has already checked it is not). */
static __always_inline int l2_save(void *data, void *data_end, __u32 nvlan, struct xlb_l2 *l2)
{
	struct ethhdr *eth = data;

	if ((void *)(eth + 1) > data_end)
		return -1;
	__builtin_memcpy(l2->dst, eth->h_dest, ETH_ALEN);
	__builtin_memcpy(l2->src, eth->h_source, ETH_ALEN);
	l2->nvlan = nvlan;
	if (nvlan >= 1) {
		if (data + 16 > data_end)
			return -1;
		l2->tags[0] = *(__u32 *)(data + 12);
	}
	if (nvlan >= 2) {
		if (data + 20 > data_end)
			return -1;
		l2->tags[1] = *(__u32 *)(data + 16);
	}
	return 0;
}

/* Write l2 at data with ethertype (be) after the tags. Returns 0, or -1 when the frame is too
 * short. Constant offsets per tag count: the verifier rejects stores at variable offsets
 * computed backwards from the IP header ("R6 offset is outside of the packet"). */
static __always_inline int l2_write(void *data, void *data_end, const struct xlb_l2 *l2,
				    __u16 ethertype)
{
	struct ethhdr *eth = data;

	if (data + sizeof(*eth) + XLB_MAX_VLANS * 4 > data_end)
		return -1;
	__builtin_memcpy(eth->h_dest, l2->dst, ETH_ALEN);
	__builtin_memcpy(eth->h_source, l2->src, ETH_ALEN);
	if (l2->nvlan == 0) {
		eth->h_proto = ethertype;
	} else if (l2->nvlan == 1) {
		*(__u32 *)(data + 12) = l2->tags[0];
		*(__u16 *)(data + 16) = ethertype;
	} else {
		*(__u32 *)(data + 12) = l2->tags[0];
		*(__u32 *)(data + 16) = l2->tags[1];
		*(__u16 *)(data + 20) = ethertype;
	}
	return 0;
}

#endif /* XLB_BPF_L2_H */
