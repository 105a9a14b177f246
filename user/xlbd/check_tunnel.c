// SPDX-License-Identifier: GPL-2.0
/* check_tunnel.c - the tunnel check type: a probe through the backend's decapsulation to
 * VIP:port, sent and answered by hc_tunnel.c (shared sockets, one probe per target id). */
#include "check.h"
#include "hc_tunnel.h"

static struct {
	struct xlb_addr src4, src6; /* tunnel_source, tunnel_source_v6 */
} TUN;

static void tunnel_done(size_t id, enum hc_result r)
{
	struct hc_target *t = hc_target_by_id(id);

	/* A late answer to a cancelled probe, or to a target that changed type, is no result. */
	if (!t || !t->busy || t->cfg.type != XLB_HC_TUNNEL)
		return;
	hc_done(t, r);
}

static int tunnel_init(struct loop *l)
{
	hc_tunnel_init(l, tunnel_done);
	return 0;
}

static void tunnel_sync(const struct xlb_conf *c)
{
	TUN.src4 = c->tunnel_source;
	TUN.src6 = c->tunnel_source_v6;
}

static void tunnel_start(struct hc_target *t)
{
	struct hc_tunnel_probe p = {
		.backend = t->addr,
		.outer_src = t->addr.family == XLB_AF_INET6 ? TUN.src6 : TUN.src4,
		.vip = t->svc.vip,
		.inner_src = t->svc.vip.family == XLB_AF_INET6 ? TUN.src6 : TUN.src4,
		.port = t->port,
		.proto = t->svc.proto,
		.payload = t->cfg.payload,
		.expect = t->cfg.expect_payload,
	};
	int ret = hc_tunnel_start(t->id, &p);

	if (ret)
		hc_done(t, hc_errno_result(-ret));
}

static void tunnel_cancel(struct hc_target *t)
{
	hc_tunnel_cancel(t->id);
}

const struct hc_type hc_type_tunnel = {
	.name = "tunnel",
	.init = tunnel_init,
	.fini = hc_tunnel_fini,
	.sync = tunnel_sync,
	.start = tunnel_start,
	.cancel = tunnel_cancel,
};
