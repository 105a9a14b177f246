// SPDX-License-Identifier: GPL-2.0
/* health.c - the health engine: targets, their schedules and rise/fall; see health.h. The
 * checks themselves are the types of check.h, one file each.
 *
 * Each target has its own loop timer: while idle it fires when the next check is due
 * (interval plus or minus jitter after the last result), while a check is in flight at its
 * deadline. Nothing scans the targets. A target changes state only after `rise` consecutive
 * successes or `fall` consecutive failures; each transition is logged once, and the daemon is
 * told once per loop turn (a before-sleep hook), however many targets changed in it. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "check.h"
#include "hcstate.h"
#include "health.h"
#include "log.h"
#include "loop.h"
#include "promtext.h"
#include "xlb_abi.h"

/* Descriptors kept for everything but checks (control socket, API clients, BPF objects). */
#define HC_FD_RESERVE 256
#define EMFILE_LOG_NS (10 * 1000000000ULL) /* log running out of descriptors at most this often */

static const char *const RESULT_NAMES[] = {
#define HC_NAME(id, name) name,
	XLB_HC_RESULTS(HC_NAME)
#undef HC_NAME
};

/* The check types, by XLB_HC_*; none has no checks (its targets are always up). */
static const struct hc_type hc_type_none = { .name = "none" };
static const struct hc_type *const TYPES[] = {
	[XLB_HC_NONE] = &hc_type_none, [XLB_HC_TCP] = &hc_type_tcp,
	[XLB_HC_HTTP] = &hc_type_http, [XLB_HC_HTTPS] = &hc_type_https,
	[XLB_HC_UDP] = &hc_type_udp,   [XLB_HC_TUNNEL] = &hc_type_tunnel,
};
#define N_TYPES (sizeof(TYPES) / sizeof(TYPES[0]))

struct target {
	struct hc_target base; /* what the check types see */
	bool seen;
	bool pending; /* in H.pending: its timer is armed before the loop sleeps */
	bool fresh; /* never armed yet */
	struct loop_timer timer; /* next check when idle, deadline when busy */
	struct hc_state hc; /* up or down, with the run of equal results (hcstate.c) */
	enum hc_result last;
	uint64_t next_ns, deadline_ns, started_ns, changed_ns;
	uint32_t latency_us;
	uint64_t late_max_ns; /* the latest start against the schedule */
	uint64_t counts[HC_RESULT_MAX];
	uint64_t transitions; /* up <-> down changes since the target exists */
	uint64_t went[2]; /* the same, by new state: [0] to down, [1] to up */
};

/* Upper bounds of the check-duration histogram, in seconds: checks take from well under a
 * millisecond (a TCP connect on a LAN) up to their timeout (seconds). */
static const double DURATION_BOUNDS[] = { 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
					  0.05,	  0.1,	 0.25,	 0.5,	1,    2.5 };
/* Upper bounds of the lateness histogram (a start after its scheduled time), in seconds: a
 * loop that keeps up starts checks within a millisecond or two. */
static const double LATENESS_BOUNDS[] = { 0.001, 0.002, 0.005, 0.01, 0.02, 0.05,
					  0.1,	 0.25,	0.5,   1,    2.5 };

static struct {
	struct loop *loop;
	bool started;
	health_changed_fn changed;
	void *ctx;
	bool dirty;
	struct xlb_service_ref *moved; /* services with a transition since the loop last slept */
	size_t n_moved, moved_cap;
	bool moved_all; /* the list could not grow: every service may have moved */
	uint64_t moved_ns; /* when the first of them moved (0: none since the last call) */
	struct target **t; /* by id; NULL = free id */
	size_t n, cap;
	int *index; /* open addressing over t: hash(svc, addr) -> id + 1, 0 = empty */
	size_t index_cap;
	size_t reuse_from; /* t[0..reuse_from) has no free id */
	size_t *pending; /* ids of targets new or changed since the loop last slept */
	size_t n_pending, pending_cap;
	struct prom_histo durations[N_TYPES]; /* of finished checks, by type */
	struct prom_histo lateness; /* of started checks */
	uint64_t late_max_ns;
	uint64_t nofile; /* RLIMIT_NOFILE (soft) after start-up */
	uint64_t emfile_logged_ns;
	size_t fd_warned; /* checked targets at the last descriptor warning */
	/* What the last health_sync() freed or reset, for health_restore(): copies of the
	 * targets as they were, sorted by key when restored from. */
	struct target *saved;
	size_t n_saved, saved_cap;
} H;

