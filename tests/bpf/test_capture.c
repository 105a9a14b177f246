// SPDX-License-Identifier: GPL-2.0
/* test_capture.c - BPF fixtures for packet capture in xlb_lb and xlb_decap (contract:
 * include/xlb_capture.h): the real objects, loaded but not attached, their filter armed
 * through the skeleton's mapping of .data.capture, frames run through BPF_PROG_TEST_RUN and
 * the records read back from the ring buffer. Each record is checked against the run that
 * made it: verdict, reason (the counter that moved), service, backend, lengths and bytes. The
 * thread runs on one CPU, so that the per-CPU sampling count is exact. Needs root. */
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "xlb_capture.h" /* before the skeletons, which name its types */
#include "decap.skel.h"
#include "frame.h"
#include "lbenv.h"
#include "stdenv.h"
#include "xlb.skel.h"
#include "xlb_decap.h"
#include "xt.h"

#pragma GCC diagnostic ignored "-Woverride-init"

#define LAYER "bpf/capture"
#define MAX_RECS 2048
#define IFINDEX_LO 1 /* the frames' receiving interface in every run: lo */

#define TCP4(sp)                                                                                  \
	{                                                                                         \
		.family = 4, .src = "198.51.100.7", .dst = "10.0.0.10", .sport = sp, .dport = 80, \
		.proto = IPPROTO_TCP, .payload = 64                                               \
	}

/* One record as read from the ring: its head and its bytes. */
struct rec {
	struct xlb_capture_rec h;
	uint8_t data[XLB_CAPTURE_SNAP_MAX];
};

static struct lbenv env;
static struct decap_bpf *dc;
static struct ring_buffer *lb_ring, *dc_ring;
static struct rec recs[MAX_RECS];
static int nrecs, overflow;
static uint32_t next_gen = 1;

static int on_record(void *ctx, void *data, size_t len)
{
	(void)ctx;
	if (nrecs >= MAX_RECS || len < sizeof(struct xlb_capture_rec)) {
		overflow++;
		return 0;
	}
	memset(&recs[nrecs], 0, sizeof(recs[nrecs]));
	memcpy(&recs[nrecs], data, len > sizeof(struct rec) ? sizeof(struct rec) : len);
	/* The kernel rounds a record up to 8 bytes: the length it was given is in the head. */
	if (sizeof(struct xlb_capture_rec) + recs[nrecs].h.cap_len > len)
		overflow++;
	nrecs++;
	return 0;
}

/* Every record in ring r now, into recs[] (emptied first). Returns their number or -errno. */
static int drain(struct ring_buffer *r)
{
	int n;

	nrecs = overflow = 0;
	n = ring_buffer__consume(r);
	if (n < 0)
		return n;
	return overflow ? -EOVERFLOW : nrecs;
}

/* Arm filter f (of one program) as the daemon does: off, fields with the counts zeroed, then a
 * new generation. want's gen, used and lost are ignored. Returns the generation. */
static uint32_t arm(struct xlb_capture_filter *f, const struct xlb_capture_filter *want)
{
	uint32_t gen = next_gen++;

	__atomic_store_n(&f->gen, 0, __ATOMIC_SEQ_CST);
	f->flags = want->flags;
	f->svc_id = want->svc_id;
	f->backend_id = want->backend_id;
	memcpy(f->client, want->client, sizeof(f->client));
	memcpy(f->client_mask, want->client_mask, sizeof(f->client_mask));
	f->client_family = want->client_family;
	f->reason = want->reason;
	f->verdict = want->verdict;
	f->sample = want->sample;
	f->budget = want->budget;
	f->snaplen = want->snaplen ? want->snaplen : XLB_CAPTURE_SNAP_MAX;
	f->used = f->lost = 0;
	__atomic_store_n(&f->gen, gen, __ATOMIC_SEQ_CST);
	return gen;
}

static struct xlb_capture_filter *lb_filter(void)
{
	struct xlb_bpf *skel = env.skel;

	return &skel->data_capture->xlb_capture;
}

