// SPDX-License-Identifier: GPL-2.0
/* test_gue.c - the UDP part of GUE variant 1 packets (user/common/gue.c) against answers
 * computed independently (a Python one's-complement sum over the RFC 8200 pseudo-header):
 * IPv4 checksum 0, IPv6 checksum, the inner packet carried unchanged, source ports from the
 * flow hash, mismatched families and oversize datagrams refused. */
#include <string.h>

#include "gue.h"
#include "xlb_abi.h"
#include "xt.h"

/* 198.51.100.7:40000 -> 10.0.0.10:53 UDP "ping", IPv4 header checksum included. */
static const __u8 INNER4[32] = {
	0x45, 0x00, 0x00, 0x20, 0x00, 0x01, 0x40, 0x00, 0x40, 0x11, 0x06,
	0x88, 0xc6, 0x33, 0x64, 0x07, 0x0a, 0x00, 0x00, 0x0a, 0x9c, 0x40,
	0x00, 0x35, 0x00, 0x0c, 0x00, 0x00, 0x70, 0x69, 0x6e, 0x67,
};

static struct xlb_addr addr(const char *s)
{
	struct xlb_addr a = { 0 };

	xlb_addr_parse(s, &a);
	return a;
}

static int t_ipv4_checksum_zero(void)
{
	struct xlb_addr s = addr("192.0.2.1"), d = addr("10.1.0.11");
	__u8 out[64];

	memset(out, 0xaa, sizeof(out));
	XT_EQ(gue_udp_write(out, &s, &d, 0x8123, 6080, INNER4, sizeof(INNER4)), 40);
	XT_CHECK(!memcmp(out, "\x81\x23\x17\xc0\x00\x28\x00\x00", 8),
		 "header %02x%02x %02x%02x "
		 "%02x%02x %02x%02x",
		 out[0], out[1], out[2], out[3], out[4], out[5], out[6], out[7]);
	XT_CHECK(!memcmp(out + 8, INNER4, sizeof(INNER4)), "inner packet changed");
	XT_EQ(out[40], 0xaa); /* nothing past the datagram */
	return XT_PASS;
}

static int t_ipv6_checksum(void)
{
	struct xlb_addr s = addr("2001:db8:ff::1"), d = addr("2001:db8:1::1");
	__u8 out[64];

	XT_EQ(gue_udp_write(out, &s, &d, 0x8123, 6080, INNER4, sizeof(INNER4)), 40);
	XT_EQ(out[4] << 8 | out[5], 40);
	XT_EQ(out[6] << 8 | out[7], 0x8ef4);
	XT_CHECK(!memcmp(out + 8, INNER4, sizeof(INNER4)), "inner packet changed");
	/* Another port: the checksum follows (0x8ef4 - 1 in one's complement). */
	XT_EQ(gue_udp_write(out, &s, &d, 0x8124, 6080, INNER4, sizeof(INNER4)), 40);
	XT_EQ(out[6] << 8 | out[7], 0x8ef3);
	return XT_PASS;
}

static int t_source_port(void)
{
	XT_EQ(gue_sport(0), 0x8000);
	XT_EQ(gue_sport(0xffffffff), 0xffff);
	XT_EQ(gue_sport(0x12345678), 0x8000 | (0x12345678 >> 17));
	XT_EQ(gue_sport(0x0001ffff), 0x8000); /* the low 17 bits do not count */
	return XT_PASS;
}

static int t_refused(void)
{
	struct xlb_addr s4 = addr("192.0.2.1"), d6 = addr("2001:db8:1::1");
	static __u8 big[65536], out[65536 + 8];

	XT_EQ(gue_udp_write(out, &s4, &d6, 1, 2, INNER4, sizeof(INNER4)), 0);
	XT_EQ(gue_udp_write(out, &s4, &s4, 1, 2, big, 65527), 65535); /* the largest datagram */
	XT_EQ(gue_udp_write(out, &s4, &s4, 1, 2, big, 65528), 0);
	return XT_PASS;
}

static const struct xt_case cases[] = {
	{ "ipv4_checksum_zero", t_ipv4_checksum_zero },
	{ "ipv6_checksum", t_ipv6_checksum },
	{ "source_port", t_source_port },
	{ "refused", t_refused },
};

int main(int argc, char **argv)
{
	return xt_run("unit/gue", cases, sizeof(cases) / sizeof(cases[0]),
		      argc > 1 ? argv[1] : NULL);
}