static uint32_t rnd(uint32_t n)
{
	uint32_t r = 0;

	if (!n || getrandom(&r, sizeof(r), GRND_NONBLOCK) != sizeof(r))
		return 0;
	return r % n;
}

static struct target *of(struct hc_target *b)
{
	return (struct target *)((char *)b - offsetof(struct target, base));
}

/* ---- the index: (service, address) -> target ---- */

static uint64_t key_hash(const struct xlb_service_ref *svc, const struct xlb_addr *a)
{
	const __u8 *parts[2] = { (const __u8 *)svc, (const __u8 *)a };
	size_t lens[2] = { sizeof(*svc), sizeof(*a) };
	uint64_t h = 0xcbf29ce484222325ULL;

	for (int p = 0; p < 2; p++)
		for (size_t i = 0; i < lens[p]; i++)
			h = (h ^ parts[p][i]) * 0x100000001b3ULL;
	return h;
}

static bool same(const struct target *t, const struct xlb_service_ref *svc,
		 const struct xlb_addr *a)
{
	return !memcmp(&t->base.svc, svc, sizeof(*svc)) && !memcmp(&t->base.addr, a, sizeof(*a));
}

/* Order of targets by key (service, then address), as same() compares them. */
static int key_cmp(const void *x, const void *y)
{
	const struct target *a = x, *b = y;
	int r = memcmp(&a->base.svc, &b->base.svc, sizeof(a->base.svc));

	return r ? r : memcmp(&a->base.addr, &b->base.addr, sizeof(a->base.addr));
}

/* Keep t's state before health_sync() frees or resets it. -ENOMEM when there is no room. */
static int save_state(const struct target *t)
{
	if (H.n_saved == H.saved_cap) {
		size_t cap = H.saved_cap ? H.saved_cap * 2 : 64;
		struct target *grown = realloc(H.saved, cap * sizeof(*grown));

		if (!grown)
			return -ENOMEM;
		H.saved = grown;
		H.saved_cap = cap;
	}
	H.saved[H.n_saved++] = *t;
	return 0;
}

/* Give t the state saved for its key, if any: up or down with its run, results, transitions
 * and timings; its settings and schedule stay t's. */
static void restore_state(struct target *t)
{
	const struct target *s = H.n_saved ? bsearch(t, H.saved, H.n_saved, sizeof(*s), key_cmp)
					   : NULL;

	if (!s)
		return;
	t->hc = s->hc;
	t->last = s->last;
	t->changed_ns = s->changed_ns;
	t->latency_us = s->latency_us;
	t->late_max_ns = s->late_max_ns;
	memcpy(t->counts, s->counts, sizeof(t->counts));
	t->transitions = s->transitions;
	memcpy(t->went, s->went, sizeof(t->went));
}

static void index_put(size_t id)
{
	size_t s = key_hash(&H.t[id]->base.svc, &H.t[id]->base.addr) & (H.index_cap - 1);

	while (H.index[s])
		s = (s + 1) & (H.index_cap - 1);
	H.index[s] = (int)id + 1;
}

static int rebuild_index(void)
{
	size_t cap = 64;

	while (cap < H.n * 2 + 1)
		cap *= 2;
	free(H.index);
	H.index = calloc(cap, sizeof(*H.index));
	if (!H.index)
		return -ENOMEM;
	H.index_cap = cap;
	for (size_t i = 0; i < H.n; i++)
		if (H.t[i])
			index_put(i);
	return 0;
}

/* Make target id (with its key set) findable. The index is rebuilt only when it would be
 * more than half full, so adding n targets costs O(n), not a rebuild each. */
static int index_add(size_t id)
{
	if (!H.index || H.n * 2 + 1 > H.index_cap)
		return rebuild_index();
	index_put(id);
	return 0;
}

static struct target *find(const struct xlb_service_ref *svc, const struct xlb_addr *a)
{
	size_t s;

	if (!H.index)
		return NULL;
	s = key_hash(svc, a) & (H.index_cap - 1);
	for (; H.index[s]; s = (s + 1) & (H.index_cap - 1))
		if (same(H.t[H.index[s] - 1], svc, a))
			return H.t[H.index[s] - 1];
	return NULL;
}