/* A client prefix "ADDR/LEN" into f, masked as the daemon will. */
static void client_prefix(struct xlb_capture_filter *f, const char *text)
{
	char addr[64];
	const char *slash = strchr(text, '/');
	int len;

	snprintf(addr, sizeof(addr), "%.*s", (int)(slash - text), text);
	len = atoi(slash + 1);
	f->flags |= XLB_CAP_F_CLIENT;
	f->client_family = addr_parse(addr, f->client) == 4 ? XLB_AF_INET : XLB_AF_INET6;
	for (int w = 0; w < 4; w++) {
		int bits = len - 32 * w;

		f->client_mask[w] = htonl(bits >= 32  ? 0xffffffff
					  : bits <= 0 ? 0
						      : ~0U << (32 - bits));
		f->client[w] &= f->client_mask[w];
	}
}

/* One run of in through prog_fd as received on lo. */
static int run_prog(int prog_fd, const void *in, size_t len, void *out, size_t *out_len,
		    int *action)
{
	struct xdp_md ctx = { .data_end = (__u32)len, .ingress_ifindex = IFINDEX_LO };
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = in, .data_size_in = (__u32)len,
		    .data_out = out, .data_size_out = FRAME_MAX, .ctx_in = &ctx,
		    .ctx_size_in = sizeof(ctx), .repeat = 1);

	if (bpf_prog_test_run_opts(prog_fd, &opts))
		return -errno;
	*out_len = opts.data_size_out;
	*action = (int)opts.retval;
	return 0;
}

/* What one run of xlb_lb did: its output, verdict and the one reason counter that moved. */
struct outcome {
	uint8_t out[FRAME_MAX];
	size_t out_len;
	int action, reason;
};

static int lb_run(const void *in, size_t len, struct outcome *o)
{
	uint64_t before[XLB_R_MAX], after[XLB_R_MAX];
	int err = lbenv_reasons(&env, before);

	if (!err)
		err = run_prog(env.prog_fd, in, len, o->out, &o->out_len, &o->action);
	if (!err)
		err = lbenv_reasons(&env, after);
	o->reason = -1;
	for (int r = 0; !err && r < XLB_R_MAX; r++)
		if (after[r] != before[r])
			o->reason = r;
	return err;
}

/* Run frame s through xlb_lb n times. */
static int lb_send(const struct frame_spec *s, int n, struct outcome *o)
{
	uint8_t in[FRAME_MAX];
	size_t len = frame_build(in, s);

	for (int i = 0; i < n; i++) {
		int err = lb_run(in, len, o);

		if (err)
			return err;
	}
	return 0;
}

/* Record r must be what outcome o left, taken under gen with snaplen snap. */
static int check_rec(const struct rec *r, const struct outcome *o, uint32_t gen, uint32_t svc,
		     uint32_t be, size_t snap)
{
	size_t cap = o->out_len < snap ? o->out_len : snap;

	XT_EQ(r->h.gen, gen);
	XT_EQ(r->h.prog, XLB_CAPTURE_PROG_LB);
	XT_EQ(r->h.verdict, o->action);
	XT_EQ(r->h.reason, o->reason);
	XT_EQ(r->h.svc_id, svc);
	XT_EQ(r->h.backend_id, be);
	XT_EQ(r->h.ifindex, IFINDEX_LO);
	XT_CHECK(r->h.cpu < (uint32_t)env.ncpus, "cpu %u of %d", r->h.cpu, env.ncpus);
	XT_CHECK(r->h.ts_ns > 0, "no timestamp");
	XT_EQ(r->h.orig_len, o->out_len);
	XT_EQ(r->h.cap_len, cap);
	XT_CHECK(!memcmp(r->data, o->out, cap), "captured bytes differ from the frame sent");
	return XT_PASS;
}

/* The standard backend svc 1 gives the flow of s. */
static uint32_t svc1_backend(const struct frame_spec *s)
{
	return stdenv_table_pick(1, stdenv_flow_hash(s, SEED));
}

static void disarm_all(void)
{
	__atomic_store_n(&lb_filter()->gen, 0, __ATOMIC_SEQ_CST);
	__atomic_store_n(&dc->data_capture->xlb_capture.gen, 0, __ATOMIC_SEQ_CST);
	drain(lb_ring);
	drain(dc_ring);
}

