/* SPDX-License-Identifier: GPL-2.0 */
/* announce.h - route health injection: which VIPs this node announces. A VIP is announced
 * (its route is in the configured table, vroute.h) while xlb_lb is attached to an interface
 * and at least one of the VIP's services with "announce: true" is healthy
 * (state_service_healthy()). docs/scale-out.md has the rules and the BIRD side. */
#ifndef XLBD_ANNOUNCE_H
#define XLBD_ANNOUNCE_H

#include <stdbool.h>
#include <linux/types.h>

#include "config.h"
#include "state.h"

/* Make the routes in c->announce.table say what c, st and attached say: add the missing
 * routes, remove the others (including those a previous xlbd left in the table, learnt on the
 * first call, and every route of a table the configuration no longer names). A route that
 * cannot be changed is logged and retried on the next call. Returns 0 or the first -errno. */
int announce_sync(const struct xlb_conf *c, const struct xlbd_state *st, bool attached);

/* Remove every route this process announces (clean shutdown). Returns how many it removed,
 * or -errno of the first failure (it carries on past it). */
int announce_withdraw_all(void);

/* Whether the route of vip is in the table now. */
bool announce_vip_announced(const struct xlb_addr *vip);

/* Remove every xlbd route from table, whoever added it (xlbd --withdraw, the systemd stop
 * hook after a crash). Returns how many it removed, or -errno. */
int announce_flush(__u32 table);

#endif /* XLBD_ANNOUNCE_H */
