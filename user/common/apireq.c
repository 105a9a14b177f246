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

/* A backend object: {"address": ..., "weight": ..., "state": ..., "encap": ...}; address
 * required when need_addr, otherwise forbidden (it is in the path). */
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
			   : !strcmp(key, "encap") ? API_F_ENCAP
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

/* The keys of a capture request, in the order of capspec.h's words: the strings, then the
 * numbers. */
static const char *const capture_strings[] = { "service", "backend", "client", "reason",
					       "verdict" };
static const char *const capture_numbers[] = { "sample", "count", "duration", "snaplen" };

#define N_CAP_STR (sizeof(capture_strings) / sizeof(capture_strings[0]))
#define N_CAP_NUM (sizeof(capture_numbers) / sizeof(capture_numbers[0]))

/* {"service": SERVICE, "backend": ADDR, "client": PREFIX, "reason": R, "verdict": V, "sample":
 * N, "count": N, "duration": S, "snaplen": N}, every key optional: turned into the words of
 * capspec.h and parsed by capspec_parse(), so that the API and lbctl take the same requests. */
static int parse_capture(json_t *o, struct api_request *req, char *err, size_t errlen)
{
	char nums[N_CAP_NUM][24], *words[2 * (N_CAP_STR + N_CAP_NUM)];
	const char *key;
	json_t *v;
	int n = 0;

	if (!json_is_object(o))
		return fail(err, errlen, 400, "the body must be a JSON object");
	json_object_foreach(o, key, v)
	{
		bool known = false;

		for (size_t i = 0; i < N_CAP_STR; i++)
			known |= !strcmp(key, capture_strings[i]);
		for (size_t i = 0; i < N_CAP_NUM; i++)
			known |= !strcmp(key, capture_numbers[i]);
		if (!known)
			return fail(err, errlen, 400, "unknown key: %s", key);
	}
	for (size_t i = 0; i < N_CAP_STR; i++) {
		const char *s = NULL;
		int ret;

		v = json_object_get(o, capture_strings[i]);
		if (!v)
			continue;
		ret = get_str(v, capture_strings[i], &s, err, errlen);
		if (ret)
			return ret;
		if (i) /* the service is a word of its own, without a keyword */
			words[n++] = (char *)capture_strings[i];
		words[n++] = (char *)s;
	}
	for (size_t i = 0; i < N_CAP_NUM; i++) {
		v = json_object_get(o, capture_numbers[i]);
		if (!v)
			continue;
		if (!json_is_integer(v))
			return fail(err, errlen, 400, "%s: must be an integer", capture_numbers[i]);
		snprintf(nums[i], sizeof(nums[i]), "%lld", (long long)json_integer_value(v));
		words[n++] = (char *)capture_numbers[i];
		words[n++] = nums[i];
	}
	if (capspec_parse(n, words, XLB_CAPTURE_PROG_LB, &req->cap, err, errlen))
		return 400;
	return 0;
}

/* ---- what a route does with the body ---- */

static int body_service_add(json_t *j, struct api_request *req, char *err, size_t errlen)
{
	return parse_service(j, true, req, err, errlen);
}

static int body_service_set(json_t *j, struct api_request *req, char *err, size_t errlen)
{
	return parse_service(j, false, req, err, errlen);
}

static int body_backend_add(json_t *j, struct api_request *req, char *err, size_t errlen)
{
	int ret = parse_backend(j, true, &req->be, &req->fields, err, errlen);

	if (!ret)
		req->backend = req->be.addr;
	return ret;
}

static int body_backend_set(json_t *j, struct api_request *req, char *err, size_t errlen)
{
	int ret = parse_backend(j, false, &req->be, &req->fields, err, errlen);

	if (!ret && !req->fields)
		ret = fail(err, errlen, 400, "nothing to change: give weight, state and/or encap");
	req->be.addr = req->backend;
	return ret;
}

/* ---- the routes ---- */

/* Paths are patterns of '/'-separated segments: a literal; {svc}, the three segments
 * VIP/PORT/PROTO of a service; {addr}, a backend's address; {iface}, an interface name; and,
 * in the table of misses only, * (any one segment) and a last ** (zero or more further
 * segments). */

#define RT_YAML (1U << 0) /* the body is a configuration, kept as text for the caller */
/* A wrong method is refused (405) before the names in the path are read (404): the order the
 * first API had for these paths, kept so that every answer stays the same. Elsewhere the path
 * is read first. */
#define RT_METHOD_FIRST (1U << 1)

#define CONFIG_ROUTES "config: GET /v1/config, POST /v1/config/check or /v1/config/apply"
#define SERVICE_PATHS "no such resource (services are VIP/PORT/PROTO)"

/* One route: a method on a path, the operation it is, and how its body is read. The rows of
 * one path are adjacent, in the order their methods are named in refusals. */
