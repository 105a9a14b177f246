// SPDX-License-Identifier: GPL-2.0
/* test_config.c - xlbd.yaml parsing, validation, dump/parse round trips, copy and the value
 * parsers: every key, every error class with its file, line and key path, the limits. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "xlb_abi.h"
#include "addr.h"
#include "config.h"
#include "config_schema.h"
#include "xt.h"

#define NAME "xlbd.yaml"
/* Three lines every config needing tunnel sources starts with: the next line is line 4. */
#define HEAD "interfaces: [eth0]\ntunnel_source: 192.0.2.1\ntunnel_source_v6: 2001:db8::1\n"

static char err[XLB_CONF_ERR_MAX];

static int parse(const char *text, struct xlb_conf *c)
{
	return xlb_conf_parse(text, strlen(text), NAME, c, err, sizeof(err));
}

/* The first difference between two health checks, NULL when equal. Only the fields used by
 * the type count: the others are neither dumped nor validated. */
static const char *health_diff(const struct xlb_conf_health *a, const struct xlb_conf_health *b)
{
	bool checked = a->type != XLB_HC_NONE,
	     web = a->type == XLB_HC_HTTP || a->type == XLB_HC_HTTPS;

	if (a->type != b->type)
		return "type";
	if (checked &&
	    (a->port != b->port || a->interval_ms != b->interval_ms ||
	     a->timeout_ms != b->timeout_ms || a->rise != b->rise || a->fall != b->fall ||
	     a->jitter_pct != b->jitter_pct || a->initial_up != b->initial_up))
		return "port/interval/timeout/rise/fall/jitter/initial";
	if (web &&
	    (strcmp(a->path, b->path) || strcmp(a->host, b->host) || strcmp(a->body, b->body) ||
	     a->expect_min != b->expect_min || a->expect_max != b->expect_max))
		return "path/host/body/expect";
	if (a->type == XLB_HC_HTTPS && a->insecure != b->insecure)
		return "insecure";
	if ((a->type == XLB_HC_UDP || a->type == XLB_HC_TUNNEL) &&
	    (strcmp(a->payload, b->payload) || strcmp(a->expect_payload, b->expect_payload)))
		return "payload/expect_payload";
	return NULL;
}

/* The first difference between two models, lines ignored; NULL when they are equal. */
static const char *conf_diff(const struct xlb_conf *a, const struct xlb_conf *b)
{
	static char why[160];
	const char *hd;

#define DIFF(cond, ...)                                          \
	do {                                                     \
		if (cond) {                                      \
			snprintf(why, sizeof(why), __VA_ARGS__); \
			return why;                              \
		}                                                \
	} while (0)
	DIFF(a->n_ifaces != b->n_ifaces, "n_ifaces %zu != %zu", a->n_ifaces, b->n_ifaces);
	for (size_t i = 0; i < a->n_ifaces; i++)
		DIFF(strcmp(a->ifaces[i].name, b->ifaces[i].name) ||
			     a->ifaces[i].mode != b->ifaces[i].mode,
		     "ifaces[%zu]", i);
	DIFF(a->xdp_mode != b->xdp_mode, "xdp_mode");
	DIFF(memcmp(&a->tunnel_source, &b->tunnel_source, sizeof(a->tunnel_source)), "tunnel_"
										     "source");
	DIFF(memcmp(&a->tunnel_source_v6, &b->tunnel_source_v6, sizeof(a->tunnel_source_v6)), "tunn"
											      "el_"
											      "sour"
											      "ce_"
											      "v6");
	DIFF(a->gue_port != b->gue_port, "gue_port %u != %u", a->gue_port, b->gue_port);
	DIFF(a->rss_bits != b->rss_bits || a->rss_bits_v6 != b->rss_bits_v6, "rss_bits");
	DIFF(a->gateway_auto != b->gateway_auto, "gateway_auto");
	DIFF(!a->gateway_auto && memcmp(a->gateway_mac, b->gateway_mac, 6), "gateway_mac");
	DIFF(a->hash_seed_auto != b->hash_seed_auto, "hash_seed_auto");
	DIFF(!a->hash_seed_auto && a->hash_seed != b->hash_seed, "hash_seed");
	DIFF(a->mtu != b->mtu, "mtu %u != %u", a->mtu, b->mtu);
	DIFF(a->conntrack_size != b->conntrack_size, "conntrack_size");
	DIFF(a->udp_idle_timeout != b->udp_idle_timeout, "udp_idle_timeout");
	DIFF(a->new_flow_rate != b->new_flow_rate, "new_flow_rate");
	DIFF(a->new_flow_burst != b->new_flow_burst, "new_flow_burst");
	DIFF(a->cross_cpu != b->cross_cpu, "cross_cpu");
	DIFF(strcmp(a->state_dir, b->state_dir), "state_dir");
	DIFF(a->metrics.enabled != b->metrics.enabled, "metrics.enabled");
	DIFF(a->metrics.enabled &&
		     (memcmp(&a->metrics.addr, &b->metrics.addr, sizeof(a->metrics.addr)) ||
		      a->metrics.port != b->metrics.port),
	     "metrics.listen");
	DIFF(a->announce.table != b->announce.table, "announce.table");
	DIFF(a->n_services != b->n_services, "n_services %zu != %zu", a->n_services, b->n_services);
	for (size_t i = 0; i < a->n_services; i++) {
		const struct xlb_conf_service *s = &a->services[i], *t = &b->services[i];

		DIFF(strcmp(s->name, t->name), "services[%zu].name", i);
		DIFF(s->ref.vip.family != t->ref.vip.family ||
			     memcmp(s->ref.vip.addr, t->ref.vip.addr, sizeof(s->ref.vip.addr)),
		     "services[%zu].vip", i);
		DIFF(s->ref.port != t->ref.port || s->ref.proto != t->ref.proto,
		     "services[%zu] port/proto", i);
		DIFF(s->table_size != t->table_size, "services[%zu].table_size", i);
		DIFF(s->icmp_echo != t->icmp_echo, "services[%zu].icmp_echo", i);
		DIFF(s->min_healthy != t->min_healthy, "services[%zu].min_healthy", i);
		DIFF(s->announce != t->announce, "services[%zu].announce", i);
		hd = health_diff(&s->health, &t->health);
		DIFF(hd, "services[%zu].health %s", i, hd);
		DIFF(s->n_backends != t->n_backends, "services[%zu].n_backends", i);
		for (size_t j = 0; j < s->n_backends; j++) {
			const struct xlb_conf_backend *x = &s->backends[j], *y = &t->backends[j];

			DIFF(memcmp(&x->addr, &y->addr, sizeof(x->addr)),
			     "services[%zu].backends[%zu].address", i, j);
			DIFF(x->weight != y->weight || x->admin != y->admin,
			     "services[%zu].backends[%zu] weight/state", i, j);
			DIFF(x->encap != y->encap, "services[%zu].backends[%zu].encap %u != %u", i,
			     j, x->encap, y->encap);
			DIFF(x->health.set != y->health.set || x->health.port != y->health.port ||
				     x->health.interval_ms != y->health.interval_ms ||
				     x->health.timeout_ms != y->health.timeout_ms ||
				     x->health.rise != y->health.rise ||
				     x->health.fall != y->health.fall ||
				     x->health.jitter_pct != y->health.jitter_pct ||
				     x->health.initial_up != y->health.initial_up,
			     "services[%zu].backends[%zu].health", i, j);
		}
	}
#undef DIFF
	return NULL;
}

/* Dump c into a malloc'ed string (NULL on failure). */
static char *dump_to_string(const struct xlb_conf *c, int *rc)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	*rc = xlb_conf_dump(c, f);
	fclose(f);
	if (*rc) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* Dump a, parse the dump, expect an equal model and the same text when dumped again. */
static int round_trip(const struct xlb_conf *a)
{
	struct xlb_conf b;
	char *t1, *t2;
	const char *why;
	int rc = -1;

	t1 = dump_to_string(a, &rc);
	XT_CHECK(t1, "dump failed: %d", rc);
	rc = xlb_conf_parse(t1, strlen(t1), "dump", &b, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "    dump does not parse: %s\n%s", err, t1);
		free(t1);
		return XT_FAIL;
	}
	why = conf_diff(a, &b);
	t2 = dump_to_string(&b, &rc);
	xlb_conf_free(&b);
	if (why || !t2 || strcmp(t1, t2)) {
		fprintf(stderr, "    round trip differs: %s\n", why ? why : "second dump text");
		free(t1);
		free(t2);
		return XT_FAIL;
	}
	free(t1);
	free(t2);
	return XT_PASS;
}

static int round_trip_text(const char *text)
{
	struct xlb_conf a;
	int rc;

	rc = parse(text, &a);
	XT_CHECK(rc == 0, "%s", err);
	rc = round_trip(&a);
	xlb_conf_free(&a);
	return rc;
}

/* text must fail with "xlbd.yaml:LINE: ..." containing want, and leave the model untouched. */
static int expect_error(const char *text, size_t len, int line, const char *want)
{
	struct xlb_conf c, before;
	char prefix[32];
	int rc;

	memset(&c, 0xa5, sizeof(c));
	before = c;
	rc = xlb_conf_parse(text, len, NAME, &c, err, sizeof(err));
	if (rc == 0) {
		fprintf(stderr, "    accepted, expected line %d '%s'\n", line, want);
		xlb_conf_free(&c);
		return 0;
	}
	snprintf(prefix, sizeof(prefix), NAME ":%d: ", line);
	if (rc != -EINVAL || strncmp(err, prefix, strlen(prefix)) || !strstr(err, want)) {
		fprintf(stderr, "    rc %d, got '%s', expected '%s...%s'\n", rc, err, prefix, want);
		return 0;
	}
	if (memcmp(&c, &before, sizeof(c))) {
		fprintf(stderr, "    the model was changed by a failed parse\n");
		return 0;
	}
	return 1;
}

#define XT_ERR(text, line, want) \
	XT_CHECK(expect_error(text, strlen(text), line, want), "error case at line %d", __LINE__)

/* text must fail with exactly this message. */
#define XT_ERR_EXACT(text, msg)                                                       \
	do {                                                                          \
		struct xlb_conf c_;                                                   \
		XT_EQ(parse(text, &c_), -EINVAL);                                     \
		XT_CHECK(!strcmp(err, msg), "got '%s'\n    expected '%s'", err, msg); \
	} while (0)

struct err_case {
	const char *text;
	int line;
	const char *want;
};

static int run_err_cases(const struct err_case *cases, size_t n)
{
	for (size_t i = 0; i < n; i++)
		XT_CHECK(expect_error(cases[i].text, strlen(cases[i].text), cases[i].line,
				      cases[i].want),
			 "case %zu: %s", i, cases[i].text);
	return XT_PASS;
}

#define RUN_ERR_CASES(a) run_err_cases(a, sizeof(a) / sizeof(a[0]))

/* A growing text buffer for generated configs. */
struct text {
	char *buf;
	size_t len;
	FILE *f;
};

static void text_open(struct text *t)
{
	t->buf = NULL;
	t->len = 0;
	t->f = open_memstream(&t->buf, &t->len);
}

static const char *text_close(struct text *t)
{
	fclose(t->f);
	return t->buf;
}

/* ---- valid files ---- */

static const char FULL[] = "# every key\n"
			   "interfaces: [eth0, eth1]\n"
			   "xdp_mode: generic\n"
			   "tunnel_source: 192.0.2.1\n"
			   "tunnel_source_v6: 2001:db8::1\n"
			   "rss_bits: 8\n"
			   "rss_bits_v6: 32\n"
			   "gateway: 02:AA:bb:cc:dd:0e\n"
			   "hash_seed: 4294967295\n"
			   "mtu: 9000\n"
			   "conntrack: { size: 2097152, udp_idle_timeout: 2m, "
			   "new_flow_rate: 5000, new_flow_burst: 7, cross_cpu: off }\n"
			   "state_dir: /run/xlb state\n"
			   "metrics: { listen: \"[::1]:9100\" }\n"
			   "services:\n"
			   "  - name: web.v4_1-a\n" /* line 15 */
			   "    vip: 10.0.0.10\n"
			   "    port: 80\n"
			   "    proto: tcp\n"
			   "    table_size: 1009\n"
			   "    icmp_echo: false\n"
			   "    backends:\n"
			   "      - { address: 10.1.0.11, weight: 100, state: enabled }\n" /* 22 */
			   "      - address: 2001:db8::5\n"
			   "        weight: 0\n"
			   "        state: drain\n"
			   "      - { address: 10.1.0.13, weight: 65535, state: disabled }\n"
			   "  - vip: \"2001:db8::10\"\n" /* 27 */
			   "    port: 0\n"
			   "    proto: udp\n"
			   "    backends: []\n";

static int t_full_every_key(void)
{
	struct xlb_conf c;
	struct xlb_addr a;
	const struct xlb_conf_service *s;

	XT_CHECK(parse(FULL, &c) == 0, "%s", err);
	XT_EQ(c.n_ifaces, 2);
	XT_CHECK(!strcmp(c.ifaces[0].name, "eth0") && !strcmp(c.ifaces[1].name, "eth1"), "ifaces");
	XT_EQ(c.xdp_mode, XLB_XDP_GENERIC);
	XT_EQ(c.tunnel_source.family, XLB_AF_INET);
	XT_EQ(c.tunnel_source.addr[0], htonl(0xc0000201));
	XT_EQ(c.tunnel_source_v6.family, XLB_AF_INET6);
	XT_EQ(c.tunnel_source_v6.addr[0], htonl(0x20010db8));
	XT_EQ(c.tunnel_source_v6.addr[3], htonl(1));
	XT_EQ(c.rss_bits, 8);
	XT_EQ(c.rss_bits_v6, 32);
	XT_EQ(c.gateway_auto, false);
	XT_CHECK(!memcmp(c.gateway_mac, "\x02\xaa\xbb\xcc\xdd\x0e", 6), "gateway_mac");
	XT_EQ(c.hash_seed_auto, false);
	XT_EQ(c.hash_seed, 4294967295U);
	XT_EQ(c.mtu, 9000);
	XT_EQ(c.conntrack_size, 2097152);
	XT_EQ(c.udp_idle_timeout, 120);
	XT_EQ(c.new_flow_rate, 5000);
	XT_EQ(c.new_flow_burst, 7);
	XT_EQ(c.cross_cpu, XLB_CROSS_CPU_OFF);
	XT_CHECK(!strcmp(c.state_dir, "/run/xlb state"), "state_dir '%s'", c.state_dir);
	XT_EQ(c.metrics.enabled, true);
	XT_EQ(c.metrics.addr.family, XLB_AF_INET6);
	XT_EQ(c.metrics.addr.addr[3], htonl(1));
	XT_EQ(c.metrics.port, 9100);
	XT_EQ(c.n_services, 2);

	s = &c.services[0];
	XT_CHECK(!strcmp(s->name, "web.v4_1-a"), "name '%s'", s->name);
	XT_EQ(s->line, 15);
	XT_EQ(s->ref.vip.family, XLB_AF_INET);
	XT_EQ(s->ref.vip.addr[0], htonl(0x0a00000a));
	XT_EQ(s->ref.port, 80);
	XT_EQ(s->ref.proto, IPPROTO_TCP);
	XT_EQ(s->table_size, 1009);
	XT_EQ(s->icmp_echo, false);
	XT_EQ(s->n_backends, 3);
	XT_EQ(s->backends[0].addr.addr[0], htonl(0x0a01000b));
	XT_EQ(s->backends[0].weight, 100);
	XT_EQ(s->backends[0].admin, XLB_ADMIN_ENABLED);
	XT_EQ(s->backends[0].line, 22);
	XT_EQ(xlb_addr_parse("2001:db8::5", &a), 0);
	XT_CHECK(!memcmp(&s->backends[1].addr, &a, sizeof(a)), "backend 1 address");
	XT_EQ(s->backends[1].weight, 0);
	XT_EQ(s->backends[1].admin, XLB_ADMIN_DRAIN);
	XT_EQ(s->backends[1].line, 23);
	XT_EQ(s->backends[2].weight, 65535);
	XT_EQ(s->backends[2].admin, XLB_ADMIN_DISABLED);

	s = &c.services[1];
	XT_EQ(s->line, 27);
	XT_CHECK(s->name[0] == '\0', "unnamed service");
	XT_EQ(s->ref.vip.family, XLB_AF_INET6);
	XT_EQ(s->ref.port, 0);
	XT_EQ(s->ref.proto, IPPROTO_UDP);
	XT_EQ(s->table_size, XLB_CONF_DEFAULT_TABLE_SIZE);
	XT_EQ(s->icmp_echo, true);
	XT_EQ(s->n_backends, 0);
	XT_CHECK(s->backends == NULL, "no backend array");
	xlb_conf_free(&c);
	XT_EQ(c.n_services, 0);
	XT_CHECK(c.services == NULL, "free resets the model");
	return XT_PASS;
}

