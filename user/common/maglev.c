/* SPDX-License-Identifier: GPL-2.0 */
/* maglev.c - weighted Maglev table population: validation, per-backend permutations, turns. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "xlb_abi.h"
#include "xlb_hash.h"
#include "maglev.h"

/* The paper asks for two independent hashes of the backend name: offset and skip must not be
 * correlated, or backends with neighbouring addresses would walk the table in step. Changing
 * either seed changes every table, and nodes of one ECMP group running different versions
 * would then disagree: they are fixed like the ABI (tests/unit/test_maglev.c pins them). */
#define MAGLEV_SEED_OFFSET 0x9e3779b9U
#define MAGLEV_SEED_SKIP 0x7f4a7c15U

/* Switch from plain rounds to the event heap when the heaviest backend outweighs the average
 * by more than this many times log2(n): rounds then mostly visit backends that are not due.
 * Measured at -O2: the heap is about 3x slower than rounds with equal weights, rounds are
 * 10-80x slower when one weight is 1000 times the others. */
#define MAGLEV_HEAP_FACTOR 8

/* A backend as sorted and hashed: the address normalised (IPv4 words 1..3 forced to zero) so
 * that the order, the duplicate check and the permutation all see the same key. */
struct maglev_key {
	__u32 addr[4];
	__u8 family;
	const struct maglev_backend *be;
};

/* State of one weighted backend in the population loop, small so that n of them stay in cache. */
struct maglev_perm {
	__u64 weight;
	__u32 pos; /* next permutation entry to try */
	__u32 skip;
	__u32 inv; /* skip^-1 mod m, once the free slots are listed (struct maglev_fill) */
	__u32 placed; /* slots owned so far */
	__u32 id;
};

/* A table being filled. A walk costs about m / (free slots) probes, so the last 1 % of the
 * slots take about half of all probes (m ln m in all): once at most `listed` slots are free
 * they are kept in a list, and each backend's next free slot is found by arithmetic over the
 * list instead. Slot s is entry (s - pos) * skip^-1 mod m of the walk from pos, so the free
 * slot with the smallest such entry is the one the walk would reach first: the same slot as
 * the walk's, in fewer steps while the list is shorter than the walk. */
struct maglev_fill {
	__u32 *table;
	__u32 m;
	__u32 left; /* free slots */
	__u32 listed; /* list the free slots when left comes down to this */
	__u32 *free; /* the free slots (room for `listed`), in use once left <= listed */
	struct maglev_perm *perms; /* to give every backend its inverse skip when listing */
	size_t n;
};

bool maglev_is_prime(__u32 m)
{
	if (m < 2)
		return false;
	if (m % 2 == 0)
		return m == 2;
	/* 64-bit square: d * d would wrap for d near 2^16 with m near 2^32. */
	for (__u32 d = 3; (__u64)d * d <= m; d += 2)
		if (m % d == 0)
			return false;
	return true;
}

static int maglev_key_cmp(const void *a, const void *b)
{
	const struct maglev_key *x = a, *y = b;

	if (x->family != y->family)
		return x->family < y->family ? -1 : 1;
	/* Byte order of the stored words, so the order is the natural address order. */
	return memcmp(x->addr, y->addr, sizeof(x->addr));
}

static __u32 maglev_key_hash(const struct maglev_key *k, __u32 seed)
{
	__u32 h = xlb_hash_word(seed, k->family);

	for (int i = 0; i < 4; i++)
		h = xlb_hash_word(h, k->addr[i]);
	return xlb_hash_final(h, 5);
}

/* Take the next free slot of p's permutation by walking it. The walk always ends: skip is in
 * [1, m-1] and m is prime, so the permutation visits every slot, and the caller only asks
 * while one is free. */
static void maglev_walk(struct maglev_perm *p, __u32 *table, __u32 m)
{
	__u32 pos = p->pos;

	while (table[pos] != XLB_BACKEND_NONE) {
		pos += p->skip;
		if (pos >= m)
			pos -= m;
	}
	table[pos] = p->id;
	p->placed++;
	pos += p->skip;
	p->pos = pos >= m ? pos - m : pos;
}

