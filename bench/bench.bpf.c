// SPDX-License-Identifier: GPL-2.0
/* bench.bpf.c - programs for the data-path benchmark, not for production: xlb_process() (the
 * exact code of xlb_lb) wrapped so that BPF_PROG_TEST_RUN with repeat > 1 sees the original
 * frame every time, plus the floors it is compared with.
 *
 * Trap avoided: with repeat > 1 the kernel reuses the frame, so the second run would see the
 * first run's tunnel header. bench_xlb undoes the encapsulation after each run: it strips
 * whatever the mode added in front (IP-in-IP: the outer IP header, GUE: outer IP + UDP, L2:
 * nothing) and puts the original Ethernet header back (for L2 the only change). The cost of the
 * IP-in-IP undo is measured on its own by bench_undo. It can also rewrite one 32-bit field per run
 * (vary_off) from a counter, so that runs cycle through many flows.
 *
 * Built a second time with -DXLB_BENCH_LRU as bench_lru.bpf.o: the same programs over the
 * previous connection table, the LRU hash (bench/select_lru.h), for dataplane_bench -c. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

volatile __u32 vary_off; /* frame offset of the 32-bit field to vary, 0 = fixed flow */
volatile __u32 vary_count; /* number of distinct values, 0 = never repeat (a new flow each run) */
volatile __u32 vary_base; /* first value (host order) */
__u32 vary_iter;
__u64 actions[XDP_REDIRECT + 1]; /* verdicts returned, to check what was measured */
/* > 1: visit the vary_count values in the order v * vary_mult % vary_count (a permutation when
 * coprime with vary_count) rather than in the order a warm-up inserted them: the LRU hash takes
 * its elements from a free list in order, so flows revisited in insertion order read their
 * elements sequentially, which real traffic does not. */
volatile __u32 vary_mult;

#ifdef XLB_BENCH_LRU
#include "select_lru.h"
#endif
#include "lb.h"

#define BENCH_MAX_L2 14

static __always_inline void vary_flow(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u32 off = vary_off & 0xff, v;

	if (!off || data + off + 4 > data_end)
		return;
	v = vary_count ? vary_iter % vary_count : vary_iter;
	if (vary_mult > 1 && vary_count)
		v = (__u32)((__u64)v * vary_mult % vary_count);
	vary_iter++;
	*(__u32 *)(data + off) = bpf_htonl(vary_base + v);
}

static __always_inline void count_action(int rc)
{
	if (rc >= 0 && rc <= XDP_REDIRECT)
		__sync_fetch_and_add(&actions[rc], 1);
}

SEC("xdp")
int bench_xlb(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u8 l2[BENCH_MAX_L2];
	int len = data_end - data, grown, rc;

	if (data + BENCH_MAX_L2 > data_end)
		return XDP_ABORTED;
	__builtin_memcpy(l2, data, BENCH_MAX_L2);
	vary_flow(ctx);
	rc = xlb_process(ctx);
	count_action(rc);

	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	grown = (int)(data_end - data) - len;
	if (grown < 0 || (grown > 0 && bpf_xdp_adjust_head(ctx, grown)))
		return rc;
	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	if (data + BENCH_MAX_L2 <= data_end)
		__builtin_memcpy(data, l2, BENCH_MAX_L2);
	return rc;
}

/* The cost of the undo alone: grow by an IPv4 header and shrink back, restoring the L2 bytes. */
SEC("xdp")
int bench_undo(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u8 l2[BENCH_MAX_L2];

	if (data + BENCH_MAX_L2 > data_end)
		return XDP_ABORTED;
	__builtin_memcpy(l2, data, BENCH_MAX_L2);
	if (bpf_xdp_adjust_head(ctx, -20))
		return XDP_ABORTED;
	if (bpf_xdp_adjust_head(ctx, 20))
		return XDP_ABORTED;
	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	if (data + BENCH_MAX_L2 > data_end)
		return XDP_ABORTED;
	__builtin_memcpy(data, l2, BENCH_MAX_L2);
	count_action(XDP_TX);
	return XDP_TX;
}

/* Floor 1: the cheapest program there is. */
SEC("xdp")
int bench_floor_tx(struct xdp_md *ctx)
{
	return XDP_TX;
}

/* Floor 2: parse Ethernet/IPv4/TCP, swap the MACs, send it back. */
SEC("xdp")
int bench_floor_swap(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *iph = (void *)(eth + 1);
	struct tcphdr *th;
	__u8 tmp[ETH_ALEN];

	if ((void *)(iph + 1) > data_end || eth->h_proto != bpf_htons(ETH_P_IP))
		return XDP_PASS;
	th = (void *)iph + iph->ihl * 4;
	if ((void *)(th + 1) > data_end || iph->protocol != IPPROTO_TCP)
		return XDP_PASS;
	__builtin_memcpy(tmp, eth->h_source, ETH_ALEN);
	__builtin_memcpy(eth->h_source, eth->h_dest, ETH_ALEN);
	__builtin_memcpy(eth->h_dest, tmp, ETH_ALEN);
	count_action(XDP_TX);
	return XDP_TX;
}

char LICENSE[] SEC("license") = "GPL";
