/* SPDX-License-Identifier: GPL-2.0 */
/* test_maglev.c - properties of maglev_build() (validation, balance, weights, determinism,
 * disruption), maglev_fingerprint() against its definition, and of the data path's two hashes
 * xlb_flow_hash() and xlb_conn_hash() (the same properties of each).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>

#include "xlb_abi.h"
#include "xlb_hash.h"
#include "maglev.h"
#include "xt.h"

#define BIG_M 65537 /* the usual production table size */
#define MAX_N 1024 /* most backends any case uses */
#define SENTINEL 0xa5a5a5a5U /* never a valid id in these tests: shows untouched slots */

/* Tables shared by the cases (the cases run one at a time). The largest invalid m tried is
 * just above XLB_MAX_TABLE_SIZE, so the guard buffer is a little larger than that. */
static __u32 tab_a[BIG_M], tab_b[BIG_M];
static __u32 guard[XLB_MAX_TABLE_SIZE + 64];
static struct maglev_backend set_a[MAX_N + 1], set_b[MAX_N + 1];
static unsigned int share[MAX_N + 2];

/* xorshift32: reproducible inputs, so a failure replays exactly. */
static __u32 rng_state = 2463534242U;

static __u32 rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 17;
	rng_state ^= rng_state << 5;
	return rng_state;
}

/* Backend i: 10.0.0.0 + 2i or 2001:db8::2i, id i + 1, so share[] can be indexed by id. The
 * odd addresses are left free for a backend that sorts between the others. */
static void backend_v4(struct maglev_backend *b, __u32 i, __u32 weight)
{
	memset(b, 0, sizeof(*b));
	b->family = XLB_AF_INET;
	b->addr[0] = htonl(0x0a000000U + 2 * i);
	b->weight = weight;
	b->id = i + 1;
}

static void backend_v6(struct maglev_backend *b, __u32 i, __u32 weight)
{
	memset(b, 0, sizeof(*b));
	b->family = XLB_AF_INET6;
	b->addr[0] = htonl(0x20010db8U);
	b->addr[3] = htonl(2 * i);
	b->weight = weight;
	b->id = i + 1;
}

static void fill_equal(struct maglev_backend *set, size_t n, __u32 weight)
{
	for (size_t i = 0; i < n; i++)
		backend_v4(&set[i], i, weight);
}

static void shuffle(struct maglev_backend *set, size_t n)
{
	for (size_t i = n; i > 1; i--) {
		size_t j = rng() % i;
		struct maglev_backend t = set[i - 1];

		set[i - 1] = set[j];
		set[j] = t;
	}
}

/* Count the slots of each id into share[]; returns the number of slots holding an id outside
 * 1..max_id (empty slots are counted in share[0]). */
static __u32 count_shares(const __u32 *table, __u32 m, __u32 max_id)
{
	__u32 bad = 0;

	memset(share, 0, sizeof(share));
	for (__u32 s = 0; s < m; s++) {
		if (table[s] > max_id)
			bad++;
		else
			share[table[s]]++;
	}
	return bad;
}

static int all_equal(const __u32 *table, __u32 m, __u32 value)
{
	for (__u32 s = 0; s < m; s++)
		if (table[s] != value)
			return 0;
	return 1;
}

static int test_is_prime(void)
{
	static const __u32 primes[] = { 2,    3,     5,	    7,	    11,		 13,	     251,
					4093, 65521, 65537, 655373, 2147483647U, 4294967291U };
	/* 561 and 1105 are Carmichael numbers; 65521^2 and 65535^2 sit exactly on the square-root
	 * bound of trial division. */
	static const __u32 composites[] = { 0,	   1,	   4,		9,	     15,
					    25,	   49,	   561,		1105,	     65535,
					    65541, 655371, 4293001441U, 4294836225U, 4294967295U };
	static unsigned char sieve[100000];
	unsigned int count = 0;

	for (size_t i = 0; i < sizeof(primes) / sizeof(primes[0]); i++)
		XT_CHECK(maglev_is_prime(primes[i]), "%u is prime", primes[i]);
	for (size_t i = 0; i < sizeof(composites) / sizeof(composites[0]); i++)
		XT_CHECK(!maglev_is_prime(composites[i]), "%u is not prime", composites[i]);

	/* Agree with a sieve on every number below 100000 (9592 primes). */
	for (__u32 i = 2; i < 100000; i++) {
		if (sieve[i])
			continue;
		for (__u32 j = 2 * i; j < 100000; j += i)
			sieve[j] = 1;
	}
	for (__u32 i = 0; i < 100000; i++) {
		bool prime = i >= 2 && !sieve[i];

		XT_CHECK(maglev_is_prime(i) == prime, "maglev_is_prime(%u) != %d", i, prime);
		count += prime;
	}
	XT_EQ(count, 9592);
	XT_CHECK(maglev_is_prime(XLB_MIN_TABLE_SIZE) && maglev_is_prime(XLB_MAX_TABLE_SIZE),
		 "the ABI's table limits must be prime");
	return XT_PASS;
}

