/* SPDX-License-Identifier: GPL-2.0 */
/* plan.h - the planner: what xlb_lb's maps must become for a configuration, as an ordered list
 * of map operations whose order never shows the data path something half made. Pure (no
 * libbpf, no daemon): xlbd's state.c keeps the record of the maps, asks for a plan and hands it
 * to dataplane.c, which carries it out in one call; the unit tests read plans directly.
 *
 * The order (docs/xlbd.md): the config entry (with the wildcard flag while any old or new
 * service is a wildcard), services that go away (service entry -> table -> backends marked
 * down and freed), VIP entries the new services need, then each service (backend entries
 * that become usable -> its new table, swapped whole -> entries that leave the table -> the
 * backends it no longer has -> its service entry, new or moved to a new id for a new table
 * size), VIP entries no service needs, and the config entry without the wildcard flag. A
 * freed backend id keeps its generation; its next owner gets generation + 1, so connection
 * entries that still name the id are re-selected instead of reaching the new owner. */
#ifndef XLB_PLAN_H
#define XLB_PLAN_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "maglev.h"
#include "xlb_abi.h"

#define PLAN_SVC_NONE 0xffffffffU /* xlb_backend.svc_id of a free backend id */

/* One service id as the maps hold it, and what the planner remembers of it. */
struct plan_svc {
	bool used;
	struct xlb_svc_key key;
	__u32 m; /* table size */
	bool has_table;
	__u64 inputs; /* fingerprint of the inputs of the table in the map; 0 = unknown */
	bool fail_open; /* too few healthy backends: the last good table kept (min_healthy) */
	__u32 n_healthy; /* enabled backends passing their checks at the last plan */
	__u32 n_good; /* of those up by configuration, how many were in the last good table */
};

/* One VIP entry in the map. */
struct plan_vip {
	struct xlb_vip_key key;
	struct xlb_vip val;
};

/* The record of the maps: what they hold after every operation planned so far. */
struct plan_state {
	struct plan_svc svcs[XLB_MAX_SERVICES];
	struct xlb_backend bes[XLB_MAX_BACKENDS]; /* as in xlb_backends; [0] unused */
	bool good[XLB_MAX_BACKENDS]; /* up in its service's last good table (fail-open keeps it) */
	struct xlb_config cfg; /* the config entry (all zero: none written yet) */
	struct plan_vip vips[XLB_MAX_VIPS];
	size_t n_vips;
};

/* Fill a record from what adoption read: services (used, key, m, has_table) and backend
 * entries already in s; every backend id whose service is known and which is up is taken to
 * be in its service's last good table, the best guess after a restart. */
void plan_state_adopted(struct plan_state *s);

/* Whether backend id is owned by a known service. */
bool plan_backend_used(const struct plan_state *s, __u32 id);

/* What the configuration alone does not say. */
struct plan_runtime {
	__u32 hash_seed; /* the effective seed */
	bool virtual_iface; /* an interface is virtual: conntrack.cross_cpu auto means on */
	__u8 gw_mac[6]; /* the effective gateway MAC; all zero while unresolved */
	/* Whether backend a of service svc passes its checks; NULL: all do. */
	bool (*healthy)(void *ctx, const struct xlb_service_ref *svc, const struct xlb_addr *a);
	/* For a table adopted from the maps (inputs unknown): whether the table of svc_id in the
	 * map equals the one the n inputs build with m slots; when it does, the table is kept.
	 * NULL: adopted tables are always rebuilt. */
	bool (*table_is)(void *ctx, __u32 svc_id, __u32 m, const struct maglev_backend *mb,
			 size_t n);
	/* The MAC of an encap l2 backend at address a: true with mac set when the neighbour
	 * table resolved it; false while it is not resolved, and the backend is then planned
	 * like one that fails its checks (out of the table, flows re-selected). NULL: no MAC is
	 * known, so every l2 backend is out. */
	bool (*l2_mac)(void *ctx, const struct xlb_addr *a, __u8 mac[6]);
	void *ctx; /* for healthy, table_is and l2_mac */
};

