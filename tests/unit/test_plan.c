// SPDX-License-Identifier: GPL-2.0
/* test_plan.c - the planner (user/common/plan.c) without maps or privileges: the operations,
 * their order and their contents for adds, removals, a table-size change, a backend replaced
 * (and a freed id claimed by a disabled one), drain, adoption (a table kept or rebuilt),
 * fail-open, a plan of one service after a health change, a change that does not fit, and the
 * ABI's limits (4,096 services x 16 backends) planned whole and one backend at a time. Each plan
 * starts from the record the previous one left, as xlbd's state.c chains them. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plan.h"
#include "xt.h"

static struct plan P;
static struct plan_state *rec; /* what the maps hold, between plans */
static char err[XLB_CONF_ERR_MAX];
static const char *sick[4]; /* backend addresses failing their checks */
static int table_is_answer = -1; /* adopted tables: -1 not asked for, else 0/1 */
static unsigned table_is_calls;

/* One service "web" 10.0.0.10:80/tcp with table_size %u and the backend lines %s; a second
 * service "dns" [2001:db8::53]:53/udp with min_healthy %u and three backends. */
static const char *BASE = "interfaces: [lo]\n"
			  "tunnel_source: 192.0.2.1\n"
			  "tunnel_source_v6: 2001:db8:ff::1\n"
			  "services:\n"
			  "  - name: web\n"
			  "    vip: 10.0.0.10\n"
			  "    port: 80\n"
			  "    proto: tcp\n"
			  "    table_size: %u\n"
			  "    backends:\n%s"
			  "  - name: dns\n"
			  "    vip: 2001:db8::53\n"
			  "    port: 53\n"
			  "    proto: udp\n"
			  "    table_size: 307\n"
			  "    min_healthy: %u\n"
			  "    backends:\n"
			  "      - { address: 2001:db8:1::1 }\n"
			  "      - { address: 2001:db8:1::2 }\n"
			  "      - { address: 2001:db8:1::3 }\n";

static const char *TWO = "      - { address: 10.1.0.1 }\n"
			 "      - { address: 10.1.0.2, weight: 200 }\n";

static bool healthy(void *ctx, const struct xlb_service_ref *svc, const struct xlb_addr *a)
{
	char text[64];

	(void)ctx;
	(void)svc;
	xlb_addr_format(a, text, sizeof(text));
	for (size_t i = 0; i < sizeof(sick) / sizeof(sick[0]); i++)
		if (sick[i] && !strcmp(sick[i], text))
			return false;
	return true;
}

static bool table_is(void *ctx, __u32 svc_id, __u32 m, const struct maglev_backend *mb, size_t n)
{
	(void)ctx;
	(void)svc_id;
	(void)m;
	(void)mb;
	(void)n;
	table_is_calls++;
	return table_is_answer == 1;
}

static const char *resolved; /* the one l2 backend address whose MAC is known */

/* Its MAC: 02:00:00:00:00:NN with NN its last IPv4 byte. */
static bool l2_mac(void *ctx, const struct xlb_addr *a, __u8 mac[6])
{
	char text[64];

	(void)ctx;
	xlb_addr_format(a, text, sizeof(text));
	if (!resolved || strcmp(resolved, text))
		return false;
	memcpy(mac, "\x02\0\0\0\0", 5);
	mac[5] = ((const __u8 *)a->addr)[3];
	return true;
}

static const struct plan_runtime RT = {
	.hash_seed = 7,
	.gw_mac = { 2, 0, 0, 0, 0, 0xfe },
	.healthy = healthy,
	.table_is = table_is,
	.l2_mac = l2_mac,
};

/* The plan's operations as one letter each: C config, V/v VIP write/delete, S/X service
 * write/delete, s/b service/backend counters reset, B backend write, T/t table swap/delete. */
static const char *ops(void)
{
	static char buf[512];
	static const char LETTER[] = {
		[PLAN_CONFIG_WRITE] = 'C',
		[PLAN_SERVICE_WRITE] = 'S',
		[PLAN_SERVICE_DELETE] = 'X',
		[PLAN_VIP_WRITE] = 'V',
		[PLAN_VIP_DELETE] = 'v',
		[PLAN_BACKEND_WRITE] = 'B',
		[PLAN_SERVICE_COUNTERS_RESET] = 's',
		[PLAN_BACKEND_COUNTERS_RESET] = 'b',
		[PLAN_TABLE_SWAP] = 'T',
		[PLAN_TABLE_DELETE] = 't',
	};
	size_t i;

	for (i = 0; i < P.n_ops && i < sizeof(buf) - 1; i++)
		buf[i] = LETTER[P.ops[i].kind];
	buf[i] = '\0';
	return buf;
}

