// SPDX-License-Identifier: GPL-2.0
/* veth_bench.c - the data path on a veth pair, in Mpps: a live-frames generator
 * (BPF_PROG_RUN with BPF_F_TEST_XDP_LIVE_FRAMES, vethgen.bpf.c) sends frames out of a veth in
 * one namespace; the peer, in another namespace, runs the receiver under test: an XDP_DROP
 * counter, a MAC-swap XDP_TX counter, or the real xlb_lb with its maps filled as in
 * dataplane_bench. Frames sent back are counted on the generator's veth. A benchmark, not a
 * test: every case runs for a fixed time once per round (interleaved rounds), and the figure
 * is what arrived per second. It aborts when a case did not measure what it is about (nothing
 * arrived, or xlb_lb chose another verdict than the case's).
 *
 *   veth_bench [-o FILE]
 *
 * Generator and receivers share one CPU (the process is pinned; veth runs the peer's NAPI on
 * the sending CPU), as in the Katran comparison of docs/benchmarks.md. Needs root. BENCH_QUICK=1:
 * shorter. -o FILE: also write "veth CASE Mpps ROUND VALUE" rows for scripts/bench-report.py. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/if_link.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "frame.h"
#include "lbenv.h"
#include "lbfill.h"
#include "vethgen.skel.h"
#include "xlb.skel.h"

#define MAX_ROUNDS 15
#define CHUNK 65536 /* frames per BPF_PROG_RUN call */
#define CONNS (1U << 20)
#define OFF_SADDR4 (14 + 12)

enum { VG_GEN, VG_RX, VG_RET, VG_NCOUNT }; /* as in vethgen.bpf.c */

enum rx_kind { RX_DROP, RX_SWAP, RX_XLB };

struct vcase {
	const char *name;
	enum rx_kind rx;
	uint32_t vary_count; /* flows cycled; 0 = a new flow every frame */
	int reason; /* xlb_lb: the reason nearly every frame must be counted under */
	const char *anchor;
};

static const struct vcase CASES[] = {
	{ "floor: XDP_DROP receiver", RX_DROP, 1, -1, "7.9" },
	{ "floor: MAC-swap XDP_TX receiver", RX_SWAP, 1, -1, "5.5" },
	{ "xlb_lb, established (1024 flows cycling)", RX_XLB, 1024, XLB_R_TX_CONN_HIT, "3.0-3.4" },
	{ "xlb_lb, new flow per frame (table fills, buckets replace)", RX_XLB, 0, XLB_R_TX_NEW_FLOW,
	  "-" },
};
#define NCASES (sizeof(CASES) / sizeof(CASES[0]))

static double MPPS[NCASES][MAX_ROUNDS];
static char ns_gen[32], ns_dut[32];
static int fd_gen = -1, fd_dut = -1, ifx_gen, ifx_dut;
static struct vethgen_bpf *vg;
static struct lbenv lb;
static uint32_t vary_base = 0x0a000000;

