/* SPDX-License-Identifier: GPL-2.0 */
/* apiedit.h - what a service or backend request of the control API changes in a
 * configuration, written once: xlbd's API applies it to a copy it then validates and applies
 * whole, and `lbctl table plan` to a copy it predicts the table of. */
#ifndef XLB_APIEDIT_H
#define XLB_APIEDIT_H

#include <stddef.h>

#include "apireq.h"

/* Apply req (API_SERVICE_ADD/SET/DEL or API_BACKEND_ADD/SET/DEL) to conf. Returns 0, or an
 * HTTP status with the message in err and conf unchanged: 404 (no such service or backend),
 * 409 (it exists already), 500 (out of memory, or another op). API_SERVICE_ADD moves
 * req->service's backends into conf. */
unsigned api_edit_conf(struct xlb_conf *conf, struct api_request *req, char *err, size_t errlen);

#endif /* XLB_APIEDIT_H */
