// SPDX-License-Identifier: GPL-2.0
/* check_tcp.c - the tcp check: a connection to the backend's address and port is established
 * within the timeout (it is closed at once, without data). */
#include <errno.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include "check.h"

static void tcp_start(struct hc_target *t)
{
	int fd = hc_connect(t, SOCK_STREAM);

	if (fd < 0) {
		hc_done(t, hc_errno_result(-fd));
		return;
	}
	/* Writable once the handshake ends either way; SO_ERROR says which. */
	if (hc_watch(t, fd, EPOLLOUT))
		hc_done(t, HC_ERROR);
}

static void tcp_on_event(struct hc_target *t, uint32_t events)
{
	socklen_t len = sizeof(int);
	int err = 0;

	(void)events;
	if (getsockopt(t->fd, SOL_SOCKET, SO_ERROR, &err, &len))
		err = errno;
	hc_done(t, err ? hc_errno_result(err) : HC_OK);
}

const struct hc_type hc_type_tcp = {
	.name = "tcp",
	.start = tcp_start,
	.on_event = tcp_on_event,
};
