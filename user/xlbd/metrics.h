/* SPDX-License-Identifier: GPL-2.0 */
/* metrics.h - xlbd's Prometheus endpoint: GET /metrics in text format 0.0.4 on a TCP address
 * (metrics.listen, default 127.0.0.1:9477), served from the daemon's event loop. Every value is
 * read at scrape time: counters from the BPF maps summed over all possible CPUs, health and
 * table figures from their owners. Families and labels: docs/metrics.md. */
#ifndef XLBD_METRICS_H
#define XLBD_METRICS_H

#include <stddef.h>

#include "config.h"

struct xlbd;

/* Serve on the daemon's loop from now on, reading its data plane and state (the listening
 * address comes with the first commit). */
void metrics_init(const struct xlbd *x);

/* The first step of a configuration change: open the listening socket m asks for. *fd is -1
 * when there is nothing to open (metrics off, or the server already listens there). Returns 0
 * or -errno with the message in err; nothing has changed either way. */
int metrics_prepare(const struct xlb_conf_metrics *m, int *fd, char *err, size_t errlen);

/* The change was applied: serve on fd (from metrics_prepare() for m) instead of the old
 * address, or stop serving when m is off. Returns 0 or -errno (logged). */
int metrics_commit(const struct xlb_conf_metrics *m, int fd);

/* The change was refused: close fd from metrics_prepare() (-1 is ignored). */
void metrics_abort(int fd);

/* Stop serving. */
void metrics_stop(void);

#endif /* XLBD_METRICS_H */