static int t_defaults(void)
{
	struct xlb_conf c, d;

	XT_CHECK(parse("interfaces: [eth0]\nservices: []\n", &c) == 0, "%s", err);
	XT_EQ(c.n_ifaces, 1);
	XT_EQ(c.xdp_mode, XLB_XDP_NATIVE);
	XT_EQ(c.tunnel_source.family, 0);
	XT_EQ(c.tunnel_source_v6.family, 0);
	XT_EQ(c.rss_bits, 0);
	XT_EQ(c.rss_bits_v6, 0);
	XT_EQ(c.gateway_auto, true);
	XT_EQ(c.hash_seed_auto, true);
	XT_EQ(c.mtu, 1500);
	XT_EQ(c.conntrack_size, XLB_DEFAULT_CONNS);
	XT_EQ(c.udp_idle_timeout, 30);
	XT_EQ(c.new_flow_rate, XLB_CONF_DEFAULT_NEW_FLOW_RATE);
	XT_EQ(c.new_flow_burst, XLB_CONF_DEFAULT_NEW_FLOW_BURST);
	XT_EQ(c.cross_cpu, XLB_CROSS_CPU_AUTO);
	XT_CHECK(!strcmp(c.state_dir, "/var/lib/xlb"), "state_dir");
	XT_EQ(c.metrics.enabled, true);
	XT_EQ(c.metrics.addr.family, XLB_AF_INET);
	XT_EQ(c.metrics.addr.addr[0], htonl(0x7f000001));
	XT_EQ(c.metrics.port, 9477);
	XT_EQ(c.n_services, 0);
	/* The parsed defaults are xlb_conf_init()'s. */
	xlb_conf_init(&d);
	strcpy(d.ifaces[0].name, "eth0");
	d.n_ifaces = 1;
	XT_CHECK(!conf_diff(&c, &d), "%s", conf_diff(&c, &d));
	xlb_conf_free(&c);
	return XT_PASS;
}

static int t_service_defaults(void)
{
	struct xlb_conf c;
	const struct xlb_conf_service *s;

	XT_CHECK(parse(HEAD "services:\n  - vip: 10.0.0.10\n    port: 53\n    proto: udp\n"
			    "    backends:\n      - address: 10.1.0.1\n",
		       &c) == 0,
		 "%s", err);
	s = &c.services[0];
	XT_EQ(s->table_size, 65537);
	XT_EQ(s->icmp_echo, true);
	XT_CHECK(!s->name[0], "no name");
	XT_EQ(s->n_backends, 1);
	XT_EQ(s->backends[0].weight, 100);
	XT_EQ(s->backends[0].admin, XLB_ADMIN_ENABLED);
	XT_EQ(s->backends[0].line, 9);
	/* A conntrack mapping with one key keeps the other's default. */
	xlb_conf_free(&c);
	XT_CHECK(parse("interfaces: [eth0]\nservices: []\nconntrack: { size: 1024 }\n", &c) == 0,
		 "%s", err);
	XT_EQ(c.conntrack_size, 1024);
	XT_EQ(c.udp_idle_timeout, 30);
	xlb_conf_free(&c);
	return XT_PASS;
}

static int t_styles_equivalent(void)
{
	struct xlb_conf a, b;

	/* Block and flow styles, quoted strings: one model. */
	XT_CHECK(parse(HEAD "services: [{vip: 10.0.0.10, port: 80, proto: tcp, "
			    "backends: [{address: 10.1.0.1, weight: 5}]}]\n",
		       &a) == 0,
		 "%s", err);
	XT_CHECK(parse("interfaces:\n  - 'eth0'\ntunnel_source: \"192.0.2.1\"\n"
		       "tunnel_source_v6: 2001:db8::1\nservices:\n  - vip: '10.0.0.10'\n"
		       "    port: 80\n    proto: \"tcp\"\n    backends:\n"
		       "      - address: 10.1.0.1\n        weight: 5\n",
		       &b) == 0,
		 "%s", err);
	XT_CHECK(!conf_diff(&a, &b), "%s", conf_diff(&a, &b));
	xlb_conf_free(&a);
	xlb_conf_free(&b);
	/* Comments, a document start and end marker, a UTF-8 BOM, CRLF line ends. */
	XT_CHECK(parse("\xef\xbb\xbf# c\r\n---\r\ninterfaces: [eth0] # x\r\nservices: "
		       "[]\r\n...\r\n",
		       &a) == 0,
		 "%s", err);
	xlb_conf_free(&a);
	return XT_PASS;
}

/* ---- exact messages ---- */

static int t_exact_messages(void)
{
	XT_ERR_EXACT("interfaces: [eth0]\nservices: []\nmtu: 15OO\n", "xlbd.yaml:3: mtu: not a "
								      "number: 15OO");
	XT_ERR_EXACT(HEAD "services:\n  - vip: 10.0.0.10\n    proto: tcp\n    port: 70000\n",
		     "xlbd.yaml:7: services[0].port: must be 0..65535, got 70000");
	XT_ERR_EXACT(HEAD "services:\n  - vip: 10.0.0.10\n    port: 80\n    proto: tcp\n"
			  "    backends:\n      - { address: 10.1.0.1, weight: 65536 }\n",
		     "xlbd.yaml:9: services[0].backends[0].weight: must be 0..65535, got 65536");
	XT_ERR_EXACT("interfaces: [eth0]\nservices: []\nmtus: 1500\n",
		     "xlbd.yaml:3: mtus: unknown key (known keys: interfaces, xdp_mode, "
		     "tunnel_source, tunnel_source_v6, gue_port, rss_bits, rss_bits_v6, gateway, "
		     "hash_seed, "
		     "mtu, conntrack, state_dir, metrics, announce, services)");
	XT_ERR_EXACT("interfaces: [eth0]\nmtu: 1500\nservices: []\nmtu: 9000\n", "xlbd.yaml:4: "
										 "mtu: duplicate "
										 "key (first given "
										 "at line 2)");
	XT_ERR_EXACT("interfaces: &i [eth0]\nservices: []\n", "xlbd.yaml:1: interfaces: anchors "
							      "and aliases are not supported");
	XT_ERR_EXACT("interfaces: [eth0]\nservices: []\nxdp_mode: fast\n", "xlbd.yaml:3: xdp_mode: "
									   "must be native, "
									   "generic or auto, got "
									   "fast");
	XT_ERR_EXACT("interfaces: [eth0]\nservices:\n  - port: 80\n    proto: tcp\n", "xlbd.yaml:3:"
										      " services[0]"
										      ".vip: "
										      "required "
										      "key is "
										      "missing");
	return XT_PASS;
}

/* ---- every error class ---- */

static int t_numbers_strict(void)
{
	static const char *const bad[] = { "80x", "-1",	  "+1",	  "0x10", "1e3", "080", "80.0",
					   "1_0", "0o10", ".inf", "8 0",  "٨٠",	 "1,2" };
	char text[256];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text),
			 HEAD "services:\n  - vip: 10.0.0.10\n    proto: tcp\n    port: %s\n",
			 bad[i]);
		XT_CHECK(expect_error(text, strlen(text), 7, "services[0].port: not a number: "),
			 "port '%s'", bad[i]);
	}
	/* Quoted numbers are strings, even " 80". */
	XT_ERR(HEAD "services:\n  - vip: 10.0.0.10\n    proto: tcp\n    port: \" 80\"\n", 7,
	       "services[0].port: must be a number without quotes, got \" 80\"");
	XT_ERR(HEAD "services:\n  - vip: 10.0.0.10\n    proto: tcp\n    port: '80'\n", 7,
	       "without quotes");
	XT_ERR("interfaces: [eth0]\nservices: []\nmtu: 99999999999999999999\n", 3,
	       "mtu: must be 1280..9216, got 99999999999999999999");
	return XT_PASS;
}

static int t_ranges(void)
{
	static const struct err_case cases[] = {
		{ "interfaces: [eth0]\nservices: []\nmtu: 1279\n", 3,
		  "mtu: must be 1280..9216, got 1279" },
		{ "interfaces: [eth0]\nservices: []\nmtu: 9217\n", 3, "mtu: must be 1280..9216" },
		{ "interfaces: [eth0]\nservices: []\nrss_bits: 17\n", 3,
		  "rss_bits: must be 0..16, got 17" },
		{ "interfaces: [eth0]\nservices: []\nrss_bits_v6: 33\n", 3,
		  "rss_bits_v6: must be 0..32" },
		{ "interfaces: [eth0]\nservices: []\nconntrack:\n  size: 1023\n", 4,
		  "conntrack.size: must be 1024..67108864, got 1023" },
		{ "interfaces: [eth0]\nservices: []\nconntrack:\n  size: 67108865\n", 4,
		  "conntrack.size: must be" },
		{ "interfaces: [eth0]\nservices: []\nhash_seed: 4294967296\n", 3,
		  "hash_seed: must be auto or a number 0..4294967295, got 4294967296" },
		{ "interfaces: [eth0]\nservices: []\nhash_seed: \"12\"\n", 3,
		  "hash_seed: must be auto or a number" },
		{ "interfaces: [eth0]\nservices: []\nhash_seed: random\n", 3,
		  "hash_seed: must be auto" },
		{ HEAD "services:\n  - { vip: 10.0.0.10, port: 80, proto: tcp, table_size: 5 }\n",
		  5, "services[0].table_size: must be 7..655373, got 5" },
		{ HEAD "services:\n  - { vip: 10.0.0.10, port: 80, proto: tcp, table_size: 655379 "
		       "}\n",
		  5, "services[0].table_size: must be 7..655373, got 655379" },
	};
	struct xlb_conf c;

	XT_CHECK(parse("interfaces: [eth0]\nservices: []\nmtu: 1280\nrss_bits: 16\nhash_seed: 0\n"
		       "conntrack: { size: 67108864, udp_idle_timeout: 86400 }\n",
		       &c) == 0,
		 "%s", err);
	XT_EQ(c.mtu, 1280);
	XT_EQ(c.rss_bits, 16);
	XT_EQ(c.hash_seed_auto, false);
	XT_EQ(c.hash_seed, 0);
	XT_EQ(c.conntrack_size, XLB_MAX_CONNS);
	XT_EQ(c.udp_idle_timeout, 86400);
	xlb_conf_free(&c);
	return RUN_ERR_CASES(cases);
}

static int t_booleans_strict(void)
{
	static const char *const bad[] = { "yes",   "no", "on", "off",	    "True",
					   "FALSE", "1",  "0",	"\"true\"", "y" };
	char text[256];
	struct xlb_conf c;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text),
			 HEAD "services:\n  - vip: 10.0.0.10\n    port: 1\n    proto: tcp\n"
			      "    icmp_echo: %s\n",
			 bad[i]);
		XT_CHECK(expect_error(text, strlen(text), 8,
				      "services[0].icmp_echo: must be true or false, got "),
			 "icmp_echo '%s'", bad[i]);
	}
	XT_CHECK(parse(HEAD "services:\n  - {vip: 10.0.0.10, port: 1, proto: tcp, icmp_echo: "
			    "false}\n"
			    "  - {vip: 10.0.0.10, port: 2, proto: tcp, icmp_echo: true}\n",
		       &c) == 0,
		 "%s", err);
	XT_EQ(c.services[0].icmp_echo, false);
	XT_EQ(c.services[1].icmp_echo, true);
	xlb_conf_free(&c);
	return XT_PASS;
}

/* announce.table: off or a dedicated table; services[].announce: a strict boolean, default
 * true; both round-trip through the dump. */
static int t_announce(void)
{
	static const struct err_case cases[] = {
		{ "interfaces: [eth0]\nservices: []\nannounce: { table: 0 }\n", 3,
		  "announce.table: must be off or a table number 1..4294967295, got 0" },
		{ "interfaces: [eth0]\nservices: []\nannounce: { table: 254 }\n", 3,
		  "announce.table: 253, 254 and 255 are the kernel's default, main and local "
		  "tables: use a dedicated one (like 100), got 254" },
		{ "interfaces: [eth0]\nservices: []\nannounce: { table: 100x }\n", 3,
		  "announce.table: must be off or a table number 1..4294967295, got 100x" },
		{ "interfaces: [eth0]\nservices: []\nannounce: { table: 4294967296 }\n", 3,
		  "announce.table: must be off or a table number 1..4294967295, got 4294967296" },
		{ "interfaces: [eth0]\nservices: []\nannounce: { table: \"100\" }\n", 3,
		  "announce.table: must be off or a table number 1..4294967295, got 100" },
		{ "interfaces: [eth0]\nservices: []\nannounce: {}\n", 3,
		  "announce.table: required key is missing" },
		{ "interfaces: [eth0]\nservices: []\nannounce: { table: 100, proto: 77 }\n", 3,
		  "announce.proto: unknown key (known keys: table)" },
		{ HEAD "services:\n  - {vip: 10.0.0.10, port: 1, proto: tcp, announce: on}\n", 5,
		  "services[0].announce: must be true or false, got on" },
	};
	struct xlb_conf c;
	char *text = NULL;
	size_t len = 0;
	FILE *f;
	int rc;

	XT_CHECK(parse(HEAD "services:\n  - {vip: 10.0.0.10, port: 1, proto: tcp}\n", &c) == 0,
		 "%s", err);
	XT_EQ(c.announce.table, 0);
	XT_EQ(c.services[0].announce, true);
	xlb_conf_free(&c);
	XT_CHECK(parse(HEAD "announce: { table: off }\nservices: []\n", &c) == 0, "%s", err);
	XT_EQ(c.announce.table, 0);
	xlb_conf_free(&c);
	XT_CHECK(parse(HEAD "announce:\n  table: 4294967295\nservices:\n"
			    "  - {vip: 10.0.0.10, port: 1, proto: tcp, announce: false}\n",
		       &c) == 0,
		 "%s", err);
	XT_EQ(c.announce.table, 4294967295U);
	XT_EQ(c.services[0].announce, false);
	f = open_memstream(&text, &len);
	XT_CHECK(f && xlb_conf_dump(&c, f) == 0, "dump");
	fclose(f);
	XT_CHECK(strstr(text, "announce:\n  table: 4294967295\n") && strstr(text, "    announce: "
										  "false\n"),
		 "dump: %s", text);
	xlb_conf_free(&c);
	rc = parse(text, &c);
	XT_CHECK(rc == 0, "dump reloads: %s", err);
	XT_EQ(c.announce.table, 4294967295U);
	XT_EQ(c.services[0].announce, false);
	xlb_conf_free(&c);
	free(text);
	return RUN_ERR_CASES(cases);
}

static int t_durations_in_file(void)
{
	static const struct {
		const char *text;
		__u32 secs;
	} good[] = { { "30s", 30 }, { "2m", 120 }, { "1h", 3600 }, { "2000ms", 2 },
		     { "30", 30 },  { "0", 0 },	   { "0ms", 0 },   { "24h", 86400 } };
	static const char *const bad[] = { "1500ms", "30x",  "-1s", "1d", "30 s",
					   "s",	     "1.5s", "30S", "" };
	char text[256];
	struct xlb_conf c;

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		snprintf(text, sizeof(text),
			 "interfaces: [eth0]\nservices: []\nconntrack:\n  udp_idle_timeout: %s\n",
			 good[i].text);
		XT_CHECK(parse(text, &c) == 0, "'%s': %s", good[i].text, err);
		XT_EQ(c.udp_idle_timeout, good[i].secs);
		xlb_conf_free(&c);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text),
			 "interfaces: [eth0]\nservices: []\nconntrack:\n  udp_idle_timeout: "
			 "\"%s\"\n",
			 bad[i]);
		XT_CHECK(expect_error(text, strlen(text), 4,
				      "conntrack.udp_idle_timeout: not a duration in whole "
				      "seconds"),
			 "'%s'", bad[i]);
	}
	XT_ERR("interfaces: [eth0]\nservices: []\nconntrack:\n  udp_idle_timeout: 25h\n", 4,
	       "conntrack.udp_idle_timeout: must be 0..86400 seconds, got 25h");
	return XT_PASS;
}

static int t_parse_duration(void)
{
	__u32 v = 77;

	XT_EQ(xlb_parse_duration_s("30s", 0, 100, &v), 0);
	XT_EQ(v, 30);
	XT_EQ(xlb_parse_duration_s("2m", 0, 1000, &v), 0);
	XT_EQ(v, 120);
	XT_EQ(xlb_parse_duration_s("1h", 0, 5000, &v), 0);
	XT_EQ(v, 3600);
	XT_EQ(xlb_parse_duration_s("5000ms", 0, 100, &v), 0);
	XT_EQ(v, 5);
	XT_EQ(xlb_parse_duration_s("42", 0, 100, &v), 0);
	XT_EQ(v, 42);
	v = 77;
	XT_EQ(xlb_parse_duration_s("1500ms", 0, 100, &v), -EINVAL);
	XT_EQ(xlb_parse_duration_s("2m", 0, 100, &v), -ERANGE);
	XT_EQ(xlb_parse_duration_s("1s", 2, 100, &v), -ERANGE);
	XT_EQ(xlb_parse_duration_s("4294967295h", 0, 0xffffffff, &v), -ERANGE);
	XT_EQ(xlb_parse_duration_s("99999999999999999999s", 0, 0xffffffff, &v), -ERANGE);
	XT_EQ(xlb_parse_duration_s("4294967296", 0, 0xffffffff, &v), -ERANGE);
	XT_EQ(xlb_parse_duration_s("05s", 0, 100, &v), -EINVAL);
	XT_EQ(xlb_parse_duration_s("", 0, 100, &v), -EINVAL);
	XT_EQ(xlb_parse_duration_s("s", 0, 100, &v), -EINVAL);
	XT_EQ(xlb_parse_duration_s("3 s", 0, 100, &v), -EINVAL);
	XT_EQ(xlb_parse_duration_s("3sec", 0, 100, &v), -EINVAL);
	XT_EQ(xlb_parse_duration_s("+3s", 0, 100, &v), -EINVAL);
	XT_EQ(xlb_parse_duration_s(NULL, 0, 100, &v), -EINVAL);
	XT_EQ(v, 77);
	return XT_PASS;
}

