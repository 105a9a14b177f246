/* SPDX-License-Identifier: GPL-2.0 */
/* addr.h - strict parsing and formatting of addresses, ports and service references
 * ("10.0.0.10:80/tcp", "[2001:db8::10]:443/udp") into the ABI's representation. Pure C. */
#ifndef XLB_ADDR_H
#define XLB_ADDR_H

#include <stddef.h>
#include <linux/types.h>

/* An address as the maps store it: be words, IPv4 in addr[0] with addr[1..3] zero. */
struct xlb_addr {
	__u32 addr[4];
	__u8 family; /* XLB_AF_INET or XLB_AF_INET6 */
};

/* A service reference: VIP, port (host order, 0 = any) and protocol (IPPROTO_TCP/UDP). */
struct xlb_service_ref {
	struct xlb_addr vip;
	__u16 port;
	__u8 proto;
};

/* Longest text xlb_service_format() writes, terminator included. */
#define XLB_SERVICE_STRLEN 56

/* Parse an IPv4 dotted quad or an IPv6 address (no brackets, no zone, no prefix).
 * Returns 0, or -EINVAL with *a untouched. */
int xlb_addr_parse(const char *s, struct xlb_addr *a);

/* Write a's text form into buf (at least 46 bytes). Returns 0 or -EINVAL (bad family) /
 * -ENOSPC. */
int xlb_addr_format(const struct xlb_addr *a, char *buf, size_t len);

/* Parse a decimal number in [min, max]: digits only, no sign, no spaces, no trailing text,
 * no leading zeros except "0" itself. Returns 0 or -EINVAL / -ERANGE with *out untouched. */
int xlb_parse_u32(const char *s, __u32 min, __u32 max, __u32 *out);

/* Parse "ADDR:PORT" (a listening address: IPv6 ADDR in brackets, PORT 1..65535).
 * Returns 0 or -EINVAL with the outputs untouched. */
int xlb_endpoint_parse(const char *s, struct xlb_addr *a, __u16 *port);

/* Format an address and port the way xlb_endpoint_parse() reads them. Returns 0, -EINVAL or
 * -ENOSPC. */
int xlb_endpoint_format(const struct xlb_addr *a, __u16 port, char *buf, size_t len);

/* Parse "VIP:PORT/PROTO", the IPv6 VIP in brackets; PROTO is tcp or udp, PORT 0..65535.
 * Returns 0 or -EINVAL with *ref untouched. */
int xlb_service_parse(const char *s, struct xlb_service_ref *ref);

/* Format ref the way xlb_service_parse() reads it. Returns 0, -EINVAL or -ENOSPC. */
int xlb_service_format(const struct xlb_service_ref *ref, char *buf, size_t len);

#endif /* XLB_ADDR_H */
