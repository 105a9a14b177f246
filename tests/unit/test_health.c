// SPDX-License-Identifier: GPL-2.0
/* test_health.c - xlbd's health engine (user/xlbd/health.c) on its own event loop against TCP
 * servers on loopback addresses, without the namespace lab: with rise != fall, and a backend
 * whose overrides change rise, fall and the timeout, each backend goes up after exactly its
 * rise successful checks and down after exactly its fall failed ones, and the effective
 * settings are the distinct values configured. No privileges needed.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "check.h"
#include "config.h"
#include "health.h"
#include "log.h"
#include "loop.h"
#include "xt.h"

#define NBE 2

/* Backend i listens on ADDRS[i]; its effective rise, fall and timeout are RISE[i], FALL[i],
 * TIMEOUT[i] (backend 1 overrides the service's values). */
static const char *const ADDRS[NBE] = { "127.0.0.1", "127.0.0.2" };
static const unsigned RISE[NBE] = { 3, 5 }, FALL[NBE] = { 2, 4 }, TIMEOUT[NBE] = { 60, 90 };

static const char *CONF = "interfaces: [lo]\n"
			  "tunnel_source: 192.0.2.1\n"
			  "services:\n"
			  "  - vip: 10.0.0.10\n"
			  "    port: 80\n"
			  "    proto: tcp\n"
			  "    table_size: 251\n"
			  "    health: { type: tcp, port: %u, interval: 100ms, timeout: 60ms, "
			  "rise: 3, "
			  "fall: 2, jitter: 0, initial: down }\n"
			  "    backends:\n"
			  "      - { address: 127.0.0.1 }\n"
			  "      - { address: 127.0.0.2, health: { rise: 5, fall: 4, timeout: 90ms "
			  "} }\n";

/* What the engine showed at each backend's transitions. */
struct seen {
	int up; /* -1 unknown, else the last state seen */
	unsigned long long ok_at_up, failed_at_down;
	unsigned long long went_up, went_down;
};

static struct loop *loop;
static struct seen seen[NBE];
static int want_up; /* stop the loop when every backend is in this state */
static int listen_fd[NBE] = { -1, -1 };
static int timer = -1;
static bool timed_out;
static uint64_t started_ns; /* loop_now_ns() before the engine started */
static unsigned changed_calls, changed_wrong; /* calls of on_changed; those naming the wrong
						 services or a wrong time */
/* Freed by main(), so that a failed check that returns early leaks nothing. */
static struct xlb_conf conf;
static bool conf_parsed;
static json_t *health;

static int backend_index(const struct xlb_addr *a)
{
	char text[64];

	xlb_addr_format(a, text, sizeof(text));
	for (int i = 0; i < NBE; i++)
		if (!strcmp(text, ADDRS[i]))
			return i;
	return -1;
}

static void record(const struct health_view *v, void *ctx)
{
	int i = backend_index(v->addr);
	unsigned long long failed = 0;

	(void)ctx;
	if (i < 0)
		return;
	for (int r = 0; r < HC_RESULT_MAX; r++)
		failed += r == HC_OK ? 0 : v->checks[r];
	if (v->up && seen[i].up != 1)
		seen[i].ok_at_up = v->checks[HC_OK];
	if (!v->up && seen[i].up == 1)
		seen[i].failed_at_down = failed;
	seen[i].up = v->up;
	seen[i].went_up = v->went_up;
	seen[i].went_down = v->went_down;
}

/* The engine must name the one service whose backends moved, once per call. */
static void on_changed(const struct xlb_service_ref *svcs, size_t n, uint64_t since_ns, void *ctx)
{
	bool done = true;

	(void)ctx;
	changed_calls++;
	if (!svcs || n != 1 || memcmp(&svcs[0], &conf.services[0].ref, sizeof(svcs[0])))
		changed_wrong++;
	/* The turn's first verdict: after the engine started, not after this call. */
	if (since_ns < started_ns || since_ns > loop_now_ns())
		changed_wrong++;
	health_foreach(record, NULL);
	for (int i = 0; i < NBE; i++)
		done &= seen[i].up == want_up;
	if (done)
		loop_stop(loop);
}

/* A hang guard, not a measurement: a broken engine must end the test, not stall it. */
static void on_timeout(struct loop *l, void *arg)
{
	(void)arg;
	timed_out = true;
	loop_stop(l);
}

static void on_accept(struct loop *l, int fd, uint32_t events, void *arg)
{
	int c = accept(fd, NULL, NULL);

	(void)l;
	(void)events;
	(void)arg;
	if (c >= 0)
		close(c);
}

