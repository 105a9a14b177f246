// SPDX-License-Identifier: GPL-2.0
/* check_tunnel.c - the tunnel check type: a probe through the backend's forwarding mode (ipip
 * or gue decapsulation, or l2 direct routing) to VIP:port, sent and answered by hc_tunnel.c
 * (shared sockets, one probe per target id). */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "hc_tunnel.h"

/* A backend whose mode is not ipip, by (service, address): sorted for bsearch(). */
struct tun_mode {
	struct xlb_service_ref svc;
	struct xlb_addr addr;
	__u8 encap;
};

static struct {
	struct xlb_addr src4, src6; /* tunnel_source, tunnel_source_v6 */
	__u16 gue_port;
	struct tun_mode *modes; /* the backends that are not ipip, the only ones looked up */
	size_t n_modes;
} TUN;

/* Field by field: the structs have padding the engine's copies need not have zeroed. */
static int addr_cmp(const struct xlb_addr *x, const struct xlb_addr *y)
{
	if (x->family != y->family)
		return x->family < y->family ? -1 : 1;
	return memcmp(x->addr, y->addr, sizeof(x->addr));
}

static int mode_cmp(const void *a, const void *b)
{
	const struct tun_mode *x = a, *y = b;
	int c = addr_cmp(&x->svc.vip, &y->svc.vip);

	if (!c && x->svc.port != y->svc.port)
		c = x->svc.port < y->svc.port ? -1 : 1;
	if (!c && x->svc.proto != y->svc.proto)
		c = x->svc.proto < y->svc.proto ? -1 : 1;
	return c ? c : addr_cmp(&x->addr, &y->addr);
}

/* The mode of backend a of service svc in the configuration last synced. */
static __u8 mode_of(const struct xlb_service_ref *svc, const struct xlb_addr *a)
{
	struct tun_mode key, *m;

	memset(&key, 0, sizeof(key));
	key.svc = *svc;
	key.addr = *a;
	m = TUN.n_modes ? bsearch(&key, TUN.modes, TUN.n_modes, sizeof(key), mode_cmp) : NULL;
	return m ? m->encap : XLB_ENCAP_IPIP;
}

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

static void tunnel_fini(void)
{
	hc_tunnel_fini();
	free(TUN.modes);
	TUN.modes = NULL;
	TUN.n_modes = 0;
}

static void tunnel_sync(const struct xlb_conf *c)
{
	size_t n = 0;

	TUN.src4 = c->tunnel_source;
	TUN.src6 = c->tunnel_source_v6;
	TUN.gue_port = (__u16)c->gue_port;
	for (size_t i = 0; i < c->n_services; i++)
		for (size_t j = 0; j < c->services[i].n_backends; j++)
			n += c->services[i].backends[j].encap != XLB_ENCAP_IPIP;
	free(TUN.modes);
	TUN.n_modes = 0;
	TUN.modes = n ? calloc(n, sizeof(*TUN.modes)) : NULL;
	if (!TUN.modes) /* out of memory: every probe goes ipip, and fails where that is wrong */
		return;
	for (size_t i = 0; i < c->n_services; i++)
		for (size_t j = 0; j < c->services[i].n_backends; j++) {
			const struct xlb_conf_backend *b = &c->services[i].backends[j];
			struct tun_mode *m = &TUN.modes[TUN.n_modes];

			if (b->encap == XLB_ENCAP_IPIP)
				continue;
			m->svc = c->services[i].ref;
			m->addr = b->addr;
			m->encap = (__u8)b->encap;
			TUN.n_modes++;
		}
	qsort(TUN.modes, TUN.n_modes, sizeof(*TUN.modes), mode_cmp);
}

static void tunnel_start(struct hc_target *t)
{
	struct hc_tunnel_probe p = {
		.backend = t->addr,
		.encap = mode_of(&t->svc, &t->addr),
		.gue_port = TUN.gue_port,
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
	.fini = tunnel_fini,
	.sync = tunnel_sync,
	.start = tunnel_start,
	.cancel = tunnel_cancel,
};