static int t_parse_mac(void)
{
	static const char *const bad[] = { "",
					   "aa:bb:cc:dd:ee",
					   "aa:bb:cc:dd:ee:ff:00",
					   "aa-bb-cc-dd-ee-ff",
					   "aabb.ccdd.eeff",
					   "a:bb:cc:dd:ee:ff0",
					   "gg:bb:cc:dd:ee:ff",
					   " aa:bb:cc:dd:ee:f",
					   "aa:bb:cc:dd:ee:ff ",
					   "aa:bb:cc:dd:ee:f" };
	__u8 mac[6], keep[6] = { 1, 2, 3, 4, 5, 6 };

	XT_EQ(xlb_parse_mac("00:1A:2b:3C:4d:FF", mac), 0);
	XT_CHECK(!memcmp(mac, "\x00\x1a\x2b\x3c\x4d\xff", 6), "mac bytes");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memcpy(mac, keep, 6);
		XT_CHECK(xlb_parse_mac(bad[i], mac) == -EINVAL, "'%s' accepted", bad[i]);
		XT_CHECK(!memcmp(mac, keep, 6), "'%s' changed the output", bad[i]);
	}
	XT_EQ(xlb_parse_mac(NULL, mac), -EINVAL);
	return XT_PASS;
}

static int t_gateway(void)
{
	static const struct err_case cases[] = {
		{ "interfaces: [eth0]\nservices: []\ngateway: aa-bb-cc-dd-ee-ff\n", 3,
		  "gateway: must be auto or a MAC address like aa:bb:cc:dd:ee:ff, got "
		  "aa-bb-cc-dd-ee-ff" },
		{ "interfaces: [eth0]\nservices: []\ngateway: ff:ff:ff:ff:ff:ff\n", 3,
		  "gateway: a multicast or broadcast MAC is not a gateway" },
		{ "interfaces: [eth0]\nservices: []\ngateway: 01:00:5e:00:00:01\n", 3,
		  "multicast" },
		{ "interfaces: [eth0]\nservices: []\ngateway: 00:00:00:00:00:00\n", 3,
		  "gateway: 00:00:00:00:00:00 is not a gateway" },
		{ "interfaces: [eth0]\nservices: []\ngateway: AUTO\n", 3, "gateway: must be auto" },
	};
	struct xlb_conf c;

	XT_CHECK(parse("interfaces: [eth0]\nservices: []\ngateway: auto\n", &c) == 0, "%s", err);
	XT_EQ(c.gateway_auto, true);
	xlb_conf_free(&c);
	return RUN_ERR_CASES(cases);
}

static int t_unknown_keys(void)
{
	static const struct err_case cases[] = {
		{ "interfaces: [eth0]\nservices: []\nprometheus: { listen: x }\n", 3,
		  "prometheus: unknown key (known keys: interfaces," },
		{ "interfaces: [eth0]\nservices: []\nconntrack: { size: 2048, ttl: 3 }\n", 3,
		  "conntrack.ttl: unknown key (known keys: size, udp_idle_timeout, new_flow_rate, "
		  "new_flow_burst, cross_cpu)" },
		{ HEAD "services:\n  - vip: 10.0.0.10\n    prot: tcp\n", 6,
		  "services[0].prot: unknown key (known keys: name, vip, port, proto, table_size, "
		  "icmp_echo, min_healthy, announce, health, backends)" },
		{ HEAD "services:\n  - vip: 10.0.0.10\n    port: 1\n    proto: tcp\n    backends:\n"
		       "      - { address: 10.1.0.1, weigth: 3 }\n",
		  9,
		  "services[0].backends[0].weigth: unknown key (known keys: address, weight, "
		  "state, encap, health)" },
		{ "Interfaces: [eth0]\nservices: []\n", 1, "Interfaces: unknown key" },
		{ "interfaces: [eth0]\nservices: []\n<<: {mtu: 1500}\n", 3, "<<: unknown key" },
		{ "interfaces: [eth0]\nservices: []\n? [a, b]\n: 1\n", 3,
		  "keys must be words, not a list" },
	};

	return RUN_ERR_CASES(cases);
}

static int t_duplicate_keys(void)
{
	static const struct err_case cases[] = {
		{ "interfaces: [eth0]\nservices: []\ninterfaces: [eth1]\n", 3,
		  "interfaces: duplicate key (first given at line 1)" },
		{ "interfaces: [eth0]\nservices: []\nconntrack: { size: 2048, size: 4096 }\n", 3,
		  "conntrack.size: duplicate key (first given at line 3)" },
		{ HEAD "services:\n  - vip: 10.0.0.10\n    port: 1\n    port: 2\n", 7,
		  "services[0].port: duplicate key (first given at line 6)" },
		{ HEAD "services:\n  - vip: 10.0.0.10\n    port: 1\n    proto: tcp\n    backends:\n"
		       "      - { address: 10.1.0.1, state: drain, state: enabled }\n",
		  9, "services[0].backends[0].state: duplicate key (first given at line 9)" },
		{ "interfaces: [eth0]\nservices: []\n\"mtu\": 1500\nmtu: 1500\n", 4,
		  "mtu: duplicate key" },
	};

	return RUN_ERR_CASES(cases);
}

static int t_wrong_types(void)
{
	static const struct err_case cases[] = {
		{ "interfaces: eth0\nservices: []\n", 1,
		  "interfaces: must be a list, not a scalar" },
		{ "interfaces: [[eth0]]\nservices: []\n", 1,
		  "interfaces[0]: must be an interface name or { name: NAME, mode: MODE }, not a "
		  "list" },
		{ "interfaces: [eth0]\nservices: {}\n", 2,
		  "services: must be a list, not a mapping" },
		{ "interfaces: [eth0]\nservices:\n", 2,
		  "services: has no value (expected a list)" },
		{ "interfaces: [eth0]\nservices: []\nmtu: [1500]\n", 3,
		  "mtu: must be a number, not a list" },
		{ "interfaces: [eth0]\nservices: []\nmtu: {a: 1}\n", 3,
		  "mtu: must be a number, not a mapping" },
		{ "interfaces: [eth0]\nservices: []\nmtu: ~\n", 3,
		  "mtu: has no value (expected a number)" },
		{ "interfaces: [eth0]\nservices: []\nconntrack: 1024\n", 3,
		  "conntrack: must be a mapping, not a scalar" },
		{ "interfaces: [eth0]\nservices: [10.0.0.10]\n", 2,
		  "services[0]: must be a mapping, not a scalar" },
		{ HEAD "services:\n  - vip: [10.0.0.10]\n", 5,
		  "services[0].vip: must be an IP address, not a list" },
		{ HEAD "services:\n  - vip: 10.0.0.10\n    port: 1\n    proto: tcp\n    backends: "
		       "10.1.0.1\n",
		  8, "services[0].backends: must be a list, not a scalar" },
		{ HEAD "services:\n  - vip: 10.0.0.10\n    port: 1\n    proto: tcp\n    backends: "
		       "[10.1.0.1]\n",
		  8, "services[0].backends[0]: must be a mapping, not a scalar" },
		{ HEAD "services:\n  - vip: 10.0.0.10\n    port: 1\n    proto: tcp\n    name: "
		       "null\n",
		  8, "services[0].name: has no value" },
		{ "interfaces: [eth0]\nservices: []\nstate_dir: \n", 3, "state_dir: has no value" },
		{ "interfaces: [eth0]\nservices: []\nmetrics: { listen: 127.0.0.1 }\n", 3,
		  "metrics.listen: must be off or ADDR:PORT (like 127.0.0.1:9477 or [::1]:9477, "
		  "port "
		  "1..65535), got 127.0.0.1" },
		{ "interfaces: [eth0]\nservices: []\nmetrics:\n  listen: \"[::1]:0\"\n", 4,
		  "metrics.listen: must be off or ADDR:PORT (like 127.0.0.1:9477 or [::1]:9477, "
		  "port "
		  "1..65535), got [::1]:0" },
		{ "interfaces: [eth0]\nservices: []\nmetrics: { port: 9477 }\n", 3,
		  "metrics.port: unknown key (known keys: listen)" },
		{ "interfaces: [eth0]\nservices: []\nmetrics: on\n", 3,
		  "metrics: must be a mapping, not a scalar" },
	};

	return RUN_ERR_CASES(cases);
}

static int t_yaml_features_refused(void)
{
	static const struct err_case cases[] = {
		{ "interfaces: [eth0]\nservices: []\nmtu: &m 1500\n", 3,
		  "mtu: anchors and aliases are not supported" },
		{ "&k mtu: 1500\ninterfaces: [eth0]\nservices: []\n", 1,
		  "xlbd.yaml:1: anchors and aliases are not supported" },
		{ HEAD "services:\n  - &s { vip: 10.0.0.10, port: 1, proto: tcp }\n  - *s\n", 5,
		  "services[0]: anchors and aliases are not supported" },
		{ "interfaces: [eth0]\nservices: []\nconntrack: { size: *big }\n", 3,
		  "conntrack.size: anchors and aliases are not supported" },
		{ "interfaces: [eth0]\nservices: []\nmtu: !!int 1500\n", 3,
		  "mtu: tags are not supported" },
		{ "interfaces: !!seq [eth0]\nservices: []\n", 1,
		  "interfaces: tags are not supported" },
		{ "interfaces: [eth0]\nservices: []\nstate_dir: !local /x\n", 3,
		  "tags are not supported" },
	};

	return RUN_ERR_CASES(cases);
}

static int t_documents(void)
{
	static const struct err_case cases[] = {
		{ "", 1, "the file is empty" },
		{ "# only a comment\n\n", 1, "the file is empty" },
		{ "---\n", 1, "the document is empty" },
		{ "~\n", 1, "the document is empty" },
		{ "interfaces: [eth0]\nservices: []\n---\ninterfaces: [eth1]\nservices: []\n", 3,
		  "only one YAML document is allowed" },
		{ "interfaces: [eth0]\nservices: []\n...\n---\n", 4, "only one YAML document" },
		{ "- interfaces: [eth0]\n", 1,
		  "the top level must be a mapping of keys (like \"interfaces: [eth0]\"), not a "
		  "list" },
		{ "hello\n", 1, "the top level must be a mapping of keys" },
		{ "interfaces: [eth0]\n", 1, "services: required key is missing" },
		{ "services: []\n", 1, "interfaces: required key is missing" },
		{ "interfaces: []\nservices: []\n", 1,
		  "interfaces: at least one interface is required" },
	};

	return RUN_ERR_CASES(cases);
}

static int t_syntax_and_encoding(void)
{
	static const char bad_utf8[] = "interfaces: [eth0]\nservices: []\nstate_dir: /x\xff\n";
	static const char utf16[] = "\xff\xfei\0n\0";
	static const char nul[] = "interfaces: [eth0]\nservices: []\n\0mtu: 1\n";
	static const struct err_case cases[] = {
		{ "interfaces: [eth0]]\nservices: []\n", 1, "YAML syntax error: " },
		{ "interfaces: [eth0]\nservices: []\n  mtu: 1500\n", 3, "YAML syntax error: " },
		{ "interfaces: [eth0]\nservices: []\nmtu: 1500\n\tmtu: 1\n", 4,
		  "YAML syntax error: " },
		{ "interfaces: [eth0]\nservices:\n- {vip: 10.0.0.10, port: 1, proto: tcp\n", 4,
		  "YAML syntax error: " },
		{ "interfaces: [eth0]\nservices: []\nstate_dir: \"/a\\q\"\n", 3,
		  "YAML syntax error: " },
		{ "interfaces: [eth0]\nservices: []\nmtu: \x01\n", 3,
		  "not UTF-8 text: control characters are not allowed" },
		{ "interfaces: [eth0, eth1\nservices: []\n", 1,
		  "interfaces[1]: value runs on to the next line (a missing ']' or '}'?): eth1 "
		  "services" },
		{ HEAD "services:\n  - { vip: 10.0.0.10, port: 80, proto: tcp,\n"
		       "      backends: [ { address: 10.1.0.1 } }\n",
		  6,
		  "YAML syntax error: did not find expected ',' or ']' (while parsing a flow "
		  "sequence at line 6)" },
	};

	XT_CHECK(expect_error(bad_utf8, sizeof(bad_utf8) - 1, 3, "not UTF-8 text: "), "bad utf8");
	XT_CHECK(expect_error(utf16, sizeof(utf16) - 1, 1, "not UTF-8 text: "), "utf16");
	XT_CHECK(expect_error(nul, sizeof(nul) - 1, 3, "not UTF-8 text: "), "NUL byte");
	/* A NUL from an escape gets through YAML: the value check refuses it. */
	XT_ERR("interfaces: [\"eth\\0\"]\nservices: []\n", 1,
	       "interfaces[0]: must not contain a NUL character");
	return RUN_ERR_CASES(cases);
}

static int t_interfaces(void)
{
	static const struct err_case cases[] = {
		{ "interfaces: [eth0123456789abc]\nservices: []\n", 1,
		  "interfaces[0]: not a valid interface name (must be 1..15 characters): "
		  "eth0123456789abc" },
		{ "interfaces: [eth0, \"\"]\nservices: []\n", 1,
		  "interfaces[1]: not a valid interface name" },
		{ "interfaces: [eth0/1]\nservices: []\n", 1, "'/' and ':' are not allowed" },
		{ "interfaces: [\"eth0:1\"]\nservices: []\n", 1, "'/' and ':' are not allowed" },
		{ "interfaces: [\"eth 0\"]\nservices: []\n", 1,
		  "only printable ASCII without spaces" },
		{ "interfaces: [\".\"]\nservices: []\n", 1, "are not interface names" },
		{ "interfaces: [\"..\"]\nservices: []\n", 1, "are not interface names" },
		{ "interfaces: [\"eth\\u00e9\"]\nservices: []\n", 1, "only printable ASCII" },
		{ "interfaces:\n  - eth0\n  - eth1\n  - eth0\nservices: []\n", 4,
		  "interfaces[2]: eth0 is listed twice (also interfaces[0])" },
		{ "interfaces: [a, b, c, d, e, f, g, h, i]\nservices: []\n", 1,
		  "interfaces[8]: too many interfaces (max 8)" },
	};
	struct xlb_conf c;

	XT_CHECK(parse("interfaces: [a, b, c, d, e, f, g, eth0123456789ab]\nservices: []\n", &c) ==
			 0,
		 "%s", err);
	XT_EQ(c.n_ifaces, 8);
	XT_CHECK(!strcmp(c.ifaces[7].name, "eth0123456789ab"), "15 characters");
	xlb_conf_free(&c);
	return RUN_ERR_CASES(cases);
}

/* Each interface in its own mode; the ones without take xdp_mode, wherever it is in the file. */
static int t_interface_modes(void)
{
	static const struct err_case cases[] = {
		{ "interfaces:\n  - eth0\n  - { name: eth1, mode: fast }\nservices: []\n", 3,
		  "interfaces[1].mode: must be native, generic or auto, got fast" },
		{ "interfaces:\n  - eth0\n  - { mode: generic }\nservices: []\n", 3,
		  "interfaces[1].name: required key is missing" },
		{ "interfaces:\n  - { name: eth0, speed: 10 }\nservices: []\n", 2,
		  "interfaces[0].speed: unknown key (known keys: name, mode)" },
		{ "interfaces:\n  - eth0\n  - name: eth0\n    mode: generic\nservices: []\n", 3,
		  "interfaces[1]: eth0 is listed twice (also interfaces[0])" },
		{ "interfaces: [{ name: \"eth/0\" }]\nservices: []\n", 1,
		  "interfaces[0].name: not a valid interface name ('/' and ':' are not allowed): "
		  "eth/0" },
		{ "services: []\ninterfaces:\n  - name: eth0\n    mode: native\n    mode: auto\n",
		  5, "interfaces[0].mode: duplicate key (first given at line 4)" },
		{ "interfaces: [{ name: eth0, mode: }]\nservices: []\n", 1,
		  "interfaces[0].mode: has no value (expected native, generic or auto)" },
		{ "interfaces: [{ name: eth0, mode: [native] }]\nservices: []\n", 1,
		  "interfaces[0].mode: must be native, generic or auto, not a list" },
		{ "interfaces: [{ name: eth0, mode: Generic }]\nservices: []\n", 1,
		  "must be native, generic or auto, got Generic" },
	};
	struct xlb_conf c;

	XT_CHECK(parse("interfaces: [eth0, { name: eth1, mode: generic }, {name: eth2, mode: "
		       "auto}]\n"
		       "services: []\n",
		       &c) == 0,
		 "%s", err);
	XT_EQ(c.n_ifaces, 3);
	XT_EQ(c.xdp_mode, XLB_XDP_NATIVE);
	XT_EQ(c.ifaces[0].mode, XLB_XDP_NATIVE);
	XT_EQ(c.ifaces[1].mode, XLB_XDP_GENERIC);
	XT_EQ(c.ifaces[2].mode, XLB_XDP_AUTO);
	XT_CHECK(!strcmp(c.ifaces[2].name, "eth2"), "name '%s'", c.ifaces[2].name);
	XT_EQ(c.ifaces[0].line, 1);
	xlb_conf_free(&c);

	/* xdp_mode after the list still applies to the bare names, not to the named modes. */
	XT_CHECK(parse("interfaces:\n  - eth0\n  - name: eth1\n    mode: native\n  - eth2\n"
		       "services: []\nxdp_mode: generic\n",
		       &c) == 0,
		 "%s", err);
	XT_EQ(c.ifaces[0].mode, XLB_XDP_GENERIC);
	XT_EQ(c.ifaces[1].mode, XLB_XDP_NATIVE);
	XT_EQ(c.ifaces[2].mode, XLB_XDP_GENERIC);
	XT_EQ(c.ifaces[1].line, 3);
	XT_EQ(c.ifaces[2].line, 5);
	XT_CHECK(xlb_conf_find_iface(&c, "eth1") == &c.ifaces[1], "find eth1");
	XT_CHECK(!xlb_conf_find_iface(&c, "eth3"), "found eth3");
	xlb_conf_free(&c);
	return RUN_ERR_CASES(cases);
}

