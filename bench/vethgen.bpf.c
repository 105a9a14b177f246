// SPDX-License-Identifier: GPL-2.0
/* vethgen.bpf.c - programs of the veth benchmark (bench/veth_bench.c), not for production: a
 * traffic generator run by BPF_PROG_RUN in live-frames mode, and the receivers that count what
 * arrives.
 *
 * Trap avoided: live-frame pages are recycled without being initialised again, and xlb_lb
 * encapsulates in place, so vg_gen writes the whole frame from the template on every run
 * (otherwise the next frames would carry the previous run's tunnel header). */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#define VG_TMPL_MAX 256

/* Counters, per CPU: frames generated, frames seen by the receiver on the far end, frames
 * that came back to the generator's veth. Indexes shared with veth_bench.c. */
enum { VG_GEN, VG_RX, VG_RET, VG_NCOUNT };

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, VG_NCOUNT);
	__type(key, __u32);
	__type(value, __u64);
} vg_counts SEC(".maps");

__u8 tmpl[VG_TMPL_MAX]; /* the frame every run starts from */
volatile __u32 tmpl_len; /* its length, 14..VG_TMPL_MAX */
volatile __u32 vary_off; /* frame offset of a 32-bit field to vary per frame, 0 = fixed flow */
volatile __u32 vary_count; /* distinct values cycled, 0 = a new value every frame */
volatile __u32 vary_base; /* first value (host order) */
__u32 vary_iter; /* not atomic: the generator runs on one CPU */

static __always_inline void bump(__u32 idx)
{
	__u64 *c = bpf_map_lookup_elem(&vg_counts, &idx);

	if (c)
		(*c)++;
}

SEC("xdp")
int vg_gen(struct xdp_md *ctx)
{
	__u32 len = tmpl_len, off = vary_off, v;
	void *data, *data_end;

	if (len < ETH_HLEN || len > VG_TMPL_MAX)
		return XDP_ABORTED;
	if (bpf_xdp_store_bytes(ctx, 0, tmpl, len))
		return XDP_ABORTED;
	if (off) {
		data = (void *)(long)ctx->data;
		data_end = (void *)(long)ctx->data_end;
		off &= 0xff;
		if (data + off + 4 > data_end)
			return XDP_ABORTED;
		v = vary_count ? vary_iter % vary_count : vary_iter;
		vary_iter++;
		*(__u32 *)(data + off) = bpf_htonl(vary_base + v);
	}
	bump(VG_GEN);
	return XDP_TX;
}

/* Receiver 1: count and drop (the ceiling of the veth path). */
SEC("xdp")
int vg_rx_drop(struct xdp_md *ctx)
{
	bump(VG_RX);
	return XDP_DROP;
}

/* Receiver 2: count, swap the MACs and send the frame back (the ceiling for XDP_TX). */
SEC("xdp")
int vg_rx_swap(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	__u8 tmp[ETH_ALEN];

	if ((void *)(eth + 1) > data_end)
		return XDP_DROP;
	__builtin_memcpy(tmp, eth->h_source, ETH_ALEN);
	__builtin_memcpy(eth->h_source, eth->h_dest, ETH_ALEN);
	__builtin_memcpy(eth->h_dest, tmp, ETH_ALEN);
	bump(VG_RX);
	return XDP_TX;
}

/* On the generator's veth: count what comes back, and drop it. */
SEC("xdp")
int vg_ret(struct xdp_md *ctx)
{
	bump(VG_RET);
	return XDP_DROP;
}

char LICENSE[] SEC("license") = "GPL";