struct hc_target *hc_target_by_id(size_t id)
{
	return id < H.n && H.t[id] ? &H.t[id]->base : NULL;
}

/* ---- one check ---- */

/* End t's check in flight, if any, without a result. */
static void stop_check(struct target *t)
{
	const struct hc_type *type = TYPES[t->base.cfg.type];

	if (!t->base.busy)
		return;
	t->base.busy = false;
	if (type->cancel)
		type->cancel(&t->base);
	if (t->base.fd >= 0) {
		loop_del_fd(H.loop, t->base.fd);
		close(t->base.fd);
		t->base.fd = -1;
	}
	loop_timer_cancel(H.loop, &t->timer);
}

/* Arm t's timer for its next check at next_ns. */
static void arm_next(struct target *t)
{
	if (loop_timer_arm(H.loop, &t->timer, t->next_ns, 0))
		xlog_err("health: out of memory for a check timer: checks of a backend stop");
}

/* Remember that a backend of svc changed state in this turn (each service once). When the list
 * cannot grow, the daemon is told that every service may have moved. */
static void note_moved(const struct xlb_service_ref *svc, uint64_t now)
{
	H.dirty = true;
	if (!H.moved_ns)
		H.moved_ns = now;
	for (size_t i = 0; i < H.n_moved; i++)
		if (!memcmp(&H.moved[i], svc, sizeof(*svc)))
			return;
	if (H.n_moved == H.moved_cap) {
		size_t cap = H.moved_cap ? H.moved_cap * 2 : 16;
		struct xlb_service_ref *m = realloc(H.moved, cap * sizeof(*m));

		if (!m) {
			H.moved_all = true;
			return;
		}
		H.moved = m;
		H.moved_cap = cap;
	}
	H.moved[H.n_moved++] = *svc;
}

/* The next check: one interval after now, moved by up to jitter_pct of it either way. */
static void schedule(struct target *t, uint64_t now)
{
	uint64_t iv = (uint64_t)t->base.cfg.interval_ms * 1000000ULL;
	uint64_t spread = iv * t->base.cfg.jitter_pct / 100;

	t->next_ns = now + iv - spread +
		     (spread ? (uint64_t)rnd((uint32_t)(2 * spread / 1000)) * 1000 : 0);
	arm_next(t);
}

void hc_done(struct hc_target *b, enum hc_result r)
{
	struct target *t = of(b);
	uint64_t now = loop_now_ns();
	bool ok = r == HC_OK;
	char svc[XLB_SERVICE_STRLEN], addr[64];
	const char *type = TYPES[b->cfg.type]->name;

	stop_check(t);
	t->latency_us = (uint32_t)((now - t->started_ns) / 1000);
	prom_histo_observe(&H.durations[b->cfg.type], (double)(now - t->started_ns) / 1e9);
	t->counts[r]++;
	t->last = r;
	schedule(t, now);
	if (!hc_step(&t->hc, ok, b->cfg.rise, b->cfg.fall))
		return;
	t->changed_ns = now;
	t->transitions++;
	t->went[ok]++;
	note_moved(&b->svc, now);
	xlb_service_format(&b->svc, svc, sizeof(svc));
	xlb_addr_format(&b->addr, addr, sizeof(addr));
	if (ok)
		xlog_info("%s backend %s: up after %u successful %s checks", svc, addr, t->hc.run,
			  type);
	else
		xlog_warn("%s backend %s: down after %u failed %s checks (last: %s)", svc, addr,
			  t->hc.run, type, RESULT_NAMES[r]);
}

enum hc_result hc_errno_result(int err)
{
	if (err == ECONNREFUSED)
		return HC_REFUSED;
	if (err == EHOSTUNREACH || err == ENETUNREACH)
		return HC_UNREACHABLE;
	if (err == ETIMEDOUT)
		return HC_TIMEOUT;
	return HC_ERROR;
}

static void on_fd(struct loop *l, int fd, uint32_t events, void *arg)
{
	struct target *t = arg;

	(void)l;
	if (t->base.busy && t->base.fd == fd)
		TYPES[t->base.cfg.type]->on_event(&t->base, events);
}

