/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/* xlb_conn.h - the connection table's rules that the data path and userspace must apply alike:
 * where a flow's bucket is, which entry is the flow's, its age, whether an entry may still be
 * followed. One copy for xlb_lb, `lbctl flow|conns` and the tests, so that the CLI says what the
 * data path does (the way xlb_hash.h shares the flow hash). Plain C that BPF and userspace both
 * compile; the layout is in xlb_abi.h.
 */
#ifndef XLB_CONN_H
#define XLB_CONN_H

#include <linux/types.h>
#include "xlb_abi.h"

#define XLB_CONN_INLINE static inline __attribute__((always_inline))

/* Buckets per CPU part for a table of `entries` entries in total over `parts` parts: entries /
 * parts, rounded down to whole buckets, at least one bucket. */
XLB_CONN_INLINE __u32 xlb_conn_buckets(__u32 entries, __u32 parts)
{
	__u32 b = parts ? entries / parts / XLB_CONN_WAYS : 0;

	return b ? b : 1;
}

/* Index in xlb_conns of the bucket of connection hash `hash` (xlb_conn_hash()) in the part of CPU
 * cpu, with `buckets` buckets per part: cpu x buckets + hash x buckets / 2^32 (a multiply, no
 * division, and every bucket count works). */
XLB_CONN_INLINE __u32 xlb_conn_index(__u32 hash, __u32 cpu, __u32 buckets)
{
	return cpu * buckets + (__u32)(((__u64)hash * buckets) >> 32);
}

/* Parts up to which a written SYN empties its flow's entries in the other CPUs' parts inline,
 * one unrolled check per part, rather than through a loop (bpf/conntab.h, ct_forget_few()).
 * Here so that the tests can give a table either shape. */
#define XLB_CONN_FORGET_INLINE 4

/* The tick of coarse clock reading ns (CLOCK_MONOTONIC_COARSE ns): 31 bits. */
XLB_CONN_INLINE __u32 xlb_conn_tick(__u64 ns)
{
	return (__u32)(ns >> XLB_CONN_TICK_SHIFT) & XLB_CONN_TICK_MASK;
}

/* Whether entry c holds the flow of client src:sport to port dport (all be). An empty entry
 * (generation 0) holds none. One branch, not seven: the bucket is one line already read, and
 * the verifier walks every branch of every way of every part's bucket in the all-parts loops
 * ("The sequence of 8193 jumps is too complex" with a compare per field). */
XLB_CONN_INLINE int xlb_conn_match(const struct xlb_conn *c, const __u32 *src, __u16 sport,
				   __u16 dport)
{
	__u32 diff = (c->src[0] ^ src[0]) | (c->src[1] ^ src[1]) | (c->src[2] ^ src[2]) |
		     (c->src[3] ^ src[3]) |
		     (((__u32)c->sport << 16 | c->dport) ^ ((__u32)sport << 16 | dport));

	return (c->generation != 0) & (diff == 0);
}

/* Ticks since entry c's last packet at tick now (both 31 bits; the difference wraps). */
XLB_CONN_INLINE __u32 xlb_conn_age(const struct xlb_conn *c, __u32 now)
{
	return (now - c->tick) & XLB_CONN_TICK_MASK;
}

/* Whether an entry may be followed, and if not, why (lbctl names the reason). */
enum xlb_conn_use {
	XLB_CONN_USABLE = 0,
	XLB_CONN_NO_BACKEND, /* its backend id is out of range */
	XLB_CONN_REASSIGNED, /* the id was freed and handed to another backend (generation) */
	XLB_CONN_OTHER_SERVICE, /* the id now belongs to another service */
	XLB_CONN_DOWN, /* its backend is down (disabled or removed); drain keeps its flows */
};

/* Whether entry c of service svc_id may still be followed to be, the backend its id names
 * now (NULL when the id is out of range). Returns XLB_CONN_USABLE or the reason it is not. */
XLB_CONN_INLINE int xlb_conn_use(const struct xlb_conn *c, const struct xlb_backend *be,
				 __u32 svc_id)
{
	if (!be)
		return XLB_CONN_NO_BACKEND;
	if (be->generation != c->generation)
		return XLB_CONN_REASSIGNED;
	if (be->svc_id != svc_id)
		return XLB_CONN_OTHER_SERVICE;
	if (be->state == XLB_BE_DOWN)
		return XLB_CONN_DOWN;
	return XLB_CONN_USABLE;
}

/* Whether entry c is still fresh at tick now: idle for at most idle_ticks
 * (xlb_config.udp_idle_ticks) ticks since its last packet. idle_ticks 0 stands for "no
 * expiry" (TCP, or no udp_idle_timeout). */
XLB_CONN_INLINE int xlb_conn_fresh(const struct xlb_conn *c, __u32 now, __u32 idle_ticks)
{
	return !idle_ticks || xlb_conn_age(c, now) <= idle_ticks;
}

#endif /* XLB_CONN_H */
