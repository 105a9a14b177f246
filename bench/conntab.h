/* SPDX-License-Identifier: GPL-2.0 */
/* conntab.h - PROTOTYPE of the connection table designed for issue 16 (docs/decisions.md): an
 * array of buckets of XLB_CT_WAYS full-key entries of 32 bytes (2: one 64-byte line; 4: two),
 * one part per CPU, replacement by age inside the bucket. Built into benchmark objects only
 * (bench_ct.bpf.o and bench_ct4.bpf.o, by way of bench/select_conntab.h); the product keeps the LRU
 * hash xlb_conns until the conversion moves this into bpf/ and the entry into include/xlb_abi.h.
 *
 * The loader sets two globals the benchmark wrapper declares before including this file:
 * ct_buckets (buckets per CPU part) and ct_cpus (parts, = possible CPUs), and sizes xlb_ct to
 * ct_cpus x ct_buckets. The conversion moves both into xlb_config. */
#ifndef XLB_BENCH_CONNTAB_H
#define XLB_BENCH_CONNTAB_H

#include "maps.h"
#include "parse.h"

/* Entries per bucket: 2 x 32 B = one cache line (the design); the benchmark also builds 4 (two
 * adjacent lines, 128-byte aligned, which the CPU's adjacent-line prefetch fetches together) to
 * weigh fewer full buckets against a second line. */
#ifndef XLB_CT_WAYS
#define XLB_CT_WAYS 2
#endif
#define XLB_CT_CONFIRMED (1U << 31) /* tick bit: a non-SYN packet found this entry */
#define XLB_CT_TICK_MASK (XLB_CT_CONFIRMED - 1) /* tick bits: coarse ns >> 30, 31 bits */
#define XLB_CT_MAX_CPUS 64 /* bound of the all-parts probe (ICMP errors, first fragments) */

/* One connection: the full key (no fingerprint, so never another flow's backend), its
 * backend and the age. generation 0 = empty (xlbd never hands out generation 0). */
struct xlb_ct_entry {
	__u32 src[4]; /* be: client address; IPv4 in src[0], the rest 0 */
	__u16 sport; /* be: client port */
	__u16 dport; /* be: destination port */
	__u32 tick; /* XLB_CT_CONFIRMED | last packet's tick (XLB_CT_TICK_MASK) */
	__u32 backend_id;
	__u32 generation; /* xlb_backend.generation when chosen; 0 = empty entry */
};

struct xlb_ct_bucket {
	struct xlb_ct_entry e[XLB_CT_WAYS];
};

_Static_assert(sizeof(struct xlb_ct_entry) == 32, "xlb_ct_entry layout");
_Static_assert(sizeof(struct xlb_ct_bucket) == 32 * XLB_CT_WAYS, "xlb_ct_bucket layout");

/* Bucket ct_cpus x ct_buckets. Mmapable so that values start on a page: every bucket is
 * exactly its cache line(s) (a plain array's values start after its header). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, struct xlb_ct_bucket);
	__uint(max_entries, 2); /* set by the loader */
} xlb_ct SEC(".maps");

/* Per CPU: entries taken from empty (occupancy = the sum minus what userspace flushed). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__type(key, __u32);
	__type(value, __u64);
	__uint(max_entries, 1);
} xlb_ct_filled SEC(".maps");

/* Bucket of flow hash `hash` in the part of CPU cpu, or NULL when the table is smaller than
 * ct_cpus x ct_buckets (a loader error: the caller then keeps no entry). */
static __always_inline struct xlb_ct_bucket *ct_bucket(__u32 hash, __u32 cpu)
{
	__u32 nb = ct_buckets;
	__u32 idx = cpu * nb + (__u32)(((__u64)hash * nb) >> 32);

	return bpf_map_lookup_elem(&xlb_ct, &idx);
}

/* Whether entry e holds the flow of client src:sport to port dport (all be). */
static __always_inline bool ct_match_key(const struct xlb_ct_entry *e, const __u32 *src,
					 __u16 sport, __u16 dport)
{
	return e->generation && e->src[0] == src[0] && e->sport == sport && e->dport == dport &&
	       e->src[1] == src[1] && e->src[2] == src[2] && e->src[3] == src[3];
}

/* Whether entry e holds the flow of packet p. */
static __always_inline bool ct_match(const struct xlb_ct_entry *e, const struct xlb_pkt *p)
{
	return ct_match_key(e, p->src, p->sport, p->dport);
}