static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int sh(const char *fmt, ...)
{
	char cmd[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	return system(cmd) ? -EIO : 0;
}

static void teardown(void)
{
	if (ns_gen[0])
		sh("ip netns del %s 2>/dev/null", ns_gen);
	if (ns_dut[0])
		sh("ip netns del %s 2>/dev/null", ns_dut);
}

static void on_signal(int sig)
{
	(void)sig;
	exit(1); /* runs teardown() */
}

/* Two namespaces joined by a veth pair: vg0 (generator) and vd0 (device under test). */
static int setup_netns(void)
{
	char path[64];

	snprintf(ns_gen, sizeof(ns_gen), "xlbvb%d-g", getpid());
	snprintf(ns_dut, sizeof(ns_dut), "xlbvb%d-d", getpid());
	atexit(teardown);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	if (sh("ip netns add %s && ip netns add %s", ns_gen, ns_dut) ||
	    sh("ip link add vg0 netns %s type veth peer name vd0 netns %s", ns_gen, ns_dut) ||
	    sh("ip -n %s link set vg0 up && ip -n %s link set vd0 up", ns_gen, ns_dut))
		return -EIO;
	snprintf(path, sizeof(path), "/run/netns/%s", ns_gen);
	fd_gen = open(path, O_RDONLY | O_CLOEXEC);
	snprintf(path, sizeof(path), "/run/netns/%s", ns_dut);
	fd_dut = open(path, O_RDONLY | O_CLOEXEC);
	if (fd_gen < 0 || fd_dut < 0)
		return -errno;
	if (setns(fd_dut, CLONE_NEWNET))
		return -errno;
	ifx_dut = (int)if_nametoindex("vd0");
	if (setns(fd_gen, CLONE_NEWNET))
		return -errno;
	ifx_gen = (int)if_nametoindex("vg0");
	return ifx_gen && ifx_dut ? 0 : -ENODEV;
}

/* Attach prog_fd in driver mode to vd0, in the receiver's namespace (netlink is per netns). */
static int attach_dut(int prog_fd)
{
	int err = 0;

	if (setns(fd_dut, CLONE_NEWNET))
		return -errno;
	if (bpf_xdp_attach(ifx_dut, prog_fd, XDP_FLAGS_DRV_MODE, NULL))
		err = -errno;
	if (setns(fd_gen, CLONE_NEWNET))
		return -errno;
	return err;
}

static uint64_t counter(int idx)
{
	int ncpus = libbpf_num_possible_cpus();
	uint64_t v[ncpus], sum = 0;
	uint32_t key = (uint32_t)idx;

	if (bpf_map_lookup_elem(bpf_map__fd(vg->maps.vg_counts), &key, v))
		return 0;
	for (int i = 0; i < ncpus; i++)
		sum += v[i];
	return sum;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Run case c for `seconds`; returns the Mpps that arrived where the case counts, or < 0. */
static double run_case(const struct vcase *c, double seconds)
{
	static const int rx_count[] = { [RX_DROP] = VG_RX, [RX_SWAP] = VG_RET, [RX_XLB] = VG_RET };
	uint8_t frame[FRAME_MAX];
	struct frame_spec s = { .family = 4,
				.src = "198.51.100.7",
				.sport = 40000,
				.dst = "10.0.0.10",
				.dport = 80,
				.proto = IPPROTO_TCP,
				.payload = 64 };
	size_t len = frame_build(frame, &s);
	struct xdp_md ctx = { .data_end = (uint32_t)len, .ingress_ifindex = (uint32_t)ifx_gen };
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame, .data_size_in = (uint32_t)len,
		    .ctx_in = &ctx, .ctx_size_in = sizeof(ctx), .repeat = CHUNK,
		    .flags = BPF_F_TEST_XDP_LIVE_FRAMES);
	uint64_t r0[XLB_R_MAX], r1[XLB_R_MAX], all = 0, n0, n1, g0;
	int rx_fd = c->rx == RX_DROP   ? bpf_program__fd(vg->progs.vg_rx_drop)
		    : c->rx == RX_SWAP ? bpf_program__fd(vg->progs.vg_rx_swap)
				       : lb.prog_fd;
	int gen_fd = bpf_program__fd(vg->progs.vg_gen), err;
	double t0, t;

	err = attach_dut(rx_fd);
	if (err) {
		fprintf(stderr, "veth_bench: cannot attach to vd0: %s\n", strerror(-err));
		return err;
	}
	memcpy(vg->bss->tmpl, frame, len);
	vg->bss->tmpl_len = (uint32_t)len;
	vg->bss->vary_off = OFF_SADDR4;
	vg->bss->vary_count = c->vary_count;
	/* New flows never repeat an address across cases or rounds. */
	vg->bss->vary_base = c->vary_count ? 0x0a640000 : vary_base;
	vg->bss->vary_iter = 0;
	lbenv_reasons(&lb, r0);
	n0 = counter(rx_count[c->rx]);
	g0 = counter(VG_GEN);
	t0 = now_s();
	do {
		if (bpf_prog_test_run_opts(gen_fd, &opts)) {
			err = -errno;
			fprintf(stderr, "veth_bench: live-frames run failed: %s\n", strerror(-err));
			return err;
		}
		t = now_s() - t0;
	} while (t < seconds);
	n1 = counter(rx_count[c->rx]);
	/* Live frames report no verdict: the generator counts the frames it sent (XDP_TX). */
	if (counter(VG_GEN) - g0 < CHUNK) {
		fprintf(stderr, "veth_bench: %s: the generator sent no frames\n", c->name);
		return -EPROTO;
	}
	if (!c->vary_count)
		vary_base += vg->bss->vary_iter;
	lbenv_reasons(&lb, r1);
	if (n1 == n0) {
		fprintf(stderr, "veth_bench: %s: nothing arrived\n", c->name);
		return -EPROTO;
	}
	if (c->reason >= 0) {
		for (int i = 0; i < XLB_R_MAX; i++)
			all += r1[i] - r0[i];
		if ((double)(r1[c->reason] - r0[c->reason]) < 0.99 * (double)all) {
			fprintf(stderr, "veth_bench: %s: only %llu of %llu frames were %d\n",
				c->name, (unsigned long long)(r1[c->reason] - r0[c->reason]),
				(unsigned long long)all, c->reason);
			return -EPROTO;
		}
	}
	return (double)(n1 - n0) / t / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	const char *tsv = argc == 3 && !strcmp(argv[1], "-o") ? argv[2] : NULL;
	bool quick = getenv("BENCH_QUICK") && strcmp(getenv("BENCH_QUICK"), "0");
	int rounds = quick ? 3 : 9, err;
	double seconds = quick ? 0.3 : 1.0;
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	cpu_set_t cpus;
	FILE *f = NULL;

	if (argc > 1 && !tsv) {
		fprintf(stderr, "usage: veth_bench [-o FILE]\n");
		return 2;
	}
	if (geteuid() != 0) {
		fprintf(stderr, "veth_bench: needs root (namespaces, XDP)\n");
		return 1;
	}
	/* One CPU for the generator and both veth ends, the last (the first takes most IRQs). */
	CPU_ZERO(&cpus);
	CPU_SET(ncpu > 1 ? ncpu - 1 : 0, &cpus);
	sched_setaffinity(0, sizeof(cpus), &cpus);
	err = setup_netns();
	if (err) {
		fprintf(stderr, "veth_bench: namespace setup failed: %s\n", strerror(-err));
		return 1;
	}
	vg = vethgen_bpf__open_and_load();
	err = vg ? lbenv_open(&lb, CONNS) : -errno;
	if (!err)
		err = lbfill(&lb);
	/* The generator's veth must run an XDP program for XDP_TX frames to be delivered to it. */
	if (!err &&
	    bpf_xdp_attach(ifx_gen, bpf_program__fd(vg->progs.vg_ret), XDP_FLAGS_DRV_MODE, NULL))
		err = -errno;
	if (err) {
		fprintf(stderr, "veth_bench: setup failed: %s\n", strerror(-err));
		return 1;
	}
	/* Warm-up: fills the connection table with the established flows. */
	for (size_t i = 0; i < NCASES; i++)
		if (run_case(&CASES[i], 0.1) < 0)
			return 1;
	for (int r = 0; r < rounds; r++) {
		for (size_t i = 0; i < NCASES; i++) {
			MPPS[i][r] = run_case(&CASES[i], seconds);
			if (MPPS[i][r] < 0)
				return 1;
		}
	}

	printf("xlb on a veth pair, live frames, Mpps over %d interleaved rounds of %.1f s\n",
	       rounds, seconds);
	printf("%-54s %7s %7s %7s  %s\n", "case", "median", "min", "max", "anchor (Mpps)");
	if (tsv && !(f = fopen(tsv, "w"))) {
		fprintf(stderr, "veth_bench: cannot write %s: %s\n", tsv, strerror(errno));
		return 1;
	}
	for (size_t i = 0; i < NCASES; i++) {
		double s[MAX_ROUNDS];

		memcpy(s, MPPS[i], sizeof(double) * (size_t)rounds);
		qsort(s, (size_t)rounds, sizeof(double), cmp_double);
		printf("%-54s %7.2f %7.2f %7.2f  %s\n", CASES[i].name, s[rounds / 2], s[0],
		       s[rounds - 1], CASES[i].anchor);
		if (!f)
			continue;
		fprintf(f, "attr\tveth\t%s\tanchor\t%s\n", CASES[i].name, CASES[i].anchor);
		for (int r = 0; r < rounds; r++)
			fprintf(f, "veth\t%s\tMpps\t%d\t%.4f\n", CASES[i].name, r, MPPS[i][r]);
	}
	if (f && fclose(f)) {
		fprintf(stderr, "veth_bench: cannot write %s: %s\n", tsv, strerror(errno));
		return 1;
	}
	lbenv_close(&lb);
	vethgen_bpf__destroy(vg);
	return 0;
}
