/* SPDX-License-Identifier: GPL-2.0 */
/* select.h - backend selection: the connection table first, the service's Maglev table on a
 * miss, for a TCP SYN, or when the remembered backend can no longer take the flow. */
#ifndef XLB_BPF_SELECT_H
#define XLB_BPF_SELECT_H

#include "maps.h"
#include "parse.h"
#include "xlb_conn.h"
#include "xlb_hash.h"

/* The outcome of selection: the backend to encapsulate to and the flow's hash. */
struct xlb_choice {
	struct xlb_backend *be;
	__u32 backend_id;
	__u32 hash;
};

static __always_inline void conn_key(struct xlb_conn_key *ck, const struct xlb_pkt *p, __u32 svc_id)
{
	__builtin_memset(ck, 0, sizeof(*ck));
	__builtin_memcpy(ck->src, p->src, sizeof(ck->src));
	ck->svc_id = svc_id;
	ck->sport = p->sport;
	ck->dport = p->dport;
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

/* The new-connection flood guard (GCRA per CPU): may another connection entry be written now?
 * Above the configured rate, flows are forwarded by their Maglev slot without an entry, so a
 * flood of new flows cannot evict the entries of established connections. */
static __always_inline bool guard_allows(const struct xlb_config *cfg)
{
	__u64 now, t, *tat, interval = cfg->new_flow_interval_ns;
	__u32 zero = 0;

	if (!interval)
		return true;
	tat = bpf_map_lookup_elem(&xlb_guard, &zero);
	if (!tat)
		return true;
	now = bpf_ktime_get_coarse_ns();
	t = *tat > now ? *tat : now;
	if (t - now > interval * cfg->new_flow_burst)
		return false;
	*tat = t + interval;
	return true;
}

/* Pick the backend for packet p of service svc. Returns a TX_* reason with *ch filled in, or
 * a DROP_* reason. Writes the connection table except for TCP RST and past the flood guard, and
 * skips the write when the entry already says the same thing (a retransmitted SYN).
 *
 * A TCP SYN always re-selects by the Maglev slot, so it reads the table only to skip that
 * rewrite, and only after the guard has let it write: a SYN past the guard (the bulk of a
 * flood of new flows) touches no table entry at all. The guard counts SYNs, retransmitted ones
 * included, not entries written (docs/decisions.md). */
static __always_inline int select_backend(const struct xlb_pkt *p, const struct xlb_svc *svc,
					  const struct xlb_config *cfg, struct xlb_choice *ch)
{
	bool tcp = p->proto == IPPROTO_TCP;
	bool syn = tcp && (p->tcp_flags & (XLB_TCP_SYN | XLB_TCP_ACK)) == XLB_TCP_SYN;
	bool rst = tcp && (p->tcp_flags & XLB_TCP_RST);
	int reason = XLB_R_TX_NEW_FLOW, err;
	struct xlb_conn_key ck;
	struct xlb_backend *be;
	struct xlb_conn *c;
	__u32 now = 0;

	conn_key(&ck, p, svc->id);
	if (!tcp && cfg->udp_idle_ticks)
		now = bpf_ktime_get_coarse_ns() >> XLB_CONN_TICK_SHIFT;

	/* A SYN's lookup would be a cold bucket walk in a large table, wasted whenever the guard
	 * then refuses the write; it is done below, once a write is allowed. */
	c = syn ? NULL : bpf_map_lookup_elem(&xlb_conns, &ck);
	if (c) {
		be = bpf_map_lookup_elem(&xlb_backends, &c->backend_id);
		if (xlb_conn_use(c, be, svc->id) == XLB_CONN_USABLE) {
			if (xlb_conn_fresh(c, now, cfg->udp_idle_ticks)) {
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
	err = maglev_pick(svc, ch->hash, ch);
	if (err)
		return err;
	if (rst)
		return XLB_R_TX_UNTRACKED;
	if (!guard_allows(cfg))
		return XLB_R_TX_FLOOD;
	/* A SYN reads its entry only now, to skip rewriting the same choice (a retransmission);
	 * any other packet came here with its entry already read (missing, unusable or expired). */
	if (syn)
		c = bpf_map_lookup_elem(&xlb_conns, &ck);
	if (c && c->backend_id == ch->backend_id && c->generation == ch->be->generation &&
	    c->last_seen == now)
		return reason;

	struct xlb_conn nc = {
		.backend_id = ch->backend_id,
		.generation = ch->be->generation,
		.hash = ch->hash,
		.last_seen = now,
	};
	bpf_map_update_elem(&xlb_conns, &ck, &nc, BPF_ANY);
	return reason;
}

/* The backend that owns flow f of service svc, as the flow's own packets would find it, but
 * without touching the connection table (for ICMP errors about the flow). Returns 0 with *ch
 * filled in, or a DROP_* reason. */
static __always_inline int select_peek(const struct xlb_pkt *f, const struct xlb_svc *svc,
				       const struct xlb_config *cfg, struct xlb_choice *ch)
{
	struct xlb_conn_key ck;
	struct xlb_backend *be;
	struct xlb_conn *c;

	conn_key(&ck, f, svc->id);
	c = bpf_map_lookup_elem(&xlb_conns, &ck);
	if (c) {
		be = bpf_map_lookup_elem(&xlb_backends, &c->backend_id);
		if (xlb_conn_use(c, be, svc->id) == XLB_CONN_USABLE) {
			ch->be = be;
			ch->backend_id = c->backend_id;
			ch->hash = c->hash;
			return 0;
		}
	}
	ch->hash = xlb_flow_hash(cfg->hash_seed, f->family, f->src, f->dst, f->sport, f->dport,
				 f->proto);
	return maglev_pick(svc, ch->hash, ch);
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
