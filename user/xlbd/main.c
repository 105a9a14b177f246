// SPDX-License-Identifier: GPL-2.0
/* main.c - xlbd: command line, start-up (load or adopt the data plane, apply the config), the
 * event loop with its signals and timers, reload, and explicit teardown. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mount.h>
#include <sys/random.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/un.h>
#include <unistd.h>
#include <linux/magic.h>

#include "announce.h"
#include "api.h"
#include "dataplane.h"
#include "health.h"
#include "log.h"
#include "loop.h"
#include "metrics.h"
#include "neigh.h"
#include "state.h"
#include "xlbd.h"

#define GW_RETRY_MS 1000 /* gateway MAC re-read (and resolution retried) this often */
#define ANNOUNCE_MS 1000 /* announced routes re-checked (attachment, failed changes) */

static struct xlbd X;

static void usage(FILE *f)
{
	fprintf(f,
		"usage: xlbd [-c FILE] [--pin-dir DIR] [--socket PATH] [-v] [--journal]\n"
		"       xlbd --check FILE\n"
		"       xlbd --cleanup [--pin-dir DIR]\n"
		"       xlbd --withdraw [-c FILE]\n"
		"  -c, --config FILE   configuration (default %s)\n"
		"      --check FILE    validate FILE completely, change nothing, exit\n"
		"      --cleanup       detach xlb_lb everywhere and remove its pinned maps\n"
		"      --withdraw      remove every VIP route from FILE's announce.table, exit\n"
		"      --pin-dir DIR   pinned objects (default %s)\n"
		"      --socket PATH   control socket (default %s)\n"
		"  -v, --verbose       debug messages\n"
		"      --journal       log with <N> priority prefixes (stderr is the journal)\n",
		XLB_CONF_DEFAULT_PATH, XLBD_PIN_DIR, XLBD_SOCKET);
}

