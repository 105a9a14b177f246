// SPDX-License-Identifier: GPL-2.0
/* table_bench.c - the time to publish Maglev tables (a benchmark: no pass/fail): xlbd's own
 * dp_table_swap() writes N tables of M slots (in chunks of 1,024) and swaps each into
 * xlb_tables, replacing the table of the round before, two ways in the same process: each into
 * a new map (the table pool off) or into a map of the pool, the one a swap before took out
 * (what xlbd does). Rounds interleave the cases and alternate which way goes first, because
 * these VMs switch speed within seconds. Needs root: the maps are pinned under
 * /sys/fs/bpf/xlb-table-bench-PID and removed at the end. BENCH_QUICK=1 runs fewer rounds.
 *
 *   table_bench [-o FILE]
 *
 * -o FILE: also write every round as tab-separated rows for scripts/bench-report.py:
 * "tables CASE WAY_ms ROUND VALUE" (WAY is new or reused), and "attr tables CASE n|m VALUE".
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dataplane.h"
#include "log.h"
#include "xlb_abi.h"

#define ROUNDS 5
#define QUICK_ROUNDS 2

/* N tables of M slots: the 512 x 10 and 16 x 1,000 shapes of bench/xlbd_scale.py, and the
 * largest table. */
static const struct bench_case {
	const char *name;
	__u32 n, m;
} cases[] = {
	{ "512 tables x 65537 slots", 512, 65537 },
	{ "16 tables x 100003 slots", 16, 100003 },
	{ "16 tables x 655373 slots", 16, XLB_MAX_TABLE_SIZE },
};
#define NCASES (sizeof(cases) / sizeof(cases[0]))

/* The table pool's bound for each way. */
static const struct {
	unsigned pool;
	const char *name;
} ways[] = { { 0, "new" }, { DP_TABLE_POOL_MAPS, "reused" } };

static double ms[NCASES][2][ROUNDS];

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Publish the n tables of one case one way; each replaces the table of the round
 * before. Returns the milliseconds, or a negative errno. */
static double publish(struct dp *dp, const struct bench_case *c, const __u32 *ids)
{
	double t0 = now_ms();
	int ret;

	for (__u32 s = 0; s < c->n; s++) {
		ret = dp_table_swap(dp, s, ids, c->m, NULL);
		if (ret)
			return ret;
	}
	return now_ms() - t0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(const double *v, int n)
{
	double s[ROUNDS];

	memcpy(s, v, sizeof(*v) * (size_t)n);
	qsort(s, (size_t)n, sizeof(*s), cmp_double);
	return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

static int write_tsv(const char *path, int rounds)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return -errno;
	for (size_t c = 0; c < NCASES; c++) {
		fprintf(f, "attr\ttables\t%s\tn\t%u\n", cases[c].name, cases[c].n);
		fprintf(f, "attr\ttables\t%s\tm\t%u\n", cases[c].name, cases[c].m);
		for (int k = 0; k < 2; k++)
			for (int r = 0; r < rounds; r++)
				fprintf(f, "tables\t%s\t%s_ms\t%d\t%.3f\n", cases[c].name,
					ways[k].name, r, ms[c][k][r]);
	}
	return fclose(f) ? -errno : 0;
}

int main(int argc, char **argv)
{
	const char *tsv = argc == 3 && !strcmp(argv[1], "-o") ? argv[2] : NULL;
	const char *quick = getenv("BENCH_QUICK");
	int rounds = quick && *quick && strcmp(quick, "0") ? QUICK_ROUNDS : ROUNDS;
	char pin[64], err[256];
	struct dp *dp = NULL;
	__u32 *ids;
	int ret = 1;

	if (argc > 1 && !tsv) {
		fprintf(stderr, "usage: table_bench [-o FILE]\n");
		return 2;
	}
	ids = malloc(sizeof(*ids) * XLB_MAX_TABLE_SIZE);
	if (!ids) {
		fprintf(stderr, "table_bench: out of memory for a %u-slot table\n",
			XLB_MAX_TABLE_SIZE);
		return 1;
	}
	/* Ten backends in turn: the contents do not change the cost of either way. */
	for (__u32 i = 0; i < XLB_MAX_TABLE_SIZE; i++)
		ids[i] = 1 + i % 10;
	xlog_set_level(XLOG_ERR);
	snprintf(pin, sizeof(pin), "/sys/fs/bpf/xlb-table-bench-%d", getpid());
	if (dp_open(&dp, pin, 1024, err, sizeof(err))) {
		fprintf(stderr, "table_bench: %s\n", err);
		goto out;
	}
	for (int r = 0; r < rounds; r++) {
		for (size_t c = 0; c < NCASES; c++) {
			for (int i = 0; i < 2; i++) {
				int k = (r + i) % 2; /* new first in even rounds, reused in odd */
				double t;

				dp_table_pool_set(dp, ways[k].pool);
				t = publish(dp, &cases[c], ids);
				if (t < 0) {
					fprintf(stderr, "table_bench: %s, %s maps: %s\n",
						cases[c].name, ways[k].name, strerror((int)-t));
					goto out;
				}
				ms[c][k][r] = t;
			}
		}
	}
	printf("%-26s %12s %12s %8s %s\n", "case", "new ms", "reused ms", "new/", "rounds");
	for (size_t c = 0; c < NCASES; c++) {
		double a = median(ms[c][0], rounds), b = median(ms[c][1], rounds);

		printf("%-26s %12.1f %12.1f %7.1fx %d (per table %.3f / %.3f ms)\n", cases[c].name,
		       a, b, a / b, rounds, a / cases[c].n, b / cases[c].n);
	}
	ret = 0;
	if (tsv && (ret = write_tsv(tsv, rounds))) {
		fprintf(stderr, "table_bench: cannot write %s: %s\n", tsv, strerror(-ret));
		ret = 1;
	}
out:
	for (__u32 s = 0; dp && s < XLB_MAX_SERVICES; s++)
		dp_table_delete(dp, s);
	dp_close(dp);
	dp_cleanup(pin);
	free(ids);
	return ret;
}
