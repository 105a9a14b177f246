/* SPDX-License-Identifier: GPL-2.0 */
/* select.h - backend selection: the connection table (conntab.h) first, the service's Maglev
 * table on a miss, for a TCP SYN, or when the remembered backend can no longer take the flow. */
#ifndef XLB_BPF_SELECT_H
#define XLB_BPF_SELECT_H

#include "maps.h"
#include "parse.h"
#include "conntab.h"
#include "xlb_hash.h"

/* The outcome of selection: the backend to encapsulate to and the flow's connection hash
 * (xlb_conn_hash(): its bucket, and the entropy of the outer headers). */
struct xlb_choice {
	struct xlb_backend *be;
	__u32 backend_id;
	__u32 hash;
};

/* The flow hash of p (xlb_flow_hash()): its Maglev slot. */
static __always_inline __u32 flow_hash(const struct xlb_config *cfg, const struct xlb_pkt *p)
{
	return xlb_flow_hash(cfg->hash_seed, p->family, p->src, p->dst, p->sport, p->dport,
			     p->proto);
}

/* Slot hash % M of the service's Maglev table: one lookup of the slot's chunk, then its id.
 * Returns 0 with ch->be and ch->backend_id set, or the DROP_* reason. */
static __always_inline int maglev_pick(const struct xlb_svc *svc, __u32 hash, struct xlb_choice *ch)
{
	struct xlb_table_chunk *chunk;
	struct xlb_backend *be;
	__u32 slot, idx, bid;
	void *table;

	table = bpf_map_lookup_elem(&xlb_tables, &svc->id);
	if (!table)
		return XLB_R_DROP_NO_TABLE;
	/* The inner map's own bound check rejects a chunk past the table, and the padding after
	 * slot M-1 in the last chunk is XLB_BACKEND_NONE. A table_size of 0 (never written by
	 * xlbd) leaves the hash unchanged (BPF modulo by zero): it is then the slot, as above. */
	slot = hash % svc->table_size;
	idx = slot / XLB_TABLE_CHUNK_SLOTS;
	chunk = bpf_map_lookup_elem(table, &idx);
	if (!chunk)
		return XLB_R_DROP_NO_BACKEND;
	/* A power of two: the index is slot & 1023, within the chunk for the verifier. */
	bid = chunk->id[slot % XLB_TABLE_CHUNK_SLOTS];
	if (bid == XLB_BACKEND_NONE)
		return XLB_R_DROP_NO_BACKEND;
	ch->backend_id = bid;
	be = bpf_map_lookup_elem(&xlb_backends, &ch->backend_id);
	if (!be || be->state != XLB_BE_UP)
		return XLB_R_DROP_NO_BACKEND;
	ch->be = be;
	return 0;
}

/* The new-connection flood guard (GCRA per CPU): may another connection entry be written at
 * coarse clock reading now (ns, the packet's one read: select_backend())? Above the configured
 * rate, flows are forwarded by their Maglev slot without an entry, so a flood of new flows
 * cannot evict the entries of established connections. */
static __always_inline bool guard_allows(const struct xlb_config *cfg, __u64 now)
{
	__u64 t, *tat, interval = cfg->new_flow_interval_ns;
	__u32 zero = 0;

	if (!interval)
		return true;
	tat = bpf_map_lookup_elem(&xlb_guard, &zero);
	if (!tat)
		return true;
	t = *tat > now ? *tat : now;
	if (t - now > interval * cfg->new_flow_burst)
		return false;
	*tat = t + interval;
	return true;
}

/* Whether entry c may be followed for service svc_id: a usable backend, and for UDP not idle
 * past the configured time. Fills ch's backend on yes. */
static __always_inline bool ct_follow(const struct xlb_conn *c, __u32 svc_id, bool udp_expiry,
				      const struct xlb_config *cfg, __u32 now,
				      struct xlb_choice *ch)
{
	struct xlb_backend *be;

	ch->backend_id = c->backend_id;
	be = bpf_map_lookup_elem(&xlb_backends, &ch->backend_id);
	if (xlb_conn_use(c, be, svc_id) != XLB_CONN_USABLE)
		return false;
	if (udp_expiry && !xlb_conn_fresh(c, now, cfg->udp_idle_ticks))
		return false;
	ch->be = be;
	return true;
}