/* The dump writes a bare name for the default mode and { name, mode } for the others. */
static int t_interface_modes_dump(void)
{
	static const char *const texts[] = {
		"interfaces: [eth0, { name: eth1, mode: generic }]\nservices: []\n",
		"interfaces: [{ name: eth0, mode: generic }, { name: eth1, mode: generic }]\n"
		"services: []\n",
		"xdp_mode: auto\ninterfaces: [{ name: a, mode: native }, b, { name: c, mode: "
		"generic }]\nservices: []\n",
	};
	static const char *const lines[] = {
		"interfaces: [\"eth0\", { name: \"eth1\", mode: generic }]\nxdp_mode: native\n",
		"interfaces: [{ name: \"eth0\", mode: generic }, { name: \"eth1\", mode: generic "
		"}]\nxdp_mode: native\n",
		"interfaces: [{ name: \"a\", mode: native }, \"b\", { name: \"c\", mode: generic "
		"}]\nxdp_mode: auto\n",
	};
	struct xlb_conf c;
	char *t;
	int rc;

	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		XT_CHECK(round_trip_text(texts[i]) == XT_PASS, "text %zu", i);
		XT_CHECK(parse(texts[i], &c) == 0, "%s", err);
		t = dump_to_string(&c, &rc);
		xlb_conf_free(&c);
		XT_CHECK(t, "dump %d", rc);
		XT_CHECK(strstr(t, lines[i]), "dump:\n%s", t);
		free(t);
	}
	return XT_PASS;
}

static int t_values(void)
{
	static const struct err_case cases[] = {
		{ "interfaces: [eth0]\nservices: []\ntunnel_source: 2001:db8::1\n", 3,
		  "tunnel_source: must be an IPv4 address, got 2001:db8::1" },
		{ "interfaces: [eth0]\nservices: []\ntunnel_source_v6: 192.0.2.1\n", 3,
		  "tunnel_source_v6: must be an IPv6 address, got 192.0.2.1" },
		{ "interfaces: [eth0]\nservices: []\ntunnel_source: 192.0.2\n", 3,
		  "tunnel_source: not an IP address: 192.0.2" },
		{ HEAD "services:\n  - { vip: 10.0.0.10/32, port: 1, proto: tcp }\n", 5,
		  "services[0].vip: not an IP address: 10.0.0.10/32" },
		{ HEAD "services:\n  - { vip: 10.0.0.10, port: 1, proto: sctp }\n", 5,
		  "services[0].proto: must be tcp or udp, got sctp" },
		{ HEAD "services:\n  - { vip: 10.0.0.10, port: 1, proto: TCP }\n", 5,
		  "must be tcp or udp" },
		{ HEAD "services:\n  - { vip: 10.0.0.10, port: 1, proto: tcp, backends: [{address: "
		       "10.1.0.1, state: up}] }\n",
		  5, "services[0].backends[0].state: must be enabled, drain or disabled, got up" },
		{ HEAD "services:\n  - { vip: 10.0.0.10, port: 1, proto: tcp, backends: [{weight: "
		       "1}] }\n",
		  5, "services[0].backends[0].address: required key is missing" },
		{ HEAD "services:\n  - { vip: 10.0.0.10, port: 1, proto: tcp, backends: [{address: "
		       "host}] }\n",
		  5, "services[0].backends[0].address: not an IP address: host" },
		{ HEAD "services:\n  - { vip: 10.0.0.10, proto: tcp }\n", 5,
		  "services[0].port: required key is missing" },
		{ HEAD "services:\n  - { vip: 10.0.0.10, port: 1 }\n", 5,
		  "services[0].proto: required key is missing" },
		{ "interfaces: [eth0]\nservices: []\nstate_dir: var/lib/xlb\n", 3,
		  "state_dir: must be an absolute path: var/lib/xlb" },
	};

	return RUN_ERR_CASES(cases);
}

static int t_service_names(void)
{
	static const char *const bad[] = { "\"\"",   "a/b",   "web site",
					   "web:80", "\"é\"", "abcdefghijklmnopqrstuvwxyz012345" };
	char text[256];
	struct xlb_conf c;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text),
			 HEAD "services:\n  - vip: 10.0.0.10\n    port: 1\n    proto: tcp\n"
			      "    name: %s\n",
			 bad[i]);
		XT_CHECK(expect_error(text, strlen(text), 8,
				      "services[0].name: not a valid service name ("),
			 "name %s", bad[i]);
	}
	XT_CHECK(parse(HEAD "services:\n  - { name: abcdefghijklmnopqrstuvwxyz01234, vip: "
			    "10.0.0.10, "
			    "port: 1, proto: tcp }\n  - { name: \"80\", vip: 10.0.0.10, port: 2, "
			    "proto: tcp }\n",
		       &c) == 0,
		 "%s", err);
	XT_EQ(strlen(c.services[0].name), 31);
	XT_CHECK(!strcmp(c.services[1].name, "80"), "numeric-looking name");
	xlb_conf_free(&c);
	return XT_PASS;
}

static int t_state_dir(void)
{
	char text[600], path[300];
	struct xlb_conf c;

	memset(path, 'd', sizeof(path));
	path[0] = '/';
	path[255] = '\0';
	snprintf(text, sizeof(text), "interfaces: [eth0]\nservices: []\nstate_dir: %s\n", path);
	XT_CHECK(parse(text, &c) == 0, "%s", err);
	XT_EQ(strlen(c.state_dir), 255);
	xlb_conf_free(&c);
	path[255] = 'd';
	path[256] = '\0';
	snprintf(text, sizeof(text), "interfaces: [eth0]\nservices: []\nstate_dir: %s\n", path);
	XT_ERR(text, 3, "state_dir: must be shorter than 256 characters: /ddd");
	XT_ERR("interfaces: [eth0]\nservices: []\nstate_dir: \"/a\\tb\"\n", 3,
	       "state_dir: only printable ASCII is allowed");
	return XT_PASS;
}

/* ---- cross-field rules ---- */

static int t_duplicate_service(void)
{
	/* line 5: the first service, line 8: its duplicate (same VIP, port and proto). */
	XT_ERR_EXACT(HEAD "services:\n"
			  "  - { vip: 10.0.0.10, port: 80, proto: tcp }\n"
			  "  - { vip: 10.0.0.10, port: 80, proto: udp }\n"
			  "  - { vip: 10.0.0.10, port: 0, proto: tcp }\n"
			  "  - { vip: 10.0.0.10, port: 80, proto: tcp }\n",
		     "xlbd.yaml:8: services[3]: 10.0.0.10:80/tcp duplicates the service at line 5");
	XT_ERR(HEAD "services:\n"
		    "  - { vip: \"2001:db8::10\", port: 443, proto: tcp }\n"
		    "  - { vip: \"2001:0db8:0::10\", port: 443, proto: tcp }\n",
	       6, "services[1]: [2001:db8::10]:443/tcp duplicates the service at line 5");
	return XT_PASS;
}

static int t_duplicate_name(void)
{
	XT_ERR_EXACT(HEAD "services:\n"
			  "  - { name: web, vip: 10.0.0.10, port: 80, proto: tcp }\n"
			  "  - { name: api, vip: 10.0.0.10, port: 81, proto: tcp }\n"
			  "  - { name: web, vip: 10.0.0.11, port: 80, proto: tcp }\n",
		     "xlbd.yaml:7: services[2].name: web is already the name of the service at "
		     "line 5");
	return XT_PASS;
}

static int t_duplicate_backend(void)
{
	XT_ERR_EXACT(HEAD "services:\n"
			  "  - vip: 10.0.0.10\n"
			  "    port: 80\n"
			  "    proto: tcp\n"
			  "    backends:\n"
			  "      - address: 10.1.0.11\n"
			  "      - address: 10.1.0.12\n"
			  "      - address: 10.1.0.11\n",
		     "xlbd.yaml:11: services[0].backends[2]: 10.1.0.11 duplicates the backend at "
		     "line 9");
	/* The same backend in two services is fine. */
	struct xlb_conf c;

	XT_CHECK(parse(HEAD "services:\n"
			    "  - { vip: 10.0.0.10, port: 80, proto: tcp, backends: [{address: "
			    "10.1.0.1}] }\n"
			    "  - { vip: 10.0.0.10, port: 443, proto: tcp, backends: [{address: "
			    "10.1.0.1}] }\n",
		       &c) == 0,
		 "%s", err);
	xlb_conf_free(&c);
	return XT_PASS;
}

static int t_tunnel_source_needed(void)
{
	XT_ERR_EXACT("interfaces: [eth0]\n"
		     "tunnel_source: 192.0.2.1\n"
		     "services:\n"
		     "  - vip: 10.0.0.10\n"
		     "    port: 80\n"
		     "    proto: tcp\n"
		     "    backends:\n"
		     "      - address: 10.1.0.11\n"
		     "      - address: 2001:db8::5\n",
		     "xlbd.yaml:9: services[0].backends[1]: backend 2001:db8::5 is IPv6 but "
		     "tunnel_source_v6 is not set");
	XT_ERR("interfaces: [eth0]\nservices:\n  - { vip: 10.0.0.10, port: 80, proto: tcp, "
	       "backends: [{address: 10.1.0.1}] }\n",
	       3, "services[0].backends[0]: backend 10.1.0.1 is IPv4 but tunnel_source is not set");
	/* Declared after the services: the rule is cross-field, the order does not matter. */
	struct xlb_conf c;

	XT_CHECK(parse("interfaces: [eth0]\nservices:\n  - { vip: 10.0.0.10, port: 80, proto: tcp, "
		       "backends: [{address: 10.1.0.1}] }\ntunnel_source: 192.0.2.1\n",
		       &c) == 0,
		 "%s", err);
	xlb_conf_free(&c);
	return XT_PASS;
}

/* encap per backend: the default, each keyword, the messages, and that l2 backends need no
 * tunnel source (they are not tunnelled). gue_port: default, range, round trip. */
static int t_encap(void)
{
	static const struct err_case cases[] = {
		{ HEAD "services:\n  - vip: 10.0.0.10\n    port: 80\n    proto: tcp\n"
		       "    backends:\n      - { address: 10.1.0.1, encap: vxlan }\n",
		  9, "services[0].backends[0].encap: must be ipip, gue or l2, got vxlan" },
		{ HEAD "services:\n  - vip: 10.0.0.10\n    port: 80\n    proto: tcp\n"
		       "    backends:\n      - { address: 10.1.0.1, encap: GUE }\n",
		  9, "services[0].backends[0].encap: must be ipip, gue or l2, got GUE" },
		{ "interfaces: [eth0]\nservices: []\ngue_port: 0\n", 3,
		  "gue_port: must be 1..65535, got 0" },
		{ "interfaces: [eth0]\nservices: []\ngue_port: 65536\n", 3,
		  "gue_port: must be 1..65535, got 65536" },
		{ "interfaces: [eth0]\nservices: []\ngue_port: \"6080\"\n", 3,
		  "gue_port: must be a number without quotes" },
		/* gue is tunnelled: it needs the tunnel source of its family like ipip */
		{ "interfaces: [eth0]\nservices:\n  - { vip: 10.0.0.10, port: 80, proto: tcp, "
		  "backends: [{address: 10.1.0.1, encap: gue}] }\n",
		  3,
		  "services[0].backends[0]: backend 10.1.0.1 is IPv4 but tunnel_source is not "
		  "set" },
	};
	struct xlb_conf c, d;
	char *text = NULL;
	size_t len = 0;
	FILE *f;

	XT_CHECK(parse(HEAD "gue_port: 5555\nservices:\n  - vip: 10.0.0.10\n    port: 80\n"
			    "    proto: tcp\n    backends:\n      - { address: 10.1.0.1 }\n"
			    "      - { address: 10.1.0.2, encap: ipip }\n"
			    "      - { address: 10.1.0.3, encap: gue }\n"
			    "      - { address: 10.1.0.4, encap: l2 }\n",
		       &c) == 0,
		 "%s", err);
	XT_EQ(c.gue_port, 5555);
	XT_EQ(c.services[0].backends[0].encap, XLB_ENCAP_IPIP);
	XT_EQ(c.services[0].backends[1].encap, XLB_ENCAP_IPIP);
	XT_EQ(c.services[0].backends[2].encap, XLB_ENCAP_GUE);
	XT_EQ(c.services[0].backends[3].encap, XLB_ENCAP_L2);
	/* The dump says every backend's mode and the port, and loads back the same. */
	f = open_memstream(&text, &len);
	XT_CHECK(f && xlb_conf_dump(&c, f) == 0, "dump");
	fclose(f);
	XT_CHECK(strstr(text, "\ngue_port: 5555\n") && strstr(text, "encap: l2\n") &&
			 strstr(text, "encap: gue\n") && strstr(text, "encap: ipip\n"),
		 "dump: %s", text);
	XT_CHECK(parse(text, &d) == 0, "%s", err);
	XT_CHECK(!conf_diff(&c, &d), "round trip: %s", conf_diff(&c, &d));
	xlb_conf_free(&d);
	free(text);
	xlb_conf_free(&c);

	/* Defaults: ipip and 6080. */
	XT_CHECK(parse(HEAD "services:\n  - { vip: 10.0.0.10, port: 80, proto: tcp, "
			    "backends: [{address: 10.1.0.1}] }\n",
		       &c) == 0,
		 "%s", err);
	XT_EQ(c.gue_port, 6080);
	XT_EQ(c.services[0].backends[0].encap, XLB_ENCAP_IPIP);
	/* A model from the API with an encap that is no keyword is refused, named. */
	c.services[0].backends[0].encap = 3;
	XT_CHECK(xlb_conf_validate(&c, "api", err, sizeof(err)) == -EINVAL, "encap 3 accepted");
	XT_CHECK(!strcmp(err, "api:5: services[0].backends[0]: encap must be ipip, gue or l2"),
		 "%s", err);
	xlb_conf_free(&c);

	/* l2 backends of both families, no tunnel source at all. */
	XT_CHECK(parse("interfaces: [eth0]\nservices:\n  - { vip: 10.0.0.10, port: 80, proto: tcp, "
		       "backends: [{address: 10.1.0.1, encap: l2}, {address: 2001:db8::7, "
		       "encap: l2}] }\n",
		       &c) == 0,
		 "%s", err);
	XT_EQ(c.services[0].backends[1].encap, XLB_ENCAP_L2);
	xlb_conf_free(&c);
	XT_CHECK(!strcmp(xlb_encap_name(XLB_ENCAP_GUE), "gue"), "gue name");
	XT_CHECK(xlb_encap_name(3) == NULL, "encap 3 has a name");
	return RUN_ERR_CASES(cases);
}

static int t_table_size_prime(void)
{
	XT_ERR_EXACT(HEAD "services:\n  - { vip: 10.0.0.10, port: 80, proto: tcp, table_size: "
			  "65536 }\n",
		     "xlbd.yaml:5: services[0].table_size: table_size 65536 is not a prime: use "
		     "e.g. "
		     "65537");
	XT_ERR(HEAD "services:\n  - { vip: 10.0.0.10, port: 80, proto: tcp, table_size: 8 }\n", 5,
	       "table_size 8 is not a prime: use e.g. 11");
	return XT_PASS;
}

/* A service with n backends 10.S.x.y, on line 5 after HEAD and "services:". */
static void put_service(FILE *f, int s, int port, size_t n, const char *table_size)
{
	fprintf(f, "  - vip: 10.0.0.%d\n    port: %d\n    proto: tcp\n", s, port);
	if (table_size)
		fprintf(f, "    table_size: %s\n", table_size);
	fputs("    backends:\n", f);
	for (size_t i = 0; i < n; i++)
		fprintf(f, "      - address: 10.%d.%zu.%zu\n", s, i / 256, i % 256);
}

