// SPDX-License-Identifier: GPL-2.0
/* apireq.c - control API request parsing and validation: see apireq.h. */
#include <errno.h>
#include <jansson.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apireq.h"
#include "config_schema.h"
#include "maglev.h"
#include "xlb_abi.h"

#define MAX_SEGS 8

static int fail(char *err, size_t errlen, int status, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int fail(char *err, size_t errlen, int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return status;
}

/* Split path into segments; "/v1/services/x" -> {"v1", "services", "x"}. */
static int split_path(char *path, char **segs, int max)
{
	int n = 0;

	for (char *tok = strtok(path, "/"); tok; tok = strtok(NULL, "/")) {
		if (n == max)
			return -1;
		segs[n++] = tok;
	}
	return n;
}

static int parse_service_path(char **segs, struct xlb_service_ref *ref, char *err, size_t errlen)
{
	char text[128];

	if (snprintf(text, sizeof(text), "%s%s%s:%s/%s", strchr(segs[0], ':') ? "[" : "", segs[0],
		     strchr(segs[0], ':') ? "]" : "", segs[1], segs[2]) >= (int)sizeof(text) ||
	    xlb_service_parse(text, ref))
		return fail(err, errlen, 404, "no such service: %s/%s/%s (want VIP/PORT/tcp|udp)",
			    segs[0], segs[1], segs[2]);
	return 0;
}

/* ---- JSON fields ---- */

static int get_u32(json_t *v, const char *key, __u32 min, __u32 max, __u32 *out, char *err,
		   size_t errlen)
{
	json_int_t i;

	if (!json_is_integer(v))
		return fail(err, errlen, 400, "%s: must be an integer", key);
	i = json_integer_value(v);
	if (i < (json_int_t)min || i > (json_int_t)max)
		return fail(err, errlen, 400, "%s: must be %u..%u, got %lld", key, min, max,
			    (long long)i);
	*out = (__u32)i;
	return 0;
}

static int get_str(json_t *v, const char *key, const char **out, char *err, size_t errlen)
{
	if (!json_is_string(v))
		return fail(err, errlen, 400, "%s: must be a string", key);
	*out = json_string_value(v);
	return 0;
}

static int get_addr(json_t *v, const char *key, struct xlb_addr *a, char *err, size_t errlen)
{
	const char *s = NULL;
	int ret = get_str(v, key, &s, err, errlen);

	if (ret)
		return ret;
	if (xlb_addr_parse(s, a))
		return fail(err, errlen, 400, "%s: not an IPv4 or IPv6 address: %s", key, s);
	return 0;
}

/* A number, boolean or keyword of schema row f into obj, with the file's range and words. */
static int get_field(json_t *v, const struct conf_field *f, void *obj, char *err, size_t errlen)
{
	char list[64];
	const char *s = NULL;
	__u32 x = 0;
	int k, ret;

	if (f->type == CT_BOOL) {
		if (!json_is_boolean(v))
			return fail(err, errlen, 400, "%s: must be true or false", f->key);
		conf_set_num(f, obj, json_is_true(v));
		return 0;
	}
	if (f->type == CT_KEYWORD) {
		ret = get_str(v, f->key, &s, err, errlen);
		if (ret)
			return ret;
		conf_keyword_list(f->words, list, sizeof(list));
		if (conf_keyword_value(f->words, s, strlen(s), &k))
			return fail(err, errlen, 400, "%s: must be %s, got %s", f->key, list, s);
		conf_set_num(f, obj, (__u32)k);
		return 0;
	}
	ret = get_u32(v, f->key, f->min, f->max, &x, err, errlen);
	if (!ret)
		conf_set_num(f, obj, x);
	return ret;
}

/* A backend object: {"address": ..., "weight": ..., "state": ...}; address required when
 * need_addr, otherwise forbidden (it is in the path). */
static int parse_backend(json_t *o, bool need_addr, struct xlb_conf_backend *be, unsigned *fields,
			 char *err, size_t errlen)
{
	const struct conf_field *f;
	const char *key;
	json_t *v;
	int ret = 0;

	if (!json_is_object(o))
		return fail(err, errlen, 400, "a backend must be a JSON object");
	conf_backend_init(be);
	json_object_foreach(o, key, v)
	{
		f = conf_field(CP_BACKEND, key);
		if (need_addr && !strcmp(key, "address"))
			ret = get_addr(v, "address", &be->addr, err, errlen);
		else if (f && (f->type == CT_NUMBER || f->type == CT_KEYWORD))
			ret = get_field(v, f, be, err, errlen);
		else
			ret = fail(err, errlen, 400, "unknown key: %s", key);
		if (ret)
			return ret;
		*fields |= !strcmp(key, "weight")  ? API_F_WEIGHT
			   : !strcmp(key, "state") ? API_F_STATE
						   : 0;
	}
	if (need_addr && !be->addr.family)
		return fail(err, errlen, 400, "address: missing");
	return 0;
}

/* The keys of a service object besides backends: those of a new service only (the path names
 * an existing one) and the API_F_* bit of those that change one. */
static const struct {
	const char *key;
	bool add_only;
	unsigned flag;
} service_keys[] = {
	{ "vip", true, 0 },
	{ "port", true, 0 },
	{ "proto", true, 0 },
	{ "name", false, API_F_NAME },
	{ "table_size", false, API_F_TABLE_SIZE },
	{ "icmp_echo", false, API_F_ICMP_ECHO },
	{ "announce", false, API_F_ANNOUNCE },
};

static int parse_backends(json_t *v, struct xlb_conf_service *s, char *err, size_t errlen)
{
	size_t i;
	json_t *b;
	int ret;

	if (!json_is_array(v))
		return fail(err, errlen, 400, "backends: must be a list");
	if (json_array_size(v) >= XLB_MAX_BACKENDS)
		return fail(err, errlen, 400, "backends: at most %d", XLB_MAX_BACKENDS - 1);
	s->backends = calloc(json_array_size(v) + 1, sizeof(*s->backends));
	if (!s->backends)
		return fail(err, errlen, 500, "out of memory");
	json_array_foreach(v, i, b)
	{
		unsigned ignored = 0;

		ret = parse_backend(b, true, &s->backends[i], &ignored, err, errlen);
		if (ret)
			return ret;
		s->n_backends = i + 1;
	}
	return 0;
}

/* A service object. For ADD, vip/port/proto are required and backends allowed; for SET they
 * are in the path and only name, table_size, icmp_echo and announce may change. */
static int parse_service(json_t *o, bool add, struct api_request *req, char *err, size_t errlen)
{
	struct xlb_conf_service *s = &req->service;
	const char *key, *str = NULL;
	unsigned have = 0;
	json_t *v;
	int ret = 0;

	if (!json_is_object(o))
		return fail(err, errlen, 400, "the body must be a JSON object");
	conf_service_init(s); /* the file's defaults; health type none */
	json_object_foreach(o, key, v)
	{
		size_t i = 0;

		while (i < sizeof(service_keys) / sizeof(service_keys[0]) &&
		       (strcmp(service_keys[i].key, key) || (service_keys[i].add_only && !add)))
			i++;
		if (add && !strcmp(key, "backends"))
			ret = parse_backends(v, s, err, errlen);
		else if (i == sizeof(service_keys) / sizeof(service_keys[0]))
			ret = fail(err, errlen, 400, "unknown key: %s", key);
		else if (!strcmp(key, "vip"))
			ret = get_addr(v, "vip", &s->ref.vip, err, errlen);
		else if (!strcmp(key, "name"))
			ret = get_str(v, "name", &str, err, errlen);
		else
			ret = get_field(v, conf_field(CP_SERVICE, key), s, err, errlen);
		if (!ret && str && xlb_conf_name_problem(str, strlen(str)))
			ret = fail(err, errlen, 400, "name: 1..31 of A-Z a-z 0-9 _ . -, got \"%s\"",
				   str);
		else if (!ret && str)
			strcpy(s->name, str);
		if (!ret && !strcmp(key, "table_size") && !maglev_is_prime(s->table_size))
			ret = fail(err, errlen, 400, "table_size: must be prime, got %u",
				   s->table_size);
		if (ret)
			return ret;
		str = NULL;
		if (i < sizeof(service_keys) / sizeof(service_keys[0]))
			have |= 1U << i;
		req->fields |= i < sizeof(service_keys) / sizeof(service_keys[0])
				       ? service_keys[i].flag
				       : 0;
	}
	if (add && (have & 7) != 7)
		return fail(err, errlen, 400, "a new service needs vip, port and proto");
	if (add)
		req->svc = s->ref;
	return 0;
}

/* ---- routing ---- */

static int parse_json_body(const char *body, size_t len, json_t **out, char *err, size_t errlen)
{
	json_error_t je;

	if (!len)
		return fail(err, errlen, 400, "a JSON body is required");
	*out = json_loadb(body, len, JSON_REJECT_DUPLICATES, &je);
	if (!*out)
		return fail(err, errlen, 400, "body is not valid JSON: %s (line %d column %d)",
			    je.text, je.line, je.column);
	return 0;
}

/* An interface name from the path (404 when it cannot be one) or the body (400). */
static int get_iface(const char *s, int status, char *name, char *err, size_t errlen)
{
	const char *why = xlb_conf_iface_problem(s, strlen(s));

	if (why && status == 404)
		return fail(err, errlen, 404, "no such interface: %s (%s)", s, why);
	if (why)
		return fail(err, errlen, 400, "name: not a valid interface name (%s): %s", why, s);
	strcpy(name, s);
	return 0;
}

/* {"name": IFACE, "mode": "native"|"generic"}: the interface to attach, in mode or (without
 * one) in the configuration's xdp_mode. */
static int parse_attach(json_t *o, struct api_request *req, char *err, size_t errlen)
{
	static const enum xlb_xdp_mode modes[] = { XLB_XDP_NATIVE, XLB_XDP_GENERIC };
	const char *key, *str = NULL;
	bool have_name = false;
	json_t *v;
	int ret = 0;

	if (!json_is_object(o))
		return fail(err, errlen, 400, "the body must be a JSON object");
	json_object_foreach(o, key, v)
	{
		if (!strcmp(key, "name")) {
			ret = get_str(v, "name", &str, err, errlen);
			if (!ret)
				ret = get_iface(str, 400, req->iface, err, errlen);
			have_name = true;
		} else if (!strcmp(key, "mode")) {
			ret = get_str(v, "mode", &str, err, errlen);
			req->fields |= API_F_MODE;
			for (size_t i = 0; !ret && i < sizeof(modes) / sizeof(modes[0]); i++) {
				if (!strcmp(str, xlb_xdp_mode_name(modes[i]))) {
					req->mode = modes[i];
					str = NULL;
					break;
				}
			}
			if (!ret && str)
				ret = fail(err, errlen, 400,
					   "mode: must be native or generic, got %s", str);
		} else {
			ret = fail(err, errlen, 400, "unknown key: %s", key);
		}
		if (ret)
			return ret;
	}
	if (!have_name)
		return fail(err, errlen, 400, "name: missing");
	return 0;
}

static int route_ifaces(const char *method, char **segs, int n, const char *body, size_t len,
			struct api_request *req, char *err, size_t errlen)
{
	bool get = !strcmp(method, "GET"), post = !strcmp(method, "POST");
	json_t *j = NULL;
	int ret;

	if (n == 2) {
		if (get) {
			req->op = API_IFACE_LIST;
			return 0;
		}
		if (!post)
			return fail(err, errlen, 405, "/v1/interfaces: GET or POST");
		req->op = API_IFACE_ATTACH;
		ret = parse_json_body(body, len, &j, err, errlen);
		if (!ret)
			ret = parse_attach(j, req, err, errlen);
		json_decref(j);
		return ret;
	}
	if (n != 3)
		return fail(err, errlen, 404, "interfaces are /v1/interfaces/NAME");
	if (!get && strcmp(method, "DELETE"))
		return fail(err, errlen, 405, "an interface: GET or DELETE");
	req->op = get ? API_IFACE_GET : API_IFACE_DETACH;
	return get_iface(segs[2], 404, req->iface, err, errlen);
}

static int route(const char *method, char **segs, int n, const char *body, size_t len,
		 struct api_request *req, char *err, size_t errlen)
{
	bool get = !strcmp(method, "GET"), post = !strcmp(method, "POST");
	bool patch = !strcmp(method, "PATCH"), del = !strcmp(method, "DELETE");
	json_t *j = NULL;
	int ret;

	if (n < 2 || strcmp(segs[0], "v1"))
		return fail(err, errlen, 404, "no such resource (the API lives under /v1/)");
	if (n == 2 && !strcmp(segs[1], "status")) {
		if (!get)
			return fail(err, errlen, 405, "/v1/status: GET only");
		req->op = API_STATUS;
		return 0;
	}
	if (!strcmp(segs[1], "config")) {
		if (n == 2 && get) {
			req->op = API_CONFIG_GET;
			return 0;
		}
		if (n == 3 && post && (!strcmp(segs[2], "check") || !strcmp(segs[2], "apply"))) {
			req->op = !strcmp(segs[2], "check") ? API_CONFIG_CHECK : API_CONFIG_APPLY;
			if (!len)
				return fail(err, errlen, 400, "the body must be a configuration");
			req->yaml = body;
			req->yaml_len = len;
			return 0;
		}
		return fail(err, errlen, n <= 3 ? 405 : 404,
			    "config: GET /v1/config, POST /v1/config/check or /v1/config/apply");
	}
	if (n == 2 && (!strcmp(segs[1], "stats") || !strcmp(segs[1], "conns"))) {
		if (!get)
			return fail(err, errlen, 405, "/v1/%s: GET only", segs[1]);
		req->op = !strcmp(segs[1], "stats") ? API_STATS : API_CONNS;
		return 0;
	}
	if (!strcmp(segs[1], "health")) {
		if (n != 2 && n != 5)
			return fail(err, errlen, 404,
				    "health is /v1/health or /v1/health/VIP/PORT/PROTO");
		if (!get)
			return fail(err, errlen, 405, "health: GET only");
		req->op = API_HEALTH;
		req->fields = n == 5; /* a service was named */
		return n == 5 ? parse_service_path(segs + 2, &req->svc, err, errlen) : 0;
	}
	if (!strcmp(segs[1], "tables")) {
		if (n != 5)
			return fail(err, errlen, 404, "tables are /v1/tables/VIP/PORT/PROTO");
		if (!get)
			return fail(err, errlen, 405, "a table: GET only");
		req->op = API_TABLE_GET;
		return parse_service_path(segs + 2, &req->svc, err, errlen);
	}
	if (!strcmp(segs[1], "interfaces"))
		return route_ifaces(method, segs, n, body, len, req, err, errlen);
	if (n == 3 && !strcmp(segs[1], "daemon") && !strcmp(segs[2], "reload")) {
		if (!post)
			return fail(err, errlen, 405, "/v1/daemon/reload: POST only");
		req->op = API_RELOAD;
		return 0;
	}
	if (strcmp(segs[1], "services"))
		return fail(err, errlen, 404, "no such resource: /v1/%s", segs[1]);
	if (n == 2) {
		if (get) {
			req->op = API_SERVICE_LIST;
			return 0;
		}
		if (!post)
			return fail(err, errlen, 405, "/v1/services: GET or POST");
		req->op = API_SERVICE_ADD;
		ret = parse_json_body(body, len, &j, err, errlen);
		if (!ret)
			ret = parse_service(j, true, req, err, errlen);
		json_decref(j);
		return ret;
	}
	if (n != 5 && n != 6 && n != 7)
		return fail(err, errlen, 404, "no such resource (services are VIP/PORT/PROTO)");
	ret = parse_service_path(segs + 2, &req->svc, err, errlen);
	if (ret)
		return ret;
	if (n == 5) {
		if (get || del) {
			req->op = get ? API_SERVICE_GET : API_SERVICE_DEL;
			return 0;
		}
		if (!patch)
			return fail(err, errlen, 405, "a service: GET, PATCH or DELETE");
		req->op = API_SERVICE_SET;
		ret = parse_json_body(body, len, &j, err, errlen);
		if (!ret)
			ret = parse_service(j, false, req, err, errlen);
		json_decref(j);
		return ret;
	}
	if (strcmp(segs[5], "backends"))
		return fail(err, errlen, 404, "no such resource: %s", segs[5]);
	if (n == 6) {
		if (!post)
			return fail(err, errlen, 405, "backends of a service: POST to add one");
		req->op = API_BACKEND_ADD;
		ret = parse_json_body(body, len, &j, err, errlen);
		if (!ret)
			ret = parse_backend(j, true, &req->be, &req->fields, err, errlen);
		if (!ret)
			req->backend = req->be.addr;
		json_decref(j);
		return ret;
	}
	if (xlb_addr_parse(segs[6], &req->backend))
		return fail(err, errlen, 404, "no such backend: %s (not an address)", segs[6]);
	if (del) {
		req->op = API_BACKEND_DEL;
		return 0;
	}
	if (!patch)
		return fail(err, errlen, 405, "a backend: PATCH or DELETE");
	req->op = API_BACKEND_SET;
	ret = parse_json_body(body, len, &j, err, errlen);
	if (!ret)
		ret = parse_backend(j, false, &req->be, &req->fields, err, errlen);
	if (!ret && !req->fields)
		ret = fail(err, errlen, 400, "nothing to change: give weight and/or state");
	req->be.addr = req->backend;
	json_decref(j);
	return ret;
}

int api_parse(const char *method, const char *path, const char *body, size_t len,
	      struct api_request *req, char *err, size_t errlen)
{
	char *copy, *segs[MAX_SEGS];
	int n, ret;

	memset(req, 0, sizeof(*req));
	if (len > API_BODY_MAX)
		return fail(err, errlen, 413, "request body larger than %d bytes", API_BODY_MAX);
	if (!method || !path || path[0] != '/' || strlen(path) > 1024)
		return fail(err, errlen, 404, "no such resource");
	if (strchr(path, '?') || strchr(path, '%'))
		return fail(err, errlen, 404, "no such resource (no query strings or escapes)");
	copy = strdup(path);
	if (!copy)
		return fail(err, errlen, 500, "out of memory");
	n = split_path(copy, segs, MAX_SEGS);
	ret = n < 0 ? fail(err, errlen, 404, "no such resource")
		    : route(method, segs, n, body, len, req, err, errlen);
	free(copy);
	if (ret) {
		api_request_free(req);
		memset(req, 0, sizeof(*req));
	}
	return ret;
}

void api_request_free(struct api_request *req)
{
	free(req->service.backends);
	req->service.backends = NULL;
	req->service.n_backends = 0;
}
