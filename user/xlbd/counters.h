/* SPDX-License-Identifier: GPL-2.0 */
/* counters.h - one snapshot of the traffic counters xlb_lb keeps: by verdict reason, by applied
 * service and by backend entry, each summed over CPUs. GET /v1/stats (api.c) and /metrics
 * (metrics.c) both format from it, so that the two always read the same counters the same way. */
#ifndef XLBD_COUNTERS_H
#define XLBD_COUNTERS_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "config.h"
#include "xlb_abi.h"
#include "xlb_reasons.h"

struct xlbd;

/* A configured service. */
struct counters_service {
	bool applied; /* it has a service id; the fields below are meaningful only then */
	__u32 id; /* its service id: index of xlb_svc_stats */
	bool read; /* traffic holds its counter (false: the map refused the read) */
	struct xlb_counter traffic;
};

/* A backend entry of an applied, configured service. */
struct counters_backend {
	__u32 id; /* its backend id: index of xlb_backends and xlb_be_stats */
	size_t svc; /* its service: index of counters.services and of conf->services */
	struct xlb_backend entry; /* the entry as xlbd wrote it: address, state, weight */
	bool read; /* traffic holds its counter (false: the map refused the read) */
	struct xlb_counter traffic;
};

struct counters {
	const struct xlb_conf *conf; /* the running configuration the snapshot follows */
	bool reason_read[XLB_R_MAX]; /* reasons[r] holds its counter */
	struct xlb_counter reasons[XLB_R_MAX]; /* by enum xlb_reason */
	struct counters_service *services; /* conf->n_services rows, in the configuration's order */
	struct counters_backend *backends; /* n_backends rows, by ascending backend id */
	size_t n_backends;
	__u32 *row_of; /* backend id -> its row + 1 in backends, 0 when none */
};

/* Read every counter now, for the configuration x's state runs: each service of it that is
 * applied, each backend entry of those services (entries of services being replaced, which
 * the configuration no longer names, are left out), and every reason. A counter the map
 * refuses to give is marked not read and the rest is still read. Returns 0 (release with
 * counters_free()) or -ENOMEM with nothing to release. */
int counters_read(const struct xlbd *x, struct counters *out);

/* The row of backend id in c, or NULL when c has none. */
const struct counters_backend *counters_backend(const struct counters *c, __u32 id);

/* Release what counters_read() allocated; a second call does nothing. */
void counters_free(struct counters *c);

#endif /* XLBD_COUNTERS_H */
