// SPDX-License-Identifier: GPL-2.0
/* loop.c - epoll event loop with a growable handler table and a timer heap: see loop.h.
 *
 * Each epoll event carries fd and the handler's generation; a handler removed (and its fd
 * perhaps reused) during a turn has a new generation, so the events of that turn fetched for
 * the old one are dropped instead of reaching the new owner. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include "loop.h"

#define LOOP_DEFAULT_FDS 256
#define LOOP_EVENTS 256 /* fetched per epoll_wait */
#define LOOP_DRAIN_MAX 64 /* batches of ready events read before the timers run: 16,384 */

struct handler {
	loop_fd_cb cb;
	void *arg;
	uint32_t gen; /* bumped on every add and del of this fd */
	bool used;
};

struct hook {
	loop_timer_cb cb;
	void *arg;
};

struct loop {
	int epfd;
	int stop;
	struct handler *h; /* indexed by fd */
	size_t h_cap;
	struct loop_timer **heap; /* min-heap on when_ns */
	size_t n_heap, heap_cap;
	struct loop_timer **owned; /* loop_add_timer()'s timers, by id; NULL = free id */
	size_t n_owned;
	struct hook *hooks;
	size_t n_hooks;
	uint64_t events_ns; /* when epoll_wait last returned */
};

uint64_t loop_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

int loop_create(struct loop **out, size_t fd_hint)
{
	struct loop *l = calloc(1, sizeof(*l));
	int ret;

	if (!l)
		return -ENOMEM;
	l->h_cap = fd_hint ? fd_hint : LOOP_DEFAULT_FDS;
	l->h = calloc(l->h_cap, sizeof(*l->h));
	if (!l->h) {
		ret = -ENOMEM;
		goto err_loop;
	}
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (l->epfd < 0) {
		ret = -errno;
		goto err_table;
	}
	*out = l;
	return 0;
err_table:
	free(l->h);
err_loop:
	free(l);
	return ret;
}

void loop_destroy(struct loop *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->n_owned; i++)
		free(l->owned[i]);
	free(l->owned);
	free(l->heap);
	free(l->hooks);
	free(l->h);
	close(l->epfd);
	free(l);
}

/* Make room for fd in the handler table: double it (at least to fd + 1). */
static int grow_table(struct loop *l, int fd)
{
	size_t cap = l->h_cap;
	struct handler *h;

	while (cap <= (size_t)fd)
		cap *= 2;
	h = realloc(l->h, cap * sizeof(*h));
	if (!h)
		return -ENOMEM;
	memset(h + l->h_cap, 0, (cap - l->h_cap) * sizeof(*h));
	l->h = h;
	l->h_cap = cap;
	return 0;
}

static uint64_t ev_data(const struct loop *l, int fd)
{
	return (uint64_t)(uint32_t)fd | (uint64_t)l->h[fd].gen << 32;
}

int loop_add_fd(struct loop *l, int fd, uint32_t events, loop_fd_cb cb, void *arg)
{
	struct epoll_event ev = { .events = events };
	int ret;

	if (fd < 0)
		return -EBADF;
	if ((size_t)fd >= l->h_cap) {
		ret = grow_table(l, fd);
		if (ret)
			return ret;
	}
	if (l->h[fd].used)
		return -EEXIST;
	l->h[fd].gen++;
	ev.data.u64 = ev_data(l, fd);
	if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &ev))
		return -errno;
	l->h[fd].cb = cb;
	l->h[fd].arg = arg;
	l->h[fd].used = true;
	return 0;
}

int loop_mod_fd(struct loop *l, int fd, uint32_t events)
{
	struct epoll_event ev = { .events = events };

	if (fd < 0 || (size_t)fd >= l->h_cap || !l->h[fd].used)
		return -EINVAL;
	ev.data.u64 = ev_data(l, fd);
	return epoll_ctl(l->epfd, EPOLL_CTL_MOD, fd, &ev) ? -errno : 0;
}

