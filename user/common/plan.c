// SPDX-License-Identifier: GPL-2.0
/* plan.c - the planner: a configuration and a record of the maps in, the ordered map
 * operations that make the maps say it out; see plan.h for the order and its reasons. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "members.h"
#include "plan.h"

/* Scratch of one plan, kept between plans (sized by the ABI's limits). */
struct plan_work {
	bool be_seen[XLB_MAX_BACKENDS]; /* claimed or kept by a service during this plan */
	bool claimed[XLB_MAX_BACKENDS]; /* claimed in this plan and not written yet */
	__u32 ids[XLB_MAX_BACKENDS]; /* the backend ids of one service */
	__u32 gone[XLB_MAX_BACKENDS]; /* the backend ids of one service being released */
	struct maglev_backend mb[XLB_MAX_BACKENDS]; /* the inputs of one table */
	__u32 alloc_hint; /* where the next free backend id is looked for */
	/* Every backend id by the service id its entry names (bes[id].svc_id), as one list per
	 * service threaded through next[]/prev[], 0 ending it: a service's backends are found
	 * without a pass over every id, so a plan stays linear at 4,096 services. */
	__u32 head[XLB_MAX_SERVICES];
	__u32 next[XLB_MAX_BACKENDS];
	__u32 prev[XLB_MAX_BACKENDS];
};

/* One plan being made: the plan, its runtime, and where the messages go. */
struct planner {
	struct plan *p;
	struct plan_state *s; /* p->next */
	struct plan_work *w;
	const struct plan_runtime *rt;
};

static const char *const OP_NAMES[] = {
	[PLAN_CONFIG_WRITE] = "config write",
	[PLAN_SERVICE_WRITE] = "service write",
	[PLAN_SERVICE_DELETE] = "service delete",
	[PLAN_VIP_WRITE] = "vip write",
	[PLAN_VIP_DELETE] = "vip delete",
	[PLAN_BACKEND_WRITE] = "backend write",
	[PLAN_SERVICE_COUNTERS_RESET] = "service counters reset",
	[PLAN_BACKEND_COUNTERS_RESET] = "backend counters reset",
	[PLAN_TABLE_SWAP] = "table swap",
	[PLAN_TABLE_DELETE] = "table delete",
};

const char *plan_op_name(enum plan_op_kind kind)
{
	return (size_t)kind < sizeof(OP_NAMES) / sizeof(OP_NAMES[0]) ? OP_NAMES[kind] : "?";
}

int plan_init(struct plan *p)
{
	memset(p, 0, sizeof(*p));
	p->next = calloc(1, sizeof(*p->next));
	p->work = calloc(1, sizeof(*p->work));
	if (!p->next || !p->work) {
		plan_free(p);
		return -ENOMEM;
	}
	return 0;
}

void plan_free(struct plan *p)
{
	free(p->ops);
	free(p->mb);
	free(p->next);
	free(p->work);
	memset(p, 0, sizeof(*p));
}

/* Append an operation; NULL when out of memory. */
static struct plan_op *emit(struct planner *pl, enum plan_op_kind kind, __u32 id)
{
	struct plan *p = pl->p;
	struct plan_op *op;

	if (p->n_ops == p->cap_ops) {
		size_t cap = p->cap_ops ? p->cap_ops * 2 : 64;
		struct plan_op *ops = realloc(p->ops, cap * sizeof(*ops));

		if (!ops)
			return NULL;
		p->ops = ops;
		p->cap_ops = cap;
	}
	op = &p->ops[p->n_ops++];
	memset(op, 0, sizeof(*op));
	op->kind = kind;
	op->id = id;
	return op;
}

/* ---- the record ---- */

bool plan_backend_used(const struct plan_state *s, __u32 id)
{
	const struct xlb_backend *b = &s->bes[id];

	return b->generation && b->svc_id < XLB_MAX_SERVICES && s->svcs[b->svc_id].used;
}

void plan_state_adopted(struct plan_state *s)
{
	for (__u32 id = 1; id < XLB_MAX_BACKENDS; id++)
		s->good[id] = plan_backend_used(s, id) && s->bes[id].state == XLB_BE_UP;
}

void plan_svc_key(const struct xlb_service_ref *ref, struct xlb_svc_key *k)
{
	memset(k, 0, sizeof(*k));
	memcpy(k->addr, ref->vip.addr, sizeof(k->addr));
	k->family = ref->vip.family;
	k->port = htons(ref->port);
	k->proto = ref->proto;
}

