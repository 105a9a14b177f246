/* SPDX-License-Identifier: GPL-2.0 */
/* apireq.h - the control API's request parser: (method, path, body) to a validated request.
 * The routes are one table of rows (method, path pattern, operation, body reader) in apireq.c;
 * xlbd's api.c carries each operation out with a handler of its own. Pure C (jansson), no
 * daemon state, so that it is unit-tested and fuzzed on its own. The resources are listed in
 * docs/api.md. */
#ifndef XLB_APIREQ_H
#define XLB_APIREQ_H

#include <stddef.h>

#include "addr.h"
#include "capspec.h"
#include "config.h"

#define API_BODY_MAX (8 << 20) /* request bodies above this are refused (413); docs/api.md */

enum api_op {
	API_STATUS, /* GET    /v1/status */
	API_SERVICE_LIST, /* GET    /v1/services */
	API_SERVICE_GET, /* GET    /v1/services/VIP/PORT/PROTO */
	API_SERVICE_ADD, /* POST   /v1/services                      {service} */
	API_SERVICE_SET, /* PATCH  /v1/services/VIP/PORT/PROTO        {name, table_size, ...} */
	API_SERVICE_DEL, /* DELETE /v1/services/VIP/PORT/PROTO */
	API_BACKEND_ADD, /* POST   /v1/services/VIP/PORT/PROTO/backends {address, weight, state,
			  * encap} */
	API_BACKEND_SET, /* PATCH  /v1/services/VIP/PORT/PROTO/backends/ADDR {weight, state, encap}
			  */
	API_BACKEND_DEL, /* DELETE /v1/services/VIP/PORT/PROTO/backends/ADDR */
	API_CONFIG_GET, /* GET    /v1/config                        -> {"yaml": "..."} */
	API_CONFIG_CHECK, /* POST   /v1/config/check                  YAML body */
	API_CONFIG_APPLY, /* POST   /v1/config/apply                  YAML body */
	API_RELOAD, /* POST   /v1/daemon/reload */
	API_STATS, /* GET    /v1/stats                         counters by reason, service, backend
		    */
	API_TABLE_GET, /* GET    /v1/tables/VIP/PORT/PROTO          shares and fingerprint */
	API_CONNS, /* GET    /v1/conns                         connection-table occupancy */
	API_HEALTH, /* GET    /v1/health[/VIP/PORT/PROTO]        backends' health */
	API_IFACE_LIST, /* GET    /v1/interfaces                    configured and attached modes */
	API_IFACE_GET, /* GET    /v1/interfaces/NAME */
	API_IFACE_ATTACH, /* POST   /v1/interfaces                    {name, mode?} */
	API_IFACE_DETACH, /* DELETE /v1/interfaces/NAME */
	API_CAPTURE, /* POST   /v1/capture                       {service?, count?, ...}: pcapng */
	API_CAPTURE_STOP, /* DELETE /v1/capture                       end the running capture */
	API_OP_COUNT
};

/* Which optional fields a request carried. */
#define API_F_NAME (1U << 0)
#define API_F_TABLE_SIZE (1U << 1)
#define API_F_ICMP_ECHO (1U << 2)
#define API_F_WEIGHT (1U << 3)
#define API_F_STATE (1U << 4)
#define API_F_MODE (1U << 5)
#define API_F_ANNOUNCE (1U << 6)
#define API_F_ENCAP (1U << 7)

struct api_request {
	enum api_op op;
	struct xlb_service_ref svc; /* the service the path names, or the one to add; all zero
				     * (vip.family 0) when there is none (GET /v1/health) */
	struct xlb_addr backend; /* the backend the path names, or the one to add */
	unsigned fields; /* API_F_* present in the body */
	struct xlb_conf_service service; /* API_SERVICE_ADD/SET: the values given; backends
					  * (ADD only) owned by the request */
	struct xlb_conf_backend be; /* API_BACKEND_ADD/SET */
	char iface[XLB_CONF_IFNAMSIZ]; /* API_IFACE_*: the interface the path or body names */
	enum xlb_xdp_mode mode; /* API_IFACE_ATTACH with API_F_MODE: native or generic */
	struct capspec cap; /* API_CAPTURE: the filter and limits asked for */
	const char *yaml; /* API_CONFIG_CHECK/APPLY: the body, not owned */
	size_t yaml_len;
};

/* Parse one request. body may be NULL when len is 0. On success returns 0 and *req must be
 * released with api_request_free(). On failure returns the HTTP status to answer with (400 bad
 * request, 404 no such resource, 405 method not allowed, 413 too large) with a one-line
 * message in err, and *req needs no freeing. Field values are checked like the configuration
 * file's (same ranges, strict numbers), but not against the running configuration. */
int api_parse(const char *method, const char *path, const char *body, size_t len,
	      struct api_request *req, char *err, size_t errlen);

/* Release what api_parse() allocated in req (a new service's backends); a second call does
 * nothing. */
void api_request_free(struct api_request *req);

/* The methods the routes of path's shape take (the number of its segments and their literals;
 * the names in it are not read), for the Allow header of a 405: "GET, PATCH, DELETE" in the
 * table's order, or "" when no route has that shape, into buf of len bytes (truncated to fit). */
void api_allowed(const char *path, char *buf, size_t len);

#endif /* XLB_APIREQ_H */
