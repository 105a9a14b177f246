// SPDX-License-Identifier: GPL-2.0
/* main.c - xlbd: command line, start-up (load or adopt the data plane, hand the daemon's
 * context to the modules, the first apply through reconcile.c), the event loop with its
 * signals, and explicit teardown. Changes after start-up belong to reconcile.c. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mount.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/statfs.h>
#include <sys/un.h>
#include <unistd.h>
#include <linux/magic.h>

#include "announce.h"
#include "api.h"
#include "dataplane.h"
#include "hc_tunnel.h"
#include "health.h"
#include "l2mac.h"
#include "log.h"
#include "loop.h"
#include "metrics.h"
#include "reconcile.h"
#include "state.h"
#include "xlbd.h"

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

static void on_signal(struct loop *l, int fd, uint32_t events, void *arg)
{
	struct signalfd_siginfo si;

	(void)events;
	(void)arg;
	while (read(fd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGHUP) {
			reconcile_request_reload();
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
	metrics_init(&X);
	reconcile_init(&X);
	ret = reconcile_apply(&c, X.conf_path, err, sizeof(err));
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
	hc_tunnel_l2_resolver(l2mac_get_dev); /* tunnel probes to l2 backends: their MACs */
	ret = health_start(X.loop, reconcile_health_changed, NULL);
	if (ret) {
		xlog_err("cannot start health checking: %s", strerror(-ret));
		goto out_sig;
	}
	reconcile_start_timers(c.gateway_auto);
	ret = api_start(&X, err, sizeof(err));
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
		/* What only this machine can tell: l2 backends on an attached network. */
		if (l2mac_check(&c, check, err, sizeof(err))) {
			fprintf(stderr, "%s\n", err);
			xlb_conf_free(&c);
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