int plan_find_service(const struct plan_state *s, const struct xlb_svc_key *k)
{
	for (int i = 0; i < XLB_MAX_SERVICES; i++)
		if (s->svcs[i].used && !memcmp(&s->svcs[i].key, k, sizeof(*k)))
			return i;
	return -1;
}

static void vip_key_of(const struct xlb_addr *a, struct xlb_vip_key *k)
{
	memset(k, 0, sizeof(*k));
	memcpy(k->addr, a->addr, sizeof(k->addr));
	k->family = a->family;
}

static int free_svc_id(const struct plan_state *s)
{
	for (int i = 0; i < XLB_MAX_SERVICES; i++)
		if (!s->svcs[i].used)
			return i;
	return -1;
}

/* ---- backend ids by service ---- */

/* Take id out of the list of the service its entry names; before that entry's svc_id changes. */
static void index_unlink(struct plan_work *w, const struct plan_state *s, __u32 id)
{
	__u32 svc = s->bes[id].svc_id;

	if (svc >= XLB_MAX_SERVICES)
		return;
	if (w->prev[id])
		w->next[w->prev[id]] = w->next[id];
	else
		w->head[svc] = w->next[id];
	if (w->next[id])
		w->prev[w->next[id]] = w->prev[id];
	w->next[id] = w->prev[id] = 0;
}

/* Put id in the list of the service its entry names; after that entry's svc_id changed. */
static void index_link(struct plan_work *w, const struct plan_state *s, __u32 id)
{
	__u32 svc = s->bes[id].svc_id;

	if (svc >= XLB_MAX_SERVICES)
		return;
	w->prev[id] = 0;
	w->next[id] = w->head[svc];
	if (w->head[svc])
		w->prev[w->head[svc]] = id;
	w->head[svc] = id;
}

/* The lists of every id of s, each in ascending order. */
static void index_build(struct plan_work *w, const struct plan_state *s)
{
	memset(w->head, 0, sizeof(w->head));
	for (__u32 id = XLB_MAX_BACKENDS - 1; id > 0; id--)
		index_link(w, s, id);
}

static int id_cmp(const void *a, const void *b)
{
	__u32 x = *(const __u32 *)a, y = *(const __u32 *)b;

	return x < y ? -1 : x > y;
}

/* The ids of the backends of service svc_id in ascending order (the order of the map), into
 * ids (room for XLB_MAX_BACKENDS); returns how many. */
static size_t service_backends(const struct plan_work *w, const struct plan_state *s, __u32 svc_id,
			       __u32 *ids)
{
	size_t n = 0;

	for (__u32 id = w->head[svc_id]; id; id = w->next[id])
		if (plan_backend_used(s, id))
			ids[n++] = id;
	qsort(ids, n, sizeof(*ids), id_cmp);
	return n;
}

/* Among ids[0..n), the backend with address a, or 0. */
static __u32 find_backend_in(const struct plan_state *s, const __u32 *ids, size_t n,
			     const struct xlb_addr *a)
{
	for (size_t i = 0; i < n; i++) {
		const struct xlb_backend *b = &s->bes[ids[i]];

		if (b->family == a->family && !memcmp(b->addr, a->addr, sizeof(b->addr)))
			return ids[i];
	}
	return 0;
}

/* The id of address a among the backends of service svc_id, or 0. */
static __u32 backend_of(const struct planner *pl, __u32 svc_id, const struct xlb_addr *a)
{
	const struct plan_state *s = pl->s;

	for (__u32 id = pl->w->head[svc_id]; id; id = pl->w->next[id]) {
		const struct xlb_backend *b = &s->bes[id];

		if (plan_backend_used(s, id) && b->family == a->family &&
		    !memcmp(b->addr, a->addr, sizeof(a->addr)))
			return id;
	}
	return 0;
}

/* ---- capacity ---- */

/* True when the service in slot i is in c (by key). */
static bool slot_in_conf(const struct plan_state *s, int i, const struct xlb_conf *c)
{
	for (size_t j = 0; j < c->n_services; j++) {
		struct xlb_svc_key k;

		plan_svc_key(&c->services[j].ref, &k);
		if (!memcmp(&k, &s->svcs[i].key, sizeof(k)))
			return true;
	}
	return false;
}

