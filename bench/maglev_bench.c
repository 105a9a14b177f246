/* SPDX-License-Identifier: GPL-2.0 */
/* maglev_bench.c - Maglev build time, balance and disruption (a benchmark: no pass/fail).
 *
 * Build times are the median, min and max over interleaved rounds (every configuration once
 * per round), because these VMs switch speed within seconds; the floor row is the cost of
 * merely writing m slots, measured in the same rounds. BENCH_QUICK=1 runs fewer rounds.
 *
 *   maglev_bench [-o FILE]
 *
 * -o FILE: also write every round as tab-separated rows for scripts/bench-report.py:
 * "maglev M/SET ms ROUND VALUE", and "attr maglev M/SET KEY VALUE" rows with m, set, balance,
 * fail, must and extra.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "xlb_abi.h"
#include "maglev.h"

#define ROUNDS 11
#define QUICK_ROUNDS 3
#define MAX_N 1000

/* One backend set; the same sets are built at every table size. */
struct bench_set {
	const char *name;
	size_t n;
	__u32 wmin, wmax; /* weights drawn uniformly from wmin..wmax */
	__u32 heavy; /* when non-zero, backend 0 gets this weight: the skewed-weight path */
};

static const struct bench_set sets[] = {
	{ "n=10 equal", 10, 1, 1, 0 },
	{ "n=100 equal", 100, 1, 1, 0 },
	{ "n=1000 equal", 1000, 1, 1, 0 },
	{ "n=100 w=1..100", 100, 1, 100, 0 },
	{ "n=1000, one 1000x", 1000, 1, 1, 1000 },
};

static const __u32 sizes[] = { 65537, XLB_MAX_TABLE_SIZE };

#define NSETS (sizeof(sets) / sizeof(sets[0]))
#define NSIZES (sizeof(sizes) / sizeof(sizes[0]))

/* Results of one (size, set) configuration; the floor uses set index NSETS. */
struct bench_result {
	double ms[ROUNDS];
	double balance, must_pct, extra_pct;
	size_t failed;
};

static struct bench_result results[NSIZES][NSETS + 1];
static struct maglev_backend backends[NSETS][MAX_N], degraded[MAX_N];
static unsigned int owned[MAX_N + 1];

static __u32 rng_state = 88172645U;

static __u32 rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 17;
	rng_state ^= rng_state << 5;
	return rng_state;
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void make_set(const struct bench_set *s, struct maglev_backend *b)
{
	for (size_t i = 0; i < s->n; i++) {
		memset(&b[i], 0, sizeof(b[i]));
		b[i].family = XLB_AF_INET;
		b[i].addr[0] = htonl(0x0a000000U + (__u32)i);
		b[i].weight = s->wmin + rng() % (s->wmax - s->wmin + 1);
		b[i].id = i + 1;
	}
	if (s->heavy)
		b[0].weight = s->heavy;
}

/* Slots per unit weight of the best-served backend over the worst-served one (1.0 = perfect). */
static double balance(const struct maglev_backend *b, size_t n, const __u32 *table, __u32 m)
{
	double lo = 1e300, hi = 0;

	memset(owned, 0, sizeof(owned));
	for (__u32 s = 0; s < m; s++)
		owned[table[s]]++;
	for (size_t i = 0; i < n; i++) {
		double per;

		if (!b[i].weight)
			continue;
		per = (double)owned[b[i].id] / b[i].weight;
		lo = per < lo ? per : lo;
		hi = per > hi ? per : hi;
	}
	return hi / lo;
}

/* Fail 1 % of the backends (at least one, chosen at random) by giving them weight 0, rebuild,
 * and split the slots that changed owner into those that had to (the failed backends' own)
 * and those that moved between survivors. */
static int disruption(struct bench_result *r, const struct maglev_backend *b, size_t n,
		      const __u32 *before, __u32 *after, __u32 m)
{
	size_t fail = n / 100 ? n / 100 : 1;
	__u32 must = 0, extra = 0;
	int err;

	memcpy(degraded, b, n * sizeof(b[0]));
	for (size_t k = 0; k < fail;) {
		size_t i = rng() % n;

		if (degraded[i].weight) {
			degraded[i].weight = 0;
			k++;
		}
	}
	err = maglev_build(degraded, n, after, m);
	if (err)
		return err;
	for (__u32 s = 0; s < m; s++) {
		/* ids are index + 1, so the owner's entry says whether it failed. */
		if (!degraded[before[s] - 1].weight)
			must++;
		else if (after[s] != before[s])
			extra++;
	}
	r->failed = fail;
	r->must_pct = 100.0 * must / m;
	r->extra_pct = 100.0 * extra / m;
	return 0;
}

/* The unavoidable part of any build: writing m slots, here round-robin over n ids. */
static void floor_fill(__u32 *table, __u32 m, __u32 n)
{
	__u32 id = 1;

	for (__u32 s = 0; s < m; s++) {
		table[s] = id;
		id = id == n ? 1 : id + 1;
	}
}

