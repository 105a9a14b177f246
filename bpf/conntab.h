/* SPDX-License-Identifier: GPL-2.0 */
/* conntab.h - the connection table's data-path operations over xlb_conns (layout in
 * include/xlb_abi.h, shared rules in include/xlb_conn.h): the bucket of a flow in this CPU's
 * part, the flow's entry in it, the all-parts probe for packets whose RSS hash is not their
 * flow's, and the insert with its replacement order. Design: docs/decisions.md, "The
 * connection table becomes an array of buckets". No locks and no atomics: a CPU writes entries
 * only in its own part (in other parts it only empties one, by storing 0 to its generation),
 * and XDP is not re-entered on a CPU. */
#ifndef XLB_BPF_CONNTAB_H
#define XLB_BPF_CONNTAB_H

#include "maps.h"
#include "parse.h"
#include "xlb_conn.h"

/* Bucket of connection hash `hash` (xlb_conn_hash()) in the part of CPU cpu, or NULL when the
 * configuration has no table (conn_buckets 0) or the index is past the map (a part the loader did
 * not size). */
static __always_inline struct xlb_conn_bucket *ct_bucket(const struct xlb_config *cfg, __u32 hash,
							 __u32 cpu)
{
	__u32 idx;

	if (!cfg->conn_buckets)
		return NULL;
	idx = xlb_conn_index(hash, cpu, cfg->conn_buckets);
	return bpf_map_lookup_elem(&xlb_conns, &idx);
}

/* The entry of p's flow in bucket b, or NULL. */
static __always_inline struct xlb_conn *ct_find(struct xlb_conn_bucket *b, const struct xlb_pkt *p)
{
#pragma unroll
	for (int i = 0; i < XLB_CONN_WAYS; i++)
		if (xlb_conn_match(&b->e[i], p->src, p->sport, p->dport))
			return &b->e[i];
	return NULL;
}

/* The all-parts probe's state, for bpf_loop(): the flow, and the part whose entry for it was
 * used last (best_cpu ~0: none yet). */
struct ct_probe {
	__u32 src[4];
	__u16 sport, dport;
	__u32 hash, buckets, now, best_cpu, best_age;
};

/* bpf_loop() callback: look in CPU i's part. A loop of bpf_loop keeps the verifier's work to
 * one pass, where an unrolled walk of 64 parts x 4 entries passed its limit ("BPF program is
 * too large. Processed 1000001 insn"). */
static long ct_probe_cpu(__u32 i, void *data)
{
	struct ct_probe *pr = data;
	__u32 idx = xlb_conn_index(pr->hash, i, pr->buckets);
	struct xlb_conn_bucket *b = bpf_map_lookup_elem(&xlb_conns, &idx);

	if (!b)
		return 1;
	for (int w = 0; w < XLB_CONN_WAYS; w++) {
		struct xlb_conn *e = &b->e[w];

		if (xlb_conn_match(e, pr->src, pr->sport, pr->dport)) {
			if (xlb_conn_age(e, pr->now) < pr->best_age) {
				pr->best_age = xlb_conn_age(e, pr->now);
				pr->best_cpu = i;
			}
			break;
		}
	}
	return 0;
}

/* The most recently used entry of p's flow in any CPU's part (ICMP errors and first
 * fragments, whose RSS hash is not their flow's), or NULL. Reads only. */
static __always_inline struct xlb_conn *ct_find_any(const struct xlb_config *cfg, __u32 hash,
						    const struct xlb_pkt *p, __u32 now)
{
	struct ct_probe pr = { .sport = p->sport,
			       .dport = p->dport,
			       .hash = hash,
			       .buckets = cfg->conn_buckets,
			       .now = now,
			       .best_cpu = ~0U,
			       .best_age = ~0U };
	struct xlb_conn_bucket *b;

	if (!pr.buckets)
		return NULL;
	__builtin_memcpy(pr.src, p->src, sizeof(pr.src));
	bpf_loop(cfg->conn_parts, ct_probe_cpu, &pr, 0);
	if (pr.best_cpu == ~0U)
		return NULL;
	b = ct_bucket(cfg, hash, pr.best_cpu);
	return b ? ct_find(b, p) : NULL;
}

/* The forgetting loop's state, for bpf_loop(): the flow, the table's shape, this CPU, and how
 * many entries of the other parts were emptied. */
struct ct_forget {
	__u32 src[4];
	__u16 sport, dport;
	__u32 hash, buckets, parts, cpu, forgotten;
};

/* Empty the entry of the flow of client src:sport to port dport in bucket b of another CPU's
 * part. Returns 1 when there was one, else 0. */
static __always_inline __u32 ct_forget_in(struct xlb_conn_bucket *b, const __u32 *src, __u16 sport,
					  __u16 dport)
{
#pragma unroll
	for (int w = 0; w < XLB_CONN_WAYS; w++) {
		if (xlb_conn_match(&b->e[w], src, sport, dport)) {
			/* The generation word alone, as a flush writes it: the owner CPU sees
			 * the entry gone or, had it just replaced it, its own flow's entry lost
			 * (that flow then goes by its Maglev slot). */
			b->e[w].generation = 0;
			return 1;
		}
	}
	return 0;
}