/* Ids for new services (and for services whose table size changes, which move to a new id)
 * and for new backends must be free before anything is written. Services that go away are
 * removed first, so their ids count as free. */
static int check_capacity(struct planner *pl, const struct xlb_conf *c, char *err, size_t errlen)
{
	const struct plan_state *s = pl->s;
	__u32 svc_needed = 0, be_needed = 0, svc_free = 0, be_free = 0;

	for (__u32 id = 1; id < XLB_MAX_BACKENDS; id++)
		be_free += !plan_backend_used(s, id);
	for (int i = 0; i < XLB_MAX_SERVICES; i++) {
		if (!s->svcs[i].used) {
			svc_free++;
		} else if (!slot_in_conf(s, i, c)) {
			svc_free++;
			be_free += (__u32)service_backends(pl->w, s, (__u32)i, pl->w->ids);
		}
	}
	for (size_t i = 0; i < c->n_services; i++) {
		const struct xlb_conf_service *cs = &c->services[i];
		struct xlb_svc_key k;
		int id;

		plan_svc_key(&cs->ref, &k);
		id = plan_find_service(s, &k);
		if (id < 0 || s->svcs[id].m != cs->table_size) {
			svc_needed++;
			be_needed += (__u32)cs->n_backends;
			continue;
		}
		size_t n = service_backends(pl->w, s, (__u32)id, pl->w->ids);

		for (size_t j = 0; j < cs->n_backends; j++)
			be_needed += !find_backend_in(s, pl->w->ids, n, &cs->backends[j].addr);
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

/* ---- backends ---- */

/* Claim the lowest free backend id above the last claim of this plan (so that claiming many
 * ids stays linear) for svc_id, with the next generation; the caller plans its entry. */
static __u32 alloc_backend(struct planner *pl, __u32 svc_id)
{
	struct plan_state *s = pl->s;

	for (__u32 k = 0; k < XLB_MAX_BACKENDS - 1; k++) {
		__u32 id = (pl->w->alloc_hint + k) % (XLB_MAX_BACKENDS - 1) + 1;
		struct xlb_backend *b = &s->bes[id];

		if (plan_backend_used(s, id) || pl->w->be_seen[id])
			continue;
		pl->w->alloc_hint = id;
		s->good[id] = false;
		b->generation = b->generation + 1 ? b->generation + 1 : 1;
		index_unlink(pl->w, s, id);
		b->svc_id = svc_id;
		index_link(pl->w, s, id);
		pl->w->be_seen[id] = true;
		pl->w->claimed[id] = true; /* its new owner and generation must reach the map */
		return id;
	}
	return 0;
}

/* Plan backend entry id to be nb, unless it already is. */
static int write_backend(struct planner *pl, __u32 id, const struct xlb_backend *nb)
{
	struct plan_op *op;

	if (!pl->w->claimed[id] && !memcmp(&pl->s->bes[id], nb, sizeof(*nb)))
		return 0;
	pl->w->claimed[id] = false;
	op = emit(pl, PLAN_BACKEND_WRITE, id);
	if (!op)
		return -ENOMEM;
	op->be = *nb;
	index_unlink(pl->w, pl->s, id);
	pl->s->bes[id] = *nb;
	index_link(pl->w, pl->s, id);
	pl->p->stats.backends_written++;
	return 0;
}

/* Mark id down and free; its generation stays for the next owner to bump. */
static int release_backend(struct planner *pl, __u32 id)
{
	struct xlb_backend nb = pl->s->bes[id];

	nb.state = XLB_BE_DOWN;
	nb.svc_id = PLAN_SVC_NONE;
	nb.weight = 0;
	pl->s->good[id] = false; /* deleted: never back through a last good table */
	pl->p->stats.backends_freed++;
	return write_backend(pl, id, &nb);
}

/* Release the backends of service svc_id that this plan has not claimed or kept (all of them
 * when keep_seen is false), in ascending id order. */
static int release_backends_of(struct planner *pl, __u32 svc_id, bool keep_seen)
{
	size_t n = service_backends(pl->w, pl->s, svc_id, pl->w->gone);
	int ret = 0;

	for (size_t i = 0; i < n && !ret; i++)
		if (!keep_seen || !pl->w->be_seen[pl->w->gone[i]])
			ret = release_backend(pl, pl->w->gone[i]);
	return ret;
}

/* ---- tables ---- */

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

/* Plan a new table for svc_id when its inputs (the n wanted entries that are up) differ from
 * what built the one in the map. An adopted table (inputs unknown) is kept when the runtime
 * says it equals the one the inputs build. */
static int sync_table(struct planner *pl, __u32 svc_id, const __u32 *ids,
		      const struct xlb_backend *want, size_t n_want)
{
	struct plan_svc *s = &pl->s->svcs[svc_id];
	struct maglev_backend *mb = pl->w->mb;
	struct plan *p = pl->p;
	struct plan_op *op;
	size_t n = 0;
	__u64 fp;

	for (size_t i = 0; i < n_want; i++) {
		if (want[i].state != XLB_BE_UP)
			continue;
		memset(&mb[n], 0, sizeof(mb[n]));
		memcpy(mb[n].addr, want[i].addr, sizeof(want[i].addr));
		mb[n].family = want[i].family;
		mb[n].weight = want[i].weight;
		mb[n].id = ids[i];
		n++;
	}
	qsort(mb, n, sizeof(*mb), cmp_mb);
	fp = inputs_fingerprint(mb, n, s->m);
	if (s->has_table &&
	    (s->inputs == fp || (!s->inputs && pl->rt->table_is &&
				 pl->rt->table_is(pl->rt->ctx, svc_id, s->m, mb, n)))) {
		s->inputs = fp;
		p->stats.tables_kept++;
		return 0;
	}
	if (p->n_mb + n > p->cap_mb) {
		size_t cap = p->cap_mb ? p->cap_mb : 256;
		struct maglev_backend *grown;

		while (cap < p->n_mb + n)
			cap *= 2;
		grown = realloc(p->mb, cap * sizeof(*grown));
		if (!grown)
			return -ENOMEM;
		p->mb = grown;
		p->cap_mb = cap;
	}
	op = emit(pl, PLAN_TABLE_SWAP, svc_id);
	if (!op)
		return -ENOMEM;
	memcpy(&p->mb[p->n_mb], mb, n * sizeof(*mb));
	op->table.m = s->m;
	op->table.first = p->n_mb;
	op->table.n = n;
	p->n_mb += n;
	s->has_table = true;
	s->inputs = fp;
	p->stats.tables_built++;
	return 0;
}

/* ---- services ---- */

/* Remove service id from the data path: entry, table, backends. */
static int remove_service(struct planner *pl, int id)
{
	struct plan_svc *s = &pl->s->svcs[id];
	struct plan_op *op = emit(pl, PLAN_SERVICE_DELETE, (__u32)id);
	int ret;

	if (!op)
		return -ENOMEM;
	op->svc.key = s->key;
	if (s->has_table && !emit(pl, PLAN_TABLE_DELETE, (__u32)id))
		return -ENOMEM;
	ret = release_backends_of(pl, (__u32)id, false);
	memset(s, 0, sizeof(*s));
	return ret;
}

/* members_view of a service being planned: health from the runtime, the last good table
 * from the backends' ids. */
struct plan_view {
	const struct xlb_conf_service *cs;
	const struct planner *pl;
	const __u32 *ids;
};

/* Whether backend b can be sent to as its mode says: an l2 one needs its MAC (into mac). */
static bool reachable(const struct plan_runtime *rt, const struct xlb_conf_backend *b, __u8 mac[6])
{
	memset(mac, 0, 6);
	if (b->encap != XLB_ENCAP_L2)
		return true;
	return rt->l2_mac && rt->l2_mac(rt->ctx, &b->addr, mac);
}

static bool view_healthy(void *ctx, size_t i)
{
	const struct plan_view *v = ctx;
	const struct plan_runtime *rt = v->pl->rt;
	__u8 mac[6];

	if (!reachable(rt, &v->cs->backends[i], mac))
		return false;
	return !rt->healthy || rt->healthy(rt->ctx, &v->cs->ref, &v->cs->backends[i].addr);
}

static bool view_good(void *ctx, size_t i)
{
	const struct plan_view *v = ctx;

	return v->pl->s->good[v->ids[i]];
}

/* The ids of cs's backends into ids[]: kept by address, new ones claimed (with their
 * counters reset). old >= 0: the service moves from id old, whose last good table stays. */
static int claim_backends(struct planner *pl, const struct xlb_conf_service *cs, int id, int old,
			  bool is_new, __u32 *ids)
{
	struct plan_state *s = pl->s;
	size_t n_have = is_new ? 0 : service_backends(pl->w, s, (__u32)id, pl->w->ids);

	for (size_t i = 0; i < cs->n_backends; i++) {
		const struct xlb_addr *a = &cs->backends[i].addr;
		__u32 bid = find_backend_in(s, pl->w->ids, n_have, a), was;

		if (!bid) {
			bid = alloc_backend(pl, (__u32)id);
			if (!bid)
				return -ENOSPC;
			/* A new owner starts from zero, not from its predecessor's counts. */
			if (!emit(pl, PLAN_BACKEND_COUNTERS_RESET, bid))
				return -ENOMEM;
			was = old >= 0 ? backend_of(pl, (__u32)old, a) : 0;
			s->good[bid] = was && s->good[was];
		}
		pl->w->be_seen[bid] = true;
		ids[i] = bid;
	}
	return 0;
}

/* The backends of cs into the maps: entries that become usable, the table, entries that
 * leave it, the last good table. states[] from members_states(). */
static int plan_members(struct planner *pl, const struct xlb_conf_service *cs, int id,
			const __u32 *ids, const __u8 *states, bool fail_open,
			struct xlb_backend *want)
{
	size_t n = cs->n_backends;
	int ret = 0;

	for (size_t i = 0; i < n && !ret; i++) {
		const struct xlb_conf_backend *b = &cs->backends[i];

		want[i] = pl->s->bes[ids[i]];
		memcpy(want[i].addr, b->addr.addr, sizeof(want[i].addr));
		want[i].family = b->addr.family;
		want[i].svc_id = (__u32)id;
		want[i].weight = (__u16)b->weight;
		want[i].state = states[i];
		/* A mode change rewrites this entry in place: same id and generation, so its
		 * flows stay, and the table (built from addresses and weights) is kept. */
		want[i].encap = (__u8)b->encap;
		/* Failing open may bring back an l2 backend whose MAC is gone: never send there. */
		if (!reachable(pl->rt, b, want[i].mac) && want[i].state == XLB_BE_UP)
			want[i].state = XLB_BE_DOWN;
		if (want[i].state == XLB_BE_UP)
			ret = write_backend(pl, ids[i], &want[i]);
	}
	if (!ret)
		ret = sync_table(pl, (__u32)id, ids, want, n);
	/* Entries leaving the table are written after it: drain keeps flows, down re-selects. */
	for (size_t i = 0; i < n && !ret; i++)
		ret = write_backend(pl, ids[i], &want[i]);
	/* Enough healthy backends: this table is the last good one. */
	for (size_t i = 0; i < n && !ret && !fail_open; i++)
		pl->s->good[ids[i]] = want[i].state == XLB_BE_UP;
	return ret;
}

/* Plan one configured service into the maps. */
static int plan_service(struct planner *pl, const struct xlb_conf_service *cs)
{
	struct plan_state *s = pl->s;
	struct xlb_svc_key key;
	int old = -1, id, ret;
	bool is_new;

	plan_svc_key(&cs->ref, &key);
	id = plan_find_service(s, &key);
	if (id >= 0 && s->svcs[id].m != cs->table_size) {
		old = id; /* a new size is a new table under a new id, published in one update */
		id = -1;
	}
	is_new = id < 0;
	if (is_new) {
		id = free_svc_id(s);
		if (id < 0)
			return -ENOSPC;
		if (!emit(pl, PLAN_SERVICE_COUNTERS_RESET, (__u32)id))
			return -ENOMEM;
		memset(&s->svcs[id], 0, sizeof(s->svcs[id]));
		s->svcs[id].used = true;
		s->svcs[id].key = key;
		s->svcs[id].m = cs->table_size;
	}

	size_t n = cs->n_backends ? cs->n_backends : 1;
	__u32 *ids = calloc(n, sizeof(*ids));
	struct xlb_backend *want = calloc(n, sizeof(*want));
	__u8 *states = calloc(n, 1);

	ret = ids && want && states ? 0 : -ENOMEM;
	if (!ret)
		ret = claim_backends(pl, cs, id, old, is_new, ids);
	if (!ret) {
		struct plan_view pv = { .cs = cs, .pl = pl, .ids = ids };
		struct members_view mv = { .healthy = view_healthy, .good = view_good, .ctx = &pv };
		struct members_result mr = members_states(cs, &mv, states);

		s->svcs[id].n_healthy = mr.n_healthy;
		s->svcs[id].n_good = mr.n_good;
		s->svcs[id].fail_open = mr.fail_open;
		ret = plan_members(pl, cs, id, ids, states, mr.fail_open, want);
	}
	free(ids);
	free(want);
	free(states);
	if (ret)
		return ret;

	/* Backends configured no more: out of the table now, so mark them down and free. */
	ret = release_backends_of(pl, (__u32)id, true);
	if (ret || !is_new)
		return ret;

	struct plan_op *op = emit(pl, PLAN_SERVICE_WRITE, (__u32)id);

	if (!op)
		return -ENOMEM;
	op->svc.key = key;
	op->svc.val.id = (__u32)id;
	op->svc.val.table_size = cs->table_size;
	pl->p->stats.services_added += old < 0;
	pl->p->stats.services_changed += old >= 0;
	if (old < 0)
		return 0;
	/* The old id's table and backends go once the entry names the new one. */
	if (s->svcs[old].has_table && !emit(pl, PLAN_TABLE_DELETE, (__u32)old))
		return -ENOMEM;
	ret = release_backends_of(pl, (__u32)old, false);
	memset(&s->svcs[old], 0, sizeof(s->svcs[old]));
	return ret;
}

/* ---- VIPs and the config entry ---- */

/* Whether c has VIP k; *flags: XLB_VIP_F_ECHO when any of its services answers echo. */
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

static struct plan_vip *find_vip(struct plan_state *s, const struct xlb_vip_key *k)
{
	for (size_t i = 0; i < s->n_vips; i++)
		if (!memcmp(&s->vips[i].key, k, sizeof(*k)))
			return &s->vips[i];
	return NULL;
}

/* The VIP entries c needs (before its services). */
static int write_vips(struct planner *pl, const struct xlb_conf *c)
{
	struct plan_state *s = pl->s;

	for (size_t i = 0; i < c->n_services; i++) {
		struct plan_vip want = { 0 }, *have;
		struct plan_op *op;

		vip_key_of(&c->services[i].ref.vip, &want.key);
		conf_has_vip(c, &want.key, &want.val.flags);
		have = find_vip(s, &want.key);
		if (have && have->val.flags == want.val.flags)
			continue;
		if (!have && s->n_vips == XLB_MAX_VIPS)
			return -ENOSPC;
		op = emit(pl, PLAN_VIP_WRITE, 0);
		if (!op)
			return -ENOMEM;
		op->vip = want;
		*(have ? have : &s->vips[s->n_vips++]) = want;
		pl->p->stats.vips_written++;
	}
	return 0;
}

/* The VIP entries c no longer has (after their services are gone). */
static int remove_vips(struct planner *pl, const struct xlb_conf *c)
{
	struct plan_state *s = pl->s;
	__u32 flags;

	for (size_t i = 0; i < s->n_vips;) {
		struct plan_op *op;

		if (conf_has_vip(c, &s->vips[i].key, &flags)) {
			i++;
			continue;
		}
		op = emit(pl, PLAN_VIP_DELETE, 0);
		if (!op)
			return -ENOMEM;
		op->vip = s->vips[i];
		s->vips[i] = s->vips[--s->n_vips];
		pl->p->stats.vips_removed++;
	}
	return 0;
}

bool plan_cpu_local(const struct xlb_conf *c, bool virtual_iface)
{
	return c->cross_cpu == XLB_CROSS_CPU_OFF ||
	       (c->cross_cpu == XLB_CROSS_CPU_AUTO && !virtual_iface);
}

static void desired_config(const struct xlb_conf *c, const struct plan_runtime *rt, bool wildcard,
			   struct xlb_config *out)
{
	memset(out, 0, sizeof(*out));
	out->abi_version = XLB_ABI_VERSION;
	out->flags = wildcard ? XLB_CFG_F_WILDCARD : 0;
	if (plan_cpu_local(c, rt->virtual_iface))
		out->flags |= XLB_CFG_F_CPU_LOCAL;
	out->hash_seed = rt->hash_seed;
	if (c->tunnel_source.family)
		out->src_v4 = c->tunnel_source.addr[0];
	if (c->tunnel_source_v6.family)
		memcpy(out->src_v6, c->tunnel_source_v6.addr, sizeof(out->src_v6));
	memcpy(out->gw_mac, rt->gw_mac, sizeof(out->gw_mac));
	out->rss_bits_v4 = c->rss_bits;
	out->rss_bits_v6 = c->rss_bits_v6;
	out->mtu = (__u16)c->mtu;
	out->gue_port = htons((__u16)c->gue_port);
	out->udp_idle_ticks = xlb_udp_idle_ticks(c->udp_idle_timeout);
	out->new_flow_interval_ns = c->new_flow_rate ? 1000000000U / c->new_flow_rate : 0;
	out->new_flow_burst = c->new_flow_burst;
}

static int write_config(struct planner *pl, const struct xlb_config *want)
{
	struct plan_op *op;

	if (!memcmp(&pl->s->cfg, want, sizeof(*want)))
		return 0;
	op = emit(pl, PLAN_CONFIG_WRITE, 0);
	if (!op)
		return -ENOMEM;
	op->cfg = *want;
	pl->s->cfg = *want;
	pl->p->stats.config_written = true;
	return 0;
}

/* Whether c, or the services recorded in s, has a wildcard (port 0) service. */
static bool any_wildcard(const struct xlb_conf *c, const struct plan_state *s)
{
	for (size_t i = 0; i < c->n_services; i++)
		if (!c->services[i].ref.port)
			return true;
	for (int i = 0; s && i < XLB_MAX_SERVICES; i++)
		if (s->svcs[i].used && !s->svcs[i].key.port)
			return true;
	return false;
}

/* ---- a whole plan ---- */

static int plan_all(struct planner *pl, const struct xlb_conf *c)
{
	struct plan_state *s = pl->s;
	struct xlb_config cfg;
	int ret;

	desired_config(c, pl->rt, any_wildcard(c, s), &cfg);
	ret = write_config(pl, &cfg);
	/* Services that go away first: their ids and backends become free for the new ones. */
	for (int i = 0; i < XLB_MAX_SERVICES && !ret; i++) {
		if (s->svcs[i].used && !slot_in_conf(s, i, c)) {
			ret = remove_service(pl, i);
			pl->p->stats.services_removed += !ret;
		}
	}
	if (!ret)
		ret = write_vips(pl, c);
	for (size_t i = 0; i < c->n_services && !ret; i++)
		ret = plan_service(pl, &c->services[i]);
	if (!ret)
		ret = remove_vips(pl, c);
	if (!ret && !any_wildcard(c, NULL)) {
		desired_config(c, pl->rt, false, &cfg);
		ret = write_config(pl, &cfg);
	}
	return ret;
}

static int plan_some(struct planner *pl, const struct xlb_conf *c, const struct plan_scope *sc)
{
	int ret = 0;

	for (size_t i = 0; i < sc->n_only && !ret; i++) {
		const struct xlb_conf_service *cs = xlb_conf_find_service(c, &sc->only[i]);
		bool again = false;

		for (size_t j = 0; j < i && !again; j++) /* named twice: planned once */
			again = !memcmp(&sc->only[j], &sc->only[i], sizeof(sc->only[i]));
		if (cs && !again)
			ret = plan_service(pl, cs);
	}
	return ret;
}

int plan_build(struct plan *p, const struct plan_state *cur, const struct xlb_conf *conf,
	       const struct plan_runtime *rt, const struct plan_scope *scope, char *err,
	       size_t errlen)
{
	struct planner pl = { .p = p, .s = p->next, .w = p->work, .rt = rt };
	int ret;

	p->n_ops = 0;
	p->n_mb = 0;
	memset(&p->stats, 0, sizeof(p->stats));
	memcpy(p->next, cur, sizeof(*cur));
	memset(p->work->be_seen, 0, sizeof(p->work->be_seen));
	memset(p->work->claimed, 0, sizeof(p->work->claimed));
	p->work->alloc_hint = 0; /* lowest free ids first; generations make reuse safe */
	index_build(p->work, p->next);
	if (!scope) {
		ret = check_capacity(&pl, conf, err, errlen);
		if (ret)
			return ret;
	}
	ret = scope ? plan_some(&pl, conf, scope) : plan_all(&pl, conf);
	if (ret == -ENOSPC)
		snprintf(err, errlen,
			 "no free id for the change (max %d services, %d backends in all)",
			 XLB_MAX_SERVICES, XLB_MAX_BACKENDS - 1);
	else if (ret)
		snprintf(err, errlen, "planning the change failed: %s", strerror(-ret));
	if (ret)
		p->n_ops = 0;
	return ret;
}
