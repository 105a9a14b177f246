// SPDX-License-Identifier: GPL-2.0
/* reconcile.c - the only owner of changes to the running configuration after start-up: apply
 * a model (API, first start), reload the file (SIGHUP, API), a health transition, a new
 * gateway MAC; each validates, prepares what can fail outside the maps, then writes the maps
 * through state.c and brings the announced routes in step. See reconcile.h. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>

#include "announce.h"
#include "dataplane.h"
#include "health.h"
#include "l2mac.h"
#include "log.h"
#include "loop.h"
#include "metrics.h"
#include "neigh.h"
#include "plan.h"
#include "reconcile.h"
#include "state.h"

#define GW_RETRY_MS 1000 /* gateway MAC re-read (and resolution retried) this often */
#define ANNOUNCE_MS 1000 /* announced routes re-checked (attachment, failed changes) */
#define RETRY_MS 1000 /* a health pass that failed is retried (whole) this often */
#define L2_REFRESH_MS 1000 /* l2 backends' MACs re-read (and resolution retried) this often */

static struct xlbd *X; /* the daemon's context, from reconcile_init() */

void reconcile_init(struct xlbd *x)
{
	X = x;
}

/* ---- hash seed and gateway: the runtime part of the data plane's config ---- */

/* hash_seed: auto is generated once and kept in STATE_DIR/hash_seed; an adopted data plane's
 * seed wins over a missing file so that a restart never re-hashes. */
static int resolve_seed(const struct xlb_conf *c, __u32 *seed, char *err, size_t errlen)
{
	char path[XLB_CONF_PATH_MAX + 16];
	struct xlb_config cur;
	FILE *f;

	if (!c->hash_seed_auto) {
		*seed = c->hash_seed;
		return 0;
	}
	snprintf(path, sizeof(path), "%s/hash_seed", c->state_dir);
	f = fopen(path, "r");
	if (f) {
		unsigned long v;
		int ok = fscanf(f, "%lu", &v) == 1 && v <= 0xffffffffUL;

		fclose(f);
		if (ok) {
			*seed = (__u32)v;
			return 0;
		}
		xlog_warn("%s: unreadable, replacing it", path);
	}
	if (X->state && dp_adopted(X->dp) && !dp_config_read(X->dp, &cur) && cur.abi_version)
		*seed = cur.hash_seed;
	else if (getrandom(seed, sizeof(*seed), 0) != sizeof(*seed))
		return -errno;
	if (mkdir(c->state_dir, 0755) && errno != EEXIST) {
		snprintf(err, errlen, "cannot create %s: %s", c->state_dir, strerror(errno));
		return -errno;
	}
	f = fopen(path, "w");
	if (!f || fprintf(f, "%u\n", *seed) < 0 || fclose(f)) {
		snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
		return -EIO;
	}
	xlog_info("hash seed generated and saved in %s", path);
	return 0;
}

/* The first backend address of c: the route towards it names the gateway. */
static const struct xlb_addr *first_backend(const struct xlb_conf *c)
{
	for (size_t i = 0; i < c->n_services; i++)
		if (c->services[i].n_backends)
			return &c->services[i].backends[0].addr;
	return NULL;
}

/* Fill rt->gw_mac for c. Returns 0, or -EAGAIN when auto resolution has not succeeded yet. */
static int resolve_gateway(const struct xlb_conf *c, struct xlbd_runtime *rt, bool quiet)
{
	const struct xlb_addr *to = first_backend(c);
	char err[256];
	int ret;

	if (!c->gateway_auto) {
		memcpy(rt->gw_mac, c->gateway_mac, 6);
		return 0;
	}
	if (!to)
		return 0; /* nothing to send anywhere yet */
	ret = neigh_gateway_mac(to, rt->gw_mac, err, sizeof(err));
	if (ret && !quiet)
		xlog_warn("gateway: auto: %s; retrying every %d ms", err, GW_RETRY_MS);
	return ret ? -EAGAIN : 0;
}

