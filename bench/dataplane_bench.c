// SPDX-License-Identifier: GPL-2.0
/* dataplane_bench.c - ns per packet of xlb_process() (the code of xlb_lb) under
 * BPF_PROG_TEST_RUN, next to floors measured in the same interleaved rounds. A benchmark, not
 * a test: it prints median, min and max per case and checks that every run returned the
 * verdict the case is about (a benchmark that silently measures XDP_PASS is worthless).
 * Method and traps: docs/performance-method.md. Needs root. BENCH_QUICK=1: shorter;
 * BENCH_ONLY=TEXT: only the cases named so (for a profile).
 *
 *   dataplane_bench [-o FILE] [-b BASELINE.bpf.o]
 *   dataplane_bench -c
 *
 * -o FILE: also write every round's figure as tab-separated rows for scripts/bench-report.py:
 * "dataplane CASE ns ROUND VALUE", and per case "attr dataplane CASE KEY VALUE" rows (katran:
 * xlb / Katran measured side by side elsewhere; net: 1 when the wrapper's undo cost is to be
 * subtracted).
 * -b BASELINE.bpf.o: a same-run A/B. BASELINE is bench.bpf.o built from another commit (same
 * programs and globals as this one's); every case runs in both objects in every round, the
 * order alternating between rounds, and the report adds the baseline's figures and the ratio
 * this build / baseline. -o still writes this build's rounds only.
 *
 * The "capture:" rows are a same-run A/B of the capture hook (bpf/capture.h) on the 1-flow
 * case: the wrapper built without the hook (bench_nohook.bpf.o, embedded), this build with
 * capture off, on with a filter that matches nothing, and on with 1 in 100 frames recorded
 * (snap length 128, the ring drained after each run, every record counted). They run in this
 * build only: a baseline's row shows 0. A baseline must have the capture maps (built from the
 * commit that added them or later): the skeleton binds every map by name.
 *
 * -c: only the connection-table A/B of issue 16 (the block "connection-table A/B" below):
 * this build's table (buckets of 4 entries per CPU, bpf/conntab.h) against the previous one,
 * the LRU hash (bench_lru.bpf.o, bench/select_lru.h), same rounds, pinned to one CPU, at 4 M
 * entries per CPU; plus how many established flows keep their entry through a SYN flood, and
 * the memory per entry. A -b baseline must be built from the bucket table's commit or later
 * (the skeleton binds xlb_conns_count by name); -c is the A/B against the LRU hash. */
#define _GNU_SOURCE /* sched_setaffinity */
#include <arpa/inet.h>
#include <errno.h>
#include <sched.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "xlb_abi.h" /* before a skeleton: it names struct xlb_capture_filter */
#include "bench.skel.h"
#include "bench_nohook.skel.h"
#include "bench_lru.skel.h"
#include "xlb_conn.h"
#include "config.h"
#include "frame.h"
#include "lbenv.h"
#include "lbfill.h"
#include "readfile.h"

#define MAX_ROUNDS 15
#define BIG_CONNS (4U << 20)
#define SMALL_CONNS 65536
#define BASELINE_MAX (64U << 20) /* -b: the largest object file read */

/* One loaded copy of the benchmark object with its own connection table. */
struct benv {
	struct bench_bpf *skel;
	struct lbenv lb;
	struct ring_buffer *ring; /* of xlb_capture_ring */
	uint64_t records; /* records drained from it */
};

/* The capture hook's state in a case (include/xlb_capture.h). */
enum capture_mode {
	CAP_OFF = 0, /* filter gen 0: the hook's one load and branch */
	CAP_NOHOOK, /* run in the object built without the hook */
	CAP_NOMATCH, /* on, for a service that does not exist: match test, no record */
	CAP_SAMPLE100, /* on, every frame matches, 1 in 100 recorded */
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
	int guard; /* 1: the daemon's default flood guard; 0: no guard */
	int cpu_local; /* 1: XLB_CFG_F_CPU_LOCAL (conntrack.cross_cpu off, auto on a NIC) */
	const char *katran; /* xlb / Katran measured side by side (docs/benchmarks.md), or "-" */
	enum capture_mode capture;
	int no_undo; /* 1: the wrapper strips nothing (L2 mode): no undo cost to subtract */
};

#define OFF_SADDR4 (14 + 12)
#define CLIENT4 .family = 4, .src = "198.51.100.7", .sport = 40000, .payload = 64
#define CLIENT6 .family = 6, .src = "2001:db8:c::7", .sport = 40000, .payload = 64

#define TCP4_TO(vip, port)                                               \
	{                                                                \
		CLIENT4, .dst = vip, .dport = port, .proto = IPPROTO_TCP \
	}
