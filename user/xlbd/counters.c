// SPDX-License-Identifier: GPL-2.0
/* counters.c - one snapshot of xlb_lb's traffic counters for the API and /metrics: see
 * counters.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "counters.h"
#include "dataplane.h"
#include "state.h"
#include "xlbd.h"

struct walk {
	struct counters *c;
	struct dp *dp;
	__s32 by_svc_id[XLB_MAX_SERVICES]; /* service id -> row in c->services, or -1 */
	size_t cap;
	int err;
};

static void read_backend(__u32 id, const struct xlb_backend *be, void *ctx)
{
	struct walk *w = ctx;
	struct counters *c = w->c;
	struct counters_backend *r;

	if (w->err || be->svc_id >= XLB_MAX_SERVICES || w->by_svc_id[be->svc_id] < 0 ||
	    id >= XLB_MAX_BACKENDS)
		return; /* an entry of a service being replaced: not in the configuration */
	if (c->n_backends == w->cap) {
		size_t cap = w->cap ? w->cap * 2 : 256;
		struct counters_backend *grown = realloc(c->backends, cap * sizeof(*grown));

		if (!grown) {
			w->err = -ENOMEM;
			return;
		}
		c->backends = grown;
		w->cap = cap;
	}
	r = &c->backends[c->n_backends++];
	r->id = id;
	r->svc = (size_t)w->by_svc_id[be->svc_id];
	r->entry = *be;
	r->read = !dp_counter(w->dp, DP_CNT_BACKEND, id, &r->traffic);
	c->row_of[id] = (__u32)c->n_backends;
}

int counters_read(const struct xlbd *x, struct counters *out)
{
	const struct xlb_conf *conf = state_conf(x->state);
	struct walk *w = calloc(1, sizeof(*w));
	int ret;

	memset(out, 0, sizeof(*out));
	out->conf = conf;
	out->services = calloc(conf->n_services ? conf->n_services : 1, sizeof(*out->services));
	out->row_of = calloc(XLB_MAX_BACKENDS, sizeof(*out->row_of));
	if (!w || !out->services || !out->row_of) {
		free(w);
		counters_free(out);
		return -ENOMEM;
	}
	w->c = out;
	w->dp = x->dp;
	for (size_t i = 0; i < XLB_MAX_SERVICES; i++)
		w->by_svc_id[i] = -1;
	for (__u32 r = 0; r < XLB_R_MAX; r++)
		out->reason_read[r] = !dp_counter(x->dp, DP_CNT_REASON, r, &out->reasons[r]);
	for (size_t i = 0; i < conf->n_services; i++) {
		struct counters_service *s = &out->services[i];
		__u32 m;

		if (state_service_id(x->state, &conf->services[i].ref, &s->id, &m) ||
		    s->id >= XLB_MAX_SERVICES)
			continue;
		s->applied = true;
		s->read = !dp_counter(x->dp, DP_CNT_SERVICE, s->id, &s->traffic);
		w->by_svc_id[s->id] = (__s32)i;
	}
	state_foreach_backend(x->state, read_backend, w);
	ret = w->err;
	free(w);
	if (ret)
		counters_free(out);
	return ret;
}

const struct counters_backend *counters_backend(const struct counters *c, __u32 id)
{
	if (id >= XLB_MAX_BACKENDS || !c->row_of[id])
		return NULL;
	return &c->backends[c->row_of[id] - 1];
}

void counters_free(struct counters *c)
{
	free(c->services);
	free(c->backends);
	free(c->row_of);
	c->services = NULL;
	c->backends = NULL;
	c->row_of = NULL;
	c->n_backends = 0;
}