int hc_watch(struct hc_target *b, int fd, uint32_t events)
{
	int ret = loop_add_fd(H.loop, fd, events, on_fd, of(b));

	if (ret) {
		close(fd);
		return ret;
	}
	b->fd = fd;
	return 0;
}

int hc_socket(int family, int type, int protocol)
{
	int fd = socket(family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, protocol), err;
	uint64_t now;

	if (fd >= 0)
		return fd;
	err = errno;
	now = loop_now_ns();
	if ((err == EMFILE || err == ENFILE) && now - H.emfile_logged_ns > EMFILE_LOG_NS) {
		H.emfile_logged_ns = now;
		xlog_err("health: out of file descriptors (RLIMIT_NOFILE %llu%s): checks fail with "
			 "error; raise LimitNOFILE",
			 (unsigned long long)H.nofile,
			 err == ENFILE ? ", and the system-wide file-max" : "");
	}
	return -err;
}

int hc_connect(const struct hc_target *t, int type)
{
	struct sockaddr_storage ss = { 0 };
	socklen_t len;
	int fd, ret;

	if (t->addr.family == XLB_AF_INET) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

		s4->sin_family = AF_INET;
		s4->sin_port = htons(t->port);
		memcpy(&s4->sin_addr, t->addr.addr, 4);
		len = sizeof(*s4);
	} else {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(t->port);
		memcpy(&s6->sin6_addr, t->addr.addr, 16);
		len = sizeof(*s6);
	}
	fd = hc_socket(ss.ss_family, type, 0);
	if (fd < 0)
		return fd;
	if (connect(fd, (struct sockaddr *)&ss, len) && errno != EINPROGRESS) {
		ret = -errno;
		close(fd);
		return ret;
	}
	return fd;
}

static void start_check(struct target *t, uint64_t now)
{
	const struct hc_type *type = TYPES[t->base.cfg.type];
	uint64_t late = now > t->next_ns ? now - t->next_ns : 0;

	prom_histo_observe(&H.lateness, (double)late / 1e9);
	if (late > t->late_max_ns)
		t->late_max_ns = late;
	if (late > H.late_max_ns)
		H.late_max_ns = late;
	t->started_ns = now;
	t->deadline_ns = now + (uint64_t)t->base.cfg.timeout_ms * 1000000ULL;
	t->base.busy = true;
	if (loop_timer_arm(H.loop, &t->timer, t->deadline_ns + type->timeout_slack_ns, 0)) {
		hc_done(&t->base, HC_ERROR);
		return;
	}
	type->start(&t->base);
}

/* Give the targets that health_sync() added or changed their first check, counted from now:
 * the apply that synced them (tables built, maps written) has run by then, so its time is
 * not charged to their schedule. New targets check at a random point of one interval (the
 * checks of many backends do not run in step), changed ones at once. */
static void arm_pending(void)
{
	uint64_t now = loop_now_ns();

	for (size_t i = 0; i < H.n_pending; i++) {
		struct target *t = H.pending[i] < H.n ? H.t[H.pending[i]] : NULL;

		if (!t || !t->pending)
			continue; /* removed (or its id reused and queued again) */
		t->pending = false;
		if (t->base.cfg.type == XLB_HC_NONE)
			continue;
		t->next_ns = now;
		if (t->fresh)
			t->next_ns += (uint64_t)rnd(t->base.cfg.interval_ms + 1) * 1000000ULL;
		t->fresh = false;
		arm_next(t);
	}
	H.n_pending = 0;
}

/* Queue t for arm_pending(). Returns 0 or -ENOMEM. */
static int make_pending(struct target *t)
{
	if (t->pending)
		return 0;
	if (H.n_pending == H.pending_cap) {
		size_t cap = H.pending_cap ? H.pending_cap * 2 : 64;
		size_t *grown = realloc(H.pending, cap * sizeof(*grown));

		if (!grown)
			return -ENOMEM;
		H.pending = grown;
		H.pending_cap = cap;
	}
	H.pending[H.n_pending++] = t->base.id;
	t->pending = true;
	return 0;
}

/* t's timer: start the check that is due, or time out the one in flight. A deadline that
 * passed after the loop last read its events (a callback of this turn ran past it: a large
 * apply, a slow disk) is looked at again on the next turn, once the answer that may have come
 * in time is read: time the daemon could not read is not charged to the backend. */
