/* SPDX-License-Identifier: GPL-2.0 */
/* vroute.h - VIP routes in a kernel routing table over rtnetlink: the announcement a routing
 * daemon (BIRD's kernel protocol with "learn") picks up and exports over BGP. Each route is a
 * host route (/32 or /128) of type blackhole, tagged with protocol XLB_RTPROT so that xlbd
 * only ever lists or removes its own routes. A blackhole is inert: the VIP's packets are
 * handled by xlb_lb before any routing lookup, and a table that no "ip rule" selects is never
 * consulted for forwarding anyway. */
#ifndef XLBD_VROUTE_H
#define XLBD_VROUTE_H

#include <stddef.h>
#include <linux/types.h>

#include "addr.h"

/* rtm_protocol of xlbd's routes ("proto 77" in ip route; not in iproute2's reserved list). */
#define XLB_RTPROT 77

/* Add (or replace) the route of vip in table. Returns 0 or -errno. */
int vroute_add(__u32 table, const struct xlb_addr *vip);

/* Remove the route of vip from table. Returns 0 (also when there was none) or -errno. */
int vroute_del(__u32 table, const struct xlb_addr *vip);

/* xlbd's routes in table (both families): up to max addresses into out. Returns how many
 * there are (may exceed max: only max are written), or -errno. */
int vroute_list(__u32 table, struct xlb_addr *out, size_t max);

#endif /* XLBD_VROUTE_H */
