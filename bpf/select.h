/* SPDX-License-Identifier: GPL-2.0 */
/* select.h - backend selection: the connection table first, the service's Maglev table on a
 * miss, for a TCP SYN, or when the remembered backend can no longer take the flow. */
#ifndef XLB_BPF_SELECT_H
#define XLB_BPF_SELECT_H

#include "maps.h"
#include "parse.h"
#include "xlb_hash.h"

/* The outcome of selection: the backend to encapsulate to and the flow's hash. */
struct xlb_choice {
	struct xlb_backend *be;
	__u32 backend_id;
	__u32 hash;
};

static __always_inline bool conn_usable(const struct xlb_conn *c, const struct xlb_backend *be,
					__u32 svc_id)
{
	/* A generation mismatch means the id was freed and handed to another backend; the
	 * service check covers an id reused by a different service. Drain keeps its flows. */
	return be && be->generation == c->generation && be->svc_id == svc_id &&
	       be->state != XLB_BE_DOWN;
}

/* Pick the backend for packet p of service svc. Returns a TX_* reason with *ch filled in, or
 * a DROP_* reason. Writes the connection table except for TCP RST, and skips the write when the
 * entry already says the same thing (a retransmitted SYN). */
static __always_inline int select_backend(const struct xlb_pkt *p, const struct xlb_svc *svc,
					  const struct xlb_config *cfg, struct xlb_choice *ch)
{
	bool tcp = p->proto == IPPROTO_TCP;
	bool syn = tcp && (p->tcp_flags & (XLB_TCP_SYN | XLB_TCP_ACK)) == XLB_TCP_SYN;
	bool rst = tcp && (p->tcp_flags & XLB_TCP_RST);
	int reason = XLB_R_TX_NEW_FLOW;
	struct xlb_conn_key ck;
	struct xlb_backend *be;
	struct xlb_conn *c;
	__u32 now = 0, slot, *bid;
	void *table;

	__builtin_memset(&ck, 0, sizeof(ck));
	__builtin_memcpy(ck.src, p->src, sizeof(ck.src));
	ck.svc_id = svc->id;
	ck.sport = p->sport;
	ck.dport = p->dport;

	if (!tcp && cfg->udp_idle_s)
		now = bpf_ktime_get_coarse_ns() >> XLB_CONN_TICK_SHIFT;

	c = bpf_map_lookup_elem(&xlb_conns, &ck);
	if (c && !syn) {
		be = bpf_map_lookup_elem(&xlb_backends, &c->backend_id);
		if (conn_usable(c, be, svc->id)) {
			__u32 idle_ticks = ((__u64)cfg->udp_idle_s * 1000000000ULL) >>
					   XLB_CONN_TICK_SHIFT;

			if (!now || now - c->last_seen <= idle_ticks) {
				/* Written only when the tick changed: a per-packet store would
				 * bounce the cache line between CPUs. */
				if (now && c->last_seen != now)
					c->last_seen = now;
				ch->be = be;
				ch->backend_id = c->backend_id;
				ch->hash = c->hash;
				return XLB_R_TX_CONN_HIT;
			}
		}
		reason = XLB_R_TX_RESELECT;
	}

	ch->hash = xlb_flow_hash(cfg->hash_seed, p->family, p->src, p->dst, p->sport, p->dport,
				 p->proto);
	table = bpf_map_lookup_elem(&xlb_tables, &svc->id);
	if (!table)
		return XLB_R_DROP_NO_TABLE;
	/* The inner map's own bound check rejects a slot past its size; a table_size of 0
	 * leaves the hash unchanged (BPF modulo by zero), which that check then rejects too. */
	slot = ch->hash % svc->table_size;
	bid = bpf_map_lookup_elem(table, &slot);
	if (!bid || *bid == XLB_BACKEND_NONE)
		return XLB_R_DROP_NO_BACKEND;
	ch->backend_id = *bid;
	be = bpf_map_lookup_elem(&xlb_backends, &ch->backend_id);
	if (!be || be->state != XLB_BE_UP)
		return XLB_R_DROP_NO_BACKEND;
	ch->be = be;

	if (rst)
		return XLB_R_TX_UNTRACKED;
	if (c && c->backend_id == ch->backend_id && c->generation == be->generation &&
	    c->last_seen == now)
		return reason;

	struct xlb_conn nc = {
		.backend_id = ch->backend_id,
		.generation = be->generation,
		.hash = ch->hash,
		.last_seen = now,
	};
	bpf_map_update_elem(&xlb_conns, &ck, &nc, BPF_ANY);
	return reason;
}

#endif /* XLB_BPF_SELECT_H */
