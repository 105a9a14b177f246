// SPDX-License-Identifier: GPL-2.0
/* test_stall.c - a check whose answer came in time is not a timeout because the daemon's loop
 * was held past the deadline before it could read it (a large apply holds the loop for
 * seconds). A udp check with a 100 ms timeout probes a server owned by this test on the same
 * loop; the server's callback holds the loop 300 ms, then answers, in the turn that reads the
 * probe: the deadline passes while the answer waits in the check's socket. Every check must
 * pass; before health.c looked again at such deadlines on the next turn, every one timed out.
 * No privileges needed.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "health.h"
#include "log.h"
#include "loop.h"
#include "xt.h"

#define HOLD_MS 300 /* how long the server's callback holds the loop: 3 timeouts */
#define CHECKS 3 /* finished checks to wait for */

static const char *CONF = "interfaces: [lo]\n"
			  "tunnel_source: 192.0.2.1\n"
			  "services:\n"
			  "  - vip: 10.0.0.10\n"
			  "    port: 53\n"
			  "    proto: udp\n"
			  "    table_size: 251\n"
			  "    health: { type: udp, port: %u, interval: 200ms, timeout: 100ms, "
			  "rise: 1, "
			  "fall: 1, jitter: 0, initial: down, payload: ping, expect_payload: pong "
			  "}\n"
			  "    backends: [{ address: 127.0.0.1 }]\n";

static struct loop *loop;
static struct xlb_conf conf;
static bool conf_parsed;
static int srv = -1;
static unsigned probes;
static uint64_t checks[HC_RESULT_MAX];
static bool up;

/* The server: read the probe, hold the loop past the check's deadline, answer. */
static void on_probe(struct loop *l, int fd, uint32_t events, void *arg)
{
	struct sockaddr_in from;
	socklen_t len = sizeof(from);
	struct timespec hold = { 0, HOLD_MS * 1000000L };
	char buf[64];

	(void)l;
	(void)events;
	(void)arg;
	if (recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &len) < 0)
		return;
	probes++;
	nanosleep(&hold, NULL);
	sendto(fd, "pong", 4, 0, (struct sockaddr *)&from, len);
}

static void record(const struct health_view *v, void *ctx)
{
	(void)ctx;
	memcpy(checks, v->checks, sizeof(checks));
	up = v->up;
}

static void on_poll(struct loop *l, void *arg)
{
	uint64_t total = 0;

	(void)arg;
	health_foreach(record, NULL);
	for (int k = 0; k < HC_RESULT_MAX; k++)
		total += checks[k];
	if (total >= CHECKS)
		loop_stop(l);
}

/* A hang guard, not a measurement: a broken engine must end the test, not stall it. */
static void on_hang(struct loop *l, void *arg)
{
	(void)arg;
	loop_stop(l);
}

static void on_changed(const struct xlb_service_ref *svcs, size_t n, uint64_t since_ns, void *ctx)
{
	(void)svcs;
	(void)n;
	(void)since_ns;
	(void)ctx;
}

static int t_held_loop_not_a_timeout(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	char err[XLB_CONF_ERR_MAX], text[1024];
	int poll_timer, hang_timer;

	srv = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	XT_CHECK(srv >= 0 && !bind(srv, (struct sockaddr *)&a, sizeof(a)) &&
			 !getsockname(srv, (struct sockaddr *)&a, &len),
		 "udp server: %s", strerror(errno));
	XT_EQ(loop_add_fd(loop, srv, EPOLLIN, on_probe, NULL), 0);
	snprintf(text, sizeof(text), CONF, ntohs(a.sin_port));
	XT_CHECK(xlb_conf_parse(text, strlen(text), "test", &conf, err, sizeof(err)) == 0, "%s",
		 err);
	conf_parsed = true;
	XT_EQ(health_sync(&conf, NULL, NULL), 0);
	poll_timer = loop_add_timer(loop, 50, 50, on_poll, NULL);
	hang_timer = loop_add_timer(loop, 20000, 0, on_hang, NULL);
	XT_CHECK(poll_timer >= 0 && hang_timer >= 0, "timers");
	XT_EQ(loop_run(loop), 0);
	loop_del_timer(loop, poll_timer);
	loop_del_timer(loop, hang_timer);
	XT_CHECK(probes >= CHECKS, "the server saw %u probes", probes);
	XT_EQ(checks[HC_TIMEOUT], 0);
	XT_CHECK(checks[HC_OK] >= CHECKS, "%llu checks passed", (unsigned long long)checks[HC_OK]);
	XT_CHECK(up, "the backend is not up");
	return XT_PASS;
}

static const struct xt_case cases[] = {
	{ "held_loop_not_a_timeout", t_held_loop_not_a_timeout },
};

int main(int argc, char **argv)
{
	int rc;

	xlog_set_level(XLOG_ERR);
	if (loop_create(&loop, 0) || health_start(loop, on_changed, NULL)) {
		printf("FAIL unit/stall/start: cannot start the health engine\n");
		printf("unit/stall: 0 passed, 1 failed, 0 skipped\n");
		return 1;
	}
	rc = xt_run("unit/stall", cases, sizeof(cases) / sizeof(cases[0]),
		    argc > 1 ? argv[1] : NULL);
	health_stop();
	if (conf_parsed)
		xlb_conf_free(&conf);
	if (srv >= 0)
		close(srv);
	loop_destroy(loop);
	return rc;
}