#define SYN4_TO(vip, port)                                                                  \
	{                                                                                   \
		CLIENT4, .dst = vip, .dport = port, .proto = IPPROTO_TCP, .tcp_flags = 0x02 \
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
	  .katran = "-" },
	{ .name = "floor: parse + MAC swap + XDP_TX",
	  .prog = "bench_floor_swap",
	  .s = TCP4_TO("10.0.0.10", 80),
	  .action = XDP_TX,
	  .repeat = M1,
	  .katran = "-" },
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
	  .katran = "0.79-0.84" },
	{ .name = "TCP ACK established, 1 flow, GUE (4in4 UDP)",
	  .prog = "bench_xlb",
	  .s = TCP4_TO("10.0.0.40", 80),
	  .action = XDP_TX,
	  .repeat = M1,
	  .warm = 1,
	  .katran = "-" },
	{ .name = "TCP ACK established, 1 flow, GUE IPv6 outer",
	  .prog = "bench_xlb",
	  .s = TCP4_TO("10.0.0.50", 80),
	  .action = XDP_TX,
	  .repeat = M1,
	  .warm = 1,
	  .katran = "-" },
	{ .name = "TCP ACK established, 1 flow, L2 direct",
	  .prog = "bench_xlb",
	  .s = TCP4_TO("10.0.0.60", 80),
	  .action = XDP_TX,
	  .repeat = M1,
	  .warm = 1,
	  .katran = "-",
	  .no_undo = 1 },
	{ .name = "TCP ACK established, 1M flows",
	  .prog = "bench_xlb",
	  .s = TCP4_TO("10.0.0.10", 80),
	  .action = XDP_TX,
	  .vary_off = OFF_SADDR4,
	  .vary_count = M1,
	  .vary_base = 0x0a640000,
	  .repeat = M1,
	  .warm = M1,
	  .katran = "0.91-0.99" },
	{ .name = "TCP SYN, new flow, entry written",
	  .prog = "bench_xlb",
	  .s = SYN4_TO("10.0.0.10", 80),
	  .action = XDP_TX,
	  .vary_off = OFF_SADDR4,
	  .vary_base = 0x0b000000,
	  .repeat = 100000,
	  .katran = "-" },
	{ .name = "TCP SYN, new flow, default guard",
	  .prog = "bench_xlb",
	  .s = SYN4_TO("10.0.0.10", 80),
	  .action = XDP_TX,
	  .vary_off = OFF_SADDR4,
	  .vary_base = 0x0d000000,
	  .repeat = M1,
	  .guard = 1,
	  .katran = "3.24-3.58" },
	{ .name = "TCP SYN, same flow repeated",
	  .prog = "bench_xlb",
	  .s = SYN4_TO("10.0.0.10", 80),
	  .action = XDP_TX,
	  .repeat = M1,
	  .warm = 1,
	  .katran = "0.44-0.47" },
	{ .name = "TCP SYN, same flow, default guard",
	  .prog = "bench_xlb",
	  .s = SYN4_TO("10.0.0.10", 80),
	  .action = XDP_TX,
	  .repeat = M1,
	  .warm = 1,
	  .guard = 1,
	  .katran = "-" },
	{ .name = "new flow per packet, table full",
	  .prog = "bench_xlb",
	  .s = TCP4_TO("10.0.0.10", 80),
	  .action = XDP_TX,
	  .small = 1,
	  .vary_off = OFF_SADDR4,
	  .vary_base = 0x0c000000,
	  .repeat = 100000,
	  .warm = 2 * SMALL_CONNS,
	  .katran = "0.92-0.99" },
	{ .name = "TCP SYN, new flow, default guard, CPU-local",
	  .prog = "bench_xlb",
	  .s = SYN4_TO("10.0.0.10", 80),
	  .action = XDP_TX,
	  .vary_off = OFF_SADDR4,
	  .vary_base = 0x0e000000,
	  .repeat = M1,
	  .guard = 1,
	  .cpu_local = 1,
	  .katran = "-" },
	{ .name = "TCP SYN, same flow repeated, CPU-local",
	  .prog = "bench_xlb",
	  .s = SYN4_TO("10.0.0.10", 80),
	  .action = XDP_TX,
	  .repeat = M1,
	  .warm = 1,
	  .cpu_local = 1,
	  .katran = "-" },
	{ .name = "new flow per packet, table full, CPU-local",
	  .prog = "bench_xlb",
	  .s = TCP4_TO("10.0.0.10", 80),
	  .action = XDP_TX,
	  .small = 1,
	  .vary_off = OFF_SADDR4,
	  .vary_base = 0x0f000000,
	  .repeat = 100000,
	  .warm = 2 * SMALL_CONNS,
	  .cpu_local = 1,
	  .katran = "-" },
	{ .name = "UDP established",
	  .prog = "bench_xlb",
	  .s = { CLIENT4, .dst = "10.0.0.10", .dport = 53, .proto = IPPROTO_UDP },
	  .action = XDP_TX,
	  .repeat = M1,
	  .warm = 1,
	  .katran = "0.54-0.67" },
	{ .name = "IPv6 TCP ACK, IPv6 backend (6in6)",
	  .prog = "bench_xlb",
	  .s = TCP6_TO("2001:db8::10", 80),
	  .action = XDP_TX,
	  .repeat = M1,
	  .warm = 1,
	  .katran = "0.80-0.87" },
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
	  .katran = "0.70-0.79" },
	{ .name = "capture: 1 flow, hook compiled out",
	  .prog = "bench_xlb",
	  .s = TCP4_TO("10.0.0.10", 80),
	  .action = XDP_TX,
	  .repeat = M1,
	  .warm = 1,
	  .katran = "-",
	  .capture = CAP_NOHOOK },
	{ .name = "capture: 1 flow, capture off",
	  .prog = "bench_xlb",
	  .s = TCP4_TO("10.0.0.10", 80),
	  .action = XDP_TX,
	  .repeat = M1,
	  .warm = 1,
	  .katran = "-",
	  .capture = CAP_OFF },
	{ .name = "capture: 1 flow, on, matching nothing",
	  .prog = "bench_xlb",
	  .s = TCP4_TO("10.0.0.10", 80),
	  .action = XDP_TX,
	  .repeat = M1,
	  .warm = 1,
	  .katran = "-",
	  .capture = CAP_NOMATCH },
	{ .name = "capture: 1 flow, on, 1 in 100",
	  .prog = "bench_xlb",
	  .s = TCP4_TO("10.0.0.10", 80),
	  .action = XDP_TX,
	  .repeat = M1,
	  .warm = 1,
	  .katran = "-",
	  .capture = CAP_SAMPLE100 },
};
#define NCASES (sizeof(CASES) / sizeof(CASES[0]))

