// SPDX-License-Identifier: GPL-2.0
/* state.c - desired state into maps: see state.h.
 *
 * Write order, so that the data path never sees something half-made:
 *   backend entries that become usable -> the new table (swapped whole) -> VIP entry ->
 *   service entry; and in reverse when things go away: service entry -> table -> backend
 *   entries (marked down and freed) -> VIP entry.
 * A freed backend id keeps its generation; its next owner gets generation + 1, so connection
 * entries that still name the id are re-selected instead of reaching the new owner. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "maglev.h"
#include "members.h"
#include "state.h"

#define SVC_NONE UINT32_MAX /* xlb_backend.svc_id of a free backend id */

struct svc_slot {
	bool used;
	struct xlb_svc_key key;
	__u32 m;
	bool has_table;
	__u64 inputs; /* fingerprint of what the current table was built from; 0 = unknown */
	bool seen; /* used during one apply */
	bool fail_open; /* too few healthy backends: the last good table kept (min_healthy) */
	__u32 n_healthy; /* enabled backends passing their checks at the last apply */
	__u64 table_fp; /* maglev_fingerprint() of the table in the map, 0 = none known */
	__u64 rebuilds; /* tables built and swapped in since the slot holds this service */
	struct prom_histo rebuild_seconds; /* how long each of those took (build + swap) */
};

/* Upper bounds of the rebuild-duration histogram, in seconds: 65537 slots build in about a
 * millisecond, 655373 slots for 1000 backends in tens of milliseconds. */
static const double REBUILD_BOUNDS[] = { 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005,
					 0.01,	 0.025,	  0.05,	  0.1,	 0.25,	 1 };

/* Give slot s to a new service: nothing of its predecessor's (fingerprint, counts) stays. */
static void slot_init(struct svc_slot *s)
{
	memset(s, 0, sizeof(*s));
	s->used = true;
	prom_histo_init(&s->rebuild_seconds, REBUILD_BOUNDS,
			sizeof(REBUILD_BOUNDS) / sizeof(REBUILD_BOUNDS[0]));
}

struct xlbd_state {
	struct dp *dp;
	struct xlb_conf conf;
	struct svc_slot svcs[XLB_MAX_SERVICES];
	struct xlb_backend *bes; /* XLB_MAX_BACKENDS entries, as in the map */
	bool *be_seen; /* used during one apply */
	bool *good; /* per backend id: up in its service's last table with enough healthy
		     * backends, i.e. in the "last good table" a failing-open service keeps */
	__u32 *table; /* scratch for one Maglev table */
	__u32 *scratch_ids; /* scratch: the backend ids of one service */
	__u32 alloc_hint; /* where the next free backend id is looked for */
	struct maglev_backend *mb; /* scratch: the inputs of one table */
	struct xlbd_apply_stats stats;
};

static bool be_used(const struct xlbd_state *st, __u32 id)
{
	const struct xlb_backend *b = &st->bes[id];

	return b->generation && b->svc_id < XLB_MAX_SERVICES && st->svcs[b->svc_id].used;
}

static int adopt_service(const struct xlb_svc_key *key, const struct xlb_svc *svc, void *ctx)
{
	struct xlbd_state *st = ctx;
	struct svc_slot *s;

	if (svc->id >= XLB_MAX_SERVICES)
		return 0; /* not ours to understand: the next apply deletes its key */
	s = &st->svcs[svc->id];
	slot_init(s);
	s->key = *key;
	s->m = svc->table_size;
	s->has_table = dp_table_read(st->dp, svc->id, svc->table_size, NULL, NULL) == 0;
	return 0;
}

