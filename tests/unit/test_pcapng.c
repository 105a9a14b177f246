// SPDX-License-Identifier: GPL-2.0
/* test_pcapng.c - the pcapng blocks against bytes written out by hand from the format's
 * definition (little-endian host), their limits, the reader of pcapread.c on them, and the
 * words of a capture record. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <linux/bpf.h>

#include "capdesc.h"
#include "pcapng.h"
#include "pcapread.h"
#include "xlb_decap.h"
#include "xlb_reasons.h"
#include "xt.h"

#define LAYER "unit/pcapng"

/* n bytes of got must equal want; prints the first difference. */
static int same_bytes(const uint8_t *got, size_t n, const uint8_t *want, size_t want_n)
{
	XT_EQ(n, want_n);
	for (size_t i = 0; i < n; i++)
		XT_CHECK(got[i] == want[i], "byte %zu is 0x%02x, expected 0x%02x", i, got[i],
			 want[i]);
	return XT_PASS;
}

/* Every capacity short of the block's length is refused. */
static int refuses_short(size_t (*write)(uint8_t *, size_t), size_t full)
{
	uint8_t buf[256];

	for (size_t cap = 0; cap < full; cap++)
		XT_EQ(write(buf, cap), 0);
	XT_EQ(write(buf, full), full);
	return XT_PASS;
}

static const uint8_t SHB[] = {
	0x0a, 0x0d, 0x0d, 0x0a, 0x28, 0x00, 0x00, 0x00, /* type, length 40 */
	0x4d, 0x3c, 0x2b, 0x1a, 0x01, 0x00, 0x00, 0x00, /* byte-order magic, version 1.0 */
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, /* section length -1 */
	0x04, 0x00, 0x03, 0x00, 'x',  'l',  'b',  0x00, /* shb_userappl "xlb", padded */
	0x00, 0x00, 0x00, 0x00, 0x28, 0x00, 0x00, 0x00, /* opt_endofopt, length 40 */
};

static size_t write_shb(uint8_t *buf, size_t cap)
{
	return pcapng_shb(buf, cap, "xlb");
}

static int t_shb(void)
{
	uint8_t buf[256];
	size_t n = pcapng_shb(buf, sizeof(buf), "xlb");

	XT_CHECK(same_bytes(buf, n, SHB, sizeof(SHB)) == XT_PASS, "SHB");
	XT_CHECK(refuses_short(write_shb, sizeof(SHB)) == XT_PASS, "short SHB");
	/* No application: no options at all, 28 bytes. */
	XT_EQ(pcapng_shb(buf, sizeof(buf), NULL), 28);
	XT_EQ(buf[4], 28);
	XT_EQ(buf[24], 28);
	return XT_PASS;
}

static const uint8_t IDB[] = {
	0x01, 0x00, 0x00, 0x00, 0x28, 0x00, 0x00, 0x00, /* type, length 40 */
	0x01, 0x00, 0x00, 0x00, 0x80, 0x00, 0x00, 0x00, /* Ethernet, reserved, snaplen 128 */
	0x02, 0x00, 0x04, 0x00, 'e',  't',  'h',  '0', /* if_name "eth0" */
	0x09, 0x00, 0x01, 0x00, 0x09, 0x00, 0x00, 0x00, /* if_tsresol 9, padded */
	0x00, 0x00, 0x00, 0x00, 0x28, 0x00, 0x00, 0x00, /* opt_endofopt, length 40 */
};

static size_t write_idb(uint8_t *buf, size_t cap)
{
	return pcapng_idb(buf, cap, "eth0", 128);
}

static int t_idb(void)
{
	uint8_t buf[256];
	size_t n = pcapng_idb(buf, sizeof(buf), "eth0", 128);

	XT_CHECK(same_bytes(buf, n, IDB, sizeof(IDB)) == XT_PASS, "IDB");
	XT_CHECK(refuses_short(write_idb, sizeof(IDB)) == XT_PASS, "short IDB");
	return XT_PASS;
}