int loop_del_fd(struct loop *l, int fd)
{
	if (fd < 0 || (size_t)fd >= l->h_cap || !l->h[fd].used)
		return -EINVAL;
	l->h[fd].used = false;
	l->h[fd].cb = NULL;
	l->h[fd].arg = NULL;
	l->h[fd].gen++;
	return epoll_ctl(l->epfd, EPOLL_CTL_DEL, fd, NULL) ? -errno : 0;
}

/* ---- the timer heap ---- */

static void heap_set(struct loop *l, size_t i, struct loop_timer *t)
{
	l->heap[i] = t;
	t->slot = i + 1;
}

static void sift_up(struct loop *l, size_t i)
{
	struct loop_timer *t = l->heap[i];

	while (i) {
		size_t parent = (i - 1) / 2;

		if (l->heap[parent]->when_ns <= t->when_ns)
			break;
		heap_set(l, i, l->heap[parent]);
		i = parent;
	}
	heap_set(l, i, t);
}

static void sift_down(struct loop *l, size_t i)
{
	struct loop_timer *t = l->heap[i];

	for (;;) {
		size_t c = 2 * i + 1;

		if (c >= l->n_heap)
			break;
		if (c + 1 < l->n_heap && l->heap[c + 1]->when_ns < l->heap[c]->when_ns)
			c++;
		if (t->when_ns <= l->heap[c]->when_ns)
			break;
		heap_set(l, i, l->heap[c]);
		i = c;
	}
	heap_set(l, i, t);
}

void loop_timer_init(struct loop_timer *t, loop_timer_cb cb, void *arg)
{
	memset(t, 0, sizeof(*t));
	t->cb = cb;
	t->arg = arg;
}

bool loop_timer_armed(const struct loop_timer *t)
{
	return t->slot != 0;
}

size_t loop_timers(const struct loop *l)
{
	return l->n_heap;
}

void loop_timer_cancel(struct loop *l, struct loop_timer *t)
{
	struct loop_timer *moved;
	size_t i;

	if (!t->slot)
		return;
	i = t->slot - 1;
	t->slot = 0;
	if (--l->n_heap == i)
		return;
	/* The last timer takes the hole, then moves whichever way its deadline says. */
	moved = l->heap[l->n_heap];
	heap_set(l, i, moved);
	sift_up(l, i);
	sift_down(l, moved->slot - 1);
}

int loop_timer_arm(struct loop *l, struct loop_timer *t, uint64_t when_ns, uint64_t interval_ns)
{
	if (t->slot) {
		size_t i = t->slot - 1;

		t->when_ns = when_ns;
		t->interval_ns = interval_ns;
		sift_up(l, i);
		sift_down(l, t->slot - 1);
		return 0;
	}
	if (l->n_heap == l->heap_cap) {
		size_t cap = l->heap_cap ? l->heap_cap * 2 : 64;
		struct loop_timer **heap = realloc(l->heap, cap * sizeof(*heap));

		if (!heap)
			return -ENOMEM;
		l->heap = heap;
		l->heap_cap = cap;
	}
	t->when_ns = when_ns;
	t->interval_ns = interval_ns;
	heap_set(l, l->n_heap++, t);
	sift_up(l, l->n_heap - 1);
	return 0;
}

int loop_add_timer(struct loop *l, uint64_t first_ms, uint64_t interval_ms, loop_timer_cb cb,
		   void *arg)
{
	struct loop_timer *t;
	size_t id;
	int ret;

	for (id = 0; id < l->n_owned && l->owned[id]; id++)
		;
	if (id == l->n_owned) {
		struct loop_timer **owned = realloc(l->owned, (id + 1) * sizeof(*owned));

		if (!owned)
			return -ENOMEM;
		l->owned = owned;
		l->owned[l->n_owned++] = NULL;
	}
	t = malloc(sizeof(*t));
	if (!t)
		return -ENOMEM;
	loop_timer_init(t, cb, arg);
	ret = loop_timer_arm(l, t, loop_now_ns() + first_ms * 1000000ULL, interval_ms * 1000000ULL);
	if (ret) {
		free(t);
		return ret;
	}
	l->owned[id] = t;
	return (int)id;
}