int state_init(struct xlbd_state **out, struct dp *dp)
{
	struct xlbd_state *st = calloc(1, sizeof(*st));
	int ret = -ENOMEM;

	if (!st)
		return -ENOMEM;
	st->dp = dp;
	xlb_conf_init(&st->conf);
	st->bes = calloc(XLB_MAX_BACKENDS, sizeof(*st->bes));
	st->be_seen = calloc(XLB_MAX_BACKENDS, sizeof(*st->be_seen));
	st->good = calloc(XLB_MAX_BACKENDS, sizeof(*st->good));
	st->table = calloc(XLB_MAX_TABLE_SIZE, sizeof(*st->table));
	st->mb = calloc(XLB_MAX_BACKENDS, sizeof(*st->mb));
	st->scratch_ids = calloc(XLB_MAX_BACKENDS, sizeof(*st->scratch_ids));
	if (!st->bes || !st->be_seen || !st->good || !st->table || !st->mb || !st->scratch_ids)
		goto err;
	ret = dp_service_foreach(dp, adopt_service, st);
	for (__u32 id = 1; !ret && id < XLB_MAX_BACKENDS; id++)
		ret = dp_backend_read(dp, id, &st->bes[id]);
	if (ret)
		goto err;
	/* Adopted: what the data path sends traffic to is the best guess of the last good table. */
	for (__u32 id = 1; id < XLB_MAX_BACKENDS; id++)
		st->good[id] = be_used(st, id) && st->bes[id].state == XLB_BE_UP;
	*out = st;
	return 0;
err:
	state_free(st);
	return ret;
}

void state_free(struct xlbd_state *st)
{
	if (!st)
		return;
	xlb_conf_free(&st->conf);
	free(st->bes);
	free(st->be_seen);
	free(st->good);
	free(st->table);
	free(st->mb);
	free(st->scratch_ids);
	free(st);
}

const struct xlb_conf *state_conf(const struct xlbd_state *st)
{
	return &st->conf;
}

const struct xlbd_apply_stats *state_last_apply(const struct xlbd_state *st)
{
	return &st->stats;
}

/* ---- helpers ---- */

static void svc_key_of(const struct xlb_conf_service *s, struct xlb_svc_key *k)
{
	memset(k, 0, sizeof(*k));
	memcpy(k->addr, s->ref.vip.addr, sizeof(k->addr));
	k->family = s->ref.vip.family;
	k->port = htons(s->ref.port);
	k->proto = s->ref.proto;
}

static void vip_key_of(const struct xlb_addr *a, struct xlb_vip_key *k)
{
	memset(k, 0, sizeof(*k));
	memcpy(k->addr, a->addr, sizeof(k->addr));
	k->family = a->family;
}

static int find_svc(const struct xlbd_state *st, const struct xlb_svc_key *k)
{
	for (int i = 0; i < XLB_MAX_SERVICES; i++)
		if (st->svcs[i].used && !memcmp(&st->svcs[i].key, k, sizeof(*k)))
			return i;
	return -1;
}

static int free_svc_id(const struct xlbd_state *st)
{
	for (int i = 0; i < XLB_MAX_SERVICES; i++)
		if (!st->svcs[i].used)
			return i;
	return -1;
}

/* The ids of the backends of service svc_id, into ids (room for XLB_MAX_BACKENDS); returns how
 * many. One pass over the table per service keeps an apply linear in the backends. */
static size_t service_backends(const struct xlbd_state *st, __u32 svc_id, __u32 *ids)
{
	size_t n = 0;

	for (__u32 id = 1; id < XLB_MAX_BACKENDS; id++)
		if (st->bes[id].svc_id == svc_id && be_used(st, id))
			ids[n++] = id;
	return n;
}

/* Among ids[0..n), the backend with address a, or 0. */
static __u32 find_backend_in(const struct xlbd_state *st, const __u32 *ids, size_t n,
			     const struct xlb_addr *a)
{
	for (size_t i = 0; i < n; i++) {
		const struct xlb_backend *b = &st->bes[ids[i]];

		if (b->family == a->family && !memcmp(b->addr, a->addr, sizeof(b->addr)))
			return ids[i];
	}
	return 0;
}

static __u32 count_free_backends(const struct xlbd_state *st)
{
	__u32 n = 0;

	for (__u32 id = 1; id < XLB_MAX_BACKENDS; id++)
		n += !be_used(st, id);
	return n;
}

/* Claim the lowest free backend id above the last claim of this apply (so that claiming many
 * ids stays linear); the caller writes the entry. */
