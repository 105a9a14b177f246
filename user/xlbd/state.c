// SPDX-License-Identifier: GPL-2.0
/* state.c - desired state into maps: keeps the record of what the maps hold, asks the planner
 * (user/common/plan.c, where the write order and its reasons are) for the operations that
 * make them say a configuration, has dataplane.c commit them in one call, and keeps what the
 * metrics show of each table. See state.h. */
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
#include "plan.h"
#include "state.h"

/* What the metrics show of one service id, beside the record of the maps. */
struct svc_stats {
	__u64 table_fp; /* maglev_fingerprint() of the table in the map, 0 = none known */
	__u64 rebuilds; /* tables built and swapped in since the id holds this service */
	struct prom_histo rebuild_seconds; /* how long each of those took (build + swap) */
};

/* Upper bounds of the rebuild-duration histogram, in seconds: 65537 slots build in about a
 * millisecond, 655373 slots for 1000 backends in tens of milliseconds. */
static const double REBUILD_BOUNDS[] = { 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005,
					 0.01,	 0.025,	  0.05,	  0.1,	 0.25,	 1 };

struct xlbd_state {
	struct dp *dp;
	struct xlb_conf conf;
	struct plan_state *rec; /* what the maps hold */
	struct plan plan; /* the last plan; its record becomes rec once committed */
	struct svc_stats svc[XLB_MAX_SERVICES];
	__u32 *cur, *built; /* scratch of table_is(), allocated while needed */
	const struct xlbd_runtime *rt; /* the runtime of the plan being made */
	struct xlbd_apply_stats stats;
	struct prom_histo reaction; /* health verdict to data path, seconds, per pass */
	uint64_t reaction_tables; /* tables built by those passes */
};

static const double REACTION_BOUNDS[] = { 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
					  0.25,	 0.5,	 1,	2.5,  5,     10 };

static void stats_init(struct svc_stats *s)
{
	memset(s, 0, sizeof(*s));
	prom_histo_init(&s->rebuild_seconds, REBUILD_BOUNDS,
			sizeof(REBUILD_BOUNDS) / sizeof(REBUILD_BOUNDS[0]));
}

static int adopt_service(const struct xlb_svc_key *key, const struct xlb_svc *svc, void *ctx)
{
	struct xlbd_state *st = ctx;
	struct plan_svc *s;

	if (svc->id >= XLB_MAX_SERVICES)
		return 0; /* not ours to understand: the next apply deletes its key */
	s = &st->rec->svcs[svc->id];
	memset(s, 0, sizeof(*s));
	s->used = true;
	s->key = *key;
	s->m = svc->table_size;
	s->has_table = dp_table_read(st->dp, svc->id, svc->table_size, NULL, NULL) == 0;
	return 0;
}

static int adopt_vip(const struct xlb_vip_key *key, const struct xlb_vip *vip, void *ctx)
{
	struct plan_state *rec = ctx;

	if (rec->n_vips < XLB_MAX_VIPS) {
		rec->vips[rec->n_vips].key = *key;
		rec->vips[rec->n_vips++].val = *vip;
	}
	return 0;
}

/* Read the record of the maps from the maps: at start, and after a change failed part-way. */
static int learn(struct xlbd_state *st)
{
	struct plan_state *rec = st->rec;
	int ret;

	memset(rec, 0, sizeof(*rec));
	ret = dp_service_foreach(st->dp, adopt_service, st);
	for (__u32 id = 1; !ret && id < XLB_MAX_BACKENDS; id++)
		ret = dp_backend_read(st->dp, id, &rec->bes[id]);
	if (!ret && dp_config_read(st->dp, &rec->cfg))
		memset(&rec->cfg, 0, sizeof(rec->cfg));
	if (!ret)
		ret = dp_vip_foreach(st->dp, adopt_vip, rec);
	/* Adopted: what the data path sends traffic to is the best guess of the last good table. */
	plan_state_adopted(rec);
	return ret;
}

