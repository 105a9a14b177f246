// SPDX-License-Identifier: GPL-2.0
/* httpd.c - libmicrohttpd on the daemon's event loop: see httpd.h. */
#include <errno.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "httpd.h"
#include "loop.h"

struct httpd {
	struct MHD_Daemon *mhd;
	struct loop *loop;
	int epoll_fd, timer;
};

static void on_ready(struct loop *l, int fd, uint32_t events, void *arg)
{
	struct httpd *h = arg;

	(void)l;
	(void)fd;
	(void)events;
	MHD_run(h->mhd);
}

static void on_tick(struct loop *l, void *arg)
{
	struct httpd *h = arg;

	(void)l;
	MHD_run(h->mhd); /* connection timeouts */
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
	ret = loop_add_fd(loop, h->epoll_fd, EPOLLIN, on_ready, h);
	if (ret)
		goto err_mhd;
	h->timer = loop_add_timer(loop, 1000, 1000, on_tick, h);
	if (h->timer < 0) {
		ret = h->timer;
		goto err_fd;
	}
	*out = h;
	return 0;
err_fd:
	loop_del_fd(loop, h->epoll_fd);
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
	MHD_stop_daemon(h->mhd);
	free(h);
}