enum plan_op_kind {
	PLAN_CONFIG_WRITE, /* cfg into xlb_config */
	PLAN_SERVICE_WRITE, /* svc.key -> svc.val into xlb_services */
	PLAN_SERVICE_DELETE, /* svc.key */
	PLAN_VIP_WRITE, /* vip.key -> vip.val into xlb_vips */
	PLAN_VIP_DELETE, /* vip.key */
	PLAN_BACKEND_WRITE, /* be into xlb_backends[id] */
	PLAN_SERVICE_COUNTERS_RESET, /* zero xlb_svc_stats[id]: a new service takes the id */
	PLAN_BACKEND_COUNTERS_RESET, /* zero xlb_backend_stats[id]: a new backend takes the id */
	PLAN_TABLE_SWAP, /* build table.m slots from table's inputs, swap in as service id's */
	PLAN_TABLE_DELETE, /* remove the table of service id */
};

struct plan_op {
	enum plan_op_kind kind;
	__u32 id; /* the backend id or the service id the operation is about */
	union {
		struct xlb_config cfg;
		struct {
			struct xlb_svc_key key;
			struct xlb_svc val;
		} svc;
		struct plan_vip vip;
		struct xlb_backend be;
		struct {
			__u32 m;
			size_t first, n; /* inputs: plan->mb[first .. first + n), sorted */
		} table;
	};
};

/* What a plan writes, for logs and tests. */
struct plan_stats {
	unsigned services_added, services_removed, services_changed;
	unsigned backends_written, backends_freed;
	unsigned tables_built, tables_kept;
	unsigned vips_written, vips_removed;
	bool config_written;
};

struct plan {
	struct plan_op *ops;
	size_t n_ops, cap_ops;
	struct maglev_backend *mb; /* the inputs of every table the plan swaps in */
	size_t n_mb, cap_mb;
	struct plan_stats stats;
	struct plan_state *next; /* the record once every operation is done */
	struct plan_work *work; /* the planner's scratch, kept between plans */
};

/* Which services a plan covers. */
struct plan_scope {
	/* NULL: the whole configuration (services that went away are removed, VIPs and the
	 * config entry follow). Otherwise only these services of it, by reference, for a change
	 * of health: nothing else is looked at or written. */
	const struct xlb_service_ref *only;
	size_t n_only;
};

/* Make an empty plan with room for its record. Returns 0 or -ENOMEM. */
int plan_init(struct plan *p);
void plan_free(struct plan *p);

/* Whether c's connection table keeps flows to their CPU's part (XLB_CFG_F_CPU_LOCAL):
 * conntrack.cross_cpu off, or auto when no interface is virtual (virtual_iface false). */
bool plan_cpu_local(const struct xlb_conf *c, bool virtual_iface);

/* Plan what makes maps recorded in cur say what conf (already validated) and rt say, within
 * scope (NULL: all of conf). Only what differs is planned; a table is rebuilt only when its
 * backend set, weights, states or size changed. On success the plan holds the operations in
 * their safe order and p->next the record after them; cur is not changed. On -ENOSPC (the
 * ids needed are not free) nothing is planned and err names the limit; -ENOMEM otherwise. */
int plan_build(struct plan *p, const struct plan_state *cur, const struct xlb_conf *conf,
	       const struct plan_runtime *rt, const struct plan_scope *scope, char *err,
	       size_t errlen);

/* The key of service ref in xlb_services. */
void plan_svc_key(const struct xlb_service_ref *ref, struct xlb_svc_key *key);

/* The id of the service with key in s, or -1. */
int plan_find_service(const struct plan_state *s, const struct xlb_svc_key *key);

/* The name of an operation kind, for logs and tests ("backend write" ...). */
const char *plan_op_name(enum plan_op_kind kind);

#endif /* XLB_PLAN_H */