/* Call maglev_build on the guard buffer and require -EINVAL with every slot untouched. */
static int rejects(const struct maglev_backend *set, size_t n, __u32 m, const char *what)
{
	int rc;

	for (size_t s = 0; s < sizeof(guard) / sizeof(guard[0]); s++)
		guard[s] = SENTINEL;
	rc = maglev_build(set, n, guard, m);
	XT_CHECK(rc == -EINVAL, "%s: rc = %d, expected -EINVAL", what, rc);
	XT_CHECK(all_equal(guard, sizeof(guard) / sizeof(guard[0]), SENTINEL),
		 "%s: table written on error", what);
	return XT_PASS;
}

static int test_invalid_inputs(void)
{
	static const __u32 bad_m[] = { 0, 1, 2, 3, 5, 8, 9, 65535, 65536, 655371 };
	static const __u8 bad_family[] = { 0, 1, 3, 6, 17, 255 };
	__u32 above_max = XLB_MAX_TABLE_SIZE + 1;
	const size_t n = 6;

	while (!maglev_is_prime(above_max))
		above_max++;
	for (size_t i = 0; i < n; i++)
		backend_v4(&set_a[i], i, 1);

	/* Sanity: the base set itself is accepted, so each rejection below is about one fault. */
	XT_EQ(maglev_build(set_a, n, tab_a, 13), 0);

	for (size_t i = 0; i < sizeof(bad_m) / sizeof(bad_m[0]); i++)
		if (rejects(set_a, n, bad_m[i], "bad m"))
			return XT_FAIL;
	XT_CHECK(above_max < sizeof(guard) / sizeof(guard[0]), "guard too small");
	if (rejects(set_a, n, above_max, "prime above XLB_MAX_TABLE_SIZE"))
		return XT_FAIL;
	if (rejects(NULL, n, 13, "NULL backends"))
		return XT_FAIL;
	XT_EQ(maglev_build(set_a, n, NULL, 13), -EINVAL);

	memcpy(set_b, set_a, n * sizeof(set_a[0]));
	set_b[4].addr[0] = set_b[1].addr[0];
	set_b[4].weight = 0; /* a drained duplicate is still a duplicate */
	if (rejects(set_b, n, 13, "duplicate IPv4 address"))
		return XT_FAIL;

	for (size_t i = 0; i < n; i++)
		backend_v6(&set_b[i], i, 2);
	set_b[5].addr[3] = set_b[0].addr[3];
	if (rejects(set_b, n, BIG_M, "duplicate IPv6 address"))
		return XT_FAIL;

	memcpy(set_b, set_a, n * sizeof(set_a[0]));
	set_b[3].id = XLB_BACKEND_NONE;
	if (rejects(set_b, n, 13, "id 0"))
		return XT_FAIL;

	for (size_t i = 0; i < sizeof(bad_family) / sizeof(bad_family[0]); i++) {
		memcpy(set_b, set_a, n * sizeof(set_a[0]));
		set_b[2].family = bad_family[i];
		if (rejects(set_b, n, 13, "bad family"))
			return XT_FAIL;
	}

	/* Not duplicates: the same words under the other family. */
	memcpy(set_b, set_a, n * sizeof(set_a[0]));
	set_b[5].family = XLB_AF_INET6;
	set_b[5].addr[0] = set_b[0].addr[0];
	XT_EQ(maglev_build(set_b, n, tab_a, 13), 0);
	return XT_PASS;
}

static int test_no_empty_slot(void)
{
	static const __u32 sizes[] = { 7, 13, 251, 4093, BIG_M };
	static const size_t counts[] = { 1, 2, 5, 20, 300 };

	for (size_t a = 0; a < sizeof(sizes) / sizeof(sizes[0]); a++) {
		for (size_t c = 0; c < sizeof(counts) / sizeof(counts[0]); c++) {
			size_t n = counts[c];
			__u32 m = sizes[a];

			/* Weights 0..9 with at least one non-zero; more backends than slots too. */
			for (size_t i = 0; i < n; i++)
				backend_v4(&set_a[i], i, rng() % 10);
			set_a[n / 2].weight = 1 + rng() % 9;
			XT_EQ(maglev_build(set_a, n, tab_a, m), 0);
			XT_EQ(count_shares(tab_a, m, n), 0);
			XT_CHECK(share[XLB_BACKEND_NONE] == 0, "m=%u n=%zu: %u empty slots", m, n,
				 share[XLB_BACKEND_NONE]);
		}
	}
	return XT_PASS;
}