/* Plan conf text over rec (scope NULL: all of it); on success rec becomes the plan's record,
 * as a committed plan does. */
static int plan_text(const char *text, const struct plan_scope *scope, struct xlb_conf *keep)
{
	struct xlb_conf c;
	int ret = xlb_conf_parse(text, strlen(text), "test", &c, err, sizeof(err));

	if (ret)
		return ret;
	ret = plan_build(&P, rec, &c, &RT, scope, err, sizeof(err));
	if (!ret)
		memcpy(rec, P.next, sizeof(*rec));
	if (keep)
		*keep = c;
	else
		xlb_conf_free(&c);
	return ret;
}

static int plan_web(unsigned m, const char *backends, unsigned min_healthy)
{
	char *text;
	int ret;

	if (asprintf(&text, BASE, m, backends, min_healthy) < 0)
		return -1;
	ret = plan_text(text, NULL, NULL);
	free(text);
	return ret;
}

static int fresh(void)
{
	plan_free(&P);
	free(rec);
	rec = calloc(1, sizeof(*rec));
	memset(sick, 0, sizeof(sick));
	resolved = NULL;
	table_is_answer = -1;
	table_is_calls = 0;
	return rec && !plan_init(&P) ? 0 : -1;
}

/* The op of kind k at or after index from; NULL when none. */
static const struct plan_op *find_op(enum plan_op_kind k, size_t from)
{
	for (size_t i = from; i < P.n_ops; i++)
		if (P.ops[i].kind == k)
			return &P.ops[i];
	return NULL;
}

/* The backend id of address text in the record, 0 when it has none. */
static __u32 id_of(const char *text)
{
	struct xlb_addr a;

	if (xlb_addr_parse(text, &a))
		return 0;
	for (__u32 id = 1; id < XLB_MAX_BACKENDS; id++)
		if (plan_backend_used(rec, id) && rec->bes[id].family == a.family &&
		    !memcmp(rec->bes[id].addr, a.addr, sizeof(a.addr)))
			return id;
	return 0;
}

static int t_add_from_nothing(void)
{
	const struct plan_op *t;

	XT_EQ(fresh(), 0);
	XT_CHECK(plan_web(251, TWO, 0) == 0, "%s", err);
	/* Config, both VIPs, then per service: its counters, its backends' counters, the entries
	 * that are up, the table, and last the service entry. */
	XT_CHECK(!strcmp(ops(), "CVVsbbBBTSsbbbBBBTS"), "ops %s", ops());
	XT_EQ(P.ops[0].cfg.abi_version, XLB_ABI_VERSION);
	XT_EQ(P.ops[0].cfg.hash_seed, 7);
	/* conntrack.cross_cpu auto, and no virtual interface: flows stay on their CPU. */
	XT_EQ(P.ops[0].cfg.flags, XLB_CFG_F_CPU_LOCAL);
	t = find_op(PLAN_TABLE_SWAP, 0);
	XT_EQ(t->id, 0);
	XT_EQ(t->table.m, 251);
	XT_EQ(t->table.n, 2);
	XT_EQ(P.mb[t->table.first + 1].weight, 200);
	XT_EQ(P.ops[9].svc.val.id, 0);
	XT_EQ(P.ops[9].svc.val.table_size, 251);
	XT_EQ(P.stats.services_added, 2);
	XT_EQ(P.stats.tables_built, 2);
	XT_EQ(P.stats.vips_written, 2);
	XT_EQ(rec->bes[id_of("10.1.0.1")].generation, 1);
	XT_EQ(rec->bes[id_of("10.1.0.2")].state, XLB_BE_UP);
	XT_EQ(rec->n_vips, 2);
	/* The same again writes nothing. */
	XT_CHECK(plan_web(251, TWO, 0) == 0, "%s", err);
	XT_CHECK(!strcmp(ops(), ""), "ops %s", ops());
	XT_EQ(P.stats.tables_kept, 2);
	return XT_PASS;
}