/* a^-1 mod m for a in [1, m-1], m prime (extended Euclid). */
static __u32 maglev_inverse(__u32 a, __u32 m)
{
	__s64 t = 0, nt = 1, r = m, nr = a;

	while (nr) {
		__s64 q = r / nr, x;

		x = t - q * nt;
		t = nt;
		nt = x;
		x = r - q * nr;
		r = nr;
		nr = x;
	}
	return (__u32)(t < 0 ? t + m : t);
}

/* The list of free slots, and every backend's inverse skip (struct maglev_fill). */
static void maglev_list_free(struct maglev_fill *f)
{
	__u32 k = 0;

	for (__u32 s = 0; s < f->m && k < f->left; s++)
		if (f->table[s] == XLB_BACKEND_NONE)
			f->free[k++] = s;
	for (size_t i = 0; i < f->n; i++)
		f->perms[i].inv = maglev_inverse(f->perms[i].skip, f->m);
}

/* Take the next free slot of p's permutation: the free slot p's walk reaches first. */
static void maglev_place(struct maglev_perm *p, struct maglev_fill *f)
{
	__u32 m = f->m, best = 0, pos;
	__u64 first = UINT64_MAX;

	if (f->left > f->listed) {
		maglev_walk(p, f->table, m);
	} else {
		/* Entries are distinct for distinct slots (skip is invertible), so no ties. */
		for (__u32 k = 0; k < f->left; k++) {
			__u32 s = f->free[k], d = s >= p->pos ? s - p->pos : s + m - p->pos;
			__u64 e = (__u64)d * p->inv % m;

			if (e < first) {
				first = e;
				best = k;
			}
		}
		pos = f->free[best];
		f->free[best] = f->free[f->left - 1];
		f->table[pos] = p->id;
		p->placed++;
		pos += p->skip;
		p->pos = pos >= m ? pos - m : pos;
	}
	if (--f->left == f->listed && f->left)
		maglev_list_free(f);
}

/* Round r gives backend i its next slot while placed_i < floor(r * w_i / w_max), visiting
 * backends in address order. The heaviest backend places one slot per round, so there are at
 * most m rounds; each visits every backend. */
static void maglev_fill_rounds(struct maglev_fill *f, __u64 wmax)
{
	for (__u64 round = 1; f->left; round++) {
		for (size_t i = 0; i < f->n && f->left; i++) {
			struct maglev_perm *p = &f->perms[i];

			/* placed < floor(round * w / wmax), without a division per visit. */
			if (((__u64)p->placed + 1) * wmax <= round * p->weight)
				maglev_place(p, f);
		}
	}
}

/* Round in which p is due for its next slot: the smallest r with floor(r * w / wmax) > placed.
 * Each backend places at most once per round (w <= wmax), so the heap key (round, index) gives
 * exactly the order of maglev_fill_rounds(). The round fits in 32 bits: with placed == 0 it
 * is at most wmax; otherwise p was due once by round m, so wmax / w <= m and r <= 2m + 1.
 * The caller keeps index below 2^32. */
static __u64 maglev_due(const struct maglev_perm *p, __u64 wmax, size_t index)
{
	__u64 round = (((__u64)p->placed + 1) * wmax + p->weight - 1) / p->weight;

	return round << 32 | index;
}

static void maglev_sift_down(__u64 *heap, size_t n, size_t i)
{
	__u64 v = heap[i];

	for (;;) {
		size_t c = 2 * i + 1;

		if (c >= n)
			break;
		if (c + 1 < n && heap[c + 1] < heap[c])
			c++;
		if (v <= heap[c])
			break;
		heap[i] = heap[c];
		i = c;
	}
	heap[i] = v;
}

/* Same turns as maglev_fill_rounds(), driven by a min-heap of (due round, index): O(m log n)
 * whatever the weights, instead of O(rounds * n) when one weight dwarfs the others. */
static void maglev_fill_heap(struct maglev_fill *f, __u64 wmax, __u64 *heap)
{
	struct maglev_perm *perms = f->perms;
	size_t n = f->n;

	for (size_t i = 0; i < n; i++)
		heap[i] = maglev_due(&perms[i], wmax, i);
	for (size_t i = n / 2; i-- > 0;)
		maglev_sift_down(heap, n, i);

	while (f->left) {
		size_t i = heap[0] & UINT32_MAX;

		maglev_place(&perms[i], f);
		heap[0] = maglev_due(&perms[i], wmax, i);
		maglev_sift_down(heap, n, 0);
	}
}