static int test_weight_zero_owns_nothing(void)
{
	const size_t n = 60;
	size_t kept = 0;

	for (size_t i = 0; i < n; i++)
		backend_v4(&set_a[i], i, i % 3 ? 1 + i % 4 : 0);
	XT_EQ(maglev_build(set_a, n, tab_a, BIG_M), 0);
	XT_EQ(count_shares(tab_a, BIG_M, n), 0);
	for (size_t i = 0; i < n; i++)
		if (!set_a[i].weight)
			XT_CHECK(share[set_a[i].id] == 0, "weight-0 id %u owns %u slots",
				 set_a[i].id, share[set_a[i].id]);
		else
			XT_CHECK(share[set_a[i].id] > 0, "id %u owns nothing", set_a[i].id);

	/* A drained backend is the same as an absent one: the operator can drain without
	 * moving any other flow. */
	for (size_t i = 0; i < n; i++)
		if (set_a[i].weight)
			set_b[kept++] = set_a[i];
	XT_EQ(maglev_build(set_b, kept, tab_b, BIG_M), 0);
	XT_CHECK(memcmp(tab_a, tab_b, sizeof(tab_a)) == 0, "weight 0 differs from absent");
	return XT_PASS;
}

static int test_all_zero_or_empty(void)
{
	for (size_t i = 0; i < 8; i++)
		backend_v6(&set_a[i], i, 0);

	for (__u32 s = 0; s < BIG_M; s++)
		tab_a[s] = SENTINEL;
	XT_EQ(maglev_build(set_a, 8, tab_a, BIG_M), 0);
	XT_CHECK(all_equal(tab_a, BIG_M, XLB_BACKEND_NONE), "all weights 0: slot not empty");

	for (__u32 s = 0; s < BIG_M; s++)
		tab_a[s] = SENTINEL;
	XT_EQ(maglev_build(NULL, 0, tab_a, BIG_M), 0);
	XT_CHECK(all_equal(tab_a, BIG_M, XLB_BACKEND_NONE), "n == 0: slot not empty");

	for (__u32 s = 0; s < 7; s++)
		tab_a[s] = SENTINEL;
	XT_EQ(maglev_build(set_a, 0, tab_a, 7), 0);
	XT_CHECK(all_equal(tab_a, 7, XLB_BACKEND_NONE), "n == 0, m = 7: slot not empty");
	return XT_PASS;
}

static int test_equal_weights_balance(void)
{
	static const __u32 sizes[] = { 7, 13, 251, 4093, BIG_M };
	static const size_t counts[] = { 1, 2, 3, 5, 7, 10, 64, 100, 1000 };

	for (size_t a = 0; a < sizeof(sizes) / sizeof(sizes[0]); a++) {
		for (size_t c = 0; c < sizeof(counts) / sizeof(counts[0]); c++) {
			size_t n = counts[c];
			__u32 m = sizes[a];
			__u32 lo = m / n, hi = (m + n - 1) / n;

			/* Any common weight, any family mix: plain round-robin turns. */
			for (size_t i = 0; i < n; i++)
				if (i % 2)
					backend_v6(&set_a[i], i, 7);
				else
					backend_v4(&set_a[i], i, 7);
			XT_EQ(maglev_build(set_a, n, tab_a, m), 0);
			XT_EQ(count_shares(tab_a, m, n), 0);
			for (size_t i = 1; i <= n; i++)
				XT_CHECK(share[i] >= lo && share[i] <= hi,
					 "m=%u n=%zu: id %zu owns %u, expected %u..%u", m, n, i,
					 share[i], lo, hi);
		}
	}
	return XT_PASS;
}

/* Build set_a and check each share against m * w / sum(w). A backend is short by at most its
 * unfinished turn (< 2 slots) and over by at most its part of the others' shortfall (about
 * share * n / m), so with m >= 200 n every share is within 1 % or within 2 slots. */
