// SPDX-License-Identifier: GPL-2.0
/* csum.c - the Internet checksum for userspace packet builders: see csum.h. */
#include "csum.h"
#include "xlb_abi.h"

__u32 xlb_csum_add(const void *data, size_t len, __u32 sum)
{
	const __u8 *b = data;

	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (__u32)(b[i] << 8 | b[i + 1]);
	if (len & 1)
		sum += (__u32)b[len - 1] << 8;
	return sum;
}

__u16 xlb_csum_fold(__u32 sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)~sum;
}

__u16 xlb_l4_csum(const struct xlb_addr *src, const struct xlb_addr *dst, __u8 proto,
		  const void *seg, size_t len)
{
	size_t alen = src->family == XLB_AF_INET6 ? 16 : 4;
	__u32 sum = xlb_csum_add(src->addr, alen, 0);

	sum = xlb_csum_add(dst->addr, alen, sum);
	sum += proto + (__u32)len;
	return xlb_csum_fold(xlb_csum_add(seg, len, sum));
}