/* Whether an interface of c is virtual: no bus behind it (a veth, whose XDP runs on the
 * sending CPU), or one ethtool does not describe. conntrack.cross_cpu auto is then on. */
static bool any_virtual(const struct xlb_conf *c)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	bool virt = fd < 0;

	for (size_t i = 0; i < c->n_ifaces && !virt; i++) {
		struct ethtool_drvinfo info = { .cmd = ETHTOOL_GDRVINFO };
		struct ifreq ifr = { .ifr_data = (void *)&info };

		snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", c->ifaces[i].name);
		virt = ioctl(fd, SIOCETHTOOL, &ifr) || !info.bus_info[0] ||
		       !strcmp(info.driver, "veth");
	}
	if (fd >= 0)
		close(fd);
	return virt;
}

/* Say, when it changes, whether the connection table keeps flows to their CPU's part. */
static void log_cross_cpu(const struct xlb_conf *c, bool virtual_iface)
{
	static int said = -1; /* what the log said last: -1 nothing yet, else cpu_local */
	bool local = plan_cpu_local(c, virtual_iface);

	if (said == local)
		return;
	said = local;
	xlog_info("connection table: %s (conntrack.cross_cpu %s%s)",
		  local ? "each CPU looks only in its own part"
			: "flows are looked for in every CPU's part",
		  xlb_cross_cpu_name(c->cross_cpu),
		  c->cross_cpu != XLB_CROSS_CPU_AUTO ? ""
		  : virtual_iface		     ? ": an interface is virtual"
						     : ": no interface is virtual");
}

/* ---- announcement ---- */

/* Bring the announced VIP routes in step with the running configuration and health. */
static void announce_now(void)
{
	char names[XLB_CONF_MAX_IFACES][XLB_CONF_IFNAMSIZ];
	bool attached = dp_attached(X->dp, names, XLB_CONF_MAX_IFACES) > 0;

	announce_sync(state_conf(X->state), X->state, attached);
}

static void announce_timer(struct loop *l, void *arg)
{
	(void)l;
	(void)arg;
	announce_now();
}

/* ---- apply and reload ---- */

static bool was_up(const struct xlb_service_ref *svc, const struct xlb_addr *a, void *ctx)
{
	(void)ctx;
	return X->state && state_backend_up(X->state, svc, a);
}

/* reconcile_apply() once c is valid and its metrics address is bound: health targets, seed,
 * gateway, then the maps. The targets follow c first, because the plan reads their view (a
 * new backend starts as its check's initial says); when c is refused after that,
 * health_restore() makes them the running configuration's again, with the state of those c
 * removed or reset (a backend the engine no longer knew would count as up). */
static int apply_valid(const struct xlb_conf *c, const char *name, char *err, size_t errlen)
{
	struct xlbd_runtime rt = X->rt;
	const struct xlbd_apply_stats *s;
	int ret;

	ret = health_sync(c, was_up, NULL);
	if (ret)
		goto refused;
	rt.healthy = health_is_up;
	rt.l2_mac = l2mac_get;
	ret = resolve_seed(c, &rt.hash_seed, err, errlen);
	if (ret)
		goto refused;
	if (resolve_gateway(c, &rt, false) == -EAGAIN)
		memset(rt.gw_mac, 0, sizeof(rt.gw_mac));
	rt.virtual_iface = any_virtual(c);
	ret = state_apply(X->state, c, name, &rt, err, errlen);
	if (ret)
		goto refused;
	health_applied();
	log_cross_cpu(c, rt.virtual_iface);
	X->rt = rt;
	announce_now();
	s = state_last_apply(X->state);
	xlog_info("%s applied: services +%u -%u ~%u, backends written %u freed %u, tables built "
		  "%u kept %u, vips +%u -%u%s",
		  name, s->services_added, s->services_removed, s->services_changed,
		  s->backends_written, s->backends_freed, s->tables_built, s->tables_kept,
		  s->vips_written, s->vips_removed, s->config_written ? ", config written" : "");
	return 0;

refused: /* before the first apply there is nothing to go back to: xlbd does not start */
	if (state_conf(X->state)->n_ifaces && health_restore(state_conf(X->state), was_up, NULL))
		xlog_err("a refused change: out of memory putting the health checks back");
	return ret;
}

