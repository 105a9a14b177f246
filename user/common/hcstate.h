/* SPDX-License-Identifier: GPL-2.0 */
/* hcstate.h - the rise/fall state machine of one health-checked backend, pure so that it is
 * tested on its own: `rise` consecutive successes take a backend up, `fall` consecutive
 * failures take it down, anything else keeps its state. */
#ifndef XLB_HCSTATE_H
#define XLB_HCSTATE_H

#include <stdbool.h>

struct hc_state {
	bool up; /* the state the checks have established */
	bool any; /* at least one result seen */
	bool last_ok; /* the last result */
	unsigned run; /* consecutive results equal to the last one */
};

/* Start a backend in state up (a restarted daemon restores the data path's view). */
void hc_init(struct hc_state *s, bool up);

/* Feed one result. Returns true when the state changed (s->up is the new state). */
bool hc_step(struct hc_state *s, bool ok, unsigned rise, unsigned fall);

#endif /* XLB_HCSTATE_H */