static const struct route {
	const char *method;
	const char *path;
	enum api_op op;
	/* Reads a JSON body, which is then required; NULL when the route takes none. */
	int (*json)(json_t *j, struct api_request *req, char *err, size_t errlen);
	unsigned flags; /* RT_*, the same on every row of a path */
	const char *refused; /* the 405 message, on the first row of a path (NULL on the rest) */
} routes[] = {
	{ "GET", "/v1/status", API_STATUS, NULL, 0, "/v1/status: GET only" },
	{ "GET", "/v1/services", API_SERVICE_LIST, NULL, 0, "/v1/services: GET or POST" },
	{ "POST", "/v1/services", API_SERVICE_ADD, body_service_add, 0, NULL },
	{ "GET", "/v1/services/{svc}", API_SERVICE_GET, NULL, 0,
	  "a service: GET, PATCH or DELETE" },
	{ "PATCH", "/v1/services/{svc}", API_SERVICE_SET, body_service_set, 0, NULL },
	{ "DELETE", "/v1/services/{svc}", API_SERVICE_DEL, NULL, 0, NULL },
	{ "POST", "/v1/services/{svc}/backends", API_BACKEND_ADD, body_backend_add, 0,
	  "backends of a service: POST to add one" },
	{ "PATCH", "/v1/services/{svc}/backends/{addr}", API_BACKEND_SET, body_backend_set, 0,
	  "a backend: PATCH or DELETE" },
	{ "DELETE", "/v1/services/{svc}/backends/{addr}", API_BACKEND_DEL, NULL, 0, NULL },
	{ "GET", "/v1/config", API_CONFIG_GET, NULL, 0, CONFIG_ROUTES },
	{ "POST", "/v1/config/check", API_CONFIG_CHECK, NULL, RT_YAML, CONFIG_ROUTES },
	{ "POST", "/v1/config/apply", API_CONFIG_APPLY, NULL, RT_YAML, CONFIG_ROUTES },
	{ "POST", "/v1/daemon/reload", API_RELOAD, NULL, 0, "/v1/daemon/reload: POST only" },
	{ "GET", "/v1/stats", API_STATS, NULL, 0, "/v1/stats: GET only" },
	{ "GET", "/v1/conns", API_CONNS, NULL, 0, "/v1/conns: GET only" },
	{ "GET", "/v1/health", API_HEALTH, NULL, 0, "health: GET only" },
	{ "GET", "/v1/health/{svc}", API_HEALTH, NULL, RT_METHOD_FIRST, "health: GET only" },
	{ "GET", "/v1/tables/{svc}", API_TABLE_GET, NULL, RT_METHOD_FIRST, "a table: GET only" },
	{ "GET", "/v1/interfaces", API_IFACE_LIST, NULL, 0, "/v1/interfaces: GET or POST" },
	{ "POST", "/v1/interfaces", API_IFACE_ATTACH, parse_attach, 0, NULL },
	{ "GET", "/v1/interfaces/{iface}", API_IFACE_GET, NULL, RT_METHOD_FIRST,
	  "an interface: GET or DELETE" },
	{ "DELETE", "/v1/interfaces/{iface}", API_IFACE_DETACH, NULL, RT_METHOD_FIRST, NULL },
	{ "POST", "/v1/capture", API_CAPTURE, parse_capture, 0, "/v1/capture: POST or DELETE" },
	{ "DELETE", "/v1/capture", API_CAPTURE_STOP, NULL, 0, NULL },
};

#define N_ROUTES (sizeof(routes) / sizeof(routes[0]))

/* How a path that no route takes is answered: the first row it fits wins. */
static const struct miss {
	const char *path;
	int status;
	const char *msg;
	bool names_star; /* the segment of the first * follows msg */
} misses[] = {
	{ "/v1/config/*", 405, CONFIG_ROUTES, false },
	{ "/v1/config/**", 404, CONFIG_ROUTES, false },
	{ "/v1/health/**", 404, "health is /v1/health or /v1/health/VIP/PORT/PROTO", false },
	{ "/v1/tables/**", 404, "tables are /v1/tables/VIP/PORT/PROTO", false },
	{ "/v1/interfaces/**", 404, "interfaces are /v1/interfaces/NAME", false },
	{ "/v1/services/*/*/*/*/*/*", 404, SERVICE_PATHS, false },
	{ "/v1/services/{svc}/*/**", 404, "no such resource: ", true },
	{ "/v1/services/**", 404, SERVICE_PATHS, false },
	{ "/v1/*/**", 404, "no such resource: /v1/", true },
	{ "/**", 404, "no such resource (the API lives under /v1/)", false },
};

/* Where the names of a matched path are: the first segment of each, or -1. */
struct names {
	int svc, addr, iface, star;
};

static bool token_is(const char *tok, size_t len, const char *word)
{
	return strlen(word) == len && !memcmp(tok, word, len);
}

/* Whether the n segments fit pattern pat by their number and literals (the names in them are
 * not read here); where each name is goes into *at. */