/* BENCH_ONLY=TEXT: run and report only the cases whose name contains TEXT, and the floors and
 * the undo cost (which the net column needs), so that a profile (perf record) sees one case. */
static const char *only_case;

static bool case_on(const struct bcase *c)
{
	return !only_case || strcmp(c->prog, "bench_xlb") || strstr(c->name, only_case);
}

/* One object under test: this build's (embedded) or the baseline's (-b), each with a 4 M-entry
 * copy and a 64 K-entry copy (eviction), and every round's figure per case. This build's side
 * also has the object without the capture hook (nohook), 4 M entries. */
struct side {
	const char *label;
	char *elf; /* the baseline's object file, NULL = the embedded one */
	size_t elf_sz;
	struct benv big, small, nohook;
	double ns[NCASES][MAX_ROUNDS];
};

static int on_record(void *ctx, void *data, size_t len)
{
	(void)data;
	(void)len;
	((struct benv *)ctx)->records++;
	return 0;
}

/* Open, size, load and fill one copy. conns: entries of xlb_conns (a part of conns / CPUs per
 * CPU, as xlbd sizes it). lru: entries of the previous table xlb_conns_lru (bench_lru.bpf.o
 * only), 0 for other objects. */
static int benv_open(struct benv *b, uint32_t conns, uint32_t lru, const void *elf, size_t elf_sz)
{
	uint32_t ncpus = (uint32_t)libbpf_num_possible_cpus();
	int err;

	b->skel = calloc(1, sizeof(*b->skel));
	if (!b->skel)
		return -ENOMEM;
	err = bench_bpf__create_skeleton(b->skel);
	if (err) {
		free(b->skel);
		b->skel = NULL;
		return err;
	}
	/* The skeleton binds programs, maps and the .bss layout by name: a baseline object built
	 * from the same bench.bpf.c fits it. */
	if (elf) {
		b->skel->skeleton->data = (void *)elf;
		b->skel->skeleton->data_sz = elf_sz;
	}
	err = bpf_object__open_skeleton(b->skel->skeleton, NULL);
	if (!err)
		err = bpf_map__set_max_entries(b->skel->maps.xlb_conns,
					       xlb_conn_buckets(conns, ncpus) * ncpus);
	if (!err && lru) {
		struct bpf_map *m = bpf_object__find_map_by_name(b->skel->obj, "xlb_conns_lru");

		err = m ? bpf_map__set_max_entries(m, lru) : -ENOENT;
	}
	if (!err)
		err = bench_bpf__load(b->skel);
	if (!err)
		err = lbenv_use(&b->lb, b->skel->obj, "bench_xlb");
	if (!err)
		err = lbfill(&b->lb);
	if (!err) {
		b->ring = ring_buffer__new(bpf_map__fd(b->skel->maps.xlb_capture_ring), on_record,
					   b, NULL);
		err = b->ring ? 0 : -errno;
	}
	return err;
}

/* Arm b's capture filter for mode as xlbd does (off first, then a new generation), or disarm
 * it. */