/* The entry of p's flow in bucket b, or NULL. */
static __always_inline struct xlb_ct_entry *ct_find(struct xlb_ct_bucket *b,
						    const struct xlb_pkt *p)
{
#pragma unroll
	for (int i = 0; i < XLB_CT_WAYS; i++)
		if (ct_match(&b->e[i], p))
			return &b->e[i];
	return NULL;
}

/* Ticks since entry e's last packet at tick now (both 31 bits, wrapping). */
static __always_inline __u32 ct_age(const struct xlb_ct_entry *e, __u32 now)
{
	return (now - e->tick) & XLB_CT_TICK_MASK;
}

/* The all-parts probe's state, for bpf_loop(): the flow, and the part whose entry for it was
 * used last (best_cpu ~0: none yet). */
struct ct_probe {
	__u32 src[4];
	__u16 sport, dport;
	__u32 hash, now, best_cpu, best_age;
};

/* bpf_loop() callback: look in CPU i's part. A loop of bpf_loop keeps the verifier's work to
 * one pass, where an unrolled walk of 64 parts x 4 entries passed its limit ("BPF program is
 * too large. Processed 1000001 insn"). */
static long ct_probe_cpu(__u32 i, void *data)
{
	struct ct_probe *pr = data;
	struct xlb_ct_bucket *b = ct_bucket(pr->hash, i);

	if (!b)
		return 1;
	for (int w = 0; w < XLB_CT_WAYS; w++) {
		struct xlb_ct_entry *e = &b->e[w];

		if (ct_match_key(e, pr->src, pr->sport, pr->dport)) {
			if (ct_age(e, pr->now) < pr->best_age) {
				pr->best_age = ct_age(e, pr->now);
				pr->best_cpu = i;
			}
			break;
		}
	}
	return 0;
}

/* The most recently used entry of p's flow in any CPU's part (ICMP errors and first
 * fragments, whose RSS hash is not their flow's), or NULL. Reads only. */
static __always_inline struct xlb_ct_entry *ct_find_any(__u32 hash, const struct xlb_pkt *p,
							__u32 now)
{
	struct ct_probe pr = { .sport = p->sport,
			       .dport = p->dport,
			       .hash = hash,
			       .now = now,
			       .best_cpu = ~0U,
			       .best_age = ~0U };
	__u32 n = ct_cpus < XLB_CT_MAX_CPUS ? ct_cpus : XLB_CT_MAX_CPUS;
	struct xlb_ct_bucket *b;

	__builtin_memcpy(pr.src, p->src, sizeof(pr.src));
	bpf_loop(n, ct_probe_cpu, &pr, 0);
	if (pr.best_cpu == ~0U)
		return NULL;
	b = ct_bucket(hash, pr.best_cpu);
	return b ? ct_find(b, p) : NULL;
}

/* Write p's flow -> (backend_id, generation) at tick now into bucket b of this CPU's part.
 * hit: p's entry in b when the caller found one (it is overwritten), else NULL: then an empty
 * entry, else an unconfirmed one, else the older one is taken; but a SYN never takes a
 * confirmed entry: a flood of SYNs can only take empty or half-open entries, and a real new
 * connection gets its entry with its first non-SYN packet. Returns 0 when written, -1 when
 * not. */
static __always_inline int ct_insert(struct xlb_ct_bucket *b, struct xlb_ct_entry *hit,
				     const struct xlb_pkt *p, __u32 backend_id, __u32 generation,
				     __u32 now, bool syn)
{
	struct xlb_ct_entry *v = hit;
	__u64 rank, best = 0;
	__u32 zero = 0;
	__u64 *filled;

	if (!v) {
		/* The highest rank: empty, then unconfirmed, then confirmed; the older first
		 * among equals, the first entry on a tie. */
		v = &b->e[0];
#pragma unroll
		for (int i = 0; i < XLB_CT_WAYS; i++) {
			struct xlb_ct_entry *e = &b->e[i];

			if (!e->generation)
				rank = 3ULL << 32;
			else
				rank = ((e->tick & XLB_CT_CONFIRMED) ? 1ULL : 2ULL) << 32 |
				       ct_age(e, now);
			if (i == 0 || rank > best) {
				best = rank;
				v = e;
			}
		}
		if (!v->generation) {
			filled = bpf_map_lookup_elem(&xlb_ct_filled, &zero);
			if (filled)
				*filled += 1;
		} else if (syn && (v->tick & XLB_CT_CONFIRMED)) {
			return -1;
		}
	}
	__builtin_memcpy(v->src, p->src, sizeof(v->src));
	v->sport = p->sport;
	v->dport = p->dport;
	v->tick = now;
	v->backend_id = backend_id;
	v->generation = generation;
	return 0;
}

#endif /* XLB_BENCH_CONNTAB_H */