int reconcile_apply(const struct xlb_conf *c, const char *name, char *err, size_t errlen)
{
	int ret, metrics_fd;

	err[0] = '\0';
	/* Validate before the health checks follow the new set of backends. */
	ret = xlb_conf_validate(c, name, err, errlen);
	if (ret)
		return ret;
	/* l2 backends must be directly connected; their MACs are looked up (kicked when not
	 * resolved) before the plan reads them. */
	ret = l2mac_sync(c, name, err, errlen);
	if (ret)
		return ret;
	/* A metrics address that cannot be bound refuses the change before anything moved. */
	ret = metrics_prepare(&c->metrics, &metrics_fd, err, errlen);
	if (ret)
		return ret;
	ret = apply_valid(c, name, err, errlen);
	if (ret) {
		metrics_abort(metrics_fd);
		return ret;
	}
	metrics_commit(&c->metrics, metrics_fd);
	return 0;
}

int reconcile_reload(char *err, size_t errlen)
{
	struct xlb_conf c;
	int ret = xlb_conf_load(X->conf_path, &c, err, errlen);

	if (!ret) {
		ret = reconcile_apply(&c, X->conf_path, err, errlen);
		xlb_conf_free(&c);
	}
	X->reloads[ret ? 1 : 0]++;
	if (ret)
		xlog_err("reload refused, nothing changed: %s", err);
	return ret;
}

/* Changes asked for during this loop turn, carried out once before the loop sleeps. */
static struct {
	bool reload; /* SIGHUP */
	bool all; /* health: every service (the engine could not say which) */
	uint64_t retry_ns; /* a failed health pass: every service again from then on (0: none) */
	struct xlb_service_ref *svcs; /* health: services whose backends changed state */
	size_t n, cap;
	uint64_t since_ns; /* the earliest verdict not yet in the data path (0: none) */
} P;

/* The verdicts since P.since_ns are in the data path now: one observation. */
static void reaction_done(void)
{
	if (!P.since_ns)
		return;
	state_note_reaction(X->state, loop_now_ns() - P.since_ns);
	P.since_ns = 0;
}

/* Plan again, with the health view of now, the services of P (P.all: the whole running
 * configuration); the configuration, seed, gateway and health targets stay as they are. */
static void apply_health(void)
{
	const struct xlb_conf *c = state_conf(X->state);
	char err[XLB_CONF_ERR_MAX];
	int ret;

	if (P.all)
		ret = state_apply(X->state, c, "health change", &X->rt, err, sizeof(err));
	else
		ret = state_apply_health(X->state, P.svcs, P.n, &X->rt, err, sizeof(err));
	if (ret) {
		/* The maps may be half written (the record was read back): the whole configuration
		 * is applied again, at most once a second, until it goes through. */
		xlog_err("applying a health change failed, retrying every %d ms: %s", RETRY_MS,
			 err);
		P.retry_ns = loop_now_ns() + RETRY_MS * 1000000ULL;
		return;
	}
	P.retry_ns = 0;
	const struct xlbd_apply_stats *s = state_last_apply(X->state);
	double ms = P.since_ns ? (double)(loop_now_ns() - P.since_ns) / 1e6 : 0;

	reaction_done();
	announce_now();
	xlog_info("health change applied: %zu services, backends written %u, tables built %u "
		  "kept %u, %.1f ms after the verdict",
		  P.all ? c->n_services : P.n, s->backends_written, s->tables_built, s->tables_kept,
		  ms);
}