static int check_proportional(size_t n, __u32 m, const char *what)
{
	double sum = 0;

	for (size_t i = 0; i < n; i++)
		sum += set_a[i].weight;
	XT_EQ(maglev_build(set_a, n, tab_a, m), 0);
	XT_EQ(count_shares(tab_a, m, MAX_N + 1), 0);
	XT_EQ(share[XLB_BACKEND_NONE], 0);
	for (size_t i = 0; i < n; i++) {
		double expect = (double)m * set_a[i].weight / sum;
		double got = share[set_a[i].id];

		XT_CHECK(fabs(got - expect) <= fmax(0.01 * expect, 2.0),
			 "%s: id %u weight %u owns %.0f slots, expected %.1f", what, set_a[i].id,
			 set_a[i].weight, got, expect);
	}
	return XT_PASS;
}

static int test_unequal_weights(void)
{
	/* Small sets whose shares are large: here the 1 % bound is the binding one. */
	for (size_t i = 0; i < 3; i++)
		backend_v4(&set_a[i], i, i + 1);
	if (check_proportional(3, BIG_M, "1:2:3"))
		return XT_FAIL;
	backend_v4(&set_a[0], 0, 100);
	backend_v6(&set_a[1], 1, 50);
	if (check_proportional(2, BIG_M, "100:50"))
		return XT_FAIL;
	if (check_proportional(2, 251, "100:50, m = 251"))
		return XT_FAIL;

	/* Random weights over ranges from narrow to the full 16-bit weight of xlb_backend. */
	static const __u32 ranges[] = { 4, 10, 100, 1000, 65535 };

	for (size_t r = 0; r < sizeof(ranges) / sizeof(ranges[0]); r++) {
		static const size_t counts[] = { 10, 50, 300 };

		for (size_t c = 0; c < sizeof(counts) / sizeof(counts[0]); c++) {
			for (size_t i = 0; i < counts[c]; i++)
				backend_v4(&set_a[i], i, 1 + rng() % ranges[r]);
			if (check_proportional(counts[c], BIG_M, "random weights"))
				return XT_FAIL;
		}
	}

	/* One backend 1000 times heavier than the rest: the skewed-weight path. */
	fill_equal(set_a, 100, 1);
	set_a[37].weight = 1000;
	if (check_proportional(100, BIG_M, "1000:1 x 99"))
		return XT_FAIL;
	fill_equal(set_a, 300, 1);
	set_a[0].weight = 65535;
	set_a[299].weight = 65535;
	if (check_proportional(300, BIG_M, "65535 x 2 : 1 x 298"))
		return XT_FAIL;
	return XT_PASS;
}

static int test_determinism(void)
{
	const size_t n = 200;

	for (size_t i = 0; i < n; i++)
		if (i % 2)
			backend_v6(&set_a[i], i, rng() % 6);
		else
			backend_v4(&set_a[i], i, rng() % 6);
	set_a[0].weight = 3;
	XT_EQ(maglev_build(set_a, n, tab_a, BIG_M), 0);

	for (int round = 0; round < 5; round++) {
		memcpy(set_b, set_a, n * sizeof(set_a[0]));
		shuffle(set_b, n);
		XT_EQ(maglev_build(set_b, n, tab_b, BIG_M), 0);
		XT_CHECK(memcmp(tab_a, tab_b, sizeof(tab_a)) == 0, "shuffle %d: table differs",
			 round);
	}

	/* Ids are only labels: another node numbering the same set differently gets the same
	 * slots under its own labels. */
	memcpy(set_b, set_a, n * sizeof(set_a[0]));
	for (size_t i = 0; i < n; i++)
		set_b[i].id = 5000 + 3 * (n - i);
	XT_EQ(maglev_build(set_b, n, tab_b, BIG_M), 0);
	for (__u32 s = 0; s < BIG_M; s++) {
		__u32 i = tab_a[s] - 1;

		XT_CHECK(tab_a[s] != XLB_BACKEND_NONE && tab_b[s] == set_b[i].id,
			 "slot %u: relabelled table differs", s);
	}
	return XT_PASS;
}

/* The documented algorithm written the slow, obvious way: permutation entry j computed by
 * multiplication, the round quota by division, backends sorted by insertion. maglev.c walks
 * the permutation incrementally and may drive the turns from a heap; both must give exactly
 * this table. The seeds are pinned here on purpose: nodes running different xlb versions
 * must still build identical tables, so changing them is a compatibility break. */
#define REF_SEED_OFFSET 0x9e3779b9U
#define REF_SEED_SKIP 0x7f4a7c15U

static __u32 ref_hash(const struct maglev_backend *b, __u32 seed)
{
	__u32 h = xlb_hash_word(seed, b->family);

	for (int i = 0; i < 4; i++)
		h = xlb_hash_word(h, b->addr[i]);
	return xlb_hash_final(h, 5);
}

