// SPDX-License-Identifier: GPL-2.0
/* prefix.c - strict parsing, formatting and ordering of allowed source prefixes: see decap.h.
 * Pure C: no libbpf. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "decap.h"

int dc_prefix_parse(const char *s, struct dc_prefix *p, bool *masked, const char **why)
{
	char host[INET6_ADDRSTRLEN + 1];
	const char *slash = s ? strchr(s, '/') : NULL;
	size_t hlen = slash ? (size_t)(slash - s) : (s ? strlen(s) : 0);
	struct dc_prefix tmp = { 0 };
	__u32 max, len;
	bool lost = false;

	*why = "not an IPv4 or IPv6 address";
	if (!s || hlen == 0 || hlen >= sizeof(host))
		return -EINVAL;
	memcpy(host, s, hlen);
	host[hlen] = '\0';
	if (xlb_addr_parse(host, &tmp.addr))
		return -EINVAL;

	max = tmp.addr.family == XLB_AF_INET ? 32 : 128;
	len = max;
	if (slash && xlb_parse_u32(slash + 1, 0, max, &len)) {
		*why = max == 32 ? "prefix length must be 0..32" : "prefix length must be 0..128";
		return -EINVAL;
	}
	tmp.len = len;

	/* Clear the host bits word by word (the words are big endian). */
	for (int w = 0; w < 4; w++) {
		int bits = (int)len - 32 * w;
		__u32 mask = bits >= 32 ? 0xffffffffU : bits <= 0 ? 0 : ~0U << (32 - bits);
		__u32 kept = tmp.addr.addr[w] & htonl(mask);

		lost |= kept != tmp.addr.addr[w];
		tmp.addr.addr[w] = kept;
	}
	*p = tmp;
	*masked = lost;
	return 0;
}

int dc_prefix_format(const struct dc_prefix *p, char *buf, size_t len)
{
	char host[INET6_ADDRSTRLEN];
	int err = xlb_addr_format(&p->addr, host, sizeof(host));
	int n;

	if (err)
		return err;
	n = snprintf(buf, len, "%s/%u", host, p->len);
	return n < 0 || (size_t)n >= len ? -ENOSPC : 0;
}

int dc_addr_cmp(const void *a, const void *b)
{
	const struct xlb_addr *x = a, *y = b;

	if (x->family != y->family)
		return x->family < y->family ? -1 : 1;
	return memcmp(x->addr, y->addr, sizeof(x->addr));
}

int dc_prefix_cmp(const void *a, const void *b)
{
	const struct dc_prefix *x = a, *y = b;
	int c = dc_addr_cmp(&x->addr, &y->addr);

	if (c)
		return c;
	return x->len < y->len ? -1 : x->len > y->len;
}