/* ---- cases ------------------------------------------------------------------------------ */

/* Off (gen 0), even with every condition set to match: nothing in the ring, and the verdicts
 * and outputs are those of a capture-less run. */
static int off_writes_nothing(void)
{
	struct xlb_capture_filter *f = lb_filter();
	struct frame_spec ok = TCP4(1000), bad = TCP4(1001);
	uint8_t in[FRAME_MAX];
	struct outcome o;
	size_t len;

	XT_EQ(stdenv_setup(&env), 0);
	disarm_all();
	arm(f, &(struct xlb_capture_filter){ .sample = 1 });
	__atomic_store_n(&f->gen, 0, __ATOMIC_SEQ_CST);
	XT_EQ(lb_send(&ok, 20, &o), 0);
	XT_EQ(o.action, XDP_TX);
	len = frame_build(in, &bad);
	XT_CHECK(len > 20, "frame of %zu bytes", len);
	XT_EQ(lb_run(in, 20, &o), 0); /* cut inside the IPv4 header */
	XT_EQ(o.reason, XLB_R_PASS_MALFORMED);
	XT_EQ(drain(lb_ring), 0);
	XT_EQ(f->used, 0);
	return XT_PASS;
}

/* A service filter takes that service's frames, encapsulated as they left, and no other. */
static int filter_service(void)
{
	struct frame_spec tcp = TCP4(2000), udp = TCP4(2001), other = TCP4(2002);
	struct outcome o, last;
	uint32_t gen;

	udp.proto = IPPROTO_UDP;
	udp.dport = 53;
	other.dst = "10.9.9.9";
	XT_EQ(stdenv_setup(&env), 0);
	disarm_all();
	gen = arm(lb_filter(),
		  &(struct xlb_capture_filter){ .flags = XLB_CAP_F_SERVICE, .svc_id = 2 });
	XT_EQ(lb_send(&tcp, 3, &o), 0);
	XT_EQ(lb_send(&other, 2, &o), 0);
	XT_EQ(o.reason, XLB_R_PASS_NOT_VIP);
	XT_EQ(lb_send(&udp, 1, &last), 0);
	XT_EQ(last.action, XDP_TX);
	XT_EQ(drain(lb_ring), 1);
	XT_CHECK(check_rec(&recs[0], &last, gen, 2,
			   stdenv_table_pick(2, stdenv_flow_hash(&udp, SEED)),
			   XLB_CAPTURE_SNAP_MAX) == XT_PASS,
		 "udp record");
	/* Each of three records of service 1 is its own run's frame. */
	gen = arm(lb_filter(),
		  &(struct xlb_capture_filter){ .flags = XLB_CAP_F_SERVICE, .svc_id = 1 });
	for (int i = 0; i < 3; i++) {
		XT_EQ(lb_send(&tcp, 1, &o), 0);
		XT_EQ(drain(lb_ring), 1);
		XT_CHECK(check_rec(&recs[0], &o, gen, 1, svc1_backend(&tcp),
				   XLB_CAPTURE_SNAP_MAX) == XT_PASS,
			 "tcp record %d", i);
	}
	XT_EQ(lb_filter()->used, 3);
	return XT_PASS;
}

/* A reason filter on pass_malformed catches the broken frames only, as received, with no
 * service or backend. */