static int ref_before(const struct maglev_backend *x, const struct maglev_backend *y)
{
	if (x->family != y->family)
		return x->family < y->family;
	return memcmp(x->addr, y->addr, sizeof(x->addr)) < 0;
}

static void reference_build(const struct maglev_backend *in, size_t n, __u32 *table, __u32 m)
{
	static struct maglev_backend sorted[MAX_N + 1];
	static __u32 next[MAX_N + 1], placed[MAX_N + 1];
	__u64 wmax = 0;
	__u32 filled = 0;

	for (size_t i = 0; i < n; i++) {
		size_t j = i;

		while (j > 0 && ref_before(&in[i], &sorted[j - 1])) {
			sorted[j] = sorted[j - 1];
			j--;
		}
		sorted[j] = in[i];
		next[i] = placed[i] = 0;
		if (in[i].weight > wmax)
			wmax = in[i].weight;
	}
	for (__u32 s = 0; s < m; s++)
		table[s] = XLB_BACKEND_NONE;
	for (__u64 round = 1; wmax && filled < m; round++) {
		for (size_t i = 0; i < n && filled < m; i++) {
			const struct maglev_backend *b = &sorted[i];
			__u32 offset = ref_hash(b, REF_SEED_OFFSET) % m;
			__u32 skip = ref_hash(b, REF_SEED_SKIP) % (m - 1) + 1;
			__u32 slot;

			if (placed[i] >= round * b->weight / wmax)
				continue;
			do
				slot = (offset + (__u64)next[i]++ * skip) % m;
			while (table[slot] != XLB_BACKEND_NONE);
			table[slot] = b->id;
			placed[i]++;
			filled++;
		}
	}
}

static int test_matches_reference(void)
{
	static const struct {
		size_t n;
		__u32 m, wrange; /* weights 1..wrange; 0 = equal weights */
		__u32 heavy; /* weight of backend 0 when non-zero: the skewed-weight path */
	} sets[] = {
		{ 1, 7, 0, 0 },		 { 10, 251, 0, 0 },	   { 20, 7, 3, 0 },
		{ 50, 4093, 5, 0 },	 { 1000, BIG_M, 0, 0 },	   { 300, BIG_M, 100, 0 },
		{ 100, BIG_M, 0, 1000 }, { 300, BIG_M, 2, 65535 }, { 64, 4093, 0, 2000 },
	};

	for (size_t k = 0; k < sizeof(sets) / sizeof(sets[0]); k++) {
		size_t n = sets[k].n;
		__u32 m = sets[k].m;

		for (size_t i = 0; i < n; i++) {
			__u32 w = sets[k].wrange ? rng() % (sets[k].wrange + 1) : 1;

			if (i % 3 == 1)
				backend_v6(&set_a[i], i, w);
			else
				backend_v4(&set_a[i], i, w);
		}
		set_a[0].weight = sets[k].heavy ? sets[k].heavy : 1;
		shuffle(set_a, n);
		XT_EQ(maglev_build(set_a, n, tab_a, m), 0);
		reference_build(set_a, n, tab_b, m);
		XT_CHECK(memcmp(tab_a, tab_b, m * sizeof(tab_a[0])) == 0,
			 "set %zu (n=%zu m=%u): differs from the reference", k, n, m);
	}
	return XT_PASS;
}

/* Slots that changed owner although neither owner is the backend that left or arrived. */
static __u32 extra_moves(const __u32 *before, const __u32 *after, __u32 m, __u32 changed_id)
{
	__u32 moved = 0;

	for (__u32 s = 0; s < m; s++)
		if (before[s] != after[s] && before[s] != changed_id && after[s] != changed_id)
			moved++;
	return moved;
}

