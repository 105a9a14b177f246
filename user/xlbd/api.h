/* SPDX-License-Identifier: GPL-2.0 */
/* api.h - xlbd's control API: HTTP + JSON on a Unix socket, served by libmicrohttpd on the
 * daemon's event loop. Resources and their JSON: docs/api.md. */
#ifndef XLBD_API_H
#define XLBD_API_H

#include <stddef.h>

struct xlbd;

/* Create the socket at x->socket_path (mode 0660, group xlb when that group exists; its
 * directory is created 0755), and serve requests from x->loop, reading x's data plane and
 * state; changes go through reconcile.c. Returns 0 or -errno with the message in err (-EINVAL
 * when an operation of apireq.h has no handler: a build that forgot one). */
int api_start(const struct xlbd *x, char *err, size_t errlen);

/* Stop serving and remove the socket. */
void api_stop(void);

#endif /* XLBD_API_H */
