// SPDX-License-Identifier: GPL-2.0
/* test_capfile.c - capture records as pcapng (capfile.c), read back with pcapread.c: the SHB,
 * an IDB at an interface's first record only (named, or "ifindexN" for one that does not
 * exist), EPBs with the wall-clock time and the decision as their comment, and the refusals
 * (no room, an interface past the limit, a record longer captured than its frame) that write
 * nothing and leave the writer unchanged. */
#include <string.h>
#include <linux/bpf.h>

#include "capfile.h"
#include "pcapread.h"
#include "xlb_reasons.h"
#include "xt.h"

#define LAYER "unit/capfile"
#define NO_SUCH_IFINDEX 999999 /* no interface has it */

static uint8_t buf[2 * CAPFILE_RECORD_MAX(XLB_CAPTURE_SNAP_MAX)];

static const struct xlb_capture_rec REC = {
	.ts_ns = 1000,
	.gen = 7,
	.cpu = 1,
	.ifindex = 1, /* lo, in every network namespace */
	.svc_id = 3,
	.backend_id = 17,
	.orig_len = 60,
	.cap_len = 4,
	.verdict = XDP_TX,
	.reason = XLB_R_TX_NEW_FLOW,
	.prog = XLB_CAPTURE_PROG_LB,
};

/* The blocks in buf[0..n) into out (at most max); returns how many, -1 when malformed. */
static int blocks(size_t n, struct pcapng_block *out, int max)
{
	size_t at = 0;
	int k = 0;
	long len;

	while (k < max && (len = pcapng_block_len(buf + at, n - at)) > 0) {
		if (pcapng_block_parse(buf + at, (size_t)len, &out[k++]))
			return -1;
		at += (size_t)len;
	}
	return at == n ? k : -1;
}

static int t_records(void)
{
	struct capfile f;
	struct pcapng_block b[4];
	struct xlb_capture_rec r = REC;
	const char *want = "xlb_lb verdict=tx reason=tx_new_flow service=web backend=10.1.0.11 "
			   "cpu=1";
	size_t n = capfile_begin(&f, buf, sizeof(buf), "test", 128, 5000000000ULL);

	XT_CHECK(n > 0, "no SHB");
	n += capfile_record(&f, buf + n, sizeof(buf) - n, &r, "ABCD", "web", "10.1.0.11");
	r.ts_ns = 2000;
	r.cpu = 0;
	n += capfile_record(&f, buf + n, sizeof(buf) - n, &r, "EFGH", NULL, NULL);
	XT_EQ(blocks(n, b, 4), 4); /* SHB, IDB, EPB, EPB: one IDB for the interface */
	XT_EQ(b[0].type, PCAPNG_BT_SHB);
	XT_EQ(b[1].type, PCAPNG_BT_IDB);
	XT_EQ(b[1].snaplen, 128);
	XT_CHECK(b[1].if_name_len == 2 && !memcmp(b[1].if_name, "lo", 2), "if_name");
	XT_EQ(b[2].type, PCAPNG_BT_EPB);
	XT_EQ(b[2].if_id, 0);
	XT_CHECK(b[2].ts == 5000001000ULL, "ts %llu", (unsigned long long)b[2].ts);
	XT_EQ(b[2].cap_len, 4);
	XT_EQ(b[2].orig_len, 60);
	XT_CHECK(!memcmp(b[2].data, "ABCD", 4), "data");
	XT_CHECK(b[2].comment_len == strlen(want) && !memcmp(b[2].comment, want, strlen(want)),
		 "comment '%.*s'", (int)b[2].comment_len, b[2].comment);
	want = "xlb_lb verdict=tx reason=tx_new_flow service=3 backend=17 cpu=0";
	XT_CHECK(b[3].comment_len == strlen(want) && !memcmp(b[3].comment, want, strlen(want)),
		 "comment '%.*s'", (int)b[3].comment_len, b[3].comment);
	XT_CHECK(b[3].ts == 5000002000ULL, "second ts");
	XT_EQ(f.n_ifaces, 1);
	return XT_PASS;
}

static int t_refusals(void)
{
	struct capfile f;
	struct pcapng_block b[2];
	struct xlb_capture_rec r = REC;
	size_t n;

	capfile_begin(&f, buf, sizeof(buf), NULL, 64, 0);
	/* No room: nothing, and the interface is still new afterwards. */
	XT_EQ(capfile_record(&f, buf, CAPFILE_RECORD_MAX(r.cap_len) - 1, &r, "ABCD", NULL, NULL),
	      0);
	XT_EQ(f.n_ifaces, 0);
	/* Captured more than the frame had: refused, the interface not taken either. */
	r.cap_len = 61;
	XT_EQ(capfile_record(&f, buf, sizeof(buf), &r, buf, NULL, NULL), 0);
	XT_EQ(f.n_ifaces, 0);
	/* A gone interface is named by its index. */
	r = REC;
	r.ifindex = NO_SUCH_IFINDEX;
	n = capfile_record(&f, buf, sizeof(buf), &r, "ABCD", NULL, NULL);
	XT_EQ(blocks(n, b, 2), 2);
	XT_CHECK(b[0].if_name_len == strlen("ifindex999999") &&
			 !memcmp(b[0].if_name, "ifindex999999", b[0].if_name_len),
		 "if_name '%.*s'", (int)b[0].if_name_len, b[0].if_name);
	/* The limit of interfaces: the one past it is refused, known ones still go. */
	for (int i = 1; i < CAPFILE_MAX_IFACES; i++) {
		r.ifindex = NO_SUCH_IFINDEX + (__u32)i;
		XT_CHECK(capfile_record(&f, buf, sizeof(buf), &r, "ABCD", NULL, NULL) > 0,
			 "interface %d refused", i);
	}
	r.ifindex = NO_SUCH_IFINDEX + CAPFILE_MAX_IFACES;
	XT_EQ(capfile_record(&f, buf, sizeof(buf), &r, "ABCD", NULL, NULL), 0);
	r.ifindex = NO_SUCH_IFINDEX;
	n = capfile_record(&f, buf, sizeof(buf), &r, "ABCD", NULL, NULL);
	XT_EQ(blocks(n, b, 2), 1); /* an EPB alone */
	XT_EQ(b[0].type, PCAPNG_BT_EPB);
	XT_EQ(b[0].if_id, 0);
	return XT_PASS;
}

static const struct xt_case CASES[] = {
	{ "records", t_records },
	{ "refusals", t_refusals },
};

int main(int argc, char **argv)
{
	return xt_run(LAYER, CASES, (int)(sizeof(CASES) / sizeof(CASES[0])),
		      argc > 1 ? argv[1] : NULL);
}