static int t_remove_all(void)
{
	XT_EQ(fresh(), 0);
	XT_CHECK(plan_web(251, TWO, 0) == 0, "%s", err);
	XT_CHECK(plan_text("interfaces: [lo]\nservices: []\n", NULL, NULL) == 0, "%s", err);
	/* Config first, then per service: entry, table, backends marked down and freed; the
	 * VIPs after their services are gone. */
	XT_CHECK(!strcmp(ops(), "CXtBBXtBBBvv"), "ops %s", ops());
	XT_EQ(P.ops[3].be.state, XLB_BE_DOWN);
	XT_EQ(P.ops[3].be.svc_id, PLAN_SVC_NONE);
	XT_EQ(P.ops[3].be.generation, 1); /* kept: the next owner bumps it */
	XT_EQ(P.stats.services_removed, 2);
	XT_EQ(P.stats.backends_freed, 5);
	XT_EQ(P.stats.vips_removed, 2);
	XT_EQ(rec->n_vips, 0);
	XT_EQ(id_of("10.1.0.1"), 0);
	return XT_PASS;
}

static int t_table_size_moves_id(void)
{
	const struct plan_op *t;

	XT_EQ(fresh(), 0);
	XT_CHECK(plan_web(251, TWO, 0) == 0, "%s", err);
	XT_CHECK(plan_web(509, TWO, 0) == 0, "%s", err);
	/* A new id (2: 0 and 1 are taken) with new backend ids, its table, the entry naming it;
	 * then the old id's table and backends go. */
	XT_CHECK(!strcmp(ops(), "sbbBBTStBB"), "ops %s", ops());
	XT_EQ(P.ops[0].id, 2);
	t = find_op(PLAN_TABLE_SWAP, 0);
	XT_EQ(t->id, 2);
	XT_EQ(t->table.m, 509);
	XT_EQ(P.ops[6].svc.val.id, 2);
	XT_EQ(P.ops[7].id, 0);
	XT_EQ(P.stats.services_changed, 1);
	XT_EQ(rec->svcs[0].used, false);
	XT_EQ(rec->bes[id_of("10.1.0.1")].svc_id, 2);
	return XT_PASS;
}

static int t_backend_replaced(void)
{
	__u32 gone, kept;

	XT_EQ(fresh(), 0);
	XT_CHECK(plan_web(307, TWO, 0) == 0, "%s", err);
	gone = id_of("10.1.0.2");
	kept = id_of("10.1.0.1");
	XT_CHECK(plan_web(307, "      - { address: 10.1.0.1 }\n      - { address: 10.1.0.9 }\n",
			  0) == 0,
		 "%s", err);
	/* The newcomer is written before the table; the one that left is freed after it. */
	XT_CHECK(!strcmp(ops(), "bBTB"), "ops %s", ops());
	XT_EQ(P.ops[3].id, gone);
	XT_EQ(P.ops[3].be.state, XLB_BE_DOWN);
	XT_EQ(id_of("10.1.0.1"), kept);
	XT_CHECK(id_of("10.1.0.9") != gone, "a freed id is reused in the plan that freed it");
	/* The freed id's next owner gets the next generation. */
	XT_CHECK(plan_web(307,
			  "      - { address: 10.1.0.1 }\n      - { address: 10.1.0.9 }\n"
			  "      - { address: 10.1.0.7 }\n",
			  0) == 0,
		 "%s", err);
	XT_EQ(id_of("10.1.0.7"), gone);
	XT_EQ(rec->bes[gone].generation, 2);
	return XT_PASS;
}

/* A freed id claimed again by a backend that is disabled (so never up) is still written: the
 * map must learn its new owner and generation, even when the rest of the entry is as it was. */
static int t_claimed_disabled_written(void)
{
	const struct plan_op *w;
	__u32 gone;

	XT_EQ(fresh(), 0);
	XT_CHECK(plan_web(307, TWO, 0) == 0, "%s", err);
	gone = id_of("10.1.0.2");
	XT_CHECK(plan_web(307, "      - { address: 10.1.0.1 }\n", 0) == 0, "%s", err);
	XT_CHECK(plan_web(307,
			  "      - { address: 10.1.0.1 }\n"
			  "      - { address: 10.1.0.2, weight: 0, state: disabled }\n",
			  0) == 0,
		 "%s", err);
	w = find_op(PLAN_BACKEND_WRITE, 0);
	XT_CHECK(w != NULL, "ops %s", ops());
	XT_EQ(w->id, gone);
	XT_EQ(w->be.generation, 2);
	XT_EQ(w->be.svc_id, 0);
	XT_EQ(w->be.state, XLB_BE_DOWN);
	return XT_PASS;
}