static int test_disruption(void)
{
	static const size_t counts[] = { 2, 3, 10, 100, 1000 };
	const double limit = 0.015 * BIG_M;

	for (size_t c = 0; c < sizeof(counts) / sizeof(counts[0]); c++) {
		size_t n = counts[c], gone = n / 2;
		__u32 removed, added;

		fill_equal(set_a, n, 1);
		XT_EQ(maglev_build(set_a, n, tab_a, BIG_M), 0);

		/* Remove a backend from the middle of the address order. */
		memcpy(set_b, set_a, n * sizeof(set_a[0]));
		set_b[gone] = set_b[n - 1];
		XT_EQ(maglev_build(set_b, n - 1, tab_b, BIG_M), 0);
		removed = extra_moves(tab_a, tab_b, BIG_M, set_a[gone].id);
		XT_EQ(count_shares(tab_b, BIG_M, n), 0);
		XT_EQ(share[set_a[gone].id], 0);

		/* Add one whose address sorts in the middle of the others. */
		memcpy(set_b, set_a, n * sizeof(set_a[0]));
		backend_v4(&set_b[n], n, 1);
		set_b[n].addr[0] = htonl(ntohl(set_a[gone].addr[0]) + 1);
		XT_EQ(maglev_build(set_b, n + 1, tab_b, BIG_M), 0);
		added = extra_moves(tab_a, tab_b, BIG_M, n + 1);
		XT_EQ(count_shares(tab_b, BIG_M, n + 1), 0);
		XT_CHECK(share[n + 1] >= BIG_M / (n + 1) && share[n + 1] <= BIG_M / (n + 1) + 1,
			 "added backend owns %u", share[n + 1]);

		printf("    disruption m=%u N=%-4zu remove one: %5u slots (%.3f %%), add one: "
		       "%5u slots (%.3f %%)\n",
		       BIG_M, n, removed, 100.0 * removed / BIG_M, added, 100.0 * added / BIG_M);
		XT_CHECK(removed <= limit, "N=%zu remove: %u extra moves", n, removed);
		XT_CHECK(added <= limit, "N=%zu add: %u extra moves", n, added);
	}
	return XT_PASS;
}

struct flow {
	__u32 seed, src[4], dst[4];
	__u16 sport, dport;
	__u8 proto, family;
};

/* The hash under test: xlb_flow_hash() or xlb_conn_hash(). */
static __u32 (*hash_fn)(__u32 seed, __u8 family, const __u32 *src, const __u32 *dst, __u16 sport,
			__u16 dport, __u8 proto) = xlb_flow_hash;
static const char *hash_name = "flow hash";

static __u32 flow_hash(const struct flow *f)
{
	return hash_fn(f->seed, f->family, f->src, f->dst, f->sport, f->dport, f->proto);
}

static void random_flow(struct flow *f, __u8 family)
{
	memset(f, 0, sizeof(*f));
	f->seed = rng();
	f->family = family;
	for (int i = 0; i < (family == XLB_AF_INET ? 1 : 4); i++) {
		f->src[i] = rng();
		f->dst[i] = rng();
	}
	f->sport = rng();
	f->dport = rng();
	f->proto = rng() % 2 ? IPPROTO_TCP : IPPROTO_UDP;
}

