// SPDX-License-Identifier: GPL-2.0
/* httpd.c - libmicrohttpd on the daemon's event loop: see httpd.h. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "httpd.h"
#include "loop.h"

/* MHD_run() passes in one turn of the loop before other events get theirs: each pass reads at
 * most a connection's buffer (conn_memory) of every ready connection. */
#define HTTPD_MAX_PASSES 16

struct httpd {
	struct MHD_Daemon *mhd;
	struct loop *loop;
	int epoll_fd, timer;
	int kick; /* timerfd: run MHD again soon, it has work left */
};

/* Run MHD until it has no work left that needs no new event. MHD watches its sockets
 * edge-triggered: data left in a socket after one pass (a request body bigger than the
 * connection's buffer) raises no new event, only MHD_get_timeout() == 0 says it is there.
 * Without this, such a body moved one buffer per one-second tick. */
static void pump(struct httpd *h)
{
	struct itimerspec soon = { .it_value = { .tv_nsec = 1000000 } };
	MHD_UNSIGNED_LONG_LONG ms;

	for (int i = 0; i < HTTPD_MAX_PASSES; i++) {
		MHD_run(h->mhd);
		if (MHD_get_timeout(h->mhd, &ms) != MHD_YES || ms > 0)
			return;
	}
	timerfd_settime(h->kick, 0, &soon, NULL); /* more: after the loop's other events */
}

static void on_ready(struct loop *l, int fd, uint32_t events, void *arg)
{
	(void)l;
	(void)fd;
	(void)events;
	pump(arg);
}

static void on_kick(struct loop *l, int fd, uint32_t events, void *arg)
{
	uint64_t expirations;

	(void)l;
	(void)events;
	if (read(fd, &expirations, sizeof(expirations)) > 0)
		pump(arg);
}

static void on_tick(struct loop *l, void *arg)
{
	(void)l;
	pump(arg); /* connection timeouts */
}

int httpd_start(struct httpd **out, struct loop *loop, int listen_fd,
		const struct httpd_limits *lim, MHD_AccessHandlerCallback handler,
		MHD_RequestCompletedCallback done, void *cls)
{
	const union MHD_DaemonInfo *info;
	struct httpd *h = calloc(1, sizeof(*h));
	int ret;

	if (!h) {
		close(listen_fd);
		return -ENOMEM;
	}
	h->loop = loop;
	h->mhd = MHD_start_daemon(MHD_USE_EPOLL, 0, NULL, NULL, handler, cls,
				  MHD_OPTION_LISTEN_SOCKET, listen_fd, MHD_OPTION_CONNECTION_LIMIT,
				  lim->max_conns, MHD_OPTION_CONNECTION_TIMEOUT, lim->timeout_s,
				  MHD_OPTION_CONNECTION_MEMORY_LIMIT, lim->conn_memory,
				  MHD_OPTION_NOTIFY_COMPLETED, done, cls, MHD_OPTION_END);
	if (!h->mhd) {
		close(listen_fd);
		free(h);
		return -EIO;
	}
	/* From here on MHD owns listen_fd: MHD_stop_daemon() closes it. */
	info = MHD_get_daemon_info(h->mhd, MHD_DAEMON_INFO_EPOLL_FD);
	if (!info) {
		ret = -EIO;
		goto err_mhd;
	}
	h->epoll_fd = info->epoll_fd;
	h->kick = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (h->kick < 0) {
		ret = -errno;
		goto err_mhd;
	}
	ret = loop_add_fd(loop, h->kick, EPOLLIN, on_kick, h);
	if (ret)
		goto err_kick;
	ret = loop_add_fd(loop, h->epoll_fd, EPOLLIN, on_ready, h);
	if (ret)
		goto err_kick_fd;
	h->timer = loop_add_timer(loop, 1000, 1000, on_tick, h);
	if (h->timer < 0) {
		ret = h->timer;
		goto err_fd;
	}
	*out = h;
	return 0;
err_fd:
	loop_del_fd(loop, h->epoll_fd);
err_kick_fd:
	loop_del_fd(loop, h->kick);
err_kick:
	close(h->kick);
err_mhd:
	MHD_stop_daemon(h->mhd);
	free(h);
	return ret;
}

void httpd_stop(struct httpd *h)
{
	if (!h)
		return;
	loop_del_timer(h->loop, h->timer);
	loop_del_fd(h->loop, h->epoll_fd);
	loop_del_fd(h->loop, h->kick);
	close(h->kick);
	MHD_stop_daemon(h->mhd);
	free(h);
}