/* How many free slots struct maglev_fill lists: about sqrt(m / MAGLEV_LIST_COST), where a walk
 * (m / free probes) costs as much as a pass over the list (free entries, each a multiply and a
 * modulo, taken as MAGLEV_LIST_COST probes). 128 slots at m = 65537. 1, 4 and 16 built tables
 * of 16 backends at m = 65537 equally fast within the noise of the measurement (about 1 ms). */
#define MAGLEV_LIST_COST 4
static __u32 maglev_listed(__u32 m)
{
	__u32 r = 1;

	while ((__u64)(r + 1) * (r + 1) * MAGLEV_LIST_COST <= m)
		r++;
	return r;
}

static unsigned int maglev_log2(size_t n)
{
	unsigned int l = 0;

	while (n >>= 1)
		l++;
	return l;
}

int maglev_build(const struct maglev_backend *backends, size_t n, __u32 *table, __u32 m)
{
	struct maglev_fill f = { .table = table, .m = m, .left = m };
	struct maglev_key *keys = NULL;
	struct maglev_perm *perms = NULL;
	__u64 *heap = NULL;
	__u64 wmax = 0, wsum = 0;
	size_t nact = 0;
	int err = 0;

	if (!table || (n && !backends) || m < XLB_MIN_TABLE_SIZE || m > XLB_MAX_TABLE_SIZE ||
	    !maglev_is_prime(m))
		return -EINVAL;
	/* The heap packs the backend index into 32 bits; no real set comes near. */
	if (n > UINT32_MAX)
		return -ENOMEM;

	for (size_t i = 0; i < n; i++) {
		const struct maglev_backend *b = &backends[i];

		if (b->family != XLB_AF_INET && b->family != XLB_AF_INET6)
			return -EINVAL;
		if (b->id == XLB_BACKEND_NONE)
			return -EINVAL;
	}

	/* Every allocation happens before the first write to table, so on error it is untouched. */
	if (n) {
		keys = calloc(n, sizeof(*keys));
		perms = calloc(n, sizeof(*perms));
		if (!keys || !perms) {
			err = -ENOMEM;
			goto free_bufs;
		}
	}

	for (size_t i = 0; i < n; i++) {
		const struct maglev_backend *b = &backends[i];

		keys[i].family = b->family;
		keys[i].addr[0] = b->addr[0];
		if (b->family == XLB_AF_INET6)
			memcpy(&keys[i].addr[1], &b->addr[1], 3 * sizeof(b->addr[0]));
		keys[i].be = b;
	}
	/* Sorting makes the table a function of the set, not of the caller's order: it fixes who
	 * goes first in every round, which decides contested slots. */
	if (n)
		qsort(keys, n, sizeof(*keys), maglev_key_cmp);
	for (size_t i = 1; i < n; i++) {
		if (maglev_key_cmp(&keys[i - 1], &keys[i]) == 0) {
			err = -EINVAL;
			goto free_bufs;
		}
	}

	for (size_t i = 0; i < n; i++) {
		const struct maglev_key *k = &keys[i];
		struct maglev_perm *p;

		if (!k->be->weight)
			continue;
		p = &perms[nact++];
		p->weight = k->be->weight;
		p->id = k->be->id;
		p->pos = maglev_key_hash(k, MAGLEV_SEED_OFFSET) % m;
		p->skip = maglev_key_hash(k, MAGLEV_SEED_SKIP) % (m - 1) + 1;
		if (p->weight > wmax)
			wmax = p->weight;
		wsum += p->weight;
	}

	/* Rounds cost about m * wmax / wavg visits, the heap m * log2(n) sift steps, each dearer
	 * than a visit; equal or similar weights keep the cheaper rounds. */
	if (nact > 1 && wmax * nact / wsum > MAGLEV_HEAP_FACTOR * maglev_log2(nact)) {
		heap = calloc(nact, sizeof(*heap));
		if (!heap) {
			err = -ENOMEM;
			goto free_bufs;
		}
	}

	f.listed = maglev_listed(m);
	f.free = malloc(sizeof(*f.free) * f.listed);
	if (!f.free) {
		err = -ENOMEM;
		goto free_bufs;
	}
	f.perms = perms;
	f.n = nact;

	for (__u32 s = 0; s < m; s++)
		table[s] = XLB_BACKEND_NONE;
	if (heap)
		maglev_fill_heap(&f, wmax, heap);
	else if (nact)
		maglev_fill_rounds(&f, wmax);

free_bufs:
	free(f.free);
	free(heap);
	free(perms);
	free(keys);
	return err;
}

