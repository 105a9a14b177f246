/* SPDX-License-Identifier: GPL-2.0 */
/* known_answers.h - known-answer vectors of the flow hash and of weighted Maglev tables,
 * printed by tests/vectors/known_answers.py from its own model of the algorithms (not by
 * the C code). GENERATED: do not edit; run the script. make check fails when they differ.
 * A change here is a breaking change for mixed-version ECMP groups (docs/datapath.md). */
#ifndef XLB_KNOWN_ANSWERS_H
#define XLB_KNOWN_ANSWERS_H

#include <stdint.h>

/* One flow: ports and proto in host order, addresses as text. */
struct ka_flow {
	uint32_t seed;
	const char *src, *dst;
	uint16_t sport, dport;
	uint8_t proto;
	uint32_t hash; /* xlb_flow_hash() */
	uint32_t conn_hash; /* xlb_conn_hash() */
	const char *what;
};

static const struct ka_flow KA_FLOWS[] = {
	{ 0x5eed1234, "198.51.100.7", "10.0.0.10", 40000, 80, 6, 0xd3beb50c, 0x3f39c96b,
	  "IPv4 TCP, standard client" },
	{ 0x5eed1234, "198.51.100.7", "10.0.0.10", 40001, 53, 17, 0x97a41918, 0x12034e3c,
	  "IPv4 UDP" },
	{ 0x5eed1234, "198.51.100.7", "10.0.0.20", 40000, 443, 6, 0xba53a6c7, 0xb8b11033,
	  "IPv4 to a port-0 service" },
	{ 0x5eed1234, "2001:db8:c::7", "2001:db8::10", 40002, 80, 6, 0x09f16209, 0xb14e2893,
	  "IPv6 TCP" },
	{ 0x5eed1234, "2001:db8:c::7", "2001:db8::10", 40003, 53, 17, 0xb25c79cc, 0x83bc7c3c,
	  "IPv6 UDP" },
	{ 0x5eed1234, "2001:db8:c::7", "2001:db8::20", 40003, 5353, 17, 0x0f7967dd, 0x6c2be4aa,
	  "IPv6 to a port-0 service" },
	{ 0x00000000, "0.0.0.0", "0.0.0.0", 0, 0, 0, 0x459e78aa, 0xac51302d, "IPv4 all zero" },
	{ 0xffffffff, "255.255.255.255", "255.255.255.255", 65535, 65535, 255, 0xa383a4b8,
	  0x0de988a6, "IPv4 all ones" },
	{ 0x00000000, "::", "::", 0, 0, 0, 0x129da5d0, 0x7b1df0e5, "IPv6 all zero" },
	{ 0x12345678, "fe80::1:2:3:4", "2001:db8:ffff::abcd", 1, 65534, 6, 0xeaaf55b8, 0xa105d1c3,
	  "IPv6 every word set" },
	{ 0x5eed1234, "10.0.0.10", "198.51.100.7", 80, 40000, 6, 0x7328849d, 0xd1708a14,
	  "IPv4 reply direction" },
	{ 0x5eed1234, "198.51.100.7", "10.0.0.10", 80, 40000, 6, 0x6a50cc33, 0x120eb4b5,
	  "IPv4 ports swapped" },
};

struct ka_backend {
	const char *addr;
	uint32_t weight, id;
};

struct ka_slot {
	uint32_t slot, id;
};

/* One table: the backends, the fingerprint of the whole table, each backend's slot count
 * (in the order of backends[]), and the slots listed (all of them when m is 7). */
struct ka_table {
	const char *name, *what;
	uint32_t m;
	uint32_t nbackends;
	struct ka_backend backends[8];
	uint64_t fingerprint;
	uint32_t owned[8];
	uint32_t nslots;
	struct ka_slot slots[8];
};

