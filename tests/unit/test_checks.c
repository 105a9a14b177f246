// SPDX-License-Identifier: GPL-2.0
/* test_checks.c - each health-check type's verdict, through xlbd's health engine on its own
 * loop, against real servers on loopback (tests/unit/checkservers.py): https with certificates
 * of a private CA (a valid certificate passes when the check names the CA in `ca` and fails
 * against the system's store; an expired one and one for another host never pass), http
 * statuses inside and outside `expect` and a body with and without the wanted text, udp
 * replies with and without `expect_payload`. Each check must fail for its own reason. An
 * http check that gets no socket (out of descriptors) fails as error, not refused. No
 * privileges needed.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "config.h"
#include "health.h"
#include "log.h"
#include "loop.h"
#include "xt.h"

/* 10.0.0.10 checks the three TLS servers with ca; 10.0.0.11 the valid one without it;
 * 10.0.0.12..14 the HTTP server (a good answer, a status outside expect, a body without the
 * wanted text); 10.0.0.15..16 the UDP server (the reply holds the wanted text, or not). */
static const char *CONF = "interfaces: [lo]\n"
			  "tunnel_source: 192.0.2.1\n"
			  "services:\n"
			  "  - vip: 10.0.0.10\n"
			  "    port: 443\n"
			  "    proto: tcp\n"
			  "    table_size: 307\n"
			  "    health: { type: https, port: %u, interval: 1s, timeout: 900ms, "
			  "rise: 1, fall: 1, jitter: 0, initial: down, ca: %s/ca.pem }\n"
			  "    backends: [{ address: 127.0.0.3 }, { address: 127.0.0.4 }, "
			  "{ address: 127.0.0.5 }]\n"
			  "  - vip: 10.0.0.11\n"
			  "    port: 443\n"
			  "    proto: tcp\n"
			  "    table_size: 307\n"
			  "    health: { type: https, port: %u, interval: 1s, timeout: 900ms, "
			  "rise: 1, fall: 1, jitter: 0, initial: down }\n"
			  "    backends: [{ address: 127.0.0.3 }]\n"
			  "  - vip: 10.0.0.12\n"
			  "    port: 80\n"
			  "    proto: tcp\n"
			  "    table_size: 251\n"
			  "    health: { type: http, port: %u, interval: 1s, timeout: 900ms, "
			  "rise: 1, fall: 1, jitter: 0, path: /status/203, expect: 200-299, body: "
			  "ok }\n"
			  "    backends: [{ address: 127.0.0.6 }]\n"
			  "  - vip: 10.0.0.13\n"
			  "    port: 80\n"
			  "    proto: tcp\n"
			  "    table_size: 251\n"
			  "    health: { type: http, port: %u, interval: 1s, timeout: 900ms, "
			  "rise: 1, fall: 1, jitter: 0, path: /status/404, expect: 200-399 }\n"
			  "    backends: [{ address: 127.0.0.6 }]\n"
			  "  - vip: 10.0.0.14\n"
			  "    port: 80\n"
			  "    proto: tcp\n"
			  "    table_size: 251\n"
			  "    health: { type: http, port: %u, interval: 1s, timeout: 900ms, "
			  "rise: 1, fall: 1, jitter: 0, path: /status/200, body: healthy }\n"
			  "    backends: [{ address: 127.0.0.6 }]\n"
			  "  - vip: 10.0.0.15\n"
			  "    port: 7\n"
			  "    proto: udp\n"
			  "    table_size: 251\n"
			  "    health: { type: udp, port: %u, interval: 1s, timeout: 900ms, "
			  "rise: 1, fall: 1, jitter: 0, payload: ping, expect_payload: pong }\n"
			  "    backends: [{ address: 127.0.0.7 }]\n"
			  "  - vip: 10.0.0.16\n"
			  "    port: 7\n"
			  "    proto: udp\n"
			  "    table_size: 251\n"
			  "    health: { type: udp, port: %u, interval: 1s, timeout: 900ms, "
			  "rise: 1, fall: 1, jitter: 0, payload: ping, expect_payload: ready }\n"
			  "    backends: [{ address: 127.0.0.7 }]\n";