#define FNV_BASIS 0xcbf29ce484222325ULL
#define FNV_PRIME 0x100000001b3ULL

/* FNV-1a 64 of a slot's 17-byte record: family, then the 16 address bytes; all zeros for an
 * empty slot (b NULL). */
static __u64 record_digest(const struct maglev_backend *b)
{
	__u8 rec[17] = { 0 };
	__u64 h = FNV_BASIS;

	if (b) {
		rec[0] = b->family;
		memcpy(rec + 1, b->addr, 16);
	}
	for (size_t i = 0; i < sizeof(rec); i++)
		h = (h ^ rec[i]) * FNV_PRIME;
	return h;
}

/* Slot index of id in an index of mask + 1 slots (a power of two). */
static size_t id_slot(__u32 id, size_t mask)
{
	return (size_t)((id * 0x9e3779b97f4a7c15ULL) >> 32) & mask;
}

/* A backend's digest by id, for the fold over the slots. The fold itself is a chain of
 * dependent multiplies; what it cost beyond that was the lookup's branches (a probe loop whose
 * exit depends on the slot's id), so the lookup is made branch-free when the ids allow:
 *   dense: the ids span at most FP_DENSE_SPAN(n) values (xlbd hands out low free ids): one
 *          array by id - lo, a range check the ids of the table always pass;
 *   direct: the ids land on distinct slots of an index of at most FP_DIRECT_MAX slots: one
 *          slot per id, its id compared without a loop;
 *   probed: otherwise an open-addressing index at most half full.
 * An id missing from backends (and XLB_BACKEND_NONE) gets the empty record's digest in all
 * three; of a repeated id the first entry counts. */
#define FP_DENSE_SPAN(n) (4 * (n) + 64)
#define FP_DIRECT_MAX 65536
struct fp_index {
	enum { FP_DENSE, FP_DIRECT, FP_PROBED } kind;
	__u64 empty;
	__u32 lo, span; /* FP_DENSE: ids lo .. lo + span - 1 */
	size_t mask; /* FP_DIRECT, FP_PROBED */
	__u64 *dense; /* FP_DENSE: [id - lo] */
	struct id_digest {
		__u32 id; /* XLB_BACKEND_NONE: a free slot (its d is the empty digest) */
		__u64 d;
	} * slot; /* FP_DIRECT, FP_PROBED */
};

/* True when the ids of backends fall on distinct slots of an index of mask + 1 (a repeated id
 * on the same slot is fine). used is a scratch of mask + 1 ids, zeroed. */
static bool fp_distinct(const struct maglev_backend *b, size_t n, size_t mask, __u32 *used)
{
	for (size_t i = 0; i < n; i++) {
		size_t k = id_slot(b[i].id, mask);

		if (used[k] != XLB_BACKEND_NONE && used[k] != b[i].id)
			return false;
		used[k] = b[i].id;
	}
	return true;
}

/* Build the index for backends. Returns 0 or -ENOMEM (x is then empty and the caller looks
 * ids up by a walk). */