/* Listen on ADDRS[i]:*port (0: any free port, written back). Returns the socket or -errno. */
static int listen_on(int i, uint16_t *port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(*port) };
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;

	inet_pton(AF_INET, ADDRS[i], &sa.sin_addr);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || listen(fd, 64) ||
	    getsockname(fd, (struct sockaddr *)&sa, &len)) {
		int err = -errno;

		if (fd >= 0)
			close(fd);
		return err;
	}
	*port = ntohs(sa.sin_port);
	return fd;
}

/* Run the loop until every backend is in state up (or the hang guard fires). */
static int run_until(int up)
{
	want_up = up;
	timed_out = false;
	timer = loop_add_timer(loop, 20000, 0, on_timeout, NULL);
	XT_CHECK(timer >= 0, "timer: %d", timer);
	XT_EQ(loop_run(loop), 0);
	if (!timed_out)
		loop_del_timer(loop, timer);
	XT_CHECK(!timed_out, "backends did not all go %s within 20 s", up ? "up" : "down");
	return XT_PASS;
}

/* health_json_each()'s emit: append to the array ctx. */
static void collect(void *ctx, json_t *o)
{
	json_array_append_new(ctx, o);
}

static int t_rise_fall_exact(void)
{
	char err[XLB_CONF_ERR_MAX], text[1024];
	uint16_t port = 0;
	json_t *arr, *b;
	size_t k;

	for (int i = 0; i < NBE; i++) {
		listen_fd[i] = listen_on(i, &port);
		XT_CHECK(listen_fd[i] >= 0, "cannot listen on %s:%u: %s", ADDRS[i], port,
			 strerror(-listen_fd[i]));
		XT_EQ(loop_add_fd(loop, listen_fd[i], EPOLLIN, on_accept, NULL), 0);
		seen[i].up = -1;
	}
	snprintf(text, sizeof(text), CONF, port);
	XT_CHECK(xlb_conf_parse(text, strlen(text), "test", &conf, err, sizeof(err)) == 0, "%s",
		 err);
	conf_parsed = true;
	XT_EQ(health_sync(&conf, NULL, NULL), 0);

	/* The effective settings: the service's, and backend 1's own. */
	health = arr = json_array();
	health_json_each(NULL, collect, arr);
	XT_EQ(json_array_size(arr), NBE);
	json_array_foreach(arr, k, b)
	{
		struct xlb_addr a;
		int i;

		XT_CHECK(xlb_addr_parse(json_string_value(json_object_get(b, "address")), &a) == 0,
			 "address");
		i = backend_index(&a);
		XT_CHECK(i >= 0, "unknown backend");
		XT_EQ(json_integer_value(json_object_get(b, "rise")), RISE[i]);
		XT_EQ(json_integer_value(json_object_get(b, "fall")), FALL[i]);
		XT_EQ(json_integer_value(json_object_get(b, "timeout_ms")), TIMEOUT[i]);
		XT_EQ(json_integer_value(json_object_get(b, "interval_ms")), 100);
	}

	/* Start down (initial: down), servers listening: up after exactly rise successes. */
	if (run_until(1))
		return XT_FAIL;
	for (int i = 0; i < NBE; i++) {
		XT_CHECK(seen[i].ok_at_up == RISE[i], "%s up after %llu successes, rise is %u",
			 ADDRS[i], seen[i].ok_at_up, RISE[i]);
		XT_EQ(seen[i].went_up, 1);
	}
	/* Servers gone (connections refused): down after exactly fall failures. */
	for (int i = 0; i < NBE; i++) {
		loop_del_fd(loop, listen_fd[i]);
		close(listen_fd[i]);
		listen_fd[i] = -1;
	}
	if (run_until(0))
		return XT_FAIL;
	for (int i = 0; i < NBE; i++) {
		XT_CHECK(seen[i].failed_at_down == FALL[i],
			 "%s down after %llu failures, fall is %u", ADDRS[i],
			 seen[i].failed_at_down, FALL[i]);
		XT_EQ(seen[i].went_down, 1);
	}
	/* Four transitions: told at least twice (once per state), never of another service. */
	XT_CHECK(changed_calls >= 2, "told of transitions %u times", changed_calls);
	XT_EQ(changed_wrong, 0);
	return XT_PASS;
}

static bool always_up(const struct xlb_service_ref *svc, const struct xlb_addr *a, void *ctx)
{
	(void)svc;
	(void)a;
	(void)ctx;
	return true;
}

static void count_down(const struct health_view *v, void *ctx)
{
	unsigned long long *went_down = ctx;

	went_down[0] += v->went_down;
	went_down[1]++;
}

/* A change refused after health_sync(): health_restore() gives the targets it removed (backend
 * 1) or reset (backend 0, made type none) their state back, down, even where the maps say up
 * (a service failing open; was_up here says up for all). */