static int t_table_size_too_small(void)
{
	struct text t;
	const char *text;

	text_open(&t);
	fputs(HEAD "services:\n", t.f);
	put_service(t.f, 1, 80, 700, NULL);
	text = text_close(&t);
	XT_CHECK(expect_error(text, strlen(text), 5,
			      "services[0].table_size: table_size 65537 is too small for 700 "
			      "backends: use a prime >= 70000, e.g. 70001"),
		 "700 backends");
	free(t.buf);

	/* More than one table can serve. */
	text_open(&t);
	fputs(HEAD "services:\n", t.f);
	put_service(t.f, 1, 80, 6554, "655373");
	text = text_close(&t);
	XT_CHECK(expect_error(text, strlen(text), 5,
			      "services[0].table_size: 6554 backends need a table_size >= 655400 "
			      "but the largest is 655373: at most 6553 backends per service"),
		 "6554 backends");
	free(t.buf);

	/* Exactly 100 x backends when that is prime is fine: 10 backends, table 1009. */
	text_open(&t);
	fputs(HEAD "services:\n", t.f);
	put_service(t.f, 1, 80, 10, "1009");
	text = text_close(&t);
	struct xlb_conf c;

	XT_CHECK(parse(text, &c) == 0, "%s", err);
	xlb_conf_free(&c);
	free(t.buf);
	return XT_PASS;
}

static int t_service_limit(void)
{
	struct xlb_conf c;
	struct text t;
	const char *text;

	for (int n = 4096; n <= 4097; n++) {
		text_open(&t);
		fputs(HEAD "services:\n", t.f);
		for (int i = 0; i < n; i++)
			fprintf(t.f, "  - { vip: 10.0.%d.%d, port: 80, proto: tcp }\n", i / 250,
				i % 250);
		text = text_close(&t);
		if (n == 4096) {
			XT_CHECK(parse(text, &c) == 0, "%s", err);
			XT_EQ(c.n_services, 4096);
			xlb_conf_free(&c);
		} else {
			/* Service 4097 is on line 4 + 4097. */
			XT_CHECK(expect_error(text, strlen(text), 4101,
					      "services[4096]: too many services: 4097 (max 4096)"),
				 "4097 services");
		}
		free(t.buf);
	}
	return XT_PASS;
}

static int t_backend_limit(void)
{
	struct xlb_conf c;
	struct text t;
	const char *text;

	/* 10 x 6553 + 6 = 65536 = XLB_MAX_BACKENDS - 1: backend id 0 is reserved, and 6553 is
	 * the most a service has (table_size 655373 >= 100 x backends). */
	for (int extra = 0; extra <= 1; extra++) {
		size_t total = 0;

		text_open(&t);
		fputs(HEAD "services:\n", t.f);
		for (int s = 1; s <= 10; s++)
			put_service(t.f, s, 80, 6553, "655373");
		put_service(t.f, 11, 80, 6 + (size_t)extra, "655373");
		text = text_close(&t);
		if (!extra) {
			XT_CHECK(parse(text, &c) == 0, "%s", err);
			for (size_t i = 0; i < c.n_services; i++)
				total += c.services[i].n_backends;
			XT_EQ(total, XLB_MAX_BACKENDS - 1);
			xlb_conf_free(&c);
		} else {
			/* A service takes 5 + its backends' lines; the extra backend is the last.
			 */
			int line = 4 + 10 * (5 + 6553) + 5 + 7;

			XT_CHECK(expect_error(text, strlen(text), line,
					      "services[10].backends[6]: too many backends: 65537 "
					      "in all (max 65536)"),
				 "65537 backends");
		}
		free(t.buf);
	}
	return XT_PASS;
}

static int t_first_error_wins(void)
{
	/* Two errors: the earlier one is reported, nothing about the second. */
	XT_ERR_EXACT("interfaces: [eth0]\nservices: []\nmtu: 1\nrss_bits: 99\n", "xlbd.yaml:3: "
										 "mtu: must be "
										 "1280..9216, got "
										 "1");
	/* A field error beats a later syntax error. */
	XT_ERR("interfaces: [eth0]\nservices: []\nmtu: x\n]]]\n", 3, "mtu: not a number: x");
	return XT_PASS;
}

/* ---- round trips ---- */

static int t_round_trip_full(void)
{
	return round_trip_text(FULL);
}

static int t_round_trip_variants(void)
{
	static const char *const texts[] = {
		"interfaces: [eth0]\nservices: []\n",
		"interfaces: [eth0]\nservices: []\nmetrics: { listen: off }\n",
		"interfaces: [eth0]\nservices: []\nmetrics: { listen: \"0.0.0.0:65535\" }\n",
		"interfaces: [\"a\\\"b\", \"c\\\\d\", \"#x\", \"-\", \"~\", \"true\"]\nservices: "
		"[]\n"
		"state_dir: \"/path with \\\" and # and : x\"\n",
		"interfaces: [lo]\ntunnel_source_v6: ::1\nrss_bits_v6: 7\nhash_seed: 0\n"
		"xdp_mode: auto\nconntrack: { udp_idle_timeout: 0 }\n"
		"services:\n  - { vip: \"::\", port: 1, proto: tcp, table_size: 7 }\n"
		"  - { name: \"-\", vip: \"::\", port: 65535, proto: udp, table_size: 211, "
		"backends: [{address: \"::1\", weight: 0, state: disabled}, {address: "
		"\"fe80::1\"}] }\n",
		HEAD "gateway: 02:00:00:00:00:01\nservices:\n"
		     "  - { name: a, vip: 10.0.0.1, port: 1, proto: tcp, icmp_echo: false }\n"
		     "  - { name: b, vip: 10.0.0.1, port: 1, proto: udp, backends: "
		     "[{address: 10.0.0.1}, {address: \"::ffff:10.0.0.1\", state: drain}] }\n",
	};

	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++)
		XT_CHECK(round_trip_text(texts[i]) == XT_PASS, "text %zu", i);
	return XT_PASS;
}

static int t_round_trip_large(void)
{
	struct text t;
	int rc;

	text_open(&t);
	fputs(HEAD "services:\n", t.f);
	for (int s = 1; s <= 20; s++)
		put_service(t.f, s, 80, 300, "30011");
	text_close(&t);
	rc = round_trip_text(t.buf);
	free(t.buf);
	return rc;
}

/* A model built in code, dumped and loaded back. */
static int build_model(struct xlb_conf *c)
{
	static const char *const addrs[] = { "10.1.0.1", "2001:db8::7", "10.1.0.2" };
	struct xlb_conf_service *s;

	xlb_conf_init(c);
	strcpy(c->ifaces[0].name, "ens1f0");
	strcpy(c->ifaces[1].name, "ens1f1");
	c->n_ifaces = 2;
	c->xdp_mode = XLB_XDP_AUTO;
	xlb_addr_parse("198.51.100.1", &c->tunnel_source);
	xlb_addr_parse("2001:db8:ff::1", &c->tunnel_source_v6);
	c->gateway_auto = false;
	memcpy(c->gateway_mac, "\x52\x54\x00\x12\x34\x56", 6);
	c->hash_seed_auto = false;
	c->hash_seed = 0xdeadbeef;
	c->udp_idle_timeout = 7;
	c->services = calloc(2, sizeof(*c->services));
	if (!c->services)
		return -1;
	c->n_services = 2;
	for (int i = 0; i < 2; i++) {
		s = &c->services[i];
		snprintf(s->name, sizeof(s->name), "svc%d", i);
		xlb_service_parse(i ? "[2001:db8::10]:53/udp" : "10.0.0.10:80/tcp", &s->ref);
		s->table_size = 1009;
		s->icmp_echo = i;
		s->backends = calloc(3, sizeof(*s->backends));
		if (!s->backends)
			return -1;
		s->n_backends = 3;
		for (int j = 0; j < 3; j++) {
			xlb_addr_parse(addrs[j], &s->backends[j].addr);
			s->backends[j].weight = (__u32)(j * 10);
			s->backends[j].admin = (enum xlb_admin_state)j;
		}
	}
	return 0;
}

static int t_round_trip_built(void)
{
	struct xlb_conf c;
	int rc;

	XT_EQ(build_model(&c), 0);
	XT_CHECK(xlb_conf_validate(&c, "built", err, sizeof(err)) == 0, "%s", err);
	rc = round_trip(&c);
	xlb_conf_free(&c);
	return rc;
}

static int t_dump_refuses_bad_model(void)
{
	struct xlb_conf c;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;
	int rc;

	XT_EQ(build_model(&c), 0);
	c.services[1].backends[2].addr.family = 3;
	f = open_memstream(&buf, &len);
	XT_CHECK(f, "memstream");
	rc = xlb_conf_dump(&c, f);
	fclose(f);
	XT_EQ(rc, -EINVAL);
	XT_EQ(len, 0); /* nothing written */
	free(buf);
	xlb_conf_free(&c);
	return XT_PASS;
}

/* ---- health checks ---- */

/* A tcp service 10.0.0.10:80 whose health mapping is on line 8: its first key is on line 9. */
#define SVC80 HEAD "services:\n  - vip: 10.0.0.10\n    port: 80\n    proto: tcp\n    health:\n"

static int t_health_defaults(void)
{
	struct xlb_conf c;

	/* No health key, and a health mapping with the type only: every other key's default. */
	XT_CHECK(parse(HEAD "services:\n  - { vip: 10.0.0.10, port: 80, proto: tcp }\n"
			    "  - { vip: 10.0.0.10, port: 81, proto: tcp, health: { type: https } "
			    "}\n",
		       &c) == 0,
		 "%s", err);
	for (int i = 0; i < 2; i++) {
		const struct xlb_conf_service *s = &c.services[i];
		const struct xlb_conf_health *h = &s->health;

		XT_EQ(s->min_healthy, 1);
		XT_EQ(h->type, i ? XLB_HC_HTTPS : XLB_HC_NONE);
		XT_EQ(h->port, 0);
		XT_EQ(h->interval_ms, 2000);
		XT_EQ(h->timeout_ms, 1000);
		XT_EQ(h->rise, 2);
		XT_EQ(h->fall, 3);
		XT_EQ(h->jitter_pct, 10);
		XT_EQ(h->initial_up, false);
		XT_CHECK(!strcmp(h->path, "/"), "path '%s'", h->path);
		XT_CHECK(!h->host[0] && !h->body[0] && !h->expect_payload[0], "empty strings");
		XT_EQ(h->expect_min, 200);
		XT_EQ(h->expect_max, 399);
		XT_EQ(h->insecure, false);
		XT_CHECK(!strcmp(h->payload, "ping"), "payload '%s'", h->payload);
	}
	xlb_conf_free(&c);
	return XT_PASS;
}

/* Every health key of every type, none at its default where it can be avoided. */
static const char HEALTH[] = HEAD
	"services:\n"
	"  - name: web\n" /* line 5 */
	"    vip: 10.0.0.10\n"
	"    port: 80\n"
	"    proto: tcp\n"
	"    min_healthy: 0\n"
	"    health:\n" /* 10 */
	"      type: http\n"
	"      port: 8080\n"
	"      interval: 250ms\n"
	"      timeout: 100ms\n"
	"      rise: 1\n"
	"      fall: 100\n"
	"      jitter: 0\n"
	"      initial: up\n"
	"      path: /healthz?full=1\n"
	"      host: www.example-1.com\n" /* 20 */
	"      body: \"status: \\\"OK\\\" \\\\ #\"\n"
	"      expect: 204\n"
	"    backends: [{ address: 10.1.0.1 }]\n"
	"  - name: tls\n"
	"    vip: 10.0.0.10\n"
	"    port: 443\n"
	"    proto: tcp\n"
	"    min_healthy: 16383\n"
	"    health: { type: https, interval: 1h, timeout: 1m, jitter: 50, path: /, host: "
	"\"[2001:db8::1]\", body: \"\", expect: 100-599, insecure: true }\n"
	"  - name: any\n" /* 30 */
	"    vip: 10.0.0.11\n"
	"    port: 0\n"
	"    proto: tcp\n"
	"    health: { type: tcp, port: 22, interval: 5, timeout: 5s, rise: 100, fall: 1, "
	"initial: down }\n"
	"  - name: dns\n"
	"    vip: 10.0.0.11\n"
	"    port: 53\n"
	"    proto: udp\n"
	"    health:\n"
	"      payload: \"hello world\"\n" /* 40: before the type, which is fine */
	"      type: udp\n"
	"      expect_payload: pong\n"
	"      interval: 100ms\n"
	"      timeout: 50ms\n"
	"  - name: static\n"
	"    vip: 10.0.0.11\n"
	"    port: 54\n"
	"    proto: udp\n"
	"    health: { type: none }\n";

static int t_health_every_key(void)
{
	const struct xlb_conf_health *h;
	struct xlb_conf c;

	XT_CHECK(parse(HEALTH, &c) == 0, "%s", err);
	XT_EQ(c.n_services, 5);

	XT_EQ(c.services[0].min_healthy, 0);
	h = &c.services[0].health;
	XT_EQ(h->type, XLB_HC_HTTP);
	XT_EQ(h->port, 8080);
	XT_EQ(h->interval_ms, 250);
	XT_EQ(h->timeout_ms, 100);
	XT_EQ(h->rise, 1);
	XT_EQ(h->fall, 100);
	XT_EQ(h->jitter_pct, 0);
	XT_EQ(h->initial_up, true);
	XT_CHECK(!strcmp(h->path, "/healthz?full=1"), "path '%s'", h->path);
	XT_CHECK(!strcmp(h->host, "www.example-1.com"), "host '%s'", h->host);
	XT_CHECK(!strcmp(h->body, "status: \"OK\" \\ #"), "body '%s'", h->body);
	XT_EQ(h->expect_min, 204);
	XT_EQ(h->expect_max, 204);

	XT_EQ(c.services[1].min_healthy, 16383);
	h = &c.services[1].health;
	XT_EQ(h->type, XLB_HC_HTTPS);
	XT_EQ(h->port, 0);
	XT_EQ(h->interval_ms, 3600000);
	XT_EQ(h->timeout_ms, 60000);
	XT_EQ(h->jitter_pct, 50);
	XT_CHECK(!strcmp(h->path, "/"), "path '%s'", h->path);
	XT_CHECK(!strcmp(h->host, "[2001:db8::1]"), "host '%s'", h->host);
	XT_CHECK(!h->body[0], "body '%s'", h->body);
	XT_EQ(h->expect_min, 100);
	XT_EQ(h->expect_max, 599);
	XT_EQ(h->insecure, true);

	XT_EQ(c.services[2].min_healthy, 1);
	h = &c.services[2].health;
	XT_EQ(h->type, XLB_HC_TCP);
	XT_EQ(h->port, 22);
	XT_EQ(h->interval_ms, 5000); /* a bare number is seconds */
	XT_EQ(h->timeout_ms, 5000); /* equal to the interval is allowed */
	XT_EQ(h->rise, 100);
	XT_EQ(h->fall, 1);
	XT_EQ(h->initial_up, false);

	h = &c.services[3].health;
	XT_EQ(h->type, XLB_HC_UDP);
	XT_CHECK(!strcmp(h->payload, "hello world"), "payload '%s'", h->payload);
	XT_CHECK(!strcmp(h->expect_payload, "pong"), "expect_payload '%s'", h->expect_payload);
	XT_EQ(h->interval_ms, 100);
	XT_EQ(h->timeout_ms, 50);

	XT_EQ(c.services[4].health.type, XLB_HC_NONE);
	xlb_conf_free(&c);
	return XT_PASS;
}

static int t_health_exact_messages(void)
{
	XT_ERR_EXACT(SVC80 "      type: tcp\n      path: /x\n", "xlbd.yaml:10: "
								"services[0].health.path: only for "
								"http and https, not tcp");
	/* The type after the key: the key's line. */
	XT_ERR_EXACT(SVC80 "      payload: x\n      type: http\n", "xlbd.yaml:9: "
								   "services[0].health.payload: "
								   "only for udp and tunnel, not "
								   "http");
	XT_ERR_EXACT(SVC80 "      type: http\n      timeout: 3s\n", "xlbd.yaml:10: "
								    "services[0].health.timeout: "
								    "timeout 3s must be <= "
								    "interval 2s");
	XT_ERR_EXACT(HEAD "services:\n  - vip: 10.0.0.10\n    port: 0\n    proto: tcp\n"
			  "    health: { type: tcp }\n",
		     "xlbd.yaml:8: services[0].health.port: a service on every port (port 0) "
		     "needs a non-zero health port for its tcp check");
	XT_ERR_EXACT(SVC80 "      type: http\n      expect: 600\n", "xlbd.yaml:10: "
								    "services[0].health.expect: "
								    "statuses are 100..599, got "
								    "600");
	XT_ERR_EXACT(SVC80 "      type: http\n      interval: 0ms\n", "xlbd.yaml:10: "
								      "services[0].health.interval:"
								      " must be 100ms..1h, got "
								      "0ms");
	XT_ERR_EXACT(SVC80 "      type: http\n      url: /x\n",
		     "xlbd.yaml:10: services[0].health.url: unknown key (known keys: type, port, "
		     "interval, timeout, rise, fall, jitter, initial, path, host, body, expect, "
		     "insecure, ca, payload, expect_payload)");
	XT_ERR_EXACT(HEAD "services:\n  - { vip: 10.0.0.10, port: 80, proto: tcp, min_healthy: "
			  "65537 }\n",
		     "xlbd.yaml:5: services[0].min_healthy: must be 0..65536, got 65537");
	return XT_PASS;
}