void reconcile_health_changed(const struct xlb_service_ref *svcs, size_t n, uint64_t since_ns,
			      void *ctx)
{
	(void)ctx;
	if (!P.since_ns || since_ns < P.since_ns)
		P.since_ns = since_ns;
	if (!svcs)
		P.all = true;
	for (size_t i = 0; i < n && !P.all; i++) {
		bool known = false;

		for (size_t j = 0; j < P.n && !known; j++)
			known = !memcmp(&P.svcs[j], &svcs[i], sizeof(svcs[i]));
		if (known)
			continue;
		if (P.n == P.cap) {
			size_t cap = P.cap ? P.cap * 2 : 16;
			struct xlb_service_ref *grown = realloc(P.svcs, cap * sizeof(*grown));

			if (!grown) {
				P.all = true; /* cannot keep the list: plan everything */
				break;
			}
			P.svcs = grown;
			P.cap = cap;
		}
		P.svcs[P.n++] = svcs[i];
	}
}

void reconcile_request_reload(void)
{
	P.reload = true;
}

/* Before the loop sleeps (after the health engine's hook): one pass for the turn. A reload
 * that succeeds has applied the new health view with everything else. */
static void before_sleep(struct loop *l, void *arg)
{
	char err[XLB_CONF_ERR_MAX];
	bool health;

	(void)l;
	(void)arg;
	if (P.retry_ns && loop_now_ns() >= P.retry_ns)
		P.all = true;
	health = P.all || P.n;
	if (P.reload) {
		P.reload = false;
		xlog_info("SIGHUP: reloading %s", X->conf_path);
		if (reconcile_reload(err, sizeof(err)) == 0) {
			health = false;
			P.retry_ns = 0;
			reaction_done();
		}
	}
	if (health)
		apply_health();
	P.all = false;
	P.n = 0;
}

static void gw_timer(struct loop *l, void *arg)
{
	const struct xlb_conf *c = state_conf(X->state);
	struct xlbd_runtime rt = X->rt;
	char err[XLB_CONF_ERR_MAX];

	(void)l;
	(void)arg;
	if (!c->gateway_auto || resolve_gateway(c, &rt, true))
		return;
	if (!memcmp(rt.gw_mac, X->rt.gw_mac, 6))
		return;
	xlog_info("gateway MAC now %02x:%02x:%02x:%02x:%02x:%02x", rt.gw_mac[0], rt.gw_mac[1],
		  rt.gw_mac[2], rt.gw_mac[3], rt.gw_mac[4], rt.gw_mac[5]);
	if (state_apply(X->state, c, "gateway refresh", &rt, err, sizeof(err)) == 0)
		X->rt = rt;
}

/* l2 backends' MACs: resolved, lost or moved ones are planned again (all services: one
 * address may serve several). */
static void l2_timer(struct loop *l, void *arg)
{
	const struct xlb_conf *c = state_conf(X->state);
	char err[XLB_CONF_ERR_MAX];

	(void)l;
	(void)arg;
	if (!l2mac_refresh(c))
		return;
	if (state_apply(X->state, c, "l2 MAC refresh", &X->rt, err, sizeof(err)))
		xlog_err("applying the l2 backends' MACs failed, retrying every %d ms: %s",
			 RETRY_MS, err);
	else
		announce_now();
}

void reconcile_start_timers(bool gateway_auto)
{
	if (loop_before_sleep(X->loop, before_sleep, NULL))
		xlog_warn("cannot hook the reconciler into the loop: reloads and health changes "
			  "are not applied");
	if (gateway_auto && loop_add_timer(X->loop, GW_RETRY_MS, GW_RETRY_MS, gw_timer, NULL) < 0)
		xlog_warn("cannot start the gateway refresh timer");
	if (loop_add_timer(X->loop, L2_REFRESH_MS, L2_REFRESH_MS, l2_timer, NULL) < 0)
		xlog_warn("cannot start the l2 backends' MAC refresh timer");
	if (loop_add_timer(X->loop, ANNOUNCE_MS, ANNOUNCE_MS, announce_timer, NULL) < 0)
		xlog_warn("cannot start the announcement timer");
}