/* Add n entries emptied in other CPUs' parts to this CPU's XLB_CONNS_FORGOTTEN. */
static __always_inline void ct_count_forgotten(__u32 n)
{
	__u32 key = XLB_CONNS_FORGOTTEN;
	__u64 *forgotten;

	if (!n)
		return;
	forgotten = bpf_map_lookup_elem(&xlb_conns_count, &key);
	if (forgotten)
		*forgotten += n;
}

/* bpf_loop() callback: empty the flow's entry in CPU i's part, unless i is this CPU. */
static long ct_forget_cpu(__u32 i, void *data)
{
	struct ct_forget *pr = data;
	__u32 idx = xlb_conn_index(pr->hash, i, pr->buckets);
	struct xlb_conn_bucket *b;

	if (i == pr->cpu)
		return 0;
	b = bpf_map_lookup_elem(&xlb_conns, &idx);
	if (!b)
		return 1;
	pr->forgotten += ct_forget_in(b, pr->src, pr->sport, pr->dport);
	return 0;
}

/* A SYN's choice replaces its flow's entry everywhere, as one shared table's would: empty the
 * flow's entries in the other CPUs' parts (an earlier connection of the same addresses and
 * ports, whose packets went through another CPU), so that this connection's packets on
 * another CPU copy the new entry (select_backend()) rather than follow the old one. Counted in
 * this CPU's XLB_CONNS_FORGOTTEN (xlb_conns_count). Returns the number emptied. For a table
 * of more than XLB_CONN_FORGET_INLINE parts; ct_forget_few() does the same for fewer.
 *
 * A global function, verified once on its own: inlined into select_backend(), its loop made
 * the verifier give up on xlb_lb ("The sequence of 8193 jumps is too complex"). The verifier
 * hands it f as memory, not stack, so the loop runs over a copy. */
__attribute__((noinline)) int ct_forget_others(const struct ct_forget *f)
{
	struct ct_forget pr;

	if (!f)
		return 0;
	__builtin_memcpy(&pr, f, sizeof(pr));
	pr.forgotten = 0;
	bpf_loop(pr.parts, ct_forget_cpu, &pr, 0);
	ct_count_forgotten(pr.forgotten);
	return (int)pr.forgotten;
}

/* ct_forget_others() for a table of at most XLB_CONN_FORGET_INLINE parts (cfg->conn_parts),
 * the flow p of connection hash `hash` on CPU cpu: one unrolled check of each other part's
 * bucket, with no call. The call and the bpf_loop() cost a repeated SYN as much as the rest of
 * its path on a machine that returns through a safe-RET thunk (docs/benchmarks.md), and tables
 * of a few parts are those of VMs of a few vCPUs, where cross-CPU is on (virtual NICs). */
static __always_inline void ct_forget_few(const struct xlb_config *cfg, __u32 hash,
					  const struct xlb_pkt *p, __u32 cpu)
{
	__u32 n = 0;

#pragma unroll
	for (__u32 i = 0; i < XLB_CONN_FORGET_INLINE; i++) {
		struct xlb_conn_bucket *b;

		if (i >= cfg->conn_parts || i == cpu)
			continue;
		b = ct_bucket(cfg, hash, i);
		if (b)
			n += ct_forget_in(b, p->src, p->sport, p->dport);
	}
	ct_count_forgotten(n);
}

/* Write p's flow -> (backend_id, generation) at tick now into bucket b of this CPU's part,
 * confirmed when `confirmed` (an entry copied from another CPU's part by a non-SYN packet).
 * hit: p's entry in b when the caller found one (it is overwritten), else NULL: then an empty
 * entry, else an unconfirmed one, else the oldest is taken; but a SYN never takes a confirmed
 * entry: a flood of SYNs can only take empty or half-open entries, and a real new connection
 * gets its entry with its first non-SYN packet. Returns 0 when written, -1 when not. */
static __always_inline int ct_insert(struct xlb_conn_bucket *b, struct xlb_conn *hit,
				     const struct xlb_pkt *p, __u32 backend_id, __u32 generation,
				     __u32 now, bool syn, bool confirmed)
{
	struct xlb_conn *v = hit;
	__u64 rank, best = 0;
	__u32 key = XLB_CONNS_FILLED;
	__u64 *filled;

	if (!v) {
		/* The highest rank: empty, then unconfirmed, then confirmed; the oldest first
		 * among equals, the first entry on a tie. */
		v = &b->e[0];
#pragma unroll
		for (int i = 0; i < XLB_CONN_WAYS; i++) {
			struct xlb_conn *e = &b->e[i];

			if (!e->generation)
				rank = 3ULL << 32;
			else
				rank = ((e->tick & XLB_CONN_CONFIRMED) ? 1ULL : 2ULL) << 32 |
				       xlb_conn_age(e, now);
			if (i == 0 || rank > best) {
				best = rank;
				v = e;
			}
		}
		if (!v->generation) {
			filled = bpf_map_lookup_elem(&xlb_conns_count, &key);
			if (filled)
				*filled += 1;
		} else if (syn && (v->tick & XLB_CONN_CONFIRMED)) {
			return -1;
		}
	}
	__builtin_memcpy(v->src, p->src, sizeof(v->src));
	v->sport = p->sport;
	v->dport = p->dport;
	v->tick = confirmed ? now | XLB_CONN_CONFIRMED : now;
	v->backend_id = backend_id;
	v->generation = generation;
	return 0;
}

#endif /* XLB_BPF_CONNTAB_H */
