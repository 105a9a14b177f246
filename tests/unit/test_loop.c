// SPDX-License-Identifier: GPL-2.0
/* test_loop.c - xlbd's event loop (user/xlbd/loop.c): timers fire in deadline order, cancelled
 * and re-armed ones as told, periodic ones repeat; descriptors far past 1,024 are watched (the
 * table grows); a handler removed during a turn gets none of that turn's events; every event
 * ready when a turn starts is read before its timers run, past one epoll batch; before-sleep
 * hooks run after the turn's timers. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <unistd.h>

#include "loop.h"
#include "xt.h"

#define N_TIMERS 1000

static struct {
	uint64_t fired_when[N_TIMERS];
	size_t n_fired;
	int hook_calls, hook_saw_timer, timer_fired, fd_calls;
	int read_fds[2];
} S;

static void on_timer(struct loop *l, void *arg)
{
	struct loop_timer *t = arg;

	S.fired_when[S.n_fired++] = t->when_ns;
	(void)l;
}

static void stop_hook(struct loop *l, void *arg)
{
	(void)arg;
	S.hook_calls++;
	if (S.timer_fired)
		S.hook_saw_timer = 1;
	if (S.hook_calls > 1)
		loop_stop(l);
}

/* 1,000 timers armed in random order with deadlines in the past fire in one turn, in deadline
 * order; the ones cancelled do not fire. */
static int t_heap_order(void)
{
	static struct loop_timer t[N_TIMERS];
	uint64_t now = loop_now_ns();
	struct loop *l;
	size_t want = 0;

	memset(&S, 0, sizeof(S));
	XT_EQ(loop_create(&l, 0), 0);
	srand(7);
	for (int i = 0; i < N_TIMERS; i++) {
		loop_timer_init(&t[i], on_timer, &t[i]);
		XT_EQ(loop_timer_arm(l, &t[i], now - 1 - (uint64_t)(rand() % 1000000), 0), 0);
	}
	for (int i = 0; i < N_TIMERS; i += 3)
		loop_timer_cancel(l, &t[i]);
	for (int i = 0; i < N_TIMERS; i++)
		want += i % 3 != 0;
	XT_EQ(loop_timers(l), want);
	XT_EQ(loop_before_sleep(l, stop_hook, NULL), 0);
	XT_EQ(loop_run(l), 0);
	XT_EQ(S.n_fired, want);
	for (size_t i = 1; i < S.n_fired; i++)
		XT_CHECK(S.fired_when[i - 1] <= S.fired_when[i], "timer %zu fired out of order", i);
	for (int i = 0; i < N_TIMERS; i++)
		XT_EQ(loop_timer_armed(&t[i]), 0);
	loop_destroy(l);
	return XT_PASS;
}

static struct loop_timer *order[2];
static size_t n_order;

static void record(struct loop *l, void *arg)
{
	order[n_order++] = arg;
	if (n_order == 2)
		loop_stop(l);
}

/* Re-arming moves a timer: A first due in 10 s, B in 1 ms; A re-armed to now fires first. */
static int t_rearm(void)
{
	struct loop_timer a, b;
	uint64_t now = loop_now_ns();
	struct loop *l;

	n_order = 0;
	XT_EQ(loop_create(&l, 0), 0);
	loop_timer_init(&a, record, &a);
	loop_timer_init(&b, record, &b);
	XT_EQ(loop_timer_arm(l, &a, now + 10000000000ULL, 0), 0);
	XT_EQ(loop_timer_arm(l, &b, now + 1000000ULL, 0), 0);
	XT_EQ(loop_timer_arm(l, &a, now, 0), 0);
	XT_EQ(loop_timers(l), 2);
	XT_EQ(loop_run(l), 0);
	XT_CHECK(order[0] == &a && order[1] == &b, "fired %p then %p", (void *)order[0],
		 (void *)order[1]);
	XT_CHECK(loop_now_ns() - now < 5000000000ULL, "waited for the old deadline");
	loop_destroy(l);
	return XT_PASS;
}

