/* SPDX-License-Identifier: GPL-2.0 */
/* select_lru.h - the PREVIOUS connection table, for the benchmark's same-run A/B only
 * (bench_lru.bpf.o, dataplane_bench -c): the kernel's LRU hash with a 24-byte key (client,
 * service, ports) and a 16-byte value, BPF_F_NO_COMMON_LRU, as xlb_lb used it up to ABI 5.
 * Included before bpf/lb.h: it takes bpf/select.h whole under other names for the two functions
 * that read the table, and defines select_backend() and select_peek() over the LRU hash with
 * the same contracts, so that lb.h runs unchanged. The one copy of the old selection: the
 * product's is bpf/select.h over bpf/conntab.h. Its key and value are declared here, not in
 * include/: no map of the product has them. */
#ifndef XLB_BENCH_SELECT_LRU_H
#define XLB_BENCH_SELECT_LRU_H

#define select_backend select_backend_buckets
#define select_peek select_peek_buckets
#include "select.h"
#undef select_backend
#undef select_peek

/* Key of xlb_conns_lru: one client flow of one service. Zeroed before it is filled. */
struct lru_conn_key {
	__u32 src[4]; /* be: client address */
	__u32 svc_id;
	__u16 sport; /* be */
	__u16 dport; /* be */
};

/* Value of xlb_conns_lru. */
struct lru_conn {
	__u32 backend_id;
	__u32 generation;
	__u32 hash; /* the flow hash, so that a hit needs no rehash */
	__u32 last_seen; /* UDP: tick of the last packet; TCP: 0 */
};

_Static_assert(sizeof(struct lru_conn_key) == 24, "lru_conn_key layout");
_Static_assert(sizeof(struct lru_conn) == 16, "lru_conn layout");

/* Sized by the benchmark (entries in total, max_entries / CPUs per CPU's LRU list). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(map_flags, BPF_F_NO_COMMON_LRU);
	__uint(max_entries, 1024);
	__type(key, struct lru_conn_key);
	__type(value, struct lru_conn);
} xlb_conns_lru SEC(".maps");

static __always_inline void lru_key(struct lru_conn_key *ck, const struct xlb_pkt *p, __u32 svc_id)
{
	__builtin_memset(ck, 0, sizeof(*ck));
	__builtin_memcpy(ck->src, p->src, sizeof(ck->src));
	ck->svc_id = svc_id;
	ck->sport = p->sport;
	ck->dport = p->dport;
}

/* Whether entry c may be followed for service svc_id (xlb_conn_use()'s rule). */
static __always_inline bool lru_usable(const struct lru_conn *c, const struct xlb_backend *be,
				       __u32 svc_id)
{
	return be && be->generation == c->generation && be->svc_id == svc_id &&
	       be->state != XLB_BE_DOWN;
}

/* select.h's select_backend() (same contract) over the LRU hash, as it was at ABI 5. */
static __always_inline int select_backend(const struct xlb_pkt *p, const struct xlb_svc *svc,
					  const struct xlb_config *cfg, struct xlb_choice *ch)
{
	bool tcp = p->proto == IPPROTO_TCP;
	bool syn = tcp && (p->tcp_flags & (XLB_TCP_SYN | XLB_TCP_ACK)) == XLB_TCP_SYN;
	bool rst = tcp && (p->tcp_flags & XLB_TCP_RST);
	int reason = XLB_R_TX_NEW_FLOW, err;
	struct lru_conn_key ck;
	struct xlb_backend *be;
	struct lru_conn *c;
	__u32 now = 0;

	lru_key(&ck, p, svc->id);
	if (!tcp && cfg->udp_idle_ticks)
		now = bpf_ktime_get_coarse_ns() >> XLB_CONN_TICK_SHIFT;
	c = syn ? NULL : bpf_map_lookup_elem(&xlb_conns_lru, &ck);
	if (c) {
		be = bpf_map_lookup_elem(&xlb_backends, &c->backend_id);
		if (lru_usable(c, be, svc->id) &&
		    (!now || now - c->last_seen <= cfg->udp_idle_ticks)) {
			if (now && c->last_seen != now)
				c->last_seen = now;
			ch->be = be;
			ch->backend_id = c->backend_id;
			ch->hash = c->hash;
			return XLB_R_TX_CONN_HIT;
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
	if (!guard_allows(cfg, bpf_ktime_get_coarse_ns()))
		return XLB_R_TX_FLOOD;
	if (syn)
		c = bpf_map_lookup_elem(&xlb_conns_lru, &ck);
	if (c && c->backend_id == ch->backend_id && c->generation == ch->be->generation &&
	    c->last_seen == now)
		return reason;

	struct lru_conn nc = {
		.backend_id = ch->backend_id,
		.generation = ch->be->generation,
		.hash = ch->hash,
		.last_seen = now,
	};
	bpf_map_update_elem(&xlb_conns_lru, &ck, &nc, BPF_ANY);
	return reason;
}

/* select.h's select_peek() (same contract) over the LRU hash. */
static __always_inline int select_peek(const struct xlb_pkt *f, const struct xlb_svc *svc,
				       const struct xlb_config *cfg, struct xlb_choice *ch)
{
	struct lru_conn_key ck;
	struct xlb_backend *be;
	struct lru_conn *c;

	lru_key(&ck, f, svc->id);
	c = bpf_map_lookup_elem(&xlb_conns_lru, &ck);
	if (c) {
		be = bpf_map_lookup_elem(&xlb_backends, &c->backend_id);
		if (lru_usable(c, be, svc->id)) {
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

#endif /* XLB_BENCH_SELECT_LRU_H */
