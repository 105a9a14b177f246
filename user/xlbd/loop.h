/* SPDX-License-Identifier: GPL-2.0 */
/* loop.h - xlbd's event loop: one thread, one epoll set; file descriptors and timers (each a
 * timerfd) call back into the module that registered them. */
#ifndef XLBD_LOOP_H
#define XLBD_LOOP_H

#include <stdint.h>

struct loop;

/* Called when fd is ready with the epoll events that fired. */
typedef void (*loop_fd_cb)(struct loop *l, int fd, uint32_t events, void *arg);
/* Called when a timer expires. */
typedef void (*loop_timer_cb)(struct loop *l, void *arg);

int loop_create(struct loop **out);
void loop_destroy(struct loop *l);

/* Watch fd for events (EPOLLIN, ...). fd must stay open until loop_del_fd(). Returns 0 or
 * -errno. */
int loop_add_fd(struct loop *l, int fd, uint32_t events, loop_fd_cb cb, void *arg);
int loop_del_fd(struct loop *l, int fd);

/* Call cb after first_ms, then every interval_ms (0 = once). Returns a timer id (>= 0) for
 * loop_del_timer(), or -errno. */
int loop_add_timer(struct loop *l, uint64_t first_ms, uint64_t interval_ms, loop_timer_cb cb,
		   void *arg);
int loop_del_timer(struct loop *l, int id);

/* Dispatch until loop_stop(). Returns 0, or -errno when epoll itself fails. */
int loop_run(struct loop *l);
void loop_stop(struct loop *l);

#endif /* XLBD_LOOP_H */