static const uint8_t EPB[] = {
	0x06, 0x00, 0x00, 0x00, 0x34, 0x00, 0x00, 0x00, /* type, length 52 */
	0x02, 0x00, 0x00, 0x00, /* interface 2 */
	0x78, 0x56, 0x34, 0x12, 0xf0, 0xde, 0xbc, 0x9a, /* timestamp high, low */
	0x05, 0x00, 0x00, 0x00, 0x3c, 0x00, 0x00, 0x00, /* captured 5, original 60 */
	'A',  'B',  'C',  'D',	'E',  0x00, 0x00, 0x00, /* data, padded */
	0x01, 0x00, 0x02, 0x00, 'h',  'i',  0x00, 0x00, /* opt_comment "hi", padded */
	0x00, 0x00, 0x00, 0x00, 0x34, 0x00, 0x00, 0x00, /* opt_endofopt, length 52 */
};

static const struct pcapng_packet PKT = {
	.if_id = 2,
	.ts_ns = 0x123456789abcdef0ULL,
	.data = "ABCDE",
	.cap_len = 5,
	.orig_len = 60,
	.comment = "hi",
};

static size_t write_epb(uint8_t *buf, size_t cap)
{
	return pcapng_epb(buf, cap, &PKT);
}

static int t_epb(void)
{
	struct pcapng_packet p = PKT;
	uint8_t buf[2048];
	char long_comment[PCAPNG_MAX_COMMENT + 100];
	size_t n = pcapng_epb(buf, sizeof(buf), &PKT);

	XT_CHECK(same_bytes(buf, n, EPB, sizeof(EPB)) == XT_PASS, "EPB");
	XT_CHECK(refuses_short(write_epb, sizeof(EPB)) == XT_PASS, "short EPB");
	/* No comment: no options, 28 + 8 + 4 bytes. */
	p.comment = NULL;
	XT_EQ(pcapng_epb(buf, sizeof(buf), &p), 40);
	/* More captured than the frame had: refused. */
	p.cap_len = 61;
	XT_EQ(pcapng_epb(buf, sizeof(buf), &p), 0);
	/* A comment past the limit is cut to it, and the bound macro holds. */
	memset(long_comment, 'c', sizeof(long_comment) - 1);
	long_comment[sizeof(long_comment) - 1] = '\0';
	p = PKT;
	p.comment = long_comment;
	n = pcapng_epb(buf, sizeof(buf), &p);
	XT_EQ(n, 28 + 8 + 4 + PCAPNG_MAX_COMMENT + 4 + 4);
	XT_EQ(buf[38], PCAPNG_MAX_COMMENT & 0xff);
	XT_EQ(buf[39], PCAPNG_MAX_COMMENT >> 8);
	XT_CHECK(n <= PCAPNG_EPB_MAX(5), "%zu > PCAPNG_EPB_MAX", n);
	return XT_PASS;
}