static int set_capture(struct benv *b, enum capture_mode mode)
{
	struct xlb_capture_filter *f = &b->skel->data_capture->xlb_capture;
	static uint32_t gen;

	__atomic_store_n(&f->gen, 0, __ATOMIC_SEQ_CST);
	if (mode != CAP_NOMATCH && mode != CAP_SAMPLE100)
		return 0;
	memset(f, 0, sizeof(*f));
	if (mode == CAP_NOMATCH) {
		f->flags = XLB_CAP_F_SERVICE;
		f->svc_id = XLB_MAX_SERVICES - 1; /* no such service in lbfill's set */
	}
	f->sample = mode == CAP_SAMPLE100 ? 100 : 1;
	f->snaplen = 128;
	__atomic_store_n(&f->gen, ++gen, __ATOMIC_SEQ_CST);
	return 0;
}

/* The flood guard as xlbd sets it by default (on), or none (off), and whether flows stay on
 * their CPU (XLB_CFG_F_CPU_LOCAL), in b's config entry. */
static int set_config(struct benv *b, int on, int cpu_local)
{
	struct xlb_config c;
	uint32_t zero = 0;

	if (bpf_map_lookup_elem(b->lb.cfg_fd, &zero, &c))
		return -errno;
	c.new_flow_interval_ns = on ? 1000000000U / XLB_CONF_DEFAULT_NEW_FLOW_RATE : 0;
	c.new_flow_burst = on ? XLB_CONF_DEFAULT_NEW_FLOW_BURST : 0;
	c.flags = cpu_local ? c.flags | XLB_CFG_F_CPU_LOCAL : c.flags & ~XLB_CFG_F_CPU_LOCAL;
	return lbenv_set_config(&b->lb, &c);
}

/* After a run of case c: the ring must hold the records the case is about (none unless 1 in
 * 100: repeat / 100 per CPU the run went through, give or take one per CPU), none lost. */
static int check_records(struct benv *b, const struct bcase *c, uint32_t repeat)
{
	struct xlb_capture_filter *f = &b->skel->data_capture->xlb_capture;
	uint64_t want = c->capture == CAP_SAMPLE100 ? repeat / 100 : 0, got;
	int slack = c->capture == CAP_SAMPLE100 ? b->lb.ncpus : 0;

	b->records = 0;
	if (ring_buffer__consume(b->ring) < 0)
		return -EIO;
	got = b->records;
	if (got + slack < want || got > want + slack || f->lost ||
	    (c->capture == CAP_SAMPLE100 && got != f->used)) {
		fprintf(stderr,
			"%s: %llu capture records (filter: %u taken, %u lost), expected %llu\n",
			c->name, (unsigned long long)got, f->used, f->lost,
			(unsigned long long)want);
		return -EPROTO;
	}
	return 0;
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
	if (set_config(b, c->guard, c->cpu_local) || set_capture(b, c->capture))
		return -EIO;
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
	if (check_records(b, c, repeat))
		return -EPROTO;
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
static int write_tsv(const char *path, const struct side *sd, int rounds)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return -errno;
	for (size_t i = 0; i < NCASES; i++) {
		struct bcase *c = &CASES[i];
		bool net = !strcmp(c->prog, "bench_xlb") && c->action == XDP_TX && !c->no_undo;

		fprintf(f, "attr\tdataplane\t%s\tkatran\t%s\n", c->name, c->katran);
		fprintf(f, "attr\tdataplane\t%s\tnet\t%d\n", c->name, net);
		for (int r = 0; r < rounds; r++)
			fprintf(f, "dataplane\t%s\tns\t%d\t%.2f\n", c->name, r, sd->ns[i][r]);
	}
	return fclose(f) ? -errno : 0;
}

/* The copy of side sd that case c runs in (NULL: none, the capture rows of a baseline). */
static struct benv *case_env(struct side *sd, const struct bcase *c)
{
	if (c->capture && sd->elf)
		return NULL;
	if (c->capture == CAP_NOHOOK)
		return &sd->nohook;
	return c->small ? &sd->small : &sd->big;
}

/* Open the copies of side sd and fill their connection tables for the cases that need it. */
static int side_open(struct side *sd)
{
	int err = benv_open(&sd->big, BIG_CONNS, 0, sd->elf, sd->elf_sz);

	if (!err)
		err = benv_open(&sd->small, SMALL_CONNS, 0, sd->elf, sd->elf_sz);
	if (!err && !sd->elf) {
		size_t sz;
		const void *elf = bench_nohook_bpf__elf_bytes(&sz);

		err = benv_open(&sd->nohook, BIG_CONNS, 0, elf, sz);
	}
	if (err) {
		char msg[128];

		/* libbpf's own codes (e.g. "not a BPF object") are beyond strerror(). */
		libbpf_strerror(err, msg, sizeof(msg));
		fprintf(stderr, "dataplane_bench: %s: setup failed: %s\n", sd->label, msg);
		return err;
	}
	for (size_t i = 0; i < NCASES; i++) {
		struct bcase *c = &CASES[i];
		struct benv *b = case_env(sd, c);

		if (b && c->warm && case_on(c) && run_case(b, c, c->warm) < 0)
			return -EPROTO;
	}
	return 0;
}

