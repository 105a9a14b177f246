/* SPDX-License-Identifier: GPL-2.0 */
/* rtnl.h - one rtnetlink exchange (a request out, its answers handed over one message at a
 * time, on a short-lived socket) and the attributes of a request: what neigh.c (the gateway's
 * route and MAC) and vroute.c (xlbd's VIP routes) say to the kernel through. */
#ifndef XLBD_RTNL_H
#define XLBD_RTNL_H

#include <stddef.h>
#include <linux/netlink.h>

/* Append attribute type holding len bytes of data to the message h, whose buffer has room for
 * it (NLMSG_ALIGN(h->nlmsg_len) + RTA_SPACE(len) bytes at least). */
void rtnl_attr(struct nlmsghdr *h, unsigned short type, const void *data, size_t len);

/* Send req and hand each answer to fn (may be NULL), until an error or acknowledgement, the end
 * of a dump, or a single answer (one without NLM_F_MULTI). Returns 0, the kernel's -errno, or
 * -errno of the socket calls (-EAGAIN when the kernel has not answered within 2 s). */
int rtnl_talk(struct nlmsghdr *req, void (*fn)(const struct nlmsghdr *h, void *ctx), void *ctx);

#endif /* XLBD_RTNL_H */