/* What one checked backend showed at the end; want: the result every check must have (a
 * timeout aside: on a loaded machine a check may outlast its 900 ms, which says nothing of the
 * verdict under test). */
struct result {
	const char *vip, *addr, *why;
	enum hc_result want;
	bool seen, up;
	uint64_t want_n, timeouts, total, went_up;
	char got[160]; /* every result seen, "ok 3 timeout 2" */
};

#define RES(v, a, w, r)                                  \
	{                                                \
		.vip = v, .addr = a, .why = w, .want = r \
	}
static struct result results[] = {
	RES("10.0.0.10", "127.0.0.3", "valid certificate, ca given", HC_OK),
	RES("10.0.0.10", "127.0.0.4", "expired certificate", HC_ERROR),
	RES("10.0.0.10", "127.0.0.5", "certificate for another host", HC_ERROR),
	RES("10.0.0.11", "127.0.0.3", "private CA, system store", HC_ERROR),
	RES("10.0.0.12", "127.0.0.6", "http 203 in 200-299, body ok", HC_OK),
	RES("10.0.0.13", "127.0.0.6", "http 404 outside 200-399", HC_BAD_STATUS),
	RES("10.0.0.14", "127.0.0.6", "http body without 'healthy'", HC_BAD_BODY),
	RES("10.0.0.15", "127.0.0.7", "udp reply with 'pong'", HC_OK),
	RES("10.0.0.16", "127.0.0.7", "udp reply without 'ready'", HC_BAD_REPLY),
};
#define NRES (sizeof(results) / sizeof(results[0]))

static struct loop *loop;
static char dir[] = "/tmp/xlb-checks.XXXXXX";
static pid_t server = -1;
static int server_stdin = -1;
static struct xlb_conf conf;
static bool conf_parsed;
static int poll_timer = -1, hang_timer = -1;

static void record(const struct health_view *v, void *ctx)
{
	char vip[64], addr[64];

	(void)ctx;
	xlb_addr_format(&v->svc->vip, vip, sizeof(vip));
	xlb_addr_format(v->addr, addr, sizeof(addr));
	for (size_t i = 0; i < NRES; i++) {
		struct result *r = &results[i];

		if (strcmp(r->vip, vip) || strcmp(r->addr, addr))
			continue;
		r->seen = true;
		r->up = v->up;
		r->want_n = v->checks[r->want];
		r->timeouts = r->want == HC_TIMEOUT ? 0 : v->checks[HC_TIMEOUT];
		r->went_up = v->went_up;
		r->total = 0;
		r->got[0] = '\0';
		for (int k = 0; k < HC_RESULT_MAX; k++) {
			size_t used = strlen(r->got);

			r->total += v->checks[k];
			if (v->checks[k])
				snprintf(r->got + used, sizeof(r->got) - used, " %s %llu",
					 health_result_name(k), (unsigned long long)v->checks[k]);
		}
	}
}

static void on_changed(const struct xlb_service_ref *svcs, size_t n, uint64_t since_ns, void *ctx)
{
	(void)svcs;
	(void)n;
	(void)since_ns;
	(void)ctx;
}

/* Every 100 ms: stop once every backend has had 5 checks with its wanted result, or 10 in all
 * (the outcomes are asserted after). */
static void on_poll(struct loop *l, void *arg)
{
	bool done = true;

	(void)arg;
	health_foreach(record, NULL);
	for (size_t i = 0; i < NRES; i++)
		done &= results[i].want_n >= 5 || results[i].total >= 10;
	if (done)
		loop_stop(l);
}

/* A hang guard, not a measurement: a broken engine must end the test, not stall it. */
static void on_hang(struct loop *l, void *arg)
{
	(void)arg;
	loop_stop(l);
}

