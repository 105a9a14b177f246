/* SPDX-License-Identifier: GPL-2.0 */
/* capture.h - packet capture for xlb_lb and xlb_decap (contract: include/xlb_capture.h): the
 * filter, the ring buffer, and the hook each program calls once, at its exit, with the final
 * reason and verdict. While capture is off the hook is one load and a branch; the rest lives
 * in one global function that the verifier checks once, whatever the number of paths to it.
 *
 * XLB_CAPTURE_NO_HOOK (benchmark objects only, bench/bench.bpf.c): the hook compiles to
 * nothing, so that the same source gives the "before" of a same-run A/B. */
#ifndef XLB_BPF_CAPTURE_H
#define XLB_BPF_CAPTURE_H

#include <stdbool.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "xlb_abi.h"
#include "xlb_capture.h"
#include "parse.h"

/* The filter: a global variable, so that the off test is a load from an address the program
 * holds (no map lookup). Zero at load: capture off. */
struct xlb_capture_filter xlb_capture SEC(".data.capture");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, XLB_CAPTURE_RING_BYTES);
} xlb_capture_ring SEC(".maps");

/* Per CPU: the sampling count of the current generation and the record being assembled
 * (bpf_ringbuf_output copies a variable length from it; a reservation would be fixed-size). */
struct xlb_capture_cpu {
	__u32 gen; /* the generation seen counts for */
	__u32 seen; /* matching frames on this CPU in that generation */
	struct xlb_capture_rec rec;
	__u8 data[XLB_CAPTURE_SNAP_MAX];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xlb_capture_cpu);
} xlb_capture_cpu SEC(".maps");

/* What a program decided about one frame, as the capture hook gets it. Every byte is written
 * before the hook reads it (the verifier checks stack memory passed to a global function). */
struct xlb_capture_meta {
	__u32 svc_id; /* XLB_CAPTURE_ANY: none */
	__u32 backend_id; /* XLB_CAPTURE_ANY: none */
	__u8 reason;
	__u8 verdict;
	__u8 prog; /* XLB_CAPTURE_PROG_* */
	__u8 pad;
};

/* Whether the frame m and p (NULL: no client known) describe meets every condition of f. */
static __always_inline bool capture_match(const struct xlb_capture_filter *f,
					  const struct xlb_capture_meta *m, const struct xlb_pkt *p)
{
	__u32 flags = f->flags;

	if ((flags & XLB_CAP_F_SERVICE) && m->svc_id != f->svc_id)
		return false;
	if ((flags & XLB_CAP_F_BACKEND) && m->backend_id != f->backend_id)
		return false;
	if ((flags & XLB_CAP_F_REASON) && m->reason != f->reason)
		return false;
	if ((flags & XLB_CAP_F_VERDICT) && m->verdict != f->verdict)
		return false;
	if (flags & XLB_CAP_F_CLIENT) {
		if (!p || p->family != f->client_family)
			return false;
		for (int i = 0; i < 4; i++)
			if ((p->src[i] & f->client_mask[i]) != f->client[i])
				return false;
	}
	return true;
}

/* Record the frame in ctx, as the program leaves it, when the armed filter takes it: it
 * matches (p: the parsed frame, for the client prefix; NULL in xlb_decap), it is the sampled
 * one in `sample` on this CPU, and the budget is not spent. A global function: verified once,
 * with m and p as any readable memory of their size. Returns 1 when a record went to the
 * ring, else 0. */
__noinline int xlb_capture_take(struct xdp_md *ctx, struct xlb_capture_meta *m, struct xlb_pkt *p)
{
	struct xlb_capture_filter *f = &xlb_capture;
	__u32 zero = 0, gen, sample, budget;
	__u64 len, cap; /* 64-bit: the v2 ISA's zero-extensions of a 32-bit copy lose the bounds
			 * ("R4 invalid zero-sized read") */
	struct xlb_capture_cpu *s;
	void *data, *data_end;

	gen = *(volatile __u32 *)&f->gen;
	if (!m || !gen || !capture_match(f, m, p))
		return 0;
	s = bpf_map_lookup_elem(&xlb_capture_cpu, &zero);
	if (!s)
		return 0;
	if (s->gen != gen) {
		s->gen = gen;
		s->seen = 0;
	}
	sample = f->sample;
	if (sample > 1 && s->seen++ % sample)
		return 0;
	budget = f->budget;
	if (budget && f->used >= budget)
		return 0;
#if __BPF_CPU_VERSION__ >= 3
	/* Exact over CPUs: the one that takes the last unit of the budget is the last. */
	if (__sync_fetch_and_add(&f->used, 1) >= budget && budget)
		return 0;
#else
	/* The v2 ISA has no fetching add ("Invalid usage of the XADD return value"): CPUs racing
	 * past the test above may each add a record beyond the budget, which the reader drops. */
	__sync_fetch_and_add(&f->used, 1);
#endif

	/* Read here, not at the top: the compiler would keep the packet pointers across the
	 * calls above in 32-bit stack slots ("invalid size of register spill"). */
	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	len = data_end - data;
	cap = f->snaplen;
	if (cap > len)
		cap = len;
	if (cap > XLB_CAPTURE_SNAP_MAX)
		cap = XLB_CAPTURE_SNAP_MAX;
	if (cap >= 1 && cap <= XLB_CAPTURE_SNAP_MAX && bpf_xdp_load_bytes(ctx, 0, s->data, cap))
		cap = 0;
	s->rec.ts_ns = bpf_ktime_get_ns();
	s->rec.gen = gen;
	s->rec.cpu = bpf_get_smp_processor_id();
	s->rec.ifindex = ctx->ingress_ifindex;
	s->rec.svc_id = m->svc_id;
	s->rec.backend_id = m->backend_id;
	s->rec.orig_len = len;
	s->rec.cap_len = cap;
	s->rec.verdict = m->verdict;
	s->rec.reason = m->reason;
	s->rec.prog = m->prog;
	s->rec.pad = 0;
	if (bpf_ringbuf_output(&xlb_capture_ring, &s->rec, sizeof(s->rec) + cap, 0)) {
		__sync_fetch_and_add(&f->lost, 1);
		return 0;
	}
	return 1;
}

/* The hook's test: whether a capture is armed. One load and a branch where it is used;
 * constant false in XLB_CAPTURE_NO_HOOK objects. */
static __always_inline bool capture_on(void)
{
#ifdef XLB_CAPTURE_NO_HOOK
	return false;
#else
	return *(volatile __u32 *)&xlb_capture.gen != 0;
#endif
}

/* The hook's slow half, once capture_on(): m complete but for the verdict, action. */
static __always_inline void capture_exit(struct xdp_md *ctx, struct xlb_capture_meta *m,
					 struct xlb_pkt *p, int action)
{
	m->verdict = action;
	xlb_capture_take(ctx, m, p);
}

#endif /* XLB_BPF_CAPTURE_H */
