/* SPDX-License-Identifier: GPL-2.0 */
/* reconcile.h - changes to the running configuration after start-up, all through one module:
 * API requests, SIGHUP, health transitions and gateway refreshes. Nothing else applies a
 * configuration; the modules that ask for a change (api.c, main.c's signal handler, the
 * health engine) call these. */
#ifndef XLBD_RECONCILE_H
#define XLBD_RECONCILE_H

#include <stdbool.h>
#include <stddef.h>

#include <stdint.h>

#include "config.h"
#include "xlbd.h"

/* Take the daemon's context (its data plane, state and loop must be set up). Call once,
 * before any other function here. */
void reconcile_init(struct xlbd *x);

/* Validate c completely and make it the running configuration; name labels messages.
 * Returns 0, or -errno with the reason in err and nothing changed (see state_apply()). */
int reconcile_apply(const struct xlb_conf *c, const char *name, char *err, size_t errlen);

/* Read the configuration file again and apply it (SIGHUP, API). Same contract; counted in
 * the context's reloads. */
int reconcile_reload(char *err, size_t errlen);

/* The health engine's callback (health_start()): note the n services svcs whose backends
 * changed state (svcs NULL: every service). Before the loop sleeps they are planned again
 * with the checks' new view, and nothing else is. ctx is unused. */
void reconcile_health_changed(const struct xlb_service_ref *svcs, size_t n, uint64_t since_ns,
			      void *ctx);

/* SIGHUP: reload the file once before the loop sleeps (signals of one turn coalesce). */
void reconcile_request_reload(void);

/* Start the timers of the loop: the gateway MAC re-read (when gateway_auto) and the
 * announced routes' re-check; and hook the pass that carries out reloads and health changes
 * before the loop sleeps (after health_start(), whose hook reports the turn's transitions). */
void reconcile_start_timers(bool gateway_auto);

#endif /* XLBD_RECONCILE_H */