/* Pick the backend for packet p of service svc. Returns a TX_* reason with *ch filled in, or
 * a DROP_* reason. Looks in this CPU's bucket of the flow. When its entry is missing or may
 * not be followed here (an idle UDP entry, a reassigned backend), a packet other than a SYN
 * also looks in the other CPUs' parts, once the flood guard lets it (a flood of spoofed
 * packets then costs no probe; the token is the one a write would take): its flow may be live
 * on another CPU (an RSS change; a veth, which runs XDP on the sending CPU; a first fragment or
 * a RST, whose RSS hash is not its flow's). It follows the most recently used entry it finds
 * there when that one may be followed, and copies it into this CPU's part, except a first
 * fragment and a RST, which only follow; with XLB_CFG_F_CPU_LOCAL only these two look (the
 * flows stay on their CPUs, so a miss is a new flow or a lost entry). Writes
 * this CPU's part except for TCP RST and past the flood guard, and skips the write when the
 * entry already says the same thing in this tick (a retransmitted SYN). An entry's tick is
 * rewritten only when it changes.
 *
 * A TCP SYN always re-selects by the Maglev slot, so it reads its entry only to skip that
 * rewrite, and only after the guard has let it write: a SYN past the guard (the bulk of a
 * flood of new flows) touches no entry. A SYN whose bucket holds only confirmed entries
 * evicts none: it goes untracked (XLB_R_TX_UNTRACKED) by its slot, and the connection gets its
 * entry with its first ACK. The guard counts SYNs, retransmitted ones included, not entries
 * written (docs/decisions.md). */
static __always_inline int select_backend(const struct xlb_pkt *p, const struct xlb_svc *svc,
					  const struct xlb_config *cfg, struct xlb_choice *ch)
{
	bool tcp = p->proto == IPPROTO_TCP;
	bool syn = tcp && (p->tcp_flags & (XLB_TCP_SYN | XLB_TCP_ACK)) == XLB_TCP_SYN;
	bool rst = tcp && (p->tcp_flags & XLB_TCP_RST);
	bool udp_expiry = !tcp && cfg->udp_idle_ticks;
	int reason = XLB_R_TX_NEW_FLOW, err, allowed = -1; /* -1: the guard not asked yet */
	/* The coarse clock once per packet: the tick and the guard both read it. */
	__u64 now_ns = bpf_ktime_get_coarse_ns();
	__u32 now = xlb_conn_tick(now_ns), cpu = bpf_get_smp_processor_id();
	struct xlb_conn *c = NULL;
	struct xlb_conn_bucket *b;

	ch->hash = xlb_conn_hash(cfg->hash_seed, p->family, p->src, p->dst, p->sport, p->dport,
				 p->proto);
	b = ct_bucket(cfg, ch->hash, cpu);
	if (b && !syn) {
		c = ct_find(b, p);
		if (c && ct_follow(c, svc->id, udp_expiry, cfg, now, ch)) {
			/* Written only when it changes (a new tick, or the first confirmation). */
			if (c->tick != (now | XLB_CONN_CONFIRMED))
				c->tick = now | XLB_CONN_CONFIRMED;
			return XLB_R_TX_CONN_HIT;
		}
		if (c)
			reason = XLB_R_TX_RESELECT;
		if (cfg->conn_parts > 1 &&
		    (!(cfg->flags & XLB_CFG_F_CPU_LOCAL) || p->frag == XLB_FRAG_FIRST || rst))
			allowed = guard_allows(cfg, now_ns);
		/* One probe, inlined once: the verifier's state count grows with each copy. */
		if (allowed > 0) {
			struct xlb_conn *o = ct_find_any(cfg, ch->hash, p, now);

			if (o && o != c) {
				if (ct_follow(o, svc->id, udp_expiry, cfg, now, ch)) {
					/* Never written in another CPU's part. */
					if (p->frag != XLB_FRAG_FIRST && !rst)
						ct_insert(b, c, p, ch->backend_id,
							  ch->be->generation, now, false, true);
					return XLB_R_TX_CONN_HIT;
				}
				/* The flow's entry elsewhere may not be followed either. */
				reason = XLB_R_TX_RESELECT;
			}
		}
	}

	err = maglev_pick(svc, flow_hash(cfg, p), ch);
	if (err)
		return err;
	if (rst)
		return XLB_R_TX_UNTRACKED;
	if (allowed < 0)
		allowed = guard_allows(cfg, now_ns);
	if (!allowed)
		return XLB_R_TX_FLOOD;
	if (!b)
		return XLB_R_TX_UNTRACKED;
	/* A SYN reads its entry only now, to skip rewriting the same choice (a retransmission);
	 * any other packet came here with its entry already read (missing, unusable or expired).
	 * A SYN's choice also replaces the flow's entries in the other CPUs' parts (unless
	 * XLB_CFG_F_CPU_LOCAL says flows stay on their CPU; inline for a table of a few parts):
	 * those first, then this CPU's bucket, so that the loads of the two cold buckets of a new
	 * flow overlap (the other way round they did not: a written SYN cost one cache miss more).
	 */
	if (syn) {
		bool forget = cfg->conn_parts > 1 && !(cfg->flags & XLB_CFG_F_CPU_LOCAL);

		if (forget && cfg->conn_parts <= XLB_CONN_FORGET_INLINE) {
			ct_forget_few(cfg, ch->hash, p, cpu);
		} else if (forget) {
			struct ct_forget f = { .sport = p->sport,
					       .dport = p->dport,
					       .hash = ch->hash,
					       .buckets = cfg->conn_buckets,
					       .parts = cfg->conn_parts,
					       .cpu = cpu };

			__builtin_memcpy(f.src, p->src, sizeof(f.src));
			ct_forget_others(&f);
		}
		c = ct_find(b, p);
	}
	if (c && c->backend_id == ch->backend_id && c->generation == ch->be->generation &&
	    (c->tick & XLB_CONN_TICK_MASK) == now)
		return reason;
	if (ct_insert(b, c, p, ch->backend_id, ch->be->generation, now, syn, false))
		return XLB_R_TX_UNTRACKED;
	return reason;
}

