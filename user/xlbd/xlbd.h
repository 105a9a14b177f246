/* SPDX-License-Identifier: GPL-2.0 */
/* xlbd.h - what the daemon's modules share: its context and the two ways to change the running
 * configuration (apply a model, reload the file). */
#ifndef XLBD_H
#define XLBD_H

#include <stddef.h>

#include "config.h"
#include "state.h"

#define XLBD_SOCKET "/run/xlb/xlbd.sock"
#define XLBD_VERSION "0.1.0"

struct loop;
struct dp;

struct xlbd {
	const char *conf_path;
	const char *pin_dir;
	const char *socket_path;
	struct loop *loop;
	struct dp *dp;
	struct xlbd_state *state;
	struct xlbd_runtime rt; /* seed and gateway MAC in force */
	unsigned long reloads[2]; /* file reloads: [0] applied, [1] refused */
};

/* The daemon's context (read-only for modules). */
const struct xlbd *xlbd_ctx(void);
struct xlbd_state *xlbd_state(void);
struct dp *xlbd_dp(void);

/* Validate c completely and make it the running configuration; name labels messages.
 * Returns 0, or -errno with the reason in err and nothing changed (see state_apply()). */
int xlbd_apply(const struct xlb_conf *c, const char *name, char *err, size_t errlen);

/* Read the configuration file again and apply it (SIGHUP, API). Same contract. */
int xlbd_reload(char *err, size_t errlen);

#endif /* XLBD_H */
