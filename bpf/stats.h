/* SPDX-License-Identifier: GPL-2.0 */
/* stats.h - per-CPU counters: one reason counter per packet, plus per-service and per-backend
 * traffic. Per-CPU arrays need no atomics; userspace sums over all possible CPUs. */
#ifndef XLB_BPF_STATS_H
#define XLB_BPF_STATS_H

#include "maps.h"

static __always_inline void count(void *map, __u32 idx, __u64 bytes)
{
	struct xlb_counter *c = bpf_map_lookup_elem(map, &idx);

	if (c) {
		c->packets++;
		c->bytes += bytes;
	}
}

/* The XDP action a reason stands for; folds to a constant where the reason is constant. */
static __always_inline int reason_action(int reason)
{
	switch (reason) {
#define XLB_REASON_CASE(id, name, action, help) \
	case id:                                \
		return action;
		XLB_REASONS(XLB_REASON_CASE)
#undef XLB_REASON_CASE
	}
	return XDP_ABORTED;
}

/* Count the packet under its reason and return the matching XDP action. */
static __always_inline int verdict(int reason, __u64 bytes)
{
	count(&xlb_reasons, reason, bytes);
	return reason_action(reason);
}

#endif /* XLB_BPF_STATS_H */
