// SPDX-License-Identifier: GPL-2.0
/* gue.c - a GUE variant 1 packet's UDP header and payload for userspace senders: see gue.h. */
#include <netinet/in.h>
#include <string.h>

#include "csum.h"
#include "gue.h"
#include "xlb_abi.h"

__u16 gue_sport(__u32 h)
{
	return (__u16)(GUE_SPORT_BASE | h >> 17);
}

size_t gue_udp_write(__u8 *out, const struct xlb_addr *src, const struct xlb_addr *dst, __u16 sport,
		     __u16 dport, const __u8 *inner, size_t inner_len)
{
	size_t len = GUE_UDP_HLEN + inner_len;
	__u16 sum;

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
	/* IPv6 forbids 0 (RFC 8200 8.1). */
	sum = xlb_l4_csum(src, dst, IPPROTO_UDP, out, len);
	if (!sum)
		sum = 0xffff;
	out[6] = (__u8)(sum >> 8);
	out[7] = (__u8)sum;
	return len;
}