/* Keys of another type, whatever the order; the first in the file is named. */
static int t_health_wrong_type_keys(void)
{
	static const struct err_case cases[] = {
		{ SVC80 "      type: tcp\n      host: x\n", 10,
		  "services[0].health.host: only for http and https, not tcp" },
		{ SVC80 "      type: tcp\n      body: x\n", 10,
		  "health.body: only for http and https" },
		{ SVC80 "      type: tcp\n      expect: 200\n", 10,
		  "health.expect: only for http and https, not tcp" },
		{ SVC80 "      type: tcp\n      insecure: false\n", 10,
		  "health.insecure: only for https, not tcp" },
		{ SVC80 "      type: tcp\n      payload: x\n", 10,
		  "health.payload: only for udp and tunnel, not tcp" },
		{ SVC80 "      type: tcp\n      expect_payload: x\n", 10,
		  "health.expect_payload: only for udp and tunnel, not tcp" },
		{ SVC80 "      type: http\n      insecure: true\n", 10,
		  "health.insecure: only for https, not http" },
		{ SVC80 "      type: udp\n      path: /x\n", 10,
		  "health.path: only for http and https, not udp" },
		{ SVC80 "      type: https\n      expect_payload: x\n", 10,
		  "health.expect_payload: only for udp and tunnel, not https" },
		{ SVC80 "      type: none\n      interval: 2s\n", 10,
		  "services[0].health.interval: only for tcp, http, https, udp and tunnel, not "
		  "none" },
		{ SVC80 "      rise: 2\n      type: none\n", 9,
		  "health.rise: only for tcp, http, https" },
		/* No type is none. */
		{ HEAD "services:\n  - { vip: 10.0.0.10, port: 80, proto: tcp, health: { port: "
		       "8080 "
		       "} }\n",
		  5,
		  "services[0].health.port: only for tcp, http, https, udp and tunnel, not none" },
		/* Two of them: the first in the file, not in the key table. */
		{ SVC80 "      expect_payload: x\n      path: /x\n      type: tcp\n", 9,
		  "health.expect_payload: only for udp and tunnel, not tcp" },
		{ SVC80 "      type: tcp\n      payload: x\n      path: /x\n", 10,
		  "health.payload: only for udp and tunnel, not tcp" },
	};

	return RUN_ERR_CASES(cases);
}

static int t_health_values(void)
{
	static const struct err_case cases[] = {
		/* timeout <= interval, at the later of the two */
		{ SVC80 "      type: tcp\n      interval: 500ms\n", 10,
		  "services[0].health.interval: timeout 1s must be <= interval 500ms" },
		{ SVC80 "      type: tcp\n      timeout: 5\n", 10,
		  "services[0].health.timeout: timeout 5s must be <= interval 2s" },
		{ SVC80 "      type: tcp\n      timeout: 3s\n      interval: 2500ms\n", 11,
		  "services[0].health.interval: timeout 3s must be <= interval 2500ms" },
		{ SVC80 "      type: tcp\n      interval: 2500ms\n      timeout: 1m\n", 11,
		  "services[0].health.timeout: timeout 1m must be <= interval 2500ms" },
		/* ca: an absolute path to a readable file, for https only */
		{ SVC80 "      type: https\n      ca: certs/ca.pem\n", 10,
		  "services[0].health.ca: must be an absolute path" },
		/* (reported at the service: the file is checked with the whole configuration) */
		{ SVC80 "      type: https\n      ca: /nonexistent/ca.pem\n", 5,
		  "services[0].health.ca: cannot read /nonexistent/ca.pem: No such file or "
		  "directory" },
		{ SVC80 "      type: http\n      ca: /etc/hostname\n", 10,
		  "services[0].health.ca: only for https, not http" },
		/* port-0 services: at the later of the service's port and the health port */
		{ HEAD "services:\n  - vip: 10.0.0.10\n    proto: tcp\n    health:\n"
		       "      type: http\n      port: 0\n    port: 0\n",
		  10,
		  "services[0].health.port: a service on every port (port 0) needs a non-zero "
		  "health port for its http check" },
		{ HEAD "services:\n  - vip: 10.0.0.10\n    port: 0\n    proto: tcp\n    health:\n"
		       "      type: udp\n      port: 0\n",
		  10, "for its udp check" },
		/* expect */
		{ SVC80 "      type: http\n      expect: 300-200\n", 10,
		  "services[0].health.expect: the first status of a range must not be above the "
		  "second, got 300-200" },
		{ SVC80 "      type: http\n      expect: 2x\n", 10,
		  "services[0].health.expect: must be a status like 200 or a range like 200-399, "
		  "got "
		  "2x" },
		{ SVC80 "      type: http\n      expect: 99\n", 10,
		  "statuses are 100..599, got 99" },
		{ SVC80 "      type: http\n      expect: 200-600\n", 10, "statuses are 100..599" },
		{ SVC80 "      type: http\n      expect: 200-\n", 10, "must be a status like 200" },
		{ SVC80 "      type: http\n      expect: -200\n", 10, "must be a status like 200" },
		{ SVC80 "      type: http\n      expect: 0200\n", 10, "must be a status like 200" },
		{ SVC80 "      type: http\n      expect: 200-300-400\n", 10, "must be a status" },
		{ SVC80 "      type: http\n      expect: \"200 - 399\"\n", 10, "must be a status" },
		{ SVC80 "      type: http\n      expect: 99999999999\n", 10, "must be a status" },
		{ SVC80 "      type: http\n      expect: [200, 399]\n", 10,
		  "health.expect: must be a status or a range, not a list" },
		/* durations */
		{ SVC80 "      type: tcp\n      interval: 1.5s\n", 10,
		  "services[0].health.interval: not a duration (like 500ms, 2s, 1m or 1h): 1.5s" },
		{ SVC80 "      type: tcp\n      interval: -1s\n", 10, "not a duration" },
		{ SVC80 "      type: tcp\n      interval: 2d\n", 10, "not a duration" },
		{ SVC80 "      type: tcp\n      interval: \"\"\n", 10, "not a duration" },
		{ SVC80 "      type: tcp\n      interval: 2 s\n", 10, "not a duration" },
		{ SVC80 "      type: tcp\n      interval: 99ms\n", 10,
		  "interval: must be 100ms..1h, got 99ms" },
		{ SVC80 "      type: tcp\n      interval: 61m\n", 10,
		  "must be 100ms..1h, got 61m" },
		{ SVC80 "      type: tcp\n      timeout: 0ms\n", 10,
		  "services[0].health.timeout: must be 50ms..1h, got 0ms" },
		{ SVC80 "      type: tcp\n      timeout: 49ms\n", 10, "must be 50ms..1h" },
		/* strings */
		{ SVC80 "      type: http\n      path: healthz\n", 10,
		  "services[0].health.path: must start with '/': healthz" },
		{ SVC80 "      type: http\n      path: \"\"\n", 10, "must start with '/'" },
		{ SVC80 "      type: http\n      path: \"/a b\"\n", 10,
		  "only printable ASCII without spaces is allowed" },
		{ SVC80 "      type: http\n      path: \"/\\u00e9\"\n", 10,
		  "only printable ASCII" },
		{ SVC80 "      type: http\n      host: \"www.example.com:8080\"\n", 10,
		  "health.host: ':' is not allowed" },
		{ SVC80 "      type: http\n      host: \"::1\"\n", 10, "':' is not allowed" },
		{ SVC80 "      type: http\n      host: \"a b\"\n", 10,
		  "a host name has only A-Z a-z 0-9 . - _" },
		{ SVC80 "      type: http\n      host: a/b\n", 10, "a host name has only" },
		{ SVC80 "      type: http\n      host: \"[192.0.2.1]\"\n", 10,
		  "not an IPv6 address in brackets" },
		{ SVC80 "      type: http\n      host: \"[::1\"\n", 10, "must be in brackets" },
		{ SVC80 "      type: http\n      host: \"[]\"\n", 10, "must be in brackets" },
		{ SVC80 "      type: https\n      body: \"a\\tb\"\n", 10,
		  "health.body: only printable ASCII is allowed" },
		{ SVC80 "      type: udp\n      payload: \"\\u00e9\"\n", 10,
		  "health.payload: only printable ASCII is allowed" },
		{ SVC80 "      type: udp\n      expect_payload: \"a\\nb\"\n", 10,
		  "health.expect_payload: only printable ASCII" },
		{ SVC80 "      type: udp\n      payload: ~\n", 10,
		  "health.payload: has no value (expected a string)" },
		/* numbers, keywords, booleans */
		{ SVC80 "      type: tcp\n      rise: 0\n", 10,
		  "services[0].health.rise: must be 1..100, got 0" },
		{ SVC80 "      type: tcp\n      rise: 02\n", 10, "health.rise: not a number: 02" },
		{ SVC80 "      type: tcp\n      fall: 101\n", 10,
		  "health.fall: must be 1..100, got 101" },
		{ SVC80 "      type: tcp\n      jitter: 51\n", 10,
		  "health.jitter: must be 0..50, got 51" },
		{ SVC80 "      type: tcp\n      jitter: 10%\n", 10,
		  "health.jitter: not a number: 10%" },
		{ SVC80 "      type: tcp\n      port: 65536\n", 10,
		  "health.port: must be 0..65535, got 65536" },
		{ SVC80 "      type: tcp\n      port: \"80\"\n", 10,
		  "must be a number without quotes" },
		{ SVC80 "      type: tcp\n      initial: maybe\n", 10,
		  "health.initial: must be up or down, got maybe" },
		{ SVC80 "      type: icmp\n", 9,
		  "services[0].health.type: must be none, tcp, http, https, udp or tunnel, got "
		  "icmp" },
		{ SVC80 "      type: HTTP\n", 9, "must be none, tcp, http, https, udp or tunnel" },
		{ SVC80 "      type: https\n      insecure: yes\n", 10,
		  "health.insecure: must be true or false, got yes" },
		{ HEAD "services:\n  - { vip: 10.0.0.10, port: 80, proto: tcp, min_healthy: -1 }\n",
		  5, "services[0].min_healthy: not a number: -1" },
		/* the mapping itself */
		{ HEAD "services:\n  - { vip: 10.0.0.10, port: 80, proto: tcp, health: http }\n", 5,
		  "services[0].health: must be a mapping, not a scalar" },
		{ HEAD "services:\n  - vip: 10.0.0.10\n    port: 80\n    proto: tcp\n    health:\n",
		  8, "services[0].health: has no value (expected a mapping)" },
		{ SVC80 "      type: tcp\n      type: http\n", 10,
		  "services[0].health.type: duplicate key (first given at line 9)" },
		{ SVC80 "      type: tcp\n      rise: &r 2\n", 10,
		  "health.rise: anchors and aliases are not supported" },
	};
	char text[1024], path[200];
	struct xlb_conf c;

	/* 127 characters is the longest path, body, host and payload. */
	memset(path, 'p', sizeof(path));
	path[0] = '/';
	path[127] = '\0';
	snprintf(text, sizeof(text),
		 SVC80 "      type: http\n      path: %s\n      body: %s\n"
		       "      host: %s\n",
		 path, path + 1, path + 1);
	XT_CHECK(parse(text, &c) == 0, "%s", err);
	XT_EQ(strlen(c.services[0].health.path), 127);
	XT_EQ(strlen(c.services[0].health.body), 126);
	xlb_conf_free(&c);
	path[127] = 'p';
	path[128] = '\0';
	snprintf(text, sizeof(text), SVC80 "      type: http\n      path: %s\n", path);
	XT_ERR(text, 10, "health.path: must be shorter than 128 characters: /ppp");
	snprintf(text, sizeof(text), SVC80 "      type: http\n      body: \"%s\"\n", path);
	XT_ERR(text, 10, "health.body: must be shorter than 128 characters");
	snprintf(text, sizeof(text), SVC80 "      type: udp\n      payload: %s\n", path + 1);
	XT_CHECK(parse(text, &c) == 0, "127-character payload: %s", err);
	xlb_conf_free(&c);
	snprintf(text, sizeof(text), SVC80 "      type: udp\n      payload: %s\n", path);
	XT_ERR(text, 10, "health.payload: must be shorter than 128 characters");
	snprintf(text, sizeof(text), SVC80 "      type: http\n      host: %s\n", path + 1);
	XT_CHECK(parse(text, &c) == 0, "127-character host: %s", err);
	xlb_conf_free(&c);
	snprintf(text, sizeof(text), SVC80 "      type: http\n      host: a%s\n", path + 1);
	XT_ERR(text, 10, "health.host: must be shorter than 128 characters");

	/* Quoted statuses and durations are fine, as are empty strings and a port-0 service
	 * with a health port or without a check. */
	XT_CHECK(parse(SVC80 "      type: https\n      expect: \"200\"\n      interval: \"1m\"\n"
			     "      timeout: 1000ms\n      host: \"\"\n      body: ''\n"
			     "  - { vip: 10.0.0.10, port: 0, proto: udp, health: { type: udp, "
			     "port: "
			     "53, payload: \"\", expect_payload: \"\" } }\n"
			     "  - { vip: 10.0.0.10, port: 0, proto: tcp, health: { type: none } }\n"
			     "  - { vip: 10.0.0.11, port: 0, proto: tcp, min_healthy: 0 }\n",
		       &c) == 0,
		 "%s", err);
	XT_EQ(c.services[0].health.expect_min, 200);
	XT_EQ(c.services[0].health.expect_max, 200);
	XT_EQ(c.services[0].health.interval_ms, 60000);
	XT_EQ(c.services[0].health.timeout_ms, 1000);
	XT_EQ(c.services[1].health.port, 53);
	XT_CHECK(!c.services[1].health.payload[0], "empty payload");
	xlb_conf_free(&c);
	return RUN_ERR_CASES(cases);
}

static int t_parse_duration_ms(void)
{
	static const struct {
		const char *s;
		__u32 ms;
	} good[] = { { "250ms", 250 },
		     { "2s", 2000 },
		     { "1m", 60000 },
		     { "1h", 3600000 },
		     { "5", 5000 },
		     { "1500ms", 1500 },
		     { "0", 0 },
		     { "0ms", 0 },
		     { "4294967295ms", 4294967295U },
		     { "4294967s", 4294967000U },
		     { "1193h", 4294800000U } };
	static const struct {
		const char *s;
		int rc;
	} bad[] = { { "1.5s", -EINVAL },
		    { "-1s", -EINVAL },
		    { "+1s", -EINVAL },
		    { "", -EINVAL },
		    { "ms", -EINVAL },
		    { "5 s", -EINVAL },
		    { "1d", -EINVAL },
		    { "05s", -EINVAL },
		    { "2S", -EINVAL },
		    { "2mss", -EINVAL },
		    { "4294968s", -ERANGE },
		    { "1194h", -ERANGE },
		    { "4294967295h", -ERANGE },
		    { "4294967296ms", -ERANGE },
		    { "99999999999999999999ms", -ERANGE } };
	__u32 v;

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		v = 77;
		XT_CHECK(xlb_parse_duration_ms(good[i].s, 0, UINT32_MAX, &v) == 0, "'%s'",
			 good[i].s);
		XT_CHECK(v == good[i].ms, "'%s': %u", good[i].s, v);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		v = 77;
		XT_CHECK(xlb_parse_duration_ms(bad[i].s, 0, UINT32_MAX, &v) == bad[i].rc, "'%s'",
			 bad[i].s);
		XT_CHECK(v == 77, "'%s' wrote %u", bad[i].s, v);
	}
	v = 77;
	XT_EQ(xlb_parse_duration_ms(NULL, 0, 100, &v), -EINVAL);
	XT_EQ(xlb_parse_duration_ms("0ms", 100, 3600000, &v), -ERANGE);
	XT_EQ(xlb_parse_duration_ms("99ms", 100, 3600000, &v), -ERANGE);
	XT_EQ(xlb_parse_duration_ms("3601s", 100, 3600000, &v), -ERANGE);
	XT_EQ(v, 77);
	XT_EQ(xlb_parse_duration_ms("100ms", 100, 3600000, &v), 0);
	XT_EQ(v, 100);
	XT_EQ(xlb_parse_duration_ms("60m", 100, 3600000, &v), 0);
	XT_EQ(v, 3600000);
	return XT_PASS;
}