static int t_drain_after_table(void)
{
	XT_EQ(fresh(), 0);
	XT_CHECK(plan_web(251, TWO, 0) == 0, "%s", err);
	XT_CHECK(plan_web(251,
			  "      - { address: 10.1.0.1 }\n"
			  "      - { address: 10.1.0.2, weight: 200, state: drain }\n",
			  0) == 0,
		 "%s", err);
	/* The table without it first, then its entry says drain (its flows stay). */
	XT_CHECK(!strcmp(ops(), "TB"), "ops %s", ops());
	XT_EQ(P.ops[0].table.n, 1);
	XT_EQ(P.ops[1].be.state, XLB_BE_DRAIN);
	return XT_PASS;
}

/* A backend's mode changes in place: one entry write, same id and generation (its flows
 * stay), the table kept. An l2 backend whose MAC is not resolved is out of the table like a
 * sick one, and comes in with its MAC once resolved. gue_port reaches xlb_config in network
 * order. */
static int t_encap_in_place(void)
{
	const struct plan_op *w;
	__u32 id, gen;

	XT_EQ(fresh(), 0);
	XT_CHECK(plan_web(251, TWO, 0) == 0, "%s", err);
	XT_EQ(P.ops[0].cfg.gue_port, htons(6080));
	id = id_of("10.1.0.2");
	gen = rec->bes[id].generation;
	XT_EQ(rec->bes[id].encap, XLB_ENCAP_IPIP);
	XT_CHECK(plan_web(251,
			  "      - { address: 10.1.0.1 }\n"
			  "      - { address: 10.1.0.2, weight: 200, encap: gue }\n",
			  0) == 0,
		 "%s", err);
	XT_CHECK(!strcmp(ops(), "B"), "ops %s", ops());
	XT_EQ(P.ops[0].id, id);
	XT_EQ(P.ops[0].be.encap, XLB_ENCAP_GUE);
	XT_EQ(P.ops[0].be.generation, gen);
	XT_EQ(P.ops[0].be.state, XLB_BE_UP);
	XT_EQ(P.stats.tables_kept, 2);

	/* To l2 with no MAC yet: out of the table first, then its entry (down, mode l2). */
	XT_CHECK(plan_web(251,
			  "      - { address: 10.1.0.1 }\n"
			  "      - { address: 10.1.0.2, weight: 200, encap: l2 }\n",
			  0) == 0,
		 "%s", err);
	XT_CHECK(!strcmp(ops(), "TB"), "ops %s", ops());
	XT_EQ(P.ops[0].table.n, 1);
	XT_EQ(P.ops[1].id, id);
	XT_EQ(P.ops[1].be.state, XLB_BE_DOWN);
	XT_EQ(P.ops[1].be.encap, XLB_ENCAP_L2);
	XT_EQ(P.ops[1].be.generation, gen);
	XT_EQ(rec->svcs[0].n_healthy, 1);

	/* Resolved: the entry with its MAC, up, before the table that has it again. */
	resolved = "10.1.0.2";
	XT_CHECK(plan_web(251,
			  "      - { address: 10.1.0.1 }\n"
			  "      - { address: 10.1.0.2, weight: 200, encap: l2 }\n",
			  0) == 0,
		 "%s", err);
	XT_CHECK(!strcmp(ops(), "BT"), "ops %s", ops());
	w = &P.ops[0];
	XT_EQ(w->be.state, XLB_BE_UP);
	XT_CHECK(!memcmp(w->be.mac, "\x02\0\0\0\0\x02", 6), "mac %02x:..:%02x", w->be.mac[0],
		 w->be.mac[5]);
	XT_EQ(w->be.generation, gen);
	XT_EQ(P.ops[1].table.n, 2);

	/* Back to ipip: the MAC is cleared, nothing else moves. */
	XT_CHECK(plan_web(251, TWO, 0) == 0, "%s", err);
	XT_CHECK(!strcmp(ops(), "B"), "ops %s", ops());
	XT_EQ(P.ops[0].be.encap, XLB_ENCAP_IPIP);
	XT_CHECK(!memcmp(P.ops[0].be.mac, "\0\0\0\0\0\0", 6), "mac kept");

	/* gue_port change: the config entry alone. */
	XT_CHECK(plan_text("interfaces: [lo]\ntunnel_source: 192.0.2.1\ngue_port: 7\nservices:\n"
			   "  - { name: web, vip: 10.0.0.10, port: 80, proto: tcp, table_size: 251,"
			   " backends: [{address: 10.1.0.1}, {address: 10.1.0.2, weight: 200}] }\n",
			   NULL, NULL) == 0,
		 "%s", err);
	XT_EQ(find_op(PLAN_CONFIG_WRITE, 0)->cfg.gue_port, htons(7));
	XT_EQ(id_of("10.1.0.2"), id);
	return XT_PASS;
}

