// SPDX-License-Identifier: GPL-2.0
/* dataplane_bench.c - ns per packet of xlb_process() (the code of xlb_lb) under
 * BPF_PROG_TEST_RUN, next to floors measured in the same interleaved rounds. A benchmark, not
 * a test: it prints median, min and max per case and checks that every run returned the
 * verdict the case is about (a benchmark that silently measures XDP_PASS is worthless).
 * Method and traps: shared design notes, performance.md. Needs root. BENCH_QUICK=1: shorter.
 *
 *   dataplane_bench [-o FILE]
 *
 * -o FILE: also write every round's figure as tab-separated rows for scripts/bench-report.py:
 * "dataplane CASE ns ROUND VALUE", and per case "attr dataplane CASE KEY VALUE" rows (katran:
 * the anchor; net: 1 when the wrapper's undo cost is to be subtracted). */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bench.skel.h"
#include "frame.h"
#include "lbenv.h"
#include "lbfill.h"

#define MAX_ROUNDS 15
#define BIG_CONNS (4U << 20)
#define SMALL_CONNS 65536

/* One loaded copy of the benchmark object with its own connection table. */
struct benv {
	struct bench_bpf *skel;
	struct lbenv lb;
};

struct bcase {
	const char *name;
	const char *prog; /* program in bench.bpf.c */
	struct frame_spec s;
	int action; /* the verdict every run must return */
	int small; /* 1: run in the small-table copy (eviction) */
	uint32_t vary_off; /* offset of the varied 32-bit field, 0 = one flow */
	uint32_t vary_count; /* distinct flows cycled; 0 = a new flow every run */
	uint32_t vary_base;
	uint32_t repeat;
	uint32_t warm; /* runs before timing (fill the connection table) */
	const char *katran; /* anchor from performance.md: Katran median (min) ns */
};

#define OFF_SADDR4 (14 + 12)
#define CLIENT4 .family = 4, .src = "198.51.100.7", .sport = 40000, .payload = 64
#define CLIENT6 .family = 6, .src = "2001:db8:c::7", .sport = 40000, .payload = 64

#define TCP4_TO(vip, port)                                               \
	{                                                                \
		CLIENT4, .dst = vip, .dport = port, .proto = IPPROTO_TCP \
	}
#define TCP6_TO(vip, port)                                               \
	{                                                                \
		CLIENT6, .dst = vip, .dport = port, .proto = IPPROTO_TCP \
	}
#define M1 1000000

