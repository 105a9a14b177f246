/* SPDX-License-Identifier: GPL-2.0 */
/* l2mac.h - the MAC addresses of encap l2 (direct routing) backends: each must be on a
 * directly connected network of an attached interface, and its MAC comes from the kernel's
 * neighbour table, resolved when a configuration is applied and refreshed on a timer. The
 * planner reads them (plan_runtime.l2_mac); a backend whose MAC is not resolved is out of
 * its table until it is. */
#ifndef XLBD_L2MAC_H
#define XLBD_L2MAC_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "config.h"

/* Whether every l2 backend of c is on a directly connected network of one of c's interfaces
 * (the route towards it has no gateway and leaves through one of them). Returns 0, or
 * -EHOSTUNREACH (or another -errno) with err naming the backend: "NAME: services[i].
 * backends[j]: l2 backend ADDR ..." (name labels the configuration, as in
 * xlb_conf_validate()). Changes nothing. */
int l2mac_check(const struct xlb_conf *c, const char *name, char *err, size_t errlen);

/* l2mac_check() c, then look up the MAC of each of its l2 backends (unresolved ones are
 * kicked: the kernel sends ARP / NS) and keep them for l2mac_get(), beside those already
 * kept. Same returns; on error nothing is kept. */
int l2mac_sync(const struct xlb_conf *c, const char *name, char *err, size_t errlen);

/* Look up again the MACs of c's l2 backends (the running configuration) and forget the
 * others. Logs each backend that becomes resolved, changes MAC or becomes unresolved, with
 * what that means for its traffic. Returns true when any MAC or resolution changed (the
 * configuration must be planned again). */
bool l2mac_refresh(const struct xlb_conf *c);

/* The MAC of l2 backend a: true with mac set when it is resolved, false otherwise. */
bool l2mac_get(const struct xlb_addr *a, __u8 mac[6]);

/* The same, and the interface it is on (for frames sent to it: tunnel health probes). */
bool l2mac_get_dev(const struct xlb_addr *a, __u8 mac[6], int *ifindex);

/* How many l2 backend addresses are kept, and how many of them are not resolved. */
void l2mac_counts(size_t *known, size_t *unresolved);

#endif /* XLBD_L2MAC_H */
