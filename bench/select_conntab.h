/* SPDX-License-Identifier: GPL-2.0 */
/* select_conntab.h - PROTOTYPE (issue 16): bpf/select.h with its connection table replaced by
 * bench/conntab.h, for the benchmark object bench_ct.bpf.o only. Included before bpf/lb.h: it
 * takes select.h whole under other names for the two functions that read the table, and
 * defines select_backend() and select_peek() over the new table with the same contracts, so
 * that lb.h runs unchanged. Gone when the product converts. */
#ifndef XLB_BENCH_SELECT_CONNTAB_H
#define XLB_BENCH_SELECT_CONNTAB_H

#define select_backend select_backend_lru
#define select_peek select_peek_lru
#include "select.h"
#undef select_backend
#undef select_peek

#include "conntab.h"

/* This CPU's tick: the coarse clock in units of 2^XLB_CONN_TICK_SHIFT ns, 31 bits. */
static __always_inline __u32 ct_now(void)
{
	return (__u32)(bpf_ktime_get_coarse_ns() >> XLB_CONN_TICK_SHIFT) & XLB_CT_TICK_MASK;
}

/* Whether entry c may be followed for service svc_id: usable backend, and for UDP not idle
 * past the configured time. Fills ch on yes. */
static __always_inline bool ct_follow(const struct xlb_ct_entry *c, __u32 svc_id, bool udp_expiry,
				      const struct xlb_config *cfg, __u32 now,
				      struct xlb_choice *ch)
{
	struct xlb_conn view = { .generation = c->generation };
	struct xlb_backend *be;

	ch->backend_id = c->backend_id;
	be = bpf_map_lookup_elem(&xlb_backends, &ch->backend_id);
	if (xlb_conn_use(&view, be, svc_id) != XLB_CONN_USABLE)
		return false;
	if (udp_expiry && ct_age(c, now) > cfg->udp_idle_ticks)
		return false;
	ch->be = be;
	return true;
}

/* Pick the backend for packet p of service svc, as select.h's select_backend() (same
 * contract), over the per-CPU bucket table. A first fragment also looks in the other CPUs'
 * parts (its RSS hash is not its flow's). A SYN whose bucket holds two confirmed entries goes
 * untracked (XLB_R_TX_UNTRACKED) by its Maglev slot. */
static __always_inline int select_backend(const struct xlb_pkt *p, const struct xlb_svc *svc,
					  const struct xlb_config *cfg, struct xlb_choice *ch)
{
	bool tcp = p->proto == IPPROTO_TCP;
	bool syn = tcp && (p->tcp_flags & (XLB_TCP_SYN | XLB_TCP_ACK)) == XLB_TCP_SYN;
	bool rst = tcp && (p->tcp_flags & XLB_TCP_RST);
	bool udp_expiry = !tcp && cfg->udp_idle_ticks;
	int reason = XLB_R_TX_NEW_FLOW, err;
	__u32 now = ct_now(), cpu = bpf_get_smp_processor_id();
	struct xlb_ct_entry *c = NULL;
	struct xlb_ct_bucket *b;
	bool local = false;

	ch->hash = xlb_flow_hash(cfg->hash_seed, p->family, p->src, p->dst, p->sport, p->dport,
				 p->proto);
	b = ct_bucket(ch->hash, cpu);
	if (b && !syn) {
		c = ct_find(b, p);
		local = c != NULL;
		if (!c && p->frag == XLB_FRAG_FIRST)
			c = ct_find_any(ch->hash, p, now);
		if (c) {
			if (ct_follow(c, svc->id, udp_expiry, cfg, now, ch)) {
				/* Written only when it changes (a new tick, or the first
				 * confirmation), and never in another CPU's part. */
				if (local && c->tick != (now | XLB_CT_CONFIRMED))
					c->tick = now | XLB_CT_CONFIRMED;
				return XLB_R_TX_CONN_HIT;
			}
			reason = XLB_R_TX_RESELECT;
			if (!local)
				c = NULL;
		}
	}

	err = maglev_pick(svc, ch->hash, ch);
	if (err)
		return err;
	if (rst)
		return XLB_R_TX_UNTRACKED;
	if (!guard_allows(cfg))
		return XLB_R_TX_FLOOD;
	if (!b)
		return XLB_R_TX_UNTRACKED;
	if (syn)
		c = ct_find(b, p);
	if (c && c->backend_id == ch->backend_id && c->generation == ch->be->generation &&
	    (c->tick & XLB_CT_TICK_MASK) == now)
		return reason;
	if (ct_insert(b, c, p, ch->backend_id, ch->be->generation, now, syn))
		return XLB_R_TX_UNTRACKED;
	return reason;
}

/* The backend that owns flow f of service svc, as select.h's select_peek() (same contract):
 * the most recent entry of the flow in any CPU's part (an ICMP error's RSS hash is not its
 * flow's), else the Maglev slot. */
static __always_inline int select_peek(const struct xlb_pkt *f, const struct xlb_svc *svc,
				       const struct xlb_config *cfg, struct xlb_choice *ch)
{
	__u32 now = ct_now();
	struct xlb_ct_entry *c;

	ch->hash = xlb_flow_hash(cfg->hash_seed, f->family, f->src, f->dst, f->sport, f->dport,
				 f->proto);
	c = ct_find_any(ch->hash, f, now);
	if (c && ct_follow(c, svc->id, false, cfg, now, ch))
		return 0;
	return maglev_pick(svc, ch->hash, ch);
}

#endif /* XLB_BENCH_SELECT_CONNTAB_H */