int state_init(struct xlbd_state **out, struct dp *dp)
{
	struct xlbd_state *st = calloc(1, sizeof(*st));
	int ret = -ENOMEM;

	if (!st)
		return -ENOMEM;
	st->dp = dp;
	xlb_conf_init(&st->conf);
	prom_histo_init(&st->reaction, REACTION_BOUNDS,
			sizeof(REACTION_BOUNDS) / sizeof(REACTION_BOUNDS[0]));
	st->rec = calloc(1, sizeof(*st->rec));
	if (!st->rec || plan_init(&st->plan))
		goto err;
	for (int i = 0; i < XLB_MAX_SERVICES; i++)
		stats_init(&st->svc[i]);
	ret = learn(st);
	if (ret)
		goto err;
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
	plan_free(&st->plan);
	free(st->rec);
	free(st->cur);
	free(st->built);
	free(st);
}

const struct xlb_conf *state_conf(const struct xlbd_state *st)
{
	return &st->conf;
}

void state_note_reaction(struct xlbd_state *st, uint64_t ns)
{
	prom_histo_observe(&st->reaction, (double)ns / 1e9);
	st->reaction_tables += st->stats.tables_built;
}

const struct prom_histo *state_health_reaction(const struct xlbd_state *st, uint64_t *tables)
{
	*tables = st->reaction_tables;
	return &st->reaction;
}

const struct xlbd_apply_stats *state_last_apply(const struct xlbd_state *st)
{
	return &st->stats;
}

/* ---- the planner's view of the maps, and what a commit reports ---- */

/* plan_runtime.table_is: the first plan after adoption keeps a table whose slots are what its
 * inputs build, and learns its fingerprint. */
static bool table_is(void *ctx, __u32 svc_id, __u32 m, const struct maglev_backend *mb, size_t n)
{
	struct xlbd_state *st = ctx;

	if (!st->cur)
		st->cur = malloc(sizeof(__u32) * XLB_MAX_TABLE_SIZE);
	if (!st->built)
		st->built = malloc(sizeof(__u32) * XLB_MAX_TABLE_SIZE);
	if (!st->cur || !st->built || maglev_build(mb, n, st->built, m) ||
	    dp_table_read(st->dp, svc_id, m, st->cur, NULL) ||
	    memcmp(st->cur, st->built, sizeof(__u32) * m))
		return false;
	st->svc[svc_id].table_fp = maglev_fingerprint(st->built, m, mb, n);
	return true;
}

/* plan_runtime.healthy: the runtime's health view. */
static bool healthy(void *ctx, const struct xlb_service_ref *svc, const struct xlb_addr *a)
{
	const struct xlbd_state *st = ctx;

	return !st->rt->healthy || st->rt->healthy(svc, a);
}

/* plan_runtime.l2_mac: the runtime's resolved MACs. */
static bool l2_mac(void *ctx, const struct xlb_addr *a, __u8 mac[6])
{
	const struct xlbd_state *st = ctx;

	return st->rt->l2_mac && st->rt->l2_mac(a, mac);
}

/* dp_commit()'s report of a table swapped in. */
static void swapped(void *ctx, const struct plan_op *op, __u64 fingerprint, __u64 ns)
{
	struct xlbd_state *st = ctx;
	struct svc_stats *s = &st->svc[op->id];

	s->table_fp = fingerprint;
	s->rebuilds++;
	prom_histo_observe(&s->rebuild_seconds, (double)ns / 1e9);
}

/* Log the services whose fail-open state the plan changed (c: the configuration planned). */
static void log_fail_open(const struct xlbd_state *st, const struct xlb_conf *c,
			  const struct plan_state *before, const struct plan_state *after)
{
	for (size_t i = 0; i < c->n_services; i++) {
		const struct xlb_conf_service *cs = &c->services[i];
		char ref[XLB_SERVICE_STRLEN];
		struct xlb_svc_key k;
		int was, now;

		plan_svc_key(&cs->ref, &k);
		was = plan_find_service(before, &k);
		now = plan_find_service(after, &k);
		if (now < 0 ||
		    (was >= 0 ? before->svcs[was].fail_open : false) == after->svcs[now].fail_open)
			continue;
		xlb_service_format(&cs->ref, ref, sizeof(ref));
		if (after->svcs[now].fail_open && after->svcs[now].n_good)
			xlog_warn("%s: fewer than %u backends healthy (min_healthy): failing open "
				  "with the last good table (%u backends)",
				  ref, cs->min_healthy, after->svcs[now].n_good);
		else if (after->svcs[now].fail_open)
			xlog_warn("%s: fewer than %u backends healthy (min_healthy): failing open "
				  "with every enabled backend (no good table known)",
				  ref, cs->min_healthy);
		else
			xlog_info("%s: enough healthy backends again: no longer failing open", ref);
	}
	(void)st;
}