int loop_del_timer(struct loop *l, int id)
{
	if (id < 0 || (size_t)id >= l->n_owned || !l->owned[id])
		return -EINVAL;
	loop_timer_cancel(l, l->owned[id]);
	free(l->owned[id]);
	l->owned[id] = NULL;
	return 0;
}

int loop_before_sleep(struct loop *l, loop_timer_cb cb, void *arg)
{
	struct hook *hooks = realloc(l->hooks, (l->n_hooks + 1) * sizeof(*hooks));

	if (!hooks)
		return -ENOMEM;
	l->hooks = hooks;
	l->hooks[l->n_hooks++] = (struct hook){ .cb = cb, .arg = arg };
	return 0;
}

/* Fire every timer due at now. A timer armed during this pass for a time already past waits
 * for the next turn, so a callback that re-arms at "now" cannot keep the loop here. */
static void run_timers(struct loop *l, uint64_t now)
{
	size_t budget = l->n_heap;

	while (budget-- && l->n_heap && l->heap[0]->when_ns <= now && !l->stop) {
		struct loop_timer *t = l->heap[0];

		if (t->interval_ns) {
			/* Periodic: the next multiple of the interval after now (missed ones are
			 * skipped, as a timerfd would count them but call once). */
			uint64_t next = t->when_ns + t->interval_ns;

			if (next <= now)
				next = now + t->interval_ns - (now - t->when_ns) % t->interval_ns;
			t->when_ns = next;
			sift_down(l, 0);
		} else {
			loop_timer_cancel(l, t);
		}
		t->cb(l, t->arg);
	}
}

/* Milliseconds until the first deadline, rounded up so that the loop never wakes before it;
 * -1 without timers. */
static int wait_ms(const struct loop *l)
{
	uint64_t now, left;

	if (!l->n_heap)
		return -1;
	now = loop_now_ns();
	if (l->heap[0]->when_ns <= now)
		return 0;
	left = (l->heap[0]->when_ns - now + 999999) / 1000000;
	return left > 60000 ? 60000 : (int)left;
}

static void dispatch(struct loop *l, const struct epoll_event *evs, int n)
{
	for (int i = 0; i < n && !l->stop; i++) {
		int fd = (int)(uint32_t)evs[i].data.u64;
		uint32_t gen = (uint32_t)(evs[i].data.u64 >> 32);
		struct handler *h = &l->h[fd];

		if (h->used && h->gen == gen && h->cb)
			h->cb(l, fd, evs[i].events, h->arg);
	}
}

int loop_run(struct loop *l)
{
	struct epoll_event evs[LOOP_EVENTS];

	l->stop = 0;
	while (!l->stop) {
		int n;

		for (size_t i = 0; i < l->n_hooks && !l->stop; i++)
			l->hooks[i].cb(l, l->hooks[i].arg);
		if (l->stop)
			break;
		n = epoll_wait(l->epfd, evs, LOOP_EVENTS, wait_ms(l));
		l->events_ns = loop_now_ns();
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		dispatch(l, evs, n);
		/* A full batch may have left ready events in epoll. They are read before the
		 * timers run: after a stall, a deadline that passed must not fail a check whose
		 * answer came in time and waits in the next batch (loop_events_ns() stays the time
		 * the first batch came back). Bounded, so that a flood cannot starve the timers. */
		for (int k = 1; n == LOOP_EVENTS && k < LOOP_DRAIN_MAX && !l->stop; k++) {
			n = epoll_wait(l->epfd, evs, LOOP_EVENTS, 0);
			dispatch(l, evs, n > 0 ? n : 0);
		}
		run_timers(l, loop_now_ns());
	}
	return 0;
}

uint64_t loop_events_ns(const struct loop *l)
{
	return l->events_ns;
}

void loop_stop(struct loop *l)
{
	l->stop = 1;
}
