// SPDX-License-Identifier: GPL-2.0
/* stdenv.c - the standard test configuration: see stdenv.h. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include "stdenv.h"
#include "xlb_hash.h"

/* The standard services: id, VIP, port, proto, and the single backend of their table. */
struct std_service {
	uint32_t id;
	const char *vip;
	uint16_t port;
	uint8_t proto;
	uint32_t be_id; /* 0: empty table; UINT32_MAX: no table at all */
	const char *be_addr;
	uint8_t be_state;
};

static const struct std_service STD[] = {
	{ 1, "10.0.0.10", 80, IPPROTO_TCP, 1, "10.1.0.11", XLB_BE_UP },
	{ 2, "10.0.0.10", 53, IPPROTO_UDP, 2, "10.1.0.12", XLB_BE_UP },
	{ 3, "2001:db8::10", 80, IPPROTO_TCP, 3, "2001:db8:1::11", XLB_BE_UP },
	{ 4, "2001:db8::10", 53, IPPROTO_UDP, 4, "2001:db8:1::12", XLB_BE_UP },
	{ 5, "10.0.0.20", 0, IPPROTO_TCP, 5, "10.1.0.15", XLB_BE_UP },
	{ 6, "10.0.0.30", 80, IPPROTO_TCP, 6, "2001:db8:1::16", XLB_BE_UP },
	{ 7, "2001:db8::30", 80, IPPROTO_TCP, 7, "10.1.0.17", XLB_BE_UP },
	{ 8, "10.0.0.40", 80, IPPROTO_TCP, 0, NULL, 0 },
	{ 9, "10.0.0.50", 80, IPPROTO_TCP, UINT32_MAX, NULL, 0 },
	{ 11, "10.0.0.70", 80, IPPROTO_UDP, 13, "10.1.0.23", XLB_BE_DOWN },
	{ 12, "2001:db8::20", 0, IPPROTO_UDP, 14, "2001:db8:1::24", XLB_BE_UP },
};
#define NSTD (sizeof(STD) / sizeof(STD[0]))

/* Every VIP of STD; 10.0.0.20 (port-0 only) does not answer pings. */
static const struct {
	const char *addr;
	uint32_t flags;
} VIPS[] = {
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

struct xlb_config stdenv_config(void)
{
	struct xlb_config c = {
		.abi_version = XLB_ABI_VERSION,
		.flags = XLB_CFG_F_WILDCARD,
		.hash_seed = SEED,
		.mtu = 1500,
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

		if (s->be_id != UINT32_MAX) {
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
	for (size_t i = 0; i < sizeof(VIPS) / sizeof(VIPS[0]) && !err; i++)
		err = lbenv_set_vip(e, VIPS[i].addr, VIPS[i].flags);
	if (!err)
		err = lbenv_flush_conns(e);
	return err;
}

const char *stdenv_backend_addr(uint32_t id)
{
	for (size_t i = 0; i < NSTD; i++)
		if (STD[i].be_id == id)
			return STD[i].be_addr;
	return NULL;
}

uint32_t stdenv_flow_hash(const struct frame_spec *s, uint32_t seed)
{
	uint32_t src[4], dst[4];
	int fam = addr_parse(s->src, src);

	addr_parse(s->dst, dst);
	return xlb_flow_hash(seed, fam == 4 ? XLB_AF_INET : XLB_AF_INET6, src, dst, htons(s->sport),
			     htons(s->dport), s->proto);
}

int stdenv_is_backend(int family, const void *addr)
{
	for (size_t i = 0; i < NSTD; i++) {
		uint32_t a[4];

		if (!STD[i].be_addr || addr_parse(STD[i].be_addr, a) != family)
			continue;
		if (!memcmp(a, addr, family == 4 ? 4 : 16))
			return 1;
	}
	return 0;
}