static int t_words(void)
{
	uint8_t r = 0, v = 0;

	XT_CHECK(!strcmp(capdesc_prog(XLB_CAPTURE_PROG_LB), "xlb_lb"), "prog lb");
	XT_CHECK(!strcmp(capdesc_prog(XLB_CAPTURE_PROG_DECAP), "xlb_decap"), "prog decap");
	XT_CHECK(capdesc_prog(0) == NULL, "prog 0");
	XT_CHECK(!strcmp(capdesc_verdict(XDP_TX), "tx"), "tx");
	XT_CHECK(!strcmp(capdesc_verdict(XDP_DROP), "drop"), "drop");
	XT_CHECK(capdesc_verdict(9) == NULL, "verdict 9");
	XT_CHECK(!strcmp(capdesc_reason(XLB_CAPTURE_PROG_LB, XLB_R_PASS_MALFORMED), "pass_"
										    "malformed"),
		 "lb reason");
	XT_CHECK(!strcmp(capdesc_reason(XLB_CAPTURE_PROG_DECAP, XLB_DC_DROP_SOURCE), "drop_source"),
		 "decap reason");
	XT_CHECK(capdesc_reason(XLB_CAPTURE_PROG_LB, XLB_R_MAX) == NULL, "reason past the list");
	XT_CHECK(capdesc_reason(XLB_CAPTURE_PROG_DECAP, XLB_DC_MAX) == NULL, "decap past the list");
	XT_EQ(capdesc_reason_parse(XLB_CAPTURE_PROG_LB, "tx_new_flow", &r), 0);
	XT_EQ(r, XLB_R_TX_NEW_FLOW);
	XT_EQ(capdesc_reason_parse(XLB_CAPTURE_PROG_DECAP, "decap", &r), 0);
	XT_EQ(r, XLB_DC_DECAP);
	XT_EQ(capdesc_reason_parse(XLB_CAPTURE_PROG_LB, "decap", &r), -ENOENT);
	XT_EQ(capdesc_reason_parse(XLB_CAPTURE_PROG_LB, "tx_new", &r), -ENOENT);
	XT_EQ(capdesc_verdict_parse("pass", &v), 0);
	XT_EQ(v, XDP_PASS);
	XT_EQ(capdesc_verdict_parse("redirect", &v), -ENOENT);
	XT_EQ(capdesc_verdict_parse("TX", &v), -ENOENT);
	return XT_PASS;
}

static int t_line(void)
{
	struct xlb_capture_rec r = { .prog = XLB_CAPTURE_PROG_LB,
				     .verdict = XDP_TX,
				     .reason = XLB_R_TX_NEW_FLOW,
				     .svc_id = 3,
				     .backend_id = 17,
				     .cpu = 1 };
	char buf[160];

	XT_EQ(capdesc_line(buf, sizeof(buf), &r, "web", "10.1.0.11"), (int)strlen(buf));
	XT_CHECK(!strcmp(buf, "xlb_lb verdict=tx reason=tx_new_flow service=web "
			      "backend=10.1.0.11 cpu=1"),
		 "got '%s'", buf);
	capdesc_line(buf, sizeof(buf), &r, NULL, NULL);
	XT_CHECK(!strcmp(buf, "xlb_lb verdict=tx reason=tx_new_flow service=3 backend=17 cpu=1"),
		 "got '%s'", buf);
	r = (struct xlb_capture_rec){ .prog = XLB_CAPTURE_PROG_DECAP,
				      .verdict = XDP_PASS,
				      .reason = XLB_DC_DECAP,
				      .svc_id = XLB_CAPTURE_ANY,
				      .backend_id = XLB_CAPTURE_ANY };
	capdesc_line(buf, sizeof(buf), &r, "ignored", "ignored");
	XT_CHECK(!strcmp(buf, "xlb_decap verdict=pass reason=decap service=- backend=- cpu=0"),
		 "got '%s'", buf);
	r = (struct xlb_capture_rec){ .prog = 7, .verdict = 8, .reason = 200 };
	capdesc_line(buf, sizeof(buf), &r, NULL, NULL);
	XT_CHECK(!strcmp(buf, "7 verdict=8 reason=200 service=0 backend=0 cpu=0"), "got '%s'", buf);
	XT_EQ(capdesc_line(buf, 10, &r, NULL, NULL), 48);
	XT_EQ(strlen(buf), 9);
	return XT_PASS;
}

/* The reader takes back exactly what the writer wrote: a stream of SHB, IDB, EPB, read block
 * by block from every prefix of it. */
