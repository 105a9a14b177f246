/* SPDX-License-Identifier: GPL-2.0 */
/* neigh.h - resolve MAC addresses through the kernel's route and neighbour tables: the next
 * hop towards the backends (gateway: auto), and l2 backends themselves. */
#ifndef XLBD_NEIGH_H
#define XLBD_NEIGH_H

#include <stddef.h>
#include <linux/types.h>

#include "addr.h"

/* The MAC of the next hop of the kernel's route towards `towards` (a backend address).
 * Returns 0 with mac set; -EAGAIN when the neighbour is not resolved yet (a resolution has been
 * triggered: try again shortly); another -errno (no route...). err says what, in words. */
int neigh_gateway_mac(const struct xlb_addr *towards, __u8 mac[6], char *err, size_t errlen);

/* The MAC of backend a, which must be on a directly connected network of one of the n
 * interfaces ifindex[] (the kernel's route towards it has no gateway and leaves through one
 * of them), and in *oif that interface. Returns 0 with mac set; -EAGAIN while the neighbour is not
 * resolved (a resolution has been triggered); -EHOSTUNREACH when a is not directly connected there
 * (a gateway, or another interface); another -errno (no route...). err says what, naming the
 * backend. */
int neigh_direct_mac(const struct xlb_addr *a, const int *ifindex, size_t n, __u8 mac[6], int *oif,
		     char *err, size_t errlen);

#endif /* XLBD_NEIGH_H */
