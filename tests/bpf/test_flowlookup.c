// SPDX-License-Identifier: GPL-2.0
/* test_flowlookup.c - "lbctl flow lookup" against the data path, without the lab: the real
 * xlb_lb loaded with the standard environment (tests/bpf/stdenv.c, services of several
 * weighted backends), its maps pinned in a private directory, and for many IPv4, IPv6 and
 * port-0 flows, with and without connection entries (10,000 flows through buckets that cannot
 * keep them all), the lbctl binary's answer (-j) compared with where BPF_PROG_TEST_RUN sends
 * the flow's next packet. Needs root (CAP_BPF).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>
#include <jansson.h>

#include "frame.h"
#include "lbenv.h"
#include "stdenv.h"
#include "xt.h"

static struct lbenv env;
static char pin[64];
static char lbctl[256];

/* The maps lbctl reads, pinned under pin. Returns 0 or -errno. */
static int pin_maps(void)
{
	const struct {
		const char *name;
		int fd;
	} maps[] = {
		{ "xlb_config", env.cfg_fd },	 { "xlb_services", env.svc_fd },
		{ "xlb_tables", env.tables_fd }, { "xlb_backends", env.be_fd },
		{ "xlb_conns", env.conns_fd },	 { "xlb_vips", env.vips_fd },
	};
	char path[128];

	for (size_t i = 0; i < sizeof(maps) / sizeof(maps[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", pin, maps[i].name);
		if (bpf_obj_pin(maps[i].fd, path))
			return -errno;
	}
	return 0;
}

static void unpin_maps(void)
{
	static const char *const names[] = { "xlb_config",   "xlb_services", "xlb_tables",
					     "xlb_backends", "xlb_conns",    "xlb_vips" };
	char path[128];

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", pin, names[i]);
		unlink(path);
	}
	rmdir(pin);
}

/* "10.0.0.10:80/tcp" or "[2001:db8::10]:80/tcp" */
static void endpoint(char *buf, size_t len, const char *addr, unsigned port)
{
	if (strchr(addr, ':'))
		snprintf(buf, len, "[%s]:%u", addr, port);
	else
		snprintf(buf, len, "%s:%u", addr, port);
}

/* lbctl's answer for flow s of the service (s->dst, svc_port, s->proto): the backend address
 * ("" when it drops) and the reason name. Returns 0 or -1 (lbctl failed or said nothing). */
static int lbctl_lookup(const struct frame_spec *s, unsigned svc_port, char *backend, size_t blen,
			char *reason, size_t rlen)
{
	char cmd[768], svc[96], client[96], out[8192];
	size_t n;
	json_t *j;
	FILE *p;

	endpoint(svc, sizeof(svc), s->dst, svc_port);
	endpoint(client, sizeof(client), s->src, s->sport);
	snprintf(cmd, sizeof(cmd), "%s -j --pin-dir %s flow lookup %s/%s from %s", lbctl, pin, svc,
		 s->proto == IPPROTO_TCP ? "tcp" : "udp", client);
	if (!svc_port)
		snprintf(cmd + strlen(cmd), sizeof(cmd) - strlen(cmd), " to %u", s->dport);
	p = popen(cmd, "r");
	if (!p)
		return -1;
	n = fread(out, 1, sizeof(out) - 1, p);
	out[n] = 0;
	if (pclose(p) != 0) {
		fprintf(stderr, "    %s: failed: %s\n", cmd, out);
		return -1;
	}
	j = json_loads(out, 0, NULL);
	if (!j)
		return -1;
	snprintf(backend, blen, "%s",
		 json_is_string(json_object_get(j, "backend"))
			 ? json_string_value(json_object_get(j, "backend"))
			 : "");
	snprintf(reason, rlen, "%s",
		 json_is_string(json_object_get(j, "reason"))
			 ? json_string_value(json_object_get(j, "reason"))
			 : "?");
	json_decref(j);
	return 0;
}

/* Where the data path sends s: the outer destination as text ("" for no TX). */
static int dp_backend(const struct frame_spec *s, char *backend, size_t blen)
{
	uint8_t in[FRAME_MAX], out[FRAME_MAX];
	size_t len = frame_build(in, s), out_len;
	int action, err = lbenv_run(&env, in, len, out, &out_len, &action);

	backend[0] = 0;
	if (err)
		return err;
	if (action != XDP_TX)
		return 0;
	if (out[12] == 0x08 && out[13] == 0x00)
		inet_ntop(AF_INET, out + 14 + 16, backend, (socklen_t)blen);
	else
		inet_ntop(AF_INET6, out + 14 + 24, backend, (socklen_t)blen);
	return 0;
}

/* lbctl and the data path agree on flow s (lookup first: the packet writes the entry). */
static int agree(const struct frame_spec *s, unsigned svc_port, const char *want_reason)
{
	char lb[64], dp[64], reason[64];

	XT_CHECK(lbctl_lookup(s, svc_port, lb, sizeof(lb), reason, sizeof(reason)) == 0, "lbctl "
											 "flow "
											 "lookup "
											 "failed");
	XT_EQ(dp_backend(s, dp, sizeof(dp)), 0);
	XT_CHECK(!strcmp(lb, dp), "%s:%u -> %s:%u/%u: lbctl says '%s' (%s), the data path '%s'",
		 s->src, s->sport, s->dst, s->dport, s->proto, lb, reason, dp);
	XT_CHECK(!want_reason || !strcmp(reason, want_reason), "lbctl reason %s, expected %s",
		 reason, want_reason);
	return XT_PASS;
}

#define C4 "198.51.100.7"
#define C6 "2001:db8:c::7"

/* Every standard service with a table, 24 new flows each (v4, v6, port 0). */
static int t_new_flows_agree(void)
{
	static const struct {
		struct frame_spec s;
		unsigned svc_port;
	} svcs[] = {
		{ { .family = 4, .src = C4, .dst = "10.0.0.10", .dport = 80, .proto = IPPROTO_TCP },
		  80 },
		{ { .family = 4, .src = C4, .dst = "10.0.0.10", .dport = 53, .proto = IPPROTO_UDP },
		  53 },
		{ { .family = 6,
		    .src = C6,
		    .dst = "2001:db8::10",
		    .dport = 80,
		    .proto = IPPROTO_TCP },
		  80 },
		{ { .family = 6,
		    .src = C6,
		    .dst = "2001:db8::10",
		    .dport = 53,
		    .proto = IPPROTO_UDP },
		  53 },
		{ { .family = 4, .src = C4, .dst = "10.0.0.20", .dport = 443, .proto = IPPROTO_TCP },
		  0 },
		{ { .family = 4, .src = C4, .dst = "10.0.0.30", .dport = 80, .proto = IPPROTO_TCP },
		  80 },
		{ { .family = 6,
		    .src = C6,
		    .dst = "2001:db8::30",
		    .dport = 80,
		    .proto = IPPROTO_TCP },
		  80 },
		{ { .family = 6,
		    .src = C6,
		    .dst = "2001:db8::20",
		    .dport = 5353,
		    .proto = IPPROTO_UDP },
		  0 },
	};

	XT_EQ(stdenv_setup(&env), 0);
	for (size_t k = 0; k < sizeof(svcs) / sizeof(svcs[0]); k++) {
		for (int i = 0; i < 24; i++) {
			struct frame_spec s = svcs[k].s;

			s.payload = 16;
			s.sport = (uint16_t)(20000 + 131 * i);
			if (!svcs[k].svc_port)
				s.dport = (uint16_t)(1000 + 17 * i);
			if (agree(&s, svcs[k].svc_port, "tx_new_flow"))
				return XT_FAIL;
			/* The packet wrote the entry: now both follow it. */
			if (agree(&s, svcs[k].svc_port, "tx_conn_hit"))
				return XT_FAIL;
		}
	}
	return XT_PASS;
}

/* Connection entries that point away from the Maglev slot: a usable one is followed by both,
 * one to a down backend or to a reassigned id is re-selected by both, a service without a
 * table drops in both. */
static int t_entries_agree(void)
{
	struct frame_spec s = { .family = 4,
				.src = C4,
				.dst = "10.0.0.10",
				.sport = 33000,
				.dport = 80,
				.proto = IPPROTO_TCP,
				.payload = 16 };
	struct xlb_conn v = { .backend_id = 21, .generation = 1, .tick = XLB_CONN_CONFIRMED };
	struct frame_spec none = s;

	XT_EQ(stdenv_setup(&env), 0);
	XT_EQ(lbenv_set_backend(&env, 21, "10.1.0.21", 1, 1, XLB_BE_UP, 100), 0);
	for (int i = 0; i < 20; i++) {
		s.sport = (uint16_t)(33000 + i);
		addr_parse(s.src, v.src);
		v.sport = htons(s.sport);
		v.dport = htons(s.dport);
		XT_EQ(lbenv_put_conn(&env, LBENV_CPU, stdenv_conn_hash(&s, SEED), &v), 0);
		if (agree(&s, 80, "tx_conn_hit"))
			return XT_FAIL;
	}
	XT_EQ(lbenv_set_backend(&env, 21, "10.1.0.21", 1, 1, XLB_BE_DOWN, 100), 0);
	s.sport = 33000;
	if (agree(&s, 80, "tx_reselect"))
		return XT_FAIL;
	/* Id 21 reassigned (generation 2): the entries of generation 1 are stale in both. */
	XT_EQ(lbenv_set_backend(&env, 21, "10.1.0.21", 1, 2, XLB_BE_UP, 100), 0);
	s.sport = 33001;
	if (agree(&s, 80, "tx_reselect"))
		return XT_FAIL;
	none.dst = "10.0.0.40"; /* empty table */
	if (agree(&none, 80, "drop_no_backend"))
		return XT_FAIL;
	return XT_PASS;
}

/* lbctl's answers for the n flows f of service (f->dst, svc_port, f->proto), in one lbctl
 * batch: backend address ("" when dropped) and reason of each. Returns 0 or -1. */
static int lbctl_batch(const struct frame_spec *f, size_t n, unsigned svc_port, char (*backend)[64],
		       char (*reason)[32])
{
	char path[] = "/tmp/xlb-flowlookup-XXXXXX", cmd[512], svc[96], client[96];
	int fd = mkstemp(path), ret = -1;
	FILE *b = fd >= 0 ? fdopen(fd, "w") : NULL, *p;
	json_t *j = NULL;

	if (!b)
		return -1;
	endpoint(svc, sizeof(svc), f->dst, svc_port);
	for (size_t i = 0; i < n; i++) {
		endpoint(client, sizeof(client), f[i].src, f[i].sport);
		fprintf(b, "flow lookup %s/%s from %s\n", svc,
			f[i].proto == IPPROTO_TCP ? "tcp" : "udp", client);
	}
	fclose(b);
	snprintf(cmd, sizeof(cmd), "%s -j --pin-dir %s batch file %s", lbctl, pin, path);
	p = popen(cmd, "r");
	if (p) {
		j = json_loadf(p, 0, NULL);
		if (pclose(p) == 0 && json_is_array(j) && json_array_size(j) == n)
			ret = 0;
	}
	for (size_t i = 0; !ret && i < n; i++) {
		const json_t *r = json_array_get(j, i);

		snprintf(backend[i], 64, "%s",
			 json_is_string(json_object_get(r, "backend"))
				 ? json_string_value(json_object_get(r, "backend"))
				 : "");
		snprintf(reason[i], 32, "%s",
			 json_is_string(json_object_get(r, "reason"))
				 ? json_string_value(json_object_get(r, "reason"))
				 : "?");
	}
	json_decref(j);
	unlink(path);
	return ret;
}

#define MANY 10000

/* 10,000 flows of one service through a table too small to hold them (2,048 entries in this
 * CPU's part: buckets fill up and replace their oldest entries), then a table change that
 * moves some slots (backend 51 drained): lbctl must name, for every flow, the backend its next
 * packet goes to: the entry's where the bucket kept it, the new Maglev slot's where it did
 * not. The data path's answer comes from a RST of each flow, which follows an entry like any
 * packet but writes none (so the probes do not evict each other's entries). */
static int t_bucket_table_agrees(void)
{
	static struct frame_spec f[MANY];
	static char lb[MANY][64], why[MANY][32];
	char dp[64];
	size_t hits = 0, moved = 0;

	XT_EQ(stdenv_setup(&env), 0);
	for (size_t i = 0; i < MANY; i++) {
		f[i] = (struct frame_spec){ .family = 4,
					    .src = C4,
					    .dst = "10.0.0.10",
					    .sport = (uint16_t)(10000 + i),
					    .dport = 80,
					    .proto = IPPROTO_TCP,
					    .payload = 16 };
		XT_EQ(dp_backend(&f[i], dp, sizeof(dp)), 0);
	}
	XT_CHECK(lbenv_count_conns(&env) < MANY, "%d entries for %d flows", lbenv_count_conns(&env),
		 MANY);
	XT_EQ(stdenv_set_known_table(&env, 1, "std_tcp4_less_51"), 0);
	XT_EQ(lbctl_batch(f, MANY, 80, lb, why), 0);
	for (size_t i = 0; i < MANY; i++) {
		struct frame_spec rst = f[i];

		rst.tcp_flags = 0x14;
		XT_EQ(dp_backend(&rst, dp, sizeof(dp)), 0);
		XT_CHECK(!strcmp(lb[i], dp), "%s:%u: lbctl says '%s' (%s), the data path '%s'",
			 f[i].src, f[i].sport, lb[i], why[i], dp);
		hits += !strcmp(why[i], "tx_conn_hit");
		moved += !strcmp(why[i], "tx_new_flow") && !strcmp(lb[i], "10.1.0.51");
	}
	/* Both kinds are there: flows on their entry and flows whose entry the bucket gave up. */
	XT_CHECK(hits > 1000 && hits < MANY - 1000, "%zu of %d flows on their entry", hits, MANY);
	XT_EQ(moved, 0); /* a drained backend takes no flow by its slot */
	return XT_PASS;
}

static const struct xt_case cases[] = {
	{ "new_flows_agree", t_new_flows_agree },
	{ "entries_agree", t_entries_agree },
	{ "bucket_table_10000_flows_agree", t_bucket_table_agrees },
};

int main(int argc, char **argv)
{
	const char *out = getenv("OUTPUT");
	struct xt_counts c = { 0 };
	int err, rc;

	if (geteuid() != 0) {
		printf("skip bpf/flowlookup/*: needs root for BPF_PROG_TEST_RUN\n");
		c.skipped = 1;
		return xt_summary("bpf/flowlookup", &c);
	}
	snprintf(lbctl, sizeof(lbctl), "%s/lbctl", out ? out : ".output");
	if (access(lbctl, X_OK)) {
		fprintf(stderr, "bpf/flowlookup: %s is not built\n", lbctl);
		c.failed = 1;
		return xt_summary("bpf/flowlookup", &c);
	}
	snprintf(pin, sizeof(pin), "/sys/fs/bpf/xlb-flowlookup-%d", getpid());
	/* One CPU: the frames write one part of the connection table, lbctl reads them all. */
	err = lbenv_pin();
	if (!err)
		err = lbenv_open(&env, 4096);
	if (!err && mkdir(pin, 0700))
		err = -errno;
	if (!err)
		err = pin_maps();
	if (err) {
		fprintf(stderr, "bpf/flowlookup: cannot load xlb_lb and pin its maps: %s\n",
			strerror(-err));
		unpin_maps();
		c.failed = 1;
		return xt_summary("bpf/flowlookup", &c);
	}
	rc = xt_run("bpf/flowlookup", cases, sizeof(cases) / sizeof(cases[0]),
		    argc > 1 ? argv[1] : NULL);
	unpin_maps();
	lbenv_close(&env);
	return rc;
}
