// SPDX-License-Identifier: GPL-2.0
/* fuzzenv.c - the frame fuzzer's environment: see fuzzenv.h. */
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <bpf/bpf.h>

#include "frame.h"
#include "fuzzenv.h"
#include "stdenv.h"

/* The services: VIPs and ports of the fuzz corpus, M primes of several sizes. */
static const struct {
	uint32_t id;
	const char *vip;
	uint16_t port;
	uint8_t proto;
	uint32_t m;
	int table; /* 0: no table at all; 1: filled from its backends; 2: installed but empty */
} SVCS[] = {
	{ 1, "10.0.0.10", 80, IPPROTO_TCP, 13, 1 },    { 2, "10.0.0.10", 53, IPPROTO_UDP, 7, 1 },
	{ 3, "2001:db8::10", 80, IPPROTO_TCP, 11, 1 }, { 4, "2001:db8::10", 53, IPPROTO_UDP, 7, 1 },
	{ 5, "10.0.0.20", 0, IPPROTO_TCP, 7, 1 },      { 6, "10.0.0.30", 80, IPPROTO_TCP, 7, 1 },
	{ 7, "2001:db8::30", 80, IPPROTO_TCP, 7, 1 },  { 8, "10.0.0.40", 80, IPPROTO_TCP, 7, 2 },
	{ 9, "10.0.0.50", 80, IPPROTO_TCP, 7, 0 },     { 11, "10.0.0.70", 80, IPPROTO_UDP, 7, 1 },
	{ 12, "2001:db8::20", 0, IPPROTO_UDP, 11, 1 },
};
#define NSVCS (sizeof(SVCS) / sizeof(SVCS[0]))

/* The backends: every encapsulation (4in4, 6in6, 4in6, 6in4), a drain and a down one. */
static const struct {
	uint32_t id, svc;
	const char *addr;
	uint8_t state;
	uint16_t weight;
} BES[] = {
	{ 1, 1, "10.1.0.11", XLB_BE_UP, 100 },	      { 2, 1, "10.1.0.12", XLB_BE_UP, 50 },
	{ 3, 1, "2001:db8:1::13", XLB_BE_UP, 100 },   { 4, 1, "10.1.0.14", XLB_BE_DRAIN, 0 },
	{ 5, 2, "10.1.0.12", XLB_BE_UP, 100 },	      { 6, 2, "2001:db8:1::16", XLB_BE_UP, 100 },
	{ 7, 3, "2001:db8:1::11", XLB_BE_UP, 100 },   { 8, 3, "2001:db8:1::12", XLB_BE_UP, 30 },
	{ 9, 3, "10.1.0.19", XLB_BE_UP, 100 },	      { 10, 4, "2001:db8:1::12", XLB_BE_UP, 100 },
	{ 11, 4, "10.1.0.21", XLB_BE_UP, 100 },	      { 12, 5, "10.1.0.15", XLB_BE_UP, 100 },
	{ 13, 5, "10.1.0.16", XLB_BE_UP, 100 },	      { 14, 6, "2001:db8:1::16", XLB_BE_UP, 100 },
	{ 15, 6, "2001:db8:1::17", XLB_BE_UP, 100 },  { 16, 7, "10.1.0.17", XLB_BE_UP, 100 },
	{ 17, 7, "10.1.0.18", XLB_BE_UP, 100 },	      { 18, 11, "10.1.0.23", XLB_BE_DOWN, 100 },
	{ 19, 12, "2001:db8:1::24", XLB_BE_UP, 100 }, { 20, 12, "10.1.0.25", XLB_BE_UP, 100 },
};
#define NBES (sizeof(BES) / sizeof(BES[0]))

/* The VIPs and their flags are the standard environment's (STDENV_VIPS, stdenv.h). */

/* The backends' entries as both sides have them now. */
static struct xlb_backend be_now[NBES];

static uint32_t rnd(struct fuzzenv *e, uint32_t n)
{
	return n ? (uint32_t)(e->rng() % n) : 0;
}

static uint8_t family_of(const char *addr, uint32_t out[4])
{
	return addr_parse(addr, out) == 4 ? XLB_AF_INET : XLB_AF_INET6;
}

static int put(int fd, const void *k, const void *v)
{
	return bpf_map_update_elem(fd, k, v, BPF_ANY) ? -errno : 0;
}

static int set_config(struct fuzzenv *e, const struct xlb_config *c)
{
	int err = lbenv_set_config(&e->lb, c);

	if (!err)
		err = model_set_config(e->model, c);
	if (!err)
		e->cfg = *c;
	return err;
}

static struct xlb_config standard_config(void)
{
	struct xlb_config c = {
		.abi_version = XLB_ABI_VERSION,
		.flags = XLB_CFG_F_WILDCARD,
		.hash_seed = FUZZ_SEED,
		.mtu = 1500,
		.gue_port = htons(6080),
		.udp_idle_ticks = 1,
	};
	uint32_t a[4];