static int test_flow_hash_fields(void)
{
	for (int k = 0; k < 2000; k++) {
		__u8 family = k % 2 ? XLB_AF_INET6 : XLB_AF_INET;
		int words = family == XLB_AF_INET ? 1 : 4;
		struct flow f, g;
		__u32 h;

		random_flow(&f, family);
		h = flow_hash(&f);
		g = f;
		XT_EQ(flow_hash(&g), h);

		/* Each field alone, by one (neighbouring flows) and by a random odd amount: odd,
		 * so that even the 8-bit proto really changes. */
		for (int delta = 0; delta < 2; delta++) {
			__u32 d = delta ? rng() | 1 : 1;

#define CHANGED(field)                                                                      \
	do {                                                                                \
		g = f;                                                                      \
		g.field += d;                                                               \
		XT_CHECK(flow_hash(&g) != h, "changing " #field " by %u kept the hash", d); \
	} while (0)
			CHANGED(seed);
			CHANGED(sport);
			CHANGED(dport);
			CHANGED(proto);
			for (int w = 0; w < words; w++) {
				CHANGED(src[w]);
				CHANGED(dst[w]);
			}
#undef CHANGED
		}
		/* Swapping directions is a different flow. */
		g = f;
		memcpy(g.src, f.dst, sizeof(g.src));
		memcpy(g.dst, f.src, sizeof(g.dst));
		XT_CHECK(flow_hash(&g) != h, "swapped addresses kept the hash");
	}
	return XT_PASS;
}

static int test_flow_hash_v4_ignores_upper_words(void)
{
	for (int k = 0; k < 1000; k++) {
		struct flow f, g;

		random_flow(&f, XLB_AF_INET);
		g = f;
		for (int w = 1; w < 4; w++) {
			g.src[w] = rng();
			g.dst[w] = rng();
		}
		XT_EQ(flow_hash(&g), flow_hash(&f));
		/* The same words read as IPv6 do count. */
		g.family = XLB_AF_INET6;
		XT_CHECK(flow_hash(&g) != flow_hash(&f), "IPv6 ignored its upper words");
	}
	return XT_PASS;
}

/* Chi-square of 100000 flows with consecutive source ports over hash % 65537, as the data
 * path indexes the Maglev table, and over hash x 65537 >> 32, as it indexes the connection
 * table's buckets (xlb_conn_index()). For a uniform hash it is about df = 65536 with standard
 * deviation sqrt(2 df) = 362; allow 5 of them. A Poisson(1.53) bucket above 12 has odds
 * of about 1 in 200 over the whole table. */
static int spread_case(__u8 family, bool high)
{
	static unsigned short bucket[BIG_M];
	const __u32 flows = 100000;
	const double expect = (double)flows / BIG_M;
	double chi2 = 0, tol = 5 * sqrt(2.0 * (BIG_M - 1));
	unsigned int max = 0;
	struct flow f;

	memset(bucket, 0, sizeof(bucket));
	memset(&f, 0, sizeof(f));
	f.seed = 0x5eed;
	f.family = family;
	f.proto = IPPROTO_TCP;
	f.dport = htons(443);
	f.dst[0] = htonl(0xcb007101); /* 203.0.113.1 */
	for (__u32 i = 0; i < flows; i++) {
		/* Ports 1024..65535, then the next client address. */
		f.src[family == XLB_AF_INET ? 0 : 3] = htonl(0xc6336400U + 7 + i / 64512);
		f.sport = htons(1024 + i % 64512);
		bucket[high ? (__u32)(((__u64)flow_hash(&f) * BIG_M) >> 32)
			    : flow_hash(&f) % BIG_M]++;
	}
	for (__u32 b = 0; b < BIG_M; b++) {
		chi2 += (bucket[b] - expect) * (bucket[b] - expect) / expect;
		if (bucket[b] > max)
			max = bucket[b];
	}
	printf("    %s spread %s, %s: chi2 = %.0f (df %u, bound +-%.0f), fullest bucket %u\n",
	       hash_name, family == XLB_AF_INET ? "IPv4" : "IPv6", high ? "high bits" : "% M", chi2,
	       BIG_M - 1, tol, max);
	XT_CHECK(fabs(chi2 - (BIG_M - 1)) <= tol, "chi2 = %.0f", chi2);
	XT_CHECK(max <= 12, "fullest bucket %u", max);
	return XT_PASS;
}

static int test_flow_hash_spread(void)
{
	for (int high = 0; high < 2; high++)
		if (spread_case(XLB_AF_INET, high) || spread_case(XLB_AF_INET6, high))
			return XT_FAIL;
	return XT_PASS;
}

/* The three tests above for xlb_conn_hash(). */
static int with_conn_hash(int (*test)(void))
{
	int rc;

	hash_fn = xlb_conn_hash;
	hash_name = "connection hash";
	rc = test();
	hash_fn = xlb_flow_hash;
	hash_name = "flow hash";
	return rc;
}

static int test_conn_hash_fields(void)
{
	return with_conn_hash(test_flow_hash_fields);
}

static int test_conn_hash_v4_ignores_upper_words(void)
{
	return with_conn_hash(test_flow_hash_v4_ignores_upper_words);
}

static int test_conn_hash_spread(void)
{
	return with_conn_hash(test_flow_hash_spread);
}

/* The fingerprint names addresses, not ids: other ids give the same value; another table
 * does not. */
static int t_fingerprint_by_address(void)
{
	struct maglev_backend a[3], b[3];
	__u64 fa, fb;

	for (__u32 i = 0; i < 3; i++) {
		backend_v4(&a[i], i, 1);
		b[i] = a[i];
		b[i].id = 100 + i;
	}
	XT_EQ(maglev_build(a, 3, tab_a, 251), 0);
	XT_EQ(maglev_build(b, 3, tab_b, 251), 0);
	fa = maglev_fingerprint(tab_a, 251, a, 3);
	fb = maglev_fingerprint(tab_b, 251, b, 3);
	XT_CHECK(fa == fb, "fingerprints %llx and %llx differ", (unsigned long long)fa,
		 (unsigned long long)fb);
	a[2].weight = 2;
	XT_EQ(maglev_build(a, 3, tab_a, 251), 0);
	XT_CHECK(maglev_fingerprint(tab_a, 251, a, 3) != fb, "a different table, same fingerprint");
	tab_b[7] = XLB_BACKEND_NONE;
	XT_CHECK(maglev_fingerprint(tab_b, 251, b, 3) != fb, "an emptied slot went unnoticed");
	return XT_PASS;
}

/* The fingerprint's definition, slot by slot with a walk for each id (maglev.h): what the
 * indexed lookups of maglev_fingerprint() must reproduce. */
static __u64 fingerprint_ref(const __u32 *table, __u32 m, const struct maglev_backend *b, size_t n)
{
	__u64 h = 0xcbf29ce484222325ULL;

	for (__u32 s = 0; s < m; s++) {
		__u8 rec[17] = { 0 };
		__u64 d = 0xcbf29ce484222325ULL;

		for (size_t i = 0; table[s] != XLB_BACKEND_NONE && i < n; i++)
			if (b[i].id == table[s]) {
				rec[0] = b[i].family;
				memcpy(rec + 1, b[i].addr, 16);
				break;
			}
		for (size_t k = 0; k < sizeof(rec); k++)
			d = (d ^ rec[k]) * 0x100000001b3ULL;
		h = (h ^ d) * 0x100000001b3ULL;
		h ^= h >> 29;
	}
	return h;
}

/* maglev_fingerprint() looks ids up three ways (an array by id when the ids are dense, one
 * slot per id when they spread without meeting, a probed index otherwise); each must give the
 * reference's value, with slots holding no id or an id of no backend, and a repeated id. */
static int t_fingerprint_lookups(void)
{
	static const struct {
		const char *name;
		size_t n;
		__u32 base, stride; /* ids base + i * stride; stride 0: random */
	} kinds[] = {
		{ "dense ids", 16, 7, 1 },
		{ "dense ids with gaps", 100, 1, 3 },
		{ "spread ids", 16, 1000, 2039 },
		{ "random ids", 40, 0, 0 },
		{ "many random ids (probed)", 1000, 0, 0 },
	};

	for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		size_t n = kinds[k].n;
		__u32 top = 0;
		__u64 fp, ref;

		for (__u32 i = 0; i < n; i++) {
			backend_v4(&set_a[i], i, 1 + rng() % 3);
			set_a[i].id = kinds[k].stride ? kinds[k].base + i * kinds[k].stride
						      : 1 + rng() % 1000000;
		}
		/* Random ids may repeat by chance, and one repeats on purpose: the first
		 * entry of a repeated id names its slots. */
		set_a[n - 1].id = set_a[n / 2].id;
		for (__u32 i = 0; i < n; i++)
			top = set_a[i].id > top ? set_a[i].id : top;
		for (__u32 s = 0; s < BIG_M; s++)
			tab_a[s] = set_a[rng() % n].id;
		tab_a[0] = XLB_BACKEND_NONE;
		tab_a[1] = 0x7fffffffU; /* no backend's */
		tab_a[2] = set_a[0].id - 1 ? set_a[0].id - 1 : 2000001; /* below the dense range */
		tab_a[3] = top + 1; /* just above it */
		fp = maglev_fingerprint(tab_a, BIG_M, set_a, n);
		ref = fingerprint_ref(tab_a, BIG_M, set_a, n);
		XT_CHECK(fp == ref, "%s: fingerprint %016llx, the definition gives %016llx",
			 kinds[k].name, (unsigned long long)fp, (unsigned long long)ref);
	}
	XT_CHECK(maglev_fingerprint(tab_a, 7, set_a, 0) == fingerprint_ref(tab_a, 7, set_a, 0),
		 "no backends: not every slot the empty record");
	return XT_PASS;
}