static int filter_reason_malformed(void)
{
	struct frame_spec s = TCP4(3000);
	struct outcome o[4], good;
	uint8_t in[FRAME_MAX];
	size_t len, cuts[4] = { 20, 30, 14, 33 };
	uint32_t gen;

	XT_EQ(stdenv_setup(&env), 0);
	disarm_all();
	gen = arm(lb_filter(), &(struct xlb_capture_filter){ .flags = XLB_CAP_F_REASON,
							     .reason = XLB_R_PASS_MALFORMED });
	len = frame_build(in, &s);
	XT_EQ(lb_send(&s, 2, &good), 0);
	for (int i = 0; i < 4; i++) {
		XT_CHECK(cuts[i] < len, "cut");
		XT_EQ(lb_run(in, cuts[i], &o[i]), 0);
		XT_EQ(o[i].reason, XLB_R_PASS_MALFORMED);
		XT_EQ(o[i].out_len, cuts[i]);
	}
	XT_EQ(lb_send(&s, 2, &good), 0);
	XT_EQ(drain(lb_ring), 4);
	for (int i = 0; i < 4; i++)
		XT_CHECK(check_rec(&recs[i], &o[i], gen, XLB_CAPTURE_ANY, XLB_CAPTURE_ANY,
				   XLB_CAPTURE_SNAP_MAX) == XT_PASS,
			 "record %d", i);
	return XT_PASS;
}

/* A verdict filter: the drops (no table, no backend) and nothing forwarded or passed. */
static int filter_verdict_drop(void)
{
	struct frame_spec no_table = TCP4(4000), no_backend = TCP4(4001), fwd = TCP4(4002);
	struct outcome a, b, c;

	no_table.dst = "10.0.0.50";
	no_backend.dst = "10.0.0.40";
	XT_EQ(stdenv_setup(&env), 0);
	disarm_all();
	arm(lb_filter(),
	    &(struct xlb_capture_filter){ .flags = XLB_CAP_F_VERDICT, .verdict = XDP_DROP });
	XT_EQ(lb_send(&no_table, 1, &a), 0);
	XT_EQ(lb_send(&fwd, 2, &c), 0);
	XT_EQ(lb_send(&no_backend, 1, &b), 0);
	XT_EQ(a.reason, XLB_R_DROP_NO_TABLE);
	XT_EQ(b.reason, XLB_R_DROP_NO_BACKEND);
	XT_EQ(drain(lb_ring), 2);
	XT_EQ(recs[0].h.reason, XLB_R_DROP_NO_TABLE);
	XT_EQ(recs[0].h.svc_id, 9);
	XT_EQ(recs[0].h.backend_id, XLB_CAPTURE_ANY);
	XT_EQ(recs[1].h.reason, XLB_R_DROP_NO_BACKEND);
	XT_EQ(recs[1].h.svc_id, 8);
	XT_EQ(recs[0].h.verdict, XDP_DROP);
	XT_EQ(recs[1].h.verdict, XDP_DROP);
	return XT_PASS;
}

/* A backend filter takes exactly the flows Maglev sends to that backend. */
static int filter_backend(void)
{
	struct frame_spec s = TCP4(5000);
	uint32_t want = svc1_backend(&s);
	int expect = 0;
	struct outcome o;

	XT_EQ(stdenv_setup(&env), 0);
	disarm_all();
	arm(lb_filter(),
	    &(struct xlb_capture_filter){ .flags = XLB_CAP_F_BACKEND, .backend_id = want });
	for (uint16_t sp = 5000; sp < 5040; sp++) {
		s.sport = sp;
		expect += svc1_backend(&s) == want;
		XT_EQ(lb_send(&s, 1, &o), 0);
	}
	XT_CHECK(expect > 1 && expect < 40, "the flows spread: %d of 40 on backend %u", expect,
		 want);
	XT_EQ(drain(lb_ring), expect);
	for (int i = 0; i < nrecs; i++)
		XT_EQ(recs[i].h.backend_id, want);
	return XT_PASS;
}

