// SPDX-License-Identifier: GPL-2.0
/* hcstate.c - rise/fall damping of health-check results: see hcstate.h. */
#include "hcstate.h"

void hc_init(struct hc_state *s, bool up)
{
	s->up = up;
	s->any = false;
	s->last_ok = false;
	s->run = 0;
}

bool hc_step(struct hc_state *s, bool ok, unsigned rise, unsigned fall)
{
	s->run = s->any && s->last_ok == ok ? s->run + 1 : 1;
	s->last_ok = ok;
	s->any = true;
	/* A result that agrees with the state only extends the run. */
	if (s->up == ok || s->run < (ok ? rise : fall))
		return false;
	s->up = ok;
	return true;
}
