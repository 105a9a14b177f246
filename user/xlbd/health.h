/* SPDX-License-Identifier: GPL-2.0 */
/* health.h - health checking of backends on the daemon's event loop: tcp, http, https, udp,
 * tunnel and none checks (one file per type, check.h), each backend of each service a target
 * with its own timer and rise/fall damping. Transitions call back into the daemon once per
 * loop turn, which re-applies the configuration with the new health view. */
#ifndef XLBD_HEALTH_H
#define XLBD_HEALTH_H

#include <stdbool.h>
#include <stdint.h>
#include <jansson.h>

#include "config.h"
#include "promtext.h"

struct loop;

/* Typed result of one check; the names are used in logs, the API and metrics. */
#define XLB_HC_RESULTS(R)                \
	R(HC_OK, "ok")                   \
	R(HC_TIMEOUT, "timeout")         \
	R(HC_REFUSED, "refused")         \
	R(HC_UNREACHABLE, "unreachable") \
	R(HC_BAD_STATUS, "bad_status")   \
	R(HC_BAD_BODY, "bad_body")       \
	R(HC_BAD_REPLY, "bad_reply")     \
	R(HC_ERROR, "error")

enum hc_result {
#define HC_ENUM(id, name) id,
	XLB_HC_RESULTS(HC_ENUM)
#undef HC_ENUM
		HC_RESULT_MAX
};

/* Called after backends changed state, once per loop turn, with the n services they belong to
 * (each once); svcs NULL: any service may have changed (the list could not be kept). since_ns:
 * when the turn's first verdict was reached (loop_now_ns()). */
typedef void (*health_changed_fn)(const struct xlb_service_ref *svcs, size_t n, uint64_t since_ns,
				  void *ctx);

/* Start the engine on loop: raise the soft RLIMIT_NOFILE to the hard limit (each check in
 * flight holds a descriptor), set up the check types, and call changed from a before-sleep
 * hook of loop after a turn with transitions. Returns 0 or -errno. */
int health_start(struct loop *loop, health_changed_fn changed, void *ctx);
void health_stop(void);

/* Make the set of checked backends that of c: new backends start up when was_up says the data
 * path already sends them traffic (an adopted data plane), else as health.initial says; kept
 * backends keep their state; removed ones stop. The state of the targets it removes or resets
 * (new settings) is kept for health_restore() until health_applied() or the next sync.
 * Returns 0 or -ENOMEM. */
int health_sync(const struct xlb_conf *c,
		bool (*was_up)(const struct xlb_service_ref *svc, const struct xlb_addr *a,
			       void *ctx),
		void *ctx);

/* The change the last health_sync() was for is running: the states it kept for
 * health_restore() are let go. */
void health_applied(void);

/* Undo the last health_sync() after the change it was for was refused: the targets become
 * those of c (the running configuration) again, and those it had removed or reset get back
 * their state (up or down, runs, results, transitions). Returns 0 or -ENOMEM. */
int health_restore(const struct xlb_conf *c,
		   bool (*was_up)(const struct xlb_service_ref *svc, const struct xlb_addr *a,
				  void *ctx),
		   void *ctx);

/* Whether backend a of service svc passes its checks (true for type none and for unknown
 * backends: the configuration decides about those). */
bool health_is_up(const struct xlb_service_ref *svc, const struct xlb_addr *a);

/* The health of every checked backend of svc (NULL: of all services) as JSON objects, handed
 * to emit one at a time (which takes the reference; NULL when one could not be made): {service,
 * address, type, state, last_result, consecutive, last_change_s_ago, latency_ms, late_max_ms,
 * checks: {result: n}, transitions, port, interval_ms, timeout_ms, rise, fall, jitter_pct}, the
 * last six the effective settings (the service's check with the backend's overrides). One at
 * a time because 65,536 of them as one tree take about 4 KiB each. */
void health_json_each(const struct xlb_service_ref *svc, void (*emit)(void *ctx, json_t *o),
		      void *ctx);

/* One checked backend, as health_foreach() shows it (valid during the call only). */
struct health_view {
	const struct xlb_service_ref *svc;
	const struct xlb_addr *addr;
	const char *type; /* the check type's name */
	bool up;
	const uint64_t *checks; /* HC_RESULT_MAX counts of finished checks, by result */
	uint64_t went_up, went_down; /* transitions since the backend is checked */
};

/* Call fn for every checked backend (each backend of each service, type none included). */
void health_foreach(void (*fn)(const struct health_view *v, void *ctx), void *ctx);

/* The name of result r ("ok", "timeout", ...), as logs, the API and metrics spell it. */
const char *health_result_name(enum hc_result r);

/* Call fn with the histogram of check durations (seconds) of every check type that has
 * finished at least one check since xlbd started. */
void health_durations(void (*fn)(const char *type, const struct prom_histo *h, void *ctx),
		      void *ctx);

/* The histogram of lateness (seconds from a check's scheduled start to its start) of every
 * check started since xlbd started, and in *max_s the largest. */
const struct prom_histo *health_lateness(double *max_s);

#endif /* XLBD_HEALTH_H */