static void side_close(struct side *sd)
{
	struct benv *envs[] = { &sd->big, &sd->small, &sd->nohook };

	for (size_t i = 0; i < sizeof(envs) / sizeof(envs[0]); i++) {
		ring_buffer__free(envs[i]->ring);
		bench_bpf__destroy(envs[i]->skel);
	}
	free(sd->elf);
}

/* Print one side's table; base (or NULL) adds its median and the ratio of the two. */
static void report(const struct side *sd, const struct side *base, int rounds)
{
	double undo_med = 0, swap_med = 0, mn, mx, bmn, bmx;

	printf("%s: xlb data path, BPF_PROG_TEST_RUN, ns per packet over %d interleaved rounds\n",
	       sd->label, rounds);
	printf("%-44s %8s %8s %8s %10s %8s", "case", "median", "min", "max", "net-undo", "x swap");
	if (base)
		printf(" %8s %8s %8s %7s", "base med", "base min", "base max", "ratio");
	printf("  %s\n", "xlb/Katran (elsewhere)");
	for (size_t i = 0; i < NCASES; i++) {
		struct bcase *c = &CASES[i];
		double med = case_on(c) ? median(sd->ns[i], rounds, &mn, &mx) : 0;
		bool wrapped = !strcmp(c->prog, "bench_xlb");
		double net = wrapped && c->action == XDP_TX && !c->no_undo ? med - undo_med : med;

		if (!strcmp(c->prog, "bench_undo"))
			undo_med = med;
		if (!strcmp(c->prog, "bench_floor_swap"))
			swap_med = med;
		if (!case_on(c))
			continue;
		printf("%-44s %8.0f %8.0f %8.0f %10.0f %8.1f", c->name, med, mn, mx, net,
		       swap_med > 0 ? net / swap_med : 0.0);
		if (base) {
			double bmed = median(base->ns[i], rounds, &bmn, &bmx);

			printf(" %8.0f %8.0f %8.0f %7.2f", bmed, bmn, bmx,
			       bmed > 0 ? med / bmed : 0);
		}
		printf("  %s\n", c->katran);
	}
	printf("net-undo: median minus the undo cost for tunnelled cases (the wrapper strips the\n"
	       "tunnel header after each run so that every run sees the original frame; L2 rows\n"
	       "strip nothing and subtract nothing).\n");
	if (base)
		printf("ratio: median of this build / median of the baseline, same rounds.\n");
}

/* ---- The connection-table A/B of issue 16 (-c) --------------------------------------------
 * Every case runs in a copy of bench_lru.bpf.o (the previous table: the LRU hash
 * xlb_conns_lru) and in a copy of this build's object (the bucket table xlb_conns), one after
 * the other in every round, the order alternating. The process is pinned to one CPU: each
 * table is per CPU, as a NIC queue would use it, and the LRU's per-CPU lists then give that CPU
 * max_entries / CPUs entries. */

#define CT_PER_CPU (4U << 20) /* entries per CPU, both tables (Katran's default) */
#define CT_SMALL_PER_CPU (SMALL_CONNS / 2) /* the full-table case: 32 K per CPU, both */
#define CT_HUGE_FLOWS (10U * M1)
#define CT_HUGE_PER_CPU (40U << 20) /* 10 M flows at the 1 M case's occupancy of 1/4 */
#define CT_LRU_HUGE_PER_CPU (12U << 20) /* the LRU needs no slack: 10 M fit */
#define CT_FLOOD (8U * M1) /* SYNs of the flood: twice the table */

/* Table copies: 4 M per CPU (1 M flows; 10 M flows, which one CPU's 4 M cannot hold, in a copy
 * of their own so that they do not evict the 1 M), 32 K per CPU (full), and tables that hold
 * 10 M flows on one CPU (HUGE: 2.5 GiB of buckets, 2.6 GB of LRU). */
enum ct_class { CT_BIG, CT_SMALL, CT_TEN, CT_HUGE, CT_NCLASS };

/* A case of the table A/B: the frame and flows as in struct bcase, and the table class. */
struct ctcase {
	const char *name;
	struct frame_spec s;
	enum ct_class cls;
	uint32_t vary_count, vary_base, repeat, warm;
	int guard;
	int shuffle; /* 1: timed runs visit the flows in another order than the warm-up's */
};

