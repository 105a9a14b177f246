// SPDX-License-Identifier: GPL-2.0
/* test_csum.c - the Internet checksum of user/common/csum.c against answers computed
 * independently (RFC 1071's worked example, a textbook IPv4 header, and Python sums over the
 * IPv4 and IPv6 pseudo-headers): odd lengths, folding, and a packet that sums to zero. */
#include <string.h>

#include "csum.h"
#include "xlb_abi.h"
#include "xt.h"

static struct xlb_addr addr(const char *s)
{
	struct xlb_addr a = { 0 };

	xlb_addr_parse(s, &a);
	return a;
}

/* RFC 1071 section 3: 00 01 f2 03 f4 f5 f6 f7 sums to 2ddf0, folds to ddf2. */
static int t_rfc1071_example(void)
{
	static const __u8 b[] = { 0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7 };

	XT_EQ(xlb_csum_add(b, sizeof(b), 0), 0x2ddf0);
	XT_EQ(xlb_csum_fold(0x2ddf0), 0x220d);
	return XT_PASS;
}

/* An odd last byte is the high half of a word. */
static int t_odd_length(void)
{
	static const __u8 b[] = { 0xab };

	XT_EQ(xlb_csum_add(b, 1, 0), 0xab00);
	XT_EQ(xlb_csum_fold(xlb_csum_add(b, 1, 0)), 0x54ff);
	XT_EQ(xlb_csum_add(b, 0, 7), 7);
	return XT_PASS;
}

/* 192.168.0.1 -> 192.168.0.199 UDP, checksum field zero: b861; written back, the header
 * sums to zero. */
static int t_ipv4_header(void)
{
	__u8 ip[20] = { 0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
			0x00, 0x00, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7 };
	__u16 c = xlb_csum_fold(xlb_csum_add(ip, sizeof(ip), 0));

	XT_EQ(c, 0xb861);
	ip[10] = (__u8)(c >> 8);
	ip[11] = (__u8)c;
	XT_EQ(xlb_csum_fold(xlb_csum_add(ip, sizeof(ip), 0)), 0);
	return XT_PASS;
}

/* TCP SYN 40000 -> 80 from 192.0.2.1 to 10.0.0.10 (20 bytes, no options). */
static int t_tcp_ipv4(void)
{
	static const __u8 seg[20] = { 0x9c, 0x40, 0x00, 0x50, 0,    0, 0, 1, 0, 0,
				      0,    0,	  0x50, 0x02, 0x20, 0, 0, 0, 0, 0 };
	struct xlb_addr s = addr("192.0.2.1"), d = addr("10.0.0.10");

	XT_EQ(xlb_l4_csum(&s, &d, 6, seg, sizeof(seg)), 0x2746);
	return XT_PASS;
}

/* UDP 40000 -> 53 "hello" (13 bytes: an odd length) from 2001:db8::1 to 2001:db8::2. */
static int t_udp_ipv6_odd(void)
{
	static const __u8 seg[13] = { 0x9c, 0x40, 0x00, 0x35, 0x00, 0x0d, 0x00,
				      0x00, 'h',  'e',	'l',  'l',  'o' };
	struct xlb_addr s = addr("2001:db8::1"), d = addr("2001:db8::2");

	XT_EQ(xlb_l4_csum(&s, &d, 17, seg, sizeof(seg)), 0xc417);
	return XT_PASS;
}

static const struct xt_case cases[] = {
	{ "rfc1071_example", t_rfc1071_example }, { "odd_length", t_odd_length },
	{ "ipv4_header", t_ipv4_header },	  { "tcp_ipv4", t_tcp_ipv4 },
	{ "udp_ipv6_odd", t_udp_ipv6_odd },
};

int main(int argc, char **argv)
{
	return xt_run("unit/csum", cases, sizeof(cases) / sizeof(cases[0]),
		      argc > 1 ? argv[1] : NULL);
}
