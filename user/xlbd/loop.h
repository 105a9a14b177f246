/* SPDX-License-Identifier: GPL-2.0 */
/* loop.h - xlbd's event loop: one thread, one epoll set whose handler table grows with the
 * highest descriptor watched (no fixed cap), timers kept in process in a binary heap (the
 * epoll_wait timeout is the next deadline: no descriptor per timer), and before-sleep hooks
 * that run once per turn after the events and timers of that turn. */
#ifndef XLBD_LOOP_H
#define XLBD_LOOP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct loop;

/* Called when fd is ready with the epoll events that fired. */
typedef void (*loop_fd_cb)(struct loop *l, int fd, uint32_t events, void *arg);
/* Called when a timer expires, and for a before-sleep hook once per turn. */
typedef void (*loop_timer_cb)(struct loop *l, void *arg);

/* A timer owned by its caller (embedded in the caller's struct, which must not move while
 * the timer is armed). Initialise with loop_timer_init(); the fields are the loop's. */
struct loop_timer {
	uint64_t when_ns; /* CLOCK_MONOTONIC deadline */
	uint64_t interval_ns; /* re-armed this much later after it fires; 0 = once */
	size_t slot; /* heap index + 1 while armed, 0 when not */
	loop_timer_cb cb;
	void *arg;
};

/* Create a loop with room for fd_hint descriptors (0 = a default); the table grows past it as
 * needed. Returns 0 or -errno. */
int loop_create(struct loop **out, size_t fd_hint);
/* Free the loop; it closes nothing it was given but forgets every timer. */
void loop_destroy(struct loop *l);

/* Watch fd for events (EPOLLIN, ...). fd must stay open until loop_del_fd(). Returns 0 or
 * -errno (-ENOMEM when the table cannot grow). */
int loop_add_fd(struct loop *l, int fd, uint32_t events, loop_fd_cb cb, void *arg);
/* Change the events watched on fd (added before). Returns 0 or -errno. */
int loop_mod_fd(struct loop *l, int fd, uint32_t events);
/* Stop watching fd: no callback for it runs afterwards, even for events already fetched in
 * the current turn. Returns 0 or -errno. */
int loop_del_fd(struct loop *l, int fd);

/* The loop's clock: CLOCK_MONOTONIC in nanoseconds. */
uint64_t loop_now_ns(void);

/* When the loop last collected events (loop_now_ns() clock; 0 before the first turn). Every
 * event ready then has been read before the turn's timers run (up to 64 batches of 256). An
 * event that happened after it is not read yet: a deadline that passed after it, while a
 * callback of this turn ran, may have been met by such an event. */
uint64_t loop_events_ns(const struct loop *l);

/* Prepare t to call cb(loop, arg); it is not armed. */
void loop_timer_init(struct loop_timer *t, loop_timer_cb cb, void *arg);
/* Arm t (re-arm if armed) to fire at when_ns (loop_now_ns() clock; in the past = on the next
 * turn), then every interval_ns (0 = once). Returns 0 or -ENOMEM. */
int loop_timer_arm(struct loop *l, struct loop_timer *t, uint64_t when_ns, uint64_t interval_ns);
/* Disarm t if armed; it does not fire afterwards. */
void loop_timer_cancel(struct loop *l, struct loop_timer *t);
/* Whether t is armed. */
bool loop_timer_armed(const struct loop_timer *t);
/* Timers armed now (for tests and the health engine's sizing). */
size_t loop_timers(const struct loop *l);

/* A timer the loop owns: cb after first_ms, then every interval_ms (0 = once). Returns an id
 * (>= 0) for loop_del_timer(), or -errno. */
int loop_add_timer(struct loop *l, uint64_t first_ms, uint64_t interval_ms, loop_timer_cb cb,
		   void *arg);
/* Disarm and free timer id. Returns 0 or -EINVAL for an unknown id. */
int loop_del_timer(struct loop *l, int id);

/* Call cb(loop, arg) once per turn, after that turn's events and timers and before the loop
 * waits again: work that changes arriving in one turn should share (such as re-applying the
 * configuration after health transitions). Hooks run in the order added. Returns 0 or
 * -ENOMEM. */
int loop_before_sleep(struct loop *l, loop_timer_cb cb, void *arg);

/* Dispatch until loop_stop(). Returns 0, or -errno when epoll itself fails. */
int loop_run(struct loop *l);
void loop_stop(struct loop *l);

#endif /* XLBD_LOOP_H */