	addr_parse(FUZZ_SRC4, a);
	c.src_v4 = a[0];
	addr_parse(FUZZ_SRC6, c.src_v6);
	memcpy(c.gw_mac, MAC_GW, 6);
	return c;
}

static int set_backend(struct fuzzenv *e, size_t i, const struct xlb_backend *b)
{
	int err = put(e->lb.be_fd, &BES[i].id, b);

	if (!err)
		err = model_set_backend(e->model, BES[i].id, b);
	if (!err)
		be_now[i] = *b;
	return err;
}

static int set_table(struct fuzzenv *e, uint32_t svc, const uint32_t *ids, uint32_t m)
{
	int err = lbenv_set_table(&e->lb, svc, ids, m);

	return err ? err : model_set_table(e->model, svc, ids, m);
}

static int del_table(struct fuzzenv *e, uint32_t svc)
{
	int err = lbenv_del_table(&e->lb, svc);

	/* Removing a table that is already gone changes nothing, on either side. */
	return err && err != -ENOENT ? err : model_del_table(e->model, svc);
}

/* Fill service s's table: each slot a random up backend of the service (the standard), or,
 * when wild, any backend of the service whatever its state, now and then an empty slot or
 * another service's backend. */
static int fill_table(struct fuzzenv *e, size_t s, int wild)
{
	uint32_t ids[32], cand[NBES], n = 0;

	for (size_t i = 0; i < NBES; i++)
		if (BES[i].svc == SVCS[s].id && (wild || BES[i].state == XLB_BE_UP))
			cand[n++] = BES[i].id;
	for (uint32_t k = 0; k < SVCS[s].m; k++) {
		uint32_t r = rnd(e, 16);

		if (SVCS[s].table == 2 || !n || (wild && r == 0))
			ids[k] = XLB_BACKEND_NONE;
		else if (wild && r == 1)
			ids[k] = BES[rnd(e, NBES)].id;
		else
			ids[k] = cand[rnd(e, n)];
	}
	return set_table(e, SVCS[s].id, ids, SVCS[s].m);
}

/* A random forwarding mode for backend id: IP-in-IP, GUE or L2 (MAC FUZZ_BE_MAC with the id
 * as last byte), now and then a mode value no writer uses. */
static void set_mode(struct fuzzenv *e, struct xlb_backend *b, uint32_t id)
{
	static const uint8_t mac[6] = { FUZZ_BE_MAC };

	b->encap = (uint8_t)(rnd(e, 32) ? rnd(e, 3) : 3 + rnd(e, 253));
	memset(b->mac, 0, sizeof(b->mac));
	if (b->encap == XLB_ENCAP_L2) {
		memcpy(b->mac, mac, 6);
		b->mac[5] = (uint8_t)id;
	}
}

int fuzzenv_setup(struct fuzzenv *e)
{
	struct xlb_config c = standard_config();
	int err;

	e->model = model_new(1 << 16);
	if (!e->model)
		return -ENOMEM;
	/* The model's table has the program's shape; the fuzzer runs every frame on LBENV_CPU. */
	err = model_set_conns(e->model, (uint32_t)e->lb.ncpus, e->lb.conn_buckets, LBENV_CPU);
	if (!err)
		err = set_config(e, &c);
	for (size_t i = 0; i < NBES && !err; i++) {
		struct xlb_backend b = {
			.svc_id = BES[i].svc,
			.generation = 1,
			.state = BES[i].state,
			.weight = BES[i].weight,
		};

		b.family = family_of(BES[i].addr, b.addr);
		set_mode(e, &b, BES[i].id);
		err = set_backend(e, i, &b);
	}
	for (size_t s = 0; s < NSVCS && !err; s++) {
		struct xlb_svc_key k;
		struct xlb_svc v = { .id = SVCS[s].id, .table_size = SVCS[s].m };

		if (SVCS[s].table)
			err = fill_table(e, s, 0);
		memset(&k, 0, sizeof(k));
		k.family = family_of(SVCS[s].vip, k.addr);
		k.port = htons(SVCS[s].port);
		k.proto = SVCS[s].proto;
		if (!err)
			err = put(e->lb.svc_fd, &k, &v);
		if (!err)
			err = model_set_service(e->model, &k, &v);
	}
	for (size_t i = 0; i < STDENV_NVIPS && !err; i++) {
		struct xlb_vip_key k;
		struct xlb_vip v = { .flags = STDENV_VIPS[i].flags };

		memset(&k, 0, sizeof(k));
		k.family = family_of(STDENV_VIPS[i].addr, k.addr);
		err = put(e->lb.vips_fd, &k, &v);
		if (!err)
			err = model_set_vip(e->model, &k, &v);
	}
	return err ? err : fuzzenv_flush(e);
}