static int t_health_round_trip(void)
{
	static const char *const texts[] = {
		SVC80 "      type: tcp\n",
		SVC80 "      type: http\n      expect: 301-302\n      initial: up\n",
		SVC80 "      type: https\n      insecure: true\n      host: \"[::ffff:1.2.3.4]\"\n"
		      "      interval: 90s\n      timeout: 1500ms\n",
		SVC80 "      type: udp\n      payload: \"a \\\"quoted\\\" \\\\ # payload\"\n"
		      "      expect_payload: \"'\"\n      port: 65535\n",
		SVC80 "      type: none\n    min_healthy: 7\n",
		HEAD "services:\n  - { vip: 10.0.0.10, port: 0, proto: tcp, health: { type: http, "
		     "port: 1, path: \"/#x:y\" } }\n",
	};
	char *t;
	int rc;

	XT_CHECK(round_trip_text(HEALTH) == XT_PASS, "HEALTH");
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++)
		XT_CHECK(round_trip_text(texts[i]) == XT_PASS, "text %zu", i);

	/* The dump writes the keys of the type, and only those. */
	{
		struct xlb_conf c;

		XT_CHECK(parse(HEALTH, &c) == 0, "%s", err);
		t = dump_to_string(&c, &rc);
		xlb_conf_free(&c);
		XT_CHECK(t, "dump %d", rc);
		XT_CHECK(strstr(t, "    min_healthy: 0\n    health:\n      type: http\n      port: "
				   "8080\n      interval: 250ms\n      timeout: 100ms\n      rise: "
				   "1\n"
				   "      fall: 100\n      jitter: 0\n      initial: up\n"
				   "      path: \"/healthz?full=1\"\n      host: "
				   "\"www.example-1.com\"\n"
				   "      body: \"status: \\\"OK\\\" \\\\ #\"\n      expect: 204\n"
				   "    backends:\n"),
			 "http dump:\n%s", t);
		XT_CHECK(strstr(t, "      expect: 100-599\n      insecure: true\n"), "https:\n%s",
			 t);
		XT_CHECK(strstr(t, "      type: tcp\n      port: 22\n      interval: 5s\n      "
				   "timeout: 5s\n      rise: 100\n      fall: 1\n      jitter: 10\n"
				   "      initial: down\n    backends: []\n"),
			 "tcp:\n%s", t);
		XT_CHECK(strstr(t, "      initial: down\n      payload: \"hello world\"\n      "
				   "expect_payload: \"pong\"\n    backends: []\n"),
			 "udp:\n%s", t);
		XT_CHECK(strstr(t, "    min_healthy: 1\n    health:\n      type: none\n    "
				   "backends: "
				   "[]\n"),
			 "none:\n%s", t);
		free(t);
	}
	return XT_PASS;
}

/* A health check set in code: validate() checks what the parser checks. */
static int t_health_built(void)
{
	struct xlb_conf c, d;
	struct xlb_conf_health *h;
	char *t;
	int rc;

	XT_EQ(build_model(&c), 0);
	/* calloc()ed: type none, every other field 0, which type none does not use. */
	XT_EQ(xlb_conf_validate(&c, "api", err, sizeof(err)), 0);
	h = &c.services[0].health;
	h->type = XLB_HC_HTTPS;
	h->interval_ms = 2000;
	h->timeout_ms = 2000;
	h->rise = 1;
	h->fall = 100;
	h->jitter_pct = 50;
	strcpy(h->path, "/ready");
	strcpy(h->host, "example.org");
	h->expect_min = h->expect_max = 200;
	h->insecure = true;
	strcpy(h->payload, "bad\tpayload"); /* not used by https: neither checked nor dumped */
	c.services[0].min_healthy = 2;
	h = &c.services[1].health;
	h->type = XLB_HC_UDP;
	h->port = 5353;
	h->interval_ms = 100;
	h->timeout_ms = 50;
	h->rise = h->fall = 1;
	strcpy(h->payload, "q");
	XT_CHECK(xlb_conf_validate(&c, "api", err, sizeof(err)) == 0, "%s", err);
	XT_EQ(round_trip(&c), XT_PASS);

	/* The copy has its own health check. */
	XT_EQ(xlb_conf_copy(&d, &c), 0);
	XT_CHECK(!conf_diff(&c, &d), "%s", conf_diff(&c, &d));
	strcpy(c.services[0].health.path, "/changed");
	XT_CHECK(!strcmp(d.services[0].health.path, "/ready"), "copy shares the path");
	strcpy(c.services[0].health.path, "/ready");
	xlb_conf_free(&d);

	h = &c.services[0].health;
#define BAD(stmt, undo, msg)                                                              \
	do {                                                                              \
		stmt;                                                                     \
		XT_EQ(xlb_conf_validate(&c, "api", err, sizeof(err)), -EINVAL);           \
		XT_CHECK(!strcmp(err, msg), "got '%s'\n    expected '%s'", err, msg);     \
		undo;                                                                     \
		XT_CHECK(xlb_conf_validate(&c, "api", err, sizeof(err)) == 0, "%s", err); \
	} while (0)
	BAD(h->timeout_ms = 2001, h->timeout_ms = 2000,
	    "api: services[0].health.timeout: timeout 2001ms must be <= interval 2s");
	BAD(h->interval_ms = 99, h->interval_ms = 2000,
	    "api: services[0].health.interval: must be 100ms..1h, got 99ms");
	BAD(h->interval_ms = 3600001, h->interval_ms = 2000,
	    "api: services[0].health.interval: must be 100ms..1h, got 3600001ms");
	BAD(h->timeout_ms = 49, h->timeout_ms = 2000,
	    "api: services[0].health.timeout: must be 50ms..1h, got 49ms");
	BAD(h->rise = 0, h->rise = 1, "api: services[0].health.rise: must be 1..100, got 0");
	BAD(h->fall = 101, h->fall = 100, "api: services[0].health.fall: must be 1..100, got 101");
	BAD(h->jitter_pct = 51, h->jitter_pct = 50,
	    "api: services[0].health.jitter: must be 0..50, got 51");
	BAD(strcpy(h->path, "ready"), strcpy(h->path, "/ready"),
	    "api: services[0].health.path: must start with '/'");
	BAD(memset(h->path + 1, 'x', sizeof(h->path) - 1), strcpy(h->path, "/ready"),
	    "api: services[0].health.path: must be shorter than 128 characters");
	BAD(strcpy(h->host, "a:80"), strcpy(h->host, "example.org"),
	    "api: services[0].health.host: ':' is not allowed (the port is health.port; an IPv6 "
	    "address goes in brackets)");
	BAD(strcpy(h->body, "\x01"), h->body[0] = '\0',
	    "api: services[0].health.body: only printable ASCII is allowed");
	BAD(h->expect_min = 99, h->expect_min = 200,
	    "api: services[0].health.expect: statuses are 100..599, got 99-200");
	BAD(h->expect_min = 201, h->expect_min = 200,
	    "api: services[0].health.expect: the first status of a range must not be above the "
	    "second, got 201-200");
	BAD(c.services[0].min_healthy = 65537, c.services[0].min_healthy = 2,
	    "api: services[0].min_healthy: must be 0..65536, got 65537");
	BAD(c.services[0].ref.port = 0, c.services[0].ref.port = 80,
	    "api: services[0].health.port: a service on every port (port 0) needs a non-zero "
	    "health port for its https check");
	BAD(strcpy(c.services[1].health.expect_payload, "\x7f"),
	    c.services[1].health.expect_payload[0] = '\0',
	    "api: services[1].health.expect_payload: only printable ASCII is allowed");
	BAD(h->type = (enum xlb_hc_type)9, h->type = XLB_HC_HTTPS,
	    "api: services[0].health.type: must be none, tcp, http, https, udp or tunnel, got 9");
#undef BAD
	/* An unknown type cannot be dumped. */
	h->type = (enum xlb_hc_type)9;
	t = dump_to_string(&c, &rc);
	XT_CHECK(!t && rc == -EINVAL, "dumped an unknown type: %d", rc);
	xlb_conf_free(&c);
	return XT_PASS;
}

/* ---- copy, find, validate ---- */

/* backends[].health: the given keys override the service's check, the others follow it. */
#define OVR                                                                                  \
	HEAD "services:\n  - vip: 10.0.0.10\n    port: 80\n    proto: tcp\n    backends:\n"  \
	     "      - { address: 10.1.0.1, health: { timeout: 200ms, port: 8080, interval: " \
	     "500ms } }\n"                                                                   \
	     "      - address: 10.1.0.2\n        health:\n          rise: 5\n"               \
	     "          fall: 1\n          jitter: 0\n          initial: up\n"               \
	     "      - { address: 10.1.0.3 }\n"                                               \
	     "    health: { type: tunnel, interval: 1s, timeout: 300ms }\n"

static int t_backend_health(void)
{
	struct xlb_conf c;
	struct xlb_conf_health h;
	const struct xlb_conf_service *s;
	char *t;
	int rc;

	XT_CHECK(parse(OVR, &c) == 0, "%s", err);
	s = &c.services[0];
	XT_EQ(s->health.type, XLB_HC_TUNNEL);
	XT_EQ(s->backends[0].health.set, XLB_HO_PORT | XLB_HO_INTERVAL | XLB_HO_TIMEOUT);
	XT_EQ(s->backends[1].health.set,
	      XLB_HO_RISE | XLB_HO_FALL | XLB_HO_JITTER | XLB_HO_INITIAL);
	XT_EQ(s->backends[2].health.set, 0);
	xlb_conf_backend_health(s, &s->backends[0], &h);
	XT_EQ(h.type, XLB_HC_TUNNEL);
	XT_EQ(h.port, 8080);
	XT_EQ(h.interval_ms, 500);
	XT_EQ(h.timeout_ms, 200);
	XT_EQ(h.rise, 2);
	XT_EQ(h.jitter_pct, 10);
	xlb_conf_backend_health(s, &s->backends[1], &h);
	XT_EQ(h.port, 0);
	XT_EQ(h.interval_ms, 1000);
	XT_EQ(h.timeout_ms, 300);
	XT_EQ(h.rise, 5);
	XT_EQ(h.fall, 1);
	XT_EQ(h.jitter_pct, 0);
	XT_EQ(h.initial_up, true);
	xlb_conf_backend_health(s, &s->backends[2], &h);
	XT_CHECK(!memcmp(&h, &s->health, sizeof(h)), "no overrides: the service's check");
	XT_CHECK(round_trip(&c) == XT_PASS, "round trip");
	t = dump_to_string(&c, &rc);
	XT_CHECK(t, "dump %d", rc);
	XT_CHECK(strstr(t, "        state: enabled\n        encap: ipip\n        health: { port: "
			   "8080, interval: 500ms, "
			   "timeout: 200ms }\n      - address:"),
		 "dump:\n%s", t);
	XT_CHECK(strstr(t, "        health: { rise: 5, fall: 1, jitter: 0, initial: up }\n"),
		 "dump:\n%s", t);
	free(t);
	/* The payload keys go with the tunnel type (used on udp services). */
	XT_CHECK(round_trip_text(HEAD "services:\n  - { vip: 10.0.0.10, port: 53, proto: udp, "
				      "health: { type: tunnel, payload: q, expect_payload: a } "
				      "}\n") == XT_PASS,
		 "tunnel udp");
	xlb_conf_free(&c);
	return XT_PASS;
}

#define OVR1(svc_health, be_health)                                                             \
	HEAD "services:\n  - vip: 10.0.0.10\n    port: 80\n    proto: tcp\n    "                \
	     "health: " svc_health "\n    backends:\n      - { address: 10.1.0.1 }\n      - { " \
	     "address: 10.1.0.2, "                                                              \
	     "health: " be_health " }\n"

static int t_backend_health_errors(void)
{
	static const struct err_case cases[] = {
		{ OVR1("{ type: none }", "{ rise: 3 }"), 11,
		  "services[0].backends[1].health.rise: the service's health type is none: nothing "
		  "to override" },
		/* no health at all: type none */
		{ HEAD "services:\n  - vip: 10.0.0.10\n    port: 80\n    proto: tcp\n    "
		       "backends:\n"
		       "      - { address: 10.1.0.2, health: { port: 81 } }\n",
		  9, "services[0].backends[0].health.port: the service's health type is none" },
		{ OVR1("{ type: tcp }", "{ timeout: 3s }"), 11,
		  "services[0].backends[1].health.timeout: timeout 3s must be <= interval 2s" },
		{ OVR1("{ type: tcp, timeout: 1s }", "{ interval: 500ms }"), 11,
		  "services[0].backends[1].health.interval: timeout 1s must be <= interval 500ms" },
		{ OVR1("{ type: tcp }", "{ port: 0 }"), 11,
		  "services[0].backends[1].health.port: must be 1..65535, got 0" },
		{ OVR1("{ type: tcp }", "{ rise: 101 }"), 11,
		  "services[0].backends[1].health.rise: must be 1..100, got 101" },
		{ OVR1("{ type: tcp }", "{ interval: 50ms }"), 11,
		  "services[0].backends[1].health.interval: must be 100ms..1h, got 50ms" },
		{ OVR1("{ type: tcp }", "{ jitter: 51 }"), 11,
		  "services[0].backends[1].health.jitter: must be 0..50, got 51" },
		{ OVR1("{ type: tcp }", "{ initial: maybe }"), 11,
		  "services[0].backends[1].health.initial: must be up or down, got maybe" },
		{ OVR1("{ type: tcp }", "{ rise: 2x }"), 11,
		  "services[0].backends[1].health.rise: not a number: 2x" },
		{ OVR1("{ type: http }", "{ path: /x }"), 11,
		  "services[0].backends[1].health.path: unknown key (known keys: port, interval, "
		  "timeout, rise, fall, jitter, initial)" },
		{ OVR1("{ type: tcp }", "{ rise: 2, rise: 3 }"), 11,
		  "services[0].backends[1].health.rise: duplicate key" },
		{ OVR1("{ type: tcp }", "{ }"), 11, "services[0].backends[1].health: is empty" },
		{ OVR1("{ type: tcp }", "5s"), 11,
		  "services[0].backends[1].health: must be a mapping, not a scalar" },
		/* A tunnel probe is answered at the tunnel source of the VIP's family. */
		{ "interfaces: [eth0]\ntunnel_source: 192.0.2.1\nservices:\n  - { vip: "
		  "\"2001:db8::10\", port: 80, proto: tcp, health: { type: tunnel } }\n",
		  4,
		  "services[0].health.type: a tunnel check of an IPv6 VIP sends from "
		  "tunnel_source_v6, which is not set" },
	};

	return RUN_ERR_CASES(cases);
}

/* Overrides set in code: validate() checks what the parser checks. */
static int t_backend_health_built(void)
{
	struct xlb_conf c;
	struct xlb_conf_backend *b;

	XT_CHECK(parse(OVR, &c) == 0, "%s", err);
	b = &c.services[0].backends[2];
	b->health.set = XLB_HO_TIMEOUT;
	b->health.timeout_ms = 1500;
	XT_CHECK(xlb_conf_validate(&c, "api", err, sizeof(err)) == -EINVAL, "accepted");
	XT_CHECK(!strcmp(err, "api:16: services[0].backends[2].health.timeout: timeout 1500ms "
			      "must be <= interval 1s"),
		 "got '%s'", err);
	b->health.timeout_ms = 1000;
	XT_CHECK(xlb_conf_validate(&c, "api", err, sizeof(err)) == 0, "%s", err);
	XT_CHECK(round_trip(&c) == XT_PASS, "round trip");
	b->health.set = 1U << 7;
	XT_CHECK(xlb_conf_validate(&c, "api", err, sizeof(err)) == -EINVAL, "unknown bit");
	b->health.set = XLB_HO_FALL;
	b->health.fall = 0;
	XT_CHECK(xlb_conf_validate(&c, "api", err, sizeof(err)) == -EINVAL, "fall 0");
	XT_CHECK(strstr(err, "services[0].backends[2].health.fall: must be 1..100, got 0"),
		 "got '%s'", err);
	xlb_conf_free(&c);
	return XT_PASS;
}

static int t_copy_independent(void)
{
	struct xlb_conf a, b, e, f;

	XT_CHECK(parse(FULL, &a) == 0, "%s", err);
	XT_EQ(xlb_conf_copy(&b, &a), 0);
	XT_CHECK(!conf_diff(&a, &b), "%s", conf_diff(&a, &b));
	XT_CHECK(b.services != a.services, "services shared");
	XT_CHECK(b.services[0].backends != a.services[0].backends, "backends shared");
	XT_EQ(b.services[0].line, a.services[0].line);
	b.services[0].backends[0].weight = 1;
	strcpy(b.services[0].name, "changed");
	strcpy(b.ifaces[0].name, "other");
	XT_EQ(a.services[0].backends[0].weight, 100);
	XT_CHECK(!strcmp(a.services[0].name, "web.v4_1-a"), "name changed in the original");
	XT_CHECK(!strcmp(a.ifaces[0].name, "eth0"), "iface changed in the original");
	xlb_conf_free(&a);
	/* The copy outlives the original (ASan sees any sharing). */
	XT_EQ(b.services[0].backends[2].weight, 65535);
	xlb_conf_free(&b);

	xlb_conf_init(&e);
	XT_EQ(xlb_conf_copy(&f, &e), 0);
	XT_CHECK(f.services == NULL && f.n_services == 0, "empty copy");
	xlb_conf_free(&f);
	return XT_PASS;
}

static int t_find_service(void)
{
	struct xlb_service_ref r;
	struct xlb_conf c;

	XT_CHECK(parse(FULL, &c) == 0, "%s", err);
	XT_EQ(xlb_service_parse("10.0.0.10:80/tcp", &r), 0);
	XT_CHECK(xlb_conf_find_service(&c, &r) == &c.services[0], "v4 service");
	XT_EQ(xlb_service_parse("[2001:db8::10]:0/udp", &r), 0);
	XT_CHECK(xlb_conf_find_service(&c, &r) == &c.services[1], "v6 service");
	XT_EQ(xlb_service_parse("10.0.0.10:80/udp", &r), 0);
	XT_CHECK(xlb_conf_find_service(&c, &r) == NULL, "proto differs");
	XT_EQ(xlb_service_parse("10.0.0.10:81/tcp", &r), 0);
	XT_CHECK(xlb_conf_find_service(&c, &r) == NULL, "port differs");
	XT_EQ(xlb_service_parse("10.0.0.11:80/tcp", &r), 0);
	XT_CHECK(xlb_conf_find_service(&c, &r) == NULL, "vip differs");
	/* ::a00:a is not 10.0.0.10: the family is part of the key. */
	XT_EQ(xlb_service_parse("[::a00:a]:80/tcp", &r), 0);
	XT_CHECK(xlb_conf_find_service(&c, &r) == NULL, "family differs");
	xlb_conf_free(&c);
	return XT_PASS;
}