/* Client prefixes of each family: IPv4 /24, IPv6 /48, and a family mismatch never matches. */
static int filter_client_prefix(void)
{
	struct frame_spec in4 = TCP4(6000), out4 = TCP4(6001), in6 = TCP4(6002);
	struct xlb_capture_filter f = { 0 };
	struct outcome o;

	out4.src = "203.0.113.9";
	in6.family = 6;
	in6.src = "2001:db8:c::7";
	in6.dst = "2001:db8::10";
	XT_EQ(stdenv_setup(&env), 0);
	disarm_all();
	client_prefix(&f, "198.51.100.0/24");
	arm(lb_filter(), &f);
	XT_EQ(lb_send(&in4, 2, &o), 0);
	XT_EQ(lb_send(&out4, 2, &o), 0);
	XT_EQ(lb_send(&in6, 2, &o), 0);
	XT_EQ(drain(lb_ring), 2);
	for (int i = 0; i < 2; i++)
		XT_EQ(recs[i].h.svc_id, 1);

	memset(&f, 0, sizeof(f));
	client_prefix(&f, "2001:db8:c::/48");
	arm(lb_filter(), &f);
	XT_EQ(lb_send(&in4, 1, &o), 0);
	XT_EQ(lb_send(&in6, 3, &o), 0);
	XT_EQ(drain(lb_ring), 3);
	for (int i = 0; i < 3; i++)
		XT_EQ(recs[i].h.svc_id, 3);

	/* Host prefixes that differ from the clients in their last bits only. */
	memset(&f, 0, sizeof(f));
	client_prefix(&f, "198.51.100.8/32");
	arm(lb_filter(), &f);
	XT_EQ(lb_send(&in4, 2, &o), 0);
	XT_EQ(drain(lb_ring), 0);
	memset(&f, 0, sizeof(f));
	client_prefix(&f, "2001:db8:c::4/127");
	arm(lb_filter(), &f);
	XT_EQ(lb_send(&in6, 2, &o), 0);
	XT_EQ(drain(lb_ring), 0);
	client_prefix(&f, "2001:db8:c::4/126");
	arm(lb_filter(), &f);
	XT_EQ(lb_send(&in6, 2, &o), 0);
	XT_EQ(drain(lb_ring), 2);
	return XT_PASS;
}

/* 1 in 10 over 1,000 matching frames is exactly 100 records (the 1st, 11th, ...), over 1,005
 * it is 101; a new generation starts counting again. */
static int sample_exact(void)
{
	struct frame_spec s = TCP4(7000), other = TCP4(7001);
	struct xlb_capture_filter f = { .flags = XLB_CAP_F_SERVICE, .svc_id = 1, .sample = 10 };
	struct outcome o;

	other.dst = "10.9.9.9";
	XT_EQ(stdenv_setup(&env), 0);
	disarm_all();
	arm(lb_filter(), &f);
	for (int i = 0; i < 1000; i++) {
		XT_EQ(lb_send(&s, 1, &o), 0);
		/* Non-matching frames between them do not count towards the sample. */
		if (i % 7 == 0)
			XT_EQ(lb_send(&other, 1, &o), 0);
	}
	XT_EQ(drain(lb_ring), 100);
	XT_EQ(lb_send(&s, 5, &o), 0);
	XT_EQ(drain(lb_ring), 1);
	arm(lb_filter(), &f);
	XT_EQ(lb_send(&s, 5, &o), 0);
	XT_EQ(drain(lb_ring), 1);
	f.sample = 3;
	arm(lb_filter(), &f);
	XT_EQ(lb_send(&s, 30, &o), 0);
	XT_EQ(drain(lb_ring), 10);
	return XT_PASS;
}

/* A budget of 7 stops at 7 records, however many frames match, and says so in used. */
static int budget_stops(void)
{
	struct frame_spec s = TCP4(8000);
	struct outcome o;

	XT_EQ(stdenv_setup(&env), 0);
	disarm_all();
	arm(lb_filter(), &(struct xlb_capture_filter){ .budget = 7 });
	XT_EQ(lb_send(&s, 20, &o), 0);
	XT_EQ(drain(lb_ring), 7);
	XT_EQ(lb_filter()->used, 7);
	XT_EQ(lb_filter()->lost, 0);
	/* Budget and sampling together: 1 in 2 of 20 frames with a budget of 4 is 4. */
	arm(lb_filter(), &(struct xlb_capture_filter){ .budget = 4, .sample = 2 });
	XT_EQ(lb_send(&s, 20, &o), 0);
	XT_EQ(drain(lb_ring), 4);
	return XT_PASS;
}

/* A snap length of 64 keeps 64 bytes of a longer frame and the frame's length; one longer
 * than the frame keeps it all. */
