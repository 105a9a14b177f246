/* SPDX-License-Identifier: GPL-2.0 */
/* check.h - the interface between the health engine (health.c: targets, schedules, rise/fall)
 * and the check types, one file each (check_tcp.c, check_udp.c, check_http.c for http and
 * https, check_tunnel.c), as relayd has them: a type starts a check on a target, reacts to
 * its events, and frees what a check in flight holds when the engine cancels it (timeout,
 * target removed or changed). Every started check ends with exactly one hc_done(), unless it
 * is cancelled first. */
#ifndef XLBD_CHECK_H
#define XLBD_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "config.h"
#include "health.h"
#include "xlb_abi.h"

struct loop;

/* What a check type sees of one target (a backend of a service). The engine owns it; its
 * address does not change while the target exists. */
struct hc_target {
	struct xlb_service_ref svc;
	struct xlb_addr addr;
	struct xlb_conf_health cfg; /* the service's check with the backend's overrides */
	uint16_t port; /* where the check goes: health.port, else the service's */
	size_t id; /* small and unique among live targets (tunnel probe ids) */
	bool busy; /* a check is in flight */
	int fd; /* the socket the engine watches for the check (hc_watch()), else -1 */
	void *priv; /* the type's state of the check in flight */
};

/* One check type. Only start is required. */
struct hc_type {
	const char *name; /* as config, logs, the API and metrics spell it */
	/* Set up what every check of the type shares, on loop; 0 or -errno. */
	int (*init)(struct loop *l);
	/* Undo init; checks in flight were cancelled before. */
	void (*fini)(void);
	/* Take the daemon-wide settings of c (tunnel sources ...). */
	void (*sync)(const struct xlb_conf *c);
	/* Begin a check of t (t->busy is set). It may end at once with hc_done(), and must not
	 * touch t after calling it. */
	void (*start)(struct hc_target *t);
	/* t->fd, watched with hc_watch(), has events. */
	void (*on_event)(struct hc_target *t, uint32_t events);
	/* Free t->priv and anything else the check in flight holds, except t->fd, which the
	 * engine unwatches and closes. */
	void (*cancel)(struct hc_target *t);
	/* How long after timeout the engine itself ends a check as timed out: types with
	 * their own timeout (curl) get slack to report it first. */
	uint64_t timeout_slack_ns;
};

extern const struct hc_type hc_type_tcp, hc_type_udp, hc_type_http, hc_type_https, hc_type_tunnel;

/* End the check in flight of t with result r: the engine cancels it (closing t->fd), records
 * r, applies rise/fall and schedules the next check. */
void hc_done(struct hc_target *t, enum hc_result r);

/* Watch fd for events on the loop for t's check: it becomes t->fd, the type's on_event runs
 * when it is ready, and the engine closes it when the check ends. On failure fd is closed and
 * -errno returned. */
int hc_watch(struct hc_target *t, int fd, uint32_t events);

/* socket(family, type, protocol), non-blocking and close-on-exec, for a check. Returns the fd
 * or -errno; running out of descriptors (EMFILE, ENFILE) is logged, rate-limited, with the
 * limit to raise. */
int hc_socket(int family, int type, int protocol);

/* A non-blocking socket (SOCK_STREAM or SOCK_DGRAM) of t's address family, connected (or
 * connecting) to t's address and port. Returns the fd or -errno (hc_socket()). */
int hc_connect(const struct hc_target *t, int type);

/* The typed result of a socket error (ECONNREFUSED: refused, ...). */
enum hc_result hc_errno_result(int err);

/* The live target with id, or NULL. */
struct hc_target *hc_target_by_id(size_t id);

#endif /* XLBD_CHECK_H */