/* Attach c's interfaces in their modes and detach the others. Stops at the first failure,
 * unless all: then every interface is tried. Returns 0 or the first -errno (an attachment's
 * message in err). */
static int sync_interfaces(struct xlbd_state *st, const struct xlb_conf *c, bool all, char *err,
			   size_t errlen)
{
	char names[32][XLB_CONF_IFNAMSIZ];
	int n = dp_attached(st->dp, names, 32), ret = 0, r;

	for (size_t i = 0; i < c->n_ifaces && (all || !ret); i++) {
		r = dp_attach(st->dp, c->ifaces[i].name, c->ifaces[i].mode, err, errlen);
		ret = ret ? ret : r;
	}
	for (int i = 0; i < n && (all || !ret); i++) {
		r = xlb_conf_find_iface(c, names[i]) ? 0 : dp_detach(st->dp, names[i]);
		ret = ret ? ret : r;
	}
	return ret;
}

/* Put the interfaces back as the running configuration has them, after a refused change
 * moved them: every one is tried, and a failure is logged. */
static void restore_interfaces(struct xlbd_state *st)
{
	char err[XLB_CONF_ERR_MAX] = "";
	int ret = sync_interfaces(st, &st->conf, true, err, sizeof(err));

	if (ret)
		xlog_err("a refused change: cannot put the interfaces back: %s",
			 err[0] ? err : strerror(-ret));
}

/* Plan conf within scope and commit the plan. On success the record is what the plan made;
 * after a failure part-way it is read back from the maps. ifaces, when not NULL: the
 * configuration whose interfaces to attach once the plan holds and before the maps are
 * written; on any failure after that the running configuration's are put back. */
static int plan_commit(struct xlbd_state *st, const struct xlb_conf *conf,
		       const struct xlbd_runtime *rt, const struct plan_scope *scope,
		       const struct xlb_conf *ifaces, char *err, size_t errlen)
{
	struct plan_runtime prt = {
		.hash_seed = rt->hash_seed,
		.virtual_iface = rt->virtual_iface,
		.healthy = healthy,
		.table_is = table_is,
		.l2_mac = l2_mac,
		.ctx = st,
	};
	struct plan *p = &st->plan;
	struct plan_state *old;
	int ret;

	memcpy(prt.gw_mac, rt->gw_mac, sizeof(prt.gw_mac));
	memset(&st->stats, 0, sizeof(st->stats));
	st->rt = rt;
	ret = plan_build(p, st->rec, conf, &prt, scope, err, errlen);
	free(st->cur); /* table_is()'s scratch: only the first plan after adoption uses it */
	free(st->built);
	st->cur = st->built = NULL;
	if (ret)
		return ret;
	/* The plan holds (ids and map room are there): the interfaces move now, before any map
	 * is written, so that an attachment the kernel refuses leaves the maps alone. */
	if (ifaces) {
		ret = sync_interfaces(st, ifaces, false, err, errlen);
		if (ret) {
			restore_interfaces(st);
			return ret;
		}
	}
	for (size_t i = 0; i < p->n_ops; i++) /* a new service on an id: its figures restart */
		if (p->ops[i].kind == PLAN_SERVICE_COUNTERS_RESET)
			stats_init(&st->svc[p->ops[i].id]);
	ret = dp_commit(st->dp, p, NULL, swapped, st);
	if (ret) {
		snprintf(err, errlen, "applying the configuration failed part-way: %s",
			 strerror(-ret));
		if (learn(st))
			xlog_err("cannot read the maps back after a failed change");
		if (ifaces)
			restore_interfaces(st);
		return ret;
	}
	log_fail_open(st, conf, st->rec, p->next);
	old = st->rec;
	st->rec = p->next;
	p->next = old;
	memcpy(&st->stats, &p->stats, sizeof(st->stats));
	return 0;
}