/* The backend that owns flow f of service svc, as the flow's own packets would find it, but
 * without writing the connection table (for ICMP errors about the flow): the most recently
 * used entry of the flow in any CPU's part (an ICMP error's RSS hash is not its flow's), idle
 * or not, else the Maglev slot. With more than one part the look takes a flood-guard token (a
 * cold bucket per CPU for each spoofed error otherwise); past the guard, the Maglev slot.
 * Returns 0 with *ch filled in, or a DROP_* reason. */
static __always_inline int select_peek(const struct xlb_pkt *f, const struct xlb_svc *svc,
				       const struct xlb_config *cfg, struct xlb_choice *ch)
{
	__u64 now_ns = bpf_ktime_get_coarse_ns();
	__u32 now = xlb_conn_tick(now_ns);
	struct xlb_conn *c = NULL;

	ch->hash = xlb_conn_hash(cfg->hash_seed, f->family, f->src, f->dst, f->sport, f->dport,
				 f->proto);
	if (cfg->conn_parts <= 1 || guard_allows(cfg, now_ns))
		c = ct_find_any(cfg, ch->hash, f, now);
	if (c && ct_follow(c, svc->id, false, cfg, now, ch))
		return 0;
	return maglev_pick(svc, flow_hash(cfg, f), ch);
}

/* Find the service of (addr, port, proto, family): the exact port first, then port 0 when the
 * configuration says a port-0 service exists. */
static __always_inline struct xlb_svc *service_lookup(const __u32 *addr, __u16 port, __u8 proto,
						      __u8 family, const struct xlb_config *cfg)
{
	struct xlb_svc_key sk;
	struct xlb_svc *svc;

	__builtin_memset(&sk, 0, sizeof(sk));
	__builtin_memcpy(sk.addr, addr, sizeof(sk.addr));
	sk.port = port;
	sk.proto = proto;
	sk.family = family;
	svc = bpf_map_lookup_elem(&xlb_services, &sk);
	if (!svc && (cfg->flags & XLB_CFG_F_WILDCARD)) {
		sk.port = 0;
		svc = bpf_map_lookup_elem(&xlb_services, &sk);
	}
	return svc;
}

/* The VIP entry of address addr, or NULL when it is not a VIP. */
static __always_inline struct xlb_vip *vip_lookup(const __u32 *addr, __u8 family)
{
	struct xlb_vip_key vk;

	__builtin_memset(&vk, 0, sizeof(vk));
	__builtin_memcpy(vk.addr, addr, sizeof(vk.addr));
	vk.family = family;
	return bpf_map_lookup_elem(&xlb_vips, &vk);
}

#endif /* XLB_BPF_SELECT_H */