/* Start checkservers.py in dir; returns its port, or 0 (the reason on stderr). */
static unsigned start_server(void)
{
	int in[2], out[2];
	unsigned port = 0;
	char line[64];
	FILE *f;

	if (pipe(in) || pipe(out))
		return 0;
	server = fork();
	if (server == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		close(in[1]);
		close(out[0]);
		execl("/usr/bin/python3", "python3", "tests/unit/checkservers.py", dir,
		      (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	server_stdin = in[1];
	f = fdopen(out[0], "r");
	if (f && fgets(line, sizeof(line), f) && sscanf(line, "ready %u", &port) != 1)
		port = 0;
	if (f)
		fclose(f);
	return port;
}

static unsigned server_port;

/* checkservers.py's port, started the first time; 0 when it cannot start. */
static unsigned ensure_server(void)
{
	if (!server_port && mkdtemp(dir))
		server_port = start_server();
	return server_port;
}

static int t_each_type(void)
{
	char err[XLB_CONF_ERR_MAX], text[4096];
	unsigned port;

	port = ensure_server();
	XT_CHECK(port != 0, "tests/unit/checkservers.py did not start (run from the tree's top)");
	snprintf(text, sizeof(text), CONF, port, dir, port, port, port, port, port, port);
	XT_CHECK(xlb_conf_parse(text, strlen(text), "test", &conf, err, sizeof(err)) == 0, "%s",
		 err);
	conf_parsed = true;
	XT_EQ(health_sync(&conf, NULL, NULL), 0);
	poll_timer = loop_add_timer(loop, 100, 100, on_poll, NULL);
	hang_timer = loop_add_timer(loop, 30000, 0, on_hang, NULL);
	XT_CHECK(poll_timer >= 0 && hang_timer >= 0, "timers");
	XT_EQ(loop_run(loop), 0);
	loop_del_timer(loop, poll_timer);
	loop_del_timer(loop, hang_timer);
	health_foreach(record, NULL);
	for (size_t i = 0; i < NRES; i++) {
		struct result *r = &results[i];

		XT_CHECK(r->seen, "%s of %s not checked", r->addr, r->vip);
		XT_CHECK(r->want_n >= 5, "%s of %s (%s): want 5 checks %s, got%s in 30 s", r->addr,
			 r->vip, r->why, health_result_name(r->want), r->got);
		XT_CHECK(r->want_n + r->timeouts == r->total,
			 "%s of %s (%s): want every check %s, got%s", r->addr, r->vip, r->why,
			 health_result_name(r->want), r->got);
		/* Rise 1 from initial down: a passing backend came up, a failing one never did. */
		XT_CHECK(r->want == HC_OK ? r->went_up >= 1 : r->went_up == 0 && !r->up,
			 "%s of %s (%s): went up %llu times, up %d", r->addr, r->vip, r->why,
			 (unsigned long long)r->went_up, r->up);
	}
	return XT_PASS;
}

static uint64_t nofd_checks[HC_RESULT_MAX], nofd_want; /* stop at nofd_want checks */

static void record_nofd(const struct health_view *v, void *ctx)
{
	(void)ctx;
	memcpy(nofd_checks, v->checks, sizeof(nofd_checks));
}

static void poll_nofd(struct loop *l, void *arg)
{
	uint64_t total = 0;

	(void)arg;
	health_foreach(record_nofd, NULL);
	for (int k = 0; k < HC_RESULT_MAX; k++)
		total += nofd_checks[k];
	if (total >= nofd_want)
		loop_stop(l);
}

/* An http check passes, then, with no descriptor left, every check fails as error (curl's
 * socket comes from the engine, which says why), none as refused. */
static int t_http_no_fd(void)
{
	char err[XLB_CONF_ERR_MAX], text[512];
	struct xlb_conf one;
	struct rlimit was, low;
	unsigned port = ensure_server();
	uint64_t total = 0, ok;
	int fd, poll_id, hang_id;

	XT_CHECK(port != 0, "tests/unit/checkservers.py did not start (run from the tree's top)");
	snprintf(text, sizeof(text),
		 "interfaces: [lo]\ntunnel_source: 192.0.2.1\nservices:\n"
		 "  - { vip: 10.0.0.20, port: 80, proto: tcp, table_size: 251,\n"
		 "      health: { type: http, port: %u, interval: 100ms, timeout: 90ms, rise: 1,\n"
		 "                fall: 1, jitter: 0, path: /status/200 },\n"
		 "      backends: [{ address: 127.0.0.6 }] }\n",
		 port);
	XT_CHECK(xlb_conf_parse(text, strlen(text), "nofd", &one, err, sizeof(err)) == 0, "%s",
		 err);
	memset(nofd_checks, 0, sizeof(nofd_checks));
	XT_EQ(health_sync(&one, NULL, NULL), 0);
	poll_id = loop_add_timer(loop, 100, 100, poll_nofd, NULL);
	hang_id = loop_add_timer(loop, 10000, 0, on_hang, NULL);
	XT_CHECK(poll_id >= 0 && hang_id >= 0, "timers");
	nofd_want = 2;
	loop_run(loop);
	for (int k = 0; k < HC_RESULT_MAX; k++)
		total += nofd_checks[k];
	ok = nofd_checks[HC_OK];
	/* A timeout on a loaded machine says nothing here; any other result would. */
	XT_CHECK(ok >= 1 && total == ok + nofd_checks[HC_TIMEOUT],
		 "with descriptors: %llu ok of %llu checks", (unsigned long long)ok,
		 (unsigned long long)total);
	nofd_want = total + 4; /* 3 errors at least, and the one that may pass */
	/* The lowest free descriptor becomes the limit: the next socket() fails with EMFILE. */
	fd = open("/dev/null", O_RDONLY);
	XT_CHECK(fd >= 0 && getrlimit(RLIMIT_NOFILE, &was) == 0, "open, getrlimit");
	close(fd);
	low = was;
	low.rlim_cur = (rlim_t)fd;
	XT_EQ(setrlimit(RLIMIT_NOFILE, &low), 0);
	loop_run(loop);
	XT_EQ(setrlimit(RLIMIT_NOFILE, &was), 0);
	loop_del_timer(loop, poll_id);
	loop_del_timer(loop, hang_id);
	XT_EQ(health_sync(&conf, NULL, NULL), 0);
	xlb_conf_free(&one);
	total = 0;
	for (int k = 0; k < HC_RESULT_MAX; k++)
		total += nofd_checks[k];
	XT_CHECK(nofd_checks[HC_ERROR] >= 3 && nofd_checks[HC_OK] == ok &&
			 nofd_checks[HC_REFUSED] == 0,
		 "without descriptors: %llu more checks, %llu error, %llu refused, %llu more ok",
		 (unsigned long long)(total - ok), (unsigned long long)nofd_checks[HC_ERROR],
		 (unsigned long long)nofd_checks[HC_REFUSED],
		 (unsigned long long)(nofd_checks[HC_OK] - ok));
	return XT_PASS;
}

static const struct xt_case cases[] = {
	{ "each_type_for_its_reason", t_each_type },
	{ "http_without_descriptors_is_error", t_http_no_fd },
};

int main(int argc, char **argv)
{
	char cmd[64];
	int rc;

	xlog_set_level(XLOG_ERR);
	if (loop_create(&loop, 0) || health_start(loop, on_changed, NULL)) {
		printf("FAIL unit/checks/start: cannot start the health engine\n");
		printf("unit/checks: 0 passed, 1 failed, 0 skipped\n");
		return 1;
	}
	rc = xt_run("unit/checks", cases, sizeof(cases) / sizeof(cases[0]),
		    argc > 1 ? argv[1] : NULL);
	health_stop();
	if (conf_parsed)
		xlb_conf_free(&conf);
	loop_destroy(loop);
	if (server > 0) {
		close(server_stdin); /* the server's end */
		kill(server, SIGTERM);
		waitpid(server, NULL, 0);
	}
	if (strcmp(dir, "/tmp/xlb-checks.XXXXXX")) {
		snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
		if (system(cmd) != 0)
			fprintf(stderr, "test_checks: could not remove %s\n", dir);
	}
	return rc;
}