static int t_adoption(void)
{
	XT_EQ(fresh(), 0);
	XT_CHECK(plan_web(251, TWO, 0) == 0, "%s", err);
	/* As after a restart: the tables' inputs are unknown. */
	for (int i = 0; i < XLB_MAX_SERVICES; i++)
		rec->svcs[i].inputs = 0;
	plan_state_adopted(rec);
	table_is_answer = 1;
	XT_CHECK(plan_web(251, TWO, 0) == 0, "%s", err);
	XT_CHECK(!strcmp(ops(), ""), "ops %s", ops());
	XT_EQ(table_is_calls, 2);
	XT_EQ(P.stats.tables_kept, 2);
	/* Known now: not asked again. */
	XT_CHECK(plan_web(251, TWO, 0) == 0, "%s", err);
	XT_EQ(table_is_calls, 2);
	/* A table in the map that is not what the inputs build is rebuilt. */
	for (int i = 0; i < XLB_MAX_SERVICES; i++)
		rec->svcs[i].inputs = 0;
	table_is_answer = 0;
	XT_CHECK(plan_web(251, TWO, 0) == 0, "%s", err);
	XT_CHECK(!strcmp(ops(), "TT"), "ops %s", ops());
	return XT_PASS;
}

static int t_fail_open(void)
{
	__u32 id1, id2, id3;
	int dns;
	struct xlb_svc_key k;
	struct xlb_service_ref ref = { .port = 53, .proto = 17 };

	XT_EQ(fresh(), 0);
	XT_CHECK(plan_web(251, TWO, 2) == 0, "%s", err);
	id1 = id_of("2001:db8:1::1");
	id2 = id_of("2001:db8:1::2");
	id3 = id_of("2001:db8:1::3");
	XT_EQ(xlb_addr_parse("2001:db8::53", &ref.vip), 0);
	plan_svc_key(&ref, &k);
	dns = plan_find_service(rec, &k);
	XT_CHECK(dns >= 0, "dns not planned");
	/* One of three sick, min_healthy 2: it goes down, table rebuilt without it. */
	sick[0] = "2001:db8:1::3";
	XT_CHECK(plan_web(251, TWO, 2) == 0, "%s", err);
	XT_CHECK(!strcmp(ops(), "TB"), "ops %s", ops());
	XT_EQ(rec->bes[id3].state, XLB_BE_DOWN);
	XT_EQ(rec->svcs[dns].fail_open, false);
	/* Two sick: below min_healthy, the last good table (::1 and ::2) is kept as it is. */
	sick[1] = "2001:db8:1::2";
	XT_CHECK(plan_web(251, TWO, 2) == 0, "%s", err);
	XT_CHECK(!strcmp(ops(), ""), "ops %s", ops());
	XT_EQ(rec->svcs[dns].fail_open, true);
	XT_EQ(rec->svcs[dns].n_healthy, 1);
	XT_EQ(rec->svcs[dns].n_good, 2);
	XT_EQ(rec->bes[id2].state, XLB_BE_UP);
	XT_EQ(rec->bes[id1].state, XLB_BE_UP);
	XT_EQ(rec->bes[id3].state, XLB_BE_DOWN);
	/* All healthy again: out of fail-open, ::3 back in. */
	memset(sick, 0, sizeof(sick));
	XT_CHECK(plan_web(251, TWO, 2) == 0, "%s", err);
	XT_CHECK(!strcmp(ops(), "BT"), "ops %s", ops());
	XT_EQ(rec->svcs[dns].fail_open, false);
	return XT_PASS;
}

