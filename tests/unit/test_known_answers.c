/* SPDX-License-Identifier: GPL-2.0 */
/* test_known_answers.c - xlb_flow_hash(), xlb_conn_hash(), maglev_build() and maglev_fingerprint()
 * against the known answers of tests/vectors/known_answers.h, which an independent Python model
 * printed. Every node of an ECMP group must pick the same backend for a flow whatever xlb version
 * it runs: a change that fails here is a breaking change (docs/datapath.md).
 */
#include <arpa/inet.h>
#include <stdlib.h>

#include "xlb_abi.h"
#include "xlb_hash.h"
#include "maglev.h"
#include "xt.h"
#include "../vectors/known_answers.h"

#define NFLOWS (sizeof(KA_FLOWS) / sizeof(KA_FLOWS[0]))
#define NTABLES (sizeof(KA_TABLES) / sizeof(KA_TABLES[0]))

static __u32 table[XLB_MAX_TABLE_SIZE];

/* addr as stored (be words, IPv4 in word 0, the rest zero); returns XLB_AF_* or 0. */
static __u8 parse(const char *text, __u32 addr[4])
{
	memset(addr, 0, 16);
	if (inet_pton(AF_INET, text, addr) == 1)
		return XLB_AF_INET;
	if (inet_pton(AF_INET6, text, addr) == 1)
		return XLB_AF_INET6;
	return 0;
}

static int t_flow_hashes(void)
{
	for (size_t i = 0; i < NFLOWS; i++) {
		const struct ka_flow *f = &KA_FLOWS[i];
		__u32 src[4], dst[4], h;
		__u8 fam = parse(f->src, src);

		XT_CHECK(fam && parse(f->dst, dst) == fam, "vector %zu: bad addresses", i);
		h = xlb_flow_hash(f->seed, fam, src, dst, htons(f->sport), htons(f->dport),
				  f->proto);
		XT_CHECK(h == f->hash, "%s: hash 0x%08x, known answer 0x%08x", f->what, h, f->hash);
		h = xlb_conn_hash(f->seed, fam, src, dst, htons(f->sport), htons(f->dport),
				  f->proto);
		XT_CHECK(h == f->conn_hash, "%s: connection hash 0x%08x, known answer 0x%08x",
			 f->what, h, f->conn_hash);
	}
	return XT_PASS;
}

/* The vectors cover what they claim: both families, a port-0 service's tuple and ports that
 * only differ by their order (so a swap of sport and dport cannot go unseen). */
static int t_flow_vectors_cover(void)
{
	int v4 = 0, v6 = 0, swapped = 0;

	for (size_t i = 0; i < NFLOWS; i++) {
		__u32 a[4];

		v4 += parse(KA_FLOWS[i].src, a) == XLB_AF_INET;
		v6 += parse(KA_FLOWS[i].src, a) == XLB_AF_INET6;
		for (size_t j = 0; j < NFLOWS; j++)
			swapped += !strcmp(KA_FLOWS[i].src, KA_FLOWS[j].src) &&
				   !strcmp(KA_FLOWS[i].dst, KA_FLOWS[j].dst) &&
				   KA_FLOWS[i].sport == KA_FLOWS[j].dport &&
				   KA_FLOWS[i].dport == KA_FLOWS[j].sport && i != j &&
				   KA_FLOWS[i].hash != KA_FLOWS[j].hash;
	}
	XT_CHECK(v4 >= 4 && v6 >= 4 && swapped >= 2, "v4 %d, v6 %d, swapped pairs %d", v4, v6,
		 swapped);
	return XT_PASS;
}

/* The backends of vector t as maglev_build() takes them, in reverse order: the table must not
 * depend on it. */
static size_t load_set(const struct ka_table *t, struct maglev_backend *set)
{
	for (__u32 i = 0; i < t->nbackends; i++) {
		struct maglev_backend *b = &set[t->nbackends - 1 - i];

		memset(b, 0, sizeof(*b));
		b->family = parse(t->backends[i].addr, b->addr);
		b->weight = t->backends[i].weight;
		b->id = t->backends[i].id;
	}
	return t->nbackends;
}

static int t_tables(void)
{
	for (size_t k = 0; k < NTABLES; k++) {
		const struct ka_table *t = &KA_TABLES[k];
		struct maglev_backend set[8];
		size_t n = load_set(t, set);
		__u64 fp;

		for (size_t i = 0; i < n; i++)
			XT_CHECK(set[i].family, "%s: bad address", t->name);
		XT_EQ(maglev_build(set, n, table, t->m), 0);
		for (__u32 i = 0; i < t->nslots; i++)
			XT_CHECK(table[t->slots[i].slot] == t->slots[i].id,
				 "%s (%s): slot %u holds %u, known answer %u", t->name, t->what,
				 t->slots[i].slot, table[t->slots[i].slot], t->slots[i].id);
		for (__u32 i = 0; i < t->nbackends; i++) {
			__u32 owned = 0;

			for (__u32 s = 0; s < t->m; s++)
				owned += table[s] == t->backends[i].id;
			XT_CHECK(owned == t->owned[i],
				 "%s: backend %s owns %u slots, known answer %u", t->name,
				 t->backends[i].addr, owned, t->owned[i]);
		}
		fp = maglev_fingerprint(table, t->m, set, n);
		XT_CHECK(fp == t->fingerprint, "%s: fingerprint %016llx, known answer %016llx",
			 t->name, (unsigned long long)fp, (unsigned long long)t->fingerprint);
	}
	return XT_PASS;
}

/* The fingerprint names the family: the same address words under the other family give
 * another value, so a table of 10.0.0.1 never matches one of the IPv6 address 0a00:0001::. */
static int t_fingerprint_family(void)
{
	struct maglev_backend b = { .family = XLB_AF_INET, .weight = 1, .id = 1 };
	__u64 v4, v6;

	b.addr[0] = htonl(0x0a000001);
	XT_EQ(maglev_build(&b, 1, table, 7), 0);
	v4 = maglev_fingerprint(table, 7, &b, 1);
	b.family = XLB_AF_INET6;
	v6 = maglev_fingerprint(table, 7, &b, 1);
	XT_CHECK(v4 != v6, "family not in the fingerprint (%016llx)", (unsigned long long)v4);
	return XT_PASS;
}

static const struct xt_case cases[] = {
	{ "flow_hashes", t_flow_hashes },
	{ "flow_vectors_cover", t_flow_vectors_cover },
	{ "tables", t_tables },
	{ "fingerprint_family", t_fingerprint_family },
};

int main(int argc, char **argv)
{
	return xt_run("unit/known_answers", cases, sizeof(cases) / sizeof(cases[0]),
		      argc > 1 ? argv[1] : NULL);
}