static struct ctcase CT_CASES[] = {
	{ .name = "TCP ACK established, 1M flows",
	  .s = TCP4_TO("10.0.0.10", 80),
	  .cls = CT_BIG,
	  .vary_count = M1,
	  .vary_base = 0x0a640000,
	  .repeat = M1,
	  .warm = 2 * M1,
	  .shuffle = 1 },
	{ .name = "TCP SYN, new flow, default guard",
	  .s = SYN4_TO("10.0.0.10", 80),
	  .cls = CT_BIG,
	  .vary_base = 0x0d000000,
	  .repeat = M1,
	  .guard = 1 },
	{ .name = "new flow per packet, table full",
	  .s = TCP4_TO("10.0.0.10", 80),
	  .cls = CT_SMALL,
	  .vary_base = 0x0c000000,
	  .repeat = 100000,
	  .warm = 2 * SMALL_CONNS },
	{ .name = "TCP ACK established, 10M flows",
	  .s = TCP4_TO("10.0.0.10", 80),
	  .cls = CT_TEN,
	  .vary_count = CT_HUGE_FLOWS,
	  .vary_base = 0x14000000,
	  .repeat = M1,
	  .warm = CT_HUGE_FLOWS,
	  .shuffle = 1 },
	{ .name = "TCP ACK established, 10M, tables hold",
	  .s = TCP4_TO("10.0.0.10", 80),
	  .cls = CT_HUGE,
	  .vary_count = CT_HUGE_FLOWS,
	  .vary_base = 0x14000000,
	  .repeat = M1,
	  .warm = 2 * CT_HUGE_FLOWS,
	  .shuffle = 1 },
};
#define CT_NCASES (sizeof(CT_CASES) / sizeof(CT_CASES[0]))

/* The tables under test: the LRU hash (bench_lru.bpf.o), this build's buckets, and the same
 * buckets with flows kept to their CPU (XLB_CFG_F_CPU_LOCAL: conntrack.cross_cpu off, and auto
 * on a NIC); each with a copy per class. */
#define CT_NSIDES 3
struct ctside {
	const char *label;
	int lru;
	int cpu_local;
	const void *elf;
	size_t elf_sz;
	struct benv env[CT_NCLASS];
	double ns[CT_NCASES][MAX_ROUNDS];
};

/* Coprime with 10^6 and 10^7, and near 0.618 x 10^6: consecutive runs land far apart (a
 * multiplier near a multiple of the count, such as 999983 = -17, would visit the elements
 * 17 apart: nearly in order again). */
#define CT_SHUFFLE 618033U

/* Run ct case c in b: `repeat` packets, every one XDP_TX, with XLB_CFG_F_CPU_LOCAL when
 * cpu_local; timed: in the shuffled order when the case asks for it. Returns mean ns per run, or
 * < 0. */
static double ct_run(struct benv *b, const struct ctcase *c, uint32_t repeat, bool timed,
		     int cpu_local)
{
	struct bcase bc = { .name = c->name,
			    .prog = "bench_xlb",
			    .s = c->s,
			    .action = XDP_TX,
			    .vary_off = OFF_SADDR4,
			    .vary_count = c->vary_count,
			    .vary_base = c->vary_base,
			    .guard = c->guard,
			    .cpu_local = cpu_local,
			    .katran = "-" };

	b->skel->bss->vary_mult = timed && c->shuffle ? CT_SHUFFLE : 0;
	return run_case(b, &bc, repeat);
}

/* Established flows of the 1 M case that still hit their entry: one pass over them, counting
 * tx_conn_hit. Returns the count, or < 0. */
static long long ct_hits(struct benv *b, int cpu_local)
{
	uint64_t before[XLB_R_MAX], after[XLB_R_MAX];
	const struct ctcase *est = &CT_CASES[0];

	b->skel->bss->vary_iter = 0;
	if (lbenv_reasons(&b->lb, before) || ct_run(b, est, M1, false, cpu_local) < 0 ||
	    lbenv_reasons(&b->lb, after))
		return -EIO;
	return (long long)(after[XLB_R_TX_CONN_HIT] - before[XLB_R_TX_CONN_HIT]);
}

/* Of the 1 M established flows, how many keep their entry through a flood of CT_FLOOD new-flow
 * SYNs (guard: the default flood guard, else none). Prints one row for side sd. */
static int ct_flood(struct ctside *sd, int guard, uint32_t scale)
{
	struct benv *b = &sd->env[CT_BIG];
	struct ctcase syn = CT_CASES[1];
	long long before, after;

	/* Re-pin every flow, then count the hits of a clean pass, flood, count again. */
	if (ct_hits(b, sd->cpu_local) < 0 || (before = ct_hits(b, sd->cpu_local)) < 0)
		return -EIO;
	syn.guard = guard;
	syn.vary_base = guard ? 0x30000000 : 0x40000000;
	if (lbenv_reset_guard(&b->lb))
		return -EIO;
	b->skel->bss->vary_iter = 0;
	if (ct_run(b, &syn, CT_FLOOD / scale, false, sd->cpu_local) < 0)
		return -EIO;
	if ((after = ct_hits(b, sd->cpu_local)) < 0)
		return -EIO;
	printf("%-10s flood of %u SYNs, %-13s: established flows hitting their entry %7lld before, "
	       "%7lld after (%.1f %%)\n",
	       sd->label, CT_FLOOD / scale, guard ? "default guard" : "no guard", before, after,
	       100.0 * (double)after / M1);
	return 0;
}