static void on_timer(struct loop *l, void *arg)
{
	struct target *t = arg;
	uint64_t due = t->deadline_ns + TYPES[t->base.cfg.type]->timeout_slack_ns;

	if (!t->base.busy) {
		start_check(t, loop_now_ns());
		return;
	}
	if (due > loop_events_ns(l) && !loop_timer_arm(l, &t->timer, loop_now_ns(), 0))
		return;
	hc_done(&t->base, HC_TIMEOUT);
}

/* Before the loop sleeps: one call to the daemon for every transition of this turn. */
static void before_sleep(struct loop *l, void *arg)
{
	(void)l;
	(void)arg;
	if (H.dirty) {
		H.dirty = false;
		H.changed(H.moved_all ? NULL : H.moved, H.moved_all ? 0 : H.n_moved,
			  H.moved_ns ? H.moved_ns : loop_now_ns(), H.ctx);
		H.n_moved = 0;
		H.moved_all = false;
		H.moved_ns = 0;
	}
	arm_pending();
}

/* ---- the set of targets ---- */

/* Raise the soft descriptor limit to the hard one: each check in flight holds a socket. */
static void raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl))
		return;
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl))
			getrlimit(RLIMIT_NOFILE, &rl);
	}
	H.nofile = rl.rlim_cur == RLIM_INFINITY ? UINT64_MAX : (uint64_t)rl.rlim_cur;
}

int health_start(struct loop *loop, health_changed_fn changed, void *ctx)
{
	size_t i;
	int ret;

	for (i = 0; i < N_TYPES; i++)
		prom_histo_init(&H.durations[i], DURATION_BOUNDS,
				sizeof(DURATION_BOUNDS) / sizeof(DURATION_BOUNDS[0]));
	prom_histo_init(&H.lateness, LATENESS_BOUNDS,
			sizeof(LATENESS_BOUNDS) / sizeof(LATENESS_BOUNDS[0]));
	H.loop = loop;
	H.changed = changed;
	H.ctx = ctx;
	for (i = 0; i < N_TYPES; i++) {
		ret = TYPES[i]->init ? TYPES[i]->init(loop) : 0;
		if (ret)
			goto err_types;
	}
	ret = loop_before_sleep(loop, before_sleep, NULL);
	if (ret)
		goto err_types;
	H.started = true;
	return 0;
err_types:
	while (i--)
		if (TYPES[i]->fini)
			TYPES[i]->fini();
	return ret;
}

static void free_target(size_t id)
{
	struct target *t = H.t[id];

	stop_check(t);
	loop_timer_cancel(H.loop, &t->timer);
	free(t);
	H.t[id] = NULL;
}

void health_stop(void)
{
	for (size_t i = 0; i < H.n; i++)
		if (H.t[i])
			free_target(i);
	if (H.started)
		for (size_t i = 0; i < N_TYPES; i++)
			if (TYPES[i]->fini)
				TYPES[i]->fini();
	free(H.t);
	free(H.moved);
	free(H.index);
	free(H.pending);
	free(H.saved);
	memset(&H, 0, sizeof(H));
}

/* A new target in a free id (ids stay small: tunnel probes are numbered by them). */
static struct target *add_target(void)
{
	struct target *t = calloc(1, sizeof(*t));
	size_t id;

	if (!t)
		return NULL;
	/* t[0..reuse_from) has no free id (reset when targets go): no rescans. */
	for (; H.reuse_from < H.n && H.t[H.reuse_from]; H.reuse_from++)
		;
	id = H.reuse_from;
	if (id == H.n) {
		if (H.n == H.cap) {
			size_t cap = H.cap ? H.cap * 2 : 64;
			struct target **grown = realloc(H.t, cap * sizeof(*grown));

			if (!grown) {
				free(t);
				return NULL;
			}
			H.t = grown;
			H.cap = cap;
		}
		H.n++;
	}
	H.reuse_from = id + 1;
	H.t[id] = t;
	t->base.id = id;
	t->base.fd = -1;
	loop_timer_init(&t->timer, on_timer, t);
	return t;
}

