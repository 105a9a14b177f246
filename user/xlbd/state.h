/* SPDX-License-Identifier: GPL-2.0 */
/* state.h - xlbd's desired state and its reconciliation into the maps: the record of what the
 * maps hold, plans from the planner (plan.h: ids with generations, Maglev tables rebuilt only
 * when their inputs change and swapped whole, writes in an order that never shows the data path
 * a service without its table or a table entry without its backend) committed by dataplane.c. */
#ifndef XLBD_STATE_H
#define XLBD_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "config.h"
#include "dataplane.h"
#include "promtext.h"

struct xlbd_state;

/* What the configuration alone does not say. */
struct xlbd_runtime {
	__u32 hash_seed; /* the effective seed (configured, or the persisted automatic one) */
	bool virtual_iface; /* an interface is virtual (plan_runtime.virtual_iface) */
	__u8 gw_mac[6]; /* the effective gateway MAC; all zero while unresolved */
	/* Whether backend a of service svc passes its health checks; NULL: all do. */
	bool (*healthy)(const struct xlb_service_ref *svc, const struct xlb_addr *a);
	/* The MAC of encap l2 backend a: true with mac set when resolved; NULL: none is, so
	 * every l2 backend is out of its table (plan_runtime.l2_mac). */
	bool (*l2_mac)(const struct xlb_addr *a, __u8 mac[6]);
};

/* Create the state over an open data plane, learning ids, generations and tables from the
 * maps (a fresh data plane has none). Returns 0 or -errno. */
int state_init(struct xlbd_state **out, struct dp *dp);
void state_free(struct xlbd_state *st);

/* Make the maps and attachments say what conf (valid: xlb_conf_validate()) and rt say. Its
 * interfaces must exist and the ids it needs be free: on -EINVAL / -ENOSPC nothing has changed
 * and err names the problem; an interface the kernel will not attach (its mode) changes nothing
 * either, once a configuration runs. Only what differs is written; a table is rebuilt only when its
 * backend set, weights, states or size changed. On success st keeps a copy of conf. Returns 0
 * or -errno (a failure part-way leaves a consistent, partly updated state, is logged, and the
 * record is read back from the maps; applying again completes it). */
int state_apply(struct xlbd_state *st, const struct xlb_conf *conf, const char *name,
		const struct xlbd_runtime *rt, char *err, size_t errlen);

/* The health view in rt changed for backends of the n services svcs (of the configuration
 * last applied; others are ignored): plan and write those services alone, nothing else. The
 * same returns and guarantees as state_apply(). */
int state_apply_health(struct xlbd_state *st, const struct xlb_service_ref *svcs, size_t n,
		       const struct xlbd_runtime *rt, char *err, size_t errlen);

/* The configuration last applied (initialised and empty before the first apply). */
const struct xlb_conf *state_conf(const struct xlbd_state *st);

/* Counters of what the last state_apply() wrote, for logs and tests. */
struct xlbd_apply_stats {
	unsigned services_added, services_removed, services_changed;
	unsigned backends_written, backends_freed;
	unsigned tables_built, tables_kept;
	unsigned vips_written, vips_removed;
	bool config_written;
};
const struct xlbd_apply_stats *state_last_apply(const struct xlbd_state *st);

/* Health verdicts reached the data path ns after the first of them, through the last apply
 * (whose tables built count): one observation of the reaction histogram. */
void state_note_reaction(struct xlbd_state *st, uint64_t ns);

/* Seconds from a health verdict to the data path following it (its services planned, their
 * tables swapped, their entries written), one observation per pass; *tables: the tables those
 * passes built, summed. */
const struct prom_histo *state_health_reaction(const struct xlbd_state *st, uint64_t *tables);

/* Whether the data path sends new flows to backend a of service svc now (its entry is up):
 * how a restarted daemon's health checks start where the data path is. */
bool state_backend_up(const struct xlbd_state *st, const struct xlb_service_ref *svc,
		      const struct xlb_addr *a);

/* Whether service svc fails open now (fewer than min_healthy healthy backends). */
bool state_service_fail_open(const struct xlbd_state *st, const struct xlb_service_ref *svc);

/* Whether service svc is healthy enough to be announced: applied, and at least min_healthy
 * (and at least one) of its enabled backends pass their checks. */
bool state_service_healthy(const struct xlbd_state *st, const struct xlb_service_ref *svc);

/* The service id and table size in use for ref. Returns 0, or -ENOENT when it is not applied. */
int state_service_id(const struct xlbd_state *st, const struct xlb_service_ref *ref, __u32 *id,
		     __u32 *m);

/* The backend id of address a in service svc_id, or 0. */
__u32 state_backend_id(const struct xlbd_state *st, __u32 svc_id, const struct xlb_addr *a);

/* What the metrics show of one service's table. */
struct state_table_info {
	__u64 fingerprint; /* maglev_fingerprint() of the table in the map, as the API's
			    * GET /v1/tables computes it from the map; 0 when unknown */
	__u64 rebuilds; /* tables built and swapped in since the service was added */
	const struct prom_histo *rebuild_seconds; /* their durations (valid until next apply) */
};

/* Fill *out for service ref. Returns 0, or -ENOENT when it is not applied or has no table. */
int state_table_info(const struct xlbd_state *st, const struct xlb_service_ref *ref,
		     struct state_table_info *out);

/* Call fn for every backend entry in use (id order), as written to xlb_backends. */
void state_foreach_backend(const struct xlbd_state *st,
			   void (*fn)(__u32 id, const struct xlb_backend *be, void *ctx),
			   void *ctx);

#endif /* XLBD_STATE_H */
