/* SPDX-License-Identifier: GPL-2.0 */
/* hc_tunnel.h - the tunnel health check: a probe that travels the way real traffic does, in
 * the backend's forwarding mode, with the VIP and the service port as inner destination: ipip
 * encapsulated (4in4, 6in6, 4in6 or 6in4), gue (outer IP + UDP to the GUE port, variant 1, the
 * bytes xlb_lb makes: user/common/gue.c), or l2 (the bare packet in a frame to the backend's
 * MAC, as direct routing sends it). It passes only when the backend decapsulates and
 * serves the VIP, not merely when its own address answers. TCP services: a SYN answered by a
 * SYN-ACK (ok) or a RST (refused); UDP services: a datagram answered by a reply (ok, or
 * bad_reply without the expected text) or an ICMP port unreachable (refused). The backend
 * answers directly (DSR) from the VIP to the LB's tunnel source, which the LB's host stack
 * receives (the data path passes traffic that is not to a VIP). Everything is non-blocking on
 * the daemon's loop: one raw socket per tunnel kind sends, one raw TCP socket per family (with
 * a socket filter: only SYN-ACKs and RSTs to the probes' ports) receives. */
#ifndef XLBD_HC_TUNNEL_H
#define XLBD_HC_TUNNEL_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "addr.h"
#include "health.h"

struct loop;

/* One probe. The outer source is the LB's tunnel source of the backend's family (what the
 * backend's decapsulator accepts), the inner source the one of the VIP's family (where the
 * answer goes). */
struct hc_tunnel_probe {
	struct xlb_addr backend; /* outer destination (l2: whose MAC the frame goes to) */
	__u8 encap; /* enum xlb_encap: how the probe reaches the backend */
	__u16 gue_port; /* gue: UDP destination port, host order */
	struct xlb_addr outer_src; /* ipip, gue */
	struct xlb_addr vip; /* inner destination */
	struct xlb_addr inner_src;
	__u16 port; /* inner destination port */
	__u8 proto; /* IPPROTO_TCP or IPPROTO_UDP */
	const char *payload; /* udp: what to send */
	const char *expect; /* udp: what the reply must contain, "" = anything */
};

/* The MAC of l2 backend a and the interface it is on: true with both set when known. */
typedef bool (*hc_tunnel_l2_fn)(const struct xlb_addr *a, __u8 mac[6], int *ifindex);

/* Where l2 probes learn their backend's MAC (xlbd: l2mac_get_dev()). Without it, or while it
 * does not know the backend, an l2 probe is not sent (-EHOSTUNREACH: unreachable). */
void hc_tunnel_l2_resolver(hc_tunnel_l2_fn fn);

/* Called once per started probe that gets an answer (never from inside hc_tunnel_start()); a
 * probe without an answer is the caller's to time out with hc_tunnel_cancel(). */
typedef void (*hc_tunnel_done_fn)(size_t id, enum hc_result r);

/* Use loop and report to done. The sockets open on the first probe. */
void hc_tunnel_init(struct loop *loop, hc_tunnel_done_fn done);

/* Close everything; probes in flight are forgotten. */
void hc_tunnel_fini(void);

/* Send probe id (0..65535, one probe per id at a time). Returns 0, or -errno when it could not
 * be sent (-EPERM without CAP_NET_RAW, -ERANGE for an id out of range, -EADDRNOTAVAIL for a
 * source that cannot be bound, ...): then nothing is in flight for id. */
int hc_tunnel_start(size_t id, const struct hc_tunnel_probe *p);

/* Forget probe id (timed out, or its target went away): a late answer is ignored. */
void hc_tunnel_cancel(size_t id);

#endif /* XLBD_HC_TUNNEL_H */
