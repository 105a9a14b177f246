// SPDX-License-Identifier: GPL-2.0
/* check_udp.c - the udp check: payload sent to the backend's address and port is answered
 * within the timeout, with expect_payload in the reply when set; an ICMP port unreachable
 * (reported on the connected socket) is refused. */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include "check.h"

static void udp_start(struct hc_target *t)
{
	int fd = hc_connect(t, SOCK_DGRAM);

	if (fd < 0) {
		hc_done(t, hc_errno_result(-fd));
		return;
	}
	if (send(fd, t->cfg.payload, strlen(t->cfg.payload), 0) < 0) {
		int err = errno;

		if (hc_watch(t, fd, EPOLLIN) == 0) /* the engine closes it */
			hc_done(t, hc_errno_result(err));
		else
			hc_done(t, HC_ERROR);
		return;
	}
	if (hc_watch(t, fd, EPOLLIN))
		hc_done(t, HC_ERROR);
}

static void udp_on_event(struct hc_target *t, uint32_t events)
{
	const char *want = t->cfg.expect_payload;
	char buf[512];
	ssize_t n;

	(void)events;
	n = recv(t->fd, buf, sizeof(buf) - 1, 0);
	if (n < 0) {
		if (errno != EAGAIN)
			hc_done(t, hc_errno_result(errno)); /* ICMP port unreachable: refused */
		return;
	}
	hc_done(t, !want[0] || memmem(buf, (size_t)n, want, strlen(want)) ? HC_OK : HC_BAD_REPLY);
}

const struct hc_type hc_type_udp = {
	.name = "udp",
	.start = udp_start,
	.on_event = udp_on_event,
};