static __u32 alloc_backend(struct xlbd_state *st, __u32 svc_id)
{
	for (__u32 k = 0; k < XLB_MAX_BACKENDS - 1; k++) {
		__u32 id = (st->alloc_hint + k) % (XLB_MAX_BACKENDS - 1) + 1;
		struct xlb_backend *b = &st->bes[id];

		if (be_used(st, id) || st->be_seen[id])
			continue;
		st->alloc_hint = id;
		st->good[id] = false;
		b->generation = b->generation + 1 ? b->generation + 1 : 1;
		b->svc_id = svc_id;
		st->be_seen[id] = true;
		return id;
	}
	return 0;
}

static int write_backend(struct xlbd_state *st, __u32 id, const struct xlb_backend *nb)
{
	int ret;

	if (!memcmp(&st->bes[id], nb, sizeof(*nb)))
		return 0;
	ret = dp_backend_write(st->dp, id, nb);
	if (!ret) {
		st->bes[id] = *nb;
		st->stats.backends_written++;
	}
	return ret;
}

/* Mark id down and free; its generation stays for the next owner to bump. */
static int release_backend(struct xlbd_state *st, __u32 id)
{
	struct xlb_backend nb = st->bes[id];

	nb.state = XLB_BE_DOWN;
	nb.svc_id = SVC_NONE;
	nb.weight = 0;
	st->good[id] = false; /* deleted: never back through a last good table */
	st->stats.backends_freed++;
	return write_backend(st, id, &nb);
}

/* FNV-1a over what a table is built from: M and the sorted (family, addr, weight, id). */
static __u64 inputs_fingerprint(const struct maglev_backend *mb, size_t n, __u32 m)
{
	__u64 h = 0xcbf29ce484222325ULL;
	const __u8 *p;

	h = (h ^ m) * 0x100000001b3ULL;
	for (size_t i = 0; i < n; i++) {
		struct {
			__u32 addr[4];
			__u32 weight, id;
			__u8 family;
		} rec = { .weight = mb[i].weight, .id = mb[i].id, .family = mb[i].family };

		memcpy(rec.addr, mb[i].addr, sizeof(rec.addr));
		p = (const __u8 *)&rec;
		for (size_t j = 0; j < sizeof(rec); j++)
			h = (h ^ p[j]) * 0x100000001b3ULL;
	}
	return h ? h : 1;
}

static int cmp_mb(const void *a, const void *b)
{
	const struct maglev_backend *x = a, *y = b;

	if (x->family != y->family)
		return x->family < y->family ? -1 : 1;
	return memcmp(x->addr, y->addr, sizeof(x->addr));
}

/* Rebuild and swap the table of svc_id when its inputs (the n wanted entries that are up) differ
 * from what built it. On the first apply after adoption those are unknown: the table in the map
 * is compared with the one the inputs build, and kept when equal. */
