// SPDX-License-Identifier: GPL-2.0
/* members.c - which backends of a service are up, and so in its Maglev table: see members.h. */
#include "members.h"

__u8 members_admin_state(const struct xlb_conf_backend *b)
{
	if (b->admin == XLB_ADMIN_DISABLED)
		return XLB_BE_DOWN;
	if (b->admin == XLB_ADMIN_DRAIN || b->weight == 0)
		return XLB_BE_DRAIN;
	return XLB_BE_UP;
}

struct members_result members_states(const struct xlb_conf_service *cs,
				     const struct members_view *v, __u8 *states)
{
	struct members_result r = { 0 };

	for (size_t i = 0; i < cs->n_backends; i++) {
		states[i] = members_admin_state(&cs->backends[i]);
		if (states[i] != XLB_BE_UP)
			continue;
		r.n_healthy += v->healthy(v->ctx, i);
		r.n_good += v->good(v->ctx, i);
	}
	r.fail_open = r.n_healthy < cs->min_healthy;
	for (size_t i = 0; i < cs->n_backends; i++) {
		if (states[i] != XLB_BE_UP || v->healthy(v->ctx, i))
			continue;
		if (!r.fail_open || (r.n_good && !v->good(v->ctx, i)))
			states[i] = XLB_BE_DOWN;
	}
	return r;
}