static bool path_fits(const char *pat, char **segs, int n, struct names *at)
{
	int i = 0;

	*at = (struct names){ -1, -1, -1, -1 };
	while (*pat == '/') {
		const char *tok = pat + 1, *end = strchr(tok, '/');
		size_t len = end ? (size_t)(end - tok) : strlen(tok);

		pat = tok + len;
		if (token_is(tok, len, "**"))
			return true;
		if (i == n)
			return false;
		if (token_is(tok, len, "{svc}")) {
			if (n - i < 3)
				return false;
			at->svc = i;
			i += 3;
			continue;
		}
		if (token_is(tok, len, "{addr}"))
			at->addr = i;
		else if (token_is(tok, len, "{iface}"))
			at->iface = i;
		else if (token_is(tok, len, "*"))
			at->star = at->star < 0 ? i : at->star;
		else if (!token_is(tok, len, segs[i]))
			return false;
		i++;
	}
	return i == n;
}

/* Read the names the path holds into req: 404 for one that cannot be what it names. */
static int read_names(const struct names *at, char **segs, struct api_request *req, char *err,
		      size_t errlen)
{
	int ret;

	if (at->svc >= 0) {
		ret = parse_service_path(segs + at->svc, &req->svc, err, errlen);
		if (ret)
			return ret;
	}
	if (at->addr >= 0 && xlb_addr_parse(segs[at->addr], &req->backend))
		return fail(err, errlen, 404, "no such backend: %s (not an address)",
			    segs[at->addr]);
	if (at->iface >= 0)
		return get_iface(segs[at->iface], 404, req->iface, err, errlen);
	return 0;
}

static int read_body(const struct route *r, const char *body, size_t len, struct api_request *req,
		     char *err, size_t errlen)
{
	json_t *j = NULL;
	int ret;

	if (r->flags & RT_YAML) {
		if (!len)
			return fail(err, errlen, 400, "the body must be a configuration");
		req->yaml = body;
		req->yaml_len = len;
		return 0;
	}
	if (!r->json)
		return 0;
	ret = parse_json_body(body, len, &j, err, errlen);
	if (!ret)
		ret = r->json(j, req, err, errlen);
	json_decref(j);
	return ret;
}

/* The answer to a path no route takes. */
static int refuse_miss(char **segs, int n, struct api_request *req, char *err, size_t errlen)
{
	const struct miss *m = misses;
	struct names at;
	int ret;

	while (!path_fits(m->path, segs, n, &at))
		m++; /* the last row takes every path */
	ret = read_names(&at, segs, req, err, errlen);
	if (ret)
		return ret;
	return fail(err, errlen, m->status, "%s%s", m->msg, m->names_star ? segs[at.star] : "");
}

/* The first row of the first path segs fit, or NULL. */
static const struct route *find_path(char **segs, int n, struct names *at)
{
	for (size_t i = 0; i < N_ROUTES; i++)
		if (path_fits(routes[i].path, segs, n, at))
			return &routes[i];
	return NULL;
}

static int route(const char *method, char **segs, int n, const char *body, size_t len,
		 struct api_request *req, char *err, size_t errlen)
{
	struct names at;
	const struct route *first = find_path(segs, n, &at), *r;
	int ret;

	if (!first)
		return refuse_miss(segs, n, req, err, errlen);
	if (!(first->flags & RT_METHOD_FIRST)) {
		ret = read_names(&at, segs, req, err, errlen);
		if (ret)
			return ret;
	}
	for (r = first; r < routes + N_ROUTES && !strcmp(r->path, first->path); r++)
		if (!strcmp(r->method, method))
			break;
	if (r == routes + N_ROUTES || strcmp(r->path, first->path))
		return fail(err, errlen, 405, "%s", first->refused);
	if (first->flags & RT_METHOD_FIRST) {
		ret = read_names(&at, segs, req, err, errlen);
		if (ret)
			return ret;
	}
	req->op = r->op;
	return read_body(r, body, len, req, err, errlen);
}

/* Path into a fresh copy split at '/' into segs (at most MAX_SEGS); *copy is to be freed.
 * Returns the number of segments, 0 with *copy NULL when out of memory, or -1 when there are
 * too many. */
static int split_copy(const char *path, char **copy, char **segs)
{
	*copy = strdup(path);
	return *copy ? split_path(*copy, segs, MAX_SEGS) : 0;
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
	n = split_copy(path, &copy, segs);
	if (!copy)
		return fail(err, errlen, 500, "out of memory");
	ret = n < 0 ? fail(err, errlen, 404, "no such resource")
		    : route(method, segs, n, body, len, req, err, errlen);
	free(copy);
	if (ret) {
		api_request_free(req);
		memset(req, 0, sizeof(*req));
	}
	return ret;
}

void api_allowed(const char *path, char *buf, size_t len)
{
	const struct route *first = NULL;
	char *copy = NULL, *segs[MAX_SEGS];
	struct names at;
	size_t used = 0;
	int n;

	if (len)
		buf[0] = '\0';
	n = path && path[0] == '/' ? split_copy(path, &copy, segs) : -1;
	if (n >= 0 && copy)
		first = find_path(segs, n, &at);
	for (const struct route *r = first; r && r < routes + N_ROUTES; r++) {
		if (strcmp(r->path, first->path))
			break;
		if (used < len)
			used += (size_t)snprintf(buf + used, len - used, "%s%s", used ? ", " : "",
						 r->method);
	}
	free(copy);
}

void api_request_free(struct api_request *req)
{
	free(req->service.backends);
	req->service.backends = NULL;
	req->service.n_backends = 0;
}
