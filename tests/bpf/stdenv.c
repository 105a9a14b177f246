// SPDX-License-Identifier: GPL-2.0
/* stdenv.c - the standard test configuration: see stdenv.h. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#include "stdenv.h"
#include "xlb_hash.h"
#include "../vectors/known_answers.h"

/* The standard services: id, VIP, port, proto, and their table. Most take backends, weights
 * and slots from a known-answer vector (tests/vectors/known_answers.h), so a fixture's backend
 * is the one an independent model of Maglev puts in slot hash % STD_M. The rest have one
 * backend in every slot (be_id), an empty table (be_id 0) or no table (be_id UINT32_MAX). */
struct std_service {
	uint32_t id;
	const char *vip;
	uint16_t port;
	uint8_t proto;
	const char *known; /* name of the KA_TABLES vector, or NULL */
	uint32_t be_id;
	const char *be_addr;
	uint8_t be_state;
};

static const struct std_service STD[] = {
	{ 1, "10.0.0.10", 80, IPPROTO_TCP, "std_tcp4", 0, NULL, 0 },
	{ 2, "10.0.0.10", 53, IPPROTO_UDP, "std_udp4", 0, NULL, 0 },
	{ 3, "2001:db8::10", 80, IPPROTO_TCP, "std_tcp6", 0, NULL, 0 },
	{ 4, "2001:db8::10", 53, IPPROTO_UDP, "std_udp6", 0, NULL, 0 },
	{ 5, "10.0.0.20", 0, IPPROTO_TCP, "std_port0_v4", 0, NULL, 0 },
	{ 6, "10.0.0.30", 80, IPPROTO_TCP, "std_4in6", 0, NULL, 0 },
	{ 7, "2001:db8::30", 80, IPPROTO_TCP, "std_6in4", 0, NULL, 0 },
	{ 8, "10.0.0.40", 80, IPPROTO_TCP, NULL, 0, NULL, 0 },
	{ 9, "10.0.0.50", 80, IPPROTO_TCP, NULL, UINT32_MAX, NULL, 0 },
	{ 11, "10.0.0.70", 80, IPPROTO_UDP, NULL, 13, "10.1.0.23", XLB_BE_DOWN },
	{ 12, "2001:db8::20", 0, IPPROTO_UDP, "std_port0_v6", 0, NULL, 0 },
};
#define NSTD (sizeof(STD) / sizeof(STD[0]))
#define NKA (sizeof(KA_TABLES) / sizeof(KA_TABLES[0]))

const struct ka_table *stdenv_known_table(const char *name)
{
	for (size_t i = 0; name && i < NKA; i++)
		if (!strcmp(KA_TABLES[i].name, name))
			return &KA_TABLES[i];
	return NULL;
}

static const struct std_service *std_service(uint32_t svc_id)
{
	for (size_t i = 0; i < NSTD; i++)
		if (STD[i].id == svc_id)
			return &STD[i];
	return NULL;
}

/* The slots of vector t as a table of ids; -EINVAL unless it lists all STD_M slots. */
static int known_slots(const struct ka_table *t, uint32_t ids[STD_M])
{
	if (!t || t->m != STD_M || t->nslots != STD_M)
		return -EINVAL;
	for (uint32_t i = 0; i < STD_M; i++) {
		if (t->slots[i].slot >= STD_M)
			return -EINVAL;
		ids[t->slots[i].slot] = t->slots[i].id;
	}
	return 0;
}

int stdenv_set_known_table(struct lbenv *e, uint32_t svc_id, const char *name)
{
	const struct ka_table *t = stdenv_known_table(name);
	uint32_t ids[STD_M];
	int err = known_slots(t, ids);

	for (uint32_t i = 0; !err && i < t->nbackends; i++)
		err = lbenv_set_backend(e, t->backends[i].id, t->backends[i].addr, svc_id, 1,
					t->backends[i].weight ? XLB_BE_UP : XLB_BE_DRAIN,
					(uint16_t)t->backends[i].weight);
	return err ? err : lbenv_set_table(e, svc_id, ids, STD_M);
}

uint32_t stdenv_known_pick(const char *name, uint32_t hash)
{
	uint32_t ids[STD_M];

	return known_slots(stdenv_known_table(name), ids) ? 0 : ids[hash % STD_M];
}

uint32_t stdenv_table_pick(uint32_t svc_id, uint32_t hash)
{
	const struct std_service *s = std_service(svc_id);

	if (!s || s->be_id == UINT32_MAX)
		return 0;
	return s->known ? stdenv_known_pick(s->known, hash) : s->be_id;
}