static int t_health_scope(void)
{
	struct xlb_conf c;
	char *text;
	struct plan_scope scope = { 0 };
	struct xlb_service_ref refs[2];
	__u32 web_before;

	XT_EQ(fresh(), 0);
	XT_CHECK(asprintf(&text, BASE, 251, TWO, 0) > 0, "asprintf");
	XT_CHECK(plan_text(text, NULL, &c) == 0, "%s", err);
	free(text);
	web_before = rec->svcs[0].m;
	/* web's backend 10.1.0.2 fails: only web is planned (dns, VIPs, config untouched). */
	sick[0] = "10.1.0.2";
	refs[0] = c.services[0].ref;
	refs[1] = c.services[0].ref; /* named twice: planned once */
	scope.only = refs;
	scope.n_only = 2;
	XT_EQ(plan_build(&P, rec, &c, &RT, &scope, err, sizeof(err)), 0);
	XT_CHECK(!strcmp(ops(), "TB"), "ops %s", ops());
	XT_EQ(P.ops[0].id, 0);
	XT_EQ(P.ops[1].id, id_of("10.1.0.2"));
	XT_EQ(P.ops[1].be.state, XLB_BE_DOWN);
	memcpy(rec, P.next, sizeof(*rec));
	XT_EQ(rec->svcs[0].m, web_before);
	/* A scope naming the other service while web's view changed plans dns alone: nothing. */
	sick[0] = NULL;
	refs[0] = c.services[1].ref;
	scope.n_only = 1;
	XT_EQ(plan_build(&P, rec, &c, &RT, &scope, err, sizeof(err)), 0);
	XT_CHECK(!strcmp(ops(), ""), "ops %s", ops());
	xlb_conf_free(&c);
	return XT_PASS;
}

static int t_capacity_refused_whole(void)
{
	XT_EQ(fresh(), 0);
	XT_CHECK(plan_web(251, TWO, 0) == 0, "%s", err);
	/* Every other backend id held by web (address 0.0.0.0, as far as the record says): a
	 * change that needs one more id does not fit, and nothing is planned. */
	for (__u32 id = 1; id < XLB_MAX_BACKENDS; id++) {
		if (!plan_backend_used(rec, id)) {
			rec->bes[id].generation = 1;
			rec->bes[id].svc_id = 0;
		}
	}
	XT_EQ(plan_web(251, "      - { address: 10.1.0.1 }\n      - { address: 10.1.0.5 }\n", 0),
	      -ENOSPC);
	XT_CHECK(strstr(err, "backend table full: 1 new backends do not fit"), "%s", err);
	XT_EQ(P.n_ops, 0);
	/* Without the new address it fits: the ids web no longer names are freed. */
	XT_CHECK(plan_web(251, "      - { address: 10.1.0.1 }\n", 0) == 0, "%s", err);
	XT_EQ(P.stats.backends_freed, XLB_MAX_BACKENDS - 1 - 1 - 3);
	return XT_PASS;
}

/* The configuration of n services of 16 backends each (10.1.0.1..16 in every one), service
 * `skip` without its last backend; returned text to be freed. */
static char *many(int n, int skip)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	fputs("interfaces: [lo]\ntunnel_source: 192.0.2.1\nservices:\n", f);
	for (int i = 0; i < n; i++) {
		fprintf(f, "  - { vip: 10.0.%d.%d, port: 80, proto: tcp, table_size: 1601,\n",
			i / 256, i % 256);
		fputs("      backends: [", f);
		for (int b = 1; b <= (i == skip ? 15 : 16); b++)
			fprintf(f, "%s{ address: 10.1.0.%d }", b > 1 ? ", " : "", b);
		fputs("] }\n", f);
	}
	fclose(f);
	return buf;
}

/* The ABI's limits, 4,096 services x 16 backends = 65,536 pairs, are planned whole; a backend
 * removed from one of them plans that service alone; and all of it goes away. */