/* Warn when the descriptor limit is below what the checked targets may need at once. */
static void check_fd_budget(size_t checked)
{
	if (checked + HC_FD_RESERVE <= H.nofile || checked <= H.fd_warned)
		return;
	H.fd_warned = checked;
	xlog_warn("health: %zu backends are checked but RLIMIT_NOFILE is %llu: when more checks "
		  "than that are in flight at once, some fail with error; raise LimitNOFILE to "
		  "at least %zu",
		  checked, (unsigned long long)H.nofile, checked + HC_FD_RESERVE);
}

/* sync_all() of service cs's backends: pass 0 the targets that exist (their settings
 * follow), pass 1 the new ones. */
static int sync_service(const struct xlb_conf_service *cs, int pass, bool restore,
			bool (*was_up)(const struct xlb_service_ref *svc, const struct xlb_addr *a,
				       void *ctx),
			void *ctx, uint64_t now, size_t *checked)
{
	for (size_t b = 0; b < cs->n_backends; b++) {
		const struct xlb_addr *a = &cs->backends[b].addr;
		struct target *t = find(&cs->ref, a);
		struct xlb_conf_health eff; /* the service's check, the backend's overrides
					     */

		if (!t != (pass == 1))
			continue;
		xlb_conf_backend_health(cs, &cs->backends[b], &eff);
		if (!t) {
			t = add_target();
			if (!t)
				return -ENOMEM;
			t->base.svc = cs->ref;
			t->base.addr = *a;
			t->base.cfg = eff;
			hc_init(&t->hc, eff.type == XLB_HC_NONE ||
						(was_up && was_up(&cs->ref, a, ctx)) ||
						eff.initial_up);
			t->changed_ns = now;
			t->fresh = true;
			if (restore)
				restore_state(t);
			if (index_add(t->base.id) || make_pending(t))
				return -ENOMEM;
		} else if (memcmp(&t->base.cfg, &eff, sizeof(eff))) {
			if (!restore && save_state(t))
				return -ENOMEM;
			stop_check(t);
			loop_timer_cancel(H.loop, &t->timer);
			t->base.cfg = eff;
			if (eff.type == XLB_HC_NONE)
				hc_init(&t->hc, true);
			if (restore)
				restore_state(t);
			if (make_pending(t))
				return -ENOMEM;
		}
		t->seen = true;
		t->base.cfg = eff;
		t->base.port = eff.port ? eff.port : cs->ref.port;
		*checked += eff.type != XLB_HC_NONE;
	}
	return 0;
}

/* health_sync(), or health_restore() from the states the last health_sync() saved. A
 * health_sync() starts a new list of saved states (health_applied() has dropped the last one
 * when its change went through). */
static int sync_all(const struct xlb_conf *c, bool restore,
		    bool (*was_up)(const struct xlb_service_ref *svc, const struct xlb_addr *a,
				   void *ctx),
		    void *ctx)
{
	uint64_t now = loop_now_ns();
	size_t checked = 0;
	int ret;

	if (!H.nofile)
		raise_nofile(); /* the first sync comes before health_start() */

	for (size_t i = 0; i < N_TYPES; i++)
		if (TYPES[i]->sync)
			TYPES[i]->sync(c);
	for (size_t i = 0; i < H.n; i++)
		if (H.t[i])
			H.t[i]->seen = false;
	if (restore && H.n_saved) /* nothing saved: H.saved may be NULL, which qsort() refuses */
		qsort(H.saved, H.n_saved, sizeof(*H.saved), key_cmp);
	else if (!restore)
		H.n_saved = 0;
	/* Two passes: the targets c keeps first, then those gone are freed, then the new ones
	 * take the ids they left. New ones first would number past the ids in use: a tunnel
	 * check's id must stay below hc_tunnel's 65,536 while c has at most 65,536 backends. */
	for (int pass = 0; pass < 2; pass++) {
		if (pass == 1) {
			for (size_t i = 0; i < H.n; i++) {
				if (!H.t[i] || H.t[i]->seen)
					continue;
				if (!restore && save_state(H.t[i]))
					return -ENOMEM;
				free_target(i);
			}
			H.reuse_from = 0;
			if (rebuild_index()) /* find() must not meet a freed target */
				return -ENOMEM;
		}
		for (size_t s = 0; s < c->n_services; s++) {
			ret = sync_service(&c->services[s], pass, restore, was_up, ctx, now,
					   &checked);
			if (ret)
				return ret;
		}
	}
	if (restore)
		health_applied();
	check_fd_budget(checked);
	return rebuild_index();
}