static const struct xt_case cases[] = {
	{ "fingerprint_by_address", t_fingerprint_by_address },
	{ "fingerprint_lookups", t_fingerprint_lookups },
	{ "is_prime", test_is_prime },
	{ "invalid_inputs", test_invalid_inputs },
	{ "no_empty_slot", test_no_empty_slot },
	{ "weight_zero_owns_nothing", test_weight_zero_owns_nothing },
	{ "all_zero_or_empty", test_all_zero_or_empty },
	{ "equal_weights_balance", test_equal_weights_balance },
	{ "unequal_weights", test_unequal_weights },
	{ "determinism", test_determinism },
	{ "matches_reference", test_matches_reference },
	{ "disruption", test_disruption },
	{ "flow_hash_fields", test_flow_hash_fields },
	{ "flow_hash_v4_ignores_upper_words", test_flow_hash_v4_ignores_upper_words },
	{ "flow_hash_spread", test_flow_hash_spread },
	{ "conn_hash_fields", test_conn_hash_fields },
	{ "conn_hash_v4_ignores_upper_words", test_conn_hash_v4_ignores_upper_words },
	{ "conn_hash_spread", test_conn_hash_spread },
};

int main(int argc, char **argv)
{
	return xt_run("unit/maglev", cases, sizeof(cases) / sizeof(cases[0]),
		      argc > 1 ? argv[1] : NULL);
}