/* validate() on models built in code: messages carry no line, only the key path. */
static int t_validate_built(void)
{
	struct xlb_conf c;

	XT_EQ(build_model(&c), 0);
	XT_EQ(xlb_conf_validate(&c, "api", err, sizeof(err)), 0);

	c.n_ifaces = 0;
	XT_EQ(xlb_conf_validate(&c, "api", err, sizeof(err)), -EINVAL);
	XT_CHECK(!strcmp(err, "api: interfaces: at least one interface is required"), "%s", err);
	c.n_ifaces = 2;

	c.services[1].ref = c.services[0].ref;
	XT_EQ(xlb_conf_validate(&c, "api", err, sizeof(err)), -EINVAL);
	XT_CHECK(!strcmp(err, "api: services[1]: 10.0.0.10:80/tcp duplicates the service "
			      "services[0]"),
		 "%s", err);
	xlb_service_parse("[2001:db8::10]:53/udp", &c.services[1].ref);

	c.tunnel_source_v6.family = 0;
	XT_EQ(xlb_conf_validate(&c, NULL, err, sizeof(err)), -EINVAL);
	XT_CHECK(!strcmp(err, "config: services[0].backends[1]: backend 2001:db8::7 is IPv6 but "
			      "tunnel_source_v6 is not set"),
		 "%s", err);
	xlb_addr_parse("2001:db8:ff::1", &c.tunnel_source_v6);

	c.services[0].table_size = 1000;
	XT_EQ(xlb_conf_validate(&c, "api", err, sizeof(err)), -EINVAL);
	XT_CHECK(!strcmp(err, "api: services[0].table_size: table_size 1000 is not a prime: use "
			      "e.g. 1009"),
		 "%s", err);
	c.services[0].table_size = 293; /* prime, but < 100 x 3 */
	XT_EQ(xlb_conf_validate(&c, "api", err, sizeof(err)), -EINVAL);
	XT_CHECK(strstr(err, "table_size 293 is too small for 3 backends: use a prime >= 300, "
			     "e.g. 307"),
		 "%s", err);
	c.services[0].table_size = 1009;

	c.services[0].backends[1].weight = 70000;
	XT_EQ(xlb_conf_validate(&c, "api", err, sizeof(err)), -EINVAL);
	XT_CHECK(strstr(err, "services[0].backends[1]: weight must be 0..65535, got 70000"), "%s",
		 err);
	c.services[0].backends[1].weight = 1;

	c.services[0].backends[2].addr = c.services[0].backends[0].addr;
	XT_EQ(xlb_conf_validate(&c, "api", err, sizeof(err)), -EINVAL);
	XT_CHECK(strstr(err, "api: services[0].backends[2]: 10.1.0.1 duplicates the backend "
			     "backends[0]"),
		 "%s", err);
	xlb_addr_parse("10.1.0.2", &c.services[0].backends[2].addr);

	strcpy(c.services[1].name, "svc0");
	XT_EQ(xlb_conf_validate(&c, "api", err, sizeof(err)), -EINVAL);
	XT_CHECK(strstr(err, "services[1].name: svc0 is already the name"), "%s", err);
	strcpy(c.services[1].name, "bad name");
	XT_EQ(xlb_conf_validate(&c, "api", err, sizeof(err)), -EINVAL);
	XT_CHECK(strstr(err, "services[1].name: not a valid service name"), "%s", err);
	c.services[1].name[0] = '\0';

	c.services[1].ref.proto = IPPROTO_ICMP;
	XT_EQ(xlb_conf_validate(&c, "api", err, sizeof(err)), -EINVAL);
	XT_CHECK(strstr(err, "services[1]: proto must be tcp or udp"), "%s", err);
	c.services[1].ref.proto = IPPROTO_UDP;

	c.rss_bits = 17;
	XT_EQ(xlb_conf_validate(&c, "api", err, sizeof(err)), -EINVAL);
	XT_CHECK(!strcmp(err, "api: rss_bits: must be 0..16, got 17"), "%s", err);
	c.rss_bits = 0;

	c.gateway_mac[0] = 0x01;
	XT_EQ(xlb_conf_validate(&c, "api", err, sizeof(err)), -EINVAL);
	XT_CHECK(strstr(err, "gateway: a multicast"), "%s", err);
	c.gateway_auto = true;

	strcpy(c.ifaces[1].name, "ens1f0");
	XT_EQ(xlb_conf_validate(&c, "api", err, sizeof(err)), -EINVAL);
	XT_CHECK(strstr(err, "interfaces[1]: ens1f0 is listed twice"), "%s", err);
	strcpy(c.ifaces[1].name, "ens1f1");

	c.ifaces[1].mode = (enum xlb_xdp_mode)7;
	c.ifaces[1].line = 12;
	XT_EQ(xlb_conf_validate(&c, "api", err, sizeof(err)), -EINVAL);
	XT_CHECK(!strcmp(err, "api:12: interfaces[1].mode: must be native, generic or auto"), "%s",
		 err);
	c.ifaces[1].mode = XLB_XDP_GENERIC;

	c.mtu = 100;
	XT_EQ(xlb_conf_validate(&c, "api", err, sizeof(err)), -EINVAL);
	XT_CHECK(strstr(err, "mtu: must be 1280..9216, got 100"), "%s", err);
	c.mtu = 1500;

	strcpy(c.state_dir, "relative");
	XT_EQ(xlb_conf_validate(&c, "api", err, sizeof(err)), -EINVAL);
	XT_CHECK(strstr(err, "state_dir: must be an absolute path"), "%s", err);
	strcpy(c.state_dir, "/ok");

	c.services[0].backends[0].admin = (enum xlb_admin_state)7;
	XT_EQ(xlb_conf_validate(&c, "api", err, sizeof(err)), -EINVAL);
	XT_CHECK(strstr(err, "state must be enabled, drain or disabled"), "%s", err);
	c.services[0].backends[0].admin = XLB_ADMIN_DRAIN;

	XT_EQ(xlb_conf_validate(&c, "api", err, sizeof(err)), 0);
	/* No room for a message is not a crash. */
	c.mtu = 1;
	XT_EQ(xlb_conf_validate(&c, "api", NULL, 0), -EINVAL);
	xlb_conf_free(&c);
	return XT_PASS;
}

/* ---- odd input ---- */

static int t_long_strings(void)
{
	size_t n = 1 << 20;
	char *text = malloc(n + 64);
	int len;

	XT_CHECK(text, "malloc");
	len = snprintf(text, 64, "interfaces: [eth0]\nservices: []\nstate_dir: /");
	memset(text + len, 'x', n);
	strcpy(text + len + n, "\n");
	XT_CHECK(expect_error(text, strlen(text), 3, "state_dir: must be shorter than 256"), "1 MB "
											     "pat"
											     "h");
	/* The echo is cut short: the message stays one short line. */
	XT_CHECK(strlen(err) < 120 && strstr(err, "xxx..."), "message '%s'", err);

	/* A 1000-character key: named, cut short. */
	memset(text, 'k', 1000);
	strcpy(text + 1000, ": 1\n");
	XT_CHECK(expect_error(text, strlen(text), 1, "kkkkkkkk...: unknown key"), "long key");
	XT_CHECK(strlen(err) < XLB_CONF_ERR_MAX, "message length");
	/* A 1 MB key is beyond YAML's 1024-character simple keys: a scalar document. */
	memset(text, 'k', n);
	strcpy(text + n, ": 1\n");
	XT_CHECK(expect_error(text, strlen(text), 1, "the top level must be a mapping"), "1 MB "
											 "key");
	free(text);

	/* A message longer than the buffer is cut and terminated. */
	{
		struct xlb_conf c;
		char small[12];

		XT_EQ(xlb_conf_parse("mtu: x\n", 7, NAME, &c, small, sizeof(small)), -EINVAL);
		XT_CHECK(!strcmp(small, "xlbd.yaml:1"), "small buffer '%s'", small);
		XT_EQ(xlb_conf_parse("mtu: x\n", 7, NAME, &c, NULL, 0), -EINVAL);
		XT_EQ(xlb_conf_parse(NULL, 0, NULL, &c, err, sizeof(err)), -EINVAL);
		XT_CHECK(!strcmp(err, "config:1: the file is empty (interfaces and services are "
				      "required)"),
			 "%s", err);
	}
	return XT_PASS;
}

static int t_deep_nesting(void)
{
	static const char *const prefix[] = { "", "interfaces: ", "interfaces: [eth0]\nservices: ",
					      "interfaces: [eth0]\nservices: []\nconntrack: " };
	size_t depth = 200000;
	char *text = malloc(depth * 2 + 64);

	XT_CHECK(text, "malloc");
	for (size_t i = 0; i < sizeof(prefix) / sizeof(prefix[0]); i++) {
		struct xlb_conf c;
		size_t len = strlen(prefix[i]);

		memcpy(text, prefix[i], len);
		for (size_t d = 0; d < depth; d++)
			text[len + d] = i % 2 ? '[' : '{';
		len += depth;
		XT_EQ(xlb_conf_parse(text, len, NAME, &c, err, sizeof(err)), -EINVAL);
		XT_CHECK(!strncmp(err, NAME ":", strlen(NAME ":")), "%s", err);
	}
	free(text);
	return XT_PASS;
}

static int t_garbage(void)
{
	size_t n = 1 << 20;
	unsigned char *g = malloc(n);
	__u64 x = 0x9e3779b97f4a7c15ULL;
	struct xlb_conf c;

	XT_CHECK(g, "malloc");
	for (int round = 0; round < 3; round++) {
		for (size_t i = 0; i < n; i++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			/* Round 1: printable ASCII only, so libyaml gets further. */
			g[i] = round == 1 ? (unsigned char)(0x20 + x % 95) : (unsigned char)x;
		}
		XT_EQ(xlb_conf_parse((const char *)g, n, NAME, &c, err, sizeof(err)), -EINVAL);
		XT_CHECK(!strncmp(err, NAME ":", strlen(NAME ":")), "%s", err);
	}
	/* 1 MB of a valid-looking key repeated: the duplicate is found at line 2. */
	for (size_t i = 0; i + 10 <= n; i += 10)
		memcpy(g + i, "mtu: 1500\n", 10);
	XT_EQ(xlb_conf_parse((const char *)g, n - n % 10, NAME, &c, err, sizeof(err)), -EINVAL);
	XT_CHECK(!strcmp(err, NAME ":2: mtu: duplicate key (first given at line 1)"), "%s", err);
	free(g);
	return XT_PASS;
}

/* ---- files ---- */

static int t_load_example(void)
{
	struct xlb_conf c;

	XT_CHECK(xlb_conf_load("docs/xlbd.yaml.example", &c, err, sizeof(err)) == 0, "%s", err);
	XT_CHECK(c.n_ifaces >= 1, "interfaces");
	XT_CHECK(c.n_services >= 2, "services");
	XT_CHECK(c.services[0].name[0], "the first service is named");
	XT_CHECK(c.services[0].n_backends >= 2, "backends");
	XT_EQ(round_trip(&c), XT_PASS);
	xlb_conf_free(&c);
	return XT_PASS;
}

static int t_load_errors(void)
{
	struct xlb_conf c;
	char path[] = "/tmp/xlb-test-config-XXXXXX";
	FILE *f;
	int fd;

	XT_EQ(xlb_conf_load("/nonexistent/xlbd.yaml", &c, err, sizeof(err)), -ENOENT);
	XT_CHECK(!strcmp(err, "/nonexistent/xlbd.yaml: No such file or directory"), "%s", err);
	XT_EQ(xlb_conf_load("docs", &c, err, sizeof(err)), -EISDIR);
	XT_CHECK(!strcmp(err, "docs: Is a directory"), "%s", err);

	/* The file's path names it in parse errors. */
	fd = mkstemp(path);
	XT_CHECK(fd >= 0, "mkstemp");
	f = fdopen(fd, "w");
	XT_CHECK(f, "fdopen");
	fputs("interfaces: [eth0]\nservices: []\nmtu: 15OO\n", f);
	fclose(f);
	XT_EQ(xlb_conf_load(path, &c, err, sizeof(err)), -EINVAL);
	unlink(path);
	XT_CHECK(!strncmp(err, path, strlen(path)) && !strcmp(err + strlen(path), ":3: mtu: not a "
										  "number: 15OO"),
		 "%s", err);
	return XT_PASS;
}

/* The schema itself: the rows of a mapping are contiguous (conf_fields() hands out the first),
 * every per-backend override replaces a health key of the same type, and every default of a
 * number or duration is within its own range. */
static int t_schema(void)
{
	size_t n;
	const struct conf_field *f;

	for (int p = 0; p < CP_COUNT; p++) {
		f = conf_fields((enum conf_parent)p, &n);
		XT_CHECK(f && n > 0, "mapping %d has keys", p);
		for (size_t i = 0; i < n; i++)
			XT_CHECK(f[i].parent == (enum conf_parent)p, "%s: rows of mapping %d apart",
				 f[i].key, p);
	}
	f = conf_fields(CP_OVERRIDE, &n);
	XT_EQ(1U << n, XLB_HO_ALL + 1);
	for (size_t i = 0; i < n; i++) {
		const struct conf_field *h = conf_field(CP_HEALTH, f[i].key);

		XT_CHECK(h && h->type == f[i].type, "override %s: no health key of its type",
			 f[i].key);
	}
	for (int p = 0; p < CP_COUNT; p++) {
		if (p == CP_OVERRIDE) /* no defaults: a key left out follows the service */
			continue;
		f = conf_fields((enum conf_parent)p, &n);
		for (size_t i = 0; i < n; i++)
			if (f[i].type == CT_NUMBER || f[i].type == CT_DURATION_S ||
			    f[i].type == CT_DURATION_MS)
				XT_CHECK(f[i].def >= f[i].min && f[i].def <= f[i].max,
					 "%s: default %u outside %u..%u", f[i].key, f[i].def,
					 f[i].min, f[i].max);
	}
	return XT_PASS;
}

static const struct xt_case cases[] = {
	{ "full_every_key", t_full_every_key },
	{ "defaults", t_defaults },
	{ "service_defaults", t_service_defaults },
	{ "styles_equivalent", t_styles_equivalent },
	{ "exact_messages", t_exact_messages },
	{ "numbers_strict", t_numbers_strict },
	{ "ranges", t_ranges },
	{ "booleans_strict", t_booleans_strict },
	{ "announce", t_announce },
	{ "durations_in_file", t_durations_in_file },
	{ "parse_duration", t_parse_duration },
	{ "parse_mac", t_parse_mac },
	{ "gateway", t_gateway },
	{ "unknown_keys", t_unknown_keys },
	{ "duplicate_keys", t_duplicate_keys },
	{ "wrong_types", t_wrong_types },
	{ "yaml_features_refused", t_yaml_features_refused },
	{ "documents", t_documents },
	{ "syntax_and_encoding", t_syntax_and_encoding },
	{ "interfaces", t_interfaces },
	{ "interface_modes", t_interface_modes },
	{ "interface_modes_dump", t_interface_modes_dump },
	{ "values", t_values },
	{ "service_names", t_service_names },
	{ "state_dir", t_state_dir },
	{ "duplicate_service", t_duplicate_service },
	{ "duplicate_name", t_duplicate_name },
	{ "duplicate_backend", t_duplicate_backend },
	{ "tunnel_source_needed", t_tunnel_source_needed },
	{ "encap", t_encap },
	{ "table_size_prime", t_table_size_prime },
	{ "table_size_too_small", t_table_size_too_small },
	{ "service_limit", t_service_limit },
	{ "backend_limit", t_backend_limit },
	{ "first_error_wins", t_first_error_wins },
	{ "health_defaults", t_health_defaults },
	{ "health_every_key", t_health_every_key },
	{ "health_exact_messages", t_health_exact_messages },
	{ "health_wrong_type_keys", t_health_wrong_type_keys },
	{ "health_values", t_health_values },
	{ "parse_duration_ms", t_parse_duration_ms },
	{ "round_trip_full", t_round_trip_full },
	{ "round_trip_variants", t_round_trip_variants },
	{ "round_trip_large", t_round_trip_large },
	{ "round_trip_built", t_round_trip_built },
	{ "dump_refuses_bad_model", t_dump_refuses_bad_model },
	{ "health_round_trip", t_health_round_trip },
	{ "health_built", t_health_built },
	{ "backend_health", t_backend_health },
	{ "backend_health_errors", t_backend_health_errors },
	{ "backend_health_built", t_backend_health_built },
	{ "copy_independent", t_copy_independent },
	{ "find_service", t_find_service },
	{ "validate_built", t_validate_built },
	{ "long_strings", t_long_strings },
	{ "deep_nesting", t_deep_nesting },
	{ "garbage", t_garbage },
	{ "load_example", t_load_example },
	{ "load_errors", t_load_errors },
	{ "schema", t_schema },
};

int main(int argc, char **argv)
{
	return xt_run("unit/config", cases, sizeof(cases) / sizeof(cases[0]),
		      argc > 1 ? argv[1] : NULL);
}