static int ticks;

static void tick(struct loop *l, void *arg)
{
	(void)arg;
	if (++ticks == 3)
		loop_stop(l);
}

/* A periodic loop-owned timer repeats until deleted; a deleted id is refused. */
static int t_periodic(void)
{
	struct loop *l;
	int id;

	ticks = 0;
	XT_EQ(loop_create(&l, 0), 0);
	id = loop_add_timer(l, 0, 2, tick, NULL);
	XT_CHECK(id >= 0, "loop_add_timer: %d", id);
	XT_EQ(loop_run(l), 0);
	XT_EQ(ticks, 3);
	XT_EQ(loop_timers(l), 1);
	XT_EQ(loop_del_timer(l, id), 0);
	XT_EQ(loop_timers(l), 0);
	XT_EQ(loop_del_timer(l, id), -EINVAL);
	loop_destroy(l);
	return XT_PASS;
}

static void on_pipe(struct loop *l, int fd, uint32_t events, void *arg)
{
	char c;

	(void)events;
	(void)arg;
	if (read(fd, &c, 1) == 1 && ++S.fd_calls == 2)
		loop_stop(l);
}

/* n pipes into p, their read ends watched by l with cb. Returns 0, or -1 when one fails. */
static int add_pipes(struct loop *l, int (*p)[2], int n, loop_fd_cb cb)
{
	for (int i = 0; i < n; i++)
		if (pipe(p[i]) || loop_add_fd(l, p[i][0], EPOLLIN, cb, NULL))
			return -1;
	return 0;
}

/* The n pipes of add_pipes() unwatched and closed. */
static void drop_pipes(struct loop *l, int (*p)[2], int n)
{
	for (int i = 0; i < n; i++) {
		loop_del_fd(l, p[i][0]);
		close(p[i][0]);
		close(p[i][1]);
	}
}

/* 1,100 pipes (2,200 descriptors) on a loop created for 16: the table grows, and the pipes
 * far past 1,024 deliver their events. */
static int t_grows_past_1024(void)
{
	enum { N = 1100 };
	static int p[N][2];
	struct rlimit rl;
	struct loop *l;
	int rc = XT_PASS;

	memset(&S, 0, sizeof(S));
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < 2 * N + 64) {
		rl.rlim_cur = rl.rlim_max;
		if (rl.rlim_max < 2 * N + 64 || setrlimit(RLIMIT_NOFILE, &rl))
			return XT_SKIP; /* the hard descriptor limit is below what the test needs */
	}
	XT_EQ(loop_create(&l, 16), 0);
	XT_EQ(add_pipes(l, p, N, on_pipe), 0);
	XT_CHECK(p[N - 1][0] > 2048, "the last pipe is fd %d", p[N - 1][0]);
	XT_EQ(write(p[N - 1][1], "x", 1), 1);
	XT_EQ(write(p[N / 2][1], "x", 1), 1);
	XT_EQ(loop_add_fd(l, p[0][0], EPOLLIN, on_pipe, NULL), -EEXIST);
	XT_EQ(loop_run(l), 0);
	if (S.fd_calls != 2)
		rc = XT_FAIL;
	drop_pipes(l, p, N);
	loop_destroy(l);
	XT_EQ(rc, XT_PASS);
	return XT_PASS;
}

static void remove_other(struct loop *l, int fd, uint32_t events, void *arg)
{
	int other = fd == S.read_fds[0] ? S.read_fds[1] : S.read_fds[0];

	(void)events;
	(void)arg;
	S.fd_calls++;
	loop_del_fd(l, other);
}

static void stop_after_turn(struct loop *l, void *arg)
{
	(void)arg;
	if (++S.hook_calls == 2)
		loop_stop(l);
}

/* Two descriptors ready in the same turn; the first handler removes the other: its event,
 * already fetched, is dropped. */