const struct stdenv_vip STDENV_VIPS[] = {
	{ "10.0.0.10", XLB_VIP_F_ECHO },
	{ "2001:db8::10", XLB_VIP_F_ECHO },
	{ "10.0.0.20", 0 },
	{ "10.0.0.30", XLB_VIP_F_ECHO },
	{ "2001:db8::30", XLB_VIP_F_ECHO },
	{ "10.0.0.40", 0 },
	{ "10.0.0.50", 0 },
	{ "10.0.0.70", 0 },
	{ "2001:db8::20", 0 },
};
const size_t STDENV_NVIPS = sizeof(STDENV_VIPS) / sizeof(STDENV_VIPS[0]);

struct xlb_config stdenv_config(void)
{
	struct xlb_config c = {
		.abi_version = XLB_ABI_VERSION,
		.flags = XLB_CFG_F_WILDCARD,
		.hash_seed = SEED,
		.mtu = 1500,
		.gue_port = htons(6080),
		.udp_idle_ticks = xlb_udp_idle_ticks(30),
	};
	uint32_t v4[4];

	addr_parse(SRC4, v4);
	c.src_v4 = v4[0];
	addr_parse(SRC6, c.src_v6);
	memcpy(c.gw_mac, MAC_GW, 6);
	return c;
}

int stdenv_setup(struct lbenv *e)
{
	struct xlb_config c = stdenv_config();
	int err = lbenv_set_config(e, &c);

	for (size_t i = 0; i < NSTD && !err; i++) {
		const struct std_service *s = &STD[i];
		uint32_t ids[STD_M];

		if (s->known) {
			err = stdenv_set_known_table(e, s->id, s->known);
		} else if (s->be_id != UINT32_MAX) {
			for (int j = 0; j < STD_M; j++)
				ids[j] = s->be_id;
			err = lbenv_set_table(e, s->id, ids, STD_M);
		}
		if (!err && s->be_addr)
			err = lbenv_set_backend(e, s->be_id, s->be_addr, s->id, 1, s->be_state,
						100);
		if (!err)
			err = lbenv_set_service(e, s->vip, s->port, s->proto, s->id, STD_M);
	}
	for (size_t i = 0; i < STDENV_NVIPS && !err; i++)
		err = lbenv_set_vip(e, STDENV_VIPS[i].addr, STDENV_VIPS[i].flags);
	if (!err)
		err = lbenv_flush_conns(e);
	return err;
}

/* Every standard backend, from the vectors the services use and the single-backend ones. */
static const char *backend_addr(uint32_t id)
{
	for (size_t i = 0; i < NSTD; i++) {
		const struct ka_table *t = stdenv_known_table(STD[i].known);

		if (!t && STD[i].be_addr && STD[i].be_id == id)
			return STD[i].be_addr;
		for (uint32_t j = 0; t && j < t->nbackends; j++)
			if (t->backends[j].id == id)
				return t->backends[j].addr;
	}
	return NULL;
}

const char *stdenv_backend_addr(uint32_t id)
{
	return id ? backend_addr(id) : NULL;
}

/* Hash function fn (xlb_flow_hash or xlb_conn_hash) of the flow s describes. */
static uint32_t spec_hash(uint32_t (*fn)(uint32_t, uint8_t, const uint32_t *, const uint32_t *,
					 uint16_t, uint16_t, uint8_t),
			  const struct frame_spec *s, uint32_t seed)
{
	uint32_t src[4], dst[4];
	int fam = addr_parse(s->src, src);

	addr_parse(s->dst, dst);
	return fn(seed, fam == 4 ? XLB_AF_INET : XLB_AF_INET6, src, dst, htons(s->sport),
		  htons(s->dport), s->proto);
}

uint32_t stdenv_flow_hash(const struct frame_spec *s, uint32_t seed)
{
	return spec_hash(xlb_flow_hash, s, seed);
}

uint32_t stdenv_conn_hash(const struct frame_spec *s, uint32_t seed)
{
	return spec_hash(xlb_conn_hash, s, seed);
}

static int same_addr(const char *text, int family, const void *addr)
{
	uint32_t a[4];

	return text && addr_parse(text, a) == family && !memcmp(a, addr, family == 4 ? 4 : 16);
}

int stdenv_is_backend(int family, const void *addr)
{
	for (size_t i = 0; i < NSTD; i++) {
		const struct ka_table *t = stdenv_known_table(STD[i].known);

		if (same_addr(STD[i].be_addr, family, addr))
			return 1;
		for (uint32_t j = 0; t && j < t->nbackends; j++)
			if (same_addr(t->backends[j].addr, family, addr))
				return 1;
	}
	return 0;
}