/* A config with one or more knobs away from the standard. */
static struct xlb_config random_config(struct fuzzenv *e)
{
	static const uint16_t MTUS[] = { 1500, 1500, 1400, 1320, 1319, 1300, 1280, 600, 100, 0 };
	static const uint32_t IDLE[] = { 0, 1, 2, 28 };
	struct xlb_config c = e->cfg;

	switch (rnd(e, 8)) {
	case 0:
		c.mtu = MTUS[rnd(e, sizeof(MTUS) / sizeof(MTUS[0]))];
		break;
	case 7:
		c.gue_port = rnd(e, 4) ? htons((uint16_t)(1 + rnd(e, 65535))) : 0;
		break;
	case 1:
		c.rss_bits_v4 = (uint8_t)rnd(e, 17);
		c.rss_bits_v6 = (uint8_t)rnd(e, 33);
		break;
	case 2:
		c.src_v4 = c.src_v4 ? 0 : standard_config().src_v4;
		break;
	case 3:
		if (c.src_v6[0])
			memset(c.src_v6, 0, sizeof(c.src_v6));
		else
			memcpy(c.src_v6, standard_config().src_v6, sizeof(c.src_v6));
		break;
	case 4:
		c.flags ^= rnd(e, 2) ? XLB_CFG_F_WILDCARD : XLB_CFG_F_CPU_LOCAL;
		break;
	case 5:
		c.udp_idle_ticks = IDLE[rnd(e, 4)];
		break;
	default:
		c.hash_seed = (uint32_t)e->rng();
		break;
	}
	return c;
}

int fuzzenv_change(struct fuzzenv *e, const char **what)
{
	size_t i = rnd(e, NBES), s = rnd(e, NSVCS);
	struct xlb_backend b = be_now[i];
	struct xlb_config c;

	switch (rnd(e, 9)) {
	case 8:
		*what = "backend forwarding mode";
		set_mode(e, &b, BES[i].id);
		return set_backend(e, i, &b);
	case 0:
		*what = "backend state";
		b.state = (uint8_t)rnd(e, 3);
		return set_backend(e, i, &b);
	case 1:
		*what = "backend id reassigned (generation)";
		b.generation++;
		return set_backend(e, i, &b);
	case 2:
		*what = "backend id moved to another service";
		b.svc_id = SVCS[rnd(e, NSVCS)].id;
		b.generation++;
		return set_backend(e, i, &b);
	case 3:
		*what = "table refilled";
		return SVCS[s].table ? fill_table(e, s, 1) : 0;
	case 4:
		*what = "table removed or restored";
		if (!SVCS[s].table)
			return 0;
		return rnd(e, 2) ? del_table(e, SVCS[s].id) : fill_table(e, s, 0);
	case 5: {
		struct xlb_vip_key k;
		struct xlb_vip v = { .flags = rnd(e, 2) ? XLB_VIP_F_ECHO : 0 };
		int err;

		*what = "VIP echo flag";
		memset(&k, 0, sizeof(k));
		k.family = family_of(STDENV_VIPS[i % STDENV_NVIPS].addr, k.addr);
		err = put(e->lb.vips_fd, &k, &v);
		return err ? err : model_set_vip(e->model, &k, &v);
	}
	case 6:
		*what = "config knob";
		c = random_config(e);
		return set_config(e, &c);
	default: { /* back to the standard, so that most frames meet a working balancer */
		int err;

		*what = "standard config, backends and tables";
		c = standard_config();
		err = set_config(e, &c);
		for (size_t k = 0; k < NBES && !err; k++) {
			b = be_now[k];
			b.state = BES[k].state;
			b.svc_id = BES[k].svc;
			err = set_backend(e, k, &b);
		}
		for (size_t k = 0; k < NSVCS && !err; k++)
			if (SVCS[k].table)
				err = fill_table(e, k, 0);
		return err;
	}
	}
}

static int flush_map(int fd, void *key)
{
	/* Deleting the key just read: get_next_key(NULL) restarts at whatever is left. */
	while (!bpf_map_get_next_key(fd, NULL, key))
		if (bpf_map_delete_elem(fd, key))
			return -errno;
	return 0;
}

int fuzzenv_flush(struct fuzzenv *e)
{
	struct xlb_frag_key fk;
	int err = lbenv_flush_conns(&e->lb);

	if (!err)
		err = flush_map(e->lb.frags_fd, &fk);
	model_flush_flows(e->model);
	return err;
}

int fuzzenv_is_backend(int family, const void *addr)
{
	for (size_t i = 0; i < NBES; i++) {
		uint32_t a[4];

		if (addr_parse(BES[i].addr, a) != family)
			continue;
		if (!memcmp(a, addr, family == 4 ? 4 : 16))
			return 1;
	}
	return 0;
}
