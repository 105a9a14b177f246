/* SPDX-License-Identifier: GPL-2.0 */
/* members.h - which backends of a service are up, and so in its Maglev table: administrative
 * state and weight first, then health, then fail-open under min_healthy. The one statement of
 * the rule: xlbd applies it (state.c) and `lbctl table plan` predicts with it. Pure: the
 * caller says which backends pass their checks and which were in the last good table. */
#ifndef XLB_MEMBERS_H
#define XLB_MEMBERS_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "xlb_abi.h"

/* The data-path state (XLB_BE_*) a backend's configuration alone asks for: disabled is down;
 * drain, or weight 0, is drain (keeps its flows, takes no new ones); else up. */
__u8 members_admin_state(const struct xlb_conf_backend *b);

/* What the caller knows of backend i (an index into cs->backends) of a service. */
struct members_view {
	bool (*healthy)(void *ctx, size_t i); /* passes its checks (or has none) */
	bool (*good)(void *ctx, size_t i); /* was up in the service's last good table */
	void *ctx;
};

/* The outcome for a whole service. */
struct members_result {
	bool fail_open; /* fewer than min_healthy enabled backends are healthy */
	unsigned n_healthy; /* enabled (up by configuration) backends passing their checks */
	unsigned n_good; /* of those up by configuration, how many were in the last good table */
};

/* Fill states[i] (XLB_BE_*) for every backend of cs. A backend up by its configuration that
 * fails its checks goes down, unless the service fails open: then it stays up when it was in
 * the last good table, or when no backend up by configuration was (every enabled backend
 * stays up: a dead backend beats dropping everything). Returns the service's outcome. */
struct members_result members_states(const struct xlb_conf_service *cs,
				     const struct members_view *v, __u8 *states);

#endif /* XLB_MEMBERS_H */