static int t_removed_in_turn(void)
{
	int a[2], b[2];
	struct loop *l;

	memset(&S, 0, sizeof(S));
	XT_EQ(loop_create(&l, 0), 0);
	XT_EQ(pipe(a), 0);
	XT_EQ(pipe(b), 0);
	S.read_fds[0] = a[0];
	S.read_fds[1] = b[0];
	XT_EQ(loop_add_fd(l, a[0], EPOLLIN, remove_other, NULL), 0);
	XT_EQ(loop_add_fd(l, b[0], EPOLLIN, remove_other, NULL), 0);
	XT_EQ(write(a[1], "x", 1), 1);
	XT_EQ(write(b[1], "x", 1), 1);
	XT_EQ(loop_before_sleep(l, stop_after_turn, NULL), 0);
	XT_EQ(loop_run(l), 0);
	XT_EQ(S.fd_calls, 1);
	close(a[0]);
	close(a[1]);
	close(b[0]);
	close(b[1]);
	loop_destroy(l);
	return XT_PASS;
}

static void mark(struct loop *l, void *arg)
{
	(void)l;
	(void)arg;
	S.timer_fired = 1;
}

/* A before-sleep hook runs before the first wait and again after the turn whose timer
 * fired, seeing what the timer did. */
static int t_before_sleep(void)
{
	struct loop_timer t;
	struct loop *l;

	memset(&S, 0, sizeof(S));
	XT_EQ(loop_create(&l, 0), 0);
	loop_timer_init(&t, mark, NULL);
	XT_EQ(loop_timer_arm(l, &t, loop_now_ns() + 1000000ULL, 0), 0);
	XT_EQ(loop_before_sleep(l, stop_hook, NULL), 0);
	XT_EQ(loop_run(l), 0);
	XT_EQ(S.hook_calls, 2);
	XT_EQ(S.hook_saw_timer, 1);
	loop_destroy(l);
	return XT_PASS;
}

static void count_pipe(struct loop *l, int fd, uint32_t events, void *arg)
{
	char c;

	(void)l;
	(void)events;
	(void)arg;
	if (read(fd, &c, 1) == 1)
		S.fd_calls++;
}

static void seen_by_timer(struct loop *l, void *arg)
{
	*(int *)arg = S.fd_calls;
	loop_stop(l);
}

/* 300 descriptors ready and a timer already due when the loop starts: the timer runs after all
 * 300 events, though one epoll_wait returns at most 256 (a check's answer that came before its
 * deadline is read before the deadline fails it). */
static int t_ready_before_timers(void)
{
	enum { N = 300 };
	static int p[N][2];
	struct loop_timer t;
	struct loop *l;
	int seen = -1;

	memset(&S, 0, sizeof(S));
	XT_EQ(loop_create(&l, 0), 0);
	XT_EQ(add_pipes(l, p, N, count_pipe), 0);
	for (int i = 0; i < N; i++)
		XT_EQ(write(p[i][1], "x", 1), 1);
	loop_timer_init(&t, seen_by_timer, &seen);
	XT_EQ(loop_timer_arm(l, &t, loop_now_ns(), 0), 0);
	XT_EQ(loop_run(l), 0);
	drop_pipes(l, p, N);
	loop_destroy(l);
	XT_EQ(seen, N);
	return XT_PASS;
}

static const struct xt_case cases[] = {
	{ "heap_order_and_cancel", t_heap_order },
	{ "rearm_moves_timer", t_rearm },
	{ "periodic_timer", t_periodic },
	{ "grows_past_1024_descriptors", t_grows_past_1024 },
	{ "handler_removed_in_turn_gets_nothing", t_removed_in_turn },
	{ "before_sleep_after_timers", t_before_sleep },
	{ "ready_events_before_timers", t_ready_before_timers },
};

int main(int argc, char **argv)
{
	return xt_run("unit/loop", cases, sizeof(cases) / sizeof(cases[0]),
		      argc > 1 ? argv[1] : NULL);
}