static int sync_table(struct xlbd_state *st, __u32 svc_id, const __u32 *ids,
		      const struct xlb_backend *want, size_t n_want)
{
	struct svc_slot *s = &st->svcs[svc_id];
	struct timespec t0, t1;
	size_t n = 0;
	__u64 fp;
	int ret;

	for (size_t i = 0; i < n_want; i++) {
		if (want[i].state != XLB_BE_UP)
			continue;
		memset(&st->mb[n], 0, sizeof(st->mb[n]));
		memcpy(st->mb[n].addr, want[i].addr, sizeof(want[i].addr));
		st->mb[n].family = want[i].family;
		st->mb[n].weight = want[i].weight;
		st->mb[n].id = ids[i];
		n++;
	}
	qsort(st->mb, n, sizeof(*st->mb), cmp_mb);
	fp = inputs_fingerprint(st->mb, n, s->m);
	if (s->has_table && s->inputs == fp) {
		st->stats.tables_kept++;
		return 0;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ret = maglev_build(st->mb, n, st->table, s->m);
	if (ret)
		return ret;
	if (s->has_table && !s->inputs) {
		__u32 *cur = malloc(sizeof(__u32) * s->m);

		if (!cur)
			return -ENOMEM;
		ret = dp_table_read(st->dp, svc_id, s->m, cur, NULL);
		if (!ret && !memcmp(cur, st->table, sizeof(__u32) * s->m)) {
			free(cur);
			s->inputs = fp;
			s->table_fp = maglev_fingerprint(st->table, s->m, st->mb, n);
			st->stats.tables_kept++;
			return 0;
		}
		free(cur);
	}
	ret = dp_table_swap(st->dp, svc_id, st->table, s->m, NULL);
	if (ret)
		return ret;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	s->has_table = true;
	s->inputs = fp;
	s->table_fp = maglev_fingerprint(st->table, s->m, st->mb, n);
	s->rebuilds++;
	prom_histo_observe(&s->rebuild_seconds, (double)(t1.tv_sec - t0.tv_sec) +
							(double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	st->stats.tables_built++;
	return 0;
}

/* ---- the steps of one apply ---- */

static void desired_config(const struct xlb_conf *c, const struct xlbd_runtime *rt, bool wildcard,
			   struct xlb_config *out)
{
	memset(out, 0, sizeof(*out));
	out->abi_version = XLB_ABI_VERSION;
	out->flags = wildcard ? XLB_CFG_F_WILDCARD : 0;
	out->hash_seed = rt->hash_seed;
	if (c->tunnel_source.family)
		out->src_v4 = c->tunnel_source.addr[0];
	if (c->tunnel_source_v6.family)
		memcpy(out->src_v6, c->tunnel_source_v6.addr, sizeof(out->src_v6));
	memcpy(out->gw_mac, rt->gw_mac, sizeof(out->gw_mac));
	out->rss_bits_v4 = c->rss_bits;
	out->rss_bits_v6 = c->rss_bits_v6;
	out->mtu = (__u16)c->mtu;
	out->udp_idle_ticks = xlb_udp_idle_ticks(c->udp_idle_timeout);
	out->new_flow_interval_ns = c->new_flow_rate ? 1000000000U / c->new_flow_rate : 0;
	out->new_flow_burst = c->new_flow_burst;
}

static int write_config(struct xlbd_state *st, const struct xlb_config *want)
{
	struct xlb_config cur;
	int ret = dp_config_read(st->dp, &cur);

	if (!ret && !memcmp(&cur, want, sizeof(cur)))
		return 0;
	ret = dp_config_write(st->dp, want);
	if (!ret)
		st->stats.config_written = true;
	return ret;
}

static bool any_wildcard(const struct xlb_conf *c)
{
	for (size_t i = 0; i < c->n_services; i++)
		if (!c->services[i].ref.port)
			return true;
	return false;
}

/* True when the service in slot i is in c (by key). */
static bool slot_in_conf(const struct xlbd_state *st, int i, const struct xlb_conf *c)
{
	for (size_t j = 0; j < c->n_services; j++) {
		struct xlb_svc_key k;

		svc_key_of(&c->services[j], &k);
		if (!memcmp(&k, &st->svcs[i].key, sizeof(k)))
			return true;
	}
	return false;
}

/* Capacity: ids for new services (and for services whose table size changes, which move to a
 * new id) and for new backends must be free before anything is written. Services that go away
 * are removed first, so their ids count as free. */
static int check_capacity(struct xlbd_state *st, const struct xlb_conf *c, char *err, size_t errlen)
{
	__u32 svc_needed = 0, be_needed = 0, svc_free = 0, be_free = count_free_backends(st);

	for (int i = 0; i < XLB_MAX_SERVICES; i++) {
		if (!st->svcs[i].used) {
			svc_free++;
		} else if (!slot_in_conf(st, i, c)) {
			svc_free++;
			be_free += (__u32)service_backends(st, (__u32)i, st->scratch_ids);
		}
	}
	for (size_t i = 0; i < c->n_services; i++) {
		const struct xlb_conf_service *s = &c->services[i];
		struct xlb_svc_key k;
		int id;

		svc_key_of(s, &k);
		id = find_svc(st, &k);
		if (id < 0 || st->svcs[id].m != s->table_size) {
			svc_needed++;
			be_needed += (__u32)s->n_backends;
			continue;
		}
		size_t n = service_backends(st, (__u32)id, st->scratch_ids);

		for (size_t j = 0; j < s->n_backends; j++)
			be_needed += !find_backend_in(st, st->scratch_ids, n, &s->backends[j].addr);
	}
	if (svc_needed > svc_free) {
		snprintf(err, errlen,
			 "service table full: %u more services do not fit (max %d; %u free; a "
			 "table_size change needs a free slot while it moves)",
			 svc_needed, XLB_MAX_SERVICES, svc_free);
		return -ENOSPC;
	}
	if (be_needed > be_free) {
		snprintf(err, errlen,
			 "backend table full: %u new backends do not fit beside the ones kept (max "
			 "%d in all, %u free); apply the change in two steps",
			 be_needed, XLB_MAX_BACKENDS - 1, be_free);
		return -ENOSPC;
	}
	return 0;
}

/* Remove a service from the data path: entry, table, backends. */
static int remove_service(struct xlbd_state *st, int id)
{
	struct svc_slot *s = &st->svcs[id];
	int ret = dp_service_delete(st->dp, &s->key);

	if (ret && ret != -ENOENT)
		return ret;
	if (s->has_table) {
		ret = dp_table_delete(st->dp, (__u32)id);
		if (ret && ret != -ENOENT)
			return ret;
	}
	for (__u32 b = 1; b < XLB_MAX_BACKENDS; b++) {
		if (be_used(st, b) && st->bes[b].svc_id == (__u32)id) {
			ret = release_backend(st, b);
			if (ret)
				return ret;
		}
	}
	memset(s, 0, sizeof(*s));
	return 0;
}

/* members_view of a service being applied: health from the runtime, the last good table
 * from the backends' ids. */
struct apply_view {
	const struct xlb_conf_service *cs;
	const struct xlbd_runtime *rt;
	const struct xlbd_state *st;
	const __u32 *ids;
};

static bool view_healthy(void *ctx, size_t i)
{
	const struct apply_view *v = ctx;

	return !v->rt->healthy || v->rt->healthy(&v->cs->ref, &v->cs->backends[i].addr);
}

static bool view_good(void *ctx, size_t i)
{
	const struct apply_view *v = ctx;

	return v->st->good[v->ids[i]];
}

/* Bring one configured service into the maps. */
static int apply_service(struct xlbd_state *st, const struct xlb_conf_service *cs,
			 const struct xlbd_runtime *rt)
{
	struct xlb_svc_key key;
	struct xlb_svc val = { .table_size = cs->table_size };
	int old = -1, id, ret = 0;
	bool is_new;

	svc_key_of(cs, &key);
	id = find_svc(st, &key);
	if (id >= 0 && st->svcs[id].m != cs->table_size) {
		old = id; /* a new size is a new table under a new id, published in one update */
		id = -1;
	}
	is_new = id < 0;
	if (is_new) {
		id = free_svc_id(st);
		if (id < 0)
			return -ENOSPC;
		ret = dp_counter_reset(st->dp, DP_CNT_SERVICE, (__u32)id);
		if (ret)
			return ret;
		slot_init(&st->svcs[id]);
		st->svcs[id].key = key;
		st->svcs[id].m = cs->table_size;
	}
	st->svcs[id].seen = true;
	if (old >= 0)
		st->svcs[old].seen = true;

	/* Backends: ids, and the entries that are up, before the table that names them. */
	size_t n = cs->n_backends;
	__u32 *ids = calloc(n ? n : 1, sizeof(*ids));
	struct xlb_backend *want = calloc(n ? n : 1, sizeof(*want));
	__u8 *states = calloc(n ? n : 1, 1);

	if (!ids || !want || !states) {
		free(ids);
		free(want);
		free(states);
		return -ENOMEM;
	}
	size_t n_have = is_new ? 0 : service_backends(st, (__u32)id, st->scratch_ids);

	for (size_t i = 0; i < n && !ret; i++) {
		const struct xlb_conf_backend *b = &cs->backends[i];
		__u32 bid = find_backend_in(st, st->scratch_ids, n_have, &b->addr), was;

		if (!bid) {
			bid = alloc_backend(st, (__u32)id);
			/* A new owner starts from zero, not from its predecessor's counts. */
			ret = bid ? dp_counter_reset(st->dp, DP_CNT_BACKEND, bid) : -ENOSPC;
			if (ret)
				break;
			/* A table that moves to a new id keeps what its last good one was. */
			was = old >= 0 ? state_backend_id(st, (__u32)old, &b->addr) : 0;
			st->good[bid] = was && st->good[was];
		}
		st->be_seen[bid] = true;
		ids[i] = bid;
	}

	struct apply_view av = { .cs = cs, .rt = rt, .st = st, .ids = ids };
	struct members_view mv = { .healthy = view_healthy, .good = view_good, .ctx = &av };
	struct members_result mr = { 0 };
	bool fail_open = false;
	__u32 n_good = 0;

	if (!ret) {
		mr = members_states(cs, &mv, states);
		fail_open = mr.fail_open;
		n_good = mr.n_good;
		st->svcs[id].n_healthy = mr.n_healthy;
	}

	if (!ret && fail_open != st->svcs[id].fail_open) {
		char ref[XLB_SERVICE_STRLEN];

		xlb_service_format(&cs->ref, ref, sizeof(ref));
		if (fail_open && n_good)
			xlog_warn("%s: fewer than %u backends healthy (min_healthy): failing open "
				  "with the last good table (%u backends)",
				  ref, cs->min_healthy, n_good);
		else if (fail_open)
			xlog_warn("%s: fewer than %u backends healthy (min_healthy): failing open "
				  "with every enabled backend (no good table known)",
				  ref, cs->min_healthy);
		else
			xlog_info("%s: enough healthy backends again: no longer failing open", ref);
		st->svcs[id].fail_open = fail_open;
	}
	for (size_t i = 0; i < n && !ret; i++) {
		const struct xlb_conf_backend *b = &cs->backends[i];
		__u32 bid = ids[i];

		want[i] = st->bes[bid];
		memcpy(want[i].addr, b->addr.addr, sizeof(want[i].addr));
		want[i].family = b->addr.family;
		want[i].svc_id = (__u32)id;
		want[i].weight = (__u16)b->weight;
		want[i].state = states[i];
		if (want[i].state == XLB_BE_UP)
			ret = write_backend(st, bid, &want[i]);
	}
	if (!ret)
		ret = sync_table(st, (__u32)id, ids, want, n);
	/* Entries leaving the table are written after it: drain keeps flows, down re-selects. */
	for (size_t i = 0; i < n && !ret; i++)
		ret = write_backend(st, ids[i], &want[i]);
	/* Enough healthy backends: this table is the last good one. */
	for (size_t i = 0; i < n && !ret && !fail_open; i++)
		st->good[ids[i]] = want[i].state == XLB_BE_UP;
	free(ids);
	free(want);
	free(states);
	if (ret)
		return ret;

	/* Backends configured no more: out of the table now, so mark them down and free. */
	for (__u32 b = 1; b < XLB_MAX_BACKENDS && !ret; b++)
		if (be_used(st, b) && st->bes[b].svc_id == (__u32)id && !st->be_seen[b])
			ret = release_backend(st, b);
	if (ret)
		return ret;

	val.id = (__u32)id;
	if (is_new || old >= 0) {
		ret = dp_service_write(st->dp, &key, &val);
		if (ret)
			return ret;
		st->stats.services_added += old < 0;
		st->stats.services_changed += old >= 0;
	}
	if (old >= 0) {
		st->svcs[old].used = true;
		ret = dp_table_delete(st->dp, (__u32)old);
		for (__u32 b = 1; b < XLB_MAX_BACKENDS && (!ret || ret == -ENOENT); b++)
			if (be_used(st, b) && st->bes[b].svc_id == (__u32)old)
				ret = release_backend(st, b);
		memset(&st->svcs[old], 0, sizeof(st->svcs[old]));
		if (ret == -ENOENT)
			ret = 0;
	}
	return ret;
}

/* VIP entries: one per VIP address, answering echo when any of its services says so. */
static bool conf_has_vip(const struct xlb_conf *c, const struct xlb_vip_key *k, __u32 *flags)
{
	bool found = false;

	*flags = 0;
	for (size_t i = 0; i < c->n_services; i++) {
		struct xlb_vip_key vk;

		vip_key_of(&c->services[i].ref.vip, &vk);
		if (memcmp(&vk, k, sizeof(vk)))
			continue;
		found = true;
		if (c->services[i].icmp_echo)
			*flags |= XLB_VIP_F_ECHO;
	}
	return found;
}

struct vip_sweep {
	const struct xlb_conf *c;
	struct xlb_vip_key stale[XLB_MAX_VIPS];
	int n;
};

static int collect_stale_vip(const struct xlb_vip_key *k, const struct xlb_vip *v, void *ctx)
{
	struct vip_sweep *sw = ctx;
	__u32 flags;

	(void)v;
	if (!conf_has_vip(sw->c, k, &flags) && sw->n < XLB_MAX_VIPS)
		sw->stale[sw->n++] = *k;
	return 0;
}

/* Write the VIP entries c needs (before its services), or remove those it no longer has
 * (after its services are gone). */
static int sync_vips(struct xlbd_state *st, const struct xlb_conf *c, bool remove_stale)
{
	int ret = 0;

	if (remove_stale) {
		struct vip_sweep *sw = calloc(1, sizeof(*sw));

		if (!sw)
			return -ENOMEM;
		sw->c = c;
		ret = dp_vip_foreach(st->dp, collect_stale_vip, sw);
		for (int i = 0; i < sw->n && !ret; i++) {
			ret = dp_vip_delete(st->dp, &sw->stale[i]);
			st->stats.vips_removed += !ret;
		}
		free(sw);
		return ret;
	}
	for (size_t i = 0; i < c->n_services && !ret; i++) {
		struct xlb_vip want = { 0 }, cur;
		struct xlb_vip_key k;

		vip_key_of(&c->services[i].ref.vip, &k);
		conf_has_vip(c, &k, &want.flags);
		if (!dp_vip_read(st->dp, &k, &cur) && cur.flags == want.flags)
			continue;
		ret = dp_vip_write(st->dp, &k, &want);
		st->stats.vips_written += !ret;
	}
	return ret;
}

static int sync_interfaces(struct xlbd_state *st, const struct xlb_conf *c, char *err,
			   size_t errlen)
{
	char names[32][XLB_CONF_IFNAMSIZ];
	int n = dp_attached(st->dp, names, 32), ret = 0;

	for (size_t i = 0; i < c->n_ifaces && !ret; i++)
		ret = dp_attach(st->dp, c->ifaces[i].name, c->ifaces[i].mode, err, errlen);
	for (int i = 0; i < n && !ret; i++) {
		bool wanted = false;

		for (size_t j = 0; j < c->n_ifaces; j++)
			wanted |= !strcmp(names[i], c->ifaces[j].name);
		if (!wanted)
			ret = dp_detach(st->dp, names[i]);
	}
	return ret;
}

int state_apply(struct xlbd_state *st, const struct xlb_conf *conf, const char *name,
		const struct xlbd_runtime *rt, char *err, size_t errlen)
{
	struct xlb_config cfg;
	struct xlb_conf copy;
	bool wildcard = any_wildcard(conf);
	int ret;

	memset(&st->stats, 0, sizeof(st->stats));
	ret = xlb_conf_validate(conf, name, err, errlen);
	if (ret)
		return ret;
	for (size_t i = 0; i < conf->n_ifaces; i++) {
		if (!if_nametoindex(conf->ifaces[i].name)) {
			snprintf(err, errlen, "%s: interfaces: %s does not exist", name,
				 conf->ifaces[i].name);
			return -EINVAL;
		}
	}
	ret = check_capacity(st, conf, err, errlen);
	if (ret)
		return ret;
	ret = xlb_conf_copy(&copy, conf);
	if (ret)
		return ret;

	/* From here on the change is valid and fits: carry it out in the safe order. */
	memset(st->be_seen, 0, sizeof(bool) * XLB_MAX_BACKENDS);
	st->alloc_hint = 0; /* lowest free ids first; generations make reuse safe */
	for (int i = 0; i < XLB_MAX_SERVICES; i++)
		st->svcs[i].seen = false;
	desired_config(conf, rt, wildcard || any_wildcard(&st->conf), &cfg);
	ret = write_config(st, &cfg);

	/* Services that go away first: their ids and backends become free for the new ones. */
	for (int i = 0; i < XLB_MAX_SERVICES && !ret; i++) {
		if (st->svcs[i].used && !slot_in_conf(st, i, conf)) {
			ret = remove_service(st, i);
			st->stats.services_removed += !ret;
		}
	}
	if (!ret)
		ret = sync_vips(st, conf, false);
	for (size_t i = 0; i < conf->n_services && !ret; i++)
		ret = apply_service(st, &conf->services[i], rt);
	if (!ret)
		ret = sync_vips(st, conf, true);
	if (!ret && !wildcard) {
		desired_config(conf, rt, false, &cfg);
		ret = write_config(st, &cfg);
	}
	if (!ret)
		ret = sync_interfaces(st, conf, err, errlen);
	if (ret) {
		if (!err[0])
			snprintf(err, errlen, "applying the configuration failed part-way: %s",
				 strerror(-ret));
		xlog_err("%s", err);
		xlb_conf_free(&copy);
		return ret;
	}
	xlb_conf_free(&st->conf);
	st->conf = copy;
	return 0;
}

int state_service_id(const struct xlbd_state *st, const struct xlb_service_ref *ref, __u32 *id,
		     __u32 *m)
{
	struct xlb_conf_service cs = { .ref = *ref };
	struct xlb_svc_key k;
	int i;

	svc_key_of(&cs, &k);
	i = find_svc(st, &k);
	if (i < 0)
		return -ENOENT;
	*id = (__u32)i;
	*m = st->svcs[i].m;
	return 0;
}

__u32 state_backend_id(const struct xlbd_state *st, __u32 svc_id, const struct xlb_addr *a)
{
	for (__u32 id = 1; id < XLB_MAX_BACKENDS; id++) {
		const struct xlb_backend *b = &st->bes[id];

		if (b->svc_id == svc_id && be_used(st, id) && b->family == a->family &&
		    !memcmp(b->addr, a->addr, sizeof(a->addr)))
			return id;
	}
	return 0;
}

bool state_backend_up(const struct xlbd_state *st, const struct xlb_service_ref *svc,
		      const struct xlb_addr *a)
{
	__u32 id, m, bid;

	if (state_service_id(st, svc, &id, &m))
		return false;
	bid = state_backend_id(st, id, a);
	return bid && st->bes[bid].state == XLB_BE_UP;
}

bool state_service_fail_open(const struct xlbd_state *st, const struct xlb_service_ref *svc)
{
	__u32 id, m;

	return !state_service_id(st, svc, &id, &m) && st->svcs[id].fail_open;
}

bool state_service_healthy(const struct xlbd_state *st, const struct xlb_service_ref *svc)
{
	const struct xlb_conf_service *cs = xlb_conf_find_service(state_conf(st), svc);
	__u32 id, m, need;

	if (!cs || state_service_id(st, svc, &id, &m))
		return false;
	need = cs->min_healthy ? cs->min_healthy : 1;
	return st->svcs[id].n_healthy >= need;
}

int state_table_info(const struct xlbd_state *st, const struct xlb_service_ref *ref,
		     struct state_table_info *out)
{
	__u32 id, m;

	if (state_service_id(st, ref, &id, &m) || !st->svcs[id].has_table)
		return -ENOENT;
	out->fingerprint = st->svcs[id].table_fp;
	out->rebuilds = st->svcs[id].rebuilds;
	out->rebuild_seconds = &st->svcs[id].rebuild_seconds;
	return 0;
}

void state_foreach_backend(const struct xlbd_state *st,
			   void (*fn)(__u32 id, const struct xlb_backend *be, void *ctx), void *ctx)
{
	for (__u32 id = 1; id < XLB_MAX_BACKENDS; id++)
		if (be_used(st, id))
			fn(id, &st->bes[id], ctx);
}
