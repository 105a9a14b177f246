/* SPDX-License-Identifier: GPL-2.0 */
/* maglev.h - Maglev lookup-table population (Eisenbud et al., NSDI 2016) with weights.
 * Pure C, no libbpf: used by xlbd to fill xlb_tables, by lbctl to plan changes, by the tests.
 */
#ifndef XLB_MAGLEV_H
#define XLB_MAGLEV_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

/* One backend as Maglev sees it. The permutation depends only on (family, addr), so the same
 * set gives the same table on every node whatever ids each node assigned. */
struct maglev_backend {
	__u32 addr[4]; /* be, as in struct xlb_backend; IPv4 in addr[0], rest zero */
	__u8 family; /* XLB_AF_INET or XLB_AF_INET6 */
	__u32 weight; /* relative weight; 0 = no slots (drained or down) */
	__u32 id; /* value written into the slots this backend owns (never XLB_BACKEND_NONE) */
};

/* True when m is prime. */
bool maglev_is_prime(__u32 m);

/* Fill table[0..m-1] with backend ids.
 * Contract: m must be prime and within [XLB_MIN_TABLE_SIZE, XLB_MAX_TABLE_SIZE]; addresses
 * must be unique and ids non-zero. The result is a pure function of the set {(family, addr,
 * weight, id)}: input order does not matter. Backends with weight 0 own no slot; when every
 * weight is 0 (or n == 0) every slot is XLB_BACKEND_NONE. Otherwise no slot is empty and each
 * backend owns close to m * weight / sum(weights) slots.
 * Returns 0, -EINVAL (bad m, duplicate address, zero id, bad family) or -ENOMEM. */
int maglev_build(const struct maglev_backend *backends, size_t n, __u32 *table, __u32 m);

/* Fingerprint of a table as addresses, not ids: each slot's 17-byte record (family, address;
 * all zeros for an empty slot or an id missing from backends) is digested with FNV-1a 64, and
 * the digests are folded in slot order by h = (h ^ digest) * FNV prime, h ^= h >> 29, from the
 * FNV offset basis. Two nodes whose tables send every slot to the same address have the same
 * fingerprint whatever ids they assigned. */
__u64 maglev_fingerprint(const __u32 *table, __u32 m, const struct maglev_backend *backends,
			 size_t n);

#endif /* XLB_MAGLEV_H */