static int snaplen_truncates(void)
{
	struct frame_spec s = TCP4(9000);
	struct outcome o;
	uint32_t gen;

	s.payload = 600;
	XT_EQ(stdenv_setup(&env), 0);
	disarm_all();
	gen = arm(lb_filter(), &(struct xlb_capture_filter){ .snaplen = 64 });
	XT_EQ(lb_send(&s, 1, &o), 0);
	XT_EQ(drain(lb_ring), 1);
	XT_CHECK(o.out_len > 600, "frame of %zu bytes", o.out_len);
	XT_CHECK(check_rec(&recs[0], &o, gen, 1, svc1_backend(&s), 64) == XT_PASS, "snap 64");
	gen = arm(lb_filter(), &(struct xlb_capture_filter){ .snaplen = 1500 });
	XT_EQ(lb_send(&s, 1, &o), 0);
	XT_EQ(drain(lb_ring), 1);
	XT_EQ(recs[0].h.cap_len, o.out_len);
	XT_CHECK(check_rec(&recs[0], &o, gen, 1, svc1_backend(&s), 1500) == XT_PASS, "snap 1500");
	return XT_PASS;
}

/* ---- xlb_decap -------------------------------------------------------------------------- */

/* Allow the tunnels of prefix4/24 to VIP vip4. */
static int dc_setup(const char *prefix4, const char *vip4)
{
	struct xlb_dc_prefix4 k = { .prefixlen = 24 };
	struct xlb_vip_key vk;
	struct xlb_vip v = { 0 };
	uint32_t a[4];
	uint8_t one = 1;

	addr_parse(prefix4, a);
	k.addr = a[0] & htonl(0xffffff00);
	memset(&vk, 0, sizeof(vk));
	vk.family = XLB_AF_INET;
	addr_parse(vip4, vk.addr);
	if (bpf_map_update_elem(bpf_map__fd(dc->maps.xlb_dc_src4), &k, &one, BPF_ANY) ||
	    bpf_map_update_elem(bpf_map__fd(dc->maps.xlb_dc_vips), &vk, &v, BPF_ANY))
		return -errno;
	return 0;
}

/* xlb_decap: off writes nothing; a reason filter on decap takes the decapsulated frame (the
 * client's packet as the backend's stack gets it) and not the tunnels refused or the other
 * traffic; a client filter (xlb_lb only) takes nothing. */