static const struct ka_table KA_TABLES[] = {
	{
		.name = "std_tcp4",
		.what = "standard service 1: three IPv4 backends, weights 1:2:1",
		.m = 7,
		.nbackends = 3,
		.backends = {
			{ "10.1.0.11", 1, 1 },
			{ "10.1.1.51", 2, 51 },
			{ "10.1.1.61", 1, 61 },
		},
		.fingerprint = 0xeab0771d2b167357ULL,
		.owned = { 2, 4, 1 },
		.nslots = 7,
		.slots = { { 0, 51 }, { 1, 51 }, { 2, 1 }, { 3, 1 }, { 4, 51 }, { 5, 51 }, { 6, 61 } },
	},
	{
		.name = "std_tcp4_less_51",
		.what = "standard service 1 with 10.1.1.51 drained (weight 0)",
		.m = 7,
		.nbackends = 3,
		.backends = {
			{ "10.1.0.11", 1, 1 },
			{ "10.1.1.51", 0, 51 },
			{ "10.1.1.61", 1, 61 },
		},
		.fingerprint = 0x668cc54b07267f13ULL,
		.owned = { 4, 0, 3 },
		.nslots = 7,
		.slots = { { 0, 1 }, { 1, 61 }, { 2, 1 }, { 3, 61 }, { 4, 1 }, { 5, 1 }, { 6, 61 } },
	},
	{
		.name = "std_udp4",
		.what = "standard service 2: two IPv4 backends, equal weights",
		.m = 7,
		.nbackends = 2,
		.backends = {
			{ "10.1.0.12", 1, 2 },
			{ "10.1.1.52", 1, 52 },
		},
		.fingerprint = 0x6f91151ac57193e3ULL,
		.owned = { 4, 3 },
		.nslots = 7,
		.slots = { { 0, 52 }, { 1, 2 }, { 2, 2 }, { 3, 2 }, { 4, 52 }, { 5, 52 }, { 6, 2 } },
	},
	{
		.name = "std_tcp6",
		.what = "standard service 3: three IPv6 backends, weights 3:1:2",
		.m = 7,
		.nbackends = 3,
		.backends = {
			{ "2001:db8:1::11", 3, 3 },
			{ "2001:db8:1:1::53", 1, 53 },
			{ "2001:db8:1:1::63", 2, 63 },
		},
		.fingerprint = 0x0ad6dbd48e311cf9ULL,
		.owned = { 4, 1, 2 },
		.nslots = 7,
		.slots = { { 0, 3 }, { 1, 63 }, { 2, 53 }, { 3, 3 }, { 4, 3 }, { 5, 3 }, { 6, 63 } },
	},
	{
		.name = "std_udp6",
		.what = "standard service 4: two IPv6 backends, weights 1:2",
		.m = 7,
		.nbackends = 2,
		.backends = {
			{ "2001:db8:1::12", 1, 4 },
			{ "2001:db8:1:1::54", 2, 54 },
		},
		.fingerprint = 0xbd8c7686742a161bULL,
		.owned = { 2, 5 },
		.nslots = 7,
		.slots = { { 0, 4 }, { 1, 54 }, { 2, 4 }, { 3, 54 }, { 4, 54 }, { 5, 54 }, { 6, 54 } },
	},
	{
		.name = "std_port0_v4",
		.what = "standard service 5 (port 0): two IPv4 backends, equal weights",
		.m = 7,
		.nbackends = 2,
		.backends = {
			{ "10.1.0.15", 1, 5 },
			{ "10.1.1.55", 1, 55 },
		},
		.fingerprint = 0xb3e73fbaa177ef52ULL,
		.owned = { 4, 3 },
		.nslots = 7,
		.slots = { { 0, 5 }, { 1, 55 }, { 2, 5 }, { 3, 5 }, { 4, 55 }, { 5, 55 }, { 6, 5 } },
	},
	{
		.name = "std_4in6",
		.what = "standard service 6 (IPv4 VIP): two IPv6 backends, weights 2:1",
		.m = 7,
		.nbackends = 2,
		.backends = {
			{ "2001:db8:1::16", 2, 6 },
			{ "2001:db8:1:1::56", 1, 56 },
		},
		.fingerprint = 0x8716b5af84f6c24dULL,
		.owned = { 5, 2 },
		.nslots = 7,
		.slots = { { 0, 6 }, { 1, 6 }, { 2, 6 }, { 3, 6 }, { 4, 56 }, { 5, 6 }, { 6, 56 } },
	},
	{
		.name = "std_6in4",
		.what = "standard service 7 (IPv6 VIP): two IPv4 backends, weights 1:2",
		.m = 7,
		.nbackends = 2,
		.backends = {
			{ "10.1.0.17", 1, 7 },
			{ "10.1.1.57", 2, 57 },
		},
		.fingerprint = 0x70c540c58d50b039ULL,
		.owned = { 2, 5 },
		.nslots = 7,
		.slots = { { 0, 57 }, { 1, 7 }, { 2, 57 }, { 3, 57 }, { 4, 57 }, { 5, 57 }, { 6, 7 } },
	},
	{
		.name = "std_port0_v6",
		.what = "standard service 12 (port 0): two IPv6 backends, weights 1:3",
		.m = 7,
		.nbackends = 2,
		.backends = {
			{ "2001:db8:1::24", 1, 14 },
			{ "2001:db8:1:1::64", 3, 64 },
		},
		.fingerprint = 0x0062ebeaab2e50a2ULL,
		.owned = { 2, 5 },
		.nslots = 7,
		.slots = { { 0, 14 }, { 1, 64 }, { 2, 64 }, { 3, 64 }, { 4, 14 }, { 5, 64 }, { 6, 64 } },
	},
	{
		.name = "equal5_251",
		.what = "five IPv4 backends, equal weights",
		.m = 251,
		.nbackends = 5,
		.backends = {
			{ "10.2.0.1", 1, 1 },
			{ "10.2.0.2", 1, 2 },
			{ "10.2.0.3", 1, 3 },
			{ "10.2.0.4", 1, 4 },
			{ "10.2.0.5", 1, 5 },
		},
		.fingerprint = 0x7885694c319ff42aULL,
		.owned = { 51, 50, 50, 50, 50 },
		.nslots = 8,
		.slots = { { 0, 3 }, { 1, 1 }, { 2, 1 }, { 50, 1 }, { 125, 3 }, { 200, 1 }, { 249, 5 }, { 250, 4 } },
	},
	{
		.name = "equal5_less_one_251",
		.what = "the same five without 10.2.0.3",
		.m = 251,
		.nbackends = 4,
		.backends = {
			{ "10.2.0.1", 1, 1 },
			{ "10.2.0.2", 1, 2 },
			{ "10.2.0.4", 1, 4 },
			{ "10.2.0.5", 1, 5 },
		},
		.fingerprint = 0x9d2f335da8437aebULL,
		.owned = { 63, 63, 63, 62 },
		.nslots = 8,
		.slots = { { 0, 4 }, { 1, 1 }, { 2, 1 }, { 50, 1 }, { 125, 2 }, { 200, 2 }, { 249, 5 }, { 250, 4 } },
	},
	{
		.name = "weighted4_4093",
		.what = "four IPv4 backends, weights 1:2:3:10",
		.m = 4093,
		.nbackends = 4,
		.backends = {
			{ "10.3.0.1", 1, 1 },
			{ "10.3.0.2", 2, 2 },
			{ "10.3.0.3", 3, 3 },
			{ "10.3.0.4", 10, 4 },
		},
		.fingerprint = 0x1fdb8a86fadcf8b4ULL,
		.owned = { 256, 511, 767, 2559 },
		.nslots = 6,
		.slots = { { 0, 4 }, { 1, 4 }, { 1000, 4 }, { 2046, 4 }, { 3000, 4 }, { 4092, 1 } },
	},
	{
		.name = "mixed6_65537",
		.what = "three IPv6 and three IPv4 backends, weights 1..6",
		.m = 65537,
		.nbackends = 6,
		.backends = {
			{ "2001:db8:5::1", 1, 1 },
			{ "10.5.0.1", 2, 2 },
			{ "2001:db8:5::2", 3, 3 },
			{ "10.5.0.2", 4, 4 },
			{ "2001:db8:5::3", 5, 5 },
			{ "10.5.0.3", 6, 6 },
		},
		.fingerprint = 0x3a9dc921fb1aff92ULL,
		.owned = { 3120, 6242, 9362, 12484, 15604, 18725 },
		.nslots = 7,
		.slots = { { 0, 4 }, { 1, 6 }, { 7, 1 }, { 4093, 5 }, { 32768, 6 }, { 65535, 6 }, { 65536, 5 } },
	},
	{
		.name = "heavy_65537",
		.what = "one backend of weight 1000 and seven of weight 1",
		.m = 65537,
		.nbackends = 8,
		.backends = {
			{ "10.6.0.1", 1, 1 },
			{ "10.6.0.2", 1, 2 },
			{ "10.6.0.3", 1, 3 },
			{ "10.6.0.4", 1000, 4 },
			{ "10.6.0.5", 1, 5 },
			{ "10.6.0.6", 1, 6 },
			{ "10.6.0.7", 1, 7 },
			{ "10.6.0.8", 1, 8 },
		},
		.fingerprint = 0x456498b305b92037ULL,
		.owned = { 65, 65, 65, 65082, 65, 65, 65, 65 },
		.nslots = 5,
		.slots = { { 0, 4 }, { 3, 4 }, { 99, 4 }, { 30000, 4 }, { 65536, 4 } },
	},
};

#endif /* XLB_KNOWN_ANSWERS_H */