static int t_at_the_limits(void)
{
	char *text;
	int ret;

	XT_EQ(fresh(), 0);
	text = many(XLB_MAX_SERVICES, -1);
	XT_CHECK(text, "out of memory");
	ret = plan_text(text, NULL, NULL);
	free(text);
	XT_CHECK(ret == 0, "%s", err);
	XT_EQ(P.stats.services_added, 4096);
	XT_EQ(P.stats.backends_written, 65536);
	XT_EQ(P.stats.tables_built, 4096);
	XT_EQ(P.stats.vips_written, 4096);
	XT_EQ(P.n_mb, 65536);

	text = many(XLB_MAX_SERVICES, 2000);
	XT_CHECK(text, "out of memory");
	ret = plan_text(text, NULL, NULL);
	free(text);
	XT_CHECK(ret == 0, "%s", err);
	/* The table without 10.1.0.16, then its entry freed: nothing else. */
	XT_CHECK(!strcmp(ops(), "TB"), "ops %s", ops());
	XT_EQ(P.ops[0].id, 2000);
	XT_EQ(P.ops[0].table.n, 15);
	XT_EQ(P.stats.backends_freed, 1);
	XT_EQ(P.ops[1].be.svc_id, PLAN_SVC_NONE);

	XT_CHECK(plan_text("interfaces: [lo]\ntunnel_source: 192.0.2.1\nservices: []\n", NULL,
			   NULL) == 0,
		 "%s", err);
	XT_EQ(P.stats.services_removed, 4096);
	XT_EQ(P.stats.backends_freed, 65535);
	XT_EQ(P.stats.vips_removed, 4096);
	return XT_PASS;
}

/* conntrack.cross_cpu decides XLB_CFG_F_CPU_LOCAL: auto by whether an interface is virtual,
 * on and off whatever the interfaces. */
static int t_cross_cpu_flag(void)
{
	static const struct {
		const char *word;
		bool virt;
		__u32 flags;
	} cases[] = {
		{ "auto", false, XLB_CFG_F_CPU_LOCAL },
		{ "auto", true, 0 },
		{ "on", false, 0 },
		{ "on", true, 0 },
		{ "off", false, XLB_CFG_F_CPU_LOCAL },
		{ "off", true, XLB_CFG_F_CPU_LOCAL },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct plan_runtime rt = RT;
		struct xlb_conf c;
		char text[256];

		snprintf(text, sizeof(text),
			 "interfaces: [xst0]\nhash_seed: 7\nconntrack: { cross_cpu: %s }\n"
			 "services: []\n",
			 cases[i].word);
		XT_EQ(fresh(), 0);
		XT_CHECK(xlb_conf_parse(text, strlen(text), "test", &c, err, sizeof(err)) == 0,
			 "%s", err);
		rt.virtual_iface = cases[i].virt;
		XT_CHECK(plan_build(&P, rec, &c, &rt, NULL, err, sizeof(err)) == 0, "%s", err);
		xlb_conf_free(&c);
		XT_CHECK(P.n_ops && P.ops[0].kind == PLAN_CONFIG_WRITE, "case %zu: ops %s", i,
			 ops());
		XT_CHECK(P.ops[0].cfg.flags == cases[i].flags,
			 "cross_cpu %s, virtual %d: flags %#x", cases[i].word, cases[i].virt,
			 P.ops[0].cfg.flags);
	}
	return XT_PASS;
}

static const struct xt_case cases[] = {
	{ "cross_cpu_flag", t_cross_cpu_flag },
	{ "add_from_nothing", t_add_from_nothing },
	{ "remove_all", t_remove_all },
	{ "table_size_moves_id", t_table_size_moves_id },
	{ "backend_replaced", t_backend_replaced },
	{ "claimed_disabled_written", t_claimed_disabled_written },
	{ "drain_after_table", t_drain_after_table },
	{ "encap_in_place", t_encap_in_place },
	{ "adoption", t_adoption },
	{ "fail_open", t_fail_open },
	{ "health_scope", t_health_scope },
	{ "capacity_refused_whole", t_capacity_refused_whole },
	{ "at_the_limits", t_at_the_limits },
};

int main(int argc, char **argv)
{
	int ret = xt_run("unit/plan", cases, sizeof(cases) / sizeof(cases[0]),
			 argc > 1 ? argv[1] : NULL);

	plan_free(&P);
	free(rec);
	return ret;
}
