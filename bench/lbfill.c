// SPDX-License-Identifier: GPL-2.0
/* lbfill.c - the benchmarks' balancer configuration: see lbfill.h. */
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "frame.h"
#include "lbfill.h"
#include "maglev.h"

#define TABLE_M LBFILL_TABLE_M
#define BACKENDS_PER_SVC LBFILL_BACKENDS

/* Services as the daemon would install them: Maglev tables of 65537 slots, 10 backends. */
struct bsvc {
	uint32_t id;
	const char *vip;
	uint16_t port;
	uint8_t proto;
	int be_family; /* 4 or 6 */
	uint8_t encap; /* every backend's forwarding mode (enum xlb_encap) */
};

static const struct bsvc SERVICES[] = {
	{ 1, "10.0.0.10", 80, IPPROTO_TCP, 4, XLB_ENCAP_IPIP },
	{ 2, "10.0.0.10", 53, IPPROTO_UDP, 4, XLB_ENCAP_IPIP },
	{ 3, "2001:db8::10", 80, IPPROTO_TCP, 6, XLB_ENCAP_IPIP },
	{ 6, "10.0.0.30", 80, IPPROTO_TCP, 6, XLB_ENCAP_IPIP },
	{ 7, "2001:db8::30", 80, IPPROTO_TCP, 4, XLB_ENCAP_IPIP },
	{ 8, "10.0.0.40", 80, IPPROTO_TCP, 4, XLB_ENCAP_GUE },
	{ 9, "10.0.0.50", 80, IPPROTO_TCP, 6, XLB_ENCAP_GUE },
	{ 10, "10.0.0.60", 80, IPPROTO_TCP, 4, XLB_ENCAP_L2 },
};

int lbfill(struct lbenv *e)
{
	static uint32_t table[TABLE_M];
	struct xlb_config c = {
		.abi_version = XLB_ABI_VERSION,
		.hash_seed = 0x5eed1234,
		.mtu = 1500,
		.gue_port = htons(6080),
		.udp_idle_ticks = xlb_udp_idle_ticks(30),
	};
	uint32_t v4[4];
	int err;

	addr_parse("192.0.2.1", v4);
	c.src_v4 = v4[0];
	addr_parse("2001:db8:ff::1", c.src_v6);
	memcpy(c.gw_mac, MAC_GW, 6);
	err = lbenv_set_config(e, &c);
	for (size_t i = 0; i < sizeof(SERVICES) / sizeof(SERVICES[0]) && !err; i++) {
		const struct bsvc *s = &SERVICES[i];
		struct maglev_backend mb[BACKENDS_PER_SVC];

		for (uint32_t b = 0; b < BACKENDS_PER_SVC && !err; b++) {
			char addr[64];

			if (s->be_family == 4)
				snprintf(addr, sizeof(addr), "10.1.%u.%u", s->id, b + 1);
			else
				snprintf(addr, sizeof(addr), "2001:db8:1:%x::%x", s->id, b + 1);
			memset(&mb[b], 0, sizeof(mb[b]));
			mb[b].family = s->be_family == 4 ? XLB_AF_INET : XLB_AF_INET6;
			addr_parse(addr, mb[b].addr);
			mb[b].weight = 100;
			mb[b].id = s->id * 100 + b + 1;
			err = lbenv_set_backend(e, mb[b].id, addr, s->id, 1, XLB_BE_UP, 100);
			if (!err && s->encap) {
				uint8_t mac[6] = { 0x02, 0xbe, 0, 0, (uint8_t)s->id, (uint8_t)b };

				err = lbenv_set_backend_mode(e, mb[b].id, s->encap, mac);
			}
		}
		if (!err)
			err = maglev_build(mb, BACKENDS_PER_SVC, table, TABLE_M);
		if (!err)
			err = lbenv_set_table(e, s->id, table, TABLE_M);
		if (!err)
			err = lbenv_set_service(e, s->vip, s->port, s->proto, s->id, TABLE_M);
	}
	return err;
}