/* Write the raw rounds and each configuration's balance and disruption for the report. */
static int write_tsv(const char *path, int rounds)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return -errno;
	for (size_t z = 0; z < NSIZES; z++) {
		for (size_t k = 0; k <= NSETS; k++) {
			struct bench_result *res = &results[z][k];
			const char *set = k < NSETS ? sets[k].name : "floor: write m slots";
			char name[64];

			snprintf(name, sizeof(name), "%u/%s", sizes[z], set);
			fprintf(f, "attr\tmaglev\t%s\tm\t%u\n", name, sizes[z]);
			fprintf(f, "attr\tmaglev\t%s\tset\t%s\n", name, set);
			if (k < NSETS) {
				fprintf(f, "attr\tmaglev\t%s\tn\t%zu\n", name, sets[k].n);
				fprintf(f, "attr\tmaglev\t%s\tbalance\t%.4f\n", name, res->balance);
				fprintf(f, "attr\tmaglev\t%s\tfail\t%zu\n", name, res->failed);
				fprintf(f, "attr\tmaglev\t%s\tmust\t%.3f\n", name, res->must_pct);
				fprintf(f, "attr\tmaglev\t%s\textra\t%.3f\n", name, res->extra_pct);
			}
			for (int r = 0; r < rounds; r++)
				fprintf(f, "maglev\t%s\tms\t%d\t%.4f\n", name, r, res->ms[r]);
		}
	}
	return fclose(f) ? -errno : 0;
}

int main(int argc, char **argv)
{
	const char *tsv = argc == 3 && !strcmp(argv[1], "-o") ? argv[2] : NULL;
	const char *quick = getenv("BENCH_QUICK");
	int rounds = quick && *quick && strcmp(quick, "0") ? QUICK_ROUNDS : ROUNDS;
	__u32 *table, *spare;
	volatile __u32 sink = 0; /* keeps the floor's writes observable */
	int err;

	if (argc > 1 && !tsv) {
		fprintf(stderr, "usage: maglev_bench [-o FILE]\n");
		return 2;
	}
	table = malloc(XLB_MAX_TABLE_SIZE * sizeof(*table));
	spare = malloc(XLB_MAX_TABLE_SIZE * sizeof(*spare));
	if (!table || !spare) {
		fprintf(stderr, "maglev_bench: out of memory for two %u-slot tables\n",
			XLB_MAX_TABLE_SIZE);
		return 1;
	}
	for (size_t k = 0; k < NSETS; k++)
		make_set(&sets[k], backends[k]);

	for (int r = 0; r < rounds; r++) {
		for (size_t z = 0; z < NSIZES; z++) {
			double t0;

			for (size_t k = 0; k < NSETS; k++) {
				t0 = now_ms();
				err = maglev_build(backends[k], sets[k].n, table, sizes[z]);
				results[z][k].ms[r] = now_ms() - t0;
				if (err) {
					fprintf(stderr, "maglev_bench: build %s m=%u failed: %s\n",
						sets[k].name, sizes[z], strerror(-err));
					return 1;
				}
			}
			t0 = now_ms();
			floor_fill(table, sizes[z], 100);
			sink += table[sizes[z] / 2];
			results[z][NSETS].ms[r] = now_ms() - t0;
		}
	}

	/* Balance and disruption do not depend on timing: one build each, outside the rounds. */
	for (size_t z = 0; z < NSIZES; z++) {
		for (size_t k = 0; k < NSETS; k++) {
			struct bench_result *res = &results[z][k];

			err = maglev_build(backends[k], sets[k].n, table, sizes[z]);
			if (!err)
				err = disruption(res, backends[k], sets[k].n, table, spare,
						 sizes[z]);
			if (err) {
				fprintf(stderr, "maglev_bench: build %s m=%u failed: %s\n",
					sets[k].name, sizes[z], strerror(-err));
				return 1;
			}
			res->balance = balance(backends[k], sets[k].n, table, sizes[z]);
		}
	}

	printf("maglev_bench: %d interleaved rounds, CLOCK_MONOTONIC, build times in ms\n", rounds);
	printf("balance = max/min slots per unit weight; 1 %% of backends fail (weight 0): "
	       "must = their slots, extra = slots moved between survivors (%% of m)\n\n");
	printf("%7s  %-20s %8s %8s %8s %8s %5s %8s %8s\n", "m", "backends", "median", "min", "max",
	       "balance", "fail", "must %", "extra %");
	for (size_t z = 0; z < NSIZES; z++) {
		for (size_t k = 0; k <= NSETS; k++) {
			struct bench_result *res = &results[z][k];
			double sorted[ROUNDS];

			memcpy(sorted, res->ms, rounds * sizeof(sorted[0]));
			qsort(sorted, rounds, sizeof(sorted[0]), cmp_double);
			printf("%7u  %-20s %8.3f %8.3f %8.3f", sizes[z],
			       k < NSETS ? sets[k].name : "floor: write m slots",
			       sorted[rounds / 2], sorted[0], sorted[rounds - 1]);
			if (k < NSETS)
				printf(" %8.3f %5zu %8.3f %8.3f\n", res->balance, res->failed,
				       res->must_pct, res->extra_pct);
			else
				printf(" %8s %5s %8s %8s\n", "-", "-", "-", "-");
		}
	}
	free(spare);
	free(table);
	if (tsv && (err = write_tsv(tsv, rounds))) {
		fprintf(stderr, "maglev_bench: cannot write %s: %s\n", tsv, strerror(-err));
		return 1;
	}
	return 0;
}