/* bpffs must be mounted where the pins live; mount it when /sys/fs/bpf is a plain directory. */
static int ensure_bpffs(void)
{
	struct statfs st;

	if (statfs("/sys/fs/bpf", &st) == 0 && st.f_type == BPF_FS_MAGIC)
		return 0;
	if (mount("bpf", "/sys/fs/bpf", "bpf", 0, "mode=0700"))
		return -errno;
	return 0;
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
	if (X.state && dp_adopted(X.dp) && !dp_config_read(X.dp, &cur) && cur.abi_version)
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

/* ---- announcement ---- */

/* Bring the announced VIP routes in step with the running configuration and health. */
static void announce_now(void)
{
	char names[XLB_CONF_MAX_IFACES][XLB_CONF_IFNAMSIZ];
	bool attached = dp_attached(X.dp, names, XLB_CONF_MAX_IFACES) > 0;

	announce_sync(state_conf(X.state), X.state, attached);
}

static void announce_timer(struct loop *l, void *arg)
{
	(void)l;
	(void)arg;
	announce_now();
}

/* xlbd --withdraw: the stop hook after a crash (xlbd.service ExecStopPost). */
static int withdraw(void)
{
	char err[XLB_CONF_ERR_MAX];
	struct xlb_conf c;
	int n;

	if (xlb_conf_load(X.conf_path, &c, err, sizeof(err))) {
		xlog_err("%s", err);
		return 1;
	}
	if (!c.announce.table) {
		xlog_info("%s: announce.table is off: nothing to withdraw", X.conf_path);
		xlb_conf_free(&c);
		return 0;
	}
	n = announce_flush(c.announce.table);
	if (n < 0)
		xlog_err("withdrawing the VIP routes of table %u failed: %s", c.announce.table,
			 strerror(-n));
	else
		xlog_info("withdrew %d VIP routes from table %u", n, c.announce.table);
	xlb_conf_free(&c);
	return n < 0 ? 1 : 0;
}

/* ---- apply ---- */

static bool was_up(const struct xlb_service_ref *svc, const struct xlb_addr *a, void *ctx)
{
	(void)ctx;
	return X.state && state_backend_up(X.state, svc, a);
}

/* xlbd_apply() once c is valid and its metrics address is bound: health targets, seed,
 * gateway, then the maps. */
static int apply_valid(const struct xlb_conf *c, const char *name, char *err, size_t errlen)
{
	struct xlbd_runtime rt = X.rt;
	int ret;

	ret = health_sync(c, was_up, NULL);
	if (ret)
		return ret;
	rt.healthy = health_is_up;
	ret = resolve_seed(c, &rt.hash_seed, err, errlen);
	if (ret)
		return ret;
	if (resolve_gateway(c, &rt, false) == -EAGAIN)
		memset(rt.gw_mac, 0, sizeof(rt.gw_mac));
	ret = state_apply(X.state, c, name, &rt, err, errlen);
	if (ret)
		return ret;
	X.rt = rt;
	announce_now();
	const struct xlbd_apply_stats *s = state_last_apply(X.state);

	xlog_info("%s applied: services +%u -%u ~%u, backends written %u freed %u, tables built "
		  "%u kept %u, vips +%u -%u%s",
		  name, s->services_added, s->services_removed, s->services_changed,
		  s->backends_written, s->backends_freed, s->tables_built, s->tables_kept,
		  s->vips_written, s->vips_removed, s->config_written ? ", config written" : "");
	return 0;
}

int xlbd_apply(const struct xlb_conf *c, const char *name, char *err, size_t errlen)
{
	int ret, metrics_fd;

	err[0] = '\0';
	/* Validate before the health checks follow the new set of backends. */
	ret = xlb_conf_validate(c, name, err, errlen);
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

int xlbd_reload(char *err, size_t errlen)
{
	struct xlb_conf c;
	int ret = xlb_conf_load(X.conf_path, &c, err, errlen);

	if (!ret) {
		ret = xlbd_apply(&c, X.conf_path, err, errlen);
		xlb_conf_free(&c);
	}
	X.reloads[ret ? 1 : 0]++;
	if (ret)
		xlog_err("reload refused, nothing changed: %s", err);
	return ret;
}

/* A backend changed health: apply the running configuration again with the new view. */
static void health_changed(void *ctx)
{
	char err[XLB_CONF_ERR_MAX];
	struct xlb_conf c;

	(void)ctx;
	if (xlb_conf_copy(&c, state_conf(X.state)))
		return;
	if (xlbd_apply(&c, "health change", err, sizeof(err)))
		xlog_err("applying a health change failed: %s", err);
	xlb_conf_free(&c);
}

static void gw_timer(struct loop *l, void *arg)
{
	const struct xlb_conf *c = state_conf(X.state);
	struct xlbd_runtime rt = X.rt;
	char err[XLB_CONF_ERR_MAX];

	(void)l;
	(void)arg;
	if (!c->gateway_auto || resolve_gateway(c, &rt, true))
		return;
	if (!memcmp(rt.gw_mac, X.rt.gw_mac, 6))
		return;
	xlog_info("gateway MAC now %02x:%02x:%02x:%02x:%02x:%02x", rt.gw_mac[0], rt.gw_mac[1],
		  rt.gw_mac[2], rt.gw_mac[3], rt.gw_mac[4], rt.gw_mac[5]);
	if (state_apply(X.state, c, "gateway refresh", &rt, err, sizeof(err)) == 0)
		X.rt = rt;
}

static void on_signal(struct loop *l, int fd, uint32_t events, void *arg)
{
	struct signalfd_siginfo si;
	char err[XLB_CONF_ERR_MAX];

	(void)events;
	(void)arg;
	while (read(fd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGHUP) {
			xlog_info("SIGHUP: reloading %s", X.conf_path);
			xlbd_reload(err, sizeof(err));
		} else {
			xlog_info("signal %u: stopping; xlb_lb stays attached and forwarding",
				  si.ssi_signo);
			loop_stop(l);
		}
	}
}

/* Tell systemd (Type=notify) that start-up is complete, without libsystemd. */
static void notify_ready(void)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (!path || !path[0] || strlen(path) >= sizeof(sa.sun_path))
		return;
	strcpy(sa.sun_path, path);
	if (path[0] == '@')
		sa.sun_path[0] = '\0';
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return;
	sendto(fd, "READY=1", 7, 0, (struct sockaddr *)&sa,
	       (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(path)));
	close(fd);
}

static int run(void)
{
	char err[XLB_CONF_ERR_MAX];
	struct xlb_conf c;
	sigset_t mask;
	int ret, sfd;

	ret = xlb_conf_load(X.conf_path, &c, err, sizeof(err));
	if (ret) {
		xlog_err("%s", err);
		return 1;
	}
	ret = ensure_bpffs();
	if (ret) {
		xlog_err("bpffs is not mounted at /sys/fs/bpf and cannot be: %s", strerror(-ret));
		goto out_conf;
	}
	ret = dp_open(&X.dp, X.pin_dir, c.conntrack_size, err, sizeof(err));
	if (ret) {
		xlog_err("%s", err);
		goto out_conf;
	}
	xlog_info("%s the data plane under %s", dp_adopted(X.dp) ? "adopted" : "created",
		  X.pin_dir);
	ret = state_init(&X.state, X.dp);
	if (ret) {
		xlog_err("cannot read the pinned maps: %s", strerror(-ret));
		goto out_dp;
	}
	ret = loop_create(&X.loop, 0);
	if (ret)
		goto out_state;
	metrics_init(X.loop);
	ret = xlbd_apply(&c, X.conf_path, err, sizeof(err));
	if (ret) {
		xlog_err("%s", err);
		goto out_loop;
	}
	sigemptyset(&mask);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	sfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	if (sfd < 0 || loop_add_fd(X.loop, sfd, EPOLLIN, on_signal, NULL)) {
		xlog_err("cannot set up signal handling");
		ret = -EIO;
		goto out_loop;
	}
	ret = health_start(X.loop, health_changed, NULL);
	if (ret) {
		xlog_err("cannot start health checking: %s", strerror(-ret));
		goto out_sig;
	}
	if (c.gateway_auto && loop_add_timer(X.loop, GW_RETRY_MS, GW_RETRY_MS, gw_timer, NULL) < 0)
		xlog_warn("cannot start the gateway refresh timer");
	if (loop_add_timer(X.loop, ANNOUNCE_MS, ANNOUNCE_MS, announce_timer, NULL) < 0)
		xlog_warn("cannot start the announcement timer");
	ret = api_start(X.loop, X.socket_path, err, sizeof(err));
	if (ret) {
		xlog_err("%s", err);
		goto out_sig;
	}
	notify_ready();
	xlog_info("ready: %zu services on %zu interfaces, control socket %s", c.n_services,
		  c.n_ifaces, X.socket_path);
	ret = loop_run(X.loop);
	/* A stopped daemon no longer follows health: let the routers stop sending here, first. */
	if (announce_withdraw_all() < 0)
		xlog_err("some VIP routes could not be withdrawn (xlbd --withdraw retries)");
	api_stop();
	health_stop();
out_sig:
	close(sfd);
out_loop:
	metrics_stop();
	loop_destroy(X.loop);
out_state:
	state_free(X.state);
out_dp:
	dp_close(X.dp);
out_conf:
	xlb_conf_free(&c);
	return ret ? 1 : 0;
}

const struct xlbd *xlbd_ctx(void)
{
	return &X;
}

struct xlbd_state *xlbd_state(void)
{
	return X.state;
}

struct dp *xlbd_dp(void)
{
	return X.dp;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "check", required_argument, NULL, 'C' },
		{ "cleanup", no_argument, NULL, 'X' },
		{ "withdraw", no_argument, NULL, 'W' },
		{ "pin-dir", required_argument, NULL, 'p' },
		{ "socket", required_argument, NULL, 's' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "journal", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *check = NULL;
	bool cleanup = false, withdraw_only = false;
	int opt;

	X.conf_path = XLB_CONF_DEFAULT_PATH;
	X.pin_dir = XLBD_PIN_DIR;
	X.socket_path = XLBD_SOCKET;
	while ((opt = getopt_long(argc, argv, "c:vh", opts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			X.conf_path = optarg;
			break;
		case 'C':
			check = optarg;
			break;
		case 'X':
			cleanup = true;
			break;
		case 'W':
			withdraw_only = true;
			break;
		case 'p':
			X.pin_dir = optarg;
			break;
		case 's':
			X.socket_path = optarg;
			break;
		case 'v':
			xlog_set_level(XLOG_DEBUG);
			break;
		case 'j':
			xlog_set_journal(1);
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	if (check) {
		char err[XLB_CONF_ERR_MAX];
		struct xlb_conf c;

		if (xlb_conf_load(check, &c, err, sizeof(err))) {
			fprintf(stderr, "%s\n", err);
			return 1;
		}
		printf("%s: ok (%zu services)\n", check, c.n_services);
		xlb_conf_free(&c);
		return 0;
	}
	if (withdraw_only)
		return withdraw();
	if (cleanup) {
		int ret = dp_cleanup(X.pin_dir);

		if (ret) {
			xlog_err("cleanup of %s incomplete: %s", X.pin_dir, strerror(-ret));
			return 1;
		}
		xlog_info("detached xlb_lb and removed %s", X.pin_dir);
		return 0;
	}
	return run();
}
