// SPDX-License-Identifier: GPL-2.0
/* loop.c - epoll event loop with timerfd timers: see loop.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "loop.h"

#define LOOP_MAX_FDS 1024

struct handler {
	loop_fd_cb fd_cb;
	loop_timer_cb timer_cb;
	void *arg;
};

struct loop {
	int epfd;
	int stop;
	struct handler h[LOOP_MAX_FDS];
};

int loop_create(struct loop **out)
{
	struct loop *l = calloc(1, sizeof(*l));

	if (!l)
		return -ENOMEM;
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (l->epfd < 0) {
		int ret = -errno;

		free(l);
		return ret;
	}
	*out = l;
	return 0;
}

void loop_destroy(struct loop *l)
{
	if (!l)
		return;
	for (int fd = 0; fd < LOOP_MAX_FDS; fd++)
		if (l->h[fd].timer_cb)
			close(fd);
	close(l->epfd);
	free(l);
}

int loop_add_fd(struct loop *l, int fd, uint32_t events, loop_fd_cb cb, void *arg)
{
	struct epoll_event ev = { .events = events, .data.fd = fd };

	if (fd < 0 || fd >= LOOP_MAX_FDS)
		return -EMFILE;
	if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &ev))
		return -errno;
	l->h[fd] = (struct handler){ .fd_cb = cb, .arg = arg };
	return 0;
}

int loop_del_fd(struct loop *l, int fd)
{
	if (fd < 0 || fd >= LOOP_MAX_FDS)
		return -EINVAL;
	memset(&l->h[fd], 0, sizeof(l->h[fd]));
	return epoll_ctl(l->epfd, EPOLL_CTL_DEL, fd, NULL) ? -errno : 0;
}

int loop_add_timer(struct loop *l, uint64_t first_ms, uint64_t interval_ms, loop_timer_cb cb,
		   void *arg)
{
	struct itimerspec its = {
		.it_value = { .tv_sec = (time_t)(first_ms / 1000),
			      .tv_nsec = (long)(first_ms % 1000) * 1000000 },
		.it_interval = { .tv_sec = (time_t)(interval_ms / 1000),
				 .tv_nsec = (long)(interval_ms % 1000) * 1000000 },
	};
	int fd, ret;

	/* A zero it_value would disarm the timer: "now" is one nanosecond. */
	if (!first_ms)
		its.it_value.tv_nsec = 1;
	fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (timerfd_settime(fd, 0, &its, NULL)) {
		ret = -errno;
		close(fd);
		return ret;
	}
	ret = loop_add_fd(l, fd, EPOLLIN, NULL, arg);
	if (ret) {
		close(fd);
		return ret;
	}
	l->h[fd].timer_cb = cb;
	return fd;
}

int loop_del_timer(struct loop *l, int id)
{
	int ret = loop_del_fd(l, id);

	close(id);
	return ret;
}

int loop_run(struct loop *l)
{
	struct epoll_event evs[32];

	l->stop = 0;
	while (!l->stop) {
		int n = epoll_wait(l->epfd, evs, 32, -1);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		for (int i = 0; i < n && !l->stop; i++) {
			int fd = evs[i].data.fd;
			struct handler h = l->h[fd];

			if (h.timer_cb) {
				uint64_t expirations;

				if (read(fd, &expirations, sizeof(expirations)) > 0)
					h.timer_cb(l, h.arg);
			} else if (h.fd_cb) {
				h.fd_cb(l, fd, evs[i].events, h.arg);
			}
		}
	}
	return 0;
}

void loop_stop(struct loop *l)
{
	l->stop = 1;
}