/* Bytes the kernel accounts to map fd (fdinfo "memlock"), or 0. */
static unsigned long long map_memlock(int fd)
{
	char path[64], line[128];
	unsigned long long v = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "memlock: %llu", &v) == 1)
			break;
	fclose(f);
	return v;
}

static int ct_main(int rounds, uint32_t scale)
{
	struct ctside sides[CT_NSIDES] = { { .label = "LRU hash", .lru = 1 },
					   { .label = "buckets" },
					   { .label = "local", .cpu_local = 1 } };
	/* BENCH_CT_SIDE=0|1|2: run one side alone (LRU, buckets, local), for a profile. */
	const char *only = getenv("BENCH_CT_SIDE");
	int side0 = only ? atoi(only) % CT_NSIDES : 0, nside = only ? 1 : CT_NSIDES;
	uint32_t lru_per_cpu[CT_NCLASS] = { CT_PER_CPU, CT_SMALL_PER_CPU, CT_PER_CPU,
					    CT_LRU_HUGE_PER_CPU };
	uint32_t ct_per_cpu[CT_NCLASS] = { CT_PER_CPU, CT_SMALL_PER_CPU, CT_PER_CPU,
					   CT_HUGE_PER_CPU };
	/* BENCH_CT_PER_CPU=N: the bucket tables' entries per CPU in the 4 M class (exploring). */
	const char *big = getenv("BENCH_CT_PER_CPU");
	int ncpus = libbpf_num_possible_cpus(), err = 0;
	double mn, mx;
	cpu_set_t one;

	sides[0].elf = bench_lru_bpf__elf_bytes(&sides[0].elf_sz);
	if (big)
		ct_per_cpu[CT_BIG] = (uint32_t)strtoul(big, NULL, 0);
	CPU_ZERO(&one);
	CPU_SET(0, &one);
	if (ncpus <= 0 || sched_setaffinity(0, sizeof(one), &one)) {
		fprintf(stderr, "dataplane_bench: cannot pin to CPU 0\n");
		return 1;
	}
	for (int k = side0; k < side0 + nside && !err; k++)
		for (int c = 0; c < CT_NCLASS && !err; c++) {
			/* scale shrinks only the huge class (BENCH_QUICK), which is about memory.
			 */
			uint32_t div = c == CT_HUGE ? scale : 1;
			struct ctside *sd = &sides[k];

			if (sd->lru)
				err = benv_open(&sd->env[c], 1024,
						lru_per_cpu[c] / div * (uint32_t)ncpus, sd->elf,
						sd->elf_sz);
			else
				err = benv_open(&sd->env[c], ct_per_cpu[c] / div * (uint32_t)ncpus,
						0, NULL, 0);
		}
	if (err) {
		fprintf(stderr, "dataplane_bench: table A/B: setup failed: %s\n", strerror(-err));
		return 1;
	}
	for (size_t i = 0; i < CT_NCASES; i++)
		for (int k = side0; k < side0 + nside; k++) {
			struct ctcase *c = &CT_CASES[i];
			uint32_t div = c->cls == CT_HUGE ? scale : 1;

			if (c->warm && ct_run(&sides[k].env[c->cls], c, c->warm / div, false,
					      sides[k].cpu_local) < 0)
				return 1;
		}
	/* Each case in every side back to back, the order rotating between rounds. */
	for (int r = 0; r < rounds; r++)
		for (size_t i = 0; i < CT_NCASES; i++)
			for (int k = 0; k < nside; k++) {
				struct ctside *sd = &sides[side0 + (k + r) % nside];
				struct ctcase *c = &CT_CASES[i];
				double ns = ct_run(&sd->env[c->cls], c, c->repeat / scale, true,
						   sd->cpu_local);

				if (ns < 0)
					return 1;
				sd->ns[i][r] = ns;
			}

	printf("connection-table A/B (issue 16), BPF_PROG_TEST_RUN on CPU 0, ns per packet over %d "
	       "interleaved rounds;\n%u entries per CPU (%d CPUs) unless the case says otherwise; "
	       "ratio: each bucket side / LRU; local: flows kept to their CPU (conntrack.cross_cpu "
	       "off)\n",
	       rounds, CT_PER_CPU, ncpus);
	printf("%-37s | %-8s %5s %5s %5s", "case", "", "LRU", "min", "max");
	for (int k = 1; k < CT_NSIDES; k++)
		printf(" | %-8s %5s %5s %5s", "ratio", sides[k].label, "min", "max");
	printf("\n");
	for (size_t i = 0; i < CT_NCASES; i++) {
		double lru = median(sides[0].ns[i], rounds, &mn, &mx);

		printf("%-37s | %8s %5.0f %5.0f %5.0f", CT_CASES[i].name, "", lru, mn, mx);
		for (int k = 1; k < CT_NSIDES; k++) {
			double med = median(sides[k].ns[i], rounds, &mn, &mx);

			printf(" | %8.2f %5.0f %5.0f %5.0f", lru > 0 ? med / lru : 0, med, mn, mx);
		}
		printf("\n");
	}
	printf("Full table: %u entries per CPU. 10M flows, tables hold: LRU %u, buckets %u per "
	       "CPU.\n",
	       CT_SMALL_PER_CPU, CT_LRU_HUGE_PER_CPU / scale, CT_HUGE_PER_CPU / scale);
	for (int k = side0; k < side0 + nside; k++) {
		struct benv *b = &sides[k].env[CT_BIG];
		struct bpf_map *m = bpf_object__find_map_by_name(
			b->skel->obj, sides[k].lru ? "xlb_conns_lru" : "xlb_conns");
		unsigned long long mem = m ? map_memlock(bpf_map__fd(m)) : 0;
		uint32_t entries = CT_PER_CPU * (uint32_t)ncpus;

		printf("%-10s memory: %llu bytes for %u entries, %.1f bytes per entry\n",
		       sides[k].label, mem, entries, (double)mem / entries);
	}
	for (int k = side0; k < side0 + nside && !err; k++)
		err = ct_flood(&sides[k], 1, scale) || ct_flood(&sides[k], 0, scale);
	for (int k = side0; k < side0 + nside; k++)
		for (int c = 0; c < CT_NCLASS; c++) {
			ring_buffer__free(sides[k].env[c].ring);
			bench_bpf__destroy(sides[k].env[c].skel);
		}
	return err ? 1 : 0;
}
/* ---- end of the connection-table A/B ------------------------------------------------------ */