static int fp_index_make(struct fp_index *x, const struct maglev_backend *b, size_t n)
{
	__u32 lo = UINT32_MAX, hi = 0, *used = NULL;
	size_t mask = 1;

	memset(x, 0, sizeof(*x));
	x->empty = record_digest(NULL);
	for (size_t i = 0; i < n; i++) {
		lo = b[i].id < lo ? b[i].id : lo;
		hi = b[i].id > hi ? b[i].id : hi;
	}
	if (n && (__u64)hi - lo < FP_DENSE_SPAN(n)) {
		x->kind = FP_DENSE;
		x->lo = lo;
		x->span = hi - lo + 1;
		x->dense = malloc(sizeof(*x->dense) * x->span);
		if (!x->dense)
			return -ENOMEM;
		for (__u32 k = 0; k < x->span; k++)
			x->dense[k] = x->empty;
		/* Backwards, so that the first entry of a repeated id is the one left. */
		for (size_t i = n; i-- > 0;)
			x->dense[b[i].id - lo] = record_digest(&b[i]);
		return 0;
	}

	while (mask + 1 < 2 * n)
		mask = mask * 2 + 1;
	x->kind = FP_PROBED;
	/* The smallest index from 4n slots up where no two ids share a slot, if one is small. */
	for (size_t dm = mask * 2 + 1; n && dm < FP_DIRECT_MAX; dm = dm * 2 + 1) {
		free(used);
		used = calloc(dm + 1, sizeof(*used));
		if (!used)
			break;
		if (fp_distinct(b, n, dm, used)) {
			x->kind = FP_DIRECT;
			mask = dm;
			break;
		}
	}
	free(used);
	x->mask = mask;
	x->slot = malloc(sizeof(*x->slot) * (mask + 1));
	if (!x->slot)
		return -ENOMEM;
	for (size_t k = 0; k <= mask; k++)
		x->slot[k] = (struct id_digest){ .id = XLB_BACKEND_NONE, .d = x->empty };
	for (size_t i = 0; i < n; i++) {
		size_t k = id_slot(b[i].id, mask);

		while (x->slot[k].id != XLB_BACKEND_NONE && x->slot[k].id != b[i].id)
			k = (k + 1) & mask; /* FP_PROBED only: FP_DIRECT's ids never meet */
		if (x->slot[k].id == XLB_BACKEND_NONE) /* a repeated id: its first entry counts */
			x->slot[k] = (struct id_digest){ .id = b[i].id, .d = record_digest(&b[i]) };
	}
	return 0;
}

static void fp_index_free(struct fp_index *x)
{
	free(x->dense);
	free(x->slot);
}

/* The fold of one slot's digest into h. */
static inline __u64 fp_fold(__u64 h, __u64 d)
{
	h = (h ^ d) * FNV_PRIME;
	return h ^ (h >> 29);
}

__u64 maglev_fingerprint(const __u32 *table, __u32 m, const struct maglev_backend *backends,
			 size_t n)
{
	struct fp_index x;
	__u64 h = FNV_BASIS;

	if (fp_index_make(&x, backends, n)) {
		/* Out of memory: each slot's backend by a walk, the slow way. */
		for (__u32 s = 0; s < m; s++) {
			__u64 d = x.empty;

			for (size_t i = 0; table[s] != XLB_BACKEND_NONE && i < n; i++)
				if (backends[i].id == table[s]) {
					d = record_digest(&backends[i]);
					break;
				}
			h = fp_fold(h, d);
		}
		fp_index_free(&x);
		return h;
	}
	switch (x.kind) {
	case FP_DENSE:
		for (__u32 s = 0; s < m; s++) {
			__u32 k = table[s] - x.lo; /* XLB_BACKEND_NONE and ids below lo wrap past
						      span */

			h = fp_fold(h, k < x.span ? x.dense[k] : x.empty);
		}
		break;
	case FP_DIRECT:
		for (__u32 s = 0; s < m; s++) {
			const struct id_digest *e = &x.slot[id_slot(table[s], x.mask)];

			h = fp_fold(h, e->id == table[s] ? e->d : x.empty);
		}
		break;
	case FP_PROBED:
		for (__u32 s = 0; s < m; s++) {
			__u32 id = table[s];
			size_t k = id_slot(id, x.mask);

			while (x.slot[k].id != XLB_BACKEND_NONE && x.slot[k].id != id)
				k = (k + 1) & x.mask;
			h = fp_fold(h, x.slot[k].id == id ? x.slot[k].d : x.empty);
		}
		break;
	}
	fp_index_free(&x);
	return h;
}