void health_applied(void)
{
	free(H.saved);
	H.saved = NULL;
	H.n_saved = H.saved_cap = 0;
}

int health_sync(const struct xlb_conf *c,
		bool (*was_up)(const struct xlb_service_ref *svc, const struct xlb_addr *a,
			       void *ctx),
		void *ctx)
{
	return sync_all(c, false, was_up, ctx);
}

int health_restore(const struct xlb_conf *c,
		   bool (*was_up)(const struct xlb_service_ref *svc, const struct xlb_addr *a,
				  void *ctx),
		   void *ctx)
{
	return sync_all(c, true, was_up, ctx);
}

bool health_is_up(const struct xlb_service_ref *svc, const struct xlb_addr *a)
{
	const struct target *t = find(svc, a);

	return !t || t->hc.up;
}

void health_foreach(void (*fn)(const struct health_view *v, void *ctx), void *ctx)
{
	for (size_t i = 0; i < H.n; i++) {
		const struct target *t = H.t[i];
		struct health_view v;

		if (!t)
			continue;
		v = (struct health_view){
			.svc = &t->base.svc,
			.addr = &t->base.addr,
			.type = TYPES[t->base.cfg.type]->name,
			.up = t->hc.up,
			.checks = t->counts,
			.went_up = t->went[1],
			.went_down = t->went[0],
		};
		fn(&v, ctx);
	}
}

const char *health_result_name(enum hc_result r)
{
	return r < HC_RESULT_MAX ? RESULT_NAMES[r] : "unknown";
}

void health_durations(void (*fn)(const char *type, const struct prom_histo *h, void *ctx),
		      void *ctx)
{
	for (size_t i = 0; i < N_TYPES; i++)
		if (H.durations[i].count)
			fn(TYPES[i]->name, &H.durations[i], ctx);
}

const struct prom_histo *health_lateness(double *max_s)
{
	*max_s = (double)H.late_max_ns / 1e9;
	return &H.lateness;
}

void health_json_each(const struct xlb_service_ref *svc, void (*emit)(void *ctx, json_t *o),
		      void *ctx)
{
	uint64_t now = loop_now_ns();

	for (size_t i = 0; i < H.n; i++) {
		const struct target *t = H.t[i];
		char ref[XLB_SERVICE_STRLEN], addr[64];
		json_t *counts, *o, *eff;

		if (!t || (svc && memcmp(&t->base.svc, svc, sizeof(*svc))))
			continue;
		counts = json_object();
		for (int r = 0; r < HC_RESULT_MAX; r++)
			json_object_set_new(counts, RESULT_NAMES[r],
					    json_integer((json_int_t)t->counts[r]));
		xlb_service_format(&t->base.svc, ref, sizeof(ref));
		xlb_addr_format(&t->base.addr, addr, sizeof(addr));
		o = json_pack("{s:s,s:s,s:s,s:s,s:s,s:I,s:f,s:f,s:f,s:o,s:I}", "service", ref,
			      "address", addr, "type", TYPES[t->base.cfg.type]->name, "state",
			      t->hc.up ? "up" : "down", "last_result",
			      t->hc.any ? RESULT_NAMES[t->last] : "none", "consecutive",
			      (json_int_t)t->hc.run, "last_change_s_ago",
			      (double)(now - t->changed_ns) / 1e9, "latency_ms",
			      (double)t->latency_us / 1000.0, "late_max_ms",
			      (double)t->late_max_ns / 1e6, "checks", counts, "transitions",
			      (json_int_t)t->transitions);
		/* The effective settings: the service's check with the backend's overrides. */
		eff = json_pack("{s:I,s:I,s:I,s:I,s:I,s:I}", "port", (json_int_t)t->base.port,
				"interval_ms", (json_int_t)t->base.cfg.interval_ms, "timeout_ms",
				(json_int_t)t->base.cfg.timeout_ms, "rise",
				(json_int_t)t->base.cfg.rise, "fall", (json_int_t)t->base.cfg.fall,
				"jitter_pct", (json_int_t)t->base.cfg.jitter_pct);
		if (o && json_object_update(o, eff)) {
			json_decref(o);
			o = NULL;
		}
		json_decref(eff);
		emit(ctx, o);
	}
}