static struct bcase CASES[] = {
	{ .name = "floor: return XDP_TX",
	  .prog = "bench_floor_tx",
	  .s = TCP4_TO("10.0.0.10", 80),
	  .action = XDP_TX,
	  .repeat = M1,
	  .katran = "10 (7)" },
	{ .name = "floor: parse + MAC swap + XDP_TX",
	  .prog = "bench_floor_swap",
	  .s = TCP4_TO("10.0.0.10", 80),
	  .action = XDP_TX,
	  .repeat = M1,
	  .katran = "17 (9)" },
	{ .name = "undo cost (subtracted below)",
	  .prog = "bench_undo",
	  .s = TCP4_TO("10.0.0.10", 80),
	  .action = XDP_TX,
	  .repeat = M1,
	  .katran = "-" },
	{ .name = "TCP ACK established, 1 flow (4in4)",
	  .prog = "bench_xlb",
	  .s = TCP4_TO("10.0.0.10", 80),
	  .action = XDP_TX,
	  .repeat = M1,
	  .warm = 1,
	  .katran = "143 (94)" },
	{ .name = "TCP ACK established, 1M flows",
	  .prog = "bench_xlb",
	  .s = TCP4_TO("10.0.0.10", 80),
	  .action = XDP_TX,
	  .vary_off = OFF_SADDR4,
	  .vary_count = M1,
	  .vary_base = 0x0a640000,
	  .repeat = M1,
	  .warm = M1,
	  .katran = "371 (293)" },
	{ .name = "TCP SYN, new flow, entry written",
	  .prog = "bench_xlb",
	  .s = { CLIENT4, .dst = "10.0.0.10", .dport = 80, .proto = IPPROTO_TCP,
		 .tcp_flags = 0x02 },
	  .action = XDP_TX,
	  .vary_off = OFF_SADDR4,
	  .vary_base = 0x0b000000,
	  .repeat = 100000,
	  .katran = "304 (219)" },
	{ .name = "new flow per packet, table full",
	  .prog = "bench_xlb",
	  .s = TCP4_TO("10.0.0.10", 80),
	  .action = XDP_TX,
	  .small = 1,
	  .vary_off = OFF_SADDR4,
	  .vary_base = 0x0c000000,
	  .repeat = 100000,
	  .warm = 2 * SMALL_CONNS,
	  .katran = "~1400 (1090)" },
	{ .name = "UDP established",
	  .prog = "bench_xlb",
	  .s = { CLIENT4, .dst = "10.0.0.10", .dport = 53, .proto = IPPROTO_UDP },
	  .action = XDP_TX,
	  .repeat = M1,
	  .warm = 1,
	  .katran = "142 (125)" },
	{ .name = "IPv6 TCP ACK, IPv6 backend (6in6)",
	  .prog = "bench_xlb",
	  .s = TCP6_TO("2001:db8::10", 80),
	  .action = XDP_TX,
	  .repeat = M1,
	  .warm = 1,
	  .katran = "118 (89)" },
	{ .name = "IPv4 TCP ACK, IPv6 backend (4in6)",
	  .prog = "bench_xlb",
	  .s = TCP4_TO("10.0.0.30", 80),
	  .action = XDP_TX,
	  .repeat = M1,
	  .warm = 1,
	  .katran = "-" },
	{ .name = "IPv6 TCP ACK, IPv4 backend (6in4)",
	  .prog = "bench_xlb",
	  .s = TCP6_TO("2001:db8::30", 80),
	  .action = XDP_TX,
	  .repeat = M1,
	  .warm = 1,
	  .katran = "-" },
	{ .name = "non-VIP packet (XDP_PASS)",
	  .prog = "bench_xlb",
	  .s = TCP4_TO("10.9.9.9", 80),
	  .action = XDP_PASS,
	  .repeat = M1,
	  .katran = "43 (33)" },
};
#define NCASES (sizeof(CASES) / sizeof(CASES[0]))

static double NS[NCASES][MAX_ROUNDS]; /* per case, per round */

static int benv_open(struct benv *b, uint32_t conns)
{
	int err;

	b->skel = bench_bpf__open();
	if (!b->skel)
		return -errno;
	err = bpf_map__set_max_entries(b->skel->maps.xlb_conns, conns);
	if (!err)
		err = bench_bpf__load(b->skel);
	if (!err)
		err = lbenv_use(&b->lb, b->skel->obj, "bench_xlb");
	if (!err)
		err = lbfill(&b->lb);
	return err;
}

/* Run case c once with `repeat` runs; returns the kernel's mean ns per run, or < 0. */
static double run_case(struct benv *b, struct bcase *c, uint32_t repeat)
{
	struct bpf_program *prog = bpf_object__find_program_by_name(b->skel->obj, c->prog);
	uint8_t in[FRAME_MAX], out[FRAME_MAX];
	size_t len = frame_build(in, &c->s);
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = in, .data_size_in = (__u32)len,
		    .data_out = out, .data_size_out = sizeof(out), .repeat = repeat);
	uint64_t before;

	if (!prog)
		return -ENOENT;
	b->skel->bss->vary_off = c->vary_off;
	b->skel->bss->vary_count = c->vary_count;
	b->skel->bss->vary_base = c->vary_base;
	before = b->skel->bss->actions[c->action];
	if (bpf_prog_test_run_opts(bpf_program__fd(prog), &opts))
		return -errno;
	if ((int)opts.retval != c->action) {
		fprintf(stderr, "%s: returned %u, expected %d\n", c->name, opts.retval, c->action);
		return -EPROTO;
	}
	/* Every run, not only the last, must have returned the verdict (floor_tx counts none). */
	if (strcmp(c->prog, "bench_floor_tx") &&
	    b->skel->bss->actions[c->action] - before != repeat) {
		fprintf(stderr, "%s: %llu of %u runs returned %d\n", c->name,
			(unsigned long long)(b->skel->bss->actions[c->action] - before), repeat,
			c->action);
		return -EPROTO;
	}
	return (double)opts.duration;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(const double *v, int n, double *min, double *max)
{
	double s[MAX_ROUNDS];

	memcpy(s, v, sizeof(double) * (size_t)n);
	qsort(s, (size_t)n, sizeof(double), cmp_double);
	*min = s[0];
	*max = s[n - 1];
	return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

/* Write the raw rounds and the case attributes for the report generator. */
static int write_tsv(const char *path, int rounds)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return -errno;
	for (size_t i = 0; i < NCASES; i++) {
		struct bcase *c = &CASES[i];
		bool net = !strcmp(c->prog, "bench_xlb") && c->action == XDP_TX;

		fprintf(f, "attr\tdataplane\t%s\tkatran\t%s\n", c->name, c->katran);
		fprintf(f, "attr\tdataplane\t%s\tnet\t%d\n", c->name, net);
		for (int r = 0; r < rounds; r++)
			fprintf(f, "dataplane\t%s\tns\t%d\t%.2f\n", c->name, r, NS[i][r]);
	}
	return fclose(f) ? -errno : 0;
}

