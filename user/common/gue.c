// SPDX-License-Identifier: GPL-2.0
/* gue.c - a GUE variant 1 packet's UDP header and payload for userspace senders: see gue.h. */
#include <string.h>

#include "gue.h"
#include "xlb_abi.h"

__u16 gue_sport(__u32 h)
{
	return (__u16)(GUE_SPORT_BASE | h >> 17);
}

/* One's-complement sum of len bytes (big-endian 16-bit words) added to sum. */
static __u32 sum_be16(const __u8 *p, size_t len, __u32 sum)
{
	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (__u32)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		sum += (__u32)p[len - 1] << 8;
	return sum;
}

size_t gue_udp_write(__u8 *out, const struct xlb_addr *src, const struct xlb_addr *dst, __u16 sport,
		     __u16 dport, const __u8 *inner, size_t inner_len)
{
	size_t len = GUE_UDP_HLEN + inner_len;
	__u32 sum;

	if (src->family != dst->family || len > 0xffff)
		return 0;
	out[0] = (__u8)(sport >> 8);
	out[1] = (__u8)sport;
	out[2] = (__u8)(dport >> 8);
	out[3] = (__u8)dport;
	out[4] = (__u8)(len >> 8);
	out[5] = (__u8)len;
	out[6] = out[7] = 0; /* IPv4: no checksum, as tunnels do (RFC 768 allows it) */
	memmove(out + GUE_UDP_HLEN, inner, inner_len);
	if (src->family != XLB_AF_INET6)
		return len;
	/* IPv6 forbids 0 (RFC 8200 8.1): pseudo-header (addresses, length, next header), then the
	 * datagram. */
	sum = sum_be16((const __u8 *)src->addr, 16, 0);
	sum = sum_be16((const __u8 *)dst->addr, 16, sum);
	sum += (__u32)len + 17; /* IPPROTO_UDP */
	sum = sum_be16(out, len, sum);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	sum = ~sum & 0xffff;
	if (!sum)
		sum = 0xffff;
	out[6] = (__u8)(sum >> 8);
	out[7] = (__u8)sum;
	return len;
}