static int t_read_back(void)
{
	uint8_t buf[512];
	size_t n = 0, at = 0, blocks = 0;
	struct pcapng_block b;
	long len;

	n += pcapng_shb(buf + n, sizeof(buf) - n, "xlb");
	n += pcapng_idb(buf + n, sizeof(buf) - n, "eth0", 128);
	n += pcapng_epb(buf + n, sizeof(buf) - n, &PKT);
	XT_EQ(n, sizeof(SHB) + sizeof(IDB) + sizeof(EPB));
	/* Every cut short of a whole block asks for more. */
	for (size_t cut = 0; cut < sizeof(SHB); cut++)
		XT_CHECK(pcapng_block_len(buf, cut) == 0, "SHB cut at %zu", cut);
	while ((len = pcapng_block_len(buf + at, n - at)) > 0) {
		XT_EQ(pcapng_block_parse(buf + at, (size_t)len, &b), 0);
		XT_EQ(b.len, len);
		if (blocks == 0) {
			XT_EQ(b.type, PCAPNG_BT_SHB);
		} else if (blocks == 1) {
			XT_EQ(b.type, PCAPNG_BT_IDB);
			XT_EQ(b.linktype, 1);
			XT_EQ(b.snaplen, 128);
			XT_CHECK(b.if_name && b.if_name_len == 4 && !memcmp(b.if_name, "eth0", 4),
				 "if_name");
		} else {
			XT_EQ(b.type, PCAPNG_BT_EPB);
			XT_EQ(b.if_id, 2);
			XT_CHECK(b.ts == 0x123456789abcdef0ULL, "ts");
			XT_EQ(b.cap_len, 5);
			XT_EQ(b.orig_len, 60);
			XT_CHECK(!memcmp(b.data, "ABCDE", 5), "data");
			XT_CHECK(b.comment && b.comment_len == 2 && !memcmp(b.comment, "hi", 2),
				 "comment");
		}
		at += (size_t)len;
		blocks++;
	}
	XT_EQ(len, 0);
	XT_EQ(at, n);
	XT_EQ(blocks, 3);
	return XT_PASS;
}

static int t_read_refuses(void)
{
	uint8_t buf[64];
	struct pcapng_block b;

	memcpy(buf, EPB, sizeof(EPB));
	buf[4] = 50; /* not a multiple of 4 */
	XT_EQ(pcapng_block_len(buf, sizeof(EPB)), -EINVAL);
	buf[4] = 8; /* below the smallest block */
	XT_EQ(pcapng_block_len(buf, sizeof(EPB)), -EINVAL);
	memcpy(buf, EPB, sizeof(EPB));
	buf[sizeof(EPB) - 4] = 48; /* trailing length differs */
	XT_EQ(pcapng_block_len(buf, sizeof(EPB)), -EINVAL);
	memcpy(buf, EPB, sizeof(EPB));
	buf[20] = 61; /* captured more than the frame's 60 */
	XT_EQ(pcapng_block_parse(buf, sizeof(EPB), &b), -EINVAL);
	memcpy(buf, EPB, sizeof(EPB));
	buf[20] = 40; /* data past the block's end */
	buf[24] = 40;
	XT_EQ(pcapng_block_parse(buf, sizeof(EPB), &b), -EINVAL);
	memcpy(buf, EPB, sizeof(EPB));
	buf[38] = 30; /* comment past the block's end */
	XT_EQ(pcapng_block_parse(buf, sizeof(EPB), &b), -EINVAL);
	memcpy(buf, SHB, sizeof(SHB));
	buf[8] = 0x1a; /* the other byte order */
	buf[11] = 0x4d;
	XT_EQ(pcapng_block_parse(buf, sizeof(SHB), &b), -EPROTONOSUPPORT);
	return XT_PASS;
}

static const struct xt_case CASES[] = {
	{ "shb_exact", t_shb },
	{ "idb_exact", t_idb },
	{ "epb_exact", t_epb },
	{ "record_words", t_words },
	{ "record_line", t_line },
	{ "read_back", t_read_back },
	{ "read_refuses", t_read_refuses },
};

int main(int argc, char **argv)
{
	return xt_run(LAYER, CASES, (int)(sizeof(CASES) / sizeof(CASES[0])),
		      argc > 1 ? argv[1] : NULL);
}
