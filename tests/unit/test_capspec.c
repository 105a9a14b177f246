// SPDX-License-Identifier: GPL-2.0
/* test_capspec.c - the words of a capture request: every keyword, the defaults, the client
 * prefix into a filter, and each kind of bad input refused with its message and nothing
 * changed. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <linux/bpf.h>

#include "capspec.h"
#include "xlb_abi.h"
#include "xlb_decap.h"
#include "xlb_reasons.h"
#include "xt.h"

#define LAYER "unit/capspec"
#define MAXW 24

/* Split line at spaces into words and parse them for prog. */
static int parse(const char *line, __u8 prog, struct capspec *s, char *err, size_t len)
{
	static char buf[512];
	char *words[MAXW];
	int n = 0;

	snprintf(buf, sizeof(buf), "%s", line);
	for (char *w = strtok(buf, " "); w && n < MAXW; w = strtok(NULL, " "))
		words[n++] = w;
	return capspec_parse(n, words, prog, s, err, len);
}

static int t_everything(void)
{
	struct capspec s;
	char err[256] = "";

	XT_EQ(parse("10.0.0.10:80/tcp backend 10.1.0.11 client 198.51.100.0/24 reason "
		    "tx_new_flow sample 100 count 5000 duration 60 snaplen 128",
		    XLB_CAPTURE_PROG_LB, &s, err, sizeof(err)),
	      0);
	XT_CHECK(s.has_service && s.has_backend && s.has_client && s.has_reason && !s.has_verdict,
		 "flags");
	XT_EQ(s.service.port, 80);
	XT_EQ(s.service.proto, IPPROTO_TCP);
	XT_EQ(s.service.vip.addr[0], htonl(0x0a00000a));
	XT_EQ(s.backend.addr[0], htonl(0x0a01000b));
	XT_EQ(s.client.addr[0], htonl(0xc6336400));
	XT_EQ(s.client_len, 24);
	XT_EQ(s.reason, XLB_R_TX_NEW_FLOW);
	XT_EQ(s.sample, 100);
	XT_EQ(s.count, 5000);
	XT_EQ(s.duration, 60);
	XT_EQ(s.snaplen, 128);
	return XT_PASS;
}

static int t_defaults_and_order(void)
{
	struct capspec s;
	char err[256] = "";

	XT_EQ(parse("", XLB_CAPTURE_PROG_LB, &s, err, sizeof(err)), 0);
	XT_CHECK(!s.has_service && !s.has_backend && !s.has_client && !s.has_reason &&
			 !s.has_verdict,
		 "nothing set");
	XT_EQ(s.sample, 0);
	XT_EQ(s.count, 0);
	XT_EQ(s.duration, 0);
	XT_EQ(s.snaplen, CAPSPEC_DEFAULT_SNAPLEN);
	XT_EQ(parse("snaplen 4096 verdict drop client 2001:db8:c::7", XLB_CAPTURE_PROG_LB, &s, err,
		    sizeof(err)),
	      0);
	XT_EQ(s.verdict, XDP_DROP);
	XT_EQ(s.client_len, 128);
	XT_EQ(s.client.family, XLB_AF_INET6);
	XT_EQ(parse("reason drop_source", XLB_CAPTURE_PROG_DECAP, &s, err, sizeof(err)), 0);
	XT_EQ(s.reason, XLB_DC_DROP_SOURCE);
	return XT_PASS;
}

static int t_client_filter(void)
{
	struct xlb_capture_filter f = { 0 };
	struct capspec s;
	char err[256] = "";

	XT_EQ(parse("client 2001:db8:c::/52", XLB_CAPTURE_PROG_LB, &s, err, sizeof(err)), 0);
	capspec_client_filter(&s, &f);
	XT_EQ(f.flags, XLB_CAP_F_CLIENT);
	XT_EQ(f.client_family, XLB_AF_INET6);
	XT_EQ(f.client_mask[0], 0xffffffffU);
	XT_EQ(f.client_mask[1], htonl(0xfffff000));
	XT_EQ(f.client_mask[2], 0);
	XT_EQ(f.client_mask[3], 0);
	XT_EQ(f.client[0], htonl(0x20010db8));
	XT_EQ(f.client[1], htonl(0x000c0000));
	memset(&f, 0, sizeof(f));
	XT_EQ(parse("client 0.0.0.0/0", XLB_CAPTURE_PROG_LB, &s, err, sizeof(err)), 0);
	capspec_client_filter(&s, &f);
	XT_EQ(f.client_family, XLB_AF_INET);
	XT_EQ(f.client_mask[0], 0);
	memset(&f, 0, sizeof(f));
	XT_EQ(parse("count 3", XLB_CAPTURE_PROG_LB, &s, err, sizeof(err)), 0);
	capspec_client_filter(&s, &f);
	XT_EQ(f.flags, 0);
	return XT_PASS;
}