static int decap_capture(void)
{
	struct xlb_capture_filter *f = &dc->data_capture->xlb_capture;
	int prog = bpf_program__fd(dc->progs.xlb_decap), action;
	struct frame_spec s = TCP4(10000);
	struct xlb_capture_filter cf = { 0 };
	uint8_t tun[FRAME_MAX], out[FRAME_MAX], plain[FRAME_MAX];
	size_t tun_len, out_len, plain_len;
	struct outcome o;
	uint32_t gen;

	XT_EQ(stdenv_setup(&env), 0);
	disarm_all();
	/* The tunnel frame: what xlb_lb sends for s (outer source SRC4). */
	XT_EQ(lb_send(&s, 1, &o), 0);
	XT_EQ(o.action, XDP_TX);
	memcpy(tun, o.out, o.out_len);
	tun_len = o.out_len;
	plain_len = frame_build(plain, &s);
	XT_EQ(dc_setup(SRC4, "10.0.0.10"), 0);

	XT_EQ(run_prog(prog, tun, tun_len, out, &out_len, &action), 0);
	XT_EQ(action, XDP_PASS);
	XT_EQ(drain(dc_ring), 0);

	gen = arm(f, &(struct xlb_capture_filter){ .flags = XLB_CAP_F_REASON,
						   .reason = XLB_DC_DECAP });
	XT_EQ(run_prog(prog, plain, plain_len, out, &out_len, &action), 0); /* pass_not_tunnel */
	XT_EQ(run_prog(prog, tun, tun_len, out, &out_len, &action), 0);
	XT_EQ(action, XDP_PASS);
	XT_EQ(drain(dc_ring), 1);
	XT_EQ(recs[0].h.gen, gen);
	XT_EQ(recs[0].h.prog, XLB_CAPTURE_PROG_DECAP);
	XT_EQ(recs[0].h.reason, XLB_DC_DECAP);
	XT_EQ(recs[0].h.verdict, XDP_PASS);
	XT_EQ(recs[0].h.svc_id, XLB_CAPTURE_ANY);
	XT_EQ(recs[0].h.backend_id, XLB_CAPTURE_ANY);
	XT_EQ(recs[0].h.ifindex, IFINDEX_LO);
	XT_EQ(out_len, plain_len);
	XT_CHECK(!memcmp(out + 14, plain + 14, plain_len - 14), "decapsulated: the client's "
								"packet");
	XT_EQ(recs[0].h.orig_len, out_len);
	XT_EQ(recs[0].h.cap_len, out_len);
	XT_CHECK(!memcmp(recs[0].data, out, out_len), "the record holds the decapsulated frame");
	XT_EQ(drain(lb_ring), 0);

	arm(f, &(struct xlb_capture_filter){ .flags = XLB_CAP_F_VERDICT, .verdict = XDP_DROP });
	/* Outer source out of the allowed prefix (xlb_decap does not check the outer checksum). */
	tun[14 + 12] ^= 0x40;
	XT_EQ(run_prog(prog, tun, tun_len, out, &out_len, &action), 0);
	XT_EQ(action, XDP_DROP);
	XT_EQ(drain(dc_ring), 1);
	XT_EQ(recs[0].h.reason, XLB_DC_DROP_SOURCE);

	client_prefix(&cf, "0.0.0.0/0");
	arm(f, &cf);
	XT_EQ(run_prog(prog, plain, plain_len, out, &out_len, &action), 0);
	XT_EQ(drain(dc_ring), 0);
	__atomic_store_n(&f->gen, 0, __ATOMIC_SEQ_CST);
	return XT_PASS;
}

static const struct xt_case CASES[] = {
	{ "off_writes_nothing", off_writes_nothing },
	{ "filter_service", filter_service },
	{ "filter_reason_malformed", filter_reason_malformed },
	{ "filter_verdict_drop", filter_verdict_drop },
	{ "filter_backend", filter_backend },
	{ "filter_client_prefix", filter_client_prefix },
	{ "sample_exact", sample_exact },
	{ "budget_stops", budget_stops },
	{ "snaplen_truncates", snaplen_truncates },
	{ "decap_capture", decap_capture },
};

int main(int argc, char **argv)
{
	const char *only = argc > 1 ? argv[1] : NULL;
	struct xt_counts c = { 0 };
	cpu_set_t one;
	int err, rc;

	if (geteuid() != 0) {
		printf("skip %s/*: needs root for BPF_PROG_TEST_RUN\n", LAYER);
		c.skipped = 1;
		return xt_summary(LAYER, &c);
	}
	/* One CPU: the sampling count is per CPU. */
	CPU_ZERO(&one);
	CPU_SET(sched_getcpu() < 0 ? 0 : sched_getcpu(), &one);
	err = sched_setaffinity(0, sizeof(one), &one) ? -errno : 0;
	if (!err)
		err = lbenv_open(&env, 65536);
	if (!err) {
		dc = decap_bpf__open_and_load();
		err = dc ? 0 : -errno;
	}
	if (!err) {
		lb_ring = ring_buffer__new(bpf_map__fd(env.skel->maps.xlb_capture_ring), on_record,
					   NULL, NULL);
		dc_ring = ring_buffer__new(bpf_map__fd(dc->maps.xlb_capture_ring), on_record, NULL,
					   NULL);
		err = lb_ring && dc_ring ? 0 : -errno;
	}
	if (err) {
		fprintf(stderr, "%s: setup failed: %s\n", LAYER, strerror(-err));
		c.failed = 1;
		return xt_summary(LAYER, &c);
	}
	rc = xt_run(LAYER, CASES, (int)(sizeof(CASES) / sizeof(CASES[0])), only);
	ring_buffer__free(lb_ring);
	ring_buffer__free(dc_ring);
	decap_bpf__destroy(dc);
	lbenv_close(&env);
	return rc;
}
