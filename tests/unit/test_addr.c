// SPDX-License-Identifier: GPL-2.0
/* test_addr.c - strict address, number and service-reference parsing, and round trips. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#include "xlb_abi.h"
#include "addr.h"
#include "xt.h"

static int t_addr_v4(void)
{
	struct xlb_addr a;

	XT_EQ(xlb_addr_parse("10.0.0.10", &a), 0);
	XT_EQ(a.family, XLB_AF_INET);
	XT_EQ(a.addr[0], htonl(0x0a00000a));
	XT_EQ(a.addr[1] | a.addr[2] | a.addr[3], 0);
	XT_EQ(xlb_addr_parse("255.255.255.255", &a), 0);
	XT_EQ(a.addr[0], 0xffffffff);
	return XT_PASS;
}

static int t_addr_v6(void)
{
	struct xlb_addr a;

	XT_EQ(xlb_addr_parse("2001:db8::10", &a), 0);
	XT_EQ(a.family, XLB_AF_INET6);
	XT_EQ(a.addr[0], htonl(0x20010db8));
	XT_EQ(a.addr[1], 0);
	XT_EQ(a.addr[3], htonl(0x10));
	XT_EQ(xlb_addr_parse("::ffff:10.0.0.1", &a), 0);
	XT_EQ(a.family, XLB_AF_INET6);
	XT_EQ(a.addr[2], htonl(0xffff));
	return XT_PASS;
}

static int t_addr_rejects(void)
{
	static const char *const bad[] = {
		"",
		"10.0.0",
		"10.0.0.256",
		"10.0.0.1 ",
		" 10.0.0.1",
		"10.0.0.1/24",
		"010.0.0.1",
		"0x0a.0.0.1",
		"2001:db8::1::2",
		"[2001:db8::1]",
		"2001:db8::1%eth0",
		"10.0.0.1.",
		"host",
		"1",
	};
	struct xlb_addr a = { .family = 99 };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		XT_CHECK(xlb_addr_parse(bad[i], &a) == -EINVAL, "'%s' accepted", bad[i]);
		XT_CHECK(a.family == 99, "'%s' changed the output", bad[i]);
	}
	XT_EQ(xlb_addr_parse(NULL, &a), -EINVAL);
	return XT_PASS;
}

static int t_addr_format_round_trip(void)
{
	static const char *const good[] = { "0.0.0.0", "192.0.2.1",    "::",
					    "::1",     "2001:db8::10", "fe80::1:2:3:4" };
	struct xlb_addr a, b = { .family = 7 };
	char buf[64];

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		XT_EQ(xlb_addr_parse(good[i], &a), 0);
		XT_EQ(xlb_addr_format(&a, buf, sizeof(buf)), 0);
		XT_CHECK(!strcmp(buf, good[i]), "'%s' formatted as '%s'", good[i], buf);
	}
	XT_EQ(xlb_addr_format(&b, buf, sizeof(buf)), -EINVAL);
	XT_EQ(xlb_addr_parse("2001:db8::10", &a), 0);
	XT_EQ(xlb_addr_format(&a, buf, 8), -ENOSPC);
	return XT_PASS;
}

static int t_parse_u32(void)
{
	__u32 v = 12345;

	XT_EQ(xlb_parse_u32("0", 0, 10, &v), 0);
	XT_EQ(v, 0);
	XT_EQ(xlb_parse_u32("65535", 0, 65535, &v), 0);
	XT_EQ(v, 65535);
	XT_EQ(xlb_parse_u32("4294967295", 0, 0xffffffff, &v), 0);
	XT_EQ(v, 0xffffffffu);
	v = 7;
	XT_EQ(xlb_parse_u32("65536", 0, 65535, &v), -ERANGE);
	XT_EQ(xlb_parse_u32("4294967296", 0, 0xffffffff, &v), -ERANGE);
	XT_EQ(xlb_parse_u32("99999999999999999999", 0, 0xffffffff, &v), -ERANGE);
	XT_EQ(xlb_parse_u32("5", 6, 10, &v), -ERANGE);
	XT_EQ(xlb_parse_u32("80x", 0, 65535, &v), -EINVAL);
	XT_EQ(xlb_parse_u32("-1", 0, 65535, &v), -EINVAL);
	XT_EQ(xlb_parse_u32("+1", 0, 65535, &v), -EINVAL);
	XT_EQ(xlb_parse_u32(" 1", 0, 65535, &v), -EINVAL);
	XT_EQ(xlb_parse_u32("08", 0, 65535, &v), -EINVAL);
	XT_EQ(xlb_parse_u32("", 0, 65535, &v), -EINVAL);
	XT_EQ(xlb_parse_u32("1e3", 0, 65535, &v), -EINVAL);
	XT_EQ(v, 7);
	return XT_PASS;
}

static int t_service_parse(void)
{
	struct xlb_service_ref r;

	XT_EQ(xlb_service_parse("10.0.0.10:80/tcp", &r), 0);
	XT_EQ(r.vip.family, XLB_AF_INET);
	XT_EQ(r.vip.addr[0], htonl(0x0a00000a));
	XT_EQ(r.port, 80);
	XT_EQ(r.proto, IPPROTO_TCP);
	XT_EQ(xlb_service_parse("[2001:db8::10]:443/udp", &r), 0);
	XT_EQ(r.vip.family, XLB_AF_INET6);
	XT_EQ(r.port, 443);
	XT_EQ(r.proto, IPPROTO_UDP);
	XT_EQ(xlb_service_parse("10.0.0.10:0/tcp", &r), 0);
	XT_EQ(r.port, 0);
	return XT_PASS;
}

static int t_service_rejects(void)
{
	static const char *const bad[] = {
		"10.0.0.10:80",
		"10.0.0.10/tcp",
		"10.0.0.10:80/sctp",
		"10.0.0.10:80/TCP",
		"10.0.0.10:65536/tcp",
		"10.0.0.10:80x/tcp",
		"10.0.0.10:/tcp",
		":80/tcp",
		"2001:db8::10:80/tcp",
		"[10.0.0.10]:80/tcp",
		"[2001:db8::10]80/tcp",
		"[2001:db8::10:80/tcp",
		"10.0.0.10:80/tcp/",
		"10.0.0.10:-1/tcp",
		"",
		"10.0.0.10:080/tcp",
	};
	struct xlb_service_ref r = { .port = 4242 };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		XT_CHECK(xlb_service_parse(bad[i], &r) == -EINVAL, "'%s' accepted", bad[i]);
		XT_CHECK(r.port == 4242, "'%s' changed the output", bad[i]);
	}
	return XT_PASS;
}

static int t_service_round_trip(void)
{
	static const char *const good[] = { "10.0.0.10:80/tcp", "[2001:db8::10]:443/udp",
					    "192.0.2.1:0/udp", "[::1]:65535/tcp" };
	struct xlb_service_ref r;
	char buf[XLB_SERVICE_STRLEN];

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		XT_EQ(xlb_service_parse(good[i], &r), 0);
		XT_EQ(xlb_service_format(&r, buf, sizeof(buf)), 0);
		XT_CHECK(!strcmp(buf, good[i]), "'%s' formatted as '%s'", good[i], buf);
	}
	XT_EQ(xlb_service_format(&r, buf, 5), -ENOSPC);
	r.proto = IPPROTO_ICMP;
	XT_EQ(xlb_service_format(&r, buf, sizeof(buf)), -EINVAL);
	return XT_PASS;
}

static int t_endpoint(void)
{
	static const char *const good[] = { "127.0.0.1:9477", "[::1]:9477", "0.0.0.0:1",
					    "[2001:db8::1]:65535" };
	static const char *const bad[] = {
		"127.0.0.1",	    "127.0.0.1:0",  "127.0.0.1:65536", "::1:9477",   "[::1]9477",
		"[127.0.0.1]:80",   "localhost:80", ":9477",	       "127.0.0.1:", "",
		"127.0.0.1:80/tcp",
	};
	struct xlb_addr a = { .family = 0 };
	char buf[64];
	__u16 port = 4242;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		XT_CHECK(xlb_endpoint_parse(bad[i], &a, &port) == -EINVAL, "'%s' accepted", bad[i]);
		XT_CHECK(port == 4242 && !a.family, "'%s' changed the output", bad[i]);
	}
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		XT_EQ(xlb_endpoint_parse(good[i], &a, &port), 0);
		XT_EQ(xlb_endpoint_format(&a, port, buf, sizeof(buf)), 0);
		XT_CHECK(!strcmp(buf, good[i]), "'%s' formatted as '%s'", good[i], buf);
	}
	XT_EQ(xlb_endpoint_parse("127.0.0.1:9477", &a, &port), 0);
	XT_EQ(a.addr[0], htonl(0x7f000001));
	XT_EQ(port, 9477);
	XT_EQ(xlb_endpoint_format(&a, port, buf, 8), -ENOSPC);
	return XT_PASS;
}

static const struct xt_case cases[] = {
	{ "addr_v4", t_addr_v4 },
	{ "addr_v6", t_addr_v6 },
	{ "addr_rejects", t_addr_rejects },
	{ "addr_format_round_trip", t_addr_format_round_trip },
	{ "parse_u32_strict", t_parse_u32 },
	{ "service_parse", t_service_parse },
	{ "service_rejects", t_service_rejects },
	{ "service_round_trip", t_service_round_trip },
	{ "endpoint_parse_format", t_endpoint },
};

int main(int argc, char **argv)
{
	return xt_run("unit/addr", cases, sizeof(cases) / sizeof(cases[0]),
		      argc > 1 ? argv[1] : NULL);
}