/* Each bad request: -EINVAL, the message, and the output untouched. */
static const struct {
	const char *line;
	__u8 prog;
	const char *msg;
} BAD[] = {
	{ "10.0.0.10:80", XLB_CAPTURE_PROG_LB,
	  "10.0.0.10:80: neither a service (VIP:PORT/PROTO) nor one of backend, client, reason, "
	  "verdict, sample, count, duration, snaplen" },
	{ "count 5 10.0.0.10:80/tcp", XLB_CAPTURE_PROG_LB,
	  "10.0.0.10:80/tcp: not one of backend, client, reason, verdict, sample, count, duration, "
	  "snaplen" },
	{ "sample 10 sample 20", XLB_CAPTURE_PROG_LB, "sample given twice" },
	{ "sample", XLB_CAPTURE_PROG_LB, "sample: missing its value" },
	{ "sample 0", XLB_CAPTURE_PROG_LB, "sample 0: must be a number 1..1000000" },
	{ "count 10x", XLB_CAPTURE_PROG_LB, "count 10x: must be a number 1..1000000000" },
	{ "duration 86401", XLB_CAPTURE_PROG_LB, "duration 86401: must be a number 1..86400" },
	{ "snaplen 4097", XLB_CAPTURE_PROG_LB, "snaplen 4097: must be a number 1..4096" },
	{ "backend 10.1.0", XLB_CAPTURE_PROG_LB, "backend 10.1.0: not an IPv4 or IPv6 address" },
	{ "client 198.51.100.7/24", XLB_CAPTURE_PROG_LB,
	  "client 198.51.100.7/24: host bits set (the prefix is 198.51.100.0/24)" },
	{ "client 198.51.100.0/33", XLB_CAPTURE_PROG_LB,
	  "client 198.51.100.0/33: prefix length must be 0..32" },
	{ "client 2001:db8::/129", XLB_CAPTURE_PROG_LB,
	  "client 2001:db8::/129: prefix length must be 0..128" },
	{ "client example.org", XLB_CAPTURE_PROG_LB,
	  "client example.org: not an address or prefix" },
	{ "reason decap", XLB_CAPTURE_PROG_LB, "reason decap: xlb_lb has no such reason" },
	{ "reason tx_new_flow", XLB_CAPTURE_PROG_DECAP,
	  "reason tx_new_flow: xlb_decap has no such reason" },
	{ "verdict redirect", XLB_CAPTURE_PROG_LB, "verdict redirect: must be drop, pass or tx" },
	{ "reason pass_malformed verdict pass", XLB_CAPTURE_PROG_LB,
	  "reason and verdict cannot be combined: a reason has one verdict" },
	{ "backend 10.1.0.11", XLB_CAPTURE_PROG_DECAP,
	  "xlb_decap knows no service, backend or client: filter by reason or verdict" },
	{ "count 1", 9, "unknown program 9" },
};

static int t_bad(void)
{
	for (size_t i = 0; i < sizeof(BAD) / sizeof(BAD[0]); i++) {
		struct capspec s, before;
		char err[256] = "";

		memset(&s, 0x5a, sizeof(s));
		before = s;
		XT_EQ(parse(BAD[i].line, BAD[i].prog, &s, err, sizeof(err)), -EINVAL);
		XT_CHECK(!strcmp(err, BAD[i].msg), "'%s': got '%s'", BAD[i].line, err);
		XT_CHECK(!memcmp(&s, &before, sizeof(s)), "'%s' changed the output", BAD[i].line);
	}
	return XT_PASS;
}

static const struct xt_case CASES[] = {
	{ "everything", t_everything },
	{ "defaults_and_order", t_defaults_and_order },
	{ "client_filter", t_client_filter },
	{ "bad_input", t_bad },
};

int main(int argc, char **argv)
{
	return xt_run(LAYER, CASES, (int)(sizeof(CASES) / sizeof(CASES[0])),
		      argc > 1 ? argv[1] : NULL);
}