int state_apply(struct xlbd_state *st, const struct xlb_conf *conf, const char *name,
		const struct xlbd_runtime *rt, char *err, size_t errlen)
{
	struct xlb_conf copy;
	bool running;
	int ret;

	err[0] = '\0';
	for (size_t i = 0; i < conf->n_ifaces; i++) {
		if (!if_nametoindex(conf->ifaces[i].name)) {
			snprintf(err, errlen, "%s: interfaces: %s does not exist", name,
				 conf->ifaces[i].name);
			return -EINVAL;
		}
	}
	ret = xlb_conf_copy(&copy, conf);
	if (ret)
		return ret;
	/* While a configuration runs, its interfaces change once the plan holds and before the
	 * maps are written (plan_commit()): an attachment the kernel refuses (a mode the driver
	 * lacks) leaves the maps as they were, and the interfaces go back to the running
	 * configuration's. The first apply writes the maps first, so that no interface runs
	 * xlb_lb over maps not yet filled. */
	running = st->conf.n_ifaces > 0;
	ret = plan_commit(st, conf, rt, NULL, running ? conf : NULL, err, errlen);
	if (!ret && !running)
		ret = sync_interfaces(st, conf, false, err, errlen);
	if (ret) {
		if (!err[0])
			snprintf(err, errlen, "applying the configuration failed part-way: %s",
				 strerror(-ret));
		if (ret != -ENOSPC)
			xlog_err("%s", err);
		xlb_conf_free(&copy);
		return ret;
	}
	xlb_conf_free(&st->conf);
	st->conf = copy;
	return 0;
}

int state_apply_health(struct xlbd_state *st, const struct xlb_service_ref *svcs, size_t n,
		       const struct xlbd_runtime *rt, char *err, size_t errlen)
{
	struct plan_scope scope = { .only = svcs, .n_only = n };

	err[0] = '\0';
	return plan_commit(st, &st->conf, rt, &scope, NULL, err, errlen);
}

int state_service_id(const struct xlbd_state *st, const struct xlb_service_ref *ref, __u32 *id,
		     __u32 *m)
{
	struct xlb_svc_key k;
	int i;

	plan_svc_key(ref, &k);
	i = plan_find_service(st->rec, &k);
	if (i < 0)
		return -ENOENT;
	*id = (__u32)i;
	*m = st->rec->svcs[i].m;
	return 0;
}

__u32 state_backend_id(const struct xlbd_state *st, __u32 svc_id, const struct xlb_addr *a)
{
	for (__u32 id = 1; id < XLB_MAX_BACKENDS; id++) {
		const struct xlb_backend *b = &st->rec->bes[id];

		if (b->svc_id == svc_id && plan_backend_used(st->rec, id) &&
		    b->family == a->family && !memcmp(b->addr, a->addr, sizeof(a->addr)))
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
	return bid && st->rec->bes[bid].state == XLB_BE_UP;
}

bool state_service_fail_open(const struct xlbd_state *st, const struct xlb_service_ref *svc)
{
	__u32 id, m;

	return !state_service_id(st, svc, &id, &m) && st->rec->svcs[id].fail_open;
}

bool state_service_healthy(const struct xlbd_state *st, const struct xlb_service_ref *svc)
{
	const struct xlb_conf_service *cs = xlb_conf_find_service(state_conf(st), svc);
	__u32 id, m, need;

	if (!cs || state_service_id(st, svc, &id, &m))
		return false;
	need = cs->min_healthy ? cs->min_healthy : 1;
	return st->rec->svcs[id].n_healthy >= need;
}

int state_table_info(const struct xlbd_state *st, const struct xlb_service_ref *ref,
		     struct state_table_info *out)
{
	__u32 id, m;

	if (state_service_id(st, ref, &id, &m) || !st->rec->svcs[id].has_table)
		return -ENOENT;
	out->fingerprint = st->svc[id].table_fp;
	out->rebuilds = st->svc[id].rebuilds;
	out->rebuild_seconds = &st->svc[id].rebuild_seconds;
	return 0;
}

void state_foreach_backend(const struct xlbd_state *st,
			   void (*fn)(__u32 id, const struct xlb_backend *be, void *ctx), void *ctx)
{
	for (__u32 id = 1; id < XLB_MAX_BACKENDS; id++)
		if (plan_backend_used(st->rec, id))
			fn(id, &st->rec->bes[id], ctx);
}
