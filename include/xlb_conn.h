/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/* xlb_conn.h - when a connection-table entry still carries its flow: one rule for xlb_lb and
 * for `lbctl flow lookup`, so that the CLI says what the data path does (the way xlb_hash.h
 * shares the flow hash). Plain C that BPF and userspace both compile.
 */
#ifndef XLB_CONN_H
#define XLB_CONN_H

#include <linux/types.h>
#include "xlb_abi.h"

#define XLB_CONN_INLINE static inline __attribute__((always_inline))

/* Whether an entry may be followed, and if not, why (lbctl names the reason). */
enum xlb_conn_use {
	XLB_CONN_USABLE = 0,
	XLB_CONN_NO_BACKEND, /* its backend id is out of range */
	XLB_CONN_REASSIGNED, /* the id was freed and handed to another backend (generation) */
	XLB_CONN_OTHER_SERVICE, /* the id now belongs to another service */
	XLB_CONN_DOWN, /* its backend is down (disabled or removed); drain keeps its flows */
};

/* Whether entry c of service svc_id may still be followed to be, the backend its id names
 * now (NULL when the id is out of range). Returns XLB_CONN_USABLE or the reason it is not. */
XLB_CONN_INLINE int xlb_conn_use(const struct xlb_conn *c, const struct xlb_backend *be,
				 __u32 svc_id)
{
	if (!be)
		return XLB_CONN_NO_BACKEND;
	if (be->generation != c->generation)
		return XLB_CONN_REASSIGNED;
	if (be->svc_id != svc_id)
		return XLB_CONN_OTHER_SERVICE;
	if (be->state == XLB_BE_DOWN)
		return XLB_CONN_DOWN;
	return XLB_CONN_USABLE;
}

/* Whether entry c is still fresh at tick now: idle for at most idle_ticks
 * (xlb_config.udp_idle_ticks) ticks of 2^XLB_CONN_TICK_SHIFT ns since c->last_seen. now 0
 * stands for "no expiry" (TCP, or no udp_idle_timeout), and then c->last_seen is not read;
 * the difference wraps like the ticks do. */
XLB_CONN_INLINE int xlb_conn_fresh(const struct xlb_conn *c, __u32 now, __u32 idle_ticks)
{
	return !now || now - c->last_seen <= idle_ticks;
}

#endif /* XLB_CONN_H */
