/* SPDX-License-Identifier: GPL-2.0 */
/* xlbd.h - the daemon's context: built by main.c at start-up and handed to the modules that
 * need it (reconcile_init(), api_start(), metrics_init()); no module reaches back into main.c
 * for it. */
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

#endif /* XLBD_H */