int main(int argc, char **argv)
{
	const char *tsv = argc == 3 && !strcmp(argv[1], "-o") ? argv[2] : NULL;
	bool quick = getenv("BENCH_QUICK") && strcmp(getenv("BENCH_QUICK"), "0");
	int rounds = quick ? 5 : 9, err;
	uint32_t scale = quick ? 10 : 1;
	struct benv big = { 0 }, small = { 0 };
	double undo_med = 0, swap_med = 0, mn, mx;

	if (argc > 1 && !tsv) {
		fprintf(stderr, "usage: dataplane_bench [-o FILE]\n");
		return 2;
	}
	if (geteuid() != 0) {
		fprintf(stderr, "dataplane_bench: needs root (BPF_PROG_TEST_RUN)\n");
		return 1;
	}
	err = benv_open(&big, BIG_CONNS);
	if (!err)
		err = benv_open(&small, SMALL_CONNS);
	if (err) {
		fprintf(stderr, "dataplane_bench: setup failed: %s\n", strerror(-err));
		return 1;
	}
	for (size_t i = 0; i < NCASES; i++) {
		struct bcase *c = &CASES[i];

		if (c->warm && run_case(c->small ? &small : &big, c, c->warm) < 0)
			return 1;
	}
	/* Interleaved rounds: every case once per round, so drift hits all cases alike. */
	for (int r = 0; r < rounds; r++) {
		for (size_t i = 0; i < NCASES; i++) {
			struct bcase *c = &CASES[i];
			double ns = run_case(c->small ? &small : &big, c, c->repeat / scale);

			if (ns < 0)
				return 1;
			NS[i][r] = ns;
		}
	}

	printf("xlb data path, BPF_PROG_TEST_RUN, ns per packet over %d interleaved rounds\n",
	       rounds);
	printf("%-36s %8s %8s %8s %10s %8s  %s\n", "case", "median", "min", "max", "net-undo",
	       "x swap", "Katran median (min)");
	for (size_t i = 0; i < NCASES; i++) {
		struct bcase *c = &CASES[i];
		double med = median(NS[i], rounds, &mn, &mx);
		bool wrapped = !strcmp(c->prog, "bench_xlb");
		double net = wrapped && c->action == XDP_TX ? med - undo_med : med;

		if (!strcmp(c->prog, "bench_undo"))
			undo_med = med;
		if (!strcmp(c->prog, "bench_floor_swap"))
			swap_med = med;
		printf("%-36s %8.0f %8.0f %8.0f %10.0f %8.1f  %s\n", c->name, med, mn, mx, net,
		       swap_med > 0 ? net / swap_med : 0.0, c->katran);
	}
	printf("net-undo: median minus the undo cost for tunnelled cases (the wrapper strips the\n"
	       "tunnel header after each run so that every run sees the original frame).\n");
	bench_bpf__destroy(small.skel);
	bench_bpf__destroy(big.skel);
	if (tsv && (err = write_tsv(tsv, rounds))) {
		fprintf(stderr, "dataplane_bench: cannot write %s: %s\n", tsv, strerror(-err));
		return 1;
	}
	return 0;
}