int main(int argc, char **argv)
{
	bool quick = getenv("BENCH_QUICK") && strcmp(getenv("BENCH_QUICK"), "0");
	int rounds = quick ? 5 : 9, nsides = 1, err, opt;
	uint32_t scale = quick ? 10 : 1;
	struct side sides[2] = { { .label = "this build" }, { .label = "baseline" } };
	const char *tsv = NULL, *baseline = NULL;
	bool table_ab = false;

	while ((opt = getopt(argc, argv, "o:b:c")) != -1) {
		if (opt == 'c')
			table_ab = true;
		else if (opt == 'o')
			tsv = optarg;
		else if (opt == 'b')
			baseline = optarg;
		else
			goto usage;
	}
	if (optind != argc)
		goto usage;
	if (geteuid() != 0) {
		fprintf(stderr, "dataplane_bench: needs root (BPF_PROG_TEST_RUN)\n");
		return 1;
	}
	only_case = getenv("BENCH_ONLY");
	if (only_case && (tsv || table_ab)) {
		fprintf(stderr, "dataplane_bench: BENCH_ONLY takes no -o or -c\n");
		return 2;
	}
	if (table_ab)
		return tsv || baseline
			       ? (fprintf(stderr, "dataplane_bench: -c takes no -o or -b\n"), 2)
			       : ct_main(rounds, scale);
	if (baseline) {
		err = xlb_read_file(baseline, BASELINE_MAX, &sides[1].elf, &sides[1].elf_sz);
		if (err) {
			fprintf(stderr, "dataplane_bench: cannot read baseline %s: %s\n", baseline,
				strerror(-err));
			return 1;
		}
		sides[1].label = baseline;
		nsides = 2;
	}
	for (int s = 0; s < nsides; s++)
		if (side_open(&sides[s]))
			return 1;
	/* Interleaved rounds: every case once per round, so drift hits all cases alike; with a
	 * baseline, each case runs in both objects back to back, first one then the other. */
	for (int r = 0; r < rounds; r++) {
		for (size_t i = 0; i < NCASES; i++) {
			struct bcase *c = &CASES[i];

			for (int k = 0; k < nsides && case_on(c); k++) {
				struct side *sd = &sides[(k + r) % nsides];
				struct benv *b = case_env(sd, c);
				double ns = b ? run_case(b, c, c->repeat / scale) : 0;

				if (ns < 0)
					return 1;
				sd->ns[i][r] = ns;
			}
		}
	}
	report(&sides[0], nsides > 1 ? &sides[1] : NULL, rounds);
	if (nsides > 1)
		report(&sides[1], NULL, rounds);
	for (int s = 0; s < nsides; s++)
		side_close(&sides[s]);
	if (tsv && (err = write_tsv(tsv, &sides[0], rounds))) {
		fprintf(stderr, "dataplane_bench: cannot write %s: %s\n", tsv, strerror(-err));
		return 1;
	}
	return 0;
usage:
	fprintf(stderr, "usage: dataplane_bench [-o FILE] [-b BASELINE.bpf.o] | -c\n");
	return 2;
}
