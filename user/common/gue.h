/* SPDX-License-Identifier: GPL-2.0 */
/* gue.h - the UDP part of a GUE variant 1 packet ("direct IP": outer IP, UDP, then the inner IP
 * packet, no GUE header) as userspace senders build it (xlbd's tunnel health probes), byte for
 * byte what xlb_lb sends to an encap gue backend: source port from the connection hash, checksum 0
 * under IPv4 and computed under IPv6 (RFC 8200 8.1). Pure C: unit-tested in test_gue.c. */
#ifndef XLB_GUE_H
#define XLB_GUE_H

#include <stddef.h>
#include <linux/types.h>

#include "addr.h"

#define GUE_UDP_HLEN 8
/* Source ports are GUE_SPORT_BASE | the top 15 bits of the connection hash: never 0 ("no port") and
 * out of the well-known range, spread for the backends' RSS (xlb_lb's XLB_GUE_SPORT_BASE). */
#define GUE_SPORT_BASE 0x8000

/* The UDP source port (host order) of a flow with hash h (xlb_conn_hash()). */
__u16 gue_sport(__u32 h);

/* Write the UDP header of a GUE packet from src to dst (the outer addresses, one family),
 * ports sport and dport in host order, followed by the inner IP packet (inner_len bytes), into
 * out (room for GUE_UDP_HLEN + inner_len). The checksum is 0 for IPv4 and the pseudo-header
 * checksum for IPv6 (0xffff when it sums to 0). Returns the bytes written, or 0 when the
 * families differ or the datagram would exceed 65535 bytes. */
size_t gue_udp_write(__u8 *out, const struct xlb_addr *src, const struct xlb_addr *dst, __u16 sport,
		     __u16 dport, const __u8 *inner, size_t inner_len);

#endif /* XLB_GUE_H */