static int t_restore(void)
{
	const struct xlb_service_ref *ref = &conf.services[0].ref;
	unsigned long long went_down[2] = { 0, 0 };
	struct xlb_conf less;
	struct xlb_addr a0, a1;

	XT_CHECK(conf_parsed, "needs rise_fall_exact first (its backends end down)");
	XT_EQ(xlb_addr_parse(ADDRS[0], &a0), 0);
	XT_EQ(xlb_addr_parse(ADDRS[1], &a1), 0);
	XT_CHECK(!health_is_up(ref, &a0) && !health_is_up(ref, &a1), "both down to start with");
	XT_EQ(xlb_conf_copy(&less, &conf), 0);
	less.services[0].n_backends = 1;
	less.services[0].health.type = XLB_HC_NONE;
	XT_EQ(health_sync(&less, NULL, NULL), 0);
	XT_CHECK(health_is_up(ref, &a0) && health_is_up(ref, &a1), "the change's view: both up");
	XT_EQ(health_restore(&conf, always_up, NULL), 0);
	xlb_conf_free(&less);
	XT_CHECK(!health_is_up(ref, &a0), "backend 0 (reset) is up after the restore");
	XT_CHECK(!health_is_up(ref, &a1), "backend 1 (removed) is up after the restore");
	health_foreach(count_down, went_down);
	XT_EQ(went_down[1], NBE);
	XT_EQ(went_down[0], NBE); /* each went down once, in rise_fall_exact: kept */
	/* Once a change ran nothing is saved; a refusal after that restores nothing and must not
	 * hand qsort() the NULL list (UBSan aborted xlbd there). */
	health_applied();
	XT_EQ(health_sync(&conf, NULL, NULL), 0);
	XT_EQ(health_restore(&conf, always_up, NULL), 0);
	XT_CHECK(!health_is_up(ref, &a0) && !health_is_up(ref, &a1), "both still down");
	return XT_PASS;
}

/* The backends of ids_conf()'s service: first..first+3 of 10.9.0.x. */
static int ids_conf(struct xlb_conf *c, int first)
{
	char err[XLB_CONF_ERR_MAX], text[512];

	snprintf(text, sizeof(text),
		 "interfaces: [eth0]\ntunnel_source: 192.0.2.1\nservices:\n"
		 "  - { vip: 10.0.0.9, port: 80, proto: tcp, health: { type: tcp },\n"
		 "      backends: [ { address: 10.9.0.%d }, { address: 10.9.0.%d },\n"
		 "                  { address: 10.9.0.%d }, { address: 10.9.0.%d } ] }\n",
		 first, first + 1, first + 2, first + 3);
	return xlb_conf_parse(text, strlen(text), "ids", c, err, sizeof(err));
}

/* A reload that swaps backends gives the new ones the ids the old ones left: ids stay below
 * the number of targets (tunnel checks number their probes by id, up to 65,535). */
static int t_ids_reused(void)
{
	struct xlb_conf a, b;
	size_t n = 0;

	XT_EQ(ids_conf(&a, 1), 0);
	XT_EQ(ids_conf(&b, 3), 0); /* keeps .3 and .4, drops .1 and .2, adds .5 and .6 */
	XT_EQ(health_sync(&a, NULL, NULL), 0);
	XT_EQ(health_sync(&b, NULL, NULL), 0);
	for (size_t id = 0; id < 8; id++) {
		const struct hc_target *t = hc_target_by_id(id);

		XT_CHECK(!t || id < 4, "target id %zu with 4 targets", id);
		n += t != NULL;
	}
	XT_EQ(n, 4);
	XT_EQ(health_sync(&conf, NULL, NULL), 0); /* back to the first case's */
	xlb_conf_free(&a);
	xlb_conf_free(&b);
	return XT_PASS;
}

static const struct xt_case cases[] = {
	{ "rise_fall_exact", t_rise_fall_exact },
	{ "refused_change_restored", t_restore },
	{ "ids_reused_on_sync", t_ids_reused },
};

int main(int argc, char **argv)
{
	int rc;

	xlog_set_level(XLOG_ERR);
	started_ns = loop_now_ns();
	if (loop_create(&loop, 0) || health_start(loop, on_changed, NULL)) {
		printf("FAIL unit/health/start: cannot start the health engine\n");
		printf("unit/health: 0 passed, 1 failed, 0 skipped\n");
		return 1;
	}
	rc = xt_run("unit/health", cases, sizeof(cases) / sizeof(cases[0]),
		    argc > 1 ? argv[1] : NULL);
	health_stop();
	json_decref(health);
	if (conf_parsed)
		xlb_conf_free(&conf);
	for (int i = 0; i < NBE; i++)
		if (listen_fd[i] >= 0)
			close(listen_fd[i]);
	loop_destroy(loop);
	return rc;
}
