// SPDX-License-Identifier: GPL-2.0
/* addr.c - strict address, port and service-reference parsing and formatting: see addr.h. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "xlb_abi.h"
#include "addr.h"

int xlb_addr_parse(const char *s, struct xlb_addr *a)
{
	struct xlb_addr tmp = { 0 };

	if (!s)
		return -EINVAL;
	/* inet_pton(AF_INET) accepts only the dotted quad (no "10.1", no octal), as we want. */
	if (inet_pton(AF_INET, s, &tmp.addr[0]) == 1) {
		tmp.family = XLB_AF_INET;
	} else if (inet_pton(AF_INET6, s, tmp.addr) == 1) {
		tmp.family = XLB_AF_INET6;
	} else {
		return -EINVAL;
	}
	*a = tmp;
	return 0;
}

int xlb_addr_format(const struct xlb_addr *a, char *buf, size_t len)
{
	int af = a->family == XLB_AF_INET ? AF_INET : a->family == XLB_AF_INET6 ? AF_INET6 : -1;

	if (af < 0)
		return -EINVAL;
	if (!inet_ntop(af, a->addr, buf, (socklen_t)len))
		return -ENOSPC;
	return 0;
}

int xlb_parse_u32(const char *s, __u32 min, __u32 max, __u32 *out)
{
	unsigned long long v = 0;
	const char *p = s;

	if (!s || !*s)
		return -EINVAL;
	if (s[0] == '0' && s[1])
		return -EINVAL;
	for (; *p; p++) {
		if (*p < '0' || *p > '9')
			return -EINVAL;
		v = v * 10 + (unsigned long long)(*p - '0');
		if (v > 0xffffffffULL)
			return -ERANGE;
	}
	if (v < min || v > max)
		return -ERANGE;
	*out = (__u32)v;
	return 0;
}

/* Parse the len bytes at s as "HOST:PORT" (IPv6 HOST in brackets, IPv4 without) with PORT in
 * [min_port, 65535]. Returns 0 or -EINVAL with the outputs untouched. */
static int endpoint_parse(const char *s, size_t len, __u32 min_port, struct xlb_addr *a,
			  __u16 *port)
{
	char host[INET6_ADDRSTRLEN + 1], num[8];
	const char *colon, *hs, *he, *end = s + len;
	struct xlb_addr tmp;
	__u32 p;

	if (!len)
		return -EINVAL;
	if (s[0] == '[') {
		hs = s + 1;
		he = memchr(s, ']', len);
		if (!he || he + 1 >= end || he[1] != ':')
			return -EINVAL;
		colon = he + 1;
	} else {
		hs = s;
		colon = memchr(s, ':', len);
		if (!colon)
			return -EINVAL;
		he = colon;
	}
	if (he - hs <= 0 || (size_t)(he - hs) >= sizeof(host) ||
	    (size_t)(end - colon - 1) >= sizeof(num))
		return -EINVAL;
	memcpy(host, hs, (size_t)(he - hs));
	host[he - hs] = '\0';
	memcpy(num, colon + 1, (size_t)(end - colon - 1));
	num[end - colon - 1] = '\0';
	if (xlb_addr_parse(host, &tmp))
		return -EINVAL;
	/* An IPv6 address must be bracketed, an IPv4 one must not: one spelling each. */
	if ((tmp.family == XLB_AF_INET6) != (s[0] == '['))
		return -EINVAL;
	if (xlb_parse_u32(num, min_port, 65535, &p))
		return -EINVAL;
	*a = tmp;
	*port = (__u16)p;
	return 0;
}

int xlb_endpoint_parse(const char *s, struct xlb_addr *a, __u16 *port)
{
	return s ? endpoint_parse(s, strlen(s), 1, a, port) : -EINVAL;
}

int xlb_endpoint_format(const struct xlb_addr *a, __u16 port, char *buf, size_t len)
{
	char host[INET6_ADDRSTRLEN];
	int n;

	if (xlb_addr_format(a, host, sizeof(host)))
		return -EINVAL;
	if (a->family == XLB_AF_INET6)
		n = snprintf(buf, len, "[%s]:%u", host, port);
	else
		n = snprintf(buf, len, "%s:%u", host, port);
	return n < 0 || (size_t)n >= len ? -ENOSPC : 0;
}

int xlb_service_parse(const char *s, struct xlb_service_ref *ref)
{
	struct xlb_service_ref tmp = { 0 };
	const char *slash;

	if (!s)
		return -EINVAL;
	slash = strrchr(s, '/');
	if (!slash)
		return -EINVAL;
	if (!strcmp(slash + 1, "tcp"))
		tmp.proto = IPPROTO_TCP;
	else if (!strcmp(slash + 1, "udp"))
		tmp.proto = IPPROTO_UDP;
	else
		return -EINVAL;
	if (endpoint_parse(s, (size_t)(slash - s), 0, &tmp.vip, &tmp.port))
		return -EINVAL;
	*ref = tmp;
	return 0;
}

int xlb_service_format(const struct xlb_service_ref *ref, char *buf, size_t len)
{
	const char *proto = ref->proto == IPPROTO_TCP	? "tcp"
			    : ref->proto == IPPROTO_UDP ? "udp"
							: NULL;
	char ep[XLB_SERVICE_STRLEN];
	int n;

	if (!proto || xlb_endpoint_format(&ref->vip, ref->port, ep, sizeof(ep)))
		return -EINVAL;
	n = snprintf(buf, len, "%s/%s", ep, proto);
	return n < 0 || (size_t)n >= len ? -ENOSPC : 0;
}
