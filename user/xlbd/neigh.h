/* SPDX-License-Identifier: GPL-2.0 */
/* neigh.h - resolve the MAC address of the next hop towards the backends (gateway: auto). */
#ifndef XLBD_NEIGH_H
#define XLBD_NEIGH_H

#include <stddef.h>
#include <linux/types.h>

#include "addr.h"

/* The MAC of the next hop of the kernel's route towards `towards` (a backend address).
 * Returns 0 with mac set; -EAGAIN when the neighbour is not resolved yet (a resolution has been
 * triggered: try again shortly); another -errno (no route...). err says what, in words. */
int neigh_gateway_mac(const struct xlb_addr *towards, __u8 mac[6], char *err, size_t errlen);

#endif /* XLBD_NEIGH_H */
